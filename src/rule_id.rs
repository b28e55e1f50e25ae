//! The rule ids, spelled once: in the policy's `[unknown]` table, the verdict's JSON, the
//! CMTrace log and README's rule table. A leaf, so that the policy (an input) and the
//! gate (the rules) both name rules without depending on each other.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RuleId {
    KeyIntegrity,
    ImageMetadata,
    ImageKey,
    Edition,
    EnterpriseUpgrade,
    Version,
    Language,
    Arch,
    Media,
    KmsMarker,
    ApprovedImage,
    Hardware,
}

impl RuleId {
    /// Every rule, in report order.
    pub const ALL: [RuleId; 12] = [
        RuleId::KeyIntegrity,
        RuleId::ImageMetadata,
        RuleId::ImageKey,
        RuleId::Edition,
        RuleId::EnterpriseUpgrade,
        RuleId::Version,
        RuleId::Language,
        RuleId::Arch,
        RuleId::Media,
        RuleId::KmsMarker,
        RuleId::ApprovedImage,
        RuleId::Hardware,
    ];

    /// The ids as written, in the order of [`RuleId::ALL`].
    pub const NAMES: &'static [&'static str] = &[
        "key-integrity",
        "image-metadata",
        "image-key",
        "edition",
        "enterprise-upgrade",
        "version",
        "language",
        "arch",
        "media",
        "kms-marker",
        "approved-image",
        "hardware",
    ];

    pub const fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    pub fn parse(id: &str) -> Option<RuleId> {
        Self::NAMES.iter().position(|n| *n == id).map(|i| Self::ALL[i])
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ids_agree() {
        for (i, id) in RuleId::ALL.iter().enumerate() {
            assert_eq!(*id as usize, i);
            assert_eq!(RuleId::parse(id.as_str()), Some(*id));
        }
        assert_eq!(RuleId::parse("licence"), None);
    }
}
