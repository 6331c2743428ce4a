/*
 * burrow check ENV [--json]
 *
 * Integrity, dependency consistency and leaks of an env (audit.h).  One
 * line per finding, "KIND: PATH: DETAIL", then a summary; or with --json
 * {"env": ..., "findings": [{"kind", "path", "detail"}...], "ok": bool}.
 * Exit 0 when clean, 1 on any finding (and when ENV is not a burrow env:
 * the message says so), 2 on a usage error.
 */
#include "cmd.h"

#include "audit.h"
#include "util/error.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static void print_json(const char *env, const struct audit_report *rep)
{
	json_object *o = json_object_new_object(), *arr = json_object_new_array();
	size_t i;

	json_object_object_add(o, "env", json_object_new_string(env));
	for (i = 0; i < rep->len; i++) {
		json_object *f = json_object_new_object();
		json_object_object_add(f, "kind", json_object_new_string(rep->items[i].kind));
		json_object_object_add(f, "path", json_object_new_string(rep->items[i].path));
		json_object_object_add(f, "detail", json_object_new_string(rep->items[i].detail));
		json_object_array_add(arr, f);
	}
	json_object_object_add(o, "findings", arr);
	json_object_object_add(o, "ok", json_object_new_boolean(rep->len == 0));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
	                                                     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void print_text(const char *env, const struct audit_report *rep)
{
	size_t i;

	for (i = 0; i < rep->len; i++) {
		const struct audit_finding *f = &rep->items[i];
		if (f->path[0] && f->detail[0])
			printf("%s: %s: %s\n", f->kind, f->path, f->detail);
		else
			printf("%s: %s\n", f->kind, f->path[0] ? f->path : f->detail);
	}
	if (globals.quiet)
		return;
	if (rep->len)
		printf("%s: %zu finding%s (%zu bundle%s, %zu file%s checked)\n", env, rep->len,
		       rep->len == 1 ? "" : "s", rep->bundles, rep->bundles == 1 ? "" : "s",
		       rep->files, rep->files == 1 ? "" : "s");
	else
		printf("%s: ok (%zu bundle%s, %zu file%s, %zu ELF file%s%s)\n", env, rep->bundles,
		       rep->bundles == 1 ? "" : "s", rep->files, rep->files == 1 ? "" : "s",
		       rep->elf_files, rep->elf_files == 1 ? "" : "s",
		       rep->python ? ", sys.path and modules" : "");
}

int cmd_check(int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT;
	struct audit_report rep = {0};
	const char *env = NULL;
	int r;

	if ((r = cmd_one_operand("check", argc, argv, "which env? (burrow check ENV)", &env)))
		return r;
	r = audit_run(env, AUDIT_ALL, &rep, &err);
	if (!r) {
		if (globals.json)
			print_json(env, &rep);
		else
			print_text(env, &rep);
		fflush(stdout);
		r = rep.len ? BURROW_EFAIL : 0;
	} else {
		cmd_fail(r, &err);
	}
	audit_report_release(&rep);
	strbuf_release(&err);
	return r;
}
