"""Sharp edges under hostile input and faults (issue 15): each case is a
real run of the built binaries against real files, a real loopback
server, real sqlite and real archives.

- names without bounds: over-long and invisible/bidi names are exit 3 in
  all three manifest readers, with a short, escaped message;
- a corrupt cached archive is healed (removed, fetched again, one warning)
  online, and a clear error offline;
- Retry-After longer than the waiting budget fails at once;
- a captive portal's text/html page in place of an archive is named;
- a state.db of a newer schema is refused, naming both versions;
- a failed write of stdout is exit 1 (front and core);
- the lock and state.db waits (see the tests below for each)."""

import os
import sqlite3
import subprocess

import pytest

import badserver
from conftest import PYTHON, make_tree, manifest_text, sha256
from hostile import Before

HASH = "a" * 64


# -- names and values without bounds ----------------------------------------

def toml_named(name):
    return '[[bundle]]\nname = "%s"\nversion = "1.0"\nhashes = ["sha256:%s"]\n' % (name, HASH)


def req_named(name):
    return "%s==1.0 --hash=sha256:%s\n" % (name, HASH)


def pylock_named(name):
    wheel = "%s-1.0-py3-none-any.whl" % name
    return ('lock-version = "1.0"\ncreated-by = "test"\n\n[[packages]]\nname = "%s"\n'
            'version = "1.0"\n[[packages.wheels]]\nname = "%s"\n'
            'url = "http://127.0.0.1:1/%s"\n'
            'hashes = { sha256 = "%s" }\n' % (name, wheel, wheel, HASH))


READERS = {"toml": ("app.toml", toml_named), "requirements": ("requirements.txt", req_named),
           "pylock": ("pylock.toml", pylock_named)}


@pytest.fixture(scope="module")
def live_repo(tmp_path_factory):
    """A loopback server whose hit counter must stay empty: nothing of a
    refused manifest may reach the network."""
    root = tmp_path_factory.mktemp("repo")
    srv, port = badserver.start(root=str(root), lifetime=300)
    yield srv, "http://127.0.0.1:%d/simple/" % port
    srv.shutdown()


def refuse_manifest(tmp_path, burrow, live_repo, fname, text, *needles):
    srv, url = live_repo
    m = tmp_path / fname
    m.write_bytes(text.encode("utf-8"))
    with srv.lock:
        srv.hits.clear()
    env = tmp_path / "app"
    before = Before(tmp_path, env)
    p = burrow("create", env, "--manifest", m, "--python", PYTHON, "--index-url", url)
    assert p.returncode == 3, (p.returncode, p.stderr[:2000])
    assert str(m) in p.stderr, p.stderr[:2000]
    for n in needles:
        assert n in p.stderr, (n, p.stderr[:2000])
    assert srv.hits == {}, srv.hits
    before.check()
    return p


@pytest.mark.parametrize("reader", [pytest.param(r, id="hostile-long-name-" + r) for r in READERS])
def test_long_name_is_refused_at_parse_time(tmp_path, burrow, live_repo, reader):
    fname, make = READERS[reader]
    name = "a" * 60000  # under every other bound (a requirement: 64 KiB)
    p = refuse_manifest(tmp_path, burrow, live_repo, fname, make(name), "200 bytes")
    # the value is echoed cut, with an ellipsis: one short line
    assert len(p.stderr) < 1000, len(p.stderr)
    assert "\u2026" in p.stderr, p.stderr
    assert p.stderr.count("\n") == 1, p.stderr


@pytest.mark.parametrize("reader", [pytest.param(r, id="hostile-name-201-bytes-" + r)
                                    for r in READERS])
def test_name_at_the_bound(tmp_path, burrow, live_repo, reader):
    """200 bytes parse (the install then fails to resolve, not to parse),
    201 do not."""
    fname, make = READERS[reader]
    refuse_manifest(tmp_path, burrow, live_repo, fname, make("b" * 201), "200 bytes")
    srv, url = live_repo
    m = tmp_path / fname
    m.write_text(make("b" * 200))
    p = burrow("create", tmp_path / "app", "--manifest", m, "--python", PYTHON,
               "--index-url", url)
    assert p.returncode not in (0, 3), (p.returncode, p.stderr)


INVISIBLE = {"rlo": "\u202e", "zwsp": "\u200b", "bom": "\ufeff", "lri": "\u2066",
             "lrm": "\u200e", "line-separator": "\u2028"}


@pytest.mark.parametrize("cp,reader", [pytest.param(c, r, id="hostile-invisible-%s-%s" % (c, r))
                                       for c in sorted(INVISIBLE) for r in READERS])
def test_invisible_code_points_are_escaped(tmp_path, burrow, live_repo, cp, reader):
    ch = INVISIBLE[cp]
    fname, make = READERS[reader]
    p = refuse_manifest(tmp_path, burrow, live_repo, fname, make("evil" + ch + "name"),
                        "\\u%04x" % ord(ch))
    assert ch not in p.stderr, repr(p.stderr)


# -- a corrupt cached archive ----------------------------------------------

@pytest.fixture
def native(tmp_path, burrow):
    """A flat-folder repository with tool 1.0, a manifest pinning it, and
    an env made from it (so the archive is in the cache)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    src = make_tree(tmp_path / "src", {"bin/tool": ("#!/bin/sh\necho tool\n", 0o755)})
    path = burrow.pack(src, "tool", "1.0", repo)
    pin = sha256(path)
    m = tmp_path / "app.toml"
    m.write_text(manifest_text([str(repo)], [("tool", "1.0", [pin])]))
    burrow("create", tmp_path / "app", "--manifest", m, check=0)

    class Native:
        manifest = m
        archive = tmp_path / "cache" / "archives" / pin[:2] / pin
        trees = tmp_path / "cache" / "trees" / pin[:2]

    Native.pin = pin
    return Native


def corrupt(native):
    """One flipped byte in the cached archive, its tree removed."""
    data = bytearray(native.archive.read_bytes())
    data[len(data) // 2] ^= 0x01
    os.chmod(native.archive, 0o644)
    native.archive.write_bytes(bytes(data))
    subprocess.run(["chmod", "-R", "u+w", str(native.trees)], check=True)
    subprocess.run(["rm", "-rf", str(native.trees)], check=True)


def test_hostile_corrupt_cached_archive_is_healed(tmp_path, burrow, native):
    corrupt(native)
    env2 = tmp_path / "app2"
    p = burrow("create", env2, "--manifest", native.manifest)
    assert p.returncode == 0, p.stderr
    warnings = [l for l in p.stderr.splitlines() if "warning" in l]
    assert len(warnings) == 1 and "corrupt" in warnings[0] and native.pin in warnings[0], \
        p.stderr
    assert sha256(native.archive) == native.pin
    assert burrow("run", env2, "--", "tool", check=0).stdout == "tool\n"
    # healed for good: the next run says nothing
    p = burrow("create", tmp_path / "app3", "--manifest", native.manifest, check=0)
    assert "warning" not in p.stderr, p.stderr


def test_hostile_corrupt_cached_archive_offline(tmp_path, burrow, native):
    corrupt(native)
    env2 = tmp_path / "app2"
    before = Before(tmp_path, env2)
    p = burrow("--offline", "create", env2, "--manifest", native.manifest)
    assert p.returncode == 6, p.stderr
    assert "corrupt" in p.stderr and "--offline" in p.stderr, p.stderr
    assert "error" in p.stderr
    before.check()
    assert not native.archive.exists()
    # online again: fetched and verified
    burrow("create", env2, "--manifest", native.manifest, check=0)
    assert sha256(native.archive) == native.pin


# -- state.db of a newer burrow ----------------------------------------------

def test_hostile_newer_state_db_is_refused(tmp_path, burrow, native):
    db = tmp_path / "app" / ".burrow" / "state.db"
    os.chmod(db, 0o644)
    con = sqlite3.connect(str(db))
    con.execute("PRAGMA user_version=7")
    con.commit()
    con.close()
    for cmd in ("list", "check"):
        p = burrow(cmd, tmp_path / "app")
        assert p.returncode == 1, (cmd, p.returncode, p.stdout, p.stderr)
        assert "schema version 7" in p.stderr and "(1)" in p.stderr, p.stderr


# -- output errors -------------------------------------------------------------

@pytest.mark.parametrize("argv", [["list", "{env}"], ["list", "{env}", "--json"], ["env", "{env}"],
                                  ["help"], ["help", "install"], ["--version"],
                                  ["cache", "dir"]],
                         ids=lambda a: "hostile-dev-full-" + "-".join(a).replace("{env}", "env")
                         .strip("-"))
def test_write_error_on_stdout_is_exit_1(tmp_path, burrow, native, argv):
    from conftest import BURROW
    args = [a.format(env=tmp_path / "app") for a in argv]
    for binary in (BURROW, os.path.join(os.path.dirname(BURROW), "burrow-core")):
        with open("/dev/full", "w") as full:
            p = subprocess.run([binary, *args], stdout=full, stderr=subprocess.PIPE, text=True,
                               env=burrow.env, timeout=60)
        assert p.returncode == 1, (binary, args, p.returncode, p.stderr)
        assert "write error" in p.stderr, p.stderr
        # and the same command to a working stdout is fine
        p = subprocess.run([binary, *args], capture_output=True, text=True, env=burrow.env,
                           timeout=60)
        assert p.returncode == 0, (binary, args, p.stderr)


# -- network: Retry-After and captive portals ------------------------------

@pytest.fixture
def net(tmp_path, burrow):
    root = tmp_path / "srv"
    root.mkdir()
    src = make_tree(tmp_path / "src", {"bin/net": ("#!/bin/sh\necho net\n", 0o755)})
    path = burrow.pack(src, "net", "1.0", root)
    srv, port = badserver.start(root=str(root), lifetime=300)

    class Net:
        fn = os.path.basename(path)
        pin = sha256(path)
        base = "http://127.0.0.1:%d" % port
        env = tmp_path / "app"

        def manifest(self, href):
            idx = root / "simple" / "net"
            idx.mkdir(parents=True, exist_ok=True)
            (idx / "index.html").write_text('<a href="%s#sha256=%s">%s</a>\n'
                                            % (href, self.pin, self.fn))
            m = tmp_path / "app.toml"
            m.write_text(manifest_text([self.base + "/simple/"], [("net", "1.0", [self.pin])]))
            return m

        def hits(self, path):
            with srv.lock:
                return srv.hits.get(path, 0)

    yield Net()
    srv.shutdown()
    srv.server_close()


def test_hostile_retry_after_beyond_the_budget_fails_at_once(tmp_path, burrow, net):
    path = "/429/3/999999/" + net.fn
    m = net.manifest(net.base + path)
    before = Before(tmp_path, net.env)
    p = burrow("create", net.env, "--manifest", m, env={"BURROW_RETRIES": "4"})
    assert p.returncode == 5, p.stderr
    assert "999999" in p.stderr and "Retry-After" in p.stderr, p.stderr
    assert net.hits(path) == 1          # no second attempt, no sleeping
    before.check()


def test_hostile_retry_after_within_the_budget_is_honoured(tmp_path, burrow, net):
    path = "/429/1/1/" + net.fn
    p = burrow("create", net.env, "--manifest", net.manifest(net.base + path))
    assert p.returncode == 0, p.stderr
    assert net.hits(path) == 2


def test_hostile_captive_portal_page_is_named(tmp_path, burrow, net):
    path = "/portal/" + net.fn
    m = net.manifest(net.base + path)
    before = Before(tmp_path, net.env)
    p = burrow("create", net.env, "--manifest", m)
    assert p.returncode == 6, p.stderr
    assert "text/html" in p.stderr and "sha256 mismatch" in p.stderr, p.stderr
    before.check()


# -- a big manifest ---------------------------------------------------------

def test_hostile_34000_bundles_duplicate_at_the_end(tmp_path, burrow):
    """Every entry is read (make bench times this file's parse: linear
    since manifest_find is a hash lookup); the duplicate at the end names
    the first one's line."""
    import hashlib
    entry = '[[bundle]]\nname="p%d"\nversion="1"\nhashes=["sha256:%s"]\n'
    out = [entry % (i, hashlib.sha256(b"%d" % i).hexdigest()) for i in range(34000)]
    out.append((entry % (33999, HASH)).replace("p33999", "P33999"))
    m = tmp_path / "big.toml"
    m.write_text("".join(out))
    p = burrow("fetch", "--manifest", m)
    assert p.returncode == 3, p.stderr
    assert '%s:136002:6: duplicate bundle "P33999" (first at line %d)' % (m, 33999 * 4 + 2) \
        in p.stderr, p.stderr


# -- locks: --wait, the holder, state.db, the no-op path ---------------------

class Holder:
    """flock(1) holding a file exclusively until released: a process that
    is not burrow, and writes no pid of its own into the file."""

    def __init__(self, path):
        self.p = subprocess.Popen(["flock", "-x", str(path), "sh", "-c", "echo held; read x"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.p.stdout.readline() == "held\n"

    def release(self):
        self.p.stdin.close()
        self.p.wait(timeout=30)


def test_hostile_wait_counts_milliseconds_and_names_the_real_holder(tmp_path, burrow, native):
    lock = tmp_path / ".app.lock"
    # the file names a burrow that no longer exists
    lock.write_text("999999\n")
    h = Holder(lock)
    try:
        p = burrow("--wait", "0.25", "install", tmp_path / "app", "--manifest", native.manifest,
                   "--offline", "--python", PYTHON)
        assert p.returncode == 7, p.stderr
        assert "999999" not in p.stderr, p.stderr
        assert "pid %d, flock" % h.p.pid in p.stderr, p.stderr
        assert "gave up after 0.250 s" in p.stderr, p.stderr
        for bad in ("1.5.2", ".5", "x", "-1"):
            q = burrow("--wait", bad, "list", tmp_path / "app")
            assert q.returncode == 2, (bad, q.stderr)
    finally:
        h.release()


def test_hostile_state_db_locked_waits_with_a_line_then_gives_up(tmp_path, burrow, native):
    db = tmp_path / "app" / ".burrow" / "state.db"
    os.chmod(db, 0o644)
    con = sqlite3.connect(str(db), isolation_level=None)
    con.execute("BEGIN EXCLUSIVE")
    other = tmp_path / "other.toml"
    other.write_text(native.manifest.read_text() + "\n[run]\npass = [\"X\"]\n")
    try:
        p = burrow("--wait", "0.5", "install", tmp_path / "app", "--manifest", other)
        assert p.returncode == 7, p.stderr
        lines = p.stderr.splitlines()
        assert any("state.db is locked by another process; waiting up to 0.500 s" in l
                   for l in lines), p.stderr
        assert "state.db: locked by another process; gave up after 0.500 s" in p.stderr
    finally:
        con.execute("ROLLBACK")
        con.close()
    # released: the same install goes through
    p = burrow("--wait", "0.5", "install", tmp_path / "app", "--manifest", other)
    assert p.returncode == 0, p.stderr
    assert "waiting" not in p.stderr


def test_hostile_noop_waits_for_a_running_install(tmp_path, burrow, native):
    """The front's no-op answer is read under a shared lock: while an
    install holds .ENV.lock, burrow-core decides (and waits as --wait says)
    instead of answering from the env about to be replaced."""
    env = tmp_path / "app"
    p = burrow("install", env, "--manifest", native.manifest)
    assert p.returncode == 0 and "nothing to do" in p.stderr, p.stderr
    h = Holder(tmp_path / ".app.lock")
    try:
        p = burrow("--wait", "0.2", "install", env, "--manifest", native.manifest)
        assert p.returncode == 7, p.stderr
    finally:
        h.release()
    p = burrow("install", env, "--manifest", native.manifest)
    assert p.returncode == 0 and "nothing to do" in p.stderr, p.stderr


def test_hostile_noop_notices_a_dead_process_tmp_leftovers(tmp_path, burrow, native):
    """What a kill -9 right after the commit leaves: an empty p-XXXX/ and
    its unlocked p-XXXX.lock.  The no-op path sends the install to
    burrow-core, which sweeps them; a lock a live process holds is left
    alone and does not stop the no-op."""
    tmp = tmp_path / "cache" / "tmp"
    live = tmp / "p-live000.lock"
    live.write_text("")
    (tmp / "p-live000").mkdir()
    h = Holder(live)
    try:
        p = burrow("install", tmp_path / "app", "--manifest", native.manifest)
        assert p.returncode == 0 and "nothing to do" in p.stderr, p.stderr
        (tmp / "p-dead000").mkdir()
        (tmp / "p-dead000.lock").write_text("")
        p = burrow("install", tmp_path / "app", "--manifest", native.manifest)
        assert p.returncode == 0 and "nothing to do" in p.stderr, p.stderr
        assert sorted(os.listdir(tmp)) == ["p-live000", "p-live000.lock"], os.listdir(tmp)
    finally:
        h.release()


@pytest.mark.parametrize("argv", [["ab\u202ecd"], ["--ab\u202ecd", "list"], ["help", "ab\u202ecd"]],
                         ids=["hostile-argv-command", "hostile-argv-option",
                              "hostile-argv-help"])
def test_argv_echoed_escaped(burrow, argv):
    p = burrow(*argv)
    assert p.returncode == 2, p.stderr
    assert "\u202e" not in p.stderr and "\\u202e" in p.stderr, repr(p.stderr)
