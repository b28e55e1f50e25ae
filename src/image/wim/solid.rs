//! The 16-byte header at the start of a solid resource (WIM version 0xE00, ESD):
//!
//! | off | size | field |
//! |----:|-----:|-------|
//! |   0 |    8 | uncompressed size of the whole resource |
//! |   8 |    4 | chunk size (overrides the WIM header's) |
//! |  12 |    4 | compression: 0 none, 1 XPRESS, 2 LZX, 3 LZMS |
//!
//! It is followed by one u32 compressed size per chunk, then the chunks. In the blob
//! table a solid resource is an entry with the SOLID flag and an uncompressed size of
//! exactly 2^32; the blobs inside it are SOLID entries whose offset is a position in
//! the uncompressed data of the run of solid resources they follow (see
//! [`super::blob_table`]).

use crate::error::{Error, Result};
use crate::image::decompress::Codec;

pub const SOLID_HEADER_SIZE: usize = 16;

/// The value of a blob table entry's uncompressed size that marks a solid resource.
pub const SOLID_RESOURCE_MAGIC: u64 = 0x1_0000_0000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SolidHeader {
    pub uncompressed: u64,
    pub chunk_size: u32,
    /// `None`: chunks stored as they are.
    pub codec: Option<Codec>,
}

impl SolidHeader {
    /// Parse the 16 bytes found at `offset` (for messages).
    pub fn parse(b: &[u8; SOLID_HEADER_SIZE], offset: u64) -> Result<SolidHeader> {
        let mut u = [0u8; 8];
        u.copy_from_slice(&b[..8]);
        let mut c = [0u8; 4];
        c.copy_from_slice(&b[8..12]);
        let chunk_size = u32::from_le_bytes(c);
        c.copy_from_slice(&b[12..16]);
        let codec = match u32::from_le_bytes(c) {
            0 => None,
            1 => Some(Codec::Xpress),
            2 => Some(Codec::Lzx),
            3 => Some(Codec::Lzms),
            other => {
                return Err(Error::invalid(
                    "WIM solid resource header",
                    offset.saturating_add(12),
                    "compression format",
                    "0 (none), 1 (XPRESS), 2 (LZX) or 3 (LZMS)",
                    other.to_string(),
                ));
            }
        };
        super::resource::check_chunk_size("WIM solid resource header", offset.saturating_add(8), chunk_size)?;
        Ok(SolidHeader { uncompressed: u64::from_le_bytes(u), chunk_size, codec })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_checks_fields() {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&1_000_000u64.to_le_bytes());
        b[8..12].copy_from_slice(&(1u32 << 26).to_le_bytes());
        b[12..16].copy_from_slice(&3u32.to_le_bytes());
        let h = SolidHeader::parse(&b, 100).unwrap();
        assert_eq!(h, SolidHeader { uncompressed: 1_000_000, chunk_size: 1 << 26, codec: Some(Codec::Lzms) });
        b[12] = 4;
        assert!(SolidHeader::parse(&b, 100).is_err());
        b[12] = 0;
        b[8..12].copy_from_slice(&3000u32.to_le_bytes());
        assert!(SolidHeader::parse(&b, 100).is_err());
        // Found by fuzzing: an offset near the end of the address space (messages only).
        assert!(SolidHeader::parse(&b, u64::MAX - 3).is_err());
    }
}
