//! ACPI SLIC (OEM Activation 2.x): OEM public key + Windows marker, 374 bytes.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 36 | ACPI header, signature `SLIC` |
//! | 36 | 156 | OEM public key: type u32 = 0, length u32 = 0x9C, key type u8 = 6, version u8 = 2, reserved u16, algorithm u32 = 0x2400, magic `RSA1`, bit length u32 = 1024, exponent u32, modulus [128] |
//! | 192 | 182 | Windows marker: type u32 = 1, length u32 = 0xB6, version u32, OEM ID [6], OEM table ID [8], `WINDOWS ` [8], SLIC version u32 (minor u16, major u16), reserved [16], signature [128] |
//!
//! The marker's signature cannot be verified offline (it needs Microsoft's key); the
//! marker's OEM ids must equal the RSDT/XSDT header's for OEM activation.

use super::acpi::{self, AcpiHeader, u16_at, u32_at};
use crate::error::{Error, Result};

const S: &str = "SLIC";
/// The size of a SLIC table.
pub const SLIC_LEN: usize = 374;
const PUBKEY: usize = 36;
const PUBKEY_LEN: u32 = 0x9C;
const MARKER: usize = PUBKEY + PUBKEY_LEN as usize;
const MARKER_LEN: u32 = 0xB6;

#[derive(Debug, Clone)]
pub struct Slic {
    pub header: AcpiHeader,
    pub table_checksum_ok: bool,
    /// The marker's version dword (0x00020001 for 2.1).
    pub marker_version: u32,
    pub version_major: u16,
    pub version_minor: u16,
    pub oem_id: [u8; 6],
    pub oem_table_id: [u8; 8],
    pub key_bits: u32,
    pub warnings: Vec<String>,
}

impl Slic {
    pub fn oem_id_str(&self) -> String {
        acpi::ascii_field(&self.oem_id)
    }
    pub fn oem_table_id_str(&self) -> String {
        acpi::ascii_field(&self.oem_table_id)
    }
    /// What the marker version activates.
    pub fn activates(&self) -> String {
        describe_version(self.version_major, self.version_minor)
    }
    /// Marker OEM ids equal `other`'s header OEM ids (RSDT/XSDT).
    pub fn matches(&self, other: &AcpiHeader) -> bool {
        self.oem_id == other.oem_id && self.oem_table_id == other.oem_table_id
    }
}

/// Marker version → the Windows versions it activates.
pub fn describe_version(major: u16, minor: u16) -> String {
    match (major, minor) {
        (2, 0) => "2.0 Vista/Server 2008".into(),
        (2, 1) => "2.1 Windows 7/Server 2008 R2".into(),
        (m, n) => format!("{m}.{n}"),
    }
}

/// Parse a whole SLIC table.
pub fn parse(table: &[u8]) -> Result<Slic> {
    let (header, table_checksum_ok) = acpi::parse_fixed(table, b"SLIC", SLIC_LEN, S)?;
    let mut warnings = Vec::new();

    let t = u32_at(table, PUBKEY);
    if t != 0 {
        return Err(Error::invalid(S, PUBKEY as u64, "public key structure type", "0", t.to_string()));
    }
    let l = u32_at(table, PUBKEY + 4);
    if l != PUBKEY_LEN {
        return Err(Error::invalid(S, PUBKEY as u64 + 4, "public key structure length", "156", l.to_string()));
    }
    if &table[PUBKEY + 16..PUBKEY + 20] != b"RSA1" {
        return Err(Error::BadMagic {
            structure: S,
            offset: PUBKEY as u64 + 16,
            expected: "'RSA1'".into(),
            actual: acpi::describe_signature(&table[PUBKEY + 16..PUBKEY + 20]),
        });
    }
    let (key_type, key_version, algorithm) = (table[PUBKEY + 8], table[PUBKEY + 9], u32_at(table, PUBKEY + 12));
    if key_type != 6 || key_version != 2 || algorithm != 0x2400 {
        warnings.push(format!(
            "SLIC public key header: key type {key_type}, version {key_version}, algorithm 0x{algorithm:X} (expected 6, 2, 0x2400)"
        ));
    }
    let key_bits = u32_at(table, PUBKEY + 20);
    if key_bits != 1024 {
        warnings.push(format!("SLIC public key is {key_bits} bits, expected 1024"));
    }

    let t = u32_at(table, MARKER);
    if t != 1 {
        return Err(Error::invalid(S, MARKER as u64, "Windows marker type", "1", t.to_string()));
    }
    let l = u32_at(table, MARKER + 4);
    if l != MARKER_LEN {
        return Err(Error::invalid(S, MARKER as u64 + 4, "Windows marker length", "182", l.to_string()));
    }
    if &table[MARKER + 26..MARKER + 34] != b"WINDOWS " {
        return Err(Error::BadMagic {
            structure: S,
            offset: MARKER as u64 + 26,
            expected: "'WINDOWS '".into(),
            actual: acpi::describe_signature(&table[MARKER + 26..MARKER + 34]),
        });
    }
    let marker_version = u32_at(table, MARKER + 8);
    let (mut minor, mut major) = (u16_at(table, MARKER + 34), u16_at(table, MARKER + 36));
    if major == 0 && minor == 0 {
        // Some 2.0 markers leave the SLIC version field reserved (zero): use the
        // marker's version dword instead.
        minor = (marker_version & 0xFFFF) as u16;
        major = (marker_version >> 16) as u16;
    } else if marker_version != ((major as u32) << 16 | minor as u32) {
        warnings.push(format!(
            "SLIC marker version 0x{marker_version:08X} differs from its SLIC version field {major}.{minor}"
        ));
    }
    let mut oem_id = [0u8; 6];
    oem_id.copy_from_slice(&table[MARKER + 12..MARKER + 18]);
    let mut oem_table_id = [0u8; 8];
    oem_table_id.copy_from_slice(&table[MARKER + 18..MARKER + 26]);
    if oem_id != header.oem_id || oem_table_id != header.oem_table_id {
        warnings.push("SLIC marker OEM ids differ from the SLIC table's own header".into());
    }
    Ok(Slic {
        header,
        table_checksum_ok,
        marker_version,
        version_major: major,
        version_minor: minor,
        oem_id,
        oem_table_id,
        key_bits,
        warnings,
    })
}

/// Build a SLIC table (dummy modulus and signature) with a correct checksum. For tests
/// and fixtures.
pub fn build(oem_id: &[u8; 6], oem_table_id: &[u8; 8], major: u16, minor: u16) -> Vec<u8> {
    let mut t = acpi::header_bytes(b"SLIC", SLIC_LEN as u32, 1, oem_id, oem_table_id);
    // public key
    t.extend_from_slice(&0u32.to_le_bytes());
    t.extend_from_slice(&PUBKEY_LEN.to_le_bytes());
    t.extend_from_slice(&[6, 2, 0, 0]);
    t.extend_from_slice(&0x2400u32.to_le_bytes());
    t.extend_from_slice(b"RSA1");
    t.extend_from_slice(&1024u32.to_le_bytes());
    t.extend_from_slice(&65537u32.to_le_bytes());
    t.extend_from_slice(&[0xA5; 128]);
    // marker
    t.extend_from_slice(&1u32.to_le_bytes());
    t.extend_from_slice(&MARKER_LEN.to_le_bytes());
    t.extend_from_slice(&((major as u32) << 16 | minor as u32).to_le_bytes());
    t.extend_from_slice(oem_id);
    t.extend_from_slice(oem_table_id);
    t.extend_from_slice(b"WINDOWS ");
    t.extend_from_slice(&minor.to_le_bytes());
    t.extend_from_slice(&major.to_le_bytes());
    t.extend_from_slice(&[0; 16]);
    t.extend_from_slice(&[0x5A; 128]);
    acpi::fix_checksum(&mut t);
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_describes() {
        let t = build(b"DELL  ", b"CBX3    ", 2, 1);
        let s = parse(&t).unwrap();
        assert!(s.table_checksum_ok);
        assert_eq!((s.version_major, s.version_minor), (2, 1));
        assert_eq!(s.activates(), "2.1 Windows 7/Server 2008 R2");
        assert_eq!(s.oem_id_str(), "DELL");
        assert_eq!(s.oem_table_id_str(), "CBX3");
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        assert_eq!(describe_version(2, 0), "2.0 Vista/Server 2008");
        assert_eq!(describe_version(2, 2), "2.2");
    }

    #[test]
    fn zero_version_field_falls_back_to_marker_version() {
        let mut t = build(b"DELL  ", b"CBX3    ", 2, 0);
        t[MARKER + 34..MARKER + 38].fill(0);
        acpi::fix_checksum(&mut t);
        let s = parse(&t).unwrap();
        assert_eq!((s.version_major, s.version_minor), (2, 0));
    }

    #[test]
    fn damaged_tables_fail() {
        let good = build(b"DELL  ", b"CBX3    ", 2, 1);
        for (off, what) in [
            (PUBKEY, "pk type"),
            (PUBKEY + 4, "pk len"),
            (PUBKEY + 16, "RSA1"),
            (MARKER, "m type"),
            (MARKER + 4, "m len"),
            (MARKER + 26, "WINDOWS"),
        ] {
            let mut t = good.clone();
            t[off] ^= 0x40;
            acpi::fix_checksum(&mut t);
            assert!(parse(&t).is_err(), "{what}");
        }
        assert!(parse(&good[..200]).is_err());
    }
}
