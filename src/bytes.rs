//! The one way to read little-endian fields out of a structure's bytes. [`Fields`] knows
//! the structure's name and its absolute offset in the input, so a field past the end is
//! an `Error::Truncated` naming the structure and the absolute offset, never a panic.
//! (The SMBIOS and TPM2 walkers check their reads with slice `get`s of their own;
//! everything else reads through it.)

use crate::error::{Error, Result};

/// The bytes of one on-disk structure, read at absolute offset `offset` of the input.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    bytes: &'a [u8],
    structure: &'static str,
    offset: u64,
}

impl<'a> Fields<'a> {
    pub fn new(bytes: &'a [u8], structure: &'static str, offset: u64) -> Fields<'a> {
        Fields { bytes, structure, offset }
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The absolute offset of byte `at` of the structure.
    pub fn offset_of(&self, at: usize) -> u64 {
        self.offset.saturating_add(at as u64)
    }

    /// `len` bytes from `at`.
    pub fn bytes(&self, at: usize, len: usize) -> Result<&'a [u8]> {
        at.checked_add(len).and_then(|end| self.bytes.get(at..end)).ok_or(Error::Truncated {
            structure: self.structure,
            offset: self.offset,
            needed: (at as u64).saturating_add(len as u64),
            available: self.bytes.len() as u64,
        })
    }

    fn array<const N: usize>(&self, at: usize) -> Result<[u8; N]> {
        let b = self.bytes(at, N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(b);
        Ok(a)
    }

    pub fn u8(&self, at: usize) -> Result<u8> {
        Ok(self.array::<1>(at)?[0])
    }

    pub fn u16(&self, at: usize) -> Result<u16> {
        self.array(at).map(u16::from_le_bytes)
    }

    pub fn u32(&self, at: usize) -> Result<u32> {
        self.array(at).map(u32::from_le_bytes)
    }

    pub fn i32(&self, at: usize) -> Result<i32> {
        self.array(at).map(i32::from_le_bytes)
    }

    pub fn u64(&self, at: usize) -> Result<u64> {
        self.array(at).map(u64::from_le_bytes)
    }

    /// A 7-byte little-endian size (the WIM resource header's), widened to u64.
    pub fn u56(&self, at: usize) -> Result<u64> {
        let b = self.bytes(at, 7)?;
        let mut a = [0u8; 8];
        a[..7].copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
}

/// UTF-16LE code units of `b` (an odd last byte is ignored).
pub fn utf16le_units(b: &[u8]) -> impl Iterator<Item = u16> + '_ {
    b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]))
}

/// UTF-16BE code units of `b` (an odd last byte is ignored).
pub fn utf16be_units(b: &[u8]) -> impl Iterator<Item = u16> + '_ {
    b.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_and_refuses_past_the_end() {
        let b = [1u8, 2, 3, 4, 5, 6, 7, 8, 9];
        let f = Fields::new(&b, "thing", 1000);
        assert_eq!(f.u8(8).unwrap(), 9);
        assert_eq!(f.u16(0).unwrap(), 0x0201);
        assert_eq!(f.u32(1).unwrap(), 0x0504_0302);
        assert_eq!(f.u64(1).unwrap(), 0x0908_0706_0504_0302);
        assert_eq!(f.i32(0).unwrap(), 0x0403_0201);
        assert_eq!(f.u56(0).unwrap(), 0x0007_0605_0403_0201);
        assert_eq!(f.offset_of(4), 1004);
        let e = f.u32(6).unwrap_err();
        assert_eq!(e, Error::Truncated { structure: "thing", offset: 1000, needed: 10, available: 9 });
        assert!(f.bytes(usize::MAX, 2).is_err(), "no overflow");
        assert_eq!(utf16le_units(&[0x41, 0, 0x42]).collect::<Vec<_>>(), [0x41]);
        assert_eq!(utf16be_units(&[0, 0x41]).collect::<Vec<_>>(), [0x41]);
    }
}
