/*
 * tree: entry lists of unpacked artifacts (see tree.h).
 */
#include "tree.h"

#include <stdlib.h>
#include <string.h>

struct tree_entry *tree_list_add(struct tree_list *list, const char *path, enum tree_type type,
                                 mode_t mode, uint64_t size, const char *sha256,
                                 const char *link_target)
{
	struct tree_entry *e;

	if (list->len == list->alloc) {
		size_t n = list->alloc ? list->alloc * 2 : 64;
		struct tree_entry *p = realloc(list->items, n * sizeof(*p));
		if (!p)
			return NULL;
		list->items = p;
		list->alloc = n;
	}
	e = &list->items[list->len];
	memset(e, 0, sizeof(*e));
	e->path = strdup(path);
	if (!e->path)
		return NULL;
	if (link_target && !(e->link_target = strdup(link_target))) {
		free(e->path);
		return NULL;
	}
	e->type = type;
	e->mode = mode;
	e->size = size;
	if (sha256) {
		strncpy(e->sha256, sha256, sizeof(e->sha256) - 1);
		e->sha256[sizeof(e->sha256) - 1] = '\0';
	}
	list->len++;
	return e;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct tree_entry *)a)->path, ((const struct tree_entry *)b)->path);
}

void tree_list_sort(struct tree_list *list)
{
	if (list->len > 1)
		qsort(list->items, list->len, sizeof(*list->items), cmp_entry);
}

void tree_list_release(struct tree_list *list)
{
	size_t i;

	for (i = 0; i < list->len; i++) {
		free(list->items[i].path);
		free(list->items[i].link_target);
	}
	free(list->items);
	list->items = NULL;
	list->len = list->alloc = 0;
}
