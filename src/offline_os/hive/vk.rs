//! Value key cells ("vk") and reading their data (inline, in one cell, or in db segments).

use super::Hive;
use super::cell::{absolute, fields, validate_len, validate_signature};
use super::nk::{latin1, utf16};
use crate::error::{Error, Result};
use crate::source::ReadAt;

/// Fields of the cell data (after the cell's size field).
const NAME_LENGTH: usize = 0x02;
const DATA_SIZE: usize = 0x04;
const DATA_OFFSET: usize = 0x08;
const DATA_TYPE: usize = 0x0C;
const FLAGS: usize = 0x10;
/// The fixed part; the name follows.
const FIXED: usize = 0x14;
const VALUE_COMP_NAME: u16 = 0x0001;
/// Set in the data size: the data (up to 4 bytes) sits in the offset field itself.
const DATA_INLINE: u32 = 0x8000_0000;
/// The largest value we read.
pub const MAX_VALUE: u32 = 1 << 20;
/// Data above this size is stored in a db (big data) cell in hives of version 1.4+.
pub const BIG_DATA_THRESHOLD: u32 = 16344;

pub const REG_SZ: u32 = 1;
pub const REG_EXPAND_SZ: u32 = 2;
pub const REG_BINARY: u32 = 3;
pub const REG_DWORD: u32 = 4;
pub const REG_MULTI_SZ: u32 = 7;
pub const REG_QWORD: u32 = 11;

#[derive(Debug, Clone)]
pub struct ValueKey {
    pub offset: u32,
    pub name: String,
    pub data_size: u32,
    pub data_offset: u32,
    pub data_type: u32,
}

impl ValueKey {
    pub fn parse(d: &[u8], offset: u32) -> Result<ValueKey> {
        validate_len(d, FIXED, "vk", offset)?;
        validate_signature(d, &[b"vk"], "vk", offset)?;
        let f = fields(d, "vk", offset);
        let name_len = usize::from(f.u16(NAME_LENGTH)?);
        let flags = f.u16(FLAGS)?;
        validate_len(d, FIXED + name_len, "vk name", offset)?;
        let raw = f.bytes(FIXED, name_len)?;
        Ok(ValueKey {
            offset,
            name: if flags & VALUE_COMP_NAME != 0 { latin1(raw) } else { utf16(raw) },
            data_size: f.u32(DATA_SIZE)?,
            data_offset: f.u32(DATA_OFFSET)?,
            data_type: f.u32(DATA_TYPE)?,
        })
    }
}

/// A value's type and bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueData {
    pub data_type: u32,
    pub bytes: Vec<u8>,
}

impl ValueData {
    /// REG_SZ / REG_EXPAND_SZ as text (up to the first NUL).
    pub fn as_string(&self) -> Option<String> {
        if self.data_type != REG_SZ && self.data_type != REG_EXPAND_SZ {
            return None;
        }
        let s = utf16(&self.bytes[..self.bytes.len() & !1]);
        Some(s.split('\0').next().unwrap_or("").to_string())
    }

    pub fn as_dword(&self) -> Option<u32> {
        let dword = crate::bytes::Fields::new(&self.bytes, "REG_DWORD", 0).u32(0).ok()?;
        (self.data_type == REG_DWORD).then_some(dword)
    }
}

pub fn read_data<S: ReadAt>(hive: &Hive<S>, v: &ValueKey) -> Result<ValueData> {
    let inline = v.data_size & DATA_INLINE != 0;
    let size = v.data_size & !DATA_INLINE;
    validate_data_size(v)?;
    let bytes = if inline {
        validate_inline_size(v, size)?;
        v.data_offset.to_le_bytes()[..size as usize].to_vec()
    } else if size == 0 {
        Vec::new()
    } else {
        let cell = hive.cell(v.data_offset)?;
        if cell.starts_with(b"db") && size > BIG_DATA_THRESHOLD && hive.base.minor_version >= 4 {
            super::db::read(hive, &cell, v.data_offset, size)?
        } else {
            validate_len(&cell, size as usize, "value data", v.data_offset)?;
            cell[..size as usize].to_vec()
        }
    };
    Ok(ValueData { data_type: v.data_type, bytes })
}

pub fn validate_data_size(v: &ValueKey) -> Result<()> {
    let size = v.data_size & !DATA_INLINE;
    if size > MAX_VALUE {
        return Err(Error::TooLarge {
            structure: "vk data",
            offset: absolute(v.offset),
            size: size as u64,
            limit: MAX_VALUE as u64,
        });
    }
    Ok(())
}

pub fn validate_inline_size(v: &ValueKey, size: u32) -> Result<()> {
    if size > 4 {
        return Err(Error::invalid("vk", absolute(v.offset), "inline data size", "0 to 4", size.to_string()));
    }
    Ok(())
}
