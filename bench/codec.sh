#!/usr/bin/env bash
# Single-thread decompression throughput, oemgate's decompressors vs wimlib's, on the same
# chunks (compressed by wimlib: fixtures/tools/codec_vectors.py), in one run.
#   bash bench/codec.sh [xpress|lzx|lzms ...]
# Prints MB/s of uncompressed output for each and the ratio ours/wimlib (higher is better).
set -euo pipefail
cd "$(dirname "$0")/.."
codecs=("$@")
[ ${#codecs[@]} -gt 0 ] || codecs=(xpress lzx lzms)
cargo build --release --example codec_bench -q
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
reps=${REPS:-20}
printf '%-8s %9s %14s %14s %8s\n' codec chunk "oemgate MB/s" "wimlib MB/s" ratio
for codec in "${codecs[@]}"; do
  case $codec in
    xpress) sizes="32768 65536" ;;
    lzx) sizes="32768 2097152" ;;
    lzms) sizes="65536 4194304" ;;
  esac
  for chunk in $sizes; do
    vec="$work/$codec-$chunk.vec"
    python3 fixtures/tools/codec_vectors.py "$codec" "$chunk" "$vec" --max-bytes $((24 << 20)) 2>/dev/null
    ours=$(target/release/examples/codec_bench "$codec" "$chunk" "$vec" "$reps")
    theirs=$(python3 - "$codec" "$chunk" "$vec" "$reps" <<'PY'
import ctypes, struct, sys, time
sys.path.insert(0, "fixtures/tools")
import wimlib_codec as w
codec, chunk, path, reps = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
data = open(path, "rb").read()
chunks, i = [], 0
while i + 8 <= len(data):
    ulen, clen = struct.unpack_from("<II", data, i)
    chunks.append((ctypes.create_string_buffer(data[i + 8:i + 8 + clen], clen), clen, ulen))
    i += 8 + clen + ulen
d = w.Decompressor(codec, chunk)
out = ctypes.create_string_buffer(chunk)
f = w.lib().wimlib_decompress
total = sum(c[2] for c in chunks)
t = time.perf_counter()
for _ in range(reps):
    for buf, clen, ulen in chunks:
        if f(buf, clen, out, ulen, d.h):
            sys.exit("wimlib_decompress failed")
print(f"{total * reps / (time.perf_counter() - t) / 1e6:.1f}")
PY
)
    ratio=$(python3 -c "print(f'{$ours / $theirs:.2f}x')")
    printf '%-8s %9s %14s %14s %8s\n' "$codec" "$chunk" "$ours" "$theirs" "$ratio"
  done
done
