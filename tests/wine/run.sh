#!/usr/bin/env bash
# Build the Windows exe and run it under Wine against the Linux build (tests/it/wine.rs).
# Entry point for CI: tests/wine/run.sh [extra cargo test args]
#   1. winpe/build-exe.sh --with-probe (exe + test-only probe; checks imports/size)
#   2. test-only DLLs built with mingw-w64: bcryptprimitives.dll (ProcessPrng ->
#      RtlGenRandom) and faketsenv.dll (a stand-in task sequence environment COM object)
#   3. a Wine prefix in target/wineprefix, created once and reused within the run
#   4. OEMGATE_WINE_EXE=... cargo test --test it wine:: -- --include-ignored (the Wine
#      tests are #[ignore]d in a plain cargo test)
# env: OEMGATE_CHECK_REPRODUCIBLE=1 (build twice, compare), OEMGATE_WINEPREFIX (default target/wineprefix), OEMGATE_WIN_TARGET_DIR (default
#      target/windows), CARGO (default: cargo on PATH)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
t0=$(date +%s)
say() { echo "wine-tests: $* (+$(( $(date +%s) - t0 ))s)"; }

command -v wine >/dev/null || { echo "wine-tests: wine not found (tests/setup.sh installs wine wine64)" >&2; exit 1; }

# 1. the exe (OEMGATE_CHECK_REPRODUCIBLE=1: also a second build elsewhere, compared; ~2 min)
build_args=(--with-probe)
if [ "${OEMGATE_CHECK_REPRODUCIBLE:-0}" = 1 ]; then build_args+=(--check-reproducible); fi
winpe/build-exe.sh "${build_args[@]}"
WIN_TARGET="${OEMGATE_WIN_TARGET_DIR:-$ROOT/target/windows}"
EXE="$WIN_TARGET/x86_64-pc-windows-gnu/release/oemgate.exe"
PROBE="$WIN_TARGET/x86_64-pc-windows-gnu/release/examples/wine-probe.exe"
say "exe built"

# 2. the test-only shim
SHIM_DIR="$ROOT/target/wine-shim"
mkdir -p "$SHIM_DIR"
x86_64-w64-mingw32-gcc -shared -O2 -s -Wall -Werror \
  -o "$SHIM_DIR/bcryptprimitives.dll" tests/wine/bcryptprimitives.c -ladvapi32
# (objdump's output is read whole first: `objdump | grep -q` fails under pipefail when grep
# exits at the first match and objdump is killed by SIGPIPE)
shim_dump="$(x86_64-w64-mingw32-objdump -p "$SHIM_DIR/bcryptprimitives.dll")"
grep -q ' ProcessPrng$' <<<"$shim_dump" \
  || { echo "wine-tests: shim does not export ProcessPrng" >&2; exit 1; }
# test-only stand-in for the task sequence engine's COM object (registered by the test)
x86_64-w64-mingw32-gcc -shared -O2 -s -Wall -Werror \
  -o "$SHIM_DIR/faketsenv.dll" tests/wine/faketsenv.c tests/wine/faketsenv.def -lole32 -loleaut32 -luuid

# 3. the prefix (headless; no Mono/Gecko installers)
export WINEPREFIX="${OEMGATE_WINEPREFIX:-$ROOT/target/wineprefix}"
export WINEDEBUG=-all
export WINEARCH=win64
export WINEDLLOVERRIDES="mscoree,mshtml=;bcryptprimitives=n"
unset DISPLAY WAYLAND_DISPLAY
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  mkdir -p "$WINEPREFIX"
  wineboot -i >/dev/null 2>&1 || true
  wineserver -w
  [ -f "$WINEPREFIX/system.reg" ] || { echo "wine-tests: wineboot did not create $WINEPREFIX" >&2; exit 1; }
  say "Wine prefix created"
fi
cp "$SHIM_DIR/bcryptprimitives.dll" "$SHIM_DIR/faketsenv.dll" "$WINEPREFIX/drive_c/windows/system32/"

# 4. the comparison tests (the Linux build is built by cargo test itself)
status=0
OEMGATE_WINE_EXE="$EXE" OEMGATE_WINE_PROBE="$PROBE" \
  "${CARGO:-cargo}" test --test it wine:: "$@" -- --include-ignored --nocapture --test-threads=2 || status=$?
wineserver -k 2>/dev/null || true   # this prefix's server only
say "done, status $status"
exit $status
