/*
 * fuzz_elf: the ELF dynamic-section reader (elfdeps_parse) on arbitrary
 * bytes; what parses has its search paths expanded and listed as ld.so's
 * model would, and the same bytes go through the ld.so.conf parser.
 */
#include "elfdeps.h"
#include "util/strbuf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct elfdeps_search s;
	struct elfdeps_info info;
	size_t i;

	if (elfdeps_parse(data, size, &info, &err) != 0) {
		if (err.len == 0 || info.nneeded || info.needed || info.runpath)
			abort(); /* a refusal says why and leaves nothing behind */
	} else {
		if (info.nneeded && !info.dynamic)
			abort();
		for (i = 0; i < info.nneeded; i++)
			if (!info.needed[i][0] || strlen(info.needed[i]) > ELFDEPS_MAX_STRING)
				abort();
		memset(&s, 0, sizeof(s));
		s.lib = "lib/x86_64-linux-gnu";
		s.platform = "x86_64";
		elfdeps_relative_elements(&info, "/env/bin", &s, &out);
		if (info.runpath)
			elfdeps_expand(info.runpath, strlen(info.runpath), "/env/bin", s.lib,
			               s.platform, &out);
		if (info.rpath) {
			strbuf_reset(&out);
			elfdeps_normalize(info.rpath, &out);
		}
		elfdeps_release(&info);
	}
	strbuf_reset(&out);
	if (elfdeps_ldconf_parse((const char *)data, size, &out) == 0 && out.len &&
	    out.buf[out.len - 1] != '\n')
		abort();
	strbuf_release(&out);
	strbuf_release(&err);
	return 0;
}
