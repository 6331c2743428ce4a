/*
 * python: the base interpreter of a Python env.  Finds it (on a PATH string
 * or by absolute path), asks it once for the facts burrow needs (version,
 * compatibility-tag inputs, marker variables, the venv scheme's paths) and
 * keeps the answer in cache.db, and writes the files that make a directory
 * a venv (pyvenv.cfg, bin/python*, lib/pythonX.Y/site-packages, lib64).
 *
 * Only the base interpreter ever runs here, with -I -B and an empty
 * environment; nothing from an env or a bundle.
 */
#ifndef BURROW_PYTHON_H
#define BURROW_PYTHON_H

#include <stddef.h>

#include "pep508.h"
#include "tags.h"
#include "util/strbuf.h"

struct cache;

#define PYTHON_FACTS_MAX ((size_t)1 << 20) /* bytes of the interpreter's answer */
#define PYTHON_QUERY_TIMEOUT_MS 30000      /* then the interpreter is killed */

struct python_info {
	char *executable; /* absolute path as found (/usr/bin/python3): what bin/ links to */
	char *realpath;   /* its realpath (/usr/bin/python3.11): pyvenv.cfg "executable" */
	char *home;       /* dirname(executable): pyvenv.cfg "home" */
	char *version;    /* platform.python_version(), "3.11.2" */
	int major, minor, micro;
	char *implementation; /* sys.implementation.name, "cpython" */
	/* Inputs of tags_build; its strings point into this struct.  arch is
	 * packaging's (32-bit interpreters on 64-bit kernels adjusted);
	 * glibc is 0.0 when manylinux does not apply; musl is always 0.0
	 * (not probed: no musl interpreter is supported yet). */
	struct tags_target target;
	/* Every marker variable as packaging.markers.default_environment()
	 * computes it in this interpreter; extra is "".  Strings owned. */
	struct pep508_env markers;
	/* Relative to the env root, from sysconfig's "venv" scheme (else
	 * "posix_prefix") with base = platbase = the env: */
	char *site_rel;         /* purelib, "lib/python3.11/site-packages" */
	char *platsite_rel;     /* platlib, usually the same */
	char *scripts_rel;      /* "bin" */
	char *venv_include_rel; /* "include/python3.11": the empty dir venv makes */
	char *include_rel;      /* "include/site/python3.11": pip's headers dir in a venv,
	                           without the distribution name */
	char *stdlib;           /* sysconfig stdlib of the base, "/usr/lib/python3.11" */
	char *platstdlib;
	char *base_prefix, *base_exec_prefix; /* "/usr" */
	char *soabi;                          /* "cpython-311-x86_64-linux-gnu", or NULL */
	char *ext_suffix;                     /* ".cpython-311-x86_64-linux-gnu.so" */
	char *platform;                       /* sysconfig.get_platform(), "linux-x86_64" */
	char *glibc;                          /* "2.36", or NULL when not glibc */
	int is_64bit;                         /* sys.maxsize > 2**32 */
	/* sys.path of the base under -I minus its site-packages directories:
	 * the stdlib entries a venv of it also shows (zip, stdlib,
	 * lib-dynload).  NULL-terminated, owned. */
	char **stdlib_path;
	size_t n_stdlib_path;
	int from_cache; /* 1 when the facts came from cache.db */
	char *facts;    /* the interpreter's JSON answer, as stored in cache.db */
};

/* Finds the base interpreter named by spec:
 *   NULL or ""        "python3" on search_path
 *   "3", "3.11", "3.11.7"
 *                     "python3.11" (resp. "python3") on search_path, then
 *                     "python3"; the first whose version starts with spec
 *   a name without /  that name on search_path
 *   a path with /     that file (made absolute against the working
 *                     directory and lexically normalised)
 * search_path is a PATH string (the caller's PATH); its empty and relative
 * entries are skipped (the working directory must not pick the interpreter).
 * Candidates that are not executable ELF files (pyenv shims and other
 * wrapper scripts: they would not make a working venv) are skipped with a
 * note in the message when nothing is found.  A version spec makes the
 * candidates be queried (through cache, which may be NULL).
 * out_path gets the absolute, unresolved path.  Returns 0, BURROW_EUSAGE for
 * a malformed spec, or BURROW_EFAIL when nothing fits; err says what was
 * tried. */
int python_find(struct cache *cache, const char *spec, const char *search_path,
                struct strbuf *out_path, struct strbuf *err);

/* Fills info with the facts of the interpreter at the absolute path: from
 * cache.db's interpreters table when cache is not NULL and a row for
 * realpath(path) with the same mtime, size, query version and kernel
 * (uname) exists; else by running `path -I -B -c SCRIPT` with an
 * environment of only LC_ALL=C.UTF-8, stdin /dev/null, reading at most
 * PYTHON_FACTS_MAX bytes of JSON within PYTHON_QUERY_TIMEOUT_MS (then it is
 * killed), and storing the answer (BEGIN IMMEDIATE).  A failure to store is
 * not an error.  The caller owns info (python_info_release, also safe on a
 * zeroed struct, and on failure).  Fails with BURROW_EFAIL (not found, not
 * runnable, crashed, timed out, bad answer, unsupported interpreter: not
 * Linux, free-threaded), or BURROW_EINT / BURROW_ETERM when a signal
 * arrived while waiting. */
int python_query(struct cache *cache, const char *path, struct python_info *info,
                 struct strbuf *err);

/* Parses the interpreter's JSON answer (hostile bytes: bounded, every field
 * type- and range-checked, relative paths checked to stay beneath the env)
 * into info, filling everything but executable, realpath, home and
 * from_cache.  The caller owns info.  Returns 0 or BURROW_EFAIL with err. */
int python_facts_parse(const char *text, size_t len, struct python_info *info, struct strbuf *err);

void python_info_release(struct python_info *info);

/* Writes the venv layout into the directory envfd (a staging env), as
 * `python3 -m venv --without-pip` does on Debian 12 (CPython 3.11):
 *   pyvenv.cfg       home, include-system-site-packages = false, version
 *                    (X.Y.Z), executable (the realpath), and command when
 *                    command is not NULL (e.g. "burrow create /srv/app")
 *   bin/<name>       -> info->executable (absolute), name = its basename
 *   bin/python, bin/python3, bin/python3.Y -> <name> (relative), unless
 *                    that is <name> itself
 *   lib/pythonX.Y/site-packages/, include/pythonX.Y/  (0755)
 *   lib64 -> lib     for 64-bit interpreters
 * Existing directories are kept; an existing link with the same target is
 * fine; anything else in the way is an error.  Never creates dist-packages
 * directories (Debian's site.py would put them on sys.path).  Returns 0 or
 * BURROW_EFAIL with err naming the entry. */
int python_venv_write(int envfd, const struct python_info *info, const char *command,
                      struct strbuf *err);

#endif
