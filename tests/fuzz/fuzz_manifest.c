/*
 * fuzz_manifest: the manifest reader (TOML, then the model's rules) on
 * arbitrary bytes: no crash, no leak, and an error always names a place.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT;
	struct manifest m;
	int r;

	manifest_init(&m);
	r = manifest_parse((const char *)data, size, "m.toml", "/base", &m, &err);
	if (r == BURROW_EMANIFEST && strncmp(err.buf, "m.toml:", 7) != 0)
		abort();
	if (r == 0) {
		size_t i;
		for (i = 0; i < m.nbundles; i++)
			if (m.bundles[i].nhashes == 0 || !manifest_find(&m, m.bundles[i].key))
				abort();
	}
	manifest_release(&m);
	strbuf_release(&err);
	return 0;
}
