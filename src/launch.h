/*
 * launch: what `burrow run` does: read the facts file ENV/.burrow/run,
 * build the app's environment from nothing but an allowlist, look the
 * command up on the new PATH, and execve it (no fork: the app keeps our pid
 * and its exit status is its own).  No sqlite, no network, no interpreter.
 */
#ifndef BURROW_LAUNCH_H
#define BURROW_LAUNCH_H

#include "manifest.h"
#include "util/strbuf.h"

#include <stddef.h>

#define LAUNCH_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The facts, parsed from .burrow/run. */
struct launch_facts {
	int python;         /* a Python env: VIRTUAL_ENV, PYTHONNOUSERSITE */
	int library_path;   /* ENV/lib first on LD_LIBRARY_PATH */
	int safe_path;      /* PYTHONSAFEPATH=1 */
	struct strbuf path; /* the PATH tail after ENV/bin, ':'-joined */
	char **pass;        /* caller variables let through */
	size_t npass;
	char **env; /* "K=V" set at run */
	size_t nenv;
};

struct strvec {
	char **v; /* NULL-terminated */
	size_t len, alloc;
};
int strvec_push(struct strvec *sv, const char *s);
int strvec_pushf(struct strvec *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strvec_release(struct strvec *sv);

/* Writes the facts file's text for a manifest. */
int launch_facts_write(const struct manifest *m, int python, struct strbuf *out);
/* Parses facts text (pure; the file is ours but may be damaged).  Returns
 * 0 or BURROW_EFAIL with "LINE: message". */
int launch_facts_parse(const char *data, size_t len, struct launch_facts *f, struct strbuf *err);
void launch_facts_release(struct launch_facts *f);

/* Builds the environment (DESIGN.md "Running"), pure:
 * caller: the caller's environ; keep: names from --keep; set: "K=V" from
 * --env.  root: the env's absolute path.  Returns 0 or BURROW_EUSAGE (a
 * malformed --env, a --keep of a loader variable). */
int launch_build_env(const struct launch_facts *f, const char *root, char *const *caller,
                     char *const *keep, size_t nkeep, char *const *set, size_t nset,
                     struct strvec *out, struct strbuf *err);

/* The value of name in a NULL-terminated "K=V" vector, or NULL. */
const char *launch_getenv(char *const *envp, const char *name);

/* Looks cmd up on path (':'-separated) as execvp would, but never on the
 * caller's PATH; a cmd with a '/' is taken as is.  out gets the program's
 * path.  Returns 0, BURROW_ENOTFOUND or BURROW_ENOTEXEC (found but not an
 * executable regular file). */
int launch_find(const char *cmd, const char *path, struct strbuf *out, struct strbuf *err);

/* The whole of `burrow run`: returns only on failure, with a code. */
int launch_run(const char *env_path, char *const *keep, size_t nkeep, char *const *set, size_t nset,
               char *const *argv, struct strbuf *err);

/* Builds the environment `run` would give, for `burrow env`. */
int launch_env_for(const char *env_path, char *const *keep, size_t nkeep, char *const *set,
                   size_t nset, struct strvec *out, struct strbuf *err);

#endif
