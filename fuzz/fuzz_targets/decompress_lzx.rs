//! The LZX decompressor (WIM variant) on arbitrary chunks. Input: one byte choosing the
//! chunk size, three bytes of output size (clamped to the chunk size), then the compressed
//! chunk. One decompressor per chunk size is reused across inputs, as a resource reader
//! reuses it; a chunk that decodes must decode again to the same bytes (no state leaks
//! from one chunk to the next).
#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use oemgate::image::decompress::{self, Codec, Decompressor};

const CHUNKS: [usize; 4] = [32768, 65536, 2097152, 4096];

thread_local! {
    static STATE: RefCell<Vec<Box<dyn Decompressor>>> = RefCell::new(
        CHUNKS.iter().map(|&c| decompress::new(Codec::Lzx, c).expect("lzx decompressor")).collect(),
    );
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let which = (data[0] & 3) as usize;
    let chunk = CHUNKS[which];
    let n = (u32::from_le_bytes([data[1], data[2], data[3], 0]) as usize).min(chunk);
    let src = &data[4..];
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        let d = &mut s[which];
        let mut out = vec![0u8; n];
        if d.decompress(src, &mut out).is_ok() {
            let mut again = vec![0x55u8; n];
            d.decompress(src, &mut again).expect("a chunk that decoded once decodes again");
            assert!(out == again, "same chunk, different output");
        }
        // One byte too many is never refused with a panic.
        if n < chunk {
            let mut more = vec![0u8; n + 1];
            let _ = d.decompress(src, &mut more);
        }
    });
});
