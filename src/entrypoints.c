/*
 * entrypoints: entry_points.txt parsing, launcher name rules and the bytes
 * of launchers and rewritten "#!python" scripts (see entrypoints.h for the
 * exact bytes and why the trampoline looks as it does).  The parser is a
 * pure function over hostile bytes with a fuzz target.
 */
#include "entrypoints.h"

#include "util/error.h"

#include <stdlib.h>
#include <string.h>

#define TRAMPOLINE_HEAD "#!/bin/sh\n"
#define TRAMPOLINE_COOKIE "# -*- coding: utf-8 -*-\n"
#define TRAMPOLINE_BODY                                                                            \
	"'''':\n"                                                                                  \
	"p=$(realpath -- \"$0\") && exec \"${p%/*}/python\" \"$0\" \"$@\"\n"                       \
	"echo \"$0: cannot resolve the path of this script\" >&2; exit 127\n"                      \
	"'''\n"

static const char *const python_keywords[] = {
    "False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
    "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
    "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
    "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield",
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void trim(const char **s, size_t *n)
{
	while (*n && is_blank(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_blank((*s)[*n - 1]))
		(*n)--;
}

static int fail(struct strbuf *err, int line, const char *what, const char *bytes, size_t n)
{
	error_set(err, BURROW_EINTEGRITY, "entry_points.txt:%d: %s", line, what);
	if (err && bytes) {
		strbuf_addstr(err, " \"");
		strbuf_add_escaped(err, bytes, n);
		strbuf_addch(err, '"');
	}
	return BURROW_EINTEGRITY;
}

int entrypoints_name_ok(const char *name, size_t len, struct strbuf *err)
{
	const char *why = NULL;
	size_t i;

	if (len == 0)
		why = "empty name";
	else if (len > ENTRYPOINTS_MAX_NAME)
		why = "name longer than 128 bytes";
	else if (!is_alpha(name[0]) && !is_digit(name[0]) && name[0] != '_')
		why = "name must start with a letter, digit or '_'";
	for (i = 0; !why && i < len; i++) {
		char c = name[i];
		if (!is_alpha(c) && !is_digit(c) && c != '.' && c != '_' && c != '-' && c != '+')
			why = "name may only hold letters, digits and . _ - + (one path component)";
	}
	if (!why && len >= 6 && strncasecmp(name, "python", 6) == 0)
		why = "names starting with \"python\" are reserved for the env's interpreter";
	if (!why && len >= 8 && strncasecmp(name, "activate", 8) == 0)
		why = "names starting with \"activate\" are reserved";
	if (!why)
		return 0;
	if (err) {
		strbuf_reset(err);
		strbuf_addstr(err, "entry point \"");
		strbuf_add_escaped(err, name, len);
		strbuf_addf(err, "\": %s", why);
	}
	return BURROW_EINTEGRITY;
}

/* Length of a dotted identifier at s (ASCII Python identifiers, no
 * keywords, no blanks inside), 0 when there is none. */
static size_t dotted_ident(const char *s, size_t n)
{
	size_t i = 0;

	for (;;) {
		size_t start = i, k;
		int kw = 0;
		if (i >= n || !(is_alpha(s[i]) || s[i] == '_'))
			return 0;
		while (i < n && (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '_'))
			i++;
		for (k = 0; k < sizeof(python_keywords) / sizeof(*python_keywords); k++)
			if (strlen(python_keywords[k]) == i - start &&
			    memcmp(python_keywords[k], s + start, i - start) == 0)
				kw = 1;
		if (kw)
			return 0;
		if (i < n && s[i] == '.') {
			i++;
			continue;
		}
		return i;
	}
}

static char *dup_n(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

/* One "name = value" line of a scripts section. */
static int parse_entry(const char *s, size_t n, int line, int gui, struct entrypoints *out,
                       struct strbuf *err)
{
	const char *eq = memchr(s, '=', n), *name, *v;
	size_t nlen, vlen, mlen, alen, i;
	struct entrypoint *ep;
	const char *mod, *attr;
	int r;

	if (!eq)
		return fail(err, line, "line without '=' in a scripts section", s, n);
	name = s;
	nlen = (size_t)(eq - s);
	trim(&name, &nlen);
	v = eq + 1;
	vlen = n - (size_t)(v - s);
	trim(&v, &vlen);
	if ((r = entrypoints_name_ok(name, nlen, err)) != 0)
		return error_prefix(err, r, "entry_points.txt:%d", line);
	mod = v;
	mlen = dotted_ident(v, vlen);
	if (!mlen || mlen > ENTRYPOINTS_MAX_REF)
		return fail(err, line, "invalid module in", v, vlen);
	i = mlen;
	while (i < vlen && is_blank(v[i]))
		i++;
	if (i >= vlen || v[i] != ':')
		return fail(err, line, "a script needs \"module:attr\", got", v, vlen);
	i++;
	while (i < vlen && is_blank(v[i]))
		i++;
	attr = v + i;
	alen = dotted_ident(attr, vlen - i);
	if (!alen || alen > ENTRYPOINTS_MAX_REF)
		return fail(err, line, "invalid attribute in", v, vlen);
	i += alen;
	while (i < vlen && is_blank(v[i]))
		i++;
	if (i < vlen && v[i] == '[') {
		i++;
		while (i < vlen && v[i] != ']') {
			char c = v[i];
			if (!is_alpha(c) && !is_digit(c) && !is_blank(c) && c != ',' && c != '.' &&
			    c != '_' && c != '-')
				return fail(err, line, "invalid extras in", v, vlen);
			i++;
		}
		if (i >= vlen)
			return fail(err, line, "unterminated extras in", v, vlen);
		i++;
		while (i < vlen && is_blank(v[i]))
			i++;
	}
	if (i != vlen)
		return fail(err, line, "trailing characters in", v, vlen);

	for (i = 0; i < out->len; i++)
		if (strlen(out->items[i].name) == nlen &&
		    memcmp(out->items[i].name, name, nlen) == 0)
			return fail(err, line, "second launcher with the name", name, nlen);
	if (out->len >= ENTRYPOINTS_MAX_ITEMS)
		return fail(err, line, "more than 10000 scripts", NULL, 0);
	if (out->len == out->alloc) {
		size_t na = out->alloc ? out->alloc * 2 : 8;
		struct entrypoint *p = realloc(out->items, na * sizeof(*p));
		if (!p)
			return error_set(err, BURROW_EFAIL, "entry_points.txt: out of memory");
		out->items = p;
		out->alloc = na;
	}
	ep = &out->items[out->len];
	memset(ep, 0, sizeof(*ep));
	ep->name = dup_n(name, nlen);
	ep->module = dup_n(mod, mlen);
	ep->attr = dup_n(attr, alen);
	ep->gui = gui;
	ep->line = line;
	out->len++;
	if (!ep->name || !ep->module || !ep->attr)
		return error_set(err, BURROW_EFAIL, "entry_points.txt: out of memory");
	return 0;
}

int entrypoints_parse(const char *data, size_t len, struct entrypoints *out, struct strbuf *err)
{
	enum { OTHER, CONSOLE, GUI } section = OTHER;
	int seen_console = 0, seen_gui = 0, line = 0, r;
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	if (len > ENTRYPOINTS_MAX_INPUT)
		return error_set(err, BURROW_EINTEGRITY, "entry_points.txt: larger than 1 MiB");
	if (memchr(data, '\0', len))
		return error_set(err, BURROW_EINTEGRITY, "entry_points.txt: NUL byte");
	while (pos < len) {
		const char *s = data + pos, *nl = memchr(s, '\n', len - pos), *t;
		size_t n = nl ? (size_t)(nl - s) : len - pos, tn;

		pos += n + (nl ? 1 : 0);
		line++;
		if (n && s[n - 1] == '\r')
			n--;
		t = s;
		tn = n;
		trim(&t, &tn);
		if (tn == 0 || t[0] == '#')
			continue;
		if (t[0] == ';') {
			/* configparser skips it, importlib.metadata reads an entry */
			if (section != OTHER)
				return fail(err, line, "';' line in a scripts section", s, n);
			continue;
		}
		if (t != s && t[0] == '[')
			return fail(err, line, "indented section header", s, n);
		if (t != s) {
			/* configparser would glue an indented line to the value
			 * above; we do not guess */
			if (section != OTHER)
				return fail(err, line,
				            "indented (continuation) line in a scripts section", s,
				            n);
			continue;
		}
		if (t[0] == '[') {
			const char *name;
			size_t nn;
			if (t[tn - 1] != ']' || tn < 3)
				return fail(err, line, "malformed section header", s, n);
			name = t + 1;
			nn = tn - 2;
			if (nn == 15 && memcmp(name, "console_scripts", 15) == 0) {
				if (seen_console++)
					return fail(err, line, "second [console_scripts] section",
					            NULL, 0);
				section = CONSOLE;
			} else if (nn == 11 && memcmp(name, "gui_scripts", 11) == 0) {
				if (seen_gui++)
					return fail(err, line, "second [gui_scripts] section", NULL,
					            0);
				section = GUI;
			} else {
				section = OTHER;
			}
			continue;
		}
		if (section == OTHER)
			continue;
		if ((r = parse_entry(t, tn, line, section == GUI, out, err)) != 0)
			return r;
	}
	return 0;
}

void entrypoints_release(struct entrypoints *eps)
{
	size_t i;

	for (i = 0; i < eps->len; i++) {
		free(eps->items[i].name);
		free(eps->items[i].module);
		free(eps->items[i].attr);
	}
	free(eps->items);
	memset(eps, 0, sizeof(*eps));
}

int entrypoints_launcher(const struct entrypoint *ep, struct strbuf *out)
{
	size_t old = out->len, head = strcspn(ep->attr, ".");
	int r = 0;

	r |= strbuf_addstr(out, TRAMPOLINE_HEAD TRAMPOLINE_COOKIE TRAMPOLINE_BODY);
	r |= strbuf_addf(out,
	                 "import re\n"
	                 "import sys\n"
	                 "from %s import %.*s\n"
	                 "if __name__ == \"__main__\":\n"
	                 "    sys.argv[0] = re.sub(r\"(-script\\.pyw|\\.exe)?$\", \"\", "
	                 "sys.argv[0])\n"
	                 "    sys.exit(%s())\n",
	                 ep->module, (int)head, ep->attr, ep->attr);
	if (r) {
		strbuf_setlen(out, old);
		return -1;
	}
	return 0;
}

/* 1 when line (n bytes, no newline) is a Python coding cookie that sh
 * also reads as a comment: [ \t]*#.*coding[:=][ \t]*[-\w.]+ */
static int is_cookie(const char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i >= n || s[i] != '#')
		return 0;
	for (k = i; k + 7 <= n; k++) {
		size_t j;
		if (memcmp(s + k, "coding", 6) != 0 || (s[k + 6] != ':' && s[k + 6] != '='))
			continue;
		j = k + 7;
		while (j < n && (s[j] == ' ' || s[j] == '\t'))
			j++;
		if (j < n &&
		    (is_alpha(s[j]) || is_digit(s[j]) || s[j] == '-' || s[j] == '_' || s[j] == '.'))
			return 1;
	}
	return 0;
}

int entrypoints_fix_shebang(const char *data, size_t len, struct strbuf *out)
{
	const char *nl, *rest, *nl2;
	size_t rlen, old = out->len, l2;
	int r = 0;

	if (len < 8 || memcmp(data, "#!python", 8) != 0)
		return 0;
	nl = memchr(data, '\n', len);
	rest = nl ? nl + 1 : data + len;
	rlen = (size_t)(data + len - rest);
	nl2 = memchr(rest, '\n', rlen);
	l2 = nl2 ? (size_t)(nl2 - rest) : rlen;
	r |= strbuf_addstr(out, TRAMPOLINE_HEAD);
	if (is_cookie(rest, l2)) {
		/* keep the script's own cookie on line 2, where it counts */
		r |= strbuf_add(out, rest, l2);
		r |= strbuf_addch(out, '\n');
	} else {
		r |= strbuf_addstr(out, TRAMPOLINE_COOKIE);
	}
	r |= strbuf_addstr(out, TRAMPOLINE_BODY);
	r |= strbuf_add(out, rest, rlen);
	if (r) {
		strbuf_setlen(out, old);
		return -1;
	}
	return 1;
}
