//! The 208-byte WIM header at offset 0 of every WIM, ESD and SWM part.
//!
//! | off | size | field |
//! |----:|-----:|-------|
//! |   0 |    8 | magic `MSWIM\0\0\0` (pipable: `WLPWM\0\0\0`) |
//! |   8 |    4 | header size (208) |
//! |  12 |    4 | version (0x10D00 normal, 0xE00 solid/ESD) |
//! |  16 |    4 | flags |
//! |  20 |    4 | chunk size |
//! |  24 |   16 | GUID |
//! |  40 |    2 | part number |
//! |  42 |    2 | total parts |
//! |  44 |    4 | image count |
//! |  48 |   24 | blob table resource header |
//! |  72 |   24 | XML data resource header |
//! |  96 |   24 | boot metadata resource header |
//! | 120 |    4 | boot index |
//! | 124 |   24 | integrity table resource header |
//! | 148 |   60 | unused |

use super::resource::{RESHDR_SIZE, ResourceHeader};
use crate::bytes::Fields;
use crate::error::{Error, Result};

pub const HEADER_SIZE: usize = 208;
pub const MAGIC: &[u8; 8] = b"MSWIM\0\0\0";
pub const PIPABLE_MAGIC: &[u8; 8] = b"WLPWM\0\0\0";

pub const VERSION_DEFAULT: u32 = 0x10D00;
pub const VERSION_SOLID: u32 = 0xE00;
/// Seen in images from pre-release Vista builds; same header layout.
pub const VERSION_OLD: u32 = 0x10B00;

pub const FLAG_RESERVED: u32 = 0x0000_0001;
pub const FLAG_COMPRESSION: u32 = 0x0000_0002;
pub const FLAG_READONLY: u32 = 0x0000_0004;
pub const FLAG_SPANNED: u32 = 0x0000_0008;
pub const FLAG_RESOURCE_ONLY: u32 = 0x0000_0010;
pub const FLAG_METADATA_ONLY: u32 = 0x0000_0020;
pub const FLAG_WRITE_IN_PROGRESS: u32 = 0x0000_0040;
pub const FLAG_RP_FIX: u32 = 0x0000_0080;
pub const FLAG_COMPRESS_RESERVED: u32 = 0x0001_0000;
pub const FLAG_COMPRESS_XPRESS: u32 = 0x0002_0000;
pub const FLAG_COMPRESS_LZX: u32 = 0x0004_0000;
pub const FLAG_COMPRESS_LZMS: u32 = 0x0008_0000;
pub const FLAG_COMPRESS_XPRESS2: u32 = 0x0020_0000;

const FLAG_NAMES: &[(u32, &str)] = &[
    (FLAG_RESERVED, "reserved"),
    (FLAG_COMPRESSION, "compression"),
    (FLAG_READONLY, "read-only"),
    (FLAG_SPANNED, "spanned"),
    (FLAG_RESOURCE_ONLY, "resource-only"),
    (FLAG_METADATA_ONLY, "metadata-only"),
    (FLAG_WRITE_IN_PROGRESS, "write-in-progress"),
    (FLAG_RP_FIX, "rp-fix"),
    (FLAG_COMPRESS_RESERVED, "compress-reserved"),
    (FLAG_COMPRESS_XPRESS, "compress-xpress"),
    (FLAG_COMPRESS_LZX, "compress-lzx"),
    (FLAG_COMPRESS_LZMS, "compress-lzms"),
    (FLAG_COMPRESS_XPRESS2, "compress-xpress2"),
];

/// Where each field sits in the header (the table above).
pub const OFFSET_MAGIC: usize = 0;
pub const MAGIC_LEN: usize = 8;
pub const OFFSET_HEADER_SIZE: usize = 8;
pub const OFFSET_VERSION: usize = 12;
pub const OFFSET_FLAGS: usize = 16;
pub const OFFSET_CHUNK_SIZE: usize = 20;
pub const OFFSET_GUID: usize = 24;
pub const GUID_LEN: usize = 16;
pub const OFFSET_PART_NUMBER: usize = 40;
pub const OFFSET_TOTAL_PARTS: usize = 42;
pub const OFFSET_IMAGE_COUNT: usize = 44;
pub const OFFSET_BOOT_INDEX: usize = 120;

/// Where each resource header sits in the WIM header (also for error messages).
pub const OFFSET_BLOB_TABLE: u64 = 48;
pub const OFFSET_XML: u64 = 72;
pub const OFFSET_BOOT_METADATA: u64 = 96;
pub const OFFSET_INTEGRITY: u64 = 124;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Xpress,
    Lzx,
    Lzms,
}

impl Compression {
    /// The name wimlib and DISM use.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "None",
            Compression::Xpress => "XPRESS",
            Compression::Lzx => "LZX",
            Compression::Lzms => "LZMS",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// `MSWIM` or `WLPWM` (pipable).
    pub magic: String,
    pub pipable: bool,
    pub header_size: u32,
    pub version: u32,
    pub flags: u32,
    pub chunk_size: u32,
    /// The 16 GUID bytes as 32 lowercase hex digits, in file order (as wimlib prints it).
    pub guid: String,
    pub part_number: u16,
    pub total_parts: u16,
    pub image_count: u32,
    pub blob_table: ResourceHeader,
    pub xml: ResourceHeader,
    pub boot_metadata: ResourceHeader,
    pub boot_index: u32,
    pub integrity: ResourceHeader,
}

impl Header {
    /// Parse and validate the header. `bytes` is what the file holds from offset 0
    /// (at most `HEADER_SIZE` bytes are looked at).
    pub fn parse(bytes: &[u8]) -> Result<Header> {
        validate_magic(bytes)?;
        if bytes.len() < HEADER_SIZE {
            return Err(Error::Truncated {
                structure: "WIM header",
                offset: 0,
                needed: HEADER_SIZE as u64,
                available: bytes.len() as u64,
            });
        }
        let f = Fields::new(bytes, "WIM header", 0);
        let reshdr_at = |o: u64| -> Result<ResourceHeader> {
            let b: [u8; RESHDR_SIZE] = f.bytes(o as usize, RESHDR_SIZE)?.try_into().expect("RESHDR_SIZE bytes");
            Ok(ResourceHeader::parse(&b))
        };
        let pipable = f.bytes(OFFSET_MAGIC, MAGIC_LEN)? == PIPABLE_MAGIC;
        let guid: String = f.bytes(OFFSET_GUID, GUID_LEN)?.iter().map(|b| format!("{b:02x}")).collect();
        let header = Header {
            magic: if pipable { "WLPWM" } else { "MSWIM" }.to_string(),
            pipable,
            header_size: f.u32(OFFSET_HEADER_SIZE)?,
            version: f.u32(OFFSET_VERSION)?,
            flags: f.u32(OFFSET_FLAGS)?,
            chunk_size: f.u32(OFFSET_CHUNK_SIZE)?,
            guid,
            part_number: f.u16(OFFSET_PART_NUMBER)?,
            total_parts: f.u16(OFFSET_TOTAL_PARTS)?,
            image_count: f.u32(OFFSET_IMAGE_COUNT)?,
            blob_table: reshdr_at(OFFSET_BLOB_TABLE)?,
            xml: reshdr_at(OFFSET_XML)?,
            boot_metadata: reshdr_at(OFFSET_BOOT_METADATA)?,
            boot_index: f.u32(OFFSET_BOOT_INDEX)?,
            integrity: reshdr_at(OFFSET_INTEGRITY)?,
        };
        header.validate_header_size()?;
        header.validate_version()?;
        header.validate_parts()?;
        header.validate_boot_index()?;
        header.validate_compression_flags()?;
        Ok(header)
    }

    fn validate_header_size(&self) -> Result<()> {
        if self.header_size as usize != HEADER_SIZE {
            return Err(Error::invalid(
                "WIM header",
                OFFSET_HEADER_SIZE as u64,
                "header size",
                "208",
                self.header_size.to_string(),
            ));
        }
        Ok(())
    }

    fn validate_version(&self) -> Result<()> {
        match self.version {
            VERSION_DEFAULT | VERSION_SOLID | VERSION_OLD => Ok(()),
            v => Err(Error::invalid(
                "WIM header",
                OFFSET_VERSION as u64,
                "version",
                "0x10d00 or 0xe00 (solid)",
                format!("{v:#x}"),
            )),
        }
    }

    fn validate_parts(&self) -> Result<()> {
        if self.total_parts == 0 || self.part_number == 0 || self.part_number > self.total_parts {
            return Err(Error::invalid(
                "WIM header",
                OFFSET_PART_NUMBER as u64,
                "part number",
                "1 <= part <= total parts",
                format!("part {} of {}", self.part_number, self.total_parts),
            ));
        }
        Ok(())
    }

    fn validate_boot_index(&self) -> Result<()> {
        if self.boot_index > self.image_count {
            return Err(Error::invalid(
                "WIM header",
                OFFSET_BOOT_INDEX as u64,
                "boot index",
                format!("0..={} (the image count)", self.image_count),
                self.boot_index.to_string(),
            ));
        }
        Ok(())
    }

    fn validate_compression_flags(&self) -> Result<()> {
        let kinds = [FLAG_COMPRESS_XPRESS | FLAG_COMPRESS_XPRESS2, FLAG_COMPRESS_LZX, FLAG_COMPRESS_LZMS];
        let set = kinds.iter().filter(|k| self.flags & **k != 0).count();
        if self.flags & FLAG_COMPRESSION != 0 && set > 1 {
            return Err(Error::invalid(
                "WIM header",
                OFFSET_FLAGS as u64,
                "compression flags",
                "at most one compression type",
                format!("{:#x}", self.flags),
            ));
        }
        Ok(())
    }

    /// The compression type the header declares.
    pub fn compression(&self) -> Compression {
        if self.flags & FLAG_COMPRESSION == 0 {
            Compression::None
        } else if self.flags & FLAG_COMPRESS_LZMS != 0 {
            Compression::Lzms
        } else if self.flags & FLAG_COMPRESS_LZX != 0 {
            Compression::Lzx
        } else if self.flags & (FLAG_COMPRESS_XPRESS | FLAG_COMPRESS_XPRESS2) != 0 {
            Compression::Xpress
        } else {
            Compression::None
        }
    }

    /// Solid (ESD) archive: version 0xE00.
    pub fn is_solid(&self) -> bool {
        self.version == VERSION_SOLID
    }

    pub fn flag_names(&self) -> Vec<&'static str> {
        FLAG_NAMES.iter().filter(|(bit, _)| self.flags & bit != 0).map(|(_, n)| *n).collect()
    }

    /// Every resource header must lie inside this part's file.
    pub fn validate_resources(&self, file_len: u64) -> Result<()> {
        self.blob_table.validate_within("WIM blob table resource header", OFFSET_BLOB_TABLE, file_len)?;
        self.xml.validate_within("WIM XML data resource header", OFFSET_XML, file_len)?;
        self.boot_metadata.validate_within("WIM boot metadata resource header", OFFSET_BOOT_METADATA, file_len)?;
        self.integrity.validate_within("WIM integrity table resource header", OFFSET_INTEGRITY, file_len)?;
        Ok(())
    }
}

/// The first 8 bytes must be `MSWIM\0\0\0` or `WLPWM\0\0\0`.
pub fn validate_magic(bytes: &[u8]) -> Result<()> {
    let head = &bytes[..bytes.len().min(MAGIC_LEN)];
    if head == MAGIC || head == PIPABLE_MAGIC {
        return Ok(());
    }
    Err(Error::BadMagic {
        structure: "not a WIM file: WIM header",
        offset: 0,
        expected: "MSWIM\\0\\0\\0".into(),
        actual: escape_bytes(head),
    })
}

/// Printable form of a few bytes for messages: ASCII as is, others as \xNN.
pub fn escape_bytes(b: &[u8]) -> String {
    let mut s = String::new();
    for &c in b {
        if c.is_ascii_graphic() || c == b' ' {
            s.push(c as char);
        } else if c == 0 {
            s.push_str("\\0");
        } else {
            s.push_str(&format!("\\x{c:02x}"));
        }
    }
    if s.is_empty() { "nothing (empty file)".into() } else { s }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal valid header for unit tests.
    pub fn sample() -> Vec<u8> {
        let mut b = vec![0u8; HEADER_SIZE];
        b[..8].copy_from_slice(MAGIC);
        b[8..12].copy_from_slice(&208u32.to_le_bytes());
        b[12..16].copy_from_slice(&VERSION_DEFAULT.to_le_bytes());
        b[16..20].copy_from_slice(&(FLAG_COMPRESSION | FLAG_COMPRESS_LZX).to_le_bytes());
        b[20..24].copy_from_slice(&32768u32.to_le_bytes());
        b[40..42].copy_from_slice(&1u16.to_le_bytes());
        b[42..44].copy_from_slice(&1u16.to_le_bytes());
        b[44..48].copy_from_slice(&1u32.to_le_bytes());
        b
    }

    #[test]
    fn parses_sample() {
        let h = Header::parse(&sample()).unwrap();
        assert_eq!(h.compression(), Compression::Lzx);
        assert_eq!(h.flag_names(), vec!["compression", "compress-lzx"]);
        assert!(!h.is_solid());
    }

    #[test]
    fn rejects_damage() {
        let mut b = sample();
        b[0] = b'X';
        assert!(matches!(Header::parse(&b), Err(Error::BadMagic { .. })));
        assert!(matches!(Header::parse(&sample()[..100]), Err(Error::Truncated { .. })));
        assert!(matches!(Header::parse(&[]), Err(Error::BadMagic { .. })));
        let mut b = sample();
        b[42] = 0;
        assert!(Header::parse(&b).is_err());
        let mut b = sample();
        b[120] = 5;
        assert!(Header::parse(&b).is_err());
        let mut b = sample();
        b[12] = 7;
        assert!(Header::parse(&b).is_err());
    }
}
