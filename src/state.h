/*
 * state: ENV/.burrow/state.db, the record of what an env holds: its
 * bundles, every file with its sha256, size and mode, and a few facts
 * (manifest digest, burrow version).  Written whole into the staging env
 * before the commit, so it always describes exactly the tree beside it.
 * Journal mode DELETE (no -wal files), so a committed env is one plain
 * directory that can be copied between image stages.
 */
#ifndef BURROW_STATE_H
#define BURROW_STATE_H

#include "tree.h"
#include "util/strbuf.h"

#include <stdint.h>

struct sqlite3;

struct state_bundle {
	char *key, *name, *version, *kind, *sha256, *filename, *summary;
	char *requires; /* newline-separated PEP 508 strings, "" if none */
};

struct state_bundles {
	struct state_bundle *items;
	size_t len;
};

/* Creates envfd/.burrow/state.db (the .burrow directory must exist) with
 * the current schema and opens a write transaction.  Returns 0 or
 * BURROW_EFAIL. */
int state_create(int envfd, struct sqlite3 **db, struct strbuf *err);
/* Opens an existing state.db read-only; BURROW_EFAIL when absent, or
 * when its schema is newer than this burrow's (both versions named).
 * While another process holds it locked, a read waits up to 5 s. */
int state_open(int envfd, struct sqlite3 **db, struct strbuf *err);

/* How long readers of one install may wait on a state.db another process
 * holds locked, in all: wait_ms (--wait), counted from the first time a
 * read finds it busy.  waiting(arg) is called once, then (a progress line);
 * gave_up is set when the budget ran out (the read then fails SQLITE_BUSY). */
struct state_wait {
	int64_t wait_ms;
	void (*waiting)(void *arg);
	void *arg;
	int64_t start_ms; /* 0 until the first busy read */
	int gave_up;
};
/* state_open, waiting on a locked state.db as w says. */
int state_open_wait(int envfd, struct sqlite3 **db, struct state_wait *w, struct strbuf *err);
int state_add_bundle(struct sqlite3 *db, const struct state_bundle *b, struct strbuf *err);
/* Records an env file (path relative to the env) owned by bundle key. */
int state_add_file(struct sqlite3 *db, const char *bundle_key, const char *path,
                   const struct tree_entry *e, struct strbuf *err);
int state_set_meta(struct sqlite3 *db, const char *key, const char *value, struct strbuf *err);
/* Appends the value of meta key to out; 0 found, -1 absent. */
int state_get_meta(struct sqlite3 *db, const char *key, struct strbuf *out);
/* Commits the transaction opened by state_create and closes. */
int state_finish(struct sqlite3 *db, struct strbuf *err);
/* Loads all bundles ordered by key. */
int state_bundles(struct sqlite3 *db, struct state_bundles *out, struct strbuf *err);
void state_bundles_release(struct state_bundles *b);
/* Loads the files of the env (paths relative to the env). */
int state_files(struct sqlite3 *db, struct tree_list *out, struct strbuf *err);
void state_close(struct sqlite3 *db);

#endif
