//! The long allocation descriptor (long_ad, ECMA-167 4/14.14.2): 16 bytes locating an
//! extent in a partition. A leaf: the directory entries of `iso::node` carry it.

use crate::bytes::Fields;
use crate::error::Result;

/// long_ad (ECMA-167 4/14.14.2): an extent in a given partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LongAd {
    /// Length in bytes (low 30 bits) and extent type (high 2 bits).
    pub raw_length: u32,
    pub block: u32,
    /// Partition reference number.
    pub partition: u16,
}

impl LongAd {
    /// Bytes on disk (the last 6 are implementation use).
    pub const LEN: usize = 16;

    /// The long_ad at byte `at` of a structure.
    pub fn read(f: &Fields, at: usize) -> Result<LongAd> {
        Ok(LongAd { raw_length: f.u32(at)?, block: f.u32(at + 4)?, partition: f.u16(at + 8)? })
    }
}
