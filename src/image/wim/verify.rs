//! Checking a whole image, as `oemgate verify` does: the integrity table of every part
//! that has one (SHA-1 per chunk of the file), every metadata resource and every blob
//! of the blob table (each one's SHA-1), reading the parts in file order. The first
//! failure is the error; on success the counts are the facts reported.

use serde::Serialize;

use super::blob_table::Location;
use super::integrity;
use super::read_header;
use super::stream::{self, Label, Task};
use crate::error::Result;
use crate::image::archive::Wim;

/// What was checked (all of it held).
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// The image as given.
    pub path: String,
    /// The index asked for with `--index`, if any.
    pub index: Option<u32>,
    /// One entry per part that has an integrity table.
    pub integrity: Vec<IntegrityChecked>,
    /// Metadata resources checked.
    pub metadata_resources: u32,
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

/// Check the image. With `index`, the metadata resource of that image only (and,
/// until blobs can be chosen by the directory tree, every blob). `progress(stage,
/// done, total)` is called as bytes are read.
pub fn verify(wim: &Wim, index: Option<u32>, progress: &mut dyn FnMut(Stage, u64, u64)) -> Result<VerifyReport> {
    let mut report = VerifyReport {
        path: wim.report().path.clone(),
        index,
        integrity: Vec::new(),
        metadata_resources: 0,
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

    let table = wim.blob_table();
    let mut tasks: Vec<Task> = Vec::new();
    let images: Vec<u32> = match index {
        Some(n) => vec![n],
        None => (1..=wim.image_count()).collect(),
    };
    for n in images {
        let blob = wim.metadata_blob(n)?;
        tasks.push(wim.task_of(blob, Label::Metadata(n)));
        report.metadata_resources += 1;
        report.bytes += blob.size;
    }
    let mut solid_tasks: Vec<Option<Task>> = vec![None; table.solids.len()];
    for blob in &table.blobs {
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
    if index.is_some() {
        report.notes.push(
            "every blob of the image file was checked, not only those of the index asked for \
             (blobs are not yet chosen by the image's directory tree)"
                .into(),
        );
    }
    stream::run(wim.parts(), &tasks, wim.threads(), false, &mut |_, _| Ok(()), &mut |d, t| {
        progress(Stage::Blobs, d, t)
    })?;
    Ok(report)
}
