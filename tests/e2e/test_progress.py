"""Progress output of create/install/fetch: plain lines when stderr is not a
terminal (a Docker build log), a live line rewritten with \\r on a terminal
(driven through a pty), nothing with -q."""

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time

import pytest

from conftest import BURROW, make_tree, manifest_text, script, sha256

ESC = "\x1b"


@pytest.fixture
def app(tmp_path, burrow, server_factory):
    """Two bundles on a loopback index and a manifest pinning both."""
    out = tmp_path / "repo"
    out.mkdir()
    pins = []
    for name, size in (("alpha", 150000), ("beta", 3000)):
        src = make_tree(tmp_path / "src" / name, {
            "bin/" + name: script("echo " + name),
            "share/%s/blob" % name: os.urandom(size)})
        path = burrow.pack(src, name, "1.0", out)
        pins.append((name, "1.0", [sha256(path)]))
    burrow("index", out, check=0)
    server = server_factory(out)
    m = tmp_path / "app.toml"
    m.write_text(manifest_text([server.url("simple/")], pins))
    return m


def test_plain_when_not_a_terminal(tmp_path, burrow, app):
    p = burrow("create", tmp_path / "env", "--manifest", app, check=0)
    err = p.stderr
    assert "\r" not in err and ESC not in err
    lines = err.splitlines()
    assert all(line.startswith("burrow: ") for line in lines), lines
    assert "burrow: resolve: 2 bundles" in lines
    assert "burrow: download: 2 files" in lines
    got = sorted(line for line in lines if line.startswith("burrow: downloaded "))
    assert len(got) == 2
    assert re.fullmatch(r"burrow: downloaded alpha-1\.0-[a-z0-9_]+\.tar\.gz \(\d+ KiB\)", got[0])
    assert re.fullmatch(r"burrow: downloaded beta-1\.0-[a-z0-9_]+\.tar\.gz \(\d+ (B|KiB)\)", got[1])
    assert len([x for x in lines if x.startswith("burrow: unpack: ")]) == 2
    assert "burrow: link: 2 bundles" in lines
    assert "burrow: commit: %s" % (tmp_path / "env") in lines
    assert lines[-1].startswith("burrow: created ")
    # one line per event, in the order of the transaction; an archive is
    # unpacked as soon as it is downloaded, while the others download
    order = [x.split(":")[1].split()[0] if not x.startswith("burrow: downloaded") else
             "downloaded" for x in lines[:-1]]
    assert order[:2] == ["resolve", "download"] and order[-2:] == ["link", "commit"]
    assert sorted(order[2:-2]) == ["downloaded"] * 2 + ["unpack"] * 2, order
    for name in ("alpha", "beta"):
        at = [i for i, x in enumerate(lines) if name + "-1.0" in x]
        assert len(at) == 2 and lines[at[0]].startswith("burrow: downloaded "), lines


def test_quiet_prints_nothing(tmp_path, burrow, app):
    p = burrow("-q", "create", tmp_path / "env", "--manifest", app, check=0)
    assert p.stderr == "" and p.stdout == ""
    p = burrow("-q", "install", tmp_path / "env", "--manifest", app, check=0)
    assert p.stderr == "" and p.stdout == ""


def test_progress_none_keeps_the_summary(tmp_path, burrow, app):
    p = burrow("--progress", "none", "create", tmp_path / "env", "--manifest", app, check=0)
    assert p.stderr.splitlines() == [p.stderr.splitlines()[-1]]
    assert p.stderr.startswith("burrow: created ")


def test_bad_progress_value(tmp_path, burrow, app):
    p = burrow("--progress", "fancy", "create", tmp_path / "env", "--manifest", app)
    assert p.returncode == 2 and "expected auto, plain or none" in p.stderr


def on_pty(burrow, args, extra_env=None, timeout=60, cols=300):
    """Runs burrow with stdin/stdout/stderr on a pty; returns (status, text)."""
    env = dict(burrow.env, TERM="xterm")
    env.update(extra_env or {})
    master, slave = pty.openpty()
    # a wide terminal: lines are cut to its width
    if cols:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, cols, 0, 0))
    p = subprocess.Popen([BURROW, *map(str, args)], stdin=slave, stdout=slave, stderr=slave,
                         env=env)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([master], [], [], 0.5)
        if r:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child side closed
                break
            if not data:
                break
            out += data
        elif p.poll() is not None:
            break
    os.close(master)
    status = p.wait(timeout=10)
    return status, out.decode("utf-8", "replace")


def test_live_line_on_a_terminal(tmp_path, burrow, app):
    status, out = on_pty(burrow, ["create", tmp_path / "env", "--manifest", app])
    assert status == 0, out
    assert "\r" in out.replace("\r\n", "")    # rewritten in place
    assert ESC not in out                     # no colour, no cursor codes
    # every phase's line is finished before the next starts, and each screen
    # line shows its phase last as it was drawn
    screen = [seg.split("\r")[-1].rstrip() for seg in out.split("\r\n") if seg]
    assert screen[0].startswith("burrow: resolve: 2 bundles")  # + index pages fetched
    assert re.match(r"burrow: download: 2 files \(2/2 done, \d+ KiB", screen[1]), screen
    assert screen[2].startswith("burrow: unpack [2]: ")
    assert screen[3:5] == ["burrow: link: 2 bundles", "burrow: commit: %s" % (tmp_path / "env")]
    assert screen[5].startswith("burrow: created ")


def test_live_line_fits_the_terminal(tmp_path, burrow, app):
    deep = tmp_path / ("d" * 100) / "env"
    deep.parent.mkdir()
    status, out = on_pty(burrow, ["create", deep, "--manifest", app], cols=0)
    assert status == 0, out
    # the default pty has no size: 80 columns are assumed, one row per line
    for seg in out.split("\r\n")[:-2]:
        for frame in seg.split("\r"):
            assert len(frame) <= 79, frame


def test_plain_on_a_terminal_when_asked(tmp_path, burrow, app):
    status, out = on_pty(burrow, ["--progress", "plain", "create", tmp_path / "env",
                                  "--manifest", app], {"NO_COLOR": "1"})
    assert status == 0, out
    assert "\r" not in out.replace("\r\n", "\n") and ESC not in out
    assert "burrow: download: 2 files\r\n" in out


def test_error_starts_on_its_own_line(tmp_path, burrow, app):
    bad = tmp_path / "bad.toml"
    bad.write_text(re.sub(r"[0-9a-f]{64}", "0" * 64, app.read_text(), count=1))
    status, out = on_pty(burrow, ["create", tmp_path / "env", "--manifest", bad])
    assert status == 6, out
    assert "\r\nburrow: error: " in out
