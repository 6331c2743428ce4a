/*
 * burrow: a dependency-isolating app launcher.
 *
 * main.c holds the command table and the global options, and dispatches.
 * Each command lives in its own cmd_*.c; the core (everything else) never
 * prints and never exits.
 */
#include "cmd.h"

#include "cache.h"
#include "install.h"
#include "manifest.h"
#include "pylock.h"
#include "reqfile.h"
#include "util/error.h"
#include "util/signals.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
    {"create", cmd_create, "make a new env, and install a manifest into it"},
    {"install", cmd_install, "make an env hold exactly a manifest's bundles"},
    {"fetch", cmd_fetch, "fill the cache with a manifest's bundles only"},
    {"run", cmd_run, "exec a command inside an env"},
    {"env", cmd_env, "print the environment run would give"},
    {"list", cmd_list, "list the bundles an env holds"},
    {"pack", cmd_pack, "make a native bundle from a prefix tree"},
    {"index", cmd_index, "write a static simple index for a folder of bundles"},
    {"cache", cmd_cache, "show or clean the cache (dir, info, clean)"},
    {"help", cmd_help, "show help for burrow or a command"},
};

void cmd_progress(void *arg, const char *phase, const char *msg)
{
	(void)arg;
	if (globals.quiet || (globals.progress && !strcmp(globals.progress, "none")))
		return;
	fprintf(stderr, "burrow: %s: %s\n", phase, msg);
}

int cmd_install_options(struct install_options *o, struct strbuf *cache_dir, struct strbuf *err)
{
	int r = cache_default_dir(globals.cache_dir, cache_dir, err);

	if (r)
		return r;
	o->cache_dir = cache_dir->buf;
	fetch_options_init(&o->fetch);
	o->fetch.offline = globals.offline;
	if (globals.jobs)
		o->fetch.jobs = globals.jobs;
	o->fetch.cacert = globals.cacert;
	o->wait_seconds = globals.wait;
	o->progress.event = cmd_progress;
	o->search_path = getenv("PATH");
	return 0;
}

int cmd_source_option(int argc, char **argv, int *i, struct cmd_source *s)
{
	const char *a = argv[*i];
	static const char *const names[] = {"--manifest", "--index-url", "--find-links",
					    "--python"};
	size_t k, n;

	if (!strcmp(a, "--compile")) {
		s->compile = 1;
		return 1;
	}
	for (k = 0; k < 4; k++) {
		char *val;
		n = strlen(names[k]);
		if (strncmp(a, names[k], n) || (a[n] != '=' && a[n] != '\0'))
			continue;
		if (a[n] == '=')
			val = argv[*i] + n + 1;
		else if (*i + 1 < argc)
			val = argv[++*i];
		else {
			fprintf(stderr, "burrow: %s needs a value\n", names[k]);
			return -1;
		}
		if (k == 0)
			s->manifest = val;
		else if (k == 3)
			s->python = val;
		else if (cmd_list_add(k == 1 ? &s->index_urls : &s->find_links, val) < 0)
			return -1;
		return 1;
	}
	return 0;
}

/* The three inputs land in one model: pylock.toml (PEP 751) by its name,
 * requirements files by their .txt/.in suffix, burrow's TOML otherwise. */
static int cmd_read_manifest(const char *path, struct manifest *m, struct strbuf *err)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (!strcmp(base, "pylock.toml") ||
	    (!strncmp(base, "pylock.", 7) && n > 12 && !strcmp(base + n - 5, ".toml")))
		return pylock_load(path, m, err);
	if ((n > 4 && !strcmp(base + n - 4, ".txt")) || (n > 3 && !strcmp(base + n - 3, ".in")))
		return reqfile_load(path, m, err);
	return manifest_load(path, m, err);
}

int cmd_load_manifest(struct cmd_source *s, struct manifest *m, struct strbuf *err)
{
	size_t k;
	int r;

	if (s->manifest && (r = cmd_read_manifest(s->manifest, m, err)))
		return r;
	for (k = 0; k < s->index_urls.n; k++)
		if ((r = manifest_add_repo(m, s->index_urls.v[k], err)))
			return r;
	for (k = 0; k < s->find_links.n; k++)
		if ((r = manifest_add_repo(m, s->find_links.v[k], err)))
			return r;
	return 0;
}

void cmd_source_release(struct cmd_source *s)
{
	free(s->index_urls.v);
	free(s->find_links.v);
	memset(s, 0, sizeof(*s));
}

void cmd_install_summary(const char *what, const struct install_options *o,
                         const struct install_result *res)
{
	if (globals.quiet)
		return;
	if (res->noop)
		fprintf(stderr, "burrow: %s: nothing to do (%zu bundle%s up to date)\n",
		        o->env_path, res->bundles, res->bundles == 1 ? "" : "s");
	else if (o->fetch_only)
		fprintf(stderr, "burrow: fetched %zu, unpacked %zu, %zu bundle%s in the cache\n",
		        res->fetched, res->unpacked, res->bundles, res->bundles == 1 ? "" : "s");
	else
		fprintf(stderr,
		        "burrow: %s %s: %zu bundle%s, %zu file%s (%zu added, %zu changed, %zu "
		        "removed; %zu downloaded)\n",
		        what, o->env_path, res->bundles, res->bundles == 1 ? "" : "s", res->files,
		        res->files == 1 ? "" : "s", res->added, res->changed, res->removed,
		        res->fetched);
}


static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: burrow [-q] [-v] [--offline] [--cache-dir DIR] [--jobs N] "
	           "[--wait S]\n              [--progress auto|plain|none] [--cacert FILE] "
	           "COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nburrow help COMMAND shows a command's options.\n");
}

int cmd_help(int argc, char **argv)
{
	static const struct {
		const char *name, *text;
	} help[] = {
	    {"create",
	     "burrow create ENV [--manifest M] [--index-url URL]... [--find-links DIR]...\n"
	     "  Makes a new env at ENV; with a manifest, installs its bundles."},
	    {"install",
	     "burrow install ENV --manifest M [--index-url URL]... [--find-links DIR]...\n"
	     "  Makes ENV hold exactly the manifest's bundles (adds, replaces, removes);\n"
	     "  a no-op when nothing changed."},
	    {"fetch", "burrow fetch --manifest M [--index-url URL]... [--find-links DIR]...\n"
	              "  Downloads, verifies and unpacks the manifest's bundles into the cache."},
	    {"run", "burrow run [--keep VAR]... [--env K=V]... ENV -- CMD [ARG...]\n"
	            "  Execs CMD in ENV with an environment built from an allowlist."},
	    {"env", "burrow env [--keep VAR]... [--env K=V]... ENV\n"
	            "  Prints the environment run would give, one VAR=value a line."},
	    {"list", "burrow list ENV [--json]\n  Lists the installed bundles."},
	    {"pack", "burrow pack DIR --name N --version V [--requires SPEC]... [--summary S]\n"
	             "            [--platform P] [--compression gz|xz|zst] -o OUTDIR\n"
	             "  Makes a reproducible native bundle of the prefix tree DIR."},
	    {"index", "burrow index DIR\n"
	              "  Writes DIR/simple/, a static PEP 503/691 index of DIR's bundles."},
	    {"cache", "burrow cache dir|info|clean\n  Shows or empties the cache."},
	    {"help", "burrow help [COMMAND]"},
	};
	size_t i;

	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(help) / sizeof(help[0]); i++)
		if (!strcmp(argv[1], help[i].name)) {
			printf("usage: %s\n", help[i].text);
			return 0;
		}
	fprintf(stderr, "burrow: no such command \"%s\"\n", argv[1]);
	return BURROW_EUSAGE;
}

int main(int argc, char **argv)
{
	int i = 1;
	size_t k;

	cmd_env_defaults();
	signals_install();
	while (i < argc && argv[i][0] == '-') {
		int r;
		if (!strcmp(argv[i], "--version")) {
			printf("burrow %s\n", BURROW_VERSION);
			return 0;
		}
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		r = cmd_global_option(argc, argv, &i);
		if (r < 0)
			return BURROW_EUSAGE;
		if (r == 0) {
			fprintf(stderr, "burrow: unknown option %s\n", argv[i]);
			usage(stderr);
			return BURROW_EUSAGE;
		}
		i++;
	}
	if (i >= argc) {
		usage(stderr);
		return BURROW_EUSAGE;
	}
	for (k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
		if (!strcmp(argv[i], commands[k].name))
			return commands[k].fn(argc - i, argv + i);
	fprintf(stderr, "burrow: unknown command \"%s\"\n", argv[i]);
	usage(stderr);
	return BURROW_EUSAGE;
}
