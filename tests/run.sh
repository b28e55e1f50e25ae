#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 machine with Rust stable:
#   1. installs the independent tools the tests compare against (tests/setup.sh),
#   2. runs every cargo test (unit tests, and integration tests against wimlib,
#      hivex, ISO tools, 7-Zip; the qemu firmware boots when OEMGATE_QEMU_TESTS=1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/setup.sh
export OEMGATE_QEMU_TESTS=1
cargo test --locked
