#!/usr/bin/env python3
"""badserver: a misbehaving HTTP server on loopback, for burrow's tests.

Standard library only.  Binds 127.0.0.1 (port 0 unless --port), prints
"PORT <n>" as its first stdout line, lives at most --lifetime seconds, and
bounds every response in time (MAX_S) and bytes (MAX_B).

Modes (numbers are decimal; a query string is ignored by the routing but
kept in the hit counters, so "/flaky/2?t=a" and "/flaky/2?t=b" count apart;
path components after the numbers are ignored unless said otherwise, so a
URL can end in a file name, e.g. /status/404/x-1.0-any.tar.gz):

  /ok/<n>                        200, n bytes (deterministic pattern, see body())
  /status/<code>                 that status, empty body
  /429/<k>/<secs>[/<file>]       k x 429 with Retry-After: secs, then /ok/1024
                                 (or --root's <file>, when given)
  /flaky/<k>[/<file>]            k x 503, then /ok/1024 (or --root's <file>)
  /stall/<len>/<sent>            declares len, sends sent, then goes quiet
  /truncate/<declared>/<sent>    declares declared, sends sent, closes
  /overlong/<declared>/<sent>    declares declared, sends sent (more)
  /slow/<n>/<bytes-per-s>        n bytes, trickled
  /loop                          302 to itself, forever
  /redirect/<k>/<path...>        k hops of 302, then 302 to /<path...>
  /redirect-to?url=<url>         302 to url (e.g. a downgrade)
  /endless[/...]                 200, chunked, never ends (until MAX_B/MAX_S)
  /endless-close                 200, no length, ends only on close
  /portal[/...]                  200 text/html: a captive portal's login page
  /headers                       200 application/json: the request headers
  /hits                          200 application/json: requests seen per path+query

Anything else is served from --root DIR when given: files with a Content-Type
by extension; a directory without a trailing slash redirects; a directory
answers with index.json (application/vnd.pypi.simple.v1+json) when the Accept
header asks for that type and the file exists, else index.html (text/html),
else 404.  Paths never escape DIR.

Use as a program (see main) or as a module: `srv, port = start(root=...)`,
then `srv.shutdown()`.
"""
import argparse
import http.server
import json
import os
import socketserver
import sys
import threading
import time
import urllib.parse

MAX_S = 20.0          # seconds any one response may take
MAX_B = 256 << 20     # bytes any one response may send
BLOCK = bytes(range(256)) * 256  # 64 KiB deterministic block

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".whl": "application/zip",
    ".zip": "application/zip",
    ".gz": "application/gzip",
    ".xz": "application/x-xz",
    ".zst": "application/zstd",
    ".txt": "text/plain; charset=utf-8",
    ".toml": "application/toml",
}
JSON_TYPE = "application/vnd.pypi.simple.v1+json"


def body(n):
    """The first n bytes of the pattern /ok/<n> sends (bytes(range(256)) repeated)."""
    return (BLOCK * (n // len(BLOCK) + 1))[:n]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "badserver/1"
    timeout = 15  # on reading a request

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("badserver: " + fmt % args + "\n")

    # -- helpers --
    def hdr(self, code, length=None, extra=(), ctype="application/octet-stream"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        for k, v in extra:
            self.send_header(k, v)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.send_header("Connection", "close")
        self.close_connection = True
        self.end_headers()

    def stream(self, n, delay=0.0, chunk=None, chunked=False):
        """Sends n bytes of the pattern (n None: until MAX_B or MAX_S)."""
        sent, end = 0, time.monotonic() + MAX_S
        step = chunk or len(BLOCK)
        while (n is None or sent < n) and sent < MAX_B and time.monotonic() < end:
            k = step if n is None else min(step, n - sent)
            c = BLOCK[:k] if k <= len(BLOCK) else body(k)
            if chunked:
                self.wfile.write(b"%x\r\n" % len(c) + c + b"\r\n")
            else:
                self.wfile.write(c)
            self.wfile.flush()
            sent += len(c)
            if delay:
                time.sleep(delay)
        if chunked and n is not None:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    def hit(self):
        with self.server.lock:
            n = self.server.hits.get(self.path, 0) + 1
            self.server.hits[self.path] = n
        return n

    def send_bytes(self, code, data, ctype):
        self.hdr(code, len(data), ctype=ctype)
        if self.command != "HEAD":
            self.wfile.write(data)

    # -- routing --
    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        try:
            self.route()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass

    def route(self):
        parsed = urllib.parse.urlsplit(self.path)
        parts = [p for p in parsed.path.split("/") if p]
        mode = parts[0] if parts else ""
        nums = []
        for p in parts[1:]:
            if not p.isdigit():
                break
            nums.append(int(p))

        def arg(i, default=None):
            return nums[i] if len(nums) > i else default

        count = self.hit() if mode != "hits" else 0

        if mode == "ok" and nums:
            self.hdr(200, arg(0))
            self.stream(arg(0))
        elif mode == "status" and nums:
            self.hdr(arg(0), 0)
        elif mode == "429" and len(nums) >= 2:
            if count <= arg(0):
                self.hdr(429, 0, [("Retry-After", str(arg(1)))])
            else:
                self.ok_or_file(parts[1 + len(nums):])
        elif mode == "flaky" and nums:
            if count <= arg(0):
                self.hdr(503, 0)
            else:
                self.ok_or_file(parts[1 + len(nums):])
        elif mode == "stall" and len(nums) >= 2:
            self.hdr(200, arg(0))
            self.stream(arg(1))
            time.sleep(MAX_S)
        elif mode in ("truncate", "overlong") and len(nums) >= 2:
            self.hdr(200, arg(0))
            self.stream(arg(1))
        elif mode == "slow" and len(nums) >= 2:
            rate = max(1, arg(1))
            chunk = max(1, rate // 10)
            self.hdr(200, arg(0))
            self.stream(arg(0), delay=0.1, chunk=chunk)
        elif mode == "loop":
            self.hdr(302, 0, [("Location", self.path)])
        elif mode == "redirect" and nums:
            rest = "/".join(parts[2:])
            k = arg(0)
            target = "/redirect/%d/%s" % (k - 1, rest) if k > 1 else "/" + rest
            self.hdr(302, 0, [("Location", target)])
        elif mode == "redirect-to":
            url = urllib.parse.parse_qs(parsed.query).get("url", ["/"])[0]
            self.hdr(302, 0, [("Location", url)])
        elif mode == "endless":
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.close_connection = True
            self.end_headers()
            self.stream(None, chunked=True)
        elif mode == "endless-close":
            self.hdr(200)
            self.stream(None)
        elif mode == "portal":
            page = (b"<!DOCTYPE html><html><head><title>Wi-Fi login</title></head>"
                    b"<body><form action=/login>Accept the terms</form></body></html>\n")
            self.send_bytes(200, page, "text/html; charset=utf-8")
        elif mode == "headers":
            data = json.dumps(dict(self.headers.items()), sort_keys=True).encode()
            self.send_bytes(200, data, "application/json")
        elif mode == "hits":
            with self.server.lock:
                data = json.dumps(self.server.hits, sort_keys=True).encode()
            self.send_bytes(200, data, "application/json")
        elif self.server.root:
            self.serve_root(parsed.path)
        else:
            self.hdr(404, 0)

    def ok_or_file(self, rest):
        """The success answer of flaky and 429: --root's file named by the
        rest of the path, else /ok/1024."""
        if self.server.root and rest:
            self.serve_root("/" + "/".join(rest))
        else:
            self.hdr(200, 1024)
            self.stream(1024)

    def serve_root(self, urlpath):
        root = self.server.root
        rel = urllib.parse.unquote(urlpath)
        if "\0" in rel:
            self.hdr(400, 0)
            return
        full = os.path.realpath(os.path.join(root, rel.lstrip("/")))
        if full != root and not full.startswith(root + os.sep):
            self.hdr(404, 0)
            return
        if os.path.isdir(full):
            if not urlpath.endswith("/"):
                self.hdr(301, 0, [("Location", urlpath + "/")])
                return
            accept = self.headers.get("Accept", "")
            js = os.path.join(full, "index.json")
            ht = os.path.join(full, "index.html")
            if JSON_TYPE in accept and os.path.isfile(js):
                self.send_file(js, JSON_TYPE)
            elif os.path.isfile(ht):
                self.send_file(ht, "text/html; charset=utf-8")
            else:
                self.hdr(404, 0)
            return
        if not os.path.isfile(full):
            self.hdr(404, 0)
            return
        ext = os.path.splitext(full)[1].lower()
        self.send_file(full, CONTENT_TYPES.get(ext, "application/octet-stream"))

    def send_file(self, path, ctype):
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > MAX_B:
                self.hdr(500, 0)
                return
            self.hdr(200, size, ctype=ctype)
            if self.command == "HEAD":
                return
            end = time.monotonic() + MAX_S
            while time.monotonic() < end:
                c = f.read(1 << 16)
                if not c:
                    break
                self.wfile.write(c)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, root=None, verbose=False):
        super().__init__(addr, Handler)
        self.root = os.path.realpath(root) if root else None
        self.verbose = verbose
        self.hits = {}
        self.lock = threading.Lock()


def start(root=None, port=0, lifetime=600.0, verbose=False):
    """Starts a server in a daemon thread; returns (server, port)."""
    srv = Server(("127.0.0.1", port), root=root, verbose=verbose)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    timer = threading.Timer(lifetime, srv.shutdown)
    timer.daemon = True
    timer.start()
    return srv, srv.server_address[1]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--root", help="directory to serve for other paths")
    ap.add_argument("--lifetime", type=float, default=600.0, help="seconds before exiting")
    ap.add_argument("--verbose", action="store_true", help="log requests to stderr")
    args = ap.parse_args(argv)
    srv = Server(("127.0.0.1", args.port), root=args.root, verbose=args.verbose)
    print("PORT", srv.server_address[1], flush=True)
    timer = threading.Timer(args.lifetime, srv.shutdown)
    timer.daemon = True
    timer.start()
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
