"""A quiet static HTTP/1.1 server on 127.0.0.1 for scripts/bench: serves
DIR on a port chosen by the kernel and writes that port to PORTFILE once it
listens. Runs until killed.

usage: serve.py DIR PORTFILE"""

import functools
import http.server
import os
import sys


class Quiet(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real mirror

    def log_message(self, *a):
        pass


class Server(http.server.ThreadingHTTPServer):
    # the default listen backlog (5) drops the SYNs of parallel clients,
    # which then wait a second for the retransmission
    request_queue_size = 128


def main():
    root, portfile = sys.argv[1], sys.argv[2]
    httpd = Server(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=root))
    httpd.daemon_threads = True
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % httpd.server_address[1])
    os.rename(tmp, portfile)
    httpd.serve_forever()


main()
