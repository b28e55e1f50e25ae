//! The 24-byte resource header ("reshdr") that locates the blob table, the XML data,
//! the boot metadata and the integrity table inside a WIM file, and that begins every
//! blob table entry.
//!
//! Layout: 7-byte little-endian size in the file, 1 flags byte, u64 offset,
//! u64 original (uncompressed) size.
//!
//! [`ResourceSpec`] says how a resource's bytes are stored (as they are, in compressed
//! chunks with a chunk table, or as a solid resource); [`Resource`] reads any range of
//! its uncompressed bytes, decompressing only the chunks that hold that range.

use super::header::{Compression, Header};
use crate::error::{Error, Result};
use crate::image::decompress::{Codec, MAX_CHUNK_SIZE};

pub const RESHDR_SIZE: usize = 24;

pub const RESHDR_FLAG_FREE: u8 = 0x01;
pub const RESHDR_FLAG_METADATA: u8 = 0x02;
pub const RESHDR_FLAG_COMPRESSED: u8 = 0x04;
pub const RESHDR_FLAG_SPANNED: u8 = 0x08;
pub const RESHDR_FLAG_SOLID: u8 = 0x10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceHeader {
    /// Bytes the resource occupies in the file (compressed size).
    pub size: u64,
    pub flags: u8,
    pub offset: u64,
    pub original_size: u64,
}

impl ResourceHeader {
    /// Parse 24 bytes. Any bit pattern is structurally valid; range checks are
    /// done by `validate_within` against the file that holds the resource.
    pub fn parse(b: &[u8; RESHDR_SIZE]) -> ResourceHeader {
        let mut size = [0u8; 8];
        size[..7].copy_from_slice(&b[..7]);
        ResourceHeader {
            size: u64::from_le_bytes(size),
            flags: b[7],
            offset: u64::from_le_bytes(b[8..16].try_into().expect("8 bytes")),
            original_size: u64::from_le_bytes(b[16..24].try_into().expect("8 bytes")),
        }
    }

    /// A resource header that locates nothing (all zero size).
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    pub fn is_compressed(&self) -> bool {
        self.flags & RESHDR_FLAG_COMPRESSED != 0
    }

    /// Names of the flag bits that are set.
    pub fn flag_names(&self) -> Vec<&'static str> {
        [
            (RESHDR_FLAG_FREE, "free"),
            (RESHDR_FLAG_METADATA, "metadata"),
            (RESHDR_FLAG_COMPRESSED, "compressed"),
            (RESHDR_FLAG_SPANNED, "spanned"),
            (RESHDR_FLAG_SOLID, "solid"),
        ]
        .iter()
        .filter(|(bit, _)| self.flags & bit != 0)
        .map(|(_, name)| *name)
        .collect()
    }

    /// The resource must lie inside a file of `file_len` bytes.
    /// `header_offset` is where this reshdr sits (for the message).
    pub fn validate_within(&self, structure: &'static str, header_offset: u64, file_len: u64) -> Result<()> {
        if self.is_empty() {
            return Ok(());
        }
        match self.offset.checked_add(self.size) {
            Some(end) if end <= file_len => Ok(()),
            _ => Err(Error::InvalidField {
                structure,
                offset: header_offset,
                field: "resource range",
                expected: format!("within the file's {file_len} bytes"),
                actual: format!("offset {} + size {} points past the end", self.offset, self.size),
            }),
        }
    }
}

/// How the bytes of one resource are stored in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// The uncompressed bytes as they are (size in the file == uncompressed size).
    Stored,
    /// Independently compressed chunks of `chunk_size` bytes (the last one shorter),
    /// preceded by a chunk table of offsets (4-byte entries, 8-byte above 4 GiB). In a
    /// pipable WIM the table follows the chunks and each chunk has a 4-byte size prefix.
    Chunked { codec: Codec, chunk_size: u32, pipable: bool },
    /// A solid resource (ESD): a 16-byte header with its own uncompressed size, chunk
    /// size and codec (`None`: every chunk stored raw), a 4-byte compressed size per
    /// chunk, then the chunks. Many blobs live inside one solid resource.
    Solid { codec: Option<Codec>, chunk_size: u32 },
}

/// Where a resource lies and how to read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceSpec {
    /// Part of a split set holding the resource (1 for a single WIM).
    pub part: u16,
    /// Offset of the resource's first byte in that part's file.
    pub offset: u64,
    /// Bytes the resource occupies in the file.
    pub size: u64,
    /// Bytes of uncompressed data.
    pub uncompressed: u64,
    pub storage: Storage,
    /// Where the entry describing the resource sits in the file (blob table entry or
    /// WIM header), for messages.
    pub entry_offset: u64,
}

impl ResourceSpec {
    /// The chunk size of a chunked or solid resource (`None` when stored).
    pub fn chunk_size(&self) -> Option<u32> {
        match self.storage {
            Storage::Stored => None,
            Storage::Chunked { chunk_size, .. } | Storage::Solid { chunk_size, .. } => Some(chunk_size),
        }
    }
}

/// The codec the WIM header declares for its non-solid compressed resources.
pub fn header_codec(c: Compression) -> Option<Codec> {
    match c {
        Compression::None => None,
        Compression::Xpress => Some(Codec::Xpress),
        Compression::Lzx => Some(Codec::Lzx),
        Compression::Lzms => Some(Codec::Lzms),
    }
}

/// How a non-solid resource described by `r` (in a part whose header is `header`) is
/// stored. `entry_offset` names the describing entry in messages.
pub fn spec_for(
    r: &ResourceHeader,
    header: &Header,
    structure: &'static str,
    entry_offset: u64,
) -> Result<ResourceSpec> {
    let storage = if r.is_compressed() {
        let Some(codec) = header_codec(header.compression()) else {
            return Err(Error::invalid(
                structure,
                entry_offset,
                "flags",
                "no compressed resources (the WIM header declares no compression)",
                format!("{:#x} (compressed)", r.flags),
            ));
        };
        let chunk_size = header.chunk_size;
        check_chunk_size(structure, 20, chunk_size)?;
        Storage::Chunked { codec, chunk_size, pipable: header.pipable }
    } else {
        if r.size != r.original_size {
            return Err(Error::invalid(
                structure,
                entry_offset,
                "original size",
                format!("{} (equal to the stored size of uncompressed data)", r.size),
                r.original_size.to_string(),
            ));
        }
        Storage::Stored
    };
    Ok(ResourceSpec {
        part: header.part_number,
        offset: r.offset,
        size: r.size,
        uncompressed: r.original_size,
        storage,
        entry_offset,
    })
}

/// A chunk size must be a power of two no larger than [`MAX_CHUNK_SIZE`] (each codec
/// may refuse more: the decompressor is made for it).
pub fn check_chunk_size(structure: &'static str, offset: u64, chunk_size: u32) -> Result<()> {
    if !chunk_size.is_power_of_two() || chunk_size as usize > MAX_CHUNK_SIZE {
        return Err(Error::invalid(
            structure,
            offset,
            "chunk size",
            format!("a power of two up to {MAX_CHUNK_SIZE}"),
            chunk_size.to_string(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_seven_byte_size_and_flags() {
        let mut b = [0u8; 24];
        b[..7].copy_from_slice(&[0xf0, 0x05, 0, 0, 0, 0, 0x01]);
        b[7] = 0x06;
        b[8..16].copy_from_slice(&477u64.to_le_bytes());
        b[16..24].copy_from_slice(&1520u64.to_le_bytes());
        let r = ResourceHeader::parse(&b);
        assert_eq!(r.size, 0x0001_0000_0000_05f0);
        assert_eq!(r.flags, 6);
        assert_eq!(r.flag_names(), vec!["metadata", "compressed"]);
        assert_eq!(r.offset, 477);
        assert_eq!(r.original_size, 1520);
    }

    #[test]
    fn range_check_catches_overflow_and_past_end() {
        let r = ResourceHeader { size: 10, flags: 2, offset: u64::MAX - 2, original_size: 10 };
        assert!(r.validate_within("xml", 72, 1000).is_err());
        let r = ResourceHeader { size: 10, flags: 2, offset: 995, original_size: 10 };
        assert!(r.validate_within("xml", 72, 1000).is_err());
        let r = ResourceHeader { size: 10, flags: 2, offset: 990, original_size: 10 };
        assert!(r.validate_within("xml", 72, 1000).is_ok());
    }
}
