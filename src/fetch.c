/*
 * fetch: download many URLs at once, each body hashed (SHA-256) and counted
 * as it arrives, into an O_EXCL temp file or memory, under a byte cap, a
 * connect timeout, a low-speed abort and an overall deadline.
 *
 * libcurl does the HTTP(S) work through its multi interface; we follow
 * redirects ourselves (so that we see each hop and can refuse https -> http),
 * retry transient failures with exponential backoff and jitter (honouring
 * Retry-After within one waiting budget), and read file:// URLs natively because libcurl's
 * file:// ignores caps and timeouts and happily reads FIFOs, devices and
 * directories (reliability-notes §5.2).  The cap lives in the write callback:
 * CURLOPT_MAXFILESIZE on libcurl 7.88 does not stop chunked or unknown-length
 * bodies (§5.1), so it only serves as an early reject.  Nothing that failed
 * leaves a file behind.
 */
#include "fetch.h"

#include "util/error.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "util/signals.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FETCH_MAX_REDIRECTS 10
#define FETCH_ERRBODY_MAX (64 << 10) /* bytes of an error page we read and drop */
#define FETCH_BACKOFF_CAP_MS 30000
#define FETCH_POLL_MS 100 /* how often we look at signals while waiting */
#define FETCH_USER_AGENT "burrow/0.1"
#define FETCH_VALIDATOR_MAX 512 /* bytes of an ETag or Last-Modified we keep */

enum xfer_state { XFER_PENDING, XFER_WAITING, XFER_ACTIVE, XFER_DONE };

enum xfer_abort {
	XFER_ABORT_NONE,
	XFER_ABORT_CAP,      /* body over max_bytes */
	XFER_ABORT_WRITE,    /* temp file write failed */
	XFER_ABORT_DEADLINE, /* job deadline passed */
	XFER_ABORT_SIGNAL,   /* SIGINT/SIGTERM */
	XFER_ABORT_ERRBODY,  /* error page too long to bother with */
};

struct xfer {
	struct fetch_job *job;
	const struct fetch_options *opt;
	CURL *easy;
	struct curl_slist *headers;
	enum xfer_state state;
	char *url; /* current URL (changes on redirects) */
	int redirects;
	int attempt; /* attempts started */
	int fd;      /* temp file, or -1 */
	int made_temp;
	struct sha256 hash;
	int hashing;
	uint64_t received;
	uint64_t discarded;
	uint64_t expected; /* Content-Length of the current response, 0 unknown */
	int body_ok;       /* -1 not known yet, 0 drop (not a 200), 1 keep */
	enum xfer_abort reason;
	int write_errno;
	long deadline_s; /* the job's deadline, for messages */
	int64_t deadline_ms;
	int64_t next_ms;
	int64_t waited_ms; /* spent waiting between attempts so far */
	char errbuf[CURL_ERROR_SIZE];
};

void fetch_options_init(struct fetch_options *o)
{
	memset(o, 0, sizeof(*o));
	o->connect_timeout = 30;
	o->low_speed_time = 30;
	o->low_speed_limit = 1024;
	o->deadline = 900;
	o->page_deadline = 60;
	o->retries = 4;
	o->max_retry_after = 60;
	o->backoff_ms = 500;
	o->jobs = 16;
	o->cacert = NULL;
	o->offline = 0;
}

void fetch_job_init(struct fetch_job *j)
{
	memset(j, 0, sizeof(*j));
	j->dest_dirfd = -1;
	strbuf_init(&j->body, 0);
	strbuf_init(&j->err, 0);
}

void fetch_job_release(struct fetch_job *j)
{
	strbuf_release(&j->body);
	strbuf_release(&j->err);
	free(j->content_type);
	free(j->effective_url);
	free(j->etag);
	free(j->last_modified);
	j->content_type = NULL;
	j->effective_url = NULL;
	j->etag = NULL;
	j->last_modified = NULL;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t jitter_state;

static uint64_t jitter_next(void)
{
	if (!jitter_state) {
		if (getrandom(&jitter_state, sizeof(jitter_state), GRND_NONBLOCK) !=
		    (ssize_t)sizeof(jitter_state))
			jitter_state = (uint64_t)now_ms() ^ ((uint64_t)getpid() << 32);
		jitter_state |= 1;
	}
	jitter_state ^= jitter_state << 13;
	jitter_state ^= jitter_state >> 7;
	jitter_state ^= jitter_state << 17;
	return jitter_state;
}

/* ---- URLs ---- */

/* Where the userinfo of url ends: the '@' before the host, or NULL when
 * it has none.  Every form a user may type is covered, not only RFC
 * 3986's: "u@h", "u:@h", "u:p@h", a raw '@' in the password ("u:p@x@h":
 * the last '@' before the path), and a raw '/' in it ("u:p/x@h": the part
 * before the first '/' cannot be a host and port, so the '/' is the
 * password's, as is a raw '?' or '#'; then the last '@' before the next
 * '/', '?' or '#').  auth gets the
 * start of the authority. */
static const char *userinfo_end(const char *url, const char **auth)
{
	const char *a = strstr(url, "://"), *end, *at = NULL, *p, *colon;

	*auth = NULL;
	if (!a)
		return NULL;
	a += 3;
	*auth = a;
	end = a + strcspn(a, "/?#");
	for (p = a; p < end; p++)
		if (*p == '@')
			at = p;
	if (at)
		return at;
	/* "u:p/x@h": a ':' followed by something that is not a port */
	colon = memchr(a, ':', (size_t)(end - a));
	if (!colon || !*end || strspn(colon + 1, "0123456789") == (size_t)(end - colon - 1))
		return NULL;
	if (!(p = strchr(end, '@')))
		return NULL;
	end = p + strcspn(p, "/?#");
	for (at = p; p < end; p++)
		if (*p == '@')
			at = p;
	return at;
}

void fetch_redact_url(const char *url, struct strbuf *out)
{
	const char *auth, *at;

	strbuf_reset(out);
	if (!url)
		return;
	if (!(at = userinfo_end(url, &auth))) {
		strbuf_addstr(out, url);
		return;
	}
	strbuf_add(out, url, (size_t)(auth - url));
	strbuf_addstr(out, at + 1);
}

#define NETRC_MAX ((size_t)1 << 20)

/* 1 when the netrc file at path has a "machine HOST" entry for host (case
 * insensitive) or a "default" entry, or exists but cannot be read (assume
 * it may); 0 when it has neither or does not exist. */
static int netrc_covers(const char *path, const char *host, size_t hostlen)
{
	struct strbuf text = STRBUF_INIT;
	const char *p, *tok;
	size_t n;
	int found = 0, want_machine = 0;

	if (fs_read_user_file(path, NETRC_MAX, &text, NULL) < 0) {
		found = errno != ENOENT;
		strbuf_release(&text);
		return found;
	}
	for (p = text.buf; *p && !found;) {
		p += strspn(p, " \t\r\n");
		tok = p;
		n = strcspn(p, " \t\r\n");
		p += n;
		if (!n)
			break;
		if (want_machine)
			found = n == hostlen && !strncasecmp(tok, host, n);
		want_machine = n == 7 && !strncmp(tok, "machine", 7);
		if (n == 7 && !strncmp(tok, "default", 7))
			found = 1;
	}
	strbuf_release(&text);
	return found;
}

int fetch_url_has_credentials(const char *url, const char *netrc)
{
	const char *auth, *at = url ? userinfo_end(url, &auth) : NULL, *host, *end;

	if (!url || at)
		return url != NULL;
	if (!netrc || !auth || strncasecmp(url, "http", 4))
		return 0;
	host = auth;
	end = host + strcspn(host, "/?#");
	if (*host == '[') { /* [v6]:port */
		const char *rb = memchr(host, ']', (size_t)(end - host));
		end = rb ? rb + 1 : end;
	} else {
		const char *colon = memchr(host, ':', (size_t)(end - host));
		end = colon ? colon : end;
	}
	return netrc_covers(netrc, host, (size_t)(end - host));
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int fetch_file_url_path(const char *url, struct strbuf *out)
{
	const char *p;

	strbuf_reset(out);
	if (!url || strncasecmp(url, "file://", 7))
		return -1;
	p = url + 7;
	if (!strncasecmp(p, "localhost/", 10))
		p += 9;
	if (*p != '/')
		return -1;
	for (; *p && *p != '?' && *p != '#'; p++) {
		int c = (unsigned char)*p;

		if (c == '%') {
			int hi = hexval((unsigned char)p[1]),
			    lo = hi < 0 ? -1 : hexval((unsigned char)p[2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = hi * 16 + lo;
			if (c == 0)
				return -1;
			p += 2;
		}
		if (strbuf_addch(out, c) < 0)
			return -1;
	}
	return out->len ? 0 : -1;
}

int fetch_path_to_file_url(const char *path, struct strbuf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	if (!path || path[0] != '/')
		return -1;
	if (strbuf_addstr(out, "file://") < 0)
		return -1;
	for (p = (const unsigned char *)path; *p; p++) {
		int r;

		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/._~-", *p))
			r = strbuf_addch(out, *p);
		else
			r = strbuf_addch(out, '%') | strbuf_addch(out, hex[*p >> 4]) |
			    strbuf_addch(out, hex[*p & 15]);
		if (r < 0)
			return -1;
	}
	return 0;
}

enum url_kind { URL_OTHER, URL_HTTP, URL_HTTPS, URL_FILE };

static enum url_kind url_kind(const char *url)
{
	if (!strncasecmp(url, "http://", 7))
		return URL_HTTP;
	if (!strncasecmp(url, "https://", 8))
		return URL_HTTPS;
	if (!strncasecmp(url, "file://", 7))
		return URL_FILE;
	return URL_OTHER;
}

/* ---- messages ---- */

static void add_url(struct strbuf *sb, const char *url)
{
	struct strbuf r = STRBUF_INIT;

	fetch_redact_url(url, &r);
	strbuf_add_escaped(sb, r.buf, r.len);
	strbuf_release(&r);
}

/* Sets job status and "REASON: URL" as its message. */
static void job_message(struct xfer *x, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void job_message(struct xfer *x, int code, const char *fmt, ...)
{
	struct fetch_job *j = x->job;
	va_list ap;

	strbuf_reset(&j->err);
	va_start(ap, fmt);
	strbuf_vaddf(&j->err, fmt, ap);
	va_end(ap);
	strbuf_addstr(&j->err, ": ");
	add_url(&j->err, x->url ? x->url : j->url);
	j->status = code;
}

static const char *http_reason(long code)
{
	switch (code) {
	case 400:
		return "bad request";
	case 401:
		return "unauthorized";
	case 403:
		return "forbidden";
	case 404:
		return "not found";
	case 405:
		return "method not allowed";
	case 406:
		return "not acceptable";
	case 408:
		return "request timeout";
	case 410:
		return "gone";
	case 429:
		return "too many requests";
	case 500:
		return "internal server error";
	case 502:
		return "bad gateway";
	case 503:
		return "service unavailable";
	case 504:
		return "gateway timeout";
	default:
		return NULL;
	}
}

/* Lower-case words for the curl errors a user meets; curl's own text
 * follows in the message. */
static const char *curl_reason(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
		return "cannot resolve host";
	case CURLE_COULDNT_RESOLVE_PROXY:
		return "cannot resolve proxy";
	case CURLE_COULDNT_CONNECT:
		return "cannot connect";
	case CURLE_SSL_CONNECT_ERROR:
		return "tls handshake failed";
	case CURLE_PEER_FAILED_VERIFICATION:
		return "tls certificate not trusted";
	case CURLE_SSL_CACERT_BADFILE:
		return "cannot read the CA bundle";
	case CURLE_GOT_NOTHING:
		return "empty reply";
	case CURLE_SEND_ERROR:
		return "send failed";
	case CURLE_RECV_ERROR:
		return "connection lost";
	case CURLE_UNSUPPORTED_PROTOCOL:
		return "unsupported protocol";
	case CURLE_URL_MALFORMAT:
		return "malformed URL";
	case CURLE_LOGIN_DENIED:
		return "login denied";
	case CURLE_WEIRD_SERVER_REPLY:
		return "malformed reply";
	default:
		return "transfer failed";
	}
}

/* ---- body sink: hash, cap, write ---- */

static void xfer_close_temp(struct xfer *x, int keep)
{
	if (x->fd >= 0) {
		close(x->fd);
		x->fd = -1;
	}
	if (x->made_temp && !keep) {
		unlinkat(x->job->dest_dirfd, x->job->tmpname, 0);
		x->made_temp = 0;
	}
	if (!keep)
		x->job->tmpname[0] = '\0';
}

/* Readies the sink for an attempt from byte 0. */
static int xfer_reset_body(struct xfer *x)
{
	struct fetch_job *j = x->job;

	x->received = 0;
	x->discarded = 0;
	x->body_ok = -1;
	x->reason = XFER_ABORT_NONE;
	x->write_errno = 0;
	if (x->hashing)
		sha256_abort(&x->hash);
	x->hashing = 0;
	if (sha256_begin(&x->hash) < 0) {
		job_message(x, BURROW_EFETCH, "cannot start sha256");
		return -1;
	}
	x->hashing = 1;
	strbuf_reset(&j->body);
	if (j->dest_dirfd < 0)
		return 0;
	if (x->fd >= 0) {
		if (ftruncate(x->fd, 0) < 0 || lseek(x->fd, 0, SEEK_SET) < 0) {
			job_message(x, BURROW_EFETCH, "cannot truncate temp file %s: %s",
			            j->tmpname, strerror(errno));
			return -1;
		}
		return 0;
	}
	fs_temp_name(j->tmpname, sizeof(j->tmpname), "fetch-");
	if (strlen(j->tmpname) + 5 < sizeof(j->tmpname))
		memcpy(j->tmpname + strlen(j->tmpname), ".part", 6);
	x->fd = openat(j->dest_dirfd, j->tmpname,
	               O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (x->fd < 0) {
		job_message(x, BURROW_EFETCH, "cannot create temp file %s: %s", j->tmpname,
		            strerror(errno));
		j->tmpname[0] = '\0';
		return -1;
	}
	x->made_temp = 1;
	return 0;
}

static int sink_write(struct xfer *x, const void *data, size_t n)
{
	struct fetch_job *j = x->job;

	if (n > j->max_bytes - x->received) {
		x->reason = XFER_ABORT_CAP;
		return -1;
	}
	sha256_update(&x->hash, data, n);
	if (j->dest_dirfd >= 0) {
		if (fs_write_all(x->fd, data, n) < 0) {
			x->write_errno = errno;
			x->reason = XFER_ABORT_WRITE;
			return -1;
		}
	} else if (strbuf_add(&j->body, data, n) < 0) {
		x->write_errno = errno;
		x->reason = XFER_ABORT_WRITE;
		return -1;
	}
	x->received += n;
	return 0;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;

	if (x->body_ok < 0) {
		long code = 0;
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
		x->body_ok = code == 200;
	}
	if (!x->body_ok) {
		/* an error page or a redirect: read a little, keep nothing */
		x->discarded += n;
		if (x->discarded > FETCH_ERRBODY_MAX) {
			x->reason = XFER_ABORT_ERRBODY;
			return 0;
		}
		return n;
	}
	if (sink_write(x, data, n) < 0)
		return 0;
	return n;
}

/* 1 when v[0..n) is all printable ASCII (a validator we can send back in
 * a request header). */
static int printable(const char *v, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if ((unsigned char)v[k] < 0x20 || (unsigned char)v[k] > 0x7e)
			return 0;
	return 1;
}

/* Keeps the validators of the response being read.  A value is stored only
 * when it is short printable ASCII: it goes back in a request header later. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	struct fetch_job *j = x->job;
	size_t n = size * nmemb, k, vlen;
	char **slot = NULL;
	const char *v;

	if (n >= 5 && !strncmp(data, "HTTP/", 5)) {
		/* a new response (an interim one, a redirect hop, a retry) */
		free(j->etag);
		free(j->last_modified);
		j->etag = j->last_modified = NULL;
		return n;
	}
	if (n > 5 && !strncasecmp(data, "etag:", 5)) {
		slot = &j->etag;
		k = 5;
	} else if (n > 14 && !strncasecmp(data, "last-modified:", 14)) {
		slot = &j->last_modified;
		k = 14;
	} else {
		return n;
	}
	v = data + k;
	vlen = n - k;
	while (vlen && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' ' ||
	                v[vlen - 1] == '\t'))
		vlen--;
	if (!vlen || vlen > FETCH_VALIDATOR_MAX || !printable(v, vlen))
		return n;
	free(*slot);
	*slot = strndup(v, vlen);
	return n;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
	struct xfer *x = ud;

	if (dltotal > 0)
		x->expected = (uint64_t)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	if (signals_pending()) {
		x->reason = XFER_ABORT_SIGNAL;
		return 1;
	}
	if (now_ms() >= x->deadline_ms) {
		x->reason = XFER_ABORT_DEADLINE;
		return 1;
	}
	return 0;
}

/* ---- completion ---- */

static void xfer_fail(struct xfer *x)
{
	xfer_close_temp(x, 0);
	if (x->hashing)
		sha256_abort(&x->hash);
	x->hashing = 0;
	x->state = XFER_DONE;
	if (!x->job->status)
		x->job->status = BURROW_EFETCH;
}

void fetch_note_content_type(const struct fetch_job *j, struct strbuf *msg)
{
	const char *ct = j->content_type;

	if (!ct || strncasecmp(ct, "text/html", 9) || (ct[9] && ct[9] != ';' && ct[9] != ' '))
		return;
	strbuf_addstr(msg, "; the server sent text/html, not an archive (a captive portal or a "
	                   "login page?)");
}

/* The whole body is in: check the hash, keep the temp file. */
static void xfer_succeed(struct xfer *x)
{
	struct fetch_job *j = x->job;
	unsigned char digest[SHA256_LEN];

	sha256_end(&x->hash, digest);
	x->hashing = 0;
	sha256_to_hex(digest, j->sha256);
	j->size = x->received;
	free(j->effective_url);
	j->effective_url = strdup(x->url);
	if (j->expect_sha256 && strcasecmp(j->expect_sha256, j->sha256)) {
		strbuf_reset(&j->err);
		strbuf_addstr(&j->err, "sha256 mismatch for ");
		add_url(&j->err, x->url);
		strbuf_addstr(&j->err, " (expected ");
		strbuf_add_escaped(&j->err, j->expect_sha256, strlen(j->expect_sha256));
		strbuf_addf(&j->err, ", got %s)", j->sha256);
		fetch_note_content_type(j, &j->err);
		j->status = BURROW_EINTEGRITY;
		xfer_fail(x);
		return;
	}
	if (x->fd >= 0 && (fsync(x->fd) < 0 || close(x->fd) < 0)) {
		x->fd = -1;
		job_message(x, BURROW_EFETCH, "cannot write temp file %s: %s", j->tmpname,
		            strerror(errno));
		xfer_fail(x);
		return;
	}
	x->fd = -1;
	x->made_temp = 0; /* the caller owns it now */
	j->status = BURROW_OK;
	strbuf_reset(&j->err);
	x->state = XFER_DONE;
}

/* The message is already in the job; retry if allowed, else fail.  All
 * waits between attempts of one transfer (backoff and the server's
 * Retry-After alike) come out of one budget, max_retry_after seconds: a
 * Retry-After longer than what is left of it, or than the deadline allows,
 * fails at once instead of sleeping towards a failure. */
static void xfer_retry_or_fail(struct xfer *x, long retry_after_s)
{
	const struct fetch_options *o = x->opt;
	int64_t delay, backoff, now = now_ms();
	int64_t budget = (int64_t)o->max_retry_after * 1000 - x->waited_ms;
	int shift = x->attempt - 1;

	if (x->attempt <= o->retries) {
		if (shift > 20)
			shift = 20;
		backoff = (int64_t)o->backoff_ms << shift;
		if (backoff > FETCH_BACKOFF_CAP_MS || backoff < 0)
			backoff = FETCH_BACKOFF_CAP_MS;
		delay = backoff + (int64_t)(jitter_next() % (uint64_t)(backoff / 2 + 1));
		if (retry_after_s > 0) {
			int64_t ra = (int64_t)retry_after_s * 1000;
			int64_t left =
			    x->deadline_ms - now < budget ? x->deadline_ms - now : budget;
			if (ra > left) {
				strbuf_addf(
				    &x->job->err,
				    " (the server asked to wait %ld s with Retry-After, more than "
				    "the %lld s left to wait)",
				    retry_after_s, (long long)(left > 0 ? left / 1000 : 0));
				if (x->attempt > 1)
					strbuf_addf(&x->job->err, " (after %d attempts)",
					            x->attempt);
				xfer_fail(x);
				return;
			}
			if (ra > delay)
				delay = ra;
		}
		if (delay > budget)
			delay = budget > 0 ? budget : 0;
		if (now + delay < x->deadline_ms) {
			/* the temp file stays open; the next attempt truncates it */
			x->state = XFER_WAITING;
			x->next_ms = now + delay;
			x->waited_ms += delay;
			if (o->retrying) {
				struct strbuf u = STRBUF_INIT;
				add_url(&u, x->url);
				o->retrying(o->progress_arg, u.buf, x->attempt + 1, o->retries + 1,
				            (long)delay, x->job->err.buf);
				strbuf_release(&u);
			}
			return;
		}
	}
	if (x->attempt > 1)
		strbuf_addf(&x->job->err, " (after %d attempts)", x->attempt);
	xfer_fail(x);
}

static int http_retriable(long code)
{
	return code == 408 || code == 429 || code == 500 || code == 502 || code == 503 ||
	       code == 504;
}

static int curl_retriable(CURLcode rc)
{
	return rc == CURLE_COULDNT_CONNECT || rc == CURLE_PARTIAL_FILE ||
	       rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_GOT_NOTHING ||
	       rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR;
}

static void xfer_http_error(struct xfer *x, long code)
{
	const char *reason = http_reason(code);
	curl_off_t ra = 0;

	if (reason)
		job_message(x, BURROW_EFETCH, "%ld %s", code, reason);
	else
		job_message(x, BURROW_EFETCH, "HTTP status %ld", code);
	if (!http_retriable(code)) {
		xfer_fail(x);
		return;
	}
	curl_easy_getinfo(x->easy, CURLINFO_RETRY_AFTER, &ra);
	/* the server's answer as it was (for the message), bounded against overflow */
	xfer_retry_or_fail(x, ra > 0 ? (ra > 1000000000 ? 1000000000 : (long)ra) : 0);
}

static void xfer_redirect(struct xfer *x)
{
	char *loc = NULL;
	enum url_kind from = url_kind(x->url), to;
	char *copy;

	curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &loc);
	if (!loc || !*loc) {
		job_message(x, BURROW_EFETCH, "redirect without a location");
		xfer_fail(x);
		return;
	}
	if (++x->redirects > FETCH_MAX_REDIRECTS) {
		job_message(x, BURROW_EFETCH, "too many redirects (more than %d)",
		            FETCH_MAX_REDIRECTS);
		xfer_fail(x);
		return;
	}
	to = url_kind(loc);
	if (!(to == URL_HTTPS || (to == URL_HTTP && from == URL_HTTP))) {
		struct strbuf m = STRBUF_INIT;
		add_url(&m, loc);
		job_message(x, BURROW_EFETCH, "refusing redirect to %s from", m.buf);
		strbuf_release(&m);
		xfer_fail(x);
		return;
	}
	copy = strdup(loc);
	if (!copy) {
		job_message(x, BURROW_EFETCH, "out of memory");
		xfer_fail(x);
		return;
	}
	free(x->url);
	x->url = copy;
	x->attempt--; /* a hop is not an attempt */
	x->state = XFER_PENDING;
	x->next_ms = 0;
}

static void xfer_done(struct xfer *x, CURLcode rc)
{
	struct fetch_job *j = x->job;
	const struct fetch_options *o = x->opt;
	long code = 0;
	char *ct = NULL;

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
	j->http_status = code;
	curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ct);
	free(j->content_type);
	j->content_type = ct ? strdup(ct) : NULL;

	/* an error page or redirect whose declared length tripped MAXFILESIZE
	 * is judged by its status, like any other */
	if (rc == CURLE_OK || x->reason == XFER_ABORT_ERRBODY ||
	    (rc == CURLE_FILESIZE_EXCEEDED && code >= 300)) {
		if (code == 301 || code == 302 || code == 303 || code == 307 || code == 308)
			xfer_redirect(x);
		else if (code == 200 && rc == CURLE_OK)
			xfer_succeed(x);
		else if (code == 304 && rc == CURLE_OK &&
		         (j->if_none_match || j->if_modified_since)) {
			j->not_modified = 1;
			xfer_succeed(x);
		} else
			xfer_http_error(x, code);
		return;
	}
	switch (x->reason) {
	case XFER_ABORT_CAP:
		job_message(x, BURROW_EFETCH, "body larger than %llu bytes",
		            (unsigned long long)j->max_bytes);
		xfer_fail(x);
		return;
	case XFER_ABORT_WRITE:
		job_message(x, BURROW_EFETCH, "cannot store body: %s", strerror(x->write_errno));
		xfer_fail(x);
		return;
	case XFER_ABORT_SIGNAL:
		job_message(x, signals_pending() ? signals_pending() : BURROW_EINT, "interrupted");
		xfer_fail(x);
		return;
	case XFER_ABORT_DEADLINE:
		job_message(x, BURROW_EFETCH, "deadline of %ld s exceeded", x->deadline_s);
		xfer_fail(x);
		return;
	default:
		break;
	}
	if (rc == CURLE_FILESIZE_EXCEEDED) {
		job_message(x, BURROW_EFETCH, "body larger than %llu bytes",
		            (unsigned long long)j->max_bytes);
		xfer_fail(x);
		return;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		/* curl's own timeout is set to the time left, so it may fire a
		 * hair before our clock says the deadline passed */
		if (now_ms() + 250 >= x->deadline_ms ||
		    !strncmp(x->errbuf, "Operation timed out", 19)) {
			job_message(x, BURROW_EFETCH, "deadline of %ld s exceeded", x->deadline_s);
			xfer_fail(x);
			return;
		}
		if (!strncmp(x->errbuf, "Operation too slow", 18))
			job_message(x, BURROW_EFETCH,
			            "stalled (under %ld bytes/s for %ld s after %llu bytes)",
			            o->low_speed_limit, o->low_speed_time,
			            (unsigned long long)x->received);
		else if (code == 0)
			job_message(x, BURROW_EFETCH, "connect timed out after %ld s",
			            o->connect_timeout);
		else
			job_message(x, BURROW_EFETCH, "timed out");
	} else if (rc == CURLE_PARTIAL_FILE) {
		curl_off_t cl = -1;
		curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
		if (cl >= 0)
			job_message(x, BURROW_EFETCH, "truncated body (%llu of %lld bytes)",
			            (unsigned long long)x->received, (long long)cl);
		else
			job_message(x, BURROW_EFETCH, "truncated body (%llu bytes)",
			            (unsigned long long)x->received);
	} else {
		struct strbuf m = STRBUF_INIT;
		strbuf_add_escaped(&m, x->errbuf, strnlen(x->errbuf, sizeof(x->errbuf)));
		job_message(x, BURROW_EFETCH, "%s (curl error %d%s%s)", curl_reason(rc), (int)rc,
		            m.len ? ": " : "", m.buf);
		strbuf_release(&m);
	}
	if (curl_retriable(rc))
		xfer_retry_or_fail(x, 0);
	else
		xfer_fail(x);
}

/* ---- starting an attempt ---- */

static int xfer_start(struct xfer *x, CURLM *multi)
{
	const struct fetch_options *o = x->opt;
	struct fetch_job *j = x->job;
	int64_t left = x->deadline_ms - now_ms();
	CURL *e;

	x->attempt++;
	if (left <= 0) {
		job_message(x, BURROW_EFETCH, "deadline of %ld s exceeded", x->deadline_s);
		xfer_fail(x);
		return -1;
	}
	if (xfer_reset_body(x) < 0) {
		xfer_fail(x);
		return -1;
	}
	if (!x->easy)
		x->easy = curl_easy_init();
	else
		curl_easy_reset(x->easy);
	e = x->easy;
	if (!e) {
		job_message(x, BURROW_EFETCH, "cannot start a transfer");
		xfer_fail(x);
		return -1;
	}
	if (!x->headers && (j->accept || j->if_none_match || j->if_modified_since)) {
		struct strbuf h = STRBUF_INIT;
		struct curl_slist *l = NULL;
		if (j->accept) {
			strbuf_addf(&h, "Accept: %s", j->accept);
			l = curl_slist_append(l, h.buf);
		}
		if (j->if_none_match && printable(j->if_none_match, strlen(j->if_none_match))) {
			strbuf_reset(&h);
			strbuf_addf(&h, "If-None-Match: %s", j->if_none_match);
			l = curl_slist_append(l, h.buf);
		}
		if (j->if_modified_since &&
		    printable(j->if_modified_since, strlen(j->if_modified_since))) {
			strbuf_reset(&h);
			strbuf_addf(&h, "If-Modified-Since: %s", j->if_modified_since);
			l = curl_slist_append(l, h.buf);
		}
		x->headers = l;
		strbuf_release(&h);
	}
	x->errbuf[0] = '\0';
	if (fetch_url_has_credentials(x->url, o->netrc))
		j->credentials = 1;
	curl_easy_setopt(e, CURLOPT_URL, x->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, o->connect_timeout);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, o->low_speed_limit);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, o->low_speed_time);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)left);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(e, CURLOPT_XFERINFODATA, x);
	curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_FAILONERROR, 0L);
	curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	/* only the netrc file we were given, so that we know when it applies */
	curl_easy_setopt(e, CURLOPT_NETRC,
	                 (long)(o->netrc ? CURL_NETRC_OPTIONAL : CURL_NETRC_IGNORED));
	if (o->netrc)
		curl_easy_setopt(e, CURLOPT_NETRC_FILE, o->netrc);
	curl_easy_setopt(e, CURLOPT_USERAGENT, FETCH_USER_AGENT);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)j->max_bytes);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	if (x->headers)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
	if (o->cacert)
		curl_easy_setopt(e, CURLOPT_CAINFO, o->cacert);
	if (curl_multi_add_handle(multi, e) != CURLM_OK) {
		job_message(x, BURROW_EFETCH, "cannot start a transfer");
		xfer_fail(x);
		return -1;
	}
	x->state = XFER_ACTIVE;
	return 0;
}

/* ---- file:// ---- */

static void xfer_file(struct xfer *x)
{
	struct fetch_job *j = x->job;
	struct strbuf path = STRBUF_INIT;
	struct stat st;
	char buf[65536];
	int fd;

	x->attempt = 1;
	if (fetch_file_url_path(x->url, &path) < 0) {
		job_message(x, BURROW_EFETCH, "malformed file URL");
		goto fail;
	}
	fd = open(path.buf, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			job_message(x, BURROW_EFETCH, "not found");
		else
			job_message(x, BURROW_EFETCH, "cannot open (%s)", strerror(errno));
		goto fail;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		job_message(x, BURROW_EFETCH, "not a regular file");
		goto fail;
	}
	if ((uint64_t)st.st_size > j->max_bytes) {
		close(fd);
		job_message(x, BURROW_EFETCH, "body larger than %llu bytes",
		            (unsigned long long)j->max_bytes);
		goto fail;
	}
	if (xfer_reset_body(x) < 0) {
		close(fd);
		goto fail;
	}
	for (;;) {
		ssize_t n;
		int sig = signals_pending();

		if (sig) {
			close(fd);
			job_message(x, sig, "interrupted");
			goto fail;
		}
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			job_message(x, BURROW_EFETCH, "read error (%s)", strerror(e));
			goto fail;
		}
		if (n == 0)
			break;
		if (sink_write(x, buf, (size_t)n) < 0) {
			close(fd);
			if (x->reason == XFER_ABORT_CAP)
				job_message(x, BURROW_EFETCH, "body larger than %llu bytes",
				            (unsigned long long)j->max_bytes);
			else
				job_message(x, BURROW_EFETCH, "cannot store body: %s",
				            strerror(x->write_errno));
			goto fail;
		}
	}
	close(fd);
	strbuf_release(&path);
	xfer_succeed(x);
	return;
fail:
	strbuf_release(&path);
	xfer_fail(x);
}

/* ---- the loop ---- */

static int curl_ready;

/* Tells opt->progress where the whole call stands; at most every
 * FETCH_POLL_MS unless final. */
static void report(const struct fetch_options *opt, const struct xfer *xs, size_t n,
                   int64_t *last_ms, int final)
{
	uint64_t bytes = 0;
	size_t i, done = 0;
	int64_t now;

	if (!opt->progress)
		return;
	now = now_ms();
	if (!final && now - *last_ms < FETCH_POLL_MS)
		return;
	*last_ms = now;
	for (i = 0; i < n; i++) {
		bytes += xs[i].received;
		done += xs[i].state == XFER_DONE;
	}
	opt->progress(opt->progress_arg, bytes, done, n);
	if (opt->detail) {
		uint64_t expected = 0, most = 0;
		const struct xfer *cur = NULL;
		int known = 1;
		for (i = 0; i < n; i++) {
			const struct xfer *x = &xs[i];
			uint64_t size = x->job->expect_size ? x->job->expect_size : x->expected;
			if (x->state == XFER_DONE) {
				expected += x->received;
				continue;
			}
			if (!size)
				known = 0;
			expected += size;
			if (x->state == XFER_ACTIVE &&
			    (!cur || (size > x->received ? size - x->received : 0) >= most)) {
				cur = x;
				most = size > x->received ? size - x->received : 0;
			}
		}
		if (cur) {
			struct strbuf u = STRBUF_INIT;
			add_url(&u, cur->url ? cur->url : cur->job->url);
			opt->detail(opt->progress_arg, known ? expected : 0, u.buf);
			strbuf_release(&u);
		} else {
			opt->detail(opt->progress_arg, known ? expected : 0, NULL);
		}
	}
}

int fetch_run(const struct fetch_options *opt, struct fetch_job *jobs, size_t n)
{
	struct fetch_options defaults;
	struct xfer *xs;
	CURLM *multi = NULL;
	size_t i, active = 0, left = 0;
	int sig = 0, rc = 0, maxjobs;
	int64_t reported = 0;

	if (!opt) {
		fetch_options_init(&defaults);
		opt = &defaults;
	}
	maxjobs = opt->jobs > 0 ? opt->jobs : 1;
	if (n == 0)
		return 0;
	xs = calloc(n, sizeof(*xs));
	if (!xs) {
		for (i = 0; i < n; i++) {
			error_set(&jobs[i].err, BURROW_EFETCH, "out of memory");
			jobs[i].status = BURROW_EFETCH;
		}
		return BURROW_EFETCH;
	}
	for (i = 0; i < n; i++) {
		xs[i].job = &jobs[i];
		xs[i].opt = opt;
		xs[i].fd = -1;
		xs[i].state = XFER_PENDING;
	}
	for (i = 0; i < n; i++) {
		struct xfer *x = &xs[i];
		struct fetch_job *j = &jobs[i];

		j->status = 0;
		j->tmpname[0] = '\0';
		j->sha256[0] = '\0';
		j->size = 0;
		j->http_status = 0;
		j->not_modified = 0;
		j->credentials = 0;
		strbuf_reset(&j->err);
		x->url = j->url ? strdup(j->url) : NULL;
		x->deadline_s = j->deadline > 0 ? j->deadline : opt->deadline;
		x->deadline_ms = now_ms() + (int64_t)x->deadline_s * 1000;
		if (!j->url || !x->url) {
			job_message(x, BURROW_EFETCH, "no URL");
			xfer_fail(x);
		} else if (j->max_bytes == 0) {
			job_message(x, BURROW_EFETCH, "no byte cap");
			xfer_fail(x);
		} else if (url_kind(x->url) == URL_FILE) {
			xfer_file(x);
			if (!j->status && opt->done)
				opt->done(opt->done_arg, j, i);
		} else if (url_kind(x->url) == URL_OTHER) {
			job_message(x, BURROW_EFETCH, "unsupported URL scheme");
			xfer_fail(x);
		} else if (opt->offline) {
			job_message(x, BURROW_EFETCH, "not in the cache, and offline");
			xfer_fail(x);
		} else {
			left++;
		}
		if (signals_pending())
			break;
	}

	if (left && !signals_pending()) {
		if (!curl_ready) {
			if (curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK)
				curl_ready = 1;
		}
		multi = curl_ready ? curl_multi_init() : NULL;
		if (!multi) {
			for (i = 0; i < n; i++)
				if (xs[i].state == XFER_PENDING) {
					job_message(&xs[i], BURROW_EFETCH, "cannot start libcurl");
					xfer_fail(&xs[i]);
				}
			left = 0;
		}
	}

	while (left) {
		int64_t now, wait = FETCH_POLL_MS;
		CURLMsg *msg;
		int running = 0, queued;

		if ((sig = signals_pending()))
			break;
		now = now_ms();
		for (i = 0; i < n && active < (size_t)maxjobs; i++) {
			struct xfer *x = &xs[i];
			if (x->state == XFER_PENDING ||
			    (x->state == XFER_WAITING && x->next_ms <= now)) {
				if (xfer_start(x, multi) == 0)
					active++;
				else
					left--;
			}
		}
		if (!left)
			break;
		curl_multi_perform(multi, &running);
		while ((msg = curl_multi_info_read(multi, &queued))) {
			struct xfer *x = NULL;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			CURLcode res = msg->data.result;
			curl_multi_remove_handle(multi, msg->easy_handle);
			active--;
			xfer_done(x, res);
			if (x->state == XFER_DONE) {
				left--;
				if (!x->job->status && opt->done)
					opt->done(opt->done_arg, x->job, (size_t)(x - xs));
			}
		}
		if (!left)
			break;
		report(opt, xs, n, &reported, 0);
		now = now_ms();
		for (i = 0; i < n; i++) {
			if (xs[i].state == XFER_PENDING && active < (size_t)maxjobs)
				wait = 0;
			else if (xs[i].state == XFER_WAITING && active < (size_t)maxjobs &&
			         xs[i].next_ms - now < wait)
				wait = xs[i].next_ms - now < 0 ? 0 : xs[i].next_ms - now;
		}
		if (active)
			curl_multi_poll(multi, NULL, 0, (int)wait, NULL);
		else if (wait > 0) {
			struct timespec ts = {0, (long)wait * 1000000L};
			nanosleep(&ts, NULL);
		}
	}

	if (!sig)
		sig = signals_pending();
	if (!sig)
		report(opt, xs, n, &reported, 1);
	for (i = 0; i < n; i++) {
		struct xfer *x = &xs[i];

		if (x->state == XFER_ACTIVE)
			curl_multi_remove_handle(multi, x->easy);
		if (sig && (x->state != XFER_DONE || jobs[i].status == 0)) {
			x->made_temp = x->made_temp || jobs[i].tmpname[0];
			job_message(x, sig, "interrupted");
			xfer_fail(x);
		}
		if (x->easy)
			curl_easy_cleanup(x->easy);
		curl_slist_free_all(x->headers);
		if (x->hashing)
			sha256_abort(&x->hash);
		free(x->url);
		if (!rc && jobs[i].status)
			rc = jobs[i].status;
	}
	if (multi)
		curl_multi_cleanup(multi);
	free(xs);
	return rc;
}
