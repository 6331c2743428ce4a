/*
 * fuzz_index_html: repo_parse_html over arbitrary bytes, against an http
 * base and a file base (which allows file:// links); every listed file must
 * have a name, an http(s)/file URL and a hash that is "" or 64 hex digits.
 */
#include "filename.h"
#include "repo.h"
#include "util/sha256.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check(const struct repo_files *f)
{
	struct filename_info info;
	size_t i;

	for (i = 0; i < f->len; i++) {
		const struct repo_file *e = &f->items[i];
		if (filename_parse(e->filename, &info) < 0)
			abort();
		if (strncmp(e->url, "http://", 7) && strncmp(e->url, "https://", 8) &&
		    strncmp(e->url, "file://", 7))
			abort();
		if (e->sha256[0] && !sha256_is_hex(e->sha256))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct repo_files f = {0};
	struct strbuf err = STRBUF_INIT;

	repo_parse_html((const char *)data, size, "https://example.org/simple/pkg/", &f, &err);
	check(&f);
	for (size_t i = 0; i < f.len; i++)
		if (!strncmp(f.items[i].url, "file:", 5))
			abort(); /* an http page may not point at local files */
	repo_files_release(&f);
	repo_parse_html((const char *)data, size, "file:///srv/simple/pkg/index.html", &f, &err);
	check(&f);
	repo_files_release(&f);
	strbuf_release(&err);
	return 0;
}
