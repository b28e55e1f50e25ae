#!/usr/bin/env bash
# Build the Windows exes and run them under Wine against the Linux build (tests/it/wine.rs).
# Entry point for CI: tests/wine/run.sh [extra cargo test args]
# For each architecture (env OEMGATE_WINE_ARCHS, default "x64 arm64"):
#   1. winpe/build-exe.sh --arch ARCH --with-probe (exe + test-only probe; checks
#      machine/imports/size/time stamp)
#   2. test-only DLLs: bcryptprimitives.dll (ProcessPrng -> RtlGenRandom) and faketsenv.dll
#      (a stand-in task sequence environment COM object), built with mingw-w64 (x64) or
#      `zig cc` (arm64); for arm64 also oemgate-bootevent.exe (tests/wine/bootevent.c)
#   3. a Wine prefix, created once and reused: x64 in target/wineprefix by wineboot; arm64
#      in target/wineprefix-arm64, laid out by hand (Debian's arm64 Wine from tests/setup.sh,
#      run under qemu-aarch64; its wineboot cannot run there, so Wine's aarch64-windows DLLs
#      are copied into system32 and the drive links made here)
# then 4. one cargo test run of wine:: (both architectures' tests, #[ignore]d in a plain
#      cargo test) with OEMGATE_WINE_EXE / OEMGATE_WINE_EXE_ARM64 and friends set. The arm64
#      tests start one persistent arm64 wineserver for the run; it is stopped here at the end.
# env: OEMGATE_CHECK_REPRODUCIBLE=1 (build twice, compare), OEMGATE_WINEPREFIX (default
#      target/wineprefix), OEMGATE_WINEPREFIX_ARM64 (default target/wineprefix-arm64),
#      OEMGATE_WINE_ARM64_ROOT (default ~/.cache/oemgate/wine-arm64/root), OEMGATE_WIN_TARGET_DIR
#      (default target/windows), CARGO (default: cargo on PATH)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
# no_sigpipe: a tool's output is read into a variable before `grep -q`: under pipefail,
# `tool | grep -q` fails when grep exits at the first match and the tool is killed by
# SIGPIPE (seen once).
t0=$(date +%s)
say() { echo "wine-tests: $* (+$(( $(date +%s) - t0 ))s)"; }

ARCHS="${OEMGATE_WINE_ARCHS:-x64 arm64}"
WIN_TARGET="${OEMGATE_WIN_TARGET_DIR:-$ROOT/target/windows}"
SHIM_DIR="$ROOT/target/wine-shim"
build_args=(--with-probe)
# OEMGATE_CHECK_REPRODUCIBLE=1: also a second build elsewhere, compared (several minutes)
if [ "${OEMGATE_CHECK_REPRODUCIBLE:-0}" = 1 ]; then build_args+=(--check-reproducible); fi
test_env=()

x64() {
  command -v wine >/dev/null || { echo "wine-tests: wine not found (tests/setup.sh installs wine wine64)" >&2; exit 1; }
  # 1. the exe
  winpe/build-exe.sh --arch x64 "${build_args[@]}"
  local rel="$WIN_TARGET/x86_64-pc-windows-gnu/release"
  say "x64 exe built"

  # 2. the test-only shims
  local shims="$SHIM_DIR/x64"
  mkdir -p "$shims"
  x86_64-w64-mingw32-gcc -shared -O2 -s -Wall -Werror \
    -o "$shims/bcryptprimitives.dll" tests/wine/bcryptprimitives.c -ladvapi32
  exports="$(llvm-readobj --coff-exports "$shims/bcryptprimitives.dll")"   # whole first: see no_sigpipe
  grep -q 'Name: ProcessPrng$' <<<"$exports" \
    || { echo "wine-tests: shim does not export ProcessPrng" >&2; exit 1; }
  # test-only stand-in for the task sequence engine's COM object (registered by the test)
  x86_64-w64-mingw32-gcc -shared -O2 -s -Wall -Werror \
    -o "$shims/faketsenv.dll" tests/wine/faketsenv.c tests/wine/faketsenv.def -lole32 -loleaut32 -luuid

  # 3. the prefix (headless; no Mono/Gecko installers)
  local prefix="${OEMGATE_WINEPREFIX:-$ROOT/target/wineprefix}"
  if [ ! -f "$prefix/system.reg" ]; then
    mkdir -p "$prefix"
    WINEPREFIX="$prefix" WINEDEBUG=-all WINEARCH=win64 WINEDLLOVERRIDES="mscoree,mshtml=" \
      wineboot -i >/dev/null 2>&1 || true
    WINEPREFIX="$prefix" wineserver -w
    [ -f "$prefix/system.reg" ] || { echo "wine-tests: wineboot did not create $prefix" >&2; exit 1; }
    say "x64 Wine prefix created"
  fi
  cp "$shims/bcryptprimitives.dll" "$shims/faketsenv.dll" "$prefix/drive_c/windows/system32/"
  test_env+=(OEMGATE_WINE_EXE="$rel/oemgate.exe" OEMGATE_WINE_PROBE="$rel/examples/wine-probe.exe"
             OEMGATE_WINEPREFIX="$prefix")
}

arm64() {
  command -v qemu-aarch64 >/dev/null || { echo "wine-tests: qemu-aarch64 not found (tests/setup.sh installs qemu-user)" >&2; exit 1; }
  local wroot="${OEMGATE_WINE_ARM64_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/oemgate/wine-arm64/root}"
  local venv="${OEMGATE_ZIG_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/oemgate/zig-venv}"
  [ -x "$wroot/usr/lib/wine/wine64" ] || { echo "wine-tests: no arm64 Wine in $wroot (tests/setup.sh)" >&2; exit 1; }
  # 1. the exe
  winpe/build-exe.sh --arch arm64 "${build_args[@]}"
  local rel="$WIN_TARGET/aarch64-pc-windows-gnullvm/release"
  say "arm64 exe built"

  # 2. the test-only shims, for ARM64 with zig cc (Debian has no ARM64 mingw-w64)
  local shims="$SHIM_DIR/arm64" zigcc=("$venv/bin/python3" -m ziglang cc -target aarch64-windows-gnu)
  mkdir -p "$shims"
  "${zigcc[@]}" -shared -O2 -s -Wall -Werror \
    -o "$shims/bcryptprimitives.dll" tests/wine/bcryptprimitives.c -ladvapi32
  exports="$(llvm-readobj --coff-exports "$shims/bcryptprimitives.dll")"   # whole first: see no_sigpipe
  grep -q 'Name: ProcessPrng$' <<<"$exports" \
    || { echo "wine-tests: arm64 shim does not export ProcessPrng" >&2; exit 1; }
  "${zigcc[@]}" -shared -O2 -s -Wall -Werror \
    -o "$shims/faketsenv.dll" tests/wine/faketsenv.c tests/wine/faketsenv.def -lole32 -loleaut32 -luuid
  # sets Wine's boot event for good (wineboot cannot start under qemu-user; see the file)
  "${zigcc[@]}" -O2 -s -Wall -Werror -o "$shims/oemgate-bootevent.exe" tests/wine/bootevent.c -lntdll
  say "arm64 shims built"

  # 3. the prefix: system32 holds Wine's own aarch64-windows DLLs and programs (refreshed
  # when the arm64 Wine changes); C: is drive_c; Z: is the repository root, not / (under
  # qemu-user with QEMU_LD_PREFIX, Wine's stat of / sees the arm64 root, so a Z: of /
  # would not contain the working directory).
  local prefix="${OEMGATE_WINEPREFIX_ARM64:-$ROOT/target/wineprefix-arm64}"
  local sys32="$prefix/drive_c/windows/system32" stamp
  stamp="$(cat "$wroot/../oemgate-pins" 2>/dev/null || echo "$wroot")"
  if [ "$(cat "$prefix/oemgate-wine" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$prefix"
    mkdir -p "$sys32" "$prefix/dosdevices" "$prefix/drive_c/windows/temp"
    cp -r "$wroot"/usr/lib/aarch64-linux-gnu/wine/aarch64-windows/. "$sys32/"
    echo "$stamp" > "$prefix/oemgate-wine"
    say "arm64 Wine prefix created"
  fi
  ln -sfn ../drive_c "$prefix/dosdevices/c:"
  ln -sfn "$ROOT" "$prefix/dosdevices/z:"
  cp "$shims/bcryptprimitives.dll" "$shims/faketsenv.dll" "$shims/oemgate-bootevent.exe" "$sys32/"
  test_env+=(OEMGATE_WINE_EXE_ARM64="$rel/oemgate.exe" OEMGATE_WINE_PROBE_ARM64="$rel/examples/wine-probe.exe"
             OEMGATE_WINEPREFIX_ARM64="$prefix" OEMGATE_WINE_ARM64_ROOT="$wroot")
  ARM64_PREFIX="$prefix" ARM64_ROOT="$wroot"
}

filter=()
ARM64_PREFIX=""
for arch in $ARCHS; do
  case "$arch" in
    x64) x64; filter+=(wine::x64::) ;;
    arm64) arm64; filter+=(wine::arm64::) ;;
    *) echo "wine-tests: unknown architecture $arch (x64, arm64)" >&2; exit 2 ;;
  esac
done
unset DISPLAY WAYLAND_DISPLAY

# 4. the comparison tests (the Linux build is built by cargo test itself)
status=0
env "${test_env[@]}" \
  "${CARGO:-cargo}" test --test it "$@" -- --include-ignored --nocapture --test-threads=2 "${filter[@]}" || status=$?
# the prefixes' servers only
if [[ " ${filter[*]} " == *" wine::x64:: "* ]]; then
  WINEPREFIX="${OEMGATE_WINEPREFIX:-$ROOT/target/wineprefix}" wineserver -k 2>/dev/null || true
fi
if [ -n "$ARM64_PREFIX" ]; then
  WINEPREFIX="$ARM64_PREFIX" QEMU_LD_PREFIX="$ARM64_ROOT" \
    qemu-aarch64 "$ARM64_ROOT/usr/lib/wine/wineserver64" -k 2>/dev/null || true
fi
say "done, status $status"
exit $status
