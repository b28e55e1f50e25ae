//! WIM reader: header, XML data and split-set checks. Reads only the 208-byte
//! header and the XML resource (plus the integrity table's 12-byte header),
//! never the blob table or file data, so inspecting a 6 GiB image is instant.
//!
//! Files follow wimlib's anatomy: `header`, `resource` (resource headers),
//! `xml`, `integrity`, `split` (SWM sets).
//!
//! Reading the image's contents (the engine of `dir`, `extract`, `verify`):
//! - [`Wim`](crate::image::archive::Wim) (`image::archive`): `Wim::open(path)` opens a WIM, ESD, split set or ISO like
//!   `inspect`, and merges the blob tables of every part. `image_count()`,
//!   `metadata(index)` (the uncompressed metadata resource of image `index`, 1-based),
//!   `blob(&sha1)` (any blob as an uncompressed source; the all-zero hash is the
//!   empty blob; a missing one is `Error::NotFound`), `read_blob_verified(&sha1, sink)`
//!   (streams a whole blob, chunks decompressed in parallel, SHA-1 checked at the end).
//! - [`ResourceView`] (`read`): what `metadata` and `blob` return; implements
//!   [`crate::source::ReadAt`] (`len()` is the uncompressed size). A read decompresses
//!   only the chunks holding the range asked for; the last chunks read are cached.
//! - One file per on-disk structure: `blob_table` (50-byte entries, solid runs),
//!   `chunk_table` (normal, pipable and solid layouts), `solid` (the 16-byte solid
//!   resource header), `integrity` (the integrity table).
//! - `stream` + `parallel`: streaming blobs with their SHA-1 checked, chunks decoded
//!   on worker threads in parallel; `verify` checks a whole image.

pub mod blob_table;
pub mod chunk_table;
pub mod dentry;
pub mod header;
pub mod integrity;
pub mod parallel;
pub mod read;
pub mod resource;
pub mod security;
pub mod solid;
pub mod split;
pub mod stream;
pub mod tree;
pub mod verify;
pub mod xml;

pub use read::ResourceView;

use crate::error::{Error, Result};
use crate::source::{ReadAt, read_bounded};
use header::{HEADER_SIZE, Header};
pub use integrity::IntegrityInfo;
use xml::WimXml;

/// Refuse XML resources larger than this before allocating (real ones are < 1 MiB).
pub const MAX_XML_SIZE: u64 = 32 * 1024 * 1024;

/// One WIM file (or one part of a split set) as read from its header and XML.
#[derive(Debug, Clone)]
pub struct WimFile {
    pub header: Header,
    /// Present when the header locates an integrity table.
    pub integrity: Option<IntegrityInfo>,
    pub xml: WimXml,
}

/// Read the header of `src` and validate it against the file size.
///
/// A pipable WIM (`WLPWM`) written to a pipe cannot seek back, so its first header
/// locates nothing; a complete copy of the header ends the file. Use that copy then.
pub fn read_header(src: &dyn ReadAt) -> Result<Header> {
    let want = (HEADER_SIZE as u64).min(src.len());
    let bytes = read_bounded(src, "WIM header", 0, want, HEADER_SIZE as u64)?;
    let mut header = Header::parse(&bytes)?;
    if header.pipable && header.xml.is_empty() {
        let end = src.len() - HEADER_SIZE as u64; // >= 0: the first header parsed whole
        let bytes = read_bounded(src, "pipable WIM trailing header", end, HEADER_SIZE as u64, HEADER_SIZE as u64)?;
        let trailer = Header::parse(&bytes).map_err(|e| match e {
            Error::BadMagic { expected, actual, .. } => {
                Error::BadMagic { structure: "pipable WIM trailing header", offset: end, expected, actual }
            }
            other => other,
        })?;
        if trailer.guid != header.guid {
            let at = end + header::OFFSET_GUID as u64;
            return Err(Error::invalid("pipable WIM trailing header", at, "GUID", header.guid, trailer.guid));
        }
        header = trailer;
    }
    header.validate_resources(src.len())?;
    Ok(header)
}

/// Read header, integrity table header and XML of one WIM file.
pub fn read(src: &dyn ReadAt) -> Result<WimFile> {
    let header = read_header(src)?;
    let xml = read_xml(src, &header)?;
    if xml.images.len() as u64 != u64::from(header.image_count) {
        return Err(Error::invalid(
            "WIM header",
            header::OFFSET_IMAGE_COUNT as u64,
            "image count",
            format!("{} (the number of IMAGE elements in the XML data)", xml.images.len()),
            header.image_count.to_string(),
        ));
    }
    let integrity = integrity::read(src, &header)?;
    Ok(WimFile { header, integrity, xml })
}

/// Read and parse the XML data resource the header points to.
pub fn read_xml(src: &dyn ReadAt, header: &Header) -> Result<WimXml> {
    let r = &header.xml;
    const S: &str = "WIM XML data resource";
    if r.is_empty() {
        let why = if header.pipable {
            "no XML data (a pipable WIM written to a pipe keeps its XML at the end; write it to a file)"
        } else {
            "no XML data resource"
        };
        return Err(Error::malformed(S, header::OFFSET_XML, why));
    }
    if r.is_compressed() {
        return Err(Error::Unsupported { structure: S, offset: r.offset, message: "compressed XML data".into() });
    }
    if r.original_size != r.size {
        return Err(Error::invalid(
            S,
            header::OFFSET_XML,
            "original size",
            format!("{} (equal to the stored size of uncompressed data)", r.size),
            r.original_size.to_string(),
        ));
    }
    let bytes = read_bounded(src, S, r.offset, r.size, MAX_XML_SIZE)?;
    xml::parse(&bytes, r.offset)
}
