//! The LZX decompressor (WIM variant) on arbitrary chunks. Input: one byte choosing the
//! chunk size, three bytes of output size (clamped to the chunk size), then the compressed
//! chunk. One decompressor per chunk size is reused across inputs, as a resource reader
//! reuses it; a chunk that decodes must decode again to the same bytes (no state leaks
//! from one chunk to the next). Output buffers are reused too (no per-input allocation of
//! up to 2 MiB); the second output buffer is filled with a marker first, so a byte the
//! decoder left unwritten would show as a difference.
#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use oemgate::image::decompress::{self, Codec, Decompressor};

const CHUNKS: [usize; 4] = [32768, 65536, 2097152, 4096];

struct State {
    d: Vec<Box<dyn Decompressor>>,
    out: Vec<u8>,
    again: Vec<u8>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State {
        d: CHUNKS.iter().map(|&c| decompress::new(Codec::Lzx, c).expect("lzx decompressor")).collect(),
        out: vec![0; (1 << 21) + 1],
        again: vec![0; (1 << 21) + 1],
    });
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
        let s = &mut *s.borrow_mut();
        let d = &mut s.d[which];
        if d.decompress(src, &mut s.out[..n]).is_ok() {
            s.again[..n].fill(0x55);
            d.decompress(src, &mut s.again[..n]).expect("a chunk that decoded once decodes again");
            assert!(s.out[..n] == s.again[..n], "same chunk, different output");
        }
        // One byte more than the chunk size is refused, never a panic.
        if n == chunk {
            assert!(d.decompress(src, &mut s.out[..n + 1]).is_err());
        }
    });
});
