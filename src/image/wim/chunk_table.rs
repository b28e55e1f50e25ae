//! The chunk table of a compressed resource: where each independently compressed
//! chunk lies. Every chunk decompresses to the resource's chunk size, the last one to
//! the remainder. A chunk whose compressed size equals its uncompressed size is stored
//! raw; a larger one, or an empty one, is an error.
//!
//! Three layouts:
//! - **normal**: the table comes first, one entry per chunk but the first: the offset
//!   of the chunk from the end of the table (the first chunk is at 0). Entries are
//!   4 bytes, or 8 bytes when the uncompressed size is above 4 GiB - 1.
//! - **pipable** (`WLPWM` WIMs): the same table, but after the chunks, and every chunk
//!   is prefixed by a u32 with its compressed size (the table's offsets leave these
//!   prefixes out).
//! - **solid**: after the 16-byte [`super::solid::SolidHeader`], one u32 per chunk
//!   holding its compressed size (so offsets are running sums).
//!
//! The whole table is read and checked at once (bounded: at most [`MAX_CHUNKS`]
//! entries, and never more chunks than the resource has bytes): offsets must increase,
//! stay inside the resource, and no chunk may be larger than what it decompresses to.

use super::resource::{ResourceSpec, Storage};
use super::solid::SOLID_HEADER_SIZE;
use crate::error::{Error, Result};
use crate::source::{ReadAt, read_bounded};

/// Refuse resources of more chunks than this before allocating (16 GiB at 4 KiB chunks,
/// 128 GiB at 32 KiB chunks).
pub const MAX_CHUNKS: u64 = 1 << 22;

const S: &str = "WIM chunk table";

/// Where a chunk table sits relative to its chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Normal,
    Pipable,
    Solid,
}

/// One chunk: its compressed bytes in the file and its uncompressed size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    /// Absolute offset of the compressed bytes in the part's file.
    pub offset: u64,
    pub csize: u32,
    pub usize: u32,
}

impl Chunk {
    /// Stored as it is (compressed size equals uncompressed size).
    pub fn is_raw(&self) -> bool {
        self.csize == self.usize
    }
}

#[derive(Debug, Clone)]
pub struct ChunkTable {
    starts: Vec<u64>,
    csizes: Vec<u32>,
    chunk_size: u32,
    uncompressed: u64,
}

/// The number of chunks of a resource of `uncompressed` bytes.
pub fn chunk_count(uncompressed: u64, chunk_size: u32) -> u64 {
    uncompressed.div_ceil(u64::from(chunk_size.max(1)))
}

impl ChunkTable {
    /// Read and check the chunk table of a chunked or solid resource.
    pub fn read(src: &dyn ReadAt, spec: &ResourceSpec) -> Result<ChunkTable> {
        let (layout, chunk_size) = match spec.storage {
            Storage::Stored => return Err(Error::malformed(S, spec.offset, "resource is not compressed")),
            Storage::Chunked { chunk_size, pipable: false, .. } => (Layout::Normal, chunk_size),
            Storage::Chunked { chunk_size, pipable: true, .. } => (Layout::Pipable, chunk_size),
            Storage::Solid { chunk_size, .. } => (Layout::Solid, chunk_size),
        };
        let g = Geometry::new(layout, spec.offset, spec.size, spec.uncompressed, chunk_size)?;
        let bytes = read_bounded(src, S, g.table_offset, g.table_bytes, MAX_CHUNKS * 8)?;
        ChunkTable::parse(layout, &bytes, spec.offset, spec.size, spec.uncompressed, chunk_size)
    }

    /// Parse the table bytes of a resource at `offset` of `size` bytes in the file
    /// (`table` as [`Geometry::new`] locates them). Pure: used by `read` and fuzzing.
    pub fn parse(
        layout: Layout,
        table: &[u8],
        offset: u64,
        size: u64,
        uncompressed: u64,
        chunk_size: u32,
    ) -> Result<ChunkTable> {
        let g = Geometry::new(layout, offset, size, uncompressed, chunk_size)?;
        if table.len() as u64 != g.table_bytes {
            return Err(Error::Truncated {
                structure: S,
                offset: g.table_offset,
                needed: g.table_bytes,
                available: table.len() as u64,
            });
        }
        let n = g.chunks as usize; // <= MAX_CHUNKS
        let entry = |i: usize| -> u64 {
            // i < entries; table.len() == entries * entry_size
            let at = i * g.entry_size;
            match table.get(at..at + g.entry_size) {
                Some(b) if g.entry_size == 8 => u64::from_le_bytes(b.try_into().unwrap_or([0; 8])),
                Some(b) => u64::from(u32::from_le_bytes(b.try_into().unwrap_or([0; 4]))),
                None => 0,
            }
        };
        // Relative start of each chunk (without pipable prefixes), plus the end.
        let mut rel = Vec::with_capacity(n + 1);
        let mut entry_at = Vec::with_capacity(n + 1);
        match layout {
            Layout::Normal | Layout::Pipable => {
                rel.push(0u64);
                entry_at.push(g.table_offset);
                for i in 0..n.saturating_sub(1) {
                    rel.push(entry(i));
                    entry_at.push(g.table_offset + (i * g.entry_size) as u64);
                }
            }
            Layout::Solid => {
                let mut sum = 0u64;
                for i in 0..n {
                    rel.push(sum);
                    entry_at.push(g.table_offset + (i * 4) as u64);
                    sum = sum.saturating_add(entry(i));
                }
            }
        }
        // The chunks' bytes end where the resource does (the last chunk's size is what
        // is left, as every reader of the format computes it).
        let prefixes = if layout == Layout::Pipable { 4 * g.chunks } else { 0 };
        let data_len = g.data_len.checked_sub(prefixes).ok_or_else(|| {
            Error::invalid(
                S,
                g.table_offset,
                "resource size",
                format!("room for {} chunk prefixes", g.chunks),
                g.data_len.to_string(),
            )
        })?;
        rel.push(data_len);
        entry_at.push(g.table_offset);

        let mut starts = Vec::with_capacity(n);
        let mut csizes = Vec::with_capacity(n);
        for i in 0..n {
            let (a, b) = (rel[i], rel[i + 1]);
            let usize = chunk_usize(i as u64, g.chunks, uncompressed, chunk_size);
            if b > data_len {
                return Err(Error::invalid(
                    S,
                    entry_at[i + 1],
                    "chunk offset",
                    format!("within the resource's {data_len} bytes of chunks (chunk {})", i + 1),
                    b.to_string(),
                ));
            }
            if b <= a {
                return Err(Error::invalid(
                    S,
                    entry_at[i + 1].max(entry_at[i]),
                    "chunk offsets",
                    format!("increasing (chunk {i} starts at {a})"),
                    format!("chunk {} at {b}", i + 1),
                ));
            }
            let csize = b - a;
            if csize > u64::from(usize) {
                return Err(Error::invalid(
                    S,
                    entry_at[i + 1].max(entry_at[i]),
                    "compressed chunk size",
                    format!("at most the {usize} bytes chunk {i} decompresses to"),
                    csize.to_string(),
                ));
            }
            let pre = if layout == Layout::Pipable { 4 * (i as u64 + 1) } else { 0 };
            starts.push(g.data_offset + a + pre);
            csizes.push(csize as u32); // <= usize <= u32
        }
        Ok(ChunkTable { starts, csizes, chunk_size, uncompressed })
    }

    pub fn len(&self) -> u64 {
        self.starts.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    pub fn chunk_size(&self) -> u32 {
        self.chunk_size
    }

    /// Chunk `i` (`i < len()`).
    pub fn chunk(&self, i: u64) -> Option<Chunk> {
        let at = usize::try_from(i).ok()?;
        Some(Chunk {
            offset: *self.starts.get(at)?,
            csize: *self.csizes.get(at)?,
            usize: chunk_usize(i, self.len(), self.uncompressed, self.chunk_size),
        })
    }
}

/// Uncompressed size of chunk `i` of `n`.
fn chunk_usize(i: u64, n: u64, uncompressed: u64, chunk_size: u32) -> u32 {
    let rem = uncompressed % u64::from(chunk_size.max(1));
    if i + 1 == n && rem != 0 { rem as u32 } else { chunk_size }
}

/// Where the table and the chunks of a resource lie.
#[derive(Debug, Clone, Copy)]
pub struct Geometry {
    pub chunks: u64,
    pub entry_size: usize,
    pub table_offset: u64,
    pub table_bytes: u64,
    /// Start of the chunks' bytes and their length (prefixes included when pipable).
    pub data_offset: u64,
    pub data_len: u64,
}

impl Geometry {
    pub fn new(layout: Layout, offset: u64, size: u64, uncompressed: u64, chunk_size: u32) -> Result<Geometry> {
        if chunk_size == 0 {
            return Err(Error::invalid(S, offset, "chunk size", "non-zero", "0"));
        }
        let chunks = chunk_count(uncompressed, chunk_size);
        if chunks > MAX_CHUNKS {
            return Err(Error::TooLarge { structure: S, offset, size: chunks, limit: MAX_CHUNKS });
        }
        if chunks > size {
            return Err(Error::invalid(
                S,
                offset,
                "resource size",
                format!(
                    "at least one byte for each of {chunks} chunks ({uncompressed} bytes in chunks of {chunk_size})"
                ),
                size.to_string(),
            ));
        }
        let (entry_size, entries, header) = match layout {
            Layout::Solid => (4usize, chunks, SOLID_HEADER_SIZE as u64),
            _ => (if uncompressed > u64::from(u32::MAX) { 8 } else { 4 }, chunks.saturating_sub(1), 0),
        };
        let table_bytes = entries * entry_size as u64; // <= 8 * MAX_CHUNKS
        let fixed = header + table_bytes;
        if fixed > size {
            return Err(Error::invalid(
                S,
                offset,
                "chunk table",
                format!("{fixed} bytes within the resource"),
                format!("a resource of {size} bytes"),
            ));
        }
        let end = offset
            .checked_add(size)
            .ok_or_else(|| Error::malformed(S, offset, format!("resource of {size} bytes overflows")))?;
        let (table_offset, data_offset) = match layout {
            Layout::Normal => (offset, offset + table_bytes),
            Layout::Solid => (offset + header, offset + fixed),
            Layout::Pipable => (end - table_bytes, offset),
        };
        Ok(Geometry { chunks, entry_size, table_offset, table_bytes, data_offset, data_len: size - fixed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn le32(v: &[u32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    #[test]
    fn normal_table_locates_chunks_and_raw_last_chunk() {
        // 3 chunks of 100, 100, 50 bytes; compressed 40, 60, 50 (last raw).
        let t = ChunkTable::parse(Layout::Normal, &le32(&[40, 100]), 1000, 8 + 150, 250, 100).unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t.chunk(0).unwrap(), Chunk { offset: 1008, csize: 40, usize: 100 });
        assert_eq!(t.chunk(1).unwrap(), Chunk { offset: 1048, csize: 60, usize: 100 });
        let last = t.chunk(2).unwrap();
        assert_eq!(last, Chunk { offset: 1108, csize: 50, usize: 50 });
        assert!(last.is_raw());
    }

    #[test]
    fn solid_table_sums_sizes_and_pipable_skips_prefixes() {
        let t = ChunkTable::parse(Layout::Solid, &le32(&[30, 20]), 0, 16 + 8 + 50, 150, 100).unwrap();
        assert_eq!(t.chunk(1).unwrap(), Chunk { offset: 16 + 8 + 30, csize: 20, usize: 50 });
        // pipable: [4][30 bytes][4][20 bytes][table: 30]
        let t = ChunkTable::parse(Layout::Pipable, &le32(&[30]), 10, 4 + 30 + 4 + 20 + 4, 150, 100).unwrap();
        assert_eq!(t.chunk(0).unwrap(), Chunk { offset: 14, csize: 30, usize: 100 });
        assert_eq!(t.chunk(1).unwrap(), Chunk { offset: 48, csize: 20, usize: 50 });
    }

    #[test]
    fn refuses_damaged_tables() {
        // not increasing
        assert!(ChunkTable::parse(Layout::Normal, &le32(&[40, 30]), 0, 8 + 150, 250, 100).is_err());
        // out of bounds
        assert!(ChunkTable::parse(Layout::Normal, &le32(&[40, 900]), 0, 8 + 150, 250, 100).is_err());
        // a chunk larger than what it decompresses to
        assert!(ChunkTable::parse(Layout::Normal, &le32(&[140, 150]), 0, 8 + 200, 250, 100).is_err());
        // an empty chunk
        assert!(ChunkTable::parse(Layout::Solid, &le32(&[0, 20]), 0, 16 + 8 + 20, 150, 100).is_err());
        // absurd chunk counts are refused before allocating
        assert!(Geometry::new(Layout::Normal, 0, 100, u64::MAX, 4096).is_err());
        assert!(Geometry::new(Layout::Normal, 0, 100, 1 << 40, 1 << 20).is_err());
    }

    #[test]
    fn eight_byte_entries_above_four_gib() {
        let g = Geometry::new(Layout::Normal, 0, 1 << 20, 1 << 32, 1 << 15).unwrap();
        assert_eq!(g.entry_size, 8);
        let g = Geometry::new(Layout::Normal, 0, 1 << 20, u64::from(u32::MAX), 1 << 15).unwrap();
        assert_eq!(g.entry_size, 4);
        let g = Geometry::new(Layout::Solid, 0, 1 << 20, 1 << 32, 1 << 26).unwrap();
        assert_eq!(g.entry_size, 4);
    }
}
