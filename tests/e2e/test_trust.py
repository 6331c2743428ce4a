"""Trust boundaries (docs/THREAT-MODEL.md; issue 10, the env half).

Every attack here is made by a real second user (users.py: useradd, then
setpriv) against root's burrow, in a folder both can reach, and every test
checks the attack's own witness: a marker file her program would write, a
file she wants changed, bytes she wants on root's terminal.  What needs no
second user (':' in env paths, credentials, the trickle, allowlist values)
runs as whoever runs the suite."""

import http.server
import os
import shutil
import sqlite3
import subprocess
import threading
import time

import pytest

from conftest import PYTHON, make_tree, manifest_text, script, sha256
from wheels import build_wheel, sha256_file

CC = shutil.which("cc", path="/usr/bin:/bin")
PYVER = subprocess.run([PYTHON, "-I", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                       capture_output=True, text=True, check=True).stdout.strip()
SITE = "lib/python%s/site-packages" % PYVER


def need_cc():
    if CC is None:
        pytest.skip("needs a C compiler: the attacker's interpreter is an ELF program")


def sticky_dir(parent, name="pub"):
    """A folder like /tmp: anyone may create in it (1777)."""
    d = os.path.join(parent, name)
    os.mkdir(d)
    os.chmod(d, 0o1777)
    return d


def evil_python(user, marker):
    """Her "interpreter": an ELF program, owned by her, that leaves a marker
    (with the uid it ran as) and then behaves as Debian's python3."""
    need_cc()
    src = os.path.join(user.home, "py.c")
    out = os.path.join(user.home, "python3")
    with open(src, "w") as f:
        f.write('#include <fcntl.h>\n#include <stdio.h>\n#include <unistd.h>\n'
                'int main(int c, char **v) { char p[4096];\n'
                ' snprintf(p, sizeof p, "%%s-%%d", "%s", (int)getuid());\n'
                ' close(open(p, O_CREAT | O_WRONLY, 0644));\n'
                ' v[0] = "%s"; execv("%s", v); return 127; }\n' % (marker, PYTHON, PYTHON))
    subprocess.run([CC, "-o", out, src], check=True, env={"PATH": "/usr/bin:/bin"})
    user.chown(user.home)
    return out


def markers(marker):
    d, base = os.path.split(marker)
    return sorted(n for n in os.listdir(d) if n.startswith(base + "-"))


def py_env(burrow, tmp_path, env, files=None, name="app"):
    wh = tmp_path / "wheelhouse"
    wh.mkdir(exist_ok=True)
    w = build_wheel(wh, name, "1.0", files or {name + "/__init__.py": "X = 1\n"})
    m = tmp_path / (name + ".toml")
    m.write_text('[env]\npython = "%s"\n\n' % PYTHON +
                 manifest_text([str(wh)], [(name, "1.0", [sha256_file(w)])]))
    burrow("create", env, "--manifest", m, check=0)
    return m


def native_env(burrow, tmp_path, env, extra=""):
    tree = make_tree(tmp_path / "tree", {"bin/hello": script("echo hello")})
    f = burrow.pack(tree, "hello", "1.0", tmp_path / "bundles")
    m = tmp_path / "n.toml"
    m.write_text(manifest_text([str(tmp_path / "bundles")], [("hello", "1.0", [sha256(f)])],
                               extra))
    burrow("create", env, "--manifest", m, check=0)
    return m


def lines(p):
    return p.stdout.splitlines()


# ------------------------------------------------------------- leftovers


def test_planted_old_env_is_not_adopted(tmp_path, burrow, shared_tmp, user_factory):
    """She plants /tmp/.app.old-7/ with a state.db naming her program; root's
    install must neither run it nor adopt (nor remove) her directory."""
    her = user_factory()
    pub = sticky_dir(shared_tmp)
    marker = os.path.join(sticky_dir(shared_tmp, "marks"), "ran")
    evil = evil_python(her, marker)
    # her leftover: a real Python env (made by root elsewhere), given to her,
    # with its record pointing at her program
    m = py_env(burrow, tmp_path, tmp_path / "model")
    plant = os.path.join(pub, ".app.old-7")
    shutil.copytree(tmp_path / "model", plant, symlinks=True)
    db = sqlite3.connect(os.path.join(plant, ".burrow", "state.db"))
    db.execute("UPDATE meta SET value = ? WHERE key = 'python'", (evil,))
    db.commit()
    db.close()
    her.chown(plant)
    before = sorted(os.listdir(plant))
    env = os.path.join(pub, "app")
    for cmd in ("install", "create"):
        p = burrow(cmd, env, "--manifest", m)
        assert p.returncode == 6, (cmd, p.stdout, p.stderr)
        assert ".app.old-7" in p.stderr and "uid %d" % her.uid in p.stderr, p.stderr
        assert len(p.stderr.strip().splitlines()) == 1, p.stderr
        assert markers(marker) == [], "her program ran"
        assert not os.path.exists(env), "her directory was adopted"
        assert sorted(os.listdir(plant)) == before and os.lstat(plant).st_uid == her.uid
    # a staging leftover of hers is refused the same way
    os.rename(plant, os.path.join(pub, ".app.staging-x"))
    p = burrow("create", env, "--manifest", m)
    assert p.returncode == 6 and ".app.staging-x" in p.stderr, p.stderr
    assert os.path.isdir(os.path.join(pub, ".app.staging-x"))
    # root's own crashed leftover is still swept (nothing else changed)
    shutil.rmtree(os.path.join(pub, ".app.staging-x"))
    os.mkdir(os.path.join(pub, ".app.staging-mine"))
    burrow("create", env, "--manifest", m, check=0)
    assert not os.path.exists(os.path.join(pub, ".app.staging-mine"))
    assert markers(marker) == []


# ------------------------------------------------------------- the lock


def test_foreign_lock_is_not_used(tmp_path, burrow, shared_tmp, user_factory):
    her = user_factory()
    pub = sticky_dir(shared_tmp)
    tree = make_tree(tmp_path / "tree", {"bin/hello": script("echo hello")})
    f = burrow.pack(tree, "hello", "1.0", tmp_path / "bundles")
    m = tmp_path / "n.toml"
    m.write_text(manifest_text([str(tmp_path / "bundles")], [("hello", "1.0", [sha256(f)])]))
    env = os.path.join(pub, "app")
    lock = os.path.join(pub, ".app.lock")
    # 1. her lock, holding escape sequences as its "pid"
    evil = "\x1b]0;pwned\x07\x1b[2J 4242\n"
    her.run(["sh", "-c", 'printf "%s" "$1" > "$2"', "sh", evil, lock], check=0)
    p = burrow("--wait", "1", "create", env, "--manifest", m)
    assert p.returncode == 6, (p.stdout, p.stderr)
    assert "\x1b" not in p.stderr and "\x07" not in p.stderr, repr(p.stderr)
    assert "lock" in p.stderr and "uid %d" % her.uid in p.stderr, p.stderr
    assert open(lock).read() == evil and os.stat(lock).st_uid == her.uid
    assert not os.path.exists(env)
    os.unlink(lock)
    # 2. a hard link to a file of hers that she wants root to truncate
    precious = os.path.join(her.home, "precious")
    her.run(["sh", "-c", 'echo keep me > "$1" && ln "$1" "$2"', "sh", precious, lock],
            check=0)
    p = burrow("create", env, "--manifest", m)
    assert p.returncode == 6, (p.stdout, p.stderr)
    assert "2 links" in p.stderr, p.stderr
    assert open(precious).read() == "keep me\n"
    os.unlink(lock)
    # 3. a symlink in the lock's place (O_NOFOLLOW)
    her.run(["ln", "-s", precious, lock], check=0)
    p = burrow("create", env, "--manifest", m)
    assert p.returncode == 6 and "symlink" in p.stderr, (p.stdout, p.stderr)
    assert open(precious).read() == "keep me\n"
    os.unlink(lock)
    # then root's own lock works
    burrow("create", env, "--manifest", m, check=0)
    assert os.stat(lock).st_uid == os.geteuid()


def test_held_lock_pid_is_escaped(tmp_path, burrow):
    """Our own lock, held by a process that is not burrow, whose pid text
    holds escapes: exit 7, the holder named as the kernel says (its pid),
    the file's text never printed raw."""
    import fcntl
    env = tmp_path / "app"
    env.mkdir()
    (tmp_path / "m.toml").write_text("")
    lock = tmp_path / ".app.lock"
    lock.write_text("\x1b[31m77\n")
    os.chmod(lock, 0o644)
    with open(lock, "r+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        p = burrow("--wait", "0", "install", env, "--manifest", tmp_path / "m.toml")
    assert p.returncode == 7, (p.stdout, p.stderr)
    assert "\x1b" not in p.stderr and "[31m" not in p.stderr, repr(p.stderr)
    assert "locked by another process (pid %d" % os.getpid() in p.stderr, repr(p.stderr)


# ------------------------------------------------- an env its app user owns


def test_app_user_env_state_db_interpreter(tmp_path, burrow, shared_tmp, user_factory):
    """chown -R app: she rewrites state.db to name her program; root's
    install refuses the env (exit 6) and never runs it."""
    her = user_factory()
    marker = os.path.join(sticky_dir(shared_tmp, "marks"), "ran")
    evil = evil_python(her, marker)
    env = os.path.join(shared_tmp, "app")
    m = py_env(burrow, tmp_path, env)
    her.chown(env)
    q = "UPDATE meta SET value = '%s' WHERE key = 'python'" % evil
    her.run([PYTHON, "-c", "import sqlite3,sys; d=sqlite3.connect(sys.argv[1]); "
             "d.execute(sys.argv[2]); d.commit()", os.path.join(env, ".burrow", "state.db"), q],
            env={"PATH": "/usr/bin:/bin"}, check=0)
    m2 = tmp_path / "m2.toml"
    m2.write_text(m.read_text().replace('python = "%s"\n' % PYTHON, ""))
    for manifest in (m, m2):
        p = burrow("install", env, "--manifest", manifest)
        assert p.returncode == 6, (p.stdout, p.stderr)
        assert "uid %d" % her.uid in p.stderr and "chown -R root:" in p.stderr, p.stderr
        assert markers(marker) == [], "her program ran"
    # list reads state.db: refused the same way
    p = burrow("list", env)
    assert p.returncode == 6 and "uid %d" % her.uid in p.stderr, (p.stdout, p.stderr)
    # given back to root, the env installs again (state.db still names her
    # program, which is then found afresh and refused: not run either)
    subprocess.run(["chown", "-R", "root:root", env], check=True)
    p = burrow("install", env, "--manifest", m2)
    assert p.returncode == 6 and "interpreter %s" % evil in p.stderr, (p.stdout, p.stderr)
    assert markers(marker) == []


def test_interpreter_of_another_user_is_not_run(tmp_path, burrow, shared_tmp, user_factory):
    her = user_factory()
    marker = os.path.join(sticky_dir(shared_tmp, "marks"), "ran")
    evil = evil_python(her, marker)
    p = burrow("create", tmp_path / "a", "--python", evil)
    assert p.returncode == 6, (p.stdout, p.stderr)
    assert "owned by uid %d" % her.uid in p.stderr, p.stderr
    (tmp_path / "m.toml").write_text('[env]\npython = "%s"\n' % evil)
    p = burrow("create", tmp_path / "b", "--manifest", tmp_path / "m.toml")
    assert p.returncode == 6, (p.stdout, p.stderr)
    assert markers(marker) == []
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    # root's own copy, writable by others, is refused too
    mine = tmp_path / "python3"
    shutil.copy(PYTHON, mine)
    os.chmod(mine, 0o777)
    p = burrow("create", tmp_path / "c", "--python", mine)
    assert p.returncode == 6 and "writable by group or others" in p.stderr, p.stderr


def test_check_runs_pth_as_nobody(tmp_path, burrow, shared_tmp, user_factory):
    """Her .pth in an env she can write: root's check still finds it (and
    the leak it makes) but the code runs as nobody, never as root."""
    her = user_factory()
    marks = sticky_dir(shared_tmp, "marks")
    env = os.path.join(shared_tmp, "app")
    py_env(burrow, tmp_path, env)
    her.chown(env)
    pth = os.path.join(env, SITE, "evil.pth")
    her.run(["sh", "-c", 'printf "%s\\n" "$1" "$2" > "$3"', "sh",
             "import os; open('%s/pth-%%d' %% os.getuid(), 'w').close()" % marks,
             "/usr/lib/python3/dist-packages", pth], check=0)
    p = burrow("check", env)
    assert p.returncode == 1, (p.stdout, p.stderr)
    out = lines(p)
    assert any(l.startswith("unsafe: ") and "uid %d" % her.uid in l for l in out), out
    assert any(l.startswith("stray-pth: %s/evil.pth" % SITE) for l in out), out
    assert "leak: sys.path: /usr/lib/python3/dist-packages" in out, out
    ran = os.listdir(marks)
    assert "pth-0" not in ran, "check ran her .pth as root"
    assert ran == ["pth-65534"], ran  # nobody, the probe's user


def test_check_world_writable_site_packages(tmp_path, burrow, shared_tmp, user_factory):
    """A root env with one world-writable directory deep inside: her .pth
    there is found, and runs as nobody, not as root."""
    her = user_factory()
    marks = sticky_dir(shared_tmp, "marks")
    env = os.path.join(shared_tmp, "app")
    py_env(burrow, tmp_path, env)
    sp = os.path.join(env, SITE)
    os.chmod(sp, 0o777)
    her.run(["sh", "-c", 'printf "%s\\n" "$1" > "$2"', "sh",
             "import os; open('%s/pth-%%d' %% os.getuid(), 'w').close()" % marks,
             os.path.join(sp, "evil.pth")], check=0)
    out = lines(burrow("check", env, check=1))
    assert any(l.startswith("unsafe: %s: " % SITE) for l in out), out
    assert any(l.startswith("stray-pth: %s/evil.pth" % SITE) for l in out), out
    assert os.listdir(marks) == ["pth-65534"], os.listdir(marks)


def test_run_facts_appended_lines(tmp_path, burrow, shared_tmp, user_factory):
    her = user_factory()
    env = os.path.join(shared_tmp, "app")
    native_env(burrow, tmp_path, env)
    her.chown(env)
    run = os.path.join(env, ".burrow", "run")
    her.run(["sh", "-c", 'printf "env LD_PRELOAD=/tmp/evil.so\\npath /tmp/evilbin\\n" >> "$1"',
             "sh", run], check=0)
    p = burrow("check", env)
    assert p.returncode == 1, (p.stdout, p.stderr)
    out = lines(p)
    assert any(l.startswith("tampered: .burrow/run: ") and "LD_PRELOAD" in l for l in out), out
    # root's own run refuses the env; run --user her runs with her rights only
    p = burrow("run", env, "--", "hello")
    assert p.returncode == 6 and "uid %d" % her.uid in p.stderr, (p.stdout, p.stderr)
    p = burrow("env", env)
    assert p.returncode == 6, (p.stdout, p.stderr)
    p = burrow("run", "--user", her.name, env, "--", "hello")
    assert p.returncode == 0 and p.stdout == "hello\n", (p.stdout, p.stderr)


def test_run_facts_checked_in_root_env(tmp_path, burrow):
    """Without a second user: a line appended to a root env's .burrow/run
    is reported too (the facts are regenerated from manifest.toml)."""
    env = tmp_path / "app"
    native_env(burrow, tmp_path, env, extra='[run]\nenv = { A = "1" }\n')
    burrow("check", env, check=0)
    with open(env / ".burrow" / "run", "a") as f:
        f.write("path /tmp/evilbin\n")
    out = lines(burrow("check", env, check=1))
    assert any(l.startswith("tampered: .burrow/run: ") and "evilbin" in l for l in out), out


def test_planted_files_anywhere_are_reported(tmp_path, burrow, shared_tmp, user_factory):
    her = user_factory()
    env = os.path.join(shared_tmp, "app")
    py_env(burrow, tmp_path, env)
    burrow("check", env, check=0)
    her.chown(env)
    her.run(["sh", "-c", 'mkdir -p "$1/lib" && echo x > "$1/lib/libc.so.6" && '
             'echo y > "$1/.burrow/extra" && echo z > "$1/share-me"', "sh", env], check=0)
    out = lines(burrow("check", env, check=1))
    for rel in ("lib/libc.so.6", ".burrow/extra", "share-me"):
        assert any(l.startswith("unrecorded: %s: " % rel) for l in out), (rel, out)
    # root's own env with the same plants: reported, and nothing unsafe
    subprocess.run(["chown", "-R", "root:root", env], check=True)
    out = lines(burrow("check", env, check=1))
    assert any(l.startswith("unrecorded: lib/libc.so.6") for l in out), out
    assert not any(l.startswith("unsafe:") for l in out), out


# ------------------------------------------------------------- env paths


@pytest.mark.parametrize("kind", ["native", "python"])
def test_env_path_with_colon_or_newline(tmp_path, burrow, kind):
    tree = make_tree(tmp_path / "tree", {"bin/hello": script("echo hello")})
    f = burrow.pack(tree, "hello", "1.0", tmp_path / "bundles")
    m = tmp_path / "m.toml"
    head = '[env]\npython = "%s"\n\n' % PYTHON if kind == "python" else ""
    m.write_text(head + manifest_text([str(tmp_path / "bundles")],
                                      [("hello", "1.0", [sha256(f)])]))
    for name in ("co:lon", "new\nline"):
        env = tmp_path / name
        p = burrow("create", env, "--manifest", m)
        assert p.returncode == 2, (name, p.stdout, p.stderr)
        assert len(p.stderr.strip().splitlines()) == 1, p.stderr
        assert "':'" in p.stderr
        assert not env.exists()
    # a relative name below a folder whose path holds ':'
    d = tmp_path / "x:y"
    d.mkdir()
    p = burrow("create", "app", "--manifest", m, cwd=d)
    assert p.returncode == 2 and "x:y" in p.stderr, p.stderr
    assert not (d / "app").exists()
    # an env moved there later is refused by run
    burrow("create", tmp_path / "ok", "--manifest", m, check=0)
    os.rename(tmp_path / "ok", d / "ok")
    p = burrow("run", d / "ok", "--", "hello")
    assert p.returncode == 2 and "':'" in p.stderr, (p.stdout, p.stderr)


# ---------------------------------------------------------- credentials


class AuthIndex:
    """An index on loopback that logs each request's Authorization header;
    its page links to the files folder.  trickle: seconds between 1 KiB
    chunks of a page that never ends (2 KiB/s at 0.5)."""

    def __init__(self, files, trickle=None):
        self.log = []
        srv = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                srv.log.append((self.path, self.headers.get("Authorization")))
                if self.path.startswith("/simple/"):
                    if trickle:
                        self.send_response(200)
                        self.send_header("Content-Type", "text/html")
                        self.send_header("Content-Length", str(10 << 20))
                        self.end_headers()
                        try:
                            while True:
                                self.wfile.write(b" " * 1024)
                                self.wfile.flush()
                                time.sleep(trickle)
                        except OSError:
                            return
                    body = "".join('<a href="/files/%s#sha256=%s">%s</a>\n' % (
                        n, sha256(os.path.join(files, n)), n) for n in os.listdir(files))
                    data = ("<html><body>%s</body></html>" % body).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("ETag", '"e1"')
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                p = os.path.join(files, os.path.basename(self.path))
                if self.path.startswith("/files/") and os.path.isfile(p):
                    data = open(p, "rb").read()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                self.send_error(404)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def hello_files(tmp_path, burrow):
    tree = make_tree(tmp_path / "tree", {"bin/hello": script("echo hello")})
    f = burrow.pack(tree, "hello", "1.0", tmp_path / "files")
    return tmp_path / "files", ("hello", "1.0", [sha256(f)])


def stored_pages(tmp_path):
    db = tmp_path / "cache" / "cache.db"
    if not db.exists():
        return []
    c = sqlite3.connect(str(db))
    try:
        return c.execute("SELECT url FROM index_pages").fetchall()
    finally:
        c.close()


def test_netrc_page_is_not_stored(tmp_path, burrow, hello_files):
    files, pin = hello_files
    srv = AuthIndex(str(files))
    try:
        netrc = tmp_path / "home" / ".netrc"
        netrc.write_text("machine 127.0.0.1\n  login alice\n  password n3trc-secret\n")
        os.chmod(netrc, 0o600)
        m = tmp_path / "m.toml"
        m.write_text(manifest_text(["http://127.0.0.1:%d/simple/" % srv.port], [pin]))
        burrow("fetch", "--manifest", m, check=0)
        # the credentials went with the request ...
        assert srv.log[0][0] == "/simple/hello/" and srv.log[0][1], srv.log
        assert srv.log[0][1].startswith("Basic "), srv.log
        # ... so the page is not kept, and offline has nothing to read
        assert stored_pages(tmp_path) == []
        for n in os.listdir(tmp_path / "cache"):
            if n.startswith("cache.db"):
                assert b"n3trc-secret" not in (tmp_path / "cache" / n).read_bytes()
        m2 = tmp_path / "m2.toml"
        m2.write_text(manifest_text(["http://127.0.0.1:%d/simple/" % srv.port],
                                    [("other", "1.0", ["0" * 64])]))
        p = burrow("--offline", "fetch", "--manifest", m2)
        assert p.returncode == 5 and "offline" in p.stderr, p.stderr
        # without a netrc entry for the host the page is stored, as before
        netrc.write_text("machine elsewhere.example login a password b\n")
        # cache trees are read-only: writable again first, as without root
        # nothing else may remove them
        subprocess.run(["chmod", "-R", "u+w", str(tmp_path / "cache")], check=True)
        shutil.rmtree(tmp_path / "cache")
        burrow("fetch", "--manifest", m, check=0)
        assert srv.log[-2][1] is None, srv.log
        assert len(stored_pages(tmp_path)) == 1
    finally:
        srv.close()


@pytest.mark.parametrize("userinfo,secret", [
    ("u:pa/ss@", "pa/ss"),
    ("u:p@ss@", "p@ss"),
    ("u:p/a@b@", "p/a@b"),
    ("tok3n@", "tok3n"),
    ("u:@", "u:@"),
    ("u:p?q#r@", "p?q"),
])
def test_redaction_of_every_userinfo_form(tmp_path, burrow, userinfo, secret):
    """A closed loopback port: the transfer fails and its message names the
    URL, without the userinfo."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    m = tmp_path / "m.toml"
    m.write_text(manifest_text(["http://%s127.0.0.1:%d/simple/" % (userinfo, port)],
                               [("hello", "1.0", ["0" * 64])]))
    p = burrow("fetch", "--manifest", m, env={"BURROW_RETRIES": "0",
                                              "BURROW_CONNECT_TIMEOUT": "5"})
    assert p.returncode in (3, 5), (p.stdout, p.stderr)
    assert secret not in p.stderr, p.stderr


def test_trickled_page_is_cut_by_burrow_timeout(tmp_path, burrow, hello_files):
    """2 KiB/s is above the stall limit (1 KiB/s): only the overall
    per-transfer deadline stops it."""
    files, pin = hello_files
    srv = AuthIndex(str(files), trickle=0.5)
    try:
        m = tmp_path / "m.toml"
        m.write_text(manifest_text(["http://127.0.0.1:%d/simple/" % srv.port], [pin]))
        p = burrow("fetch", "--manifest", m, env={"BURROW_TIMEOUT": "3"}, timeout=90)
        assert p.returncode == 5, (p.stdout, p.stderr)
        assert "deadline of 3 s exceeded" in p.stderr, p.stderr
    finally:
        srv.close()


# ------------------------------------------------------------- allowlist


def test_allowlist_values(tmp_path, burrow):
    env = tmp_path / "app"
    native_env(burrow, tmp_path, env)
    caller = {"LANG": "/tmp/evil", "LC_ALL": "../../x", "LC_CTYPE": "C.UTF-8",
              "TZ": "/tmp/x", "TERM": "../../x", "TMPDIR": "/nonexistent-dir",
              "LANGUAGE": "en_US:en", "PYTHONPATH": "/x", "GCONV_PATH": "/x"}
    out = dict(l.split("=", 1) for l in burrow("env", env, env=caller, check=0)
               .stdout.splitlines())
    for k in ("LANG", "LC_ALL", "TZ", "TERM", "TMPDIR", "PYTHONPATH", "GCONV_PATH"):
        assert k not in out, (k, out)
    assert out["LC_CTYPE"] == "C.UTF-8" and out["LANGUAGE"] == "en_US:en"
    good = {"TZ": "Europe/Paris", "TERM": "xterm", "TMPDIR": str(tmp_path), "LANG": "C.UTF-8"}
    out = dict(l.split("=", 1) for l in burrow("env", env, env=good, check=0)
               .stdout.splitlines())
    assert {k: out.get(k) for k in good} == good
    for var in ("PYTHONPATH", "GCONV_PATH", "GLIBC_TUNABLES", "LOCPATH", "MALLOC_ARENA_MAX",
                "BASH_ENV", "ENV", "LD_AUDIT"):
        p = burrow("run", "--keep", var, env, "--", "hello", env={var: "/x"})
        assert p.returncode == 2 and var in p.stderr, (var, p.stderr)
    # --env sets one explicitly, as before
    p = burrow("env", "--env", "PYTHONPATH=/explicit", env, check=0)
    assert "PYTHONPATH=/explicit" in p.stdout.splitlines()
    # [run].pass refuses them at parse time (exit 3, naming the line)
    m = tmp_path / "p.toml"
    m.write_text('[run]\npass = ["DATABASE_URL", "PYTHONPATH"]\n')
    p = burrow("create", tmp_path / "p", "--manifest", m)
    assert p.returncode == 3 and "p.toml:2:" in p.stderr and "PYTHONPATH" in p.stderr, p.stderr


def test_tmpdir_only_when_the_target_user_can_write_it(tmp_path, burrow, shared_tmp,
                                                       user_factory):
    her = user_factory()
    env = os.path.join(shared_tmp, "app")
    tree = make_tree(tmp_path / "tree", {"bin/show": script('echo "TMPDIR=${TMPDIR-unset}"')})
    f = burrow.pack(tree, "show", "1.0", tmp_path / "bundles")
    m = tmp_path / "m.toml"
    m.write_text(manifest_text([str(tmp_path / "bundles")], [("show", "1.0", [sha256(f)])]))
    burrow("create", env, "--manifest", m, check=0)
    roots = os.path.join(shared_tmp, "roots")
    os.mkdir(roots, 0o755)
    hers = os.path.join(shared_tmp, "hers")
    os.mkdir(hers, 0o700)
    os.chown(hers, her.uid, her.gid)
    p = burrow("run", "--user", her.name, env, "--", "show", env={"TMPDIR": roots}, check=0)
    assert p.stdout == "TMPDIR=unset\n", p.stdout
    p = burrow("run", "--user", her.name, env, "--", "show", env={"TMPDIR": hers}, check=0)
    assert p.stdout == "TMPDIR=%s\n" % hers, p.stdout
    p = burrow("run", env, "--", "show", env={"TMPDIR": roots}, check=0)
    assert p.stdout == "TMPDIR=%s\n" % roots, p.stdout
    # --env sets it as given
    p = burrow("run", "--user", her.name, "--env", "TMPDIR=" + roots, env, "--", "show",
               check=0)
    assert p.stdout == "TMPDIR=%s\n" % roots, p.stdout


def test_compile_env_path_with_a_quote_runs_no_shell(tmp_path, burrow):
    """--compile records the .pyc files it made; an env path holding a
    quote and a command substitution must stay a path (no shell)."""
    witness = tmp_path / "witness"
    env = tmp_path / "a'$(touch witness)'b"
    wh = tmp_path / "wheelhouse"
    wh.mkdir()
    w = build_wheel(wh, "comp", "1.0", {"comp/__init__.py": "X = 1\n"})
    m = tmp_path / "m.toml"
    m.write_text('[env]\npython = "%s"\n\n' % PYTHON +
                 manifest_text([str(wh)], [("comp", "1.0", [sha256_file(w)])]))
    burrow("create", env, "--manifest", m, "--compile", check=0, cwd=tmp_path)
    assert not witness.exists(), "a shell ran the env path"
    db = sqlite3.connect(str(env / ".burrow" / "state.db"))
    rows = [r[0] for r in db.execute("SELECT path FROM files WHERE path LIKE '%.pyc'")]
    db.close()
    assert rows and all("/__pycache__/" in r for r in rows), rows
    burrow("check", env, check=0)


def test_check_pyvenv_cfg(tmp_path, burrow):
    """pyvenv.cfg is not recorded (burrow writes it), so check compares it
    with what it must say: a home elsewhere moves the stdlib."""
    env = tmp_path / "app"
    py_env(burrow, tmp_path, env)
    burrow("check", env, check=0)
    cfg = env / "pyvenv.cfg"
    text = cfg.read_text()
    home = [l for l in text.splitlines() if l.startswith("home = ")][0]
    cfg.write_text(text.replace(home, "home = /tmp/evil"))
    out = lines(burrow("check", env, check=1))
    assert any(l.startswith("tampered: pyvenv.cfg: home = /tmp/evil") for l in out), out
    cfg.write_text(text.replace("include-system-site-packages = false",
                                "include-system-site-packages = true"))
    out = lines(burrow("check", env, check=1))
    assert any(l.startswith("tampered: pyvenv.cfg: include-system") for l in out), out
    cfg.write_text(text + "extra = 1\n")
    out = lines(burrow("check", env, check=1))
    assert any(l.startswith("tampered: pyvenv.cfg: a line") for l in out), out
    cfg.write_text(text)
    burrow("check", env, check=0)
