//! The main (or reserve) volume descriptor sequence (ECMA-167 3/8.4): primary volume
//! descriptor, partition descriptors, the logical volume descriptor with its
//! partition maps (type 1 only), terminated by a terminating descriptor or an
//! unrecorded sector.

use super::anchor::ExtentAd;
use super::tag::{self, LOGICAL_VOLUME, PARTITION, PRIMARY_VOLUME, TERMINATING, VOLUME_POINTER};
use super::{LongAd, dstring};
use crate::bytes::Fields;
use crate::error::{Error, Result};
use crate::image::iso::node::SECTOR;
use crate::source::{ReadAt, read_bounded};

/// Longest sequence read (ECMA-167 requires at least 16 sectors; real ones use 16-32).
pub const MAX_SEQUENCE_SECTORS: u32 = 256;

/// A partition descriptor: `length` blocks from sector `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    pub number: u16,
    pub start: u32,
    pub length: u32,
    sequence: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogicalVolume {
    pub label: Option<String>,
    pub block_size: u32,
    /// The UDF revision from the domain identifier (0x0102 = 1.02, 0x0260 = 2.60).
    pub revision: u16,
    /// Where the file set descriptor is.
    pub file_set: LongAd,
    /// Partition reference number (index) -> partition number.
    pub maps: Vec<u16>,
    sequence: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sequence {
    pub volume_id: Option<String>,
    pub partitions: Vec<Partition>,
    pub logical_volume: LogicalVolume,
}

/// The descriptor tag (16 bytes) and the fields every descriptor has after it.
const TAG_LEN: usize = 16;
/// Volume descriptor sequence number (all descriptors but the terminating one).
const SEQUENCE_NUMBER: usize = 16;

/// Primary volume descriptor (ECMA-167 3/10.1).
mod pvd {
    pub const VOLUME_ID: usize = 24;
    pub const VOLUME_ID_LEN: usize = 32;
}

/// Partition descriptor (ECMA-167 3/10.5).
mod pd {
    pub const NUMBER: usize = 22;
    pub const START: usize = 188;
    pub const LENGTH: usize = 192;
}

/// Logical volume descriptor (ECMA-167 3/10.6, UDF 2.2.4).
mod lvd {
    pub const IDENTIFIER: usize = 84;
    pub const IDENTIFIER_LEN: usize = 128;
    pub const BLOCK_SIZE: usize = 212;
    /// Domain identifier (regid, 32 bytes); its suffix starts with the UDF revision.
    pub const DOMAIN_ID: usize = 216;
    pub const REGID_SUFFIX: usize = 24;
    pub const FILE_SET: usize = 248;
    pub const MAP_TABLE_LENGTH: usize = 264;
    pub const MAP_COUNT: usize = 268;
    pub const MAP_TABLE: usize = 440;
}

/// Partition map (ECMA-167 3/10.7): type, length; type 1 has the partition number at 4.
mod map {
    pub const TYPE: usize = 0;
    pub const LENGTH: usize = 1;
    pub const TYPE_1_PARTITION: usize = 4;
    pub const TYPE_1_LEN: usize = 6;
    /// Type 2 maps name their kind in a regid's identifier from here.
    pub const TYPE_2_IDENTIFIER: std::ops::Range<usize> = 5..28;
}

/// Read and parse the sequence in `extent`.
pub fn read(src: &dyn ReadAt, extent: ExtentAd) -> Result<Sequence> {
    const S: &str = "UDF volume descriptor sequence";
    let sectors = (extent.length / SECTOR as u32).min(MAX_SEQUENCE_SECTORS);
    if sectors == 0 {
        return Err(Error::invalid(
            S,
            u64::from(extent.location) * SECTOR,
            "length",
            "at least one sector",
            extent.length.to_string(),
        ));
    }
    let mut volume_id = None;
    let mut partitions: Vec<Partition> = Vec::new();
    let mut lv: Option<LogicalVolume> = None;
    for i in 0..sectors {
        let sector = extent.location.checked_add(i).ok_or_else(|| Error::malformed(S, 0, "location overflows"))?;
        let offset = u64::from(sector) * SECTOR;
        let b = read_bounded(src, S, offset, SECTOR, SECTOR)?;
        let f = Fields::new(&b, S, offset);
        if f.bytes(0, TAG_LEN)?.iter().all(|&x| x == 0) {
            break; // unrecorded: the sequence ends
        }
        let t = tag::parse(&b, offset, sector, S, &[1, 2, 3, 4, 5, 6, 7, 8])?;
        match t.ident {
            TERMINATING => break,
            VOLUME_POINTER => {
                return Err(Error::Unsupported {
                    structure: S,
                    offset,
                    message: "volume descriptor pointer (continued sequence)".into(),
                });
            }
            PRIMARY_VOLUME if volume_id.is_none() => {
                volume_id = dstring(f.bytes(pvd::VOLUME_ID, pvd::VOLUME_ID_LEN)?);
            }
            PARTITION => {
                let p = Partition {
                    sequence: f.u32(SEQUENCE_NUMBER)?,
                    number: f.u16(pd::NUMBER)?,
                    start: f.u32(pd::START)?,
                    length: f.u32(pd::LENGTH)?,
                };
                match partitions.iter_mut().find(|q| q.number == p.number) {
                    Some(q) if q.sequence <= p.sequence => *q = p,
                    Some(_) => {}
                    None => partitions.push(p),
                }
            }
            LOGICAL_VOLUME => {
                let l = parse_lvd(&b, offset)?;
                if lv.as_ref().is_none_or(|old| old.sequence <= l.sequence) {
                    lv = Some(l);
                }
            }
            _ => {}
        }
    }
    let logical_volume = lv.ok_or_else(|| Error::NotFound {
        what: format!("{S} at sector {}: no logical volume descriptor", extent.location),
    })?;
    for (i, n) in logical_volume.maps.iter().enumerate() {
        if !partitions.iter().any(|p| p.number == *n) {
            return Err(Error::NotFound {
                what: format!(
                    "{S} at sector {}: partition map {i} names partition {n}, which has no partition descriptor",
                    extent.location
                ),
            });
        }
    }
    Ok(Sequence { volume_id, partitions, logical_volume })
}

/// Logical volume descriptor (ECMA-167 3/10.6) at absolute offset `offset`.
fn parse_lvd(b: &[u8], offset: u64) -> Result<LogicalVolume> {
    const S: &str = "UDF logical volume descriptor";
    let f = Fields::new(b, S, offset);
    let block_size = f.u32(lvd::BLOCK_SIZE)?;
    if u64::from(block_size) != SECTOR {
        return Err(Error::Unsupported {
            structure: S,
            offset,
            message: format!("logical block size {block_size} (only 2048)"),
        });
    }
    let map_len = f.u32(lvd::MAP_TABLE_LENGTH)? as usize;
    let count = f.u32(lvd::MAP_COUNT)? as usize;
    let room = b.len().saturating_sub(lvd::MAP_TABLE);
    if map_len > room {
        return Err(Error::invalid(S, offset, "map table length", format!("at most {room}"), map_len.to_string()));
    }
    let table = f.bytes(lvd::MAP_TABLE, map_len)?;
    let table_offset = f.offset_of(lvd::MAP_TABLE);
    let mut maps = Vec::new();
    let mut at = 0usize;
    for i in 0..count {
        let m = Fields::new(table.get(at..).unwrap_or_default(), S, table_offset + at as u64);
        let (Ok(kind), Ok(len)) = (m.u8(map::TYPE), m.u8(map::LENGTH)) else {
            return Err(Error::malformed(S, m.offset_of(0), format!("partition map {i} runs past the map table")));
        };
        let len = usize::from(len);
        if len < 2 || len > m.len() {
            return Err(Error::malformed(S, m.offset_of(0), format!("partition map {i} has length {len}")));
        }
        if kind != 1 || len != map::TYPE_1_LEN {
            // Type 2 maps name their kind: "*UDF Virtual Partition", "*UDF Sparable
            // Partition", "*UDF Metadata Partition".
            let name: String = m
                .bytes(0, len)?
                .get(map::TYPE_2_IDENTIFIER)
                .unwrap_or_default()
                .iter()
                .take_while(|&&c| c != 0)
                .map(|&c| char::from(c))
                .collect();
            return Err(Error::Unsupported {
                structure: S,
                offset: m.offset_of(0),
                message: format!("partition map {i} of type {kind} {name:?} (only physical partitions)"),
            });
        }
        maps.push(m.u16(map::TYPE_1_PARTITION)?);
        at += len;
    }
    Ok(LogicalVolume {
        label: dstring(f.bytes(lvd::IDENTIFIER, lvd::IDENTIFIER_LEN)?),
        block_size,
        revision: f.u16(lvd::DOMAIN_ID + lvd::REGID_SUFFIX)?,
        file_set: LongAd::read(&f, lvd::FILE_SET)?,
        maps,
        sequence: f.u32(SEQUENCE_NUMBER)?,
    })
}
