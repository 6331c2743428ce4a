"""The demo web app: a WSGI app (hello_app) served by a WSGI server
(minserve), both wheels built by the repo's own scripts/build-wheels,
indexed by `burrow index`, served from 127.0.0.1, installed into a Python
env and run by `burrow run`, which execs: the pid we spawn is the server's,
and SIGTERM to it must stop the server cleanly with status 0."""

import base64
import hashlib
import os
import zipfile

from conftest import BURROW, PYTHON, manifest_text
from demoapp import App, build_wheels, pins, sha256


def test_build_wheels_is_reproducible_and_well_formed(tmp_path):
    a = build_wheels(tmp_path / "a")
    b = build_wheels(tmp_path / "b")
    for name in a:
        assert sha256(a[name]) == sha256(b[name]), name
    for name, path in a.items():
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            names = [i.filename for i in infos]
            dist = [n for n in names if ".dist-info/" in n]
            assert names[-1].endswith(".dist-info/RECORD"), names
            assert names[:len(names) - len(dist)] == sorted(names[:len(names) - len(dist)])
            assert all(i.date_time == (2020, 1, 1, 0, 0, 0) for i in infos)
            assert all(i.external_attr >> 16 == 0o100644 for i in infos)
            assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
            record = z.read(names[-1]).decode().splitlines()
            assert len(record) == len(names)
            for row in record:
                member, digest, size = row.split(",")
                if member == names[-1]:
                    assert digest == size == ""
                    continue
                data = z.read(member)
                want = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
                assert digest == "sha256=" + want.decode() and int(size) == len(data), row
            if name == "minserve":
                assert z.read("minserve-1.0.dist-info/entry_points.txt") == \
                    b"[console_scripts]\nminserve = minserve:main\n"


def test_wsgi_app_under_burrow_run(tmp_path, burrow, server_factory):
    wheelhouse = tmp_path / "wheelhouse"
    wheels = build_wheels(wheelhouse)
    burrow("index", wheelhouse, check=0)
    server = server_factory(wheelhouse)
    m = tmp_path / "app.toml"
    m.write_text('[env]\npython = "%s"\n\n' % PYTHON
                 + manifest_text([server.url("simple/")], pins(wheels)))
    env = tmp_path / "app"
    burrow("create", env, "--manifest", m, check=0)
    listed = burrow("list", env, check=0).stdout
    assert "minserve 1.0" in listed and "hello-app 1.0" in listed, listed

    # the caller's environment must not matter: a hostile PYTHONPATH is dropped
    run_env = dict(burrow.env, PYTHONPATH=str(tmp_path / "nowhere"))
    app = App([BURROW, "run", str(env), "--", "minserve", "hello_app:wsgi", "--port", "0"],
              run_env, tmp_path / "server.err")
    try:
        app.wait_listening()
        # burrow execs: the pid we spawned is now the Python server itself
        with open("/proc/%d/cmdline" % app.proc.pid, "rb") as f:
            cmdline = f.read().split(b"\0")
        assert any(a.endswith(b"/minserve") for a in cmdline), cmdline
        assert os.path.basename(os.readlink("/proc/%d/exe" % app.proc.pid)).startswith("python")
        page = app.page()
        assert page["message"] == "hello from burrow", page
        assert page["prefix"] == str(env), page
        assert page["base_prefix"] == "/usr", page
        assert page["module"].startswith(str(env) + "/lib/python"), page
        assert page["server"].startswith("minserve/1.0"), page
        status, _, body = app.get("/nope")
        assert status == 404 and body == b"not found\n"
        rc = app.terminate()
        assert rc == 0, "exit %s after SIGTERM\n%s" % (rc, app.describe())
        assert "".join(app.out).strip().endswith("minserve: stopped (SIGTERM)"), app.describe()
        assert '"GET / HTTP/1.1" 200' in app.stderr(), app.describe()
    finally:
        app.kill()
