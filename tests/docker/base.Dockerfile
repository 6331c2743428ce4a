# burrow-base: Debian 12, its python3, and burrow from `make install`:
#   make && make install DESTDIR=$PWD/dist PREFIX=/usr/local
#   docker build -t burrow-base -f base.Dockerfile .
FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates python3 \
      libcurl4 libarchive13 libsqlite3-0 libssl3 libjson-c5 libxml2 libelf1 \
 && rm -rf /var/lib/apt/lists/*
COPY dist/usr/local/ /usr/local/
