//! `arch`: licence-wise x86 <-> x64 is fine; technically the image must boot here:
//! x64 needs an x64 CPU and, under UEFI, 64-bit firmware; x86 needs BIOS/CSM or
//! 32-bit UEFI; ARM64 needs an ARM64 machine.

use super::{Input, Outcome, RuleResult};
use crate::firmware::FirmwareType;

pub const ID: &str = "arch";

pub fn check(i: &Input) -> RuleResult {
    let m = &i.licensed.machine;
    let img_ev = format!("{}: ARCH {}", i.image_evidence(), i.image.arch.as_deref().unwrap_or("-"));
    let Some(image) = i.image.arch.as_deref() else {
        return RuleResult::new(ID, Outcome::Unknown, "the image's architecture is unknown").with(img_ev);
    };
    let mut licence_note = String::new();
    let mut ev = vec![img_ev, m.evidence.clone()];
    if let Some(inst) = &i.licensed.arch {
        ev.push(inst.evidence.clone());
        if inst.value != image {
            licence_note = format!(
                "; the installed Windows is {} ({} <-> {} is fine licence-wise)",
                inst.value, inst.value, image
            );
        }
    }
    let r = |o, msg: String| RuleResult { id: ID, outcome: o, message: msg, evidence: ev.clone(), basis: None };
    let Some(cpu) = m.cpu_arch.as_deref() else {
        return r(
            Outcome::Unknown,
            format!(
                "image is {image}; this machine's CPU architecture is unknown (with dumped tables declare --machine-arch and --machine-firmware)"
            ),
        );
    };
    let fw = match (m.firmware_type, m.uefi_bitness) {
        (FirmwareType::Uefi, Some(b)) => format!("{b}-bit UEFI"),
        (FirmwareType::Uefi, None) => "UEFI of unknown bitness".into(),
        (FirmwareType::Bios, _) => "BIOS".into(),
        (FirmwareType::Unknown, _) => "firmware of unknown type".into(),
    };
    let here = format!("this machine is {cpu} with {fw}");
    match image {
        "x64" => {
            if cpu != "x64" {
                return r(Outcome::Fail, format!("image is x64, {here}: it cannot run x64 Windows"));
            }
            match (m.firmware_type, m.uefi_bitness) {
                (FirmwareType::Bios, _) | (FirmwareType::Uefi, Some(64)) => {
                    r(Outcome::Pass, format!("image is x64, {here}{licence_note}"))
                }
                (FirmwareType::Uefi, Some(_)) => {
                    r(Outcome::Fail, format!("image is x64, {here}: 32-bit UEFI cannot boot x64 Windows"))
                }
                _ => r(
                    Outcome::Unknown,
                    format!("image is x64, {here}: cannot tell whether it boots (declare --machine-firmware)"),
                ),
            }
        }
        "x86" => {
            if cpu != "x86" && cpu != "x64" {
                return r(Outcome::Fail, format!("image is x86, {here}: it cannot run x86 Windows natively"));
            }
            match (m.firmware_type, m.uefi_bitness) {
                (FirmwareType::Bios, _) | (FirmwareType::Uefi, Some(32)) => {
                    r(Outcome::Pass, format!("image is x86, {here}{licence_note}"))
                }
                (FirmwareType::Uefi, Some(_)) => r(
                    Outcome::Fail,
                    format!(
                        "image is x86, {here}: 64-bit UEFI cannot boot x86 Windows (enable CSM/legacy boot, or use an x64 image)"
                    ),
                ),
                _ => r(
                    Outcome::Unknown,
                    format!("image is x86, {here}: cannot tell whether it boots (declare --machine-firmware)"),
                ),
            }
        }
        "arm64" => {
            if cpu == "arm64" {
                r(Outcome::Pass, format!("image is arm64, {here}{licence_note}"))
            } else {
                r(Outcome::Fail, format!("image is arm64, {here}: ARM64 Windows needs an ARM64 machine"))
            }
        }
        other => r(Outcome::Fail, format!("image is {other}, {here}: not an architecture this machine can boot")),
    }
}
