//! The blob table: one 50-byte entry per resource of a WIM part.
//!
//! | off | size | field |
//! |----:|-----:|-------|
//! |   0 |   24 | resource header (size, flags, offset, uncompressed size) |
//! |  24 |    2 | part number of the split set holding the blob (1-based) |
//! |  26 |    4 | reference count |
//! |  30 |   20 | SHA-1 of the uncompressed data |
//!
//! Entries flagged METADATA are the images' metadata resources, in image order. In a
//! solid WIM (version 0xE00) a run of consecutive SOLID entries describes solid
//! resources (uncompressed size exactly 2^32; the real size, chunk size and codec are
//! in the resource's own 16-byte header) and the blobs inside them (their size field
//! is the blob's size, their offset a position in the concatenated uncompressed data of
//! the run's solid resources).
//!
//! Like wimlib and DISM: entries with an all-zero hash or no data are skipped, so are
//! entries naming another part (each part of a split set lists its own blobs) and a
//! second entry for the same hash; metadata is read from part 1 only.

use std::collections::HashMap;

use super::header::{Header, OFFSET_BLOB_TABLE, VERSION_SOLID};
use super::resource::{
    RESHDR_FLAG_METADATA, RESHDR_FLAG_SOLID, RESHDR_SIZE, ResourceHeader, ResourceSpec, Storage, spec_for,
};
use super::solid::{SOLID_HEADER_SIZE, SOLID_RESOURCE_MAGIC, SolidHeader};
use crate::error::{Error, Result};
use crate::source::{ReadAt, read_bounded};

pub const ENTRY_SIZE: usize = 50;

/// Refuse blob tables larger than this before allocating (2.6 million entries; a
/// Windows install.wim has a few hundred thousand).
pub const MAX_BLOB_TABLE_SIZE: u64 = 128 * 1024 * 1024;

/// The SHA-1 that the table uses for "no data".
pub const ZERO_HASH: [u8; 20] = [0; 20];

const S: &str = "WIM blob table";

/// One raw 50-byte entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobEntry {
    pub reshdr: ResourceHeader,
    pub part_number: u16,
    pub refcnt: u32,
    pub hash: [u8; 20],
}

impl BlobEntry {
    pub fn parse(b: &[u8; ENTRY_SIZE]) -> BlobEntry {
        let mut r = [0u8; RESHDR_SIZE];
        r.copy_from_slice(&b[..RESHDR_SIZE]);
        let mut hash = [0u8; 20];
        hash.copy_from_slice(&b[30..50]);
        BlobEntry {
            reshdr: ResourceHeader::parse(&r),
            part_number: u16::from_le_bytes([b[24], b[25]]),
            refcnt: u32::from_le_bytes([b[26], b[27], b[28], b[29]]),
            hash,
        }
    }
}

/// Where a blob's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// The blob is a resource of its own.
    Resource(ResourceSpec),
    /// The blob is `size` bytes at `offset` of the uncompressed data of solid
    /// resource number `solid` (an index into [`BlobTable::solids`]).
    Solid { solid: usize, offset: u64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blob {
    pub hash: [u8; 20],
    /// Uncompressed size.
    pub size: u64,
    pub refcnt: u32,
    pub location: Location,
    /// Part of the split set holding it.
    pub part: u16,
    /// Offset of its entry in that part's file.
    pub entry_offset: u64,
}

/// The blob tables of every part of an image, merged.
#[derive(Debug, Clone, Default)]
pub struct BlobTable {
    /// Every non-metadata blob, in table order (part 1 first).
    pub blobs: Vec<Blob>,
    index: HashMap<[u8; 20], usize>,
    /// The metadata resources, in image order (entry `i` is image `i + 1`).
    pub metadata: Vec<Blob>,
    /// Every solid resource.
    pub solids: Vec<ResourceSpec>,
    /// Entries skipped (duplicates, wrong part, metadata beyond the image count...),
    /// said once each.
    pub notes: Vec<String>,
}

impl BlobTable {
    /// The blob with this SHA-1 (not metadata resources).
    pub fn get(&self, hash: &[u8; 20]) -> Option<&Blob> {
        self.index.get(hash).and_then(|&i| self.blobs.get(i))
    }

    /// Read the blob table of one part (`src`, with its `header`) and merge it.
    /// `read_resource` reads a whole (possibly compressed) resource: the table itself
    /// may be compressed.
    pub fn add_part(
        &mut self,
        src: &dyn ReadAt,
        header: &Header,
        read_resource: &dyn Fn(&ResourceSpec) -> Result<Vec<u8>>,
    ) -> Result<()> {
        let r = &header.blob_table;
        if r.is_empty() {
            return Ok(());
        }
        let spec = spec_for(r, header, "WIM blob table resource header", OFFSET_BLOB_TABLE)?;
        if spec.uncompressed > MAX_BLOB_TABLE_SIZE {
            return Err(Error::TooLarge {
                structure: S,
                offset: r.offset,
                size: spec.uncompressed,
                limit: MAX_BLOB_TABLE_SIZE,
            });
        }
        let bytes = match spec.storage {
            Storage::Stored => read_bounded(src, S, r.offset, r.size, MAX_BLOB_TABLE_SIZE)?,
            _ => read_resource(&spec)?,
        };
        // Offsets in messages: the entry's place in the file when stored as is.
        let base = if matches!(spec.storage, Storage::Stored) { r.offset } else { 0 };
        self.add_entries(&bytes, base, header, &|o| read_solid_header(src, o))
    }

    /// Merge the entries in `bytes` (the uncompressed blob table of the part whose
    /// header is `header`; `base` is its offset in the file, for messages).
    /// `solid_header(offset)` reads the 16-byte header of a solid resource.
    pub fn add_entries(
        &mut self,
        bytes: &[u8],
        base: u64,
        header: &Header,
        solid_header: &dyn Fn(u64) -> Result<SolidHeader>,
    ) -> Result<()> {
        if bytes.len() % ENTRY_SIZE != 0 {
            return Err(Error::invalid(
                S,
                base,
                "size",
                format!("a multiple of {ENTRY_SIZE} bytes"),
                bytes.len().to_string(),
            ));
        }
        let entries: Vec<(u64, BlobEntry)> = bytes
            .chunks_exact(ENTRY_SIZE)
            .enumerate()
            .map(|(i, b)| {
                let mut e = [0u8; ENTRY_SIZE];
                e.copy_from_slice(b);
                let mut entry = BlobEntry::parse(&e);
                if header.version != VERSION_SOLID {
                    entry.reshdr.flags &= !RESHDR_FLAG_SOLID;
                }
                (base + (i * ENTRY_SIZE) as u64, entry)
            })
            .collect();
        let mut i = 0;
        let (mut wrong_part, mut duplicates) = (0usize, 0usize);
        while i < entries.len() {
            let (at, e) = entries[i];
            if e.reshdr.flags & RESHDR_FLAG_SOLID == 0 {
                i += 1;
                if e.hash == ZERO_HASH || e.reshdr.original_size == 0 {
                    continue;
                }
                if e.part_number != header.part_number {
                    wrong_part += 1;
                    continue;
                }
                let spec = spec_for(&e.reshdr, header, S, at)?;
                let blob = Blob {
                    hash: e.hash,
                    size: spec.uncompressed,
                    refcnt: e.refcnt,
                    location: Location::Resource(spec),
                    part: header.part_number,
                    entry_offset: at,
                };
                if e.reshdr.flags & RESHDR_FLAG_METADATA != 0 {
                    self.add_metadata(blob, header)?;
                } else if !self.insert(blob) {
                    duplicates += 1;
                }
                continue;
            }
            // A run of SOLID entries: its resources first, then its blobs.
            let end = entries[i..]
                .iter()
                .position(|(_, e)| e.reshdr.flags & RESHDR_FLAG_SOLID == 0)
                .map_or(entries.len(), |n| i + n);
            let run = &entries[i..end];
            i = end;
            let first_solid = self.solids.len();
            for &(at, e) in run.iter().filter(|(_, e)| e.reshdr.original_size == SOLID_RESOURCE_MAGIC) {
                if e.part_number != header.part_number {
                    return Err(Error::invalid(
                        S,
                        at + 24,
                        "part number of a solid resource",
                        header.part_number.to_string(),
                        e.part_number.to_string(),
                    ));
                }
                let r = e.reshdr;
                if r.size < SOLID_HEADER_SIZE as u64 {
                    return Err(Error::invalid(
                        S,
                        at,
                        "solid resource size",
                        format!("at least {SOLID_HEADER_SIZE} bytes"),
                        r.size.to_string(),
                    ));
                }
                let sh = solid_header(r.offset)?;
                self.solids.push(ResourceSpec {
                    part: header.part_number,
                    offset: r.offset,
                    size: r.size,
                    uncompressed: sh.uncompressed,
                    storage: Storage::Solid { codec: sh.codec, chunk_size: sh.chunk_size },
                    entry_offset: at,
                });
            }
            // A blob's offset counts through the run's resources one after another: it
            // lies in the resource whose range holds its start, and must end there too.
            let mut starts = Vec::with_capacity(self.solids.len() - first_solid);
            let mut sum = 0u64;
            for s in &self.solids[first_solid..] {
                starts.push(sum);
                sum = sum.saturating_add(s.uncompressed);
            }
            for &(at, e) in run.iter().filter(|(_, e)| e.reshdr.original_size != SOLID_RESOURCE_MAGIC) {
                if e.hash == ZERO_HASH || e.reshdr.size == 0 {
                    continue;
                }
                if e.part_number != header.part_number {
                    wrong_part += 1;
                    continue;
                }
                if e.reshdr.flags & RESHDR_FLAG_METADATA != 0 {
                    return Err(Error::Unsupported {
                        structure: S,
                        offset: at,
                        message: "image metadata inside a solid resource".into(),
                    });
                }
                let size = e.reshdr.size;
                let k = starts.partition_point(|&st| st <= e.reshdr.offset);
                let placed = k.checked_sub(1).and_then(|k| {
                    let offset = e.reshdr.offset - starts[k];
                    let total = self.solids[first_solid + k].uncompressed;
                    offset
                        .checked_add(size)
                        .is_some_and(|end| end <= total)
                        .then_some(Location::Solid { solid: first_solid + k, offset })
                });
                let Some(location) = placed else {
                    return Err(Error::invalid(
                        S,
                        at,
                        "solid blob range",
                        "inside the solid resources of its run",
                        format!("{size} bytes at offset {}", e.reshdr.offset),
                    ));
                };
                let blob =
                    Blob { hash: e.hash, size, refcnt: e.refcnt, location, part: header.part_number, entry_offset: at };
                if !self.insert(blob) {
                    duplicates += 1;
                }
            }
        }
        if wrong_part > 0 {
            self.notes.push(format!("part {}: {wrong_part} blob table entries name another part", header.part_number));
        }
        if duplicates > 0 {
            self.notes.push(format!("part {}: {duplicates} duplicate blob table entries skipped", header.part_number));
        }
        Ok(())
    }

    fn insert(&mut self, blob: Blob) -> bool {
        if self.index.contains_key(&blob.hash) {
            return false;
        }
        self.index.insert(blob.hash, self.blobs.len());
        self.blobs.push(blob);
        true
    }

    fn add_metadata(&mut self, blob: Blob, header: &Header) -> Result<()> {
        if blob.refcnt == 0 {
            return Ok(()); // unreferenced metadata (seen in WAIK WinPE images): ignored
        }
        if blob.refcnt != 1 {
            return Err(Error::invalid(
                S,
                blob.entry_offset + 26,
                "metadata reference count",
                "1",
                blob.refcnt.to_string(),
            ));
        }
        if header.part_number != 1 {
            self.notes.push(format!("part {}: metadata resource outside part 1 ignored", header.part_number));
            return Ok(());
        }
        if self.metadata.len() as u64 >= u64::from(header.image_count) {
            self.notes.push("more metadata resources than images: the extra ones are ignored".into());
            return Ok(());
        }
        self.metadata.push(blob);
        Ok(())
    }
}

/// Read the 16-byte header of the solid resource at `offset`.
pub fn read_solid_header(src: &dyn ReadAt, offset: u64) -> Result<SolidHeader> {
    let b = read_bounded(src, "WIM solid resource header", offset, SOLID_HEADER_SIZE as u64, SOLID_HEADER_SIZE as u64)?;
    let mut h = [0u8; SOLID_HEADER_SIZE];
    h.copy_from_slice(&b);
    SolidHeader::parse(&h, offset)
}

/// Lowercase hex of a hash, for messages and reports.
pub fn hex(hash: &[u8]) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::wim::header::tests::sample;
    use crate::image::wim::resource::{RESHDR_FLAG_COMPRESSED, RESHDR_FLAG_SOLID};

    fn entry(size: u64, flags: u8, offset: u64, usize: u64, part: u16, refcnt: u32, hash: u8) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&size.to_le_bytes()[..7]);
        b.push(flags);
        b.extend_from_slice(&offset.to_le_bytes());
        b.extend_from_slice(&usize.to_le_bytes());
        b.extend_from_slice(&part.to_le_bytes());
        b.extend_from_slice(&refcnt.to_le_bytes());
        b.extend_from_slice(&[hash; 20]);
        b
    }

    fn header(solid: bool, images: u32) -> Header {
        let mut b = sample();
        if solid {
            b[12..16].copy_from_slice(&VERSION_SOLID.to_le_bytes());
        }
        b[44..48].copy_from_slice(&images.to_le_bytes());
        Header::parse(&b).unwrap()
    }

    fn no_solid(_: u64) -> Result<SolidHeader> {
        panic!("no solid header expected")
    }

    #[test]
    fn plain_entries_metadata_and_skips() {
        let mut t = Vec::new();
        t.extend(entry(300, RESHDR_FLAG_METADATA | RESHDR_FLAG_COMPRESSED, 208, 900, 1, 1, 1));
        t.extend(entry(10, 0, 600, 10, 1, 2, 2));
        t.extend(entry(10, 0, 700, 10, 1, 2, 2)); // duplicate
        t.extend(entry(10, 0, 800, 10, 2, 1, 3)); // other part
        t.extend(entry(0, 0, 0, 0, 1, 1, 0)); // zero hash
        let mut bt = BlobTable::default();
        bt.add_entries(&t, 5000, &header(false, 1), &no_solid).unwrap();
        assert_eq!(bt.metadata.len(), 1);
        assert_eq!(bt.metadata[0].size, 900);
        assert_eq!(bt.blobs.len(), 1);
        let b = bt.get(&[2; 20]).unwrap();
        assert_eq!(b.entry_offset, 5050);
        assert!(matches!(b.location, Location::Resource(ResourceSpec { offset: 600, storage: Storage::Stored, .. })));
        assert_eq!(bt.notes.len(), 2);
        assert!(bt.get(&[3; 20]).is_none());
    }

    #[test]
    fn refuses_stored_size_mismatch_and_odd_sizes() {
        let t = entry(10, 0, 600, 11, 1, 1, 2);
        assert!(BlobTable::default().add_entries(&t, 0, &header(false, 1), &no_solid).is_err());
        assert!(BlobTable::default().add_entries(&t[..49], 0, &header(false, 1), &no_solid).is_err());
    }

    #[test]
    fn solid_runs_assign_blobs_across_resources() {
        let mut t = Vec::new();
        t.extend(entry(100, RESHDR_FLAG_SOLID, 0, 40, 1, 1, 7)); // blob before the resources
        t.extend(entry(500, RESHDR_FLAG_SOLID | RESHDR_FLAG_COMPRESSED, 1000, SOLID_RESOURCE_MAGIC, 1, 1, 0));
        t.extend(entry(600, RESHDR_FLAG_SOLID | RESHDR_FLAG_COMPRESSED, 2000, SOLID_RESOURCE_MAGIC, 1, 1, 0));
        t.extend(entry(50, RESHDR_FLAG_SOLID, 120, 50, 1, 1, 8)); // in the second resource
        t.extend(entry(50, RESHDR_FLAG_SOLID, 290, 50, 1, 1, 9)); // past both
        let sizes = |o: u64| {
            Ok(SolidHeader { uncompressed: if o == 1000 { 100 } else { 200 }, chunk_size: 1 << 15, codec: None })
        };
        let mut bt = BlobTable::default();
        let err = bt.add_entries(&t, 0, &header(true, 0), &sizes).unwrap_err();
        assert!(err.to_string().contains("solid blob range"), "{err}");
        let mut bt = BlobTable::default();
        bt.add_entries(&t[..200], 0, &header(true, 0), &sizes).unwrap();
        assert_eq!(bt.solids.len(), 2);
        assert_eq!(bt.get(&[7; 20]).unwrap().location, Location::Solid { solid: 0, offset: 0 });
        assert_eq!(bt.get(&[7; 20]).unwrap().size, 100);
        assert_eq!(bt.get(&[8; 20]).unwrap().location, Location::Solid { solid: 1, offset: 20 });
    }
}
