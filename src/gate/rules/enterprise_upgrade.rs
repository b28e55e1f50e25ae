//! `enterprise-upgrade`: Enterprise(/N) and Education(/N) exist only in Volume
//! Licensing as upgrades. They may go on a Professional(/N)-class licence only when
//! the organisation declares VL + Software Assurance (or an E3/E5-style
//! subscription); never on Home.

use super::{Input, Outcome, RuleResult};
use crate::gate::product;

pub const ID: &str = "enterprise-upgrade";

pub fn check(i: &Input) -> RuleResult {
    let l = i.licensed;
    let Some(image) = i.image.edition_id.as_deref() else {
        return RuleResult::new(ID, Outcome::Unknown, "the image has no EditionID").with(i.image_evidence());
    };
    let image_ev = format!("{}: EDITIONID {image}", i.image_evidence());
    if !product::is_upgrade_edition(image) {
        return RuleResult::new(
            ID,
            Outcome::Skip,
            format!("image is {image}, not an Enterprise or Education upgrade edition"),
        );
    }
    let Some(lic) = &l.edition else {
        return RuleResult::new(ID, Outcome::Unknown, format!("image is {image}; the licensed edition is unknown"))
            .with(image_ev);
    };
    let sa = &l.software_assurance;
    let base = RuleResult::new(ID, Outcome::Pass, "").with(lic.evidence.clone()).with(image_ev);
    let done = |outcome, message: String| RuleResult { outcome, message, ..base.clone() }.with(sa.evidence.clone());
    if product::same_edition(image, &lic.value) {
        return RuleResult { outcome: Outcome::Pass, message: format!("the licence itself is {}", lic.value), ..base };
    }
    if product::is_home_class(&lic.value) {
        return done(
            Outcome::Fail,
            format!(
                "image is {image} but the licence is {} (Home): Home is no qualifying OS for a Volume Licensing upgrade, Software Assurance or not",
                lic.value
            ),
        );
    }
    if !product::is_qualifying_for_upgrade(&lic.value) {
        return done(
            Outcome::Fail,
            format!("image is {image} but the licence is {}, no qualifying OS (Professional-class) for it", lic.value),
        );
    }
    if product::is_n_edition(image) != product::is_n_edition(&lic.value) {
        return done(
            Outcome::Fail,
            format!(
                "image is {image} but the licence is {}: N and non-N editions have different components",
                lic.value
            ),
        );
    }
    if sa.value {
        done(
            Outcome::Pass,
            format!(
                "image is {image} on a {} licence with Volume Licensing + Software Assurance declared ({})",
                lic.value, sa.evidence
            ),
        )
    } else {
        done(
            Outcome::Fail,
            format!(
                "image is {image}, a Volume Licensing upgrade; the {} licence needs Software Assurance (or an E3/E5-style subscription): none declared",
                lic.value
            ),
        )
    }
}
