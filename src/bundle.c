/*
 * bundle: native bundles (see bundle.h): checking an unpacked bundle tree
 * against its bundle-info, whether a platform tag fits this machine, and
 * `pack`, which makes a reproducible bundle from a prefix tree.
 *
 * Verification trusts nothing in the archive: the tree was made by
 * unpack_tar (which computed each file's sha256 while writing it), and
 * every file and symlink must be pinned by a RECORD row and every row must
 * name something that exists.  Pack refuses what unpack would refuse, so a
 * packed bundle always unpacks.
 */
#include "bundle.h"

#include "metadata.h"
#include "pathpolicy.h"
#include "pep440.h"
#include "record.h"
#include "unpack.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "util/signals.h"
#include "util/utf8.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

#define INFO_SUFFIX ".bundle-info"
#define METADATA_MAX ((size_t)1 << 20)
#define RECORD_MAX ((size_t)64 << 20)

void bundle_info_release(struct bundle_info *bi)
{
	size_t i;

	free(bi->name);
	free(bi->version);
	free(bi->summary);
	for (i = 0; i < bi->nrequires; i++)
		free(bi->requires[i]);
	free(bi->requires);
	memset(bi, 0, sizeof(*bi));
}

/* PEP 503: lower case, runs of [-_.] become one '-'.  out gets the result. */
static int normalize_name(const char *s, struct strbuf *out)
{
	int run = 0;

	strbuf_reset(out);
	for (; *s; s++) {
		char c = *s;
		if (c == '-' || c == '_' || c == '.') {
			run = 1;
			continue;
		}
		if (run && strbuf_addch(out, '-') < 0)
			return -1;
		run = 0;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (strbuf_addch(out, c) < 0)
			return -1;
	}
	if (run && strbuf_addch(out, '-') < 0)
		return -1;
	return 0;
}

static int ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);
	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/* `LABEL: entry "PATH": ` then fmt, or `LABEL: ` then fmt without a path. */
__attribute__((format(printf, 5, 6))) static int
vfail(struct strbuf *err, int code, const char *label, const char *path, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	strbuf_reset(err);
	strbuf_add_escaped(err, label, strlen(label));
	if (path) {
		strbuf_addstr(err, ": entry \"");
		strbuf_add_escaped(err, path, strlen(path));
		strbuf_addstr(err, "\": ");
	} else {
		strbuf_addstr(err, ": ");
	}
	va_start(ap, fmt);
	strbuf_vaddf(err, fmt, ap);
	va_end(ap);
	return code;
}

/* Hashes the regular file path beneath dirfd without following symlinks. */
static int hash_tree_file(int dirfd, const char *path, unsigned char out[SHA256_LEN],
                          uint64_t *size)
{
	int fd = fs_open_regular(dirfd, path, NULL), r, e;

	if (fd < 0)
		return -1;
	r = sha256_fd(fd, out, size);
	e = errno;
	close(fd);
	errno = e;
	return r;
}

struct requires_acc {
	struct bundle_info *info;
	size_t alloc;
};

static int add_require(const char *value, void *arg)
{
	struct requires_acc *acc = arg;
	struct bundle_info *bi = acc->info;

	if (bi->nrequires == acc->alloc) {
		size_t n = acc->alloc ? acc->alloc * 2 : 8;
		char **p = realloc(bi->requires, n * sizeof(*p));
		if (!p)
			return -1;
		bi->requires = p;
		acc->alloc = n;
	}
	if (!(bi->requires[bi->nrequires] = strdup(value)))
		return -1;
	bi->nrequires++;
	return 0;
}

static const struct tree_entry *find_entry(const struct tree_list *entries, const char *path)
{
	size_t i;

	for (i = 0; i < entries->len; i++)
		if (strcmp(entries->items[i].path, path) == 0)
			return &entries->items[i];
	return NULL;
}

/* Reads a bundle-info file that the entries list says is a regular file. */
static int read_info_file(int dirfd, const struct tree_list *entries, const char *label,
                          const char *path, size_t max, struct strbuf *out, struct strbuf *err)
{
	const struct tree_entry *e = find_entry(entries, path);

	if (!e)
		return vfail(err, BURROW_EINTEGRITY, label, path, "missing");
	if (e->type != TREE_FILE)
		return vfail(err, BURROW_EINTEGRITY, label, path, "not a regular file");
	if (fs_read_file(dirfd, path, max, out) < 0) {
		if (errno == EFBIG)
			return vfail(err, BURROW_EINTEGRITY, label, path, "larger than %zu bytes",
			             max);
		return vfail(err, BURROW_EFAIL, label, path, "cannot read: %s", strerror(errno));
	}
	return 0;
}

static int check_bundle_version(const char *v)
{
	/* "1" or "1.<anything>" */
	return v[0] == '1' && (v[1] == '\0' || v[1] == '.');
}

static int verify_rows(int tree_dirfd, const struct tree_list *entries, const char *label,
                       const char *record_path, struct record *rec, struct strbuf *err)
{
	unsigned char *seen = calloc(rec->len ? rec->len : 1, 1);
	size_t i;
	int r = 0;

	if (!seen)
		return vfail(err, BURROW_EFAIL, label, NULL, "out of memory");
	for (i = 0; i < entries->len && !r; i++) {
		const struct tree_entry *e = &entries->items[i];
		const struct record_entry *row;
		unsigned char digest[SHA256_LEN];
		char have[SHA256_HEX_LEN + 1], want[SHA256_HEX_LEN + 1];
		uint64_t size;

		if (e->type == TREE_DIR || strcmp(e->path, record_path) == 0)
			continue;
		row = record_find(rec, e->path);
		if (!row) {
			r = vfail(err, BURROW_EINTEGRITY, label, e->path, "not listed in RECORD");
			break;
		}
		seen[row - rec->items] = 1;
		if (!row->has_hash) {
			r = vfail(err, BURROW_EINTEGRITY, label, e->path, "RECORD:%d: no sha256",
			          row->line);
			break;
		}
		if (e->type == TREE_SYMLINK) {
			const char *t = e->link_target ? e->link_target : "";
			size = strlen(t);
			if (sha256_buffer_hex(t, size, have) < 0) {
				r = vfail(err, BURROW_EFAIL, label, e->path, "sha256 failed");
				break;
			}
		} else if (e->sha256[0]) {
			size = e->size;
			memcpy(have, e->sha256, sizeof(have));
		} else {
			if (hash_tree_file(tree_dirfd, e->path, digest, &size) < 0) {
				r = vfail(err, BURROW_EFAIL, label, e->path, "cannot read: %s",
				          strerror(errno));
				break;
			}
			sha256_to_hex(digest, have);
		}
		if (row->size >= 0 && (uint64_t)row->size != size) {
			r = vfail(err, BURROW_EINTEGRITY, label, e->path,
			          "size mismatch (RECORD:%d says %lld, %s has %llu)", row->line,
			          (long long)row->size, e->type == TREE_SYMLINK ? "link" : "file",
			          (unsigned long long)size);
			break;
		}
		sha256_to_hex(row->sha256, want);
		if (strcmp(have, want) != 0) {
			r = vfail(err, BURROW_EINTEGRITY, label, e->path,
			          "sha256 mismatch (RECORD:%d says %s, %s has %s)", row->line, want,
			          e->type == TREE_SYMLINK ? "link" : "file", have);
			break;
		}
	}
	for (i = 0; i < rec->len && !r; i++) {
		if (seen[i] || strcmp(rec->items[i].path, record_path) == 0)
			continue;
		r = vfail(err, BURROW_EINTEGRITY, label, rec->items[i].path,
		          "listed in RECORD:%d but not in the archive", rec->items[i].line);
	}
	free(seen);
	return r;
}

int bundle_verify(int tree_dirfd, const struct tree_list *entries, const char *label,
                  struct bundle_info *info, struct strbuf *err)
{
	struct strbuf data = STRBUF_INIT, a = STRBUF_INIT, b = STRBUF_INIT, path = STRBUF_INIT;
	struct metadata md;
	struct record rec;
	struct requires_acc acc;
	const char *infodir = NULL, *dash, *name, *version, *bv, *summary;
	size_t i, ilen = 0, blen;
	int r;

	memset(info, 0, sizeof(*info));
	memset(&md, 0, sizeof(md));
	memset(&rec, 0, sizeof(rec));
	if (!label)
		label = "bundle";

	/* exactly one top-level *.bundle-info */
	for (i = 0; i < entries->len; i++) {
		const char *p = entries->items[i].path, *s = strchr(p, '/');
		size_t n = s ? (size_t)(s - p) : strlen(p);
		if (!ends_with(p, n, INFO_SUFFIX))
			continue;
		if (!infodir) {
			infodir = p;
			ilen = n;
		} else if (n != ilen || memcmp(p, infodir, n) != 0) {
			r = vfail(err, BURROW_EINTEGRITY, label, NULL,
			          "more than one " INFO_SUFFIX " directory (\"%.*s\" and \"%.*s\")",
			          (int)ilen, infodir, (int)n, p);
			goto out;
		}
	}
	if (!infodir) {
		r = vfail(err, BURROW_EINTEGRITY, label, NULL, "no *" INFO_SUFFIX " directory");
		goto out;
	}
	strbuf_add(&path, infodir, ilen);
	{
		const struct tree_entry *d = find_entry(entries, path.buf);
		if (!d || d->type != TREE_DIR) {
			r = vfail(err, BURROW_EINTEGRITY, label, path.buf, "not a directory");
			goto out;
		}
	}
	/* NAME-VERSION.bundle-info */
	blen = ilen - strlen(INFO_SUFFIX);
	dash = memchr(infodir, '-', blen);
	if (!dash || memchr(dash + 1, '-', blen - (size_t)(dash + 1 - infodir)) ||
	    dash == infodir || (size_t)(dash + 1 - infodir) == blen) {
		r = vfail(err, BURROW_EINTEGRITY, label, path.buf,
		          "not named NAME-VERSION" INFO_SUFFIX);
		goto out;
	}

	strbuf_addstr(&path, "/METADATA");
	if ((r = read_info_file(tree_dirfd, entries, label, path.buf, METADATA_MAX, &data, err)))
		goto out;
	if ((r = metadata_parse(data.buf, data.len, &md, err))) {
		error_prefix(err, r, "%s: %s", label, path.buf);
		goto out;
	}
	name = metadata_get(&md, "Name");
	version = metadata_get(&md, "Version");
	bv = metadata_get(&md, "Bundle-Version");
	summary = metadata_get(&md, "Summary");
	if (!name || !*name || !version || !*version) {
		r = vfail(err, BURROW_EINTEGRITY, label, path.buf, "no %s field",
		          (!name || !*name) ? "Name" : "Version");
		goto out;
	}
	if (bv && !check_bundle_version(bv)) {
		r = vfail(err, BURROW_EINTEGRITY, label, path.buf, "unsupported Bundle-Version \"");
		if (err) {
			strbuf_add_escaped(err, bv, strlen(bv));
			strbuf_addch(err, '"');
		}
		goto out;
	}
	/* the folder name against METADATA */
	{
		struct strbuf dn = STRBUF_INIT;
		size_t vlen = ilen - strlen(INFO_SUFFIX) - (size_t)(dash + 1 - infodir);
		strbuf_add(&dn, infodir, (size_t)(dash - infodir));
		if (normalize_name(dn.buf, &a) < 0 || normalize_name(name, &b) < 0 ||
		    strcmp(a.buf, b.buf) != 0 || strlen(version) != vlen ||
		    memcmp(version, dash + 1, vlen) != 0) {
			strbuf_release(&dn);
			r = vfail(err, BURROW_EINTEGRITY, label, NULL,
			          "\"%.*s\" does not match METADATA Name \"%s\" Version \"%s\"",
			          (int)ilen, infodir, name, version);
			if (err) { /* the values are hostile: re-escape them */
				strbuf_reset(err);
				strbuf_add_escaped(err, label, strlen(label));
				strbuf_addstr(err, ": \"");
				strbuf_add_escaped(err, infodir, ilen);
				strbuf_addstr(err, "\" does not match METADATA Name \"");
				strbuf_add_escaped(err, name, strlen(name));
				strbuf_addstr(err, "\" Version \"");
				strbuf_add_escaped(err, version, strlen(version));
				strbuf_addstr(err, "\"");
			}
			goto out;
		}
		strbuf_release(&dn);
	}

	strbuf_setlen(&path, ilen);
	strbuf_addstr(&path, "/RECORD");
	strbuf_reset(&data);
	if ((r = read_info_file(tree_dirfd, entries, label, path.buf, RECORD_MAX, &data, err)))
		goto out;
	if ((r = record_parse(data.buf, data.len, &rec, err))) {
		error_prefix(err, r, "%s: %.*s", label, (int)ilen, infodir);
		goto out;
	}
	record_sort(&rec);
	if ((r = verify_rows(tree_dirfd, entries, label, path.buf, &rec, err)))
		goto out;

	info->name = strdup(name);
	info->version = strdup(version);
	info->summary = summary ? strdup(summary) : NULL;
	acc.info = info;
	acc.alloc = 0;
	if (!info->name || !info->version || (summary && !info->summary) ||
	    metadata_each(&md, "Requires", add_require, &acc)) {
		r = vfail(err, BURROW_EFAIL, label, NULL, "out of memory");
		goto out;
	}
	r = 0;
out:
	if (r)
		bundle_info_release(info);
	metadata_release(&md);
	record_release(&rec);
	strbuf_release(&data);
	strbuf_release(&a);
	strbuf_release(&b);
	strbuf_release(&path);
	return r;
}

/* ---- platform tags ---- */

static pthread_once_t platform_once = PTHREAD_ONCE_INIT;
static char machine_arch[65];
static char default_platform[80];

static void platform_init(void)
{
	struct utsname u;

	if (uname(&u) == 0)
		snprintf(machine_arch, sizeof(machine_arch), "%s", u.machine);
	else
		snprintf(machine_arch, sizeof(machine_arch), "unknown");
	snprintf(default_platform, sizeof(default_platform), "linux_%s", machine_arch);
}

const char *bundle_default_platform(void)
{
	pthread_once(&platform_once, platform_init);
	return default_platform;
}

/* Parses "X_Y_" at s into *x, *y; returns the rest or NULL. */
static const char *parse_xy(const char *s, int *x, int *y)
{
	char *end;
	long a, b;

	if (*s < '0' || *s > '9')
		return NULL;
	a = strtol(s, &end, 10);
	if (*end != '_' || a > 1000 || end[1] < '0' || end[1] > '9')
		return NULL;
	b = strtol(end + 1, &end, 10);
	if (*end != '_' || b > 1000)
		return NULL;
	*x = (int)a;
	*y = (int)b;
	return end + 1;
}

static int libc_at_least(int x, int y, int musl)
{
#ifdef __GLIBC__
	const char *v = gnu_get_libc_version();
	int gx = 0, gy = 0;

	if (musl || sscanf(v, "%d.%d", &gx, &gy) != 2)
		return 0;
	return gx > x || (gx == x && gy >= y);
#else
	(void)x;
	(void)y;
	(void)musl;
	return 0; /* no portable way to learn musl's version: refuse */
#endif
}

int bundle_platform_ok(const char *platform, int *rank)
{
	static const struct {
		const char *prefix;
		int x, y;
	} legacy[] = {{"manylinux1_", 2, 5}, {"manylinux2010_", 2, 12}, {"manylinux2014_", 2, 17}};
	const char *arch = NULL;
	int x = 0, y = 0, musl = 0, rk;
	size_t i;

	pthread_once(&platform_once, platform_init);
	if (strcmp(platform, "any") == 0) {
		rk = 300000;
		goto ok;
	}
	if (strncmp(platform, "linux_", 6) == 0) {
		if (strcmp(platform + 6, machine_arch) != 0)
			return 0;
		rk = 200000;
		goto ok;
	}
	for (i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++) {
		size_t n = strlen(legacy[i].prefix);
		if (strncmp(platform, legacy[i].prefix, n) == 0) {
			arch = platform + n;
			x = legacy[i].x;
			y = legacy[i].y;
		}
	}
	if (!arch && strncmp(platform, "manylinux_", 10) == 0)
		arch = parse_xy(platform + 10, &x, &y);
	else if (!arch && strncmp(platform, "musllinux_", 10) == 0) {
		arch = parse_xy(platform + 10, &x, &y);
		musl = 1;
	}
	if (!arch || strcmp(arch, machine_arch) != 0 || !libc_at_least(x, y, musl))
		return 0;
	rk = 100000 - (x * 1000 + y);
	if (rk < 1)
		rk = 1;
ok:
	if (rank)
		*rank = rk;
	return 1;
}

/* ---- pack ---- */

struct packer {
	int srcfd;
	struct tree_list list;
	struct strbuf *warnings, *err;
	uint64_t max_entries;
};

static int valid_project_name(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 200)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		int alnum =
		    (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && !((c == '-' || c == '_' || c == '.') && i > 0 && i < n - 1))
			return 0;
	}
	return 1;
}

/* A PEP 440 version (what `index`, the resolver and pins compare) made of
 * characters that are safe in a file name. */
static int valid_version(const char *s)
{
	struct pep440_version v;
	size_t n = strlen(s), i;

	if (n == 0 || n > 100)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '+' || c == '!' || c == '_'))
			return 0;
	}
	return pep440_parse(s, &v) == 0;
}

static int valid_platform(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* Collects the tree beneath dirfd (named rel, "" for the top). */
static int walk(struct packer *p, int dirfd, const char *rel, int depth)
{
	DIR *d;
	struct dirent *de;
	int dupfd, r = 0;

	if (depth > PATH_POLICY_MAX_DEPTH)
		return error_set(p->err, BURROW_EINTEGRITY, "%s: more than %d levels", rel,
		                 PATH_POLICY_MAX_DEPTH);
	dupfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dupfd < 0 || !(d = fdopendir(dupfd))) {
		if (dupfd >= 0)
			close(dupfd);
		return error_set(p->err, BURROW_EFAIL, "%s: cannot read directory: %s",
		                 *rel ? rel : ".", strerror(errno));
	}
	while (!r && (errno = 0, de = readdir(d))) {
		char path[PATH_POLICY_MAX_TOTAL + 2];
		struct stat st;
		size_t n = strlen(de->d_name);

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((r = signals_pending()))
			break;
		if (fs_path_join(path, sizeof(path), rel, de->d_name) < 0) {
			r = error_set(p->err, BURROW_EINTEGRITY, "%s/%s: path too long", rel,
			              de->d_name);
			break;
		}
		if ((r = path_policy_check(path, strlen(path), p->err)))
			break;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = error_set(p->err, BURROW_EFAIL, "%s: %s", path, strerror(errno));
			break;
		}
		if (!*rel && ends_with(de->d_name, n, INFO_SUFFIX)) {
			r = error_set(p->err, BURROW_EUSAGE,
			              "%s: the tree already holds a *" INFO_SUFFIX " entry", path);
			break;
		}
		if (p->list.len >= p->max_entries) {
			r = error_set(p->err, BURROW_EINTEGRITY, "more than %llu entries",
			              (unsigned long long)p->max_entries);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			int sub;
			if (!tree_list_add(&p->list, path, TREE_DIR, 0755, 0, NULL, NULL))
				goto nomem;
			sub = openat(dirfd, de->d_name,
			             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				r = error_set(p->err, BURROW_EFAIL, "%s: %s", path,
				              strerror(errno));
				break;
			}
			r = walk(p, sub, path, depth + 1);
			close(sub);
		} else if (S_ISREG(st.st_mode)) {
			if (!tree_list_add(&p->list, path, TREE_FILE,
			                   (st.st_mode & 0111) ? 0755 : 0644, (uint64_t)st.st_size,
			                   NULL, NULL))
				goto nomem;
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_POLICY_MAX_TOTAL + 2];
			ssize_t k = readlinkat(dirfd, de->d_name, target, sizeof(target) - 1);
			if (k < 0) {
				r = error_set(p->err, BURROW_EFAIL, "%s: %s", path,
				              strerror(errno));
				break;
			}
			if ((size_t)k >= sizeof(target) - 1) {
				r = error_set(p->err, BURROW_EINTEGRITY,
				              "%s: symlink target longer than 4096 bytes", path);
				break;
			}
			target[k] = '\0';
			if ((r = path_policy_link_ok(path, target, p->err)))
				break;
			if (!tree_list_add(&p->list, path, TREE_SYMLINK, 0777, 0, NULL, target))
				goto nomem;
		} else {
			r = error_set(p->err, BURROW_EINTEGRITY,
			              "%s: not a regular file, directory or symlink", path);
		}
	}
	if (!r && errno)
		r = error_set(p->err, BURROW_EFAIL, "%s: cannot read directory: %s",
		              *rel ? rel : ".", strerror(errno));
	closedir(d);
	return r;
nomem:
	closedir(d);
	return error_set(p->err, BURROW_EFAIL, "out of memory");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names unpack would refuse as case-folded duplicates. */
static int check_case_aliases(struct packer *p)
{
	struct strbuf k = STRBUF_INIT;
	char **keys = calloc(p->list.len ? p->list.len : 1, sizeof(*keys));
	size_t i;
	int r = 0;

	if (!keys)
		return error_set(p->err, BURROW_EFAIL, "out of memory");
	for (i = 0; i < p->list.len && !r; i++) {
		const char *path = p->list.items[i].path;
		if (path_policy_key(path, strlen(path), &k) < 0 || !(keys[i] = strdup(k.buf)))
			r = error_set(p->err, BURROW_EFAIL, "out of memory");
	}
	if (!r && p->list.len > 1) {
		qsort(keys, p->list.len, sizeof(*keys), cmp_str);
		for (i = 1; i < p->list.len; i++)
			if (strcmp(keys[i - 1], keys[i]) == 0) {
				r = error_set(p->err, BURROW_EINTEGRITY,
				              "two names differ only in case (\"%s\")", keys[i]);
				break;
			}
	}
	for (i = 0; i < p->list.len; i++)
		free(keys[i]);
	free(keys);
	strbuf_release(&k);
	return r;
}

static int open_src(struct packer *p, const char *path)
{
	return fs_open_at(p->srcfd, path, O_RDONLY);
}

/* 1 when the ELF file is dynamically linked (has DT_NEEDED) and has no
 * RUNPATH/RPATH naming $ORIGIN. */
static int elf_lacks_origin(int fd)
{
	Elf *elf;
	Elf_Scn *scn = NULL;
	int needed = 0, origin = 0;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return 0;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf)
		return 0;
	if (elf_kind(elf) == ELF_K_ELF) {
		while ((scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;
			Elf_Data *data;
			size_t n, i;
			if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC || !sh.sh_entsize)
				continue;
			if (!(data = elf_getdata(scn, NULL)))
				continue;
			n = sh.sh_size / sh.sh_entsize;
			for (i = 0; i < n && i < 100000; i++) {
				GElf_Dyn dyn;
				const char *s;
				if (!gelf_getdyn(data, (int)i, &dyn))
					break;
				if (dyn.d_tag == DT_NULL)
					break;
				if (dyn.d_tag == DT_NEEDED)
					needed = 1;
				if (dyn.d_tag != DT_RUNPATH && dyn.d_tag != DT_RPATH)
					continue;
				s = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
				if (s && (strstr(s, "$ORIGIN") || strstr(s, "${ORIGIN}")))
					origin = 1;
			}
		}
	}
	elf_end(elf);
	return needed && !origin;
}

/* Pass 1: hashes every file (fills sha256 and checks sizes) and warns
 * about ELF files without an $ORIGIN runpath. */
static int hash_files(struct packer *p)
{
	size_t i;
	int r;

	for (i = 0; i < p->list.len; i++) {
		struct tree_entry *e = &p->list.items[i];
		unsigned char digest[SHA256_LEN], magic[4];
		uint64_t size;
		int fd;

		if (e->type != TREE_FILE)
			continue;
		if ((r = signals_pending()))
			return error_set(p->err, r, "interrupted");
		if ((fd = open_src(p, e->path)) < 0)
			return error_set(p->err, BURROW_EFAIL, "%s: %s", e->path, strerror(errno));
		if (sha256_fd(fd, digest, &size) < 0) {
			r = error_set(p->err, BURROW_EFAIL, "%s: %s", e->path, strerror(errno));
			close(fd);
			return r;
		}
		if (size != e->size) {
			close(fd);
			return error_set(p->err, BURROW_EFAIL, "%s: changed while packing",
			                 e->path);
		}
		sha256_to_hex(digest, e->sha256);
		if (p->warnings && size >= 4 && pread(fd, magic, 4, 0) == 4 &&
		    memcmp(magic,
		           "\x7f"
		           "ELF",
		           4) == 0 &&
		    elf_lacks_origin(fd))
			strbuf_addf(p->warnings,
			            "%s: ELF file without a RUNPATH holding $ORIGIN "
			            "(link with -Wl,-rpath,'$ORIGIN/../lib')\n",
			            e->path);
		close(fd);
	}
	return 0;
}

static int archive_fail(struct archive *a, struct strbuf *err, const char *what)
{
	const char *s = archive_error_string(a);
	error_set(err, BURROW_EFAIL, "%s", what);
	if (s && err) {
		strbuf_addstr(err, ": ");
		strbuf_add_escaped(err, s, strlen(s));
	}
	return BURROW_EFAIL;
}

static int write_entry(struct archive *a, struct archive_entry *ae, const struct tree_entry *e,
                       time_t mtime, const void *data, int srcfd, struct strbuf *err)
{
	archive_entry_clear(ae);
	archive_entry_copy_pathname(ae, e->path);
	archive_entry_set_mtime(ae, mtime, 0);
	archive_entry_set_uid(ae, 0);
	archive_entry_set_gid(ae, 0);
	if (e->type == TREE_DIR) {
		archive_entry_set_filetype(ae, AE_IFDIR);
		archive_entry_set_perm(ae, 0755);
	} else if (e->type == TREE_SYMLINK) {
		archive_entry_set_filetype(ae, AE_IFLNK);
		archive_entry_set_perm(ae, 0777);
		archive_entry_copy_symlink(ae, e->link_target);
	} else {
		archive_entry_set_filetype(ae, AE_IFREG);
		archive_entry_set_perm(ae, e->mode);
		archive_entry_set_size(ae, (la_int64_t)e->size);
	}
	if (archive_write_header(a, ae) != ARCHIVE_OK)
		return archive_fail(a, err, e->path);
	if (e->type != TREE_FILE)
		return 0;
	if (data) {
		if (e->size && archive_write_data(a, data, e->size) != (la_ssize_t)e->size)
			return archive_fail(a, err, e->path);
		return 0;
	}
	{
		char buf[65536];
		uint64_t left = e->size;
		unsigned char digest[SHA256_LEN];
		char hex[SHA256_HEX_LEN + 1];
		struct sha256 h;
		int r;

		if (sha256_begin(&h) < 0)
			return error_set(err, BURROW_EFAIL, "%s: cannot start sha256", e->path);
		while (left) {
			ssize_t n = read(srcfd, buf, left < sizeof(buf) ? left : sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				sha256_abort(&h);
				return error_set(err, BURROW_EFAIL, "%s: %s", e->path,
				                 n < 0 ? strerror(errno) : "changed while packing");
			}
			if ((r = signals_pending())) {
				sha256_abort(&h);
				return error_set(err, r, "interrupted");
			}
			sha256_update(&h, buf, (size_t)n);
			if (archive_write_data(a, buf, (size_t)n) != n) {
				sha256_abort(&h);
				return archive_fail(a, err, e->path);
			}
			left -= (uint64_t)n;
		}
		sha256_end(&h, digest);
		sha256_to_hex(digest, hex);
		if (strcmp(hex, e->sha256) != 0)
			return error_set(err, BURROW_EFAIL, "%s: changed while packing", e->path);
	}
	return 0;
}

static int source_date(time_t *out, struct strbuf *err)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;

	*out = 0;
	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < 0 || v > 077777777777LL)
		return error_set(err, BURROW_EUSAGE, "SOURCE_DATE_EPOCH: not a valid time \"%s\"",
		                 s);
	*out = (time_t)v;
	return 0;
}

static int build_metadata(struct strbuf *md, const char *name, const char *version,
                          const char *summary, const char *const *requires, size_t nrequires,
                          struct strbuf *err)
{
	size_t i;

	if (strchr(name, '\n') || strchr(version, '\n') || (summary && strchr(summary, '\n')))
		return error_set(err, BURROW_EUSAGE, "metadata values must be one line");
	strbuf_addstr(md, "Bundle-Version: 1.0\n");
	strbuf_addf(md, "Name: %s\n", name);
	strbuf_addf(md, "Version: %s\n", version);
	if (summary && *summary)
		strbuf_addf(md, "Summary: %s\n", summary);
	for (i = 0; i < nrequires; i++) {
		if (!*requires[i] || strchr(requires[i], '\n') || strchr(requires[i], '\r'))
			return error_set(err, BURROW_EUSAGE, "requirement %zu: must be one line",
			                 i + 1);
		strbuf_addf(md, "Requires: %s\n", requires[i]);
	}
	return 0;
}

int bundle_pack(const char *srcdir, const char *name, const char *version,
                const char *const *requires, size_t nrequires, const char *summary,
                const char *platform, const char *compression, const char *outdir,
                struct strbuf *out_filename, struct strbuf *warnings, struct strbuf *err)
{
	struct packer p;
	struct unpack_limits lim;
	struct strbuf fname = STRBUF_INIT, info = STRBUF_INIT, md = STRBUF_INIT, rec = STRBUF_INIT,
	              tmp_path = STRBUF_INIT;
	struct archive *a = NULL;
	struct archive_entry *ae = NULL;
	char tmp[64] = "", ext[4], *escname = NULL, *s;
	int outfd = -1, fd = -1, r = 0, created = 0;
	time_t mtime;
	locale_t loc = (locale_t)0, oldloc = (locale_t)0;
	size_t i;

	memset(&p, 0, sizeof(p));
	p.srcfd = -1;
	p.err = err;
	p.warnings = warnings;
	unpack_limits_default(&lim);
	p.max_entries = lim.max_entries - 3;
	if (!platform)
		platform = bundle_default_platform();
	if (!compression)
		compression = "gz";
	if (!valid_project_name(name))
		return error_set(err, BURROW_EUSAGE, "invalid bundle name \"%s\"", name);
	if (!valid_version(version))
		return error_set(err, BURROW_EUSAGE,
		                 "invalid version \"%s\" (a PEP 440 version such as 1.2.0 or "
		                 "2024.1.post1, of letters, digits and . + ! _ only)",
		                 version);
	if (!valid_platform(platform))
		return error_set(err, BURROW_EUSAGE, "invalid platform tag \"%s\"", platform);
	if (strcmp(compression, "gz") && strcmp(compression, "xz") && strcmp(compression, "zst"))
		return error_set(err, BURROW_EUSAGE, "unknown compression \"%s\" (gz, xz or zst)",
		                 compression);
	snprintf(ext, sizeof(ext), "%s", compression);
	if ((r = source_date(&mtime, err)))
		return r;
	if (!(escname = strdup(name)))
		return error_set(err, BURROW_EFAIL, "out of memory");
	for (s = escname; *s; s++)
		if (*s == '-')
			*s = '_';
	strbuf_addf(&fname, "%s-%s-%s.tar.%s", escname, version, platform, ext);
	strbuf_addf(&info, "%s-%s" INFO_SUFFIX, escname, version);
	if ((r = build_metadata(&md, name, version, summary, requires, nrequires, err)))
		goto out;

	p.srcfd = open(srcdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p.srcfd < 0) {
		r = error_set(err, BURROW_EFAIL, "%s: %s", srcdir, strerror(errno));
		goto out;
	}
	if ((r = walk(&p, p.srcfd, "", 0)) || (r = check_case_aliases(&p)) || (r = hash_files(&p)))
		goto out;

	/* the bundle-info entries join the sorted list */
	{
		char mpath[300], rpath[300], hex[SHA256_HEX_LEN + 1];
		snprintf(mpath, sizeof(mpath), "%s/METADATA", info.buf);
		snprintf(rpath, sizeof(rpath), "%s/RECORD", info.buf);
		sha256_buffer_hex(md.buf, md.len, hex);
		if (!tree_list_add(&p.list, info.buf, TREE_DIR, 0755, 0, NULL, NULL) ||
		    !tree_list_add(&p.list, mpath, TREE_FILE, 0644, md.len, hex, NULL) ||
		    !tree_list_add(&p.list, rpath, TREE_FILE, 0644, 0, NULL, NULL)) {
			r = error_set(err, BURROW_EFAIL, "out of memory");
			goto out;
		}
	}
	tree_list_sort(&p.list);

	/* RECORD: rows sorted by path, RECORD last */
	for (i = 0; i < p.list.len; i++) {
		const struct tree_entry *e = &p.list.items[i];
		unsigned char digest[SHA256_LEN];
		if (e->type == TREE_DIR || (e->type == TREE_FILE && !e->sha256[0]))
			continue;
		if (e->type == TREE_SYMLINK) {
			char hex[SHA256_HEX_LEN + 1];
			sha256_buffer_hex(e->link_target, strlen(e->link_target), hex);
			sha256_from_hex(hex, digest);
			r = record_write_line(&rec, e->path, digest,
			                      (int64_t)strlen(e->link_target));
		} else {
			sha256_from_hex(e->sha256, digest);
			r = record_write_line(&rec, e->path, digest, (int64_t)e->size);
		}
		if (r) {
			r = error_set(err, BURROW_EFAIL, "RECORD too large");
			goto out;
		}
	}
	strbuf_addf(&tmp_path, "%s/RECORD", info.buf);
	if (record_write_line(&rec, tmp_path.buf, NULL, -1)) {
		r = error_set(err, BURROW_EFAIL, "RECORD too large");
		goto out;
	}
	for (i = 0; i < p.list.len; i++) /* now RECORD's size is known */
		if (strcmp(p.list.items[i].path, tmp_path.buf) == 0) {
			p.list.items[i].size = rec.len;
			sha256_buffer_hex(rec.buf, rec.len, p.list.items[i].sha256);
		}

	/* write */
	outfd = open(outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (outfd < 0) {
		r = error_set(err, BURROW_EFAIL, "%s: %s", outdir, strerror(errno));
		goto out;
	}
	fs_temp_name(tmp, sizeof(tmp), ".burrow-pack-");
	fd = openat(outfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = error_set(err, BURROW_EFAIL, "%s/%s: %s", outdir, tmp, strerror(errno));
		goto out;
	}
	created = 1;
	if (fchmod(fd, 0644) < 0) {
		r = error_set(err, BURROW_EFAIL, "%s/%s: %s", outdir, tmp, strerror(errno));
		goto out;
	}
	loc = utf8_locale_begin(&oldloc);
	a = archive_write_new();
	ae = archive_entry_new();
	if (!a || !ae) {
		r = error_set(err, BURROW_EFAIL, "out of memory");
		goto out;
	}
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK) {
		r = archive_fail(a, err, "cannot set the tar format");
		goto out;
	}
	if (strcmp(ext, "gz") == 0) {
		if (archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
		    archive_write_set_filter_option(a, "gzip", "timestamp", NULL) != ARCHIVE_OK ||
		    archive_write_set_filter_option(a, "gzip", "compression-level", "9") !=
		        ARCHIVE_OK) {
			r = archive_fail(a, err, "cannot set up gzip");
			goto out;
		}
	} else if (strcmp(ext, "xz") == 0) {
		if (archive_write_add_filter_xz(a) != ARCHIVE_OK) {
			r = archive_fail(a, err, "cannot set up xz");
			goto out;
		}
	} else if (archive_write_add_filter_zstd(a) != ARCHIVE_OK) {
		r = archive_fail(a, err, "cannot set up zstd");
		goto out;
	}
	if (archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		r = archive_fail(a, err, "cannot start the archive");
		goto out;
	}
	for (i = 0; i < p.list.len; i++) {
		const struct tree_entry *e = &p.list.items[i];
		int is_info = strncmp(e->path, info.buf, info.len) == 0 &&
		              (e->path[info.len] == '/' || e->path[info.len] == '\0');
		const void *data = NULL;
		int src = -1;

		if ((r = signals_pending())) {
			error_set(err, r, "interrupted");
			goto out;
		}
		if (is_info && e->type == TREE_FILE)
			data = strcmp(e->path, tmp_path.buf) == 0 ? rec.buf : md.buf;
		else if (e->type == TREE_FILE && (src = open_src(&p, e->path)) < 0) {
			r = error_set(err, BURROW_EFAIL, "%s: %s", e->path, strerror(errno));
			goto out;
		}
		r = write_entry(a, ae, e, mtime, data, src, err);
		if (src >= 0)
			close(src);
		if (r)
			goto out;
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		r = archive_fail(a, err, "cannot finish the archive");
		goto out;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		r = error_set(err, BURROW_EFAIL, "%s/%s: %s", outdir, tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (renameat(outfd, tmp, outfd, fname.buf) < 0) {
		r = error_set(err, BURROW_EFAIL, "%s/%s: %s", outdir, fname.buf, strerror(errno));
		goto out;
	}
	created = 0;
	fsync(outfd);
	if (out_filename) {
		strbuf_reset(out_filename);
		strbuf_add(out_filename, fname.buf, fname.len);
	}
	r = 0;
out:
	if (a)
		archive_write_free(a);
	if (ae)
		archive_entry_free(ae);
	utf8_locale_end(loc, oldloc);
	if (fd >= 0)
		close(fd);
	if (outfd >= 0) {
		if (created)
			unlinkat(outfd, tmp, 0);
		close(outfd);
	}
	if (p.srcfd >= 0)
		close(p.srcfd);
	tree_list_release(&p.list);
	free(escname);
	strbuf_release(&fname);
	strbuf_release(&info);
	strbuf_release(&md);
	strbuf_release(&rec);
	strbuf_release(&tmp_path);
	return r;
}
