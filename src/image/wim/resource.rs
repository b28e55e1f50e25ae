//! The 24-byte resource header ("reshdr") that locates the blob table, the XML data,
//! the boot metadata and the integrity table inside a WIM file.
//!
//! Layout: 7-byte little-endian size in the file, 1 flags byte, u64 offset,
//! u64 original (uncompressed) size.

use crate::error::{Error, Result};

pub const RESHDR_SIZE: usize = 24;

pub const RESHDR_FLAG_FREE: u8 = 0x01;
pub const RESHDR_FLAG_METADATA: u8 = 0x02;
pub const RESHDR_FLAG_COMPRESSED: u8 = 0x04;
pub const RESHDR_FLAG_SPANNED: u8 = 0x08;
pub const RESHDR_FLAG_SOLID: u8 = 0x10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceHeader {
    /// Bytes the resource occupies in the file (compressed size).
    pub size: u64,
    pub flags: u8,
    pub offset: u64,
    pub original_size: u64,
}

impl ResourceHeader {
    /// Parse 24 bytes. Any bit pattern is structurally valid; range checks are
    /// done by `validate_within` against the file that holds the resource.
    pub fn parse(b: &[u8; RESHDR_SIZE]) -> ResourceHeader {
        let mut size = [0u8; 8];
        size[..7].copy_from_slice(&b[..7]);
        ResourceHeader {
            size: u64::from_le_bytes(size),
            flags: b[7],
            offset: u64::from_le_bytes(b[8..16].try_into().expect("8 bytes")),
            original_size: u64::from_le_bytes(b[16..24].try_into().expect("8 bytes")),
        }
    }

    /// A resource header that locates nothing (all zero size).
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    pub fn is_compressed(&self) -> bool {
        self.flags & RESHDR_FLAG_COMPRESSED != 0
    }

    /// Names of the flag bits that are set.
    pub fn flag_names(&self) -> Vec<&'static str> {
        [
            (RESHDR_FLAG_FREE, "free"),
            (RESHDR_FLAG_METADATA, "metadata"),
            (RESHDR_FLAG_COMPRESSED, "compressed"),
            (RESHDR_FLAG_SPANNED, "spanned"),
            (RESHDR_FLAG_SOLID, "solid"),
        ]
        .iter()
        .filter(|(bit, _)| self.flags & bit != 0)
        .map(|(_, name)| *name)
        .collect()
    }

    /// The resource must lie inside a file of `file_len` bytes.
    /// `header_offset` is where this reshdr sits (for the message).
    pub fn validate_within(&self, structure: &'static str, header_offset: u64, file_len: u64) -> Result<()> {
        if self.is_empty() {
            return Ok(());
        }
        match self.offset.checked_add(self.size) {
            Some(end) if end <= file_len => Ok(()),
            _ => Err(Error::InvalidField {
                structure,
                offset: header_offset,
                field: "resource range",
                expected: format!("within the file's {file_len} bytes"),
                actual: format!("offset {} + size {} points past the end", self.offset, self.size),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_seven_byte_size_and_flags() {
        let mut b = [0u8; 24];
        b[..7].copy_from_slice(&[0xf0, 0x05, 0, 0, 0, 0, 0x01]);
        b[7] = 0x06;
        b[8..16].copy_from_slice(&477u64.to_le_bytes());
        b[16..24].copy_from_slice(&1520u64.to_le_bytes());
        let r = ResourceHeader::parse(&b);
        assert_eq!(r.size, 0x0001_0000_0000_05f0);
        assert_eq!(r.flags, 6);
        assert_eq!(r.flag_names(), vec!["metadata", "compressed"]);
        assert_eq!(r.offset, 477);
        assert_eq!(r.original_size, 1520);
    }

    #[test]
    fn range_check_catches_overflow_and_past_end() {
        let r = ResourceHeader { size: 10, flags: 2, offset: u64::MAX - 2, original_size: 10 };
        assert!(r.validate_within("xml", 72, 1000).is_err());
        let r = ResourceHeader { size: 10, flags: 2, offset: 995, original_size: 10 };
        assert!(r.validate_within("xml", 72, 1000).is_err());
        let r = ResourceHeader { size: 10, flags: 2, offset: 990, original_size: 10 };
        assert!(r.validate_within("xml", 72, 1000).is_ok());
    }
}
