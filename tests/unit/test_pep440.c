/*
 * test_pep440: versions (parse, normal form, order, limits) and specifier
 * sets (parse, containment with packaging 23.0's pre-release rules).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "pep440.h"
#include "util/error.h"

static void assert_norm(const char *in, const char *want)
{
	struct pep440_version v;
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(pep440_parse(in, &v), 0);
	assert_int_equal(pep440_format(&v, &sb), 0);
	assert_string_equal(sb.buf, want);
	strbuf_release(&sb);
}

static void assert_invalid(const char *in)
{
	struct pep440_version v;
	struct strbuf err = STRBUF_INIT;

	assert_int_equal(pep440_parse_n(in, strlen(in), &v, &err), BURROW_EFAIL);
	assert_non_null(strstr(err.buf, "invalid version"));
	strbuf_release(&err);
}

static void test_normalise(void **state)
{
	(void)state;
	assert_norm("v1.0", "1.0");
	assert_norm("1.01", "1.1");
	assert_norm("1.0-1", "1.0.post1");
	assert_norm("1.0_post2", "1.0.post2");
	assert_norm("1.0.rev3", "1.0.post3");
	assert_norm("1.0RC1", "1.0rc1");
	assert_norm("1.0c1", "1.0rc1");
	assert_norm("1.0alpha2", "1.0a2");
	assert_norm("1.0-dev", "1.0.dev0");
	assert_norm("1.0a", "1.0a0");
	assert_norm("1.0.post", "1.0.post0");
	assert_norm("1.0+Ubuntu-1", "1.0+ubuntu.1");
	assert_norm("1.0-A1", "1.0a1");
	assert_norm(" 1!01.0.PREVIEW-3.dev+00x_007 \n", "1!1.0rc3.dev0+00x.7");
	assert_norm("9223372036854775807", "9223372036854775807");
	assert_invalid("");
	assert_invalid("1.");
	assert_invalid("1..0");
	assert_invalid("1.0+");
	assert_invalid("1.0.*");
	assert_invalid("1.0 a1");
	assert_invalid("9223372036854775808");
	assert_invalid(
	    "1.0+aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_invalid("1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1");
}

static void test_order(void **state)
{
	static const char *const chain[] = {"1.dev0",
	                                    "1.0.dev456",
	                                    "1.0a1",
	                                    "1.0a2.dev456",
	                                    "1.0a12.dev456",
	                                    "1.0a12",
	                                    "1.0b1.dev456",
	                                    "1.0b2",
	                                    "1.0b2.post345.dev456",
	                                    "1.0b2.post345",
	                                    "1.0rc1.dev456",
	                                    "1.0rc1",
	                                    "1.0",
	                                    "1.0+abc.5",
	                                    "1.0+abc.7",
	                                    "1.0+5",
	                                    "1.0.post456.dev34",
	                                    "1.0.post456",
	                                    "1.0.15",
	                                    "1.1.dev1",
	                                    "1!0.1"};
	struct pep440_version a, b;
	size_t i;

	(void)state;
	for (i = 0; i + 1 < sizeof(chain) / sizeof(chain[0]); i++) {
		assert_int_equal(pep440_parse(chain[i], &a), 0);
		assert_int_equal(pep440_parse(chain[i + 1], &b), 0);
		assert_true(pep440_compare(&a, &b) < 0);
		assert_true(pep440_compare(&b, &a) > 0);
		assert_int_equal(pep440_compare(&a, &a), 0);
	}
	assert_int_equal(pep440_parse("1.0", &a), 0);
	assert_int_equal(pep440_parse("1.0.0", &b), 0);
	assert_int_equal(pep440_compare(&a, &b), 0);
	assert_true(pep440_is_prerelease(&a) == 0);
	assert_int_equal(pep440_parse("1.0.dev1", &a), 0);
	assert_true(pep440_is_prerelease(&a));
}

/* prereleases: -1 default, 0, 1; want: 1/0, or -1 for an error */
static void assert_contains(const char *spec, const char *ver, int pre, int want)
{
	struct pep440_specset set;
	struct pep440_version v;
	struct strbuf err = STRBUF_INIT;
	int res = -1, r;

	assert_int_equal(pep440_specset_parse(spec, strlen(spec), &set, &err), 0);
	assert_int_equal(pep440_parse(ver, &v), 0);
	r = pep440_specset_contains(&set, &v, pre, &res, &err);
	if (want < 0) {
		assert_int_equal(r, BURROW_EFAIL);
	} else {
		assert_int_equal(r, 0);
		if (res != want)
			fail_msg("%s contains %s (prereleases=%d): want %d", spec, ver, pre, want);
	}
	pep440_specset_release(&set);
	strbuf_release(&err);
}

static void test_contains(void **state)
{
	(void)state;
	assert_contains("==1.0", "1.0+local", -1, 1);
	assert_contains("==1.0+local", "1.0", -1, 0);
	assert_contains("==1.0.*", "1.0.post1", -1, 1);
	assert_contains("==1.0.*", "1.0a1", -1, 0);
	assert_contains("==1.0.*", "1.0a1", 1, 1);
	assert_contains("!=1.0.*", "1.0.5", -1, 0);
	assert_contains("~=2.2.post3", "2.9", -1, 1);
	assert_contains("~=1.4.5", "1.4.9", -1, 1);
	assert_contains("~=1.4.5", "1.5.0", -1, 0);
	assert_contains("~=2.2", "3.0", -1, 0);
	assert_contains(">1.0", "1.0.post1", -1, 0);
	assert_contains(">1.0.post1", "1.0.post2", -1, 1);
	assert_contains(">1.0", "1.0+local", -1, 0);
	assert_contains("<1.0", "1.0a1", 1, 0);
	assert_contains("<1.0", "0.9a1", 1, 1);
	assert_contains("<=1.0", "1.0+local", -1, 1);
	assert_contains("===1.0", "1.0.0", -1, 0);
	assert_contains("===1.0", "1.0", -1, 1);
	assert_contains("<1.0rc1", "1.0b1", -1, 0);
	assert_contains("<1.0rc1", "1.0b1", 1, 1);
	assert_contains(">=1.0", "1.1.dev1", -1, 0);
	assert_contains(">=1.0a1", "1.1.dev1", -1, 1);
	assert_contains("", "1.0a1", -1, 0);
	assert_contains("", "1.0a1", 1, 1);
	assert_contains(">=2.0,<3", "2.5rc1", -1, 0);
	assert_contains(">=2.0,<3", "2.5rc1", 1, 1);
	assert_contains("==1!1.0.*", "1!1", -1, 0); /* packaging 23.0's string prefix match */
	assert_contains("==1.0.*", "1", -1, 1);
	assert_contains("===foo", "1.0", -1, -1);
	assert_contains("===foo", "1.0", 1, 0);
	assert_contains("===1.0, ===1.0.0", "1.0", -1, 1); /* first of equal ones kept */
}

static void test_spec_parse(void **state)
{
	static const char *const bad[] = {"~=1", ">=1.0.*", "<1.0+l",    "=1",     "==",
	                                  "1.0", ">=1.0 2", "==1.0a1.*", "===a b", ">= 1.0,, x"};
	struct pep440_specset set;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strbuf_reset(&err);
		assert_int_equal(pep440_specset_parse(bad[i], strlen(bad[i]), &set, &err),
		                 BURROW_EFAIL);
		assert_non_null(strstr(err.buf, "column "));
		assert_null(set.items);
	}
	assert_int_equal(pep440_specset_parse(" >= 2.8.1 ,== 2.8.*, ,",
	                                      strlen(" >= 2.8.1 ,== 2.8.*, ,"), &set, &err),
	                 0);
	assert_int_equal(set.n, 2);
	assert_int_equal(pep440_specset_format(&set, &out), 0);
	assert_string_equal(out.buf, "==2.8.*,>=2.8.1");
	pep440_specset_release(&set);
	pep440_specset_release(&set); /* idempotent */
	strbuf_release(&err);
	strbuf_release(&out);
	assert_int_equal(pep440_spec_scan("==1.0foo", 8), 5);
	assert_int_equal(pep440_spec_scan("===x)", 5), 4);
	assert_int_equal(pep440_spec_scan("~=1", 3), 0);
	assert_int_equal(pep440_spec_scan("=1", 2), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_normalise),
	    cmocka_unit_test(test_order),
	    cmocka_unit_test(test_contains),
	    cmocka_unit_test(test_spec_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
