#!/usr/bin/env python3
"""Derive oemgate's built-in key-group facts from Microsoft's public key configuration data.

Usage:
    generate.py INPUTS_DIR [--out groups.tsv] [--check]

INPUTS_DIR holds the fetched `pkeyconfig*.xrm-ms` files as INPUTS_DIR/<build>/<file>, one
folder per build, as listed in `inputs.tsv` beside this script (label, build, origin, file);
the label names one input file in the output.
The script never downloads anything: fetch the files named in inputs.tsv yourself (they are
Microsoft's files and are never committed here).

Each file is XrML; its `tm:infoBin name="pkeyConfigData"` is base64 of a UTF-8 or UTF-16
`ProductKeyConfiguration` XML whose `Configurations/Configuration` elements carry RefGroupId,
EditionId, ProductDescription and ProductKeyType. The output is one row per key group:

    group_id  edition_id  key_type  release  first  last  inputs

taken from the newest input that lists the group (inputs are ordered by build in inputs.tsv),
plus a header recording every input's SHA-256 and group count, and every group whose
EditionId or key type differs between inputs. `--check` compares the output with the
committed file instead of writing it (exit 1 on a difference).
"""

import base64
import hashlib
import os
import re
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
MANIFEST = os.path.join(HERE, "inputs.tsv")
DEFAULT_OUT = os.path.join(HERE, "groups.tsv")
# A placeholder id Microsoft's files give to unrelated configurations (no real key uses it).
SKIP_GROUPS = {999999}
MAX_FILE = 8 << 20

# ProductDescription prefix -> release name as oemgate reports it. Longest prefix first.
RELEASES = [
    ("Win 8.1 ", "Windows 8.1"),
    ("Win 8 ", "Windows 8"),
    ("Win 10 RS1 ", "Windows 10"),
    ("Win 10 Pre-Release ", "Windows 10 (pre-release)"),
    ("Win 10 ", "Windows 10/11"),
    ("Win 11 ", "Windows 11"),
    ("Win11 ", "Windows 11"),
    ("Win 2021 ", "Windows 10/11 LTSC 2021"),
    ("Win 2024 ", "Windows 11 LTSC 2024"),
    ("Win Next ", "Windows (pre-release)"),
    ("WinNext ", "Windows (pre-release)"),
    ("Windows Server Essentials 2012 R2 ", "Windows Server 2012 R2 Essentials"),
    ("Windows Server Essentials 2012 ", "Windows Server 2012 Essentials"),
    ("Windows Server Essentials 2016 ", "Windows Server 2016 Essentials"),
    ("Windows Server Essentials 2019 ", "Windows Server 2019 Essentials"),
    ("Windows Server Essentials Next ", "Windows Server Essentials (pre-release)"),
    ("Windows Server 12 R2 ", "Windows Server 2012 R2"),
    ("Windows Server 2012 R2 ", "Windows Server 2012 R2"),
    ("Windows Server 2012 ", "Windows Server 2012"),
    ("Windows Server 2016 ", "Windows Server 2016"),
    ("Windows Server 2019 ", "Windows Server 2019"),
    ("Windows Server 2021 ", "Windows Server 2022"),
    ("Windows Server 2025 ", "Windows Server 2025"),
    ("Windows Server Next ", "Windows Server (pre-release)"),
    ("WinServer Next ", "Windows Server (pre-release)"),
    ("WinServerSolutions Next ", "Windows Server Essentials (pre-release)"),
    ("Windows Embedded Industry 8.1 ", "Windows Embedded 8.1 Industry"),
    ("Windows Embedded Industry 8 ", "Windows Embedded 8 Industry"),
    ("Windows Embedded Industry Next ", "Windows Embedded Industry (pre-release)"),
    ("Windows Embedded Standard 8 ", "Windows Embedded 8 Standard"),
    ("Storage Server 2012 R2 ", "Windows Storage Server 2012 R2"),
    ("Storage Server 2012 ", "Windows Storage Server 2012"),
    ("Storage Server 2016 ", "Windows Storage Server 2016"),
    ("MultiPoint Server 2012 ", "Windows MultiPoint Server 2012"),
    ("ServerCloudStorage 12 R2 ", "Windows Server 2012 R2"),
    ("ServerCloudStorage 2016 ", "Windows Server 2016"),
    ("ServerCloudStorage Next ", "Windows Server (pre-release)"),
    ("Windows 7 ", "Windows 7"),
]


def release_of(description):
    for prefix, name in sorted(RELEASES, key=lambda p: -len(p[0])):
        if description.startswith(prefix):
            return name
    return "unknown"


def clean(text):
    """A field as it goes into the TSV: no tabs or newlines."""
    return re.sub(r"\s+", " ", (text or "").strip())


def configurations(path):
    size = os.path.getsize(path)
    if size > MAX_FILE:
        raise SystemExit(f"{path}: {size} bytes, more than {MAX_FILE}")
    data = open(path, "rb").read()
    text = data.decode("utf-8-sig", errors="strict") if not data.startswith(b"\xff\xfe") else data.decode("utf-16")
    m = re.search(r'<tm:infoBin name="pkeyConfigData">([^<]*)</tm:infoBin>', text)
    if not m:
        raise SystemExit(f"{path}: no pkeyConfigData")
    raw = base64.b64decode(m.group(1), validate=False)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        xml = raw.decode("utf-16")
    else:
        xml = raw.decode("utf-8-sig")
    xml = re.sub(r"^\s*<\?xml[^>]*\?>", "", xml)
    root = ET.fromstring(xml)
    ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    out = []
    for c in root.iter(ns + "Configuration"):
        fields = {child.tag[len(ns):]: clean(child.text) for child in c}
        out.append(fields)
    return out


def read_manifest():
    rows = []
    for line in open(MANIFEST, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        label, build, origin, name = line.split("\t")
        rows.append((label, int(build), origin, name))
    return rows


def generate(inputs_dir):
    manifest = read_manifest()
    groups = {}  # id -> dict
    seen = {}  # id -> set of (edition, type)
    header = []
    for label, build, origin, name in manifest:
        path = os.path.join(inputs_dir, str(build), name)
        digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
        ids = set()
        for c in configurations(path):
            try:
                g = int(c.get("RefGroupId", ""))
            except ValueError:
                continue
            if g in SKIP_GROUPS or g < 0:
                continue
            edition, key_type = c.get("EditionId", ""), c.get("ProductKeyType", "")
            ids.add(g)
            seen.setdefault(g, set()).add((edition, key_type))
            row = groups.get(g)
            if row is None:
                row = groups[g] = {"first": label, "inputs": []}
            # Manifest order is build order: the newest input's facts win.
            row.update(edition=edition, key_type=key_type, release=release_of(c.get("ProductDescription", "")),
                       last=label)
            if label not in row["inputs"]:
                row["inputs"].append(label)
        header.append(f"# input\t{label}\t{build}\t{digest}\t{len(ids)}\t{origin}/{name}")
    lines = [
        "# oemgate built-in key groups: facts (group id -> EditionId, key type, release) derived from",
        "# Microsoft's public key configuration data (pkeyconfig*.xrm-ms), never the files themselves.",
        "# Generated by src/firmware/keygroups/generate.py from the inputs listed below; do not edit.",
        "# input lines: label, build, SHA-256 of the file, number of distinct groups it lists, origin.",
    ]
    lines += header
    for g in sorted(seen):
        if len(seen[g]) > 1:
            alts = "; ".join(f"{e} {t}" for e, t in sorted(seen[g]))
            lines.append(f"# differs between inputs\t{g}\t{alts}")
    lines.append("group_id\tedition_id\tkey_type\trelease\tfirst\tlast\tinputs")
    for g in sorted(groups):
        r = groups[g]
        lines.append("\t".join([str(g), r["edition"], r["key_type"], r["release"], r["first"], r["last"],
                                ",".join(r["inputs"])]))
    return "\n".join(lines) + "\n"


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    check = "--check" in argv
    out = DEFAULT_OUT
    if "--out" in argv:
        out = argv[argv.index("--out") + 1]
        args.remove(out)
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    text = generate(args[0])
    if check:
        committed = open(out, encoding="utf-8").read()
        if committed != text:
            print(f"{out} differs from what the inputs give", file=sys.stderr)
            return 1
        return 0
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
