//! The XPRESS Huffman chunk decompressor (`image::decompress::xpress`), seeded with chunks
//! compressed by wimlib (fixtures/tools/codec_vectors.py; see README.md).
//!
//! Input: two bytes of output size minus one (little-endian), a flags byte, the compressed
//! chunk. Flag bit 0 adds 64 KiB to the output size (chunks above 64 KiB switch Huffman
//! tables every 65536 output bytes). Every input is decoded twice by one decompressor, into
//! buffers filled differently beforehand: the outcome and the output must not depend on
//! the buffer's old contents or on the chunk decoded before.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oemgate::image::decompress::{self, Codec};

const MAX: usize = 1 << 17;

fuzz_target!(|data: &[u8]| {
    let [lo, hi, flags, chunk @ ..] = data else { return };
    let n = usize::from(u16::from_le_bytes([*lo, *hi])) + 1 + if flags & 1 != 0 { 1 << 16 } else { 0 };
    let mut d = decompress::new(Codec::Xpress, MAX).expect("decompressor");
    let mut a = vec![0u8; n];
    let ra = d.decompress(chunk, &mut a);
    let mut b = vec![0xA5u8; n];
    let rb = d.decompress(chunk, &mut b);
    assert_eq!(ra.is_ok(), rb.is_ok(), "same chunk, different outcome: {ra:?} {rb:?}");
    if ra.is_ok() {
        assert!(a == b, "same chunk, different output");
    }
    // A chunk larger than the decompressor's chunk size is refused, never decoded.
    let mut small = decompress::new(Codec::Xpress, n - 1).expect("decompressor");
    assert!(n == 1 || small.decompress(chunk, &mut a).is_err());
});
