/*
 * record: the RECORD file of wheels and native bundles (CSV: path,hash,size;
 * hash "sha256=<urlsafe b64 nopad>").  One parser serves both formats.
 * Pure functions over bytes; hostile input.
 */
#ifndef BURROW_RECORD_H
#define BURROW_RECORD_H

#include "util/strbuf.h"

#include <stddef.h>
#include <stdint.h>

struct record_entry {
	char *path;   /* as written (CSV-unquoted) */
	int has_hash; /* 0 for RECORD itself and signature files */
	unsigned char sha256[32];
	int64_t size; /* -1 when the field is empty */
	int line;     /* 1-based line in RECORD, for messages */
};

struct record {
	struct record_entry *items;
	size_t len, alloc;
};

/* Parses RECORD bytes into out (which it initialises; the caller releases
 * it with record_release on success; on failure it is already released).
 * Entries keep file order.  Refuses: a row without exactly 3 fields, an
 * empty path, a hash other than sha256, a malformed digest (not 43 urlsafe
 * base64 characters) or size (not decimal digits), an unterminated quote,
 * a quote inside an unquoted field or text after a closing quote, a bare
 * CR, a NUL byte, a field over 64 KiB, duplicate paths, more than
 * 1,000,000 lines.  Empty lines are skipped.  Returns 0 or
 * BURROW_EINTEGRITY with a message "RECORD:LINE: ..." (BURROW_EFAIL when
 * out of memory). */
int record_parse(const char *data, size_t len, struct record *out, struct strbuf *err);
/* Finds an entry by exact path, or NULL; the pointer lives as long as rec.
 * Callers that need many look-ups call record_sort first: record_find
 * tries bsearch and confirms a miss with a linear scan, so it is right
 * either way and fast on a sorted record. */
const struct record_entry *record_find(const struct record *rec, const char *path);
/* Sorts entries by path (bytewise). */
void record_sort(struct record *rec);
/* Frees everything and leaves rec empty (safe on an empty record). */
void record_release(struct record *rec);
/* Appends one CSV line "path,sha256=<b64>,size\n" (quoting path as
 * Python's csv QUOTE_MINIMAL does: when it holds ',', '"', CR or LF);
 * sha256 NULL writes "path,,"; a negative size leaves the size empty.
 * Returns 0, or -1 when out would pass its cap (out is left unchanged). */
int record_write_line(struct strbuf *out, const char *path, const unsigned char *sha256,
                      int64_t size);

#endif
