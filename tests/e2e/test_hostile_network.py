"""A hostile network: the repository's index points at badserver.py URLs
(loopback, bounded) that fail in every way a mirror can.  Retriable
failures are retried and succeed; the rest exit 5 (6 when the bytes
arrive but are not the pinned ones) with the URL named, credentials never
printed, no temp file left and no env created (hostile.Before).

Bounds come from BURROW_STALL_TIMEOUT / BURROW_RETRIES (README)."""

import os
import ssl
import subprocess
import threading
import time

import pytest

import badserver
from conftest import make_tree, manifest_text, sha256
from hostile import Before, ids


@pytest.fixture(scope="module")
def tls_cert(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(d / "key.pem"),
                    "-out", str(d / "cert.pem"), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return d / "cert.pem", d / "key.pem"


def start_tls(root, cert, key):
    srv = badserver.Server(("127.0.0.1", 0), root=str(root))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert), str(key))
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, srv.server_address[1]


@pytest.fixture
def net(tmp_path, burrow):
    """A bundle net 1.0 served by badserver's --root; use(href) writes an
    index whose only link is href and a manifest pinning the bundle."""
    root = tmp_path / "srv"
    root.mkdir()
    src = make_tree(tmp_path / "src", {"bin/net": ("#!/bin/sh\necho net\n", 0o755),
                                       "share/net/blob": os.urandom(200000)})
    path = burrow.pack(src, "net", "1.0", root)
    srv, port = badserver.start(root=str(root), lifetime=300)
    servers = [srv]

    class Net:
        fn = os.path.basename(path)
        pin = sha256(path)
        base = "http://127.0.0.1:%d" % port
        env = tmp_path / "app"
        tmp = tmp_path

        def use(self, href, index_url=None, extra_env=None):
            idx = root / "simple" / "net"
            idx.mkdir(parents=True, exist_ok=True)
            (idx / "index.html").write_text(
                "<html><body><a href=\"%s#sha256=%s\">%s</a></body></html>\n"
                % (href, self.pin, self.fn))
            m = tmp_path / "app.toml"
            m.write_text(manifest_text([index_url or self.base + "/simple/"],
                                       [("net", "1.0", [self.pin])]))
            return m

        def run(self, href, *args, env=None, index_url=None, timeout=60, m=None):
            m = m or self.use(href, index_url)
            with srv.lock:
                srv.hits.clear()
            e = {"BURROW_RETRIES": "2", "BURROW_STALL_TIMEOUT": "2",
                 "BURROW_CONNECT_TIMEOUT": "5"}
            e.update(env or {})
            start = time.monotonic()
            p = burrow(*args, "create", self.env, "--manifest", m, env=e, timeout=timeout)
            return p, time.monotonic() - start

        def hits(self, path):
            with srv.lock:
                return srv.hits.get(path, 0)

        def fail(self, href, code, *needles, env=None, index_url=None):
            m = self.use(href, index_url)
            before = Before(tmp_path, self.env)
            p, t = self.run(href, env=env, m=m)
            assert p.returncode == code, (p.returncode, p.stderr)
            for n in needles:
                assert n in p.stderr, (n, p.stderr)
            before.check()
            return p, t

        def ok(self, href, *args, env=None):
            p, t = self.run(href, *args, env=env)
            assert p.returncode == 0, p.stderr
            assert burrow("run", self.env, "--", "net", check=0).stdout == "net\n"
            assert os.listdir(tmp_path / "cache" / "tmp") == []
            return p, t

        def add_server(self, s):
            servers.append(s)

    yield Net()
    for s in servers:
        s.shutdown()
        s.server_close()


def test_hostile_503_then_success_is_retried(net):
    path = "/flaky/2/" + net.fn
    net.ok(net.base + path)
    assert net.hits(path) == 3


def test_hostile_429_retry_after_is_honoured(net):
    path = "/429/1/1/" + net.fn
    p, t = net.ok(net.base + path)
    assert net.hits(path) == 2
    assert t >= 1.0


def test_hostile_500_exhausts_the_retry_budget(net):
    path = "/status/500/" + net.fn
    p, _ = net.fail(net.base + path, 5, "500", path)
    assert net.hits(path) == 3          # BURROW_RETRIES=2: three attempts


def test_hostile_404_is_not_retried(net):
    path = "/status/404/" + net.fn
    net.fail(net.base + path, 5, "404", path)
    assert net.hits(path) == 1


def test_hostile_stall_times_out_within_the_bound(net):
    path = "/stall/300000/20000/" + net.fn
    p, t = net.fail(net.base + path, 5, path, env={"BURROW_RETRIES": "0"})
    assert "stall" in p.stderr or "timed out" in p.stderr, p.stderr
    assert t < 2 + 8, t                  # BURROW_STALL_TIMEOUT=2, plus libcurl's lag


def test_hostile_truncated_body(net):
    path = "/truncate/300000/20000/" + net.fn
    net.fail(net.base + path, 5, path)
    assert net.hits(path) == 3          # a partial body is transient: retried


def test_hostile_body_longer_than_declared(net):
    path = "/overlong/1000/300000/" + net.fn
    p, _ = net.fail(net.base + path, 6, "sha256 mismatch", path)


def test_hostile_endless_chunked_body(net):
    path = "/endless/" + net.fn
    p, t = net.fail(net.base + path, 5, path, env={"BURROW_RETRIES": "0"})
    print(p.stderr)
    assert t < 30


def test_hostile_redirect_loop(net):
    path = "/loop/" + net.fn
    p, _ = net.fail(net.base + path, 5, "redirect", path)
    assert net.hits(path) <= 11


def test_hostile_redirect_chain_is_followed(net):
    net.ok(net.base + "/redirect/3/" + net.fn)


@pytest.mark.parametrize("how", ids(["none", "cacert", "ssl-cert-file"]))
def test_self_signed_tls(net, tls_cert, how):
    cert, key = tls_cert
    srv, port = start_tls(net.tmp / "srv", cert, key)
    net.add_server(srv)
    href = "https://127.0.0.1:%d/%s" % (port, net.fn)
    if how == "hostile-none":
        p, _ = net.fail(href, 5, "127.0.0.1:%d" % port)
        assert "certificate" in p.stderr.lower() or "ssl" in p.stderr.lower(), p.stderr
    elif how == "hostile-cacert":
        net.ok(href, "--cacert", str(cert))
    else:
        net.ok(href, env={"SSL_CERT_FILE": str(cert)})


def test_hostile_https_to_http_redirect_is_refused(net, tls_cert):
    cert, key = tls_cert
    srv, port = start_tls(net.tmp / "srv", cert, key)
    net.add_server(srv)
    target = net.base + "/" + net.fn
    href = "https://127.0.0.1:%d/redirect-to/%s?url=%s" % (port, net.fn, target)
    p, _ = net.fail(href, 5, "redirect", env={"SSL_CERT_FILE": str(cert)})
    assert net.hits("/" + net.fn) == 0


@pytest.mark.parametrize("case", ids(["artifact-404", "index-404", "artifact-ok"]))
def test_credentials_are_never_printed(net, burrow, case):
    cred = "http://hunter:s3cr3t-pw@127.0.0.1:%s" % net.base.rsplit(":", 1)[1]
    if case == "hostile-artifact-404":
        p, _ = net.fail(cred + "/status/404/" + net.fn, 5, "/status/404/" + net.fn)
    elif case == "hostile-index-404":
        p, _ = net.fail(net.base + "/" + net.fn, 4, "no repository offers it",
                        index_url=cred + "/nowhere/")
    else:
        p, _ = net.ok(cred + "/" + net.fn, "-v")
    out = p.stdout + p.stderr
    assert "s3cr3t-pw" not in out, out
    for dirpath, _, filenames in os.walk(net.tmp):
        if "srv" in dirpath.split(os.sep) or dirpath.endswith("home"):
            continue
        for n in filenames:
            f = os.path.join(dirpath, n)
            if os.path.islink(f) or n.endswith(".toml"):
                continue
            with open(f, "rb") as fh:
                assert b"s3cr3t-pw" not in fh.read(), f
