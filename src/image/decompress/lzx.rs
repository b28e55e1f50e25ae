//! LZX as WIM uses it decompressor. (To be written.)

use super::{Codec, DecompressError, Decompressor};

pub struct LzxDecompressor {
    max_chunk_size: usize,
}

impl LzxDecompressor {
    pub fn new(max_chunk_size: usize) -> Result<Self, DecompressError> {
        Ok(LzxDecompressor { max_chunk_size })
    }
}

impl Decompressor for LzxDecompressor {
    fn decompress(&mut self, _src: &[u8], dst: &mut [u8]) -> Result<(), DecompressError> {
        let _ = (dst.len() > self.max_chunk_size, Codec::Lzx);
        Err(DecompressError { codec: Codec::Lzx, offset: 0, message: "not implemented" })
    }
}
