/*
 * launch: the clean exec of `burrow run` (see launch.h).
 *
 * The environment is built from empty, in this order (DESIGN.md):
 *  1. from the caller, only the allowlist below, the manifest's [run].pass
 *     and --keep;
 *  2. PATH = ENV/bin : [run].path (default Docker's PATH);
 *  3. Python envs: VIRTUAL_ENV=ENV, PYTHONNOUSERSITE=1 (PYTHONSAFEPATH=1
 *     with [run].safe_path); LD_LIBRARY_PATH=ENV/lib only with
 *     [run].library_path;
 *  4. the manifest's [run].env, then --env.
 * Loader variables (LD_*) can never come from the caller, not even through
 * --keep or [run].pass: the app's libraries come from the env or the
 * system, never from the shell that started it.
 *
 * --user works like su-exec and gosu: the user and group are resolved
 * first (as root, from passwd and group), HOME/USER/LOGNAME of the caller
 * are replaced by the user's before the allowlist sees them, and after the
 * environment is built the process drops groups, gid and uid, in that
 * order, checks that the drop took and sets NO_NEW_PRIVS; only then is the
 * command looked up (as the user: what they cannot execute is 126) and
 * exec'd.
 */
#include "launch.h"

#include "envdir.h"
#include "trust.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/signals.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

static const char *const allowlist[] = {
    "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TERM", "TZ", "TMPDIR", "HOSTNAME", "NO_COLOR",
};

int strvec_push(struct strvec *sv, const char *s)
{
	if (sv->len + 2 > sv->alloc) {
		size_t n = sv->alloc ? sv->alloc * 2 : 32;
		char **p = realloc(sv->v, n * sizeof(*p));
		if (!p)
			return -1;
		sv->v = p;
		sv->alloc = n;
	}
	if (!(sv->v[sv->len] = strdup(s)))
		return -1;
	sv->v[++sv->len] = NULL;
	return 0;
}

int strvec_pushf(struct strvec *sv, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (r == 0)
		r = strvec_push(sv, sb.buf);
	strbuf_release(&sb);
	return r;
}

void strvec_release(struct strvec *sv)
{
	size_t i;

	for (i = 0; i < sv->len; i++)
		free(sv->v[i]);
	free(sv->v);
	memset(sv, 0, sizeof(*sv));
}

/* Facts values are escaped: "\\" and "\n" only. */
static void add_escaped_value(struct strbuf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			strbuf_addstr(out, "\\\\");
		else if (*s == '\n')
			strbuf_addstr(out, "\\n");
		else
			strbuf_addch(out, *s);
	}
}

int launch_facts_write(const struct manifest *m, int python, struct strbuf *out)
{
	size_t i;

	strbuf_addstr(out, "burrow-run 1\n");
	strbuf_addf(out, "python %d\nlibrary_path %d\nsafe_path %d\n", python ? 1 : 0,
	            m->library_path ? 1 : 0, m->safe_path ? 1 : 0);
	if (m->run_path) {
		for (i = 0; i < m->nrun_path; i++)
			strbuf_addf(out, "path %s\n", m->run_path[i]);
	} else {
		strbuf_addstr(out, "path-default\n");
	}
	for (i = 0; i < m->nrun_pass; i++)
		strbuf_addf(out, "pass %s\n", m->run_pass[i]);
	for (i = 0; i < m->nrun_env; i++) {
		strbuf_addf(out, "env %s=", m->run_env[i].key);
		add_escaped_value(out, m->run_env[i].value);
		strbuf_addch(out, '\n');
	}
	return 0;
}

static int push_raw(char ***v, size_t *n, const char *s, size_t len, int unescape)
{
	char **p = realloc(*v, (*n + 2) * sizeof(char *));
	char *d;
	size_t i, o = 0;

	if (!p)
		return -1;
	*v = p;
	d = malloc(len + 1);
	if (!d)
		return -1;
	for (i = 0; i < len; i++) {
		if (unescape && s[i] == '\\' && i + 1 < len) {
			i++;
			d[o++] = s[i] == 'n' ? '\n' : s[i];
		} else {
			d[o++] = s[i];
		}
	}
	d[o] = '\0';
	p[(*n)++] = d;
	p[*n] = NULL;
	return 0;
}

void launch_facts_release(struct launch_facts *f)
{
	size_t i;

	for (i = 0; i < f->npass; i++)
		free(f->pass[i]);
	free(f->pass);
	for (i = 0; i < f->nenv; i++)
		free(f->env[i]);
	free(f->env);
	strbuf_release(&f->path);
	memset(f, 0, sizeof(*f));
}

int launch_facts_parse(const char *data, size_t len, struct launch_facts *f, struct strbuf *err)
{
	const char *p = data, *end = data + len;
	int line = 0, have_path = 0;

	memset(f, 0, sizeof(*f));
	strbuf_init(&f->path, 1 << 20);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *sp = memchr(p, ' ', n);
		size_t klen = sp ? (size_t)(sp - p) : n;
		const char *val = sp ? sp + 1 : p + n;
		size_t vlen = (size_t)(p + n - val);
		int r = 0;

		line++;
		if (line == 1) {
			if (n != 12 || memcmp(p, "burrow-run 1", 12) != 0)
				return error_set(err, BURROW_EFAIL,
				                 "1: not a burrow run file (or a newer one)");
		} else if (klen == 6 && !memcmp(p, "python", 6)) {
			f->python = vlen == 1 && val[0] == '1';
		} else if (klen == 12 && !memcmp(p, "library_path", 12)) {
			f->library_path = vlen == 1 && val[0] == '1';
		} else if (klen == 9 && !memcmp(p, "safe_path", 9)) {
			f->safe_path = vlen == 1 && val[0] == '1';
		} else if (klen == 4 && !memcmp(p, "path", 4)) {
			if (have_path)
				r = strbuf_addch(&f->path, ':');
			r |= strbuf_add(&f->path, val, vlen);
			have_path = 1;
		} else if (klen == 12 && !memcmp(p, "path-default", 12)) {
			r = strbuf_addstr(&f->path, LAUNCH_DEFAULT_PATH);
			have_path = 1;
		} else if (klen == 4 && !memcmp(p, "pass", 4)) {
			r = push_raw(&f->pass, &f->npass, val, vlen, 0);
		} else if (klen == 3 && !memcmp(p, "env", 3)) {
			if (!memchr(val, '=', vlen))
				return error_set(err, BURROW_EFAIL, "%d: env without '='", line);
			r = push_raw(&f->env, &f->nenv, val, vlen, 1);
		} else if (n) {
			return error_set(err, BURROW_EFAIL, "%d: unknown line", line);
		}
		if (r < 0)
			return error_set(err, BURROW_EFAIL, "out of memory");
		p += n + (nl ? 1 : 0);
	}
	if (line == 0)
		return error_set(err, BURROW_EFAIL, "1: empty run file");
	return 0;
}

const char *launch_getenv(char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (!strncmp(*envp, name, n) && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/* Replaces or appends "K=V" in out. */
static int set_var(struct strvec *out, const char *kv)
{
	size_t klen = (size_t)(strchr(kv, '=') - kv), i;

	for (i = 0; i < out->len; i++)
		if (!strncmp(out->v[i], kv, klen) && out->v[i][klen] == '=') {
			char *d = strdup(kv);
			if (!d)
				return -1;
			free(out->v[i]);
			out->v[i] = d;
			return 0;
		}
	return strvec_push(out, kv);
}

/* Removes the first "name=..." among the first `limit` entries of out. */
static void drop_var(struct strvec *out, const char *name, size_t limit)
{
	size_t i, n = strlen(name);

	for (i = 0; i < limit && i < out->len; i++)
		if (!strncmp(out->v[i], name, n) && out->v[i][n] == '=') {
			free(out->v[i]);
			memmove(&out->v[i], &out->v[i + 1], (out->len - i) * sizeof(char *));
			out->len--;
			return;
		}
}

static int name_in(const char *kv, size_t klen, char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(names[i]) == klen && !strncmp(kv, names[i], klen))
			return 1;
	return 0;
}

/* The caller's value of an allowlisted variable is checked like sudo's
 * env_reset does: a locale or terminal name is a name, not a path (glibc
 * and ncurses open files named by them), and TZ may only name a zone
 * beneath the zoneinfo folder.  1 when the value may pass. */
static int value_ok(const char *kv, size_t klen)
{
	const char *v = kv + klen + 1, *p;
	int locale = (klen == 4 && !strncmp(kv, "LANG", 4)) ||
	             (klen == 8 && !strncmp(kv, "LANGUAGE", 8)) ||
	             (klen == 4 && !strncmp(kv, "TERM", 4)) || (klen > 3 && !strncmp(kv, "LC_", 3));
	int tz = klen == 2 && !strncmp(kv, "TZ", 2);
	int tmpdir = klen == 6 && !strncmp(kv, "TMPDIR", 6);

	if (!locale && !tz && !tmpdir)
		return 1; /* other names pass as they are */
	if (strlen(v) >= PATH_MAX)
		return 0;
	for (p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	if (locale)
		return !strchr(v, '/') && !strchr(v, '%') && !strstr(v, "..");
	if (tz) {
		if (*v == ':')
			v++;
		if (*v == '/' && strncmp(v, LAUNCH_ZONEINFO "/", sizeof(LAUNCH_ZONEINFO)))
			return 0;
		return !strstr(v, "..");
	}
	return *v == '/' && !strstr(v, "/..");
}

int launch_build_env(const struct launch_facts *f, const char *root, char *const *caller,
                     char *const *keep, size_t nkeep, char *const *set, size_t nset,
                     struct strvec *out, struct strbuf *err)
{
	size_t i, j;

	for (i = 0; i < nkeep; i++)
		if (trust_hijack_var(keep[i], strlen(keep[i])))
			return error_set(err, BURROW_EUSAGE,
			                 "--keep %s: loader, interpreter and shell start-up "
			                 "variables never pass from the caller into an env (set it "
			                 "explicitly with --env %s=VALUE)",
			                 keep[i], keep[i]);
	for (i = 0; i < nset; i++)
		if (!strchr(set[i], '=') || set[i][0] == '=')
			return error_set(err, BURROW_EUSAGE, "--env %s: expected NAME=VALUE",
			                 set[i]);
	for (; caller && *caller; caller++) {
		const char *kv = *caller, *eq = strchr(kv, '=');
		size_t klen;
		int ok = 0;

		if (!eq)
			continue;
		klen = (size_t)(eq - kv);
		for (j = 0; j < sizeof(allowlist) / sizeof(allowlist[0]) && !ok; j++)
			ok = strlen(allowlist[j]) == klen && !strncmp(kv, allowlist[j], klen);
		if (!ok && klen > 3 && !strncmp(kv, "LC_", 3))
			ok = 1;
		if (ok && !value_ok(kv, klen))
			continue;
		/* a facts file older than the manifest check may still pass them */
		if (!ok && name_in(kv, klen, f->pass, f->npass) && !trust_hijack_var(kv, klen))
			ok = 1;
		if (!ok && name_in(kv, klen, keep, nkeep))
			ok = value_ok(kv, klen);
		if (ok && set_var(out, kv) < 0)
			return error_set(err, BURROW_EFAIL, "out of memory");
	}
	if (strvec_pushf(out, "PATH=%s/bin%s%s", root, f->path.len ? ":" : "", f->path.buf) < 0)
		return error_set(err, BURROW_EFAIL, "out of memory");
	/* PATH came from us: drop a caller PATH kept by --keep (the first). */
	drop_var(out, "PATH", out->len - 1);
	if (f->python) {
		if (strvec_pushf(out, "VIRTUAL_ENV=%s", root) < 0 ||
		    set_var(out, "PYTHONNOUSERSITE=1") < 0)
			return error_set(err, BURROW_EFAIL, "out of memory");
		if (f->safe_path && set_var(out, "PYTHONSAFEPATH=1") < 0)
			return error_set(err, BURROW_EFAIL, "out of memory");
	}
	if (f->library_path && strvec_pushf(out, "LD_LIBRARY_PATH=%s/lib", root) < 0)
		return error_set(err, BURROW_EFAIL, "out of memory");
	for (i = 0; i < f->nenv; i++)
		if (set_var(out, f->env[i]) < 0)
			return error_set(err, BURROW_EFAIL, "out of memory");
	for (i = 0; i < nset; i++)
		if (set_var(out, set[i]) < 0)
			return error_set(err, BURROW_EFAIL, "out of memory");
	return 0;
}

/* 0 executable regular file; BURROW_ENOTEXEC exists but cannot be run;
 * BURROW_ENOTFOUND absent. */
static int probe(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return BURROW_ENOTFOUND;
	if (!S_ISREG(st.st_mode) || access(path, X_OK) < 0)
		return BURROW_ENOTEXEC;
	return 0;
}

int launch_find(const char *cmd, const char *path, struct strbuf *out, struct strbuf *err)
{
	const char *p = path;
	int seen_noexec = 0;

	strbuf_reset(out);
	if (!*cmd)
		return error_set(err, BURROW_ENOTFOUND, "empty command");
	if (strchr(cmd, '/')) {
		int r = probe(cmd);
		strbuf_addstr(out, cmd);
		if (r == BURROW_ENOTFOUND)
			return error_set(err, r, "%s: no such file", cmd);
		if (r)
			return error_set(err, r, "%s: not executable", cmd);
		return 0;
	}
	while (*p) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		int r;

		strbuf_reset(out);
		if (n == 0)
			strbuf_addstr(out, cmd); /* empty entry: cwd, as execvp does */
		else
			strbuf_addf(out, "%.*s/%s", (int)n, p, cmd);
		r = probe(out->buf);
		if (r == 0)
			return 0;
		if (r == BURROW_ENOTEXEC)
			seen_noexec = 1;
		p += n + (colon ? 1 : 0);
		if (!colon)
			break;
	}
	if (seen_noexec)
		return error_set(err, BURROW_ENOTEXEC,
		                 "%s: found on the env's PATH but not executable", cmd);
	return error_set(err, BURROW_ENOTFOUND, "%s: command not found on the env's PATH (%s)", cmd,
	                 path);
}

/* Drops a TMPDIR that came from the caller from envp unless it names a
 * directory the current (real) user can write and search; one set by
 * [run].env (in f) or --env (set) stays.  Called after the privilege drop,
 * so "current" is the target user. */
static void check_tmpdir(struct strvec *envp, const struct launch_facts *f, char *const *set,
                         size_t nset)
{
	const char *v = launch_getenv(envp->v, "TMPDIR");
	struct stat st;
	size_t i;

	if (!v)
		return;
	for (i = 0; i < f->nenv; i++)
		if (!strncmp(f->env[i], "TMPDIR=", 7))
			return; /* set explicitly: as given */
	for (i = 0; i < nset; i++)
		if (!strncmp(set[i], "TMPDIR=", 7))
			return;
	if (stat(v, &st) < 0 || !S_ISDIR(st.st_mode) || access(v, W_OK | X_OK) < 0)
		drop_var(envp, "TMPDIR", envp->len);
}

/* trust: as root, refuse an env whose records another user could have
 * written (trust.h). */
static int load(const char *env_path, int trust, char *root, struct launch_facts *f,
                struct strbuf *err)
{
	struct strbuf data = STRBUF_INIT;
	int r;

	if (!realpath(env_path, root))
		return errno == ENOENT
		           ? error_set(err, BURROW_EFAIL, ENVDIR_NO_SUCH_ENV, env_path)
		           : error_set(err, BURROW_EFAIL, "%s: %s", env_path, strerror(errno));
	if ((r = envdir_path_ok(-1, root, err)))
		return r;
	{
		int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return error_set(err, BURROW_EFAIL, "%s: %s", env_path, strerror(errno));
		if (trust && (r = trust_env_records(dfd, env_path, err))) {
			close(dfd);
			return r;
		}
		r = fs_read_file(dfd, ".burrow/run", 1 << 20, &data);
		close(dfd);
		if (r < 0) {
			r = error_set(err, BURROW_EFAIL, "%s: not a burrow env (.burrow/run: %s)",
			              env_path, strerror(errno));
			strbuf_release(&data);
			return r;
		}
	}
	r = launch_facts_parse(data.buf, data.len, f, err);
	strbuf_release(&data);
	if (r)
		return error_prefix(err, r, "%s/.burrow/run", env_path);
	return 0;
}

int launch_env_for(const char *env_path, char *const *keep, size_t nkeep, char *const *set,
                   size_t nset, struct strvec *out, struct strbuf *err)
{
	struct launch_facts f;
	char root[PATH_MAX];
	int r;

	if ((r = load(env_path, 1, root, &f, err)))
		return r;
	r = launch_build_env(&f, root, environ, keep, nkeep, set, nset, out, err);
	if (!r)
		check_tmpdir(out, &f, set, nset);
	launch_facts_release(&f);
	return r;
}

/* ---- --user ---- */

#define USER_SPEC_MAX 512
#define USER_GROUPS_MAX 65536 /* NGROUPS_MAX on Linux */

void launch_user_release(struct launch_user *u)
{
	free(u->groups);
	free(u->name);
	free(u->home);
	memset(u, 0, sizeof(*u));
}

/* A decimal id: digits only, below (id_t)-1, which means "no change" to
 * setuid and friends. */
static int parse_id(const char *s, size_t n, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > 10)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v >= 0xffffffffUL)
		return -1;
	*out = v;
	return 0;
}

static int user_error(struct strbuf *err, int code, const char *spec, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int user_error(struct strbuf *err, int code, const char *spec, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	strbuf_addstr(&msg, "--user ");
	strbuf_add_escaped(&msg, spec, strlen(spec));
	strbuf_addstr(&msg, ": ");
	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	error_set(err, code, "%s", msg.buf);
	strbuf_release(&msg);
	return code;
}

int launch_user_resolve(const char *spec, struct launch_user *u, struct strbuf *err)
{
	const char *colon = strchr(spec, ':'), *group;
	size_t ulen, glen;
	char name[USER_SPEC_MAX + 1];
	struct passwd *pw;
	unsigned long id;
	int have_group, have_pw = 0;

	memset(u, 0, sizeof(*u));
	if (strlen(spec) > USER_SPEC_MAX)
		return user_error(err, BURROW_EUSAGE, spec, "too long");
	ulen = colon ? (size_t)(colon - spec) : strlen(spec);
	group = colon ? colon + 1 : "";
	glen = strlen(group);
	have_group = glen > 0; /* "user:" is "user", as gosu takes it */
	if (ulen == 0)
		return user_error(err, BURROW_EUSAGE, spec, "expected NAME|UID[:GROUP|GID]");
	if (strchr(group, ':'))
		return user_error(err, BURROW_EUSAGE, spec, "expected NAME|UID[:GROUP|GID]");
	memcpy(name, spec, ulen);
	name[ulen] = '\0';

	errno = 0;
	if (parse_id(name, ulen, &id) == 0) {
		u->uid = (uid_t)id;
		pw = getpwuid(u->uid);
		if (!pw && !have_group)
			return user_error(err, BURROW_EFAIL, spec,
			                  "no user with uid %lu in passwd (name a group too: "
			                  "--user %lu:GID)",
			                  id, id);
	} else {
		pw = getpwnam(name);
		if (!pw)
			return user_error(err, BURROW_EFAIL, spec, "no such user");
		u->uid = pw->pw_uid;
	}
	if (pw) {
		have_pw = 1;
		u->gid = pw->pw_gid;
		if (!(u->name = strdup(pw->pw_name)) || !(u->home = strdup(pw->pw_dir))) {
			launch_user_release(u);
			return error_set(err, BURROW_EFAIL, "out of memory");
		}
	}
	if (have_group) {
		if (parse_id(group, glen, &id) == 0) {
			u->gid = (gid_t)id;
		} else {
			struct group *gr = getgrnam(group);
			if (!gr) {
				launch_user_release(u);
				return user_error(err, BURROW_EFAIL, spec, "no such group");
			}
			u->gid = gr->gr_gid;
		}
	}

	if (have_pw && !have_group) {
		/* The user's own groups, as login would give them. */
		int n = 64;
		for (;;) {
			int want = n;
			gid_t *g = malloc((size_t)n * sizeof(gid_t));
			if (!g) {
				launch_user_release(u);
				return error_set(err, BURROW_EFAIL, "out of memory");
			}
			if (getgrouplist(u->name, u->gid, g, &want) >= 0) {
				u->groups = g;
				u->ngroups = (size_t)want;
				break;
			}
			free(g);
			if (want <= n || want > USER_GROUPS_MAX) {
				launch_user_release(u);
				return user_error(err, BURROW_EFAIL, spec,
				                  "cannot list the user's groups");
			}
			n = want;
		}
	} else {
		u->groups = malloc(sizeof(gid_t));
		if (!u->groups) {
			launch_user_release(u);
			return error_set(err, BURROW_EFAIL, "out of memory");
		}
		u->groups[0] = u->gid;
		u->ngroups = 1;
	}
	return 0;
}

int launch_user_environ(const struct launch_user *u, char *const *caller, struct strvec *out,
                        struct strbuf *err)
{
	for (; caller && *caller; caller++) {
		if (!strncmp(*caller, "HOME=", 5) || !strncmp(*caller, "USER=", 5) ||
		    !strncmp(*caller, "LOGNAME=", 8))
			continue;
		if (strvec_push(out, *caller) < 0)
			return error_set(err, BURROW_EFAIL, "out of memory");
	}
	if (strvec_pushf(out, "HOME=%s", u->home ? u->home : "/") < 0)
		return error_set(err, BURROW_EFAIL, "out of memory");
	if (u->name && (strvec_pushf(out, "USER=%s", u->name) < 0 ||
	                strvec_pushf(out, "LOGNAME=%s", u->name) < 0))
		return error_set(err, BURROW_EFAIL, "out of memory");
	return 0;
}

int launch_user_switch(const struct launch_user *u, struct strbuf *err)
{
	int self =
	    u->uid == getuid() && u->uid == geteuid() && u->gid == getgid() && u->gid == getegid();

	if (geteuid() != 0) {
		if (!self)
			return error_set(err, BURROW_EFAIL,
			                 "--user: only root can switch users (running as uid %u, "
			                 "asked for %u:%u)",
			                 (unsigned)geteuid(), (unsigned)u->uid, (unsigned)u->gid);
	} else {
		if (setgroups(u->ngroups, u->groups) < 0)
			return error_set(err, BURROW_EFAIL, "--user: setgroups: %s",
			                 strerror(errno));
		if (setgid(u->gid) < 0)
			return error_set(err, BURROW_EFAIL, "--user: setgid %u: %s",
			                 (unsigned)u->gid, strerror(errno));
		if (setuid(u->uid) < 0)
			return error_set(err, BURROW_EFAIL, "--user: setuid %u: %s",
			                 (unsigned)u->uid, strerror(errno));
	}
	if (getuid() != u->uid || geteuid() != u->uid || getgid() != u->gid || getegid() != u->gid)
		return error_set(err, BURROW_EFAIL, "--user: the switch to %u:%u did not take",
		                 (unsigned)u->uid, (unsigned)u->gid);
	if (u->uid != 0 && setuid(0) == 0)
		return error_set(err, BURROW_EFAIL,
		                 "--user: uid 0 could be regained after the switch");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return error_set(err, BURROW_EFAIL, "--user: PR_SET_NO_NEW_PRIVS: %s",
		                 strerror(errno));
	return 0;
}

/* ---- run ---- */

int launch_run(const char *env_path, const char *user, char *const *keep, size_t nkeep,
               char *const *set, size_t nset, char *const *argv, struct strbuf *err)
{
	struct strvec envp = {0}, args = {0}, caller = {0};
	struct strbuf prog = STRBUF_INIT;
	struct launch_user u = {0};
	struct launch_facts f;
	char root[PATH_MAX];
	const char *path;
	size_t i;
	int r;

	if (user && (r = launch_user_resolve(user, &u, err)))
		return r;
	if (user && (r = launch_user_environ(&u, environ, &caller, err)))
		goto out;
	/* root's own run reads only an env root can trust; with --user the
	 * app runs with that user's rights only */
	if ((r = load(env_path, !user || u.uid == 0, root, &f, err)))
		goto out;
	r = launch_build_env(&f, root, user ? caller.v : environ, keep, nkeep, set, nset, &envp,
	                     err);
	if (r) {
		launch_facts_release(&f);
		goto out;
	}
	if (user && (r = launch_user_switch(&u, err))) {
		launch_facts_release(&f);
		goto out;
	}
	/* as the target user: TMPDIR only when they can write it */
	check_tmpdir(&envp, &f, set, nset);
	launch_facts_release(&f);
	path = launch_getenv(envp.v, "PATH");
	if ((r = launch_find(argv[0], path ? path : "", &prog, err)))
		goto out;
	/* argv[0] is the program's path: CPython finds its env (pyvenv.cfg)
	 * from an argv[0] inside ENV/bin. */
	if (strvec_push(&args, prog.buf) < 0) {
		r = error_set(err, BURROW_EFAIL, "out of memory");
		goto out;
	}
	for (i = 1; argv[i]; i++)
		if (strvec_push(&args, argv[i]) < 0) {
			r = error_set(err, BURROW_EFAIL, "out of memory");
			goto out;
		}
	signals_reset();
	execve(prog.buf, args.v, envp.v);
	r = error_set(err, errno == ENOENT ? BURROW_ENOTFOUND : BURROW_ENOTEXEC, "%s: %s", prog.buf,
	              strerror(errno));
out:
	strvec_release(&envp);
	strvec_release(&args);
	strvec_release(&caller);
	strbuf_release(&prog);
	launch_user_release(&u);
	return r;
}
