/*
 * elfdeps: what an ELF file asks the dynamic loader for, and where ld.so
 * would find it.  Reads the program headers and the PT_DYNAMIC segment
 * through libelf (DT_NEEDED, DT_RPATH, DT_RUNPATH, DT_SONAME, DF_1_NODEFLIB,
 * PT_INTERP), the way ld.so does: by segments, so stripped section headers
 * do not matter.  Then resolves each needed name as glibc's ld.so would:
 * DT_RPATH (only without DT_RUNPATH), LD_LIBRARY_PATH, DT_RUNPATH, the
 * directories of /etc/ld.so.conf (standing in for /etc/ld.so.cache), then
 * the default directories.
 *
 * Named elfdeps, not elf: a src/elf.h would shadow the system <elf.h> that
 * <gelf.h> includes (-Isrc comes first).
 *
 * Limits of the model (best effort, documented in README.md): an object is
 * resolved alone (the DT_RPATH of the program that loads a library, and
 * libraries already loaded under the same soname, are not considered);
 * glibc-hwcaps subdirectories are not searched.
 */
#ifndef BURROW_ELFDEPS_H
#define BURROW_ELFDEPS_H

#include "util/strbuf.h"

#include <stddef.h>

#define ELFDEPS_MAX_PHDRS 4096        /* program headers */
#define ELFDEPS_MAX_DYN 65536         /* entries of the dynamic segment */
#define ELFDEPS_MAX_NEEDED 4096       /* DT_NEEDED entries */
#define ELFDEPS_MAX_STRING 4096       /* bytes of one name or search path */
#define ELFDEPS_MAX_STRTAB (64 << 20) /* bytes of the dynamic string table read */

struct elfdeps_info {
	int elf_class;    /* ELFCLASS32 or ELFCLASS64 */
	unsigned machine; /* e_machine (EM_X86_64, ...) */
	unsigned type;    /* e_type (ET_EXEC, ET_DYN, ...) */
	int dynamic;      /* 1 when there is a PT_DYNAMIC segment */
	int nodeflib;     /* DF_1_NODEFLIB: no ld.so.cache, no default dirs */
	char *interp;     /* PT_INTERP, or NULL */
	char *soname;     /* DT_SONAME, or NULL */
	char *rpath;      /* DT_RPATH, or NULL */
	char *runpath;    /* DT_RUNPATH, or NULL */
	char **needed;    /* DT_NEEDED in file order */
	size_t nneeded;
};

/* Parses an ELF image in memory (hostile bytes: every offset and count is
 * checked; the bytes are copied, never written).  On success the caller
 * owns out (elfdeps_release, also safe on a zeroed struct and after a
 * failure).  An image without PT_DYNAMIC (static program, relocatable
 * object) succeeds with dynamic = 0 and nothing needed.  Fails with
 * BURROW_EFAIL and err ("not an ELF file", "dynamic segment past the end of
 * the file", ...). */
int elfdeps_parse(const void *data, size_t len, struct elfdeps_info *out, struct strbuf *err);

/* The same, reading an open regular file through libelf (lazily, by
 * pread: large libraries are not read whole).  The fd stays the caller's. */
int elfdeps_read_fd(int fd, struct elfdeps_info *out, struct strbuf *err);

void elfdeps_release(struct elfdeps_info *info);

/* Expands the dynamic string tokens of one search-path element as ld.so
 * does: $ORIGIN and ${ORIGIN} (origin, the object's directory), $LIB and
 * ${LIB} (lib), $PLATFORM and ${PLATFORM} (platform); an unbraced token
 * must end at '/' or the end of the element, other '$' are kept.  out gets
 * the result (appended).  Returns 0, or -1 when a token has no value
 * (NULL) and ld.so would drop the element. */
int elfdeps_expand(const char *element, size_t len, const char *origin, const char *lib,
                   const char *platform, struct strbuf *out);

/* Where ld.so looks, besides the object's own paths.  All strings are the
 * caller's. */
struct elfdeps_search {
	const char *ld_library_path; /* the LD_LIBRARY_PATH run would set, or NULL */
	char *const *system_dirs;    /* ld.so.conf's, then the defaults, in order */
	size_t nsystem;
	const char *lib;      /* $LIB, "lib/x86_64-linux-gnu" */
	const char *platform; /* $PLATFORM, "x86_64" */
};

enum elfdeps_via {
	ELFDEPS_NOT_FOUND,
	ELFDEPS_PATH, /* the needed name holds a '/' and is used as is */
	ELFDEPS_RPATH,
	ELFDEPS_LD_LIBRARY_PATH,
	ELFDEPS_RUNPATH,
	ELFDEPS_SYSTEM,
};

struct elfdeps_resolved {
	enum elfdeps_via via;
	struct strbuf path; /* as ld.so would open it, lexically normalised */
	int relative;       /* ELFDEPS_PATH only: a path relative to the working directory */
};

/* Resolves one needed name of the object info, whose directory (absolute)
 * is origin.  A name with a '/' is taken as a path (via ELFDEPS_PATH, with
 * relative set when it does not start with '/': ld.so opens it against the
 * working directory).  Otherwise only candidates that are ELF files of the
 * object's class and machine count (ld.so skips the others); search-path
 * elements that are empty or relative after expansion (they name the
 * working directory) are skipped here: elfdeps_relative_elements lists
 * them.  out->path must be initialised (STRBUF_INIT); the caller releases
 * it.  Returns 0 (found or not: see out->via) or BURROW_EFAIL when out of
 * memory. */
int elfdeps_resolve(const struct elfdeps_info *info, const char *origin, const char *name,
                    const struct elfdeps_search *search, struct elfdeps_resolved *out,
                    struct strbuf *err);

/* The search-path elements of the object (RPATH when it has no RUNPATH,
 * and RUNPATH) that are relative to the working directory after expansion
 * ("" reads as "./" to ld.so).  Appends each, '\n'-terminated, to out. */
void elfdeps_relative_elements(const struct elfdeps_info *info, const char *origin,
                               const struct elfdeps_search *search, struct strbuf *out);

/* Parses ld.so.conf text (pure): appends to out, in file order, one line
 * per directory listed ("/dir\n") and per glob pattern of an "include"
 * line ("+/etc/pattern\n"; relative patterns made relative to /etc/).
 * "hwcap" lines, comments and relative directories are skipped, an old
 * "dir=TYPE" suffix dropped.  Returns 0 or -1 when out is full. */
int elfdeps_ldconf_parse(const char *text, size_t len, struct strbuf *out);

/* The system directories for objects of elf_class/machine: those of
 * /etc/ld.so.conf and its includes (at most 16 levels, 4096 dirs), then the
 * defaults of Debian's ld.so for x86_64 (/lib/x86_64-linux-gnu,
 * /usr/lib/x86_64-linux-gnu, /lib64, /usr/lib64, /lib, /usr/lib) or i386
 * (/lib/i386-linux-gnu, /usr/lib/i386-linux-gnu, /lib32, /usr/lib32, /lib,
 * /usr/lib), duplicates dropped.  conf is the file to start from (NULL:
 * /etc/ld.so.conf).  *dirs is a NULL-terminated vector the caller frees
 * with elfdeps_dirs_free.  Returns 0 or BURROW_EFAIL (out of memory). */
int elfdeps_system_dirs(const char *conf, int elf_class, unsigned machine, char ***dirs,
                        size_t *ndirs, struct strbuf *err);
void elfdeps_dirs_free(char **dirs);

/* 1 when name is one of glibc's own libraries (libc.so.6, libm.so.6,
 * libpthread.so.0, libdl.so.2, librt.so.1, libresolv.so.2, libutil.so.1,
 * libanl.so.1, libnsl.so.1, libBrokenLocale.so.1, libmvec.so.1,
 * libc_malloc_debug.so.0, libthread_db.so.1, libnss_*.so.2,
 * libmemusage.so, libpcprofile.so, ld-linux*.so.*, ld64.so.*): the base
 * system's C library, which every env shares.  libcrypt.so.1 is not (it
 * is libxcrypt since glibc 2.38, a package of its own on Debian 12). */
int elfdeps_is_glibc(const char *name);

/* Lexically normalises an absolute path ('.', '..', '//' folded) into out
 * (appended). */
void elfdeps_normalize(const char *path, struct strbuf *out);

#endif
