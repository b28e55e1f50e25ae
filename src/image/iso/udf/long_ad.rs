//! The long allocation descriptor (long_ad, ECMA-167 4/14.14.2): 16 bytes locating an
//! extent in a partition. A leaf: the directory entries of `iso::node` carry it.

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
    /// Parse the first 10 bytes of `b` (the caller checks that 16 are there).
    pub fn parse(b: &[u8]) -> LongAd {
        LongAd {
            raw_length: u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            block: u32::from_le_bytes([b[4], b[5], b[6], b[7]]),
            partition: u16::from_le_bytes([b[8], b[9]]),
        }
    }
}
