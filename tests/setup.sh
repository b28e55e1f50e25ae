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

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all test prerequisites present"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  wimlib_test_images
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
echo "setup: done"
