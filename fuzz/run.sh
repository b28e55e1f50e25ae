#!/bin/sh
# Run one fuzz target (or all, one after another) for SECONDS each.
#   fuzz/run.sh [TARGET|all] [SECONDS] [extra libFuzzer flags...]
# Toolchain (FUZZ_TOOLCHAIN):
#   auto    (default) rustup's nightly if installed, else Debian's rustc
#   nightly rustup's nightly toolchain, AddressSanitizer
#   debian  /usr/bin/cargo + /usr/bin/rustc (rustc-web) with RUSTC_BOOTSTRAP=1;
#           no sanitizer runtime ships with it, so --sanitizer none
# The product itself keeps building with plain stable cargo; only this crate needs
# the nightly-only flags cargo-fuzz passes (-Z sanitizer, sancov passes).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
target=${1:-all}
secs=${2:-300}
[ $# -ge 2 ] && shift 2 || shift $#

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

tc=${FUZZ_TOOLCHAIN:-auto}
if [ "$tc" = auto ]; then
    if rustup run nightly rustc --version >/dev/null 2>&1; then tc=nightly; else tc=debian; fi
fi
fuzz() {
    case "$tc" in
    nightly) cargo +nightly fuzz "$@" ;;
    debian)
        RUSTC_BOOTSTRAP=1 CARGO=/usr/bin/cargo RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc \
            CARGO_TARGET_DIR="$here/target-debian" /usr/bin/cargo fuzz "$@" ;;
    *) echo "FUZZ_TOOLCHAIN must be auto, nightly or debian" >&2; exit 2 ;;
    esac
}
case "$tc" in
nightly) san=${FUZZ_SANITIZER:-address} ;;
debian) san=${FUZZ_SANITIZER:-none} ;;
esac

[ -d corpus ] || ./seed.sh

if [ "$target" = all ]; then
    targets=$(fuzz list)
else
    targets=$target
fi
for t in $targets; do
    mkdir -p "corpus/$t"
    echo "== $t: ${secs}s, toolchain $tc, sanitizer $san"
    fuzz run "$t" --sanitizer "$san" "corpus/$t" -- \
        -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 "$@"
done
