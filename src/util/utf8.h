/*
 * utf8: one strict UTF-8 decoder for every parser of untrusted bytes.
 */
#ifndef BURROW_UTF8_H
#define BURROW_UTF8_H

#include <stddef.h>

/* Decodes one UTF-8 sequence at p (n > 0 bytes available).  Returns its
 * length (1..4) and sets *cp (cp may be NULL), or 0 when the bytes are not
 * well-formed UTF-8: overlong, a surrogate, beyond U+10FFFF, truncated. */
size_t utf8_decode(const unsigned char *p, size_t n, unsigned int *cp);

#endif
