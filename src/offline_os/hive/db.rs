//! Big data cells ("db"): a value larger than 16344 bytes is split into segments.

use super::Hive;
use super::cell::{absolute, fields, validate_len, validate_signature};
use super::vk::BIG_DATA_THRESHOLD;
use crate::error::{Error, Result};
use crate::source::ReadAt;

/// Most segments we follow (MAX_VALUE / 16344, rounded up).
const MAX_SEGMENTS: u16 = 65;

/// Fields of the cell data: signature, segment count, offset of the segment list.
const COUNT: usize = 2;
const SEGMENT_LIST: usize = 4;
/// The fixed part.
const FIXED: usize = 8;

pub fn read<S: ReadAt>(hive: &Hive<S>, d: &[u8], offset: u32, size: u32) -> Result<Vec<u8>> {
    validate_len(d, FIXED, "db", offset)?;
    validate_signature(d, &[b"db"], "db", offset)?;
    let f = fields(d, "db", offset);
    let count = f.u16(COUNT)?;
    validate_segment_count(count, size, offset)?;
    let list_off = f.u32(SEGMENT_LIST)?;
    let list = hive.cell(list_off)?;
    validate_len(&list, usize::from(count) * 4, "db segment list", list_off)?;
    let list = fields(&list, "db segment list", list_off);
    let mut out = Vec::with_capacity(size as usize);
    for i in 0..usize::from(count) {
        let seg_off = list.u32(i * 4)?;
        let seg = hive.cell(seg_off)?;
        let want = (size as usize).saturating_sub(out.len()).min(BIG_DATA_THRESHOLD as usize);
        validate_len(&seg, want, "db segment", seg_off)?;
        out.extend_from_slice(fields(&seg, "db segment", seg_off).bytes(0, want)?);
    }
    Ok(out)
}

pub fn validate_segment_count(count: u16, size: u32, offset: u32) -> Result<()> {
    let needed = size.div_ceil(BIG_DATA_THRESHOLD);
    if count == 0 || count > MAX_SEGMENTS || (count as u32) < needed {
        return Err(Error::invalid(
            "db",
            absolute(offset),
            "segment count",
            format!("{needed} to {MAX_SEGMENTS}"),
            count.to_string(),
        ));
    }
    Ok(())
}
