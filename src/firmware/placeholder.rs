//! Placeholder tables: real firmware carries MSDM and SLIC tables that hold no key or
//! marker at all (a body of all `0xFF` or all `0x00`, only the 36-byte header, a SLIC
//! whose public-key magic is written `1ASR` with a zero key, a garbage marker). They are
//! "no key" / "no marker", never an unreadable table. Typed here; reporters say it in
//! English.

use serde::Serialize;

/// What makes a table a placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum PlaceholderKind {
    /// The table is only the 36-byte ACPI header.
    HeaderOnly,
    /// Every byte after the header is 0xFF.
    AllFf,
    /// Every byte after the header is 0x00.
    AllZero,
    /// An MSDM with the documented fields whose key bytes are all 0x00, 0xFF or spaces.
    EmptyKey,
    /// A SLIC that is not the 374-byte OA 2.x layout.
    SlicSize { length: u32 },
    /// A SLIC whose OEM public key structure is not valid (type, length, or the `RSA1`
    /// magic: `found` is what stands there, e.g. `1ASR`).
    NoPublicKey { found: [u8; 4] },
    /// A SLIC whose `RSA1` public key (modulus) is all zero, as template tables have
    /// (iASL's SLIC template: OEM ids `INTEL `/`TEMPLATE`, exponent 0, zero modulus).
    ZeroKey,
    /// A SLIC whose Windows marker structure is not valid (type, length or the
    /// `WINDOWS ` flag).
    NoMarker,
}

/// A placeholder table found in the firmware.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Placeholder {
    /// `MSDM` or `SLIC`.
    pub table: String,
    pub evidence: String,
    #[serde(flatten)]
    pub kind: PlaceholderKind,
    pub table_checksum_ok: bool,
    pub oem_id: String,
    pub oem_table_id: String,
}

/// The kinds every table shares: header only, body all 0xFF, body all 0x00.
pub fn generic(table: &[u8]) -> Option<PlaceholderKind> {
    let body = table.get(super::acpi::HEADER_LEN..)?;
    if body.is_empty() {
        Some(PlaceholderKind::HeaderOnly)
    } else if body.iter().all(|&b| b == 0xFF) {
        Some(PlaceholderKind::AllFf)
    } else if body.iter().all(|&b| b == 0) {
        Some(PlaceholderKind::AllZero)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_kinds() {
        let mut t = vec![0u8; 36];
        assert_eq!(generic(&t), Some(PlaceholderKind::HeaderOnly));
        t.extend_from_slice(&[0xFF; 49]);
        assert_eq!(generic(&t), Some(PlaceholderKind::AllFf));
        t[40] = 0;
        assert_eq!(generic(&t), None);
        t[36..].fill(0);
        assert_eq!(generic(&t), Some(PlaceholderKind::AllZero));
        assert_eq!(generic(&t[..20]), None);
    }
}
