/*
 * manifest: burrow's TOML manifest into the model of manifest.h.
 *
 * The reader is strict on purpose: an unknown key, a wrong type, a
 * duplicate bundle or a malformed hash is an error with file:line:column,
 * because a typo must not silently weaken isolation or pinning.
 */
#include "manifest.h"

#include "filename.h"
#include "pep440.h"
#include "toml.h"
#include "trust.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "util/suggest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MANIFEST_MAX_BYTES ((size_t)4 << 20)
#define MANIFEST_MAX_BUNDLES 100000

void manifest_init(struct manifest *m)
{
	memset(m, 0, sizeof(*m));
}

static void free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void manifest_release(struct manifest *m)
{
	size_t i;

	free(m->path);
	free(m->python);
	free(m->requires_python);
	for (i = 0; i < m->nrepos; i++)
		free(m->repos[i].url);
	free(m->repos);
	for (i = 0; i < m->nbundles; i++) {
		free(m->bundles[i].name);
		free(m->bundles[i].key);
		free(m->bundles[i].version);
		free_strv(m->bundles[i].hashes, m->bundles[i].nhashes);
		free(m->bundles[i].marker);
		free(m->bundles[i].requires_python);
		for (size_t j = 0; j < m->bundles[i].nfiles; j++) {
			free(m->bundles[i].files[j].url);
			free(m->bundles[i].files[j].filename);
		}
		free(m->bundles[i].files);
	}
	free(m->bundles);
	free(m->index);
	for (i = 0; i < m->nrun_env; i++) {
		free(m->run_env[i].key);
		free(m->run_env[i].value);
	}
	free(m->run_env);
	free_strv(m->run_pass, m->nrun_pass);
	free_strv(m->run_path, m->nrun_path);
	free_strv(m->lock_extras, m->nlock_extras);
	free_strv(m->lock_groups, m->nlock_groups);
	free_strv(m->default_groups, m->ndefault_groups);
	manifest_init(m);
}

struct ctx {
	const char *path;
	const char *basedir;
	struct manifest *m;
	struct strbuf *err;
};

static int fail_at(struct ctx *c, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_at(struct ctx *c, int line, int col, const char *fmt, ...)
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

/* known: the keys where allows, NULL-terminated; the closest one is
 * offered for a typo. */
static int unknown_key(struct ctx *c, const struct toml_keyval *kv, const char *where,
                       const char *const *known)
{
	struct strbuf k = STRBUF_INIT;
	const char *near;
	size_t n = 0;
	int r;

	while (known[n])
		n++;
	near = strlen(kv->key) == kv->keylen ? suggest_closest(kv->key, known, n) : NULL;
	strbuf_add_escaped(&k, kv->key, kv->keylen);
	r = fail_at(c, kv->line, kv->column, "unknown key \"%s\" in %s%s%s%s", k.buf, where,
	            near ? " (did you mean \"" : "", near ? near : "", near ? "\"?)" : "");
	strbuf_release(&k);
	return r;
}

static const char *const root_keys[] = {"env", "repository", "bundle", "run", NULL};
static const char *const env_keys[] = {"python", NULL};
static const char *const repository_keys[] = {"url", NULL};
static const char *const bundle_keys[] = {"name", "version", "hashes", NULL};
static const char *const run_keys[] = {"env", "pass", "path", "library_path", "safe_path", NULL};

static int want_type(struct ctx *c, const struct toml_keyval *kv, enum toml_type t,
                     const char *what)
{
	if (kv->value->type == t)
		return 0;
	return fail_at(c, kv->value->line, kv->value->column, "%s must be a %s, not a %s", what,
	               toml_type_name(t), toml_type_name(kv->value->type));
}

/* A TOML string that must hold text without NUL bytes. */
static int want_string(struct ctx *c, const struct toml_keyval *kv, const char *what)
{
	int r = want_type(c, kv, TOML_STRING, what);

	if (r)
		return r;
	if (strlen(kv->value->u.str.ptr) != kv->value->u.str.len)
		return fail_at(c, kv->value->line, kv->value->column, "%s contains a NUL byte",
		               what);
	return 0;
}

static int url_scheme_ok(const char *url)
{
	const char *colon = strchr(url, ':');
	const char *slash = strchr(url, '/');

	if (!colon || (slash && slash < colon))
		return 1; /* a path */
	return !strncmp(url, "http://", 7) || !strncmp(url, "https://", 8) ||
	       !strncmp(url, "file://", 7);
}

static int is_path(const char *url)
{
	const char *colon = strchr(url, ':');
	const char *slash = strchr(url, '/');

	return !colon || (slash && slash < colon);
}

static int add_repo(struct manifest *m, const char *url, const char *basedir, int line, int col)
{
	struct manifest_repo *p;
	char *u;

	if (is_path(url) && url[0] != '/') {
		struct strbuf sb = STRBUF_INIT;
		if (strbuf_addf(&sb, "%s/%s", basedir, url) < 0)
			return -1;
		u = strbuf_detach(&sb, NULL);
	} else {
		u = strdup(url);
	}
	if (!u)
		return -1;
	p = realloc(m->repos, (m->nrepos + 1) * sizeof(*p));
	if (!p) {
		free(u);
		return -1;
	}
	m->repos = p;
	p[m->nrepos].url = u;
	p[m->nrepos].line = line;
	p[m->nrepos].column = col;
	m->nrepos++;
	return 0;
}

static int parse_repository(struct ctx *c, const struct toml_value *t)
{
	const struct toml_keyval *url = NULL;
	size_t i;
	int r;

	for (i = 0; i < t->u.table.len; i++) {
		const struct toml_keyval *kv = &t->u.table.items[i];
		if (!strcmp(kv->key, "url"))
			url = kv;
		else
			return unknown_key(c, kv, "[[repository]]", repository_keys);
	}
	if (!url)
		return fail_at(c, t->line, t->column, "[[repository]] needs a url");
	if ((r = want_string(c, url, "repository url")))
		return r;
	if (!url->value->u.str.len)
		return fail_at(c, url->value->line, url->value->column, "repository url is empty");
	for (const char *q = url->value->u.str.ptr; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			return fail_at(c, url->value->line, url->value->column,
			               "repository url contains a control character (\\x%02x)",
			               (unsigned char)*q);
	if (!strncmp(url->value->u.str.ptr, "file://", 7) && url->value->u.str.ptr[7] != '/' &&
	    strncmp(url->value->u.str.ptr + 7, "localhost/", 10) != 0) {
		struct strbuf e = STRBUF_INIT;
		strbuf_add_escaped(&e, url->value->u.str.ptr, url->value->u.str.len);
		r = fail_at(c, url->value->line, url->value->column,
		            "repository url \"%s\": a file:// URL names a local path, not a host",
		            e.buf);
		strbuf_release(&e);
		return r;
	}
	if (!url_scheme_ok(url->value->u.str.ptr)) {
		struct strbuf e = STRBUF_INIT;
		strbuf_add_escaped(&e, url->value->u.str.ptr, url->value->u.str.len);
		r = fail_at(c, url->value->line, url->value->column,
		            "repository url \"%s\": unknown scheme (use http, https, file or a "
		            "path)",
		            e.buf);
		strbuf_release(&e);
		return r;
	}
	if (add_repo(c->m, url->value->u.str.ptr, c->basedir, url->value->line,
	             url->value->column) < 0)
		return error_set(c->err, BURROW_EFAIL, "out of memory");
	return 0;
}

static int parse_hash(struct ctx *c, const struct toml_value *v, const char *bname, char **out)
{
	const char *s = v->u.str.ptr;
	char hex[65];
	size_t i;

	if (v->type != TOML_STRING)
		return fail_at(c, v->line, v->column, "bundle \"%s\": a hash must be a string",
		               bname);
	if (strncmp(s, "sha256:", 7) != 0 || v->u.str.len != 7 + 64) {
		struct strbuf e = STRBUF_INIT;
		int r;
		strbuf_add_escaped(&e, s, v->u.str.len);
		r = fail_at(c, v->line, v->column,
		            "bundle \"%s\": malformed hash \"%s\" (want \"sha256:\" and 64 hex "
		            "digits)",
		            bname, e.buf);
		strbuf_release(&e);
		return r;
	}
	for (i = 0; i < 64; i++) {
		char ch = s[7 + i];
		if (ch >= 'A' && ch <= 'F')
			ch = (char)(ch - 'A' + 'a');
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return fail_at(c, v->line, v->column,
			               "bundle \"%s\": malformed hash: \"%c\" is not a hex digit",
			               bname, s[7 + i] >= 0x20 && s[7 + i] < 0x7f ? s[7 + i] : '?');
		hex[i] = ch;
	}
	hex[64] = '\0';
	*out = strdup(hex);
	return *out ? 0 : error_set(c->err, BURROW_EFAIL, "out of memory");
}

static int parse_bundle(struct ctx *c, const struct toml_value *t)
{
	const struct toml_keyval *name = NULL, *version = NULL, *hashes = NULL;
	struct manifest_bundle b;
	struct strbuf key = STRBUF_INIT;
	struct pep440_version ver;
	size_t i;
	int r;

	memset(&b, 0, sizeof(b));
	for (i = 0; i < t->u.table.len; i++) {
		const struct toml_keyval *kv = &t->u.table.items[i];
		if (!strcmp(kv->key, "name"))
			name = kv;
		else if (!strcmp(kv->key, "version"))
			version = kv;
		else if (!strcmp(kv->key, "hashes"))
			hashes = kv;
		else
			return unknown_key(c, kv, "[[bundle]]", bundle_keys);
	}
	if (!name)
		return fail_at(c, t->line, t->column, "[[bundle]] needs a name");
	if ((r = want_string(c, name, "bundle name")))
		return r;
	if (!pep503_valid(name->value->u.str.ptr)) {
		struct strbuf e = STRBUF_INIT;
		strbuf_add_escaped(&e, name->value->u.str.ptr, name->value->u.str.len);
		r = fail_at(c, name->value->line, name->value->column,
		            "invalid bundle name \"%s\" (%s)", e.buf, PEP503_NAME_RULE);
		strbuf_release(&e);
		return r;
	}
	if (!version)
		return fail_at(c, t->line, t->column, "bundle \"%s\" needs a version",
		               name->value->u.str.ptr);
	if ((r = want_string(c, version, "bundle version")))
		return r;
	if (pep440_parse(version->value->u.str.ptr, &ver) != 0) {
		struct strbuf e = STRBUF_INIT;
		strbuf_add_escaped(&e, version->value->u.str.ptr, version->value->u.str.len);
		r = fail_at(c, version->value->line, version->value->column,
		            "bundle \"%s\": invalid version \"%s\" (not PEP 440)",
		            name->value->u.str.ptr, e.buf);
		strbuf_release(&e);
		return r;
	}
	if (!hashes)
		return fail_at(c, t->line, t->column,
		               "bundle \"%s\" needs hashes (a pin is name, version and sha256)",
		               name->value->u.str.ptr);
	if ((r = want_type(c, hashes, TOML_ARRAY, "hashes")))
		return r;
	if (hashes->value->u.array.len == 0)
		return fail_at(c, hashes->value->line, hashes->value->column,
		               "bundle \"%s\": hashes is empty", name->value->u.str.ptr);
	pep503_normalize(name->value->u.str.ptr, &key);
	if (manifest_find(c->m, key.buf)) {
		const struct manifest_bundle *o = manifest_find(c->m, key.buf);
		r = fail_at(c, name->value->line, name->value->column,
		            "duplicate bundle \"%s\" (first at line %d)", name->value->u.str.ptr,
		            o->line);
		strbuf_release(&key);
		return r;
	}
	if (c->m->nbundles >= MANIFEST_MAX_BUNDLES) {
		strbuf_release(&key);
		return fail_at(c, t->line, t->column, "too many bundles");
	}
	b.name = strdup(name->value->u.str.ptr);
	b.key = strbuf_detach(&key, NULL);
	b.version = strdup(version->value->u.str.ptr);
	b.hashes = calloc(hashes->value->u.array.len, sizeof(char *));
	b.line = name->line;
	b.column = name->column;
	if (!b.name || !b.key || !b.version || !b.hashes) {
		r = error_set(c->err, BURROW_EFAIL, "out of memory");
		goto fail;
	}
	for (i = 0; i < hashes->value->u.array.len; i++) {
		size_t j;
		if ((r = parse_hash(c, hashes->value->u.array.items[i], b.name,
		                    &b.hashes[b.nhashes])))
			goto fail;
		for (j = 0; j < b.nhashes; j++)
			if (!strcmp(b.hashes[j], b.hashes[b.nhashes]))
				break;
		if (j < b.nhashes) {
			free(b.hashes[b.nhashes]);
			continue;
		}
		b.nhashes++;
	}
	if (manifest_add_bundle(c->m, &b) < 0) {
		r = error_set(c->err, BURROW_EFAIL, "out of memory");
		goto fail;
	}
	return 0;
fail:
	free(b.name);
	free(b.key);
	free(b.version);
	free_strv(b.hashes, b.nhashes);
	return r;
}

int manifest_env_name_ok(const char *s)
{
	size_t i;

	if (!s[0] || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; s[i]; i++) {
		char ch = s[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '_'))
			return 0;
	}
	return i <= 256;
}

/* An array of strings into a string vector, each checked by ok (may be NULL). */
static int parse_strv(struct ctx *c, const struct toml_keyval *kv, const char *what,
                      int (*ok)(const char *), const char *okmsg, char ***out, size_t *nout)
{
	const struct toml_value *a = kv->value;
	size_t i;
	int r;

	if ((r = want_type(c, kv, TOML_ARRAY, what)))
		return r;
	*out = calloc(a->u.array.len + 1, sizeof(char *));
	if (!*out)
		return error_set(c->err, BURROW_EFAIL, "out of memory");
	for (i = 0; i < a->u.array.len; i++) {
		const struct toml_value *v = a->u.array.items[i];
		if (v->type != TOML_STRING || strlen(v->u.str.ptr) != v->u.str.len)
			return fail_at(c, v->line, v->column, "%s entries must be strings", what);
		if (ok && !ok(v->u.str.ptr)) {
			struct strbuf e = STRBUF_INIT;
			strbuf_add_escaped(&e, v->u.str.ptr, v->u.str.len);
			r = fail_at(c, v->line, v->column, "%s: \"%s\" %s", what, e.buf, okmsg);
			strbuf_release(&e);
			return r;
		}
		if (!((*out)[i] = strdup(v->u.str.ptr)))
			return error_set(c->err, BURROW_EFAIL, "out of memory");
		(*nout)++;
	}
	return 0;
}

static int pass_name_ok(const char *s)
{
	return manifest_env_name_ok(s) && !trust_hijack_var(s, strlen(s));
}

static int path_dir_ok(const char *s)
{
	return s[0] == '/' && !strchr(s, ':');
}

static int parse_run(struct ctx *c, const struct toml_value *t)
{
	size_t i, j;
	int r;

	for (i = 0; i < t->u.table.len; i++) {
		const struct toml_keyval *kv = &t->u.table.items[i];
		if (!strcmp(kv->key, "env")) {
			const struct toml_value *e = kv->value;
			if ((r = want_type(c, kv, TOML_TABLE, "[run].env")))
				return r;
			c->m->run_env = calloc(e->u.table.len + 1, sizeof(*c->m->run_env));
			if (!c->m->run_env)
				return error_set(c->err, BURROW_EFAIL, "out of memory");
			for (j = 0; j < e->u.table.len; j++) {
				const struct toml_keyval *ev = &e->u.table.items[j];
				struct manifest_kv *d = &c->m->run_env[c->m->nrun_env];
				if (strlen(ev->key) != ev->keylen ||
				    !manifest_env_name_ok(ev->key)) {
					struct strbuf k = STRBUF_INIT;
					strbuf_add_escaped(&k, ev->key, ev->keylen);
					r = fail_at(c, ev->line, ev->column,
					            "[run].env: invalid variable name \"%s\"",
					            k.buf);
					strbuf_release(&k);
					return r;
				}
				if ((r = want_string(c, ev, "[run].env value")))
					return r;
				d->key = strdup(ev->key);
				d->value = strdup(ev->value->u.str.ptr);
				if (!d->key || !d->value)
					return error_set(c->err, BURROW_EFAIL, "out of memory");
				c->m->nrun_env++;
			}
		} else if (!strcmp(kv->key, "pass")) {
			if ((r = parse_strv(
			         c, kv, "[run].pass", pass_name_ok,
			         "is not a variable name, or is a loader, interpreter or "
			         "shell start-up variable that never passes from the "
			         "caller (set it in [run].env)",
			         &c->m->run_pass, &c->m->nrun_pass)))
				return r;
		} else if (!strcmp(kv->key, "path")) {
			if ((r = parse_strv(c, kv, "[run].path", path_dir_ok,
			                    "must be an absolute directory without ':'",
			                    &c->m->run_path, &c->m->nrun_path)))
				return r;
		} else if (!strcmp(kv->key, "library_path")) {
			if ((r = want_type(c, kv, TOML_BOOL, "[run].library_path")))
				return r;
			c->m->library_path = kv->value->u.boolean;
		} else if (!strcmp(kv->key, "safe_path")) {
			if ((r = want_type(c, kv, TOML_BOOL, "[run].safe_path")))
				return r;
			c->m->safe_path = kv->value->u.boolean;
		} else {
			return unknown_key(c, kv, "[run]", run_keys);
		}
	}
	return 0;
}

static int parse_env(struct ctx *c, const struct toml_value *t)
{
	size_t i;
	int r;

	for (i = 0; i < t->u.table.len; i++) {
		const struct toml_keyval *kv = &t->u.table.items[i];
		if (!strcmp(kv->key, "python")) {
			if ((r = want_string(c, kv, "[env].python")))
				return r;
			if (!kv->value->u.str.len)
				return fail_at(c, kv->value->line, kv->value->column,
				               "[env].python is empty");
			if (!(c->m->python = strdup(kv->value->u.str.ptr)))
				return error_set(c->err, BURROW_EFAIL, "out of memory");
		} else {
			return unknown_key(c, kv, "[env]", env_keys);
		}
	}
	return 0;
}

/* Runs fn over each table of an array of tables. */
static int each_table(struct ctx *c, const struct toml_keyval *kv, const char *what,
                      int (*fn)(struct ctx *, const struct toml_value *))
{
	size_t i;
	int r;

	if (kv->value->type != TOML_ARRAY)
		return fail_at(c, kv->value->line, kv->value->column,
		               "%s must be an array of tables ([[%s]])", what, what);
	for (i = 0; i < kv->value->u.array.len; i++) {
		const struct toml_value *t = kv->value->u.array.items[i];
		if (t->type != TOML_TABLE)
			return fail_at(c, t->line, t->column, "%s entries must be tables", what);
		if ((r = fn(c, t)))
			return r;
	}
	return 0;
}

int manifest_parse(const char *data, size_t len, const char *path, const char *basedir,
                   struct manifest *m, struct strbuf *err)
{
	struct strbuf terr = STRBUF_INIT;
	struct toml_value *root;
	struct ctx c = {path, basedir, m, err};
	size_t i;
	int r = 0;

	if (len > MANIFEST_MAX_BYTES)
		return error_set(err, BURROW_EMANIFEST, "%s: manifest larger than %zu bytes", path,
		                 MANIFEST_MAX_BYTES);
	root = toml_parse(data, len, &terr);
	if (!root) {
		r = error_set(err, BURROW_EMANIFEST, "%s:%s", path, terr.buf);
		strbuf_release(&terr);
		return r;
	}
	strbuf_release(&terr);
	if (!m->path && !(m->path = strdup(path))) {
		toml_free(root);
		return error_set(err, BURROW_EFAIL, "out of memory");
	}
	sha256_buffer_hex(data, len, m->digest);
	for (i = 0; i < root->u.table.len && !r; i++) {
		const struct toml_keyval *kv = &root->u.table.items[i];
		if (!strcmp(kv->key, "env")) {
			r = want_type(&c, kv, TOML_TABLE, "[env]");
			if (!r)
				r = parse_env(&c, kv->value);
		} else if (!strcmp(kv->key, "run")) {
			r = want_type(&c, kv, TOML_TABLE, "[run]");
			if (!r)
				r = parse_run(&c, kv->value);
		} else if (!strcmp(kv->key, "repository")) {
			r = each_table(&c, kv, "repository", parse_repository);
		} else if (!strcmp(kv->key, "bundle")) {
			r = each_table(&c, kv, "bundle", parse_bundle);
		} else {
			r = unknown_key(&c, kv,
			                "the manifest (known: env, repository, bundle, run)",
			                root_keys);
		}
	}
	toml_free(root);
	return r;
}

int manifest_load(const char *path, struct manifest *m, struct strbuf *err)
{
	struct strbuf data = STRBUF_INIT, dir = STRBUF_INIT;
	const char *slash;
	char cwd[PATH_MAX];
	int r;

	if (fs_read_user_file(path, MANIFEST_MAX_BYTES, &data, NULL) < 0) {
		r = error_set(err, errno == ENOENT ? BURROW_EUSAGE : BURROW_EMANIFEST,
		              "%s: cannot read manifest: %s", path, strerror(errno));
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
	r = manifest_parse(data.buf, data.len, path, dir.buf, m, err);
	strbuf_release(&data);
	strbuf_release(&dir);
	return r;
}

int manifest_add_repo(struct manifest *m, const char *url, struct strbuf *err)
{
	char cwd[PATH_MAX];

	if (!*url || !url_scheme_ok(url))
		return error_set(
		    err, BURROW_EUSAGE,
		    "repository \"%s\": unknown scheme (use http, https, file or a path)", url);
	if (!getcwd(cwd, sizeof(cwd)))
		return error_set(err, BURROW_EFAIL, "getcwd: %s", strerror(errno));
	if (add_repo(m, url, cwd, 0, 0) < 0)
		return error_set(err, BURROW_EFAIL, "out of memory");
	return 0;
}

/* FNV-1a: keys are short ASCII names */
static size_t key_hash(const char *key)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *key; key++) {
		h ^= (unsigned char)*key;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

/* Puts bundle i into the index (which has a free slot). */
static void index_put(size_t *slots, size_t nslots, const struct manifest_bundle *bundles, size_t i)
{
	size_t k = key_hash(bundles[i].key) & (nslots - 1);

	while (slots[k])
		k = (k + 1) & (nslots - 1);
	slots[k] = i + 1;
}

int manifest_add_bundle(struct manifest *m, const struct manifest_bundle *b)
{
	size_t i;

	if (m->nbundles == m->bundles_alloc) {
		size_t n = m->bundles_alloc ? m->bundles_alloc * 2 : 16;
		struct manifest_bundle *p = realloc(m->bundles, n * sizeof(*p));
		if (!p)
			return -1;
		m->bundles = p;
		m->bundles_alloc = n;
	}
	/* at most half full, so that probes stay short; reinserting in
	 * manifest order keeps one key's bundles in manifest order */
	if ((m->nbundles + 1) * 2 > m->nindex) {
		size_t n = m->nindex ? m->nindex * 2 : 64;
		size_t *slots = calloc(n, sizeof(*slots));
		if (!slots)
			return -1;
		for (i = 0; i < m->nbundles; i++)
			index_put(slots, n, m->bundles, i);
		free(m->index);
		m->index = slots;
		m->nindex = n;
	}
	m->bundles[m->nbundles] = *b;
	index_put(m->index, m->nindex, m->bundles, m->nbundles);
	m->nbundles++;
	return 0;
}

/* The first bundle with key whose index is above after (SIZE_MAX: any). */
static const struct manifest_bundle *find_from(const struct manifest *m, const char *key,
                                               size_t after)
{
	size_t k, i;

	if (!m->nindex) {
		for (i = after == SIZE_MAX ? 0 : after + 1; i < m->nbundles; i++)
			if (!strcmp(m->bundles[i].key, key))
				return &m->bundles[i];
		return NULL;
	}
	for (k = key_hash(key) & (m->nindex - 1); m->index[k]; k = (k + 1) & (m->nindex - 1)) {
		i = m->index[k] - 1;
		if ((after == SIZE_MAX || i > after) && !strcmp(m->bundles[i].key, key))
			return &m->bundles[i];
	}
	return NULL;
}

const struct manifest_bundle *manifest_find(const struct manifest *m, const char *key)
{
	return find_from(m, key, SIZE_MAX);
}

const struct manifest_bundle *manifest_find_next(const struct manifest *m,
                                                 const struct manifest_bundle *prev)
{
	return find_from(m, prev->key, (size_t)(prev - m->bundles));
}
