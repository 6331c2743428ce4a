"""The README's Dockerfiles, built and run by a real Docker engine.

Every Dockerfile under tests/docker/ is shown in README.md verbatim (checked
here), and built and run here as a user would, with Debian's docker.io:

- The engine: /usr/sbin/dockerd (20.10), started by this module and stopped
  at its end, with its own --data-root, --exec-root, --pidfile, unix socket
  and (empty) --config-file in a fresh folder under /tmp, the vfs storage
  driver, --bridge=none and --iptables=false: it touches no network
  configuration of the machine and meets no other engine.  The client is
  Debian's /usr/bin/docker, named by its path (another `docker` may come
  first on PATH), with DOCKER_BUILDKIT=1 (BuildKit, without buildx).
- No registry: `debian:12-slim` is `docker import` of a `debootstrap
  --variant=minbase bookworm` root (scripts/debian-root, cached under
  /var/cache/burrow, shared with scripts/fresh-check).  The Dockerfiles
  carry no `# syntax=` line: the engine cannot resolve docker/dockerfile:1
  without a registry, and its built-in frontend reads them (RUN --mount
  included).
- burrow in the image: `make install DESTDIR=CONTEXT/dist PREFIX=/usr/local`
  in this repository (the plain build in build/, as base.Dockerfile's
  comment says; make test builds it next anyway).
- Builds use --network host, so that apt-get in base.Dockerfile reaches the
  Debian mirror and the cache-mount example reaches the index this module
  serves on 127.0.0.1.  Containers run with --network none: the server
  listens on the container's own loopback, and is asked from inside the
  container (`docker exec ... python3`), so no port of the machine is used.
- Each example must build, its server must be PID 1 (the exec'd python,
  no burrow or shell in between), as www-data where the Dockerfile says so,
  answer GET / from /srv/app, and exit 0 on `docker stop` (SIGTERM; a
  SIGKILL after the grace period would be 137).
- The multi-stage image holds burrow's env once (one layer above
  burrow-base, the size of the env), no cache and no compiler.

Needs root (dockerd).  A machine where the engine or its base image cannot
be made skips with the reason printed, except with CI=true, where it is a
failure.  Inside scripts/fresh-check's root (BURROW_FRESH_CHECK=1) the
module skips: .ci/run runs it on the host.
"""

import glob
import json
import os
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time

import pytest

from conftest import BURROW, Server, clean_env, manifest_text
from demoapp import REPO, build_wheels, pins, python_version, requirements_text

DOCKER_DIR = os.path.join(REPO, "tests", "docker")
README = os.path.join(REPO, "README.md")
EXAMPLES = ["single-stage", "multi-stage", "cache-mount", "non-root"]
DOCKER = "/usr/bin/docker"      # Debian's client, not whatever is first on PATH
DOCKERD = "/usr/sbin/dockerd"
DEBIAN_ROOT = os.path.join(REPO, "scripts", "debian-root")
ENGINE_WAIT = 60       # seconds for dockerd to answer on its socket
BUILD_TIMEOUT = 900    # one docker build (base.Dockerfile runs apt-get)
CMD_TIMEOUT = 120      # any other docker command
START_WAIT = 60        # seconds from docker run to "listening on"
PORT = 8000            # the CMD's --port
MIB = 1024 * 1024


def dockerfile(name):
    with open(os.path.join(DOCKER_DIR, name + ".Dockerfile")) as f:
        return f.read()


def say(config, line):
    """A line on the terminal, whatever pytest captures."""
    tr = config.pluginmanager.get_plugin("terminalreporter")
    if tr:
        tr.write_line(line)


def unavailable(config, why):
    say(config, "test_docker_examples: " + why)
    if os.environ.get("CI") == "true":
        pytest.fail("%s (CI=true: the Docker tests must run)" % why, pytrace=False)
    pytest.skip(why)


def tail(path, n=40):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError as e:
        return str(e)


class Engine:
    """dockerd in its own folder, and Debian's client talking to it."""

    def __init__(self, top):
        self.top = top
        self.sock = os.path.join(top, "docker.sock")
        self.log = os.path.join(top, "dockerd.log")
        self.pidfile = os.path.join(top, "dockerd.pid")
        self.env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
                    "HOME": os.path.join(top, "home"),
                    "DOCKER_CONFIG": os.path.join(top, "client"),
                    "DOCKER_HOST": "unix://" + self.sock, "DOCKER_BUILDKIT": "1"}
        self.proc = None

    def start(self):
        """Returns None when dockerd answers, else why it does not."""
        os.makedirs(self.env["HOME"])
        os.makedirs(self.env["DOCKER_CONFIG"])
        config = os.path.join(self.top, "daemon.json")
        with open(config, "w") as f:
            f.write("{}\n")
        argv = [DOCKERD, "--config-file", config,
                "--data-root", os.path.join(self.top, "data"),
                "--exec-root", os.path.join(self.top, "exec"),
                "--pidfile", self.pidfile, "--host", "unix://" + self.sock,
                "--storage-driver", "vfs", "--bridge=none", "--iptables=false"]
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(argv, env=self.env, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + ENGINE_WAIT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return "dockerd exited with status %d:\n%s" % (self.proc.returncode,
                                                               tail(self.log))
            p = self.docker("version", "--format", "{{.Server.Version}}", check=False)
            if p.returncode == 0:
                return None
            time.sleep(0.25)
        return "dockerd did not answer on %s within %d s:\n%s" % (self.sock, ENGINE_WAIT,
                                                                  tail(self.log))

    def stop(self):
        if not self.proc:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        # the containerd dockerd started, should it have outlived dockerd
        try:
            with open(os.path.join(self.top, "exec", "containerd", "containerd.pid")) as f:
                os.kill(int(f.read().strip()), signal.SIGKILL)
        except (OSError, ValueError):
            pass
        with open("/proc/self/mounts") as f:
            mounts = [line.split()[1] for line in f]
        for m in reversed(mounts):
            if m == self.top or m.startswith(self.top + "/"):
                subprocess.run(["umount", "-l", m], capture_output=True, timeout=30)

    def docker(self, *args, check=True, timeout=CMD_TIMEOUT, **kw):
        p = subprocess.run([DOCKER, *args], env=self.env, capture_output=True,
                           timeout=timeout, **kw)
        if check:
            assert p.returncode == 0, "docker %s: exit %d\n%s\n%s" % (
                " ".join(args), p.returncode, p.stdout.decode(errors="replace")[-3000:],
                p.stderr.decode(errors="replace")[-3000:])
        return p

    def build(self, name, tag, context, logdir, build_args=()):
        argv = [DOCKER, "build", "--network", "host", "--progress", "plain", "-t", tag,
                "-f", os.path.join(DOCKER_DIR, name + ".Dockerfile")]
        for a in build_args:
            argv += ["--build-arg", a]
        log = os.path.join(logdir, name + ".build.log")
        with open(log, "wb") as f:
            p = subprocess.run(argv + [context], env=self.env, stdin=subprocess.DEVNULL,
                               stdout=f, stderr=subprocess.STDOUT, timeout=BUILD_TIMEOUT)
        assert p.returncode == 0, "docker build of %s.Dockerfile: exit %d\n%s" % (
            name, p.returncode, tail(log, 60))

    def history(self, tag):
        """[(size in bytes, created by)], the newest layer first."""
        out = self.docker("history", "--no-trunc", "--human=false", "--format",
                          "{{json .}}", tag).stdout.decode()
        rows = [json.loads(line) for line in out.splitlines() if line.strip()]
        return [(int(r["Size"]), r["CreatedBy"]) for r in rows]

    def files(self, tag):
        """{path: TarInfo} of the image's filesystem (docker export)."""
        cid = self.docker("create", tag).stdout.decode().strip()
        try:
            p = subprocess.Popen([DOCKER, "export", cid], env=self.env,
                                 stdout=subprocess.PIPE)
            with tarfile.open(fileobj=p.stdout, mode="r|") as t:
                found = {m.name[2:] if m.name.startswith("./") else m.name: m for m in t}
            assert p.wait(timeout=CMD_TIMEOUT) == 0
            return found
        finally:
            self.docker("rm", "-f", cid, check=False)


def make_base_image(config, engine):
    """debian:12-slim from the cached minbase root."""
    p = subprocess.run([DEBIAN_ROOT, "minbase"], capture_output=True, text=True, timeout=1800)
    if p.returncode != 0:
        unavailable(config, "no Debian 12 root for debian:12-slim (scripts/debian-root "
                    "minbase: exit %d):\n%s" % (p.returncode, p.stderr[-2000:]))
    root = p.stdout.strip()
    # a shared lock: scripts/debian-root remakes the root under an exclusive one
    tar = subprocess.Popen(["flock", "-s", root + ".lock",
                            "tar", "--numeric-owner", "-C", root, "-c", "."],
                           stdout=subprocess.PIPE)
    engine.docker("import", "-", "debian:12-slim", stdin=tar.stdout, timeout=600)
    tar.stdout.close()
    assert tar.wait(timeout=CMD_TIMEOUT) == 0


def install_burrow(context):
    """`make install DESTDIR=CONTEXT/dist PREFIX=/usr/local`, the plain build."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": context}
    p = subprocess.run(["make", "-C", REPO, "--no-print-directory", "-j2", "install",
                        "DESTDIR=" + os.path.join(context, "dist"), "PREFIX=/usr/local"],
                       env=env, capture_output=True, text=True, timeout=1800)
    assert p.returncode == 0, "make install: exit %d\n%s\n%s" % (
        p.returncode, p.stdout[-3000:], p.stderr[-3000:])


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def engine(request, tmp_path_factory):
    """A running dockerd with debian:12-slim and burrow-base; the build
    context (wheelhouse/, app.toml, requirements.txt, dist/); the index the
    cache-mount example reads."""
    config = request.config
    if os.environ.get("BURROW_FRESH_CHECK"):
        why = ("inside scripts/fresh-check's Debian root: the Docker tests are the "
               "host's job (.ci/run runs them there next)")
        say(config, "test_docker_examples: " + why)
        pytest.skip(why)
    if os.geteuid() != 0:
        pytest.skip("needs root: starts its own dockerd")
    missing = [p for p in (DOCKERD, DOCKER) if not os.access(p, os.X_OK)]
    if missing:
        unavailable(config, "Debian's docker.io is not installed (%s; scripts/install-deps "
                    "installs it)" % ", ".join(missing))
    # short: a unix socket path must fit in 108 bytes
    top = tempfile.mkdtemp(prefix="burrow-dockerd-", dir="/tmp")
    work = tmp_path_factory.mktemp("docker")
    e = Engine(top)
    server = None
    try:
        why = e.start()
        if why:
            unavailable(config, "cannot start dockerd: " + why)
        make_base_image(config, e)
        context = os.path.join(top, "context")
        wheels = build_wheels(os.path.join(context, "wheelhouse"))
        install_burrow(context)
        with open(os.path.join(context, "app.toml"), "w") as f:
            f.write('[env]\npython = "%s"\n\n' % python_version() + manifest_text([], pins(wheels)))
        with open(os.path.join(context, "requirements.txt"), "w") as f:
            f.write(requirements_text(wheels))
        index = os.path.join(top, "index")
        shutil.copytree(os.path.join(context, "wheelhouse"), index)
        p = subprocess.run([BURROW, "index", index], env=clean_env(work), capture_output=True,
                           text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        server = Server(index)
        e.build("base", "burrow-base", context, str(work))
        e.context = context
        e.work = str(work)
        e.index_url = server.url("simple/")
        yield e
    finally:
        if server:
            server.close()
        e.stop()
        shutil.rmtree(top, ignore_errors=True)


# ---------------------------------------------------------------- helpers

# Run inside the container by `docker exec`: GET / on the container's own
# loopback, and who PID 1 is (its name, argv and uid: /proc/1/exe is
# closed to a root without CAP_SYS_PTRACE when PID 1 runs as www-data).
PROBE = r"""
import json, pwd, sys, urllib.request
r = urllib.request.urlopen("http://127.0.0.1:%d/", timeout=10)
status = {}
with open("/proc/1/status") as f:
    for line in f:
        k, _, v = line.partition(":")
        status[k] = v.split()
with open("/proc/1/cmdline", "rb") as f:
    cmdline = [a.decode() for a in f.read().split(b"\0") if a]
json.dump({"status": r.status, "type": r.headers.get("Content-Type"),
           "page": json.loads(r.read()), "uid": int(status["Uid"][0]),
           "www_data": pwd.getpwnam("www-data").pw_uid, "cmdline": cmdline,
           "name": status["Name"][0]}, sys.stdout)
""" % PORT


def wait_listening(engine, cid):
    """Waits, bounded, for the server's "listening on" line in the logs."""
    deadline = time.monotonic() + START_WAIT
    while True:
        logs = engine.docker("logs", cid)
        out = (logs.stdout + logs.stderr).decode(errors="replace")
        if "listening on http://0.0.0.0:%d" % PORT in out:
            return
        state = engine.docker("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}",
                              cid).stdout.decode().strip()
        assert state.startswith("running"), "the container stopped (%s):\n%s" % (state, out)
        assert time.monotonic() < deadline, "no 'listening on' in %d s:\n%s" % (START_WAIT, out)
        time.sleep(0.2)


def env_bytes(files):
    return sum(m.size for p, m in files.items() if p.startswith("srv/app/") and m.isreg())


# ---------------------------------------------------------------- tests

def test_every_dockerfile_is_in_the_readme_verbatim():
    with open(README) as f:
        readme = f.read()
    files = sorted(os.path.basename(p)[:-len(".Dockerfile")]
                   for p in glob.glob(os.path.join(DOCKER_DIR, "*.Dockerfile")))
    assert files == sorted(["base"] + EXAMPLES), "a Dockerfile this test does not run: %s" % files
    for name in files:
        block = "```dockerfile\n" + dockerfile(name) + "```\n"
        assert block in readme, "README.md lacks tests/docker/%s.Dockerfile verbatim " \
            "in a ```dockerfile block" % name
    assert "built and run by a real Docker engine" in readme


@pytest.mark.parametrize("name", EXAMPLES)
def test_dockerfile_builds_and_serves(engine, name):
    tag = "burrow-example-" + name
    engine.build(name, tag, engine.context, engine.work,
                 build_args=["INDEX_URL=" + engine.index_url])
    cid = engine.docker("run", "-d", "--network", "none", tag).stdout.decode().strip()
    try:
        wait_listening(engine, cid)
        p = engine.docker("exec", cid, "/usr/bin/python3", "-I", "-c", PROBE)
        got = json.loads(p.stdout)
        assert got["status"] == 200 and got["type"] == "application/json", got
        page = got["page"]
        assert page["prefix"] == "/srv/app", page
        assert page["module"].startswith("/srv/app/"), page
        assert page["message"] == "hello from burrow", page
        # PID 1 is the server itself: burrow exec'd the env's python
        assert got["name"].startswith("python"), got
        assert "minserve" in " ".join(got["cmdline"]) and "hello_app:wsgi" in got["cmdline"], got
        want = got["www_data"] if name in ("non-root", "multi-stage") else 0
        assert got["uid"] == want, (name, got)
        engine.docker("stop", cid)
        state = engine.docker("inspect", "-f", "{{.State.ExitCode}} {{.State.OOMKilled}}",
                              cid).stdout.decode().split()
        logs = engine.docker("logs", cid)
        assert state == ["0", "false"], "after docker stop: %s\n%s%s" % (
            state, logs.stdout.decode(errors="replace"), logs.stderr.decode(errors="replace"))
    finally:
        engine.docker("rm", "-f", cid, check=False)
    files = engine.files(tag)
    assert "srv/app/pyvenv.cfg" in files, "no env at /srv/app"
    # no downloaded or unpacked file of burrow's cache (`cache clean` keeps
    # the emptied cache.db: its index, not cached content)
    cached = [p for p in files if p.startswith(("root/.cache/burrow/archives/",
                                                "root/.cache/burrow/trees/",
                                                "root/.cache/burrow/tmp/"))
              and not files[p].isdir()]
    assert not cached, "%s: burrow's cache is in the image: %s" % (name, cached[:5])
    if name in ("single-stage", "non-root"):
        # `burrow cache clean` in the same RUN: that layer holds one copy
        layer = [s for s, by in engine.history(tag) if "burrow create" in by]
        assert len(layer) == 1 and layer[0] < 1.25 * env_bytes(files) + MIB, \
            (layer, env_bytes(files))


def test_multi_stage_image_holds_the_env_once_and_no_cache_or_compiler(engine):
    tag = "burrow-example-multi-stage"
    if engine.docker("image", "inspect", tag, check=False).returncode != 0:
        engine.build("multi-stage", tag, engine.context, engine.work)
    files = engine.files(tag)
    size = env_bytes(files)
    assert size > 0, "no env at /srv/app"
    base = engine.history("burrow-base")
    image = engine.history(tag)
    assert image[len(image) - len(base):] == base, "not built on burrow-base"
    own = image[:len(image) - len(base)]
    layers = [(s, by) for s, by in own if s > 0]
    assert len(layers) == 1 and layers[0][1].startswith("COPY") and "/srv/app" in layers[0][1], \
        own
    # the env, once: the COPY layer is the env's size, not twice or more
    assert size <= layers[0][0] < 1.25 * size + MIB, (layers, size)
    stray = [p for p in files if p.startswith(("root/.cache/burrow", "wheelhouse", "srv/app.toml"))]
    assert not stray, "the build stage leaked into the image: %s" % stray[:10]
    tools = ("cc", "gcc", "c++", "g++", "cpp", "clang", "ld", "as", "tcc", "make")
    compilers = [p for p in files
                 if p.startswith(("usr/lib/gcc/", "usr/libexec/gcc/"))
                 or (os.path.dirname(p) in ("bin", "usr/bin", "sbin", "usr/sbin", "usr/local/bin")
                     and (os.path.basename(p) in tools
                          or os.path.basename(p).startswith(("gcc-", "clang-", "x86_64-linux-gnu-"))))]
    assert not compilers, "a compiler in the image: %s" % compilers[:10]
