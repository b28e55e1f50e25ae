//! The policy file (TOML). Unknown keys are an error, a malformed file is exit 4:
//! a policy is never silently ignored. See docs ("Policy file").
//!
//! ```toml
//! software_assurance = true      # VL + Software Assurance (or E3/E5): Enterprise/Education on Pro
//! downgrade_rights = true        # use the licence's downgrade rights (Pro-class only)
//! media = "volume"               # the images come from Volume Licensing media
//! approved_images = ["<sha256>"] # only these image files may be applied
//! evidence_dir = '\\server\share\oemgate'  # one JSON evidence record per run
//! evidence_required = true       # a record that cannot be written is exit 4
//! activation = "kms"             # allowed: set OSDProductKey/ProductKey to the KMS client key
//! # Commercial Licensing upgrade licences the organisation holds (e.g. Windows 11 Pro Upgrade)
//! upgrade_licences = [ { edition = "Professional", version = "11" } ]
//! hardware = "warn"              # a Windows 11 image on a PC without TPM 2.0 / UEFI: warn or block
//!
//! [licensed]                     # the COA label, when every PC is the same
//! edition = "Professional"
//! version = "11"
//! language = "en-US"
//!
//! [unknown]                      # what an unknown outcome does, per rule
//! version = "block"
//! language = "warn"
//! ```

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::rule_id::RuleId;

/// Policy files larger than this are refused.
pub const MAX_POLICY_BYTES: u64 = 1 << 20;

/// What an unknown outcome of a rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Cannot decide: exit 3.
    Block,
    /// Allowed with a warning.
    Warn,
    /// Reported only.
    Note,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    Volume,
    Retail,
    Oem,
}

/// What an allowed verdict does for activation (`activation = "..."`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ActivationMode {
    /// Advice only (the default): no product-key variables are set.
    #[default]
    None,
    /// Set `OSDProductKey` and `ProductKey` to the public KMS client setup key of the
    /// image's edition.
    Kms,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicensedTable {
    pub edition: Option<String>,
    pub version: Option<String>,
    pub language: Option<String>,
}

/// Per-rule action for an unknown outcome (rule ids as keys, see [`RuleId`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownTable {
    pub edition: Action,
    pub enterprise_upgrade: Action,
    pub version: Action,
    pub language: Action,
    pub arch: Action,
    pub media: Action,
    pub kms_marker: Action,
    pub key_integrity: Action,
    pub approved_image: Action,
    pub image_metadata: Action,
    pub image_key: Action,
    pub hardware: Action,
}

impl Default for UnknownTable {
    /// Without a policy: unknown edition or arch blocks, unknown version or language warns.
    fn default() -> Self {
        UnknownTable {
            edition: Action::Block,
            enterprise_upgrade: Action::Block,
            version: Action::Warn,
            language: Action::Warn,
            arch: Action::Block,
            media: Action::Note,
            kms_marker: Action::Warn,
            key_integrity: Action::Warn,
            approved_image: Action::Block,
            image_metadata: Action::Warn,
            image_key: Action::Warn,
            // Unknown Windows 11 hardware (e.g. dumped tables) is reported; a failure warns.
            hardware: Action::Note,
        }
    }
}

impl UnknownTable {
    /// The action for rule `id`; an id that names no rule blocks (fail closed).
    pub fn for_rule(&self, id: &str) -> Action {
        RuleId::parse(id).map_or(Action::Block, |id| *self.get(id))
    }

    pub fn get(&self, id: RuleId) -> &Action {
        match id {
            RuleId::Edition => &self.edition,
            RuleId::EnterpriseUpgrade => &self.enterprise_upgrade,
            RuleId::Version => &self.version,
            RuleId::Language => &self.language,
            RuleId::Arch => &self.arch,
            RuleId::Media => &self.media,
            RuleId::KmsMarker => &self.kms_marker,
            RuleId::KeyIntegrity => &self.key_integrity,
            RuleId::ApprovedImage => &self.approved_image,
            RuleId::ImageMetadata => &self.image_metadata,
            RuleId::ImageKey => &self.image_key,
            RuleId::Hardware => &self.hardware,
        }
    }

    fn get_mut(&mut self, id: RuleId) -> &mut Action {
        match id {
            RuleId::Edition => &mut self.edition,
            RuleId::EnterpriseUpgrade => &mut self.enterprise_upgrade,
            RuleId::Version => &mut self.version,
            RuleId::Language => &mut self.language,
            RuleId::Arch => &mut self.arch,
            RuleId::Media => &mut self.media,
            RuleId::KmsMarker => &mut self.kms_marker,
            RuleId::KeyIntegrity => &mut self.key_integrity,
            RuleId::ApprovedImage => &mut self.approved_image,
            RuleId::ImageMetadata => &mut self.image_metadata,
            RuleId::ImageKey => &mut self.image_key,
            RuleId::Hardware => &mut self.hardware,
        }
    }
}

/// The keys of `[unknown]` in the order messages list them (README's order).
const UNKNOWN_ORDER: [RuleId; 12] = [
    RuleId::Edition,
    RuleId::EnterpriseUpgrade,
    RuleId::Version,
    RuleId::Language,
    RuleId::Arch,
    RuleId::Media,
    RuleId::KmsMarker,
    RuleId::KeyIntegrity,
    RuleId::ApprovedImage,
    RuleId::ImageMetadata,
    RuleId::ImageKey,
    RuleId::Hardware,
];
const UNKNOWN_KEYS: [&str; 12] = {
    let mut keys = [""; 12];
    let mut i = 0;
    while i < keys.len() {
        keys[i] = UNKNOWN_ORDER[i].as_str();
        i += 1;
    }
    keys
};

/// `[unknown]`: rule ids as keys (an unknown key is an error naming the ids), the
/// defaults for rules not named.
impl<'de> Deserialize<'de> for UnknownTable {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        /// A key, refused as it is read (so the error carries the key's position).
        struct Key(RuleId);
        impl<'de> Deserialize<'de> for Key {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                let key = String::deserialize(d)?;
                RuleId::parse(&key).map(Key).ok_or_else(|| serde::de::Error::unknown_field(&key, &UNKNOWN_KEYS))
            }
        }
        struct Table;
        impl<'de> serde::de::Visitor<'de> for Table {
            type Value = UnknownTable;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a table of rule ids")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<UnknownTable, A::Error> {
                let mut t = UnknownTable::default();
                while let Some(Key(id)) = map.next_key::<Key>()? {
                    *t.get_mut(id) = map.next_value()?;
                }
                Ok(t)
            }
        }
        d.deserialize_struct("UnknownTable", &UNKNOWN_KEYS, Table)
    }
}

/// One `upgrade_licences` entry as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpgradeLicenceEntry {
    edition: String,
    version: String,
}

/// A Commercial Licensing upgrade licence the organisation holds ("Windows 11 Pro
/// Upgrade"): it upgrades a PC licensed for a qualifying edition of an earlier version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeLicence {
    /// The canonical EditionID (a Professional-class edition).
    pub edition: &'static str,
    /// The client version as written in the policy, validated: "7", "8", "8.1", "10" or "11".
    pub version: String,
    /// `policy.toml: upgrade_licences[1]`.
    pub evidence: String,
}

/// The client versions an upgrade licence may name.
pub const UPGRADE_VERSIONS: &[&str] = &["7", "8", "8.1", "10", "11"];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    software_assurance: Option<bool>,
    downgrade_rights: Option<bool>,
    media: Option<MediaKind>,
    #[serde(default)]
    approved_images: Vec<String>,
    #[serde(default)]
    upgrade_licences: Vec<UpgradeLicenceEntry>,
    hardware: Option<Action>,
    #[serde(default)]
    licensed: LicensedTable,
    #[serde(default)]
    unknown: UnknownTable,
    evidence_dir: Option<String>,
    evidence_required: Option<bool>,
    activation: Option<ActivationMode>,
}

/// The effective policy (defaults when no file was given).
#[derive(Debug, Clone)]
pub struct Policy {
    /// The file it came from, or "built-in defaults".
    pub source: String,
    pub from_file: bool,
    pub software_assurance: Option<bool>,
    /// Default true: the licence's downgrade rights (Pro-class editions) apply.
    pub downgrade_rights: bool,
    pub downgrade_rights_declared: bool,
    pub media: Option<MediaKind>,
    /// Lower-case hex SHA-256 digests.
    pub approved_images: Vec<String>,
    /// Commercial Licensing upgrade licences held (`upgrade_licences`).
    pub upgrade_licences: Vec<UpgradeLicence>,
    /// What a failing `hardware` rule does (default warn).
    pub hardware: Action,
    pub licensed: LicensedTable,
    pub unknown: UnknownTable,
    /// Folder for the evidence records (`--evidence` overrides it).
    pub evidence_dir: Option<String>,
    /// A record that cannot be written is exit 4 (default: a warning).
    pub evidence_required: bool,
    pub activation: ActivationMode,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            source: "built-in defaults".into(),
            from_file: false,
            software_assurance: None,
            downgrade_rights: true,
            downgrade_rights_declared: false,
            media: None,
            approved_images: Vec::new(),
            upgrade_licences: Vec::new(),
            hardware: Action::Warn,
            licensed: LicensedTable::default(),
            unknown: UnknownTable::default(),
            evidence_dir: None,
            evidence_required: false,
            activation: ActivationMode::None,
        }
    }
}

impl Policy {
    /// Read and validate a policy file. Every problem is an error (exit 4).
    pub fn load(path: &Path) -> Result<Policy> {
        let shown = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|e| Error::io(format!("{shown}: cannot open policy file"), &e))?;
        if meta.len() > MAX_POLICY_BYTES {
            return Err(Error::TooLarge {
                structure: "policy file",
                offset: 0,
                size: meta.len(),
                limit: MAX_POLICY_BYTES,
            }
            .in_file(shown));
        }
        // The size above is 0 for pipes and devices (`--policy /dev/stdin`): read at
        // most one byte past the limit whatever the metadata said.
        let bytes = crate::source::read_file_bounded(path, "policy file", "policy file", MAX_POLICY_BYTES)?;
        let text = String::from_utf8(bytes).map_err(|e| {
            Error::malformed("policy file", e.utf8_error().valid_up_to() as u64, "not UTF-8 text").in_file(&shown)
        })?;
        Policy::parse(&text, &shown)
    }

    /// Parse policy text; `source` names it in evidence and messages.
    pub fn parse(text: &str, source: &str) -> Result<Policy> {
        let file: PolicyFile = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start as u64);
            Error::malformed("policy file", offset, e.message().trim().to_string()).in_file(source)
        })?;
        let mut approved = Vec::with_capacity(file.approved_images.len());
        for (i, h) in file.approved_images.iter().enumerate() {
            let h = h.trim().to_ascii_lowercase();
            if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(Error::invalid(
                    "policy file",
                    0,
                    "approved_images",
                    "SHA-256 digests (64 hex digits)",
                    format!("entry {}: {:?}", i + 1, h),
                )
                .in_file(source));
            }
            approved.push(h);
        }
        let mut upgrade_licences = Vec::with_capacity(file.upgrade_licences.len());
        for (i, u) in file.upgrade_licences.iter().enumerate() {
            let entry = format!("entry {}", i + 1);
            let edition = crate::edition::canonical(&u.edition)
                .and_then(crate::edition::lookup)
                .filter(|e| e.class == crate::edition::Class::Professional && e.entitles == crate::edition::Entitles::Itself)
                .ok_or_else(|| {
                    Error::invalid(
                        "policy file",
                        0,
                        "upgrade_licences",
                        "a Professional-class EditionID (Professional, ProfessionalN, ProfessionalWorkstation, ProfessionalEducation...; Enterprise and Education come with software_assurance)",
                        format!("{entry}: edition {:?}", u.edition),
                    )
                    .in_file(source)
                })?;
            let v = u.version.trim();
            let v = v.strip_prefix("Windows ").unwrap_or(v).trim();
            if !UPGRADE_VERSIONS.contains(&v) {
                return Err(Error::invalid(
                    "policy file",
                    0,
                    "upgrade_licences",
                    format!("a client Windows version ({})", UPGRADE_VERSIONS.join(", ")),
                    format!("{entry}: version {:?}", u.version),
                )
                .in_file(source));
            }
            upgrade_licences.push(UpgradeLicence {
                edition: edition.id,
                version: v.to_string(),
                evidence: format!("{source}: upgrade_licences[{}] ({} {v} upgrade)", i + 1, edition.id),
            });
        }
        if file.evidence_dir.as_deref().is_some_and(|d| d.trim().is_empty()) {
            return Err(
                Error::invalid("policy file", 0, "evidence_dir", "a folder path", "an empty string").in_file(source)
            );
        }
        Ok(Policy {
            evidence_dir: file.evidence_dir,
            evidence_required: file.evidence_required.unwrap_or(false),
            activation: file.activation.unwrap_or_default(),
            source: source.to_string(),
            from_file: true,
            software_assurance: file.software_assurance,
            downgrade_rights: file.downgrade_rights.unwrap_or(true),
            downgrade_rights_declared: file.downgrade_rights.is_some(),
            media: file.media,
            approved_images: approved,
            upgrade_licences,
            hardware: file.hardware.unwrap_or(Action::Warn),
            licensed: file.licensed,
            unknown: file.unknown,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A device or pipe reports size 0; reading it must stop at the limit, not
    /// allocate until memory runs out.
    #[cfg(unix)]
    #[test]
    fn an_endless_policy_file_is_refused_at_the_limit() {
        let e = Policy::load(Path::new("/dev/zero")).unwrap_err();
        assert!(e.to_string().contains(&format!("exceeds the limit of {MAX_POLICY_BYTES} bytes")), "{e}");
    }

    #[test]
    fn defaults_block_edition_and_arch_and_warn_version_and_language() {
        let p = Policy::default();
        assert_eq!(p.unknown.for_rule("edition"), Action::Block);
        assert_eq!(p.unknown.for_rule("arch"), Action::Block);
        assert_eq!(p.unknown.for_rule("version"), Action::Warn);
        assert_eq!(p.unknown.for_rule("language"), Action::Warn);
        assert!(p.downgrade_rights);
    }

    #[test]
    fn parses_a_full_policy() {
        let p = Policy::parse(
            "software_assurance = true\ndowngrade_rights = false\nmedia = \"volume\"\napproved_images = [\"AB\" ]\n",
            "p.toml",
        );
        assert!(p.unwrap_err().to_string().contains("SHA-256"));
        let p = Policy::parse(
            &format!("software_assurance = true\ndowngrade_rights = false\nmedia = \"volume\"\napproved_images = [\"{}\"]\n[licensed]\nedition = \"Professional\"\n[unknown]\nversion = \"block\"\n", "AB".repeat(32)),
            "p.toml",
        )
        .unwrap();
        assert_eq!(p.software_assurance, Some(true));
        assert!(!p.downgrade_rights);
        assert_eq!(p.media, Some(MediaKind::Volume));
        assert_eq!(p.approved_images, vec!["ab".repeat(32)]);
        assert_eq!(p.licensed.edition.as_deref(), Some("Professional"));
        assert_eq!(p.unknown.version, Action::Block);
        assert_eq!(p.unknown.language, Action::Warn, "unnamed rules keep their defaults");
    }

    #[test]
    fn parses_evidence_and_activation() {
        let p = Policy::default();
        assert_eq!((p.evidence_dir.as_deref(), p.evidence_required, p.activation), (None, false, ActivationMode::None));
        let p = Policy::parse(
            "evidence_dir = '\\\\server\\share\\oemgate'\nevidence_required = true\nactivation = \"kms\"\n",
            "p.toml",
        )
        .unwrap();
        assert_eq!(p.evidence_dir.as_deref(), Some("\\\\server\\share\\oemgate"));
        assert!(p.evidence_required);
        assert_eq!(p.activation, ActivationMode::Kms);
        assert_eq!(Policy::parse("activation = \"none\"", "p.toml").unwrap().activation, ActivationMode::None);
    }

    #[test]
    fn an_unknown_rule_id_names_the_ids() {
        let e = Policy::parse("[unknown]\nlicence = \"warn\"", "p.toml").unwrap_err().to_string();
        assert!(e.starts_with("p.toml: policy file at offset 10: "), "the key's position: {e}");
        assert!(
            e.ends_with("unknown field `licence`, expected one of `edition`, `enterprise-upgrade`, `version`, `language`, `arch`, `media`, `kms-marker`, `key-integrity`, `approved-image`, `image-metadata`, `image-key`, `hardware`"),
            "{e}"
        );
        let p = Policy::parse("[unknown]\nkms-marker = \"block\"\napproved-image = \"note\"", "p.toml").unwrap();
        assert_eq!((p.unknown.kms_marker, p.unknown.approved_image), (Action::Block, Action::Note));
        assert_eq!(p.unknown.for_rule("no-such-rule"), Action::Block, "fail closed");
    }

    #[test]
    fn upgrade_licences_are_validated() {
        let p = Policy::parse(
            "upgrade_licences = [ { edition = \"Professional\", version = \"11\" }, { edition = \"pro n\", version = \"Windows 10\" } ]\nhardware = \"block\"",
            "p.toml",
        )
        .unwrap();
        let got: Vec<(&str, &str)> = p.upgrade_licences.iter().map(|u| (u.edition, u.version.as_str())).collect();
        assert_eq!(got, [("Professional", "11"), ("ProfessionalN", "10")]);
        assert_eq!(p.upgrade_licences[1].evidence, "p.toml: upgrade_licences[2] (ProfessionalN 10 upgrade)");
        assert_eq!(p.hardware, Action::Block);
        assert_eq!(Policy::default().hardware, Action::Warn);
        assert_eq!(Policy::default().unknown.for_rule("hardware"), Action::Note);
        for bad in [
            "upgrade_licences = [ { edition = \"Core\", version = \"11\" } ]",
            "upgrade_licences = [ { edition = \"Education\", version = \"11\" } ]",
            "upgrade_licences = [ { edition = \"ProfessionalStudent\", version = \"11\" } ]",
            "upgrade_licences = [ { edition = \"Professional\", version = \"11.5\" } ]",
            "upgrade_licences = [ { edition = \"Professional\", version = 11 } ]",
            "upgrade_licences = [ { version = \"11\" } ]",
            "upgrade_licences = [ { edition = \"Professional\", version = \"11\", count = 3 } ]",
            "upgrade_licences = \"Professional 11\"",
            "hardware = \"maybe\"",
            "hardware = true",
        ] {
            let e = Policy::parse(bad, "p.toml").unwrap_err();
            assert_eq!(crate::cli::exit_status(&e), crate::exit::ExitStatus::BadInput, "{bad}: {e}");
            assert!(e.to_string().starts_with("p.toml: policy file"), "{e}");
        }
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        for bad in [
            "sofware_assurance = true",
            "[unknown]\nedition = \"maybe\"",
            "[unknown]\nlicence = \"warn\"",
            "[unknown]\nedition = \"warn\"\nedition = \"block\"",
            "[unknown]\nedition = true",
            "unknown = 3",
            "[licensed]\ncolour = \"x\"",
            "media = 3",
            "= broken",
            "activation = \"mak\"",
            "activation = true",
            "evidence_required = \"yes\"",
            "evidence_dir = 3",
            "evidence_dir = \"\"",
            "evidence_folder = \"x\"",
        ] {
            let e = Policy::parse(bad, "p.toml").unwrap_err();
            assert_eq!(crate::cli::exit_status(&e), crate::exit::ExitStatus::BadInput, "{bad}: {e}");
            assert!(e.to_string().starts_with("p.toml: policy file"), "{e}");
        }
    }
}
