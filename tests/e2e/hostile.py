"""Helpers for the hostile-input and fault battery (test_hostile_*.py,
test_faults.py): archives made byte by byte (tarfile plus hand-patched
headers, a raw ZIP writer), and the default expectation of a refused
install: the exit code, an error naming the subject, the env byte for byte
as before, nothing new outside the env, no temp files left behind.

Every case id starts with "hostile-" so that hostile_report.py can count
them."""

import base64
import gzip
import hashlib
import io
import os
import struct
import tarfile
import zlib

import pytest

from conftest import PYTHON, manifest_text, sha256, snapshot


def ids(cases):
    return ["hostile-" + c for c in cases]


def b64sha(data):
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


# -- tar ------------------------------------------------------------------

class M:
    """One tar member: kind is "file", "dir", "symlink", "hardlink", "chr",
    "blk", "fifo"; data is bytes (file) or the link target."""

    def __init__(self, name, kind="file", data=b"", mode=None, pax=None, encoding_name=None):
        self.name, self.kind, self.data = name, kind, data
        self.mode = mode if mode is not None else (0o755 if kind == "dir" else 0o644)
        self.pax = pax or {}

    def tarinfo(self):
        ti = tarfile.TarInfo(self.name)
        ti.mode = self.mode
        ti.mtime = 0
        ti.uid = ti.gid = 0
        kinds = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
                 "hardlink": tarfile.LNKTYPE, "chr": tarfile.CHRTYPE, "blk": tarfile.BLKTYPE,
                 "fifo": tarfile.FIFOTYPE}
        ti.type = kinds[self.kind]
        if self.kind in ("symlink", "hardlink"):
            ti.linkname = self.data
        if self.kind in ("chr", "blk"):
            ti.devmajor, ti.devminor = 1, 3
        if self.kind == "file":
            ti.size = len(self.data)
        if self.pax:
            ti.pax_headers = dict(self.pax)
        return ti


def bundle_info_members(name, version, members):
    """METADATA and a correct RECORD for the regular files and symlinks."""
    di = "%s-%s.bundle-info" % (name.replace("-", "_"), version)
    meta = ("Bundle-Version: 1.0\nName: %s\nVersion: %s\nSummary: hostile test\n"
            % (name, version)).encode()
    rows = []
    for m in members:
        if m.kind == "file":
            rows.append("%s,sha256=%s,%d" % (m.name.rstrip("/"), b64sha(m.data), len(m.data)))
        elif m.kind == "symlink":
            t = m.data.encode("utf-8", "surrogateescape")
            rows.append("%s,sha256=%s,%d" % (m.name, b64sha(t), len(t)))
    rows.append("%s/METADATA,sha256=%s,%d" % (di, b64sha(meta), len(meta)))
    rows.append("%s/RECORD,," % di)
    record = ("\n".join(sorted(rows[:-1]) + rows[-1:]) + "\n").encode("utf-8", "surrogateescape")
    return [M(di, "dir"), M(di + "/METADATA", data=meta), M(di + "/RECORD", data=record)]


def tar_bytes(members, fmt=tarfile.PAX_FORMAT, encoding="utf-8"):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt, encoding=encoding,
                      errors="surrogateescape") as t:
        for m in members:
            ti = m.tarinfo()
            t.addfile(ti, io.BytesIO(m.data) if m.kind == "file" else None)
    return buf.getvalue()


def bundle_bytes(name, version, members, *, info=True, fmt=tarfile.PAX_FORMAT, compress="gz",
                 raw=None):
    """A native bundle: members then NAME-VERSION.bundle-info/, gzip'd
    deterministically.  raw: the tar bytes to compress instead."""
    data = raw if raw is not None else tar_bytes(
        members + (bundle_info_members(name, version, members) if info else []), fmt)
    if compress == "gz":
        return gzip.compress(data, mtime=0)
    return data


def tar_header(name, size, typeflag=b"0", mode=0o644, linkname=b""):
    """One ustar header block, checksum filled in (sizes may be anything)."""
    if isinstance(name, str):
        name = name.encode()
    h = bytearray(512)
    h[0:len(name)] = name
    h[100:108] = b"%07o\0" % mode
    h[108:116] = b"0000000\0"
    h[116:124] = b"0000000\0"
    h[124:136] = b"%011o\0" % size
    h[136:148] = b"00000000000\0"
    h[156:157] = typeflag
    h[157:157 + len(linkname)] = linkname
    h[257:265] = b"ustar\x0000"
    h[148:156] = b" " * 8
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)


def pax_record(key, value):
    rec = " %s=%s\n" % (key, value)
    n = len(rec)
    while len(str(n)) + len(rec) != n:
        n = len(str(n)) + len(rec)
    return ("%d%s" % (n, rec)).encode()


def pad(data):
    return data + b"\0" * (-len(data) % 512)


# -- zip ------------------------------------------------------------------

class Z:
    """One ZIP member with every field under the test's control.  local_*
    fields override what the local header says; the central directory
    always says the entry's own values."""

    def __init__(self, name, data=b"", method=8, mode=0o644, flags=0x800, extra=b"",
                 cd_extra=None):
        self.name = name.encode("utf-8", "surrogateescape") if isinstance(name, str) else name
        self.data = data
        self.method = method
        self.mode = mode
        self.flags = flags
        self.extra = extra
        self.cd_extra = extra if cd_extra is None else cd_extra
        if method == 8:
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            self.comp = c.compress(data) + c.flush()
        else:
            self.comp = data
        self.crc = zlib.crc32(data) & 0xffffffff
        self.size = len(data)
        self.comp_size = len(self.comp)
        self.local = {}      # overrides: name, crc, size, comp_size, flags, method
        self.in_cd = True
        self.in_local = True


def zip_bytes(entries, *, cd_offset_delta=0, trailing=b"", comment=b"", prefix=b""):
    out = bytearray(prefix)
    offsets = []
    for e in entries:
        offsets.append(len(out))
        if not e.in_local:
            continue
        lo = e.local
        name = lo.get("name", e.name)
        out += struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, lo.get("flags", e.flags),
                           lo.get("method", e.method), 0, 0x5021, lo.get("crc", e.crc),
                           lo.get("comp_size", e.comp_size), lo.get("size", e.size),
                           len(name), len(e.extra))
        out += name + e.extra + e.comp
    cd_start = len(out)
    n = 0
    for e, off in zip(entries, offsets):
        if not e.in_cd:
            continue
        n += 1
        ext = ((0o100000 if not (e.mode >> 12) else 0) | e.mode) << 16
        out += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 0x031e, 20, e.flags, e.method, 0,
                           0x5021, e.crc, e.comp_size, e.size, len(e.name), len(e.cd_extra), 0,
                           0, 0, ext & 0xffffffff, off)
        out += e.name + e.cd_extra
    cd_size = len(out) - cd_start
    out += struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, n, n, cd_size,
                       cd_start - len(prefix) * 0 + cd_offset_delta, len(comment)) + comment
    return bytes(out) + trailing


def wheel_entries(name, version, files, *, record_extra=(), extra_members=(), meta_name=None,
                  meta_version=None, dist_info=None, record_skip=(), record_override=None,
                  entry_points=None):
    """Z entries of a wheel with a correct RECORD unless told otherwise:
    files {path: bytes}; record_extra: more RECORD rows; extra_members:
    (path, bytes) added after RECORD, without rows; meta_name/meta_version:
    what METADATA says; dist_info: the dist-info directory's name;
    record_skip: members left out of RECORD; record_override {path: row}."""
    dn = name.replace("-", "_")
    di = dist_info or "%s-%s.dist-info" % (dn, version)
    members = dict(files)
    members[di + "/METADATA"] = ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n"
                                 % (meta_name or name, meta_version or version)).encode()
    members[di + "/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: hostile\nRoot-Is-Purelib: true\n"
                              b"Tag: py3-none-any\n")
    if entry_points is not None:
        members[di + "/entry_points.txt"] = entry_points.encode("utf-8", "surrogateescape")
    rows = []
    for p, d in members.items():
        if p in record_skip:
            continue
        rows.append((record_override or {}).get(p, "%s,sha256=%s,%d" % (p, b64sha(d), len(d))))
    rows += list(record_extra)
    rows.append(di + "/RECORD,,")
    members[di + "/RECORD"] = ("\n".join(rows) + "\n").encode("utf-8", "surrogateescape")
    entries = [Z(p, d) for p, d in members.items()]
    entries += [Z(p, d) for p, d in extra_members]
    return entries


# -- the default expectation ----------------------------------------------

def listing(root, skip=("cache",)):
    """Every path under root (type and size for files), cache/ aside."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        if rel == "." :
            dirnames[:] = [d for d in dirnames if d not in skip]
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            out[os.path.relpath(p, root)] = os.path.islink(p) or os.path.isdir(p) or \
                os.path.getsize(p)
    return out


class Before:
    """What a refused install must leave as it was."""

    def __init__(self, tmp, env, skip=("cache",)):
        self.tmp, self.env, self.skip = tmp, env, skip
        self.env_snap = snapshot(env) if os.path.exists(env) else None
        self.tmp_list = listing(tmp, skip)
        self.archives = self._cache("archives")
        self.trees = self._cache("trees")

    def _cache(self, what):
        d = os.path.join(str(self.tmp), "cache", what)
        return set(listing(d)) if os.path.isdir(d) else set()

    def check(self, allow_archive=None, allow_tmp=(), allow_tree=False):
        """allow_archive: the sha256 of a pinned (verified) archive that may
        now be in archives/."""
        env = str(self.env)
        if self.env_snap is None:
            assert not os.path.lexists(env), "env created"
        else:
            assert snapshot(env) == self.env_snap, "env changed"
        after = listing(self.tmp, self.skip)
        new = {k for k in set(after) - set(self.tmp_list)
               if not k.startswith(os.path.basename(env) + "/") and k not in allow_tmp}
        lock = "." + os.path.basename(env) + ".lock"
        new.discard(lock)
        assert not new, "created outside the env: %r" % sorted(new)
        leftovers = [n for n in os.listdir(os.path.dirname(env))
                     if ".staging-" in n or ".old-" in n]
        assert not leftovers, leftovers
        cache = os.path.join(str(self.tmp), "cache")
        if os.path.isdir(os.path.join(cache, "tmp")):
            assert os.listdir(os.path.join(cache, "tmp")) == [], "cache/tmp not empty"
        added = self._cache("archives") - self.archives
        allowed = set()
        if allow_archive:
            allowed = {allow_archive[:2], os.path.join(allow_archive[:2], allow_archive)}
        assert added <= allowed, "unexpected archives: %r" % sorted(added)
        trees = self._cache("trees") - self.trees
        if allow_tree and allow_archive:
            trees = {t for t in trees if t != allow_archive[:2] and
                     not t.startswith(os.path.join(allow_archive[:2], allow_archive))}
        assert not trees, "a tree was committed: %r" % sorted(trees)


def refused(p, code, *needles):
    assert p.returncode == code, (p.returncode, p.stdout, p.stderr)
    assert "error" in p.stderr, p.stderr
    for n in needles:
        assert n in p.stderr, (n, p.stderr)


WHEEL = "zap-1.0-py3-none-any.whl"


@pytest.fixture
def pyenv(tmp_path, burrow):
    """A Python env holding wheel base 1.0; refuse(entries or bytes) pins a
    wheel zap 1.0 made of them and expects exit 6 naming it."""
    from wheels import build_wheel
    wh = tmp_path / "wheelhouse"
    base = build_wheel(wh, "base", "1.0", {"base/__init__.py": "x = 1\n"})
    env = tmp_path / "app"

    def manifest(pins):
        return '[env]\npython = "%s"\n\n' % PYTHON + manifest_text(["wheelhouse"], pins)

    m = tmp_path / "good.toml"
    base_pin = ("base", "1.0", [sha256(base)])
    m.write_text(manifest([base_pin]))
    burrow("create", env, "--manifest", m, check=0)

    class Scene:
        def write(self, data, filename=WHEEL):
            if not isinstance(data, bytes):
                data = zip_bytes(data)
            (wh / filename).write_bytes(data)
            pin = sha256_bytes(data)
            mf = tmp_path / "zap.toml"
            mf.write_text(manifest([base_pin, ("zap", "1.0", [pin])]))
            return mf, pin

        def refuse(self, data, *needles, filename=WHEEL):
            mf, pin = self.write(data, filename)
            before = Before(tmp_path, env)
            p = burrow("install", env, "--manifest", mf)
            print(p.stderr)
            refused(p, 6, filename, *needles)
            before.check(allow_archive=pin)
            return p

    s = Scene()
    s.env, s.tmp = env, tmp_path
    return s
