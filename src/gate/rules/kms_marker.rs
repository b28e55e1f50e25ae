//! `kms-marker`: a Windows 7 Volume Licensing image that activates by KMS needs a
//! Windows marker in firmware (SLIC 2.1) whose OEM ids match the RSDT/XSDT. Its
//! failure warns (a MAK activates without the marker), it does not block.

use super::{Input, Outcome, RuleResult};

pub const ID: &str = "kms-marker";

pub fn check(i: &Input) -> RuleResult {
    let Some(g) = i.image.generation else {
        return RuleResult::new(ID, Outcome::Skip, "image version unknown; the marker matters only for Windows 7");
    };
    if g.server || g.rank != 61 {
        return RuleResult::new(ID, Outcome::Skip, format!("image is {g}: KMS needs no firmware marker"));
    }
    let l = i.licensed;
    let Some(s) = &l.slic else {
        if let Some(p) = i.placeholder("SLIC") {
            return RuleResult::new(
                ID,
                Outcome::Fail,
                "image is Windows 7, but the firmware's SLIC is a placeholder with no Windows marker: KMS activation will fail; activate with a MAK",
            )
            .with(format!("{}: placeholder SLIC ({:?})", p.evidence, p.kind));
        }
        return RuleResult::new(
            ID,
            Outcome::Fail,
            format!(
                "image is Windows 7, but the firmware has no SLIC table ({}): KMS activation will fail; activate with a MAK",
                l.firmware_source
            ),
        );
    };
    let ver = format!("{}.{}", s.version_major, s.version_minor);
    let r = |o, m: String| {
        RuleResult::new(ID, o, m)
            .with(format!("{}: SLIC Windows marker {ver}, OEM {} {}", s.evidence, s.oem_id, s.oem_table_id))
    };
    if !s.table_checksum_ok {
        return r(Outcome::Fail, "the SLIC table's checksum fails: the marker cannot be trusted".into());
    }
    if (s.version_major, s.version_minor) < (2, 1) {
        return r(
            Outcome::Fail,
            format!("the SLIC marker is {ver} (Vista); Windows 7 KMS activation needs 2.1: activate with a MAK"),
        );
    }
    if let Some(v) = &s.template_vendor {
        return r(
            Outcome::Fail,
            format!(
                "the SLIC {ver} marker is the BIOS vendor {v}'s template, not this PC maker's: Windows will not accept it; activate with a MAK"
            ),
        );
    }
    let by = s.decided_by.as_deref().unwrap_or("RSDT/XSDT");
    match s.oem_ids_match {
        Some(false) => r(
            Outcome::Fail,
            format!(
                "the SLIC {ver} marker's OEM ids differ from the {by}'s: Windows will not accept it; activate with a MAK"
            ),
        ),
        Some(true) => r(Outcome::Pass, format!("SLIC {ver} marker present, OEM ids match the {by}")),
        None => r(
            Outcome::Unknown,
            format!("SLIC {ver} marker present; the RSDT/XSDT OEM ids were not readable to compare"),
        ),
    }
}
