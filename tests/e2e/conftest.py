"""Shared fixtures for the end-to-end tests: the burrow binary, a clean
environment for it, bundle builders (through `burrow pack`), and a loopback
static HTTP server for repositories made by `burrow index`."""

import functools
import hashlib
import http.server
import os
import subprocess
import threading

import pytest

from users import shared_tmp, user_factory  # noqa: F401  (fixtures)

BURROW = os.environ.get("BURROW") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "burrow")
BURROW = os.path.abspath(BURROW)
PYTHON = "/usr/bin/python3"


def clean_env(tmp, **extra):
    """A small, explicit environment: nothing of the developer's shell."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(tmp / "home"),
        "LANG": "C.UTF-8",
        "BURROW_CACHE_DIR": str(tmp / "cache"),
        "ASAN_OPTIONS": "detect_leaks=1:verify_asan_link_order=0",
    }
    env.update(extra)
    return env


class Burrow:
    def __init__(self, tmp):
        self.tmp = tmp
        (tmp / "home").mkdir(exist_ok=True)
        self.env = clean_env(tmp)

    def __call__(self, *args, env=None, check=None, timeout=120, **kw):
        e = dict(self.env)
        if env:
            e.update(env)
        p = subprocess.run([BURROW, *map(str, args)], env=e, capture_output=True,
                           text=True, timeout=timeout, **kw)
        if check is not None:
            assert p.returncode == check, (p.returncode, p.stdout, p.stderr)
        return p

    def pack(self, tree, name, version, out, requires=(), compression="gz"):
        args = ["pack", tree, "--name", name, "--version", version, "-o", out,
                "--compression", compression]
        for r in requires:
            args += ["--requires", r]
        p = self(*args, check=0)
        return p.stdout.strip()


@pytest.fixture
def burrow(tmp_path):
    return Burrow(tmp_path)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def make_tree(root, files):
    """files: {relative path: (content, mode)} or {path: content}."""
    for rel, spec in files.items():
        content, mode = spec if isinstance(spec, tuple) else (spec, 0o644)
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content) if isinstance(content, str) else p.write_bytes(content)
        os.chmod(p, mode)
    return root


def script(body):
    return ("#!/bin/sh\n" + body + "\n", 0o755)


class Server:
    """A threaded static file server on 127.0.0.1, port chosen by the kernel."""

    def __init__(self, root):
        handler = functools.partial(_Quiet, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path=""):
        return "http://127.0.0.1:%d/%s" % (self.port, path)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass


@pytest.fixture
def server_factory():
    servers = []

    def make(root):
        s = Server(root)
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.close()


def manifest_text(repos, bundles, extra=""):
    out = []
    for r in repos:
        out.append('[[repository]]\nurl = "%s"\n' % r)
    for name, version, hashes in bundles:
        out.append('[[bundle]]\nname = "%s"\nversion = "%s"\nhashes = [%s]\n' % (
            name, version, ", ".join('"sha256:%s"' % h for h in hashes)))
    return "\n".join(out) + ("\n" + extra if extra else "")


def snapshot(root):
    """Every path under root with its type, mode and content hash."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            if os.path.islink(p):
                out[rel] = ("l", os.readlink(p))
            elif os.path.isdir(p):
                out[rel] = ("d", st.st_mode & 0o7777)
            else:
                out[rel] = ("f", st.st_mode & 0o7777, sha256(p))
    return out
