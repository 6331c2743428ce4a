/*
 * burrow fetch --manifest M [--index-url URL]... [--find-links DIR]...
 *
 * Fills the cache with the manifest's bundles (downloaded, verified and
 * unpacked) and touches no env: for a build stage, or before going offline.
 */
#include "cmd.h"

#include "util/error.h"

#include <stdio.h>
#include <string.h>

int cmd_fetch(int argc, char **argv)
{
	struct cmd_source src = {0};
	struct install_options o = {0};
	struct install_result res;
	struct strbuf err = STRBUF_INIT, cache = STRBUF_INIT;
	struct manifest m;
	int i, r;

	manifest_init(&m);
	for (i = 1; i < argc; i++) {
		if ((r = cmd_source_option(argc, argv, &i, &src)) ||
		    (r = cmd_global_option(argc, argv, &i))) {
			if (r < 0)
				return BURROW_EUSAGE;
			continue;
		}
		return cmd_usage("fetch", "unexpected argument %s", argv[i]);
	}
	if (!src.manifest)
		return cmd_usage("fetch", "--manifest is required");
	r = cmd_load_manifest(&src, &m, &err);
	if (!r)
		r = cmd_install_options(&o, &cache, &err);
	if (!r) {
		o.m = &m;
		o.fetch_only = 1;
		o.python = src.python;
		r = install_run(&o, &res, &err);
		if (!r)
			cmd_install_summary("fetched", &o, &res);
	}
	cmd_fail(r, &err);
	manifest_release(&m);
	cmd_source_release(&src);
	strbuf_release(&err);
	strbuf_release(&cache);
	return r;
}
