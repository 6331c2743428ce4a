/*
 * toml: a TOML 1.0.0 reader, written for burrow's manifests (no C TOML
 * library is packaged in Debian).
 *
 * toml_parse() turns a whole document into a tree of struct toml_value.
 * It is a pure function of its bytes, bounded in every dimension (see the
 * TOML_MAX_* limits below), and reports the first error it meets as
 * "LINE:COL: message" with 1-based line and column (columns count
 * characters, not bytes).  It implements the whole of TOML 1.0.0 and is
 * checked against the toml-test suite (tests/conformance/toml_test.py).
 */
#ifndef BURROW_TOML_H
#define BURROW_TOML_H

#include "util/strbuf.h"

#include <stddef.h>
#include <stdint.h>

#define TOML_MAX_INPUT ((size_t)16 << 20) /* bytes in a document */
#define TOML_MAX_DEPTH 128                /* nesting of tables and arrays */
#define TOML_MAX_KEY ((size_t)64 << 10)   /* bytes in one key */

enum toml_type {
	TOML_TABLE,
	TOML_ARRAY,
	TOML_STRING,
	TOML_INTEGER,
	TOML_FLOAT,
	TOML_BOOL,
	TOML_DATETIME,       /* offset date-time: 1979-05-27T07:32:00Z */
	TOML_DATETIME_LOCAL, /* 1979-05-27T07:32:00 */
	TOML_DATE_LOCAL,     /* 1979-05-27 */
	TOML_TIME_LOCAL      /* 07:32:00 */
};

struct toml_keyval;

struct toml_value {
	enum toml_type type;
	int line, column; /* 1-based position where the value starts (tables: the header or
	                     the inline '{'; the root table: 1:1) */
	union {
		/* TOML_STRING: UTF-8, may contain NUL; ptr is NUL-terminated too.
		 * Datetimes: their text, normalised to RFC 3339 form (upper-case
		 * 'T' separator and 'Z'; fractional seconds as written). */
		struct {
			char *ptr;
			size_t len;
		} str;
		int64_t integer;
		double fp;
		int boolean;
		struct {
			struct toml_keyval *items; /* document order */
			size_t len, alloc;
		} table;
		struct {
			struct toml_value **items;
			size_t len, alloc;
		} array;
	} u;
};

struct toml_keyval {
	char *key; /* NUL-terminated too; may contain NUL (quoted keys) */
	size_t keylen;
	int line, column; /* of the key (for a dotted key: of its last part) */
	struct toml_value *value;
};

/*
 * Parses a whole document of len bytes (a UTF-8 BOM at the start is
 * skipped).  Returns the root table, which the caller owns and frees with
 * toml_free(), or NULL with err (if not NULL) set to "LINE:COL: message"
 * (hostile bytes escaped); NULL with "0:0: ..." only for a document over
 * TOML_MAX_INPUT or when memory runs out.
 */
struct toml_value *toml_parse(const char *data, size_t len, struct strbuf *err);

/* Frees a tree returned by toml_parse() (NULL is fine). */
void toml_free(struct toml_value *v);

/* The entry for key (a NUL-terminated string, compared as exact bytes) in
 * table, or NULL when table has no such key or is not a table.  table must
 * be a node of a tree from toml_parse() (the lookup uses its hidden hash
 * index); the result points into that tree. */
const struct toml_keyval *toml_table_find(const struct toml_value *table, const char *key);

/* Same, for a key of keylen bytes that may contain NUL. */
const struct toml_keyval *toml_table_findn(const struct toml_value *table, const char *key,
                                           size_t keylen);

/* "table", "array", "string", "integer", "float", "bool", "datetime",
 * "datetime-local", "date-local", "time-local" (the toml-test names), for
 * messages; a static string. */
const char *toml_type_name(enum toml_type t);

#endif
