/*
 * repo: the repository client.  Lists the files a repository offers for a
 * project: a PEP 503/691 simple index over http(s) or file, a local simple
 * index directory, or a flat folder of artifacts; and writes a static simple
 * index for a folder (`burrow index DIR`).
 *
 * The page parsers (HTML through libxml2, JSON through json-c) are pure
 * functions over untrusted bytes with bounds on sizes and counts; they are
 * fuzzed (tests/fuzz/fuzz_index_html.c, fuzz_index_json.c).
 */
#ifndef BURROW_REPO_H
#define BURROW_REPO_H

#include "cache.h"
#include "fetch.h"
#include "util/strbuf.h"

#include <stddef.h>
#include <stdint.h>

#define REPO_PAGE_MAX ((size_t)64 << 20) /* bytes of one index page */
#define REPO_FILES_MAX 1000000           /* files listed for one project */
#define REPO_ACCEPT                                                                                \
	"application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "         \
	"text/html;q=0.01"

struct repo_file {
	char *filename;  /* parses with filename_parse() */
	char *url;       /* absolute http(s):// or file:// URL, no fragment */
	char sha256[65]; /* lower-case hex, "" when the index gave none */
	int yanked;
	char *yank_reason;     /* NULL or text (may be "") */
	char *requires_python; /* NULL or text, entity-decoded */
	int64_t size;          /* -1 unknown */
	/* PEP 658/714: the index serves the wheel's METADATA at url +
	 * ".metadata" (data-core-metadata / data-dist-info-metadata in HTML,
	 * core-metadata / dist-info-metadata in JSON) */
	int metadata;
	char metadata_sha256[65]; /* its sha256 when the index gave one, else "" */
};

/* A growable list; every pointer in it is malloc'd and owned by the list. */
struct repo_files {
	struct repo_file *items;
	size_t len, alloc;
};

/* Frees every entry and the array; leaves *f empty (reusable). */
void repo_files_release(struct repo_files *f);

/* Appends to out the files the repository offers for project (any spelling;
 * normalised per PEP 503; an invalid name is BURROW_ERESOLVE).
 *
 * repo is an http(s):// URL of a simple index root, a file:// URL or an
 * absolute local path.  A local dir is a simple index when it holds
 * <normalised>/index.html (that page is parsed; hrefs resolve against it),
 * otherwise a flat folder: a non-recursive scan of regular files whose
 * filename_parse() name normalises to the project (file:// URLs, sha256 "",
 * sorted by filename).  Over http(s): GET <root>/<normalised>/ with
 * REPO_ACCEPT; the Content-Type picks the parser (PEP 691 JSON v1, or HTML);
 * anything else is an error; a 404 means no files (returns 0).  Relative
 * URLs resolve against the final page URL (and the first <base href>).  An
 * api-version with major > 1 is an error.  Files whose names do not parse
 * are skipped; an http(s) page may not point at file:// URLs.
 *
 * pages (may be NULL) is the cache whose index_pages table keeps http(s)
 * pages: a stored page is revalidated with its ETag / Last-Modified and
 * reused on a 304; a page that parses is stored (validators or not), keyed
 * by its URL, unless that URL, where its redirects ended or any of its
 * links carries credentials (user:password@): those never reach the disk.  With opt->offline only a
 * stored page is read (none stored: BURROW_EFETCH naming the URL), and nothing is sent.
 *
 * Returns 0, or BURROW_EFETCH (transport, unreadable folder) or
 * BURROW_ERESOLVE (bad page, bad name) with a message naming the redacted
 * URL or the path.  On failure out may hold some entries; release it. */
int repo_list(const char *repo, const char *project, const struct fetch_options *opt,
              struct cache *pages, struct repo_files *out, struct strbuf *err);

/* Pure parsers of one project page (len <= REPO_PAGE_MAX, at most
 * REPO_FILES_MAX files).  base_url is the page's own URL (for relative links
 * and messages) or NULL (then only absolute http(s) links count).  They append
 * to out and return 0, or BURROW_ERESOLVE with a message. */
int repo_parse_html(const char *body, size_t len, const char *base_url, struct repo_files *out,
                    struct strbuf *err);
int repo_parse_json(const char *body, size_t len, const char *base_url, struct repo_files *out,
                    struct strbuf *err);

/* Writes a static simple index for the artifacts (wheels and native bundles)
 * directly in dir: dir/simple/index.html and index.json (project list),
 * dir/simple/<normalised>/index.html (PEP 503 anchors with #sha256=, hrefs
 * relative: ../../<file>) and dir/simple/<normalised>/index.json (PEP 691,
 * api-version 1.1, with sizes and hashes).  Every file is hashed; writes are
 * atomic; output is sorted, so the same folder gives the same bytes.  Project
 * folders under dir/simple/ that no longer have files lose their index files.
 * Returns 0, or BURROW_EFAIL (I/O) / BURROW_EINT / BURROW_ETERM with a
 * message; *nprojects and *nfiles (either may be NULL) get the counts. */
int repo_write_index(const char *dir, size_t *nprojects, size_t *nfiles, struct strbuf *err);

#endif
