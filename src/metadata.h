/*
 * metadata: email-header files (a wheel's METADATA and WHEEL, a native
 * bundle's METADATA): "Key: value" lines, continuation lines starting with
 * whitespace, headers end at the first empty line (the body is ignored).
 * Pure functions over bytes; hostile input.
 */
#ifndef BURROW_METADATA_H
#define BURROW_METADATA_H

#include "util/strbuf.h"

#include <stddef.h>

struct metadata_field {
	char *key;   /* as written */
	char *value; /* continuation lines joined with "\n", surrounding blanks trimmed */
};

struct metadata {
	struct metadata_field *items;
	size_t len, alloc;
};

/* Parses header fields into out (which it initialises; the caller
 * releases it with metadata_release on success; on failure it is already
 * released).  Fields keep file order.  Refuses, in the header block, NUL
 * bytes, invalid UTF-8, a line without a colon, an empty key or one with
 * characters outside [A-Za-z0-9-_], a continuation line before any field;
 * and more than 10,000 fields or input over 16 MiB.  The body after the
 * first empty line is not looked at.  Each continuation line is trimmed of
 * surrounding blanks before it is joined.  The message is "LINE: ..." or
 * "LINE:COL: ...".  Returns 0 or BURROW_EINTEGRITY (BURROW_EFAIL when out
 * of memory). */
int metadata_parse(const char *data, size_t len, struct metadata *out, struct strbuf *err);
/* The first value for key (case-insensitive), or NULL; owned by md. */
const char *metadata_get(const struct metadata *md, const char *key);
/* Calls fn for every value of key (case-insensitive), in order; stops and
 * returns fn's value when it is non-zero. */
int metadata_each(const struct metadata *md, const char *key,
                  int (*fn)(const char *value, void *arg), void *arg);
/* Frees everything and leaves md empty (safe on an empty one). */
void metadata_release(struct metadata *md);

#endif
