/*
 * utf8: one strict UTF-8 decoder for every parser of untrusted bytes, and
 * a per-thread UTF-8 locale for libarchive.
 */
#ifndef BURROW_UTF8_H
#define BURROW_UTF8_H

#include <locale.h>
#include <stddef.h>

/* Decodes one UTF-8 sequence at p (n > 0 bytes available).  Returns its
 * length (1..4) and sets *cp (cp may be NULL), or 0 when the bytes are not
 * well-formed UTF-8: overlong, a surrogate, beyond U+10FFFF, truncated. */
size_t utf8_decode(const unsigned char *p, size_t n, unsigned int *cp);

/* libarchive converts names between UTF-8 (pax headers) and the charset of
 * the current locale, and warns when it cannot.  Pinning this thread to a
 * UTF-8 LC_CTYPE while it works makes names pass through as raw bytes
 * whatever the caller's locale (the policy then demands valid UTF-8).
 * Returns the locale to give to utf8_locale_end (NULL when C.UTF-8 is
 * missing: the caller's locale stays). */
locale_t utf8_locale_begin(locale_t *old);
void utf8_locale_end(locale_t l, locale_t old);

#endif
