#!/usr/bin/python3
"""Runs the toml-test suite (its TOML 1.0.0 cases) against a decoder program.

Usage: /usr/bin/python3 tests/conformance/toml_test.py [--suite DIR] PATH/TO/toml-decoder

The decoder reads TOML on stdin and writes toml-test's tagged JSON on stdout,
exiting non-zero when it refuses the document.  The suite is Debian's copy
of toml-test, from the package golang-github-burntsushi-toml-dev
(scripts/install-deps installs it): SUITE below, 334 cases, of which the one
TOML 1.1 case (valid/string/escape-esc, excluded for 1.0.0 by toml-test's
own version table) is skipped.  --suite DIR runs another copy instead (a
folder holding valid/ and invalid/): when DIR holds toml-test's
files-toml-1.0.0 list, as newer copies do, that list names the cases.
Every valid/X.toml must decode to a value equal to valid/X.json (compared
as values: floats numerically, inf and nan included, datetimes normalised);
every invalid/X.toml must be refused without a crash (death by a signal or
a sanitizer report is a failure).  Exits 0 when every case passes, 1
otherwise.
"""

import concurrent.futures
import json
import math
import os
import re
import subprocess
import sys

TIMEOUT = 20  # seconds per case; generous for sanitizer builds

SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "runtime error:", "MemorySanitizer", "ThreadSanitizer")


SUITE = "/usr/share/gocode/src/github.com/BurntSushi/toml/internal/toml-test/tests"
# toml-test's own exclusions for TOML 1.0.0 (cases of TOML 1.1), for a copy
# without a files-toml-1.0.0 list.
NOT_1_0_0 = {"valid/string/escape-esc.toml"}


def case_names(suite):
    """The .toml cases of suite (relative paths), or raises OSError."""
    listing = os.path.join(suite, "files-toml-1.0.0")
    if os.path.exists(listing):
        with open(listing, encoding="utf-8") as f:
            return [line.strip() for line in f if line.strip().endswith(".toml")]
    names = []
    for kind in ("valid", "invalid"):
        top = os.path.join(suite, kind)
        if not os.path.isdir(top):
            raise OSError("%s: no such folder (is golang-github-burntsushi-toml-dev "
                          "installed? scripts/install-deps)" % top)
        for d, _, files in os.walk(top):
            for f in files:
                if f.endswith(".toml"):
                    names.append(os.path.relpath(os.path.join(d, f), suite))
    return sorted(n for n in names if n not in NOT_1_0_0)


def norm_datetime(s):
    s = s.replace(" ", "T").replace("t", "T").replace("z", "Z")
    m = re.match(r"^(.*?\d\d:\d\d:\d\d)(?:\.(\d+))?(.*)$", s)
    if not m:
        return s
    head, frac, tail = m.group(1), m.group(2) or "", m.group(3)
    frac = frac.rstrip("0")
    if tail in ("+00:00", "-00:00"):
        tail = "Z"
    return head + ("." + frac if frac else "") + tail


def is_scalar(v):
    return (isinstance(v, dict) and set(v) == {"type", "value"}
            and isinstance(v["type"], str) and isinstance(v["value"], str))


def scalar_equal(want, got):
    t = want["type"]
    if got["type"] != t:
        return False
    a, b = want["value"], got["value"]
    if t == "float":
        try:
            x, y = float(a), float(b)
        except ValueError:
            return False
        if math.isnan(x) or math.isnan(y):
            return math.isnan(x) and math.isnan(y)
        return x == y
    if t == "integer":
        try:
            return int(a) == int(b)
        except ValueError:
            return False
    if t in ("datetime", "datetime-local", "date-local", "time-local"):
        return norm_datetime(a) == norm_datetime(b)
    return a == b


def equal(want, got, path, diffs):
    """Compares tagged JSON values; appends a description of the first
    difference under path to diffs."""
    if is_scalar(want):
        if not is_scalar(got) or not scalar_equal(want, got):
            diffs.append("%s: want %s, got %s" % (path or "/", json.dumps(want), json.dumps(got)))
            return False
        return True
    if isinstance(want, dict):
        if not isinstance(got, dict) or is_scalar(got):
            diffs.append("%s: want a table, got %s" % (path or "/", json.dumps(got)[:200]))
            return False
        if set(want) != set(got):
            diffs.append("%s: keys differ: missing %s, extra %s" % (
                path or "/", sorted(set(want) - set(got)), sorted(set(got) - set(want))))
            return False
        return all(equal(want[k], got[k], path + "/" + k, diffs) for k in want)
    if isinstance(want, list):
        if not isinstance(got, list) or len(want) != len(got):
            diffs.append("%s: want an array of %d, got %s" % (
                path or "/", len(want), json.dumps(got)[:200]))
            return False
        return all(equal(w, g, "%s[%d]" % (path, i), diffs)
                   for i, (w, g) in enumerate(zip(want, got)))
    diffs.append("%s: unexpected expected-value %r" % (path or "/", want))
    return False


def run_decoder(decoder, data):
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = "exitcode=86:detect_leaks=1"
    env["UBSAN_OPTIONS"] = "halt_on_error=1:exitcode=87:print_stacktrace=1"
    try:
        p = subprocess.run([decoder], input=data, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TIMEOUT, env=env)
    except subprocess.TimeoutExpired:
        return None, b"", b"timed out"
    return p.returncode, p.stdout, p.stderr


def crashed(rc, err):
    text = err.decode("utf-8", "replace")
    return rc is None or rc < 0 or rc in (86, 87) or any(m in text for m in SANITIZER_MARKS)


def check(decoder, suite, name):
    """Returns None when the case passes, else a message."""
    path = os.path.join(suite, name)
    with open(path, "rb") as f:
        data = f.read()
    rc, out, err = run_decoder(decoder, data)
    errtext = err.decode("utf-8", "replace").strip()
    if crashed(rc, err):
        return "crashed (exit %s): %s" % (rc, errtext[-2000:])
    if name.startswith("invalid/"):
        if rc == 0:
            return "accepted an invalid document"
        return None
    if rc != 0:
        return "refused (exit %d): %s" % (rc, errtext[:500])
    with open(path[:-len(".toml")] + ".json", "rb") as f:
        want = json.load(f)
    try:
        got = json.loads(out.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        return "output is not JSON (%s): %r" % (e, out[:300])
    diffs = []
    if not equal(want, got, "", diffs):
        return "wrong value: " + "; ".join(diffs)[:1000]
    return None


def main(argv):
    args = argv[1:]
    suite = SUITE
    if len(args) == 3 and args[0] == "--suite":
        suite = os.path.abspath(args[1])
        args = args[2:]
    if len(args) != 1:
        print("usage: toml_test.py [--suite DIR] PATH/TO/toml-decoder", file=sys.stderr)
        return 2
    decoder = os.path.abspath(args[0])
    if not os.access(decoder, os.X_OK):
        print("toml_test.py: %s: not an executable" % decoder, file=sys.stderr)
        return 2
    try:
        names = case_names(suite)
    except OSError as e:
        print("toml_test.py: cannot read the toml-test cases: %s" % e, file=sys.stderr)
        return 1
    if not names:
        print("toml_test.py: %s holds no cases" % suite, file=sys.stderr)
        return 1

    workers = max(2, (os.cpu_count() or 2) * 2)
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda n: (n, check(decoder, suite, n)), names))

    tally = {"valid": [0, 0], "invalid": [0, 0]}
    for name, problem in results:
        kind = "invalid" if name.startswith("invalid/") else "valid"
        if problem is None:
            tally[kind][0] += 1
        else:
            tally[kind][1] += 1
            print("FAIL %s: %s" % (name, problem))
    passed = tally["valid"][0] + tally["invalid"][0]
    failed = tally["valid"][1] + tally["invalid"][1]
    print("toml-test 1.0.0 (%s): %d passed, %d failed (valid: %d passed, %d failed; "
          "invalid: %d passed, %d failed)" % (suite, passed, failed, tally["valid"][0],
                                              tally["valid"][1], tally["invalid"][0],
                                              tally["invalid"][1]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
