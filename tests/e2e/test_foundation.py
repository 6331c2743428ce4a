"""Foundation: manifest -> verified bundles -> isolated env -> clean exec,
for native bundles, against a loopback HTTP index made by `burrow index`."""

import fcntl
import json
import os
import subprocess
import threading
import time

import pytest

from conftest import BURROW, make_tree, manifest_text, script, sha256, snapshot


@pytest.fixture
def repo(tmp_path, burrow, server_factory):
    """A repository with hello 1.0/2.0, lib 1.0 and tool 1.0, served on loopback."""
    out = tmp_path / "repo"
    out.mkdir()
    files = {}
    trees = {
        ("hello", "1.0"): {"bin/hello": script('echo "hello 1.0 pid=$$ args=$*"'),
                           "share/hello/one.txt": "one\n"},
        ("hello", "2.0"): {"bin/hello": script('echo "hello 2.0"'),
                           "share/hello/two.txt": "two\n"},
        ("lib", "1.0"): {"lib/liblib.txt": "lib\n",
                         "bin/printenv-all": script("env"),
                         "bin/status": script('exit "$1"'),
                         "bin/mypid": script('echo $$'),
                         "bin/noexec": ("#!/bin/sh\necho no\n", 0o644)},
        ("tool", "1.0"): {"bin/tool": script("echo tool")},
    }
    for (name, version), spec in trees.items():
        src = make_tree(tmp_path / "src" / ("%s-%s" % (name, version)), spec)
        path = burrow.pack(src, name, version, out)
        files[(name, version)] = path
    burrow("index", out, check=0)
    server = server_factory(out)

    class Repo:
        url = server.url("simple/")
        dir = out

        def pin(self, name, version):
            return (name, version, [sha256(files[(name, version)])])

    return Repo()


def write_manifest(tmp_path, text, name="app.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_create_list_run(tmp_path, burrow, repo):
    m = write_manifest(tmp_path, manifest_text([repo.url], [repo.pin("hello", "1.0"),
                                                            repo.pin("lib", "1.0")]))
    env = tmp_path / "app"
    burrow("create", env, "--manifest", m, check=0)
    p = burrow("list", env, check=0)
    assert p.stdout.split("\n")[:2] == ["hello 1.0", "lib 1.0"]
    js = json.loads(burrow("list", env, "--json", check=0).stdout)
    assert [(b["name"], b["version"]) for b in js] == [("hello", "1.0"), ("lib", "1.0")]
    assert all(len(b["sha256"]) == 64 for b in js)
    p = burrow("run", env, "--", "hello", "a", "b", check=0)
    assert p.stdout.startswith("hello 1.0") and "args=a b" in p.stdout
    # the layout and the state
    assert (env / ".burrow" / "state.db").is_file()
    assert (env / ".burrow" / "run").is_file()
    assert (env / ".burrow" / "manifest.toml").read_text() == m.read_text()
    assert not (env / "hello-1.0.bundle-info").exists()
    assert os.stat(env / "bin" / "hello").st_mode & 0o777 == 0o755
    assert os.stat(env / "share" / "hello" / "one.txt").st_mode & 0o777 == 0o644
    # the cache layout of DESIGN.md
    cache = tmp_path / "cache"
    for d in ("archives", "trees", "tmp", "cache.db", "CACHEDIR.TAG"):
        assert (cache / d).exists(), d
    assert os.listdir(cache / "tmp") == []


def test_install_replaces_and_removes(tmp_path, burrow, repo):
    env = tmp_path / "app"
    m = write_manifest(tmp_path, manifest_text([repo.url], [repo.pin("hello", "1.0"),
                                                            repo.pin("tool", "1.0")]))
    burrow("create", env, "--manifest", m, check=0)
    assert (env / "bin" / "tool").exists()
    m2 = write_manifest(tmp_path, manifest_text([repo.url], [repo.pin("hello", "2.0"),
                                                             repo.pin("lib", "1.0")]), "b.toml")
    p = burrow("install", env, "--manifest", m2, check=0)
    assert "1 added, 1 changed, 1 removed" in p.stderr
    assert burrow("list", env, check=0).stdout == "hello 2.0\nlib 1.0\n"
    assert not (env / "bin" / "tool").exists()
    assert not (env / "share" / "hello" / "one.txt").exists()
    assert (env / "share" / "hello" / "two.txt").exists()
    assert burrow("run", env, "--", "hello", check=0).stdout == "hello 2.0\n"
    # again: a no-op that touches nothing
    before = snapshot(env)
    p = burrow("install", env, "--manifest", m2, check=0)
    assert "nothing to do" in p.stderr
    assert snapshot(env) == before
    # nothing left beside the env but its lock file
    assert sorted(os.listdir(tmp_path)) == sorted(
        ["app", ".app.lock", "app.toml", "b.toml", "cache", "home", "repo", "src"])


def test_hash_mismatch_leaves_everything(tmp_path, burrow, repo):
    env = tmp_path / "app"
    good = write_manifest(tmp_path, manifest_text([repo.url], [repo.pin("hello", "1.0")]))
    burrow("create", env, "--manifest", good, check=0)
    archives = tmp_path / "cache" / "archives"
    before_env = snapshot(env)
    before_archives = snapshot(archives)
    bad = write_manifest(tmp_path, manifest_text([repo.url], [("hello", "2.0", ["ab" * 32])]),
                         "bad.toml")
    p = burrow("install", env, "--manifest", bad)
    assert p.returncode == 6, p.stderr
    assert "sha256 mismatch" in p.stderr and "bad.toml:" in p.stderr
    assert "hello-2.0" in p.stderr
    assert snapshot(env) == before_env
    assert snapshot(archives) == before_archives
    assert os.listdir(tmp_path / "cache" / "tmp") == []


def test_create_with_wrong_hash_leaves_no_env(tmp_path, burrow, repo):
    env = tmp_path / "new"
    bad = write_manifest(tmp_path, manifest_text([repo.url], [("hello", "1.0", ["0" * 64])]))
    p = burrow("create", env, "--manifest", bad)
    assert p.returncode == 6, p.stderr
    assert not env.exists()
    assert [n for n in os.listdir(tmp_path) if "staging" in n] == []
    assert not os.listdir(tmp_path / "cache" / "archives")


def test_unknown_key_is_exit_3_with_position(tmp_path, burrow, repo):
    text = manifest_text([repo.url], [repo.pin("hello", "1.0")]).replace(
        'version = "1.0"', 'version = "1.0"\nhashs = []')
    m = write_manifest(tmp_path, text)
    p = burrow("create", tmp_path / "app", "--manifest", m)
    assert p.returncode == 3
    line = text.split("\n").index("hashs = []") + 1
    assert "%s:%d:1: unknown key \"hashs\"" % (m, line) in p.stderr
    assert not (tmp_path / "app").exists()
    # nothing was fetched
    assert not (tmp_path / "cache").exists() or not os.listdir(tmp_path / "cache" / "archives")


@pytest.mark.parametrize("text,where,what", [
    ('[[bundle]]\nname = "a"\nversion = "1"\nhashes = ["sha256:xyz"]\n', "4:11", "malformed hash"),
    ('[[bundle]]\nname = "a"\nversion = "not a version"\nhashes = ["sha256:%s"]\n' % ("a" * 64),
     "3:11", "invalid version"),
    ('[[repository]]\nurl = "ftp://x/"\n', "2:7", "unknown scheme"),
    ('[[bundle]]\nname = "a"\nversion = "1"\nhashes = ["sha256:%s"]\n[[bundle]]\nname = "A"\n'
     'version = "2"\nhashes = ["sha256:%s"]\n' % ("a" * 64, "b" * 64), "6:8", "duplicate bundle"),
    ('[env\n', "1:5", ""),
])
def test_bad_manifests(tmp_path, burrow, text, where, what):
    m = write_manifest(tmp_path, text)
    p = burrow("create", tmp_path / "app", "--manifest", m)
    assert p.returncode == 3, p.stderr
    assert "%s:%s:" % (m, where) in p.stderr
    assert what in p.stderr
    assert not (tmp_path / "app").exists()


def test_run_environment_is_built_from_nothing(tmp_path, burrow, repo):
    env = tmp_path / "app"
    m = write_manifest(tmp_path, manifest_text(
        [repo.url], [repo.pin("lib", "1.0")],
        '[run]\nenv = { APP_MODE = "production" }\npass = ["DATABASE_URL"]\n'))
    burrow("create", env, "--manifest", m, check=0)
    hostile = {
        "PYTHONPATH": "/usr/lib/python3/dist-packages", "PYTHONHOME": "/usr",
        "LD_PRELOAD": "/lib/x86_64-linux-gnu/libm.so.6", "LD_LIBRARY_PATH": "/tmp",
        "FOO": "bar", "KEEPME": "kept", "DATABASE_URL": "postgres://x", "TERM": "dumb",
        "LC_ALL": "C.UTF-8",
    }
    p = burrow("run", "--keep", "KEEPME", "--env", "EXTRA=1", "--env", "APP_MODE=dev", env,
               "--", "printenv-all", env=hostile, check=0)
    got = dict(line.split("=", 1) for line in p.stdout.splitlines() if "=" in line)
    for k in ("PYTHONPATH", "PYTHONHOME", "LD_PRELOAD", "LD_LIBRARY_PATH", "FOO",
              "BURROW_CACHE_DIR", "ASAN_OPTIONS"):
        assert k not in got, k
    assert got["PATH"].split(":")[0] == str(env) + "/bin"
    assert got["PATH"] == str(env) + "/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    assert got["KEEPME"] == "kept"
    assert got["EXTRA"] == "1"
    assert got["APP_MODE"] == "dev"           # --env after [run].env
    assert got["DATABASE_URL"] == "postgres://x"
    assert got["TERM"] == "dumb" and got["LC_ALL"] == "C.UTF-8"
    assert got["HOME"] == burrow.env["HOME"]
    # `burrow env` prints the same environment
    e = burrow("env", "--keep", "KEEPME", "--env", "EXTRA=1", "--env", "APP_MODE=dev", env,
               env=hostile, check=0)
    assert dict(line.split("=", 1) for line in e.stdout.splitlines()) == {
        k: v for k, v in got.items() if k != "_" and k != "PWD" and k != "SHLVL"}
    # loader variables can't be kept
    p = burrow("run", "--keep", "LD_PRELOAD", env, "--", "printenv-all", env=hostile)
    assert p.returncode == 2 and "LD_PRELOAD" in p.stderr


def test_run_execs_in_place(tmp_path, burrow, repo):
    env = tmp_path / "app"
    m = write_manifest(tmp_path, manifest_text([repo.url], [repo.pin("lib", "1.0")]))
    burrow("create", env, "--manifest", m, check=0)
    e = dict(burrow.env)
    proc = subprocess.Popen([BURROW, "run", str(env), "--", "mypid"], env=e,
                            stdout=subprocess.PIPE, text=True)
    out, _ = proc.communicate(timeout=30)
    assert int(out.strip()) == proc.pid
    for code in (0, 3, 42):
        assert burrow("run", env, "--", "status", str(code)).returncode == code
    p = burrow("run", env, "--", "no-such-command")
    assert p.returncode == 127 and "no-such-command" in p.stderr
    p = burrow("run", env, "--", "noexec")
    assert p.returncode == 126 and "noexec" in p.stderr
    # the command is looked up on the env's PATH, not the caller's
    p = burrow("run", env, "--", "hello", env={"PATH": str(env / "bin") + ":/usr/bin:/bin"})
    assert p.returncode == 127


def test_second_install_waits_on_the_lock(tmp_path, burrow, repo):
    env = tmp_path / "app"
    m = write_manifest(tmp_path, manifest_text([repo.url], [repo.pin("hello", "1.0")]))
    burrow("create", env, "--manifest", m, check=0)
    m2 = write_manifest(tmp_path, manifest_text([repo.url], [repo.pin("hello", "2.0")]), "b.toml")
    lock = open(tmp_path / ".app.lock", "r+")
    fcntl.flock(lock, fcntl.LOCK_EX)
    lock.seek(0)
    lock.truncate()
    lock.write("%d\n" % os.getpid())
    lock.flush()
    try:
        p = burrow("install", "--wait", "1", env, "--manifest", m2)
        assert p.returncode == 7, p.stderr
        assert "pid %d" % os.getpid() in p.stderr
        assert burrow("list", env, check=0).stdout == "hello 1.0\n"
        # now release it while a second installer waits: it goes on
        t = threading.Timer(1.0, lambda: fcntl.flock(lock, fcntl.LOCK_UN))
        t.start()
        start = time.monotonic()
        p = burrow("install", "--wait", "30", env, "--manifest", m2, check=0)
        assert time.monotonic() - start >= 0.9
        t.join()
    finally:
        lock.close()
    assert burrow("list", env, check=0).stdout == "hello 2.0\n"


def test_offline_from_cache_and_fetch(tmp_path, burrow, repo):
    m = write_manifest(tmp_path, manifest_text([repo.url], [repo.pin("hello", "1.0")]))
    burrow("fetch", "--manifest", m, check=0)
    # no repository reachable now: the cache serves the pins
    m_off = write_manifest(tmp_path, manifest_text([], [repo.pin("hello", "1.0")]), "off.toml")
    burrow("--offline", "create", tmp_path / "app", "--manifest", m_off, check=0)
    assert burrow("run", tmp_path / "app", "--", "hello").stdout.startswith("hello 1.0")
    p = burrow("cache", "dir", check=0)
    assert p.stdout.strip() == str(tmp_path / "cache")


def test_formats_xz_zst_and_flat_folder(tmp_path, burrow):
    out = tmp_path / "flat"
    out.mkdir()
    pins = []
    for comp, name in (("xz", "alpha"), ("zst", "beta")):
        src = make_tree(tmp_path / name, {"bin/" + name: script("echo " + name)})
        f = burrow.pack(src, name, "0.1", out, compression=comp)
        assert f.endswith(".tar." + comp)
        pins.append((name, "0.1", [sha256(f)]))
    m = write_manifest(tmp_path, manifest_text(["flat"], pins))
    burrow("create", tmp_path / "app", "--manifest", m, check=0)
    assert burrow("run", tmp_path / "app", "--", "beta", check=0).stdout == "beta\n"


def test_pack_is_reproducible(tmp_path, burrow):
    src = make_tree(tmp_path / "t", {"bin/x": script("echo x"), "share/a/b.txt": "b\n"})
    a = burrow.pack(src, "x-y", "1.0", tmp_path / "o1")
    os.utime(src / "bin" / "x", (1, 1))
    b = burrow.pack(src, "x-y", "1.0", tmp_path / "o2")
    assert os.path.basename(a) == os.path.basename(b)
    assert os.path.basename(a).startswith("x_y-1.0-")
    assert sha256(a) == sha256(b)
