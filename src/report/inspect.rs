//! `inspect` output: a table per image for people, JSON for scripts.

use std::fmt::Write;

use super::style::Style;
use crate::image::ImageReport;
use crate::image::iso::media::{Executable, MediaWarning};
use crate::image::iso::{Channel, MediaFacts, is_vl_media};
use crate::image::wim::resource::ResourceHeader;
use crate::image::wim::xml::{ImageInfo, XmlWarning};

/// `inspect --json`: shape documented in README ("JSON: inspect"), built in
/// [`super::inspect_json`].
pub fn json(rep: &ImageReport) -> String {
    super::to_json(&super::inspect_json::document(rep))
}

/// The content facts of each index, compared with its label (`inspect --content`).
fn content_rows(img: &crate::gate::ImageFacts) -> Vec<(&'static str, String, Option<String>, bool)> {
    match &img.content {
        Some(c) => crate::gate::rules::image_metadata::compare(&img.label, c),
        None => Vec::new(),
    }
}

/// `inspect --content --json`: the inspect document with a `content` array, one entry
/// per index: `index`, `label` (the XML's claims), `content` (the image's own facts,
/// `unknown` saying why any is missing), `disagreements` ([{fact, xml, content}]).
pub fn with_content_json(doc: &str, images: &[crate::gate::ImageFacts]) -> String {
    let mut v: serde_json::Value = serde_json::from_str(doc).expect("our own JSON parses");
    let arr: Vec<serde_json::Value> = images
        .iter()
        .map(|img| {
            let disagreements: Vec<serde_json::Value> = content_rows(img)
                .into_iter()
                .filter(|(_, _, c, same)| c.is_some() && !same)
                .map(|(fact, xml, content, _)| serde_json::json!({"fact": fact, "xml": xml, "content": content}))
                .collect();
            serde_json::json!({
                "index": img.index,
                "label": img.label,
                "content": img.content,
                "disagreements": disagreements,
            })
        })
        .collect();
    if let Some(o) = v.as_object_mut() {
        o.insert("content".into(), serde_json::Value::Array(arr));
    }
    super::to_json(&v)
}

/// `inspect --content`: each index's own facts beside the XML's; `≠` marks a disagreement.
pub fn content_table(images: &[crate::gate::ImageFacts], color: bool) -> String {
    let st = Style { color };
    let mut o = String::new();
    for img in images {
        let Some(c) = &img.content else { continue };
        let _ = writeln!(o, "\nContent of index {} (the image's own files)", img.index);
        if let Some(what) = &c.non_os {
            let _ = writeln!(o, "  not an operating system image: {what} (Windows PE or Setup)");
        }
        let _ = writeln!(o, "  {:<18} {:<24} content", "fact", "XML");
        for (fact, xml, content, same) in content_rows(img) {
            let shown = content.as_deref().unwrap_or("unknown");
            let mark = match (&content, same) {
                (Some(_), false) => st.red("≠ differs"),
                (None, _) => st.yellow("? unconfirmed"),
                _ => String::new(),
            };
            let row = format!("  {fact:<18} {xml:<24} {shown} {mark}");
            let _ = writeln!(o, "{}", row.trim_end());
        }
        let line = |k: &str, v: Option<String>| format!("  {k:<18} {}\n", v.unwrap_or_else(|| "-".into()));
        o.push_str(&line("product name", c.product_name.clone()));
        o.push_str(&line("version", c.major.zip(c.minor).zip(c.build).map(|((a, b), n)| format!("{a}.{b}.{n}"))));
        o.push_str(&line("product type", c.product_type.clone()));
        o.push_str(&line("UI languages", (!c.languages.is_empty()).then(|| c.languages.join(", "))));
        o.push_str(&line(
            "key configuration",
            (!c.key_configuration.is_empty()).then(|| {
                let n = c.key_groups.as_ref().map_or(0, Vec::len);
                format!("{} ({n} key groups)", c.key_configuration.join(", "))
            }),
        ));
        for u in &c.unknown {
            let _ = writeln!(o, "  unknown: {u}");
        }
        for w in &c.warnings {
            let _ = writeln!(o, "  warning: {w}");
        }
    }
    o
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "-".to_string(), |x| x.to_string())
}

fn resource_line(name: &str, r: &ResourceHeader) -> String {
    if r.is_empty() {
        return format!("  {name:<14} none\n");
    }
    format!(
        "  {name:<14} offset {} size {} original {} flags {:#04x} [{}]\n",
        r.offset,
        r.size,
        r.original_size,
        r.flags,
        r.flag_names().join(",")
    )
}

pub fn table(rep: &ImageReport, verbose: bool, color: bool) -> String {
    let st = Style { color };
    let h = &rep.header;
    let mut o = String::new();
    let mut kind = format!("{}, {}", rep.container.describe(), rep.compression.name());
    if rep.pipable {
        kind.push_str(", pipable");
    }
    if rep.encrypted {
        kind.push_str(", ENCRYPTED");
    }
    let _ = writeln!(o, "{}", st.bold(&rep.path));
    let _ = writeln!(o, "  {:<14} {kind}", "Format");
    let _ = writeln!(o, "  {:<14} {}", "Images", rep.images.len().max(h.image_count as usize));
    if rep.parts.len() > 1 {
        let names: Vec<&str> = rep.parts.iter().map(|p| p.name.as_str()).collect();
        let _ = writeln!(o, "  {:<14} {} ({})", "Parts", rep.parts.len(), names.join(", "));
    }
    let _ = writeln!(o, "  {:<14} {}", "Boot index", h.boot_index);
    let _ = writeln!(o, "  {:<14} {}", "Integrity", if rep.integrity.is_some() { "yes" } else { "no" });
    let _ = writeln!(o, "  {:<14} {}", "GUID", h.guid);
    if verbose {
        let _ = writeln!(o, "  {:<14} {:#x}", "Version", h.version);
        let _ = writeln!(o, "  {:<14} {:#x} [{}]", "Flags", h.flags, h.flag_names().join(","));
        let _ = writeln!(o, "  {:<14} {}", "Chunk size", h.chunk_size);
        let _ = writeln!(o, "  {:<14} {}/{}", "Part", h.part_number, h.total_parts);
        o.push_str(&resource_line("Blob table", &h.blob_table));
        o.push_str(&resource_line("XML data", &h.xml));
        o.push_str(&resource_line("Boot metadata", &h.boot_metadata));
        o.push_str(&resource_line("Integrity", &h.integrity));
    }
    if let Some(m) = &rep.media {
        media_block(&mut o, m, st);
    }
    for img in &rep.images {
        o.push('\n');
        image_block(&mut o, img, st);
    }
    o
}

/// A warning about an image's XML, in English.
pub fn xml_warning(w: &XmlWarning) -> String {
    match w {
        XmlWarning::NotANumber { path, text } => format!("{path}: not a number: {text:?}"),
        XmlWarning::UnknownArch { code } => format!("WINDOWS/ARCH: unknown architecture code {code}"),
        XmlWarning::VersionIncomplete => "WINDOWS/VERSION: MAJOR or BUILD missing".to_string(),
        XmlWarning::TimeUnreadable { element } => format!("{element}: HIGHPART/LOWPART missing or not hexadecimal"),
        XmlWarning::TimeOutOfRange { element, value } => format!("{element}: {value:#x} is not a representable date"),
    }
}

/// A warning about the installation media, in English.
pub fn media_warning(w: &MediaWarning) -> String {
    match w {
        MediaWarning::UdfNotRead { error } => {
            format!("the UDF file system was not read: {error}; the ISO 9660 side was read instead")
        }
        MediaWarning::UnknownChannel { text } => {
            format!("sources/ei.cfg: unknown channel {text:?} (expected Retail, OEM or Volume)")
        }
        MediaWarning::Unreadable { path, error } => format!("{path}: {error}"),
    }
}

fn machine(x: &Executable) -> String {
    format!("{} ({})", x.path, x.machine.as_ref().map_or("unreadable", |m| m.name))
}

/// The media facts of an image read inside an ISO.
fn media_block(o: &mut String, m: &MediaFacts, st: Style) {
    let row = |o: &mut String, k: &str, v: String| {
        let _ = writeln!(o, "  {k:<14} {v}");
    };
    let label = m.label.as_deref().map_or(String::new(), |l| format!(", label {l}"));
    row(o, "Media", format!("{}{label}", m.filesystem));
    row(o, "Image file", format!("{} ({} bytes)", m.image, m.image_size));
    if m.install_images.len() > 1 {
        let all: Vec<String> =
            m.install_images.iter().map(|i| format!("{} ({})", i.path, i.arch.as_deref().unwrap_or("-"))).collect();
        row(o, "Install images", format!("{} (dual-architecture media; --media-arch chooses)", all.join(", ")));
    }
    let cfg = match &m.ei_cfg {
        None => "none".to_string(),
        Some(c) => {
            let mut parts = Vec::new();
            parts.push(format!("EditionID {}", c.edition_id.as_deref().unwrap_or("-")));
            parts
                .push(format!("Channel {}", c.channel.map(Channel::name).or(c.channel_text.as_deref()).unwrap_or("-")));
            if let Some(vl) = c.vl {
                parts.push(format!("VL {}", u8::from(vl)));
            }
            parts.join(", ")
        }
    };
    let kind = match is_vl_media(m) {
        Some(true) => "VL media",
        Some(false) => "not VL media",
        None => "channel not stated",
    };
    row(o, "ei.cfg", format!("{cfg} ({kind})"));
    row(o, "pid.txt", if m.pid_txt { "present".into() } else { "none".into() });
    let loaders: Vec<String> = m.efi_loaders.iter().map(machine).collect();
    row(o, "EFI loaders", if loaders.is_empty() { "none".into() } else { loaders.join(", ") });
    row(o, "Setup", m.setup_exe.as_ref().map_or("none".into(), machine));
    if let Some(b) = &m.boot_wim {
        let arch = if b.architectures.is_empty() { "-".to_string() } else { b.architectures.join(", ") };
        row(o, "Boot image", format!("{} ({} bytes, {} images, {arch})", b.path, b.size, b.images));
    }
    for w in &m.warnings {
        let _ = writeln!(o, "  {} {}", st.yellow("warning:"), media_warning(w));
    }
}

fn image_block(o: &mut String, img: &ImageInfo, st: Style) {
    let title = img.display_name.as_ref().or(img.name.as_ref()).cloned().unwrap_or_else(|| "(no name)".into());
    let _ = writeln!(o, "{} {}", st.bold(&format!("Index {}:", img.index)), st.bold(&title));
    let row = |o: &mut String, k: &str, v: String| {
        let _ = writeln!(o, "  {k:<14} {v}");
    };
    if let Some(w) = &img.windows {
        let edition = match (&w.edition_id, &w.installation_type) {
            (Some(e), Some(t)) => format!("{e} ({t})"),
            (e, _) => opt(e),
        };
        row(o, "Edition", edition);
        let version = match (&w.version, crate::image::product::product_line_of(w)) {
            (Some(v), Some(line)) => format!("{v}  {line}"),
            (v, _) => opt(v),
        };
        row(o, "Version", version);
        row(o, "Architecture", w.arch.map_or("-".to_string(), |a| a.name.to_string()));
        let langs = if w.languages.is_empty() { "-".to_string() } else { w.languages.join(", ") };
        row(o, "Languages", format!("{langs} (default {})", opt(&w.default_language)));
        if let Some(p) = &w.product_name {
            row(o, "Product", p.clone());
        }
    } else {
        row(o, "Windows", "no WINDOWS element (not a Windows installation image)".into());
    }
    row(o, "Name", opt(&img.name));
    if let Some(d) = img.description.as_ref().or(img.display_description.as_ref()) {
        row(o, "Description", d.clone());
    }
    row(
        o,
        "Files",
        format!("{} files, {} directories, {} bytes", opt(&img.file_count), opt(&img.dir_count), opt(&img.total_bytes)),
    );
    row(o, "Created", opt(&img.creation_time));
    row(o, "Modified", opt(&img.last_modification_time));
    if img.wimboot {
        row(o, "WIMBoot", "yes".into());
    }
    for w in &img.warnings {
        let _ = writeln!(o, "  {} {}", st.yellow("warning:"), xml_warning(w));
    }
}
