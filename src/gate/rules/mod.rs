//! The reimaging rules, one file each, ids exactly as in the licensing rules
//! document. Each is a pure function of the facts and the policy, returning
//! pass / fail / unknown (or skip: does not apply) with the evidence it used.

use serde::Serialize;

use super::facts::{ImageFacts, LicensedFacts};
use crate::operator::Policy;

pub mod approved_image;
pub mod arch;
pub mod edition;
pub mod enterprise_upgrade;
pub mod hardware;
pub mod image_key;
pub mod image_metadata;
pub mod key_integrity;
pub mod kms_marker;
pub mod language;
pub mod media;
pub mod version;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
    Unknown,
    /// The rule does not apply to this image (e.g. kms-marker for a Windows 11 image).
    Skip,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Unknown => "unknown",
            Outcome::Skip => "skip",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleResult {
    pub id: &'static str,
    pub outcome: Outcome,
    pub message: String,
    /// Which file, table, registry value or flag each fact came from.
    pub evidence: Vec<String>,
    /// What let a passing rule through, when that matters to the caller (e.g. `match
    /// --select` prefers an index that needs no upgrade or downgrade right). In the JSON
    /// as `basis` (kebab-case) when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basis: Option<Basis>,
}

/// Why a rule passed, as a typed fact (the message says it in English).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// `version`: the image is the licensed version.
    SameVersion,
    /// `version`: the image is the licensed version, which the operator or the installed
    /// Windows declares newer than the firmware key's release (a free upgrade taken, e.g.
    /// Windows 8.1 -> 10 -> 11).
    NewerVersionLicensed,
    /// `version`: an older image passed through the licence's downgrade rights.
    DowngradeRights,
    /// `enterprise-upgrade` and `version`: an Enterprise/Education image under Software
    /// Assurance (or E3/E5) on a qualifying Pro-class licence (`version`: SA's new-version
    /// rights, any version).
    SoftwareAssurance,
    /// `version`: a Commercial Licensing upgrade licence for the image's edition and
    /// version (policy `upgrade_licences`) on a qualifying licence of an earlier version.
    UpgradeLicence,
}

impl Basis {
    /// An upgrade right let the image through (not the licence as it is).
    pub fn is_upgrade_right(self) -> bool {
        matches!(self, Basis::SoftwareAssurance | Basis::UpgradeLicence)
    }
}

impl RuleResult {
    pub fn new(id: &'static str, outcome: Outcome, message: impl Into<String>) -> RuleResult {
        RuleResult { id, outcome, message: message.into(), evidence: Vec::new(), basis: None }
    }

    pub fn because(mut self, basis: Basis) -> RuleResult {
        self.basis = Some(basis);
        self
    }

    pub fn with(mut self, evidence: impl Into<String>) -> RuleResult {
        self.evidence.push(evidence.into());
        self
    }
}

/// What a rule reads.
pub struct Input<'a> {
    pub licensed: &'a LicensedFacts,
    pub image: &'a ImageFacts,
    pub policy: &'a Policy,
}

impl Input<'_> {
    /// The placeholder `table` ("MSDM", "SLIC") of this PC's firmware, if it has one.
    pub fn placeholder(&self, table: &str) -> Option<&crate::firmware::Placeholder> {
        self.licensed.placeholders.iter().find(|p| p.table == table)
    }

    /// Where the image's facts come from: its own files when they were read (the rules
    /// then judge the content), else its XML label.
    pub fn image_evidence(&self) -> String {
        let from = match &self.image.content {
            Some(c) if !c.unknown.iter().any(|u| u.starts_with("registry") || u.starts_with("architecture")) => {
                "image content: registry and kernel"
            }
            Some(c) if c.edition_id.is_some() => "image content where readable, else image XML",
            _ => "image XML",
        };
        format!("{} index {} ({from})", self.image.path, self.image.index)
    }
}

pub type Rule = fn(&Input) -> RuleResult;

/// Every rule, in report order.
pub const ALL: &[(&str, Rule)] = &[
    ("key-integrity", key_integrity::check),
    ("image-metadata", image_metadata::check),
    ("image-key", image_key::check),
    ("edition", edition::check),
    ("enterprise-upgrade", enterprise_upgrade::check),
    ("version", version::check),
    ("language", language::check),
    ("arch", arch::check),
    ("media", media::check),
    ("kms-marker", kms_marker::check),
    ("approved-image", approved_image::check),
    ("hardware", hardware::check),
];

/// Rules whose failure warns instead of blocking: kms-marker (a MAK still activates).
pub const ADVISORY: &[&str] = &["kms-marker"];

pub fn run_all(input: &Input) -> Vec<RuleResult> {
    ALL.iter().map(|(_, rule)| rule(input)).collect()
}
