//! File Identifier Descriptors (tag 257, ECMA-167 4/14.4): the entries of a UDF
//! directory. Deleted entries and the parent entry are skipped.
//!
//! Each descriptor's tag checksum and CRC are checked; its recorded tag location is
//! not, like Windows' own UDF driver, which trusts that field for FIDs (they may
//! straddle blocks, and writers disagree on the block of embedded directories).
//! Every other UDF descriptor's location is checked.

use super::tag::{self, FILE_IDENTIFIER};
use super::{LongAd, dchars};
use crate::bytes::Fields;
use crate::error::{Error, Result};
use crate::image::iso::node::{DirEntry, MAX_DIR_ENTRIES, Node, Target};

const S: &str = "UDF file identifier descriptor";

/// File identifier descriptor fields after its tag (ECMA-167 4/14.4).
const CHARACTERISTICS: usize = 18;
const L_FI: usize = 19;
const ICB: usize = 20;
const L_IU: usize = 36;
/// The fixed part; implementation use, then the identifier, follow.
const FIXED_LEN: usize = 38;
const CHAR_DIRECTORY: u8 = 0x02;
const CHAR_DELETED: u8 = 0x04;
const CHAR_PARENT: u8 = 0x08;

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
        let rest = data.get(pos..).unwrap_or_default();
        if rest.len() < FIXED_LEN {
            if rest.iter().all(|&b| b == 0) {
                break;
            }
            return Err(Error::Truncated {
                structure: S,
                offset: abs,
                needed: FIXED_LEN as u64,
                available: rest.len() as u64,
            });
        }
        tag::parse(rest, abs, None, S, &[FILE_IDENTIFIER])?;
        let f = Fields::new(rest, S, abs);
        let chars = f.u8(CHARACTERISTICS)?;
        let l_fi = usize::from(f.u8(L_FI)?);
        let icb = LongAd::read(&f, ICB)?;
        let l_iu = usize::from(f.u16(L_IU)?);
        let total = FIXED_LEN + l_iu + l_fi;
        if total > rest.len() {
            return Err(Error::Truncated {
                structure: S,
                offset: abs,
                needed: total as u64,
                available: rest.len() as u64,
            });
        }
        pos += (total + 3) & !3;
        if chars & (CHAR_DELETED | CHAR_PARENT) != 0 {
            continue;
        }
        if out.len() >= MAX_DIR_ENTRIES {
            return Err(Error::TooLarge {
                structure: "UDF directory",
                offset: dir.id,
                size: out.len() as u64,
                limit: MAX_DIR_ENTRIES as u64,
            });
        }
        let name = dchars(f.bytes(FIXED_LEN + l_iu, l_fi)?);
        if name.is_empty() || name.contains(['/', '\0']) {
            return Err(Error::malformed(S, abs, format!("file identifier {name:?}")));
        }
        out.push(DirEntry { name, is_dir: chars & CHAR_DIRECTORY != 0, target: Target::Udf(icb) });
    }
    Ok(out)
}
