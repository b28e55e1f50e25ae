//! A hive bin header ("hbin", 32 bytes): hive bins hold the cells.

use crate::bytes::Fields;
use crate::error::{Error, Result};

pub const HEADER_SIZE: usize = 32;
/// Fields: signature "hbin", the bin's hive-bins-relative offset, its size.
const SIGNATURE: usize = 0;
const OFFSET: usize = 4;
const SIZE: usize = 8;
/// Bins are multiples of this.
const BIN_ALIGN: u32 = 4096;

#[derive(Debug, Clone)]
pub struct HbinHeader {
    /// Offset of this bin relative to the start of the hive bins data.
    pub offset: u32,
    pub size: u32,
}

impl HbinHeader {
    /// Parse the header read at file offset `at`.
    pub fn parse(b: &[u8; HEADER_SIZE], at: u64) -> Result<HbinHeader> {
        validate_signature(b, at)?;
        let f = Fields::new(b, "hbin", at);
        let h = HbinHeader { offset: f.u32(OFFSET)?, size: f.u32(SIZE)? };
        validate_size(&h, at)?;
        Ok(h)
    }
}

pub fn validate_signature(b: &[u8], at: u64) -> Result<()> {
    let found = Fields::new(b, "hbin", at).bytes(SIGNATURE, 4)?;
    if found != b"hbin" {
        return Err(Error::BadMagic {
            structure: "hbin",
            offset: at,
            expected: "\"hbin\"".into(),
            actual: format!("{found:02x?}"),
        });
    }
    Ok(())
}

pub fn validate_size(h: &HbinHeader, at: u64) -> Result<()> {
    if h.size == 0 || h.size % BIN_ALIGN != 0 {
        return Err(Error::invalid(
            "hbin",
            at + SIZE as u64,
            "size",
            "a non-zero multiple of 4096",
            h.size.to_string(),
        ));
    }
    Ok(())
}
