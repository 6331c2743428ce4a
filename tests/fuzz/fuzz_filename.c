/*
 * fuzz_filename: filename_parse and the PEP 503 helpers over arbitrary
 * bytes (cut at the first NUL); what parses must be self-consistent.
 */
#include "filename.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct filename_info info;
	struct strbuf norm = STRBUF_INIT, again = STRBUF_INIT;
	char *s;

	if (size > 4096)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (filename_parse(s, &info) == 0) {
		if (!pep503_valid(info.name) || !info.version[0] || !info.platform[0] ||
		    strchr(info.version, '-') || strchr(info.platform, '-') || strchr(s, '/'))
			abort();
		if (info.kind == FILENAME_WHEEL && (!info.python[0] || !info.abi[0]))
			abort();
	}
	if (pep503_normalize(s, &norm) == 0) {
		/* normalising is idempotent */
		if (pep503_normalize(norm.buf, &again) < 0 || strcmp(norm.buf, again.buf))
			abort();
		if (pep503_valid(s) && !pep503_valid(norm.buf))
			abort();
	}
	strbuf_release(&norm);
	strbuf_release(&again);
	free(s);
	return 0;
}
