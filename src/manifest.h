/*
 * manifest: the in-memory model of what an env must hold, and the reader of
 * burrow's own TOML manifest format (DESIGN.md "Manifest").  requirements.txt
 * and pylock.toml readers fill the same model.
 *
 * Every element keeps the line and column it came from, so later stages
 * (resolve, fetch) can point at the manifest in their messages.
 */
#ifndef BURROW_MANIFEST_H
#define BURROW_MANIFEST_H

#include "util/strbuf.h"

#include <stddef.h>
#include <stdint.h>

struct manifest_repo {
	char *url; /* http(s):// or file:// URL, or an absolute path */
	int line, column;
};

/* A file a lock names directly (pylock.toml): fetched from url (or a
 * file:// URL made from a path) instead of asking the repositories. */
struct manifest_file {
	char *url;
	char *filename;
	char sha256[65];
	int64_t size; /* -1 unknown */
};

struct manifest_bundle {
	char *name;    /* as written */
	char *key;     /* PEP 503 normalised name */
	char *version; /* as written */
	char **hashes; /* lower-case sha256 hex digests */
	size_t nhashes;
	int line, column;            /* of its name */
	char *marker;                /* PEP 508 marker selecting this entry, or NULL (locks) */
	char *requires_python;       /* specifier set, or NULL (locks) */
	struct manifest_file *files; /* direct files, or NULL: ask the repositories */
	size_t nfiles;
};

struct manifest_kv {
	char *key, *value;
};

struct manifest {
	char *path;            /* as given, for messages */
	char *python;          /* [env].python or NULL */
	char *requires_python; /* pylock's top-level requires-python, or NULL */
	int allow_duplicates;  /* locks: one name may appear under exclusive markers */
	struct manifest_repo *repos;
	size_t nrepos;
	struct manifest_bundle *bundles;
	size_t nbundles;
	size_t bundles_alloc; /* slots allocated in bundles */
	/* bundles by key (manifest_add_bundle keeps it): open addressing,
	 * bundle index + 1 per slot, 0 empty; nindex slots, a power of two */
	size_t *index;
	size_t nindex;
	struct manifest_kv *run_env;
	size_t nrun_env;
	char **run_pass;
	size_t nrun_pass;
	char **run_path; /* NULL: the default PATH tail */
	size_t nrun_path;
	int library_path, safe_path;
	/* PEP 751 locks: the extras and dependency groups the lock offers, and
	 * the groups installed when none is asked for; is_lock says it is one */
	int is_lock;
	/* requirements files: allow_unhashed (in) keeps a requirement without
	 * --hash (nhashes 0) instead of refusing it, nunhashed (out) counts
	 * them, so that the caller can say which lines to paste */
	int allow_unhashed;
	size_t nunhashed;
	char **lock_extras, **lock_groups, **default_groups;
	size_t nlock_extras, nlock_groups, ndefault_groups;
	char digest[65]; /* sha256 hex of the manifest bytes */
};

void manifest_init(struct manifest *m);
void manifest_release(struct manifest *m);

/* Reads and parses the manifest file at path.  Relative repository paths
 * are taken relative to the manifest's directory.  Returns 0, or
 * BURROW_EMANIFEST with "path:line:column: message" (BURROW_EFAIL when the
 * file cannot be read). */
int manifest_load(const char *path, struct manifest *m, struct strbuf *err);

/* Parses manifest bytes; path is used in messages and basedir (absolute)
 * for relative repository paths.  Pure apart from allocation. */
int manifest_parse(const char *data, size_t len, const char *path, const char *basedir,
                   struct manifest *m, struct strbuf *err);

/* Appends a repository (as from --index-url / --find-links); relative paths
 * are made absolute against the working directory.  BURROW_EUSAGE on an
 * unknown scheme. */
int manifest_add_repo(struct manifest *m, const char *url, struct strbuf *err);

/* Appends a copy of *b (the manifest owns its strings from then on) and
 * indexes it by b->key, so that finding a name costs the same with 30,000
 * bundles as with 3.  0, or -1 when out of memory (*b is then still the
 * caller's). */
int manifest_add_bundle(struct manifest *m, const struct manifest_bundle *b);

/* The first bundle (in manifest order) whose normalised name equals key,
 * or NULL. */
const struct manifest_bundle *manifest_find(const struct manifest *m, const char *key);
/* The next bundle after prev (one manifest_find or this returned) with the
 * same key, in manifest order, or NULL: locks may list one name several
 * times under exclusive markers. */
const struct manifest_bundle *manifest_find_next(const struct manifest *m,
                                                 const struct manifest_bundle *prev);

/* 1 when name is a valid environment variable name. */
int manifest_env_name_ok(const char *name);

#endif
