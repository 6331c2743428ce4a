/*
 * strbuf: a growable, always NUL-terminated byte buffer with a hard cap.
 *
 * Every strbuf has a maximum size (STRBUF_DEFAULT_MAX unless set with
 * strbuf_init); appending past it fails with -1 and leaves the buffer as it
 * was, so hostile input cannot make us allocate without bound.
 */
#ifndef BURROW_STRBUF_H
#define BURROW_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

#define STRBUF_DEFAULT_MAX ((size_t)256 << 20)

struct strbuf {
	char *buf;    /* never NULL; "" until something is added */
	size_t len;   /* bytes used, not counting the NUL */
	size_t alloc; /* bytes allocated, 0 while buf points at the shared "" */
	size_t max;   /* cap on len; 0 means STRBUF_DEFAULT_MAX */
};

extern char strbuf_empty[1];
#define STRBUF_INIT                                                                                \
	{                                                                                          \
		strbuf_empty, 0, 0, 0                                                              \
	}

void strbuf_init(struct strbuf *sb, size_t max);
/* Frees the buffer and leaves sb as STRBUF_INIT (keeping its cap). */
void strbuf_release(struct strbuf *sb);
/* Empties sb without freeing. */
void strbuf_reset(struct strbuf *sb);
/* Makes room for extra more bytes; -1 (errno ENOMEM or E2BIG) on failure. */
int strbuf_grow(struct strbuf *sb, size_t extra);
int strbuf_add(struct strbuf *sb, const void *data, size_t len);
int strbuf_addstr(struct strbuf *sb, const char *s);
int strbuf_addch(struct strbuf *sb, int c);
int strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Appends bytes C-escaped, for putting hostile values in messages: \n, \t,
 * \xNN for control bytes, C1 controls and bytes that are not valid UTF-8,
 * \uNNNN for code points a terminal shows as nothing or that reorder or
 * break the line (U+200B..U+200F, U+2028..U+202E, U+2060..U+206F, U+FEFF,
 * ...).  Only the first STRBUF_ESCAPED_WIDTH bytes of data are shown; a
 * longer value ends in an ellipsis (U+2026), so a 1 MiB name makes a short
 * message.  -1 when sb cannot grow. */
#define STRBUF_ESCAPED_WIDTH 200
int strbuf_add_escaped(struct strbuf *sb, const void *data, size_t len);
/* Truncates to len (len <= sb->len). */
void strbuf_setlen(struct strbuf *sb, size_t len);
/* Hands the malloc'd buffer to the caller (never NULL) and resets sb. */
char *strbuf_detach(struct strbuf *sb, size_t *len);

#endif
