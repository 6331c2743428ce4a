"""Hostile wheels that are well-formed ZIPs but break the wheel rules:
RECORD, .data, entry points, dist-info layout, identity.  Extends
test_python.py's BAD table (record-hash, not-in-record, traversal,
data-escape, "../x" and "python3" entry points, two-dist-info,
wheel-version are there and not repeated).  Each install exits 6 naming
the wheel, and leaves everything as it was (hostile.Before)."""

import pytest

from hostile import b64sha, ids, pyenv, wheel_entries  # noqa: F401

INIT = {"zap/__init__.py": b"def main():\n    print('zap')\n"}
DI = "zap-1.0.dist-info"


def row(path, data):
    return "%s,sha256=%s,%d" % (path, b64sha(data), len(data))


def ep(name):
    return "[console_scripts]\n%s = zap:main\n" % name


def data(scheme, path, content=b"x\n"):
    return dict(INIT, **{"zap-1.0.data/%s/%s" % (scheme, path): content})


CASES = {
    # RECORD
    "record-size-mismatch": (dict(record_override={
        "zap/__init__.py": "zap/__init__.py,sha256=%s,%d" % (b64sha(INIT["zap/__init__.py"]), 5)}),
        "zap/__init__.py"),
    "record-weak-hash": (dict(record_override={
        "zap/__init__.py": "zap/__init__.py,md5=AAAAAAAAAAAAAAAAAAAAAA,%d"
                           % len(INIT["zap/__init__.py"])}), "md5"),
    "record-lists-outside": (dict(record_extra=[row("../../outside.py", b"x")]), "outside.py"),
    "record-lists-absolute": (dict(record_extra=[row("/etc/passwd", b"x")]), "/etc/passwd"),
    "record-lists-missing-file": (dict(record_extra=[row("zap/ghost.py", b"x")]), "zap/ghost.py"),
    "record-duplicate-row": (dict(record_extra=[row("zap/__init__.py",
                                                    INIT["zap/__init__.py"])]), "zap/__init__.py"),
    "record-missing": (dict(record_skip=(DI + "/METADATA",)), DI + "/METADATA"),
    "record-unlisted-data-file": (dict(files=data("data", "share/x"),
                                       record_skip=("zap-1.0.data/data/share/x",)), "share/x"),
    # .data
    "data-into-burrow-state": (dict(files=data("data", ".burrow/state.db")), ".burrow"),
    "data-over-pyvenv-cfg": (dict(files=data("data", "pyvenv.cfg")), "pyvenv.cfg"),
    "data-unknown-scheme": (dict(files=data("bin", "tool")), "zap-1.0.data/bin"),
    "data-scripts-reserved": (dict(files=data("scripts", "python3")), "python3"),
    "data-scripts-activate": (dict(files=data("scripts", "activate")), "activate"),
    "data-other-dist-info": (dict(files=data("purelib", "other-1.0.dist-info/METADATA",
                                              b"Name: other\n")), "other-1.0.dist-info"),
    "data-same-destination": (dict(files=data("purelib", "zap/__init__.py")), "zap/__init__.py"),
    "data-headers-dotdot": (dict(files=data("headers", "x/../../../../evil.h")), "evil.h"),
    # entry points
    "entry-point-slash": (dict(entry_points=ep("a/b")), "a/b"),
    "entry-point-dotdot": (dict(entry_points=ep("..")), '".."'),
    "entry-point-dot": (dict(entry_points=ep(".")), '"."'),
    "entry-point-backslash": (dict(entry_points=ep("a\\b")), "a\\\\b"),
    "entry-point-escape-bytes": (dict(entry_points=ep("x\x1b[2J")), "x\\x1b[2J"),
    "entry-point-python": (dict(entry_points=ep("python")), "python"),
    "entry-point-python3.11": (dict(entry_points=ep("python3.11")), "python3.11"),
    "entry-point-activate": (dict(entry_points=ep("activate")), "activate"),
    "entry-point-activate.fish": (dict(entry_points="[gui_scripts]\nactivate.fish = zap:main\n"),
                                  "activate.fish"),
    "entry-point-bad-target": (dict(entry_points="[console_scripts]\nz = os; import os:x\n"),
                               "entry_points.txt"),
    # layout and identity
    "two-dist-info-same-project": (dict(extra_members=[("zap-2.0.dist-info/METADATA",
                                                        b"Name: zap\nVersion: 2.0\n")]),
                                   "dist-info"),
    "metadata-name-differs": (dict(meta_name="other"), "other"),
    "metadata-version-differs": (dict(meta_version="2.0"), "2.0"),
    "dist-info-named-otherwise": (dict(dist_info="other-1.0.dist-info"), "other-1.0.dist-info"),
    "no-dist-info": (dict(dist_info="zap-1.0.info"), ""),
}


@pytest.mark.parametrize("case", sorted(CASES), ids=ids(sorted(CASES)))
def test_wheel_rules(pyenv, case):
    kw, needle = CASES[case]
    kw = dict(kw)
    files = kw.pop("files", INIT)
    p = pyenv.refuse(wheel_entries("zap", "1.0", files, **kw), *([needle] if needle else []))
    assert "\x1b" not in p.stderr
    assert not (pyenv.tmp / "outside.py").exists() and not (pyenv.tmp / "evil.h").exists()


def test_hostile_wheel_name_not_the_filename(pyenv):
    """The file says zap 1.0; the wheel inside is someone else's."""
    other = wheel_entries("other", "1.0", {"other/__init__.py": b"x = 1\n"})
    pyenv.refuse(other)
