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
  qemu-system-x86 ovmf linux-image-amd64  # firmware presented by a real VM (SeaBIOS and OVMF)
  rustc-web cargo-web rust-web-src gcc-mingw-w64-x86-64  # the Windows exe cross-build
  wine wine64         # runs the Windows exe in tests
  python3-venv        # winpe/check-powershell.sh: PowerShell parse check (tree-sitter grammar from PyPI)
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all test prerequisites present"
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
echo "setup: done"
