//! The JSON document of `inspect --json` (README, "JSON: inspect" and "JSON: the `media`
//! section"): output structs of their own, so that the parsers' structs can change without
//! changing this contract. Field order is the order of the document.

use serde::Serialize;

use crate::image::ImageReport;
use crate::image::iso::MediaFacts;
use crate::image::iso::media::{BootWim, Executable};
use crate::image::wim::resource::ResourceHeader;
use crate::image::wim::xml::{ImageInfo, WindowsInfo};

#[derive(Serialize)]
pub struct Document<'a> {
    oemgate: &'static str,
    path: &'a str,
    container: &'static str,
    compression: &'static str,
    solid: bool,
    pipable: bool,
    encrypted: bool,
    header: Header<'a>,
    integrity: Option<Integrity>,
    parts: Vec<Part<'a>>,
    total_bytes: Option<u64>,
    images: Vec<Image<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    media: Option<Media<'a>>,
}

#[derive(Serialize)]
struct Header<'a> {
    magic: &'a str,
    pipable: bool,
    header_size: u32,
    version: u32,
    flags: u32,
    chunk_size: u32,
    guid: &'a str,
    part_number: u16,
    total_parts: u16,
    image_count: u32,
    blob_table: Resource,
    xml: Resource,
    boot_metadata: Resource,
    boot_index: u32,
    integrity: Resource,
}

#[derive(Serialize)]
struct Resource {
    size: u64,
    flags: u8,
    offset: u64,
    original_size: u64,
}

#[derive(Serialize)]
struct Integrity {
    offset: u64,
    size: u64,
    entries: u32,
    chunk_size: u32,
}

#[derive(Serialize)]
struct Part<'a> {
    number: u16,
    name: &'a str,
    size: u64,
}

#[derive(Serialize)]
struct Image<'a> {
    index: u32,
    name: Option<&'a str>,
    description: Option<&'a str>,
    display_name: Option<&'a str>,
    display_description: Option<&'a str>,
    flags: Option<&'a str>,
    dir_count: Option<u64>,
    file_count: Option<u64>,
    total_bytes: Option<u64>,
    hard_link_bytes: Option<u64>,
    creation_time: Option<&'a str>,
    last_modification_time: Option<&'a str>,
    wimboot: bool,
    windows: Option<Windows<'a>>,
    warnings: Vec<String>,
}

#[derive(Serialize)]
struct Windows<'a> {
    arch: Option<Code>,
    product_name: Option<&'a str>,
    edition_id: Option<&'a str>,
    installation_type: Option<&'a str>,
    product_type: Option<&'a str>,
    product_suite: Option<&'a str>,
    hal: Option<&'a str>,
    system_root: Option<&'a str>,
    languages: &'a [String],
    default_language: Option<&'a str>,
    version: Option<Version>,
    product_line: Option<String>,
}

/// A numeric code with its name: `{"code": 9, "name": "x64"}`.
#[derive(Serialize)]
struct Code {
    code: u32,
    name: &'static str,
}

#[derive(Serialize)]
struct Version {
    major: u32,
    minor: u32,
    build: u32,
    spbuild: u32,
    splevel: u32,
}

#[derive(Serialize)]
struct Media<'a> {
    filesystem: &'a str,
    label: Option<&'a str>,
    image: &'a str,
    image_size: u64,
    ei_cfg: Option<EiCfg<'a>>,
    pid_txt: bool,
    efi_loaders: Vec<Exe<'a>>,
    setup_exe: Option<Exe<'a>>,
    boot_wim: Option<Boot<'a>>,
    warnings: Vec<String>,
    /// Every install image of the media (both on dual-architecture media).
    install_images: Vec<InstallImageJson<'a>>,
}

#[derive(Serialize)]
struct InstallImageJson<'a> {
    path: &'a str,
    arch: Option<&'a str>,
}

#[derive(Serialize)]
struct EiCfg<'a> {
    edition_id: Option<&'a str>,
    channel: Option<&'static str>,
    channel_text: Option<&'a str>,
    vl: Option<bool>,
}

#[derive(Serialize)]
struct Exe<'a> {
    path: &'a str,
    size: u64,
    machine: Option<Code>,
}

#[derive(Serialize)]
struct Boot<'a> {
    path: &'a str,
    size: u64,
    images: usize,
    architectures: &'a [String],
}

fn resource(r: &ResourceHeader) -> Resource {
    Resource { size: r.size, flags: r.flags, offset: r.offset, original_size: r.original_size }
}

fn windows(w: &WindowsInfo) -> Windows<'_> {
    Windows {
        arch: w.arch.map(|a| Code { code: a.code, name: a.name }),
        product_name: w.product_name.as_deref(),
        edition_id: w.edition_id.as_deref(),
        installation_type: w.installation_type.as_deref(),
        product_type: w.product_type.as_deref(),
        product_suite: w.product_suite.as_deref(),
        hal: w.hal.as_deref(),
        system_root: w.system_root.as_deref(),
        languages: &w.languages,
        default_language: w.default_language.as_deref(),
        version: w.version.map(|v| Version {
            major: v.major,
            minor: v.minor,
            build: v.build,
            spbuild: v.spbuild,
            splevel: v.splevel,
        }),
        product_line: crate::image::product::product_line_of(w),
    }
}

fn image(i: &ImageInfo) -> Image<'_> {
    Image {
        index: i.index,
        name: i.name.as_deref(),
        description: i.description.as_deref(),
        display_name: i.display_name.as_deref(),
        display_description: i.display_description.as_deref(),
        flags: i.flags.as_deref(),
        dir_count: i.dir_count,
        file_count: i.file_count,
        total_bytes: i.total_bytes,
        hard_link_bytes: i.hard_link_bytes,
        creation_time: i.creation_time.as_deref(),
        last_modification_time: i.last_modification_time.as_deref(),
        wimboot: i.wimboot,
        windows: i.windows.as_ref().map(windows),
        warnings: i.warnings.iter().map(super::inspect::xml_warning).collect(),
    }
}

fn exe(x: &Executable) -> Exe<'_> {
    Exe {
        path: &x.path,
        size: x.size,
        machine: x.machine.as_ref().map(|m| Code { code: u32::from(m.code), name: m.name }),
    }
}

fn boot(b: &BootWim) -> Boot<'_> {
    Boot { path: &b.path, size: b.size, images: b.images, architectures: &b.architectures }
}

fn media(m: &MediaFacts) -> Media<'_> {
    Media {
        filesystem: &m.filesystem,
        label: m.label.as_deref(),
        image: &m.image,
        image_size: m.image_size,
        ei_cfg: m.ei_cfg.as_ref().map(|c| EiCfg {
            edition_id: c.edition_id.as_deref(),
            channel: c.channel.map(|c| match c {
                crate::image::iso::Channel::Retail => "retail",
                crate::image::iso::Channel::Oem => "oem",
                crate::image::iso::Channel::Volume => "volume",
            }),
            channel_text: c.channel_text.as_deref(),
            vl: c.vl,
        }),
        pid_txt: m.pid_txt,
        efi_loaders: m.efi_loaders.iter().map(exe).collect(),
        setup_exe: m.setup_exe.as_ref().map(exe),
        boot_wim: m.boot_wim.as_ref().map(boot),
        warnings: m.warnings.iter().map(super::inspect::media_warning).collect(),
        install_images: m
            .install_images
            .iter()
            .map(|i| InstallImageJson { path: &i.path, arch: i.arch.as_deref() })
            .collect(),
    }
}

/// The document for one image report.
pub fn document(rep: &ImageReport) -> Document<'_> {
    let h = &rep.header;
    Document {
        oemgate: env!("CARGO_PKG_VERSION"),
        path: &rep.path,
        container: match rep.container {
            crate::image::Container::Wim => "wim",
            crate::image::Container::Esd => "esd",
            crate::image::Container::Swm => "swm",
        },
        compression: match rep.compression {
            crate::image::wim::header::Compression::None => "none",
            crate::image::wim::header::Compression::Xpress => "xpress",
            crate::image::wim::header::Compression::Lzx => "lzx",
            crate::image::wim::header::Compression::Lzms => "lzms",
        },
        solid: rep.solid,
        pipable: rep.pipable,
        encrypted: rep.encrypted,
        header: Header {
            magic: &h.magic,
            pipable: h.pipable,
            header_size: h.header_size,
            version: h.version,
            flags: h.flags,
            chunk_size: h.chunk_size,
            guid: &h.guid,
            part_number: h.part_number,
            total_parts: h.total_parts,
            image_count: h.image_count,
            blob_table: resource(&h.blob_table),
            xml: resource(&h.xml),
            boot_metadata: resource(&h.boot_metadata),
            boot_index: h.boot_index,
            integrity: resource(&h.integrity),
        },
        integrity: rep.integrity.map(|i| Integrity {
            offset: i.offset,
            size: i.size,
            entries: i.entries,
            chunk_size: i.chunk_size,
        }),
        parts: rep.parts.iter().map(|p| Part { number: p.number, name: &p.name, size: p.size }).collect(),
        total_bytes: rep.total_bytes,
        images: rep.images.iter().map(image).collect(),
        media: rep.media.as_ref().map(media),
    }
}
