//! The LZMS decompressor on arbitrary chunks: the first two bytes give the output size
//! (at most 8 KiB, to keep executions fast), the rest is the compressed chunk. One
//! decompressor is reused across inputs, as a resource reader reuses it across chunks;
//! a chunk that decodes must decode to the same bytes a second time.
#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use oemgate::image::decompress::{self, Codec, Decompressor};

const MAX_OUT: usize = 8192;

thread_local! {
    static D: RefCell<Box<dyn Decompressor>> =
        RefCell::new(decompress::new(Codec::Lzms, MAX_OUT).expect("decompressor"));
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let size = u16::from_le_bytes([data[0], data[1]]) as usize % (MAX_OUT + 1);
    let src = &data[2..];
    let mut out = vec![0u8; size];
    D.with(|d| {
        let mut d = d.borrow_mut();
        if d.decompress(src, &mut out).is_ok() {
            let mut again = vec![0u8; size];
            d.decompress(src, &mut again).expect("decodes a second time");
            assert!(out == again, "same output on reuse");
        }
    });
});
