/*
 * pep508: dependency specifiers ("name [extras] specifiers ; marker" or
 * "name [extras] @ url ; marker") and environment markers, with the grammar
 * and the evaluation rules of packaging 23.0 (Debian 12's
 * python3-packaging), diffed against it by tests/e2e/test_pep_diff.py.
 *
 * Deliberate differences (all stricter or more lenient in documented ways):
 * - quoted strings may not hold a backslash, CR, LF or NUL (PEP 508's
 *   grammar has no escapes; packaging runs ast.literal_eval on them);
 * - a comparison whose right side is a valid specifier but whose left side is
 *   not a version (platform_release >= "5" with "6.1.0-18-amd64") falls back
 *   to comparing strings, as PEP 508 says, where packaging 23.0 raises;
 * - a standalone marker must be consumed whole (packaging 23.0's Marker()
 *   silently ignores trailing text; its Requirement() does not);
 * - URLs may not hold control characters.
 */
#ifndef BURROW_PEP508_H
#define BURROW_PEP508_H

#include <stddef.h>

#include "pep440.h"
#include "util/strbuf.h"

#define PEP508_MAX_LEN 65536  /* bytes of one requirement or marker */
#define PEP508_MAX_NODES 4096 /* comparisons and and/or nodes in a marker */
#define PEP508_MAX_DEPTH 64   /* nesting of parentheses in a marker */
#define PEP508_MAX_EXTRAS 256

/* The values a marker can name.  NULL reads as "".  extra is the one extra
 * being asked about ("" for none, as pip check does); it is compared after
 * PEP 503 normalisation (PEP 685). */
struct pep508_env {
	const char *implementation_name;            /* "cpython" */
	const char *implementation_version;         /* "3.11.2" */
	const char *os_name;                        /* "posix" */
	const char *platform_machine;               /* "x86_64" */
	const char *platform_release;               /* uname -r */
	const char *platform_system;                /* "Linux" */
	const char *platform_version;               /* uname -v */
	const char *python_full_version;            /* "3.11.2" */
	const char *platform_python_implementation; /* "CPython" */
	const char *python_version;                 /* "3.11" */
	const char *sys_platform;                   /* "linux" */
	const char *extra;                          /* "" */
	/* PEP 751 lock markers: the extras and dependency groups selected */
	const char *const *extras;
	size_t nextras;
	const char *const *dependency_groups;
	size_t ndependency_groups;
};

struct pep508_marker; /* opaque, immutable once parsed */

struct pep508_req {
	char *name;    /* as written (not normalised) */
	char **extras; /* as written, duplicates dropped */
	size_t nextras;
	char *url;                    /* NULL unless "@ url" */
	struct pep440_specset spec;   /* empty with a URL */
	struct pep508_marker *marker; /* NULL when there is none */
};

/* Parses a requirement from (bytes, len).  On success the caller owns *out
 * and frees it with pep508_release (also safe on a zeroed struct).  Fails with
 * BURROW_EFAIL and err "column N: ..." (1-based, in bytes). */
int pep508_parse(const char *s, size_t len, struct pep508_req *out, struct strbuf *err);
void pep508_release(struct pep508_req *req);

/* Parses a marker expression alone (the text after ';').  The caller owns
 * *out (pep508_marker_free).  Fails with BURROW_EFAIL and err with column. */
int pep508_marker_parse(const char *s, size_t len, struct pep508_marker **out, struct strbuf *err);
void pep508_marker_free(struct pep508_marker *m);

/* Evaluates m in env; sets *result to 1 or 0 and returns 0.  Returns
 * BURROW_EFAIL with err when the marker cannot be decided (a comparison of two
 * literals naming no variable, "~=" or "===" between non-versions), as
 * packaging raises there. */
int pep508_marker_eval(const struct pep508_marker *m, const struct pep508_env *env, int *result,
                       struct strbuf *err);

/* Whether installed_version satisfies req's specifiers, the way pip check
 * asks (pre-releases allowed).  A version that is not PEP 440 satisfies only
 * an empty set.  Names and markers are the caller's business.  Returns 1/0. */
int pep508_satisfied(const struct pep508_req *req, const char *installed_version);

/* Appends the PEP 503 normal form of a name or extra (runs of -_. become
 * "-", lower case) to out.  Returns 0 or -1 when out is full. */
int pep508_canonical_name(const char *name, size_t len, struct strbuf *out);

#endif
