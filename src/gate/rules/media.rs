//! `media`: the image should come from Volume Licensing media; OEM media may only
//! restore the same PC, retail media carries no reimaging right. Two sources may
//! say which media it is: the policy (the operator's declaration) and, for an ISO, the
//! media's own `sources/ei.cfg` ([Channel] / [VL]). With neither, it is unknown: a note
//! by default. When both speak and disagree, the rule fails: the operator must look.

use super::{Input, Outcome, RuleResult};
use crate::gate::facts::Fact;
use crate::operator::MediaKind;

pub const ID: &str = "media";

fn name(m: MediaKind) -> &'static str {
    match m {
        MediaKind::Volume => "Volume Licensing",
        MediaKind::Oem => "OEM",
        MediaKind::Retail => "retail",
    }
}

fn verdict(kind: MediaKind, who: &str) -> (Outcome, String) {
    match kind {
        MediaKind::Volume => (Outcome::Pass, format!("{who} Volume Licensing media")),
        MediaKind::Oem => (
            Outcome::Fail,
            format!(
                "{who} OEM media: it carries no reimaging right and may only restore the PC it came with (use the OEM's recovery)"
            ),
        ),
        MediaKind::Retail => (
            Outcome::Fail,
            format!("{who} retail media: it carries no reimaging right (reimage with Volume Licensing media)"),
        ),
    }
}

pub fn check(i: &Input) -> RuleResult {
    let declared: Option<&Fact<MediaKind>> = i.licensed.media.as_ref();
    let on_media: Option<&Fact<MediaKind>> = i.image.media.as_ref();
    match (declared, on_media) {
        (None, None) => RuleResult::new(
            ID,
            Outcome::Unknown,
            "the image does not say whether it comes from Volume Licensing media; reimaging needs VL media (declare media = \"volume\" in the policy)",
        ),
        (Some(d), None) => {
            let (o, msg) = verdict(d.value, "the policy declares");
            RuleResult::new(ID, o, msg).with(d.evidence.clone())
        }
        (None, Some(m)) => {
            let (o, msg) = verdict(m.value, "the media's ei.cfg says");
            RuleResult::new(ID, o, msg).with(m.evidence.clone())
        }
        (Some(d), Some(m)) if d.value == m.value => {
            let (o, msg) = verdict(d.value, "the policy and the media's ei.cfg agree:");
            RuleResult::new(ID, o, msg).with(d.evidence.clone()).with(m.evidence.clone())
        }
        (Some(d), Some(m)) => RuleResult::new(
            ID,
            Outcome::Fail,
            format!(
                "the policy declares {} media, but the media's ei.cfg says {}: check where this image comes from",
                name(d.value),
                name(m.value)
            ),
        )
        .with(d.evidence.clone())
        .with(m.evidence.clone()),
    }
}
