//! File Entry (tag 261, ECMA-167 4/14.9) and Extended File Entry (tag 266, 4/14.17):
//! file type, information length and where the data is: short or long allocation
//! descriptors (continued through Allocation Extent Descriptors, tag 258), or data
//! embedded in the entry itself.

use super::tag::{self, ALLOCATION_EXTENT, EXTENDED_FILE_ENTRY, FILE_ENTRY};
use super::{LongAd, Volume};
use crate::bytes::Fields;
use crate::error::{Error, Result};
use crate::image::iso::node::{Kind, MAX_EXTENTS, Node, SECTOR};
use crate::source::{Extent, ReadAt, check_range, read_bounded};

const S: &str = "UDF file entry";

/// The ICB tag (ECMA-167 4/14.6) follows the 16-byte descriptor tag.
mod icb {
    pub const TAG: usize = 16;
    pub const STRATEGY: usize = TAG + 4;
    pub const FILE_TYPE: usize = TAG + 11;
    pub const FLAGS: usize = TAG + 18;
    /// Bits 0-2 of the flags: how allocation descriptors are recorded.
    pub const FLAGS_AD_MASK: u16 = 7;
    pub const STRATEGY_4: u16 = 4;
    pub const FILE_TYPE_DIRECTORY: u8 = 4;
    pub const FILE_TYPE_FILE: u8 = 5;
}

/// Information length (the file's size): the same place in both entry kinds.
const INFORMATION_LENGTH: usize = 56;

/// File entry (4/14.9): lengths of extended attributes and allocation descriptors, and
/// where the extended attributes start.
mod fe {
    pub const L_EA: usize = 168;
    pub const L_AD: usize = 172;
    pub const EA: usize = 176;
}

/// Extended file entry (4/14.17).
mod efe {
    pub const L_EA: usize = 208;
    pub const L_AD: usize = 212;
    pub const EA: usize = 216;
}

/// Allocation descriptors (4/14.14.1 short_ad: length, position; 4/14.14.2 long_ad:
/// length, block, partition). The length's top 2 bits are the extent type.
mod ad {
    pub const LENGTH: usize = 0;
    pub const BLOCK: usize = 4;
    pub const PARTITION: usize = 8;
    pub const SHORT_LEN: usize = 8;
    pub const LONG_LEN: usize = 16;
    pub const LENGTH_MASK: u32 = 0x3FFF_FFFF;
    pub const TYPE_SHIFT: u32 = 30;
    pub const TYPE_RECORDED: u32 = 0;
    pub const TYPE_NEXT_EXTENT: u32 = 3;
}

/// Allocation extent descriptor (4/14.5): length of its allocation descriptors, which
/// follow from byte 24.
mod aed {
    pub const L_AD: usize = 20;
    pub const ADS: usize = 24;
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
    let f = Fields::new(b, S, offset);
    let strategy = f.u16(icb::STRATEGY)?;
    if strategy != icb::STRATEGY_4 {
        return Err(Error::Unsupported { structure: S, offset, message: format!("ICB strategy {strategy}") });
    }
    let file_type = f.u8(icb::FILE_TYPE)?;
    let flags = f.u16(icb::FLAGS)?;
    let (l_ea, l_ad, base) = if t.ident == FILE_ENTRY {
        (f.u32(fe::L_EA)?, f.u32(fe::L_AD)?, fe::EA)
    } else {
        (f.u32(efe::L_EA)?, f.u32(efe::L_AD)?, efe::EA)
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
    let ad_kind = match flags & icb::FLAGS_AD_MASK {
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
        icb::FILE_TYPE_DIRECTORY => Kind::Directory,
        icb::FILE_TYPE_FILE => Kind::File,
        _ => Kind::Other,
    };
    let info_len = f.u64(INFORMATION_LENGTH)?;
    Ok(FileEntry { kind, file_type, info_len, ad_kind, ads: start as usize..end as usize })
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
    let mut ads = Fields::new(&b, S, offset).bytes(fe.ads.start, fe.ads.len())?.to_vec();
    let mut ads_offset = offset + fe.ads.start as u64;
    let mut visited = std::collections::HashSet::new();
    'chain: loop {
        let size = if long { ad::LONG_LEN } else { ad::SHORT_LEN };
        let mut next = None;
        for (i, d) in ads.chunks_exact(size).enumerate() {
            if remaining == 0 {
                break 'chain;
            }
            let d = Fields::new(d, "UDF allocation descriptor", ads_offset + (i * size) as u64);
            let raw = d.u32(ad::LENGTH)?;
            let (kind, len) = (raw >> ad::TYPE_SHIFT, u64::from(raw & ad::LENGTH_MASK));
            if len == 0 {
                break;
            }
            let block = d.u32(ad::BLOCK)?;
            let part = if long { d.u16(ad::PARTITION)? } else { icb.partition };
            match kind {
                ad::TYPE_RECORDED => {
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
                ad::TYPE_NEXT_EXTENT => {
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
        let f = Fields::new(&ab, "UDF allocation extent descriptor", at);
        let l_ad = f.u32(aed::L_AD)? as usize;
        if l_ad > ab.len() - aed::ADS {
            return Err(Error::invalid(
                "UDF allocation extent descriptor",
                at,
                "length of allocation descriptors",
                format!("at most {}", ab.len() - aed::ADS),
                l_ad.to_string(),
            ));
        }
        ads = f.bytes(aed::ADS, l_ad)?.to_vec();
        ads_offset = f.offset_of(aed::ADS);
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
