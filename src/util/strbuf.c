/*
 * strbuf: bounded growable buffers (see strbuf.h).
 */
#include "util/strbuf.h"

#include "util/utf8.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char strbuf_empty[1];

void strbuf_init(struct strbuf *sb, size_t max)
{
	sb->buf = strbuf_empty;
	sb->len = 0;
	sb->alloc = 0;
	sb->max = max;
}

void strbuf_release(struct strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	strbuf_init(sb, sb->max);
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->alloc)
		sb->buf[0] = '\0';
}

int strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t max = sb->max ? sb->max : STRBUF_DEFAULT_MAX;
	size_t want, n;
	char *p;

	if (extra > max || sb->len > max - extra) {
		errno = E2BIG;
		return -1;
	}
	want = sb->len + extra + 1;
	if (want <= sb->alloc)
		return 0;
	n = sb->alloc ? sb->alloc : 64;
	while (n < want)
		n = n > ((size_t)-1) / 2 ? want : n * 2;
	p = realloc(sb->alloc ? sb->buf : NULL, n);
	if (!p) {
		errno = ENOMEM;
		return -1;
	}
	if (!sb->alloc)
		p[0] = '\0';
	sb->buf = p;
	sb->alloc = n;
	return 0;
}

int strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	if (strbuf_grow(sb, len) < 0)
		return -1;
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

int strbuf_addstr(struct strbuf *sb, const char *s)
{
	return strbuf_add(sb, s, strlen(s));
}

int strbuf_addch(struct strbuf *sb, int c)
{
	char ch = (char)c;
	return strbuf_add(sb, &ch, 1);
}

int strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return -1;
	if (strbuf_grow(sb, (size_t)n) < 0)
		return -1;
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
	return 0;
}

int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
	return r;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid or a C1
 * control, which could drive a terminal: those are escaped too.  *cp gets
 * the code point. */
static size_t utf8_seq(const unsigned char *p, size_t n, unsigned int *cp)
{
	size_t len = utf8_decode(p, n, cp);

	return len && *cp >= 0x80 && *cp < 0xa0 ? 0 : len;
}

/* Code points a terminal shows as nothing, or that reorder what follows,
 * or break the line (Unicode's Default_Ignorable_Code_Point set and the bidi controls): a
 * name holding them would print as another name. */
static int invisible(unsigned int cp)
{
	return cp == 0xad || cp == 0x34f || cp == 0x61c || (cp >= 0x115f && cp <= 0x1160) ||
	       (cp >= 0x17b4 && cp <= 0x17b5) || (cp >= 0x180b && cp <= 0x180f) ||
	       (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x206f) || cp == 0x3164 || (cp >= 0xfe00 && cp <= 0xfe0f) ||
	       cp == 0xfeff || cp == 0xffa0 || (cp >= 0xfff0 && cp <= 0xfffb) ||
	       (cp >= 0x1bca0 && cp <= 0x1bca3) || (cp >= 0x1d173 && cp <= 0x1d17a) ||
	       (cp >= 0xe0000 && cp <= 0xe0fff);
}

int strbuf_add_escaped(struct strbuf *sb, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i = 0, k;
	unsigned int cp;

	while (i < len) {
		unsigned char c = p[i];
		int r;

		if (i >= STRBUF_ESCAPED_WIDTH)
			return strbuf_addstr(sb, "\xe2\x80\xa6"); /* U+2026 ellipsis */
		if (c == '\n')
			r = strbuf_addstr(sb, "\\n");
		else if (c == '\t')
			r = strbuf_addstr(sb, "\\t");
		else if (c == '\\')
			r = strbuf_addstr(sb, "\\\\");
		else if (c == '"')
			r = strbuf_addstr(sb, "\\\"");
		else if (c >= 0x20 && c < 0x7f)
			r = strbuf_addch(sb, c);
		else if (c >= 0x80 && (k = utf8_seq(p + i, len - i, &cp)) > 1) {
			if (invisible(cp))
				r = strbuf_addf(sb, cp > 0xffff ? "\\U%08x" : "\\u%04x", cp);
			else
				r = strbuf_add(sb, p + i, k);
			i += k;
			if (r < 0)
				return -1;
			continue;
		} else
			r = strbuf_addf(sb, "\\x%02x", c);
		if (r < 0)
			return -1;
		i++;
	}
	return 0;
}

void strbuf_setlen(struct strbuf *sb, size_t len)
{
	if (len > sb->len)
		return;
	sb->len = len;
	if (sb->alloc)
		sb->buf[len] = '\0';
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
	char *p;

	if (len)
		*len = sb->len;
	if (!sb->alloc) {
		p = calloc(1, 1);
	} else {
		p = sb->buf;
	}
	strbuf_init(sb, sb->max);
	return p;
}
