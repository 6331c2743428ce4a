/*
 * fs: file helpers that work relative to a directory fd and never follow a
 * symlink in the part of the path they are given (O_NOFOLLOW on every
 * component).  All writes under an env or the cache go through here.
 *
 * Functions return 0 on success and -1 with errno set on failure, unless they
 * take a struct strbuf *err, in which case they return a BURROW_E* code and
 * fill the message.
 */
#ifndef BURROW_FS_H
#define BURROW_FS_H

#include "util/strbuf.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Opens the directory at relpath beneath dirfd, walking one component at a
 * time with O_NOFOLLOW|O_DIRECTORY; with create, missing components are
 * made with mode 0755.  An absolute relpath is allowed only with AT_FDCWD
 * (paths from the command line).  Returns the fd or -1 (errno). */
int fs_open_dir(int dirfd, const char *relpath, int create);

/* A walker for many paths beneath one root that come grouped by directory
 * (an archive's members, an env's files): it keeps the fds of the current
 * directory and of its ancestors, so moving to a sibling or a child opens
 * only what differs, each component with O_NOFOLLOW|O_DIRECTORY (made
 * 0755 when missing, with create).  Components must be plain names: "",
 * "." and ".." are EINVAL. */
#define FS_DIRCACHE_DEPTH 64
struct fs_dircache {
	int root; /* not owned */
	int create;
	char dir[4096];             /* the current directory, relative */
	int fds[FS_DIRCACHE_DEPTH]; /* fds[k]: dir up to ends[k] */
	size_t ends[FS_DIRCACHE_DEPTH];
	int depth;
};
void fs_dircache_init(struct fs_dircache *c, int root, int create);
/* The fd of the directory made of the first n bytes of path ("" is the
 * root), owned by the cache.  -1 with errno. */
int fs_dircache_dir(struct fs_dircache *c, const char *path, size_t n);
/* The fd of path's parent directory (owned by the cache) and *leaf. */
int fs_dircache_parent(struct fs_dircache *c, const char *path, const char **leaf);
/* Closes every fd the cache holds. */
void fs_dircache_release(struct fs_dircache *c);

/* Opens relpath beneath dirfd with flags (O_NOFOLLOW and O_CLOEXEC added),
 * its parent walked with fs_open_dir (no create).  Returns the fd or -1. */
int fs_open_at(int dirfd, const char *relpath, int flags);
/* Opens the regular file relpath beneath dirfd for reading (O_NONBLOCK,
 * so a FIFO in its place cannot block); st (may be NULL) gets its stat.
 * -1 with errno, EINVAL when it is not a regular file. */
int fs_open_regular(int dirfd, const char *relpath, struct stat *st);

/* Creates relpath beneath dirfd as a new file (O_EXCL|O_NOFOLLOW), with its
 * parent directories when mkparents is set.  Returns the fd or -1 (errno). */
int fs_create_file(int dirfd, const char *relpath, mode_t mode, int mkparents);

/* Atomic write: a temp file beside name (O_EXCL), data written and fsynced,
 * then renameat over name; the temp is unlinked on any failure. */
int fs_write_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode);

/* Reads a whole regular file beneath dirfd into out (appended), refusing
 * files larger than max bytes (errno EFBIG) and non-regular files. */
int fs_read_file(int dirfd, const char *relpath, size_t max, struct strbuf *out);

/* Reads a whole regular file named by the user (a manifest on the command
 * line): unlike fs_read_file it follows symlinks and "..", as pip does.
 * st (may be NULL) gets the file's identity from the same descriptor.
 * -1 with errno (EFBIG past max, EISDIR/EINVAL for non-regular files). */
int fs_read_user_file(const char *path, size_t max, struct strbuf *out, struct stat *st);

/* Sets the mode of name beneath dirfd, which must be owned by the
 * effective user (EPERM otherwise, and for a symlink): through an
 * O_PATH|O_NOFOLLOW fd, so a name swapped for a symlink meanwhile never
 * redirects the chmod.  With fdout, *fdout gets that O_PATH fd (usable as
 * a dirfd); else it is closed.  -1 with errno. */
int fs_chmod_owned(int dirfd, const char *name, mode_t mode, int *fdout);
/* Reads fd (a pipe or a file: standard input) to its end into out
 * (appended), at most max bytes (errno EFBIG past it); fd stays open.
 * 0, or -1 with errno. */
int fs_read_stream(int fd, size_t max, struct strbuf *out);

/* Removes name beneath dirfd and everything under it, never following
 * symlinks; a missing name is success.  Makes read-only directories of
 * the effective user writable as it goes (fs_chmod_owned): never the mode
 * of a symlink's target or of another user's directory. */
int fs_remove_tree(int dirfd, const char *name);

/* Writes len bytes fully (retrying on EINTR and short writes). */
int fs_write_all(int fd, const void *data, size_t len);

/* Copies the regular file src (beneath sdirfd) to a new file dst beneath
 * ddirfd, with mode.  The destination must not exist. */
int fs_copy_file(int sdirfd, const char *src, int ddirfd, const char *dst, mode_t mode);
/* The same as a copy-on-write clone (FICLONE): -1 with errno (EXDEV,
 * EOPNOTSUPP, ...) where the filesystem cannot; dst is then removed. */
int fs_clone_file(int sdirfd, const char *src, int ddirfd, const char *dst, mode_t mode);

/* Fills out with a random name "<prefix><16 hex>" for temp files. */
void fs_temp_name(char *out, size_t outsz, const char *prefix);

/* Joins a and b with one '/' into out (a may be empty); -1 when too long. */
int fs_path_join(char *out, size_t outsz, const char *a, const char *b);

#endif
