//! SMBIOS structure table: system information (type 1) from the raw table, as Linux
//! exposes it (`/sys/firmware/dmi/tables/DMI`) or inside the Windows `RSMB` blob
//! (8-byte header + table).

use super::SmbiosFacts;
use crate::error::{Error, Result};

const S: &str = "SMBIOS";
/// Bound on the table size accepted.
pub const MAX_SMBIOS_LEN: usize = 1 << 20;
/// Bound on the number of structures walked.
const MAX_STRUCTURES: usize = 4096;

/// Parse the Windows `GetSystemFirmwareTable('RSMB')` blob: `Used20CallingMethod` u8,
/// major u8, minor u8, DMI revision u8, table length u32, then the table.
pub fn parse_rsmb(blob: &[u8]) -> Result<SmbiosFacts> {
    if blob.len() < 8 {
        return Err(Error::Truncated { structure: "RSMB", offset: 0, needed: 8, available: blob.len() as u64 });
    }
    let len = u32::from_le_bytes([blob[4], blob[5], blob[6], blob[7]]) as usize;
    if len > blob.len() - 8 {
        return Err(Error::Truncated {
            structure: "RSMB",
            offset: 8,
            needed: len as u64,
            available: (blob.len() - 8) as u64,
        });
    }
    parse_table(&blob[8..8 + len])
}

/// SMBIOS facts from what the platform exposes (a table, an RSMB blob, or Linux's
/// `/sys/class/dmi/id` strings with the raw table as the serial's fallback).
pub fn parse_raw(raw: &crate::platform::SmbiosRaw) -> Result<SmbiosFacts> {
    use crate::platform::SmbiosRaw;
    match raw {
        SmbiosRaw::Table(t) => parse_table(t),
        SmbiosRaw::Rsmb(b) => parse_rsmb(b),
        SmbiosRaw::DmiStrings { vendor, product, serial, table } => {
            let s = |b: &Option<Vec<u8>>| b.as_deref().map(clean).filter(|s| !s.is_empty());
            let mut f = SmbiosFacts { manufacturer: s(vendor), product: s(product), serial: s(serial), uuid: None };
            if let Some(t) = table
                && let Ok(from_table) = parse_table(t)
            {
                f.uuid = from_table.uuid;
            }
            if f.serial.is_none()
                && let Some(t) = table
                && let Ok(from_table) = parse_table(t)
            {
                f.serial = from_table.serial;
            }
            Ok(f)
        }
    }
}

/// Walk the structure table and return the system information (type 1) strings.
/// A table without type 1 gives empty facts.
pub fn parse_table(table: &[u8]) -> Result<SmbiosFacts> {
    if table.len() > MAX_SMBIOS_LEN {
        return Err(Error::TooLarge {
            structure: S,
            offset: 0,
            size: table.len() as u64,
            limit: MAX_SMBIOS_LEN as u64,
        });
    }
    let mut off = 0usize;
    for _ in 0..MAX_STRUCTURES {
        if off + 4 > table.len() {
            break; // end of table without a type 127 terminator: tolerated
        }
        let typ = table[off];
        let len = table[off + 1] as usize;
        if len < 4 {
            return Err(Error::invalid(S, off as u64 + 1, "structure length", "at least 4", len.to_string()));
        }
        if off + len > table.len() {
            return Err(Error::Truncated {
                structure: S,
                offset: off as u64,
                needed: len as u64,
                available: (table.len() - off) as u64,
            });
        }
        let formatted = &table[off..off + len];
        // Strings: NUL-terminated, the set ends with an extra NUL.
        let strings_start = off + len;
        let mut end = strings_start;
        loop {
            if end + 1 >= table.len() {
                return Err(Error::malformed(S, strings_start as u64, "string set runs past the end of the table"));
            }
            if table[end] == 0 && table[end + 1] == 0 {
                break;
            }
            end += 1;
        }
        let strings: Vec<&[u8]> =
            if end == strings_start { Vec::new() } else { table[strings_start..end].split(|&b| b == 0).collect() };
        if typ == 1 {
            let get = |field: usize| -> Option<String> {
                let idx = *formatted.get(field)? as usize;
                if idx == 0 {
                    return None;
                }
                let s = clean(strings.get(idx - 1)?);
                (!s.is_empty()).then_some(s)
            };
            return Ok(SmbiosFacts { manufacturer: get(4), product: get(5), serial: get(7), uuid: uuid(formatted) });
        }
        if typ == 127 {
            break;
        }
        off = end + 2;
    }
    Ok(SmbiosFacts::default())
}

/// The system UUID of a type 1 structure (offset 8, 16 bytes; SMBIOS 2.6 stores the
/// first three fields little-endian), or `None` when the structure is too short or the
/// UUID is all zero (not present) or all 0xFF (not set).
fn uuid(formatted: &[u8]) -> Option<String> {
    let b = formatted.get(8..24)?;
    if b.iter().all(|&x| x == 0) || b.iter().all(|&x| x == 0xFF) {
        return None;
    }
    let order = [3usize, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
    let mut out = String::with_capacity(36);
    for (n, &i) in order.iter().enumerate() {
        if matches!(n, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push_str(&format!("{:02X}", b.get(i)?));
    }
    Some(out)
}

/// Trim and replace non-printable bytes (strings are ASCII-ish; never trust them).
pub fn clean(bytes: &[u8]) -> String {
    let lossy = String::from_utf8_lossy(bytes);
    lossy.trim().chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A type 0 (empty strings), a type 1 and a type 127.
    pub(crate) fn sample() -> Vec<u8> {
        let mut t = vec![0u8, 4, 0, 0, 0, 0];
        let mut t1 = vec![1u8, 27, 1, 0, 1, 2, 0, 3];
        t1.resize(27, 0);
        t.extend_from_slice(&t1);
        t.extend_from_slice(b"ACME Corp\0Model 9\0SN-123 \0\0");
        t.extend_from_slice(&[127, 4, 2, 0, 0, 0]);
        t
    }

    #[test]
    fn reads_the_uuid_in_smbios_byte_order() {
        let mut t1 = vec![1u8, 27, 1, 0, 1, 2, 0, 3];
        t1.extend_from_slice(&[
            0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF,
        ]);
        t1.resize(27, 0);
        t1.extend_from_slice(b"A\0B\0C\0\0");
        let f = parse_table(&t1).unwrap();
        assert_eq!(f.uuid.as_deref(), Some("00112233-4455-6677-8899-AABBCCDDEEFF"));
        assert_eq!(parse_table(&sample()).unwrap().uuid, None, "all zero: not present");
    }

    #[test]
    fn reads_type1() {
        let f = parse_table(&sample()).unwrap();
        assert_eq!(f.manufacturer.as_deref(), Some("ACME Corp"));
        assert_eq!(f.product.as_deref(), Some("Model 9"));
        assert_eq!(f.serial.as_deref(), Some("SN-123"));
        let mut blob = vec![0u8, 3, 4, 0];
        blob.extend_from_slice(&(sample().len() as u32).to_le_bytes());
        blob.extend_from_slice(&sample());
        assert_eq!(parse_rsmb(&blob).unwrap().product.as_deref(), Some("Model 9"));
    }

    #[test]
    fn damaged_tables_fail_without_panic() {
        let s = sample();
        for cut in 0..s.len() {
            let _ = parse_table(&s[..cut]);
        }
        let mut bad = s.clone();
        bad[1] = 2;
        assert!(parse_table(&bad).is_err());
        assert!(parse_rsmb(&[0, 3, 4, 0, 200, 0, 0, 0, 1]).is_err());
    }

    #[test]
    fn clean_trims_before_escaping() {
        assert_eq!(clean(b"  Maker\n"), "Maker");
        assert_eq!(clean(b"A\x01B\n"), "A?B");
    }
}
