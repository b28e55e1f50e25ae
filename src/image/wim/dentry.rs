//! The directory entry ("dentry") of a metadata resource, and the extra stream entries
//! that follow it.
//!
//! Layout of a dentry (little-endian, 102 fixed bytes):
//!
//! | offset | size | field |
//! |---:|---:|---|
//! | 0x00 | 8 | length of the dentry (not counting extra stream entries); rounded up to 8; 8 or less ends a directory's child list |
//! | 0x08 | 4 | file attributes (`FILE_ATTRIBUTE_*`) |
//! | 0x0C | 4 | security id (index into the security data, 0xFFFFFFFF = none) |
//! | 0x10 | 8 | subdir offset: where this directory's child list starts in the resource (0 = none) |
//! | 0x18 | 16 | reserved |
//! | 0x28 | 8×3 | creation, last access, last write time (100 ns since 1601-01-01 UTC) |
//! | 0x40 | 20 | SHA-1 of the main stream (zero when empty or when the extra entries carry it) |
//! | 0x54 | 4 | unknown |
//! | 0x58 | 8 | reparse points: u32 reparse tag, u16 reserved, u16 flags; others: hard link group id |
//! | 0x60 | 2 | number of extra stream entries |
//! | 0x62 | 2 | short name length in bytes |
//! | 0x64 | 2 | long name length in bytes |
//! | 0x66 | … | long name UTF-16LE + NUL (when non-empty), short name + NUL (when non-empty), tagged items up to `length` |
//!
//! Extra stream entries start at the dentry's offset + its rounded length, each 8-byte
//! aligned: u64 length, u64 reserved, 20-byte SHA-1, u16 name length, UTF-16LE name
//! (+ NUL when named). Every length is checked against the resource before use; only
//! the fixed fields, the names and the stream entries are read, never the tagged items.

use crate::error::{Error, Result};
use crate::source::ReadAt;

const S: &str = "WIM directory entry";
const SE: &str = "WIM extra stream entry";

/// Fixed part of a dentry, up to and including the long name length.
pub const DENTRY_FIXED: u64 = 102;
/// Fixed part of an extra stream entry, up to and including the name length.
pub const STREAM_FIXED: u64 = 38;

pub const FILE_ATTRIBUTE_READONLY: u32 = 0x1;
pub const FILE_ATTRIBUTE_HIDDEN: u32 = 0x2;
pub const FILE_ATTRIBUTE_SYSTEM: u32 = 0x4;
pub const FILE_ATTRIBUTE_DIRECTORY: u32 = 0x10;
pub const FILE_ATTRIBUTE_ARCHIVE: u32 = 0x20;
pub const FILE_ATTRIBUTE_NORMAL: u32 = 0x80;
pub const FILE_ATTRIBUTE_SPARSE_FILE: u32 = 0x200;
pub const FILE_ATTRIBUTE_REPARSE_POINT: u32 = 0x400;
pub const FILE_ATTRIBUTE_COMPRESSED: u32 = 0x800;
pub const FILE_ATTRIBUTE_ENCRYPTED: u32 = 0x4000;

pub const ZERO_HASH: [u8; 20] = [0; 20];

/// One extra stream entry: a named data stream, or an unnamed one (the main data or
/// reparse data when the dentry's own hash is zero).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamEntry {
    /// UTF-16 code units; empty for the unnamed stream.
    pub name: Vec<u16>,
    /// SHA-1 of the stream's data; zero for an empty stream.
    pub hash: [u8; 20],
}

/// One directory entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dentry {
    /// Where this dentry starts in the metadata resource.
    pub offset: u64,
    /// Where the next sibling starts (after the extra stream entries).
    pub next_offset: u64,
    pub attributes: u32,
    pub security_id: u32,
    pub subdir_offset: u64,
    pub creation_time: u64,
    pub last_access_time: u64,
    pub last_write_time: u64,
    pub main_hash: [u8; 20],
    /// The reparse tag, for reparse points.
    pub reparse_tag: Option<u32>,
    /// The hard link group id (0 = not hard linked); 0 for reparse points.
    pub hard_link_group: u64,
    /// Long name, UTF-16 code units (empty for the root).
    pub name: Vec<u16>,
    /// Short (8.3) name, UTF-16 code units, possibly empty.
    pub short_name: Vec<u16>,
    pub streams: Vec<StreamEntry>,
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}
fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}
fn le64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}
fn align8(v: u64) -> Option<u64> {
    v.checked_add(7).map(|v| v & !7)
}

fn utf16(bytes: &[u8]) -> Vec<u16> {
    bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect()
}

/// Read `len` bytes at `offset` of `src`, which the caller has bounds-checked.
fn read_vec(src: &dyn ReadAt, offset: u64, len: u64) -> Result<Vec<u8>> {
    // `len` is at most 102 + 2 × 65,537 or 38 + 65,537: small.
    let mut b = vec![0u8; len as usize];
    src.read_exact_at(offset, &mut b)?;
    Ok(b)
}

impl Dentry {
    /// Read the dentry at `offset` of the uncompressed metadata resource `src`.
    /// `Ok(None)` is the end of a child list (a length of 8 or less).
    pub fn read(src: &dyn ReadAt, offset: u64) -> Result<Option<Dentry>> {
        let total = src.len();
        let room = total.checked_sub(offset).filter(|&r| r >= 8).ok_or(Error::Truncated {
            structure: S,
            offset,
            needed: 8,
            available: total.saturating_sub(offset),
        })?;
        let mut lb = [0u8; 8];
        src.read_exact_at(offset, &mut lb)?;
        let stated = u64::from_le_bytes(lb);
        let length =
            align8(stated).ok_or_else(|| Error::invalid(S, offset, "length", "a dentry length", stated.to_string()))?;
        if length <= 8 {
            return Ok(None);
        }
        if length < DENTRY_FIXED {
            return Err(Error::invalid(S, offset, "length", format!("at least {DENTRY_FIXED}"), stated.to_string()));
        }
        if length > room {
            return Err(Error::invalid(
                S,
                offset,
                "length",
                format!("at most the {room} bytes left in the metadata resource"),
                stated.to_string(),
            ));
        }
        let fixed = read_vec(src, offset, DENTRY_FIXED)?;
        let attributes = le32(&fixed, 0x08);
        let num_streams = le16(&fixed, 0x60);
        let short_len = u64::from(le16(&fixed, 0x62));
        let name_len = u64::from(le16(&fixed, 0x64));
        if name_len % 2 != 0 {
            return Err(Error::invalid(
                S,
                offset + 0x64,
                "name length",
                "an even number of bytes",
                name_len.to_string(),
            ));
        }
        if short_len % 2 != 0 {
            return Err(Error::invalid(
                S,
                offset + 0x62,
                "short name length",
                "an even number of bytes",
                short_len.to_string(),
            ));
        }
        let names_len = if name_len > 0 { name_len + 2 } else { 0 } + if short_len > 0 { short_len + 2 } else { 0 };
        if DENTRY_FIXED + names_len > length {
            return Err(Error::invalid(
                S,
                offset,
                "length",
                format!("at least {} (fixed fields and names)", DENTRY_FIXED + names_len),
                stated.to_string(),
            ));
        }
        let names = read_vec(src, offset + DENTRY_FIXED, names_len)?;
        let name = utf16(&names[..name_len as usize]);
        let short_name = if short_len > 0 {
            let start = if name_len > 0 { name_len as usize + 2 } else { 0 };
            utf16(&names[start..start + short_len as usize])
        } else {
            Vec::new()
        };
        let reparse = attributes & FILE_ATTRIBUTE_REPARSE_POINT != 0;
        let mut d = Dentry {
            offset,
            next_offset: 0,
            attributes,
            security_id: le32(&fixed, 0x0C),
            subdir_offset: le64(&fixed, 0x10),
            creation_time: le64(&fixed, 0x28),
            last_access_time: le64(&fixed, 0x30),
            last_write_time: le64(&fixed, 0x38),
            main_hash: fixed[0x40..0x54].try_into().expect("20 bytes"),
            reparse_tag: reparse.then(|| le32(&fixed, 0x58)),
            hard_link_group: if reparse { 0 } else { le64(&fixed, 0x58) },
            name,
            short_name,
            streams: Vec::new(),
        };
        // Extra stream entries, each at least 38 bytes: their count is bounded by the room left.
        let mut at = offset + length;
        let mut streams = Vec::with_capacity(usize::from(num_streams).min(16));
        for _ in 0..num_streams {
            let room = total - at; // at <= total: checked when advancing
            if room < STREAM_FIXED {
                return Err(Error::Truncated { structure: SE, offset: at, needed: STREAM_FIXED, available: room });
            }
            let head = read_vec(src, at, STREAM_FIXED)?;
            let stated = le64(&head, 0);
            let slen = align8(stated).filter(|&l| l >= STREAM_FIXED && l <= room).ok_or_else(|| {
                Error::invalid(SE, at, "length", format!("{STREAM_FIXED} to {room} bytes"), stated.to_string())
            })?;
            let sname_len = u64::from(le16(&head, 36));
            if sname_len % 2 != 0 || STREAM_FIXED + sname_len > slen {
                return Err(Error::invalid(
                    SE,
                    at + 36,
                    "name length",
                    format!("an even number of bytes within the entry's {slen}"),
                    sname_len.to_string(),
                ));
            }
            let sname = if sname_len > 0 { utf16(&read_vec(src, at + STREAM_FIXED, sname_len)?) } else { Vec::new() };
            streams.push(StreamEntry { name: sname, hash: head[16..36].try_into().expect("20 bytes") });
            at += slen;
        }
        d.streams = streams;
        d.next_offset = at;
        Ok(Some(d))
    }

    pub fn is_directory(&self) -> bool {
        self.attributes & FILE_ATTRIBUTE_DIRECTORY != 0
    }

    pub fn is_reparse_point(&self) -> bool {
        self.attributes & FILE_ATTRIBUTE_REPARSE_POINT != 0
    }

    pub fn is_encrypted(&self) -> bool {
        self.attributes & FILE_ATTRIBUTE_ENCRYPTED != 0
    }

    /// The long name as text (unpaired surrogates shown as U+FFFD).
    pub fn name_lossy(&self) -> String {
        String::from_utf16_lossy(&self.name)
    }

    /// Which stored hash holds the unnamed data stream and which the reparse data.
    ///
    /// The format does not say which unnamed stream is which; Microsoft's tools (and
    /// wimlib, which documents it) read it so: the main hash comes first, then the
    /// unnamed extra entries; a zero main hash is skipped when an unnamed extra entry
    /// exists; a reparse point's first unnamed stream is its reparse data, the next
    /// one its data. Returns (data, reparse), each `None` when absent or empty.
    fn unnamed_streams(&self) -> (Option<[u8; 20]>, Option<[u8; 20]>) {
        let mut unnamed: Vec<[u8; 20]> = Vec::with_capacity(2);
        let extra_unnamed = self.streams.iter().any(|s| s.name.is_empty());
        if !(self.main_hash == ZERO_HASH && extra_unnamed) {
            unnamed.push(self.main_hash);
        }
        unnamed.extend(self.streams.iter().filter(|s| s.name.is_empty()).map(|s| s.hash));
        let nonzero = |h: Option<&[u8; 20]>| h.copied().filter(|h| *h != ZERO_HASH);
        if self.is_reparse_point() {
            (nonzero(unnamed.get(1)), nonzero(unnamed.first()))
        } else {
            (nonzero(unnamed.first()), None)
        }
    }

    /// SHA-1 of the unnamed data stream (the file's contents); `None` when empty.
    pub fn data_hash(&self) -> Option<[u8; 20]> {
        if self.is_directory() {
            return None;
        }
        self.unnamed_streams().0
    }

    /// SHA-1 of the reparse data of a reparse point; `None` when absent or empty.
    pub fn reparse_hash(&self) -> Option<[u8; 20]> {
        self.unnamed_streams().1
    }

    /// The named data streams (alternate data streams).
    pub fn named_streams(&self) -> impl Iterator<Item = &StreamEntry> {
        self.streams.iter().filter(|s| !s.name.is_empty())
    }
}

/// Why a name is refused, or `None` when it is acceptable: empty, `.`, `..`, or holding
/// `/`, `\`, `:` or NUL (a path separator, a stream separator, or a terminator).
pub fn bad_name(name: &[u16]) -> Option<&'static str> {
    const DOT: u16 = b'.' as u16;
    if name.is_empty() {
        return Some("an empty name");
    }
    if name == [DOT] || name == [DOT, DOT] {
        return Some("a \".\" or \"..\" name");
    }
    for &c in name {
        match c {
            0 => return Some("a name holding NUL"),
            0x2F | 0x5C => return Some("a name holding a path separator (/ or \\)"),
            0x3A => return Some("a name holding \":\""),
            _ => {}
        }
    }
    None
}

/// Upper-case one UTF-16 code unit the way a case-insensitive NTFS lookup does for the
/// common cases: the simple Unicode upper-case mapping when it is one BMP character,
/// else the unit itself (surrogates, and characters whose upper case is several).
/// NTFS (and wimlib) use the `$UpCase` table Windows writes, which may differ from
/// Unicode's mapping for a few rare characters: for names holding those, the listing
/// order and case-insensitive matches may differ from wimlib's; exact-case lookups and
/// what is extracted do not.
pub fn upcase(u: u16) -> u16 {
    if u < 0x80 {
        return (u as u8).to_ascii_uppercase() as u16;
    }
    let Some(c) = char::from_u32(u32::from(u)) else { return u };
    let mut up = c.to_uppercase();
    match (up.next(), up.next()) {
        (Some(x), None) if (x as u32) <= 0xFFFF => x as u32 as u16,
        _ => u,
    }
}

/// The order in which directory listings are shown: case-insensitive first, then
/// case-sensitive (the collation NTFS and wimlib use for a directory's index).
pub fn collate(a: &[u16], b: &[u16]) -> std::cmp::Ordering {
    let ci = a.iter().map(|&u| upcase(u)).cmp(b.iter().map(|&u| upcase(u)));
    ci.then_with(|| a.cmp(b))
}

/// Whether two names are equal ignoring case.
pub fn eq_ignore_case(a: &[u16], b: &[u16]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(&x, &y)| x == y || upcase(x) == upcase(y))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::source::MemSource;

    /// Build one dentry's bytes (tests and the tree tests use it).
    pub fn dentry_bytes(
        name: &str,
        attributes: u32,
        subdir: u64,
        hash: [u8; 20],
        streams: &[(&str, [u8; 20])],
    ) -> Vec<u8> {
        let name: Vec<u16> = name.encode_utf16().collect();
        let mut b = vec![0u8; DENTRY_FIXED as usize];
        b[0x08..0x0C].copy_from_slice(&attributes.to_le_bytes());
        b[0x0C..0x10].copy_from_slice(&u32::MAX.to_le_bytes());
        b[0x10..0x18].copy_from_slice(&subdir.to_le_bytes());
        b[0x38..0x40].copy_from_slice(&132_000_000_000_000_000u64.to_le_bytes());
        b[0x40..0x54].copy_from_slice(&hash);
        b[0x60..0x62].copy_from_slice(&(streams.len() as u16).to_le_bytes());
        b[0x64..0x66].copy_from_slice(&((name.len() * 2) as u16).to_le_bytes());
        if !name.is_empty() {
            for u in &name {
                b.extend_from_slice(&u.to_le_bytes());
            }
            b.extend_from_slice(&[0, 0]);
        }
        while b.len() % 8 != 0 {
            b.push(0);
        }
        let len = b.len() as u64;
        b[0..8].copy_from_slice(&len.to_le_bytes());
        for (sname, shash) in streams {
            let sname: Vec<u16> = sname.encode_utf16().collect();
            let mut s = vec![0u8; STREAM_FIXED as usize];
            s[16..36].copy_from_slice(shash);
            s[36..38].copy_from_slice(&((sname.len() * 2) as u16).to_le_bytes());
            if !sname.is_empty() {
                for u in &sname {
                    s.extend_from_slice(&u.to_le_bytes());
                }
                s.extend_from_slice(&[0, 0]);
            }
            while s.len() % 8 != 0 {
                s.push(0);
            }
            let l = s.len() as u64;
            s[0..8].copy_from_slice(&l.to_le_bytes());
            b.extend_from_slice(&s);
        }
        b
    }

    #[test]
    fn reads_names_streams_and_next_offset() {
        let mut b = dentry_bytes("file.txt", FILE_ATTRIBUTE_ARCHIVE, 0, [1; 20], &[("ads", [2; 20])]);
        let first_len = b.len() as u64;
        b.extend_from_slice(&[0u8; 8]);
        let src = MemSource::new("t", b);
        let d = Dentry::read(&src, 0).unwrap().unwrap();
        assert_eq!(d.name_lossy(), "file.txt");
        assert_eq!(d.data_hash(), Some([1; 20]));
        assert_eq!(d.named_streams().count(), 1);
        assert_eq!(d.next_offset, first_len);
        assert_eq!(Dentry::read(&src, first_len).unwrap(), None);
    }

    #[test]
    fn unnamed_stream_entry_carries_data_when_main_hash_is_zero() {
        let b = dentry_bytes("f", 0x20, 0, ZERO_HASH, &[("", [7; 20]), ("s", [8; 20])]);
        let d = Dentry::read(&MemSource::new("t", b), 0).unwrap().unwrap();
        assert_eq!(d.data_hash(), Some([7; 20]));
        // A reparse point: main hash is the reparse data, the unnamed entry the data.
        let b = dentry_bytes("l", FILE_ATTRIBUTE_REPARSE_POINT, 0, [3; 20], &[("", [4; 20])]);
        let d = Dentry::read(&MemSource::new("t", b), 0).unwrap().unwrap();
        assert_eq!(d.reparse_hash(), Some([3; 20]));
        assert_eq!(d.data_hash(), Some([4; 20]));
    }

    #[test]
    fn refuses_lengths_past_the_buffer() {
        let b = dentry_bytes("name", 0x20, 0, ZERO_HASH, &[]);
        // Length claims more than there is.
        let mut bad = b.clone();
        bad[0..8].copy_from_slice(&10_000u64.to_le_bytes());
        assert!(Dentry::read(&MemSource::new("t", bad), 0).is_err());
        // Length too small for the fixed part.
        let mut bad = b.clone();
        bad[0..8].copy_from_slice(&50u64.to_le_bytes());
        assert!(Dentry::read(&MemSource::new("t", bad), 0).is_err());
        // Name longer than the dentry.
        let mut bad = b.clone();
        bad[0x64..0x66].copy_from_slice(&2000u16.to_le_bytes());
        assert!(Dentry::read(&MemSource::new("t", bad), 0).is_err());
        // Odd name length.
        let mut bad = b.clone();
        bad[0x64..0x66].copy_from_slice(&3u16.to_le_bytes());
        assert!(Dentry::read(&MemSource::new("t", bad), 0).is_err());
        // Stream entries announced but absent.
        let mut bad = b.clone();
        bad[0x60..0x62].copy_from_slice(&5u16.to_le_bytes());
        assert!(Dentry::read(&MemSource::new("t", bad), 0).is_err());
        // Length of u64::MAX does not overflow.
        let mut bad = b;
        bad[0..8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(Dentry::read(&MemSource::new("t", bad), 0).is_err());
        // Offset past the end.
        assert!(Dentry::read(&MemSource::new("t", vec![0; 4]), 0).is_err());
        assert!(Dentry::read(&MemSource::new("t", vec![0; 4]), u64::MAX).is_err());
    }

    #[test]
    fn names_refused() {
        let n = |s: &str| s.encode_utf16().collect::<Vec<u16>>();
        for bad in ["", ".", "..", "a/b", "a\\b", "a:b", "a\0b"] {
            assert!(bad_name(&n(bad)).is_some(), "{bad:?}");
        }
        for good in ["...", ".a", "a..", "file.txt", "ü"] {
            assert!(bad_name(&n(good)).is_none(), "{good:?}");
        }
    }

    #[test]
    fn collation_is_case_insensitive_first() {
        let n = |s: &str| s.encode_utf16().collect::<Vec<u16>>();
        let mut v = [n("b"), n("B"), n("a"), n("_x"), n("Z")];
        v.sort_by(|a, b| collate(a, b));
        let s: Vec<String> = v.iter().map(|x| String::from_utf16_lossy(x)).collect();
        assert_eq!(s, ["a", "B", "b", "Z", "_x"]);
        assert!(eq_ignore_case(&n("Windows"), &n("WINDOWS")));
        assert!(eq_ignore_case(&n("überall"), &n("ÜBERALL")));
        assert!(!eq_ignore_case(&n("a"), &n("ab")));
    }
}
