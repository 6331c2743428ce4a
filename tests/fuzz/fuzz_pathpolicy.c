/*
 * fuzz_pathpolicy: path_policy_check, path_policy_key and
 * path_policy_link_ok on arbitrary bytes.  The input is split at the first
 * 0xff 0xfe pair into a link path and a target; every accepted name is
 * re-checked for the promises the policy makes.
 */
#include "pathpolicy.h"
#include "util/strbuf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT, key = STRBUF_INIT;
	const char *name = (const char *)data;
	size_t split = size, i;
	char *link, *target;

	for (i = 0; i + 1 < size; i++)
		if (data[i] == 0xff && data[i + 1] == 0xfe) {
			split = i;
			break;
		}
	if (path_policy_check(name, size, &err) == 0) {
		/* promises: relative, no NUL, no backslash, no ".." component */
		if (size == 0 || name[0] == '/' || memchr(name, 0, size) ||
		    memchr(name, '\\', size) || size > PATH_POLICY_MAX_TOTAL)
			abort();
		for (i = 0; i + 1 < size; i++)
			if (name[i] == '.' && name[i + 1] == '.' &&
			    (i == 0 || name[i - 1] == '/') && (i + 2 == size || name[i + 2] == '/'))
				abort();
		if (path_policy_key(name, size, &key) != 0 || key.len + 1 < size)
			abort();
	}
	link = malloc(split + 1);
	target = malloc(size - split + 1);
	if (link && target) {
		memcpy(link, data, split);
		link[split] = '\0';
		if (split + 2 <= size) {
			memcpy(target, data + split + 2, size - split - 2);
			target[size - split - 2] = '\0';
		} else {
			target[0] = '\0';
		}
		if (path_policy_check(link, strlen(link), NULL) == 0 &&
		    path_policy_link_ok(link, target, &err) == 0 && target[0] == '/')
			abort();
	}
	free(link);
	free(target);
	strbuf_release(&err);
	strbuf_release(&key);
	return 0;
}
