//! LZMS decompressor against wimlib's own LZMS compressor (fixtures/tools/codec_vectors.py):
//! every chunk, at every chunk size WIM and solid ESD resources use, decompresses to the
//! bytes wimlib compressed.

use oemgate::image::decompress::Codec;

use crate::codecs::{check_against_wimlib, check_damaged};

#[test]
fn lzms_64k() {
    check_against_wimlib(Codec::Lzms, &[65536]);
}

#[test]
fn lzms_128k() {
    check_against_wimlib(Codec::Lzms, &[131072]);
}

#[test]
fn lzms_1m() {
    check_against_wimlib(Codec::Lzms, &[1 << 20]);
}

#[test]
fn lzms_4m() {
    check_against_wimlib(Codec::Lzms, &[4 << 20]);
}

#[test]
fn lzms_damaged_64k() {
    check_damaged(Codec::Lzms, 65536);
}

#[test]
fn lzms_damaged_1m() {
    check_damaged(Codec::Lzms, 1 << 20);
}

/// Solid ESD resources use chunks of up to 64 MiB (wimlib's default LZMS solid chunk
/// size). The vectors take about 3 minutes and 2 GiB of memory to make (wimlib compresses
/// four 64 MiB chunks at three levels), and 340 MB on disk, so this one runs on request:
/// `cargo test --test it codec_lzms -- --ignored`.
#[test]
#[ignore = "slow: makes 340 MB of 64 MiB vectors with wimlib (about 3 minutes)"]
fn lzms_64m() {
    check_against_wimlib(Codec::Lzms, &[64 << 20]);
}
