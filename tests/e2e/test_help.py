"""burrow help: every command documented, the man page and the bash completion
generated from the same tables (src/cmd_help.c + main.c's command table)."""

import re
import shutil
import subprocess

import pytest

from conftest import BURROW


def commands(burrow):
    out = burrow("help", check=0).stdout
    block = out.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    names = [line.split()[0] for line in block.splitlines()]
    assert "run" in names and "help" in names
    return names


def test_every_command_has_help(burrow):
    for name in commands(burrow):
        p = burrow("help", name)
        assert p.returncode == 0, (name, p.stderr)
        assert p.stdout.startswith("usage: burrow %s" % name), p.stdout
        assert len(p.stdout.splitlines()) >= 3, p.stdout  # a synopsis and a text


def test_help_options_are_listed(burrow):
    out = burrow("help", "run", check=0).stdout
    for opt in ("--user", "--keep", "--env"):
        assert re.search(r"^  %s " % opt, out, re.M), opt
    out = burrow("help", "create", check=0).stdout
    for opt in ("--manifest", "--index-url", "--find-links", "--python"):
        assert re.search(r"^  %s " % opt, out, re.M), opt


def test_overview_and_global_options(burrow):
    p = burrow("--help", check=0)
    assert p.stdout == burrow("help", check=0).stdout
    for opt in ("--quiet", "--offline", "--cache-dir", "--jobs", "--progress", "--cacert"):
        assert opt in p.stdout
    assert "BURROW_CACHE_DIR" in p.stdout


def test_command_dash_dash_help(burrow):
    # the commands burrow-core runs itself (run and env are the front's)
    for name in ("create", "install", "list", "pack", "cache"):
        p = burrow(name, "--help", check=0)
        assert p.stdout == burrow("help", name, check=0).stdout


def test_unknown(burrow):
    p = burrow("help", "no-such-command")
    assert p.returncode == 2 and "no such command" in p.stderr
    assert burrow("help", "--bogus").returncode == 2
    assert burrow("help", "--completion", "tcsh").returncode == 2


def test_man_page(burrow, tmp_path):
    text = burrow("help", "--man", check=0).stdout
    assert re.search(r'^\.TH BURROW 1 ', text, re.M)
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "GLOBAL OPTIONS",
                    "ENVIRONMENT", "EXIT STATUS"):
        assert re.search(r"^\.SH %s$" % section, text, re.M), section
    for name in commands(burrow):
        assert re.search(r"^\.SS %s$" % re.escape(name), text, re.M), name
    # options are \- escaped; no raw line starts with a stray control character
    assert "\\-\\-manifest" in text
    for line in text.splitlines():
        assert not line.startswith("'"), line
    page = tmp_path / "burrow.1"
    page.write_text(text)
    if shutil.which("groff"):
        p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", str(page)],
                           capture_output=True, text=True, timeout=30)
        assert p.returncode == 0 and p.stderr == "", p.stderr
    if shutil.which("man"):
        p = subprocess.run(["man", "-l", str(page)], capture_output=True, text=True,
                           timeout=30, env={"PATH": "/usr/bin:/bin", "MANPAGER": "cat",
                                            "MANWIDTH": "80", "LANG": "C.UTF-8"})
        assert p.returncode == 0, p.stderr
        assert "burrow run" in p.stdout and "--user" in p.stdout


def completion(burrow, tmp_path, *words):
    """COMPREPLY for the words (the last one being completed), from a bash that
    sourced the generated script."""
    script = tmp_path / "burrow.bash"
    script.write_text(burrow("help", "--completion", "bash", check=0).stdout)
    words_sh = " ".join("'%s'" % w for w in words)
    cmd = ('source %s\nCOMP_WORDS=(%s)\nCOMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n'
           '_burrow\nprintf "%%s\\n" "${COMPREPLY[@]}"\n' % (script, words_sh))
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", cmd], capture_output=True,
                       text=True, cwd=tmp_path, timeout=30)
    assert p.returncode == 0, p.stderr
    return [w for w in p.stdout.splitlines() if w]


@pytest.mark.skipif(not shutil.which("bash"), reason="needs bash")
def test_bash_completion_loads(burrow):
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c",
                        "source <(%s help --completion bash) && complete -p burrow" % BURROW],
                       capture_output=True, text=True, timeout=30, env=burrow.env)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "complete -F _burrow burrow"
    assert p.stderr == ""


@pytest.mark.skipif(not shutil.which("bash"), reason="needs bash")
def test_bash_completion_completes(burrow, tmp_path):
    (tmp_path / "envdir" / "bin").mkdir(parents=True)
    (tmp_path / "envdir" / "bin" / "gunicorn").write_text("")
    (tmp_path / "app.toml").write_text("")
    assert completion(burrow, tmp_path, "burrow", "") == commands(burrow)
    assert completion(burrow, tmp_path, "burrow", "cr") == ["create"]
    assert completion(burrow, tmp_path, "burrow", "--progress", "") == ["auto", "plain", "none"]
    assert completion(burrow, tmp_path, "burrow", "-q", "run", "--u") == ["--user"]
    assert completion(burrow, tmp_path, "burrow", "create", "env") == ["envdir"]
    assert completion(burrow, tmp_path, "burrow", "install", "envdir", "--manifest",
                      "app") == ["app.toml"]
    assert completion(burrow, tmp_path, "burrow", "run", "envdir", "--", "gu") == ["gunicorn"]
    assert completion(burrow, tmp_path, "burrow", "cache", "") == ["dir", "info", "clean"]
    assert completion(burrow, tmp_path, "burrow", "help", "ru") == ["run"]
    # every command's documented options complete
    for name in commands(burrow):
        doc = burrow("help", name, check=0).stdout
        opts = re.findall(r"^  (?:-\w, )?(--[a-z-]+)", doc, re.M)
        got = completion(burrow, tmp_path, "burrow", name, "--")
        for o in opts:
            assert o in got, (name, o, got)
