#!/usr/bin/env bash
# Cross-build the static Windows exe (oemgate.exe) for WinPE with Debian's Rust toolchain
# (rustc-web, cargo-web, rust-web-src), then check it: machine, imports only DLLs that
# Windows/WinPE ship, at most 3 MiB, no PE time stamp, resources present.
#   x64 (default): x86_64-pc-windows-gnu, linked by Debian's mingw-w64.
#   arm64:         aarch64-pc-windows-gnullvm, linked by Zig (PyPI ziglang) through
#                  cargo-zigbuild (PyPI), both in a private venv made by tests/setup.sh.
#
# usage: winpe/build-exe.sh [--arch x64|arm64] [--with-probe] [--check-reproducible]
#        winpe/build-exe.sh --check FILE.exe   (only the checks, e.g. on a downloaded exe;
#                                               the architecture is read from the file)
#   --arch ARCH            x64 (default) or arm64
#   --with-probe           also build the test-only Wine probe (tests/wine/probe.rs)
#   --check-reproducible   build a second time from a copy of the sources at another path
#                          with a fresh target dir; fail unless both exes are identical
# env:   OEMGATE_WIN_TARGET_DIR  cargo target dir (default: <repo>/target/windows)
#        OEMGATE_ZIG_VENV        venv with ziglang and cargo-zigbuild (arm64; default:
#                                ~/.cache/oemgate/zig-venv, made by tests/setup.sh)
# Prints the exe's path, size and sha256. Plain `cargo build` on Linux is not affected:
# every Windows-only flag is given here.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ARCH=x64
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
    --arch) [ $# -gt 0 ] || { echo "build-exe: --arch needs x64 or arm64" >&2; exit 2; }; ARCH="$1"; shift ;;
    --with-probe) with_probe=1 ;;
    --check-reproducible) check_repro=1 ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-exe: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

die() { echo "build-exe: error: $*" >&2; exit 1; }

# The PE checks read headers and imports with LLVM's readers (either architecture).
for tool in llvm-readobj sha256sum od; do
  command -v "$tool" >/dev/null || die "$tool not found (install llvm: tests/setup.sh)"
done

# check_exe PATH: machine, imports, size, time stamp, resources. The architecture is the
# file's own (PE machine field); each has its allow-list of imported DLLs.
check_exe() {
  local exe="$1" hdr dlls machine arch bad=()
  [ -f "$exe" ] || die "$exe does not exist"
  hdr="$(llvm-readobj --file-headers --coff-imports "$exe" 2>&1)" || die "$exe is not a PE image: $hdr"
  grep -q '^Format: COFF-' <<<"$hdr" || die "$exe is not a PE image ($(grep -m1 '^Format:' <<<"$hdr"))"
  machine="$(sed -n 's/^ *Machine: .*(\(0x[0-9A-Fa-f]*\)).*/\1/p' <<<"$hdr" | head -n1)"
  case "$machine" in
    0x8664) arch=x64 ;;
    0xAA64) arch=arm64 ;;
    *) die "$exe: PE machine ${machine:-unknown} is neither x64 (0x8664) nor ARM64 (0xAA64)" ;;
  esac
  grep -q '^ *Magic: 0x20B' <<<"$hdr" || die "$exe is not a PE32+ image"
  grep -q '^ *TimeDateStamp: .*(0x0)' <<<"$hdr" || die "$exe has a PE time stamp ($(grep -m1 'TimeDateStamp' <<<"$hdr"))"
  dlls="$(sed -n 's/^ *Name: \(.*\.[dD][lL][lL]\)$/\1/p' <<<"$hdr" | tr 'A-Z' 'a-z' | sort -u)"
  [ -n "$dlls" ] || die "$exe: no imports found (llvm-readobj output changed?)"
  while read -r dll; do
    case "$dll" in
      # Windows system DLLs present in WinPE (api-ms-win-core-* are Windows API sets,
      # e.g. WaitOnAddress)
      kernel32.dll|kernelbase.dll|advapi32.dll|ntdll.dll|bcrypt.dll|bcryptprimitives.dll|ole32.dll|oleaut32.dll) ;;
      user32.dll|ws2_32.dll|userenv.dll|shell32.dll|api-ms-win-core-*.dll) ;;
      # x64: msvcrt.dll is mingw's C runtime and a Windows system DLL
      msvcrt.dll) [ "$arch" = x64 ] || bad+=("$dll") ;;
      # ARM64: Zig's mingw-w64 is UCRT-only; the Universal C Runtime is part of Windows 10
      # and later, WinPE included, reached through these API sets (winpe/README.md)
      api-ms-win-crt-*.dll) [ "$arch" = arm64 ] || bad+=("$dll") ;;
      *) bad+=("$dll") ;;
    esac
  done <<<"$dlls"
  [ ${#bad[@]} -eq 0 ] || die "$exe ($arch) imports DLLs outside the Windows system set: ${bad[*]}"
  local size
  size="$(stat -c %s "$exe")"
  [ "$size" -le "$MAX_SIZE" ] || die "$exe is $size bytes, more than $MAX_SIZE"
  echo "build-exe: $arch exe (machine $machine), imports: $(echo $dlls)"
}

if [ -n "$check_only" ]; then
  check_exe "$check_only"
  echo "build-exe: $check_only: ok ($(stat -c %s "$check_only") bytes)"
  exit 0
fi

case "$ARCH" in
  x64|x86_64|amd64) ARCH=x64; TARGET=x86_64-pc-windows-gnu ;;
  arm64|aarch64) ARCH=arm64; TARGET=aarch64-pc-windows-gnullvm ;;
  *) echo "build-exe: --arch must be x64 or arm64, not $ARCH" >&2; exit 2 ;;
esac

# windres (mingw-w64) compiles the resource script for both architectures: directly to a
# COFF object for x64; to an architecture-neutral .res that llvm-cvtres turns into an
# ARM64 COFF object for arm64.
tools=("$CARGO" "$RUSTC" x86_64-w64-mingw32-windres)
if [ "$ARCH" = x64 ]; then
  tools+=(x86_64-w64-mingw32-gcc)
else
  ZIG_VENV="${OEMGATE_ZIG_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/oemgate/zig-venv}"
  [ -x "$ZIG_VENV/bin/cargo-zigbuild" ] && "$ZIG_VENV/bin/python3" -m ziglang version >/dev/null 2>&1 \
    || die "no ziglang/cargo-zigbuild venv at $ZIG_VENV (tests/setup.sh makes it)"
  tools+=(llvm-cvtres)
fi
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || die "$tool not found (install rustc-web cargo-web rust-web-src gcc-mingw-w64-x86-64 llvm: tests/setup.sh)"
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
  # one resource dir per architecture: both builds may share one target dir
  local res="$tdir/resources"
  if [ "$ARCH" = arm64 ]; then res="$tdir/resources-$TARGET"; fi
  mkdir -p "$res"
  cp "$src/winpe/oemgate.exe.manifest" "$res/oemgate.exe.manifest"
  local v4
  v4="$(echo "$version" | sed 's/[^0-9.].*//' | awk -F. '{printf "%d,%d,%d,0", $1, $2, $3}')"
  sed -e "s/@VERSION@/$version/g" -e "s/@VERSION4@/$v4/g" "$src/winpe/oemgate.rc.in" > "$res/oemgate.rc"
  if [ "$ARCH" = x64 ]; then
    (cd "$res" && x86_64-w64-mingw32-windres --input-format=rc --output-format=coff \
       -i oemgate.rc -o oemgate-res.o)
  else
    (cd "$res" && x86_64-w64-mingw32-windres --input-format=rc --output-format=res \
       -i oemgate.rc -o oemgate.res \
     && llvm-cvtres /machine:arm64 /timestamp:0 /out:oemgate-res.o oemgate.res >/dev/null)
  fi

  # Flags for the Windows target only (host build scripts and proc macros are untouched).
  # reproducible: no PE time stamp (Zig's linker rejects the flag: zeroed after linking)
  local no_timestamp=(-C link-arg=-Wl,--no-insert-timestamp)
  if [ "$ARCH" = arm64 ]; then no_timestamp=(); fi
  local flags=(
    -C target-feature=+crt-static                 # static runtime libraries: no mingw DLLs
    "${no_timestamp[@]}"
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
    if [ "$ARCH" = x64 ]; then
      CARGO_ENCODED_RUSTFLAGS="$encoded" RUSTC_BOOTSTRAP=1 \
        CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER="$src/winpe/link-stable.sh" \
        "$CARGO" build --release --locked -Zbuild-std=std,panic_abort \
        --target "$TARGET" --target-dir "$tdir" "${targets[@]}"
    else
      # cargo-zigbuild runs Debian's cargo ($CARGO) and links with Zig from the venv
      PATH="$ZIG_VENV/bin:$PATH" CARGO="$CARGO" \
        CARGO_ENCODED_RUSTFLAGS="$encoded" RUSTC_BOOTSTRAP=1 \
        "$ZIG_VENV/bin/cargo-zigbuild" build --release --locked -Zbuild-std=std,panic_abort \
        --target "$TARGET" --target-dir "$tdir" "${targets[@]}"
    fi
  )
  if [ "$ARCH" = arm64 ]; then
    zero_timestamp "$tdir/$TARGET/release/oemgate.exe"
    if [ "$with_probe" -eq 1 ]; then zero_timestamp "$tdir/$TARGET/release/examples/wine-probe.exe"; fi
  fi
}

# zero_timestamp PE: set the COFF header's TimeDateStamp (4 bytes at e_lfanew + 8) to 0,
# in place. Zig's linker writes the link time there and has no flag to leave it out.
zero_timestamp() {
  local pe="$1" lfanew sig
  lfanew="$(od -An -tu4 -j60 -N4 "$pe" | tr -d ' ')"
  [ -n "$lfanew" ] && [ "$lfanew" -gt 0 ] && [ "$lfanew" -lt "$(stat -c %s "$pe")" ] || die "$pe: bad e_lfanew"
  sig="$(od -An -c -j"$lfanew" -N2 "$pe" | tr -d ' ')"
  [ "$sig" = PE ] || die "$pe: no PE signature at $lfanew"
  printf '\0\0\0\0' | dd of="$pe" bs=1 seek=$((lfanew + 8)) count=4 conv=notrunc status=none
}

OUT_DIR="${OEMGATE_WIN_TARGET_DIR:-$ROOT/target/windows}"
build "$ROOT" "$OUT_DIR"
EXE="$OUT_DIR/$TARGET/release/oemgate.exe"
check_exe "$EXE"
sections="$(llvm-objdump -h "$EXE")"   # whole first: `| grep -q` can SIGPIPE the tool under pipefail
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
