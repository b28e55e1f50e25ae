//! Byte sources: "something that yields bytes at offsets". Parsers read through this
//! trait only, so the same WIM reader works on a plain file, a file inside an ISO
//! (a list of extents), one part of a split set, or bytes in memory (tests, fuzzing).

mod counting;
mod extents;
mod file;
mod memory;

pub use counting::CountingSource;
pub use extents::{Extent, ExtentSource};
pub use file::{FileSource, PositionalRead, read_file_bounded};
pub use memory::MemSource;

use crate::error::{Error, Result};

/// A read-only, random-access byte source of known length. Sources are shared between
/// threads (an image's chunks are decompressed in parallel), hence `Send + Sync`.
pub trait ReadAt: Send + Sync {
    /// Total length in bytes.
    fn len(&self) -> u64;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Fill `buf` from `offset`. Implementations fail with `Error::Truncated` when the
    /// range runs past `len()`, never with a short read.
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()>;

    /// Human-readable name for messages (a path, or `iso!sources/install.wim`).
    fn name(&self) -> String;
}

impl<T: ReadAt + ?Sized> ReadAt for &T {
    fn len(&self) -> u64 {
        (**self).len()
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        (**self).read_exact_at(offset, buf)
    }
    fn name(&self) -> String {
        (**self).name()
    }
}

impl<T: ReadAt + ?Sized> ReadAt for Box<T> {
    fn len(&self) -> u64 {
        (**self).len()
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        (**self).read_exact_at(offset, buf)
    }
    fn name(&self) -> String {
        (**self).name()
    }
}

impl<T: ReadAt + ?Sized> ReadAt for std::sync::Arc<T> {
    fn len(&self) -> u64 {
        (**self).len()
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        (**self).read_exact_at(offset, buf)
    }
    fn name(&self) -> String {
        (**self).name()
    }
}

/// Check that `[offset, offset+len)` lies inside a source of `total` bytes.
pub fn check_range(structure: &'static str, offset: u64, len: u64, total: u64) -> Result<()> {
    match offset.checked_add(len) {
        Some(end) if end <= total => Ok(()),
        _ => Err(Error::Truncated { structure, offset, needed: len, available: total.saturating_sub(offset) }),
    }
}

/// Read `len` bytes at `offset` into a new vector, refusing sizes above `limit`
/// before allocating and ranges past the end of the source.
pub fn read_bounded(src: &dyn ReadAt, structure: &'static str, offset: u64, len: u64, limit: u64) -> Result<Vec<u8>> {
    if len > limit {
        return Err(Error::TooLarge { structure, offset, size: len, limit });
    }
    check_range(structure, offset, len, src.len())?;
    // `len <= limit` and limits are small (MiB), so the cast cannot truncate.
    let mut buf = vec![0u8; len as usize];
    src.read_exact_at(offset, &mut buf).map_err(|e| match e {
        Error::Truncated { needed, available, .. } => Error::Truncated { structure, offset, needed, available },
        other => other,
    })?;
    Ok(buf)
}
