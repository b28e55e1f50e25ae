//! A log entry of the Windows 8.1+ transaction log format ("HvLE"), stored from the
//! log's second sector on, each at a 512-byte boundary:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | signature `HvLE` |
//! | 4 | 4 | size of the entry (a multiple of 512) |
//! | 8 | 4 | flags (bit 0: the base block's KTM-locked flag) |
//! | 12 | 4 | sequence number |
//! | 16 | 4 | hive bins data size after this entry |
//! | 20 | 4 | dirty page count |
//! | 24 | 8 | hash 1: Marvin32 of bytes 40..size |
//! | 32 | 8 | hash 2: Marvin32 of bytes 0..32 |
//! | 40 | 8 × count | page references: offset (relative to the hive bins data), size |
//! | … | | the pages, in reference order, without gaps |

use super::log;
use super::marvin32::{REGF_LOG_SEED, marvin32};
use crate::bytes::Fields;
use crate::error::{Error, Result};
use crate::source::{ReadAt, read_bounded};

pub const HEADER_SIZE: usize = 40;
pub const SIGNATURE: &[u8; 4] = b"HvLE";
/// Entries and page references are aligned to and sized in 512-byte sectors.
pub const SECTOR: u32 = 512;
/// The largest entry read (one entry may carry the whole hive after a reorganisation).
pub const MAX_ENTRY_BYTES: u64 = 256 << 20;

/// A checked log entry with its page data.
#[derive(Debug)]
pub struct LogEntry {
    /// Offset of the entry in the log file.
    pub offset: u64,
    pub size: u32,
    pub flags: u32,
    pub sequence: u32,
    pub hive_bins_data_size: u32,
    pub pages: Vec<PageRef>,
    bytes: Vec<u8>,
}

/// One dirty page of an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRef {
    /// Offset relative to the start of the hive bins data.
    pub hive_offset: u32,
    pub size: u32,
    /// Where its bytes start inside the entry.
    data_at: usize,
}

impl LogEntry {
    /// The bytes of `page` (a page of this entry).
    pub fn page_data(&self, page: &PageRef) -> &[u8] {
        // Checked in `read`: data_at + size lies inside the entry.
        Fields::new(&self.bytes, "HvLE dirty page", self.offset).bytes(page.data_at, page.size as usize).unwrap_or(&[])
    }
}

/// What is at a log offset where an entry could start.
#[derive(Debug)]
pub enum Slot {
    /// A checked entry.
    Entry(LogEntry),
    /// No entry starts here (end of the file, zeros, or other bytes): the end of the log.
    End,
}

/// The sequence number of the entry that starts at log offset `at`, if one does, read
/// before anything else is checked: an older entry left after the new ones ends the
/// replay whatever state the rest of it is in.
pub fn peek_sequence(src: &dyn ReadAt, at: u64) -> Option<u32> {
    let mut head = [0u8; 16];
    at.checked_add(16).filter(|&end| end <= src.len())?;
    src.read_exact_at(at, &mut head).ok()?;
    let f = Fields::new(&head, "HvLE log entry", at);
    if f.bytes(0, 4).ok()? != SIGNATURE {
        return None;
    }
    f.u32(12).ok()
}

/// Read the entry at log offset `at`. `Ok(Slot::End)` when no `HvLE` signature is there;
/// an error when an entry starts there but is truncated, inconsistent, or fails its hashes:
/// replay stops at such an entry, as Windows does.
pub fn read(src: &dyn ReadAt, at: u64) -> Result<Slot> {
    if at.checked_add(HEADER_SIZE as u64).is_none_or(|end| end > src.len()) {
        return Ok(Slot::End);
    }
    let mut head = [0u8; HEADER_SIZE];
    src.read_exact_at(at, &mut head)?;
    let head = Fields::new(&head, "HvLE log entry", at);
    if head.bytes(0, 4)? != SIGNATURE {
        return Ok(Slot::End);
    }
    let size = head.u32(4)?;
    if size < HEADER_SIZE as u32 || size % SECTOR != 0 {
        return Err(Error::invalid(
            "HvLE log entry",
            at + 4,
            "size",
            "a multiple of 512, at least 512",
            size.to_string(),
        ));
    }
    let bytes = read_bounded(src, "HvLE log entry", at, u64::from(size), MAX_ENTRY_BYTES)?;
    let f = Fields::new(&bytes, "HvLE log entry", at);
    let hash1 = f.u64(24)?;
    let hash2 = f.u64(32)?;
    let want2 = marvin32(f.bytes(0, 32)?, REGF_LOG_SEED);
    if hash2 != want2 {
        return Err(Error::invalid(
            "HvLE log entry",
            at + 32,
            "hash 2 (Marvin32)",
            format!("{want2:#018x}"),
            format!("{hash2:#018x}"),
        ));
    }
    let want1 = marvin32(f.bytes(HEADER_SIZE, f.len().saturating_sub(HEADER_SIZE))?, REGF_LOG_SEED);
    if hash1 != want1 {
        return Err(Error::invalid(
            "HvLE log entry",
            at + 24,
            "hash 1 (Marvin32)",
            format!("{want1:#018x}"),
            format!("{hash1:#018x}"),
        ));
    }
    let data_size = f.u32(16)?;
    log::validate_data_size(data_size, "HvLE log entry", at + 16)?;
    let count = f.u32(20)?;
    let refs_end = u64::from(count) * 8 + HEADER_SIZE as u64;
    if refs_end > u64::from(size) {
        return Err(Error::invalid(
            "HvLE log entry",
            at + 20,
            "dirty page count",
            format!("at most {} page references in {size} bytes", (size as usize - HEADER_SIZE) / 8),
            count.to_string(),
        ));
    }
    // `refs_end <= size <= MAX_ENTRY_BYTES`: the casts below cannot truncate.
    let mut data_at = refs_end as usize;
    let mut pages = Vec::with_capacity(count as usize);
    for i in 0..count as usize {
        let r = HEADER_SIZE + i * 8;
        let ref_at = at + r as u64;
        let (hive_offset, page_size) = (f.u32(r)?, f.u32(r + 4)?);
        if page_size == 0 || page_size % SECTOR != 0 || hive_offset % SECTOR != 0 {
            return Err(Error::invalid(
                "HvLE page reference",
                ref_at,
                "offset and size",
                "non-empty, in whole 512-byte sectors",
                format!("offset {hive_offset:#x}, size {page_size}"),
            ));
        }
        if u64::from(hive_offset) + u64::from(page_size) > u64::from(data_size) {
            return Err(Error::invalid(
                "HvLE page reference",
                ref_at,
                "page",
                format!("inside the entry's {data_size} bytes of hive bins data"),
                format!("offset {hive_offset:#x} + size {page_size} past the hive's end"),
            ));
        }
        let end = data_at.saturating_add(page_size as usize);
        if end > f.len() {
            return Err(Error::Truncated {
                structure: "HvLE dirty page",
                offset: at + data_at as u64,
                needed: u64::from(page_size),
                available: f.len().saturating_sub(data_at) as u64,
            });
        }
        pages.push(PageRef { hive_offset, size: page_size, data_at });
        data_at = end;
    }
    Ok(Slot::Entry(LogEntry {
        offset: at,
        size,
        flags: f.u32(8)?,
        sequence: f.u32(12)?,
        hive_bins_data_size: data_size,
        pages,
        bytes,
    }))
}

/// Build an entry (for tests and the fuzz seeds): pages given as (hive offset, bytes),
/// hashes computed, size rounded up to 512.
pub fn build(sequence: u32, flags: u32, data_size: u32, pages: &[(u32, &[u8])]) -> Vec<u8> {
    let mut b = vec![0u8; HEADER_SIZE];
    b[0..4].copy_from_slice(SIGNATURE);
    b[8..12].copy_from_slice(&flags.to_le_bytes());
    b[12..16].copy_from_slice(&sequence.to_le_bytes());
    b[16..20].copy_from_slice(&data_size.to_le_bytes());
    b[20..24].copy_from_slice(&(pages.len() as u32).to_le_bytes());
    for (off, data) in pages {
        b.extend_from_slice(&off.to_le_bytes());
        b.extend_from_slice(&(data.len() as u32).to_le_bytes());
    }
    for (_, data) in pages {
        b.extend_from_slice(data);
    }
    b.resize(b.len().div_ceil(SECTOR as usize) * SECTOR as usize, 0);
    let size = b.len() as u32;
    b[4..8].copy_from_slice(&size.to_le_bytes());
    let h1 = marvin32(&b[HEADER_SIZE..], REGF_LOG_SEED);
    b[24..32].copy_from_slice(&h1.to_le_bytes());
    let h2 = marvin32(&b[..32], REGF_LOG_SEED);
    b[32..40].copy_from_slice(&h2.to_le_bytes());
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemSource;

    fn src(b: Vec<u8>) -> MemSource {
        MemSource::new("log", b)
    }

    fn entry(slot: Result<Slot>) -> LogEntry {
        match slot {
            Ok(Slot::Entry(e)) => e,
            other => panic!("expected an entry, got {other:?}"),
        }
    }

    #[test]
    fn round_trips_an_entry() {
        let page = vec![0xABu8; 4096];
        let b = build(7, 1, 8192, &[(4096, &page)]);
        assert_eq!(b.len() % 512, 0);
        let e = entry(read(&src(b), 0));
        assert_eq!((e.sequence, e.flags, e.hive_bins_data_size), (7, 1, 8192));
        assert_eq!(e.pages.len(), 1);
        assert_eq!(e.pages[0].hive_offset, 4096);
        assert_eq!(e.page_data(&e.pages[0]), &page[..]);
    }

    #[test]
    fn no_signature_is_the_end() {
        assert!(matches!(read(&src(vec![0; 1024]), 0), Ok(Slot::End)));
        assert!(matches!(read(&src(vec![0; 10]), 0), Ok(Slot::End)));
    }

    #[test]
    fn a_changed_byte_fails_a_hash() {
        let b = build(7, 0, 8192, &[(0, &[1u8; 512])]);
        let mut page = b.clone();
        page[HEADER_SIZE + 8 + 3] ^= 1;
        let msg = read(&src(page), 0).unwrap_err().to_string();
        assert!(msg.contains("hash 1"), "{msg}");
        let mut head = b.clone();
        head[12] ^= 1; // the sequence number
        let msg = read(&src(head), 0).unwrap_err().to_string();
        assert!(msg.contains("hash 2"), "{msg}");
    }

    #[test]
    fn pages_past_the_hive_end_and_truncation_are_refused() {
        let b = build(7, 0, 4096, &[(4096, &[1u8; 512])]);
        let msg = read(&src(b), 0).unwrap_err().to_string();
        assert!(msg.contains("past the hive's end"), "{msg}");
        let mut b = build(7, 0, 8192, &[(0, &[1u8; 512])]);
        b.truncate(b.len() - 1);
        assert!(matches!(read(&src(b), 0), Err(Error::Truncated { .. })));
    }
}
