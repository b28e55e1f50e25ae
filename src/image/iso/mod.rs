//! Windows media as ISO files, read in place: UDF (Microsoft's media are UDF only)
//! and ISO 9660 with Joliet (bridge and plain images). The reader finds
//! `sources/install.{wim,esd,swm}` and hands a view of it (an [`ExtentSource`]) to the
//! WIM reader unchanged; it also collects the media's own facts ([`MediaFacts`]:
//! ei.cfg, pid.txt, EFI loaders, setup.exe, boot.wim).
//!
//! Only directories on the path to the files looked for are read, and only the
//! file entries of the names that match: inspecting a 5 GiB ISO reads a few dozen
//! KiB. Every size is bounded before allocating and every offset checked against
//! the ISO; directory identities are remembered so loops cannot make work unbounded.
//!
//! Layout: `udf/` (one file per on-disk structure), `iso9660.rs`, `eicfg.rs`,
//! `pe.rs` (machine types via goblin), `media.rs` (the facts and the media rule).

pub mod eicfg;
pub mod iso9660;
pub mod media;
pub mod pe;
pub mod udf;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::source::{Extent, ExtentSource, ReadAt, read_bounded};

pub use eicfg::{Channel, EiCfg};
pub use media::{MediaFacts, is_vl_media, media_channel, media_kind};

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

/// The Windows image names looked for, in order.
pub const IMAGE_PATHS: [&str; 3] = ["sources/install.wim", "sources/install.esd", "sources/install.swm"];

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
    target: Target,
}

#[derive(Debug, Clone)]
enum Target {
    Udf(udf::LongAd),
    Resolved(Node),
}

/// Which file system of the ISO is read.
#[derive(Debug)]
pub enum Filesystem {
    Udf(udf::Volume),
    Iso9660(iso9660::Volume),
}

/// Does this look like an ISO image (ISO 9660 or UDF volume recognition sequence at
/// sector 16)? Decided by the volume descriptors, not by the file name.
pub fn is_iso(src: &dyn ReadAt) -> bool {
    let mut id = [0u8; 6];
    if src.len() < 16 * SECTOR + 6 || src.read_exact_at(16 * SECTOR, &mut id).is_err() {
        return false;
    }
    matches!(&id[1..6], b"CD001" | b"BEA01" | b"NSR02" | b"NSR03" | b"TEA01" | b"BOOT2" | b"CDW02")
}

impl Filesystem {
    /// Open the UDF file system if the volume recognition sequence announces one,
    /// else ISO 9660 (with Joliet names when a Joliet descriptor is present).
    pub fn open(src: &dyn ReadAt) -> Result<Filesystem> {
        if !is_iso(src) {
            return Err(Error::BadMagic {
                structure: "ISO volume descriptor",
                offset: 16 * SECTOR,
                expected: "CD001, BEA01 or NSR02/NSR03".into(),
                actual: "something else (not an ISO 9660 or UDF image)".into(),
            });
        }
        Ok(Self::open_noting(src)?.0)
    }

    /// Like [`Filesystem::open`], but a UDF volume this reader does not support
    /// (not a damaged one) falls back to the ISO 9660 side of a bridge image, with
    /// a note saying why.
    pub fn open_noting(src: &dyn ReadAt) -> Result<(Filesystem, Option<String>)> {
        if udf::announced(src)? {
            return match udf::Volume::open(src) {
                Ok(v) => Ok((Filesystem::Udf(v), None)),
                Err(e @ Error::Unsupported { .. }) => match iso9660::Volume::open(src) {
                    Ok(v) => Ok((
                        Filesystem::Iso9660(v),
                        Some(format!("the UDF file system was not read: {e}; the ISO 9660 side was read instead")),
                    )),
                    Err(_) => Err(e),
                },
                Err(e) => Err(e),
            };
        }
        Ok((Filesystem::Iso9660(iso9660::Volume::open(src)?), None))
    }

    /// "UDF 1.02", "ISO 9660 + Joliet", "ISO 9660".
    pub fn describe(&self) -> String {
        match self {
            Filesystem::Udf(v) => v.describe(),
            Filesystem::Iso9660(v) => v.describe(),
        }
    }

    pub fn label(&self) -> Option<String> {
        match self {
            Filesystem::Udf(v) => v.label.clone(),
            Filesystem::Iso9660(v) => v.label.clone(),
        }
    }

    pub fn root(&self) -> Node {
        match self {
            Filesystem::Udf(v) => v.root.clone(),
            Filesystem::Iso9660(v) => v.root.clone(),
        }
    }

    /// The entries of directory `dir` (without `.` and `..`).
    pub fn read_dir(&self, src: &dyn ReadAt, dir: &Node) -> Result<Vec<DirEntry>> {
        if dir.kind != Kind::Directory {
            return Err(Error::malformed("ISO directory", dir.id, "not a directory"));
        }
        match self {
            Filesystem::Udf(v) => v.read_dir(src, dir),
            Filesystem::Iso9660(v) => v.read_dir(src, dir),
        }
    }

    /// The file or directory an entry names.
    pub fn resolve(&self, src: &dyn ReadAt, entry: &DirEntry) -> Result<Node> {
        match (&entry.target, self) {
            (Target::Resolved(n), _) => Ok(n.clone()),
            (Target::Udf(ad), Filesystem::Udf(v)) => v.file_entry(src, ad),
            (Target::Udf(_), Filesystem::Iso9660(_)) => {
                Err(Error::malformed("ISO directory", 0, "UDF entry in an ISO 9660 tree"))
            }
        }
    }
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

/// Case-insensitive comparison of names (Windows semantics, simplified to Unicode
/// lowercase).
pub fn same_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b) || a.to_lowercase() == b.to_lowercase()
}

/// An ISO opened for lookups: the file system plus a cache of the directories read.
pub struct Iso {
    pub fs: Filesystem,
    /// Why the file system read is not the one an OS would prefer (see
    /// [`Filesystem::open_noting`]).
    pub note: Option<String>,
    src: Arc<dyn ReadAt>,
    dirs: RefCell<HashMap<u64, Rc<Dir>>>,
}

/// A directory read once: its entries, and the first entry of each name folded to
/// lowercase, so that a lookup costs one hash probe, not a scan of the directory (a
/// split-set header makes the reader look up to 65535 part names in `sources/`).
struct Dir {
    entries: Vec<DirEntry>,
    by_name: HashMap<String, usize>,
}

impl Dir {
    fn new(entries: Vec<DirEntry>) -> Dir {
        let mut by_name = HashMap::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            by_name.entry(e.name.to_lowercase()).or_insert(i);
        }
        Dir { entries, by_name }
    }

    /// The first entry named `name` in the sense of [`same_name`] (which holds exactly
    /// when the lowercase forms are equal).
    fn find(&self, name: &str) -> Option<&DirEntry> {
        self.by_name.get(&name.to_lowercase()).map(|&i| &self.entries[i])
    }
}

impl Iso {
    pub fn open(src: Arc<dyn ReadAt>) -> Result<Iso> {
        let (fs, note) = Filesystem::open_noting(&*src)?;
        Ok(Iso { note, ..Iso::with_filesystem(fs, src) })
    }

    /// Read `src` through a file system chosen by the caller (e.g. the ISO 9660
    /// side of a UDF bridge image).
    pub fn with_filesystem(fs: Filesystem, src: Arc<dyn ReadAt>) -> Iso {
        Iso { fs, note: None, src, dirs: RefCell::new(HashMap::new()) }
    }

    pub fn source(&self) -> &Arc<dyn ReadAt> {
        &self.src
    }

    fn entries(&self, dir: &Node) -> Result<Rc<Dir>> {
        if let Some(e) = self.dirs.borrow().get(&dir.id) {
            return Ok(e.clone());
        }
        let e = Rc::new(Dir::new(self.fs.read_dir(&*self.src, dir)?));
        self.dirs.borrow_mut().insert(dir.id, e.clone());
        Ok(e)
    }

    /// Look up `path` ("sources/install.wim"), case-insensitively. `Ok(None)` when
    /// any component is missing or a non-final component is not a directory.
    pub fn lookup(&self, path: &str) -> Result<Option<Node>> {
        let mut node = self.fs.root();
        for comp in path.split(['/', '\\']).filter(|c| !c.is_empty()) {
            if node.kind != Kind::Directory {
                return Ok(None);
            }
            let entries = self.entries(&node)?;
            let Some(e) = entries.find(comp) else {
                return Ok(None);
            };
            node = self.fs.resolve(&*self.src, e)?;
        }
        Ok(Some(node))
    }

    /// Look up a regular file.
    pub fn file(&self, path: &str) -> Result<Option<Node>> {
        Ok(self.lookup(path)?.filter(|n| n.kind == Kind::File))
    }

    /// A byte source for a file of the ISO, named `shown!path`.
    pub fn open_file(&self, node: &Node, name: String) -> Result<ExtentSource<Arc<dyn ReadAt>>> {
        ExtentSource::new(self.src.clone(), name, &node.extents)
    }

    /// Read a whole small file, refusing files above `limit` bytes.
    pub fn read_small(&self, node: &Node, structure: &'static str, limit: u64) -> Result<Vec<u8>> {
        if node.size > limit {
            return Err(Error::TooLarge { structure, offset: node.id, size: node.size, limit });
        }
        let f = self.open_file(node, String::new())?;
        read_bounded(&f, structure, 0, node.size, limit)
    }

    /// Every file and directory of the tree, depth first, as (path, node). Bounded
    /// by [`MAX_DEPTH`] and [`MAX_LISTED`]; a directory reached twice is an error.
    pub fn list(&self) -> Result<Vec<(String, Node)>> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let root = self.fs.root();
        seen.insert(root.id);
        self.walk(&root, "", 0, &mut seen, &mut out)?;
        Ok(out)
    }

    fn walk(
        &self,
        dir: &Node,
        prefix: &str,
        depth: usize,
        seen: &mut HashSet<u64>,
        out: &mut Vec<(String, Node)>,
    ) -> Result<()> {
        if depth >= MAX_DEPTH {
            return Err(Error::malformed("ISO directory", dir.id, format!("deeper than {MAX_DEPTH} levels")));
        }
        for e in self.entries(dir)?.entries.iter() {
            if out.len() >= MAX_LISTED {
                return Err(Error::malformed("ISO directory", dir.id, format!("more than {MAX_LISTED} entries")));
            }
            let node = self.fs.resolve(&*self.src, e)?;
            let path = if prefix.is_empty() { e.name.clone() } else { format!("{prefix}/{}", e.name) };
            out.push((path.clone(), node.clone()));
            if node.kind == Kind::Directory {
                if !seen.insert(node.id) {
                    return Err(Error::malformed("ISO directory", node.id, format!("directory loop at {path}")));
                }
                self.walk(&node, &path, depth + 1, seen, out)?;
            }
        }
        Ok(())
    }
}

/// Inspect the Windows image inside an ISO: find `sources/install.{wim,esd,swm}`,
/// read it in place with [`crate::image::read_image`] and add the media facts.
/// `shown` is the ISO's name for messages and the report.
pub fn inspect(src: Arc<dyn ReadAt>, shown: &str) -> Result<crate::image::ImageReport> {
    Ok(inspect_with_sources(src, shown)?.0)
}

/// Like [`inspect`], also returning a byte source for every part of the image
/// inside the ISO (`[n - 1]` is part `n`).
pub fn inspect_with_sources(
    src: Arc<dyn ReadAt>,
    shown: &str,
) -> Result<(crate::image::ImageReport, Vec<Arc<dyn ReadAt>>)> {
    let iso = Iso::open(src).map_err(|e| e.in_file(shown))?;
    let mut found = None;
    for path in IMAGE_PATHS {
        if let Some(node) = iso.file(path).map_err(|e| e.in_file(shown))? {
            found = Some((path, node));
            break;
        }
    }
    let Some((path, node)) = found else {
        // Dual-architecture media keep one sources/ per architecture: name them.
        let mut elsewhere = Vec::new();
        for arch in ["x64", "x86", "arm64"] {
            for p in IMAGE_PATHS {
                let p = format!("{arch}/{p}");
                if matches!(iso.file(&p), Ok(Some(_))) {
                    elsewhere.push(p);
                }
            }
        }
        let mut hint = if elsewhere.is_empty() {
            String::new()
        } else {
            format!(" (dual-architecture media, not supported yet: found {})", elsewhere.join(", "))
        };
        if let Some(note) = &iso.note {
            hint.push_str(&format!("; {note}"));
        }
        return Err(Error::NotFound {
            what: format!("{shown}: no Windows image found in ISO: looked for {}{hint}", IMAGE_PATHS.join(", ")),
        });
    };
    let inner = format!("{shown}!{path}");
    let file: Arc<dyn ReadAt> = Arc::new(iso.open_file(&node, inner.clone()).map_err(|e| e.in_file(&inner))?);
    let mut sources = vec![file.clone()];
    let mut open_part = |n: u16| -> Result<Option<Box<dyn ReadAt>>> {
        let part = crate::image::wim::split::part_name(path, n);
        match iso.file(&part)? {
            Some(p) => {
                let src: Arc<dyn ReadAt> = Arc::new(iso.open_file(&p, format!("{shown}!{part}"))?);
                sources.push(src.clone());
                Ok(Some(Box::new(src)))
            }
            None => Ok(None),
        }
    };
    let mut rep = crate::image::read_image(&*file, &inner, &mut open_part)?;
    rep.path = shown.to_string();
    rep.media = Some(media::collect(&iso, path, &node));
    Ok((rep, sources))
}
