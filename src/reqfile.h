/*
 * reqfile: a pip requirements file in hash-checking form (pip
 * --require-hashes) read into the model of manifest.h, so that the same
 * pins give the same env as burrow's own TOML manifest.
 *
 * Accepted (pip's syntax, stricter where pip is lax):
 * - blank lines; comments: '#' at the start of a line or after whitespace;
 *   a backslash at the very end of a line joins the next one (a line that
 *   holds only a comment ends a continuation, as in pip);
 * - requirement lines "name[extras]==V" or "name===V", an optional
 *   "; marker" (kept verbatim in bundle->marker, not evaluated here), and
 *   one or more "--hash=sha256:HEX" / "--hash sha256:HEX".  Extras are
 *   checked and dropped: in hash mode every dependency is listed anyway;
 * - option lines: -r/--requirement FILE (relative to the including file),
 *   -i/--index-url URL, --extra-index-url URL, -f/--find-links DIR|URL
 *   (relative paths made absolute against the file's directory), all
 *   added to m->repos in the order met.  burrow has no default index, so
 *   --index-url does not replace anything: it simply adds a repository.
 *   --require-hashes, --only-binary, --prefer-binary, --pre and --no-index
 *   are accepted and change nothing (burrow always needs hashes, installs
 *   wheels only, installs exact pins, and has no default index); --no-index
 *   together with an index URL is refused as contradictory.
 * Refused with a message: requirements that are not pinned with == (no
 *   ".*") or ===, or that carry no sha256 --hash; md5/sha1/sha384/sha512
 *   hashes (burrow pins sha256); URL and path requirements, -e/--editable,
 *   -c/--constraint, --no-binary, --trusted-host, build options, unknown
 *   options; NUL bytes.
 * Not done: ${VAR} environment-variable expansion (pip does it; a manifest
 *   must mean the same thing in every environment), -r of a URL.
 * Duplicates: one PEP 503 name twice with the same marker text (or both
 *   without one) is an error; with different marker texts both are kept
 *   and m->allow_duplicates is set (the installer evaluates the markers).
 * Positions: "path:line:column" (1-based, columns count characters) of the
 *   offending token in the physical file; a requirement's bundle->line is
 *   the physical line its logical line starts on (where its name is).
 * Errors: BURROW_EMANIFEST with "path:line:column: message"; BURROW_EFAIL
 *   when memory runs out.
 */
#ifndef BURROW_REQFILE_H
#define BURROW_REQFILE_H

#include "manifest.h"
#include "util/strbuf.h"

#include <stddef.h>

#define REQFILE_MAX_BYTES ((size_t)4 << 20)  /* one file */
#define REQFILE_MAX_TOTAL ((size_t)16 << 20) /* all files of one load */
#define REQFILE_MAX_LINE ((size_t)1 << 20)   /* one logical line */
#define REQFILE_MAX_DEPTH 16                 /* nesting of -r includes */
#define REQFILE_MAX_HASHES 4096              /* --hash options on one requirement */
#define REQFILE_MAX_BUNDLES 100000

/*
 * Reads the requirements file at path, and every file it includes with
 * -r/--requirement (relative to the including file; at most
 * REQFILE_MAX_DEPTH deep; an include cycle is an error; a file reached a
 * second time by another route is read once), into m (initialised by the
 * caller; filled on top of what it holds).  Sets m->path (if unset) and
 * m->digest: the sha256 of all files' bytes concatenated in the order read.
 * Returns 0; BURROW_EMANIFEST with "path:line:column: message" (or "path:
 * cannot read ..."); BURROW_EUSAGE when path itself does not exist;
 * BURROW_EFAIL when memory runs out.  On error m holds what was read so far:
 * release it.
 */
int reqfile_load(const char *path, struct manifest *m, struct strbuf *err);

/*
 * As reqfile_load, for a top file whose bytes the caller read (standard
 * input, or a file whose content was sniffed first): path names it in
 * messages, basedir (absolute) anchors its -r includes and relative
 * --find-links paths.  m->digest covers data and every included file.
 */
int reqfile_load_data(const char *data, size_t len, const char *path, const char *basedir,
                      struct manifest *m, struct strbuf *err);
/*
 * Parses one file's bytes (pure apart from allocation: the fuzz target calls
 * it).  path names the file in messages, basedir (absolute) anchors relative
 * --find-links paths, depth is the include depth of this file (0 for a top
 * file).  A pure parse reads no other file, so -r/--requirement is an error
 * here ("use reqfile_load").  Sets m->path (if unset) and m->digest (of these
 * bytes).  Returns as reqfile_load.
 */
int reqfile_parse(const char *data, size_t len, const char *path, const char *basedir,
                  struct manifest *m, int depth, struct strbuf *err);

#endif
