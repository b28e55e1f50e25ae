//! Windows product keys: the 25-character `XXXXX-XXXXX-XXXXX-XXXXX-XXXXX` form.
//!
//! Windows 8 and later keys ("N keys") hold exactly one `N`. Dropping it, its position
//! (0..=23) is the most significant base-24 digit, followed by the other 24 characters,
//! most significant first, over the alphabet `BCDFGHJKMPQRTVWXY2346789`. The resulting
//! 128-bit value carries:
//!
//! | bits    | field          |
//! |---------|----------------|
//! | 0-19    | group id       |
//! | 20-49   | serial         |
//! | 50-102  | security value |
//! | 103-112 | checksum       |
//! | 113     | upgrade bit    |
//! | 114     | extra bit      |
//!
//! The checksum is the low 10 bits of CRC-32/BZIP2 over the value (checksum bits
//! cleared) written as 16 little-endian bytes. Keys without an `N` are pre-Windows 8
//! keys: recognised, but their fields are not decoded here.
//!
//! Everything is a pure function over bytes/strings so it can be fuzzed.

use crate::error::{Error, Result};

/// The 24 symbols of a product key, in digit order.
pub const ALPHABET: &[u8; 24] = b"BCDFGHJKMPQRTVWXY2346789";

const STRUCTURE: &str = "product key";

/// Length of `XXXXX-XXXXX-XXXXX-XXXXX-XXXXX`.
pub const KEY_LEN: usize = 29;

const CRC_BZIP2: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_BZIP2);

const GROUP_BITS: (u32, u32) = (0, 20);
const SERIAL_BITS: (u32, u32) = (20, 30);
const SECURITY_BITS: (u32, u32) = (50, 53);
const CHECKSUM_BITS: (u32, u32) = (103, 10);
const UPGRADE_BIT: u32 = 113;
const EXTRA_BIT: u32 = 114;

/// The fields of a Windows 8+ key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyFields {
    pub group_id: u32,
    pub serial: u32,
    pub security: u64,
    pub upgrade: bool,
    pub extra: bool,
}

/// A decoded Windows 8+ key. `Debug` leaves out the value and the security field
/// (together with the rest they give the whole key back).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct DecodedKey {
    pub fields: KeyFields,
    /// The checksum stored in the key (10 bits).
    pub checksum: u16,
    /// The checksum computed from the other fields.
    pub computed_checksum: u16,
    /// Where the `N` sits among the 25 key characters (0-based, dashes not counted).
    pub n_position: u8,
    /// The raw 128-bit value.
    pub value: u128,
}

impl std::fmt::Debug for DecodedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecodedKey")
            .field("group_id", &self.fields.group_id)
            .field("serial", &self.fields.serial)
            .field("upgrade", &self.fields.upgrade)
            .field("extra", &self.fields.extra)
            .field("checksum", &self.checksum)
            .field("computed_checksum", &self.computed_checksum)
            .field("n_position", &self.n_position)
            .finish_non_exhaustive()
    }
}

impl DecodedKey {
    pub fn checksum_ok(&self) -> bool {
        self.checksum == self.computed_checksum
    }
}

/// What a syntactically valid key is. `Debug` never shows a legacy key's value.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ProductKey {
    /// Windows 8 and later (one `N`).
    Modern(DecodedKey),
    /// Pre-Windows 8 (no `N`): the 25 base-24 digits as a value; fields not decoded.
    Legacy { value: u128 },
}

impl std::fmt::Debug for ProductKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProductKey::Modern(d) => f.debug_tuple("Modern").field(d).finish(),
            ProductKey::Legacy { .. } => f.write_str("Legacy { .. }"),
        }
    }
}

fn field(value: u128, (lo, width): (u32, u32)) -> u128 {
    (value >> lo) & ((1u128 << width) - 1)
}

/// The 10-bit checksum of `value` (its checksum bits are ignored).
pub fn checksum_of(value: u128) -> u16 {
    let mask = ((1u128 << CHECKSUM_BITS.1) - 1) << CHECKSUM_BITS.0;
    let bytes = (value & !mask).to_le_bytes();
    (CRC_BZIP2.checksum(&bytes) & 0x3FF) as u16
}

/// Check the `XXXXX-XXXXX-XXXXX-XXXXX-XXXXX` shape (fwts's checks): length 29, dashes at
/// every 6th position and nowhere else, otherwise only digits and capital letters.
/// `base` is the offset of the key inside its table, for messages.
pub fn check_syntax(key: &[u8], structure: &'static str, base: u64) -> Result<()> {
    if key.len() != KEY_LEN {
        return Err(Error::invalid(structure, base, "key length", KEY_LEN.to_string(), key.len().to_string()));
    }
    for (i, &c) in key.iter().enumerate() {
        let off = base + i as u64;
        if i % 6 == 5 {
            if c != b'-' {
                return Err(Error::invalid(
                    structure,
                    off,
                    "key character",
                    "'-' at every 6th position",
                    describe_byte(c),
                ));
            }
        } else if !(c.is_ascii_digit() || c.is_ascii_uppercase()) {
            return Err(Error::invalid(structure, off, "key character", "a digit or capital letter", describe_byte(c)));
        }
    }
    Ok(())
}

/// `'A'` for printable ASCII, `byte 0xC3` otherwise (never echo raw bytes).
pub fn describe_byte(c: u8) -> String {
    if c.is_ascii_graphic() || c == b' ' { format!("'{}'", c as char) } else { format!("byte 0x{c:02X}") }
}

/// Parse and decode a key. Errors (one line each): wrong shape, a character outside the
/// key alphabet, two or more `N`s, an out-of-range leading digit. A key without `N` is
/// returned as [`ProductKey::Legacy`]; the caller decides whether that is acceptable.
pub fn parse(key: &str) -> Result<ProductKey> {
    parse_at(key.as_bytes(), STRUCTURE, 0)
}

/// [`parse`] with the structure name and offset used in error messages.
pub fn parse_at(key: &[u8], structure: &'static str, base: u64) -> Result<ProductKey> {
    check_syntax(key, structure, base)?;
    let mut digits: Vec<u8> = Vec::with_capacity(25);
    let mut n_pos: Option<usize> = None;
    let mut symbols = 0usize;
    for (i, &c) in key.iter().enumerate() {
        if i % 6 == 5 {
            continue;
        }
        let off = base + i as u64;
        if c == b'N' {
            if n_pos.is_some() {
                return Err(Error::invalid(structure, off, "key", "exactly one 'N'", "a second 'N'"));
            }
            n_pos = Some(symbols);
        } else {
            match ALPHABET.iter().position(|&a| a == c) {
                Some(d) => digits.push(d as u8),
                None => {
                    return Err(Error::invalid(
                        structure,
                        off,
                        "key character",
                        "one of BCDFGHJKMPQRTVWXY2346789 or N",
                        describe_byte(c),
                    ));
                }
            }
        }
        symbols += 1;
    }
    let mut value: u128 = 0;
    match n_pos {
        None => {
            // 25 digits < 24^25 < 2^115: no overflow.
            for d in digits {
                value = value * 24 + d as u128;
            }
            Ok(ProductKey::Legacy { value })
        }
        Some(pos) => {
            if pos >= 24 {
                return Err(Error::invalid(
                    structure,
                    base + 28,
                    "key",
                    "the 'N' within the first 24 characters (its position is a base-24 digit, 0..23)",
                    format!("'N' at position {pos}"),
                ));
            }
            value = pos as u128;
            for d in digits {
                value = value * 24 + d as u128;
            }
            if value >> (EXTRA_BIT + 1) != 0 {
                return Err(Error::invalid(
                    structure,
                    base,
                    "key value",
                    "below 2^115",
                    "a larger value (out-of-range base-24 value)",
                ));
            }
            Ok(ProductKey::Modern(decode_value(value, pos as u8)))
        }
    }
}

fn decode_value(value: u128, n_position: u8) -> DecodedKey {
    DecodedKey {
        fields: KeyFields {
            group_id: field(value, GROUP_BITS) as u32,
            serial: field(value, SERIAL_BITS) as u32,
            security: field(value, SECURITY_BITS) as u64,
            upgrade: field(value, (UPGRADE_BIT, 1)) == 1,
            extra: field(value, (EXTRA_BIT, 1)) == 1,
        },
        checksum: field(value, CHECKSUM_BITS) as u16,
        computed_checksum: checksum_of(value),
        n_position,
        value,
    }
}

/// Encode key fields into a key with a correct checksum. Returns `None` when a field
/// does not fit its width or the value cannot be written with the `N` inside the key
/// (leading digit above 23). Used to build test keys and fixtures.
pub fn encode(fields: &KeyFields) -> Option<String> {
    encode_with_checksum(fields, None)
}

/// Like [`encode`], but with a chosen checksum (`Some`) instead of the correct one:
/// makes keys whose checksum fails, for tests.
pub fn encode_with_checksum(f: &KeyFields, checksum: Option<u16>) -> Option<String> {
    if f.group_id >= 1 << GROUP_BITS.1 || f.serial >= 1 << SERIAL_BITS.1 || f.security >= 1 << SECURITY_BITS.1 {
        return None;
    }
    let mut value: u128 = (f.group_id as u128)
        | (f.serial as u128) << SERIAL_BITS.0
        | (f.security as u128) << SECURITY_BITS.0
        | (f.upgrade as u128) << UPGRADE_BIT
        | (f.extra as u128) << EXTRA_BIT;
    let sum = match checksum {
        Some(c) if c < 1 << CHECKSUM_BITS.1 => c,
        Some(_) => return None,
        None => checksum_of(value),
    };
    value |= (sum as u128) << CHECKSUM_BITS.0;
    // 25 base-24 digits, most significant first.
    let mut digits = [0u8; 25];
    let mut v = value;
    for d in digits.iter_mut().rev() {
        *d = (v % 24) as u8;
        v /= 24;
    }
    if v != 0 || digits[0] >= 24 {
        return None;
    }
    let n_pos = digits[0] as usize;
    let mut chars: Vec<u8> = digits[1..].iter().map(|&d| ALPHABET[d as usize]).collect();
    chars.insert(n_pos, b'N');
    let mut out = String::with_capacity(KEY_LEN);
    for (i, c) in chars.iter().enumerate() {
        if i > 0 && i % 5 == 0 {
            out.push('-');
        }
        out.push(*c as char);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modern(key: &str) -> DecodedKey {
        match parse(key).unwrap() {
            ProductKey::Modern(d) => d,
            other => panic!("{key}: {other:?}"),
        }
    }

    #[test]
    fn shared_gvlk_vectors_decode_to_their_groups() {
        for (key, group) in [
            ("W269N-WFGWX-YVC9B-4J6C9-T83GX", 3311),
            ("MH37W-N47XK-V7XM9-C7227-GCQG9", 3319),
            ("NPPR9-FWDCX-D2C8J-H872K-2YT43", 3290),
            ("VDYBN-27WPP-V4HQT-9VMD4-VMK7H", 4541),
            ("WX4NM-KYWYW-QJJR4-XV3QB-6VM33", 4546),
        ] {
            let d = modern(key);
            assert_eq!(d.fields.group_id, group, "{key}");
            assert!(d.checksum_ok(), "{key}: stored {} computed {}", d.checksum, d.computed_checksum);
            assert!(!d.fields.extra, "{key}");
        }
    }

    #[test]
    fn round_trip() {
        let f = KeyFields {
            group_id: 3305,
            serial: 123_456_789,
            security: 0x1F_FFFF_FFFF_FFFF,
            upgrade: false,
            extra: false,
        };
        let k = encode(&f).unwrap();
        let d = modern(&k);
        assert_eq!(d.fields, f);
        assert!(d.checksum_ok());
        let up = KeyFields { upgrade: true, ..f };
        assert_eq!(modern(&encode(&up).unwrap()).fields, up);
    }

    #[test]
    fn wrong_checksum_is_reported_not_rejected() {
        let f = KeyFields { group_id: 3258, serial: 1, security: 2, upgrade: false, extra: false };
        let good = modern(&encode(&f).unwrap()).checksum;
        let k = encode_with_checksum(&f, Some((good + 1) & 0x3FF)).unwrap();
        let d = modern(&k);
        assert_eq!(d.fields, f);
        assert!(!d.checksum_ok());
    }

    #[test]
    fn encoder_refuses_fields_that_do_not_fit() {
        let f = KeyFields { group_id: 1 << 20, serial: 0, security: 0, upgrade: false, extra: false };
        assert!(encode(&f).is_none());
        let f = KeyFields { group_id: 0, serial: 1 << 30, security: 0, upgrade: false, extra: false };
        assert!(encode(&f).is_none());
    }

    #[test]
    fn legacy_keys_are_recognised() {
        // Windows 7 Professional KMS client key (published by Microsoft).
        assert!(matches!(parse("FJ82H-XT6CR-J8D7P-XQJJ2-GPDD4").unwrap(), ProductKey::Legacy { .. }));
    }

    #[test]
    fn bad_keys_fail_with_one_line() {
        for bad in [
            "W269N-WFGWX-YVC9B-4J6C9-T83G",   // short
            "W269N-WFGWX-YVC9B-4J6C9-T83GXX", // long
            "W269NWWFGWX-YVC9B-4J6C9-T83GX",  // dash missing
            "W269N-WFGWX-YVC9B-4J6C9-t83GX",  // lower case
            "W269N-WFGWX-YVC9B-4J6C9-T83GA",  // A not in alphabet
            "W269N-WFGWX-YVC9B-4J6C9-T8NGN",  // two N
            "BBBBB-BBBBB-BBBBB-BBBBB-BBBBN",  // N at position 24: leading digit 24
        ] {
            let e = parse(bad).unwrap_err();
            let line = e.to_string();
            assert!(!line.contains('\n'), "{line}");
            assert!(matches!(e, Error::InvalidField { .. }), "{bad}: {e:?}");
        }
    }

    #[test]
    fn non_ascii_bytes_are_described_not_echoed() {
        let mut k = b"W269N-WFGWX-YVC9B-4J6C9-T83GX".to_vec();
        k[3] = 0xC3;
        let e = parse_at(&k, "MSDM", 56).unwrap_err();
        assert!(e.to_string().contains("byte 0xC3"), "{e}");
        assert!(e.to_string().contains("offset 59"), "{e}");
    }
}
