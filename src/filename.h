/*
 * filename: what an artifact's file name says (PEP 427 wheels and native
 * bundles), and PEP 503 project-name normalisation.
 *
 * Pure functions over untrusted strings; nothing here allocates except
 * pep503_normalize, which appends to a caller-owned strbuf.
 */
#ifndef BURROW_FILENAME_H
#define BURROW_FILENAME_H

#include "util/strbuf.h"

enum filename_kind { FILENAME_WHEEL, FILENAME_BUNDLE };

struct filename_info {
	enum filename_kind kind;
	char name[256]; /* distribution name as written in the filename */
	char version[128];
	char build[64];     /* wheel build tag or "" */
	char python[128];   /* wheel tags, compressed sets ("py2.py3") kept as written; */
	char abi[128];      /* "" for bundles */
	char platform[256]; /* wheels and bundles */
	char ext[16];       /* "whl", "tar.gz", "tar.xz", "tar.zst" */
};

/* Parses a bare file name (no directory part).  Returns 0 and fills *out when
 * filename is a wheel, NAME-VERSION(-BUILD)?-PYTHON-ABI-PLATFORM.whl, or a
 * native bundle, NAME-VERSION-PLATFORM.tar.{gz,xz,zst}; -1 otherwise (then
 * *out is zeroed).  Refused: '/', '\', control bytes, spaces, empty or
 * over-long fields, a name that is not a valid PEP 503 name, a version or
 * build tag that does not start with a digit (a leading 'v' is allowed in a
 * version), a bundle platform that does not start with a letter.  Bundle
 * names may contain '_' (pack writes '-' in names as '_'); versions and
 * platforms never contain '-'. */
int filename_parse(const char *filename, struct filename_info *out);

/* PEP 503 normalisation: lower case, each run of [-_.] becomes one '-'.
 * out is reset first and gets the result.  0, or -1 when out cannot grow. */
int pep503_normalize(const char *name, struct strbuf *out);

/* The longest project name accepted anywhere (manifests, locks,
 * requirements, file names, METADATA).  PEP 508 sets no bound; names flow
 * into file names, URLs and messages, so one is needed, and no published
 * project comes near it. */
#define PEP503_NAME_MAX 200
#define PEP503_NAME_MAX_TEXT "200"
/* What a valid name is, for messages. */
#define PEP503_NAME_RULE                                                                           \
	"a PEP 508 name: letters, digits, '.', '_' and '-', alphanumeric at both ends, at "        \
	"most " PEP503_NAME_MAX_TEXT " bytes"

/* 1 when name matches ^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$ ignoring
 * case and is at most PEP503_NAME_MAX bytes long, else 0. */
int pep503_valid(const char *name);

#endif
