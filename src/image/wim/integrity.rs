//! The integrity table: SHA-1 hashes of fixed-size chunks of the file, present when
//! the image was written with `/CheckIntegrity` (DISM) or `--check` (wimlib). Only
//! its 12-byte header is read here: u32 table size, u32 entry count, u32 chunk size.

use super::header::{Header, OFFSET_INTEGRITY};
use crate::bytes::Fields;
use crate::error::{Error, Result};
use crate::source::{ReadAt, read_bounded};

const SHA1_LEN: u64 = 20;
/// u32 table size, u32 entry count, u32 chunk size.
const TABLE_HEADER_SIZE: u64 = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntegrityInfo {
    pub offset: u64,
    pub size: u64,
    pub entries: u32,
    pub chunk_size: u32,
}

/// Read the integrity table header, if the WIM has one, and check it for consistency.
pub fn read(src: &dyn ReadAt, header: &Header) -> Result<Option<IntegrityInfo>> {
    let r = &header.integrity;
    if r.is_empty() {
        return Ok(None);
    }
    const S: &str = "WIM integrity table";
    if r.size < 12 {
        return Err(Error::invalid(S, OFFSET_INTEGRITY, "size", "at least 12 bytes", r.size.to_string()));
    }
    let b = read_bounded(src, S, r.offset, TABLE_HEADER_SIZE, TABLE_HEADER_SIZE)?;
    let f = Fields::new(&b, S, r.offset);
    let (table_size, entries, chunk_size) = (f.u32(0)?, f.u32(4)?, f.u32(8)?);
    let expected = 12 + u64::from(entries) * SHA1_LEN;
    if u64::from(table_size) != expected || expected > r.size {
        return Err(Error::invalid(
            S,
            r.offset,
            "table size",
            format!("12 + 20 x {entries} entries = {expected} (and within the resource's {} bytes)", r.size),
            table_size.to_string(),
        ));
    }
    if chunk_size == 0 {
        return Err(Error::invalid(S, r.offset + 8, "chunk size", "non-zero", "0"));
    }
    Ok(Some(IntegrityInfo { offset: r.offset, size: r.size, entries, chunk_size }))
}
