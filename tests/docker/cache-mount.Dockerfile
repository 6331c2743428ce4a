FROM burrow-base
# docker build --build-arg INDEX_URL=https://mirror.internal/simple/ ...
ARG INDEX_URL
COPY requirements.txt /srv/requirements.txt
# the cache outlives the build but stays out of the image
RUN --mount=type=cache,target=/root/.cache/burrow \
    burrow create /srv/app --python python3 --manifest /srv/requirements.txt \
      --index-url "$INDEX_URL" \
 && burrow check /srv/app
EXPOSE 8000
CMD ["burrow", "run", "/srv/app", "--", "minserve", "hello_app:wsgi", "--bind", "0.0.0.0", "--port", "8000"]
