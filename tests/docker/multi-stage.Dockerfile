FROM burrow-base AS build
COPY app.toml /srv/app.toml
COPY wheelhouse/ /wheelhouse/
# this layer downloads and verifies; Docker reuses it until its inputs change
RUN burrow fetch --manifest /srv/app.toml --find-links /wheelhouse
# this one builds the env from the cache alone
RUN burrow --offline create /srv/app --manifest /srv/app.toml \
 && burrow check /srv/app

FROM burrow-base
COPY --from=build /srv/app /srv/app
EXPOSE 8000
# starts as root; burrow drops to www-data, then execs the server (PID 1)
CMD ["burrow", "run", "--user", "www-data", "/srv/app", "--", "minserve", "hello_app:wsgi", "--bind", "0.0.0.0", "--port", "8000"]
