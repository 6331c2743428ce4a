/*
 * tags: the PEP 425 tag priority list of a Linux interpreter and the rank of a
 * wheel's tags in it.
 *
 * We follow packaging 23.0 (Debian 12's python3-packaging, the same order as
 * pip 23.0.1's vendored 21.3): for Linux the platform list is
 * manylinux_{glibc}_{arch} from the running glibc down to 2_17 (2_5 on
 * x86_64/i686), each legacy alias (manylinux2014, manylinux2010, manylinux1)
 * right after the version it stands for, then musllinux_{X}_{Y..0}, and the
 * plain linux_{arch} LAST.  (packaging 26.3 moved linux_* first; we do not.)
 * The interpreter/ABI loop is outside, the platform loop inside:
 * cpython_tags (own ABI, abi3, none, older abi3) or generic_tags, then
 * compatible_tags (py-versions x platforms, interpreter-none-any,
 * py-versions-none-any).
 */
#include "tags.h"

#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct builder {
	struct tags_list *out;
	size_t cap;
	struct strbuf *err;
};

/* Appends "interp-abi-plat".  Called about a thousand times per list: no
 * printf, one allocation. */
static int add(struct builder *b, const char *interp, const char *abi, const char *plat)
{
	size_t li = strlen(interp), la = strlen(abi), lp = strlen(plat);
	char *t;

	if (b->out->n == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 1024;
		char **n = realloc(b->out->tags, ncap * sizeof(*n));
		if (!n)
			return error_set(b->err, BURROW_EFAIL, "out of memory");
		b->out->tags = n;
		b->cap = ncap;
	}
	t = malloc(li + la + lp + 3);
	if (!t)
		return error_set(b->err, BURROW_EFAIL, "out of memory");
	memcpy(t, interp, li);
	t[li] = '-';
	memcpy(t + li + 1, abi, la);
	t[li + 1 + la] = '-';
	memcpy(t + li + la + 2, plat, lp + 1);
	b->out->tags[b->out->n++] = t;
	return 0;
}

struct platforms {
	char **v;
	size_t n, cap;
};

static int plat_add(struct platforms *p, struct strbuf *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int plat_add(struct platforms *p, struct strbuf *err, const char *fmt, ...)
{
	struct strbuf s = STRBUF_INIT;
	va_list ap;
	int r;

	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 64;
		char **n = realloc(p->v, ncap * sizeof(*n));
		if (!n)
			return error_set(err, BURROW_EFAIL, "out of memory");
		p->v = n;
		p->cap = ncap;
	}
	va_start(ap, fmt);
	r = strbuf_vaddf(&s, fmt, ap);
	va_end(ap);
	if (r) {
		strbuf_release(&s);
		return error_set(err, BURROW_EFAIL, "out of memory");
	}
	p->v[p->n++] = strbuf_detach(&s, NULL);
	return 0;
}

static void plat_release(struct platforms *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
}

static int manylinux_arch(const char *arch)
{
	static const char *const ok[] = {"x86_64", "aarch64", "ppc64", "ppc64le",
	                                 "s390x",  "i686",    "armv7l"};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(arch, ok[i]))
			return 1;
	return 0;
}

/* packaging.tags._linux_platforms with _manylinux / _musllinux */
static int linux_platforms(const struct tags_target *t, const char *arch, struct platforms *p,
                           struct strbuf *err)
{
	int r, maj, min, floor_major = 2, floor_minor = 16;

	if (!strcmp(arch, "x86_64") || !strcmp(arch, "i686"))
		floor_minor = 4;
	if (t->glibc_major > 0 && manylinux_arch(arch)) {
		/* newest glibc first; older majors assumed to end at minor 50 */
		for (maj = t->glibc_major; maj >= 2; maj--) {
			int top = maj == t->glibc_major ? t->glibc_minor : 50;
			int stop = maj == floor_major ? floor_minor : -1;
			for (min = top; min > stop; min--) {
				if ((r = plat_add(p, err, "manylinux_%d_%d_%s", maj, min, arch)))
					return r;
				if (maj == 2 && (min == 17 || min == 12 || min == 5)) {
					const char *legacy = min == 17   ? "manylinux2014"
					                     : min == 12 ? "manylinux2010"
					                                 : "manylinux1";
					if ((r = plat_add(p, err, "%s_%s", legacy, arch)))
						return r;
				}
			}
		}
	}
	if (t->musl_major > 0)
		for (min = t->musl_minor; min >= 0; min--)
			if ((r = plat_add(p, err, "musllinux_%d_%d_%s", t->musl_major, min, arch)))
				return r;
	return plat_add(p, err, "linux_%s", arch);
}

static int check_word(const char *s, int dots, struct strbuf *err, const char *what)
{
	size_t i, n = s ? strlen(s) : 0;

	if (n == 0 || n > 64)
		return error_set(err, BURROW_EFAIL, "tags: missing or overlong %s", what);
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || (dots && (c == '.' || c == '-')))) {
			struct strbuf e = STRBUF_INIT;
			strbuf_add_escaped(&e, s, n);
			error_set(err, BURROW_EFAIL, "tags: invalid %s \"%s\"", what, e.buf);
			strbuf_release(&e);
			return BURROW_EFAIL;
		}
	}
	return 0;
}

static void lower_in_place(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s + ('a' - 'A'));
}

/* _py_interpreter_range: index 0 is py{X}{Y}, 1 is py{X}, then py{X}{Y-1}
 * down to py{X}0 (py_minor + 2 names in all). */
static void py_range_name(const struct tags_target *t, size_t i, char *buf, size_t size)
{
	if (i == 0)
		snprintf(buf, size, "py%d%d", t->py_major, t->py_minor);
	else if (i == 1)
		snprintf(buf, size, "py%d", t->py_major);
	else
		snprintf(buf, size, "py%d%d", t->py_major, t->py_minor - (int)(i - 1));
}

int tags_build(const struct tags_target *t, struct tags_list *out, struct strbuf *err)
{
	struct builder b = {out, 0, err};
	struct platforms plats = {NULL, 0, 0};
	char arch[80], interp[96], abi[96], buf[96];
	size_t i, k;
	int r, minor, cp;

	out->tags = NULL;
	out->n = 0;
	if (t->py_major < 2 || t->py_major > 99 || t->py_minor < 0 || t->py_minor > 999 ||
	    t->glibc_major < 0 || t->glibc_major > 99 || t->glibc_minor < 0 ||
	    t->glibc_minor > 999 || t->musl_major < 0 || t->musl_major > 99 || t->musl_minor < 0 ||
	    t->musl_minor > 999)
		return error_set(err, BURROW_EFAIL, "tags: interpreter facts out of range");
	if ((r = check_word(t->impl, 0, err, "interpreter name")) ||
	    (r = check_word(t->arch, 1, err, "architecture")))
		return r;
	if (t->abi && t->abi[0] && (r = check_word(t->abi, 0, err, "ABI tag")))
		return r;
	/* sysconfig.get_platform() normalised: '.' and '-' become '_' */
	snprintf(arch, sizeof(arch), "%s", t->arch);
	for (i = 0; arch[i]; i++)
		if (arch[i] == '.' || arch[i] == '-')
			arch[i] = '_';
	if ((r = linux_platforms(t, arch, &plats, err)))
		goto out;
	cp = !strcmp(t->impl, "cp");
	snprintf(interp, sizeof(interp), "%s%d%d", t->impl, t->py_major, t->py_minor);
	if (cp) {
		/* _cpython_abis: "cp311" (+"d" for debug, which also loads plain
		 * ones; before 3.8 the pymalloc "m"; before 3.3 a wide-unicode "u",
		 * packaging's guess when the config does not say) */
		int old = t->py_major < 3 || (t->py_major == 3 && t->py_minor < 8);
		int ucs4 = t->py_major < 3 || (t->py_major == 3 && t->py_minor < 3);
		snprintf(abi, sizeof(abi), "cp%d%d%s%s%s", t->py_major, t->py_minor,
		         t->debug ? "d" : "", old ? "m" : "", ucs4 ? "u" : "");
		for (k = 0; k < plats.n; k++)
			if ((r = add(&b, interp, abi, plats.v[k])))
				goto out;
		if (t->debug && !old) {
			snprintf(abi, sizeof(abi), "cp%d%d", t->py_major, t->py_minor);
			for (k = 0; k < plats.n; k++)
				if ((r = add(&b, interp, abi, plats.v[k])))
					goto out;
		}
		/* abi3 applies from 3.2 */
		if (t->py_major > 3 || (t->py_major == 3 && t->py_minor >= 2))
			for (k = 0; k < plats.n; k++)
				if ((r = add(&b, interp, "abi3", plats.v[k])))
					goto out;
		for (k = 0; k < plats.n; k++)
			if ((r = add(&b, interp, "none", plats.v[k])))
				goto out;
		if (t->py_major > 3 || (t->py_major == 3 && t->py_minor >= 2)) {
			for (minor = t->py_minor - 1; minor > 1; minor--) {
				snprintf(buf, sizeof(buf), "cp%d%d", t->py_major, minor);
				for (k = 0; k < plats.n; k++)
					if ((r = add(&b, buf, "abi3", plats.v[k])))
						goto out;
			}
		}
	} else {
		/* generic_tags: the EXT_SUFFIX ABI (if any), then none */
		if (t->abi && t->abi[0] && strcmp(t->abi, "none")) {
			snprintf(abi, sizeof(abi), "%s", t->abi);
			lower_in_place(abi);
			for (k = 0; k < plats.n; k++)
				if ((r = add(&b, interp, abi, plats.v[k])))
					goto out;
		}
		for (k = 0; k < plats.n; k++)
			if ((r = add(&b, interp, "none", plats.v[k])))
				goto out;
	}
	/* compatible_tags: py{XY}, py{X}, py{X}{Y-1}..py{X}0 x platforms, then
	 * the interpreter's own -none-any, then the same range -none-any */
	for (i = 0; i < (size_t)t->py_minor + 2; i++) {
		py_range_name(t, i, buf, sizeof(buf));
		for (k = 0; k < plats.n; k++)
			if ((r = add(&b, buf, "none", plats.v[k])))
				goto out;
	}
	if (cp && (r = add(&b, interp, "none", "any")))
		goto out;
	if (!strcmp(t->impl, "pp") && (r = add(&b, "pp3", "none", "any")))
		goto out;
	for (i = 0; i < (size_t)t->py_minor + 2; i++) {
		py_range_name(t, i, buf, sizeof(buf));
		if ((r = add(&b, buf, "none", "any")))
			goto out;
	}
	for (i = 0; i < out->n; i++)
		lower_in_place(out->tags[i]);
	r = 0;
out:
	plat_release(&plats);
	if (r)
		tags_release(out);
	return r;
}

void tags_release(struct tags_list *list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < list->n; i++)
		free(list->tags[i]);
	free(list->tags);
	list->tags = NULL;
	list->n = 0;
}

struct part {
	size_t n;
	const char *p[TAGS_MAX_PARTS];
	size_t len[TAGS_MAX_PARTS];
};

static int split_dots(const char *s, size_t len, struct part *out)
{
	size_t a = 0, i;

	out->n = 0;
	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (out->n == TAGS_MAX_PARTS)
				return -1;
			out->p[out->n] = s + a;
			out->len[out->n] = i - a;
			out->n++;
			a = i + 1;
		}
	}
	return 0;
}

/* tag == interp "-" abi "-" plat, ignoring case on the wheel's side */
static int tag_equal(const char *tag, const char *const p[3], const size_t n[3])
{
	size_t k, i;

	for (k = 0; k < 3; k++) {
		for (i = 0; i < n[k]; i++) {
			char c = p[k][i];
			if (c >= 'A' && c <= 'Z')
				c = (char)(c + ('a' - 'A'));
			if (*tag++ != c)
				return 0;
		}
		if (*tag++ != (k < 2 ? '-' : '\0'))
			return 0;
	}
	return 1;
}

long tags_rank(const struct tags_list *list, const char *triple, size_t len)
{
	struct part parts[3];
	size_t dash[2], nd = 0, i, a, b, c, k;
	long best = -1;

	for (i = 0; i < len; i++) {
		if (triple[i] == '-') {
			if (nd == 2)
				return -1;
			dash[nd++] = i;
		}
	}
	if (nd != 2)
		return -1;
	if (split_dots(triple, dash[0], &parts[0]) ||
	    split_dots(triple + dash[0] + 1, dash[1] - dash[0] - 1, &parts[1]) ||
	    split_dots(triple + dash[1] + 1, len - dash[1] - 1, &parts[2]))
		return -1;
	for (a = 0; a < parts[0].n; a++) {
		for (b = 0; b < parts[1].n; b++) {
			for (c = 0; c < parts[2].n; c++) {
				const char *p[3] = {parts[0].p[a], parts[1].p[b], parts[2].p[c]};
				size_t n[3] = {parts[0].len[a], parts[1].len[b], parts[2].len[c]};
				if (!n[0] || !n[1] || !n[2])
					continue;
				for (k = 0; k < list->n && (best < 0 || k < (size_t)best); k++) {
					if (tag_equal(list->tags[k], p, n)) {
						best = (long)k;
						break;
					}
				}
			}
		}
	}
	return best;
}
