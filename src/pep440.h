/*
 * pep440: Python package versions and version specifiers (PEP 440, the
 * "version specifiers" spec), with the semantics of packaging 23.0
 * (Debian 12's python3-packaging), which is our differential oracle.
 *
 * A version is a plain value (no heap memory): copy it, compare it, drop it.
 * Numbers are 64-bit; a number that does not fit is an error, never UB.
 * Input whitespace is Python's str.isspace() restricted to ASCII; non-ASCII
 * bytes are never part of a valid version (packaging would also accept
 * Unicode whitespace around it; we do not).
 */
#ifndef BURROW_PEP440_H
#define BURROW_PEP440_H

#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

#define PEP440_MAX_LEN 1024       /* bytes of input accepted for one version */
#define PEP440_MAX_RELEASE 32     /* parts of the release segment (1.2.3 has 3) */
#define PEP440_MAX_LOCAL 128      /* bytes of the normalised local label */
#define PEP440_MAX_SPECS 256      /* specifiers in one set */
#define PEP440_MAX_SPEC_LEN 65536 /* bytes of input accepted for one set */

enum pep440_pre {
	PEP440_PRE_NONE = 0,
	PEP440_PRE_A,  /* a, alpha */
	PEP440_PRE_B,  /* b, beta */
	PEP440_PRE_RC, /* rc, c, pre, preview */
};

struct pep440_version {
	int64_t epoch;
	size_t nrelease; /* 1..PEP440_MAX_RELEASE */
	int64_t release[PEP440_MAX_RELEASE];
	int pre_kind; /* enum pep440_pre */
	int64_t pre;
	int has_post;
	int64_t post;
	int has_dev;
	int64_t dev;
	/* "" when there is none; else lower-case, '.'-separated, numeric
	 * segments without leading zeros (packaging's Version.local) */
	char local[PEP440_MAX_LOCAL + 1];
};

/* Parses the NUL-terminated s.  Returns 0, or BURROW_EFAIL when s is not a
 * valid version (or a number overflows, or a limit above is exceeded). */
int pep440_parse(const char *s, struct pep440_version *out);
/* The same on (bytes, len); fills err (if not NULL) with a message that
 * quotes the input escaped.  Pure: safe on hostile bytes. */
int pep440_parse_n(const char *s, size_t len, struct pep440_version *out, struct strbuf *err);

/* Appends the canonical form (packaging's str(Version)) to out; returns 0 or
 * -1 when out is full. */
int pep440_format(const struct pep440_version *v, struct strbuf *out);
/* Total order of PEP 440 (1.0 == 1.0.0; 1.0.dev0 < 1.0a0 < 1.0 < 1.0+local
 * < 1.0.post0).  Returns <0, 0 or >0. */
int pep440_compare(const struct pep440_version *a, const struct pep440_version *b);
/* True for pre-releases and dev releases (packaging's is_prerelease). */
int pep440_is_prerelease(const struct pep440_version *v);

enum pep440_op {
	PEP440_OP_COMPATIBLE, /* ~= */
	PEP440_OP_EQ,         /* == (wildcard when spec.wildcard) */
	PEP440_OP_NE,         /* != (wildcard when spec.wildcard) */
	PEP440_OP_LE,         /* <= */
	PEP440_OP_GE,         /* >= */
	PEP440_OP_LT,         /* < */
	PEP440_OP_GT,         /* > */
	PEP440_OP_ARBITRARY,  /* === */
};

struct pep440_spec {
	int op;       /* enum pep440_op */
	int wildcard; /* "==V.*" / "!=V.*" */
	/* the version as written, surrounding whitespace and any ".*" removed;
	 * owned by the spec (malloc'd) */
	char *text;
	/* text parsed; valid unless op is === and text is not a version */
	int has_version;
	struct pep440_version version;
};

struct pep440_specset {
	struct pep440_spec *items; /* owned; NULL when n == 0 */
	size_t n;
};

/* Parses one specifier such as ">= 1.0" or "==1.*" (packaging's Specifier,
 * surrounding whitespace allowed).  On success the caller owns out->text
 * (free it with pep440_spec_release).  Returns 0 or BURROW_EFAIL with err. */
int pep440_spec_parse(const char *s, size_t len, struct pep440_spec *out, struct strbuf *err);
void pep440_spec_release(struct pep440_spec *spec);

/* Parses a comma-separated set (empty items ignored, "" is the empty set that
 * contains every final release; of specifiers equal after canonicalisation,
 * as ">=1.0" and ">=1.0.0", only the first is kept, as packaging does).  The caller owns *out and
 * frees it with pep440_specset_release (also safe on a zeroed set).  Returns 0 or BURROW_EFAIL with
 * err naming the bad item and its column. */
int pep440_specset_parse(const char *s, size_t len, struct pep440_specset *out, struct strbuf *err);
void pep440_specset_release(struct pep440_specset *set);

/* Whether v is in the set, as packaging's SpecifierSet.contains(v,
 * prereleases=...): prereleases is 1 (allow), 0 (refuse) or -1 (default:
 * allowed only when some specifier with ==, >=, <=, ~= or === names a
 * pre-release).  Sets *result to 1 or 0 and returns 0; returns BURROW_EFAIL
 * with err only in default mode when that question cannot be answered (an
 * "===" whose text is not a version and no other specifier allows them;
 * packaging raises there). */
int pep440_specset_contains(const struct pep440_specset *set, const struct pep440_version *v,
                            int prereleases, int *result, struct strbuf *err);
/* Whether v satisfies the one specifier (no pre-release filtering: that is
 * the set's business). */
int pep440_spec_match(const struct pep440_spec *spec, const struct pep440_version *v);

/* Length of the longest specifier (operator, optional whitespace, version)
 * at the start of s, as the SPECIFIER token of packaging's requirement
 * tokenizer matches it (unanchored: "==1.0foo" gives 5); 0 when none.  Only
 * syntax: numbers too large still match, pep440_specset_parse refuses them. */
size_t pep440_spec_scan(const char *s, size_t len);

/* Appends the set as packaging's str(SpecifierSet): the specifiers as
 * written (operator + text, wildcards restored), sorted and joined by ",".
 * Returns 0 or -1 when out is full or memory runs out. */
int pep440_specset_format(const struct pep440_specset *set, struct strbuf *out);

#endif
