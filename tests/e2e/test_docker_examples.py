"""The README's Dockerfiles, executed without a Docker engine.

Every Dockerfile under tests/docker/ is shown in README.md verbatim (checked
here), and "built" and run here by a small substitute for `docker build` and
`docker run`, so the examples users copy are examples that work.  What the
substitute does, and the only rewrites it makes:

- Each build stage gets a fresh directory that stands in for the image's
  root (ROOT).  `FROM burrow-base` starts from a (hard-linked) copy of the
  root that base.Dockerfile produced; `FROM debian:12-slim` from an empty
  one.  This machine (Debian 12) stands in for everything else in the image:
  /usr/bin/python3, the shared libraries, setpriv.
- Paths: COPY destinations always land under ROOT; in RUN lines, WORKDIR
  and CMD arguments, the absolute paths that start with /srv or /wheelhouse
  (the only ones the examples use) are prefixed with ROOT.  Any other
  absolute path left in a RUN line fails the test, so a RUN line can never
  touch this machine outside ROOT.  `COPY --from=STAGE` copies from that
  stage's ROOT.
- RUN lines run with `bash -c` in ROOT (or ROOT + WORKDIR), with Docker's
  environment: the ARG and ENV values, PATH = ROOT/usr/local/{sbin,bin} then
  Docker's default PATH, HOME = ROOT/root.
- The `apt-get update && apt-get install ...` line of base.Dockerfile is not
  run: the packages it names are checked to be installed here instead.
- `RUN --mount=type=cache,target=.../.cache/burrow`: the flag is stripped
  and BURROW_CACHE_DIR points, for that RUN only, at a directory outside
  every ROOT that lives as long as this test module (BuildKit's cache).
- `USER NAME`: later RUN lines and the CMD run under
  `setpriv --reuid NAME --regid GROUP --init-groups`, with HOME = ROOT + the
  user's home directory.
- CMD (exec form only): `--bind 0.0.0.0` becomes `--bind 127.0.0.1` and the
  value of `--port` becomes 0 (tests run in parallel and use loopback only);
  the program is looked up on the container's PATH.  It is started in the
  background, must print where it listens, answer GET / on 127.0.0.1 from
  the env in ROOT/srv/app, and exit 0 on SIGTERM to the pid we started
  (no shell, no wrapper: exec form, as PID 1 would get it).
- EXPOSE is ignored; any other instruction fails the test.
"""

import glob
import json
import os
import pathlib
import pwd
import re
import shlex
import shutil
import stat
import subprocess
import tempfile

import pytest

from conftest import BURROW, Server, clean_env, manifest_text
from demoapp import REPO, App, build_wheels, pins, python_version, requirements_text

DOCKER_DIR = os.path.join(REPO, "tests", "docker")
README = os.path.join(REPO, "README.md")
EXAMPLES = ["single-stage", "multi-stage", "cache-mount", "non-root"]
MAPPED = ("/srv", "/wheelhouse")
DOCKER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
RUN_TIMEOUT = 120
CORE = os.path.join(os.path.dirname(BURROW), "burrow-core")


def dockerfile(name):
    with open(os.path.join(DOCKER_DIR, name + ".Dockerfile")) as f:
        return f.read()


# ---------------------------------------------------------------- parsing

def parse(text):
    """[(line number, INSTRUCTION, rest)]: comments dropped (also inside a
    continuation, as Docker does), backslash continuations joined."""
    out, buf, start = [], [], None
    for n, line in enumerate(text.splitlines(), 1):
        if not buf and not line.strip():
            continue
        if line.lstrip().startswith("#"):
            continue
        if not buf:
            start = n
        if line.endswith("\\"):
            buf.append(line[:-1])
            continue
        buf.append(line)
        joined = "".join(buf).strip()  # Docker drops backslash-newline
        buf = []
        word, _, rest = joined.partition(" ")
        out.append((start, word.upper(), rest.strip()))
    assert not buf, "a continuation runs off the end of the file"
    return out


def expand(s, variables):
    """Docker's $VAR / ${VAR} in COPY, USER, WORKDIR (unset: empty)."""
    return re.sub(r"\$(?:\{(\w+)\}|(\w+))",
                  lambda m: variables.get(m.group(1) or m.group(2), ""), s)


def map_paths(s, root):
    """Prefixes the absolute paths under MAPPED with root."""
    pat = r"(?<![\w./-])(%s)(?=/|\b|$)" % "|".join(re.escape(p) for p in MAPPED)
    return re.sub(pat, lambda m: root + m.group(1), s)


def unmapped_paths(cmd, root):
    """Absolute paths in a shell line that do not point into root."""
    found = re.findall(r"(?<![\w./$-])/[\w.][^\s\"';&|)]*", cmd)
    return [p for p in found if not p.startswith(root + "/") and p != root]


# ---------------------------------------------------------------- the builder

def link_or_copy(src, dst):
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def copy_into(src, dest):
    """Docker's COPY of one source: a directory's contents, or a file."""
    if os.path.isdir(src):
        shutil.copytree(src, dest, symlinks=True, dirs_exist_ok=True,
                        copy_function=link_or_copy)
    else:
        if dest.endswith("/") or os.path.isdir(dest):
            dest = os.path.join(dest, os.path.basename(src))
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        link_or_copy(src, dest)


def new_root(top, label):
    root = tempfile.mkdtemp(prefix=label + "-", dir=top)
    os.chmod(root, 0o755)
    for d, mode in (("root", 0o700), ("tmp", 0o1777), ("srv", 0o755)):
        os.makedirs(os.path.join(root, d), exist_ok=True)
        os.chmod(os.path.join(root, d), mode)
    return root


class Image:
    def __init__(self, root):
        self.root = root
        self.cmd = None
        self.user = None
        self.env = {}
        self.workdir = "/"


class Builder:
    def __init__(self, top, context, images, build_args, cache_mount):
        self.top = top
        self.context = context
        self.images = images          # image name -> Image (burrow-base)
        self.build_args = build_args
        self.cache_mount = cache_mount
        self.log = []

    def build(self, name):
        stages = {}
        image = None
        global_args = {}
        for n, word, rest in parse(dockerfile(name)):
            where = "%s.Dockerfile:%d: %s %s" % (name, n, word, rest)
            if word == "FROM":
                parts = rest.split()
                assert len(parts) in (1, 3), where
                base = expand(parts[0], global_args)
                image = Image(new_root(self.top, name))
                if base in self.images:
                    src = self.images[base]
                    shutil.copytree(src.root, image.root, symlinks=True, dirs_exist_ok=True,
                                    copy_function=link_or_copy)
                    image.env = dict(src.env)
                else:
                    assert base == "debian:12-slim", where + ": unknown base image"
                if len(parts) == 3:
                    assert parts[1].upper() == "AS", where
                    stages[parts[2]] = image
                image.args = {}
            elif word == "ARG":
                k, _, v = rest.partition("=")
                value = self.build_args.get(k, v)
                (image.args if image else global_args)[k] = value
            elif word == "ENV":
                k, _, v = rest.partition("=")
                assert k and _, where + ": use ENV KEY=VALUE"
                image.env[k] = v
            elif word == "COPY":
                self.copy(image, stages, rest, where)
            elif word == "RUN":
                self.run(image, rest, where)
            elif word == "USER":
                image.user = expand(rest, self.vars(image))
            elif word == "WORKDIR":
                image.workdir = expand(rest, self.vars(image))
            elif word == "EXPOSE":
                pass
            elif word == "CMD":
                assert rest.startswith("["), where + ": CMD in exec form, please (PID 1, signals)"
                image.cmd = json.loads(rest)
            else:
                raise AssertionError(where + ": the test does not know this instruction")
        return image

    def vars(self, image):
        return dict(image.args, **image.env)

    def copy(self, image, stages, rest, where):
        words = shlex.split(expand(rest, self.vars(image)))
        src_root = self.context
        while words[0].startswith("--"):
            flag = words.pop(0)
            assert flag.startswith("--from="), where + ": unsupported COPY flag"
            src_root = stages[flag[len("--from="):]].root
        *sources, dest = words
        assert sources and dest.startswith("/"), where
        for s in sources:
            src = os.path.join(src_root, s.lstrip("/"))
            assert os.path.exists(src), where + ": %s not found" % src
            copy_into(src, image.root + dest)

    def user_prefix(self, image):
        """(argv prefix, HOME) for USER."""
        if not image.user:
            return [], os.path.join(image.root, "root")
        name = image.user.split(":")[0]
        pw = pwd.getpwnam(name)
        if os.geteuid() != 0:
            pytest.skip("USER %s: needs root to switch users" % name)
        return (["/usr/bin/setpriv", "--reuid=%d" % pw.pw_uid, "--regid=%d" % pw.pw_gid,
                 "--init-groups"], image.root + pw.pw_dir)

    def container_env(self, image, home):
        root = image.root
        env = clean_env(pathlib.Path(self.top))
        env.pop("BURROW_CACHE_DIR")  # Docker sets none: burrow's default is $HOME/.cache/burrow
        env.update(PATH="%s/usr/local/sbin:%s/usr/local/bin:%s" % (root, root, DOCKER_PATH),
                   HOME=home, HOSTNAME="burrow-test")
        env.update(self.vars(image))
        return env

    def run(self, image, rest, where):
        root = image.root
        if rest.startswith("apt-get update"):
            return self.check_packages(rest, where)
        assert not rest.startswith("["), where + ": RUN in shell form, please"
        extra = {}
        m = re.match(r"--mount=(\S+)\s+", rest)
        if m:
            opts = dict(o.partition("=")[::2] for o in m.group(1).split(","))
            assert opts.get("type") == "cache" and opts.get("target", "").endswith(
                "/.cache/burrow"), where + ": only a cache mount of burrow's cache is understood"
            extra["BURROW_CACHE_DIR"] = self.cache_mount
            rest = rest[m.end():]
        cmd = map_paths(rest, root)
        stray = unmapped_paths(cmd, root)
        assert not stray, where + ": absolute paths the test cannot map: %s" % stray
        prefix, home = self.user_prefix(image)
        env = self.container_env(image, home)
        env.update(extra)
        cwd = root + map_paths(image.workdir, root) if image.workdir != "/" else root
        p = subprocess.run(prefix + ["/bin/bash", "-c", cmd], cwd=cwd, env=env,
                           capture_output=True, text=True, timeout=RUN_TIMEOUT)
        self.log.append((where, p.returncode, p.stdout, p.stderr))
        assert p.returncode == 0, "%s\nexit %d\nstdout:\n%s\nstderr:\n%s" % (
            where, p.returncode, p.stdout, p.stderr)

    def check_packages(self, rest, where):
        m = re.search(r"apt-get install -y --no-install-recommends ([^&]*)", rest)
        assert m, where
        names = m.group(1).split()
        p = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Status}\\n", *names],
                           capture_output=True, text=True, timeout=30)
        installed = {l.split()[0] for l in p.stdout.splitlines() if l.endswith(" installed")}
        missing = [n for n in names if n not in installed]
        assert not missing, where + ": not installed on this machine: %s" % missing

    def start(self, image, errlog):
        """docker run: the CMD, rewritten as the module docstring says."""
        assert image.cmd, "no CMD"
        argv = [map_paths(a, image.root) for a in image.cmd]
        for i, a in enumerate(argv):
            if a == "--bind" and i + 1 < len(argv):
                argv[i + 1] = "127.0.0.1" if argv[i + 1] == "0.0.0.0" else argv[i + 1]
            if a == "--port" and i + 1 < len(argv):
                argv[i + 1] = "0"
        if "--user" in argv and os.geteuid() != 0:
            pytest.skip("CMD burrow run --user: needs root to switch users")
        prefix, home = self.user_prefix(image)
        env = self.container_env(image, home)
        exe = shutil.which(argv[0], path=env["PATH"])
        assert exe, "CMD %s: not on the container's PATH %s" % (argv[0], env["PATH"])
        cwd = image.root + map_paths(image.workdir, image.root) if image.workdir != "/" \
            else image.root
        return App(prefix + [exe] + argv[1:], env, errlog, cwd=cwd)


def force_rmtree(path):
    """Removes a tree, also the read-only directories burrow's cache has."""
    def onerror(func, p, exc):
        parent = os.path.dirname(p)
        os.chmod(parent, os.stat(parent).st_mode | stat.S_IWUSR | stat.S_IXUSR)
        func(p)
    shutil.rmtree(path, onerror=onerror)


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def docker(tmp_path_factory):
    """The build context, a served index, and the burrow-base image root."""
    assert os.path.isfile(CORE), "burrow-core is expected beside %s" % BURROW
    # 0755, outside pytest's 0700 tmp dirs, so that USER www-data can get in
    top = tempfile.mkdtemp(prefix="burrow-docker-", dir="/tmp")
    os.chmod(top, 0o755)
    work = tmp_path_factory.mktemp("docker")
    server = None
    try:
        context = os.path.join(top, "context")
        wheels = build_wheels(os.path.join(context, "wheelhouse"))
        # what `make install DESTDIR=$PWD/dist PREFIX=/usr/local` lays out
        for src, dst in ((BURROW, "dist/usr/local/bin/burrow"),
                         (CORE, "dist/usr/local/libexec/burrow/burrow-core")):
            os.makedirs(os.path.dirname(os.path.join(context, dst)), exist_ok=True)
            shutil.copy2(src, os.path.join(context, dst))
        with open(os.path.join(context, "app.toml"), "w") as f:
            f.write('[env]\npython = "%s"\n\n' % python_version() + manifest_text([], pins(wheels)))
        with open(os.path.join(context, "requirements.txt"), "w") as f:
            f.write(requirements_text(wheels))
        # a simple index on 127.0.0.1, for the example that takes INDEX_URL
        index = os.path.join(top, "index")
        shutil.copytree(os.path.join(context, "wheelhouse"), index)
        p = subprocess.run([BURROW, "index", index], env=clean_env(work), capture_output=True,
                           text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        server = Server(index)
        cache_mount = os.path.join(top, "buildkit-cache")
        os.makedirs(cache_mount)
        builder = Builder(top, context, {}, {"INDEX_URL": server.url("simple/")}, cache_mount)
        builder.images["burrow-base"] = builder.build("base")
        yield builder, work
    finally:
        if server:
            server.close()
        force_rmtree(top)


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
    assert "executed by the test suite" in readme


def test_the_parser_and_path_mapping():
    text = "# c\nFROM a AS b\nRUN x \\\n  # inner comment\n  && y /srv/app\n\nCMD [\"z\"]\n"
    assert parse(text) == [(2, "FROM", "a AS b"), (3, "RUN", "x   && y /srv/app"),
                           (7, "CMD", '["z"]')]
    assert map_paths("--find-links /wheelhouse /srv/app.toml /srvx a/srv", "/R") == \
        "--find-links /R/wheelhouse /R/srv/app.toml /srvx a/srv"
    assert unmapped_paths("ls /R/srv /etc/passwd && cat /root/x", "/R") == ["/etc/passwd", "/root/x"]


@pytest.mark.parametrize("name", EXAMPLES)
def test_dockerfile_builds_and_serves(docker, name):
    builder, work = docker
    image = builder.build(name)
    app_dir = os.path.join(image.root, "srv", "app")
    assert os.path.isfile(os.path.join(app_dir, "pyvenv.cfg")), "no env at /srv/app"
    if name == "cache-mount":
        # the cache mount kept the downloads; the image holds no cache
        assert not os.path.exists(os.path.join(image.root, "root", ".cache", "burrow"))
        assert os.listdir(builder.cache_mount)
    app = builder.start(image, str(work / (name + ".err")))
    try:
        app.wait_listening()
        page = app.page()
        assert page["prefix"] == app_dir, page
        assert page["module"].startswith(app_dir + "/"), page
        assert page["message"] == "hello from burrow", page
        with open("/proc/%d/status" % app.proc.pid) as f:
            uid = [l.split()[1] for l in f if l.startswith("Uid:")][0]
        want = "www-data" if name in ("non-root", "multi-stage") else "root"
        # without root, the image's root is whoever runs the test
        want_uid = pwd.getpwnam(want).pw_uid if want != "root" else os.geteuid()
        assert int(uid) == want_uid, (name, uid)
        rc = app.terminate()
        assert rc == 0, "exit %s after SIGTERM\n%s" % (rc, app.describe())
    finally:
        app.kill()
