/*
 * Unit tests: the directory walker that wheel extraction and the linker
 * share (fs_dircache in src/util/fs.c): the directories it opens are the
 * ones asked for, it never follows a symlink, refuses "", "." and "..",
 * and creates only when told to.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/fs.h"

static char root_path[] = "/tmp/burrow-test-fs-XXXXXX";
static int root = -1;

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(root_path))
		return -1;
	root = open(root_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return root < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	close(root);
	return fs_remove_tree(AT_FDCWD, root_path);
}

/* The inode of relpath beneath the root, or of fd. */
static ino_t ino_at(const char *relpath)
{
	struct stat st;

	assert_int_equal(fstatat(root, relpath, &st, AT_SYMLINK_NOFOLLOW), 0);
	return st.st_ino;
}

static ino_t ino_fd(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return st.st_ino;
}

static void test_walks_and_creates(void **state)
{
	struct fs_dircache c;
	const char *leaf;
	int fd;

	(void)state;
	fs_dircache_init(&c, root, 1);
	fd = fs_dircache_parent(&c, "a/b/c/file.py", &leaf);
	assert_true(fd >= 0);
	assert_string_equal(leaf, "file.py");
	assert_int_equal(ino_fd(fd), ino_at("a/b/c"));
	/* a sibling, a parent, a cousin, the root: each the right directory */
	fd = fs_dircache_parent(&c, "a/b/d/x", &leaf);
	assert_int_equal(ino_fd(fd), ino_at("a/b/d"));
	fd = fs_dircache_dir(&c, "a/b", 3);
	assert_int_equal(ino_fd(fd), ino_at("a/b"));
	fd = fs_dircache_dir(&c, "a/bb/e", 6);
	assert_int_equal(ino_fd(fd), ino_at("a/bb/e"));
	fd = fs_dircache_parent(&c, "top", &leaf);
	assert_int_equal(fd, root);
	assert_string_equal(leaf, "top");
	/* a prefix that is not a path component: "a/b" is not inside "a/bb" */
	fd = fs_dircache_dir(&c, "a/bb", 4);
	assert_int_equal(ino_fd(fd), ino_at("a/bb"));
	fd = fs_dircache_dir(&c, "a/b", 3);
	assert_int_equal(ino_fd(fd), ino_at("a/b"));
	fs_dircache_release(&c);
	assert_int_equal(c.depth, 0);
}

static void test_never_follows_or_climbs(void **state)
{
	struct fs_dircache c;
	const char *leaf;

	(void)state;
	assert_int_equal(mkdirat(root, "s", 0755), 0);
	assert_int_equal(symlinkat("/etc", root, "s/link"), 0);
	fs_dircache_init(&c, root, 1);
	errno = 0;
	assert_int_equal(fs_dircache_parent(&c, "s/link/passwd", &leaf), -1);
	assert_true(errno == ELOOP || errno == ENOTDIR);
	assert_int_equal(fs_dircache_parent(&c, "s/../x", &leaf), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(fs_dircache_parent(&c, "s/./x", &leaf), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(fs_dircache_parent(&c, "s//x", &leaf), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(fs_dircache_parent(&c, "/etc/passwd", &leaf), -1);
	assert_int_equal(errno, EINVAL);
	/* after a refusal the walker still works from a clean state */
	assert_true(fs_dircache_parent(&c, "s/ok/y", &leaf) >= 0);
	assert_int_equal(ino_fd(fs_dircache_dir(&c, "s/ok", 4)), ino_at("s/ok"));
	fs_dircache_release(&c);
}

static void test_no_create(void **state)
{
	struct fs_dircache c;
	const char *leaf;

	(void)state;
	fs_dircache_init(&c, root, 0);
	errno = 0;
	assert_int_equal(fs_dircache_parent(&c, "missing/dir/x", &leaf), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(faccessat(root, "missing", F_OK, AT_SYMLINK_NOFOLLOW), -1);
	fs_dircache_release(&c);
}

static void test_depth_limit(void **state)
{
	struct fs_dircache c;
	char path[4 * FS_DIRCACHE_DEPTH + 8];
	size_t n = 0;
	int k;

	(void)state;
	for (k = 0; k <= FS_DIRCACHE_DEPTH; k++) {
		memcpy(path + n, k ? "/d" : "d", k ? 2 : 1);
		n += k ? 2 : 1;
	}
	path[n] = '\0';
	fs_dircache_init(&c, root, 1);
	errno = 0;
	assert_int_equal(fs_dircache_dir(&c, path, n), -1);
	assert_int_equal(errno, EINVAL);
	fs_dircache_release(&c);
	assert_int_equal(c.depth, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_walks_and_creates),
	    cmocka_unit_test(test_never_follows_or_climbs),
	    cmocka_unit_test(test_no_create),
	    cmocka_unit_test(test_depth_limit),
	};
	return cmocka_run_group_tests_name("fs", tests, setup, teardown);
}
