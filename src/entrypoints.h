/*
 * entrypoints: a wheel's entry_points.txt (console_scripts, gui_scripts),
 * the names a launcher may have, and the bytes of the relocatable launchers
 * and rewritten "#!python" scripts we put in an env's bin/.
 *
 * Every launcher and rewritten script starts with the same /bin/sh
 * trampoline, which finds the interpreter beside the script's real path, so
 * an env can be moved or copied (DESIGN "Envs are relocatable") and may sit
 * under a path with spaces:
 *
 *     #!/bin/sh
 *     # -*- coding: utf-8 -*-
 *     '''':
 *     p=$(realpath -- "$0") && exec "${p%/STAR}/python" "$0" "$@"
 *     echo "$0: cannot resolve the path of this script" >&2; exit 127
 *     '''
 *
 * (STAR stands for '*': C comments cannot hold the pair.)
 *
 * For sh, line 3 is the no-op ":" ('' '' ':'), line 4 resolves the script's
 * own path and execs ENV/bin/python (by path, so CPython sees argv[0] in
 * ENV/bin and finds ENV/pyvenv.cfg; the bin/python symlink is not
 * resolved), and if realpath fails line 5 fails closed instead of falling
 * back to "./python" in the working directory.  For Python, line 1 and 2
 * are comments (line 2 is the coding cookie; the only line where one
 * counts after a "#!" line) and lines 3-6 are one string literal statement.
 *
 * realpath rather than dirname "$0": a launcher reached through a symlink
 * from outside the env (/usr/local/bin/app -> ENV/bin/app) must still run
 * ENV's interpreter, never a "python" that happens to sit beside the link.
 * The cost is two small processes (realpath, then exec) per start; it needs
 * realpath(1) (coreutils >= 8.15, busybox).
 */
#ifndef BURROW_ENTRYPOINTS_H
#define BURROW_ENTRYPOINTS_H

#include "util/strbuf.h"

#include <stddef.h>

#define ENTRYPOINTS_MAX_INPUT ((size_t)1 << 20)
#define ENTRYPOINTS_MAX_ITEMS 10000
#define ENTRYPOINTS_MAX_NAME 128
#define ENTRYPOINTS_MAX_REF 512 /* module, attr */

struct entrypoint {
	char *name;   /* the launcher's file name (passed entrypoints_name_ok) */
	char *module; /* dotted identifiers */
	char *attr;   /* dotted identifiers */
	int gui;      /* from [gui_scripts] (on posix the same launcher) */
	int line;     /* 1-based, for messages */
};

struct entrypoints {
	struct entrypoint *items;
	size_t len, alloc;
};

/* Parses entry_points.txt (INI as configparser reads it for installers:
 * sections "[name]", "key = value" split at the first '=', whole-line
 * comments starting with '#', blank lines) and keeps the entries of
 * [console_scripts] and [gui_scripts]; other sections are skipped unread.
 * A value is "module:attr" with optional blanks around ':' and an optional
 * "[extras]" (ignored).  Refused (BURROW_EINTEGRITY, message
 * "entry_points.txt:LINE: ..."): NUL bytes, input over 1 MiB, more than
 * 10,000 entries, a line without '=', a continuation line or a ';' line
 * in a scripts section (configparser and importlib.metadata read those
 * differently), an indented section header, a scripts section given twice, a value without ":attr",
 * module or attr parts that are not ASCII Python identifiers or are keywords, a name failing
 * entrypoints_name_ok, the same name twice (console and gui launchers share bin/).  out is filled
 * (caller releases it with entrypoints_release, also after a failure). */
int entrypoints_parse(const char *data, size_t len, struct entrypoints *out, struct strbuf *err);
void entrypoints_release(struct entrypoints *eps);

/* 0 when name (len bytes) may be a launcher's file name, else
 * BURROW_EINTEGRITY with `entry point "<name>": <reason>`.  Allowed: 1 to
 * 128 bytes of [A-Za-z0-9._+-], starting with a letter, digit or '_' (so
 * never '.', '..', a hidden file or something a shell tool takes for an
 * option, and never '/', '\\', NUL, blanks or control characters).
 * Reserved (case-insensitive prefixes): "python" (the env's interpreter
 * links) and "activate" (venv activation scripts). */
int entrypoints_name_ok(const char *name, size_t len, struct strbuf *err);

/* Appends the launcher for ep to out: the trampoline above, then
 *
 *     import re
 *     import sys
 *     from MODULE import ATTR_HEAD
 *     if __name__ == "__main__":
 *         sys.argv[0] = re.sub(r"(-script\.pyw|\.exe)?$", "", sys.argv[0])
 *         sys.exit(ATTR())
 *
 * (pypa/installer's template; ATTR_HEAD is ATTR up to its first '.').
 * 0, or -1 when out cannot grow. */
int entrypoints_launcher(const struct entrypoint *ep, struct strbuf *out);

/* For a .data/scripts file: when data starts with "#!python" (also
 * "#!pythonw", "#!python -u"), appends to out the trampoline followed by
 * the file from its second line on, unchanged, and returns 1.  The
 * trampoline's line 2 is the file's own line 2 when that is a coding
 * cookie starting with '#' (so it keeps counting), else the utf-8 cookie.
 * Returns 0 (out untouched) when data does not start with "#!python", -1
 * when out cannot grow.  Known limit, shared with pip and installer: a
 * script with its own docstring followed by "from __future__ import" stops
 * compiling, as the trampoline string becomes the first statement. */
int entrypoints_fix_shebang(const char *data, size_t len, struct strbuf *out);

#endif
