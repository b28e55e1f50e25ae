#!/usr/bin/env bash
# Benchmark (issue 12): `oemgate check` reads the image's own hives, kernel and key
# configuration; it must not be slower than `wimlib-imagex extract` of those files.
# A 100,000-file LZX image shaped like an installed Windows 11 Pro (hives by hivexsh via
# fixtures/tools/mkwintree.py, a pkeyconfig.xrm-ms by mkpkeyconfig.py, WinSxS-like
# manifests); median wall time and peak RSS of each tool over RUNS runs, and the ratios.
# Usage: bench/check.sh [FILES] [RUNS]   (defaults 100000, 9). Needs wimtools, hivex, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
FILES=${1:-100000}
RUNS=${2:-9}
WORK=bench/work
mkdir -p "$WORK"
WIM="$WORK/check-$FILES.wim"
cargo build --release --quiet
BIN=target/release/oemgate
if [ ! -f "$WIM" ]; then
  echo "making $WIM ($FILES files)..."
  rm -rf "$WORK/ctree"
  python3 fixtures/tools/mkwintree.py "$WORK/ctree" edition=Professional "product=Windows 11 Pro" type=Client \
    major=10 minor=0 build=22631 arch=x64 langs=en-US install_lang=0409 >/dev/null
  mkdir -p "$WORK/ctree/Windows/System32/spp/tokens/pkeyconfig"
  python3 fixtures/tools/mkpkeyconfig.py "$WORK/ctree/Windows/System32/spp/tokens/pkeyconfig/pkeyconfig.xrm-ms" \
    3305:Professional:OEM:DM:0-999999999 900001:Core:OEM:DM
  python3 bench/winsxs_tree.py "$WORK/ctree" "$FILES"
  wimlib-imagex capture "$WORK/ctree" "$WIM" "Windows 11 Pro" --compress=LZX >/dev/null
  rm -rf "$WORK/ctree"
fi
ls -l "$WIM"
python3 - "$BIN" "$WIM" "$RUNS" "$WORK" <<'PY'
import os, shutil, statistics, subprocess, sys, time
bin_, wim, runs, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
dest = os.path.join(work, "check-extract")

def run(cmd):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    return time.perf_counter() - t0, ru.ru_maxrss, os.waitstatus_to_exitcode(status), err

ours = [bin_, "check", "--image", wim, "--index", "1", "--acpi-dir", "fixtures/firmware/pro", "--no-offline-os",
        "--machine-arch", "x64", "--machine-firmware", "uefi64", "--licensed-version", "11",
        "--licensed-language", "en-US", "--json"]
files = ["/Windows/System32/config/SOFTWARE", "/Windows/System32/config/SYSTEM",
         "/Windows/System32/spp/tokens/pkeyconfig/pkeyconfig.xrm-ms"]
theirs = ["wimlib-imagex", "extract", wim, "1", *files, "--dest-dir", dest, "--no-acls"]
_, _, code, err = run(ours)
assert code == 0, f"oemgate check exited {code}: {err.decode()}"
a, b = [], []
for _ in range(runs):
    a.append(run(ours))
    shutil.rmtree(dest, ignore_errors=True)
    r = run(theirs)
    assert r[2] == 0, r[3].decode()
    b.append(r)
shutil.rmtree(dest, ignore_errors=True)
ta, tb = statistics.median(x[0] for x in a), statistics.median(x[0] for x in b)
ma, mb = max(x[1] for x in a), max(x[1] for x in b)
print(f"oemgate check (hives, kernel, pkeyconfig, firmware, rules): {ta*1000:8.1f} ms  {ma:8d} KiB")
print(f"wimlib-imagex extract of the 3 files:                        {tb*1000:8.1f} ms  {mb:8d} KiB")
print(f"ratio: time {ta/tb:.3f}x  memory {ma/mb:.3f}x  (target: time <= 1.0x)")
PY
