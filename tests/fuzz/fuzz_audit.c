/*
 * fuzz_audit: the parsers of `burrow check` on arbitrary bytes: the
 * interpreter probe's JSON answer (written after the env's own code ran)
 * and a distribution's top_level.txt / RECORD (its top-level modules).
 */
#include "audit.h"
#include "util/strbuf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT, names = STRBUF_INIT;
	struct audit_probe p;
	const char *text = (const char *)data;
	size_t i;

	if (audit_probe_parse(text, size, &p, &err) == 0) {
		for (i = 0; i < p.nmodules; i++)
			if (!p.modules[i].name[0] || (p.modules[i].error && p.modules[i].found))
				abort();
		audit_probe_release(&p);
	} else if (err.len == 0) {
		abort();
	}
	audit_top_level(text, size, NULL, 0, &names, &err);
	strbuf_reset(&names);
	audit_top_level(NULL, 0, text, size, &names, &err);
	for (i = 0; i < names.len; i++)
		if (names.buf[i] == '/' || names.buf[i] == '.')
			abort();
	strbuf_release(&names);
	strbuf_release(&err);
	return 0;
}
