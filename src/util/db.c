/*
 * db: sqlite open + migrations (see db.h).
 */
#include "util/db.h"

#include "util/error.h"

#include <sqlite3.h>
#include <stdio.h>

int db_exec(sqlite3 *db, const char *sql, struct strbuf *err)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		error_set(err, BURROW_EFAIL, "sqlite: %s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return BURROW_EFAIL;
	}
	return 0;
}

int db_open(const char *path, const char *const *migrations, int n, enum db_mode mode,
            sqlite3 **out, struct strbuf *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st;
	int version = 0, i, r;

	*out = NULL;
	if (sqlite3_open_v2(path, &db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW,
	                    NULL) != SQLITE_OK) {
		r = error_set(err, BURROW_EFAIL, "%s: %s", path,
		              db ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return r;
	}
	sqlite3_busy_timeout(db, 30000);
	if (mode == DB_SHARED) {
		/* keep -wal and -shm when the last connection closes: every
		 * burrow process would otherwise create both and unlink them.
		 * The WAL is then truncated to zero bytes instead (that needs a
		 * journal_size_limit, set below): a WAL left full would be
		 * recovered and checkpointed again by every process. */
		int one = 1;
		sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
	}
	if ((r = db_exec(db,
	                 mode == DB_SHARED ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
	                                     "PRAGMA journal_size_limit=4194304"
	                                   : "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF",
	                 err)))
		goto fail;
	if ((r = db_exec(db, "PRAGMA foreign_keys=ON", err)))
		goto fail;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) {
		r = error_set(err, BURROW_EFAIL, "%s: %s", path, sqlite3_errmsg(db));
		goto fail;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > n) {
		r = error_set(err, BURROW_EFAIL,
		              "%s: schema version %d is newer than this burrow knows (%d)", path,
		              version, n);
		goto fail;
	}
	if (version < n) {
		char pragma[64];
		if ((r = db_exec(db, "BEGIN IMMEDIATE", err)))
			goto fail;
		/* Re-read under the write lock: another process may have migrated. */
		if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
			if (sqlite3_step(st) == SQLITE_ROW)
				version = sqlite3_column_int(st, 0);
			sqlite3_finalize(st);
		}
		for (i = version; i < n; i++)
			if ((r = db_exec(db, migrations[i], err))) {
				db_exec(db, "ROLLBACK", NULL);
				goto fail;
			}
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d", n);
		if ((r = db_exec(db, pragma, err)) || (r = db_exec(db, "COMMIT", err))) {
			db_exec(db, "ROLLBACK", NULL);
			goto fail;
		}
	}
	*out = db;
	return 0;
fail:
	error_prefix(err, r, "%s", path);
	sqlite3_close(db);
	return r;
}

void db_close(sqlite3 *db)
{
	if (db)
		sqlite3_close(db);
}
