//! [`Wim`]: an image opened for reading its contents (WIM, ESD, split set, or any of
//! these inside an ISO), with the blob tables of every part merged.

use std::path::Path;
use std::sync::{Arc, Mutex};

use sha1::{Digest, Sha1};

use super::ImageReport;
use super::wim::blob_table::{Blob, BlobTable, Location, ZERO_HASH, hex};
use super::wim::read::{Resource, ResourceView};
use super::wim::resource::ResourceSpec;
use super::wim::stream::{self, Label, Span, Task};
use super::wim::{parallel, read_header};
use crate::error::{Error, Result};
use crate::source::ReadAt;

/// Stored blobs up to this size are read on the calling thread.
const SMALL_STORED: u64 = 4 << 20;

/// An opened image: WIM, ESD, split set or any of these inside an ISO.
pub struct Wim {
    report: ImageReport,
    /// `parts[n - 1]` is part `n`.
    parts: Vec<Arc<dyn ReadAt>>,
    table: BlobTable,
    /// Solid resources opened so far (shared by every blob inside, so that their
    /// chunk cache is shared too).
    solids: Mutex<Vec<Option<Arc<Resource>>>>,
    threads: usize,
}

impl Wim {
    /// Open an image the way `inspect` does (see [`crate::image::open`]).
    pub fn open(path: &Path) -> Result<Wim> {
        let (report, parts) = crate::image::open_with_sources(path)?;
        Wim::from_sources(report, parts)
    }

    /// Build from what [`crate::image::read_image`] read and the byte sources of
    /// every part (`parts[n - 1]` is part `n`): reads and merges their blob tables.
    pub fn from_sources(report: ImageReport, parts: Vec<Arc<dyn ReadAt>>) -> Result<Wim> {
        if report.encrypted {
            return Err(Error::Unsupported {
                structure: "ESD",
                offset: 0,
                message: "encrypted ESD (its resources cannot be read without the key)".into(),
            }
            .in_file(report.path.clone()));
        }
        let mut table = BlobTable::default();
        for src in &parts {
            let header = read_header(&**src).map_err(|e| e.in_file(src.name()))?;
            let reader = |spec: &ResourceSpec| -> Result<Vec<u8>> {
                let r = Resource::new(src.clone(), *spec)?;
                let mut buf = vec![0u8; spec.uncompressed as usize]; // bounded by the caller
                r.read_at(0, &mut buf)?;
                Ok(buf)
            };
            table.add_part(&**src, &header, &reader).map_err(|e| e.in_file(src.name()))?;
        }
        let solids = Mutex::new(vec![None; table.solids.len()]);
        Ok(Wim { report, parts, table, solids, threads: parallel::default_threads() })
    }

    /// What `inspect` reports about the image (header, XML, parts).
    pub fn report(&self) -> &ImageReport {
        &self.report
    }

    pub fn image_count(&self) -> u32 {
        self.report.header.image_count
    }

    /// The merged blob table.
    pub fn blob_table(&self) -> &BlobTable {
        &self.table
    }

    /// The byte sources of the parts (`[n - 1]` is part `n`).
    pub fn parts(&self) -> &[Arc<dyn ReadAt>] {
        &self.parts
    }

    /// Use at most this many worker threads (default: the machine's cores, at most 8).
    pub fn set_threads(&mut self, n: usize) {
        self.threads = n.max(1);
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    fn part(&self, n: u16) -> Result<&Arc<dyn ReadAt>> {
        self.parts
            .get(usize::from(n).wrapping_sub(1))
            .ok_or_else(|| Error::NotFound { what: format!("{}: part {n} of the split set", self.report.path) })
    }

    /// The blob table entry of image `index`'s metadata resource (1-based).
    pub fn metadata_blob(&self, index: u32) -> Result<&Blob> {
        if index == 0 || index > self.image_count() {
            return Err(Error::Usage {
                message: format!(
                    "{}: no image with index {index} (the image has indexes 1..={})",
                    self.report.path,
                    self.image_count()
                ),
            });
        }
        self.table.metadata.get(index as usize - 1).ok_or_else(|| Error::NotFound {
            what: format!("{}: image {index} has no metadata resource in the blob table", self.report.path),
        })
    }

    /// The uncompressed metadata resource of image `index` (1-based) as a
    /// random-access source: reading a range decompresses only the chunks that hold it.
    pub fn metadata(&self, index: u32) -> Result<ResourceView> {
        let blob = *self.metadata_blob(index)?;
        self.view(&blob, format!("{}: metadata resource of image {index}", self.report.path))
    }

    /// The blob with this SHA-1 (any part of a split set, solid or not) as an
    /// uncompressed random-access source. The all-zero hash is the empty blob (an
    /// empty view); a hash the blob table lacks is `Err(NotFound)`.
    pub fn blob(&self, hash: &[u8; 20]) -> Result<ResourceView> {
        if *hash == ZERO_HASH {
            return Ok(ResourceView::empty(format!("{}: empty blob", self.report.path)));
        }
        let blob = *self.lookup(hash)?;
        self.view(&blob, format!("{}: blob {}", self.report.path, hex(hash)))
    }

    fn lookup(&self, hash: &[u8; 20]) -> Result<&Blob> {
        self.table.get(hash).ok_or_else(|| Error::NotFound {
            what: format!("{}: blob {} is not in the blob table", self.report.path, hex(hash)),
        })
    }

    fn view(&self, blob: &Blob, name: String) -> Result<ResourceView> {
        let (res, start) = self.resource_of(blob)?;
        ResourceView::new(res, start, blob.size, name)
    }

    /// The resource holding `blob` and where the blob starts in it.
    pub fn resource_of(&self, blob: &Blob) -> Result<(Arc<Resource>, u64)> {
        match blob.location {
            Location::Resource(spec) => {
                let src = self.part(spec.part)?;
                Ok((Arc::new(Resource::new(src.clone(), spec).map_err(|e| e.in_file(src.name()))?), 0))
            }
            Location::Solid { solid, offset } => {
                let mut solids = self.solids.lock().unwrap_or_else(|p| p.into_inner());
                let slot = solids
                    .get_mut(solid)
                    .ok_or_else(|| Error::malformed("WIM blob table", blob.entry_offset, "no such solid resource"))?;
                if let Some(r) = slot {
                    return Ok((r.clone(), offset));
                }
                let spec = self.table.solids[solid];
                let src = self.part(spec.part)?;
                let r = Arc::new(Resource::new(src.clone(), spec).map_err(|e| e.in_file(src.name()))?);
                *slot = Some(r.clone());
                Ok((r, offset))
            }
        }
    }

    /// The resource and span to read for `blob`.
    pub(crate) fn task_of(&self, blob: &Blob, label: Label) -> Task {
        let span = |start| Span { start, len: blob.size, hash: blob.hash, label, entry_offset: blob.entry_offset };
        match blob.location {
            Location::Resource(spec) => Task { spec, spans: vec![span(0)] },
            Location::Solid { solid, offset } => Task { spec: self.table.solids[solid], spans: vec![span(offset)] },
        }
    }

    /// Stream a whole blob to `sink`, checking its SHA-1 at the end; chunks of large
    /// blobs are decompressed in parallel. On `Err` (the data does not hash to `hash`,
    /// or cannot be read) the caller must discard what was written. Returns the size.
    pub fn read_blob_verified(&self, hash: &[u8; 20], sink: &mut dyn std::io::Write) -> Result<u64> {
        if *hash == ZERO_HASH {
            return Ok(0);
        }
        let blob = *self.lookup(hash)?;
        let write_err = |e: std::io::Error| Error::io(format!("writing blob {}", hex(hash)), &e);
        // A blob within one or two chunks (most files; every small file of a solid
        // resource) is read through the resource's chunk cache, on this thread: the
        // next blob of the same solid chunk then costs no decompression at all.
        let (res, start) = self.resource_of(&blob)?;
        let few_chunks = match res.spec().chunk_size() {
            None => blob.size <= SMALL_STORED,
            Some(cs) => {
                let cs = u64::from(cs);
                start.saturating_add(blob.size - 1) / cs - start / cs < 2
            }
        };
        if few_chunks {
            let name = || format!("{}: blob {}", res.source().name(), hex(hash));
            let mut h = Sha1::new();
            let mut buf = vec![0u8; blob.size.min(SMALL_STORED) as usize];
            let mut pos = 0u64;
            while pos < blob.size {
                let n = (blob.size - pos).min(buf.len() as u64) as usize;
                res.read_at(start + pos, &mut buf[..n]).map_err(|e| e.in_file(name()))?;
                h.update(&buf[..n]);
                sink.write_all(&buf[..n]).map_err(write_err)?;
                pos += n as u64;
            }
            let got: [u8; 20] = h.finalize().into();
            if got != *hash {
                return Err(Error::malformed(
                    "WIM blob",
                    blob.entry_offset,
                    format!("blob {}: its data hashes to {}", hex(hash), hex(&got)),
                )
                .in_file(res.source().name()));
            }
            return Ok(blob.size);
        }
        let mut task = self.task_of(&blob, Label::Blob);
        task.check()?;
        let mut write = |_: &Span, b: &[u8]| sink.write_all(b).map_err(write_err);
        stream::run(&self.parts, &[task], self.threads, true, &mut write, &mut |_, _| {})?;
        Ok(blob.size)
    }
}
