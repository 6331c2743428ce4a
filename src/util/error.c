/*
 * error: message helpers for the core (see error.h).
 */
#include "util/error.h"

#include <stdarg.h>
#include <string.h>

int error_set(struct strbuf *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	strbuf_reset(err);
	va_start(ap, fmt);
	strbuf_vaddf(err, fmt, ap);
	va_end(ap);
	return code;
}

int error_prefix(struct strbuf *err, int code, const char *fmt, ...)
{
	struct strbuf pre = STRBUF_INIT;
	va_list ap;

	if (!err)
		return code;
	va_start(ap, fmt);
	strbuf_vaddf(&pre, fmt, ap);
	va_end(ap);
	strbuf_addstr(&pre, ": ");
	strbuf_add(&pre, err->buf, err->len);
	strbuf_reset(err);
	strbuf_add(err, pre.buf, pre.len);
	strbuf_release(&pre);
	return code;
}
