/*
 * Unit tests: the environment builder and program lookup of `run`
 * (src/launch.c).
 */
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

#include "launch.h"
#include "util/error.h"

static void facts(const char *text, struct launch_facts *f)
{
	struct strbuf err = STRBUF_INIT;

	if (launch_facts_parse(text, strlen(text), f, &err) != 0)
		fail_msg("facts: %s", err.buf);
	strbuf_release(&err);
}

static void test_allowlist(void **state)
{
	char *caller[] = {(char *)"HOME=/root",
	                  (char *)"USER=root",
	                  (char *)"PATH=/evil",
	                  (char *)"PYTHONPATH=/x",
	                  (char *)"PYTHONHOME=/y",
	                  (char *)"LD_PRELOAD=/z.so",
	                  (char *)"LD_LIBRARY_PATH=/w",
	                  (char *)"LC_ALL=C",
	                  (char *)"LC_=odd",
	                  (char *)"FOO=bar",
	                  (char *)"DB=pg",
	                  (char *)"KEEP=1",
	                  (char *)"TERM=xterm",
	                  (char *)"NOEQUALS",
	                  NULL};
	char *keep[] = {(char *)"KEEP", (char *)"PATH"};
	char *set[] = {(char *)"X=1", (char *)"A=override"};
	struct launch_facts f;
	struct strvec out = {0};
	struct strbuf err = STRBUF_INIT;
	(void)state;

	facts("burrow-run 1\npython 1\nlibrary_path 0\nsafe_path 1\npath /usr/bin\npath /bin\n"
	      "pass DB\npass LD_PRELOAD\nenv A=1\\nline\nenv B=b\n",
	      &f);
	assert_int_equal(launch_build_env(&f, "/env", caller, keep, 2, set, 2, &out, &err), 0);
	assert_string_equal(launch_getenv(out.v, "PATH"), "/env/bin:/usr/bin:/bin");
	assert_string_equal(launch_getenv(out.v, "HOME"), "/root");
	assert_string_equal(launch_getenv(out.v, "LC_ALL"), "C");
	assert_string_equal(launch_getenv(out.v, "TERM"), "xterm");
	assert_string_equal(launch_getenv(out.v, "DB"), "pg");
	assert_string_equal(launch_getenv(out.v, "KEEP"), "1");
	assert_string_equal(launch_getenv(out.v, "VIRTUAL_ENV"), "/env");
	assert_string_equal(launch_getenv(out.v, "PYTHONNOUSERSITE"), "1");
	assert_string_equal(launch_getenv(out.v, "PYTHONSAFEPATH"), "1");
	assert_string_equal(launch_getenv(out.v, "A"), "override");
	assert_string_equal(launch_getenv(out.v, "B"), "b");
	assert_string_equal(launch_getenv(out.v, "X"), "1");
	assert_null(launch_getenv(out.v, "PYTHONPATH"));
	assert_null(launch_getenv(out.v, "PYTHONHOME"));
	assert_null(launch_getenv(out.v, "LD_PRELOAD"));
	assert_null(launch_getenv(out.v, "LD_LIBRARY_PATH"));
	assert_null(launch_getenv(out.v, "FOO"));
	/* exactly one PATH */
	{
		size_t i, n = 0;
		for (i = 0; i < out.len; i++)
			n += !strncmp(out.v[i], "PATH=", 5);
		assert_int_equal(n, 1);
	}
	strvec_release(&out);
	launch_facts_release(&f);

	facts("burrow-run 1\npython 0\nlibrary_path 1\nsafe_path 0\npath-default\nenv A=1\n", &f);
	assert_int_equal(launch_build_env(&f, "/e", caller, NULL, 0, NULL, 0, &out, &err), 0);
	assert_string_equal(launch_getenv(out.v, "PATH"), "/e/bin:" LAUNCH_DEFAULT_PATH);
	assert_string_equal(launch_getenv(out.v, "LD_LIBRARY_PATH"), "/e/lib");
	assert_null(launch_getenv(out.v, "VIRTUAL_ENV"));
	assert_null(launch_getenv(out.v, "PYTHONNOUSERSITE"));
	assert_string_equal(launch_getenv(out.v, "A"), "1");
	strvec_release(&out);

	{
		char *badkeep[] = {(char *)"LD_AUDIT"};
		char *badset[] = {(char *)"=x"};
		assert_int_equal(
		    launch_build_env(&f, "/e", caller, badkeep, 1, NULL, 0, &out, &err),
		    BURROW_EUSAGE);
		strvec_release(&out);
		assert_int_equal(launch_build_env(&f, "/e", caller, NULL, 0, badset, 1, &out, &err),
		                 BURROW_EUSAGE);
		strvec_release(&out);
	}
	launch_facts_release(&f);
	strbuf_release(&err);
}

/* Caller values are checked like sudo's env_reset (issue 10, item 10). */
static void test_allowlist_values(void **state)
{
	char *caller[] = {(char *)"LANG=/tmp/evil",
	                  (char *)"LANGUAGE=en_US:en",
	                  (char *)"LC_ALL=../../x",
	                  (char *)"LC_CTYPE=C.UTF-8",
	                  (char *)"LC_TIME=%n",
	                  (char *)"TERM=../../x",
	                  (char *)"TZ=/tmp/x",
	                  (char *)"TMPDIR=relative/dir",
	                  (char *)"PYTHONPATH=/x",
	                  (char *)"GCONV_PATH=/x",
	                  NULL};
	char *caller2[] = {(char *)"TZ=:/usr/share/zoneinfo/Europe/Paris",
	                   (char *)"TERM=xterm-256color", (char *)"TMPDIR=/tmp",
	                   (char *)"LANG=C.UTF-8", NULL};
	char *caller3[] = {(char *)"TZ=Europe/../../../tmp/x", (char *)"TMPDIR=/tmp/../etc",
	                   (char *)"PEM=-----BEGIN\nabc\n", NULL};
	char *pem[] = {(char *)"PEM"};
	char *hijack[] = {(char *)"PYTHONPATH",     (char *)"PYTHONHOME", (char *)"GCONV_PATH",
	                  (char *)"GLIBC_TUNABLES", (char *)"LOCPATH",    (char *)"MALLOC_CHECK_",
	                  (char *)"BASH_ENV",       (char *)"ENV",        (char *)"LD_PRELOAD"};
	char *set[] = {(char *)"PYTHONPATH=/explicit", (char *)"TZ=/anything"};
	struct launch_facts f;
	struct strvec out = {0};
	struct strbuf err = STRBUF_INIT;
	size_t i;
	(void)state;

	facts("burrow-run 1\npython 1\nlibrary_path 0\nsafe_path 0\npath-default\n"
	      "pass PYTHONPATH\npass GCONV_PATH\n",
	      &f);
	assert_int_equal(launch_build_env(&f, "/e", caller, NULL, 0, NULL, 0, &out, &err), 0);
	assert_null(launch_getenv(out.v, "LANG"));
	assert_string_equal(launch_getenv(out.v, "LANGUAGE"), "en_US:en");
	assert_null(launch_getenv(out.v, "LC_ALL"));
	assert_string_equal(launch_getenv(out.v, "LC_CTYPE"), "C.UTF-8");
	assert_null(launch_getenv(out.v, "LC_TIME"));
	assert_null(launch_getenv(out.v, "TERM"));
	assert_null(launch_getenv(out.v, "TZ"));
	assert_null(launch_getenv(out.v, "TMPDIR"));
	/* an old facts file's pass of the hijack set is ignored */
	assert_null(launch_getenv(out.v, "PYTHONPATH"));
	assert_null(launch_getenv(out.v, "GCONV_PATH"));
	strvec_release(&out);

	assert_int_equal(launch_build_env(&f, "/e", caller2, NULL, 0, NULL, 0, &out, &err), 0);
	assert_string_equal(launch_getenv(out.v, "TZ"), ":/usr/share/zoneinfo/Europe/Paris");
	assert_string_equal(launch_getenv(out.v, "TERM"), "xterm-256color");
	assert_string_equal(launch_getenv(out.v, "TMPDIR"), "/tmp");
	assert_string_equal(launch_getenv(out.v, "LANG"), "C.UTF-8");
	strvec_release(&out);

	assert_int_equal(launch_build_env(&f, "/e", caller3, pem, 1, NULL, 0, &out, &err), 0);
	assert_null(launch_getenv(out.v, "TZ"));
	assert_null(launch_getenv(out.v, "TMPDIR"));
	/* values of other names pass as they are, newlines included */
	assert_string_equal(launch_getenv(out.v, "PEM"), "-----BEGIN\nabc\n");
	strvec_release(&out);

	for (i = 0; i < sizeof(hijack) / sizeof(hijack[0]); i++) {
		assert_int_equal(
		    launch_build_env(&f, "/e", caller, &hijack[i], 1, NULL, 0, &out, &err),
		    BURROW_EUSAGE);
		assert_non_null(strstr(err.buf, hijack[i]));
		strvec_release(&out);
	}
	/* --env sets them explicitly, as given */
	assert_int_equal(launch_build_env(&f, "/e", caller, NULL, 0, set, 2, &out, &err), 0);
	assert_string_equal(launch_getenv(out.v, "PYTHONPATH"), "/explicit");
	assert_string_equal(launch_getenv(out.v, "TZ"), "/anything");
	strvec_release(&out);
	launch_facts_release(&f);
	strbuf_release(&err);
}

static void test_facts_round_trip(void **state)
{
	struct manifest m;
	struct launch_facts f;
	struct strbuf text = STRBUF_INIT, err = STRBUF_INIT;
	struct manifest_kv kv = {(char *)"MSG", (char *)"a\\b\nc"};
	char *pass[] = {(char *)"DB"};
	(void)state;

	manifest_init(&m);
	m.run_env = &kv;
	m.nrun_env = 1;
	m.run_pass = pass;
	m.nrun_pass = 1;
	m.library_path = 1;
	launch_facts_write(&m, 1, &text);
	facts(text.buf, &f);
	assert_true(f.python);
	assert_true(f.library_path);
	assert_false(f.safe_path);
	assert_string_equal(f.path.buf, LAUNCH_DEFAULT_PATH);
	assert_int_equal(f.nenv, 1);
	assert_string_equal(f.env[0], "MSG=a\\b\nc");
	assert_int_equal(f.npass, 1);
	launch_facts_release(&f);
	assert_int_equal(launch_facts_parse("nope\n", 5, &f, &err), BURROW_EFAIL);
	launch_facts_release(&f);
	assert_int_equal(launch_facts_parse("burrow-run 1\nbogus line\n", 24, &f, &err),
	                 BURROW_EFAIL);
	assert_non_null(strstr(err.buf, "2:"));
	launch_facts_release(&f);
	strbuf_release(&text);
	strbuf_release(&err);
}

static void test_find(void **state)
{
	char dir[] = "/tmp/burrow-launch-XXXXXX";
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT, path = STRBUF_INIT, p = STRBUF_INIT;
	FILE *f;
	(void)state;

	assert_non_null(mkdtemp(dir));
	strbuf_addf(&p, "%s/exe", dir);
	f = fopen(p.buf, "w");
	fputs("#!/bin/sh\n", f);
	fclose(f);
	chmod(p.buf, 0755);
	strbuf_reset(&p);
	strbuf_addf(&p, "%s/plain", dir);
	f = fopen(p.buf, "w");
	fclose(f);
	chmod(p.buf, 0644);
	strbuf_addf(&path, "/nonexistent:%s:/bin", dir);
	assert_int_equal(launch_find("exe", path.buf, &out, &err), 0);
	assert_non_null(strstr(out.buf, "/exe"));
	assert_int_equal(launch_find("plain", path.buf, &out, &err), BURROW_ENOTEXEC);
	assert_int_equal(launch_find("missing-xyz", path.buf, &out, &err), BURROW_ENOTFOUND);
	assert_int_equal(launch_find("sh", path.buf, &out, &err), 0);
	assert_string_equal(out.buf, "/bin/sh");
	assert_int_equal(launch_find("/bin/sh", "", &out, &err), 0);
	assert_int_equal(launch_find("/no/such", "", &out, &err), BURROW_ENOTFOUND);
	assert_int_equal(launch_find("", path.buf, &out, &err), BURROW_ENOTFOUND);
	unlink(p.buf);
	strbuf_reset(&p);
	strbuf_addf(&p, "%s/exe", dir);
	unlink(p.buf);
	rmdir(dir);
	strbuf_release(&out);
	strbuf_release(&err);
	strbuf_release(&path);
	strbuf_release(&p);
}

static void test_user(void **state)
{
	struct launch_user u;
	struct strbuf err = STRBUF_INIT;
	struct strvec out = {0};
	char *caller[] = {(char *)"HOME=/caller", (char *)"USER=caller", (char *)"LOGNAME=caller",
	                  (char *)"LANG=C", NULL};
	(void)state;

	/* root is in every passwd; its home comes from there */
	assert_int_equal(launch_user_resolve("root", &u, &err), 0);
	assert_int_equal(u.uid, 0);
	assert_int_equal(u.gid, 0);
	assert_string_equal(u.name, "root");
	assert_true(u.ngroups >= 1);
	assert_int_equal(launch_user_environ(&u, caller, &out, &err), 0);
	assert_string_equal(launch_getenv(out.v, "HOME"), u.home);
	assert_string_equal(launch_getenv(out.v, "USER"), "root");
	assert_string_equal(launch_getenv(out.v, "LOGNAME"), "root");
	assert_string_equal(launch_getenv(out.v, "LANG"), "C");
	strvec_release(&out);
	launch_user_release(&u);

	/* uid:gid: exactly that group */
	assert_int_equal(launch_user_resolve("0:54", &u, &err), 0);
	assert_int_equal(u.gid, 54);
	assert_int_equal(u.ngroups, 1);
	assert_int_equal(u.groups[0], 54);
	launch_user_release(&u);

	/* no passwd entry: HOME "/", no USER or LOGNAME */
	assert_int_equal(launch_user_resolve("4000000000:4000000000", &u, &err), 0);
	assert_null(u.name);
	assert_int_equal(launch_user_environ(&u, caller, &out, &err), 0);
	assert_string_equal(launch_getenv(out.v, "HOME"), "/");
	assert_null(launch_getenv(out.v, "USER"));
	assert_null(launch_getenv(out.v, "LOGNAME"));
	strvec_release(&out);
	launch_user_release(&u);

	assert_int_equal(launch_user_resolve("4000000000", &u, &err), BURROW_EFAIL);
	assert_non_null(strstr(err.buf, "no user with uid"));
	assert_int_equal(launch_user_resolve("", &u, &err), BURROW_EUSAGE);
	assert_int_equal(launch_user_resolve(":0", &u, &err), BURROW_EUSAGE);
	assert_int_equal(launch_user_resolve("0:0:0", &u, &err), BURROW_EUSAGE);
	assert_int_equal(launch_user_resolve("no-such-user-\x01", &u, &err), BURROW_EFAIL);
	assert_null(strchr(err.buf, '\x01')); /* escaped */
	assert_int_equal(launch_user_resolve("root:no-such-group-xyz", &u, &err), BURROW_EFAIL);
	assert_int_equal(launch_user_resolve("4294967295:0", &u, &err), BURROW_EFAIL);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_allowlist),
	    cmocka_unit_test(test_allowlist_values),
	    cmocka_unit_test(test_facts_round_trip),
	    cmocka_unit_test(test_find),
	    cmocka_unit_test(test_user),
	};
	return cmocka_run_group_tests_name("launch", tests, NULL, NULL);
}
