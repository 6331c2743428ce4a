/*
 * zipread: the strict ZIP reader wheels go through (see zipread.h for the
 * rules).  zip_parse is a pure function over the file's bytes: it reads the
 * end record, then every central directory record, then every local header,
 * and accepts the archive only when all three views agree and the entries
 * tile the file.  zip_extract then inflates one entry with zlib (raw
 * deflate), checking the declared size and CRC-32 on the way and hashing
 * with SHA-256.
 */
#define ZLIB_CONST
#include "zipread.h"

#include "pathpolicy.h"
#include "util/error.h"
#include "util/sha256.h"
#include "util/signals.h"
#include "util/fs.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define SIG_LFH 0x04034b50u
#define SIG_CDH 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_Z64LOC 0x07064b50u
#define SIG_DD 0x08074b50u

#define EOCD_LEN 22
#define CDH_LEN 46
#define LFH_LEN 30
#define Z64LOC_LEN 20

#define FLAG_ENCRYPTED 0x0001u
#define FLAG_DESCRIPTOR 0x0008u
#define FLAG_STRONG_ENC 0x0040u
#define FLAG_UTF8 0x0800u
#define FLAG_CD_MASKED 0x2000u

#define EXTRA_ZIP64 0x0001u
#define EXTRA_UNICODE_PATH 0x7075u

#define CHUNK ((size_t)64 << 10)

void zip_limits_default(struct zip_limits *lim)
{
	lim->max_entries = 200000;
	lim->max_total_size = (uint64_t)16 << 30;
	lim->max_entry_size = 0xFFFFFFFFu;
	lim->max_ratio = 1000;
	lim->ratio_floor = (uint64_t)1 << 20;
	lim->max_name_len = 4096;
}

static uint16_t rd16(const unsigned char *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

/* "<label>: <message>" */
__attribute__((format(printf, 3, 4))) static int bad(struct strbuf *err, const char *label,
                                                     const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return BURROW_EINTEGRITY;
	strbuf_reset(err);
	strbuf_addf(err, "%s: ", label);
	va_start(ap, fmt);
	strbuf_vaddf(err, fmt, ap);
	va_end(ap);
	return BURROW_EINTEGRITY;
}

/* "<label>: entry "<name>": <message>" */
__attribute__((format(printf, 5, 6))) static int bad_entry(struct strbuf *err, const char *label,
                                                           const void *name, size_t nlen,
                                                           const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return BURROW_EINTEGRITY;
	strbuf_reset(err);
	strbuf_addf(err, "%s: entry \"", label);
	strbuf_add_escaped(err, name, nlen);
	strbuf_addstr(err, "\": ");
	va_start(ap, fmt);
	strbuf_vaddf(err, fmt, ap);
	va_end(ap);
	return BURROW_EINTEGRITY;
}

/* Walks an extra field block: it must consist exactly of (id, size, data)
 * records.  An Info-ZIP Unicode Path record (version 1, CRC-32 of the
 * header's name, UTF-8 name) must repeat the name byte for byte; a second
 * one is refused. */
static int check_extra(const unsigned char *x, size_t xlen, const unsigned char *name, size_t nlen,
                       const char *where, const char *label, struct strbuf *err)
{
	size_t pos = 0;
	int seen_upath = 0;

	while (pos < xlen) {
		uint16_t id, sz;

		if (xlen - pos < 4)
			return bad_entry(err, label, name, nlen, "malformed extra field in %s",
			                 where);
		id = rd16(x + pos);
		sz = rd16(x + pos + 2);
		pos += 4;
		if (sz > xlen - pos)
			return bad_entry(err, label, name, nlen, "malformed extra field in %s",
			                 where);
		if (id == EXTRA_UNICODE_PATH) {
			const unsigned char *d = x + pos;
			if (seen_upath++)
				return bad_entry(err, label, name, nlen,
				                 "two unicode path extra fields in %s", where);
			if (sz < 5 || d[0] != 1)
				return bad_entry(err, label, name, nlen,
				                 "malformed unicode path extra field in %s", where);
			if (rd32(d + 1) != (uint32_t)crc32(0L, name, (uInt)nlen) ||
			    (size_t)(sz - 5) != nlen || memcmp(d + 5, name, nlen) != 0)
				return bad_entry(
				    err, label, name, nlen,
				    "unicode path extra field in %s disagrees with the "
				    "name",
				    where);
		}
		/* A ZIP64 record (0x0001) is ignored: it only matters for fields
		 * holding 0xFFFF/0xFFFFFFFF, which are refused, and every reader
		 * consults it only then. */
		pos += sz;
	}
	return 0;
}

struct key_ref {
	char *key;
	size_t idx;
};

static int cmp_key_ref(const void *a, const void *b)
{
	return strcmp(((const struct key_ref *)a)->key, ((const struct key_ref *)b)->key);
}

static int cmp_local(const void *a, const void *b, void *arg)
{
	const struct zip_entry *e = arg;
	uint64_t x = e[*(const size_t *)a].local_offset, y = e[*(const size_t *)b].local_offset;
	return x < y ? -1 : x > y;
}

/* Binary search for the key equal to prefix[0..n) among refs. */
static const struct key_ref *find_prefix(const struct key_ref *refs, size_t len, const char *prefix,
                                         size_t n)
{
	size_t lo = 0, hi = len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(refs[mid].key, prefix, n);
		if (c == 0 && refs[mid].key[n] != '\0')
			c = 1;
		if (c == 0)
			return &refs[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Duplicates (after path_policy_key) and members that are both a file and
 * a parent directory of another member. */
static int check_names(struct zip_archive *za, const char *label, struct strbuf *err)
{
	struct key_ref *refs;
	struct strbuf key = STRBUF_INIT;
	size_t i, j;
	int r = 0;

	if (za->len == 0)
		return 0;
	refs = calloc(za->len, sizeof(*refs));
	if (!refs)
		return error_set(err, BURROW_EFAIL, "%s: out of memory", label);
	for (i = 0; i < za->len; i++) {
		const char *n = za->entries[i].name;
		if (path_policy_key(n, strlen(n), &key) < 0 ||
		    !(refs[i].key = strbuf_detach(&key, NULL))) {
			r = error_set(err, BURROW_EFAIL, "%s: out of memory", label);
			goto out;
		}
		refs[i].idx = i;
	}
	qsort(refs, za->len, sizeof(*refs), cmp_key_ref);
	for (i = 1; i < za->len; i++) {
		if (strcmp(refs[i - 1].key, refs[i].key) == 0) {
			const char *a = za->entries[refs[i - 1].idx].name;
			const char *b = za->entries[refs[i].idx].name;
			r = bad_entry(err, label, b, strlen(b), "duplicate name (same as \"");
			if (err) {
				strbuf_add_escaped(err, a, strlen(a));
				strbuf_addstr(err, "\")");
			}
			goto out;
		}
	}
	for (i = 0; i < za->len; i++) {
		const char *k = refs[i].key;
		for (j = 0; k[j]; j++) {
			const struct key_ref *p;
			if (k[j] != '/')
				continue;
			p = find_prefix(refs, za->len, k, j);
			if (p && !za->entries[p->idx].is_dir) {
				const char *b = za->entries[refs[i].idx].name;
				r = bad_entry(err, label, b, strlen(b),
				              "a parent directory is also a file in the archive");
				goto out;
			}
		}
	}
out:
	for (i = 0; i < za->len; i++)
		free(refs[i].key);
	free(refs);
	strbuf_release(&key);
	return r;
}

/* One central directory record at data[*pos]; fills e. */
static int parse_cdh(const unsigned char *data, uint64_t *pos, uint64_t cd_end,
                     const struct zip_limits *lim, const char *label, struct zip_entry *e,
                     uint64_t *total, struct strbuf *err)
{
	const unsigned char *h = data + *pos, *name;
	uint16_t made_by, flags, method, nlen, xlen, clen, disk;
	uint32_t crc, comp, size, ext, loff;
	size_t i;
	int non_ascii = 0, r;

	if (cd_end - *pos < CDH_LEN || rd32(h) != SIG_CDH)
		return bad(err, label, "central directory record at offset %llu is malformed",
		           (unsigned long long)*pos);
	made_by = rd16(h + 4);
	flags = rd16(h + 8);
	method = rd16(h + 10);
	crc = rd32(h + 16);
	comp = rd32(h + 20);
	size = rd32(h + 24);
	nlen = rd16(h + 28);
	xlen = rd16(h + 30);
	clen = rd16(h + 32);
	disk = rd16(h + 34);
	ext = rd32(h + 38);
	loff = rd32(h + 42);
	if ((uint64_t)CDH_LEN + nlen + xlen + clen > cd_end - *pos)
		return bad(err, label,
		           "central directory record at offset %llu runs past the directory",
		           (unsigned long long)*pos);
	name = h + CDH_LEN;
	if (nlen == 0)
		return bad(err, label, "central directory record at offset %llu has an empty name",
		           (unsigned long long)*pos);
	if (nlen > lim->max_name_len)
		return bad(err, label, "entry name of %u bytes exceeds the limit of %zu",
		           (unsigned)nlen, lim->max_name_len);
	if (memchr(name, '\0', nlen))
		return bad_entry(err, label, name, nlen, "NUL byte in name");
	for (i = 0; i < nlen; i++)
		if (name[i] & 0x80)
			non_ascii = 1;
	if (non_ascii && !(flags & FLAG_UTF8))
		return bad_entry(err, label, name, nlen,
		                 "non-ASCII name without the UTF-8 flag (readers disagree on it)");
	if ((r = path_policy_check((const char *)name, nlen, err)) != 0)
		return error_prefix(err, r, "%s", label);
	if (flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENC | FLAG_CD_MASKED))
		return bad_entry(err, label, name, nlen, "encrypted entries are not supported");
	if (method != 0 && method != 8)
		return bad_entry(err, label, name, nlen,
		                 "compression method %u (only stored and deflate)",
		                 (unsigned)method);
	if (comp == 0xFFFFFFFFu || size == 0xFFFFFFFFu || loff == 0xFFFFFFFFu || disk == 0xFFFF)
		return bad_entry(err, label, name, nlen, "ZIP64 entries are not supported");
	if (disk != 0)
		return bad_entry(err, label, name, nlen, "multi-disk archives are not supported");
	if ((r = check_extra(h + CDH_LEN + nlen, xlen, name, nlen, "the central directory", label,
	                     err)) != 0)
		return r;

	memset(e, 0, sizeof(*e));
	e->name = malloc((size_t)nlen + 1);
	if (!e->name)
		return error_set(err, BURROW_EFAIL, "%s: out of memory", label);
	memcpy(e->name, name, nlen);
	e->name[nlen] = '\0';
	e->is_dir = name[nlen - 1] == '/';
	e->comp_size = comp;
	e->size = size;
	e->crc32 = crc;
	e->method = method;
	e->flags = flags;
	e->local_offset = loff;
	if ((made_by >> 8) == 3) /* Unix */
		e->mode = ext >> 16;

	switch (e->mode & S_IFMT) {
	case 0:
		break;
	case S_IFREG:
		if (e->is_dir)
			return bad_entry(err, label, name, nlen,
			                 "directory name with a regular file mode");
		break;
	case S_IFDIR:
		if (!e->is_dir)
			return bad_entry(err, label, name, nlen,
			                 "directory mode on a name without a trailing '/'");
		break;
	case S_IFLNK:
		return bad_entry(err, label, name, nlen,
		                 "symbolic links are not allowed in wheels");
	default:
		return bad_entry(err, label, name, nlen,
		                 "not a regular file or directory (mode %o)", (unsigned)e->mode);
	}
	if ((ext & 0x10) && !e->is_dir)
		return bad_entry(err, label, name, nlen,
		                 "DOS directory attribute on a name without a trailing '/'");
	if (e->is_dir) {
		if (size != 0 || (method == 0 && comp != 0) || comp > 2)
			return bad_entry(err, label, name, nlen, "directory entry with data");
	}
	if (method == 0 && comp != size)
		return bad_entry(err, label, name, nlen,
		                 "stored entry with compressed size %lu and size %lu",
		                 (unsigned long)comp, (unsigned long)size);
	if (method == 8 && size > 0 && comp == 0)
		return bad_entry(err, label, name, nlen, "deflated entry with no data");
	if (size > lim->max_entry_size)
		return bad_entry(err, label, name, nlen, "size %lu exceeds the limit of %llu",
		                 (unsigned long)size, (unsigned long long)lim->max_entry_size);
	if (size > lim->ratio_floor && comp > 0 && size / comp > lim->max_ratio)
		return bad_entry(err, label, name, nlen,
		                 "compression ratio %lu:1 exceeds the limit of %u:1",
		                 (unsigned long)(size / comp), (unsigned)lim->max_ratio);
	*total += size;
	if (*total > lim->max_total_size)
		return bad(err, label, "total uncompressed size exceeds the limit of %llu bytes",
		           (unsigned long long)lim->max_total_size);
	*pos += (uint64_t)CDH_LEN + nlen + xlen + clen;
	return 0;
}

/* Checks e's local header against the central directory; *end gets the
 * offset just past its data (and data descriptor). */
static int check_lfh(const unsigned char *data, uint64_t cd_offset, const char *label,
                     struct zip_entry *e, uint64_t *end, struct strbuf *err)
{
	const unsigned char *h;
	size_t nlen = strlen(e->name);
	uint16_t flags, method, lnlen, xlen;
	uint32_t crc, comp, size;
	uint64_t data_end;
	int r;

	if (e->local_offset > cd_offset || cd_offset - e->local_offset < LFH_LEN)
		return bad_entry(err, label, e->name, nlen,
		                 "local header offset %llu is outside the entry area",
		                 (unsigned long long)e->local_offset);
	h = data + e->local_offset;
	if (rd32(h) != SIG_LFH)
		return bad_entry(err, label, e->name, nlen, "no local header at offset %llu",
		                 (unsigned long long)e->local_offset);
	flags = rd16(h + 6);
	method = rd16(h + 8);
	crc = rd32(h + 14);
	comp = rd32(h + 18);
	size = rd32(h + 22);
	lnlen = rd16(h + 26);
	xlen = rd16(h + 28);
	if ((uint64_t)LFH_LEN + lnlen + xlen > cd_offset - e->local_offset)
		return bad_entry(err, label, e->name, nlen, "local header runs into the directory");
	if (lnlen != nlen || memcmp(h + LFH_LEN, e->name, nlen) != 0) {
		r = bad_entry(err, label, e->name, nlen, "local header names a different file \"");
		if (err) {
			strbuf_add_escaped(err, h + LFH_LEN, lnlen);
			strbuf_addch(err, '"');
		}
		return r;
	}
	if (flags != e->flags)
		return bad_entry(err, label, e->name, nlen,
		                 "flags differ between local header (0x%04x) and central directory "
		                 "(0x%04x)",
		                 (unsigned)flags, (unsigned)e->flags);
	if (method != e->method)
		return bad_entry(err, label, e->name, nlen,
		                 "compression method differs between local header and central "
		                 "directory");
	if ((r = check_extra(h + LFH_LEN + lnlen, xlen, (const unsigned char *)e->name, nlen,
	                     "the local header", label, err)) != 0)
		return r;
	if (flags & FLAG_DESCRIPTOR) {
		if ((crc != 0 && crc != e->crc32) || (comp != 0 && comp != e->comp_size) ||
		    (size != 0 && size != e->size))
			return bad_entry(err, label, e->name, nlen,
			                 "local header CRC or sizes differ from the central "
			                 "directory");
	} else if (crc != e->crc32) {
		return bad_entry(err, label, e->name, nlen,
		                 "CRC differs between local header and central directory");
	} else if (comp != e->comp_size || size != e->size) {
		return bad_entry(err, label, e->name, nlen,
		                 "sizes differ between local header and central directory");
	}
	e->data_offset = e->local_offset + LFH_LEN + lnlen + xlen;
	if (e->comp_size > cd_offset - e->data_offset)
		return bad_entry(err, label, e->name, nlen, "data runs into the central directory");
	data_end = e->data_offset + e->comp_size;
	if (flags & FLAG_DESCRIPTOR) {
		const unsigned char *d = data + data_end;
		uint64_t room = cd_offset - data_end;
		if (room >= 16 && rd32(d) == SIG_DD && rd32(d + 4) == e->crc32 &&
		    rd32(d + 8) == e->comp_size && rd32(d + 12) == e->size)
			data_end += 16;
		else if (room >= 12 && rd32(d) == e->crc32 && rd32(d + 4) == e->comp_size &&
		         rd32(d + 8) == e->size)
			data_end += 12;
		else
			return bad_entry(err, label, e->name, nlen,
			                 "data descriptor missing or disagreeing with the central "
			                 "directory");
	}
	*end = data_end;
	return 0;
}

int zip_parse(const unsigned char *data, size_t len, const struct zip_limits *lim,
              const char *label, struct zip_archive *za, struct strbuf *err)
{
	struct zip_limits deflim;
	size_t i, eocd = 0, window, n_cd, *order = NULL;
	uint64_t cd_size, cd_offset, pos, expect;
	uint16_t clen;
	int found = 0, r;

	memset(za, 0, sizeof(*za));
	za->fd = -1;
	if (!lim) {
		zip_limits_default(&deflim);
		lim = &deflim;
	}
	if (!label)
		label = "zip";
	{
		/* the label may come from a hostile index: escape it once */
		struct strbuf lab = STRBUF_INIT;
		if (strbuf_add_escaped(&lab, label, strlen(label)) < 0) {
			strbuf_release(&lab);
			return error_set(err, BURROW_EFAIL, "zip: out of memory");
		}
		za->label = strbuf_detach(&lab, NULL);
		label = za->label;
	}
	za->data = data;
	za->file_size = len;

	/* The end record: the last signature in the final 64 KiB + 22. */
	if (len < EOCD_LEN) {
		r = bad(err, label, "too short to be a zip archive");
		goto fail;
	}
	window = len - EOCD_LEN;
	for (i = 0; i <= window && i <= 0xFFFF; i++) {
		size_t p = window - i;
		if (rd32(data + p) == SIG_EOCD) {
			eocd = p;
			found = 1;
			break;
		}
	}
	if (!found) {
		r = bad(err, label, "no end of central directory record (not a zip archive)");
		goto fail;
	}
	clen = rd16(data + eocd + 20);
	if ((uint64_t)eocd + EOCD_LEN + clen != len) {
		r = bad(err, label,
		        "%llu bytes after the end of central directory record (declared comment: "
		        "%u)",
		        (unsigned long long)(len - eocd - EOCD_LEN), (unsigned)clen);
		goto fail;
	}
	if (clen >= 4 && memmem(data + eocd + EOCD_LEN, clen, "PK\x05\x06", 4)) {
		r = bad(err, label, "a second end of central directory signature in the comment");
		goto fail;
	}
	if (eocd >= Z64LOC_LEN && rd32(data + eocd - Z64LOC_LEN) == SIG_Z64LOC) {
		r = bad(err, label, "ZIP64 archives are not supported");
		goto fail;
	}
	if (rd16(data + eocd + 4) != 0 || rd16(data + eocd + 6) != 0) {
		r = bad(err, label, "multi-disk archives are not supported");
		goto fail;
	}
	n_cd = rd16(data + eocd + 10);
	cd_size = rd32(data + eocd + 12);
	cd_offset = rd32(data + eocd + 16);
	if (n_cd == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_offset == 0xFFFFFFFFu) {
		r = bad(err, label, "ZIP64 archives are not supported");
		goto fail;
	}
	if (rd16(data + eocd + 8) != n_cd) {
		r = bad(err, label, "entry counts in the end record disagree");
		goto fail;
	}
	if (cd_offset + cd_size != eocd) {
		r = bad(err, label,
		        "central directory (offset %llu, size %llu) does not end at the end record "
		        "(offset %zu)",
		        (unsigned long long)cd_offset, (unsigned long long)cd_size, eocd);
		goto fail;
	}
	if (n_cd > lim->max_entries) {
		r = bad(err, label, "%zu entries exceed the limit of %zu", n_cd, lim->max_entries);
		goto fail;
	}
	if ((uint64_t)n_cd * CDH_LEN > cd_size) {
		r = bad(err, label, "central directory too small for %zu entries", n_cd);
		goto fail;
	}

	if (n_cd) {
		za->entries = calloc(n_cd, sizeof(*za->entries));
		order = calloc(n_cd, sizeof(*order));
		if (!za->entries || !order) {
			r = error_set(err, BURROW_EFAIL, "%s: out of memory", label);
			goto fail;
		}
	}
	pos = cd_offset;
	for (i = 0; i < n_cd; i++) {
		r = parse_cdh(data, &pos, eocd, lim, label, &za->entries[i], &za->total_size, err);
		if (za->entries[i].name)
			za->len = i + 1;
		if (r)
			goto fail;
	}
	if (pos != eocd) {
		r = bad(err, label,
		        "%llu bytes in the central directory beyond its %zu declared entries",
		        (unsigned long long)(eocd - pos), n_cd);
		goto fail;
	}
	if ((r = check_names(za, label, err)) != 0)
		goto fail;

	/* Local headers, in file order: they must tile [0, cd_offset). */
	for (i = 0; i < n_cd; i++)
		order[i] = i;
	if (n_cd > 1)
		qsort_r(order, n_cd, sizeof(*order), cmp_local, za->entries);
	expect = 0;
	for (i = 0; i < n_cd; i++) {
		struct zip_entry *e = &za->entries[order[i]];
		uint64_t end = 0;
		if (e->local_offset != expect) {
			if (e->local_offset > expect)
				r = bad(err, label,
				        "%llu unaccounted bytes at offset %llu (data not in the "
				        "central directory, or a prepended or stacked archive)",
				        (unsigned long long)(e->local_offset - expect),
				        (unsigned long long)expect);
			else
				r = bad_entry(err, label, e->name, strlen(e->name),
				              "overlaps the previous entry");
			goto fail;
		}
		if ((r = check_lfh(data, cd_offset, label, e, &end, err)) != 0)
			goto fail;
		expect = end;
	}
	if (expect != cd_offset) {
		r = bad(err, label,
		        "%llu unaccounted bytes before the central directory (at offset %llu)",
		        (unsigned long long)(cd_offset - expect), (unsigned long long)expect);
		goto fail;
	}
	free(order);
	return 0;
fail:
	free(order);
	zip_close(za);
	return r;
}

int zip_open(int fd, const struct zip_limits *lim, const char *label, struct zip_archive *za,
             struct strbuf *err)
{
	struct stat st;
	void *map;
	int r;

	memset(za, 0, sizeof(*za));
	za->fd = -1;
	if (!label)
		label = "zip";
	if (fstat(fd, &st) < 0)
		return error_set(err, BURROW_EFAIL, "%s: %s", label, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return error_set(err, BURROW_EINTEGRITY, "%s: not a regular file", label);
	if (st.st_size == 0)
		return error_set(err, BURROW_EINTEGRITY, "%s: empty file (not a zip archive)",
		                 label);
	if ((uint64_t)st.st_size > SIZE_MAX)
		return error_set(err, BURROW_EFAIL, "%s: file too large to map", label);
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return error_set(err, BURROW_EFAIL, "%s: mmap: %s", label, strerror(errno));
	r = zip_parse(map, (size_t)st.st_size, lim, label, za, err);
	if (r) {
		munmap(map, (size_t)st.st_size);
		return r;
	}
	za->fd = fd;
	za->mapped = 1;
	return 0;
}

long zip_find(const struct zip_archive *za, const char *name)
{
	size_t i;

	for (i = 0; i < za->len; i++)
		if (strcmp(za->entries[i].name, name) == 0)
			return (long)i;
	return -1;
}

typedef int (*sink_fn)(void *arg, const unsigned char *buf, size_t len);

static int extract_to(struct zip_archive *za, size_t index, sink_fn sink, void *arg,
                      unsigned char sha256_out[32], struct strbuf *err)
{
	const struct zip_entry *e = &za->entries[index];
	const unsigned char *src = za->data + e->data_offset;
	const char *label = za->label ? za->label : "zip";
	size_t nlen = strlen(e->name);
	unsigned char *buf = NULL;
	struct sha256 h;
	uint32_t crc = 0;
	uint64_t total = 0;
	unsigned char digest[32];
	int r = 0;

	if (sha256_begin(&h) < 0)
		return error_set(err, BURROW_EFAIL, "%s: sha256: out of memory", label);
	if (e->is_dir) {
		/* no data: the digest is that of the empty string */
		sha256_end(&h, digest);
		if (sha256_out)
			memcpy(sha256_out, digest, 32);
		return 0;
	}
	if (e->method == 0) {
		uint64_t off = 0;
		while (off < e->comp_size) {
			size_t n =
			    e->comp_size - off > CHUNK ? CHUNK : (size_t)(e->comp_size - off);
			if ((r = signals_pending()) != 0)
				goto out;
			crc = (uint32_t)crc32(crc, src + off, (uInt)n);
			sha256_update(&h, src + off, n);
			if (sink(arg, src + off, n) < 0) {
				r = error_set(err, BURROW_EFAIL, "%s: entry \"%s\": write: %s",
				              label, e->name, strerror(errno));
				goto out;
			}
			off += n;
		}
		total = e->comp_size;
	} else {
		z_stream zs;
		int zr;

		memset(&zs, 0, sizeof(zs));
		buf = malloc(CHUNK);
		if (!buf || inflateInit2(&zs, -15) != Z_OK) {
			r = error_set(err, BURROW_EFAIL, "%s: inflate: out of memory", label);
			goto out;
		}
		zs.next_in = src;
		zs.avail_in = (uInt)e->comp_size;
		for (;;) {
			size_t got;
			if ((r = signals_pending()) != 0)
				break;
			zs.next_out = buf;
			zs.avail_out = (uInt)CHUNK;
			zr = inflate(&zs, Z_NO_FLUSH);
			got = CHUNK - zs.avail_out;
			if (zr != Z_OK && zr != Z_STREAM_END && !(zr == Z_BUF_ERROR && got)) {
				if (zr == Z_BUF_ERROR)
					r = bad_entry(err, label, e->name, nlen,
					              "deflate stream is truncated");
				else
					r = bad_entry(err, label, e->name, nlen,
					              "corrupt deflate stream (%s)",
					              zs.msg ? zs.msg : "error");
				break;
			}
			if (got > e->size - total) {
				r = bad_entry(err, label, e->name, nlen,
				              "inflates to more than its declared %llu bytes",
				              (unsigned long long)e->size);
				break;
			}
			if (got) {
				crc = (uint32_t)crc32(crc, buf, (uInt)got);
				sha256_update(&h, buf, got);
				if (sink(arg, buf, got) < 0) {
					r = error_set(err, BURROW_EFAIL,
					              "%s: entry \"%s\": write: %s", label, e->name,
					              strerror(errno));
					break;
				}
				total += got;
			}
			if (zr == Z_STREAM_END) {
				if (zs.avail_in != 0)
					r = bad_entry(
					    err, label, e->name, nlen,
					    "%u bytes after the end of the deflate stream",
					    (unsigned)zs.avail_in);
				break;
			}
			if (zs.avail_in == 0 && got == 0) {
				r = bad_entry(err, label, e->name, nlen,
				              "deflate stream is truncated");
				break;
			}
		}
		inflateEnd(&zs);
		if (r)
			goto out;
	}
	if (total != e->size) {
		r = bad_entry(err, label, e->name, nlen, "%llu bytes instead of the declared %llu",
		              (unsigned long long)total, (unsigned long long)e->size);
		goto out;
	}
	if (crc != e->crc32) {
		r = bad_entry(err, label, e->name, nlen,
		              "CRC-32 mismatch (declared %08lx, data %08lx)",
		              (unsigned long)e->crc32, (unsigned long)crc);
		goto out;
	}
	sha256_end(&h, digest);
	if (sha256_out)
		memcpy(sha256_out, digest, 32);
	free(buf);
	return 0;
out:
	sha256_abort(&h);
	free(buf);
	return r;
}

static int sink_fd(void *arg, const unsigned char *buf, size_t len)
{
	return fs_write_all(*(int *)arg, buf, len);
}

static int sink_mem(void *arg, const unsigned char *buf, size_t len)
{
	if (strbuf_add(arg, buf, len) < 0) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

int zip_extract(struct zip_archive *za, size_t index, int out_fd, unsigned char sha256_out[32],
                struct strbuf *err)
{
	if (index >= za->len)
		return error_set(err, BURROW_EFAIL, "zip_extract: index out of range");
	return extract_to(za, index, sink_fd, &out_fd, sha256_out, err);
}

int zip_extract_mem(struct zip_archive *za, size_t index, size_t max, struct strbuf *out,
                    unsigned char sha256_out[32], struct strbuf *err)
{
	const struct zip_entry *e;

	if (index >= za->len)
		return error_set(err, BURROW_EFAIL, "zip_extract_mem: index out of range");
	e = &za->entries[index];
	strbuf_reset(out);
	if (e->size > max)
		return bad_entry(err, za->label ? za->label : "zip", e->name, strlen(e->name),
		                 "%llu bytes exceed the limit of %zu for this file",
		                 (unsigned long long)e->size, max);
	if (strbuf_grow(out, (size_t)e->size) < 0)
		return error_set(err, BURROW_EFAIL, "%s: out of memory", za->label);
	return extract_to(za, index, sink_mem, out, sha256_out, err);
}

void zip_close(struct zip_archive *za)
{
	size_t i;

	if (za->mapped && za->data)
		munmap((void *)za->data, (size_t)za->file_size);
	for (i = 0; i < za->len; i++)
		free(za->entries[i].name);
	free(za->entries);
	free(za->label);
	memset(za, 0, sizeof(*za));
	za->fd = -1;
}
