//! Facts about the machine itself, not from ACPI tables: firmware type (UEFI or BIOS),
//! UEFI bitness, Secure Boot, and the CPU's architecture. A leaf module: the platform
//! readers fill these in, the firmware collector and the gate read them.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum FirmwareType {
    Uefi,
    Bios,
    #[default]
    Unknown,
}

/// Firmware type, UEFI bitness, Secure Boot and CPU, with notes on what is unknown.
#[derive(Debug, Clone, Default)]
pub struct MachineFacts {
    pub firmware_type: FirmwareType,
    /// 32 or 64 under UEFI.
    pub uefi_bitness: Option<u32>,
    /// Secure Boot enabled; `Some(false)` under BIOS; `None` when unknown.
    pub secure_boot: Option<bool>,
    /// The CPU's architecture ("x64", "x86", "arm64", "arm"), not the binary's.
    pub cpu_arch: Option<String>,
    /// Why something is unknown (e.g. "Secure Boot: efivarfs not mounted").
    pub notes: Vec<String>,
}
