/*
 * burrow cache dir|info|clean [--json]
 *
 * info prints sizes for people (KiB, MiB); --json gives exact numbers.
 */
#include "cmd.h"

#include "cache.h"
#include "util/error.h"

#include <json-c/json.h>
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
			long long archives = count(&c, "SELECT count(*) FROM artifacts");
			long long bytes = count(&c, "SELECT coalesce(sum(size), 0) FROM artifacts");
			long long trees = count(&c, "SELECT count(*) FROM trees");
			char size[32];
			if (globals.json) {
				json_object *o = json_object_new_object();
				json_object_object_add(o, "dir", json_object_new_string(dir.buf));
				json_object_object_add(o, "archives",
				                       json_object_new_int64(archives));
				json_object_object_add(o, "archive_bytes",
				                       json_object_new_int64(bytes));
				json_object_object_add(o, "trees", json_object_new_int64(trees));
				printf("%s\n", json_object_to_json_string_ext(
				                   o, JSON_C_TO_STRING_PRETTY |
				                          JSON_C_TO_STRING_NOSLASHESCAPE));
				json_object_put(o);
			} else {
				printf("dir: %s\narchives: %lld (%s)\ntrees: %lld\n", dir.buf,
				       archives,
				       cmd_human_size((uint64_t)bytes, size, sizeof(size)), trees);
			}
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
