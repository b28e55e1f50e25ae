//! Fallback for systems without a firmware reader: nothing is known.

use super::MachineFacts;
use crate::error::Result;
use crate::firmware::SmbiosFacts;

pub fn read_acpi_table(_sig: &[u8; 4]) -> Result<Option<Vec<u8>>> {
    Ok(None)
}

pub fn acpi_table_evidence(sig: &[u8; 4]) -> String {
    format!("ACPI table {}", String::from_utf8_lossy(sig))
}

pub fn smbios() -> Result<Option<SmbiosFacts>> {
    Ok(None)
}

pub fn machine() -> MachineFacts {
    MachineFacts {
        cpu_arch: super::normalize_arch(std::env::consts::ARCH),
        notes: vec!["no firmware reader for this operating system".into()],
        ..Default::default()
    }
}

pub fn root_table_ids() -> Vec<crate::firmware::RootIds> {
    Vec::new()
}
