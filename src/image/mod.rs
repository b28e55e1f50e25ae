//! Windows image formats: WIM, ESD (solid WIM), split SWM sets, and ISO media
//! holding any of these. Everything here parses bytes from a `ReadAt` source and
//! returns facts; nothing prints.

pub mod contents;
pub mod decompress;
pub mod digest;
pub mod iso;
pub mod product;
pub mod wim;

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::source::{FileSource, ReadAt};
use wim::IntegrityInfo;
use wim::header::{Compression, Header};
use wim::split::{self, PartInfo};
use wim::xml::ImageInfo;

/// What kind of file the image came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Container {
    /// A single WIM file.
    Wim,
    /// A solid (ESD) WIM file.
    Esd,
    /// A split WIM set (install.swm, install2.swm...).
    Swm,
}

impl Container {
    pub fn describe(self) -> &'static str {
        match self {
            Container::Wim => "WIM",
            Container::Esd => "solid (ESD)",
            Container::Swm => "split WIM (SWM)",
        }
    }
}

/// Everything `inspect` reports about one image file (or split set).
#[derive(Debug, Clone, Serialize)]
pub struct ImageReport {
    /// The path given by the user.
    pub path: String,
    pub container: Container,
    pub compression: Compression,
    pub solid: bool,
    pub pipable: bool,
    /// An encrypted ESD (`<ESD><ENCRYPTED>` in the XML).
    pub encrypted: bool,
    /// The first part's header.
    pub header: Header,
    pub integrity: Option<IntegrityInfo>,
    /// The parts read (one for a single WIM/ESD).
    pub parts: Vec<PartInfo>,
    /// `<WIM><TOTALBYTES>`.
    pub total_bytes: Option<u64>,
    pub images: Vec<ImageInfo>,
    /// Facts of the installation media when the image was read inside an ISO
    /// (`path` is then the ISO; `media.image` the image's path inside it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<iso::MediaFacts>,
}

impl ImageReport {
    pub fn image(&self, index: u32) -> Option<&ImageInfo> {
        self.images.iter().find(|i| i.index == index)
    }
}

/// Open an image file by path: a WIM, ESD or the first part of a split set
/// (whose other parts are looked for beside it), or an ISO holding one of these
/// (recognised by its volume descriptors, whatever its name).
pub fn open(path: &Path) -> Result<ImageReport> {
    Ok(open_with_sources(path)?.0)
}

/// Like [`open`], also returning the byte source of every part read (`[n - 1]` is
/// part `n`): the image file itself, or its view inside the ISO.
pub fn open_with_sources(path: &Path) -> Result<(ImageReport, Vec<Arc<dyn ReadAt>>)> {
    let shown = path.display().to_string();
    let src: Arc<dyn ReadAt> = Arc::new(FileSource::open(path)?);
    if !is_wim(&*src) && iso::is_iso(&*src) {
        return iso::inspect_with_sources(src, &shown);
    }
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut sources = vec![src.clone()];
    let mut open_part = |n: u16| -> Result<Option<Box<dyn ReadAt>>> {
        let p = dir.join(split::part_name(&file_name, n));
        if !p.exists() {
            return Ok(None);
        }
        let part: Arc<dyn ReadAt> = Arc::new(FileSource::open(&p)?);
        sources.push(part.clone());
        Ok(Some(Box::new(part)))
    };
    let report = read_image(&*src, &shown, &mut open_part)?;
    Ok((report, sources))
}

/// Read an image from `src` (shown as `shown` in messages); `open_part(n)` opens
/// part `n` of a split set, or returns `Ok(None)` when it does not exist.
/// Used for plain files and for files inside an ISO alike.
pub fn read_image(
    src: &dyn ReadAt,
    shown: &str,
    open_part: &mut dyn FnMut(u16) -> Result<Option<Box<dyn ReadAt>>>,
) -> Result<ImageReport> {
    let wim = wim::read(src).map_err(|e| e.in_file(shown))?;
    let header = wim.header;
    let parts = if header.total_parts > 1 || header.part_number != 1 {
        split::check_set(src, &header, open_part).map_err(|e| e.in_file(shown))?
    } else {
        vec![PartInfo { number: 1, name: shown.to_string(), size: src.len() }]
    };
    let container = if parts.len() > 1 {
        Container::Swm
    } else if header.is_solid() {
        Container::Esd
    } else {
        Container::Wim
    };
    Ok(ImageReport {
        path: shown.to_string(),
        container,
        compression: header.compression(),
        solid: header.is_solid(),
        pipable: header.pipable,
        encrypted: wim.xml.encrypted,
        integrity: wim.integrity,
        parts,
        total_bytes: wim.xml.total_bytes,
        images: wim.xml.images,
        header,
        media: None,
    })
}

/// Look at the first bytes of a file and say whether it is a WIM at all.
pub fn is_wim(src: &dyn ReadAt) -> bool {
    let mut magic = [0u8; 8];
    src.len() >= 8 && src.read_exact_at(0, &mut magic).is_ok() && wim::header::validate_magic(&magic).is_ok()
}

/// Reject an index the image does not have, naming those it has.
pub fn select_index(report: &ImageReport, index: u32) -> Result<&ImageInfo> {
    report.image(index).ok_or_else(|| Error::Usage {
        message: format!(
            "{}: no image with index {index} (the image has indexes 1..={})",
            report.path,
            report.images.len()
        ),
    })
}
