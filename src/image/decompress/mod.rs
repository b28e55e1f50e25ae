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

pub mod codec;
pub mod lzms;
pub mod lzx;
pub mod xpress;

pub use codec::{Codec, DecompressError, Decompressor, MAX_CHUNK_SIZE};

/// Make a decompressor for chunks of at most `max_chunk_size` bytes.
/// Fails when the codec cannot handle that chunk size (e.g. LZX above 2 MiB).
pub fn new(codec: Codec, max_chunk_size: usize) -> Result<Box<dyn Decompressor>, DecompressError> {
    Ok(match codec {
        Codec::Xpress => Box::new(xpress::XpressDecompressor::new(max_chunk_size)?),
        Codec::Lzx => Box::new(lzx::LzxDecompressor::new(max_chunk_size)?),
        Codec::Lzms => Box::new(lzms::LzmsDecompressor::new(max_chunk_size)?),
    })
}
