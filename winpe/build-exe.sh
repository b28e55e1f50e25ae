#!/usr/bin/env bash
# Cross-build the static Windows x64 exe (oemgate.exe) for WinPE with Debian's Rust
# toolchain (rustc-web, cargo-web, rust-web-src) and mingw-w64, then check it: imports
# only DLLs that Windows/WinPE ship, at most 3 MiB, no PE timestamp.
#
# usage: winpe/build-exe.sh [--with-probe] [--check-reproducible]
#        winpe/build-exe.sh --check FILE.exe   (only the checks, e.g. on a downloaded exe)
#   --with-probe           also build the test-only Wine probe (tests/wine/probe.rs)
#   --check-reproducible   build a second time from a copy of the sources at another path
#                          with a fresh target dir; fail unless both exes are identical
# env:   OEMGATE_WIN_TARGET_DIR  cargo target dir (default: <repo>/target/windows)
# Prints the exe's path, size and sha256. Plain `cargo build` on Linux is not affected:
# every Windows-only flag is given here.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET=x86_64-pc-windows-gnu
MAX_SIZE=$((3 * 1024 * 1024))
CARGO=/usr/bin/cargo   # Debian's; rustup's proxies may come first on PATH
RUSTC=/usr/bin/rustc
export RUSTC

with_probe=0
check_repro=0
check_only=""
while [ $# -gt 0 ]; do
  arg="$1"; shift
  case "$arg" in
    --check) [ $# -gt 0 ] || { echo "build-exe: --check needs a file" >&2; exit 2; }; check_only="$1"; shift ;;
    --with-probe) with_probe=1 ;;
    --check-reproducible) check_repro=1 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-exe: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

die() { echo "build-exe: error: $*" >&2; exit 1; }

for tool in "$CARGO" "$RUSTC" x86_64-w64-mingw32-gcc x86_64-w64-mingw32-objdump x86_64-w64-mingw32-windres sha256sum; do
  command -v "$tool" >/dev/null || die "$tool not found (install rustc-web cargo-web rust-web-src gcc-mingw-w64-x86-64: tests/setup.sh)"
done

# --- the compiler and the std sources must be the same version (-Zbuild-std compiles std
# from the sysroot's rust-src with this compiler; a mismatch fails in odd ways) ---
rustc_release="$("$RUSTC" -vV | sed -n 's/^release: //p')"
sysroot="$("$RUSTC" --print sysroot)"
rust_src="$sysroot/lib/rustlib/src/rust"
[ -d "$rust_src/library/std" ] || die "no std sources at $rust_src (install rust-web-src)"
src_version="$(cat "$rust_src/src/version" 2>/dev/null || true)"
[ -n "$src_version" ] || src_version="$(basename "$(readlink -f "$rust_src")" | sed -n 's/^rustc-//p')"
[ "$src_version" = "$rustc_release" ] \
  || die "rustc is $rustc_release but the std sources in $rust_src are ${src_version:-unknown}"
if command -v dpkg-query >/dev/null; then
  v_rustc="$(dpkg-query -W -f='${Version}' rustc-web 2>/dev/null || true)"
  v_src="$(dpkg-query -W -f='${Version}' rust-web-src 2>/dev/null || true)"
  if [ -n "$v_rustc" ] && [ -n "$v_src" ] && [ "$v_rustc" != "$v_src" ]; then
    die "package versions differ: rustc-web $v_rustc, rust-web-src $v_src"
  fi
fi
echo "build-exe: rustc $rustc_release, std sources $src_version"

# build SRC_DIR TARGET_DIR: build the exe (and the probe) from the sources in SRC_DIR
build() {
  local src="$1" tdir="$2"
  local cargo_home="${CARGO_HOME:-$HOME/.cargo}"
  local version
  version="$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$src/Cargo.toml" | head -n1)"

  # Resources: application manifest (long paths, supported OS, asInvoker) and version info.
  local res="$tdir/resources"
  mkdir -p "$res"
  cp "$src/winpe/oemgate.exe.manifest" "$res/oemgate.exe.manifest"
  local v4
  v4="$(echo "$version" | sed 's/[^0-9.].*//' | awk -F. '{printf "%d,%d,%d,0", $1, $2, $3}')"
  sed -e "s/@VERSION@/$version/g" -e "s/@VERSION4@/$v4/g" "$src/winpe/oemgate.rc.in" > "$res/oemgate.rc"
  (cd "$res" && x86_64-w64-mingw32-windres --input-format=rc --output-format=coff \
     -i oemgate.rc -o oemgate-res.o)

  # Flags for the Windows target only (host build scripts and proc macros are untouched).
  local flags=(
    -C target-feature=+crt-static                 # static libgcc/winpthread: no mingw DLLs
    -C link-arg=-Wl,--no-insert-timestamp         # reproducible: no PE time stamp
    -C "link-arg=$res/oemgate-res.o"              # manifest + version resource
    --remap-path-prefix "$src=/oemgate"
    --remap-path-prefix "$cargo_home=/cargo"
    --remap-path-prefix "$(readlink -f "$rust_src")=/rust"
    --remap-path-prefix "$rust_src=/rust"
    --remap-path-prefix "$tdir=/target"            # last match wins: target dir inside src
  )
  local IFS=$'\x1f'
  local encoded="${flags[*]}"
  unset IFS

  local targets=(--bin oemgate)
  if [ "$with_probe" -eq 1 ]; then targets+=(--example wine-probe); fi
  (
    cd "$src"
    unset RUSTFLAGS
    CARGO_ENCODED_RUSTFLAGS="$encoded" RUSTC_BOOTSTRAP=1 \
      CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER="$src/winpe/link-stable.sh" \
      "$CARGO" build --release --locked -Zbuild-std=std,panic_abort \
      --target "$TARGET" --target-dir "$tdir" "${targets[@]}"
  )
}

# check_exe PATH: imports, size, timestamp
check_exe() {
  local exe="$1" dump dlls bad=()
  dump="$(TZ=UTC x86_64-w64-mingw32-objdump -p "$exe")"   # time stamp 0 prints as 1970 in UTC
  grep -q 'Magic.*020b' <<<"$dump" || die "$exe is not a PE32+ image"
  grep -q 'Time/Date.*1970' <<<"$dump" || die "$exe has a PE time stamp ($(grep 'Time/Date' <<<"$dump"))"
  dlls="$(sed -n 's/^[[:space:]]*DLL Name: //p' <<<"$dump" | tr 'A-Z' 'a-z' | sort -u)"
  [ -n "$dlls" ] || die "$exe: no imports found (objdump output changed?)"
  while read -r dll; do
    case "$dll" in
      # Windows system DLLs present in WinPE (msvcrt.dll is mingw's C runtime and a
      # Windows system DLL; api-ms-win-core-* are Windows API sets, e.g. WaitOnAddress)
      kernel32.dll|kernelbase.dll|advapi32.dll|ntdll.dll|bcrypt.dll|bcryptprimitives.dll|ole32.dll|oleaut32.dll) ;;
      user32.dll|ws2_32.dll|userenv.dll|shell32.dll|msvcrt.dll|api-ms-win-core-*.dll) ;;
      *) bad+=("$dll") ;;
    esac
  done <<<"$dlls"
  [ ${#bad[@]} -eq 0 ] || die "$exe imports DLLs outside the Windows system set: ${bad[*]}"
  local size
  size="$(stat -c %s "$exe")"
  [ "$size" -le "$MAX_SIZE" ] || die "$exe is $size bytes, more than $MAX_SIZE"
  echo "build-exe: imports: $(echo $dlls)"
}

if [ -n "$check_only" ]; then
  check_exe "$check_only"
  echo "build-exe: $check_only: ok ($(stat -c %s "$check_only") bytes)"
  exit 0
fi

OUT_DIR="${OEMGATE_WIN_TARGET_DIR:-$ROOT/target/windows}"
build "$ROOT" "$OUT_DIR"
EXE="$OUT_DIR/$TARGET/release/oemgate.exe"
check_exe "$EXE"
sections="$(x86_64-w64-mingw32-objdump -h "$EXE")"   # whole first: `| grep -q` can SIGPIPE under pipefail
grep -q ' \.rsrc ' <<<"$sections" || die "$EXE has no resources (manifest missing)"

if [ "$check_repro" -eq 1 ]; then
  copy="$(mktemp -d "${TMPDIR:-/tmp}/oemgate-repro.XXXXXX")"
  # the tracked sources only (plus the lock file), at another path, another target dir
  (cd "$ROOT" && { git ls-files -z --cached --others --exclude-standard 2>/dev/null || find . -path ./target -prune -o -type f -print0; } \
     | tar --null -T - -cf -) | (mkdir -p "$copy/src-copy" && cd "$copy/src-copy" && tar -xf -)
  build "$copy/src-copy" "$copy/target"
  EXE2="$copy/target/$TARGET/release/oemgate.exe"
  h1="$(sha256sum < "$EXE")"; h2="$(sha256sum < "$EXE2")"
  [ "$h1" = "$h2" ] || die "not reproducible: $EXE and $EXE2 (built from a copy at $copy/src-copy) differ"
  rm -rf "$copy"
  echo "build-exe: reproducible: a second build at another path is identical"
fi

echo "build-exe: exe: $EXE"
echo "build-exe: size: $(stat -c %s "$EXE") bytes"
echo "build-exe: sha256: $(sha256sum "$EXE" | cut -d' ' -f1)"
