#!/usr/bin/env bash
# Benchmark: `oemgate verify` vs `wimlib-imagex verify` on a ~400 MiB image of
# compressible data, as an LZX WIM and as a solid LZMS ESD (and uncompressed).
# Prints the median wall time of each (RUNS runs, default 5), the ratio, and peak
# memory (max RSS). Usage: bench/verify.sh [MIB] [RUNS]. Needs wimtools, python3.
# Release build (what ships); the images are made once into bench/work/.
set -euo pipefail
cd "$(dirname "$0")/.."
MIB=${1:-400}
RUNS=${2:-5}
WORK=bench/work
mkdir -p "$WORK"
cargo build --release --quiet
BIN=target/release/oemgate
TREE="$WORK/verify-tree-$MIB"

if [ ! -d "$TREE" ]; then
  echo "making $TREE (~$MIB MiB of text-like data)..." >&2
  python3 - "$TREE" "$MIB" <<'PY'
import os, random, sys
root, mib = sys.argv[1], int(sys.argv[2])
rng = random.Random(11)
words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 11))) for _ in range(4000)]
def text(n):
    out, size = [], 0
    while size < n:
        line = " ".join(rng.choice(words) for _ in range(rng.randint(4, 16))) + "\r\n"
        out.append(line)
        size += len(line)
    return "".join(out)[:n].encode()
# 90% in large files (3 MiB), 10% in small ones (20 KiB), like an OS image's mix.
big, small = (mib * 9 // 10) // 3, (mib * 1024 // 10) // 20
for i in range(big):
    d = os.path.join(root, "big", "d%02d" % (i // 50)); os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "f%04d.dat" % i), "wb").write(text(3 << 20))
for i in range(small):
    d = os.path.join(root, "small", "d%02d" % (i // 500)); os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "f%05d.txt" % i), "wb").write(text(20 << 10))
PY
fi

make() { # make FILE ARGS...
  local f=$1; shift
  [ -f "$f" ] || { echo "capturing $f..." >&2; wimlib-imagex capture "$TREE" "$f" bench "$@" >/dev/null; }
}
make "$WORK/verify-$MIB-lzx.wim" --compress=LZX
make "$WORK/verify-$MIB-solid.esd" --solid
make "$WORK/verify-$MIB-none.wim" --compress=none

python3 - "$BIN" "$RUNS" "$WORK/verify-$MIB-lzx.wim" "$WORK/verify-$MIB-solid.esd" "$WORK/verify-$MIB-none.wim" <<'PY'
import os, resource, statistics, subprocess, sys, time
bin_, runs, images = sys.argv[1], int(sys.argv[2]), sys.argv[3:]

def run(cmd):
    """Wall time of one run, and the peak RSS (KiB) of the child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed with exit code {p.returncode}")
    return wall

def rss(cmd):
    out = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return int(out.stderr.strip().splitlines()[-1])

print(f"{'image':<28} {'oemgate':>10} {'wimlib':>10} {'ratio':>7}   {'RSS ours':>10} {'RSS wimlib':>10}")
for img in images:
    ours_cmd, theirs_cmd = [bin_, "verify", img], ["wimlib-imagex", "verify", img]
    run(ours_cmd); run(theirs_cmd)  # warm the page cache
    ours, theirs = [], []
    for _ in range(runs):  # interleaved, so that load changes hit both alike
        ours.append(run(ours_cmd)); theirs.append(run(theirs_cmd))
    o, t = statistics.median(ours), statistics.median(theirs)
    size = os.path.getsize(img) >> 20
    name = f"{os.path.basename(img)} ({size} MiB)"
    print(f"{name:<28} {o:9.3f}s {t:9.3f}s {o / t:6.3f}x   {rss(ours_cmd):8d}KiB {rss(theirs_cmd):8d}KiB")
PY
