"""Hostile archives: native bundles (tar) and wheels (ZIP) whose sha256 is
pinned, so that they pass the hash check and reach the unpackers.  Each
install must exit 6 with an error naming the file and the entry, leave
the env byte for byte as it was, create nothing outside the env and leave
no temp files (hostile.Before.check).  One case, modes, must succeed with
the dangerous bits masked."""

import os
import struct
import tarfile

import pytest

from conftest import make_tree, manifest_text, sha256
from hostile import (M, Z, Before, bundle_bytes, ids, pad, pax_record, pyenv, refused,
                     sha256_bytes, tar_bytes, tar_header, wheel_entries, zip_bytes)  # noqa: F401

EVIL = "evil-1.0-any.tar.gz"


@pytest.fixture
def native(tmp_path, burrow):
    """An env holding bundle good 1.0; install(filename, data) adds a bundle
    evil 1.0 with those bytes pinned by their real sha256."""
    repo = tmp_path / "repo"
    repo.mkdir()
    src = make_tree(tmp_path / "src", {"bin/good": ("#!/bin/sh\necho good\n", 0o755)})
    good = burrow.pack(src, "good", "1.0", repo)
    env = tmp_path / "app"
    m = tmp_path / "good.toml"
    m.write_text(manifest_text(["repo"], [("good", "1.0", [sha256(good)])]))
    burrow("create", env, "--manifest", m, check=0)

    class Scene:
        def write(self, data, filename=EVIL, name="evil"):
            (repo / filename).write_bytes(data)
            pin = sha256_bytes(data)
            mf = tmp_path / "evil.toml"
            mf.write_text(manifest_text(["repo"], [("good", "1.0", [sha256(good)]),
                                                   (name, "1.0", [pin])]))
            return mf, pin

        def refuse(self, data, *needles, filename=EVIL, name="evil", code=6):
            mf, pin = self.write(data, filename, name)
            before = Before(tmp_path, env)
            p = burrow("install", env, "--manifest", mf)
            print(p.stderr)
            refused(p, code, filename, *needles)
            before.check(allow_archive=pin)
            # the hostile archive was not unpacked, so a retry refuses it again
            p = burrow("install", env, "--manifest", mf)
            refused(p, code, filename)
            before.check(allow_archive=pin)
            return p

    s = Scene()
    s.env, s.repo, s.tmp = env, repo, tmp_path
    return s


def smuggled(name):
    """A tar header + data for a file named name, to hide inside a body."""
    return tar_header(name, 4, mode=0o755) + pad(b"pwn\n")


def pax_member(name, ustar_size, pax_size, body):
    rec = pax_record("path", name) + pax_record("size", str(pax_size))
    return (tar_header("PaxHeaders/x", len(rec), b"x") + pad(rec) +
            tar_header(name, ustar_size) + pad(body))


def raw_bundle(*blocks, info=True):
    """A tar of raw blocks, then a valid bundle-info, then the end blocks."""
    tail = tar_bytes(__import__("hostile").bundle_info_members("evil", "1.0", [])) if info else \
        b"\0" * 1024
    return bundle_bytes("evil", "1.0", [], raw=b"".join(blocks) + tail)


TAR = {
    # names
    "dotdot": ([M("../evil-dotdot", data=b"x")], 'entry "../evil-dotdot"'),
    "dotdot-inner": ([M("bin/../../evil-dotdot", data=b"x")], "bin/../../evil-dotdot"),
    "absolute": ([M("/tmp/evil-abs", data=b"x")], "/tmp/evil-abs"),
    "absolute-many-slashes": ([M("////tmp/evil-abs", data=b"x")], "tmp/evil-abs"),
    "backslash": ([M("bin\\..\\..\\evil", data=b"x")], "bin\\\\..\\\\..\\\\evil"),
    "control-escape": ([M("bin/a\x1b[31mred", data=b"x")], "bin/a\\x1b[31mred"),
    "control-newline": ([M("bin/a\nb", data=b"x")], "bin/a\\nb"),
    "del-byte": ([M("bin/a\x7f", data=b"x")], "bin/a\\x7f"),
    "c1-csi": ([M("bin/a\u009b31m", data=b"x")], "bin/a"),
    "long-component": ([M("bin/" + "a" * 300, data=b"x")], "bin/aaaa"),
    "long-path": ([M("/".join(["d" * 200] * 25), data=b"x")], "dddd"),
    "deep": ([M("/".join(["d"] * 200), data=b"x")], "d/d/d"),
    "invalid-utf8": ([M("bin/\udcff\udcfe", data=b"x")], "bin/\\xff\\xfe"),
    "overlong-utf8": ([M("bin/\udcc0\udcaf", data=b"x")], "bin/\\xc0\\xaf"),
    "surrogate-utf8": ([M("bin/\udced\udca0\udc80", data=b"x")], "bin/\\xed"),
    "nfc-nfd-twins": ([M("share/caf\u00e9", data=b"1"), M("share/cafe\u0301", data=b"2")],
                      "share/caf"),
    "case-twins": ([M("share/README", data=b"1"), M("share/readme", data=b"2")],
                   "share/readme"),
    "case-twin-dirs": ([M("share/Doc/a", data=b"1"), M("share/doc/b", data=b"2")], "share/doc"),
    "duplicate": ([M("bin/x", data=b"1"), M("bin/x", data=b"2")], 'entry "bin/x": duplicate'),
    "duplicate-dir-then-file": ([M("share/x", "dir"), M("share/x", data=b"2")], "share/x"),
    "file-then-child": ([M("share/x", data=b"1"), M("share/x/y", data=b"2")], "share/x/y"),
    # links and special files
    "symlink-escape": ([M("lib/lnk", "symlink", "../../outside")], "lib/lnk"),
    "symlink-absolute": ([M("lib/lnk", "symlink", "/etc")], "lib/lnk"),
    "symlink-dotdot-after-name": ([M("lib/lnk", "symlink", "x/../../..")], "lib/lnk"),
    "symlink-then-write-through": ([M("share", "dir"), M("lib/lnk", "symlink", "../share"),
                                    M("lib/lnk/evil", data=b"x")], "lib/lnk/evil"),
    "symlink-outside-then-write-through": ([M("lnk", "symlink", "/tmp"),
                                            M("lnk/evil", data=b"x")], "lnk"),
    "symlink-replaces-dir": ([M("share/d", "dir"), M("share/d", "symlink", "/tmp")], "share/d"),
    "hardlink": ([M("bin/a", data=b"x"), M("bin/b", "hardlink", "bin/a")], "bin/b"),
    "hardlink-outside": ([M("bin/b", "hardlink", "/etc/passwd")], "bin/b"),
    "char-device": ([M("dev/null", "chr")], "dev/null"),
    "block-device": ([M("dev/sda", "blk")], "dev/sda"),
    "fifo": ([M("run/fifo", "fifo")], "run/fifo"),
}


@pytest.mark.parametrize("case", sorted(TAR), ids=ids(sorted(TAR)))
def test_tar_members(native, case):
    members, needle = TAR[case]
    fmt = tarfile.GNU_FORMAT if "utf8" in case else tarfile.PAX_FORMAT
    data = bundle_bytes("evil", "1.0", members, fmt=fmt)
    p = native.refuse(data, needle)
    # hostile bytes never reach the terminal raw
    for c in "\x1b\x7f\u009b":
        assert c not in p.stderr
    assert not os.path.exists("/tmp/evil-abs")
    assert not (native.tmp / "evil-dotdot").exists() and not (native.tmp / "outside").exists()


RAW = {
    # PAX says 0, ustar says 512: libarchive would read the body as headers
    # and extract the smuggled file (TARmageddon, inverted)
    "pax-size-smaller": (lambda: raw_bundle(pax_member("share/carrier", 512, 0,
                                                       smuggled("bin/smuggled"))),
                         "share/carrier"),
    # ustar says 0, PAX says 512 (tokio-tar CVE-2025-62518)
    "pax-size-larger": (lambda: raw_bundle(pax_member("share/carrier", 0, 512,
                                                      smuggled("bin/smuggled"))),
                        "share/carrier"),
    "pax-size-garbage": (lambda: raw_bundle(pax_member("share/carrier", 4, "4x", b"abcd")),
                         "share/carrier"),
    "dir-with-data": (lambda: raw_bundle(tar_header("share/d/", 512, b"5") +
                                         smuggled("bin/smuggled")), "share/d"),
    "entry-size-over-limit": (lambda: raw_bundle(tar_header("share/huge", 0) [:124] +
                                                 b"\x80" + b"\0" * 6 + struct.pack(">Q", 3 << 30)
                                                 [3:] + tar_header("share/huge", 0)[136:],
                                                 info=False),
                              "share/huge"),
}


def fix_checksum(h):
    h = bytearray(h)
    h[148:156] = b" " * 8
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)


@pytest.mark.parametrize("case", sorted(RAW), ids=ids(sorted(RAW)))
def test_tar_desync(native, case):
    make, needle = RAW[case]
    data = make()
    if case == "entry-size-over-limit":
        raw = __import__("gzip").decompress(data)
        data = bundle_bytes("evil", "1.0", [], raw=fix_checksum(raw[:512]) + raw[512:])
    p = native.refuse(data, needle)
    assert "smuggled" not in p.stderr or "bin/smuggled" not in os.listdir(native.env / "bin")
    assert not (native.env / "bin" / "smuggled").exists()
    if case == "entry-size-over-limit":
        assert "per-entry limit" in p.stderr


def test_hostile_tar_bomb_ratio(native):
    data = bundle_bytes("evil", "1.0", [M("share/zeros", data=b"\0" * (64 << 20))])
    assert len(data) < 200 << 10
    native.refuse(data, "share/zeros", "compression ratio exceeds 200")


@pytest.mark.parametrize("case", ids(["gzip-cut", "tar-cut-in-data", "tar-cut-in-header",
                                      "not-a-tar", "empty"]))
def test_truncated_bundles(native, case):
    members = [M("share/a", data=os.urandom(20000)), M("share/b", data=b"b")]
    raw = tar_bytes(members + __import__("hostile").bundle_info_members("evil", "1.0", members))
    if case == "hostile-gzip-cut":
        data = bundle_bytes("evil", "1.0", [], raw=raw)
        data = data[:len(data) // 2]
    elif case == "hostile-tar-cut-in-data":
        data = bundle_bytes("evil", "1.0", [], raw=raw[:512 + 10000])
    elif case == "hostile-tar-cut-in-header":
        data = bundle_bytes("evil", "1.0", [], raw=raw[:512 * 2 + 20000 // 512 * 512 + 100])
    elif case == "hostile-not-a-tar":
        data = zip_bytes([Z("share/a", b"x")])
    else:
        data = b""
    native.refuse(data)


def test_hostile_modes_are_masked(native, burrow):
    """setuid, setgid, sticky and world-writable bits never reach the env."""
    members = [M("bin", "dir", mode=0o777), M("bin/suid", data=b"#!/bin/sh\n", mode=0o4755),
               M("bin/sgid", data=b"#!/bin/sh\n", mode=0o2711),
               M("share/sticky", "dir", mode=0o1777), M("share/sticky/ww", data=b"w", mode=0o666),
               M("share/ww-x", data=b"w", mode=0o777), M("share/ro", data=b"r", mode=0o400)]
    mf, pin = native.write(bundle_bytes("evil", "1.0", members))
    burrow("install", native.env, "--manifest", mf, check=0)
    env = native.env
    modes = {p: os.lstat(env / p).st_mode & 0o7777 for p in
             ("bin", "bin/suid", "bin/sgid", "share/sticky", "share/sticky/ww", "share/ww-x",
              "share/ro")}
    assert modes == {"bin": 0o755, "bin/suid": 0o755, "bin/sgid": 0o755, "share/sticky": 0o755,
                     "share/sticky/ww": 0o644, "share/ww-x": 0o755, "share/ro": 0o644}
    for dirpath, dirnames, filenames in os.walk(env):
        for n in dirnames + filenames:
            st = os.lstat(os.path.join(dirpath, n))
            assert not st.st_mode & 0o7002, (os.path.join(dirpath, n), oct(st.st_mode))
    assert burrow("run", env, "--", "good", check=0).stdout == "good\n"


def test_hostile_bundle_identity_and_record(native):
    """The bundle-info must be the pinned bundle's, and RECORD must hold."""
    other = bundle_bytes("other", "1.0", [M("share/o", data=b"o")])
    native.refuse(other)
    members = [M("share/a", data=b"a")]
    raw = tar_bytes(members + __import__("hostile").bundle_info_members("evil", "1.0", [
        M("share/a", data=b"b")]))
    native.refuse(bundle_bytes("evil", "1.0", [], raw=raw), "share/a")


# -- wheels: the ZIP differentials ----------------------------------------

def zap(files=None, **kw):
    return wheel_entries("zap", "1.0", files or {"zap/__init__.py": b"x = 1\n"}, **kw)


def z_local_only():
    e = zap()
    extra = Z("zap/hidden.py", b"import os\n")
    extra.in_cd = False
    return e[:1] + [extra] + e[1:]


def z_cd_only():
    e = zap()
    e[0].in_local = False
    return e


def z_local(field, value):
    def make():
        e = zap()
        e[0].local[field] = value
        return e
    return make


def z_stacked():
    return zip_bytes([Z("zap/other.py", b"y")]) + zip_bytes(zap())


def z_unicode_extra():
    e = zap({"zap/a.py": b"a"})
    uname = "zap/b.py".encode()
    field = struct.pack("<BI", 1, __import__("zlib").crc32(e[0].name)) + uname
    e[0].extra = e[0].cd_extra = struct.pack("<HH", 0x7075, len(field)) + field
    return e


def z_bomb_ratio():
    e = zap({"zap/zeros.bin": b"\0" * (8 << 20)})
    e[0].size = e[0].local_size = 1 << 30     # claims 1 GiB from ~8 KiB
    e[0].local["size"] = 1 << 30
    return e


def z_bomb_total():
    big = []
    for i in range(5):
        z = Z("zap/big%d.bin" % i, b"")
        z.comp = os.urandom(1) * (4300 << 10)       # not inflated: refused before
        z.comp_size = len(z.comp)
        z.size = 0xF0000000                          # 3.75 GiB each, ratio ~893
        z.crc = 0
        big.append(z)
    return zap() + big


def z_symlink():
    e = zap()
    e.append(Z("zap/link", b"../../../etc/passwd", method=0, mode=0o120777))
    return e


ZIP = {
    "local-header-missing-from-cd": (z_local_only, ""),
    "cd-entry-without-local-header": (z_cd_only, ""),
    "name-differs": (z_local("name", b"zap/__init__.pz"), "zap/__init__.py"),
    "size-differs": (z_local("size", 999), "zap/__init__.py"),
    "crc-differs": (z_local("crc", 1234), "zap/__init__.py"),
    "method-differs": (z_local("method", 0), "zap/__init__.py"),
    "data-after-end-record": (lambda: zip_bytes(zap(), trailing=b"PK\x03\x04junk"), ""),
    "second-end-record-in-comment": (lambda: zip_bytes(zap(), comment=zip_bytes([])), ""),
    "stacked-archives": (z_stacked, ""),
    "prepended-data": (lambda: b"MZ" + b"\0" * 100 + zip_bytes(zap()), ""),
    "cd-offset-wrong": (lambda: zip_bytes(zap(), cd_offset_delta=-1), ""),
    "unicode-path-extra-disagrees": (z_unicode_extra, "zap/a.py"),
    "nul-in-name": (lambda: zap() + [Z(b"zap/a\0b.py", b"x")], "zap/a\\x00b.py"),
    "dotdot-name": (lambda: zap() + [Z("../../evil.py", b"x")], "../../evil.py"),
    "absolute-name": (lambda: zap() + [Z("/tmp/evil-abs.py", b"x")], "/tmp/evil-abs.py"),
    "backslash-name": (lambda: zap() + [Z("zap\\..\\..\\evil.py", b"x")], "zap\\\\..\\\\"),
    "duplicate-name": (lambda: zap() + [Z("zap/__init__.py", b"y = 2\n")], "zap/__init__.py"),
    "case-twin": (lambda: zap() + [Z("ZAP/__init__.py", b"y")], "ZAP/__init__.py"),
    "nfd-name": (lambda: zap({"zap/caf\u00e9.py": b"1", "zap/cafe\u0301.py": b"2"}), "zap/cafe"),
    "invalid-utf8-name": (lambda: zap() + [Z(b"zap/\xff.py", b"x")], "zap/\\xff.py"),
    "non-utf8-flag-name": (lambda: zap() + [Z("zap/\u00e9.py", b"x", flags=0)], "zap/"),
    "symlink-member": (z_symlink, "zap/link"),
    "encrypted": (lambda: [Z(z.name, z.data, flags=z.flags | 1) for z in zap()], ""),
    "bomb-ratio": (z_bomb_ratio, "ratio"),
    "bomb-total-size": (z_bomb_total, "total"),
    "truncated": (lambda: zip_bytes(zap())[:-30], ""),
}


@pytest.mark.parametrize("case", sorted(ZIP), ids=ids(sorted(ZIP)))
def test_zip_differentials(pyenv, case):
    make, needle = ZIP[case]
    p = pyenv.refuse(make(), *([needle] if needle else []))
    assert "\x00" not in p.stderr
    assert not os.path.exists("/tmp/evil-abs.py")


# -- compression trailers and trailing data (issue 15) ----------------------
# libarchive's gzip reader checks neither the CRC-32 nor the length in a
# member's trailer and stops quietly at bytes that are no further member:
# burrow inflates gzip with zlib first (unpack.c prescan).  xz and zstd
# carry their own checks, which libarchive enforces; these cases pin that.

def packed(native, burrow, compression):
    src = make_tree(native.tmp / ("src-" + compression),
                    {"bin/evil": ("#!/bin/sh\necho evil\n", 0o755)})
    out = native.tmp / ("out-" + compression)
    path = burrow.pack(src, "evil", "1.0", out, compression=compression)
    return os.path.basename(path), open(path, "rb").read()


def gz_bad_crc(d):
    return d[:-8] + bytes([d[-8] ^ 1]) + d[-7:]


def gz_bad_isize(d):
    return d[:-4] + bytes([d[-4] ^ 1]) + d[-3:]


TRAILER_CASES = {
    # name: (compression, corrupt(data), what the message says)
    "gz-bad-crc": ("gz", gz_bad_crc, "incorrect data check"),
    "gz-bad-length": ("gz", gz_bad_isize, "incorrect length check"),
    "gz-trailing-junk": ("gz", lambda d: d + b"JUNK" * 8, "32 bytes of trailing data"),
    "gz-trailing-zeros": ("gz", lambda d: d + b"\0" * 512, "trailing data"),
    "gz-truncated-trailer": ("gz", lambda d: d[:-5], "truncated gzip stream"),
    "gz-second-member-garbage": ("gz", lambda d: d + b"\x1f\x8bgarbage", "corrupt gzip"),
    "xz-trailing-junk": ("xz", lambda d: d + b"JUNK" * 8, "xz"),
    "xz-bad-check": ("xz", lambda d: d[:-30] + bytes([d[-30] ^ 1]) + d[-29:], ""),
    "zst-trailing-junk": ("zst", lambda d: d + b"JUNK" * 8, ""),
    "zst-bad-checksum": ("zst", lambda d: d[:-2] + bytes([d[-2] ^ 1]) + d[-1:], ""),
}


@pytest.mark.parametrize("case", ids(sorted(TRAILER_CASES)))
def test_compression_trailer(native, burrow, case):
    compression, corrupt, needle = TRAILER_CASES[case[len("hostile-"):]]
    fn, data = packed(native, burrow, compression)
    p = native.refuse(corrupt(data), filename=fn)
    assert needle.lower() in p.stderr.lower(), p.stderr


def test_hostile_gzip_of_two_members_is_accepted(native, burrow):
    """Concatenated gzip members are one valid stream (gzip(1), Python's
    gzip module and libarchive all read them): not trailing data."""
    import gzip
    fn, data = packed(native, burrow, "gz")
    raw = gzip.decompress(data)
    two = gzip.compress(raw[:1024], mtime=0) + gzip.compress(raw[1024:], mtime=0)
    mf, pin = native.write(two, fn)
    p = burrow("install", native.env, "--manifest", mf)
    assert p.returncode == 0, p.stderr
    assert burrow("run", native.env, "--", "evil", check=0).stdout == "evil\n"


def test_hostile_too_many_entries_refused_before_extracting(native, burrow):
    """200,001 empty files: refused by counting the headers before anything
    is written (a tar has no directory; the extraction would create 200,000
    files before the limit tripped)."""
    blocks = [tar_header("f%06d" % i, 0) for i in range(200001)]
    data = bundle_bytes("evil", "1.0", [], raw=b"".join(blocks) + b"\0" * 1024)
    p = native.refuse(data, "more than 200000 entries", "before extracting")
