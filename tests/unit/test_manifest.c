/*
 * Unit tests: the manifest reader (src/manifest.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "manifest.h"
#include "util/error.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static int parse(const char *text, struct manifest *m, struct strbuf *err)
{
	manifest_init(m);
	return manifest_parse(text, strlen(text), "m.toml", "/base", m, err);
}

static void test_full(void **state)
{
	static const char text[] = "[env]\npython = \"3.11\"\n"
	                           "[[repository]]\nurl = \"https://x.example/simple/\"\n"
	                           "[[repository]]\nurl = \"../wheelhouse\"\n"
	                           "[[bundle]]\nname = \"Foo_Bar\"\nversion = \"1.0\"\n"
	                           "hashes = [\"sha256:" H64 "\", \"SHA256:x\"]\n"
	                           "[run]\nenv = { A = \"1\", B_2 = \"two\" }\npass = [\"DB\"]\n"
	                           "path = [\"/usr/bin\"]\nlibrary_path = true\nsafe_path = true\n";
	struct strbuf err = STRBUF_INIT;
	struct manifest m;
	(void)state;

	/* the second hash is malformed */
	assert_int_equal(parse(text, &m, &err), BURROW_EMANIFEST);
	assert_non_null(strstr(err.buf, "m.toml:10:"));
	assert_non_null(strstr(err.buf, "malformed hash"));
	manifest_release(&m);

	{
		struct strbuf t = STRBUF_INIT;
		const char *cut = strstr(text, ", \"SHA256:x\"");
		strbuf_add(&t, text, (size_t)(cut - text));
		strbuf_addstr(&t, cut + strlen(", \"SHA256:x\""));
		assert_int_equal(parse(t.buf, &m, &err), 0);
		strbuf_release(&t);
	}
	assert_string_equal(m.python, "3.11");
	assert_int_equal(m.nrepos, 2);
	assert_string_equal(m.repos[0].url, "https://x.example/simple/");
	assert_string_equal(m.repos[1].url, "/base/../wheelhouse");
	assert_int_equal(m.nbundles, 1);
	assert_string_equal(m.bundles[0].name, "Foo_Bar");
	assert_string_equal(m.bundles[0].key, "foo-bar");
	assert_int_equal(m.bundles[0].line, 8);
	assert_int_equal(m.bundles[0].nhashes, 1);
	assert_string_equal(m.bundles[0].hashes[0], H64);
	assert_non_null(manifest_find(&m, "foo-bar"));
	assert_null(manifest_find(&m, "foo"));
	assert_int_equal(m.nrun_env, 2);
	assert_string_equal(m.run_env[1].key, "B_2");
	assert_string_equal(m.run_env[1].value, "two");
	assert_int_equal(m.nrun_pass, 1);
	assert_int_equal(m.nrun_path, 1);
	assert_true(m.library_path);
	assert_true(m.safe_path);
	assert_int_equal(strlen(m.digest), 64);
	manifest_release(&m);
	strbuf_release(&err);
}

struct bad_case {
	const char *text;
	const char *where;
	const char *what;
};

static void test_errors(void **state)
{
	static const struct bad_case cases[] = {
	    {"[env]\npyton = \"3\"\n", "m.toml:2:1:", "unknown key \"pyton\" in [env]"},
	    {"colour = 1\n", "m.toml:1:1:", "unknown key \"colour\""},
	    {"[[bundle]]\nname = \"a\"\nversion = \"1\"\nhashes = [\"sha256:" H64
	     "\"]\nextra = 1\n",
	     "m.toml:5:1:", "unknown key \"extra\" in [[bundle]]"},
	    {"[[bundle]]\nname = \"a\"\nversion = \"1\"\n", "m.toml:1:", "needs hashes"},
	    {"[[bundle]]\nname = \"a\"\nhashes = []\n", "m.toml:1:", "needs a version"},
	    {"[[bundle]]\nname = \"-a\"\nversion = \"1\"\nhashes = [\"sha256:" H64 "\"]\n",
	     "m.toml:2:8:", "invalid bundle name"},
	    {"[[bundle]]\nname = \"a\"\nversion = \"1.0-x-y\"\nhashes = [\"sha256:" H64 "\"]\n",
	     "m.toml:3:11:", "invalid version"},
	    {"[[bundle]]\nname = \"a\"\nversion = \"1\"\nhashes = []\n",
	     "m.toml:4:10:", "hashes is empty"},
	    {"[[bundle]]\nname = \"a\"\nversion = \"1\"\nhashes = \"sha256:" H64 "\"\n",
	     "m.toml:4:10:", "hashes must be a array"},
	    {"[[bundle]]\nname = \"a\"\nversion = \"1\"\nhashes = [\"md5:00\"]\n",
	     "m.toml:4:11:", "malformed hash"},
	    {"[[bundle]]\nname = \"a\"\nversion = \"1\"\nhashes = [\"sha256:" H64 "\"]\n"
	     "[[bundle]]\nname = \"A\"\nversion = \"2\"\nhashes = [\"sha256:" H64 "\"]\n",
	     "m.toml:6:8:", "duplicate bundle \"A\" (first at line 2)"},
	    {"[[repository]]\nurl = \"git+https://x/\"\n", "m.toml:2:7:", "unknown scheme"},
	    {"[[repository]]\n", "m.toml:1:", "needs a url"},
	    {"[run]\nenv = { \"A-B\" = \"1\" }\n", "m.toml:2:9:", "invalid variable name"},
	    {"[run]\npath = [\"relative\"]\n", "m.toml:2:9:", "absolute directory"},
	    {"[run]\nlibrary_path = \"yes\"\n", "m.toml:2:16:", "must be a bool"},
	    {"bundle = 3\n", "m.toml:1:10:", "array of tables"},
	    {"[env]\npython = \"3\"\n[env]\n", "m.toml:3:", ""},
	};
	struct strbuf err = STRBUF_INIT;
	struct manifest m;
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = parse(cases[i].text, &m, &err);
		if (r != BURROW_EMANIFEST || !strstr(err.buf, cases[i].where) ||
		    !strstr(err.buf, cases[i].what))
			fail_msg("case %zu: got %d \"%s\"", i, r, err.buf);
		manifest_release(&m);
	}
	strbuf_release(&err);
}

static void test_add_repo(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct manifest m;
	(void)state;

	manifest_init(&m);
	assert_int_equal(manifest_add_repo(&m, "http://127.0.0.1:1/simple/", &err), 0);
	assert_int_equal(manifest_add_repo(&m, "/abs/dir", &err), 0);
	assert_int_equal(manifest_add_repo(&m, "ftp://x", &err), BURROW_EUSAGE);
	assert_int_equal(m.nrepos, 2);
	manifest_release(&m);
	strbuf_release(&err);
}

static void test_env_names(void **state)
{
	(void)state;
	assert_true(manifest_env_name_ok("A"));
	assert_true(manifest_env_name_ok("_a1"));
	assert_false(manifest_env_name_ok("1A"));
	assert_false(manifest_env_name_ok(""));
	assert_false(manifest_env_name_ok("A=B"));
	assert_false(manifest_env_name_ok("A B"));
}

/* manifest_find through the index: every one of 5,000 names, none that is
 * absent, and one name added three times found in manifest order. */
static void test_find_index(void **state)
{
	struct manifest m;
	char key[32];
	size_t i, n = 5000;
	const struct manifest_bundle *b;

	(void)state;
	manifest_init(&m);
	for (i = 0; i < n + 2; i++) {
		struct manifest_bundle nb;
		memset(&nb, 0, sizeof(nb));
		snprintf(key, sizeof(key), "p%zu", i < n ? i : (size_t)7);
		nb.key = strdup(key);
		nb.name = strdup(key);
		nb.line = (int)i + 1;
		assert_int_equal(manifest_add_bundle(&m, &nb), 0);
	}
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "p%zu", i);
		b = manifest_find(&m, key);
		assert_non_null(b);
		assert_int_equal(b->line, (int)i + 1);
	}
	assert_null(manifest_find(&m, "p5000"));
	assert_null(manifest_find(&m, "q"));
	b = manifest_find(&m, "p7");
	assert_int_equal(b->line, 8);
	b = manifest_find_next(&m, b);
	assert_non_null(b);
	assert_int_equal(b->line, (int)n + 1);
	b = manifest_find_next(&m, b);
	assert_non_null(b);
	assert_int_equal(b->line, (int)n + 2);
	assert_null(manifest_find_next(&m, b));
	assert_null(manifest_find_next(&m, manifest_find(&m, "p8")));
	manifest_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full),       cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_add_repo),   cmocka_unit_test(test_env_names),
	    cmocka_unit_test(test_find_index),
	};
	return cmocka_run_group_tests_name("manifest", tests, NULL, NULL);
}
