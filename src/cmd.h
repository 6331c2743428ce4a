/*
 * cmd: what main.c shares with the cmd_*.c files: the global options, the
 * command functions, and the printing helpers (only main.c and cmd_*.c
 * print or pick exit codes).
 */
#ifndef BURROW_CMD_H
#define BURROW_CMD_H

#include "install.h"
#include "manifest.h"
#include "util/strbuf.h"

struct globals {
	int quiet, verbose, offline, jobs, json, wait;
	const char *cache_dir, *progress, *cacert;
};
extern struct globals globals;

/* Consumes a global option at argv[*i] (advancing *i past its value);
 * returns 1 if consumed, 0 if not a global option, -1 on a usage error
 * (already printed). */
int cmd_global_option(int argc, char **argv, int *i);
/* Reads the BURROW_* environment variables into globals. */
void cmd_env_defaults(void);
/* Prints "burrow: error: <msg>" (nothing for code 0) and returns code. */
int cmd_fail(int code, const struct strbuf *err);
/* Prints a usage error for cmd and returns BURROW_EUSAGE. */
int cmd_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Fills the install options shared by create, install and fetch. */
int cmd_install_options(struct install_options *o, struct strbuf *cache_dir, struct strbuf *err);
/* Prints a progress event to stderr unless -q. */
void cmd_progress(void *arg, const char *phase, const char *msg);

/* A repeated option's values. */
struct cmd_list {
	char **v;
	size_t n;
};
int cmd_list_add(struct cmd_list *l, char *s);

/* --manifest, --index-url and --find-links, shared by create, install
 * and fetch. */
struct cmd_source {
	const char *manifest, *python;
	int compile;
	struct cmd_list index_urls, find_links;
};
/* Consumes a source option at argv[*i]: 1 consumed, 0 not one, -1 usage
 * error (printed). */
int cmd_source_option(int argc, char **argv, int *i, struct cmd_source *s);
/* Loads the manifest (or none) and appends the repositories given on the
 * command line after the manifest's own. */
int cmd_load_manifest(struct cmd_source *s, struct manifest *m, struct strbuf *err);
void cmd_source_release(struct cmd_source *s);
/* Prints the one-line summary of an install. */
void cmd_install_summary(const char *what, const struct install_options *o,
                         const struct install_result *res);

int cmd_create(int argc, char **argv);
int cmd_install(int argc, char **argv);
int cmd_fetch(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_env(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_pack(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_cache(int argc, char **argv);
int cmd_help(int argc, char **argv);

#endif
