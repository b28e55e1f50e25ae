//! `media`: the image should come from Volume Licensing media; OEM media may only
//! restore the same PC, retail media carries no reimaging right. The image itself
//! does not say where it came from, so this is usually unknown: a note, unless the
//! policy declares the media.

use super::{Input, Outcome, RuleResult};
use crate::operator::MediaKind;

pub const ID: &str = "media";

pub fn check(i: &Input) -> RuleResult {
    match &i.licensed.media {
        None => RuleResult::new(
            ID,
            Outcome::Unknown,
            "the image does not say whether it comes from Volume Licensing media; reimaging needs VL media (declare media = \"volume\" in the policy)",
        ),
        Some(m) => {
            let (o, msg) = match m.value {
                MediaKind::Volume => (Outcome::Pass, "the policy declares Volume Licensing media"),
                MediaKind::Oem => (Outcome::Fail, "the policy declares OEM media: it carries no reimaging right and may only restore the PC it came with (use the OEM's recovery)"),
                MediaKind::Retail => (Outcome::Fail, "the policy declares retail media: it carries no reimaging right (reimage with Volume Licensing media)"),
            };
            RuleResult::new(ID, o, msg).with(m.evidence.clone())
        }
    }
}
