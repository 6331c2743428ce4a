/*
 * burrow env [--keep VAR]... [--env K=V]... [-0] ENV
 *
 * Prints the environment `burrow run` would give, one NAME=value a line
 * (NUL-separated with -0, for env -i or xargs -0; one JSON object with
 * --json).
 */
#include "cmd.h"

#include "launch.h"
#include "util/error.h"
#include "util/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prints s as a JSON string.  The front links libc only, so no json-c:
 * control characters, '"' and '\\' are escaped, and bytes that are not
 * UTF-8 become U+FFFD (as Go's encoding/json does: JSON holds text). */
static void json_string(const char *s, size_t len)
{
	size_t i = 0, n;

	putchar('"');
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			printf("\\%c", c);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			printf("\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			putchar(c);
			i++;
		} else if ((n = utf8_decode((const unsigned char *)s + i, len - i, NULL))) {
			fwrite(s + i, 1, n, stdout);
			i += n;
		} else {
			fputs("\xef\xbf\xbd", stdout);
			i++;
		}
	}
	putchar('"');
}

int cmd_env(int argc, char **argv)
{
	struct cmd_list keep = {0}, set = {0};
	struct strbuf err = STRBUF_INIT;
	struct strvec out = {0};
	const char *env = NULL;
	int i, r, nul = 0;
	size_t k;

	for (i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "--keep") || !strcmp(argv[i], "--env")) && i + 1 < argc) {
			cmd_list_add(argv[i][2] == 'k' ? &keep : &set, argv[i + 1]);
			i++;
			continue;
		}
		if (!strncmp(argv[i], "--keep=", 7)) {
			cmd_list_add(&keep, argv[i] + 7);
			continue;
		}
		if (!strncmp(argv[i], "--env=", 6)) {
			cmd_list_add(&set, argv[i] + 6);
			continue;
		}
		if (!strcmp(argv[i], "-0")) {
			nul = 1;
			continue;
		}
		if ((r = cmd_global_option(argc, argv, &i))) {
			if (r < 0)
				return BURROW_EUSAGE;
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1])
			return cmd_unknown_option("env", argv[i]);
		if (env)
			return cmd_usage("env", "unexpected argument %s", argv[i]);
		env = argv[i];
	}
	if (!env)
		return cmd_usage("env", "which env? (burrow env ENV)");
	r = launch_env_for(env, keep.v, keep.n, set.v, set.n, &out, &err);
	if (!r && globals.json) {
		fputs("{", stdout);
		for (k = 0; k < out.len; k++) {
			const char *eq = strchr(out.v[k], '=');
			size_t n = eq ? (size_t)(eq - out.v[k]) : strlen(out.v[k]);
			fputs(k ? ",\n  " : "\n  ", stdout);
			json_string(out.v[k], n);
			fputs(": ", stdout);
			json_string(eq ? eq + 1 : "", eq ? strlen(eq + 1) : 0);
		}
		fputs(out.len ? "\n}\n" : "}\n", stdout);
	} else if (!r) {
		for (k = 0; k < out.len; k++)
			printf("%s%c", out.v[k], nul ? '\0' : '\n');
	}
	cmd_fail(r, &err);
	strvec_release(&out);
	strbuf_release(&err);
	free(keep.v);
	free(set.v);
	return r;
}
