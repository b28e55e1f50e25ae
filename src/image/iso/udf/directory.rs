//! File Identifier Descriptors (tag 257, ECMA-167 4/14.4): the entries of a UDF
//! directory. Deleted entries and the parent entry are skipped.
//!
//! Each descriptor's tag checksum and CRC are checked; its recorded tag location is
//! not, like Windows' own UDF driver, which trusts that field for FIDs (they may
//! straddle blocks, and writers disagree on the block of embedded directories).
//! Every other UDF descriptor's location is checked.

use super::tag::{self, FILE_IDENTIFIER};
use super::{LongAd, dchars};
use crate::error::{Error, Result};
use crate::image::iso::node::{DirEntry, MAX_DIR_ENTRIES, Node, Target};

const S: &str = "UDF file identifier descriptor";

/// Absolute offset in the ISO of byte `pos` of a directory made of `dir`'s extents.
fn absolute(dir: &Node, mut pos: u64) -> Option<u64> {
    for e in &dir.extents {
        if pos < e.len {
            return Some(e.offset + pos);
        }
        pos -= e.len;
    }
    None
}

/// Parse the descriptors in `data` (the directory's bytes).
pub fn parse(data: &[u8], dir: &Node) -> Result<Vec<DirEntry>> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    while pos < data.len() {
        let abs = absolute(dir, pos as u64).unwrap_or(dir.id);
        let rest = &data[pos..];
        if rest.len() < 38 {
            if rest.iter().all(|&b| b == 0) {
                break;
            }
            return Err(Error::Truncated { structure: S, offset: abs, needed: 38, available: rest.len() as u64 });
        }
        tag::parse(rest, abs, None, S, &[FILE_IDENTIFIER])?;
        let chars = rest[18];
        let l_fi = usize::from(rest[19]);
        let icb = LongAd::parse(&rest[20..36]);
        let l_iu = usize::from(u16::from_le_bytes([rest[36], rest[37]]));
        let total = 38 + l_iu + l_fi;
        if total > rest.len() {
            return Err(Error::Truncated {
                structure: S,
                offset: abs,
                needed: total as u64,
                available: rest.len() as u64,
            });
        }
        pos += (total + 3) & !3;
        if chars & 0x0C != 0 {
            continue; // deleted (bit 2) or parent (bit 3)
        }
        if out.len() >= MAX_DIR_ENTRIES {
            return Err(Error::TooLarge {
                structure: "UDF directory",
                offset: dir.id,
                size: out.len() as u64,
                limit: MAX_DIR_ENTRIES as u64,
            });
        }
        let name = dchars(&rest[38 + l_iu..total]);
        if name.is_empty() || name.contains(['/', '\0']) {
            return Err(Error::malformed(S, abs, format!("file identifier {name:?}")));
        }
        out.push(DirEntry { name, is_dir: chars & 0x02 != 0, target: Target::Udf(icb) });
    }
    Ok(out)
}
