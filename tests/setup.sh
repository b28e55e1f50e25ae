#!/usr/bin/env bash
# Install what the test suite needs on a fresh Debian 12 machine (idempotent).
# Needs root (or sudo). Everything comes from Debian's packages.
set -euo pipefail

PACKAGES=(
  wimtools            # wimlib: the independent writer/reader of every image fixture
  ntfs-3g             # mkntfs, ntfscp: NTFS volumes with named streams for wimlib to capture (tests/it/tree.rs)
  libhivex-bin        # hivexsh: writes registry values into fixture hives
  genisoimage xorriso # ISO writers for the ISO fixtures
  udftools            # mkudffs: a UDF 2.01 volume (extended file entries) for the ISO tests
  7zip                # independent ISO reader (7z l)
  busybox-static cpio # initramfs for the qemu firmware test
  acpica-tools        # iasl: the independent ACPI table disassembler (TPM2 fixtures, tests/it/hardware.rs)
  qemu-system-x86 ovmf linux-image-amd64  # firmware presented by a real VM (SeaBIOS and OVMF)
  rustc-web cargo-web rust-web-src gcc-mingw-w64-x86-64  # the Windows exe cross-build
  wine wine64         # runs the Windows exe in tests
  qemu-user llvm      # the ARM64 exe under arm64 Wine (qemu-aarch64); PE checks and ARM64 resources (llvm-readobj, llvm-cvtres)
  python3-venv        # winpe/check-powershell.sh: PowerShell parse check (tree-sitter grammar from PyPI)
)

# wimlib's own hostile test images (tests/wims/ in its source package: a cyclic tree,
# "..", duplicate names, a bad SHA-1, a blob that does not decompress...), read by
# tests/it/tree_hostile.rs from tests/cache/wimlib-test-images/ (never committed).
# Fetched from Debian's source package; needs a deb-src line for the suites already used.
wimlib_test_images() {
  local cache dir src
  cache="$(cd "$(dirname "$0")" && pwd)/cache/wimlib-test-images"
  [ -f "$cache/cyclic.wim" ] && return 0
  src=/etc/apt/sources.list.d/oemgate-deb-src.sources
  if [ ! -f "$src" ] && [ -f /etc/apt/sources.list.d/debian.sources ]; then
    # The same mirror and suites as the binary packages, for sources.
    sed -e 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources | $SUDO tee "$src" >/dev/null
  elif [ ! -f "$src" ] && [ -f /etc/apt/sources.list ]; then
    grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' | $SUDO tee /etc/apt/sources.list.d/oemgate-deb-src.list >/dev/null
  fi
  dir=$(mktemp -d)
  if $SUDO apt-get update -qq >/dev/null 2>&1 &&
     (cd "$dir" && apt-get source --download-only wimlib >/dev/null 2>&1) &&
     tar -xf "$dir"/wimlib_*.orig.tar.* -C "$dir" --wildcards '*/tests/wims/*' 2>/dev/null; then
    mkdir -p "$cache"
    cp "$dir"/wimlib-*/tests/wims/* "$cache"/
    echo "setup: wimlib's test images in $cache"
  else
    echo "setup: wimlib's source package could not be fetched (the mirror serves no sources?);" \
         "tests/it/tree_hostile.rs skips wimlib's own images (the crafted ones still run)"
  fi
  rm -rf "$dir"
}

# The ARM64 exe's linker: Zig (PyPI ziglang) driven by cargo-zigbuild (PyPI), pinned, in a
# private venv (Debian 12 has no ARM64 mingw-w64 C runtime or import libraries).
ZIGLANG_VERSION=0.17.1
CARGO_ZIGBUILD_VERSION=0.24.1
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/oemgate"
zig_venv() {
  local venv="$CACHE/zig-venv" want="ziglang==$ZIGLANG_VERSION cargo-zigbuild==$CARGO_ZIGBUILD_VERSION"
  [ "$(cat "$venv/oemgate-pins" 2>/dev/null)" = "$want" ] && return 0
  rm -rf "$venv"
  python3 -m venv "$venv"
  # shellcheck disable=SC2086
  "$venv/bin/pip" install -q --disable-pip-version-check $want
  echo "$want" > "$venv/oemgate-pins"
  echo "setup: $want in $venv"
}

# Debian's arm64 Wine (and the arm64 libraries its loader and ntdll.so need), for running
# the ARM64 exe under qemu-aarch64: downloaded with a private apt configuration (arm64
# package lists in the cache, the system's own sources) and unpacked into a private root.
# Nothing is installed system-wide; dpkg's architectures are not changed.
WINE_ARM64_VERSION=8.0~repack-4
wine_arm64() {
  local base="$CACHE/wine-arm64" root want
  root="$base/root"
  want="wine64=$WINE_ARM64_VERSION libwine=$WINE_ARM64_VERSION libc6 libgcc-s1 libunwind8 liblzma5"
  [ "$(cat "$base/oemgate-pins" 2>/dev/null)" = "$want" ] && [ -x "$root/usr/lib/wine/wine64" ] && return 0
  rm -rf "$base"
  mkdir -p "$base/apt/etc/apt/apt.conf.d" "$base/apt/etc/apt/preferences.d" "$base/apt/etc/apt/sources.list.d" \
    "$base/apt/lists/partial" "$base/apt/cache/archives/partial" "$base/debs" "$root"
  touch "$base/apt/status"
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    cp /etc/apt/sources.list.d/debian.sources "$base/apt/etc/apt/sources.list.d/"
  else
    grep '^deb ' /etc/apt/sources.list > "$base/apt/etc/apt/sources.list"
  fi
  cat > "$base/apt/apt.conf" <<EOF
Dir::State "$base/apt/";
Dir::State::Lists "$base/apt/lists/";
Dir::State::status "$base/apt/status";
Dir::Cache "$base/apt/cache/";
Dir::Etc "$base/apt/etc/apt/";
Dir::Etc::TrustedParts "/etc/apt/trusted.gpg.d/";
APT::Architecture "arm64";
APT::Architectures { "arm64"; };
APT::Sandbox::User "root";
EOF
  APT_CONFIG="$base/apt/apt.conf" apt-get update -qq
  # shellcheck disable=SC2086
  (cd "$base/debs" && APT_CONFIG="$base/apt/apt.conf" apt-get download -qq $want)
  local deb
  for deb in "$base"/debs/*.deb; do dpkg-deb -x "$deb" "$root"; done
  [ -x "$root/usr/lib/wine/wine64" ] && [ -x "$root/usr/lib/wine/wineserver64" ] \
    || { echo "setup: the arm64 Wine root in $root is incomplete" >&2; exit 1; }
  rm -rf "$base/debs" "$base/apt/cache"
  echo "$want" > "$base/oemgate-pins"
  echo "setup: arm64 Wine $WINE_ARM64_VERSION in $root"
}

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all test prerequisites present"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  wimlib_test_images
  zig_venv
  wine_arm64
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# qemu-system-x86 from Debian 12 replaces a newer backported qemu-utils if one is present;
# the project does not use qemu-utils.
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
wimlib_test_images
zig_venv
wine_arm64
echo "setup: done"
