/*
 * pyquery: a driver for python.c (tests/e2e/test_python_venv.py).
 *
 *   pyquery [--cache DIR] PYTHON          the facts as one JSON object on
 *                                         stdout, with "tags_count" and
 *                                         "from_cache"
 *   pyquery [--cache DIR] --tags PYTHON   the compatibility tags, one a line
 *   pyquery [--cache DIR] --find SPEC PATHSTR
 *                                         the interpreter python_find picks
 *   pyquery [--cache DIR] --venv PYTHON DIR [COMMAND]
 *                                         writes the venv layout into the
 *                                         existing directory DIR
 * PYTHON must be an absolute path.  Errors go to stderr with exit status 1
 * (2 for usage).
 */
#include "cache.h"
#include "python.h"
#include "tags.h"
#include "util/error.h"
#include "util/fs.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void put(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

static void puti(struct json_object *o, const char *k, int v)
{
	json_object_object_add(o, k, json_object_new_int(v));
}

static int print_facts(const struct python_info *in, const struct tags_list *tags)
{
	struct json_object *o = json_object_new_object(), *t = json_object_new_object(),
	                   *m = json_object_new_object(), *a = json_object_new_array();
	size_t i;

	put(o, "executable", in->executable);
	put(o, "realpath", in->realpath);
	put(o, "home", in->home);
	put(o, "version", in->version);
	puti(o, "major", in->major);
	puti(o, "minor", in->minor);
	puti(o, "micro", in->micro);
	put(o, "implementation", in->implementation);
	puti(t, "py_major", in->target.py_major);
	puti(t, "py_minor", in->target.py_minor);
	put(t, "impl", in->target.impl);
	put(t, "abi", in->target.abi);
	puti(t, "debug", in->target.debug);
	put(t, "arch", in->target.arch);
	puti(t, "glibc_major", in->target.glibc_major);
	puti(t, "glibc_minor", in->target.glibc_minor);
	puti(t, "musl_major", in->target.musl_major);
	puti(t, "musl_minor", in->target.musl_minor);
	json_object_object_add(o, "target", t);
	put(m, "implementation_name", in->markers.implementation_name);
	put(m, "implementation_version", in->markers.implementation_version);
	put(m, "os_name", in->markers.os_name);
	put(m, "platform_machine", in->markers.platform_machine);
	put(m, "platform_release", in->markers.platform_release);
	put(m, "platform_system", in->markers.platform_system);
	put(m, "platform_version", in->markers.platform_version);
	put(m, "python_full_version", in->markers.python_full_version);
	put(m, "platform_python_implementation", in->markers.platform_python_implementation);
	put(m, "python_version", in->markers.python_version);
	put(m, "sys_platform", in->markers.sys_platform);
	json_object_object_add(o, "markers", m);
	put(o, "site_rel", in->site_rel);
	put(o, "platsite_rel", in->platsite_rel);
	put(o, "scripts_rel", in->scripts_rel);
	put(o, "venv_include_rel", in->venv_include_rel);
	put(o, "include_rel", in->include_rel);
	put(o, "stdlib", in->stdlib);
	put(o, "platstdlib", in->platstdlib);
	put(o, "base_prefix", in->base_prefix);
	put(o, "base_exec_prefix", in->base_exec_prefix);
	put(o, "soabi", in->soabi);
	put(o, "ext_suffix", in->ext_suffix);
	put(o, "platform", in->platform);
	put(o, "glibc", in->glibc);
	json_object_object_add(o, "is_64bit", json_object_new_boolean(in->is_64bit));
	for (i = 0; i < in->n_stdlib_path; i++)
		json_object_array_add(a, json_object_new_string(in->stdlib_path[i]));
	json_object_object_add(o, "stdlib_path", a);
	json_object_object_add(o, "from_cache", json_object_new_boolean(in->from_cache));
	json_object_object_add(o, "tags_count", json_object_new_int64((int64_t)tags->n));
	json_object_object_add(o, "tag_first",
	                       tags->n ? json_object_new_string(tags->tags[0]) : NULL);
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                                     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: pyquery [--cache DIR] [--tags] PYTHON\n"
	                "       pyquery [--cache DIR] --find SPEC PATHSTR\n"
	                "       pyquery [--cache DIR] --venv PYTHON DIR [COMMAND]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct python_info info;
	struct tags_list tags = {NULL, 0};
	struct cache cache, *cp = NULL;
	const char *mode = "facts";
	int i = 1, r = 0;

	memset(&info, 0, sizeof(info));
	if (i + 1 < argc && !strcmp(argv[i], "--cache")) {
		if (cache_open(&cache, argv[i + 1], &err)) {
			fprintf(stderr, "pyquery: %s\n", err.buf);
			return 1;
		}
		cp = &cache;
		i += 2;
	}
	if (i < argc && argv[i][0] == '-' && argv[i][1] == '-')
		mode = argv[i++] + 2;
	if (!strcmp(mode, "find")) {
		if (argc - i != 2)
			return usage();
		r = python_find(cp, argv[i], argv[i + 1], &out, &err);
		if (!r)
			printf("%s\n", out.buf);
		goto done;
	}
	if (argc - i < 1)
		return usage();
	if ((r = python_query(cp, argv[i], &info, &err)))
		goto done;
	if (!strcmp(mode, "facts") || !strcmp(mode, "tags")) {
		if ((r = tags_build(&info.target, &tags, &err)))
			goto done;
		if (!strcmp(mode, "tags")) {
			size_t k;
			for (k = 0; k < tags.n; k++)
				printf("%s\n", tags.tags[k]);
		} else {
			print_facts(&info, &tags);
		}
	} else if (!strcmp(mode, "venv")) {
		int fd;
		if (argc - i < 2 || argc - i > 3) {
			r = usage();
			goto done;
		}
		fd = open(argv[i + 1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			perror(argv[i + 1]);
			r = 1;
			goto done;
		}
		r = python_venv_write(fd, &info, argc - i == 3 ? argv[i + 2] : NULL, &err);
		close(fd);
	} else {
		r = usage();
	}
done:
	if (r && err.len)
		fprintf(stderr, "pyquery: %s\n", err.buf);
	tags_release(&tags);
	python_info_release(&info);
	if (cp)
		cache_close(cp);
	strbuf_release(&err);
	strbuf_release(&out);
	return r;
}
