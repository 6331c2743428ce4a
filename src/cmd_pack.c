/*
 * burrow pack DIR --name N --version V [--requires SPEC]... [--summary S]
 *             [--platform P] [--compression gz|xz|zst] -o OUTDIR
 *
 * Makes a reproducible native bundle of the prefix tree DIR, with its
 * bundle-info (METADATA and RECORD).  Warns for each ELF file that lacks a
 * RUNPATH with $ORIGIN.
 */
#include "cmd.h"

#include "bundle.h"
#include "util/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>

int cmd_pack(int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT, warn = STRBUF_INIT;
	struct cmd_list req = {0};
	const char *dir = NULL, *name = NULL, *version = NULL, *summary = NULL;
	const char *platform = NULL, *comp = "gz", *outdir = NULL;
	int i, r;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;
		if ((r = cmd_global_option(argc, argv, &i))) {
			if (r < 0)
				return BURROW_EUSAGE;
			continue;
		}
		if (!strcmp(a, "--name"))
			slot = &name;
		else if (!strcmp(a, "--version"))
			slot = &version;
		else if (!strcmp(a, "--summary"))
			slot = &summary;
		else if (!strcmp(a, "--platform"))
			slot = &platform;
		else if (!strcmp(a, "--compression"))
			slot = &comp;
		else if (!strcmp(a, "-o") || !strcmp(a, "--output"))
			slot = &outdir;
		if (slot || !strcmp(a, "--requires")) {
			if (i + 1 >= argc)
				return cmd_usage("pack", "%s needs a value", a);
			if (slot)
				*slot = argv[++i];
			else
				cmd_list_add(&req, argv[++i]);
			continue;
		}
		if (a[0] == '-' && a[1])
			return cmd_unknown_option("pack", a);
		if (dir)
			return cmd_usage("pack", "unexpected argument %s", a);
		dir = a;
	}
	if (!dir || !name || !version || !outdir)
		return cmd_usage("pack", "DIR, --name, --version and -o are required");
	if (strcmp(comp, "gz") && strcmp(comp, "xz") && strcmp(comp, "zst"))
		return cmd_usage("pack", "--compression: expected gz, xz or zst");
	if (mkdir(outdir, 0755) < 0 && errno != EEXIST) {
		error_set(&err, BURROW_EFAIL, "%s: %s", outdir, strerror(errno));
		return cmd_fail(BURROW_EFAIL, &err);
	}
	r = bundle_pack(dir, name, version, (const char *const *)req.v, req.n, summary,
	                platform ? platform : bundle_default_platform(), comp, outdir, &out, &warn,
	                &err);
	if (warn.len && !globals.quiet)
		fprintf(stderr, "%s%s", warn.buf, warn.buf[warn.len - 1] == '\n' ? "" : "\n");
	if (!r)
		printf("%.*s%s%s\n", cmd_dir_len(outdir), outdir, strcmp(outdir, "/") ? "/" : "",
		       out.buf);
	cmd_fail(r, &err);
	strbuf_release(&err);
	strbuf_release(&out);
	strbuf_release(&warn);
	free(req.v);
	return r;
}
