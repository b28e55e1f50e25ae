//! The 36-byte ACPI system description table header and checksum.

use crate::bytes::Fields;
use crate::error::{Error, Result};

/// Size of the standard header.
pub const HEADER_LEN: usize = 36;

/// Largest table accepted from any source (bounds every read before allocating).
pub const MAX_TABLE_LEN: usize = 1 << 20;

/// The standard header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcpiHeader {
    pub signature: [u8; 4],
    pub length: u32,
    pub revision: u8,
    pub checksum: u8,
    pub oem_id: [u8; 6],
    pub oem_table_id: [u8; 8],
    pub oem_revision: u32,
    pub creator_id: [u8; 4],
    pub creator_revision: u32,
}

impl AcpiHeader {
    pub fn oem_id_str(&self) -> String {
        ascii_field(&self.oem_id)
    }
    pub fn oem_table_id_str(&self) -> String {
        ascii_field(&self.oem_table_id)
    }
}

/// Printable form of a fixed-size ASCII field: trailing spaces/NULs trimmed, other
/// non-printable bytes shown as `\xNN`.
pub fn ascii_field(bytes: &[u8]) -> String {
    let end = bytes.iter().rposition(|&b| b != 0 && b != b' ').map_or(0, |p| p + 1);
    let mut s = String::new();
    for &b in &bytes[..end] {
        if b.is_ascii_graphic() || b == b' ' {
            s.push(b as char);
        } else {
            s.push_str(&format!("\\x{b:02X}"));
        }
    }
    s
}

/// Sum of all bytes is 0 mod 256.
pub fn checksum_ok(table: &[u8]) -> bool {
    table.iter().fold(0u8, |a, &b| a.wrapping_add(b)) == 0
}

/// `'MSDM'` for printable signatures, hex otherwise.
pub fn describe_signature(sig: &[u8]) -> String {
    if sig.iter().all(|&b| b.is_ascii_graphic() || b == b' ') {
        format!("'{}'", String::from_utf8_lossy(sig))
    } else {
        sig.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(" ")
    }
}

/// Parse a table of fixed size (MSDM, SLIC): the header as [`parse_header`], then the
/// exact length; returns the header and whether the checksum holds (not an error).
pub fn parse_fixed(table: &[u8], sig: &[u8; 4], len: usize, structure: &'static str) -> Result<(AcpiHeader, bool)> {
    let header = parse_header(table, Some(sig), structure)?;
    if table.len() != len {
        return Err(Error::invalid(structure, 4, "length", len.to_string(), table.len().to_string()));
    }
    Ok((header, checksum_ok(table)))
}

/// Parse the header of a whole table held in `table` (exactly one table: a dump file or
/// what the OS returned). Checks the signature (when `expected` is given), that the
/// length field covers at least the header and equals the number of bytes given, and
/// the size bound. The checksum is not an error: see [`checksum_ok`].
pub fn parse_header(table: &[u8], expected: Option<&[u8; 4]>, structure: &'static str) -> Result<AcpiHeader> {
    if table.len() > MAX_TABLE_LEN {
        return Err(Error::TooLarge { structure, offset: 0, size: table.len() as u64, limit: MAX_TABLE_LEN as u64 });
    }
    if table.len() < HEADER_LEN {
        return Err(Error::Truncated {
            structure,
            offset: 0,
            needed: HEADER_LEN as u64,
            available: table.len() as u64,
        });
    }
    let f = Fields::new(table, structure, 0);
    let mut signature = [0u8; 4];
    signature.copy_from_slice(f.bytes(0, 4)?);
    if let Some(exp) = expected
        && &signature != exp
    {
        return Err(Error::BadMagic {
            structure,
            offset: 0,
            expected: describe_signature(exp),
            actual: describe_signature(&signature),
        });
    }
    let length = f.u32(4)?;
    if (length as usize) < HEADER_LEN {
        return Err(Error::invalid(structure, 4, "length", format!("at least {HEADER_LEN}"), length.to_string()));
    }
    if length as usize > table.len() {
        return Err(Error::Truncated { structure, offset: 0, needed: length as u64, available: table.len() as u64 });
    }
    if (length as usize) < table.len() {
        return Err(Error::invalid(
            structure,
            4,
            "length",
            format!("the table size ({} bytes)", table.len()),
            format!("{length} ({} bytes of trailing data)", table.len() - length as usize),
        ));
    }
    let mut oem_id = [0u8; 6];
    oem_id.copy_from_slice(f.bytes(10, 6)?);
    let mut oem_table_id = [0u8; 8];
    oem_table_id.copy_from_slice(f.bytes(16, 8)?);
    let mut creator_id = [0u8; 4];
    creator_id.copy_from_slice(f.bytes(28, 4)?);
    Ok(AcpiHeader {
        signature,
        length,
        revision: f.u8(8)?,
        checksum: f.u8(9)?,
        oem_id,
        oem_table_id,
        oem_revision: f.u32(24)?,
        creator_id,
        creator_revision: f.u32(32)?,
    })
}

/// The 36-byte header of a table of `len` bytes, checksum byte 0 (set it with
/// [`fix_checksum`] once the body is in place). For tests and fixtures.
pub fn header_bytes(sig: &[u8; 4], len: u32, revision: u8, oem_id: &[u8; 6], oem_table_id: &[u8; 8]) -> Vec<u8> {
    let mut t = Vec::with_capacity(HEADER_LEN);
    t.extend_from_slice(sig);
    t.extend_from_slice(&len.to_le_bytes());
    t.push(revision);
    t.push(0);
    t.extend_from_slice(oem_id);
    t.extend_from_slice(oem_table_id);
    t.extend_from_slice(&1u32.to_le_bytes()); // OEM revision
    t.extend_from_slice(b"ACPI"); // creator id
    t.extend_from_slice(&0x0004_0000u32.to_le_bytes()); // creator revision
    t
}

/// Recompute the checksum byte so the table sums to zero (fixtures, tests).
pub fn fix_checksum(table: &mut [u8]) {
    if table.len() < HEADER_LEN {
        return;
    }
    table[9] = 0;
    let sum = table.iter().fold(0u8, |a, &b| a.wrapping_add(b));
    table[9] = 0u8.wrapping_sub(sum);
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn table(sig: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut t = Vec::new();
        t.extend_from_slice(sig);
        t.extend_from_slice(&((HEADER_LEN + body.len()) as u32).to_le_bytes());
        t.push(1);
        t.push(0);
        t.extend_from_slice(b"OEMID ");
        t.extend_from_slice(b"TABLEID ");
        t.extend_from_slice(&1u32.to_le_bytes());
        t.extend_from_slice(b"CRTR");
        t.extend_from_slice(&1u32.to_le_bytes());
        t.extend_from_slice(body);
        fix_checksum(&mut t);
        t
    }

    #[test]
    fn header_round_trip_and_checksum() {
        let t = table(b"RSDT", &[1, 2, 3, 4]);
        let h = parse_header(&t, Some(b"RSDT"), "RSDT").unwrap();
        assert_eq!(h.length, 40);
        assert_eq!(h.oem_id_str(), "OEMID");
        assert_eq!(h.oem_table_id_str(), "TABLEID");
        assert!(checksum_ok(&t));
        let mut bad = t.clone();
        bad[37] ^= 1;
        assert!(!checksum_ok(&bad));
    }

    #[test]
    fn length_errors() {
        let t = table(b"RSDT", &[0; 8]);
        assert!(matches!(parse_header(&t[..20], None, "RSDT"), Err(Error::Truncated { .. })));
        assert!(matches!(parse_header(&t[..40], None, "RSDT"), Err(Error::Truncated { needed: 44, .. })));
        let mut long = t.clone();
        long.push(0);
        assert!(matches!(parse_header(&long, None, "RSDT"), Err(Error::InvalidField { field: "length", .. })));
        let mut small = t.clone();
        small[4] = 10;
        assert!(matches!(parse_header(&small, None, "RSDT"), Err(Error::InvalidField { field: "length", .. })));
        assert!(matches!(parse_header(&t, Some(b"XSDT"), "XSDT"), Err(Error::BadMagic { .. })));
        let huge = vec![0u8; MAX_TABLE_LEN + 1];
        assert!(matches!(parse_header(&huge, None, "X"), Err(Error::TooLarge { .. })));
    }

    #[test]
    fn ascii_fields_are_escaped() {
        assert_eq!(ascii_field(b"AB\x01  \0"), "AB\\x01");
        assert_eq!(describe_signature(b"\xFFSDM"), "FF 53 44 4D");
    }
}
