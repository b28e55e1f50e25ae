//! `key-integrity`: a firmware key whose ACPI table checksum or key checksum fails is
//! tampered or corrupt and blocks. Firmware keys are OEM keys: a key in the MSDM whose
//! group is not an `OEM:DM` group (a KMS client key, MAK, retail key...) is a tampered
//! or test table and blocks too.

use super::{Input, Outcome, RuleResult};

pub const ID: &str = "key-integrity";

/// The key type of firmware (OA 3.0) keys.
pub const OEM_DM: &str = "OEM:DM";

pub fn check(i: &Input) -> RuleResult {
    let l = i.licensed;
    let mut problems = Vec::new();
    let mut evidence = Vec::new();
    if let Some(s) = &l.slic {
        evidence.push(format!(
            "{} (SLIC table checksum {})",
            s.evidence,
            if s.table_checksum_ok { "ok" } else { "FAILS" }
        ));
        if !s.table_checksum_ok {
            problems.push("the SLIC table's ACPI checksum fails".to_string());
        }
    }
    let Some(k) = &l.firmware_key else {
        let r = if let (true, Some(p)) = (problems.is_empty(), i.placeholder("MSDM")) {
            RuleResult::new(ID, Outcome::Skip, "no OA3 key in firmware: the MSDM is a placeholder that holds no key")
                .with(format!("{}: placeholder MSDM", p.evidence))
        } else if problems.is_empty() {
            RuleResult::new(
                ID,
                Outcome::Skip,
                format!("no OA3 key in firmware (no MSDM table in {})", l.firmware_source),
            )
        } else {
            RuleResult::new(
                ID,
                Outcome::Fail,
                format!("{}: the firmware table is corrupt or was altered", problems.join("; ")),
            )
        };
        return evidence.into_iter().fold(r, RuleResult::with);
    };
    evidence.push(format!("{} (MSDM table checksum {})", k.evidence, if k.table_checksum_ok { "ok" } else { "FAILS" }));
    if !k.table_checksum_ok {
        problems.push("the MSDM table's ACPI checksum fails".to_string());
    }
    // Allow-list: OA 3.0 keys are OEM:DM keys. An unknown group is no finding here (the
    // edition rule says the edition is unknown).
    if let Some(t) = k.key_type.as_deref().filter(|t| *t != OEM_DM) {
        let group = k.group_id.map_or_else(String::new, |g| format!(" {g}"));
        let ed = k.edition_id.as_deref().map_or_else(String::new, |e| format!(", {e}"));
        problems.push(format!(
            "the firmware key belongs to a {t} group ({}group{group}{ed}), not an OEM:DM group: firmware carries only OEM keys, so the MSDM was altered or is a test table",
            k.release.as_deref().map_or_else(String::new, |r| format!("{r} "))
        ));
    }
    match k.key_checksum_ok {
        Some(false) => problems.push(format!("the product key {}'s own checksum fails", k.key)),
        Some(true) => evidence.push(format!("product key {} checksum ok", k.key)),
        None => {}
    }
    for w in &k.warnings {
        evidence.push(format!("note: {w}"));
    }
    let r = if !problems.is_empty() {
        RuleResult::new(ID, Outcome::Fail, format!("{}: the firmware key is tampered or corrupt", problems.join("; ")))
    } else if k.key_checksum_ok.is_none() {
        RuleResult::new(
            ID,
            Outcome::Unknown,
            format!("the firmware key {} has no checksum that can be verified offline", k.key),
        )
    } else {
        RuleResult::new(ID, Outcome::Pass, format!("MSDM table and key {} checksums hold", k.key))
    };
    evidence.into_iter().fold(r, RuleResult::with)
}
