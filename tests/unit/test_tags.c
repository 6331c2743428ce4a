/*
 * test_tags: the PEP 425 priority list of Debian 12's CPython 3.11 (glibc
 * 2.36, x86_64) at the indices observed with packaging 23.0, and ranking.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tags.h"
#include "util/error.h"

static void test_debian_cpython311(void **state)
{
	struct tags_target t = {3, 11, "cp", NULL, 0, "x86_64", 2, 36, 0, 0};
	struct tags_list l;
	struct strbuf err = STRBUF_INIT;
	const char *s;

	(void)state;
	assert_int_equal(tags_build(&t, &l, &err), 0);
	assert_int_equal(l.n, 914);
	assert_string_equal(l.tags[0], "cp311-cp311-manylinux_2_36_x86_64");
	assert_string_equal(l.tags[19], "cp311-cp311-manylinux_2_17_x86_64");
	assert_string_equal(l.tags[20], "cp311-cp311-manylinux2014_x86_64");
	assert_string_equal(l.tags[35], "cp311-cp311-linux_x86_64");
	assert_string_equal(l.tags[36], "cp311-abi3-manylinux_2_36_x86_64");
	assert_string_equal(l.tags[72], "cp311-none-manylinux_2_36_x86_64");
	assert_string_equal(l.tags[108], "cp310-abi3-manylinux_2_36_x86_64");
	assert_string_equal(l.tags[431], "cp32-abi3-linux_x86_64");
	assert_string_equal(l.tags[432], "py311-none-manylinux_2_36_x86_64");
	assert_string_equal(l.tags[503], "py3-none-linux_x86_64");
	assert_string_equal(l.tags[900], "cp311-none-any");
	assert_string_equal(l.tags[901], "py311-none-any");
	assert_string_equal(l.tags[902], "py3-none-any");
	assert_string_equal(l.tags[913], "py30-none-any");

	s = "py2.py3-none-any";
	assert_int_equal(tags_rank(&l, s, strlen(s)), 902);
	s = "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64";
	assert_int_equal(tags_rank(&l, s, strlen(s)), 19);
	s = "CP311-ABI3-LINUX_X86_64";
	assert_int_equal(tags_rank(&l, s, strlen(s)), 71);
	s = "cp311-cp311-win_amd64";
	assert_int_equal(tags_rank(&l, s, strlen(s)), -1);
	s = "py3-none";
	assert_int_equal(tags_rank(&l, s, strlen(s)), -1);
	s = "py3-none-any-x";
	assert_int_equal(tags_rank(&l, s, strlen(s)), -1);
	tags_release(&l);
	tags_release(&l);
	strbuf_release(&err);
}

static void test_other_targets(void **state)
{
	struct tags_target t = {3, 12, "cp", NULL, 0, "aarch64", 2, 17, 0, 0};
	struct tags_list l;
	struct strbuf err = STRBUF_INIT;

	(void)state;
	assert_int_equal(tags_build(&t, &l, &err), 0);
	assert_string_equal(l.tags[0], "cp312-cp312-manylinux_2_17_aarch64");
	assert_string_equal(l.tags[1], "cp312-cp312-manylinux2014_aarch64");
	assert_string_equal(l.tags[2], "cp312-cp312-linux_aarch64");
	tags_release(&l);

	/* musl: no manylinux, musllinux_1_2..0, then linux */
	t = (struct tags_target){3, 12, "cp", NULL, 0, "x86_64", 0, 0, 1, 2};
	assert_int_equal(tags_build(&t, &l, &err), 0);
	assert_string_equal(l.tags[0], "cp312-cp312-musllinux_1_2_x86_64");
	assert_string_equal(l.tags[2], "cp312-cp312-musllinux_1_0_x86_64");
	assert_string_equal(l.tags[3], "cp312-cp312-linux_x86_64");
	tags_release(&l);

	/* debug build: cp38d first, then cp38 */
	t = (struct tags_target){3, 8, "cp", NULL, 1, "x86_64", 0, 0, 0, 0};
	assert_int_equal(tags_build(&t, &l, &err), 0);
	assert_string_equal(l.tags[0], "cp38-cp38d-linux_x86_64");
	assert_string_equal(l.tags[1], "cp38-cp38-linux_x86_64");
	tags_release(&l);

	/* PyPy: generic tags and pp3-none-any */
	t = (struct tags_target){3, 9, "pp", "pypy39_pp73", 0, "x86_64", 0, 0, 0, 0};
	assert_int_equal(tags_build(&t, &l, &err), 0);
	assert_string_equal(l.tags[0], "pp39-pypy39_pp73-linux_x86_64");
	assert_string_equal(l.tags[1], "pp39-none-linux_x86_64");
	assert_string_equal(l.tags[2], "py39-none-linux_x86_64");
	assert_string_equal(l.tags[l.n - 12], "pp3-none-any");
	tags_release(&l);

	t = (struct tags_target){3, 9, "cp", NULL, 0, "x86 64", 2, 36, 0, 0};
	assert_int_equal(tags_build(&t, &l, &err), BURROW_EFAIL);
	assert_non_null(strstr(err.buf, "architecture"));
	assert_int_equal(l.n, 0);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_debian_cpython311),
	    cmocka_unit_test(test_other_targets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
