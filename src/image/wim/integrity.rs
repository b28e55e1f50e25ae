//! The integrity table: SHA-1 hashes of fixed-size chunks of the file, present when
//! the image was written with `/CheckIntegrity` (DISM) or `--check` (wimlib).
//! Layout: u32 table size, u32 entry count, u32 chunk size, then one 20-byte SHA-1 per
//! chunk. The chunks cover the file from the end of the 208-byte header to the end of
//! the blob table; the last one is shorter. `read` reads the 12-byte header (for
//! `inspect`); `verify` checks every chunk.

use sha1::{Digest, Sha1};

use super::blob_table::hex;
use super::header::{HEADER_SIZE, Header, OFFSET_INTEGRITY};
use super::parallel;
use crate::bytes::Fields;
use crate::error::{Error, Result};
use crate::source::{ReadAt, read_bounded};

/// Refuse integrity tables of more entries than this before allocating (at the
/// usual 10 MiB chunks, 10 TiB of file).
pub const MAX_ENTRIES: u32 = 1 << 20;
/// Chunks up to this size are hashed whole on worker threads; larger ones in blocks.
const PARALLEL_CHUNK: u32 = 32 << 20;
const BLOCK: u64 = 1 << 20;

const SHA1_LEN: u64 = 20;
/// u32 table size, u32 entry count, u32 chunk size.
const TABLE_HEADER_SIZE: u64 = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntegrityInfo {
    pub offset: u64,
    pub size: u64,
    pub entries: u32,
    pub chunk_size: u32,
}

/// Read the integrity table header, if the WIM has one, and check it for consistency.
pub fn read(src: &dyn ReadAt, header: &Header) -> Result<Option<IntegrityInfo>> {
    let r = &header.integrity;
    if r.is_empty() {
        return Ok(None);
    }
    const S: &str = "WIM integrity table";
    if r.size < 12 {
        return Err(Error::invalid(S, OFFSET_INTEGRITY, "size", "at least 12 bytes", r.size.to_string()));
    }
    let b = read_bounded(src, S, r.offset, TABLE_HEADER_SIZE, TABLE_HEADER_SIZE)?;
    let f = Fields::new(&b, S, r.offset);
    let (table_size, entries, chunk_size) = (f.u32(0)?, f.u32(4)?, f.u32(8)?);
    let expected = 12 + u64::from(entries) * SHA1_LEN;
    if u64::from(table_size) != expected || expected > r.size {
        return Err(Error::invalid(
            S,
            r.offset,
            "table size",
            format!("12 + 20 x {entries} entries = {expected} (and within the resource's {} bytes)", r.size),
            table_size.to_string(),
        ));
    }
    if chunk_size == 0 {
        return Err(Error::invalid(S, r.offset + 8, "chunk size", "non-zero", "0"));
    }
    Ok(Some(IntegrityInfo { offset: r.offset, size: r.size, entries, chunk_size }))
}

/// Check every chunk of the file against the integrity table. `progress(done, total)`
/// counts bytes hashed. Returns the number of chunks checked. The first chunk whose
/// SHA-1 differs is the error, naming the chunk and its byte range in the file.
pub fn verify(
    src: &dyn ReadAt,
    header: &Header,
    info: &IntegrityInfo,
    threads: usize,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<u32> {
    const S: &str = "WIM integrity table";
    let bt = &header.blob_table;
    let end = bt.offset.saturating_add(bt.size);
    let start = HEADER_SIZE as u64;
    if end < start || end > src.len() {
        return Err(Error::invalid(
            S,
            OFFSET_INTEGRITY,
            "range checked",
            format!("from byte {start} to the end of the blob table, inside the file"),
            format!("up to byte {end}"),
        ));
    }
    let chunk_size = u64::from(info.chunk_size);
    let checked = end - start;
    let want = checked.div_ceil(chunk_size);
    if u64::from(info.entries) != want {
        return Err(Error::invalid(
            S,
            info.offset + 4,
            "entry count",
            format!("{want} ({checked} bytes from the header to the end of the blob table in chunks of {chunk_size})"),
            info.entries.to_string(),
        ));
    }
    if info.entries > MAX_ENTRIES {
        return Err(Error::TooLarge {
            structure: S,
            offset: info.offset + 4,
            size: info.entries.into(),
            limit: MAX_ENTRIES.into(),
        });
    }
    let n = u64::from(info.entries);
    let table = read_bounded(src, S, info.offset + 12, n * SHA1_LEN, u64::from(MAX_ENTRIES) * SHA1_LEN)?;
    let expected = |i: u64| -> [u8; 20] {
        let mut h = [0u8; 20];
        let at = (i * SHA1_LEN) as usize;
        if let Some(b) = table.get(at..at + 20) {
            h.copy_from_slice(b);
        }
        h
    };
    let range = |i: u64| (start + i * chunk_size, (start + (i + 1) * chunk_size).min(end));
    let mismatch = |i: u64, got: [u8; 20]| {
        let (a, b) = range(i);
        Error::malformed(
            S,
            a,
            format!(
                "chunk {i} (file bytes {a}..{b}) hashes to {}, the table (entry at offset {}) says {}",
                hex(&got),
                info.offset + 12 + i * SHA1_LEN,
                hex(&expected(i))
            ),
        )
    };
    let mut done = 0u64;
    if info.chunk_size <= PARALLEL_CHUNK {
        let mut next = 0u64;
        let mut consumed = 0u64;
        parallel::ordered(
            threads,
            4 * chunk_size.max(BLOCK),
            || {
                if next >= n {
                    return Ok(None);
                }
                let (a, b) = range(next);
                let mut buf = vec![0u8; (b - a) as usize];
                src.read_exact_at(a, &mut buf)?;
                next += 1;
                Ok(Some((buf, b - a)))
            },
            || (),
            |_, buf: Vec<u8>| -> ([u8; 20], u64) { (Sha1::digest(&buf).into(), buf.len() as u64) },
            |(got, len)| {
                let i = consumed;
                consumed += 1;
                done += len;
                progress(done, checked);
                if got != expected(i) { Err(mismatch(i, got)) } else { Ok(()) }
            },
        )?;
    } else {
        let mut buf = vec![0u8; BLOCK as usize];
        for i in 0..n {
            let (a, b) = range(i);
            let mut h = Sha1::new();
            let mut pos = a;
            while pos < b {
                let len = (b - pos).min(BLOCK) as usize;
                src.read_exact_at(pos, &mut buf[..len])?;
                h.update(&buf[..len]);
                pos += len as u64;
                done += len as u64;
                progress(done, checked);
            }
            let got: [u8; 20] = h.finalize().into();
            if got != expected(i) {
                return Err(mismatch(i, got));
            }
        }
    }
    Ok(info.entries)
}
