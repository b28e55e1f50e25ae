//! Subkey lists: "lf" and "lh" (offset + hash), "li" (offsets), "ri" (lists of lists).

use super::cell::{validate_len, validate_signature};
use super::{Hive, MAX_ENTRIES, u16_at, u32_at};
use crate::error::{Error, Result};
use crate::source::ReadAt;

/// An ri may point to leaf lists only; deeper nesting is refused.
const MAX_DEPTH: u32 = 1;

/// The nk offsets of a subkey list at `offset`.
pub fn subkey_offsets<S: ReadAt>(hive: &Hive<S>, offset: u32, depth: u32) -> Result<Vec<u32>> {
    let d = hive.cell(offset)?;
    validate_len(&d, 4, "subkey list", offset)?;
    validate_signature(&d, &[b"lf", b"lh", b"li", b"ri"], "subkey list", offset)?;
    let count = u16_at(&d, 2) as usize;
    let stride = match &d[0..2] {
        b"lf" | b"lh" => 8,
        _ => 4,
    };
    validate_len(&d, 4 + count * stride, "subkey list", offset)?;
    let entries = d[4..4 + count * stride].chunks_exact(stride).map(|c| u32_at(c, 0));
    if &d[0..2] != b"ri" {
        return Ok(entries.collect());
    }
    validate_depth(depth, offset)?;
    let mut out = Vec::new();
    for sub in entries {
        out.extend(subkey_offsets(hive, sub, depth + 1)?);
        if out.len() > MAX_ENTRIES as usize {
            return Err(Error::TooLarge {
                structure: "ri subkey list",
                offset: offset as u64,
                size: out.len() as u64,
                limit: MAX_ENTRIES as u64,
            });
        }
    }
    Ok(out)
}

pub fn validate_depth(depth: u32, offset: u32) -> Result<()> {
    if depth >= MAX_DEPTH {
        return Err(Error::invalid(
            "ri",
            offset as u64,
            "nesting",
            "an ri pointing to lf/lh/li lists",
            "an ri inside an ri",
        ));
    }
    Ok(())
}
