/*
 * trust: who may have written what burrow is about to read or run
 * (docs/THREAT-MODEL.md).  libc only: the front binary uses it too.
 *
 * Three questions, each answered from an fstat/stat the caller or this
 * module makes, never from a name:
 *   - is this file or directory ours: owned by the effective user (or by
 *     root) and not writable by group or others;
 *   - may root read an env's .burrow/ records: as root, the env directory,
 *     .burrow/ and the records in it must be owned by root and not
 *     writable by group or others (for any other user the question does
 *     not arise: burrow runs with no more rights than the user has);
 *   - may this interpreter run: an existing regular file, owned by root or
 *     the invoking user, not writable by group or others, in a directory
 *     that others cannot write (sticky directories such as /tmp aside).
 * Refusals are BURROW_EINTEGRITY (exit 6, "unsafe") with a message that
 * names the path, its owner and the fix.
 */
#ifndef BURROW_TRUST_H
#define BURROW_TRUST_H

#include "util/strbuf.h"

#include <stddef.h>
#include <sys/stat.h>

/* 1 when st is the effective user's own (root's files are not, for
 * anyone else) and has no group or other write bit: what a leftover or a
 * lock beside an env must be, since anything else may be a plant. */
int trust_mine(const struct stat *st);

/* 1 when st is owned by the effective user or root and has no group or
 * other write bit; 0 otherwise. */
int trust_ours(const struct stat *st);

/* As root, checks the env open at envfd (env_path names it in messages):
 * the directory itself, .burrow/ and, when present, .burrow/state.db,
 * run, manifest.toml and noop, each looked at without following links,
 * must be owned by root and not writable by group or others.  For any
 * other effective user: 0 at once.  Returns 0, or BURROW_EINTEGRITY with
 * err naming the first offender and how to proceed. */
int trust_env_records(int envfd, const char *env_path, struct strbuf *err);

/* 1 when the env open at envfd (its directory, .burrow/ or a record above)
 * is owned by someone other than the effective user and root, or is
 * writable by group or others: its code must not run with our rights.
 * who (may be NULL) gets the first such path and why. */
int trust_env_foreign(int envfd, struct strbuf *who);

/* Checks the interpreter at path (absolute, as found) before it runs:
 * path and its realpath real must be a regular file owned by root or the
 * invoking user (real or effective uid), not writable by group or others,
 * whose directory (of path and of real) is owned likewise and not
 * writable by others unless sticky.  Returns 0 or BURROW_EINTEGRITY. */
int trust_interpreter(const char *path, const char *real, struct strbuf *err);

/* 1 when the caller's variable name (n bytes) belongs to the hijack set
 * that neither --keep nor [run].pass may let through: LD_*, PYTHON*,
 * MALLOC_*, GCONV_PATH, GLIBC_TUNABLES, LOCPATH, BASH_ENV, ENV (the
 * loader's, the interpreter's, glibc's and the shells' start-up hooks).
 * [run].env and --env may still set them explicitly. */
int trust_hijack_var(const char *name, size_t n);

#endif
