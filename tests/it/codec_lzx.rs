//! LZX (WIM variant) against wimlib: chunks compressed by wimlib's own LZX compressor at every
//! chunk size WIM allows (32 KiB to 2 MiB) and at smaller sizes wimlib's codec accepts,
//! decompressed by ours; damaged chunks; hand-made streams decompressed by both.

use crate::codecs::{check_against_wimlib, check_damaged};
use oemgate::image::decompress::Codec;

#[test]
fn lzx_32k_default_chunks_match_wimlib() {
    check_against_wimlib(Codec::Lzx, &[32768]);
}

#[test]
fn lzx_64k_and_128k_chunks_match_wimlib() {
    check_against_wimlib(Codec::Lzx, &[65536, 131072]);
}

#[test]
fn lzx_1m_and_2m_chunks_match_wimlib() {
    check_against_wimlib(Codec::Lzx, &[1048576, 2097152]);
}

/// Below 32 KiB the window order stays 15 (16-bit block sizes); 40000 bytes rounds up to a
/// 64 KiB window (24-bit block sizes, 32 position slots).
#[test]
fn lzx_small_and_odd_chunk_sizes_match_wimlib() {
    check_against_wimlib(Codec::Lzx, &[4096, 16384, 40000]);
}

#[test]
fn lzx_damaged_chunks_never_panic() {
    check_damaged(Codec::Lzx, 32768);
    check_damaged(Codec::Lzx, 65536);
}
