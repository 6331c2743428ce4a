/*
 * front: the main() of `burrow`, the small binary users call.
 *
 * `burrow run` happens on every container start and must cost next to
 * nothing, and a no-op `burrow install` happens in every CI build.  Loading
 * libcurl, libarchive, libxml2 and OpenSSL costs several milliseconds before
 * main() even starts, so this binary links only libc: it runs `run` and
 * `env` itself, answers a no-op `install` itself (noop.c), and execs
 * burrow-core (the full program, main.c) for everything else, with the same
 * arguments (git's git-<command> split, in one step).
 */
#include "cmd.h"

#include "install.h"
#include "noop.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/signals.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* burrow-core beside this binary (the build tree), else in
 * ../libexec/burrow/ (make install). */
static int exec_core(char **argv)
{
	static const char *const where[] = {"burrow-core", "../libexec/burrow/burrow-core"};
	char self[PATH_MAX], path[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;
	size_t i;

	if (n <= 0) {
		fprintf(stderr, "burrow: error: cannot find myself: %s\n", strerror(errno));
		return BURROW_EFAIL;
	}
	self[n] = '\0';
	slash = strrchr(self, '/');
	*slash = '\0';
	for (i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", self, where[i]);
		if (access(path, X_OK) == 0) {
			execv(path, argv);
			fprintf(stderr, "burrow: error: %s: %s\n", path, strerror(errno));
			return BURROW_EFAIL;
		}
	}
	fprintf(stderr, "burrow: error: burrow-core not found beside %s\n", self);
	return BURROW_EFAIL;
}

/* The largest manifest the front answers a no-op for (noop.c reads no
 * more either); a larger one goes to burrow-core. */
#define FRONT_SNIFF_MAX ((size_t)4 << 20)

/* burrow install ENV --manifest M [--python P] [--compile]: answered here
 * only when it is certainly a no-op; any other option or doubt goes to
 * burrow-core. */
static int try_noop(int argc, char **argv)
{
	const char *env = NULL, *manifest = NULL, *python = NULL;
	struct strbuf cache = STRBUF_INIT, head = STRBUF_INIT;
	const char *v;
	size_t nbundles;
	int i, compile = 0, ok;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--manifest") && i + 1 < argc)
			manifest = argv[++i];
		else if (!strncmp(a, "--manifest=", 11))
			manifest = a + 11;
		else if (!strcmp(a, "--python") && i + 1 < argc)
			python = argv[++i];
		else if (!strncmp(a, "--python=", 9))
			python = a + 9;
		else if (!strcmp(a, "--compile"))
			compile = 1;
		else if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
			globals.quiet = 1;
		else if (a[0] != '-' && !env)
			env = a;
		else
			return 0;
	}
	if (!env || !manifest)
		return 0;
	/* requirements files may include others, and standard input is read
	 * once: the full install decides */
	if (!strcmp(manifest, "-") || fs_read_user_file(manifest, FRONT_SNIFF_MAX, &head, NULL) < 0)
		return 0;
	if (cmd_manifest_format(manifest, head.buf, head.len) == CMD_MANIFEST_REQUIREMENTS) {
		strbuf_release(&head);
		return 0;
	}
	strbuf_release(&head);
	if (globals.cache_dir)
		strbuf_addstr(&cache, globals.cache_dir);
	else if ((v = getenv("BURROW_CACHE_DIR")) && *v)
		strbuf_addstr(&cache, v);
	else if ((v = getenv("XDG_CACHE_HOME")) && *v == '/')
		strbuf_addf(&cache, "%s/burrow", v);
	else if ((v = getenv("HOME")) && *v)
		strbuf_addf(&cache, "%s/.cache/burrow", v);
	else
		return 0;
	ok = noop_check(env, manifest, python, compile, cache.buf, BURROW_VERSION, &nbundles);
	strbuf_release(&cache);
	if (ok && !globals.quiet)
		fprintf(stderr, "burrow: %s: nothing to do (%zu bundle%s up to date)\n", env,
		        nbundles, nbundles == 1 ? "" : "s");
	return ok;
}

static int dispatch(int argc, char **argv)
{
	int i = 1, r;

	cmd_env_defaults();
	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "--version")) {
			printf("burrow %s\n", BURROW_VERSION);
			return 0;
		}
		r = cmd_global_option(argc, argv, &i);
		if (r < 0)
			return BURROW_EUSAGE; /* said once, here (--jobs abc) */
		if (r == 0)
			return exec_core(argv); /* let the full program explain */
		i++;
	}
	/* "burrow run --help": the help texts live in burrow-core */
	if (i + 1 < argc && (!strcmp(argv[i + 1], "--help") || !strcmp(argv[i + 1], "-h")))
		return exec_core(argv);
	if (i < argc && !strcmp(argv[i], "run")) {
		signals_install();
		return cmd_run(argc - i, argv + i);
	}
	if (i < argc && !strcmp(argv[i], "env"))
		return cmd_env(argc - i, argv + i);
	if (i < argc && !strcmp(argv[i], "install") && try_noop(argc - i, argv + i))
		return 0;
	return exec_core(argv);
}

int main(int argc, char **argv)
{
	return cmd_close_stdout(dispatch(argc, argv));
}
