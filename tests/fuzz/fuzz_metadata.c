/*
 * fuzz_metadata: metadata_parse on arbitrary bytes; parsed keys must be
 * non-empty and made of [A-Za-z0-9-_], and look-ups must find them.
 */
#include "metadata.h"
#include "util/strbuf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count(const char *value, void *arg)
{
	(void)value;
	(*(size_t *)arg)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT;
	struct metadata md;
	size_t i, n;

	if (metadata_parse((const char *)data, size, &md, &err) != 0) {
		if (err.len == 0 || md.items)
			abort();
		strbuf_release(&err);
		return 0;
	}
	for (i = 0; i < md.len; i++) {
		const char *k = md.items[i].key;
		if (!*k ||
		    strspn(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
		        strlen(k))
			abort();
		if (!metadata_get(&md, k))
			abort();
		n = 0;
		metadata_each(&md, k, count, &n);
		if (n == 0)
			abort();
	}
	metadata_release(&md);
	strbuf_release(&err);
	return 0;
}
