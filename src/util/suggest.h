/*
 * suggest: "did you mean" for a mistyped command, option or key, as git
 * and cargo answer a typo.  Pure, libc only.
 */
#ifndef BURROW_SUGGEST_H
#define BURROW_SUGGEST_H

#include <stddef.h>

/* The candidate closest to word by edit distance (insertions, deletions,
 * substitutions and swaps of neighbours; case-insensitive), or NULL when
 * none is close enough to be the likely intent: at most 1 edit for words
 * of up to 4 characters, 2 up to 8, 3 beyond.  A word that is a prefix
 * of exactly one candidate (at least 3 characters long) suggests it too.
 * Ties go to the earlier candidate.  NULL entries in candidates are
 * skipped.  Words longer than SUGGEST_MAX_LEN suggest nothing. */
#define SUGGEST_MAX_LEN 64
const char *suggest_closest(const char *word, const char *const *candidates, size_t n);

#endif
