/*
 * fuzz_pep508: requirements and markers from hostile bytes.  The input is
 * parsed as a requirement and as a bare marker; whatever parses is evaluated
 * in two environments and checked with pep508_satisfied.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pep508.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct pep508_env debian = {
	    "cpython", "3.11.2", "posix",   "x86_64", "6.1.0-18-amd64", "Linux",
	    "#1 SMP",  "3.11.2", "CPython", "3.11",   "linux",          "",
	    NULL,      0,        NULL,      0};
	struct pep508_env other = debian;
	struct pep508_req req;
	struct pep508_marker *m;
	struct strbuf err = STRBUF_INIT;
	const char *s = (const char *)data;
	int res;

	other.python_version = "3.13";
	other.python_full_version = "3.13.0rc1";
	other.extra = "Test_X";
	if (pep508_parse(s, size, &req, &err) == 0) {
		if (req.marker) {
			pep508_marker_eval(req.marker, &debian, &res, &err);
			pep508_marker_eval(req.marker, &other, &res, &err);
		}
		(void)pep508_satisfied(&req, "1.0");
		(void)pep508_satisfied(&req, "2.0rc1+local");
		pep508_release(&req);
	} else if (req.name || req.marker || req.extras || req.url) {
		abort(); /* a failed parse leaves nothing behind */
	}
	if (pep508_marker_parse(s, size, &m, &err) == 0) {
		pep508_marker_eval(m, &debian, &res, &err);
		pep508_marker_eval(m, &other, &res, &err);
		pep508_marker_free(m);
	}
	strbuf_release(&err);
	return 0;
}
