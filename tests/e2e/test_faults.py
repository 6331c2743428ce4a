"""Crashes and faults: kill -9 at every rename and fsync point of an
install (and at a sample of its writes), placed exactly with strace's
syscall injection; a full disk (tmpfs) under the cache and under the env;
a read-only env parent; SIGINT/SIGTERM during download and during unpack;
two installs into one env at once; eight installs sharing one cache.

After a crash the env is the old one or the new one, never a mix, and the
next install finishes the job and sweeps the leftovers."""

import os
import re
import shutil
import signal
import subprocess
import time

import pytest

import badserver
from conftest import BURROW, make_tree, manifest_text, sha256, snapshot
from hostile import Before

STRACE = shutil.which("strace") or "strace"  # installed by scripts/install-deps
# LeakSanitizer cannot run under ptrace: off for the strace'd runs only
NO_LSAN = {"ASAN_OPTIONS": "detect_leaks=0:verify_asan_link_order=0"}


def snap(env):
    """The env without state.db (sqlite's page layout is not ours to pin);
    what state.db says is compared through `burrow list`."""
    s = snapshot(env)
    return {k: v for k, v in s.items() if not k.startswith(".burrow/state.db")}


def leftovers(parent):
    return sorted(n for n in os.listdir(parent) if ".staging-" in n or ".old-" in n)


@pytest.fixture
def world(tmp_path, burrow):
    """repo/ with good 1.0, good 2.0, more 1.0 and big 1.0 (1 MiB of
    random bytes); A.toml = good 1.0; B.toml = good 2.0 + more 1.0;
    C.toml = good 1.0 + more 1.0; BIG.toml = big 1.0."""
    repo = tmp_path / "repo"
    repo.mkdir()
    pins = {}
    trees = {
        ("good", "1.0"): {"bin/good": ("#!/bin/sh\necho good 1.0\n", 0o755),
                          "share/good/one": "1\n"},
        ("good", "2.0"): {"bin/good": ("#!/bin/sh\necho good 2.0\n", 0o755),
                          "share/good/two": "2\n", "lib/libgood.txt": "x" * 5000},
        ("more", "1.0"): {"bin/more": ("#!/bin/sh\necho more\n", 0o755),
                          "share/more/a/b/c": "c\n"},
        ("big", "1.0"): {"share/big/blob": os.urandom(1 << 20)},
    }
    for (n, v), files in trees.items():
        src = make_tree(tmp_path / "src" / ("%s-%s" % (n, v)), files)
        pins[(n, v)] = (n, v, [sha256(burrow.pack(src, n, v, repo))])
    shutil.rmtree(tmp_path / "src")
    sets = {"A": [("good", "1.0")], "B": [("good", "2.0"), ("more", "1.0")],
            "C": [("good", "1.0"), ("more", "1.0")], "BIG": [("big", "1.0")]}
    for k, keys in sets.items():
        (tmp_path / (k + ".toml")).write_text(
            manifest_text([str(repo)], [pins[x] for x in keys]))

    class World:
        tmp = tmp_path
        pin = {k: v[2][0] for k, v in pins.items()}

        def manifest(self, k):
            return tmp_path / (k + ".toml")

    return World()


# -- kill -9 at every rename, fsync and some writes -------------------------

def strace_count(cmd, env, syscalls):
    log = cmd[0] + ".strace"
    subprocess.run([STRACE, "-f", "-qq", "-o", log, "-e", "trace=" + ",".join(syscalls)] +
                   cmd[1:], env=env, capture_output=True, timeout=120)
    with open(log) as f:
        n = sum(1 for line in f if re.search(r"\b(%s)\(" % "|".join(syscalls), line) and
                "resumed>" not in line)
    os.unlink(log)
    return n


def test_hostile_kill9_at_every_rename_fsync_and_write(world, burrow):
    work, pristine = world.tmp / "w", world.tmp / "pristine"
    env = work / "app"
    cache = work / "cache"
    e = dict(burrow.env, BURROW_CACHE_DIR=str(cache))
    work.mkdir()
    burrow("create", env, "--manifest", world.manifest("A"), env=e, check=0)
    old, old_list = snap(env), burrow("list", env, env=e, check=0).stdout
    subprocess.run(["cp", "-a", str(work), str(pristine)], check=True)
    burrow("install", env, "--manifest", world.manifest("B"), env=e, check=0)
    new, new_list = snap(env), burrow("list", env, env=e, check=0).stdout
    assert new != old

    def restore():
        # cache trees are sealed 0555: only root removes them without this
        subprocess.run(["chmod", "-R", "u+w", str(work)], check=True)
        shutil.rmtree(work)
        subprocess.run(["cp", "-a", str(pristine), str(work)], check=True)

    cmd = [BURROW, "install", str(env), "--manifest", str(world.manifest("B"))]
    points = []
    groups = [("rename", ["rename", "renameat", "renameat2"]),
              ("fsync", ["fsync", "fdatasync", "syncfs"]),
              ("write", ["write", "pwrite64"])]
    for label, calls in groups:
        restore()
        n = strace_count([str(world.tmp / "count")] + cmd, dict(e, **NO_LSAN), calls)
        assert n > 0 or label != "rename", (label, n)
        whens = range(1, n + 1)
        if label == "write" and n > 8:      # a sample, spread over the run
            whens = sorted({1 + (n - 1) * k // 7 for k in range(8)})
        points += [(label, calls, w) for w in whens]
    assert len(points) >= 5
    seen = {"old": 0, "new": 0}
    stale = {}
    for label, calls, when in points:
        restore()
        inj = ",".join(calls)
        p = subprocess.run([STRACE, "-f", "-qq", "-o", "/dev/null", "-e", "trace=" + inj,
                            "-e", "inject=%s:signal=KILL:when=%d" % (inj, when)] + cmd,
                           env=dict(e, **NO_LSAN), capture_output=True, text=True, timeout=120)
        where = "%s #%d" % (label, when)
        if p.returncode == 0:                 # fewer calls than counted: no crash
            got = snap(env)
        else:
            assert p.returncode in (-9, 137), (where, p.returncode, p.stderr)
            got = snap(env)
        if got == old:
            seen["old"] += 1
            assert burrow("list", env, env=e, check=0).stdout == old_list, where
        else:
            assert got == new, (where, set(got.items()) ^ set(new.items()))
            seen["new"] += 1
            assert burrow("list", env, env=e, check=0).stdout == new_list, where
        # the next install finishes the job and sweeps the leftovers
        r = burrow("install", env, "--manifest", world.manifest("B"), env=e)
        assert r.returncode == 0, (where, r.stderr)
        assert snap(env) == new, where
        assert leftovers(work) == [], (where, leftovers(work))
        stale[where] = os.listdir(cache / "tmp")
    print("kill -9 points:", len(points), seen, "cache/tmp leftovers:",
          {k: v for k, v in stale.items() if v})
    assert seen["old"] and seen["new"], seen


# -- full disks and read-only parents ----------------------------------------

def mount_tmpfs(path, size):
    path.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s" % size, "tmpfs", str(path)],
                       capture_output=True, text=True)
    return r.returncode == 0


def umount(path):
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


FAULTSHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>
static ssize_t (*r_write)(int, const void *, size_t);
static ssize_t (*r_pwrite)(int, const void *, size_t, off_t);
static const char *sub;
__attribute__((constructor)) static void init(void) {
  r_write = dlsym(RTLD_NEXT, "write"); r_pwrite = dlsym(RTLD_NEXT, "pwrite64");
  sub = getenv("FAIL_PATH_SUBSTR");
}
static int match(int fd) {
  char p[64], t[PATH_MAX]; snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(p, t, sizeof t - 1); if (n < 0 || !sub) return 0; t[n] = 0;
  return strstr(t, sub) != NULL && strstr(t, ".db") == NULL;
}
ssize_t write(int fd, const void *b, size_t n) {
  if (match(fd)) { errno = ENOSPC; return -1; } return r_write(fd, b, n); }
ssize_t pwrite64(int fd, const void *b, size_t n, off_t o) {
  if (match(fd)) { errno = ENOSPC; return -1; } return r_pwrite(fd, b, n, o); }
"""


def full_disk(tmp, where, size):
    """A directory on a full-ish filesystem: a tmpfs of that size (root,
    CAP_SYS_ADMIN), else {} and the env for the LD_PRELOAD write shim of
    reliability-notes 4.4 failing every write under it but sqlite's (as on
    a nearly full disk, where the databases' few pages still fit and the
    bundle's megabyte does not)."""
    if mount_tmpfs(where, size):
        return {}
    src = tmp / "faultshim.c"
    src.write_text(FAULTSHIM)
    so = tmp / "faultshim.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", str(so), str(src), "-ldl"],
                   check=True)
    return {"LD_PRELOAD": str(so), "FAIL_PATH_SUBSTR": str(where) + "/"}


@pytest.mark.parametrize("case", ["hostile-enospc-cache-download", "hostile-enospc-cache-unpack",
                                  "hostile-enospc-env"])
def test_full_disk(world, burrow, case):
    tmp = world.tmp
    fs = tmp / "fs"
    env = tmp / "app"
    extra = {}
    try:
        if case == "hostile-enospc-env":
            extra = full_disk(tmp, fs, "400k")
            env = fs / "app"
            burrow("create", env, "--manifest", world.manifest("A"), check=0)
        else:
            burrow("create", env, "--manifest", world.manifest("A"), check=0)
            size = "600k" if case == "hostile-enospc-cache-download" else "1400k"
            extra = full_disk(tmp, fs, size)
            extra["BURROW_CACHE_DIR"] = str(fs / "cache")
        before = Before(tmp, env, skip=("cache", "fs") if "BURROW_CACHE_DIR" in extra
                        else ("cache",))
        p = burrow("install", env, "--manifest", world.manifest("BIG"),
                   env=dict(extra, ASAN_OPTIONS="detect_leaks=1:verify_asan_link_order=0"))
        assert p.returncode in (1, 5), (p.returncode, p.stderr)
        assert "No space left on device" in p.stderr, p.stderr
        if case == "hostile-enospc-env":      # the cache is fine: the bundle is there
            before.check(allow_archive=world.pin[("big", "1.0")], allow_tree=True)
        else:
            before.check()
        assert leftovers(env.parent) == []
        if "BURROW_CACHE_DIR" in extra:
            t = fs / "cache" / "tmp"
            assert not t.exists() or os.listdir(t) == []
            assert not os.path.exists(fs / "cache" / "trees") or \
                not [d for d in os.listdir(fs / "cache" / "trees")
                     if os.listdir(fs / "cache" / "trees" / d)]
        assert burrow("run", env, "--", "good", check=0).stdout == "good 1.0\n"
    finally:
        umount(fs)


def test_hostile_read_only_env_parent(world, burrow):
    tmp = world.tmp
    fs = tmp / "ro"
    if not mount_tmpfs(fs, "4m"):
        pytest.skip("needs root: mounts a tmpfs and remounts it read-only")
    try:
        env = fs / "app"
        burrow("create", env, "--manifest", world.manifest("A"), check=0)
        subprocess.run(["mount", "-o", "remount,ro", str(fs)], check=True)
        before = Before(tmp, env)
        p = burrow("install", env, "--manifest", world.manifest("B"))
        assert p.returncode == 1, (p.returncode, p.stderr)
        assert "Read-only file system" in p.stderr and str(env) in p.stderr, p.stderr
        before.check(allow_archive=None)
        assert burrow("run", env, "--", "good", check=0).stdout == "good 1.0\n"
    finally:
        umount(fs)


# -- signals ----------------------------------------------------------------

@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["hostile-sigint",
                                                                       "hostile-sigterm"])
def test_signal_during_download(world, burrow, sig):
    tmp = world.tmp
    root = tmp / "srv"
    (root / "simple" / "slow").mkdir(parents=True)
    srv, port = badserver.start(root=str(root), lifetime=120)
    try:
        fn = "slow-1.0-any.tar.gz"
        (root / "simple" / "slow" / "index.html").write_text(
            '<a href="http://127.0.0.1:%d/slow/2000000/100000/%s">%s</a>\n' % (port, fn, fn))
        m = tmp / "slow.toml"
        m.write_text(manifest_text(["http://127.0.0.1:%d/simple/" % port],
                                   [("slow", "1.0", ["ab" * 32])]))
        env = tmp / "app"
        before = Before(tmp, env)
        proc = subprocess.Popen([BURROW, "create", str(env), "--manifest", str(m)],
                                env=burrow.env, stderr=subprocess.PIPE, text=True)
        t = tmp / "cache" / "tmp"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (t.exists() and os.listdir(t)):
            time.sleep(0.05)
        assert t.exists() and os.listdir(t), "no download started"
        time.sleep(0.3)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 128 + sig, (proc.returncode, err)
        before.check()
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.mark.parametrize("sig", ["INT", "TERM"], ids=["hostile-sigint", "hostile-sigterm"])
def test_signal_during_unpack(world, burrow, sig):
    tmp = world.tmp
    src = make_tree(tmp / "many", {"share/many/%03d/f%d" % (i // 50, i): "%d\n" % i
                                   for i in range(2000)})
    f = burrow.pack(src, "many", "1.0", tmp / "repo")
    m = tmp / "many.toml"
    m.write_text(manifest_text([str(tmp / "repo")], [("many", "1.0", [sha256(f)])]))
    env = tmp / "app"
    burrow("create", env, "--manifest", world.manifest("A"), check=0)
    burrow("fetch", "--manifest", world.manifest("A"), check=0)
    before = Before(tmp, env)
    # the 500th fchmod is deep inside unpack_tar (one per file and directory)
    p = subprocess.run([STRACE, "-f", "-qq", "-o", "/dev/null", "-e", "trace=fchmod", "-e",
                        "inject=fchmod:signal=%s:when=500" % sig, BURROW, "install", str(env),
                        "--manifest", str(m)], env=dict(burrow.env, **NO_LSAN),
                       capture_output=True, text=True,
                       timeout=120)
    code = 130 if sig == "INT" else 143
    assert p.returncode == code, (p.returncode, p.stderr)
    assert "unpack" in p.stderr
    before.check(allow_archive=sha256(f))
    assert leftovers(tmp) == []


# -- concurrency -------------------------------------------------------------

def test_hostile_two_installs_into_one_env(world, burrow):
    tmp = world.tmp
    env = tmp / "app"
    burrow("create", env, "--manifest", world.manifest("A"), check=0)
    lock = tmp / ".app.lock"
    # the first holds the lock longer: every rename it makes is delayed 0.5 s
    first = subprocess.Popen([STRACE, "-f", "-qq", "-o", "/dev/null", "-e",
                              "trace=renameat2,renameat,rename", "-e",
                              "inject=renameat2,renameat,rename:delay_enter=500000",
                              BURROW, "install", str(env), "--manifest",
                              str(world.manifest("B"))],
                             env=dict(burrow.env, **NO_LSAN), stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    held = False
    while time.monotonic() < deadline and first.poll() is None:
        try:
            pid = lock.read_text().strip()
        except OSError:
            pid = ""
        if pid and pid.isdigit() and int(pid) != os.getpid() and \
                os.path.exists("/proc/%s" % pid) and int(pid) != first.pid:
            held = True
            break
        time.sleep(0.02)
    assert held, "first install never took the lock"
    second = subprocess.Popen([BURROW, "install", str(env), "--manifest",
                               str(world.manifest("C"))],
                              env=burrow.env, stderr=subprocess.PIPE, text=True)
    _, err2 = second.communicate(timeout=60)
    end2 = time.monotonic()
    _, err1 = first.communicate(timeout=60)
    assert first.returncode == 0, err1
    assert second.returncode == 0, err2
    assert first.poll() is not None
    # the second waited for the first, so it committed last
    assert burrow("list", env, check=0).stdout == "good 1.0\nmore 1.0\n"
    assert burrow("run", env, "--", "good", check=0).stdout == "good 1.0\n"
    assert burrow("run", env, "--", "more", check=0).stdout == "more\n"
    assert leftovers(tmp) == []
    assert end2 > 0


def test_hostile_eight_installs_share_one_cache(world, burrow):
    tmp = world.tmp
    procs = []
    for i in range(8):
        procs.append(subprocess.Popen([BURROW, "create", str(tmp / ("env%d" % i)),
                                       "--manifest", str(world.manifest("B"))],
                                      env=burrow.env, stderr=subprocess.PIPE, text=True))
    errs = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, errs
    ref = burrow("list", tmp / "env0", check=0).stdout
    assert ref == "good 2.0\nmore 1.0\n"
    shapes = []
    for i in range(8):
        e = tmp / ("env%d" % i)
        assert burrow("list", e, check=0).stdout == ref
        assert burrow("run", e, "--", "good", check=0).stdout == "good 2.0\n"
        s = snap(e)
        s.pop(".burrow/run", None)          # may name the env's own path
        shapes.append(s)
    assert all(s == shapes[0] for s in shapes)
    cache = tmp / "cache"
    assert os.listdir(cache / "tmp") == []
    archives = [f for d in os.listdir(cache / "archives") for f in os.listdir(cache / "archives" / d)]
    trees = [f for d in os.listdir(cache / "trees") for f in os.listdir(cache / "trees" / d)]
    assert len(archives) == len(set(archives)) == 2, archives
    assert sorted(trees) == sorted(archives)
    for a in archives:
        assert sha256(cache / "archives" / a[:2] / a) == a
    assert leftovers(tmp) == []


def test_hostile_many_processes_open_one_cache(tmp_path, burrow):
    """Each process takes a temp dir of its own under cache/tmp and sweeps
    the dead ones; a sweep that catches another process between creating
    its lock file and locking it must not make that process fail (it did,
    about once in a hundred, with EAGAIN)."""
    for _ in range(20):
        procs = [subprocess.Popen([BURROW, "cache", "info"], env=burrow.env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                 for _ in range(16)]
        errs = [p.communicate(timeout=60)[1] for p in procs]
        assert [p.returncode for p in procs] == [0] * 16, errs
    assert os.listdir(tmp_path / "cache" / "tmp") == []


def test_hostile_kill9_leaves_no_cache_temps(world, burrow):
    """A download killed before its rename into archives/ (at its fsync,
    the 2nd of a run on a fresh cache) leaves a .part file; the next run
    must sweep it (no live process holds it)."""
    env = world.tmp / "app"
    p = subprocess.run([STRACE, "-f", "-qq", "-o", "/dev/null", "-e", "trace=fsync", "-e",
                        "inject=fsync:signal=KILL:when=2", BURROW, "create", str(env),
                        "--manifest", str(world.manifest("B"))],
                       env=dict(burrow.env, **NO_LSAN), capture_output=True, text=True,
                       timeout=120)
    assert p.returncode in (-9, 137), p.stderr
    burrow("create", env, "--manifest", world.manifest("B"), check=0)
    assert os.listdir(world.tmp / "cache" / "tmp") == []
