//! `hardware`: a Windows 11 image (client, build 22000 and later) needs TPM 2.0 and UEFI
//! firmware (Secure Boot capable). No TPM, a TPM 1.2 only, or BIOS/CSM boot fails with
//! the reason; unknown when the facts cannot be read. A technical check like `arch`:
//! a failure warns by default and blocks when the policy says `hardware = "block"`.

use super::{Input, Outcome, RuleResult};
use crate::firmware::FirmwareType;

pub const ID: &str = "hardware";

pub fn check(i: &Input) -> RuleResult {
    let img_ev = format!("{}: VERSION {}", i.image_evidence(), i.image.version.as_deref().unwrap_or("-"));
    let Some(image) = i.image.generation else {
        return RuleResult::new(ID, Outcome::Unknown, "the image's Windows version is unknown").with(img_ev);
    };
    if image.server || image.rank < 110 {
        return RuleResult::new(ID, Outcome::Skip, format!("image is {image}: no Windows 11 hardware requirement"));
    }
    let m = &i.licensed.machine;
    let mut fails = Vec::new();
    let mut unknowns = Vec::new();
    let mut oks = Vec::new();
    let mut ev = vec![img_ev];
    ev.extend(m.tpm.evidence.iter().cloned());
    match (m.tpm.present, m.tpm.version.as_deref()) {
        (Some(true), Some("2.0")) => oks.push("TPM 2.0".to_string()),
        (Some(true), Some("1.2")) => fails.push("the TPM is a TPM 1.2 only (Windows 11 needs TPM 2.0)".to_string()),
        (Some(false), _) => fails.push("no TPM (Windows 11 needs TPM 2.0)".to_string()),
        _ => unknowns.push(format!(
            "the TPM is unknown ({})",
            m.tpm.unknown_reason.as_deref().unwrap_or("no TPM facts were read")
        )),
    }
    ev.push(m.evidence.clone());
    let sb = match m.secure_boot {
        Some(true) => ", Secure Boot on",
        Some(false) => ", Secure Boot off",
        None => "",
    };
    match m.firmware_type {
        FirmwareType::Uefi => oks.push(format!("UEFI boot{sb}")),
        FirmwareType::Bios => {
            fails.push("the machine boots BIOS/CSM (Windows 11 needs UEFI, Secure Boot capable)".to_string())
        }
        FirmwareType::Unknown => {
            unknowns.push("the firmware type is unknown (with dumped tables declare --machine-firmware)".to_string())
        }
    }
    let ok = if oks.is_empty() { String::new() } else { format!("; {}", oks.join(", ")) };
    let (outcome, message) = if !fails.is_empty() {
        let mut all = fails;
        all.extend(unknowns);
        (Outcome::Fail, format!("image is {image}: {}{ok}", all.join("; ")))
    } else if !unknowns.is_empty() {
        (Outcome::Unknown, format!("image is {image}: {}{ok}", unknowns.join("; ")))
    } else {
        (Outcome::Pass, format!("image is {image}: {}", oks.join(", ")))
    };
    RuleResult { id: ID, outcome, message, evidence: ev, basis: None }
}
