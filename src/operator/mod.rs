//! What the operator declares: the COA label (licensed edition, version, language),
//! Volume Licensing facts (Software Assurance, downgrade rights, media), and the
//! policy file that maps each rule's "unknown" to block, warn or note.
//!
//! Command-line flags override the policy file; both are recorded as evidence.

pub mod policy;

pub use policy::{Action, MediaKind, Policy};

/// One declared value and where it was declared ("--licensed-edition", "policy.toml: licensed.edition").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared<T> {
    pub value: T,
    pub evidence: String,
    /// Where it was declared: a command-line flag or the policy file.
    pub origin: Origin,
    /// The flag, when a flag declared it.
    pub flag: Option<&'static str>,
}

/// Where a declared value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Flag,
    PolicyFile,
}

/// The operator's declaration after merging flags over the policy file.
#[derive(Debug, Clone, Default)]
pub struct Declaration {
    pub edition: Option<Declared<String>>,
    pub version: Option<Declared<String>>,
    pub language: Option<Declared<String>>,
    pub software_assurance: Option<Declared<bool>>,
}

/// Command-line flags (raw strings, validated by the gate).
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub edition: Option<String>,
    pub version: Option<String>,
    pub language: Option<String>,
    pub software_assurance: bool,
}

/// Merge flags over the policy's `[licensed]` table.
pub fn declaration(flags: &Flags, policy: &Policy) -> Declaration {
    let from_flag = |v: &Option<String>, flag: &'static str| {
        v.as_ref().map(|s| Declared {
            value: s.clone(),
            evidence: format!("operator flag {flag}"),
            origin: Origin::Flag,
            flag: Some(flag),
        })
    };
    let from_policy = |v: &Option<String>, key: &str| {
        v.as_ref().map(|s| Declared {
            value: s.clone(),
            evidence: format!("{}: licensed.{key}", policy.source),
            origin: Origin::PolicyFile,
            flag: None,
        })
    };
    Declaration {
        edition: from_flag(&flags.edition, "--licensed-edition")
            .or_else(|| from_policy(&policy.licensed.edition, "edition")),
        version: from_flag(&flags.version, "--licensed-version")
            .or_else(|| from_policy(&policy.licensed.version, "version")),
        language: from_flag(&flags.language, "--licensed-language")
            .or_else(|| from_policy(&policy.licensed.language, "language")),
        software_assurance: if flags.software_assurance {
            Some(Declared {
                value: true,
                evidence: "operator flag --software-assurance".into(),
                origin: Origin::Flag,
                flag: Some("--software-assurance"),
            })
        } else {
            policy.software_assurance.map(|v| Declared {
                value: v,
                evidence: format!("{}: software_assurance", policy.source),
                origin: Origin::PolicyFile,
                flag: None,
            })
        },
    }
}
