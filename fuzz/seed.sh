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
put hive $(find "$fx/hives" -type f ! -name '*.sh' ! -name '*.py' ! -name '*.LOG*')

# Transaction logs: [u32 LE length of LOG1][LOG1][LOG2] of each dirty fixture hive.
python3 - "$fx/hives" "$c/hive_log" <<'PY'
import os, struct, sys
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
for root in ("dirty-hvle", "dirty-dirt"):
    cfg = os.path.join(src, root, "Windows", "System32", "config")
    for hive in ("SOFTWARE", "SYSTEM"):
        logs = []
        for suffix in ("LOG1", "LOG2"):
            p = os.path.join(cfg, hive + "." + suffix)
            logs.append(open(p, "rb").read() if os.path.exists(p) else b"")
        seed = struct.pack("<I", len(logs[0])) + logs[0] + logs[1]
        open(os.path.join(out, "seed-%s-%s" % (root, hive)), "wb").write(seed)
PY
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
echo "seeded:"; for d in "$c"/*/; do printf '  %-8s %s files\n' "$(basename "$d")" "$(ls "$d" | wc -l)"; done
