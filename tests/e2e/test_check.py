"""burrow check: integrity, consistency and leaks.

Clean envs (native, Python) pass with exit 0; each kind of damage is made
by hand in an env and must be reported, with exit 1, in text and in JSON.
Native programs are compiled here with cc; wheels come from wheels.py;
the interpreter is Debian's /usr/bin/python3."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from conftest import PYTHON, make_tree, manifest_text, script
from wheels import build_wheel, sha256_file

CC = shutil.which("cc", path="/usr/bin:/bin")
needs_cc = pytest.mark.skipif(CC is None, reason="no C compiler")
PYVER = subprocess.run([PYTHON, "-I", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                       capture_output=True, text=True, check=True).stdout.strip()
SITE = "lib/python%s/site-packages" % PYVER


def cc(out, source, *args):
    src = str(out) + ".c"
    with open(src, "w") as f:
        f.write(source)
    subprocess.run([CC, "-o", str(out), src, *args], check=True,
                   env={"PATH": "/usr/bin:/bin", "LANG": "C"})
    os.unlink(src)


def findings(p):
    """The KIND: PATH: DETAIL lines of a text report (the summary aside)."""
    return [l for l in p.stdout.splitlines() if not l.startswith(str(p.args[2]) + ":")]


def check_json(burrow, env, expect_rc):
    p = burrow("check", env, "--json", check=expect_rc)
    doc = json.loads(p.stdout)
    assert doc["env"] == str(env)
    assert doc["ok"] == (expect_rc == 0)
    assert all(set(f) == {"kind", "path", "detail"} for f in doc["findings"])
    return doc["findings"]


def native_env(tmp_path, burrow, files, name="app"):
    tree = make_tree(tmp_path / ("tree-" + name), files) if isinstance(files, dict) else files
    out = tmp_path / "bundles"
    path = burrow.pack(tree, name, "1.0", out)
    m = tmp_path / ("%s.toml" % name)
    m.write_text(manifest_text([str(out)], [(name, "1.0", [sha256_file(path)])]))
    env = tmp_path / ("env-" + name)
    burrow("create", env, "--manifest", m, check=0)
    return env


def python_env(tmp_path, burrow, wheels, name="pyenv"):
    m = tmp_path / ("%s.toml" % name)
    pins = []
    for w in wheels:
        n, v = os.path.basename(w).split("-")[:2]
        pins.append((n, v, [sha256_file(w)]))
    m.write_text('[env]\npython = "%s"\n\n' % PYTHON +
                 manifest_text([str(tmp_path / "wheelhouse")], pins))
    env = tmp_path / name
    burrow("create", env, "--manifest", m, check=0)
    return env


@pytest.fixture
def wheelhouse(tmp_path):
    d = tmp_path / "wheelhouse"
    d.mkdir()
    return d


LIBFOO = "int foo(void) { return 42; }\n"
USEFOO = "int foo(void);\nint main(void) { return foo() == 42 ? 0 : 1; }\n"
USEZ = "#include <zlib.h>\n#include <stdio.h>\nint main(void) { puts(zlibVersion()); return 0; }\n"


@needs_cc
def test_clean_native_env(tmp_path, burrow):
    tree = tmp_path / "tree"
    (tree / "bin").mkdir(parents=True)
    (tree / "lib").mkdir()
    make_tree(tree, {"bin/hello": script("echo hello"), "share/doc/README": "hi\n"})
    cc(tree / "lib" / "libfoo.so.1", LIBFOO, "-shared", "-fPIC", "-Wl,-soname,libfoo.so.1")
    # found in the env through $ORIGIN: not a finding
    cc(tree / "bin" / "app", USEFOO, "-L%s" % (tree / "lib"), "-l:libfoo.so.1",
       "-Wl,-rpath,$ORIGIN/../lib")
    env = native_env(tmp_path, burrow, tree)
    assert burrow("run", env, "--", "app").returncode == 0
    p = burrow("check", env, check=0)
    assert p.stdout.startswith("%s: ok" % env), p.stdout
    assert check_json(burrow, env, 0) == []


def test_clean_python_env_with_extras_and_markers(tmp_path, burrow, wheelhouse):
    wheels = [
        build_wheel(wheelhouse, "alpha", "1.0", {"alpha/__init__.py": "A = 1\n"},
                    requires=["beta[fast]>=1.0", "never; python_version < '3'"],
                    entry_points="[console_scripts]\nalpha = alpha:main\n"),
        build_wheel(wheelhouse, "beta", "1.2", {"beta.py": "B = 1\n"},
                    requires=["gamma; extra == 'fast'", "delta; extra == 'slow'"]),
        build_wheel(wheelhouse, "gamma", "2.0", {"gamma/__init__.py": "",
                                                 "gamma/sub.py": "G = 1\n"}),
    ]
    env = python_env(tmp_path, burrow, wheels)
    p = burrow("check", env, check=0)
    assert p.stdout.startswith("%s: ok" % env), p.stdout
    assert check_json(burrow, env, 0) == []
    # checking wrote nothing into the env (no __pycache__ from the probe)
    assert not list((env / SITE).rglob("__pycache__"))


def test_tampered_missing_mode_unrecorded(tmp_path, burrow, wheelhouse):
    wheels = [build_wheel(wheelhouse, "alpha", "1.0",
                          {"alpha/__init__.py": "A = 1\n", "alpha/data.txt": "x\n",
                           "alpha/gone.py": "\n"})]
    env = python_env(tmp_path, burrow, wheels)
    sp = env / SITE
    # replaced, not edited in place: env files are links into the cache
    (sp / "alpha" / "__init__.py").unlink()
    (sp / "alpha" / "__init__.py").write_text("A = 2\n")  # same size: the hash tells
    os.chmod(sp / "alpha" / "__init__.py", 0o644)
    os.chmod(sp / "alpha" / "data.txt", 0o600)
    (sp / "alpha" / "gone.py").unlink()
    (sp / "alpha" / "extra.py").write_text("\n")
    (env / "bin" / "sneaky").write_text("#!/bin/sh\n")
    os.symlink("/usr/bin/python3", env / "bin" / "py")
    # the venv's own links are not recorded, but checked
    os.unlink(env / "bin" / ("python" + PYVER))
    os.symlink("/bin/sh", env / "bin" / ("python" + PYVER))
    p = burrow("check", env, check=1)
    lines = findings(p)
    tampered = [l for l in lines if l.startswith("tampered: %s/alpha/__init__.py: sha256 " % SITE)]
    assert len(tampered) == 1 and "!= recorded" in tampered[0], lines
    assert "mode: %s/alpha/data.txt: 0600 != recorded 0644" % SITE in lines
    assert any(l.startswith("missing: %s/alpha/gone.py" % SITE) for l in lines), lines
    assert any(l.startswith("unrecorded: %s/alpha/extra.py" % SITE) for l in lines), lines
    assert any(l.startswith("unrecorded: bin/sneaky") for l in lines), lines
    assert "unrecorded: bin/py: a symlink to /usr/bin/python3" in lines
    assert "tampered: bin/python%s: a symlink to /bin/sh, not to python3 as the venv made it" \
        % PYVER in lines
    assert len(lines) == 7, lines
    assert p.stdout.splitlines()[-1] == "%s: 7 findings (1 bundle, %d files checked)" % (
        env, len(sqlite3.connect(env / ".burrow" / "state.db").execute(
            "SELECT path FROM files").fetchall()))
    kinds = sorted(f["kind"] for f in check_json(burrow, env, 1))
    assert kinds == ["missing", "mode", "tampered", "tampered", "unrecorded", "unrecorded",
                     "unrecorded"]


def test_stray_pth_leaks_sys_path_and_modules(tmp_path, burrow, wheelhouse):
    # werkzeug as the example: Debian ships one in dist-packages
    wheels = [build_wheel(wheelhouse, "werkzeug", "3.0.1",
                          {"werkzeug/__init__.py": "V = 3\n"}),
              build_wheel(wheelhouse, "jsonish", "1.0", {"json/__init__.py": "\n"})]
    env = python_env(tmp_path, burrow, wheels)
    sp = env / SITE
    # the leak: a .pth no distribution owns puts the system's packages on sys.path
    (sp / "evil.pth").write_text("/usr/lib/python3/dist-packages\n")
    p = burrow("check", env, check=1)
    lines = findings(p)
    assert any(l.startswith("stray-pth: %s/evil.pth: " % SITE) for l in lines), lines
    assert "leak: sys.path: /usr/lib/python3/dist-packages" in lines
    # a distribution's module shadowed by the base's stdlib is outside ENV
    assert any(l.startswith("leak: module json: /usr/lib/python%s/json/__init__.py (from jsonish 1.0)"
                            % PYVER) for l in lines), lines
    # the env's werkzeug still wins over the system's
    assert not any("module werkzeug" in l for l in lines), lines
    # without the env's own copy, it imports from the system: a leak
    shutil.rmtree(sp / "werkzeug")
    lines = findings(burrow("check", env, check=1))
    leak = [l for l in lines if l.startswith("leak: module werkzeug: ")]
    assert leak and "/usr/lib/python3/dist-packages/werkzeug/__init__.py" in leak[0], lines
    assert any(l.startswith("missing: %s/werkzeug/__init__.py" % SITE) for l in lines), lines
    js = check_json(burrow, env, 1)
    assert {"kind": "leak", "path": "sys.path",
            "detail": "/usr/lib/python3/dist-packages"} in js
    assert any(f["kind"] == "stray-pth" and f["path"] == SITE + "/evil.pth" for f in js)


def test_owned_pth_is_fine(tmp_path, burrow, wheelhouse):
    wheels = [build_wheel(wheelhouse, "pthdist", "1.0",
                          {"pthdist.pth": "import sys\n", "pthdist_mod.py": "\n"})]
    env = python_env(tmp_path, burrow, wheels)
    burrow("check", env, check=0)


def test_missing_dependency(tmp_path, burrow, wheelhouse):
    """install refuses an inconsistent set, so the damage is done by hand:
    the dependency's rows are deleted from state.db and its files from the
    env, as a careless `rm` plus a hand-edited database would."""
    wheels = [
        build_wheel(wheelhouse, "alpha", "1.0", {"alpha/__init__.py": ""},
                    requires=["beta[fast]>=1.0"]),
        build_wheel(wheelhouse, "beta", "1.2", {"beta.py": ""},
                    requires=["gamma>=2; extra == 'fast'"]),
        build_wheel(wheelhouse, "gamma", "2.0", {"gamma.py": ""}),
    ]
    env = python_env(tmp_path, burrow, wheels)
    db = sqlite3.connect(env / ".burrow" / "state.db")
    for key in ("gamma",):
        for (path,) in db.execute("SELECT path FROM files WHERE bundle=?", (key,)).fetchall():
            os.unlink(env / path)
        db.execute("DELETE FROM files WHERE bundle=?", (key,))
        db.execute("DELETE FROM bundles WHERE key=?", (key,))
    db.commit()
    lines = findings(burrow("check", env, check=1))
    # gamma is needed only through the extra alpha asks of beta
    assert lines == ["inconsistent: beta 1.2: requires gamma>=2; extra == 'fast', which is not "
                     "installed"], lines
    # an older beta than alpha asks for (whose extras then do not count, as
    # install's check does)
    db.execute("UPDATE bundles SET version='0.9' WHERE key='beta'")
    db.commit()
    db.close()
    lines = findings(burrow("check", env, check=1))
    assert lines == ["inconsistent: alpha 1.0: requires beta[fast]>=1.0, but beta 0.9 is "
                     "installed"], lines


@needs_cc
def test_native_leaks(tmp_path, burrow):
    tree = tmp_path / "tree"
    (tree / "bin").mkdir(parents=True)
    (tree / "lib").mkdir()
    cc(tree / "lib" / "libfoo.so.1", LIBFOO, "-shared", "-fPIC", "-Wl,-soname,libfoo.so.1")
    cc(tree / "bin" / "good", USEFOO, "-L%s" % (tree / "lib"), "-l:libfoo.so.1",
       "-Wl,-rpath,$ORIGIN/../lib")
    # libz.so.1 only the system has
    cc(tree / "bin" / "zapp", USEZ, "-lz", "-Wl,-rpath,$ORIGIN/../lib")
    # libfoo.so.1 in the env, but nothing tells ld.so to look there
    cc(tree / "bin" / "lost", USEFOO, "-L%s" % (tree / "lib"), "-l:libfoo.so.1")
    # a RUNPATH relative to the working directory
    cc(tree / "bin" / "cwd", USEFOO, "-L%s" % (tree / "lib"), "-l:libfoo.so.1",
       "-Wl,-rpath,lib:$ORIGIN/../lib")
    env = native_env(tmp_path, burrow, tree)
    libz = subprocess.run(["/usr/bin/python3", "-I", "-c",
                           "import ctypes.util; print(ctypes.util.find_library('z'))"],
                          capture_output=True, text=True).stdout.strip()
    assert libz == "libz.so.1"
    p = burrow("check", env, check=1)
    lines = findings(p)
    z = [l for l in lines if l.startswith("native-leak: bin/zapp: ")]
    assert len(z) == 1, lines
    name, _, where = z[0][len("native-leak: bin/zapp: "):].partition(" -> ")
    assert name == "libz.so.1"
    assert os.path.basename(where) == "libz.so.1" and os.path.isfile(where)
    assert not os.path.realpath(where).startswith(str(env) + "/")
    assert "native-missing: bin/lost: libfoo.so.1: not found" in lines
    assert 'native-leak: bin/cwd: RUNPATH element "lib" is relative to the working directory' \
        in lines
    assert not any("bin/good" in l for l in lines), lines
    assert len(lines) == 3, lines
    js = check_json(burrow, env, 1)
    assert {"kind": "native-leak", "path": "bin/zapp", "detail": "libz.so.1 -> " + where} in js


@needs_cc
def test_python_extension_elf_is_checked(tmp_path, burrow, wheelhouse):
    so = tmp_path / "ext.so"
    cc(so, USEZ.replace("int main(void)", "int f(void)"), "-shared", "-fPIC", "-lz")
    tag = "cp%s-cp%s-linux_x86_64" % (PYVER.replace(".", ""), PYVER.replace(".", ""))
    wheels = [build_wheel(wheelhouse, "zext", "1.0",
                          {"zext.cpython-%s-x86_64-linux-gnu.so" % PYVER.replace(".", ""):
                           so.read_bytes()}, tag=tag, root_is_purelib=False)]
    env = python_env(tmp_path, burrow, wheels)
    lines = findings(burrow("check", env, check=1))
    assert len(lines) == 1 and lines[0].startswith(
        "native-leak: %s/zext.cpython-" % SITE) and "libz.so.1 -> " in lines[0], lines


def test_not_an_env_and_usage(tmp_path, burrow):
    (tmp_path / "plain").mkdir()
    p = burrow("check", tmp_path / "plain", check=1)
    assert "not a burrow env" in p.stderr and p.stdout == ""
    p = burrow("check", tmp_path / "nope", check=1)
    assert "nope" in p.stderr
    burrow("check", check=2)
    burrow("check", tmp_path, "--bogus", check=2)
