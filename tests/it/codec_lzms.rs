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
