//! A logical file made of one or more extents of an underlying source: a file inside
//! an ISO (ISO 9660 multi-extent files, UDF allocation descriptors). Every extent is
//! checked against the underlying source when the view is built.

use super::{ReadAt, check_range};
use crate::error::{Error, Result};

/// `len` bytes starting at `offset` in the underlying source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extent {
    pub offset: u64,
    pub len: u64,
}

pub struct ExtentSource<S> {
    inner: S,
    name: String,
    /// (logical start, extent), sorted by logical start, contiguous.
    extents: Vec<(u64, Extent)>,
    len: u64,
}

impl<S: ReadAt> ExtentSource<S> {
    /// Build a view; fails if any extent lies outside `inner`.
    pub fn new(inner: S, name: impl Into<String>, extents: &[Extent]) -> Result<Self> {
        let mut logical = 0u64;
        let mut list = Vec::with_capacity(extents.len());
        for e in extents {
            check_range("file extent", e.offset, e.len, inner.len())?;
            list.push((logical, *e));
            logical = logical
                .checked_add(e.len)
                .ok_or_else(|| Error::malformed("file extent", e.offset, "total length overflows"))?;
        }
        Ok(ExtentSource { inner, name: name.into(), extents: list, len: logical })
    }

    /// A single contiguous range of `inner`.
    pub fn single(inner: S, name: impl Into<String>, offset: u64, len: u64) -> Result<Self> {
        Self::new(inner, name, &[Extent { offset, len }])
    }
}

impl<S: ReadAt> ReadAt for ExtentSource<S> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        check_range("file", offset, buf.len() as u64, self.len)?;
        let mut done = 0usize;
        // First extent whose logical range contains `offset`.
        let mut i = self.extents.partition_point(|(start, e)| start + e.len <= offset);
        while done < buf.len() {
            let pos = offset + done as u64;
            let (start, e) = self.extents[i];
            let within = pos - start;
            let take = ((e.len - within) as usize).min(buf.len() - done);
            self.inner.read_exact_at(e.offset + within, &mut buf[done..done + take])?;
            done += take;
            i += 1;
        }
        Ok(())
    }

    fn name(&self) -> String {
        self.name.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemSource;

    #[test]
    fn reads_across_extents() {
        let mem = MemSource::new("m", (0u8..100).collect());
        let src = ExtentSource::new(
            &mem,
            "f",
            &[Extent { offset: 10, len: 5 }, Extent { offset: 50, len: 0 }, Extent { offset: 90, len: 10 }],
        )
        .unwrap();
        assert_eq!(src.len(), 15);
        let mut buf = [0u8; 8];
        src.read_exact_at(2, &mut buf).unwrap();
        assert_eq!(buf, [12, 13, 14, 90, 91, 92, 93, 94]);
        assert!(src.read_exact_at(10, &mut buf).is_err());
    }

    #[test]
    fn rejects_extent_outside_source() {
        let mem = MemSource::new("m", vec![0; 10]);
        assert!(ExtentSource::new(&mem, "f", &[Extent { offset: 8, len: 5 }]).is_err());
    }
}
