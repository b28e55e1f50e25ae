//! Checking a whole image, as `oemgate verify` does: the integrity table of every part
//! that has one (SHA-1 per chunk of the file); every metadata resource (its SHA-1, then
//! its directory tree walked whole: every file's streams must name blobs the blob
//! table has); every blob of the blob table (each one's SHA-1), read in file order.
//! With an index, only that image's metadata and the blobs its tree names. The first
//! failure is the error; on success the counts are the facts reported.

use serde::Serialize;

use std::collections::HashSet;

use super::blob_table::{Blob, Location, ZERO_HASH, hex};
use super::integrity;
use super::read_header;
use super::stream::{self, Label, Task};
use super::tree::{Found, Tree};
use crate::error::{Error, Result};
use crate::image::archive::Wim;
use crate::source::ReadAt;

/// What was checked (all of it held).
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// The image as given.
    pub path: String,
    /// The index asked for with `--index`, if any.
    pub index: Option<u32>,
    /// One entry per part that has an integrity table.
    pub integrity: Vec<IntegrityChecked>,
    /// Metadata resources checked (their SHA-1 and their directory tree).
    pub metadata_resources: u32,
    /// Files and directories walked in those trees.
    pub files: u64,
    /// Blobs checked (metadata resources not counted).
    pub blobs: u64,
    /// Uncompressed bytes hashed (blobs and metadata).
    pub bytes: u64,
    /// How the blobs were chosen, and anything skipped.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IntegrityChecked {
    pub part: String,
    pub chunks: u32,
    pub chunk_size: u32,
}

/// Which step the progress is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The integrity table of a part (its number).
    Integrity(u16),
    /// Metadata and blobs.
    Blobs,
}

/// Check the image. With `index`, that image's metadata resource and the blobs its
/// directory tree names; without, every image's and every blob of the table.
/// `progress(stage, done, total)` is called as bytes are read.
pub fn verify(wim: &Wim, index: Option<u32>, progress: &mut dyn FnMut(Stage, u64, u64)) -> Result<VerifyReport> {
    let mut report = VerifyReport {
        path: wim.report().path.clone(),
        index,
        integrity: Vec::new(),
        metadata_resources: 0,
        files: 0,
        blobs: 0,
        bytes: 0,
        notes: wim.blob_table().notes.clone(),
    };
    if let Some(n) = index {
        wim.metadata_blob(n)?; // a usage error for an index the image lacks
    }
    for (i, src) in wim.parts().iter().enumerate() {
        let header = read_header(&**src).map_err(|e| e.in_file(src.name()))?;
        let Some(info) = integrity::read(&**src, &header).map_err(|e| e.in_file(src.name()))? else { continue };
        let part = (i + 1) as u16;
        let chunks = integrity::verify(&**src, &header, &info, wim.threads(), &mut |d, t| {
            progress(Stage::Integrity(part), d, t)
        })
        .map_err(|e| e.in_file(src.name()))?;
        report.integrity.push(IntegrityChecked { part: src.name(), chunks, chunk_size: info.chunk_size });
    }

    let images: Vec<u32> = match index {
        Some(n) => vec![n],
        None => (1..=wim.image_count()).collect(),
    };
    // The metadata resources first (hashed whole, in parallel like any blob), then
    // their trees walked: every stream they name must be in the blob table.
    let mut meta_tasks = Vec::new();
    for &n in &images {
        let blob = wim.metadata_blob(n)?;
        meta_tasks.push(wim.task_of(blob, Label::Metadata(n)));
        report.metadata_resources += 1;
        report.bytes += blob.size;
    }
    stream::run(wim.parts(), &meta_tasks, wim.threads(), false, &mut |_, _| Ok(()), &mut |_, _| {})?;
    let mut named: HashSet<[u8; 20]> = HashSet::new();
    for &n in &images {
        report.files += walk(wim, n, &mut named)?;
    }

    let table = wim.blob_table();
    let chosen: Vec<&Blob> = match index {
        Some(_) => table.blobs.iter().filter(|b| named.contains(&b.hash)).collect(),
        None => table.blobs.iter().collect(),
    };
    let mut tasks: Vec<Task> = Vec::new();
    let mut solid_tasks: Vec<Option<Task>> = vec![None; table.solids.len()];
    for blob in chosen {
        report.blobs += 1;
        report.bytes += blob.size;
        let t = wim.task_of(blob, Label::Blob);
        match blob.location {
            Location::Resource(_) => tasks.push(t),
            Location::Solid { solid, .. } => match solid_tasks.get_mut(solid) {
                Some(Some(st)) => st.spans.extend(t.spans),
                Some(slot) => *slot = Some(t),
                None => tasks.push(t),
            },
        }
    }
    tasks.extend(solid_tasks.into_iter().flatten());
    for t in &mut tasks {
        t.check()?;
    }
    tasks.sort_by_key(|t| (t.spec.part, t.spec.offset));
    stream::run(wim.parts(), &tasks, wim.threads(), false, &mut |_, _| Ok(()), &mut |d, t| {
        progress(Stage::Blobs, d, t)
    })?;
    Ok(report)
}

/// Walk image `n`'s directory tree; every stream hash it names must be in the blob
/// table (added to `named`). Returns the number of entries.
fn walk(wim: &Wim, n: u32, named: &mut HashSet<[u8; 20]>) -> Result<u64> {
    let view = wim.metadata(n)?;
    let context = |e: Error| e.in_file(format!("{}: image {n}", wim.report().path));
    let tree = Tree::open(&view).map_err(context)?;
    let mut count = 0u64;
    let root = Found { path: "/".into(), dentry: tree.root.clone() };
    let table = wim.blob_table();
    tree.walk(&root, &mut |path, d, _| {
        count += 1;
        for h in std::iter::once(&d.main_hash).chain(d.streams.iter().map(|s| &s.hash)) {
            if *h == ZERO_HASH || named.contains(h) {
                continue;
            }
            if table.get(h).is_none() {
                return Err(Error::NotFound {
                    what: format!("{path}: its data (blob {}) is not in the blob table", hex(h)),
                });
            }
            named.insert(*h);
        }
        Ok(())
    })
    .map_err(context)?;
    Ok(count)
}
