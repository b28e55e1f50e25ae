//! Firmware licence facts: the OA 3.0 product key (ACPI MSDM), the OA 2.x Windows
//! marker (ACPI SLIC), SMBIOS identity and firmware type.
//!
//! INTERFACE CONTRACT (the gate consumes these types): the fields below are stable;
//! add fields freely, do not rename or remove these.

use serde::Serialize;

use crate::error::{Error, Result};

/// Where the firmware tables come from.
#[derive(Debug, Clone, Default)]
pub struct TableSources {
    /// A directory of dumped tables (files named MSDM, SLIC, RSDT, XSDT, optionally with .bin/.dat).
    pub acpi_dir: Option<std::path::PathBuf>,
    /// A dumped MSDM table.
    pub msdm_file: Option<std::path::PathBuf>,
    /// A dumped SLIC table.
    pub slic_file: Option<std::path::PathBuf>,
}

impl TableSources {
    /// True when no dumped table was named: read the live firmware.
    pub fn is_live(&self) -> bool {
        self.acpi_dir.is_none() && self.msdm_file.is_none() && self.slic_file.is_none()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum FirmwareType {
    Uefi,
    Bios,
    #[default]
    Unknown,
}

/// The OA 3.0 key from the MSDM table, already decoded.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Oa3Facts {
    /// Where the table came from (path or "ACPI firmware table MSDM").
    pub evidence: String,
    /// The full key. Never print it: use `masked_key()` unless --show-key.
    #[serde(skip)]
    pub key: String,
    /// ACPI checksum of the MSDM table holds.
    pub table_checksum_ok: bool,
    /// Product key's own checksum (CRC-32/BZIP2, 10 bits) holds; None for old-style keys.
    pub key_checksum_ok: Option<bool>,
    /// Key group id (Windows 8+ keys), None when it cannot be decoded.
    pub group_id: Option<u32>,
    /// EditionId the group maps to; None = unknown edition (never a guess).
    pub edition_id: Option<String>,
    /// Key type of the group, e.g. "OEM:DM", "Volume:GVLK".
    pub key_type: Option<String>,
    /// Non-fatal findings (fwts-style): reserved fields non-zero, serial outside ranges...
    pub warnings: Vec<String>,
}

impl Oa3Facts {
    /// The key with every group but the last replaced by `XXXXX`.
    pub fn masked_key(&self) -> String {
        mask_key(&self.key)
    }
}

/// `ABCDE-...-VWXYZ` → `XXXXX-XXXXX-XXXXX-XXXXX-VWXYZ`.
pub fn mask_key(key: &str) -> String {
    let groups: Vec<&str> = key.split('-').collect();
    match groups.split_last() {
        Some((last, rest)) if !rest.is_empty() => {
            let mut out: Vec<String> = rest.iter().map(|g| "X".repeat(g.chars().count())).collect();
            out.push((*last).to_string());
            out.join("-")
        }
        _ => "X".repeat(key.chars().count()),
    }
}

/// The OA 2.x Windows marker from the SLIC table.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SlicFacts {
    pub evidence: String,
    pub table_checksum_ok: bool,
    pub version_major: u16,
    pub version_minor: u16,
    pub oem_id: String,
    pub oem_table_id: String,
    /// Marker OEM ids equal the RSDT/XSDT header's; None when those were not readable.
    pub oem_ids_match: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SmbiosFacts {
    pub manufacturer: Option<String>,
    pub product: Option<String>,
    pub serial: Option<String>,
}

/// Everything the firmware says. `None` means "not present" (a normal state: no MSDM
/// on a retail PC); read errors of a present table are `Err` from the reader instead.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FirmwareFacts {
    /// "live firmware" or the dump directory/files read.
    pub source: String,
    pub oa3: Option<Oa3Facts>,
    pub slic: Option<SlicFacts>,
    pub smbios: Option<SmbiosFacts>,
    pub firmware_type: FirmwareType,
    /// 32 or 64 under UEFI; None when unknown or BIOS.
    pub uefi_bitness: Option<u32>,
    pub secure_boot: Option<bool>,
    /// CPU architecture of this machine: "x64", "x86", "arm64", ... None when unknown.
    pub cpu_arch: Option<String>,
}

/// Read the live firmware (or dumped tables when `sources` names any).
pub fn read(sources: &TableSources) -> Result<FirmwareFacts> {
    let _ = sources;
    Err(Error::NotFound { what: "firmware reader not implemented yet".into() })
}

#[cfg(test)]
mod tests {
    use super::mask_key;

    #[test]
    fn masks_all_but_last_group() {
        assert_eq!(mask_key("W269N-WFGWX-YVC9B-4J6C9-T83GX"), "XXXXX-XXXXX-XXXXX-XXXXX-T83GX");
        assert_eq!(mask_key("garbage"), "XXXXXXX");
    }
}
