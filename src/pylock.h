/*
 * pylock: a PEP 751 lock file (pylock.toml, pylock.NAME.toml) read into the
 * model of manifest.h, so that the same pins give the same env as burrow's
 * own TOML manifest or a hash-checking requirements.txt.
 *
 * What it takes from the file:
 * - lock-version: required, "MAJOR.MINOR" with MAJOR 1 (another major is an
 *   error, as PEP 751 demands); created-by: required string;
 * - requires-python -> m->requires_python (checked as a specifier set);
 * - environments: each must be a valid marker; not stored (the model has
 *   no place for them, and every package's own marker still decides);
 * - extras, dependency-groups, default-groups: type-checked, not used
 *   (burrow selects no extras or groups);
 * - [[packages]]: name (must be PEP 503 normalised, as PEP 751 says), version
 *   (required here: burrow needs a pin), marker -> bundle->marker (verbatim,
 *   checked to parse; the legacy "extra" variable is refused, as PEP 751
 *   says; "'x' in extras" / dependency_groups markers are not supported by
 *   our marker parser and are refused), requires-python ->
 *   bundle->requires_python, and [[packages.wheels]] -> bundle->files (url,
 *   or path made absolute against the lock's directory as a file:// URL;
 *   filename = the wheel's name, else the last path component of its
 *   url/path, checked to be a wheel of this name and version; sha256; size
 *   or -1) with every wheel's sha256 also in bundle->hashes.  index,
 *   dependencies, attestation-identities, upload-time: checked for type,
 *   not used.  An sdist next to wheels is ignored (burrow never builds).
 * Refused: packages with only an sdist, vcs, directory or archive sources
 *   (burrow installs wheels only and never builds), packages without a
 *   version, wheels without a sha256 hash.
 * Unknown keys: [tool] and [packages.tool] are always ignored.  With
 *   lock-version 1.0 any other unknown key is an error (the 1.0 key set is
 *   closed, and a typo must not weaken pinning); with a newer 1.x minor
 *   they are ignored (PEP 751: a tool SHOULD warn, and the core does not
 *   print).
 * Duplicates: a name may appear more than once under different marker texts
 *   (m->allow_duplicates is then set; the installer picks by marker); the
 *   same name with the same marker text (or both without) is an error.
 * Positions: "path:line:column" from the TOML reader; bundle->line/column is
 *   the position of the package's name key.
 * Errors: BURROW_EMANIFEST with "path:line:column: message"; BURROW_EFAIL
 *   when memory runs out.
 */
#ifndef BURROW_PYLOCK_H
#define BURROW_PYLOCK_H

#include "manifest.h"
#include "util/strbuf.h"

#include <stddef.h>

#define PYLOCK_MAX_BYTES ((size_t)16 << 20)
#define PYLOCK_MAX_PACKAGES 100000
#define PYLOCK_MAX_WHEELS 4096 /* per package */

/* Reads and parses the lock at path into m (initialised by the caller).
 * Relative wheel paths are taken relative to the lock's directory.  Returns
 * as pylock_parse; BURROW_EUSAGE when path does not exist, BURROW_EMANIFEST
 * when it cannot be read.  On error release m. */
int pylock_load(const char *path, struct manifest *m, struct strbuf *err);

/* Parses lock bytes (pure apart from allocation); path names the file in
 * messages, basedir (absolute) anchors relative wheel paths.  Sets m->path
 * (if unset) and m->digest (sha256 of the bytes). */
int pylock_parse(const char *data, size_t len, const char *path, const char *basedir,
                 struct manifest *m, struct strbuf *err);

#endif
