//! The base block of a transaction log file (`SYSTEM.LOG1`, `SYSTEM.LOG2`, `SYSTEM.LOG`):
//! a partial copy of the hive's base block in the log's first 512-byte sector, with its
//! file type telling the log format: 1 (2 before Windows XP) for the old format (a dirty
//! vector and dirty pages), 6 for the Windows 8.1+ format (`HvLE` log entries).

use super::base_block::{compute_checksum, validate_signature};
use crate::bytes::Fields;
use crate::error::{Error, Result};

/// The log's copy of the base block: its first sector only.
pub const SIZE: usize = 512;
const CHECKSUM_AT: usize = 508;

/// Which of the two log formats a log file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogFormat {
    /// Before Windows 8.1: a dirty-page vector ("DIRT") and the dirty 512-byte pages.
    DirtyVector,
    /// Windows 8.1 and later: `HvLE` log entries with sequence numbers and Marvin32 hashes.
    LogEntries,
}

impl LogFormat {
    pub fn describe(self) -> &'static str {
        match self {
            LogFormat::DirtyVector => "dirty-vector log (before Windows 8.1)",
            LogFormat::LogEntries => "HvLE log entries (Windows 8.1 and later)",
        }
    }
}

#[derive(Debug, Clone)]
pub struct LogHeader {
    pub format: LogFormat,
    pub primary_sequence: u32,
    pub secondary_sequence: u32,
    /// FILETIME of the last write, as in the hive's own base block.
    pub timestamp: u64,
    /// The hive bins data size when the log was written.
    pub hive_bins_data_size: u32,
}

impl LogHeader {
    /// Parse and check the first 512 bytes of a log file: signature, checksum, file type.
    pub fn parse(b: &[u8; SIZE]) -> Result<LogHeader> {
        let f = Fields::new(b, "regf log base block", 0);
        validate_signature(b).map_err(|_| Error::BadMagic {
            structure: "regf log base block",
            offset: 0,
            expected: "\"regf\"".into(),
            actual: format!("{:02x?}", f.bytes(0, 4).unwrap_or(&[])),
        })?;
        let stored = f.u32(CHECKSUM_AT)?;
        let computed = compute_checksum(b);
        if stored != computed {
            return Err(Error::invalid(
                "regf log base block",
                CHECKSUM_AT as u64,
                "checksum",
                format!("{computed:#010x}"),
                format!("{stored:#010x}"),
            ));
        }
        let file_type = f.u32(28)?;
        let format = match file_type {
            1 | 2 => LogFormat::DirtyVector,
            6 => LogFormat::LogEntries,
            t => {
                return Err(Error::invalid(
                    "regf log base block",
                    28,
                    "file type",
                    "1 or 2 (dirty-vector log) or 6 (HvLE log)",
                    t.to_string(),
                ));
            }
        };
        Ok(LogHeader {
            format,
            primary_sequence: f.u32(4)?,
            secondary_sequence: f.u32(8)?,
            timestamp: f.u64(12)?,
            hive_bins_data_size: f.u32(40)?,
        })
    }
}

/// Check a hive bins data size taken from a log: a non-zero multiple of 4096 no larger
/// than the hive reader accepts.
pub fn validate_data_size(size: u32, structure: &'static str, offset: u64) -> Result<()> {
    if size == 0 || size % 4096 != 0 || u64::from(size) + 4096 > super::MAX_HIVE_BYTES {
        return Err(Error::invalid(
            structure,
            offset,
            "hive bins data size",
            format!("a non-zero multiple of 4096 below {}", super::MAX_HIVE_BYTES),
            size.to_string(),
        ));
    }
    Ok(())
}
