/*
 * test_audit: the pure parts of `burrow check`: the consistency check
 * (shared with install), top-level module names of a distribution, the
 * interpreter probe's answer, the findings list.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "audit.h"
#include "util/error.h"

#include <string.h>

static const struct pep508_env env311 = {
    .implementation_name = "cpython",
    .implementation_version = "3.11.2",
    .os_name = "posix",
    .platform_machine = "x86_64",
    .platform_release = "6.1.0",
    .platform_system = "Linux",
    .platform_version = "#1 SMP",
    .python_full_version = "3.11.2",
    .platform_python_implementation = "CPython",
    .python_version = "3.11",
    .sys_platform = "linux",
    .extra = "",
};

static void test_consistency(void **state)
{
	struct audit_dist d[] = {
	    {"Flask", "3.0.3",
	     "Werkzeug>=3.0.0\nJinja2>=3.1.2\nasgiref>=3.2; extra == 'async'\n"
	     "importlib-metadata>=3.6; python_version < '3.10'\nbad ((\n"},
	    {"werkzeug", "3.0.1", "MarkupSafe>=2.1.1\nwatchdog>=2.3; extra == \"watchdog\""},
	    {"jinja2", "3.1.4", "MarkupSafe>=2.0\nBabel>=2.7; extra == 'i18n'"},
	    {"markupsafe", "2.1.5", ""},
	    {"app", "1.0", "WerkZeug[WatchDog]\n"},
	};
	struct strbuf err = STRBUF_INIT;
	struct audit_unmet *u;
	size_t n;

	(void)state;
	/* app asks werkzeug for [watchdog]: watchdog becomes required */
	assert_int_equal(audit_consistency(d, 5, &env311, &u, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(u[0].dist, 1);
	assert_int_equal(u[0].dep, AUDIT_NO_DIST);
	assert_string_equal(u[0].requirement, "watchdog>=2.3; extra == \"watchdog\"");
	audit_unmet_release(u, n);

	/* without app, all is met (markers and extras not asked for) */
	assert_int_equal(audit_consistency(d, 4, &env311, &u, &n, &err), 0);
	assert_int_equal(n, 0);
	audit_unmet_release(u, n);

	/* a version that does not satisfy; names compared normalised */
	d[1].version = "2.3.8";
	d[3].name = "MarkupSafe";
	d[2].name = "JINJA2";
	assert_int_equal(audit_consistency(d, 4, &env311, &u, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(u[0].dist, 0);
	assert_int_equal(u[0].dep, 1);
	assert_string_equal(u[0].requirement, "Werkzeug>=3.0.0");
	audit_unmet_release(u, n);

	/* nothing at all */
	assert_int_equal(audit_consistency(NULL, 0, &env311, &u, &n, &err), 0);
	assert_int_equal(n, 0);
	audit_unmet_release(u, n);
	strbuf_release(&err);
}

static void top_is(const char *top, const char *record, const char *want)
{
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;

	assert_int_equal(audit_top_level(top, top ? strlen(top) : 0, record,
	                                 record ? strlen(record) : 0, &out, &err),
	                 0);
	assert_string_equal(out.buf, want);
	strbuf_release(&out);
	strbuf_release(&err);
}

static void test_top_level(void **state)
{
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;

	(void)state;
	top_is("werkzeug\n", NULL, "werkzeug\n");
	top_is("a\n\n  b\r\nc/d\nbad-name\n9x\na\ne.f\n", NULL, "a\nb\nc\ne\n");
	top_is(NULL,
	       "six.py,sha256=qZ2qq7xVBAiUFQVv-QBHhdtCUF5p1NsWwSOiD7qdHN0,36\n"
	       "six-1.16.dist-info/METADATA,,\n"
	       "six-1.16.dist-info/RECORD,,\n"
	       "__pycache__/six.cpython-311.pyc,,\n"
	       "pkg/__init__.py,,\n"
	       "pkg/sub/x.py,,\n"
	       "_ext.cpython-311-x86_64-linux-gnu.so,,\n"
	       "six-1.16.data/scripts/x,,\n"
	       "../../../bin/tool,,\n"
	       "hook.pth,,\n"
	       "README.txt,,\n"
	       "with-dash/x.py,,\n",
	       "six\npkg\n_ext\n");
	top_is(NULL, NULL, "");
	assert_int_equal(audit_top_level(NULL, 0, "a,b\n", 4, &out, &err), BURROW_EINTEGRITY);
	strbuf_release(&out);
	strbuf_release(&err);
}

static void test_probe_parse(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct audit_probe p;
	const char *good =
	    "{\"path\": [\"\", \"/usr/lib/python311.zip\", \"/env/lib/python3.11/site-packages\"],"
	    " \"modules\": {\"werkzeug\": {\"origin\": \"/env/w/__init__.py\", \"locations\": "
	    "[\"/env/w\"]}, \"gone\": null, \"ns\": {\"origin\": null, \"locations\": [\"/a\", "
	    "\"/b\"]}, \"odd\": {\"error\": \"ValueError: x\"}}}\n";
	static const char *const bad[] = {
	    "",
	    "[]",
	    "{\"path\": []}",
	    "{\"path\": [1], \"modules\": {}}",
	    "{\"path\": [], \"modules\": []}",
	    "{\"path\": [], \"modules\": {\"not-ident\": null}}",
	    "{\"path\": [], \"modules\": {\"x\": 3}}",
	    "{\"path\": [\"a\\u0000b\"], \"modules\": {}}",
	    "{\"path\": [], \"modules\": {}} trailing",
	    "{\"path\": [[[[[[[[[[[]]]]]]]]]]], \"modules\": {}}",
	};
	size_t i;

	(void)state;
	assert_int_equal(audit_probe_parse(good, strlen(good), &p, &err), 0);
	assert_int_equal(p.npath, 3);
	assert_string_equal(p.sys_path[0], "");
	assert_string_equal(p.sys_path[2], "/env/lib/python3.11/site-packages");
	assert_int_equal(p.nmodules, 4);
	assert_string_equal(p.modules[0].name, "werkzeug");
	assert_int_equal(p.modules[0].found, 1);
	assert_string_equal(p.modules[0].origin, "/env/w/__init__.py");
	assert_int_equal(p.modules[0].nlocations, 1);
	assert_string_equal(p.modules[1].name, "gone");
	assert_int_equal(p.modules[1].found, 0);
	assert_null(p.modules[2].origin);
	assert_int_equal(p.modules[2].nlocations, 2);
	assert_int_equal(p.modules[3].found, 0);
	assert_string_equal(p.modules[3].error, "ValueError: x");
	audit_probe_release(&p);
	audit_probe_release(&p);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(audit_probe_parse(bad[i], strlen(bad[i]), &p, &err), BURROW_EFAIL);
		assert_true(err.len > 0);
		audit_probe_release(&p);
	}
	strbuf_release(&err);
}

static void test_findings(void **state)
{
	struct audit_report r = {0};
	size_t i;

	(void)state;
	assert_int_equal(audit_add(&r, "missing", "bin/x", NULL), 0);
	assert_string_equal(r.items[0].detail, "");
	for (i = 1; i < AUDIT_MAX_FINDINGS + 10; i++)
		assert_int_equal(audit_add(&r, "unrecorded", "y", "z"), 0);
	assert_int_equal(r.len, AUDIT_MAX_FINDINGS + 1);
	assert_string_equal(r.items[AUDIT_MAX_FINDINGS].kind, "truncated");
	audit_report_release(&r);
	assert_int_equal(r.len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_consistency),
	    cmocka_unit_test(test_top_level),
	    cmocka_unit_test(test_probe_parse),
	    cmocka_unit_test(test_findings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
