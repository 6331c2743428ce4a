/*
 * Unit tests: PEP 751 pylock.toml into the manifest model (src/pylock.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "manifest.h"
#include "pylock.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/sha256.h"

#define H1 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define H2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define H2UP "FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210"

#define HEAD "lock-version = \"1.0\"\ncreated-by = \"test\"\n"

static int parse(const char *text, struct manifest *m, struct strbuf *err)
{
	manifest_init(m);
	return pylock_parse(text, strlen(text), "pylock.toml", "/base", m, err);
}

static void test_full(void **state)
{
	static const char text[] =
	    "lock-version = \"1.0\"\n"
	    "created-by = \"uv\"\n"
	    "requires-python = \">=3.9\"\n"
	    "environments = [\"sys_platform == 'linux'\", \"sys_platform == 'darwin'\"]\n"
	    "extras = []\ndependency-groups = [\"dev\"]\ndefault-groups = []\n"
	    "[tool.uv]\nanything = { goes = 1 }\n"
	    "\n"
	    "[[packages]]\n"
	    "name = \"flask\"\n"
	    "version = \"3.0.3\"\n"
	    "index = \"https://pypi.org/simple\"\n"
	    "requires-python = \">=3.8\"\n"
	    "dependencies = [{name = \"werkzeug\"}]\n"
	    "sdist = {name = \"flask-3.0.3.tar.gz\", url = "
	    "\"https://f.example/flask-3.0.3.tar.gz\", "
	    "hashes = {sha256 = \"" H2 "\"}}\n"
	    "wheels = [\n"
	    "  {url = \"https://f.example/packages/flask-3.0.3-py3-none-any.whl?x=1#frag\", "
	    "upload-time = 2024-04-07T19:26:08.569Z, size = 101735, hashes = {sha256 = \"" H1
	    "\", md5 = \"00\"}},\n"
	    "]\n"
	    "[packages.tool.pdm]\nx = 1\n"
	    "\n"
	    "[[packages]]\n"
	    "name = \"local-thing\"\n"
	    "version = \"1.0+local.7\"\n"
	    "marker = \"python_version >= '3.9' and os_name == \\\"posix\\\"\"\n"
	    "[[packages.wheels]]\n"
	    "path = \"wheels/local_thing-1.0+local.7-py3-none-any.whl\"\n"
	    "hashes = {sha256 = \"" H2UP "\"}\n"
	    "[[packages.wheels]]\n"
	    "name = \"local_thing-1.0+local.7-cp311-cp311-manylinux_2_17_x86_64.whl\"\n"
	    "url = \"https://f.example/x/download?id=7\"\n"
	    "hashes = {sha256 = \"" H1 "\"}\n"
	    "[[packages.wheels]]\n"
	    "url = \"https://f.example/local_thing-1.0%2Blocal.7-cp312-cp312-linux_x86_64.whl\"\n"
	    "hashes = {sha256 = \"" H1 "\"}\n"
	    "[[packages.wheels]]\n"
	    "path = \"/abs/dir with space/local_thing-1.0+local.7-py2-none-any.whl\"\n"
	    "hashes = {sha256 = \"" H2 "\"}\n";
	struct strbuf err = STRBUF_INIT;
	struct manifest m;
	const struct manifest_bundle *b;
	char digest[65];
	(void)state;

	if (parse(text, &m, &err))
		fail_msg("%s", err.buf);
	assert_string_equal(m.path, "pylock.toml");
	assert_string_equal(m.requires_python, ">=3.9");
	sha256_buffer_hex(text, strlen(text), digest);
	assert_string_equal(m.digest, digest);
	assert_int_equal(m.allow_duplicates, 0);
	assert_int_equal(m.nrepos, 0);
	assert_int_equal(m.nbundles, 2);
	/* what --extra and --group may select */
	assert_int_equal(m.is_lock, 1);
	assert_int_equal(m.nlock_extras, 0);
	assert_int_equal(m.nlock_groups, 1);
	assert_string_equal(m.lock_groups[0], "dev");
	assert_int_equal(m.ndefault_groups, 0);

	b = &m.bundles[0];
	assert_string_equal(b->name, "flask");
	assert_string_equal(b->key, "flask");
	assert_string_equal(b->version, "3.0.3");
	assert_int_equal(b->line, 12);
	assert_int_equal(b->column, 1);
	assert_null(b->marker);
	assert_string_equal(b->requires_python, ">=3.8");
	assert_int_equal(b->nhashes, 1);
	assert_string_equal(b->hashes[0], H1);
	assert_int_equal(b->nfiles, 1);
	assert_string_equal(b->files[0].url,
	                    "https://f.example/packages/flask-3.0.3-py3-none-any.whl?x=1#frag");
	assert_string_equal(b->files[0].filename, "flask-3.0.3-py3-none-any.whl");
	assert_string_equal(b->files[0].sha256, H1);
	assert_int_equal(b->files[0].size, 101735);

	b = &m.bundles[1];
	assert_string_equal(b->key, "local-thing");
	assert_string_equal(b->version, "1.0+local.7");
	assert_string_equal(b->marker, "python_version >= '3.9' and os_name == \"posix\"");
	assert_null(b->requires_python);
	assert_int_equal(b->nhashes, 2);
	assert_string_equal(b->hashes[0], H2);
	assert_string_equal(b->hashes[1], H1);
	assert_int_equal(b->nfiles, 4);
	assert_string_equal(b->files[0].url,
	                    "file:///base/wheels/local_thing-1.0%2Blocal.7-py3-none-any.whl");
	assert_string_equal(b->files[0].filename, "local_thing-1.0+local.7-py3-none-any.whl");
	assert_string_equal(b->files[0].sha256, H2);
	assert_int_equal(b->files[0].size, -1);
	assert_string_equal(b->files[1].url, "https://f.example/x/download?id=7");
	assert_string_equal(b->files[1].filename,
	                    "local_thing-1.0+local.7-cp311-cp311-manylinux_2_17_x86_64.whl");
	assert_string_equal(b->files[2].filename,
	                    "local_thing-1.0+local.7-cp312-cp312-linux_x86_64.whl");
	assert_string_equal(
	    b->files[3].url,
	    "file:///abs/dir%20with%20space/local_thing-1.0%2Blocal.7-py2-none-any.whl");
	manifest_release(&m);
	strbuf_release(&err);
}

static void test_duplicates_by_marker(void **state)
{
	static const char text[] =
	    HEAD "[[packages]]\nname = \"numpy\"\nversion = \"1.26.4\"\n"
	         "marker = \"python_version < '3.12'\"\n"
	         "wheels = [{url = \"https://x/numpy-1.26.4-cp311-cp311-linux_x86_64.whl\", "
	         "hashes = {sha256 = \"" H1 "\"}}]\n"
	         "[[packages]]\nname = \"numpy\"\nversion = \"2.0.0\"\n"
	         "marker = \"python_version >= '3.12'\"\n"
	         "wheels = [{url = \"https://x/numpy-2.0.0-cp312-cp312-linux_x86_64.whl\", "
	         "hashes = {sha256 = \"" H2 "\"}}]\n";
	struct strbuf err = STRBUF_INIT;
	struct manifest m;
	(void)state;

	if (parse(text, &m, &err))
		fail_msg("%s", err.buf);
	assert_int_equal(m.nbundles, 2);
	assert_int_equal(m.allow_duplicates, 1);
	assert_string_equal(m.bundles[1].version, "2.0.0");
	assert_string_equal(m.bundles[1].marker, "python_version >= '3.12'");
	manifest_release(&m);
	strbuf_release(&err);
}

/* Unknown keys: errors with lock-version 1.0, ignored with a newer minor. */
static void test_unknown_keys(void **state)
{
	static const char body[] = "future-key = 1\n"
	                           "[[packages]]\nname = \"a\"\nversion = \"1\"\nnew-thing = true\n"
	                           "wheels = [{url = \"https://x/a-1-py3-none-any.whl\", "
	                           "hashes = {sha256 = \"" H1 "\"}, mirror = \"y\"}]\n";
	struct strbuf err = STRBUF_INIT, t = STRBUF_INIT;
	struct manifest m;
	(void)state;

	strbuf_addstr(&t, "lock-version = \"1.0\"\ncreated-by = \"x\"\n");
	strbuf_addstr(&t, body);
	assert_int_equal(parse(t.buf, &m, &err), BURROW_EMANIFEST);
	assert_string_equal(err.buf, "pylock.toml:3:1: unknown key \"future-key\" in the lock file "
	                             "(lock-version 1.0; tool data belongs in [tool])");
	manifest_release(&m);

	strbuf_reset(&t);
	strbuf_addstr(&t, "lock-version = \"1.3\"\ncreated-by = \"x\"\n");
	strbuf_addstr(&t, body);
	if (parse(t.buf, &m, &err))
		fail_msg("%s", err.buf);
	assert_int_equal(m.nbundles, 1);
	assert_int_equal(m.bundles[0].nfiles, 1);
	manifest_release(&m);
	strbuf_release(&t);
	strbuf_release(&err);
}

struct bad_case {
	const char *text;
	const char *where; /* "pylock.toml:L:C: " prefix */
	const char *what;
};

#define WHEEL(name) "wheels = [{url = \"https://x/" name "\", hashes = {sha256 = \"" H1 "\"}}]\n"
#define PKG "[[packages]]\nname = \"a\"\nversion = \"1.0\"\n"

static void test_errors(void **state)
{
	static const struct bad_case cases[] = {
	    {"created-by = \"x\"\npackages = []\n", "pylock.toml:1:1: ", "lock-version is missing"},
	    {"lock-version = \"2.0\"\ncreated-by = \"x\"\npackages = []\n", "pylock.toml:1:16: ",
	     "lock-version \"2.0\" is not supported (burrow reads lock-version 1.x)"},
	    {"lock-version = \"1\"\ncreated-by = \"x\"\npackages = []\n",
	     "pylock.toml:1:16: ", "is not MAJOR.MINOR"},
	    {"lock-version = 1.0\ncreated-by = \"x\"\npackages = []\n",
	     "pylock.toml:1:16: ", "lock-version must be a string, not a float"},
	    {"lock-version = \"1.0\"\npackages = []\n",
	     "pylock.toml:1:1: ", "created-by is missing"},
	    {HEAD, "pylock.toml:1:1: ", "[[packages]] is missing"},
	    {HEAD "packages = 3\n", "pylock.toml:3:12: ", "packages must be an array of tables"},
	    {HEAD "requires-python = \">=3.x\"\npackages = []\n",
	     "pylock.toml:3:19: ", "invalid requires-python"},
	    {HEAD "environments = [\"bogus_var == '1'\"]\npackages = []\n",
	     "pylock.toml:3:17: ", "invalid environment marker"},
	    {HEAD "[[packages]]\nversion = \"1\"\n",
	     "pylock.toml:3:1: ", "[[packages]] needs a name"},
	    {HEAD "[[packages]]\nname = \"Foo_Bar\"\nversion = \"1\"\n" WHEEL(
	         "foo_bar-1-py3-none-any.whl"),
	     "pylock.toml:4:8: ",
	     "package name \"Foo_Bar\" is not normalized (PEP 751: write "
	     "\"foo-bar\")"},
	    {HEAD "[[packages]]\nname = \"-x\"\n", "pylock.toml:4:8: ", "invalid package name"},
	    {HEAD "[[packages]]\nname = \"a\"\n" WHEEL("a-1-py3-none-any.whl"),
	     "pylock.toml:4:1: ", "package \"a\" has no version (burrow needs a pin)"},
	    {HEAD PKG "version2 = 1\n", "pylock.toml:6:1: ", "unknown key \"version2\""},
	    {HEAD PKG, "pylock.toml:4:1: ", "package \"a\" locks no wheels"},
	    {HEAD PKG "sdist = {url = \"https://x/a-1.0.tar.gz\", hashes = {sha256 = \"" H1
	              "\"}}\n",
	     "pylock.toml:6:1: ",
	     "package \"a\": only an sdist is locked; burrow installs wheels only and never "
	     "builds"},
	    {HEAD PKG "sdist = {url = \"https://x/a-1.0.tar.gz\", hashes = {sha256 = \"" H1 "\"}}\n"
	              "wheels = []\n",
	     "pylock.toml:6:1: ", "only an sdist is locked"},
	    {HEAD "[[packages]]\nname = \"a\"\n[packages.vcs]\ntype = \"git\"\nurl = "
	          "\"https://x/a.git\"\ncommit-id = \"abc\"\n",
	     "pylock.toml:5:11: ",
	     "package \"a\": a vcs source is locked; burrow installs wheels "
	     "only and never builds"},
	    {HEAD "[[packages]]\nname = \"a\"\ndirectory = {path = \".\"}\n",
	     "pylock.toml:5:1: ", "a directory source is locked"},
	    {HEAD PKG "archive = {url = \"https://x/a.zip\", hashes = {sha256 = \"" H1 "\"}}\n",
	     "pylock.toml:6:1: ", "an archive is locked"},
	    {HEAD PKG "archive = {path = \"a.zip\", hashes = {sha256 = \"" H1
	              "\"}}\n" WHEEL("a-1.0-py3-none-any.whl"),
	     "pylock.toml:6:1: ", "an archive and sdist/wheels together"},
	    {HEAD PKG "wheels = [{url = \"https://x/a-1.0-py3-none-any.whl\"}]\n",
	     "pylock.toml:6:11: ", "wheel \"a-1.0-py3-none-any.whl\" has no hashes"},
	    {HEAD PKG "wheels = [{url = \"https://x/a-1.0-py3-none-any.whl\", hashes = {}}]\n",
	     "pylock.toml:6:63: ", "has no sha256 hash (burrow pins sha256)"},
	    {HEAD PKG "wheels = [{url = \"https://x/a-1.0-py3-none-any.whl\", hashes = {sha512 = "
	              "\"00\"}}]\n",
	     "pylock.toml:6:63: ", "has no sha256 hash"},
	    {HEAD PKG "wheels = [{url = \"https://x/a-1.0-py3-none-any.whl\", hashes = {sha256 = "
	              "\"00\"}}]\n",
	     "pylock.toml:6:73: ", "malformed sha256"},
	    {HEAD PKG "wheels = [{url = \"https://x/a-1.0-py3-none-any.whl\", hashes = {sha256 = "
	              "\"" H1 "\"}, size = -1}]\n",
	     "pylock.toml:6:149: ", "wheel size is negative"},
	    {HEAD PKG "wheels = [{hashes = {sha256 = \"" H1 "\"}}]\n",
	     "pylock.toml:6:11: ", "a wheel needs a url or a path"},
	    {HEAD PKG WHEEL("b-1.0-py3-none-any.whl"),
	     "pylock.toml:6:18: ", "wheel \"b-1.0-py3-none-any.whl\" is for another project"},
	    {HEAD PKG WHEEL("a-1.1-py3-none-any.whl"),
	     "pylock.toml:6:18: ", "wheel \"a-1.1-py3-none-any.whl\" is not version 1.0"},
	    {HEAD PKG WHEEL("a-1.0.tar.gz"), "pylock.toml:6:18: ", "is not a wheel file name"},
	    {HEAD PKG WHEEL(""), "pylock.toml:6:18: ", "\"\" is not a wheel file name"},
	    {HEAD PKG
	     "wheels = [{url = \"ftp://x/a-1.0-py3-none-any.whl\", hashes = {sha256 = \"" H1
	     "\"}}]\n",
	     "pylock.toml:6:18: ", "unknown scheme"},
	    {HEAD PKG "marker = \"extra == 'x'\"\n" WHEEL("a-1.0-py3-none-any.whl"),
	     "pylock.toml:6:10: ", "the \"extra\" variable is not valid in a lock (PEP 751)"},
	    {HEAD PKG "marker = \"os_name\"\n" WHEEL("a-1.0-py3-none-any.whl"),
	     "pylock.toml:6:10: ", "invalid package marker"},
	    {HEAD PKG "version = \"1.0\"\n", "pylock.toml:6:1: ", "duplicate key"},
	    {HEAD "[[packages]]\nname = \"a\"\nversion = \"x.y\"\n" WHEEL("a-1.0-py3-none-any.whl"),
	     "pylock.toml:5:11: ", "invalid version \"x.y\" (not PEP 440)"},
	    {HEAD PKG WHEEL("a-1.0-py3-none-any.whl") PKG WHEEL("a-1.0-py3-none-any.whl"),
	     "pylock.toml:8:8: ", "duplicate package \"a\" (first at line 4); give each a marker"},
	    {HEAD PKG "upload-time = \"yesterday\"\n" WHEEL("a-1.0-py3-none-any.whl"),
	     "pylock.toml:6:1: ", "unknown key \"upload-time\" in [[packages]]"},
	    {HEAD PKG "wheels = [{upload-time = \"x\", url = \"https://x/a-1.0-py3-none-any.whl\", "
	              "hashes = {sha256 = \"" H1 "\"}}]\n",
	     "pylock.toml:6:26: ", "upload-time must be a date-time, not a string"},
	    {HEAD PKG "attestation-identities = [{x = 1}]\n" WHEEL("a-1.0-py3-none-any.whl"),
	     "pylock.toml:6:27: ", "an attestation identity must be a table with a kind string"},
	    {HEAD PKG "wheels = 1\n", "pylock.toml:6:10: ", "wheels must be an array of tables"},
	    {HEAD "packages = [1]\n", "pylock.toml:3:13: ", "packages entries must be tables"},
	    {"lock-version = \"1.0\"\n[[x]\n", "pylock.toml:2:", ""},
	};
	struct strbuf err = STRBUF_INIT;
	struct manifest m;
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = parse(cases[i].text, &m, &err);
		if (r != BURROW_EMANIFEST ||
		    strncmp(err.buf, cases[i].where, strlen(cases[i].where)) ||
		    !strstr(err.buf, cases[i].what))
			fail_msg("case %zu: got %d \"%s\"", i, r, err.buf);
		manifest_release(&m);
	}
	strbuf_release(&err);
}

static void test_load(void **state)
{
	char dir[64], path[128], want[256];
	struct strbuf err = STRBUF_INIT;
	struct manifest m;
	FILE *f;
	(void)state;

	snprintf(dir, sizeof(dir), "/tmp/test_pylock.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pylock.toml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(HEAD PKG "wheels = [{path = \"../w/a-1.0-py3-none-any.whl\", hashes = {sha256 = \"" H1
	               "\"}}]\n",
	      f);
	fclose(f);
	manifest_init(&m);
	if (pylock_load(path, &m, &err))
		fail_msg("%s", err.buf);
	snprintf(want, sizeof(want), "file://%s/../w/a-1.0-py3-none-any.whl", dir);
	assert_string_equal(m.bundles[0].files[0].url, want);
	assert_string_equal(m.path, path);
	manifest_release(&m);

	snprintf(path, sizeof(path), "%s/missing.toml", dir);
	manifest_init(&m);
	assert_int_equal(pylock_load(path, &m, &err), BURROW_EUSAGE);
	assert_non_null(strstr(err.buf, "missing.toml: cannot read lock file"));
	manifest_release(&m);
	assert_int_equal(fs_remove_tree(AT_FDCWD, dir), 0);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full),         cmocka_unit_test(test_duplicates_by_marker),
	    cmocka_unit_test(test_unknown_keys), cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
