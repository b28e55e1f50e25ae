//! A stand-in `ImageStore` for uncompressed, unsplit WIM files: it reads the blob
//! table (50-byte entries: resource header, part number, reference count, SHA-1) and
//! blobs stored raw. Compressed and solid resources are refused as unsupported here;
//! the full reader (`wim::Wim`) handles every kind. Kept small on purpose: it lets the
//! tree commands work on uncompressed images on their own.

use std::collections::HashMap;
use std::io::Write;

use sha1::{Digest, Sha1};

use super::contents::{ImageStore, hex};
use super::wim::header::Header;
use super::wim::resource::{RESHDR_FLAG_COMPRESSED, RESHDR_FLAG_METADATA, RESHDR_FLAG_SOLID, ResourceHeader};
use crate::error::{Error, Result};
use crate::source::{ReadAt, read_bounded};

const S: &str = "WIM blob table";
const ENTRY: u64 = 50;
/// Refuse blob tables above this before allocating (about 5 million blobs).
const MAX_TABLE: u64 = 256 * 1024 * 1024;

pub struct PlainStore<'a> {
    src: &'a dyn ReadAt,
    metadata: Vec<ResourceHeader>,
    blobs: HashMap<[u8; 20], ResourceHeader>,
}

/// A window of `src`: the raw bytes of one uncompressed resource.
struct Window<'a> {
    src: &'a dyn ReadAt,
    offset: u64,
    len: u64,
}

impl ReadAt for Window<'_> {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        crate::source::check_range("WIM resource", offset, buf.len() as u64, self.len)?;
        self.src.read_exact_at(self.offset + offset, buf)
    }
    fn name(&self) -> String {
        self.src.name()
    }
}

fn raw(r: &ResourceHeader, at: u64) -> Result<()> {
    if r.flags & (RESHDR_FLAG_COMPRESSED | RESHDR_FLAG_SOLID) != 0 || r.size != r.original_size {
        return Err(Error::Unsupported {
            structure: S,
            offset: at,
            message: "compressed resources (this reader takes uncompressed WIMs only)".into(),
        });
    }
    Ok(())
}

impl<'a> PlainStore<'a> {
    pub fn open(src: &'a dyn ReadAt, header: &Header) -> Result<PlainStore<'a>> {
        if header.total_parts != 1 {
            return Err(Error::Unsupported { structure: S, offset: 0, message: "split sets".into() });
        }
        let t = &header.blob_table;
        raw(t, super::wim::header::OFFSET_BLOB_TABLE)?;
        let table = read_bounded(src, S, t.offset, t.size, MAX_TABLE)?;
        let mut metadata = Vec::new();
        let mut blobs = HashMap::new();
        for (i, e) in table.chunks_exact(ENTRY as usize).enumerate() {
            let at = t.offset + i as u64 * ENTRY;
            let r = ResourceHeader::parse(e[..24].try_into().expect("24 bytes"));
            let hash: [u8; 20] = e[30..50].try_into().expect("20 bytes");
            raw(&r, at)?;
            r.validate_within(S, at, src.len())?;
            if r.flags & RESHDR_FLAG_METADATA != 0 {
                metadata.push(r);
            } else {
                blobs.insert(hash, r);
            }
        }
        Ok(PlainStore { src, metadata, blobs })
    }

    fn blob(&self, hash: &[u8; 20]) -> Result<&ResourceHeader> {
        self.blobs
            .get(hash)
            .ok_or_else(|| Error::NotFound { what: format!("blob {} is not in the blob table", hex(hash)) })
    }
}

impl ImageStore for PlainStore<'_> {
    fn image_count(&self) -> u32 {
        self.metadata.len() as u32
    }

    fn metadata(&self, index: u32) -> Result<Box<dyn ReadAt + '_>> {
        let r = index
            .checked_sub(1)
            .and_then(|i| self.metadata.get(i as usize))
            .ok_or_else(|| Error::NotFound { what: format!("no metadata resource for image {index}") })?;
        Ok(Box::new(Window { src: self.src, offset: r.offset, len: r.size }))
    }

    fn blob_size(&self, hash: &[u8; 20]) -> Result<u64> {
        Ok(self.blob(hash)?.original_size)
    }

    fn read_blob_verified(&self, hash: &[u8; 20], sink: &mut dyn Write) -> Result<u64> {
        let r = *self.blob(hash)?;
        let mut sha = Sha1::new();
        let mut buf = vec![0u8; (1 << 20).min(r.size as usize)];
        let mut done = 0u64;
        while done < r.size {
            let n = ((r.size - done) as usize).min(buf.len());
            self.src.read_exact_at(r.offset + done, &mut buf[..n])?;
            sha.update(&buf[..n]);
            sink.write_all(&buf[..n]).map_err(|e| Error::io("output", &e))?;
            done += n as u64;
        }
        let got: [u8; 20] = sha.finalize().into();
        if &got != hash {
            return Err(Error::invalid("WIM blob", r.offset, "SHA-1", hex(hash), hex(&got)));
        }
        Ok(done)
    }
}
