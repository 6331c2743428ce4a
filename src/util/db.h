/*
 * db: opening an sqlite database with the house discipline: WAL (for the
 * shared cache), a busy timeout, foreign keys, and schema migrations keyed
 * by PRAGMA user_version.
 */
#ifndef BURROW_DB_H
#define BURROW_DB_H

#include "util/strbuf.h"

struct sqlite3;

/* Opens (creating) the database at dirfd-relative name through
 * /proc/self/fd, applies migrations[user_version..n-1] in one BEGIN
 * IMMEDIATE transaction.  wal: journal_mode=WAL, else DELETE.  Returns 0 or
 * BURROW_EFAIL with a message. */
int db_open(const char *path, const char *const *migrations, int nmigrations, int wal,
            struct sqlite3 **out, struct strbuf *err);
/* Runs sql (no results); 0 or BURROW_EFAIL with the sqlite message. */
int db_exec(struct sqlite3 *db, const char *sql, struct strbuf *err);
void db_close(struct sqlite3 *db);

#endif
