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
#include <sys/types.h>

#define LAUNCH_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define LAUNCH_ZONEINFO "/usr/share/zoneinfo" /* where an absolute TZ must point */

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
 * --env.  root: the env's absolute path.  The caller's values of LANG,
 * LANGUAGE, LC_*, TERM (no '/', '%' or ".."), TZ (a zone name, or a path
 * beneath LAUNCH_ZONEINFO) and TMPDIR (absolute, no "..") are dropped
 * when they do not pass, as sudo's env_reset does.  Returns 0 or
 * BURROW_EUSAGE (a malformed --env, a --keep of the hijack set). */
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

/* The identity `run --user` switches to (su-exec, gosu). */
struct launch_user {
	uid_t uid;
	gid_t gid;
	gid_t *groups; /* supplementary groups to set (malloc'd) */
	size_t ngroups;
	char *name; /* passwd name (malloc'd), NULL when the uid has no entry */
	char *home; /* passwd home (malloc'd), NULL when the uid has no entry */
};

/* Resolves a --user spec, NAME|UID[:GROUP|GID], against passwd and group
 * (NSS).  NAME must exist; a bare UID must have a passwd entry (its
 * primary group is used); UID:GID needs none.  Without a group the
 * supplementary groups are the user's (getgrouplist), with one they are
 * just that group (gosu's rule: "user:group" means exactly that group).
 * The caller owns *u and releases it with launch_user_release.  Returns 0,
 * BURROW_EUSAGE for a malformed spec, BURROW_EFAIL for an unknown user or
 * group. */
int launch_user_resolve(const char *spec, struct launch_user *u, struct strbuf *err);
void launch_user_release(struct launch_user *u);

/* Sets HOME, USER and LOGNAME in a caller environment (a copy in out) as
 * the user would have them: HOME from passwd ("/" without an entry, as
 * gosu does), USER and LOGNAME the passwd name (removed without an
 * entry).  The allowlist then lets them through like any caller value, so
 * [run].env and --env still win.  Returns 0 or BURROW_EFAIL (memory). */
int launch_user_environ(const struct launch_user *u, char *const *caller, struct strvec *out,
                        struct strbuf *err);

/* Drops privileges to u: setgroups, setgid, setuid (in that order),
 * checks that they took (real and effective ids, and that uid 0 cannot be
 * regained), then PR_SET_NO_NEW_PRIVS.  Only root can switch: for anyone
 * else a u that is the caller's own uid and gid is a no-op (plus
 * NO_NEW_PRIVS), any other is BURROW_EFAIL.  Any failure is BURROW_EFAIL
 * and the process must not go on to exec. */
int launch_user_switch(const struct launch_user *u, struct strbuf *err);

/* The whole of `burrow run`: returns only on failure, with a code.  user:
 * a --user spec, or NULL to keep the caller's identity. */
int launch_run(const char *env_path, const char *user, char *const *keep, size_t nkeep,
               char *const *set, size_t nset, char *const *argv, struct strbuf *err);

/* Builds the environment `run` would give, for `burrow env`. */
int launch_env_for(const char *env_path, char *const *keep, size_t nkeep, char *const *set,
                   size_t nset, struct strvec *out, struct strbuf *err);

#endif
