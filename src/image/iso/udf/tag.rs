//! The 16-byte descriptor tag that starts every UDF descriptor (ECMA-167 3/7.2):
//! identifier, checksum of the tag itself, CRC of the descriptor body, and the
//! location the descriptor claims to be recorded at. All three are checked.

use crc::{CRC_16_XMODEM, Crc};

use crate::bytes::Fields;
use crate::error::{Error, Result};

pub const TAG_SIZE: usize = 16;

pub const PRIMARY_VOLUME: u16 = 1;
pub const ANCHOR: u16 = 2;
pub const VOLUME_POINTER: u16 = 3;
pub const PARTITION: u16 = 5;
pub const LOGICAL_VOLUME: u16 = 6;
pub const TERMINATING: u16 = 8;
pub const FILE_SET: u16 = 256;
pub const FILE_IDENTIFIER: u16 = 257;
pub const ALLOCATION_EXTENT: u16 = 258;
pub const FILE_ENTRY: u16 = 261;
pub const EXTENDED_FILE_ENTRY: u16 = 266;

/// ECMA-167's CRC: CRC-16/CCITT, polynomial 0x1021, initial value 0, not reflected.
const CRC16: Crc<u16> = Crc::<u16>::new(&CRC_16_XMODEM);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag {
    pub ident: u16,
    pub version: u16,
    pub serial: u16,
    pub crc_len: u16,
    pub location: u32,
}

/// Tag fields (ECMA-167 3/7.2).
const IDENT: usize = 0;
const VERSION: usize = 2;
const CHECKSUM: usize = 4;
const SERIAL: usize = 6;
const CRC: usize = 8;
const CRC_LEN: usize = 10;
const LOCATION: usize = 12;

/// Parse and validate the tag at the start of `buf` (the descriptor's bytes as read,
/// at absolute offset `offset` of the ISO). `location` is the block number the
/// descriptor must claim (`None`: not checked, see `directory.rs`); `want` the
/// identifiers accepted here.
pub fn parse(
    buf: &[u8],
    offset: u64,
    location: impl Into<Option<u32>>,
    structure: &'static str,
    want: &[u16],
) -> Result<Tag> {
    let location = location.into();
    if buf.len() < TAG_SIZE {
        return Err(Error::Truncated { structure, offset, needed: TAG_SIZE as u64, available: buf.len() as u64 });
    }
    let f = Fields::new(buf, structure, offset);
    let ident = f.u16(IDENT)?;
    if !want.contains(&ident) {
        let names: Vec<String> = want.iter().map(u16::to_string).collect();
        return Err(Error::invalid(structure, offset, "tag identifier", names.join(" or "), ident.to_string()));
    }
    let recorded = f.u8(CHECKSUM)?;
    let sum = f
        .bytes(0, TAG_SIZE)?
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != CHECKSUM)
        .fold(0u8, |s, (_, b)| s.wrapping_add(*b));
    if sum != recorded {
        return Err(Error::invalid(structure, offset, "tag checksum", sum.to_string(), recorded.to_string()));
    }
    let tag = Tag {
        ident,
        version: f.u16(VERSION)?,
        serial: f.u16(SERIAL)?,
        crc_len: f.u16(CRC_LEN)?,
        location: f.u32(LOCATION)?,
    };
    if let Some(want) = location.filter(|l| *l != tag.location) {
        return Err(Error::invalid(structure, offset, "tag location", want.to_string(), tag.location.to_string()));
    }
    let end = TAG_SIZE + usize::from(tag.crc_len);
    if end > buf.len() {
        return Err(Error::Truncated { structure, offset, needed: end as u64, available: buf.len() as u64 });
    }
    let crc = CRC16.checksum(f.bytes(TAG_SIZE, end - TAG_SIZE)?);
    let recorded = f.u16(CRC)?;
    if crc != recorded {
        return Err(Error::invalid(
            structure,
            offset,
            "descriptor CRC",
            format!("{crc:#06x}"),
            format!("{recorded:#06x}"),
        ));
    }
    Ok(tag)
}

/// Fill in a valid tag (tests and fuzz fixtures).
#[cfg(test)]
pub fn write(buf: &mut [u8], ident: u16, location: u32, crc_len: u16) {
    buf[0..2].copy_from_slice(&ident.to_le_bytes());
    buf[2..4].copy_from_slice(&2u16.to_le_bytes());
    buf[10..12].copy_from_slice(&crc_len.to_le_bytes());
    buf[12..16].copy_from_slice(&location.to_le_bytes());
    let crc = CRC16.checksum(&buf[TAG_SIZE..TAG_SIZE + usize::from(crc_len)]);
    buf[8..10].copy_from_slice(&crc.to_le_bytes());
    buf[4] = 0;
    let sum = buf[..TAG_SIZE].iter().fold(0u8, |s, b| s.wrapping_add(*b));
    buf[4] = sum;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_identifier_checksum_location_and_crc() {
        let mut b = vec![0u8; 64];
        b[20] = 7;
        write(&mut b, FILE_ENTRY, 33, 48);
        assert!(parse(&b, 0, 33, "t", &[FILE_ENTRY]).is_ok());
        assert!(parse(&b, 0, 34, "t", &[FILE_ENTRY]).is_err(), "wrong location");
        assert!(parse(&b, 0, None, "t", &[FILE_ENTRY]).is_ok(), "location not checked");
        assert!(parse(&b, 0, 33, "t", &[FILE_SET]).is_err(), "wrong identifier");
        let mut c = b.clone();
        c[4] ^= 1;
        assert!(parse(&c, 0, 33, "t", &[FILE_ENTRY]).is_err(), "checksum");
        let mut d = b.clone();
        d[20] = 8;
        assert!(parse(&d, 0, 33, "t", &[FILE_ENTRY]).is_err(), "crc");
        assert!(parse(&b[..40], 0, 33, "t", &[FILE_ENTRY]).is_err(), "crc length past the buffer");
    }
}
