//! A hive bin header ("hbin", 32 bytes): hive bins hold the cells.

use super::u32_at;
use crate::error::{Error, Result};

pub const HEADER_SIZE: usize = 32;

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
        let h = HbinHeader { offset: u32_at(b, 4), size: u32_at(b, 8) };
        validate_size(&h, at)?;
        Ok(h)
    }
}

pub fn validate_signature(b: &[u8], at: u64) -> Result<()> {
    if &b[0..4] != b"hbin" {
        return Err(Error::BadMagic {
            structure: "hbin",
            offset: at,
            expected: "\"hbin\"".into(),
            actual: format!("{:02x?}", &b[0..4]),
        });
    }
    Ok(())
}

pub fn validate_size(h: &HbinHeader, at: u64) -> Result<()> {
    if h.size == 0 || h.size % 4096 != 0 {
        return Err(Error::invalid("hbin", at + 8, "size", "a non-zero multiple of 4096", h.size.to_string()));
    }
    Ok(())
}
