/*
 * trust: ownership and write-permission checks before burrow reads or runs
 * what another user could have written (see trust.h).
 */
#include "trust.h"

#include "util/error.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* What an env's .burrow/ holds that burrow reads; "." is the env itself. */
static const char *const records[] = {
    ".",
    ".burrow",
    ".burrow/state.db",
    ".burrow/state.db-wal",
    ".burrow/state.db-journal",
    ".burrow/run",
    ".burrow/manifest.toml",
    ".burrow/noop",
};

int trust_mine(const struct stat *st)
{
	return st->st_uid == geteuid() && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

int trust_ours(const struct stat *st)
{
	return (st->st_uid == geteuid() || st->st_uid == 0) && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/* Why st is not ours, for messages. */
static void why_not(struct strbuf *out, const struct stat *st)
{
	if (st->st_uid != geteuid() && st->st_uid != 0)
		strbuf_addf(out, "owned by uid %u", (unsigned)st->st_uid);
	else
		strbuf_addf(out, "writable by %s (mode %04o)",
		            st->st_mode & S_IWOTH ? "others" : "its group",
		            (unsigned)(st->st_mode & 07777));
}

/* The first record of the env at envfd that is not ours, into who; 1 found,
 * 0 none.  Absent records are fine (the callers say what is missing). */
static int first_foreign(int envfd, struct strbuf *who)
{
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(records) / sizeof(records[0]); i++) {
		int r = !strcmp(records[i], ".")
		            ? fstat(envfd, &st)
		            : fstatat(envfd, records[i], &st, AT_SYMLINK_NOFOLLOW);
		if (r < 0)
			continue;
		if (!trust_ours(&st)) {
			if (who) {
				strbuf_addstr(who, records[i]);
				strbuf_addstr(who, ": ");
				why_not(who, &st);
			}
			return 1;
		}
	}
	return 0;
}

int trust_env_foreign(int envfd, struct strbuf *who)
{
	return first_foreign(envfd, who);
}

int trust_env_records(int envfd, const char *env_path, struct strbuf *err)
{
	struct strbuf who = STRBUF_INIT;
	int r = 0;

	if (geteuid() != 0)
		return 0;
	if (first_foreign(envfd, &who)) {
		struct strbuf p = STRBUF_INIT;
		strbuf_add_escaped(&p, env_path, strlen(env_path));
		r = error_set(err, BURROW_EINTEGRITY,
		              "%s: %s: root does not trust an env another user can change "
		              "(take it back with chown -R root: and chmod -R go-w, or run "
		              "burrow as its owner)",
		              p.buf, who.buf);
		strbuf_release(&p);
	}
	strbuf_release(&who);
	return r;
}

/* The directory part of an absolute path into out. */
static void dir_of(const char *path, char *out, size_t outsz)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash && slash != path ? (size_t)(slash - path) : 1;

	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, path, n);
	out[n] = '\0';
}

static int invoker(uid_t uid)
{
	return uid == 0 || uid == getuid() || uid == geteuid();
}

static int check_one(const char *shown, const char *file, struct strbuf *err)
{
	char dir[PATH_MAX];
	struct stat st;

	if (stat(file, &st) < 0)
		return error_set(err, BURROW_EFAIL, "interpreter %s: %s", shown, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return error_set(err, BURROW_EFAIL, "interpreter %s: not a regular file", shown);
	if (!invoker(st.st_uid))
		return error_set(err, BURROW_EINTEGRITY,
		                 "interpreter %s: owned by uid %u, neither root nor you: not run",
		                 shown, (unsigned)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return error_set(err, BURROW_EINTEGRITY,
		                 "interpreter %s: writable by group or others (mode %04o): not run",
		                 shown, (unsigned)(st.st_mode & 07777));
	dir_of(file, dir, sizeof(dir));
	if (stat(dir, &st) < 0)
		return error_set(err, BURROW_EFAIL, "interpreter %s: %s: %s", shown, dir,
		                 strerror(errno));
	if (!invoker(st.st_uid) || ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)))
		return error_set(err, BURROW_EINTEGRITY,
		                 "interpreter %s: its directory %s is owned by uid %u or writable "
		                 "by others (mode %04o): not run",
		                 shown, dir, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	return 0;
}

int trust_interpreter(const char *path, const char *real, struct strbuf *err)
{
	int r;

	if ((r = check_one(path, path, err)))
		return r;
	return real && strcmp(real, path) ? check_one(path, real, err) : 0;
}

int trust_hijack_var(const char *name, size_t n)
{
	static const char *const prefixes[] = {"LD_", "PYTHON", "MALLOC_"};
	static const char *const names[] = {"GCONV_PATH", "GLIBC_TUNABLES", "LOCPATH", "BASH_ENV",
	                                    "ENV"};
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (n >= strlen(prefixes[i]) && !strncmp(name, prefixes[i], strlen(prefixes[i])))
			return 1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (n == strlen(names[i]) && !strncmp(name, names[i], n))
			return 1;
	return 0;
}
