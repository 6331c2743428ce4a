/*
 * fuzz_zipdir: the ZIP directory parser (zip_parse: end record, central
 * directory, local headers) on arbitrary bytes, and, for archives it
 * accepts, extraction of every entry into memory (zlib inflate, size and
 * CRC checks).
 */
#include "zipread.h"
#include "util/strbuf.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zip_limits lim;
	struct zip_archive za;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	unsigned char digest[32];
	size_t i;

	zip_limits_default(&lim);
	lim.max_total_size = (uint64_t)64 << 20;
	if (zip_parse(data, size, &lim, "fuzz.whl", &za, &err) == 0) {
		for (i = 0; i < za.len; i++)
			zip_extract_mem(&za, i, (size_t)1 << 20, &out, digest, &err);
		zip_close(&za);
	}
	strbuf_release(&err);
	strbuf_release(&out);
	return 0;
}
