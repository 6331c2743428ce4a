/*
 * elfdeps: the dynamic-loader view of an ELF file (see elfdeps.h).
 *
 * The reader works by segments, as ld.so does: PT_DYNAMIC gives the
 * dynamic entries, DT_STRTAB (an address) is mapped to a file offset
 * through the PT_LOAD segments, and every string is bounds-checked against
 * the table.  libelf does the byte-order and class conversions and checks
 * that every chunk lies inside the file.
 */
#include "elfdeps.h"

#include "util/error.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <glob.h>
#include <libelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ELFDEPS_MAX_IMAGE ((size_t)1 << 30) /* bytes of an in-memory image */
#define LDCONF_MAX_BYTES ((size_t)1 << 20)
#define LDCONF_MAX_DEPTH 16
#define LDCONF_MAX_DIRS 4096

struct load_segment {
	uint64_t vaddr, offset, filesz;
};

static int elf_err(struct strbuf *err, const char *what)
{
	const char *m = elf_errmsg(-1);
	return error_set(err, BURROW_EFAIL, "%s%s%s", what, m ? ": " : "", m ? m : "");
}

/* A NUL-terminated string of at most ELFDEPS_MAX_STRING bytes at off in
 * tab; NULL when off is outside or the string is unterminated. */
static char *table_string(const Elf_Data *tab, uint64_t off)
{
	const char *base = tab->d_buf;
	size_t room;
	const char *nul;

	if (off >= tab->d_size)
		return NULL;
	room = tab->d_size - (size_t)off;
	if (room > ELFDEPS_MAX_STRING + 1)
		room = ELFDEPS_MAX_STRING + 1;
	nul = memchr(base + off, '\0', room);
	if (!nul)
		return NULL;
	return strndup(base + off, (size_t)(nul - (base + off)));
}

static int string_field(const Elf_Data *tab, uint64_t off, const char *tag, char **out,
                        struct strbuf *err)
{
	if (!(*out = table_string(tab, off)))
		return error_set(err, BURROW_EFAIL,
		                 "%s: offset %llu: outside the string table or over %d bytes", tag,
		                 (unsigned long long)off, ELFDEPS_MAX_STRING);
	return 0;
}

static int parse_elf(Elf *e, struct elfdeps_info *out, struct strbuf *err)
{
	struct load_segment *loads = NULL;
	uint64_t dyn_off = 0, dyn_size = 0, interp_off = 0, interp_size = 0;
	uint64_t strtab = 0, strsz = 0, soname = 0, rpath = 0, runpath = 0;
	uint64_t *needed = NULL;
	int have_strtab = 0, have_strsz = 0, have_soname = 0, have_rpath = 0, have_runpath = 0;
	int have_interp = 0, r = 0;
	size_t nph = 0, nloads = 0, nneeded = 0, i;
	GElf_Ehdr eh;
	Elf_Data *dyn, *tab;

	memset(out, 0, sizeof(*out));
	if (elf_kind(e) != ELF_K_ELF)
		return error_set(err, BURROW_EFAIL, "not an ELF file");
	if (!gelf_getehdr(e, &eh))
		return elf_err(err, "ELF header");
	out->elf_class = gelf_getclass(e);
	out->machine = eh.e_machine;
	out->type = eh.e_type;
	if (elf_getphdrnum(e, &nph) != 0)
		return elf_err(err, "program headers");
	if (nph > ELFDEPS_MAX_PHDRS)
		return error_set(err, BURROW_EFAIL, "%zu program headers (at most %d)", nph,
		                 ELFDEPS_MAX_PHDRS);
	if (nph && !(loads = calloc(nph, sizeof(*loads))))
		return error_set(err, BURROW_EFAIL, "out of memory");
	for (i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, (int)i, &ph)) {
			r = elf_err(err, "program header");
			goto out;
		}
		if (ph.p_type == PT_LOAD) {
			loads[nloads].vaddr = ph.p_vaddr;
			loads[nloads].offset = ph.p_offset;
			loads[nloads].filesz = ph.p_filesz;
			nloads++;
		} else if (ph.p_type == PT_DYNAMIC && !out->dynamic) {
			out->dynamic = 1;
			dyn_off = ph.p_offset;
			dyn_size = ph.p_filesz;
		} else if (ph.p_type == PT_INTERP && !have_interp) {
			have_interp = 1;
			interp_off = ph.p_offset;
			interp_size = ph.p_filesz;
		}
	}
	if (have_interp && interp_size) {
		Elf_Data *d;
		if (interp_size > ELFDEPS_MAX_STRING + 1)
			interp_size = ELFDEPS_MAX_STRING + 1;
		d = elf_getdata_rawchunk(e, (int64_t)interp_off, (size_t)interp_size, ELF_T_BYTE);
		if (!d || !(out->interp = table_string(d, 0))) {
			r = error_set(err, BURROW_EFAIL,
			              "PT_INTERP: outside the file or unterminated");
			goto out;
		}
	}
	if (!out->dynamic || !dyn_size)
		goto out;
	{
		size_t entsize = gelf_fsize(e, ELF_T_DYN, 1, EV_CURRENT);
		if (!entsize) {
			r = elf_err(err, "dynamic segment");
			goto out;
		}
		if (dyn_size / entsize > ELFDEPS_MAX_DYN)
			dyn_size = (uint64_t)ELFDEPS_MAX_DYN * entsize;
		dyn_size -= dyn_size % entsize;
		if (!dyn_size)
			goto out;
		if (dyn_off > INT64_MAX) {
			r = error_set(err, BURROW_EFAIL,
			              "dynamic segment past the end of the file");
			goto out;
		}
	}
	dyn = elf_getdata_rawchunk(e, (int64_t)dyn_off, (size_t)dyn_size, ELF_T_DYN);
	if (!dyn) {
		r = elf_err(err, "dynamic segment past the end of the file");
		goto out;
	}
	for (i = 0; i < ELFDEPS_MAX_DYN; i++) {
		GElf_Dyn d;
		if (!gelf_getdyn(dyn, (int)i, &d) || d.d_tag == DT_NULL)
			break;
		switch (d.d_tag) {
		case DT_NEEDED:
			if (nneeded == ELFDEPS_MAX_NEEDED) {
				r = error_set(err, BURROW_EFAIL, "more than %d DT_NEEDED entries",
				              ELFDEPS_MAX_NEEDED);
				goto out;
			}
			if (!needed && !(needed = calloc(ELFDEPS_MAX_NEEDED, sizeof(*needed)))) {
				r = error_set(err, BURROW_EFAIL, "out of memory");
				goto out;
			}
			needed[nneeded++] = d.d_un.d_val;
			break;
		case DT_STRTAB:
			have_strtab = 1;
			strtab = d.d_un.d_ptr;
			break;
		case DT_STRSZ:
			have_strsz = 1;
			strsz = d.d_un.d_val;
			break;
		case DT_SONAME:
			have_soname = 1;
			soname = d.d_un.d_val;
			break;
		case DT_RPATH:
			have_rpath = 1;
			rpath = d.d_un.d_val;
			break;
		case DT_RUNPATH:
			have_runpath = 1;
			runpath = d.d_un.d_val;
			break;
		case DT_FLAGS_1:
			out->nodeflib = (d.d_un.d_val & DF_1_NODEFLIB) != 0;
			break;
		default:
			break;
		}
	}
	if (!nneeded && !have_soname && !have_rpath && !have_runpath)
		goto out;
	if (!have_strtab) {
		r = error_set(err, BURROW_EFAIL, "dynamic segment without DT_STRTAB");
		goto out;
	}
	{
		uint64_t off = 0, avail = 0;
		int mapped = 0;
		for (i = 0; i < nloads && !mapped; i++)
			if (strtab >= loads[i].vaddr && strtab - loads[i].vaddr < loads[i].filesz) {
				off = loads[i].offset + (strtab - loads[i].vaddr);
				avail = loads[i].filesz - (strtab - loads[i].vaddr);
				mapped = off >= loads[i].offset; /* no wrap-around */
			}
		if (!mapped) {
			r = error_set(err, BURROW_EFAIL,
			              "DT_STRTAB 0x%llx: not inside a loaded segment",
			              (unsigned long long)strtab);
			goto out;
		}
		if (have_strsz && strsz < avail)
			avail = strsz;
		if (avail > ELFDEPS_MAX_STRTAB)
			avail = ELFDEPS_MAX_STRTAB;
		if (!avail || off > INT64_MAX ||
		    !(tab = elf_getdata_rawchunk(e, (int64_t)off, (size_t)avail, ELF_T_BYTE))) {
			r = error_set(err, BURROW_EFAIL, "string table past the end of the file");
			goto out;
		}
	}
	if (have_soname && (r = string_field(tab, soname, "DT_SONAME", &out->soname, err)))
		goto out;
	if (have_rpath && (r = string_field(tab, rpath, "DT_RPATH", &out->rpath, err)))
		goto out;
	if (have_runpath && (r = string_field(tab, runpath, "DT_RUNPATH", &out->runpath, err)))
		goto out;
	if (nneeded && !(out->needed = calloc(nneeded, sizeof(char *)))) {
		r = error_set(err, BURROW_EFAIL, "out of memory");
		goto out;
	}
	for (i = 0; i < nneeded; i++) {
		if ((r = string_field(tab, needed[i], "DT_NEEDED", &out->needed[i], err)))
			goto out;
		out->nneeded++;
		if (!out->needed[i][0]) {
			r = error_set(err, BURROW_EFAIL, "DT_NEEDED: an empty name");
			goto out;
		}
	}
out:
	free(loads);
	free(needed);
	return r;
}

int elfdeps_parse(const void *data, size_t len, struct elfdeps_info *out, struct strbuf *err)
{
	char *copy;
	Elf *e;
	int r;

	memset(out, 0, sizeof(*out));
	if (len < 4 || memcmp(data, "\177ELF", 4))
		return error_set(err, BURROW_EFAIL, "not an ELF file");
	if (len > ELFDEPS_MAX_IMAGE)
		return error_set(err, BURROW_EFAIL, "ELF image of %zu bytes is too large", len);
	if (elf_version(EV_CURRENT) == EV_NONE)
		return elf_err(err, "libelf");
	/* libelf may convert in place: it gets a copy, never the caller's bytes. */
	if (!(copy = malloc(len)))
		return error_set(err, BURROW_EFAIL, "out of memory");
	memcpy(copy, data, len);
	e = elf_memory(copy, len);
	if (!e) {
		free(copy);
		return elf_err(err, "not an ELF file");
	}
	r = parse_elf(e, out, err);
	elf_end(e);
	free(copy);
	if (r)
		elfdeps_release(out);
	return r;
}

int elfdeps_read_fd(int fd, struct elfdeps_info *out, struct strbuf *err)
{
	Elf *e;
	int r;

	memset(out, 0, sizeof(*out));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return elf_err(err, "libelf");
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e)
		return elf_err(err, "not an ELF file");
	r = parse_elf(e, out, err);
	elf_end(e);
	if (r)
		elfdeps_release(out);
	return r;
}

void elfdeps_release(struct elfdeps_info *info)
{
	size_t i;

	for (i = 0; i < info->nneeded; i++)
		free(info->needed[i]);
	free(info->needed);
	free(info->interp);
	free(info->soname);
	free(info->rpath);
	free(info->runpath);
	memset(info, 0, sizeof(*info));
}

/* Length of the token at s (after '$') if it is the dynamic string token
 * name; 0 otherwise.  *value_name_len gets the length of name. */
static size_t dst_match(const char *s, size_t len, const char *name)
{
	size_t n = strlen(name);

	if (len > 0 && s[0] == '{') {
		if (len >= n + 2 && !strncmp(s + 1, name, n) && s[n + 1] == '}')
			return n + 2;
		return 0;
	}
	if (len >= n && !strncmp(s, name, n) && (len == n || s[n] == '/'))
		return n;
	return 0;
}

int elfdeps_expand(const char *element, size_t len, const char *origin, const char *lib,
                   const char *platform, struct strbuf *out)
{
	size_t i = 0;

	while (i < len) {
		const char *names[] = {"ORIGIN", "LIB", "PLATFORM"};
		const char *values[] = {origin, lib, platform};
		size_t k, used = 0;

		if (element[i] != '$') {
			const char *d = memchr(element + i, '$', len - i);
			size_t n = d ? (size_t)(d - (element + i)) : len - i;
			strbuf_add(out, element + i, n);
			i += n;
			continue;
		}
		for (k = 0; k < 3 && !used; k++) {
			used = dst_match(element + i + 1, len - i - 1, names[k]);
			if (used) {
				if (!values[k])
					return -1;
				strbuf_addstr(out, values[k]);
			}
		}
		if (!used)
			strbuf_addch(out, '$');
		i += 1 + used;
	}
	return 0;
}

void elfdeps_normalize(const char *path, struct strbuf *out)
{
	const size_t base = out->len;
	const int absolute = path[0] == '/';
	const size_t floor = base + (absolute ? 1 : 0); /* where components start */
	const char *p = path;

	if (absolute)
		strbuf_addch(out, '/');
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			size_t start = out->len;
			while (start > floor && out->buf[start - 1] != '/')
				start--;
			if (out->len > floor &&
			    !(out->len - start == 2 && !strncmp(out->buf + start, "..", 2)))
				strbuf_setlen(out, start > floor ? start - 1 : floor);
			else if (!absolute)
				strbuf_addstr(out, out->len > floor ? "/.." : "..");
			/* "/.." is "/" */
		} else {
			if (out->len > floor)
				strbuf_addch(out, '/');
			strbuf_add(out, p, n);
		}
		p += n;
		while (*p == '/')
			p++;
	}
	if (out->len == base)
		strbuf_addch(out, '.');
}

/* 1 when path is an ELF file of the given class and machine. */
static int compatible(const char *path, int elf_class, unsigned machine)
{
	unsigned char h[20];
	unsigned m;
	ssize_t n;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	n = pread(fd, h, sizeof(h), 0);
	close(fd);
	if (n != (ssize_t)sizeof(h) || memcmp(h, "\177ELF", 4))
		return 0;
	if (h[EI_CLASS] != elf_class)
		return 0;
	m = h[EI_DATA] == ELFDATA2MSB ? ((unsigned)h[18] << 8 | h[19])
	                              : ((unsigned)h[19] << 8 | h[18]);
	return m == machine;
}

/* Tries each element of list (separated by any of seps) for name. */
static int try_list(const struct elfdeps_info *info, const char *origin, const char *name,
                    const struct elfdeps_search *s, const char *list, const char *seps,
                    enum elfdeps_via via, struct elfdeps_resolved *out)
{
	struct strbuf dir = STRBUF_INIT, cand = STRBUF_INIT;
	const char *p = list;
	int found = 0;

	for (;;) {
		size_t n = strcspn(p, seps);

		strbuf_reset(&dir);
		if (elfdeps_expand(p, n, origin, s->lib, s->platform, &dir) == 0 && dir.len &&
		    dir.buf[0] == '/') {
			strbuf_reset(&cand);
			strbuf_addf(&cand, "%s/%s", dir.buf, name);
			if (compatible(cand.buf, info->elf_class, info->machine)) {
				strbuf_reset(&out->path);
				elfdeps_normalize(cand.buf, &out->path);
				out->via = via;
				found = 1;
				break;
			}
		}
		if (!p[n])
			break;
		p += n + 1;
	}
	strbuf_release(&dir);
	strbuf_release(&cand);
	return found;
}

int elfdeps_resolve(const struct elfdeps_info *info, const char *origin, const char *name,
                    const struct elfdeps_search *search, struct elfdeps_resolved *out,
                    struct strbuf *err)
{
	size_t i;

	strbuf_reset(&out->path);
	out->via = ELFDEPS_NOT_FOUND;
	out->relative = 0;
	if (strchr(name, '/')) {
		struct stat st;
		if (name[0] == '/')
			elfdeps_normalize(name, &out->path);
		else
			strbuf_addstr(&out->path, name);
		out->relative = name[0] != '/';
		if (out->relative || stat(out->path.buf, &st) == 0)
			out->via = ELFDEPS_PATH;
		return 0;
	}
	if (!info->runpath && info->rpath &&
	    try_list(info, origin, name, search, info->rpath, ":", ELFDEPS_RPATH, out))
		return 0;
	if (search->ld_library_path && try_list(info, origin, name, search, search->ld_library_path,
	                                        ":;", ELFDEPS_LD_LIBRARY_PATH, out))
		return 0;
	if (info->runpath &&
	    try_list(info, origin, name, search, info->runpath, ":", ELFDEPS_RUNPATH, out))
		return 0;
	if (info->nodeflib)
		return 0;
	for (i = 0; i < search->nsystem; i++)
		if (try_list(info, origin, name, search, search->system_dirs[i], "", ELFDEPS_SYSTEM,
		             out))
			return 0;
	(void)err;
	return 0;
}

static void relative_in(const char *list, const char *origin, const struct elfdeps_search *s,
                        struct strbuf *out)
{
	struct strbuf dir = STRBUF_INIT;
	const char *p = list;

	for (;;) {
		size_t n = strcspn(p, ":");

		strbuf_reset(&dir);
		if (elfdeps_expand(p, n, origin, s->lib, s->platform, &dir) == 0 &&
		    (!dir.len || dir.buf[0] != '/')) {
			strbuf_add(out, p, n);
			strbuf_addch(out, '\n');
		}
		if (!p[n])
			break;
		p += n + 1;
	}
	strbuf_release(&dir);
}

void elfdeps_relative_elements(const struct elfdeps_info *info, const char *origin,
                               const struct elfdeps_search *search, struct strbuf *out)
{
	if (!info->runpath && info->rpath)
		relative_in(info->rpath, origin, search, out);
	if (info->runpath)
		relative_in(info->runpath, origin, search, out);
}

int elfdeps_ldconf_parse(const char *text, size_t len, struct strbuf *out)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		const char *hash = memchr(p, '#', (size_t)(e - p));
		const char *s = p, *t = hash ? hash : e;

		while (s < t && (*s == ' ' || *s == '\t' || *s == '\r'))
			s++;
		while (t > s && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\r'))
			t--;
		if (t - s > 8 && !strncmp(s, "include", 7) && (s[7] == ' ' || s[7] == '\t')) {
			/* "include a b": each word a glob */
			const char *w = s + 8;
			while (w < t) {
				const char *we;
				while (w < t && (*w == ' ' || *w == '\t'))
					w++;
				we = w;
				while (we < t && *we != ' ' && *we != '\t')
					we++;
				if (we > w) {
					if (strbuf_addstr(out, *w == '/' ? "+" : "+/etc/") < 0 ||
					    strbuf_add(out, w, (size_t)(we - w)) < 0 ||
					    strbuf_addch(out, '\n') < 0)
						return -1;
				}
				w = we;
			}
		} else if (t - s > 5 && !strncmp(s, "hwcap", 5) && (s[5] == ' ' || s[5] == '\t')) {
			/* legacy hwcap subdirectories: not modelled */
		} else if (t > s) {
			/* Entries may also be separated by ':' ',' or blanks. */
			while (s < t) {
				const char *we, *eq;
				while (s < t && strchr(" \t:,", *s))
					s++;
				we = s;
				while (we < t && !strchr(" \t:,", *we))
					we++;
				eq = memchr(s, '=', (size_t)(we - s));
				if (we > s && *s == '/') {
					const char *stop = eq ? eq : we;
					while (stop > s + 1 && stop[-1] == '/')
						stop--;
					if (strbuf_add(out, s, (size_t)(stop - s)) < 0 ||
					    strbuf_addch(out, '\n') < 0)
						return -1;
				}
				s = we;
			}
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

static int read_small(const char *path, struct strbuf *out)
{
	char buf[8192];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (out->len + (size_t)n > LDCONF_MAX_BYTES ||
		    strbuf_add(out, buf, (size_t)n) < 0) {
			close(fd);
			return -1;
		}
	}
	close(fd);
	return n < 0 ? -1 : 0;
}

static void ldconf_load(const char *path, int depth, struct strbuf *dirs)
{
	struct strbuf text = STRBUF_INIT, lines = STRBUF_INIT;
	const char *p;

	if (depth > LDCONF_MAX_DEPTH || read_small(path, &text) < 0) {
		strbuf_release(&text);
		return;
	}
	elfdeps_ldconf_parse(text.buf, text.len, &lines);
	for (p = lines.buf; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		glob_t g;
		size_t i;
		char *pattern;

		if (*p != '+') {
			strbuf_add(dirs, p, n);
			strbuf_addch(dirs, '\n');
		} else if ((pattern = strndup(p + 1, n - 1))) {
			if (glob(pattern, 0, NULL, &g) == 0) {
				for (i = 0; i < g.gl_pathc; i++)
					ldconf_load(g.gl_pathv[i], depth + 1, dirs);
				globfree(&g);
			}
			free(pattern);
		}
		p += n + (nl ? 1 : 0);
	}
	strbuf_release(&text);
	strbuf_release(&lines);
}

void elfdeps_dirs_free(char **dirs)
{
	size_t i;

	for (i = 0; dirs && dirs[i]; i++)
		free(dirs[i]);
	free(dirs);
}

int elfdeps_system_dirs(const char *conf, int elf_class, unsigned machine, char ***dirs,
                        size_t *ndirs, struct strbuf *err)
{
	static const char *const x86_64[] = {"/lib/x86_64-linux-gnu",
	                                     "/usr/lib/x86_64-linux-gnu",
	                                     "/lib64",
	                                     "/usr/lib64",
	                                     "/lib",
	                                     "/usr/lib"};
	static const char *const i386[] = {"/lib/i386-linux-gnu",
	                                   "/usr/lib/i386-linux-gnu",
	                                   "/lib32",
	                                   "/usr/lib32",
	                                   "/lib",
	                                   "/usr/lib"};
	static const char *const other[] = {"/lib", "/usr/lib"};
	const char *const *defaults = other;
	size_t ndefaults = 2, n = 0, i;
	struct strbuf all = STRBUF_INIT;
	char **v;
	const char *p;

	if (elf_class == ELFCLASS64 && machine == EM_X86_64) {
		defaults = x86_64;
		ndefaults = 6;
	} else if (elf_class == ELFCLASS32 && machine == EM_386) {
		defaults = i386;
		ndefaults = 6;
	}
	ldconf_load(conf ? conf : "/etc/ld.so.conf", 0, &all);
	for (i = 0; i < ndefaults; i++)
		strbuf_addf(&all, "%s\n", defaults[i]);
	v = calloc(LDCONF_MAX_DIRS + 1, sizeof(char *));
	if (!v) {
		strbuf_release(&all);
		return error_set(err, BURROW_EFAIL, "out of memory");
	}
	for (p = all.buf; *p && n < LDCONF_MAX_DIRS;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		int dup = 0;

		for (i = 0; i < n && !dup; i++)
			dup = strlen(v[i]) == len && !strncmp(v[i], p, len);
		if (!dup && !(v[n++] = strndup(p, len))) {
			elfdeps_dirs_free(v);
			strbuf_release(&all);
			return error_set(err, BURROW_EFAIL, "out of memory");
		}
		p = nl ? nl + 1 : p + len;
	}
	strbuf_release(&all);
	*dirs = v;
	*ndirs = n;
	return 0;
}

int elfdeps_is_glibc(const char *name)
{
	static const char *const exact[] = {
	    "libc.so.6",          "libm.so.6",
	    "libpthread.so.0",    "libdl.so.2",
	    "librt.so.1",         "libresolv.so.2",
	    "libutil.so.1",       "libanl.so.1",
	    "libnsl.so.1",        "libBrokenLocale.so.1",
	    "libmvec.so.1",       "libc_malloc_debug.so.0",
	    "libthread_db.so.1",  "libmemusage.so",
	    "libpcprofile.so",    "libnss_files.so.2",
	    "libnss_dns.so.2",    "libnss_compat.so.2",
	    "libnss_hesiod.so.2",
	};
	size_t i;

	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (!strcmp(name, exact[i]))
			return 1;
	if ((!strncmp(name, "ld-linux", 8) || !strncmp(name, "ld64.so.", 8)) &&
	    strstr(name, ".so.") && !strchr(name, '/'))
		return 1;
	return 0;
}
