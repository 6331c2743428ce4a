"""python.c against the interpreter itself and against `python3 -m venv`:
the facts burrow reads from a base interpreter equal what that interpreter
(and Debian's packaging 23.0) report, and the venv files burrow writes make
an env that behaves exactly like one made by `python3 -m venv --without-pip`.

Driver: $BURROW_BUILD/tools/pyquery (tests/tools/pyquery.c)."""

import json
import os
import subprocess

import pytest

SYS_PYTHON = "/usr/bin/python3"
BUILD = os.environ.get("BURROW_BUILD") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build")
PYQUERY = os.path.abspath(os.path.join(BUILD, "tools", "pyquery"))

# Debian's interpreter only: a test that depends on what a developer's
# machine happens to have would be skipped elsewhere.
PYTHONS = [SYS_PYTHON]


def clean_env(**extra):
    env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    env.update(extra)
    return env


def pyquery(*args, check=0):
    assert os.access(PYQUERY, os.X_OK), "driver missing: %s" % PYQUERY
    p = subprocess.run([PYQUERY, *map(str, args)], env=clean_env(),
                       capture_output=True, text=True, timeout=120)
    if check is not None:
        assert p.returncode == check, (p.returncode, p.stdout, p.stderr)
    return p


def facts(python, cache=None):
    args = (["--cache", cache] if cache else []) + [python]
    return json.loads(pyquery(*args).stdout)


# What the interpreter says about itself, computed the obvious way, with
# packaging when it has it (Debian's python3-packaging for /usr/bin/python3).
EXPECTED = r"""
import json, os, platform, site, sys, sysconfig
E = "/ENV"
try:
    import packaging.markers, packaging.tags
    markers = packaging.markers.default_environment()
    tags = [str(t) for t in packaging.tags.sys_tags()]
except ImportError:
    markers = tags = None
scheme = "venv" if "venv" in sysconfig.get_scheme_names() else "posix_prefix"
paths = sysconfig.get_paths(scheme, vars=dict(base=E, platbase=E, installed_base=E,
                                              installed_platbase=E))
glibc = os.confstr("CS_GNU_LIBC_VERSION")
print(json.dumps(dict(
    executable=sys.executable, realpath=os.path.realpath(sys.executable),
    version=platform.python_version(), version_info=list(sys.version_info[:3]),
    implementation=sys.implementation.name, markers=markers, tags=tags,
    purelib=os.path.relpath(paths["purelib"], E), platlib=os.path.relpath(paths["platlib"], E),
    scripts=os.path.relpath(paths["scripts"], E), include=os.path.relpath(paths["include"], E),
    stdlib=sysconfig.get_path("stdlib"), platstdlib=sysconfig.get_path("platstdlib"),
    base_prefix=sys.base_prefix, base_exec_prefix=sys.base_exec_prefix,
    soabi=sysconfig.get_config_var("SOABI"), ext_suffix=sysconfig.get_config_var("EXT_SUFFIX"),
    platform=sysconfig.get_platform(), is_64bit=sys.maxsize > 2**32,
    glibc=glibc.split()[1] if glibc else None,
    stdlib_path=[p for p in sys.path if p not in site.getsitepackages()],
)))
"""


def expected(python):
    p = subprocess.run([python, "-I", "-c", EXPECTED], env=clean_env(),
                       capture_output=True, text=True, timeout=60, check=True)
    return json.loads(p.stdout)


@pytest.mark.parametrize("python", PYTHONS)
def test_facts_equal_interpreter(python):
    got, exp = facts(python), expected(python)
    assert got["executable"] == python == exp["executable"]
    assert got["realpath"] == exp["realpath"]
    assert got["home"] == os.path.dirname(python)
    assert got["version"] == exp["version"]
    assert [got["major"], got["minor"], got["micro"]] == exp["version_info"]
    assert got["implementation"] == exp["implementation"]
    for k in ("stdlib", "platstdlib", "base_prefix", "base_exec_prefix", "soabi",
              "ext_suffix", "platform", "is_64bit", "glibc", "stdlib_path"):
        assert got[k] == exp[k], k
    assert got["site_rel"] == exp["purelib"]
    assert got["platsite_rel"] == exp["platlib"]
    assert got["scripts_rel"] == exp["scripts"] == "bin"
    assert got["venv_include_rel"] == exp["include"]
    assert got["include_rel"] == "include/site/python%d.%d" % tuple(exp["version_info"][:2])
    t = got["target"]
    assert (t["py_major"], t["py_minor"]) == tuple(exp["version_info"][:2])
    assert t["impl"] == "cp" and t["debug"] == 0
    assert "%d.%d" % (t["glibc_major"], t["glibc_minor"]) == exp["glibc"]
    if exp["markers"] is not None:
        assert got["markers"] == exp["markers"]
    if exp["tags"] is not None:
        assert got["tags_count"] == len(exp["tags"])
        assert got["tag_first"] == exp["tags"][0]


def test_system_python_has_packaging():
    """The oracle of the two tests below must really be there."""
    exp = expected(SYS_PYTHON)
    assert exp["markers"] is not None and exp["tags"] is not None
    assert exp["realpath"] == "/usr/bin/python3.11"
    assert exp["purelib"] == "lib/python3.11/site-packages"


def test_tags_equal_packaging():
    got = pyquery("--tags", SYS_PYTHON).stdout.split()
    assert got == expected(SYS_PYTHON)["tags"]


def test_cache_roundtrip(tmp_path):
    cache = str(tmp_path / "cache")
    a = facts(SYS_PYTHON, cache)
    b = facts(SYS_PYTHON, cache)
    assert (a.pop("from_cache"), b.pop("from_cache")) == (False, True)
    assert a == b
    import sqlite3
    db = sqlite3.connect(os.path.join(cache, "cache.db"))
    rows = db.execute("SELECT path, size FROM interpreters").fetchall()
    db.close()
    assert rows == [(a["realpath"], os.stat(a["realpath"]).st_size)]


def test_find(tmp_path):
    d = tmp_path / "bin"
    d.mkdir()
    (d / "python3").symlink_to(SYS_PYTHON)
    path = "relative:%s:/usr/bin" % d
    assert pyquery("--find", "3.11", path).stdout.strip() == "/usr/bin/python3.11"
    assert pyquery("--find", "", path).stdout.strip() == str(d / "python3")
    p = pyquery("--find", "3.99", path, check=1)
    assert "no python3.99 or python3 of version 3.99 on PATH" in p.stderr
    assert pyquery("--find", "3.x", path, check=2).stderr


# ------------------------------------------------------------ venv layout

def run_in(env_dir, code, **extra):
    """ENV/bin/python with a clean environment (what burrow run gives)."""
    p = subprocess.run([os.path.join(env_dir, "bin", "python"), "-c", code],
                       env={"LC_ALL": "C.UTF-8", **extra}, capture_output=True,
                       text=True, timeout=60, cwd="/", check=True)
    return json.loads(p.stdout)


PROBE = r"""
import json, site, sys, sysconfig
print(json.dumps(dict(prefix=sys.prefix, exec_prefix=sys.exec_prefix,
    base_prefix=sys.base_prefix, base_exec_prefix=sys.base_exec_prefix,
    path=sys.path, executable=sys.executable, user_site=site.ENABLE_USER_SITE,
    sitepackages=site.getsitepackages(), scheme=sysconfig.get_default_scheme()
        if hasattr(sysconfig, "get_default_scheme") else None,
    purelib=sysconfig.get_path("purelib"), scripts=sysconfig.get_path("scripts"))))
"""


def tree(root, skip=()):
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            rel = os.path.relpath(p, root)
            if rel in skip:
                continue
            st = os.lstat(p)
            if os.path.islink(p):
                out[rel] = ("l", os.readlink(p))
            elif os.path.isdir(p):
                out[rel] = ("d", st.st_mode & 0o7777)
            else:
                out[rel] = ("f", st.st_mode & 0o7777)
    return out


def read_cfg(path):
    out = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition(" = ")
            out[k] = v
    return out


def make_pair(python, tmp_path):
    real = tmp_path / "real"
    ours = tmp_path / "ours"
    subprocess.run([python, "-m", "venv", "--without-pip", str(real)], env=clean_env(),
                   check=True, timeout=120, capture_output=True)
    ours.mkdir()
    pyquery("--venv", python, ours, "burrow create %s" % ours)
    return str(real), str(ours)


@pytest.mark.parametrize("python", PYTHONS)
def test_venv_like_python_venv(python, tmp_path):
    real, ours = make_pair(python, tmp_path)

    # the same files and links, but venv's activate scripts
    activate = {"bin/activate", "bin/activate.csh", "bin/activate.fish", "bin/Activate.ps1"}
    assert tree(ours) == tree(real, skip=activate)
    assert tree(ours)["lib64"] == ("l", "lib")
    assert not [p for p in tree(ours) if "dist-packages" in p]

    # pyvenv.cfg: the same keys and values in the same order, command aside
    rc, oc = read_cfg(os.path.join(real, "pyvenv.cfg")), read_cfg(os.path.join(ours, "pyvenv.cfg"))
    assert rc.pop("command").startswith(python + " -m venv")
    assert oc.pop("command") == "burrow create %s" % ours
    assert list(oc.items()) == list(rc.items())

    # the interpreter sees the same world, with the env path substituted
    r, o = run_in(real, PROBE), run_in(ours, PROBE)
    subst = json.loads(json.dumps(r).replace(real, ours))
    assert o == subst
    assert o["prefix"] == o["exec_prefix"] == ours
    assert o["base_prefix"] == os.path.dirname(os.path.dirname(os.path.realpath(python)))
    assert o["executable"] == os.path.join(ours, "bin", "python")
    assert o["purelib"] == os.path.join(ours, "lib/python3.11/site-packages")
    assert o["scripts"] == os.path.join(ours, "bin")
    assert o["user_site"] is False
    # nothing outside the env and the base stdlib: no dist-packages, no
    # site-packages of the base (what the real venv shows, exactly)
    base = facts(python)
    assert o["path"] == [""] + base["stdlib_path"] + [
        os.path.join(ours, "lib/python3.11/site-packages")]
    assert not [p for p in o["path"] if "dist-packages" in p]

    # the way burrow run starts it: PYTHONNOUSERSITE=1, VIRTUAL_ENV set
    o2 = run_in(ours, PROBE, PYTHONNOUSERSITE="1", VIRTUAL_ENV=ours, HOME=str(tmp_path))
    assert o2["path"] == o["path"] and o2["user_site"] is False


def test_system_venv_scheme(tmp_path):
    """Debian's default scheme is posix_local; inside our env it is venv."""
    _, ours = make_pair(SYS_PYTHON, tmp_path)
    assert run_in(ours, PROBE)["scheme"] == "venv"


def test_venv_refuses_foreign_link(tmp_path):
    ours = tmp_path / "ours"
    (ours / "bin").mkdir(parents=True)
    (ours / "bin" / "python").symlink_to("/bin/sh")
    p = pyquery("--venv", SYS_PYTHON, ours, check=1)
    assert "bin/python exists and is not a link to python3" in p.stderr
