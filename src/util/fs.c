/*
 * fs: directory-fd-relative file helpers (see fs.h).
 */
#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

int fs_path_join(char *out, size_t outsz, const char *a, const char *b)
{
	int n;

	if (!*a)
		n = snprintf(out, outsz, "%s", b);
	else
		n = snprintf(out, outsz, "%s/%s", a, b);
	if (n < 0 || (size_t)n >= outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int fs_open_dir(int dirfd, const char *relpath, int create)
{
	char comp[NAME_MAX + 1];
	const char *p = relpath, *q;
	int fd, next;

	/* An absolute path is only taken from AT_FDCWD (command-line paths). */
	if (relpath[0] == '/' && dirfd == AT_FDCWD)
		fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	else
		fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (*p) {
		size_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		q = strchr(p, '/');
		n = q ? (size_t)(q - p) : strlen(p);
		if (n > NAME_MAX) {
			close(fd);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		p += n;
		if (!strcmp(comp, "..")) {
			close(fd);
			errno = EINVAL;
			return -1;
		}
		if (!strcmp(comp, "."))
			continue;
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
				close(fd);
				return -1;
			}
			next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (next < 0) {
			int e = errno;
			close(fd);
			errno = e == ELOOP ? ENOTDIR : e;
			return -1;
		}
		close(fd);
		fd = next;
	}
	return fd;
}

void fs_dircache_init(struct fs_dircache *c, int root, int create)
{
	c->root = root;
	c->create = create;
	c->dir[0] = '\0';
	c->depth = 0;
}

void fs_dircache_release(struct fs_dircache *c)
{
	while (c->depth > 0)
		close(c->fds[--c->depth]);
	c->dir[0] = '\0';
}

int fs_dircache_dir(struct fs_dircache *c, const char *path, size_t n)
{
	size_t at;
	int fd;

	if (n >= sizeof(c->dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* keep the deepest open directory that is path or above it */
	while (c->depth > 0) {
		size_t e = c->ends[c->depth - 1];
		if (e <= n && !memcmp(c->dir, path, e) && (e == n || path[e] == '/'))
			break;
		close(c->fds[--c->depth]);
	}
	at = c->depth ? c->ends[c->depth - 1] : 0;
	fd = c->depth ? c->fds[c->depth - 1] : c->root;
	memcpy(c->dir, path, n);
	c->dir[n] = '\0';
	while (at < n) {
		char comp[NAME_MAX + 1];
		size_t start = at ? at + 1 : 0, end = start;
		int next;

		while (end < n && path[end] != '/')
			end++;
		if (end - start > NAME_MAX) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(comp, path + start, end - start);
		comp[end - start] = '\0';
		if (!comp[0] || !strcmp(comp, ".") || !strcmp(comp, "..") ||
		    c->depth == FS_DIRCACHE_DEPTH) {
			errno = EINVAL;
			return -1;
		}
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && c->create) {
			if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST)
				return -1;
			next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (next < 0)
			return -1;
		c->fds[c->depth] = next;
		c->ends[c->depth++] = end;
		fd = next;
		at = end;
	}
	return fd;
}

int fs_dircache_parent(struct fs_dircache *c, const char *path, const char **leaf)
{
	const char *slash = strrchr(path, '/');

	*leaf = slash ? slash + 1 : path;
	return fs_dircache_dir(c, path, slash ? (size_t)(slash - path) : 0);
}

/* Splits relpath into a parent directory fd and a leaf name. */
static int open_parent(int dirfd, const char *relpath, int create, const char **leaf)
{
	const char *slash = strrchr(relpath, '/');
	char parent[PATH_MAX];
	size_t n;

	if (!slash) {
		*leaf = relpath;
		return openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (slash == relpath) {
		*leaf = relpath + 1;
		return dirfd == AT_FDCWD ? open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
		                         : openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	n = (size_t)(slash - relpath);
	if (n >= sizeof(parent)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(parent, relpath, n);
	parent[n] = '\0';
	*leaf = slash + 1;
	return fs_open_dir(dirfd, parent, create);
}

int fs_create_file(int dirfd, const char *relpath, mode_t mode, int mkparents)
{
	const char *leaf;
	int pfd, fd, e;

	pfd = open_parent(dirfd, relpath, mkparents, &leaf);
	if (pfd < 0)
		return -1;
	if (!*leaf || !strcmp(leaf, ".") || !strcmp(leaf, "..")) {
		close(pfd);
		errno = EINVAL;
		return -1;
	}
	fd = openat(pfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	e = errno;
	close(pfd);
	errno = e;
	return fd;
}

int fs_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void fs_temp_name(char *out, size_t outsz, const char *prefix)
{
	unsigned char r[8];
	size_t i;
	int n;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		unsigned long v = (unsigned long)getpid() ^ (unsigned long)(uintptr_t)out;
		for (i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)(v >> (i * 3));
	}
	n = snprintf(out, outsz, "%s", prefix);
	for (i = 0; i < sizeof(r) && n >= 0 && (size_t)n + 2 < outsz; i++)
		n += snprintf(out + n, outsz - (size_t)n, "%02x", r[i]);
}

int fs_write_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode)
{
	char tmp[NAME_MAX + 1];
	const char *leaf;
	int pfd, fd, e;

	pfd = open_parent(dirfd, name, 0, &leaf);
	if (pfd < 0)
		return -1;
	fs_temp_name(tmp, sizeof(tmp), ".tmp-");
	fd = openat(pfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		goto fail;
	if (fchmod(fd, mode) < 0 || fs_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		e = errno;
		close(fd);
		errno = e;
		goto fail_unlink;
	}
	if (close(fd) < 0)
		goto fail_unlink;
	if (renameat(pfd, tmp, pfd, leaf) < 0)
		goto fail_unlink;
	close(pfd);
	return 0;
fail_unlink:
	e = errno;
	unlinkat(pfd, tmp, 0);
	errno = e;
fail:
	e = errno;
	close(pfd);
	errno = e;
	return -1;
}

/* Reads fd to EOF into out, at most max bytes (EFBIG past it), and closes
 * fd; -1 with errno kept on failure. */
static int read_all_close(int fd, size_t max, struct strbuf *out)
{
	char buf[65536];
	size_t total = 0;
	int e;

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		total += (size_t)n;
		if (total > max) {
			errno = EFBIG;
			goto fail;
		}
		if (strbuf_add(out, buf, (size_t)n) < 0)
			goto fail;
	}
	close(fd);
	return 0;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

int fs_open_at(int dirfd, const char *relpath, int flags)
{
	const char *slash = strrchr(relpath, '/');
	char parent[PATH_MAX];
	size_t n;
	int pfd, fd, e;

	flags |= O_NOFOLLOW | O_CLOEXEC;
	if (!slash)
		return openat(dirfd, relpath, flags);
	n = (size_t)(slash - relpath);
	if (n >= sizeof(parent)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* "/leaf": the root (with AT_FDCWD) or dirfd itself, as open_parent */
	memcpy(parent, n ? relpath : "/", n ? n : 1);
	parent[n ? n : 1] = '\0';
	pfd = fs_open_dir(dirfd, parent, 0);
	if (pfd < 0)
		return -1;
	fd = openat(pfd, slash + 1, flags);
	e = errno;
	close(pfd);
	errno = e;
	return fd;
}

int fs_open_regular(int dirfd, const char *relpath, struct stat *st)
{
	struct stat local;
	int fd;

	if (!st)
		st = &local;
	fd = fs_open_at(dirfd, relpath, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

int fs_read_file(int dirfd, const char *relpath, size_t max, struct strbuf *out)
{
	struct stat st;
	int fd;

	fd = fs_open_regular(dirfd, relpath, &st);
	if (fd < 0)
		return -1;
	if ((uint64_t)st.st_size > max) {
		close(fd);
		errno = EFBIG;
		return -1;
	}
	return read_all_close(fd, max, out);
}

int fs_read_user_file(const char *path, size_t max, struct strbuf *out, struct stat *st)
{
	struct stat local;
	int fd, e;

	if (!st)
		st = &local;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		e = fstat(fd, st) == 0 && S_ISDIR(st->st_mode) ? EISDIR : EINVAL;
		close(fd);
		errno = e;
		return -1;
	}
	if (out->len > max) {
		close(fd);
		errno = EFBIG;
		return -1;
	}
	/* max bounds what out holds in all, as before: callers accumulate */
	return read_all_close(fd, max - out->len, out);
}

int fs_chmod_owned(int dirfd, const char *name, mode_t mode, int *fdout)
{
	char proc[64];
	struct stat st;
	int fd, e;

	if (fdout)
		*fdout = -1;
	fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto fail;
	if (S_ISLNK(st.st_mode) || st.st_uid != geteuid()) {
		errno = EPERM;
		goto fail;
	}
	if ((st.st_mode & 07777) != mode) {
		/* fchmod refuses an O_PATH fd; its /proc link names the very
		 * inode opened above, whatever happens to name meanwhile */
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		if (chmod(proc, mode) < 0)
			goto fail;
	}
	if (fdout)
		*fdout = fd;
	else
		close(fd);
	return 0;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* Opens the directory name beneath fd for reading, first making it 0700
 * when it is ours and we lack rwx on it (trees are sealed 0555): never
 * through a symlink, and never the mode of anything another user owns. */
static int open_dir_for_removal(int fd, const char *name, mode_t mode)
{
	int pfd, sub, e;

	if ((mode & 0700) == 0700 || fs_chmod_owned(fd, name, 0700, &pfd) < 0)
		return openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	sub = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	e = errno;
	close(pfd);
	errno = e;
	return sub;
}

int fs_read_stream(int fd, size_t max, struct strbuf *out)
{
	int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	if (copy < 0)
		return -1;
	return read_all_close(copy, max, out);
}

static int remove_contents(int fd, int depth)
{
	DIR *d;
	struct dirent *de;
	int dupfd, rc = 0;

	if (depth > 4096) {
		errno = ELOOP;
		return -1;
	}
	dupfd = dup(fd);
	if (dupfd < 0)
		return -1;
	d = fdopendir(dupfd);
	if (!d) {
		close(dupfd);
		return -1;
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			rc = -1;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			int sub = open_dir_for_removal(fd, de->d_name, st.st_mode);

			if (sub < 0) {
				rc = -1;
				continue;
			}
			if (remove_contents(sub, depth + 1) < 0)
				rc = -1;
			close(sub);
			if (unlinkat(fd, de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
				rc = -1;
		} else if (unlinkat(fd, de->d_name, 0) < 0 && errno != ENOENT) {
			rc = -1;
		}
	}
	closedir(d);
	return rc;
}

int fs_remove_tree(int dirfd, const char *name)
{
	struct stat st;
	int fd, rc;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -1 : 0;
	fd = open_dir_for_removal(dirfd, name, st.st_mode);
	if (fd < 0)
		return -1;
	rc = remove_contents(fd, 0);
	close(fd);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		rc = -1;
	return rc;
}

/* Opens src for reading and creates dst (O_EXCL) for a copy or a clone. */
static int open_pair(int sdirfd, const char *src, int ddirfd, const char *dst, mode_t mode, int *in,
                     int *out)
{
	int e;

	*in = openat(sdirfd, src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (*in < 0)
		return -1;
	*out = openat(ddirfd, dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (*out < 0) {
		e = errno;
		close(*in);
		errno = e;
		return -1;
	}
	return 0;
}

int fs_clone_file(int sdirfd, const char *src, int ddirfd, const char *dst, mode_t mode)
{
	int in, out, rc, e;

	if (open_pair(sdirfd, src, ddirfd, dst, mode, &in, &out) < 0)
		return -1;
	rc = ioctl(out, FICLONE, in);
	e = errno;
	if (rc == 0) {
		rc = fchmod(out, mode);
		e = errno;
	}
	close(in);
	close(out);
	if (rc < 0) {
		unlinkat(ddirfd, dst, 0);
		errno = e;
	}
	return rc;
}

int fs_copy_file(int sdirfd, const char *src, int ddirfd, const char *dst, mode_t mode)
{
	char buf[65536];
	int in, out, e;

	if (open_pair(sdirfd, src, ddirfd, dst, mode, &in, &out) < 0)
		return -1;
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		if (fs_write_all(out, buf, (size_t)n) < 0)
			goto fail;
	}
	if (fchmod(out, mode) < 0)
		goto fail;
	close(in);
	if (close(out) < 0) {
		e = errno;
		unlinkat(ddirfd, dst, 0);
		errno = e;
		return -1;
	}
	return 0;
fail:
	e = errno;
	close(in);
	close(out);
	unlinkat(ddirfd, dst, 0);
	errno = e;
	return -1;
}
