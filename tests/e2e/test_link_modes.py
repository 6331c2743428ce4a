"""Link modes: reflink, hardlink and copy give the same env, byte for byte;
--link-mode forces one; auto falls back without a word."""

import os

import pytest

from conftest import manifest_text, snapshot
from test_python import pin, py_manifest, site
from wheels import build_wheel


@pytest.fixture
def manifest(tmp_path):
    wh = tmp_path / "wheelhouse"
    w = build_wheel(wh, "linky", "1.0", {"linky/__init__.py": "X = 1\n", "linky/data.txt": "d\n"},
                    data={"scripts": {"linky-sh": "#!python\nprint('linky')\n"}},
                    modes={"linky-1.0.data/scripts/linky-sh": 0o644},
                    entry_points="[console_scripts]\nlinky = linky:main\n")
    m = tmp_path / "app.toml"
    m.write_text(py_manifest(wh, [pin(w)]))
    return m


def supports_reflink(d):
    import fcntl
    a, b = os.path.join(d, ".ra"), os.path.join(d, ".rb")
    with open(a, "wb") as f:
        f.write(b"x")
    try:
        with open(a, "rb") as src, open(b, "wb") as dst:
            fcntl.ioctl(dst.fileno(), 0x40049409, src.fileno())  # FICLONE
        return True
    except OSError:
        return False
    finally:
        for p in (a, b):
            if os.path.exists(p):
                os.unlink(p)


def test_link_modes_give_identical_envs(tmp_path, burrow, manifest):
    envs = {}
    reflink = supports_reflink(str(tmp_path))
    for mode in ("auto", "hardlink", "copy", "reflink"):
        env = tmp_path / ("env-" + mode)
        p = burrow("create", env, "--manifest", manifest, "--link-mode", mode)
        if mode == "reflink" and not reflink:
            assert p.returncode == 1 and "cannot clone" in p.stderr, p.stderr
            assert not env.exists()
            continue
        assert p.returncode == 0, p.stderr
        envs[mode] = env
        assert p.stderr.count("warning") == 0
    snaps = {m: {k: v for k, v in snapshot(e).items() if k != "pyvenv.cfg"}
             for m, e in envs.items()}
    first = next(iter(snaps.values()))
    for m, s in snaps.items():
        assert s == first, m
    f = os.path.join(site(envs["hardlink"]), "linky", "__init__.py")
    assert os.stat(f).st_nlink > 1          # shares the cache tree's inode
    f = os.path.join(site(envs["copy"]), "linky", "__init__.py")
    assert os.stat(f).st_nlink == 1
    # a script made executable is never a hard link to the 0644 cache file
    s = envs["hardlink"] / "bin" / "linky-sh"
    assert os.stat(s).st_mode & 0o777 == 0o755
    for e in envs.values():
        assert burrow("run", e, "--", "linky-sh", check=0).stdout == "linky\n"
    p = burrow("create", tmp_path / "x", "--manifest", manifest, "--link-mode", "sideways")
    assert p.returncode == 2 and "link-mode" in p.stderr


def test_cache_on_another_filesystem_falls_back_quietly(tmp_path, burrow, manifest):
    # /dev/shm is a tmpfs: another filesystem than the test's tmp dir
    import tempfile
    with tempfile.TemporaryDirectory(dir="/dev/shm") as cache:
        env = tmp_path / "app"
        p = burrow("create", env, "--manifest", manifest, env={"BURROW_CACHE_DIR": cache}, check=0)
        assert "warning" not in p.stderr and "error" not in p.stderr
        f = os.path.join(site(env), "linky", "__init__.py")
        assert os.stat(f).st_nlink == 1
        assert burrow("run", env, "--", "linky-sh", check=0).stdout == "linky\n"
