/*
 * pathpolicy: archive member name rules (see pathpolicy.h).
 *
 * Everything here works on raw bytes with explicit lengths, so a name with
 * an embedded NUL is seen whole and refused instead of being cut short.
 * Containment is judged per component, never by string prefix.
 */
#include "pathpolicy.h"

#include "util/error.h"
#include "util/utf8.h"

#include <stdio.h>
#include <string.h>

static int is_combining(unsigned int c)
{
	return (c >= 0x300 && c <= 0x36f) || (c >= 0x1ab0 && c <= 0x1aff) ||
	       (c >= 0x1dc0 && c <= 0x1dff) || (c >= 0x20d0 && c <= 0x20ff) ||
	       (c >= 0xfe20 && c <= 0xfe2f);
}

/* Sets err to `entry "<name>": <reason>` and returns BURROW_EINTEGRITY. */
static int refuse(struct strbuf *err, const char *name, size_t len, const char *reason)
{
	if (!err)
		return BURROW_EINTEGRITY;
	strbuf_reset(err);
	strbuf_addstr(err, "entry \"");
	strbuf_add_escaped(err, name, len);
	strbuf_addstr(err, "\": ");
	strbuf_addstr(err, reason);
	return BURROW_EINTEGRITY;
}

/* Checks the bytes of a name or link target: valid UTF-8, no NUL, no
 * controls (C0, DEL, C1), no backslash; with marks, no combining marks.
 * Returns NULL when fine, else the reason (in buf when it needs a number). */
static const char *check_bytes(const unsigned char *p, size_t len, int marks, char *buf,
                               size_t bufsz)
{
	size_t i = 0, k;
	unsigned int c;

	while (i < len) {
		if (p[i] == 0)
			return "NUL byte in name";
		k = utf8_decode(p + i, len - i, &c);
		if (!k) {
			snprintf(buf, bufsz, "invalid UTF-8 at byte %zu", i);
			return buf;
		}
		if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
			snprintf(buf, bufsz, "control character U+%04X in name", c);
			return buf;
		}
		if (c == '\\')
			return "backslash in name";
		if (marks && is_combining(c)) {
			snprintf(buf, bufsz, "combining mark U+%04X in name (not NFC)", c);
			return buf;
		}
		i += k;
	}
	return NULL;
}

int path_policy_check(const char *name, size_t len, struct strbuf *err)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t n = len, start, i, depth = 0;
	char buf[96];
	const char *why;

	if (len == 0)
		return refuse(err, name, len, "empty path");
	if (p[0] == '/')
		return refuse(err, name, len, "absolute path");
	if (len > PATH_POLICY_MAX_TOTAL)
		return refuse(err, name, len, "path longer than 4096 bytes");
	if ((why = check_bytes(p, len, 1, buf, sizeof(buf))))
		return refuse(err, name, len, why);
	if (p[n - 1] == '/')
		n--; /* one trailing slash: a directory entry */
	start = 0;
	for (i = 0; i <= n; i++) {
		size_t clen;
		if (i < n && p[i] != '/')
			continue;
		clen = i - start;
		if (clen == 0)
			return refuse(err, name, len, "empty path component");
		if (clen == 1 && p[start] == '.')
			return refuse(err, name, len, "'.' path component");
		if (clen == 2 && p[start] == '.' && p[start + 1] == '.')
			return refuse(err, name, len, "path escapes the root");
		if (clen > PATH_POLICY_MAX_COMPONENT)
			return refuse(err, name, len, "path component longer than 255 bytes");
		if (++depth > PATH_POLICY_MAX_DEPTH)
			return refuse(err, name, len, "more than 128 path components");
		start = i + 1;
	}
	return 0;
}

int path_policy_key(const char *name, size_t len, struct strbuf *out)
{
	size_t i;

	strbuf_reset(out);
	if (len > 0 && name[len - 1] == '/')
		len--;
	if (strbuf_add(out, name, len) < 0)
		return -1;
	for (i = 0; i < out->len; i++)
		if (out->buf[i] >= 'A' && out->buf[i] <= 'Z')
			out->buf[i] = (char)(out->buf[i] - 'A' + 'a');
	return 0;
}

int path_policy_link_ok(const char *link_path, const char *target, struct strbuf *err)
{
	size_t llen = strlen(link_path), tlen = strlen(target), i, start;
	const unsigned char *t = (const unsigned char *)target;
	long depth = 0;
	int named = 0;
	char buf[96];
	const char *why;

	/* The depth of the link's directory: the components before the last. */
	if (llen > 0 && link_path[llen - 1] == '/')
		llen--;
	for (i = 0; i < llen; i++)
		if (link_path[i] == '/')
			depth++;

	if (tlen == 0)
		return refuse(err, link_path, llen, "empty symlink target");
	if (t[0] == '/')
		return refuse(err, link_path, llen, "absolute symlink target");
	if (tlen > PATH_POLICY_MAX_TOTAL)
		return refuse(err, link_path, llen, "symlink target longer than 4096 bytes");
	if ((why = check_bytes(t, tlen, 0, buf, sizeof(buf)))) {
		char reason[128];
		snprintf(reason, sizeof(reason), "symlink target: %s", why);
		return refuse(err, link_path, llen, reason);
	}
	start = 0;
	for (i = 0; i <= tlen; i++) {
		size_t clen;
		if (i < tlen && t[i] != '/')
			continue;
		clen = i - start;
		if (clen == 0 || (clen == 1 && t[start] == '.')) {
			/* "a//b" and "./a" name the same place as "a/b" and "a" */
		} else if (clen == 2 && t[start] == '.' && t[start + 1] == '.') {
			if (named)
				goto dotdot_after_name;
			if (--depth < 0)
				goto escapes;
		} else {
			if (clen > PATH_POLICY_MAX_COMPONENT)
				return refuse(err, link_path, llen,
				              "symlink target component longer than 255 bytes");
			named = 1;
			depth++;
		}
		start = i + 1;
	}
	return 0;

escapes:
	if (refuse(err, link_path, llen, "symlink target \"") && err) {
		strbuf_add_escaped(err, target, tlen);
		strbuf_addstr(err, "\" escapes the root");
	}
	return BURROW_EINTEGRITY;
dotdot_after_name:
	if (refuse(err, link_path, llen, "symlink target \"") && err) {
		strbuf_add_escaped(err, target, tlen);
		strbuf_addstr(err, "\" has '..' after a name");
	}
	return BURROW_EINTEGRITY;
}
