//! XPRESS Huffman (MS-XCA 2.1-2.2) decompressor. (To be written.)

use super::{Codec, DecompressError, Decompressor};

pub struct XpressDecompressor {
    max_chunk_size: usize,
}

impl XpressDecompressor {
    pub fn new(max_chunk_size: usize) -> Result<Self, DecompressError> {
        Ok(XpressDecompressor { max_chunk_size })
    }
}

impl Decompressor for XpressDecompressor {
    fn decompress(&mut self, _src: &[u8], dst: &mut [u8]) -> Result<(), DecompressError> {
        let _ = (dst.len() > self.max_chunk_size, Codec::Xpress);
        Err(DecompressError { codec: Codec::Xpress, offset: 0, message: "not implemented" })
    }
}
