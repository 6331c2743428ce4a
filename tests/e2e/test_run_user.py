"""`burrow run --user`: the privilege drop of su-exec and gosu (groups, gid,
uid, in that order; HOME/USER/LOGNAME from passwd; NO_NEW_PRIVS), checked
the way gosu's own tests check it: `id -u`, `id -g`, `id -G` and HOME as
the app sees them.  Needs root (to create a user and to switch); skipped
otherwise, except the non-root refusal, which drops to nobody first."""

import os
import shutil
import subprocess
import tempfile
import uuid

import pytest

from conftest import BURROW, make_tree, manifest_text, script, sha256

ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT or not shutil.which("useradd"),
                                reason="needs root and useradd")

REPORT = script('echo "uid=$(id -u)"\n'
                'echo "gid=$(id -g)"\n'
                'echo "groups=$(id -G)"\n'
                'echo "home=$HOME"\n'
                'echo "user=${USER-unset}"\n'
                'echo "logname=${LOGNAME-unset}"\n'
                'grep "^NoNewPrivs:" /proc/self/status | tr -d " \\t" | sed "s/:/=/"')


def parse(out):
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


@pytest.fixture(scope="module")
def world():
    """A world-readable directory (pytest's tmp dirs are 0700, which the
    switched user could not enter), removed at the end."""
    d = tempfile.mkdtemp(prefix="burrow-user-", dir="/tmp")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def env(world):
    """A native env with bin/report, made by the burrow under test."""
    from pathlib import Path

    w = Path(world)
    tmp = w / "work"
    tmp.mkdir()
    (tmp / "home").mkdir()
    e = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp / "home"),
         "LANG": "C.UTF-8", "BURROW_CACHE_DIR": str(tmp / "cache"),
         "ASAN_OPTIONS": "detect_leaks=1:verify_asan_link_order=0"}

    def run(*args):
        p = subprocess.run([BURROW, *map(str, args)], env=e, capture_output=True, text=True,
                           timeout=60)
        assert p.returncode == 0, (args, p.stdout, p.stderr)
        return p

    src = make_tree(tmp / "src", {"bin/report": REPORT})
    repo = tmp / "repo"
    repo.mkdir()
    path = run("pack", src, "--name", "report", "--version", "1.0", "-o", repo).stdout.strip()
    m = tmp / "app.toml"
    m.write_text(manifest_text([str(repo)], [("report", "1.0", [sha256(path)])]))
    app = w / "app"
    run("create", app, "--manifest", m)
    for dirpath, dirnames, filenames in os.walk(w):
        os.chmod(dirpath, 0o755)
    return app


@pytest.fixture(scope="module")
def account():
    """A user with its own group and one supplementary group."""
    if not ROOT or not shutil.which("useradd"):
        pytest.skip("needs root and useradd")
    tag = uuid.uuid4().hex[:8]
    name, extra = "bt" + tag, "btg" + tag
    home = "/nonexistent/burrow-" + tag
    subprocess.run(["groupadd", extra], check=True)
    try:
        subprocess.run(["useradd", "-M", "-U", "-d", home, "-s", "/usr/sbin/nologin",
                        "-G", extra, name], check=True)
    except Exception:
        subprocess.run(["groupdel", extra])
        raise

    def q(*a):
        return subprocess.run(["id", *a, name], capture_output=True, text=True,
                              check=True).stdout.strip()

    class Account:
        pass

    acct = Account()
    acct.name, acct.group, acct.home = name, name, home
    acct.uid, acct.gid = int(q("-u")), int(q("-g"))
    acct.groups = sorted(int(g) for g in q("-G").split())
    acct.extra_gid = int(subprocess.run(["getent", "group", extra], capture_output=True,
                                        text=True, check=True).stdout.split(":")[2])
    yield acct
    subprocess.run(["userdel", name])
    subprocess.run(["groupdel", extra])
    subprocess.run(["groupdel", name], capture_output=True)  # if userdel left it


def unused_id():
    import grp
    import pwd
    n = 54321
    while True:
        try:
            pwd.getpwuid(n)
        except KeyError:
            try:
                grp.getgrgid(n)
            except KeyError:
                return n
        n += 1


def run_as(burrow, env, user, *extra):
    return burrow("run", "--user", user, *extra, env, "--", "report")


def groups(s):
    return sorted(int(g) for g in s.split())


@needs_root
def test_user_by_name(burrow, env, account):
    p = run_as(burrow, env, account.name)
    assert p.returncode == 0, p.stderr
    got = parse(p.stdout)
    assert int(got["uid"]) == account.uid
    assert int(got["gid"]) == account.gid
    assert groups(got["groups"]) == account.groups          # as login gives them
    assert account.extra_gid in groups(got["groups"])        # supplementary group
    assert got["home"] == account.home                      # from passwd, not the caller's
    assert got["user"] == account.name and got["logname"] == account.name
    assert got["NoNewPrivs"] == "1"


@needs_root
def test_user_by_uid(burrow, env, account):
    p = run_as(burrow, env, str(account.uid))
    assert p.returncode == 0, p.stderr
    got = parse(p.stdout)
    assert (int(got["uid"]), int(got["gid"])) == (account.uid, account.gid)
    assert groups(got["groups"]) == account.groups
    assert got["home"] == account.home
    assert got["user"] == account.name


@needs_root
@pytest.mark.parametrize("spec", ["{uid}:{extra_gid}", "{name}:{extra}", "{uid}:{extra}"])
def test_user_and_group_means_exactly_that_group(burrow, env, account, spec):
    # gosu: "user:group" sets that group and only it
    s = spec.format(uid=account.uid, extra_gid=account.extra_gid, name=account.name,
                    extra="btg" + account.name[2:])
    p = run_as(burrow, env, s)
    assert p.returncode == 0, p.stderr
    got = parse(p.stdout)
    assert (int(got["uid"]), int(got["gid"])) == (account.uid, account.extra_gid)
    assert groups(got["groups"]) == [account.extra_gid]
    assert got["home"] == account.home
    assert got["NoNewPrivs"] == "1"


@needs_root
def test_trailing_colon_is_no_group(burrow, env, account):
    p = run_as(burrow, env, account.name + ":")
    assert p.returncode == 0, p.stderr
    assert groups(parse(p.stdout)["groups"]) == account.groups


@needs_root
def test_uid_without_passwd_entry_needs_a_group(burrow, env):
    n = unused_id()
    p = run_as(burrow, env, str(n))
    assert p.returncode == 1
    assert p.stdout == ""
    assert "--user %d: no user with uid %d in passwd" % (n, n) in p.stderr


@needs_root
def test_uid_gid_without_entries(burrow, env):
    n = unused_id()
    p = run_as(burrow, env, "%d:%d" % (n, n))
    assert p.returncode == 0, p.stderr
    got = parse(p.stdout)
    assert (got["uid"], got["gid"], got["groups"]) == (str(n), str(n), str(n))
    # no passwd entry: HOME is "/" as gosu gives it, never the caller's
    assert got["home"] == "/"
    assert got["user"] == "unset" and got["logname"] == "unset"
    assert got["NoNewPrivs"] == "1"


@needs_root
def test_env_and_manifest_still_win_over_passwd(burrow, env, account):
    p = run_as(burrow, env, account.name, "--env", "HOME=/srv/app")
    assert p.returncode == 0, p.stderr
    assert parse(p.stdout)["home"] == "/srv/app"


@needs_root
def test_root_to_root(burrow, env):
    p = run_as(burrow, env, "root")
    assert p.returncode == 0, p.stderr
    got = parse(p.stdout)
    assert (got["uid"], got["gid"], got["home"]) == ("0", "0", "/root")
    assert got["NoNewPrivs"] == "1"


@needs_root
@pytest.mark.parametrize("spec,code,what", [
    ("no-such-user-xyz", 1, "no such user"),
    ("root:no-such-group-xyz", 1, "no such group"),
    (":0", 2, "expected NAME|UID"),
    ("0:0:0", 2, "expected NAME|UID"),
    ("4294967295", 1, "no such user"),
])
def test_bad_specs(burrow, env, spec, code, what):
    p = run_as(burrow, env, spec)
    assert p.returncode == code, (p.returncode, p.stderr)
    assert what in p.stderr and p.stdout == ""


def test_user_needs_a_value(burrow, tmp_path):
    assert burrow("run", "--user").returncode == 2
    p = burrow("run", "--user", "", str(tmp_path), "--", "true")
    assert p.returncode == 2 and "--user needs NAME|UID" in p.stderr


@needs_root
def test_non_root_cannot_switch_but_self_is_a_noop(burrow, env, account):
    # burrow itself runs as the test account (setpriv is util-linux, always
    # on Debian); switching to root or anyone else is refused, to itself is
    # fine.
    setpriv = shutil.which("setpriv")
    if not setpriv:
        pytest.skip("needs setpriv")
    base = [setpriv, "--reuid", str(account.uid), "--regid", str(account.gid),
            "--init-groups", "--", BURROW]
    e = dict(burrow.env, HOME="/")
    e.pop("BURROW_CACHE_DIR")
    p = subprocess.run(base + ["run", "--user", "root", str(env), "--", "report"], env=e,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1, p.stderr
    assert "only root can switch users" in p.stderr and p.stdout == ""
    p = subprocess.run(base + ["run", "--user", account.name, str(env), "--", "report"],
                       env=e, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    got = parse(p.stdout)
    assert int(got["uid"]) == account.uid and got["home"] == account.home
