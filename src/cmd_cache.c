/*
 * burrow cache dir|info|clean
 */
#include "cmd.h"

#include "cache.h"
#include "util/error.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

static long long count(struct cache *c, const char *sql)
{
	sqlite3_stmt *st;
	long long n = 0;

	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return n;
}

int cmd_cache(int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT, dir = STRBUF_INIT;
	const char *sub = NULL;
	struct cache c;
	int r;

	if ((r = cmd_one_operand("cache", argc, argv, "expected dir, info or clean", &sub)))
		return r;
	if (strcmp(sub, "dir") && strcmp(sub, "info") && strcmp(sub, "clean"))
		return cmd_usage("cache", "expected dir, info or clean");
	r = cache_default_dir(globals.cache_dir, &dir, &err);
	if (!r && !strcmp(sub, "dir")) {
		printf("%s\n", dir.buf);
	} else if (!r) {
		r = cache_open(&c, dir.buf, &err);
		if (!r && !strcmp(sub, "info")) {
			printf("dir: %s\narchives: %lld (%lld bytes)\ntrees: %lld\n", dir.buf,
			       count(&c, "SELECT count(*) FROM artifacts"),
			       count(&c, "SELECT coalesce(sum(size), 0) FROM artifacts"),
			       count(&c, "SELECT count(*) FROM trees"));
		} else if (!r) {
			r = cache_clean(&c, &err);
			if (!r && !globals.quiet)
				fprintf(stderr, "burrow: cache %s emptied\n", dir.buf);
		}
		cache_close(&c);
	}
	cmd_fail(r, &err);
	strbuf_release(&err);
	strbuf_release(&dir);
	return r;
}
