/*
 * tags: PEP 425 compatibility tags of a Linux interpreter, in priority order,
 * exactly as packaging 23.0's packaging.tags.sys_tags() lists them (Debian
 * 12's python3-packaging; pip 23.0.1 lists the same), and the rank of a
 * wheel's (possibly compressed) tag triple in that list.
 *
 * The caller supplies the facts about the target interpreter (python.c probes
 * them once per env); nothing here looks at the running process.
 */
#ifndef BURROW_TAGS_H
#define BURROW_TAGS_H

#include <stddef.h>

#include "util/strbuf.h"

#define TAGS_MAX_PARTS 64 /* dotted alternatives per part of a wheel tag */

struct tags_target {
	int py_major, py_minor; /* sys.version_info[:2], e.g. 3, 11 */
	/* interpreter short name: "cp" (CPython), "pp" (PyPy), else
	 * sys.implementation.name as is */
	const char *impl;
	/* the ABI tag for non-CPython interpreters, from EXT_SUFFIX (e.g.
	 * "pypy39_pp73"); NULL or "" for none.  Ignored for "cp": its ABI is
	 * cp{XY} (+"d" when debug, +"m" before 3.8, +"u" before 3.3). */
	const char *abi;
	int debug; /* CPython built with Py_DEBUG */
	/* machine part of sysconfig.get_platform() ("x86_64", "aarch64"); a
	 * 32-bit interpreter on a 64-bit kernel passes "i686" or "armv7l", and
	 * only when its ELF really is i386 / ARM hard-float (else glibc 0) */
	const char *arch;
	int glibc_major, glibc_minor; /* 0, 0 when not linked against glibc */
	int musl_major, musl_minor;   /* 0, 0 when not linked against musl */
};

struct tags_list {
	char **tags; /* "interp-abi-platform", lower case, best first; owned */
	size_t n;
};

/* Builds the ordered list.  The caller owns *out (tags_release, also safe on
 * a zeroed list).  Fails with BURROW_EFAIL and err on absurd facts (versions
 * out of range, arch not [A-Za-z0-9_.-]+) or when memory runs out. */
int tags_build(const struct tags_target *t, struct tags_list *out, struct strbuf *err);
void tags_release(struct tags_list *list);

/* The best (lowest) index in list of any tag that the triple expands to
 * ("py2.py3-none-any" expands to py2-none-any and py3-none-any; compared
 * without regard to case), or -1 when none is in the list or the triple is
 * not three non-empty '-'-separated parts. */
long tags_rank(const struct tags_list *list, const char *triple, size_t len);

#endif
