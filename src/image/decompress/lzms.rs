//! LZMS decompressor. (To be written.)

use super::{Codec, DecompressError, Decompressor};

pub struct LzmsDecompressor {
    max_chunk_size: usize,
}

impl LzmsDecompressor {
    pub fn new(max_chunk_size: usize) -> Result<Self, DecompressError> {
        Ok(LzmsDecompressor { max_chunk_size })
    }
}

impl Decompressor for LzmsDecompressor {
    fn decompress(&mut self, _src: &[u8], dst: &mut [u8]) -> Result<(), DecompressError> {
        let _ = (dst.len() > self.max_chunk_size, Codec::Lzms);
        Err(DecompressError { codec: Codec::Lzms, offset: 0, message: "not implemented" })
    }
}
