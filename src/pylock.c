/*
 * pylock: PEP 751 pylock.toml into the manifest model (see pylock.h for
 * what is taken, what is refused and why).
 *
 * The TOML reader gives every value its position; this file walks the tree
 * and checks types and the rules of PEP 751 that matter to an installer
 * that never builds, reporting "path:line:column: message" like
 * manifest.c does for burrow's own manifest.
 */
#include "pylock.h"

#include "fetch.h"
#include "filename.h"
#include "pep440.h"
#include "pep508.h"
#include "toml.h"
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

struct pl_ctx {
	const char *path;
	const char *basedir;
	struct manifest *m;
	struct strbuf *err;
	int strict; /* lock-version 1.0: unknown keys are errors */
};

static int fail_at(struct pl_ctx *c, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_at(struct pl_ctx *c, int line, int col, const char *fmt, ...)
{
	va_list ap;

	if (!c->err)
		return BURROW_EMANIFEST;
	strbuf_reset(c->err);
	strbuf_addf(c->err, "%s:%d:%d: ", c->path, line, col);
	va_start(ap, fmt);
	strbuf_vaddf(c->err, fmt, ap);
	va_end(ap);
	return BURROW_EMANIFEST;
}

static int oom(struct pl_ctx *c)
{
	return error_set(c->err, BURROW_EFAIL, "out of memory");
}

static int unknown_key(struct pl_ctx *c, const struct toml_keyval *kv, const char *where)
{
	struct strbuf k = STRBUF_INIT;
	int r;

	if (!c->strict)
		return 0;
	strbuf_add_escaped(&k, kv->key, kv->keylen);
	r = fail_at(c, kv->line, kv->column,
	            "unknown key \"%s\" in %s (lock-version 1.0; tool data belongs in [tool])",
	            k.buf, where);
	strbuf_release(&k);
	return r;
}

static int want_type(struct pl_ctx *c, const struct toml_keyval *kv, enum toml_type t,
                     const char *what)
{
	if (kv->value->type == t)
		return 0;
	return fail_at(c, kv->value->line, kv->value->column, "%s must be a %s, not a %s", what,
	               toml_type_name(t), toml_type_name(kv->value->type));
}

/* A string without NUL bytes. */
static int want_string(struct pl_ctx *c, const struct toml_keyval *kv, const char *what)
{
	int r = want_type(c, kv, TOML_STRING, what);

	if (r)
		return r;
	if (strlen(kv->value->u.str.ptr) != kv->value->u.str.len)
		return fail_at(c, kv->value->line, kv->value->column, "%s contains a NUL byte",
		               what);
	return 0;
}

static int want_strings(struct pl_ctx *c, const struct toml_keyval *kv, const char *what)
{
	size_t i;
	int r;

	if ((r = want_type(c, kv, TOML_ARRAY, what)))
		return r;
	for (i = 0; i < kv->value->u.array.len; i++) {
		const struct toml_value *v = kv->value->u.array.items[i];
		if (v->type != TOML_STRING || strlen(v->u.str.ptr) != v->u.str.len)
			return fail_at(c, v->line, v->column, "%s entries must be strings", what);
	}
	return 0;
}

/* Copies the strings of an array (checked by want_strings) into *v. */
static int keep_strings(struct pl_ctx *c, const struct toml_keyval *kv, char ***v, size_t *n)
{
	size_t i, len = kv->value->u.array.len;

	if (*v) /* a key given twice is a TOML error: keep the first */
		return 0;
	if (!(*v = calloc(len + 1, sizeof(char *))))
		return oom(c);
	for (i = 0; i < len; i++) {
		if (!((*v)[i] = strdup(kv->value->u.array.items[i]->u.str.ptr)))
			return oom(c);
		(*n)++;
	}
	return 0;
}

static int is_word(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_';
}

/* 1 when the marker names variable var outside its quoted strings. */
static int marker_names(const char *s, const char *var)
{
	size_t n = strlen(var), i;
	char q = 0;

	for (i = 0; s[i]; i++) {
		if (q) {
			if (s[i] == q)
				q = 0;
			continue;
		}
		if (s[i] == '"' || s[i] == '\'') {
			q = s[i];
			continue;
		}
		if (!strncmp(s + i, var, n) && (i == 0 || !is_word(s[i - 1])) && !is_word(s[i + n]))
			return 1;
	}
	return 0;
}

/* A marker string: must parse; the legacy "extra" variable is refused. */
static int check_marker(struct pl_ctx *c, const struct toml_value *v, const char *what)
{
	struct pep508_marker *mk = NULL;
	struct strbuf perr = STRBUF_INIT, q = STRBUF_INIT;
	int r;

	if (marker_names(v->u.str.ptr, "extra")) {
		strbuf_add_escaped(&q, v->u.str.ptr, v->u.str.len);
		r = fail_at(c, v->line, v->column,
		            "%s \"%s\": the \"extra\" variable is not valid in a lock (PEP 751)",
		            what, q.buf);
		strbuf_release(&q);
		return r;
	}
	r = pep508_marker_parse(v->u.str.ptr, v->u.str.len, &mk, &perr);
	pep508_marker_free(mk);
	if (r)
		r = fail_at(c, v->line, v->column, "invalid %s: %s", what, perr.buf);
	strbuf_release(&perr);
	return r;
}

static int check_specset(struct pl_ctx *c, const struct toml_value *v, const char *what)
{
	struct pep440_specset set = {NULL, 0};
	struct strbuf perr = STRBUF_INIT;
	int r;

	r = pep440_specset_parse(v->u.str.ptr, v->u.str.len, &set, &perr);
	pep440_specset_release(&set);
	if (r)
		r = fail_at(c, v->line, v->column, "invalid %s: %s", what, perr.buf);
	strbuf_release(&perr);
	return r;
}

static int url_scheme_ok(const char *s)
{
	return !strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8) ||
	       !strncasecmp(s, "file://", 7);
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* The last path component of a URL (query and fragment dropped) or path,
 * percent-decoded for URLs; "" when there is none. */
static int last_component(const char *s, int is_url, struct strbuf *out)
{
	size_t end = strcspn(s, is_url ? "?#" : ""), start = end, i;

	while (start > 0 && s[start - 1] != '/')
		start--;
	strbuf_reset(out);
	for (i = start; i < end; i++) {
		if (is_url && s[i] == '%' && i + 2 < end + 1 && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			if (strbuf_addch(out, hexval(s[i + 1]) * 16 + hexval(s[i + 2])) < 0)
				return -1;
			i += 2;
		} else if (strbuf_addch(out, s[i]) < 0) {
			return -1;
		}
	}
	return 0;
}

struct pl_pkg {
	const char *name; /* normalised, as written */
	const char *version;
	struct pep440_version ver;
};

/* One wheel table into f; its sha256 goes into f->sha256. */
static int parse_wheel(struct pl_ctx *c, const struct pl_pkg *pkg, const struct toml_value *t,
                       struct manifest_file *f)
{
	const struct toml_keyval *name = NULL, *url = NULL, *path = NULL, *size = NULL,
	                         *hashes = NULL;
	struct strbuf sb = STRBUF_INIT, q = STRBUF_INIT, key = STRBUF_INIT;
	struct filename_info info;
	struct pep440_version wv;
	size_t i;
	int r = 0;

	for (i = 0; i < t->u.table.len; i++) {
		const struct toml_keyval *kv = &t->u.table.items[i];
		if (!strcmp(kv->key, "name"))
			name = kv;
		else if (!strcmp(kv->key, "url"))
			url = kv;
		else if (!strcmp(kv->key, "path"))
			path = kv;
		else if (!strcmp(kv->key, "size"))
			size = kv;
		else if (!strcmp(kv->key, "hashes"))
			hashes = kv;
		else if (!strcmp(kv->key, "upload-time")) {
			if (kv->value->type != TOML_DATETIME &&
			    kv->value->type != TOML_DATETIME_LOCAL)
				return fail_at(c, kv->value->line, kv->value->column,
				               "upload-time must be a date-time, not a %s",
				               toml_type_name(kv->value->type));
		} else if ((r = unknown_key(c, kv, "a wheel")))
			return r;
	}
	f->size = -1;
	if ((name && (r = want_string(c, name, "wheel name"))) ||
	    (url && (r = want_string(c, url, "wheel url"))) ||
	    (path && (r = want_string(c, path, "wheel path"))))
		return r;
	if (!url && !path)
		return fail_at(c, t->line, t->column,
		               "package \"%s\": a wheel needs a url or a path", pkg->name);
	if (url && !url_scheme_ok(url->value->u.str.ptr)) {
		strbuf_add_escaped(&q, url->value->u.str.ptr, url->value->u.str.len);
		r = fail_at(c, url->value->line, url->value->column,
		            "package \"%s\": wheel url \"%s\": unknown scheme (use http, https or "
		            "file)",
		            pkg->name, q.buf);
		goto out;
	}
	if (path && !path->value->u.str.len) {
		r = fail_at(c, path->value->line, path->value->column,
		            "package \"%s\": wheel path is empty", pkg->name);
		goto out;
	}
	/* PEP 751: the path is tried first, relative to the lock file */
	if (path) {
		const char *p = path->value->u.str.ptr;
		struct strbuf abs = STRBUF_INIT;
		if (p[0] == '/')
			r = strbuf_addstr(&abs, p);
		else
			r = strbuf_addf(&abs, "%s/%s", c->basedir, p);
		if (r < 0 || fetch_path_to_file_url(abs.buf, &sb) < 0) {
			strbuf_release(&abs);
			r = oom(c);
			goto out;
		}
		strbuf_release(&abs);
	} else if (strbuf_addstr(&sb, url->value->u.str.ptr) < 0) {
		r = oom(c);
		goto out;
	}
	f->url = strbuf_detach(&sb, NULL);
	/* the file name */
	if (name)
		r = strbuf_addstr(&sb, name->value->u.str.ptr);
	else if (path)
		r = last_component(path->value->u.str.ptr, 0, &sb);
	else
		r = last_component(url->value->u.str.ptr, 1, &sb);
	if (r < 0) {
		r = oom(c);
		goto out;
	}
	{
		const struct toml_value *at = name ? name->value : path ? path->value : url->value;
		const char *d = sb.buf;
		int dashes = 0;
		while ((d = strchr(d, '-'))) {
			d++;
			dashes++;
		}
		strbuf_add_escaped(&q, sb.buf, sb.len);
		/* name-version-python-abi-platform.whl has at least four dashes
		 * (and filename_parse wants at least one) */
		if (strlen(sb.buf) != sb.len || dashes < 4 || filename_parse(sb.buf, &info) != 0 ||
		    info.kind != FILENAME_WHEEL) {
			r = fail_at(c, at->line, at->column,
			            "package \"%s\": \"%s\" is not a wheel file name", pkg->name,
			            q.buf);
			goto out;
		}
		if (pep503_normalize(info.name, &key) < 0) {
			r = oom(c);
			goto out;
		}
		if (strcmp(key.buf, pkg->name) != 0) {
			r = fail_at(c, at->line, at->column,
			            "package \"%s\": wheel \"%s\" is for another project",
			            pkg->name, q.buf);
			goto out;
		}
		if (pep440_parse(info.version, &wv) != 0 || pep440_compare(&wv, &pkg->ver) != 0) {
			r = fail_at(c, at->line, at->column,
			            "package \"%s\": wheel \"%s\" is not version %s", pkg->name,
			            q.buf, pkg->version);
			goto out;
		}
	}
	f->filename = strbuf_detach(&sb, NULL);
	if (size) {
		if ((r = want_type(c, size, TOML_INTEGER, "wheel size")))
			goto out;
		if (size->value->u.integer < 0) {
			r = fail_at(c, size->value->line, size->value->column,
			            "package \"%s\": wheel size is negative", pkg->name);
			goto out;
		}
		f->size = size->value->u.integer;
	}
	if (!hashes) {
		r = fail_at(c, t->line, t->column,
		            "package \"%s\": wheel \"%s\" has no hashes (burrow pins sha256)",
		            pkg->name, q.buf);
		goto out;
	}
	if ((r = want_type(c, hashes, TOML_TABLE, "wheel hashes")))
		goto out;
	{
		const struct toml_keyval *h = NULL;
		for (i = 0; i < hashes->value->u.table.len; i++) {
			const struct toml_keyval *kv = &hashes->value->u.table.items[i];
			if ((r = want_string(c, kv, "a hash")))
				goto out;
			if (!strcmp(kv->key, "sha256"))
				h = kv;
		}
		if (!h) {
			r = fail_at(c, hashes->value->line, hashes->value->column,
			            "package \"%s\": wheel \"%s\" has no sha256 hash (burrow pins "
			            "sha256)",
			            pkg->name, q.buf);
			goto out;
		}
		if (h->value->u.str.len != 64) {
			r = fail_at(c, h->value->line, h->value->column,
			            "package \"%s\": malformed sha256 (want 64 hex digits)",
			            pkg->name);
			goto out;
		}
		for (i = 0; i < 64; i++) {
			char ch = h->value->u.str.ptr[i];
			if (hexval(ch) < 0) {
				r = fail_at(c, h->value->line, h->value->column,
				            "package \"%s\": malformed sha256 (want 64 hex digits)",
				            pkg->name);
				goto out;
			}
			f->sha256[i] = (char)(ch >= 'A' && ch <= 'F' ? ch - 'A' + 'a' : ch);
		}
		f->sha256[64] = '\0';
	}
out:
	strbuf_release(&sb);
	strbuf_release(&q);
	strbuf_release(&key);
	return r;
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
	free(b->requires_python);
	for (i = 0; i < b->nfiles; i++) {
		free(b->files[i].url);
		free(b->files[i].filename);
	}
	free(b->files);
}

static int same_marker(const char *a, const char *b)
{
	if (!a || !b)
		return !a && !b;
	return !strcmp(a, b);
}

static int refuse_source(struct pl_ctx *c, const struct toml_keyval *kv, const char *name,
                         const char *what)
{
	return fail_at(c, kv->line, kv->column,
	               "package \"%s\": %s is locked; burrow installs wheels only and never builds",
	               name, what);
}

static int parse_package(struct pl_ctx *c, const struct toml_value *t)
{
	const struct toml_keyval *name = NULL, *version = NULL, *marker = NULL, *rpy = NULL,
	                         *wheels = NULL, *sdist = NULL, *source = NULL;
	const char *source_what = NULL;
	struct manifest_bundle b;
	const struct manifest_bundle *o;
	struct strbuf key = STRBUF_INIT, q = STRBUF_INIT;
	struct pl_pkg pkg;
	size_t i, j;
	int r = 0;

	memset(&b, 0, sizeof(b));
	for (i = 0; i < t->u.table.len; i++) {
		const struct toml_keyval *kv = &t->u.table.items[i];
		const char *k = kv->key;
		if (!strcmp(k, "name"))
			name = kv;
		else if (!strcmp(k, "version"))
			version = kv;
		else if (!strcmp(k, "marker"))
			marker = kv;
		else if (!strcmp(k, "requires-python"))
			rpy = kv;
		else if (!strcmp(k, "wheels"))
			wheels = kv;
		else if (!strcmp(k, "sdist"))
			sdist = kv;
		else if (!strcmp(k, "vcs") || !strcmp(k, "directory") || !strcmp(k, "archive")) {
			if (!source) {
				source = kv;
				source_what = !strcmp(k, "vcs")         ? "a vcs source"
				              : !strcmp(k, "directory") ? "a directory source"
				                                        : "an archive";
			}
		} else if (!strcmp(k, "index")) {
			if ((r = want_string(c, kv, "package index")))
				return r;
		} else if (!strcmp(k, "dependencies")) {
			if ((r = want_type(c, kv, TOML_ARRAY, "package dependencies")))
				return r;
		} else if (!strcmp(k, "attestation-identities")) {
			if ((r = want_type(c, kv, TOML_ARRAY, "attestation-identities")))
				return r;
			for (j = 0; j < kv->value->u.array.len; j++) {
				const struct toml_value *a = kv->value->u.array.items[j];
				const struct toml_keyval *kind = toml_table_find(a, "kind");
				if (a->type != TOML_TABLE || !kind ||
				    kind->value->type != TOML_STRING)
					return fail_at(
					    c, a->line, a->column,
					    "an attestation identity must be a table with "
					    "a kind string");
			}
		} else if (!strcmp(k, "tool")) {
			/* tool-specific data: not ours */
		} else if ((r = unknown_key(c, kv, "[[packages]]"))) {
			return r;
		}
	}
	if (!name)
		return fail_at(c, t->line, t->column, "[[packages]] needs a name");
	if ((r = want_string(c, name, "package name")))
		return r;
	strbuf_add_escaped(&q, name->value->u.str.ptr, name->value->u.str.len);
	if (!pep503_valid(name->value->u.str.ptr)) {
		r = fail_at(c, name->value->line, name->value->column,
		            "invalid package name \"%s\" (%s)", q.buf, PEP503_NAME_RULE);
		goto out;
	}
	if (pep503_normalize(name->value->u.str.ptr, &key) < 0) {
		r = oom(c);
		goto out;
	}
	if (strcmp(key.buf, name->value->u.str.ptr) != 0) {
		r = fail_at(c, name->value->line, name->value->column,
		            "package name \"%s\" is not normalized (PEP 751: write \"%s\")", q.buf,
		            key.buf);
		goto out;
	}
	pkg.name = name->value->u.str.ptr;
	if (source && (wheels || sdist)) {
		r = fail_at(c, source->line, source->column,
		            "package \"%s\": %s and sdist/wheels together (PEP 751 allows one "
		            "kind of source)",
		            pkg.name, source_what);
		goto out;
	}
	if (source) {
		r = refuse_source(c, source, pkg.name, source_what);
		goto out;
	}
	if (sdist && (r = want_type(c, sdist, TOML_TABLE, "sdist")))
		goto out;
	if (!wheels && sdist) {
		r = refuse_source(c, sdist, pkg.name, "only an sdist");
		goto out;
	}
	if (!wheels) {
		r = fail_at(c, name->line, name->column,
		            "package \"%s\" locks no wheels (nor any other source)", pkg.name);
		goto out;
	}
	if (!version) {
		r = fail_at(c, name->line, name->column,
		            "package \"%s\" has no version (burrow needs a pin)", pkg.name);
		goto out;
	}
	if ((r = want_string(c, version, "package version")))
		goto out;
	if (pep440_parse(version->value->u.str.ptr, &pkg.ver) != 0) {
		strbuf_reset(&q);
		strbuf_add_escaped(&q, version->value->u.str.ptr, version->value->u.str.len);
		r = fail_at(c, version->value->line, version->value->column,
		            "package \"%s\": invalid version \"%s\" (not PEP 440)", pkg.name,
		            q.buf);
		goto out;
	}
	pkg.version = version->value->u.str.ptr;
	if (marker) {
		if ((r = want_string(c, marker, "package marker")) ||
		    (r = check_marker(c, marker->value, "package marker")))
			goto out;
		if (!(b.marker = strdup(marker->value->u.str.ptr))) {
			r = oom(c);
			goto out;
		}
	}
	if (rpy) {
		if ((r = want_string(c, rpy, "package requires-python")) ||
		    (r = check_specset(c, rpy->value, "requires-python")))
			goto out;
		if (!(b.requires_python = strdup(rpy->value->u.str.ptr))) {
			r = oom(c);
			goto out;
		}
	}
	if (wheels->value->type != TOML_ARRAY) {
		r = fail_at(c, wheels->value->line, wheels->value->column,
		            "wheels must be an array of tables, not a %s",
		            toml_type_name(wheels->value->type));
		goto out;
	}
	if (wheels->value->u.array.len == 0) {
		r = sdist ? refuse_source(c, sdist, pkg.name, "only an sdist")
		          : fail_at(c, wheels->value->line, wheels->value->column,
		                    "package \"%s\": wheels is empty", pkg.name);
		goto out;
	}
	if (wheels->value->u.array.len > PYLOCK_MAX_WHEELS) {
		r = fail_at(c, wheels->value->line, wheels->value->column,
		            "package \"%s\": more than %d wheels", pkg.name, PYLOCK_MAX_WHEELS);
		goto out;
	}
	b.files = calloc(wheels->value->u.array.len, sizeof(*b.files));
	b.hashes = calloc(wheels->value->u.array.len, sizeof(*b.hashes));
	b.name = strdup(pkg.name);
	b.key = strbuf_detach(&key, NULL);
	b.version = strdup(pkg.version);
	b.line = name->line;
	b.column = name->column;
	if (!b.files || !b.hashes || !b.name || !b.version) {
		r = oom(c);
		goto out;
	}
	for (i = 0; i < wheels->value->u.array.len; i++) {
		const struct toml_value *w = wheels->value->u.array.items[i];
		struct manifest_file *f = &b.files[b.nfiles];
		if (w->type != TOML_TABLE) {
			r = fail_at(c, w->line, w->column, "wheels entries must be tables");
			goto out;
		}
		b.nfiles++;
		if ((r = parse_wheel(c, &pkg, w, f)))
			goto out;
		for (j = 0; j < b.nhashes; j++)
			if (!strcmp(b.hashes[j], f->sha256))
				break;
		if (j == b.nhashes) {
			if (!(b.hashes[b.nhashes] = strdup(f->sha256))) {
				r = oom(c);
				goto out;
			}
			b.nhashes++;
		}
	}
	for (o = manifest_find(c->m, b.key); o; o = manifest_find_next(c->m, o)) {
		if (same_marker(o->marker, b.marker)) {
			r = fail_at(c, name->value->line, name->value->column,
			            "duplicate package \"%s\" (first at line %d)%s", b.name,
			            o->line,
			            b.marker ? " with the same marker" : "; give each a marker");
			goto out;
		}
		c->m->allow_duplicates = 1;
	}
	if (c->m->nbundles >= PYLOCK_MAX_PACKAGES) {
		r = fail_at(c, t->line, t->column, "too many packages (at most %d)",
		            PYLOCK_MAX_PACKAGES);
		goto out;
	}
	if (manifest_add_bundle(c->m, &b) < 0) {
		r = oom(c);
		goto out;
	}
	memset(&b, 0, sizeof(b));
out:
	bundle_free(&b);
	strbuf_release(&key);
	strbuf_release(&q);
	return r;
}

/* lock-version: "MAJOR.MINOR", digits only. */
static int parse_lock_version(struct pl_ctx *c, const struct toml_keyval *kv)
{
	const char *s = kv->value->u.str.ptr, *p = s;
	long major = 0, minor = 0;
	struct strbuf q = STRBUF_INIT;
	int r;

	strbuf_add_escaped(&q, s, kv->value->u.str.len);
	if (*p < '0' || *p > '9')
		goto bad;
	while (*p >= '0' && *p <= '9' && major < 100000)
		major = major * 10 + (*p++ - '0');
	if (*p++ != '.' || *p < '0' || *p > '9')
		goto bad;
	while (*p >= '0' && *p <= '9' && minor < 100000)
		minor = minor * 10 + (*p++ - '0');
	if (*p)
		goto bad;
	if (major != 1) {
		r = fail_at(c, kv->value->line, kv->value->column,
		            "lock-version \"%s\" is not supported (burrow reads lock-version 1.x)",
		            q.buf);
		strbuf_release(&q);
		return r;
	}
	c->strict = minor == 0;
	strbuf_release(&q);
	return 0;
bad:
	r = fail_at(c, kv->value->line, kv->value->column, "lock-version \"%s\" is not MAJOR.MINOR",
	            q.buf);
	strbuf_release(&q);
	return r;
}

int pylock_parse(const char *data, size_t len, const char *path, const char *basedir,
                 struct manifest *m, struct strbuf *err)
{
	struct strbuf terr = STRBUF_INIT;
	struct toml_value *root;
	const struct toml_keyval *lv, *packages = NULL;
	struct pl_ctx c = {path, basedir, m, err, 1};
	size_t i, j;
	int r = 0;

	if (len > PYLOCK_MAX_BYTES)
		return error_set(err, BURROW_EMANIFEST, "%s: lock file larger than %zu bytes", path,
		                 PYLOCK_MAX_BYTES);
	m->is_lock = 1;
	root = toml_parse(data, len, &terr);
	if (!root) {
		r = error_set(err, BURROW_EMANIFEST, "%s:%s", path, terr.buf);
		strbuf_release(&terr);
		return r;
	}
	strbuf_release(&terr);
	if (!m->path && !(m->path = strdup(path))) {
		toml_free(root);
		return oom(&c);
	}
	sha256_buffer_hex(data, len, m->digest);
	/* the version decides how strict the rest is: read it first */
	lv = toml_table_find(root, "lock-version");
	if (!lv)
		r = fail_at(&c, 1, 1, "lock-version is missing (PEP 751 lock files need it)");
	else if (!(r = want_string(&c, lv, "lock-version")))
		r = parse_lock_version(&c, lv);
	if (!r && !toml_table_find(root, "created-by"))
		r = fail_at(&c, 1, 1, "created-by is missing (PEP 751 lock files need it)");
	for (i = 0; i < root->u.table.len && !r; i++) {
		const struct toml_keyval *kv = &root->u.table.items[i];
		const char *k = kv->key;
		if (!strcmp(k, "lock-version") || !strcmp(k, "tool")) {
			/* done above / not ours */
		} else if (!strcmp(k, "created-by")) {
			r = want_string(&c, kv, "created-by");
		} else if (!strcmp(k, "requires-python")) {
			if (!(r = want_string(&c, kv, "requires-python")) &&
			    !(r = check_specset(&c, kv->value, "requires-python"))) {
				free(m->requires_python);
				if (!(m->requires_python = strdup(kv->value->u.str.ptr)))
					r = oom(&c);
			}
		} else if (!strcmp(k, "environments")) {
			if (!(r = want_strings(&c, kv, "environments")))
				for (j = 0; j < kv->value->u.array.len && !r; j++)
					r = check_marker(&c, kv->value->u.array.items[j],
					                 "environment marker");
		} else if (!strcmp(k, "extras") || !strcmp(k, "dependency-groups") ||
		           !strcmp(k, "default-groups")) {
			char ***v = !strcmp(k, "extras")              ? &m->lock_extras
			            : !strcmp(k, "dependency-groups") ? &m->lock_groups
			                                              : &m->default_groups;
			size_t *nv = !strcmp(k, "extras")              ? &m->nlock_extras
			             : !strcmp(k, "dependency-groups") ? &m->nlock_groups
			                                               : &m->ndefault_groups;
			if (!(r = want_strings(&c, kv, k)))
				r = keep_strings(&c, kv, v, nv);
		} else if (!strcmp(k, "packages")) {
			packages = kv;
		} else {
			r = unknown_key(&c, kv, "the lock file");
		}
	}
	if (!r && !packages)
		r = fail_at(&c, 1, 1, "[[packages]] is missing (PEP 751 lock files need it)");
	if (!r && packages->value->type != TOML_ARRAY)
		r = fail_at(&c, packages->value->line, packages->value->column,
		            "packages must be an array of tables ([[packages]])");
	for (i = 0; !r && i < packages->value->u.array.len; i++) {
		const struct toml_value *t = packages->value->u.array.items[i];
		if (t->type != TOML_TABLE)
			r = fail_at(&c, t->line, t->column, "packages entries must be tables");
		else
			r = parse_package(&c, t);
	}
	toml_free(root);
	return r;
}

int pylock_load(const char *path, struct manifest *m, struct strbuf *err)
{
	struct strbuf data = STRBUF_INIT, dir = STRBUF_INIT;
	const char *slash;
	char cwd[PATH_MAX];
	int r;

	if (fs_read_user_file(path, PYLOCK_MAX_BYTES, &data, NULL) < 0) {
		r = error_set(err, errno == ENOENT ? BURROW_EUSAGE : BURROW_EMANIFEST,
		              "%s: cannot read lock file: %s", path,
		              errno == EFBIG ? "file too large" : strerror(errno));
		strbuf_release(&data);
		return r;
	}
	slash = strrchr(path, '/');
	if (path[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd))) {
			strbuf_release(&data);
			return error_set(err, BURROW_EFAIL, "getcwd: %s", strerror(errno));
		}
		strbuf_addstr(&dir, cwd);
		if (slash) {
			strbuf_addch(&dir, '/');
			strbuf_add(&dir, path, (size_t)(slash - path));
		}
	} else {
		strbuf_add(&dir, path, slash == path ? 1 : (size_t)(slash - path));
	}
	r = pylock_parse(data.buf, data.len, path, dir.buf, m, err);
	strbuf_release(&data);
	strbuf_release(&dir);
	return r;
}
