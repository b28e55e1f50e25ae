//! Machine type of a PE image (EFI boot loaders, setup.exe) read with goblin from
//! the first bytes of the file only.

use crate::bytes::Fields;
use crate::error::{Error, Result};

/// Bytes read from the start of an executable; the PE headers of real files sit
/// in the first KiB, `e_lfanew` beyond this is refused.
pub const MAX_PE_HEADER: u64 = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// IMAGE_FILE_MACHINE_* from the COFF header.
    pub code: u16,
    /// "x64", "x86", "arm64", "arm", "ia64" or "unknown".
    pub name: &'static str,
}

pub fn machine_name(code: u16) -> &'static str {
    crate::arch::Arch::from_coff_machine(code).map_or("unknown", crate::arch::Arch::name)
}

/// The DOS header's size, and where in it `e_lfanew` (the PE header's offset) is.
pub const DOS_HEADER_LEN: u64 = 0x40;
const E_LFANEW: usize = 0x3C;

/// How many bytes from the start are needed to parse the headers (0x40 if the DOS
/// header itself is incomplete).
pub fn header_len(start: &[u8]) -> u64 {
    let Ok(lfanew) = Fields::new(start, "DOS header", 0).u32(E_LFANEW) else {
        return DOS_HEADER_LEN;
    };
    let lfanew = u64::from(lfanew);
    // signature + COFF header + the largest optional header (PE32+) + slack
    lfanew + 4 + 20 + 240 + 16
}

/// Parse the DOS, COFF and optional headers in `bytes` (the start of the file).
pub fn parse(bytes: &[u8]) -> Result<Machine> {
    let h = goblin::pe::header::Header::parse(bytes).map_err(|e| Error::malformed("PE header", 0, e.to_string()))?;
    let code = h.coff_header.machine;
    Ok(Machine { code, name: machine_name(code) })
}
