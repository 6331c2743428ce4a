/*
 * toml-decoder: the toml-test decoder interface for src/toml.c.
 *
 * Reads a TOML document on stdin and prints it on stdout as toml-test's
 * "tagged JSON" (tables as objects, arrays as arrays, every scalar as
 * {"type": T, "value": "S"}).  Exits 1 with the parser's message on stderr
 * when the document is refused, 2 when stdin cannot be read.
 * Used by tests/conformance/toml_test.py.
 */
#include "toml.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_string(const char *s, size_t len)
{
	size_t i;

	putchar('"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20 || c == 0x7F)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void put_scalar(const char *type, const char *text, size_t len)
{
	fputs("{\"type\":\"", stdout);
	fputs(type, stdout);
	fputs("\",\"value\":", stdout);
	put_string(text, len);
	putchar('}');
}

static void put_value(const struct toml_value *v)
{
	char buf[64];
	size_t i;

	switch (v->type) {
	case TOML_TABLE:
		putchar('{');
		for (i = 0; i < v->u.table.len; i++) {
			if (i)
				putchar(',');
			put_string(v->u.table.items[i].key, v->u.table.items[i].keylen);
			putchar(':');
			put_value(v->u.table.items[i].value);
		}
		putchar('}');
		break;
	case TOML_ARRAY:
		putchar('[');
		for (i = 0; i < v->u.array.len; i++) {
			if (i)
				putchar(',');
			put_value(v->u.array.items[i]);
		}
		putchar(']');
		break;
	case TOML_STRING:
	case TOML_DATETIME:
	case TOML_DATETIME_LOCAL:
	case TOML_DATE_LOCAL:
	case TOML_TIME_LOCAL:
		put_scalar(toml_type_name(v->type), v->u.str.ptr, v->u.str.len);
		break;
	case TOML_INTEGER:
		snprintf(buf, sizeof(buf), "%" PRId64, v->u.integer);
		put_scalar("integer", buf, strlen(buf));
		break;
	case TOML_FLOAT:
		if (isnan(v->u.fp))
			snprintf(buf, sizeof(buf), "nan");
		else if (isinf(v->u.fp))
			snprintf(buf, sizeof(buf), "%sinf", v->u.fp < 0 ? "-" : "");
		else
			snprintf(buf, sizeof(buf), "%.17g", v->u.fp);
		put_scalar("float", buf, strlen(buf));
		break;
	case TOML_BOOL:
		put_scalar("bool", v->u.boolean ? "true" : "false", v->u.boolean ? 4 : 5);
		break;
	}
}

int main(void)
{
	struct strbuf in = STRBUF_INIT, err = STRBUF_INIT;
	struct toml_value *root;
	char chunk[65536];
	size_t n;

	strbuf_init(&in, TOML_MAX_INPUT + 1);
	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
		if (strbuf_add(&in, chunk, n) < 0) {
			fprintf(stderr, "toml-decoder: input larger than %zu bytes\n",
			        TOML_MAX_INPUT);
			return 1;
		}
	}
	if (ferror(stdin)) {
		perror("toml-decoder: stdin");
		return 2;
	}
	root = toml_parse(in.buf, in.len, &err);
	strbuf_release(&in);
	if (!root) {
		fprintf(stderr, "toml-decoder: %s\n", err.buf);
		strbuf_release(&err);
		return 1;
	}
	put_value(root);
	putchar('\n');
	toml_free(root);
	strbuf_release(&err);
	return fflush(stdout) == 0 ? 0 : 2;
}
