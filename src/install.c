/*
 * install: plan, fetch, unpack, stage, commit (see install.h).
 *
 * The staged env is always built whole from the cache trees (links are
 * cheap), so "install" is exact by construction: what the manifest does not
 * name is simply not in the new tree.  The old env is swapped out in one
 * renameat2(RENAME_EXCHANGE) and removed afterwards.
 */
#include "install.h"

#include "bundle.h"
#include "cache.h"
#include "envdir.h"
#include "filename.h"
#include "launch.h"
#include "pep440.h"
#include "repo.h"
#include "state.h"
#include "tree.h"
#include "unpack.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "util/signals.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ARTIFACT_BYTES ((uint64_t)2 << 30)

/* One pin's chosen artifact. */
struct pick {
	const struct manifest_bundle *b;
	char *filename;
	char *url;       /* NULL when already in the cache */
	char sha256[65]; /* the pinned hash it must match, "" when unknown */
	struct tree_list entries;
	struct bundle_info info;
	int have_info;
};

static void progress(const struct install_options *o, const char *phase, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void progress(const struct install_options *o, const char *phase, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (!o->progress.event)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	o->progress.event(o->progress.arg, phase, sb.buf);
	strbuf_release(&sb);
}

static int pinned(const struct manifest_bundle *b, const char *sha)
{
	size_t i;

	for (i = 0; i < b->nhashes; i++)
		if (!strcmp(b->hashes[i], sha))
			return 1;
	return 0;
}

static int versions_equal(const char *a, const char *b)
{
	struct pep440_version va, vb;

	if (pep440_parse(a, &va) != 0 || pep440_parse(b, &vb) != 0)
		return !strcmp(a, b);
	return pep440_compare(&va, &vb) == 0;
}

static int name_matches(const char *name, const char *key)
{
	struct strbuf n = STRBUF_INIT;
	int r;

	pep503_normalize(name, &n);
	r = !strcmp(n.buf, key);
	strbuf_release(&n);
	return r;
}

/* Where the bundle was declared, for messages. */
static void where(const struct install_options *o, const struct manifest_bundle *b,
                  struct strbuf *out)
{
	strbuf_reset(out);
	strbuf_addf(out, "%s:%d:%d: bundle \"%s\"", o->m->path ? o->m->path : "manifest", b->line,
	            b->column, b->name);
}

/* A pinned artifact already in the cache that fits this machine. */
static int pick_from_cache(struct cache *c, struct pick *p)
{
	int best_rank = -1;
	size_t i;

	for (i = 0; i < p->b->nhashes; i++) {
		const char *sha = p->b->hashes[i];
		struct filename_info fi;
		char *fn;
		int rank;

		if (!cache_archive_has(c, sha))
			continue;
		fn = cache_archive_filename(c, sha);
		if (!fn)
			continue;
		if (filename_parse(fn, &fi) != 0 || fi.kind != FILENAME_BUNDLE ||
		    !name_matches(fi.name, p->b->key) ||
		    !versions_equal(fi.version, p->b->version) ||
		    !bundle_platform_ok(fi.platform, &rank) ||
		    (best_rank >= 0 && rank >= best_rank)) {
			free(fn);
			continue;
		}
		best_rank = rank;
		free(p->filename);
		p->filename = fn;
		snprintf(p->sha256, sizeof(p->sha256), "%s", sha);
	}
	return best_rank >= 0;
}

/* Candidate quality: 0 hash advertised and pinned; 1 no hash advertised;
 * 2 advertised hash not pinned (fetched anyway so that the mismatch is
 * proven on real bytes and reported as such). */
static int pick_from_repos(const struct install_options *o, struct pick *p, struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT, loc = STRBUF_INIT, red = STRBUF_INIT;
	int best_q = 99, best_rank = 0, offered = 0, r = 0;
	size_t ri, i;

	for (ri = 0; ri < o->m->nrepos; ri++) {
		struct repo_files files = {0};
		struct strbuf lerr = STRBUF_INIT;

		if ((r = signals_pending()))
			break;
		r = repo_list(o->m->repos[ri].url, p->b->name, &o->fetch, &files, &lerr);
		if (r) {
			where(o, p->b, &loc);
			error_set(err, r, "%s: %s", loc.buf, lerr.buf);
			strbuf_release(&lerr);
			repo_files_release(&files);
			goto out;
		}
		strbuf_release(&lerr);
		for (i = 0; i < files.len; i++) {
			const struct repo_file *f = &files.items[i];
			struct filename_info fi;
			int rank = 0, q;

			if (filename_parse(f->filename, &fi) != 0 ||
			    !name_matches(fi.name, p->b->key))
				continue;
			offered++;
			strbuf_addf(&why, "\n  %s: ", f->filename);
			if (!versions_equal(fi.version, p->b->version)) {
				strbuf_addf(&why, "version %s, not %s", fi.version, p->b->version);
				continue;
			}
			if (fi.kind != FILENAME_BUNDLE) {
				strbuf_addstr(&why, "a wheel, and this env has no Python");
				continue;
			}
			if (!bundle_platform_ok(fi.platform, &rank)) {
				strbuf_addf(&why, "platform %s does not fit this machine",
				            fi.platform);
				continue;
			}
			if (f->sha256[0] && pinned(p->b, f->sha256))
				q = 0;
			else if (!f->sha256[0])
				q = 1;
			else
				q = 2;
			strbuf_addstr(&why, q == 2 ? "index's sha256 is not pinned" : "fits");
			if (q < best_q || (q == best_q && rank < best_rank)) {
				best_q = q;
				best_rank = rank;
				free(p->filename);
				free(p->url);
				p->filename = strdup(f->filename);
				p->url = strdup(f->url);
				snprintf(p->sha256, sizeof(p->sha256), "%s",
				         q == 0 ? f->sha256 : "");
			}
		}
		repo_files_release(&files);
	}
	if (!r && best_q == 99) {
		where(o, p->b, &loc);
		if (!o->m->nrepos)
			r = error_set(err, BURROW_ERESOLVE,
			              "%s==%s: not in the cache and no repository is configured",
			              loc.buf, p->b->version);
		else if (!offered)
			r = error_set(err, BURROW_ERESOLVE, "%s==%s: no repository offers it",
			              loc.buf, p->b->version);
		else
			r = error_set(err, BURROW_ERESOLVE,
			              "%s==%s: nothing offered fits; offered:%s", loc.buf,
			              p->b->version, why.buf);
	}
out:
	(void)red;
	strbuf_release(&why);
	strbuf_release(&loc);
	strbuf_release(&red);
	return r;
}

static int fetch_picks(const struct install_options *o, struct cache *c, struct pick *picks,
                       size_t n, struct install_result *res, struct strbuf *err)
{
	struct fetch_job *jobs;
	size_t *map, nj = 0, i;
	int r = 0;

	jobs = calloc(n ? n : 1, sizeof(*jobs));
	map = calloc(n ? n : 1, sizeof(*map));
	if (!jobs || !map) {
		free(jobs);
		free(map);
		return error_set(err, BURROW_EFAIL, "out of memory");
	}
	for (i = 0; i < n; i++) {
		if (!picks[i].url)
			continue;
		fetch_job_init(&jobs[nj]);
		jobs[nj].url = picks[i].url;
		jobs[nj].max_bytes = MAX_ARTIFACT_BYTES;
		jobs[nj].expect_sha256 = picks[i].sha256[0] ? picks[i].sha256 : NULL;
		jobs[nj].dest_dirfd = c->tmp_fd;
		map[nj++] = i;
	}
	if (nj) {
		progress(o, "download", "%zu file%s", nj, nj == 1 ? "" : "s");
		fetch_run(&o->fetch, jobs, nj);
	}
	for (i = 0; i < nj; i++) {
		struct pick *p = &picks[map[i]];
		struct strbuf loc = STRBUF_INIT, red = STRBUF_INIT;

		if (jobs[i].status) {
			if (!r) {
				where(o, p->b, &loc);
				r = error_set(err, jobs[i].status, "%s: %s", loc.buf,
				              jobs[i].err.buf);
			}
		} else if (!pinned(p->b, jobs[i].sha256)) {
			unlinkat(c->tmp_fd, jobs[i].tmpname, 0);
			if (!r) {
				where(o, p->b, &loc);
				fetch_redact_url(p->url, &red);
				r = error_set(err, BURROW_EINTEGRITY,
				              "%s: sha256 mismatch (expected %s%s, got %s) from %s",
				              loc.buf, p->b->hashes[0],
				              p->b->nhashes > 1 ? " or another pinned hash" : "",
				              jobs[i].sha256, red.buf);
			}
		} else if (r) {
			unlinkat(c->tmp_fd, jobs[i].tmpname, 0);
		} else {
			snprintf(p->sha256, sizeof(p->sha256), "%s", jobs[i].sha256);
			r = cache_archive_commit(c, jobs[i].tmpname, jobs[i].sha256, p->filename,
			                         jobs[i].size, err);
			if (!r)
				res->fetched++;
		}
		strbuf_release(&loc);
		strbuf_release(&red);
	}
	for (i = 0; i < nj; i++)
		fetch_job_release(&jobs[i]);
	free(jobs);
	free(map);
	return r;
}

static void info_to_text(const struct bundle_info *bi, struct strbuf *out)
{
	size_t i;

	strbuf_addf(out, "Name: %s\nVersion: %s\nSummary: %s\n", bi->name, bi->version,
	            bi->summary ? bi->summary : "");
	for (i = 0; i < bi->nrequires; i++)
		strbuf_addf(out, "Requires: %s\n", bi->requires[i]);
}

/* Makes sure the pick's tree is in the cache; loads its entries. */
static int unpack_pick(const struct install_options *o, struct cache *c, struct pick *p,
                       struct install_result *res, struct strbuf *err)
{
	struct strbuf info = STRBUF_INIT, loc = STRBUF_INIT;
	struct unpack_limits lim;
	unsigned char digest[32];
	char hex[65], tmp[96];
	int afd, tfd, r;

	tfd = cache_tree_open(c, p->sha256, &p->entries, &info);
	if (tfd >= 0) {
		close(tfd);
		strbuf_release(&info);
		return 0;
	}
	tree_list_release(&p->entries);
	afd = cache_archive_open(c, p->sha256);
	if (afd < 0)
		return error_set(err, BURROW_EFAIL, "cache: archive %s missing: %s", p->sha256,
		                 strerror(errno));
	/* Re-hash the very fd we unpack from: the cache may be shared. */
	if (sha256_fd(afd, digest, NULL) < 0 || lseek(afd, 0, SEEK_SET) < 0) {
		r = error_set(err, BURROW_EFAIL, "cache: archive %s: %s", p->sha256,
		              strerror(errno));
		close(afd);
		return r;
	}
	sha256_to_hex(digest, hex);
	if (strcmp(hex, p->sha256) != 0) {
		close(afd);
		where(o, p->b, &loc);
		r = error_set(err, BURROW_EINTEGRITY,
		              "%s: cached archive %s is corrupt (hashes to %s); run burrow cache "
		              "clean",
		              loc.buf, p->sha256, hex);
		strbuf_release(&loc);
		return r;
	}
	tfd = cache_tree_begin(c, tmp, sizeof(tmp), err);
	if (tfd < 0) {
		close(afd);
		return BURROW_EFAIL;
	}
	progress(o, "unpack", "%s", p->filename);
	unpack_limits_default(&lim);
	r = unpack_tar(afd, tfd, &lim, p->filename, &p->entries, err);
	close(afd);
	if (!r)
		r = bundle_verify(tfd, &p->entries, p->filename, &p->info, err);
	if (!r) {
		p->have_info = 1;
		if (!name_matches(p->info.name, p->b->key) ||
		    !versions_equal(p->info.version, p->b->version)) {
			where(o, p->b, &loc);
			r = error_set(err, BURROW_EINTEGRITY, "%s==%s: %s holds %s %s instead",
			              loc.buf, p->b->version, p->filename, p->info.name,
			              p->info.version);
		}
	}
	close(tfd);
	if (!r) {
		info_to_text(&p->info, &info);
		r = cache_tree_commit(c, tmp, p->sha256, "bundle", &p->entries, info.buf, err);
	} else {
		cache_tree_abort(c, tmp);
		if (r != BURROW_EINT && r != BURROW_ETERM) {
			where(o, p->b, &loc);
			error_prefix(err, r, "%s", loc.buf);
		}
	}
	if (!r)
		res->unpacked++;
	strbuf_release(&info);
	strbuf_release(&loc);
	return r;
}

/* "Requires: x\n" lines of stored info into a newline-joined list. */
static void info_field(const char *info, const char *key, struct strbuf *out, int all)
{
	size_t klen = strlen(key);
	const char *p = info;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n > klen + 1 && !strncmp(p, key, klen) && p[klen] == ':') {
			const char *v = p + klen + 1;
			while (*v == ' ')
				v++;
			if (out->len)
				strbuf_addch(out, '\n');
			strbuf_add(out, v, (size_t)(p + n - v));
			if (!all)
				return;
		}
		p = nl ? nl + 1 : NULL;
	}
}

/* Links one tree entry into the staging env. */
static int link_entry(int tree_fd, int stage_fd, const struct tree_entry *e, struct strbuf *err)
{
	const char *slash = strrchr(e->path, '/');
	char parent[PATH_MAX];
	const char *leaf = e->path;
	int pfd, rc = 0;

	if (e->type == TREE_DIR) {
		int fd = fs_open_dir(stage_fd, e->path, 1);
		if (fd < 0)
			return error_set(err, BURROW_EFAIL, "%s: %s", e->path, strerror(errno));
		fchmod(fd, 0755);
		close(fd);
		return 0;
	}
	if (slash) {
		size_t n = (size_t)(slash - e->path);
		memcpy(parent, e->path, n);
		parent[n] = '\0';
		leaf = slash + 1;
		pfd = fs_open_dir(stage_fd, parent, 1);
	} else {
		pfd = dup(stage_fd);
	}
	if (pfd < 0)
		return error_set(err, BURROW_EFAIL, "%s: %s", e->path, strerror(errno));
	if (e->type == TREE_SYMLINK) {
		if (symlinkat(e->link_target, pfd, leaf) < 0)
			rc = -1;
	} else if (linkat(tree_fd, e->path, pfd, leaf, 0) < 0) {
		if (errno == EXDEV || errno == EPERM || errno == EMLINK || errno == EACCES)
			rc = fs_copy_file(tree_fd, e->path, pfd, leaf, e->mode);
		else
			rc = -1;
	}
	if (rc < 0) {
		int e2 = errno;
		close(pfd);
		if (e2 == EEXIST)
			return error_set(err, BURROW_EINTEGRITY, "%s: provided by two bundles",
			                 e->path);
		return error_set(err, BURROW_EFAIL, "%s: %s", e->path, strerror(e2));
	}
	close(pfd);
	return 0;
}

static int is_bundle_info(const char *path)
{
	const char *slash = strchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : strlen(path);

	return n > 12 && !memcmp(path + n - 12, ".bundle-info", 12);
}

static int write_file(int dirfd, const char *name, const char *data, size_t len, struct strbuf *err)
{
	if (fs_write_atomic(dirfd, name, data, len, 0644) < 0)
		return error_set(err, BURROW_EFAIL, "%s: %s", name, strerror(errno));
	return 0;
}

static int stage_env(const struct install_options *o, struct envdir *ed, struct cache *c,
                     struct pick *picks, size_t n, struct install_result *res, struct strbuf *err)
{
	static const char *const dirs[] = {"bin", "lib", ".burrow"};
	struct strbuf facts = STRBUF_INIT, info = STRBUF_INIT;
	sqlite3 *db = NULL;
	size_t i, j;
	int r;

	if ((r = envdir_stage(ed, err)))
		return r;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (mkdirat(ed->staging_fd, dirs[i], 0755) < 0)
			return error_set(err, BURROW_EFAIL, "%s: %s", dirs[i], strerror(errno));
	if ((r = state_create(ed->staging_fd, &db, err)))
		return r;
	progress(o, "link", "%zu bundle%s", n, n == 1 ? "" : "s");
	for (i = 0; i < n && !r; i++) {
		struct pick *p = &picks[i];
		struct state_bundle sb;
		struct strbuf req = STRBUF_INIT, summary = STRBUF_INIT, name = STRBUF_INIT,
		              ver = STRBUF_INIT;
		int tfd;

		strbuf_reset(&info);
		tree_list_release(&p->entries);
		tfd = cache_tree_open(c, p->sha256, &p->entries, &info);
		if (tfd < 0) {
			r = error_set(err, BURROW_EFAIL, "cache: tree %s vanished", p->sha256);
			break;
		}
		info_field(info.buf, "Requires", &req, 1);
		info_field(info.buf, "Summary", &summary, 0);
		info_field(info.buf, "Name", &name, 0);
		info_field(info.buf, "Version", &ver, 0);
		sb.key = p->b->key;
		sb.name = name.len ? name.buf : p->b->name;
		sb.version = ver.len ? ver.buf : p->b->version;
		sb.kind = (char *)"bundle";
		sb.sha256 = p->sha256;
		sb.filename = p->filename;
		sb.requires = req.buf;
		sb.summary = summary.buf;
		r = state_add_bundle(db, &sb, err);
		for (j = 0; j < p->entries.len && !r; j++) {
			const struct tree_entry *e = &p->entries.items[j];
			if ((r = signals_pending())) {
				error_set(err, r, "interrupted");
				break;
			}
			if (is_bundle_info(e->path))
				continue;
			r = link_entry(tfd, ed->staging_fd, e, err);
			if (!r && e->type != TREE_DIR) {
				r = state_add_file(db, p->b->key, e->path, e, err);
				res->files++;
			}
		}
		if (r && r != BURROW_EINT && r != BURROW_ETERM)
			error_prefix(err, r, "%s", p->filename);
		close(tfd);
		strbuf_release(&req);
		strbuf_release(&summary);
		strbuf_release(&name);
		strbuf_release(&ver);
	}
	if (!r)
		r = state_set_meta(db, "manifest_digest", o->m ? o->m->digest : "", err);
	if (!r)
		r = state_set_meta(db, "burrow_version", BURROW_VERSION, err);
	if (!r)
		r = state_finish(db, err);
	else
		state_close(db);
	db = NULL;
	if (!r && o->m) {
		struct strbuf raw = STRBUF_INIT;
		if (o->m->path && fs_read_file(AT_FDCWD, o->m->path, 4 << 20, &raw) == 0)
			r = write_file(ed->staging_fd, ".burrow/manifest.toml", raw.buf, raw.len,
			               err);
		strbuf_release(&raw);
	}
	if (!r) {
		struct manifest empty;
		manifest_init(&empty);
		launch_facts_write(o->m ? o->m : &empty, 0, &facts);
		r = write_file(ed->staging_fd, ".burrow/run", facts.buf, facts.len, err);
	}
	strbuf_release(&facts);
	strbuf_release(&info);
	return r;
}

/* The env holds exactly this manifest already, and its trees exist. */
static int is_noop(const struct install_options *o, struct envdir *ed, struct cache *c)
{
	struct strbuf v = STRBUF_INIT;
	struct state_bundles sb;
	sqlite3 *db = NULL;
	int fd, ok = 0;
	size_t i;

	if (!o->m || (fd = envdir_open_live(ed)) < 0)
		return 0;
	if (state_open(fd, &db, NULL) == 0 && state_get_meta(db, "manifest_digest", &v) == 0 &&
	    !strcmp(v.buf, o->m->digest)) {
		strbuf_reset(&v);
		if (state_get_meta(db, "burrow_version", &v) == 0 &&
		    !strcmp(v.buf, BURROW_VERSION) && state_bundles(db, &sb, NULL) == 0) {
			ok = sb.len == o->m->nbundles;
			for (i = 0; i < sb.len && ok; i++)
				ok = cache_tree_has(c, sb.items[i].sha256);
			state_bundles_release(&sb);
		}
	}
	state_close(db);
	close(fd);
	strbuf_release(&v);
	return ok;
}

/* Counts what changes against the live env, for the summary line. */
static void diff_live(struct envdir *ed, struct pick *picks, size_t n, struct install_result *res)
{
	struct state_bundles sb = {0};
	sqlite3 *db = NULL;
	size_t i, j;
	int fd = envdir_open_live(ed);

	if (fd >= 0 && state_open(fd, &db, NULL) == 0)
		state_bundles(db, &sb, NULL);
	for (i = 0; i < n; i++) {
		for (j = 0; j < sb.len; j++)
			if (!strcmp(sb.items[j].key, picks[i].b->key))
				break;
		if (j == sb.len)
			res->added++;
		else if (strcmp(sb.items[j].sha256, picks[i].sha256))
			res->changed++;
	}
	for (j = 0; j < sb.len; j++) {
		for (i = 0; i < n; i++)
			if (!strcmp(sb.items[j].key, picks[i].b->key))
				break;
		if (i == n)
			res->removed++;
	}
	state_bundles_release(&sb);
	state_close(db);
	if (fd >= 0)
		close(fd);
}

int install_run(const struct install_options *o, struct install_result *res, struct strbuf *err)
{
	struct envdir ed;
	struct cache c;
	struct pick *picks = NULL;
	size_t n = o->m ? o->m->nbundles : 0, i;
	int r, have_env = 0;

	memset(res, 0, sizeof(*res));
	memset(&ed, 0, sizeof(ed));
	ed.parent_fd = ed.lock_fd = ed.staging_fd = -1;
	if (o->m && o->m->python)
		return error_set(
		    err, BURROW_EMANIFEST,
		    "%s: [env].python: Python envs are not supported by this build yet",
		    o->m->path);
	if ((r = cache_open(&c, o->cache_dir, err)))
		return r;
	if (!o->fetch_only) {
		if ((r = envdir_open(&ed, o->env_path, err)))
			goto out;
		have_env = 1;
		if ((r = envdir_lock(&ed, o->wait_seconds, err)))
			goto out;
		if (o->create && envdir_exists(&ed)) {
			r = error_set(err, BURROW_EFAIL,
			              "%s: already exists (use burrow install to change it)",
			              o->env_path);
			goto out;
		}
		if (!o->create && !envdir_exists(&ed)) {
			r = error_set(err, BURROW_EFAIL,
			              "%s: no such env (use burrow create to make it)",
			              o->env_path);
			goto out;
		}
		if (!o->create && is_noop(o, &ed, &c)) {
			res->noop = 1;
			res->bundles = n;
			goto out;
		}
	}
	picks = calloc(n ? n : 1, sizeof(*picks));
	if (!picks) {
		r = error_set(err, BURROW_EFAIL, "out of memory");
		goto out;
	}
	progress(o, "resolve", "%zu bundle%s", n, n == 1 ? "" : "s");
	for (i = 0; i < n; i++) {
		picks[i].b = &o->m->bundles[i];
		if (pick_from_cache(&c, &picks[i]))
			continue;
		if (o->fetch.offline && !o->m->nrepos) {
			r = error_set(err, BURROW_ERESOLVE,
			              "%s: %s==%s: not in the cache (offline)", o->m->path,
			              picks[i].b->name, picks[i].b->version);
			goto out;
		}
		if ((r = pick_from_repos(o, &picks[i], err)))
			goto out;
	}
	if ((r = fetch_picks(o, &c, picks, n, res, err)))
		goto out;
	for (i = 0; i < n; i++)
		if ((r = unpack_pick(o, &c, &picks[i], res, err)))
			goto out;
	res->bundles = n;
	if (o->fetch_only)
		goto out;
	diff_live(&ed, picks, n, res);
	if ((r = stage_env(o, &ed, &c, picks, n, res, err)))
		goto out;
	if ((r = signals_pending())) {
		error_set(err, r, "interrupted");
		goto out;
	}
	progress(o, "commit", "%s", o->env_path);
	r = envdir_commit(&ed, err);
out:
	if (picks) {
		for (i = 0; i < n; i++) {
			free(picks[i].filename);
			free(picks[i].url);
			tree_list_release(&picks[i].entries);
			if (picks[i].have_info)
				bundle_info_release(&picks[i].info);
		}
		free(picks);
	}
	if (have_env)
		envdir_close(&ed);
	cache_close(&c);
	return r;
}
