/*
 * envdir: the env directory's life cycle: the lock beside it, the staging
 * directory beside it, the atomic commit, and the sweep of leftovers.
 *
 *   PARENT/NAME                   the live env
 *   PARENT/.NAME.lock             flock(LOCK_EX) while installing; holds the pid
 *   PARENT/.NAME.staging-XXXX     the env being built
 *   PARENT/.NAME.old-XXXX         the previous env, removed after the swap
 *
 * Commit is renameat2(RENAME_EXCHANGE) of staging and live (one step: a
 * crash leaves either the old or the new env), or a plain rename when there
 * is no live env yet.  On filesystems that refuse the exchange (EINVAL,
 * ENOSYS: some FUSE and network filesystems) the fallback is two renames,
 * live -> .NAME.old-XXXX then staging -> live; a crash between them leaves
 * no live env but the old one intact beside it, and the next burrow run
 * renames it back before doing anything else.
 *
 * Consistency is promised against a killed process (every step is a
 * rename), not against power loss: the staged files are not fsynced (an
 * image build is snapshotted after the step; syncfs cost tens of
 * milliseconds on a busy disk).  Downloads are fsynced before they enter
 * the shared cache, and are re-hashed before every unpack anyway.
 */
#ifndef BURROW_ENVDIR_H
#define BURROW_ENVDIR_H

#include "util/strbuf.h"

#include <stdint.h>

struct envdir {
	char *path;       /* as given */
	char *name;       /* last component */
	int parent_fd;    /* directory holding the env */
	int lock_fd;      /* -1 when not locked */
	char staging[96]; /* name of the staging dir under parent, "" if none */
	int staging_fd;
};

/* The one message for an env that is not there, whichever command met
 * it (create, run, env, list, check, install): a format taking the path. */
#define ENVDIR_NO_SUCH_ENV "%s: no such env (use burrow create to make it)"

/* Makes the folders missing above path, as mkdir -p (mode 0755 less the
 * umask, as python3 -m venv a/b/c and uv do); *made gets how many were
 * made, for envdir_remove_parents.  0, or BURROW_EFAIL naming the folder. */
int envdir_make_parents(const char *path, int *made, struct strbuf *err);
/* Removes the made folders above path again (after a failed create), the
 * deepest first, each only while empty. */
void envdir_remove_parents(const char *path, int made);
/* Opens the parent directory of path (which must exist).  The env itself
 * need not exist.  Returns 0, BURROW_EUSAGE (a malformed path, see
 * envdir_path_ok) or BURROW_EFAIL. */
int envdir_open(struct envdir *e, const char *path, struct strbuf *err);
/* BURROW_EUSAGE when path, or the absolute path of the directory
 * parent_fd (-1: not looked at) that holds it, contains ':' or a newline
 * (python -m venv refuses the PATH separator too); else 0. */
int envdir_path_ok(int parent_fd, const char *path, struct strbuf *err);
/* Takes the exclusive lock, waiting up to wait_ms milliseconds (0: don't
 * wait); BURROW_ELOCKED names the holder as the kernel reports it (its pid,
 * and its escaped name when it is not a burrow).  The lock file must be a
 * regular file of the effective user's, not writable by others, with one
 * link (opened O_NOFOLLOW); every .NAME.staging-* and .NAME.old-* beside
 * the env a directory of the effective user's: else BURROW_EINTEGRITY and
 * nothing is touched.  Then sweeps leftovers. */
int envdir_lock(struct envdir *e, int64_t wait_ms, struct strbuf *err);
/* For readers (the no-op check): a shared lock on the existing
 * .ENV.lock, without waiting and without creating it; only a lock file
 * envdir_lock would accept.  0 held (until envdir_close), -1 when an
 * install holds it, there is none, or it is not ours. */
int envdir_lock_shared(struct envdir *e);
/* 1 when a crashed install left .NAME.staging-* or .NAME.old-* beside the
 * env (envdir_lock sweeps them), or when the parent cannot be read. */
int envdir_has_leftovers(struct envdir *e);
/* 1 when the live env exists (a directory). */
int envdir_exists(struct envdir *e);
/* Opens the live env directory; -1 (errno) when absent. */
int envdir_open_live(struct envdir *e);
/* Makes a new empty staging directory; e->staging_fd is its fd. */
int envdir_stage(struct envdir *e, struct strbuf *err);
/* Swaps staging and live (see above), then removes the old env. */
int envdir_commit(struct envdir *e, struct strbuf *err);
/* Removes the staging directory, if any (after a failure). */
void envdir_abort(struct envdir *e);
/* Unlocks and closes everything.  When no live env exists (a refused
 * install, a failed create) the lock file is removed too, while held
 * (envdir_lock checks that the file it locked is still the one named). */
void envdir_close(struct envdir *e);

#endif
