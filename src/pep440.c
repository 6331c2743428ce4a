/*
 * pep440: parse, normalise and order Python versions; parse version
 * specifiers and decide whether a version is in a set of them.
 *
 * The oracle is packaging 23.0 (Debian 12's python3-packaging, the library
 * pip and every other installer build on); tests/e2e/test_pep_diff.py diffs
 * this file against it on thousands of generated inputs.  Where packaging's
 * behaviour is odd but observable (the string-based prefix match of "==V.*",
 * the raw-text prefix of "~="), it is reproduced on purpose: a version that
 * pip accepts must be accepted here and vice versa.  The version grammar is
 * packaging's regular expression, walked by hand: every optional group is
 * greedy, which is how that regex behaves both anchored (Version) and
 * unanchored (the SPECIFIER token of a requirement, see pep508.c).
 */
#include "pep440.h"

#include "util/error.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Python's str.isspace() (and regex \s) restricted to ASCII. */
static int py_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int is_alnum(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int is_sep(unsigned char c)
{
	return c == '-' || c == '_' || c == '.';
}

/* Case-insensitive match of the ASCII word w at s[pos]. */
static int word_at(const char *s, size_t len, size_t pos, const char *w)
{
	size_t i, n = strlen(w);

	if (pos > len || len - pos < n)
		return 0;
	for (i = 0; i < n; i++)
		if (lower((unsigned char)s[pos + i]) != w[i])
			return 0;
	return 1;
}

/* What scanning found besides the version itself. */
struct scan {
	int overflow; /* a number did not fit in int64 */
	int too_long; /* more release parts or local bytes than we keep */
	int wildcard; /* ".*" followed the release (only when allowed) */
};

#define SCAN_LOCAL 1    /* the "+local" group is part of the grammar */
#define SCAN_WILDCARD 2 /* ".*" may follow the release (== and !=) */

/* Reads [0-9]+ at *pos into *out (saturating, flagging overflow). */
static void scan_number(const char *s, size_t len, size_t *pos, int64_t *out, struct scan *sc)
{
	int64_t n = 0;

	while (*pos < len && is_digit((unsigned char)s[*pos])) {
		int d = s[*pos] - '0';
		if (n > (INT64_MAX - d) / 10)
			sc->overflow = 1;
		else
			n = n * 10 + d;
		(*pos)++;
	}
	*out = n;
}

/* Appends one local segment, lower-cased, numeric ones without leading
 * zeros (packaging turns them into ints). */
static void local_add(struct pep440_version *v, size_t *used, const char *seg, size_t n,
                      struct scan *sc)
{
	size_t i, start = 0, need;
	int numeric = 1;

	for (i = 0; i < n; i++)
		if (!is_digit((unsigned char)seg[i]))
			numeric = 0;
	if (numeric)
		while (start + 1 < n && seg[start] == '0')
			start++;
	need = (*used ? 1 : 0) + (n - start);
	if (*used + need > PEP440_MAX_LOCAL) {
		sc->too_long = 1;
		return;
	}
	if (*used)
		v->local[(*used)++] = '.';
	for (i = start; i < n; i++)
		v->local[(*used)++] = (char)lower((unsigned char)seg[i]);
	v->local[*used] = '\0';
}

/*
 * Walks packaging's VERSION_PATTERN from *pos (no surrounding whitespace),
 * greedily, leaving *pos after the longest match.  Returns 0 when not even
 * "v? N" matched.  Numbers and sizes past our limits are flagged in sc, the
 * text is still consumed so the caller can say what went wrong.
 */
static int scan_version(const char *s, size_t len, size_t *pos, struct pep440_version *v, int flags,
                        struct scan *sc)
{
	static const char *const pre_words[] = {"alpha", "beta", "preview", "pre",
	                                        "a",     "b",    "c",       "rc"};
	static const int pre_kinds[] = {PEP440_PRE_A, PEP440_PRE_B, PEP440_PRE_RC, PEP440_PRE_RC,
	                                PEP440_PRE_A, PEP440_PRE_B, PEP440_PRE_RC, PEP440_PRE_RC};
	static const char *const post_words[] = {"post", "rev", "r"};
	size_t p = *pos, q, i;
	int64_t n;

	memset(v, 0, sizeof(*v));
	memset(sc, 0, sizeof(*sc));
	if (p < len && lower((unsigned char)s[p]) == 'v')
		p++;
	if (p >= len || !is_digit((unsigned char)s[p]))
		return 0;
	/* epoch: N! */
	q = p;
	while (q < len && is_digit((unsigned char)s[q]))
		q++;
	if (q < len && s[q] == '!' && q + 1 < len && is_digit((unsigned char)s[q + 1])) {
		scan_number(s, len, &p, &v->epoch, sc);
		p++;
	}
	/* release: N(.N)* */
	for (;;) {
		scan_number(s, len, &p, &n, sc);
		if (v->nrelease < PEP440_MAX_RELEASE)
			v->release[v->nrelease++] = n;
		else
			sc->too_long = 1;
		if (p + 1 < len && s[p] == '.' && is_digit((unsigned char)s[p + 1]))
			p++;
		else
			break;
	}
	if ((flags & SCAN_WILDCARD) && p + 1 < len && s[p] == '.' && s[p + 1] == '*') {
		sc->wildcard = 1;
		*pos = p + 2;
		return 1;
	}
	/* pre: [-_.]? (alpha|beta|preview|pre|a|b|c|rc) [-_.]? N? */
	q = p;
	if (q < len && is_sep((unsigned char)s[q]))
		q++;
	for (i = 0; i < sizeof(pre_words) / sizeof(pre_words[0]); i++) {
		if (word_at(s, len, q, pre_words[i])) {
			v->pre_kind = pre_kinds[i];
			p = q + strlen(pre_words[i]);
			if (p < len && is_sep((unsigned char)s[p]))
				p++;
			scan_number(s, len, &p, &v->pre, sc);
			break;
		}
	}
	/* post: -N | [-_.]? (post|rev|r) [-_.]? N? */
	if (p + 1 < len && s[p] == '-' && is_digit((unsigned char)s[p + 1])) {
		p++;
		v->has_post = 1;
		scan_number(s, len, &p, &v->post, sc);
	} else {
		q = p;
		if (q < len && is_sep((unsigned char)s[q]))
			q++;
		for (i = 0; i < sizeof(post_words) / sizeof(post_words[0]); i++) {
			if (word_at(s, len, q, post_words[i])) {
				v->has_post = 1;
				p = q + strlen(post_words[i]);
				if (p < len && is_sep((unsigned char)s[p]))
					p++;
				scan_number(s, len, &p, &v->post, sc);
				break;
			}
		}
	}
	/* dev: [-_.]? dev [-_.]? N? */
	q = p;
	if (q < len && is_sep((unsigned char)s[q]))
		q++;
	if (word_at(s, len, q, "dev")) {
		v->has_dev = 1;
		p = q + 3;
		if (p < len && is_sep((unsigned char)s[p]))
			p++;
		scan_number(s, len, &p, &v->dev, sc);
	}
	/* local: + [a-z0-9]+ ([-_.] [a-z0-9]+)* */
	if ((flags & SCAN_LOCAL) && p + 1 < len && s[p] == '+' &&
	    is_alnum((unsigned char)s[p + 1])) {
		size_t used = 0, seg;
		p++;
		for (;;) {
			seg = p;
			while (p < len && is_alnum((unsigned char)s[p]))
				p++;
			local_add(v, &used, s + seg, p - seg, sc);
			if (p + 1 < len && is_sep((unsigned char)s[p]) &&
			    is_alnum((unsigned char)s[p + 1]))
				p++;
			else
				break;
		}
	}
	*pos = p;
	return 1;
}

static int quote_err(struct strbuf *err, const char *what, const char *s, size_t len,
                     const char *why)
{
	struct strbuf e = STRBUF_INIT;
	int r;

	strbuf_add_escaped(&e, s, len);
	r = error_set(err, BURROW_EFAIL, "invalid %s \"%s\": %s", what, e.buf, why);
	strbuf_release(&e);
	return r;
}

int pep440_parse_n(const char *s, size_t len, struct pep440_version *out, struct strbuf *err)
{
	struct scan sc;
	size_t p = 0;

	if (len > PEP440_MAX_LEN)
		return quote_err(err, "version", s, len, "too long");
	while (p < len && py_space((unsigned char)s[p]))
		p++;
	if (!scan_version(s, len, &p, out, SCAN_LOCAL, &sc))
		return quote_err(err, "version", s, len, "not PEP 440");
	while (p < len && py_space((unsigned char)s[p]))
		p++;
	if (p != len)
		return quote_err(err, "version", s, len, "not PEP 440");
	if (sc.overflow)
		return quote_err(err, "version", s, len, "number too large");
	if (sc.too_long)
		return quote_err(err, "version", s, len, "too many parts");
	return 0;
}

int pep440_parse(const char *s, struct pep440_version *out)
{
	return pep440_parse_n(s, strlen(s), out, NULL);
}

/* Canonical text; strip drops trailing ".0" release parts (keeping one),
 * public leaves the local label out. */
static int format_ex(const struct pep440_version *v, struct strbuf *out, int strip, int public)
{
	static const char *const pre_names[] = {"", "a", "b", "rc"};
	size_t i, n = v->nrelease;
	int r = 0;

	if (strip)
		while (n > 1 && v->release[n - 1] == 0)
			n--;
	if (v->epoch)
		r |= strbuf_addf(out, "%" PRId64 "!", v->epoch);
	for (i = 0; i < n; i++)
		r |= strbuf_addf(out, i ? ".%" PRId64 : "%" PRId64, v->release[i]);
	if (v->pre_kind)
		r |= strbuf_addf(out, "%s%" PRId64, pre_names[v->pre_kind], v->pre);
	if (v->has_post)
		r |= strbuf_addf(out, ".post%" PRId64, v->post);
	if (v->has_dev)
		r |= strbuf_addf(out, ".dev%" PRId64, v->dev);
	if (!public && v->local[0])
		r |= strbuf_addf(out, "+%s", v->local);
	return r ? -1 : 0;
}

int pep440_format(const struct pep440_version *v, struct strbuf *out)
{
	return format_ex(v, out, 0, 0);
}

int pep440_is_prerelease(const struct pep440_version *v)
{
	return v->pre_kind != PEP440_PRE_NONE || v->has_dev;
}

static int cmp_i64(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

/* Compares local labels segment by segment: numbers numerically, above
 * any alphanumeric segment; a label that is a prefix of another is less. */
static int cmp_local(const char *a, const char *b)
{
	for (;;) {
		size_t na = strcspn(a, "."), nb = strcspn(b, ".");
		size_t i;
		int da = 1, db = 1, c;

		for (i = 0; i < na; i++)
			da &= is_digit((unsigned char)a[i]);
		for (i = 0; i < nb; i++)
			db &= is_digit((unsigned char)b[i]);
		if (da && db) {
			if (na != nb)
				return na < nb ? -1 : 1;
			c = memcmp(a, b, na);
		} else if (da != db) {
			return da ? 1 : -1;
		} else {
			c = memcmp(a, b, na < nb ? na : nb);
			if (!c && na != nb)
				c = na < nb ? -1 : 1;
		}
		if (c)
			return c < 0 ? -1 : 1;
		a += na;
		b += nb;
		if (!*a || !*b)
			return !*a && !*b ? 0 : (!*a ? -1 : 1);
		a++;
		b++;
	}
}

int pep440_compare(const struct pep440_version *a, const struct pep440_version *b)
{
	size_t na = a->nrelease, nb = b->nrelease, i;
	int c, ka, kb;

	if ((c = cmp_i64(a->epoch, b->epoch)))
		return c;
	while (na > 0 && a->release[na - 1] == 0)
		na--;
	while (nb > 0 && b->release[nb - 1] == 0)
		nb--;
	for (i = 0; i < na && i < nb; i++)
		if ((c = cmp_i64(a->release[i], b->release[i])))
			return c;
	if (na != nb)
		return na < nb ? -1 : 1;
	/* pre: dev-only releases sort first, then a < b < rc, then none */
	ka = a->pre_kind ? 1 : (!a->has_post && a->has_dev ? 0 : 2);
	kb = b->pre_kind ? 1 : (!b->has_post && b->has_dev ? 0 : 2);
	if (ka != kb)
		return ka < kb ? -1 : 1;
	if (ka == 1) {
		if (a->pre_kind != b->pre_kind)
			return a->pre_kind < b->pre_kind ? -1 : 1;
		if ((c = cmp_i64(a->pre, b->pre)))
			return c;
	}
	/* post: none first */
	if (a->has_post != b->has_post)
		return a->has_post ? 1 : -1;
	if (a->has_post && (c = cmp_i64(a->post, b->post)))
		return c;
	/* dev: none last */
	if (a->has_dev != b->has_dev)
		return a->has_dev ? -1 : 1;
	if (a->has_dev && (c = cmp_i64(a->dev, b->dev)))
		return c;
	/* local: none first */
	if (!a->local[0] || !b->local[0])
		return a->local[0] ? 1 : (b->local[0] ? -1 : 0);
	return cmp_local(a->local, b->local);
}

/* ---- specifiers ---- */

static const char *const op_names[] = {"~=", "==", "!=", "<=", ">=", "<", ">", "==="};

static void spec_clear(struct pep440_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
}

void pep440_spec_release(struct pep440_spec *spec)
{
	if (spec) {
		free(spec->text);
		spec_clear(spec);
	}
}

int pep440_spec_parse(const char *s, size_t len, struct pep440_spec *out, struct strbuf *err)
{
	size_t p = 0, start, end, i;
	struct scan sc;
	int op = -1, flags;

	spec_clear(out);
	if (len > PEP440_MAX_SPEC_LEN)
		return quote_err(err, "specifier", s, len, "too long");
	while (p < len && py_space((unsigned char)s[p]))
		p++;
	/* "===" first: "==" followed by "=" can never be a version */
	if (word_at(s, len, p, "===")) {
		op = PEP440_OP_ARBITRARY;
	} else {
		for (i = 0; i < PEP440_OP_ARBITRARY; i++) {
			if (word_at(s, len, p, op_names[i])) {
				op = (int)i;
				break;
			}
		}
	}
	if (op < 0)
		return quote_err(err, "specifier", s, len, "expected an operator");
	p += strlen(op_names[op]);
	while (p < len && py_space((unsigned char)s[p]))
		p++;
	start = p;
	if (op == PEP440_OP_ARBITRARY) {
		while (p < len && !py_space((unsigned char)s[p]) && s[p] != ';' && s[p] != ')' &&
		       s[p] != '\0')
			p++;
		end = p;
	} else {
		flags = 0;
		if (op == PEP440_OP_EQ || op == PEP440_OP_NE)
			flags = SCAN_LOCAL | SCAN_WILDCARD;
		if (!scan_version(s, len, &p, &out->version, flags, &sc) ||
		    (op == PEP440_OP_COMPATIBLE && out->version.nrelease < 2))
			return quote_err(err, "specifier", s, len,
			                 op == PEP440_OP_COMPATIBLE
			                     ? "~= needs a version with at least two parts"
			                     : "expected a version after the operator");
		end = p;
		out->wildcard = sc.wildcard;
		if (sc.overflow)
			return quote_err(err, "specifier", s, len, "number too large");
		if (sc.too_long)
			return quote_err(err, "specifier", s, len, "too many parts");
		out->has_version = 1;
	}
	while (p < len && py_space((unsigned char)s[p]))
		p++;
	if (p != len)
		return quote_err(err, "specifier", s, len,
		                 op == PEP440_OP_ARBITRARY ? "unexpected text after the version"
		                                           : "not a PEP 440 specifier");
	if (out->wildcard)
		end -= 2;
	out->op = op;
	out->text = malloc(end - start + 1);
	if (!out->text)
		return error_set(err, BURROW_EFAIL, "out of memory");
	memcpy(out->text, s + start, end - start);
	out->text[end - start] = '\0';
	if (op == PEP440_OP_ARBITRARY)
		out->has_version = pep440_parse_n(s + start, end - start, &out->version, NULL) == 0;
	return 0;
}

void pep440_specset_release(struct pep440_specset *set)
{
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->n; i++)
		pep440_spec_release(&set->items[i]);
	free(set->items);
	set->items = NULL;
	set->n = 0;
}

static int canonicalize_text(const char *text, size_t n, int strip, struct strbuf *out);

/* Specifier._canonical_spec: the operator and the text canonicalised
 * (trailing zeros stripped except for ~=; a wildcard text stays as written). */
static int canonical_key(const struct pep440_spec *sp, struct strbuf *out)
{
	int r = strbuf_addstr(out, op_names[sp->op]);

	if (sp->wildcard)
		return r | strbuf_addf(out, "%s.*", sp->text);
	return r |
	       canonicalize_text(sp->text, strlen(sp->text), sp->op != PEP440_OP_COMPATIBLE, out);
}

/* Whether set already holds a specifier equal to sp in packaging's sense
 * (SpecifierSet keeps the first of equal ones: "===1.0, ===1.0.0" is
 * "===1.0").  1 yes, 0 no, -1 out of memory. */
static int spec_seen(const struct pep440_specset *set, const struct pep440_spec *sp)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	size_t i;
	int r = 0;

	if (canonical_key(sp, &a))
		r = -1;
	for (i = 0; i < set->n && !r; i++) {
		strbuf_reset(&b);
		if (canonical_key(&set->items[i], &b))
			r = -1;
		else if (a.len == b.len && !memcmp(a.buf, b.buf, a.len))
			r = 1;
	}
	strbuf_release(&a);
	strbuf_release(&b);
	return r;
}

int pep440_specset_parse(const char *s, size_t len, struct pep440_specset *out, struct strbuf *err)
{
	size_t p = 0, a, b, cap = 0;
	int r;

	out->items = NULL;
	out->n = 0;
	if (len > PEP440_MAX_SPEC_LEN)
		return quote_err(err, "specifier set", s, len, "too long");
	while (p <= len) {
		size_t q = p;
		while (q < len && s[q] != ',')
			q++;
		a = p;
		b = q;
		while (a < b && py_space((unsigned char)s[a]))
			a++;
		while (b > a && py_space((unsigned char)s[b - 1]))
			b--;
		if (a < b) {
			if (out->n == PEP440_MAX_SPECS) {
				pep440_specset_release(out);
				return quote_err(err, "specifier set", s, len,
				                 "too many specifiers");
			}
			if (out->n == cap) {
				size_t ncap = cap ? cap * 2 : 4;
				struct pep440_spec *n =
				    realloc(out->items, ncap * sizeof(*out->items));
				if (!n) {
					pep440_specset_release(out);
					return error_set(err, BURROW_EFAIL, "out of memory");
				}
				out->items = n;
				cap = ncap;
			}
			r = pep440_spec_parse(s + a, b - a, &out->items[out->n], err);
			if (r) {
				pep440_specset_release(out);
				return error_prefix(err, r, "column %zu", a + 1);
			}
			r = spec_seen(out, &out->items[out->n]);
			if (r < 0) {
				pep440_specset_release(out);
				return error_set(err, BURROW_EFAIL, "out of memory");
			}
			if (r)
				pep440_spec_release(&out->items[out->n]);
			else
				out->n++;
		}
		p = q + 1;
	}
	return 0;
}

/* ---- "==V.*": packaging 23.0's string-based prefix match ---- */

#define SPLIT_MAX 160

struct items {
	size_t n;
	const char *ptr[SPLIT_MAX];
	size_t len[SPLIT_MAX];
};

static int items_add(struct items *it, const char *p, size_t n)
{
	if (it->n == SPLIT_MAX)
		return -1;
	it->ptr[it->n] = p;
	it->len[it->n] = n;
	it->n++;
	return 0;
}

/* ^([0-9]+)((?:a|b|c|rc)[0-9]+)$ on one item: where to cut, or 0. */
static size_t prefix_cut(const char *p, size_t n)
{
	size_t i = 0, cut, j;

	while (i < n && is_digit((unsigned char)p[i]))
		i++;
	if (i == 0 || i == n)
		return 0;
	cut = i;
	if (p[i] == 'r' && i + 1 < n && p[i + 1] == 'c')
		i += 2;
	else if (p[i] == 'a' || p[i] == 'b' || p[i] == 'c')
		i++;
	else
		return 0;
	j = i;
	while (i < n && is_digit((unsigned char)p[i]))
		i++;
	return i == n && i > j ? cut : 0;
}

/* packaging.specifiers._version_split */
static int version_split(const char *s, size_t n, struct items *it)
{
	size_t p = 0;

	it->n = 0;
	for (;;) {
		size_t q = p, cut;
		while (q < n && s[q] != '.')
			q++;
		cut = prefix_cut(s + p, q - p);
		if (cut) {
			if (items_add(it, s + p, cut) || items_add(it, s + p + cut, q - p - cut))
				return -1;
		} else if (items_add(it, s + p, q - p)) {
			return -1;
		}
		if (q == n)
			return 0;
		p = q + 1;
	}
}

static int item_isdigit(const char *p, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!is_digit((unsigned char)p[i]))
			return 0;
	return 1;
}

/* packaging.utils.canonicalize_version(text, strip_trailing_zero=strip) */
static int canonicalize_text(const char *text, size_t n, int strip, struct strbuf *out)
{
	struct pep440_version v;

	if (pep440_parse_n(text, n, &v, NULL) == 0)
		return format_ex(&v, out, strip, 0);
	return strbuf_add(out, text, n);
}

/* _compare_equal(prospective, prefix + ".*") */
static int match_prefix(const struct pep440_version *v, const char *prefix, size_t plen)
{
	struct strbuf pro = STRBUF_INIT, spec = STRBUF_INIT;
	struct items a, b;
	size_t ra = 0, rb = 0, i, k, pad;
	int ok = 0;

	if (format_ex(v, &pro, 1, 1) || canonicalize_text(prefix, plen, 0, &spec))
		goto out;
	if (version_split(pro.buf, pro.len, &a) || version_split(spec.buf, spec.len, &b))
		goto out;
	while (ra < a.n && item_isdigit(a.ptr[ra], a.len[ra]))
		ra++;
	while (rb < b.n && item_isdigit(b.ptr[rb], b.len[rb]))
		rb++;
	pad = rb > ra ? rb - ra : 0;
	/* padded prospective = a[:ra] + ["0"] * pad + a[ra:], cut to b.n items */
	if (a.n + pad < b.n)
		goto out;
	for (i = 0; i < b.n; i++) {
		const char *p;
		size_t n;
		if (i < ra) {
			p = a.ptr[i];
			n = a.len[i];
		} else if (i < ra + pad) {
			p = "0";
			n = 1;
		} else {
			k = i - pad;
			p = a.ptr[k];
			n = a.len[k];
		}
		if (n != b.len[i] || memcmp(p, b.ptr[i], n))
			goto out;
	}
	ok = 1;
out:
	strbuf_release(&pro);
	strbuf_release(&spec);
	return ok;
}

static int starts(const char *p, size_t n, const char *w)
{
	size_t k = strlen(w);
	return n >= k && !memcmp(p, w, k);
}

/* ~=: ">= text" and "== P.*" where P is text's items up to the first suffix
 * item, less the last one (taken from the text as written). */
static int match_compatible(const struct pep440_spec *spec, const struct pep440_version *v,
                            const struct pep440_version *pub)
{
	struct strbuf prefix = STRBUF_INIT;
	struct items it;
	size_t i, keep = 0;
	int ok = 0;

	if (pep440_compare(pub, &spec->version) < 0)
		return 0;
	if (version_split(spec->text, strlen(spec->text), &it))
		return 0;
	while (keep < it.n) {
		const char *p = it.ptr[keep];
		size_t n = it.len[keep];
		if (starts(p, n, "dev") || starts(p, n, "a") || starts(p, n, "b") ||
		    starts(p, n, "rc") || starts(p, n, "post"))
			break;
		keep++;
	}
	if (keep > 0)
		keep--;
	for (i = 0; i < keep; i++) {
		if (i && strbuf_addch(&prefix, '.'))
			goto out;
		if (strbuf_add(&prefix, it.ptr[i], it.len[i]))
			goto out;
	}
	ok = match_prefix(v, prefix.buf, prefix.len);
out:
	strbuf_release(&prefix);
	return ok;
}

static int same_base(const struct pep440_version *a, const struct pep440_version *b)
{
	struct pep440_version x = *a, y = *b;

	x.pre_kind = y.pre_kind = PEP440_PRE_NONE;
	x.has_post = y.has_post = 0;
	x.has_dev = y.has_dev = 0;
	x.local[0] = y.local[0] = '\0';
	return pep440_compare(&x, &y) == 0;
}

int pep440_spec_match(const struct pep440_spec *spec, const struct pep440_version *v)
{
	struct pep440_version pub = *v;
	const struct pep440_version *sv = &spec->version;
	int eq;

	pub.local[0] = '\0';
	switch (spec->op) {
	case PEP440_OP_COMPATIBLE:
		return match_compatible(spec, v, &pub);
	case PEP440_OP_EQ:
	case PEP440_OP_NE:
		if (spec->wildcard)
			eq = match_prefix(v, spec->text, strlen(spec->text));
		else
			eq = pep440_compare(sv->local[0] ? v : &pub, sv) == 0;
		return spec->op == PEP440_OP_EQ ? eq : !eq;
	case PEP440_OP_LE:
		return pep440_compare(&pub, sv) <= 0;
	case PEP440_OP_GE:
		return pep440_compare(&pub, sv) >= 0;
	case PEP440_OP_LT:
		if (pep440_compare(v, sv) >= 0)
			return 0;
		if (!pep440_is_prerelease(sv) && pep440_is_prerelease(v) && same_base(v, sv))
			return 0;
		return 1;
	case PEP440_OP_GT:
		if (pep440_compare(v, sv) <= 0)
			return 0;
		if (!sv->has_post && v->has_post && same_base(v, sv))
			return 0;
		if (v->local[0] && same_base(v, sv))
			return 0;
		return 1;
	case PEP440_OP_ARBITRARY: {
		struct strbuf s = STRBUF_INIT;
		size_t i, n = strlen(spec->text);
		int ok = 0;
		if (format_ex(v, &s, 0, 0) == 0 && s.len == n) {
			ok = 1;
			for (i = 0; i < n; i++)
				if (lower((unsigned char)spec->text[i]) != (unsigned char)s.buf[i])
					ok = 0;
		}
		strbuf_release(&s);
		return ok;
	}
	}
	return 0;
}

/* Specifier.prereleases: 1, 0, or -1 when packaging would raise. */
static int spec_allows_pre(const struct pep440_spec *spec)
{
	switch (spec->op) {
	case PEP440_OP_EQ:
	case PEP440_OP_GE:
	case PEP440_OP_LE:
	case PEP440_OP_COMPATIBLE:
	case PEP440_OP_ARBITRARY:
		if (!spec->has_version)
			return -1;
		return !spec->wildcard && pep440_is_prerelease(&spec->version);
	default:
		return 0;
	}
}

int pep440_specset_contains(const struct pep440_specset *set, const struct pep440_version *v,
                            int prereleases, int *result, struct strbuf *err)
{
	size_t i;

	*result = 0;
	if (prereleases < 0) {
		int undecided = 0;
		prereleases = 0;
		for (i = 0; i < set->n; i++) {
			int a = spec_allows_pre(&set->items[i]);
			if (a > 0)
				prereleases = 1;
			else if (a < 0)
				undecided = 1;
		}
		if (!prereleases && undecided) {
			struct strbuf e = STRBUF_INIT;
			for (i = 0; i < set->n; i++)
				if (spec_allows_pre(&set->items[i]) < 0)
					break;
			strbuf_add_escaped(&e, set->items[i].text, strlen(set->items[i].text));
			error_set(err, BURROW_EFAIL,
			          "specifier \"===%s\": not a version, cannot tell whether "
			          "pre-releases are allowed",
			          e.buf);
			strbuf_release(&e);
			return BURROW_EFAIL;
		}
	}
	if (!prereleases && pep440_is_prerelease(v))
		return 0;
	for (i = 0; i < set->n; i++)
		if (!pep440_spec_match(&set->items[i], v))
			return 0;
	*result = 1;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int pep440_specset_format(const struct pep440_specset *set, struct strbuf *out)
{
	char **v;
	size_t i, n = 0;
	int r = 0;

	if (set->n == 0)
		return 0;
	v = calloc(set->n, sizeof(*v));
	if (!v)
		return -1;
	for (i = 0; i < set->n && !r; i++) {
		struct strbuf s = STRBUF_INIT;
		const struct pep440_spec *sp = &set->items[i];
		r = strbuf_addf(&s, "%s%s%s", op_names[sp->op], sp->text, sp->wildcard ? ".*" : "");
		v[n++] = strbuf_detach(&s, NULL);
	}
	if (!r) {
		qsort(v, n, sizeof(*v), cmp_str);
		for (i = 0; i < n && !r; i++) {
			if (i && !strcmp(v[i], v[i - 1]))
				continue;
			r = strbuf_addf(out, "%s%s", i ? "," : "", v[i]);
		}
	}
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return r ? -1 : 0;
}

size_t pep440_spec_scan(const char *s, size_t len)
{
	/* the order of packaging's operator alternation; a failed version
	 * backtracks into the next operator, as the regex does */
	static const int order[] = {PEP440_OP_COMPATIBLE, PEP440_OP_EQ,       PEP440_OP_NE,
	                            PEP440_OP_LE,         PEP440_OP_GE,       PEP440_OP_LT,
	                            PEP440_OP_GT,         PEP440_OP_ARBITRARY};
	struct pep440_version v;
	struct scan sc;
	size_t i, p;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		int op = order[i], flags = 0;
		if (!word_at(s, len, 0, op_names[op]))
			continue;
		p = strlen(op_names[op]);
		while (p < len && py_space((unsigned char)s[p]))
			p++;
		if (op == PEP440_OP_ARBITRARY) {
			while (p < len && !py_space((unsigned char)s[p]) && s[p] != ';' &&
			       s[p] != ')')
				p++;
			return p;
		}
		if (op == PEP440_OP_EQ || op == PEP440_OP_NE)
			flags = SCAN_LOCAL | SCAN_WILDCARD;
		if (!scan_version(s, len, &p, &v, flags, &sc))
			continue;
		if (op == PEP440_OP_COMPATIBLE && v.nrelease < 2)
			continue;
		return p;
	}
	return 0;
}
