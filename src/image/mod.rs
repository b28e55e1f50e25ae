//! Windows image formats: WIM, ESD (solid WIM), split SWM sets, and ISO media
//! holding any of these. Everything here parses bytes from a `ReadAt` source and
//! returns facts; nothing prints.

pub mod archive;
pub mod content_facts;
pub mod decompress;
pub mod digest;
pub mod file_listing;
pub mod iso;
pub mod product;
pub mod version;
pub mod wim;

use std::path::Path;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::source::{FileSource, ReadAt};
use wim::IntegrityInfo;
use wim::header::{Compression, Header};
use wim::split::{self, PartInfo};
use wim::xml::ImageInfo;

/// What kind of file the image came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
#[derive(Debug, Clone)]
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
    open_with_sources_for(path, None)
}

/// [`open`] choosing the image of architecture `arch` on dual-architecture media (see
/// [`iso::find_install_image_for`]); other images ignore `arch`.
pub fn open_for_arch(path: &Path, arch: Option<&str>) -> Result<ImageReport> {
    Ok(open_with_sources_for(path, arch)?.0)
}

/// [`open_with_sources`] choosing the image of architecture `arch` on dual-architecture media.
pub fn open_with_sources_for(path: &Path, arch: Option<&str>) -> Result<(ImageReport, Vec<Arc<dyn ReadAt>>)> {
    let shown = path.display().to_string();
    let src: Arc<dyn ReadAt> = Arc::new(FileSource::open(path)?);
    if !is_wim(&*src) && iso::is_iso(&*src) {
        return read_iso_with_sources_for(src, &shown, arch);
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

/// Read the Windows image inside an ISO: find `sources/install.{wim,esd,swm}`, read it in
/// place with [`read_image`] and add the media facts. `shown` is the ISO's name for
/// messages and the report.
pub fn read_iso(src: Arc<dyn ReadAt>, shown: &str) -> Result<ImageReport> {
    Ok(read_iso_with_sources_for(src, shown, None)?.0)
}

/// Like [`read_iso`], choosing the image of architecture `arch` on dual-architecture
/// media, and also returning the byte source of every part read inside the ISO
/// (`[n - 1]` is part `n`).
fn read_iso_with_sources_for(
    src: Arc<dyn ReadAt>,
    shown: &str,
    arch: Option<&str>,
) -> Result<(ImageReport, Vec<Arc<dyn ReadAt>>)> {
    let found = iso::find_install_image_for(src, shown, arch)?;
    let file: Arc<dyn ReadAt> = Arc::new(found.open()?);
    let mut sources = vec![file.clone()];
    let mut open_part = |n: u16| -> Result<Option<Box<dyn ReadAt>>> {
        Ok(found.open_part(n)?.map(|part| {
            let part: Arc<dyn ReadAt> = Arc::from(part);
            sources.push(part.clone());
            Box::new(part) as Box<dyn ReadAt>
        }))
    };
    let mut rep = read_image(&*file, &found.name(), &mut open_part)?;
    rep.path = shown.to_string();
    rep.media = Some(found.media());
    Ok((rep, sources))
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
