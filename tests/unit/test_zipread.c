/*
 * test_zipread: the strict ZIP reader.  Archives are built here by a small
 * writer (stored and raw-deflate entries through zlib), then bent byte by
 * byte into each shape zip_parse must refuse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "zipread.h"
#include "util/error.h"
#include "util/sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ---- a small zip writer ------------------------------------------------- */

struct zent {
	const char *name;
	const char *data;
	size_t len;
	int deflate;
	uint32_t mode;     /* st_mode, 0: "made by" MS-DOS, no mode */
	int descriptor;    /* 1: data descriptor with signature, 2: without */
	int hidden;        /* no central directory record */
	const char *extra; /* extra field, in both headers */
	size_t extra_len;
	uint16_t flags;       /* OR'd into both headers */
	const char *trailing; /* appended to the (compressed) data */
	size_t trailing_len;
};

struct zlay {
	size_t lfh[32], cd[32], cd_start, eocd;
};

static void put16(struct strbuf *b, unsigned v)
{
	unsigned char x[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
	strbuf_add(b, x, 2);
}

static void put32(struct strbuf *b, uint32_t v)
{
	unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
	                      (unsigned char)(v >> 24)};
	strbuf_add(b, x, 4);
}

static void patch16(struct strbuf *b, size_t off, unsigned v)
{
	b->buf[off] = (char)v;
	b->buf[off + 1] = (char)(v >> 8);
}

static void patch32(struct strbuf *b, size_t off, uint32_t v)
{
	patch16(b, off, v & 0xFFFF);
	patch16(b, off + 2, v >> 16);
}

static void deflate_raw(const char *in, size_t len, struct strbuf *out)
{
	z_stream zs;
	unsigned char buf[4096];
	int r;

	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (unsigned char *)in;
	zs.avail_in = (uInt)len;
	do {
		zs.next_out = buf;
		zs.avail_out = sizeof(buf);
		r = deflate(&zs, Z_FINISH);
		strbuf_add(out, buf, sizeof(buf) - zs.avail_out);
	} while (r == Z_OK);
	assert_int_equal(r, Z_STREAM_END);
	deflateEnd(&zs);
}

/* Appends a zip of e[0..n) to z; offsets inside it count from base (a
 * writer that knows it follows base bytes of something else). */
static void zbuild(struct strbuf *z, const struct zent *e, size_t n, struct zlay *lay, size_t base)
{
	size_t start = z->len, i, cd_start, count = 0;
	struct strbuf comp[32];
	uint32_t crc[32];

	assert_true(n <= 32);
	for (i = 0; i < n; i++) {
		size_t len = e[i].len == (size_t)-1 ? strlen(e[i].data) : e[i].len;
		uint16_t flags = e[i].flags | (e[i].descriptor ? 8 : 0);
		strbuf_init(&comp[i], 0);
		crc[i] = (uint32_t)crc32(0, (const unsigned char *)e[i].data, (uInt)len);
		if (e[i].deflate)
			deflate_raw(e[i].data, len, &comp[i]);
		else
			strbuf_add(&comp[i], e[i].data, len);
		if (e[i].trailing)
			strbuf_add(&comp[i], e[i].trailing, e[i].trailing_len);
		lay->lfh[i] = z->len;
		put32(z, 0x04034b50);
		put16(z, 20);
		put16(z, flags);
		put16(z, e[i].deflate ? 8 : 0);
		put16(z, 0);
		put16(z, 0x21);
		put32(z, e[i].descriptor ? 0 : crc[i]);
		put32(z, e[i].descriptor ? 0 : (uint32_t)comp[i].len);
		put32(z, e[i].descriptor ? 0 : (uint32_t)len);
		put16(z, (unsigned)strlen(e[i].name));
		put16(z, (unsigned)e[i].extra_len);
		strbuf_addstr(z, e[i].name);
		strbuf_add(z, e[i].extra, e[i].extra_len);
		strbuf_add(z, comp[i].buf, comp[i].len);
		if (e[i].descriptor == 1)
			put32(z, 0x08074b50);
		if (e[i].descriptor) {
			put32(z, crc[i]);
			put32(z, (uint32_t)comp[i].len);
			put32(z, (uint32_t)len);
		}
	}
	cd_start = z->len;
	lay->cd_start = cd_start;
	for (i = 0; i < n; i++) {
		size_t len = e[i].len == (size_t)-1 ? strlen(e[i].data) : e[i].len;
		size_t nl = strlen(e[i].name);
		uint32_t ext = e[i].mode ? e[i].mode << 16 : 0;
		if (!e[i].mode && nl && e[i].name[nl - 1] == '/')
			ext |= 0x10;
		lay->cd[i] = z->len;
		if (e[i].hidden)
			continue;
		count++;
		put32(z, 0x02014b50);
		put16(z, e[i].mode ? (3 << 8) | 20 : 20);
		put16(z, 20);
		put16(z, e[i].flags | (e[i].descriptor ? 8 : 0));
		put16(z, e[i].deflate ? 8 : 0);
		put16(z, 0);
		put16(z, 0x21);
		put32(z, crc[i]);
		put32(z, (uint32_t)comp[i].len);
		put32(z, (uint32_t)len);
		put16(z, (unsigned)nl);
		put16(z, (unsigned)e[i].extra_len);
		put16(z, 0);
		put16(z, 0);
		put16(z, 0);
		put32(z, ext);
		put32(z, (uint32_t)(lay->lfh[i] - start + base));
		strbuf_addstr(z, e[i].name);
		strbuf_add(z, e[i].extra, e[i].extra_len);
	}
	lay->eocd = z->len;
	put32(z, 0x06054b50);
	put16(z, 0);
	put16(z, 0);
	put16(z, (unsigned)count);
	put16(z, (unsigned)count);
	put32(z, (uint32_t)(lay->eocd - cd_start));
	put32(z, (uint32_t)(cd_start - start + base));
	put16(z, 0);
	for (i = 0; i < n; i++)
		strbuf_release(&comp[i]);
}

static const char hello[] = "hello, world\n";
static const char *lorem(void)
{
	static char buf[5000];
	size_t i;
	for (i = 0; i + 1 < sizeof(buf); i++)
		buf[i] = "abcdefghij klmnop\n"[i % 18];
	buf[sizeof(buf) - 1] = '\0';
	return buf;
}

/* three good entries: stored, deflated, a directory */
static void good_zip(struct strbuf *z, struct zlay *lay)
{
	struct zent e[3] = {
	    {.name = "pkg/", .data = "", .len = 0, .mode = S_IFDIR | 0755},
	    {.name = "pkg/a.txt", .data = hello, .len = (size_t)-1, .mode = S_IFREG | 0644},
	    {.name = "pkg/b.txt",
	     .data = lorem(),
	     .len = (size_t)-1,
	     .deflate = 1,
	     .mode = S_IFREG | 0755},
	};
	zbuild(z, e, 3, lay, 0);
}

static int parse(const struct strbuf *z, struct zip_archive *za, struct strbuf *err)
{
	return zip_parse((const unsigned char *)z->buf, z->len, NULL, "t.whl", za, err);
}

static void refused(const struct strbuf *z, const char *needle)
{
	struct zip_archive za;
	struct strbuf err = STRBUF_INIT;
	int r = parse(z, &za, &err);
	if (r != BURROW_EINTEGRITY || !strstr(err.buf, needle))
		fail_msg("expected refusal containing \"%s\", got %d: %s", needle, r, err.buf);
	assert_int_equal(za.len, 0);
	strbuf_release(&err);
}

static void extract_refused(const struct strbuf *z, size_t idx, const char *needle)
{
	struct zip_archive za;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	int r = parse(z, &za, &err);
	if (r)
		fail_msg("parse: %s", err.buf);
	r = zip_extract_mem(&za, idx, 1 << 20, &out, NULL, &err);
	if (r != BURROW_EINTEGRITY || !strstr(err.buf, needle))
		fail_msg("expected extract refusal containing \"%s\", got %d: %s", needle, r,
		         err.buf);
	zip_close(&za);
	strbuf_release(&err);
	strbuf_release(&out);
}

/* ---- good archives ------------------------------------------------------- */

static void t_good_roundtrip(void **state)
{
	struct strbuf z = STRBUF_INIT, err = STRBUF_INIT, out = STRBUF_INIT;
	struct zip_archive za;
	struct zlay lay;
	unsigned char d[32];
	char hex[65], want[65];
	(void)state;

	good_zip(&z, &lay);
	assert_int_equal(parse(&z, &za, &err), 0);
	assert_int_equal(za.len, 3);
	assert_string_equal(za.entries[0].name, "pkg/");
	assert_true(za.entries[0].is_dir);
	assert_int_equal(za.entries[2].method, 8);
	assert_int_equal(za.entries[2].mode, S_IFREG | 0755);
	assert_int_equal(zip_find(&za, "pkg/b.txt"), 2);
	assert_int_equal(zip_find(&za, "nope"), -1);
	assert_int_equal(zip_extract_mem(&za, 1, 100, &out, d, &err), 0);
	assert_string_equal(out.buf, hello);
	sha256_to_hex(d, hex);
	sha256_buffer_hex(hello, strlen(hello), want);
	assert_string_equal(hex, want);
	assert_int_equal(zip_extract_mem(&za, 2, 1 << 20, &out, d, &err), 0);
	assert_string_equal(out.buf, lorem());
	/* the memory cap */
	assert_int_equal(zip_extract_mem(&za, 2, 10, &out, d, &err), BURROW_EINTEGRITY);
	zip_close(&za);
	strbuf_release(&z);
	strbuf_release(&err);
	strbuf_release(&out);
}

static void t_open_fd(void **state)
{
	struct strbuf z = STRBUF_INIT, err = STRBUF_INIT;
	struct zip_archive za;
	struct zlay lay;
	char path[] = "/tmp/test_zipread_XXXXXX", outp[] = "/tmp/test_zipread_out_XXXXXX";
	char buf[6000];
	int fd, ofd;
	ssize_t n;
	(void)state;

	good_zip(&z, &lay);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, z.buf, z.len), (ssize_t)z.len);
	assert_int_equal(zip_open(fd, NULL, "t.whl", &za, &err), 0);
	ofd = mkstemp(outp);
	assert_true(ofd >= 0);
	unlink(outp);
	assert_int_equal(zip_extract(&za, 2, ofd, NULL, &err), 0);
	lseek(ofd, 0, SEEK_SET);
	n = read(ofd, buf, sizeof(buf));
	assert_int_equal(n, (ssize_t)strlen(lorem()));
	assert_memory_equal(buf, lorem(), (size_t)n);
	zip_close(&za);
	close(ofd);
	/* an empty file is not a zip */
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(zip_open(fd, NULL, "t.whl", &za, &err), BURROW_EINTEGRITY);
	close(fd);
	strbuf_release(&z);
	strbuf_release(&err);
}

static void t_empty_archive(void **state)
{
	struct strbuf z = STRBUF_INIT, err = STRBUF_INIT;
	struct zip_archive za;
	struct zlay lay;
	(void)state;

	zbuild(&z, NULL, 0, &lay, 0);
	assert_int_equal(parse(&z, &za, &err), 0);
	assert_int_equal(za.len, 0);
	zip_close(&za);
	strbuf_reset(&z);
	strbuf_addstr(&z, "this is not a zip file at all, just text");
	refused(&z, "no end of central directory");
	strbuf_release(&z);
	strbuf_release(&err);
}

static void t_descriptor(void **state)
{
	struct strbuf z = STRBUF_INIT, err = STRBUF_INIT, out = STRBUF_INIT;
	struct zip_archive za;
	struct zlay lay;
	struct zent e[2] = {
	    {.name = "a", .data = hello, .len = (size_t)-1, .deflate = 1, .descriptor = 1},
	    {.name = "b", .data = lorem(), .len = (size_t)-1, .descriptor = 2},
	};
	(void)state;

	zbuild(&z, e, 2, &lay, 0);
	assert_int_equal(parse(&z, &za, &err), 0);
	assert_int_equal(zip_extract_mem(&za, 0, 100, &out, NULL, &err), 0);
	assert_string_equal(out.buf, hello);
	assert_int_equal(zip_extract_mem(&za, 1, 1 << 20, &out, NULL, &err), 0);
	zip_close(&za);
	/* the descriptor disagrees with the central directory: its CRC */
	patch32(&z, lay.cd_start - 12, 0xdeadbeef);
	refused(&z, "data descriptor");
	strbuf_release(&z);
	strbuf_release(&err);
	strbuf_release(&out);
}

/* ---- refusals: the three views must agree -------------------------------- */

static void t_lfh_not_in_cd(void **state)
{
	struct strbuf z = STRBUF_INIT;
	struct zlay lay;
	struct zent e[3] = {
	    {.name = "a", .data = hello, .len = (size_t)-1},
	    {.name = "evil.pth", .data = "import os\n", .len = (size_t)-1, .hidden = 1},
	    {.name = "c", .data = hello, .len = (size_t)-1},
	};
	(void)state;

	zbuild(&z, e, 3, &lay, 0);
	refused(&z, "unaccounted bytes");
	/* hidden at the end, just before the central directory */
	strbuf_reset(&z);
	e[1].hidden = 0;
	e[2].hidden = 1;
	zbuild(&z, e, 3, &lay, 0);
	refused(&z, "unaccounted bytes before the central directory");
	strbuf_release(&z);
}

static void t_cd_without_lfh(void **state)
{
	struct strbuf z = STRBUF_INIT;
	struct zlay lay;
	(void)state;

	/* entry 2's record points at entry 1's local header */
	good_zip(&z, &lay);
	patch32(&z, lay.cd[2] + 42, (uint32_t)lay.lfh[1]);
	refused(&z, "");
	/* ... or into the middle of some data */
	strbuf_reset(&z);
	good_zip(&z, &lay);
	patch32(&z, lay.cd[2] + 42, (uint32_t)lay.lfh[2] + 3);
	refused(&z, "");
	/* ... or past the entries */
	strbuf_reset(&z);
	good_zip(&z, &lay);
	patch32(&z, lay.cd[2] + 42, (uint32_t)lay.cd_start + 1);
	refused(&z, "");
	strbuf_release(&z);
}

static void t_name_mismatch(void **state)
{
	struct strbuf z = STRBUF_INIT;
	struct zlay lay;
	(void)state;

	good_zip(&z, &lay);
	z.buf[lay.lfh[1] + 30 + 4] = 'X'; /* pkg/a.txt -> pkg/X.txt in the LFH */
	refused(&z, "local header names a different file");
	strbuf_release(&z);
}

static void t_size_crc_mismatch(void **state)
{
	struct strbuf z = STRBUF_INIT;
	struct zlay lay;
	(void)state;

	good_zip(&z, &lay);
	patch32(&z, lay.lfh[2] + 22, 7); /* uncompressed size in the LFH */
	refused(&z, "sizes differ");
	strbuf_reset(&z);
	good_zip(&z, &lay);
	patch32(&z, lay.cd[2] + 24, 7); /* ... and in the CD */
	refused(&z, "sizes differ");
	strbuf_reset(&z);
	good_zip(&z, &lay);
	patch32(&z, lay.lfh[1] + 14, 1234); /* CRC in the LFH */
	refused(&z, "CRC differs");
	strbuf_reset(&z);
	good_zip(&z, &lay);
	patch16(&z, lay.lfh[1] + 6, 0x0800); /* flags */
	refused(&z, "flags differ");
	strbuf_reset(&z);
	good_zip(&z, &lay);
	patch16(&z, lay.lfh[2] + 8, 0); /* method */
	refused(&z, "compression method differs");
	/* CRC wrong in both headers: the data tells at extraction */
	strbuf_reset(&z);
	good_zip(&z, &lay);
	patch32(&z, lay.lfh[2] + 14, 1234);
	patch32(&z, lay.cd[2] + 16, 1234);
	extract_refused(&z, 2, "CRC-32 mismatch");
	strbuf_release(&z);
}

static void t_trailing_and_stacked(void **state)
{
	struct strbuf z = STRBUF_INIT, a = STRBUF_INIT;
	struct zlay lay, lay2;
	struct zip_archive za;
	struct strbuf err = STRBUF_INIT;
	(void)state;

	good_zip(&z, &lay);
	strbuf_addstr(&z, "junk");
	refused(&z, "bytes after the end of central directory");
	/* a declared comment is fine ... */
	strbuf_reset(&z);
	good_zip(&z, &lay);
	patch16(&z, lay.eocd + 20, 4);
	strbuf_addstr(&z, "note");
	assert_int_equal(parse(&z, &za, &err), 0);
	zip_close(&za);
	/* ... unless it hides another end record */
	strbuf_reset(&z);
	good_zip(&z, &lay);
	patch16(&z, lay.eocd + 20, 30);
	strbuf_addstr(&z, "xxPK\x05\x06");
	strbuf_addf(&z, "%024d", 0);
	refused(&z, "");
	/* two archives end to end, offsets as written (each from 0) */
	strbuf_reset(&z);
	good_zip(&z, &lay);
	good_zip(&z, &lay2);
	refused(&z, "");
	/* two archives end to end, the second's offsets adjusted (zip -A) */
	strbuf_reset(&z);
	good_zip(&z, &lay);
	zbuild(&z, (struct zent[]){{.name = "evil.pth", .data = "import os\n", .len = (size_t)-1}},
	       1, &lay2, z.len);
	refused(&z, "unaccounted bytes at offset 0");
	/* prepended data with adjusted offsets (a self-extractor) */
	strbuf_reset(&z);
	strbuf_addstr(&z, "#!/bin/sh\necho hi\nexit 0\n");
	good_zip(&z, &lay);
	refused(&z, "");
	strbuf_reset(&z);
	strbuf_addstr(&z, "#!/bin/sh\necho hi\nexit 0\n");
	zbuild(&z, (struct zent[]){{.name = "a", .data = hello, .len = (size_t)-1}}, 1, &lay,
	       z.len);
	refused(&z, "unaccounted bytes at offset 0");
	strbuf_release(&z);
	strbuf_release(&a);
	strbuf_release(&err);
}

static void t_cd_offset(void **state)
{
	struct strbuf z = STRBUF_INIT;
	struct zlay lay;
	(void)state;

	good_zip(&z, &lay);
	patch32(&z, lay.eocd + 16, (uint32_t)lay.cd_start - 1);
	refused(&z, "does not end at the end record");
	strbuf_reset(&z);
	good_zip(&z, &lay);
	patch32(&z, lay.eocd + 12, (uint32_t)(lay.eocd - lay.cd_start + 1));
	refused(&z, "does not end at the end record");
	strbuf_reset(&z);
	good_zip(&z, &lay);
	patch16(&z, lay.eocd + 8, 2); /* entries on this disk */
	patch16(&z, lay.eocd + 10, 2);
	refused(&z, "beyond its 2 declared entries");
	strbuf_reset(&z);
	good_zip(&z, &lay);
	patch16(&z, lay.eocd + 10, 0xFFFF);
	patch16(&z, lay.eocd + 8, 0xFFFF);
	refused(&z, "ZIP64");
	strbuf_reset(&z);
	good_zip(&z, &lay);
	patch32(&z, lay.cd[1] + 24, 0xFFFFFFFF);
	refused(&z, "ZIP64");
	strbuf_release(&z);
}

static void t_unicode_path(void **state)
{
	struct strbuf z = STRBUF_INIT, x = STRBUF_INIT, err = STRBUF_INIT;
	struct zip_archive za;
	struct zlay lay;
	const char *name = "caf\xc3\xa9.txt", *other = "evil.pth";
	(void)state;

	/* agreeing: accepted */
	put16(&x, 0x7075);
	put16(&x, (unsigned)(5 + strlen(name)));
	strbuf_addch(&x, 1);
	put32(&x, (uint32_t)crc32(0, (const unsigned char *)name, (uInt)strlen(name)));
	strbuf_addstr(&x, name);
	zbuild(&z,
	       (struct zent[]){{.name = name,
	                        .data = hello,
	                        .len = (size_t)-1,
	                        .extra = x.buf,
	                        .extra_len = x.len,
	                        .flags = 0x800}},
	       1, &lay, 0);
	assert_int_equal(parse(&z, &za, &err), 0);
	zip_close(&za);
	/* disagreeing with the name (CRC still that of the header name) */
	strbuf_reset(&x);
	put16(&x, 0x7075);
	put16(&x, (unsigned)(5 + strlen(other)));
	strbuf_addch(&x, 1);
	put32(&x, (uint32_t)crc32(0, (const unsigned char *)name, (uInt)strlen(name)));
	strbuf_addstr(&x, other);
	strbuf_reset(&z);
	zbuild(&z,
	       (struct zent[]){{.name = name,
	                        .data = hello,
	                        .len = (size_t)-1,
	                        .extra = x.buf,
	                        .extra_len = x.len,
	                        .flags = 0x800}},
	       1, &lay, 0);
	refused(&z, "unicode path extra field");
	/* a malformed extra block */
	strbuf_reset(&z);
	zbuild(&z,
	       (struct zent[]){{.name = "a",
	                        .data = hello,
	                        .len = (size_t)-1,
	                        .extra = "\x01\x02\x03",
	                        .extra_len = 3}},
	       1, &lay, 0);
	refused(&z, "malformed extra field");
	/* non-ASCII without the UTF-8 flag */
	strbuf_reset(&z);
	zbuild(&z, (struct zent[]){{.name = name, .data = hello, .len = (size_t)-1}}, 1, &lay, 0);
	refused(&z, "without the UTF-8 flag");
	strbuf_release(&z);
	strbuf_release(&x);
	strbuf_release(&err);
}

static void t_encrypted_method(void **state)
{
	struct strbuf z = STRBUF_INIT;
	struct zlay lay;
	(void)state;

	zbuild(&z, (struct zent[]){{.name = "a", .data = hello, .len = (size_t)-1, .flags = 1}}, 1,
	       &lay, 0);
	refused(&z, "encrypted");
	strbuf_reset(&z);
	good_zip(&z, &lay);
	patch16(&z, lay.lfh[2] + 8, 12);
	patch16(&z, lay.cd[2] + 10, 12); /* bzip2 */
	refused(&z, "compression method 12");
	strbuf_release(&z);
}

static void t_types(void **state)
{
	struct strbuf z = STRBUF_INIT;
	struct zlay lay;
	(void)state;

	zbuild(
	    &z,
	    (struct zent[]){
	        {.name = "lnk", .data = "/etc/passwd", .len = (size_t)-1, .mode = S_IFLNK | 0777}},
	    1, &lay, 0);
	refused(&z, "symbolic links");
	strbuf_reset(&z);
	zbuild(&z, (struct zent[]){{.name = "f", .data = "", .len = 0, .mode = S_IFIFO | 0644}}, 1,
	       &lay, 0);
	refused(&z, "not a regular file");
	strbuf_reset(&z);
	zbuild(&z, (struct zent[]){{.name = "d", .data = "", .len = 0, .mode = S_IFDIR | 0755}}, 1,
	       &lay, 0);
	refused(&z, "directory mode");
	strbuf_reset(&z);
	zbuild(&z, (struct zent[]){{.name = "d/", .data = "x", .len = 1}}, 1, &lay, 0);
	refused(&z, "directory entry with data");
	strbuf_release(&z);
}

static void t_names(void **state)
{
	static const char *const bad[] = {"../x", "/etc/x", "a/../../b", "a\\b",
	                                  "a//b", "./a",    "a/\x01"};
	struct strbuf z = STRBUF_INIT;
	struct zlay lay;
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		strbuf_reset(&z);
		zbuild(&z, (struct zent[]){{.name = bad[i], .data = hello, .len = (size_t)-1}}, 1,
		       &lay, 0);
		refused(&z, "t.whl: entry");
	}
	strbuf_reset(&z);
	zbuild(&z,
	       (struct zent[]){{.name = "a.py", .data = hello, .len = (size_t)-1},
	                       {.name = "a.py", .data = "evil", .len = (size_t)-1}},
	       2, &lay, 0);
	refused(&z, "duplicate name");
	strbuf_reset(&z);
	zbuild(&z,
	       (struct zent[]){{.name = "Pkg/a.py", .data = hello, .len = (size_t)-1},
	                       {.name = "pkg/A.py", .data = "evil", .len = (size_t)-1}},
	       2, &lay, 0);
	refused(&z, "duplicate name");
	strbuf_reset(&z);
	zbuild(&z,
	       (struct zent[]){{.name = "pkg", .data = hello, .len = (size_t)-1},
	                       {.name = "pkg/a.py", .data = "evil", .len = (size_t)-1}},
	       2, &lay, 0);
	refused(&z, "also a file");
	strbuf_release(&z);
}

static void t_limits(void **state)
{
	struct strbuf z = STRBUF_INIT, err = STRBUF_INIT;
	struct zip_archive za;
	struct zip_limits lim;
	struct zlay lay;
	char *zeros = calloc(1, 3 << 20);
	(void)state;

	good_zip(&z, &lay);
	zip_limits_default(&lim);
	lim.max_entries = 2;
	assert_int_equal(zip_parse((unsigned char *)z.buf, z.len, &lim, "t", &za, &err),
	                 BURROW_EINTEGRITY);
	assert_non_null(strstr(err.buf, "exceed the limit"));
	zip_limits_default(&lim);
	lim.max_total_size = 100;
	assert_int_equal(zip_parse((unsigned char *)z.buf, z.len, &lim, "t", &za, &err),
	                 BURROW_EINTEGRITY);
	zip_limits_default(&lim);
	lim.max_name_len = 5;
	assert_int_equal(zip_parse((unsigned char *)z.buf, z.len, &lim, "t", &za, &err),
	                 BURROW_EINTEGRITY);
	/* ratio: 3 MiB of zeros deflate to ~3 KiB */
	strbuf_reset(&z);
	zbuild(&z, (struct zent[]){{.name = "z", .data = zeros, .len = 3 << 20, .deflate = 1}}, 1,
	       &lay, 0);
	zip_limits_default(&lim);
	lim.max_ratio = 2000;
	assert_int_equal(zip_parse((unsigned char *)z.buf, z.len, &lim, "t", &za, &err), 0);
	zip_close(&za);
	lim.max_ratio = 100;
	assert_int_equal(zip_parse((unsigned char *)z.buf, z.len, &lim, "t", &za, &err),
	                 BURROW_EINTEGRITY);
	assert_non_null(strstr(err.buf, "compression ratio"));
	free(zeros);
	strbuf_release(&z);
	strbuf_release(&err);
}

static void t_deflate_stream(void **state)
{
	struct strbuf z = STRBUF_INIT;
	struct zlay lay;
	(void)state;

	/* bytes after the end of the deflate stream, inside comp_size */
	zbuild(&z,
	       (struct zent[]){{.name = "a",
	                        .data = lorem(),
	                        .len = (size_t)-1,
	                        .deflate = 1,
	                        .trailing = "XYZ",
	                        .trailing_len = 3}},
	       1, &lay, 0);
	extract_refused(&z, 0, "after the end of the deflate stream");
	/* a declared size smaller than what inflates */
	strbuf_reset(&z);
	good_zip(&z, &lay);
	patch32(&z, lay.lfh[2] + 22, 100);
	patch32(&z, lay.cd[2] + 24, 100);
	extract_refused(&z, 2, "more than its declared");
	/* larger */
	strbuf_reset(&z);
	good_zip(&z, &lay);
	patch32(&z, lay.lfh[2] + 22, 5000);
	patch32(&z, lay.cd[2] + 24, 5000);
	extract_refused(&z, 2, "instead of the declared");
	/* a stream cut short: the compressed size shrinks, the next entry
	 * header moves accordingly, so keep it last */
	strbuf_reset(&z);
	zbuild(&z, (struct zent[]){{.name = "a", .data = lorem(), .len = (size_t)-1, .deflate = 1}},
	       1, &lay, 0);
	{
		/* corrupt the middle of the stream instead */
		size_t mid = lay.lfh[0] + 30 + 1 + 20;
		z.buf[mid] ^= 0x55;
		z.buf[mid + 1] ^= 0x55;
		z.buf[mid + 2] ^= 0x55;
	}
	extract_refused(&z, 0, "");
	strbuf_release(&z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_good_roundtrip),
	    cmocka_unit_test(t_open_fd),
	    cmocka_unit_test(t_empty_archive),
	    cmocka_unit_test(t_descriptor),
	    cmocka_unit_test(t_lfh_not_in_cd),
	    cmocka_unit_test(t_cd_without_lfh),
	    cmocka_unit_test(t_name_mismatch),
	    cmocka_unit_test(t_size_crc_mismatch),
	    cmocka_unit_test(t_trailing_and_stacked),
	    cmocka_unit_test(t_cd_offset),
	    cmocka_unit_test(t_unicode_path),
	    cmocka_unit_test(t_encrypted_method),
	    cmocka_unit_test(t_types),
	    cmocka_unit_test(t_names),
	    cmocka_unit_test(t_limits),
	    cmocka_unit_test(t_deflate_stream),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
