/*
 * fetch: the downloader.  Many transfers at once over libcurl's multi
 * interface (http, https) and a native reader for file:// URLs; every body is
 * streamed through SHA-256 and a byte cap, into a temp file or memory.
 *
 * Network policy (reliability-notes I8): connect timeout, low-speed abort,
 * an overall deadline per job, at most 10 redirects followed by us (never
 * https -> http), retries with exponential backoff and jitter on
 * 408/429/500/502/503/504 and transient curl errors, Retry-After honoured up
 * to a cap, TLS always verified, no Content-Encoding ever requested,
 * credentials from the netrc file main.c names ($HOME/.netrc; optional) or
 * from the URL, and every URL redacted before it reaches a message.
 *
 * CA certificates: opt->cacert when set, else libcurl's built-in default
 * (Debian: /etc/ssl/certs/ca-certificates.crt).  The core reads no
 * environment variables itself; main.c may map SSL_CERT_FILE or
 * BURROW_CACERT to cacert.
 */
#ifndef BURROW_FETCH_H
#define BURROW_FETCH_H

#include "util/strbuf.h"

#include <stddef.h>
#include <stdint.h>

struct fetch_job;

struct fetch_options {
	long connect_timeout; /* s, default 30 */
	long low_speed_time;  /* s below low_speed_limit bytes/s -> abort; default 30 */
	long low_speed_limit; /* bytes/s, default 1024 */
	long deadline;        /* s, whole transfer including retries; default 900 */
	long page_deadline;   /* s, the same for an index page (a job's own deadline is
	                         set from it by repo.c); default 60: a server trickling a
	                         page just above the low-speed limit is cut within a
	                         minute */
	int retries;          /* extra attempts after the first, default 4 */
	long max_retry_after; /* s one transfer may spend waiting between attempts,
	                         backoff and Retry-After together; default 60.  A
	                         Retry-After asking for more than is left fails
	                         the transfer at once, naming the server's answer */
	long backoff_ms;      /* first retry delay, doubled per attempt (+ up to 50%
	                         jitter, at most 30 s); default 500 */
	int jobs;             /* transfers at once, default 16 */
	const char *cacert;   /* CA bundle file, or NULL for libcurl's default */
	const char *netrc;    /* the netrc file to take credentials from (main.c:
	                         $NETRC, else $HOME/.netrc), or NULL for none */
	int offline;          /* refuse http(s) URLs with BURROW_EFETCH "offline" */
	/* Optional, for a progress display: called from fetch_run's loop at
	 * most every 100 ms, and once when all jobs are done, with the body
	 * bytes received so far over all jobs of the call, the jobs finished
	 * and the jobs in all.  NULL: none. */
	void (*progress)(void *arg, uint64_t bytes, size_t done, size_t total);
	void *progress_arg;
	/* Optional, with progress (same arg, same moments): the bytes the
	 * call will receive in all, when every unfinished job's size is known
	 * (its expect_size, else the Content-Length), else 0; and the
	 * redacted URL of an unfinished transfer (the one with most bytes
	 * still to come), or NULL. */
	void (*detail)(void *arg, uint64_t expected, const char *current);
	/* Optional (progress_arg): a transfer failed and starts again after
	 * delay_ms; attempt is the one about to start, of attempts in all;
	 * url is redacted; why is the failure's message. */
	void (*retrying)(void *arg, const char *url, int attempt, int attempts, long delay_ms,
	                 const char *why);
	/* Optional: called from fetch_run's loop as soon as job index i has
	 * succeeded (status 0), so the caller can start on it while the others
	 * download.  It may take the temp file (rename it, then clear
	 * tmpname), or set the job's status and err to fail it.  NULL: none. */
	void (*done)(void *arg, struct fetch_job *job, size_t i);
	void *done_arg;
};

/* Fills *o with the defaults above. */
void fetch_options_init(struct fetch_options *o);

struct fetch_job {
	/* in */
	const char *url;               /* http://, https:// or file:// */
	const char *accept;            /* Accept header, or NULL */
	const char *if_none_match;     /* a stored ETag to revalidate, or NULL */
	const char *if_modified_since; /* a stored Last-Modified to revalidate, or NULL */
	uint64_t max_bytes;            /* cap on body bytes, required (> 0) */
	const char *expect_sha256;     /* hex (any case) or NULL for no check */
	uint64_t expect_size;          /* the size the index declared, for progress; 0 unknown */
	int dest_dirfd;                /* >= 0: body goes to a new temp file (O_EXCL, 0600,
	                                  fsynced) in this dir; -1: body goes to `body` */
	long deadline;                 /* s for this job, retries included; 0: opt's */
	/* out */
	char tmpname[64];    /* temp file name under dest_dirfd; set only on success,
	                        the caller renames or unlinks it; "" otherwise */
	struct strbuf body;  /* the body when dest_dirfd < 0 */
	char sha256[65];     /* lower-case hex of the bytes received */
	uint64_t size;       /* bytes received */
	long http_status;    /* last HTTP status (0 for file:// or no answer) */
	char *content_type;  /* malloc'd or NULL */
	char *effective_url; /* malloc'd final URL after redirects, or NULL */
	char *etag;          /* malloc'd ETag of the final response, or NULL */
	char *last_modified; /* malloc'd Last-Modified of the final response, or NULL */
	int not_modified;    /* 1: a 304 answered a conditional request (no body;
	                        success, with size 0) */
	int credentials;     /* 1: a request of this job carried credentials (userinfo
	                        in its URL or a redirect's, or a netrc entry for its
	                        host): what it got must not be stored for others */
	int status;          /* BURROW_OK or a BURROW_E* code */
	struct strbuf err;   /* message when status != 0 */
};

/* Zeroes *j, sets dest_dirfd = -1 and initialises the strbufs. */
void fetch_job_init(struct fetch_job *j);
/* Frees what fetch_run put in *j (not the temp file, not the in fields). */
void fetch_job_release(struct fetch_job *j);

/* Runs all jobs, up to opt->jobs at once (opt NULL: defaults).  A job with
 * if_none_match or if_modified_since sends them (If-None-Match,
 * If-Modified-Since) and takes a 304 as success with not_modified set.  Each job gets
 * its own status and err.  Returns 0 when all succeeded, else the status of
 * the first failed job in array order.  A hash mismatch is BURROW_EINTEGRITY
 * ("sha256 mismatch for URL (expected X, got Y)"), every other failure
 * BURROW_EFETCH ("404 not found: URL", "stalled: URL", "body larger than N
 * bytes: URL", ...).  On failure the job's temp file is already unlinked.
 * When SIGINT/SIGTERM arrive (signals_pending()), every transfer stops, every
 * temp file this call created is unlinked (successful ones too), unfinished
 * jobs get BURROW_EINT/ETERM and that code is returned. */
int fetch_run(const struct fetch_options *opt, struct fetch_job *jobs, size_t n);

/* For a message about bytes that are not what was pinned: appends "; the
 * server sent text/html, not an archive (...)" when the job's response was
 * declared text/html (a captive portal or login page served in place of
 * the file), else nothing. */
void fetch_note_content_type(const struct fetch_job *j, struct strbuf *msg);

/* Copies url into out (reset first) with any user:password@ removed, for
 * messages.  The result is not escaped: add it with strbuf_add_escaped. */
void fetch_redact_url(const char *url, struct strbuf *out);

/* 1 when a request to url would carry credentials: userinfo in the URL
 * (any form fetch_redact_url removes), or an http(s) URL whose host the
 * netrc file (may be NULL) has a machine or default entry for. */
int fetch_url_has_credentials(const char *url, const char *netrc);

/* Decodes a file:// URL (file:///p or file://localhost/p; '?' and '#' end
 * the path) into a local path in out (reset first), percent-decoded.  -1 when
 * url is not such a URL, or decodes to a NUL byte or a relative path. */
int fetch_file_url_path(const char *url, struct strbuf *out);

/* Appends "file://" and the absolute path, percent-encoding every byte
 * outside [A-Za-z0-9/._~-].  -1 when path is not absolute or out is full. */
int fetch_path_to_file_url(const char *path, struct strbuf *out);

#endif
