//! The main (or reserve) volume descriptor sequence (ECMA-167 3/8.4): primary volume
//! descriptor, partition descriptors, the logical volume descriptor with its
//! partition maps (type 1 only), terminated by a terminating descriptor or an
//! unrecorded sector.

use super::anchor::ExtentAd;
use super::tag::{self, LOGICAL_VOLUME, PARTITION, PRIMARY_VOLUME, TERMINATING, VOLUME_POINTER};
use super::{LongAd, dstring};
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

fn u16le(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}
fn u32le(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
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
        let ident = u16le(&b, 0);
        if ident == 0 && b[..16].iter().all(|&x| x == 0) {
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
            PRIMARY_VOLUME => volume_id = volume_id.or_else(|| dstring(&b[24..56])),
            PARTITION => {
                let p = Partition {
                    sequence: u32le(&b, 16),
                    number: u16le(&b, 22),
                    start: u32le(&b, 188),
                    length: u32le(&b, 192),
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

/// Logical volume descriptor (ECMA-167 3/10.6).
fn parse_lvd(b: &[u8], offset: u64) -> Result<LogicalVolume> {
    const S: &str = "UDF logical volume descriptor";
    let block_size = u32le(b, 212);
    if u64::from(block_size) != SECTOR {
        return Err(Error::Unsupported {
            structure: S,
            offset,
            message: format!("logical block size {block_size} (only 2048)"),
        });
    }
    let map_len = u32le(b, 264) as usize;
    let count = u32le(b, 268) as usize;
    if 440 + map_len > b.len() {
        return Err(Error::invalid(
            S,
            offset,
            "map table length",
            format!("at most {}", b.len() - 440),
            map_len.to_string(),
        ));
    }
    let table = &b[440..440 + map_len];
    let mut maps = Vec::new();
    let mut at = 0usize;
    for i in 0..count {
        if at + 2 > table.len() {
            return Err(Error::malformed(
                S,
                offset + 440 + at as u64,
                format!("partition map {i} runs past the map table"),
            ));
        }
        let (kind, len) = (table[at], usize::from(table[at + 1]));
        if len < 2 || at + len > table.len() {
            return Err(Error::malformed(S, offset + 440 + at as u64, format!("partition map {i} has length {len}")));
        }
        if kind != 1 || len != 6 {
            // Type 2 maps name their kind: "*UDF Virtual Partition", "*UDF Sparable
            // Partition", "*UDF Metadata Partition".
            let name: String = table[at..at + len]
                .get(5..28)
                .unwrap_or_default()
                .iter()
                .take_while(|&&c| c != 0)
                .map(|&c| char::from(c))
                .collect();
            return Err(Error::Unsupported {
                structure: S,
                offset: offset + 440 + at as u64,
                message: format!("partition map {i} of type {kind} {name:?} (only physical partitions)"),
            });
        }
        maps.push(u16le(table, at + 4));
        at += len;
    }
    Ok(LogicalVolume {
        label: dstring(&b[84..212]),
        block_size,
        revision: u16le(b, 216 + 24),
        file_set: LongAd::parse(&b[248..264]),
        maps,
        sequence: u32le(b, 16),
    })
}
