//! UDF (ECMA-167 / OSTA UDF 1.02-2.60) read-only: enough to walk the directory tree
//! of Windows media and locate files. One file per on-disk structure:
//! `tag` (descriptor tag), `anchor` (AVDP), `descriptors` (volume descriptor
//! sequence: PVD, PD, LVD, TD), `fileset` (FSD), `file_entry` (FE/EFE, short/long
//! allocation descriptors, embedded data), `directory` (file identifier descriptors), `long_ad` (long allocation descriptor).
//!
//! Not supported (error, never a guess): logical block sizes other than 2048,
//! partition maps of type 2 (virtual, sparable, metadata), extended allocation
//! descriptors, ICB strategy 4096, unrecorded (sparse) extents inside a file.

pub mod anchor;
pub mod descriptors;
pub mod directory;
pub mod file_entry;
pub mod fileset;
pub mod long_ad;
pub mod tag;

pub use long_ad::LongAd;

use super::node::{DirEntry, Kind, Node, SECTOR, read_extents};
use crate::error::{Error, Result};
use crate::source::ReadAt;

/// Sectors after 16 scanned for the volume recognition sequence.
const VRS_SECTORS: u64 = 64;

/// Decode d-characters (OSTA CS0): a compression id (8 = one byte per character,
/// 16 = UTF-16BE) followed by the characters.
pub fn dchars(b: &[u8]) -> String {
    match b.split_first() {
        None => String::new(),
        Some((16 | 255, rest)) => {
            let units: Vec<u16> = crate::bytes::utf16be_units(rest).collect();
            String::from_utf16_lossy(&units)
        }
        Some((_, rest)) => rest.iter().map(|&c| char::from(c)).collect(),
    }
}

/// Decode a fixed-size dstring field (its last byte is the used length).
pub fn dstring(field: &[u8]) -> Option<String> {
    let (&len, body) = field.split_last()?;
    let len = usize::from(len);
    if len == 0 || len > body.len() {
        return None;
    }
    let s = dchars(&body[..len]).trim_end_matches(['\0', ' ']).to_string();
    (!s.is_empty()).then_some(s)
}

/// Does the volume recognition sequence (sector 16 on) hold an NSR02/NSR03
/// descriptor, i.e. does the ISO carry a UDF file system?
pub fn announced(src: &dyn ReadAt) -> Result<bool> {
    for s in 16..16 + VRS_SECTORS {
        let mut id = [0u8; 6];
        if src.read_exact_at(s * SECTOR, &mut id).is_err() {
            return Ok(false);
        }
        match &id[1..6] {
            b"NSR02" | b"NSR03" => return Ok(true),
            b"CD001" | b"BEA01" | b"BOOT2" | b"CDW02" | b"TEA01" => {}
            _ => return Ok(false),
        }
    }
    Ok(false)
}

#[derive(Debug)]
pub struct Volume {
    pub revision: u16,
    pub label: Option<String>,
    pub root: Node,
    /// Partition descriptors by partition reference number.
    partitions: Vec<descriptors::Partition>,
}

impl Volume {
    pub fn open(src: &dyn ReadAt) -> Result<Volume> {
        let anchor = anchor::find(src)?;
        let seq =
            descriptors::read(src, anchor.main).or_else(|e| descriptors::read(src, anchor.reserve).map_err(|_| e))?;
        let lv = &seq.logical_volume;
        let partitions =
            lv.maps.iter().filter_map(|n| seq.partitions.iter().find(|p| p.number == *n).copied()).collect();
        let mut vol = Volume {
            revision: lv.revision,
            label: lv.label.clone().or(seq.volume_id.clone()),
            root: Node { kind: Kind::Directory, size: 0, extents: Vec::new(), id: 0 },
            partitions,
        };
        let root_icb = fileset::root_icb(src, &vol, &lv.file_set)?;
        let root = file_entry::read(src, &vol, &root_icb)?;
        if root.kind != Kind::Directory {
            return Err(Error::invalid("UDF root directory", root.id, "file type", "directory (4)", "another type"));
        }
        vol.root = root;
        Ok(vol)
    }

    /// "UDF 1.02", "UDF 2.60".
    pub fn describe(&self) -> String {
        format!("UDF {:x}.{:02x}", self.revision >> 8, self.revision & 0xff)
    }

    /// Byte offset in the ISO of logical block `block` of partition reference `pref`.
    pub fn block_offset(&self, pref: u16, block: u32, structure: &'static str) -> Result<u64> {
        let p = self.partitions.get(usize::from(pref)).ok_or_else(|| {
            Error::invalid(
                structure,
                0,
                "partition reference",
                format!("below {}", self.partitions.len()),
                pref.to_string(),
            )
        })?;
        if block >= p.length {
            return Err(Error::invalid(
                structure,
                u64::from(p.start) * SECTOR,
                "logical block",
                format!("below the partition length {}", p.length),
                block.to_string(),
            ));
        }
        Ok((u64::from(p.start) + u64::from(block)) * SECTOR)
    }

    /// Check that `len` bytes from block `block` stay inside partition `pref`.
    pub fn check_extent(&self, pref: u16, block: u32, len: u64, structure: &'static str) -> Result<u64> {
        let offset = self.block_offset(pref, block, structure)?;
        let p = &self.partitions[usize::from(pref)];
        let blocks = len.div_ceil(SECTOR);
        if u64::from(block) + blocks > u64::from(p.length) {
            return Err(Error::invalid(
                structure,
                offset,
                "extent length",
                format!("within the partition ({} blocks)", p.length),
                format!("{len} bytes from block {block}"),
            ));
        }
        Ok(offset)
    }

    pub fn read_dir(&self, src: &dyn ReadAt, dir: &Node) -> Result<Vec<DirEntry>> {
        let data = read_extents(src, "UDF directory", dir)?;
        directory::parse(&data, dir)
    }

    pub fn file_entry(&self, src: &dyn ReadAt, icb: &LongAd) -> Result<Node> {
        file_entry::read(src, self, icb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_cs0() {
        assert_eq!(dchars(b"\x08install.wim"), "install.wim");
        assert_eq!(dchars(b"\x10\x00a\x00\xe9"), "a\u{e9}");
        assert_eq!(dchars(b""), "");
        let mut f = [0u8; 32];
        f[..4].copy_from_slice(b"\x08ABC");
        f[31] = 4;
        assert_eq!(dstring(&f).as_deref(), Some("ABC"));
        f[31] = 40;
        assert_eq!(dstring(&f), None);
    }
}
