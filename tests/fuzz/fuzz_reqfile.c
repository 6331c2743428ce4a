/*
 * fuzz_reqfile: the requirements.txt reader (hash-checking form) on
 * arbitrary bytes: no crash, no leak, an error always names a place, and
 * every requirement it accepts is a pin with at least one sha256.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "reqfile.h"
#include "util/error.h"
#include "util/sha256.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT;
	struct manifest m;
	size_t i, j;
	int r;

	manifest_init(&m);
	r = reqfile_parse((const char *)data, size, "r.txt", "/base", &m, 0, &err);
	if (r == BURROW_EMANIFEST && strncmp(err.buf, "r.txt:", 6) != 0)
		abort();
	if (r != 0 && r != BURROW_EMANIFEST && r != BURROW_EFAIL)
		abort();
	if (r == 0) {
		for (i = 0; i < m.nbundles; i++) {
			const struct manifest_bundle *b = &m.bundles[i];
			if (b->nhashes == 0 || !b->version[0] || !b->key[0] || b->line < 1 ||
			    b->column < 1)
				abort();
			for (j = 0; j < b->nhashes; j++)
				if (!sha256_is_hex(b->hashes[j]))
					abort();
		}
		for (i = 0; i < m.nrepos; i++)
			if (!m.repos[i].url[0])
				abort();
	}
	manifest_release(&m);
	strbuf_release(&err);
	return 0;
}
