/*
 * fuzz_entrypoints: entry_points.txt parsing on arbitrary bytes, the
 * launcher generated for each accepted entry, the launcher name rule and
 * the "#!python" shebang rewrite.
 */
#include "entrypoints.h"
#include "util/strbuf.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct entrypoints eps;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	size_t i;

	if (entrypoints_parse((const char *)data, size, &eps, &err) == 0) {
		for (i = 0; i < eps.len; i++) {
			strbuf_reset(&out);
			entrypoints_launcher(&eps.items[i], &out);
			/* every accepted name passes the rule on its own */
			if (entrypoints_name_ok(eps.items[i].name, strlen(eps.items[i].name),
			                        NULL) != 0)
				__builtin_trap();
		}
	}
	entrypoints_release(&eps);
	entrypoints_name_ok((const char *)data, size, &err);
	strbuf_reset(&out);
	entrypoints_fix_shebang((const char *)data, size, &out);
	strbuf_release(&err);
	strbuf_release(&out);
	return 0;
}
