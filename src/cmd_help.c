/*
 * burrow help [COMMAND] | --man | --completion bash|zsh|fish
 *
 * The one source of burrow's documentation: the tables below (every
 * command's synopsis, text and options; the global options with their
 * environment variables) together with main.c's command table.  From them
 * come the overview (`burrow help`, `burrow --help`), each command's help,
 * the man page (`burrow help --man`, troff for `make man`) and the bash,
 * zsh and fish completion scripts (`burrow help --completion SHELL`).  A command in
 * main.c's table without an entry here is a bug that `burrow help` and the
 * e2e tests report.
 */
#include "cmd.h"

#include "install.h"
#include "util/error.h"
#include "util/suggest.h"

#include <stdio.h>
#include <string.h>

/* What an option's value or a command's operand is, for completion. */
enum help_kind {
	KIND_NONE,   /* a flag without a value */
	KIND_WORD,   /* anything: nothing to complete */
	KIND_FILE,   /* a file name */
	KIND_DIR,    /* a directory */
	KIND_CHOICE, /* one of help_option.choices */
	KIND_USER,   /* a user name */
};

struct help_option {
	const char *flags; /* "-o, --output" */
	const char *arg;   /* "DIR", or NULL for a flag */
	enum help_kind kind;
	const char *choices; /* KIND_CHOICE: space-separated */
	const char *text;
	const char *env; /* the environment variable that sets it, or NULL */
};

#define HELP_MAX_OPTIONS 12

struct help_command {
	const char *name;
	const char *synopsis; /* after "burrow NAME ", one line per form */
	const char *text;     /* paragraphs separated by "\n" */
	enum help_kind operand;
	const char *operand_words; /* completion words for the first operand */
	struct help_option options[HELP_MAX_OPTIONS];
};

#define SOURCE_OPTIONS(manifest_text)                                                              \
	{"--manifest", "M", KIND_FILE, NULL, manifest_text, NULL},                                 \
	    {"--index-url",                                                                        \
	     "URL",                                                                                \
	     KIND_WORD,                                                                            \
	     NULL,                                                                                 \
	     "a PEP 503/691 simple index to try after the manifest's own repositories "            \
	     "(repeatable)",                                                                       \
	     NULL},                                                                                \
	    {"--find-links",                                                                       \
	     "DIR",                                                                                \
	     KIND_DIR,                                                                             \
	     NULL,                                                                                 \
	     "a flat folder of bundles to try after the manifest's own repositories (repeatable)", \
	     NULL},                                                                                \
	    {"--python",                                                                           \
	     "PY",                                                                                 \
	     KIND_FILE,                                                                            \
	     NULL,                                                                                 \
	     "the base interpreter (a path, a name on PATH, or a version such as 3.12; a pyenv "   \
	     "shim stands for the interpreter it runs); default: [env].python, else the env's "    \
	     "own",                                                                                \
	     NULL},                                                                                \
	    {"--extra",                                                                            \
	     "NAME",                                                                               \
	     KIND_WORD,                                                                            \
	     NULL,                                                                                 \
	     "a PEP 751 lock's extra to install ('NAME' in extras holds; repeatable)",             \
	     NULL},                                                                                \
	{                                                                                          \
		"--group", "NAME", KIND_WORD, NULL,                                                \
		    "a PEP 751 lock's dependency group to install, instead of its "                \
		    "default-groups ('NAME' in dependency_groups holds; repeatable)",              \
		    NULL                                                                           \
	}

#define ENV_OPTIONS                                                                                \
	{"--keep",                                                                                 \
	 "VAR",                                                                                    \
	 KIND_WORD,                                                                                \
	 NULL,                                                                                     \
	 "let the caller's VAR through (repeatable; never LD_*, PYTHON*, MALLOC_*, GCONV_PATH, "   \
	 "GLIBC_TUNABLES, LOCPATH, BASH_ENV or ENV: set those with --env)",                        \
	 NULL},                                                                                    \
	{                                                                                          \
		"--env", "K=V", KIND_WORD, NULL, "set K to V, after [run].env (repeatable)", NULL  \
	}

#define LINK_OPTIONS                                                                               \
	{                                                                                          \
	    "--compile",                                                                           \
	    NULL,                                                                                  \
	    KIND_NONE,                                                                             \
	    NULL,                                                                                  \
	    "byte-compile site-packages with the base interpreter",                                \
	    NULL},                                                                                 \
	{                                                                                          \
		"--link-mode", "auto|reflink|hardlink|copy", KIND_CHOICE,                          \
		    "auto reflink hardlink copy",                                                  \
		    "how files come from the cache into the env: auto (reflink, else hardlink, "   \
		    "else "                                                                        \
		    "copy), reflink, hardlink or copy",                                            \
		    "BURROW_LINK_MODE"                                                             \
	}

static const struct help_command help_commands[] = {
    {"create",
     "ENV [--manifest M] [--python PY] [--index-url URL]... [--find-links DIR]...\n"
     "    [--compile] [--link-mode MODE]",
     "Makes a new env at ENV (which must not exist).  With a manifest, its bundles are resolved, "
     "fetched, verified and linked in the same transaction, so a failure leaves no env at all.  "
     "A manifest is burrow's TOML, a requirements.txt in hash-checking form, or a PEP 751 "
     "pylock.toml.",
     KIND_DIR,
     NULL,
     {SOURCE_OPTIONS("the manifest to install (TOML, requirements.txt or pylock.toml)"),
      LINK_OPTIONS}},
    {"install",
     "ENV --manifest M [--python PY] [--index-url URL]... [--find-links DIR]...\n"
     "    [--compile] [--link-mode MODE] [--repair]",
     "Makes ENV hold exactly the manifest's bundles: adds, replaces and removes them, then swaps "
     "the new tree in with one atomic rename, so a failure leaves ENV as it was.  A no-op (and "
     "fast) when nothing changed; with --repair, not when a file of ENV differs from its record "
     "(what check reports as missing, tampered, mode, unrecorded or stray-pth): ENV is then "
     "rebuilt from the cache.",
     KIND_DIR,
     NULL,
     {SOURCE_OPTIONS("the manifest to install (required)"),
      LINK_OPTIONS,
      {"--repair", NULL, KIND_NONE, NULL,
       "re-verify every file of ENV and rebuild it when one was edited, added or removed", NULL}}},
    {"fetch",
     "--manifest M [--python PY] [--index-url URL]... [--find-links DIR]...",
     "Downloads, verifies and unpacks the manifest's bundles into the cache and touches no env: "
     "for a build stage, or before going offline.",
     KIND_NONE,
     NULL,
     {SOURCE_OPTIONS("the manifest whose bundles to fetch (required)")}},
    {"run",
     "[--user NAME|UID[:GROUP|GID]] [--keep VAR]... [--env K=V]...\n"
     "    ENV -- CMD [ARG...]",
     "Execs CMD inside ENV, without a fork: CMD keeps burrow's pid (PID 1 in a container), gets "
     "signals directly and its exit status is burrow's.  The environment is built from nothing: "
     "from the caller only HOME USER LOGNAME LANG LANGUAGE LC_* TERM TZ TMPDIR HOSTNAME NO_COLOR, "
     "the manifest's [run].pass and --keep (a LANG, LANGUAGE, LC_* or TERM holding '/', '%' or "
     "'..', a TZ naming a file outside /usr/share/zoneinfo, a TMPDIR that is not an absolute "
     "directory the target user can write are dropped, as sudo does); then PATH=ENV/bin:"
     "[run].path, VIRTUAL_ENV and "
     "PYTHONNOUSERSITE=1 for a Python env, [run].env, and --env.  CMD is looked up on that PATH, "
     "never the caller's.\n"
     "With --user (root only; to oneself it is a no-op) burrow drops privileges like su-exec and "
     "gosu: supplementary groups (the user's, or just GROUP when one is given), then gid, then "
     "uid, then NO_NEW_PRIVS; HOME, USER and LOGNAME become the user's from passwd (HOME=/ for a "
     "uid without an entry).  A bare UID must exist in passwd.\n"
     "As root (without --user to another user), an env that another user owns or can write is "
     "refused (exit 6): take it back with chown -R root: and chmod -R go-w, or use --user.\n"
     "Exit status: CMD's own; 126 found but not executable; 127 not found.",
     KIND_DIR,
     NULL,
     {{"--user", "NAME|UID[:GROUP|GID]", KIND_USER, NULL,
       "run CMD as this user (and group), as root only", NULL},
      ENV_OPTIONS}},
    {"env",
     "[--keep VAR]... [--env K=V]... [-0] ENV",
     "Prints the environment run would give CMD, one NAME=value a line: to debug, or for env -i.",
     KIND_DIR,
     NULL,
     {ENV_OPTIONS,
      {"-0", NULL, KIND_NONE, NULL, "end each entry with a NUL, not a newline", NULL}}},
    {"list",
     "ENV [--json] [--format columns|freeze|json|requirements]",
     "Lists the bundles ENV holds: name and version, or with --json their name, version, kind "
     "and sha256.  --format freeze prints NAME==VERSION lines (pip freeze); --format "
     "requirements adds each installed file's --hash, a hash-checking requirements file that "
     "re-creates the env elsewhere (burrow create ENV2 --manifest FILE --find-links ...; the "
     "hash pins the very file installed here, so another platform needs its own).",
     KIND_DIR,
     NULL,
     {{"--json", NULL, KIND_NONE, NULL, "print a JSON array (as --format json)", NULL},
      {"--format", "columns|freeze|json|requirements", KIND_CHOICE,
       "columns freeze json requirements", "what to print (default columns: NAME VERSION)", NULL}}},
    {"check",
     "ENV [--json]",
     "Checks ENV: integrity (every recorded file with its recorded sha256 and mode; nothing "
     "unrecorded anywhere in ENV; .burrow/run as .burrow/manifest.toml gives it), consistency "
     "(every installed distribution's requirements "
     "satisfied), and leaks (sys.path entries and imports from outside ENV and the base "
     "interpreter's stdlib; ELF libraries resolved from outside ENV beyond glibc's own).  Exit "
     "status 1 on any finding: made to fail a Docker build.  As root, an env another user owns "
     "or can write is an unsafe finding, and its interpreter probe runs as nobody.",
     KIND_DIR,
     NULL,
     {{"--json", NULL, KIND_NONE, NULL, "print the findings as JSON", NULL}}},
    {"pack",
     "DIR --name N --version V [--requires SPEC]... [--summary S]\n"
     "    [--platform P] [--compression gz|xz|zst] -o OUTDIR",
     "Makes a reproducible native bundle NAME-VERSION-PLATFORM.tar.* of the prefix tree DIR "
     "(bin/, lib/, share/, ...), with its bundle-info (METADATA and RECORD), and prints its "
     "path.  Warns for each ELF file without a RUNPATH using $ORIGIN.  Timestamps come from "
     "SOURCE_DATE_EPOCH when set.",
     KIND_DIR,
     NULL,
     {{"--name", "N", KIND_WORD, NULL, "the bundle's name", NULL},
      {"--version", "V", KIND_WORD, NULL, "the bundle's version (PEP 440)", NULL},
      {"--requires", "SPEC", KIND_WORD, NULL, "a PEP 508 requirement (repeatable)", NULL},
      {"--summary", "S", KIND_WORD, NULL, "a one-line description", NULL},
      {"--platform", "P", KIND_WORD, NULL,
       "the platform tag, e.g. linux_x86_64, manylinux_2_28_x86_64 or any; default: this "
       "machine's",
       NULL},
      {"--compression", "gz|xz|zst", KIND_CHOICE, "gz xz zst", "the compression (default gz)",
       NULL},
      {"-o, --output", "OUTDIR", KIND_DIR, NULL, "where to write the bundle", NULL}}},
    {"index",
     "DIR",
     "Writes DIR/simple/, a static PEP 503 (HTML) and PEP 691 (JSON) index of the wheels and "
     "native bundles in DIR, for any static web server.",
     KIND_DIR,
     NULL,
     {{NULL, NULL, KIND_NONE, NULL, NULL, NULL}}},
    {"cache",
     "dir|info|clean",
     "dir prints the cache directory; info its size and contents; clean empties it.  The cache "
     "is $BURROW_CACHE_DIR, else $XDG_CACHE_HOME/burrow, else ~/.cache/burrow.  It is one "
     "user's: made 0700 with cache.db 0600; a cache (or a part of one) owned by another user, "
     "writable by group or others, or a symlink, is refused with exit status 6.  Every cache "
     "file is verified (owner, size, sha256) before it is linked into an env; a tree an edit "
     "reached (env files are hard links into it) is unpacked again from its archive, with a "
     "warning.",
     KIND_CHOICE,
     "dir info clean",
     {{NULL, NULL, KIND_NONE, NULL, NULL, NULL}}},
    {"help",
     "[COMMAND]\n--man\n--completion bash|zsh|fish",
     "Shows the commands, or one command's options.  --man prints this help as a troff man "
     "page (man -l -); --completion bash prints a bash completion script (source it, or put it "
     "in /usr/share/bash-completion/completions/burrow); --completion zsh a zsh one (as _burrow "
     "on $fpath, or source it); --completion fish a fish one (in "
     "~/.config/fish/completions/burrow.fish).",
     KIND_CHOICE,
     NULL, /* the command names */
     {{"--man", NULL, KIND_NONE, NULL, "print the man page", NULL},
      {"--completion", "SHELL", KIND_CHOICE, "bash zsh fish",
       "print a completion script (bash, zsh or fish)", NULL}}},
};

static const struct help_option help_globals[] = {
    {"-q, --quiet", NULL, KIND_NONE, NULL, "print nothing but errors", "BURROW_QUIET"},
    {"-v, --verbose", NULL, KIND_NONE, NULL, "say more", NULL},
    {"--offline", NULL, KIND_NONE, NULL, "use the cache only; fail rather than touch the network",
     "BURROW_OFFLINE"},
    {"--cache-dir", "DIR", KIND_DIR, NULL,
     "the cache (default $XDG_CACHE_HOME/burrow, else ~/.cache/burrow)", "BURROW_CACHE_DIR"},
    {"--jobs", "N", KIND_WORD, NULL, "downloads at once (default 16)", "BURROW_JOBS"},
    {"--wait", "S", KIND_WORD, NULL,
     "seconds to wait for an env another process is installing or whose state.db it holds "
     "(decimals allowed: 0.5; default 600)",
     "BURROW_WAIT"},
    {"--progress", "auto|plain|none", KIND_CHOICE, "auto plain none",
     "auto: a live line on a terminal, plain lines otherwise (as in a Docker build log); "
     "plain: one line per event; none: no progress",
     "BURROW_PROGRESS"},
    {"--cacert", "FILE", KIND_FILE, NULL,
     "CA certificates for https (default the system's; also SSL_CERT_FILE)", "BURROW_CACERT"},
    {"--json", NULL, KIND_NONE, NULL, "machine-readable output where a command has it", NULL},
    {"--version", NULL, KIND_NONE, NULL, "print the version", NULL},
    {"-h, --help", NULL, KIND_NONE, NULL, "print the commands and global options", NULL},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The variables beyond the global options' own (each BURROW_* variable
 * burrow reads is here or in help_globals: the e2e tests check it). */
static const char *const more_env[][2] = {
    {"BURROW_LINK_MODE", "as --link-mode of create and install"},
    {"BURROW_INDEX_URL",
     "as --index-url of create, install and fetch (URLs separated by whitespace); "
     "unused when --index-url is given"},
    {"BURROW_FIND_LINKS",
     "as --find-links of create, install and fetch (separated by whitespace); unused when "
     "--find-links is given"},
    {"BURROW_CONNECT_TIMEOUT", "seconds to connect (default 30)"},
    {"BURROW_STALL_TIMEOUT",
     "seconds below 1 KiB/s before a transfer is abandoned as stalled (default 30)"},
    {"BURROW_TIMEOUT",
     "overall seconds per transfer, retries included, for index pages and artifacts alike "
     "(default 60 for an index page, 900 for an artifact): a server trickling a page just above "
     "the stall limit is cut"},
    {"BURROW_RETRIES",
     "extra attempts of a download after the first on 408, 429, 5xx and transient errors "
     "(default 4); the waits between attempts, backoff and Retry-After together, add up to at "
     "most 60 s per download, and a Retry-After asking for more than is left fails the "
     "download at once"},
    {"NETRC", "the credentials file (default $HOME/.netrc), as for curl and pip; a page fetched "
              "with credentials is never stored in the cache"},
    {"SSL_CERT_FILE", "as --cacert, when BURROW_CACERT is not set"},
    {"XDG_CACHE_HOME", "the cache is $XDG_CACHE_HOME/burrow unless BURROW_CACHE_DIR is set"},
    {"SOURCE_DATE_EPOCH", "the timestamps pack writes"},
    {"NO_COLOR", "burrow uses no colour; the variable passes through to the app"},
};

static const struct help_command *find_help(const char *name)
{
	size_t i;

	for (i = 0; i < COUNT(help_commands); i++)
		if (!strcmp(help_commands[i].name, name))
			return &help_commands[i];
	return NULL;
}

/* The next flag of "-o, --output" at *p: 1 with *flag and *len, 0 at the
 * end. */
static int next_flag(const char **p, const char **flag, size_t *len)
{
	while (**p == ',' || **p == ' ')
		(*p)++;
	if (!**p)
		return 0;
	*flag = *p;
	*len = strcspn(*p, ", ");
	*p += *len;
	return 1;
}

/* ---- suggestions ---- */

/* Adds each flag of "-o, --output" to v (at most max). */
static size_t add_flags(const char *flags, char (*v)[32], size_t n, size_t max)
{
	const char *fl;
	size_t len;

	while (n < max && next_flag(&flags, &fl, &len))
		if (len < 32) {
			memcpy(v[n], fl, len);
			v[n++][len] = '\0';
		}
	return n;
}

const char *cmd_help_suggest_option(const char *cmd, const char *opt)
{
	static char flags[HELP_MAX_OPTIONS * 2 + COUNT(help_globals) * 2][32];
	const char *v[COUNT(flags)];
	const struct help_command *h = cmd ? find_help(cmd) : NULL;
	char word[SUGGEST_MAX_LEN + 1];
	size_t n = 0, i, len = strcspn(opt, "=");

	if (len > SUGGEST_MAX_LEN)
		return NULL;
	memcpy(word, opt, len); /* --manifets=x: the name before '=' */
	word[len] = '\0';
	for (i = 0; h && i < HELP_MAX_OPTIONS && h->options[i].flags; i++)
		n = add_flags(h->options[i].flags, flags, n, COUNT(flags));
	for (i = 0; i < COUNT(help_globals); i++)
		n = add_flags(help_globals[i].flags, flags, n, COUNT(flags));
	for (i = 0; i < n; i++)
		v[i] = flags[i];
	return suggest_closest(word, v, n);
}

const char *cmd_help_suggest_command(const char *name)
{
	const char *v[32];
	size_t i, n = cmd_ncommands < COUNT(v) ? cmd_ncommands : COUNT(v);

	for (i = 0; i < n; i++)
		v[i] = cmd_commands[i].name;
	return suggest_closest(name, v, n);
}

/* ---- text ---- */

/* Prints text wrapped at width, each line indented by indent (the first
 * line too, unless first_done says the caller printed up to column
 * first_done already); '\n' starts a new paragraph. */
static void wrap(FILE *f, const char *text, int indent, int width, int first_done)
{
	const char *p = text;
	int col = first_done;

	if (!first_done) {
		fprintf(f, "%*s", indent, "");
		col = indent;
	}
	while (*p) {
		size_t n = strcspn(p, " \n");
		if (col > indent && col + 1 + (int)n > width) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, n, f);
		col += (int)n;
		p += n;
		if (*p == '\n') {
			fprintf(f, "\n\n%*s", indent, ""); /* a new paragraph */
			col = indent;
		}
		while (*p == ' ' || *p == '\n')
			p++;
	}
	fputc('\n', f);
}

static void option_text(FILE *f, const struct help_option *o)
{
	char head[96];
	int n = snprintf(head, sizeof(head), "  %s%s%s", o->flags, o->arg ? " " : "",
	                 o->arg ? o->arg : "");

	fputs(head, f);
	if (n > 26) {
		fputc('\n', f);
		n = 0;
	}
	fprintf(f, "%*s", 28 - n, "");
	if (o->env) {
		char buf[512];
		snprintf(buf, sizeof(buf), "%s [%s]", o->text, o->env);
		wrap(f, buf, 28, 79, 28);
	} else {
		wrap(f, o->text, 28, 79, 28);
	}
}

void cmd_help_overview(FILE *f)
{
	size_t i;

	fprintf(f, "usage: burrow [GLOBAL OPTIONS] COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < cmd_ncommands; i++)
		fprintf(f, "  %-8s %s\n", cmd_commands[i].name, cmd_commands[i].summary);
	fprintf(f, "\nglobal options (before or after COMMAND; [VAR]: also set by VAR):\n");
	for (i = 0; i < COUNT(help_globals); i++)
		option_text(f, &help_globals[i]);
	fprintf(f, "\nenvironment (beyond the [VAR]s above):\n");
	for (i = 0; i < COUNT(more_env); i++) {
		struct help_option o = {more_env[i][0], NULL,           KIND_NONE,
		                        NULL,           more_env[i][1], NULL};
		option_text(f, &o);
	}
	fprintf(f,
	        "\nburrow help COMMAND shows a command's options; burrow help --man the manual.\n");
}

static void command_text(FILE *f, const struct help_command *h)
{
	const char *p = h->synopsis;
	int first = 1;
	size_t i;

	while (*p) {
		size_t n = strcspn(p, "\n");
		if (*p == ' ') { /* a continuation line */
			size_t sp = strspn(p, " ");
			fprintf(f, "%*s%.*s\n", (int)(strlen(h->name) + 14), "", (int)(n - sp),
			        p + sp);
		} else {
			fprintf(f, "%s burrow %s %.*s\n", first ? "usage:" : "      ", h->name,
			        (int)n, p);
		}
		first = 0;
		p += n + (p[n] ? 1 : 0);
	}
	fputc('\n', f);
	wrap(f, h->text, 2, 79, 0);
	if (h->options[0].flags) {
		fputs("\noptions:\n", f);
		for (i = 0; i < HELP_MAX_OPTIONS && h->options[i].flags; i++)
			option_text(f, &h->options[i]);
	}
}

/* ---- man ---- */

/* troff-safe text: backslashes as \e, a '-' starting a word (an option)
 * as \-, a line never starting with '.' or '\''. */
static void roff(FILE *f, const char *s, int line_start)
{
	char prev = ' ';

	for (; *s; s++) {
		if (line_start && (*s == '.' || *s == '\''))
			fputs("\\&", f);
		line_start = 0;
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-' && (prev == ' ' || prev == '[' || prev == '(' || prev == '-' ||
		                       prev == '|' || prev == ','))
			fputs("\\-", f);
		else if (*s == '\n') {
			fputs("\n.PP\n", f);
			line_start = 1;
		} else
			fputc(*s, f);
		prev = *s;
	}
}

static void man_option(FILE *f, const struct help_option *o)
{
	fputs(".TP\n\\fB", f);
	roff(f, o->flags, 1);
	fputs("\\fR", f);
	if (o->arg) {
		fputs(" \\fI", f);
		roff(f, o->arg, 0);
		fputs("\\fR", f);
	}
	fputc('\n', f);
	roff(f, o->text, 1);
	if (o->env) {
		fputs(" (also ", f);
		roff(f, o->env, 0);
		fputs(")", f);
	}
	fputc('\n', f);
}

static const char *const exit_codes[][2] = {
    {"0", "success"},
    {"1", "a finding (check) or a general failure, including a failed write to standard output"},
    {"2", "usage"},
    {"3", "the manifest is invalid (a name over 200 bytes or outside PEP 508's grammar included)"},
    {"4", "cannot resolve"},
    {"5", "fetch failed (a Retry-After longer than the waiting left included)"},
    {"6", "integrity failure or unsafe archive (a bad gzip trailer, trailing data, too many "
          "entries, a corrupt cached archive while --offline), or something another user "
          "could have written refused: a leftover, lock, env record or interpreter not owned "
          "by you (or root), a cache not your own"},
    {"7", "the env, or its state.db, is locked by another process past --wait"},
    {"126, 127", "run: the command is not executable, not found"},
    {"130, 143", "interrupted by SIGINT, SIGTERM"},
};

static void man_item(FILE *f, const char *tag, const char *text)
{
	fputs(".TP\n.B ", f);
	roff(f, tag, 0);
	fputc('\n', f);
	roff(f, text, 1);
	fputc('\n', f);
}

static void man_page(FILE *f)
{
	size_t i, k;

	fprintf(f, ".\\\" burrow(1): generated by `burrow help --man` from src/cmd_help.c\n");
	fprintf(f, ".TH BURROW 1 \"\" \"burrow %s\" \"User Commands\"\n", BURROW_VERSION);
	fputs(".SH NAME\nburrow \\- a dependency-isolating app launcher\n", f);
	fputs(".SH SYNOPSIS\n.B burrow\n[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]\n",
	      f);
	fputs(".SH DESCRIPTION\n", f);
	roff(f,
	     "burrow builds one isolated prefix (an env) per application from a pinned manifest, "
	     "fills it with verified bundles (Python wheels and native tarballs) fetched from "
	     "repositories, and runs the application inside it with an environment built from "
	     "nothing, so that packages of the base image cannot leak in.",
	     1);
	fputs("\n.SH COMMANDS\n", f);
	for (i = 0; i < cmd_ncommands; i++) {
		const struct help_command *h = find_help(cmd_commands[i].name);
		const char *p;

		fputs(".SS ", f);
		roff(f, cmd_commands[i].name, 0);
		fputc('\n', f);
		if (!h) {
			roff(f, cmd_commands[i].summary, 1);
			fputc('\n', f);
			continue;
		}
		for (p = h->synopsis; *p;) {
			size_t n = strcspn(p, "\n");
			char line[512];
			snprintf(line, sizeof(line), "%.*s", (int)n, p);
			if (*p != ' ') { /* a new form, not a continuation */
				fputs(".PP\n.B burrow ", f);
				roff(f, h->name, 0);
				fputc('\n', f);
			}
			roff(f, line + strspn(line, " "), 1);
			fputc('\n', f);
			p += n + (p[n] ? 1 : 0);
		}
		fputs(".PP\n", f);
		roff(f, h->text, 1);
		fputc('\n', f);
		for (k = 0; k < HELP_MAX_OPTIONS && h->options[k].flags; k++)
			man_option(f, &h->options[k]);
	}
	fputs(".SH GLOBAL OPTIONS\nThey go before or after the command.\n", f);
	for (i = 0; i < COUNT(help_globals); i++)
		man_option(f, &help_globals[i]);
	fputs(".SH ENVIRONMENT\n", f);
	for (i = 0; i < COUNT(help_globals); i++) {
		if (!help_globals[i].env)
			continue;
		char as[64];
		snprintf(as, sizeof(as), "as %s", help_globals[i].flags);
		man_item(f, help_globals[i].env, as);
	}
	for (i = 0; i < COUNT(more_env); i++)
		man_item(f, more_env[i][0], more_env[i][1]);
	fputs(".SH EXIT STATUS\n", f);
	for (i = 0; i < COUNT(exit_codes); i++)
		man_item(f, exit_codes[i][0], exit_codes[i][1]);
	fputs(".PP\nrun exits with the command's own status.\n", f);
	fputs(".SH FILES\n.TP\n.I ENV/.burrow/\nstate.db, the manifest last applied, and the "
	      "facts run reads\n.TP\n.I ~/.cache/burrow/\nthe cache: archives/ and trees/ by "
	      "sha256, cache.db\n",
	      f);
	fputs(".SH EXAMPLES\n.nf\nRUN burrow create /srv/webapp \\-\\-manifest /srv/webapp.toml\n"
	      "RUN burrow check /srv/webapp\nCMD [\"burrow\", \"run\", \"\\-\\-user\", \"app\", "
	      "\"/srv/webapp\", \"\\-\\-\", \"gunicorn\", \"app:wsgi\"]\n.fi\n",
	      f);
	fputs(".SH SEE ALSO\n.BR pip (1),\n.BR gosu (1),\n.BR su\\-exec (1)\n", f);
}

/* ---- bash completion ---- */

static void bash_options(FILE *f, const struct help_option *o, size_t n)
{
	size_t i;

	for (i = 0; i < n && o[i].flags; i++) {
		const char *p = o[i].flags;
		while (*p) {
			size_t k = strcspn(p, ", ");
			fprintf(f, " %.*s", (int)k, p);
			p += k;
			while (*p == ',' || *p == ' ')
				p++;
		}
	}
}

/* Adds the names of the options in o that take a value to arms, as
 * "a|b|c", each once. */
static void value_flags(struct strbuf *arms, const struct help_option *o, size_t n)
{
	size_t i;

	for (i = 0; i < n && o[i].flags; i++) {
		const char *p = o[i].flags;
		if (!o[i].arg)
			continue;
		while (*p) {
			size_t k = strcspn(p, ", ");
			struct strbuf probe = STRBUF_INIT, have = STRBUF_INIT;
			strbuf_addf(&probe, "|%.*s|", (int)k, p);
			strbuf_addf(&have, "|%s|", arms->buf ? arms->buf : "");
			if (!strstr(have.buf, probe.buf))
				strbuf_addf(arms, "%s%.*s", arms->len ? "|" : "", (int)k, p);
			strbuf_release(&probe);
			strbuf_release(&have);
			p += k;
			while (*p == ',' || *p == ' ')
				p++;
		}
	}
}

/* case arms completing the values of options that take one */
static void bash_values(FILE *f, const struct help_option *o, size_t n, const char *indent)
{
	size_t i;

	for (i = 0; i < n && o[i].flags; i++) {
		const char *p = o[i].flags, *action;
		char arm[128] = "";
		size_t len = 0;

		if (!o[i].arg)
			continue;
		while (*p) {
			size_t k = strcspn(p, ", ");
			len += (size_t)snprintf(arm + len, sizeof(arm) - len, "%s%.*s",
			                        len ? "|" : "", (int)k, p);
			p += k;
			while (*p == ',' || *p == ' ')
				p++;
		}
		switch (o[i].kind) {
		case KIND_FILE:
			action = "_burrow_files";
			break;
		case KIND_DIR:
			action = "_burrow_dirs";
			break;
		case KIND_USER:
			action = "_burrow_words \"$(compgen -u)\"";
			break;
		case KIND_CHOICE:
			action = NULL;
			fprintf(f, "%s%s) _burrow_words \"%s\"; return ;;\n", indent, arm,
			        o[i].choices);
			break;
		default:
			action = "COMPREPLY=()";
			break;
		}
		if (action)
			fprintf(f, "%s%s) %s; return ;;\n", indent, arm, action);
	}
}

static void completion_bash(FILE *f)
{
	size_t i;

	fputs("# bash completion for burrow, generated by `burrow help --completion bash`\n"
	      "# (from the same tables as burrow help and the man page).\n"
	      "_burrow_words() { mapfile -t COMPREPLY < <(compgen -W \"$1\" -- \"$cur\"); }\n"
	      "_burrow_files() { compopt -o filenames 2>/dev/null; "
	      "mapfile -t COMPREPLY < <(compgen -f -- \"$cur\"); }\n"
	      "_burrow_dirs() { compopt -o filenames 2>/dev/null; "
	      "mapfile -t COMPREPLY < <(compgen -d -- \"$cur\"); }\n"
	      "_burrow() {\n"
	      "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	      "    local i w cmd= operands=0 dashdash=0 env=\n"
	      "    local globals=\"",
	      f);
	bash_options(f, help_globals, COUNT(help_globals));
	fputs("\"\n"
	      "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
	      "        w=${COMP_WORDS[i]}\n"
	      "        if [[ -n $cmd ]]; then\n"
	      "            if [[ $w == -- ]]; then dashdash=1; break; fi\n"
	      "            case $w in\n",
	      f);
	/* the command's options that take a value: skip the value */
	{
		struct strbuf arms = STRBUF_INIT;
		for (i = 0; i < COUNT(help_commands); i++)
			value_flags(&arms, help_commands[i].options, HELP_MAX_OPTIONS);
		value_flags(&arms, help_globals, COUNT(help_globals));
		fputs("                -*=*) ;;\n", f);
		if (arms.len)
			fprintf(f, "                %s) ((i++)) ;;\n", arms.buf);
		strbuf_release(&arms);
	}
	fputs("                -*) ;;\n"
	      "                *) operands=$((operands + 1)); [[ -z $env ]] && env=$w ;;\n"
	      "            esac\n"
	      "            continue\n"
	      "        fi\n"
	      "        case $w in\n",
	      f);
	{
		struct strbuf arms = STRBUF_INIT;
		value_flags(&arms, help_globals, COUNT(help_globals));
		if (arms.len)
			fprintf(f, "            %s) ((i++)) ;;\n", arms.buf);
		strbuf_release(&arms);
	}
	fputs("            -*) ;;\n"
	      "            *) cmd=$w ;;\n"
	      "        esac\n"
	      "    done\n"
	      "    if [[ -z $cmd ]]; then\n"
	      "        case $prev in\n",
	      f);
	bash_values(f, help_globals, COUNT(help_globals), "            ");
	fputs("        esac\n"
	      "        if [[ $cur == -* ]]; then _burrow_words \"$globals\"; else\n"
	      "            _burrow_words \"",
	      f);
	for (i = 0; i < cmd_ncommands; i++)
		fprintf(f, "%s%s", i ? " " : "", cmd_commands[i].name);
	fputs("\"; fi\n"
	      "        return\n"
	      "    fi\n"
	      "    if ((dashdash)); then\n"
	      "        # run ENV -- CMD: the env's own programs, then files\n"
	      "        if [[ $cmd == run && -n $env && -d $env/bin ]]; then\n"
	      "            mapfile -t COMPREPLY < <(compgen -W \"$(ls \"$env/bin\" 2>/dev/null)\" "
	      "-- \"$cur\")\n"
	      "        fi\n"
	      "        ((${#COMPREPLY[@]})) || _burrow_files\n"
	      "        return\n"
	      "    fi\n"
	      "    case $prev in\n",
	      f);
	bash_values(f, help_globals, COUNT(help_globals), "        ");
	fputs("    esac\n"
	      "    case $cmd in\n",
	      f);
	for (i = 0; i < COUNT(help_commands); i++) {
		const struct help_command *h = &help_commands[i];
		fprintf(f, "        %s)\n            case $prev in\n", h->name);
		bash_values(f, h->options, HELP_MAX_OPTIONS, "                ");
		fputs("            esac\n            if [[ $cur == -* ]]; then\n"
		      "                _burrow_words \"",
		      f);
		bash_options(f, h->options, HELP_MAX_OPTIONS);
		fputs(" $globals\"\n", f);
		if (!strcmp(h->name, "run"))
			fputs("            elif ((operands >= 1)); then\n"
			      "                _burrow_words \"--\"\n",
			      f);
		fputs("            elif ((operands == 0)); then\n", f);
		switch (h->operand) {
		case KIND_DIR:
			fputs("                _burrow_dirs\n", f);
			break;
		case KIND_FILE:
			fputs("                _burrow_files\n", f);
			break;
		case KIND_CHOICE:
			if (h->operand_words) {
				fprintf(f, "                _burrow_words \"%s\"\n",
				        h->operand_words);
			} else {
				size_t k;
				fputs("                _burrow_words \"", f);
				for (k = 0; k < cmd_ncommands; k++)
					fprintf(f, "%s%s", k ? " " : "", cmd_commands[k].name);
				fputs("\"\n", f);
			}
			break;
		default:
			fputs("                COMPREPLY=()\n", f);
			break;
		}
		fputs("            fi\n            ;;\n", f);
	}
	fputs("    esac\n"
	      "}\n"
	      "complete -F _burrow burrow\n",
	      f);
}

/* ---- zsh and fish ---- */

/* text with the characters zsh's _arguments specs and single quotes give
 * a meaning to escaped: ' [ ] : \ */
static void zsh_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else if (*s == '[' || *s == ']' || *s == ':' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
}

/* The _arguments action completing a value of that kind. */
static const char *zsh_action(enum help_kind kind)
{
	switch (kind) {
	case KIND_FILE:
		return "_files";
	case KIND_DIR:
		return "_files -/";
	case KIND_USER:
		return "_users";
	default:
		return " ";
	}
}

/* One _arguments spec per flag of each option in o, each line ending in
 * eol. */
static void zsh_options(FILE *f, const struct help_option *o, size_t n, const char *eol)
{
	size_t i;

	for (i = 0; i < n && o[i].flags; i++) {
		const char *p = o[i].flags, *fl;
		size_t k;
		while (next_flag(&p, &fl, &k)) {
			fprintf(f, "    '%.*s%s[", (int)k, fl, o[i].arg && fl[1] == '-' ? "=" : "");
			zsh_text(f, o[i].text);
			fputc(']', f);
			if (o[i].arg) {
				fputc(':', f);
				zsh_text(f, o[i].arg);
				if (o[i].kind == KIND_CHOICE)
					fprintf(f, ":(%s)", o[i].choices);
				else
					fprintf(f, ":%s", zsh_action(o[i].kind));
			}
			fprintf(f, "'%s", eol);
		}
	}
}

static void completion_zsh(FILE *f)
{
	size_t i, k;

	fputs("#compdef burrow\n"
	      "# zsh completion for burrow, generated by `burrow help --completion zsh`\n"
	      "# (from the same tables as burrow help and the man page).  Put it on $fpath\n"
	      "# as _burrow, or: source <(burrow help --completion zsh)\n"
	      "_burrow() {\n"
	      "  local curcontext=\"$curcontext\" state line ret=1\n"
	      "  local -a globals commands\n"
	      "  globals=(\n",
	      f);
	zsh_options(f, help_globals, COUNT(help_globals), "\n");
	fputs("  )\n  commands=(\n", f);
	for (i = 0; i < cmd_ncommands; i++) {
		fprintf(f, "    '%s:", cmd_commands[i].name);
		zsh_text(f, cmd_commands[i].summary);
		fputs("'\n", f);
	}
	fputs("  )\n"
	      "  _arguments -C $globals '1:command:->command' '*::arg:->args' && ret=0\n"
	      "  case $state in\n"
	      "  command) _describe -t commands 'burrow command' commands && ret=0 ;;\n"
	      "  args)\n"
	      "    case $line[1] in\n",
	      f);
	for (i = 0; i < COUNT(help_commands); i++) {
		const struct help_command *h = &help_commands[i];
		fprintf(f, "    %s)\n      _arguments $globals \\\n", h->name);
		zsh_options(f, h->options, HELP_MAX_OPTIONS, " \\\n");
		switch (h->operand) {
		case KIND_DIR:
			fputs("    '1:ENV or DIR:_files -/'", f);
			break;
		case KIND_FILE:
			fputs("    '1:file:_files'", f);
			break;
		case KIND_CHOICE:
			if (h->operand_words) {
				fprintf(f, "    '1:what:(%s)'", h->operand_words);
				break;
			}
			fputs("    '1:command:(", f);
			for (k = 0; k < cmd_ncommands; k++)
				fprintf(f, "%s%s", k ? " " : "", cmd_commands[k].name);
			fputs(")'", f);
			break;
		default:
			fputs("    '1: : '", f);
			break;
		}
		if (!strcmp(h->name, "run"))
			fputs(" \\\n    '*::command:_normal'", f);
		fputs(" && ret=0\n      ;;\n", f);
	}
	fputs("    esac ;;\n"
	      "  esac\n"
	      "  return ret\n"
	      "}\n"
	      "if [[ $zsh_eval_context[-1] == loadautofunc ]]; then _burrow \"$@\"; "
	      "else compdef _burrow burrow; fi\n",
	      f);
}

/* text inside fish's single quotes: ' and \ escaped */
static void fish_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
}

/* One complete line per option of o, under condition cond (or none). */
static void fish_options(FILE *f, const char *cond, const struct help_option *o, size_t n)
{
	size_t i;

	for (i = 0; i < n && o[i].flags; i++) {
		const char *p = o[i].flags, *fl;
		size_t k;
		fputs("complete -c burrow", f);
		if (cond)
			fprintf(f, " -n '%s'", cond);
		while (next_flag(&p, &fl, &k))
			fprintf(f, fl[1] == '-' ? " -l %.*s" : " -s %.*s",
			        (int)k - (fl[1] == '-' ? 2 : 1), fl + (fl[1] == '-' ? 2 : 1));
		if (o[i].arg) {
			switch (o[i].kind) {
			case KIND_FILE:
				fputs(" -r -F", f);
				break;
			case KIND_DIR:
				fputs(" -x -a '(__fish_complete_directories)'", f);
				break;
			case KIND_USER:
				fputs(" -x -a '(__fish_complete_users)'", f);
				break;
			case KIND_CHOICE:
				fprintf(f, " -x -a '%s'", o[i].choices);
				break;
			default:
				fputs(" -x", f);
				break;
			}
		}
		fputs(" -d '", f);
		fish_text(f, o[i].text);
		fputs("'\n", f);
	}
}

static void completion_fish(FILE *f)
{
	char cond[64];
	size_t i, k;

	fputs("# fish completion for burrow, generated by `burrow help --completion fish`\n"
	      "# (from the same tables as burrow help and the man page).  Put it in\n"
	      "# ~/.config/fish/completions/burrow.fish, or: burrow help --completion fish | "
	      "source\n"
	      "complete -c burrow -f\n",
	      f);
	fish_options(f, NULL, help_globals, COUNT(help_globals));
	for (i = 0; i < cmd_ncommands; i++) {
		fprintf(f, "complete -c burrow -n __fish_use_subcommand -a %s -d '",
		        cmd_commands[i].name);
		fish_text(f, cmd_commands[i].summary);
		fputs("'\n", f);
	}
	for (i = 0; i < COUNT(help_commands); i++) {
		const struct help_command *h = &help_commands[i];
		snprintf(cond, sizeof(cond), "__fish_seen_subcommand_from %s", h->name);
		fish_options(f, cond, h->options, HELP_MAX_OPTIONS);
		if (h->operand == KIND_DIR) {
			fprintf(f,
			        "complete -c burrow -n '%s' -a '(__fish_complete_directories)'\n",
			        cond);
		} else if (h->operand == KIND_FILE) {
			fprintf(f, "complete -c burrow -n '%s' -F\n", cond);
		} else if (h->operand == KIND_CHOICE && h->operand_words) {
			fprintf(f, "complete -c burrow -n '%s' -a '%s'\n", cond, h->operand_words);
		} else if (h->operand == KIND_CHOICE) {
			fprintf(f, "complete -c burrow -n '%s' -a '", cond);
			for (k = 0; k < cmd_ncommands; k++)
				fprintf(f, "%s%s", k ? " " : "", cmd_commands[k].name);
			fputs("'\n", f);
		}
	}
}

int cmd_help(int argc, char **argv)
{
	const struct help_command *h;
	size_t i;

	if (argc < 2) {
		cmd_help_overview(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--man")) {
		man_page(stdout);
		return fflush(stdout) ? BURROW_EFAIL : 0;
	}
	if (!strncmp(argv[1], "--completion", 12)) {
		const char *shell = argv[1][12] == '=' ? argv[1] + 13 : argc > 2 ? argv[2] : "bash";
		if (!strcmp(shell, "bash"))
			completion_bash(stdout);
		else if (!strcmp(shell, "zsh"))
			completion_zsh(stdout);
		else if (!strcmp(shell, "fish"))
			completion_fish(stdout);
		else
			return cmd_usage("help", "--completion: bash, zsh or fish");
		return fflush(stdout) ? BURROW_EFAIL : 0;
	}
	if (argv[1][0] == '-')
		return cmd_unknown_option("help", argv[1]);
	for (i = 0; i < cmd_ncommands; i++)
		if (!strcmp(cmd_commands[i].name, argv[1]))
			break;
	if (i == cmd_ncommands) {
		struct strbuf e = STRBUF_INIT;
		const char *near = cmd_help_suggest_command(argv[1]);
		strbuf_add_escaped(&e, argv[1], strlen(argv[1]));
		fprintf(stderr, "burrow: no such command \"%s\"%s%s%s\n", e.buf,
		        near ? " (did you mean \"" : "", near ? near : "", near ? "\"?)" : "");
		strbuf_release(&e);
		return BURROW_EUSAGE;
	}
	h = find_help(argv[1]);
	if (!h) {
		fprintf(stderr, "burrow: %s: %s (no detailed help: a bug)\n", argv[1],
		        cmd_commands[i].summary);
		return BURROW_EFAIL;
	}
	command_text(stdout, h);
	return 0;
}
