"""Python envs and wheels: the virtualenv that cannot leak.

Every wheel is built here (tests/e2e/wheels.py) or is one of the real wheels
Debian ships; every interpreter is Debian's /usr/bin/python3."""

import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import BURROW, PYTHON, manifest_text, sha256, snapshot
from wheels import build_wheel, sha256_file

PYVER = "%d.%d" % sys.version_info[:2] if sys.executable == PYTHON else None
SP = None


def site(env):
    out = subprocess.run([PYTHON, "-I", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                         capture_output=True, text=True, check=True).stdout.strip()
    return os.path.join(str(env), "lib", "python" + out, "site-packages")


def py_manifest(repo_dir, pins, extra=""):
    return '[env]\npython = "%s"\n\n' % PYTHON + manifest_text([str(repo_dir)], pins, extra)


def pin(path):
    base = os.path.basename(path)
    name, version = base.split("-")[:2]
    return (name, version, [sha256_file(path)])


@pytest.fixture
def wheelhouse(tmp_path):
    d = tmp_path / "wheelhouse"
    d.mkdir()
    return d


def clean(tmp_path, **extra):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home"), "LANG": "C.UTF-8"}
    env.update(extra)
    return env


def test_python_env_layout_and_launchers(tmp_path, burrow, wheelhouse):
    w = build_wheel(wheelhouse, "hello-app", "1.0", {
        "hello_app/__init__.py": "def main():\n    import sys\n    print('hello from', sys.prefix, sys.argv[1:])\n",
    }, entry_points="[console_scripts]\nhello = hello_app:main\n")
    m = tmp_path / "app.toml"
    m.write_text(py_manifest(wheelhouse, [pin(w)]))
    env = tmp_path / "app"
    burrow("create", env, "--manifest", m, check=0)
    cfg = (env / "pyvenv.cfg").read_text()
    assert "include-system-site-packages = false" in cfg
    assert "home = /usr/bin" in cfg
    assert os.path.islink(env / "bin" / "python")
    assert not list(env.rglob("dist-packages"))
    sp = site(env)
    assert os.path.isfile(os.path.join(sp, "hello_app", "__init__.py"))
    di = os.path.join(sp, "hello_app-1.0.dist-info")
    assert open(os.path.join(di, "INSTALLER")).read() == "burrow\n"
    assert os.path.getsize(os.path.join(di, "REQUESTED")) == 0
    rec = open(os.path.join(di, "RECORD")).read().splitlines()
    assert rec == sorted(rec)
    assert "hello_app-1.0.dist-info/RECORD,," in rec
    assert any(r.startswith("../../../bin/hello,sha256=") for r in rec)
    # sys.prefix is the env, base_prefix the base; the launcher runs in it
    p = burrow("run", env, "--", "python", "-c",
               "import sys, json; print(json.dumps([sys.prefix, sys.base_prefix, sys.path]))",
               check=0)
    prefix, base, path = json.loads(p.stdout)
    assert prefix == str(env) and base == "/usr"
    assert sp in path
    assert not [e for e in path if "dist-packages" in e or "site-packages" in e and e != sp]
    p = burrow("run", env, "--", "hello", "x", check=0)
    assert p.stdout.strip() == "hello from %s ['x']" % env
    # relocatable, and a path with a space in it
    moved = tmp_path / "moved env"
    shutil.move(str(env), str(moved))
    p = subprocess.run([str(moved / "bin" / "hello"), "y"], env=clean(tmp_path),
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "hello from %s ['y']" % moved
    p = burrow("run", moved, "--", "hello", "z", check=0)
    assert p.stdout.strip() == "hello from %s ['z']" % moved


def test_the_seed_case_werkzeug(tmp_path, burrow, wheelhouse):
    """Debian's python3-werkzeug in /usr/lib/python3/dist-packages, a user-site
    werkzeug and a hostile environment: the env's pinned werkzeug wins."""
    assert os.path.isdir("/usr/lib/python3/dist-packages/werkzeug"), \
        "python3-werkzeug must be installed (scripts/install-deps)"
    w = build_wheel(wheelhouse, "Werkzeug", "9.9.9", {
        "werkzeug/__init__.py": "__version__ = '9.9.9'\n"})
    m = tmp_path / "app.toml"
    m.write_text(py_manifest(wheelhouse, [pin(w)]))
    env = tmp_path / "app"
    burrow("create", env, "--manifest", m, check=0)
    home = tmp_path / "home"
    user_site = home / ".local" / "lib" / ("python" + os.path.basename(site(env)).replace(
        "site-packages", "")) / "site-packages"
    ver = subprocess.run([PYTHON, "-I", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                         capture_output=True, text=True).stdout.strip()
    user_site = home / ".local" / "lib" / ("python" + ver) / "site-packages" / "werkzeug"
    user_site.mkdir(parents=True)
    (user_site / "__init__.py").write_text("__version__ = 'user-site'\n")
    hostile = {"PYTHONPATH": "/usr/lib/python3/dist-packages", "PYTHONHOME": "/usr",
               "PYTHONUSERBASE": str(home / ".local"), "PIP_INDEX_URL": "http://127.0.0.1:9/",
               "PIP_FIND_LINKS": "/opt/wheels", "PYTHONSTARTUP": "/etc/passwd",
               "HOME": str(home)}
    work = tmp_path / "work"
    work.mkdir()
    code = ("import json, sys, werkzeug, os; print(json.dumps({'v': werkzeug.__version__, "
            "'f': werkzeug.__file__, 'path': sys.path, "
            "'env': sorted(k for k in os.environ if k.startswith(('PYTHON', 'PIP_'))), "
            "'stdlib': __import__('sysconfig').get_paths()['stdlib']}))")
    p = burrow("run", env, "--", "python", "-c", code, env=hostile, check=0, cwd=str(work))
    got = json.loads(p.stdout)
    assert got["v"] == "9.9.9"
    assert got["f"].startswith(str(env) + "/")
    assert got["env"] == ["PYTHONNOUSERSITE"]
    stdlib = got["stdlib"]
    for entry in got["path"]:
        assert (entry in ("", str(work)) or entry.startswith(str(env) + "/")
                or entry.startswith(stdlib) or entry == stdlib.replace("python3.", "python3")
                .replace(".", "") + ".zip" or entry.startswith("/usr/lib/python3" + ver[2:])), entry
        assert "dist-packages" not in entry and ".local" not in entry, entry
    # the same interpreter without burrow would have imported Debian's or the user's
    p = subprocess.run([str(env / "bin" / "python"), "-c", "import werkzeug; print(werkzeug.__file__)"],
                       env=dict(clean(tmp_path), **hostile), capture_output=True, text=True)
    assert not p.stdout.startswith(str(env))


def all_schemes_wheel(d):
    return build_wheel(d, "fancy", "1.0.0", {
        "fancy/__init__.py": "def main():\n    print('fancy')\n",
        "fancy/__main__.py": "from fancy import main\nmain()\n",
    }, data={
        "scripts": {"fancy-sh": "#!python -u\nprint('fancy-sh')\n", "plain.sh": "#!/bin/sh\necho plain\n"},
        "data": {"share/fancy/data.txt": "some data\n"},
        "headers": {"fancy.h": "int fancy;\n"},
        "purelib": {"fancy_pure_extra.py": "x = 1\n"},
    }, modes={"fancy-1.0.0.data/scripts/fancy-sh": 0o755, "fancy-1.0.0.data/scripts/plain.sh": 0o755},
        entry_points="[console_scripts]\nfancy = fancy:main\n[gui_scripts]\nfancy-gui = fancy:main\n",
        requires=["wheel (>=0.30)", "colorama ; sys_platform == 'win32'", "pytest ; extra == 'test'"])


def tree(root):
    """{relative path: (mode, sha256 or None for generated scripts)} of an env,
    normalised as in the specs digest §7."""
    out = {}
    skip_names = {"INSTALLER", "REQUESTED", "direct_url.json"}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in ("__pycache__", ".burrow")]
        for n in filenames:
            p = os.path.join(dirpath, n)
            rel = os.path.relpath(p, root)
            if rel.startswith("bin/activate") or rel.startswith("bin/Activate") or n in skip_names:
                continue
            if rel == "pyvenv.cfg" or os.path.islink(p):
                continue
            if rel.startswith("include/"):
                rel = rel.replace("include/site/", "include/")
            mode = os.stat(p).st_mode & 0o777
            if rel.startswith("bin/"):
                out[rel] = (mode, None)   # launchers and rewritten scripts: quoting differs
            elif n == "RECORD":
                rows = sorted(r for r in open(p).read().splitlines()
                              if not r.split(",")[0].split("/")[-1] in skip_names
                              and not r.startswith("../../../bin/"))
                rows = [r.replace("include/site/", "include/") for r in rows]
                out[rel] = (mode, hashlib.sha256("\n".join(rows).encode()).hexdigest())
            else:
                out[rel] = (mode, sha256(p))
    return out


def test_oracle_diff_against_installer_and_pip(tmp_path, burrow, wheelhouse):
    wheels = [all_schemes_wheel(wheelhouse)]
    for w in sorted(glob.glob("/usr/share/python-wheels/*.whl")):
        if os.path.basename(w).split("-")[0] in ("pip", "setuptools", "wheel"):
            shutil.copy(w, str(wheelhouse))
            wheels.append(str(wheelhouse / os.path.basename(w)))
    assert len(wheels) == 4, "python3-pip-whl, python3-setuptools-whl, python3-wheel-whl needed"
    m = tmp_path / "app.toml"
    m.write_text(py_manifest(wheelhouse, [pin(w) for w in wheels]))
    # fancy requires wheel>=0.30, which is pinned: consistent
    env = tmp_path / "b"
    burrow("create", env, "--manifest", m, check=0)
    ce = clean(tmp_path)
    # (a) pypa/installer, run with the env's interpreter, exposing only the installer package
    op = tmp_path / "op"
    op.mkdir()
    os.symlink("/usr/lib/python3/dist-packages/installer", op / "installer")
    vi = tmp_path / "vi"
    subprocess.run([PYTHON, "-m", "venv", "--without-pip", str(vi)], env=ce, check=True)
    for w in wheels:
        subprocess.run([str(vi / "bin" / "python"), "-m", "installer", "--no-compile-bytecode", w],
                       env=dict(ce, PYTHONPATH=str(op)), check=True, capture_output=True)
    # (b) pip, run from its own wheel so the env stays pip-free
    pipwhl = glob.glob("/usr/share/python-wheels/pip-*.whl")[0]
    vp = tmp_path / "vp"
    subprocess.run([PYTHON, "-m", "venv", "--without-pip", str(vp)], env=ce, check=True)
    subprocess.run([str(vp / "bin" / "python"), pipwhl + "/pip", "install", "--no-index", "--no-deps",
                    "--no-compile", "--disable-pip-version-check", *wheels],
                   env=ce, check=True, capture_output=True)
    ours, inst, pip = tree(env), tree(vi), tree(vp)
    assert ours == inst, set(ours.items()) ^ set(inst.items())
    assert ours == pip, set(ours.items()) ^ set(pip.items())
    # the generated scripts exist in all three and run
    for s in ("fancy", "fancy-gui", "fancy-sh", "plain.sh", "wheel"):
        assert (env / "bin" / s).exists()
    assert burrow("run", env, "--", "fancy", check=0).stdout == "fancy\n"
    assert burrow("run", env, "--", "fancy-sh", check=0).stdout == "fancy-sh\n"
    assert burrow("run", env, "--", "plain.sh", check=0).stdout == "plain\n"
    # pip check agrees the env is consistent
    p = subprocess.run([str(env / "bin" / "python"), pipwhl + "/pip", "check"], env=ce,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr


def test_same_env_from_requirements_and_pylock(tmp_path, burrow, wheelhouse):
    a = build_wheel(wheelhouse, "alpha", "1.0", {"alpha.py": "A = 1\n"}, requires=["beta>=2"])
    b = build_wheel(wheelhouse, "beta", "2.1", {"beta.py": "B = 2\n"},
                    entry_points="[console_scripts]\nbeta = beta:main\n")
    pins = [pin(a), pin(b)]
    m = tmp_path / "app.toml"
    m.write_text(py_manifest(wheelhouse, pins))
    req = tmp_path / "requirements.txt"
    req.write_text("--find-links %s\n# pinned\nalpha==1.0 \\\n    --hash=sha256:%s\nbeta==2.1 --hash=sha256:%s\n"
                   % (wheelhouse, sha256_file(a), sha256_file(b)))
    lock = tmp_path / "pylock.toml"
    lock.write_text('lock-version = "1.0"\ncreated-by = "test"\n'
                    + "".join('[[packages]]\nname = "%s"\nversion = "%s"\n'
                              '[[packages.wheels]]\nname = "%s"\npath = "%s"\nhashes = { sha256 = "%s" }\n'
                              % (n, v, os.path.basename(w), w, sha256_file(w))
                              for (n, v, _), w in zip(pins, (a, b))))
    envs = {}
    for kind, src, extra in (("toml", m, []), ("req", req, ["--python", PYTHON]),
                             ("lock", lock, ["--python", PYTHON])):
        e = tmp_path / ("env-" + kind)
        burrow("create", e, "--manifest", src, *extra, check=0)
        envs[kind] = e
    # pyvenv.cfg names the command that made the env (command = burrow create ...)
    trees = {k: {r: v for r, v in snapshot(e).items()
                 if not r.startswith(".burrow") and r != "pyvenv.cfg"}
             for k, e in envs.items()}
    # launchers are byte-identical too: they find python relative to themselves
    assert trees["toml"] == trees["req"] == trees["lock"]
    lists = {k: burrow("list", e, check=0).stdout for k, e in envs.items()}
    assert lists["toml"] == lists["req"] == lists["lock"] == "alpha 1.0\nbeta 2.1\n"


@pytest.mark.parametrize("requires,pins,message", [
    (["beta>=3"], [("beta", "2.1")], "requires beta>=3, but the manifest pins beta 2.1"),
    (["gamma"], [("beta", "2.1")], "requires gamma, which the manifest does not pin"),
    (["gamma ; python_version < '3'", "beta"], [("beta", "2.1")], None),
    (["beta[x]"], [("beta", "2.1")], "requires delta ; extra == \"x\", which the manifest does not pin"),
])
def test_consistency_is_checked_before_the_env_changes(tmp_path, burrow, wheelhouse, requires, pins,
                                                       message):
    a = build_wheel(wheelhouse, "alpha", "1.0", {"alpha.py": ""}, requires=requires)
    b = build_wheel(wheelhouse, "beta", "2.1", {"beta.py": ""},
                    requires=['delta ; extra == "x"'])
    m = tmp_path / "app.toml"
    m.write_text(py_manifest(wheelhouse, [pin(a), pin(b)]))
    p = burrow("create", tmp_path / "app", "--manifest", m)
    if message is None:
        assert p.returncode == 0, p.stderr
        return
    assert p.returncode == 4, p.stderr
    assert message in p.stderr, p.stderr
    assert "app.toml:" in p.stderr
    assert not (tmp_path / "app").exists()


def test_best_compatible_wheel_is_chosen(tmp_path, burrow, wheelhouse):
    tags = subprocess.run([PYTHON, "-c", "import packaging.tags as t; print(next(iter(t.sys_tags())))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    generic = build_wheel(wheelhouse, "multi", "1.0", {"multi.py": "KIND = 'generic'\n"})
    best = build_wheel(wheelhouse, "multi", "1.0", {"multi.py": "KIND = 'best'\n"}, tag=tags,
                       root_is_purelib=False)
    alien = build_wheel(wheelhouse, "multi", "1.0", {"multi.py": "KIND = 'alien'\n"},
                        tag="cp27-cp27m-win_amd64")
    hashes = [sha256_file(w) for w in (generic, best, alien)]
    m = tmp_path / "app.toml"
    m.write_text(py_manifest(wheelhouse, [("multi", "1.0", hashes)]))
    burrow("create", tmp_path / "app", "--manifest", m, check=0)
    p = burrow("run", tmp_path / "app", "--", "python", "-c", "import multi; print(multi.KIND)", check=0)
    assert p.stdout == "best\n"
    # only the alien one pinned: nothing fits, and the error says why for each file
    m.write_text(py_manifest(wheelhouse, [("multi", "1.0", [hashes[2]])]))
    p = burrow("create", tmp_path / "app2", "--manifest", m)
    assert p.returncode == 4, p.stderr
    assert "do not fit" in p.stderr


BAD = {
    "record-hash": dict(record_override={"bad/__init__.py": ("sha256=" + "A" * 43, 4)}),
    "not-in-record": dict(skip_record=("bad/__init__.py",)),
    "traversal": dict(extra_members={"../evil.py": "x"}),
    "data-escape": dict(data={"data": {"../../../../evil": "x"}}),
    "entry-point": dict(entry_points="[console_scripts]\n../x = bad:main\n"),
    "reserved-name": dict(entry_points="[console_scripts]\npython3 = bad:main\n"),
    "two-dist-info": dict(extra_members={"other-1.0.dist-info/METADATA": "Name: other\n"}),
    "wheel-version": dict(wheel_version="2.0"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_wheels_are_refused(tmp_path, burrow, wheelhouse, case):
    good = build_wheel(tmp_path / "good", "bad", "1.0", {"bad/__init__.py": "x=1\n"})
    m = tmp_path / "app.toml"
    m.write_text(py_manifest(tmp_path / "good", [pin(good)]))
    env = tmp_path / "app"
    burrow("create", env, "--manifest", m, check=0)
    before = snapshot(env)
    w = build_wheel(wheelhouse, "bad", "2.0", {"bad/__init__.py": "x=2\n"}, **BAD[case])
    m2 = tmp_path / "bad.toml"
    m2.write_text(py_manifest(wheelhouse, [pin(w)]))
    p = burrow("install", env, "--manifest", m2)
    assert p.returncode == 6, (case, p.stderr)
    assert "bad-2.0-py3-none-any.whl" in p.stderr
    assert snapshot(env) == before
    assert not (tmp_path / "evil.py").exists() and not (tmp_path / "evil").exists()
    assert [n for n in os.listdir(tmp_path) if "staging" in n] == []


def test_compile(tmp_path, burrow, wheelhouse):
    w = build_wheel(wheelhouse, "comp", "1.0", {"comp/__init__.py": "X = 1\n"})
    m = tmp_path / "app.toml"
    m.write_text(py_manifest(wheelhouse, [pin(w)]))
    env = tmp_path / "app"
    burrow("create", env, "--manifest", m, "--compile", check=0)
    pyc = glob.glob(os.path.join(site(env), "comp", "__pycache__", "*.pyc"))
    assert pyc
    # recorded in state.db, so the env stays consistent
    import sqlite3
    db = sqlite3.connect(str(env / ".burrow" / "state.db"))
    rows = [r[0] for r in db.execute("SELECT path FROM files WHERE path LIKE '%.pyc'")]
    assert rows and all(r.endswith(".pyc") for r in rows)


def test_yanked_file_on_an_exact_pin_warns(tmp_path, burrow, wheelhouse):
    w = build_wheel(wheelhouse, "yanky", "1.0", {"yanky.py": "Y = 1\n"})
    h = sha256_file(w)
    page = tmp_path / "simple" / "yanky"
    page.mkdir(parents=True)
    (page / "index.html").write_text(
        '<!DOCTYPE html><html><body><a href="%s#sha256=%s" data-yanked="broken metadata">%s</a>'
        '</body></html>' % ("file://" + w, h, os.path.basename(w)))
    m = tmp_path / "app.toml"
    m.write_text('[env]\npython = "%s"\n\n' % PYTHON
                 + manifest_text([str(tmp_path / "simple")], [("yanky", "1.0", [h])]))
    p = burrow("create", tmp_path / "app", "--manifest", m, check=0)
    assert "yanky-1.0-py3-none-any.whl is yanked" in p.stderr


def test_nothing_fits_lists_every_offer(tmp_path, burrow, wheelhouse):
    a = build_wheel(wheelhouse, "picky", "1.0", {"picky.py": ""}, tag="cp27-cp27m-win_amd64")
    b = build_wheel(wheelhouse, "picky", "2.0", {"picky.py": ""})
    m = tmp_path / "app.toml"
    m.write_text(py_manifest(wheelhouse, [("picky", "1.0", [sha256_file(a)])]))
    p = burrow("create", tmp_path / "app", "--manifest", m)
    assert p.returncode == 4, p.stderr
    assert "picky-1.0-cp27-cp27m-win_amd64.whl: tags cp27-cp27m-win_amd64 do not fit" in p.stderr
    assert "picky-2.0-py3-none-any.whl: version 2.0, not 1.0" in p.stderr
