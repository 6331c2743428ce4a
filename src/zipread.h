/*
 * zipread: a strict ZIP reader on zlib for wheels (DESIGN "Security", ZIP).
 *
 * A wheel is accepted only when its bytes have exactly one reading: the end
 * record sits at the very end of the file (after it only its own comment),
 * the central directory ends exactly where the end record starts and starts
 * where the end record says, and the entries tile the file from offset 0 to
 * the central directory with no gap and no overlap, each local header
 * agreeing with its central directory record.  That shuts out stacked or
 * prepended archives, local headers missing from the central directory and
 * the reverse, overlapping ("quoted overlap") bombs, and every CD/LFH
 * mismatch that made uv and pip read the same file differently
 * (reliability-notes 1.1, uv CVE-2025-54368; 5 item 6).
 *
 * Not supported, refused cleanly: ZIP64, multi-disk archives, encryption,
 * methods other than stored (0) and deflate (8).
 */
#ifndef BURROW_ZIPREAD_H
#define BURROW_ZIPREAD_H

#include "util/strbuf.h"

#include <stddef.h>
#include <stdint.h>

struct zip_limits {
	size_t max_entries;      /* central directory records */
	uint64_t max_total_size; /* sum of the declared uncompressed sizes */
	uint64_t max_entry_size; /* declared uncompressed size of one entry */
	uint32_t max_ratio;      /* size / compressed size, checked when size > ratio_floor */
	uint64_t ratio_floor;
	size_t max_name_len; /* bytes of one member name */
};

/* Defaults: 200,000 entries, 16 GiB in all, 4 GiB per entry (the ZIP32
 * ceiling), ratio 1000 above 1 MiB (deflate cannot exceed ~1032), names of
 * 4096 bytes (path policy caps them too). */
void zip_limits_default(struct zip_limits *lim);

struct zip_entry {
	char *name;         /* as stored (UTF-8, checked by path policy); dirs end in '/' */
	int is_dir;         /* name ends in '/' */
	uint64_t comp_size; /* bytes of (compressed) data */
	uint64_t size;      /* uncompressed bytes */
	uint32_t crc32;
	uint16_t method;       /* 0 stored, 8 deflate */
	uint16_t flags;        /* general purpose bit flags (bit 3: data descriptor) */
	uint32_t mode;         /* st_mode from the external attributes of a Unix
	                        * "made by", 0 when the archive did not say */
	uint64_t local_offset; /* local header */
	uint64_t data_offset;  /* first byte of the data */
};

struct zip_archive {
	int fd; /* zip_open: the caller's fd (not owned); zip_parse: -1 */
	uint64_t file_size;
	const unsigned char *data; /* the whole file: mmap'd (zip_open) or borrowed */
	struct zip_entry *entries; /* in central directory order */
	size_t len;
	uint64_t total_size; /* sum of entries' sizes */
	int mapped;          /* data is our mapping */
	char *label;         /* for messages */
};

/* Pure parser: reconciles the end record, the central directory and every
 * local header of the zip held in data[0..len).  za borrows data (which
 * must outlive it) and owns the rest; zip_close releases it.  label names
 * the archive in messages ("<label>: entry "<name>": <reason>").
 *
 * Refused with BURROW_EINTEGRITY: no end record; bytes after the end record
 * beyond its comment, or a second end record signature in the comment;
 * ZIP64 (any 0xFFFF/0xFFFFFFFF field, a ZIP64 locator); multi-disk; a
 * central directory that does not end where the end record starts or that
 * holds more or fewer records than declared; entries that do not tile
 * [0, cd_offset) exactly (prepended or stacked data, LFHs absent from the
 * CD, overlaps, gaps); a local header whose name, flags, method, CRC or
 * sizes differ from the CD (with bit 3 the LFH may carry zeros and the data
 * descriptor must agree with the CD); encryption (bits 0 and 6); methods
 * other than 0 and 8; stored entries whose sizes differ; malformed extra
 * fields; an Info-ZIP Unicode Path field (0x7075) disagreeing with the name
 * or its CRC; non-ASCII names without the UTF-8 flag (bit 11) (readers
 * would decode them as CP437); names failing path_policy_check; duplicates
 * after path_policy_key; a member that is both a file and a parent
 * directory of another member; symlinks and every non-regular, non-directory
 * type; directory entries with data; the limits in lim.
 * BURROW_EFAIL on out of memory. */
int zip_parse(const unsigned char *data, size_t len, const struct zip_limits *lim,
              const char *label, struct zip_archive *za, struct strbuf *err);

/* Maps the (sha256-verified) regular file fd read-only and runs zip_parse
 * over it.  fd stays the caller's and must stay open while za is used.
 * The file must not shrink while mapped (SIGBUS): cache files are
 * immutable, which is what makes mapping them safe.
 * Returns 0, BURROW_EINTEGRITY (as zip_parse, or not a regular file / empty)
 * or BURROW_EFAIL (fstat/mmap failed). */
int zip_open(int fd, const struct zip_limits *lim, const char *label, struct zip_archive *za,
             struct strbuf *err);

/* Index of the entry named exactly name, or -1. */
long zip_find(const struct zip_archive *za, const char *name);

/* Streams entry index (stored, or raw deflate through zlib) into out_fd,
 * computing CRC-32 and SHA-256 on the way; sha256_out (may be NULL) gets the
 * digest of the uncompressed bytes.  Refused (BURROW_EINTEGRITY): output
 * beyond the declared size, fewer bytes, CRC mismatch, a corrupt or
 * truncated deflate stream, compressed bytes left after the end of the
 * deflate stream.  BURROW_EFAIL on write errors (message names the entry and
 * strerror), BURROW_EINT/ETERM when a signal arrived.  Directory entries
 * write nothing. */
int zip_extract(struct zip_archive *za, size_t index, int out_fd, unsigned char sha256_out[32],
                struct strbuf *err);

/* As zip_extract, into memory: out (reset first) gets the bytes; entries
 * larger than max are refused with BURROW_EINTEGRITY before inflating. */
int zip_extract_mem(struct zip_archive *za, size_t index, size_t max, struct strbuf *out,
                    unsigned char sha256_out[32], struct strbuf *err);

/* Frees everything za owns (unmaps); safe on a zeroed or closed za. */
void zip_close(struct zip_archive *za);

#endif
