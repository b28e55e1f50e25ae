//! The security data block at the start of every metadata resource: the table of
//! security descriptors the dentries point at by index.
//!
//! Layout (little-endian): u32 total length (of the whole block, 8-byte aligned; 0 is
//! read as 8), u32 entry count, one u64 size per entry, then the descriptors back to
//! back. The root directory entry starts at the total length rounded up to 8.
//!
//! oemgate does not apply security descriptors, so the block is only validated and
//! skipped: the sizes must add up inside the stated length, and the stated length
//! must lie inside the resource. Only the 8-byte head and the sizes array are read.

use crate::error::{Error, Result};
use crate::source::ReadAt;

const S: &str = "WIM security data";

/// Read the sizes array at most this many bytes at a time.
const SIZES_PIECE: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityData {
    /// Total length of the block, rounded up to 8: where the root dentry starts.
    pub total_length: u64,
    /// Number of security descriptors.
    pub entries: u32,
}

impl SecurityData {
    /// Offset of the root directory entry in the metadata resource.
    pub fn root_offset(&self) -> u64 {
        self.total_length
    }
}

/// Read and validate the security data at offset 0 of the uncompressed metadata resource `src`.
pub fn read(src: &dyn ReadAt) -> Result<SecurityData> {
    let len = src.len();
    if len < 8 {
        return Err(Error::Truncated { structure: S, offset: 0, needed: 8, available: len });
    }
    let mut head = [0u8; 8];
    src.read_exact_at(0, &mut head)?;
    let stated = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
    let entries = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
    // 0 means 8 (a block holding only its head); otherwise round up to 8.
    let total_length = if stated == 0 { 8 } else { u64::from(stated).div_ceil(8) * 8 };
    if total_length > len {
        return Err(Error::invalid(
            S,
            0,
            "total length",
            format!("at most the metadata resource's {len} bytes"),
            stated.to_string(),
        ));
    }
    let no_descriptors = 8 + u64::from(entries) * 8;
    if no_descriptors > total_length {
        return Err(Error::invalid(
            S,
            4,
            "entry count",
            format!("at most {} (sizes must fit in the total length {total_length})", (total_length - 8) / 8),
            entries.to_string(),
        ));
    }
    // The sizes: each fits in u32 and together they fit in the block.
    let mut sum = no_descriptors;
    let mut offset = 8u64;
    let mut buf = vec![0u8; SIZES_PIECE.min((no_descriptors - 8) as usize)];
    while offset < no_descriptors {
        let n = ((no_descriptors - offset) as usize).min(buf.len());
        let piece = &mut buf[..n];
        src.read_exact_at(offset, piece)?;
        for (i, size) in piece.chunks_exact(8).enumerate() {
            let size = u64::from_le_bytes(size.try_into().expect("8 bytes"));
            let at = offset + i as u64 * 8;
            if size > u64::from(u32::MAX) {
                return Err(Error::invalid(S, at, "descriptor size", "at most 4 GiB", size.to_string()));
            }
            sum += size;
            if sum > total_length {
                return Err(Error::invalid(
                    S,
                    at,
                    "descriptor size",
                    format!("descriptors within the total length {total_length}"),
                    format!("{size} (descriptors end at {sum})"),
                ));
            }
        }
        offset += n as u64;
    }
    Ok(SecurityData { total_length, entries })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemSource;

    fn block(total: u32, sizes: &[u64], pad_to: usize) -> MemSource {
        let mut b = Vec::new();
        b.extend_from_slice(&total.to_le_bytes());
        b.extend_from_slice(&(sizes.len() as u32).to_le_bytes());
        for s in sizes {
            b.extend_from_slice(&s.to_le_bytes());
        }
        b.resize(pad_to, 0);
        MemSource::new("t", b)
    }

    #[test]
    fn reads_lengths_and_rounds_up() {
        let sd = read(&block(8 + 16 + 20 + 30, &[20, 30], 200)).unwrap();
        assert_eq!(sd.entries, 2);
        assert_eq!(sd.root_offset(), 80); // 74 rounded up
        assert_eq!(read(&block(0, &[], 8)).unwrap().root_offset(), 8);
    }

    #[test]
    fn refuses_inconsistent_blocks() {
        // Longer than the resource.
        assert!(read(&block(400, &[], 200)).is_err());
        // Sizes array past the total length.
        assert!(read(&block(16, &[1, 2], 200)).is_err());
        // Descriptors past the total length.
        assert!(read(&block(40, &[20, 30], 200)).is_err());
        // A size above u32.
        assert!(read(&block(24, &[1 << 33], 200)).is_err());
        // Too short for the head.
        assert!(read(&MemSource::new("t", vec![0; 4])).is_err());
        // A huge entry count is refused before anything is allocated.
        let mut b = vec![0u8; 64];
        b[0..4].copy_from_slice(&64u32.to_le_bytes());
        b[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(read(&MemSource::new("t", b)).is_err());
    }
}
