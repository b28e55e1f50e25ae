//! ISO 9660 (ECMA-119) with Joliet: volume descriptors from sector 16 (primary,
//! supplementary with the Joliet escape sequences %/@, %/C, %/E, terminator),
//! directory records, and multi-extent files (consecutive records of one name, all
//! but the last flagged multi-extent) for files of 4 GiB and more. Joliet names
//! (UCS-2) are used when a Joliet descriptor exists; else the ISO 9660 names with
//! their `;1` version suffix removed. Rock Ridge is not read.

use super::node::{DirEntry, Kind, MAX_DIR_ENTRIES, MAX_EXTENTS, Node, SECTOR, Target, read_extents};
use crate::error::{Error, Result};
use crate::source::{Extent, ReadAt, check_range, read_bounded};

/// Volume descriptors looked at from sector 16 on.
const MAX_DESCRIPTORS: u64 = 64;
const FLAG_DIRECTORY: u8 = 0x02;
const FLAG_MULTI_EXTENT: u8 = 0x80;

#[derive(Debug)]
pub struct Volume {
    pub joliet: bool,
    pub label: Option<String>,
    pub root: Node,
    block: u64,
}

fn u32le(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn text(b: &[u8], joliet: bool) -> String {
    if joliet {
        let units: Vec<u16> = b.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
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
    let len = usize::from(b[0]);
    let name_len = usize::from(*b.get(32).unwrap_or(&0));
    if len < 34 || len > b.len() || 33 + name_len > len {
        return Err(Error::malformed(S, offset, format!("record length {len}, name length {name_len}")));
    }
    if b[26] != 0 || b[27] != 0 {
        return Err(Error::Unsupported { structure: S, offset, message: "interleaved file".into() });
    }
    let raw = &b[33..33 + name_len];
    if name_len == 1 && raw[0] <= 1 {
        return Ok(None); // "." and ".."
    }
    let flags = b[25];
    let start = (u64::from(u32le(b, 2)) + u64::from(b[1])) * block;
    let size = u64::from(u32le(b, 10));
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
    if flags & FLAG_DIRECTORY == 0 {
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
        for s in 16..16 + MAX_DESCRIPTORS {
            let offset = s * SECTOR;
            let b = read_bounded(src, S, offset, SECTOR, SECTOR)?;
            if &b[1..6] != b"CD001" {
                break;
            }
            match b[0] {
                1 if primary.is_none() => primary = Some(b),
                2 if joliet.is_none()
                    && [b"%/@", b"%/C", b"%/E"].iter().any(|e| b[88..120].windows(3).any(|w| w == *e)) =>
                {
                    joliet = Some(b)
                }
                255 => break,
                _ => {}
            }
        }
        let primary =
            primary.ok_or_else(|| Error::NotFound { what: "ISO 9660: no primary volume descriptor".into() })?;
        let is_joliet = joliet.is_some();
        let d = joliet.unwrap_or(primary);
        let block = u64::from(u16::from_le_bytes([d[128], d[129]]));
        if !matches!(block, 512 | 1024 | 2048) {
            return Err(Error::invalid(
                S,
                16 * SECTOR + 128,
                "logical block size",
                "512, 1024 or 2048",
                block.to_string(),
            ));
        }
        let root_rec = &d[156..190];
        let root = Extent { offset: u64::from(u32le(root_rec, 2)) * block, len: u64::from(u32le(root_rec, 10)) };
        check_range("ISO 9660 root directory", root.offset, root.len, src.len())?;
        let label = text(&d[40..72], is_joliet).trim_end_matches([' ', '\0']).to_string();
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
            if rec.flags & FLAG_MULTI_EXTENT != 0 {
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
            let kind = if rec.flags & FLAG_DIRECTORY != 0 { Kind::Directory } else { Kind::File };
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
