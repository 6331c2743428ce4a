/*
 * Unit tests: requirements.txt in hash-checking form (src/reqfile.c), and
 * that it, a pylock.toml and burrow's TOML manifest with the same pins fill
 * the model the same way.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "manifest.h"
#include "pylock.h"
#include "reqfile.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/sha256.h"

#define H1 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define H2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define H2UP "FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210"

static int parse(const char *text, struct manifest *m, struct strbuf *err)
{
	manifest_init(m);
	return reqfile_parse(text, strlen(text), "r.txt", "/base", m, 0, err);
}

static void test_basic(void **state)
{
	static const char text[] =
	    "# a lock made by hand\n"
	    "\n"
	    "Foo_Bar[extra1, extra2]==1.0 \\\n"
	    "    --hash=sha256:" H1 " \\\n"
	    "    --hash sha256:" H2UP "  # trailing comment\n"
	    "baz===2.0.post1 --hash=sha256:" H2 " --hash=sha256:" H2 "\n"
	    "  qux == 3.1 ; python_version < \"3.12\" and sys_platform == 'linux' "
	    "--hash=sha256:" H1 "\n"
	    "--require-hashes\n"
	    "--only-binary :all:\n"
	    "tab==1.0\t--hash=sha256:" H1 "\r\n"
	    "lastline==0.1 \\\n"
	    "  --hash=sha256:" H1 " \\";
	struct strbuf err = STRBUF_INIT;
	struct manifest m;
	char digest[65];
	(void)state;

	assert_int_equal(parse(text, &m, &err), 0);
	assert_string_equal(m.path, "r.txt");
	assert_int_equal(m.nbundles, 5);
	assert_int_equal(m.allow_duplicates, 0);

	assert_string_equal(m.bundles[0].name, "Foo_Bar");
	assert_string_equal(m.bundles[0].key, "foo-bar");
	assert_string_equal(m.bundles[0].version, "1.0");
	assert_int_equal(m.bundles[0].line, 3);
	assert_int_equal(m.bundles[0].column, 1);
	assert_int_equal(m.bundles[0].nhashes, 2);
	assert_string_equal(m.bundles[0].hashes[0], H1);
	assert_string_equal(m.bundles[0].hashes[1], H2);
	assert_null(m.bundles[0].marker);
	assert_null(m.bundles[0].files);

	assert_string_equal(m.bundles[1].key, "baz");
	assert_string_equal(m.bundles[1].version, "2.0.post1");
	assert_int_equal(m.bundles[1].nhashes, 1);
	assert_int_equal(m.bundles[1].line, 6);

	assert_string_equal(m.bundles[2].key, "qux");
	assert_string_equal(m.bundles[2].version, "3.1");
	assert_int_equal(m.bundles[2].line, 7);
	assert_int_equal(m.bundles[2].column, 3);
	assert_string_equal(m.bundles[2].marker,
	                    "python_version < \"3.12\" and sys_platform == 'linux'");

	assert_string_equal(m.bundles[3].key, "tab");
	assert_int_equal(m.bundles[3].line, 10);
	assert_string_equal(m.bundles[4].key, "lastline");
	assert_int_equal(m.bundles[4].line, 11);

	sha256_buffer_hex(text, strlen(text), digest);
	assert_string_equal(m.digest, digest);
	assert_int_equal(m.nrepos, 0);
	manifest_release(&m);
	strbuf_release(&err);
}

/* A comment line ends a continuation, as in pip; a comment that ends in a
 * backslash swallows the next line, as in pip. */
static void test_continuation_and_comments(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct manifest m;
	(void)state;

	assert_int_equal(
	    parse("a==1 --hash=sha256:" H1 " \\\n# note\nb==2 --hash=sha256:" H1 "\n", &m, &err),
	    0);
	assert_int_equal(m.nbundles, 2);
	assert_int_equal(m.bundles[1].line, 3);
	manifest_release(&m);

	assert_int_equal(parse("a==1 # note \\\n--hash=sha256:" H1 "\n", &m, &err),
	                 BURROW_EMANIFEST);
	assert_string_equal(err.buf, "r.txt:1:1: requirement \"a\": has no --hash "
	                             "(hash-checking mode, as pip --require-hashes)");
	manifest_release(&m);

	/* '#' inside a word is not a comment */
	assert_int_equal(parse("a==1 --hash=sha256:" H1 "#x\n", &m, &err), BURROW_EMANIFEST);
	assert_non_null(strstr(err.buf, "r.txt:1:13: requirement \"a\": malformed sha256"));
	manifest_release(&m);

	/* a BOM is skipped */
	assert_int_equal(parse("\xef\xbb\xbf"
	                       "a==1 --hash=sha256:" H1 "\n",
	                       &m, &err),
	                 0);
	assert_int_equal(m.bundles[0].column, 1);
	manifest_release(&m);
	strbuf_release(&err);
}

struct bad_case {
	const char *text;
	const char *where; /* "r.txt:L:C: " prefix */
	const char *what;
};

static void test_errors(void **state)
{
	static const struct bad_case cases[] = {
	    {"foo>=1.0 --hash=sha256:" H1,
	     "r.txt:1:1: ", "requirement \"foo\": not pinned (burrow needs name==version)"},
	    {"foo==1.* --hash=sha256:" H1, "r.txt:1:1: ", "not pinned"},
	    {"foo==1.0,>=0.9 --hash=sha256:" H1, "r.txt:1:1: ", "not pinned"},
	    {"\n  foo --hash=sha256:" H1, "r.txt:2:3: ", "not pinned"},
	    {"foo==1.0", "r.txt:1:1: ",
	     "requirement \"foo\": has no --hash (hash-checking mode, as pip --require-hashes)"},
	    {"foo==1.0 --hash=md5:0123",
	     "r.txt:1:17: ", "md5 hashes are not accepted: burrow pins sha256"},
	    {"foo==1.0 --hash=sha1:0123", "r.txt:1:17: ", "sha1 hashes are not accepted"},
	    {"foo==1.0 --hash=sha384:0123", "r.txt:1:17: ", "burrow pins sha256"},
	    {"foo==1.0 --hash=sha512:0123", "r.txt:1:17: ", "sha512 hashes are not accepted"},
	    {"foo==1.0 --hash=blake2:0123", "r.txt:1:17: ", "unknown hash algorithm \"blake2\""},
	    {"foo==1.0 --hash=sha256:abc", "r.txt:1:17: ", "malformed sha256 \"abc\""},
	    {"foo==1.0 --hash " H1, "r.txt:1:17: ", "malformed hash"},
	    {"foo==1.0 --hash=sha256:" H1 "00", "r.txt:1:17: ", "malformed sha256"},
	    {"foo==1.0 --hash", "r.txt:1:10: ", "option \"--hash\" needs a value"},
	    {"foo==1.0 \\\n  --hash=sha256:" H1 " \\\n   --hash=sha1:00",
	     "r.txt:3:11: ", "sha1 hashes are not accepted"},
	    {"-e .", "r.txt:1:1: ", "-e/--editable is not supported"},
	    {"--editable=git+https://x/y", "r.txt:1:1: ", "-e/--editable is not supported"},
	    {"-c constraints.txt", "r.txt:1:1: ", "-c/--constraint files are not supported"},
	    {"--no-binary :all:", "r.txt:1:1: ", "--no-binary is not supported"},
	    {"--trusted-host x", "r.txt:1:1: ", "burrow always verifies TLS"},
	    {"foo==1.0 --global-option=x --hash=sha256:" H1,
	     "r.txt:1:10: ", "option \"--global-option\" is not allowed on a requirement line"},
	    {"./foo-1.0-py3-none-any.whl --hash=sha256:" H1,
	     "r.txt:1:1: ", "path and URL requirements are not supported"},
	    {"https://x.example/foo-1.0-py3-none-any.whl",
	     "r.txt:1:1: ", "path and URL requirements are not supported"},
	    {"foo-1.0-py3-none-any.whl", "r.txt:1:1: ", "path and URL requirements"},
	    {"foo @ https://x.example/foo-1.0-py3-none-any.whl --hash=sha256:" H1,
	     "r.txt:1:1: ", "URL requirements (name @ url) are not supported"},
	    {"foo==1.0 --hash=sha256:" H1 "\nbar==1 --hash=sha256:" H1
	     "\nFOO==1.0 --hash=sha256:" H1,
	     "r.txt:3:1: ", "duplicate requirement \"FOO\" (first at line 1)"},
	    {"foo==1.0 ; os_name == 'posix' --hash=sha256:" H1
	     "\nfoo==2.0 ; os_name == 'posix' --hash=sha256:" H1,
	     "r.txt:2:1: ",
	     "duplicate requirement \"foo\" (first at line 1), with the same marker"},
	    {"-r other.txt", "r.txt:1:1: ", "not allowed in a pure parse"},
	    {"--unknown-thing", "r.txt:1:1: ", "unknown option \"--unknown-thing\""},
	    {"--index-url", "r.txt:1:1: ", "needs a value"},
	    {"--index-url https://a/ stray", "r.txt:1:24: ", "unexpected argument \"stray\""},
	    {"--require-hashes=yes", "r.txt:1:1: ", "takes no value"},
	    {"--hash=sha256:" H1, "r.txt:1:1: ", "--hash must follow a requirement"},
	    {"-i ftp://x.example/simple", "r.txt:1:4: ", "unknown scheme"},
	    {"--no-index\n\n--index-url https://x/",
	     "r.txt:3:1: ", "\"--index-url\" contradicts --no-index at r.txt:1"},
	    {"--extra-index-url https://x/\n--no-index",
	     "r.txt:2:1: ", "\"--no-index\" contradicts the index URL at r.txt:1"},
	    {"foo==1.0 ; bogus == '1' --hash=sha256:" H1, "r.txt:1:12: ", "invalid requirement:"},
	    {"foo==1.0 \\\n ; os_name = 'x' --hash=sha256:" H1, "r.txt:2:", "invalid requirement:"},
	    {"foo bar==1.0 --hash=sha256:" H1, "r.txt:1:5: ", "invalid requirement:"},
	    {"foo===abc --hash=sha256:" H1, "r.txt:1:1: ", "is not a PEP 440 version"},
	    {"--find-links '/x", "r.txt:1:14: ", "no closing quotation"},
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
			fail_msg("case %zu (%s): got %d \"%s\"", i, cases[i].text, r, err.buf);
		manifest_release(&m);
	}

	/* a NUL byte */
	manifest_init(&m);
	assert_int_equal(reqfile_parse("#x\nb\0c", 6, "r.txt", "/base", &m, 0, &err),
	                 BURROW_EMANIFEST);
	assert_string_equal(err.buf, "r.txt:2:2: NUL byte in a requirements file");
	manifest_release(&m);
	strbuf_release(&err);
}

static void test_markers_and_duplicates(void **state)
{
	static const char text[] = "foo==1.0 ; sys_platform == 'linux' --hash=sha256:" H1 "\n"
	                           "foo==2.0 ; sys_platform != 'linux' --hash=sha256:" H2 "\n"
	                           "bar==1 ;python_version>='3' --hash=sha256:" H1 "\n";
	struct strbuf err = STRBUF_INIT;
	struct manifest m;
	(void)state;

	assert_int_equal(parse(text, &m, &err), 0);
	assert_int_equal(m.nbundles, 3);
	assert_int_equal(m.allow_duplicates, 1);
	assert_string_equal(m.bundles[0].marker, "sys_platform == 'linux'");
	assert_string_equal(m.bundles[1].marker, "sys_platform != 'linux'");
	assert_string_equal(m.bundles[1].version, "2.0");
	assert_string_equal(m.bundles[2].marker, "python_version>='3'");
	manifest_release(&m);
	strbuf_release(&err);
}

static void test_repositories(void **state)
{
	static const char text[] = "-i https://pypi.example/simple/\n"
	                           "--extra-index-url=https://extra.example/simple/\n"
	                           "-f ./wheels\n"
	                           "--find-links=/abs/wheels --find-links ../up\n"
	                           "-fhttps://links.example/\n"
	                           "-f file:///srv/wheels\n"
	                           "--find-links \"dir with space\"\n"
	                           "--prefer-binary --pre\n";
	struct strbuf err = STRBUF_INIT;
	struct manifest m;
	(void)state;

	assert_int_equal(parse(text, &m, &err), 0);
	assert_int_equal(m.nrepos, 8);
	assert_string_equal(m.repos[0].url, "https://pypi.example/simple/");
	assert_int_equal(m.repos[0].line, 1);
	assert_int_equal(m.repos[0].column, 4);
	assert_string_equal(m.repos[1].url, "https://extra.example/simple/");
	assert_string_equal(m.repos[2].url, "/base/./wheels");
	assert_string_equal(m.repos[3].url, "/abs/wheels");
	assert_string_equal(m.repos[4].url, "/base/../up");
	assert_int_equal(m.repos[4].line, 4);
	assert_int_equal(m.repos[4].column, 39);
	assert_string_equal(m.repos[5].url, "https://links.example/");
	assert_string_equal(m.repos[6].url, "file:///srv/wheels");
	assert_string_equal(m.repos[7].url, "/base/dir with space");
	assert_int_equal(m.nbundles, 0);
	manifest_release(&m);
	strbuf_release(&err);
}

/* ---- files on disk ----------------------------------------------------- */

static char tmpdir[64];

static void write_file(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup_dir(void **state)
{
	char path[256];
	(void)state;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_reqfile.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(path, sizeof(path), "%s/sub", tmpdir);
	return mkdir(path, 0755);
}

static int teardown_dir(void **state)
{
	(void)state;
	return fs_remove_tree(AT_FDCWD, tmpdir);
}

static void test_includes(void **state)
{
	static const char top[] = "-r sub/a.txt\n"
	                          "top==1 --hash=sha256:" H1 "\n"
	                          "--requirement=sub/a.txt\n" /* reached again: read once */
	                          "-r b.txt\n";
	static const char a[] = "a==1 --hash=sha256:" H1 "\n"
	                        "-f ../wheels\n"
	                        "-r ../b.txt\n";
	static const char b[] = "b==1 --hash=sha256:" H2 "\n";
	struct strbuf err = STRBUF_INIT, all = STRBUF_INIT;
	struct manifest m;
	char path[256], digest[65], want[300];
	(void)state;

	write_file("top.txt", top);
	write_file("sub/a.txt", a);
	write_file("b.txt", b);
	snprintf(path, sizeof(path), "%s/top.txt", tmpdir);
	manifest_init(&m);
	if (reqfile_load(path, &m, &err))
		fail_msg("%s", err.buf);
	assert_string_equal(m.path, path);
	assert_int_equal(m.nbundles, 3);
	assert_string_equal(m.bundles[0].key, "a");
	assert_int_equal(m.bundles[0].line, 1);
	assert_string_equal(m.bundles[1].key, "b");
	assert_string_equal(m.bundles[2].key, "top");
	assert_int_equal(m.bundles[2].line, 2);
	assert_int_equal(m.nrepos, 1);
	snprintf(want, sizeof(want), "%s/sub/../wheels", tmpdir);
	assert_string_equal(m.repos[0].url, want);
	/* digest: the files in the order read */
	strbuf_addstr(&all, top);
	strbuf_addstr(&all, a);
	strbuf_addstr(&all, b);
	sha256_buffer_hex(all.buf, all.len, digest);
	assert_string_equal(m.digest, digest);
	manifest_release(&m);

	/* a duplicate across files names the first file */
	write_file("b.txt", "b==1 --hash=sha256:" H2 "\na==2 --hash=sha256:" H2 "\n");
	manifest_init(&m);
	assert_int_equal(reqfile_load(path, &m, &err), BURROW_EMANIFEST);
	snprintf(want, sizeof(want),
	         "%s/sub/../b.txt:2:1: duplicate requirement \"a\" (first at %s/sub/a.txt:1)",
	         tmpdir, tmpdir);
	assert_string_equal(err.buf, want);
	manifest_release(&m);

	/* a missing include points at the -r */
	write_file("b.txt", "-r\tmissing.txt\n");
	manifest_init(&m);
	assert_int_equal(reqfile_load(path, &m, &err), BURROW_EMANIFEST);
	assert_non_null(strstr(err.buf, "/sub/../b.txt:1:4: -r \""));
	assert_non_null(strstr(err.buf, "missing.txt\": cannot read: No such file or directory"));
	manifest_release(&m);

	/* a cycle: b includes the top file */
	write_file("b.txt", "b==1 --hash=sha256:" H2 "\n-r top.txt\n");
	manifest_init(&m);
	assert_int_equal(reqfile_load(path, &m, &err), BURROW_EMANIFEST);
	snprintf(want, sizeof(want),
	         "%s/sub/../b.txt:2:4: -r \"%s/sub/../top.txt\": include cycle (the file includes "
	         "itself)",
	         tmpdir, tmpdir);
	assert_string_equal(err.buf, want);
	manifest_release(&m);

	/* a file that includes itself */
	write_file("b.txt", "-r ./b.txt\n");
	manifest_init(&m);
	assert_int_equal(reqfile_load(path, &m, &err), BURROW_EMANIFEST);
	assert_non_null(strstr(err.buf, "include cycle"));
	manifest_release(&m);

	/* the top file missing */
	snprintf(path, sizeof(path), "%s/nope.txt", tmpdir);
	manifest_init(&m);
	assert_int_equal(reqfile_load(path, &m, &err), BURROW_EUSAGE);
	assert_non_null(strstr(err.buf, "nope.txt: cannot read requirements file"));
	manifest_release(&m);
	strbuf_release(&all);
	strbuf_release(&err);
}

static void test_include_depth(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct manifest m;
	char name[64], text[128], path[256];
	int i;
	(void)state;

	/* d0 -> d1 -> ... -> d17: 17 nested includes, one too many */
	for (i = 0; i <= REQFILE_MAX_DEPTH + 1; i++) {
		snprintf(name, sizeof(name), "d%d.txt", i);
		if (i <= REQFILE_MAX_DEPTH)
			snprintf(text, sizeof(text), "-r d%d.txt\n", i + 1);
		else
			snprintf(text, sizeof(text), "x==1 --hash=sha256:" H1 "\n");
		write_file(name, text);
	}
	snprintf(path, sizeof(path), "%s/d0.txt", tmpdir);
	manifest_init(&m);
	assert_int_equal(reqfile_load(path, &m, &err), BURROW_EMANIFEST);
	assert_non_null(strstr(err.buf, "d16.txt:1:1: -r includes nested deeper than 16 files"));
	manifest_release(&m);

	/* 16 deep is fine */
	write_file("d16.txt", "x==1 --hash=sha256:" H1 "\n");
	manifest_init(&m);
	assert_int_equal(reqfile_load(path, &m, &err), 0);
	assert_int_equal(m.nbundles, 1);
	manifest_release(&m);
	strbuf_release(&err);
}

/* The same pins as requirements.txt, pylock.toml and burrow's manifest. */
static void test_same_pins(void **state)
{
	static const char req[] = "flask==3.0.3 --hash=sha256:" H1 "\n"
	                          "Werkzeug==3.0.1 \\\n"
	                          "  --hash=sha256:" H2UP " \\\n"
	                          "  --hash=sha256:" H1 "\n";
	static const char lock[] =
	    "lock-version = \"1.0\"\ncreated-by = \"hand\"\n"
	    "[[packages]]\nname = \"flask\"\nversion = \"3.0.3\"\n"
	    "wheels = [{url = \"https://f.example/flask-3.0.3-py3-none-any.whl\", hashes = {sha256 "
	    "= \"" H1 "\"}}]\n"
	    "[[packages]]\nname = \"werkzeug\"\nversion = \"3.0.1\"\n"
	    "[[packages.wheels]]\nurl = \"https://f.example/werkzeug-3.0.1-py3-none-any.whl\"\n"
	    "hashes = {sha256 = \"" H2 "\"}\n"
	    "[[packages.wheels]]\nurl = \"https://f.example/werkzeug-3.0.1-cp311-none-any.whl\"\n"
	    "hashes = {sha256 = \"" H1 "\", md5 = \"00\"}\n";
	static const char toml[] = "[[bundle]]\nname = \"flask\"\nversion = \"3.0.3\"\n"
	                           "hashes = [\"sha256:" H1 "\"]\n"
	                           "[[bundle]]\nname = \"Werkzeug\"\nversion = \"3.0.1\"\n"
	                           "hashes = [\"sha256:" H2 "\", \"sha256:" H1 "\"]\n";
	struct strbuf err = STRBUF_INIT;
	struct manifest a, b, c;
	size_t i, j;
	(void)state;

	manifest_init(&a);
	manifest_init(&b);
	manifest_init(&c);
	assert_int_equal(reqfile_parse(req, strlen(req), "r.txt", "/base", &a, 0, &err), 0);
	assert_int_equal(pylock_parse(lock, strlen(lock), "pylock.toml", "/base", &b, &err), 0);
	assert_int_equal(manifest_parse(toml, strlen(toml), "m.toml", "/base", &c, &err), 0);
	assert_int_equal(a.nbundles, 2);
	assert_int_equal(b.nbundles, 2);
	assert_int_equal(c.nbundles, 2);
	for (i = 0; i < 2; i++) {
		assert_string_equal(a.bundles[i].key, b.bundles[i].key);
		assert_string_equal(a.bundles[i].key, c.bundles[i].key);
		assert_string_equal(a.bundles[i].version, b.bundles[i].version);
		assert_string_equal(a.bundles[i].version, c.bundles[i].version);
		assert_int_equal(a.bundles[i].nhashes, b.bundles[i].nhashes);
		assert_int_equal(a.bundles[i].nhashes, c.bundles[i].nhashes);
		for (j = 0; j < a.bundles[i].nhashes; j++) {
			assert_string_equal(a.bundles[i].hashes[j], b.bundles[i].hashes[j]);
			assert_string_equal(a.bundles[i].hashes[j], c.bundles[i].hashes[j]);
		}
		assert_null(a.bundles[i].marker);
		assert_null(b.bundles[i].marker);
		assert_int_equal(a.allow_duplicates, b.allow_duplicates);
	}
	assert_int_equal(b.bundles[1].nfiles, 2);
	manifest_release(&a);
	manifest_release(&b);
	manifest_release(&c);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic),
	    cmocka_unit_test(test_continuation_and_comments),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_markers_and_duplicates),
	    cmocka_unit_test(test_repositories),
	    cmocka_unit_test_setup_teardown(test_includes, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(test_include_depth, setup_dir, teardown_dir),
	    cmocka_unit_test(test_same_pins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
