//! What both file systems of an ISO yield: files and directories as extents of the ISO,
//! directory entries, and the bounds every reader applies. A leaf of `iso/`: the UDF and
//! ISO 9660 readers build these, `iso/mod.rs` walks them.

use super::udf::long_ad::LongAd;
use crate::error::{Error, Result};
use crate::source::{Extent, ReadAt, read_bounded};

/// Sector size of ISO 9660 and UDF on optical media and their image files.
pub const SECTOR: u64 = 2048;
/// Refuse directories larger than this (Windows' `sources` holds ~1000 entries, ~100 KiB).
pub const MAX_DIR_SIZE: u64 = 16 * 1024 * 1024;
/// Refuse more entries than this in one directory.
pub const MAX_DIR_ENTRIES: usize = 100_000;
/// Refuse files made of more extents than this (a 6 GiB file needs 2 ISO 9660
/// extents or 6 UDF ones).
pub const MAX_EXTENTS: usize = 4096;
/// Deepest directory level a listing descends to.
pub const MAX_DEPTH: usize = 64;
/// Most entries a whole-tree listing returns.
pub const MAX_LISTED: usize = 1_000_000;

/// What a directory entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Directory,
    /// Symbolic links, devices, streams...: never read as data.
    Other,
}

/// A file or directory with the extents of the ISO that hold its bytes, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub kind: Kind,
    pub size: u64,
    pub extents: Vec<Extent>,
    /// Identity of the on-disk structure (byte offset of the UDF file entry or of
    /// the ISO 9660 directory extent): detects loops.
    pub id: u64,
}

/// One name in a directory. UDF entries point at a file entry that is read only
/// when the name is wanted; ISO 9660 records carry everything.
#[derive(Debug, Clone)]
pub struct DirEntry {
    pub name: String,
    pub is_dir: bool,
    pub(crate) target: Target,
}

#[derive(Debug, Clone)]
pub(crate) enum Target {
    Udf(LongAd),
    Resolved(Node),
}

/// Read the bytes of a directory, bounded by [`MAX_DIR_SIZE`].
pub(crate) fn read_extents(src: &dyn ReadAt, structure: &'static str, node: &Node) -> Result<Vec<u8>> {
    if node.size > MAX_DIR_SIZE {
        return Err(Error::TooLarge { structure, offset: node.id, size: node.size, limit: MAX_DIR_SIZE });
    }
    let mut out = Vec::with_capacity(node.size as usize);
    for e in &node.extents {
        out.extend(read_bounded(src, structure, e.offset, e.len, MAX_DIR_SIZE)?);
    }
    Ok(out)
}
