//! The image's own facts, read from the files of one index rather than from its XML
//! label: the SOFTWARE and SYSTEM hives (through the one registry reader the installed
//! Windows uses, `crate::offline_os::read_software`/`read_system`), the PE machine of the
//! kernel, and the product-key configuration files.
//!
//! Reads lazily: only the directory entries on these paths and these files' blobs (the
//! hives through a random-access view: only the cells looked at are decompressed). A
//! file that is missing or unreadable leaves its facts unknown, with the reason: never a
//! guess.

use crate::error::Result;
use crate::image::archive::Wim;
use crate::image::iso::pe;
use crate::image::wim::tree::{Found, Tree};
use crate::offline_os::hive::Hive;
use crate::offline_os::{self, RegistryFacts};
use crate::source::ReadAt;

use super::pkeyconfig::{self, KeyConfig};

pub const SOFTWARE: &str = "/Windows/System32/config/SOFTWARE";
pub const SYSTEM: &str = "/Windows/System32/config/SYSTEM";
/// Tried in this order for the architecture.
pub const PE_FILES: [&str; 2] = ["/Windows/System32/ntoskrnl.exe", "/Windows/System32/kernel32.dll"];
pub const PKEYCONFIG_DIR: &str = "/Windows/System32/spp/tokens/pkeyconfig";
/// At most this many `pkeyconfig*.xrm-ms` files are read (real images have 1 to 3).
const MAX_PKEYCONFIG_FILES: usize = 8;

/// A fact with where it came from, or why it is unknown.
pub type Known<T> = std::result::Result<T, String>;

/// One product-key configuration file of the image.
#[derive(Debug, Clone)]
pub struct KeyConfigFile {
    /// The path inside the image.
    pub path: String,
    pub config: KeyConfig,
}

/// What the files of one image index say about it.
#[derive(Debug, Clone)]
pub struct ContentFacts {
    pub index: u32,
    /// From the SOFTWARE and SYSTEM hives; `Err(reason)` when they cannot be read.
    pub registry: Known<RegistryFacts>,
    /// The architecture ("x64") and the file whose PE machine says it.
    pub arch: Known<(String, String)>,
    /// The readable key configuration files (at least one), or why there is none.
    pub key_configs: Known<Vec<KeyConfigFile>>,
    /// Findings that leave no fact unknown (a damaged second pkeyconfig file, a dirty hive).
    pub warnings: Vec<String>,
}

impl ContentFacts {
    /// Every fact unknown for the same reason (e.g. an encrypted ESD).
    pub fn unreadable(index: u32, why: &str) -> ContentFacts {
        ContentFacts {
            index,
            registry: Err(why.to_string()),
            arch: Err(why.to_string()),
            key_configs: Err(why.to_string()),
            warnings: Vec::new(),
        }
    }

    /// The registry facts, when readable.
    pub fn reg(&self) -> Option<&RegistryFacts> {
        self.registry.as_ref().ok()
    }

    /// A non-OS image (Windows PE, Setup): EditionID or InstallationType `WindowsPE`.
    pub fn non_os(&self) -> Option<&str> {
        let r = self.reg()?;
        [r.edition_id.as_deref(), r.installation_type.as_deref()]
            .into_iter()
            .flatten()
            .find(|v| v.eq_ignore_ascii_case("WindowsPE"))
    }
}

/// Read the content facts of image `index` of `wim`. Only an unreadable directory tree
/// is an error; every other failure leaves the facts concerned unknown.
pub fn read(wim: &Wim, index: u32) -> Result<ContentFacts> {
    let meta = wim.metadata(index)?;
    let tree = Tree::open(&meta)?;
    let mut warnings = Vec::new();
    let registry = read_registry(wim, &tree, &mut warnings);
    let arch = read_arch(wim, &tree);
    let key_configs = read_key_configs(wim, &tree, &mut warnings);
    Ok(ContentFacts { index, registry, arch, key_configs, warnings })
}

/// A plain file at `path`, or why not.
fn plain_file(tree: &Tree, path: &str) -> Known<Found> {
    match tree.lookup(path) {
        Ok(Some(f)) if f.dentry.is_directory() => Err(format!("{path} is a directory")),
        Ok(Some(f)) if f.dentry.is_reparse_point() || f.dentry.is_encrypted() => {
            Err(format!("{path} is not a plain file (reparse point or encrypted)"))
        }
        Ok(Some(f)) => Ok(f),
        Ok(None) => Err(format!("the image has no {path}")),
        Err(e) => Err(format!("{path}: {e}")),
    }
}

fn open_hive(wim: &Wim, tree: &Tree, path: &str) -> Known<Hive<crate::image::wim::read::ResourceView>> {
    let f = plain_file(tree, path)?;
    let hash = f.dentry.data_hash().ok_or_else(|| format!("{path} is empty"))?;
    let view = wim.blob(&hash).map_err(|e| format!("{path}: {e}"))?;
    Hive::new(view).map_err(|e| format!("{path}: not a readable registry hive: {e}"))
}

fn read_registry(wim: &Wim, tree: &Tree, warnings: &mut Vec<String>) -> Known<RegistryFacts> {
    let mut reg = RegistryFacts::default();
    let sw = open_hive(wim, tree, SOFTWARE)?;
    warnings.extend(sw.warnings.iter().map(|w| format!("{SOFTWARE}: {w}")));
    offline_os::read_software(&sw, &mut reg).map_err(|e| format!("{SOFTWARE}: {e}"))?;
    let sys = open_hive(wim, tree, SYSTEM)?;
    warnings.extend(sys.warnings.iter().map(|w| format!("{SYSTEM}: {w}")));
    offline_os::read_system(&sys, &mut reg).map_err(|e| format!("{SYSTEM}: {e}"))?;
    Ok(reg)
}

/// The PE machine of the first of [`PE_FILES`] present.
fn read_arch(wim: &Wim, tree: &Tree) -> Known<(String, String)> {
    let mut reasons = Vec::new();
    for path in PE_FILES {
        match pe_machine(wim, tree, path) {
            Ok(name) => return Ok((name, path.to_string())),
            Err(why) => reasons.push(why),
        }
    }
    Err(reasons.join("; "))
}

fn pe_machine(wim: &Wim, tree: &Tree, path: &str) -> Known<String> {
    let f = plain_file(tree, path)?;
    let hash = f.dentry.data_hash().ok_or_else(|| format!("{path} is empty"))?;
    let view = wim.blob(&hash).map_err(|e| format!("{path}: {e}"))?;
    let total = view.len();
    let head_len = total.min(pe::DOS_HEADER_LEN);
    let mut head = vec![0u8; head_len as usize]; // at most 64 bytes
    view.read_exact_at(0, &mut head).map_err(|e| format!("{path}: {e}"))?;
    let need = pe::header_len(&head).min(pe::MAX_PE_HEADER).min(total);
    let mut bytes = vec![0u8; need as usize]; // at most MAX_PE_HEADER
    view.read_exact_at(0, &mut bytes).map_err(|e| format!("{path}: {e}"))?;
    let m = pe::parse(&bytes).map_err(|e| format!("{path}: {e}"))?;
    if m.name == "unknown" {
        return Err(format!("{path}: PE machine 0x{:04x} is not a known architecture", m.code));
    }
    Ok(m.name.to_string())
}

fn is_pkeyconfig_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("pkeyconfig") && n.ends_with(".xrm-ms")
}

/// Every `pkeyconfig*.xrm-ms` in [`PKEYCONFIG_DIR`], `pkeyconfig.xrm-ms` first. A damaged
/// file is a warning; none readable is `Err(reason)`.
fn read_key_configs(wim: &Wim, tree: &Tree, warnings: &mut Vec<String>) -> Known<Vec<KeyConfigFile>> {
    let dir = match tree.lookup(PKEYCONFIG_DIR) {
        Ok(Some(d)) if d.dentry.is_directory() => d,
        Ok(_) => return Err(format!("the image has no {PKEYCONFIG_DIR}")),
        Err(e) => return Err(format!("{PKEYCONFIG_DIR}: {e}")),
    };
    let kids = tree.children(&dir.dentry).map_err(|e| format!("{PKEYCONFIG_DIR}: {e}"))?;
    let mut names: Vec<String> =
        kids.iter().map(|d| d.name_lossy()).filter(|n| is_pkeyconfig_name(n)).take(MAX_PKEYCONFIG_FILES).collect();
    names.sort_by_key(|n| (!n.eq_ignore_ascii_case("pkeyconfig.xrm-ms"), n.to_ascii_lowercase()));
    if names.is_empty() {
        return Err(format!("the image has no {PKEYCONFIG_DIR}/pkeyconfig.xrm-ms"));
    }
    let mut out = Vec::new();
    let mut reasons = Vec::new();
    for name in names {
        let path = format!("{PKEYCONFIG_DIR}/{name}");
        match read_key_config(wim, tree, &path) {
            Ok(config) => out.push(KeyConfigFile { path, config }),
            Err(why) => reasons.push(why),
        }
    }
    if out.is_empty() {
        return Err(reasons.join("; "));
    }
    warnings.extend(reasons.into_iter().map(|r| format!("key configuration not used: {r}")));
    Ok(out)
}

fn read_key_config(wim: &Wim, tree: &Tree, path: &str) -> Known<KeyConfig> {
    let f = plain_file(tree, path)?;
    let hash = f.dentry.data_hash().ok_or_else(|| format!("{path} is empty"))?;
    let size = wim.blob(&hash).map_err(|e| format!("{path}: {e}"))?.len();
    if size > pkeyconfig::MAX_FILE_SIZE {
        return Err(format!(
            "{path}: {size} bytes, more than the {} a key configuration may be",
            pkeyconfig::MAX_FILE_SIZE
        ));
    }
    let mut bytes = Vec::with_capacity(size as usize); // bounded above
    wim.read_blob_verified(&hash, &mut bytes).map_err(|e| format!("{path}: {e}"))?;
    pkeyconfig::parse(&bytes).map_err(|e| format!("{path}: {e}"))
}

/// The image's key configuration as a key-group source, ahead of the built-in table.
pub struct ImageKeyConfig<'a>(pub &'a [KeyConfigFile]);

impl crate::firmware::editions::EditionSource for ImageKeyConfig<'_> {
    fn name(&self) -> String {
        let files: Vec<&str> = self.0.iter().map(|f| f.path.as_str()).collect();
        format!("image key configuration ({})", files.join(", "))
    }
    fn lookup(&self, group_id: u32, serial: u32) -> Option<crate::firmware::editions::GroupInfo> {
        self.0.iter().find_map(|f| {
            let c = f.config.group(group_id).next()?;
            Some(crate::firmware::editions::GroupInfo {
                group_id,
                edition_id: c.edition_ids.join(";"),
                key_type: c.key_type.clone(),
                product: None,
                serial_in_range: f.config.serial_in_range(group_id, u64::from(serial)),
                source: format!("image key configuration ({})", f.path),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkeyconfig_names() {
        assert!(is_pkeyconfig_name("pkeyconfig.xrm-ms"));
        assert!(is_pkeyconfig_name("PKEYCONFIG-DOWNLEVEL.XRM-MS"));
        assert!(is_pkeyconfig_name("pkeyconfig-csvlk.xrm-ms"));
        assert!(!is_pkeyconfig_name("pkeyconfig.xml"));
        assert!(!is_pkeyconfig_name("other.xrm-ms"));
    }

    #[test]
    fn image_key_configuration_answers_ahead_of_the_builtin_table() {
        use crate::firmware::editions::{Builtin, Chain, EditionSource};
        use crate::image::content_facts::pkeyconfig::{Configuration, KeyRange};
        let act = "{00000000-0000-0000-0000-000000000001}".to_string();
        let config = KeyConfig {
            configurations: vec![Configuration {
                act_config_id: act.clone(),
                group_id: 3305,
                edition_ids: vec!["Core".into()],
                description: String::new(),
                key_type: "OEM:DM".into(),
            }],
            ranges: vec![KeyRange {
                act_config_id: act.to_uppercase(),
                part_number: String::new(),
                eula_type: "OEM".into(),
                valid: true,
                start: 10,
                end: 20,
            }],
        };
        let files = [KeyConfigFile { path: format!("{PKEYCONFIG_DIR}/pkeyconfig.xrm-ms"), config }];
        let own = ImageKeyConfig(&files);
        let chain = Chain(vec![&own, &Builtin]);
        // The built-in table says 3305 is Professional; the image's own file decides.
        let g = chain.lookup(3305, 15).unwrap();
        assert_eq!((g.edition_id.as_str(), g.serial_in_range), ("Core", Some(true)));
        assert!(g.source.contains("pkeyconfig.xrm-ms"), "{}", g.source);
        assert_eq!(chain.lookup(3305, 21).unwrap().serial_in_range, Some(false));
        // A group the image does not know falls through to the built-in table.
        assert_eq!(chain.lookup(3258, 0).unwrap().source, "built-in table");
        assert!(own.lookup(3258, 0).is_none());
    }

    #[test]
    fn non_os_is_windows_pe_only() {
        let mut c = ContentFacts::unreadable(1, "x");
        assert_eq!(c.non_os(), None);
        c.registry = Ok(RegistryFacts { edition_id: Some("WindowsPE".into()), ..Default::default() });
        assert_eq!(c.non_os(), Some("WindowsPE"));
        c.registry = Ok(RegistryFacts { edition_id: Some("Professional".into()), ..Default::default() });
        assert_eq!(c.non_os(), None);
    }
}
