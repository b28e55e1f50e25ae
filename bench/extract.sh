#!/usr/bin/env bash
# Benchmark: one small file out of a 100,000-file image, `oemgate extract --to-stdout`
# vs `wimlib-imagex extract --to-stdout`, on an LZX WIM and on the same image as a
# solid LZMS ESD. Prints each tool's median wall time and peak memory (max RSS of the
# process, from wait4) and the ratios, in one run.
# Usage: bench/extract.sh [FILES] [RUNS]   (defaults 100000, 15). Needs wimtools, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
FILES=${1:-100000}
RUNS=${2:-15}
WORK=bench/work
mkdir -p "$WORK"
WIM="$WORK/extract-$FILES.wim"
ESD="$WORK/extract-$FILES.esd"
cargo build --release --quiet
BIN=target/release/oemgate

if [ ! -f "$WIM" ]; then
  echo "making $WIM ($FILES files)..."
  rm -rf "$WORK/tree" && mkdir -p "$WORK/tree"
  # Shaped like WinSxS: 100 directories of 1,000 files, a few hundred bytes each.
  python3 bench/winsxs_tree.py "$WORK/tree" "$FILES"
  mkdir -p "$WORK/tree/Windows/System32"
  printf '{\\rtf1 the small file asked for}\n' > "$WORK/tree/Windows/System32/license.rtf"
  wimlib-imagex capture "$WORK/tree" "$WIM" "bench" --compress=LZX >/dev/null
  rm -rf "$WORK/tree"
fi
[ -f "$ESD" ] || wimlib-imagex export "$WIM" 1 "$ESD" --solid >/dev/null
ls -l "$WIM" "$ESD"
FILE=/Windows/System32/license.rtf

python3 - "$BIN" "$WIM" "$ESD" "$FILE" "$RUNS" <<'PY'
import os, statistics, subprocess, sys, time
bin_, wim, esd, path, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])

def run(cmd):
    """Wall time (s) and max RSS (KiB) of one run; stdout captured and returned."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    return dt, ru.ru_maxrss, out, code, err

for label, img in (("LZX WIM", wim), ("solid LZMS ESD", esd)):
    ours_cmd = [bin_, "extract", img, path, "--to-stdout"]
    theirs_cmd = ["wimlib-imagex", "extract", img, "1", path, "--to-stdout"]
    _, _, o, code, err = run(ours_cmd)
    _, _, t, _, _ = run(theirs_cmd)
    if code != 0:
        print(f"{label}: oemgate failed (exit {code}): {err.decode(errors='replace').strip()}")
        continue
    assert o == t, f"{label}: outputs differ"
    res = {}
    for name, cmd in (("oemgate", ours_cmd), ("wimlib", theirs_cmd)):
        samples = [run(cmd) for _ in range(runs)]
        res[name] = (statistics.median(s[0] for s in samples), max(s[1] for s in samples))
    (ot, om), (tt, tm) = res["oemgate"], res["wimlib"]
    print(f"{label}: one file ({len(o)} bytes), {runs} runs each")
    print(f"  oemgate extract --to-stdout        median {ot*1000:8.2f} ms   peak RSS {om:7d} KiB")
    print(f"  wimlib-imagex extract --to-stdout  median {tt*1000:8.2f} ms   peak RSS {tm:7d} KiB")
    print(f"  ratio (oemgate / wimlib): time {ot/tt:.3f}x   memory {om/tm:.3f}x")
PY
