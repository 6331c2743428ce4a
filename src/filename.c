/*
 * filename: parse artifact file names (wheels per PEP 427, native bundles
 * NAME-VERSION-PLATFORM.tar.{gz,xz,zst}) and normalise project names per
 * PEP 503.  Everything here sees hostile strings from index pages and
 * directory listings, so every field is checked against a small alphabet
 * and a length bound before it is copied.
 */
#include "filename.h"

#include <stdio.h>
#include <string.h>

#define FILENAME_MAX_LEN 1024
#define FILENAME_MAX_PARTS 6

static int is_alnum(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int pep503_valid(const char *name)
{
	size_t i, n;

	if (!name)
		return 0;
	n = strlen(name);
	if (n == 0 || n > PEP503_NAME_MAX || !is_alnum((unsigned char)name[0]) ||
	    !is_alnum((unsigned char)name[n - 1]))
		return 0;
	for (i = 1; i + 1 < n; i++) {
		int c = (unsigned char)name[i];
		if (!is_alnum(c) && c != '.' && c != '_' && c != '-')
			return 0;
	}
	return 1;
}

int pep503_normalize(const char *name, struct strbuf *out)
{
	const char *p;
	int in_sep = 0;

	strbuf_reset(out);
	for (p = name; *p; p++) {
		int c = (unsigned char)*p;

		if (c == '-' || c == '_' || c == '.') {
			if (!in_sep && strbuf_addch(out, '-') < 0)
				return -1;
			in_sep = 1;
			continue;
		}
		in_sep = 0;
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (strbuf_addch(out, c) < 0)
			return -1;
	}
	return 0;
}

/* Copies [s, s+n) into dst (size dstsz) when every byte passes ok(); -1 when
 * empty, too long or a byte is refused. */
static int copy_field(char *dst, size_t dstsz, const char *s, size_t n, const char *alphabet)
{
	size_t i;

	if (n == 0 || n >= dstsz)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!is_alnum(c) && (c == '\0' || !strchr(alphabet, c)))
			return -1;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

static int version_ok(const char *v)
{
	if (is_digit((unsigned char)v[0]))
		return 1;
	return (v[0] == 'v' || v[0] == 'V') && is_digit((unsigned char)v[1]);
}

static const char *const bundle_exts[] = {"tar.gz", "tar.xz", "tar.zst"};

int filename_parse(const char *filename, struct filename_info *out)
{
	const char *start[FILENAME_MAX_PARTS];
	size_t len[FILENAME_MAX_PARTS];
	size_t n, stem, i, nparts = 0;
	const char *p, *ext = NULL;
	int wheel = 0;

	memset(out, 0, sizeof(*out));
	if (!filename)
		return -1;
	n = strnlen(filename, FILENAME_MAX_LEN + 1);
	if (n == 0 || n > FILENAME_MAX_LEN)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)filename[i];
		if (c <= 0x20 || c >= 0x7f || c == '/' || c == '\\')
			return -1;
	}
	if (n > 4 && !strcmp(filename + n - 4, ".whl")) {
		wheel = 1;
		ext = "whl";
		stem = n - 4;
	} else {
		stem = 0;
		for (i = 0; i < sizeof(bundle_exts) / sizeof(bundle_exts[0]); i++) {
			size_t el = strlen(bundle_exts[i]);
			if (n > el + 1 && filename[n - el - 1] == '.' &&
			    !strcmp(filename + n - el, bundle_exts[i])) {
				ext = bundle_exts[i];
				stem = n - el - 1;
				break;
			}
		}
		if (!ext)
			return -1;
	}

	/* split the stem on '-' */
	p = filename;
	start[0] = p;
	for (i = 0; i < stem; i++) {
		if (filename[i] != '-')
			continue;
		if (nparts + 1 >= FILENAME_MAX_PARTS)
			goto fail;
		len[nparts] = (size_t)(filename + i - start[nparts]);
		nparts++;
		start[nparts] = filename + i + 1;
	}
	len[nparts] = (size_t)(filename + stem - start[nparts]);
	nparts++;

	if (nparts < 2)
		goto fail;
	if (copy_field(out->name, sizeof(out->name), start[0], len[0], "._") < 0 ||
	    !pep503_valid(out->name))
		goto fail;
	if (copy_field(out->version, sizeof(out->version), start[1], len[1], ".!+_") < 0 ||
	    !version_ok(out->version))
		goto fail;
	snprintf(out->ext, sizeof(out->ext), "%s", ext);

	if (wheel) {
		size_t t = 2;

		if (nparts != 5 && nparts != 6)
			goto fail;
		out->kind = FILENAME_WHEEL;
		if (nparts == 6) {
			if (copy_field(out->build, sizeof(out->build), start[2], len[2], "_") < 0 ||
			    !is_digit((unsigned char)out->build[0]))
				goto fail;
			t = 3;
		}
		if (copy_field(out->python, sizeof(out->python), start[t], len[t], "._") < 0 ||
		    copy_field(out->abi, sizeof(out->abi), start[t + 1], len[t + 1], "._") < 0 ||
		    copy_field(out->platform, sizeof(out->platform), start[t + 2], len[t + 2],
		               "._") < 0)
			goto fail;
		return 0;
	}

	if (nparts != 3)
		goto fail;
	out->kind = FILENAME_BUNDLE;
	if (copy_field(out->platform, sizeof(out->platform), start[2], len[2], "._") < 0 ||
	    !is_alpha((unsigned char)out->platform[0]))
		goto fail;
	return 0;
fail:
	memset(out, 0, sizeof(*out));
	return -1;
}
