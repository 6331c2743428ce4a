/*
 * wheel: the wheel format rules (python-packaging.md section 1): unpack a
 * verified wheel into a cache tree, checked file by file against its
 * RECORD, and plan where each file of that tree goes in a Python env
 * (schemes, "#!python" scripts, entry-point launchers, INSTALLER, RECORD).
 */
#ifndef BURROW_WHEEL_H
#define BURROW_WHEEL_H

#include "tree.h"
#include "util/strbuf.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Size caps for the dist-info files read into memory. */
#define WHEEL_MAX_RECORD ((size_t)64 << 20)
#define WHEEL_MAX_METADATA ((size_t)16 << 20)
#define WHEEL_MAX_WHEEL ((size_t)1 << 20)
#define WHEEL_MAX_SCRIPT ((size_t)64 << 20) /* a "#!python" script we rewrite */

struct wheel_info {
	char *name;          /* METADATA Name, as written */
	char *version;       /* METADATA Version, as written */
	char *dist_info;     /* "name-ver.dist-info", as in the archive */
	char *data_dir;      /* "name-ver.data", or NULL when the wheel has none */
	int root_is_purelib; /* WHEEL Root-Is-Purelib is "true" (any case) */
	char *wheel_version; /* WHEEL Wheel-Version, e.g. "1.0" */
};

void wheel_info_release(struct wheel_info *info);

/* Unpacks the wheel open on wheel_fd (its sha256 already verified by the
 * caller) into dest_dirfd, an empty directory, every member at its own name
 * (a cache tree): directories 0755, files 0644, or 0755 when the member's
 * Unix mode has an x bit; nothing is fsynced (the caller syncs the tree
 * before publishing it).  label names the wheel in messages (e.g. its file
 * name); expect_name and expect_version (either may be NULL) are what the
 * file name says.
 *
 * Before anything is written: the ZIP passes zip_open (zipread.h); there is
 * exactly one top-level *.dist-info directory, "NAME-VERSION.dist-info",
 * holding METADATA, WHEEL and RECORD; at most one top-level *.data
 * directory, named after the dist-info one, whose members all sit in
 * purelib/, platlib/, scripts/, headers/ or data/; WHEEL has Wheel-Version
 * 1.x; METADATA's Name and Version agree with the dist-info name and with
 * expect_name/expect_version (names compared after PEP 503 normalisation,
 * versions by PEP 440 equality (pep440.h: "1.0" == "1.0.0" == "v1.0"), or,
 * when one is not a PEP 440 version, after a light normalisation: case,
 * leading "v", separators, leading zeros, alpha/beta/c/pre/preview/rev/r
 * spellings, implicit post releases and trailing ".0"s of the release);
 * RECORD parses (record.h) and lists every member but RECORD, RECORD.jws and
 * RECORD.p7s with a sha256 and the member's size, lists nothing that is not
 * a file in the archive, does not list the signature files, and gives
 * RECORD's own row no hash and no size.  While writing, every file's
 * SHA-256 must equal RECORD's.
 *
 * On success fills info (caller releases it with wheel_info_release) and
 * appends to entries (sorted by path) one TREE_FILE per file (mode 0644 or
 * 0755, size, sha256 hex) and one TREE_DIR per directory of the tree.
 * Returns 0, BURROW_EINTEGRITY (the wheel breaks a rule; nothing of it may
 * be used), BURROW_EFAIL (I/O, memory), or BURROW_EINT/BURROW_ETERM.  On
 * failure dest_dirfd may hold part of the tree: the caller removes it. */
int wheel_unpack(int wheel_fd, const char *label, const char *expect_name,
                 const char *expect_version, int dest_dirfd, struct wheel_info *info,
                 struct tree_list *entries, struct strbuf *err);

/* Fills info again from a cache tree made by wheel_unpack (its entries and
 * its dist-info METADATA and WHEEL), for installs that find the tree in the
 * cache.  The same layout and name/version checks as wheel_unpack, no hash
 * checks.  Returns 0, BURROW_EINTEGRITY or BURROW_EFAIL. */
int wheel_read_info(int tree_dirfd, const char *label, const struct tree_list *entries,
                    struct wheel_info *info, struct strbuf *err);

/* Where things go in the env, as paths relative to the env root ("" or "."
 * is the root itself), e.g. for a venv of CPython 3.11:
 *   purelib = platlib = "lib/python3.11/site-packages", scripts = "bin",
 *   headers = "include/site/python3.11/<METADATA Name>" (pip's choice),
 *   data = ".".
 * Each must be relative and free of "..".  There is no interpreter path:
 * launchers and rewritten scripts find "python" beside themselves
 * (entrypoints.h), so scripts must be the directory holding the env's
 * python. */
struct wheel_scheme {
	const char *purelib, *platlib, *scripts, *headers, *data;
	const char *installer; /* INSTALLER contents without the newline, e.g.
	                        * "burrow"; NULL writes no INSTALLER */
};

enum wheel_plan_kind {
	WHEEL_PLAN_LINK,  /* bytes identical to the tree file src: link or clone it */
	WHEEL_PLAN_WRITE, /* write content (a rewritten script when src is set,
	                   * else a generated launcher or INSTALLER) */
};

struct wheel_plan_item {
	enum wheel_plan_kind kind;
	char *dest;    /* relative to the env root, '/'-separated, normalised */
	char *src;     /* the tree path it comes from; NULL for generated files */
	mode_t mode;   /* 0644 or 0755; may differ from the tree file's mode
	                * (scripts are made executable): then copy, not hardlink */
	char *content; /* WRITE: the bytes (content_len of them) */
	size_t content_len;
	uint64_t size;     /* bytes at dest */
	char sha256[65];   /* hex SHA-256 of the bytes at dest */
	char *record_path; /* dest relative to the root scheme dir, for RECORD */
};

struct wheel_plan {
	struct wheel_plan_item *items; /* in tree order, then launchers, then INSTALLER */
	size_t len, alloc;
	size_t skipped_pycache; /* files under a __pycache__ directory, not installed */
};

/* The install plan of an unpacked wheel (tree_dirfd, info and entries from
 * wheel_unpack or wheel_read_info) for scheme.  Tree files under
 * "<data_dir>/<key>/" go to scheme key, the rest to purelib or platlib per
 * Root-Is-Purelib.  Not installed: the wheel's RECORD (written fresh, see
 * wheel_plan_record), its INSTALLER when scheme->installer is set, and every
 * file under a __pycache__ directory (as pypa/installer 1.0).  Files of the
 * scripts scheme are made 0755; those starting with "#!python" are WRITE
 * items with the trampoline (entrypoints_fix_shebang).  Each console and gui
 * entry point of <dist_info>/entry_points.txt becomes a 0755 launcher in
 * scripts.
 *
 * Refused (BURROW_EINTEGRITY): a bad scheme dir; a destination leaving the
 * env; two items with the same destination (compared with path_policy_key)
 * or one inside the other; a destination in ".burrow/" or at "pyvenv.cfg";
 * a file in scripts whose first component starts with "python" or
 * "activate"; another distribution's *.dist-info directory directly in
 * purelib or platlib; a bad entry_points.txt (entrypoints.h).  BURROW_EFAIL
 * on read errors.  The caller releases plan with wheel_plan_release, also
 * after a failure. */
int wheel_plan(int tree_dirfd, const struct wheel_info *info, const struct tree_list *entries,
               const struct wheel_scheme *scheme, struct wheel_plan *plan, struct strbuf *err);

/* The installed RECORD for plan: one row per item (record_path, sha256,
 * size), and "<dist_info>/RECORD,,", sorted by path.  out is reset first;
 * *dest (malloc'd, the caller frees it) gets RECORD's destination relative
 * to the env root.  Returns 0 or BURROW_EFAIL. */
int wheel_plan_record(const struct wheel_plan *plan, const struct wheel_info *info,
                      const struct wheel_scheme *scheme, struct strbuf *out, char **dest,
                      struct strbuf *err);

void wheel_plan_release(struct wheel_plan *plan);

#endif
