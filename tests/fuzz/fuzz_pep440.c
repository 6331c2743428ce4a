/*
 * fuzz_pep440: versions, specifier sets and wheel tag triples from hostile
 * bytes.  The input is "A\nB": A is parsed as a version and as a specifier
 * set, B as a version; every successful parse is formatted, compared and
 * tested for containment in all three pre-release modes, and the whole input
 * is ranked as a wheel tag triple against CPython 3.11's list.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pep440.h"
#include "tags.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tags_list list;
	static int have_list;
	const char *s = (const char *)data;
	const char *nl = memchr(s, '\n', size);
	size_t alen = nl ? (size_t)(nl - s) : size;
	const char *b = nl ? nl + 1 : s + size;
	size_t blen = size - (size_t)(b - s);
	struct pep440_version va, vb, again;
	struct pep440_specset set;
	struct strbuf sb = STRBUF_INIT, err = STRBUF_INIT;
	int have_a, have_b, res, mode;

	if (!have_list) {
		struct tags_target t = {3, 11, "cp", NULL, 0, "x86_64", 2, 36, 0, 0};
		have_list = tags_build(&t, &list, NULL) == 0;
	}
	have_a = pep440_parse_n(s, alen, &va, &err) == 0;
	have_b = pep440_parse_n(b, blen, &vb, &err) == 0;
	if (have_a) {
		/* the normal form is a fixed point and compares equal */
		if (pep440_format(&va, &sb) == 0) {
			if (pep440_parse_n(sb.buf, sb.len, &again, NULL) != 0 ||
			    pep440_compare(&va, &again) != 0)
				abort();
		}
		if (have_b && pep440_compare(&va, &vb) != -pep440_compare(&vb, &va))
			abort();
	}
	if (pep440_specset_parse(s, alen, &set, &err) == 0) {
		strbuf_reset(&sb);
		pep440_specset_format(&set, &sb);
		if (have_b)
			for (mode = -1; mode <= 1; mode++)
				pep440_specset_contains(&set, &vb, mode, &res, &err);
		pep440_specset_release(&set);
	}
	(void)pep440_spec_scan(s, alen);
	if (have_list)
		(void)tags_rank(&list, s, size);
	strbuf_release(&sb);
	strbuf_release(&err);
	return 0;
}
