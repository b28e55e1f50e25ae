//! `edition`: the image's EditionID must equal the licensed EditionID. N, KN,
//! SingleLanguage, CountrySpecific, Workstation and Education variants are different
//! products; Server Standard is not Datacenter. An operator declaration that
//! contradicts the firmware key blocks.

use super::{Input, Outcome, RuleResult};
use crate::edition;

pub const ID: &str = "edition";

pub fn check(i: &Input) -> RuleResult {
    let l = i.licensed;
    let Some(image) = i.image.edition_id.as_deref() else {
        return RuleResult::new(ID, Outcome::Unknown, "the image has no EditionID (not a Windows installation image?)")
            .with(i.image_evidence());
    };
    let image_ev = format!("{}: EDITIONID {image}", i.image_evidence());
    if let (Some(fw), Some(decl)) = (&l.firmware_edition, &l.declared_edition) {
        if !edition::same(&fw.value, &decl.value) {
            return RuleResult::new(
                ID,
                Outcome::Fail,
                format!(
                    "the operator declares {} ({}), but the {} says {}: the firmware licence governs",
                    decl.value, decl.evidence, fw.evidence, fw.value
                ),
            )
            .with(fw.evidence.clone())
            .with(decl.evidence.clone())
            .with(image_ev);
        }
    }
    let Some(lic) = &l.edition else {
        let mut why = match (&l.firmware_key, &l.firmware_edition_unknown) {
            (Some(_), Some(reason)) => format!(
                "licensed edition unknown: the firmware holds {reason}, and no edition was declared (--licensed-edition or licensed.edition in a policy)"
            ),
            (Some(k), None) => format!(
                "licensed edition unknown: the firmware OA3 key's group {} maps to no known edition, and no edition was declared (--licensed-edition or licensed.edition in a policy)",
                k.group_id.map_or_else(|| "(undecodable)".to_string(), |g| g.to_string())
            ),
            (None, _) if i.placeholder("MSDM").is_some() => "licensed edition unknown: the firmware's MSDM is a placeholder that holds no OA3 key, and no edition was declared (--licensed-edition or licensed.edition in a policy)".to_string(),
            (None, _) => "licensed edition unknown: no OA3 key in firmware (no MSDM table) and no declaration (--licensed-edition or licensed.edition in a policy)".to_string(),
        };
        if let Some(inst) = &l.installed_edition {
            why.push_str(&format!("; the installed Windows reports {}, which is not proof of the licence", inst.value));
        }
        let mut r =
            RuleResult::new(ID, Outcome::Unknown, why).with(format!("firmware: {}", l.firmware_source)).with(image_ev);
        if let Some(p) = i.placeholder("MSDM") {
            r = r.with(format!("{}: placeholder MSDM ({:?})", p.evidence, p.kind));
        }
        if let Some(inst) = &l.installed_edition {
            r = r.with(inst.evidence.clone());
        }
        return r;
    };
    let mut lic_ev = lic.evidence.clone();
    if let Some(inst) = l.installed_edition.as_ref().filter(|i| !edition::same(&i.value, &lic.value)) {
        lic_ev.push_str(&format!(
            "; note: the installed Windows is {} ({}), not the licensed {}: it was changed after purchase, or reimaged",
            inst.value, inst.evidence, lic.value
        ));
    }
    let what = match lic.source {
        crate::gate::facts::Source::Firmware => match l.firmware_key.as_ref().and_then(|k| k.group_id) {
            Some(g) => format!("firmware OA3 key is {} (group {g})", lic.value),
            None => format!("firmware OA3 key is {}", lic.value),
        },
        _ => match l.firmware_key.as_ref().filter(|k| k.edition_id.is_none()) {
            Some(k) => format!(
                "declared licence is {} (the firmware key's group {} maps to no known edition: the declaration decides)",
                lic.value,
                k.group_id.map_or_else(|| "(undecodable)".to_string(), |g| g.to_string())
            ),
            None => format!("declared licence is {}", lic.value),
        },
    };
    let Some(image_ed) = edition::lookup(image) else {
        return RuleResult::new(
            ID,
            Outcome::Unknown,
            format!("image is {image}, an EditionID not in the product's edition table (unknown editions fail closed); {what}"),
        )
        .with(lic_ev)
        .with(image_ev);
    };
    if edition::lookup(&lic.value).is_none() {
        return RuleResult::new(
            ID,
            Outcome::Unknown,
            format!("image is {image}; the licensed {} is not in the product's edition table (unknown editions fail closed)", lic.value),
        )
        .with(lic_ev)
        .with(image_ev);
    }
    if edition::same(image, &lic.value) {
        return RuleResult::new(ID, Outcome::Pass, format!("image is {image}, {what}")).with(lic_ev).with(image_ev);
    }
    if image_ed.is_vl_upgrade() {
        return RuleResult::new(
            ID,
            Outcome::Skip,
            format!("image is {image}, a Volume Licensing upgrade edition; {what}: see enterprise-upgrade"),
        )
        .with(lic_ev)
        .with(image_ev);
    }
    RuleResult::new(ID, Outcome::Fail, format!("image is {image}, {what}")).with(lic_ev).with(image_ev)
}
