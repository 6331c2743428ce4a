/*
 * install: plan, fetch, unpack, stage, commit (see install.h).
 *
 * The staged env is always built whole from the cache trees (links are
 * cheap), so "install" is exact by construction: what the manifest does not
 * name is simply not in the new tree.  The old env is swapped out in one
 * renameat2(RENAME_EXCHANGE) and removed afterwards.
 */
#include "install.h"

#include "audit.h"
#include "bundle.h"
#include "cache.h"
#include "envdir.h"
#include "filename.h"
#include "launch.h"
#include "metadata.h"
#include "noop.h"
#include "pep440.h"
#include "pep508.h"
#include "python.h"
#include "repo.h"
#include "state.h"
#include "tree.h"
#include "tags.h"
#include "trust.h"
#include "unpack.h"
#include "wheel.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "util/signals.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ARTIFACT_BYTES ((uint64_t)2 << 30)

/* One pin's chosen artifact. */
struct pick {
	const struct manifest_bundle *b;
	char *filename;
	char *url;                /* NULL when already in the cache */
	char sha256[65];          /* the pinned hash it must match, "" when unknown */
	int wheel;                /* a wheel (else a native bundle) */
	int64_t size;             /* the size the index or lock declares, -1 unknown */
	int metadata;             /* PEP 658: the index serves url + ".metadata" */
	char metadata_sha256[65]; /* its sha256 when the index gave one, else "" */
	struct tree_list entries;
	struct strbuf info; /* "Key: value" lines kept with the cache tree */
	char corrupt[65];   /* the hash of a corrupt cached copy removed, or "" */
};

/* What the env is for: the interpreter of a Python env (its tags and
 * marker values), or this machine for a native env. */
struct target {
	int python;
	struct python_info py;
	struct tags_list tags;
	struct pep508_env env;
	struct utsname uts;
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

/* "812 B", "101 KiB", "3.4 MiB" for progress messages. */
static const char *human_size(uint64_t n, char *buf, size_t len)
{
	if (n < 1024)
		snprintf(buf, len, "%u B", (unsigned)n);
	else if (n < 1024 * 1024)
		snprintf(buf, len, "%u KiB", (unsigned)((n + 512) / 1024));
	else
		snprintf(buf, len, "%.1f MiB", (double)n / (1024.0 * 1024.0));
	return buf;
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

/* Whether a file of that name fits the target: 1 with *rank (lower is
 * better), or 0 with the reason in why. */
static int fits(const struct target *t, const struct filename_info *fi, int *rank,
                struct strbuf *why)
{
	if (fi->kind == FILENAME_WHEEL) {
		struct strbuf triple = STRBUF_INIT;
		long k;

		if (!t->python) {
			strbuf_addstr(why, "a wheel, and this env has no Python (give --python "
			                   "python3, or [env].python in a TOML manifest)");
			return 0;
		}
		strbuf_addf(&triple, "%s-%s-%s", fi->python, fi->abi, fi->platform);
		k = tags_rank(&t->tags, triple.buf, triple.len);
		if (k < 0)
			strbuf_addf(why, "tags %s do not fit Python %s on this machine", triple.buf,
			            t->py.version);
		strbuf_release(&triple);
		*rank = (int)k;
		return k >= 0;
	}
	if (!bundle_platform_ok(fi->platform, rank)) {
		strbuf_addf(why, "platform %s does not fit this machine", fi->platform);
		return 0;
	}
	return 1;
}

/* A pinned artifact already in the cache that fits this machine.  An
 * archive whose tree is gone is re-hashed first (the unpack would refuse
 * it anyway): a corrupt copy is removed with a warning, so that it is
 * fetched again instead of failing every install until the cache is
 * cleaned by hand; p->corrupt says so. */
static int pick_from_cache(const struct install_options *o, const struct target *t, struct cache *c,
                           struct pick *p)
{
	int best_rank = -1;
	size_t i;

	for (i = 0; i < p->b->nhashes; i++) {
		const char *sha = p->b->hashes[i];
		struct filename_info fi;
		struct strbuf why = STRBUF_INIT;
		char *fn;
		int rank = 0, ok;

		if (!cache_archive_has(c, sha))
			continue;
		fn = cache_archive_filename(c, sha);
		if (!fn)
			continue;
		ok = filename_parse(fn, &fi) == 0 && name_matches(fi.name, p->b->key) &&
		     versions_equal(fi.version, p->b->version) && fits(t, &fi, &rank, &why) &&
		     (best_rank < 0 || rank < best_rank);
		strbuf_release(&why);
		if (ok && !cache_tree_has(c, sha)) {
			char got[65];
			if (cache_archive_verify(c, sha, got) == 0) {
				progress(o, "warning",
				         "cached archive %s (%s) was corrupt (it hashes to %s): "
				         "removed, "
				         "fetching it again",
				         sha, fn, got);
				snprintf(p->corrupt, sizeof(p->corrupt), "%s", got);
				ok = 0;
			}
		}
		if (!ok) {
			free(fn);
			continue;
		}
		best_rank = rank;
		p->wheel = fi.kind == FILENAME_WHEEL;
		free(p->filename);
		p->filename = fn;
		snprintf(p->sha256, sizeof(p->sha256), "%s", sha);
	}
	return best_rank >= 0;
}

/* Candidate quality: 0 hash advertised and pinned; 1 no hash advertised;
 * 2 advertised hash not pinned (fetched anyway so that the mismatch is
 * proven on real bytes and reported as such). */
static int python_ok(const struct target *t, const char *spec)
{
	struct pep440_specset set;
	struct pep440_version v;
	int in = 1;

	if (!t->python || !spec || !*spec)
		return 1;
	if (pep440_specset_parse(spec, strlen(spec), &set, NULL) != 0)
		return 1; /* unparsable metadata: pip ignores it too */
	if (pep440_parse(t->py.version, &v) == 0)
		pep440_specset_contains(&set, &v, 1, &in, NULL);
	pep440_specset_release(&set);
	return in;
}

/* A local file offered without a hash (a flat folder) is hashed where it
 * lies, so that choosing among variants needs no download: out gets the hex
 * digest, or "" when the file cannot be read. */
static const char *local_sha256(const char *url, char out[65])
{
	struct strbuf path = STRBUF_INIT;
	unsigned char d[32];
	int fd;

	out[0] = '\0';
	if (fetch_file_url_path(url, &path) == 0 &&
	    (fd = open(path.buf, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) >= 0) {
		struct stat st;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && sha256_fd(fd, d, NULL) == 0)
			sha256_to_hex(d, out);
		close(fd);
	}
	strbuf_release(&path);
	return out;
}

/* Considers one offered file for p; keeps it if it beats the best so far. */
static void consider(const struct install_options *o, const struct target *t, struct pick *p,
                     const char *filename, const char *url, const char *sha256, int64_t size,
                     int yanked, const char *requires_python, const struct repo_file *rf,
                     int *best_q, int *best_rank, int *offered, int *pinned_seen,
                     struct strbuf *why)
{
	struct filename_info fi;
	char local[65];
	int rank = 0, q;

	if (filename_parse(filename, &fi) != 0 || !name_matches(fi.name, p->b->key))
		return;
	(*offered)++;
	strbuf_addf(why, "\n  %s: ", filename);
	if (!versions_equal(fi.version, p->b->version)) {
		strbuf_addf(why, "version %s, not %s", fi.version, p->b->version);
		return;
	}
	if (!sha256[0] && !strncmp(url, "file://", 7))
		sha256 = local_sha256(url, local);
	if (sha256[0] && pinned(p->b, sha256))
		*pinned_seen = 1;
	if (!fits(t, &fi, &rank, why))
		return;
	if (!python_ok(t, requires_python)) {
		strbuf_addf(why, "requires Python %s", requires_python);
		return;
	}
	if (sha256[0] && pinned(p->b, sha256))
		q = 0;
	else if (!sha256[0])
		q = 1;
	else
		q = 2;
	strbuf_addstr(why, q == 2 ? "its advertised sha256 is not pinned" : "fits");
	if (q < *best_q || (q == *best_q && rank < *best_rank)) {
		*best_q = q;
		*best_rank = rank;
		free(p->filename);
		free(p->url);
		p->filename = strdup(filename);
		p->url = strdup(url);
		p->wheel = fi.kind == FILENAME_WHEEL;
		p->size = size;
		p->metadata = rf && rf->metadata;
		snprintf(p->metadata_sha256, sizeof(p->metadata_sha256), "%s",
		         rf ? rf->metadata_sha256 : "");
		snprintf(p->sha256, sizeof(p->sha256), "%s", q == 0 ? sha256 : "");
		if (yanked)
			progress(o, "warning", "%s is yanked; used because the pin is exact",
			         filename);
	}
}

static int pick_from_repos(const struct install_options *o, const struct target *t, struct cache *c,
                           struct pick *p, struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT, loc = STRBUF_INIT, red = STRBUF_INIT;
	int best_q = 99, best_rank = 0, offered = 0, pinned_seen = 0, r = 0;
	size_t ri, i;

	for (i = 0; i < p->b->nfiles; i++) {
		const struct manifest_file *f = &p->b->files[i];
		consider(o, t, p, f->filename, f->url, f->sha256, f->size, 0, NULL, NULL, &best_q,
		         &best_rank, &offered, &pinned_seen, &why);
	}
	for (ri = 0; ri < o->m->nrepos && !p->b->nfiles; ri++) {
		struct repo_files files = {0};
		struct strbuf lerr = STRBUF_INIT;

		if ((r = signals_pending()))
			break;
		r = repo_list(o->m->repos[ri].url, p->b->name, &o->fetch, c, &files, &lerr);
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
			consider(o, t, p, f->filename, f->url, f->sha256, f->size, f->yanked,
			         f->requires_python, f, &best_q, &best_rank, &offered, &pinned_seen,
			         &why);
		}
		repo_files_release(&files);
	}
	/* An unpinned hash is only worth fetching when no offered file has a
	 * pinned hash at all: then the pin itself is wrong, and the fetch
	 * proves it on real bytes (exit 6).  When a pinned file exists but
	 * does not fit this target, nothing can be installed (exit 4). */
	if (!r && best_q == 2 && pinned_seen)
		best_q = 99;
	if (!r && best_q == 99) {
		where(o, p->b, &loc);
		if (!o->m->nrepos && !p->b->nfiles)
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

static void info_to_text(const struct bundle_info *bi, struct strbuf *out)
{
	size_t i;

	strbuf_addf(out, "Kind: bundle\nName: %s\nVersion: %s\nSummary: %s\n", bi->name,
	            bi->version, bi->summary ? bi->summary : "");
	for (i = 0; i < bi->nrequires; i++)
		strbuf_addf(out, "Requires: %s\n", bi->requires[i]);
}

static int add_requires(const char *value, void *arg)
{
	strbuf_addf(arg, "Requires: %s\n", value);
	return 0;
}

/* The info text of an unpacked wheel, from its dist-info METADATA. */
static int wheel_info_text(int tfd, const struct wheel_info *wi, struct strbuf *out,
                           struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT, data = STRBUF_INIT;
	struct metadata md = {0};
	const char *v;
	int r = 0;

	strbuf_addf(&path, "%s/METADATA", wi->dist_info);
	if (fs_read_file(tfd, path.buf, 16 << 20, &data) < 0)
		r = error_set(err, BURROW_EINTEGRITY, "%s: %s", path.buf, strerror(errno));
	if (!r && (r = metadata_parse(data.buf, data.len, &md, err)))
		error_prefix(err, r, "%s", path.buf);
	if (!r) {
		strbuf_addf(out, "Kind: wheel\nName: %s\nVersion: %s\n", wi->name, wi->version);
		if ((v = metadata_get(&md, "Summary")))
			strbuf_addf(out, "Summary: %.*s\n", (int)strcspn(v, "\n"), v);
		if ((v = metadata_get(&md, "Requires-Python")))
			strbuf_addf(out, "Requires-Python: %.*s\n", (int)strcspn(v, "\n"), v);
		metadata_each(&md, "Requires-Dist", add_requires, out);
	}
	metadata_release(&md);
	strbuf_release(&path);
	strbuf_release(&data);
	return r;
}

/* Where a wheel's files go in an env for t; without an interpreter (a
 * fetch for no env), the layout of a generic python3 env, which refuses
 * the same wheels. headers holds the headers path sc points at. */
static void wheel_scheme_for(const struct target *t, const char *name, struct wheel_scheme *sc,
                             struct strbuf *headers)
{
	int py = t && t->python;

	strbuf_reset(headers);
	strbuf_addf(headers, "%s/%s", py ? t->py.include_rel : "include/python3", name);
	sc->purelib = py ? t->py.site_rel : "lib/python3/site-packages";
	sc->platlib = py && t->py.platsite_rel ? t->py.platsite_rel : sc->purelib;
	sc->scripts = py && t->py.scripts_rel ? t->py.scripts_rel : "bin";
	sc->headers = headers->buf;
	sc->data = "";
	sc->installer = "burrow";
}

/* Plans the unpacked wheel into an env for t and drops the plan: the
 * checks of names, scripts, entry points and .data destinations run
 * before the tree is kept, so a wheel refused here never enters the
 * cache. */
static int wheel_plan_check(const struct target *t, int tfd, const struct wheel_info *wi,
                            const struct tree_list *entries, struct strbuf *err)
{
	struct wheel_plan plan = {0};
	struct wheel_scheme sc;
	struct strbuf headers = STRBUF_INIT;
	int r;

	wheel_scheme_for(t, wi->name, &sc, &headers);
	r = wheel_plan(tfd, wi, entries, &sc, &plan, err);
	wheel_plan_release(&plan);
	strbuf_release(&headers);
	return r;
}

/* Makes sure the pick's tree is in the cache; loads its entries and info. */
static int unpack_pick(const struct install_options *o, const struct target *t, struct cache *c,
                       struct pick *p, struct install_result *res, pthread_mutex_t *mu,
                       struct strbuf *err)
{
	struct strbuf loc = STRBUF_INIT;
	struct unpack_limits lim;
	unsigned char digest[32];
	char hex[65], tmp[96];
	int afd, tfd, r;

	strbuf_reset(&p->info);
	pthread_mutex_lock(mu);
	tfd = cache_tree_open(c, p->sha256, &p->entries, &p->info);
	pthread_mutex_unlock(mu);
	if (tfd >= 0) {
		close(tfd);
		return 0;
	}
	tree_list_release(&p->entries);
	strbuf_reset(&p->info);
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
	if (p->wheel) {
		struct wheel_info wi = {0};
		r = wheel_unpack(afd, p->filename, p->b->name, p->b->version, tfd, &wi, &p->entries,
		                 err);
		if (!r)
			r = wheel_plan_check(t, tfd, &wi, &p->entries, err);
		if (!r)
			r = wheel_info_text(tfd, &wi, &p->info, err);
		wheel_info_release(&wi);
	} else {
		struct bundle_info bi = {0};
		unpack_limits_default(&lim);
		r = unpack_tar(afd, tfd, &lim, p->filename, &p->entries, err);
		if (!r)
			r = bundle_verify(tfd, &p->entries, p->filename, &bi, err);
		if (!r && (!name_matches(bi.name, p->b->key) ||
		           !versions_equal(bi.version, p->b->version))) {
			where(o, p->b, &loc);
			r = error_set(err, BURROW_EINTEGRITY, "%s==%s: %s holds %s %s instead",
			              loc.buf, p->b->version, p->filename, bi.name, bi.version);
		}
		if (!r)
			info_to_text(&bi, &p->info);
		bundle_info_release(&bi);
	}
	close(afd);
	close(tfd);
	if (!r) {
		pthread_mutex_lock(mu);
		r = cache_tree_commit(c, tmp, p->sha256, p->wheel ? "wheel" : "bundle", &p->entries,
		                      p->info.buf, err);
		pthread_mutex_unlock(mu);
	} else {
		cache_tree_abort(c, tmp);
		if (r != BURROW_EINT && r != BURROW_ETERM) {
			where(o, p->b, &loc);
			error_prefix(err, r, "%s", loc.buf);
		}
	}
	if (!r) {
		pthread_mutex_lock(mu);
		res->unpacked++;
		pthread_mutex_unlock(mu);
	}
	strbuf_release(&loc);
	return r;
}

/* Fetching and unpacking overlap: a pool of threads sized to the cores
 * unpacks each archive as soon as it is in the cache (at once for those
 * already there; for the others when their download completes, while the
 * rest are still downloading).  Archives are independent, and
 * decompression is the CPU-bound part of an install.  cache.db access, the
 * queue and the result counters are serialised by mu. */
struct unpack_pool {
	const struct install_options *o;
	const struct target *t;
	struct cache *c;
	struct pick *picks;
	size_t *queue, head, tail; /* pick indexes ready to unpack */
	int closed;                /* nothing more will be queued */
	struct install_result *res;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int r;
	struct strbuf err;
	struct fetch_job *jobs; /* the downloads, and for each its pick */
	size_t *job_pick;
};

static void pool_push(struct unpack_pool *pool, size_t i)
{
	pthread_mutex_lock(&pool->mu);
	pool->queue[pool->tail++] = i;
	pthread_cond_signal(&pool->cv);
	pthread_mutex_unlock(&pool->mu);
}

/* Stops the workers once the queue is drained (r == 0) or at once (r != 0,
 * which is kept unless an earlier failure is). */
static void pool_close(struct unpack_pool *pool, int r, const struct strbuf *err)
{
	pthread_mutex_lock(&pool->mu);
	pool->closed = 1;
	if (r && !pool->r) {
		pool->r = r;
		strbuf_add(&pool->err, err->buf, err->len);
	}
	pthread_cond_broadcast(&pool->cv);
	pthread_mutex_unlock(&pool->mu);
}

static void *unpack_worker(void *arg)
{
	struct unpack_pool *pool = arg;
	struct strbuf err = STRBUF_INIT;

	for (;;) {
		size_t i;
		int r;

		pthread_mutex_lock(&pool->mu);
		while (!pool->r && pool->head == pool->tail && !pool->closed)
			pthread_cond_wait(&pool->cv, &pool->mu);
		if (pool->r || pool->head == pool->tail) {
			pthread_mutex_unlock(&pool->mu);
			break;
		}
		i = pool->queue[pool->head++];
		pthread_mutex_unlock(&pool->mu);
		r = unpack_pick(pool->o, pool->t, pool->c, &pool->picks[i], pool->res, &pool->mu,
		                &err);
		if (r) {
			pthread_mutex_lock(&pool->mu);
			if (!pool->r) {
				pool->r = r;
				strbuf_add(&pool->err, err.buf, err.len);
			}
			pthread_cond_broadcast(&pool->cv);
			pthread_mutex_unlock(&pool->mu);
		}
	}
	strbuf_release(&err);
	return NULL;
}

/* fetch_run's done callback, on the fetching thread: checks the bytes
 * against the pins, moves them into the cache and queues the unpack.  A
 * failure goes into the job (status, err) and is reported in job order. */
static void on_fetched(void *arg, struct fetch_job *j, size_t k)
{
	struct unpack_pool *pool = arg;
	const struct install_options *o = pool->o;
	struct pick *p = &pool->picks[pool->job_pick[k]];
	char size[32];
	int r;

	if (!pinned(p->b, j->sha256)) {
		struct strbuf red = STRBUF_INIT;
		unlinkat(pool->c->tmp_fd, j->tmpname, 0);
		j->tmpname[0] = '\0';
		fetch_redact_url(p->url, &red);
		strbuf_reset(&j->err);
		strbuf_addf(&j->err, "sha256 mismatch (expected %s%s, got %s) from %s",
		            p->b->hashes[0], p->b->nhashes > 1 ? " or another pinned hash" : "",
		            j->sha256, red.buf);
		fetch_note_content_type(j, &j->err);
		j->status = BURROW_EINTEGRITY;
		strbuf_release(&red);
		return;
	}
	snprintf(p->sha256, sizeof(p->sha256), "%s", j->sha256);
	strbuf_reset(&j->err);
	pthread_mutex_lock(&pool->mu);
	r = cache_archive_commit(pool->c, j->tmpname, j->sha256, p->filename, j->size, &j->err);
	if (!r)
		pool->res->fetched++;
	pthread_mutex_unlock(&pool->mu);
	if (r) {
		unlinkat(pool->c->tmp_fd, j->tmpname, 0);
		j->tmpname[0] = '\0';
		j->status = r;
		return;
	}
	j->tmpname[0] = '\0'; /* the cache has it */
	progress(o, "downloaded", "%s (%s)", p->filename, human_size(j->size, size, sizeof(size)));
	pool_push(pool, pool->job_pick[k]);
}

/* Downloads the picks that have a URL and makes sure every pick's tree is
 * in the cache, loading its entries and info. */
static int fetch_and_unpack(const struct install_options *o, const struct target *t,
                            struct cache *c, struct pick *picks, size_t n,
                            struct install_result *res, struct strbuf *err)
{
	struct unpack_pool pool;
	struct fetch_options fo = o->fetch;
	struct strbuf ferr = STRBUF_INIT;
	pthread_t tids[16];
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nt = cores > 0 ? (size_t)cores : 1, nj = 0, i, k, started = 0;
	int r = 0;

	memset(&pool, 0, sizeof(pool));
	pool.o = o;
	pool.t = t;
	pool.c = c;
	pool.picks = picks;
	pool.res = res;
	strbuf_init(&pool.err, 0);
	pthread_mutex_init(&pool.mu, NULL);
	pthread_cond_init(&pool.cv, NULL);
	pool.queue = calloc(n ? n : 1, sizeof(*pool.queue));
	pool.jobs = calloc(n ? n : 1, sizeof(*pool.jobs));
	pool.job_pick = calloc(n ? n : 1, sizeof(*pool.job_pick));
	if (!pool.queue || !pool.jobs || !pool.job_pick) {
		r = error_set(err, BURROW_EFAIL, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct fetch_job *j;
		if (!picks[i].url) {
			pool.queue[pool.tail++] = i;
			continue;
		}
		j = &pool.jobs[nj];
		fetch_job_init(j);
		j->url = picks[i].url;
		/* the declared size caps the body: an endless or padded
		 * download stops there, not at the global cap */
		j->max_bytes = picks[i].size > 0 && (uint64_t)picks[i].size < MAX_ARTIFACT_BYTES
		                   ? (uint64_t)picks[i].size
		                   : MAX_ARTIFACT_BYTES;
		j->expect_sha256 = picks[i].sha256[0] ? picks[i].sha256 : NULL;
		j->expect_size = picks[i].size > 0 ? (uint64_t)picks[i].size : 0;
		j->dest_dirfd = c->tmp_fd;
		pool.job_pick[nj++] = i;
	}
	if (nt > sizeof(tids) / sizeof(tids[0]))
		nt = sizeof(tids) / sizeof(tids[0]);
	if (nt > n)
		nt = n;
	/* While downloading, this thread runs libcurl: all nt unpack in
	 * threads of their own.  Without downloads, it is one of them. */
	for (k = nj ? 0 : 1; k < nt; k++)
		if (pthread_create(&tids[started], NULL, unpack_worker, &pool) == 0)
			started++;
	if (nj) {
		progress(o, "download", "%zu file%s", nj, nj == 1 ? "" : "s");
		fo.done = on_fetched;
		fo.done_arg = &pool;
		fetch_run(&fo, pool.jobs, nj);
		for (k = 0; k < nj && !r; k++) {
			struct strbuf loc = STRBUF_INIT;
			if (pool.jobs[k].status) {
				where(o, picks[pool.job_pick[k]].b, &loc);
				r = error_set(&ferr, pool.jobs[k].status, "%s: %s", loc.buf,
				              pool.jobs[k].err.buf);
			}
			strbuf_release(&loc);
		}
	}
	pool_close(&pool, r, &ferr);
	if (!started || !nj)
		unpack_worker(&pool); /* this thread works too */
	for (k = 0; k < started; k++)
		pthread_join(tids[k], NULL);
	/* a failed download is named first: it is what the user must fix */
	if (r)
		error_set(err, r, "%s", ferr.buf);
	else if (pool.r)
		r = error_set(err, pool.r, "%s", pool.err.buf);
out:
	for (k = 0; k < nj; k++) {
		if (pool.jobs[k].tmpname[0])
			unlinkat(c->tmp_fd, pool.jobs[k].tmpname, 0);
		fetch_job_release(&pool.jobs[k]);
	}
	free(pool.jobs);
	free(pool.job_pick);
	free(pool.queue);
	pthread_cond_destroy(&pool.cv);
	pthread_mutex_destroy(&pool.mu);
	strbuf_release(&pool.err);
	strbuf_release(&ferr);
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

/* Places files into the staging env from cache trees: reflinked
 * (FICLONE), else hard-linked, else copied.  The mode is probed on the
 * first file (one pair of cache and env filesystems per install) unless
 * forced with --link-mode; a failed probe is silent, since a cache on
 * another filesystem (a Docker cache mount) is normal.  The parent
 * directory of the last file is kept open: tree entries are sorted, so
 * most files land beside the previous one. */
struct linker {
	enum install_link_mode mode;
	int forced;
	int stage_fd;
	struct fs_dircache dirs; /* destinations come grouped by directory */
};

static void linker_init(struct linker *l, int stage_fd, enum install_link_mode mode)
{
	l->mode = mode;
	l->forced = mode != INSTALL_LINK_AUTO;
	l->stage_fd = stage_fd;
	fs_dircache_init(&l->dirs, stage_fd, 1);
}

static void linker_release(struct linker *l)
{
	fs_dircache_release(&l->dirs);
}

/* The directory fd for path's parent (created as needed; owned by the
 * linker) and its leaf. */
static int linker_parent(struct linker *l, const char *path, const char **leaf)
{
	return fs_dircache_parent(&l->dirs, path, leaf);
}

/* A link that failed for one of these is retried the next way down. */
static int link_failed_softly(int e)
{
	return e == EXDEV || e == EPERM || e == EMLINK || e == EACCES || e == EOPNOTSUPP ||
	       e == EINVAL || e == ENOTTY || e == ENOSYS;
}

/* Places the tree file src at dest with mode; src_mode is the tree file's
 * mode (a hard link shares it, so a different mode needs a copy).  The
 * tree file is checked by the verifier (verify_trees), not here: what
 * lands in the staging env only counts once that said yes. */
static int linker_file(struct linker *l, int tfd, const char *src, const char *dest, mode_t mode,
                       mode_t src_mode, struct strbuf *err)
{
	const char *leaf;
	int pfd = linker_parent(l, dest, &leaf), rc = -1, e = 0;

	if (pfd < 0)
		return error_set(err, BURROW_EFAIL, "%s: %s", dest, strerror(errno));
	if (l->mode == INSTALL_LINK_AUTO || l->mode == INSTALL_LINK_REFLINK) {
		rc = fs_clone_file(tfd, src, pfd, leaf, mode);
		e = errno;
		if (rc == 0 && l->mode == INSTALL_LINK_AUTO)
			l->mode = INSTALL_LINK_REFLINK;
		if (rc < 0 && l->forced && e != EEXIST)
			return error_set(
			    err, BURROW_EFAIL,
			    "%s: --link-mode reflink: %s (the filesystem cannot clone)", dest,
			    strerror(e));
		if (rc < 0 && e != EEXIST && l->mode == INSTALL_LINK_AUTO)
			l->mode = INSTALL_LINK_HARDLINK;
	}
	if (rc < 0 && e != EEXIST && l->mode == INSTALL_LINK_HARDLINK && src_mode == mode) {
		rc = linkat(tfd, src, pfd, leaf, 0);
		e = errno;
		if (rc < 0 && l->forced && e != EEXIST)
			return error_set(err, BURROW_EFAIL, "%s: --link-mode hardlink: %s", dest,
			                 strerror(e));
		if (rc < 0 && link_failed_softly(e))
			l->mode = INSTALL_LINK_COPY;
	}
	if (rc < 0 && e != EEXIST) {
		rc = fs_copy_file(tfd, src, pfd, leaf, mode);
		e = errno;
	}
	if (rc < 0) {
		if (e == EEXIST)
			return error_set(err, BURROW_EINTEGRITY, "%s: installed by two bundles",
			                 dest);
		return error_set(err, BURROW_EFAIL, "%s: %s", dest, strerror(e));
	}
	return 0;
}

static int linker_write(struct linker *l, const char *dest, const char *data, size_t len,
                        mode_t mode, struct strbuf *err)
{
	const char *leaf;
	int pfd = linker_parent(l, dest, &leaf), fd;

	if (pfd < 0)
		return error_set(err, BURROW_EFAIL, "%s: %s", dest, strerror(errno));
	fd = openat(pfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		if (errno == EEXIST)
			return error_set(err, BURROW_EINTEGRITY, "%s: installed by two bundles",
			                 dest);
		return error_set(err, BURROW_EFAIL, "%s: %s", dest, strerror(errno));
	}
	if (fs_write_all(fd, data, len) < 0 || fchmod(fd, mode) < 0) {
		int e = errno;
		close(fd);
		return error_set(err, BURROW_EFAIL, "%s: %s", dest, strerror(e));
	}
	if (close(fd) < 0)
		return error_set(err, BURROW_EFAIL, "%s: %s", dest, strerror(errno));
	return 0;
}

/* Links one native-bundle tree entry into the staging env. */
static int link_entry(struct linker *l, int tree_fd, const struct tree_entry *e, struct strbuf *err)
{
	const char *leaf;
	int pfd;

	if (e->type == TREE_DIR) {
		int fd = fs_open_dir(l->stage_fd, e->path, 1);
		if (fd < 0)
			return error_set(err, BURROW_EFAIL, "%s: %s", e->path, strerror(errno));
		fchmod(fd, 0755);
		close(fd);
		return 0;
	}
	if (e->type == TREE_FILE)
		return linker_file(l, tree_fd, e->path, e->path, e->mode, e->mode, err);
	pfd = linker_parent(l, e->path, &leaf);
	if (pfd < 0 || symlinkat(e->link_target, pfd, leaf) < 0) {
		if (errno == EEXIST)
			return error_set(err, BURROW_EINTEGRITY, "%s: provided by two bundles",
			                 e->path);
		return error_set(err, BURROW_EFAIL, "%s: %s", e->path, strerror(errno));
	}
	return 0;
}

static int is_bundle_info(const char *path)
{
	const char *slash = strchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : strlen(path);

	return n > 12 && !memcmp(path + n - 12, ".bundle-info", 12);
}

/* A new file in the staging env: no temp and no fsync needed, the whole
 * staging directory is the unit that is renamed in (or discarded). */
static int write_file(int dirfd, const char *name, const char *data, size_t len, struct strbuf *err)
{
	int fd = fs_create_file(dirfd, name, 0644, 0), e;

	if (fd < 0)
		return error_set(err, BURROW_EFAIL, "%s: %s", name, strerror(errno));
	if (fs_write_all(fd, data, len) < 0) {
		e = errno;
		close(fd);
		return error_set(err, BURROW_EFAIL, "%s: %s", name, strerror(e));
	}
	if (close(fd) < 0)
		return error_set(err, BURROW_EFAIL, "%s: %s", name, strerror(errno));
	return 0;
}

/* Adds "<dist-info>/REQUESTED" (empty) to a plan, as pip does for what the
 * user asked for: every pin of a manifest is asked for. */
static int plan_add_requested(struct wheel_plan *plan, const struct wheel_info *wi,
                              const char *root)
{
	struct wheel_plan_item *it;
	struct strbuf d = STRBUF_INIT, rp = STRBUF_INIT;

	if (plan->len == plan->alloc) {
		size_t n = plan->alloc ? plan->alloc * 2 : 16;
		struct wheel_plan_item *q = realloc(plan->items, n * sizeof(*q));
		if (!q)
			return -1;
		plan->items = q;
		plan->alloc = n;
	}
	it = &plan->items[plan->len];
	memset(it, 0, sizeof(*it));
	strbuf_addf(&d, "%s/%s/REQUESTED", root, wi->dist_info);
	strbuf_addf(&rp, "%s/REQUESTED", wi->dist_info);
	it->kind = WHEEL_PLAN_WRITE;
	it->mode = 0644;
	it->dest = strbuf_detach(&d, NULL);
	it->record_path = strbuf_detach(&rp, NULL);
	it->content = calloc(1, 1);
	it->content_len = 0;
	it->size = 0;
	sha256_buffer_hex("", 0, it->sha256);
	plan->len++;
	return it->content ? 0 : -1;
}

static int stage_wheel(const struct target *t, struct linker *l, int tfd, struct pick *p,
                       struct sqlite3 *db, struct install_result *res, struct strbuf *err)
{
	struct wheel_info wi = {0};
	struct wheel_plan plan = {0};
	struct wheel_scheme sc;
	struct strbuf headers = STRBUF_INIT, rec = STRBUF_INIT;
	char *rec_dest = NULL;
	size_t i;
	int r;

	r = wheel_read_info(tfd, p->filename, &p->entries, &wi, err);
	if (r)
		goto out;
	wheel_scheme_for(t, wi.name, &sc, &headers);
	if ((r = wheel_plan(tfd, &wi, &p->entries, &sc, &plan, err)))
		goto out;
	if (plan_add_requested(&plan, &wi, wi.root_is_purelib ? sc.purelib : sc.platlib) < 0) {
		r = error_set(err, BURROW_EFAIL, "out of memory");
		goto out;
	}
	if ((r = wheel_plan_record(&plan, &wi, &sc, &rec, &rec_dest, err)))
		goto out;
	for (i = 0; i < plan.len && !r; i++) {
		const struct wheel_plan_item *it = &plan.items[i];
		struct tree_entry e;

		if ((r = signals_pending())) {
			error_set(err, r, "interrupted");
			break;
		}
		if (it->kind == WHEEL_PLAN_LINK) {
			struct stat st;
			if (fstatat(tfd, it->src, &st, AT_SYMLINK_NOFOLLOW) < 0)
				r = error_set(err, BURROW_EFAIL, "%s: %s", it->src,
				              strerror(errno));
			else
				r = linker_file(l, tfd, it->src, it->dest, it->mode,
				                st.st_mode & 07777, err);
		} else {
			r = linker_write(l, it->dest, it->content, it->content_len, it->mode, err);
		}
		if (r)
			break;
		memset(&e, 0, sizeof(e));
		e.type = TREE_FILE;
		e.mode = it->mode;
		e.size = it->size;
		memcpy(e.sha256, it->sha256, sizeof(e.sha256));
		r = state_add_file(db, p->b->key, it->dest, &e, err);
		res->files++;
	}
	if (!r) {
		struct tree_entry e;
		memset(&e, 0, sizeof(e));
		e.type = TREE_FILE;
		e.mode = 0644;
		e.size = rec.len;
		sha256_buffer_hex(rec.buf, rec.len, e.sha256);
		r = linker_write(l, rec_dest, rec.buf, rec.len, 0644, err);
		if (!r)
			r = state_add_file(db, p->b->key, rec_dest, &e, err);
		res->files++;
	}
out:
	wheel_plan_release(&plan);
	wheel_info_release(&wi);
	strbuf_release(&headers);
	strbuf_release(&rec);
	free(rec_dest);
	return r;
}

static int stage_bundle(struct linker *l, int tfd, struct pick *p, struct sqlite3 *db,
                        struct install_result *res, struct strbuf *err)
{
	size_t j;
	int r = 0;

	for (j = 0; j < p->entries.len && !r; j++) {
		const struct tree_entry *e = &p->entries.items[j];
		if ((r = signals_pending())) {
			error_set(err, r, "interrupted");
			break;
		}
		if (is_bundle_info(e->path))
			continue;
		r = link_entry(l, tfd, e, err);
		if (!r && e->type != TREE_DIR) {
			r = state_add_file(db, p->b->key, e->path, e, err);
			res->files++;
		}
	}
	return r;
}

/* Records one .pyc compileall wrote (rel: env-relative, in a __pycache__
 * directory), owned by the bundle of its source file. */
static int record_pyc(struct envdir *ed, struct sqlite3 *db, const char *rel, struct strbuf *err)
{
	struct strbuf src = STRBUF_INIT, data = STRBUF_INIT;
	const char *pc = strstr(rel, "/__pycache__/"), *base, *dot;
	struct tree_entry e;
	sqlite3_stmt *st;
	int r = 0;

	if (!pc)
		return 0;
	base = pc + 13;
	dot = strchr(base, '.');
	strbuf_add(&src, rel, (size_t)(pc - rel) + 1);
	strbuf_add(&src, base, dot ? (size_t)(dot - base) : strlen(base));
	strbuf_addstr(&src, ".py");
	memset(&e, 0, sizeof(e));
	e.type = TREE_FILE;
	e.mode = 0644;
	if (fs_read_file(ed->staging_fd, rel, 256 << 20, &data) == 0) {
		e.size = data.len;
		sha256_buffer_hex(data.buf, data.len, e.sha256);
	}
	fchmodat(ed->staging_fd, rel, 0644, 0);
	if (sqlite3_prepare_v2(db, "SELECT bundle FROM files WHERE path=?1", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(st, 1, src.buf, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			r = state_add_file(db, (const char *)sqlite3_column_text(st, 0), rel, &e,
			                   err);
		sqlite3_finalize(st);
	}
	strbuf_release(&src);
	strbuf_release(&data);
	return r;
}

/* Walks the directory rel of the staging env (depth-bounded, links not
 * followed) and records every regular *.pyc file in a __pycache__. */
static int record_pycs(struct envdir *ed, struct sqlite3 *db, struct strbuf *rel, int depth,
                       struct strbuf *err)
{
	int fd = fs_open_dir(ed->staging_fd, rel->buf, 0), r = 0;
	size_t len = rel->len;
	struct dirent *de;
	DIR *d;

	if (fd < 0 || depth > 64 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while (!r && (de = readdir(d))) {
		struct stat st;
		size_t n = strlen(de->d_name);
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		strbuf_setlen(rel, len);
		strbuf_addch(rel, '/');
		strbuf_addstr(rel, de->d_name);
		if (S_ISDIR(st.st_mode))
			r = record_pycs(ed, db, rel, depth + 1, err);
		else if (S_ISREG(st.st_mode) && n > 4 && !strcmp(de->d_name + n - 4, ".pyc"))
			r = record_pyc(ed, db, rel->buf, err);
	}
	strbuf_setlen(rel, len);
	closedir(d);
	return r;
}

/* Runs the base interpreter's compileall over site-packages in the staging
 * env (no code of any bundle runs: compileall only compiles), then records
 * the .pyc files it wrote, each owned by its source's bundle. */
static int compile_site(const struct target *t, struct envdir *ed, struct sqlite3 *db,
                        struct strbuf *err)
{
	struct strbuf dir = STRBUF_INIT, out = STRBUF_INIT;
	char root[PATH_MAX], link[64];
	char *const envp[] = {(char *)"LC_ALL=C.UTF-8", (char *)"PATH=/usr/bin:/bin", NULL};
	ssize_t n;
	pid_t pid;
	int status, r = 0;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", ed->staging_fd);
	n = readlink(link, root, sizeof(root) - 1);
	if (n <= 0)
		return error_set(err, BURROW_EFAIL, "staging: %s", strerror(errno));
	root[n] = '\0';
	strbuf_addf(&dir, "%s/%s", root, t->py.site_rel);
	pid = fork();
	if (pid < 0)
		return error_set(err, BURROW_EFAIL, "fork: %s", strerror(errno));
	if (pid == 0) {
		char *argv[] = {t->py.executable, (char *)"-I", (char *)"-m", (char *)"compileall",
		                (char *)"-q",     (char *)"-j", (char *)"0",  (char *)"-d",
		                (char *)"",       dir.buf,      NULL};
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, 1);
		execve(t->py.executable, argv, envp);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			break;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		strbuf_release(&dir);
		return error_set(err, BURROW_EFAIL,
		                 "--compile: %s -m compileall failed (status %d)", t->py.executable,
		                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	/* Record what it wrote: walked fd-relative, no shell (a quote in the
	 * env path must not become a command). */
	strbuf_reset(&out);
	strbuf_addstr(&out, t->py.site_rel);
	r = record_pycs(ed, db, &out, 0, err);
	strbuf_release(&dir);
	strbuf_release(&out);
	return r;
}

/* Whether the tree file src still holds what was unpacked: a regular
 * file owned by the effective user, of size bytes, hashing to sha256.
 * Env files are hard links into the trees, so an edit in one env (or by
 * an app user an env was chowned to) lands here; hashing is the one
 * signal that every write changes and that linking and unlinking do not
 * (docs/cache-trust.md says why not ctime).  0 when it does; otherwise
 * why not in *why and -1.  Reads exactly size bytes (no read for EOF). */
static int verify_tree_file(int tfd, const char *src, const char *sha256, uint64_t size, uid_t euid,
                            const char **why)
{
	unsigned char buf[65536], digest[32];
	char hex[65];
	struct sha256 h;
	struct stat st;
	uint64_t left = size;
	int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, r = -1;
	/* O_NOATIME: linking (or removing an env) just changed the inode's
	 * ctime, so under relatime this read would update the atime and
	 * dirty every inode (measured: most of the verifier's cost, see
	 * docs/cache-trust.md).  The kernel allows it on our own files only:
	 * another user's is opened plainly, then refused by owner. */
	int fd = openat(tfd, src, flags | O_NOATIME);

	if (fd < 0 && errno == EPERM)
		fd = openat(tfd, src, flags);
	if (fd < 0) {
		*why = errno == ELOOP ? "a symlink" : "unreadable";
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		goto out;
	}
	if (st.st_uid != euid) {
		*why = "owned by another user";
		goto out;
	}
	if ((uint64_t)st.st_size != size) {
		*why = "its size changed";
		goto out;
	}
	if (sha256_begin(&h) < 0) {
		*why = "out of memory";
		goto out;
	}
	while (left) {
		ssize_t n = read(fd, buf, left < sizeof(buf) ? (size_t)left : sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		sha256_update(&h, buf, (size_t)n);
		left -= (uint64_t)n;
	}
	sha256_end(&h, digest);
	sha256_to_hex(digest, hex);
	if (left)
		*why = "unreadable";
	else if (strcmp(hex, sha256))
		*why = "its content changed";
	else
		r = 0;
out:
	close(fd);
	return r;
}

/* The verifier: checks every file of every pick's tree (verify_tree_file)
 * on its own thread while the main thread links them into the staging
 * env; the main thread helps once it is done linking.  Nothing staged
 * counts before it finishes: a failure discards the staging env whole (it
 * is never committed), so a file that fails never reaches an env. */
struct verifier {
	const struct pick *picks;
	const int *tfds;
	size_t n, next; /* next pick to take */
	size_t bad;     /* the first pick found modified, n if none */
	uid_t euid;
	char why[512];
	pthread_mutex_t mu;
	pthread_t tid;
	int started;
};

static void *verify_trees(void *arg)
{
	struct verifier *v = arg;

	for (;;) {
		const struct pick *p;
		size_t i, k;

		pthread_mutex_lock(&v->mu);
		i = v->bad == v->n ? v->next++ : v->n;
		pthread_mutex_unlock(&v->mu);
		if (i >= v->n)
			return NULL;
		p = &v->picks[i];
		for (k = 0; k < p->entries.len; k++) {
			const struct tree_entry *e = &p->entries.items[k];
			const char *why;

			if (e->type != TREE_FILE || verify_tree_file(v->tfds[i], e->path, e->sha256,
			                                             e->size, v->euid, &why) == 0)
				continue;
			pthread_mutex_lock(&v->mu);
			if (v->bad == v->n) {
				v->bad = i;
				snprintf(v->why, sizeof(v->why),
				         "%s: %s in its cache tree is not what was unpacked: %s",
				         p->filename, e->path, why);
			}
			pthread_mutex_unlock(&v->mu);
			break;
		}
	}
}

static void verifier_start(struct verifier *v, const struct pick *picks, const int *tfds, size_t n)
{
	memset(v, 0, sizeof(*v));
	v->picks = picks;
	v->tfds = tfds;
	v->n = v->bad = n;
	v->euid = geteuid();
	pthread_mutex_init(&v->mu, NULL);
	v->started = pthread_create(&v->tid, NULL, verify_trees, v) == 0;
}

/* Helps with what is left and waits for the thread.  0 when every tree
 * is as unpacked; else 1, *bad the pick and v->why the finding. */
static int verifier_finish(struct verifier *v, size_t *bad)
{
	verify_trees(v);
	if (v->started)
		pthread_join(v->tid, NULL);
	pthread_mutex_destroy(&v->mu);
	if (v->bad == v->n)
		return 0;
	*bad = v->bad;
	return 1;
}

/* Builds the whole env in a staging directory beside the live one, while
 * the verifier checks every file of the trees it links.  When one fails,
 * *tampered gets that pick's index (else it stays as it was) and the
 * error is BURROW_EINTEGRITY: the staging env must then be discarded. */
static int stage_env(const struct install_options *o, const struct target *t, struct envdir *ed,
                     struct cache *c, struct pick *picks, size_t n, struct install_result *res,
                     size_t *tampered, struct strbuf *err)
{
	static const char *const dirs[] = {"bin", "lib", ".burrow"};
	struct strbuf facts = STRBUF_INIT;
	struct verifier v;
	struct linker l;
	sqlite3 *db = NULL;
	int *tfds;
	size_t i;
	int r;

	if ((r = envdir_stage(ed, err)))
		return r;
	if (t->python && (r = python_venv_write(ed->staging_fd, &t->py, o->command, err)))
		return r;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (mkdirat(ed->staging_fd, dirs[i], 0755) < 0 && errno != EEXIST)
			return error_set(err, BURROW_EFAIL, "%s: %s", dirs[i], strerror(errno));
	if ((r = state_create(ed->staging_fd, &db, err)))
		return r;
	if (!(tfds = malloc((n ? n : 1) * sizeof(*tfds)))) {
		state_close(db);
		return error_set(err, BURROW_EFAIL, "out of memory");
	}
	for (i = 0; i < n; i++) {
		struct pick *p = &picks[i];

		strbuf_reset(&p->info);
		tree_list_release(&p->entries);
		tfds[i] = cache_tree_open(c, p->sha256, &p->entries, &p->info);
		if (tfds[i] < 0 && !r)
			r = error_set(err, BURROW_EFAIL, "cache: tree %s vanished", p->sha256);
	}
	if (r) {
		while (i-- > 0)
			if (tfds[i] >= 0)
				close(tfds[i]);
		free(tfds);
		state_close(db);
		return r;
	}
	verifier_start(&v, picks, tfds, n);
	linker_init(&l, ed->staging_fd, o->link_mode);
	progress(o, "link", "%zu bundle%s", n, n == 1 ? "" : "s");
	for (i = 0; i < n && !r; i++) {
		struct pick *p = &picks[i];
		struct state_bundle sb;
		struct strbuf req = STRBUF_INIT, summary = STRBUF_INIT, name = STRBUF_INIT,
		              ver = STRBUF_INIT;

		info_field(p->info.buf, "Requires", &req, 1);
		info_field(p->info.buf, "Summary", &summary, 0);
		info_field(p->info.buf, "Name", &name, 0);
		info_field(p->info.buf, "Version", &ver, 0);
		sb.key = p->b->key;
		sb.name = name.len ? name.buf : p->b->name;
		sb.version = ver.len ? ver.buf : p->b->version;
		sb.kind = (char *)(p->wheel ? "wheel" : "bundle");
		sb.sha256 = p->sha256;
		sb.filename = p->filename;
		sb.requires = req.buf;
		sb.summary = summary.buf;
		r = state_add_bundle(db, &sb, err);
		if (!r)
			r = p->wheel ? stage_wheel(t, &l, tfds[i], p, db, res, err)
			             : stage_bundle(&l, tfds[i], p, db, res, err);
		if (r && r != BURROW_EINT && r != BURROW_ETERM)
			error_prefix(err, r, "%s", p->filename);
		strbuf_release(&req);
		strbuf_release(&summary);
		strbuf_release(&name);
		strbuf_release(&ver);
	}
	/* a modified tree explains any other failure: it is repaired first */
	if (verifier_finish(&v, tampered) && r != BURROW_EINT && r != BURROW_ETERM)
		r = error_set(err, BURROW_EINTEGRITY, "%s", v.why);
	for (i = 0; i < n; i++)
		close(tfds[i]);
	free(tfds);
	linker_release(&l);
	res->link_mode = l.mode;
	if (!r && o->compile && t->python) {
		progress(o, "compile", "%s", t->py.site_rel);
		r = compile_site(t, ed, db, err);
	}
	if (!r)
		r = state_set_meta(db, "manifest_digest", o->m ? o->m->digest : "", err);
	if (!r)
		r = state_set_meta(db, "burrow_version", BURROW_VERSION, err);
	if (!r && t->python)
		r = state_set_meta(db, "python", t->py.executable, err);
	if (!r)
		r = state_set_meta(db, "compiled", o->compile ? "1" : "0", err);
	if (!r)
		r = state_finish(db, err);
	else
		state_close(db);
	db = NULL;
	if (!r && o->m && o->manifest_bytes) {
		r = write_file(ed->staging_fd, ".burrow/manifest.toml", o->manifest_bytes->buf,
		               o->manifest_bytes->len, err);
	} else if (!r && o->m && o->m->path) {
		struct strbuf raw = STRBUF_INIT;
		if (fs_read_user_file(o->m->path, 16 << 20, &raw, NULL) == 0)
			r = write_file(ed->staging_fd, ".burrow/manifest.toml", raw.buf, raw.len,
			               err);
		strbuf_release(&raw);
	}
	if (!r) {
		struct manifest empty;
		manifest_init(&empty);
		launch_facts_write(o->m ? o->m : &empty, t->python, &facts);
		r = write_file(ed->staging_fd, ".burrow/run", facts.buf, facts.len, err);
	}
	if (!r) {
		char **trees = calloc(n + 1, sizeof(char *));
		strbuf_reset(&facts);
		for (i = 0; trees && i < n; i++)
			trees[i] = picks[i].sha256;
		if (!trees ||
		    noop_write(&facts, BURROW_VERSION, o->python,
		               t->python ? t->py.executable : NULL, o->compile, trees, n) < 0)
			r = error_set(err, BURROW_EFAIL, "out of memory");
		else if (!o->nextras && !o->ngroups) /* the front cannot see a selection */
			r = write_file(ed->staging_fd, ".burrow/noop", facts.buf, facts.len, err);
		free(trees);
	}
	strbuf_release(&facts);
	return r;
}

/* stage_env, repairing each cache tree found modified: the tree is
 * dropped and unpacked again from its archive (re-hashed against the pin
 * first), and the env is staged again from scratch.  Each tree is
 * repaired at most once: one still modified after that (written to while
 * we link) fails the install with exit 6. */
static int stage_repaired(const struct install_options *o, const struct target *t,
                          struct envdir *ed, struct cache *c, struct pick *picks, size_t n,
                          struct install_result *res, struct strbuf *err)
{
	pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	char *done = calloc(n ? n : 1, 1);
	int r;

	if (!done)
		return error_set(err, BURROW_EFAIL, "out of memory");
	for (;;) {
		size_t bad = n;

		res->files = 0;
		r = stage_env(o, t, ed, c, picks, n, res, &bad, err);
		if (!r || bad == n || done[bad])
			break;
		progress(o, "repair", "%s", err->buf);
		if (!res->repaired)
			snprintf(res->repair_note, sizeof(res->repair_note), "%s", err->buf);
		done[bad] = 1;
		res->repaired++;
		envdir_abort(ed);
		if (cache_tree_drop(c, picks[bad].sha256) < 0) {
			r = error_set(err, BURROW_EINTEGRITY,
			              "%s: a modified cache tree could not be removed: %s",
			              picks[bad].filename, strerror(errno));
			break;
		}
		tree_list_release(&picks[bad].entries);
		if ((r = unpack_pick(o, t, c, &picks[bad], res, &mu, err)))
			break;
	}
	free(done);
	return r;
}

/* install --repair: whether check's integrity part (every recorded file
 * with its hash, size and mode; nothing unrecorded in bin/ or
 * site-packages) finds anything, or cannot look: then the env is rebuilt
 * whole from the (verified) cache trees. */
static int tampered(const struct install_options *o)
{
	struct audit_report rep = {0};
	int r = audit_run(o->env_path, AUDIT_INTEGRITY, &rep, NULL);

	r = r || rep.len;
	audit_report_release(&rep);
	return r;
}

/* The env holds exactly this manifest already, and its trees exist. */
static int is_noop(const struct install_options *o, const struct target *t, struct envdir *ed,
                   struct cache *c, struct state_wait *sw)
{
	struct strbuf v = STRBUF_INIT;
	struct state_bundles sb;
	sqlite3 *db = NULL;
	int fd, ok = 0;
	size_t i;

	if (!o->m || (fd = envdir_open_live(ed)) < 0)
		return 0;
	if (state_open_wait(fd, &db, sw, NULL) == 0 &&
	    state_get_meta(db, "manifest_digest", &v) == 0 && !strcmp(v.buf, o->m->digest)) {
		strbuf_reset(&v);
		ok =
		    state_get_meta(db, "burrow_version", &v) == 0 && !strcmp(v.buf, BURROW_VERSION);
		strbuf_reset(&v);
		if (ok && t->python)
			ok = state_get_meta(db, "python", &v) == 0 &&
			     !strcmp(v.buf, t->py.executable);
		strbuf_reset(&v);
		if (ok)
			ok = state_get_meta(db, "compiled", &v) == 0 &&
			     !strcmp(v.buf, o->compile ? "1" : "0");
		if (ok && state_bundles(db, &sb, NULL) == 0) {
			for (i = 0; i < sb.len && ok; i++)
				ok = cache_tree_has(c, sb.items[i].sha256);
			state_bundles_release(&sb);
		} else {
			ok = 0;
		}
	}
	state_close(db);
	close(fd);
	strbuf_release(&v);
	return ok;
}

/* Counts what changes against the live env, for the summary line. */
static void diff_live(struct envdir *ed, struct pick *picks, size_t n, struct install_result *res,
                      struct state_wait *sw)
{
	struct state_bundles sb = {0};
	sqlite3 *db = NULL;
	size_t i, j;
	int fd = envdir_open_live(ed);

	if (fd >= 0 && state_open_wait(fd, &db, sw, NULL) == 0)
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

/* As root, the live env's records (state.db names the interpreter) are
 * read only when no other user could have written them (trust.h). */
static int live_trusted(struct envdir *ed, const char *env_path, struct strbuf *err)
{
	int fd = envdir_open_live(ed), r;

	if (fd < 0)
		return error_set(err, BURROW_EFAIL, "%s: %s", env_path, strerror(errno));
	r = trust_env_records(fd, env_path, err);
	close(fd);
	return r;
}

/* The interpreter an env is for: --python, else [env].python, else the
 * one the live env was made with; NULL for a native env. */
static char *python_spec(const struct install_options *o, struct envdir *ed, int have_env,
                         struct state_wait *sw)
{
	struct strbuf v = STRBUF_INIT;
	sqlite3 *db = NULL;
	int fd;

	if (o->python)
		return strdup(o->python);
	if (o->m && o->m->python)
		return strdup(o->m->python);
	if (!have_env || (fd = envdir_open_live(ed)) < 0)
		return NULL;
	if (state_open_wait(fd, &db, sw, NULL) == 0 && state_get_meta(db, "python", &v) == 0) {
		state_close(db);
		close(fd);
		return strbuf_detach(&v, NULL);
	}
	state_close(db);
	close(fd);
	strbuf_release(&v);
	return NULL;
}

static int target_init(const struct install_options *o, struct cache *c, struct envdir *ed,
                       int have_env, struct target *t, struct state_wait *sw, struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT;
	char *spec;
	int r;

	memset(t, 0, sizeof(*t));
	uname(&t->uts);
	spec = python_spec(o, ed, have_env, sw);
	if (!spec) {
		/* Native env: markers see this machine, and no Python. */
		t->env.os_name = "posix";
		t->env.sys_platform = "linux";
		t->env.platform_system = "Linux";
		t->env.platform_machine = t->uts.machine;
		t->env.platform_release = t->uts.release;
		t->env.platform_version = t->uts.version;
		return 0;
	}
	r = python_find(c, spec, o->search_path ? o->search_path : LAUNCH_DEFAULT_PATH, &path, err);
	free(spec);
	if (!r)
		r = python_query(c, path.buf, &t->py, err);
	if (!r) /* which interpreter, said once: a pyenv shim or PATH may surprise */
		progress(o, "python", "%s (Python %s)", path.buf, t->py.version);
	strbuf_release(&path);
	if (r)
		return r;
	t->python = 1;
	/* only wheels are matched against tags; an env with none needs no list */
	if (o->m && o->m->nbundles && (r = tags_build(&t->py.target, &t->tags, err)))
		return r;
	t->env = t->py.markers;
	return 0;
}

static void target_release(struct target *t)
{
	if (t->python) {
		python_info_release(&t->py);
		tags_release(&t->tags);
	}
	memset(t, 0, sizeof(*t));
}

/* Whether a lock entry applies to the target (its marker and
 * requires-python); 1 yes, 0 no, or an error code < 0 with err set. */
static int selected(const struct install_options *o, const struct target *t,
                    const struct manifest_bundle *b, struct strbuf *err)
{
	struct strbuf loc = STRBUF_INIT, e = STRBUF_INIT;
	int result = 1;

	if (b->marker) {
		struct pep508_marker *mk = NULL;
		struct pep508_env env = t->env;
		env.extras = o->extras;
		env.nextras = o->nextras;
		env.dependency_groups =
		    o->ngroups ? o->groups : (const char *const *)o->m->default_groups;
		env.ndependency_groups = o->ngroups ? o->ngroups : o->m->ndefault_groups;
		if (pep508_marker_parse(b->marker, strlen(b->marker), &mk, &e) != 0 ||
		    pep508_marker_eval(mk, &env, &result, &e) != 0) {
			where(o, b, &loc);
			error_set(err, BURROW_EMANIFEST, "%s: marker \"%s\": %s", loc.buf,
			          b->marker, e.buf);
			result = -1;
		}
		pep508_marker_free(mk);
	}
	if (result == 1 && b->requires_python && !python_ok(t, b->requires_python))
		result = 0;
	strbuf_release(&loc);
	strbuf_release(&e);
	return result;
}

/* pip check, before the env changes: every Requires-Dist / Requires of
 * every pin, with markers evaluated for the target (and the extras other
 * pins ask for), is satisfied by the pinned set (audit_consistency, the
 * same code `burrow check` runs).  Exit 4 otherwise, naming the first.
 * early (NULL, or one per pick): "Requires: X" lines known before the
 * download (PEP 658), for the picks whose info is still empty. */
static int check_consistency(const struct install_options *o, const struct target *t,
                             struct pick *picks, size_t n, const struct strbuf *early,
                             struct strbuf *err)
{
	struct audit_dist *d = calloc(n ? n : 1, sizeof(*d));
	struct strbuf *reqs = calloc(n ? n : 1, sizeof(*reqs));
	struct audit_unmet *u = NULL;
	size_t nu = 0, i;
	int r = 0;

	if (!d || !reqs) {
		free(d);
		free(reqs);
		return error_set(err, BURROW_EFAIL, "out of memory");
	}
	for (i = 0; i < n; i++) {
		strbuf_init(&reqs[i], 0);
		info_field(picks[i].info.len || !early ? picks[i].info.buf : early[i].buf,
		           "Requires", &reqs[i], 1);
		d[i].name = picks[i].b->key;
		d[i].version = picks[i].b->version;
		d[i].requires = reqs[i].buf;
	}
	r = audit_consistency(d, n, &t->env, &u, &nu, err);
	if (!r && nu) {
		const struct pick *p = &picks[u[0].dist];
		struct strbuf loc = STRBUF_INIT;
		where(o, p->b, &loc);
		if (u[0].dep == AUDIT_NO_DIST)
			r = error_set(err, BURROW_ERESOLVE,
			              "%s==%s requires %s, which the manifest does not pin",
			              loc.buf, p->b->version, u[0].requirement);
		else
			r = error_set(err, BURROW_ERESOLVE,
			              "%s==%s requires %s, but the manifest pins %s %s", loc.buf,
			              p->b->version, u[0].requirement, picks[u[0].dep].b->name,
			              picks[u[0].dep].b->version);
		strbuf_release(&loc);
	}
	audit_unmet_release(u, nu);
	for (i = 0; i < n; i++)
		strbuf_release(&reqs[i]);
	free(reqs);
	free(d);
	return r;
}

static void state_waiting(void *arg)
{
	const struct install_options *o = arg;

	progress(o, "wait",
	         "%s/.burrow/state.db is locked by another process; waiting up to %lld.%03lld s "
	         "(--wait)",
	         o->env_path, (long long)(o->wait_ms / 1000), (long long)(o->wait_ms % 1000));
}

/* BURROW_ELOCKED once the live env's state.db stayed locked past --wait:
 * without it burrow cannot tell a no-op, nor the env's own interpreter. */
static int state_gave_up(const struct install_options *o, const struct state_wait *sw,
                         struct strbuf *err)
{
	if (!sw->gave_up)
		return 0;
	return error_set(err, BURROW_ELOCKED,
	                 "%s/.burrow/state.db: locked by another process; gave up after "
	                 "%lld.%03lld s (--wait)",
	                 o->env_path, (long long)(o->wait_ms / 1000),
	                 (long long)(o->wait_ms % 1000));
}

/* PEP 658/714: the METADATA an index serves beside a wheel (URL +
 * ".metadata") is read before any wheel is downloaded, so that a pinned
 * set that is not complete fails (exit 4) before megabytes are fetched.
 * Only for wheels still to download whose index offers it.  A metadata
 * file that cannot be fetched or parsed is skipped (the wheel's own
 * METADATA decides after the download); one whose bytes do not match the
 * sha256 the index gave is an integrity failure (exit 6). */
static int check_metadata_first(const struct install_options *o, const struct target *t,
                                struct pick *picks, size_t n, struct strbuf *err)
{
	struct fetch_options fo = o->fetch;
	struct fetch_job *jobs = NULL;
	struct strbuf *urls = NULL, *early = NULL;
	size_t *which = NULL, m = 0, i, k;
	int r = 0;

	for (i = 0; i < n; i++)
		m += picks[i].url && picks[i].wheel && picks[i].metadata;
	if (!m)
		return 0;
	jobs = calloc(m, sizeof(*jobs));
	urls = calloc(m, sizeof(*urls));
	which = calloc(m, sizeof(*which));
	early = calloc(n, sizeof(*early));
	if (!jobs || !urls || !which || !early) {
		r = error_set(err, BURROW_EFAIL, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		strbuf_init(&early[i], 1 << 20);
	for (i = 0, k = 0; i < n; i++) {
		if (!(picks[i].url && picks[i].wheel && picks[i].metadata))
			continue;
		strbuf_init(&urls[k], 0);
		strbuf_addf(&urls[k], "%s.metadata", picks[i].url);
		fetch_job_init(&jobs[k]);
		jobs[k].url = urls[k].buf;
		jobs[k].max_bytes = 16 << 20;
		jobs[k].expect_sha256 =
		    picks[i].metadata_sha256[0] ? picks[i].metadata_sha256 : NULL;
		which[k++] = i;
	}
	progress(o, "metadata", "%zu file%s (PEP 658)", m, m == 1 ? "" : "s");
	fo.done = NULL;
	fo.retrying = NULL;
	fetch_run(&fo, jobs, m);
	for (k = 0; k < m && !r; k++) {
		struct metadata md = {0};
		if (jobs[k].status == BURROW_EINTEGRITY) {
			struct strbuf loc = STRBUF_INIT;
			where(o, picks[which[k]].b, &loc);
			r = error_set(err, BURROW_EINTEGRITY, "%s: %s", loc.buf, jobs[k].err.buf);
			strbuf_release(&loc);
		} else if (!jobs[k].status &&
		           metadata_parse(jobs[k].body.buf, jobs[k].body.len, &md, NULL) == 0) {
			metadata_each(&md, "Requires-Dist", add_requires, &early[which[k]]);
			metadata_release(&md);
		}
	}
	if (!r)
		r = check_consistency(o, t, picks, n, early, err);
out:
	for (k = 0; jobs && urls && k < m; k++) {
		fetch_job_release(&jobs[k]);
		strbuf_release(&urls[k]);
	}
	for (i = 0; early && i < n; i++)
		strbuf_release(&early[i]);
	free(jobs);
	free(urls);
	free(which);
	free(early);
	return r;
}

int install_missing_hashes(const struct manifest *m, const struct fetch_options *fo,
                           struct strbuf *out, struct strbuf *err)
{
	size_t bi, ri, i;
	int r = 0;

	for (bi = 0; bi < m->nbundles && !r; bi++) {
		const struct manifest_bundle *b = &m->bundles[bi];
		size_t found = 0, unknown = 0;
		struct strbuf line = STRBUF_INIT;

		if (b->nhashes)
			continue;
		strbuf_addf(&line, "%s==%s", b->name, b->version);
		for (ri = 0; ri < m->nrepos && !r; ri++) {
			struct repo_files files = {0};
			struct strbuf lerr = STRBUF_INIT;
			if ((r = repo_list(m->repos[ri].url, b->name, fo, NULL, &files, &lerr)))
				error_set(err, r, "%s: %s", b->name, lerr.buf);
			for (i = 0; !r && i < files.len; i++) {
				const struct repo_file *f = &files.items[i];
				struct filename_info fi;
				char local[65];
				const char *sha = f->sha256;
				if (filename_parse(f->filename, &fi) != 0 ||
				    !name_matches(fi.name, b->key) ||
				    !versions_equal(fi.version, b->version))
					continue;
				if (!sha[0] && !strncmp(f->url, "file://", 7))
					sha = local_sha256(f->url, local);
				if (!sha[0]) {
					unknown++;
					continue;
				}
				if (!strstr(line.buf, sha)) {
					strbuf_addf(&line, " --hash=sha256:%s", sha);
					found++;
				}
			}
			repo_files_release(&files);
			strbuf_release(&lerr);
		}
		if (!found)
			strbuf_addf(out, "# %s: %s\n", line.buf,
			            unknown
			                ? "offered without a hash: download it and run sha256sum"
			                : "no repository offers it");
		else
			strbuf_addf(out, "%s\n", line.buf);
		strbuf_release(&line);
	}
	return r;
}

int install_run(const struct install_options *o, struct install_result *res, struct strbuf *err)
{
	struct state_wait sw = {o->wait_ms, state_waiting, (void *)o, 0, 0};
	struct envdir ed;
	struct cache c;
	struct target t;
	struct pick *picks = NULL;
	size_t n = 0, i, j;
	int r, have_env = 0, made = 0;

	memset(res, 0, sizeof(*res));
	memset(&ed, 0, sizeof(ed));
	memset(&t, 0, sizeof(t));
	ed.parent_fd = ed.lock_fd = ed.staging_fd = -1;
	if ((r = cache_open(&c, o->cache_dir, err)))
		return r;
	if (!o->fetch_only) {
		/* create makes missing parents (python3 -m venv a/b/c does), and
		 * removes them again when it fails */
		if (o->create && ((r = envdir_path_ok(-1, o->env_path, err)) ||
		                  (r = envdir_make_parents(o->env_path, &made, err))))
			goto out;
		r = envdir_open(&ed, o->env_path, err);
		have_env = 1; /* closed at out even when the open failed half-way */
		if (r)
			goto out;
		if ((r = envdir_lock(&ed, o->wait_ms, err)))
			goto out;
		if (o->create && envdir_exists(&ed)) {
			r = error_set(err, BURROW_EFAIL,
			              "%s: already exists (use burrow install to change it)",
			              o->env_path);
			goto out;
		}
		if (!o->create && !envdir_exists(&ed)) {
			r = error_set(err, BURROW_EFAIL, ENVDIR_NO_SUCH_ENV, o->env_path);
			goto out;
		}
		if (!o->create && (r = live_trusted(&ed, o->env_path, err)))
			goto out;
	}
	if ((r = target_init(o, &c, &ed, have_env && !o->create, &t, &sw, err)) ||
	    (r = state_gave_up(o, &sw, err)))
		goto out;
	if (o->m && o->m->requires_python && !python_ok(&t, o->m->requires_python)) {
		r = error_set(err, BURROW_ERESOLVE, "%s: the lock requires Python %s, not %s",
		              o->m->path, o->m->requires_python, t.python ? t.py.version : "none");
		goto out;
	}
	if (have_env && !o->create && is_noop(o, &t, &ed, &c, &sw) && !(o->repair && tampered(o))) {
		res->noop = 1;
		res->bundles = o->m->nbundles;
		goto out;
	}
	if ((r = state_gave_up(o, &sw, err)))
		goto out;
	picks = calloc(o->m && o->m->nbundles ? o->m->nbundles : 1, sizeof(*picks));
	if (!picks) {
		r = error_set(err, BURROW_EFAIL, "out of memory");
		goto out;
	}
	for (i = 0; o->m && i < o->m->nbundles; i++) {
		int sel = selected(o, &t, &o->m->bundles[i], err);
		if (sel < 0) {
			r = BURROW_EMANIFEST;
			goto out;
		}
		if (!sel)
			continue;
		for (j = 0; j < n; j++)
			if (!strcmp(picks[j].b->key, o->m->bundles[i].key)) {
				struct strbuf loc = STRBUF_INIT;
				where(o, &o->m->bundles[i], &loc);
				r = error_set(err, BURROW_EMANIFEST,
				              "%s: a second entry for the same name applies to "
				              "this target (first at line %d)",
				              loc.buf, picks[j].b->line);
				strbuf_release(&loc);
				goto out;
			}
		picks[n].b = &o->m->bundles[i];
		strbuf_init(&picks[n].info, 1 << 20);
		n++;
	}
	progress(o, "resolve", "%zu bundle%s", n, n == 1 ? "" : "s");
	for (i = 0; i < n; i++) {
		if (pick_from_cache(o, &t, &c, &picks[i]))
			continue;
		if (o->fetch.offline && picks[i].corrupt[0]) {
			struct strbuf loc = STRBUF_INIT;
			where(o, picks[i].b, &loc);
			r = error_set(
			    err, BURROW_EINTEGRITY,
			    "%s: %s==%s: the cached archive was corrupt (it hashed to %s) and "
			    "was removed; run again without --offline to fetch it",
			    loc.buf, picks[i].b->name, picks[i].b->version, picks[i].corrupt);
			strbuf_release(&loc);
			goto out;
		}
		if (o->fetch.offline && !o->m->nrepos && !picks[i].b->nfiles) {
			r = error_set(err, BURROW_ERESOLVE,
			              "%s: %s==%s: not in the cache (offline)", o->m->path,
			              picks[i].b->name, picks[i].b->version);
			goto out;
		}
		if ((r = pick_from_repos(o, &t, &c, &picks[i], err)))
			goto out;
	}
	if ((r = check_metadata_first(o, &t, picks, n, err)))
		goto out;
	if ((r = fetch_and_unpack(o, &t, &c, picks, n, res, err)))
		goto out;
	res->bundles = n;
	if ((r = check_consistency(o, &t, picks, n, NULL, err)))
		goto out;
	if (o->fetch_only)
		goto out;
	diff_live(&ed, picks, n, res, &sw);
	if ((r = state_gave_up(o, &sw, err)))
		goto out;
	if ((r = stage_repaired(o, &t, &ed, &c, picks, n, res, err)))
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
			strbuf_release(&picks[i].info);
		}
		free(picks);
	}
	target_release(&t);
	if (have_env)
		envdir_close(&ed);
	if (r && made)
		envdir_remove_parents(o->env_path, made);
	cache_close(&c);
	return r;
}
