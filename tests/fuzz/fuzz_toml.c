/*
 * fuzz_toml: libFuzzer target for toml_parse() (src/toml.c).
 *
 * Any input must either be refused with a "LINE:COL: message" or give a
 * tree that keeps the parser's promises: keys unique and found by
 * toml_table_findn(), strings NUL-terminated, nesting within
 * TOML_MAX_DEPTH.  A broken promise aborts, which the fuzzer reports.
 */
#include "toml.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check(const struct toml_value *v, int depth)
{
	size_t i;

	if (depth > TOML_MAX_DEPTH + 1 || v->line < 1 || v->column < 1)
		abort();
	switch (v->type) {
	case TOML_TABLE:
		for (i = 0; i < v->u.table.len; i++) {
			const struct toml_keyval *kv = &v->u.table.items[i];
			if (toml_table_findn(v, kv->key, kv->keylen) != kv || kv->key[kv->keylen] ||
			    kv->line < 1 || kv->column < 1)
				abort();
			check(kv->value, depth + 1);
		}
		break;
	case TOML_ARRAY:
		for (i = 0; i < v->u.array.len; i++)
			check(v->u.array.items[i], depth + 1);
		break;
	case TOML_STRING:
	case TOML_DATETIME:
	case TOML_DATETIME_LOCAL:
	case TOML_DATE_LOCAL:
	case TOML_TIME_LOCAL:
		if (!v->u.str.ptr || v->u.str.ptr[v->u.str.len])
			abort();
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT;
	struct toml_value *root = toml_parse((const char *)data, size, &err);

	if (root) {
		if (root->type != TOML_TABLE || err.len)
			abort();
		check(root, 0);
		toml_free(root);
	} else if (err.len < 5 || !strchr(err.buf, ':')) {
		abort();
	}
	strbuf_release(&err);
	return 0;
}
