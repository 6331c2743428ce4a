/*
 * pathpolicy: the name rules every archive member (wheel or native bundle)
 * must pass before anything is created for it (reliability-notes I4, I5).
 * Pure functions on raw bytes, before any locale conversion; hostile input.
 */
#ifndef BURROW_PATHPOLICY_H
#define BURROW_PATHPOLICY_H

#include "util/strbuf.h"

#include <stddef.h>

#define PATH_POLICY_MAX_COMPONENT 255
#define PATH_POLICY_MAX_TOTAL 4096
#define PATH_POLICY_MAX_DEPTH 128

/* 0 when name (len bytes, not necessarily NUL-terminated) is an acceptable
 * archive member path, else BURROW_EINTEGRITY with err set to
 * `entry "<escaped name>": <reason>`.  Refused: empty; absolute; an empty,
 * '.' or '..' component; NUL; C0 controls, DEL and C1 controls (U+0080 to
 * U+009F); backslash; invalid UTF-8 (overlong forms, surrogates, beyond
 * U+10FFFF); a component over 255 bytes; over 4096 bytes in all; over 128
 * components; combining marks.
 *
 * NFC is approximated: a combining mark (U+0300-U+036F, U+1AB0-U+1AFF,
 * U+1DC0-U+1DFF, U+20D0-U+20FF, U+FE20-U+FE2F) anywhere in the name is
 * refused, which rejects decomposed (NFD) Latin names such as "cafe\u0301"
 * without carrying Unicode tables; names in scripts whose NFC form itself
 * needs marks from these blocks are refused too (none are expected in
 * packages).  A single trailing '/' (a directory entry) is allowed. */
int path_policy_check(const char *name, size_t len, struct strbuf *err);

/* The key for duplicate detection: name with one trailing '/' removed and
 * ASCII letters folded to lower case.  out is reset first.  Returns 0, or
 * -1 when out cannot grow (its cap). */
int path_policy_key(const char *name, size_t len, struct strbuf *out);

/* 0 when a symlink at link_path (relative, already policy-checked) pointing
 * at target stays inside the root, judged lexically component by component
 * with '..' counted against the depth of the link's directory.  Refused
 * (BURROW_EINTEGRITY, err `entry "<link>": <reason>`): an empty or absolute
 * target, NUL/control characters, backslashes or invalid UTF-8 in it, a
 * target over 4096 bytes, any step that leaves the root, and '..' after a
 * named component ("a/../b"): such a target is resolved by the kernel
 * through 'a', which may itself be a symlink, so only leading '..'
 * components are judged soundly by a lexical walk. */
int path_policy_link_ok(const char *link_path, const char *target, struct strbuf *err);

#endif
