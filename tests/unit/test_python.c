/*
 * test_python: python_find on PATH strings made of temp dirs of symlinks,
 * the query of /usr/bin/python3 (fresh, then from cache.db), the facts
 * parser on hostile answers, and the venv layout python_venv_write makes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "python.h"
#include "util/error.h"
#include "util/fs.h"

#define SYS_PYTHON "/usr/bin/python3"

static char tmpdir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_python.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return fs_remove_tree(AT_FDCWD, tmpdir);
}

static void path_of(char *out, size_t n, const char *rel)
{
	snprintf(out, n, "%s/%s", tmpdir, rel);
}

static void test_find(void **state)
{
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	char a[512], b[512], pathstr[1200], link[600];
	int fd;

	(void)state;
	/* an absolute path is taken as is, normalised */
	assert_int_equal(python_find(NULL, "/usr/bin/../bin/./python3", "", &out, &err), 0);
	assert_string_equal(out.buf, SYS_PYTHON);
	assert_int_equal(python_find(NULL, "/nonexistent/python3", "", &out, &err), BURROW_EFAIL);
	assert_non_null(strstr(err.buf, "/nonexistent/python3: not found"));

	/* PATH: a dir with a wrapper script first, then one with real links */
	path_of(a, sizeof(a), "shims");
	path_of(b, sizeof(b), "pybin");
	assert_int_equal(mkdir(a, 0755), 0);
	assert_int_equal(mkdir(b, 0755), 0);
	snprintf(link, sizeof(link), "%s/python3.11", a);
	fd = open(link, O_WRONLY | O_CREAT | O_EXCL, 0755);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\nexec true\n", 20), 20);
	close(fd);
	snprintf(link, sizeof(link), "%s/python3.11", b);
	assert_int_equal(symlink("/usr/bin/python3.11", link), 0);
	snprintf(link, sizeof(link), "%s/python3", b);
	assert_int_equal(symlink(SYS_PYTHON, link), 0);
	snprintf(pathstr, sizeof(pathstr), "relative/dir::%s:%s", a, b);

	assert_int_equal(python_find(NULL, "3.11", pathstr, &out, &err), 0);
	snprintf(link, sizeof(link), "%s/python3.11", b);
	assert_string_equal(out.buf, link);
	assert_int_equal(python_find(NULL, NULL, pathstr, &out, &err), 0);
	snprintf(link, sizeof(link), "%s/python3", b);
	assert_string_equal(out.buf, link);
	assert_int_equal(python_find(NULL, "3", pathstr, &out, &err), 0);
	assert_string_equal(out.buf, link);
	assert_int_equal(python_find(NULL, "python3", pathstr, &out, &err), 0);
	assert_string_equal(out.buf, link);

	/* a version nobody has: the message lists what was seen */
	assert_int_equal(python_find(NULL, "3.99", pathstr, &out, &err), BURROW_EFAIL);
	assert_non_null(strstr(err.buf, "no python3.99 or python3 of version 3.99 on PATH"));
	assert_non_null(strstr(err.buf, "/python3: version 3.11."));
	/* 3.11 wanted, but only a python3 of another minor: not found */
	assert_int_equal(python_find(NULL, "3.10", pathstr, &out, &err), BURROW_EFAIL);
	/* the wrapper script alone is refused with a reason */
	snprintf(pathstr, sizeof(pathstr), "%s", a);
	assert_int_equal(python_find(NULL, "3.11", pathstr, &out, &err), BURROW_EFAIL);
	assert_non_null(strstr(err.buf, "not an ELF executable"));
	assert_int_equal(python_find(NULL, "python9", "/usr/bin:/bin", &out, &err), BURROW_EFAIL);
	assert_string_equal(err.buf, "no python9 on PATH");
	/* malformed specs */
	assert_int_equal(python_find(NULL, "3.x", "/usr/bin", &out, &err), BURROW_EUSAGE);
	assert_int_equal(python_find(NULL, "2.7", "/usr/bin", &out, &err), BURROW_EUSAGE);
	strbuf_release(&out);
	strbuf_release(&err);
}

static int count_rows(struct cache *c, const char *real)
{
	sqlite3_stmt *st;
	int n = -1;

	assert_int_equal(sqlite3_prepare_v2(c->db,
	                                    "SELECT count(*) FROM interpreters WHERE path = ?1", -1,
	                                    &st, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(st, 1, real, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void test_query_cached(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct python_info a, b;
	struct cache c;
	char dir[512];

	(void)state;
	path_of(dir, sizeof(dir), "cache");
	assert_int_equal(cache_open(&c, dir, &err), 0);
	assert_int_equal(python_query(&c, SYS_PYTHON, &a, &err), 0);
	assert_int_equal(a.from_cache, 0);
	assert_string_equal(a.executable, SYS_PYTHON);
	assert_string_equal(a.home, "/usr/bin");
	assert_int_equal(a.major, 3);
	assert_string_equal(a.implementation, "cpython");
	assert_string_equal(a.target.impl, "cp");
	assert_string_equal(a.markers.os_name, "posix");
	assert_string_equal(a.markers.sys_platform, "linux");
	assert_string_equal(a.markers.extra, "");
	assert_string_equal(a.scripts_rel, "bin");
	assert_string_equal(a.base_prefix, "/usr");
	assert_int_equal(count_rows(&c, a.realpath), 1);

	/* second time: from cache.db, same facts */
	assert_int_equal(python_query(&c, SYS_PYTHON, &b, &err), 0);
	assert_int_equal(b.from_cache, 1);
	assert_string_equal(a.facts, b.facts);
	assert_string_equal(a.version, b.version);
	assert_string_equal(a.site_rel, b.site_rel);
	assert_string_equal(a.realpath, b.realpath);
	python_info_release(&b);

	/* the same file by its other name: one row, its own executable */
	assert_int_equal(python_query(&c, a.realpath, &b, &err), 0);
	assert_int_equal(b.from_cache, 1);
	assert_string_equal(b.executable, a.realpath);
	assert_int_equal(count_rows(&c, a.realpath), 1);
	python_info_release(&b);

	/* a stale row (another mtime) is refreshed */
	assert_int_equal(sqlite3_exec(c.db, "UPDATE interpreters SET mtime = 1", NULL, NULL, NULL),
	                 SQLITE_OK);
	assert_int_equal(python_query(&c, SYS_PYTHON, &b, &err), 0);
	assert_int_equal(b.from_cache, 0);
	python_info_release(&b);
	/* a corrupt row too */
	assert_int_equal(sqlite3_exec(c.db,
	                              "UPDATE interpreters SET facts = '{\"burrow_query\": 1}'",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	assert_int_equal(python_query(&c, SYS_PYTHON, &b, &err), 0);
	assert_int_equal(b.from_cache, 0);
	python_info_release(&b);
	assert_int_equal(python_query(&c, SYS_PYTHON, &b, &err), 0);
	assert_int_equal(b.from_cache, 1);
	python_info_release(&b);

	python_info_release(&a);
	python_info_release(&a);
	cache_close(&c);
	strbuf_release(&err);
}

static void test_query_errors(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct python_info info;
	char p[512];
	int fd;

	(void)state;
	assert_int_equal(python_query(NULL, "python3", &info, &err), BURROW_EFAIL);
	assert_non_null(strstr(err.buf, "not absolute"));
	assert_int_equal(python_query(NULL, "/nonexistent/python3", &info, &err), BURROW_EFAIL);
	assert_non_null(strstr(err.buf, "/nonexistent/python3"));
	/* something that runs but is no Python: exit status and stderr */
	assert_int_equal(python_query(NULL, "/bin/false", &info, &err), BURROW_EFAIL);
	assert_non_null(strstr(err.buf, "exit status 1"));
	/* prints junk: the answer does not parse */
	path_of(p, sizeof(p), "fakepy");
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0755);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\necho '{\"a\": 1'\necho oops >&2\n", 39), 39);
	close(fd);
	assert_int_equal(python_query(NULL, p, &info, &err), BURROW_EFAIL);
	assert_non_null(strstr(err.buf, "interpreter facts"));
	/* answers without end are cut at the cap and the writer is killed */
	path_of(p, sizeof(p), "bigpy");
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0755);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\nexec yes\n", 19), 19);
	close(fd);
	assert_int_equal(python_query(NULL, p, &info, &err), BURROW_EFAIL);
	assert_non_null(strstr(err.buf, "answer larger than"));
	python_info_release(&info);
	strbuf_release(&err);
}

static void test_facts_parse(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct python_info a, b;
	char *s, *t;
	const char *bad[] = {
	    "",
	    "[]",
	    "{}",
	    "{\"burrow_query\": 2}",
	    "{\"burrow_query\": 1} x",
	    "{\"burrow_query\": 1, \"version_info\": [3, 11]}",
	};
	size_t i;

	(void)state;
	assert_int_equal(python_query(NULL, SYS_PYTHON, &a, &err), 0);
	assert_int_equal(python_facts_parse(a.facts, strlen(a.facts), &b, &err), 0);
	assert_string_equal(b.version, a.version);
	assert_null(b.executable);
	python_info_release(&b);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(python_facts_parse(bad[i], strlen(bad[i]), &b, &err),
		                 BURROW_EFAIL);
		assert_non_null(strstr(err.buf, "interpreter facts"));
	}
	/* a relative path escaping the env */
	s = strdup(a.facts);
	t = strstr(s, "\"purelib\": \"lib/");
	assert_non_null(t);
	memcpy(t + 12, "../", 3);
	assert_int_equal(python_facts_parse(s, strlen(s), &b, &err), BURROW_EFAIL);
	assert_non_null(strstr(err.buf, "purelib"));
	free(s);
	/* a control character in a marker value */
	s = strdup(a.facts);
	t = strstr(s, "\"os_name\": \"posix\"");
	assert_non_null(t);
	memcpy(t + 12, "\\n", 2);
	assert_int_equal(python_facts_parse(s, strlen(s), &b, &err), BURROW_EFAIL);
	assert_non_null(strstr(err.buf, "control character"));
	free(s);
	python_info_release(&a);
	strbuf_release(&err);
}

static void assert_link(int dirfd, const char *name, const char *target)
{
	char buf[512];
	ssize_t n = readlinkat(dirfd, name, buf, sizeof(buf) - 1);

	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, target);
}

static void assert_dir(int dirfd, const char *name)
{
	struct stat st;

	assert_int_equal(fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0755);
}

static void test_venv_write(void **state)
{
	struct strbuf err = STRBUF_INIT, cfg = STRBUF_INIT, want = STRBUF_INIT;
	struct python_info info;
	char env[512], name[32];
	int fd;
	mode_t old = umask(077);

	(void)state;
	assert_int_equal(python_query(NULL, SYS_PYTHON, &info, &err), 0);
	path_of(env, sizeof(env), "env");
	assert_int_equal(mkdir(env, 0755), 0);
	fd = open(env, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_equal(python_venv_write(fd, &info, "burrow create /srv/app", &err), 0);
	umask(old);

	assert_link(fd, "bin/python3", SYS_PYTHON);
	assert_link(fd, "bin/python", "python3");
	snprintf(name, sizeof(name), "bin/python3.%d", info.minor);
	assert_link(fd, name, "python3");
	assert_link(fd, "lib64", "lib");
	assert_dir(fd, "bin");
	assert_dir(fd, "lib");
	assert_dir(fd, info.site_rel);
	assert_dir(fd, info.venv_include_rel);
	assert_int_equal(fs_read_file(fd, "pyvenv.cfg", 4096, &cfg), 0);
	strbuf_addf(&want,
	            "home = /usr/bin\ninclude-system-site-packages = false\nversion = %d.%d.%d\n"
	            "executable = %s\ncommand = burrow create /srv/app\n",
	            info.major, info.minor, info.micro, info.realpath);
	assert_string_equal(cfg.buf, want.buf);
	/* no dist-packages anywhere */
	assert_int_equal(faccessat(fd, "lib/python3/dist-packages", F_OK, AT_SYMLINK_NOFOLLOW), -1);

	/* again on the same dir: the same links are fine */
	assert_int_equal(python_venv_write(fd, &info, NULL, &err), 0);
	/* a different link in the way is an error naming it */
	assert_int_equal(unlinkat(fd, "bin/python", 0), 0);
	assert_int_equal(symlinkat("/bin/sh", fd, "bin/python"), 0);
	assert_int_equal(python_venv_write(fd, &info, NULL, &err), BURROW_EFAIL);
	assert_non_null(strstr(err.buf, "bin/python exists"));
	/* a line break in command would forge pyvenv.cfg keys */
	assert_int_equal(
	    python_venv_write(fd, &info, "x\ninclude-system-site-packages = true", &err),
	    BURROW_EFAIL);
	close(fd);
	python_info_release(&info);
	strbuf_release(&err);
	strbuf_release(&cfg);
	strbuf_release(&want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_find),         cmocka_unit_test(test_query_cached),
	    cmocka_unit_test(test_query_errors), cmocka_unit_test(test_facts_parse),
	    cmocka_unit_test(test_venv_write),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
