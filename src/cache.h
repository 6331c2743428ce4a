/*
 * cache: the content-addressed store shared by all envs of a user
 * (DESIGN.md "Cache layout"):
 *
 *   DIR/CACHEDIR.TAG
 *   DIR/cache.db               sqlite (WAL): artifacts, trees, interpreters
 *   DIR/archives/ab/<sha256>   downloaded files, immutable
 *   DIR/trees/ab/<sha256>/     unpacked, verified trees, directories 0555
 *                              (the top sealed after its rename)
 *   DIR/tmp/p-XXXX/            in-flight downloads and unpacks of one process,
 *                              which holds a flock on DIR/tmp/p-XXXX.lock
 *
 * Content addressing makes concurrent writers safe without a global lock:
 * the rename into archives/ or trees/ is the commit, and a loser of a race
 * discards its copy.
 */
#ifndef BURROW_CACHE_H
#define BURROW_CACHE_H

#include "tree.h"
#include "util/strbuf.h"

#include <stdint.h>

struct sqlite3;

struct cache {
	char *path;
	int dirfd, archives_fd, trees_fd;
	int tmp_fd;      /* this process's own directory under tmp/ */
	int tmp_root_fd; /* tmp/ */
	int tmp_lock_fd; /* flock held while the process lives */
	char tmp_name[40];
	struct sqlite3 *db;
};

/* The cache directory: dir if not NULL, else $BURROW_CACHE_DIR, else
 * $XDG_CACHE_HOME/burrow, else $HOME/.cache/burrow.  out is reset. */
int cache_default_dir(const char *dir, struct strbuf *out, struct strbuf *err);

/* Opens (creating as needed) the cache at path.  The cache is one user's:
 * made 0700 with cache.db 0600, and refused (BURROW_EINTEGRITY, a message
 * naming the fix) when the directory, archives/, trees/, tmp/, a shard
 * directory or cache.db is not owned by the effective user, is writable
 * by group or others, or is a symlink (docs/cache-trust.md).  Temp files go to a
 * directory of this process's own under tmp/, flocked while it lives;
 * directories under tmp/ whose lock nobody holds (their process died, say
 * killed by the OOM killer mid-download) are swept here.  Returns 0 or BURROW_EFAIL
 * with a message; cache_close releases everything. */
int cache_open(struct cache *c, const char *path, struct strbuf *err);
void cache_close(struct cache *c);

/* Opens archives/ab/<sha> read-only; -1 (errno) when absent. */
int cache_archive_open(struct cache *c, const char *sha256);
/* 1 when the archive is present. */
int cache_archive_has(struct cache *c, const char *sha256);
/* Re-hashes archives/ab/<sha>: 1 when it hashes to sha; 0 when it does
 * not (a disk error, a bad restore of a cache), after removing it so that
 * it can be fetched again; -1 (errno) when it cannot be read or removed.
 * got receives the hash found ("" on -1). */
int cache_archive_verify(struct cache *c, const char *sha256, char got[65]);
/* Moves tmp/<tmpname> into archives/ under its hash; a concurrent writer
 * having got there first is fine (ours is dropped).  Records the artifact's
 * filename and size in cache.db. */
int cache_archive_commit(struct cache *c, const char *tmpname, const char *sha256,
                         const char *filename, uint64_t size, struct strbuf *err);
/* The filename recorded for an artifact (malloc'd), or NULL. */
char *cache_archive_filename(struct cache *c, const char *sha256);

/* Opens trees/ab/<sha>/ and loads its entry list from cache.db; -1 when
 * the tree is absent or unrecorded.  info gets the stored info text. */
int cache_tree_open(struct cache *c, const char *sha256, struct tree_list *entries,
                    struct strbuf *info);
/* 1 when a tree is present and recorded. */
int cache_tree_has(struct cache *c, const char *sha256);
/* Makes an empty directory tmp/<name> for an unpack; returns its fd and
 * fills name (at least 64 bytes). */
int cache_tree_begin(struct cache *c, char *name, size_t namesz, struct strbuf *err);
/* Makes the directories of tmp/<name> read-only, renames it into trees/
 * (relative to the shard's fd), seals its top, then records entries and
 * info for sha: a row never names a tree that failed to land.  On a lost
 * race the winner's tree stays and ours is removed. */
int cache_tree_commit(struct cache *c, const char *name, const char *sha256, const char *kind,
                      const struct tree_list *entries, const char *info, struct strbuf *err);
/* Removes the tree of sha and its row (a tree found modified, before it
 * is unpacked again): renamed into this process's tmp/ first, so no other
 * process sees it half removed.  0, or -1 with errno. */
int cache_tree_drop(struct cache *c, const char *sha256);
/* Removes tmp/<name> (after a failed unpack). */
void cache_tree_abort(struct cache *c, const char *name);

/* A stored index page (table index_pages), keyed by its request URL with
 * any credentials removed; final_url (also without credentials) is where
 * redirects ended, for resolving relative links when read offline. */
struct cache_page {
	char *etag, *last_modified, *content_type, *final_url; /* each may be NULL */
	struct strbuf body;
	int64_t fetched; /* unix time of the last 200 or 304 */
};

/* 1 and *p filled (release it) when url is stored, 0 when not, -1 on a
 * database error (*p is then empty). */
int cache_page_get(struct cache *c, const char *url, struct cache_page *p);
/* Stores or replaces the page for url; 0 or -1. */
int cache_page_put(struct cache *c, const char *url, const struct cache_page *p);
/* Records that the stored page was confirmed (a 304) now; 0 or -1. */
int cache_page_touch(struct cache *c, const char *url);
void cache_page_release(struct cache_page *p);

/* Removes everything in the cache (cache clean). */
int cache_clean(struct cache *c, struct strbuf *err);

/* Serialises / parses an entry list (for cache.db and state.db). */
int tree_list_encode(const struct tree_list *list, struct strbuf *out);
int tree_list_decode(const char *data, size_t len, struct tree_list *out);

#endif
