/*
 * cmd_progress: how create, install and fetch show the core's progress
 * events (install.h: resolve, download, downloaded, unpack, link, compile,
 * commit, warning) and the downloader's byte counts (fetch.h) on stderr.
 *
 *  - none (-q, --progress none): nothing at all;
 *  - plain (--progress plain; or auto when stderr is not a terminal, or
 *    TERM=dumb, as in a Docker build log): one line per event,
 *    "burrow: PHASE: MSG" ("burrow: downloaded FILE (SIZE)" per file),
 *    never a carriage return or an escape sequence;
 *  - live (auto on a terminal): one status line per phase, rewritten in
 *    place with '\r' (the phase, a count, and for transfers the files done,
 *    the bytes of the total and the percent when every size is known, the
 *    rate, and the file still downloading), cut to the terminal's width and padded with
 *    spaces over what it replaces, finished with a newline when the phase
 *    changes, before a warning and before any error (cmd_fail calls
 *    cmd_progress_flush).
 * A transfer that will be tried again gets a line of its own ("burrow:
 * retrying FILE (attempt 2 of 5, in 0.5 s): WHY") on a terminal, and in
 * plain mode with -v.
 * No colour anywhere, so NO_COLOR has nothing to turn off.  Control bytes
 * in messages (file names come from repositories) are shown as '?'.
 * Events may come from install's unpack threads: one mutex guards the
 * state and each line is written with one call.
 */
#include "cmd.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

enum progress_mode { MODE_UNSET, MODE_NONE, MODE_PLAIN, MODE_LIVE };

static struct {
	enum progress_mode mode;
	int open;                   /* a live line is on screen, the cursor at its end */
	size_t shown;               /* its width in bytes */
	char phase[32];             /* the phase the line shows */
	char msg[512];              /* the phase's last message */
	size_t count;               /* events in this phase */
	int64_t start_ms;           /* when the phase began */
	int xfer;                   /* transfers reported in this phase */
	uint64_t bytes, base_bytes; /* this fetch_run call / earlier calls */
	size_t done, total, base_done, base_total;
	uint64_t expected, base_expected; /* bytes in all when known, else 0 */
	char current[256];                /* the file still downloading, or "" */
	size_t held;                      /* unpack events held back while downloads run */
	char held_msg[512];               /* the last of them */
} st;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static enum progress_mode mode(void)
{
	const char *p = globals.progress, *term;

	if (globals.quiet || (p && !strcmp(p, "none")))
		return MODE_NONE;
	if (st.mode != MODE_UNSET)
		return st.mode;
	term = getenv("TERM");
	if ((p && !strcmp(p, "plain")) || !isatty(STDERR_FILENO) || (term && !strcmp(term, "dumb")))
		st.mode = MODE_PLAIN;
	else
		st.mode = MODE_LIVE;
	return st.mode;
}

/* Appends s to line (at most cap bytes in all), control bytes as '?'. */
static void add_clean(char *line, size_t cap, size_t *len, const char *s)
{
	for (; *s && *len + 1 < cap; s++)
		line[(*len)++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
	line[*len] = '\0';
}

static void add_fmt(char *line, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add_fmt(char *line, size_t cap, size_t *len, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	add_clean(line, cap, len, tmp);
}

const char *cmd_human_size(uint64_t n, char *buf, size_t len)
{
	if (n < 1024)
		snprintf(buf, len, "%u B", (unsigned)n);
	else if (n < 1024 * 1024)
		snprintf(buf, len, "%u KiB", (unsigned)((n + 512) / 1024));
	else if (n < (uint64_t)1024 * 1024 * 1024)
		snprintf(buf, len, "%.1f MiB", (double)n / (1024.0 * 1024.0));
	else
		snprintf(buf, len, "%.2f GiB", (double)n / (1024.0 * 1024.0 * 1024.0));
	return buf;
}

static size_t columns(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

static void draw(void)
{
	char line[1024], a[32], b[32];
	size_t len = 0, cols = columns(), pad;

	add_clean(line, sizeof(line), &len, "burrow: ");
	add_clean(line, sizeof(line), &len, st.phase[0] ? st.phase : "working");
	if (st.count > 1)
		add_fmt(line, sizeof(line), &len, " [%zu]", st.count);
	if (st.msg[0]) {
		add_clean(line, sizeof(line), &len, ": ");
		add_clean(line, sizeof(line), &len, st.msg);
	}
	if (st.xfer) {
		uint64_t bytes = st.base_bytes + st.bytes;
		int64_t ms = now_ms() - st.start_ms;

		uint64_t expected = st.expected ? st.base_expected + st.expected : 0;

		add_fmt(line, sizeof(line), &len, " (%zu/%zu done, %s", st.base_done + st.done,
		        st.base_total + st.total, cmd_human_size(bytes, a, sizeof(a)));
		if (expected >= bytes && expected > 0)
			add_fmt(line, sizeof(line), &len, " of %s, %u%%",
			        cmd_human_size(expected, b, sizeof(b)),
			        (unsigned)(bytes * 100 / expected));
		if (ms >= 200)
			add_fmt(line, sizeof(line), &len, ", %s/s",
			        cmd_human_size(bytes * 1000 / (uint64_t)ms, b, sizeof(b)));
		if (st.current[0] && st.done < st.total) {
			add_clean(line, sizeof(line), &len, "; ");
			add_clean(line, sizeof(line), &len, st.current);
		}
		add_clean(line, sizeof(line), &len, ")");
	}
	/* one row only: '\r' goes back to the start of the last row */
	if (len > cols - 1) {
		len = cols - 1;
		while (len > 0 && ((unsigned char)line[len] & 0xc0) == 0x80)
			len--; /* not in the middle of a UTF-8 sequence */
		line[len] = '\0';
	}
	pad = st.shown > len ? st.shown - len : 0;
	fprintf(stderr, "\r%s%*s", line, (int)pad, "");
	if (pad)
		fprintf(stderr, "\r%s", line);
	fflush(stderr);
	st.open = 1;
	st.shown = len;
}

static void flush_line(void)
{
	if (st.open) {
		fputc('\n', stderr);
		fflush(stderr);
	}
	st.open = 0;
	st.shown = 0;
}

/* Unpacking ran beside the downloads: its line comes after theirs,
 * counting what was done meanwhile.  1 when the line is left open
 * (phase "unpack", to be continued). */
static int release_held(int keep_open)
{
	size_t held = st.held;

	if (!held)
		return 0;
	st.held = 0;
	snprintf(st.phase, sizeof(st.phase), "unpack");
	snprintf(st.msg, sizeof(st.msg), "%s", st.held_msg);
	st.count = held;
	st.xfer = 0;
	st.start_ms = now_ms();
	if (keep_open)
		return 1;
	draw();
	flush_line();
	return 0;
}

static void flush_locked(void)
{
	pthread_mutex_lock(&lock);
	flush_line();
	release_held(0);
	pthread_mutex_unlock(&lock);
}

static void new_phase(const char *phase)
{
	flush_line();
	if (release_held(!strcmp(phase, "unpack")))
		return;
	snprintf(st.phase, sizeof(st.phase), "%s", phase);
	st.msg[0] = '\0';
	st.count = 0;
	st.start_ms = now_ms();
	st.xfer = 0;
	st.bytes = st.base_bytes = 0;
	st.done = st.total = st.base_done = st.base_total = 0;
	st.expected = st.base_expected = 0;
	st.current[0] = '\0';
}

static void event(const char *phase, const char *msg)
{
	char line[1024];
	size_t len = 0;

	switch (mode()) {
	case MODE_NONE:
	case MODE_UNSET:
		return;
	case MODE_PLAIN:
		add_clean(line, sizeof(line), &len, "burrow: ");
		add_clean(line, sizeof(line), &len, phase);
		add_clean(line, sizeof(line), &len, strcmp(phase, "downloaded") ? ": " : " ");
		add_clean(line, sizeof(line), &len, msg);
		fprintf(stderr, "%s\n", line);
		return;
	case MODE_LIVE:
		break;
	}
	cmd_progress_flush = flush_locked;
	if (!strcmp(phase, "warning")) {
		flush_line();
		add_clean(line, sizeof(line), &len, "burrow: warning: ");
		add_clean(line, sizeof(line), &len, msg);
		fprintf(stderr, "%s\n", line);
		return;
	}
	if (!strcmp(phase, "downloaded")) {
		/* the transfer counts already say it; the file names would
		 * only flash by */
		if (strcmp(st.phase, "download"))
			new_phase("download");
		draw();
		return;
	}
	if (!strcmp(phase, "unpack") && !strcmp(st.phase, "download") &&
	    !(st.xfer && st.done == st.total)) {
		/* downloads and unpacking overlap; one line at a time */
		st.held++;
		snprintf(st.held_msg, sizeof(st.held_msg), "%s", msg);
		return;
	}
	if (strcmp(phase, st.phase))
		new_phase(phase);
	st.count++;
	snprintf(st.msg, sizeof(st.msg), "%s", msg);
	draw();
}

void cmd_progress(void *arg, const char *phase, const char *msg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	event(phase, msg);
	pthread_mutex_unlock(&lock);
}

static void transfer(uint64_t bytes, size_t done, size_t total)
{
	if (mode() != MODE_LIVE)
		return;
	cmd_progress_flush = flush_locked;
	if (st.xfer && st.total && st.done == st.total) {
		/* the last fetch_run call ended: this is a new one (index
		 * pages come one call per page) */
		st.base_bytes += st.bytes;
		st.base_done += st.done;
		st.base_total += st.total;
		st.base_expected += st.expected;
		st.expected = 0;
	}
	st.xfer = 1;
	st.bytes = bytes;
	st.done = done;
	st.total = total;
	draw();
}

void cmd_fetch_progress(void *arg, uint64_t bytes, size_t done, size_t total)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	transfer(bytes, done, total);
	pthread_mutex_unlock(&lock);
}

/* The last path component of a URL, without its query: what a person
 * recognises of a download. */
static void file_of(const char *url, char *out, size_t cap)
{
	const char *end = url + strcspn(url, "?#"), *p = end;

	while (p > url && p[-1] != '/')
		p--;
	snprintf(out, cap, "%.*s", (int)(end - p), p);
}

void cmd_fetch_detail(void *arg, uint64_t expected, const char *current)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	if (mode() == MODE_LIVE) {
		st.expected = expected;
		if (current)
			file_of(current, st.current, sizeof(st.current));
		else
			st.current[0] = '\0';
		if (st.xfer)
			draw();
	}
	pthread_mutex_unlock(&lock);
}

void cmd_fetch_retrying(void *arg, const char *url, int attempt, int attempts, long delay_ms,
                        const char *why)
{
	char line[1024], file[256];
	size_t len = 0;
	enum progress_mode m;

	(void)arg;
	pthread_mutex_lock(&lock);
	m = mode();
	if (m == MODE_LIVE || (m == MODE_PLAIN && globals.verbose)) {
		file_of(url, file, sizeof(file));
		add_clean(line, sizeof(line), &len, "burrow: retrying ");
		add_clean(line, sizeof(line), &len, file[0] ? file : url);
		add_fmt(line, sizeof(line), &len, " (attempt %d of %d, in %ld.%ld s): ", attempt,
		        attempts, delay_ms / 1000, delay_ms % 1000 / 100);
		add_clean(line, sizeof(line), &len, why);
		if (m == MODE_LIVE)
			flush_line();
		fprintf(stderr, "%s\n", line);
		if (m == MODE_LIVE && st.xfer)
			draw();
	}
	pthread_mutex_unlock(&lock);
}
