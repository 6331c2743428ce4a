/*
 * test_wheel: wheel unpacking against RECORD, the layout and metadata
 * rules, the install plan, entry_points.txt, launcher bytes, launchers that
 * actually run from an env under a path with a space, and the real wheels
 * Debian ships in /usr/share/python-wheels.  Wheels are built here by a
 * small zip writer (stored and raw-deflate entries through zlib).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "entrypoints.h"
#include "filename.h"
#include "wheel.h"
#include "zipread.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/sha256.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

/* ---- a small zip writer ------------------------------------------------- */

struct wfile {
	const char *name;
	const char *data;
	uint32_t mode; /* st_mode, 0: none */
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

static void deflate_raw(const char *in, size_t len, struct strbuf *out)
{
	z_stream zs;
	unsigned char buf[4096];
	int r;

	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (unsigned char *)in;
	zs.avail_in = (uInt)len;
	do {
		zs.next_out = buf;
		zs.avail_out = sizeof(buf);
		r = deflate(&zs, Z_FINISH);
		strbuf_add(out, buf, sizeof(buf) - zs.avail_out);
	} while (r == Z_OK);
	deflateEnd(&zs);
}

/* Every other entry deflated. */
static void zwrite(struct strbuf *z, const struct wfile *f, size_t n)
{
	size_t *off = calloc(n + 1, sizeof(*off)), i, cd;
	struct strbuf *comp = calloc(n + 1, sizeof(*comp));

	for (i = 0; i < n; i++) {
		size_t len = strlen(f[i].data);
		int defl = i % 2;
		uint32_t crc = (uint32_t)crc32(0, (const unsigned char *)f[i].data, (uInt)len);
		strbuf_init(&comp[i], 0);
		if (defl)
			deflate_raw(f[i].data, len, &comp[i]);
		else
			strbuf_add(&comp[i], f[i].data, len);
		off[i] = z->len;
		put32(z, 0x04034b50);
		put16(z, 20);
		put16(z, 0);
		put16(z, defl ? 8 : 0);
		put32(z, 0);
		put32(z, crc);
		put32(z, (uint32_t)comp[i].len);
		put32(z, (uint32_t)len);
		put16(z, (unsigned)strlen(f[i].name));
		put16(z, 0);
		strbuf_addstr(z, f[i].name);
		strbuf_add(z, comp[i].buf, comp[i].len);
	}
	cd = z->len;
	for (i = 0; i < n; i++) {
		size_t len = strlen(f[i].data);
		put32(z, 0x02014b50);
		put16(z, (3 << 8) | 20);
		put16(z, 20);
		put16(z, 0);
		put16(z, i % 2 ? 8 : 0);
		put32(z, 0);
		put32(z, (uint32_t)crc32(0, (const unsigned char *)f[i].data, (uInt)len));
		put32(z, (uint32_t)comp[i].len);
		put32(z, (uint32_t)len);
		put16(z, (unsigned)strlen(f[i].name));
		put16(z, 0);
		put16(z, 0);
		put16(z, 0);
		put16(z, 0);
		put32(z, (f[i].mode ? f[i].mode : S_IFREG | 0644) << 16);
		put32(z, (uint32_t)off[i]);
		strbuf_addstr(z, f[i].name);
		strbuf_release(&comp[i]);
	}
	put32(z, 0x06054b50);
	put16(z, 0);
	put16(z, 0);
	put16(z, (unsigned)n);
	put16(z, (unsigned)n);
	put32(z, (uint32_t)(z->len - 12 - cd));
	put32(z, (uint32_t)cd);
	put16(z, 0);
	free(off);
	free(comp);
}

/* ---- wheels ---------------------------------------------------------------- */

#define DI "fancy-1.0.0.dist-info"
#define DD "fancy-1.0.0.data"

static const char init_py[] = "def main():\n    print(\"I'm fancy.\")\n";
static const char wheel_txt[] = "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                                "Tag: py3-none-any\n";
static const char meta_txt[] = "Metadata-Version: 2.1\nName: fancy\nVersion: 1.0.0\n";
static const char ep_txt[] = "[console_scripts]\nfancy = fancy:main\n\n[gui_scripts]\n"
                             "fancy-gui = fancy:main\n";

/* installer's mock wheel plus a script and a header */
static const struct wfile fancy[] = {
    {"fancy/", "", S_IFDIR | 0755},
    {"fancy/__init__.py", init_py, 0},
    {"fancy/__main__.py", "import fancy\nfancy.main()\n", 0},
    {DD "/data/fancy/data.py", "# put me in data\n", 0},
    {DD "/scripts/fancy-script", "#!python -u\nimport fancy\nfancy.main()\n", S_IFREG | 0755},
    {DD "/headers/fancy.h", "int fancy(void);\n", 0},
    {DI "/top_level.txt", "fancy\n", 0},
    {DI "/entry_points.txt", ep_txt, 0},
    {DI "/WHEEL", wheel_txt, 0},
    {DI "/METADATA", meta_txt, 0},
};
#define NFANCY (sizeof(fancy) / sizeof(*fancy))

struct wopt {
	const char *record;  /* the whole RECORD; NULL: generated */
	const char *skip;    /* generated RECORD leaves this path out */
	const char *corrupt; /* generated RECORD hashes other bytes for this path */
	const char *append;  /* appended to the generated RECORD */
	const char *rec_name;
	const struct wfile *replace; /* files replacing those of the same name */
	size_t nreplace;
	const struct wfile *add; /* extra files */
	size_t nadd;
	const char *drop;     /* leave this file out */
	const char *self_row; /* RECORD's own row instead of "<RECORD>,," */
};

static void build(struct strbuf *z, const struct wopt *o)
{
	struct wfile files[64];
	struct strbuf rec = STRBUF_INIT;
	size_t n = 0, i, k;

	for (i = 0; i < NFANCY; i++) {
		if (o->drop && !strcmp(o->drop, fancy[i].name))
			continue;
		files[n] = fancy[i];
		for (k = 0; k < o->nreplace; k++)
			if (!strcmp(o->replace[k].name, fancy[i].name))
				files[n] = o->replace[k];
		n++;
	}
	for (k = 0; k < o->nadd; k++)
		files[n++] = o->add[k];
	if (o->record) {
		strbuf_addstr(&rec, o->record);
	} else {
		for (i = 0; i < n; i++) {
			unsigned char d[32];
			char b64[44];
			struct sha256 h;
			const char *data = files[i].data;
			size_t nl = strlen(files[i].name);
			if (files[i].name[nl - 1] == '/')
				continue;
			if (o->skip && !strcmp(o->skip, files[i].name))
				continue;
			if (o->corrupt && !strcmp(o->corrupt, files[i].name))
				data = "something else";
			sha256_begin(&h);
			sha256_update(&h, data, strlen(data));
			sha256_end(&h, d);
			sha256_to_b64(d, b64);
			strbuf_addf(&rec, "%s,sha256=%s,%zu\n", files[i].name, b64,
			            strlen(files[i].data));
		}
		if (o->self_row)
			strbuf_addstr(&rec, o->self_row);
		else
			strbuf_addf(&rec, "%s,,\n", o->rec_name ? o->rec_name : DI "/RECORD");
		if (o->append)
			strbuf_addstr(&rec, o->append);
	}
	files[n].name = o->rec_name ? o->rec_name : DI "/RECORD";
	files[n].data = rec.buf;
	files[n].mode = 0;
	n++;
	zwrite(z, files, n);
	strbuf_release(&rec);
}

struct unpacked {
	char dir[64];
	int dirfd;
	struct wheel_info info;
	struct tree_list entries;
	struct strbuf err;
};

static int unpack_bytes(const struct strbuf *z, const char *ename, const char *ever,
                        struct unpacked *u)
{
	char path[] = "/tmp/test_wheel_XXXXXX";
	int fd, r;

	memset(u, 0, sizeof(*u));
	strbuf_init(&u->err, 0);
	snprintf(u->dir, sizeof(u->dir), "/tmp/test_wheel_tree_XXXXXX");
	assert_non_null(mkdtemp(u->dir));
	u->dirfd = open(u->dir, O_RDONLY | O_DIRECTORY);
	assert_true(u->dirfd >= 0);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, z->buf, z->len), (ssize_t)z->len);
	r = wheel_unpack(fd, "fancy-1.0.0-py3-none-any.whl", ename, ever, u->dirfd, &u->info,
	                 &u->entries, &u->err);
	close(fd);
	return r;
}

static void unpacked_release(struct unpacked *u)
{
	close(u->dirfd);
	assert_int_equal(fs_remove_tree(AT_FDCWD, u->dir), 0);
	wheel_info_release(&u->info);
	tree_list_release(&u->entries);
	strbuf_release(&u->err);
}

static int unpack_opt(const struct wopt *o, const char *ename, const char *ever, struct unpacked *u)
{
	struct strbuf z = STRBUF_INIT;
	int r;

	build(&z, o);
	r = unpack_bytes(&z, ename, ever, u);
	strbuf_release(&z);
	return r;
}

static void refused_opt(const struct wopt *o, const char *ename, const char *ever,
                        const char *needle)
{
	struct unpacked u;
	int r = unpack_opt(o, ename, ever, &u);
	if (r != BURROW_EINTEGRITY || !strstr(u.err.buf, needle))
		fail_msg("expected refusal containing \"%s\", got %d: %s", needle, r, u.err.buf);
	unpacked_release(&u);
}

static const struct wheel_scheme venv = {
    .purelib = "lib/python3.11/site-packages",
    .platlib = "lib/python3.11/site-packages",
    .scripts = "bin",
    .headers = "include/site/python3.11/fancy",
    .data = ".",
    .installer = "burrow",
};

static const struct wheel_plan_item *find_dest(const struct wheel_plan *p, const char *dest)
{
	size_t i;
	for (i = 0; i < p->len; i++)
		if (!strcmp(p->items[i].dest, dest))
			return &p->items[i];
	return NULL;
}

static const struct tree_entry *find_entry(const struct tree_list *t, const char *path)
{
	size_t i;
	for (i = 0; i < t->len; i++)
		if (!strcmp(t->items[i].path, path))
			return &t->items[i];
	return NULL;
}

/* ---- unpack ---------------------------------------------------------------- */

static void t_good_wheel(void **state)
{
	struct wopt o = {0};
	struct unpacked u;
	struct wheel_info again;
	const struct tree_entry *te;
	struct strbuf buf = STRBUF_INIT;
	char hex[65];
	(void)state;

	if (unpack_opt(&o, "Fancy", "1.0", &u) != 0)
		fail_msg("%s", u.err.buf);
	assert_string_equal(u.info.name, "fancy");
	assert_string_equal(u.info.version, "1.0.0");
	assert_string_equal(u.info.dist_info, DI);
	assert_string_equal(u.info.data_dir, DD);
	assert_string_equal(u.info.wheel_version, "1.0");
	assert_true(u.info.root_is_purelib);
	te = find_entry(&u.entries, "fancy/__init__.py");
	assert_non_null(te);
	assert_int_equal(te->type, TREE_FILE);
	assert_int_equal(te->mode, 0644);
	assert_int_equal(te->size, strlen(init_py));
	sha256_buffer_hex(init_py, strlen(init_py), hex);
	assert_string_equal(te->sha256, hex);
	te = find_entry(&u.entries, DD "/scripts/fancy-script");
	assert_non_null(te);
	assert_int_equal(te->mode, 0755);
	assert_non_null(find_entry(&u.entries, DD "/scripts"));
	assert_int_equal(find_entry(&u.entries, DD "/scripts")->type, TREE_DIR);
	assert_non_null(find_entry(&u.entries, DI "/RECORD"));
	assert_int_equal(fs_read_file(u.dirfd, "fancy/__init__.py", 1000, &buf), 0);
	assert_string_equal(buf.buf, init_py);
	/* the same facts from the tree alone */
	assert_int_equal(wheel_read_info(u.dirfd, "t", &u.entries, &again, &u.err), 0);
	assert_string_equal(again.name, "fancy");
	assert_string_equal(again.data_dir, DD);
	wheel_info_release(&again);
	strbuf_release(&buf);
	unpacked_release(&u);
}

static void t_record_rules(void **state)
{
	(void)state;

	refused_opt(&(struct wopt){.corrupt = "fancy/__main__.py"}, NULL, NULL, "sha256 mismatch");
	refused_opt(&(struct wopt){.skip = "fancy/__init__.py"}, NULL, NULL,
	            "not listed in RECORD");
	refused_opt(&(struct wopt){.append = "fancy/ghost.py,sha256="
	                                     "qZ2qq7xVBAiUFQVv-QBHhdtCUF5p1NsWwSOiD7qdHN0,36\n"},
	            NULL, NULL, "is not in the archive");
	refused_opt(&(struct wopt){.append = "fancy,sha256="
	                                     "qZ2qq7xVBAiUFQVv-QBHhdtCUF5p1NsWwSOiD7qdHN0,36\n"},
	            NULL, NULL, "");
	refused_opt(&(struct wopt){.append = "fancy/../../x,sha256="
	                                     "qZ2qq7xVBAiUFQVv-QBHhdtCUF5p1NsWwSOiD7qdHN0,36\n"},
	            NULL, NULL, "RECORD:");
	refused_opt(&(struct wopt){.record = "fancy/__init__.py,,\n"}, NULL, NULL,
	            "no sha256 or no size");
	refused_opt(&(struct wopt){.record = "fancy/__init__.py,sha256=qZ2qq7xVBAiUFQVv-"
	                                     "QBHhdtCUF5p1NsWwSOiD7qdHN0,37\n"},
	            NULL, NULL, "RECORD:1 says 37");
	refused_opt(&(struct wopt){.record = "fancy/__init__.py,md5=abc,36\n"}, NULL, NULL,
	            "unsupported hash algorithm");
	/* RECORD's own row with a hash */
	refused_opt(&(struct wopt){.self_row = DI "/RECORD,sha256=qZ2qq7xVBAiUFQVv-QBHhdtCUF5p1Ns"
	                                          "WwSOiD7qdHN0,36\n"},
	            NULL, NULL, "RECORD's own row must have no hash");
	refused_opt(&(struct wopt){.self_row = DI "/RECORD,,100\n"}, NULL, NULL,
	            "RECORD's own row must have no hash");
	/* RECORD need not list itself */
	{
		struct unpacked u;
		if (unpack_opt(&(struct wopt){.self_row = ""}, NULL, NULL, &u) != 0)
			fail_msg("%s", u.err.buf);
		unpacked_release(&u);
	}
	/* a signature file: fine when not listed, refused when listed */
	{
		struct unpacked u;
		static const struct wfile jws[] = {{DI "/RECORD.jws", "{}", 0}};
		if (unpack_opt(&(struct wopt){.add = jws, .nadd = 1, .skip = DI "/RECORD.jws"},
		               NULL, NULL, &u) != 0)
			fail_msg("%s", u.err.buf);
		unpacked_release(&u);
		refused_opt(&(struct wopt){.add = jws, .nadd = 1}, NULL, NULL, "signature file");
	}
}

static void t_layout_rules(void **state)
{
	static const struct wfile two_di[] = {{"other-1.0.dist-info/METADATA", meta_txt, 0}};
	static const struct wfile bad_key[] = {{DD "/invalid/x.py", "x", 0}};
	static const struct wfile key_file[] = {{DD "/scripts", "x", 0}};
	static const struct wfile other_data[] = {{"other-1.0.data/scripts/x", "x", 0}};
	static const struct wfile escape[] = {{DD "/data/../../x", "x", 0}};
	static const struct wfile link[] = {{"fancy/lnk", "/etc/passwd", S_IFLNK | 0777}};
	static const struct wfile w2[] = {{DI "/WHEEL", "Wheel-Version: 2.0\n", 0}};
	static const struct wfile w19[] = {{DI "/WHEEL", "Wheel-Version: 1.9\n", 0}};
	static const struct wfile wbad[] = {{DI "/WHEEL", "Wheel-Version: one\n", 0}};
	static const struct wfile mname[] = {
	    {DI "/METADATA", "Metadata-Version: 2.1\nName: other\nVersion: 1.0.0\n", 0}};
	static const struct wfile mver[] = {
	    {DI "/METADATA", "Metadata-Version: 2.1\nName: fancy\nVersion: 1.0.1\n", 0}};
	struct unpacked u;
	(void)state;

	refused_opt(&(struct wopt){.add = two_di, .nadd = 1}, NULL, NULL,
	            "more than one .dist-info directory");
	refused_opt(&(struct wopt){.add = bad_key, .nadd = 1}, NULL, NULL,
	            "not in a valid .data subdirectory");
	refused_opt(&(struct wopt){.add = key_file, .nadd = 1}, NULL, NULL, "");
	refused_opt(&(struct wopt){.add = other_data, .nadd = 1}, NULL, NULL, ".data");
	refused_opt(&(struct wopt){.add = escape, .nadd = 1}, NULL, NULL, "escapes");
	refused_opt(&(struct wopt){.add = link, .nadd = 1}, NULL, NULL, "symbolic link");
	refused_opt(&(struct wopt){.replace = w2, .nreplace = 1}, NULL, NULL,
	            "Wheel-Version 2.x is not supported");
	refused_opt(&(struct wopt){.replace = wbad, .nreplace = 1}, NULL, NULL,
	            "malformed Wheel-Version");
	if (unpack_opt(&(struct wopt){.replace = w19, .nreplace = 1}, NULL, NULL, &u) != 0)
		fail_msg("%s", u.err.buf);
	assert_false(u.info.root_is_purelib);
	unpacked_release(&u);
	refused_opt(&(struct wopt){.drop = DI "/WHEEL"}, NULL, NULL, "no " DI "/WHEEL");
	refused_opt(&(struct wopt){.drop = DI "/METADATA"}, NULL, NULL, "METADATA");
	refused_opt(&(struct wopt){.replace = mname, .nreplace = 1}, NULL, NULL,
	            "METADATA Name \"other\" does not match");
	refused_opt(&(struct wopt){.replace = mver, .nreplace = 1}, NULL, NULL, "METADATA Version");
	refused_opt(&(struct wopt){0}, "other", NULL, "name from the file name");
	refused_opt(&(struct wopt){0}, NULL, "1.0.1", "version from the file name");
	refused_opt(&(struct wopt){0}, NULL, "1.0.0.post1", "version from the file name");
	/* names and versions that are the same after normalisation */
	if (unpack_opt(&(struct wopt){0}, "FANCY", "v1.0", &u) != 0)
		fail_msg("%s", u.err.buf);
	unpacked_release(&u);
	/* not a zip at all */
	{
		struct strbuf z = STRBUF_INIT;
		strbuf_addstr(&z, "not a wheel");
		assert_int_equal(unpack_bytes(&z, NULL, NULL, &u), BURROW_EINTEGRITY);
		unpacked_release(&u);
		strbuf_release(&z);
	}
}

/* ---- the install plan ------------------------------------------------------ */

static const char expected_launcher[] =
    "#!/bin/sh\n"
    "# -*- coding: utf-8 -*-\n"
    "'''':\n"
    "p=$(realpath -- \"$0\") && exec \"${p%/*}/python\" \"$0\" \"$@\"\n"
    "echo \"$0: cannot resolve the path of this script\" >&2; exit 127\n"
    "'''\n"
    "import re\n"
    "import sys\n"
    "from fancy import main\n"
    "if __name__ == \"__main__\":\n"
    "    sys.argv[0] = re.sub(r\"(-script\\.pyw|\\.exe)?$\", \"\", sys.argv[0])\n"
    "    sys.exit(main())\n";

static void t_plan(void **state)
{
	struct unpacked u;
	struct wheel_plan plan;
	struct strbuf rec = STRBUF_INIT;
	const struct wheel_plan_item *it;
	char *rec_dest = NULL, hex[65];
	(void)state;

	if (unpack_opt(&(struct wopt){0}, NULL, NULL, &u) != 0)
		fail_msg("%s", u.err.buf);
	if (wheel_plan(u.dirfd, &u.info, &u.entries, &venv, &plan, &u.err) != 0)
		fail_msg("%s", u.err.buf);
	it = find_dest(&plan, "lib/python3.11/site-packages/fancy/__init__.py");
	assert_non_null(it);
	assert_int_equal(it->kind, WHEEL_PLAN_LINK);
	assert_string_equal(it->src, "fancy/__init__.py");
	assert_string_equal(it->record_path, "fancy/__init__.py");
	assert_int_equal(it->mode, 0644);
	it = find_dest(&plan, "fancy/data.py");
	assert_non_null(it);
	assert_string_equal(it->record_path, "../../../fancy/data.py");
	it = find_dest(&plan, "include/site/python3.11/fancy/fancy.h");
	assert_non_null(it);
	assert_string_equal(it->record_path, "../../../include/site/python3.11/fancy/fancy.h");
	/* the #!python script: trampoline, rest unchanged */
	it = find_dest(&plan, "bin/fancy-script");
	assert_non_null(it);
	assert_int_equal(it->kind, WHEEL_PLAN_WRITE);
	assert_int_equal(it->mode, 0755);
	assert_string_equal(it->content,
	                    "#!/bin/sh\n# -*- coding: utf-8 -*-\n'''':\n"
	                    "p=$(realpath -- \"$0\") && exec \"${p%/*}/python\" \"$0\" "
	                    "\"$@\"\n"
	                    "echo \"$0: cannot resolve the path of this script\" >&2; "
	                    "exit 127\n'''\nimport fancy\nfancy.main()\n");
	sha256_buffer_hex(it->content, it->content_len, hex);
	assert_string_equal(it->sha256, hex);
	/* launchers */
	it = find_dest(&plan, "bin/fancy");
	assert_non_null(it);
	assert_null(it->src);
	assert_int_equal(it->mode, 0755);
	assert_string_equal(it->content, expected_launcher);
	assert_string_equal(it->record_path, "../../../bin/fancy");
	assert_non_null(find_dest(&plan, "bin/fancy-gui"));
	it = find_dest(&plan, "lib/python3.11/site-packages/" DI "/INSTALLER");
	assert_non_null(it);
	assert_string_equal(it->content, "burrow\n");
	/* the wheel's RECORD is not installed */
	assert_null(find_dest(&plan, "lib/python3.11/site-packages/" DI "/RECORD"));
	assert_int_equal(wheel_plan_record(&plan, &u.info, &venv, &rec, &rec_dest, &u.err), 0);
	assert_string_equal(rec_dest, "lib/python3.11/site-packages/" DI "/RECORD");
	assert_non_null(strstr(rec.buf, "\n" DI "/RECORD,,\n"));
	assert_non_null(strstr(rec.buf, "../../../bin/fancy,sha256="));
	assert_non_null(strstr(rec.buf, "fancy/__init__.py,sha256=qZ2qq7xVBAiUFQVv-QBHhdtCUF5p1Ns"
	                                "WwSOiD7qdHN0,36\n"));
	assert_true(strncmp(rec.buf, "../../../bin/fancy,", 19) == 0); /* sorted */
	free(rec_dest);
	strbuf_release(&rec);
	wheel_plan_release(&plan);
	unpacked_release(&u);
}

static void plan_refused(const struct wopt *o, const char *needle)
{
	struct unpacked u;
	struct wheel_plan plan;
	int r;

	if (unpack_opt(o, NULL, NULL, &u) != 0)
		fail_msg("unpack: %s", u.err.buf);
	r = wheel_plan(u.dirfd, &u.info, &u.entries, &venv, &plan, &u.err);
	if (r != BURROW_EINTEGRITY || !strstr(u.err.buf, needle))
		fail_msg("expected plan refusal containing \"%s\", got %d: %s", needle, r,
		         u.err.buf);
	wheel_plan_release(&plan);
	unpacked_release(&u);
}

static void t_plan_refusals(void **state)
{
	static const struct wfile clash_ep[] = {{DD "/scripts/fancy", "#!/bin/sh\n", 0}};
	static const struct wfile clash_root[] = {{DD "/purelib/fancy/__init__.py", "x", 0}};
	static const struct wfile clash_dir[] = {
	    {DD "/data/lib/python3.11/site-packages/fancy", "x", 0}};
	static const struct wfile py[] = {{DD "/scripts/python3", "x", 0}};
	static const struct wfile act[] = {{DD "/data/bin/activate", "x", 0}};
	static const struct wfile other_di[] = {
	    {DD "/purelib/other-1.0.dist-info/METADATA", "Name: other\n", 0}};
	static const struct wfile burrow[] = {{DD "/data/.burrow/state.db", "x", 0}};
	static const struct wfile cfg[] = {{DD "/data/pyvenv.cfg", "home = /tmp\n", 0}};
	static const struct wfile rec[] = {{DD "/purelib/" DI "/RECORD", "x", 0}};
	static const struct wfile ep_bad[] = {
	    {DI "/entry_points.txt", "[console_scripts]\n../../x = fancy:main\n", 0}};
	static const struct wfile ep_py[] = {
	    {DI "/entry_points.txt", "[console_scripts]\npython3 = fancy:main\n", 0}};
	static const struct wfile ep_dup[] = {
	    {DI "/entry_points.txt", "[console_scripts]\nx = fancy:main\n[gui_scripts]\nx = a:b\n",
	     0}};
	(void)state;

	plan_refused(&(struct wopt){.add = clash_ep, .nadd = 1}, "collide at \"bin/fancy\"");
	plan_refused(&(struct wopt){.add = clash_root, .nadd = 1}, "collide");
	plan_refused(&(struct wopt){.add = clash_dir, .nadd = 1}, "collide");
	plan_refused(&(struct wopt){.add = py, .nadd = 1}, "reserved");
	plan_refused(&(struct wopt){.add = act, .nadd = 1}, "reserved");
	plan_refused(&(struct wopt){.add = other_di, .nadd = 1}, "another distribution");
	plan_refused(&(struct wopt){.add = burrow, .nadd = 1}, "reserved for the env");
	plan_refused(&(struct wopt){.add = cfg, .nadd = 1}, "reserved for the env");
	plan_refused(&(struct wopt){.add = rec, .nadd = 1}, "collides with the RECORD");
	plan_refused(&(struct wopt){.replace = ep_bad, .nreplace = 1}, "entry point \"../../x\"");
	plan_refused(&(struct wopt){.replace = ep_py, .nreplace = 1}, "reserved");
	plan_refused(&(struct wopt){.replace = ep_dup, .nreplace = 1}, "second launcher");
}

static void t_plan_pycache_platlib(void **state)
{
	static const struct wfile pyc[] = {{"fancy/__pycache__/x.cpython-311.pyc", "pyc", 0}};
	static const struct wfile plat[] = {{DI "/WHEEL",
	                                     "Wheel-Version: 1.0\nRoot-Is-Purelib: "
	                                     "false\n",
	                                     0}};
	static const struct wheel_scheme split = {.purelib = "./pure/",
	                                          .platlib = "plat",
	                                          .scripts = "bin",
	                                          .headers = "inc",
	                                          .data = ""};
	struct unpacked u;
	struct wheel_plan plan;
	(void)state;

	if (unpack_opt(&(struct wopt){.add = pyc, .nadd = 1}, NULL, NULL, &u) != 0)
		fail_msg("%s", u.err.buf);
	assert_int_equal(wheel_plan(u.dirfd, &u.info, &u.entries, &venv, &plan, &u.err), 0);
	assert_int_equal(plan.skipped_pycache, 1);
	assert_null(find_dest(&plan, "lib/python3.11/site-packages/fancy/__pycache__/"
	                             "x.cpython-311.pyc"));
	wheel_plan_release(&plan);
	unpacked_release(&u);

	if (unpack_opt(&(struct wopt){.replace = plat, .nreplace = 1}, NULL, NULL, &u) != 0)
		fail_msg("%s", u.err.buf);
	if (wheel_plan(u.dirfd, &u.info, &u.entries, &split, &plan, &u.err) != 0)
		fail_msg("%s", u.err.buf);
	assert_non_null(find_dest(&plan, "plat/fancy/__init__.py"));
	assert_string_equal(find_dest(&plan, "bin/fancy")->record_path, "../bin/fancy");
	assert_string_equal(find_dest(&plan, "fancy/data.py")->record_path, "../fancy/data.py");
	assert_null(find_dest(&plan, "plat/" DI "/INSTALLER"));
	wheel_plan_release(&plan);
	/* a scheme dir that climbs out */
	{
		struct wheel_scheme bad = venv;
		bad.data = "../..";
		assert_int_equal(wheel_plan(u.dirfd, &u.info, &u.entries, &bad, &plan, &u.err),
		                 BURROW_EFAIL);
		wheel_plan_release(&plan);
	}
	unpacked_release(&u);
}

/* ---- entry points ---------------------------------------------------------- */

static void t_entrypoints_parse(void **state)
{
	struct entrypoints eps;
	struct strbuf err = STRBUF_INIT;
	const char *txt = "# comment\n; another\n[other]\nnot even = valid :: here\n  indented\n"
	                  "; fine here\n"
	                  "[console_scripts]\r\n"
	                  "a = pkg.mod:main\n"
	                  "b-c.d=pkg : Cls.run [extra1, extra2]  \n"
	                  "\n"
	                  "[gui_scripts]\n"
	                  "e_f = m:f\n";
	static const char *const bad[] = {
	    "[console_scripts]\nhello = hello\n",
	    "[console_scripts]\nhello = hello:\n",
	    "[console_scripts]\nhello = :main\n",
	    "[console_scripts]\nhello\n",
	    "[console_scripts]\nhello = a b:c\n",
	    "[console_scripts]\nhello = a:b c\n",
	    "[console_scripts]\nhello = a:b [x\n",
	    "[console_scripts]\nhello = 1a:b\n",
	    "[console_scripts]\nhello = import:b\n",
	    "[console_scripts]\nhello = a:b;rm\n",
	    "[console_scripts]\nhello = a:b\n  continued\n",
	    "[console_scripts]\n[console_scripts]\n",
	    "[console_scripts\n",
	    "[console_scripts]\nx = a:b\nx = c:d\n",
	    "[console_scripts]\n../x = a:b\n",
	    "[console_scripts]\npython3 = a:b\n",
	    "[console_scripts]\nactivate = a:b\n",
	    "[console_scripts]\nx = a\xc3\xa9:b\n",
	    "[console_scripts]\n; x = a:b\n",
	    "[other]\nx = y\n  [console_scripts]\nz = a:b\n",
	};
	size_t i;
	(void)state;

	assert_int_equal(entrypoints_parse(txt, strlen(txt), &eps, &err), 0);
	assert_int_equal(eps.len, 3);
	assert_string_equal(eps.items[0].name, "a");
	assert_string_equal(eps.items[0].module, "pkg.mod");
	assert_string_equal(eps.items[0].attr, "main");
	assert_string_equal(eps.items[1].name, "b-c.d");
	assert_string_equal(eps.items[1].module, "pkg");
	assert_string_equal(eps.items[1].attr, "Cls.run");
	assert_false(eps.items[1].gui);
	assert_true(eps.items[2].gui);
	assert_int_equal(eps.items[2].line, 12);
	entrypoints_release(&eps);
	assert_int_equal(entrypoints_parse("", 0, &eps, &err), 0);
	assert_int_equal(eps.len, 0);
	entrypoints_release(&eps);
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		int r = entrypoints_parse(bad[i], strlen(bad[i]), &eps, &err);
		if (r != BURROW_EINTEGRITY)
			fail_msg("accepted: %s", bad[i]);
		assert_non_null(strstr(err.buf, "entry_points.txt:"));
		entrypoints_release(&eps);
	}
	strbuf_release(&err);
}

static void t_entrypoint_names(void **state)
{
	static const char *const ok[] = {"fancy", "fancy-gui", "pip3.11", "x_y",
	                                 "_priv", "g++",       "2to3",    "my.tool"};
	static const char *const bad[] = {
	    "",           ".",          "..",      "../x",     "a/b",           "a\\b",
	    "-rf",        ".hidden",    "a b",     "a\tb",     "a\x01",         "python",
	    "python3",    "Python3.11", "pythonw", "activate", "activate.fish", "ACTIVATE_this",
	    "caf\xc3\xa9"};
	struct strbuf err = STRBUF_INIT;
	char longname[200];
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(ok) / sizeof(*ok); i++)
		if (entrypoints_name_ok(ok[i], strlen(ok[i]), &err) != 0)
			fail_msg("refused %s: %s", ok[i], err.buf);
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (entrypoints_name_ok(bad[i], strlen(bad[i]), &err) != BURROW_EINTEGRITY)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(entrypoints_name_ok("a\0b", 3, &err), BURROW_EINTEGRITY);
	memset(longname, 'a', sizeof(longname));
	assert_int_equal(entrypoints_name_ok(longname, 129, &err), BURROW_EINTEGRITY);
	assert_int_equal(entrypoints_name_ok(longname, 128, &err), 0);
	strbuf_release(&err);
}

static void t_launcher_bytes(void **state)
{
	struct strbuf out = STRBUF_INIT;
	struct entrypoint ep = {
	    .name = (char *)"fancy", .module = (char *)"fancy", .attr = (char *)"main"};
	(void)state;

	assert_int_equal(entrypoints_launcher(&ep, &out), 0);
	assert_string_equal(out.buf, expected_launcher);
	strbuf_reset(&out);
	ep.module = (char *)"a.b";
	ep.attr = (char *)"Cls.method";
	assert_int_equal(entrypoints_launcher(&ep, &out), 0);
	assert_non_null(strstr(out.buf, "\nfrom a.b import Cls\n"));
	assert_non_null(strstr(out.buf, "\n    sys.exit(Cls.method())\n"));
	strbuf_release(&out);
}

static void t_fix_shebang(void **state)
{
	static const char *const keep[] = {"#!py\n", "#!something\n", "#something\n", "something\n",
	                                   "",       "#!pytho"};
	static const char head[] = "#!/bin/sh\n# -*- coding: utf-8 -*-\n'''':\n"
	                           "p=$(realpath -- \"$0\") && exec \"${p%/*}/python\" \"$0\" "
	                           "\"$@\"\n"
	                           "echo \"$0: cannot resolve the path of this script\" >&2; exit "
	                           "127\n'''\n";
	struct strbuf out = STRBUF_INIT, want = STRBUF_INIT;
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(keep) / sizeof(*keep); i++) {
		assert_int_equal(entrypoints_fix_shebang(keep[i], strlen(keep[i]), &out), 0);
		assert_int_equal(out.len, 0);
	}
	assert_int_equal(entrypoints_fix_shebang("#!python\nmy script", 18, &out), 1);
	strbuf_addf(&want, "%smy script", head);
	assert_string_equal(out.buf, want.buf);
	strbuf_reset(&out);
	assert_int_equal(entrypoints_fix_shebang("#!pythonw\nx\n", 12, &out), 1);
	assert_string_equal(out.buf + strlen(head), "x\n");
	strbuf_reset(&out);
	assert_int_equal(entrypoints_fix_shebang("#!python -u\r\nx\n", 15, &out), 1);
	assert_string_equal(out.buf + strlen(head), "x\n");
	strbuf_reset(&out);
	assert_int_equal(entrypoints_fix_shebang("#!python", 8, &out), 1);
	assert_string_equal(out.buf, head);
	strbuf_reset(&out);
	/* a coding cookie on line 2 stays on line 2 */
	assert_int_equal(
	    entrypoints_fix_shebang("#!python\n# -*- coding: latin-1 -*-\nx\n", 38, &out), 1);
	assert_true(strncmp(out.buf, "#!/bin/sh\n# -*- coding: latin-1 -*-\n'''':\n", 41) == 0);
	assert_non_null(strstr(out.buf, "'''\n# -*- coding: latin-1 -*-\nx\n"));
	strbuf_release(&out);
	strbuf_release(&want);
}

/* ---- launchers run --------------------------------------------------------- */

static int run(const char *path, const char *pythonpath, const char *outfile)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		char pp[512], of[512];
		char *envp[] = {(char *)"PATH=/usr/bin:/bin", pp, of, NULL};
		char *argv[] = {(char *)path, (char *)"arg one", NULL};
		snprintf(pp, sizeof(pp), "PYTHONPATH=%s", pythonpath);
		snprintf(of, sizeof(of), "OUT=%s", outfile);
		execve(path, argv, envp);
		_exit(126);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void write_file(const char *path, const char *data, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	close(fd);
}

static void t_launchers_run(void **state)
{
	char root[] = "/tmp/test_wheel_env_XXXXXX", p[1024], p2[1024], out[1024];
	struct strbuf buf = STRBUF_INIT, scr = STRBUF_INIT;
	struct entrypoint ep = {
	    .name = (char *)"app", .module = (char *)"mod", .attr = (char *)"main"};
	(void)state;

	if (access("/usr/bin/python3", X_OK) != 0 || access("/usr/bin/realpath", X_OK) != 0)
		skip();
	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/my env", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/my env/bin", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/my env/bin/python", root);
	assert_int_equal(symlink("/usr/bin/python3", p), 0);
	snprintf(p, sizeof(p), "%s/mods", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/mods/mod.py", root);
	write_file(p,
	           "import os, sys\n"
	           "def main():\n"
	           "    with open(os.environ['OUT'], 'w') as f:\n"
	           "        f.write(sys.executable + '|' + sys.argv[1])\n"
	           "    return 3\n",
	           0644);
	assert_int_equal(entrypoints_launcher(&ep, &scr), 0);
	snprintf(p, sizeof(p), "%s/my env/bin/app", root);
	write_file(p, scr.buf, 0755);
	snprintf(p2, sizeof(p2), "%s/mods", root);
	snprintf(out, sizeof(out), "%s/out", root);

	/* run directly: the interpreter beside the script, argv passed */
	assert_int_equal(run(p, p2, out), 3);
	assert_int_equal(fs_read_file(AT_FDCWD, out, 4096, &buf), 0);
	snprintf(p, sizeof(p), "%s/my env/bin/python|arg one", root);
	assert_string_equal(buf.buf, p);

	/* through a symlink from elsewhere, next to a decoy "python" */
	snprintf(p, sizeof(p), "%s/outside", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/outside/python", root);
	write_file(p, "#!/bin/sh\necho decoy > \"$OUT\"\n", 0755);
	snprintf(p, sizeof(p), "%s/outside/app", root);
	assert_int_equal(symlink("../my env/bin/app", p), 0);
	unlink(out);
	assert_int_equal(run(p, p2, out), 3);
	strbuf_reset(&buf);
	assert_int_equal(fs_read_file(AT_FDCWD, out, 4096, &buf), 0);
	snprintf(p, sizeof(p), "%s/my env/bin/python|arg one", root);
	assert_string_equal(buf.buf, p);

	/* a rewritten #!python script */
	strbuf_reset(&scr);
	assert_int_equal(
	    entrypoints_fix_shebang("#!python\nimport mod, sys\nsys.exit(mod.main())\n", 46, &scr),
	    1);
	snprintf(p, sizeof(p), "%s/my env/bin/script", root);
	write_file(p, scr.buf, 0755);
	unlink(out);
	assert_int_equal(run(p, p2, out), 3);
	strbuf_reset(&buf);
	assert_int_equal(fs_read_file(AT_FDCWD, out, 4096, &buf), 0);
	snprintf(p, sizeof(p), "%s/my env/bin/python|arg one", root);
	assert_string_equal(buf.buf, p);

	assert_int_equal(fs_remove_tree(AT_FDCWD, root), 0);
	strbuf_release(&buf);
	strbuf_release(&scr);
}

/* ---- the wheels Debian ships ------------------------------------------------ */

static void t_real_wheels(void **state)
{
	const char *dir = "/usr/share/python-wheels";
	DIR *d = opendir(dir);
	struct dirent *de;
	int seen = 0;
	(void)state;

	if (!d)
		skip();
	while ((de = readdir(d))) {
		struct filename_info fi;
		struct unpacked u;
		struct wheel_plan plan;
		struct wheel_scheme sch = venv;
		char path[1024];
		int fd, r;
		size_t i;

		if (filename_parse(de->d_name, &fi) != 0 || fi.kind != FILENAME_WHEEL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fd = open(path, O_RDONLY);
		assert_true(fd >= 0);
		memset(&u, 0, sizeof(u));
		strbuf_init(&u.err, 0);
		snprintf(u.dir, sizeof(u.dir), "/tmp/test_wheel_real_XXXXXX");
		assert_non_null(mkdtemp(u.dir));
		u.dirfd = open(u.dir, O_RDONLY | O_DIRECTORY);
		r = wheel_unpack(fd, de->d_name, fi.name, fi.version, u.dirfd, &u.info, &u.entries,
		                 &u.err);
		close(fd);
		if (r)
			fail_msg("%s: %s", de->d_name, u.err.buf);
		sch.headers = "include/site/python3.11/x";
		r = wheel_plan(u.dirfd, &u.info, &u.entries, &sch, &plan, &u.err);
		if (r)
			fail_msg("%s: plan: %s", de->d_name, u.err.buf);
		for (i = 0; i < plan.len; i++)
			assert_int_equal(strncmp(plan.items[i].dest, "..", 2) == 0, 0);
		if (!strcmp(fi.name, "pip")) {
			assert_non_null(find_dest(&plan, "bin/pip"));
			assert_non_null(find_dest(&plan, "bin/pip3"));
		}
		wheel_plan_release(&plan);
		unpacked_release(&u);
		seen++;
	}
	closedir(d);
	if (!seen)
		skip();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_good_wheel),        cmocka_unit_test(t_record_rules),
	    cmocka_unit_test(t_layout_rules),      cmocka_unit_test(t_plan),
	    cmocka_unit_test(t_plan_refusals),     cmocka_unit_test(t_plan_pycache_platlib),
	    cmocka_unit_test(t_entrypoints_parse), cmocka_unit_test(t_entrypoint_names),
	    cmocka_unit_test(t_launcher_bytes),    cmocka_unit_test(t_fix_shebang),
	    cmocka_unit_test(t_launchers_run),     cmocka_unit_test(t_real_wheels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
