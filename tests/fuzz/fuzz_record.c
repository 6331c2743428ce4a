/*
 * fuzz_record: record_parse on arbitrary bytes; what parses is written back
 * with record_write_line and must parse again to the same entries.
 */
#include "record.h"
#include "util/strbuf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct record rec, again;
	size_t i;

	if (record_parse((const char *)data, size, &rec, &err) != 0) {
		if (err.len == 0)
			abort(); /* a refusal always says why */
		strbuf_release(&err);
		return 0;
	}
	for (i = 0; i < rec.len; i++) {
		const struct record_entry *e = &rec.items[i];
		if (record_find(&rec, e->path) != e)
			abort();
		if (record_write_line(&out, e->path, e->has_hash ? e->sha256 : NULL, e->size))
			abort();
	}
	if (record_parse(out.buf, out.len, &again, &err) != 0 || again.len != rec.len)
		abort();
	for (i = 0; i < rec.len; i++) {
		if (strcmp(again.items[i].path, rec.items[i].path) ||
		    again.items[i].has_hash != rec.items[i].has_hash)
			abort();
		if (rec.items[i].has_hash &&
		    (memcmp(again.items[i].sha256, rec.items[i].sha256, 32) ||
		     again.items[i].size != rec.items[i].size))
			abort();
	}
	record_sort(&rec);
	for (i = 1; i < rec.len; i++)
		if (strcmp(rec.items[i - 1].path, rec.items[i].path) >= 0)
			abort();
	record_release(&again);
	record_release(&rec);
	strbuf_release(&out);
	strbuf_release(&err);
	return 0;
}
