//! Cells: a signed 32-bit size (negative = allocated) followed by the cell data.
//! Offsets are relative to the start of the hive bins data (file offset 4096).

use crate::bytes::Fields;
use crate::error::{Error, Result};
use crate::source::{ReadAt, read_bounded};

/// The largest cell we read (big values are split into db segments far below this).
pub const MAX_CELL: u64 = 1 << 20;
const BINS_START: u64 = super::base_block::SIZE as u64;

/// The absolute file offset of the cell at hive-bins-relative `offset` (its size field).
/// Every error about a cell names this offset.
pub fn absolute(offset: u32) -> u64 {
    BINS_START + u64::from(offset)
}

/// The fields of a cell's data (read at `offset`, without its size field), for errors
/// that name the cell's absolute offset.
pub fn fields<'a>(data: &'a [u8], structure: &'static str, offset: u32) -> Fields<'a> {
    Fields::new(data, structure, absolute(offset))
}

/// Read the allocated cell at `offset`; returns its data without the size field.
pub fn read_cell(src: &dyn ReadAt, data_size: u32, offset: u32) -> Result<Vec<u8>> {
    validate_offset(offset, data_size)?;
    let at = absolute(offset);
    let size_raw = read_bounded(src, "cell", at, 4, 4)?;
    let size = Fields::new(&size_raw, "cell", at).i32(0)?;
    let len = validate_size(size, offset, data_size)?;
    read_bounded(src, "cell", at + 4, len - 4, MAX_CELL)
}

pub fn validate_offset(offset: u32, data_size: u32) -> Result<()> {
    if offset == u32::MAX || offset % 8 != 0 || offset as u64 + 4 > data_size as u64 {
        return Err(Error::invalid(
            "cell",
            absolute(offset),
            "offset",
            format!("8-aligned, below {data_size}"),
            format!("{offset:#x}"),
        ));
    }
    Ok(())
}

/// Returns the cell's total length (size field included).
pub fn validate_size(size: i32, offset: u32, data_size: u32) -> Result<u64> {
    let at = absolute(offset);
    if size >= 0 {
        return Err(Error::invalid(
            "cell",
            at,
            "size",
            "a negative size (allocated cell)",
            format!("{size} (free cell)"),
        ));
    }
    let len = size.unsigned_abs() as u64;
    if len < 8 || len % 8 != 0 {
        return Err(Error::invalid("cell", at, "size", "a multiple of 8, at least 8", len.to_string()));
    }
    if offset as u64 + len > data_size as u64 {
        return Err(Error::Truncated {
            structure: "cell",
            offset: at,
            needed: len,
            available: data_size as u64 - offset as u64,
        });
    }
    Ok(len)
}

/// Check the two-byte signature of a cell.
pub fn validate_signature(data: &[u8], expected: &[&[u8; 2]], structure: &'static str, offset: u32) -> Result<()> {
    let found = data.get(0..2);
    if found.is_some_and(|f| expected.iter().any(|e| f == *e)) {
        return Ok(());
    }
    Err(Error::BadMagic {
        structure,
        offset: absolute(offset),
        expected: expected
            .iter()
            .map(|e| format!("\"{}\"", String::from_utf8_lossy(*e)))
            .collect::<Vec<_>>()
            .join(" or "),
        actual: format!("{:02x?}", found.unwrap_or(data)),
    })
}

/// Check that a cell holds at least `needed` bytes.
pub fn validate_len(data: &[u8], needed: usize, structure: &'static str, offset: u32) -> Result<()> {
    if data.len() < needed {
        return Err(Error::Truncated {
            structure,
            offset: absolute(offset),
            needed: needed as u64,
            available: data.len() as u64,
        });
    }
    Ok(())
}
