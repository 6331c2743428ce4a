/*
 * tree: the list of entries an unpacked artifact (a cache tree) holds, as
 * verified against its RECORD.  Produced by bundle.c and wheel.c, consumed
 * by envdir.c (linking) and state.c (recording).
 */
#ifndef BURROW_TREE_H
#define BURROW_TREE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum tree_type { TREE_FILE, TREE_DIR, TREE_SYMLINK };

struct tree_entry {
	char *path; /* relative, '/'-separated, no trailing slash */
	enum tree_type type;
	mode_t mode;       /* permission bits, already masked (0644/0755) */
	uint64_t size;     /* files: bytes */
	char sha256[65];   /* files: lower-case hex; "" for dirs and symlinks */
	char *link_target; /* symlinks: the target; NULL otherwise */
};

struct tree_list {
	struct tree_entry *items;
	size_t len, alloc;
};

/* Appends a copy of path (and link_target when not NULL); returns the new
 * entry or NULL on ENOMEM. */
struct tree_entry *tree_list_add(struct tree_list *list, const char *path, enum tree_type type,
                                 mode_t mode, uint64_t size, const char *sha256,
                                 const char *link_target);
/* Sorts entries by path (bytewise). */
void tree_list_sort(struct tree_list *list);
void tree_list_release(struct tree_list *list);

#endif
