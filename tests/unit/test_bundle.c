/*
 * test_bundle: unpack_tar against hostile archives built in the test with
 * libarchive's writer (or by hand, for header tricks libarchive will not
 * write), bundle_pack -> unpack_tar -> bundle_verify round trips for every
 * compression, reproducibility, bundle_verify failures and platform tags.
 * Every unpack happens in jail/dest next to an empty jail/outside, and
 * every test checks that nothing appeared outside dest.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "bundle.h"
#include "record.h"
#include "unpack.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "util/signals.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

static char root[256];

static void path_in(char *out, size_t n, const char *rel)
{
	snprintf(out, n, "%s/%s", root, rel);
}

static int setup(void **state)
{
	char p[512];
	(void)state;
	snprintf(root, sizeof(root), "%s/burrow-test-bundle-XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(root))
		return -1;
	path_in(p, sizeof(p), "jail");
	mkdir(p, 0755);
	path_in(p, sizeof(p), "jail/outside");
	mkdir(p, 0755);
	path_in(p, sizeof(p), "out");
	mkdir(p, 0755);
	return 0;
}

static int teardown(void **state)
{
	char *slash = strrchr(root, '/');
	int dfd;
	(void)state;
	*slash = '\0';
	dfd = open(root, O_RDONLY | O_DIRECTORY);
	fs_remove_tree(dfd, slash + 1);
	close(dfd);
	return 0;
}

static int count_dir(const char *rel)
{
	char p[512];
	DIR *d;
	struct dirent *de;
	int n = 0;

	path_in(p, sizeof(p), rel);
	d = opendir(p);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* A fresh, empty jail/dest; returns its fd. */
static int fresh_dest(void)
{
	char p[512];
	int jfd, fd;

	path_in(p, sizeof(p), "jail");
	jfd = open(p, O_RDONLY | O_DIRECTORY);
	assert_true(jfd >= 0);
	assert_int_equal(fs_remove_tree(jfd, "dest"), 0);
	assert_int_equal(mkdirat(jfd, "dest", 0755), 0);
	fd = openat(jfd, "dest", O_RDONLY | O_DIRECTORY);
	close(jfd);
	assert_true(fd >= 0);
	return fd;
}

static void assert_contained(void)
{
	assert_int_equal(count_dir("jail"), 2);
	assert_int_equal(count_dir("jail/outside"), 0);
}

/* ---- archive builder ---- */

struct tb {
	struct archive *a;
	struct archive_entry *e;
	char path[512];
};

static void tb_open(struct tb *t, const char *rel, const char *filter)
{
	path_in(t->path, sizeof(t->path), rel);
	t->a = archive_write_new();
	t->e = archive_entry_new();
	assert_int_equal(archive_write_set_format_pax_restricted(t->a), ARCHIVE_OK);
	if (filter && strcmp(filter, "gz") == 0)
		assert_int_equal(archive_write_add_filter_gzip(t->a), ARCHIVE_OK);
	else if (filter && strcmp(filter, "xz") == 0)
		assert_int_equal(archive_write_add_filter_xz(t->a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(t->a, t->path), ARCHIVE_OK);
}

static void tb_entry(struct tb *t, const char *name, mode_t type, mode_t perm, const void *data,
                     size_t len, const char *link, int hard)
{
	archive_entry_clear(t->e);
	archive_entry_copy_pathname(t->e, name);
	archive_entry_set_filetype(t->e, type);
	archive_entry_set_perm(t->e, perm);
	if (type == AE_IFREG)
		archive_entry_set_size(t->e, (la_int64_t)len);
	if (link && hard)
		archive_entry_copy_hardlink(t->e, link);
	else if (link)
		archive_entry_copy_symlink(t->e, link);
	if (type == AE_IFCHR)
		archive_entry_set_rdev(t->e, makedev(1, 3));
	assert_true(archive_write_header(t->a, t->e) >= ARCHIVE_WARN);
	if (len)
		assert_int_equal(archive_write_data(t->a, data, len), (la_ssize_t)len);
}

static void tb_file(struct tb *t, const char *name, mode_t perm, const char *data)
{
	tb_entry(t, name, AE_IFREG, perm, data, strlen(data), NULL, 0);
}

static void tb_dir(struct tb *t, const char *name)
{
	tb_entry(t, name, AE_IFDIR, 0755, NULL, 0, NULL, 0);
}

static void tb_link(struct tb *t, const char *name, const char *target)
{
	tb_entry(t, name, AE_IFLNK, 0777, NULL, 0, target, 0);
}

static void tb_close(struct tb *t)
{
	assert_int_equal(archive_write_close(t->a), ARCHIVE_OK);
	archive_write_free(t->a);
	archive_entry_free(t->e);
}

/* Unpacks root/rel into a fresh dest; returns the status, message in err. */
static int unpack_file(const char *rel, const struct unpack_limits *lim, struct tree_list *out,
                       struct strbuf *err, int *dest_out)
{
	char p[512];
	int fd, dest, r;

	path_in(p, sizeof(p), rel);
	fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	dest = fresh_dest();
	r = unpack_tar(fd, dest, lim, rel, out, err);
	close(fd);
	if (dest_out)
		*dest_out = dest;
	else
		close(dest);
	assert_contained();
	return r;
}

static void expect_refused(const char *rel, const struct unpack_limits *lim, const char *what)
{
	struct strbuf err = STRBUF_INIT;
	int r = unpack_file(rel, lim, NULL, &err, NULL);
	if (r == 0)
		fail_msg("%s: accepted, expected \"%s\"", rel, what);
	if (!strstr(err.buf, what))
		fail_msg("%s: \"%s\" lacks \"%s\"", rel, err.buf, what);
	strbuf_release(&err);
}

static mode_t mode_of(int dirfd, const char *rel)
{
	struct stat st;
	assert_int_equal(fstatat(dirfd, rel, &st, AT_SYMLINK_NOFOLLOW), 0);
	return st.st_mode;
}

/* ---- hostile archives ---- */

static void test_names(void **state)
{
	struct tb t;
	(void)state;

	tb_open(&t, "dotdot.tar", NULL);
	tb_file(&t, "../outside/x", 0644, "pwned");
	tb_close(&t);
	expect_refused("dotdot.tar", NULL,
	               "dotdot.tar: entry \"../outside/x\": path escapes the root");

	tb_open(&t, "abs.tar.gz", "gz");
	tb_file(&t, "ok", 0644, "fine");
	tb_file(&t, "/tmp/burrow-abs-x", 0644, "pwned");
	tb_close(&t);
	expect_refused("abs.tar.gz", NULL, "absolute path");
	assert_int_equal(access("/tmp/burrow-abs-x", F_OK), -1);

	tb_open(&t, "ctrl.tar", NULL);
	tb_file(&t, "a\x1b[2Jb", 0644, "x");
	tb_close(&t);
	expect_refused("ctrl.tar", NULL, "entry \"a\\x1b[2Jb\": control character");

	tb_open(&t, "bs.tar", NULL);
	tb_file(&t, "..\\outside\\x", 0644, "x");
	tb_close(&t);
	expect_refused("bs.tar", NULL, "backslash");

	tb_open(&t, "nfd.tar", NULL);
	tb_file(&t, "cafe\xcc\x81", 0644, "x");
	tb_close(&t);
	expect_refused("nfd.tar", NULL, "combining mark");
}

static void test_links(void **state)
{
	struct tb t;
	struct strbuf err = STRBUF_INIT;
	int dest;
	(void)state;

	tb_open(&t, "escape.tar", NULL);
	tb_link(&t, "lnk", "../outside");
	tb_close(&t);
	expect_refused("escape.tar", NULL, "entry \"lnk\": symlink target \"../outside\" escapes");

	tb_open(&t, "absl.tar", NULL);
	tb_link(&t, "passwd", "/etc/passwd");
	tb_close(&t);
	expect_refused("absl.tar", NULL, "absolute symlink target");

	/* B09: a symlink dir, then a file through it */
	tb_open(&t, "through.tar", NULL);
	tb_dir(&t, "sub/");
	tb_link(&t, "d", "sub");
	tb_file(&t, "d/x", 0644, "pwned");
	tb_close(&t);
	expect_refused("through.tar", NULL, "entry \"d/x\": parent \"d\" is a symlink");

	/* through a symlink made by a chain that resolves outside lexically-inside */
	tb_open(&t, "chain.tar", NULL);
	tb_link(&t, "a/b/up", "../..");
	tb_link(&t, "a/b/esc", "up/../x");
	tb_close(&t);
	expect_refused("chain.tar", NULL, "has '..' after a name");

	/* the same, one level down (the parent walk must not lose the entry) */
	tb_open(&t, "through2.tar", NULL);
	tb_link(&t, "a/l", "../sub");
	tb_file(&t, "a/l/x", 0644, "pwned");
	tb_close(&t);
	expect_refused("through2.tar", NULL, "entry \"a/l/x\": parent \"a/l\" is a symlink");

	/* a file under a file */
	tb_open(&t, "underfile.tar", NULL);
	tb_file(&t, "f", 0644, "x");
	tb_file(&t, "f/g", 0644, "y");
	tb_close(&t);
	expect_refused("underfile.tar", NULL, "parent \"f\" is a file");

	/* good links stay */
	tb_open(&t, "goodlinks.tar", NULL);
	tb_file(&t, "lib/libz.so.1", 0644, "elf");
	tb_link(&t, "lib/libz.so", "libz.so.1");
	tb_link(&t, "bin/z", "../lib/libz.so");
	tb_close(&t);
	assert_int_equal(unpack_file("goodlinks.tar", NULL, NULL, &err, &dest), 0);
	{
		char buf[64];
		ssize_t n = readlinkat(dest, "bin/z", buf, sizeof(buf) - 1);
		assert_int_equal(n, 14);
		buf[n] = '\0';
		assert_string_equal(buf, "../lib/libz.so");
	}
	close(dest);
	strbuf_release(&err);
}

static void test_types(void **state)
{
	struct tb t;
	(void)state;

	tb_open(&t, "hard.tar", NULL);
	tb_file(&t, "a", 0644, "x");
	tb_entry(&t, "h", AE_IFREG, 0644, NULL, 0, "a", 1);
	tb_close(&t);
	expect_refused("hard.tar", NULL, "entry \"h\": hardlink entries are not allowed");

	tb_open(&t, "hardout.tar", NULL);
	tb_entry(&t, "h", AE_IFREG, 0644, NULL, 0, "../outside/x", 1);
	tb_close(&t);
	expect_refused("hardout.tar", NULL, "hardlink");

	tb_open(&t, "fifo.tar", NULL);
	tb_entry(&t, "p", AE_IFIFO, 0644, NULL, 0, NULL, 0);
	tb_close(&t);
	expect_refused("fifo.tar", NULL, "entry \"p\": FIFO entries are not allowed");

	tb_open(&t, "chr.tar", NULL);
	tb_entry(&t, "null", AE_IFCHR, 0666, NULL, 0, NULL, 0);
	tb_close(&t);
	expect_refused("chr.tar", NULL, "character device entries are not allowed");

	tb_open(&t, "blk.tar", NULL);
	tb_entry(&t, "sda", AE_IFBLK, 0666, NULL, 0, NULL, 0);
	tb_close(&t);
	expect_refused("blk.tar", NULL, "block device");
}

static void test_modes_and_dups(void **state)
{
	struct tb t;
	struct strbuf err = STRBUF_INIT;
	struct tree_list out = {0};
	int dest;
	mode_t old = umask(0);
	(void)state;

	tb_open(&t, "modes.tar.gz", "gz");
	tb_entry(&t, "./", AE_IFDIR, 0755, NULL, 0, NULL, 0);
	tb_file(&t, "./bin/suid", 04755, "#!/bin/sh\n");
	tb_file(&t, "bin/world", 0777, "w");
	tb_file(&t, "share/rw", 0666, "rw");
	tb_file(&t, "share/ro", 0400, "ro");
	tb_file(&t, "share/xonly", 0100, "x");
	tb_entry(&t, "tmp/", AE_IFDIR, 01777, NULL, 0, NULL, 0);
	tb_entry(&t, "sgid/", AE_IFDIR, 02775, NULL, 0, NULL, 0);
	tb_dir(&t, "bin/"); /* after bin/ was made as a parent: fine */
	tb_close(&t);
	assert_int_equal(unpack_file("modes.tar.gz", NULL, &out, &err, &dest), 0);
	umask(old);
	assert_int_equal(mode_of(dest, "bin/suid") & 07777, 0755);
	assert_int_equal(mode_of(dest, "bin/world") & 07777, 0755);
	assert_int_equal(mode_of(dest, "share/rw") & 07777, 0644);
	assert_int_equal(mode_of(dest, "share/ro") & 07777, 0644);
	assert_int_equal(mode_of(dest, "share/xonly") & 07777, 0755);
	assert_int_equal(mode_of(dest, "tmp") & 07777, 0755);
	assert_int_equal(mode_of(dest, "sgid") & 07777, 0755);
	assert_int_equal(mode_of(dest, "bin") & 07777, 0755);
	assert_int_equal(mode_of(dest, "share") & 07777, 0755);
	close(dest);
	/* out: bin (implicit), bin/suid, bin/world, share, share/rw, ..., no "./" */
	{
		size_t i;
		int seen_suid = 0, nbin = 0;
		for (i = 0; i < out.len; i++) {
			const struct tree_entry *e = &out.items[i];
			assert_true(e->path[0] != '.' && e->path[0] != '/');
			if (strcmp(e->path, "bin") == 0)
				nbin++;
			if (strcmp(e->path, "bin/suid") == 0) {
				char hex[65];
				seen_suid = 1;
				assert_int_equal(e->type, TREE_FILE);
				assert_int_equal(e->mode, 0755);
				assert_int_equal(e->size, 10);
				sha256_buffer_hex("#!/bin/sh\n", 10, hex);
				assert_string_equal(e->sha256, hex);
			}
		}
		assert_int_equal(seen_suid, 1);
		assert_int_equal(nbin, 1);
		assert_int_equal(out.len, 9);
	}
	tree_list_release(&out);

	tb_open(&t, "dup.tar", NULL);
	tb_file(&t, "a", 0644, "first");
	tb_file(&t, "a", 0644, "second");
	tb_close(&t);
	expect_refused("dup.tar", NULL, "entry \"a\": duplicate entry");

	tb_open(&t, "dupdeep.tar", NULL);
	tb_file(&t, "a/x", 0644, "first");
	tb_file(&t, "b/y", 0644, "other");
	tb_file(&t, "a/x", 0644, "second");
	tb_close(&t);
	expect_refused("dupdeep.tar", NULL, "entry \"a/x\": duplicate entry");

	tb_open(&t, "dupdir.tar", NULL);
	tb_dir(&t, "d/");
	tb_file(&t, "d", 0644, "x");
	tb_close(&t);
	expect_refused("dupdir.tar", NULL, "duplicate entry");

	tb_open(&t, "dupcase.tar", NULL);
	tb_file(&t, "Makefile", 0644, "a");
	tb_file(&t, "makefile", 0644, "b");
	tb_close(&t);
	expect_refused("dupcase.tar", NULL, "duplicate of \"Makefile\" after case folding");

	tb_open(&t, "dupcase2.tar", NULL);
	tb_file(&t, "Lib/a", 0644, "a");
	tb_file(&t, "lib/b", 0644, "b");
	tb_close(&t);
	expect_refused("dupcase2.tar", NULL, "after case folding");

	tb_open(&t, "dupslash.tar", NULL);
	tb_file(&t, "./x", 0644, "a");
	tb_file(&t, "x", 0644, "b");
	tb_close(&t);
	expect_refused("dupslash.tar", NULL, "duplicate entry");

	/* dir, then symlink of the same name, then a file through it (node-tar) */
	tb_open(&t, "dirlink.tar", NULL);
	tb_dir(&t, "d/");
	tb_link(&t, "d", "x");
	tb_close(&t);
	expect_refused("dirlink.tar", NULL, "duplicate entry");
	strbuf_release(&err);
}

/* ---- raw tar headers, for what libarchive's writer will not produce ---- */

static void raw_header(unsigned char *h, const char *name, char type, unsigned long size)
{
	unsigned int sum = 0;
	size_t i;

	memset(h, 0, 512);
	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", 0644);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011lo", size);
	snprintf((char *)h + 136, 12, "%011o", 0);
	h[156] = (unsigned char)type;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
}

static void write_raw(const char *rel, const unsigned char *data, size_t len)
{
	char p[512];
	FILE *f;
	path_in(p, sizeof(p), rel);
	f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void test_pax_size(void **state)
{
	/* TARmageddon: pax size=1024 over a ustar size of 0; the "body" holds a
	 * header for "smuggled".  Readers that ignore the pax size see two
	 * files; we honour it (one 1024-byte file) or refuse, never both. */
	unsigned char tar[512 * 10];
	const char *rec = "13 size=1024\n";
	struct strbuf err = STRBUF_INIT;
	struct tree_list out = {0};
	int dest, r;
	(void)state;

	memset(tar, 0, sizeof(tar));
	raw_header(tar, "PaxHeader/x", 'x', strlen(rec));
	memcpy(tar + 512, rec, strlen(rec));
	raw_header(tar + 1024, "x", '0', 0);
	raw_header(tar + 1536, "smuggled", '0', 5);
	memcpy(tar + 2048, "pwned", 5);
	write_raw("pax.tar", tar, sizeof(tar));
	r = unpack_file("pax.tar", NULL, &out, &err, &dest);
	assert_int_equal(faccessat(dest, "smuggled", F_OK, AT_SYMLINK_NOFOLLOW), -1);
	if (r == 0) {
		assert_int_equal(out.len, 1);
		assert_int_equal(out.items[0].size, 1024);
	}
	close(dest);
	tree_list_release(&out);

	/* header size larger than the data present: truncated */
	memset(tar, 0, sizeof(tar));
	raw_header(tar, "big", '0', 100000);
	memcpy(tar + 512, "abc", 3);
	write_raw("short.tar", tar, 2048);
	expect_refused("short.tar", NULL, "entry \"big\": corrupt or truncated data");

	/* a ustar header with a bad checksum */
	raw_header(tar, "ok", '0', 0);
	tar[148] = '9';
	write_raw("cksum.tar", tar, 2048);
	expect_refused("cksum.tar", NULL, "cksum.tar: ");
	strbuf_release(&err);
}

static void test_limits(void **state)
{
	struct tb t;
	struct unpack_limits lim;
	char *zeros = calloc(1, 4 << 20);
	(void)state;

	assert_non_null(zeros);
	tb_open(&t, "bomb.tar.gz", "gz");
	tb_entry(&t, "zeros", AE_IFREG, 0644, zeros, 4 << 20, NULL, 0);
	tb_close(&t);
	free(zeros);

	unpack_limits_default(&lim);
	assert_int_equal(lim.max_total_bytes, (uint64_t)4 << 30);
	assert_int_equal(lim.max_entries, 200000);
	assert_int_equal(lim.max_ratio, 200);
	assert_int_equal(lim.max_entry_bytes, (uint64_t)2 << 30);
	expect_refused("bomb.tar.gz", &lim, "entry \"zeros\": compression ratio exceeds 200");

	unpack_limits_default(&lim);
	lim.max_ratio = 1000000;
	lim.max_total_bytes = 1 << 20;
	/* refused by the pre-pass, from the declared size, before writing */
	expect_refused("bomb.tar.gz", &lim,
	               "entry \"zeros\": declared sizes add up to more than 1048576 bytes");

	lim.max_total_bytes = (uint64_t)1 << 30;
	lim.max_entry_bytes = 1000;
	expect_refused("bomb.tar.gz", &lim, "exceeds the per-entry limit of 1000 bytes");

	tb_open(&t, "many.tar", NULL);
	tb_file(&t, "a", 0644, "1");
	tb_file(&t, "b", 0644, "2");
	tb_file(&t, "c", 0644, "3");
	tb_close(&t);
	unpack_limits_default(&lim);
	lim.max_entries = 2;
	expect_refused("many.tar", &lim, "entry \"c\": more than 2 entries");

	/* implicit parent directories count too */
	tb_open(&t, "deep.tar", NULL);
	tb_file(&t, "a/b/c/d/e", 0644, "1");
	tb_close(&t);
	lim.max_entries = 3;
	expect_refused("deep.tar", &lim, "more than 3 entries");
}

static void test_truncated_and_junk(void **state)
{
	struct tb t;
	char p[512], *buf = malloc(1 << 20);
	FILE *f;
	size_t n, i;
	(void)state;

	tb_open(&t, "full.tar.gz", "gz");
	for (i = 0; i < 64; i++) {
		char name[32], data[4096];
		snprintf(name, sizeof(name), "f%02zu", i);
		memset(data, (int)('a' + i % 26), sizeof(data) - 1);
		data[sizeof(data) - 1] = '\0';
		data[i] = (char)('0' + i % 10);
		tb_file(&t, name, 0644, data);
	}
	tb_close(&t);
	path_in(p, sizeof(p), "full.tar.gz");
	f = fopen(p, "rb");
	n = fread(buf, 1, 1 << 20, f);
	fclose(f);
	write_raw("cut.tar.gz", (unsigned char *)buf, n / 2);
	expect_refused("cut.tar.gz", NULL, "cut.tar.gz: ");

	for (i = 0; i < 4096; i++)
		buf[i] = (char)(i * 7919 % 251);
	write_raw("junk.tar", (unsigned char *)buf, 4096);
	expect_refused("junk.tar", NULL, "junk.tar: ");

	/* a ZIP is not enabled */
	memcpy(buf, "PK\x03\x04", 4);
	write_raw("z.tar", (unsigned char *)buf, 4096);
	expect_refused("z.tar", NULL, "z.tar: ");
	free(buf);
}

/* ---- pack, unpack, verify ---- */

static void write_src(const char *rel, const char *data, mode_t mode)
{
	char p[512];
	int fd;
	path_in(p, sizeof(p), rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	fchmod(fd, mode);
	close(fd);
}

static void mkdir_src(const char *rel)
{
	char p[512];
	path_in(p, sizeof(p), rel);
	assert_int_equal(mkdir(p, 0700), 0);
}

static void make_src_tree(void)
{
	char p[512];
	mkdir_src("src");
	mkdir_src("src/bin");
	mkdir_src("src/lib");
	mkdir_src("src/share");
	mkdir_src("src/share/empty");
	mkdir_src("src/include");
	write_src("src/bin/tool", "#!/bin/sh\necho hi\n", 04775);
	write_src("src/lib/libx.so.1", "not really elf\n", 0600);
	write_src("src/include/x.h", "int x(void);\n", 0644);
	write_src("src/share/caf\xc3\xa9.txt", "caf\xc3\xa9\n", 0644);
	write_src("src/share/we,ird \"name\"", "csv\n", 0644);
	path_in(p, sizeof(p), "src/lib/libx.so");
	assert_int_equal(symlink("libx.so.1", p), 0);
	path_in(p, sizeof(p), "src/bin/x-link");
	assert_int_equal(symlink("../lib/libx.so", p), 0);
	/* an ELF without $ORIGIN: a copy of /bin/true */
	{
		int in = open("/bin/true", O_RDONLY), dfd;
		path_in(p, sizeof(p), "src/bin");
		dfd = open(p, O_RDONLY | O_DIRECTORY);
		if (in >= 0) {
			close(in);
			assert_int_equal(fs_copy_file(AT_FDCWD, "/bin/true", dfd, "true", 0755), 0);
		}
		close(dfd);
	}
}

static void read_whole(const char *rel, struct strbuf *out)
{
	char p[512];
	strbuf_reset(out);
	path_in(p, sizeof(p), rel);
	assert_int_equal(fs_read_file(AT_FDCWD, p, (size_t)64 << 20, out), 0);
}

static void test_pack_roundtrip(void **state)
{
	static const char *const comps[] = {"gz", "xz", "zst"};
	static const char *const reqs[] = {"libfoo >= 1.2", "zlib; platform_machine == \"x86_64\""};
	struct strbuf err = STRBUF_INIT, fname = STRBUF_INIT, warn = STRBUF_INIT, rel = STRBUF_INIT,
	              a = STRBUF_INIT, b = STRBUF_INIT;
	char src[512], out[512];
	size_t c;
	(void)state;

	make_src_tree();
	path_in(src, sizeof(src), "src");
	path_in(out, sizeof(out), "out");
	for (c = 0; c < 3; c++) {
		struct tree_list list = {0};
		struct bundle_info info;
		int dest, r;

		strbuf_reset(&warn);
		r = bundle_pack(src, "my-tool", "1.2.3", reqs, 2, "a tool", "linux_x86_64",
		                comps[c], out, &fname, &warn, &err);
		if (r)
			fail_msg("pack %s: %s", comps[c], err.buf);
		strbuf_reset(&a);
		strbuf_addf(&a, "my_tool-1.2.3-linux_x86_64.tar.%s", comps[c]);
		assert_string_equal(fname.buf, a.buf);
		assert_non_null(strstr(warn.buf, "bin/true: ELF file without a RUNPATH"));
		assert_null(strstr(warn.buf, "bin/tool"));
		/* no temp file left */
		assert_int_equal(count_dir("out"), (int)c + 1);

		strbuf_reset(&rel);
		strbuf_addf(&rel, "out/%s", fname.buf);
		r = unpack_file(rel.buf, NULL, &list, &err, &dest);
		if (r)
			fail_msg("unpack %s: %s", comps[c], err.buf);
		r = bundle_verify(dest, &list, fname.buf, &info, &err);
		if (r)
			fail_msg("verify %s: %s", comps[c], err.buf);
		assert_string_equal(info.name, "my-tool");
		assert_string_equal(info.version, "1.2.3");
		assert_string_equal(info.summary, "a tool");
		assert_int_equal(info.nrequires, 2);
		assert_string_equal(info.requires[1], reqs[1]);
		bundle_info_release(&info);

		assert_int_equal(mode_of(dest, "bin/tool") & 07777, 0755);
		assert_int_equal(mode_of(dest, "lib/libx.so.1") & 07777, 0644);
		assert_true(S_ISLNK(mode_of(dest, "bin/x-link")));
		assert_true(S_ISDIR(mode_of(dest, "share/empty")));
		assert_int_equal(
		    faccessat(dest, "share/caf\xc3\xa9.txt", F_OK, AT_SYMLINK_NOFOLLOW), 0);
		strbuf_reset(&a);
		assert_int_equal(fs_read_file(dest, "my_tool-1.2.3.bundle-info/METADATA", 4096, &a),
		                 0);
		assert_string_equal(a.buf, "Bundle-Version: 1.0\nName: my-tool\nVersion: 1.2.3\n"
		                           "Summary: a tool\nRequires: libfoo >= 1.2\n"
		                           "Requires: zlib; platform_machine == \"x86_64\"\n");
		strbuf_reset(&a);
		assert_int_equal(fs_read_file(dest, "my_tool-1.2.3.bundle-info/RECORD", 65536, &a),
		                 0);
		assert_non_null(strstr(a.buf, "\"share/we,ird \"\"name\"\"\",sha256="));
		assert_true(a.len > 40 && strcmp(a.buf + a.len - 35,
		                                 "my_tool-1.2.3.bundle-info/RECORD,,\n") == 0);
		close(dest);
		tree_list_release(&list);
	}

	/* reproducible: pack again after touching the tree, with another umask */
	{
		char p[512];
		mode_t old = umask(077);
		path_in(p, sizeof(p), "out/my_tool-1.2.3-linux_x86_64.tar.gz");
		strbuf_reset(&a);
		read_whole("out/my_tool-1.2.3-linux_x86_64.tar.gz", &a);
		assert_int_equal(unlink(p), 0);
		sleep(1);
		write_src("src/include/x.h", "int x(void);\n", 0644);
		assert_int_equal(bundle_pack(src, "my-tool", "1.2.3", reqs, 2, "a tool",
		                             "linux_x86_64", NULL, out, &fname, NULL, &err),
		                 0);
		umask(old);
		read_whole("out/my_tool-1.2.3-linux_x86_64.tar.gz", &b);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.buf, b.buf, a.len);
		/* gzip header: no mtime, no name */
		assert_int_equal((unsigned char)a.buf[0], 0x1f);
		assert_int_equal(a.buf[3] & 0x08, 0);
		assert_int_equal(a.buf[4] | a.buf[5] | a.buf[6] | a.buf[7], 0);
		assert_int_equal(mode_of(AT_FDCWD, p) & 0777, 0644);
	}
	/* SOURCE_DATE_EPOCH changes the bytes and is honoured */
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	assert_int_equal(bundle_pack(src, "my-tool", "1.2.3", reqs, 2, "a tool", "linux_x86_64",
	                             "gz", out, &fname, NULL, &err),
	                 0);
	unsetenv("SOURCE_DATE_EPOCH");
	read_whole("out/my_tool-1.2.3-linux_x86_64.tar.gz", &b);
	assert_true(a.len != b.len || memcmp(a.buf, b.buf, a.len) != 0);

	strbuf_release(&err);
	strbuf_release(&fname);
	strbuf_release(&warn);
	strbuf_release(&rel);
	strbuf_release(&a);
	strbuf_release(&b);
}

static void test_pack_refusals(void **state)
{
	struct strbuf err = STRBUF_INIT;
	char src[512], out[512], p[512];
	(void)state;

	path_in(out, sizeof(out), "out");
	mkdir_src("psrc");
	path_in(src, sizeof(src), "psrc");
	write_src("psrc/a", "a", 0644);
	assert_int_equal(
	    bundle_pack(src, "-bad", "1", NULL, 0, NULL, NULL, NULL, out, NULL, NULL, &err),
	    BURROW_EUSAGE);
	assert_int_equal(
	    bundle_pack(src, "ok", "1-2", NULL, 0, NULL, NULL, NULL, out, NULL, NULL, &err),
	    BURROW_EUSAGE);
	assert_int_equal(
	    bundle_pack(src, "ok", "1", NULL, 0, NULL, "Linux/x", NULL, out, NULL, NULL, &err),
	    BURROW_EUSAGE);
	assert_int_equal(
	    bundle_pack(src, "ok", "1", NULL, 0, NULL, NULL, "bz2", out, NULL, NULL, &err),
	    BURROW_EUSAGE);
	{
		const char *bad[] = {"x\nName: evil"};
		assert_int_equal(
		    bundle_pack(src, "ok", "1", bad, 1, NULL, NULL, NULL, out, NULL, NULL, &err),
		    BURROW_EUSAGE);
	}

	path_in(p, sizeof(p), "psrc/esc");
	assert_int_equal(symlink("../outside", p), 0);
	assert_int_equal(
	    bundle_pack(src, "ok", "1", NULL, 0, NULL, NULL, NULL, out, NULL, NULL, &err),
	    BURROW_EINTEGRITY);
	assert_non_null(strstr(err.buf, "escapes the root"));
	unlink(p);

	path_in(p, sizeof(p), "psrc/fifo");
	assert_int_equal(mkfifo(p, 0644), 0);
	assert_int_equal(
	    bundle_pack(src, "ok", "1", NULL, 0, NULL, NULL, NULL, out, NULL, NULL, &err),
	    BURROW_EINTEGRITY);
	assert_non_null(strstr(err.buf, "fifo: not a regular file"));
	unlink(p);

	mkdir_src("psrc/old-1.bundle-info");
	assert_int_equal(
	    bundle_pack(src, "ok", "1", NULL, 0, NULL, NULL, NULL, out, NULL, NULL, &err),
	    BURROW_EUSAGE);
	assert_non_null(strstr(err.buf, "already holds"));
	path_in(p, sizeof(p), "psrc/old-1.bundle-info");
	rmdir(p);

	write_src("psrc/A", "A", 0644);
	assert_int_equal(
	    bundle_pack(src, "ok", "1", NULL, 0, NULL, NULL, NULL, out, NULL, NULL, &err),
	    BURROW_EINTEGRITY);
	assert_non_null(strstr(err.buf, "differ only in case"));
	strbuf_release(&err);
}

/* Builds a bundle tar by hand: files[] are name/content pairs; the RECORD is
 * made from them, then edited by the caller's choice. */
struct vcase {
	const char *info;     /* bundle-info dir */
	const char *metadata; /* METADATA text */
	const char *record;   /* RECORD text, or NULL to generate */
	const char *files[8]; /* name, content, name, content, ... NULL */
	const char *expect;   /* NULL: verify passes */
};

static void run_vcase(const struct vcase *vc)
{
	struct strbuf rec = STRBUF_INIT, err = STRBUF_INIT, path = STRBUF_INIT;
	struct tree_list list = {0};
	struct bundle_info info;
	struct tb t;
	size_t i;
	int dest, r;

	tb_open(&t, "v.tar", NULL);
	for (i = 0; vc->files[i]; i += 2) {
		unsigned char d[32];
		char hex[65];
		tb_file(&t, vc->files[i], 0644, vc->files[i + 1]);
		sha256_buffer_hex(vc->files[i + 1], strlen(vc->files[i + 1]), hex);
		sha256_from_hex(hex, d);
		record_write_line(&rec, vc->files[i], d, (int64_t)strlen(vc->files[i + 1]));
	}
	strbuf_addf(&path, "%s/METADATA", vc->info);
	tb_file(&t, path.buf, 0644, vc->metadata);
	{
		unsigned char d[32];
		char hex[65];
		sha256_buffer_hex(vc->metadata, strlen(vc->metadata), hex);
		sha256_from_hex(hex, d);
		record_write_line(&rec, path.buf, d, (int64_t)strlen(vc->metadata));
	}
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/RECORD", vc->info);
	record_write_line(&rec, path.buf, NULL, -1);
	tb_file(&t, path.buf, 0644, vc->record ? vc->record : rec.buf);
	tb_close(&t);

	assert_int_equal(unpack_file("v.tar", NULL, &list, &err, &dest), 0);
	r = bundle_verify(dest, &list, "v.tar", &info, &err);
	if (!vc->expect && r)
		fail_msg("%s: refused: %s", vc->info, err.buf);
	if (vc->expect) {
		if (r != BURROW_EINTEGRITY)
			fail_msg("%s: accepted, expected \"%s\"", vc->info, vc->expect);
		if (!strstr(err.buf, vc->expect))
			fail_msg("\"%s\" lacks \"%s\"", err.buf, vc->expect);
		assert_null(info.name);
	}
	bundle_info_release(&info);
	close(dest);
	tree_list_release(&list);
	strbuf_release(&rec);
	strbuf_release(&err);
	strbuf_release(&path);
}

#define MD "Name: foo.bar\nVersion: 1.0\n"
#define HELLO_B64 "LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ" /* sha256("hello") */

static void test_verify(void **state)
{
	static const struct vcase cases[] = {
	    {"foo_bar-1.0.bundle-info", MD, NULL, {"bin/x", "hello", NULL}, NULL},
	    {"Foo_Bar-1.0.bundle-info", "Name: foo-bar\nVersion: 1.0\n", NULL, {NULL}, NULL},
	    {"foo_bar-1.0.bundle-info",
	     MD,
	     "bin/x,sha256=" HELLO_B64 ",5\nfoo_bar-1.0.bundle-info/METADATA,,\n",
	     {"bin/x", "hellO", NULL},
	     "entry \"bin/x\": sha256 mismatch (RECORD:1 says "
	     "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824, file has"},
	    {"foo_bar-1.0.bundle-info",
	     MD,
	     "bin/x,sha256=" HELLO_B64 ",6\n",
	     {"bin/x", "hello", NULL},
	     "entry \"bin/x\": size mismatch (RECORD:1 says 6, file has 5)"},
	    {"foo_bar-1.0.bundle-info",
	     MD,
	     "bin/x,sha256=" HELLO_B64 ",5\n",
	     {"bin/x", "hello", "bin/extra", "sneaky", NULL},
	     "entry \"bin/extra\": not listed in RECORD"},
	    {"foo_bar-1.0.bundle-info",
	     MD,
	     "bin/x,sha256=" HELLO_B64 ",5\nbin/gone,sha256=" HELLO_B64 ",5\n",
	     {"bin/x", "hello", NULL},
	     "entry \"foo_bar-1.0.bundle-info/METADATA\": not listed in RECORD"},
	    {"foo_bar-1.0.bundle-info",
	     "Name: foo\nVersion: 1.0\n",
	     NULL,
	     {NULL},
	     "\"foo_bar-1.0.bundle-info\" does not match METADATA Name \"foo\""},
	    {"foo_bar-1.0.bundle-info",
	     "Name: foo.bar\nVersion: 1.1\n",
	     NULL,
	     {NULL},
	     "does not match METADATA"},
	    {"foo_bar-1.0.bundle-info", "Version: 1.0\n", NULL, {NULL}, "no Name field"},
	    {"foo_bar-1.0.bundle-info",
	     "Bundle-Version: 2.0\n" MD,
	     NULL,
	     {NULL},
	     "unsupported Bundle-Version \"2.0\""},
	    {"foo_bar-1.0.bundle-info", "Name foo\n", NULL, {NULL}, "METADATA: 1: line without"},
	    {"foobar.bundle-info",
	     "Name: foobar\nVersion: 1\n",
	     NULL,
	     {NULL},
	     "not named NAME-VERSION.bundle-info"},
	    {"foo_bar-1.0.bundle-info",
	     MD,
	     "a,md5=x,1\n",
	     {NULL},
	     "foo_bar-1.0.bundle-info: RECORD:1: unsupported hash algorithm"},
	    {"foo_bar-1.0.bundle-info",
	     MD,
	     "bin/x,,5\n",
	     {"bin/x", "hello", NULL},
	     "entry \"bin/x\": RECORD:1: no sha256"},
	    {"foo_bar-1.0.bundle-info",
	     MD,
	     NULL,
	     {"other-2.bundle-info/x", "y", NULL},
	     "more than one .bundle-info directory"},
	};
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_vcase(&cases[i]);
}

static void test_verify_missing(void **state)
{
	struct tb t;
	struct strbuf err = STRBUF_INIT;
	struct tree_list list = {0};
	struct bundle_info info;
	int dest;
	(void)state;

	/* a RECORD row without a file, with everything else right */
	{
		struct vcase vc = {
		    "foo_bar-1.0.bundle-info", MD, NULL, {"bin/x", "hello", NULL}, NULL};
		struct strbuf rec = STRBUF_INIT;
		unsigned char d[32];
		char hex[65];
		sha256_buffer_hex(MD, strlen(MD), hex);
		sha256_from_hex(hex, d);
		strbuf_addstr(&rec,
		              "bin/x,sha256=" HELLO_B64 ",5\nbin/gone,sha256=" HELLO_B64 ",5\n");
		record_write_line(&rec, "foo_bar-1.0.bundle-info/METADATA", d, (int64_t)strlen(MD));
		vc.record = rec.buf;
		vc.expect = "entry \"bin/gone\": listed in RECORD:2 but not in the archive";
		run_vcase(&vc);
		strbuf_release(&rec);
	}

	tb_open(&t, "noinfo.tar", NULL);
	tb_file(&t, "bin/x", 0644, "x");
	tb_close(&t);
	assert_int_equal(unpack_file("noinfo.tar", NULL, &list, &err, &dest), 0);
	assert_int_equal(bundle_verify(dest, &list, "noinfo.tar", &info, &err), BURROW_EINTEGRITY);
	assert_string_equal(err.buf, "noinfo.tar: no *.bundle-info directory");
	close(dest);
	tree_list_release(&list);

	/* a symlink whose target differs from the recorded one */
	tb_open(&t, "lnk.tar", NULL);
	tb_file(&t, "f-1.bundle-info/METADATA", 0644, "Name: f\nVersion: 1\n");
	tb_file(&t, "f-1.bundle-info/RECORD", 0644,
	        "f-1.bundle-info/METADATA,sha256=ekBI20poasZiwLDN2O6ay0-13NKPUjTLjlnrJn2J9r0,19\n"
	        "l,sha256=" HELLO_B64 ",5\n");
	tb_link(&t, "l", "hellx");
	tb_close(&t);
	assert_int_equal(unpack_file("lnk.tar", NULL, &list, &err, &dest), 0);
	assert_int_equal(bundle_verify(dest, &list, "lnk.tar", &info, &err), BURROW_EINTEGRITY);
	assert_non_null(strstr(err.buf, "lnk.tar: entry \"l\": sha256 mismatch"));
	close(dest);
	tree_list_release(&list);
	strbuf_release(&err);
}

static void test_signals_and_utf8(void **state)
{
	struct tb t;
	struct strbuf err = STRBUF_INIT;
	struct tree_list out = {0};
	unsigned char tar[512 * 8];
	const char *rec = "24 path=share/caf\xc3\xa9.txt\n";
	int dest;
	(void)state;

	tb_open(&t, "sig.tar", NULL);
	tb_file(&t, "a", 0644, "x");
	tb_close(&t);
	signals_caught = SIGTERM;
	assert_int_equal(unpack_file("sig.tar", NULL, NULL, &err, NULL), BURROW_ETERM);
	assert_non_null(strstr(err.buf, "interrupted"));
	signals_caught = 0;

	/* a UTF-8 pax path (as Python's tarfile writes it) in the C locale */
	memset(tar, 0, sizeof(tar));
	raw_header(tar, "PaxHeader/x", 'x', strlen(rec));
	memcpy(tar + 512, rec, strlen(rec));
	raw_header(tar + 1024, "share/cafe.txt", '0', 3);
	memcpy(tar + 1536, "abc", 3);
	write_raw("utf8.tar", tar, sizeof(tar));
	assert_int_equal(unpack_file("utf8.tar", NULL, &out, &err, &dest), 0);
	assert_int_equal(faccessat(dest, "share/caf\xc3\xa9.txt", F_OK, AT_SYMLINK_NOFOLLOW), 0);
	assert_string_equal(out.items[1].path, "share/caf\xc3\xa9.txt");
	close(dest);
	tree_list_release(&out);
	strbuf_release(&err);
}

static void test_platform(void **state)
{
	struct utsname u;
	char tag[128];
	int rank = -1, r1, r2, r3;
	(void)state;

	assert_int_equal(uname(&u), 0);
	snprintf(tag, sizeof(tag), "linux_%s", u.machine);
	assert_string_equal(bundle_default_platform(), tag);
	assert_int_equal(bundle_platform_ok(tag, &r2), 1);
	assert_int_equal(bundle_platform_ok("any", &r3), 1);
	assert_int_equal(bundle_platform_ok("linux_nonesuch", &rank), 0);
	assert_int_equal(rank, -1);
	snprintf(tag, sizeof(tag), "manylinux_2_17_%s", u.machine);
	assert_int_equal(bundle_platform_ok(tag, &r1), 1);
	assert_true(r1 < r2 && r2 < r3);
	snprintf(tag, sizeof(tag), "manylinux_2_28_%s", u.machine);
	assert_int_equal(bundle_platform_ok(tag, &rank), 1);
	assert_true(rank < r1);
	snprintf(tag, sizeof(tag), "manylinux2014_%s", u.machine);
	assert_int_equal(bundle_platform_ok(tag, &rank), 1);
	assert_int_equal(rank, r1);
	snprintf(tag, sizeof(tag), "manylinux_2_999_%s", u.machine);
	assert_int_equal(bundle_platform_ok(tag, NULL), 0);
	snprintf(tag, sizeof(tag), "manylinux_3_0_%s", u.machine);
	assert_int_equal(bundle_platform_ok(tag, NULL), 0);
	snprintf(tag, sizeof(tag), "musllinux_1_1_%s", u.machine);
	assert_int_equal(bundle_platform_ok(tag, NULL), 0);
	assert_int_equal(bundle_platform_ok("manylinux_2_17_nonesuch", NULL), 0);
	assert_int_equal(bundle_platform_ok("manylinux_x_17_x86_64", NULL), 0);
	assert_int_equal(bundle_platform_ok("", NULL), 0);
	assert_int_equal(bundle_platform_ok("ANY", NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_links),
	    cmocka_unit_test(test_types),
	    cmocka_unit_test(test_modes_and_dups),
	    cmocka_unit_test(test_pax_size),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_truncated_and_junk),
	    cmocka_unit_test(test_pack_roundtrip),
	    cmocka_unit_test(test_pack_refusals),
	    cmocka_unit_test(test_verify),
	    cmocka_unit_test(test_verify_missing),
	    cmocka_unit_test(test_signals_and_utf8),
	    cmocka_unit_test(test_platform),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
