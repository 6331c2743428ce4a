/*
 * audit: `burrow check` (see audit.h): integrity against state.db,
 * dependency consistency (also install's, before it changes an env), and
 * leaks: the env's interpreter probed as `run` starts it, and every
 * recorded ELF file's libraries resolved as ld.so would.
 *
 * Everything under the env is read relative to its directory fd with
 * O_NOFOLLOW; the only things run are the env's own interpreter (the probe,
 * bounded in output and time) and the base interpreter's fact query.
 */
#include "audit.h"

#include "elfdeps.h"
#include "envdir.h"
#include "launch.h"
#include "manifest.h"
#include "python.h"
#include "record.h"
#include "state.h"
#include "tree.h"
#include "trust.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "util/signals.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define AUDIT_MAX_DEPTH 64                /* directory nesting walked for unrecorded files */
#define AUDIT_MAX_WALK 1000000            /* entries walked */
#define AUDIT_DIAG_MAX 4096               /* bytes of the probe's stderr kept for a message */
#define AUDIT_MAX_META ((size_t)64 << 20) /* bytes of a RECORD or top_level.txt */

/* ---------------------------------------------------------------- report */

int audit_add(struct audit_report *r, const char *kind, const char *path, const char *detail)
{
	struct audit_finding *f;

	if (r->len > AUDIT_MAX_FINDINGS)
		return 0;
	if (r->len == AUDIT_MAX_FINDINGS) {
		kind = "truncated";
		path = "";
		detail = "too many findings; the rest are not listed";
	}
	if (r->len == r->alloc) {
		size_t n = r->alloc ? r->alloc * 2 : 16;
		struct audit_finding *p = realloc(r->items, n * sizeof(*p));
		if (!p)
			return -1;
		r->items = p;
		r->alloc = n;
	}
	f = &r->items[r->len];
	f->kind = strdup(kind ? kind : "");
	f->path = strdup(path ? path : "");
	f->detail = strdup(detail ? detail : "");
	if (!f->kind || !f->path || !f->detail) {
		free(f->kind);
		free(f->path);
		free(f->detail);
		return -1;
	}
	r->len++;
	return 0;
}

void audit_report_release(struct audit_report *r)
{
	size_t i;

	for (i = 0; i < r->len; i++) {
		free(r->items[i].kind);
		free(r->items[i].path);
		free(r->items[i].detail);
	}
	free(r->items);
	memset(r, 0, sizeof(*r));
}

/* A finding whose path (raw bytes from the filesystem or the env) is
 * escaped, with a printf-style detail. */
static int finding(struct audit_report *r, const char *kind, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int finding(struct audit_report *r, const char *kind, const char *path, const char *fmt, ...)
{
	struct strbuf p = STRBUF_INIT, d = STRBUF_INIT;
	va_list ap;
	int rc;

	strbuf_add_escaped(&p, path, strlen(path));
	va_start(ap, fmt);
	strbuf_vaddf(&d, fmt, ap);
	va_end(ap);
	rc = audit_add(r, kind, p.buf, d.buf);
	strbuf_release(&p);
	strbuf_release(&d);
	return rc;
}

/* Escapes hostile bytes into a fresh strbuf for a detail. */
static const char *esc(struct strbuf *sb, const char *s)
{
	strbuf_reset(sb);
	strbuf_add_escaped(sb, s, strlen(s));
	return sb->buf;
}

/* ----------------------------------------------------------- consistency */

struct cdist {
	char *key;
	char **extras; /* canonical extras other distributions ask of this one */
	size_t nextras;
};

static int has_extra(const struct cdist *d, const char *extra)
{
	size_t i;

	for (i = 0; i < d->nextras; i++)
		if (!strcmp(d->extras[i], extra))
			return 1;
	return 0;
}

static int add_unmet(struct audit_unmet **out, size_t *nout, size_t dist, const char *req,
                     size_t len, size_t dep)
{
	struct audit_unmet *p = realloc(*out, (*nout + 1) * sizeof(*p));

	if (!p)
		return -1;
	*out = p;
	p[*nout].dist = dist;
	p[*nout].dep = dep;
	if (!(p[*nout].requirement = strndup(req, len)))
		return -1;
	(*nout)++;
	return 0;
}

/* One pass over every requirement; with collect, unmet ones are listed. */
static int consistency_pass(const struct audit_dist *dists, struct cdist *cd, size_t n,
                            const struct pep508_env *env, int collect, int *changed,
                            struct audit_unmet **out, size_t *nout)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *q = dists[i].requires;

		while (q && *q) {
			const char *nl = strchr(q, '\n');
			size_t len = nl ? (size_t)(nl - q) : strlen(q);
			struct pep508_req req;
			struct strbuf e = STRBUF_INIT, key = STRBUF_INIT;
			size_t x, j, dep = AUDIT_NO_DIST;
			int applies = 0, rc = 0;

			memset(&req, 0, sizeof(req));
			/* As pip check: an unparsable requirement is skipped. */
			if (len && pep508_parse(q, len, &req, &e) == 0) {
				for (x = 0; x <= cd[i].nextras && !applies; x++) {
					struct pep508_env ev = *env;
					int res = 1;
					ev.extra = x == 0 ? "" : cd[i].extras[x - 1];
					if (req.marker &&
					    pep508_marker_eval(req.marker, &ev, &res, &e) != 0)
						res = 0;
					applies = res;
				}
			}
			if (applies) {
				pep508_canonical_name(req.name, strlen(req.name), &key);
				for (j = 0; j < n && dep == AUDIT_NO_DIST; j++)
					if (!strcmp(cd[j].key, key.buf))
						dep = j;
				if (dep == AUDIT_NO_DIST ||
				    !pep508_satisfied(&req, dists[dep].version)) {
					if (collect)
						rc = add_unmet(out, nout, i, q, len, dep);
				} else {
					for (x = 0; x < req.nextras && !rc; x++) {
						struct strbuf ex = STRBUF_INIT;
						char **nv;
						pep508_canonical_name(req.extras[x],
						                      strlen(req.extras[x]), &ex);
						if (has_extra(&cd[dep], ex.buf)) {
							strbuf_release(&ex);
							continue;
						}
						nv = realloc(cd[dep].extras, (cd[dep].nextras + 1) *
						                                 sizeof(char *));
						if (!nv) {
							strbuf_release(&ex);
							rc = -1;
							break;
						}
						cd[dep].extras = nv;
						cd[dep].extras[cd[dep].nextras++] =
						    strbuf_detach(&ex, NULL);
						*changed = 1;
					}
				}
			}
			pep508_release(&req);
			strbuf_release(&e);
			strbuf_release(&key);
			if (rc)
				return -1;
			q = nl ? nl + 1 : NULL;
		}
	}
	return 0;
}

int audit_consistency(const struct audit_dist *dists, size_t n, const struct pep508_env *env,
                      struct audit_unmet **out, size_t *nout, struct strbuf *err)
{
	struct cdist *cd = calloc(n ? n : 1, sizeof(*cd));
	int changed = 1, rounds = 0, r = 0;
	size_t i, j;

	*out = NULL;
	*nout = 0;
	if (!cd)
		return error_set(err, BURROW_EFAIL, "out of memory");
	for (i = 0; i < n && !r; i++) {
		struct strbuf k = STRBUF_INIT;
		pep508_canonical_name(dists[i].name, strlen(dists[i].name), &k);
		cd[i].key = strbuf_detach(&k, NULL);
	}
	/* The extras asked of each distribution, to a fixed point; then the
	 * unmet requirements, once. */
	while (changed && rounds++ < 64 && !r) {
		changed = 0;
		if (consistency_pass(dists, cd, n, env, 0, &changed, out, nout) < 0)
			r = error_set(err, BURROW_EFAIL, "out of memory");
	}
	if (!r && consistency_pass(dists, cd, n, env, 1, &changed, out, nout) < 0)
		r = error_set(err, BURROW_EFAIL, "out of memory");
	for (i = 0; i < n; i++) {
		free(cd[i].key);
		for (j = 0; j < cd[i].nextras; j++)
			free(cd[i].extras[j]);
		free(cd[i].extras);
	}
	free(cd);
	if (r) {
		audit_unmet_release(*out, *nout);
		*out = NULL;
		*nout = 0;
	}
	return r;
}

void audit_unmet_release(struct audit_unmet *u, size_t n)
{
	size_t i;

	for (i = 0; u && i < n; i++)
		free(u[i].requirement);
	free(u);
}

/* ------------------------------------------------------------ top level */

static int is_identifier(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 255 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return 0;
	}
	return 1;
}

/* 1 when the '\n'-terminated list holds name. */
static int list_has(const struct strbuf *list, const char *name, size_t n)
{
	const char *p = list->buf;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len == n && !memcmp(p, name, n))
			return 1;
		p += len + (nl ? 1 : 0);
	}
	return 0;
}

static size_t count_lines(const struct strbuf *list)
{
	size_t n = 0, i;

	for (i = 0; i < list->len; i++)
		n += list->buf[i] == '\n';
	return n;
}

static int add_name(struct strbuf *out, const char *s, size_t n)
{
	if (!is_identifier(s, n) || list_has(out, s, n) || count_lines(out) >= AUDIT_MAX_MODULES)
		return 0;
	if (strbuf_add(out, s, n) < 0 || strbuf_addch(out, '\n') < 0)
		return -1;
	return 0;
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && !memcmp(s + n - k, suffix, k);
}

int audit_top_level(const char *top_level, size_t top_len, const char *record, size_t rec_len,
                    struct strbuf *out, struct strbuf *err)
{
	struct record rec;
	size_t i;
	int r;

	if (top_level) {
		const char *p = top_level, *end = top_level + top_len;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *e = nl ? nl : end;
			const char *s = p;
			size_t n;
			while (s < e && (*s == ' ' || *s == '\t'))
				s++;
			n = 0;
			while (s + n < e && s[n] != '/' && s[n] != '.' && s[n] != ' ' &&
			       s[n] != '\t' && s[n] != '\r')
				n++;
			if (add_name(out, s, n) < 0)
				return error_set(err, BURROW_EFAIL, "out of memory");
			p = nl ? nl + 1 : end;
		}
		return 0;
	}
	if (!record)
		return 0;
	if ((r = record_parse(record, rec_len, &rec, err)))
		return r;
	for (i = 0; i < rec.len && !r; i++) {
		const char *path = rec.items[i].path;
		const char *slash = strchr(path, '/');
		size_t n = slash ? (size_t)(slash - path) : strlen(path);

		if (path[0] == '/' || !strncmp(path, "..", 2))
			continue;
		if (slash) {
			if (ends_with(path, n, ".dist-info") || ends_with(path, n, ".data") ||
			    ends_with(path, n, ".egg-info"))
				continue;
		} else if (ends_with(path, n, ".py")) {
			n -= 3;
		} else if (ends_with(path, n, ".so")) {
			n = strcspn(path, ".");
		} else {
			continue;
		}
		if (n == 11 && !memcmp(path, "__pycache__", 11))
			continue;
		if (add_name(out, path, n) < 0)
			r = error_set(err, BURROW_EFAIL, "out of memory");
	}
	record_release(&rec);
	return r;
}

/* ---------------------------------------------------------- probe answer */

static int probe_string(json_object *o, const char *what, char **out, struct strbuf *err)
{
	const char *s;
	int len;

	if (!json_object_is_type(o, json_type_string))
		return error_set(err, BURROW_EFAIL, "%s: not a string", what);
	s = json_object_get_string(o);
	len = json_object_get_string_len(o);
	if (len < 0 || (size_t)len > AUDIT_PROBE_MAX_STRING || strlen(s) != (size_t)len)
		return error_set(err, BURROW_EFAIL, "%s: over %d bytes or holds a NUL", what,
		                 AUDIT_PROBE_MAX_STRING);
	if (!(*out = strdup(s)))
		return error_set(err, BURROW_EFAIL, "out of memory");
	return 0;
}

static int probe_strings(json_object *a, const char *what, char ***out, size_t *n,
                         struct strbuf *err)
{
	size_t i, len;
	int r;

	if (!json_object_is_type(a, json_type_array))
		return error_set(err, BURROW_EFAIL, "%s: not a list", what);
	len = json_object_array_length(a);
	if (len > AUDIT_PROBE_MAX_ENTRIES)
		return error_set(err, BURROW_EFAIL, "%s: over %d entries", what,
		                 AUDIT_PROBE_MAX_ENTRIES);
	if (!(*out = calloc(len + 1, sizeof(char *))))
		return error_set(err, BURROW_EFAIL, "out of memory");
	for (i = 0; i < len; i++) {
		if ((r = probe_string(json_object_array_get_idx(a, i), what, &(*out)[i], err)))
			return r;
		(*n)++;
	}
	return 0;
}

static int probe_module(const char *name, json_object *v, struct audit_probe_module *m,
                        struct strbuf *err)
{
	json_object *x;
	int r;

	if (!is_identifier(name, strlen(name)))
		return error_set(err, BURROW_EFAIL, "modules: a name that is not an identifier");
	if (!(m->name = strdup(name)))
		return error_set(err, BURROW_EFAIL, "out of memory");
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_object))
		return error_set(err, BURROW_EFAIL, "modules.%s: not an object", name);
	if (json_object_object_get_ex(v, "error", &x))
		return probe_string(x, "error", &m->error, err);
	m->found = 1;
	if (json_object_object_get_ex(v, "origin", &x) && x &&
	    (r = probe_string(x, "origin", &m->origin, err)))
		return r;
	if (json_object_object_get_ex(v, "locations", &x) && x &&
	    (r = probe_strings(x, "locations", &m->locations, &m->nlocations, err)))
		return r;
	return 0;
}

int audit_probe_parse(const char *text, size_t len, struct audit_probe *out, struct strbuf *err)
{
	struct json_tokener *tok;
	json_object *root = NULL, *path, *mods;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (len > AUDIT_PROBE_MAX_OUTPUT)
		return error_set(err, BURROW_EFAIL, "answer over %zu bytes",
		                 AUDIT_PROBE_MAX_OUTPUT);
	if (!(tok = json_tokener_new_ex(8)))
		return error_set(err, BURROW_EFAIL, "out of memory");
	root = json_tokener_parse_ex(tok, text, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		size_t end = json_tokener_get_parse_end(tok);
		while (root && end < len && strchr(" \t\r\n", text[end]))
			end++;
		if (!root || end != len) {
			r = error_set(err, BURROW_EFAIL, "not one JSON object (%s)",
			              json_tokener_error_desc(json_tokener_get_error(tok)));
			goto out;
		}
	}
	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "path", &path) ||
	    !json_object_object_get_ex(root, "modules", &mods) ||
	    !json_object_is_type(mods, json_type_object)) {
		r = error_set(err, BURROW_EFAIL, "expected {\"path\": [...], \"modules\": {...}}");
		goto out;
	}
	if ((r = probe_strings(path, "path", &out->sys_path, &out->npath, err)))
		goto out;
	if (json_object_object_length(mods) > AUDIT_MAX_MODULES) {
		r = error_set(err, BURROW_EFAIL, "modules: over %d", AUDIT_MAX_MODULES);
		goto out;
	}
	out->modules = calloc((size_t)json_object_object_length(mods) + 1, sizeof(*out->modules));
	if (!out->modules) {
		r = error_set(err, BURROW_EFAIL, "out of memory");
		goto out;
	}
	{
		json_object_object_foreach(mods, key, val)
		{
			if ((r = probe_module(key, val, &out->modules[out->nmodules], err))) {
				out->nmodules++;
				goto out;
			}
			out->nmodules++;
		}
	}
out:
	json_object_put(root);
	json_tokener_free(tok);
	if (r)
		audit_probe_release(out);
	return r;
}

void audit_probe_release(struct audit_probe *p)
{
	size_t i, j;

	for (i = 0; p->sys_path && p->sys_path[i]; i++)
		free(p->sys_path[i]);
	free(p->sys_path);
	for (i = 0; i < p->nmodules; i++) {
		struct audit_probe_module *m = &p->modules[i];
		free(m->name);
		free(m->error);
		free(m->origin);
		for (j = 0; m->locations && m->locations[j]; j++)
			free(m->locations[j]);
		free(m->locations);
	}
	free(p->modules);
	memset(p, 0, sizeof(*p));
}

/* -------------------------------------------------------------- the run */

struct audit_ctx {
	const char *env_path; /* as given, for messages */
	char root[PATH_MAX];  /* its realpath */
	int envfd;
	unsigned checks;
	struct audit_report *rep;
	struct tree_list files; /* recorded, sorted by path */
	struct state_bundles bundles;
	struct strbuf python; /* meta "python", "" for a native env */
	struct python_info py;
	int have_py;
	struct strbuf site_dirs; /* env-relative, '\n'-terminated */
	struct strbuf elf_paths; /* recorded ELF files, '\n'-terminated */
	size_t walked;
	/* The run facts regenerated from .burrow/manifest.toml: what .burrow/run
	 * must say, and what the probe's environment is built from. */
	struct launch_facts facts;
	int have_facts;
	int foreign; /* root, and another user can change the env: drop for the probe */
};

static const char *type_name(mode_t m)
{
	return S_ISREG(m)    ? "a regular file"
	       : S_ISDIR(m)  ? "a directory"
	       : S_ISLNK(m)  ? "a symlink"
	       : S_ISFIFO(m) ? "a FIFO"
	       : S_ISSOCK(m) ? "a socket"
	       : S_ISCHR(m)  ? "a character device"
	       : S_ISBLK(m)  ? "a block device"
	                     : "an odd file";
}

static int interrupted(struct strbuf *err)
{
	int r = signals_pending();
	return r ? error_set(err, r, "interrupted") : 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct tree_entry *)a)->path, ((const struct tree_entry *)b)->path);
}

static const struct tree_entry *recorded(const struct audit_ctx *c, const char *path)
{
	struct tree_entry key;

	memset(&key, 0, sizeof(key));
	key.path = (char *)path;
	if (!c->files.len)
		return NULL;
	return bsearch(&key, c->files.items, c->files.len, sizeof(key), cmp_entry);
}

/* Checks one recorded file; dfd is its parent directory. */
static int check_recorded(struct audit_ctx *c, int dfd, const char *base,
                          const struct tree_entry *e)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	struct stat st;
	int integrity = (c->checks & AUDIT_INTEGRITY) != 0, rc = 0;

	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (integrity)
			rc = errno == ENOENT
			         ? finding(c->rep, "missing", e->path, "recorded, not there")
			         : finding(c->rep, "tampered", e->path, "%s", strerror(errno));
		return rc;
	}
	if (e->type == TREE_SYMLINK) {
		char target[PATH_MAX + 1];
		ssize_t n;
		if (!integrity)
			return 0;
		if (!S_ISLNK(st.st_mode))
			return finding(c->rep, "tampered", e->path, "%s, recorded as a symlink",
			               type_name(st.st_mode));
		n = readlinkat(dfd, base, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		if (n < 0 || strcmp(target, e->link_target ? e->link_target : ""))
			rc =
			    finding(c->rep, "tampered", e->path, "symlink to %s, recorded to %s",
			            esc(&a, target), esc(&b, e->link_target ? e->link_target : ""));
		strbuf_release(&a);
		strbuf_release(&b);
		return rc;
	}
	if (e->type != TREE_FILE)
		return 0;
	if (!S_ISREG(st.st_mode))
		return integrity ? finding(c->rep, "tampered", e->path,
		                           "%s, recorded as a regular file", type_name(st.st_mode))
		                 : 0;
	if (integrity && (st.st_mode & 07777) != (e->mode & 07777))
		rc = finding(c->rep, "mode", e->path, "%04o != recorded %04o",
		             (unsigned)(st.st_mode & 07777), (unsigned)(e->mode & 07777));
	{
		int fd =
		    openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		unsigned char magic[4], digest[SHA256_LEN];
		char hex[SHA256_HEX_LEN + 1];
		uint64_t size = 0;

		if (fd < 0)
			return rc ? rc
			          : finding(c->rep, integrity ? "tampered" : "broken", e->path,
			                    "%s", strerror(errno));
		if (pread(fd, magic, 4, 0) == 4 && !memcmp(magic, "\177ELF", 4) &&
		    (strbuf_addstr(&c->elf_paths, e->path) < 0 ||
		     strbuf_addch(&c->elf_paths, '\n') < 0))
			rc = -1;
		if (!rc && integrity) {
			if ((uint64_t)st.st_size != e->size) {
				rc = finding(
				    c->rep, "tampered", e->path, "size %llu != recorded %llu",
				    (unsigned long long)st.st_size, (unsigned long long)e->size);
			} else if (sha256_fd(fd, digest, &size) < 0) {
				rc = finding(c->rep, "tampered", e->path, "read: %s",
				             strerror(errno));
			} else {
				sha256_to_hex(digest, hex);
				if (strcmp(hex, e->sha256))
					rc = finding(c->rep, "tampered", e->path,
					             "sha256 %s != recorded %s", hex, e->sha256);
			}
		}
		close(fd);
	}
	return rc;
}

static int check_files(struct audit_ctx *c, struct strbuf *err)
{
	struct strbuf dir = STRBUF_INIT;
	int dfd = -1, dir_errno = 0, r = 0;
	size_t i;

	for (i = 0; i < c->files.len && !r; i++) {
		const struct tree_entry *e = &c->files.items[i];
		const char *slash = strrchr(e->path, '/');
		size_t dlen = slash ? (size_t)(slash - e->path) : 0;

		if ((i & 255) == 0 && (r = interrupted(err)))
			break;
		if (i == 0 || dir.len != dlen || memcmp(dir.buf, e->path, dlen)) {
			if (dfd >= 0 && dfd != c->envfd)
				close(dfd);
			strbuf_reset(&dir);
			strbuf_add(&dir, e->path, dlen);
			dfd = dlen ? fs_open_dir(c->envfd, dir.buf, 0) : c->envfd;
			dir_errno = dfd < 0 ? errno : 0;
		}
		if (dfd < 0) {
			if (c->checks & AUDIT_INTEGRITY)
				r = dir_errno == ENOENT
				        ? finding(c->rep, "missing", e->path, "recorded, not there")
				        : finding(c->rep, "tampered", e->path,
				                  "a parent directory is a symlink or not a "
				                  "directory (%s)",
				                  strerror(dir_errno));
			continue;
		}
		r = check_recorded(c, dfd, slash ? slash + 1 : e->path, e);
	}
	if (dfd >= 0 && dfd != c->envfd)
		close(dfd);
	strbuf_release(&dir);
	if (r < 0)
		return error_set(err, BURROW_EFAIL, "out of memory");
	return r;
}

/* bin/python, python3, python3.Y and the base's own name: the links
 * python_venv_write makes in a Python env (not recorded in state.db).
 * Returns NULL when rel is not one of them, else the target it must have:
 * the base interpreter's path for its own name, that name for the others. */
static const char *venv_link(const struct audit_ctx *c, const char *rel)
{
	const char *name, *base;

	if (!c->python.len || strncmp(rel, "bin/", 4) || strchr(rel + 4, '/'))
		return NULL;
	name = rel + 4;
	base = strrchr(c->python.buf, '/');
	base = base ? base + 1 : c->python.buf;
	if (!strcmp(name, base))
		return c->python.buf;
	if (!strcmp(name, "python") || !strcmp(name, "python3") ||
	    (!strncmp(name, "python3.", 8) && name[8] &&
	     strspn(name + 8, "0123456789") == strlen(name + 8)))
		return base;
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in the directory dfd (not . and ..), sorted, so that findings
 * come in a stable order.  NULL-terminated, caller frees. */
static char **list_dir(struct audit_ctx *c, int dfd, const char *rel, struct strbuf *err)
{
	char **v = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;
	DIR *d;
	int fd;

	if ((fd = dup(dfd)) < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		error_set(err, BURROW_EFAIL, "%s/%s: %s", c->env_path, rel, strerror(errno));
		return NULL;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (++c->walked > AUDIT_MAX_WALK) {
			error_set(err, BURROW_EFAIL, "%s: more than %d files in the env",
			          c->env_path, AUDIT_MAX_WALK);
			goto fail;
		}
		if (n + 1 >= alloc) {
			size_t na = alloc ? alloc * 2 : 32;
			char **nv = realloc(v, na * sizeof(char *));
			if (!nv)
				goto oom;
			v = nv;
			alloc = na;
		}
		if (!(v[n] = strdup(de->d_name)))
			goto oom;
		v[++n] = NULL;
	}
	closedir(d);
	if (!v && !(v = calloc(1, sizeof(char *)))) {
		error_set(err, BURROW_EFAIL, "out of memory");
		return NULL;
	}
	qsort(v, n, sizeof(char *), cmp_str);
	return v;
oom:
	error_set(err, BURROW_EFAIL, "out of memory");
fail:
	closedir(d);
	while (n)
		free(v[--n]);
	free(v);
	return NULL;
}

/* 1 when rel (env-relative) is one of the site-packages directories. */
static int is_site_dir(const struct audit_ctx *c, const char *rel)
{
	const char *p = c->site_dirs.buf;
	size_t n = strlen(rel);

	for (; p && *p; p = strchr(p, '\n') + 1)
		if (!strncmp(p, rel, n) && p[n] == '\n')
			return 1;
	return 0;
}

/* What an env holds that state.db does not record, by design: burrow's
 * own records and the venv's pyvenv.cfg and lib64 link (DESIGN.md "Env
 * layout").  The links of bin/ are venv_link's. */
static int own_file(const struct audit_ctx *c, const char *rel, const struct stat *st, int dfd,
                    const char *name)
{
	static const char *const records[] = {".burrow/state.db",      ".burrow/state.db-wal",
	                                      ".burrow/state.db-shm",  ".burrow/state.db-journal",
	                                      ".burrow/manifest.toml", ".burrow/run",
	                                      ".burrow/noop"};
	size_t i;

	for (i = 0; i < sizeof(records) / sizeof(records[0]); i++)
		if (!strcmp(rel, records[i]))
			return S_ISREG(st->st_mode);
	if (c->python.len && !strcmp(rel, "pyvenv.cfg"))
		return S_ISREG(st->st_mode);
	if (c->python.len && !strcmp(rel, "lib64") && S_ISLNK(st->st_mode)) {
		char t[8];
		ssize_t k = readlinkat(dfd, name, t, sizeof(t));
		return k == 3 && !memcmp(t, "lib", 3);
	}
	return 0;
}

static int walk(struct audit_ctx *c, int dfd, const char *rel, int depth, struct strbuf *err)
{
	char **names;
	size_t i;
	int r = 0, top_site = is_site_dir(c, rel);

	if (depth > AUDIT_MAX_DEPTH)
		return finding(c->rep, "unrecorded", rel, "nested deeper than %d directories",
		               AUDIT_MAX_DEPTH) < 0
		           ? error_set(err, BURROW_EFAIL, "out of memory")
		           : 0;
	if (!(names = list_dir(c, dfd, rel, err)))
		return BURROW_EFAIL;
	for (i = 0; names[i] && !r; i++) {
		struct strbuf path = STRBUF_INIT, a = STRBUF_INIT;
		const char *name = names[i];
		struct stat st;
		size_t n = strlen(name);

		if ((i & 255) == 255 && (r = interrupted(err)))
			break;
		strbuf_addf(&path, "%s%s%s", rel, *rel ? "/" : "", name);
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			strbuf_release(&path);
			continue; /* gone meanwhile */
		}
		/* as root, one file or directory deeper in the env that another
		 * user owns or can write is enough: the probe must not run as root */
		if (!c->foreign && geteuid() == 0 && !S_ISLNK(st.st_mode) && !trust_ours(&st)) {
			c->foreign = 1;
			if (finding(c->rep, "unsafe", path.buf,
			            "owned by uid %u, mode %04o: another user can change code "
			            "in this env; the interpreter probe runs as %s",
			            (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777),
			            AUDIT_PROBE_USER) < 0)
				r = error_set(err, BURROW_EFAIL, "out of memory");
		}
		if (S_ISDIR(st.st_mode)) {
			int sub =
			    openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0) {
				r = walk(c, sub, path.buf, depth + 1, err);
				close(sub);
			}
		} else if (!recorded(c, path.buf) && !own_file(c, path.buf, &st, dfd, name)) {
			const char *want = venv_link(c, path.buf);
			char target[PATH_MAX + 1];
			ssize_t k = S_ISLNK(st.st_mode)
			                ? readlinkat(dfd, name, target, sizeof(target) - 1)
			                : -1;
			int rc = 0;
			target[k < 0 ? 0 : k] = '\0';
			if (want && S_ISLNK(st.st_mode) && !strcmp(target, want))
				rc = 0; /* the venv's own link */
			else if (want)
				rc = S_ISLNK(st.st_mode)
				         ? finding(c->rep, "tampered", path.buf,
				                   "a symlink to %s, not to %s as the venv made it",
				                   esc(&a, target), want)
				         : finding(c->rep, "tampered", path.buf,
				                   "%s, not the venv's symlink to %s",
				                   type_name(st.st_mode), want);
			else if (top_site && n > 4 && !strcmp(name + n - 4, ".pth"))
				rc = finding(
				    c->rep, "stray-pth", path.buf,
				    "a .pth file no installed distribution owns (run at every "
				    "start of the interpreter)");
			else if (S_ISLNK(st.st_mode)) {
				rc = finding(c->rep, "unrecorded", path.buf, "a symlink to %s",
				             esc(&a, target));
			} else
				rc = finding(c->rep, "unrecorded", path.buf, "%s no bundle owns",
				             type_name(st.st_mode));
			if (rc < 0)
				r = error_set(err, BURROW_EFAIL, "out of memory");
		}
		strbuf_release(&path);
		strbuf_release(&a);
	}
	for (i = 0; names[i]; i++)
		free(names[i]);
	free(names);
	return r;
}

/* Finds lib/python*\/site-packages (whatever the interpreter: a broken env
 * is still scanned). */
static void find_site_dirs(struct audit_ctx *c)
{
	int lib = fs_open_dir(c->envfd, "lib", 0);
	DIR *d;
	struct dirent *de;

	if (lib < 0)
		return;
	if (!(d = fdopendir(lib))) {
		close(lib);
		return;
	}
	while ((de = readdir(d))) {
		struct strbuf p = STRBUF_INIT;
		int fd;
		if (strncmp(de->d_name, "python", 6))
			continue;
		strbuf_addf(&p, "lib/%s/site-packages", de->d_name);
		if ((fd = fs_open_dir(c->envfd, p.buf, 0)) >= 0) {
			close(fd);
			strbuf_addf(&c->site_dirs, "%s\n", p.buf);
		}
		strbuf_release(&p);
	}
	closedir(d);
}

/* Every file anywhere in the env that no bundle owns and burrow did not
 * write itself (a lib/libc.so.6 or .burrow/extra planted beside the
 * records is as live as one in bin/). */
static int check_unrecorded(struct audit_ctx *c, struct strbuf *err)
{
	return walk(c, c->envfd, "", 0, err);
}

/* The marker values of a native env: this machine, no Python (as
 * install's target does). */
static void native_markers(struct utsname *uts, struct pep508_env *env)
{
	memset(env, 0, sizeof(*env));
	uname(uts);
	env->os_name = "posix";
	env->sys_platform = "linux";
	env->platform_system = "Linux";
	env->platform_machine = uts->machine;
	env->platform_release = uts->release;
	env->platform_version = uts->version;
}

static int check_consistency(struct audit_ctx *c, struct strbuf *err)
{
	struct audit_dist *d = calloc(c->bundles.len ? c->bundles.len : 1, sizeof(*d));
	struct audit_unmet *u = NULL;
	struct pep508_env env;
	struct utsname uts;
	size_t nu = 0, i;
	int r;

	if (!d)
		return error_set(err, BURROW_EFAIL, "out of memory");
	if (c->have_py)
		env = c->py.markers;
	else
		native_markers(&uts, &env);
	for (i = 0; i < c->bundles.len; i++) {
		d[i].name = c->bundles.items[i].name;
		d[i].version = c->bundles.items[i].version;
		d[i].requires = c->bundles.items[i].requires;
	}
	r = audit_consistency(d, c->bundles.len, &env, &u, &nu, err);
	for (i = 0; i < nu && !r; i++) {
		const struct state_bundle *b = &c->bundles.items[u[i].dist];
		struct strbuf who = STRBUF_INIT, req = STRBUF_INIT;
		int rc;
		strbuf_addf(&who, "%s %s", b->name, b->version);
		esc(&req, u[i].requirement);
		if (u[i].dep == AUDIT_NO_DIST)
			rc = finding(c->rep, "inconsistent", who.buf,
			             "requires %s, which is not installed", req.buf);
		else
			rc = finding(c->rep, "inconsistent", who.buf,
			             "requires %s, but %s %s is installed", req.buf,
			             c->bundles.items[u[i].dep].name,
			             c->bundles.items[u[i].dep].version);
		if (rc < 0)
			r = error_set(err, BURROW_EFAIL, "out of memory");
		strbuf_release(&who);
		strbuf_release(&req);
	}
	audit_unmet_release(u, nu);
	free(d);
	return r;
}

/* ------------------------------------------------------------ the probe */

static const char probe_script[] =
    "import sys\n"
    "def _burrow_check():\n"
    "    import importlib.util, json\n"
    "    out = {'path': [str(p) for p in sys.path], 'modules': {}}\n"
    "    sys.path[:] = [p for p in sys.path if p != '']\n"
    "    for name in sys.argv[1:]:\n"
    "        try:\n"
    "            s = importlib.util.find_spec(name)\n"
    "        except BaseException as e:\n"
    "            out['modules'][name] = {'error': (type(e).__name__ + ': ' + str(e))[:300]}\n"
    "            continue\n"
    "        if s is None:\n"
    "            out['modules'][name] = None\n"
    "        else:\n"
    "            loc = s.submodule_search_locations\n"
    "            out['modules'][name] = {'origin': s.origin,\n"
    "                                    'locations': [str(x) for x in (loc or [])]}\n"
    "    with open(3, 'w', encoding='utf-8', errors='surrogateescape') as f:\n"
    "        json.dump(out, f)\n"
    "_burrow_check()\n";

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

extern char **environ;

/* The environment `run` gives, from the regenerated facts (never from a
 * .burrow/run another user may have edited). */
static int run_env(struct audit_ctx *c, struct strvec *envp, struct strbuf *err)
{
	if (!c->have_facts)
		return error_set(err, BURROW_EFAIL, "no run facts");
	return launch_build_env(&c->facts, c->root, environ, NULL, 0, NULL, 0, envp, err);
}

/* Runs ENV/bin/python as `run` would (its environment, argv[0] the path
 * inside ENV/bin), with -B (no .pyc written into the env) and the probe
 * script; the answer comes on fd 3, stdout and stderr are kept for a
 * message. */
static int probe_run(struct audit_ctx *c, char *const *names, struct strbuf *answer,
                     struct strbuf *err)
{
	struct strvec envp = {0}, argv = {0};
	struct strbuf prog = STRBUF_INIT, diag = STRBUF_INIT;
	int ans[2] = {-1, -1}, dg[2] = {-1, -1}, r, status = 0;
	long long deadline;
	pid_t pid;
	size_t i;

	struct launch_user nobody = {0};

	if ((r = run_env(c, &envp, err)))
		return r;
	/* env code never runs as root when another user can change it: the
	 * probe then runs as nobody, with the same start-up (.pth included) */
	if (c->foreign) {
		struct strvec as = {0};
		if ((r = launch_user_resolve(AUDIT_PROBE_USER, &nobody, err)) ||
		    (r = launch_user_environ(&nobody, envp.v, &as, err))) {
			strvec_release(&as);
			goto out;
		}
		strvec_release(&envp);
		envp = as;
	}
	strbuf_addf(&prog, "%s/bin/python", c->root);
	if (strvec_push(&argv, prog.buf) < 0 || strvec_push(&argv, "-B") < 0 ||
	    strvec_push(&argv, "-c") < 0 || strvec_push(&argv, probe_script) < 0) {
		r = error_set(err, BURROW_EFAIL, "out of memory");
		goto out;
	}
	for (i = 0; names[i]; i++)
		if (strvec_push(&argv, names[i]) < 0) {
			r = error_set(err, BURROW_EFAIL, "out of memory");
			goto out;
		}
	if (pipe2(ans, O_CLOEXEC) < 0 || pipe2(dg, O_CLOEXEC) < 0) {
		r = error_set(err, BURROW_EFAIL, "pipe: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		r = error_set(err, BURROW_EFAIL, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		/* Move the pipe ends out of the way first: 0-3 may be any of them. */
		int a = fcntl(ans[1], F_DUPFD_CLOEXEC, 10), g = fcntl(dg[1], F_DUPFD_CLOEXEC, 10);
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (a < 0 || g < 0 || nul < 0 || dup2(nul, 0) < 0 || dup2(g, 1) < 0 ||
		    dup2(g, 2) < 0 || dup2(a, 3) < 0 || chdir("/") < 0)
			_exit(127);
		if (c->foreign && launch_user_switch(&nobody, NULL))
			_exit(126);
		signals_reset();
		execve(prog.buf, argv.v, envp.v);
		_exit(127);
	}
	close(ans[1]);
	close(dg[1]);
	ans[1] = dg[1] = -1;
	deadline = now_ms() + AUDIT_PROBE_TIMEOUT_MS;
	while (ans[0] >= 0 || dg[0] >= 0) {
		struct pollfd pf[2];
		char buf[8192];
		int np = 0, k;
		long long left = deadline - now_ms();

		if ((r = signals_pending())) {
			error_set(err, r, "interrupted");
			break;
		}
		if (left <= 0) {
			r = error_set(err, BURROW_EFAIL, "%s: no answer within %d s", prog.buf,
			              AUDIT_PROBE_TIMEOUT_MS / 1000);
			break;
		}
		if (ans[0] >= 0)
			pf[np++] = (struct pollfd){.fd = ans[0], .events = POLLIN};
		if (dg[0] >= 0)
			pf[np++] = (struct pollfd){.fd = dg[0], .events = POLLIN};
		if (poll(pf, (nfds_t)np, left > 200 ? 200 : (int)left) < 0) {
			if (errno == EINTR)
				continue;
			r = error_set(err, BURROW_EFAIL, "poll: %s", strerror(errno));
			break;
		}
		for (k = 0; k < np && !r; k++) {
			ssize_t n;
			if (!pf[k].revents)
				continue;
			n = read(pf[k].fd, buf, sizeof(buf));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				close(pf[k].fd);
				if (pf[k].fd == ans[0])
					ans[0] = -1;
				else
					dg[0] = -1;
				continue;
			}
			if (pf[k].fd == ans[0]) {
				if (answer->len + (size_t)n > AUDIT_PROBE_MAX_OUTPUT ||
				    strbuf_add(answer, buf, (size_t)n) < 0)
					r = error_set(err, BURROW_EFAIL,
					              "%s: answer over %zu bytes", prog.buf,
					              AUDIT_PROBE_MAX_OUTPUT);
			} else if (diag.len < AUDIT_DIAG_MAX) {
				size_t room = AUDIT_DIAG_MAX - diag.len;
				strbuf_add(&diag, buf, (size_t)n < room ? (size_t)n : room);
			}
		}
		if (r)
			break;
	}
	if (r)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			status = 0;
			break;
		}
	if (!r && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		struct strbuf e = STRBUF_INIT;
		while (diag.len &&
		       (diag.buf[diag.len - 1] == '\n' || diag.buf[diag.len - 1] == ' '))
			strbuf_setlen(&diag, diag.len - 1);
		{
			/* The last line says most (a traceback's exception). */
			const char *last = strrchr(diag.buf, '\n');
			last = last ? last + 1 : diag.buf;
			strbuf_add_escaped(&e, last, strlen(last));
		}
		if (WIFEXITED(status))
			r = error_set(err, BURROW_EFAIL, "%s exited with status %d%s%s", prog.buf,
			              WEXITSTATUS(status), e.len ? ": " : "", e.buf);
		else
			r = error_set(err, BURROW_EFAIL, "%s killed by signal %d", prog.buf,
			              WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		strbuf_release(&e);
	}
out:
	for (i = 0; i < 2; i++) {
		if (ans[i] >= 0)
			close(ans[i]);
		if (dg[i] >= 0)
			close(dg[i]);
	}
	strvec_release(&envp);
	strvec_release(&argv);
	strbuf_release(&prog);
	strbuf_release(&diag);
	launch_user_release(&nobody);
	return r;
}

/* 1 when path (absolute) is root or beneath it, by components. */
static int beneath(const char *path, const char *root)
{
	size_t n = strlen(root);

	if (n == 1 && root[0] == '/')
		return 1;
	return !strncmp(path, root, n) && (path[n] == '\0' || path[n] == '/');
}

/* 1 when path is inside the env: lexically, or once its symlinks are
 * resolved (when it exists). */
static int inside_env(const struct audit_ctx *c, const char *path)
{
	struct strbuf norm = STRBUF_INIT;
	char real[PATH_MAX];
	int in;

	if (path[0] != '/')
		return 0;
	if (realpath(path, real))
		return beneath(real, c->root);
	elfdeps_normalize(path, &norm);
	in = beneath(norm.buf, c->root);
	strbuf_release(&norm);
	return in;
}

static int same_path(const char *a, const char *b)
{
	struct strbuf x = STRBUF_INIT, y = STRBUF_INIT;
	char ra[PATH_MAX], rb[PATH_MAX];
	int same;

	elfdeps_normalize(a, &x);
	elfdeps_normalize(b, &y);
	same = !strcmp(x.buf, y.buf) || (realpath(a, ra) && realpath(b, rb) && !strcmp(ra, rb));
	strbuf_release(&x);
	strbuf_release(&y);
	return same;
}

/* The base interpreter's stdlib entries: the only outside paths allowed. */
static int stdlib_entry(const struct audit_ctx *c, const char *p)
{
	size_t i;

	if (c->py.stdlib && same_path(p, c->py.stdlib))
		return 1;
	if (c->py.platstdlib && same_path(p, c->py.platstdlib))
		return 1;
	for (i = 0; c->py.stdlib_path && c->py.stdlib_path[i]; i++)
		if (same_path(p, c->py.stdlib_path[i]))
			return 1;
	return 0;
}

/* The distributions' top-level names, each with the distribution it is
 * from ("name\tDist-Version\n" lines, first distribution wins). */
static int collect_modules(struct audit_ctx *c, struct strbuf *names, struct strbuf *owners,
                           struct strbuf *err)
{
	size_t i;
	int r = 0;

	for (i = 0; i < c->files.len && !r; i++) {
		const char *path = c->files.items[i].path;
		const char *p = c->site_dirs.buf, *di;
		struct strbuf dir = STRBUF_INIT, top = STRBUF_INIT, rec = STRBUF_INIT,
		              mine = STRBUF_INIT, label = STRBUF_INIT, tl = STRBUF_INIT;
		size_t plen = strlen(path), slen = 0;
		int in_site = 0, have_top;

		if (plen < 18 || strcmp(path + plen - 17, ".dist-info/RECORD"))
			continue;
		while (*p && !in_site) {
			const char *nl = strchr(p, '\n');
			slen = (size_t)(nl - p);
			in_site = plen > slen && !strncmp(path, p, slen) && path[slen] == '/';
			p = nl + 1;
		}
		di = path + slen + 1;
		if (!in_site || strchr(di, '/') != path + plen - 7)
			continue;
		strbuf_add(&dir, path, plen - 7);
		strbuf_add(&label, di, (size_t)(path + plen - 17 - di));
		{
			char *dash = strchr(label.buf, '-');
			if (dash)
				*dash = ' ';
		}
		strbuf_addf(&tl, "%s/top_level.txt", dir.buf);
		have_top = recorded(c, tl.buf) &&
		           fs_read_file(c->envfd, tl.buf, AUDIT_MAX_META, &top) == 0;
		if (!have_top && fs_read_file(c->envfd, path, AUDIT_MAX_META, &rec) < 0) {
			strbuf_release(&dir);
			strbuf_release(&tl);
			strbuf_release(&label);
			continue; /* missing: an integrity finding already */
		}
		if (audit_top_level(have_top ? top.buf : NULL, top.len, have_top ? NULL : rec.buf,
		                    rec.len, &mine, err) == 0) {
			const char *q = mine.buf;
			while (*q) {
				const char *nl = strchr(q, '\n');
				size_t n = (size_t)(nl - q);
				if (!list_has(names, q, n) &&
				    count_lines(owners) < AUDIT_MAX_MODULES) {
					strbuf_add(names, q, n + 1);
					strbuf_addf(owners, "%s\n", label.buf);
				}
				q = nl + 1;
			}
		} else if (finding(c->rep, "broken", path, "%s", err->buf) < 0) {
			r = error_set(err, BURROW_EFAIL, "out of memory");
		}
		strbuf_reset(err);
		strbuf_release(&dir);
		strbuf_release(&top);
		strbuf_release(&rec);
		strbuf_release(&mine);
		strbuf_release(&label);
		strbuf_release(&tl);
	}
	return r;
}

/* The n-th line of a '\n'-terminated list. */
static const char *nth_line(const char *list, size_t k, size_t *len)
{
	while (k-- && list)
		list = strchr(list, '\n'), list = list ? list + 1 : NULL;
	*len = list ? strcspn(list, "\n") : 0;
	return list ? list : "";
}

static int check_python(struct audit_ctx *c, struct strbuf *err)
{
	struct strbuf names = STRBUF_INIT, owners = STRBUF_INIT, answer = STRBUF_INIT,
	              e = STRBUF_INIT, a = STRBUF_INIT;
	struct audit_probe probe = {0};
	char **argv = NULL;
	size_t n = 0, i, j;
	const char *p;
	int r;

	if ((r = collect_modules(c, &names, &owners, err)))
		goto out;
	for (p = names.buf; *p; p = strchr(p, '\n') + 1)
		n++;
	if (n > AUDIT_MAX_MODULES)
		n = AUDIT_MAX_MODULES;
	if (!(argv = calloc(n + 1, sizeof(char *)))) {
		r = error_set(err, BURROW_EFAIL, "out of memory");
		goto out;
	}
	for (i = 0, p = names.buf; i < n; i++) {
		size_t len = strcspn(p, "\n");
		if (!(argv[i] = strndup(p, len))) {
			r = error_set(err, BURROW_EFAIL, "out of memory");
			goto out;
		}
		p += len + 1;
	}
	c->rep->modules = n;
	r = probe_run(c, argv, &answer, &e);
	if (r == BURROW_EINT || r == BURROW_ETERM) {
		error_set(err, r, "%s", e.buf);
		goto out;
	}
	if (!r && (r = audit_probe_parse(answer.buf, answer.len, &probe, &e)))
		error_prefix(&e, r, "its answer");
	if (r) {
		r = finding(c->rep, "broken", "bin/python", "cannot probe the interpreter: %s",
		            e.buf) < 0
		        ? error_set(err, BURROW_EFAIL, "out of memory")
		        : 0;
		goto out;
	}
	for (i = 0; i < probe.npath && !r; i++) {
		const char *s = probe.sys_path[i];
		if (!*s || inside_env(c, s) || (s[0] == '/' && stdlib_entry(c, s)))
			continue;
		if (s[0] != '/')
			r = finding(c->rep, "leak", "sys.path",
			            "%s (relative to the working directory)", esc(&a, s));
		else
			r = finding(c->rep, "leak", "sys.path", "%s", esc(&a, s));
	}
	for (i = 0; i < probe.nmodules && !r; i++) {
		const struct audit_probe_module *m = &probe.modules[i];
		struct strbuf who = STRBUF_INIT, owner = STRBUF_INIT;
		size_t k, olen = 0;
		const char *o = NULL;

		for (k = 0; k < n && !o; k++)
			if (!strcmp(argv[k], m->name))
				o = nth_line(owners.buf, k, &olen);
		strbuf_addf(&who, "module %s", m->name);
		strbuf_add(&owner, o ? o : "?", o ? olen : 1);
		if (m->found && m->origin && m->origin[0] != '/')
			r = finding(c->rep, "leak", who.buf, "%s: the interpreter's own, not %s's",
			            esc(&a, m->origin), owner.buf);
		else if (m->found && m->origin && !inside_env(c, m->origin))
			r = finding(c->rep, "leak", who.buf, "%s (from %s)", esc(&a, m->origin),
			            owner.buf);
		for (j = 0; m->found && j < m->nlocations && !r; j++)
			if (!inside_env(c, m->locations[j]))
				r = finding(c->rep, "leak", who.buf, "%s (package path of %s)",
				            esc(&a, m->locations[j]), owner.buf);
		strbuf_release(&who);
		strbuf_release(&owner);
	}
	if (r < 0)
		r = error_set(err, BURROW_EFAIL, "out of memory");
out:
	for (i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
	audit_probe_release(&probe);
	strbuf_release(&names);
	strbuf_release(&owners);
	strbuf_release(&answer);
	strbuf_release(&e);
	strbuf_release(&a);
	return r;
}

/* ------------------------------------------------------------- native */

struct dirs_cache {
	int elf_class;
	unsigned machine;
	char **dirs;
	size_t n;
};

static int check_native(struct audit_ctx *c, struct strbuf *err)
{
	struct dirs_cache cache[4];
	struct strvec envp = {0};
	struct strbuf e = STRBUF_INIT, a = STRBUF_INIT, origin = STRBUF_INIT, rel = STRBUF_INIT;
	struct elfdeps_resolved res = {ELFDEPS_NOT_FOUND, STRBUF_INIT, 0};
	const char *ld_library_path = NULL, *p;
	struct utsname uts;
	size_t ncache = 0, i;
	int r = 0;

	if (!c->elf_paths.len)
		return 0;
	uname(&uts);
	if (run_env(c, &envp, &e) == 0)
		ld_library_path = launch_getenv(envp.v, "LD_LIBRARY_PATH");
	strbuf_reset(&e);
	for (p = c->elf_paths.buf; *p && !r;) {
		const char *nl = strchr(p, '\n');
		char *path = strndup(p, (size_t)(nl - p));
		const char *slash;
		struct elfdeps_info info;
		struct elfdeps_search s;
		int fd;

		p = nl + 1;
		if (!path) {
			r = error_set(err, BURROW_EFAIL, "out of memory");
			break;
		}
		if ((r = interrupted(err))) {
			free(path);
			break;
		}
		slash = strrchr(path, '/');
		strbuf_reset(&origin);
		strbuf_addstr(&origin, c->root);
		if (slash) {
			strbuf_addch(&origin, '/');
			strbuf_add(&origin, path, (size_t)(slash - path));
		}
		fd = fs_open_at(c->envfd, path, O_RDONLY | O_NONBLOCK);
		if (fd < 0) {
			free(path);
			continue; /* an integrity finding already */
		}
		c->rep->elf_files++;
		strbuf_reset(&e);
		if (elfdeps_read_fd(fd, &info, &e)) {
			close(fd);
			r = finding(c->rep, "broken", path, "not a loadable ELF file: %s", e.buf) <
			            0
			        ? error_set(err, BURROW_EFAIL, "out of memory")
			        : 0;
			free(path);
			continue;
		}
		close(fd);
		if (info.type != ET_EXEC && info.type != ET_DYN) {
			elfdeps_release(&info);
			free(path);
			continue;
		}
		memset(&s, 0, sizeof(s));
		s.ld_library_path = ld_library_path;
		if (info.elf_class == ELFCLASS64 && info.machine == EM_X86_64) {
			s.lib = "lib/x86_64-linux-gnu";
			s.platform = "x86_64";
		} else if (info.elf_class == ELFCLASS32 && info.machine == EM_386) {
			s.lib = "lib/i386-linux-gnu";
			s.platform = "i686";
		} else {
			s.lib = "lib";
			s.platform = uts.machine;
		}
		for (i = 0; i < ncache; i++)
			if (cache[i].elf_class == info.elf_class &&
			    cache[i].machine == info.machine)
				break;
		if (i == ncache && ncache < 4 &&
		    elfdeps_system_dirs(NULL, info.elf_class, info.machine, &cache[i].dirs,
		                        &cache[i].n, err) == 0) {
			cache[i].elf_class = info.elf_class;
			cache[i].machine = info.machine;
			ncache++;
		}
		if (i < ncache) {
			s.system_dirs = cache[i].dirs;
			s.nsystem = cache[i].n;
		}
		strbuf_reset(&rel);
		elfdeps_relative_elements(&info, origin.buf, &s, &rel);
		for (const char *q = rel.buf; *q && r >= 0;) {
			size_t len = strcspn(q, "\n");
			struct strbuf el = STRBUF_INIT;
			strbuf_add_escaped(&el, q, len);
			r = finding(c->rep, "native-leak", path,
			            "%s element \"%s\" is relative to the working directory",
			            info.runpath ? "RUNPATH" : "RPATH", el.buf);
			strbuf_release(&el);
			q += len + 1;
		}
		for (i = 0; i < info.nneeded && r >= 0 && !r; i++) {
			const char *name = info.needed[i];
			if ((r = elfdeps_resolve(&info, origin.buf, name, &s, &res, err)))
				break;
			if (res.via == ELFDEPS_NOT_FOUND)
				r = finding(c->rep, "native-missing", path, "%s: not found",
				            esc(&a, name));
			else if (res.relative)
				r = finding(
				    c->rep, "native-leak", path,
				    "%s: a relative path, opened against the working directory",
				    esc(&a, name));
			else if (!inside_env(c, res.path.buf) && !elfdeps_is_glibc(name)) {
				struct strbuf where = STRBUF_INIT;
				esc(&where, res.path.buf);
				r = finding(c->rep, "native-leak", path, "%s -> %s", esc(&a, name),
				            where.buf);
				strbuf_release(&where);
			}
		}
		if (r < 0)
			r = error_set(err, BURROW_EFAIL, "out of memory");
		elfdeps_release(&info);
		free(path);
	}
	for (i = 0; i < ncache; i++)
		elfdeps_dirs_free(cache[i].dirs);
	strvec_release(&envp);
	strbuf_release(&e);
	strbuf_release(&a);
	strbuf_release(&origin);
	strbuf_release(&rel);
	strbuf_release(&res.path);
	return r;
}

/* ---------------------------------------------------------- the records */

/* Regenerates the run facts from .burrow/manifest.toml (a requirements
 * file or a lock has no [run] table: the defaults) and compares them with
 * .burrow/run, byte for byte: a line appended there (env LD_PRELOAD=...,
 * path /tmp/x) is a finding. */
static int check_run_facts(struct audit_ctx *c, struct strbuf *err)
{
	struct strbuf raw = STRBUF_INIT, want = STRBUF_INIT, have = STRBUF_INIT, e = STRBUF_INIT;
	struct manifest m;
	int r = 0, rc = 0;

	manifest_init(&m);
	if (fs_read_file(c->envfd, ".burrow/manifest.toml", 16 << 20, &raw) < 0 ||
	    manifest_parse(raw.buf, raw.len, ".burrow/manifest.toml", c->root, &m, &e) != 0) {
		manifest_release(&m);
		manifest_init(&m);
	}
	if (launch_facts_write(&m, c->python.len > 0, &want) < 0 ||
	    launch_facts_parse(want.buf, want.len, &c->facts, &e) != 0) {
		r = error_set(err, BURROW_EFAIL, "%s: run facts: %s", c->env_path, e.buf);
		goto out;
	}
	c->have_facts = 1;
	if (!(c->checks & AUDIT_INTEGRITY))
		goto out;
	if (fs_read_file(c->envfd, ".burrow/run", 1 << 20, &have) < 0)
		rc = finding(c->rep, errno == ENOENT ? "missing" : "tampered", ".burrow/run", "%s",
		             strerror(errno));
	else if (have.len != want.len || memcmp(have.buf, want.buf, want.len)) {
		/* name the first line that differs */
		size_t i = 0, line = 1, n;
		struct strbuf a = STRBUF_INIT;
		while (i < have.len && i < want.len && have.buf[i] == want.buf[i])
			if (have.buf[i++] == '\n')
				line++;
		while (i > 0 && have.buf[i - 1] != '\n')
			i--;
		n = i < have.len ? strcspn(have.buf + i, "\n") : 0;
		strbuf_add_escaped(&a, have.buf + i, n > 200 ? 200 : n);
		rc = finding(c->rep, "tampered", ".burrow/run",
		             "differs from what .burrow/manifest.toml gives, at line %zu (%s)",
		             line, i < have.len ? a.buf : "a line is missing");
		strbuf_release(&a);
	}
	if (rc < 0)
		r = error_set(err, BURROW_EFAIL, "out of memory");
out:
	manifest_release(&m);
	strbuf_release(&raw);
	strbuf_release(&want);
	strbuf_release(&have);
	strbuf_release(&e);
	return r;
}

/* pyvenv.cfg is written by burrow, not recorded: its home must be the
 * base interpreter's folder, system site-packages off, and no key beyond
 * what python_venv_write writes (a home elsewhere moves the stdlib). */
static int check_pyvenv(struct audit_ctx *c, struct strbuf *err)
{
	static const char *const keys[] = {"home", "include-system-site-packages", "version",
	                                   "executable", "command"};
	struct strbuf cfg = STRBUF_INIT, home = STRBUF_INIT, a = STRBUF_INIT;
	const char *p, *slash = strrchr(c->python.buf, '/');
	int rc = 0, saw_home = 0, saw_isp = 0;
	size_t i;

	if (!c->python.len || !(c->checks & AUDIT_INTEGRITY))
		return 0;
	strbuf_add(&home, c->python.buf,
	           slash && slash != c->python.buf ? (size_t)(slash - c->python.buf) : 1);
	if (fs_read_file(c->envfd, "pyvenv.cfg", 1 << 16, &cfg) < 0) {
		rc = finding(c->rep, errno == ENOENT ? "missing" : "tampered", "pyvenv.cfg", "%s",
		             strerror(errno));
		goto out;
	}
	for (p = cfg.buf; *p && !rc; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] ? 1 : 0)) {
		size_t n = strcspn(p, "\n"), k = strcspn(p, " =\n");
		const char *eq = memchr(p, '=', n), *v;
		size_t vlen;
		int known = 0;

		if (!n)
			continue;
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			known |= k == strlen(keys[i]) && !strncmp(p, keys[i], k);
		v = eq ? eq + 1 + (eq[1] == ' ') : p + n;
		vlen = (size_t)(p + n - v);
		strbuf_reset(&a);
		strbuf_add_escaped(&a, p, n > 200 ? 200 : n);
		if (!known || !eq)
			rc = finding(c->rep, "tampered", "pyvenv.cfg",
			             "a line venv does not write: %s", a.buf);
		else if (k == 4 && !strncmp(p, "home", 4))
			rc = (saw_home = vlen == home.len && !memcmp(v, home.buf, vlen))
			         ? 0
			         : finding(c->rep, "tampered", "pyvenv.cfg",
			                   "%s, not the base interpreter's folder %s", a.buf,
			                   home.buf);
		else if (k == 28 && (saw_isp = vlen == 5 && !memcmp(v, "false", 5)) == 0)
			rc = finding(c->rep, "tampered", "pyvenv.cfg",
			             "%s: the system site-packages "
			             "would join sys.path",
			             a.buf);
	}
	if (!rc && !saw_home)
		rc = finding(c->rep, "tampered", "pyvenv.cfg", "no home = %s", home.buf);
	else if (!rc && !saw_isp)
		rc = finding(c->rep, "tampered", "pyvenv.cfg",
		             "no include-system-site-packages = false");
out:
	strbuf_release(&cfg);
	strbuf_release(&home);
	strbuf_release(&a);
	return rc < 0 ? error_set(err, BURROW_EFAIL, "out of memory") : 0;
}

/* ---------------------------------------------------------------- main */

static int load_python(struct audit_ctx *c, struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT, e = STRBUF_INIT;
	int r;

	r = python_find(NULL, c->python.buf, LAUNCH_DEFAULT_PATH, &path, &e);
	if (!r)
		r = python_query(NULL, path.buf, &c->py, &e);
	if (r == BURROW_EINT || r == BURROW_ETERM)
		error_set(err, r, "interrupted");
	else if (r)
		r = finding(c->rep, "broken", "bin/python",
		            "base interpreter %s: %s (consistency and sys.path not checked)",
		            c->python.buf, e.buf) < 0
		        ? error_set(err, BURROW_EFAIL, "out of memory")
		        : 0;
	else
		c->have_py = 1;
	strbuf_release(&path);
	strbuf_release(&e);
	return r;
}

int audit_run(const char *env_path, unsigned checks, struct audit_report *out, struct strbuf *err)
{
	struct audit_ctx c;
	struct sqlite3 *db = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.env_path = env_path;
	c.checks = checks;
	c.rep = out;
	c.envfd = -1;
	strbuf_init(&c.python, 0);
	strbuf_init(&c.site_dirs, 0);
	strbuf_init(&c.elf_paths, 0);
	if (!realpath(env_path, c.root))
		return errno == ENOENT
		           ? error_set(err, BURROW_EFAIL, ENVDIR_NO_SUCH_ENV, env_path)
		           : error_set(err, BURROW_EFAIL, "%s: %s", env_path, strerror(errno));
	c.envfd = open(c.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c.envfd < 0)
		return error_set(err, BURROW_EFAIL, "%s: %s", env_path, strerror(errno));
	if (faccessat(c.envfd, ".burrow/state.db", F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
		r = error_set(err, BURROW_EFAIL, "%s: not a burrow env (no .burrow/state.db)",
		              env_path);
		goto out;
	}
	if ((r = state_open(c.envfd, &db, err))) {
		error_prefix(err, r, "%s: not a burrow env", env_path);
		goto out;
	}
	if ((r = state_bundles(db, &c.bundles, err)) || (r = state_files(db, &c.files, err))) {
		error_prefix(err, r, "%s", env_path);
		goto out;
	}
	state_get_meta(db, "python", &c.python);
	state_close(db);
	db = NULL;
	if (geteuid() == 0) {
		struct strbuf who = STRBUF_INIT;
		if ((c.foreign = trust_env_foreign(c.envfd, &who)) &&
		    finding(out, "unsafe", who.buf,
		            "another user can change this env's code and records: the findings "
		            "below are against records they could rewrite, the interpreter "
		            "probe runs as %s, and root's install refuses the env (chown -R "
		            "root: and chmod -R go-w to take it back)",
		            AUDIT_PROBE_USER) < 0) {
			strbuf_release(&who);
			r = error_set(err, BURROW_EFAIL, "out of memory");
			goto out;
		}
		strbuf_release(&who);
	}
	if ((r = check_run_facts(&c, err)) || (r = check_pyvenv(&c, err)))
		goto out;
	qsort(c.files.items, c.files.len, sizeof(c.files.items[0]), cmp_entry);
	out->files = c.files.len;
	out->bundles = c.bundles.len;
	out->python = c.python.len > 0;
	find_site_dirs(&c);
	if (c.python.len && (checks & (AUDIT_CONSISTENCY | AUDIT_PYTHON)) &&
	    (r = load_python(&c, err)))
		goto out;
	if ((checks & (AUDIT_INTEGRITY | AUDIT_NATIVE)) && (r = check_files(&c, err)))
		goto out;
	if ((checks & AUDIT_INTEGRITY) && (r = check_unrecorded(&c, err)))
		goto out;
	if ((checks & AUDIT_CONSISTENCY) && (!c.python.len || c.have_py) &&
	    (r = check_consistency(&c, err)))
		goto out;
	if ((checks & AUDIT_PYTHON) && c.have_py && (r = check_python(&c, err)))
		goto out;
	if ((checks & AUDIT_NATIVE) && (r = check_native(&c, err)))
		goto out;
out:
	state_close(db);
	if (c.envfd >= 0)
		close(c.envfd);
	tree_list_release(&c.files);
	state_bundles_release(&c.bundles);
	python_info_release(&c.py);
	strbuf_release(&c.python);
	strbuf_release(&c.site_dirs);
	strbuf_release(&c.elf_paths);
	launch_facts_release(&c.facts);
	return r;
}
