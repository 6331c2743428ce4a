/*
 * reqfile: pip requirements files in hash-checking form into the manifest
 * model (see reqfile.h for the accepted language).
 *
 * The work follows pip's own order: physical lines are joined at trailing
 * backslashes into logical lines, comments are cut off, and each logical line
 * is split into a requirement (the words before the first one starting with
 * '-') and options (split like a POSIX shell, as pip's shlex.split does).
 * Every byte of a logical line remembers where it came from (a list of
 * segments, one per physical line) so that messages point at the token in
 * the file, not in the joined text.
 */
#include "reqfile.h"

#include "filename.h"
#include "pep440.h"
#include "pep508.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_TOKENS (REQFILE_MAX_HASHES + 64)

struct rq_fileid {
	dev_t dev;
	ino_t ino;
};

/* State of one load: shared by the top file and everything it includes. */
struct rq_load {
	struct manifest *m;
	struct strbuf *err;
	int can_include;
	struct sha256 hash;
	int hashing;
	size_t total; /* bytes read over all files */
	struct rq_fileid stack[REQFILE_MAX_DEPTH + 1];
	int nstack;
	struct rq_fileid *seen; /* every file read, to read a diamond once */
	size_t nseen;
	char **paths; /* display paths of files read, owned */
	size_t npaths;
	/* for bundles at index >= first_bundle: the display path they came from */
	const char **bundle_path;
	size_t first_bundle;
	char *index_at;    /* "path:line" of the first index URL, owned */
	char *no_index_at; /* "path:line" of the first --no-index, owned */
};

struct rq_seg {
	size_t off; /* in the logical line */
	int line, col;
};

/* One file being parsed. */
struct rq_ctx {
	struct rq_load *ld;
	const char *path;
	const char *basedir;
	int depth;
	struct strbuf text; /* the logical line */
	struct rq_seg *segs;
	size_t nsegs, asegs;
};

struct rq_token {
	struct strbuf value; /* unquoted */
	size_t off;          /* of its first byte in the logical line */
	size_t end;          /* one past its last byte */
};

static int oom(struct rq_load *ld)
{
	return error_set(ld->err, BURROW_EFAIL, "out of memory");
}

static int utf8_cont(unsigned char ch)
{
	return (ch & 0xc0) == 0x80;
}

/* Physical line and character column of byte off of the logical line. */
static void where(const struct rq_ctx *c, size_t off, int *line, int *col)
{
	size_t i, s = 0;

	for (i = 0; i < c->nsegs; i++)
		if (c->segs[i].off <= off)
			s = i;
	*line = c->nsegs ? c->segs[s].line : 0;
	*col = c->nsegs ? c->segs[s].col : 0;
	for (i = c->nsegs ? c->segs[s].off : 0; i < off && i < c->text.len; i++)
		if (!utf8_cont((unsigned char)c->text.buf[i]))
			(*col)++;
}

static int fail_at(const struct rq_ctx *c, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(const struct rq_ctx *c, size_t off, const char *fmt, ...)
{
	struct strbuf *err = c->ld->err;
	va_list ap;
	int line, col;

	if (!err)
		return BURROW_EMANIFEST;
	where(c, off, &line, &col);
	strbuf_reset(err);
	strbuf_addf(err, "%s:%d:%d: ", c->path, line, col);
	va_start(ap, fmt);
	strbuf_vaddf(err, fmt, ap);
	va_end(ap);
	return BURROW_EMANIFEST;
}

/* An escaped, length-capped copy of hostile bytes for a message; the caller
 * releases it. */
static int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\f' || ch == '\v' || ch == '\r';
}

/* ---- tokens ------------------------------------------------------------ */

static void tokens_release(struct rq_token *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		strbuf_release(&t[i].value);
	free(t);
}

/* Splits text[from, to) like shlex.split (POSIX mode, no comments: those are
 * gone already): whitespace separates, '...' is literal, "..." honours
 * backslash before " \ $ `, a backslash outside quotes escapes the next
 * byte. */
static int split_options(struct rq_ctx *c, size_t from, size_t to, struct rq_token **out,
                         size_t *nout)
{
	const char *s = c->text.buf;
	struct rq_token *t = NULL;
	size_t n = 0, i = from;

	*out = NULL;
	*nout = 0;
	while (i < to) {
		struct rq_token *cur;
		if (is_space(s[i])) {
			i++;
			continue;
		}
		if (n >= MAX_TOKENS) {
			tokens_release(t, n);
			return fail_at(c, i, "too many options on one line (at most %d)",
			               MAX_TOKENS);
		}
		cur = realloc(t, (n + 1) * sizeof(*t));
		if (!cur) {
			tokens_release(t, n);
			return oom(c->ld);
		}
		t = cur;
		cur = &t[n++];
		strbuf_init(&cur->value, REQFILE_MAX_LINE);
		cur->off = i;
		while (i < to && !is_space(s[i])) {
			int r = 0;
			if (s[i] == '\'') {
				size_t q = i++;
				while (i < to && s[i] != '\'')
					r |= strbuf_addch(&cur->value, s[i++]);
				if (i >= to) {
					tokens_release(t, n);
					return fail_at(c, q, "no closing quotation");
				}
				i++;
			} else if (s[i] == '"') {
				size_t q = i++;
				while (i < to && s[i] != '"') {
					if (s[i] == '\\' && i + 1 < to &&
					    strchr("\"\\$`", s[i + 1]))
						i++;
					r |= strbuf_addch(&cur->value, s[i++]);
				}
				if (i >= to) {
					tokens_release(t, n);
					return fail_at(c, q, "no closing quotation");
				}
				i++;
			} else if (s[i] == '\\') {
				if (i + 1 >= to) {
					tokens_release(t, n);
					return fail_at(c, i, "no escaped character");
				}
				r |= strbuf_addch(&cur->value, s[i + 1]);
				i += 2;
			} else {
				r |= strbuf_addch(&cur->value, s[i++]);
			}
			if (r < 0) {
				tokens_release(t, n);
				return oom(c->ld);
			}
		}
		cur->end = i;
	}
	*out = t;
	*nout = n;
	return 0;
}

/* ---- options ----------------------------------------------------------- */

enum rq_opt {
	OPT_REQUIREMENT,
	OPT_CONSTRAINT,
	OPT_EDITABLE,
	OPT_INDEX_URL,
	OPT_EXTRA_INDEX_URL,
	OPT_FIND_LINKS,
	OPT_NO_INDEX,
	OPT_REQUIRE_HASHES,
	OPT_ONLY_BINARY,
	OPT_PREFER_BINARY,
	OPT_PRE,
	OPT_NO_BINARY,
	OPT_TRUSTED_HOST,
	OPT_HASH,
	OPT_BUILD, /* options that only make sense when building */
};

struct rq_optdef {
	const char *name; /* long, without "--" */
	char short_name;  /* or 0 */
	int takes_value;
	enum rq_opt id;
};

static const struct rq_optdef optdefs[] = {
    {"requirement", 'r', 1, OPT_REQUIREMENT},
    {"constraint", 'c', 1, OPT_CONSTRAINT},
    {"editable", 'e', 1, OPT_EDITABLE},
    {"index-url", 'i', 1, OPT_INDEX_URL},
    {"extra-index-url", 0, 1, OPT_EXTRA_INDEX_URL},
    {"find-links", 'f', 1, OPT_FIND_LINKS},
    {"no-index", 0, 0, OPT_NO_INDEX},
    {"require-hashes", 0, 0, OPT_REQUIRE_HASHES},
    {"only-binary", 0, 1, OPT_ONLY_BINARY},
    {"prefer-binary", 0, 0, OPT_PREFER_BINARY},
    {"pre", 0, 0, OPT_PRE},
    {"no-binary", 0, 1, OPT_NO_BINARY},
    {"trusted-host", 0, 1, OPT_TRUSTED_HOST},
    {"hash", 0, 1, OPT_HASH},
    {"global-option", 0, 1, OPT_BUILD},
    {"config-settings", 0, 1, OPT_BUILD},
    {"use-pep517", 0, 0, OPT_BUILD},
    {"no-use-pep517", 0, 0, OPT_BUILD},
};

struct rq_opt_use {
	const struct rq_optdef *def;
	const char *value; /* points into a token */
	size_t value_off;  /* in the logical line */
	size_t opt_off;
};

/* Reads the option at tokens[*i] (advancing *i past its value). */
static int read_option(struct rq_ctx *c, struct rq_token *t, size_t n, size_t *i,
                       struct rq_opt_use *use)
{
	const char *s = t[*i].value.buf;
	const struct rq_optdef *def = NULL;
	const char *attached = NULL;
	size_t k;
	struct strbuf q = STRBUF_INIT;
	int r;

	use->opt_off = t[*i].off;
	if (s[0] == '-' && s[1] == '-' && s[2]) {
		const char *eq = strchr(s + 2, '=');
		size_t nlen = eq ? (size_t)(eq - (s + 2)) : strlen(s + 2);
		for (k = 0; k < sizeof(optdefs) / sizeof(optdefs[0]); k++)
			if (strlen(optdefs[k].name) == nlen &&
			    !memcmp(optdefs[k].name, s + 2, nlen))
				def = &optdefs[k];
		if (def && eq) {
			if (!def->takes_value) {
				strbuf_add_escaped(&q, s, t[*i].value.len);
				r = fail_at(c, t[*i].off, "option \"--%s\" takes no value",
				            def->name);
				strbuf_release(&q);
				return r;
			}
			attached = eq + 1;
		}
	} else if (s[0] == '-' && s[1] && s[1] != '-') {
		for (k = 0; k < sizeof(optdefs) / sizeof(optdefs[0]); k++)
			if (optdefs[k].short_name == s[1])
				def = &optdefs[k];
		if (def && s[2])
			attached = s + 2;
	}
	if (!def) {
		strbuf_add_escaped(&q, s, t[*i].value.len);
		r = fail_at(c, t[*i].off,
		            s[0] == '-' ? "unknown option \"%s\"" : "unexpected argument \"%s\"",
		            q.buf);
		strbuf_release(&q);
		return r;
	}
	use->def = def;
	use->value = NULL;
	use->value_off = t[*i].off;
	if (!def->takes_value) {
		(*i)++;
		return 0;
	}
	if (attached) {
		use->value = attached;
		/* close enough for quoted tokens: the value follows the name */
		use->value_off = t[*i].off + (size_t)(attached - s);
		if (use->value_off > t[*i].end)
			use->value_off = t[*i].off;
		(*i)++;
		return 0;
	}
	if (*i + 1 >= n)
		return fail_at(c, t[*i].off, "option \"%s\" needs a value", s);
	use->value = t[*i + 1].value.buf;
	use->value_off = t[*i + 1].off;
	*i += 2;
	return 0;
}

/* ---- repositories ------------------------------------------------------ */

static int looks_like_url(const char *s)
{
	size_t i = 0;

	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	while ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
	       (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '.' || s[i] == '-')
		i++;
	return s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/';
}

static int scheme_ok(const char *s)
{
	return !strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8) ||
	       !strncasecmp(s, "file://", 7);
}

static int add_repo(struct rq_ctx *c, const struct rq_opt_use *u)
{
	struct manifest *m = c->ld->m;
	struct manifest_repo *p;
	struct strbuf sb = STRBUF_INIT;
	int line, col;

	if (!u->value[0])
		return fail_at(c, u->value_off, "option \"--%s\" needs a value", u->def->name);
	if (looks_like_url(u->value)) {
		if (!scheme_ok(u->value)) {
			int r;
			strbuf_add_escaped(&sb, u->value, strlen(u->value));
			r = fail_at(c, u->value_off,
			            "repository \"%s\": unknown scheme (use http, https, file or a "
			            "path)",
			            sb.buf);
			strbuf_release(&sb);
			return r;
		}
		if (strbuf_addstr(&sb, u->value) < 0)
			return oom(c->ld);
	} else if (u->value[0] == '/') {
		if (strbuf_addstr(&sb, u->value) < 0)
			return oom(c->ld);
	} else {
		if (strbuf_addf(&sb, "%s/%s", c->basedir, u->value) < 0) {
			strbuf_release(&sb);
			return oom(c->ld);
		}
	}
	p = realloc(m->repos, (m->nrepos + 1) * sizeof(*p));
	if (!p) {
		strbuf_release(&sb);
		return oom(c->ld);
	}
	m->repos = p;
	where(c, u->value_off, &line, &col);
	p[m->nrepos].url = strbuf_detach(&sb, NULL);
	p[m->nrepos].line = line;
	p[m->nrepos].column = col;
	m->nrepos++;
	return 0;
}

/* Remembers "path:line" of the first index URL or --no-index, and refuses
 * the two together (pip would silently ignore the index). */
static int index_conflict(struct rq_ctx *c, const struct rq_opt_use *u, int is_no_index)
{
	struct rq_load *ld = c->ld;
	char **mine = is_no_index ? &ld->no_index_at : &ld->index_at;
	const char *other = is_no_index ? ld->index_at : ld->no_index_at;
	int line, col;

	if (other)
		return fail_at(c, u->opt_off,
		               "\"--%s\" contradicts %s at %s (burrow has no default index: drop "
		               "--no-index)",
		               u->def->name, is_no_index ? "the index URL" : "--no-index", other);
	if (!*mine) {
		struct strbuf sb = STRBUF_INIT;
		where(c, u->opt_off, &line, &col);
		if (strbuf_addf(&sb, "%s:%d", c->path, line) < 0)
			return oom(ld);
		*mine = strbuf_detach(&sb, NULL);
	}
	return 0;
}

static int load_file(struct rq_load *ld, const char *path, const char *basedir, int depth,
                     const struct rq_ctx *from, size_t from_off);

static int include(struct rq_ctx *c, const struct rq_opt_use *u)
{
	struct strbuf shown = STRBUF_INIT, dir = STRBUF_INIT;
	const char *slash;
	int r;

	if (!c->ld->can_include)
		return fail_at(c, u->opt_off,
		               "\"-r\" includes another file: not allowed in a pure parse (use "
		               "reqfile_load)");
	if (!u->value[0])
		return fail_at(c, u->value_off, "option \"-r\" needs a file name");
	if (looks_like_url(u->value)) {
		struct strbuf q = STRBUF_INIT;
		strbuf_add_escaped(&q, u->value, strlen(u->value));
		r = fail_at(c, u->value_off,
		            "-r \"%s\": burrow reads requirement files from disk only, not URLs",
		            q.buf);
		strbuf_release(&q);
		return r;
	}
	if (c->depth + 1 > REQFILE_MAX_DEPTH)
		return fail_at(c, u->opt_off, "-r includes nested deeper than %d files",
		               REQFILE_MAX_DEPTH);
	/* shown: as the user would name it from the working directory */
	slash = strrchr(c->path, '/');
	if (u->value[0] == '/' || !slash)
		r = strbuf_addstr(&shown, u->value);
	else
		r = strbuf_addf(&shown, "%.*s/%s", (int)(slash - c->path), c->path, u->value);
	if (r < 0)
		goto nomem;
	/* its directory, absolute */
	if (u->value[0] == '/')
		r = strbuf_addstr(&dir, u->value);
	else
		r = strbuf_addf(&dir, "%s/%s", c->basedir, u->value);
	if (r < 0)
		goto nomem;
	slash = strrchr(dir.buf, '/');
	strbuf_setlen(&dir, slash == dir.buf ? 1 : (size_t)(slash - dir.buf));
	r = load_file(c->ld, shown.buf, dir.buf, c->depth + 1, c, u->value_off);
	strbuf_release(&shown);
	strbuf_release(&dir);
	return r;
nomem:
	strbuf_release(&shown);
	strbuf_release(&dir);
	return oom(c->ld);
}

/* An option line (no requirement on it). */
static int option_line(struct rq_ctx *c, struct rq_token *t, size_t n)
{
	struct strbuf q = STRBUF_INIT;
	size_t i = 0;
	int r;

	while (i < n) {
		struct rq_opt_use u;
		if ((r = read_option(c, t, n, &i, &u)))
			return r;
		switch (u.def->id) {
		case OPT_REQUIREMENT:
			if ((r = include(c, &u)))
				return r;
			break;
		case OPT_INDEX_URL:
		case OPT_EXTRA_INDEX_URL:
		case OPT_FIND_LINKS:
			if (u.def->id != OPT_FIND_LINKS && (r = index_conflict(c, &u, 0)))
				return r;
			if ((r = add_repo(c, &u)))
				return r;
			break;
		case OPT_NO_INDEX:
			if ((r = index_conflict(c, &u, 1)))
				return r;
			break;
		case OPT_REQUIRE_HASHES: /* burrow always requires hashes */
		case OPT_ONLY_BINARY:    /* burrow installs wheels only */
		case OPT_PREFER_BINARY:
		case OPT_PRE: /* every requirement is an exact pin */
			break;
		case OPT_CONSTRAINT:
			return fail_at(c, u.opt_off,
			               "-c/--constraint files are not supported: burrow installs "
			               "exactly the pinned requirements (list them with -r)");
		case OPT_EDITABLE:
			return fail_at(
			    c, u.opt_off,
			    "-e/--editable is not supported: burrow installs pinned wheels "
			    "and never builds");
		case OPT_NO_BINARY:
			return fail_at(
			    c, u.opt_off,
			    "--no-binary is not supported: burrow installs wheels only and "
			    "never builds");
		case OPT_TRUSTED_HOST:
			return fail_at(
			    c, u.opt_off,
			    "--trusted-host is not supported: burrow always verifies TLS");
		case OPT_HASH:
			return fail_at(c, u.opt_off,
			               "--hash must follow a requirement on its line");
		case OPT_BUILD:
			strbuf_add_escaped(&q, u.def->name, strlen(u.def->name));
			r = fail_at(c, u.opt_off, "--%s is not supported: burrow never builds",
			            q.buf);
			strbuf_release(&q);
			return r;
		}
	}
	return 0;
}

/* ---- requirements ------------------------------------------------------ */

static int parse_hash(struct rq_ctx *c, const struct rq_opt_use *u, const char *name, char out[65])
{
	const char *v = u->value;
	const char *colon = strchr(v, ':');
	struct strbuf q = STRBUF_INIT;
	size_t alen, i;
	int r;

	if (!colon) {
		strbuf_add_escaped(&q, v, strlen(v));
		r = fail_at(
		    c, u->value_off,
		    "requirement \"%s\": malformed hash \"%s\" (want sha256:<64 hex digits>)", name,
		    q.buf);
		strbuf_release(&q);
		return r;
	}
	alen = (size_t)(colon - v);
	if (alen != 6 || strncasecmp(v, "sha256", 6) != 0) {
		int known = (alen == 3 && !strncasecmp(v, "md5", 3)) ||
		            (alen == 4 && !strncasecmp(v, "sha1", 4)) ||
		            (alen == 6 && !strncasecmp(v, "sha384", 6)) ||
		            (alen == 6 && !strncasecmp(v, "sha512", 6)) ||
		            (alen == 6 && !strncasecmp(v, "sha224", 6));
		strbuf_add_escaped(&q, v, alen);
		r = fail_at(c, u->value_off,
		            known
		                ? "requirement \"%s\": %s hashes are not accepted: burrow pins "
		                  "sha256 (pip hash -a sha256)"
		                : "requirement \"%s\": unknown hash algorithm \"%s\" (burrow pins "
		                  "sha256)",
		            name, q.buf);
		strbuf_release(&q);
		return r;
	}
	for (i = 0; i < 64 && colon[1 + i]; i++) {
		char ch = colon[1 + i];
		if (ch >= 'A' && ch <= 'F')
			ch = (char)(ch - 'A' + 'a');
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			break;
		out[i] = ch;
	}
	if (i != 64 || colon[1 + i]) {
		strbuf_add_escaped(&q, colon + 1, strlen(colon + 1));
		r = fail_at(c, u->value_off,
		            "requirement \"%s\": malformed sha256 \"%s\" (want 64 hex digits)",
		            name, q.buf);
		strbuf_release(&q);
		return r;
	}
	out[64] = '\0';
	return 0;
}

static int has_suffix(const char *s, size_t len, const char *suf)
{
	size_t n = strlen(suf);
	return len >= n && !strncasecmp(s + len - n, suf, n);
}

/* pip takes these for a path or URL, not a name. */
static int looks_like_location(const char *s, size_t len)
{
	static const char *const exts[] = {".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2",
	                                   ".tbz", ".tar", ".tar.xz", ".txz"};
	size_t i, w = 0;

	while (w < len && !is_space(s[w]) && s[w] != ';')
		w++;
	if (w && (s[0] == '.' || s[0] == '/' || s[0] == '~'))
		return 1;
	for (i = 0; i < w; i++)
		if (s[i] == '/' || s[i] == '\\')
			return 1;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (has_suffix(s, w, exts[i]))
			return 1;
	return 0;
}

/* Maps a pep508 "column N: message" error to the file and fails. */
static int requirement_error(struct rq_ctx *c, size_t start, const struct strbuf *perr)
{
	const char *msg = perr->buf;
	size_t colno = 0;

	if (!strncmp(msg, "column ", 7)) {
		const char *p = msg + 7;
		while (*p >= '0' && *p <= '9' && colno < REQFILE_MAX_LINE)
			colno = colno * 10 + (size_t)(*p++ - '0');
		if (!strncmp(p, ": ", 2))
			msg = p + 2;
		else
			colno = 0;
	}
	return fail_at(c, start + (colno ? colno - 1 : 0), "invalid requirement: %s", msg);
}

static void bundle_free(struct manifest_bundle *b)
{
	size_t i;

	free(b->name);
	free(b->key);
	free(b->version);
	for (i = 0; i < b->nhashes; i++)
		free(b->hashes[i]);
	free(b->hashes);
	free(b->marker);
}

static int same_marker(const char *a, const char *b)
{
	if (!a || !b)
		return !a && !b;
	return !strcmp(a, b);
}

static int add_bundle(struct rq_ctx *c, struct manifest_bundle *b, size_t name_off)
{
	struct rq_load *ld = c->ld;
	struct manifest *m = ld->m;
	const struct manifest_bundle *o;
	const char **bp;
	size_t i;

	for (o = manifest_find(m, b->key); o; o = manifest_find_next(m, o)) {
		i = (size_t)(o - m->bundles);
		if (same_marker(m->bundles[i].marker, b->marker)) {
			const char *fp =
			    i >= ld->first_bundle ? ld->bundle_path[i - ld->first_bundle] : NULL;
			if (fp && strcmp(fp, c->path))
				return fail_at(c, name_off,
				               "duplicate requirement \"%s\" (first at %s:%d)",
				               b->name, fp, m->bundles[i].line);
			return fail_at(
			    c, name_off, "duplicate requirement \"%s\" (first at line %d)%s",
			    b->name, m->bundles[i].line, b->marker ? ", with the same marker" : "");
		}
		/* the installer picks by marker; it must check they exclude each other */
		m->allow_duplicates = 1;
	}
	if (m->nbundles >= REQFILE_MAX_BUNDLES)
		return fail_at(c, name_off, "too many requirements (at most %d)",
		               REQFILE_MAX_BUNDLES);
	bp = realloc(ld->bundle_path, (m->nbundles + 1 - ld->first_bundle) * sizeof(*bp));
	if (!bp)
		return oom(ld);
	ld->bundle_path = bp;
	bp[m->nbundles - ld->first_bundle] = c->path;
	if (manifest_add_bundle(m, b) < 0)
		return oom(ld);
	return 0;
}

/* A requirement: text[start, args_end) and its options t[0..n). */
static int requirement_line(struct rq_ctx *c, size_t start, size_t args_end, struct rq_token *t,
                            size_t n)
{
	const char *s = c->text.buf + start;
	size_t len = args_end - start;
	struct strbuf perr = STRBUF_INIT, key = STRBUF_INIT, q = STRBUF_INIT;
	struct pep508_req req;
	struct manifest_bundle b;
	const struct pep440_spec *spec;
	const char *semi;
	size_t i;
	int r;

	memset(&req, 0, sizeof(req));
	memset(&b, 0, sizeof(b));
	if (looks_like_location(s, len)) {
		strbuf_add_escaped(&q, s, len);
		r = fail_at(c, start,
		            "requirement \"%s\": path and URL requirements are not supported "
		            "(burrow needs name==version and a --hash)",
		            q.buf);
		goto out;
	}
	if ((r = pep508_parse(s, len, &req, &perr))) {
		r = r == BURROW_EFAIL && strcmp(perr.buf, "out of memory")
		        ? requirement_error(c, start, &perr)
		        : oom(c->ld);
		goto out;
	}
	if (req.url) {
		r = fail_at(c, start,
		            "requirement \"%s\": URL requirements (name @ url) are not supported "
		            "(burrow needs name==version and a --hash)",
		            req.name);
		goto out;
	}
	spec = req.spec.n == 1 ? &req.spec.items[0] : NULL;
	if (!spec ||
	    !((spec->op == PEP440_OP_EQ && !spec->wildcard) || spec->op == PEP440_OP_ARBITRARY)) {
		r = fail_at(c, start, "requirement \"%s\": not pinned (burrow needs name==version)",
		            req.name);
		goto out;
	}
	if (!spec->has_version) {
		strbuf_add_escaped(&q, spec->text, strlen(spec->text));
		r = fail_at(c, start, "requirement \"%s\": version \"%s\" is not a PEP 440 version",
		            req.name, q.buf);
		goto out;
	}
	if (pep503_normalize(req.name, &key) < 0) {
		r = oom(c->ld);
		goto out;
	}
	b.name = strdup(req.name);
	b.key = strbuf_detach(&key, NULL);
	b.version = strdup(spec->text);
	where(c, start, &b.line, &b.column);
	if (!b.name || !b.version) {
		r = oom(c->ld);
		goto out;
	}
	/* the marker verbatim: a pinned name_req holds no ';' before it */
	semi = memchr(s, ';', len);
	if (semi) {
		const char *mb = semi + 1, *me = s + len;
		while (mb < me && is_space(*mb))
			mb++;
		while (me > mb && is_space(me[-1]))
			me--;
		if (!(b.marker = strndup(mb, (size_t)(me - mb)))) {
			r = oom(c->ld);
			goto out;
		}
	}
	for (i = 0; i < n;) {
		struct rq_opt_use u;
		char hex[65];
		size_t j;
		char **h;
		if ((r = read_option(c, t, n, &i, &u)))
			goto out;
		if (u.def->id != OPT_HASH) {
			strbuf_add_escaped(&q, u.def->name, strlen(u.def->name));
			r = fail_at(c, u.opt_off,
			            "requirement \"%s\": option \"--%s\" is not allowed on a "
			            "requirement line (only --hash)",
			            b.name, q.buf);
			goto out;
		}
		if ((r = parse_hash(c, &u, b.name, hex)))
			goto out;
		for (j = 0; j < b.nhashes; j++)
			if (!strcmp(b.hashes[j], hex))
				break;
		if (j < b.nhashes)
			continue;
		h = realloc(b.hashes, (b.nhashes + 1) * sizeof(*h));
		if (!h) {
			r = oom(c->ld);
			goto out;
		}
		b.hashes = h;
		if (!(h[b.nhashes] = strdup(hex))) {
			r = oom(c->ld);
			goto out;
		}
		b.nhashes++;
	}
	if (!b.nhashes && c->ld->m->allow_unhashed) {
		c->ld->m->nunhashed++;
	} else if (!b.nhashes) {
		r = fail_at(c, start,
		            "requirement \"%s\": has no --hash (hash-checking mode, as pip "
		            "--require-hashes)",
		            b.name);
		goto out;
	}
	if ((r = add_bundle(c, &b, start)))
		goto out;
	memset(&b, 0, sizeof(b));
out:
	bundle_free(&b);
	pep508_release(&req);
	strbuf_release(&perr);
	strbuf_release(&key);
	strbuf_release(&q);
	return r;
}

/* ---- lines ------------------------------------------------------------- */

static int logical_line(struct rq_ctx *c)
{
	const char *s = c->text.buf;
	size_t len = c->text.len, start, i, args_end;
	struct rq_token *t = NULL;
	size_t n = 0;
	int r;

	/* comments: '#' at the start or after whitespace, to the end */
	for (i = 0; i < len; i++)
		if (s[i] == '#' && (i == 0 || is_space(s[i - 1]))) {
			len = i;
			break;
		}
	while (len && is_space(s[len - 1]))
		len--;
	for (start = 0; start < len && is_space(s[start]); start++)
		;
	if (start == len)
		return 0;
	/* the requirement: words up to the first one starting with '-' */
	args_end = start;
	for (i = start; i < len;) {
		size_t w = i;
		if (s[w] == '-')
			break;
		while (i < len && !is_space(s[i]))
			i++;
		args_end = i;
		while (i < len && is_space(s[i]))
			i++;
	}
	if ((r = split_options(c, args_end, len, &t, &n)))
		return r;
	if (args_end == start)
		r = option_line(c, t, n);
	else
		r = requirement_line(c, start, args_end, t, n);
	tokens_release(t, n);
	return r;
}

static int add_seg(struct rq_ctx *c, int line)
{
	struct rq_seg *p;

	if (c->nsegs == c->asegs) {
		size_t na = c->asegs ? c->asegs * 2 : 8;
		if (!(p = realloc(c->segs, na * sizeof(*p))))
			return oom(c->ld);
		c->segs = p;
		c->asegs = na;
	}
	c->segs[c->nsegs].off = c->text.len;
	c->segs[c->nsegs].line = line;
	c->segs[c->nsegs].col = 1;
	c->nsegs++;
	return 0;
}

static int parse_bytes(struct rq_load *ld, const char *data, size_t len, const char *path,
                       const char *basedir, int depth)
{
	struct rq_ctx c;
	size_t pos = 0;
	int line = 0, r = 0, open = 0;

	memset(&c, 0, sizeof(c));
	c.ld = ld;
	c.path = path;
	c.basedir = basedir;
	c.depth = depth;
	strbuf_init(&c.text, REQFILE_MAX_LINE);
	if (len > REQFILE_MAX_BYTES) {
		r = error_set(ld->err, BURROW_EMANIFEST,
		              "%s: requirements file larger than %zu bytes", path,
		              REQFILE_MAX_BYTES);
		goto out;
	}
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		pos = 3;
	while (pos < len && !r) {
		const char *ls = data + pos, *nl = memchr(ls, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - ls) : len - pos, k;
		int comment, cont;

		pos += ll + (nl ? 1 : 0);
		line++;
		if (ll && ls[ll - 1] == '\r')
			ll--;
		if (!open) {
			strbuf_reset(&c.text);
			c.nsegs = 0;
		}
		for (k = 0; k < ll && (ls[k] == ' ' || ls[k] == '\t'); k++)
			;
		comment = k < ll && ls[k] == '#';
		cont = !comment && ll && ls[ll - 1] == '\\';
		if (memchr(ls, '\0', ll)) {
			if ((r = add_seg(&c, line)))
				break;
			strbuf_add(&c.text, ls, (size_t)((const char *)memchr(ls, '\0', ll) - ls));
			r = fail_at(&c, c.text.len, "NUL byte in a requirements file");
			break;
		}
		if (!comment) {
			if ((r = add_seg(&c, line)))
				break;
			if (strbuf_add(&c.text, ls, cont ? ll - 1 : ll) < 0) {
				r = fail_at(&c, 0, "logical line longer than %zu bytes",
				            REQFILE_MAX_LINE);
				break;
			}
		}
		if (cont) {
			open = 1;
			continue;
		}
		open = 0;
		r = logical_line(&c);
	}
	if (!r && open)
		r = logical_line(&c);
out:
	strbuf_release(&c.text);
	free(c.segs);
	return r;
}

/* ---- loading ----------------------------------------------------------- */

static int load_file(struct rq_load *ld, const char *path, const char *basedir, int depth,
                     const struct rq_ctx *from, size_t from_off)
{
	struct strbuf data = STRBUF_INIT, q = STRBUF_INIT;
	struct rq_fileid id;
	struct stat st;
	char *saved;
	char **pp;
	size_t i;
	int r;

	memset(&st, 0, sizeof(st));
	if (fs_read_user_file(path, REQFILE_MAX_BYTES, &data, &st) < 0) {
		int e = errno;
		strbuf_release(&data);
		strbuf_add_escaped(&q, path, strlen(path));
		if (from)
			r = fail_at(from, from_off, "-r \"%s\": cannot read: %s", q.buf,
			            e == EFBIG ? "file too large" : strerror(e));
		else
			r = error_set(ld->err, e == ENOENT ? BURROW_EUSAGE : BURROW_EMANIFEST,
			              "%s: cannot read requirements file: %s", q.buf,
			              e == EFBIG ? "file too large" : strerror(e));
		strbuf_release(&q);
		return r;
	}
	id.dev = st.st_dev;
	id.ino = st.st_ino;
	for (i = 0; i < (size_t)ld->nstack; i++)
		if (ld->stack[i].dev == id.dev && ld->stack[i].ino == id.ino) {
			strbuf_release(&data);
			if (!from)
				return error_set(ld->err, BURROW_EMANIFEST, "%s: include cycle",
				                 path);
			strbuf_add_escaped(&q, path, strlen(path));
			r = fail_at(from, from_off,
			            "-r \"%s\": include cycle (the file includes itself)", q.buf);
			strbuf_release(&q);
			return r;
		}
	for (i = 0; i < ld->nseen; i++)
		if (ld->seen[i].dev == id.dev && ld->seen[i].ino == id.ino) {
			strbuf_release(&data); /* reached again by another route: once is enough */
			return 0;
		}
	ld->total += data.len;
	if (ld->total > REQFILE_MAX_TOTAL) {
		strbuf_release(&data);
		if (!from)
			return error_set(ld->err, BURROW_EMANIFEST, "%s: file too large", path);
		return fail_at(from, from_off, "requirements files larger than %zu bytes in all",
		               REQFILE_MAX_TOTAL);
	}
	{
		struct rq_fileid *ns = realloc(ld->seen, (ld->nseen + 1) * sizeof(*ns));
		pp = realloc(ld->paths, (ld->npaths + 1) * sizeof(*pp));
		if (ns)
			ld->seen = ns;
		if (pp)
			ld->paths = pp;
		saved = strdup(path);
		if (!ns || !pp || !saved) {
			free(saved);
			strbuf_release(&data);
			return oom(ld);
		}
		ld->seen[ld->nseen++] = id;
		ld->paths[ld->npaths++] = saved;
	}
	sha256_update(&ld->hash, data.buf, data.len);
	ld->stack[ld->nstack++] = id;
	r = parse_bytes(ld, data.buf, data.len, saved, basedir, depth);
	ld->nstack--;
	strbuf_release(&data);
	return r;
}

static void load_release(struct rq_load *ld)
{
	size_t i;

	if (ld->hashing)
		sha256_abort(&ld->hash);
	for (i = 0; i < ld->npaths; i++)
		free(ld->paths[i]);
	free(ld->paths);
	free(ld->seen);
	free(ld->bundle_path);
	free(ld->index_at);
	free(ld->no_index_at);
}

int reqfile_parse(const char *data, size_t len, const char *path, const char *basedir,
                  struct manifest *m, int depth, struct strbuf *err)
{
	struct rq_load ld;
	int r;

	memset(&ld, 0, sizeof(ld));
	ld.m = m;
	ld.err = err;
	ld.first_bundle = m->nbundles;
	if (!m->path && !(m->path = strdup(path)))
		return oom(&ld);
	if (depth < 0 || depth > REQFILE_MAX_DEPTH)
		return error_set(err, BURROW_EMANIFEST, "%s: includes nested deeper than %d files",
		                 path, REQFILE_MAX_DEPTH);
	sha256_buffer_hex(data, len, m->digest);
	r = parse_bytes(&ld, data, len, path, basedir, depth);
	load_release(&ld);
	return r;
}

/* A load of a top file and its includes: the digest of every file read
 * goes into m->digest when it succeeds (load_end). */
static int load_begin(struct rq_load *ld, struct manifest *m, const char *path, struct strbuf *err)
{
	memset(ld, 0, sizeof(*ld));
	ld->m = m;
	ld->err = err;
	ld->can_include = 1;
	ld->first_bundle = m->nbundles;
	if (!m->path && !(m->path = strdup(path)))
		return oom(ld);
	if (sha256_begin(&ld->hash) < 0)
		return oom(ld);
	ld->hashing = 1;
	return 0;
}

static int load_end(struct rq_load *ld, int r)
{
	unsigned char digest[SHA256_LEN];

	if (!r) {
		sha256_end(&ld->hash, digest);
		ld->hashing = 0;
		sha256_to_hex(digest, ld->m->digest);
	}
	load_release(ld);
	return r;
}

int reqfile_load_data(const char *data, size_t len, const char *path, const char *basedir,
                      struct manifest *m, struct strbuf *err)
{
	struct rq_load ld;
	int r;

	if ((r = load_begin(&ld, m, path, err)))
		return r;
	ld.total = len;
	sha256_update(&ld.hash, data, len);
	return load_end(&ld, parse_bytes(&ld, data, len, path, basedir, 0));
}

int reqfile_load(const char *path, struct manifest *m, struct strbuf *err)
{
	struct strbuf dir = STRBUF_INIT;
	struct rq_load ld;
	const char *slash;
	char cwd[PATH_MAX];
	int r;

	slash = strrchr(path, '/');
	if (path[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd)))
			return error_set(err, BURROW_EFAIL, "getcwd: %s", strerror(errno));
		strbuf_addstr(&dir, cwd);
		if (slash) {
			strbuf_addch(&dir, '/');
			strbuf_add(&dir, path, (size_t)(slash - path));
		}
	} else {
		strbuf_add(&dir, path, slash == path ? 1 : (size_t)(slash - path));
	}
	if (!(r = load_begin(&ld, m, path, err)))
		r = load_end(&ld, load_file(&ld, path, dir.buf, 0, NULL, 0));
	strbuf_release(&dir);
	return r;
}
