/*
 * noop: the libc-only no-op check of `burrow install` (see noop.h).
 */
#include "noop.h"

#include "envdir.h"
#include "trust.h"
#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define NOOP_MAX ((size_t)4 << 20)

static int stat_line(struct strbuf *out, const char *path)
{
	struct stat st;

	if (!path || stat(path, &st) < 0)
		return strbuf_addstr(out, "python-exe -\n");
	return strbuf_addf(out, "python-exe %lld %lld.%09ld %s\n", (long long)st.st_size,
	                   (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, path);
}

int noop_write(struct strbuf *out, const char *version, const char *cli_python,
               const char *python_exe, int compile, char *const *trees, size_t ntrees)
{
	size_t i;

	strbuf_addf(out, "burrow-noop 1\nversion %s\ncompiled %d\n", version, compile ? 1 : 0);
	if (cli_python && !strchr(cli_python, '\n'))
		strbuf_addf(out, "cli-python %s\n", cli_python);
	else
		strbuf_addstr(out, "cli-python -\n");
	stat_line(out, python_exe);
	for (i = 0; i < ntrees; i++)
		if (strbuf_addf(out, "tree %s\n", trees[i]) < 0)
			return -1;
	return 0;
}

static int tree_exists(const char *cache_dir, const char *sha)
{
	struct strbuf p = STRBUF_INIT;
	struct stat st;
	int ok;

	if (strlen(sha) != 64 || strchr(sha, '/'))
		return 0;
	strbuf_addf(&p, "%s/trees/%.2s/%s", cache_dir, sha, sha);
	ok = stat(p.buf, &st) == 0 && S_ISDIR(st.st_mode);
	strbuf_release(&p);
	return ok;
}

/* 1 when a process that died (a kill -9 right after its commit) left its
 * cache/tmp/p-XXXX.lock (and maybe an empty p-XXXX/) unlocked: burrow-core
 * sweeps those when it opens the cache, so the install is no no-op.  A
 * lock some live process holds is its own business.  Also 1 when that
 * cannot be told (tmp/ unreadable); 0 when tmp/ is missing. */
static int cache_tmp_leftovers(const char *cache_dir)
{
	struct strbuf p = STRBUF_INIT;
	struct dirent *de;
	DIR *d;
	int r = 0;

	strbuf_addf(&p, "%s/tmp", cache_dir);
	d = opendir(p.buf);
	strbuf_release(&p);
	if (!d)
		return errno != ENOENT;
	while (!r && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		int fd;
		if (strncmp(de->d_name, "p-", 2) || n < 7 || strcmp(de->d_name + n - 5, ".lock"))
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue; /* swept meanwhile */
		if (flock(fd, LOCK_SH | LOCK_NB) == 0)
			r = 1; /* nobody holds it: its process is gone */
		close(fd);
	}
	closedir(d);
	return r;
}

/* The comparison of noop_check, on the env opened as dfd. */
static int facts_match(int dfd, const char *manifest, const char *cli_python, int compile,
                       const char *cache_dir, const char *version, size_t *nbundles)
{
	struct strbuf facts = STRBUF_INIT, have = STRBUF_INIT, want = STRBUF_INIT,
	              expect = STRBUF_INIT;
	const char *p, *exe = NULL;
	size_t n = 0, exelen = 0;
	int ok = 0;

	if (fs_read_file(dfd, ".burrow/noop", NOOP_MAX, &facts) < 0 ||
	    fs_read_file(dfd, ".burrow/manifest.toml", NOOP_MAX, &have) < 0 ||
	    fs_read_user_file(manifest, NOOP_MAX, &want, NULL) < 0 || have.len != want.len ||
	    memcmp(have.buf, want.buf, have.len) != 0)
		goto out;
	strbuf_addf(&expect, "burrow-noop 1\nversion %s\ncompiled %d\ncli-python %s\n", version,
	            compile ? 1 : 0, cli_python ? cli_python : "-");
	if (facts.len < expect.len || memcmp(facts.buf, expect.buf, expect.len) != 0)
		goto out;
	p = facts.buf + expect.len;
	if (strncmp(p, "python-exe ", 11) != 0)
		goto out;
	/* python-exe SIZE MTIME PATH | python-exe - */
	{
		const char *nl = strchr(p, '\n');
		const char *sp;
		if (!nl)
			goto out;
		if (strncmp(p + 11, "-\n", 2) != 0) {
			struct strbuf now = STRBUF_INIT;
			sp = strchr(p + 11, ' ');
			sp = sp ? strchr(sp + 1, ' ') : NULL;
			if (!sp || sp > nl)
				goto out;
			exe = sp + 1;
			exelen = (size_t)(nl - exe);
			strbuf_add(&want, "", 0);
			strbuf_reset(&want);
			strbuf_add(&want, exe, exelen);
			stat_line(&now, want.buf);
			ok = now.len == (size_t)(nl + 1 - p) && !memcmp(now.buf, p, now.len);
			strbuf_release(&now);
			if (!ok)
				goto out;
			ok = 0;
		}
		p = nl + 1;
	}
	while (*p) {
		const char *nl = strchr(p, '\n');
		char sha[65];
		if (!nl || strncmp(p, "tree ", 5) != 0 || nl - p != 5 + 64)
			goto out;
		memcpy(sha, p + 5, 64);
		sha[64] = '\0';
		if (!tree_exists(cache_dir, sha))
			goto out;
		n++;
		p = nl + 1;
	}
	ok = 1;
	*nbundles = n;
out:
	strbuf_release(&facts);
	strbuf_release(&have);
	strbuf_release(&want);
	strbuf_release(&expect);
	return ok;
}

int noop_check(const char *env, const char *manifest, const char *cli_python, int compile,
               const char *cache_dir, const char *version, size_t *nbundles)
{
	struct envdir ed;
	int dfd, ok = 0;

	*nbundles = 0;
	/* A shared lock on .ENV.lock while reading: an install holds it
	 * exclusively from before it stages until after its exchange, so the
	 * answer is never read from an env about to be replaced.  Busy (an
	 * install runs) or missing: burrow-core decides, waiting as --wait
	 * says. */
	if (envdir_open(&ed, env, NULL) == 0 && envdir_lock_shared(&ed) == 0 &&
	    !envdir_has_leftovers(&ed) && !cache_tmp_leftovers(cache_dir)) {
		dfd = open(env, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		/* as root, an env another user can change is burrow-core's to
		 * refuse */
		if (dfd >= 0) {
			if (!trust_env_records(dfd, env, NULL))
				ok = facts_match(dfd, manifest, cli_python, compile, cache_dir,
				                 version, nbundles);
			close(dfd);
		}
	}
	envdir_close(&ed);
	return ok;
}
