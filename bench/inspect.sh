#!/usr/bin/env bash
# Benchmark: `oemgate inspect` vs `wimlib-imagex info` on a WIM of ~100k small files.
# Prints the median wall time of each, their ratio, and peak memory (max RSS).
# Usage: bench/inspect.sh [FILES]   (default 100000). Needs wimtools, hyperfine.
set -euo pipefail
cd "$(dirname "$0")/.."
FILES=${1:-100000}
WORK=bench/work
mkdir -p "$WORK"
WIM="$WORK/files-$FILES.wim"
cargo build --release --quiet
BIN=target/release/oemgate

if [ ! -f "$WIM" ]; then
  echo "making $WIM ($FILES files)..."
  rm -rf "$WORK/tree" && mkdir -p "$WORK/tree"
  python3 - "$WORK/tree" "$FILES" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, "Windows", "WinSxS", "d%03d" % (i // 1000))
    if i % 1000 == 0:
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%06d.txt" % i), "w") as f:
        f.write("file %d\n" % i)
PY
  wimlib-imagex capture "$WORK/tree" "$WIM" "bench" --compress=LZX >/dev/null
  rm -rf "$WORK/tree"
fi
ls -l "$WIM"

hyperfine --warmup 3 --runs 30 -N --export-json "$WORK/inspect.json" \
  "$BIN inspect $WIM" "wimlib-imagex info $WIM" >/dev/null

rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
OURS_KB=$(rss "$BIN" inspect "$WIM")
THEIRS_KB=$(rss wimlib-imagex info "$WIM")

python3 - "$WORK/inspect.json" "$OURS_KB" "$THEIRS_KB" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
ours, theirs = r[0]["median"], r[1]["median"]
print(f"oemgate inspect    median {ours*1000:8.2f} ms   peak RSS {int(sys.argv[2]):7d} KiB")
print(f"wimlib-imagex info median {theirs*1000:8.2f} ms   peak RSS {int(sys.argv[3]):7d} KiB")
print(f"ratio (oemgate / wimlib): time {ours/theirs:.3f}x   memory {int(sys.argv[2])/int(sys.argv[3]):.3f}x")
PY
