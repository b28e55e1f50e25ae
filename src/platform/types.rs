//! The plain values the platform layer hands out (a leaf: the OS back ends and the
//! dispatching `platform` module both use it).

pub use crate::machine::{FirmwareType, MachineFacts};

/// Largest ACPI table or SMBIOS blob read (the parsers bound them again).
pub const MAX_FIRMWARE_TABLE: usize = 1 << 20;

/// SMBIOS as the operating system exposes it, unparsed.
#[derive(Debug, Clone)]
pub enum SmbiosRaw {
    /// A raw SMBIOS structure table (Linux `/sys/firmware/dmi/tables/DMI`).
    Table(Vec<u8>),
    /// The Windows `RSMB` firmware table: an 8-byte header, then the structure table.
    Rsmb(Vec<u8>),
    /// Linux `/sys/class/dmi/id` strings (raw bytes; `None` when absent), and the raw
    /// table when the serial was root-only and the table could be read.
    DmiStrings { vendor: Option<Vec<u8>>, product: Option<Vec<u8>>, serial: Option<Vec<u8>>, table: Option<Vec<u8>> },
}

/// Map an architecture name (uname machine, Rust's `ARCH`) to the names the gate uses.
pub fn normalize_arch(name: &str) -> Option<String> {
    match crate::arch::Arch::from_machine_name(name) {
        Some(a) => Some(a.name().to_string()),
        None if name.trim().is_empty() => None,
        None => Some(name.trim().to_string()),
    }
}
