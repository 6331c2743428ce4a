"""A new user's first hour (issue 11, item 4): what a newcomer meets first,
tried the way a newcomer tries it: typos, the quick start, manifests in
any format or on stdin, missing envs, an unwritable HOME."""

import os
import re

from conftest import BURROW  # noqa: F401


# ---- typos: did you mean, one line, no usage dump ----

def test_unknown_command_suggests_and_is_short(burrow):
    p = burrow("instal", "/tmp/x")
    assert p.returncode == 2
    assert 'unknown command "instal" (did you mean "install"?)' in p.stderr
    # one line and a pointer to help, not the 40-line overview
    assert len(p.stderr.splitlines()) <= 2, p.stderr
    assert "global options" not in p.stderr
    p = burrow("frobnicate")
    assert p.returncode == 2 and "did you mean" not in p.stderr
    assert len(p.stderr.splitlines()) <= 2, p.stderr


def test_unknown_option_suggests(burrow, tmp_path):
    p = burrow("create", tmp_path / "e", "--manifets", "m.toml")
    assert p.returncode == 2
    assert "unknown option --manifets (did you mean --manifest?)" in p.stderr
    p = burrow("fetch", "--find-link", "w")
    assert p.returncode == 2 and "(did you mean --find-links?)" in p.stderr
    p = burrow("--ofline", "list", tmp_path)
    assert p.returncode == 2 and "(did you mean --offline?)" in p.stderr
    assert "global options" not in p.stderr
    p = burrow("list", "--jsn", tmp_path)
    assert p.returncode == 2 and "(did you mean --json?)" in p.stderr
    p = burrow("help", "creat")
    assert p.returncode == 2 and '(did you mean "create"?)' in p.stderr
    # run and env are answered by the libc-only front binary: its own list
    p = burrow("run", "--kep", "X", tmp_path, "--", "true")
    assert p.returncode == 2 and "(did you mean --keep?)" in p.stderr, p.stderr
    p = burrow("env", "--jsn", tmp_path)
    assert p.returncode == 2 and "(did you mean --json?)" in p.stderr, p.stderr
    p = burrow("run", "--x\x1b[31m", tmp_path, "--", "true")
    assert p.returncode == 2 and "\x1b" not in p.stderr and "--x\\x1b[31m" in p.stderr


def test_bad_number_said_once(burrow, tmp_path):
    for argv in (["--jobs", "abc", "list", tmp_path], ["list", tmp_path, "--jobs", "abc"],
                 ["--jobs=abc", "run", tmp_path, "--", "true"]):
        p = burrow(*argv)
        assert p.returncode == 2, argv
        assert p.stderr.count("--jobs") == 1, (argv, p.stderr)


def test_manifest_key_suggested(burrow, tmp_path):
    m = tmp_path / "app.toml"
    m.write_text('[[bundle]]\nname = "a"\nversion = "1.0"\nhash = ["sha256:%s"]\n' % ("0" * 64))
    p = burrow("fetch", "--manifest", m)
    assert p.returncode == 3
    assert re.search(r'app\.toml:4:1: unknown key "hash" in \[\[bundle\]\] '
                     r'\(did you mean "hashes"\?\)', p.stderr), p.stderr
    m.write_text('[[bundles]]\nname = "a"\n')
    p = burrow("fetch", "--manifest", m)
    assert p.returncode == 3 and '(did you mean "bundle"?)' in p.stderr, p.stderr
    m.write_text('[run]\nlibrary_paths = true\n')
    p = burrow("fetch", "--manifest", m)
    assert p.returncode == 3 and '(did you mean "library_path"?)' in p.stderr, p.stderr


# ---- the manifest format comes from the content; "-" is stdin ----

def _wheels(tmp_path):
    import sys
    sys.path.insert(0, os.path.dirname(__file__))
    from wheels import build_wheel, sha256_file
    wh = tmp_path / "wheelhouse"
    wh.mkdir(exist_ok=True)
    a = build_wheel(wh, "alpha", "1.0", {"alpha.py": "A = 1\n"})
    return wh, a, sha256_file(a)


def test_requirements_under_any_name(burrow, tmp_path):
    wh, a, h = _wheels(tmp_path)
    lock = tmp_path / "requirements.lock"
    lock.write_text("# pinned by pip-compile\nalpha==1.0 --hash=sha256:%s\n" % h)
    e = tmp_path / "env"
    p = burrow("create", e, "--python", "/usr/bin/python3", "--manifest", lock,
               "--find-links", wh)
    assert p.returncode == 0, p.stderr
    assert burrow("list", e, check=0).stdout == "alpha 1.0\n"
    # and a TOML manifest named .txt is TOML
    t = tmp_path / "app.txt"
    t.write_text('[env]\npython = "/usr/bin/python3"\n[[repository]]\nurl = "%s"\n'
                 '[[bundle]]\nname = "alpha"\nversion = "1.0"\nhashes = ["sha256:%s"]\n' % (wh, h))
    p = burrow("create", tmp_path / "env2", "--manifest", t)
    assert p.returncode == 0, p.stderr


def test_error_names_the_format(burrow, tmp_path):
    lock = tmp_path / "requirements.lock"
    for text in ("alpha>=1.0 --hash=sha256:%s\n" % ("0" * 64), "alpha==1.0\n"):
        lock.write_text(text)
        p = burrow("fetch", "--manifest", lock)
        assert p.returncode == 3
        assert "requirements.lock:1:1: " in p.stderr, p.stderr
        assert "(read as a pip requirements file)" in p.stderr, p.stderr
    t = tmp_path / "app.conf"
    t.write_text('[env]\npython = 3\n')
    p = burrow("fetch", "--manifest", t)
    assert p.returncode == 3 and "(read as burrow's TOML manifest)" in p.stderr, p.stderr
    pl = tmp_path / "lock.toml"
    pl.write_text('lock-version = "1.0"\ncreated-by = "x"\nbogus = 1\n')
    p = burrow("fetch", "--manifest", pl)
    assert p.returncode == 3 and "(read as a PEP 751 lock file)" in p.stderr, p.stderr


def test_manifest_on_stdin(burrow, tmp_path):
    wh, a, h = _wheels(tmp_path)
    e = tmp_path / "env"
    text = "--find-links %s\nalpha==1.0 --hash=sha256:%s\n" % (wh, h)
    p = burrow("create", e, "--python", "/usr/bin/python3", "--manifest", "-", input=text)
    assert p.returncode == 0, p.stderr
    assert burrow("list", e, check=0).stdout == "alpha 1.0\n"
    # the bytes read are what the env records, and the same bytes are a no-op
    assert (e / ".burrow" / "manifest.toml").read_text() == text
    p = burrow("install", e, "--python", "/usr/bin/python3", "--manifest", "-", input=text)
    assert p.returncode == 0 and "nothing to do" in p.stderr, p.stderr
    # TOML on stdin: relative repository paths from the working directory
    toml = ('[env]\npython = "/usr/bin/python3"\n[[repository]]\nurl = "wheelhouse"\n'
            '[[bundle]]\nname = "alpha"\nversion = "1.0"\nhashes = ["sha256:%s"]\n' % h)
    p = burrow("create", tmp_path / "env2", "--manifest", "-", input=toml, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    p = burrow("fetch", "--manifest", "-", input="alpha>=1\n")
    assert p.returncode == 3 and "<stdin>:1:" in p.stderr, p.stderr


def test_requirements_without_python_suggests_the_flag(burrow, tmp_path):
    wh, a, h = _wheels(tmp_path)
    req = tmp_path / "requirements.txt"
    req.write_text("alpha==1.0 --hash=sha256:%s\n" % h)
    p = burrow("create", tmp_path / "env", "--manifest", req, "--find-links", wh)
    assert p.returncode == 4
    assert "--python python3" in p.stderr, p.stderr
    assert not (tmp_path / "env").exists()


# ---- pack: a real version, a clean path ----

def test_pack_wants_a_pep440_version(burrow, tmp_path):
    tree = tmp_path / "out" / "mytool"
    (tree / "bin").mkdir(parents=True)
    (tree / "bin" / "mytool").write_text("#!/bin/sh\necho hi\n")
    for bad in ("latest", "1.0-beta-x", "v1..2"):
        p = burrow("pack", tree, "--name", "mytool", "--version", bad, "-o", tmp_path / "wh")
        assert p.returncode == 2, (bad, p.stderr)
        assert 'invalid version "%s"' % bad in p.stderr and "PEP 440" in p.stderr
    assert not list(tmp_path.glob("wh/*.tar.*"))
    # -o with a trailing slash: the printed path has no "//", and it exists
    p = burrow("pack", tree, "--name", "mytool", "--version", "1.2.0", "-o",
               str(tmp_path / "wh") + "/", check=0)
    out = p.stdout.strip()
    assert "//" not in out and os.path.isfile(out), out
    p = burrow("pack", "out/mytool", "--name", "mytool", "--version", "1.2.0rc1", "-o",
               "wh2//", cwd=tmp_path, check=0)
    assert p.stdout.startswith("wh2/mytool-1.2.0rc1-") and "//" not in p.stdout
    # index lists what pack made (before: "latest" was packed, then skipped)
    burrow("index", tmp_path / "wh", check=0)
    assert "mytool-1.2.0-" in (tmp_path / "wh" / "simple" / "mytool" / "index.html").read_text()


# ---- --json where a command prints data; sizes for people ----

def test_env_json(burrow, tmp_path):
    import json
    e = tmp_path / "env"
    burrow("create", e, check=0)
    odd = 'a"b\\c\x01\xe9'
    plain = burrow("env", e, "--env", "X=" + odd, check=0).stdout
    p = burrow("env", e, "--json", "--env", "X=" + odd, check=0)
    got = json.loads(p.stdout)
    assert got["X"] == odd and got["PATH"].startswith(str(e) + "/bin:")
    assert list(got.items()) == [tuple(line.split("=", 1)) for line in plain.splitlines()
                                 if "=" in line and not line.startswith("X=")] + [("X", odd)]
    # bytes that are not UTF-8 cannot be JSON text: U+FFFD, and still valid JSON
    p = subprocess_run([BURROW, "--json", "env", str(e), "--env", "Y=\udcff"], burrow)
    assert json.loads(p)["Y"] == "\ufffd"


def subprocess_run(argv, burrow):
    import subprocess
    return subprocess.run(argv, env=burrow.env, capture_output=True, check=True,
                          timeout=60).stdout.decode()


def test_cache_info_json_and_human_sizes(burrow, tmp_path):
    import json
    wh, a, h = _wheels(tmp_path)
    blob = tmp_path / "blob"
    (blob / "share").mkdir(parents=True)
    (blob / "share" / "big").write_bytes(os.urandom(3 << 20))
    w = burrow.pack(blob, "big", "1.0", tmp_path / "wh", compression="gz")
    from conftest import sha256
    req = tmp_path / "app.toml"
    req.write_text('[[repository]]\nurl = "%s"\n[[bundle]]\nname = "big"\nversion = "1.0"\n'
                   'hashes = ["sha256:%s"]\n' % (tmp_path / "wh", sha256(w)))
    burrow("fetch", "--manifest", req, check=0)
    info = burrow("cache", "info", check=0).stdout
    assert re.search(r"^archives: 1 \(3\.0 MiB\)$", info, re.M), info
    j = json.loads(burrow("cache", "info", "--json", check=0).stdout)
    assert j["archives"] == 1 and j["archive_bytes"] == os.path.getsize(w)
    assert j["trees"] == 1 and j["dir"] == burrow.env["BURROW_CACHE_DIR"]


# ---- missing envs, leftovers, parents ----

def test_missing_env_same_message_everywhere(burrow, tmp_path):
    tmp_path = tmp_path / "w"  # the cache lives beside it
    tmp_path.mkdir()
    m = tmp_path / "m.toml"
    m.write_text("")
    before = sorted(os.listdir(tmp_path))
    for argv in (["install", "nope", "--manifest", m], ["run", "nope", "--", "true"],
                 ["list", "nope"], ["check", "nope"], ["env", "nope"]):
        p = burrow(*argv, cwd=tmp_path)
        assert p.returncode == 1, (argv, p.stderr)
        assert p.stderr == "burrow: error: nope: no such env (use burrow create to make it)\n", \
            (argv, p.stderr)
    # the refused install left no .nope.lock (nor anything else) behind
    assert sorted(os.listdir(tmp_path)) == before


def test_create_makes_parents_and_removes_them_on_failure(burrow, tmp_path):
    tmp_path = tmp_path / "w"  # the cache lives beside it
    tmp_path.mkdir()
    p = burrow("create", "a/b/c", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "a/b/c/.burrow/state.db").is_file()
    assert burrow("list", tmp_path / "a/b/c", check=0).stdout == ""
    # a create that fails leaves neither the env, nor its lock, nor the
    # folders it made
    m = tmp_path / "m.toml"
    m.write_text('[[bundle]]\nname = "ghost"\nversion = "1.0"\nhashes = ["sha256:%s"]\n' % ("0" * 64))
    before = sorted(os.listdir(tmp_path))
    p = burrow("create", "x/y/z", "--manifest", m, cwd=tmp_path)
    assert p.returncode == 4, p.stderr
    assert sorted(os.listdir(tmp_path)) == before
    # an existing parent is kept, only the lock beside the failed env goes
    p = burrow("create", tmp_path / "a" / "d" / "e", "--manifest", m)
    assert p.returncode == 4
    assert sorted(os.listdir(tmp_path / "a")) == ["b"]
    # a parent that cannot be made is named
    (tmp_path / "file").write_text("")
    p = burrow("create", tmp_path / "file" / "env")
    assert p.returncode == 1 and "file/env: parent directory: Not a directory" in p.stderr, \
        p.stderr


# ---- an unwritable HOME ----

def test_unwritable_home_names_cache_dir(request, shared_tmp, tmp_path):
    """As a real unprivileged user (root writes anywhere): HOME is a folder
    the user cannot write, as for a container USER without a home."""
    home = os.path.join(shared_tmp, "home")
    os.mkdir(home)
    os.chmod(home, 0o555)
    work = os.path.join(shared_tmp, "work")
    os.mkdir(work)
    env = {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8",
           "ASAN_OPTIONS": "detect_leaks=1:verify_asan_link_order=0"}
    if os.geteuid() == 0:
        user = request.getfixturevalue("user_factory")()
        user.chown(work)
        run = user.run
    else:
        import subprocess

        def run(argv, env=None):
            return subprocess.run(list(map(str, argv)), env=env, capture_output=True,
                                  text=True, timeout=120)
    m = os.path.join(work, "m.toml")
    with open(m, "w") as f:
        f.write('[[bundle]]\nname = "a"\nversion = "1.0"\nhashes = ["sha256:%s"]\n' % ("0" * 64))
    for argv in ([BURROW, "create", os.path.join(work, "env"), "--manifest", m],
                 [BURROW, "cache", "info"]):
        p = run(argv, env=env)
        assert p.returncode == 1, (argv, p.stderr)
        assert "--cache-dir" in p.stderr and "BURROW_CACHE_DIR" in p.stderr, p.stderr
        assert home in p.stderr
        assert len(p.stderr.splitlines()) == 1, p.stderr
    assert os.listdir(work) == ["m.toml"]
    # and the way out it names works
    p = run([BURROW, "--cache-dir", os.path.join(work, "cache"), "cache", "info"], env=env)
    assert p.returncode == 0, p.stderr


# ---- the environment: every variable documented, index and links, NETRC ----

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src")


def test_every_burrow_variable_documented(burrow):
    names = set()
    for d in (SRC, os.path.join(SRC, "util")):
        for f in os.listdir(d):
            if f.endswith(".c"):
                with open(os.path.join(d, f)) as fh:
                    names |= set(re.findall(r'"(BURROW_[A-Z0-9_]+)"', fh.read()))
    assert {"BURROW_CACHE_DIR", "BURROW_INDEX_URL", "BURROW_RETRIES"} <= names, names
    overview = burrow("--help", check=0).stdout
    man = burrow("help", "--man", check=0).stdout
    for n in sorted(names):
        assert n in overview, n
        assert n in man, n
    assert "NETRC" in overview and "NETRC" in man


def _pinned(tmp_path, wh, h):
    m = tmp_path / "app.toml"
    m.write_text('[env]\npython = "/usr/bin/python3"\n[[bundle]]\nname = "alpha"\n'
                 'version = "1.0"\nhashes = ["sha256:%s"]\n' % h)
    return m


def test_index_url_and_find_links_from_the_environment(burrow, tmp_path, server_factory):
    wh, a, h = _wheels(tmp_path)
    m = _pinned(tmp_path, wh, h)
    # BURROW_FIND_LINKS alone names the wheelhouse (whitespace around is fine)
    p = burrow("create", tmp_path / "e1", "--manifest", m,
               env={"BURROW_FIND_LINKS": "  %s\n" % wh})
    assert p.returncode == 0, p.stderr
    # BURROW_INDEX_URL: a static index on loopback
    burrow("index", wh, check=0)
    srv = server_factory(wh)
    p = burrow("create", tmp_path / "e2", "--manifest", m,
               env={"BURROW_INDEX_URL": srv.url("simple/"), "BURROW_CACHE_DIR": str(tmp_path / "c2")})
    assert p.returncode == 0, p.stderr
    # a flag wins over its variable, as with pip
    p = burrow("create", tmp_path / "e3", "--manifest", m, "--find-links", wh,
               env={"BURROW_FIND_LINKS": str(tmp_path / "nowhere"),
                    "BURROW_CACHE_DIR": str(tmp_path / "c3")})
    assert p.returncode == 0, p.stderr


def test_netrc_is_honoured(burrow, tmp_path):
    import base64
    import functools
    import http.server
    import threading
    wh, a, h = _wheels(tmp_path)
    burrow("index", wh, check=0)
    seen = []

    class Auth(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            want = "Basic " + base64.b64encode(b"ci:s3cret").decode()
            seen.append(self.headers.get("Authorization"))
            if self.headers.get("Authorization") != want:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="x"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            super().do_GET()

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(Auth, directory=str(wh)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = "http://127.0.0.1:%d/simple/" % httpd.server_address[1]
        m = _pinned(tmp_path, wh, h)
        netrc = tmp_path / "ci-netrc"
        netrc.write_text("machine 127.0.0.1 login ci password s3cret\n")
        netrc.chmod(0o600)
        # without credentials: refused by the server
        p = burrow("create", tmp_path / "e0", "--manifest", m, "--index-url", url)
        assert p.returncode in (4, 5) and not (tmp_path / "e0").exists(), p.stderr
        # NETRC names the file (HOME has no .netrc)
        p = burrow("create", tmp_path / "e1", "--manifest", m, "--index-url", url,
                   env={"NETRC": str(netrc)})
        assert p.returncode == 0, p.stderr
        assert "s3cret" not in p.stderr
    finally:
        httpd.shutdown()
        httpd.server_close()


# ---- zsh and fish completion, asked of the real shells ----

ZCOMP = r'''
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "bindkey -e; PS1=''; autoload -U compinit; compinit -u -D; source ${(q)2}; dumpbuf() { print -r -- \"\$BUFFER\" > ${(q)3}; }; zle -N dumpbuf; bindkey '^X' dumpbuf; print READY"
zpty -r z line '*READY*'
zpty -w -n z "$1"$'\t'
sleep 0.3
zpty -w -n z $'\x18'
for i in {1..100}; do [[ -s $3 ]] && break; sleep 0.1; done
zpty -d z
cat $3
'''


def test_zsh_completion_completes(burrow, tmp_path):
    import shutil
    import subprocess
    import pytest
    if not shutil.which("zsh"):
        pytest.skip("needs zsh (scripts/install-deps installs it)")
    script = tmp_path / "_burrow"
    script.write_text(burrow("help", "--completion", "zsh", check=0).stdout)
    assert subprocess.run(["zsh", "-n", str(script)], timeout=30).returncode == 0
    driver = tmp_path / "zcomp.zsh"
    driver.write_text(ZCOMP)
    (tmp_path / "envdir").mkdir()
    for typed, want in (("burrow cre", "burrow create "),
                        ("burrow create --manif", "burrow create --manifest="),
                        ("burrow cache i", "burrow cache info "),
                        ("burrow --off", "burrow --offline "),
                        ("burrow --progress=pl", "burrow --progress=plain "),
                        ("burrow run --us", "burrow run --user="),
                        ("burrow list envd", "burrow list envdir/")):
        out = tmp_path / "out"
        if out.exists():
            out.unlink()
        p = subprocess.run(["zsh", "-f", str(driver), typed, str(script), str(out)],
                           capture_output=True, text=True, timeout=60, cwd=tmp_path,
                           env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TERM": "dumb"})
        assert p.stdout.rstrip("\n") == want, (typed, p.stdout, p.stderr)


def test_fish_completion_completes(burrow, tmp_path):
    import shutil
    import subprocess
    import pytest
    if not shutil.which("fish"):
        pytest.skip("needs fish (scripts/install-deps installs it)")
    script = tmp_path / "burrow.fish"
    script.write_text(burrow("help", "--completion", "fish", check=0).stdout)

    def complete(line):
        p = subprocess.run(["fish", "--no-config", "-c",
                            "source %s; complete -C %s" % (script, shlex_quote(line))],
                           capture_output=True, text=True, timeout=60,
                           env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
        assert p.returncode == 0 and p.stderr == "", p.stderr
        return [w.split("\t")[0] for w in p.stdout.splitlines()]
    assert complete("burrow cre") == ["create"]
    assert "--manifest" in complete("burrow create --man")
    assert complete("burrow cache ") == ["clean", "dir", "info"]
    assert complete("burrow --progress ") == ["auto", "none", "plain"]
    assert "--user" in complete("burrow run --us")
    assert "--link-mode" not in complete("burrow run --")


def shlex_quote(s):
    import shlex
    return shlex.quote(s)


# ---- list --format=requirements: an env re-created elsewhere ----

def test_list_requirements_round_trip(burrow, tmp_path):
    import sys
    sys.path.insert(0, os.path.dirname(__file__))
    from wheels import build_wheel, sha256_file
    wh = tmp_path / "wheelhouse"
    wh.mkdir()
    a = build_wheel(wh, "Alpha_Pkg", "1.0.post1", {"alpha_pkg.py": "A = 1\n"}, requires=["beta>=2"])
    b = build_wheel(wh, "beta", "2.1", {"beta.py": "B = 2\n"})
    m = tmp_path / "app.toml"
    m.write_text('[env]\npython = "/usr/bin/python3"\n[[repository]]\nurl = "%s"\n' % wh
                 + "".join('[[bundle]]\nname = "%s"\nversion = "%s"\nhashes = ["sha256:%s"]\n'
                           % (n, v, sha256_file(w))
                           for n, v, w in (("Alpha_Pkg", "1.0.post1", a), ("beta", "2.1", b))))
    e1 = tmp_path / "e1"
    burrow("create", e1, "--manifest", m, check=0)
    p = burrow("list", e1, "--format=requirements", check=0)
    assert "Alpha_Pkg==1.0.post1 \\\n    --hash=sha256:%s\n" % sha256_file(a) in p.stdout, p.stdout
    req = tmp_path / "elsewhere" / "requirements.txt"
    req.parent.mkdir()
    req.write_text(p.stdout)
    e2 = tmp_path / "elsewhere" / "e2"
    p = burrow("create", e2, "--python", "/usr/bin/python3", "--manifest", req,
               "--find-links", wh)
    assert p.returncode == 0, p.stderr
    assert burrow("list", e2, "--json", check=0).stdout == burrow("list", e1, "--json", check=0).stdout
    assert burrow("list", e2, "--format", "freeze", check=0).stdout == \
        "Alpha_Pkg==1.0.post1\nbeta==2.1\n"
    assert burrow("list", e2, "--format", "yaml").returncode == 2


# ---- the README's quick start, as a new user runs it ----

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _quick_start_blocks():
    with open(os.path.join(REPO, "README.md")) as f:
        text = f.read()
    section = text.split("\n## Quick start\n", 1)[1].split("\n### ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    assert len(blocks) == 2, blocks
    return blocks


def test_readme_quick_start_as_a_new_user(request, shared_tmp):
    """The two blocks of README "Quick start", run as written by bash -e as
    an unprivileged user: make install PREFIX=~/.local (from a copy of the
    build this suite tests, so nothing is compiled again), then pack, index,
    pin with sha256sum, create and run, with ~/.local/bin on PATH."""
    import shutil
    import subprocess
    install, use = _quick_start_blocks()
    assert "make install PREFIX=~/.local" in install and "$(sha256sum" in use
    build = os.environ.get("BURROW_BUILD") or os.path.dirname(BURROW)
    if os.geteuid() == 0:
        user = request.getfixturevalue("user_factory")()
        home, run, chown = user.home, user.run, user.chown
    else:
        home = os.path.join(shared_tmp, "home")
        os.mkdir(home)

        def run(argv, env=None, **kw):
            return subprocess.run(list(map(str, argv)), env=env, capture_output=True,
                                  text=True, timeout=300, **kw)

        def chown(path):
            pass
    copy = os.path.join(home, "build")
    os.mkdir(copy)
    for name in ("obj", "burrow", "burrow-core"):
        src = os.path.join(build, name)
        (shutil.copytree if os.path.isdir(src) else shutil.copy2)(src, os.path.join(copy, name))
    work = os.path.join(home, "work")
    os.makedirs(os.path.join(work, "out", "mytool", "bin"))
    tool = os.path.join(work, "out", "mytool", "bin", "mytool")
    with open(tool, "w") as f:
        f.write('#!/bin/sh\necho "mytool 1.2.0: usage: mytool [--help]"\n')
    os.chmod(tool, 0o755)
    chown(home)
    env = {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8",
           "ASAN_OPTIONS": "detect_leaks=1:verify_asan_link_order=0"}
    if run(["test", "-r", os.path.join(REPO, "Makefile")], env=env).returncode:
        import pytest
        pytest.skip("the checkout is not readable by an unprivileged user: " + REPO)
    # make reads BUILD from MAKEFLAGS as from its command line: the block
    # itself runs unchanged
    flags = "BUILD=" + copy
    with open(os.path.join(build, "burrow-core"), "rb") as f:
        if b"__asan_init" in f.read():  # should make compile, it must match
            flags += " SANITIZE=address,undefined"
    p = run(["bash", "-e", "-c", install], env=dict(env, MAKEFLAGS=flags), cwd=REPO)
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert re.search(r"^burrow \S+$", p.stdout, re.M), p.stdout  # burrow --version
    assert os.path.isfile(os.path.join(home, ".local", "libexec", "burrow", "burrow-core"))
    assert os.path.isfile(os.path.join(home, ".local", "share", "man", "man1", "burrow.1"))
    p = run(["bash", "-e", "-c", use], env=dict(env, PATH=home + "/.local/bin:/usr/bin:/bin"),
            cwd=work)
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert "mytool 1.2.0: usage: mytool [--help]" in p.stdout
    with open(os.path.join(work, "app.toml")) as f:
        pinned = f.read()
    assert re.search(r'hashes = \["sha256:[0-9a-f]{64}"\]', pinned), pinned
    # the default cache, in the user's own home
    assert os.path.isdir(os.path.join(home, ".cache", "burrow", "archives"))
    assert os.stat(os.path.join(home, ".cache", "burrow")).st_uid == os.stat(home).st_uid


def test_index_path_has_no_double_slash(burrow, tmp_path):
    tree = tmp_path / "t"
    (tree / "bin").mkdir(parents=True)
    (tree / "bin" / "x").write_text("x\n")
    burrow.pack(tree, "x", "1.0", tmp_path / "wh")
    p = burrow("index", str(tmp_path / "wh") + "/", check=0)
    assert "//" not in p.stderr and "wh/simple/" in p.stderr, p.stderr


# ---- the interpreter: pyenv shims, the choice said with its version ----

def _real_python():
    import subprocess
    out = subprocess.run(["/usr/bin/python3", "-I", "-c",
                          "import sys; print('%d %d %d' % sys.version_info[:3])"],
                         capture_output=True, text=True, check=True).stdout.split()
    return tuple(int(x) for x in out)


def _fake_pyenv(tmp_path, versions):
    """PYENV_ROOT with versions/X.Y.Z/bin/pythonX.Y -> /usr/bin/python3 and
    shims/ holding pyenv-like bash wrappers (not ELF) for every name."""
    root = tmp_path / "pyenv"
    names = set()
    for v in versions:
        b = root / "versions" / v / "bin"
        b.mkdir(parents=True)
        mm = ".".join(v.split(".")[:2])
        for n in ("python", "python3", "python" + mm):
            os.symlink("/usr/bin/python3", b / n)
            names.add(n)
    shims = root / "shims"
    shims.mkdir()
    for n in names:
        s = shims / n
        s.write_text('#!/usr/bin/env bash\nset -e\nexport PYENV_ROOT="%s"\n'
                     'exec "$PYENV_ROOT/libexec/pyenv" exec "%s" "$@"\n' % (root, n))
        s.chmod(0o755)
    return root


def test_pyenv_shim_resolved_and_printed(burrow, tmp_path):
    major, minor, micro = _real_python()
    mm = "%d.%d" % (major, minor)
    # the shim tree knows three versions; the highest of the spec wins; the
    # newest minor does not exist as a real interpreter here
    root = _fake_pyenv(tmp_path, ["%s.0" % mm, "%s.%d" % (mm, micro), "%d.%d.1rc1" % (major, minor)])
    path = "%s:/usr/bin:/bin" % (root / "shims")
    wh, a, h = _wheels(tmp_path)
    req = tmp_path / "requirements.txt"
    req.write_text("alpha==1.0 --hash=sha256:%s\n" % h)
    e = tmp_path / "env"
    p = burrow("create", e, "--python", mm, "--manifest", req, "--find-links", wh,
               env={"PATH": path})
    assert p.returncode == 0, p.stderr
    chosen = "%s/versions/%s.%d/bin/python%s" % (root, mm, micro, mm)
    assert "burrow: python: %s (Python %d.%d.%d)" % (chosen, major, minor, micro) in p.stderr, \
        p.stderr
    cfg = (e / "pyvenv.cfg").read_text()
    assert str(root / "versions") in cfg, cfg
    link = os.readlink(e / "bin" / ("python" + mm))
    assert link.startswith(str(root / "versions")), link
    # a spec no installed version has: refused, saying what the shim offered
    p = burrow("create", tmp_path / "e2", "--python", "%d.%d" % (major, minor + 7),
               "--manifest", req, "--find-links", wh, env={"PATH": path})
    assert p.returncode != 0 and not (tmp_path / "e2").exists()
    # fetch takes --python too (its usage says so) and prints the choice
    p = burrow("fetch", "--python", mm, "--manifest", req, "--find-links", wh,
               env={"PATH": path})
    assert p.returncode == 0 and "burrow: python: %s" % chosen in p.stderr, p.stderr
    assert "--python PY" in burrow("help", "fetch", check=0).stdout


# ---- progress on a terminal: totals, percent, the file, retries ----

def _flaky_slow_server(root):
    """Serves root; the first request of each .tar.gz gets a 503, the next
    one trickles the file (16 KiB every 50 ms) with its Content-Length."""
    import functools
    import http.server
    import threading
    import time
    seen = set()

    class H(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            if not self.path.endswith(".tar.gz"):
                return super().do_GET()
            if self.path not in seen:
                seen.add(self.path)
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            data = open(os.path.join(str(root), self.path.lstrip("/")), "rb").read()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            for i in range(0, len(data), 16384):
                self.wfile.write(data[i:i + 16384])
                self.wfile.flush()
                time.sleep(0.05)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(H, directory=str(root)))
    httpd.daemon_threads = True
    httpd.seen = seen
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def test_progress_on_a_terminal_and_retries(burrow, tmp_path):
    from conftest import make_tree, manifest_text, sha256
    from test_progress import on_pty
    repo = tmp_path / "repo"
    repo.mkdir()
    src = make_tree(tmp_path / "src" / "alpha", {"share/alpha/blob": os.urandom(320 << 10)})
    path = burrow.pack(src, "alpha", "1.0", repo)
    burrow("index", repo, check=0)
    httpd = _flaky_slow_server(repo)
    try:
        url = "http://127.0.0.1:%d/simple/" % httpd.server_address[1]
        m = tmp_path / "app.toml"
        m.write_text(manifest_text([url], [("alpha", "1.0", [sha256(path)])]))
        status, out = on_pty(burrow, ["create", tmp_path / "env", "--manifest", m])
        assert status == 0, out
        name = os.path.basename(path)
        # the retry notice, on a line of its own
        assert re.search(r"\r\nburrow: retrying %s \(attempt 2 of 5, in \d+\.\d s\): 503"
                         % re.escape(name), "\r\n" + out), out
        # frames of the live line: bytes of the total, percent, the file
        frames = [f for seg in out.split("\r\n") for f in seg.split("\r")]
        live = [f for f in frames if re.search(r"\d+ KiB of 3\d\d KiB, \d?\d%", f)]
        assert live, frames
        assert any(f.endswith("; %s)" % name) for f in live), live
        assert any(re.search(r"\(1/1 done, (\d+) KiB of \1 KiB, 100%", f) for f in frames), frames
        # plain mode: quiet about retries unless -v
        httpd.seen.clear()
        p = burrow("create", tmp_path / "env2", "--manifest", m,
                   env={"BURROW_CACHE_DIR": str(tmp_path / "c2")})
        assert p.returncode == 0 and "retrying" not in p.stderr, p.stderr
        httpd.seen.clear()
        p = burrow("-v", "create", tmp_path / "env3", "--manifest", m,
                   env={"BURROW_CACHE_DIR": str(tmp_path / "c3")})
        assert p.returncode == 0, p.stderr
        assert "burrow: retrying %s (attempt 2 of 5, in " % name in p.stderr, p.stderr
    finally:
        httpd.shutdown()
        httpd.server_close()


# ---- PEP 658/714: metadata read before any wheel is downloaded ----

def _metadata_index(tmp_path, wheels, html_names=()):
    """A static simple index over root/: PEP 691 JSON (core-metadata with its
    sha256) for most projects, PEP 503 HTML (data-dist-info-metadata) for
    those in html_names; each wheel's METADATA served as WHEEL.metadata."""
    import hashlib
    import json
    import zipfile
    root = tmp_path / "root"
    for w in wheels:
        name = os.path.basename(w).split("-")[0].replace("_", "-").lower()
        with zipfile.ZipFile(w) as z:
            meta = z.read([n for n in z.namelist() if n.endswith(".dist-info/METADATA")][0])
        (root / (os.path.basename(w) + ".metadata")).write_bytes(meta)
        wh = hashlib.sha256(open(w, "rb").read()).hexdigest()
        mh = hashlib.sha256(meta).hexdigest()
        d = root / "simple" / name
        d.mkdir(parents=True)
        href = "../../" + os.path.basename(w)
        if name in html_names:
            (d / "index.html").write_text(
                '<!DOCTYPE html><html><body><a href="%s#sha256=%s" '
                'data-dist-info-metadata="sha256=%s">%s</a></body></html>\n'
                % (href, wh, mh, os.path.basename(w)))
        else:
            (d / "index.json").write_text(json.dumps({
                "meta": {"api-version": "1.1"}, "name": name,
                "files": [{"filename": os.path.basename(w), "url": href,
                           "hashes": {"sha256": wh}, "core-metadata": {"sha256": mh},
                           "size": os.path.getsize(w)}]}))
    return root


def test_pep658_metadata_before_download(burrow, tmp_path):
    import sys
    sys.path.insert(0, os.path.dirname(__file__))
    import badserver
    from wheels import build_wheel, sha256_file
    root = tmp_path / "root"
    root.mkdir()
    a = build_wheel(root, "alpha", "1.0", {"alpha.py": "A = 1\n"}, requires=["beta>=1"])
    g = build_wheel(root, "gamma", "1.0", {"gamma.py": "G = 1\n", "gamma.bin": os.urandom(2 << 20)})
    b = build_wheel(root, "beta", "1.0", {"beta.py": "B = 1\n"})
    _metadata_index(tmp_path, [a, g, b], html_names=("gamma",))
    srv, port = badserver.start(root=str(root), lifetime=120)
    try:
        url = "http://127.0.0.1:%d/simple/" % port

        def manifest(pins):
            m = tmp_path / "app.toml"
            m.write_text('[env]\npython = "/usr/bin/python3"\n[[repository]]\nurl = "%s"\n' % url
                         + "".join('[[bundle]]\nname = "%s"\nversion = "1.0"\n'
                                   'hashes = ["sha256:%s"]\n' % (os.path.basename(w).split("-")[0],
                                                                sha256_file(w)) for w in pins))
            return m

        def wheel_gets():
            return sorted(p for p in srv.hits if p.endswith(".whl"))

        # beta is missing from the pins: exit 4 with no wheel downloaded
        p = burrow("create", tmp_path / "e1", "--manifest", manifest([a, g]))
        assert p.returncode == 4, p.stderr
        assert "alpha\"==1.0 requires beta>=1, which the manifest does not pin" in p.stderr, p.stderr
        assert "/alpha-1.0-py3-none-any.whl.metadata" in srv.hits, srv.hits
        assert "/gamma-1.0-py3-none-any.whl.metadata" in srv.hits, srv.hits  # the HTML form
        assert wheel_gets() == [], srv.hits
        assert not (tmp_path / "e1").exists()
        # metadata that does not match the index's hash: exit 6, still no wheel
        mf = root / "alpha-1.0-py3-none-any.whl.metadata"
        good = mf.read_bytes()
        mf.write_bytes(good.replace(b"Requires-Dist: beta>=1", b"Requires-Dist: beta>=9"))
        p = burrow("create", tmp_path / "e2", "--manifest", manifest([a, g, b]))
        assert p.returncode == 6 and "sha256 mismatch" in p.stderr, p.stderr
        assert wheel_gets() == [], srv.hits
        # the complete set: metadata first, then the wheels, and the env
        mf.write_bytes(good)
        p = burrow("create", tmp_path / "e3", "--manifest", manifest([a, g, b]))
        assert p.returncode == 0, p.stderr
        assert "burrow: metadata: 3 files (PEP 658)" in p.stderr, p.stderr
        assert len(wheel_gets()) == 3, srv.hits
    finally:
        srv.shutdown()
        srv.server_close()


# ---- PEP 751: --extra and --group select from a pylock.toml ----

def test_pylock_extras_and_groups(burrow, tmp_path):
    import sys
    sys.path.insert(0, os.path.dirname(__file__))
    from wheels import build_wheel, sha256_file
    wh = tmp_path / "wh"
    wh.mkdir()
    ws = {n: build_wheel(wh, n, "1.0", {n + ".py": "X = 1\n"})
          for n in ("core", "app", "devtool", "webby")}
    markers = {"core": None, "app": "'main' in dependency_groups",
               "devtool": "'dev' in dependency_groups", "webby": "'web' in extras"}
    lock = tmp_path / "pylock.toml"
    lock.write_text(
        'lock-version = "1.0"\ncreated-by = "test"\nextras = ["web"]\n'
        'dependency-groups = ["main", "dev"]\ndefault-groups = ["main"]\n'
        + "".join('[[packages]]\nname = "%s"\nversion = "1.0"\n%s'
                  '[[packages.wheels]]\nname = "%s"\npath = "%s"\nhashes = { sha256 = "%s" }\n'
                  % (n, 'marker = "%s"\n' % markers[n] if markers[n] else "",
                     os.path.basename(w), w, sha256_file(w)) for n, w in ws.items()))
    e = tmp_path / "env"
    py = ["--python", "/usr/bin/python3"]

    def listed():
        return burrow("list", e, "--format", "freeze", check=0).stdout.split()

    # no selection: the lock's default-groups
    burrow("create", e, "--manifest", lock, *py, check=0)
    assert listed() == ["app==1.0", "core==1.0"]
    # --group replaces the default groups; --extra adds an extra
    burrow("install", e, "--manifest", lock, *py, "--group", "dev", "--extra", "web", check=0)
    assert listed() == ["core==1.0", "devtool==1.0", "webby==1.0"]
    # the same manifest without a selection is not a no-op: back to the defaults
    p = burrow("install", e, "--manifest", lock, *py, check=0)
    assert "nothing to do" not in p.stderr
    assert listed() == ["app==1.0", "core==1.0"]
    p = burrow("install", e, "--manifest", lock, *py, "--group", "main", "--group", "dev", check=0)
    assert listed() == ["app==1.0", "core==1.0", "devtool==1.0"]
    # a name the lock does not offer, or a manifest that is no lock: usage errors
    p = burrow("install", e, "--manifest", lock, *py, "--extra", "wbe")
    assert p.returncode == 2 and 'the lock has no extra "wbe" (extras: web)' in p.stderr, p.stderr
    p = burrow("install", e, "--manifest", lock, *py, "--group", "test")
    assert p.returncode == 2 and "(dependency-groups: main, dev)" in p.stderr, p.stderr
    req = tmp_path / "requirements.txt"
    req.write_text("core==1.0 --hash=sha256:%s\n" % sha256_file(ws["core"]))
    p = burrow("install", e, "--manifest", req, *py, "--extra", "web")
    assert p.returncode == 2 and "is not one" in p.stderr, p.stderr
    assert listed() == ["app==1.0", "core==1.0", "devtool==1.0"]


# ---- a requirement without --hash: the line to paste, as pip prints it ----

def test_missing_hash_prints_the_line_to_paste(burrow, tmp_path, server_factory):
    import sys
    sys.path.insert(0, os.path.dirname(__file__))
    from wheels import build_wheel, sha256_file
    wh, a, h = _wheels(tmp_path)
    b = build_wheel(wh, "beta", "2.0", {"beta.py": "B = 2\n"})
    req = tmp_path / "requirements.txt"
    req.write_text("alpha==1.0 --hash=sha256:%s\nbeta==2.0\nghost==1.0\n" % h)
    e = tmp_path / "env"
    for repo in (["--find-links", wh], None):
        if repo is None:  # the same over a loopback index (hashes from its pages)
            burrow("index", wh, check=0)
            repo = ["--index-url", server_factory(wh).url("simple/")]
        p = burrow("create", e, "--python", "/usr/bin/python3", "--manifest", req, *repo)
        assert p.returncode == 3, p.stderr
        assert "2 requirements without --hash" in p.stderr, p.stderr
        lines = p.stderr.splitlines()
        assert "beta==2.0 --hash=sha256:%s" % sha256_file(b) in lines, lines
        assert "# ghost==1.0: no repository offers it" in lines, lines
        assert not e.exists()
    # pasting the line makes the file valid
    req.write_text("alpha==1.0 --hash=sha256:%s\nbeta==2.0 --hash=sha256:%s\n"
                   % (h, sha256_file(b)))
    p = burrow("create", e, "--python", "/usr/bin/python3", "--manifest", req,
               "--find-links", wh)
    assert p.returncode == 0, p.stderr
