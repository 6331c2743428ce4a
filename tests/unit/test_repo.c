/*
 * test_repo: PEP 503 HTML and PEP 691 JSON project pages, flat folders,
 * the static index writer, and repo_list over a local index and over http
 * (tests/e2e/badserver.py --root on loopback).  Runs from the repository
 * root; BADSERVER overrides the script path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fetch.h"
#include "repo.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/sha256.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define H64A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define H64U "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"

static const char page_html[] =
    "<!DOCTYPE html><html><head>"
    "<meta name=\"pypi:repository-version\" content=\"1.1\"></head><body>\n"
    "<a href=\"../../packages/flask-3.0.3-py3-none-any.whl#sha256=" H64U "\""
    " data-requires-python=\"&gt;=3.8\">flask-3.0.3-py3-none-any.whl</a>\n"
    "<a href=\"https://files.example/flask-2.0.0-py3-none-any.whl#md5=123\" data-yanked>x</a>\n"
    "<A HREF=\"flask-1.0-py3-none-any.whl?x=1#sha256=zz\" data-yanked=\"broken &amp; bad\">x</a>\n"
    "<a href=\"flask-3.0.3.tar.gz\">sdist</a>\n"
    "<a href=\"javascript:alert(1)\">js</a>\n"
    "<a href=\"file:///etc/flask-1.0-py3-none-any.whl\">local</a>\n"
    "<a href=\"flask%2B-1.0-py3-none-any.whl\">bad name</a>\n"
    "<a href=\"a%2Fflask-1.0-py3-none-any.whl\">slash</a>\n"
    "<a href=\"sub dir/flask-0.1-py3-none-any.whl\">space</a>\n"
    "<a>no href</a>\n"
    "</body></html>\n";

static void test_html(void **state)
{
	struct repo_files f = {0};
	struct strbuf err = STRBUF_INIT;

	(void)state;
	assert_int_equal(repo_parse_html(page_html, strlen(page_html),
	                                 "https://example.org/simple/flask/", &f, &err),
	                 0);
	assert_int_equal(f.len, 4);
	assert_string_equal(f.items[0].filename, "flask-3.0.3-py3-none-any.whl");
	assert_string_equal(f.items[0].url,
	                    "https://example.org/packages/flask-3.0.3-py3-none-any.whl");
	assert_string_equal(f.items[0].sha256, H64A);
	assert_string_equal(f.items[0].requires_python, ">=3.8");
	assert_int_equal(f.items[0].yanked, 0);
	assert_int_equal(f.items[0].size, -1);

	assert_string_equal(f.items[1].url, "https://files.example/flask-2.0.0-py3-none-any.whl");
	assert_string_equal(f.items[1].sha256, "");
	assert_int_equal(f.items[1].yanked, 1);
	assert_null(f.items[1].yank_reason);
	assert_null(f.items[1].requires_python);

	assert_string_equal(f.items[2].url,
	                    "https://example.org/simple/flask/flask-1.0-py3-none-any.whl?x=1");
	assert_string_equal(f.items[2].sha256, "");
	assert_int_equal(f.items[2].yanked, 1);
	assert_string_equal(f.items[2].yank_reason, "broken & bad");

	assert_string_equal(
	    f.items[3].url,
	    "https://example.org/simple/flask/sub%20dir/flask-0.1-py3-none-any.whl");
	repo_files_release(&f);
	assert_int_equal(f.len, 0);

	/* the same page read from disk may point at file:// links */
	assert_int_equal(repo_parse_html(page_html, strlen(page_html),
	                                 "file:///srv/simple/flask/index.html", &f, &err),
	                 0);
	assert_int_equal(f.len, 5);
	assert_string_equal(f.items[0].url, "file:///srv/packages/flask-3.0.3-py3-none-any.whl");
	assert_string_equal(f.items[3].url, "file:///etc/flask-1.0-py3-none-any.whl");
	repo_files_release(&f);

	/* no base: absolute links only */
	assert_int_equal(repo_parse_html(page_html, strlen(page_html), NULL, &f, &err), 0);
	assert_int_equal(f.len, 1);
	repo_files_release(&f);
	strbuf_release(&err);
}

static void test_html_base_and_version(void **state)
{
	static const char base[] = "<html><head><base href=\"https://cdn.example/dist/\">"
	                           "<base href=\"https://evil.example/\"></head><body>"
	                           "<a href=\"x-1.0-py3-none-any.whl#sha256=" H64A "\">x</a>"
	                           "<a href=\"/y-1.0-any.tar.gz\">y</a></body></html>";
	static const char relbase[] = "<base href=\"../files/\"><a href=\"x-1.0-any.tar.xz\">x</a>";
	static const char v2[] =
	    "<meta name=\"pypi:repository-version\" content=\"2.0\"><a href=\"x-1.0-any.tar.gz\">";
	struct repo_files f = {0};
	struct strbuf err = STRBUF_INIT;

	(void)state;
	assert_int_equal(
	    repo_parse_html(base, strlen(base), "https://example.org/simple/x/", &f, &err), 0);
	assert_int_equal(f.len, 2);
	assert_string_equal(f.items[0].url, "https://cdn.example/dist/x-1.0-py3-none-any.whl");
	assert_string_equal(f.items[1].url, "https://cdn.example/y-1.0-any.tar.gz");
	repo_files_release(&f);

	assert_int_equal(
	    repo_parse_html(relbase, strlen(relbase), "https://example.org/simple/x/", &f, &err),
	    0);
	assert_int_equal(f.len, 1);
	assert_string_equal(f.items[0].url, "https://example.org/simple/files/x-1.0-any.tar.xz");
	repo_files_release(&f);

	assert_int_equal(
	    repo_parse_html(v2, strlen(v2), "https://u:pw@example.org/simple/x/", &f, &err),
	    BURROW_ERESOLVE);
	assert_non_null(strstr(err.buf, "unsupported repository version \"2.0\""));
	assert_null(strstr(err.buf, "pw"));
	repo_files_release(&f);

	/* empty and junk pages list nothing */
	assert_int_equal(repo_parse_html("", 0, NULL, &f, &err), 0);
	assert_int_equal(repo_parse_html("\0\xff<<<a href=", 12, NULL, &f, &err), 0);
	assert_int_equal(f.len, 0);
	strbuf_release(&err);
}

static const char page_json[] =
    "{\"meta\":{\"api-version\":\"1.1\",\"_x\":1},\"name\":\"flask\",\"versions\":[\"3.0.3\"],"
    "\"files\":["
    "{\"filename\":\"flask-3.0.3-py3-none-any.whl\",\"url\":\"../../p/"
    "flask-3.0.3-py3-none-any.whl\","
    "\"hashes\":{\"sha256\":\"" H64U "\",\"md5\":\"x\"},\"requires-python\":\">=3.8\","
    "\"yanked\":false,\"size\":1337,\"core-metadata\":{\"sha256\":\"" H64A "\"}},"
    "{\"filename\":\"flask-2.0-py3-none-any.whl\",\"url\":\"https://f.example/a.whl\","
    "\"hashes\":{},\"yanked\":\"security hole\",\"requires-python\":null},"
    "{\"filename\":\"flask-1.0-py3-none-any.whl\",\"url\":\"/f/flask-1.0-py3-none-any.whl\","
    "\"hashes\":{},\"yanked\":true},"
    "{\"filename\":\"flask-1.0.tar.gz\",\"url\":\"x.tar.gz\",\"hashes\":{}},"
    "{\"filename\":\"flask-0.9-py3-none-any.whl\",\"url\":\"file:///etc/passwd\",\"hashes\":{}},"
    "{\"filename\":\"flask-0.8-py3-none-any.whl\",\"url\":\"x.whl\",\"hashes\":{\"sha256\":\"12\"}}"
    "]}\n";

static void test_json(void **state)
{
	struct repo_files f = {0};
	struct strbuf err = STRBUF_INIT;

	(void)state;
	assert_int_equal(repo_parse_json(page_json, strlen(page_json),
	                                 "https://example.org/simple/flask/", &f, &err),
	                 0);
	assert_int_equal(f.len, 3);
	assert_string_equal(f.items[0].filename, "flask-3.0.3-py3-none-any.whl");
	assert_string_equal(f.items[0].url, "https://example.org/p/flask-3.0.3-py3-none-any.whl");
	assert_string_equal(f.items[0].sha256, H64A);
	assert_string_equal(f.items[0].requires_python, ">=3.8");
	assert_int_equal(f.items[0].size, 1337);
	assert_int_equal(f.items[0].yanked, 0);
	assert_int_equal(f.items[1].yanked, 1);
	assert_string_equal(f.items[1].yank_reason, "security hole");
	assert_null(f.items[1].requires_python);
	assert_int_equal(f.items[1].size, -1);
	assert_int_equal(f.items[2].yanked, 1);
	assert_null(f.items[2].yank_reason);
	assert_string_equal(f.items[2].url, "https://example.org/f/flask-1.0-py3-none-any.whl");
	repo_files_release(&f);
	strbuf_release(&err);
}

/* PEP 658/714: which files have a .metadata beside them, and its hash. */
static void test_metadata_attrs(void **state)
{
	static const char *const html =
	    "<html><body>"
	    "<a href=\"a-1.0-py3-none-any.whl\" data-core-metadata=\"sha256=" H64A "\">a</a>"
	    "<a href=\"b-1.0-py3-none-any.whl\" data-dist-info-metadata=\"true\">b</a>"
	    "<a href=\"c-1.0-py3-none-any.whl\" data-dist-info-metadata=\"sha512=ab\">c</a>"
	    "<a href=\"d-1.0-py3-none-any.whl\">d</a>"
	    "</body></html>";
	static const char *const json =
	    "{\"meta\":{\"api-version\":\"1.1\"},\"files\":["
	    "{\"filename\":\"a-1.0-py3-none-any.whl\",\"url\":\"a.whl\",\"hashes\":{},"
	    "\"core-metadata\":{\"sha256\":\"" H64A "\"}},"
	    "{\"filename\":\"b-1.0-py3-none-any.whl\",\"url\":\"b.whl\",\"hashes\":{},"
	    "\"dist-info-metadata\":true},"
	    "{\"filename\":\"c-1.0-py3-none-any.whl\",\"url\":\"c.whl\",\"hashes\":{},"
	    "\"core-metadata\":false},"
	    "{\"filename\":\"d-1.0-py3-none-any.whl\",\"url\":\"d.whl\",\"hashes\":{}}]}";
	struct repo_files f = {0};
	struct strbuf err = STRBUF_INIT;
	size_t i;

	(void)state;
	assert_int_equal(repo_parse_html(html, strlen(html), "https://e.org/simple/a/", &f, &err),
	                 0);
	assert_int_equal(repo_parse_json(json, strlen(json), "https://e.org/simple/a/", &f, &err),
	                 0);
	assert_int_equal(f.len, 8);
	for (i = 0; i < 8; i += 4) {
		assert_int_equal(f.items[i].metadata, 1);
		assert_string_equal(f.items[i].metadata_sha256, H64A);
		assert_int_equal(f.items[i + 1].metadata, 1);
		assert_string_equal(f.items[i + 1].metadata_sha256, "");
		assert_int_equal(f.items[i + 3].metadata, 0);
	}
	assert_int_equal(f.items[2].metadata, 1); /* served, hash unusable */
	assert_string_equal(f.items[2].metadata_sha256, "");
	assert_int_equal(f.items[6].metadata, 0); /* false */
	repo_files_release(&f);
	strbuf_release(&err);
}

static void test_json_errors(void **state)
{
	static const char *const bad[] = {
	    "",
	    "{",
	    "[]",
	    "{\"meta\":{\"api-version\":\"1.0\"}}",
	    "{\"files\":{}}",
	    "{\"files\":[1]}",
	    "{\"files\":[{\"filename\":\"x-1.0-any.tar.gz\"}]}",
	    "{\"files\":[{\"filename\":\"x-1.0-any.tar.gz\",\"url\":\"x\",\"yanked\":1}]}",
	    "{\"files\":[]} x",
	    "{\"files\":[],}",
	    "{\"meta\":{\"api-version\":\"2.0\"},\"files\":[]}",
	    "{\"meta\":{\"api-version\":2},\"files\":[]}",
	    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]"
	    "]]"
	    "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
	};
	struct repo_files f = {0};
	struct strbuf err = STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strbuf_reset(&err);
		if (repo_parse_json(bad[i], strlen(bad[i]), "https://e.org/simple/x/", &f, &err) !=
		    BURROW_ERESOLVE)
			fail_msg("accepted %s", bad[i]);
		assert_true(err.len > 0);
		assert_non_null(strstr(err.buf, "https://e.org/simple/x/"));
		repo_files_release(&f);
	}
	assert_int_equal(repo_parse_json("{\"files\":[]}", 12, NULL, &f, &err), 0);
	assert_int_equal(f.len, 0);
	/* a NUL inside a string is refused, not truncated */
	assert_int_equal(
	    repo_parse_json("{\"files\":[{\"filename\":\"x-1.0-any.tar.gz\\u0000.whl\","
	                    "\"url\":\"x\"}]}",
	                    61, "https://e.org/", &f, &err),
	    BURROW_ERESOLVE);
	repo_files_release(&f);
	strbuf_release(&err);
}

/* ---- folders, the index writer, http ---- */

static char tmpdir[256];
static int tmpfd = -1;

static void put(const char *name, const char *data)
{
	int fd = fs_create_file(tmpfd, name, 0644, 1);
	assert_true(fd >= 0);
	assert_int_equal(fs_write_all(fd, data, strlen(data)), 0);
	close(fd);
}

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/burrow-test-repo-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	tmpfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	put("Foo_Bar-1.0-py3-none-any.whl", "wheel one");
	put("foo.bar-2.0-linux_x86_64.tar.gz", "bundle two");
	put("other-1.0-py3-none-any.whl", "other");
	put("foo_bar-1.0.tar.gz", "sdist");
	put("notes.txt", "x");
	put("we+ird-1.0-py3-none-any.whl", "bad name");
	mkdirat(tmpfd, "foo_bar-3.0-py3-none-any.whl", 0755);
	return tmpfd < 0 ? -1 : 0;
}

static int teardown_dir(void **state)
{
	(void)state;
	fs_remove_tree(AT_FDCWD, tmpdir);
	close(tmpfd);
	return 0;
}

static void test_flat(void **state)
{
	struct repo_files f = {0};
	struct strbuf err = STRBUF_INIT, url = STRBUF_INIT, path = STRBUF_INIT;
	struct fetch_job j;

	(void)state;
	assert_int_equal(repo_list(tmpdir, "FOO-bar", NULL, NULL, &f, &err), 0);
	assert_int_equal(f.len, 2);
	assert_string_equal(f.items[0].filename, "Foo_Bar-1.0-py3-none-any.whl");
	assert_string_equal(f.items[1].filename, "foo.bar-2.0-linux_x86_64.tar.gz");
	assert_string_equal(f.items[0].sha256, "");
	assert_int_equal(f.items[0].size, 9);
	assert_int_equal(strncmp(f.items[0].url, "file:///", 8), 0);

	/* the URL fetches the file */
	fetch_job_init(&j);
	j.url = f.items[0].url;
	j.max_bytes = 100;
	assert_int_equal(fetch_run(NULL, &j, 1), 0);
	assert_string_equal(j.body.buf, "wheel one");
	fetch_job_release(&j);
	repo_files_release(&f);

	/* as a file:// URL too */
	fetch_path_to_file_url(tmpdir, &url);
	assert_int_equal(repo_list(url.buf, "other", NULL, NULL, &f, &err), 0);
	assert_int_equal(f.len, 1);
	repo_files_release(&f);

	assert_int_equal(repo_list(tmpdir, "absent", NULL, NULL, &f, &err), 0);
	assert_int_equal(f.len, 0);
	assert_int_equal(repo_list(tmpdir, "bad name", NULL, NULL, &f, &err), BURROW_ERESOLVE);
	assert_non_null(strstr(err.buf, "invalid project name"));
	assert_int_equal(repo_list("relative/dir", "x", NULL, NULL, &f, &err), BURROW_EFETCH);
	assert_int_equal(repo_list("/nonexistent/repo", "x", NULL, NULL, &f, &err), BURROW_EFETCH);
	assert_int_equal(repo_list("ftp://x/simple", "x", NULL, NULL, &f, &err), BURROW_EFETCH);
	strbuf_release(&err);
	strbuf_release(&url);
	strbuf_release(&path);
}

static void read_all(const char *rel, struct strbuf *out)
{
	strbuf_reset(out);
	assert_int_equal(fs_read_file(tmpfd, rel, 1 << 20, out), 0);
}

static void test_write_index(void **state)
{
	struct repo_files f = {0};
	struct strbuf err = STRBUF_INIT, a = STRBUF_INIT, b = STRBUF_INIT, simple = STRBUF_INIT;
	size_t np = 0, nf = 0;
	char hex[65];

	(void)state;
	/* a stale project from an earlier run goes away */
	put("simple/gone/index.html", "old");
	assert_int_equal(repo_write_index(tmpdir, &np, &nf, &err), 0);
	assert_int_equal(np, 2);
	assert_int_equal(nf, 3);
	assert_int_equal(faccessat(tmpfd, "simple/gone", F_OK, 0), -1);
	read_all("simple/foo-bar/index.html", &a);
	assert_non_null(strstr(a.buf, "href=\"../../Foo_Bar-1.0-py3-none-any.whl#sha256="));
	read_all("simple/foo-bar/index.json", &a);
	assert_non_null(strstr(a.buf, "\"api-version\": \"1.1\""));
	assert_non_null(strstr(a.buf, "\"size\": 10"));
	read_all("simple/index.html", &a);
	assert_non_null(strstr(a.buf, "<a href=\"foo-bar/\">foo-bar</a>"));
	assert_non_null(strstr(a.buf, "<a href=\"other/\">other</a>"));

	/* deterministic */
	read_all("simple/foo-bar/index.json", &a);
	assert_int_equal(repo_write_index(tmpdir, NULL, NULL, &err), 0);
	read_all("simple/foo-bar/index.json", &b);
	assert_string_equal(a.buf, b.buf);

	/* listed through the local simple index, with hashes */
	strbuf_addf(&simple, "%s/simple", tmpdir);
	assert_int_equal(repo_list(simple.buf, "Foo.Bar", NULL, NULL, &f, &err), 0);
	assert_int_equal(f.len, 2);
	assert_string_equal(f.items[0].filename, "Foo_Bar-1.0-py3-none-any.whl");
	sha256_buffer_hex("wheel one", 9, hex);
	assert_string_equal(f.items[0].sha256, hex);
	assert_non_null(strstr(f.items[0].url, tmpdir));
	assert_int_equal(strncmp(f.items[0].url, "file:///", 8), 0);
	assert_null(strstr(f.items[0].url, "simple"));
	{
		struct fetch_job j;
		fetch_job_init(&j);
		j.url = f.items[0].url;
		j.max_bytes = 100;
		j.expect_sha256 = f.items[0].sha256;
		assert_int_equal(fetch_run(NULL, &j, 1), 0);
		fetch_job_release(&j);
	}
	repo_files_release(&f);
	assert_int_equal(repo_write_index("/nonexistent/dir", &np, &nf, &err), BURROW_EFAIL);
	strbuf_release(&err);
	strbuf_release(&a);
	strbuf_release(&b);
	strbuf_release(&simple);
}

static void test_http(void **state)
{
	const char *script = getenv("BADSERVER") ? getenv("BADSERVER") : "tests/e2e/badserver.py";
	struct repo_files f = {0};
	struct strbuf err = STRBUF_INIT;
	struct fetch_options o;
	char root[256], line[64] = "", hex[65];
	int pfd[2], port = 0;
	pid_t pid;
	FILE *fp;

	(void)state;
	assert_int_equal(repo_write_index(tmpdir, NULL, NULL, &err), 0);
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execl("/usr/bin/python3", "python3", script, "--root", tmpdir, "--lifetime", "60",
		      (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	fp = fdopen(pfd[0], "r");
	assert_non_null(fp);
	assert_non_null(fgets(line, sizeof(line), fp));
	assert_int_equal(sscanf(line, "PORT %d", &port), 1);
	fclose(fp);

	fetch_options_init(&o);
	o.retries = 0;
	o.deadline = 20;

	/* JSON (the server has index.json): sizes known */
	snprintf(root, sizeof(root), "http://127.0.0.1:%d/simple/", port);
	assert_int_equal(repo_list(root, "FOO_bar", &o, NULL, &f, &err), 0);
	assert_int_equal(f.len, 2);
	assert_int_equal(f.items[0].size, 9);
	sha256_buffer_hex("wheel one", 9, hex);
	assert_string_equal(f.items[0].sha256, hex);
	snprintf(line, sizeof(line), "http://127.0.0.1:%d/Foo_Bar-1.0", port);
	assert_int_equal(strncmp(f.items[0].url, line, strlen(line)), 0);
	{
		struct fetch_job j;
		fetch_job_init(&j);
		j.url = f.items[0].url;
		j.max_bytes = 100;
		j.expect_sha256 = f.items[0].sha256;
		assert_int_equal(fetch_run(&o, &j, 1), 0);
		assert_string_equal(j.body.buf, "wheel one");
		fetch_job_release(&j);
	}
	repo_files_release(&f);

	/* HTML when there is no JSON; a root without its trailing slash */
	unlinkat(tmpfd, "simple/other/index.json", 0);
	snprintf(root, sizeof(root), "http://127.0.0.1:%d/simple", port);
	assert_int_equal(repo_list(root, "Other", &o, NULL, &f, &err), 0);
	assert_int_equal(f.len, 1);
	assert_int_equal(f.items[0].size, -1);
	assert_int_equal(strlen(f.items[0].sha256), 64);
	repo_files_release(&f);

	/* 404 is "no files" */
	assert_int_equal(repo_list(root, "absent", &o, NULL, &f, &err), 0);
	assert_int_equal(f.len, 0);

	/* other content types and server errors are errors, credentials redacted */
	snprintf(root, sizeof(root), "http://me:pw@127.0.0.1:%d/ok/10", port);
	assert_int_equal(repo_list(root, "x", &o, NULL, &f, &err), BURROW_ERESOLVE);
	assert_non_null(strstr(err.buf, "unexpected content type \"application/octet-stream\""));
	assert_null(strstr(err.buf, "pw"));
	snprintf(root, sizeof(root), "http://127.0.0.1:%d/status/500", port);
	assert_int_equal(repo_list(root, "x", &o, NULL, &f, &err), BURROW_EFETCH);
	assert_non_null(strstr(err.buf, "500 internal server error"));
	o.offline = 1;
	assert_int_equal(repo_list(root, "x", &o, NULL, &f, &err), BURROW_EFETCH);
	assert_non_null(strstr(err.buf, "offline"));

	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest pages[] = {
	    cmocka_unit_test(test_html),           cmocka_unit_test(test_html_base_and_version),
	    cmocka_unit_test(test_json),           cmocka_unit_test(test_json_errors),
	    cmocka_unit_test(test_metadata_attrs),
	};
	const struct CMUnitTest dirs[] = {
	    cmocka_unit_test(test_flat),
	    cmocka_unit_test(test_write_index),
	    cmocka_unit_test(test_http),
	};
	int rc = cmocka_run_group_tests(pages, NULL, NULL);
	return rc | cmocka_run_group_tests(dirs, setup_dir, teardown_dir);
}
