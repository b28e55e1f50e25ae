//! Big data cells ("db"): a value larger than 16344 bytes is split into segments.

use super::cell::{validate_len, validate_signature};
use super::vk::BIG_DATA_THRESHOLD;
use super::{Hive, u16_at, u32_at};
use crate::error::{Error, Result};
use crate::source::ReadAt;

/// Most segments we follow (MAX_VALUE / 16344, rounded up).
const MAX_SEGMENTS: u16 = 65;

pub fn read<S: ReadAt>(hive: &Hive<S>, d: &[u8], offset: u32, size: u32) -> Result<Vec<u8>> {
    validate_len(d, 8, "db", offset)?;
    validate_signature(d, &[b"db"], "db", offset)?;
    let count = u16_at(d, 2);
    validate_segment_count(count, size, offset)?;
    let list_off = u32_at(d, 4);
    let list = hive.cell(list_off)?;
    validate_len(&list, count as usize * 4, "db segment list", list_off)?;
    let mut out = Vec::with_capacity(size as usize);
    for c in list[..count as usize * 4].chunks_exact(4) {
        let seg = hive.cell(u32::from_le_bytes([c[0], c[1], c[2], c[3]]))?;
        let want = (size as usize - out.len()).min(BIG_DATA_THRESHOLD as usize);
        validate_len(&seg, want, "db segment", list_off)?;
        out.extend_from_slice(&seg[..want]);
    }
    Ok(out)
}

pub fn validate_segment_count(count: u16, size: u32, offset: u32) -> Result<()> {
    let needed = size.div_ceil(BIG_DATA_THRESHOLD);
    if count == 0 || count > MAX_SEGMENTS || (count as u32) < needed {
        return Err(Error::invalid(
            "db",
            offset as u64,
            "segment count",
            format!("{needed} to {MAX_SEGMENTS}"),
            count.to_string(),
        ));
    }
    Ok(())
}
