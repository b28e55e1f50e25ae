//! Windows media as ISO files, read in place: UDF (Microsoft's media are UDF only)
//! and ISO 9660 with Joliet (bridge and plain images). The reader finds
//! `sources/install.{wim,esd,swm}` ([`find_install_image`]) and offers a view of it (an
//! [`ExtentSource`]) and the media's own facts ([`MediaFacts`]: ei.cfg, pid.txt, EFI
//! loaders, setup.exe, boot.wim); `image::read_iso` hands the view to the WIM reader
//! unchanged and puts the two together.
//!
//! Only directories on the path to the files looked for are read, and only the
//! file entries of the names that match: inspecting a 5 GiB ISO reads a few dozen
//! KiB. Every size is bounded before allocating and every offset checked against
//! the ISO; directory identities are remembered so loops cannot make work unbounded.
//!
//! Layout: `node.rs` (files, entries, bounds), `udf/` (one file per on-disk structure),
//! `iso9660.rs`, `eicfg.rs`, `pe.rs` (machine types via goblin), `media.rs` (the facts).

pub mod eicfg;
pub mod iso9660;
pub mod media;
pub mod node;
pub mod pe;
pub mod udf;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::source::{ExtentSource, ReadAt, read_bounded};

pub use eicfg::{Channel, EiCfg};
pub use media::{MediaFacts, is_vl_media, media_channel};
use node::Target;
pub use node::{DirEntry, Kind, MAX_DEPTH, MAX_DIR_ENTRIES, MAX_DIR_SIZE, MAX_EXTENTS, MAX_LISTED, Node, SECTOR};

/// The Windows image names looked for, in order.
pub const IMAGE_PATHS: [&str; 3] = ["sources/install.wim", "sources/install.esd", "sources/install.swm"];

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
    /// the UDF error that says why.
    pub fn open_noting(src: &dyn ReadAt) -> Result<(Filesystem, Option<Error>)> {
        if udf::announced(src)? {
            return match udf::Volume::open(src) {
                Ok(v) => Ok((Filesystem::Udf(v), None)),
                Err(e @ Error::Unsupported { .. }) => match iso9660::Volume::open(src) {
                    Ok(v) => Ok((Filesystem::Iso9660(v), Some(e))),
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

/// Case-insensitive comparison of names (Windows semantics, simplified to Unicode
/// lowercase).
pub fn same_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b) || a.to_lowercase() == b.to_lowercase()
}

/// An ISO opened for lookups: the file system plus a cache of the directories read.
pub struct Iso {
    pub fs: Filesystem,
    /// Why the file system read is not the one an OS would prefer: the UDF volume's
    /// unsupported feature (see [`Filesystem::open_noting`]).
    pub note: Option<Error>,
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

/// The Windows install image found inside an ISO: a view of its bytes, of the other
/// parts of a split set beside it, and the media's own facts. `image::read_iso` reads the
/// image through it and puts the report together.
pub struct InstallImage {
    iso: Iso,
    /// The name looked for, e.g. `sources/install.wim` or `x64/sources/install.wim` (the
    /// on-disk case may differ).
    pub path: String,
    node: Node,
    /// The ISO's name for messages.
    shown: String,
    /// Every install image of the media (two on dual-architecture media).
    all: Vec<media::InstallImagePath>,
}

impl InstallImage {
    /// `ISO!sources/install.wim`: the image's name in messages and in the part list.
    pub fn name(&self) -> String {
        format!("{}!{}", self.shown, self.path)
    }

    /// The image's bytes, read in place through the ISO's extents.
    pub fn open(&self) -> Result<ExtentSource<Arc<dyn ReadAt>>> {
        self.iso.open_file(&self.node, self.name()).map_err(|e| e.in_file(self.name()))
    }

    /// Part `n` of a split set, from the same directory; `Ok(None)` when it is not there.
    pub fn open_part(&self, n: u16) -> Result<Option<Box<dyn ReadAt>>> {
        let part = crate::image::wim::split::part_name(&self.path, n);
        match self.iso.file(&part)? {
            Some(p) => Ok(Some(Box::new(self.iso.open_file(&p, format!("{}!{part}", self.shown))?))),
            None => Ok(None),
        }
    }

    /// The media's own facts (ei.cfg, loaders, boot.wim...); never fails (see `media`).
    pub fn media(&self) -> MediaFacts {
        let mut m = media::collect(&self.iso, &self.path, &self.node);
        m.install_images = self.all.clone();
        m
    }
}

/// Find `sources/install.{wim,esd,swm}` in the ISO `src` (shown as `shown` in messages).
/// No image there is an error naming what was looked for (and images of dual-architecture
/// media, which are not read yet).
pub fn find_install_image(src: Arc<dyn ReadAt>, shown: &str) -> Result<InstallImage> {
    find_install_image_for(src, shown, None)
}

/// The architecture folders of dual-architecture media, in the order one is chosen
/// when nothing says which.
pub const MEDIA_ARCHES: [&str; 3] = ["x64", "x86", "arm64"];

/// The architecture this program runs on, as media folders name it.
fn host_arch() -> Option<&'static str> {
    match std::env::consts::ARCH {
        "x86_64" => Some("x64"),
        "x86" => Some("x86"),
        "aarch64" => Some("arm64"),
        _ => None,
    }
}

/// [`find_install_image`] choosing on dual-architecture media (`x64/sources/...`,
/// `x86/sources/...`): the image of `arch` when given (missing: a usage error naming
/// those present), else the one of this program's architecture, else the first of
/// [`MEDIA_ARCHES`]. Ordinary media (root `sources/`) ignore `arch`.
pub fn find_install_image_for(src: Arc<dyn ReadAt>, shown: &str, arch: Option<&str>) -> Result<InstallImage> {
    let iso = Iso::open(src).map_err(|e| e.in_file(shown))?;
    for path in IMAGE_PATHS {
        if let Some(node) = iso.file(path).map_err(|e| e.in_file(shown))? {
            let all = vec![media::InstallImagePath { path: path.to_string(), arch: None }];
            return Ok(InstallImage { iso, path: path.to_string(), node, shown: shown.to_string(), all });
        }
    }
    // Dual-architecture media keep one sources/ per architecture.
    let mut found: Vec<(&'static str, String, Node)> = Vec::new();
    for a in MEDIA_ARCHES {
        for p in IMAGE_PATHS {
            let p = format!("{a}/{p}");
            if let Some(node) = iso.file(&p).map_err(|e| e.in_file(shown))? {
                found.push((a, p, node));
                break;
            }
        }
    }
    let all: Vec<media::InstallImagePath> =
        found.iter().map(|(a, p, _)| media::InstallImagePath { path: p.clone(), arch: Some(a.to_string()) }).collect();
    let pick = match arch {
        Some(want) => match found.iter().position(|(a, _, _)| a.eq_ignore_ascii_case(want)) {
            Some(i) => Some(i),
            None if !found.is_empty() => {
                return Err(Error::Usage {
                    message: format!(
                        "{shown}: the media hold no {want} image (found {})",
                        all.iter().map(|i| i.path.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                });
            }
            None => None,
        },
        None => host_arch().and_then(|h| found.iter().position(|(a, _, _)| *a == h)).or(if found.is_empty() {
            None
        } else {
            Some(0)
        }),
    };
    if let Some(i) = pick {
        let (_, path, node) = found.swap_remove(i);
        return Ok(InstallImage { iso, path, node, shown: shown.to_string(), all });
    }
    let mut hint = String::new();
    if let Some(e) = &iso.note {
        hint.push_str(&format!("; the UDF file system was not read: {e}; the ISO 9660 side was read instead"));
    }
    Err(Error::NotFound {
        what: format!("{shown}: no Windows image found in ISO: looked for {}{hint}", IMAGE_PATHS.join(", ")),
    })
}
