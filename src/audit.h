/*
 * audit: what `burrow check ENV` finds (DESIGN.md "Checking").
 *
 *   integrity    every file state.db records is there with its sha256,
 *                size, type and mode; nothing unrecorded sits anywhere in
 *                the env; no .pth file that no distribution owns;
 *                .burrow/run says what .burrow/manifest.toml gives;
 *                pyvenv.cfg says what python_venv_write wrote
 *   consistency  every Requires-Dist / Requires of every installed
 *                distribution is met, markers evaluated for the env's
 *                interpreter (or this machine), extras honoured; the same
 *                code install runs before it changes an env
 *   python       the env's interpreter, started as `run` starts it,
 *                reports sys.path and where each distribution's top-level
 *                modules import from: anything outside ENV and the base
 *                stdlib is a leak
 *   native       each recorded ELF file's DT_NEEDED resolved as ld.so
 *                would (elfdeps.h): a library found outside ENV, other
 *                than glibc's own, is a leak; one found nowhere too
 *
 * The core never prints: it returns the findings; cmd_check.c prints.
 */
#ifndef BURROW_AUDIT_H
#define BURROW_AUDIT_H

#include "pep508.h"
#include "util/strbuf.h"

#include <stddef.h>

#define AUDIT_PROBE_TIMEOUT_MS 30000             /* the interpreter probe, then killed */
#define AUDIT_PROBE_MAX_OUTPUT ((size_t)8 << 20) /* bytes of its answer */
#define AUDIT_MAX_FINDINGS 100000                /* then one "truncated" finding */
#define AUDIT_MAX_MODULES 5000                   /* top-level names asked about */
#define AUDIT_PROBE_USER "nobody" /* who runs the probe when root checks a foreign env */

/* One finding.  kind is one of:
 *   missing        a recorded file is gone
 *   tampered       its content, size, type or link target changed
 *   mode           its permission bits changed
 *   unrecorded     a file anywhere in the env that no bundle owns and
 *                  burrow did not write (its .burrow records, pyvenv.cfg,
 *                  the venv's bin/python* and lib64 links)
 *   stray-pth      an unrecorded .pth file in site-packages
 *   inconsistent   a requirement an installed distribution does not meet
 *   leak           sys.path entry, or a distribution's module, outside ENV
 *   native-leak    a library resolved outside ENV; a search path relative
 *                  to the working directory
 *   native-missing a library found nowhere
 *   unsafe         (as root) the env, .burrow/ or a record is owned by
 *                  another user or writable by group or others; the
 *                  interpreter probe then runs as AUDIT_PROBE_USER
 *   broken         the env cannot be examined in part (interpreter gone,
 *                  probe failed, ELF unreadable)
 * path is env-relative where it is a file, else the subject
 * ("sys.path", "module werkzeug", "flask 3.0.3"); detail says what is
 * wrong.  Hostile bytes in both are escaped. */
struct audit_finding {
	char *kind, *path, *detail;
};

struct audit_report {
	struct audit_finding *items;
	size_t len, alloc;
	/* What was looked at, for the summary line. */
	size_t files, bundles, elf_files, modules;
	int python; /* a Python env */
};

#define AUDIT_INTEGRITY 1u
#define AUDIT_CONSISTENCY 2u
#define AUDIT_PYTHON 4u
#define AUDIT_NATIVE 8u
#define AUDIT_ALL 15u

/* Examines the env at env_path (checks: AUDIT_* bits).  Fills out (the
 * caller releases it with audit_report_release, also after a failure).
 * Returns 0 whether or not there are findings; BURROW_EFAIL when
 * env_path is not a burrow env or cannot be read (err says which), or
 * BURROW_EINT / BURROW_ETERM after a signal. */
int audit_run(const char *env_path, unsigned checks, struct audit_report *out, struct strbuf *err);
void audit_report_release(struct audit_report *r);

/* Adds a finding (copies the strings; NULL reads as "").  Past
 * AUDIT_MAX_FINDINGS it records one "truncated" finding and drops the
 * rest.  Returns 0 or -1 when out of memory. */
int audit_add(struct audit_report *r, const char *kind, const char *path, const char *detail);

/* --- consistency, shared with install.c --- */

/* One installed (or pinned) distribution. */
struct audit_dist {
	const char *name;     /* compared after PEP 503 normalisation */
	const char *version;  /* installed version */
	const char *requires; /* newline-separated PEP 508 strings; NULL or "" for none */
};

#define AUDIT_NO_DIST ((size_t)-1)

/* One requirement that is not met. */
struct audit_unmet {
	size_t dist;       /* index of the distribution that requires */
	char *requirement; /* the requirement as written */
	size_t dep;        /* index of the distribution of that name, or AUDIT_NO_DIST */
};

/* pip check: every requirement of every distribution whose marker holds in
 * env (for no extra, and for each extra another distribution asks of it,
 * to a fixed point) is met by a distribution of that name whose version
 * satisfies the specifiers (pre-releases allowed).  Unparsable
 * requirements and undecidable markers are skipped, as pip check does.
 * *out gets the unmet ones in order (dist, then requirement order), owned
 * by the caller (audit_unmet_release); *nout their count.  Returns 0 or
 * BURROW_EFAIL when out of memory. */
int audit_consistency(const struct audit_dist *dists, size_t n, const struct pep508_env *env,
                      struct audit_unmet **out, size_t *nout, struct strbuf *err);
void audit_unmet_release(struct audit_unmet *u, size_t n);

/* The interpreter probe's answer. */
struct audit_probe_module {
	char *name;       /* an ASCII identifier */
	int found;        /* 0: find_spec returned None, or raised (error set) */
	char *error;      /* what find_spec raised, or NULL */
	char *origin;     /* a path, "built-in", "frozen", or NULL (namespace package) */
	char **locations; /* submodule_search_locations */
	size_t nlocations;
};

struct audit_probe {
	char **sys_path;
	size_t npath;
	struct audit_probe_module *modules;
	size_t nmodules;
};

#define AUDIT_PROBE_MAX_ENTRIES 10000 /* sys.path entries, locations of one module */
#define AUDIT_PROBE_MAX_STRING 16384  /* bytes of one path */

/* Parses the probe's JSON answer (pure; hostile: the env's own code runs
 * before it is written): {"path": [str...], "modules": {name: null |
 * {"origin": str|null, "locations": [str...]} | {"error": str}}}.
 * Strings holding NUL are refused, as are module names that are not ASCII
 * identifiers, and sizes past the limits above.  The caller owns out
 * (audit_probe_release, safe on a zeroed struct and after a failure).
 * Returns 0 or BURROW_EFAIL with err. */
int audit_probe_parse(const char *text, size_t len, struct audit_probe *out, struct strbuf *err);
void audit_probe_release(struct audit_probe *p);

/* The top-level module names a distribution provides, from its
 * top_level.txt (text: one per line; nested "a/b" names count as "a") or,
 * when it has none (top_level NULL), from the paths of its RECORD (the
 * first component of each entry that is a package directory or a module
 * file; dist-info, .data, __pycache__, .pth and paths leaving
 * site-packages skipped).  Only ASCII identifiers are kept; each is
 * appended once, '\n'-terminated, to out, until out holds
 * AUDIT_MAX_MODULES names.  Pure.  Returns 0, or
 * BURROW_EFAIL when the RECORD does not parse. */
int audit_top_level(const char *top_level, size_t top_len, const char *record, size_t rec_len,
                    struct strbuf *out, struct strbuf *err);

#endif
