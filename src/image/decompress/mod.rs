//! Decompressors for the chunk formats of WIM and ESD resources, one file each, written
//! from the published format descriptions: XPRESS Huffman (MS-XCA), LZX as WIM uses it,
//! LZMS. Each chunk of a resource is compressed on its own, so a decompressor turns one
//! compressed chunk into exactly the number of bytes the caller knows the chunk holds.
//!
//! Contract for every codec:
//! - `decompress` never panics, never reads outside `src`, never writes outside `dst`,
//!   and allocates nothing per call (tables live in the decompressor, which is reused
//!   across chunks);
//! - it fails when the input is malformed or does not produce exactly `dst.len()` bytes;
//! - a decompressor is made for a maximum chunk size (the resource's chunk size) and
//!   refuses larger outputs.

pub mod lzms;
pub mod lzx;
pub mod xpress;

use std::fmt;

/// The compression formats of WIM resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    Xpress,
    Lzx,
    Lzms,
}

/// Why a chunk could not be decompressed. `offset` is the byte offset in the compressed
/// chunk where the problem was found (as close as the codec can tell).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecompressError {
    pub codec: Codec,
    pub offset: usize,
    pub message: &'static str,
}

impl fmt::Display for DecompressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} data at chunk offset {}: {}", self.codec, self.offset, self.message)
    }
}

impl std::error::Error for DecompressError {}

/// One codec's decompressor, reused across the chunks of a resource.
pub trait Decompressor: Send {
    /// Decompress one independently compressed chunk `src` into all of `dst`.
    fn decompress(&mut self, src: &[u8], dst: &mut [u8]) -> Result<(), DecompressError>;
}

/// The largest chunk size any codec accepts (LZMS solid resources use up to 64 MiB).
pub const MAX_CHUNK_SIZE: usize = 1 << 26;

/// Make a decompressor for chunks of at most `max_chunk_size` bytes.
/// Fails when the codec cannot handle that chunk size (e.g. LZX above 2 MiB).
pub fn new(codec: Codec, max_chunk_size: usize) -> Result<Box<dyn Decompressor>, DecompressError> {
    Ok(match codec {
        Codec::Xpress => Box::new(xpress::XpressDecompressor::new(max_chunk_size)?),
        Codec::Lzx => Box::new(lzx::LzxDecompressor::new(max_chunk_size)?),
        Codec::Lzms => Box::new(lzms::LzmsDecompressor::new(max_chunk_size)?),
    })
}
