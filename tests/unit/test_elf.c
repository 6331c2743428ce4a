/*
 * test_elf: the ELF dynamic-section reader (elfdeps_parse, elfdeps_read_fd)
 * on images built here byte by byte and on this very program, and the
 * ld.so model around it: $ORIGIN expansion, lexical normalisation,
 * ld.so.conf, the search order, glibc's own names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "elfdeps.h"
#include "util/error.h"

#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BASE 0x400000u

struct image_opts {
	int rpath;           /* DT_RPATH instead of DT_RUNPATH */
	int nodeflib;        /* DF_1_NODEFLIB */
	const char *path;    /* the RUNPATH/RPATH text; NULL: none */
	const char *needed2; /* a second DT_NEEDED, or NULL */
	int bad_strtab;      /* DT_STRTAB outside every PT_LOAD */
	int bad_needed;      /* a DT_NEEDED offset past the table */
	int no_dynamic;      /* no PT_DYNAMIC */
	uint16_t machine;    /* 0: EM_X86_64 */
};

static void put(struct strbuf *sb, const void *p, size_t n)
{
	assert_int_equal(strbuf_add(sb, p, n), 0);
}

/* A minimal 64-bit little-endian shared object: ELF header, two program
 * headers (PT_LOAD over the whole file, PT_DYNAMIC), the string table,
 * then the dynamic entries. */
static void make_image(struct strbuf *out, const struct image_opts *o)
{
	struct strbuf strtab = STRBUF_INIT;
	Elf64_Ehdr eh;
	Elf64_Phdr ph[2];
	Elf64_Dyn dyn[10];
	size_t nd = 0, off_needed1, off_needed2 = 0, off_path = 0, off_soname, strtab_off, dyn_off,
	       total, nph = o->no_dynamic ? 1 : 2;

	strbuf_addch(&strtab, '\0');
	off_needed1 = strtab.len;
	strbuf_add(&strtab, "libfoo.so.1", 12);
	if (o->needed2) {
		off_needed2 = strtab.len;
		strbuf_add(&strtab, o->needed2, strlen(o->needed2) + 1);
	}
	if (o->path) {
		off_path = strtab.len;
		strbuf_add(&strtab, o->path, strlen(o->path) + 1);
	}
	off_soname = strtab.len;
	strbuf_add(&strtab, "libme.so.1", 11);
	strtab_off = sizeof(eh) + sizeof(ph);
	dyn_off = (strtab_off + strtab.len + 7) & ~(size_t)7;

	dyn[nd].d_tag = DT_NEEDED, dyn[nd++].d_un.d_val = o->bad_needed ? 100000 : off_needed1;
	if (o->needed2)
		dyn[nd].d_tag = DT_NEEDED, dyn[nd++].d_un.d_val = off_needed2;
	if (o->path)
		dyn[nd].d_tag = o->rpath ? DT_RPATH : DT_RUNPATH, dyn[nd++].d_un.d_val = off_path;
	dyn[nd].d_tag = DT_SONAME, dyn[nd++].d_un.d_val = off_soname;
	dyn[nd].d_tag = DT_STRTAB, dyn[nd++].d_un.d_ptr = o->bad_strtab ? 0x10 : BASE + strtab_off;
	dyn[nd].d_tag = DT_STRSZ, dyn[nd++].d_un.d_val = strtab.len;
	if (o->nodeflib)
		dyn[nd].d_tag = DT_FLAGS_1, dyn[nd++].d_un.d_val = DF_1_NODEFLIB;
	dyn[nd].d_tag = DT_NULL, dyn[nd++].d_un.d_val = 0;
	total = dyn_off + nd * sizeof(Elf64_Dyn);

	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_DYN;
	eh.e_machine = o->machine ? o->machine : EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = (Elf64_Half)nph;
	memset(ph, 0, sizeof(ph));
	ph[0].p_type = PT_LOAD;
	ph[0].p_vaddr = ph[0].p_paddr = BASE;
	ph[0].p_filesz = ph[0].p_memsz = total;
	ph[0].p_align = 0x1000;
	ph[1].p_type = o->no_dynamic ? PT_NULL : PT_DYNAMIC;
	ph[1].p_offset = dyn_off;
	ph[1].p_vaddr = ph[1].p_paddr = BASE + dyn_off;
	ph[1].p_filesz = ph[1].p_memsz = nd * sizeof(Elf64_Dyn);
	ph[1].p_align = 8;

	put(out, &eh, sizeof(eh));
	put(out, ph, sizeof(ph));
	put(out, strtab.buf, strtab.len);
	while (out->len < dyn_off)
		strbuf_addch(out, '\0');
	put(out, dyn, nd * sizeof(Elf64_Dyn));
	strbuf_release(&strtab);
}

static void test_parse_image(void **state)
{
	struct strbuf img = STRBUF_INIT, err = STRBUF_INIT;
	struct elfdeps_info info;
	struct image_opts o = {.path = "$ORIGIN/../lib:/opt/x", .needed2 = "libc.so.6"};

	(void)state;
	make_image(&img, &o);
	assert_int_equal(elfdeps_parse(img.buf, img.len, &info, &err), 0);
	assert_int_equal(info.elf_class, ELFCLASS64);
	assert_int_equal(info.machine, EM_X86_64);
	assert_int_equal(info.type, ET_DYN);
	assert_int_equal(info.dynamic, 1);
	assert_int_equal(info.nneeded, 2);
	assert_string_equal(info.needed[0], "libfoo.so.1");
	assert_string_equal(info.needed[1], "libc.so.6");
	assert_string_equal(info.runpath, "$ORIGIN/../lib:/opt/x");
	assert_null(info.rpath);
	assert_string_equal(info.soname, "libme.so.1");
	assert_int_equal(info.nodeflib, 0);
	elfdeps_release(&info);
	elfdeps_release(&info); /* twice is fine */

	strbuf_reset(&img);
	o.rpath = 1;
	o.nodeflib = 1;
	make_image(&img, &o);
	assert_int_equal(elfdeps_parse(img.buf, img.len, &info, &err), 0);
	assert_string_equal(info.rpath, "$ORIGIN/../lib:/opt/x");
	assert_null(info.runpath);
	assert_int_equal(info.nodeflib, 1);
	elfdeps_release(&info);

	strbuf_reset(&img);
	memset(&o, 0, sizeof(o));
	o.no_dynamic = 1;
	make_image(&img, &o);
	assert_int_equal(elfdeps_parse(img.buf, img.len, &info, &err), 0);
	assert_int_equal(info.dynamic, 0);
	assert_int_equal(info.nneeded, 0);
	elfdeps_release(&info);
	strbuf_release(&img);
	strbuf_release(&err);
}

static void test_parse_bad(void **state)
{
	struct strbuf img = STRBUF_INIT, err = STRBUF_INIT;
	struct elfdeps_info info;
	struct image_opts o = {0};
	size_t cut;

	(void)state;
	assert_int_equal(elfdeps_parse("", 0, &info, &err), BURROW_EFAIL);
	assert_string_equal(err.buf, "not an ELF file");
	assert_int_equal(elfdeps_parse("#!/bin/sh\n", 10, &info, &err), BURROW_EFAIL);
	assert_int_equal(elfdeps_parse("\177ELF", 4, &info, &err), BURROW_EFAIL);

	o.bad_strtab = 1;
	make_image(&img, &o);
	assert_int_equal(elfdeps_parse(img.buf, img.len, &info, &err), BURROW_EFAIL);
	assert_non_null(strstr(err.buf, "DT_STRTAB"));

	strbuf_reset(&img);
	memset(&o, 0, sizeof(o));
	o.bad_needed = 1;
	make_image(&img, &o);
	assert_int_equal(elfdeps_parse(img.buf, img.len, &info, &err), BURROW_EFAIL);
	assert_non_null(strstr(err.buf, "DT_NEEDED"));

	/* every truncation fails cleanly or parses (never reads past the end) */
	strbuf_reset(&img);
	memset(&o, 0, sizeof(o));
	o.path = "/x";
	make_image(&img, &o);
	for (cut = 0; cut < img.len; cut++) {
		if (elfdeps_parse(img.buf, cut, &info, &err) == 0)
			elfdeps_release(&info);
		else
			assert_true(err.len > 0);
	}
	strbuf_release(&img);
	strbuf_release(&err);
}

/* This program itself: a real PIE linked against libc, read both ways. */
static void test_self(void **state)
{
	struct strbuf err = STRBUF_INIT, data = STRBUF_INIT;
	struct elfdeps_info a, b;
	char buf[65536];
	ssize_t n;
	size_t i;
	int fd = open("/proc/self/exe", O_RDONLY), libc = 0;

	(void)state;
	assert_true(fd >= 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		strbuf_add(&data, buf, (size_t)n);
	assert_int_equal(elfdeps_read_fd(fd, &a, &err), 0);
	close(fd);
	assert_int_equal(elfdeps_parse(data.buf, data.len, &b, &err), 0);
	assert_int_equal(a.nneeded, b.nneeded);
	for (i = 0; i < a.nneeded; i++) {
		assert_string_equal(a.needed[i], b.needed[i]);
		libc |= !strcmp(a.needed[i], "libc.so.6");
	}
	assert_true(libc);
	assert_non_null(a.interp);
	assert_non_null(strstr(a.interp, "ld-linux"));
	elfdeps_release(&a);
	elfdeps_release(&b);
	strbuf_release(&data);
	strbuf_release(&err);
}

static void expand_is(const char *in, const char *want)
{
	struct strbuf out = STRBUF_INIT;

	if (!want) {
		assert_int_equal(elfdeps_expand(in, strlen(in), NULL, "lib/x", "x86_64", &out), -1);
	} else {
		assert_int_equal(
		    elfdeps_expand(in, strlen(in), "/env/bin", "lib/x", "x86_64", &out), 0);
		assert_string_equal(out.buf, want);
	}
	strbuf_release(&out);
}

static void test_expand(void **state)
{
	(void)state;
	expand_is("$ORIGIN/../lib", "/env/bin/../lib");
	expand_is("${ORIGIN}/../lib", "/env/bin/../lib");
	expand_is("${ORIGIN}lib", "/env/binlib");
	expand_is("$ORIGIN", "/env/bin");
	expand_is("$ORIGINAL/x", "$ORIGINAL/x"); /* not a token: kept */
	expand_is("/usr/$LIB/$PLATFORM", "/usr/lib/x/x86_64");
	expand_is("/a/${LIB}", "/a/lib/x");
	expand_is("/a$", "/a$");
	expand_is("${ORIGIN", "${ORIGIN");
	expand_is("/plain", "/plain");
	expand_is("$ORIGIN/x", NULL); /* no origin: ld.so drops the element */
	expand_is("/x/$LIB", "/x/lib/x");
}

static void norm_is(const char *in, const char *want)
{
	struct strbuf out = STRBUF_INIT;

	elfdeps_normalize(in, &out);
	assert_string_equal(out.buf, want);
	strbuf_release(&out);
}

static void test_normalize(void **state)
{
	(void)state;
	norm_is("/env/bin/../lib/libz.so.1", "/env/lib/libz.so.1");
	norm_is("//a/./b//c/", "/a/b/c");
	norm_is("/..", "/");
	norm_is("/../../x", "/x");
	norm_is("/a/b/../../..", "/");
	norm_is("/", "/");
	norm_is("a/../../b", "../b");
	norm_is("../../a", "../../a");
	norm_is("a/..", ".");
	norm_is("", ".");
}

static void test_ldconf(void **state)
{
	struct strbuf out = STRBUF_INIT;
	const char *text = "# comment\n"
	                   "include /etc/ld.so.conf.d/*.conf\n"
	                   "include   rel/*.conf other.conf\n"
	                   "/usr/local/lib  # trailing\n"
	                   "  /opt/a:/opt/b,/opt/c \t/opt/d/\r\n"
	                   "/old/libc5=libc5\n"
	                   "hwcap 0 nosegneg\n"
	                   "relative/dir\n"
	                   "/last";

	(void)state;
	assert_int_equal(elfdeps_ldconf_parse(text, strlen(text), &out), 0);
	assert_string_equal(out.buf,
	                    "+/etc/ld.so.conf.d/*.conf\n+/etc/rel/*.conf\n+/etc/other.conf\n"
	                    "/usr/local/lib\n/opt/a\n/opt/b\n/opt/c\n/opt/d\n/old/libc5\n"
	                    "/last\n");
	strbuf_release(&out);
}

static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_elf.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
}

static void write_file(const char *rel, const void *data, size_t len)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void test_system_dirs(void **state)
{
	struct strbuf err = STRBUF_INIT, p = STRBUF_INIT;
	char **dirs;
	size_t n;

	(void)state;
	make_tmpdir();
	strbuf_addf(&p, "%s/d", tmpdir);
	assert_int_equal(mkdir(p.buf, 0755), 0);
	strbuf_reset(&p);
	strbuf_addf(&p, "/first\ninclude %s/d/*.conf\n/usr/lib\n", tmpdir);
	write_file("ld.so.conf", p.buf, p.len);
	write_file("d/b.conf", "/from/b\n", 8);
	write_file("d/a.conf", "/from/a\n/first\n", 15);
	strbuf_reset(&p);
	strbuf_addf(&p, "%s/ld.so.conf", tmpdir);
	assert_int_equal(elfdeps_system_dirs(p.buf, ELFCLASS64, EM_X86_64, &dirs, &n, &err), 0);
	assert_int_equal(n, 9);
	assert_string_equal(dirs[0], "/first");
	assert_string_equal(dirs[1], "/from/a"); /* glob order */
	assert_string_equal(dirs[2], "/from/b");
	assert_string_equal(dirs[3], "/usr/lib");
	assert_string_equal(dirs[4], "/lib/x86_64-linux-gnu");
	assert_string_equal(dirs[8], "/lib"); /* /usr/lib already listed */
	assert_null(dirs[9]);
	elfdeps_dirs_free(dirs);
	/* no conf at all: the defaults */
	assert_int_equal(elfdeps_system_dirs("/nonexistent", ELFCLASS32, EM_386, &dirs, &n, &err),
	                 0);
	assert_int_equal(n, 6);
	assert_string_equal(dirs[0], "/lib/i386-linux-gnu");
	elfdeps_dirs_free(dirs);
	strbuf_release(&p);
	strbuf_release(&err);
	remove_tmpdir();
}

static void test_resolve(void **state)
{
	struct strbuf img = STRBUF_INIT, other = STRBUF_INIT, err = STRBUF_INIT,
	              origin = STRBUF_INIT, sys = STRBUF_INIT, want = STRBUF_INIT,
	              rel = STRBUF_INIT;
	struct image_opts o = {.path = "$ORIGIN/../lib:lib:"};
	struct image_opts arm = {.machine = EM_AARCH64};
	struct elfdeps_resolved res = {ELFDEPS_NOT_FOUND, STRBUF_INIT, 0};
	struct elfdeps_info info;
	struct elfdeps_search s;
	char *dirs[2];

	(void)state;
	make_tmpdir();
	/* tmpdir: env/bin, env/lib/libfoo.so.1, sys/libbar.so.2, sys/libarm.so
	 * (another machine: skipped) */
	make_image(&img, &o);
	make_image(&other, &arm);
	strbuf_addf(&sys, "%s/env", tmpdir);
	assert_int_equal(mkdir(sys.buf, 0755), 0);
	strbuf_addstr(&sys, "/bin");
	assert_int_equal(mkdir(sys.buf, 0755), 0);
	strbuf_reset(&sys);
	strbuf_addf(&sys, "%s/env/lib", tmpdir);
	assert_int_equal(mkdir(sys.buf, 0755), 0);
	strbuf_reset(&sys);
	strbuf_addf(&sys, "%s/sys", tmpdir);
	assert_int_equal(mkdir(sys.buf, 0755), 0);
	write_file("env/lib/libfoo.so.1", img.buf, img.len);
	write_file("sys/libbar.so.2", img.buf, img.len);
	write_file("sys/libarm.so", other.buf, other.len);
	write_file("sys/libtext.so", "not elf", 7);
	strbuf_addf(&origin, "%s/env/bin", tmpdir);

	assert_int_equal(elfdeps_parse(img.buf, img.len, &info, &err), 0);
	memset(&s, 0, sizeof(s));
	dirs[0] = sys.buf;
	dirs[1] = NULL;
	s.system_dirs = dirs;
	s.nsystem = 1;
	s.lib = "lib";
	s.platform = "x86_64";

	assert_int_equal(elfdeps_resolve(&info, origin.buf, "libfoo.so.1", &s, &res, &err), 0);
	assert_int_equal(res.via, ELFDEPS_RUNPATH);
	strbuf_addf(&want, "%s/env/lib/libfoo.so.1", tmpdir);
	assert_string_equal(res.path.buf, want.buf);

	assert_int_equal(elfdeps_resolve(&info, origin.buf, "libbar.so.2", &s, &res, &err), 0);
	assert_int_equal(res.via, ELFDEPS_SYSTEM);
	assert_non_null(strstr(res.path.buf, "/sys/libbar.so.2"));

	assert_int_equal(elfdeps_resolve(&info, origin.buf, "libarm.so", &s, &res, &err), 0);
	assert_int_equal(res.via, ELFDEPS_NOT_FOUND);
	assert_int_equal(elfdeps_resolve(&info, origin.buf, "libtext.so", &s, &res, &err), 0);
	assert_int_equal(res.via, ELFDEPS_NOT_FOUND);

	/* LD_LIBRARY_PATH comes before RUNPATH */
	s.ld_library_path = sys.buf;
	assert_int_equal(elfdeps_resolve(&info, origin.buf, "libbar.so.2", &s, &res, &err), 0);
	assert_int_equal(res.via, ELFDEPS_LD_LIBRARY_PATH);
	s.ld_library_path = NULL;

	/* a name with a slash is a path */
	assert_int_equal(elfdeps_resolve(&info, origin.buf, "./libx.so", &s, &res, &err), 0);
	assert_int_equal(res.via, ELFDEPS_PATH);
	assert_int_equal(res.relative, 1);
	assert_int_equal(elfdeps_resolve(&info, origin.buf, want.buf, &s, &res, &err), 0);
	assert_int_equal(res.via, ELFDEPS_PATH);
	assert_int_equal(res.relative, 0);

	/* the relative elements: "lib" and "" (the working directory) */
	elfdeps_relative_elements(&info, origin.buf, &s, &rel);
	assert_string_equal(rel.buf, "lib\n\n");

	/* DF_1_NODEFLIB: no system dirs */
	info.nodeflib = 1;
	assert_int_equal(elfdeps_resolve(&info, origin.buf, "libbar.so.2", &s, &res, &err), 0);
	assert_int_equal(res.via, ELFDEPS_NOT_FOUND);
	info.nodeflib = 0;
	/* RPATH is ignored when RUNPATH is there, used when it is not */
	info.rpath = strdup(sys.buf);
	assert_int_equal(elfdeps_resolve(&info, origin.buf, "libbar.so.2", &s, &res, &err), 0);
	assert_int_equal(res.via, ELFDEPS_SYSTEM);
	free(info.runpath);
	info.runpath = NULL;
	assert_int_equal(elfdeps_resolve(&info, origin.buf, "libbar.so.2", &s, &res, &err), 0);
	assert_int_equal(res.via, ELFDEPS_RPATH);

	elfdeps_release(&info);
	strbuf_release(&res.path);
	strbuf_release(&img);
	strbuf_release(&other);
	strbuf_release(&err);
	strbuf_release(&origin);
	strbuf_release(&sys);
	strbuf_release(&want);
	strbuf_release(&rel);
	remove_tmpdir();
}

static void test_glibc(void **state)
{
	(void)state;
	assert_true(elfdeps_is_glibc("libc.so.6"));
	assert_true(elfdeps_is_glibc("libm.so.6"));
	assert_true(elfdeps_is_glibc("libpthread.so.0"));
	assert_true(elfdeps_is_glibc("ld-linux-x86-64.so.2"));
	assert_true(elfdeps_is_glibc("ld-linux.so.2"));
	assert_true(elfdeps_is_glibc("libnss_files.so.2"));
	assert_false(elfdeps_is_glibc("libcrypt.so.1"));
	assert_false(elfdeps_is_glibc("libz.so.1"));
	assert_false(elfdeps_is_glibc("libstdc++.so.6"));
	assert_false(elfdeps_is_glibc("libc.so.6.evil"));
	assert_false(elfdeps_is_glibc("/lib/ld-linux.so.2"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_image), cmocka_unit_test(test_parse_bad),
	    cmocka_unit_test(test_self),        cmocka_unit_test(test_expand),
	    cmocka_unit_test(test_normalize),   cmocka_unit_test(test_ldconf),
	    cmocka_unit_test(test_system_dirs), cmocka_unit_test(test_resolve),
	    cmocka_unit_test(test_glibc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
