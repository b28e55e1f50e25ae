//! The Anchor Volume Descriptor Pointer (ECMA-167 3/10.2) at sector 256 (or the last
//! sector, or N-256): where the main and reserve volume descriptor sequences are.

use super::tag::{self, ANCHOR};
use crate::bytes::Fields;
use crate::error::{Error, Result};
use crate::image::iso::node::SECTOR;
use crate::source::{ReadAt, read_bounded};

/// `length` bytes at sector `location` (extent_ad).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtentAd {
    pub length: u32,
    pub location: u32,
}

/// Anchor fields after its tag: the main and the reserve sequence's extent_ad (8 bytes
/// each: length, location).
const MAIN: usize = 16;
const RESERVE: usize = 24;
const LEN: usize = 32;

impl ExtentAd {
    fn parse(f: &Fields, at: usize) -> Result<ExtentAd> {
        Ok(ExtentAd { length: f.u32(at)?, location: f.u32(at + 4)? })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Anchor {
    pub main: ExtentAd,
    pub reserve: ExtentAd,
}

/// Parse the anchor recorded at sector `sector`.
pub fn parse(b: &[u8], sector: u32) -> Result<Anchor> {
    let offset = u64::from(sector) * SECTOR;
    tag::parse(b, offset, sector, "UDF anchor volume descriptor pointer", &[ANCHOR])?;
    if b.len() < LEN {
        return Err(Error::Truncated {
            structure: "UDF anchor",
            offset,
            needed: LEN as u64,
            available: b.len() as u64,
        });
    }
    let f = Fields::new(b, "UDF anchor", offset);
    Ok(Anchor { main: ExtentAd::parse(&f, MAIN)?, reserve: ExtentAd::parse(&f, RESERVE)? })
}

/// Find the anchor: sector 256 first, then the last sector and N-256.
pub fn find(src: &dyn ReadAt) -> Result<Anchor> {
    let sectors = src.len() / SECTOR;
    let mut first_err = None;
    for s in [256, sectors.saturating_sub(1), sectors.saturating_sub(257)] {
        if s < 256 || s >= sectors {
            continue;
        }
        let r = read_bounded(src, "UDF anchor", s * SECTOR, SECTOR, SECTOR).and_then(|b| parse(&b, s as u32));
        match r {
            Ok(a) => return Ok(a),
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    Err(first_err.unwrap_or(Error::Truncated {
        structure: "UDF anchor volume descriptor pointer",
        offset: 256 * SECTOR,
        needed: SECTOR,
        available: src.len().saturating_sub(256 * SECTOR),
    }))
}
