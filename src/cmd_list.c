/*
 * burrow list ENV [--json] [--format columns|freeze|json|requirements]
 *
 * Lists the bundles an env holds, from its state.db.  requirements is
 * pip's hash-checking form, which create reads back (a round trip).
 */
#include "cmd.h"

#include "envdir.h"
#include "state.h"
#include "trust.h"
#include "util/error.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cmd_list(int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT;
	struct state_bundles sb = {0};
	struct sqlite3 *db = NULL;
	const char *env = NULL, *format = NULL;
	int r, fd, i;
	size_t k;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if ((r = cmd_global_option(argc, argv, &i))) {
			if (r < 0)
				return BURROW_EUSAGE;
			continue;
		}
		if (!strncmp(a, "--format", 8) && (a[8] == '=' || (!a[8] && i + 1 < argc))) {
			format = a[8] == '=' ? a + 9 : argv[++i];
			continue;
		}
		if (a[0] == '-' && a[1])
			return cmd_unknown_option("list", a);
		if (env)
			return cmd_usage("list", "unexpected argument %s", a);
		env = a;
	}
	if (!env)
		return cmd_usage("list", "which env? (burrow list ENV)");
	if (!format)
		format = globals.json ? "json" : "columns";
	if (strcmp(format, "columns") && strcmp(format, "freeze") && strcmp(format, "json") &&
	    strcmp(format, "requirements"))
		return cmd_usage("list",
		                 "--format: expected columns, freeze, json or requirements");
	fd = open(env, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			error_set(&err, BURROW_EFAIL, ENVDIR_NO_SUCH_ENV, env);
		else
			error_set(&err, BURROW_EFAIL, "%s: %s", env, strerror(errno));
		cmd_fail(BURROW_EFAIL, &err);
		strbuf_release(&err);
		return BURROW_EFAIL;
	}
	/* as root, state.db of an env another user can change is not read */
	r = trust_env_records(fd, env, &err);
	if (!r && (r = state_open(fd, &db, &err)))
		error_prefix(&err, r, "%s: not a burrow env", env);
	if (!r)
		r = state_bundles(db, &sb, &err);
	close(fd);
	if (!r && !strcmp(format, "json")) {
		json_object *arr = json_object_new_array();
		for (k = 0; k < sb.len; k++) {
			json_object *o = json_object_new_object();
			json_object_object_add(o, "name", json_object_new_string(sb.items[k].name));
			json_object_object_add(o, "version",
			                       json_object_new_string(sb.items[k].version));
			json_object_object_add(o, "kind", json_object_new_string(sb.items[k].kind));
			json_object_object_add(o, "sha256",
			                       json_object_new_string(sb.items[k].sha256));
			json_object_object_add(o, "filename",
			                       json_object_new_string(sb.items[k].filename));
			json_object_array_add(arr, o);
		}
		printf("%s\n", json_object_to_json_string_ext(
		                   arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(arr);
	} else if (!r && !strcmp(format, "requirements")) {
		fputs(
		    "# from burrow list --format requirements: pinned with the hash of each file\n"
		    "# installed (burrow create NEW --manifest THIS --find-links ...)\n",
		    stdout);
		for (k = 0; k < sb.len; k++)
			printf("%s==%s \\\n    --hash=sha256:%s\n", sb.items[k].name,
			       sb.items[k].version, sb.items[k].sha256);
	} else if (!r) {
		for (k = 0; k < sb.len; k++)
			printf(strcmp(format, "freeze") ? "%s %s\n" : "%s==%s\n", sb.items[k].name,
			       sb.items[k].version);
	}
	state_bundles_release(&sb);
	state_close(db);
	cmd_fail(r, &err);
	strbuf_release(&err);
	return r;
}
