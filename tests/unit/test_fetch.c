/*
 * test_fetch: the downloader against tests/e2e/badserver.py on loopback
 * (status codes, retries, Retry-After, stalls, truncation, caps, redirect
 * loops), file:// URLs (regular files, FIFOs, directories) and redaction.
 * Runs from the repository root; BADSERVER overrides the script path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fetch.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "util/signals.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t server_pid = -1;
static int port;
static char tmpdir[256];
static int tmpfd = -1;

static int64_t ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int start_server(void **state)
{
	const char *script = getenv("BADSERVER") ? getenv("BADSERVER") : "tests/e2e/badserver.py";
	int pfd[2];
	char line[64] = "";
	FILE *f;

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/burrow-test-fetch-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	tmpfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tmpfd < 0 || pipe(pfd) < 0)
		return -1;
	server_pid = fork();
	if (server_pid < 0)
		return -1;
	if (server_pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execl("/usr/bin/python3", "python3", script, "--lifetime", "120", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	f = fdopen(pfd[0], "r");
	if (!f || !fgets(line, sizeof(line), f) || sscanf(line, "PORT %d", &port) != 1) {
		fprintf(stderr, "cannot start %s\n", script);
		return -1;
	}
	fclose(f);
	return 0;
}

static int stop_server(void **state)
{
	(void)state;
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
	}
	if (tmpfd >= 0) {
		fs_remove_tree(AT_FDCWD, tmpdir);
		close(tmpfd);
	}
	return 0;
}

/* Entries in the temp dir (should be 0 after any failure). */
static int dir_entries(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static struct fetch_options quick(void)
{
	struct fetch_options o;
	fetch_options_init(&o);
	o.connect_timeout = 5;
	o.low_speed_time = 2;
	o.low_speed_limit = 1024;
	o.deadline = 20;
	o.retries = 0;
	o.backoff_ms = 50;
	return o;
}

static char url_buf[512];
static const char *url(const char *path)
{
	snprintf(url_buf, sizeof(url_buf), "http://127.0.0.1:%d%s", port, path);
	return url_buf;
}

/* Runs one job; returns its status. */
static int run1(const struct fetch_options *o, struct fetch_job *j, const char *u, uint64_t cap,
                int to_dir)
{
	int rc;

	fetch_job_init(j);
	j->url = u;
	j->max_bytes = cap;
	j->dest_dirfd = to_dir ? tmpfd : -1;
	rc = fetch_run(o, j, 1);
	assert_int_equal(rc, j->status);
	return rc;
}

static void pattern_hex(size_t n, char hex[65])
{
	unsigned char *b = malloc(n ? n : 1);
	size_t i;
	for (i = 0; i < n; i++)
		b[i] = (unsigned char)(i & 255);
	assert_int_equal(sha256_buffer_hex(b, n, hex), 0);
	free(b);
}

/* Hits the server saw for path (from /hits). */
static int hits(const char *path)
{
	struct fetch_options o = quick();
	struct fetch_job j;
	char key[256];
	const char *p;
	int n = 0;

	assert_int_equal(run1(&o, &j, url("/hits"), 1 << 20, 0), 0);
	snprintf(key, sizeof(key), "\"%s\": ", path);
	p = strstr(j.body.buf, key);
	if (p)
		n = atoi(p + strlen(key));
	fetch_job_release(&j);
	return n;
}

static void test_ok_to_file(void **state)
{
	struct fetch_options o = quick();
	struct fetch_job j;
	char hex[65];
	struct strbuf data = STRBUF_INIT;
	size_t i;

	(void)state;
	pattern_hex(100000, hex);
	fetch_job_init(&j);
	j.url = url("/ok/100000");
	j.max_bytes = 1 << 20;
	j.expect_sha256 = hex;
	j.dest_dirfd = tmpfd;
	assert_int_equal(fetch_run(&o, &j, 1), 0);
	assert_string_equal(j.sha256, hex);
	assert_int_equal(j.size, 100000);
	assert_int_equal(j.http_status, 200);
	assert_non_null(j.effective_url);
	assert_true(j.tmpname[0]);
	assert_int_equal(fs_read_file(tmpfd, j.tmpname, 1 << 20, &data), 0);
	assert_int_equal(data.len, 100000);
	for (i = 0; i < data.len; i++)
		assert_int_equal((unsigned char)data.buf[i], i & 255);
	struct stat st;
	assert_int_equal(fstatat(tmpfd, j.tmpname, &st, 0), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	unlinkat(tmpfd, j.tmpname, 0);
	strbuf_release(&data);
	fetch_job_release(&j);
	assert_int_equal(dir_entries(), 0);
}

static void test_wrong_hash(void **state)
{
	struct fetch_options o = quick();
	struct fetch_job j;
	char hex[65];

	(void)state;
	o.retries = 3;
	pattern_hex(999, hex);
	fetch_job_init(&j);
	j.url = url("/ok/1000?wrong");
	j.max_bytes = 1 << 20;
	j.expect_sha256 = hex;
	j.dest_dirfd = tmpfd;
	assert_int_equal(fetch_run(&o, &j, 1), BURROW_EINTEGRITY);
	assert_string_equal(j.tmpname, "");
	assert_non_null(strstr(j.err.buf, "sha256 mismatch for http://127.0.0.1:"));
	assert_non_null(strstr(j.err.buf, hex));
	assert_int_equal(dir_entries(), 0);
	assert_int_equal(hits("/ok/1000?wrong"), 1);
	fetch_job_release(&j);
}

static void test_404_no_retry(void **state)
{
	struct fetch_options o = quick();
	struct fetch_job j;

	(void)state;
	o.retries = 3;
	assert_int_equal(run1(&o, &j, url("/status/404"), 1000, 1), BURROW_EFETCH);
	assert_int_equal(j.http_status, 404);
	assert_non_null(strstr(j.err.buf, "404 not found: http://127.0.0.1:"));
	assert_int_equal(hits("/status/404"), 1);
	assert_int_equal(dir_entries(), 0);
	fetch_job_release(&j);
}

static void test_503_retried(void **state)
{
	struct fetch_options o = quick();
	struct fetch_job j;

	(void)state;
	o.retries = 3;
	assert_int_equal(run1(&o, &j, url("/flaky/2"), 1 << 20, 1), 0);
	assert_int_equal(j.size, 1024);
	assert_int_equal(hits("/flaky/2"), 3);
	unlinkat(tmpfd, j.tmpname, 0);
	fetch_job_release(&j);

	/* out of retries: the last status is reported, nothing left behind */
	o.retries = 1;
	assert_int_equal(run1(&o, &j, url("/flaky/5"), 1 << 20, 1), BURROW_EFETCH);
	assert_non_null(strstr(j.err.buf, "503 service unavailable"));
	assert_non_null(strstr(j.err.buf, "after 2 attempts"));
	assert_int_equal(dir_entries(), 0);
	fetch_job_release(&j);
}

static void test_429_retry_after(void **state)
{
	struct fetch_options o = quick();
	struct fetch_job j;
	int64_t t0 = ms();

	(void)state;
	o.retries = 2;
	assert_int_equal(run1(&o, &j, url("/429/1/1"), 1 << 20, 0), 0);
	assert_true(ms() - t0 >= 950);
	assert_int_equal(j.body.len, 1024);
	fetch_job_release(&j);

	/* a Retry-After beyond the waiting budget fails at once, naming it */
	o.max_retry_after = 10;
	assert_int_equal(run1(&o, &j, url("/429/1/30"), 1 << 20, 0), BURROW_EFETCH);
	assert_non_null(strstr(j.err.buf, "asked to wait 30 s with Retry-After"));
	fetch_job_release(&j);
}

static void test_stall(void **state)
{
	struct fetch_options o = quick();
	struct fetch_job j;
	int64_t t0 = ms();

	(void)state;
	assert_int_equal(run1(&o, &j, url("/stall/100000/2000"), 1 << 20, 1), BURROW_EFETCH);
	assert_non_null(strstr(j.err.buf, "stalled"));
	assert_true(ms() - t0 < 10000);
	assert_int_equal(dir_entries(), 0);
	fetch_job_release(&j);
}

static void test_truncated(void **state)
{
	struct fetch_options o = quick();
	struct fetch_job j;

	(void)state;
	assert_int_equal(run1(&o, &j, url("/truncate/10000/5000"), 1 << 20, 1), BURROW_EFETCH);
	assert_non_null(strstr(j.err.buf, "truncated body"));
	assert_int_equal(dir_entries(), 0);
	fetch_job_release(&j);
}

static void test_overlong_and_caps(void **state)
{
	struct fetch_options o = quick();
	struct fetch_job j;
	int64_t t0;

	(void)state;
	/* declared length over the cap: rejected early */
	assert_int_equal(run1(&o, &j, url("/overlong/100000/100000"), 1000, 1), BURROW_EFETCH);
	assert_non_null(strstr(j.err.buf, "body larger than 1000 bytes: http://127.0.0.1:"));
	assert_int_equal(dir_entries(), 0);
	fetch_job_release(&j);

	/* more bytes than declared: only the declared ones count */
	assert_int_equal(run1(&o, &j, url("/overlong/100/5000"), 1000, 0), 0);
	assert_int_equal(j.body.len, 100);
	fetch_job_release(&j);

	/* endless chunked and close-delimited bodies stop at the cap */
	t0 = ms();
	assert_int_equal(run1(&o, &j, url("/endless"), 1 << 20, 1), BURROW_EFETCH);
	assert_non_null(strstr(j.err.buf, "body larger than 1048576 bytes"));
	assert_int_equal(dir_entries(), 0);
	fetch_job_release(&j);
	assert_int_equal(run1(&o, &j, url("/endless-close"), 1 << 20, 0), BURROW_EFETCH);
	assert_non_null(strstr(j.err.buf, "body larger than"));
	fetch_job_release(&j);
	assert_true(ms() - t0 < 5000);
}

static void test_redirects(void **state)
{
	struct fetch_options o = quick();
	struct fetch_job j;

	(void)state;
	assert_int_equal(run1(&o, &j, url("/loop"), 1000, 1), BURROW_EFETCH);
	assert_non_null(strstr(j.err.buf, "too many redirects"));
	assert_int_equal(dir_entries(), 0);
	fetch_job_release(&j);

	assert_int_equal(run1(&o, &j, url("/redirect/3/ok/500"), 1000, 0), 0);
	assert_int_equal(j.body.len, 500);
	assert_non_null(strstr(j.effective_url, "/ok/500"));
	fetch_job_release(&j);

	assert_int_equal(run1(&o, &j, url("/redirect-to?url=ftp://127.0.0.1/x"), 1000, 0),
	                 BURROW_EFETCH);
	assert_non_null(strstr(j.err.buf, "refusing redirect to ftp://127.0.0.1/x"));
	fetch_job_release(&j);
}

static void test_many_jobs(void **state)
{
	struct fetch_options o = quick();
	struct fetch_job js[24];
	char urls[24][128];
	size_t i;

	(void)state;
	o.jobs = 5;
	o.retries = 3;
	for (i = 0; i < 24; i++) {
		fetch_job_init(&js[i]);
		if (i == 7)
			snprintf(urls[i], sizeof(urls[i]), "http://127.0.0.1:%d/flaky/1?m", port);
		else
			snprintf(urls[i], sizeof(urls[i]), "http://127.0.0.1:%d/ok/%zu", port,
			         i * 3000 + 1);
		js[i].url = urls[i];
		js[i].max_bytes = 1 << 20;
		js[i].dest_dirfd = i % 2 ? tmpfd : -1;
	}
	assert_int_equal(fetch_run(&o, js, 24), 0);
	for (i = 0; i < 24; i++) {
		assert_int_equal(js[i].status, 0);
		assert_int_equal(js[i].size, i == 7 ? 1024 : i * 3000 + 1);
		if (js[i].tmpname[0])
			unlinkat(tmpfd, js[i].tmpname, 0);
		fetch_job_release(&js[i]);
	}
	assert_int_equal(dir_entries(), 0);
}

static void test_file_urls(void **state)
{
	struct fetch_options o = quick();
	struct fetch_job j;
	struct strbuf u = STRBUF_INIT, p = STRBUF_INIT;
	char path[512], hex[65];
	int fd;

	(void)state;
	o.offline = 1; /* file:// works offline */
	snprintf(path, sizeof(path), "%s/a file%%.bin", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello", 5), 5);
	close(fd);
	assert_int_equal(fetch_path_to_file_url(path, &u), 0);
	assert_non_null(strstr(u.buf, "a%20file%25.bin"));
	assert_int_equal(fetch_file_url_path(u.buf, &p), 0);
	assert_string_equal(p.buf, path);
	assert_int_equal(sha256_buffer_hex("hello", 5, hex), 0);

	fetch_job_init(&j);
	j.url = u.buf;
	j.max_bytes = 100;
	j.expect_sha256 = hex;
	assert_int_equal(fetch_run(&o, &j, 1), 0);
	assert_string_equal(j.body.buf, "hello");
	fetch_job_release(&j);

	/* to a temp file, then over the cap */
	assert_int_equal(run1(&o, &j, u.buf, 100, 1), 0);
	assert_int_equal(j.size, 5);
	unlinkat(tmpfd, j.tmpname, 0);
	fetch_job_release(&j);
	assert_int_equal(run1(&o, &j, u.buf, 4, 1), BURROW_EFETCH);
	assert_non_null(strstr(j.err.buf, "body larger than 4 bytes"));
	fetch_job_release(&j);
	unlinkat(tmpfd, "a file%.bin", 0);

	/* FIFO, directory, missing, device: refused without blocking */
	assert_int_equal(mkfifoat(tmpfd, "fifo", 0600), 0);
	strbuf_reset(&u);
	snprintf(path, sizeof(path), "%s/fifo", tmpdir);
	fetch_path_to_file_url(path, &u);
	assert_int_equal(run1(&o, &j, u.buf, 100, 0), BURROW_EFETCH);
	assert_non_null(strstr(j.err.buf, "not a regular file"));
	fetch_job_release(&j);
	unlinkat(tmpfd, "fifo", 0);

	strbuf_reset(&u);
	fetch_path_to_file_url(tmpdir, &u);
	assert_int_equal(run1(&o, &j, u.buf, 100, 1), BURROW_EFETCH);
	assert_non_null(strstr(j.err.buf, "not a regular file"));
	fetch_job_release(&j);
	assert_int_equal(run1(&o, &j, "file:///dev/zero", 100, 1), BURROW_EFETCH);
	assert_non_null(strstr(j.err.buf, "not a regular file"));
	fetch_job_release(&j);
	assert_int_equal(run1(&o, &j, "file:///nonexistent/x.whl", 100, 1), BURROW_EFETCH);
	assert_non_null(strstr(j.err.buf, "not found: file:///nonexistent/x.whl"));
	fetch_job_release(&j);
	assert_int_equal(run1(&o, &j, "file:///etc/%00passwd", 100, 1), BURROW_EFETCH);
	fetch_job_release(&j);
	assert_int_equal(run1(&o, &j, "file://otherhost/etc/passwd", 100, 1), BURROW_EFETCH);
	fetch_job_release(&j);
	assert_int_equal(dir_entries(), 0);

	/* offline refuses the network */
	assert_int_equal(run1(&o, &j, url("/ok/10"), 100, 1), BURROW_EFETCH);
	assert_non_null(strstr(j.err.buf, "offline: http://127.0.0.1:"));
	fetch_job_release(&j);
	assert_int_equal(run1(&o, &j, "ftp://example.org/x", 100, 1), BURROW_EFETCH);
	assert_non_null(strstr(j.err.buf, "unsupported URL scheme"));
	fetch_job_release(&j);
	strbuf_release(&u);
	strbuf_release(&p);
}

static void test_redaction(void **state)
{
	struct fetch_options o = quick();
	struct fetch_job j;
	struct strbuf r = STRBUF_INIT;
	char u[256];

	(void)state;
	fetch_redact_url("https://user:secret@example.org/simple/x/?a=b@c", &r);
	assert_string_equal(r.buf, "https://example.org/simple/x/?a=b@c");
	fetch_redact_url("https://tok@example.org", &r);
	assert_string_equal(r.buf, "https://example.org");
	fetch_redact_url("https://example.org/a@b", &r);
	assert_string_equal(r.buf, "https://example.org/a@b");
	fetch_redact_url("not a url", &r);
	assert_string_equal(r.buf, "not a url");
	/* every form of userinfo a user may type (issue 10, item 9) */
	fetch_redact_url("https://u:pa/ss@example.org/simple/", &r);
	assert_string_equal(r.buf, "https://example.org/simple/");
	fetch_redact_url("https://u:p@ss@example.org/simple/", &r);
	assert_string_equal(r.buf, "https://example.org/simple/");
	fetch_redact_url("https://u:p/a@b@example.org/s/", &r);
	assert_string_equal(r.buf, "https://example.org/s/");
	fetch_redact_url("https://u:@example.org/", &r);
	assert_string_equal(r.buf, "https://example.org/");
	fetch_redact_url("https://:p@example.org/", &r);
	assert_string_equal(r.buf, "https://example.org/");
	fetch_redact_url("https://u@example.org:8443/x@y", &r);
	assert_string_equal(r.buf, "https://example.org:8443/x@y");
	fetch_redact_url("https://example.org:8443/pkg@1.0/x", &r);
	assert_string_equal(r.buf, "https://example.org:8443/pkg@1.0/x");
	fetch_redact_url("https://u:p?x@example.org/", &r);
	assert_string_equal(r.buf, "https://example.org/");
	fetch_redact_url("https://u:p#x/y@example.org/s", &r);
	assert_string_equal(r.buf, "https://example.org/s");
	assert_int_equal(fetch_url_has_credentials("https://u:pa/ss@h/", NULL), 1);
	assert_int_equal(fetch_url_has_credentials("https://tok@h/", NULL), 1);
	assert_int_equal(fetch_url_has_credentials("https://h/a@b", NULL), 0);
	assert_int_equal(fetch_url_has_credentials("https://h:80/", "/nonexistent/.netrc"), 0);
	{
		char netrc[300];
		FILE *f;
		snprintf(netrc, sizeof(netrc), "%s/netrc", tmpdir);
		f = fopen(netrc, "w");
		assert_non_null(f);
		fputs("machine other.example login a password b\n"
		      "machine Mirror.Example\n  login u\n  password p\n",
		      f);
		fclose(f);
		assert_int_equal(fetch_url_has_credentials("https://mirror.example:8443/s/", netrc),
		                 1);
		assert_int_equal(fetch_url_has_credentials("https://mirror.example.org/s/", netrc),
		                 0);
		assert_int_equal(fetch_url_has_credentials("file:///mirror.example/s/", netrc), 0);
		f = fopen(netrc, "w");
		fputs("default login anonymous password x\n", f);
		fclose(f);
		assert_int_equal(fetch_url_has_credentials("http://any.example/", netrc), 1);
		unlink(netrc);
	}
	strbuf_release(&r);

	snprintf(u, sizeof(u), "http://user:s3cret@127.0.0.1:%d/status/403", port);
	assert_int_equal(run1(&o, &j, u, 100, 0), BURROW_EFETCH);
	assert_null(strstr(j.err.buf, "s3cret"));
	assert_null(strstr(j.err.buf, "user"));
	assert_non_null(strstr(j.err.buf, "403 forbidden: http://127.0.0.1:"));
	fetch_job_release(&j);
}

static void test_deadline(void **state)
{
	struct fetch_options o = quick();
	struct fetch_job j;
	int64_t t0 = ms();

	(void)state;
	o.deadline = 1;
	o.low_speed_limit = 10;
	assert_int_equal(run1(&o, &j, url("/slow/100000/5000"), 1 << 20, 1), BURROW_EFETCH);
	if (!strstr(j.err.buf, "deadline of 1 s exceeded"))
		fail_msg("got: %s", j.err.buf);
	assert_true(ms() - t0 < 3000);
	assert_int_equal(dir_entries(), 0);
	fetch_job_release(&j);
}

static void test_interrupt(void **state)
{
	struct fetch_options o = quick();
	struct fetch_job js[2];
	char u0[128], u1[128];
	int64_t t0;
	pid_t child;

	(void)state;
	o.low_speed_time = 30;
	snprintf(u0, sizeof(u0), "http://127.0.0.1:%d/ok/10", port);
	snprintf(u1, sizeof(u1), "http://127.0.0.1:%d/stall/100000/1000", port);
	fetch_job_init(&js[0]);
	fetch_job_init(&js[1]);
	js[0].url = u0;
	js[1].url = u1;
	js[0].max_bytes = js[1].max_bytes = 1 << 20;
	js[0].dest_dirfd = js[1].dest_dirfd = tmpfd;
	/* a signal already pending: nothing starts, nothing is left */
	signals_caught = SIGINT;
	assert_int_equal(fetch_run(&o, js, 2), BURROW_EINT);
	signals_caught = 0;
	assert_int_equal(js[1].status, BURROW_EINT);
	assert_int_equal(dir_entries(), 0);
	fetch_job_release(&js[0]);
	fetch_job_release(&js[1]);

	/* a signal while a transfer stalls */
	fetch_job_init(&js[0]);
	fetch_job_init(&js[1]);
	js[0].url = u0;
	js[1].url = u1;
	js[0].max_bytes = js[1].max_bytes = 1 << 20;
	js[0].dest_dirfd = js[1].dest_dirfd = tmpfd;
	signals_install();
	t0 = ms();
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		usleep(700000);
		kill(getppid(), SIGTERM);
		_exit(0);
	}
	assert_int_equal(fetch_run(&o, js, 2), BURROW_ETERM);
	assert_true(ms() - t0 < 5000);
	waitpid(child, NULL, 0);
	signals_caught = 0;
	signals_reset();
	assert_int_equal(js[0].status, BURROW_ETERM);
	assert_string_equal(js[0].tmpname, "");
	assert_int_equal(dir_entries(), 0);
	fetch_job_release(&js[0]);
	fetch_job_release(&js[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ok_to_file),      cmocka_unit_test(test_wrong_hash),
	    cmocka_unit_test(test_404_no_retry),    cmocka_unit_test(test_503_retried),
	    cmocka_unit_test(test_429_retry_after), cmocka_unit_test(test_stall),
	    cmocka_unit_test(test_truncated),       cmocka_unit_test(test_overlong_and_caps),
	    cmocka_unit_test(test_redirects),       cmocka_unit_test(test_many_jobs),
	    cmocka_unit_test(test_file_urls),       cmocka_unit_test(test_redaction),
	    cmocka_unit_test(test_deadline),        cmocka_unit_test(test_interrupt),
	};
	return cmocka_run_group_tests(tests, start_server, stop_server);
}
