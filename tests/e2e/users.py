"""Real second users for the tests that care who runs burrow.

`user_factory` creates a user with useradd (a fresh name per test, so that
concurrent runs never collide) and removes it, with every process it left,
after the test.  `User.run` runs a command as that user through setpriv,
with exactly the environment given: nothing of root's leaks in.

`shared_tmp` is a folder under /tmp that other users can reach (pytest's
own tmp_path sits below a 0700 folder): tests lay out what an attacker may
write there, or give it to the unprivileged user as its home.

Both need root; run as another user (make test's unprivileged pass) the
tests that use them are skipped, and say so."""

import os
import pwd
import secrets
import shutil
import subprocess
import tempfile

import pytest


def need_root(why="creates a second user with useradd"):
    if os.geteuid() != 0:
        pytest.skip("needs root: " + why)


class User:
    def __init__(self, name, home):
        pw = pwd.getpwnam(name)
        self.name = name
        self.uid = pw.pw_uid
        self.gid = pw.pw_gid
        self.home = home

    def argv(self, argv):
        """argv that runs `argv` as this user (groups: its own gid only)."""
        return ["setpriv", "--reuid", str(self.uid), "--regid", str(self.gid),
                "--clear-groups", "--", *map(str, argv)]

    def run(self, argv, env=None, timeout=120, check=None, **kw):
        p = subprocess.run(self.argv(argv), env=env, capture_output=True,
                           text=True, timeout=timeout, **kw)
        if check is not None:
            assert p.returncode == check, (p.returncode, p.stdout, p.stderr)
        return p

    def chown(self, path):
        """Give `path` (recursively, links not followed) to this user."""
        for dirpath, dirnames, filenames in os.walk(path):
            for n in dirnames + filenames:
                os.lchown(os.path.join(dirpath, n), self.uid, self.gid)
        os.lchown(path, self.uid, self.gid)


@pytest.fixture
def shared_tmp():
    d = tempfile.mkdtemp(prefix="burrow-t-")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def user_factory(shared_tmp):
    need_root()
    made = []

    def make():
        name = "bt%d%s" % (os.getpid() % 100000, secrets.token_hex(3))
        home = os.path.join(shared_tmp, name)
        subprocess.run(["useradd", "--no-create-home", "--home-dir", home,
                        "--shell", "/bin/sh", "--user-group", name],
                       check=True, capture_output=True, timeout=60)
        made.append(name)
        os.mkdir(home, 0o700)
        u = User(name, home)
        os.chown(home, u.uid, u.gid)
        return u

    yield make
    for name in made:
        subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True, timeout=30)
        subprocess.run(["userdel", name], capture_output=True, timeout=60)
