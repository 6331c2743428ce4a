"""Builds the benchmark corpus of scripts/bench, deterministically (seeded):

  OUT/corpus/flask/   about 10 wheels, ~300 installed files (a Flask-sized app)
  OUT/corpus/large/   about 40 wheels, 10,000+ files (one Django-sized wheel)
  OUT/corpus/native/  a few native bundles made with `burrow pack`
  OUT/{flask,large,native}.toml     burrow manifests (pins with sha256)
  OUT/{flask,large}-req.txt         the same pins for pip (hash-checking mode)
  OUT/corpus/stats.json             file and byte counts per set

Wheels are built with tests/e2e/wheels.py (deterministic ZIPs, correct
RECORD). Generated Python is valid source (pip compiles it), with sizes drawn
from a log-normal distribution like real packages. A stamp of this file's
hash and the seed makes a second run reuse the corpus.

usage: corpus.py REPO_ROOT OUT BURROW"""

import hashlib
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tarfile
import zipfile

SEED = 20240601
ROOT, OUT, BURROW = (os.path.abspath(a) for a in sys.argv[1:4])
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from wheels import build_wheel, sha256_file  # noqa: E402

WORDS = ("request response session cookie header route view blueprint config "
         "template context loader cache token signer serializer stream buffer "
         "parser lexer node visitor compiler runtime filter escape markup "
         "command option argument group format color style terminal signal "
         "receiver sender model field query manager migration schema form "
         "widget admin user group permission locale timezone message storage "
         "backend handler middleware url resolver pattern value item key "
         "state event queue worker task result error warning debug trace").split()


def ident(rng):
    return "_".join(rng.sample(WORDS, rng.randint(1, 3)))


def lognormal_size(rng, median, sigma, lo, hi):
    return int(min(hi, max(lo, rng.lognormvariate(math.log(median), sigma))))


def py_size(rng):
    """Most modules 1-20 KiB, a few larger (like real packages)."""
    if rng.random() < 0.04:
        return rng.randint(24 * 1024, 120 * 1024)
    return lognormal_size(rng, 4500, 0.85, 1024, 20 * 1024)


def py_source(rng, size):
    """Valid Python of about `size` bytes: imports, constants, functions and
    classes with docstrings and some logic."""
    out = ['"""%s.\n\nGenerated for the burrow benchmarks; not meant to be run."""\n\n'
           % ident(rng).replace("_", " ").capitalize(),
           "import os\nimport re\nfrom collections import OrderedDict\n\n"]
    n = sum(len(s) for s in out)
    k = 0
    while n < size:
        k += 1
        r = rng.random()
        name = "%s_%d" % (ident(rng), k)
        if r < 0.15:
            items = ", ".join("%r: %d" % (rng.choice(WORDS), rng.randint(0, 9999))
                              for _ in range(rng.randint(2, 8)))
            s = "%s = {%s}\n\n" % (name.upper(), items)
        elif r < 0.6:
            a, b = rng.choice(WORDS), rng.choice(WORDS) + "_arg"
            s = ('def %s(%s, %s=None, *args, **kwargs):\n'
                 '    """Return the %s of %s, or None when %s is missing."""\n'
                 '    if %s is None:\n        %s = {}\n'
                 '    result = OrderedDict()\n'
                 '    for index, value in enumerate(%s or ()):\n'
                 '        if isinstance(value, str) and re.match(r"^[a-z_]+$", value):\n'
                 '            result[value] = index * %d\n'
                 '        elif value is not None:\n'
                 '            result[str(value)] = os.path.join(%r, str(index))\n'
                 '    return result or kwargs.get(%r)\n\n\n'
                 % (name, a, b, rng.choice(WORDS), a, b, b, b, a, rng.randint(2, 97),
                    rng.choice(WORDS), rng.choice(WORDS)))
        else:
            cls = "".join(w.capitalize() for w in ident(rng).split("_")) + str(k)
            meths = []
            for j in range(rng.randint(2, 5)):
                m = rng.choice(WORDS)
                meths.append('    def %s_%d(self, %s):\n'
                             '        """%s the %s."""\n'
                             '        if not %s:\n            raise ValueError(%r)\n'
                             '        self._%s = [x for x in %s if x != %r]\n'
                             '        return len(self._%s)\n'
                             % (m, j, m, m.capitalize(), rng.choice(WORDS), m,
                                "no " + m, m, m, rng.choice(WORDS), m))
            s = ('class %s(object):\n    """A %s %s."""\n\n'
                 '    def __init__(self, name=%r, limit=%d):\n'
                 '        self.name = name\n        self.limit = limit\n\n%s\n\n'
                 % (cls, rng.choice(WORDS), rng.choice(WORDS), rng.choice(WORDS),
                    rng.randint(1, 500), "\n".join(meths)))
        out.append(s)
        n += len(s)
    return "".join(out)


def text_data(rng, size, kind):
    """Data files: templates, static assets, message catalogs."""
    if kind == "mo":
        return bytes(rng.getrandbits(8) for _ in range(size))
    lines = []
    n = 0
    while n < size:
        w = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12)))
        if kind == "po":
            line = 'msgid "%s"\nmsgstr "%s"\n\n' % (w, w[::-1])
        elif kind == "html":
            line = '<div class="%s">{{ %s }}</div>\n' % (rng.choice(WORDS), w.replace(" ", "_"))
        elif kind == "js":
            line = "function %s(a){return a+%d;} // %s\n" % (ident(rng), rng.randint(0, 99), w)
        elif kind == "css":
            line = ".%s { margin: %dpx; color: #%06x; }\n" % (
                rng.choice(WORDS), rng.randint(0, 40), rng.getrandbits(24))
        elif kind == "json":
            line = '  "%s": "%s",\n' % (ident(rng), w)
        else:
            line = w + "\n"
        lines.append(line)
        n += len(line)
    s = "".join(lines)
    if kind == "json":
        s = "{\n" + s + '  "end": true\n}\n'
    return s.encode()


LICENSE = ("Copyright (c) benchmark authors\n\nRedistribution and use in source and "
           "binary forms, with or without modification, are permitted.\n") * 6


def make_package(rng, pkg, n_py, n_data=0, data_kinds=("txt", "json")):
    """A package tree: n_py modules spread over subpackages (each with an
    __init__.py), n_data data files."""
    files = {}
    subs = [pkg]
    for _ in range(max(0, n_py // 12)):
        subs.append("%s/%s" % (rng.choice(subs), rng.choice(WORDS)))
    subs = sorted(set(subs))
    for d in subs:
        files["%s/__init__.py" % d] = (py_source(rng, rng.randint(60, 900)) if rng.random() < 0.6
                                       else "")
    while len(files) < n_py:
        d = rng.choice(subs)
        p = "%s/%s.py" % (d, ident(rng))
        if p not in files:
            files[p] = py_source(rng, py_size(rng))
    while len(files) < n_py + n_data:
        d = rng.choice(subs)
        kind = rng.choice(data_kinds)
        p = "%s/%s.%s" % (d, ident(rng), kind)
        if p not in files:
            files[p] = text_data(rng, lognormal_size(rng, 3000, 1.0, 100, 64 * 1024), kind)
    return files


def dist_info_extras(name, version, pkg):
    di = "%s-%s.dist-info" % (name.replace("-", "_"), version)
    return {di + "/LICENSE.txt": LICENSE, di + "/top_level.txt": pkg + "\n"}


def wheel(outdir, name, version, files, requires=(), scripts=None):
    pkg = name.replace("-", "_")
    files = dict(files)
    files.update(dist_info_extras(name, version, pkg))
    ep = None
    if scripts:
        ep = "[console_scripts]\n" + "".join("%s = %s\n" % kv for kv in scripts.items())
    return build_wheel(outdir, name, version, files, requires=requires, entry_points=ep,
                       summary="%s, generated for the burrow benchmarks" % name)


def cli_module(rng):
    return py_source(rng, 1500) + "\n\ndef main():\n    return 0\n"


def flask_set(outdir):
    rng = random.Random(SEED)
    # name, version, modules, data files, requires, console scripts
    spec = [
        ("quill", "3.0.3", 30, 2, ["toolbelt>=3.0", "templar>=3.1", "signet>=2.1",
                                   "clack>=8.1", "relay>=1.6"], {"quill": "quill.cli:main"}),
        ("toolbelt", "3.0.1", 72, 12, ["safemark>=2.1.1"], None),
        ("templar", "3.1.2", 30, 2, ["safemark>=2.0"], None),
        ("safemark", "2.1.3", 6, 2, [], None),
        ("signet", "2.1.2", 9, 0, [], None),
        ("clack", "8.1.7", 20, 1, ["colorish ; platform_system == 'Windows'"],
         {"clack-demo": "clack.cli:main"}),
        ("relay", "1.7.0", 5, 1, [], None),
        ("colorish", "0.4.6", 12, 0, [], None),
        ("typext", "4.8.0", 1, 0, [], None),
        ("confit", "1.0.0", 8, 0, ["clack>=8.0"], {"confit": "confit.cli:main"}),
    ]
    out = []
    for name, version, n_py, n_data, requires, scripts in spec:
        if name == "typext":
            files = {"typext.py": py_source(rng, 110 * 1024)}
        else:
            files = make_package(rng, name, n_py, n_data, ("txt", "json", "html", "css", "js"))
            if scripts:
                files["%s/cli.py" % name] = cli_module(rng)
            files["%s/py.typed" % name] = ""
        out.append(wheel(outdir, name, version, files, requires, scripts))
    return out


def django_like(rng):
    files = {}
    apps = ["admin", "auth", "contenttypes", "sessions", "messages", "staticfiles",
            "sites", "humanize", "postgres", "gis", "flatpages", "redirects"]
    locales = ["af", "ar", "ast", "az", "be", "bg", "bn", "br", "bs", "ca", "cs", "cy", "da",
               "de", "dsb", "el", "en", "eo", "es", "et", "eu", "fa", "fi", "fr", "fy", "ga",
               "gd", "gl", "he", "hi", "hr", "hsb", "hu", "hy", "ia", "id", "io", "is", "it",
               "ja", "ka", "kk", "km", "kn", "ko", "lb", "lt", "lv", "mk", "ml", "mn", "mr",
               "my", "nb", "ne", "nl", "nn", "os", "pa", "pl", "pt", "ro", "ru", "sk", "sl",
               "sq", "sr", "sv", "sw", "ta", "te", "th", "tr", "tt", "uk", "ur", "vi"]
    # core modules
    files.update(make_package(rng, "stallion", 1250, 0))
    # contrib apps: modules, migrations, templates, static, locale catalogs
    for app in apps:
        base = "stallion/contrib/%s" % app
        files[base + "/__init__.py"] = ""
        for i in range(50):
            files["%s/%s_%d.py" % (base, ident(rng), i)] = py_source(rng, py_size(rng))
        files[base + "/migrations/__init__.py"] = ""
        for i in range(6):
            files["%s/migrations/%04d_%s.py" % (base, i + 1, ident(rng))] = py_source(
                rng, rng.randint(800, 4000))
        for i in range(18):
            files["%s/templates/%s/%s_%d.html" % (base, app, ident(rng), i)] = text_data(
                rng, lognormal_size(rng, 1500, 0.8, 100, 16384), "html")
        for i in range(10):
            kind = rng.choice(["js", "css"])
            files["%s/static/%s/%s/%s_%d.%s" % (base, app, kind, ident(rng), i, kind)] = \
                text_data(rng, lognormal_size(rng, 4000, 1.0, 200, 80 * 1024), kind)
        for loc in locales[: 25 + rng.randint(0, len(locales) - 25)]:
            d = "%s/locale/%s/LC_MESSAGES" % (base, loc)
            files[d + "/stallion.po"] = text_data(rng, lognormal_size(rng, 5000, 0.7, 400, 40000), "po")
            files[d + "/stallion.mo"] = text_data(rng, lognormal_size(rng, 3000, 0.7, 200, 30000), "mo")
    # conf/locale: catalogs and formats per locale
    for loc in locales:
        d = "stallion/conf/locale/%s" % loc
        files[d + "/__init__.py"] = ""
        files[d + "/formats.py"] = py_source(rng, rng.randint(600, 2500))
        files[d + "/LC_MESSAGES/stallion.po"] = text_data(rng, lognormal_size(rng, 20000, 0.5, 2000, 80000), "po")
        files[d + "/LC_MESSAGES/stallion.mo"] = text_data(rng, lognormal_size(rng, 15000, 0.5, 1000, 60000), "mo")
    files["stallion/py.typed"] = ""
    return files


def large_set(outdir):
    rng = random.Random(SEED + 1)
    out = [wheel(outdir, "stallion", "4.2.7", django_like(rng), ["sqlparse-x>=0.3.1", "asgiref-x>=3.6"],
                 {"stallion-admin": "stallion.cli:main"})]
    # the 39 others: two helpers stallion needs, then a spread of sizes
    names = ["sqlparse-x", "asgiref-x"] + ["pkg%02d-%s" % (i, rng.choice(WORDS)) for i in range(37)]
    sizes = []
    for i, n in enumerate(names):
        if i < 4:
            sizes.append(rng.randint(700, 1100))   # a few big ones (botocore, numpy-like)
        elif i < 12:
            sizes.append(rng.randint(150, 400))
        else:
            sizes.append(rng.randint(15, 160))
    made = []
    for i, (name, n) in enumerate(zip(names, sizes)):
        version = "%d.%d.%d" % (rng.randint(0, 5), rng.randint(0, 30), rng.randint(0, 9))
        version = {"sqlparse-x": "0.4.4", "asgiref-x": "3.7.2"}.get(name, version)
        pkg = name.replace("-", "_")
        n_data = n // 5 if i in (1, 3, 6) else n // 20
        files = make_package(rng, pkg, n - n_data, n_data, ("txt", "json", "html", "js"))
        requires = []
        if made and i >= 2:
            for dep_name, dep_version in rng.sample(made, min(len(made), rng.randint(0, 3))):
                requires.append("%s>=%s" % (dep_name, dep_version))
        scripts = None
        if i % 9 == 4:
            scripts = {name: "%s.cli:main" % pkg}
            files["%s/cli.py" % pkg] = cli_module(rng)
        out.append(wheel(outdir, name, version, files, requires, scripts))
        made.append((name, version))
    return out


def native_set(outdir, scratch):
    rng = random.Random(SEED + 2)
    specs = [("libquux", "1.4.2", {"lib": 12, "include/quux": 120, "share/doc/libquux": 8}),
             ("quuxtools", "1.4.2", {"bin": 14, "share/quuxtools": 260}),
             ("tzbundle", "2024.1", {"share/zoneinfo/" + r: 70 for r in
                                      ("Africa", "America", "Asia", "Europe", "Pacific")})]
    out = []
    for name, version, dirs in specs:
        tree = os.path.join(scratch, name)
        shutil.rmtree(tree, ignore_errors=True)
        for d, n in sorted(dirs.items()):
            os.makedirs(os.path.join(tree, d), exist_ok=True)
            for i in range(n):
                if d == "bin":
                    p, body, mode = "%s-%d" % (ident(rng), i), \
                        ("#!/bin/sh\n# %s\nexec echo %s \"$@\"\n" % (ident(rng), name)).encode(), 0o755
                elif d == "lib":
                    p, mode = "lib%s_%d.so.1" % (ident(rng), i), 0o755
                    body = bytes(rng.getrandbits(8) for _ in range(rng.randint(20000, 300000)))
                elif d.startswith("include"):
                    p, body, mode = "%s_%d.h" % (ident(rng), i), text_data(
                        rng, lognormal_size(rng, 3000, 0.9, 200, 40000), "txt"), 0o644
                else:
                    p, body, mode = "%s_%d" % (ident(rng), i), text_data(
                        rng, lognormal_size(rng, 1200, 0.9, 100, 20000), "mo" if "zone" in d else "txt"), 0o644
                f = os.path.join(tree, d, p)
                with open(f, "wb") as fh:
                    fh.write(body)
                os.chmod(f, mode)
        r = subprocess.run([BURROW, "-q", "pack", tree, "--name", name, "--version", version,
                            "-o", outdir], capture_output=True, text=True)
        if r.returncode:
            sys.exit("corpus: burrow pack %s failed (%d): %s" % (name, r.returncode, r.stderr))
        out.append(r.stdout.strip() or max(
            (os.path.join(outdir, f) for f in os.listdir(outdir) if f.startswith(name + "-")),
            key=os.path.getmtime))
    return out


def pins(files):
    res = []
    for f in sorted(files):
        base = os.path.basename(f)
        if base.endswith(".whl"):
            name, version = base.split("-")[:2]
        else:
            stem = base.split(".tar.")[0]
            name, version = stem.split("-")[:2]
        res.append((name.replace("_", "-"), version, sha256_file(f)))
    return res


def write_manifest(path, repo, bundles, python=True):
    out = []
    if python:
        out.append('[env]\npython = "/usr/bin/python3"\n')
    if repo:
        out.append('[[repository]]\nurl = "%s"\n' % repo)
    for name, version, h in bundles:
        out.append('[[bundle]]\nname = "%s"\nversion = "%s"\nhashes = ["sha256:%s"]\n'
                   % (name, version, h))
    with open(path, "w") as f:
        f.write("\n".join(out))


def write_requirements(path, bundles):
    with open(path, "w") as f:
        for name, version, h in bundles:
            f.write("%s==%s --hash=sha256:%s\n" % (name, version, h))


def count(files):
    nfiles = nbytes = 0
    for f in files:
        if f.endswith(".whl"):
            with zipfile.ZipFile(f) as z:
                for i in z.infolist():
                    nfiles += 1
                    nbytes += i.file_size
        else:
            with tarfile.open(f) as t:
                for i in t.getmembers():
                    if i.isfile():
                        nfiles += 1
                        nbytes += i.size
    return nfiles, nbytes


def main():
    corpus = os.path.join(OUT, "corpus")
    stamp_path = os.path.join(corpus, "STAMP")
    with open(__file__, "rb") as f:
        stamp = "%s seed=%d\n" % (hashlib.sha256(f.read() + open(
            os.path.join(ROOT, "tests", "e2e", "wheels.py"), "rb").read()).hexdigest(), SEED)
    if os.path.exists(stamp_path) and open(stamp_path).read() == stamp:
        print("corpus: up to date in %s" % corpus)
        return
    shutil.rmtree(corpus, ignore_errors=True)
    sets = {}
    sets["flask"] = flask_set(os.path.join(corpus, "flask"))
    sets["large"] = large_set(os.path.join(corpus, "large"))
    sets["native"] = native_set(os.path.join(corpus, "native"), os.path.join(OUT, "native-src"))
    stats = {}
    for name, files in sets.items():
        p = pins(files)
        write_manifest(os.path.join(OUT, name + ".toml"), "corpus/" + name, p,
                       python=(name != "native"))
        if name != "native":
            write_requirements(os.path.join(OUT, name + "-req.txt"), p)
        n, b = count(files)
        stats[name] = {"artifacts": len(files), "members": n, "bytes_unpacked": b,
                       "bytes_archives": sum(os.path.getsize(f) for f in files)}
        r = subprocess.run([BURROW, "-q", "index", os.path.join(corpus, name)],
                           capture_output=True, text=True)
        if r.returncode:
            sys.exit("corpus: burrow index %s failed (%d): %s" % (name, r.returncode, r.stderr))
    with open(os.path.join(corpus, "stats.json"), "w") as f:
        json.dump(stats, f, indent=1)
    with open(stamp_path, "w") as f:
        f.write(stamp)
    print("corpus: built in %s: %s" % (corpus, json.dumps(stats)))


main()
