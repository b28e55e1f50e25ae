//! `version`: the image's Windows version must equal the licensed version; an older
//! image passes only through downgrade rights (Pro-class yes, Home no). Windows 11
//! reports 10.0: build >= 22000 is Windows 11. An OA3 key serves both 10 and 11, so
//! the key alone cannot tell them apart.

use super::{Input, Outcome, RuleResult};
use crate::edition;

pub const ID: &str = "version";

pub fn check(i: &Input) -> RuleResult {
    let l = i.licensed;
    let img_ev = format!("{}: VERSION {}", i.image_evidence(), i.image.version.as_deref().unwrap_or("-"));
    let Some(image) = i.image.generation else {
        return RuleResult::new(ID, Outcome::Unknown, "the image's Windows version is unknown").with(img_ev);
    };
    let Some(lic) = &l.version else {
        return RuleResult::new(
            ID,
            Outcome::Unknown,
            format!(
                "image is {image}; the licensed version is unknown ({}): declare --licensed-version or give --offline-os",
                if image.server { "an OA3 key does not name the Server release" } else { "an OA3 key serves Windows 10 and 11 alike" }
            ),
        )
        .with(img_ev);
    };
    let r = |o, m: String| RuleResult::new(ID, o, m).with(lic.evidence.clone()).with(img_ev.clone());
    let lv = lic.value;
    if image.server != lv.server {
        return r(Outcome::Fail, format!("image is {image}, the licence is {lv}: a different product"));
    }
    if image.rank == lv.rank {
        return r(Outcome::Pass, format!("image is {image}, the licence is {lv}"));
    }
    if image.rank > lv.rank {
        return r(Outcome::Fail, format!("image is {image}, newer than the licensed {lv}"));
    }
    // An older image: downgrade rights.
    let Some(ed) = &l.edition else {
        return r(
            Outcome::Unknown,
            format!(
                "image is {image}, older than the licensed {lv}; downgrade rights depend on the licensed edition, which is unknown"
            ),
        );
    };
    match edition::lookup(&ed.value) {
        None => {
            return r(
                Outcome::Unknown,
                format!(
                    "image is {image}, older than the licensed {lv}; the licensed {} is not in the product's edition table, so its downgrade rights are unknown",
                    ed.value
                ),
            )
            .with(ed.evidence.clone());
        }
        Some(e) if !e.downgrade_rights => {
            return r(
                Outcome::Fail,
                format!(
                    "image is {image}, older than the licensed {lv}: {} has no downgrade rights{}",
                    ed.value,
                    if e.is_home() { " (Home-class)" } else { "" }
                ),
            )
            .with(ed.evidence.clone());
        }
        Some(_) => {}
    }
    if !l.downgrade_rights.value {
        return r(
            Outcome::Fail,
            format!("image is {image}, older than the licensed {lv}: downgrade rights are off in the policy"),
        )
        .with(l.downgrade_rights.evidence.clone());
    }
    r(
        Outcome::Pass,
        format!("image is {image}, older than the licensed {lv}: allowed through the downgrade rights of {}", ed.value),
    )
    .with(ed.evidence.clone())
    .with(l.downgrade_rights.evidence.clone())
    .because(super::Basis::DowngradeRights)
}
