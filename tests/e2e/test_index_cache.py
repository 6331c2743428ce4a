"""Index pages are kept in cache.db with their ETag and Last-Modified and
revalidated with a conditional GET (a 304 reuses the stored page);
--offline reads only the cache and never opens a connection.  Also:
an archive is unpacked while the others are still downloading."""
import hashlib
import html
import http.server
import os
import sqlite3
import threading
import time

import pytest

from conftest import make_tree, manifest_text, script, sha256


class IndexServer:
    """A simple index on 127.0.0.1 that answers conditional GETs for its
    project pages and logs every request with its validators."""

    def __init__(self, files_dir, validator="etag"):
        self.files_dir = files_dir
        self.validator = validator  # "etag", "last-modified" or None
        self.version = 1
        self.delays = {}  # file name -> seconds to wait before answering
        self.log = []  # (path, If-None-Match, If-Modified-Since)
        self.lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                with server.lock:
                    server.log.append((self.path, self.headers.get("If-None-Match"),
                                       self.headers.get("If-Modified-Since")))
                if self.path.startswith("/simple/"):
                    return server.page(self)
                if self.path.startswith("/files/"):
                    name = os.path.basename(self.path)
                    p = os.path.join(server.files_dir, name)
                    if os.path.isfile(p):
                        time.sleep(server.delays.get(name, 0))
                        data = open(p, "rb").read()
                        self.send_response(200)
                        self.send_header("Content-Type", "application/gzip")
                        self.send_header("Content-Length", str(len(data)))
                        self.end_headers()
                        self.wfile.write(data)
                        return
                self.send_error(404)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self):
        return "http://127.0.0.1:%d/simple/" % self.port

    def page(self, h):
        etag = '"v%d"' % self.version
        lm = "Wed, 0%d Jan 2025 00:00:00 GMT" % self.version
        if self.validator == "etag" and h.headers.get("If-None-Match") == etag:
            h.send_response(304)
            h.send_header("ETag", etag)
            h.end_headers()
            return
        if self.validator == "last-modified" and h.headers.get("If-Modified-Since") == lm:
            h.send_response(304)
            h.end_headers()
            return
        links = []
        for name in sorted(os.listdir(self.files_dir)):
            data = open(os.path.join(self.files_dir, name), "rb").read()
            links.append('<a href="/files/%s#sha256=%s">%s</a>' % (
                html.escape(name), hashlib.sha256(data).hexdigest(), html.escape(name)))
        body = ("<!DOCTYPE html><html><body>%s</body></html>" % "\n".join(links)).encode()
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", str(len(body)))
        if self.validator == "etag":
            h.send_header("ETag", etag)
        elif self.validator == "last-modified":
            h.send_header("Last-Modified", lm)
        h.end_headers()
        h.wfile.write(body)

    def pages(self):
        with self.lock:
            return [e for e in self.log if e[0].startswith("/simple/")]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def scene(tmp_path, burrow):
    files = tmp_path / "files"
    files.mkdir()
    pins = {}
    for v in ("1.0", "2.0"):
        src = make_tree(tmp_path / ("src-" + v), {"bin/hello": script("echo hello " + v)})
        f = burrow.pack(src, "hello", v, files)
        pins[v] = ("hello", v, [sha256(f)])
    servers = []

    def make(validator="etag"):
        s = IndexServer(str(files), validator)
        servers.append(s)
        return s

    def manifest(srv, v, name="m.toml"):
        p = tmp_path / name
        p.write_text(manifest_text([srv.url()], [pins[v]]))
        return p

    yield make, manifest
    for s in servers:
        s.close()


def stored(tmp_path):
    db = sqlite3.connect(str(tmp_path / "cache" / "cache.db"))
    try:
        return db.execute("SELECT url, etag, last_modified, length(body) "
                          "FROM index_pages").fetchall()
    finally:
        db.close()


def test_etag_revalidated_and_page_reused(tmp_path, burrow, scene):
    make, manifest = scene
    srv = make("etag")
    burrow("create", tmp_path / "a", "--manifest", manifest(srv, "1.0"), check=0)
    assert srv.pages() == [("/simple/hello/", None, None)]
    rows = stored(tmp_path)
    assert len(rows) == 1 and rows[0][0].endswith("/simple/hello/")
    assert rows[0][1] == '"v1"' and rows[0][3] > 0

    # 2.0 is not in the cache: the page is asked for again, conditionally,
    # and the 304 is answered from the stored page
    burrow("create", tmp_path / "b", "--manifest", manifest(srv, "2.0"), check=0)
    assert srv.pages()[1] == ("/simple/hello/", '"v1"', None)
    assert burrow("run", tmp_path / "b", "--", "hello", check=0).stdout == "hello 2.0\n"


def test_changed_page_replaces_the_stored_one(tmp_path, burrow, scene):
    make, manifest = scene
    srv = make("etag")
    burrow("fetch", "--manifest", manifest(srv, "1.0"), check=0)
    srv.version = 2
    burrow("create", tmp_path / "b", "--manifest", manifest(srv, "2.0"), check=0)
    assert srv.pages()[1] == ("/simple/hello/", '"v1"', None)
    assert stored(tmp_path)[0][1] == '"v2"'


def test_last_modified_revalidated(tmp_path, burrow, scene):
    make, manifest = scene
    srv = make("last-modified")
    burrow("fetch", "--manifest", manifest(srv, "1.0"), check=0)
    burrow("fetch", "--manifest", manifest(srv, "2.0"), check=0)
    assert srv.pages()[1] == ("/simple/hello/", None, "Wed, 01 Jan 2025 00:00:00 GMT")
    assert stored(tmp_path)[0][2] == "Wed, 01 Jan 2025 00:00:00 GMT"


def test_offline_reads_only_the_cache(tmp_path, burrow, scene):
    make, manifest = scene
    srv = make("etag")
    burrow("fetch", "--manifest", manifest(srv, "1.0"), check=0)
    seen = len(srv.log)

    # the pin is cached: nothing asked
    burrow("--offline", "create", tmp_path / "a", "--manifest", manifest(srv, "1.0"), check=0)
    # 2.0 is listed by the stored page but was never downloaded
    env = tmp_path / "b"
    p = burrow("--offline", "create", env, "--manifest", manifest(srv, "2.0"))
    assert p.returncode == 5, p.stderr
    assert "hello-2.0" in p.stderr and "offline" in p.stderr, p.stderr
    assert not env.exists()
    # a project whose page was never stored
    (tmp_path / "other.toml").write_text(manifest_text(
        [srv.url()], [("other", "1.0", ["0" * 64])]))
    p = burrow("--offline", "create", env, "--manifest", tmp_path / "other.toml")
    assert p.returncode == 5, p.stderr
    assert "/simple/other/" in p.stderr and "offline" in p.stderr, p.stderr
    assert len(srv.log) == seen, srv.log[seen:]


def test_no_validators_still_stored_for_offline(tmp_path, burrow, scene):
    make, manifest = scene
    srv = make(None)
    burrow("fetch", "--manifest", manifest(srv, "1.0"), check=0)
    burrow("fetch", "--manifest", manifest(srv, "2.0"), check=0)
    assert srv.pages()[1] == ("/simple/hello/", None, None)
    rows = stored(tmp_path)
    assert rows[0][1] is None and rows[0][2] is None and rows[0][3] > 0


def test_credentials_are_not_stored(tmp_path, burrow, scene):
    make, manifest = scene
    srv = make("etag")
    m = tmp_path / "cred.toml"
    m.write_text(manifest_text([srv.url().replace("http://", "http://user:s3cret@")],
                               [scene_pin(tmp_path)]))
    burrow("fetch", "--manifest", m, check=0)
    # a page asked for with credentials is not kept (its links may carry
    # them too); the next install asks again, unconditionally
    assert stored(tmp_path) == []
    burrow("fetch", "--manifest", manifest(srv, "2.0"), check=0)
    assert srv.pages()[-1] == ("/simple/hello/", None, None)
    for f in os.listdir(tmp_path / "cache"):
        if f.startswith("cache.db"):
            assert b"s3cret" not in (tmp_path / "cache" / f).read_bytes(), f


def scene_pin(tmp_path, version="1.0"):
    f = [n for n in os.listdir(tmp_path / "files") if n.startswith("hello-%s-" % version)][0]
    return ("hello", version, [sha256(tmp_path / "files" / f)])


def test_unpack_overlaps_downloads(tmp_path, burrow, scene):
    make, manifest = scene
    srv = make("etag")
    slow = [n for n in os.listdir(tmp_path / "files") if n.startswith("hello-2.0")][0]
    srv.delays[slow] = 2.0
    src = make_tree(tmp_path / "src-w", {"bin/world": script("echo world")})
    fast = burrow.pack(src, "world", "1.0", tmp_path / "files")
    m = tmp_path / "two.toml"
    m.write_text(manifest_text([srv.url()], [scene_pin(tmp_path, "2.0"),
                                             ("world", "1.0", [sha256(fast)])]))
    p = burrow("--progress", "plain", "fetch", "--manifest", m, check=0)
    lines = p.stderr.splitlines()
    unpack_fast = [i for i, x in enumerate(lines) if x.startswith("burrow: unpack: world-1.0")]
    got_slow = [i for i, x in enumerate(lines) if x.startswith("burrow: downloaded hello-2.0")]
    assert unpack_fast and got_slow and unpack_fast[0] < got_slow[0], lines
