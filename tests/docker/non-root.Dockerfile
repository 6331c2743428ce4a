FROM burrow-base
COPY wheelhouse/ /wheelhouse/
COPY app.toml /srv/app.toml
RUN burrow create /srv/app --manifest /srv/app.toml --find-links /wheelhouse \
 && burrow check /srv/app \
 && burrow cache clean
USER www-data
EXPOSE 8000
# exec form: no shell in between, the server is PID 1 and gets docker stop's SIGTERM
CMD ["burrow", "run", "/srv/app", "--", "minserve", "hello_app:wsgi", "--bind", "0.0.0.0", "--port", "8000"]
