/*
 * pep508: the requirement and marker parser and the marker evaluator.
 *
 * The parser is a transcription of packaging 23.0's hand-written one
 * (_parser.py over _tokenizer.py): the same tokens with the same regular
 * expressions, including their word-boundary rules, so that "a_" is a name
 * and '"x"in os_name' parses, exactly as pip's library sees them.  Markers
 * become a small tree of comparisons under and/or nodes held in one array;
 * evaluation walks every node (packaging does not short-circuit either, so an
 * error anywhere is an error).  See pep508.h for where we differ on purpose.
 */
#include "pep508.h"

#include "filename.h"

#include "util/error.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
	VAR_IMPLEMENTATION_NAME,
	VAR_IMPLEMENTATION_VERSION,
	VAR_OS_NAME,
	VAR_PLATFORM_MACHINE,
	VAR_PLATFORM_RELEASE,
	VAR_PLATFORM_SYSTEM,
	VAR_PLATFORM_VERSION,
	VAR_PYTHON_FULL_VERSION,
	VAR_PLATFORM_PYTHON_IMPLEMENTATION,
	VAR_PYTHON_VERSION,
	VAR_SYS_PLATFORM,
	VAR_EXTRA,
	VAR_EXTRAS,            /* PEP 751: the set of extras asked for */
	VAR_DEPENDENCY_GROUPS, /* PEP 751: the set of groups asked for */
	VAR_COUNT
};

/* The keys of packaging's environment dict. */
static const char *const var_names[VAR_COUNT] = {
    "implementation_name",
    "implementation_version",
    "os_name",
    "platform_machine",
    "platform_release",
    "platform_system",
    "platform_version",
    "python_full_version",
    "platform_python_implementation",
    "python_version",
    "sys_platform",
    "extra",
    "extras",
    "dependency_groups",
};

/* The spellings the VARIABLE token accepts (case-sensitive). */
static const struct {
	const char *text;
	int var;
} var_spellings[] = {
    {"python_version", VAR_PYTHON_VERSION},
    {"python_full_version", VAR_PYTHON_FULL_VERSION},
    {"os_name", VAR_OS_NAME},
    {"os.name", VAR_OS_NAME},
    {"sys_platform", VAR_SYS_PLATFORM},
    {"sys.platform", VAR_SYS_PLATFORM},
    {"platform_release", VAR_PLATFORM_RELEASE},
    {"platform_system", VAR_PLATFORM_SYSTEM},
    {"platform_version", VAR_PLATFORM_VERSION},
    {"platform.version", VAR_PLATFORM_VERSION},
    {"platform_machine", VAR_PLATFORM_MACHINE},
    {"platform.machine", VAR_PLATFORM_MACHINE},
    {"platform_python_implementation", VAR_PLATFORM_PYTHON_IMPLEMENTATION},
    {"platform.python_implementation", VAR_PLATFORM_PYTHON_IMPLEMENTATION},
    {"python_implementation", VAR_PLATFORM_PYTHON_IMPLEMENTATION},
    {"implementation_name", VAR_IMPLEMENTATION_NAME},
    {"implementation_version", VAR_IMPLEMENTATION_VERSION},
    {"extra", VAR_EXTRA},
    {"extras", VAR_EXTRAS},
    {"dependency_groups", VAR_DEPENDENCY_GROUPS},
};

enum { N_CMP, N_AND, N_OR };

enum {
	OP_ARBITRARY, /* === */
	OP_EQ,
	OP_COMPATIBLE,
	OP_NE,
	OP_LE,
	OP_GE,
	OP_LT,
	OP_GT,
	OP_IN,
	OP_NOT_IN,
};

static const char *const op_texts[] = {
    "===", "==", "~=", "!=", "<=", ">=", "<", ">", "in", "not in"};

struct operand {
	int var;     /* VAR_*, or -1 for a quoted string */
	int as_text; /* var >= 0 but read as the string canonical_name(var's name) */
	size_t off;  /* the string's bytes in marker->src */
	size_t len;
};

struct mnode {
	int kind;
	int op;                  /* N_CMP */
	struct operand lhs, rhs; /* N_CMP */
	size_t left, right;      /* N_AND, N_OR */
};

struct pep508_marker {
	char *src;
	size_t srclen;
	struct mnode *nodes;
	size_t n, cap;
	size_t root;
};

struct cursor {
	const char *s;
	size_t len;
	size_t pos;
	struct strbuf *err;
	struct pep508_marker *m; /* where marker nodes go */
	size_t base;             /* offset of s within m->src */
	size_t top_atoms;        /* atoms seen at depth 0 */
};

static int is_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c >= 0x80;
}

static int is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* \b before position p */
static int boundary(const struct cursor *c, size_t p)
{
	int before = p > 0 && is_word((unsigned char)c->s[p - 1]);
	int after = p < c->len && is_word((unsigned char)c->s[p]);
	return before != after;
}

static int fail(struct cursor *c, size_t at, const char *fmt, const char *arg)
{
	struct strbuf e = STRBUF_INIT;
	int r;

	if (arg)
		strbuf_add_escaped(&e, arg, strlen(arg));
	r = error_set(c->err, BURROW_EFAIL, "column %zu: ", at + 1);
	if (c->err) {
		strbuf_addf(c->err, fmt, e.buf);
		strbuf_addstr(c->err, " in \"");
		strbuf_add_escaped(c->err, c->s, c->len);
		strbuf_addch(c->err, '"');
	}
	strbuf_release(&e);
	return r;
}

static void skip_ws(struct cursor *c)
{
	while (c->pos < c->len && (c->s[c->pos] == ' ' || c->s[c->pos] == '\t'))
		c->pos++;
}

static int at_end(const struct cursor *c)
{
	return c->pos >= c->len;
}

static int peek(const struct cursor *c, char ch)
{
	return c->pos < c->len && c->s[c->pos] == ch;
}

/* IDENTIFIER: \b[a-zA-Z0-9][a-zA-Z0-9._-]*\b, with the regex's backtracking
 * to the last position that is a word boundary.  Returns the length or 0. */
static size_t identifier(const struct cursor *c)
{
	size_t p = c->pos, e;

	if (p >= c->len || !is_alnum((unsigned char)c->s[p]) || !boundary(c, p))
		return 0;
	e = p + 1;
	while (e < c->len && (is_alnum((unsigned char)c->s[e]) || c->s[e] == '.' ||
	                      c->s[e] == '_' || c->s[e] == '-'))
		e++;
	for (; e > p; e--)
		if (boundary(c, e))
			return e - p;
	return 0;
}

/* A keyword matched as \bword\b. */
static int keyword(const struct cursor *c, const char *w)
{
	size_t n = strlen(w);

	if (c->len - c->pos < n || memcmp(c->s + c->pos, w, n))
		return 0;
	return boundary(c, c->pos) && boundary(c, c->pos + n);
}

/* ---- markers ---- */

static int node_add(struct cursor *c, const struct mnode *n, size_t *idx)
{
	struct pep508_marker *m = c->m;

	if (m->n == PEP508_MAX_NODES)
		return fail(c, c->pos, "marker too long%s", "");
	if (m->n == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 16;
		struct mnode *nn = realloc(m->nodes, ncap * sizeof(*nn));
		if (!nn)
			return error_set(c->err, BURROW_EFAIL, "out of memory");
		m->nodes = nn;
		m->cap = ncap;
	}
	m->nodes[m->n] = *n;
	*idx = m->n++;
	return 0;
}

static int marker_var(struct cursor *c, struct operand *o)
{
	size_t i;

	for (i = 0; i < sizeof(var_spellings) / sizeof(var_spellings[0]); i++) {
		size_t n = strlen(var_spellings[i].text);
		if (c->len - c->pos >= n && !memcmp(c->s + c->pos, var_spellings[i].text, n) &&
		    boundary(c, c->pos) && boundary(c, c->pos + n)) {
			o->var = var_spellings[i].var;
			o->off = o->len = 0;
			c->pos += n;
			return 0;
		}
	}
	if (peek(c, '\'') || peek(c, '"')) {
		char q = c->s[c->pos];
		size_t p = c->pos + 1;
		while (p < c->len && c->s[p] != q)
			p++;
		if (p < c->len) {
			size_t k;
			for (k = c->pos + 1; k < p; k++) {
				char ch = c->s[k];
				if (ch == '\\' || ch == '\n' || ch == '\r' || ch == '\0')
					return fail(c, k,
					            "quoted strings may not contain a backslash, "
					            "line break or NUL%s",
					            "");
			}
			o->var = -1;
			o->off = c->base + c->pos + 1;
			o->len = p - c->pos - 1;
			c->pos = p + 1;
			return 0;
		}
	}
	return fail(c, c->pos, "expected a marker variable or quoted string%s", "");
}

static int marker_op(struct cursor *c, int *op)
{
	size_t i;

	if (keyword(c, "in")) {
		c->pos += 2;
		*op = OP_IN;
		return 0;
	}
	if (keyword(c, "not")) {
		c->pos += 3;
		if (!peek(c, ' ') && !peek(c, '\t'))
			return fail(c, c->pos, "expected whitespace after 'not'%s", "");
		skip_ws(c);
		if (!keyword(c, "in"))
			return fail(c, c->pos, "expected 'in' after 'not'%s", "");
		c->pos += 2;
		*op = OP_NOT_IN;
		return 0;
	}
	for (i = OP_ARBITRARY; i <= OP_GT; i++) {
		size_t n = strlen(op_texts[i]);
		if (c->len - c->pos >= n && !memcmp(c->s + c->pos, op_texts[i], n)) {
			c->pos += n;
			*op = (int)i;
			return 0;
		}
	}
	return fail(c, c->pos,
	            "expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in%s",
	            "");
}

static int marker_or(struct cursor *c, int depth, size_t *idx);

static int marker_atom(struct cursor *c, int depth, size_t *idx)
{
	struct mnode n;
	int r;

	int first = depth == 0 && c->top_atoms++ == 0;

	skip_ws(c);
	if (peek(c, '(')) {
		size_t open = c->pos;
		if (depth >= PEP508_MAX_DEPTH)
			return fail(c, c->pos, "marker nested too deeply%s", "");
		c->pos++;
		skip_ws(c);
		if ((r = marker_or(c, depth + 1, idx)))
			return r;
		skip_ws(c);
		if (!peek(c, ')'))
			return fail(c, open, "expected closing ) for this (%s", "");
		c->pos++;
	} else {
		memset(&n, 0, sizeof(n));
		n.kind = N_CMP;
		if ((r = marker_var(c, &n.lhs)))
			return r;
		skip_ws(c);
		if ((r = marker_op(c, &n.op)))
			return r;
		skip_ws(c);
		if ((r = marker_var(c, &n.rhs)))
			return r;
		/* packaging's _normalize_extra_values, which rewrites the first
		 * comparison of the whole marker only: beside `extra`, the other
		 * side becomes a string; for a variable that changes the result
		 * (`sys_platform > extra` compares "sys-platform" to the extra) */
		if (first && n.rhs.var == VAR_EXTRA && n.lhs.var >= 0 && n.lhs.var != VAR_EXTRA)
			n.lhs.as_text = 1;
		if ((r = node_add(c, &n, idx)))
			return r;
	}
	skip_ws(c);
	return 0;
}

static int marker_and(struct cursor *c, int depth, size_t *idx)
{
	struct mnode n;
	size_t right;
	int r;

	if ((r = marker_atom(c, depth, idx)))
		return r;
	while (keyword(c, "and")) {
		c->pos += 3;
		if ((r = marker_atom(c, depth, &right)))
			return r;
		memset(&n, 0, sizeof(n));
		n.kind = N_AND;
		n.left = *idx;
		n.right = right;
		if ((r = node_add(c, &n, idx)))
			return r;
	}
	return 0;
}

static int marker_or(struct cursor *c, int depth, size_t *idx)
{
	struct mnode n;
	size_t right;
	int r;

	if ((r = marker_and(c, depth, idx)))
		return r;
	while (keyword(c, "or")) {
		c->pos += 2;
		if ((r = marker_and(c, depth, &right)))
			return r;
		memset(&n, 0, sizeof(n));
		n.kind = N_OR;
		n.left = *idx;
		n.right = right;
		if ((r = node_add(c, &n, idx)))
			return r;
	}
	return 0;
}

void pep508_marker_free(struct pep508_marker *m)
{
	if (!m)
		return;
	free(m->src);
	free(m->nodes);
	free(m);
}

static struct pep508_marker *marker_new(const char *s, size_t len)
{
	struct pep508_marker *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->src = malloc(len + 1);
	if (!m->src) {
		free(m);
		return NULL;
	}
	memcpy(m->src, s, len);
	m->src[len] = '\0';
	m->srclen = len;
	return m;
}

static int check_input(struct cursor *c, const char *what)
{
	size_t i;

	if (c->len > PEP508_MAX_LEN)
		return error_set(c->err, BURROW_EFAIL, "%s too long (%zu bytes, at most %d)", what,
		                 c->len, PEP508_MAX_LEN);
	for (i = 0; i < c->len; i++)
		if (c->s[i] == '\0')
			return fail(c, i, "NUL byte%s", "");
	return 0;
}

int pep508_marker_parse(const char *s, size_t len, struct pep508_marker **out, struct strbuf *err)
{
	struct cursor c = {s, len, 0, err, NULL, 0, 0};
	int r;

	*out = NULL;
	if ((r = check_input(&c, "marker")))
		return r;
	c.m = marker_new(s, len);
	if (!c.m)
		return error_set(err, BURROW_EFAIL, "out of memory");
	r = marker_or(&c, 0, &c.m->root);
	if (!r) {
		skip_ws(&c);
		if (!at_end(&c))
			r = fail(&c, c.pos, "expected 'and', 'or' or the end of the marker%s", "");
	}
	if (r) {
		pep508_marker_free(c.m);
		return r;
	}
	*out = c.m;
	return 0;
}

/* ---- evaluation ---- */

static const char *env_value(const struct pep508_env *env, int var)
{
	const char *v = NULL;

	switch (var) {
	case VAR_IMPLEMENTATION_NAME:
		v = env->implementation_name;
		break;
	case VAR_IMPLEMENTATION_VERSION:
		v = env->implementation_version;
		break;
	case VAR_OS_NAME:
		v = env->os_name;
		break;
	case VAR_PLATFORM_MACHINE:
		v = env->platform_machine;
		break;
	case VAR_PLATFORM_RELEASE:
		v = env->platform_release;
		break;
	case VAR_PLATFORM_SYSTEM:
		v = env->platform_system;
		break;
	case VAR_PLATFORM_VERSION:
		v = env->platform_version;
		break;
	case VAR_PYTHON_FULL_VERSION:
		v = env->python_full_version;
		break;
	case VAR_PLATFORM_PYTHON_IMPLEMENTATION:
		v = env->platform_python_implementation;
		break;
	case VAR_PYTHON_VERSION:
		v = env->python_version;
		break;
	case VAR_SYS_PLATFORM:
		v = env->sys_platform;
		break;
	case VAR_EXTRA:
		v = env->extra;
		break;
	}
	return v ? v : "";
}

int pep508_canonical_name(const char *name, size_t len, struct strbuf *out)
{
	size_t i = 0;

	while (i < len) {
		char ch = name[i];
		if (ch == '-' || ch == '_' || ch == '.') {
			while (i < len && (name[i] == '-' || name[i] == '_' || name[i] == '.'))
				i++;
			if (strbuf_addch(out, '-'))
				return -1;
			continue;
		}
		if (strbuf_addch(out, ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch))
			return -1;
		i++;
	}
	return 0;
}

static int undefined(struct strbuf *err, int op, const struct strbuf *l, const struct strbuf *r)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

	strbuf_add_escaped(&a, l->buf, l->len);
	strbuf_add_escaped(&b, r->buf, r->len);
	error_set(err, BURROW_EFAIL, "marker: undefined comparison \"%s\" %s \"%s\"", a.buf,
	          op_texts[op], b.buf);
	strbuf_release(&a);
	strbuf_release(&b);
	return BURROW_EFAIL;
}

/* packaging.markers._eval_op, with a string fallback where it would raise
 * InvalidVersion. */
static int eval_op(const struct strbuf *l, int op, const struct strbuf *r, int *res,
                   struct strbuf *err)
{
	int c;

	if (op != OP_IN && op != OP_NOT_IN) {
		struct strbuf spec = STRBUF_INIT;
		struct pep440_spec sp;
		int ok = strbuf_addstr(&spec, op_texts[op]) == 0 &&
		         strbuf_add(&spec, r->buf, r->len) == 0 &&
		         pep440_spec_parse(spec.buf, spec.len, &sp, NULL) == 0;
		strbuf_release(&spec);
		if (ok) {
			struct pep440_version v;
			int have = pep440_parse_n(l->buf, l->len, &v, NULL) == 0;
			if (have)
				*res = pep440_spec_match(&sp, &v);
			pep440_spec_release(&sp);
			if (have)
				return 0;
		}
	}
	if (op == OP_IN || op == OP_NOT_IN) {
		int found = l->len == 0 ||
		            (r->len >= l->len && memmem(r->buf, r->len, l->buf, l->len) != NULL);
		*res = op == OP_IN ? found : !found;
		return 0;
	}
	if (op == OP_ARBITRARY || op == OP_COMPATIBLE)
		return undefined(err, op, l, r);
	c = memcmp(l->buf, r->buf, l->len < r->len ? l->len : r->len);
	if (!c && l->len != r->len)
		c = l->len < r->len ? -1 : 1;
	switch (op) {
	case OP_EQ:
		*res = c == 0;
		break;
	case OP_NE:
		*res = c != 0;
		break;
	case OP_LE:
		*res = c <= 0;
		break;
	case OP_GE:
		*res = c >= 0;
		break;
	case OP_LT:
		*res = c < 0;
		break;
	default:
		*res = c > 0;
		break;
	}
	return 0;
}

/* PEP 751: "'NAME' in extras", "'NAME' not in dependency_groups": the
 * only comparisons these sets allow; names compare after PEP 503
 * normalisation (PEP 685). */
static int eval_set(const struct pep508_marker *m, const struct mnode *n,
                    const struct pep508_env *env, int *res, struct strbuf *err)
{
	struct strbuf want = STRBUF_INIT, have = STRBUF_INIT;
	const char *const *set;
	size_t nset, i;
	int found = 0, ret = 0;

	if (n->lhs.var >= 0 || n->lhs.as_text || (n->op != OP_IN && n->op != OP_NOT_IN))
		return error_set(err, BURROW_EFAIL,
		                 "marker: %s takes only 'NAME' in %s or 'NAME' not in %s",
		                 var_names[n->rhs.var >= 0 ? n->rhs.var : n->lhs.var],
		                 var_names[n->rhs.var >= 0 ? n->rhs.var : n->lhs.var],
		                 var_names[n->rhs.var >= 0 ? n->rhs.var : n->lhs.var]);
	set = n->rhs.var == VAR_EXTRAS ? env->extras : env->dependency_groups;
	nset = n->rhs.var == VAR_EXTRAS ? env->nextras : env->ndependency_groups;
	if (pep508_canonical_name(m->src + n->lhs.off, n->lhs.len, &want))
		ret = error_set(err, BURROW_EFAIL, "out of memory");
	for (i = 0; !ret && !found && i < nset; i++) {
		strbuf_reset(&have);
		if (pep508_canonical_name(set[i], strlen(set[i]), &have))
			ret = error_set(err, BURROW_EFAIL, "out of memory");
		found = !ret && !strcmp(want.buf, have.buf);
	}
	*res = n->op == OP_IN ? found : !found;
	strbuf_release(&want);
	strbuf_release(&have);
	return ret;
}

static int eval_cmp(const struct pep508_marker *m, const struct mnode *n,
                    const struct pep508_env *env, int *res, struct strbuf *err)
{
	struct strbuf l = STRBUF_INIT, r = STRBUF_INIT;
	const char *lv, *rv;
	size_t ll, rl;
	int key, ret = 0;

	if (n->lhs.var == VAR_EXTRAS || n->lhs.var == VAR_DEPENDENCY_GROUPS ||
	    n->rhs.var == VAR_EXTRAS || n->rhs.var == VAR_DEPENDENCY_GROUPS)
		return eval_set(m, n, env, res, err);
	if (n->lhs.as_text) {
		/* canonical_name of a variable name is that name with '-' for '_' */
		for (key = 0; var_names[n->lhs.var][key]; key++)
			if (strbuf_addch(&l, var_names[n->lhs.var][key] == '_'
			                         ? '-'
			                         : var_names[n->lhs.var][key])) {
				strbuf_release(&l);
				return error_set(err, BURROW_EFAIL, "out of memory");
			}
		lv = l.buf;
		ll = l.len;
		key = n->rhs.var;
		rv = env_value(env, key);
		rl = strlen(rv);
	} else if (n->lhs.var >= 0) {
		key = n->lhs.var;
		lv = env_value(env, key);
		ll = strlen(lv);
		/* a variable on the right stands for its own name here */
		rv = n->rhs.var >= 0 ? var_names[n->rhs.var] : m->src + n->rhs.off;
		rl = n->rhs.var >= 0 ? strlen(rv) : n->rhs.len;
	} else {
		lv = m->src + n->lhs.off;
		ll = n->lhs.len;
		if (n->rhs.var >= 0) {
			key = n->rhs.var;
		} else {
			/* packaging looks the right-hand string up as a key */
			for (key = 0; key < VAR_COUNT; key++)
				if (strlen(var_names[key]) == n->rhs.len &&
				    !memcmp(var_names[key], m->src + n->rhs.off, n->rhs.len))
					break;
			if (key == VAR_COUNT) {
				struct strbuf a = STRBUF_INIT;
				strbuf_add_escaped(&a, m->src + n->rhs.off, n->rhs.len);
				error_set(
				    err, BURROW_EFAIL,
				    "marker: comparison names no variable (\"%s\" is not one)",
				    a.buf);
				strbuf_release(&a);
				return BURROW_EFAIL;
			}
		}
		rv = env_value(env, key);
		rl = strlen(rv);
	}
	if (key == VAR_EXTRA) {
		struct strbuf t = STRBUF_INIT;
		if (strbuf_add(&t, lv, ll)) {
			strbuf_release(&l);
			return error_set(err, BURROW_EFAIL, "out of memory");
		}
		strbuf_reset(&l);
		if (pep508_canonical_name(t.buf, t.len, &l) || pep508_canonical_name(rv, rl, &r))
			ret = error_set(err, BURROW_EFAIL, "out of memory");
		strbuf_release(&t);
	} else if (strbuf_add(&l, lv, ll) || strbuf_add(&r, rv, rl)) {
		ret = error_set(err, BURROW_EFAIL, "out of memory");
	}
	if (!ret)
		ret = eval_op(&l, n->op, &r, res, err);
	strbuf_release(&l);
	strbuf_release(&r);
	return ret;
}

/* Every node is evaluated, as packaging does: an undecidable comparison is
 * an error even where the other side of an and/or would settle it.  Children
 * always sit before their parent in the array, so one pass in order does it
 * without recursion. */
int pep508_marker_eval(const struct pep508_marker *m, const struct pep508_env *env, int *result,
                       struct strbuf *err)
{
	unsigned char *res;
	size_t i;
	int r = 0;

	*result = 0;
	res = malloc(m->n ? m->n : 1);
	if (!res)
		return error_set(err, BURROW_EFAIL, "out of memory");
	for (i = 0; i < m->n && !r; i++) {
		const struct mnode *n = &m->nodes[i];
		int v = 0;
		if (n->kind == N_CMP)
			r = eval_cmp(m, n, env, &v, err);
		else if (n->kind == N_AND)
			v = res[n->left] && res[n->right];
		else
			v = res[n->left] || res[n->right];
		res[i] = (unsigned char)v;
	}
	if (!r)
		*result = res[m->root];
	free(res);
	return r;
}

/* ---- requirements ---- */

void pep508_release(struct pep508_req *req)
{
	size_t i;

	if (!req)
		return;
	free(req->name);
	for (i = 0; i < req->nextras; i++)
		free(req->extras[i]);
	free(req->extras);
	free(req->url);
	pep440_specset_release(&req->spec);
	pep508_marker_free(req->marker);
	memset(req, 0, sizeof(*req));
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

static int add_extra(struct cursor *c, struct pep508_req *req, size_t n)
{
	size_t i;
	char **v;

	for (i = 0; i < req->nextras; i++)
		if (strlen(req->extras[i]) == n && !memcmp(req->extras[i], c->s + c->pos, n))
			return 0;
	if (req->nextras == PEP508_MAX_EXTRAS)
		return fail(c, c->pos, "too many extras%s", "");
	v = realloc(req->extras, (req->nextras + 1) * sizeof(*v));
	if (!v)
		return error_set(c->err, BURROW_EFAIL, "out of memory");
	req->extras = v;
	if (!(v[req->nextras] = dup_n(c->s + c->pos, n)))
		return error_set(c->err, BURROW_EFAIL, "out of memory");
	req->nextras++;
	return 0;
}

static int parse_extras(struct cursor *c, struct pep508_req *req)
{
	size_t open = c->pos, n;
	int r;

	c->pos++;
	skip_ws(c);
	if ((n = identifier(c))) {
		if ((r = add_extra(c, req, n)))
			return r;
		c->pos += n;
		for (;;) {
			skip_ws(c);
			if (identifier(c))
				return fail(c, c->pos, "expected comma between extra names%s", "");
			if (!peek(c, ','))
				break;
			c->pos++;
			skip_ws(c);
			if (!(n = identifier(c)))
				return fail(c, c->pos, "expected extra name after comma%s", "");
			if ((r = add_extra(c, req, n)))
				return r;
			c->pos += n;
		}
	}
	skip_ws(c);
	if (!peek(c, ']'))
		return fail(c, open, "expected closing ] for this [%s", "");
	c->pos++;
	return 0;
}

static int parse_version_many(struct cursor *c, struct strbuf *specs)
{
	size_t n;

	while ((n = pep440_spec_scan(c->s + c->pos, c->len - c->pos)) > 0) {
		if (strbuf_add(specs, c->s + c->pos, n))
			return error_set(c->err, BURROW_EFAIL, "out of memory");
		c->pos += n;
		skip_ws(c);
		if (!peek(c, ','))
			break;
		if (strbuf_addch(specs, ','))
			return error_set(c->err, BURROW_EFAIL, "out of memory");
		c->pos++;
		skip_ws(c);
	}
	return 0;
}

/* RFC 3986 scheme as urllib.parse.urlsplit finds it; 0 when none. */
static size_t url_scheme(const char *u, size_t n)
{
	size_t i;

	if (n == 0 || !((u[0] >= 'a' && u[0] <= 'z') || (u[0] >= 'A' && u[0] <= 'Z')))
		return 0;
	for (i = 0; i < n && u[i] != ':'; i++)
		if (!is_alnum((unsigned char)u[i]) && u[i] != '+' && u[i] != '-' && u[i] != '.')
			return 0;
	return i < n ? i : 0;
}

/* packaging's URL check: file URLs must survive urlunparse(urlparse(u))
 * unchanged; others need a scheme and a network location. */
static int url_valid(const char *u, size_t n)
{
	size_t sch = url_scheme(u, n), p, q, nl_start, nl_len = 0, i;
	int have_netloc = 0, file;
	const char *hash, *quest;

	for (i = 0; i < n; i++)
		if ((unsigned char)u[i] < 0x20 || u[i] == 0x7f)
			return 0;
	if (!sch)
		return 0;
	file = sch == 4 && !memcmp(u, "file", 4);
	if (!file && sch == 4 && strncasecmp(u, "file", 4) == 0)
		return 0; /* lower-cased scheme never round-trips */
	p = sch + 1;
	nl_start = p + 2;
	if (n - p >= 2 && u[p] == '/' && u[p + 1] == '/') {
		have_netloc = 1;
		q = nl_start;
		while (q < n && u[q] != '/' && u[q] != '?' && u[q] != '#')
			q++;
		nl_len = q - nl_start;
		if ((memchr(u + nl_start, '[', nl_len) != NULL) !=
		    (memchr(u + nl_start, ']', nl_len) != NULL))
			return 0;
		p = q;
	}
	if (!file)
		return have_netloc && nl_len > 0;
	/* file: rebuild it as urlunsplit would and compare */
	hash = memchr(u + p, '#', n - p);
	quest = memchr(u + p, '?', (size_t)((hash ? hash : u + n) - (u + p)));
	if (hash && hash + 1 == u + n)
		return 0; /* empty fragment is dropped */
	if (quest && quest + 1 == (hash ? hash : u + n))
		return 0; /* empty query is dropped */
	if (!have_netloc || nl_len == 0) {
		/* no netloc: urlunsplit adds "//" unless the path starts with it */
		const char *path = u + p;
		size_t plen = (size_t)((quest ? quest : hash ? hash : u + n) - path);
		if (plen >= 2 && path[0] == '/' && path[1] == '/')
			return 0; /* "file:////x" comes back as "file://x" */
		if (!have_netloc)
			return 0; /* "file:/x" comes back as "file:///x" */
	}
	return 1;
}

int pep508_parse(const char *s, size_t len, struct pep508_req *out, struct strbuf *err)
{
	struct cursor c = {s, len, 0, err, NULL, 0, 0};
	struct strbuf specs = STRBUF_INIT;
	size_t n, start;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = check_input(&c, "requirement")))
		return r;
	skip_ws(&c);
	if (!(n = identifier(&c))) {
		r = fail(&c, c.pos, "expected package name at the start of dependency specifier%s",
		         "");
		goto out;
	}
	if (n > PEP503_NAME_MAX) {
		r = fail(&c, c.pos, "package name longer than " PEP503_NAME_MAX_TEXT " bytes%s",
		         "");
		goto out;
	}
	if (!(out->name = dup_n(s + c.pos, n))) {
		r = error_set(err, BURROW_EFAIL, "out of memory");
		goto out;
	}
	c.pos += n;
	skip_ws(&c);
	if (peek(&c, '[') && (r = parse_extras(&c, out)))
		goto out;
	skip_ws(&c);
	if (peek(&c, '@')) {
		c.pos++;
		skip_ws(&c);
		start = c.pos;
		while (c.pos < len && s[c.pos] != ' ' && s[c.pos] != '\t')
			c.pos++;
		if (c.pos == start) {
			r = fail(&c, c.pos, "expected URL after @%s", "");
			goto out;
		}
		if (!url_valid(s + start, c.pos - start)) {
			r = fail(&c, start, "invalid URL%s", "");
			goto out;
		}
		if (!(out->url = dup_n(s + start, c.pos - start))) {
			r = error_set(err, BURROW_EFAIL, "out of memory");
			goto out;
		}
		if (!at_end(&c)) {
			skip_ws(&c); /* at least one: the URL stopped at a blank */
			if (!at_end(&c) && !peek(&c, ';')) {
				r = fail(&c, start,
				         "expected end or semicolon (after URL and whitespace)%s",
				         "");
				goto out;
			}
		}
	} else {
		start = c.pos;
		if (peek(&c, '(')) {
			size_t open = c.pos;
			c.pos++;
			skip_ws(&c);
			if ((r = parse_version_many(&c, &specs)))
				goto out;
			skip_ws(&c);
			if (!peek(&c, ')')) {
				r = fail(&c, open, "expected closing ) for this (%s", "");
				goto out;
			}
			c.pos++;
		} else {
			skip_ws(&c);
			if ((r = parse_version_many(&c, &specs)))
				goto out;
			skip_ws(&c);
		}
		skip_ws(&c);
		if (!at_end(&c) && !peek(&c, ';')) {
			r = fail(&c, start,
			         specs.len ? "expected end or semicolon (after version specifier)%s"
			                   : "expected end or semicolon (after name and no valid "
			                     "version specifier)%s",
			         "");
			goto out;
		}
		if ((r = pep440_specset_parse(specs.buf, specs.len, &out->spec, err))) {
			/* its column counts in the joined specifiers: use ours */
			if (err && !strncmp(err->buf, "column ", 7) && strstr(err->buf, ": ")) {
				struct strbuf msg = STRBUF_INIT;
				strbuf_addstr(&msg, strstr(err->buf, ": ") + 2);
				error_set(err, r, "column %zu: %s", start + 1, msg.buf);
				strbuf_release(&msg);
			}
			goto out;
		}
	}
	if (peek(&c, ';')) {
		c.pos++;
		if (!(c.m = marker_new(s, len))) {
			r = error_set(err, BURROW_EFAIL, "out of memory");
			goto out;
		}
		out->marker = c.m;
		if ((r = marker_or(&c, 0, &c.m->root)))
			goto out;
		skip_ws(&c);
	}
	if (!at_end(&c))
		r = fail(&c, c.pos, "expected end of dependency specifier%s", "");
out:
	strbuf_release(&specs);
	if (r)
		pep508_release(out);
	return r;
}

int pep508_satisfied(const struct pep508_req *req, const char *installed_version)
{
	struct pep440_version v;
	int res = 0;

	if (pep440_parse(installed_version, &v) != 0)
		return req->spec.n == 0;
	if (pep440_specset_contains(&req->spec, &v, 1, &res, NULL) != 0)
		return 0;
	return res;
}
