//! The regf base block: the first 4096 bytes of a hive file.

use crate::bytes::Fields;
use crate::error::{Error, Result};

pub const SIZE: usize = 4096;
/// Fields (absolute file offsets: the base block starts the file).
const SIGNATURE: usize = 0;
const PRIMARY_SEQUENCE: usize = 4;
const SECONDARY_SEQUENCE: usize = 8;
const MAJOR_VERSION: usize = 20;
const MINOR_VERSION: usize = 24;
const FILE_TYPE: usize = 28;
const ROOT_CELL: usize = 36;
const HIVE_BINS_DATA_SIZE: usize = 40;
/// The checksum covers the first 508 bytes.
const CHECKSUM_SPAN: usize = 508;

#[derive(Debug, Clone)]
pub struct BaseBlock {
    pub primary_sequence: u32,
    pub secondary_sequence: u32,
    pub major_version: u32,
    pub minor_version: u32,
    /// Hive-bins-relative offset of the root key's nk cell.
    pub root_cell_offset: u32,
    /// Size of the hive bins data (everything after the base block).
    pub hive_bins_data_size: u32,
    pub checksum: u32,
}

impl BaseBlock {
    pub fn parse(b: &[u8; SIZE]) -> Result<BaseBlock> {
        validate_signature(b)?;
        let f = Fields::new(b, "regf base block", 0);
        let base = BaseBlock {
            primary_sequence: f.u32(PRIMARY_SEQUENCE)?,
            secondary_sequence: f.u32(SECONDARY_SEQUENCE)?,
            major_version: f.u32(MAJOR_VERSION)?,
            minor_version: f.u32(MINOR_VERSION)?,
            root_cell_offset: f.u32(ROOT_CELL)?,
            hive_bins_data_size: f.u32(HIVE_BINS_DATA_SIZE)?,
            checksum: f.u32(CHECKSUM_SPAN)?,
        };
        validate_checksum(b)?;
        validate_version(&base)?;
        validate_file_type(b)?;
        Ok(base)
    }
}

pub fn validate_signature(b: &[u8]) -> Result<()> {
    let found = Fields::new(b, "regf base block", 0).bytes(SIGNATURE, 4)?;
    if found != b"regf" {
        return Err(Error::BadMagic {
            structure: "regf base block",
            offset: 0,
            expected: "\"regf\"".into(),
            actual: format!("{found:02x?}"),
        });
    }
    Ok(())
}

/// XOR of the first 127 dwords; 0 is stored as 1 and 0xFFFFFFFF as 0xFFFFFFFE.
pub fn compute_checksum(b: &[u8]) -> u32 {
    let span = b.get(..CHECKSUM_SPAN).unwrap_or(b);
    let x = span.chunks_exact(4).fold(0u32, |acc, c| acc ^ u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
    match x {
        0 => 1,
        0xFFFF_FFFF => 0xFFFF_FFFE,
        x => x,
    }
}

pub fn validate_checksum(b: &[u8]) -> Result<()> {
    let stored = Fields::new(b, "regf base block", 0).u32(CHECKSUM_SPAN)?;
    let computed = compute_checksum(b);
    if stored != computed {
        return Err(Error::invalid(
            "regf base block",
            CHECKSUM_SPAN as u64,
            "checksum",
            format!("{computed:#010x}"),
            format!("{stored:#010x}"),
        ));
    }
    Ok(())
}

pub fn validate_version(base: &BaseBlock) -> Result<()> {
    if base.major_version != 1 || !(2..=6).contains(&base.minor_version) {
        return Err(Error::invalid(
            "regf base block",
            20,
            "format version",
            "1.2 to 1.6",
            format!("{}.{}", base.major_version, base.minor_version),
        ));
    }
    Ok(())
}

/// File type 0 = primary hive (1/2 are transaction logs), format 1 = direct memory load.
pub fn validate_file_type(b: &[u8]) -> Result<()> {
    let file_type = Fields::new(b, "regf base block", 0).u32(FILE_TYPE)?;
    if file_type != 0 {
        return Err(Error::invalid(
            "regf base block",
            FILE_TYPE as u64,
            "file type",
            "0 (primary hive file)",
            file_type.to_string(),
        ));
    }
    Ok(())
}

/// The hive bins data must be a whole number of 4 KiB pages inside the file.
pub fn validate_data_size(base: &BaseBlock, file_len: u64) -> Result<()> {
    let size = base.hive_bins_data_size as u64;
    if size == 0 || size % 4096 != 0 {
        return Err(Error::invalid(
            "regf base block",
            40,
            "hive bins data size",
            "a non-zero multiple of 4096",
            size.to_string(),
        ));
    }
    if SIZE as u64 + size > file_len {
        return Err(Error::Truncated {
            structure: "regf hive bins",
            offset: SIZE as u64,
            needed: size,
            available: file_len.saturating_sub(SIZE as u64),
        });
    }
    if base.root_cell_offset as u64 >= size {
        return Err(Error::invalid(
            "regf base block",
            36,
            "root cell offset",
            format!("below {size}"),
            base.root_cell_offset.to_string(),
        ));
    }
    Ok(())
}
