//! `enterprise-upgrade`: Enterprise(/N) and Education(/N) exist only in Volume
//! Licensing as upgrades. They may go on a Professional(/N)-class licence only when
//! the organisation declares VL + Software Assurance (or an E3/E5-style
//! subscription); never on Home.

use super::{Input, Outcome, RuleResult};
use crate::edition;

pub const ID: &str = "enterprise-upgrade";

pub fn check(i: &Input) -> RuleResult {
    let l = i.licensed;
    let Some(image) = i.image.edition_id.as_deref() else {
        return RuleResult::new(ID, Outcome::Unknown, "the image has no EditionID").with(i.image_evidence());
    };
    let image_ev = format!("{}: EDITIONID {image}", i.image_evidence());
    let Some(image_ed) = edition::lookup(image) else {
        return RuleResult::new(
            ID,
            Outcome::Unknown,
            format!("image is {image}, an EditionID not in the product's edition table (unknown editions fail closed)"),
        )
        .with(image_ev);
    };
    if !image_ed.is_vl_upgrade() {
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
    let Some(lic_ed) = edition::lookup(&lic.value) else {
        return done(
            Outcome::Unknown,
            format!(
                "image is {image}; the licensed {} is not in the product's edition table (unknown editions fail closed)",
                lic.value
            ),
        );
    };
    if lic_ed.id == image_ed.id {
        return RuleResult { outcome: Outcome::Pass, message: format!("the licence itself is {}", lic.value), ..base };
    }
    if lic_ed.is_home() {
        return done(
            Outcome::Fail,
            format!(
                "image is {image} but the licence is {} (Home): Home is no qualifying OS for a Volume Licensing upgrade, Software Assurance or not",
                lic.value
            ),
        );
    }
    if !lic_ed.qualifies_for_vl_upgrade {
        return done(
            Outcome::Fail,
            format!("image is {image} but the licence is {}, no qualifying OS (Professional-class) for it", lic.value),
        );
    }
    if image_ed.n != lic_ed.n {
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
        .because(super::Basis::SoftwareAssurance)
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
