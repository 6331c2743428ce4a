/*
 * repo: list the artifacts a repository offers for one project, and write
 * a static simple index for a folder of artifacts.
 *
 * Three kinds of repository: a PEP 503/691 simple index over http(s) (the
 * response Content-Type picks the HTML or JSON parser), a simple index on
 * disk (<root>/<project>/index.html), and a flat folder of files (pip's
 * --find-links DIR).  Index pages are hostile: they are parsed by pure,
 * bounded functions (libxml2's HTML parser without network access, json-c
 * in strict mode with a depth limit), every link is resolved with curl's URL
 * parser, links to schemes other than http(s) are dropped (file:// is kept
 * only on a file:// page), and a file is listed only when its name parses as
 * a wheel or native bundle.
 */
#include "repo.h"

#include "filename.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "util/signals.h"

#include <curl/curl.h>
#include <dirent.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define REPO_URL_MAX 8192  /* bytes of one link */
#define REPO_TEXT_MAX 1024 /* bytes of requires-python / yank reason */
#define REPO_JSON_DEPTH 32
#define REPO_SCAN_MAX 1000000 /* directory entries looked at */

/* ---- the list ---- */

void repo_files_release(struct repo_files *f)
{
	size_t i;

	for (i = 0; i < f->len; i++) {
		free(f->items[i].filename);
		free(f->items[i].url);
		free(f->items[i].yank_reason);
		free(f->items[i].requires_python);
	}
	free(f->items);
	f->items = NULL;
	f->len = f->alloc = 0;
}

static char *dup_bounded(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	char *p = malloc(n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

/* Appends an entry; takes nothing, copies everything.  -1 on ENOMEM or when
 * the list is full. */
static int files_add(struct repo_files *f, const char *filename, const char *url,
                     const char *sha256, int yanked, const char *yank_reason,
                     const char *requires_python, int64_t size)
{
	struct repo_file *e;

	if (f->len >= REPO_FILES_MAX)
		return -1;
	if (f->len == f->alloc) {
		size_t na = f->alloc ? f->alloc * 2 : 16;
		struct repo_file *ni;

		if (na > REPO_FILES_MAX)
			na = REPO_FILES_MAX;
		ni = realloc(f->items, na * sizeof(*ni));
		if (!ni)
			return -1;
		f->items = ni;
		f->alloc = na;
	}
	e = &f->items[f->len];
	memset(e, 0, sizeof(*e));
	e->filename = strdup(filename);
	e->url = strdup(url);
	e->yank_reason = yank_reason ? dup_bounded(yank_reason, REPO_TEXT_MAX) : NULL;
	e->requires_python = requires_python ? strdup(requires_python) : NULL;
	if (!e->filename || !e->url || (yank_reason && !e->yank_reason) ||
	    (requires_python && !e->requires_python)) {
		free(e->filename);
		free(e->url);
		free(e->yank_reason);
		free(e->requires_python);
		return -1;
	}
	if (sha256)
		snprintf(e->sha256, sizeof(e->sha256), "%s", sha256);
	e->yanked = yanked;
	e->size = size;
	f->len++;
	return 0;
}

/* ---- URLs ---- */

static void add_url(struct strbuf *sb, const char *url)
{
	struct strbuf r = STRBUF_INIT;

	fetch_redact_url(url ? url : "(no URL)", &r);
	strbuf_add_escaped(sb, r.buf, r.len);
	strbuf_release(&r);
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

/* PEP 658/714: an attribute value "true" or "HASHNAME=HEX" says the
 * metadata file is served; the sha256 is kept when it is one. */
static void metadata_attr(struct repo_file *e, const char *v)
{
	size_t k;

	if (!v || !strcmp(v, "false"))
		return;
	e->metadata = 1;
	if (strncmp(v, "sha256=", 7) || strlen(v + 7) != SHA256_HEX_LEN)
		return;
	for (k = 0; k < SHA256_HEX_LEN && hexval((unsigned char)v[7 + k]) >= 0; k++)
		e->metadata_sha256[k] = (char)tolower((unsigned char)v[7 + k]);
	e->metadata_sha256[k == SHA256_HEX_LEN ? k : 0] = '\0';
}

/* The base every link on a page resolves against. */
struct link_base {
	CURLU *url; /* NULL: no base, absolute links only */
	int allow_file;
};

static void link_base_set(struct link_base *b, const char *url, const struct link_base *parent)
{
	CURLU *u;

	if (!url)
		return;
	u = parent && parent->url ? curl_url_dup(parent->url) : curl_url();
	if (!u)
		return;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return;
	}
	if (b->url)
		curl_url_cleanup(b->url);
	b->url = u;
	if (!parent) {
		char *scheme = NULL;
		b->allow_file = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
		                !strcasecmp(scheme, "file");
		curl_free(scheme);
	}
}

/* Resolves href (bytes, may carry a fragment) against base.  url gets the
 * absolute URL without fragment, filename the percent-decoded last path
 * component, sha256 the hex of a "#sha256=" fragment (or "").  -1: skip the
 * link (unparseable, wrong scheme, no file name). */
static int resolve_link(const struct link_base *base, const char *href, struct strbuf *url,
                        struct strbuf *filename, char sha256[65])
{
	static const char hex[] = "0123456789ABCDEF";
	struct strbuf enc = STRBUF_INIT;
	const char *hash, *p, *last;
	char *s = NULL, *path = NULL;
	CURLU *u = NULL;
	size_t n;
	int rc = -1;

	strbuf_reset(url);
	strbuf_reset(filename);
	sha256[0] = '\0';
	n = strlen(href);
	if (n == 0 || n > REPO_URL_MAX)
		return -1;
	hash = strchr(href, '#');
	if (hash) {
		if (!strncasecmp(hash + 1, "sha256=", 7) && strlen(hash + 8) == SHA256_HEX_LEN) {
			size_t i;
			for (i = 0; i < SHA256_HEX_LEN; i++) {
				int c = (unsigned char)hash[8 + i];
				if (hexval(c) < 0)
					break;
				sha256[i] = (char)(c >= 'A' && c <= 'F' ? c + 32 : c);
			}
			sha256[i == SHA256_HEX_LEN ? i : 0] = '\0';
		}
		n = (size_t)(hash - href);
	}
	/* what a browser would send: spaces and non-ASCII percent-encoded */
	for (p = href; p < href + n; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20 || c >= 0x7f)
			strbuf_addf(&enc, "%%%c%c", hex[c >> 4], hex[c & 15]);
		else
			strbuf_addch(&enc, c);
	}
	if (!enc.len)
		goto out;
	u = base->url ? curl_url_dup(base->url) : curl_url();
	if (!u || curl_url_set(u, CURLUPART_URL, enc.buf, 0) != CURLUE_OK)
		goto out;
	curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
	if (curl_url_get(u, CURLUPART_SCHEME, &s, 0) != CURLUE_OK)
		goto out;
	if (strcasecmp(s, "http") && strcasecmp(s, "https") &&
	    !(base->allow_file && !strcasecmp(s, "file")))
		goto out;
	curl_free(s);
	s = NULL;
	if (curl_url_get(u, CURLUPART_URL, &s, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
		goto out;
	if (strlen(s) > REPO_URL_MAX || strbuf_addstr(url, s) < 0)
		goto out;
	last = strrchr(path, '/');
	last = last ? last + 1 : path;
	for (p = last; *p; p++) {
		int c = (unsigned char)*p;
		if (c == '%') {
			int hi = hexval((unsigned char)p[1]),
			    lo = hi < 0 ? -1 : hexval((unsigned char)p[2]);
			if (hi < 0 || lo < 0)
				goto out;
			c = hi * 16 + lo;
			p += 2;
			if (c == 0 || c == '/')
				goto out;
		}
		if (strbuf_addch(filename, c) < 0)
			goto out;
	}
	rc = filename->len ? 0 : -1;
out:
	curl_free(s);
	curl_free(path);
	curl_url_cleanup(u);
	strbuf_release(&enc);
	return rc;
}

/* Major number of an api-version string like "1.4"; -1 when malformed. */
static long api_major(const char *v)
{
	long major = 0;
	const char *p = v;

	if (!(*p >= '0' && *p <= '9'))
		return -1;
	while (*p >= '0' && *p <= '9') {
		major = major * 10 + (*p - '0');
		if (major > 1000000)
			return -1;
		p++;
	}
	if (*p && *p != '.')
		return -1;
	return major;
}

/* ---- HTML ---- */

static xmlNodePtr next_node(xmlNodePtr n, xmlNodePtr top)
{
	if (n->type == XML_ELEMENT_NODE && n->children)
		return n->children;
	while (n && n != top && !n->next)
		n = n->parent;
	if (!n || n == top)
		return NULL;
	return n->next;
}

static int is_element(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->name &&
	       !xmlStrcasecmp(n->name, (const xmlChar *)name);
}

static void silence(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

int repo_parse_html(const char *body, size_t len, const char *base_url, struct repo_files *out,
                    struct strbuf *err)
{
	struct link_base base = {NULL, 0};
	struct strbuf url = STRBUF_INIT, filename = STRBUF_INIT;
	struct filename_info info;
	htmlDocPtr doc;
	xmlNodePtr top, n;
	int seen_base = 0, rc = 0;
	char sha[65];

	if (len > REPO_PAGE_MAX) {
		strbuf_reset(err);
		strbuf_addf(err, "index page larger than %zu bytes: ", REPO_PAGE_MAX);
		add_url(err, base_url);
		return BURROW_ERESOLVE;
	}
	if (len == 0)
		return 0;
	xmlSetGenericErrorFunc(NULL, silence);
	doc = htmlReadMemory(body, (int)len, NULL, "UTF-8",
	                     HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
	                         HTML_PARSE_NOWARNING | HTML_PARSE_NOIMPLIED);
	if (!doc) {
		strbuf_reset(err);
		strbuf_addstr(err, "cannot parse HTML index page: ");
		add_url(err, base_url);
		return BURROW_ERESOLVE;
	}
	top = (xmlNodePtr)doc;
	link_base_set(&base, base_url, NULL);

	/* first pass: <base href> (the first one wins) and the API version */
	for (n = doc->children; n; n = next_node(n, top)) {
		if (!seen_base && is_element(n, "base")) {
			xmlChar *h = xmlGetProp(n, (const xmlChar *)"href");
			if (h) {
				seen_base = 1;
				if (strlen((char *)h) <= REPO_URL_MAX)
					link_base_set(&base, (char *)h, &base);
				xmlFree(h);
			}
		} else if (is_element(n, "meta")) {
			xmlChar *name = xmlGetProp(n, (const xmlChar *)"name");
			xmlChar *content = xmlGetProp(n, (const xmlChar *)"content");
			if (name && content &&
			    !xmlStrcasecmp(name, (const xmlChar *)"pypi:repository-version") &&
			    api_major((char *)content) != 1) {
				strbuf_reset(err);
				strbuf_addstr(err, "unsupported repository version \"");
				strbuf_add_escaped(err, content, strnlen((char *)content, 64));
				strbuf_addstr(err, "\": ");
				add_url(err, base_url);
				rc = BURROW_ERESOLVE;
			}
			xmlFree(name);
			xmlFree(content);
			if (rc)
				goto out;
		}
	}

	for (n = doc->children; n; n = next_node(n, top)) {
		xmlChar *href, *rp, *yank;
		int yanked;

		if (!is_element(n, "a"))
			continue;
		href = xmlGetProp(n, (const xmlChar *)"href");
		if (!href)
			continue;
		if (resolve_link(&base, (char *)href, &url, &filename, sha) < 0 ||
		    filename_parse(filename.buf, &info) < 0) {
			xmlFree(href);
			continue;
		}
		xmlFree(href);
		rp = xmlGetProp(n, (const xmlChar *)"data-requires-python");
		yanked = xmlHasProp(n, (const xmlChar *)"data-yanked") != NULL;
		yank = yanked ? xmlGetProp(n, (const xmlChar *)"data-yanked") : NULL;
		if (rp && strlen((char *)rp) > REPO_TEXT_MAX) {
			xmlFree(rp);
			xmlFree(yank);
			continue;
		}
		if (files_add(out, filename.buf, url.buf, sha, yanked,
		              yank && *yank ? (char *)yank : NULL, (char *)rp, -1) == 0) {
			xmlChar *md = xmlGetProp(n, (const xmlChar *)"data-core-metadata");
			if (!md)
				md = xmlGetProp(n, (const xmlChar *)"data-dist-info-metadata");
			if (md && strlen((char *)md) <= REPO_TEXT_MAX)
				metadata_attr(&out->items[out->len - 1], (char *)md);
			xmlFree(md);
		} else {
			xmlFree(rp);
			xmlFree(yank);
			strbuf_reset(err);
			strbuf_addf(err,
			            "too many files (over %d) or out of memory: ", REPO_FILES_MAX);
			add_url(err, base_url);
			rc = BURROW_ERESOLVE;
			goto out;
		}
		xmlFree(rp);
		xmlFree(yank);
	}
out:
	if (base.url)
		curl_url_cleanup(base.url);
	xmlFreeDoc(doc);
	strbuf_release(&url);
	strbuf_release(&filename);
	return rc;
}

/* ---- JSON ---- */

static int json_fail(struct strbuf *err, const char *base_url, const char *what, long index)
{
	strbuf_reset(err);
	strbuf_addstr(err, "invalid JSON index page ");
	add_url(err, base_url);
	if (index >= 0)
		strbuf_addf(err, ": files[%ld]", index);
	strbuf_addf(err, ": %s", what);
	return BURROW_ERESOLVE;
}

/* A JSON string without NUL bytes, or NULL. */
static const char *json_str(struct json_object *o)
{
	const char *s;

	if (!o || !json_object_is_type(o, json_type_string))
		return NULL;
	s = json_object_get_string(o);
	if (!s || strlen(s) != (size_t)json_object_get_string_len(o))
		return NULL;
	return s;
}

int repo_parse_json(const char *body, size_t len, const char *base_url, struct repo_files *out,
                    struct strbuf *err)
{
	struct link_base base = {NULL, 0};
	struct strbuf url = STRBUF_INIT, filename = STRBUF_INIT;
	struct json_tokener *tok;
	struct json_object *root = NULL, *meta, *files, *v;
	struct filename_info info;
	size_t i, nfiles, end;
	int rc = 0;
	char sha[65], dummy[65];

	if (len > REPO_PAGE_MAX)
		return json_fail(err, base_url, "page too large", -1);
	tok = json_tokener_new_ex(REPO_JSON_DEPTH);
	if (!tok)
		return json_fail(err, base_url, "out of memory", -1);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, body, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success) {
		enum json_tokener_error e = json_tokener_get_error(tok);
		strbuf_reset(err);
		strbuf_addstr(err, "invalid JSON index page ");
		add_url(err, base_url);
		strbuf_addf(err, ": %s at byte %zu",
		            e == json_tokener_continue ? "unexpected end"
		                                       : json_tokener_error_desc(e),
		            json_tokener_get_parse_end(tok));
		json_object_put(root);
		json_tokener_free(tok);
		return BURROW_ERESOLVE;
	}
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	for (; end < len; end++)
		if (!strchr(" \t\r\n", body[end])) {
			rc = json_fail(err, base_url, "data after the JSON value", -1);
			goto out;
		}
	if (!json_object_is_type(root, json_type_object)) {
		rc = json_fail(err, base_url, "not a JSON object", -1);
		goto out;
	}
	if (json_object_object_get_ex(root, "meta", &meta)) {
		const char *ver;
		if (!json_object_is_type(meta, json_type_object)) {
			rc = json_fail(err, base_url, "\"meta\" is not an object", -1);
			goto out;
		}
		if (json_object_object_get_ex(meta, "api-version", &v)) {
			ver = json_str(v);
			if (!ver || api_major(ver) < 0) {
				rc = json_fail(err, base_url, "malformed \"api-version\"", -1);
				goto out;
			}
			if (api_major(ver) != 1) {
				strbuf_reset(err);
				strbuf_addstr(err, "unsupported repository version \"");
				strbuf_add_escaped(err, ver, strnlen(ver, 64));
				strbuf_addstr(err, "\": ");
				add_url(err, base_url);
				rc = BURROW_ERESOLVE;
				goto out;
			}
		}
	}
	if (!json_object_object_get_ex(root, "files", &files) ||
	    !json_object_is_type(files, json_type_array)) {
		rc = json_fail(err, base_url, "no \"files\" array", -1);
		goto out;
	}
	nfiles = json_object_array_length(files);
	if (nfiles > REPO_FILES_MAX) {
		rc = json_fail(err, base_url, "too many files", -1);
		goto out;
	}
	link_base_set(&base, base_url, NULL);
	for (i = 0; i < nfiles; i++) {
		struct json_object *f = json_object_array_get_idx(files, i), *h;
		const char *name, *href, *rp = NULL, *reason = NULL;
		int yanked = 0;
		int64_t size = -1;

		if (!f || !json_object_is_type(f, json_type_object)) {
			rc = json_fail(err, base_url, "not an object", (long)i);
			goto out;
		}
		name = json_object_object_get_ex(f, "filename", &v) ? json_str(v) : NULL;
		href = json_object_object_get_ex(f, "url", &v) ? json_str(v) : NULL;
		if (!name || !href) {
			rc = json_fail(err, base_url, "\"filename\" and \"url\" must be strings",
			               (long)i);
			goto out;
		}
		if (filename_parse(name, &info) < 0)
			continue;
		sha[0] = '\0';
		if (json_object_object_get_ex(f, "hashes", &h)) {
			if (!json_object_is_type(h, json_type_object)) {
				rc = json_fail(err, base_url, "\"hashes\" is not an object",
				               (long)i);
				goto out;
			}
			if (json_object_object_get_ex(h, "sha256", &v)) {
				const char *s = json_str(v);
				size_t k;
				if (!s || strlen(s) != SHA256_HEX_LEN)
					continue; /* a hash we cannot use: never match it */
				for (k = 0; k < SHA256_HEX_LEN && hexval((unsigned char)s[k]) >= 0;
				     k++)
					sha[k] =
					    (char)(s[k] >= 'A' && s[k] <= 'F' ? s[k] + 32 : s[k]);
				if (k != SHA256_HEX_LEN)
					continue;
				sha[k] = '\0';
			}
		}
		if (json_object_object_get_ex(f, "requires-python", &v) &&
		    !json_object_is_type(v, json_type_null)) {
			rp = json_str(v);
			if (!rp || strlen(rp) > REPO_TEXT_MAX)
				continue;
		}
		if (json_object_object_get_ex(f, "yanked", &v)) {
			if (json_object_is_type(v, json_type_boolean)) {
				yanked = json_object_get_boolean(v);
			} else if (json_object_is_type(v, json_type_string)) {
				reason = json_str(v);
				yanked = 1;
			} else if (!json_object_is_type(v, json_type_null)) {
				rc = json_fail(err, base_url, "\"yanked\" is not a bool or string",
				               (long)i);
				goto out;
			}
		}
		if (json_object_object_get_ex(f, "size", &v) &&
		    json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= 0)
			size = json_object_get_int64(v);
		if (resolve_link(&base, href, &url, &filename, dummy) < 0)
			continue;
		if (files_add(out, name, url.buf, sha, yanked, reason, rp, size) < 0) {
			rc = json_fail(err, base_url, "out of memory", (long)i);
			goto out;
		}
		if (json_object_object_get_ex(f, "core-metadata", &v) ||
		    json_object_object_get_ex(f, "dist-info-metadata", &v)) {
			struct repo_file *e = &out->items[out->len - 1];
			struct json_object *hs;
			if (json_object_is_type(v, json_type_boolean))
				e->metadata = json_object_get_boolean(v);
			else if (json_object_is_type(v, json_type_object)) {
				const char *s = json_object_object_get_ex(v, "sha256", &hs)
				                    ? json_str(hs)
				                    : NULL;
				struct strbuf a = STRBUF_INIT;
				strbuf_addf(&a, "sha256=%s", s && strlen(s) < 128 ? s : "");
				metadata_attr(e, a.buf);
				strbuf_release(&a);
			}
		}
	}
out:
	if (base.url)
		curl_url_cleanup(base.url);
	json_object_put(root);
	strbuf_release(&url);
	strbuf_release(&filename);
	return rc;
}

/* ---- listing ---- */

static int cmp_files(const void *a, const void *b)
{
	return strcmp(((const struct repo_file *)a)->filename,
	              ((const struct repo_file *)b)->filename);
}

/* A flat folder: regular files (symlinks followed) named for the project. */
static int list_flat(int dfd, const char *dirpath, const char *norm, struct repo_files *out,
                     struct strbuf *err)
{
	struct strbuf url = STRBUF_INIT, got = STRBUF_INIT;
	struct filename_info info;
	struct dirent *de;
	size_t seen = 0, first = out->len;
	int fd, rc = 0;
	DIR *d;

	fd = dup(dfd);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return error_set(err, BURROW_EFETCH, "%s: cannot read folder: %s", dirpath,
		                 strerror(errno));
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (++seen > REPO_SCAN_MAX) {
			rc = error_set(err, BURROW_EFETCH, "%s: more than %d entries", dirpath,
			               REPO_SCAN_MAX);
			break;
		}
		if (de->d_name[0] == '.' || filename_parse(de->d_name, &info) < 0)
			continue;
		if (pep503_normalize(info.name, &got) < 0 || strcmp(got.buf, norm))
			continue;
		if (fstatat(dfd, de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
			continue;
		strbuf_reset(&url);
		strbuf_reset(&got);
		strbuf_addstr(&got, dirpath);
		if (got.len && got.buf[got.len - 1] != '/')
			strbuf_addch(&got, '/');
		strbuf_addstr(&got, de->d_name);
		if (fetch_path_to_file_url(got.buf, &url) < 0) {
			rc = error_set(err, BURROW_EFETCH, "%s: path too long", dirpath);
			break;
		}
		if (files_add(out, de->d_name, url.buf, "", 0, NULL, NULL, (int64_t)st.st_size) <
		    0) {
			rc = error_set(err, BURROW_EFETCH, "%s: too many files", dirpath);
			break;
		}
	}
	closedir(d);
	strbuf_release(&url);
	strbuf_release(&got);
	if (out->len > first)
		qsort(out->items + first, out->len - first, sizeof(*out->items), cmp_files);
	return rc;
}

static int list_local(const char *path, const char *norm, struct repo_files *out,
                      struct strbuf *err)
{
	struct strbuf page = STRBUF_INIT, url = STRBUF_INIT, rel = STRBUF_INIT;
	struct stat st;
	int dfd, rc;

	if (path[0] != '/')
		return error_set(err, BURROW_EFETCH, "repository path must be absolute: %s", path);
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		strbuf_reset(err);
		strbuf_add_escaped(err, path, strlen(path));
		strbuf_addf(err, ": cannot open repository folder: %s", strerror(errno));
		return BURROW_EFETCH;
	}
	strbuf_addf(&rel, "%s/index.html", norm);
	if (fstatat(dfd, rel.buf, &st, 0) < 0 || !S_ISREG(st.st_mode)) {
		rc = list_flat(dfd, path, norm, out, err);
		goto out;
	}
	strbuf_addstr(&page, path);
	if (page.buf[page.len - 1] != '/')
		strbuf_addch(&page, '/');
	strbuf_addstr(&page, rel.buf);
	if (fetch_path_to_file_url(page.buf, &url) < 0) {
		rc = error_set(err, BURROW_EFETCH, "%s: path too long", path);
		goto out;
	}
	strbuf_reset(&page);
	if (fs_read_file(dfd, rel.buf, REPO_PAGE_MAX, &page) < 0) {
		strbuf_reset(err);
		add_url(err, url.buf);
		strbuf_addf(err, ": cannot read index page: %s", strerror(errno));
		rc = BURROW_EFETCH;
		goto out;
	}
	rc = repo_parse_html(page.buf, page.len, url.buf, out, err);
out:
	close(dfd);
	strbuf_release(&page);
	strbuf_release(&url);
	strbuf_release(&rel);
	return rc;
}

/* "type/subtype" of a Content-Type, lower-cased, without parameters. */
static void media_type(const char *ct, char *out, size_t outsz)
{
	size_t n = 0;

	while (*ct == ' ' || *ct == '\t')
		ct++;
	while (*ct && *ct != ';' && *ct != ' ' && *ct != '\t' && n + 1 < outsz) {
		char c = *ct++;
		out[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[n] = '\0';
}

/* Parses a page by its Content-Type. */
static int parse_page(const char *ct, const char *body, size_t len, const char *base,
                      struct repo_files *out, struct strbuf *err)
{
	char mt[128];

	media_type(ct ? ct : "", mt, sizeof(mt));
	if (!strcmp(mt, "application/vnd.pypi.simple.v1+json"))
		return repo_parse_json(body, len, base, out, err);
	if (!strcmp(mt, "application/vnd.pypi.simple.v1+html") || !strcmp(mt, "text/html"))
		return repo_parse_html(body, len, base, out, err);
	strbuf_reset(err);
	strbuf_addstr(err, "unexpected content type \"");
	strbuf_add_escaped(err, mt, strlen(mt));
	strbuf_addstr(err, "\" for index page: ");
	add_url(err, base);
	return BURROW_ERESOLVE;
}

/* 1 when url (may be NULL) or a file URL from out->items[first..] carries
 * credentials: such a page is never stored, so they never reach the disk. */
static int has_credentials(const char *url, const struct repo_files *out, size_t first)
{
	struct strbuf red = STRBUF_INIT;
	size_t i;
	int has = 0;

	if (url) {
		fetch_redact_url(url, &red);
		has = strcmp(red.buf, url) != 0;
	}
	for (i = first; !has && i < out->len; i++) {
		fetch_redact_url(out->items[i].url, &red);
		has = strcmp(red.buf, out->items[i].url) != 0;
	}
	strbuf_release(&red);
	return has;
}

/* GET <root>/<normalised>/.  With a page cache, a stored page is
 * revalidated (If-None-Match / If-Modified-Since; a 304 reuses it) and a
 * page that parses is stored, unless credentials appear in its URL or its
 * links or went with the request (netrc); offline, only the stored page is
 * read. */
static int list_http(const char *root, const char *norm, const struct fetch_options *opt,
                     struct cache *pages, struct repo_files *out, struct strbuf *err)
{
	struct strbuf url = STRBUF_INIT, key = STRBUF_INIT, red = STRBUF_INIT;
	struct cache_page page;
	struct fetch_job job;
	const char *q;
	size_t first;
	int rc, have = 0;

	/* <root>/<normalised>/ (a query or fragment on the root is dropped) */
	q = root + strcspn(root, "?#");
	strbuf_add(&url, root, (size_t)(q - root));
	if (!url.len || url.buf[url.len - 1] != '/')
		strbuf_addch(&url, '/');
	strbuf_addstr(&url, norm);
	strbuf_addch(&url, '/');
	fetch_redact_url(url.buf, &key);

	memset(&page, 0, sizeof(page));
	if (pages)
		have = cache_page_get(pages, key.buf, &page) == 1;
	fetch_job_init(&job);
	if (opt && opt->offline) {
		if (!have) {
			strbuf_reset(err);
			strbuf_addstr(err, "no stored index page for ");
			add_url(err, url.buf);
			strbuf_addstr(err, " (offline)");
			rc = BURROW_EFETCH;
			goto out;
		}
		rc = parse_page(page.content_type, page.body.buf, page.body.len,
		                page.final_url ? page.final_url : key.buf, out, err);
		goto out;
	}
	job.url = url.buf;
	job.accept = REPO_ACCEPT;
	job.max_bytes = REPO_PAGE_MAX;
	job.dest_dirfd = -1;
	job.deadline = opt ? opt->page_deadline : 0;
	if (have) {
		job.if_none_match = page.etag;
		job.if_modified_since = page.last_modified;
	}
	rc = fetch_run(opt, &job, 1);
	if (rc) {
		if (job.http_status == 404 && rc == BURROW_EFETCH)
			rc = 0;
		else
			error_set(err, rc, "%s", job.err.buf);
		goto out;
	}
	if (job.not_modified && have) {
		/* links resolve against where this request ended, which may
		 * carry credentials the stored final_url does not */
		rc = parse_page(page.content_type, page.body.buf, page.body.len,
		                job.effective_url ? job.effective_url : url.buf, out, err);
		if (!rc)
			cache_page_touch(pages, key.buf);
		goto out;
	}
	first = out->len;
	rc = parse_page(job.content_type, job.body.buf, job.body.len,
	                job.effective_url ? job.effective_url : url.buf, out, err);
	if (!rc && pages && !job.credentials && !has_credentials(url.buf, out, first) &&
	    !has_credentials(job.effective_url, out, out->len)) {
		struct cache_page np;
		memset(&np, 0, sizeof(np));
		fetch_redact_url(job.effective_url ? job.effective_url : url.buf, &red);
		np.etag = job.etag;
		np.last_modified = job.last_modified;
		np.content_type = job.content_type;
		np.final_url = red.buf;
		np.body = job.body; /* borrowed: not released through np */
		cache_page_put(pages, key.buf, &np);
	}
out:
	if (have)
		cache_page_release(&page);
	fetch_job_release(&job);
	strbuf_release(&url);
	strbuf_release(&key);
	strbuf_release(&red);
	return rc;
}

int repo_list(const char *repo, const char *project, const struct fetch_options *opt,
              struct cache *pages, struct repo_files *out, struct strbuf *err)
{
	struct strbuf norm = STRBUF_INIT, path = STRBUF_INIT;
	int rc;

	if (!project || !pep503_valid(project)) {
		strbuf_reset(err);
		strbuf_addstr(err, "invalid project name \"");
		if (project)
			strbuf_add_escaped(err, project, strnlen(project, 256));
		strbuf_addstr(err, "\"");
		return BURROW_ERESOLVE;
	}
	if (!repo || !*repo)
		return error_set(err, BURROW_EFETCH, "empty repository location");
	if (pep503_normalize(project, &norm) < 0)
		return error_set(err, BURROW_ERESOLVE, "out of memory");
	if (!strncasecmp(repo, "http://", 7) || !strncasecmp(repo, "https://", 8)) {
		rc = list_http(repo, norm.buf, opt, pages, out, err);
	} else if (!strncasecmp(repo, "file:", 5)) {
		if (fetch_file_url_path(repo, &path) < 0) {
			strbuf_reset(err);
			strbuf_addstr(err, "malformed file URL: ");
			add_url(err, repo);
			rc = BURROW_EFETCH;
		} else {
			rc = list_local(path.buf, norm.buf, out, err);
		}
	} else if (strstr(repo, "://")) {
		strbuf_reset(err);
		strbuf_addstr(err, "unsupported repository URL: ");
		add_url(err, repo);
		rc = BURROW_EFETCH;
	} else {
		rc = list_local(repo, norm.buf, out, err);
	}
	strbuf_release(&norm);
	strbuf_release(&path);
	return rc;
}

/* ---- writing a static index ---- */

struct index_entry {
	char *norm;
	char *filename;
	char *version;
	char sha256[65];
	uint64_t size;
};

static int cmp_entries(const void *a, const void *b)
{
	const struct index_entry *x = a, *y = b;
	int c = strcmp(x->norm, y->norm);

	return c ? c : strcmp(x->filename, y->filename);
}

static void html_escape(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			strbuf_addstr(sb, "&amp;");
			break;
		case '<':
			strbuf_addstr(sb, "&lt;");
			break;
		case '>':
			strbuf_addstr(sb, "&gt;");
			break;
		case '"':
			strbuf_addstr(sb, "&quot;");
			break;
		case '\'':
			strbuf_addstr(sb, "&#39;");
			break;
		default:
			strbuf_addch(sb, *s);
		}
	}
}

/* Percent-encodes a file name for a relative URL. */
static void url_escape(struct strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-' || c == '~')
			strbuf_addch(sb, c);
		else
			strbuf_addf(sb, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
}

static int write_file(int dfd, const char *name, const struct strbuf *data, const char *where,
                      struct strbuf *err)
{
	if (fs_write_atomic(dfd, name, data->buf, data->len, 0644) < 0)
		return error_set(err, BURROW_EFAIL, "%s/%s: cannot write: %s", where, name,
		                 strerror(errno));
	return 0;
}

static const char *json_text(struct json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
	                                             JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* dir/simple/<norm>/index.{html,json} for entries [lo, hi). */
static int write_project(int sfd, const char *dir, const struct index_entry *e, size_t lo,
                         size_t hi, struct strbuf *err)
{
	struct strbuf html = STRBUF_INIT, js = STRBUF_INIT, where = STRBUF_INIT;
	struct json_object *root, *meta, *files, *versions;
	const char *norm = e[lo].norm;
	size_t i;
	int pfd, rc;

	strbuf_addf(&where, "%s/simple/%s", dir, norm);
	pfd = fs_open_dir(sfd, norm, 1);
	if (pfd < 0) {
		rc = error_set(err, BURROW_EFAIL, "%s: cannot create: %s", where.buf,
		               strerror(errno));
		strbuf_release(&where);
		return rc;
	}
	strbuf_addstr(&html, "<!DOCTYPE html>\n<html>\n  <head>\n"
	                     "    <meta name=\"pypi:repository-version\" content=\"1.1\">\n"
	                     "    <title>Links for ");
	html_escape(&html, norm);
	strbuf_addstr(&html, "</title>\n  </head>\n  <body>\n    <h1>Links for ");
	html_escape(&html, norm);
	strbuf_addstr(&html, "</h1>\n");

	root = json_object_new_object();
	meta = json_object_new_object();
	files = json_object_new_array();
	versions = json_object_new_array();
	json_object_object_add(meta, "api-version", json_object_new_string("1.1"));
	json_object_object_add(root, "meta", meta);
	json_object_object_add(root, "name", json_object_new_string(norm));
	for (i = lo; i < hi; i++) {
		struct json_object *f = json_object_new_object(), *h = json_object_new_object();
		struct strbuf href = STRBUF_INIT;
		size_t k;
		int dup = 0;

		strbuf_addstr(&href, "../../");
		url_escape(&href, e[i].filename);
		strbuf_addstr(&html, "    <a href=\"");
		html_escape(&html, href.buf);
		strbuf_addf(&html, "#sha256=%s\">", e[i].sha256);
		html_escape(&html, e[i].filename);
		strbuf_addstr(&html, "</a><br>\n");

		json_object_object_add(f, "filename", json_object_new_string(e[i].filename));
		json_object_object_add(f, "url", json_object_new_string(href.buf));
		json_object_object_add(h, "sha256", json_object_new_string(e[i].sha256));
		json_object_object_add(f, "hashes", h);
		json_object_object_add(f, "size", json_object_new_int64((int64_t)e[i].size));
		json_object_object_add(f, "yanked", json_object_new_boolean(0));
		json_object_array_add(files, f);
		strbuf_release(&href);
		for (k = lo; k < i; k++)
			if (!strcmp(e[k].version, e[i].version))
				dup = 1;
		if (!dup)
			json_object_array_add(versions, json_object_new_string(e[i].version));
	}
	json_object_object_add(root, "versions", versions);
	json_object_object_add(root, "files", files);
	strbuf_addstr(&html, "  </body>\n</html>\n");
	strbuf_addstr(&js, json_text(root));
	strbuf_addch(&js, '\n');
	json_object_put(root);

	rc = write_file(pfd, "index.html", &html, where.buf, err);
	if (!rc)
		rc = write_file(pfd, "index.json", &js, where.buf, err);
	close(pfd);
	strbuf_release(&html);
	strbuf_release(&js);
	strbuf_release(&where);
	return rc;
}

/* Drops the index files of project folders that no longer have artifacts. */
static void remove_stale(int sfd, const struct index_entry *e, size_t n)
{
	struct dirent *de;
	int fd = dup(sfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		struct stat st;
		size_t i;
		int used = 0;

		if (de->d_name[0] == '.' ||
		    fstatat(sfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
			continue;
		for (i = 0; i < n && !used; i++)
			used = !strcmp(e[i].norm, de->d_name);
		if (!used) {
			int pfd = openat(sfd, de->d_name,
			                 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (pfd >= 0) {
				unlinkat(pfd, "index.html", 0);
				unlinkat(pfd, "index.json", 0);
				close(pfd);
			}
			unlinkat(sfd, de->d_name, AT_REMOVEDIR);
		}
	}
	closedir(d);
}

int repo_write_index(const char *dir, size_t *nprojects, size_t *nfiles, struct strbuf *err)
{
	struct index_entry *e = NULL;
	struct strbuf norm = STRBUF_INIT, html = STRBUF_INIT, js = STRBUF_INIT, where = STRBUF_INIT;
	struct json_object *root = NULL, *projects;
	size_t n = 0, alloc = 0, i, lo, np = 0, seen = 0;
	struct dirent *de;
	int dfd, sfd = -1, fd, rc = 0;
	DIR *d;

	if (nprojects)
		*nprojects = 0;
	if (nfiles)
		*nfiles = 0;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return error_set(err, BURROW_EFAIL, "%s: cannot open folder: %s", dir,
		                 strerror(errno));
	fd = dup(dfd);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		rc = error_set(err, BURROW_EFAIL, "%s: cannot read folder: %s", dir,
		               strerror(errno));
		goto out;
	}
	while ((de = readdir(d))) {
		struct filename_info info;
		unsigned char digest[SHA256_LEN];
		struct stat st;
		uint64_t size = 0;
		int ffd;

		if ((rc = signals_pending())) {
			error_set(err, rc, "%s: interrupted", dir);
			break;
		}
		if (++seen > REPO_SCAN_MAX) {
			rc = error_set(err, BURROW_EFAIL, "%s: more than %d entries", dir,
			               REPO_SCAN_MAX);
			break;
		}
		if (de->d_name[0] == '.' || filename_parse(de->d_name, &info) < 0)
			continue;
		ffd = openat(dfd, de->d_name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		if (ffd < 0)
			continue;
		if (fstat(ffd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(ffd);
			continue;
		}
		if (sha256_fd(ffd, digest, &size) < 0) {
			rc = error_set(err, BURROW_EFAIL, "%s/%s: cannot read: %s", dir, de->d_name,
			               strerror(errno));
			close(ffd);
			break;
		}
		close(ffd);
		if (n == alloc) {
			size_t na = alloc ? alloc * 2 : 64;
			struct index_entry *ne =
			    n < REPO_FILES_MAX ? realloc(e, na * sizeof(*e)) : NULL;
			if (!ne) {
				rc = error_set(err, BURROW_EFAIL, "%s: too many files", dir);
				break;
			}
			e = ne;
			alloc = na;
		}
		pep503_normalize(info.name, &norm);
		memset(&e[n], 0, sizeof(e[n]));
		e[n].norm = strdup(norm.buf);
		e[n].filename = strdup(de->d_name);
		e[n].version = strdup(info.version);
		e[n].size = size;
		sha256_to_hex(digest, e[n].sha256);
		n++;
		if (!e[n - 1].norm || !e[n - 1].filename || !e[n - 1].version) {
			rc = error_set(err, BURROW_EFAIL, "out of memory");
			break;
		}
	}
	closedir(d);
	if (rc)
		goto out;
	qsort(e, n, sizeof(*e), cmp_entries);

	sfd = fs_open_dir(dfd, "simple", 1);
	if (sfd < 0) {
		rc = error_set(err, BURROW_EFAIL, "%s/simple: cannot create: %s", dir,
		               strerror(errno));
		goto out;
	}
	root = json_object_new_object();
	projects = json_object_new_array();
	{
		struct json_object *meta = json_object_new_object();
		json_object_object_add(meta, "api-version", json_object_new_string("1.1"));
		json_object_object_add(root, "meta", meta);
	}
	strbuf_addstr(&html, "<!DOCTYPE html>\n<html>\n  <head>\n"
	                     "    <meta name=\"pypi:repository-version\" content=\"1.1\">\n"
	                     "    <title>Simple index</title>\n  </head>\n  <body>\n");
	for (lo = 0; lo < n; lo = i) {
		struct json_object *p = json_object_new_object();

		for (i = lo; i < n && !strcmp(e[i].norm, e[lo].norm); i++)
			;
		if ((rc = signals_pending())) {
			error_set(err, rc, "%s: interrupted", dir);
			goto out;
		}
		rc = write_project(sfd, dir, e, lo, i, err);
		if (rc) {
			json_object_put(p);
			goto out;
		}
		strbuf_addstr(&html, "    <a href=\"");
		html_escape(&html, e[lo].norm);
		strbuf_addstr(&html, "/\">");
		html_escape(&html, e[lo].norm);
		strbuf_addstr(&html, "</a><br>\n");
		json_object_object_add(p, "name", json_object_new_string(e[lo].norm));
		json_object_array_add(projects, p);
		np++;
	}
	strbuf_addstr(&html, "  </body>\n</html>\n");
	json_object_object_add(root, "projects", projects);
	strbuf_addstr(&js, json_text(root));
	strbuf_addch(&js, '\n');
	strbuf_addf(&where, "%s/simple", dir);
	rc = write_file(sfd, "index.html", &html, where.buf, err);
	if (!rc)
		rc = write_file(sfd, "index.json", &js, where.buf, err);
	if (!rc)
		remove_stale(sfd, e, n);
	if (!rc) {
		if (nprojects)
			*nprojects = np;
		if (nfiles)
			*nfiles = n;
	}
out:
	json_object_put(root);
	for (i = 0; i < n; i++) {
		free(e[i].norm);
		free(e[i].filename);
		free(e[i].version);
	}
	free(e);
	if (sfd >= 0)
		close(sfd);
	close(dfd);
	strbuf_release(&norm);
	strbuf_release(&html);
	strbuf_release(&js);
	strbuf_release(&where);
	return rc;
}
