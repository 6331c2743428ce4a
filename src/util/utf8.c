/*
 * utf8: strict UTF-8 decoding (see utf8.h).
 */
#include "util/utf8.h"

size_t utf8_decode(const unsigned char *p, size_t n, unsigned int *cp)
{
	size_t len, i;
	unsigned int c;

	if (p[0] < 0x80) {
		if (cp)
			*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2;
		c = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3;
		c = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4;
		c = p[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	if (cp)
		*cp = c;
	return len;
}

locale_t utf8_locale_begin(locale_t *old)
{
	locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);

	if (l)
		*old = uselocale(l);
	return l;
}

void utf8_locale_end(locale_t l, locale_t old)
{
	if (l) {
		uselocale(old);
		freelocale(l);
	}
}
