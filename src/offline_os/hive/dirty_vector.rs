//! The old transaction log format (before Windows 8.1): after the log's base block
//! sector, a dirty vector ("DIRT" and a bitmap with one bit per 512-byte page of the
//! hive bins data, least significant bit first), then, from the next 512-byte
//! boundary, the dirty pages themselves, one after another in bit order.

use super::log::SIZE as LOG_HEADER_SIZE;
use crate::error::{Error, Result};
use crate::source::{ReadAt, check_range, read_bounded};

pub const PAGE: u64 = 512;
const SIGNATURE: &[u8; 4] = b"DIRT";
/// The largest bitmap: one bit per 512 bytes of the largest hive accepted.
const MAX_BITMAP: u64 = super::MAX_HIVE_BYTES / PAGE / 8;

/// A parsed dirty vector: which pages are dirty and where their copies start in the log.
#[derive(Debug)]
pub struct DirtyVector {
    bitmap: Vec<u8>,
    /// Log file offset of the first dirty page.
    pub pages_offset: u64,
    /// Number of dirty pages (bits set).
    pub dirty_pages: u64,
}

/// One dirty page: where it goes in the hive bins data and where it is in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirtyPage {
    /// Offset relative to the start of the hive bins data.
    pub hive_offset: u64,
    /// Offset in the log file.
    pub log_offset: u64,
}

impl DirtyVector {
    /// Read the dirty vector of a log whose base block gives `data_size` bytes of hive
    /// bins data, and check that the log holds every dirty page it announces.
    pub fn read(log: &dyn ReadAt, data_size: u32) -> Result<DirtyVector> {
        let at = LOG_HEADER_SIZE as u64;
        let mut sig = [0u8; 4];
        check_range("dirty vector", at, 4, log.len())?;
        log.read_exact_at(at, &mut sig)?;
        if &sig != SIGNATURE {
            return Err(Error::BadMagic {
                structure: "dirty vector",
                offset: at,
                expected: "\"DIRT\"".into(),
                actual: format!("{sig:02x?}"),
            });
        }
        let bitmap_len = (u64::from(data_size) / PAGE).div_ceil(8);
        let bitmap = read_bounded(log, "dirty vector bitmap", at + 4, bitmap_len, MAX_BITMAP)?;
        let pages_offset = (at + 4 + bitmap_len).div_ceil(PAGE) * PAGE;
        let dirty_pages: u64 = bitmap.iter().map(|b| u64::from(b.count_ones())).sum();
        let needed = dirty_pages * PAGE;
        if pages_offset + needed > log.len() {
            return Err(Error::Truncated {
                structure: "dirty pages",
                offset: pages_offset,
                needed,
                available: log.len().saturating_sub(pages_offset),
            });
        }
        Ok(DirtyVector { bitmap, pages_offset, dirty_pages })
    }

    /// The dirty pages in the order they are stored in the log.
    pub fn pages(&self) -> impl Iterator<Item = DirtyPage> + '_ {
        let set = self.bitmap.iter().enumerate().flat_map(|(byte, &bits)| {
            (0..8u64).filter(move |bit| bits & (1 << bit) != 0).map(move |bit| byte as u64 * 8 + bit)
        });
        set.enumerate()
            .map(|(k, bit)| DirtyPage { hive_offset: bit * PAGE, log_offset: self.pages_offset + k as u64 * PAGE })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemSource;

    fn log_with(bitmap: &[u8], pages: usize) -> Vec<u8> {
        let mut b = vec![0u8; 512];
        b.extend_from_slice(b"DIRT");
        b.extend_from_slice(bitmap);
        b.resize(b.len().div_ceil(512) * 512, 0);
        for p in 0..pages {
            b.extend(std::iter::repeat_n(p as u8 + 1, 512));
        }
        b
    }

    #[test]
    fn pages_follow_the_bitmap_least_significant_bit_first() {
        // 16 KiB of hive bins: 32 pages, 4 bitmap bytes. Bits 0, 9 and 31 set.
        let log = log_with(&[0x01, 0x02, 0x00, 0x80], 3);
        let v = DirtyVector::read(&MemSource::new("l", log), 16384).unwrap();
        assert_eq!(v.dirty_pages, 3);
        assert_eq!(v.pages_offset, 1024);
        let pages: Vec<_> = v.pages().collect();
        assert_eq!(
            pages,
            vec![
                DirtyPage { hive_offset: 0, log_offset: 1024 },
                DirtyPage { hive_offset: 9 * 512, log_offset: 1536 },
                DirtyPage { hive_offset: 31 * 512, log_offset: 2048 },
            ]
        );
    }

    #[test]
    fn a_log_missing_dirty_pages_is_truncated() {
        let mut log = log_with(&[0xFF, 0, 0, 0], 8);
        log.truncate(log.len() - 1);
        let err = DirtyVector::read(&MemSource::new("l", log), 16384).unwrap_err();
        assert!(matches!(err, Error::Truncated { structure: "dirty pages", .. }), "{err}");
    }

    #[test]
    fn wrong_signature_is_refused() {
        let mut log = log_with(&[0, 0, 0, 0], 0);
        log[512] = b'X';
        assert!(matches!(DirtyVector::read(&MemSource::new("l", log), 16384), Err(Error::BadMagic { .. })));
    }
}
