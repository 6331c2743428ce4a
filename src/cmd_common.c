/*
 * cmd_common: what every command shares and the light front binary needs
 * too: the global options (flags and BURROW_* variables), usage and error
 * printing.  libc only.
 */
#include "cmd.h"
#include "util/suggest.h"

#include "util/error.h"
#include "util/strbuf.h"

#include <errno.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct globals globals = {.wait_ms = 600000};

void (*cmd_progress_flush)(void);
const char *(*cmd_suggest_option)(const char *cmd, const char *opt);

int cmd_fail(int code, const struct strbuf *err)
{
	if (code && cmd_progress_flush)
		cmd_progress_flush();
	if (code)
		fprintf(stderr, "burrow: error: %s\n", err && err->len ? err->buf : "failed");
	return code;
}

int cmd_close_stdout(int code)
{
	int failed = ferror(stdout) != 0, e = 0;

	if (fflush(stdout) != 0) {
		failed = 1;
		e = errno;
	}
	/* EBADF with nothing written: stdout was closed, and nothing was lost */
	if (fclose(stdout) != 0 && (failed || errno != EBADF)) {
		if (!e)
			e = errno;
		failed = 1;
	}
	if (!failed)
		return code;
	if (e)
		fprintf(stderr, "burrow: error: write error on standard output: %s\n", strerror(e));
	else
		fprintf(stderr, "burrow: error: write error on standard output\n");
	return code ? code : BURROW_EFAIL;
}

int cmd_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "burrow %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see burrow help %s)\n", cmd);
	return BURROW_EUSAGE;
}

/* The options of the commands the libc-only front answers itself (run,
 * env) and the global ones, for its did-you-mean: the help tables live in
 * burrow-core. */
static const char *const front_options[] = {
    "--keep",      "--env",  "--user", "--json",     "--quiet",  "--verbose", "--offline",
    "--cache-dir", "--jobs", "--wait", "--progress", "--cacert", "--help",
};

int cmd_unknown_option(const char *cmd, const char *opt)
{
	const char *near = cmd_suggest_option
	                       ? cmd_suggest_option(cmd, opt)
	                       : suggest_closest(opt, front_options,
	                                         sizeof(front_options) / sizeof(front_options[0]));
	struct strbuf shown = STRBUF_INIT;
	int r;

	/* argv is the caller's bytes: escaped, as every echoed value */
	strbuf_add_escaped(&shown, opt, strlen(opt));
	if (near)
		r = cmd_usage(cmd, "unknown option %s (did you mean %s?)", shown.buf, near);
	else
		r = cmd_usage(cmd, "unknown option %s", shown.buf);
	strbuf_release(&shown);
	return r;
}

int cmd_one_operand(const char *cmd, int argc, char **argv, const char *missing, const char **out)
{
	int i, r;

	*out = NULL;
	for (i = 1; i < argc; i++) {
		if ((r = cmd_global_option(argc, argv, &i))) {
			if (r < 0)
				return BURROW_EUSAGE;
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1])
			return cmd_unknown_option(cmd, argv[i]);
		if (*out)
			return cmd_usage(cmd, "unexpected argument %s", argv[i]);
		*out = argv[i];
	}
	if (!*out)
		return cmd_usage(cmd, "%s", missing);
	return 0;
}

/* A bare or quoted TOML key, then '=' that is not "==": a TOML statement. */
static int toml_key_line(const char *s, const char *end, const char **key_end)
{
	const char *p = s;

	if (p < end && (*p == '"' || *p == '\'')) {
		const char *q = memchr(p + 1, *p, (size_t)(end - p - 1));
		if (!q)
			return 0;
		p = q + 1;
	} else {
		while (p < end &&
		       (isalnum((unsigned char)*p) || *p == '_' || *p == '-' || *p == '.'))
			p++;
		if (p == s)
			return 0;
	}
	*key_end = p;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p < end && *p == '=' && (p + 1 == end || p[1] != '=');
}

enum cmd_manifest_format cmd_manifest_format(const char *name, const char *data, size_t len)
{
	const char *base = name ? strrchr(name, '/') : NULL, *p = data, *end = data + len;
	enum cmd_manifest_format f = CMD_MANIFEST_TOML;
	int seen = 0;
	size_t n;

	base = base ? base + 1 : name;
	n = base ? strlen(base) : 0;
	if (base && (!strcmp(base, "pylock.toml") ||
	             (!strncmp(base, "pylock.", 7) && n > 12 && !strcmp(base + n - 5, ".toml"))))
		return CMD_MANIFEST_PYLOCK;
	if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *s = p, *key_end;
		p = nl ? nl + 1 : end;
		while (s < le && (*s == ' ' || *s == '\t' || *s == '\r'))
			s++;
		if (s == le || *s == '#')
			continue;
		if (*s == '[')
			return seen ? f : CMD_MANIFEST_TOML; /* a table header: top level ends */
		if (!toml_key_line(s, le, &key_end))
			return seen ? f : CMD_MANIFEST_REQUIREMENTS;
		seen = 1;
		if ((size_t)(key_end - s) == 12 && !memcmp(s, "lock-version", 12))
			f = CMD_MANIFEST_PYLOCK;
	}
	if (!seen && n > 4 && !strcmp(base + n - 4, ".txt"))
		return CMD_MANIFEST_REQUIREMENTS;
	if (!seen && n > 3 && !strcmp(base + n - 3, ".in"))
		return CMD_MANIFEST_REQUIREMENTS;
	return f;
}

const char *cmd_manifest_format_name(enum cmd_manifest_format f)
{
	switch (f) {
	case CMD_MANIFEST_PYLOCK:
		return "a PEP 751 lock file";
	case CMD_MANIFEST_REQUIREMENTS:
		return "a pip requirements file";
	default:
		return "burrow's TOML manifest";
	}
}

int cmd_dir_len(const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return (int)n;
}

int cmd_list_add(struct cmd_list *l, char *s)
{
	char **p = realloc(l->v, (l->n + 2) * sizeof(char *));

	if (!p)
		return -1;
	l->v = p;
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
	return 0;
}

static int parse_int(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < 0 || v > 1000000)
		return -1;
	*out = (int)v;
	return 0;
}

/* Seconds with up to three decimals ("2", "0.5", "1.250") into ms. */
static int parse_seconds(const char *s, int64_t *out_ms)
{
	int64_t v = 0, frac = 0;
	int digits = 0;

	if (!*s || *s == '.')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (*s - '0');
		if (v > 1000000)
			return -1;
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9' && digits < 3; s++, digits++)
			frac = frac * 10 + (*s - '0');
		if (!digits)
			return -1;
		for (; digits < 3; digits++)
			frac *= 10;
	}
	if (*s)
		return -1;
	*out_ms = v * 1000 + frac;
	return 0;
}

int cmd_global_option(int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	const char *val = NULL;
	size_t n;

#define VALUE(name)                                                                                \
	(n = strlen(name), !strncmp(a, name, n) && (a[n] == '=' || a[n] == '\0')) &&               \
	    ((val = a[n] == '=' ? a + n + 1 : (*i + 1 < argc ? argv[++*i] : NULL)) != NULL ||      \
	     (fprintf(stderr, "burrow: %s needs a value\n", name), 0))

	if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
		globals.quiet = 1;
	} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
		globals.verbose++;
	} else if (!strcmp(a, "--offline")) {
		globals.offline = 1;
	} else if (!strcmp(a, "--json")) {
		globals.json = 1;
	} else if (VALUE("--cache-dir")) {
		globals.cache_dir = val;
	} else if (VALUE("--jobs")) {
		if (parse_int(val, &globals.jobs) < 0 || globals.jobs < 1) {
			fprintf(stderr, "burrow: --jobs: expected a positive number\n");
			return -1;
		}
	} else if (VALUE("--wait")) {
		if (parse_seconds(val, &globals.wait_ms) < 0) {
			fprintf(stderr, "burrow: --wait: expected seconds (at most three decimals: "
			                "0.5, 2, 1.250)\n");
			return -1;
		}
	} else if (VALUE("--progress")) {
		if (strcmp(val, "auto") && strcmp(val, "plain") && strcmp(val, "none")) {
			fprintf(stderr, "burrow: --progress: expected auto, plain or none\n");
			return -1;
		}
		globals.progress = val;
	} else if (VALUE("--cacert")) {
		globals.cacert = val;
	} else {
		if (val == NULL && a[0] == '-' && a[1] == '-' &&
		    (!strcmp(a, "--cache-dir") || !strcmp(a, "--jobs") || !strcmp(a, "--wait") ||
		     !strcmp(a, "--progress") || !strcmp(a, "--cacert")))
			return -1;
		return 0;
	}
#undef VALUE
	return 1;
}

void cmd_env_defaults(void)
{
	const char *v;

	if ((v = getenv("BURROW_OFFLINE")) && *v && strcmp(v, "0"))
		globals.offline = 1;
	if ((v = getenv("BURROW_JOBS")) && *v)
		parse_int(v, &globals.jobs);
	if ((v = getenv("BURROW_WAIT")) && *v)
		parse_seconds(v, &globals.wait_ms);
	if ((v = getenv("BURROW_PROGRESS")) && *v)
		globals.progress = v;
	if ((v = getenv("BURROW_CACERT")) && *v)
		globals.cacert = v;
	else if ((v = getenv("SSL_CERT_FILE")) && *v)
		globals.cacert = v;
	if ((v = getenv("BURROW_QUIET")) && *v && strcmp(v, "0"))
		globals.quiet = 1;
}
