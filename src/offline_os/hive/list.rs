//! Subkey lists: "lf" and "lh" (offset + hash), "li" (offsets), "ri" (lists of lists).

use super::cell::{absolute, fields, validate_len, validate_signature};
use super::{Hive, MAX_ENTRIES};
use crate::error::{Error, Result};
use crate::source::ReadAt;

/// An ri may point to leaf lists only; deeper nesting is refused.
const MAX_DEPTH: u32 = 1;

/// Fields of the cell data: signature, entry count, then the entries.
const SIGNATURE: usize = 0;
const COUNT: usize = 2;
const ENTRIES: usize = 4;

/// The nk offsets of a subkey list at `offset`.
pub fn subkey_offsets<S: ReadAt>(hive: &Hive<S>, offset: u32, depth: u32) -> Result<Vec<u32>> {
    let d = hive.cell(offset)?;
    validate_len(&d, 4, "subkey list", offset)?;
    validate_signature(&d, &[b"lf", b"lh", b"li", b"ri"], "subkey list", offset)?;
    let f = fields(&d, "subkey list", offset);
    let signature = f.bytes(SIGNATURE, 2)?;
    let count = usize::from(f.u16(COUNT)?);
    // lf/lh: (nk offset, name hash) pairs; li/ri: offsets only.
    let stride = if signature == b"lf" || signature == b"lh" { 8 } else { 4 };
    validate_len(&d, ENTRIES + count * stride, "subkey list", offset)?;
    let entries = (0..count).map(|i| f.u32(ENTRIES + i * stride)).collect::<Result<Vec<u32>>>()?;
    if signature != b"ri" {
        return Ok(entries);
    }
    validate_depth(depth, offset)?;
    let mut out = Vec::new();
    for sub in entries {
        out.extend(subkey_offsets(hive, sub, depth + 1)?);
        if out.len() > MAX_ENTRIES as usize {
            return Err(Error::TooLarge {
                structure: "ri subkey list",
                offset: absolute(offset),
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
            absolute(offset),
            "nesting",
            "an ri pointing to lf/lh/li lists",
            "an ri inside an ri",
        ));
    }
    Ok(())
}
