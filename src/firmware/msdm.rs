//! ACPI MSDM (OEM Activation 3.0): the Windows 8+ product key in firmware.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 36 | ACPI header, signature `MSDM` |
//! | 36 | 4 | version = 1 |
//! | 40 | 4 | reserved = 0 |
//! | 44 | 4 | data type = 1 |
//! | 48 | 4 | data reserved = 0 |
//! | 52 | 4 | data length = 29 |
//! | 56 | 29 | product key `XXXXX-XXXXX-XXXXX-XXXXX-XXXXX` |

use super::acpi::{self, AcpiHeader};
use super::placeholder::PlaceholderKind;
use super::product_key::{self, DecodedKey, ProductKey};
use crate::bytes::Fields;
use crate::error::{Error, Result};

const S: &str = "MSDM";
/// The size of an MSDM table.
pub const MSDM_LEN: usize = 85;
/// Field offsets in the table (after the 36-byte ACPI header).
pub const VERSION: usize = 36;
pub const RESERVED: usize = 40;
pub const DATA_TYPE: usize = 44;
pub const DATA_RESERVED: usize = 48;
pub const DATA_LENGTH: usize = 52;
pub const KEY_OFFSET: usize = 56;

/// A placeholder MSDM (see [`super::placeholder`]): only the header, a body of all 0xFF
/// or all 0x00, or the documented fields around key bytes that are all 0x00, 0xFF or
/// spaces. `None` for anything else (a real table, or a damaged one: [`parse`] says).
pub fn placeholder_kind(table: &[u8]) -> Option<PlaceholderKind> {
    if let Some(k) = super::placeholder::generic(table) {
        return Some(k);
    }
    let key = table.get(KEY_OFFSET..)?;
    (table.len() == MSDM_LEN && key.iter().all(|&b| b == 0 || b == 0xFF || b == b' '))
        .then_some(PlaceholderKind::EmptyKey)
}

/// Non-fatal findings about an MSDM, with their values (fwts flags the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MsdmWarning {
    /// A reserved field (at `offset`) that is not zero.
    Reserved { offset: usize, value: u32 },
    /// The key's extra bit (114) is set.
    ExtraBit,
}

impl std::fmt::Display for MsdmWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MsdmWarning::Reserved { offset, value } if *offset == DATA_RESERVED => {
                write!(f, "MSDM data reserved field at offset {offset} is 0x{value:08X}, expected 0")
            }
            MsdmWarning::Reserved { offset, value } => {
                write!(f, "MSDM reserved field at offset {offset} is 0x{value:08X}, expected 0")
            }
            MsdmWarning::ExtraBit => write!(f, "product key has its extra bit (114) set"),
        }
    }
}

/// A parsed, validated MSDM table. The key's checksum and the table checksum are
/// reported, not enforced (a failing checksum is a finding for the gate). `Debug`
/// shows the key masked.
#[derive(Clone)]
pub struct Msdm {
    pub header: AcpiHeader,
    pub table_checksum_ok: bool,
    pub version: u32,
    pub data_type: u32,
    /// The full key. Never print it unmasked without the user's request.
    pub key: String,
    pub decoded: DecodedKey,
    /// Non-fatal findings, e.g. reserved fields that are not zero.
    pub warnings: Vec<MsdmWarning>,
}

impl std::fmt::Debug for Msdm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Msdm")
            .field("header", &self.header)
            .field("table_checksum_ok", &self.table_checksum_ok)
            .field("version", &self.version)
            .field("data_type", &self.data_type)
            .field("key", &super::mask_key(&self.key))
            .field("decoded", &self.decoded)
            .field("warnings", &self.warnings)
            .finish()
    }
}

/// Parse a whole MSDM table (exactly the table's bytes).
///
/// Errors: not an MSDM, truncated or over-long, length field disagreeing with the
/// bytes, version/data type/data length not the documented values, a key that is not
/// `XXXXX-XXXXX-XXXXX-XXXXX-XXXXX` over digits and capitals, a key without exactly one
/// `N` (pre-Windows 8 keys never belong in an MSDM) or out of the base-24 range.
pub fn parse(table: &[u8]) -> Result<Msdm> {
    let (header, table_checksum_ok) = acpi::parse_fixed(table, b"MSDM", MSDM_LEN, S)?;
    let f = Fields::new(table, S, 0);
    let mut warnings = Vec::new();
    let version = f.u32(VERSION)?;
    if version != 1 {
        return Err(Error::invalid(S, VERSION as u64, "version", "1", version.to_string()));
    }
    let reserved = f.u32(RESERVED)?;
    if reserved != 0 {
        warnings.push(MsdmWarning::Reserved { offset: RESERVED, value: reserved });
    }
    let data_type = f.u32(DATA_TYPE)?;
    if data_type != 1 {
        return Err(Error::invalid(S, DATA_TYPE as u64, "data type", "1 (product key)", data_type.to_string()));
    }
    let data_reserved = f.u32(DATA_RESERVED)?;
    if data_reserved != 0 {
        warnings.push(MsdmWarning::Reserved { offset: DATA_RESERVED, value: data_reserved });
    }
    let data_length = f.u32(DATA_LENGTH)?;
    if data_length as usize != product_key::KEY_LEN {
        return Err(Error::invalid(
            S,
            DATA_LENGTH as u64,
            "data length",
            product_key::KEY_LEN.to_string(),
            data_length.to_string(),
        ));
    }
    let key_bytes = f.bytes(KEY_OFFSET, product_key::KEY_LEN)?;
    let decoded = match product_key::parse_at(key_bytes, S, KEY_OFFSET as u64)? {
        ProductKey::Modern(d) => d,
        ProductKey::Legacy { .. } => {
            return Err(Error::invalid(
                S,
                KEY_OFFSET as u64,
                "key",
                "a Windows 8+ key with exactly one 'N'",
                "a key without 'N' (pre-Windows 8 format)",
            ));
        }
    };
    if decoded.fields.extra {
        warnings.push(MsdmWarning::ExtraBit);
    }
    // check_syntax admitted only ASCII, so this is valid UTF-8.
    let key = String::from_utf8_lossy(key_bytes).into_owned();
    Ok(Msdm { header, table_checksum_ok, version, data_type, key, decoded, warnings })
}

/// Build an MSDM table around `key` (29 bytes expected, not checked) with a correct
/// checksum. For tests and fixtures.
pub fn build(key: &[u8], oem_id: &[u8; 6], oem_table_id: &[u8; 8]) -> Vec<u8> {
    let mut t = acpi::header_bytes(b"MSDM", (KEY_OFFSET + key.len()) as u32, 3, oem_id, oem_table_id);
    for v in [1u32, 0, 1, 0, key.len() as u32] {
        t.extend_from_slice(&v.to_le_bytes());
    }
    t.extend_from_slice(key);
    acpi::fix_checksum(&mut t);
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRO_GVLK: &[u8] = b"W269N-WFGWX-YVC9B-4J6C9-T83GX";

    #[test]
    fn parses_a_good_table() {
        let t = build(PRO_GVLK, b"LENOVO", b"TP-N2H  ");
        let m = parse(&t).unwrap();
        assert!(m.table_checksum_ok);
        assert_eq!(m.key, "W269N-WFGWX-YVC9B-4J6C9-T83GX");
        assert_eq!(m.decoded.fields.group_id, 3311);
        assert!(m.decoded.checksum_ok());
        assert!(m.warnings.is_empty());
        assert_eq!(m.header.oem_id_str(), "LENOVO");
    }

    #[test]
    fn bad_checksum_is_a_finding() {
        let mut t = build(PRO_GVLK, b"LENOVO", b"TP-N2H  ");
        t[9] = t[9].wrapping_add(1);
        let m = parse(&t).unwrap();
        assert!(!m.table_checksum_ok);
    }

    #[test]
    fn reserved_fields_warn() {
        let mut t = build(PRO_GVLK, b"LENOVO", b"TP-N2H  ");
        t[40] = 1;
        t[48] = 2;
        acpi::fix_checksum(&mut t);
        assert_eq!(parse(&t).unwrap().warnings.len(), 2);
    }

    #[test]
    fn damaged_tables_fail() {
        let good = build(PRO_GVLK, b"LENOVO", b"TP-N2H  ");
        let mut cases: Vec<(&str, Vec<u8>)> = vec![("truncated", good[..60].to_vec())];
        let mut long = good.clone();
        long.extend_from_slice(&[0; 4]);
        cases.push(("trailing", long.clone()));
        long[4] = 89;
        acpi::fix_checksum(&mut long);
        cases.push(("over-long", long));
        let mut sig = good.clone();
        sig[0] = b'X';
        cases.push(("signature", sig));
        for (off, v) in [(36usize, 2u8), (44, 2), (52, 30)] {
            let mut t = good.clone();
            t[off] = v;
            cases.push(("field", t));
        }
        let mut nonascii = good.clone();
        nonascii[60] = 0xC3;
        cases.push(("non-ascii", nonascii));
        let mut no_n = good.clone();
        no_n[60] = b'B'; // W269N -> W269B
        cases.push(("no N", no_n));
        let mut two_n = good.clone();
        two_n[56 + 28] = b'N';
        cases.push(("two N", two_n));
        for (what, t) in cases {
            let e = parse(&t).expect_err(what);
            assert!(!e.to_string().contains('\n'), "{what}: {e}");
            assert!(!e.to_string().contains("W269N"), "{what}: the key leaks into: {e}");
        }
    }
}
