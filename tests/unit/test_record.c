/*
 * test_record: the RECORD CSV parser and writer, and the METADATA
 * email-header parser (one parser each serves wheels and native bundles).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "metadata.h"
#include "record.h"
#include "util/error.h"
#include "util/sha256.h"

#include <string.h>

/* sha256 of "def main():\n    print(\"I'm fancy.\")\n" (python-packaging.md 1.4) */
#define FANCY_B64 "qZ2qq7xVBAiUFQVv-QBHhdtCUF5p1NsWwSOiD7qdHN0"

static int parse(const char *s, struct record *rec, struct strbuf *err)
{
	return record_parse(s, strlen(s), rec, err);
}

static void test_record_basic(void **state)
{
	struct record rec;
	struct strbuf err = STRBUF_INIT;
	const struct record_entry *e;
	const char *text = "fancy/__init__.py,sha256=" FANCY_B64 ",36\n"
	                   "\"we,ird\"\"name\",,\r\n"
	                   "\n"
	                   "fancy-1.0.dist-info/RECORD,,\n"
	                   "\"multi\nline\",sha256=" FANCY_B64 ",\n"
	                   "last,,7";
	unsigned char want[32];
	const char *fancy = "def main():\n    print(\"I'm fancy.\")\n";
	char hex[65];

	(void)state;
	assert_int_equal(parse(text, &rec, &err), 0);
	assert_int_equal(rec.len, 5);
	e = &rec.items[0];
	assert_string_equal(e->path, "fancy/__init__.py");
	assert_int_equal(e->has_hash, 1);
	assert_int_equal(e->size, 36);
	assert_int_equal(e->line, 1);
	assert_int_equal(sha256_buffer_hex(fancy, strlen(fancy), hex), 0);
	assert_int_equal(sha256_from_hex(hex, want), 0);
	assert_memory_equal(e->sha256, want, 32);

	assert_string_equal(rec.items[1].path, "we,ird\"name");
	assert_int_equal(rec.items[1].has_hash, 0);
	assert_int_equal(rec.items[1].size, -1);
	assert_int_equal(rec.items[2].line, 4);
	assert_string_equal(rec.items[3].path, "multi\nline");
	assert_int_equal(rec.items[3].line, 5);
	assert_int_equal(rec.items[3].size, -1);
	assert_int_equal(rec.items[4].line, 7);
	assert_int_equal(rec.items[4].size, 7);

	/* find works unsorted and sorted */
	assert_non_null(record_find(&rec, "last"));
	assert_null(record_find(&rec, "nope"));
	record_sort(&rec);
	assert_string_equal(rec.items[0].path, "fancy-1.0.dist-info/RECORD");
	e = record_find(&rec, "we,ird\"name");
	assert_non_null(e);
	assert_int_equal(e->line, 2);
	assert_null(record_find(&rec, "zzz"));
	record_release(&rec);
	record_release(&rec); /* twice is fine */

	assert_int_equal(parse("", &rec, &err), 0);
	assert_int_equal(rec.len, 0);
	assert_null(record_find(&rec, "x"));
	record_release(&rec);
	strbuf_release(&err);
}

struct bad_case {
	const char *text;
	const char *reason;
};

static const struct bad_case bad[] = {
    {"a,,\nb\n", "RECORD:2: expected 3 fields, got 1"},
    {"a,,,\n", "RECORD:1: more than 3 fields"},
    {"a,\n", "expected 3 fields, got 2"},
    {",,\n", "empty path"},
    {"a,md5=abc,1\n", "unsupported hash algorithm \"md5\""},
    {"a,sha1=abc,1\n", "unsupported hash algorithm"},
    {"a,sha256,1\n", "without '='"},
    {"a,sha256=abc,1\n", "malformed sha256 digest"},
    {"a,sha256=" FANCY_B64 "=,1\n", "malformed sha256 digest"},
    {"a,sha256=qZ2qq7xVBAiUFQVv+QBHhdtCUF5p1NsWwSOiD7qdHN0,1\n", "malformed sha256"},
    {"a,sha256=qZ2qq7xVBAiUFQVv-QBHhdtCUF5p1NsWwSOiD7qdHN1,1\n", "malformed sha256"},
    {"a,,-1\n", "malformed size"},
    {"a,,1x\n", "malformed size"},
    {"a,,99999999999999999999\n", "malformed size"},
    {"a,, 1\n", "malformed size"},
    {"\"a,,\n", "RECORD:1: unterminated quoted field"},
    {"a\"b,,\n", "quote inside an unquoted field"},
    {"\"a\"b,,\n", "text after a closing quote"},
    {"a,,1\rb,,\n", "bare carriage return"},
    {"x,,\na,,1\na,,2\n", "RECORD:3: duplicate path \"a\" (first on line 2)"},
    {"\"a\nb\",,\n\"a\nb\",,\n", "RECORD:3: duplicate path \"a\\nb\""},
};

static void test_record_bad(void **state)
{
	struct record rec;
	struct strbuf err = STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i].text, &rec, &err) != BURROW_EINTEGRITY)
			fail_msg("case %zu accepted", i);
		if (!strstr(err.buf, bad[i].reason))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.buf, bad[i].reason);
		assert_null(rec.items);
	}
	/* NUL bytes */
	assert_int_equal(record_parse("a\0b,,\n", 6, &rec, &err), BURROW_EINTEGRITY);
	assert_non_null(strstr(err.buf, "NUL"));
	assert_int_equal(record_parse("\"a\0b\",,\n", 8, &rec, &err), BURROW_EINTEGRITY);
	strbuf_release(&err);
}

static void test_record_roundtrip(void **state)
{
	static const char *paths[] = {"plain/file.py",    "with,comma", "with\"quote",
	                              "line\nbreak",      "cr\rhere",   "sp ace",
	                              "\xc3\xa9t\xc3\xa9"};
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	unsigned char d[32];
	struct record rec;
	size_t i;

	(void)state;
	for (i = 0; i < 32; i++)
		d[i] = (unsigned char)(i * 37 + 1);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		assert_int_equal(record_write_line(&out, paths[i], d, (int64_t)i * 1000), 0);
	assert_int_equal(record_write_line(&out, "x.dist-info/RECORD", NULL, 0), 0);
	assert_int_equal(record_write_line(&out, "nosize", d, -1), 0);
	assert_non_null(strstr(out.buf, "\"with,comma\",sha256="));
	assert_non_null(strstr(out.buf, "\"with\"\"quote\","));
	assert_non_null(strstr(out.buf, "x.dist-info/RECORD,,\n"));
	assert_non_null(strstr(out.buf, "plain/file.py,sha256="));
	assert_int_equal(record_parse(out.buf, out.len, &rec, &err), 0);
	assert_int_equal(rec.len, 9);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		assert_string_equal(rec.items[i].path, paths[i]);
		assert_int_equal(rec.items[i].has_hash, 1);
		assert_memory_equal(rec.items[i].sha256, d, 32);
		assert_int_equal(rec.items[i].size, (int64_t)i * 1000);
	}
	assert_int_equal(rec.items[7].has_hash, 0);
	assert_int_equal(rec.items[7].size, -1);
	assert_int_equal(rec.items[8].size, -1);
	record_release(&rec);

	/* a capped buffer is left unchanged on overflow */
	{
		struct strbuf small;
		strbuf_init(&small, 20);
		assert_int_equal(record_write_line(&small, "a", NULL, 0), 0);
		assert_int_equal(record_write_line(&small, "b", d, 5), -1);
		assert_string_equal(small.buf, "a,,\n");
		strbuf_release(&small);
	}
	strbuf_release(&out);
	strbuf_release(&err);
}

static int collect(const char *value, void *arg)
{
	struct strbuf *sb = arg;
	strbuf_addstr(sb, value);
	strbuf_addch(sb, '|');
	return 0;
}

static int stop_at_b(const char *value, void *arg)
{
	(void)arg;
	return strcmp(value, "b >= 2") == 0 ? 42 : 0;
}

static void test_metadata(void **state)
{
	const char *text = "Bundle-Version: 1.0\r\n"
	                   "Name:  foo-bar \n"
	                   "Version: 1.2\n"
	                   "Requires: a\n"
	                   "requires: b >= 2\n"
	                   "Summary: first\n"
	                   "  second  \n"
	                   "\tthird\n"
	                   "Empty:\n"
	                   "\n"
	                   "Body: not a field\n\xff\x00 binary body";
	struct metadata md;
	struct strbuf err = STRBUF_INIT, all = STRBUF_INIT;

	(void)state;
	assert_int_equal(metadata_parse(text, strlen(text) + 14, &md, &err), 0);
	assert_int_equal(md.len, 7);
	assert_string_equal(metadata_get(&md, "bundle-version"), "1.0");
	assert_string_equal(metadata_get(&md, "NAME"), "foo-bar");
	assert_string_equal(md.items[1].key, "Name");
	assert_string_equal(metadata_get(&md, "Summary"), "first\nsecond\nthird");
	assert_string_equal(metadata_get(&md, "Empty"), "");
	assert_null(metadata_get(&md, "Body"));
	assert_int_equal(metadata_each(&md, "Requires", collect, &all), 0);
	assert_string_equal(all.buf, "a|b >= 2|");
	assert_int_equal(metadata_each(&md, "Requires", stop_at_b, NULL), 42);
	metadata_release(&md);
	metadata_release(&md);

	/* no trailing newline, no body */
	assert_int_equal(metadata_parse("A: 1", 4, &md, &err), 0);
	assert_string_equal(metadata_get(&md, "a"), "1");
	metadata_release(&md);
	assert_int_equal(metadata_parse("", 0, &md, &err), 0);
	assert_int_equal(md.len, 0);
	metadata_release(&md);
	strbuf_release(&all);
	strbuf_release(&err);
}

static void test_metadata_bad(void **state)
{
	static const struct bad_case mbad[] = {
	    {"A: 1\nno colon here\n", "2: line without a colon"},
	    {"A: 1\nB C: 2\n", "2:2: invalid character in field name"},
	    {": x\n", "1: empty field name"},
	    {" cont\nA: 1\n", "1: continuation line before any field"},
	    {"A: caf\xc3\n", "1:7: invalid UTF-8"},
	    {"A: \xed\xa0\x80\n", "invalid UTF-8"},
	};
	struct metadata md;
	struct strbuf err = STRBUF_INIT, big = STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(mbad) / sizeof(mbad[0]); i++) {
		if (metadata_parse(mbad[i].text, strlen(mbad[i].text), &md, &err) !=
		    BURROW_EINTEGRITY)
			fail_msg("case %zu accepted", i);
		if (!strstr(err.buf, mbad[i].reason))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.buf, mbad[i].reason);
		assert_null(md.items);
	}
	assert_int_equal(metadata_parse("A: x\0y\n", 7, &md, &err), BURROW_EINTEGRITY);
	assert_non_null(strstr(err.buf, "NUL"));

	for (i = 0; i < 10000; i++)
		strbuf_addstr(&big, "K: v\n");
	assert_int_equal(metadata_parse(big.buf, big.len, &md, &err), 0);
	assert_int_equal(md.len, 10000);
	metadata_release(&md);
	strbuf_addstr(&big, "K: v\n");
	assert_int_equal(metadata_parse(big.buf, big.len, &md, &err), BURROW_EINTEGRITY);
	assert_non_null(strstr(err.buf, "10001: more than 10000 fields"));
	assert_int_equal(metadata_parse(big.buf, ((size_t)16 << 20) + 1, &md, &err),
	                 BURROW_EINTEGRITY);
	assert_non_null(strstr(err.buf, "16 MiB"));
	strbuf_release(&big);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_record_basic),     cmocka_unit_test(test_record_bad),
	    cmocka_unit_test(test_record_roundtrip), cmocka_unit_test(test_metadata),
	    cmocka_unit_test(test_metadata_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
