/*
 * python: base-interpreter discovery, the one query of its facts (cached in
 * cache.db's interpreters table), and the venv files of a Python env (see
 * python.h).
 *
 * The query is a small Python script run with -I -B and an environment of
 * only LC_ALL: -I drops PYTHON* variables, the user site and the script
 * directory, so what answers is the interpreter as installed.  The script
 * repeats the parts of packaging 23.0 that pick compatibility tags
 * (_linux_platforms, _have_compatible_abi, _generic_abi, _cpython_abis'
 * debug test) and markers.default_environment() rather than importing
 * packaging, which a base interpreter need not have.  It prints one JSON
 * object on its last line (anything a sitecustomize prints before is
 * ignored).
 *
 * Facts are keyed by the interpreter's realpath and invalidated by its mtime
 * and size, by the query's own version, and by the kernel (uname): the
 * platform_release/version/machine markers are the running kernel's, and a
 * cache may move between hosts with the image it lives in.
 */
#include "python.h"

#include "cache.h"
#include "trust.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/signals.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PYTHON_QUERY_VERSION 1  /* "burrow_query" in the answer; bump with the script */
#define PYTHON_JSON_DEPTH 8     /* nesting of the answer */
#define PYTHON_STR_MAX 4096     /* bytes of any string in the answer */
#define PYTHON_PATH_ENTRIES 256 /* sys.path entries kept */
#define PYTHON_STDERR_MAX 4096  /* bytes of the interpreter's stderr kept for messages */

/* Printed on one line as the last thing; see the file comment. */
static const char python_script[] =
    "import json, os, platform, site, sys, sysconfig\n"
    "cv = sysconfig.get_config_var\n"
    "iv = sys.implementation\n"
    "vi = sys.version_info\n"
    "def fv(i):\n"
    "    v = \"%d.%d.%d\" % (i.major, i.minor, i.micro)\n"
    "    if i.releaselevel != \"final\":\n"
    "        v += i.releaselevel[0] + str(i.serial)\n"
    "    return v\n"
    "E = \"/@BURROW_ENV@\"\n"
    "sc = \"venv\" if \"venv\" in sysconfig.get_scheme_names() else \"posix_prefix\"\n"
    "P = sysconfig.get_paths(sc, vars={\"base\": E, \"platbase\": E, \"installed_base\": E, "
    "\"installed_platbase\": E})\n"
    "def rel(k):\n"
    "    v = P.get(k)\n"
    "    if v == E:\n"
    "        return \"\"\n"
    "    return v[len(E) + 1:] if isinstance(v, str) and v.startswith(E + \"/\") else None\n"
    "d = cv(\"Py_DEBUG\")\n"
    "g = None\n"
    "try:\n"
    "    g = os.confstr(\"CS_GNU_LIBC_VERSION\")\n"
    "except Exception:\n"
    "    pass\n"
    "if g is None:\n"
    "    try:\n"
    "        import ctypes\n"
    "        f = ctypes.CDLL(None).gnu_get_libc_version\n"
    "        f.restype = ctypes.c_char_p\n"
    "        g = \"glibc \" + f().decode(\"ascii\")\n"
    "    except Exception:\n"
    "        g = None\n"
    "elf = None\n"
    "try:\n"
    "    with open(sys.executable, \"rb\") as fh:\n"
    "        h = bytearray(fh.read(64))\n"
    "    if h[:4] == b\"\\x7fELF\" and len(h) >= 52:\n"
    "        bo = \"little\" if h[5] == 1 else \"big\"\n"
    "        o = 48 if h[4] == 2 else 36\n"
    "        elf = [h[4], h[5], int.from_bytes(bytes(h[18:20]), bo), int.from_bytes(bytes(h[o:o + "
    "4]), bo)]\n"
    "except Exception:\n"
    "    pass\n"
    "L = sysconfig.get_platform().replace(\".\", \"_\").replace(\"-\", \"_\")\n"
    "if sys.maxsize <= 2 ** 32:\n"
    "    if L == \"linux_x86_64\":\n"
    "        L = \"linux_i686\"\n"
    "    elif L == \"linux_aarch64\":\n"
    "        L = \"linux_armv7l\"\n"
    "A = L.split(\"_\", 1)[1] if L.startswith(\"linux_\") else None\n"
    "if A == \"armv7l\":\n"
    "    ok = bool(elf) and elf[:3] == [1, 1, 40] and elf[3] & 0xFF000000 == 0x05000000 and elf[3] "
    "& 0x400 == 0x400\n"
    "elif A == \"i686\":\n"
    "    ok = bool(elf) and elf[:3] == [1, 1, 3]\n"
    "else:\n"
    "    ok = A in (\"x86_64\", \"aarch64\", \"ppc64\", \"ppc64le\", \"s390x\")\n"
    "ga = None\n"
    "x = cv(\"EXT_SUFFIX\")\n"
    "if isinstance(x, str) and x[:1] == \".\" and len(x.split(\".\")) >= 3:\n"
    "    s = x.split(\".\")[1]\n"
    "    if s.startswith(\"cpython\"):\n"
    "        ga = \"cp\" + s.split(\"-\")[1]\n"
    "    elif s.startswith(\"cp\"):\n"
    "        ga = s.split(\"-\")[0]\n"
    "    elif s.startswith(\"pypy\"):\n"
    "        ga = \"-\".join(s.split(\"-\")[:2])\n"
    "    elif s.startswith(\"graalpy\"):\n"
    "        ga = \"-\".join(s.split(\"-\")[:3])\n"
    "    elif s:\n"
    "        ga = s\n"
    "    if ga:\n"
    "        ga = ga.replace(\".\", \"_\").replace(\"-\", \"_\")\n"
    "sp = site.getsitepackages() if hasattr(site, \"getsitepackages\") else []\n"
    "out = {\n"
    "    \"burrow_query\": 1,\n"
    "    \"version_info\": [vi[0], vi[1], vi[2], vi[3], vi[4]],\n"
    "    \"python_version\": platform.python_version(),\n"
    "    \"implementation\": iv.name,\n"
    "    \"cache_tag\": iv.cache_tag,\n"
    "    \"multiarch\": getattr(iv, \"_multiarch\", None),\n"
    "    \"soabi\": cv(\"SOABI\"),\n"
    "    \"ext_suffix\": x,\n"
    "    \"py_debug\": bool(d) or (d is None and hasattr(sys, \"gettotalrefcount\")),\n"
    "    \"gil_disabled\": bool(cv(\"Py_GIL_DISABLED\")),\n"
    "    \"machine\": platform.machine(),\n"
    "    \"platform\": sysconfig.get_platform(),\n"
    "    \"is_64bit\": sys.maxsize > 2 ** 32,\n"
    "    \"elf\": elf,\n"
    "    \"glibc\": g,\n"
    "    \"tag_arch\": A,\n"
    "    \"tag_manylinux_abi\": ok,\n"
    "    \"tag_generic_abi\": ga,\n"
    "    \"markers\": {\n"
    "        \"implementation_name\": iv.name,\n"
    "        \"implementation_version\": fv(iv.version),\n"
    "        \"os_name\": os.name,\n"
    "        \"platform_machine\": platform.machine(),\n"
    "        \"platform_release\": platform.release(),\n"
    "        \"platform_system\": platform.system(),\n"
    "        \"platform_version\": platform.version(),\n"
    "        \"python_full_version\": platform.python_version(),\n"
    "        \"platform_python_implementation\": platform.python_implementation(),\n"
    "        \"python_version\": \".\".join(platform.python_version_tuple()[:2]),\n"
    "        \"sys_platform\": sys.platform,\n"
    "    },\n"
    "    \"scheme\": sc,\n"
    "    \"paths\": dict((k, rel(k)) for k in (\"purelib\", \"platlib\", \"scripts\", \"include\", "
    "\"data\")),\n"
    "    \"stdlib\": sysconfig.get_path(\"stdlib\"),\n"
    "    \"platstdlib\": sysconfig.get_path(\"platstdlib\"),\n"
    "    \"base_prefix\": getattr(sys, \"base_prefix\", sys.prefix),\n"
    "    \"base_exec_prefix\": getattr(sys, \"base_exec_prefix\", sys.exec_prefix),\n"
    "    \"prefix\": sys.prefix,\n"
    "    \"platlibdir\": getattr(sys, \"platlibdir\", \"lib\"),\n"
    "    \"executable\": sys.executable,\n"
    "    \"realpath\": os.path.realpath(sys.executable),\n"
    "    \"sys_path\": sys.path,\n"
    "    \"stdlib_path\": [p for p in sys.path if p not in sp],\n"
    "}\n"
    "sys.stdout.write(\"\\n\" + json.dumps(out, sort_keys=True) + \"\\n\")\n";

/* ---------------------------------------------------------------- helpers */

static void free_const(const char *s)
{
	free((char *)(uintptr_t)s);
}

void python_info_release(struct python_info *info)
{
	size_t i;

	if (!info)
		return;
	free(info->executable);
	free(info->realpath);
	free(info->home);
	free(info->version);
	free(info->implementation);
	free_const(info->target.impl);
	free_const(info->target.abi);
	free_const(info->target.arch);
	free_const(info->markers.implementation_name);
	free_const(info->markers.implementation_version);
	free_const(info->markers.os_name);
	free_const(info->markers.platform_machine);
	free_const(info->markers.platform_release);
	free_const(info->markers.platform_system);
	free_const(info->markers.platform_version);
	free_const(info->markers.python_full_version);
	free_const(info->markers.platform_python_implementation);
	free_const(info->markers.python_version);
	free_const(info->markers.sys_platform);
	free_const(info->markers.extra);
	free(info->site_rel);
	free(info->platsite_rel);
	free(info->scripts_rel);
	free(info->venv_include_rel);
	free(info->include_rel);
	free(info->stdlib);
	free(info->platstdlib);
	free(info->base_prefix);
	free(info->base_exec_prefix);
	free(info->soabi);
	free(info->ext_suffix);
	free(info->platform);
	free(info->glibc);
	for (i = 0; i < info->n_stdlib_path; i++)
		free(info->stdlib_path[i]);
	free(info->stdlib_path);
	free(info->facts);
	memset(info, 0, sizeof(*info));
}

/* --------------------------------------------------------- parsing facts */

struct facts_ctx {
	struct strbuf *err;
	int r;
};

static int facts_fail(struct facts_ctx *c, const char *key, const char *what)
{
	if (!c->r)
		c->r = error_set(c->err, BURROW_EFAIL, "interpreter facts: \"%s\": %s", key, what);
	return c->r;
}

/* A copy of the string v (key names it in messages).  Control bytes, NUL
 * and overlong strings are refused. */
static char *facts_value(struct facts_ctx *c, struct json_object *v, const char *key)
{
	const char *s;
	size_t i, n;
	char *copy;

	if (c->r)
		return NULL;
	if (!v || !json_object_is_type(v, json_type_string)) {
		facts_fail(c, key, "not a string");
		return NULL;
	}
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (!s || n > PYTHON_STR_MAX) {
		facts_fail(c, key, "too long");
		return NULL;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			facts_fail(c, key, "control character");
			return NULL;
		}
	if (!(copy = strdup(s)))
		facts_fail(c, key, "out of memory");
	return copy;
}

/* A string member of obj: NULL when absent or null and !required. */
static char *facts_str(struct facts_ctx *c, struct json_object *obj, const char *key, int required)
{
	struct json_object *v;

	if (c->r)
		return NULL;
	if (!json_object_object_get_ex(obj, key, &v) || json_object_is_type(v, json_type_null)) {
		if (required)
			facts_fail(c, key, "missing");
		return NULL;
	}
	return facts_value(c, v, key);
}

static int facts_bool(struct facts_ctx *c, struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (c->r)
		return 0;
	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_boolean))
		return facts_fail(c, key, "missing or not a boolean"), 0;
	return json_object_get_boolean(v) ? 1 : 0;
}

static int facts_int(struct facts_ctx *c, struct json_object *v, const char *key, int lo, int hi)
{
	int64_t n;

	if (c->r)
		return 0;
	if (!v || !json_object_is_type(v, json_type_int))
		return facts_fail(c, key, "not an integer"), 0;
	n = json_object_get_int64(v);
	if (n < lo || n > hi)
		return facts_fail(c, key, "out of range"), 0;
	return (int)n;
}

/* A path relative to the env: non-empty, no leading '/', no empty, "." or
 * ".." component, printable. */
static int rel_ok(const char *s)
{
	const char *p = s, *q;
	size_t n;

	if (!s || !*s || *s == '/' || strlen(s) > 1024)
		return 0;
	while (*p) {
		q = strchr(p, '/');
		n = q ? (size_t)(q - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (!q)
			break;
		p = q + 1;
		if (!*p)
			return 0;
	}
	return 1;
}

static char *facts_rel(struct facts_ctx *c, struct json_object *paths, const char *key)
{
	char *s = facts_str(c, paths, key, 1);

	if (s && !rel_ok(s)) {
		facts_fail(c, key, "not a relative path beneath the env");
		free(s);
		return NULL;
	}
	return s;
}

static char *facts_abs(struct facts_ctx *c, struct json_object *obj, const char *key)
{
	char *s = facts_str(c, obj, key, 1);

	if (s && s[0] != '/') {
		facts_fail(c, key, "not an absolute path");
		free(s);
		return NULL;
	}
	return s;
}

/* "glibc 2.36" -> 2, 36 as packaging's _parse_glibc_version reads it (the
 * second word, "^[0-9]+\.[0-9]+"); -1 when it does not parse. */
static int parse_glibc(const char *s, int *major, int *minor, char *out, size_t outsz)
{
	const char *sp = strchr(s, ' ');
	const char *p;
	long a = 0, b = 0;

	if (!sp || strchr(sp + 1, ' '))
		return -1;
	p = sp + 1;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((a = a * 10 + (*p - '0')) > 99)
			return -1;
	if (*p++ != '.' || *p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((b = b * 10 + (*p - '0')) > 999)
			return -1;
	*major = (int)a;
	*minor = (int)b;
	snprintf(out, outsz, "%ld.%ld", a, b);
	return 0;
}

int python_facts_parse(const char *text, size_t len, struct python_info *info, struct strbuf *err)
{
	struct facts_ctx c = {err, 0};
	struct json_tokener *tok;
	struct json_object *root, *v, *vi, *m, *paths;
	char *glibc, *arch, *gabi;
	int manylinux_abi, gil;
	size_t i, n = 0;

	memset(info, 0, sizeof(*info));
	if (len > PYTHON_FACTS_MAX)
		return error_set(err, BURROW_EFAIL, "interpreter facts: answer too large");
	if (!(tok = json_tokener_new_ex(PYTHON_JSON_DEPTH)))
		return error_set(err, BURROW_EFAIL, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, text, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success) {
		enum json_tokener_error e = json_tokener_get_error(tok);
		error_set(err, BURROW_EFAIL, "interpreter facts: offset %zu: %s",
		          json_tokener_get_parse_end(tok),
		          e == json_tokener_continue ? "unexpected end"
		                                     : json_tokener_error_desc(e));
		json_object_put(root);
		json_tokener_free(tok);
		return BURROW_EFAIL;
	}
	for (i = json_tokener_get_parse_end(tok); i < len; i++)
		if (text[i] != ' ' && text[i] != '\n' && text[i] != '\r' && text[i] != '\t') {
			json_tokener_free(tok);
			json_object_put(root);
			return error_set(err, BURROW_EFAIL,
			                 "interpreter facts: offset %zu: text after the object", i);
		}
	json_tokener_free(tok);
	if (!json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return error_set(err, BURROW_EFAIL, "interpreter facts: not an object");
	}

	if (!json_object_object_get_ex(root, "burrow_query", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) != PYTHON_QUERY_VERSION)
		facts_fail(&c, "burrow_query", "missing or of another query version");

	if (!c.r &&
	    (!json_object_object_get_ex(root, "version_info", &vi) ||
	     !json_object_is_type(vi, json_type_array) || json_object_array_length(vi) != 5))
		facts_fail(&c, "version_info", "not a list of 5");
	if (!c.r) {
		info->major =
		    facts_int(&c, json_object_array_get_idx(vi, 0), "version_info", 3, 99);
		info->minor =
		    facts_int(&c, json_object_array_get_idx(vi, 1), "version_info", 0, 999);
		info->micro =
		    facts_int(&c, json_object_array_get_idx(vi, 2), "version_info", 0, 9999);
	}
	info->version = facts_str(&c, root, "python_version", 1);
	info->implementation = facts_str(&c, root, "implementation", 1);
	info->soabi = facts_str(&c, root, "soabi", 0);
	info->ext_suffix = facts_str(&c, root, "ext_suffix", 0);
	info->platform = facts_str(&c, root, "platform", 1);
	info->is_64bit = facts_bool(&c, root, "is_64bit");
	info->target.debug = facts_bool(&c, root, "py_debug");
	gil = facts_bool(&c, root, "gil_disabled");
	manylinux_abi = facts_bool(&c, root, "tag_manylinux_abi");
	arch = facts_str(&c, root, "tag_arch", 0);
	info->target.arch = arch;
	gabi = facts_str(&c, root, "tag_generic_abi", 0);
	info->target.abi = gabi;
	glibc = facts_str(&c, root, "glibc", 0);
	info->stdlib = facts_abs(&c, root, "stdlib");
	info->platstdlib = facts_abs(&c, root, "platstdlib");
	info->base_prefix = facts_abs(&c, root, "base_prefix");
	info->base_exec_prefix = facts_abs(&c, root, "base_exec_prefix");

	if (!c.r && (!json_object_object_get_ex(root, "markers", &m) ||
	             !json_object_is_type(m, json_type_object)))
		facts_fail(&c, "markers", "not an object");
	if (!c.r) {
		struct pep508_env *e = &info->markers;
		e->implementation_name = facts_str(&c, m, "implementation_name", 1);
		e->implementation_version = facts_str(&c, m, "implementation_version", 1);
		e->os_name = facts_str(&c, m, "os_name", 1);
		e->platform_machine = facts_str(&c, m, "platform_machine", 1);
		e->platform_release = facts_str(&c, m, "platform_release", 1);
		e->platform_system = facts_str(&c, m, "platform_system", 1);
		e->platform_version = facts_str(&c, m, "platform_version", 1);
		e->python_full_version = facts_str(&c, m, "python_full_version", 1);
		e->platform_python_implementation =
		    facts_str(&c, m, "platform_python_implementation", 1);
		e->python_version = facts_str(&c, m, "python_version", 1);
		e->sys_platform = facts_str(&c, m, "sys_platform", 1);
		if (!c.r && !(e->extra = strdup("")))
			facts_fail(&c, "markers", "out of memory");
	}

	if (!c.r && (!json_object_object_get_ex(root, "paths", &paths) ||
	             !json_object_is_type(paths, json_type_object)))
		facts_fail(&c, "paths", "not an object");
	if (!c.r) {
		info->site_rel = facts_rel(&c, paths, "purelib");
		info->platsite_rel = facts_rel(&c, paths, "platlib");
		info->scripts_rel = facts_rel(&c, paths, "scripts");
		info->venv_include_rel = facts_rel(&c, paths, "include");
	}

	if (!c.r && (!json_object_object_get_ex(root, "stdlib_path", &v) ||
	             !json_object_is_type(v, json_type_array) ||
	             (n = json_object_array_length(v)) > PYTHON_PATH_ENTRIES))
		facts_fail(&c, "stdlib_path", "not a list of at most 256");
	if (!c.r) {
		if (!(info->stdlib_path = calloc(n + 1, sizeof(char *))))
			facts_fail(&c, "stdlib_path", "out of memory");
		for (i = 0; !c.r && i < n; i++) {
			char *s = facts_value(&c, json_object_array_get_idx(v, i), "stdlib_path");
			if (s && s[0] != '/') {
				facts_fail(&c, "stdlib_path", "not an absolute path");
				free(s);
				s = NULL;
			}
			if (s)
				info->stdlib_path[info->n_stdlib_path++] = s;
		}
	}
	json_object_put(root);

	/* What the rest of burrow relies on. */
	if (!c.r && gil)
		c.r = error_set(err, BURROW_EFAIL,
		                "free-threaded interpreters (Py_GIL_DISABLED) are not supported");
	if (!c.r && (strcmp(info->markers.sys_platform, "linux") || !arch))
		c.r = error_set(err, BURROW_EFAIL,
		                "interpreter facts: not a Linux interpreter (sys.platform \"%s\", "
		                "platform \"%s\")",
		                info->markers.sys_platform, info->platform);
	if (!c.r && strcmp(info->markers.os_name, "posix"))
		c.r = error_set(err, BURROW_EFAIL, "interpreter facts: os.name is not posix");
	if (!c.r) {
		char buf[64];
		if (!strcmp(info->implementation, "cpython"))
			info->target.impl = strdup("cp");
		else if (!strcmp(info->implementation, "pypy"))
			info->target.impl = strdup("pp");
		else
			info->target.impl = strdup(info->implementation);
		info->target.py_major = info->major;
		info->target.py_minor = info->minor;
		if (glibc && parse_glibc(glibc, &info->target.glibc_major,
		                         &info->target.glibc_minor, buf, sizeof(buf)) == 0) {
			info->glibc = strdup(buf);
			if (!manylinux_abi)
				info->target.glibc_major = info->target.glibc_minor = 0;
		}
		if (!(info->include_rel = malloc(64)))
			c.r = error_set(err, BURROW_EFAIL, "out of memory");
		else
			snprintf(info->include_rel, 64, "include/site/python%d.%d", info->major,
			         info->minor);
		if (!c.r && !info->target.impl)
			c.r = error_set(err, BURROW_EFAIL, "out of memory");
	}
	free(glibc);
	if (c.r)
		python_info_release(info);
	return c.r;
}

/* ------------------------------------------------------- the interpreter */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The last line of stderr, escaped, for a message. */
static void add_stderr_tail(struct strbuf *msg, const struct strbuf *e)
{
	size_t end = e->len, start;

	while (end > 0 && (e->buf[end - 1] == '\n' || e->buf[end - 1] == '\r'))
		end--;
	if (!end)
		return;
	start = end;
	while (start > 0 && e->buf[start - 1] != '\n')
		start--;
	strbuf_addstr(msg, ": ");
	strbuf_add_escaped(msg, e->buf + start, end - start);
}

/* Runs the script; out gets stdout (at most PYTHON_FACTS_MAX bytes). */
static int run_script(const char *path, struct strbuf *out, struct strbuf *err)
{
	char *const argv[] = {(char *)(uintptr_t)path,          (char *)(uintptr_t) "-I",
	                      (char *)(uintptr_t) "-B",         (char *)(uintptr_t) "-c",
	                      (char *)(uintptr_t)python_script, NULL};
	char *const envp[] = {(char *)(uintptr_t) "LC_ALL=C.UTF-8", NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	struct strbuf errout = STRBUF_INIT, msg = STRBUF_INIT;
	int outp[2] = {-1, -1}, errp[2] = {-1, -1};
	int r = 0, status = 0, killed = 0, e;
	long long deadline;
	sigset_t mask, def;
	pid_t pid;
	char buf[16384];

	if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		e = errno;
		if (outp[0] >= 0) {
			close(outp[0]);
			close(outp[1]);
		}
		return error_set(err, BURROW_EFAIL, "%s: pipe: %s", path, strerror(e));
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
	posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
	posix_spawnattr_init(&attr);
	sigemptyset(&mask);
	sigemptyset(&def);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGXFSZ);
	sigaddset(&def, SIGHUP);
	sigaddset(&def, SIGQUIT);
	sigaddset(&def, SIGCHLD);
	posix_spawnattr_setsigmask(&attr, &mask);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	e = posix_spawn(&pid, path, &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(outp[1]);
	close(errp[1]);
	if (e) {
		close(outp[0]);
		close(errp[0]);
		return error_set(err, BURROW_EFAIL, "%s: cannot run: %s", path, strerror(e));
	}

	strbuf_init(&errout, PYTHON_STDERR_MAX);
	deadline = now_ms() + PYTHON_QUERY_TIMEOUT_MS;
	while (outp[0] >= 0 || errp[0] >= 0) {
		struct pollfd pfd[2] = {{outp[0], POLLIN, 0}, {errp[0], POLLIN, 0}};
		long long left = deadline - now_ms();
		int k;

		if ((r = signals_pending())) {
			error_set(err, r, "%s: interrupted", path);
			break;
		}
		if (left <= 0) {
			r = error_set(err, BURROW_EFAIL, "%s: no answer within %d s (killed)", path,
			              PYTHON_QUERY_TIMEOUT_MS / 1000);
			break;
		}
		k = poll(pfd, 2, left > 200 ? 200 : (int)left);
		if (k < 0 && errno != EINTR) {
			r = error_set(err, BURROW_EFAIL, "%s: poll: %s", path, strerror(errno));
			break;
		}
		for (k = 0; k < 2; k++) {
			ssize_t got;
			int *fd = k == 0 ? &outp[0] : &errp[0];
			if (*fd < 0 || !(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			got = read(*fd, buf, sizeof(buf));
			if (got < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (got <= 0) {
				close(*fd);
				*fd = -1;
				continue;
			}
			if (k == 0 && strbuf_add(out, buf, (size_t)got) < 0) {
				r = error_set(err, BURROW_EFAIL, "%s: answer larger than %zu bytes",
				              path, (size_t)PYTHON_FACTS_MAX);
				break;
			}
			if (k == 1 && errout.len < PYTHON_STDERR_MAX) {
				size_t room = PYTHON_STDERR_MAX - errout.len;
				strbuf_add(&errout, buf, (size_t)got < room ? (size_t)got : room);
			}
		}
		if (r)
			break;
	}
	if (outp[0] >= 0)
		close(outp[0]);
	if (errp[0] >= 0)
		close(errp[0]);
	/* EOF on both pipes: the child is normally exiting, but one that
	 * closed them and lingers is still held to the deadline. */
	while (!r) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		struct timespec nap = {0, 1000 * 1000};
		if (w == pid || (w < 0 && errno != EINTR))
			goto reaped;
		if ((r = signals_pending())) {
			error_set(err, r, "%s: interrupted", path);
			break;
		}
		if (now_ms() >= deadline) {
			r = error_set(err, BURROW_EFAIL, "%s: no answer within %d s (killed)", path,
			              PYTHON_QUERY_TIMEOUT_MS / 1000);
			break;
		}
		nanosleep(&nap, NULL);
	}
	kill(pid, SIGKILL);
	killed = 1;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
reaped:
	if (!r && !killed && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		if (WIFEXITED(status))
			strbuf_addf(&msg, "%s: query failed with exit status %d", path,
			            WEXITSTATUS(status));
		else
			strbuf_addf(&msg, "%s: query killed by signal %d", path,
			            WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		add_stderr_tail(&msg, &errout);
		r = error_set(err, BURROW_EFAIL, "%s", msg.buf);
	}
	strbuf_release(&errout);
	strbuf_release(&msg);
	return r;
}

/* The JSON object on the last non-empty line of out. */
static void last_line(const struct strbuf *out, const char **p, size_t *n)
{
	size_t end = out->len, start;

	while (end > 0 && (out->buf[end - 1] == '\n' || out->buf[end - 1] == '\r'))
		end--;
	start = end;
	while (start > 0 && out->buf[start - 1] != '\n')
		start--;
	*p = out->buf + start;
	*n = end - start;
}

static long long stat_mtime(const struct stat *st)
{
	return (long long)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
}

/* Cached facts for real, or NULL (absent, stale, unreadable). */
static char *cache_lookup(struct cache *cache, const char *real, const struct stat *st)
{
	sqlite3_stmt *stmt = NULL;
	char *facts = NULL;

	if (!cache || !cache->db ||
	    sqlite3_prepare_v2(cache->db,
	                       "SELECT mtime, size, facts FROM interpreters WHERE path = ?1", -1,
	                       &stmt, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(stmt, 1, real, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_int64(stmt, 0) == stat_mtime(st) &&
	    sqlite3_column_int64(stmt, 1) == (sqlite3_int64)st->st_size &&
	    sqlite3_column_type(stmt, 2) == SQLITE_TEXT) {
		const unsigned char *t = sqlite3_column_text(stmt, 2);
		if (t && (size_t)sqlite3_column_bytes(stmt, 2) <= PYTHON_FACTS_MAX)
			facts = strdup((const char *)t);
	}
	sqlite3_finalize(stmt);
	return facts;
}

static void cache_store(struct cache *cache, const char *real, const struct stat *st,
                        const char *facts)
{
	sqlite3_stmt *stmt = NULL;
	int ok = 0;

	if (!cache || !cache->db)
		return;
	if (sqlite3_exec(cache->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return;
	if (sqlite3_prepare_v2(cache->db,
	                       "INSERT OR REPLACE INTO interpreters(path, mtime, size, facts)"
	                       " VALUES(?1, ?2, ?3, ?4)",
	                       -1, &stmt, NULL) == SQLITE_OK) {
		sqlite3_bind_text(stmt, 1, real, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 2, stat_mtime(st));
		sqlite3_bind_int64(stmt, 3, (sqlite3_int64)st->st_size);
		sqlite3_bind_text(stmt, 4, facts, -1, SQLITE_STATIC);
		ok = sqlite3_step(stmt) == SQLITE_DONE;
	}
	sqlite3_finalize(stmt);
	sqlite3_exec(cache->db, ok ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
}

/* Whether cached facts were taken on this kernel. */
static int same_kernel(const struct python_info *info)
{
	struct utsname u;

	if (uname(&u) < 0)
		return 0;
	return !strcmp(info->markers.platform_release, u.release) &&
	       !strcmp(info->markers.platform_version, u.version) &&
	       !strcmp(info->markers.platform_machine, u.machine);
}

static int set_paths(struct python_info *info, const char *path, const char *real)
{
	const char *slash = strrchr(path, '/');

	info->executable = strdup(path);
	info->realpath = strdup(real);
	info->home = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	return info->executable && info->realpath && info->home ? 0 : -1;
}

int python_query(struct cache *cache, const char *path, struct python_info *info,
                 struct strbuf *err)
{
	struct strbuf out = STRBUF_INIT;
	struct stat st;
	char real[PATH_MAX];
	char *facts;
	const char *line;
	size_t n;
	int r;

	memset(info, 0, sizeof(*info));
	if (!path || path[0] != '/')
		return error_set(err, BURROW_EFAIL, "interpreter path \"%s\" is not absolute",
		                 path ? path : "");
	if (!realpath(path, real) || stat(real, &st) < 0)
		return error_set(err, BURROW_EFAIL, "interpreter %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return error_set(err, BURROW_EFAIL, "interpreter %s: not a regular file", path);
	/* whoever named it (a manifest, an env's record), it runs only if
	 * nobody but root or the invoking user could have written it */
	if ((r = trust_interpreter(path, real, err)))
		return r;

	if ((facts = cache_lookup(cache, real, &st))) {
		struct strbuf ignored = STRBUF_INIT;
		if (python_facts_parse(facts, strlen(facts), info, &ignored) == 0 &&
		    same_kernel(info)) {
			strbuf_release(&ignored);
			info->facts = facts;
			info->from_cache = 1;
			if (set_paths(info, path, real) < 0) {
				python_info_release(info);
				return error_set(err, BURROW_EFAIL, "out of memory");
			}
			return 0;
		}
		strbuf_release(&ignored);
		python_info_release(info);
		free(facts);
	}

	strbuf_init(&out, PYTHON_FACTS_MAX);
	if ((r = run_script(path, &out, err))) {
		strbuf_release(&out);
		return r;
	}
	last_line(&out, &line, &n);
	if ((r = python_facts_parse(line, n, info, err))) {
		error_prefix(err, r, "%s", path);
		strbuf_release(&out);
		return r;
	}
	if (!(info->facts = strndup(line, n)) || set_paths(info, path, real) < 0) {
		strbuf_release(&out);
		python_info_release(info);
		return error_set(err, BURROW_EFAIL, "out of memory");
	}
	strbuf_release(&out);
	cache_store(cache, real, &st, info->facts);
	return 0;
}

/* ------------------------------------------------------------- discovery */

/* Lexical abspath: out gets path made absolute against the working
 * directory, without "", "." and ".." components (as os.path.abspath). */
static int abspath(const char *path, struct strbuf *out)
{
	struct strbuf in = STRBUF_INIT;
	char cwd[PATH_MAX];
	const char *p, *q;
	size_t n;

	strbuf_reset(out);
	if (path[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd)))
			return -1;
		strbuf_addstr(&in, cwd);
		strbuf_addch(&in, '/');
	}
	if (strbuf_addstr(&in, path) < 0) {
		strbuf_release(&in);
		return -1;
	}
	for (p = in.buf; *p;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		q = strchr(p, '/');
		n = q ? (size_t)(q - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			char *s = strrchr(out->buf, '/');
			strbuf_setlen(out, s ? (size_t)(s - out->buf) : 0);
		} else if (!(n == 1 && p[0] == '.')) {
			strbuf_addch(out, '/');
			strbuf_add(out, p, n);
		}
		p += n;
	}
	if (!out->len)
		strbuf_addch(out, '/');
	strbuf_release(&in);
	return 0;
}

/* 0 when path is an executable ELF file; else -1 with why in note. */
static int exec_elf(const char *path, struct strbuf *note)
{
	unsigned char magic[4];
	struct stat st;
	int fd;

	if (stat(path, &st) < 0)
		return -1; /* not there: not worth a note */
	if (!S_ISREG(st.st_mode) || access(path, X_OK) < 0) {
		strbuf_addf(note, "; %s: not an executable file", path);
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, magic, 4) != 4 || memcmp(magic, "\177ELF", 4)) {
		if (fd >= 0)
			close(fd);
		strbuf_addf(note, "; %s: not an ELF executable (a wrapper script, a pyenv shim?)",
		            path);
		return -1;
	}
	close(fd);
	return 0;
}

/* "3", "3.11", "3.11.7" into parts; the count, or 0 when spec is not one. */
static int parse_version_spec(const char *spec, int parts[3])
{
	const char *p = spec;
	int n = 0;

	while (n < 3) {
		long v = 0;
		if (*p < '0' || *p > '9')
			return 0;
		for (; *p >= '0' && *p <= '9'; p++)
			if ((v = v * 10 + (*p - '0')) > 9999)
				return 0;
		parts[n++] = (int)v;
		if (!*p)
			return n;
		if (*p++ != '.')
			return 0;
	}
	return 0;
}

/* A pyenv shim (PYENV_ROOT/shims/NAME, a bash script) stands for
 * PYENV_ROOT/versions/V/bin/NAME: with a version spec (3.12), the highest
 * installed V whose leading numbers equal the spec's (3.12.1 before
 * 3.12.0), as `pyenv shell 3.12` would pick.  A bare name depends on
 * pyenv's own selection (PYENV_VERSION, .python-version files): not
 * guessed.  0 with the interpreter's path in out (an executable ELF file),
 * else -1. */
static int pyenv_resolve(const char *shim, const char *name, const int *parts, int nparts,
                         struct strbuf *out, struct strbuf *note)
{
	struct strbuf root = STRBUF_INIT;
	const char *slash = strrchr(shim, '/');
	int best[3] = {-1, -1, -1}, r = -1;
	char best_name[NAME_MAX + 1] = "";
	struct dirent *de;
	DIR *d;

	if (!nparts || !slash || slash - shim < 7 || strncmp(slash - 6, "/shims", 6))
		return -1;
	strbuf_add(&root, shim, (size_t)(slash - 6 - shim));
	strbuf_addstr(&root, "/versions");
	d = opendir(root.buf);
	while (d && (de = readdir(d))) {
		int v[3], k;
		if (parse_version_spec(de->d_name, v) != 3)
			continue; /* 3.12.1 only: no 3.13.0a1, 3.12-dev, pypy3.10-7.3 */
		for (k = 0; k < nparts && v[k] == parts[k]; k++)
			;
		if (k < nparts)
			continue;
		if (v[0] > best[0] || (v[0] == best[0] && v[1] > best[1]) ||
		    (v[0] == best[0] && v[1] == best[1] && v[2] > best[2])) {
			memcpy(best, v, sizeof(best));
			snprintf(best_name, sizeof(best_name), "%s", de->d_name);
		}
	}
	if (d)
		closedir(d);
	if (best_name[0]) {
		strbuf_reset(out);
		strbuf_addf(out, "%s/%s/bin/%s", root.buf, best_name, name);
		if (exec_elf(out->buf, note) == 0)
			r = 0;
	}
	if (r < 0)
		strbuf_addf(note, "; %s: a pyenv shim, and %s/*/bin/%s has no match", shim,
		            root.buf, name);
	strbuf_release(&root);
	return r;
}

int python_find(struct cache *cache, const char *spec, const char *search_path,
                struct strbuf *out_path, struct strbuf *err)
{
	struct strbuf note = STRBUF_INIT, cand = STRBUF_INIT;
	char names[2][32];
	int parts[3], nparts = 0, nnames = 1, i;
	const char *p, *q;

	strbuf_reset(out_path);
	strbuf_init(&note, 2048);
	if (!spec || !*spec)
		spec = "python3";
	if (strchr(spec, '/')) {
		if (abspath(spec, out_path) < 0)
			return error_set(err, BURROW_EUSAGE, "python %s: %s", spec,
			                 strerror(errno));
		if (exec_elf(out_path->buf, &note) < 0) {
			if (!note.len)
				strbuf_addf(&note, "; %s: not found", out_path->buf);
			error_set(err, BURROW_EFAIL, "python %s", note.buf + 2);
			strbuf_release(&note);
			return BURROW_EFAIL;
		}
		return 0;
	}
	if ((nparts = parse_version_spec(spec, parts))) {
		if (parts[0] < 3)
			return error_set(err, BURROW_EUSAGE,
			                 "python \"%s\": only Python 3 is supported", spec);
		if (nparts >= 2) {
			snprintf(names[0], sizeof(names[0]), "python%d.%d", parts[0], parts[1]);
			snprintf(names[1], sizeof(names[1]), "python%d", parts[0]);
			nnames = 2;
		} else {
			snprintf(names[0], sizeof(names[0]), "python%d", parts[0]);
		}
	} else if (spec[0] >= '0' && spec[0] <= '9') {
		struct strbuf e = STRBUF_INIT;
		strbuf_add_escaped(&e, spec, strlen(spec));
		error_set(err, BURROW_EUSAGE,
		          "python \"%s\": expected a version (3.11), a name or a path", e.buf);
		strbuf_release(&e);
		return BURROW_EUSAGE;
	} else if (strlen(spec) >= sizeof(names[0]) || !strcmp(spec, ".") || !strcmp(spec, "..")) {
		return error_set(err, BURROW_EUSAGE, "python \"%.40s\": not an interpreter name",
		                 spec);
	} else {
		snprintf(names[0], sizeof(names[0]), "%s", spec);
	}

	for (i = 0; i < nnames; i++) {
		for (p = search_path ? search_path : ""; *p; p = *q ? q + 1 : q) {
			struct python_info info;
			struct strbuf qerr = STRBUF_INIT;
			int ok;

			q = strchr(p, ':');
			if (!q)
				q = p + strlen(p);
			if (*p != '/') /* "" and relative entries: the cwd never picks */
				continue;
			strbuf_reset(&cand);
			strbuf_add(&cand, p, (size_t)(q - p));
			while (cand.len > 1 && cand.buf[cand.len - 1] == '/')
				strbuf_setlen(&cand, cand.len - 1);
			strbuf_addf(&cand, "%s%s", cand.len == 1 ? "" : "/", names[i]);
			if (exec_elf(cand.buf, &note) < 0) {
				struct strbuf shim = STRBUF_INIT;
				strbuf_addstr(&shim, cand.buf);
				ok = pyenv_resolve(shim.buf, names[i], parts, nparts, &cand, &note);
				strbuf_release(&shim);
				if (ok < 0)
					continue;
			}
			if (!nparts) {
				abspath(cand.buf, out_path);
				goto found;
			}
			if (python_query(cache, cand.buf, &info, &qerr)) {
				strbuf_addf(&note, "; %s", qerr.buf);
				strbuf_release(&qerr);
				continue;
			}
			strbuf_release(&qerr);
			ok = info.major == parts[0] && (nparts < 2 || info.minor == parts[1]) &&
			     (nparts < 3 || info.micro == parts[2]);
			if (!ok)
				strbuf_addf(&note, "; %s: version %s", cand.buf, info.version);
			python_info_release(&info);
			if (ok) {
				abspath(cand.buf, out_path);
				goto found;
			}
		}
	}
	if (nnames == 2)
		error_set(err, BURROW_EFAIL, "no %s or %s of version %s on PATH%s%s", names[0],
		          names[1], spec, note.len ? " (" : "", note.len ? note.buf + 2 : "");
	else if (nparts)
		error_set(err, BURROW_EFAIL, "no %s of version %s on PATH%s%s", names[0], spec,
		          note.len ? " (" : "", note.len ? note.buf + 2 : "");
	else
		error_set(err, BURROW_EFAIL, "no %s on PATH%s%s", names[0], note.len ? " (" : "",
		          note.len ? note.buf + 2 : "");
	if (note.len)
		strbuf_addch(err, ')');
	strbuf_release(&note);
	strbuf_release(&cand);
	return BURROW_EFAIL;
found:
	strbuf_release(&note);
	strbuf_release(&cand);
	return 0;
}

/* ------------------------------------------------------------ venv files */

/* Makes rel beneath envfd, component by component without following links;
 * new directories get exactly 0755. */
static int make_dirs(int envfd, const char *rel, struct strbuf *err)
{
	char comp[NAME_MAX + 1];
	const char *p = rel, *q;
	int fd, next, created;
	size_t n;

	fd = fcntl(envfd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return error_set(err, BURROW_EFAIL, "env: %s", strerror(errno));
	while (*p) {
		q = strchr(p, '/');
		n = q ? (size_t)(q - p) : strlen(p);
		if (n == 0 || n > NAME_MAX) {
			close(fd);
			return error_set(err, BURROW_EFAIL, "env: bad directory name %s", rel);
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		created = mkdirat(fd, comp, 0755) == 0;
		if (!created && errno != EEXIST)
			goto fail;
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			goto fail;
		if (created && fchmod(next, 0755) < 0) {
			close(next);
			goto fail;
		}
		close(fd);
		fd = next;
		p += n;
		if (*p == '/')
			p++;
	}
	close(fd);
	return 0;
fail:
	n = (size_t)errno;
	close(fd);
	return error_set(err, BURROW_EFAIL, "env: %s: %s", rel, strerror((int)n));
}

/* A symlink name -> target beneath dirfd; an existing identical link is
 * fine, anything else in the way is an error unless keep_existing. */
static int link_at(int dirfd, const char *where, const char *name, const char *target,
                   int keep_existing, struct strbuf *err)
{
	char have[PATH_MAX];
	ssize_t n;

	if (symlinkat(target, dirfd, name) == 0)
		return 0;
	if (errno != EEXIST)
		return error_set(err, BURROW_EFAIL, "env: %s%s: %s", where, name, strerror(errno));
	if (keep_existing)
		return 0;
	n = readlinkat(dirfd, name, have, sizeof(have) - 1);
	if (n >= 0) {
		have[n] = '\0';
		if (!strcmp(have, target))
			return 0;
	}
	return error_set(err, BURROW_EFAIL, "env: %s%s exists and is not a link to %s", where, name,
	                 target);
}

int python_venv_write(int envfd, const struct python_info *info, const char *command,
                      struct strbuf *err)
{
	struct strbuf cfg = STRBUF_INIT, where = STRBUF_INIT;
	const char *exename;
	char name[32];
	const char *names[3];
	int binfd, fd = -1, r, i;

	if (!info->executable || info->executable[0] != '/' || !info->realpath || !info->home ||
	    !info->scripts_rel || !info->site_rel || !info->markers.os_name)
		return error_set(err, BURROW_EFAIL, "env: interpreter facts incomplete");
	exename = strrchr(info->executable, '/') + 1;
	if (!*exename || strchr(info->executable, '\n') || strchr(info->home, '\n') ||
	    strchr(info->realpath, '\n'))
		return error_set(err, BURROW_EFAIL, "env: bad interpreter path");
	if (command && (strchr(command, '\n') || strchr(command, '\r')))
		return error_set(err, BURROW_EFAIL, "env: pyvenv.cfg command holds a line break");

	/* Directories first, then links, as venv's ensure_directories. */
	if ((r = make_dirs(envfd, info->scripts_rel, err)) ||
	    (info->venv_include_rel && (r = make_dirs(envfd, info->venv_include_rel, err))) ||
	    (r = make_dirs(envfd, info->site_rel, err)))
		return r;
	if (info->is_64bit && !strcmp(info->markers.os_name, "posix") &&
	    strcmp(info->markers.sys_platform, "darwin") &&
	    (r = link_at(envfd, "", "lib64", "lib", 1, err)))
		return r;

	binfd = fs_open_dir(envfd, info->scripts_rel, 0);
	if (binfd < 0)
		return error_set(err, BURROW_EFAIL, "env: %s: %s", info->scripts_rel,
		                 strerror(errno));
	strbuf_addf(&where, "%s/", info->scripts_rel);
	r = link_at(binfd, where.buf, exename, info->executable, 0, err);
	snprintf(name, sizeof(name), "python3.%d", info->minor);
	names[0] = "python";
	names[1] = "python3";
	names[2] = name;
	for (i = 0; !r && i < 3; i++)
		if (strcmp(names[i], exename))
			r = link_at(binfd, where.buf, names[i], exename, 0, err);
	close(binfd);
	strbuf_release(&where);
	if (r)
		return r;

	/* venv's create_configuration, keys in its order */
	strbuf_addf(&cfg, "home = %s\n", info->home);
	strbuf_addstr(&cfg, "include-system-site-packages = false\n");
	strbuf_addf(&cfg, "version = %d.%d.%d\n", info->major, info->minor, info->micro);
	strbuf_addf(&cfg, "executable = %s\n", info->realpath);
	if (command)
		strbuf_addf(&cfg, "command = %s\n", command);
	/* a staging env: no temp file and no fsync (see envdir.h) */
	if (unlinkat(envfd, "pyvenv.cfg", 0) < 0 && errno != ENOENT)
		r = error_set(err, BURROW_EFAIL, "env: pyvenv.cfg: %s", strerror(errno));
	else if ((fd = fs_create_file(envfd, "pyvenv.cfg", 0644, 0)) < 0 ||
	         fs_write_all(fd, cfg.buf, cfg.len) < 0)
		r = error_set(err, BURROW_EFAIL, "env: pyvenv.cfg: %s", strerror(errno));
	if (fd >= 0 && close(fd) < 0 && !r)
		r = error_set(err, BURROW_EFAIL, "env: pyvenv.cfg: %s", strerror(errno));
	strbuf_release(&cfg);
	return r;
}
