//! Bytes in memory: tests, fuzzing, and small tables read whole.

use super::{ReadAt, check_range};
use crate::error::Result;

pub struct MemSource {
    name: String,
    data: Vec<u8>,
}

impl MemSource {
    pub fn new(name: impl Into<String>, data: Vec<u8>) -> MemSource {
        MemSource { name: name.into(), data }
    }
}

impl ReadAt for MemSource {
    fn len(&self) -> u64 {
        self.data.len() as u64
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        check_range("memory", offset, buf.len() as u64, self.len())?;
        let start = offset as usize;
        buf.copy_from_slice(&self.data[start..start + buf.len()]);
        Ok(())
    }

    fn name(&self) -> String {
        self.name.clone()
    }
}
