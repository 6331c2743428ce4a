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

#include <stdint.h>
#include <stdio.h>

struct globals {
	int quiet, verbose, offline, jobs, json;
	int64_t wait_ms; /* --wait / BURROW_WAIT, given in seconds (decimals allowed) */
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
/* Flushes and closes stdout at exit, as coreutils' close_stdout does: a
 * failed write or close (a full disk, /dev/full, a closed pipe's EIO) is
 * printed and turns exit code 0 into 1; other codes stay. */
int cmd_close_stdout(int code);
/* What a manifest is, from its content: PEP 751 by its name (pylock.toml,
 * pylock.NAME.toml, as the PEP names them) or a top-level lock-version
 * key; burrow's TOML when its first statement is a table header or a
 * "key = value"; a pip requirements file otherwise (a requirement, an
 * option).  An empty file goes by its suffix (.txt, .in: requirements).
 * name may be NULL (standard input). */
enum cmd_manifest_format {
	CMD_MANIFEST_TOML,
	CMD_MANIFEST_PYLOCK,
	CMD_MANIFEST_REQUIREMENTS,
};
enum cmd_manifest_format cmd_manifest_format(const char *name, const char *data, size_t len);
/* "burrow's TOML manifest", "a PEP 751 lock file", "a pip requirements
 * file": for messages. */
const char *cmd_manifest_format_name(enum cmd_manifest_format f);
/* The length of dir without its trailing slashes ("/" stays 1), to print
 * dir "/" name without a "//" (-o wheelhouse/). */
int cmd_dir_len(const char *dir);
/* Prints a usage error for cmd and returns BURROW_EUSAGE. */
int cmd_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "burrow CMD: unknown option OPT", with the closest option of CMD
 * or the global ones when cmd_suggest_option is set (burrow-core sets it;
 * the front binary has no help tables), and returns BURROW_EUSAGE. */
int cmd_unknown_option(const char *cmd, const char *opt);
extern const char *(*cmd_suggest_option)(const char *cmd, const char *opt);
/* The option of command cmd (or a global option) closest to opt, or NULL
 * (cmd_help.c, from the help tables). */
const char *cmd_help_suggest_option(const char *cmd, const char *opt);
/* The command closest to a mistyped name, or NULL (cmd_help.c). */
const char *cmd_help_suggest_command(const char *name);
/* Parses global options and exactly one operand (ENV or DIR) into *out:
 * 0, or BURROW_EUSAGE (printed; missing is the question asked when there
 * is none). */
int cmd_one_operand(const char *cmd, int argc, char **argv, const char *missing, const char **out);
/* Fills the install options shared by create, install and fetch. */
int cmd_install_options(struct install_options *o, struct strbuf *cache_dir, struct strbuf *err);
/* Shows a progress event on stderr: plain lines, a live line on a
 * terminal, or nothing with -q (cmd_progress.c). */
void cmd_progress(void *arg, const char *phase, const char *msg);
/* fetch_options.progress: transfer counts for the live line. */
void cmd_fetch_progress(void *arg, uint64_t bytes, size_t done, size_t total);
/* "812 B", "101 KiB", "3.4 MiB", "1.25 GiB" into buf; returns buf. */
const char *cmd_human_size(uint64_t n, char *buf, size_t len);
/* fetch_options.detail and .retrying: the bytes expected and the file
 * still downloading for the live line; a retry notice (on a terminal, and
 * with -v in plain mode). */
void cmd_fetch_detail(void *arg, uint64_t expected, const char *current);
void cmd_fetch_retrying(void *arg, const char *url, int attempt, int attempts, long delay_ms,
                        const char *why);
/* Ends an open live progress line, so that what is printed next starts on
 * a line of its own; NULL until a live line was drawn.  cmd_fail calls it. */
extern void (*cmd_progress_flush)(void);

/* A repeated option's values. */
struct cmd_list {
	char **v;
	size_t n;
};
int cmd_list_add(struct cmd_list *l, char *s);

/* --manifest, --index-url and --find-links, shared by create, install
 * and fetch. */
struct cmd_source {
	const char *manifest, *python, *link_mode;
	int compile;
	int repair; /* install --repair */
	struct cmd_list index_urls, find_links;
	struct cmd_list extras, groups; /* --extra, --group (PEP 751 locks) */
	char *from_env[2];              /* copies of BURROW_INDEX_URL, BURROW_FIND_LINKS, cut up */
};
/* Without --index-url (--find-links), the whitespace-separated URLs of
 * BURROW_INDEX_URL (BURROW_FIND_LINKS), as PIP_INDEX_URL and
 * PIP_FIND_LINKS: a flag wins over its variable.  -1 out of memory. */
int cmd_source_env(struct cmd_source *s);
/* Consumes a source option at argv[*i]: 1 consumed, 0 not one, -1 usage
 * error (printed). */
int cmd_source_option(int argc, char **argv, int *i, struct cmd_source *s);
/* Loads the manifest (or none; raw gets its bytes) and appends the repositories given on the
 * command line after the manifest's own. */
int cmd_load_manifest(struct cmd_source *s, struct manifest *m, struct strbuf *raw,
                      struct strbuf *err);
void cmd_source_release(struct cmd_source *s);
/* The link mode from --link-mode or BURROW_LINK_MODE (BURROW_EUSAGE if
 * neither auto, reflink, hardlink nor copy). */
int cmd_link_mode(const struct cmd_source *s, enum install_link_mode *mode, struct strbuf *err);
/* Prints the one-line summary of an install. */
void cmd_install_summary(const char *what, const struct install_options *o,
                         const struct install_result *res);
/* create, install and fetch share their options and their flow: parse
 * (source and global options; one ENV except for fetch; --manifest
 * required except for create), load the manifest, run the install, print
 * the summary or the error.  Returns the exit code. */
enum cmd_install_kind { CMD_CREATE, CMD_INSTALL, CMD_FETCH };
int cmd_install_command(enum cmd_install_kind kind, int argc, char **argv);

int cmd_create(int argc, char **argv);
int cmd_install(int argc, char **argv);
int cmd_fetch(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_env(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_pack(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_cache(int argc, char **argv);
int cmd_help(int argc, char **argv);

/* The command table (main.c), which `burrow help` documents (cmd_help.c). */
struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};
extern const struct command cmd_commands[];
extern const size_t cmd_ncommands;
/* The overview: usage, commands, global options (cmd_help.c). */
void cmd_help_overview(FILE *f);

#endif
