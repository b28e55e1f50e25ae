//! XPRESS Huffman decompressor against wimlib: chunks compressed by wimlib's own XPRESS
//! compressor at every chunk size wimlib allows (4 KiB to 64 KiB; it refuses larger ones),
//! decompressed by ours and compared with the original bytes; damaged chunks never panic.

use oemgate::image::decompress::Codec;

use crate::codecs::{check_against_wimlib, check_damaged};

/// Every XPRESS chunk size wimlib accepts (`wimlib-imagex capture --chunk-size`).
const CHUNK_SIZES: [usize; 5] = [4096, 8192, 16384, 32768, 65536];

#[test]
fn xpress_decodes_wimlib_chunks_at_every_chunk_size() {
    check_against_wimlib(Codec::Xpress, &CHUNK_SIZES);
}

#[test]
fn xpress_survives_damaged_chunks() {
    for chunk in CHUNK_SIZES {
        check_damaged(Codec::Xpress, chunk);
    }
}
