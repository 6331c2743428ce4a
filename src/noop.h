/*
 * noop: the no-op fast path of `burrow install`, in the light front binary
 * (libc only: no sqlite, no network, no interpreter).
 *
 * At commit, install writes ENV/.burrow/noop: what the env was built from
 * beyond the manifest bytes (which sit beside it in .burrow/manifest.toml).
 * `burrow install ENV --manifest M` is a no-op when M's bytes equal that
 * copy, the burrow version, the --python given and the interpreter's
 * identity (path, size, mtime) are unchanged, --compile agrees, every
 * cache tree the env was linked from still exists, no crashed install
 * left a .ENV.staging-* or .ENV.old-* beside it, and no dead process left
 * an unlocked cache/tmp/p-XXXX.lock (burrow-core sweeps all of those).  It
 * reads under a shared lock on .ENV.lock, taken without waiting: while an
 * install holds the lock, or when there is none, burrow-core decides.
 * Anything else, or any doubt, falls through to the full install in
 * burrow-core, which decides again under the env lock.
 */
#ifndef BURROW_NOOP_H
#define BURROW_NOOP_H

#include "util/strbuf.h"

#include <stddef.h>

/* Appends the .burrow/noop text to out.  cli_python: the --python given
 * (or NULL); python_exe: the interpreter the env uses (or NULL); trees: the
 * sha256 of each bundle's cache tree. */
int noop_write(struct strbuf *out, const char *version, const char *cli_python,
               const char *python_exe, int compile, char *const *trees, size_t ntrees);

/* 1 when installing manifest into env would change nothing (see above),
 * 0 when the full install must decide.  *nbundles gets the bundle count.
 * Never fails: errors mean 0. */
int noop_check(const char *env, const char *manifest, const char *cli_python, int compile,
               const char *cache_dir, const char *version, size_t *nbundles);

#endif
