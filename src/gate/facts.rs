//! Facts the rules read: what this PC is licensed for (each with its source and
//! evidence), what this machine is, and what the image is. Built once from the
//! sources; rules never read files.

use serde::Serialize;

use super::product::{self, Generation};
use crate::error::{Error, Result};
use crate::firmware::{FirmwareFacts, FirmwareType, SlicFacts};
use crate::image::wim::xml::ImageInfo;
use crate::offline_os::OfflineOsFacts;
use crate::operator::{Declaration, MediaKind, Policy};

/// Where a fact came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// The ACPI tables (live or dumped).
    Firmware,
    /// A command-line flag.
    Operator,
    /// The policy file.
    Policy,
    /// The Windows installed on the internal disk (offline registry).
    OfflineOs,
    /// This machine (CPU, firmware type).
    Machine,
    /// The image or the media it sits on (e.g. an ISO's `sources/ei.cfg`).
    Image,
    /// Built-in default.
    Default,
}

/// A value with its source and the evidence it rests on (file, table, registry value, flag).
#[derive(Debug, Clone, Serialize)]
pub struct Fact<T> {
    pub value: T,
    pub source: Source,
    pub evidence: String,
    /// A short form of the evidence for the table ("--licensed-edition", "installed
    /// Windows"); `None` shows the evidence itself. Not in the JSON.
    #[serde(skip)]
    pub short: Option<String>,
}

impl<T> Fact<T> {
    pub fn new(value: T, source: Source, evidence: impl Into<String>) -> Fact<T> {
        Fact { value, source, evidence: evidence.into(), short: None }
    }

    pub fn with_short(mut self, short: impl Into<String>) -> Fact<T> {
        self.short = Some(short.into());
        self
    }

    /// The short form of the evidence (see `short`).
    pub fn short_evidence(&self) -> &str {
        self.short.as_deref().unwrap_or(&self.evidence)
    }
}

/// The firmware OA3 key as the gate shows it (masked unless --show-key).
#[derive(Debug, Clone, Serialize)]
pub struct KeyFacts {
    pub evidence: String,
    /// Masked (`XXXXX-XXXXX-XXXXX-XXXXX-ABCDE`) unless --show-key.
    pub key: String,
    pub group_id: Option<u32>,
    pub edition_id: Option<String>,
    pub key_type: Option<String>,
    /// The release the key's group belongs to ("Windows 8.1"), when the group table says.
    pub release: Option<String>,
    /// Which key-group source decided the edition: `image key configuration (FILE)` or
    /// `built-in table`; `None` when no source knew the group.
    pub edition_source: Option<String>,
    /// The serial lies in one of the group's key ranges (`None`: the source has no ranges).
    pub serial_in_range: Option<bool>,
    pub table_checksum_ok: bool,
    pub key_checksum_ok: Option<bool>,
    pub warnings: Vec<String>,
}

/// This machine: what it can boot.
#[derive(Debug, Clone, Serialize)]
pub struct MachineFacts {
    pub evidence: String,
    pub cpu_arch: Option<String>,
    pub firmware_type: FirmwareType,
    pub uefi_bitness: Option<u32>,
    /// Secure Boot enabled (live firmware only); `None` when unknown.
    pub secure_boot: Option<bool>,
    /// The TPM as the firmware tables (and the kernel) say.
    pub tpm: crate::firmware::TpmFacts,
}

/// Everything known about this PC's licence.
#[derive(Debug, Clone, Serialize)]
pub struct LicensedFacts {
    /// The licensed edition the rules use: the firmware's, else the declaration's.
    pub edition: Option<Fact<String>>,
    /// The edition the firmware OA3 key entitles today (a Windows 8.1 CoreConnected key
    /// entitles Core), when the key's group and its edition are known.
    pub firmware_edition: Option<Fact<String>>,
    /// Why the firmware key's known group gives no edition the rules can compare (a
    /// Windows 10 S or Windows RT key, an EditionID outside the edition table).
    pub firmware_edition_unknown: Option<String>,
    /// The operator's declaration (flag or policy), kept to detect conflicts.
    pub declared_edition: Option<Fact<String>>,
    /// What the installed Windows reports: a hint, never proof of the licence.
    pub installed_edition: Option<Fact<String>>,
    pub version: Option<Fact<Generation>>,
    pub language: Option<Fact<String>>,
    /// The installed Windows' architecture (licence-wise 32 <-> 64 is fine).
    pub arch: Option<Fact<String>>,
    pub software_assurance: Fact<bool>,
    pub downgrade_rights: Fact<bool>,
    pub media: Option<Fact<MediaKind>>,
    pub firmware_source: String,
    pub firmware_key: Option<KeyFacts>,
    pub slic: Option<SlicFacts>,
    /// MSDM/SLIC tables that hold no key or marker (all 0xFF, header only...).
    pub placeholders: Vec<crate::firmware::Placeholder>,
    pub machine: MachineFacts,
    pub offline_os: Option<OfflineOsFacts>,
    /// Several installed Windows were found (in WinPE) and none was used: their roots.
    pub offline_os_candidates: Vec<String>,
}

/// One image index as the rules see it.
#[derive(Debug, Clone, Serialize)]
pub struct ImageFacts {
    pub path: String,
    pub index: u32,
    pub name: Option<String>,
    pub edition_id: Option<String>,
    pub version: Option<String>,
    pub build: Option<u32>,
    pub generation: Option<Generation>,
    pub product_line: Option<String>,
    pub installation_type: Option<String>,
    pub arch: Option<String>,
    pub default_language: Option<String>,
    pub languages: Vec<String>,
    /// What the media the image sits on says about its channel (`sources/ei.cfg` of an
    /// ISO); None for a bare WIM/ESD/SWM or media without ei.cfg.
    pub media: Option<Fact<MediaKind>>,
    /// SHA-256 of each file of the image (only computed when the policy lists hashes).
    pub sha256: Vec<FileHash>,
    /// What the image's XML label claims, kept when the content facts replaced the
    /// fields above (`check` reads the content; the rules then use the content's facts).
    pub label: Label,
    /// What the image's own files say (`None`: not read).
    pub content: Option<ImageContent>,
    /// The install image's path inside an ISO (e.g. `x64/sources/install.wim` on
    /// dual-architecture media); absent for a bare image file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_in_media: Option<String>,
}

/// The facts the XML label claims that the gate uses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Label {
    pub edition_id: Option<String>,
    pub build: Option<u32>,
    pub arch: Option<String>,
    pub default_language: Option<String>,
    pub installation_type: Option<String>,
}

/// The image's content facts as the rules and the JSON see them (from
/// `crate::image::content_facts::facts::ContentFacts`); `None` fields are unknown, `unknown`
/// says why.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImageContent {
    pub edition_id: Option<String>,
    pub product_name: Option<String>,
    pub installation_type: Option<String>,
    pub build: Option<u32>,
    pub major: Option<u32>,
    pub minor: Option<u32>,
    pub product_type: Option<String>,
    pub arch: Option<String>,
    /// The install language as a tag (SYSTEM's Nls\Language\InstallLanguage).
    pub default_language: Option<String>,
    pub install_lcid: Option<String>,
    pub languages: Vec<String>,
    /// Registry hives and the PE file the facts came from.
    pub evidence: Vec<String>,
    /// The key configuration files read (`pkeyconfig*.xrm-ms`); empty when none was readable.
    pub key_configuration: Vec<String>,
    /// Why a group of facts is unknown ("registry: ...", "architecture: ...", "key configuration: ...").
    pub unknown: Vec<String>,
    /// A non-OS image (Windows PE, Setup): what it says it is.
    pub non_os: Option<String>,
    pub warnings: Vec<String>,
    /// The key groups the image's key configuration knows; `None` when it could not be read.
    #[serde(skip)]
    pub key_groups: Option<Vec<u32>>,
}

impl ImageContent {
    pub fn from_facts(c: &crate::image::content_facts::facts::ContentFacts) -> ImageContent {
        use crate::image::content_facts::facts::{SOFTWARE, SYSTEM};
        let mut out =
            ImageContent { warnings: c.warnings.clone(), non_os: c.non_os().map(str::to_string), ..Default::default() };
        match &c.registry {
            Ok(r) => {
                out.edition_id = r.edition_id.clone();
                out.product_name = r.product_name.clone();
                out.installation_type = r.installation_type.clone();
                out.build = r.current_build;
                out.major = r.major;
                out.minor = r.minor;
                out.product_type = r.product_type.clone();
                out.arch = r.arch.clone();
                out.default_language = r.install_language.as_deref().and_then(product::canonical_language);
                out.install_lcid = r.install_lcid.clone();
                out.languages = r.ui_languages.clone();
                out.evidence.push(format!("{SOFTWARE}: Microsoft\\Windows NT\\CurrentVersion"));
                let cs = r.control_set.as_deref().unwrap_or("ControlSet");
                out.evidence.push(format!("{SYSTEM}: {cs}\\Control (Nls\\Language, MUI\\UILanguages, ProductOptions)"));
                out.warnings.extend(r.warnings.iter().cloned());
            }
            Err(why) => out.unknown.push(format!("registry: {why}")),
        }
        match &c.arch {
            Ok((a, file)) => {
                out.arch = Some(a.clone());
                out.evidence.push(format!("{file}: PE machine {a}"));
            }
            // The registry's PROCESSOR_ARCHITECTURE stays when the PE files are unreadable.
            Err(why) => out.unknown.push(format!("architecture: {why}")),
        }
        match &c.key_configs {
            Ok(files) => {
                out.key_configuration = files.iter().map(|f| f.path.clone()).collect();
                let mut groups: Vec<u32> =
                    files.iter().flat_map(|f| f.config.configurations.iter().map(|c| c.group_id)).collect();
                groups.sort_unstable();
                groups.dedup();
                out.key_groups = Some(groups);
            }
            Err(why) => out.unknown.push(format!("key configuration: {why}")),
        }
        out
    }

    fn is_server(&self) -> bool {
        crate::image::product::is_server(self.installation_type.as_deref(), self.product_type.as_deref())
            || self.edition_id.as_deref().and_then(crate::edition::lookup).is_some_and(|e| e.is_server())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FileHash {
    pub file: String,
    pub sha256: String,
}

impl ImageFacts {
    /// The facts of index `info` of the image `rep`, including its media's channel.
    pub fn from_report(rep: &crate::image::ImageReport, info: &ImageInfo) -> ImageFacts {
        let media = rep
            .media
            .as_ref()
            .and_then(media_kind)
            .map(|(kind, evidence)| Fact::new(kind, Source::Image, format!("{}: {evidence}", rep.path)));
        let path_in_media = rep.media.as_ref().map(|m| m.image.clone());
        ImageFacts { media, path_in_media, ..ImageFacts::from_info(&rep.path, info) }
    }

    /// Record the image's content facts and let them decide: every field the rules read
    /// takes the content's value where the content knows it (the label's claims stay in
    /// `label`, for the `image-metadata` rule to compare).
    pub fn apply_content(&mut self, c: ImageContent) {
        if let Some(e) = &c.edition_id {
            self.edition_id = Some(e.clone());
        }
        if let (Some(major), Some(minor), Some(build)) = (c.major, c.minor, c.build) {
            // The label's version keeps its revision (UBR) when it names the same build.
            let mmb = format!("{major}.{minor}.{build}");
            let same = self.version.as_deref().is_some_and(|v| v == mmb || v.starts_with(&format!("{mmb}.")));
            if !same {
                self.version = Some(mmb);
            }
            self.build = Some(build);
            self.generation = product::generation(major, minor, build, c.is_server());
        } else if let Some(build) = c.build {
            self.build = Some(build);
        }
        if let Some(t) = &c.installation_type {
            self.installation_type = Some(t.clone());
        }
        if let Some(a) = &c.arch {
            self.arch = Some(a.clone());
        }
        if let Some(l) = &c.default_language {
            self.default_language = Some(l.clone());
        }
        if !c.languages.is_empty() {
            self.languages = c.languages.clone();
        }
        self.content = Some(c);
    }

    pub fn from_info(path: &str, info: &ImageInfo) -> ImageFacts {
        let w = info.windows.as_ref();
        let server = w.is_some_and(|w| {
            crate::image::product::is_server(w.installation_type.as_deref(), w.product_type.as_deref())
                || w.edition_id.as_deref().and_then(crate::edition::lookup).is_some_and(|e| e.is_server())
        });
        let version = w.and_then(|w| w.version);
        ImageFacts {
            path: path.to_string(),
            index: info.index,
            name: info.display_name.clone().or_else(|| info.name.clone()),
            edition_id: w.and_then(|w| w.edition_id.clone()).filter(|e| !e.trim().is_empty()),
            version: version.map(|v| v.to_string()),
            build: version.map(|v| v.build),
            generation: version.and_then(|v| product::generation(v.major, v.minor, v.build, server)),
            product_line: w.and_then(crate::image::product::product_line_of),
            installation_type: w.and_then(|w| w.installation_type.clone()),
            arch: w.and_then(|w| w.arch).filter(|a| a.is_known()).map(|a| a.name.to_string()),
            default_language: w.and_then(|w| w.default_language.clone()),
            languages: w.map(|w| w.languages.clone()).unwrap_or_default(),
            media: None,
            sha256: Vec::new(),
            label: Label {
                edition_id: w.and_then(|w| w.edition_id.clone()).filter(|e| !e.trim().is_empty()),
                build: version.map(|v| v.build),
                arch: w.and_then(|w| w.arch).filter(|a| a.is_known()).map(|a| a.name.to_string()),
                default_language: w.and_then(|w| w.default_language.clone()),
                installation_type: w.and_then(|w| w.installation_type.clone()),
            },
            content: None,
            path_in_media: None,
        }
    }
}

/// Inputs to `licensed_facts`.
pub struct Sources<'a> {
    pub firmware: &'a FirmwareFacts,
    pub declaration: &'a Declaration,
    pub policy: &'a Policy,
    pub offline_os: Option<&'a OfflineOsFacts>,
    /// Installed Windows found when there were several (then none is used: which one is
    /// this PC's licence is unknown). Empty otherwise.
    pub offline_os_candidates: &'a [String],
    /// The operator's declaration of this machine (fills what the firmware facts lack).
    pub machine: &'a MachineDeclaration,
    pub show_key: bool,
}

/// `--machine-arch` and `--machine-firmware`: this machine as the operator declares it.
/// Dumped tables carry no CPU or firmware type (and may come from another PC), so with
/// dumps these are how the `arch` rule learns what the target machine boots.
#[derive(Debug, Clone, Default)]
pub struct MachineDeclaration {
    pub arch: Option<String>,
    pub firmware: Option<String>,
}

/// A declared CPU architecture, and firmware type with UEFI bitness.
pub type DeclaredMachine = (Option<String>, Option<(FirmwareType, Option<u32>)>);

impl MachineDeclaration {
    /// Validate: arch x64|x86|arm64; firmware bios|uefi32|uefi64. Usage error otherwise.
    pub fn parse(&self) -> Result<DeclaredMachine> {
        let arch = match self.arch.as_deref().map(|a| a.trim().to_ascii_lowercase()) {
            None => None,
            Some(a) => Some(match crate::arch::Arch::from_declared_name(&a) {
                Some(arch) => arch.name().to_string(),
                None => return Err(Error::Usage { message: format!("--machine-arch {a:?}: use x64, x86 or arm64") }),
            }),
        };
        let fw = match self.firmware.as_deref().map(|f| f.trim().to_ascii_lowercase()) {
            None => None,
            Some(f) => Some(match f.as_str() {
                "bios" | "csm" | "legacy" => (FirmwareType::Bios, None),
                "uefi64" => (FirmwareType::Uefi, Some(64)),
                "uefi32" => (FirmwareType::Uefi, Some(32)),
                _ => {
                    return Err(Error::Usage {
                        message: format!("--machine-firmware {f:?}: use bios, uefi64 or uefi32"),
                    });
                }
            }),
        };
        Ok((arch, fw))
    }
}

/// A declared value as a fact; a flag's short evidence is the flag itself.
fn declared_fact<T, U>(d: &crate::operator::Declared<T>, value: U) -> Fact<U> {
    let f = Fact::new(value, declared_source(d), d.evidence.clone());
    match &d.flag {
        Some(flag) => f.with_short(*flag),
        None => f,
    }
}

fn declared_source<T>(d: &crate::operator::Declared<T>) -> Source {
    match d.origin {
        crate::operator::Origin::Flag => Source::Operator,
        crate::operator::Origin::PolicyFile => Source::Policy,
    }
}

/// The declared edition, version and language, validated.
pub type DeclaredFacts = (Option<Fact<String>>, Option<Fact<Generation>>, Option<Fact<String>>);

/// Validate the operator's declaration: a value that is not an edition, version or
/// language is a usage error (flag) or a bad policy (exit 4). Cheap: the CLI calls it
/// before reading anything else, so usage errors come first.
pub fn declared_facts(decl: &Declaration) -> Result<DeclaredFacts> {
    let bad = |d: &crate::operator::Declared<String>, what: &str, hint: &str| {
        let (evidence, value) = (&d.evidence, &d.value);
        let message = format!("{evidence}: {value:?} is not a known {what} ({hint})");
        if declared_source(d) == Source::Operator {
            Error::Usage { message }
        } else {
            Error::malformed("policy file", 0, message)
        }
    };
    let edition = match &decl.edition {
        Some(d) => {
            let id = crate::edition::canonical(&d.value).ok_or_else(|| {
                bad(d, "edition", "use an EditionID such as Professional, Core, ProfessionalN, ServerStandard")
            })?;
            // A Windows 8/8.1 edition declares the edition it entitles today.
            let ent = crate::edition::entitled(id).map_err(|why| bad(d, "edition the rules can compare", &why))?;
            let mut f = declared_fact(d, ent.id.to_string());
            if ent.id != id {
                f.evidence = format!("{} ({id}, which entitles {} today)", f.evidence, ent.id);
            }
            Some(f)
        }
        None => None,
    };
    let version = match &decl.version {
        Some(d) => {
            let g = product::parse_generation(&d.value).ok_or_else(|| {
                bad(d, "Windows version", "use 7, 8, 8.1, 10, 11, a server year, or major.minor.build")
            })?;
            Some(declared_fact(d, g))
        }
        None => None,
    };
    let language = match &decl.language {
        Some(d) => {
            let l = product::canonical_language(&d.value).ok_or_else(|| bad(d, "language tag", "e.g. en-US, ja-JP"))?;
            Some(declared_fact(d, l))
        }
        None => None,
    };
    Ok((edition, version, language))
}

/// Combine the sources into licensed facts (see `declared_facts` for the errors).
pub fn licensed_facts(s: &Sources) -> Result<LicensedFacts> {
    let fw = s.firmware;
    let (declared_edition, version, language) = declared_facts(s.declaration)?;

    let firmware_key = fw.oa3.as_ref().map(|k| KeyFacts {
        evidence: k.evidence.clone(),
        key: if s.show_key { k.key.clone() } else { k.masked_key() },
        group_id: k.group_id,
        edition_id: k.edition_id.clone(),
        key_type: k.key_type.clone(),
        release: k.product.clone(),
        edition_source: k.edition_source.clone(),
        serial_in_range: k.serial_in_range,
        table_checksum_ok: k.table_checksum_ok,
        key_checksum_ok: k.key_checksum_ok,
        warnings: k.warnings.clone(),
    });
    let mut firmware_edition_unknown = None;
    let firmware_edition = fw.oa3.as_ref().and_then(|k| {
        let e = k.edition_id.as_ref()?;
        let group = k.group_id.map_or_else(String::new, |g| format!(", group {g}"));
        let kind = match (&k.product, &k.key_type) {
            (Some(p), Some(t)) => format!("{p} {t} key"),
            (None, Some(t)) => format!("{t} key"),
            _ => "key".to_string(),
        };
        match crate::edition::entitled(e) {
            Ok(ent) if ent.id == e.as_str() => Some(
                Fact::new(e.clone(), Source::Firmware, format!("firmware OA3 key ({kind}{group}) in {}", k.evidence))
                    .with_short(format!("firmware OA3 key ({kind}{group})")),
            ),
            Ok(ent) => {
                let what = format!("{kind}{group}, EditionId {e}, which entitles {} today", ent.id);
                Some(
                    Fact::new(
                        ent.id.to_string(),
                        Source::Firmware,
                        format!("firmware OA3 key ({what}) in {}", k.evidence),
                    )
                    .with_short(format!("firmware OA3 key ({what})")),
                )
            }
            Err(why) => {
                let g = k.group_id.map_or_else(String::new, |g| format!("group {g}, "));
                firmware_edition_unknown = Some(format!("{why} ({g}EditionId {e})"));
                None
            }
        }
    });

    let os = s.offline_os;
    let installed_edition = os.and_then(|o| {
        o.edition_id.clone().map(|e| {
            Fact::new(
                e,
                Source::OfflineOs,
                format!("{}: Microsoft\\Windows NT\\CurrentVersion\\EditionID", o.software_hive),
            )
        })
    });
    let installed_version = os.and_then(|o| {
        let server = o.edition_id.as_deref().and_then(crate::edition::lookup).is_some_and(|e| e.is_server());
        let g = product::generation(o.major?, o.minor?, o.current_build?, server)?;
        Some(Fact::new(
            g,
            Source::OfflineOs,
            format!(
                "{}: CurrentVersion {}.{} build {} (CurrentMajorVersionNumber/CurrentMinorVersionNumber or CurrentVersion, CurrentBuild)",
                o.software_hive,
                o.major?,
                o.minor?,
                o.current_build?
            ),
        ).with_short("installed Windows"))
    });
    let installed_language = os.and_then(|o| {
        let tag = product::canonical_language(o.install_language.as_deref()?)?;
        let cs = o.control_set.as_deref().unwrap_or("ControlSet");
        Some(
            Fact::new(
                tag,
                Source::OfflineOs,
                format!(
                    "{}: {cs}\\Control\\Nls\\Language\\InstallLanguage = {}",
                    o.system_hive,
                    o.install_lcid.as_deref().unwrap_or("?")
                ),
            )
            .with_short("installed Windows"),
        )
    });
    let arch = os.and_then(|o| {
        let cs = o.control_set.as_deref().unwrap_or("ControlSet");
        o.arch.clone().map(|a| {
            Fact::new(
                a,
                Source::OfflineOs,
                format!("{}: {cs}\\Control\\Session Manager\\Environment\\PROCESSOR_ARCHITECTURE", o.system_hive),
            )
        })
    });

    let software_assurance = match &s.declaration.software_assurance {
        Some(d) => declared_fact(d, d.value),
        None => Fact::new(
            false,
            Source::Default,
            "not declared (--software-assurance or software_assurance in a policy file)",
        ),
    };
    let downgrade_rights = if s.policy.downgrade_rights_declared {
        Fact::new(s.policy.downgrade_rights, Source::Policy, format!("{}: downgrade_rights", s.policy.source))
    } else {
        Fact::new(true, Source::Default, "default: the licence's own downgrade rights apply (Pro-class editions)")
    };
    let media = s.policy.media.map(|m| Fact::new(m, Source::Policy, format!("{}: media", s.policy.source)));

    let (decl_arch, decl_fw) = s.machine.parse()?;
    let mut machine_ev = Vec::new();
    let cpu_arch = match (&fw.cpu_arch, decl_arch) {
        (Some(a), _) => {
            machine_ev.push(format!("CPU {a} from {}", fw.source));
            Some(a.clone())
        }
        (None, Some(a)) => {
            machine_ev.push(format!("CPU {a} from operator flag --machine-arch"));
            Some(a)
        }
        (None, None) => {
            machine_ev.push(format!("CPU unknown ({} does not say; --machine-arch declares it)", fw.source));
            None
        }
    };
    let (firmware_type, uefi_bitness) = match (fw.firmware_type, decl_fw) {
        (FirmwareType::Unknown, Some((t, b))) => {
            machine_ev.push("firmware type from operator flag --machine-firmware".to_string());
            (t, b)
        }
        (FirmwareType::Unknown, None) => {
            machine_ev
                .push(format!("firmware type unknown ({} does not say; --machine-firmware declares it)", fw.source));
            (FirmwareType::Unknown, None)
        }
        (FirmwareType::Uefi, Some((FirmwareType::Uefi, b))) if fw.uefi_bitness.is_none() => {
            machine_ev.push(format!("UEFI from {}, bitness from operator flag --machine-firmware", fw.source));
            (FirmwareType::Uefi, b)
        }
        (t, _) => {
            machine_ev.push(format!("firmware type from {}", fw.source));
            (t, fw.uefi_bitness)
        }
    };
    let machine = MachineFacts {
        evidence: machine_ev.join("; "),
        cpu_arch,
        firmware_type,
        uefi_bitness,
        secure_boot: fw.secure_boot,
        tpm: fw.tpm.clone(),
    };

    let edition = firmware_edition.clone().or_else(|| declared_edition.clone());
    Ok(LicensedFacts {
        edition,
        firmware_edition,
        firmware_edition_unknown,
        declared_edition,
        installed_edition,
        version: version.or(installed_version),
        language: language.or(installed_language),
        arch,
        software_assurance,
        downgrade_rights,
        media,
        firmware_source: fw.source.clone(),
        firmware_key,
        slic: fw.slic.clone(),
        placeholders: fw.placeholders.clone(),
        machine,
        offline_os: os.cloned(),
        offline_os_candidates: s.offline_os_candidates.to_vec(),
    })
}
/// The media kind an ISO's `sources/ei.cfg` states (the policy's `MediaKind`), with the
/// evidence to show: e.g. `(Volume, "sources/ei.cfg: [Channel] Volume")`. `None` when the
/// media does not say.
fn media_kind(m: &crate::image::iso::MediaFacts) -> Option<(MediaKind, String)> {
    use crate::image::iso::Channel;
    let channel = crate::image::iso::media_channel(m)?;
    let cfg = m.ei_cfg.as_ref()?;
    let evidence = match (&cfg.channel_text, cfg.channel) {
        (Some(t), Some(_)) => format!("sources/ei.cfg: [Channel] {t}"),
        _ => "sources/ei.cfg: [VL] 1".to_string(),
    };
    let kind = match channel {
        Channel::Retail => MediaKind::Retail,
        Channel::Oem => MediaKind::Oem,
        Channel::Volume => MediaKind::Volume,
    };
    Some((kind, evidence))
}
