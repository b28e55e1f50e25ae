//! ISO 9660 (ECMA-119) with Joliet: volume descriptors from sector 16 (primary,
//! supplementary with the Joliet escape sequences %/@, %/C, %/E, terminator),
//! directory records, and multi-extent files (consecutive records of one name, all
//! but the last flagged multi-extent) for files of 4 GiB and more. Joliet names
//! (UCS-2) are used when a Joliet descriptor exists; else the ISO 9660 names with
//! their `;1` version suffix removed. Rock Ridge is not read.

use super::node::{DirEntry, Kind, MAX_DIR_ENTRIES, MAX_EXTENTS, Node, SECTOR, Target, read_extents};
use crate::bytes::{Fields, utf16be_units};
use crate::error::{Error, Result};
use crate::source::{Extent, ReadAt, check_range, read_bounded};

/// Volume descriptors looked at from sector 16 on.
const MAX_DESCRIPTORS: u64 = 64;
/// The first volume descriptor's sector.
const FIRST_DESCRIPTOR_SECTOR: u64 = 16;

/// Volume descriptor fields (ECMA-119 8.4, 8.5).
mod vd {
    pub const TYPE: usize = 0;
    pub const IDENTIFIER: usize = 1;
    pub const IDENTIFIER_LEN: usize = 5;
    pub const TYPE_PRIMARY: u8 = 1;
    pub const TYPE_SUPPLEMENTARY: u8 = 2;
    pub const TYPE_TERMINATOR: u8 = 255;
    pub const VOLUME_ID: usize = 40;
    pub const VOLUME_ID_LEN: usize = 32;
    /// Joliet's escape sequences (%/@, %/C, %/E) are in this field.
    pub const ESCAPE_SEQUENCES: usize = 88;
    pub const ESCAPE_SEQUENCES_LEN: usize = 32;
    pub const LOGICAL_BLOCK_SIZE: usize = 128;
    pub const ROOT_RECORD: usize = 156;
    pub const ROOT_RECORD_LEN: usize = 34;
}

/// Directory record fields (ECMA-119 9.1); sizes are both-endian, the LE half is read.
mod dr {
    pub const LENGTH: usize = 0;
    pub const EXTENDED_ATTRIBUTE_LENGTH: usize = 1;
    pub const EXTENT: usize = 2;
    pub const DATA_LENGTH: usize = 10;
    pub const FLAGS: usize = 25;
    pub const FILE_UNIT_SIZE: usize = 26;
    pub const INTERLEAVE_GAP: usize = 27;
    pub const NAME_LENGTH: usize = 32;
    pub const NAME: usize = 33;
    /// The fixed part, up to and including the name length; the name follows.
    pub const MIN_LEN: usize = 34;
    pub const FLAG_DIRECTORY: u8 = 0x02;
    pub const FLAG_MULTI_EXTENT: u8 = 0x80;
}

#[derive(Debug)]
pub struct Volume {
    pub joliet: bool,
    pub label: Option<String>,
    pub root: Node,
    block: u64,
}

fn text(b: &[u8], joliet: bool) -> String {
    if joliet {
        let units: Vec<u16> = utf16be_units(b).collect();
        String::from_utf16_lossy(&units)
    } else {
        b.iter().map(|&c| char::from(c)).collect()
    }
}

/// One directory record (ECMA-119 9.1).
struct Record {
    name: String,
    flags: u8,
    extent: Extent,
}

fn record(b: &[u8], offset: u64, joliet: bool, block: u64, src_len: u64) -> Result<Option<Record>> {
    const S: &str = "ISO 9660 directory record";
    let f = Fields::new(b, S, offset);
    let len = usize::from(f.u8(dr::LENGTH)?);
    let name_len = f.u8(dr::NAME_LENGTH).map_or(0, usize::from);
    if len < dr::MIN_LEN || len > b.len() || dr::NAME + name_len > len {
        return Err(Error::malformed(S, offset, format!("record length {len}, name length {name_len}")));
    }
    if f.u8(dr::FILE_UNIT_SIZE)? != 0 || f.u8(dr::INTERLEAVE_GAP)? != 0 {
        return Err(Error::Unsupported { structure: S, offset, message: "interleaved file".into() });
    }
    let raw = f.bytes(dr::NAME, name_len)?;
    if name_len == 1 && raw[0] <= 1 {
        return Ok(None); // "." and ".."
    }
    let flags = f.u8(dr::FLAGS)?;
    let start = (u64::from(f.u32(dr::EXTENT)?) + u64::from(f.u8(dr::EXTENDED_ATTRIBUTE_LENGTH)?)) * block;
    let size = u64::from(f.u32(dr::DATA_LENGTH)?);
    if size > 0 {
        check_range(S, start, size, src_len).map_err(|_| {
            Error::invalid(
                S,
                offset,
                "extent",
                format!("inside the {src_len}-byte ISO"),
                format!("{size} bytes at offset {start}"),
            )
        })?;
    }
    let mut name = text(raw, joliet);
    if flags & dr::FLAG_DIRECTORY == 0 {
        if let Some(semi) = name.rfind(';') {
            name.truncate(semi);
        }
        if name.ends_with('.') {
            name.pop();
        }
    }
    if name.is_empty() || name.contains(['/', '\0']) {
        return Err(Error::malformed(S, offset, format!("file identifier {name:?}")));
    }
    Ok(Some(Record { name, flags, extent: Extent { offset: start, len: size } }))
}

fn node(kind: Kind, extents: Vec<Extent>) -> Node {
    let size = extents.iter().map(|e| e.len).sum();
    let id = extents.first().map_or(0, |e| e.offset);
    Node { kind, size, extents, id }
}

impl Volume {
    pub fn open(src: &dyn ReadAt) -> Result<Volume> {
        const S: &str = "ISO 9660 volume descriptor";
        let mut primary = None;
        let mut joliet = None;
        for s in FIRST_DESCRIPTOR_SECTOR..FIRST_DESCRIPTOR_SECTOR + MAX_DESCRIPTORS {
            let offset = s * SECTOR;
            let b = read_bounded(src, S, offset, SECTOR, SECTOR)?;
            let f = Fields::new(&b, S, offset);
            if f.bytes(vd::IDENTIFIER, vd::IDENTIFIER_LEN)? != b"CD001" {
                break;
            }
            let escapes = f.bytes(vd::ESCAPE_SEQUENCES, vd::ESCAPE_SEQUENCES_LEN)?;
            match f.u8(vd::TYPE)? {
                vd::TYPE_PRIMARY if primary.is_none() => primary = Some((offset, b)),
                vd::TYPE_SUPPLEMENTARY
                    if joliet.is_none()
                        && [b"%/@", b"%/C", b"%/E"].iter().any(|e| escapes.windows(3).any(|w| w == *e)) =>
                {
                    joliet = Some((offset, b))
                }
                vd::TYPE_TERMINATOR => break,
                _ => {}
            }
        }
        let primary =
            primary.ok_or_else(|| Error::NotFound { what: "ISO 9660: no primary volume descriptor".into() })?;
        let is_joliet = joliet.is_some();
        let (d_offset, d) = joliet.unwrap_or(primary);
        let f = Fields::new(&d, S, d_offset);
        let block = u64::from(f.u16(vd::LOGICAL_BLOCK_SIZE)?);
        if !matches!(block, 512 | 1024 | 2048) {
            return Err(Error::invalid(
                S,
                f.offset_of(vd::LOGICAL_BLOCK_SIZE),
                "logical block size",
                "512, 1024 or 2048",
                block.to_string(),
            ));
        }
        let root_rec = Fields::new(
            f.bytes(vd::ROOT_RECORD, vd::ROOT_RECORD_LEN)?,
            "ISO 9660 root directory record",
            f.offset_of(vd::ROOT_RECORD),
        );
        let root = Extent {
            offset: u64::from(root_rec.u32(dr::EXTENT)?) * block,
            len: u64::from(root_rec.u32(dr::DATA_LENGTH)?),
        };
        check_range("ISO 9660 root directory", root.offset, root.len, src.len())?;
        let label =
            text(f.bytes(vd::VOLUME_ID, vd::VOLUME_ID_LEN)?, is_joliet).trim_end_matches([' ', '\0']).to_string();
        Ok(Volume {
            joliet: is_joliet,
            label: (!label.is_empty()).then_some(label),
            root: node(Kind::Directory, vec![root]),
            block,
        })
    }

    pub fn describe(&self) -> String {
        if self.joliet { "ISO 9660 + Joliet".into() } else { "ISO 9660".into() }
    }

    pub fn read_dir(&self, src: &dyn ReadAt, dir: &Node) -> Result<Vec<DirEntry>> {
        const S: &str = "ISO 9660 directory";
        let data = read_extents(src, S, dir)?;
        let base = dir.extents.first().map_or(0, |e| e.offset);
        let mut out = Vec::new();
        let mut pending: Option<(String, Vec<Extent>)> = None;
        let mut pos = 0usize;
        let block = self.block as usize;
        while pos < data.len() {
            if data[pos] == 0 {
                pos = (pos / block + 1) * block; // records do not cross blocks; the rest is padding
                continue;
            }
            let len = usize::from(data[pos]);
            let offset = base + pos as u64;
            let Some(rec) = record(&data[pos..], offset, self.joliet, self.block, src.len())? else {
                pos += len;
                continue;
            };
            pos += len;
            let mut extents = match pending.take() {
                Some((name, ext)) if name == rec.name => ext,
                Some((name, _)) => {
                    return Err(Error::malformed(
                        S,
                        offset,
                        format!("multi-extent file {name:?} is followed by {:?}", rec.name),
                    ));
                }
                None => Vec::new(),
            };
            if extents.len() >= MAX_EXTENTS {
                return Err(Error::TooLarge {
                    structure: "ISO 9660 multi-extent file",
                    offset,
                    size: extents.len() as u64,
                    limit: MAX_EXTENTS as u64,
                });
            }
            extents.push(rec.extent);
            if rec.flags & dr::FLAG_MULTI_EXTENT != 0 {
                pending = Some((rec.name, extents));
                continue;
            }
            if out.len() >= MAX_DIR_ENTRIES {
                return Err(Error::TooLarge {
                    structure: S,
                    offset: dir.id,
                    size: out.len() as u64,
                    limit: MAX_DIR_ENTRIES as u64,
                });
            }
            let kind = if rec.flags & dr::FLAG_DIRECTORY != 0 { Kind::Directory } else { Kind::File };
            out.push(DirEntry {
                name: rec.name,
                is_dir: kind == Kind::Directory,
                target: Target::Resolved(node(kind, extents)),
            });
        }
        if let Some((name, _)) = pending {
            return Err(Error::malformed(S, dir.id, format!("multi-extent file {name:?} has no final record")));
        }
        Ok(out)
    }
}
