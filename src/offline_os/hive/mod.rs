//! A small read-only reader of Windows registry hive files (regf), enough to read a
//! few values from an offline SOFTWARE and SYSTEM hive. One file per on-disk
//! structure: the base block, hive bins, and the cells (nk, vk, lf/lh/li/ri, db).
//! Layout from the public regf format description.
//!
//! Every offset is checked against the hive bins data, every count and size is
//! bounded before anything is allocated, and walks are depth-limited: a damaged or
//! hostile hive yields an `Error` naming the structure, offset, expected and actual
//! value, never a panic or a loop.

pub mod base_block;
pub mod cell;
pub mod db;
pub mod dirty_vector;
pub mod hbin;
pub mod hvle;
pub mod list;
pub mod log;
pub mod marvin32;
pub mod nk;
pub mod overlay;
pub mod replay;
pub mod vk;

use std::path::Path;

use crate::error::{Error, Result};
use crate::source::{FileSource, ReadAt};
pub use base_block::BaseBlock;
pub use nk::KeyNode;
pub use vk::{ValueData, ValueKey};

/// Hive files larger than this are refused (real SOFTWARE hives are well below it).
pub const MAX_HIVE_BYTES: u64 = 1 << 30;
/// At most this many subkeys or values are read from one key.
pub const MAX_ENTRIES: u32 = 1 << 16;
/// Deepest key path looked up.
pub const MAX_PATH_DEPTH: usize = 32;
/// Most cell bytes read through one open hive, in all. The lookups made of a real
/// SOFTWARE or SYSTEM hive read well under 1 MiB; without this budget, lists that
/// name the same 1 MiB cell (or overlapping cells) tens of thousands of times make a
/// hive of about 1 MiB cost tens of GiB of reads per lookup.
pub const MAX_READ_BYTES: u64 = 64 << 20;

/// An open hive: its source and validated base block.
pub struct Hive<S: ReadAt> {
    src: S,
    pub base: BaseBlock,
    /// Warnings about the hive (e.g. a dirty hive whose transaction logs were not applied).
    pub warnings: Vec<String>,
    /// Cell bytes read so far, bounded by [`MAX_READ_BYTES`].
    read_bytes: std::cell::Cell<u64>,
}

impl Hive<FileSource> {
    /// Open a hive file by path.
    pub fn open(path: &Path) -> Result<Hive<FileSource>> {
        let src = FileSource::open(path)?;
        let mut h = Hive::new(src).map_err(|e| e.in_file(path.display().to_string()))?;
        if h.is_dirty() {
            // The file alone: its transaction logs (offline_os::read applies them) are not looked at.
            h.warnings.push(format!(
                "hive is dirty (sequence numbers {} and {} differ): its transaction logs were not applied, recent changes may be missing",
                h.base.primary_sequence, h.base.secondary_sequence
            ));
        }
        Ok(h)
    }
}

impl<S: ReadAt> Hive<S> {
    /// Validate the base block and the first hive bin of `src`.
    pub fn new(src: S) -> Result<Hive<S>> {
        if src.len() > MAX_HIVE_BYTES {
            return Err(Error::TooLarge { structure: "regf hive", offset: 0, size: src.len(), limit: MAX_HIVE_BYTES });
        }
        let mut raw = [0u8; base_block::SIZE];
        crate::source::check_range("regf base block", 0, base_block::SIZE as u64, src.len())?;
        src.read_exact_at(0, &mut raw)?;
        let base = BaseBlock::parse(&raw)?;
        base_block::validate_data_size(&base, src.len())?;
        let mut first = [0u8; hbin::HEADER_SIZE];
        src.read_exact_at(base_block::SIZE as u64, &mut first)?;
        hbin::HbinHeader::parse(&first, base_block::SIZE as u64)?;
        let warnings = Vec::new();
        Ok(Hive { src, base, warnings, read_bytes: std::cell::Cell::new(0) })
    }

    /// The base block's two sequence numbers differ: changes may sit in transaction logs.
    pub fn is_dirty(&self) -> bool {
        self.base.primary_sequence != self.base.secondary_sequence
    }

    /// The bytes the hive is read from (after a log replay: the replayed image).
    pub fn source(&self) -> &S {
        &self.src
    }

    /// The bytes of the allocated cell at hive-bins-relative `offset` (without the size field).
    /// Fails once the cells read through this hive exceed [`MAX_READ_BYTES`] in all.
    pub fn cell(&self, offset: u32) -> Result<Vec<u8>> {
        let data = cell::read_cell(&self.src, self.base.hive_bins_data_size, offset)?;
        let total = self.read_bytes.get().saturating_add(data.len() as u64);
        if total > MAX_READ_BYTES {
            return Err(Error::TooLarge {
                structure: "regf cells read (lists naming the same or overlapping cells)",
                offset: cell::absolute(offset),
                size: total,
                limit: MAX_READ_BYTES,
            });
        }
        self.read_bytes.set(total);
        Ok(data)
    }

    /// The root key.
    pub fn root(&self) -> Result<KeyNode> {
        KeyNode::parse(&self.cell(self.base.root_cell_offset)?, self.base.root_cell_offset)
    }

    /// The subkeys of `key`.
    pub fn subkeys(&self, key: &KeyNode) -> Result<Vec<KeyNode>> {
        if key.subkey_count == 0 {
            return Ok(Vec::new());
        }
        if key.subkey_count > MAX_ENTRIES {
            return Err(Error::TooLarge {
                structure: "nk subkey count",
                offset: cell::absolute(key.offset),
                size: key.subkey_count as u64,
                limit: MAX_ENTRIES as u64,
            });
        }
        let offsets = list::subkey_offsets(self, key.subkey_list_offset, 0)?;
        if offsets.len() != key.subkey_count as usize {
            return Err(Error::invalid(
                "nk",
                cell::absolute(key.offset),
                "subkey count",
                key.subkey_count.to_string(),
                format!("{} entries in its subkey list", offsets.len()),
            ));
        }
        offsets.into_iter().map(|o| KeyNode::parse(&self.cell(o)?, o)).collect()
    }

    /// The subkey of `key` named `name`, compared case-insensitively like Windows.
    pub fn subkey(&self, key: &KeyNode, name: &str) -> Result<Option<KeyNode>> {
        Ok(self.subkeys(key)?.into_iter().find(|k| eq_ci(&k.name, name)))
    }

    /// Follow a backslash-separated path from the root (case-insensitive).
    pub fn key(&self, path: &str) -> Result<Option<KeyNode>> {
        let mut key = self.root()?;
        for (depth, part) in path.split('\\').filter(|p| !p.is_empty()).enumerate() {
            if depth >= MAX_PATH_DEPTH {
                return Err(Error::TooLarge {
                    structure: "registry key path",
                    offset: 0,
                    size: depth as u64,
                    limit: MAX_PATH_DEPTH as u64,
                });
            }
            match self.subkey(&key, part)? {
                Some(k) => key = k,
                None => return Ok(None),
            }
        }
        Ok(Some(key))
    }

    /// The values of `key`.
    pub fn values(&self, key: &KeyNode) -> Result<Vec<ValueKey>> {
        if key.value_count == 0 {
            return Ok(Vec::new());
        }
        if key.value_count > MAX_ENTRIES {
            return Err(Error::TooLarge {
                structure: "nk value count",
                offset: cell::absolute(key.offset),
                size: key.value_count as u64,
                limit: MAX_ENTRIES as u64,
            });
        }
        let list = self.cell(key.value_list_offset)?;
        let needed = key.value_count as usize * 4;
        if list.len() < needed {
            return Err(Error::Truncated {
                structure: "value list",
                offset: cell::absolute(key.value_list_offset),
                needed: needed as u64,
                available: list.len() as u64,
            });
        }
        let list = cell::fields(&list, "value list", key.value_list_offset);
        (0..key.value_count as usize)
            .map(|i| {
                let o = list.u32(i * 4)?;
                ValueKey::parse(&self.cell(o)?, o)
            })
            .collect()
    }

    /// The value of `key` named `name` (case-insensitive; "" is the default value).
    pub fn value(&self, key: &KeyNode, name: &str) -> Result<Option<ValueData>> {
        match self.values(key)?.into_iter().find(|v| eq_ci(&v.name, name)) {
            Some(v) => Ok(Some(vk::read_data(self, &v)?)),
            None => Ok(None),
        }
    }
}

/// Case-insensitive comparison of key and value names (Unicode simple lowercase).
pub fn eq_ci(a: &str, b: &str) -> bool {
    a.chars().flat_map(char::to_lowercase).eq(b.chars().flat_map(char::to_lowercase))
}

#[cfg(test)]
mod tests;
