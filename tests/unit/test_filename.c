/*
 * test_filename: wheel and native-bundle file names, PEP 503 names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "filename.h"

#include <string.h>

static void test_wheels(void **state)
{
	struct filename_info f;

	(void)state;
	assert_int_equal(filename_parse("flask-3.0.3-py3-none-any.whl", &f), 0);
	assert_int_equal(f.kind, FILENAME_WHEEL);
	assert_string_equal(f.name, "flask");
	assert_string_equal(f.version, "3.0.3");
	assert_string_equal(f.build, "");
	assert_string_equal(f.python, "py3");
	assert_string_equal(f.abi, "none");
	assert_string_equal(f.platform, "any");
	assert_string_equal(f.ext, "whl");

	assert_int_equal(
	    filename_parse(
	        "numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", &f),
	    0);
	assert_string_equal(f.platform, "manylinux_2_17_x86_64.manylinux2014_x86_64");
	assert_string_equal(f.python, "cp311");

	assert_int_equal(filename_parse("Typing_Extensions-4.0.0-1_x-py2.py3-none-any.whl", &f), 0);
	assert_string_equal(f.name, "Typing_Extensions");
	assert_string_equal(f.build, "1_x");
	assert_string_equal(f.python, "py2.py3");

	assert_int_equal(filename_parse("pkg-1.0!2+local.7-py3-none-any.whl", &f), 0);
	assert_string_equal(f.version, "1.0!2+local.7");
	assert_int_equal(filename_parse("pkg-v1.0-py3-none-any.whl", &f), 0);
}

static void test_bundles(void **state)
{
	struct filename_info f;

	(void)state;
	assert_int_equal(filename_parse("zlib_ng-2.1.6-linux_x86_64.tar.gz", &f), 0);
	assert_int_equal(f.kind, FILENAME_BUNDLE);
	assert_string_equal(f.name, "zlib_ng");
	assert_string_equal(f.version, "2.1.6");
	assert_string_equal(f.platform, "linux_x86_64");
	assert_string_equal(f.ext, "tar.gz");
	assert_string_equal(f.abi, "");
	assert_int_equal(filename_parse("tool-1.0-manylinux_2_28_x86_64.tar.xz", &f), 0);
	assert_string_equal(f.ext, "tar.xz");
	assert_string_equal(f.platform, "manylinux_2_28_x86_64");
	assert_int_equal(filename_parse("tool-1.0-any.tar.zst", &f), 0);
	assert_string_equal(f.ext, "tar.zst");
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
	    "",
	    "flask-3.0.3.tar.gz",           /* sdist */
	    "python-dateutil-2.8.2.tar.gz", /* old-style sdist: version is not one */
	    "a/b-1.0-any.tar.gz",
	    "a\\b-1.0-any.tar.gz",
	    "-1.0-any.tar.gz",
	    "foo-1.0-py3-none.whl",
	    "foo-1.0-1-2-py3-none-any.whl",
	    "foo-1.0-x1-py3-none-any.whl", /* build tag must start with a digit */
	    "foo-1.0-py3-none-any.whl.",
	    "foo-1.0-any.tar.bz2",
	    "foo bar-1.0-any.tar.gz",
	    "foo-1.0--any.tar.gz",
	    "foo-1.0-2any.tar.gz", /* platform starts with a letter */
	    "foo-beta-any.tar.gz", /* version starts with a digit */
	    "foo-1.0-py3-none-any.WHL",
	    ".whl",
	    "foo-1.0-any.tar.gz-",
	    "foo_-1.0-py3-none-any.whl", /* not a PEP 503 name */
	    "foo-1.0-py3-none-\x01ny.whl",
	    "foo-1.0-py3-none-\xc3\xa9.whl",
	    ".tar.gz",
	};
	struct filename_info f;
	char longname[600];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (filename_parse(bad[i], &f) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_string_equal(f.name, "");
	}
	assert_int_equal(filename_parse(NULL, &f), -1);
	memset(longname, 'a', sizeof(longname));
	memcpy(longname + 300, "-1.0-any.tar.gz", 16);
	assert_int_equal(filename_parse(longname, &f), -1); /* name field over 255 */
}

static void test_pep503(void **state)
{
	static const char *const same[] = {"friendly-bard",    "Friendly-Bard", "FRIENDLY-BARD",
	                                   "friendly.bard",    "friendly_bard", "friendly--bard",
	                                   "FrIeNdLy-._.-bArD"};
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		assert_int_equal(pep503_normalize(same[i], &sb), 0);
		assert_string_equal(sb.buf, "friendly-bard");
		assert_int_equal(pep503_valid(same[i]), 1);
	}
	assert_int_equal(pep503_normalize("Zope.Interface", &sb), 0);
	assert_string_equal(sb.buf, "zope-interface");
	assert_int_equal(pep503_valid("a"), 1);
	assert_int_equal(pep503_valid("A.b_C-1"), 1);
	assert_int_equal(pep503_valid(""), 0);
	assert_int_equal(pep503_valid("-a"), 0);
	assert_int_equal(pep503_valid("a-"), 0);
	assert_int_equal(pep503_valid("a b"), 0);
	assert_int_equal(pep503_valid("a/b"), 0);
	assert_int_equal(pep503_valid("é"), 0);
	assert_int_equal(pep503_valid(NULL), 0);
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wheels),
	    cmocka_unit_test(test_bundles),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_pep503),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
