//! Key node cells ("nk").

use super::cell::{validate_len, validate_signature};
use super::{u16_at, u32_at};
use crate::error::Result;

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
        let flags = u16_at(d, 2);
        let name_len = u16_at(d, 0x48) as usize;
        validate_len(d, FIXED + name_len, "nk name", offset)?;
        let raw = &d[FIXED..FIXED + name_len];
        let name = if flags & KEY_COMP_NAME != 0 { latin1(raw) } else { utf16(raw) };
        Ok(KeyNode {
            offset,
            flags,
            subkey_count: u32_at(d, 0x14),
            subkey_list_offset: u32_at(d, 0x1C),
            value_count: u32_at(d, 0x24),
            value_list_offset: u32_at(d, 0x28),
            name,
        })
    }
}

pub(crate) fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| c as char).collect()
}

pub(crate) fn utf16(b: &[u8]) -> String {
    let units: Vec<u16> = b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    String::from_utf16_lossy(&units)
}
