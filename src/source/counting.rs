//! Wraps a source and counts the bytes read through it: proves that `inspect`
//! reads only the header and the XML, never the whole image.

use std::sync::atomic::{AtomicU64, Ordering};

use super::ReadAt;
use crate::error::Result;

pub struct CountingSource<S> {
    inner: S,
    bytes: AtomicU64,
    reads: AtomicU64,
}

impl<S: ReadAt> CountingSource<S> {
    pub fn new(inner: S) -> Self {
        CountingSource { inner, bytes: AtomicU64::new(0), reads: AtomicU64::new(0) }
    }

    /// Total bytes requested so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Number of read calls so far.
    pub fn reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }
}

impl<S: ReadAt> ReadAt for CountingSource<S> {
    fn len(&self) -> u64 {
        self.inner.len()
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        self.bytes.fetch_add(buf.len() as u64, Ordering::Relaxed);
        self.reads.fetch_add(1, Ordering::Relaxed);
        self.inner.read_exact_at(offset, buf)
    }

    fn name(&self) -> String {
        self.inner.name()
    }
}
