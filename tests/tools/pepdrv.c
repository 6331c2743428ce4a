/*
 * pepdrv: a driver for differential tests of pep440, pep508 and tags against
 * Python's packaging (tests/e2e/test_pep_diff.py).
 *
 * Reads one command per line on stdin and writes exactly one result line per
 * command on stdout, flushing after each.  Fields are separated by TAB; in a
 * field (input and output) "\\", "\t", "\n", "\r" and "\xHH" stand for a
 * backslash, TAB, LF, CR and any byte.
 *
 *   norm V                      canonical form, or INVALID
 *   cmp A B                     -1, 0 or 1, or INVALID
 *   spec SET                    OK<TAB>str(SpecifierSet), or INVALID
 *   contains SET V MODE         True, False, ERROR, INVALID_SPEC or INVALID_VERSION;
 *                               MODE is default, true or false (prereleases=)
 *   req R                       OK<TAB>name<TAB>extras,sorted<TAB>url<TAB>spec<TAB>0|1
 *                               (has marker), or INVALID
 *   marker M [KEY VALUE]...     True, False, ERROR or INVALID
 *   satisfied R V               1 or 0, or INVALID
 *   tags FACTS                  count, then the tags, space-separated
 *   rank FACTS TRIPLE           index or -1
 * FACTS is 10 fields: major minor impl abi debug arch glibc_major
 * glibc_minor musl_major musl_minor (abi "-" for none).
 */
#include "pep440.h"
#include "pep508.h"
#include "tags.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 64

struct field {
	char *p;
	size_t n;
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Splits line in place on TAB and decodes each field; returns the count. */
static size_t split(char *line, size_t len, struct field *f)
{
	size_t nf = 0, i = 0;

	while (nf < MAX_FIELDS) {
		char *out = line + i;
		size_t n = 0;
		f[nf].p = out;
		while (i < len && line[i] != '\t') {
			char c = line[i++];
			if (c == '\\' && i < len) {
				char e = line[i++];
				if (e == 't')
					c = '\t';
				else if (e == 'n')
					c = '\n';
				else if (e == 'r')
					c = '\r';
				else if (e == 'x' && i + 1 < len && hexval(line[i]) >= 0 &&
				         hexval(line[i + 1]) >= 0) {
					c = (char)(hexval(line[i]) * 16 + hexval(line[i + 1]));
					i += 2;
				} else
					c = e;
			}
			out[n++] = c;
		}
		f[nf].n = n;
		nf++;
		if (i >= len)
			break;
		i++;
	}
	for (i = 0; i < nf; i++)
		f[i].p[f[i].n] = '\0'; /* decoding only shrinks, the tab slot is free */
	return nf;
}

static void put_escaped(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\\')
			fputs("\\\\", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\r')
			fputs("\\r", stdout);
		else if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

static int facts(struct field *f, struct tags_target *t)
{
	memset(t, 0, sizeof(*t));
	t->py_major = atoi(f[0].p);
	t->py_minor = atoi(f[1].p);
	t->impl = f[2].p;
	t->abi = strcmp(f[3].p, "-") ? f[3].p : NULL;
	t->debug = atoi(f[4].p);
	t->arch = f[5].p;
	t->glibc_major = atoi(f[6].p);
	t->glibc_minor = atoi(f[7].p);
	t->musl_major = atoi(f[8].p);
	t->musl_minor = atoi(f[9].p);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void do_req(struct field *f)
{
	struct pep508_req req;
	struct strbuf sb = STRBUF_INIT;
	char **ex;
	size_t i;

	if (pep508_parse(f[1].p, f[1].n, &req, NULL)) {
		puts("INVALID");
		return;
	}
	fputs("OK\t", stdout);
	put_escaped(req.name, strlen(req.name));
	putchar('\t');
	ex = calloc(req.nextras + 1, sizeof(*ex));
	for (i = 0; ex && i < req.nextras; i++)
		ex[i] = req.extras[i];
	if (ex)
		qsort(ex, req.nextras, sizeof(*ex), cmp_str);
	for (i = 0; ex && i < req.nextras; i++) {
		if (i)
			putchar(',');
		put_escaped(ex[i], strlen(ex[i]));
	}
	free(ex);
	putchar('\t');
	if (req.url)
		put_escaped(req.url, strlen(req.url));
	putchar('\t');
	pep440_specset_format(&req.spec, &sb);
	put_escaped(sb.buf, sb.len);
	printf("\t%d\n", req.marker != NULL);
	strbuf_release(&sb);
	pep508_release(&req);
}

static void do_marker(struct field *f, size_t nf)
{
	static const char *const keys[] = {
	    "implementation_name", "implementation_version", "os_name",
	    "platform_machine",    "platform_release",       "platform_system",
	    "platform_version",    "python_full_version",    "platform_python_implementation",
	    "python_version",      "sys_platform",           "extra"};
	const char *vals[12] = {0};
	struct pep508_marker *m;
	struct pep508_env env;
	size_t i, k;
	int res;

	for (i = 2; i + 1 < nf; i += 2)
		for (k = 0; k < 12; k++)
			if (!strcmp(f[i].p, keys[k]))
				vals[k] = f[i + 1].p;
	env.implementation_name = vals[0];
	env.implementation_version = vals[1];
	env.os_name = vals[2];
	env.platform_machine = vals[3];
	env.platform_release = vals[4];
	env.platform_system = vals[5];
	env.platform_version = vals[6];
	env.python_full_version = vals[7];
	env.platform_python_implementation = vals[8];
	env.python_version = vals[9];
	env.sys_platform = vals[10];
	env.extra = vals[11];
	if (pep508_marker_parse(f[1].p, f[1].n, &m, NULL)) {
		puts("INVALID");
		return;
	}
	if (pep508_marker_eval(m, &env, &res, NULL))
		puts("ERROR");
	else
		puts(res ? "True" : "False");
	pep508_marker_free(m);
}

static void command(struct field *f, size_t nf)
{
	struct pep440_version a, b;
	struct strbuf sb = STRBUF_INIT;
	const char *cmd = f[0].p;

	if (!strcmp(cmd, "norm") && nf == 2) {
		if (pep440_parse_n(f[1].p, f[1].n, &a, NULL)) {
			puts("INVALID");
		} else {
			pep440_format(&a, &sb);
			put_escaped(sb.buf, sb.len);
			putchar('\n');
		}
	} else if (!strcmp(cmd, "cmp") && nf == 3) {
		if (pep440_parse_n(f[1].p, f[1].n, &a, NULL) ||
		    pep440_parse_n(f[2].p, f[2].n, &b, NULL))
			puts("INVALID");
		else
			printf("%d\n", pep440_compare(&a, &b));
	} else if (!strcmp(cmd, "spec") && nf == 2) {
		struct pep440_specset set;
		if (pep440_specset_parse(f[1].p, f[1].n, &set, NULL)) {
			puts("INVALID");
		} else {
			pep440_specset_format(&set, &sb);
			fputs("OK\t", stdout);
			put_escaped(sb.buf, sb.len);
			putchar('\n');
			pep440_specset_release(&set);
		}
	} else if (!strcmp(cmd, "contains") && nf == 4) {
		struct pep440_specset set;
		int mode = !strcmp(f[3].p, "true") ? 1 : !strcmp(f[3].p, "false") ? 0 : -1, res;
		if (pep440_specset_parse(f[1].p, f[1].n, &set, NULL)) {
			puts("INVALID_SPEC");
		} else {
			if (pep440_parse_n(f[2].p, f[2].n, &a, NULL))
				puts("INVALID_VERSION");
			else if (pep440_specset_contains(&set, &a, mode, &res, NULL))
				puts("ERROR");
			else
				puts(res ? "True" : "False");
			pep440_specset_release(&set);
		}
	} else if (!strcmp(cmd, "req") && nf == 2) {
		do_req(f);
	} else if (!strcmp(cmd, "marker") && nf >= 2) {
		do_marker(f, nf);
	} else if (!strcmp(cmd, "satisfied") && nf == 3) {
		struct pep508_req req;
		if (pep508_parse(f[1].p, f[1].n, &req, NULL)) {
			puts("INVALID");
		} else {
			printf("%d\n", pep508_satisfied(&req, f[2].p));
			pep508_release(&req);
		}
	} else if ((!strcmp(cmd, "tags") && nf == 11) || (!strcmp(cmd, "rank") && nf == 12)) {
		struct tags_target t;
		struct tags_list l;
		size_t i;
		facts(f + 1, &t);
		if (tags_build(&t, &l, &sb)) {
			printf("ERROR %s\n", sb.buf);
		} else if (nf == 11) {
			printf("%zu", l.n);
			for (i = 0; i < l.n; i++)
				printf(" %s", l.tags[i]);
			putchar('\n');
		} else {
			printf("%ld\n", tags_rank(&l, f[11].p, f[11].n));
		}
		tags_release(&l);
	} else {
		puts("BADCOMMAND");
	}
	strbuf_release(&sb);
}

int main(void)
{
	struct field f[MAX_FIELDS];
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, stdin)) >= 0) {
		size_t len = (size_t)n, nf;
		if (len && line[len - 1] == '\n')
			len--;
		nf = split(line, len, f);
		command(f, nf);
		fflush(stdout);
	}
	free(line);
	return 0;
}
