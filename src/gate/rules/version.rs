//! `version`: the image's Windows version must be one the PC is licensed for. Windows 11
//! reports 10.0: build >= 22000 is Windows 11. An OA3 key serves both 10 and 11, so the
//! key alone cannot tell them apart; its release (a Windows 8, 8.1 or 10/11 key) is the
//! floor of the licensed version. The rule passes, and says which right let it through
//! ([`Basis`]), when:
//! - the versions are equal (`same-version`), also when the operator or the installed
//!   Windows says the PC is licensed for a version newer than its key's release, e.g. the
//!   free Windows 10 -> 11 upgrade taken (`newer-version-licensed`);
//! - the image is older and the licensed edition carries downgrade rights
//!   (`downgrade-rights`; Pro-class yes, Home no);
//! - the image is an Enterprise/Education upgrade edition under Software Assurance (or
//!   E3/E5) on a qualifying Pro-class licence of Windows 7 or later, any version
//!   (`software-assurance`; `enterprise-upgrade` checks the edition side);
//! - the policy's `upgrade_licences` holds a Commercial Licensing upgrade for the image's
//!   edition and version and the licence is a Pro-class edition of an earlier version
//!   (`upgrade-licence`; Home never qualifies).
//!
//! Otherwise a newer image fails.

use super::{Basis, Input, Outcome, RuleResult};
use crate::edition::{self, Class, Edition};
use crate::gate::facts::Fact;
use crate::gate::product::{self, Generation};

pub const ID: &str = "version";

/// The firmware key's release: the versions it was issued for, and its evidence.
struct KeyRelease {
    first: Generation,
    last: Generation,
    evidence: String,
}

fn key_release(i: &Input) -> Option<KeyRelease> {
    let k = i.licensed.firmware_key.as_ref()?;
    let release = k.release.as_deref()?;
    let (first, last) = product::key_release(release)?;
    let group = k.group_id.map_or_else(String::new, |g| format!(", group {g}"));
    Some(KeyRelease { first, last, evidence: format!("firmware OA3 key: a {release} key{group} ({})", k.evidence) })
}

/// The licensed edition, when known and in the edition table.
fn licensed_edition<'a>(i: &'a Input) -> Option<(&'a Fact<String>, &'static Edition)> {
    let f = i.licensed.edition.as_ref()?;
    edition::lookup(&f.value).map(|e| (f, e))
}

pub fn check(i: &Input) -> RuleResult {
    let l = i.licensed;
    let img_ev = format!("{}: VERSION {}", i.image_evidence(), i.image.version.as_deref().unwrap_or("-"));
    let Some(image) = i.image.generation else {
        return RuleResult::new(ID, Outcome::Unknown, "the image's Windows version is unknown").with(img_ev);
    };
    let key = key_release(i).filter(|_| !image.server);
    let Some(lic) = &l.version else {
        // No licensed version: an upgrade right that holds for any earlier version still
        // decides, and so does an image older than the key's release.
        if let Some(r) = upgrade_rights(i, image, None, &img_ev, key.as_ref()) {
            return r;
        }
        if let Some(k) = &key
            && image.rank < k.first.rank
        {
            let what = format!("image is {image}, older than the {} the firmware key was issued for", k.first);
            return downgrade(i, what, vec![k.evidence.clone(), img_ev]);
        }
        let floor = key.as_ref().map_or_else(String::new, |k| {
            format!("; the firmware key is a {} key, so at least {}", release_name(k), k.first)
        });
        let mut r = RuleResult::new(
            ID,
            Outcome::Unknown,
            format!(
                "image is {image}; the licensed version is unknown ({}{floor}): declare --licensed-version or give --offline-os",
                if image.server { "an OA3 key does not name the Server release" } else { "an OA3 key serves Windows 10 and 11 alike" }
            ),
        )
        .with(img_ev);
        if let Some(k) = key {
            r = r.with(k.evidence);
        }
        return r;
    };
    let r = |o, m: String| RuleResult::new(ID, o, m).with(lic.evidence.clone()).with(img_ev.clone());
    let lv = lic.value;
    if image.server != lv.server {
        return r(Outcome::Fail, format!("image is {image}, the licence is {lv}: a different product"));
    }
    if image.rank == lv.rank {
        if let Some(k) = key.as_ref().filter(|k| lv.rank > k.last.rank) {
            return r(
                Outcome::Pass,
                format!(
                    "image is {image}, the licence is {lv} ({}), newer than the {} key in firmware: an upgrade taken (e.g. the free upgrade to Windows 10/11)",
                    lic.short_evidence(),
                    release_name(k)
                ),
            )
            .with(k.evidence.clone())
            .because(Basis::NewerVersionLicensed);
        }
        return r(Outcome::Pass, format!("image is {image}, the licence is {lv}")).because(Basis::SameVersion);
    }
    if image.rank > lv.rank {
        if let Some(res) = upgrade_rights(i, image, Some(lic), &img_ev, key.as_ref()) {
            return res;
        }
        let hint = match i.image.edition_id.as_deref().and_then(edition::lookup) {
            Some(e) if e.is_vl_upgrade() => {
                " (an Enterprise/Education image may be any version under Software Assurance on a Pro-class licence)"
            }
            Some(e) if e.class == Class::Professional => {
                " (an organisation holding Commercial Licensing upgrade licences declares them in the policy: upgrade_licences)"
            }
            _ => "",
        };
        return r(Outcome::Fail, format!("image is {image}, newer than the licensed {lv}{hint}"));
    }
    downgrade(i, format!("image is {image}, older than the licensed {lv}"), vec![lic.evidence.clone(), img_ev])
}

/// "Windows 10/11" for a key of that release.
fn release_name(k: &KeyRelease) -> String {
    if k.first.rank == k.last.rank {
        k.first.name.to_string()
    } else {
        format!("{}/{}", k.first.name, k.last.name.trim_start_matches("Windows "))
    }
}

/// An older image: the licensed edition's downgrade rights decide. `what` says the
/// image and the licensed version; `ev` the evidence of both.
fn downgrade(i: &Input, what: String, ev: Vec<String>) -> RuleResult {
    let l = i.licensed;
    let r = |o, m: String| RuleResult { id: ID, outcome: o, message: m, evidence: ev.clone(), basis: None };
    let Some(ed) = &l.edition else {
        return r(
            Outcome::Unknown,
            format!("{what}; downgrade rights depend on the licensed edition, which is unknown"),
        );
    };
    match edition::lookup(&ed.value) {
        None => {
            return r(
                Outcome::Unknown,
                format!(
                    "{what}; the licensed {} is not in the product's edition table, so its downgrade rights are unknown",
                    ed.value
                ),
            )
            .with(ed.evidence.clone());
        }
        Some(e) if !e.downgrade_rights => {
            return r(
                Outcome::Fail,
                format!(
                    "{what}: {} has no downgrade rights{}",
                    ed.value,
                    if e.is_home() { " (Home-class)" } else { "" }
                ),
            )
            .with(ed.evidence.clone());
        }
        Some(_) => {}
    }
    if !l.downgrade_rights.value {
        return r(Outcome::Fail, format!("{what}: downgrade rights are off in the policy"))
            .with(l.downgrade_rights.evidence.clone());
    }
    r(Outcome::Pass, format!("{what}: allowed through the downgrade rights of {}", ed.value))
        .with(ed.evidence.clone())
        .with(l.downgrade_rights.evidence.clone())
        .because(Basis::DowngradeRights)
}

/// A newer image (or a licensed version that is unknown): Software Assurance's
/// new-version rights for an Enterprise/Education image, or a Commercial Licensing
/// upgrade licence. `None` when neither applies (the caller fails or stays unknown);
/// `Some(fail)` when an upgrade licence matches the image but the PC's licence cannot
/// take it (Home).
fn upgrade_rights(
    i: &Input,
    image: Generation,
    lic: Option<&Fact<Generation>>,
    img_ev: &str,
    key: Option<&KeyRelease>,
) -> Option<RuleResult> {
    if image.server {
        return None;
    }
    let l = i.licensed;
    let image_ed = edition::lookup(i.image.edition_id.as_deref()?)?;
    let (lic_ed_fact, lic_ed) = licensed_edition(i)?;
    // The licensed version as the message says it, and its evidence.
    let (lv, lv_ev) = match (lic, key) {
        (Some(f), _) => (f.value.name.to_string(), Some(f.evidence.clone())),
        (None, Some(k)) => (format!("at least {} ({} key)", k.first, release_name(k)), Some(k.evidence.clone())),
        (None, None) => ("of an unknown version".to_string(), None),
    };
    // The licence's version, when known, must be Windows 7 or later (Vista Business is
    // no qualifying OS for today's upgrades).
    let vista = lic.is_some_and(|f| f.value.rank < 61) || matches!(lic_ed.id, "Business" | "BusinessN");
    let base = |o, m: String, basis: Option<Basis>| {
        let mut r = RuleResult::new(ID, o, m).with(lic_ed_fact.evidence.clone());
        if let Some(e) = &lv_ev {
            r = r.with(e.clone());
        }
        r = r.with(img_ev.to_string());
        r.basis = basis;
        r
    };

    // Software Assurance (or E3/E5): an Enterprise/Education image, any version.
    let sa = &l.software_assurance;
    if image_ed.is_vl_upgrade() && sa.value && lic_ed.qualifies_for_vl_upgrade && !lic_ed.is_home() && !vista {
        return Some(
            base(
                Outcome::Pass,
                format!(
                    "image is {image} {}, a Volume Licensing upgrade edition; the licence is {} {lv}, a qualifying Pro-class licence: Software Assurance's new-version rights ({})",
                    image_ed.id,
                    lic_ed.id,
                    sa.short_evidence()
                ),
                Some(Basis::SoftwareAssurance),
            )
            .with(sa.evidence.clone()),
        );
    }

    // A Commercial Licensing upgrade licence for the image's edition and version.
    let held = i.policy.upgrade_licences.iter().find(|u| {
        u.edition == image_ed.id
            && product::parse_generation(&u.version).is_some_and(|g| !g.server && g.rank == image.rank)
    })?;
    if lic_ed.is_home() || lic_ed.class != Class::Professional || vista {
        return Some(
            base(
                Outcome::Fail,
                format!(
                    "image is {image} {}, newer than the licensed {} {lv}: the organisation holds {} {} upgrade licences, but {} is no qualifying OS for them{}",
                    image_ed.id,
                    lic_ed.id,
                    held.edition,
                    image.name,
                    lic_ed.id,
                    if lic_ed.is_home() { " (Home never qualifies)" } else { " (a Pro-class licence of Windows 7 or later is needed)" }
                ),
                None,
            )
            .with(held.evidence.clone()),
        );
    }
    Some(
        base(
            Outcome::Pass,
            format!(
                "image is {image} {}; the licence is {} {lv}, a qualifying Pro-class licence: upgraded by the organisation's {} {} upgrade licence",
                image_ed.id, lic_ed.id, held.edition, image.name
            ),
            Some(Basis::UpgradeLicence),
        )
        .with(held.evidence.clone()),
    )
}
