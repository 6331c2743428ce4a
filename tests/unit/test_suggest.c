/*
 * test_suggest: the "did you mean" candidate for a typo (util/suggest.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/suggest.h"

#include <string.h>

static const char *const commands[] = {"create", "install", "fetch", "run",   "env", "list",
                                       "check",  "pack",    "index", "cache", "help"};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void test_typos(void **state)
{
	(void)state;
	assert_string_equal(suggest_closest("instal", commands, NCOMMANDS), "install");
	assert_string_equal(suggest_closest("isntall", commands, NCOMMANDS), "install");
	assert_string_equal(suggest_closest("craete", commands, NCOMMANDS), "create");
	assert_string_equal(suggest_closest("lsit", commands, NCOMMANDS), "list");
	assert_string_equal(suggest_closest("CHECK", commands, NCOMMANDS), "check");
	assert_string_equal(suggest_closest("ivnex", commands, NCOMMANDS), "index");
	assert_null(suggest_closest("zzz", commands, NCOMMANDS));
}

static void test_prefix(void **state)
{
	static const char *const opts[] = {"--manifest", "--index-url", "--find-links", "--python"};

	(void)state;
	assert_string_equal(suggest_closest("--manifets", opts, 4), "--manifest");
	assert_string_equal(suggest_closest("--find-link", opts, 4), "--find-links");
	assert_string_equal(suggest_closest("--ind", opts, 4), "--index-url");
	assert_string_equal(suggest_closest("--py", opts, 4), "--python");
}

static void test_nothing_close(void **state)
{
	static const char *const keys[] = {"name", "version", "hashes", NULL};
	char long_word[SUGGEST_MAX_LEN + 2];

	(void)state;
	assert_null(suggest_closest("frobnicate", commands, NCOMMANDS));
	assert_null(suggest_closest("", commands, NCOMMANDS));
	assert_null(suggest_closest("install", commands, 0));
	/* an exact match is no typo; NULL candidates are skipped */
	assert_null(suggest_closest("run", (const char *const[]){"run"}, 1));
	assert_string_equal(suggest_closest("hash", keys, 4), "hashes");
	memset(long_word, 'a', sizeof(long_word) - 1);
	long_word[sizeof(long_word) - 1] = '\0';
	assert_null(suggest_closest(long_word, commands, NCOMMANDS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_typos),
	    cmocka_unit_test(test_prefix),
	    cmocka_unit_test(test_nothing_close),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
