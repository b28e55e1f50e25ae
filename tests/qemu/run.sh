#!/usr/bin/env bash
# Boot a tiny Linux guest under qemu whose firmware carries an MSDM (and a SLIC) table
# and SMBIOS type 1 strings, run `oemgate firmware --json` inside it, and save the JSON;
# then run `oemgate check` / `match --select` on fixture images against the live firmware.
#
#   tests/qemu/run.sh [seabios|ovmf|placeholder|tpm|all]     (default: all)
#
# `placeholder` boots SeaBIOS with a placeholder SLIC (body all 0xFF, as some real
# firmware carries) beside the valid MSDM: the key must still be read.
# `tpm` boots OVMF with a TPM2 table (fixtures/firmware/qemu/TPM2, added with
# -acpitable: Debian's qemu has no TPM without swtpm): the `hardware` rule of a Windows 11
# image passes there and fails on the other boots (no TPM; SeaBIOS also boots BIOS).
#
# Needs: qemu-system-x86, ovmf, linux-image-amd64, busybox-static, cpio (tests/setup.sh).
# Output: $OEMGATE_QEMU_WORK (default target/qemu)/{seabios,ovmf}.{serial,json}.
# The assertions live in tests/it/firmware_qemu.rs (OEMGATE_QEMU_TESTS=1 cargo test --test it firmware_qemu).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=${OEMGATE_QEMU_WORK:-$ROOT/target/qemu}
CARGO=${CARGO:-cargo}
MSDM=${OEMGATE_QEMU_MSDM:-$ROOT/fixtures/firmware/pro/MSDM}
SLIC=${OEMGATE_QEMU_SLIC:-$ROOT/fixtures/firmware/qemu/SLIC}
TPM2=${OEMGATE_QEMU_TPM2:-$ROOT/fixtures/firmware/qemu/TPM2}
SMBIOS_MAKER="Oemgate Test Maker"
SMBIOS_PRODUCT="QEMU OA3 Fixture"
SMBIOS_SERIAL="OG-QEMU-0001"
OVMF=${OEMGATE_OVMF:-/usr/share/ovmf/OVMF.fd}
BOOT_TIMEOUT=${OEMGATE_QEMU_TIMEOUT:-120}
which=${1:-all}

die() { echo "qemu test: $*" >&2; exit 1; }

KERNEL=${OEMGATE_QEMU_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)}
[ -n "$KERNEL" ] && [ -r "$KERNEL" ] || die "no readable kernel in /boot (install linux-image-amd64)"
KVER=${KERNEL#/boot/vmlinuz-}
BUSYBOX=$(command -v busybox || true)
[ -x /bin/busybox ] && BUSYBOX=/bin/busybox
[ -n "$BUSYBOX" ] || die "busybox not found (install busybox-static)"
file -L "$BUSYBOX" 2>/dev/null | grep -q "dynamically linked" && die "$BUSYBOX is dynamically linked (install busybox-static)"
command -v cpio >/dev/null || die "cpio not found"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (install qemu-system-x86)"

mkdir -p "$WORK"

echo "qemu test: building the static Linux binary" >&2
RUSTFLAGS="-C target-feature=+crt-static" "$CARGO" build --quiet --release \
  --target x86_64-unknown-linux-gnu --target-dir "$ROOT/target/static" --manifest-path "$ROOT/Cargo.toml"
BIN="$ROOT/target/static/x86_64-unknown-linux-gnu/release/oemgate"
[ -x "$BIN" ] || die "static build produced no $BIN"

# --- initramfs ---
# One initramfs per invocation: the test runner may start several boots at once.
RD="$WORK/initramfs.$which"
rm -rf "$RD"
mkdir -p "$RD/bin" "$RD/proc" "$RD/sys" "$RD/dev" "$RD/tmp" "$RD/etc"
cp "$BUSYBOX" "$RD/bin/busybox"
ln -s busybox "$RD/bin/sh"
printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' > "$RD/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$RD/etc/group"
cp "$BIN" "$RD/bin/oemgate"
# Images for the gate on live firmware (small fixtures made by wimlib).
mkdir -p "$RD/images"
cp "$ROOT/fixtures/images/pro.wim" "$ROOT/fixtures/images/multi.wim" "$RD/images/"
EFIVARFS=$(ls "/lib/modules/$KVER/kernel/fs/efivarfs/efivarfs.ko" 2>/dev/null || true)
[ -n "$EFIVARFS" ] && cp "$EFIVARFS" "$RD/efivarfs.ko"
cat > "$RD/init" <<'INIT'
#!/bin/busybox sh
B=/bin/busybox
$B mount -t proc proc /proc
$B mount -t sysfs sysfs /sys
$B mount -t devtmpfs devtmpfs /dev 2>/dev/null
$B mount -t tmpfs tmpfs /tmp
$B chmod 1777 /tmp
if [ -d /sys/firmware/efi ]; then
  [ -f /efivarfs.ko ] && $B insmod /efivarfs.ko 2>/dev/null
  $B mount -t efivarfs efivarfs /sys/firmware/efi/efivars 2>/dev/null
fi
echo "OEMGATE-TABLES: $($B ls /sys/firmware/acpi/tables | $B tr '\n' ' ')"
echo OEMGATE-JSON-BEGIN
/bin/oemgate firmware --json
rc=$?
echo OEMGATE-JSON-END
echo "OEMGATE-EXIT: $rc"
/bin/oemgate firmware
# The same tables dumped to files ("send me your tables"): exercises the dump reader and
# the SMBIOS structure parser on the firmware's real SMBIOS table.
$B mkdir -p /tmp/dump
$B cp /sys/firmware/acpi/tables/MSDM /sys/firmware/acpi/tables/SLIC /sys/firmware/dmi/tables/DMI /tmp/dump/
[ -f /sys/firmware/acpi/tables/TPM2 ] && $B cp /sys/firmware/acpi/tables/TPM2 /tmp/dump/
echo OEMGATE-DUMP-BEGIN
/bin/oemgate firmware --json --acpi-dir /tmp/dump
echo OEMGATE-DUMP-END
# Not root: the MSDM exists but is readable by root only.
$B su -s /bin/sh nobody -c "/bin/oemgate firmware --json >/tmp/nonroot.out 2>/tmp/nonroot.err; echo \$? >/tmp/nonroot.rc"
echo "OEMGATE-NONROOT-EXIT: $($B cat /tmp/nonroot.rc)"
echo "OEMGATE-NONROOT-STDOUT-BYTES: $($B wc -c </tmp/nonroot.out)"
echo "OEMGATE-NONROOT-STDERR: $($B cat /tmp/nonroot.err)"
echo "OEMGATE-NONROOT-STDERR-LINES: $($B wc -l </tmp/nonroot.err)"
# The gate on this machine's live firmware: OA3 key from the MSDM, CPU and firmware
# type read live (no --machine-* declarations), the COA's version and language declared.
gate() {
  name=$1; shift
  echo "OEMGATE-$name-BEGIN"
  "$@" 2>/tmp/gate.err
  rc=$?
  echo "OEMGATE-$name-END"
  echo "OEMGATE-$name-EXIT: $rc"
  echo "OEMGATE-$name-STDERR: $($B head -c 300 /tmp/gate.err | $B tr '\n' ' ')"
}
gate CHECK-PRO /bin/oemgate check --image /images/pro.wim --licensed-version 11 --licensed-language en-US --json
gate CHECK-HOME /bin/oemgate check --image /images/multi.wim --index 13 --licensed-version 11 --licensed-language en-US --json
gate CHECK-X86 /bin/oemgate check --image /images/multi.wim --index 3 --licensed-version 10 --licensed-language ja-JP --json
gate SELECT /bin/oemgate match /images/multi.wim --licensed-version 11 --licensed-language en-US --select
# Windows 11 hardware with a policy that makes a failure block (TPM 2.0 and UEFI or exit 1).
echo 'hardware = "block"' > /tmp/hardware.toml
gate HW-BLOCK /bin/oemgate check --image /images/pro.wim --licensed-version 11 --licensed-language en-US --policy /tmp/hardware.toml --json
$B sync
$B poweroff -f
INIT
chmod +x "$RD/init"
INITRD="$WORK/initramfs.$which.cpio.gz"
(cd "$RD" && find . | cpio -o -H newc --quiet | gzip -1) > "$INITRD"

boot() {
  local name=$1; shift
  local slic=${BOOT_SLIC:-$SLIC}
  local tpm=()
  [ -n "${BOOT_TPM2:-}" ] && tpm=(-acpitable "file=$BOOT_TPM2")
  local serial="$WORK/$name.serial" json="$WORK/$name.json"
  rm -f "$serial" "$json"
  echo "qemu test: booting $name" >&2
  local start=$SECONDS
  local rc=0
  timeout "$BOOT_TIMEOUT" qemu-system-x86_64 -accel tcg -m 256 -nographic -monitor none -no-reboot \
    "$@" \
    -kernel "$KERNEL" -initrd "$INITRD" \
    -append "console=ttyS0 quiet panic=-1" \
    -acpitable "file=$MSDM" -acpitable "file=$slic" "${tpm[@]}" \
    -smbios "type=1,manufacturer=$SMBIOS_MAKER,product=$SMBIOS_PRODUCT,serial=$SMBIOS_SERIAL" \
    -serial "file:$serial" </dev/null >"$WORK/$name.qemu.log" 2>&1 || rc=$?
  echo "qemu test: $name finished in $((SECONDS - start)) s (qemu exit $rc)" >&2
  [ "$rc" -eq 124 ] && die "$name: qemu did not finish within ${BOOT_TIMEOUT}s (see $serial)"
  [ -s "$serial" ] || die "$name: no serial output (qemu: $(head -c 400 "$WORK/$name.qemu.log"))"
  tr -d '\r' < "$serial" | sed -n '/^OEMGATE-JSON-BEGIN$/,/^OEMGATE-JSON-END$/p' | sed '1d;$d' > "$json"
  [ -s "$json" ] || die "$name: no JSON between the markers (see $serial)"
  tr -d '\r' < "$serial" | sed -n '/^OEMGATE-DUMP-BEGIN$/,/^OEMGATE-DUMP-END$/p' | sed '1d;$d' > "$WORK/$name.dump.json"
  tr -d "\r" < "$serial" | grep -ao "OEMGATE-TABLES:.*" >&2 || true
  tr -d '\r' < "$serial" | grep -a "^OEMGATE-EXIT: 0$" >/dev/null || die "$name: oemgate did not exit 0 (see $serial)"
  echo "qemu test: $name -> $json" >&2
}

PLACEHOLDER_SLIC=${OEMGATE_QEMU_PLACEHOLDER_SLIC:-$ROOT/fixtures/firmware/placeholder-slic-ff/SLIC}

case "$which" in
  seabios) boot seabios ;;
  placeholder) BOOT_SLIC=$PLACEHOLDER_SLIC boot placeholder ;;
  ovmf) [ -r "$OVMF" ] || die "no $OVMF (install ovmf)"; boot ovmf -bios "$OVMF" ;;
  tpm) [ -r "$OVMF" ] || die "no $OVMF (install ovmf)"; BOOT_TPM2=$TPM2 boot tpm -bios "$OVMF" ;;
  all)
    boot seabios
    [ -r "$OVMF" ] || die "no $OVMF (install ovmf)"
    boot ovmf -bios "$OVMF"
    BOOT_SLIC=$PLACEHOLDER_SLIC boot placeholder
    BOOT_TPM2=$TPM2 boot tpm -bios "$OVMF"
    ;;
  *) die "usage: $0 [seabios|ovmf|placeholder|tpm|all]" ;;
esac
