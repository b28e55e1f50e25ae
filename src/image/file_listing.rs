//! The files inside an image: listing (`dir`) and finding what to extract, over the
//! directory tree of one index. Reads facts only; writing files is `crate::extract`.

use std::io::Write;

use serde::Serialize;

use super::wim::dentry::{self, Dentry};
use super::wim::tree::{Found, Tree};
use super::wim::xml::filetime_to_iso8601;
use crate::error::{Error, Result};
use crate::source::ReadAt;

/// What the tree commands need from an opened image: its metadata resources and its
/// blobs, whatever the container (WIM, ESD, split set, inside an ISO).
pub trait ImageStore {
    /// Number of images (indexes) in the file.
    fn image_count(&self) -> u32;
    /// The uncompressed metadata resource of image `index` (1-based), read lazily.
    fn metadata(&self, index: u32) -> Result<Box<dyn ReadAt + '_>>;
    /// The uncompressed size of the blob with this SHA-1.
    fn blob_size(&self, hash: &[u8; 20]) -> Result<u64>;
    /// Write the blob to `sink`, failing (after writing) when its SHA-1 does not match.
    fn read_blob_verified(&self, hash: &[u8; 20], sink: &mut dyn Write) -> Result<u64>;
}

/// The index to use: the one asked for, or the only one. Usage errors otherwise.
pub fn choose_index(store: &dyn ImageStore, shown: &str, index: Option<u32>) -> Result<u32> {
    let count = store.image_count();
    match index {
        Some(n) if n >= 1 && n <= count => Ok(n),
        Some(n) => Err(Error::Usage {
            message: format!("{shown}: no image with index {n} (the image has indexes 1..={count})"),
        }),
        None if count == 1 => Ok(1),
        None => {
            Err(Error::Usage { message: format!("{shown}: the image has {count} indexes: choose one with --index N") })
        }
    }
}

/// One line of `dir`: a path and its facts.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// Absolute, `/`-separated; `/` for the root.
    pub path: String,
    /// `file`, `directory` or `reparse-point`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Bytes of the unnamed data stream (0 for directories).
    pub size: u64,
    /// `FILE_ATTRIBUTE_*` bits.
    pub attributes: u32,
    pub attribute_names: Vec<&'static str>,
    pub creation_time: Option<String>,
    pub last_write_time: Option<String>,
    pub last_access_time: Option<String>,
    /// SHA-1 of the unnamed data stream, hex; `null` when empty.
    pub sha1: Option<String>,
    pub hard_link_group: Option<u64>,
    pub reparse_tag: Option<u32>,
    pub named_streams: Vec<NamedStream>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NamedStream {
    pub name: String,
    pub size: u64,
    pub sha1: Option<String>,
}

pub fn hex(h: &[u8; 20]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

fn attribute_names(a: u32) -> Vec<&'static str> {
    const NAMES: [(u32, &str); 15] = [
        (0x1, "readonly"),
        (0x2, "hidden"),
        (0x4, "system"),
        (0x10, "directory"),
        (0x20, "archive"),
        (0x40, "device"),
        (0x80, "normal"),
        (0x100, "temporary"),
        (0x200, "sparse"),
        (0x400, "reparse-point"),
        (0x800, "compressed"),
        (0x1000, "offline"),
        (0x2000, "not-content-indexed"),
        (0x4000, "encrypted"),
        (0x8000, "integrity-stream"),
    ];
    NAMES.iter().filter(|(bit, _)| a & bit != 0).map(|(_, n)| *n).collect()
}

fn size_of(store: &dyn ImageStore, hash: Option<[u8; 20]>) -> Result<u64> {
    hash.map_or(Ok(0), |h| store.blob_size(&h))
}

/// Describe one dentry (`details`: sizes, which look blobs up; otherwise 0).
pub fn item(store: &dyn ImageStore, path: &str, d: &Dentry, details: bool) -> Result<Item> {
    let kind = if d.is_reparse_point() {
        "reparse-point"
    } else if d.is_directory() {
        "directory"
    } else {
        "file"
    };
    let data = d.data_hash();
    let mut named_streams = Vec::new();
    for s in d.named_streams() {
        let h = (s.hash != dentry::ZERO_HASH).then_some(s.hash);
        named_streams.push(NamedStream {
            name: String::from_utf16_lossy(&s.name),
            size: if details { size_of(store, h)? } else { 0 },
            sha1: h.as_ref().map(hex),
        });
    }
    Ok(Item {
        path: path.to_string(),
        kind,
        size: if details { size_of(store, data)? } else { 0 },
        attributes: d.attributes,
        attribute_names: attribute_names(d.attributes),
        creation_time: filetime_to_iso8601(d.creation_time),
        last_write_time: filetime_to_iso8601(d.last_write_time),
        last_access_time: filetime_to_iso8601(d.last_access_time),
        sha1: data.as_ref().map(hex),
        hard_link_group: (d.hard_link_group != 0).then_some(d.hard_link_group),
        reparse_tag: d.reparse_tag,
        named_streams,
    })
}

/// Find `path` in `tree`; a path the image lacks is a usage error (exit 2).
pub fn find(tree: &Tree, shown: &str, index: u32, path: &str) -> Result<Found> {
    tree.lookup(path)?
        .ok_or_else(|| Error::Usage { message: format!("{shown}: index {index} has no file or directory {path:?}") })
}

/// Every path at or below `path`, in `wimlib-imagex dir` order; `details` adds sizes.
pub fn list(
    store: &dyn ImageStore,
    tree: &Tree,
    start: &Found,
    details: bool,
    out: &mut dyn FnMut(Item) -> Result<()>,
) -> Result<()> {
    tree.walk(start, &mut |p, d, _| out(item(store, p, d, details)?))
}

/// Open the image at `path` (WIM, ESD, split set, ISO) and run `f` on it with its shown name.
pub fn with_store<T>(path: &std::path::Path, f: impl FnOnce(&dyn ImageStore, &str) -> Result<T>) -> Result<T> {
    let shown = path.display().to_string();
    let wim = super::archive::Wim::open(path)?;
    f(&wim, &shown)
}

impl ImageStore for super::archive::Wim {
    fn image_count(&self) -> u32 {
        super::archive::Wim::image_count(self)
    }
    fn metadata(&self, index: u32) -> Result<Box<dyn ReadAt + '_>> {
        Ok(Box::new(super::archive::Wim::metadata(self, index)?))
    }
    fn blob_size(&self, hash: &[u8; 20]) -> Result<u64> {
        Ok(self.blob(hash)?.len())
    }
    fn read_blob_verified(&self, hash: &[u8; 20], sink: &mut dyn Write) -> Result<u64> {
        super::archive::Wim::read_blob_verified(self, hash, sink)
    }
}
