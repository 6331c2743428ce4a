"""hello_app: the demo WSGI application of burrow's tests and README.

`hello_app:wsgi` answers GET / with a small JSON page that says which
Python serves it (sys.prefix is the env when run under `burrow run`), so a
reader can see the isolation from outside.  Other paths get 404.
"""

import json
import sys

__version__ = "1.0"


def page(environ):
    return {
        "message": "hello from burrow",
        "app": "hello_app " + __version__,
        "server": environ.get("SERVER_SOFTWARE", ""),
        "python": sys.version.split()[0],
        "prefix": sys.prefix,
        "base_prefix": sys.base_prefix,
        "module": __file__,
    }


def wsgi(environ, start_response):
    if environ.get("PATH_INFO", "/") != "/":
        body = b"not found\n"
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8"),
                                         ("Content-Length", str(len(body)))])
        return [body]
    body = (json.dumps(page(environ), indent=1, sort_keys=True) + "\n").encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body] if environ.get("REQUEST_METHOD") != "HEAD" else []
