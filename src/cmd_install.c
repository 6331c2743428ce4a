/*
 * burrow install ENV --manifest M [--index-url URL]... [--find-links DIR]...
 *
 * Makes ENV hold exactly the manifest's bundles: adds, replaces and removes,
 * in one atomic swap; a no-op when nothing changed.
 */
#include "cmd.h"

#include "util/error.h"

#include <stdio.h>
#include <string.h>

int cmd_install(int argc, char **argv)
{
	struct cmd_source src = {0};
	struct install_options o = {0};
	struct install_result res;
	struct strbuf err = STRBUF_INIT, cache = STRBUF_INIT, command = STRBUF_INIT;
	struct manifest m;
	const char *env = NULL;
	int i, r;

	manifest_init(&m);
	for (i = 1; i < argc; i++) {
		if ((r = cmd_source_option(argc, argv, &i, &src)) ||
		    (r = cmd_global_option(argc, argv, &i))) {
			if (r < 0)
				return BURROW_EUSAGE;
			continue;
		}
		if (argv[i][0] == '-')
			return cmd_usage("install", "unknown option %s", argv[i]);
		if (env)
			return cmd_usage("install", "one env at a time");
		env = argv[i];
	}
	if (!env)
		return cmd_usage("install", "which env? (burrow install ENV --manifest M)");
	if (!src.manifest)
		return cmd_usage("install", "--manifest is required");
	r = cmd_load_manifest(&src, &m, &err);
	if (!r)
		r = cmd_install_options(&o, &cache, &err);
	if (!r) {
		o.env_path = env;
		o.python = src.python;
		o.compile = src.compile;
		r = cmd_link_mode(&src, &o.link_mode, &err);
	}
	if (!r) {
		strbuf_addf(&command, "burrow %s %s", "install", env);
		o.command = command.buf;
		o.m = &m;
		o.create = 0;
		r = install_run(&o, &res, &err);
		if (!r)
			cmd_install_summary("installed", &o, &res);
	}
	cmd_fail(r, &err);
	manifest_release(&m);
	cmd_source_release(&src);
	strbuf_release(&err);
	strbuf_release(&cache);
	strbuf_release(&command);
	return r;
}
