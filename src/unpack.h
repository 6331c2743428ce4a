/*
 * unpack: safe extraction of a tar archive (a native bundle) into an empty
 * directory, with libarchive reading and this module creating every file
 * itself relative to a directory fd (reliability-notes I3-I7).
 */
#ifndef BURROW_UNPACK_H
#define BURROW_UNPACK_H

#include "tree.h"
#include "util/strbuf.h"

#include <stdint.h>

struct unpack_limits {
	uint64_t max_total_bytes; /* sum of all file bytes written */
	uint64_t max_entries;     /* entries created, directories made for parents included */
	uint64_t max_ratio;       /* bytes written / compressed bytes read, checked past 1 MiB */
	uint64_t max_entry_bytes; /* one file */
};

/* 4 GiB total, 200000 entries, ratio 200, 2 GiB per entry. */
void unpack_limits_default(struct unpack_limits *l);

/* Extracts the tar archive read from archive_fd (already hash-verified by
 * the caller; read from its current offset) into the empty directory
 * dest_dirfd.  Formats: ustar, pax and GNU tar, uncompressed or through
 * gzip, xz or zstd; nothing else is enabled.
 *
 * Every name passes path_policy_check after one leading "./" is removed
 * (a directory entry "./" or "." itself is skipped: GNU tar writes one for
 * the root); duplicates after path_policy_key are refused, as is a
 * component that differs only in ASCII case from one made before.  Only
 * regular files, directories and symlinks whose target passes
 * path_policy_link_ok; hardlinks, devices, FIFOs, sockets and sparse files
 * are refused.  Nothing is written through a symlink or a file: parents
 * are created component by component with O_NOFOLLOW.  Modes: files 0644,
 * or 0755 when any x bit is set; directories 0755; independent of the
 * umask; no owners, no times.  Bytes written per file must equal the
 * header size; limits are counted on bytes actually written.  The
 * headers are walked a second time, independently, over the same
 * decompressed bytes: a PAX "size" that differs from the ustar size field
 * and data on an entry type that carries none are refused, so that no
 * other tar reader can see different members in the same archive.  Polls
 * signals_pending().
 *
 * lim NULL means unpack_limits_default().  label (NULL: "archive") names
 * the archive in messages: `LABEL: entry "NAME": REASON`.
 * out (may be NULL) gets one tree_entry per archive entry and per parent
 * directory made implicitly, in archive order: files with their masked
 * mode, size and sha256 (computed while writing); symlinks with mode 0777
 * and their target.  The caller owns out (tree_list_release).
 *
 * Returns 0, BURROW_EINTEGRITY (unsafe, corrupt or over a limit; the
 * message names the limit), BURROW_EFAIL (I/O, with strerror) or
 * BURROW_EINT/BURROW_ETERM.  On failure dest holds a partial tree that the
 * caller discards; nothing is ever written outside dest. */
int unpack_tar(int archive_fd, int dest_dirfd, const struct unpack_limits *lim, const char *label,
               struct tree_list *out, struct strbuf *err);

#endif
