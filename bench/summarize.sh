#!/usr/bin/env bash
# Benchmark: `oemgate summarize` over N evidence records (default 100,000) in one folder,
# with --csv. The records are made from real ones: `oemgate check --evidence` on the
# fixtures (an allowed and two blocked cases), then copied N times with a new serial,
# time and verdict mix by python3. Prints wall time and peak memory (max RSS) of
# `summarize`, and checks the CSV has N rows. Usage: bench/summarize.sh [N] [BIN]
# (BIN: default a release build, made here).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
BIN=${2:-}
if [ -z "$BIN" ]; then
  cargo build --release --quiet
  BIN=target/release/oemgate
fi
WORK=bench/work/summarize-$N
SEED=bench/work/summarize-seed
rm -rf "$SEED"
mkdir -p "$SEED"
M=(--image fixtures/images/multi.wim --no-offline-os --machine-arch x64 --machine-firmware uefi64 --evidence "$SEED")
"$BIN" check "${M[@]}" --index 1 --acpi-dir fixtures/firmware/pro --licensed-version 11 --licensed-language en-US >/dev/null
"$BIN" check "${M[@]}" --index 8 --acpi-dir fixtures/firmware/core --licensed-language ja-JP >/dev/null || true
"$BIN" check "${M[@]}" --index 1 --acpi-dir fixtures/firmware/pro --licensed-language ja-JP >/dev/null || true
if [ ! -d "$WORK" ]; then
  echo "making $N records in $WORK..." >&2
  python3 - "$SEED" "$WORK" "$N" <<'PY'
import json, os, sys
seed, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(out)
seeds = [json.load(open(os.path.join(seed, f))) for f in sorted(os.listdir(seed)) if f.endswith(".json")]
for i in range(n):
    r = seeds[i % len(seeds)]
    r["machine"]["serial"] = f"SN{i:08d}"
    r["time"] = f"2026-12-02T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}.000Z"
    name = f"oemgate-20261202T000000000Z-SN{i:08d}-{i:016x}.json"
    with open(os.path.join(out, name), "w") as f:
        json.dump(r, f, indent=2)
PY
fi
echo "records: $N in $WORK ($(du -sh "$WORK" | cut -f1))"
sync
CSV=bench/work/summarize-$N.csv
/usr/bin/time -f "wall %e s, peak RSS %M KiB" "$BIN" summarize "$WORK" --csv "$CSV" >/dev/null
rows=$(($(wc -l <"$CSV") - 1))
echo "CSV rows: $rows"
[ "$rows" -eq "$N" ] || { echo "expected $N rows" >&2; exit 1; }
