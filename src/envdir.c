/*
 * envdir: lock, stage, commit and sweep of an env (see envdir.h).
 */
#include "envdir.h"

#include "trust.h"
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
#include <sys/sysmacros.h>
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
	return envdir_path_ok(e->parent_fd, e->path, err);
}

int envdir_path_ok(int parent_fd, const char *path, struct strbuf *err)
{
	char proc[64], abs[PATH_MAX];
	ssize_t n;

	/* ENV/bin goes on the app's PATH: a ':' would split it (python -m
	 * venv refuses os.pathsep too), a newline breaks every line-based
	 * file that names the env.  The absolute path counts: a relative
	 * name below "/x/co:" is as bad. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", parent_fd);
	n = parent_fd >= 0 ? readlink(proc, abs, sizeof(abs) - 1) : -1;
	abs[n > 0 ? n : 0] = '\0';
	if (strpbrk(path, ":\n") || strpbrk(abs, ":\n")) {
		struct strbuf p = STRBUF_INIT;
		int r;
		strbuf_add_escaped(&p, strpbrk(path, ":\n") ? path : abs,
		                   strlen(strpbrk(path, ":\n") ? path : abs));
		r = error_set(err, BURROW_EUSAGE,
		              "env path \"%s\" contains ':' or a newline (it would split "
		              "the app's PATH); choose another path",
		              p.buf);
		strbuf_release(&p);
		return r;
	}
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
	rewinddir(d); /* the dup shares parent_fd's offset: a second walk starts over */
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

static char foreign_name[NAME_MAX + 1];

static int foreign(struct envdir *e, const char *name, int kind)
{
	struct stat st;

	(void)kind;
	if (fstatat(e->parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    (S_ISDIR(st.st_mode) && trust_mine(&st)))
		return 0;
	snprintf(foreign_name, sizeof(foreign_name), "%s", name);
	return 1;
}

/* Refuses (BURROW_EINTEGRITY) when a leftover beside the env is not a
 * directory of ours: it is left as it is, neither adopted nor removed. */
static int leftovers_ours(struct envdir *e, struct strbuf *err)
{
	struct strbuf n = STRBUF_INIT;
	struct stat st;
	int r;

	if (each_leftover(e, foreign) != 1)
		return 0;
	strbuf_add_escaped(&n, foreign_name, strlen(foreign_name));
	if (fstatat(e->parent_fd, foreign_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		st.st_uid = (uid_t)-1;
	r = error_set(err, BURROW_EINTEGRITY,
	              "%s: %s beside it is not a directory of yours (owner uid %u): left "
	              "alone, neither adopted nor removed; remove it if it is not a "
	              "crashed install of yours",
	              e->path, n.buf, (unsigned)st.st_uid);
	strbuf_release(&n);
	return r;
}

/* The lock file must be a regular file of ours with one link: another
 * user's file (or a hard link to one) is never written through. */
static int lock_ours(struct envdir *e, const char *name, struct strbuf *err)
{
	struct stat st;

	if (fstat(e->lock_fd, &st) < 0)
		return error_set(err, BURROW_EFAIL, "%s: lock: %s", e->path, strerror(errno));
	if (S_ISREG(st.st_mode) && st.st_nlink == 1 && trust_mine(&st))
		return 0;
	close(e->lock_fd);
	e->lock_fd = -1;
	return error_set(err, BURROW_EINTEGRITY,
	                 "%s: lock file %s is not a regular file of yours with one link "
	                 "(owner uid %u, %lu links, mode %04o): not used; remove it if no "
	                 "burrow of yours is running",
	                 e->path, name, (unsigned)st.st_uid, (unsigned long)st.st_nlink,
	                 (unsigned)(st.st_mode & 07777));
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

int envdir_lock_shared(struct envdir *e)
{
	char name[NAME_MAX + 1];
	struct stat st;

	if (side_name(e, "lock", name, sizeof(name)) < 0)
		return -1;
	/* O_NONBLOCK: a FIFO planted as the lock must not hang the reader */
	e->lock_fd =
	    openat(e->parent_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (e->lock_fd < 0)
		return -1;
	/* only a lock of ours (see envdir_lock): else burrow-core refuses it */
	if (fstat(e->lock_fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    !trust_mine(&st) || flock(e->lock_fd, LOCK_SH | LOCK_NB) < 0) {
		close(e->lock_fd);
		e->lock_fd = -1;
		return -1;
	}
	return 0;
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The process holding a flock on fd, as the kernel says (/proc/locks:
 * "N: FLOCK ADVISORY WRITE PID MAJ:MIN:INODE ..."), with its name from
 * /proc/PID/comm; 0 when it cannot be told.  The pid burrow writes into
 * the lock file is only a hint: a process that is not burrow (flock(1),
 * a backup tool) takes the lock without writing its own. */
static long lock_holder(int fd, char *comm, size_t commsz)
{
	struct stat st;
	char line[256], want[64], path[64];
	long pid = 0;
	FILE *f;

	comm[0] = '\0';
	if (fstat(fd, &st) < 0 || !(f = fopen("/proc/locks", "re")))
		return 0;
	snprintf(want, sizeof(want), " %02x:%02x:%llu ", major(st.st_dev), minor(st.st_dev),
	         (unsigned long long)st.st_ino);
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, want), *q;
		if (!p || !strstr(line, "FLOCK") || strstr(line, "->"))
			continue;
		/* the pid is the field just before the device */
		while (p > line && p[-1] == ' ')
			p--;
		q = p;
		while (q > line && q[-1] >= '0' && q[-1] <= '9')
			q--;
		pid = strtol(q, NULL, 10);
		break;
	}
	fclose(f);
	if (pid > 0) {
		int cfd;
		ssize_t k;
		snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
		cfd = open(path, O_RDONLY | O_CLOEXEC);
		if (cfd >= 0) {
			k = read(cfd, comm, commsz - 1);
			comm[k > 0 ? k : 0] = '\0';
			comm[strcspn(comm, "\n")] = '\0';
			close(cfd);
		}
	}
	return pid;
}

int envdir_lock(struct envdir *e, int64_t wait_ms, struct strbuf *err)
{
	char name[NAME_MAX + 1], pid[32], comm[32];
	int64_t start, left;
	int n;

	if (side_name(e, "lock", name, sizeof(name)) < 0)
		return error_set(err, BURROW_EUSAGE, "%s: name too long", e->path);
	e->lock_fd =
	    openat(e->parent_fd, name,
	           O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0644);
	if (e->lock_fd < 0) {
		int saved = errno;
		struct stat st;
		/* another user's file in a sticky folder: the kernel refuses
		 * even root (protected_regular); say whose it is */
		if (saved != ELOOP && fstatat(e->parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !trust_mine(&st))
			return error_set(err, BURROW_EINTEGRITY,
			                 "%s: lock file %s is not yours (%s, owner uid %u): not "
			                 "used; remove it if no burrow of yours is running",
			                 e->path, name,
			                 S_ISLNK(st.st_mode)   ? "a symlink"
			                 : S_ISREG(st.st_mode) ? "a regular file"
			                                       : "not a regular file",
			                 (unsigned)st.st_uid);
		return error_set(err, saved == ELOOP ? BURROW_EINTEGRITY : BURROW_EFAIL,
		                 "%s: cannot create lock file %s: %s", e->path, name,
		                 saved == ELOOP ? "it is a symlink" : strerror(saved));
	}
	if ((n = lock_ours(e, name, err)))
		return n;
	start = monotonic_ms();
	while (flock(e->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		int r;
		long holder;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return error_set(err, BURROW_EFAIL, "%s: lock: %s", e->path,
			                 strerror(errno));
		if ((r = signals_pending()))
			return error_set(err, r, "interrupted");
		left = wait_ms - (monotonic_ms() - start);
		if (left > 0) {
			usleep((useconds_t)(left < 50 ? left : 50) * 1000);
			continue;
		}
		holder = lock_holder(e->lock_fd, comm, sizeof(comm));
		if (holder > 0) {
			ssize_t k = pread(e->lock_fd, pid, sizeof(pid) - 1, 0);
			pid[k > 0 ? k : 0] = '\0';
			pid[strcspn(pid, "\n")] = '\0';
			/* the file names the holder only when the kernel agrees */
			if (strtol(pid, NULL, 10) == holder)
				r = error_set(err, BURROW_ELOCKED,
				              "%s: locked by another burrow (pid %ld)", e->path,
				              holder);
			else {
				/* a process names itself (prctl): escaped */
				struct strbuf shown = STRBUF_INIT;
				strbuf_add_escaped(&shown, comm, strlen(comm));
				r = error_set(
				    err, BURROW_ELOCKED,
				    "%s: locked by another process (pid %ld, %s), not a burrow "
				    "install",
				    e->path, holder, shown.len ? shown.buf : "name unknown");
				strbuf_release(&shown);
			}
		} else {
			r = error_set(err, BURROW_ELOCKED, "%s: locked by another process",
			              e->path);
		}
		strbuf_addf(err, "; gave up after %lld.%03lld s (--wait)",
		            (long long)(wait_ms / 1000), (long long)(wait_ms % 1000));
		close(e->lock_fd);
		e->lock_fd = -1;
		return r;
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
			return envdir_lock(e, wait_ms, err);
		}
	}
	/* checked again under the lock: a link made while we waited */
	if ((n = lock_ours(e, name, err)) || (n = leftovers_ours(e, err)))
		return n;
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
