#!/bin/sh
# Fill fuzz/corpus/<target>/ with the committed fixtures (copies; the corpora are
# not committed). Safe to re-run: existing corpus entries are kept.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
fx="$here/../fixtures"
c="$here/corpus"

put() { # put TARGET FILE...
    t=$1; shift
    mkdir -p "$c/$t"
    for f in "$@"; do
        [ -f "$f" ] || continue
        # Name seeds by their fixture path so re-running does not duplicate them.
        name=$(printf '%s' "${f#"$fx"/}" | tr '/' '_')
        cp "$f" "$c/$t/seed-$name"
    done
}

put wim "$fx"/images/*.wim "$fx"/images/*.esd "$fx"/images/*.swm
put iso "$fx"/iso/*.iso
put acpi $(find "$fx/firmware" -type f ! -name '*.md' ! -name '*.json' ! -name '*.py')
put hive $(find "$fx/hives" -type f ! -name '*.sh')
put policy "$fx"/policy/*.toml

# ei.cfg: the fixture ISOs are generated with these (see fixtures/iso/generate.sh);
# a few variants written here.
mkdir -p "$c/eicfg"
printf '[EditionID]\r\nProfessional\r\n[Channel]\r\nVolume\r\n[VL]\r\n1\r\n' >"$c/eicfg/seed-volume"
printf '[Channel]\nOEM\n' >"$c/eicfg/seed-oem"
printf '\357\273\277[EditionID]\n\n[Channel]\nRetail\n;comment\n' >"$c/eicfg/seed-bom"
printf '\377\376[\000C\000h\000a\000n\000n\000e\000l\000]\000\r\000\n\000V\000o\000l\000u\000m\000e\000' >"$c/eicfg/seed-utf16"

# The WIM XML data resources, cut out of the WIM fixtures by their header.
python3 - "$fx/images" "$c/wim_xml" <<'PY'
import os, struct, sys
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
for name in sorted(os.listdir(src)):
    if not name.endswith((".wim", ".esd", ".swm")):
        continue
    data = open(os.path.join(src, name), "rb").read()
    hdr = data[:208]
    if hdr[:8] == b"WLPWM\0\0\0" and len(data) >= 416:
        hdr = data[-208:]  # pipable: the complete header ends the file
    size = int.from_bytes(hdr[72:79], "little")
    offset, = struct.unpack_from("<Q", hdr, 80)
    if size and offset + size <= len(data):
        open(os.path.join(out, "seed-" + name + ".xml"), "wb").write(data[offset:offset + size])
PY
# The whole-engine target reads the images; the blob table target gets each image's
# blob table behind the two parameter bytes it reads (version, compression, part;
# image count).
put wim_engine "$fx"/images/*.wim "$fx"/images/*.esd "$fx"/images/*.swm
python3 - "$fx/images" "$c/blob_table" <<'PY'
import os, struct, sys
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
for name in sorted(os.listdir(src)):
    if not name.endswith((".wim", ".esd", ".swm")):
        continue
    data = open(os.path.join(src, name), "rb").read()
    hdr = data[:208]
    if hdr[:8] == b"WLPWM\0\0\0" and len(data) >= 416:
        hdr = data[-208:]
    version, flags = struct.unpack_from("<II", hdr, 12)
    part, = struct.unpack_from("<H", hdr, 40)
    images, = struct.unpack_from("<I", hdr, 44)
    comp = 1 if flags & 0x20000 else 2 if flags & 0x40000 else 3 if flags & 0x80000 else 0
    p = (1 if version == 0xE00 else 0) | comp << 1 | (part & 3) << 3 | 1 << 5  # chunk size 32K
    size = int.from_bytes(hdr[48:55], "little")
    offset, = struct.unpack_from("<Q", hdr, 56)
    if size and offset + size <= len(data):
        open(os.path.join(out, "seed-" + name + ".bt"), "wb").write(bytes([p, images & 255]) + data[offset:offset + size])
PY
echo "seeded:"; for d in "$c"/*/; do printf '  %-8s %s files\n' "$(basename "$d")" "$(ls "$d" | wc -l)"; done

# Uncompressed metadata resources (security data + directory tree) for the `metadata`
# target: cut out of every fixture (and of wimlib's test images when tests/setup.sh
# fetched them) after wimlib re-exports each uncompressed.
mkdir -p "$c/metadata"
tmp=$(mktemp -d)
for f in "$fx"/images/*.wim "$fx"/images/*.esd "$here"/../tests/cache/wimlib-test-images/*.wim; do
    [ -f "$f" ] || continue
    wimlib-imagex export "$f" 1 "$tmp/$(basename "$f").wim" --compress=none >/dev/null 2>&1 || continue
done
python3 - "$tmp" "$c/metadata" <<'PY'
import os, struct, sys
src, out = sys.argv[1], sys.argv[2]
for name in sorted(os.listdir(src)):
    data = open(os.path.join(src, name), "rb").read()
    size = int.from_bytes(data[48:55], "little")
    offset, = struct.unpack_from("<Q", data, 56)
    for e in range(offset, offset + size - 49, 50):
        flags = data[e + 7]
        if flags & 0x02 and not flags & 0x04:
            rsize = int.from_bytes(data[e:e + 7], "little")
            roff, = struct.unpack_from("<Q", data, e + 8)
            open(os.path.join(out, "seed-" + name + ".meta"), "wb").write(data[roff:roff + rsize])
PY
rm -rf "$tmp"
