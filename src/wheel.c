/*
 * wheel: wheel layout, WHEEL/METADATA/RECORD checks, unpacking into a cache
 * tree, and the install plan for an env (see wheel.h).  Archive reading is
 * zipread.c's; names are judged by pathpolicy.c; launchers come from
 * entrypoints.c.
 */
#include "wheel.h"

#include "entrypoints.h"
#include "filename.h"
#include "metadata.h"
#include "pathpolicy.h"
#include "pep440.h"
#include "record.h"
#include "zipread.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "util/signals.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const data_keys[] = {"purelib", "platlib", "scripts", "headers", "data"};

/* One member name as the layout checks see it: no trailing '/'. */
struct member {
	const char *path;
	size_t len;
	int is_dir;
};

struct layout {
	char *dist_info; /* "N-V.dist-info" */
	char *data_dir;  /* "N-V.data" or NULL */
	char *name;      /* N */
	char *version;   /* V */
};

static void layout_release(struct layout *lay)
{
	free(lay->dist_info);
	free(lay->data_dir);
	free(lay->name);
	free(lay->version);
	memset(lay, 0, sizeof(*lay));
}

void wheel_info_release(struct wheel_info *info)
{
	free(info->name);
	free(info->version);
	free(info->dist_info);
	free(info->data_dir);
	free(info->wheel_version);
	memset(info, 0, sizeof(*info));
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

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static int oom(struct strbuf *err, const char *label)
{
	return error_set(err, BURROW_EFAIL, "%s: out of memory", label);
}

static int bad_path(struct strbuf *err, const char *label, const char *path, size_t len,
                    const char *why)
{
	error_set(err, BURROW_EINTEGRITY, "%s: entry \"", label);
	if (err) {
		strbuf_add_escaped(err, path, len);
		strbuf_addf(err, "\": %s", why);
	}
	return BURROW_EINTEGRITY;
}

/* The top level: one *.dist-info, at most one *.data named after it, only
 * scheme keys inside the .data directory. */
static int check_layout(const struct member *m, size_t n, const char *label, struct layout *lay,
                        struct strbuf *err)
{
	const char *di = NULL, *dd = NULL, *dash;
	size_t dil = 0, ddl = 0, i, k, stem;

	memset(lay, 0, sizeof(*lay));
	for (i = 0; i < n; i++) {
		const char *slash = memchr(m[i].path, '/', m[i].len);
		size_t fl = slash ? (size_t)(slash - m[i].path) : m[i].len;
		if (!slash && !m[i].is_dir)
			continue;
		if (ends_with(m[i].path, fl, ".dist-info")) {
			if (di && (dil != fl || memcmp(di, m[i].path, fl) != 0)) {
				error_set(err, BURROW_EINTEGRITY,
				          "%s: more than one .dist-info directory (\"", label);
				if (err) {
					strbuf_add_escaped(err, di, dil);
					strbuf_addstr(err, "\" and \"");
					strbuf_add_escaped(err, m[i].path, fl);
					strbuf_addstr(err, "\")");
				}
				return BURROW_EINTEGRITY;
			}
			di = m[i].path;
			dil = fl;
		} else if (ends_with(m[i].path, fl, ".data")) {
			if (dd && (ddl != fl || memcmp(dd, m[i].path, fl) != 0))
				return bad_path(err, label, m[i].path, fl,
				                "a second .data directory");
			dd = m[i].path;
			ddl = fl;
		}
	}
	if (!di)
		return error_set(err, BURROW_EINTEGRITY, "%s: no .dist-info directory", label);
	stem = dil - strlen(".dist-info");
	dash = NULL;
	for (k = 0; k < stem; k++)
		if (di[k] == '-')
			dash = di + k;
	if (!dash || dash == di || (size_t)(dash - di) + 1 >= stem)
		return bad_path(err, label, di, dil,
		                "dist-info directory is not named NAME-VERSION.dist-info");
	if (dd && (ddl != stem + 5 || memcmp(dd, di, stem) != 0))
		return bad_path(err, label, dd, ddl,
		                ".data directory not named after the .dist-info directory");
	if (!(lay->dist_info = dup_n(di, dil)) || !(lay->name = dup_n(di, (size_t)(dash - di))) ||
	    !(lay->version = dup_n(dash + 1, stem - (size_t)(dash - di) - 1)) ||
	    (dd && !(lay->data_dir = dup_n(dd, ddl)))) {
		layout_release(lay);
		return oom(err, label);
	}
	if (!dd)
		return 0;
	for (i = 0; i < n; i++) {
		const char *rest, *slash;
		size_t rl, kl;
		int ok = 0;
		if (m[i].len <= ddl || memcmp(m[i].path, dd, ddl) != 0 || m[i].path[ddl] != '/')
			continue;
		rest = m[i].path + ddl + 1;
		rl = m[i].len - ddl - 1;
		slash = memchr(rest, '/', rl);
		kl = slash ? (size_t)(slash - rest) : rl;
		for (k = 0; k < sizeof(data_keys) / sizeof(*data_keys); k++)
			if (strlen(data_keys[k]) == kl && memcmp(data_keys[k], rest, kl) == 0)
				ok = 1;
		if (!ok) {
			layout_release(lay);
			return bad_path(err, label, m[i].path, m[i].len,
			                "not in a valid .data subdirectory (purelib, platlib, "
			                "scripts, headers, data)");
		}
		if (!slash && !m[i].is_dir) {
			layout_release(lay);
			return bad_path(err, label, m[i].path, m[i].len,
			                "a file where a .data subdirectory belongs");
		}
	}
	return 0;
}

/* A light PEP 440 normalisation into out, enough to compare the version of
 * the file name, the dist-info directory and METADATA: lower case; a
 * leading 'v' dropped; '.', '-', '_' separators dropped between tokens;
 * numbers without leading zeros; alpha->a, beta->b, c/pre/preview->rc,
 * rev/r->post; "-N" after the release is an implicit post release; trailing
 * zero components of the release dropped ("1.0" == "1").  Tokens are
 * joined with '.', '!' and '+' kept. */
static int version_key(const char *v, struct strbuf *out)
{
	const char *p = v;
	size_t release_end = 0; /* out->len after the last non-zero release part */
	int in_release = 1, r = 0, any = 0;

	strbuf_reset(out);
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == 'v' || *p == 'V')
		p++;
	while (*p && *p != ' ' && *p != '\t') {
		char c = *p;
		if (c >= '0' && c <= '9') {
			const char *q = p;
			while (*q == '0' && q[1] >= '0' && q[1] <= '9')
				q++;
			p = q;
			if (any)
				r |= strbuf_addch(out, '.');
			while (*p >= '0' && *p <= '9')
				r |= strbuf_addch(out, *p++);
			any = 1;
			if (in_release && !(p - q == 1 && *q == '0'))
				release_end = out->len;
			continue;
		}
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			char word[16];
			size_t n = 0;
			const char *alias;
			while (((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) {
				if (n < sizeof(word) - 1)
					word[n++] = (char)(*p | 0x20);
				p++;
			}
			word[n] = '\0';
			alias = word;
			if (!strcmp(word, "alpha"))
				alias = "a";
			else if (!strcmp(word, "beta"))
				alias = "b";
			else if (!strcmp(word, "c") || !strcmp(word, "pre") ||
			         !strcmp(word, "preview"))
				alias = "rc";
			else if (!strcmp(word, "rev") || !strcmp(word, "r"))
				alias = "post";
			if (in_release) {
				strbuf_setlen(out, release_end);
				in_release = 0;
			}
			if (any)
				r |= strbuf_addch(out, '.');
			r |= strbuf_addstr(out, alias);
			any = 1;
			continue;
		}
		if (c == '-' && p[1] >= '0' && p[1] <= '9' && in_release) {
			strbuf_setlen(out, release_end);
			in_release = 0;
			r |= strbuf_addstr(out, ".post");
			p++;
			continue;
		}
		if (c == '.' || c == '-' || c == '_') {
			p++;
			continue;
		}
		if (c == '!') {
			/* the epoch: what came before is not the release */
			r |= strbuf_addch(out, '!');
			any = 0;
			release_end = out->len;
			p++;
			continue;
		}
		if (in_release) {
			strbuf_setlen(out, release_end);
			in_release = 0;
		}
		r |= strbuf_addch(out, c);
		any = 0;
		p++;
	}
	if (in_release)
		strbuf_setlen(out, release_end);
	return r ? -1 : 0;
}

/* PEP 440 equality (1.0 == 1.0.0) when both parse; the light key above for
 * legacy versions. */
static int same_version(const char *a, const char *b)
{
	struct strbuf ka = STRBUF_INIT, kb = STRBUF_INIT;
	struct pep440_version va, vb;
	int same;

	if (pep440_parse(a, &va) == 0 && pep440_parse(b, &vb) == 0)
		return pep440_compare(&va, &vb) == 0;

	if (version_key(a, &ka) < 0 || version_key(b, &kb) < 0)
		same = 0;
	else
		same = strcmp(ka.buf, kb.buf) == 0;
	strbuf_release(&ka);
	strbuf_release(&kb);
	return same;
}

static int same_name(const char *a, const char *b)
{
	struct strbuf ka = STRBUF_INIT, kb = STRBUF_INIT;
	int same;

	if (pep503_normalize(a, &ka) < 0 || pep503_normalize(b, &kb) < 0)
		same = 0;
	else
		same = strcmp(ka.buf, kb.buf) == 0;
	strbuf_release(&ka);
	strbuf_release(&kb);
	return same;
}

static int mismatch(struct strbuf *err, const char *label, const char *what, const char *a,
                    const char *b)
{
	error_set(err, BURROW_EINTEGRITY, "%s: %s \"", label, what);
	if (err) {
		strbuf_add_escaped(err, a, strlen(a));
		strbuf_addstr(err, "\" does not match \"");
		strbuf_add_escaped(err, b, strlen(b));
		strbuf_addch(err, '"');
	}
	return BURROW_EINTEGRITY;
}

/* WHEEL and METADATA against the layout and the file name; fills info. */
static int check_meta(const struct layout *lay, const struct strbuf *wheel_txt,
                      const struct strbuf *meta_txt, const char *label, const char *expect_name,
                      const char *expect_version, struct wheel_info *info, struct strbuf *err)
{
	struct metadata wm, mm;
	const char *wv, *name, *version, *purelib, *p;
	unsigned long major;
	int r;

	memset(info, 0, sizeof(*info));
	if ((r = metadata_parse(wheel_txt->buf, wheel_txt->len, &wm, err)) != 0)
		return error_prefix(err, r, "%s: %s/WHEEL", label, lay->dist_info);
	if ((r = metadata_parse(meta_txt->buf, meta_txt->len, &mm, err)) != 0) {
		metadata_release(&wm);
		return error_prefix(err, r, "%s: %s/METADATA", label, lay->dist_info);
	}
	wv = metadata_get(&wm, "Wheel-Version");
	r = BURROW_EINTEGRITY;
	if (!wv) {
		error_set(err, r, "%s: %s/WHEEL: no Wheel-Version", label, lay->dist_info);
		goto out;
	}
	/* "MAJOR.MINOR[.MORE]": major 1 only; any minor is fine (spec: warn) */
	p = wv;
	major = 0;
	if (*p < '0' || *p > '9')
		goto bad_wv;
	while (*p >= '0' && *p <= '9' && major < 1000)
		major = major * 10 + (unsigned long)(*p++ - '0');
	if (*p != '.' || p[1] < '0' || p[1] > '9')
		goto bad_wv;
	for (p++; *p; p++)
		if ((*p < '0' || *p > '9') && *p != '.')
			goto bad_wv;
	if (major != 1) {
		error_set(err, r, "%s: %s/WHEEL: Wheel-Version %lu.x is not supported (only 1.x)",
		          label, lay->dist_info, major);
		goto out;
	}
	name = metadata_get(&mm, "Name");
	version = metadata_get(&mm, "Version");
	if (!name || !*name || !version || !*version) {
		error_set(err, r, "%s: %s/METADATA: no Name or no Version", label, lay->dist_info);
		goto out;
	}
	if (!same_name(name, lay->name)) {
		r = mismatch(err, label, "METADATA Name", name, lay->dist_info);
		goto out;
	}
	if (!same_version(version, lay->version)) {
		r = mismatch(err, label, "METADATA Version", version, lay->dist_info);
		goto out;
	}
	if (expect_name && !same_name(expect_name, lay->name)) {
		r = mismatch(err, label, "name from the file name", expect_name, lay->dist_info);
		goto out;
	}
	if (expect_version && !same_version(expect_version, lay->version)) {
		r = mismatch(err, label, "version from the file name", expect_version,
		             lay->dist_info);
		goto out;
	}
	purelib = metadata_get(&wm, "Root-Is-Purelib");
	info->root_is_purelib = purelib && strcasecmp(purelib, "true") == 0;
	if (!(info->name = strdup(name)) || !(info->version = strdup(version)) ||
	    !(info->dist_info = strdup(lay->dist_info)) || !(info->wheel_version = strdup(wv)) ||
	    (lay->data_dir && !(info->data_dir = strdup(lay->data_dir)))) {
		wheel_info_release(info);
		r = oom(err, label);
		goto out;
	}
	r = 0;
	goto out;
bad_wv:
	error_set(err, r, "%s: %s/WHEEL: malformed Wheel-Version \"", label, lay->dist_info);
	if (err) {
		strbuf_add_escaped(err, wv, strlen(wv));
		strbuf_addch(err, '"');
	}
out:
	metadata_release(&wm);
	metadata_release(&mm);
	return r;
}

struct name_idx {
	const char *name;
	size_t idx;
};

static int cmp_name_idx(const void *a, const void *b)
{
	return strcmp(((const struct name_idx *)a)->name, ((const struct name_idx *)b)->name);
}

/* Reads dist_info/<file> from the archive into out. */
static int read_member(struct zip_archive *za, const char *dist_info, const char *file, size_t max,
                       struct strbuf *out, const char *label, struct strbuf *err)
{
	char path[PATH_MAX];
	long i;

	if (fs_path_join(path, sizeof(path), dist_info, file) < 0)
		return error_set(err, BURROW_EINTEGRITY, "%s: dist-info name too long", label);
	i = zip_find(za, path);
	if (i < 0 || za->entries[i].is_dir)
		return error_set(err, BURROW_EINTEGRITY, "%s: no %s in the wheel", label, path);
	return zip_extract_mem(za, (size_t)i, max, out, NULL, err);
}

/* RECORD against the archive, before anything is written. */
static int check_record(struct zip_archive *za, const struct record *rec, const char *dist_info,
                        const char *label, struct strbuf *err)
{
	struct name_idx *sorted = NULL;
	char rec_path[PATH_MAX], jws[PATH_MAX], p7s[PATH_MAX];
	size_t i;
	int r = 0;

	if (fs_path_join(rec_path, sizeof(rec_path), dist_info, "RECORD") < 0 ||
	    fs_path_join(jws, sizeof(jws), dist_info, "RECORD.jws") < 0 ||
	    fs_path_join(p7s, sizeof(p7s), dist_info, "RECORD.p7s") < 0)
		return error_set(err, BURROW_EINTEGRITY, "%s: dist-info name too long", label);
	if (za->len) {
		sorted = calloc(za->len, sizeof(*sorted));
		if (!sorted)
			return oom(err, label);
	}
	for (i = 0; i < za->len; i++) {
		sorted[i].name = za->entries[i].name;
		sorted[i].idx = i;
	}
	if (za->len > 1)
		qsort(sorted, za->len, sizeof(*sorted), cmp_name_idx);

	for (i = 0; i < rec->len; i++) {
		const struct record_entry *re = &rec->items[i];
		struct name_idx key = {re->path, 0}, *hit;
		const struct zip_entry *ze;
		if ((r = path_policy_check(re->path, strlen(re->path), err)) != 0) {
			error_prefix(err, r, "%s: RECORD:%d", label, re->line);
			goto out;
		}
		if (!strcmp(re->path, rec_path)) {
			if (re->has_hash || re->size >= 0) {
				r = error_set(err, BURROW_EINTEGRITY,
				              "%s: RECORD:%d: RECORD's own row must have no hash "
				              "and no size",
				              label, re->line);
				goto out;
			}
			continue;
		}
		if (!strcmp(re->path, jws) || !strcmp(re->path, p7s)) {
			r = error_set(err, BURROW_EINTEGRITY,
			              "%s: RECORD:%d: signature file %s must not be listed", label,
			              re->line, re->path);
			goto out;
		}
		hit =
		    za->len ? bsearch(&key, sorted, za->len, sizeof(*sorted), cmp_name_idx) : NULL;
		if (!hit || za->entries[hit->idx].is_dir) {
			error_set(err, BURROW_EINTEGRITY, "%s: RECORD:%d: \"", label, re->line);
			if (err) {
				strbuf_add_escaped(err, re->path, strlen(re->path));
				strbuf_addstr(err, hit ? "\" is a directory in the archive"
				                       : "\" is not in the archive");
			}
			r = BURROW_EINTEGRITY;
			goto out;
		}
		ze = &za->entries[hit->idx];
		if (!re->has_hash || re->size < 0) {
			error_set(err, BURROW_EINTEGRITY, "%s: RECORD:%d: \"", label, re->line);
			if (err) {
				strbuf_add_escaped(err, re->path, strlen(re->path));
				strbuf_addstr(err, "\" has no sha256 or no size");
			}
			r = BURROW_EINTEGRITY;
			goto out;
		}
		if ((uint64_t)re->size != ze->size) {
			error_set(err, BURROW_EINTEGRITY, "%s: entry \"", label);
			if (err) {
				strbuf_add_escaped(err, ze->name, strlen(ze->name));
				strbuf_addf(err, "\": size %llu, RECORD:%d says %lld",
				            (unsigned long long)ze->size, re->line,
				            (long long)re->size);
			}
			r = BURROW_EINTEGRITY;
			goto out;
		}
	}
	for (i = 0; i < za->len; i++) {
		const struct zip_entry *ze = &za->entries[i];
		if (ze->is_dir || !strcmp(ze->name, rec_path) || !strcmp(ze->name, jws) ||
		    !strcmp(ze->name, p7s))
			continue;
		if (!record_find(rec, ze->name)) {
			r = bad_path(err, label, ze->name, strlen(ze->name),
			             "not listed in RECORD");
			goto out;
		}
	}
out:
	free(sorted);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds a TREE_DIR for every directory the members name or imply. */
static int add_dirs(struct zip_archive *za, struct tree_list *entries)
{
	char **dirs = NULL;
	size_t n = 0, alloc = 0, i;
	int r = 0;

	for (i = 0; i < za->len && !r; i++) {
		const char *name = za->entries[i].name;
		size_t k;
		for (k = 1; name[k] && !r; k++) {
			if (name[k] != '/')
				continue;
			if (n == alloc) {
				size_t na = alloc ? alloc * 2 : 64;
				char **p = realloc(dirs, na * sizeof(*p));
				if (!p) {
					r = -1;
					break;
				}
				dirs = p;
				alloc = na;
			}
			if (!(dirs[n] = dup_n(name, k)))
				r = -1;
			else
				n++;
		}
	}
	if (!r && n > 1)
		qsort(dirs, n, sizeof(*dirs), cmp_str);
	for (i = 0; i < n; i++) {
		if (!r && (i == 0 || strcmp(dirs[i], dirs[i - 1]) != 0) &&
		    !tree_list_add(entries, dirs[i], TREE_DIR, 0755, 0, NULL, NULL))
			r = -1;
	}
	for (i = 0; i < n; i++)
		free(dirs[i]);
	free(dirs);
	return r;
}

static int extract_all(struct zip_archive *za, const struct record *rec, const char *rec_path,
                       int dest_dirfd, const char *label, struct tree_list *entries,
                       struct strbuf *err)
{
	struct fs_dircache dirs; /* members come grouped by directory */
	size_t i;
	int r = 0;

	fs_dircache_init(&dirs, dest_dirfd, 1);
	for (i = 0; i < za->len && !r; i++) {
		const struct zip_entry *ze = &za->entries[i];
		const struct record_entry *re;
		unsigned char digest[32];
		char hex[65];
		const char *leaf;
		mode_t mode;
		int fd, pfd;

		if ((r = signals_pending()) != 0)
			break;
		if (ze->is_dir) {
			if (fs_dircache_dir(&dirs, ze->name, strlen(ze->name) - 1) < 0)
				r = error_set(err, BURROW_EFAIL, "%s: entry \"%s\": mkdir: %s",
				              label, ze->name, strerror(errno));
			continue;
		}
		mode = ((ze->mode & S_IFMT) == 0 || S_ISREG(ze->mode)) && (ze->mode & 0111) ? 0755
		                                                                            : 0644;
		pfd = fs_dircache_parent(&dirs, ze->name, &leaf);
		if (pfd >= 0 && (!*leaf || !strcmp(leaf, ".") || !strcmp(leaf, ".."))) {
			errno = EINVAL;
			pfd = -1;
		}
		fd = pfd < 0 ? -1
		             : openat(pfd, leaf,
		                      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd < 0) {
			r = error_set(err, BURROW_EFAIL, "%s: entry \"%s\": create: %s", label,
			              ze->name, strerror(errno));
			break;
		}
		if (fchmod(fd, mode) < 0) {
			r = error_set(err, BURROW_EFAIL, "%s: entry \"%s\": chmod: %s", label,
			              ze->name, strerror(errno));
			close(fd);
			break;
		}
		r = zip_extract(za, i, fd, digest, err);
		if (close(fd) < 0 && !r)
			r = error_set(err, BURROW_EFAIL, "%s: entry \"%s\": close: %s", label,
			              ze->name, strerror(errno));
		if (r)
			break;
		re = strcmp(ze->name, rec_path) ? record_find(rec, ze->name) : NULL;
		if (re && re->has_hash && memcmp(re->sha256, digest, 32) != 0) {
			char want[SHA256_B64_LEN + 1], got[SHA256_B64_LEN + 1];
			sha256_to_b64(re->sha256, want);
			sha256_to_b64(digest, got);
			error_set(err, BURROW_EINTEGRITY, "%s: entry \"", label);
			if (err) {
				strbuf_add_escaped(err, ze->name, strlen(ze->name));
				strbuf_addf(
				    err, "\": sha256 mismatch (RECORD:%d says %s, content is %s)",
				    re->line, want, got);
			}
			r = BURROW_EINTEGRITY;
			break;
		}
		sha256_to_hex(digest, hex);
		if (!tree_list_add(entries, ze->name, TREE_FILE, mode, ze->size, hex, NULL))
			r = oom(err, label);
	}
	fs_dircache_release(&dirs);
	return r;
}

static int members_of_zip(const struct zip_archive *za, struct member **out)
{
	size_t i;

	*out = calloc(za->len ? za->len : 1, sizeof(**out));
	if (!*out)
		return -1;
	for (i = 0; i < za->len; i++) {
		(*out)[i].path = za->entries[i].name;
		(*out)[i].len = strlen(za->entries[i].name) - (za->entries[i].is_dir ? 1 : 0);
		(*out)[i].is_dir = za->entries[i].is_dir;
	}
	return 0;
}

int wheel_unpack(int wheel_fd, const char *label, const char *expect_name,
                 const char *expect_version, int dest_dirfd, struct wheel_info *info,
                 struct tree_list *entries, struct strbuf *err)
{
	struct zip_limits lim;
	struct zip_archive za;
	struct layout lay;
	struct member *members = NULL;
	struct strbuf wheel_txt = STRBUF_INIT, meta_txt = STRBUF_INIT, rec_txt = STRBUF_INIT;
	struct record rec;
	char rec_path[PATH_MAX];
	int r;

	memset(info, 0, sizeof(*info));
	memset(&rec, 0, sizeof(rec));
	memset(&lay, 0, sizeof(lay));
	zip_limits_default(&lim);
	if ((r = zip_open(wheel_fd, &lim, label ? label : "wheel", &za, err)) != 0)
		return r;
	label = za.label; /* escaped */
	if (members_of_zip(&za, &members) < 0) {
		r = oom(err, label);
		goto out;
	}
	if ((r = check_layout(members, za.len, label, &lay, err)) != 0)
		goto out;
	/* RECORD first, then the two small files */
	if ((r = read_member(&za, lay.dist_info, "RECORD", WHEEL_MAX_RECORD, &rec_txt, label,
	                     err)) != 0 ||
	    (r = read_member(&za, lay.dist_info, "WHEEL", WHEEL_MAX_WHEEL, &wheel_txt, label,
	                     err)) != 0 ||
	    (r = read_member(&za, lay.dist_info, "METADATA", WHEEL_MAX_METADATA, &meta_txt, label,
	                     err)) != 0)
		goto out;
	if ((r = check_meta(&lay, &wheel_txt, &meta_txt, label, expect_name, expect_version, info,
	                    err)) != 0)
		goto out;
	if ((r = record_parse(rec_txt.buf, rec_txt.len, &rec, err)) != 0) {
		error_prefix(err, r, "%s: %s", label, lay.dist_info);
		goto out;
	}
	record_sort(&rec);
	if ((r = check_record(&za, &rec, lay.dist_info, label, err)) != 0)
		goto out;
	fs_path_join(rec_path, sizeof(rec_path), lay.dist_info, "RECORD");
	if ((r = extract_all(&za, &rec, rec_path, dest_dirfd, label, entries, err)) != 0)
		goto out;
	if (add_dirs(&za, entries) < 0) {
		r = oom(err, label);
		goto out;
	}
	tree_list_sort(entries);
out:
	if (r)
		wheel_info_release(info);
	record_release(&rec);
	layout_release(&lay);
	free(members);
	strbuf_release(&wheel_txt);
	strbuf_release(&meta_txt);
	strbuf_release(&rec_txt);
	zip_close(&za);
	return r;
}

int wheel_read_info(int tree_dirfd, const char *label, const struct tree_list *entries,
                    struct wheel_info *info, struct strbuf *err)
{
	struct member *members;
	struct layout lay;
	struct strbuf wheel_txt = STRBUF_INIT, meta_txt = STRBUF_INIT, lab = STRBUF_INIT;
	char path[PATH_MAX];
	size_t i;
	int r;

	memset(info, 0, sizeof(*info));
	if (strbuf_add_escaped(&lab, label ? label : "wheel", strlen(label ? label : "wheel")) < 0)
		return error_set(err, BURROW_EFAIL, "wheel: out of memory");
	label = lab.buf;
	members = calloc(entries->len ? entries->len : 1, sizeof(*members));
	if (!members) {
		r = oom(err, label);
		strbuf_release(&lab);
		return r;
	}
	for (i = 0; i < entries->len; i++) {
		members[i].path = entries->items[i].path;
		members[i].len = strlen(entries->items[i].path);
		members[i].is_dir = entries->items[i].type == TREE_DIR;
	}
	r = check_layout(members, entries->len, label, &lay, err);
	free(members);
	if (r) {
		strbuf_release(&lab);
		return r;
	}
	if (fs_path_join(path, sizeof(path), lay.dist_info, "WHEEL") < 0 ||
	    fs_read_file(tree_dirfd, path, WHEEL_MAX_WHEEL, &wheel_txt) < 0 ||
	    fs_path_join(path, sizeof(path), lay.dist_info, "METADATA") < 0 ||
	    fs_read_file(tree_dirfd, path, WHEEL_MAX_METADATA, &meta_txt) < 0) {
		r = error_set(err, BURROW_EFAIL, "%s: %s: %s", label, path, strerror(errno));
		goto out;
	}
	r = check_meta(&lay, &wheel_txt, &meta_txt, label, NULL, NULL, info, err);
out:
	strbuf_release(&lab);
	layout_release(&lay);
	strbuf_release(&wheel_txt);
	strbuf_release(&meta_txt);
	return r;
}

/* ---- the install plan ---------------------------------------------------- */

/* Normalises a scheme dir: relative, no "..", "." and empty parts dropped. */
static int norm_scheme(const char *dir, const char *what, struct strbuf *out, struct strbuf *err)
{
	const char *p = dir ? dir : "";
	int r = 0;

	strbuf_reset(out);
	if (!dir || *p == '/')
		return error_set(err, BURROW_EFAIL, "scheme %s: must be a relative path", what);
	while (*p) {
		const char *q = strchr(p, '/');
		size_t n = q ? (size_t)(q - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return error_set(err, BURROW_EFAIL, "scheme %s: \"..\" not allowed", what);
		if (n && !(n == 1 && p[0] == '.')) {
			if (out->len)
				r |= strbuf_addch(out, '/');
			r |= strbuf_add(out, p, n);
		}
		p += n;
		if (*p == '/')
			p++;
	}
	return r ? error_set(err, BURROW_EFAIL, "scheme %s: out of memory", what) : 0;
}

/* dest relative to base (both normalised): "../" for each part of base not
 * shared, then the rest of dest. */
static char *rel_to(const char *dest, const char *base)
{
	struct strbuf out = STRBUF_INIT;
	size_t common = 0, i = 0;
	const char *p;
	int r = 0;

	/* longest shared prefix of whole components */
	while (base[i] && dest[i] && base[i] == dest[i]) {
		i++;
		if ((base[i] == '/' || !base[i]) && (dest[i] == '/' || !dest[i]))
			common = i;
	}
	p = base + common;
	if (*p == '/')
		p++;
	while (*p) {
		r |= strbuf_addstr(&out, "../");
		p = strchr(p, '/');
		if (!p)
			break;
		p++;
	}
	p = dest + common;
	if (*p == '/')
		p++;
	r |= strbuf_addstr(&out, p);
	if (r) {
		strbuf_release(&out);
		return NULL;
	}
	return strbuf_detach(&out, NULL);
}

struct plan_ctx {
	struct wheel_plan *plan;
	const struct wheel_info *info;
	struct strbuf dirs[5]; /* normalised purelib platlib scripts headers data */
	const char *root;      /* dirs[0] or dirs[1] */
	struct strbuf *err;
};

static struct wheel_plan_item *plan_add(struct plan_ctx *c, enum wheel_plan_kind kind,
                                        const char *dir, const char *rest, const char *src,
                                        mode_t mode)
{
	struct wheel_plan *plan = c->plan;
	struct wheel_plan_item *it;
	struct strbuf dest = STRBUF_INIT;

	if (plan->len == plan->alloc) {
		size_t na = plan->alloc ? plan->alloc * 2 : 64;
		struct wheel_plan_item *p = realloc(plan->items, na * sizeof(*p));
		if (!p)
			return NULL;
		plan->items = p;
		plan->alloc = na;
	}
	if ((*dir && (strbuf_addstr(&dest, dir) < 0 || strbuf_addch(&dest, '/') < 0)) ||
	    strbuf_addstr(&dest, rest) < 0) {
		strbuf_release(&dest);
		return NULL;
	}
	it = &plan->items[plan->len];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->mode = mode;
	it->dest = strbuf_detach(&dest, NULL);
	it->record_path = rel_to(it->dest, c->root);
	if (src)
		it->src = strdup(src);
	plan->len++;
	if (!it->record_path || (src && !it->src))
		return NULL;
	return it;
}

static int set_content(struct wheel_plan_item *it, struct strbuf *content)
{
	if (sha256_buffer_hex(content->buf, content->len, it->sha256) < 0)
		return -1;
	it->size = content->len;
	it->content = strbuf_detach(content, &it->content_len);
	return 0;
}

/* Reads up to n bytes from the start of the tree file path. */
static ssize_t read_head(int dirfd, const char *path, char *buf, size_t n)
{
	int fd = fs_open_at(dirfd, path, O_RDONLY);
	ssize_t got = 0, k;

	if (fd < 0)
		return -1;
	while ((size_t)got < n) {
		k = read(fd, buf + got, n - (size_t)got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += k;
	}
	close(fd);
	return got;
}

static int has_pycache(const char *path)
{
	const char *p = path;

	while (p) {
		if (!strncmp(p, "__pycache__", 11) && (p[11] == '/' || !p[11]))
			return 1;
		p = strchr(p, '/');
		if (p)
			p++;
	}
	return 0;
}

/* One tree file into the plan. */
static int plan_file(struct plan_ctx *c, int tree_dirfd, const struct tree_entry *te)
{
	const struct wheel_info *info = c->info;
	const char *rest = te->path, *dir = c->root;
	size_t dl = info->data_dir ? strlen(info->data_dir) : 0;
	int is_script = 0, r;
	struct wheel_plan_item *it;

	if (info->data_dir && !strncmp(te->path, info->data_dir, dl) && te->path[dl] == '/') {
		const char *key = te->path + dl + 1, *slash = strchr(key, '/');
		size_t kl, k;
		if (!slash)
			return bad_path(c->err, info->dist_info, te->path, strlen(te->path),
			                "a file where a .data subdirectory belongs");
		kl = (size_t)(slash - key);
		for (k = 0; k < 5; k++)
			if (strlen(data_keys[k]) == kl && !memcmp(data_keys[k], key, kl))
				break;
		if (k == 5)
			return bad_path(c->err, info->dist_info, te->path, strlen(te->path),
			                "not in a valid .data subdirectory");
		dir = c->dirs[k].buf;
		rest = slash + 1;
		is_script = k == 2;
	}
	if ((r = path_policy_check(rest, strlen(rest), c->err)) != 0)
		return error_prefix(c->err, r, "%s", info->dist_info);
	if (is_script) {
		char head[8];
		ssize_t n = read_head(tree_dirfd, te->path, head, sizeof(head));
		if (n < 0)
			return error_set(c->err, BURROW_EFAIL, "%s: %s: %s", info->dist_info,
			                 te->path, strerror(errno));
		if (n == 8 && !memcmp(head, "#!python", 8)) {
			struct strbuf raw = STRBUF_INIT, out = STRBUF_INIT;
			if (fs_read_file(tree_dirfd, te->path, WHEEL_MAX_SCRIPT, &raw) < 0) {
				r = error_set(c->err, BURROW_EFAIL, "%s: %s: %s", info->dist_info,
				              te->path, strerror(errno));
				strbuf_release(&raw);
				return r;
			}
			if (entrypoints_fix_shebang(raw.buf, raw.len, &out) != 1 ||
			    !(it = plan_add(c, WHEEL_PLAN_WRITE, dir, rest, te->path, 0755)) ||
			    set_content(it, &out) < 0)
				r = oom(c->err, info->dist_info);
			strbuf_release(&raw);
			strbuf_release(&out);
			return r;
		}
	}
	it = plan_add(c, WHEEL_PLAN_LINK, dir, rest, te->path, is_script ? 0755 : te->mode);
	if (!it)
		return oom(c->err, info->dist_info);
	it->size = te->size;
	memcpy(it->sha256, te->sha256, sizeof(it->sha256));
	return 0;
}

static int plan_launchers(struct plan_ctx *c, int tree_dirfd)
{
	struct strbuf txt = STRBUF_INIT, body = STRBUF_INIT;
	struct entrypoints eps;
	char path[PATH_MAX];
	size_t i;
	int r = 0;

	memset(&eps, 0, sizeof(eps));
	if (fs_path_join(path, sizeof(path), c->info->dist_info, "entry_points.txt") < 0)
		return error_set(c->err, BURROW_EFAIL, "%s: name too long", c->info->dist_info);
	if (fs_read_file(tree_dirfd, path, ENTRYPOINTS_MAX_INPUT, &txt) < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == EFBIG)
			return error_set(c->err, BURROW_EINTEGRITY, "%s: larger than 1 MiB", path);
		return error_set(c->err, BURROW_EFAIL, "%s: %s", path, strerror(errno));
	}
	if ((r = entrypoints_parse(txt.buf, txt.len, &eps, c->err)) != 0) {
		error_prefix(c->err, r, "%s", c->info->dist_info);
		goto out;
	}
	for (i = 0; i < eps.len; i++) {
		struct wheel_plan_item *it;
		strbuf_reset(&body);
		if (entrypoints_launcher(&eps.items[i], &body) < 0 ||
		    !(it = plan_add(c, WHEEL_PLAN_WRITE, c->dirs[2].buf, eps.items[i].name, NULL,
		                    0755)) ||
		    set_content(it, &body) < 0) {
			r = oom(c->err, c->info->dist_info);
			goto out;
		}
	}
out:
	entrypoints_release(&eps);
	strbuf_release(&txt);
	strbuf_release(&body);
	return r;
}

/* The component of dest right after the directory dir, or NULL when dest
 * is not beneath dir. */
static const char *after_dir(const char *dest, const char *dir)
{
	size_t n = strlen(dir);

	if (!n)
		return dest;
	if (strncmp(dest, dir, n) || dest[n] != '/')
		return NULL;
	return dest + n + 1;
}

static int check_dests(struct plan_ctx *c)
{
	struct wheel_plan *plan = c->plan;
	struct name_idx *keys = NULL;
	struct strbuf key = STRBUF_INIT;
	char rec[PATH_MAX], rel[PATH_MAX];
	size_t i, j;
	int r = 0;

	/* RECORD is written after the plan (wheel_plan_record): keep its place */
	if (fs_path_join(rel, sizeof(rel), c->info->dist_info, "RECORD") < 0 ||
	    fs_path_join(rec, sizeof(rec), c->root, rel) < 0)
		return error_set(c->err, BURROW_EFAIL, "%s: name too long", c->info->dist_info);
	for (i = 0; i < plan->len; i++) {
		const char *d = plan->items[i].dest, *a;
		const char *why = NULL;
		if (path_policy_check(d, strlen(d), NULL) != 0 || d[strlen(d) - 1] == '/')
			why = "destination escapes the env or is not a valid path";
		else if (!strcasecmp(d, rec) ||
		         (!strncasecmp(rec, d, strlen(d)) && rec[strlen(d)] == '/'))
			why = "collides with the RECORD written at install";
		else if (!strncmp(d, ".burrow/", 8) || !strcmp(d, ".burrow") ||
		         !strcmp(d, "pyvenv.cfg"))
			why = "destination is reserved for the env itself";
		else if ((a = after_dir(d, c->dirs[2].buf)) &&
		         (!strncasecmp(a, "python", 6) || !strncasecmp(a, "activate", 8)))
			why = "script names starting with \"python\" or \"activate\" are reserved";
		for (j = 0; !why && j < 2; j++) {
			const char *s;
			size_t n;
			if (!(a = after_dir(d, c->dirs[j].buf)))
				continue;
			s = strchr(a, '/');
			n = s ? (size_t)(s - a) : strlen(a);
			if (ends_with(a, n, ".dist-info") &&
			    (n != strlen(c->info->dist_info) || memcmp(a, c->info->dist_info, n)))
				why = "installs into another distribution's .dist-info directory";
		}
		if (why) {
			r = bad_path(c->err, c->info->dist_info, d, strlen(d), why);
			goto out;
		}
	}
	if (plan->len == 0)
		goto out;
	keys = calloc(plan->len, sizeof(*keys));
	if (!keys) {
		r = oom(c->err, c->info->dist_info);
		goto out;
	}
	for (i = 0; i < plan->len; i++) {
		const char *d = plan->items[i].dest;
		if (path_policy_key(d, strlen(d), &key) < 0 ||
		    !(keys[i].name = strbuf_detach(&key, NULL))) {
			r = oom(c->err, c->info->dist_info);
			goto out;
		}
		keys[i].idx = i;
	}
	qsort(keys, plan->len, sizeof(*keys), cmp_name_idx);
	for (i = 0; i < plan->len; i++) {
		const char *k = keys[i].name;
		const struct wheel_plan_item *a = &plan->items[keys[i].idx], *b = NULL;
		if (i && !strcmp(keys[i - 1].name, k))
			b = &plan->items[keys[i - 1].idx];
		for (j = 0; !b && k[j]; j++) {
			struct name_idx probe, *hit;
			char *tmp;
			if (k[j] != '/')
				continue;
			if (!(tmp = dup_n(k, j))) {
				r = oom(c->err, c->info->dist_info);
				goto out;
			}
			probe.name = tmp;
			hit = bsearch(&probe, keys, plan->len, sizeof(*keys), cmp_name_idx);
			free(tmp);
			if (hit)
				b = &plan->items[hit->idx];
		}
		if (b) {
			error_set(c->err, BURROW_EINTEGRITY, "%s: \"", c->info->dist_info);
			strbuf_add_escaped(c->err, a->src ? a->src : a->dest,
			                   strlen(a->src ? a->src : a->dest));
			strbuf_addstr(c->err, "\" and \"");
			strbuf_add_escaped(c->err, b->src ? b->src : b->dest,
			                   strlen(b->src ? b->src : b->dest));
			strbuf_addstr(c->err, "\" collide at \"");
			strbuf_add_escaped(c->err, a->dest, strlen(a->dest));
			strbuf_addch(c->err, '"');
			r = BURROW_EINTEGRITY;
			goto out;
		}
	}
out:
	if (keys)
		for (i = 0; i < plan->len; i++)
			free((char *)keys[i].name);
	free(keys);
	strbuf_release(&key);
	return r;
}

int wheel_plan(int tree_dirfd, const struct wheel_info *info, const struct tree_list *entries,
               const struct wheel_scheme *scheme, struct wheel_plan *plan, struct strbuf *err)
{
	static const char *const names[5] = {"purelib", "platlib", "scripts", "headers", "data"};
	struct strbuf local_err = STRBUF_INIT;
	struct plan_ctx c;
	char rec_path[PATH_MAX], inst_path[PATH_MAX];
	const char *dirs[5];
	size_t i;
	int r = 0;

	memset(plan, 0, sizeof(*plan));
	memset(&c, 0, sizeof(c));
	c.plan = plan;
	c.info = info;
	c.err = err ? err : &local_err;
	dirs[0] = scheme->purelib;
	dirs[1] = scheme->platlib;
	dirs[2] = scheme->scripts;
	dirs[3] = scheme->headers;
	dirs[4] = scheme->data;
	for (i = 0; i < 5; i++)
		strbuf_init(&c.dirs[i], PATH_MAX);
	for (i = 0; i < 5 && !r; i++)
		r = norm_scheme(dirs[i], names[i], &c.dirs[i], c.err);
	if (r)
		goto out;
	c.root = c.dirs[info->root_is_purelib ? 0 : 1].buf;
	if (fs_path_join(rec_path, sizeof(rec_path), info->dist_info, "RECORD") < 0 ||
	    fs_path_join(inst_path, sizeof(inst_path), info->dist_info, "INSTALLER") < 0) {
		r = error_set(c.err, BURROW_EFAIL, "%s: name too long", info->dist_info);
		goto out;
	}
	for (i = 0; i < entries->len && !r; i++) {
		const struct tree_entry *te = &entries->items[i];
		if ((r = signals_pending()) != 0)
			break;
		if (te->type == TREE_DIR)
			continue;
		if (te->type != TREE_FILE) {
			r = bad_path(c.err, info->dist_info, te->path, strlen(te->path),
			             "not a regular file");
			break;
		}
		if (!strcmp(te->path, rec_path) ||
		    (scheme->installer && !strcmp(te->path, inst_path)))
			continue;
		if (has_pycache(te->path)) {
			plan->skipped_pycache++;
			continue;
		}
		r = plan_file(&c, tree_dirfd, te);
	}
	if (!r)
		r = plan_launchers(&c, tree_dirfd);
	if (!r && scheme->installer) {
		struct strbuf body = STRBUF_INIT;
		struct wheel_plan_item *it;
		if (strbuf_addstr(&body, scheme->installer) < 0 || strbuf_addch(&body, '\n') < 0 ||
		    !(it = plan_add(&c, WHEEL_PLAN_WRITE, c.root, inst_path, NULL, 0644)) ||
		    set_content(it, &body) < 0)
			r = oom(c.err, info->dist_info);
		strbuf_release(&body);
	}
	if (!r)
		r = check_dests(&c);
out:
	for (i = 0; i < 5; i++)
		strbuf_release(&c.dirs[i]);
	strbuf_release(&local_err);
	return r;
}

struct record_row {
	const char *path;
	const struct wheel_plan_item *item;
};

static int cmp_row(const void *a, const void *b)
{
	return strcmp(((const struct record_row *)a)->path, ((const struct record_row *)b)->path);
}

int wheel_plan_record(const struct wheel_plan *plan, const struct wheel_info *info,
                      const struct wheel_scheme *scheme, struct strbuf *out, char **dest,
                      struct strbuf *err)
{
	struct strbuf root = STRBUF_INIT;
	struct record_row *rows;
	char rec_path[PATH_MAX];
	size_t i, n = plan->len + 1;
	int r = 0;

	*dest = NULL;
	strbuf_reset(out);
	if ((r = norm_scheme(info->root_is_purelib ? scheme->purelib : scheme->platlib, "root",
	                     &root, err)) != 0)
		return r;
	if (fs_path_join(rec_path, sizeof(rec_path), info->dist_info, "RECORD") < 0) {
		strbuf_release(&root);
		return error_set(err, BURROW_EFAIL, "%s: name too long", info->dist_info);
	}
	rows = calloc(n, sizeof(*rows));
	if (!rows) {
		strbuf_release(&root);
		return oom(err, info->dist_info);
	}
	for (i = 0; i < plan->len; i++) {
		rows[i].path = plan->items[i].record_path;
		rows[i].item = &plan->items[i];
	}
	rows[plan->len].path = rec_path;
	qsort(rows, n, sizeof(*rows), cmp_row);
	for (i = 0; i < n && !r; i++) {
		unsigned char digest[32];
		const struct wheel_plan_item *it = rows[i].item;
		if (!it) {
			r = record_write_line(out, rows[i].path, NULL, -1);
			continue;
		}
		if (sha256_from_hex(it->sha256, digest) < 0) {
			r = error_set(err, BURROW_EFAIL, "%s: bad digest for %s", info->dist_info,
			              it->dest);
			break;
		}
		r = record_write_line(out, rows[i].path, digest, (int64_t)it->size);
	}
	if (r && r != BURROW_EFAIL)
		r = oom(err, info->dist_info);
	if (!r) {
		char full[PATH_MAX];
		if (fs_path_join(full, sizeof(full), root.buf, rec_path) < 0 ||
		    !(*dest = strdup(full)))
			r = oom(err, info->dist_info);
	}
	free(rows);
	strbuf_release(&root);
	return r;
}

void wheel_plan_release(struct wheel_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->len; i++) {
		free(plan->items[i].dest);
		free(plan->items[i].src);
		free(plan->items[i].content);
		free(plan->items[i].record_path);
	}
	free(plan->items);
	memset(plan, 0, sizeof(*plan));
}
