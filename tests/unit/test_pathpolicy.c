/*
 * test_pathpolicy: the archive member name rules, one table row per rule,
 * the duplicate key and the symlink containment check.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pathpolicy.h"
#include "util/error.h"

#include <string.h>

struct name_case {
	const char *name;
	size_t len;         /* 0: strlen */
	const char *reason; /* NULL: accepted; else a substring of the message */
};

static const struct name_case cases[] = {
    {"bin/tool", 0, NULL},
    {"lib/", 0, NULL},
    {"a", 0, NULL},
    {"share/doc/caf\xc3\xa9.txt", 0, NULL}, /* NFC é */
    {"\xe6\x97\xa5\xe6\x9c\xac/\xf0\x9f\x98\x80", 0, NULL},
    {"a/.hidden", 0, NULL},
    {"a/..b", 0, NULL},
    {"a/b...", 0, NULL},
    {"", 0, "empty path"},
    {"/etc/passwd", 0, "absolute path"},
    {"//x", 0, "absolute path"},
    {"/", 0, "absolute path"},
    {"../x", 0, "path escapes the root"},
    {"a/../../x", 0, "path escapes the root"},
    {"a/..", 0, "path escapes the root"},
    {"a/../", 0, "path escapes the root"},
    {"./x", 0, "'.' path component"},
    {"a/./b", 0, "'.' path component"},
    {".", 0, "'.' path component"},
    {"a//b", 0, "empty path component"},
    {"a//", 0, "empty path component"},
    {"a\0b", 3, "NUL byte"},
    {"a\nb", 0, "control character U+000A"},
    {"a\x1b[31m", 0, "control character U+001B"},
    {"a\x7f", 0, "control character U+007F"},
    {"a\xc2\x9b", 0, "control character U+009B"},
    {"a\\b", 0, "backslash"},
    {"..\\x", 0, "backslash"},
    {"a\xff", 0, "invalid UTF-8"},
    {"a\xc0\xaf", 0, "invalid UTF-8"},         /* overlong '/' */
    {"a\xe0\x80\xaf", 0, "invalid UTF-8"},     /* overlong '/' */
    {"a\xed\xa0\x80", 0, "invalid UTF-8"},     /* surrogate */
    {"a\xf4\x90\x80\x80", 0, "invalid UTF-8"}, /* > U+10FFFF */
    {"a\xc3", 0, "invalid UTF-8"},             /* truncated */
    {"cafe\xcc\x81", 0, "combining mark U+0301"},
    {"x\xe1\xaa\xb0", 0, "combining mark U+1AB0"},
    {"x\xe1\xb7\x80", 0, "combining mark U+1DC0"},
    {"x\xe2\x83\x90", 0, "combining mark U+20D0"},
    {"x\xef\xb8\xa0", 0, "combining mark U+FE20"},
};

static void test_table(void **state)
{
	struct strbuf err = STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct name_case *c = &cases[i];
		size_t len = c->len ? c->len : strlen(c->name);
		int r = path_policy_check(c->name, len, &err);
		if (!c->reason) {
			if (r != 0)
				fail_msg("case %zu refused: %s", i, err.buf);
		} else {
			if (r != BURROW_EINTEGRITY)
				fail_msg("case %zu accepted: expected %s", i, c->reason);
			if (!strstr(err.buf, c->reason))
				fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.buf, c->reason);
			assert_true(strncmp(err.buf, "entry \"", 7) == 0);
		}
	}
	/* a NUL byte is escaped in the message, not cut short */
	assert_int_equal(path_policy_check("a\0b", 3, &err), BURROW_EINTEGRITY);
	assert_non_null(strstr(err.buf, "a\\x00b"));
	/* NULL err is fine */
	assert_int_equal(path_policy_check("../x", 4, NULL), BURROW_EINTEGRITY);
	strbuf_release(&err);
}

static void test_limits(void **state)
{
	struct strbuf err = STRBUF_INIT;
	char buf[5000];
	size_t i;

	(void)state;
	memset(buf, 'a', 255);
	assert_int_equal(path_policy_check(buf, 255, &err), 0);
	memset(buf, 'a', 256);
	assert_int_equal(path_policy_check(buf, 256, &err), BURROW_EINTEGRITY);
	assert_non_null(strstr(err.buf, "longer than 255"));

	/* 128 components accepted, 129 refused */
	for (i = 0; i < 129; i++) {
		buf[2 * i] = 'd';
		buf[2 * i + 1] = '/';
	}
	assert_int_equal(path_policy_check(buf, 2 * 128 - 1, &err), 0);
	assert_int_equal(path_policy_check(buf, 2 * 128, &err), 0); /* trailing slash */
	assert_int_equal(path_policy_check(buf, 2 * 129 - 1, &err), BURROW_EINTEGRITY);
	assert_non_null(strstr(err.buf, "more than 128"));

	/* total length: 16 components of 255 bytes plus separators */
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (i % 256 == 255) ? '/' : 'b';
	assert_int_equal(path_policy_check(buf, 4096, &err), 0);
	assert_int_equal(path_policy_check(buf, 4097, &err), BURROW_EINTEGRITY);
	assert_non_null(strstr(err.buf, "longer than 4096"));
	/* the message stays short for a long name */
	assert_true(err.len < 700);
	strbuf_release(&err);
}

static void test_key(void **state)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

	(void)state;
	assert_int_equal(path_policy_key("Lib/Foo.SO/", 11, &a), 0);
	assert_string_equal(a.buf, "lib/foo.so");
	assert_int_equal(path_policy_key("lib/foo.so", 10, &b), 0);
	assert_string_equal(a.buf, b.buf);
	assert_int_equal(path_policy_key("\xc3\x89", 2, &a), 0); /* non-ASCII untouched */
	assert_string_equal(a.buf, "\xc3\x89");
	assert_int_equal(path_policy_key("", 0, &a), 0);
	assert_string_equal(a.buf, "");
	strbuf_release(&a);
	strbuf_release(&b);
}

static void test_links(void **state)
{
	struct strbuf err = STRBUF_INIT;

	(void)state;
	assert_int_equal(path_policy_link_ok("lib/libz.so", "libz.so.1", &err), 0);
	assert_int_equal(path_policy_link_ok("bin/tool", "../lib/tool", &err), 0);
	assert_int_equal(path_policy_link_ok("a/b/c", "../../x", &err), 0);
	assert_int_equal(path_policy_link_ok("a/b/c", "./../.././x//y/", &err), 0);
	assert_int_equal(path_policy_link_ok("lib/x", "..", &err), 0); /* the root itself */

	assert_int_equal(path_policy_link_ok("x", "../x", &err), BURROW_EINTEGRITY);
	assert_non_null(strstr(err.buf, "escapes the root"));
	assert_non_null(strstr(err.buf, "entry \"x\""));
	assert_int_equal(path_policy_link_ok("a/b/c", "../../../x", &err), BURROW_EINTEGRITY);
	assert_int_equal(path_policy_link_ok("a/l", "/etc/passwd", &err), BURROW_EINTEGRITY);
	assert_non_null(strstr(err.buf, "absolute"));
	assert_int_equal(path_policy_link_ok("a/l", "", &err), BURROW_EINTEGRITY);
	assert_int_equal(path_policy_link_ok("a/l", "x/../../..", &err), BURROW_EINTEGRITY);
	assert_non_null(strstr(err.buf, "after a name"));
	/* lexically inside, but resolved through x which may be a symlink */
	assert_int_equal(path_policy_link_ok("a/b/l", "x/../y", &err), BURROW_EINTEGRITY);
	assert_int_equal(path_policy_link_ok("a/l", "x\\..\\..", &err), BURROW_EINTEGRITY);
	assert_int_equal(path_policy_link_ok("a/l", "x\ny", &err), BURROW_EINTEGRITY);
	assert_int_equal(path_policy_link_ok("a/l", "x\xff", &err), BURROW_EINTEGRITY);
	assert_int_equal(path_policy_link_ok("l", ".", &err), 0);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_key),
	    cmocka_unit_test(test_links),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
