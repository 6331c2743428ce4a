"""The demo web app for the e2e tests: its wheels (built by
scripts/build-wheels, the repo's own script), pins for them, and a started
server process to talk to over 127.0.0.1 and stop with SIGTERM.

Shared by test_wsgi_demo.py and test_docker_examples.py."""

import json
import os
import queue
import re
import signal
import subprocess
import threading
import urllib.error
import urllib.request

from conftest import PYTHON, sha256

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_WHEELS = os.path.join(REPO, "scripts", "build-wheels")
# (project name, wheel file name) of what scripts/build-wheels makes
WHEELS = [("minserve", "minserve-1.0-py3-none-any.whl"),
          ("hello-app", "hello_app-1.0-py3-none-any.whl")]
START_TIMEOUT = 15   # seconds from spawn to "listening on": burrow + python start
HTTP_TIMEOUT = 5
STOP_TIMEOUT = 10


def build_wheels(outdir):
    """Runs scripts/build-wheels OUTDIR; returns {project: wheel path}."""
    p = subprocess.run([PYTHON, "-I", BUILD_WHEELS, str(outdir)], capture_output=True,
                       text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    paths = p.stdout.split()
    assert [os.path.basename(x) for x in paths] == [w for _, w in WHEELS], paths
    return {name: path for (name, _), path in zip(WHEELS, paths)}


def pins(wheels):
    """[(name, version, [sha256])] for conftest.manifest_text."""
    return [(name, "1.0", [sha256(path)]) for name, path in wheels.items()]


def python_version():
    p = subprocess.run([PYTHON, "-I", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                       capture_output=True, text=True, check=True, timeout=30)
    return p.stdout.strip()


def requirements_text(wheels):
    """The same pins as a requirements.txt in pip's hash-checking form."""
    return "".join("%s==1.0 --hash=sha256:%s\n" % (name, sha256(path))
                   for name, path in wheels.items())


class App:
    """A server process started with argv; its stdout is read by a thread so
    the first line ("listening on http://HOST:PORT") can be awaited with a
    bound.  stderr goes to a file (errlog) for failure messages."""

    def __init__(self, argv, env, errlog, cwd=None):
        self.argv = argv
        self.errlog = errlog
        self._err = open(errlog, "wb")
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=self._err)
        self.lines = queue.Queue()
        self.out = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.port = None

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace")
            self.out.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def stderr(self):
        self._err.flush()
        with open(self.errlog, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def describe(self):
        return "argv %s\nexit %s\nstdout:\n%s\nstderr:\n%s" % (
            self.argv, self.proc.poll(), "".join(self.out), self.stderr())

    def wait_listening(self):
        try:
            line = self.lines.get(timeout=START_TIMEOUT)
        except queue.Empty:
            line = None
        m = re.match(r"listening on http://127\.0\.0\.1:(\d+)$", (line or "").strip())
        assert m, "the server did not say where it listens:\n" + self.describe()
        self.port = int(m.group(1))
        assert self.port > 0
        return self.port

    def get(self, path="/"):
        """(status, content type, body) of a GET on 127.0.0.1."""
        url = "http://127.0.0.1:%d%s" % (self.port, path)
        try:
            with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT) as r:
                return r.status, r.headers.get("Content-Type"), r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type"), e.read()

    def page(self):
        status, ctype, body = self.get("/")
        assert status == 200 and ctype == "application/json", (status, ctype, body)
        return json.loads(body)

    def terminate(self):
        """SIGTERM to the pid that was spawned; returns its exit status."""
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("no exit %ds after SIGTERM:\n%s" % (STOP_TIMEOUT, self.describe()))
        self._reader.join(timeout=STOP_TIMEOUT)
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT)
        self._err.close()
