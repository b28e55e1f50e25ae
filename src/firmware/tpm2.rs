//! The ACPI `TPM2` table (TCG ACPI Specification, TPM 2.0): the firmware's description of
//! its TPM 2.0 device. Layout after the 36-byte ACPI header:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 36 | 2 | platform class (0 client, 1 server) |
//! | 38 | 2 | reserved |
//! | 40 | 8 | address of the CRB control area (0 for a FIFO/TIS interface) |
//! | 48 | 4 | start method |
//! | 52 | .. | start-method-specific parameters, then optionally the log area (LAML u32, LASA u64) |
//!
//! A table shorter than 52 bytes, or whose length field disagrees with the bytes, is an
//! error (the caller reports the TPM as unknown with the reason); never a panic.

use super::acpi::{self, AcpiHeader};
use crate::error::{Error, Result};

/// Signature of the table.
pub const SIGNATURE: &[u8; 4] = b"TPM2";
/// The TPM 1.2 table's signature (TCG ACPI Specification, TPM 1.2: "TCPA").
pub const TCPA: &[u8; 4] = b"TCPA";
/// Header plus platform class, reserved, control area and start method.
pub const MIN_LEN: usize = 52;

/// The start methods of the TCG ACPI Specification this parser accepts (a TPM 2.0 the
/// firmware says how to talk to), with their names. Others (0 "not allowed", reserved
/// values) are a TPM2 table that describes no usable interface.
pub const START_METHODS: &[(u32, &str)] = &[
    (2, "ACPI start method"),
    (6, "memory-mapped I/O (FIFO/TIS)"),
    (7, "command response buffer (CRB)"),
    (8, "CRB with ACPI start method"),
    (11, "CRB with Arm SMC"),
    (13, "CRB with Pluton"),
    (15, "CRB with Arm FF-A"),
];

/// The decoded table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tpm2Table {
    pub header: AcpiHeader,
    pub checksum_ok: bool,
    /// 0 client, 1 server.
    pub platform_class: u16,
    pub control_area: u64,
    pub start_method: u32,
    /// The start method's name when this parser accepts it.
    pub start_method_name: Option<&'static str>,
    /// Bytes after the start method (start-method parameters and the optional log area).
    pub trailing: usize,
}

impl Tpm2Table {
    pub fn platform_class_name(&self) -> &'static str {
        match self.platform_class {
            0 => "client",
            1 => "server",
            _ => "unknown",
        }
    }
}

/// Name of an accepted start method.
pub fn start_method_name(m: u32) -> Option<&'static str> {
    START_METHODS.iter().find(|(v, _)| *v == m).map(|(_, n)| *n)
}

/// Parse a `TPM2` table. Errors carry the offset, expected and actual values.
pub fn parse(table: &[u8]) -> Result<Tpm2Table> {
    let header = acpi::parse_header(table, Some(SIGNATURE), "TPM2")?;
    if table.len() < MIN_LEN {
        return Err(Error::invalid(
            "TPM2",
            4,
            "length",
            format!("at least {MIN_LEN} bytes (header, platform class, control area, start method)"),
            table.len().to_string(),
        ));
    }
    let u16_at = |off: usize| table.get(off..off + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at = |off: usize| table.get(off..off + 4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
    let u64_at = |off: usize| table.get(off..off + 8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes);
    let short = |off: u64| Error::invalid("TPM2", off, "field", "present", "past the end of the table");
    let platform_class = u16_at(36).ok_or_else(|| short(36))?;
    let control_area = u64_at(40).ok_or_else(|| short(40))?;
    let start_method = u32_at(48).ok_or_else(|| short(48))?;
    Ok(Tpm2Table {
        checksum_ok: acpi::checksum_ok(table),
        header,
        platform_class,
        control_area,
        start_method,
        start_method_name: start_method_name(start_method),
        trailing: table.len().saturating_sub(MIN_LEN),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TPM2 table as the TCG layout says (built here, independently of the fixtures).
    fn table(len: usize, start_method: u32) -> Vec<u8> {
        let mut t = vec![0u8; len.max(36)];
        t[..4].copy_from_slice(b"TPM2");
        t[4..8].copy_from_slice(&(len as u32).to_le_bytes());
        t[8] = 4;
        t[10..16].copy_from_slice(b"OEMGAT");
        t[16..24].copy_from_slice(b"TPMTABLE");
        if len >= 52 {
            t[40..48].copy_from_slice(&0xFED4_0040u64.to_le_bytes());
            t[48..52].copy_from_slice(&start_method.to_le_bytes());
        }
        t.truncate(len);
        let sum = t.iter().fold(0u8, |a, &b| a.wrapping_add(b));
        if t.len() > 9 {
            t[9] = t[9].wrapping_sub(sum);
        }
        t
    }

    #[test]
    fn parses_crb_and_log_area_forms() {
        for len in [52, 64, 76] {
            let t = parse(&table(len, 7)).unwrap();
            assert!(t.checksum_ok);
            assert_eq!((t.platform_class_name(), t.control_area, t.start_method), ("client", 0xFED4_0040, 7));
            assert_eq!(t.start_method_name, Some("command response buffer (CRB)"));
            assert_eq!(t.trailing, len - 52);
        }
        assert_eq!(parse(&table(52, 0)).unwrap().start_method_name, None, "0 is 'not allowed'");
        assert_eq!(parse(&table(52, 12)).unwrap().start_method_name, None, "reserved");
    }

    #[test]
    fn truncated_tables_are_errors_not_panics() {
        let full = table(76, 7);
        for n in 0..52 {
            let mut t = full[..n].to_vec();
            if t.len() >= 8 {
                t[4..8].copy_from_slice(&(n as u32).to_le_bytes());
            }
            assert!(parse(&t).is_err(), "{n} bytes");
        }
        // The length field says more than there is.
        let mut t = table(76, 7);
        t.truncate(60);
        assert!(parse(&t).is_err());
        assert!(parse(&table(52, 7)[..]).is_ok());
    }

    #[test]
    fn other_signatures_are_refused() {
        let mut t = table(52, 7);
        t[..4].copy_from_slice(b"TCPA");
        assert!(parse(&t).is_err());
    }
}
