/*
 * metadata: email-header files (see metadata.h).
 *
 * A small, strict subset of RFC 822 as the packaging specs use it: "Key:
 * value" lines ending in "\n" or "\r\n", continuation lines beginning with
 * a space or tab, the header block ending at the first empty line or at the
 * end of the input.  Only the header block is checked and kept; the body
 * (a long description) is ignored, whatever its bytes.
 */
#include "metadata.h"

#include "util/error.h"
#include "util/utf8.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define METADATA_MAX_INPUT ((size_t)16 << 20)
#define METADATA_MAX_FIELDS 10000

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int is_key_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* Trims blanks (space, tab, and a CR left by a CRLF ending) at both ends. */
static void trim(const char **s, size_t *n)
{
	while (*n && (is_blank(**s) || **s == '\r')) {
		(*s)++;
		(*n)--;
	}
	while (*n && (is_blank((*s)[*n - 1]) || (*s)[*n - 1] == '\r'))
		(*n)--;
}

static int add_field(struct metadata *md, const char *key, size_t klen, struct strbuf *value)
{
	struct metadata_field *f;
	const char *v = value->buf;
	size_t vlen = value->len;

	if (md->len == md->alloc) {
		size_t n = md->alloc ? md->alloc * 2 : 16;
		struct metadata_field *p = realloc(md->items, n * sizeof(*p));
		if (!p)
			return -1;
		md->items = p;
		md->alloc = n;
	}
	trim(&v, &vlen);
	f = &md->items[md->len];
	f->key = strndup(key, klen);
	f->value = strndup(v, vlen);
	if (!f->key || !f->value) {
		free(f->key);
		free(f->value);
		return -1;
	}
	md->len++;
	return 0;
}

int metadata_parse(const char *data, size_t len, struct metadata *out, struct strbuf *err)
{
	struct strbuf value = STRBUF_INIT;
	const char *key = NULL;
	size_t klen = 0, pos = 0;
	int line = 0, r = 0;

	memset(out, 0, sizeof(*out));
	if (len > METADATA_MAX_INPUT)
		return error_set(err, BURROW_EINTEGRITY, "1: input larger than 16 MiB");
	while (pos < len) {
		const char *s = data + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos, i;

		line++;
		pos += n + (nl ? 1 : 0);
		if (n && s[n - 1] == '\r')
			n--;
		if (n == 0)
			break; /* end of the header block */
		for (i = 0; i < n;) {
			size_t k;
			if (s[i] == '\0') {
				r = error_set(err, BURROW_EINTEGRITY, "%d: NUL byte", line);
				goto out;
			}
			k = utf8_decode((const unsigned char *)s + i, n - i, NULL);
			if (!k) {
				r = error_set(err, BURROW_EINTEGRITY, "%d:%zu: invalid UTF-8", line,
				              i + 1);
				goto out;
			}
			i += k;
		}
		if (is_blank(s[0])) {
			const char *c = s;
			size_t cn = n;
			if (!key) {
				r = error_set(err, BURROW_EINTEGRITY,
				              "%d: continuation line before any field", line);
				goto out;
			}
			trim(&c, &cn);
			if (strbuf_addch(&value, '\n') < 0 || strbuf_add(&value, c, cn) < 0)
				goto nomem;
			continue;
		}
		if (key) {
			if (add_field(out, key, klen, &value) < 0)
				goto nomem;
			key = NULL;
		}
		if (out->len >= METADATA_MAX_FIELDS) {
			r = error_set(err, BURROW_EINTEGRITY, "%d: more than 10000 fields", line);
			goto out;
		}
		{
			const char *colon = memchr(s, ':', n);
			if (!colon) {
				r = error_set(err, BURROW_EINTEGRITY, "%d: line without a colon",
				              line);
				goto out;
			}
			if (colon == s) {
				r = error_set(err, BURROW_EINTEGRITY, "%d: empty field name", line);
				goto out;
			}
			for (i = 0; s + i < colon; i++) {
				if (!is_key_char(s[i])) {
					r = error_set(err, BURROW_EINTEGRITY,
					              "%d:%zu: invalid character in field name",
					              line, i + 1);
					goto out;
				}
			}
		}
		key = s;
		klen = i;
		strbuf_reset(&value);
		if (strbuf_add(&value, s + i + 1, n - i - 1) < 0)
			goto nomem;
	}
	if (key && add_field(out, key, klen, &value) < 0)
		goto nomem;
out:
	strbuf_release(&value);
	if (r)
		metadata_release(out);
	return r;
nomem:
	r = error_set(err, BURROW_EFAIL, "%d: out of memory", line);
	goto out;
}

const char *metadata_get(const struct metadata *md, const char *key)
{
	size_t i;

	for (i = 0; i < md->len; i++)
		if (strcasecmp(md->items[i].key, key) == 0)
			return md->items[i].value;
	return NULL;
}

int metadata_each(const struct metadata *md, const char *key,
                  int (*fn)(const char *value, void *arg), void *arg)
{
	size_t i;
	int r;

	for (i = 0; i < md->len; i++)
		if (strcasecmp(md->items[i].key, key) == 0 && (r = fn(md->items[i].value, arg)))
			return r;
	return 0;
}

void metadata_release(struct metadata *md)
{
	size_t i;

	for (i = 0; i < md->len; i++) {
		free(md->items[i].key);
		free(md->items[i].value);
	}
	free(md->items);
	memset(md, 0, sizeof(*md));
}
