//! File Entry (tag 261, ECMA-167 4/14.9) and Extended File Entry (tag 266, 4/14.17):
//! file type, information length and where the data is: short or long allocation
//! descriptors (continued through Allocation Extent Descriptors, tag 258), or data
//! embedded in the entry itself.

use super::tag::{self, ALLOCATION_EXTENT, EXTENDED_FILE_ENTRY, FILE_ENTRY};
use super::{LongAd, Volume};
use crate::error::{Error, Result};
use crate::image::iso::node::{Kind, MAX_EXTENTS, Node, SECTOR};
use crate::source::{Extent, ReadAt, check_range, read_bounded};

const S: &str = "UDF file entry";

fn u16le(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}
fn u32le(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
fn u64le(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// How the allocation descriptors of an entry are recorded (ICB tag flags, bits 0-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdKind {
    Short,
    Long,
    Embedded,
}

/// The fields of a (extended) file entry this reader uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    pub kind: Kind,
    pub file_type: u8,
    pub info_len: u64,
    pub ad_kind: AdKind,
    /// Byte range of the allocation descriptors (or embedded data) in the block.
    pub ads: std::ops::Range<usize>,
}

/// Parse the entry in `b` (one logical block read at absolute `offset`, recorded at
/// logical block `block`).
pub fn parse(b: &[u8], offset: u64, block: u32) -> Result<FileEntry> {
    let t = tag::parse(b, offset, block, S, &[FILE_ENTRY, EXTENDED_FILE_ENTRY])?;
    let strategy = u16le(b, 16 + 4);
    if strategy != 4 {
        return Err(Error::Unsupported { structure: S, offset, message: format!("ICB strategy {strategy}") });
    }
    let file_type = b[16 + 11];
    let flags = u16le(b, 16 + 18);
    let (l_ea, l_ad, base) = if t.ident == FILE_ENTRY {
        (u32le(b, 168), u32le(b, 172), 176usize)
    } else {
        (u32le(b, 208), u32le(b, 212), 216usize)
    };
    let start = base as u64 + u64::from(l_ea);
    let end = start + u64::from(l_ad);
    if end > b.len() as u64 {
        return Err(Error::invalid(
            S,
            offset,
            "extended attribute and allocation descriptor lengths",
            format!("within the {}-byte block", b.len()),
            format!("{l_ea} + {l_ad} from byte {base}"),
        ));
    }
    let ad_kind = match flags & 7 {
        0 => AdKind::Short,
        1 => AdKind::Long,
        3 => AdKind::Embedded,
        k => {
            return Err(Error::Unsupported {
                structure: S,
                offset,
                message: format!("allocation descriptor type {k}"),
            });
        }
    };
    let kind = match file_type {
        4 => Kind::Directory,
        5 => Kind::File,
        _ => Kind::Other,
    };
    Ok(FileEntry { kind, file_type, info_len: u64le(b, 56), ad_kind, ads: start as usize..end as usize })
}

/// Read the entry an ICB points at and resolve its data extents.
pub fn read(src: &dyn ReadAt, vol: &Volume, icb: &LongAd) -> Result<Node> {
    let offset = vol.block_offset(icb.partition, icb.block, S)?;
    let b = read_bounded(src, S, offset, SECTOR, SECTOR)?;
    let fe = parse(&b, offset, icb.block)?;
    let mut node = Node { kind: fe.kind, size: fe.info_len, extents: Vec::new(), id: offset };
    if fe.ad_kind == AdKind::Embedded {
        if fe.info_len > fe.ads.len() as u64 {
            return Err(Error::invalid(
                S,
                offset,
                "information length",
                format!("at most {} (embedded data)", fe.ads.len()),
                fe.info_len.to_string(),
            ));
        }
        node.extents.push(Extent { offset: offset + fe.ads.start as u64, len: fe.info_len });
        return Ok(node);
    }
    let long = fe.ad_kind == AdKind::Long;
    let mut remaining = fe.info_len;
    let mut ads = b[fe.ads.clone()].to_vec();
    let mut visited = std::collections::HashSet::new();
    'chain: loop {
        let size = if long { 16 } else { 8 };
        let mut next = None;
        for ad in ads.chunks_exact(size) {
            if remaining == 0 {
                break 'chain;
            }
            let raw = u32le(ad, 0);
            let (kind, len) = (raw >> 30, u64::from(raw & 0x3FFF_FFFF));
            if len == 0 {
                break;
            }
            let (block, part) = if long { (u32le(ad, 4), u16le(ad, 8)) } else { (u32le(ad, 4), icb.partition) };
            match kind {
                0 => {
                    if node.extents.len() >= MAX_EXTENTS {
                        return Err(Error::TooLarge {
                            structure: "UDF allocation descriptors",
                            offset,
                            size: node.extents.len() as u64,
                            limit: MAX_EXTENTS as u64,
                        });
                    }
                    let take = len.min(remaining);
                    let at = vol.check_extent(part, block, take, "UDF allocation descriptor")?;
                    check_range("UDF file extent", at, take, src.len())?;
                    node.extents.push(Extent { offset: at, len: take });
                    remaining -= take;
                }
                3 => {
                    next = Some((part, block));
                    break;
                }
                _ => {
                    return Err(Error::Unsupported {
                        structure: S,
                        offset,
                        message: "unrecorded (sparse) extent inside the file".into(),
                    });
                }
            }
        }
        let Some((part, block)) = next else { break };
        let at = vol.block_offset(part, block, "UDF allocation extent descriptor")?;
        if !visited.insert(at) || visited.len() > MAX_EXTENTS {
            return Err(Error::malformed(
                "UDF allocation extent descriptor",
                at,
                "allocation extent chain loops or is too long",
            ));
        }
        let ab = read_bounded(src, "UDF allocation extent descriptor", at, SECTOR, SECTOR)?;
        tag::parse(&ab, at, block, "UDF allocation extent descriptor", &[ALLOCATION_EXTENT])?;
        let l_ad = u32le(&ab, 20) as usize;
        if 24 + l_ad > ab.len() {
            return Err(Error::invalid(
                "UDF allocation extent descriptor",
                at,
                "length of allocation descriptors",
                "at most 2024",
                l_ad.to_string(),
            ));
        }
        ads = ab[24..24 + l_ad].to_vec();
    }
    if remaining != 0 {
        return Err(Error::malformed(
            S,
            offset,
            format!("allocation descriptors cover {} of {} bytes", fe.info_len - remaining, fe.info_len),
        ));
    }
    Ok(node)
}
