//! The Windows already installed on the internal disk, read from its offline registry
//! hives: edition, version, install language, UI languages and architecture. A hint
//! for the licensed version and language (OA3 keys carry neither).

pub mod hive;
pub mod lcid;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
pub use hive::replay::{HiveRecovery, HiveState};
use hive::{Hive, KeyNode};

const CURRENT_VERSION: &str = "Microsoft\\Windows NT\\CurrentVersion";

/// What the offline Windows says about itself; every field with the registry value it came from.
/// (Its JSON form is `report::offline_os_json`'s.)
#[derive(Debug, Clone)]
pub struct OfflineOsFacts {
    /// The volume root given (or detected).
    pub root: String,
    pub software_hive: String,
    pub system_hive: String,
    pub edition_id: Option<String>,
    pub product_name: Option<String>,
    pub current_build: Option<u32>,
    pub major: Option<u32>,
    pub minor: Option<u32>,
    /// "x86", "x64", "arm64", "arm" from PROCESSOR_ARCHITECTURE.
    pub arch: Option<String>,
    /// InstallLanguage as a tag (e.g. "ja-JP"); the raw LCID when not in the table.
    pub install_language: Option<String>,
    pub install_lcid: Option<String>,
    pub ui_languages: Vec<String>,
    /// The control set read (Select\Current).
    pub control_set: Option<String>,
    /// DigitalProductId is present (the installed key itself is not decoded or shown).
    pub has_digital_product_id: bool,
    /// Each hive read: clean, dirty with its transaction logs applied, or dirty without.
    pub hives: Vec<hive::replay::HiveRecovery>,
    pub warnings: Vec<String>,
}

/// What a Windows' SOFTWARE and SYSTEM hives say about it: the one reader for both
/// the installed Windows and an image's own hives (`crate::image::content_facts::facts`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistryFacts {
    pub edition_id: Option<String>,
    pub product_name: Option<String>,
    /// `Client`, `Server`, `Server Core`, `WindowsPE`...
    pub installation_type: Option<String>,
    pub current_build: Option<u32>,
    pub major: Option<u32>,
    pub minor: Option<u32>,
    /// `WinNT`, `ServerNT`, `LanmanNT` (SYSTEM's ProductOptions).
    pub product_type: Option<String>,
    /// "x86", "x64", "arm64", "arm" from PROCESSOR_ARCHITECTURE.
    pub arch: Option<String>,
    /// InstallLanguage as a tag (e.g. "ja-JP"); the raw LCID when not in the table.
    pub install_language: Option<String>,
    pub install_lcid: Option<String>,
    pub ui_languages: Vec<String>,
    pub control_set: Option<String>,
    pub has_digital_product_id: bool,
    /// Keys or values missing ("SOFTWARE: no ... key").
    pub warnings: Vec<String>,
}

/// Find `rel` (components) under `root`, matching each component case-insensitively
/// like Windows does.
pub fn find_ci(root: &Path, rel: &[&str]) -> Option<PathBuf> {
    let mut cur = root.to_path_buf();
    for part in rel {
        let exact = cur.join(part);
        if exact.exists() {
            cur = exact;
            continue;
        }
        let entry = std::fs::read_dir(&cur)
            .ok()?
            .filter_map(|e| e.ok())
            .find(|e| e.file_name().to_string_lossy().eq_ignore_ascii_case(part))?;
        cur = entry.path();
    }
    Some(cur)
}

/// The hive paths of an installed Windows under `root`, if both exist.
pub fn hive_paths(root: &Path) -> Option<(PathBuf, PathBuf)> {
    let sw = find_ci(root, &["Windows", "System32", "config", "SOFTWARE"])?;
    let sys = find_ci(root, &["Windows", "System32", "config", "SYSTEM"])?;
    (sw.is_file() && sys.is_file()).then_some((sw, sys))
}

/// Read the offline Windows at volume root `root`. A missing hive is `NotFound`;
/// a damaged hive is an error naming the structure and offset (exit 4).
pub fn read(root: &Path) -> Result<OfflineOsFacts> {
    let (sw_path, sys_path) = hive_paths(root).ok_or_else(|| Error::NotFound {
        what: format!(
            "{}: no Windows\\System32\\config\\SOFTWARE and SYSTEM hives (not an installed Windows volume)",
            root.display()
        ),
    })?;
    let mut facts = OfflineOsFacts {
        root: root.display().to_string(),
        software_hive: sw_path.display().to_string(),
        system_hive: sys_path.display().to_string(),
        edition_id: None,
        product_name: None,
        current_build: None,
        major: None,
        minor: None,
        arch: None,
        install_language: None,
        install_lcid: None,
        ui_languages: Vec::new(),
        control_set: None,
        has_digital_product_id: false,
        hives: Vec::new(),
        warnings: Vec::new(),
    };
    let mut reg = RegistryFacts::default();
    let in_sw = |e: Error| e.in_file(sw_path.display().to_string());
    let (sw, sw_rec) = hive::replay::open(&sw_path, "SOFTWARE")?;
    facts.warnings.extend(sw.warnings.iter().map(|w| format!("SOFTWARE: {w}")));
    note_recovery(&mut facts, sw_rec);
    read_software(&sw, &mut reg).map_err(in_sw)?;
    let in_sys = |e: Error| e.in_file(sys_path.display().to_string());
    let (sys, sys_rec) = hive::replay::open(&sys_path, "SYSTEM")?;
    facts.warnings.extend(sys.warnings.iter().map(|w| format!("SYSTEM: {w}")));
    note_recovery(&mut facts, sys_rec);
    read_system(&sys, &mut reg).map_err(in_sys)?;
    facts.edition_id = reg.edition_id;
    facts.product_name = reg.product_name;
    facts.current_build = reg.current_build;
    facts.major = reg.major;
    facts.minor = reg.minor;
    facts.arch = reg.arch;
    facts.install_language = reg.install_language;
    facts.install_lcid = reg.install_lcid;
    facts.ui_languages = reg.ui_languages;
    facts.control_set = reg.control_set;
    facts.has_digital_product_id = reg.has_digital_product_id;
    facts.warnings.extend(reg.warnings);
    Ok(facts)
}

/// Record how a hive was read; a dirty hive read without (all of) its logs also warns.
fn note_recovery(facts: &mut OfflineOsFacts, rec: hive::replay::HiveRecovery) {
    if rec.needs_notice() {
        facts.warnings.push(rec.summary());
    }
    facts.hives.push(rec);
}

fn string_value<S: crate::source::ReadAt>(h: &Hive<S>, k: &KeyNode, name: &str) -> Result<Option<String>> {
    Ok(h.value(k, name)?.and_then(|v| v.as_string()).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()))
}

fn dword_value<S: crate::source::ReadAt>(h: &Hive<S>, k: &KeyNode, name: &str) -> Result<Option<u32>> {
    Ok(h.value(k, name)?.and_then(|v| v.as_dword()))
}

/// Read SOFTWARE's `Microsoft\Windows NT\CurrentVersion` into `f` (a missing key is a warning).
pub fn read_software<S: crate::source::ReadAt>(h: &Hive<S>, f: &mut RegistryFacts) -> Result<()> {
    match h.key(CURRENT_VERSION)? {
        Some(cv) => read_current_version(h, &cv, f),
        None => {
            f.warnings.push(format!("SOFTWARE: no {CURRENT_VERSION} key"));
            Ok(())
        }
    }
}

fn read_current_version<S: crate::source::ReadAt>(h: &Hive<S>, cv: &KeyNode, f: &mut RegistryFacts) -> Result<()> {
    f.edition_id = string_value(h, cv, "EditionID")?;
    f.product_name = string_value(h, cv, "ProductName")?;
    f.installation_type = string_value(h, cv, "InstallationType")?;
    let build = match string_value(h, cv, "CurrentBuild")? {
        Some(b) => Some(b),
        None => string_value(h, cv, "CurrentBuildNumber")?,
    };
    f.current_build = build.as_deref().and_then(|b| b.parse().ok());
    f.major = dword_value(h, cv, "CurrentMajorVersionNumber")?;
    f.minor = dword_value(h, cv, "CurrentMinorVersionNumber")?;
    if f.major.is_none() {
        // Before Windows 10 the version is the string CurrentVersion ("6.1").
        if let Some(cur) = string_value(h, cv, "CurrentVersion")? {
            let mut it = cur.split('.').map(|p| p.parse::<u32>().ok());
            if let (Some(Some(a)), Some(Some(b))) = (it.next(), it.next()) {
                f.major = Some(a);
                f.minor = Some(b);
            }
        }
    }
    f.has_digital_product_id = h.value(cv, "DigitalProductId")?.is_some();
    Ok(())
}

/// Read SYSTEM's current control set into `f`: install and UI languages, product type,
/// PROCESSOR_ARCHITECTURE (a missing Select\\Current is a warning).
pub fn read_system<S: crate::source::ReadAt>(h: &Hive<S>, f: &mut RegistryFacts) -> Result<()> {
    let current = match h.key("Select")? {
        Some(sel) => dword_value(h, &sel, "Current")?,
        None => None,
    };
    let Some(n) = current.filter(|n| (1..=999).contains(n)) else {
        f.warnings.push("SYSTEM: no usable Select\\Current value".into());
        return Ok(());
    };
    let cs = format!("ControlSet{n:03}");
    f.control_set = Some(cs.clone());
    if let Some(k) = h.key(&format!("{cs}\\Control\\Nls\\Language"))? {
        if let Some(raw) = string_value(h, &k, "InstallLanguage")? {
            f.install_language = Some(lcid::tag_for_hex(&raw).map_or_else(|| raw.clone(), str::to_string));
            f.install_lcid = Some(raw);
        }
    }
    if let Some(k) = h.key(&format!("{cs}\\Control\\ProductOptions"))? {
        f.product_type = string_value(h, &k, "ProductType")?;
    }
    if let Some(k) = h.key(&format!("{cs}\\Control\\MUI\\UILanguages"))? {
        f.ui_languages = h.subkeys(&k)?.into_iter().map(|k| k.name).collect();
    }
    if let Some(k) = h.key(&format!("{cs}\\Control\\Session Manager\\Environment"))? {
        f.arch = string_value(h, &k, "PROCESSOR_ARCHITECTURE")?.map(|a| arch_name(&a));
    }
    Ok(())
}

/// PROCESSOR_ARCHITECTURE → the names the image reader uses.
pub fn arch_name(env: &str) -> String {
    crate::arch::Arch::from_environment(env).map_or_else(|| env.to_ascii_lowercase(), |a| a.name().to_string())
}
