//! The contract every codec implements: the codec names, the error, the trait, the size bound.

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
