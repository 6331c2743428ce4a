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
#include "util/fs.h"
#include "util/sha256.h"
#include "util/signals.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const struct command cmd_commands[] = {
    {"create", cmd_create, "make a new env, and install a manifest into it"},
    {"install", cmd_install, "make an env hold exactly a manifest's bundles"},
    {"fetch", cmd_fetch, "fill the cache with a manifest's bundles only"},
    {"run", cmd_run, "exec a command inside an env"},
    {"env", cmd_env, "print the environment run would give"},
    {"list", cmd_list, "list the bundles an env holds"},
    {"check", cmd_check, "check integrity, consistency and leaks of an env"},
    {"pack", cmd_pack, "make a native bundle from a prefix tree"},
    {"index", cmd_index, "write a static simple index for a folder of bundles"},
    {"cache", cmd_cache, "show or clean the cache (dir, info, clean)"},
    {"help", cmd_help, "show help for burrow or a command"},
};
const size_t cmd_ncommands = sizeof(cmd_commands) / sizeof(cmd_commands[0]);

/* A whole number from the environment variable name, within [min, max];
 * *out keeps its value when the variable is unset, empty or invalid. */
static void env_number(const char *name, long min, long max, long *out)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		return;
	n = strtol(v, &end, 10);
	if (!*end && n >= min && n <= max)
		*out = n;
}

int cmd_install_options(struct install_options *o, struct strbuf *cache_dir, struct strbuf *err)
{
	const char *v;
	long retries;

	int r = cache_default_dir(globals.cache_dir, cache_dir, err);

	if (r)
		return r;
	o->cache_dir = cache_dir->buf;
	fetch_options_init(&o->fetch);
	o->fetch.offline = globals.offline;
	if (globals.jobs)
		o->fetch.jobs = globals.jobs;
	o->fetch.cacert = globals.cacert;
	/* Network bounds without flags (yet): seconds, and extra attempts. */
	env_number("BURROW_CONNECT_TIMEOUT", 1, 3600, &o->fetch.connect_timeout);
	env_number("BURROW_STALL_TIMEOUT", 1, 3600, &o->fetch.low_speed_time);
	/* BURROW_TIMEOUT: overall seconds per transfer, retries included, for
	 * index pages and artifacts alike (defaults 60 and 900) */
	if (getenv("BURROW_TIMEOUT")) {
		long t = 0;
		env_number("BURROW_TIMEOUT", 1, 86400, &t);
		if (t)
			o->fetch.deadline = o->fetch.page_deadline = t;
	}
	/* NETRC names the credentials file, as for curl and pip (requests);
	 * else ~/.netrc */
	if ((v = getenv("NETRC")) && *v)
		o->fetch.netrc = v;
	else if ((v = getenv("HOME")) && *v == '/') {
		static char netrc[PATH_MAX];
		int n = snprintf(netrc, sizeof(netrc), "%s/.netrc", v);
		if (n > 0 && (size_t)n < sizeof(netrc))
			o->fetch.netrc = netrc;
	}
	retries = o->fetch.retries;
	env_number("BURROW_RETRIES", 0, 100, &retries);
	o->fetch.retries = (int)retries;
	o->wait_ms = globals.wait_ms;
	o->progress.event = cmd_progress;
	o->fetch.progress = cmd_fetch_progress;
	o->fetch.detail = cmd_fetch_detail;
	o->fetch.retrying = cmd_fetch_retrying;
	o->search_path = getenv("PATH");
	o->link_mode = INSTALL_LINK_AUTO;
	return 0;
}

int cmd_source_option(int argc, char **argv, int *i, struct cmd_source *s)
{
	const char *a = argv[*i];
	static const char *const names[] = {"--manifest", "--index-url", "--find-links",
	                                    "--python",   "--extra",     "--group"};
	size_t k, n;
	if (!strcmp(a, "--compile")) {
		s->compile = 1;
		return 1;
	}
	if (!strcmp(a, "--repair")) {
		s->repair = 1;
		return 1;
	}
	if (!strncmp(a, "--link-mode", 11) && (a[11] == '=' || (!a[11] && *i + 1 < argc))) {
		s->link_mode = a[11] == '=' ? a + 12 : argv[++*i];
		return 1;
	}
	for (k = 0; k < 6; k++) {
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
		else if (cmd_list_add(k == 1   ? &s->index_urls
		                      : k == 2 ? &s->find_links
		                      : k == 4 ? &s->extras
		                               : &s->groups,
		                      val) < 0)
			return -1;
		return 1;
	}
	return 0;
}

/* The largest manifest read (a pylock.toml's cap; a requirements file's
 * includes are bounded by reqfile.h on their own). */
#define CMD_MANIFEST_MAX PYLOCK_MAX_BYTES

/* The three inputs land in one model.  The format comes from the content
 * (cmd_manifest_format), so a requirements.lock is read as requirements;
 * "-" is standard input, with relative paths taken from the working
 * directory.  raw gets the bytes read.  A parse error says which format
 * the file was read as. */
static int cmd_read_manifest(const char *path, struct manifest *m, struct strbuf *raw,
                             struct strbuf *err)
{
	struct strbuf dir = STRBUF_INIT;
	const char *name = path, *slash;
	enum cmd_manifest_format f;
	char cwd[PATH_MAX];
	int r, stdin_ = !strcmp(path, "-");

	if (stdin_ ? fs_read_stream(0, CMD_MANIFEST_MAX, raw) < 0
	           : fs_read_user_file(path, CMD_MANIFEST_MAX, raw, NULL) < 0)
		return error_set(err, !stdin_ && errno == ENOENT ? BURROW_EUSAGE : BURROW_EMANIFEST,
		                 "%s: cannot read manifest: %s", stdin_ ? "<stdin>" : path,
		                 errno == EFBIG ? "file too large" : strerror(errno));
	if (stdin_)
		name = "<stdin>";
	if (!getcwd(cwd, sizeof(cwd)))
		return error_set(err, BURROW_EFAIL, "getcwd: %s", strerror(errno));
	slash = stdin_ ? NULL : strrchr(path, '/');
	if (path[0] == '/')
		strbuf_add(&dir, path, slash == path ? 1 : (size_t)(slash - path));
	else
		strbuf_addstr(&dir, cwd);
	if (path[0] != '/' && slash) {
		strbuf_addch(&dir, '/');
		strbuf_add(&dir, path, (size_t)(slash - path));
	}
	f = cmd_manifest_format(stdin_ ? NULL : path, raw->buf, raw->len);
	m->allow_unhashed = 1; /* requirements: the lines to paste (cmd_missing_hashes) */
	if (f == CMD_MANIFEST_PYLOCK)
		r = pylock_parse(raw->buf, raw->len, name, dir.buf, m, err);
	else if (f == CMD_MANIFEST_REQUIREMENTS)
		r = reqfile_load_data(raw->buf, raw->len, name, dir.buf, m, err);
	else
		r = manifest_parse(raw->buf, raw->len, name, dir.buf, m, err);
	strbuf_release(&dir);
	if (r == BURROW_EMANIFEST)
		strbuf_addf(err, " (read as %s)", cmd_manifest_format_name(f));
	return r;
}

int cmd_link_mode(const struct cmd_source *s, enum install_link_mode *mode, struct strbuf *err)
{
	const char *v = s->link_mode ? s->link_mode : getenv("BURROW_LINK_MODE");

	if (!v || !*v || !strcmp(v, "auto"))
		*mode = INSTALL_LINK_AUTO;
	else if (!strcmp(v, "reflink") || !strcmp(v, "clone"))
		*mode = INSTALL_LINK_REFLINK;
	else if (!strcmp(v, "hardlink"))
		*mode = INSTALL_LINK_HARDLINK;
	else if (!strcmp(v, "copy"))
		*mode = INSTALL_LINK_COPY;
	else
		return error_set(err, BURROW_EUSAGE,
		                 "--link-mode %s: expected auto, reflink, hardlink or copy", v);
	return 0;
}

/* --extra and --group select from a PEP 751 lock: each must be one the
 * lock offers.  A selection is folded into the manifest's digest, so that
 * the no-op check tells one selection from another. */
static int cmd_selection(const struct cmd_source *s, struct manifest *m, struct strbuf *err)
{
	struct strbuf sel = STRBUF_INIT;
	size_t k, j, pass;

	if (!s->extras.n && !s->groups.n)
		return 0;
	if (!m->is_lock)
		return error_set(err, BURROW_EUSAGE,
		                 "%s: --extra and --group select from a PEP 751 lock "
		                 "(pylock.toml), and this manifest is not one",
		                 m->path ? m->path : "the manifest");
	for (pass = 0; pass < 2; pass++) {
		const struct cmd_list *want = pass ? &s->groups : &s->extras;
		char **have = pass ? m->lock_groups : m->lock_extras;
		size_t nhave = pass ? m->nlock_groups : m->nlock_extras;
		for (k = 0; k < want->n; k++) {
			for (j = 0; j < nhave && strcmp(have[j], want->v[k]); j++)
				;
			if (j == nhave) {
				strbuf_reset(&sel);
				for (j = 0; j < nhave; j++)
					strbuf_addf(&sel, "%s%s", j ? ", " : "", have[j]);
				error_set(err, BURROW_EUSAGE,
				          "%s: the lock has no %s \"%s\" (%s: %s)", m->path,
				          pass ? "dependency group" : "extra", want->v[k],
				          pass ? "dependency-groups" : "extras",
				          nhave ? sel.buf : "none");
				strbuf_release(&sel);
				return BURROW_EUSAGE;
			}
			strbuf_addf(&sel, "%s %s\n", pass ? "group" : "extra", want->v[k]);
		}
	}
	strbuf_addf(&sel, "digest %s\n", m->digest);
	sha256_buffer_hex(sel.buf, sel.len, m->digest);
	strbuf_release(&sel);
	return 0;
}

int cmd_load_manifest(struct cmd_source *s, struct manifest *m, struct strbuf *raw,
                      struct strbuf *err)
{
	size_t k;
	int r;

	if (s->manifest && (r = cmd_read_manifest(s->manifest, m, raw, err)))
		return r;
	if ((s->extras.n || s->groups.n) && !s->manifest)
		return error_set(err, BURROW_EUSAGE, "--extra and --group need --manifest");
	if ((r = cmd_selection(s, m, err)))
		return r;
	for (k = 0; k < s->index_urls.n; k++)
		if ((r = manifest_add_repo(m, s->index_urls.v[k], err)))
			return r;
	for (k = 0; k < s->find_links.n; k++)
		if ((r = manifest_add_repo(m, s->find_links.v[k], err)))
			return r;
	return 0;
}

int cmd_source_env(struct cmd_source *s)
{
	static const char *const vars[] = {"BURROW_INDEX_URL", "BURROW_FIND_LINKS"};
	struct cmd_list *lists[] = {&s->index_urls, &s->find_links};
	size_t k;

	for (k = 0; k < 2; k++) {
		const char *v = getenv(vars[k]);
		char *p;
		if (lists[k]->n || !v || !*v)
			continue;
		if (!(s->from_env[k] = strdup(v)))
			return -1;
		for (p = s->from_env[k]; *p;) {
			size_t n;
			p += strspn(p, " \t\n");
			if (!*p)
				break;
			n = strcspn(p, " \t\n");
			if (cmd_list_add(lists[k], p) < 0)
				return -1;
			p += n;
			if (*p)
				*p++ = '\0';
		}
	}
	return 0;
}

void cmd_source_release(struct cmd_source *s)
{
	free(s->extras.v);
	free(s->groups.v);
	free(s->from_env[0]);
	free(s->from_env[1]);
	free(s->index_urls.v);
	free(s->find_links.v);
	memset(s, 0, sizeof(*s));
}

void cmd_install_summary(const char *what, const struct install_options *o,
                         const struct install_result *res)
{
	if (cmd_progress_flush)
		cmd_progress_flush();
	/* said even with -q: an edit had reached the shared cache */
	if (res->repaired)
		fprintf(stderr,
		        "burrow: warning: %s; repaired %zu cache tree%s from %s verified "
		        "archive%s\n",
		        res->repair_note, res->repaired, res->repaired == 1 ? "" : "s",
		        res->repaired == 1 ? "its" : "their", res->repaired == 1 ? "" : "s");
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

/* Requirements without --hash: refused, as pip --require-hashes does, and
 * as pip does, with the lines to paste (every file the repositories offer
 * for the pinned version).  Returns BURROW_EMANIFEST (or the error of a
 * repository that could not be read). */
static int cmd_missing_hashes(const struct manifest *m, const struct install_options *o,
                              struct strbuf *err)
{
	struct strbuf lines = STRBUF_INIT;
	int r = install_missing_hashes(m, &o->fetch, &lines, err);

	if (!r) {
		if (cmd_progress_flush)
			cmd_progress_flush();
		fprintf(stderr,
		        "burrow: %s: %zu requirement%s without --hash (hash-checking mode, as pip "
		        "--require-hashes); the lines to paste, with the hashes of the files "
		        "offered:\n%s",
		        m->path, m->nunhashed, m->nunhashed == 1 ? "" : "s", lines.buf);
		size_t k;
		for (k = 0; k < m->nbundles && m->bundles[k].nhashes; k++)
			;
		r = error_set(err, BURROW_EMANIFEST,
		              "%s:%d:%d: requirement \"%s\": has no --hash (hash-checking mode, as "
		              "pip --require-hashes) (read as %s)",
		              m->path, k < m->nbundles ? m->bundles[k].line : 1,
		              k < m->nbundles ? m->bundles[k].column : 1,
		              k < m->nbundles ? m->bundles[k].name : "?",
		              cmd_manifest_format_name(CMD_MANIFEST_REQUIREMENTS));
	}
	strbuf_release(&lines);
	return r;
}

int cmd_install_command(enum cmd_install_kind kind, int argc, char **argv)
{
	static const char *const names[] = {"create", "install", "fetch"};
	const char *name = names[kind];
	struct cmd_source src = {0};
	struct install_options o = {0};
	struct install_result res;
	struct strbuf err = STRBUF_INIT, cache = STRBUF_INIT, command = STRBUF_INIT;
	struct strbuf raw = STRBUF_INIT;
	struct manifest m;
	const char *env = NULL;
	int i, r;

	for (i = 1; i < argc; i++) {
		if ((r = cmd_source_option(argc, argv, &i, &src)) ||
		    (r = cmd_global_option(argc, argv, &i))) {
			if (r < 0) {
				r = BURROW_EUSAGE;
				goto usage;
			}
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1])
			r = cmd_unknown_option(name, argv[i]);
		else if (kind == CMD_FETCH)
			r = cmd_usage(name, "unexpected argument %s", argv[i]);
		else if (env)
			r = cmd_usage(name, "one env at a time");
		else
			env = argv[i];
		if (r)
			goto usage;
	}
	if (kind != CMD_FETCH && !env) {
		r = cmd_usage(name, kind == CMD_CREATE
		                        ? "which env? (burrow create ENV)"
		                        : "which env? (burrow install ENV --manifest M)");
		goto usage;
	}
	if (src.repair && kind != CMD_INSTALL) {
		r = cmd_usage(name, "--repair is an option of burrow install");
		goto usage;
	}
	if (kind != CMD_CREATE && !src.manifest) {
		r = cmd_usage(name, "--manifest is required");
		goto usage;
	}
	manifest_init(&m);
	r = cmd_source_env(&src) < 0 ? error_set(&err, BURROW_EFAIL, "out of memory") : 0;
	if (!r)
		r = cmd_load_manifest(&src, &m, &raw, &err);
	if (!r)
		r = cmd_install_options(&o, &cache, &err);
	if (!r && m.nunhashed)
		r = cmd_missing_hashes(&m, &o, &err);
	if (!r && kind != CMD_FETCH) {
		o.env_path = env;
		o.compile = src.compile;
		o.repair = src.repair;
		o.create = kind == CMD_CREATE;
		strbuf_addf(&command, "burrow %s %s", name, env);
		o.command = command.buf;
		r = cmd_link_mode(&src, &o.link_mode, &err);
	}
	if (!r) {
		o.python = src.python;
		o.extras = (const char *const *)src.extras.v;
		o.nextras = src.extras.n;
		o.groups = (const char *const *)src.groups.v;
		o.ngroups = src.groups.n;
		o.fetch_only = kind == CMD_FETCH;
		o.m = src.manifest ? &m : NULL;
		o.manifest_bytes = src.manifest ? &raw : NULL;
		r = install_run(&o, &res, &err);
		if (!r)
			cmd_install_summary(kind == CMD_CREATE    ? "created"
			                    : kind == CMD_INSTALL ? "installed"
			                                          : "fetched",
			                    &o, &res);
	}
	cmd_fail(r, &err);
	manifest_release(&m);
	strbuf_release(&err);
	strbuf_release(&cache);
	strbuf_release(&command);
	strbuf_release(&raw);
usage:
	cmd_source_release(&src);
	return r;
}

static void usage(FILE *f)
{
	cmd_help_overview(f);
}

static int dispatch(int argc, char **argv)
{
	int i = 1;
	size_t k;

	cmd_env_defaults();
	signals_install();
	cmd_suggest_option = cmd_help_suggest_option;
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
			struct strbuf e = STRBUF_INIT;
			const char *near = cmd_help_suggest_option(NULL, argv[i]);
			strbuf_add_escaped(&e, argv[i], strlen(argv[i]));
			fprintf(stderr, "burrow: unknown option %s%s%s%s\n(see burrow help)\n",
			        e.buf, near ? " (did you mean " : "", near ? near : "",
			        near ? "?)" : "");
			strbuf_release(&e);
			return BURROW_EUSAGE;
		}
		i++;
	}
	if (i >= argc) {
		usage(stderr);
		return BURROW_EUSAGE;
	}
	/* What burrow writes (envs, the cache) gets the modes the design
	 * names (directories 0755, files 0644/0755), whatever the caller's
	 * umask, as dpkg does; run keeps the caller's umask for the app. */
	if (strcmp(argv[i], "run"))
		umask(022);
	for (k = 0; k < cmd_ncommands; k++)
		if (!strcmp(argv[i], cmd_commands[k].name)) {
			/* burrow COMMAND --help is burrow help COMMAND */
			if (i + 1 < argc &&
			    (!strcmp(argv[i + 1], "--help") || !strcmp(argv[i + 1], "-h"))) {
				char *help[] = {(char *)"help", argv[i], NULL};
				return cmd_help(2, help);
			}
			return cmd_commands[k].fn(argc - i, argv + i);
		}
	{
		/* one line, not the whole overview (git, cargo) */
		struct strbuf e = STRBUF_INIT;
		const char *near = cmd_help_suggest_command(argv[i]);
		strbuf_add_escaped(&e, argv[i], strlen(argv[i]));
		fprintf(stderr, "burrow: unknown command \"%s\"%s%s%s\n(see burrow help)\n", e.buf,
		        near ? " (did you mean \"" : "", near ? near : "", near ? "\"?)" : "");
		strbuf_release(&e);
	}
	return BURROW_EUSAGE;
}

int main(int argc, char **argv)
{
	return cmd_close_stdout(dispatch(argc, argv));
}
