/*
 * test_toml: unit tests for src/toml.c: the API, positions of keys, values
 * and errors, a few edge cases of the grammar, and the limits (deep
 * nesting, long keys, big documents are refused with a message).  The
 * whole grammar is covered by the toml-test suite
 * (tests/conformance/toml_test.py); this file holds what that suite cannot
 * see.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml.h"

static struct toml_value *parse_ok(const char *text)
{
	struct strbuf err = STRBUF_INIT;
	struct toml_value *v = toml_parse(text, strlen(text), &err);

	if (!v)
		fail_msg("unexpected error: %s", err.buf);
	strbuf_release(&err);
	return v;
}

/* Parses text, which must fail with exactly the message want. */
static void parse_err(const char *text, size_t len, const char *want)
{
	struct strbuf err = STRBUF_INIT;
	struct toml_value *v = toml_parse(text, len, &err);

	if (v) {
		toml_free(v);
		fail_msg("accepted: %s", text);
	}
	assert_string_equal(err.buf, want);
	strbuf_release(&err);
}

static void parse_errs(const char *text, const char *want)
{
	parse_err(text, strlen(text), want);
}

static const struct toml_value *get(const struct toml_value *t, const char *key)
{
	const struct toml_keyval *kv = toml_table_find(t, key);

	if (!kv)
		fail_msg("no key %s", key);
	return kv->value;
}

static void test_api(void **state)
{
	struct toml_value *root;
	const struct toml_value *v;
	const struct toml_keyval *kv;

	(void)state;
	root = parse_ok("name = \"burrow\"\n"
	                "n = 42\n"
	                "f = 1.5\n"
	                "b = true\n"
	                "a = [1, \"two\", [3]]\n"
	                "[env]\n"
	                "python = \"3.11\"\n");
	assert_int_equal(root->type, TOML_TABLE);
	assert_int_equal(root->u.table.len, 6);
	/* document order */
	assert_string_equal(root->u.table.items[0].key, "name");
	assert_string_equal(root->u.table.items[5].key, "env");

	v = get(root, "name");
	assert_int_equal(v->type, TOML_STRING);
	assert_string_equal(v->u.str.ptr, "burrow");
	assert_int_equal(v->u.str.len, 6);
	assert_int_equal(get(root, "n")->u.integer, 42);
	assert_true(get(root, "f")->u.fp == 1.5);
	assert_int_equal(get(root, "b")->u.boolean, 1);
	v = get(root, "a");
	assert_int_equal(v->type, TOML_ARRAY);
	assert_int_equal(v->u.array.len, 3);
	assert_int_equal(v->u.array.items[1]->type, TOML_STRING);
	assert_int_equal(v->u.array.items[2]->type, TOML_ARRAY);
	v = get(root, "env");
	assert_int_equal(v->type, TOML_TABLE);
	assert_string_equal(get(v, "python")->u.str.ptr, "3.11");

	assert_null(toml_table_find(root, "missing"));
	assert_null(toml_table_find(root, "nam"));
	assert_null(toml_table_find(get(root, "n"), "x")); /* not a table */
	assert_null(toml_table_find(NULL, "x"));
	kv = toml_table_find(root, "env");
	assert_non_null(kv);
	assert_int_equal(kv->keylen, 3);
	toml_free(root);
	toml_free(NULL);

	assert_string_equal(toml_type_name(TOML_TABLE), "table");
	assert_string_equal(toml_type_name(TOML_ARRAY), "array");
	assert_string_equal(toml_type_name(TOML_STRING), "string");
	assert_string_equal(toml_type_name(TOML_INTEGER), "integer");
	assert_string_equal(toml_type_name(TOML_FLOAT), "float");
	assert_string_equal(toml_type_name(TOML_BOOL), "bool");
	assert_string_equal(toml_type_name(TOML_DATETIME), "datetime");
	assert_string_equal(toml_type_name(TOML_DATETIME_LOCAL), "datetime-local");
	assert_string_equal(toml_type_name(TOML_DATE_LOCAL), "date-local");
	assert_string_equal(toml_type_name(TOML_TIME_LOCAL), "time-local");
}

static void test_empty_and_null_err(void **state)
{
	struct toml_value *root;

	(void)state;
	root = toml_parse("", 0, NULL);
	assert_non_null(root);
	assert_int_equal(root->type, TOML_TABLE);
	assert_int_equal(root->u.table.len, 0);
	assert_int_equal(root->line, 1);
	assert_int_equal(root->column, 1);
	toml_free(root);
	root = toml_parse(NULL, 0, NULL);
	assert_non_null(root);
	toml_free(root);
	/* a NULL err is allowed on failure too */
	assert_null(toml_parse("a = ", 4, NULL));
}

/* Many keys: the lookup switches to a hash index; it must still find all. */
static void test_many_keys(void **state)
{
	struct strbuf doc = STRBUF_INIT;
	struct toml_value *root;
	char key[32];
	int i;

	(void)state;
	for (i = 0; i < 5000; i++)
		strbuf_addf(&doc, "k%d = %d\n", i, i);
	root = parse_ok(doc.buf);
	assert_int_equal(root->u.table.len, 5000);
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(get(root, key)->u.integer, i);
		assert_string_equal(root->u.table.items[i].key, key);
	}
	assert_null(toml_table_find(root, "k5000"));
	toml_free(root);
	strbuf_addstr(&doc, "k4321 = 0\n");
	parse_err(doc.buf, doc.len, "5001:1: duplicate key \"k4321\" (first defined at line 4322)");
	strbuf_release(&doc);
}

static void test_nul_in_keys_and_strings(void **state)
{
	struct toml_value *root;
	const struct toml_keyval *kv;
	const struct toml_value *v;

	(void)state;
	root = parse_ok("\"a\\u0000b\" = \"x\\u0000y\"\n");
	kv = toml_table_findn(root, "a\0b", 3);
	assert_non_null(kv);
	assert_int_equal(kv->keylen, 3);
	assert_null(toml_table_find(root, "a"));
	v = kv->value;
	assert_int_equal(v->u.str.len, 3);
	assert_memory_equal(v->u.str.ptr, "x\0y", 4); /* NUL-terminated too */
	toml_free(root);
}

static void test_positions(void **state)
{
	struct toml_value *root;
	const struct toml_value *t, *v;
	const struct toml_keyval *kv;

	(void)state;
	root = parse_ok("# comment\n"
	                "a = 1\n"
	                "  b.c   =  \"x\"\n"
	                "\"é\" = 'ü'  # columns count characters\n"
	                "m = \"\"\"\n"
	                "two\n"
	                "lines\"\"\"\n"
	                "[tab]\n"
	                "arr = [\n"
	                "  1,\n"
	                "  { k = 2 },\n"
	                "]\n"
	                "[[aot]]\n"
	                "[[aot]]\n"
	                "x = 1\r\n"
	                "y = 2\n");
	kv = toml_table_find(root, "a");
	assert_int_equal(kv->line, 2);
	assert_int_equal(kv->column, 1);
	assert_int_equal(kv->value->line, 2);
	assert_int_equal(kv->value->column, 5);

	kv = toml_table_find(root, "b");
	assert_int_equal(kv->line, 3);
	assert_int_equal(kv->column, 3);
	t = kv->value;
	assert_int_equal(t->type, TOML_TABLE);
	kv = toml_table_find(t, "c");
	assert_int_equal(kv->line, 3);
	assert_int_equal(kv->column, 5);
	assert_int_equal(kv->value->line, 3);
	assert_int_equal(kv->value->column, 12);

	kv = toml_table_find(root, "é");
	assert_int_equal(kv->line, 4);
	assert_int_equal(kv->column, 1);
	assert_int_equal(kv->value->column, 7);

	v = get(root, "m");
	assert_int_equal(v->line, 5);
	assert_int_equal(v->column, 5);
	assert_string_equal(v->u.str.ptr, "two\nlines");

	t = get(root, "tab");
	assert_int_equal(t->line, 8);
	assert_int_equal(t->column, 1);
	v = get(t, "arr");
	assert_int_equal(v->line, 9);
	assert_int_equal(v->column, 7);
	assert_int_equal(v->u.array.items[0]->line, 10);
	assert_int_equal(v->u.array.items[0]->column, 3);
	assert_int_equal(v->u.array.items[1]->line, 11);
	assert_int_equal(v->u.array.items[1]->column, 3);
	kv = toml_table_find(v->u.array.items[1], "k");
	assert_int_equal(kv->line, 11);
	assert_int_equal(kv->column, 5);
	assert_int_equal(kv->value->column, 9);

	v = get(root, "aot");
	assert_int_equal(v->type, TOML_ARRAY);
	assert_int_equal(v->u.array.len, 2);
	assert_int_equal(v->u.array.items[0]->line, 13);
	assert_int_equal(v->u.array.items[1]->line, 14);
	kv = toml_table_find(v->u.array.items[1], "y");
	assert_int_equal(kv->line, 16); /* CRLF counts as one line end */
	assert_int_equal(kv->value->column, 5);
	toml_free(root);

	/* a table implied by a header takes the position of its own header */
	root = parse_ok("[a.b]\n\n[a]\n");
	assert_int_equal(get(root, "a")->line, 3);
	assert_int_equal(get(get(root, "a"), "b")->line, 1);
	toml_free(root);

	/* a BOM is not a column */
	root = parse_ok("\xEF\xBB\xBFk = 1\n");
	kv = toml_table_find(root, "k");
	assert_int_equal(kv->column, 1);
	assert_int_equal(kv->value->column, 5);
	toml_free(root);
}

static void test_error_positions(void **state)
{
	(void)state;
	parse_errs("a = 1\nb = \n", "2:5: expected a value, found end of line");
	parse_errs("a = 1 ; b = 2\n", "1:7: expected the end of the line, found ';'");
	parse_errs("# c\n  x = \"abc\n", "2:7: unterminated string");
	parse_errs("k = 'é' x\n", "1:9: expected the end of the line, found 'x'");
	parse_errs("s = \"\"\"\nok\n \\q\"\"\"\n", "3:2: invalid escape sequence \\q");
	parse_errs("a = 1\na = 2\n", "2:1: duplicate key \"a\" (first defined at line 1)");
	parse_errs("[t]\n[t]\n", "2:2: table \"t\" defined twice (first at line 1)");
	parse_errs("[x]\n[ x . \"y\" ]\n[x.y]\n",
	           "3:4: table \"y\" defined twice (first at line 2)");
	parse_errs("a.b = 1\n[a]\n",
	           "2:2: cannot define table \"a\": it is already a table defined "
	           "by dotted keys (line 1)");
	parse_errs("a = {}\n[a.b]\n", "2:2: key \"a\" is an inline table (line 1) and cannot be "
	                              "extended");
	parse_errs("a = { b = 1 }\na.c = 2\n", "2:1: key \"a\" is an inline table (line 1): dotted "
	                                       "keys cannot add to it");
	parse_errs("[a.b.c]\n[a]\nb.c.d = 1\n", "3:1: key \"b\" is a table defined by a header "
	                                        "(line 1): dotted keys cannot add to it");
	parse_errs("a = [1]\n[[a]]\n", "2:3: cannot define array of tables \"a\": it is already an "
	                               "array (line 1)");
	parse_errs("a = 1\r\nb = 2\rc = 3\n", "2:6: carriage return not followed by a line feed");
	parse_errs("a = \"\x01\"\n", "1:6: control character U+0001 is not allowed");
	parse_errs("a = \"\xC3\x28\"\n", "1:6: invalid UTF-8 (byte 0xc3)");
	parse_errs("a = \"\xED\xA0\x80\"\n", "1:6: invalid UTF-8 (byte 0xed)"); /* surrogate */
	parse_errs("a = \"\\uD800\"\n", "1:6: \\uD800 is not a Unicode scalar value");
	parse_errs("a = \"\\U00110000\"\n", "1:6: \\U00110000 is not a Unicode scalar value");
	parse_errs("a = 9223372036854775808\n", "1:5: integer out of range");
	parse_errs("a = -9223372036854775809\n", "1:5: integer out of range");
	parse_errs("a = 0x1_0000_0000_0000_0000\n", "1:5: integer out of range");
	parse_errs("a = 012\n", "1:5: leading zeros are not allowed in a decimal number");
	parse_errs("a = 1__0\n", "1:5: invalid number");
	parse_errs("a = 1e400\n", "1:5: float out of range");
	parse_errs("a = 2023-02-29\n", "1:5: day out of range in a date");
	parse_errs("a = { b = 1,\n c = 2 }\n", "1:13: expected a key, found end of line");
	parse_errs("a = { b = 1 \n}\n", "1:13: newline in an inline table");
	parse_errs("a = { b = 1, }\n", "1:14: trailing comma in an inline table");
	parse_errs("a = [1 2]\n", "1:8: expected ',' or ']' in an array, found '2'");
	parse_errs("[a\n", "1:3: expected ']' to close a [table] header, found end of line");
	parse_errs("[[a] ]\n", "1:4: expected ']]' to close a [[array of tables]] header, found "
	                       "']'");
	parse_errs("é = 1\n", "1:1: expected a key, found U+00E9");
	parse_errs("'''a''' = 1\n", "1:1: a key cannot be a multi-line string");
	parse_err("a = \"\0\"", 7, "1:6: control character U+0000 is not allowed");
}

static void test_values(void **state)
{
	struct toml_value *root;

	(void)state;
	root = parse_ok("i1 = -9223372036854775808\n"
	                "i2 = 0x7FFF_FFFF_FFFF_FFFF\n"
	                "i3 = 0o755\n"
	                "i4 = 0b1010\n"
	                "i5 = +1_000\n"
	                "f1 = -inf\n"
	                "f2 = nan\n"
	                "f3 = 6.626e-34\n"
	                "f4 = -0.0\n"
	                "d1 = 1979-05-27 07:32:00.999z\n"
	                "d2 = 1979-05-27t07:32:00-07:00\n"
	                "d3 = 1979-05-27T07:32:00\n"
	                "d4 = 1979-05-27\n"
	                "d5 = 00:32:00.5\n"
	                "s1 = \"\\u00E9\\U0001F600\\t\"\n"
	                "s2 = '''\n"
	                "raw \\n ''still'' raw'''''\n"
	                "s3 = \"\"\"\\\n"
	                "   folded \\\n"
	                "   line\"\"\"\n");
	assert_true(get(root, "i1")->u.integer == INT64_MIN);
	assert_true(get(root, "i2")->u.integer == INT64_MAX);
	assert_int_equal(get(root, "i3")->u.integer, 0755);
	assert_int_equal(get(root, "i4")->u.integer, 10);
	assert_int_equal(get(root, "i5")->u.integer, 1000);
	assert_true(isinf(get(root, "f1")->u.fp) && get(root, "f1")->u.fp < 0);
	assert_true(isnan(get(root, "f2")->u.fp));
	assert_true(get(root, "f3")->u.fp == 6.626e-34);
	assert_true(signbit(get(root, "f4")->u.fp));
	assert_int_equal(get(root, "d1")->type, TOML_DATETIME);
	assert_string_equal(get(root, "d1")->u.str.ptr, "1979-05-27T07:32:00.999Z");
	assert_int_equal(get(root, "d2")->type, TOML_DATETIME);
	assert_string_equal(get(root, "d2")->u.str.ptr, "1979-05-27T07:32:00-07:00");
	assert_int_equal(get(root, "d3")->type, TOML_DATETIME_LOCAL);
	assert_string_equal(get(root, "d3")->u.str.ptr, "1979-05-27T07:32:00");
	assert_int_equal(get(root, "d4")->type, TOML_DATE_LOCAL);
	assert_string_equal(get(root, "d4")->u.str.ptr, "1979-05-27");
	assert_int_equal(get(root, "d5")->type, TOML_TIME_LOCAL);
	assert_string_equal(get(root, "d5")->u.str.ptr, "00:32:00.5");
	assert_string_equal(get(root, "s1")->u.str.ptr, "\xC3\xA9\xF0\x9F\x98\x80\t");
	assert_string_equal(get(root, "s2")->u.str.ptr, "raw \\n ''still'' raw''");
	assert_string_equal(get(root, "s3")->u.str.ptr, "folded line");
	toml_free(root);
}

static void test_tables(void **state)
{
	struct toml_value *root;
	const struct toml_value *v;

	(void)state;
	root = parse_ok("[fruit]\n"
	                "apple.color = \"red\"\n"
	                "apple.taste.sweet = true\n"
	                "[fruit.apple.texture]\n"
	                "smooth = true\n"
	                "[[fruit.variety]]\n"
	                "name = \"a\"\n"
	                "[fruit.variety.x]\n"
	                "[[fruit.variety]]\n"
	                "name = \"b\"\n"
	                "[a.b]\n"
	                "[a]\n"
	                "c = 1\n");
	v = get(get(root, "fruit"), "apple");
	assert_int_equal(get(v, "taste")->type, TOML_TABLE);
	assert_int_equal(get(get(v, "texture"), "smooth")->u.boolean, 1);
	v = get(get(root, "fruit"), "variety");
	assert_int_equal(v->u.array.len, 2);
	assert_string_equal(get(v->u.array.items[1], "name")->u.str.ptr, "b");
	assert_int_equal(get(get(root, "a"), "c")->u.integer, 1);
	toml_free(root);
}

static void test_limits(void **state)
{
	struct strbuf doc = STRBUF_INIT;
	struct toml_value *root;
	char *big;
	int i;

	(void)state;
	/* 128 nested arrays are fine, 129 are not: refused, not a crash */
	strbuf_addstr(&doc, "a = ");
	for (i = 0; i < 127; i++)
		strbuf_addch(&doc, '[');
	for (i = 0; i < 127; i++)
		strbuf_addch(&doc, ']');
	root = parse_ok(doc.buf);
	toml_free(root);
	strbuf_reset(&doc);
	strbuf_addstr(&doc, "a = ");
	for (i = 0; i < 100000; i++)
		strbuf_addch(&doc, '[');
	parse_err(doc.buf, doc.len, "1:133: nesting deeper than 128 levels");

	strbuf_reset(&doc);
	strbuf_addstr(&doc, "a = ");
	for (i = 0; i < 100000; i++)
		strbuf_addstr(&doc, "{b=");
	parse_err(doc.buf, doc.len, "1:389: nesting deeper than 128 levels");

	/* headers and dotted keys count towards the same depth */
	strbuf_reset(&doc);
	strbuf_addstr(&doc, "[a");
	for (i = 0; i < 100; i++)
		strbuf_addstr(&doc, ".a");
	strbuf_addstr(&doc, "]\nb");
	for (i = 0; i < 30; i++)
		strbuf_addstr(&doc, ".b");
	strbuf_addstr(&doc, " = 1\n");
	parse_err(doc.buf, doc.len, "2:55: nesting deeper than 128 levels");

	strbuf_reset(&doc);
	strbuf_addstr(&doc, "a");
	for (i = 0; i < 200; i++)
		strbuf_addstr(&doc, ".a");
	strbuf_addstr(&doc, " = 1\n");
	parse_err(doc.buf, doc.len, "1:257: key has more than 128 parts");

	/* keys up to 64 KiB */
	strbuf_reset(&doc);
	strbuf_addch(&doc, '"');
	for (i = 0; i < 65536; i++)
		strbuf_addch(&doc, 'k');
	strbuf_addstr(&doc, "\" = 1\n");
	root = parse_ok(doc.buf);
	assert_int_equal(root->u.table.items[0].keylen, 65536);
	toml_free(root);
	strbuf_reset(&doc);
	for (i = 0; i < 65537; i++)
		strbuf_addch(&doc, 'k');
	strbuf_addstr(&doc, " = 1\n");
	parse_err(doc.buf, doc.len, "1:1: key longer than 65536 bytes");
	strbuf_reset(&doc);
	strbuf_addstr(&doc, "'");
	for (i = 0; i < 65537; i++)
		strbuf_addch(&doc, 'k');
	strbuf_addstr(&doc, "' = 1\n");
	parse_err(doc.buf, doc.len, "1:1: key longer than 65536 bytes");
	strbuf_release(&doc);

	/* documents up to 16 MiB */
	big = malloc(TOML_MAX_INPUT + 1);
	assert_non_null(big);
	memset(big, '\n', TOML_MAX_INPUT + 1);
	root = toml_parse(big, TOML_MAX_INPUT, NULL);
	assert_non_null(root);
	toml_free(root);
	parse_err(big, TOML_MAX_INPUT + 1, "0:0: document larger than 16777216 bytes");
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_api),       cmocka_unit_test(test_empty_and_null_err),
	    cmocka_unit_test(test_many_keys), cmocka_unit_test(test_nul_in_keys_and_strings),
	    cmocka_unit_test(test_positions), cmocka_unit_test(test_error_positions),
	    cmocka_unit_test(test_values),    cmocka_unit_test(test_tables),
	    cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
