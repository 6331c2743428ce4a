/*
 * install: the install transaction shared by create, install and fetch:
 * plan (resolve pins to artifacts), fetch into the cache, unpack once into
 * cache trees, stage a complete new env beside the live one, and commit it
 * in one atomic swap.  A failure at any point leaves the live env as it
 * was and nothing new outside the cache.
 */
#ifndef BURROW_INSTALL_H
#define BURROW_INSTALL_H

#include "fetch.h"
#include "manifest.h"
#include "util/strbuf.h"

#include <stddef.h>

#define BURROW_VERSION "0.1.0"

/* Progress events for the command to print (the core never prints). */
struct install_progress {
	void (*event)(void *arg, const char *phase, const char *msg);
	void *arg;
};

enum install_link_mode {
	INSTALL_LINK_AUTO,    /* probe: reflink, else hardlink, else copy */
	INSTALL_LINK_REFLINK, /* FICLONE: a copy-on-write clone */
	INSTALL_LINK_HARDLINK,
	INSTALL_LINK_COPY,
};

struct install_options {
	const char *env_path;     /* NULL for fetch-only */
	const struct manifest *m; /* NULL: an empty env (create without manifest) */
	const char *cache_dir;    /* resolved cache directory */
	const char *python;       /* --python, or NULL: [env].python, else the env's own */
	const char *search_path;  /* where interpreters are looked up (the caller's PATH) */
	const char *command;      /* pyvenv.cfg "command", e.g. "burrow create ENV" */
	/* The manifest's bytes as read (kept as .burrow/manifest.toml), or
	 * NULL: read m->path again. */
	const struct strbuf *manifest_bytes;
	/* --extra and --group: what a PEP 751 lock's markers see as extras
	 * and dependency_groups (no --group: the lock's default-groups) */
	const char *const *extras;
	size_t nextras;
	const char *const *groups;
	size_t ngroups;
	struct fetch_options fetch;
	int64_t wait_ms; /* for the env lock and state.db (--wait) */
	int create;      /* refuse an existing env */
	int fetch_only;  /* burrow fetch: fill the cache, no env */
	int compile;     /* byte-compile site-packages with the base interpreter */
	int repair; /* install --repair: no no-op while check's integrity part finds anything */
	enum install_link_mode link_mode; /* --link-mode */
	struct install_progress progress;
};

struct install_result {
	int noop;
	size_t bundles, files, fetched, unpacked;
	size_t added, removed, changed;
	enum install_link_mode link_mode; /* what linking used */
	size_t repaired;                  /* cache trees found modified and unpacked again */
	char repair_note[512];            /* the first such finding, for a warning */
};

/* For a manifest read with allow_unhashed: appends to out, for each
 * bundle without a hash, the line to paste, "NAME==VERSION
 * --hash=sha256:H ..." with the hash of every file the repositories offer
 * for that exact version (the index's, or computed for a local file), or
 * "# NAME==VERSION: ..." when none is known.  Returns 0, or the error of a
 * repository that could not be read. */
int install_missing_hashes(const struct manifest *m, const struct fetch_options *fo,
                           struct strbuf *out, struct strbuf *err);

int install_run(const struct install_options *o, struct install_result *res, struct strbuf *err);

#endif
