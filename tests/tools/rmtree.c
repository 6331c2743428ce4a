/*
 * rmtree: a driver for fs_remove_tree (tests/e2e/test_trust_cache.py).
 *
 *   rmtree PARENT NAME ROUNDS   ROUNDS times: make PARENT/NAME (mode 0777,
 *                               so that another user can write in it, as
 *                               in a shared folder), wait a moment, then
 *                               remove it with fs_remove_tree
 *
 * Another user races entries inside PARENT/NAME between a read-only
 * directory of hers and a symlink to a file she wants chmod'ed; the test
 * then checks that file's mode.  Exit 0, or 1 with a message on stderr.
 */
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const struct timespec pause = {0, 2 * 1000 * 1000};
	long rounds, i;
	int pfd;

	if (argc != 4) {
		fprintf(stderr, "usage: rmtree PARENT NAME ROUNDS\n");
		return 2;
	}
	rounds = strtol(argv[3], NULL, 10);
	pfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0) {
		fprintf(stderr, "rmtree: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (i = 0; i < rounds; i++) {
		if (mkdirat(pfd, argv[2], 0777) < 0 && errno != EEXIST) {
			fprintf(stderr, "rmtree: %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		fchmodat(pfd, argv[2], 0777, AT_SYMLINK_NOFOLLOW);
		nanosleep(&pause, NULL);
		fs_remove_tree(pfd, argv[2]);
	}
	close(pfd);
	return 0;
}
