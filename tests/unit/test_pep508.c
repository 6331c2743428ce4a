/*
 * test_pep508: requirement parsing (names, extras, specifiers, URLs, errors
 * with columns) and marker evaluation, including packaging 23.0's quirks
 * that we reproduce and the places where we deliberately differ.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "pep508.h"
#include "util/error.h"

static const struct pep508_env debian = {"cpython",
                                         "3.11.2",
                                         "posix",
                                         "x86_64",
                                         "6.1.0-18-amd64",
                                         "Linux",
                                         "#1 SMP PREEMPT_DYNAMIC",
                                         "3.11.2",
                                         "CPython",
                                         "3.11",
                                         "linux",
                                         "",
                                         NULL,
                                         0,
                                         NULL,
                                         0};

static void test_requirement(void **state)
{
	struct pep508_req r;
	struct strbuf err = STRBUF_INIT, sb = STRBUF_INIT;
	const char *s = "requests [security,tests] >= 2.8.1, == 2.8.* ; python_version < \"3.7\"";
	int res;

	(void)state;
	assert_int_equal(pep508_parse(s, strlen(s), &r, &err), 0);
	assert_string_equal(r.name, "requests");
	assert_int_equal(r.nextras, 2);
	assert_string_equal(r.extras[0], "security");
	assert_string_equal(r.extras[1], "tests");
	assert_null(r.url);
	assert_int_equal(pep440_specset_format(&r.spec, &sb), 0);
	assert_string_equal(sb.buf, "==2.8.*,>=2.8.1");
	assert_non_null(r.marker);
	assert_int_equal(pep508_marker_eval(r.marker, &debian, &res, &err), 0);
	assert_int_equal(res, 0);
	assert_int_equal(pep508_satisfied(&r, "2.8.5"), 1);
	assert_int_equal(pep508_satisfied(&r, "2.9"), 0);
	assert_int_equal(pep508_satisfied(&r, "2.8.9rc1"), 1); /* pip check allows pre-releases */
	assert_int_equal(pep508_satisfied(&r, "not a version"), 0);
	pep508_release(&r);
	pep508_release(&r);

	s = "Werkzeug (<3,>=2.2)";
	assert_int_equal(pep508_parse(s, strlen(s), &r, &err), 0);
	assert_int_equal(pep508_satisfied(&r, "3.0.1"), 0);
	assert_int_equal(pep508_satisfied(&r, "2.2.2"), 1);
	pep508_release(&r);

	s = "pip @ https://github.com/pypa/pip/archive/1.3.1.zip#sha256=abc ; os_name == 'posix'";
	assert_int_equal(pep508_parse(s, strlen(s), &r, &err), 0);
	assert_string_equal(r.url, "https://github.com/pypa/pip/archive/1.3.1.zip#sha256=abc");
	assert_int_equal(r.spec.n, 0);
	assert_int_equal(pep508_satisfied(&r, "anything"), 1);
	pep508_release(&r);

	s = "a_";
	assert_int_equal(pep508_parse(s, strlen(s), &r, &err), 0); /* as packaging 23.0 */
	assert_string_equal(r.name, "a_");
	pep508_release(&r);
	strbuf_release(&sb);
	strbuf_release(&err);
}

static void assert_bad_req_n(const char *s, size_t len, const char *column, const char *words)
{
	struct pep508_req r;
	struct strbuf err = STRBUF_INIT;

	assert_int_equal(pep508_parse(s, len, &r, &err), BURROW_EFAIL);
	if (strncmp(err.buf, column, strlen(column)) || !strstr(err.buf, words))
		fail_msg("%s: got \"%s\"", s, err.buf);
	assert_null(r.name);
	strbuf_release(&err);
}

static void assert_bad_req(const char *s, const char *column, const char *words)
{
	assert_bad_req_n(s, strlen(s), column, words);
}

static void test_requirement_errors(void **state)
{
	(void)state;
	assert_bad_req("a[b c]", "column 5:", "expected comma between extra names");
	assert_bad_req("a (>=1", "column 3:", "expected closing )");
	assert_bad_req("a>=1 garbage", "column 2:", "expected end or semicolon");
	assert_bad_req("a; os_name == \"a\" garbage", "column 19:", "expected end");
	assert_bad_req("-a", "column 1:", "package name");
	assert_bad_req("a @ file:/x", "column 5:", "invalid URL");
	assert_bad_req("a @ x", "column 5:", "invalid URL");
	assert_bad_req("a===1,2", "column 2:", "invalid specifier");
	assert_bad_req("a ~= 1", "column 3:", "expected end or semicolon");
	assert_bad_req("a; os_name == 'a\\b'", "column 17:", "backslash");
	assert_bad_req_n("a\0b", 3, "column 2:", "NUL");
}

static int eval(const char *marker, const struct pep508_env *env)
{
	struct pep508_marker *m;
	struct strbuf err = STRBUF_INIT;
	int res = -1, r;

	r = pep508_marker_parse(marker, strlen(marker), &m, &err);
	if (r) {
		strbuf_release(&err);
		return -2;
	}
	if (pep508_marker_eval(m, env, &res, &err))
		res = -1;
	pep508_marker_free(m);
	strbuf_release(&err);
	return res;
}

static void test_markers(void **state)
{
	struct pep508_env e = debian;

	(void)state;
	assert_int_equal(eval("python_version > \"3.1\"", &e), 1); /* versions, not strings */
	assert_int_equal(eval("python_version < '3.7'", &e), 0);
	assert_int_equal(eval("python_version == '3.*'", &e), 1);
	assert_int_equal(
	    eval("os_name == 'posix' and (python_version < '3' or extra == 'test')", &e), 0);
	assert_int_equal(eval("os_name=='posix'and python_version>='3'", &e), 1);
	assert_int_equal(eval("'x'in os_name", &e), 1); /* "x" in "posix" */
	assert_int_equal(eval("os_name not  in 'nt java'", &e), 1);
	assert_int_equal(eval("os.name == 'posix' and python_implementation == 'CPython'", &e), 1);
	assert_int_equal(eval("extra == 'test'", &e), 0);
	/* PEP 685: both sides normalised */
	e.extra = "test-x";
	assert_int_equal(eval("extra == 'Test_X'", &e), 1);
	assert_int_equal(eval("'Test..X' == extra", &e), 1);
	/* lenient where packaging 23.0 raises: string comparison */
	assert_int_equal(eval("platform_release >= '5'", &e), 1);
	assert_int_equal(eval("sys_platform == '3'", &e), 0);
	/* undecidable */
	assert_int_equal(eval("os_name ~= 'posix'", &e), -1);
	assert_int_equal(eval("'a' == 'b'", &e), -1);
	assert_int_equal(eval("'posix' == 'os_name'", &e), 1); /* packaging looks 'os_name' up */
	/* every comparison is evaluated: an error is an error even after or */
	assert_int_equal(eval("os_name == 'posix' or 'a' == 'b'", &e), -1);
	/* parse errors, including trailing text packaging's Marker() ignores */
	assert_int_equal(eval("os_name == 'posix' garbage", &e), -2);
	assert_int_equal(eval("os_name == 'posix' or", &e), -2);
	assert_int_equal(eval("(os_name == 'posix'", &e), -2);
	assert_int_equal(eval("os_nameand == 'x'", &e), -2);
	assert_int_equal(eval("os_name = 'x'", &e), -2);
	assert_int_equal(eval("", &e), -2);
	assert_int_equal(eval("((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("
	                      "(os_name == 'posix')))))))))))))))))))))))))))))))))))))))))))))))))"
	                      ")))))))))))))))))",
	                      &e),
	                 -2);
}

/* PEP 751: the extras and dependency_groups sets of a lock's markers. */
static void test_lock_sets(void **state)
{
	static const char *const extras[] = {"Web_Extra"};
	static const char *const groups[] = {"dev", "docs"};
	struct pep508_env e = debian;

	(void)state;
	assert_int_equal(eval("'dev' in dependency_groups", &e), 0); /* none selected */
	assert_int_equal(eval("'dev' not in dependency_groups", &e), 1);
	e.extras = extras;
	e.nextras = 1;
	e.dependency_groups = groups;
	e.ndependency_groups = 2;
	assert_int_equal(eval("'dev' in dependency_groups", &e), 1);
	assert_int_equal(eval("'test' in dependency_groups", &e), 0);
	assert_int_equal(eval("'web-extra' in extras", &e), 1); /* names normalised */
	assert_int_equal(eval("'web' in extras", &e), 0);       /* a set, not a substring */
	assert_int_equal(
	    eval("'docs' in dependency_groups and 'web.extra' in extras and os_name == 'posix'",
	         &e),
	    1);
	assert_int_equal(eval("'dev' not in dependency_groups", &e), 0);
	/* only membership, literal on the left */
	assert_int_equal(eval("extras == 'web'", &e), -1);
	assert_int_equal(eval("dependency_groups in 'dev'", &e), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lock_sets),
	    cmocka_unit_test(test_requirement),
	    cmocka_unit_test(test_requirement_errors),
	    cmocka_unit_test(test_markers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
