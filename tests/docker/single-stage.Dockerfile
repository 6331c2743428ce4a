FROM burrow-base
COPY wheelhouse/ /wheelhouse/
COPY app.toml /srv/app.toml
RUN burrow create /srv/app --manifest /srv/app.toml --find-links /wheelhouse \
 && burrow check /srv/app \
 && burrow cache clean
EXPOSE 8000
CMD ["burrow", "run", "/srv/app", "--", "minserve", "hello_app:wsgi", "--bind", "0.0.0.0", "--port", "8000"]
