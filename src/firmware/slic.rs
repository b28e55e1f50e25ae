//! ACPI SLIC (OEM Activation 2.x): OEM public key + Windows marker, 374 bytes.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 36 | ACPI header, signature `SLIC` |
//! | 36 | 156 | OEM public key: type u32 = 0, length u32 = 0x9C, key type u8 = 6, version u8 = 2, reserved u16, algorithm u32 = 0x2400, magic `RSA1`, bit length u32 = 1024, exponent u32, modulus [128] |
//! | 192 | 182 | Windows marker: type u32 = 1, length u32 = 0xB6, marker version u32, OEM ID [6], OEM table ID [8], `WINDOWS ` [8], SLIC version u32 (minor u16, major u16), reserved [16], signature [128] |
//!
//! The marker's signature cannot be verified offline (it needs Microsoft's key); the
//! marker's OEM ids must equal the XSDT's (the RSDT's when there is no XSDT) for OEM
//! activation. The marker version dword is a constant on real tables (0x00020000,
//! sometimes 0x00002000) whatever the SLIC version: the SLIC version field says which
//! Windows it activates. A table whose structures are not there is a placeholder.

use super::acpi::{self, AcpiHeader};
use super::placeholder::{self, PlaceholderKind};
use crate::bytes::Fields;
use crate::error::Result;

const S: &str = "SLIC";
/// The size of a SLIC table.
pub const SLIC_LEN: usize = 374;

/// The OEM public key structure (offsets from its start).
pub mod pubkey {
    /// Where it starts in the table: right after the ACPI header.
    pub const START: usize = super::acpi::HEADER_LEN;
    pub const LEN: u32 = 0x9C;
    pub const TYPE: usize = 0;
    pub const LENGTH: usize = 4;
    pub const KEY_TYPE: usize = 8;
    pub const VERSION: usize = 9;
    pub const ALGORITHM: usize = 12;
    pub const MAGIC: usize = 16;
    pub const BIT_LENGTH: usize = 20;
    pub const EXPONENT: usize = 24;
    pub const MODULUS: usize = 28;
    /// Expected values.
    pub const TYPE_VALUE: u32 = 0;
    pub const KEY_TYPE_VALUE: u8 = 6;
    pub const VERSION_VALUE: u8 = 2;
    pub const ALGORITHM_VALUE: u32 = 0x2400;
    pub const MAGIC_VALUE: &[u8; 4] = b"RSA1";
    pub const BITS_VALUE: u32 = 1024;
}

/// The Windows marker structure (offsets from its start).
pub mod marker {
    /// Where it starts in the table: after the public key structure.
    pub const START: usize = super::pubkey::START + super::pubkey::LEN as usize;
    pub const LEN: u32 = 0xB6;
    pub const TYPE: usize = 0;
    pub const LENGTH: usize = 4;
    pub const VERSION: usize = 8;
    pub const OEM_ID: usize = 12;
    pub const OEM_TABLE_ID: usize = 18;
    pub const WINDOWS_FLAG: usize = 26;
    /// SLIC version: minor u16 here, major u16 two bytes on.
    pub const SLIC_VERSION: usize = 34;
    pub const RESERVED: usize = 38;
    pub const SIGNATURE: usize = 54;
    pub const TYPE_VALUE: u32 = 1;
    pub const WINDOWS_FLAG_VALUE: &[u8; 8] = b"WINDOWS ";
    /// The marker version dword real tables carry whatever their SLIC version.
    pub const CONSTANT_VERSIONS: [u32; 2] = [0x0002_0000, 0x0000_2000];
}

/// Non-fatal findings about a SLIC, with their values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlicWarning {
    /// Public key header fields other than key type 6, version 2, algorithm 0x2400.
    PublicKeyHeader { key_type: u8, version: u8, algorithm: u32 },
    /// A public key of another size than 1024 bits.
    KeyBits(u32),
    /// A marker version dword that is neither the constant real tables carry nor the
    /// SLIC version itself.
    MarkerVersion { dword: u32 },
    /// The marker's OEM ids differ from the SLIC table's own header.
    HeaderIdsDiffer,
}

impl std::fmt::Display for SlicWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SlicWarning::PublicKeyHeader { key_type, version, algorithm } => write!(
                f,
                "SLIC public key header: key type {key_type}, version {version}, algorithm 0x{algorithm:X} (expected 6, 2, 0x2400)"
            ),
            SlicWarning::KeyBits(b) => write!(f, "SLIC public key is {b} bits, expected 1024"),
            SlicWarning::MarkerVersion { dword } => write!(
                f,
                "SLIC marker version dword 0x{dword:08X} is not the constant 0x00020000 (or 0x00002000) real tables carry"
            ),
            SlicWarning::HeaderIdsDiffer => write!(f, "SLIC marker OEM ids differ from the SLIC table's own header"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Slic {
    pub header: AcpiHeader,
    pub table_checksum_ok: bool,
    /// The marker's version dword (a constant, 0x00020000 on most real tables).
    pub marker_version: u32,
    pub version_major: u16,
    pub version_minor: u16,
    pub oem_id: [u8; 6],
    pub oem_table_id: [u8; 8],
    pub key_bits: u32,
    pub warnings: Vec<SlicWarning>,
}

/// A SLIC as firmware has it: a marker, or a placeholder.
#[derive(Debug, Clone)]
pub enum SlicTable {
    Marker(Slic),
    Placeholder { header: AcpiHeader, table_checksum_ok: bool, kind: PlaceholderKind },
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

/// Marker version → the Windows versions it activates. 2.0 and 2.1 per Microsoft's OEM
/// Activation documents; 2.2 to 2.5 are the server markers seen on real firmware (each
/// also activates what the earlier ones do).
pub fn describe_version(major: u16, minor: u16) -> String {
    match (major, minor) {
        (2, 0) => "2.0 Vista/Server 2008".into(),
        (2, 1) => "2.1 Windows 7/Server 2008 R2".into(),
        (2, 2) => "2.2 Windows Server 2012 (and Windows 7)".into(),
        (2, 3) => "2.3 Windows Server 2012 R2 (and Windows 7)".into(),
        (2, 4) => "2.4 Windows Server 2016 (and Windows 7)".into(),
        (2, 5) => "2.5 Windows Server 2019 (and Windows 7)".into(),
        (m, n) => format!("{m}.{n}"),
    }
}

fn bytes<const N: usize>(table: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(src) = table.get(at..at + N) {
        out.copy_from_slice(src);
    }
    out
}

/// Parse a whole SLIC table. `Err` only when the table is not a readable ACPI table
/// (too short for its header, wrong signature, length field disagreeing with the bytes);
/// a table without valid public key and marker structures is a placeholder.
pub fn parse(table: &[u8]) -> Result<SlicTable> {
    let header = acpi::parse_header(table, Some(b"SLIC"), S)?;
    let table_checksum_ok = acpi::checksum_ok(table);
    let placeholder = |kind| Ok(SlicTable::Placeholder { header: header.clone(), table_checksum_ok, kind });
    if let Some(kind) = placeholder::generic(table) {
        return placeholder(kind);
    }
    if table.len() != SLIC_LEN {
        return placeholder(PlaceholderKind::SlicSize { length: header.length });
    }
    let f = Fields::new(table, S, 0);
    let pk = pubkey::START;
    let magic: [u8; 4] = bytes(table, pk + pubkey::MAGIC);
    if f.u32(pk + pubkey::TYPE)? != pubkey::TYPE_VALUE
        || f.u32(pk + pubkey::LENGTH)? != pubkey::LEN
        || &magic != pubkey::MAGIC_VALUE
    {
        return placeholder(PlaceholderKind::NoPublicKey { found: magic });
    }
    if table.get(pk + pubkey::MODULUS..pk + pubkey::LEN as usize).is_none_or(|k| k.iter().all(|&b| b == 0)) {
        return placeholder(PlaceholderKind::ZeroKey);
    }
    let m = marker::START;
    if f.u32(m + marker::TYPE)? != marker::TYPE_VALUE
        || f.u32(m + marker::LENGTH)? != marker::LEN
        || &bytes::<8>(table, m + marker::WINDOWS_FLAG) != marker::WINDOWS_FLAG_VALUE
    {
        return placeholder(PlaceholderKind::NoMarker);
    }

    let mut warnings = Vec::new();
    let (key_type, key_version, algorithm) =
        (f.u8(pk + pubkey::KEY_TYPE)?, f.u8(pk + pubkey::VERSION)?, f.u32(pk + pubkey::ALGORITHM)?);
    if key_type != pubkey::KEY_TYPE_VALUE
        || key_version != pubkey::VERSION_VALUE
        || algorithm != pubkey::ALGORITHM_VALUE
    {
        warnings.push(SlicWarning::PublicKeyHeader { key_type, version: key_version, algorithm });
    }
    let key_bits = f.u32(pk + pubkey::BIT_LENGTH)?;
    if key_bits != pubkey::BITS_VALUE {
        warnings.push(SlicWarning::KeyBits(key_bits));
    }
    let marker_version = f.u32(m + marker::VERSION)?;
    let (mut minor, mut major) = (f.u16(m + marker::SLIC_VERSION)?, f.u16(m + marker::SLIC_VERSION + 2)?);
    if major == 0 && minor == 0 {
        // Some 2.0 markers leave the SLIC version field reserved (zero): use the
        // marker's version dword instead.
        minor = (marker_version & 0xFFFF) as u16;
        major = (marker_version >> 16) as u16;
    } else if !marker::CONSTANT_VERSIONS.contains(&marker_version)
        && marker_version != (u32::from(major) << 16 | u32::from(minor))
    {
        warnings.push(SlicWarning::MarkerVersion { dword: marker_version });
    }
    let oem_id: [u8; 6] = bytes(table, m + marker::OEM_ID);
    let oem_table_id: [u8; 8] = bytes(table, m + marker::OEM_TABLE_ID);
    if oem_id != header.oem_id || oem_table_id != header.oem_table_id {
        warnings.push(SlicWarning::HeaderIdsDiffer);
    }
    Ok(SlicTable::Marker(Slic {
        header,
        table_checksum_ok,
        marker_version,
        version_major: major,
        version_minor: minor,
        oem_id,
        oem_table_id,
        key_bits,
        warnings,
    }))
}

/// Build a SLIC table (dummy modulus and signature) with a correct checksum, the
/// constant marker version dword real tables carry. For tests and fixtures.
pub fn build(oem_id: &[u8; 6], oem_table_id: &[u8; 8], major: u16, minor: u16) -> Vec<u8> {
    let mut t = acpi::header_bytes(b"SLIC", SLIC_LEN as u32, 1, oem_id, oem_table_id);
    // public key
    t.extend_from_slice(&pubkey::TYPE_VALUE.to_le_bytes());
    t.extend_from_slice(&pubkey::LEN.to_le_bytes());
    t.extend_from_slice(&[pubkey::KEY_TYPE_VALUE, pubkey::VERSION_VALUE, 0, 0]);
    t.extend_from_slice(&pubkey::ALGORITHM_VALUE.to_le_bytes());
    t.extend_from_slice(pubkey::MAGIC_VALUE);
    t.extend_from_slice(&pubkey::BITS_VALUE.to_le_bytes());
    t.extend_from_slice(&65537u32.to_le_bytes());
    t.extend_from_slice(&[0xA5; 128]);
    // marker
    t.extend_from_slice(&marker::TYPE_VALUE.to_le_bytes());
    t.extend_from_slice(&marker::LEN.to_le_bytes());
    t.extend_from_slice(&marker::CONSTANT_VERSIONS[0].to_le_bytes());
    t.extend_from_slice(oem_id);
    t.extend_from_slice(oem_table_id);
    t.extend_from_slice(marker::WINDOWS_FLAG_VALUE);
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

    fn marker_of(t: &[u8]) -> Slic {
        match parse(t).unwrap() {
            SlicTable::Marker(s) => s,
            other => panic!("{other:?}"),
        }
    }

    fn kind_of(t: &[u8]) -> PlaceholderKind {
        match parse(t).unwrap() {
            SlicTable::Placeholder { kind, .. } => kind,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn layout_constants_add_up() {
        assert_eq!(marker::START, 192);
        assert_eq!(marker::SIGNATURE + 128, marker::LEN as usize);
        assert_eq!(pubkey::MODULUS + 128, pubkey::LEN as usize);
        assert_eq!(marker::START + marker::LEN as usize, SLIC_LEN);
        assert_eq!(marker::RESERVED + 16, marker::SIGNATURE);
        assert_eq!(pubkey::EXPONENT + 4, pubkey::MODULUS);
    }

    #[test]
    fn parses_and_describes() {
        let t = build(b"DELL  ", b"CBX3    ", 2, 1);
        let s = marker_of(&t);
        assert!(s.table_checksum_ok);
        assert_eq!((s.version_major, s.version_minor), (2, 1));
        assert_eq!(s.activates(), "2.1 Windows 7/Server 2008 R2");
        assert_eq!(s.oem_id_str(), "DELL");
        assert_eq!(s.oem_table_id_str(), "CBX3");
        assert!(s.warnings.is_empty(), "the constant marker dword is no finding: {:?}", s.warnings);
        assert_eq!(describe_version(2, 0), "2.0 Vista/Server 2008");
        assert!(describe_version(2, 2).starts_with("2.2 Windows Server 2012"));
        assert!(describe_version(2, 3).starts_with("2.3 Windows Server 2012 R2"));
        assert_eq!(describe_version(3, 0), "3.0");
    }

    #[test]
    fn marker_dword_constants_and_odd_values() {
        for (dword, warns) in [(0x0002_0000u32, false), (0x0000_2000, false), (0x0002_0001, false), (0x1234_5678, true)]
        {
            let mut t = build(b"DELL  ", b"CBX3    ", 2, 1);
            t[marker::START + marker::VERSION..][..4].copy_from_slice(&dword.to_le_bytes());
            acpi::fix_checksum(&mut t);
            let s = marker_of(&t);
            assert_eq!(s.warnings.contains(&SlicWarning::MarkerVersion { dword }), warns, "{dword:#X}");
            assert_eq!((s.version_major, s.version_minor), (2, 1));
        }
    }

    /// Marker fields of real SLIC tables in public ACPI dumps (iASL disassemblies in
    /// public repositories): an Alienware (AMI) laptop, a Lenovo ThinkPad, an HP Elite x2
    /// G1. Each carries the marker version dword 0x00020000 and SLIC version 2.1 (bytes
    /// `01 00 02 00` after `WINDOWS `): the dword is a constant, not the version.
    type MarkerFields = (&'static [u8; 6], &'static [u8; 8], u32, u16, u16);
    const PUBLIC_DUMPS: &[MarkerFields] = &[
        (b"ALWARE", b"ALIENWRE", 0x0002_0000, 2, 1),
        (b"LENOVO", b"TP-8A   ", 0x0002_0000, 2, 1),
        (b"HPQOEM", b"SLIC-BPC", 0x0002_0000, 2, 1),
    ];

    #[test]
    fn real_marker_fields_give_no_warning() {
        for (oem, table, dword, major, minor) in PUBLIC_DUMPS {
            let mut t = build(oem, table, *major, *minor);
            t[marker::START + marker::VERSION..][..4].copy_from_slice(&dword.to_le_bytes());
            acpi::fix_checksum(&mut t);
            let s = marker_of(&t);
            assert!(s.warnings.is_empty(), "{:?}: {:?}", s.oem_id_str(), s.warnings);
            assert_eq!((s.version_major, s.version_minor, s.marker_version), (*major, *minor, *dword));
        }
        // iASL's SLIC template: RSA1 magic, but exponent 0 and an all-zero key.
        let mut t = build(b"INTEL ", b"TEMPLATE", 2, 1);
        t[pubkey::START + pubkey::EXPONENT..marker::START].fill(0);
        acpi::fix_checksum(&mut t);
        assert_eq!(kind_of(&t), PlaceholderKind::ZeroKey);
    }

    #[test]
    fn zero_version_field_falls_back_to_marker_version() {
        let mut t = build(b"DELL  ", b"CBX3    ", 2, 0);
        t[marker::START + marker::SLIC_VERSION..][..4].fill(0);
        acpi::fix_checksum(&mut t);
        let s = marker_of(&t);
        assert_eq!((s.version_major, s.version_minor), (2, 0));
    }

    #[test]
    fn missing_structures_are_placeholders() {
        let good = build(b"DELL  ", b"CBX3    ", 2, 1);
        for (off, what) in [
            (pubkey::START + pubkey::TYPE, "pk type"),
            (pubkey::START + pubkey::LENGTH, "pk len"),
            (pubkey::START + pubkey::MAGIC, "RSA1"),
            (marker::START + marker::TYPE, "m type"),
            (marker::START + marker::LENGTH, "m len"),
            (marker::START + marker::WINDOWS_FLAG, "WINDOWS"),
        ] {
            let mut t = good.clone();
            t[off] ^= 0x40;
            acpi::fix_checksum(&mut t);
            let k = kind_of(&t);
            assert!(matches!(k, PlaceholderKind::NoPublicKey { .. } | PlaceholderKind::NoMarker), "{what}: {k:?}");
        }
        // '1ASR' with a zero key and version.
        let mut t = good.clone();
        t[pubkey::START + pubkey::MAGIC..][..4].copy_from_slice(b"1ASR");
        t[pubkey::START + pubkey::KEY_TYPE..marker::START].fill(0);
        t[pubkey::START + pubkey::MAGIC..][..4].copy_from_slice(b"1ASR");
        acpi::fix_checksum(&mut t);
        assert_eq!(kind_of(&t), PlaceholderKind::NoPublicKey { found: *b"1ASR" });
        let mut ff = good[..36].to_vec();
        ff.extend_from_slice(&[0xFF; 338]);
        ff[4..8].copy_from_slice(&374u32.to_le_bytes());
        assert_eq!(kind_of(&ff), PlaceholderKind::AllFf);
        let mut hdr = good[..36].to_vec();
        hdr[4..8].copy_from_slice(&36u32.to_le_bytes());
        assert_eq!(kind_of(&hdr), PlaceholderKind::HeaderOnly);
        // A damaged dump (length field past the bytes) stays an error.
        assert!(parse(&good[..200]).is_err());
    }
}
