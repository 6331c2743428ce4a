/*
 * burrow index DIR
 *
 * Writes DIR/simple/: a static PEP 503 (HTML) and PEP 691 (JSON) index of
 * the wheels and native bundles in DIR, servable by any static web server.
 */
#include "cmd.h"

#include "repo.h"
#include "util/error.h"

#include <stdio.h>

int cmd_index(int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT;
	const char *dir = NULL;
	size_t nproj = 0, nfiles = 0;
	int r;

	if ((r = cmd_one_operand("index", argc, argv, "which folder? (burrow index DIR)", &dir)))
		return r;
	r = repo_write_index(dir, &nproj, &nfiles, &err);
	if (!r && !globals.quiet)
		fprintf(stderr, "burrow: indexed %zu file%s of %zu project%s in %.*s/simple/\n",
		        nfiles, nfiles == 1 ? "" : "s", nproj, nproj == 1 ? "" : "s",
		        cmd_dir_len(dir), dir);
	cmd_fail(r, &err);
	strbuf_release(&err);
	return r;
}
