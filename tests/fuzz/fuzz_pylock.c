/*
 * fuzz_pylock: the PEP 751 pylock.toml reader on arbitrary bytes: no crash,
 * no leak, an error always names a place, and every package it accepts has
 * a version, wheels and their sha256 digests among its hashes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "pylock.h"
#include "util/error.h"
#include "util/sha256.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT;
	struct manifest m;
	size_t i, j, k;
	int r;

	manifest_init(&m);
	r = pylock_parse((const char *)data, size, "pylock.toml", "/base", &m, &err);
	if (r == BURROW_EMANIFEST && strncmp(err.buf, "pylock.toml:", 12) != 0)
		abort();
	if (r != 0 && r != BURROW_EMANIFEST && r != BURROW_EFAIL)
		abort();
	if (r == 0) {
		for (i = 0; i < m.nbundles; i++) {
			const struct manifest_bundle *b = &m.bundles[i];
			if (b->nhashes == 0 || b->nfiles == 0 || !b->version[0] ||
			    strcmp(b->key, b->name) != 0)
				abort();
			for (j = 0; j < b->nfiles; j++) {
				if (!sha256_is_hex(b->files[j].sha256) || !b->files[j].url ||
				    !b->files[j].filename)
					abort();
				for (k = 0; k < b->nhashes; k++)
					if (!strcmp(b->hashes[k], b->files[j].sha256))
						break;
				if (k == b->nhashes)
					abort();
			}
		}
	}
	manifest_release(&m);
	strbuf_release(&err);
	return 0;
}
