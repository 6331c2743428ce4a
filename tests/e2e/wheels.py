"""Builds wheels for the tests, byte for byte under the test's control
(deterministic timestamps, a correct RECORD unless told otherwise)."""

import base64
import hashlib
import os
import zipfile


def _b64(data):
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def dist_name(name):
    return name.replace("-", "_")


def build_wheel(outdir, name, version, files=None, *, requires=(), entry_points=None,
                data=None, root_is_purelib=True, tag="py3-none-any", modes=None,
                wheel_version="1.0", summary="a test wheel", extra_metadata="",
                record_override=None, extra_members=None, skip_record=()):
    """files: {path: bytes|str} at the wheel root; data: {scheme: {path: content}}
    under NAME-VERSION.data/SCHEME/; entry_points: text of entry_points.txt;
    modes: {member: unix mode}; record_override: {member: (hash, size)};
    extra_members: {member: content} added without RECORD rows; skip_record:
    members written but left out of RECORD."""
    dn = dist_name(name)
    di = "%s-%s.dist-info" % (dn, version)
    dd = "%s-%s.data" % (dn, version)
    members = []

    def add(path, content):
        if isinstance(content, str):
            content = content.encode()
        members.append((path, content))

    for path, content in (files or {}).items():
        add(path, content)
    for scheme, entries in (data or {}).items():
        for path, content in entries.items():
            add("%s/%s/%s" % (dd, scheme, path), content)
    meta = "Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: %s\n" % (name, version, summary)
    for r in requires:
        meta += "Requires-Dist: %s\n" % r
    meta += extra_metadata
    add(di + "/METADATA", meta)
    add(di + "/WHEEL", "Wheel-Version: %s\nGenerator: burrow-tests\nRoot-Is-Purelib: %s\nTag: %s\n"
        % (wheel_version, "true" if root_is_purelib else "false", tag))
    if entry_points:
        add(di + "/entry_points.txt", entry_points)
    rows = []
    for path, content in members:
        if path in skip_record:
            continue
        h, size = (record_override or {}).get(path, ("sha256=" + _b64(content), len(content)))
        rows.append("%s,%s,%s" % (path, h, size))
    rows.append(di + "/RECORD,,")
    add(di + "/RECORD", "\n".join(rows) + "\n")
    for path, content in (extra_members or {}).items():
        add(path, content)
    fn = os.path.join(str(outdir), "%s-%s-%s.whl" % (dn, version, tag))
    os.makedirs(str(outdir), exist_ok=True)
    with zipfile.ZipFile(fn, "w", zipfile.ZIP_DEFLATED) as z:
        for path, content in members:
            zi = zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            mode = (modes or {}).get(path, 0o644)
            zi.external_attr = (0o100000 | mode) << 16
            z.writestr(zi, content)
    return fn


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()
