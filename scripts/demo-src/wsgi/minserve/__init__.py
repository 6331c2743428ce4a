"""minserve: a tiny threaded WSGI server on the standard library.

The demo web server of burrow's tests and README (scripts/build-wheels makes
it a wheel).  wsgiref does the HTTP and WSGI work, socketserver's
ThreadingMixIn gives each request a thread.  Meant for demos and tests, not
for production traffic.

    minserve MODULE:CALLABLE [--bind 127.0.0.1] [--port 8000]

Once bound it prints "listening on http://HOST:PORT" on stdout (with
--port 0 the kernel picks the port, and the real one is printed).  SIGTERM
or SIGINT shut it down cleanly: no new connections, requests in flight are
finished, exit status 0.  As PID 1 in a container this matters: the kernel
gives PID 1 no default signal actions, so a server that does not handle
SIGTERM itself would only stop when killed.
"""

import argparse
import importlib
import signal
import socketserver
import sys
import threading
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

__version__ = "1.0"

STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    # server_close() joins the request threads: a clean stop finishes them
    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True


class RequestHandler(WSGIRequestHandler):
    timeout = 30  # a client that connects and says nothing cannot hold a stop
    server_version = "minserve/" + __version__

    def log_message(self, fmt, *args):
        sys.stderr.write("minserve: %s %s\n" % (self.address_string(), fmt % args))


def load(spec):
    """MODULE:CALLABLE (CALLABLE may be dotted) -> the object."""
    module, sep, attr = spec.partition(":")
    if not sep or not module or not attr:
        raise ValueError("expected MODULE:CALLABLE, got %r" % spec)
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    if not callable(obj):
        raise ValueError("%s is not callable" % spec)
    return obj


def serve(app, bind, port, out=sys.stdout):
    """Serves app until SIGTERM or SIGINT; returns the signal number."""
    # Block the stop signals before any thread starts, so every thread
    # inherits the mask and only sigwait() below sees them.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    httpd = ThreadingWSGIServer((bind, port), RequestHandler)
    httpd.set_app(app)
    host, real_port = httpd.server_address[:2]
    print("listening on http://%s:%d" % (host, real_port), file=out, flush=True)
    accept = threading.Thread(target=httpd.serve_forever, name="minserve-accept")
    accept.start()
    try:
        sig = signal.sigwait(STOP_SIGNALS)
    finally:
        httpd.shutdown()  # stops serve_forever and waits for it
        accept.join()
        httpd.server_close()  # closes the socket, joins request threads
    return sig


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="minserve", description="a tiny threaded WSGI server (wsgiref + socketserver)")
    parser.add_argument("app", metavar="MODULE:CALLABLE", help="the WSGI application")
    parser.add_argument("--bind", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (8000; 0: any free port)")
    parser.add_argument("--version", action="version", version="minserve " + __version__)
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error("--port must be 0..65535")
    try:
        app = load(args.app)
    except (ImportError, AttributeError, ValueError) as e:
        print("minserve: cannot load %s: %s" % (args.app, e), file=sys.stderr)
        return 1
    try:
        sig = serve(app, args.bind, args.port)
    except OSError as e:
        print("minserve: cannot listen on %s:%d: %s" % (args.bind, args.port, e), file=sys.stderr)
        return 1
    print("minserve: stopped (%s)" % signal.Signals(sig).name, flush=True)
    return 0
