//! A hive as Windows would see it after replaying its transaction logs, in memory only:
//! the primary file (opened read-only, never written) under a map of the 512-byte
//! sectors the logs replaced. Bytes past the primary file's end that no log page
//! covers read as zeros (the hive grew).

use std::collections::BTreeMap;

use crate::error::Result;
use crate::source::{ReadAt, check_range};

pub const SECTOR: u64 = 512;

pub struct Overlay<S: ReadAt> {
    primary: S,
    len: u64,
    sectors: BTreeMap<u64, Box<[u8; SECTOR as usize]>>,
}

impl<S: ReadAt> Overlay<S> {
    /// The primary file unchanged.
    pub fn new(primary: S) -> Overlay<S> {
        let len = primary.len();
        Overlay { primary, len, sectors: BTreeMap::new() }
    }

    /// Replace the bytes at `offset` (a multiple of 512) with `data` (whole sectors;
    /// a short last sector is zero-filled). The image grows to cover them.
    pub fn write(&mut self, offset: u64, data: &[u8]) {
        debug_assert_eq!(offset % SECTOR, 0);
        for (i, chunk) in data.chunks(SECTOR as usize).enumerate() {
            let mut s = Box::new([0u8; SECTOR as usize]);
            s[..chunk.len()].copy_from_slice(chunk);
            self.sectors.insert(offset / SECTOR + i as u64, s);
        }
        let end = offset.saturating_add((data.len() as u64).div_ceil(SECTOR) * SECTOR);
        self.len = self.len.max(end);
    }

    /// Make the image at least `len` bytes long (the hive bins data grew).
    pub fn grow_to(&mut self, len: u64) {
        self.len = self.len.max(len);
    }

    /// Bytes replaced so far.
    pub fn replaced_bytes(&self) -> u64 {
        self.sectors.len() as u64 * SECTOR
    }
}

impl<S: ReadAt> ReadAt for Overlay<S> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        check_range("replayed hive", offset, buf.len() as u64, self.len)?;
        let mut pos = offset;
        let mut done = 0usize;
        while done < buf.len() {
            let sector = pos / SECTOR;
            let within = (pos % SECTOR) as usize;
            if let Some(s) = self.sectors.get(&sector) {
                let n = (SECTOR as usize - within).min(buf.len() - done);
                buf[done..done + n].copy_from_slice(&s[within..within + n]);
                done += n;
                pos += n as u64;
                continue;
            }
            // A run of sectors the logs did not touch: up to the next replaced sector.
            let next = self.sectors.range(sector + 1..).next().map_or(u64::MAX, |(k, _)| k * SECTOR);
            let run_end = next.min(offset + buf.len() as u64);
            let n = (run_end - pos) as usize;
            let from_file = self.primary.len().saturating_sub(pos).min(n as u64) as usize;
            if from_file > 0 {
                self.primary.read_exact_at(pos, &mut buf[done..done + from_file])?;
            }
            buf[done + from_file..done + n].fill(0);
            done += n;
            pos += n as u64;
        }
        Ok(())
    }

    fn name(&self) -> String {
        self.primary.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemSource;

    #[test]
    fn replaced_sectors_win_and_growth_reads_zeros() {
        let base: Vec<u8> = (0..2048u32).map(|i| i as u8).collect();
        let mut o = Overlay::new(MemSource::new("p", base.clone()));
        o.write(512, &[0xEE; 512]);
        o.write(2048, &[0xDD; 100]);
        o.grow_to(4096);
        assert_eq!(o.len(), 4096);
        let mut all = vec![0u8; 4096];
        o.read_exact_at(0, &mut all).unwrap();
        assert_eq!(&all[..512], &base[..512]);
        assert!(all[512..1024].iter().all(|&b| b == 0xEE));
        assert_eq!(&all[1024..2048], &base[1024..2048]);
        assert!(all[2048..2148].iter().all(|&b| b == 0xDD));
        assert!(all[2148..].iter().all(|&b| b == 0));
        let mut mid = [0u8; 10];
        o.read_exact_at(1020, &mut mid).unwrap();
        assert_eq!(&mid[..4], &[0xEE; 4]);
        assert_eq!(&mid[4..], &base[1024..1030]);
        assert!(o.read_exact_at(4090, &mut mid).is_err());
    }
}
