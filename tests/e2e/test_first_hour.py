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
