//! The facts of the installation media itself (as opposed to the image in it), and
//! the channel its ei.cfg states (the gate maps it to the policy's media kind).
//!
//! Nothing here fails the inspection: an unreadable ei.cfg, loader or boot.wim
//! becomes a warning and an absent fact, which the gate treats as unknown.

use super::eicfg::{self, Channel, EiCfg, MAX_EICFG_SIZE};
use super::pe::{self, DOS_HEADER_LEN, MAX_PE_HEADER, Machine};
use super::{Iso, Node};
use crate::error::{Error, Result};
use crate::source::read_bounded;

/// EFI removable-media boot loaders looked for.
pub const EFI_LOADERS: [&str; 3] = ["efi/boot/bootx64.efi", "efi/boot/bootaa64.efi", "efi/boot/bootia32.efi"];

/// An executable found on the media and its PE machine type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Executable {
    pub path: String,
    pub size: u64,
    /// `None` when the PE headers could not be read (see warnings).
    pub machine: Option<Machine>,
}

/// `sources/boot.wim`: Windows PE / Setup. Its header and XML are read like the
/// install image's; only a summary is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootWim {
    pub path: String,
    pub size: u64,
    /// Number of images (2 on Microsoft's media: Windows PE and Windows Setup).
    pub images: usize,
    /// Architectures of its images ("x64"...), in index order, without repeats.
    pub architectures: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaFacts {
    /// "UDF 1.02", "UDF 2.60", "ISO 9660 + Joliet", "ISO 9660".
    pub filesystem: String,
    pub label: Option<String>,
    /// Path of the install image inside the ISO, e.g. "sources/install.wim".
    pub image: String,
    pub image_size: u64,
    /// `sources/ei.cfg`, when present and readable.
    pub ei_cfg: Option<EiCfg>,
    /// `sources/pid.txt` present (its key is not read).
    pub pid_txt: bool,
    pub efi_loaders: Vec<Executable>,
    pub setup_exe: Option<Executable>,
    pub boot_wim: Option<BootWim>,
    pub warnings: Vec<MediaWarning>,
    /// Every install image on the media: one on ordinary media; on dual-architecture
    /// media (Media Creation Tool: `x64/sources/...`, `x86/sources/...`) one per
    /// architecture, `image` being the one read.
    pub install_images: Vec<InstallImagePath>,
}

/// An install image's path inside the ISO and the architecture its folder names
/// (`None` for the root `sources/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallImagePath {
    pub path: String,
    pub arch: Option<String>,
}

/// What could not be learned from the media, and why; the fact stays unknown and the
/// inspection goes on. Reporters render these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaWarning {
    /// The UDF volume is of a kind not supported (`error`); its ISO 9660 side was read.
    UdfNotRead { error: Error },
    /// `sources/ei.cfg` names a channel other than Retail, OEM or Volume.
    UnknownChannel { text: String },
    /// The file at `path` (ei.cfg, a loader, setup.exe, boot.wim) could not be read.
    Unreadable { path: String, error: Error },
}

/// The channel the media declares: `[Channel]` of ei.cfg, or Volume when only
/// `[VL]` = 1 is stated. `None` when the media says nothing (no ei.cfg, as on
/// Microsoft's consumer media, or an unknown channel).
pub fn media_channel(m: &MediaFacts) -> Option<Channel> {
    let cfg = m.ei_cfg.as_ref()?;
    cfg.channel.or(if cfg.vl == Some(true) { Some(Channel::Volume) } else { None })
}

/// For the gate's `media` rule: `Some(true)` for VL media (Channel Volume),
/// `Some(false)` for OEM or Retail media, `None` when unknown.
pub fn is_vl_media(m: &MediaFacts) -> Option<bool> {
    media_channel(m).map(|c| c == Channel::Volume)
}

fn executable(iso: &Iso, path: &str, node: &Node) -> (Executable, Option<MediaWarning>) {
    let r = (|| -> Result<Machine> {
        let f = iso.open_file(node, path.to_string())?;
        let first = read_bounded(&f, "PE header", 0, node.size.min(DOS_HEADER_LEN), DOS_HEADER_LEN)?;
        let need = pe::header_len(&first).min(node.size).min(MAX_PE_HEADER);
        let bytes = read_bounded(&f, "PE header", 0, need, MAX_PE_HEADER)?;
        pe::parse(&bytes)
    })();
    let (machine, warning) = match r {
        Ok(m) => (Some(m), None),
        Err(error) => (None, Some(MediaWarning::Unreadable { path: path.to_string(), error })),
    };
    (Executable { path: path.to_string(), size: node.size, machine }, warning)
}

/// Collect the media facts of an opened ISO whose install image is `image`.
pub fn collect(iso: &Iso, image: &str, node: &Node) -> MediaFacts {
    let mut m = MediaFacts {
        filesystem: iso.fs.describe(),
        label: iso.fs.label(),
        image: image.to_string(),
        image_size: node.size,
        install_images: Vec::new(),
        ei_cfg: None,
        pid_txt: false,
        efi_loaders: Vec::new(),
        setup_exe: None,
        boot_wim: None,
        warnings: iso.note.iter().map(|e| MediaWarning::UdfNotRead { error: e.clone() }).collect(),
    };
    let warn = |m: &mut MediaFacts, path: &str, error: Error| {
        m.warnings.push(MediaWarning::Unreadable { path: path.to_string(), error })
    };

    // The image's own folder: `sources/`, or `x64/sources/` on dual-architecture media.
    let dir = image.rfind('/').and_then(|i| image.get(..=i)).unwrap_or("sources/");
    match iso.file(&format!("{dir}ei.cfg")) {
        Ok(Some(n)) => match iso.read_small(&n, "ei.cfg", MAX_EICFG_SIZE).and_then(|b| eicfg::parse(&b)) {
            Ok(c) => {
                if c.channel.is_none() {
                    if let Some(t) = &c.channel_text {
                        m.warnings.push(MediaWarning::UnknownChannel { text: t.clone() });
                    }
                }
                m.ei_cfg = Some(c)
            }
            Err(e) => warn(&mut m, &format!("{dir}ei.cfg"), e),
        },
        Ok(None) => {}
        Err(e) => warn(&mut m, &format!("{dir}ei.cfg"), e),
    }
    match iso.file(&format!("{dir}pid.txt")) {
        Ok(p) => m.pid_txt = p.is_some(),
        Err(e) => warn(&mut m, &format!("{dir}pid.txt"), e),
    }
    for path in EFI_LOADERS {
        match iso.file(path) {
            Ok(Some(n)) => {
                let (x, w) = executable(iso, path, &n);
                m.efi_loaders.push(x);
                m.warnings.extend(w);
            }
            Ok(None) => {}
            Err(e) => warn(&mut m, path, e),
        }
    }
    match iso.file(&format!("{dir}setup.exe")) {
        Ok(Some(n)) => {
            let (x, w) = executable(iso, &format!("{dir}setup.exe"), &n);
            m.setup_exe = Some(x);
            m.warnings.extend(w);
        }
        Ok(None) => {}
        Err(e) => warn(&mut m, &format!("{dir}setup.exe"), e),
    }
    match iso.file(&format!("{dir}boot.wim")) {
        Ok(Some(n)) => {
            let r = iso.open_file(&n, format!("{dir}boot.wim")).and_then(|f| crate::image::wim::read(&f));
            match r {
                Ok(w) => {
                    let mut architectures: Vec<String> = Vec::new();
                    for img in &w.xml.images {
                        if let Some(a) = img.windows.as_ref().and_then(|w| w.arch) {
                            if !architectures.iter().any(|x| x == a.name) {
                                architectures.push(a.name.to_string());
                            }
                        }
                    }
                    m.boot_wim = Some(BootWim {
                        path: format!("{dir}boot.wim"),
                        size: n.size,
                        images: w.xml.images.len(),
                        architectures,
                    });
                }
                Err(e) => {
                    m.boot_wim = Some(BootWim {
                        path: format!("{dir}boot.wim"),
                        size: n.size,
                        images: 0,
                        architectures: Vec::new(),
                    });
                    warn(&mut m, &format!("{dir}boot.wim"), e);
                }
            }
        }
        Ok(None) => {}
        Err(e) => warn(&mut m, &format!("{dir}boot.wim"), e),
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(cfg: Option<EiCfg>) -> MediaFacts {
        MediaFacts {
            filesystem: "UDF 1.02".into(),
            label: None,
            image: "sources/install.wim".into(),
            image_size: 1,
            install_images: vec![],
            ei_cfg: cfg,
            pid_txt: false,
            efi_loaders: vec![],
            setup_exe: None,
            boot_wim: None,
            warnings: vec![],
        }
    }

    #[test]
    fn media_rule_inputs() {
        let cfg = |t: &[u8]| Some(eicfg::parse(t).unwrap());
        assert_eq!(is_vl_media(&facts(cfg(b"[Channel]\nVolume\n"))), Some(true));
        assert_eq!(is_vl_media(&facts(cfg(b"[Channel]\nOEM\n"))), Some(false));
        assert_eq!(is_vl_media(&facts(cfg(b"[Channel]\nRetail\n[VL]\n0\n"))), Some(false));
        assert_eq!(media_channel(&facts(cfg(b"[VL]\n1\n"))), Some(Channel::Volume));
        assert_eq!(media_channel(&facts(cfg(b"[VL]\n0\n"))), None);
        assert_eq!(is_vl_media(&facts(cfg(b"[EditionID]\nProfessional\n"))), None);
        assert_eq!(is_vl_media(&facts(None)), None);
    }
}
