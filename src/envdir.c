/*
 * envdir: lock, stage, commit and sweep of an env (see envdir.h).
 */
#include "envdir.h"

#include "util/error.h"
#include "util/fs.h"
#include "util/signals.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int envdir_open(struct envdir *e, const char *path, struct strbuf *err)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);
	char *slash;

	memset(e, 0, sizeof(*e));
	e->parent_fd = e->lock_fd = e->staging_fd = -1;
	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n == 0 || n >= sizeof(buf))
		return error_set(err, BURROW_EUSAGE, "invalid env path \"%s\"", path);
	memcpy(buf, path, n);
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	e->path = strdup(buf);
	e->name = strdup(slash ? slash + 1 : buf);
	if (!e->path || !e->name)
		return error_set(err, BURROW_EFAIL, "out of memory");
	if (!strcmp(e->name, ".") || !strcmp(e->name, "..") || !*e->name)
		return error_set(err, BURROW_EUSAGE, "invalid env path \"%s\"", path);
	if (slash) {
		if (slash == buf)
			slash[1] = '\0';
		else
			*slash = '\0';
		e->parent_fd = open(buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else {
		e->parent_fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (e->parent_fd < 0)
		return error_set(err, BURROW_EFAIL, "%s: parent directory: %s", path,
		                 strerror(errno));
	return 0;
}

/* Names beside the env: ".NAME.<what>". */
static int side_name(const struct envdir *e, const char *what, char *out, size_t outsz)
{
	int n = snprintf(out, outsz, ".%s.%s", e->name, what);
	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

static void restore_after_crash(struct envdir *e, const char *old)
{
	struct stat st;

	/* The two-rename fallback died between its renames: put the old env
	 * back before anything else looks at it. */
	if (fstatat(e->parent_fd, e->name, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
		renameat(e->parent_fd, old, e->parent_fd, e->name);
}

/* What a crashed install leaves beside the env: 1 for .NAME.staging-*,
 * 2 for .NAME.old-* (the old env moved aside by the commit fallback), 0
 * for anything else. */
static int leftover_kind(const struct envdir *e, const char *entry)
{
	size_t n = strlen(e->name);

	if (entry[0] != '.' || strncmp(entry + 1, e->name, n) || entry[1 + n] != '.')
		return 0;
	entry += n + 2;
	return !strncmp(entry, "staging-", 8) ? 1 : !strncmp(entry, "old-", 4) ? 2 : 0;
}

/* Calls fn on each leftover beside the env until it returns nonzero;
 * returns that, or -1 when the parent cannot be read. */
static int each_leftover(struct envdir *e, int (*fn)(struct envdir *, const char *, int))
{
	DIR *d;
	struct dirent *de;
	int fd = dup(e->parent_fd), r = 0, kind;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (!r && (de = readdir(d)))
		if ((kind = leftover_kind(e, de->d_name)))
			r = fn(e, de->d_name, kind);
	closedir(d);
	return r;
}

static int sweep_one(struct envdir *e, const char *name, int kind)
{
	if (kind == 2)
		restore_after_crash(e, name);
	fs_remove_tree(e->parent_fd, name);
	return 0;
}

static void sweep(struct envdir *e)
{
	each_leftover(e, sweep_one);
}

static int found(struct envdir *e, const char *name, int kind)
{
	(void)e;
	(void)name;
	(void)kind;
	return 1;
}

int envdir_has_leftovers(struct envdir *e)
{
	return each_leftover(e, found) != 0;
}

int envdir_make_parents(const char *path, int *made, struct strbuf *err)
{
	char buf[PATH_MAX];
	size_t n = strlen(path), i;

	*made = 0;
	if (n >= sizeof(buf))
		return error_set(err, BURROW_EUSAGE, "%s: path too long", path);
	memcpy(buf, path, n + 1);
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = '\0';
	for (i = 1; i < n; i++) {
		if (buf[i] != '/' || buf[i - 1] == '/')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) == 0)
			(*made)++;
		else if (errno != EEXIST)
			return error_set(err, BURROW_EFAIL, "%s: cannot make folder %s: %s", path,
			                 buf, strerror(errno));
		buf[i] = '/';
	}
	return 0;
}

void envdir_remove_parents(const char *path, int made)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);
	char *slash;

	if (n >= sizeof(buf))
		return;
	memcpy(buf, path, n + 1);
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = '\0';
	while (made-- > 0 && (slash = strrchr(buf, '/')) && slash != buf) {
		*slash = '\0';
		while (slash > buf && slash[-1] == '/')
			*--slash = '\0';
		if (rmdir(buf) < 0)
			return;
	}
}

int envdir_lock(struct envdir *e, int wait_seconds, struct strbuf *err)
{
	char name[NAME_MAX + 1], pid[32];
	struct timespec start, now;
	int n;

	if (side_name(e, "lock", name, sizeof(name)) < 0)
		return error_set(err, BURROW_EUSAGE, "%s: name too long", e->path);
	e->lock_fd = openat(e->parent_fd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (e->lock_fd < 0)
		return error_set(err, BURROW_EFAIL, "%s: cannot create lock file: %s", e->path,
		                 strerror(errno));
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (flock(e->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		int r;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return error_set(err, BURROW_EFAIL, "%s: lock: %s", e->path,
			                 strerror(errno));
		if ((r = signals_pending()))
			return error_set(err, r, "interrupted");
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= wait_seconds) {
			ssize_t k = pread(e->lock_fd, pid, sizeof(pid) - 1, 0);
			pid[k > 0 ? k : 0] = '\0';
			pid[strcspn(pid, "\n")] = '\0';
			close(e->lock_fd);
			e->lock_fd = -1;
			return error_set(
			    err, BURROW_ELOCKED,
			    "%s: locked by another burrow (pid %s); gave up after %d s", e->path,
			    pid[0] ? pid : "unknown", wait_seconds);
		}
		usleep(50000);
	}
	{
		/* envdir_close may have removed the file this fd names (no env
		 * behind it): a lock on an unlinked file locks nothing. */
		struct stat held, named;
		if (fstat(e->lock_fd, &held) < 0 ||
		    fstatat(e->parent_fd, name, &named, AT_SYMLINK_NOFOLLOW) < 0 ||
		    held.st_ino != named.st_ino || held.st_dev != named.st_dev) {
			close(e->lock_fd);
			e->lock_fd = -1;
			return envdir_lock(e, wait_seconds, err);
		}
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(e->lock_fd, 0) == 0)
		(void)!pwrite(e->lock_fd, pid, (size_t)n, 0);
	sweep(e);
	return 0;
}

int envdir_exists(struct envdir *e)
{
	struct stat st;

	return fstatat(e->parent_fd, e->name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

int envdir_open_live(struct envdir *e)
{
	return openat(e->parent_fd, e->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

int envdir_stage(struct envdir *e, struct strbuf *err)
{
	char suffix[40];

	fs_temp_name(suffix, sizeof(suffix), "staging-");
	if (side_name(e, suffix, e->staging, sizeof(e->staging)) < 0)
		return error_set(err, BURROW_EUSAGE, "%s: name too long", e->path);
	if (mkdirat(e->parent_fd, e->staging, 0755) < 0) {
		int r = error_set(err, BURROW_EFAIL, "%s: cannot create staging directory: %s",
		                  e->path, strerror(errno));
		e->staging[0] = '\0';
		return r;
	}
	e->staging_fd =
	    openat(e->parent_fd, e->staging, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (e->staging_fd < 0)
		return error_set(err, BURROW_EFAIL, "%s: staging directory: %s", e->path,
		                 strerror(errno));
	fchmod(e->staging_fd, 0755);
	return 0;
}

int envdir_commit(struct envdir *e, struct strbuf *err)
{
	char old[NAME_MAX + 1], suffix[40];

	if (!envdir_exists(e)) {
		if (renameat(e->parent_fd, e->staging, e->parent_fd, e->name) < 0)
			return error_set(err, BURROW_EFAIL, "%s: cannot create env: %s", e->path,
			                 strerror(errno));
		e->staging[0] = '\0';
		fsync(e->parent_fd);
		return 0;
	}
	if (renameat2(e->parent_fd, e->staging, e->parent_fd, e->name, RENAME_EXCHANGE) == 0) {
		/* The staging name now holds the old env. */
		fsync(e->parent_fd);
		fs_remove_tree(e->parent_fd, e->staging);
		e->staging[0] = '\0';
		return 0;
	}
	if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
		return error_set(err, BURROW_EFAIL, "%s: cannot swap in the new env: %s", e->path,
		                 strerror(errno));
	fs_temp_name(suffix, sizeof(suffix), "old-");
	if (side_name(e, suffix, old, sizeof(old)) < 0)
		return error_set(err, BURROW_EUSAGE, "%s: name too long", e->path);
	if (renameat(e->parent_fd, e->name, e->parent_fd, old) < 0)
		return error_set(err, BURROW_EFAIL, "%s: cannot move the old env aside: %s",
		                 e->path, strerror(errno));
	if (renameat(e->parent_fd, e->staging, e->parent_fd, e->name) < 0) {
		int r = error_set(err, BURROW_EFAIL, "%s: cannot move the new env in: %s", e->path,
		                  strerror(errno));
		renameat(e->parent_fd, old, e->parent_fd, e->name);
		return r;
	}
	e->staging[0] = '\0';
	fsync(e->parent_fd);
	fs_remove_tree(e->parent_fd, old);
	return 0;
}

void envdir_abort(struct envdir *e)
{
	if (e->staging[0]) {
		fs_remove_tree(e->parent_fd, e->staging);
		e->staging[0] = '\0';
	}
}

void envdir_close(struct envdir *e)
{
	char name[NAME_MAX + 1];

	envdir_abort(e);
	if (e->staging_fd >= 0)
		close(e->staging_fd);
	if (e->lock_fd >= 0 && !envdir_exists(e) && side_name(e, "lock", name, sizeof(name)) == 0)
		unlinkat(e->parent_fd, name, 0); /* still held: nobody else is inside */
	if (e->lock_fd >= 0)
		close(e->lock_fd);
	if (e->parent_fd >= 0)
		close(e->parent_fd);
	free(e->path);
	free(e->name);
	memset(e, 0, sizeof(*e));
	e->parent_fd = e->lock_fd = e->staging_fd = -1;
}
