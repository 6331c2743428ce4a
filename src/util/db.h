/*
 * db: opening an sqlite database with the house discipline: WAL for the
 * shared cache, no journal for a scratch file, a busy timeout, foreign keys, and schema migrations
 * keyed by PRAGMA user_version.
 */
#ifndef BURROW_DB_H
#define BURROW_DB_H

#include "util/strbuf.h"

struct sqlite3;

/* How a database is kept:
 *  DB_SHARED   the cache, used by many processes at once: WAL,
 *              synchronous=NORMAL;
 *  DB_SCRATCH  a new file in a staging env, which a crash discards whole:
 *              no journal, no syncs (journal_mode=OFF, synchronous=OFF). */
enum db_mode { DB_SHARED, DB_SCRATCH };

/* Opens (creating) the database at path, applies
 * migrations[user_version..n-1] in one BEGIN IMMEDIATE transaction.
 * Returns 0 or BURROW_EFAIL with a message. */
int db_open(const char *path, const char *const *migrations, int nmigrations, enum db_mode mode,
            struct sqlite3 **out, struct strbuf *err);
/* Runs sql (no results); 0 or BURROW_EFAIL with the sqlite message. */
int db_exec(struct sqlite3 *db, const char *sql, struct strbuf *err);
void db_close(struct sqlite3 *db);

#endif
