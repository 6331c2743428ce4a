/*
 * fuzz_tar: native bundle extraction (unpack_tar) on arbitrary bytes: the
 * compression filters, libarchive's tar reader, the independent header
 * walk beside it (PAX/ustar size agreement), the path policy and the
 * creation of every file relative to the destination's fd.
 *
 * Each input is extracted into a fresh directory inside a private sandbox.
 * Whatever the bytes, nothing may appear in the sandbox beside that
 * directory, and a refusal must say why.
 */
#include "tree.h"
#include "unpack.h"
#include "util/fs.h"
#include "util/strbuf.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sandbox = -1;

static char sandbox_path[] = "/tmp/burrow-fuzz-tar-XXXXXX";

static void sandbox_close(void)
{
	fs_remove_tree(AT_FDCWD, sandbox_path);
}

static void sandbox_open(void)
{
	if (!mkdtemp(sandbox_path))
		abort();
	sandbox = open(sandbox_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sandbox < 0)
		abort();
	atexit(sandbox_close);
}

/* Only "dest" may exist in the sandbox after an extraction. */
static void sandbox_check(void)
{
	int fd = dup(sandbox);
	DIR *d;
	struct dirent *de;

	if (fd < 0 || !(d = fdopendir(fd)))
		abort();
	rewinddir(d);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, "dest"))
			continue;
		fprintf(stderr, "fuzz_tar: \"%s\" written outside the destination\n", de->d_name);
		abort();
	}
	closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct unpack_limits lim;
	struct tree_list out;
	struct strbuf err = STRBUF_INIT;
	int afd, dfd, r;

	if (sandbox < 0)
		sandbox_open();
	afd = memfd_create("fuzz.tar", MFD_CLOEXEC);
	if (afd < 0 || (size && write(afd, data, size) != (ssize_t)size) ||
	    lseek(afd, 0, SEEK_SET) != 0)
		abort();
	if (mkdirat(sandbox, "dest", 0700) < 0)
		abort();
	dfd = openat(sandbox, "dest", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		abort();

	unpack_limits_default(&lim);
	lim.max_total_bytes = (uint64_t)16 << 20;
	lim.max_entry_bytes = (uint64_t)8 << 20;
	lim.max_entries = 4096;
	memset(&out, 0, sizeof(out));
	r = unpack_tar(afd, dfd, &lim, "fuzz.tar", &out, &err);
	if (r != 0 && err.len == 0)
		abort(); /* a refusal names its reason */
	if (r == 0 && err.len != 0)
		abort();
	close(dfd);
	close(afd);
	sandbox_check();
	if (fs_remove_tree(sandbox, "dest") < 0)
		abort();
	tree_list_release(&out);
	strbuf_release(&err);
	return 0;
}
