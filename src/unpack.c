/*
 * unpack: extracts a tar archive into an empty directory, safely.
 *
 * libarchive only parses here (tar formats, gzip/xz/zstd filters, never
 * "_all"); archive_write_disk is not used because it creates escaping
 * symlinks, devices and FIFOs, keeps duplicates and has no limits
 * (reliability-notes 1.3, 5).  We create every entry ourselves relative to
 * the destination fd: parents component by component with O_NOFOLLOW and
 * O_DIRECTORY, leaves with O_EXCL, so nothing can be written through a
 * symlink or outside the destination.  A table of every name made so far
 * (keyed by path_policy_key) catches duplicates, case aliases and entries
 * below a symlink or a file before the filesystem is touched.
 */
#include "unpack.h"

#include "pathpolicy.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "util/signals.h"
#include "util/utf8.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define RATIO_FLOOR ((uint64_t)1 << 20)

void unpack_limits_default(struct unpack_limits *l)
{
	l->max_total_bytes = (uint64_t)4 << 30;
	l->max_entries = 200000;
	l->max_ratio = 200;
	l->max_entry_bytes = (uint64_t)2 << 30;
}

/* One name made so far, in an open-addressing table keyed by the folded
 * path. */
struct seen_slot {
	char *key;
	char *path;
	enum tree_type type;
	int implicit; /* a parent directory made for a later entry */
};

/* An independent walk of the tar headers over the very bytes the tar
 * reader is given: a PAX "size" that disagrees with the ustar size field,
 * or data on an entry type that carries none, would make readers disagree
 * on where the next header starts (TARmageddon, CVE-2025-62518, and the
 * inverse in tar-rs CVE-2026-33055): one reading only. */
#define SCAN_MAX_PAX ((size_t)1 << 20)

struct tarscan {
	unsigned char hdr[512];
	size_t hlen;
	uint64_t skip;    /* body and padding bytes to pass over */
	uint64_t collect; /* pax body bytes still to collect */
	uint64_t pad;     /* padding after the pax body */
	int collecting;
	struct strbuf pax; /* the current pax body */
	int have_size;     /* a pending pax "size" */
	uint64_t pax_size;
	struct strbuf path; /* a pending pax "path", for messages */
	int done, bad;
	struct strbuf name, why; /* the entry and the reason when bad */
	/* the pre-pass (prescan) counts before anything is written; 0: no bound */
	uint64_t entries, declared;
	uint64_t max_entries, max_declared;
};

struct unpacker {
	struct archive *a;
	struct archive *raw; /* the decompressed stream the tar reader reads */
	struct tarscan scan;
	int dest;
	const struct unpack_limits *lim;
	const char *label;
	struct tree_list *out;
	struct strbuf *err;
	struct seen_slot *slots;
	size_t cap, used;
	uint64_t total, entries;
	struct strbuf key, pkey, parent; /* entry key, parent-walk key, cached parent */
	int parent_fd;                   /* fd of the directory named by parent, or -1 */
};

static uint64_t hash_key(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ull;
	}
	return h;
}

static struct seen_slot *seen_find(struct unpacker *u, const char *key)
{
	size_t i;

	if (!u->cap)
		return NULL;
	for (i = hash_key(key) & (u->cap - 1); u->slots[i].key; i = (i + 1) & (u->cap - 1))
		if (strcmp(u->slots[i].key, key) == 0)
			return &u->slots[i];
	return NULL;
}

static int seen_add(struct unpacker *u, const char *key, const char *path, enum tree_type type,
                    int implicit)
{
	struct seen_slot *s;
	size_t i;

	if ((u->used + 1) * 2 > u->cap) {
		size_t ncap = u->cap ? u->cap * 2 : 1024, j;
		struct seen_slot *n = calloc(ncap, sizeof(*n));
		if (!n)
			return -1;
		for (j = 0; j < u->cap; j++) {
			if (!u->slots[j].key)
				continue;
			for (i = hash_key(u->slots[j].key) & (ncap - 1); n[i].key;
			     i = (i + 1) & (ncap - 1))
				;
			n[i] = u->slots[j];
		}
		free(u->slots);
		u->slots = n;
		u->cap = ncap;
	}
	for (i = hash_key(key) & (u->cap - 1); u->slots[i].key; i = (i + 1) & (u->cap - 1))
		;
	s = &u->slots[i];
	s->key = strdup(key);
	s->path = strdup(path);
	if (!s->key || !s->path) {
		free(s->key);
		free(s->path);
		s->key = s->path = NULL;
		return -1;
	}
	s->type = type;
	s->implicit = implicit;
	u->used++;
	return 0;
}

static void scan_bad(struct tarscan *t, const char *name, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void scan_bad(struct tarscan *t, const char *name, size_t len, const char *fmt, ...)
{
	va_list ap;

	t->bad = 1;
	if (name != t->name.buf) {
		strbuf_reset(&t->name);
		strbuf_add(&t->name, name, len);
	}
	va_start(ap, fmt);
	strbuf_vaddf(&t->why, fmt, ap);
	va_end(ap);
}

/* A numeric header field as libarchive reads it: base-256 when the high
 * bit of the first byte is set, else octal after leading blanks.  -1 when
 * it holds something else or overflows. */
static int64_t scan_number(const unsigned char *f, size_t n)
{
	uint64_t v = 0;
	size_t i = 0;

	if (f[0] & 0x80) {
		if (f[0] != 0x80)
			return -1; /* negative or over 2^56: not a size we take */
		for (i = 1; i < n; i++) {
			if (v >> 55)
				return -1;
			v = (v << 8) | f[i];
		}
		return (int64_t)v;
	}
	while (i < n && (f[i] == ' ' || f[i] == '\0'))
		i++;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++)
		v = (v << 3) | (uint64_t)(f[i] - '0');
	for (; i < n; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -1;
	return (int64_t)v;
}

/* The name a header gives (pax path first), for messages. */
static void scan_name(struct tarscan *t, struct strbuf *out)
{
	const unsigned char *h = t->hdr;

	strbuf_reset(out);
	if (t->path.len) {
		strbuf_add(out, t->path.buf, t->path.len);
		return;
	}
	if (!memcmp(h + 257, "ustar", 5) && h[345])
		strbuf_addf(out, "%.*s/", 155, (const char *)h + 345);
	strbuf_addf(out, "%.*s", 100, (const char *)h);
}

/* Parses the pax records in t->pax ("LEN key=value\n"...). */
static void scan_pax(struct tarscan *t)
{
	const char *p = t->pax.buf, *end = t->pax.buf + t->pax.len;

	while (p < end && !t->bad) {
		const char *sp, *eq, *rec_end;
		uint64_t n = 0;

		for (sp = p; sp < end && *sp >= '0' && *sp <= '9' && n < SCAN_MAX_PAX; sp++)
			n = n * 10 + (uint64_t)(*sp - '0');
		if (sp == p || sp >= end || *sp != ' ' || n > (uint64_t)(end - p) ||
		    n < (uint64_t)(sp - p) + 3 || p[n - 1] != '\n') {
			if (sp == p && *p == '\0')
				break; /* zero padding after the last record */
			scan_bad(t, t->path.buf, t->path.len, "malformed pax extended header");
			return;
		}
		rec_end = p + n - 1;
		eq = memchr(sp + 1, '=', (size_t)(rec_end - sp - 1));
		if (!eq) {
			scan_bad(t, t->path.buf, t->path.len, "malformed pax extended header");
			return;
		}
		if ((size_t)(eq - sp - 1) == 4 && !memcmp(sp + 1, "size", 4)) {
			const char *v;
			uint64_t size = 0;
			for (v = eq + 1;
			     v < rec_end && *v >= '0' && *v <= '9' && size < (1ull << 60); v++)
				size = size * 10 + (uint64_t)(*v - '0');
			if (v != rec_end || v == eq + 1) {
				scan_bad(t, t->path.buf, t->path.len,
				         "pax size \"%.*s\" is not a number",
				         (int)(rec_end - eq - 1 > 40 ? 40 : rec_end - eq - 1),
				         eq + 1);
				return;
			}
			t->have_size = 1;
			t->pax_size = size;
		} else if ((size_t)(eq - sp - 1) == 4 && !memcmp(sp + 1, "path", 4)) {
			strbuf_reset(&t->path);
			strbuf_add(&t->path, eq + 1, (size_t)(rec_end - eq - 1));
		}
		p += n;
	}
}

static void scan_header(struct tarscan *t)
{
	const unsigned char *h = t->hdr;
	unsigned char type = h[156];
	int64_t size;
	size_t i;

	for (i = 0; i < 512 && !h[i]; i++)
		;
	if (i == 512) {
		t->done = 1; /* the end marker: the tar reader stops here too */
		return;
	}
	size = scan_number(h + 124, 12);
	if (size < 0) {
		scan_name(t, &t->name);
		scan_bad(t, t->name.buf, t->name.len, "invalid size field");
		return;
	}
	switch (type) {
	case 'x':
		if ((uint64_t)size > SCAN_MAX_PAX) {
			scan_name(t, &t->name);
			scan_bad(t, t->name.buf, t->name.len, "pax extended header over %zu bytes",
			         SCAN_MAX_PAX);
			return;
		}
		strbuf_reset(&t->pax);
		t->collecting = 1;
		t->collect = (uint64_t)size;
		t->pad = (512 - (uint64_t)size % 512) % 512;
		if (!size) {
			t->collecting = 0;
			t->skip = 0;
		}
		return;
	case 'g':
	case 'L':
	case 'K':
		t->skip = ((uint64_t)size + 511) / 512 * 512;
		return;
	default:
		break;
	}
	scan_name(t, &t->name);
	if (t->max_entries && ++t->entries > t->max_entries) {
		scan_bad(t, t->name.buf, t->name.len,
		         "more than %llu entries (the limit; counted before extracting)",
		         (unsigned long long)t->max_entries);
		return;
	}
	if (type == '0' || type == '\0' || type == '7') {
		t->declared += (uint64_t)size;
		if (t->max_declared && t->declared > t->max_declared) {
			scan_bad(
			    t, t->name.buf, t->name.len,
			    "declared sizes add up to more than %llu bytes (the limit; counted "
			    "before extracting)",
			    (unsigned long long)t->max_declared);
			return;
		}
		if (t->have_size && t->pax_size != (uint64_t)size) {
			scan_bad(t, t->name.buf, t->name.len,
			         "pax size %llu disagrees with the ustar header size %lld",
			         (unsigned long long)t->pax_size, (long long)size);
			return;
		}
		t->skip = ((uint64_t)size + 511) / 512 * 512;
	} else if (size != 0 || (t->have_size && t->pax_size != 0)) {
		scan_bad(t, t->name.buf, t->name.len,
		         "a header of type '%c' carries %llu bytes of data",
		         type >= 0x20 && type < 0x7f ? type : '?',
		         (unsigned long long)(t->have_size ? t->pax_size : (uint64_t)size));
		return;
	}
	t->have_size = 0;
	strbuf_reset(&t->path);
}

/* Feeds the next len bytes of the decompressed stream. */
static void scan_feed(struct tarscan *t, const unsigned char *p, size_t len)
{
	while (len && !t->done && !t->bad) {
		size_t n;
		if (t->skip) {
			n = t->skip < len ? (size_t)t->skip : len;
			t->skip -= n;
		} else if (t->collecting) {
			n = t->collect < len ? (size_t)t->collect : len;
			if (strbuf_add(&t->pax, p, n) < 0) {
				scan_bad(t, "", 0, "out of memory");
				return;
			}
			t->collect -= n;
			if (!t->collect) {
				t->collecting = 0;
				t->skip = t->pad;
				scan_pax(t);
			}
		} else {
			n = 512 - t->hlen < len ? 512 - t->hlen : len;
			memcpy(t->hdr + t->hlen, p, n);
			t->hlen += n;
			if (t->hlen == 512) {
				t->hlen = 0;
				scan_header(t);
			}
		}
		p += n;
		len -= n;
	}
}

/* The tar reader's input: the raw (decompressed) stream, scanned on the way. */
static la_ssize_t chain_read(struct archive *a, void *arg, const void **buf)
{
	struct unpacker *u = arg;
	size_t size = 0;
	la_int64_t offset;
	int r;

	do {
		r = archive_read_data_block(u->raw, buf, &size, &offset);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r != ARCHIVE_OK) {
			const char *s = archive_error_string(u->raw);
			archive_set_error(a, EIO, "%s", s ? s : "read error");
			return -1;
		}
	} while (!size);
	scan_feed(&u->scan, *buf, size);
	if (u->scan.bad) {
		archive_set_error(a, EIO, "headers disagree");
		return -1;
	}
	return (la_ssize_t)size;
}

/* Sets the message `LABEL: entry "NAME": REASON` and returns code. */
__attribute__((format(printf, 5, 6))) static int
fail(struct unpacker *u, int code, const char *name, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!u->err)
		return code;
	strbuf_reset(u->err);
	strbuf_add_escaped(u->err, u->label, strlen(u->label));
	if (name) {
		strbuf_addstr(u->err, ": entry \"");
		strbuf_add_escaped(u->err, name, len);
		strbuf_addstr(u->err, "\": ");
	} else {
		strbuf_addstr(u->err, ": ");
	}
	va_start(ap, fmt);
	strbuf_vaddf(u->err, fmt, ap);
	va_end(ap);
	return code;
}

static int fail_errno(struct unpacker *u, const char *name, size_t len, const char *what)
{
	int e = errno;
	return fail(u, BURROW_EFAIL, name, len, "%s: %s", what, strerror(e));
}

/* libarchive's own words, which may carry a stale errno: used only after
 * ours. */
static int fail_archive(struct unpacker *u, const char *name, size_t len, const char *what)
{
	const char *s = archive_error_string(u->a);
	int r = fail(u, BURROW_EINTEGRITY, name, len, "%s", what);
	if (s && u->err) {
		strbuf_addstr(u->err, " (");
		strbuf_add_escaped(u->err, s, strlen(s));
		strbuf_addstr(u->err, ")");
	}
	return r;
}

static int count_entry(struct unpacker *u, const char *name, size_t len)
{
	if (++u->entries > u->lim->max_entries)
		return fail(u, BURROW_EINTEGRITY, name, len, "more than %llu entries",
		            (unsigned long long)u->lim->max_entries);
	return 0;
}

static int out_add(struct unpacker *u, const char *path, enum tree_type type, mode_t mode,
                   uint64_t size, const char *sha256, const char *target)
{
	if (u->out && !tree_list_add(u->out, path, type, mode, size, sha256, target))
		return fail(u, BURROW_EFAIL, path, strlen(path), "out of memory");
	return 0;
}

static int opendir_at(int dirfd, const char *name)
{
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Makes the directory leaf beneath pfd (mode 0755 whatever the umask) and
 * returns an fd for it, or -1 with the message set. */
static int make_dir(struct unpacker *u, int pfd, const char *leaf, const char *path, int *code)
{
	int fd;

	if (mkdirat(pfd, leaf, 0700) < 0) {
		if (errno == EEXIST)
			*code = fail(u, BURROW_EINTEGRITY, path, strlen(path),
			             "already exists on disk but not in the archive");
		else
			*code = fail_errno(u, path, strlen(path), "cannot create directory");
		return -1;
	}
	fd = opendir_at(pfd, leaf);
	if (fd < 0) {
		*code = fail_errno(u, path, strlen(path), "cannot open directory");
		return -1;
	}
	if (fchmod(fd, 0755) < 0) {
		*code = fail_errno(u, path, strlen(path), "cannot set mode");
		close(fd);
		return -1;
	}
	return fd;
}

/* Returns an fd for the directory holding path (its first plen bytes),
 * making missing parents.  The fd belongs to u (do not close).  -1 with
 * the message set and *code filled on failure. */
static int open_parent(struct unpacker *u, const char *path, size_t plen, int *code)
{
	struct strbuf prefix = STRBUF_INIT;
	int fd = u->dest;
	size_t i, start = 0;

	if (plen == 0)
		return u->dest;
	if (u->parent_fd >= 0 && u->parent.len == plen && memcmp(u->parent.buf, path, plen) == 0)
		return u->parent_fd;
	if (u->parent_fd >= 0)
		close(u->parent_fd);
	u->parent_fd = -1;
	strbuf_reset(&u->parent);

	for (i = 0; i <= plen; i++) {
		struct seen_slot *s;
		char comp[PATH_POLICY_MAX_COMPONENT + 1];
		int nfd;

		if (i < plen && path[i] != '/')
			continue;
		memcpy(comp, path + start, i - start);
		comp[i - start] = '\0';
		strbuf_reset(&prefix);
		if (strbuf_add(&prefix, path, i) < 0 || path_policy_key(path, i, &u->pkey) < 0) {
			*code = fail(u, BURROW_EFAIL, path, strlen(path), "out of memory");
			goto fail;
		}
		s = seen_find(u, u->pkey.buf);
		if (s) {
			if (s->type != TREE_DIR) {
				*code = fail(u, BURROW_EINTEGRITY, path, strlen(path),
				             "parent \"%s\" is a %s, not a directory", s->path,
				             s->type == TREE_SYMLINK ? "symlink" : "file");
				goto fail;
			}
			if (strcmp(s->path, prefix.buf) != 0) {
				*code = fail(u, BURROW_EINTEGRITY, path, strlen(path),
				             "duplicate of \"%s\" after case folding", s->path);
				goto fail;
			}
			nfd = opendir_at(fd, comp);
			if (nfd < 0) {
				if (errno == ELOOP || errno == ENOTDIR)
					*code = fail(u, BURROW_EINTEGRITY, path, strlen(path),
					             "refusing to write through a symlink");
				else
					*code = fail_errno(u, path, strlen(path),
					                   "cannot open directory");
				goto fail;
			}
		} else {
			if ((*code = count_entry(u, path, strlen(path))))
				goto fail;
			nfd = make_dir(u, fd, comp, prefix.buf, code);
			if (nfd < 0)
				goto fail;
			if (seen_add(u, u->pkey.buf, prefix.buf, TREE_DIR, 1) < 0) {
				close(nfd);
				*code = fail(u, BURROW_EFAIL, path, strlen(path), "out of memory");
				goto fail;
			}
			if ((*code = out_add(u, prefix.buf, TREE_DIR, 0755, 0, NULL, NULL))) {
				close(nfd);
				goto fail;
			}
		}
		if (fd != u->dest)
			close(fd);
		fd = nfd;
		start = i + 1;
	}
	strbuf_release(&prefix);
	if (strbuf_add(&u->parent, path, plen) < 0) {
		close(fd);
		*code = fail(u, BURROW_EFAIL, path, strlen(path), "out of memory");
		return -1;
	}
	u->parent_fd = fd;
	return fd;
fail:
	if (fd != u->dest)
		close(fd);
	strbuf_release(&prefix);
	return -1;
}

static int write_file(struct unpacker *u, struct archive_entry *e, int pfd, const char *leaf,
                      const char *path)
{
	size_t plen = strlen(path);
	int64_t hsize = archive_entry_size(e);
	mode_t mode = (archive_entry_perm(e) & 0111) ? 0755 : 0644;
	uint64_t written = 0;
	unsigned char digest[SHA256_LEN];
	char hex[SHA256_HEX_LEN + 1];
	struct sha256 h;
	int fd, r;

	if (hsize < 0)
		return fail(u, BURROW_EINTEGRITY, path, plen, "entry has no size");
	if ((uint64_t)hsize > u->lim->max_entry_bytes)
		return fail(u, BURROW_EINTEGRITY, path, plen,
		            "entry size %lld exceeds the per-entry limit of %llu bytes",
		            (long long)hsize, (unsigned long long)u->lim->max_entry_bytes);
	if ((uint64_t)hsize > u->lim->max_total_bytes - u->total)
		return fail(u, BURROW_EINTEGRITY, path, plen,
		            "total unpacked size exceeds %llu bytes",
		            (unsigned long long)u->lim->max_total_bytes);
	fd = openat(pfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return fail(u, BURROW_EINTEGRITY, path, plen,
			            "already exists on disk but not in the archive");
		return fail_errno(u, path, plen, "cannot create file");
	}
	if (sha256_begin(&h) < 0) {
		close(fd);
		return fail(u, BURROW_EFAIL, path, plen, "cannot start sha256");
	}
	for (;;) {
		const void *buf;
		size_t size;
		la_int64_t offset;
		int64_t compressed;

		if ((r = signals_pending()))
			goto out;
		r = archive_read_data_block(u->a, &buf, &size, &offset);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			r = fail_archive(u, path, plen, "corrupt or truncated data");
			goto out;
		}
		if (offset < 0 || (uint64_t)offset != written) {
			r = fail(u, BURROW_EINTEGRITY, path, plen,
			         "sparse entries are not supported");
			goto out;
		}
		if (size > (uint64_t)hsize - written) {
			r = fail(u, BURROW_EINTEGRITY, path, plen,
			         "more data than the header size %lld", (long long)hsize);
			goto out;
		}
		if (size > u->lim->max_total_bytes - u->total) {
			r = fail(u, BURROW_EINTEGRITY, path, plen,
			         "total unpacked size exceeds %llu bytes",
			         (unsigned long long)u->lim->max_total_bytes);
			goto out;
		}
		if (size && fs_write_all(fd, buf, size) < 0) {
			r = fail_errno(u, path, plen, "cannot write");
			goto out;
		}
		sha256_update(&h, buf, size);
		written += size;
		u->total += size;
		compressed = archive_filter_bytes(u->raw, -1);
		if (u->total > RATIO_FLOOR && compressed > 0 &&
		    u->total / (uint64_t)compressed > u->lim->max_ratio) {
			r = fail(u, BURROW_EINTEGRITY, path, plen,
			         "compression ratio exceeds %llu (%llu bytes from %lld)",
			         (unsigned long long)u->lim->max_ratio,
			         (unsigned long long)u->total, (long long)compressed);
			goto out;
		}
	}
	if (written != (uint64_t)hsize) {
		r = fail(u, BURROW_EINTEGRITY, path, plen, "%llu bytes of data, header says %lld",
		         (unsigned long long)written, (long long)hsize);
		goto out;
	}
	if (fchmod(fd, mode) < 0) {
		r = fail_errno(u, path, plen, "cannot set mode");
		goto out;
	}
	r = close(fd);
	fd = -1;
	if (r < 0) {
		r = fail_errno(u, path, plen, "cannot write");
		goto out;
	}
	sha256_end(&h, digest);
	sha256_to_hex(digest, hex);
	return out_add(u, path, TREE_FILE, mode, written, hex, NULL);
out:
	sha256_abort(&h);
	if (fd >= 0)
		close(fd);
	if (r == BURROW_EINT || r == BURROW_ETERM)
		fail(u, r, path, plen, "interrupted");
	return r;
}

static const char *type_name(mode_t ft)
{
	switch (ft) {
	case AE_IFCHR:
		return "character device";
	case AE_IFBLK:
		return "block device";
	case AE_IFIFO:
		return "FIFO";
	case AE_IFSOCK:
		return "socket";
	default:
		return "unknown type";
	}
}

static int unpack_entry(struct unpacker *u, struct archive_entry *e)
{
	const char *name = archive_entry_pathname(e), *leaf;
	mode_t ft = archive_entry_filetype(e);
	enum tree_type type;
	struct strbuf path = STRBUF_INIT;
	struct seen_slot *s;
	size_t len, slash;
	int pfd, r = 0, code = 0;

	if (!name)
		return fail(u, BURROW_EINTEGRITY, NULL, 0, "entry %llu: name cannot be read",
		            (unsigned long long)u->entries + 1);
	len = strlen(name);
	if (len >= 2 && name[0] == '.' && name[1] == '/') {
		name += 2;
		len -= 2;
	}
	/* GNU tar's "./" entry for the root itself */
	if (ft == AE_IFDIR && !archive_entry_hardlink(e) &&
	    (len == 0 || (len == 1 && name[0] == '.')))
		return 0;
	if ((r = path_policy_check(name, len, u->err))) {
		if (u->err)
			error_prefix(u->err, r, "%s", u->label);
		return r;
	}
	if (archive_entry_hardlink(e))
		return fail(u, BURROW_EINTEGRITY, name, len, "hardlink entries are not allowed");
	if (ft == AE_IFREG)
		type = TREE_FILE;
	else if (ft == AE_IFDIR)
		type = TREE_DIR;
	else if (ft == AE_IFLNK)
		type = TREE_SYMLINK;
	else
		return fail(u, BURROW_EINTEGRITY, name, len, "%s entries are not allowed",
		            type_name(ft));
	if (name[len - 1] == '/') {
		if (type != TREE_DIR)
			return fail(u, BURROW_EINTEGRITY, name, len,
			            "trailing '/' on a non-directory");
		len--;
	}
	if (strbuf_add(&path, name, len) < 0)
		return fail(u, BURROW_EFAIL, name, len, "out of memory");
	if (path_policy_key(path.buf, path.len, &u->key) < 0) {
		r = fail(u, BURROW_EFAIL, name, len, "out of memory");
		goto out;
	}
	s = seen_find(u, u->key.buf);
	if (s) {
		if (type == TREE_DIR && s->type == TREE_DIR && s->implicit &&
		    strcmp(s->path, path.buf) == 0) {
			s->implicit = 0; /* made earlier as a parent: same directory */
			goto out;
		}
		if (strcmp(s->path, path.buf) == 0)
			r = fail(u, BURROW_EINTEGRITY, name, len, "duplicate entry");
		else
			r = fail(u, BURROW_EINTEGRITY, name, len,
			         "duplicate of \"%s\" after case folding", s->path);
		goto out;
	}
	if ((r = count_entry(u, name, len)))
		goto out;
	{
		const char *p = strrchr(path.buf, '/');
		slash = p ? (size_t)(p - path.buf) : 0;
		leaf = p ? p + 1 : path.buf;
	}
	pfd = open_parent(u, path.buf, slash, &code);
	if (pfd < 0) {
		r = code;
		goto out;
	}
	if (type == TREE_DIR) {
		int fd = make_dir(u, pfd, leaf, path.buf, &code);
		if (fd < 0) {
			r = code;
			goto out;
		}
		close(fd);
		r = out_add(u, path.buf, TREE_DIR, 0755, 0, NULL, NULL);
	} else if (type == TREE_SYMLINK) {
		const char *target = archive_entry_symlink(e);
		if (!target) {
			r = fail(u, BURROW_EINTEGRITY, name, len, "symlink without a target");
			goto out;
		}
		if ((r = path_policy_link_ok(path.buf, target, u->err))) {
			if (u->err)
				error_prefix(u->err, r, "%s", u->label);
			goto out;
		}
		if (symlinkat(target, pfd, leaf) < 0) {
			if (errno == EEXIST)
				r = fail(u, BURROW_EINTEGRITY, name, len,
				         "already exists on disk but not in the archive");
			else
				r = fail_errno(u, name, len, "cannot create symlink");
			goto out;
		}
		r = out_add(u, path.buf, TREE_SYMLINK, 0777, 0, NULL, target);
	} else {
		r = write_file(u, e, pfd, leaf, path.buf);
	}
	if (!r && seen_add(u, u->key.buf, path.buf, type, 0) < 0)
		r = fail(u, BURROW_EFAIL, name, len, "out of memory");
out:
	strbuf_release(&path);
	return r;
}

/* ---- the pre-pass: before anything is written ---- */

#define PRESCAN_CHUNK ((size_t)64 << 10)
#define PRESCAN_AFTER_END ((uint64_t)1 << 20)

struct prescan {
	int fd;
	off_t off;
	unsigned char in[PRESCAN_CHUNK];
	unsigned char out[PRESCAN_CHUNK];
};

/* A gzip stream (one member or several) through zlib, which checks each
 * member's CRC-32 and length trailer; libarchive's gzip reader checks
 * neither, and stops quietly at bytes that are not another member.  Every
 * decompressed byte goes to the scan.  0, or BURROW_EINTEGRITY with the
 * reason in why. */
static int prescan_gzip(struct prescan *ps, struct tarscan *t, uint64_t max_out, struct strbuf *why)
{
	z_stream zs;
	ssize_t n;
	size_t produced;
	uint64_t after_end = 0;
	int zr = Z_OK, r = 0;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		return strbuf_addstr(why, "cannot start zlib"), BURROW_EFAIL;
	for (;;) {
		if (!zs.avail_in) {
			if ((r = signals_pending()))
				break;
			n = pread(ps->fd, ps->in, sizeof(ps->in), ps->off);
			if (n < 0) {
				strbuf_addf(why, "read: %s", strerror(errno));
				r = BURROW_EFAIL;
				break;
			}
			if (n == 0) {
				if (zr != Z_STREAM_END) {
					strbuf_addstr(why, "truncated gzip stream (no trailer)");
					r = BURROW_EINTEGRITY;
				}
				break;
			}
			ps->off += n;
			zs.next_in = ps->in;
			zs.avail_in = (uInt)n;
		}
		if (zr == Z_STREAM_END) {
			/* another member may follow; anything else is trailing data */
			if (zs.avail_in < 2 && ps->off == lseek(ps->fd, 0, SEEK_END) &&
			    zs.avail_in) {
				strbuf_addf(why, "%u bytes of trailing data after the gzip stream",
				            zs.avail_in);
				r = BURROW_EINTEGRITY;
				break;
			}
			if (zs.next_in[0] != 0x1f || (zs.avail_in > 1 && zs.next_in[1] != 0x8b)) {
				off_t end = lseek(ps->fd, 0, SEEK_END);
				strbuf_addf(why,
				            "%llu bytes of trailing data after the gzip stream",
				            (unsigned long long)(end - ps->off + zs.avail_in));
				r = BURROW_EINTEGRITY;
				break;
			}
			inflateReset(&zs);
		}
		zs.next_out = ps->out;
		zs.avail_out = sizeof(ps->out);
		zr = inflate(&zs, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
			strbuf_addf(why, "corrupt gzip stream (%s)",
			            zs.msg ? zs.msg : "zlib error");
			r = BURROW_EINTEGRITY;
			break;
		}
		produced = sizeof(ps->out) - zs.avail_out;
		if (t->done)
			after_end += produced;
		scan_feed(t, ps->out, produced);
		if (t->bad)
			break;
		/* the declared sizes are bounded by the scan; what inflates
		 * beyond them is a bomb: zeros past the end marker (tar pads
		 * to a record of 10 KiB, not more), or more than deflate's
		 * 1032:1 can explain */
		if (after_end > PRESCAN_AFTER_END || zs.total_out > max_out) {
			strbuf_addf(why, "%s",
			            after_end > PRESCAN_AFTER_END
			                ? "more than 1 MiB of data after the end of the tar archive"
			                : "decompresses to more than the size limit");
			r = BURROW_EINTEGRITY;
			break;
		}
	}
	inflateEnd(&zs);
	return r;
}

static la_ssize_t prescan_read(struct archive *a, void *arg, const void **buf)
{
	struct prescan *ps = arg;
	ssize_t n = pread(ps->fd, ps->in, sizeof(ps->in), ps->off);

	if (n < 0) {
		archive_set_error(a, errno, "read: %s", strerror(errno));
		return -1;
	}
	ps->off += n;
	*buf = ps->in;
	return (la_ssize_t)n;
}

/* xz, zstd or no compression: libarchive undoes it (and checks xz and
 * zstd checksums and trailing bytes itself); the scan walks the headers
 * up to the end marker. */
static int prescan_other(struct prescan *ps, struct tarscan *t, struct strbuf *why)
{
	struct archive *raw = archive_read_new();
	struct archive_entry *e;
	const void *buf;
	size_t size;
	la_int64_t offset;
	int r = 0, ar;

	if (!raw || archive_read_support_format_raw(raw) != ARCHIVE_OK ||
	    archive_read_support_filter_xz(raw) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(raw) != ARCHIVE_OK ||
	    archive_read_open(raw, ps, NULL, prescan_read, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(raw, &e) != ARCHIVE_OK) {
		const char *s = raw ? archive_error_string(raw) : NULL;
		strbuf_addstr(why, "not a tar archive");
		if (s) {
			strbuf_addstr(why, " (");
			strbuf_add_escaped(why, s, strlen(s));
			strbuf_addstr(why, ")");
		}
		if (raw)
			archive_read_free(raw);
		return BURROW_EINTEGRITY;
	}
	while (!t->done && !t->bad) {
		if ((r = signals_pending()))
			break;
		ar = archive_read_data_block(raw, &buf, &size, &offset);
		if (ar == ARCHIVE_EOF)
			break;
		if (ar != ARCHIVE_OK) {
			const char *s = archive_error_string(raw);
			strbuf_addstr(why, "corrupt or truncated archive (");
			strbuf_add_escaped(why, s ? s : "read error", strlen(s ? s : "read error"));
			strbuf_addstr(why, ")");
			r = BURROW_EINTEGRITY;
			break;
		}
		scan_feed(t, buf, size);
	}
	archive_read_free(raw);
	return r;
}

/* Walks the whole archive once before anything is written: the entry
 * count and the declared sizes against the limits (a tar has no
 * directory to read them from: counting as extraction goes would write
 * 200,000 files before refusing the 200,001st), and for gzip the
 * trailers and trailing data.  0 or the code, with u->err set. */
static int prescan(struct unpacker *u, int fd)
{
	struct prescan *ps = malloc(sizeof(*ps));
	struct tarscan t;
	unsigned char magic[2];
	struct strbuf why = STRBUF_INIT;
	int r;

	if (!ps)
		return fail(u, BURROW_EFAIL, NULL, 0, "out of memory");
	memset(&t, 0, sizeof(t));
	strbuf_init(&t.pax, SCAN_MAX_PAX);
	strbuf_init(&t.path, 0);
	strbuf_init(&t.name, 0);
	strbuf_init(&t.why, 0);
	t.max_entries = u->lim->max_entries;
	t.max_declared = u->lim->max_total_bytes;
	ps->fd = fd;
	ps->off = lseek(fd, 0, SEEK_CUR);
	if (ps->off < 0)
		ps->off = 0;
	if (pread(fd, magic, 2, ps->off) == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
		r = prescan_gzip(ps, &t, u->lim->max_total_bytes + u->lim->max_entries * 1024,
		                 &why);
	else
		r = prescan_other(ps, &t, &why);
	if (t.bad && r != BURROW_EINT && r != BURROW_ETERM)
		r = fail(u, BURROW_EINTEGRITY, t.name.buf, t.name.len, "%s", t.why.buf);
	else if (r == BURROW_EINT || r == BURROW_ETERM)
		r = fail(u, r, NULL, 0, "interrupted");
	else if (r)
		r = fail(u, r, NULL, 0, "%s", why.buf);
	strbuf_release(&why);
	strbuf_release(&t.pax);
	strbuf_release(&t.path);
	strbuf_release(&t.name);
	strbuf_release(&t.why);
	free(ps);
	return r;
}

int unpack_tar(int archive_fd, int dest_dirfd, const struct unpack_limits *lim, const char *label,
               struct tree_list *out, struct strbuf *err)
{
	struct unpacker u;
	struct unpack_limits defaults;
	struct archive_entry *e;
	locale_t loc, oldloc = (locale_t)0;
	size_t i;
	int r = 0;

	if (!lim) {
		unpack_limits_default(&defaults);
		lim = &defaults;
	}
	memset(&u, 0, sizeof(u));
	u.dest = dest_dirfd;
	u.lim = lim;
	u.label = label ? label : "archive";
	u.out = out;
	u.err = err;
	u.parent_fd = -1;
	strbuf_init(&u.key, 0);
	strbuf_init(&u.pkey, 0);
	strbuf_init(&u.parent, 0);

	strbuf_init(&u.scan.pax, SCAN_MAX_PAX);
	strbuf_init(&u.scan.path, 0);
	strbuf_init(&u.scan.name, 0);
	strbuf_init(&u.scan.why, 0);

	loc = utf8_locale_begin(&oldloc);
	u.a = archive_read_new();
	u.raw = archive_read_new();
	if (!u.a || !u.raw) {
		r = fail(&u, BURROW_EFAIL, NULL, 0, "cannot start libarchive");
		goto done;
	}
	if ((r = prescan(&u, archive_fd)))
		goto done;
	/* Two readers: raw undoes the compression, the tar reader parses what
	 * raw yields, and chain_read walks the headers on the way. */
	if (archive_read_support_format_raw(u.raw) != ARCHIVE_OK ||
	    archive_read_support_filter_gzip(u.raw) != ARCHIVE_OK ||
	    archive_read_support_filter_xz(u.raw) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(u.raw) != ARCHIVE_OK ||
	    archive_read_support_format_tar(u.a) != ARCHIVE_OK) {
		r = fail_archive(&u, NULL, 0, "cannot enable the tar reader");
		goto done;
	}
	if (archive_read_open_fd(u.raw, archive_fd, 64 * 1024) != ARCHIVE_OK ||
	    archive_read_next_header(u.raw, &e) != ARCHIVE_OK) {
		const char *s = archive_error_string(u.raw);
		r = fail(&u, BURROW_EINTEGRITY, NULL, 0, "not a tar archive");
		if (s) {
			strbuf_addstr(err, " (");
			strbuf_add_escaped(err, s, strlen(s));
			strbuf_addstr(err, ")");
		}
		goto done;
	}
	if (archive_read_open(u.a, &u, NULL, chain_read, NULL) != ARCHIVE_OK) {
		r = fail_archive(&u, NULL, 0, "not a tar archive");
		goto done;
	}
	for (;;) {
		if ((r = signals_pending())) {
			fail(&u, r, NULL, 0, "interrupted");
			break;
		}
		r = archive_read_next_header(u.a, &e);
		if (r == ARCHIVE_EOF) {
			r = 0;
			break;
		}
		if (r != ARCHIVE_OK) {
			char what[96];
			snprintf(what, sizeof(what),
			         "corrupt or truncated archive after %llu entries",
			         (unsigned long long)u.entries);
			r = fail_archive(&u, NULL, 0, what);
			break;
		}
		if ((r = unpack_entry(&u, e)))
			break;
	}
done:
	/* The walk found what the tar reader may have read past: that wins. */
	if (u.scan.bad && r != BURROW_EINT && r != BURROW_ETERM)
		r = fail(&u, BURROW_EINTEGRITY, u.scan.name.buf, u.scan.name.len, "%s",
		         u.scan.why.buf);
	if (u.parent_fd >= 0)
		close(u.parent_fd);
	if (u.a)
		archive_read_free(u.a);
	if (u.raw)
		archive_read_free(u.raw);
	utf8_locale_end(loc, oldloc);
	for (i = 0; i < u.cap; i++) {
		free(u.slots[i].key);
		free(u.slots[i].path);
	}
	free(u.slots);
	strbuf_release(&u.key);
	strbuf_release(&u.pkey);
	strbuf_release(&u.parent);
	strbuf_release(&u.scan.pax);
	strbuf_release(&u.scan.path);
	strbuf_release(&u.scan.name);
	strbuf_release(&u.scan.why);
	return r;
}
