/*
 * suggest: the closest candidate to a mistyped word (see suggest.h).
 */
#include "util/suggest.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* Optimal string alignment distance between a and b (both at most
 * SUGGEST_MAX_LEN bytes), compared case-insensitively. */
static size_t distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t d[SUGGEST_MAX_LEN + 1][SUGGEST_MAX_LEN + 1];
	size_t i, j;

	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			int same =
			    tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]);
			size_t best = d[i - 1][j - 1] + (same ? 0 : 1);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[la][lb];
}

const char *suggest_closest(const char *word, const char *const *candidates, size_t n)
{
	size_t lw = strlen(word), k, best_d = (size_t)-1, limit, prefixes = 0;
	const char *best = NULL, *prefix = NULL;

	if (!lw || lw > SUGGEST_MAX_LEN)
		return NULL;
	limit = lw <= 4 ? 1 : lw <= 8 ? 2 : 3;
	for (k = 0; k < n; k++) {
		const char *c = candidates[k];
		size_t lc, d;
		if (!c)
			continue;
		lc = strlen(c);
		if (lc > SUGGEST_MAX_LEN || !strcmp(c, word))
			continue;
		if (lw >= 3 && lc > lw && !strncasecmp(c, word, lw)) {
			prefixes++;
			prefix = c;
		}
		d = distance(word, lw, c, lc);
		if (d <= limit && d < best_d) {
			best_d = d;
			best = c;
		}
	}
	if (best)
		return best;
	return prefixes == 1 ? prefix : NULL;
}
