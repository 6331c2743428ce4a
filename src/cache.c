/*
 * cache: content-addressed archives and trees plus cache.db (see cache.h).
 */
#include "cache.h"

#include "util/db.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <inttypes.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const cache_migrations[] = {
    "CREATE TABLE artifacts(sha256 TEXT PRIMARY KEY, filename TEXT NOT NULL,"
    " size INTEGER NOT NULL, last_use INTEGER NOT NULL);"
    "CREATE TABLE trees(sha256 TEXT PRIMARY KEY, kind TEXT NOT NULL, info TEXT NOT NULL,"
    " entries BLOB NOT NULL, last_use INTEGER NOT NULL);"
    "CREATE TABLE interpreters(path TEXT NOT NULL, mtime INTEGER NOT NULL, size INTEGER NOT "
    "NULL, facts TEXT NOT NULL, PRIMARY KEY(path));"
    "CREATE TABLE index_pages(url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT,"
    " content_type TEXT, body BLOB, fetched INTEGER NOT NULL);",
    "ALTER TABLE index_pages ADD COLUMN final_url TEXT;",
};

static const char cachedir_tag[] = "Signature: 8a477f597d28d172789f06886806bc55\n"
                                   "# This file is a cache directory tag created by burrow.\n"
                                   "# For information about cache directory tags see "
                                   "https://bford.info/cachedir/\n";

int cache_default_dir(const char *dir, struct strbuf *out, struct strbuf *err)
{
	const char *v;

	strbuf_reset(out);
	if (dir && *dir)
		return strbuf_addstr(out, dir) < 0 ? error_set(err, BURROW_EFAIL, "out of memory")
		                                   : 0;
	if ((v = getenv("BURROW_CACHE_DIR")) && *v)
		strbuf_addstr(out, v);
	else if ((v = getenv("XDG_CACHE_HOME")) && *v == '/')
		strbuf_addf(out, "%s/burrow", v);
	else if ((v = getenv("HOME")) && *v)
		strbuf_addf(out, "%s/.cache/burrow", v);
	else
		return error_set(err, BURROW_EFAIL,
		                 "no cache directory: set BURROW_CACHE_DIR or HOME");
	return 0;
}

/* Refuses a cache directory or file that another user could have written:
 * one not owned by the effective user, or writable by group or others
 * (docs/cache-trust.md).  what names it for the message. */
static int check_private(int fd, const char *path, const char *what, struct strbuf *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return error_set(err, BURROW_EFAIL, "cache %s%s: %s", path, what, strerror(errno));
	if (st.st_uid != geteuid())
		return error_set(err, BURROW_EINTEGRITY,
		                 "cache %s%s: owned by uid %u, not by you (uid %u): a cache is "
		                 "private; use one of your own (--cache-dir DIR or "
		                 "BURROW_CACHE_DIR)",
		                 path, what, (unsigned)st.st_uid, (unsigned)geteuid());
	if (st.st_mode & 022)
		return error_set(err, BURROW_EINTEGRITY,
		                 "cache %s%s: writable by %s (mode %04o): run chmod go-w on it, "
		                 "or use a cache of your own (--cache-dir DIR)",
		                 path, what, st.st_mode & 002 ? "others" : "its group",
		                 (unsigned)(st.st_mode & 07777));
	return 0;
}

/* Opens (making it 0755 when missing) the subdirectory name of the cache
 * into *out, never through a symlink, and checks it is private.  Returns
 * 0 or an error code with err set. */
static int open_sub(struct cache *c, const char *name, int *out, struct strbuf *err)
{
	char what[16];
	int fd, r;

	snprintf(what, sizeof(what), "/%s", name);
	if (mkdirat(c->dirfd, name, 0755) < 0 && errno != EEXIST)
		return error_set(err, BURROW_EFAIL, "cache %s%s: %s", c->path, what,
		                 strerror(errno));
	fd = openat(c->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return error_set(
		    err, errno == ELOOP || errno == ENOTDIR ? BURROW_EINTEGRITY : BURROW_EFAIL,
		    "cache %s%s: %s", c->path, what,
		    errno == ELOOP || errno == ENOTDIR ? "not a directory (a symlink?)"
		                                       : strerror(errno));
	if ((r = check_private(fd, c->path, what, err))) {
		close(fd);
		return r;
	}
	*out = fd;
	return 0;
}

/* Opens the cache directory path, making it (and its missing parents)
 * when absent: the cache itself 0700, since it is one user's. */
static int open_top(const char *path)
{
	char parent[PATH_MAX];
	const char *leaf;
	size_t n = strlen(path);
	int pfd, fd;

	fd = fs_open_dir(AT_FDCWD, path, 0);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n >= sizeof(parent)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(parent, path, n);
	parent[n] = '\0';
	leaf = strrchr(parent, '/');
	if (leaf) {
		parent[leaf - parent] = '\0';
		pfd = fs_open_dir(AT_FDCWD, leaf == parent ? "/" : parent, 1);
		leaf++;
	} else {
		pfd = openat(AT_FDCWD, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		leaf = parent;
	}
	if (pfd < 0)
		return -1;
	if (mkdirat(pfd, leaf, 0700) == 0 || errno == EEXIST)
		fd = openat(pfd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	n = (size_t)errno;
	close(pfd);
	errno = (int)n;
	return fd;
}

/* Opens the shard directory "ab" of sha beneath parent (archives/ or
 * trees/), made 0755 with create: O_NOFOLLOW, and refused (EPERM) unless
 * it is ours and not writable by others.  -1 with errno. */
static int open_shard(int parent, const char *sha, int create)
{
	char dir[3];
	struct stat st;
	int fd;

	if (!sha256_is_hex(sha)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(dir, sha, 2);
	dir[2] = '\0';
	if (create && mkdirat(parent, dir, 0755) < 0 && errno != EEXIST)
		return -1;
	fd = openat(parent, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP || errno == ENOTDIR)
			errno = EPERM; /* a symlink or a file in its place */
		return -1;
	}
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 022)) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

/* The message for a shard directory open_shard refused (errno e): exit 6
 * for one that is not ours, else a general failure. */
static int shard_error(struct cache *c, const char *sub, const char *sha, int e, struct strbuf *err)
{
	if (e == EPERM)
		return error_set(err, BURROW_EINTEGRITY,
		                 "cache %s/%s/%.2s: not a private directory of yours (a symlink, "
		                 "another user's, or writable by others); remove it",
		                 c->path, sub, sha);
	return error_set(err, BURROW_EFAIL, "cache %s/%s/%.2s: %s", c->path, sub, sha, strerror(e));
}

/* Makes cache.db 0600 before sqlite opens it (an empty file is an empty
 * database), and refuses one, or a -wal or -shm beside it, that is not
 * ours.  Ours but readable by others (a cache from before 0.1.1) is made
 * 0600: index pages may have been fetched with credentials. */
static int db_files_private(struct cache *c, struct strbuf *err)
{
	static const char *const names[] = {"cache.db", "cache.db-wal", "cache.db-shm"};
	char what[32];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int fd =
		    openat(c->dirfd, names[i],
		           O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | (i ? 0 : O_CREAT), 0600);
		struct stat st;
		int r;

		if (fd < 0 && i && errno == ENOENT)
			continue;
		snprintf(what, sizeof(what), "/%s", names[i]);
		if (fd < 0)
			return error_set(
			    err,
			    errno == ELOOP || errno == EACCES ? BURROW_EINTEGRITY : BURROW_EFAIL,
			    "cache %s%s: %s", c->path, what,
			    errno == ELOOP ? "a symlink, not a file" : strerror(errno));
		r = fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1;
		if (r) {
			close(fd);
			return error_set(err, BURROW_EINTEGRITY,
			                 "cache %s%s: not a regular file with one link; remove it",
			                 c->path, what);
		}
		if (st.st_uid == geteuid() && (st.st_mode & 077) && !(st.st_mode & 022))
			fchmod(fd, 0600);
		r = check_private(fd, c->path, what, err);
		close(fd);
		if (r)
			return r;
	}
	return 0;
}

/* Makes tmp/p-XXXX/ and holds a flock on tmp/p-XXXX.lock for the life of
 * the process (the lock is taken before the directory exists, so a sweeper
 * never sees the directory unlocked).  Between creating the lock file and
 * locking it, another process's tmp_sweep may lock it first (our flock
 * fails) or lock and unlink it (our flock succeeds on a file no longer
 * there): either way, try again under a new name. */
static int tmp_own(struct cache *c)
{
	char lock[64];
	struct stat st;
	int fd, tries;

	for (tries = 0;; tries++) {
		fs_temp_name(c->tmp_name, sizeof(c->tmp_name), "p-");
		snprintf(lock, sizeof(lock), "%s.lock", c->tmp_name);
		c->tmp_lock_fd = openat(c->tmp_root_fd, lock,
		                        O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (c->tmp_lock_fd < 0)
			return -1;
		if (flock(c->tmp_lock_fd, LOCK_EX | LOCK_NB) == 0 &&
		    fstat(c->tmp_lock_fd, &st) == 0 && st.st_nlink > 0)
			break;
		close(c->tmp_lock_fd);
		c->tmp_lock_fd = -1;
		if (tries == 16) {
			errno = EAGAIN;
			return -1;
		}
	}
	if (mkdirat(c->tmp_root_fd, c->tmp_name, 0700) < 0)
		return -1;
	fd = openat(c->tmp_root_fd, c->tmp_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd;
}

/* Removes what dead processes left under tmp/: p-XXXX directories whose
 * p-XXXX.lock is not held. */
static void tmp_sweep(int root)
{
	DIR *d;
	struct dirent *de;
	int fd = dup(root);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char dir[NAME_MAX + 1];
		int lfd;

		if (strncmp(de->d_name, "p-", 2) || n < 7 || strcmp(de->d_name + n - 5, ".lock"))
			continue;
		lfd = openat(root, de->d_name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		if (lfd < 0)
			continue;
		if (flock(lfd, LOCK_EX | LOCK_NB) == 0) {
			memcpy(dir, de->d_name, n - 5);
			dir[n - 5] = '\0';
			fs_remove_tree(root, dir);
			unlinkat(root, de->d_name, 0);
		}
		close(lfd);
	}
	closedir(d);
}

/* The cache cannot be opened or made: an unwritable HOME (a container's
 * USER without one, a read-only root) is the usual cause, so the message
 * names the way out. */
static int cannot_open(const char *path, struct strbuf *err)
{
	int e = errno;

	if (e == EACCES || e == EPERM || e == EROFS || e == ENOTDIR)
		return error_set(err, BURROW_EFAIL,
		                 "cache %s: %s (give a writable cache with --cache-dir DIR or "
		                 "BURROW_CACHE_DIR)",
		                 path, strerror(e));
	return error_set(err, BURROW_EFAIL, "cache %s: %s", path, strerror(e));
}

int cache_open(struct cache *c, const char *path, struct strbuf *err)
{
	struct strbuf db = STRBUF_INIT;
	struct stat st;
	int r;

	memset(c, 0, sizeof(*c));
	c->dirfd = c->archives_fd = c->trees_fd = c->tmp_fd = -1;
	c->tmp_root_fd = c->tmp_lock_fd = -1;
	if (!(c->path = strdup(path)))
		return error_set(err, BURROW_EFAIL, "out of memory");
	c->dirfd = open_top(path);
	if (path[0] == '/' && c->dirfd < 0 && errno == ENOENT)
		c->dirfd = open_top(path);
	if (c->dirfd < 0) {
		r = cannot_open(path, err);
		goto fail;
	}
	if ((r = check_private(c->dirfd, path, "", err)))
		goto fail;
	if (fstatat(c->dirfd, "CACHEDIR.TAG", &st, AT_SYMLINK_NOFOLLOW) < 0)
		fs_write_atomic(c->dirfd, "CACHEDIR.TAG", cachedir_tag, sizeof(cachedir_tag) - 1,
		                0644);
	if ((r = open_sub(c, "archives", &c->archives_fd, err)) ||
	    (r = open_sub(c, "trees", &c->trees_fd, err)) ||
	    (r = open_sub(c, "tmp", &c->tmp_root_fd, err)))
		goto fail;
	tmp_sweep(c->tmp_root_fd);
	c->tmp_fd = tmp_own(c);
	if (c->tmp_fd < 0) {
		r = error_set(err, BURROW_EFAIL, "cache %s/tmp: %s", path, strerror(errno));
		goto fail;
	}
	if ((r = db_files_private(c, err)))
		goto fail;
	strbuf_addf(&db, "%s/cache.db", path);
	r = db_open(db.buf, cache_migrations,
	            (int)(sizeof(cache_migrations) / sizeof(cache_migrations[0])), DB_SHARED,
	            &c->db, err);
	strbuf_release(&db);
	if (r)
		goto fail;
	return 0;
fail:
	cache_close(c);
	return r;
}

void cache_close(struct cache *c)
{
	if (c->db)
		db_close(c->db);
	if (c->dirfd >= 0)
		close(c->dirfd);
	if (c->archives_fd >= 0)
		close(c->archives_fd);
	if (c->trees_fd >= 0)
		close(c->trees_fd);
	if (c->tmp_fd >= 0) {
		close(c->tmp_fd);
		fs_remove_tree(c->tmp_root_fd, c->tmp_name);
	}
	if (c->tmp_lock_fd >= 0) {
		char lock[64];
		snprintf(lock, sizeof(lock), "%s.lock", c->tmp_name);
		unlinkat(c->tmp_root_fd, lock, 0);
		close(c->tmp_lock_fd);
	}
	if (c->tmp_root_fd >= 0)
		close(c->tmp_root_fd);
	free(c->path);
	memset(c, 0, sizeof(*c));
	c->dirfd = c->archives_fd = c->trees_fd = c->tmp_fd = -1;
	c->tmp_root_fd = c->tmp_lock_fd = -1;
}

int cache_archive_open(struct cache *c, const char *sha)
{
	int sfd = open_shard(c->archives_fd, sha, 0), fd, e;

	if (sfd < 0)
		return -1;
	fd = openat(sfd, sha, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	e = errno;
	close(sfd);
	errno = e;
	return fd;
}

int cache_archive_has(struct cache *c, const char *sha)
{
	struct stat st;
	int sfd = open_shard(c->archives_fd, sha, 0), ok;

	if (sfd < 0)
		return 0;
	ok = fstatat(sfd, sha, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
	close(sfd);
	return ok;
}

int cache_archive_verify(struct cache *c, const char *sha, char got[65])
{
	unsigned char digest[SHA256_LEN];
	int sfd, fd, r;

	got[0] = '\0';
	if ((sfd = open_shard(c->archives_fd, sha, 0)) < 0)
		return -1;
	fd = openat(sfd, sha, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = errno;
		close(sfd);
		errno = r;
		return -1;
	}
	r = sha256_fd(fd, digest, NULL);
	close(fd);
	if (r < 0) {
		close(sfd);
		return -1;
	}
	sha256_to_hex(digest, got);
	if (!strcmp(got, sha)) {
		close(sfd);
		return 1;
	}
	/* bytes that are not what their name says are worth nothing: the
	 * next fetch writes a verified copy under the same name */
	r = unlinkat(sfd, sha, 0) < 0 && errno != ENOENT ? -1 : 0;
	close(sfd);
	return r;
}

static int run_stmt(struct cache *c, const char *sql, const char *a, const char *b, int64_t n,
                    const void *blob, size_t bloblen, const char *d)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, n);
	sqlite3_bind_int64(st, 4, (int64_t)time(NULL));
	if (blob)
		sqlite3_bind_blob(st, 5, blob, (int)bloblen, SQLITE_STATIC);
	if (d)
		sqlite3_bind_text(st, 6, d, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int cache_archive_commit(struct cache *c, const char *tmpname, const char *sha,
                         const char *filename, uint64_t size, struct strbuf *err)
{
	int fd, sfd = open_shard(c->archives_fd, sha, 1);

	if (sfd < 0) {
		int e = errno;
		unlinkat(c->tmp_fd, tmpname, 0);
		return shard_error(c, "archives", sha, e, err);
	}
	fd = openat(c->tmp_fd, tmpname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		fchmod(fd, 0444);
		fsync(fd);
		close(fd);
	}
	if (renameat(c->tmp_fd, tmpname, sfd, sha) < 0) {
		int e = errno;
		close(sfd);
		unlinkat(c->tmp_fd, tmpname, 0);
		return error_set(err, BURROW_EFAIL, "cache %s: cannot store %s: %s", c->path, sha,
		                 strerror(e));
	}
	close(sfd);
	if (run_stmt(
	        c,
	        "INSERT INTO artifacts(sha256, filename, size, last_use) VALUES(?1, ?2, ?3, ?4)"
	        " ON CONFLICT(sha256) DO UPDATE SET filename=?2, last_use=?4",
	        sha, filename, (int64_t)size, NULL, 0, NULL) < 0)
		return error_set(err, BURROW_EFAIL, "cache.db: %s", sqlite3_errmsg(c->db));
	return 0;
}

char *cache_archive_filename(struct cache *c, const char *sha)
{
	sqlite3_stmt *st;
	char *r = NULL;

	if (sqlite3_prepare_v2(c->db, "SELECT filename FROM artifacts WHERE sha256=?1", -1, &st,
	                       NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		r = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return r;
}

int tree_list_encode(const struct tree_list *list, struct strbuf *out)
{
	size_t i;

	for (i = 0; i < list->len; i++) {
		const struct tree_entry *e = &list->items[i];
		if (strbuf_addf(out, "%c\t%o\t%" PRIu64 "\t%s\t%s\t%s\n",
		                e->type == TREE_FILE  ? 'f'
		                : e->type == TREE_DIR ? 'd'
		                                      : 'l',
		                (unsigned)e->mode, e->size, e->sha256[0] ? e->sha256 : "-", e->path,
		                e->link_target ? e->link_target : "") < 0)
			return -1;
	}
	return 0;
}

int tree_list_decode(const char *data, size_t len, struct tree_list *out)
{
	const char *p = data, *end = data + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char line[PATH_MAX * 2 + 128];
		char *f[6], *s;
		size_t n;
		int k;
		enum tree_type t;

		if (!nl)
			return -1;
		n = (size_t)(nl - p);
		if (n >= sizeof(line))
			return -1;
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl + 1;
		s = line;
		for (k = 0; k < 6; k++) {
			f[k] = s;
			s = strchr(s, '\t');
			if (!s) {
				if (k != 5)
					return -1;
				break;
			}
			*s++ = '\0';
		}
		t = f[0][0] == 'f' ? TREE_FILE : f[0][0] == 'd' ? TREE_DIR : TREE_SYMLINK;
		if (!tree_list_add(out, f[4], t, (mode_t)strtoul(f[1], NULL, 8),
		                   strtoull(f[2], NULL, 10), strcmp(f[3], "-") ? f[3] : NULL,
		                   t == TREE_SYMLINK ? f[5] : NULL))
			return -1;
	}
	return 0;
}

int cache_tree_open(struct cache *c, const char *sha, struct tree_list *entries,
                    struct strbuf *info)
{
	sqlite3_stmt *st;
	struct stat tst;
	int fd, sfd, ok = 0;

	if ((sfd = open_shard(c->trees_fd, sha, 0)) < 0)
		return -1;
	fd = openat(sfd, sha, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(sfd);
	if (fd < 0)
		return -1;
	if (fstat(fd, &tst) < 0 || tst.st_uid != geteuid() || (tst.st_mode & 022)) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	if (!entries && !info)
		return fd;
	if (sqlite3_prepare_v2(c->db, "SELECT entries, info FROM trees WHERE sha256=?1", -1, &st,
	                       NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			ok = 1;
			if (entries &&
			    tree_list_decode(sqlite3_column_blob(st, 0),
			                     (size_t)sqlite3_column_bytes(st, 0), entries) < 0)
				ok = 0;
			if (info && sqlite3_column_text(st, 1))
				strbuf_addstr(info, (const char *)sqlite3_column_text(st, 1));
		}
		sqlite3_finalize(st);
	}
	if (!ok) {
		close(fd);
		return -1;
	}
	return fd;
}

int cache_tree_has(struct cache *c, const char *sha)
{
	int fd = cache_tree_open(c, sha, NULL, NULL);
	sqlite3_stmt *st;
	int ok = 0;

	if (fd < 0)
		return 0;
	close(fd);
	if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM trees WHERE sha256=?1", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
		ok = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	return ok;
}

int cache_tree_begin(struct cache *c, char *name, size_t namesz, struct strbuf *err)
{
	int fd;

	fs_temp_name(name, namesz, "tree-");
	if (mkdirat(c->tmp_fd, name, 0755) < 0) {
		error_set(err, BURROW_EFAIL, "cache %s/tmp: %s", c->path, strerror(errno));
		return -1;
	}
	fd = openat(c->tmp_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		error_set(err, BURROW_EFAIL, "cache %s/tmp: %s", c->path, strerror(errno));
		return -1;
	}
	return fd;
}

int cache_tree_drop(struct cache *c, const char *sha)
{
	char name[64];
	int sfd = open_shard(c->trees_fd, sha, 0), e;

	if (sfd < 0)
		return -1;
	fs_temp_name(name, sizeof(name), "drop-");
	/* moving a directory rewrites its "..": the sealed top needs w */
	fs_chmod_owned(sfd, sha, 0755, NULL);
	if (renameat(sfd, sha, c->tmp_fd, name) < 0 && errno != ENOENT) {
		e = errno;
		close(sfd);
		errno = e;
		return -1;
	}
	close(sfd);
	fs_remove_tree(c->tmp_fd, name);
	return run_stmt(c, "DELETE FROM trees WHERE sha256=?1", sha, NULL, 0, NULL, 0, NULL) < 0
	           ? (errno = EIO, -1)
	           : 0;
}

void cache_tree_abort(struct cache *c, const char *name)
{
	fs_remove_tree(c->tmp_fd, name);
}

/* Makes every directory below the top of the tree 0555 so nothing is
 * added or removed by accident (files keep their 0644/0755 modes: hard
 * links share them).  The top is sealed after the rename: moving a
 * directory to another parent rewrites its "..", which needs write
 * permission on it (root alone would not care). */
static void seal_dirs(int dirfd, const struct tree_list *entries)
{
	size_t i;

	for (i = entries->len; i-- > 0;)
		if (entries->items[i].type == TREE_DIR)
			fs_chmod_owned(dirfd, entries->items[i].path, 0555, NULL);
}

int cache_tree_commit(struct cache *c, const char *name, const char *sha, const char *kind,
                      const struct tree_list *entries, const char *info, struct strbuf *err)
{
	struct strbuf blob = STRBUF_INIT;
	int fd, sfd, r = 0;

	if ((sfd = open_shard(c->trees_fd, sha, 1)) < 0) {
		int e = errno;
		fs_remove_tree(c->tmp_fd, name);
		return shard_error(c, "trees", sha, e, err);
	}
	fd = openat(c->tmp_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = error_set(err, BURROW_EFAIL, "cache %s/tmp: %s", c->path, strerror(errno));
		goto out;
	}
	seal_dirs(fd, entries);
	syncfs(fd);
	if (renameat(c->tmp_fd, name, sfd, sha) < 0) {
		/* a concurrent writer got there first: its tree stays */
		if (errno != EEXIST && errno != ENOTEMPTY)
			r = error_set(err, BURROW_EFAIL, "cache %s: cannot store tree %s: %s",
			              c->path, sha, strerror(errno));
		fs_remove_tree(c->tmp_fd, name);
	} else {
		fchmod(fd, 0555);
	}
	/* recorded once the tree is in place, so a row never outlives a
	 * failed rename */
	if (!r && tree_list_encode(entries, &blob) < 0)
		r = error_set(err, BURROW_EFAIL, "out of memory");
	if (!r && run_stmt(c,
	                   "INSERT INTO trees(sha256, kind, entries, last_use, info) "
	                   "VALUES(?1, ?2, ?5, ?4, ?6) ON CONFLICT(sha256) DO UPDATE SET "
	                   "kind=?2, entries=?5, last_use=?4, info=?6",
	                   sha, kind, 0, blob.buf, blob.len, info) < 0)
		r = error_set(err, BURROW_EFAIL, "cache.db: %s", sqlite3_errmsg(c->db));
out:
	if (fd >= 0)
		close(fd);
	close(sfd);
	strbuf_release(&blob);
	return r;
}

static char *column_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? strdup((const char *)t) : NULL;
}

void cache_page_release(struct cache_page *p)
{
	free(p->etag);
	free(p->last_modified);
	free(p->content_type);
	free(p->final_url);
	strbuf_release(&p->body);
	memset(p, 0, sizeof(*p));
}

int cache_page_get(struct cache *c, const char *url, struct cache_page *p)
{
	sqlite3_stmt *st;
	int rc;

	memset(p, 0, sizeof(*p));
	strbuf_init(&p->body, 0);
	if (sqlite3_prepare_v2(c->db,
	                       "SELECT etag, last_modified, content_type, final_url, body, fetched "
	                       "FROM index_pages WHERE url=?1",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const void *b = sqlite3_column_blob(st, 4);
		int n = sqlite3_column_bytes(st, 4);
		p->etag = column_dup(st, 0);
		p->last_modified = column_dup(st, 1);
		p->content_type = column_dup(st, 2);
		p->final_url = column_dup(st, 3);
		p->fetched = sqlite3_column_int64(st, 5);
		if (n > 0 && strbuf_add(&p->body, b, (size_t)n) < 0)
			rc = SQLITE_NOMEM;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	cache_page_release(p);
	return rc == SQLITE_DONE ? 0 : -1;
}

int cache_page_put(struct cache *c, const char *url, const struct cache_page *p)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(c->db,
	                       "INSERT OR REPLACE INTO index_pages(url, etag, last_modified, "
	                       "content_type, final_url, body, fetched) "
	                       "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, p->etag, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p->last_modified, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, p->content_type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, p->final_url, -1, SQLITE_STATIC);
	sqlite3_bind_blob64(st, 6, p->body.buf ? p->body.buf : "", (sqlite3_uint64)p->body.len,
	                    SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (int64_t)time(NULL));
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int cache_page_touch(struct cache *c, const char *url)
{
	return run_stmt(c, "UPDATE index_pages SET fetched=?4 WHERE url=?1", url, NULL, 0, NULL, 0,
	                NULL);
}

int cache_clean(struct cache *c, struct strbuf *err)
{
	int r = 0;

	if (fs_remove_tree(c->dirfd, "archives") < 0 || fs_remove_tree(c->dirfd, "trees") < 0)
		r = error_set(err, BURROW_EFAIL, "cache %s: %s", c->path, strerror(errno));
	if (!r)
		r = db_exec(c->db,
		            "DELETE FROM artifacts; DELETE FROM trees; DELETE FROM "
		            "index_pages;",
		            err);
	return r;
}
