/*
 * record: RECORD files of wheels and native bundles (see record.h).
 *
 * The CSV dialect is Python's csv default ("excel"): ',' separates fields,
 * a field may be enclosed in '"' with '"' doubled inside, rows end in "\n"
 * or "\r\n", and a quoted field may hold line breaks.  We are stricter than
 * csv.reader where it guesses: a '"' inside an unquoted field, text after
 * a closing quote, a bare CR and a NUL byte are refused.  Empty lines are
 * skipped.
 */
#include "record.h"

#include "util/error.h"
#include "util/sha256.h"

#include <stdlib.h>
#include <string.h>

#define RECORD_MAX_LINES 1000000
#define RECORD_MAX_FIELD 65536

static int b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* Decodes exactly 43 urlsafe base64 characters (no padding) into 32 bytes;
 * the unused low bits of the last character must be zero.  0 or -1. */
static int decode_digest(const char *s, size_t len, unsigned char out[32])
{
	unsigned int acc = 0;
	int bits = 0;
	size_t i, o = 0;

	if (len != SHA256_B64_LEN)
		return -1;
	for (i = 0; i < len; i++) {
		int v = b64url_value((unsigned char)s[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (o != 32 || acc != 0)
		return -1;
	return 0;
}

static int parse_size(const char *s, size_t len, int64_t *out)
{
	int64_t v = 0;
	size_t i;

	if (len == 0) {
		*out = -1;
		return 0;
	}
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (INT64_MAX - (s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

struct row {
	struct strbuf field[3];
	int nfields;
};

static int fail(struct strbuf *err, int line, const char *what)
{
	return error_set(err, BURROW_EINTEGRITY, "RECORD:%d: %s", line, what);
}

/* Reads one row starting at *pos (not at an empty line).  Leaves *pos after
 * the row's line ending and *line on the next line's number. */
static int read_row(const char *data, size_t len, size_t *pos, int *line, struct row *row,
                    struct strbuf *err)
{
	size_t i = *pos;
	int start_line = *line;
	struct strbuf *f;

	row->nfields = 1;
	strbuf_reset(&row->field[0]);
	f = &row->field[0];
	for (;;) {
		/* at the start of a field */
		if (i < len && data[i] == '"') {
			i++;
			for (;;) {
				if (i >= len)
					return fail(err, start_line, "unterminated quoted field");
				if (data[i] == '"') {
					if (i + 1 < len && data[i + 1] == '"') {
						i += 2;
						if (strbuf_addch(f, '"') < 0)
							goto toolong;
						continue;
					}
					i++;
					break;
				}
				if (data[i] == '\0')
					return fail(err, start_line, "NUL byte");
				if (data[i] == '\n')
					(*line)++;
				if (strbuf_addch(f, data[i]) < 0)
					goto toolong;
				i++;
			}
			if (i < len && data[i] != ',' && data[i] != '\n' && data[i] != '\r')
				return fail(err, start_line, "text after a closing quote");
		} else {
			size_t s = i;
			while (i < len && data[i] != ',' && data[i] != '\n' && data[i] != '\r') {
				if (data[i] == '"')
					return fail(err, start_line,
					            "quote inside an unquoted field");
				if (data[i] == '\0')
					return fail(err, start_line, "NUL byte");
				i++;
			}
			if (strbuf_add(f, data + s, i - s) < 0)
				goto toolong;
		}
		/* after a field: ',' or end of row */
		if (i < len && data[i] == ',') {
			i++;
			if (row->nfields == 3)
				return fail(err, start_line, "more than 3 fields");
			f = &row->field[row->nfields++];
			strbuf_reset(f);
			continue;
		}
		if (i < len && data[i] == '\r') {
			if (i + 1 >= len || data[i + 1] != '\n')
				return fail(err, start_line, "bare carriage return");
			i++;
		}
		if (i < len && data[i] == '\n') {
			i++;
			(*line)++;
		}
		*pos = i;
		return 0;
	}
toolong:
	return fail(err, start_line, "field longer than 65536 bytes");
}

static int cmp_path_ptr(const void *a, const void *b)
{
	const struct record_entry *x = *(const struct record_entry *const *)a;
	const struct record_entry *y = *(const struct record_entry *const *)b;
	int c = strcmp(x->path, y->path);
	if (c)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int check_duplicates(const struct record *rec, struct strbuf *err)
{
	const struct record_entry **v;
	size_t i;
	int r = 0;

	if (rec->len < 2)
		return 0;
	v = malloc(rec->len * sizeof(*v));
	if (!v)
		return error_set(err, BURROW_EFAIL, "RECORD: out of memory");
	for (i = 0; i < rec->len; i++)
		v[i] = &rec->items[i];
	qsort(v, rec->len, sizeof(*v), cmp_path_ptr);
	for (i = 1; i < rec->len; i++) {
		if (strcmp(v[i - 1]->path, v[i]->path) == 0) {
			error_set(err, BURROW_EINTEGRITY, "RECORD:%d: duplicate path \"",
			          v[i]->line);
			if (err) {
				strbuf_add_escaped(err, v[i]->path, strlen(v[i]->path));
				strbuf_addf(err, "\" (first on line %d)", v[i - 1]->line);
			}
			r = BURROW_EINTEGRITY;
			break;
		}
	}
	free(v);
	return r;
}

static int add_entry(struct record *out, struct row *row, int line, struct strbuf *err)
{
	struct record_entry *e;
	const struct strbuf *path = &row->field[0], *hash = &row->field[1], *size = &row->field[2];

	if (row->nfields != 3)
		return error_set(err, BURROW_EINTEGRITY, "RECORD:%d: expected 3 fields, got %d",
		                 line, row->nfields);
	if (path->len == 0)
		return fail(err, line, "empty path");
	if (memchr(path->buf, '\0', path->len))
		return fail(err, line, "NUL byte in path");
	if (out->len == out->alloc) {
		size_t n = out->alloc ? out->alloc * 2 : 64;
		struct record_entry *p = realloc(out->items, n * sizeof(*p));
		if (!p)
			return error_set(err, BURROW_EFAIL, "RECORD: out of memory");
		out->items = p;
		out->alloc = n;
	}
	e = &out->items[out->len];
	memset(e, 0, sizeof(*e));
	e->line = line;
	if (hash->len) {
		const char *eq = memchr(hash->buf, '=', hash->len);
		if (!eq)
			return fail(err, line, "hash field without '='");
		if ((size_t)(eq - hash->buf) != 6 || memcmp(hash->buf, "sha256", 6) != 0) {
			error_set(err, BURROW_EINTEGRITY,
			          "RECORD:%d: unsupported hash algorithm \"", line);
			if (err) {
				strbuf_add_escaped(err, hash->buf, (size_t)(eq - hash->buf));
				strbuf_addstr(err, "\" (only sha256)");
			}
			return BURROW_EINTEGRITY;
		}
		if (decode_digest(eq + 1, hash->len - 7, e->sha256) < 0)
			return fail(err, line, "malformed sha256 digest");
		e->has_hash = 1;
	}
	if (parse_size(size->buf, size->len, &e->size) < 0)
		return fail(err, line, "malformed size");
	e->path = strdup(path->buf);
	if (!e->path)
		return error_set(err, BURROW_EFAIL, "RECORD: out of memory");
	out->len++;
	return 0;
}

int record_parse(const char *data, size_t len, struct record *out, struct strbuf *err)
{
	struct row row;
	size_t pos = 0;
	int line = 1, r = 0, k;

	memset(out, 0, sizeof(*out));
	for (k = 0; k < 3; k++)
		strbuf_init(&row.field[k], RECORD_MAX_FIELD);
	while (pos < len) {
		int row_line = line;
		/* empty lines carry no row */
		if (data[pos] == '\n') {
			pos++;
			line++;
			continue;
		}
		if (data[pos] == '\r' && pos + 1 < len && data[pos + 1] == '\n') {
			pos += 2;
			line++;
			continue;
		}
		if (line > RECORD_MAX_LINES) {
			r = fail(err, line, "more than 1000000 lines");
			break;
		}
		if ((r = read_row(data, len, &pos, &line, &row, err)))
			break;
		if ((r = add_entry(out, &row, row_line, err)))
			break;
	}
	for (k = 0; k < 3; k++)
		strbuf_release(&row.field[k]);
	if (!r)
		r = check_duplicates(out, err);
	if (r)
		record_release(out);
	return r;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct record_entry *)a)->path,
	              ((const struct record_entry *)b)->path);
}

const struct record_entry *record_find(const struct record *rec, const char *path)
{
	struct record_entry key;
	const struct record_entry *e;
	size_t i;

	if (!rec->len)
		return NULL;
	/* Fast when sorted; an unsorted array may make bsearch miss, so a miss
	 * is confirmed by a scan (paths are unique, a hit is always right). */
	memset(&key, 0, sizeof(key));
	key.path = (char *)path;
	e = bsearch(&key, rec->items, rec->len, sizeof(*rec->items), cmp_entry);
	if (e)
		return e;
	for (i = 0; i < rec->len; i++)
		if (strcmp(rec->items[i].path, path) == 0)
			return &rec->items[i];
	return NULL;
}

void record_sort(struct record *rec)
{
	if (rec->len > 1)
		qsort(rec->items, rec->len, sizeof(*rec->items), cmp_entry);
}

void record_release(struct record *rec)
{
	size_t i;

	for (i = 0; i < rec->len; i++)
		free(rec->items[i].path);
	free(rec->items);
	memset(rec, 0, sizeof(*rec));
}

int record_write_line(struct strbuf *out, const char *path, const unsigned char *sha256,
                      int64_t size)
{
	size_t old = out->len;
	int r = 0;

	if (strpbrk(path, ",\"\r\n")) {
		const char *p;
		r |= strbuf_addch(out, '"');
		for (p = path; *p; p++) {
			if (*p == '"')
				r |= strbuf_addch(out, '"');
			r |= strbuf_addch(out, *p);
		}
		r |= strbuf_addch(out, '"');
	} else {
		r |= strbuf_addstr(out, path);
	}
	if (sha256) {
		char b64[SHA256_B64_LEN + 1];
		sha256_to_b64(sha256, b64);
		r |= strbuf_addf(out, ",sha256=%s,", b64);
		if (size >= 0)
			r |= strbuf_addf(out, "%lld", (long long)size);
		r |= strbuf_addch(out, '\n');
	} else {
		r |= strbuf_addstr(out, ",,\n");
	}
	if (r) {
		strbuf_setlen(out, old);
		return -1;
	}
	return 0;
}
