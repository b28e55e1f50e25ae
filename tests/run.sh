#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 machine with Rust stable:
#   1. installs the independent tools the tests compare against (tests/setup.sh);
#   2. parse-checks the WinPE PowerShell scripts;
#   3. cross-builds the Windows exes, x64 and ARM64 (machine, imports, size and time
#      stamp checked) and runs each under Wine against the Linux build, the ARM64 one under
#      arm64 Wine and qemu-user (tests/wine/run.sh);
#   4. runs every cargo test: unit tests, and integration tests against wimlib, hivex,
#      ISO tools and 7-Zip, and the qemu firmware boots (SeaBIOS and OVMF), which are
#      #[ignore]d in a plain cargo test and included here (the Wine tests ran in step 3).
# Ends with one line adding up every cargo test result: "tests: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT

set +e
(
  set -e
  bash tests/setup.sh
  bash winpe/check-powershell.sh
  bash tests/wine/run.sh
  cargo test --locked
  OEMGATE_QEMU_TESTS=1 cargo test --locked --test it firmware_qemu:: -- --include-ignored
) 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

read -r passed failed < <(awk '/^test result:/ { p += $4; f += $6 } END { print p + 0, f + 0 }' "$log")
echo "tests: $passed passed, $failed failed"
exit "$status"
