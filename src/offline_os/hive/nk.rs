//! Key node cells ("nk").

use super::cell::{fields, validate_len, validate_signature};
use crate::bytes::utf16le_units;
use crate::error::Result;

/// Fields of the cell data (after the cell's size field).
const FLAGS: usize = 0x02;
const SUBKEY_COUNT: usize = 0x14;
const SUBKEY_LIST: usize = 0x1C;
const VALUE_COUNT: usize = 0x24;
const VALUE_LIST: usize = 0x28;
const NAME_LENGTH: usize = 0x48;
/// The fixed part; the name follows.
const FIXED: usize = 0x4C;
/// The name is stored as Latin-1 (otherwise UTF-16LE).
const KEY_COMP_NAME: u16 = 0x0020;

#[derive(Debug, Clone)]
pub struct KeyNode {
    pub offset: u32,
    pub flags: u16,
    pub subkey_count: u32,
    pub subkey_list_offset: u32,
    pub value_count: u32,
    pub value_list_offset: u32,
    pub name: String,
}

impl KeyNode {
    pub fn parse(d: &[u8], offset: u32) -> Result<KeyNode> {
        validate_len(d, FIXED, "nk", offset)?;
        validate_signature(d, &[b"nk"], "nk", offset)?;
        let f = fields(d, "nk", offset);
        let flags = f.u16(FLAGS)?;
        let name_len = usize::from(f.u16(NAME_LENGTH)?);
        validate_len(d, FIXED + name_len, "nk name", offset)?;
        let raw = f.bytes(FIXED, name_len)?;
        let name = if flags & KEY_COMP_NAME != 0 { latin1(raw) } else { utf16(raw) };
        Ok(KeyNode {
            offset,
            flags,
            subkey_count: f.u32(SUBKEY_COUNT)?,
            subkey_list_offset: f.u32(SUBKEY_LIST)?,
            value_count: f.u32(VALUE_COUNT)?,
            value_list_offset: f.u32(VALUE_LIST)?,
            name,
        })
    }
}

pub(crate) fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| c as char).collect()
}

pub(crate) fn utf16(b: &[u8]) -> String {
    let units: Vec<u16> = utf16le_units(b).collect();
    String::from_utf16_lossy(&units)
}
