/*
 * burrow run [--user NAME|UID[:GROUP|GID]] [--keep VAR]... [--env K=V]... ENV -- CMD [ARG...]
 *
 * Execs CMD inside ENV: the environment is built from an allowlist, CMD is
 * looked up on the env's PATH, and burrow becomes CMD (no fork), so CMD
 * keeps our pid, gets signals directly and its exit status is its own.
 * --user drops privileges first, as su-exec and gosu do (launch.h).
 * Returns only on failure: 127 not found, 126 not executable.
 */
#include "cmd.h"

#include "launch.h"
#include "util/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int value(int argc, char **argv, int *i, const char *name, char **out)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n))
		return 0;
	if (argv[*i][n] == '=') {
		*out = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n])
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*out = argv[++*i];
	return 1;
}

int cmd_run(int argc, char **argv)
{
	struct cmd_list keep = {0}, set = {0};
	struct strbuf err = STRBUF_INIT;
	const char *env = NULL, *user = NULL;
	char *v;
	int i, r;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (env)
			break; /* the command starts here (burrow run ENV CMD ...) */
		if ((r = value(argc, argv, &i, "--keep", &v))) {
			if (r < 0 || cmd_list_add(&keep, v) < 0)
				return cmd_usage("run", "--keep needs a variable name");
			continue;
		}
		if ((r = value(argc, argv, &i, "--env", &v))) {
			if (r < 0 || cmd_list_add(&set, v) < 0)
				return cmd_usage("run", "--env needs NAME=VALUE");
			continue;
		}
		if ((r = value(argc, argv, &i, "--user", &v))) {
			if (r < 0 || !*v)
				return cmd_usage("run", "--user needs NAME|UID[:GROUP|GID]");
			user = v;
			continue;
		}
		if ((r = cmd_global_option(argc, argv, &i))) {
			if (r < 0)
				return BURROW_EUSAGE;
			continue;
		}
		if (argv[i][0] == '-')
			return cmd_unknown_option("run", argv[i]);
		env = argv[i];
	}
	if (!env)
		return cmd_usage("run", "which env? (burrow run ENV -- CMD [ARG...])");
	if (i >= argc)
		return cmd_usage("run", "which command? (burrow run ENV -- CMD [ARG...])");
	r = launch_run(env, user, keep.v, keep.n, set.v, set.n, argv + i, &err);
	/* Only failures come back. */
	cmd_fail(r, &err);
	strbuf_release(&err);
	free(keep.v);
	free(set.v);
	return r;
}
