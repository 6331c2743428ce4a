/*
 * state: the env's state.db (see state.h).
 */
#include "state.h"

#include "util/db.h"
#include "util/error.h"

#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const state_migrations[] = {
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE bundles(key TEXT PRIMARY KEY, name TEXT NOT NULL, version TEXT NOT NULL,"
    " kind TEXT NOT NULL, sha256 TEXT NOT NULL, filename TEXT NOT NULL,"
    " requires TEXT NOT NULL, summary TEXT NOT NULL);"
    "CREATE TABLE files(path TEXT PRIMARY KEY,"
    " bundle TEXT NOT NULL REFERENCES bundles(key), type TEXT NOT NULL,"
    " sha256 TEXT NOT NULL, size INTEGER NOT NULL, mode INTEGER NOT NULL, target TEXT);",
};
/* state.db's PRAGMA user_version once every migration ran */
#define STATE_SCHEMA_VERSION ((int)(sizeof(state_migrations) / sizeof(state_migrations[0])))

/* sqlite opens by path and refuses symlinks (SQLITE_OPEN_NOFOLLOW), so the
 * directory fd is turned back into the path it was opened at. */
static int db_path(int envfd, struct strbuf *out)
{
	char link[64], target[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", envfd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return strbuf_addf(out, "%s/.burrow/state.db", link);
	target[n] = '\0';
	return strbuf_addf(out, "%s/.burrow/state.db", target);
}

int state_create(int envfd, sqlite3 **db, struct strbuf *err)
{
	struct strbuf p = STRBUF_INIT;
	int r;

	db_path(envfd, &p);
	/* A new file in a staging env: a crash discards the whole staging
	 * directory, so a journal and syncs would buy nothing. */
	r = db_open(p.buf, state_migrations, STATE_SCHEMA_VERSION, DB_SCRATCH, db, err);
	strbuf_release(&p);
	if (r)
		return r;
	return db_exec(*db, "BEGIN IMMEDIATE", err);
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* sqlite's busy handler: 1 to try again (after a short sleep), 0 to give up. */
static int busy_wait(void *arg, int count)
{
	struct state_wait *w = arg;
	int64_t now = monotonic_ms();

	(void)count;
	if (w->gave_up)
		return 0;
	if (!w->start_ms) {
		w->start_ms = now;
		if (w->waiting)
			w->waiting(w->arg);
	}
	if (now - w->start_ms >= w->wait_ms) {
		w->gave_up = 1;
		return 0;
	}
	usleep(10000);
	return 1;
}

int state_open(int envfd, sqlite3 **db, struct strbuf *err)
{
	return state_open_wait(envfd, db, NULL, err);
}

int state_open_wait(int envfd, sqlite3 **db, struct state_wait *w, struct strbuf *err)
{
	struct strbuf p = STRBUF_INIT;
	sqlite3_stmt *st;
	int r = 0, version = 0;

	db_path(envfd, &p);
	*db = NULL;
	if (sqlite3_open_v2(p.buf, db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		r = error_set(err, BURROW_EFAIL, "state.db: %s",
		              *db ? sqlite3_errmsg(*db) : "cannot open");
		sqlite3_close(*db);
		*db = NULL;
	}
	strbuf_release(&p);
	if (r)
		return r;
	if (w)
		sqlite3_busy_handler(*db, busy_wait, w);
	else
		sqlite3_busy_timeout(*db, 5000);
	/* a newer burrow's schema may mean something else by the same tables:
	 * refuse it, as db_open refuses a newer cache.db */
	if (sqlite3_prepare_v2(*db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	if (version > STATE_SCHEMA_VERSION) {
		r = error_set(err, BURROW_EFAIL,
		              "state.db: schema version %d is newer than this burrow knows (%d); "
		              "use a newer burrow",
		              version, STATE_SCHEMA_VERSION);
		sqlite3_close(*db);
		*db = NULL;
	}
	return r;
}

static int step_done(sqlite3 *db, sqlite3_stmt *st, struct strbuf *err)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return error_set(err, BURROW_EFAIL, "state.db: %s", sqlite3_errmsg(db));
	return 0;
}

int state_add_bundle(sqlite3 *db, const struct state_bundle *b, struct strbuf *err)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db,
	                       "INSERT INTO bundles(key, name, version, kind, sha256, filename, "
	                       "requires, summary) VALUES(?1,?2,?3,?4,?5,?6,?7,?8)",
	                       -1, &st, NULL) != SQLITE_OK)
		return error_set(err, BURROW_EFAIL, "state.db: %s", sqlite3_errmsg(db));
	sqlite3_bind_text(st, 1, b->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, b->version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, b->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, b->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, b->filename, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, b->requires ? b->requires : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, b->summary ? b->summary : "", -1, SQLITE_STATIC);
	return step_done(db, st, err);
}

/* The INSERT of state_add_file, prepared once per database: an env can
 * hold tens of thousands of files. */
static sqlite3 *add_file_db;
static sqlite3_stmt *add_file_st;

static void add_file_forget(sqlite3 *db)
{
	if (add_file_db == db && add_file_st) {
		sqlite3_finalize(add_file_st);
		add_file_st = NULL;
		add_file_db = NULL;
	}
}

int state_add_file(sqlite3 *db, const char *bundle_key, const char *path,
                   const struct tree_entry *e, struct strbuf *err)
{
	sqlite3_stmt *st;
	int r;

	if (add_file_db != db || !add_file_st) {
		if (add_file_st)
			sqlite3_finalize(add_file_st);
		add_file_st = NULL;
		add_file_db = NULL;
		if (sqlite3_prepare_v2(db,
		                       "INSERT INTO files(path, bundle, type, sha256, size, mode, "
		                       "target) VALUES(?1,?2,?3,?4,?5,?6,?7)",
		                       -1, &add_file_st, NULL) != SQLITE_OK)
			return error_set(err, BURROW_EFAIL, "state.db: %s", sqlite3_errmsg(db));
		add_file_db = db;
	}
	st = add_file_st;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, bundle_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3,
	                  e->type == TREE_FILE  ? "f"
	                  : e->type == TREE_DIR ? "d"
	                                        : "l",
	                  -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, e->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)e->size);
	sqlite3_bind_int(st, 6, (int)e->mode);
	if (e->link_target)
		sqlite3_bind_text(st, 7, e->link_target, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	sqlite3_reset(st);
	if (r == SQLITE_CONSTRAINT)
		return error_set(err, BURROW_EINTEGRITY, "%s: provided by two bundles", path);
	if (r != SQLITE_DONE)
		return error_set(err, BURROW_EFAIL, "state.db: %s", sqlite3_errmsg(db));
	return 0;
}

int state_set_meta(sqlite3 *db, const char *key, const char *value, struct strbuf *err)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)", -1,
	                       &st, NULL) != SQLITE_OK)
		return error_set(err, BURROW_EFAIL, "state.db: %s", sqlite3_errmsg(db));
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	return step_done(db, st, err);
}

int state_get_meta(sqlite3 *db, const char *key, struct strbuf *out)
{
	sqlite3_stmt *st;
	int r = -1;

	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key=?1", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		strbuf_addstr(out, (const char *)sqlite3_column_text(st, 0));
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

int state_finish(sqlite3 *db, struct strbuf *err)
{
	int r;

	add_file_forget(db);
	r = db_exec(db, "COMMIT", err);
	sqlite3_close(db);
	return r;
}

static char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return strdup(t ? (const char *)t : "");
}

int state_bundles(sqlite3 *db, struct state_bundles *out, struct strbuf *err)
{
	sqlite3_stmt *st;
	size_t alloc = 0;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(db,
	                       "SELECT key, name, version, kind, sha256, filename, requires, "
	                       "summary FROM bundles ORDER BY key",
	                       -1, &st, NULL) != SQLITE_OK)
		return error_set(err, BURROW_EFAIL, "state.db: %s", sqlite3_errmsg(db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct state_bundle *b;
		if (out->len == alloc) {
			size_t n = alloc ? alloc * 2 : 16;
			struct state_bundle *p = realloc(out->items, n * sizeof(*p));
			if (!p) {
				sqlite3_finalize(st);
				return error_set(err, BURROW_EFAIL, "out of memory");
			}
			out->items = p;
			alloc = n;
		}
		b = &out->items[out->len++];
		b->key = col(st, 0);
		b->name = col(st, 1);
		b->version = col(st, 2);
		b->kind = col(st, 3);
		b->sha256 = col(st, 4);
		b->filename = col(st, 5);
		b->requires = col(st, 6);
		b->summary = col(st, 7);
	}
	sqlite3_finalize(st);
	return 0;
}

void state_bundles_release(struct state_bundles *b)
{
	size_t i;

	for (i = 0; i < b->len; i++) {
		struct state_bundle *x = &b->items[i];
		free(x->key);
		free(x->name);
		free(x->version);
		free(x->kind);
		free(x->sha256);
		free(x->filename);
		free(x->requires);
		free(x->summary);
	}
	free(b->items);
	memset(b, 0, sizeof(*b));
}

int state_files(sqlite3 *db, struct tree_list *out, struct strbuf *err)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db,
	                       "SELECT path, type, mode, size, sha256, target FROM files ORDER BY "
	                       "path",
	                       -1, &st, NULL) != SQLITE_OK)
		return error_set(err, BURROW_EFAIL, "state.db: %s", sqlite3_errmsg(db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 1);
		enum tree_type type = t[0] == 'f'   ? TREE_FILE
		                      : t[0] == 'd' ? TREE_DIR
		                                    : TREE_SYMLINK;
		if (!tree_list_add(out, (const char *)sqlite3_column_text(st, 0), type,
		                   (mode_t)sqlite3_column_int(st, 2),
		                   (uint64_t)sqlite3_column_int64(st, 3),
		                   (const char *)sqlite3_column_text(st, 4),
		                   (const char *)sqlite3_column_text(st, 5))) {
			sqlite3_finalize(st);
			return error_set(err, BURROW_EFAIL, "out of memory");
		}
	}
	sqlite3_finalize(st);
	return 0;
}

void state_close(sqlite3 *db)
{
	add_file_forget(db);
	if (db)
		sqlite3_close(db);
}
