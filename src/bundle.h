/*
 * bundle: the native bundle format (DESIGN.md "Native bundle format").
 *
 *   NAME-VERSION-PLATFORM.tar.{gz,xz,zst}
 *     bin/ lib/ include/ share/ ...           the prefix tree
 *     NAME-VERSION.bundle-info/METADATA        Bundle-Version, Name, Version,
 *                                              Summary, Requires (PEP 508, repeatable)
 *     NAME-VERSION.bundle-info/RECORD          path,sha256=<b64>,size (as a wheel's)
 *
 * NAME in the file name and the bundle-info folder has '-' written as '_'.
 * A symlink's RECORD row holds the sha256 and length of its target string
 * (what readlink returns), so the row pins where the link points.  The
 * RECORD row of RECORD itself has an empty hash and size.
 */
#ifndef BURROW_BUNDLE_H
#define BURROW_BUNDLE_H

#include "tree.h"
#include "util/strbuf.h"

#include <stddef.h>

struct bundle_info {
	char *name;
	char *version;
	char *summary;   /* NULL when METADATA has none */
	char **requires; /* PEP 508 strings, as written */
	size_t nrequires;
};

/* Frees the strings and leaves bi zeroed (safe on a zeroed one). */
void bundle_info_release(struct bundle_info *bi);

/* Checks a tree made by unpack_tar (tree_dirfd, and the entries list it
 * produced) against its bundle-info: exactly one top-level directory
 * "*.bundle-info", named NAME-VERSION.bundle-info where NAME equals
 * METADATA's Name after PEP 503 normalisation and VERSION equals Version;
 * METADATA and RECORD regular files; a Bundle-Version, when present, of
 * major version 1; every regular file and symlink of the tree listed in
 * RECORD (RECORD itself excepted) with matching sha256 and size; every
 * RECORD row present in the tree.  File digests are taken from entries
 * (computed while unpacking), or read from tree_dirfd for an entry without
 * one.  On success info (owned by the caller: bundle_info_release) is
 * filled.  Returns 0, BURROW_EINTEGRITY with a message
 * `LABEL: entry "PATH": REASON`, or BURROW_EFAIL (I/O). */
int bundle_verify(int tree_dirfd, const struct tree_list *entries, const char *label,
                  struct bundle_info *info, struct strbuf *err);

/* 1 if a bundle built for platform can run on this machine, else 0:
 * "any"; "linux_<arch>" for this machine's arch (uname); "manylinux_X_Y_<arch>"
 * (and the legacy manylinux1/2010/2014) when glibc is at least X.Y;
 * "musllinux_X_Y_<arch>" when the C library is musl at least X.Y (never
 * with a glibc build of burrow).  When it fits and rank is not NULL, *rank
 * gets a priority, lower is better: manylinux/musllinux (newer first),
 * then linux_<arch>, then any. */
int bundle_platform_ok(const char *platform, int *rank);

/* The platform tag `pack` uses by default here: "linux_<arch>".  A static
 * string. */
const char *bundle_default_platform(void);

/* Makes a reproducible bundle from the prefix tree at srcdir and writes it
 * as outdir/NAME-VERSION-PLATFORM.tar.{gz,xz,zst} (compression "gz" when
 * NULL, or "xz", "zst"; platform bundle_default_platform() when NULL;
 * summary and requires may be NULL/0).  NAME must be a valid project name,
 * VERSION a version without '-', '/' or blanks.  Entries are sorted
 * bytewise with mtime 0 (or $SOURCE_DATE_EPOCH), uid/gid 0, no user or
 * group names, modes 0644/0755, pax-restricted (ustar unless a name needs
 * more), gzip without a timestamp or name.  Holds regular files,
 * directories and relative symlinks that stay inside srcdir; refuses
 * anything else, names path_policy_check refuses, and a srcdir that
 * already holds a *.bundle-info directory.  Adds NAME-VERSION.bundle-info/
 * METADATA and RECORD (rows sorted, RECORD's own row last).
 *
 * warnings (may be NULL) gets one line per dynamically linked ELF file
 * without a DT_RUNPATH or DT_RPATH holding $ORIGIN.  out_filename (may be
 * NULL) gets the file name written.  The archive is written to a temp file
 * in outdir and renamed into place.  Returns 0, BURROW_EUSAGE (bad name,
 * version, platform or compression), BURROW_EINTEGRITY (a refused entry),
 * BURROW_EFAIL (I/O) or BURROW_EINT/BURROW_ETERM; err says what. */
int bundle_pack(const char *srcdir, const char *name, const char *version,
                const char *const *requires, size_t nrequires, const char *summary,
                const char *platform, const char *compression, const char *outdir,
                struct strbuf *out_filename, struct strbuf *warnings, struct strbuf *err);

#endif
