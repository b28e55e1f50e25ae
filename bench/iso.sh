#!/usr/bin/env bash
# Benchmark: `oemgate inspect` on a sparse ISO of more than 4 GiB (its install.wim
# is a real small WIM followed by a hole, recorded as a multi-extent ISO 9660 file)
# vs `7z l` on the same ISO and vs extract-then-`wimlib-imagex info`.
# Prints median wall times and the bytes oemgate reads (strace).
# Usage: bench/iso.sh. Needs wimtools, xorriso, 7zip, hyperfine, strace (optional).
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=bench/work/iso
mkdir -p "$WORK"
cargo build --release --quiet
BIN=$PWD/target/release/oemgate
SZ=$(command -v 7zz || command -v 7z)
ISO="$WORK/big.iso"

if [ ! -f "$ISO" ]; then
  echo "making $ISO (sparse, 4.3 GiB)..."
  rm -rf "$WORK/m" "$WORK/tree" && mkdir -p "$WORK/m/sources" "$WORK/tree/Windows"
  echo hello > "$WORK/tree/Windows/a.txt"
  wimlib-imagex capture "$WORK/tree" "$WORK/m/sources/install.wim" "Windows 11 Pro" >/dev/null
  wimlib-imagex info "$WORK/m/sources/install.wim" 1 --image-property WINDOWS/EDITIONID=Professional >/dev/null
  truncate -s 4400M "$WORK/m/sources/install.wim"
  xorriso -report_about SORRY -as mkisofs -iso-level 3 -J -no-pad -o - "$WORK/m" 2>/dev/null \
    | dd of="$ISO" bs=1M iflag=fullblock conv=sparse status=none
fi
ls -ls "$ISO"

hyperfine --warmup 3 --runs 30 -N --export-json "$WORK/fast.json" \
  "$BIN inspect $ISO" "$SZ l $ISO" >/dev/null
hyperfine --runs 3 --export-json "$WORK/extract.json" \
  --prepare "rm -rf $WORK/x" \
  "$SZ x -y -o$WORK/x $ISO sources/install.wim >/dev/null && wimlib-imagex info $WORK/x/sources/install.wim >/dev/null" >/dev/null
rm -rf "$WORK/x"

READ=-
if command -v strace >/dev/null; then
  # bytes returned by reads on the ISO's descriptor, from the moment it is opened
  READ=$(strace -e trace=openat,read,pread64 "$BIN" inspect "$ISO" 2>&1 >/dev/null \
    | awk -F'= ' -v iso="$ISO" 'index($0, "openat(") && index($0, iso) {fd = $NF; next}
        fd != "" && $0 ~ "^(read|pread64)\\(" fd "," {s += $NF} END {print s+0}')
fi

python3 - "$WORK/fast.json" "$WORK/extract.json" "$READ" <<'PY'
import json, sys
fast = json.load(open(sys.argv[1]))["results"]
ext = json.load(open(sys.argv[2]))["results"][0]
print(f"oemgate inspect ISO            median {fast[0]['median']*1000:9.2f} ms   (bytes read from the ISO: {sys.argv[3]})")
print(f"7z l ISO                       median {fast[1]['median']*1000:9.2f} ms")
print(f"7z x + wimlib-imagex info      median {ext['median']*1000:9.2f} ms")
PY
