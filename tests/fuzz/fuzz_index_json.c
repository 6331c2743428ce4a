/*
 * fuzz_index_json: repo_parse_json over arbitrary bytes; every listed file
 * must have a parseable name, an http(s) URL and a hash that is "" or 64
 * lower-case hex digits.
 */
#include "filename.h"
#include "repo.h"
#include "util/sha256.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct repo_files f = {0};
	struct strbuf err = STRBUF_INIT;
	struct filename_info info;
	size_t i;

	repo_parse_json((const char *)data, size, "https://example.org/simple/pkg/", &f, &err);
	for (i = 0; i < f.len; i++) {
		const struct repo_file *e = &f.items[i];
		if (filename_parse(e->filename, &info) < 0)
			abort();
		if (strncmp(e->url, "http://", 7) && strncmp(e->url, "https://", 8))
			abort();
		if (e->sha256[0] && !sha256_is_hex(e->sha256))
			abort();
	}
	repo_files_release(&f);
	strbuf_release(&err);
	return 0;
}
