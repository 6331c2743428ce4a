/*
 * toml: a TOML 1.0.0 parser (see toml.h), written from the specification
 * and checked against the toml-test suite.
 *
 * The document is first checked as a whole for what no context allows
 * (invalid UTF-8, control characters, a bare CR), so the grammar below can
 * assume clean text.  Then one recursive-descent pass builds the tree; the
 * recursion is bounded by TOML_MAX_DEPTH.  Every node is a struct toml_node
 * whose first member is the public struct toml_value: the rest holds what
 * the redefinition rules need (how a table came to be) and a hash index of
 * a table's keys, so that a document with a million keys stays linear.
 *
 * Redefinition rules, as the specification and toml-test apply them:
 *  - [a.b] may define a table that a header only implied (IMPLICIT), once;
 *    never one made by dotted keys (DOTTED) or an inline table (INLINE).
 *  - Headers may walk through any table but an inline one, and through an
 *    array of tables (into its last element), never a static array.
 *  - Dotted keys may only walk through tables that dotted keys made.
 *  - Inline tables and static arrays are closed once written.
 */
#include "toml.h"

#include "util/utf8.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum {
	TN_IMPLICIT = 1, /* table named on the way to a header */
	TN_DEFINED = 2,  /* table defined by a header, or an element of [[...]] */
	TN_DOTTED = 4,   /* table made by a dotted key */
	TN_INLINE = 8,   /* inline table: closed */
	TN_AOT = 16,     /* array made by [[...]] (others are static) */
};

#define TN_INDEX_MIN 8 /* tables with this many keys get a hash index */

struct toml_node {
	struct toml_value v; /* first, so a struct toml_value * converts back */
	unsigned flags;
	int depth;       /* root 0 */
	uint32_t *index; /* open addressing, slot = item index + 1, 0 empty */
	size_t index_cap;
};

struct key_part {
	char *s;         /* malloc'd, NUL-terminated */
	const char *src; /* where it starts in the document */
	size_t len;
	int line, column;
};

struct key_path {
	struct key_part parts[TOML_MAX_DEPTH];
	size_t n;
};

struct parser {
	const char *start, *p, *end;
	struct strbuf *err;
	int failed;
	/* position tracking for values and keys */
	int line;
	const char *line_start;
	const char *col_at; /* the column cache: col_val is the column of col_at */
	int col_val;
	struct toml_node *root, *current;
	locale_t c_locale; /* for strtod_l, made on the first float; 0 until then */
};

static struct toml_node *node_new(struct parser *ps, enum toml_type type, int depth,
                                  const char *at);
static void node_free(struct toml_node *n);

/* ---- positions and errors ---- */

static int utf8_cont(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

/* Line and column of at, by a scan from the start: for errors only. */
static void locate(const struct parser *ps, const char *at, int *line, int *column)
{
	const char *q, *ls = ps->start;
	int l = 1, c = 1;

	for (q = ps->start; q < at && q < ps->end; q++)
		if (*q == '\n') {
			l++;
			ls = q + 1;
		}
	for (q = ls; q < at && q < ps->end; q++)
		if (!utf8_cont((unsigned char)*q))
			c++;
	*line = l;
	*column = c;
}

__attribute__((format(printf, 3, 4))) static void *fail(struct parser *ps, const char *at,
                                                        const char *fmt, ...)
{
	va_list ap;
	int line, column;

	if (ps->failed)
		return NULL;
	ps->failed = 1;
	if (!ps->err)
		return NULL;
	locate(ps, at, &line, &column);
	strbuf_reset(ps->err);
	strbuf_addf(ps->err, "%d:%d: ", line, column);
	va_start(ap, fmt);
	strbuf_vaddf(ps->err, fmt, ap);
	va_end(ap);
	return NULL;
}

/* Appends a short, escaped excerpt of a key to the error message. */
static void *fail_key(struct parser *ps, const char *what, const struct key_part *k,
                      const char *tail)
{
	if (ps->failed)
		return NULL;
	fail(ps, k->src, "%s \"", what);
	if (ps->err) {
		strbuf_add_escaped(ps->err, k->s, k->len);
		strbuf_addf(ps->err, "\"%s", tail);
	}
	return NULL;
}

static void *fail_oom(struct parser *ps)
{
	if (!ps->failed) {
		ps->failed = 1;
		if (ps->err) {
			strbuf_reset(ps->err);
			strbuf_addstr(ps->err, "0:0: out of memory");
		}
	}
	return NULL;
}

/* Position of at, which must lie on the current line (after ps->line_start). */
static void position(struct parser *ps, const char *at, int *line, int *column)
{
	const char *q;

	if (ps->col_at < ps->line_start || ps->col_at > at) {
		ps->col_at = ps->line_start;
		ps->col_val = 1;
	}
	for (q = ps->col_at; q < at; q++)
		if (!utf8_cont((unsigned char)*q))
			ps->col_val++;
	ps->col_at = at;
	*line = ps->line;
	*column = ps->col_val;
}

/* Consumes a newline (LF, or CRLF) at ps->p. */
static void eat_newline(struct parser *ps)
{
	if (*ps->p == '\r')
		ps->p++;
	ps->p++;
	ps->line++;
	ps->line_start = ps->p;
}

static int at_newline(const struct parser *ps)
{
	return ps->p < ps->end &&
	       (*ps->p == '\n' || (*ps->p == '\r' && ps->p + 1 < ps->end && ps->p[1] == '\n'));
}

static int peek(const struct parser *ps, size_t off)
{
	return (size_t)(ps->end - ps->p) > off ? (unsigned char)ps->p[off] : -1;
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
		ps->p++;
}

static void skip_comment(struct parser *ps)
{
	if (ps->p < ps->end && *ps->p == '#')
		while (ps->p < ps->end && !at_newline(ps))
			ps->p++;
}

/* Skips whitespace, comments and newlines (inside arrays). */
static void skip_ws_nl(struct parser *ps)
{
	for (;;) {
		skip_ws(ps);
		skip_comment(ps);
		if (!at_newline(ps))
			return;
		eat_newline(ps);
	}
}

/* Describes the character at p for a message, e.g. "'x'" or "end of file". */
static const char *describe(const struct parser *ps, const char *p, char buf[16])
{
	unsigned char c;

	if (p >= ps->end)
		return "end of file";
	c = (unsigned char)*p;
	if (c == '\n' || c == '\r')
		return "end of line";
	if (c >= 0x21 && c < 0x7F && c != '\'')
		snprintf(buf, 16, "'%c'", c);
	else if (c == '\'')
		snprintf(buf, 16, "\"'\"");
	else if (c == ' ')
		snprintf(buf, 16, "a space");
	else if (c == '\t')
		snprintf(buf, 16, "a tab");
	else if (c < 0x80)
		snprintf(buf, 16, "byte 0x%02x", c);
	else {
		/* valid UTF-8 by now (check_text) */
		uint32_t cp = c >= 0xF0 ? c & 0x07 : c >= 0xE0 ? c & 0x0F : c & 0x1F;
		const char *q = p + 1;
		while (q < ps->end && utf8_cont((unsigned char)*q))
			cp = (cp << 6) | ((unsigned char)*q++ & 0x3F);
		snprintf(buf, 16, "U+%04X", (unsigned)cp);
	}
	return buf;
}

/* ---- the whole-document check ---- */

static int check_text(struct parser *ps)
{
	const unsigned char *p = (const unsigned char *)ps->p,
	                    *end = (const unsigned char *)ps->end;

	while (p < end) {
		unsigned char c = *p;
		size_t n;

		if (c >= 0x20 && c < 0x7F) {
			p++;
			continue;
		}
		if (c == '\t' || c == '\n') {
			p++;
			continue;
		}
		if (c == '\r') {
			if (p + 1 < end && p[1] == '\n') {
				p += 2;
				continue;
			}
			fail(ps, (const char *)p, "carriage return not followed by a line feed");
			return -1;
		}
		if (c < 0x20 || c == 0x7F) {
			fail(ps, (const char *)p, "control character U+%04X is not allowed", c);
			return -1;
		}
		n = utf8_decode(p, (size_t)(end - p), NULL);
		if (!n) {
			fail(ps, (const char *)p, "invalid UTF-8 (byte 0x%02x)", c);
			return -1;
		}
		p += n;
	}
	return 0;
}

/* ---- tables ---- */

static uint64_t hash_key(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int index_rebuild(struct toml_node *t, size_t cap)
{
	uint32_t *idx = calloc(cap, sizeof(*idx));
	size_t i;

	if (!idx)
		return -1;
	for (i = 0; i < t->v.u.table.len; i++) {
		const struct toml_keyval *kv = &t->v.u.table.items[i];
		size_t s = (size_t)hash_key(kv->key, kv->keylen) & (cap - 1);
		while (idx[s])
			s = (s + 1) & (cap - 1);
		idx[s] = (uint32_t)(i + 1);
	}
	free(t->index);
	t->index = idx;
	t->index_cap = cap;
	return 0;
}

static struct toml_keyval *table_lookup(const struct toml_node *t, const char *key, size_t len)
{
	size_t i;

	if (t->index) {
		size_t s = (size_t)hash_key(key, len) & (t->index_cap - 1);
		while (t->index[s]) {
			struct toml_keyval *kv = &t->v.u.table.items[t->index[s] - 1];
			if (kv->keylen == len && memcmp(kv->key, key, len) == 0)
				return kv;
			s = (s + 1) & (t->index_cap - 1);
		}
		return NULL;
	}
	for (i = 0; i < t->v.u.table.len; i++) {
		struct toml_keyval *kv = &t->v.u.table.items[i];
		if (kv->keylen == len && memcmp(kv->key, key, len) == 0)
			return kv;
	}
	return NULL;
}

/* Adds key -> value to t; takes the key string from k (k->s becomes NULL)
 * and value.  The caller checked that the key is new. */
static int table_add(struct toml_node *t, struct key_part *k, struct toml_node *value)
{
	struct toml_keyval *kv;
	size_t len = t->v.u.table.len;

	if (len == t->v.u.table.alloc) {
		size_t n = len ? len * 2 : 4;
		struct toml_keyval *items = realloc(t->v.u.table.items, n * sizeof(*items));
		if (!items)
			return -1;
		t->v.u.table.items = items;
		t->v.u.table.alloc = n;
	}
	if (len + 1 >= TN_INDEX_MIN && (len + 1) * 2 > t->index_cap) {
		size_t cap = t->index_cap ? t->index_cap * 2 : 32;
		while ((len + 1) * 2 > cap)
			cap *= 2;
		if (index_rebuild(t, cap) < 0)
			return -1;
	}
	kv = &t->v.u.table.items[len];
	kv->key = k->s;
	kv->keylen = k->len;
	kv->line = k->line;
	kv->column = k->column;
	kv->value = &value->v;
	k->s = NULL;
	t->v.u.table.len++;
	if (t->index) {
		size_t s = (size_t)hash_key(kv->key, kv->keylen) & (t->index_cap - 1);
		while (t->index[s])
			s = (s + 1) & (t->index_cap - 1);
		t->index[s] = (uint32_t)(len + 1);
	}
	return 0;
}

static int array_add(struct toml_node *a, struct toml_node *value)
{
	size_t len = a->v.u.array.len;

	if (len == a->v.u.array.alloc) {
		size_t n = len ? len * 2 : 4;
		struct toml_value **items = realloc(a->v.u.array.items, n * sizeof(*items));
		if (!items)
			return -1;
		a->v.u.array.items = items;
		a->v.u.array.alloc = n;
	}
	a->v.u.array.items[len] = &value->v;
	a->v.u.array.len++;
	return 0;
}

/* A new node; at is where it starts, for the message when it is too deep. */
static struct toml_node *node_new(struct parser *ps, enum toml_type type, int depth, const char *at)
{
	struct toml_node *n;

	if ((type == TOML_TABLE || type == TOML_ARRAY) && depth > TOML_MAX_DEPTH)
		return fail(ps, at, "nesting deeper than %d levels", TOML_MAX_DEPTH);
	n = calloc(1, sizeof(*n));
	if (!n)
		return fail_oom(ps);
	n->v.type = type;
	n->depth = depth;
	return n;
}

static void node_free(struct toml_node *n)
{
	size_t i;

	if (!n)
		return;
	switch (n->v.type) {
	case TOML_TABLE:
		for (i = 0; i < n->v.u.table.len; i++) {
			free(n->v.u.table.items[i].key);
			node_free((struct toml_node *)n->v.u.table.items[i].value);
		}
		free(n->v.u.table.items);
		free(n->index);
		break;
	case TOML_ARRAY:
		for (i = 0; i < n->v.u.array.len; i++)
			node_free((struct toml_node *)n->v.u.array.items[i]);
		free(n->v.u.array.items);
		break;
	case TOML_STRING:
	case TOML_DATETIME:
	case TOML_DATETIME_LOCAL:
	case TOML_DATE_LOCAL:
	case TOML_TIME_LOCAL:
		free(n->v.u.str.ptr);
		break;
	default:
		break;
	}
	free(n);
}

/* ---- strings ---- */

/* A string buffer refused to grow: too long, or out of memory. */
static int fail_grow(struct parser *ps, const char *open, const struct strbuf *sb)
{
	if (errno == E2BIG)
		fail(ps, open, "%s longer than %zu bytes",
		     sb->max == TOML_MAX_KEY ? "key" : "string", sb->max);
	else
		fail_oom(ps);
	return -1;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int add_utf8(struct strbuf *sb, uint32_t cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return strbuf_add(sb, b, n);
}

/* An escape at ps->p (the backslash) in a basic string; appends to sb. */
static int parse_escape(struct parser *ps, struct strbuf *sb)
{
	const char *at = ps->p;
	int c = peek(ps, 1);
	uint32_t cp = 0;
	int i, n;
	char ch;

	switch (c) {
	case 'b':
		ch = '\b';
		break;
	case 't':
		ch = '\t';
		break;
	case 'n':
		ch = '\n';
		break;
	case 'f':
		ch = '\f';
		break;
	case 'r':
		ch = '\r';
		break;
	case '"':
		ch = '"';
		break;
	case '\\':
		ch = '\\';
		break;
	case 'u':
	case 'U':
		n = c == 'u' ? 4 : 8;
		for (i = 0; i < n; i++) {
			int h = hexval(peek(ps, 2 + (size_t)i));
			if (h < 0) {
				fail(ps, at, "\\%c needs %d hexadecimal digits", c, n);
				return -1;
			}
			cp = (cp << 4) | (uint32_t)h;
		}
		if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
			fail(ps, at, "\\%c%.*s is not a Unicode scalar value", c, n, at + 2);
			return -1;
		}
		ps->p += 2 + n;
		if (add_utf8(sb, cp) < 0) {
			fail_grow(ps, at, sb);
			return -1;
		}
		return 0;
	default:
		if (c >= 0x21 && c < 0x7F)
			fail(ps, at, "invalid escape sequence \\%c", c);
		else
			fail(ps, at, "invalid escape sequence");
		return -1;
	}
	ps->p += 2;
	if (strbuf_addch(sb, ch) < 0) {
		fail_grow(ps, at, sb);
		return -1;
	}
	return 0;
}

/*
 * A string of any of the four kinds at ps->p (the opening quote) into sb;
 * multi-line ones only when allow_ml (keys may not be multi-line).
 */
static int parse_string(struct parser *ps, struct strbuf *sb, int allow_ml)
{
	const char *open = ps->p;
	char q = *ps->p;
	int literal = q == '\'';
	int ml = peek(ps, 1) == q && peek(ps, 2) == q;

	if (ml && !allow_ml) {
		fail(ps, open, "a key cannot be a multi-line string");
		return -1;
	}
	if (!ml) {
		ps->p++;
		for (;;) {
			const char *run = ps->p;
			while (ps->p < ps->end && *ps->p != q && *ps->p != '\n' && *ps->p != '\r' &&
			       (literal || *ps->p != '\\'))
				ps->p++;
			if (ps->p > run && strbuf_add(sb, run, (size_t)(ps->p - run)) < 0) {
				fail_grow(ps, open, sb);
				return -1;
			}
			if (ps->p >= ps->end || *ps->p == '\n' || *ps->p == '\r') {
				fail(ps, open, "unterminated string");
				return -1;
			}
			if (*ps->p == q) {
				ps->p++;
				return 0;
			}
			if (parse_escape(ps, sb) < 0)
				return -1;
		}
	}
	ps->p += 3;
	if (at_newline(ps))
		eat_newline(ps);
	for (;;) {
		const char *run = ps->p;
		while (ps->p < ps->end && *ps->p != q && *ps->p != '\n' && *ps->p != '\r' &&
		       (literal || *ps->p != '\\'))
			ps->p++;
		if (ps->p > run && strbuf_add(sb, run, (size_t)(ps->p - run)) < 0) {
			fail_grow(ps, open, sb);
			return -1;
		}
		if (ps->p >= ps->end) {
			fail(ps, open, "unterminated multi-line string");
			return -1;
		}
		if (*ps->p == q) {
			size_t n = 0;
			while (ps->p + n < ps->end && ps->p[n] == q)
				n++;
			if (n < 3) {
				if (strbuf_add(sb, ps->p, n) < 0)
					return fail_grow(ps, open, sb);
				ps->p += n;
				continue;
			}
			if (n > 5) {
				fail(ps, ps->p + 5,
				     "too many quotes at the end of a multi-line string");
				return -1;
			}
			if (strbuf_add(sb, ps->p, n - 3) < 0) {
				fail_grow(ps, open, sb);
				return -1;
			}
			ps->p += n;
			return 0;
		}
		if (*ps->p == '\n' || *ps->p == '\r') {
			eat_newline(ps);
			if (strbuf_addch(sb, '\n') < 0) {
				fail_grow(ps, open, sb);
				return -1;
			}
			continue;
		}
		/* a backslash in a basic string */
		{
			const char *s = ps->p + 1;
			while (s < ps->end && (*s == ' ' || *s == '\t'))
				s++;
			if (s < ps->end && (*s == '\n' || *s == '\r')) {
				/* line-ending backslash: drop whitespace up to the next text */
				ps->p = s;
				for (;;) {
					skip_ws(ps);
					if (!at_newline(ps))
						break;
					eat_newline(ps);
				}
				continue;
			}
		}
		if (parse_escape(ps, sb) < 0)
			return -1;
	}
}

/* ---- keys ---- */

static int is_bare(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static void key_path_release(struct key_path *kp)
{
	size_t i;

	for (i = 0; i < kp->n; i++)
		free(kp->parts[i].s);
	kp->n = 0;
}

/* A (possibly dotted) key at ps->p; leaves ps->p after it and any whitespace. */
static int parse_key(struct parser *ps, struct key_path *kp)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[16];

	kp->n = 0;
	for (;;) {
		struct key_part *k;
		const char *at = ps->p;
		int c = peek(ps, 0);

		if (kp->n == TOML_MAX_DEPTH) {
			fail(ps, at, "key has more than %d parts", TOML_MAX_DEPTH);
			goto fail;
		}
		strbuf_init(&sb, TOML_MAX_KEY);
		k = &kp->parts[kp->n];
		k->src = at;
		position(ps, at, &k->line, &k->column);
		if (c == '"' || c == '\'') {
			if (parse_string(ps, &sb, 0) < 0)
				goto fail;
		} else if (is_bare(c)) {
			while (ps->p < ps->end && is_bare((unsigned char)*ps->p))
				ps->p++;
			if ((size_t)(ps->p - at) > TOML_MAX_KEY) {
				fail(ps, at, "key longer than %zu bytes", TOML_MAX_KEY);
				goto fail;
			}
			if (strbuf_add(&sb, at, (size_t)(ps->p - at)) < 0) {
				fail_oom(ps);
				goto fail;
			}
		} else {
			fail(ps, at, "expected a key, found %s", describe(ps, at, buf));
			goto fail;
		}
		k->s = strbuf_detach(&sb, &k->len);
		kp->n++;
		skip_ws(ps);
		if (peek(ps, 0) != '.')
			return 0;
		ps->p++;
		skip_ws(ps);
	}
fail:
	strbuf_release(&sb);
	key_path_release(kp);
	return -1;
}

/* ---- scalars ---- */

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Digits in base with single underscores between them, from s to e.
 * Returns the number of digits, or -1 when malformed. */
static long digits_run(const char *s, const char *e, int base)
{
	long n = 0;
	const char *q;

	for (q = s; q < e; q++) {
		int c = (unsigned char)*q;
		int d = hexval(c);
		if (c == '_') {
			if (q == s || q + 1 >= e || q[1] == '_')
				return -1;
			continue;
		}
		if (d < 0 || d >= base)
			return -1;
		n++;
	}
	return n ? n : -1;
}

static struct toml_node *parse_number(struct parser *ps, int depth)
{
	const char *at = ps->p, *s, *e, *q;
	int neg = 0, has_sign = 0, is_float = 0;
	struct toml_node *n;

	e = at;
	while (e < ps->end && (is_bare((unsigned char)*e) || *e == '.' || *e == '+'))
		e++;
	s = at;
	if (*s == '+' || *s == '-') {
		neg = *s == '-';
		has_sign = 1;
		s++;
	}
	if (e - s == 3 && (memcmp(s, "inf", 3) == 0 || memcmp(s, "nan", 3) == 0)) {
		n = node_new(ps, TOML_FLOAT, depth, at);
		if (!n)
			return NULL;
		if (s[0] == 'i')
			n->v.u.fp = neg ? -HUGE_VAL : HUGE_VAL;
		else
			n->v.u.fp = neg ? -NAN : NAN;
		ps->p = e;
		return n;
	}
	if (e - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b')) {
		int base = s[1] == 'x' ? 16 : s[1] == 'o' ? 8 : 2;
		uint64_t v = 0;
		if (has_sign)
			return fail(ps, at, "a %s integer cannot have a sign",
			            base == 16  ? "hexadecimal"
			            : base == 8 ? "octal"
			                        : "binary");
		if (digits_run(s + 2, e, base) < 0)
			return fail(ps, at, "invalid %s integer",
			            base == 16  ? "hexadecimal"
			            : base == 8 ? "octal"
			                        : "binary");
		for (q = s + 2; q < e; q++) {
			if (*q == '_')
				continue;
			if (v >
			    (UINT64_C(0x7FFFFFFFFFFFFFFF) - (uint64_t)hexval(*q)) / (uint64_t)base)
				return fail(ps, at, "integer out of range");
			v = v * (uint64_t)base + (uint64_t)hexval(*q);
		}
		n = node_new(ps, TOML_INTEGER, depth, at);
		if (!n)
			return NULL;
		n->v.u.integer = (int64_t)v;
		ps->p = e;
		return n;
	}
	/* decimal: int part, optional fraction, optional exponent */
	{
		const char *ip = s, *ie = s, *fp = NULL, *fe = NULL, *xp = NULL, *xe = NULL;
		while (ie < e && (is_digit((unsigned char)*ie) || *ie == '_'))
			ie++;
		if (digits_run(ip, ie, 10) < 0)
			return fail(ps, at, "invalid number");
		if (*ip == '0' && ie - ip > 1)
			return fail(ps, at, "leading zeros are not allowed in a decimal number");
		q = ie;
		if (q < e && *q == '.') {
			fp = ++q;
			while (q < e && (is_digit((unsigned char)*q) || *q == '_'))
				q++;
			fe = q;
			if (digits_run(fp, fe, 10) < 0)
				return fail(ps, at, "invalid fraction in a float");
			is_float = 1;
		}
		if (q < e && (*q == 'e' || *q == 'E')) {
			q++;
			if (q < e && (*q == '+' || *q == '-'))
				q++;
			xp = q;
			while (q < e && (is_digit((unsigned char)*q) || *q == '_'))
				q++;
			xe = q;
			if (digits_run(xp, xe, 10) < 0)
				return fail(ps, at, "invalid exponent in a float");
			is_float = 1;
		}
		if (q != e)
			return fail(ps, at, "invalid number");
	}
	if (is_float) {
		struct strbuf sb = STRBUF_INIT;
		char *end;
		double d;
		for (q = at; q < e; q++)
			if (*q != '_' && strbuf_addch(&sb, *q) < 0) {
				strbuf_release(&sb);
				return fail_oom(ps);
			}
		/* the "C" locale: the program's LC_NUMERIC may want a ',' */
		if (!ps->c_locale)
			ps->c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
		if (!ps->c_locale) {
			strbuf_release(&sb);
			return fail_oom(ps);
		}
		errno = 0;
		d = strtod_l(sb.buf, &end, ps->c_locale);
		if (*end) {
			strbuf_release(&sb);
			return fail(ps, at, "invalid float");
		}
		if (errno == ERANGE && isinf(d)) {
			strbuf_release(&sb);
			return fail(ps, at, "float out of range");
		}
		strbuf_release(&sb);
		n = node_new(ps, TOML_FLOAT, depth, at);
		if (!n)
			return NULL;
		n->v.u.fp = d;
	} else {
		uint64_t v = 0,
		         lim = neg ? UINT64_C(0x8000000000000000) : UINT64_C(0x7FFFFFFFFFFFFFFF);
		for (q = s; q < e; q++) {
			if (*q == '_')
				continue;
			if (v > (lim - (uint64_t)(*q - '0')) / 10)
				return fail(ps, at, "integer out of range");
			v = v * 10 + (uint64_t)(*q - '0');
		}
		n = node_new(ps, TOML_INTEGER, depth, at);
		if (!n)
			return NULL;
		n->v.u.integer = neg ? (int64_t)(0 - v) : (int64_t)v;
	}
	ps->p = e;
	return n;
}

/* n digits at p (which has at least n bytes before end), as a number, or -1. */
static int num_at(const struct parser *ps, const char *p, int n)
{
	int v = 0, i;

	if (ps->end - p < n)
		return -1;
	for (i = 0; i < n; i++) {
		if (!is_digit((unsigned char)p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* HH:MM:SS[.frac] at p; returns its length, or 0 after failing. */
static size_t parse_time(struct parser *ps, const char *p)
{
	int h = num_at(ps, p, 2), m, sec;
	const char *q;

	if (h < 0 || ps->end - p < 8 || p[2] != ':' || (m = num_at(ps, p + 3, 2)) < 0 ||
	    p[5] != ':' || (sec = num_at(ps, p + 6, 2)) < 0) {
		fail(ps, p, "invalid time (expected HH:MM:SS)");
		return 0;
	}
	if (h > 23 || m > 59 || sec > 60) {
		fail(ps, p, "time out of range");
		return 0;
	}
	q = p + 8;
	if (q < ps->end && *q == '.') {
		q++;
		if (q >= ps->end || !is_digit((unsigned char)*q)) {
			fail(ps, q, "expected digits after the decimal point of a time");
			return 0;
		}
		while (q < ps->end && is_digit((unsigned char)*q))
			q++;
	}
	return (size_t)(q - p);
}

static struct toml_node *make_text(struct parser *ps, enum toml_type type, struct strbuf *sb,
                                   int depth)
{
	struct toml_node *n = node_new(ps, type, depth, ps->p);

	if (!n) {
		strbuf_release(sb);
		return NULL;
	}
	if (!sb->alloc && strbuf_grow(sb, 1) < 0) {
		free(n);
		return fail_oom(ps);
	}
	n->v.u.str.ptr = strbuf_detach(sb, &n->v.u.str.len);
	return n;
}

static struct toml_node *parse_datetime(struct parser *ps, int depth)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	struct strbuf sb = STRBUF_INIT;
	const char *p = ps->p;
	enum toml_type type;
	size_t tl;

	if (num_at(ps, p, 2) >= 0 && peek(ps, 2) == ':') {
		tl = parse_time(ps, p);
		if (!tl)
			return NULL;
		if (strbuf_add(&sb, p, tl) < 0)
			return fail_oom(ps);
		ps->p = p + tl;
		return make_text(ps, TOML_TIME_LOCAL, &sb, depth);
	}
	{
		int y = num_at(ps, p, 4), mo = -1, d = -1, dim;
		if (y >= 0 && peek(ps, 4) == '-' && peek(ps, 7) == '-') {
			mo = num_at(ps, p + 5, 2);
			d = num_at(ps, p + 8, 2);
		}
		if (mo < 0 || d < 0)
			return fail(ps, p, "invalid date (expected YYYY-MM-DD)");
		if (mo < 1 || mo > 12)
			return fail(ps, p, "month out of range in a date");
		dim = mdays[mo - 1];
		if (mo == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
			dim = 29;
		if (d < 1 || d > dim)
			return fail(ps, p, "day out of range in a date");
	}
	if (strbuf_add(&sb, p, 10) < 0)
		return fail_oom(ps);
	ps->p = p + 10;
	type = TOML_DATE_LOCAL;
	if ((peek(ps, 0) == 'T' || peek(ps, 0) == 't') ||
	    (peek(ps, 0) == ' ' && is_digit(peek(ps, 1)) && is_digit(peek(ps, 2)) &&
	     peek(ps, 3) == ':')) {
		tl = parse_time(ps, ps->p + 1);
		if (!tl) {
			strbuf_release(&sb);
			return NULL;
		}
		strbuf_addch(&sb, 'T');
		if (strbuf_add(&sb, ps->p + 1, tl) < 0) {
			strbuf_release(&sb);
			return fail_oom(ps);
		}
		ps->p += 1 + tl;
		type = TOML_DATETIME_LOCAL;
		if (peek(ps, 0) == 'Z' || peek(ps, 0) == 'z') {
			strbuf_addch(&sb, 'Z');
			ps->p++;
			type = TOML_DATETIME;
		} else if (peek(ps, 0) == '+' || peek(ps, 0) == '-') {
			int oh = num_at(ps, ps->p + 1, 2), om = -1;
			if (oh >= 0 && peek(ps, 3) == ':')
				om = num_at(ps, ps->p + 4, 2);
			if (om < 0) {
				strbuf_release(&sb);
				return fail(ps, ps->p, "invalid time offset (expected +HH:MM)");
			}
			if (oh > 23 || om > 59) {
				strbuf_release(&sb);
				return fail(ps, ps->p, "time offset out of range");
			}
			strbuf_add(&sb, ps->p, 6);
			ps->p += 6;
			type = TOML_DATETIME;
		}
	}
	return make_text(ps, type, &sb, depth);
}

/* ---- values ---- */

static struct toml_node *parse_value(struct parser *ps, int depth);
static int insert_keyval(struct parser *ps, struct toml_node *t, struct key_path *kp,
                         struct toml_node *value);

static struct toml_node *parse_array(struct parser *ps, int depth)
{
	struct toml_node *a = node_new(ps, TOML_ARRAY, depth, ps->p);
	char buf[16];

	if (!a)
		return NULL;
	position(ps, ps->p, &a->v.line, &a->v.column);
	ps->p++;
	for (;;) {
		struct toml_node *v;
		skip_ws_nl(ps);
		if (peek(ps, 0) == ']')
			break;
		v = parse_value(ps, depth + 1);
		if (!v)
			goto fail;
		if (array_add(a, v) < 0) {
			node_free(v);
			fail_oom(ps);
			goto fail;
		}
		skip_ws_nl(ps);
		if (peek(ps, 0) == ',') {
			ps->p++;
			continue;
		}
		if (peek(ps, 0) == ']')
			break;
		fail(ps, ps->p, "expected ',' or ']' in an array, found %s",
		     describe(ps, ps->p, buf));
		goto fail;
	}
	ps->p++;
	return a;
fail:
	node_free(a);
	return NULL;
}

static struct toml_node *parse_inline_table(struct parser *ps, int depth)
{
	struct toml_node *t = node_new(ps, TOML_TABLE, depth, ps->p);
	struct key_path *kp;
	char buf[16];

	if (!t)
		return NULL;
	kp = malloc(sizeof(*kp));
	if (!kp) {
		free(t);
		return fail_oom(ps);
	}
	kp->n = 0;
	position(ps, ps->p, &t->v.line, &t->v.column);
	ps->p++;
	skip_ws(ps);
	if (peek(ps, 0) == '}') {
		ps->p++;
		goto done;
	}
	for (;;) {
		struct toml_node *v;
		if (parse_key(ps, kp) < 0)
			goto fail;
		if (peek(ps, 0) != '=') {
			fail(ps, ps->p, "expected '=' after a key, found %s",
			     describe(ps, ps->p, buf));
			goto fail;
		}
		ps->p++;
		skip_ws(ps);
		v = parse_value(ps, depth + (int)kp->n);
		if (!v)
			goto fail;
		if (insert_keyval(ps, t, kp, v) < 0)
			goto fail;
		skip_ws(ps);
		if (peek(ps, 0) == ',') {
			ps->p++;
			skip_ws(ps);
			if (peek(ps, 0) == '}') {
				fail(ps, ps->p, "trailing comma in an inline table");
				goto fail;
			}
			continue;
		}
		if (peek(ps, 0) == '}') {
			ps->p++;
			break;
		}
		if (at_newline(ps))
			fail(ps, ps->p, "newline in an inline table");
		else
			fail(ps, ps->p, "expected ',' or '}' in an inline table, found %s",
			     describe(ps, ps->p, buf));
		goto fail;
	}
done:
	t->flags |= TN_INLINE;
	free(kp);
	return t;
fail:
	key_path_release(kp);
	free(kp);
	node_free(t);
	return NULL;
}

static struct toml_node *parse_value(struct parser *ps, int depth)
{
	int c = peek(ps, 0), line, column;
	struct toml_node *n = NULL;
	char buf[16];

	position(ps, ps->p, &line, &column);
	switch (c) {
	case '"':
	case '\'': {
		struct strbuf sb = STRBUF_INIT;
		strbuf_init(&sb, TOML_MAX_INPUT);
		if (parse_string(ps, &sb, 1) < 0) {
			strbuf_release(&sb);
			return NULL;
		}
		n = make_text(ps, TOML_STRING, &sb, depth);
		break;
	}
	case '[':
		n = parse_array(ps, depth);
		break;
	case '{':
		n = parse_inline_table(ps, depth);
		break;
	case 't':
	case 'f': {
		int b = c == 't';
		size_t len = b ? 4 : 5;
		if ((size_t)(ps->end - ps->p) < len || memcmp(ps->p, b ? "true" : "false", len))
			return fail(ps, ps->p, "invalid value (expected true or false)");
		n = node_new(ps, TOML_BOOL, depth, ps->p);
		if (n) {
			n->v.u.boolean = b;
			ps->p += len;
		}
		break;
	}
	default:
		if (c == '+' || c == '-' || c == 'i' || c == 'n')
			n = parse_number(ps, depth);
		else if (is_digit(c) && ((num_at(ps, ps->p, 4) >= 0 && peek(ps, 4) == '-') ||
		                         (num_at(ps, ps->p, 2) >= 0 && peek(ps, 2) == ':')))
			n = parse_datetime(ps, depth);
		else if (is_digit(c))
			n = parse_number(ps, depth);
		else if (c < 0 || c == '\n' || c == '\r' || c == '#')
			return fail(ps, ps->p, "expected a value, found %s",
			            describe(ps, ps->p, buf));
		else
			return fail(ps, ps->p, "invalid value starting with %s",
			            describe(ps, ps->p, buf));
	}
	if (n && n->v.type != TOML_ARRAY && !(n->v.type == TOML_TABLE)) {
		n->v.line = line;
		n->v.column = column;
	}
	return n;
}

/* ---- placing keys ---- */

static const char *kind_name(const struct toml_node *n)
{
	switch (n->v.type) {
	case TOML_TABLE:
		if (n->flags & TN_INLINE)
			return "an inline table";
		if (n->flags & TN_DOTTED)
			return "a table defined by dotted keys";
		return "a table defined by a header";
	case TOML_ARRAY:
		return n->flags & TN_AOT ? "an array of tables" : "an array";
	case TOML_STRING:
		return "a string";
	case TOML_INTEGER:
		return "an integer";
	case TOML_FLOAT:
		return "a float";
	case TOML_BOOL:
		return "a bool";
	default:
		return "a date-time";
	}
}

/* Places value under the dotted key kp in t (a key/value line or an inline
 * table entry).  Takes value and the key strings, also on failure. */
static int insert_keyval(struct parser *ps, struct toml_node *t, struct key_path *kp,
                         struct toml_node *value)
{
	size_t i;
	char tail[128];

	for (i = 0; i + 1 < kp->n; i++) {
		struct key_part *k = &kp->parts[i];
		struct toml_keyval *kv = table_lookup(t, k->s, k->len);
		struct toml_node *next;
		if (!kv) {
			next = node_new(ps, TOML_TABLE, t->depth + 1, k->src);
			if (!next)
				goto fail;
			next->flags = TN_DOTTED;
			next->v.line = k->line;
			next->v.column = k->column;
			if (table_add(t, k, next) < 0) {
				node_free(next);
				fail_oom(ps);
				goto fail;
			}
		} else {
			next = (struct toml_node *)kv->value;
			if (next->v.type != TOML_TABLE || !(next->flags & TN_DOTTED) ||
			    (next->flags & TN_INLINE)) {
				snprintf(tail, sizeof(tail),
				         " is %s (line %d): dotted keys cannot add to it",
				         kind_name(next), kv->line);
				fail_key(ps, "key", k, tail);
				goto fail;
			}
		}
		t = next;
	}
	{
		struct key_part *k = &kp->parts[kp->n - 1];
		struct toml_keyval *kv = table_lookup(t, k->s, k->len);
		if (kv) {
			snprintf(tail, sizeof(tail), " (first defined at line %d)", kv->line);
			fail_key(ps, "duplicate key", k, tail);
			goto fail;
		}
		if (table_add(t, k, value) < 0) {
			fail_oom(ps);
			goto fail;
		}
	}
	key_path_release(kp);
	return 0;
fail:
	node_free(value);
	key_path_release(kp);
	return -1;
}

/* A [table] or [[array of tables]] header at ps->p. */
static int parse_header(struct parser *ps, struct key_path *kp)
{
	const char *open = ps->p;
	int aot = peek(ps, 1) == '[', line, column;
	struct toml_node *t = ps->root, *n;
	struct toml_keyval *kv;
	struct key_part *k;
	char buf[16], tail[128];
	size_t i;

	position(ps, open, &line, &column);
	ps->p += aot ? 2 : 1;
	skip_ws(ps);
	if (parse_key(ps, kp) < 0)
		return -1;
	if (peek(ps, 0) != ']' || (aot && peek(ps, 1) != ']')) {
		fail(ps, ps->p, "expected '%s' to close a %s header, found %s", aot ? "]]" : "]",
		     aot ? "[[array of tables]]" : "[table]", describe(ps, ps->p, buf));
		goto fail;
	}
	ps->p += aot ? 2 : 1;

	for (i = 0; i + 1 < kp->n; i++) {
		k = &kp->parts[i];
		kv = table_lookup(t, k->s, k->len);
		if (!kv) {
			n = node_new(ps, TOML_TABLE, t->depth + 1, k->src);
			if (!n)
				goto fail;
			n->flags = TN_IMPLICIT;
			n->v.line = line;
			n->v.column = column;
			if (table_add(t, k, n) < 0) {
				node_free(n);
				fail_oom(ps);
				goto fail;
			}
			t = n;
			continue;
		}
		n = (struct toml_node *)kv->value;
		if (n->v.type == TOML_TABLE && !(n->flags & TN_INLINE)) {
			t = n;
		} else if (n->v.type == TOML_ARRAY && (n->flags & TN_AOT)) {
			t = (struct toml_node *)n->v.u.array.items[n->v.u.array.len - 1];
		} else {
			snprintf(tail, sizeof(tail), " is %s (line %d) and cannot be extended",
			         kind_name(n), kv->line);
			fail_key(ps, "key", k, tail);
			goto fail;
		}
	}
	k = &kp->parts[kp->n - 1];
	kv = table_lookup(t, k->s, k->len);
	n = kv ? (struct toml_node *)kv->value : NULL;
	if (!aot) {
		if (n) {
			if (n->v.type != TOML_TABLE || (n->flags & (TN_INLINE | TN_DOTTED))) {
				snprintf(tail, sizeof(tail), ": it is already %s (line %d)",
				         kind_name(n), kv->line);
				fail_key(ps, "cannot define table", k, tail);
				goto fail;
			}
			if (n->flags & TN_DEFINED) {
				snprintf(tail, sizeof(tail), " defined twice (first at line %d)",
				         n->v.line);
				fail_key(ps, "table", k, tail);
				goto fail;
			}
			n->flags = TN_DEFINED;
		} else {
			n = node_new(ps, TOML_TABLE, t->depth + 1, k->src);
			if (!n)
				goto fail;
			n->flags = TN_DEFINED;
			if (table_add(t, k, n) < 0) {
				node_free(n);
				fail_oom(ps);
				goto fail;
			}
		}
		n->v.line = line;
		n->v.column = column;
		ps->current = n;
	} else {
		struct toml_node *elem;
		if (n && (n->v.type != TOML_ARRAY || !(n->flags & TN_AOT))) {
			snprintf(tail, sizeof(tail), ": it is already %s (line %d)", kind_name(n),
			         kv->line);
			fail_key(ps, "cannot define array of tables", k, tail);
			goto fail;
		}
		if (!n) {
			n = node_new(ps, TOML_ARRAY, t->depth + 1, k->src);
			if (!n)
				goto fail;
			n->flags = TN_AOT;
			n->v.line = line;
			n->v.column = column;
			if (table_add(t, k, n) < 0) {
				node_free(n);
				fail_oom(ps);
				goto fail;
			}
		}
		elem = node_new(ps, TOML_TABLE, n->depth + 1, k->src);
		if (!elem)
			goto fail;
		elem->flags = TN_DEFINED;
		elem->v.line = line;
		elem->v.column = column;
		if (array_add(n, elem) < 0) {
			node_free(elem);
			fail_oom(ps);
			goto fail;
		}
		ps->current = elem;
	}
	key_path_release(kp);
	return 0;
fail:
	key_path_release(kp);
	return -1;
}

/* After a header or key/value: whitespace, a comment, then a newline or the end. */
static int end_of_line(struct parser *ps)
{
	char buf[16];

	skip_ws(ps);
	skip_comment(ps);
	if (ps->p >= ps->end)
		return 0;
	if (at_newline(ps)) {
		eat_newline(ps);
		return 0;
	}
	fail(ps, ps->p, "expected the end of the line, found %s", describe(ps, ps->p, buf));
	return -1;
}

static int parse_document(struct parser *ps)
{
	struct key_path *kp = malloc(sizeof(*kp));
	char buf[16];

	if (!kp) {
		fail_oom(ps);
		return -1;
	}
	kp->n = 0;
	while (!ps->failed) {
		skip_ws(ps);
		if (ps->p >= ps->end)
			break;
		if (*ps->p == '#') {
			skip_comment(ps);
			if (end_of_line(ps) < 0)
				break;
			continue;
		}
		if (at_newline(ps)) {
			eat_newline(ps);
			continue;
		}
		if (*ps->p == '[') {
			if (parse_header(ps, kp) < 0)
				break;
		} else {
			struct toml_node *v;
			if (parse_key(ps, kp) < 0)
				break;
			if (peek(ps, 0) != '=') {
				key_path_release(kp);
				fail(ps, ps->p, "expected '=' after a key, found %s",
				     describe(ps, ps->p, buf));
				break;
			}
			ps->p++;
			skip_ws(ps);
			v = parse_value(ps, ps->current->depth + (int)kp->n);
			if (!v) {
				key_path_release(kp);
				break;
			}
			if (insert_keyval(ps, ps->current, kp, v) < 0)
				break;
		}
		if (end_of_line(ps) < 0)
			break;
	}
	free(kp);
	return ps->failed ? -1 : 0;
}

struct toml_value *toml_parse(const char *data, size_t len, struct strbuf *err)
{
	struct parser ps;

	if (len > TOML_MAX_INPUT) {
		if (err) {
			strbuf_reset(err);
			strbuf_addf(err, "0:0: document larger than %zu bytes", TOML_MAX_INPUT);
		}
		return NULL;
	}
	memset(&ps, 0, sizeof(ps));
	ps.start = ps.p = data ? data : "";
	ps.end = ps.start + (data ? len : 0);
	ps.err = err;
	ps.line = 1;
	if (ps.end - ps.p >= 3 && memcmp(ps.p, "\xEF\xBB\xBF", 3) == 0)
		ps.start = ps.p += 3;
	ps.line_start = ps.col_at = ps.p;
	ps.col_val = 1;
	if (check_text(&ps) < 0)
		return NULL;
	ps.root = node_new(&ps, TOML_TABLE, 0, ps.p);
	if (!ps.root)
		return NULL;
	ps.root->flags = TN_DEFINED;
	ps.root->v.line = ps.root->v.column = 1;
	ps.current = ps.root;
	parse_document(&ps);
	if (ps.c_locale)
		freelocale(ps.c_locale);
	if (ps.failed) {
		node_free(ps.root);
		return NULL;
	}
	return &ps.root->v;
}

void toml_free(struct toml_value *v)
{
	node_free((struct toml_node *)v);
}

const struct toml_keyval *toml_table_findn(const struct toml_value *table, const char *key,
                                           size_t keylen)
{
	if (!table || table->type != TOML_TABLE || !key)
		return NULL;
	return table_lookup((const struct toml_node *)table, key, keylen);
}

const struct toml_keyval *toml_table_find(const struct toml_value *table, const char *key)
{
	return key ? toml_table_findn(table, key, strlen(key)) : NULL;
}

const char *toml_type_name(enum toml_type t)
{
	switch (t) {
	case TOML_TABLE:
		return "table";
	case TOML_ARRAY:
		return "array";
	case TOML_STRING:
		return "string";
	case TOML_INTEGER:
		return "integer";
	case TOML_FLOAT:
		return "float";
	case TOML_BOOL:
		return "bool";
	case TOML_DATETIME:
		return "datetime";
	case TOML_DATETIME_LOCAL:
		return "datetime-local";
	case TOML_DATE_LOCAL:
		return "date-local";
	case TOML_TIME_LOCAL:
		return "time-local";
	}
	return "value";
}
