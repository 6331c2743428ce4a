/*
 * fuzz_python_facts: the base interpreter's JSON answer (also read back from
 * cache.db) from hostile bytes.  Whatever parses must give a complete
 * target and marker set.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "python.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 when rel has a "", "." or ".." component or is absolute. */
static int escapes(const char *rel)
{
	const char *p = rel;
	size_t n;

	if (*p == '/' || !*p)
		return 1;
	for (;;) {
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 1;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct python_info info;
	struct strbuf err = STRBUF_INIT;

	if (python_facts_parse((const char *)data, size, &info, &err) == 0) {
		if (!info.target.impl || !info.target.arch || !info.markers.os_name ||
		    !info.site_rel || !info.scripts_rel || !info.include_rel ||
		    escapes(info.site_rel) || escapes(info.platsite_rel) ||
		    escapes(info.scripts_rel) || escapes(info.venv_include_rel))
			abort();
		python_info_release(&info);
	}
	strbuf_release(&err);
	return 0;
}
