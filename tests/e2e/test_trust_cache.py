"""Issue 10, the non-root and cache half (docs/cache-trust.md):

- every command works for a plain user, and what burrow writes has the
  same modes whatever the umask;
- the cache is one user's: another user's cache, or one others can write,
  is refused with exit 6, and shard directories are never followed;
- an edit in one env never reaches another: every cache tree file is
  verified before it is linked, and a modified tree is repaired from its
  archive; `install --repair` rebuilds an env that `check` would flag;
- no chmod through a symlink when burrow removes a tree.

Every attack is made by a second real user (users.py) against root's
burrow; the non-root cases run as that user."""

import os
import sqlite3
import stat
import subprocess
import time

import pytest

from conftest import BURROW, clean_env, make_tree, manifest_text, script, sha256
from test_python import PYTHON, pin, py_manifest, site
from wheels import build_wheel

BUILD = os.environ.get("BURROW_BUILD") or os.path.dirname(BURROW)


def world_readable(root):
    """Opens root (made by root with the test's umask) to other users."""
    for dirpath, dirnames, filenames in os.walk(root):
        os.chmod(dirpath, 0o755)
        for n in filenames:
            p = os.path.join(dirpath, n)
            if not os.path.islink(p):
                os.chmod(p, os.stat(p).st_mode | 0o444)


def wheel_set(d):
    """Two wheels (one with a console script) and a native bundle's tree."""
    wh = d / "wheelhouse"
    a = build_wheel(wh, "alpha", "1.0",
                    {"alpha/__init__.py": "X = 1\n", "alpha/views.py": "def view():\n    return 'pristine'\n"},
                    entry_points="[console_scripts]\nalpha = alpha:main\n")
    b = build_wheel(wh, "beta", "2.0", {"beta/__init__.py": "Y = 2\n"})
    return wh, [pin(a), pin(b)]


def py_env_manifest(d):
    wh, pins = wheel_set(d)
    m = d / "app.toml"
    m.write_text(py_manifest(wh, pins))
    return m


def views(env):
    return os.path.join(site(env), "alpha", "views.py")


# --- an edit in one env never reaches another --------------------------------

def edit_same_size(path):
    """Rewrites bytes in place, same size, and puts the mtime back: only the
    content (and the ctime, which linking changes too) tells."""
    st = os.stat(path)
    with open(path, "r+b") as f:
        data = f.read()
        f.seek(0)
        f.write(data.replace(b"pristine", b"EDITED!!"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(path).st_size == st.st_size


def edit_append(path):
    with open(path, "a") as f:
        f.write("print(1)\n")


@pytest.mark.parametrize("edit", [edit_append, edit_same_size])
@pytest.mark.parametrize("mode", ["hardlink", "copy"])
def test_edit_in_one_env_never_reaches_another(tmp_path, burrow, edit, mode):
    m = py_env_manifest(tmp_path)
    a, c, d = tmp_path / "A", tmp_path / "C", tmp_path / "D"
    burrow("create", a, "--manifest", m, "--link-mode", "hardlink", check=0)
    assert os.stat(views(a)).st_nlink > 1      # A's file is the cache tree's inode
    edit(views(a))
    p = burrow("create", c, "--manifest", m, "--link-mode", mode, check=0)
    assert "warning:" in p.stderr and "repaired 1 cache tree" in p.stderr, p.stderr
    why = "its size changed" if edit is edit_append else "its content changed"
    assert "alpha/views.py in its cache tree is not what was unpacked: " + why in p.stderr, \
        p.stderr
    assert "pristine" in open(views(c)).read()
    assert "EDITED" not in open(views(c)).read() and "print(1)" not in open(views(c)).read()
    assert burrow("check", c).returncode == 0
    # A keeps its edit (and check says so); the repaired tree serves D quietly
    assert burrow("check", a).returncode == 1
    p = burrow("create", d, "--manifest", m, "--link-mode", mode, check=0)
    assert "warning" not in p.stderr, p.stderr
    assert "pristine" in open(views(d)).read()


def test_install_repair_rebuilds_a_tampered_env(tmp_path, burrow):
    m = py_env_manifest(tmp_path)
    a = tmp_path / "A"
    burrow("create", a, "--manifest", m, check=0)
    p = burrow("install", "--repair", a, "--manifest", m, check=0)
    assert "nothing to do" in p.stderr, p.stderr           # untouched: no rebuild
    edit_same_size(views(a))
    p = burrow("install", a, "--manifest", m, check=0)
    assert "nothing to do" in p.stderr                      # the plain no-op stays one
    assert burrow("check", a).returncode == 1
    p = burrow("install", "--repair", a, "--manifest", m, check=0)
    assert "nothing to do" not in p.stderr and "installed" in p.stderr, p.stderr
    assert "pristine" in open(views(a)).read()
    assert burrow("check", a).returncode == 0
    # an unrecorded file in site-packages is a finding too: --repair drops it
    open(os.path.join(site(a), "planted.py"), "w").write("x = 1\n")
    burrow("install", "--repair", a, "--manifest", m, check=0)
    assert not os.path.exists(os.path.join(site(a), "planted.py"))
    assert burrow("check", a).returncode == 0


# --- the cache belongs to one user --------------------------------------------

@pytest.fixture
def native(shared_tmp):
    """A native bundle with bin/tool in a repository everybody can read,
    and its manifest."""
    from pathlib import Path

    d = Path(shared_tmp) / "src"
    tree = make_tree(d / "tree", {"bin/tool": script("echo genuine")})
    repo = d / "repo"
    repo.mkdir(parents=True)
    env = clean_env(d, PATH="/usr/bin:/bin")
    (d / "home").mkdir()
    out = subprocess.run([BURROW, "pack", tree, "--name", "tool", "--version", "1.0", "-o", repo],
                         env=env, capture_output=True, text=True, check=True).stdout.strip()
    m = d / "tool.toml"
    m.write_text(manifest_text([str(repo)], [("tool", "1.0", [sha256(out)])]))
    world_readable(d)
    return {"manifest": m, "sha": sha256(out), "repo": repo}


def root_env(tmp_path, cache):
    return clean_env(tmp_path, BURROW_CACHE_DIR=str(cache))


def burrow_as_root(tmp_path, cache, *args):
    (tmp_path / "home").mkdir(exist_ok=True)
    return subprocess.run([BURROW, *map(str, args)], env=root_env(tmp_path, cache),
                          capture_output=True, text=True, timeout=120)


def plant_tree(user, cache, sha, marker):
    """As user: a cache laid out with her own tree for the pinned hash,
    whose bin/tool leaves marker when anyone runs it."""
    body = ("set -e; mkdir -p %(c)s/trees/%(ab)s/%(sha)s/bin %(c)s/archives %(c)s/tmp;"
            "printf '#!/bin/sh\\ntouch %(marker)s\\necho planted\\n' > %(c)s/trees/%(ab)s/%(sha)s/bin/tool;"
            "chmod 755 %(c)s/trees/%(ab)s/%(sha)s/bin/tool"
            % {"c": cache, "ab": sha[:2], "sha": sha, "marker": marker})
    user.run(["sh", "-c", body], check=0)


def test_hostile_cache_of_another_user_is_refused(tmp_path, shared_tmp, user_factory, native):
    mallory = user_factory()
    pub = os.path.join(shared_tmp, "pub")
    os.mkdir(pub)
    os.chmod(pub, 0o1777)
    cache = os.path.join(pub, "cache")
    marker = os.path.join(pub, "ran-as-root")
    plant_tree(mallory, cache, native["sha"], marker)
    app = tmp_path / "app"
    p = burrow_as_root(tmp_path, cache, "create", app, "--manifest", native["manifest"])
    assert p.returncode == 6, p.stderr
    assert "owned by uid %d" % mallory.uid in p.stderr and "--cache-dir" in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert not app.exists() and not os.path.exists(marker)
    for cmd in (["fetch", "--manifest", native["manifest"]], ["cache", "info"], ["cache", "clean"]):
        assert burrow_as_root(tmp_path, cache, *cmd).returncode == 6
    assert os.path.exists(os.path.join(cache, "trees", native["sha"][:2], native["sha"], "bin/tool"))


def test_hostile_world_writable_cache_is_refused(tmp_path, shared_tmp, user_factory, native):
    mallory = user_factory()
    cache = os.path.join(shared_tmp, "shared-cache")
    os.mkdir(cache)
    os.chmod(cache, 0o1777)                 # a "shared" cache, root's own
    marker = os.path.join(shared_tmp, "ran-as-root")
    plant_tree(mallory, cache, native["sha"], marker)
    app = tmp_path / "app"
    p = burrow_as_root(tmp_path, cache, "create", app, "--manifest", native["manifest"])
    assert p.returncode == 6 and "writable by others" in p.stderr and "chmod go-w" in p.stderr, p.stderr
    assert not app.exists() and not os.path.exists(marker)
    # her subdirectory in root's (now private) cache: refused by owner
    os.chmod(cache, 0o755)
    p = burrow_as_root(tmp_path, cache, "create", app, "--manifest", native["manifest"])
    assert p.returncode == 6 and "owned by uid %d" % mallory.uid in p.stderr, p.stderr
    assert not app.exists() and not os.path.exists(marker)


def test_new_cache_is_private(tmp_path, native):
    cache = tmp_path / "c" / "burrow"
    app = tmp_path / "app"
    assert burrow_as_root(tmp_path, cache, "create", app, "--manifest", native["manifest"]).returncode == 0
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(cache / "cache.db").st_mode) == 0o600
    # an older cache.db readable by others is made 0600 (index pages may
    # have been fetched with credentials); one writable by others is refused
    os.chmod(cache / "cache.db", 0o644)
    assert burrow_as_root(tmp_path, cache, "cache", "info").returncode == 0
    assert stat.S_IMODE(os.stat(cache / "cache.db").st_mode) == 0o600


def test_hostile_rewritten_cache_db_row_is_refused(tmp_path, shared_tmp, user_factory, native):
    mallory = user_factory()
    cache = os.path.join(shared_tmp, "cache")
    app = os.path.join(shared_tmp, "app")
    assert burrow_as_root(tmp_path, cache, "create", app, "--manifest", native["manifest"]).returncode == 0
    # an old burrow under umask 000 left the cache open to everyone
    os.chmod(cache, 0o755)
    os.chmod(os.path.join(cache, "cache.db"), 0o666)
    for n in ("cache.db-wal", "cache.db-shm"):
        if os.path.exists(os.path.join(cache, n)):
            os.chmod(os.path.join(cache, n), 0o666)
    code = ("import sqlite3, sys; db = sqlite3.connect(sys.argv[1]);"
            "db.execute(\"UPDATE trees SET entries = replace(entries, 'bin/tool', 'bin/evil')\");"
            "db.commit()")
    mallory.run([PYTHON, "-c", code, os.path.join(cache, "cache.db")], check=0)
    rows = sqlite3.connect(os.path.join(cache, "cache.db")).execute(
        "SELECT count(*) FROM trees WHERE entries LIKE '%bin/evil%'").fetchone()[0]
    assert rows == 1                        # her write landed
    before = os.listdir(app)
    p = burrow_as_root(tmp_path, cache, "install", app, "--manifest", native["manifest"], "--repair")
    assert p.returncode == 6 and "cache.db: writable by others" in p.stderr, p.stderr
    assert os.listdir(app) == before


def test_hostile_shard_symlink_is_never_followed(tmp_path, shared_tmp, user_factory, native):
    mallory = user_factory()
    cache = tmp_path / "cache"
    assert burrow_as_root(tmp_path, cache, "cache", "info").returncode == 0
    target = os.path.join(mallory.home, "loot")
    mallory.run(["mkdir", "-m", "777", target], check=0)
    ab = native["sha"][:2]
    os.symlink(target, cache / "archives" / ab)    # left from when the cache was shared
    os.symlink(target, cache / "trees" / ab)
    p = burrow_as_root(tmp_path, cache, "fetch", "--manifest", native["manifest"])
    assert p.returncode == 6 and "not a private directory" in p.stderr, p.stderr
    assert os.listdir(target) == []


def test_hostile_file_owned_by_another_user_is_never_linked(tmp_path, shared_tmp, user_factory, native):
    """A tree file with the right bytes but another owner (a hard link to
    her file) is refused by owner alone, and the tree repaired."""
    mallory = user_factory()
    cache = tmp_path / "cache"
    a = tmp_path / "A"
    assert burrow_as_root(tmp_path, cache, "create", a, "--manifest", native["manifest"],
                          "--link-mode", "hardlink").returncode == 0
    sha = native["sha"]
    tool = cache / "trees" / sha[:2] / sha / "bin" / "tool"
    hers = os.path.join(mallory.home, "tool")
    subprocess.run(["cp", str(tool), hers], check=True)
    os.chown(hers, mallory.uid, mallory.gid)
    os.chmod(tool.parent, 0o755)
    os.unlink(tool)
    os.link(hers, tool)                     # same bytes, her inode
    os.chmod(tool.parent, 0o555)
    c = tmp_path / "C"
    p = burrow_as_root(tmp_path, cache, "create", c, "--manifest", native["manifest"],
                       "--link-mode", "hardlink")
    assert p.returncode == 0 and "owned by another user" in p.stderr, p.stderr
    st = os.stat(c / "bin" / "tool")
    assert st.st_uid == 0 and st.st_ino != os.stat(hers).st_ino


def test_hostile_app_user_edit_of_a_chowned_env_never_reaches_roots_next_env(
        tmp_path, shared_tmp, user_factory):
    """`chown -R app` of a hard-linked env hands the cache tree's inodes to
    app; her edit must not reach the next env root builds."""
    from pathlib import Path

    app_user = user_factory()
    d = Path(shared_tmp)
    m = py_env_manifest(d)
    world_readable(d)
    cache = tmp_path / "cache"
    a = d / "A"
    assert burrow_as_root(tmp_path, cache, "create", a, "--manifest", m,
                          "--link-mode", "hardlink").returncode == 0
    app_user.chown(a)
    app_user.run(["sh", "-c", "printf 'import os\\nos.system(\"id\")\\n' >> " + views(a)], check=0)
    assert "os.system" in open(views(a)).read()
    c = tmp_path / "C"
    p = burrow_as_root(tmp_path, cache, "create", c, "--manifest", m)
    # chown -R handed every file of both trees to app: both are repaired
    assert p.returncode == 0 and "repaired 2 cache trees" in p.stderr, p.stderr
    assert "owned by another user" in p.stderr
    assert "os.system" not in open(views(c)).read()
    for dirpath, dirnames, filenames in os.walk(c):
        for n in filenames:
            assert os.lstat(os.path.join(dirpath, n)).st_uid == 0


# --- no chmod through a symlink ----------------------------------------------

def test_hostile_chmod_race_never_follows_a_symlink(shared_tmp, user_factory):
    """The race of the issue: while root removes a directory she can write
    in, she swaps an entry between a read-only directory of hers and a
    symlink to a file of root's.  That file's mode never changes."""
    mallory = user_factory()
    tool = os.path.join(BUILD, "tools", "rmtree")
    victim = os.path.join(shared_tmp, "victim")
    open(victim, "w").write("root's\n")
    os.chmod(victim, 0o644)
    os.chmod(shared_tmp, 0o755)
    stop = os.path.join(mallory.home, "stop")
    # x and y swap places (renameat2 RENAME_EXCHANGE, one syscall): a
    # read-only directory of hers one moment, a symlink to root's file the next
    racer = ("import ctypes, os, sys\n"
             "libc = ctypes.CDLL(None, use_errno=True)\n"
             "box = sys.argv[1] + '/box'\n"
             "x, y = (box + '/x').encode(), (box + '/y').encode()\n"
             "while not os.path.exists(sys.argv[3]):\n"
             "    try:\n"
             "        os.mkdir(x, 0o500)\n"
             "        os.symlink(sys.argv[2], y)\n"
             "    except OSError:\n"
             "        continue\n"
             "    for i in range(20000):\n"
             "        if libc.renameat2(-100, x, -100, y, 2) != 0:\n"
             "            break\n")
    r = subprocess.Popen(mallory.argv([PYTHON, "-c", racer, shared_tmp, victim, stop]),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        p = subprocess.run([tool, shared_tmp, "box", "400"], capture_output=True, text=True,
                           timeout=300, env={"ASAN_OPTIONS": "detect_leaks=1"})
        assert p.returncode == 0, p.stderr
    finally:
        mallory.run(["touch", stop])
        r.wait(timeout=60)
    assert stat.S_IMODE(os.stat(victim).st_mode) == 0o644


# --- every command without root; modes whatever the umask ---------------------

def modes_of(root):
    bad = []
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames:
            p = os.path.join(dirpath, n)
            if not os.path.islink(p) and stat.S_IMODE(os.lstat(p).st_mode) != 0o755:
                bad.append((p, oct(os.lstat(p).st_mode)))
        for n in filenames:
            p = os.path.join(dirpath, n)
            if not os.path.islink(p) and stat.S_IMODE(os.lstat(p).st_mode) not in (0o644, 0o755):
                bad.append((p, oct(os.lstat(p).st_mode)))
    return bad


def test_every_command_works_without_root_under_umask_077(shared_tmp, user_factory):
    """The issue's first bullet: non-root create/fetch failed on the sealed
    tree's rename.  Here a plain user runs every command, umask 077."""
    from pathlib import Path

    u = user_factory()
    home = Path(u.home)
    env = {"PATH": "/usr/bin:/bin", "HOME": u.home, "LANG": "C.UTF-8",
           "ASAN_OPTIONS": "detect_leaks=1:verify_asan_link_order=0"}

    def b(*args, code=0):
        p = u.run(["sh", "-c", 'umask 077 && exec "$@"', "sh", BURROW, *map(str, args)], env=env)
        assert p.returncode == code, (args, p.stdout, p.stderr)
        return p

    src = Path(shared_tmp) / "pub"
    m = py_env_manifest(src)
    make_tree(src / "tree", {"bin/tool": script("echo native"), "share/tool/data": "d\n"})
    world_readable(src)
    repo = home / "repo"
    out = b("pack", src / "tree", "--name", "tool", "--version", "1.0", "-o", repo).stdout.strip()
    b("index", repo)
    nm = home / "native.toml"
    u.run(["sh", "-c", "cat > " + str(nm)], input=manifest_text(
        [str(repo)], [("tool", "1.0", [sha256(out)])]), env=env, check=0)
    b("fetch", "--manifest", m)
    b("create", home / "py", "--manifest", m)
    b("create", home / "nat", "--manifest", nm)
    b("install", home / "nat", "--manifest", nm)
    b("install", home / "py", "--manifest", m, "--repair")
    b("check", home / "py")
    b("check", home / "nat")
    # what burrow wrote, before the app runs (Python then writes its own
    # __pycache__ with the caller's umask)
    assert modes_of(home / "py") == [] and modes_of(home / "nat") == []
    assert stat.S_IMODE(os.stat(home / "py" / "pyvenv.cfg").st_mode) == 0o644
    assert b("run", home / "nat", "--", "tool").stdout == "native\n"
    assert b("run", home / "py", "--", "python", "-c", "import alpha.views as v; print(v.view())").stdout \
        == "pristine\n"
    assert "VIRTUAL_ENV=" in b("env", home / "py").stdout
    assert "alpha" in b("list", home / "py").stdout
    assert b("cache", "dir").stdout.strip() == str(home / ".cache" / "burrow")
    assert "trees: 3" in b("cache", "info").stdout
    cache = home / ".cache" / "burrow"
    # every row names a tree that landed (the old code wrote the row first)
    assert sum(len(os.listdir(cache / "trees" / d)) for d in os.listdir(cache / "trees")) == 3
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(cache / "cache.db").st_mode) == 0o600
    # archives are 0444 in 0755 shards; trees 0555 directories of 0644/0755 files
    for dirpath, dirnames, filenames in os.walk(cache / "archives"):
        assert stat.S_IMODE(os.stat(dirpath).st_mode) == 0o755, dirpath
        for n in filenames:
            assert stat.S_IMODE(os.stat(os.path.join(dirpath, n)).st_mode) == 0o444
    for dirpath, dirnames, filenames in os.walk(cache / "trees"):
        want = 0o755 if dirpath == str(cache / "trees") or len(os.path.basename(dirpath)) == 2 \
            and os.path.dirname(dirpath) == str(cache / "trees") else 0o555
        assert stat.S_IMODE(os.stat(dirpath).st_mode) == want, dirpath
        for n in filenames:
            assert stat.S_IMODE(os.stat(os.path.join(dirpath, n)).st_mode) in (0o644, 0o755)
    b("cache", "clean")
    assert "trees: 0" in b("cache", "info").stdout


def test_env_made_by_root_under_umask_077_runs_as_another_user(shared_tmp, user_factory):
    from pathlib import Path

    u = user_factory()
    d = Path(shared_tmp)
    m = py_env_manifest(d)
    world_readable(d)
    app = d / "app"
    env = clean_env(d, BURROW_CACHE_DIR=str(d / "cache"))
    (d / "home").mkdir()
    p = subprocess.run(["sh", "-c", 'umask 077 && exec "$@"', "sh", BURROW, "create", app,
                        "--manifest", m], env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert modes_of(app) == []
    p = subprocess.run([BURROW, "run", "--user", u.name, app, "--", "python", "-c",
                        "import alpha.views as v; print(v.view())"],
                       env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and p.stdout == "pristine\n", p.stderr


def test_run_user_without_root_is_refused_clearly(tmp_path, shared_tmp, user_factory, native):
    u = user_factory()
    other = user_factory()
    env = {"PATH": "/usr/bin:/bin", "HOME": u.home, "LANG": "C.UTF-8",
           "ASAN_OPTIONS": "detect_leaks=1:verify_asan_link_order=0"}
    app = os.path.join(u.home, "app")
    u.run([BURROW, "create", app, "--manifest", native["manifest"]], env=env, check=0)
    p = u.run([BURROW, "run", "--user", u.name, app, "--", "tool"], env=env)
    assert p.returncode == 0 and p.stdout == "genuine\n", p.stderr     # oneself: a no-op
    p = u.run([BURROW, "run", "--user", other.name, app, "--", "tool"], env=env)
    assert p.returncode != 0 and p.stdout == ""
    assert len(p.stderr.strip().splitlines()) == 1 and "root" in p.stderr, p.stderr
