//! Streaming whole blobs out of their resources, checking each one's SHA-1: the engine
//! behind `verify` and [`super::Wim::read_blob_verified`]. The calling thread reads
//! the file (chunk tables, compressed chunks) in file order; worker threads decompress
//! independent chunks (and hash blobs that fit in one unit of work); the results come
//! back in order, are hashed and handed to the caller.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::Arc;

use sha1::{Digest, Sha1};

use super::blob_table::hex;
use super::chunk_table::Chunk;
use super::parallel;
use super::read::{Resource, codec_of, decode};
use super::resource::{ResourceSpec, Storage};
use crate::error::{Error, Result};
use crate::image::decompress::{Codec, Decompressor};
use crate::source::ReadAt;

/// Uncompressed bytes per unit of work (at least one chunk).
const UNIT_BYTES: u64 = 1 << 20;
/// Bytes in flight between reading and consuming (more when chunks are larger).
const BUDGET: u64 = 32 << 20;

/// What a span of bytes is, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    Blob,
    /// The metadata resource of this image (1-based).
    Metadata(u32),
}

/// One blob inside a resource: `len` bytes at `start` of its uncompressed data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: u64,
    pub len: u64,
    pub hash: [u8; 20],
    pub label: Label,
    /// Offset of the blob table entry (for messages).
    pub entry_offset: u64,
}

/// A resource and the blobs to read from it, sorted by start, not overlapping.
#[derive(Debug, Clone)]
pub struct Task {
    pub spec: ResourceSpec,
    pub spans: Vec<Span>,
}

impl Task {
    /// Sort the spans and refuse overlapping ones.
    pub fn check(&mut self) -> Result<()> {
        self.spans.sort_by_key(|s| s.start);
        let mut end = 0u64;
        for s in &self.spans {
            let e = s.start.checked_add(s.len).filter(|&e| e <= self.spec.uncompressed).ok_or_else(|| {
                Error::invalid(
                    "WIM blob table",
                    s.entry_offset,
                    "blob range",
                    format!("within the {} bytes of its resource", self.spec.uncompressed),
                    format!("{} bytes at {}", s.len, s.start),
                )
            })?;
            if s.start < end {
                return Err(Error::malformed(
                    "WIM blob table",
                    s.entry_offset,
                    format!("blob {} overlaps another blob of its solid resource", hex(&s.hash)),
                ));
            }
            end = e;
        }
        Ok(())
    }
}

/// Work for a thread: compressed bytes and where each chunk lies in them.
struct Unit {
    data: Vec<u8>,
    /// (offset in `data`, chunk); empty when `data` is stored bytes.
    chunks: Vec<(usize, Chunk)>,
    codec: Option<Codec>,
    chunk_size: u32,
    spec: ResourceSpec,
    /// Hash the whole output here (the unit is exactly one blob).
    hash_here: bool,
    keep: bool,
}

struct Done {
    bytes: Option<Vec<u8>>,
    digest: Option<[u8; 20]>,
    read: u64,
}

/// Where a unit's bytes belong (kept on the calling thread, in order).
struct Tag {
    task: usize,
    u0: u64,
    u1: u64,
}

/// Read every span of every task, check each one's SHA-1, and give the bytes to
/// `on_bytes` when `keep` (in order, before the hash of the whole span is known).
/// `parts[n - 1]` is part `n`'s file. `progress(done, total)` counts file bytes.
pub fn run(
    parts: &[Arc<dyn ReadAt>],
    tasks: &[Task],
    threads: usize,
    keep: bool,
    on_bytes: &mut dyn FnMut(&Span, &[u8]) -> Result<()>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<()> {
    let total: u64 = tasks.iter().map(|t| t.spec.size).sum();
    let mut done_bytes = 0u64;
    let tags: RefCell<VecDeque<Tag>> = RefCell::new(VecDeque::new());
    let mut producer = Producer { parts, tasks, keep, t: 0, cur: None };
    let mut consumer = Consumer { tasks, cursor: 0, task: usize::MAX, hasher: Sha1::new(), hashed: 0 };
    parallel::ordered(
        threads,
        BUDGET,
        || {
            let Some((unit, tag)) = producer.next()? else { return Ok(None) };
            let cost = unit.data.len() as u64 + (tag.u1 - tag.u0);
            tags.borrow_mut().push_back(tag);
            Ok(Some((unit, cost)))
        },
        Decoders::new,
        work,
        |r: Result<Done>| {
            let tag = tags
                .borrow_mut()
                .pop_front()
                .ok_or_else(|| Error::malformed("WIM reader", 0, "lost a unit of work"))?;
            let context = |e: Error| {
                let t = &tasks[tag.task];
                let span = t.spans.iter().find(|s| s.start + s.len > tag.u0).or(t.spans.first());
                match span {
                    Some(s) => e.in_file(format!("{}: {}", part_name(parts, &t.spec), describe(s))),
                    None => e.in_file(part_name(parts, &t.spec)),
                }
            };
            let done = r.map_err(context)?;
            done_bytes += done.read;
            progress(done_bytes.min(total), total);
            consumer.take(&tag, done, parts, on_bytes)
        },
    )?;
    progress(total, total);
    Ok(())
}

fn part_name(parts: &[Arc<dyn ReadAt>], spec: &ResourceSpec) -> String {
    parts.get(usize::from(spec.part).wrapping_sub(1)).map(|p| p.name()).unwrap_or_default()
}

fn describe(s: &Span) -> String {
    match s.label {
        Label::Blob => format!("blob {}", hex(&s.hash)),
        Label::Metadata(n) => format!("metadata resource of image {n}"),
    }
}

struct Producer<'a> {
    parts: &'a [Arc<dyn ReadAt>],
    tasks: &'a [Task],
    keep: bool,
    t: usize,
    /// The resource being read, the next position (byte or chunk) and the end.
    cur: Option<(Arc<Resource>, u64, u64)>,
}

impl Producer<'_> {
    fn next(&mut self) -> Result<Option<(Unit, Tag)>> {
        loop {
            if self.t >= self.tasks.len() {
                return Ok(None);
            }
            let task = &self.tasks[self.t];
            if self.cur.is_none() {
                let (Some(first), Some(last)) = (task.spans.first(), task.spans.last()) else {
                    self.t += 1;
                    continue;
                };
                let src = self
                    .parts
                    .get(usize::from(task.spec.part).wrapping_sub(1))
                    .ok_or_else(|| Error::NotFound { what: format!("part {} of the split set", task.spec.part) })?;
                let res = Arc::new(Resource::new(src.clone(), task.spec).map_err(|e| e.in_file(src.name()))?);
                let (lo, hi) = (first.start, last.start + last.len);
                let (a, b) = match task.spec.storage {
                    Storage::Stored => (lo, hi),
                    _ => {
                        let table = res.table().map_err(|e| e.in_file(src.name()))?;
                        let cs = u64::from(table.chunk_size());
                        (lo / cs, hi.div_ceil(cs))
                    }
                };
                self.cur = Some((res, a, b));
            }
            let Some((res, pos, end)) = self.cur.as_mut() else { continue };
            if *pos >= *end {
                self.cur = None;
                self.t += 1;
                continue;
            }
            let spec = *res.spec();
            let src = res.source().clone();
            let one_span = task.spans.len() == 1;
            let (unit, u0, u1) = if spec.storage == Storage::Stored {
                let (u0, u1) = (*pos, (*pos + UNIT_BYTES).min(*end));
                let mut data = vec![0u8; (u1 - u0) as usize];
                src.read_exact_at(spec.offset + u0, &mut data).map_err(|e| e.in_file(src.name()))?;
                *pos = u1;
                let unit = Unit {
                    data,
                    chunks: Vec::new(),
                    codec: None,
                    chunk_size: 0,
                    spec,
                    hash_here: false,
                    keep: self.keep,
                };
                (unit, u0, u1)
            } else {
                let table = res.table()?;
                let cs = u64::from(table.chunk_size());
                let first = *pos;
                let mut chunks = Vec::new();
                let mut bytes = 0u64;
                while *pos < *end && (chunks.is_empty() || bytes + cs <= UNIT_BYTES) {
                    let c = table
                        .chunk(*pos)
                        .ok_or_else(|| Error::malformed("WIM chunk table", spec.offset, "chunk missing"))?;
                    bytes += u64::from(c.usize);
                    chunks.push(c);
                    *pos += 1;
                }
                let start = chunks.first().map_or(0, |c| c.offset);
                let stop = chunks.last().map_or(0, |c| c.offset + u64::from(c.csize));
                let mut data = vec![0u8; stop.saturating_sub(start) as usize];
                src.read_exact_at(start, &mut data).map_err(|e| e.in_file(src.name()))?;
                let chunks = chunks.into_iter().map(|c| ((c.offset - start) as usize, c)).collect();
                let u0 = first * cs;
                let unit = Unit {
                    data,
                    chunks,
                    codec: codec_of(&spec),
                    chunk_size: table.chunk_size(),
                    spec,
                    hash_here: false,
                    keep: self.keep,
                };
                (unit, u0, (u0 + bytes).min(spec.uncompressed))
            };
            let mut unit = unit;
            if one_span && task.spans[0].start == u0 && task.spans[0].len == u1 - u0 {
                unit.hash_here = true;
            }
            return Ok(Some((unit, Tag { task: self.t, u0, u1 })));
        }
    }
}

/// A worker's job: decompress the unit's chunks, hash when asked.
/// A worker's decompressors, one per (codec, chunk size) met.
type Decoders = Vec<((Codec, u32), Box<dyn Decompressor>)>;

fn work(decs: &mut Decoders, unit: Unit) -> Result<Done> {
    let read = unit.data.len() as u64;
    let out = if unit.chunks.is_empty() {
        unit.data
    } else {
        let total: usize = unit.chunks.iter().map(|(_, c)| c.usize as usize).sum();
        let mut out = vec![0u8; total];
        let mut at = 0usize;
        for (off, c) in &unit.chunks {
            let cdata = unit
                .data
                .get(*off..*off + c.csize as usize)
                .ok_or_else(|| Error::malformed("WIM chunk", c.offset, "outside the bytes read"))?;
            let dst = &mut out[at..at + c.usize as usize];
            if c.is_raw() {
                dst.copy_from_slice(cdata);
            } else {
                let codec = unit.codec.ok_or_else(|| {
                    Error::malformed(
                        "WIM compressed chunk",
                        c.offset,
                        "a compressed chunk in a resource that declares no compression",
                    )
                })?;
                let key = (codec, unit.chunk_size);
                let at = match decs.iter().position(|(k, _)| *k == key) {
                    Some(i) => i,
                    None => {
                        decs.push((key, super::read::new_decompressor(&unit.spec)?));
                        decs.len() - 1
                    }
                };
                decode(decs[at].1.as_mut(), Some(codec), c, cdata, dst)?;
            }
            at += c.usize as usize;
        }
        out
    };
    let digest = unit.hash_here.then(|| Sha1::digest(&out).into());
    let bytes = (unit.keep || !unit.hash_here).then_some(out);
    Ok(Done { bytes, digest, read })
}

struct Consumer<'a> {
    tasks: &'a [Task],
    /// Next span of the current task.
    cursor: usize,
    task: usize,
    hasher: Sha1,
    hashed: u64,
}

impl Consumer<'_> {
    fn take(
        &mut self,
        tag: &Tag,
        done: Done,
        parts: &[Arc<dyn ReadAt>],
        on_bytes: &mut dyn FnMut(&Span, &[u8]) -> Result<()>,
    ) -> Result<()> {
        if tag.task != self.task {
            self.task = tag.task;
            self.cursor = 0;
            self.hasher = Sha1::new();
            self.hashed = 0;
        }
        let task = &self.tasks[tag.task];
        if let Some(d) = done.digest {
            let span = &task.spans[0];
            if let Some(b) = &done.bytes {
                on_bytes(span, b)?;
            }
            return check(span, d, parts, &task.spec);
        }
        let bytes = done.bytes.unwrap_or_default();
        while let Some(span) = task.spans.get(self.cursor) {
            let (s0, s1) = (span.start, span.start + span.len);
            if s0 >= tag.u1 {
                break;
            }
            let from = (s0 + self.hashed).max(tag.u0);
            let to = s1.min(tag.u1);
            if from < to {
                let slice = bytes
                    .get((from - tag.u0) as usize..(to - tag.u0) as usize)
                    .ok_or_else(|| Error::malformed("WIM resource", task.spec.offset, "unit shorter than expected"))?;
                self.hasher.update(slice);
                self.hashed += to - from;
                if !slice.is_empty() {
                    on_bytes(span, slice)?;
                }
            }
            if s1 <= tag.u1 {
                let d: [u8; 20] = std::mem::replace(&mut self.hasher, Sha1::new()).finalize().into();
                self.hashed = 0;
                self.cursor += 1;
                check(span, d, parts, &task.spec)?;
            } else {
                break;
            }
        }
        Ok(())
    }
}

fn check(span: &Span, got: [u8; 20], parts: &[Arc<dyn ReadAt>], spec: &ResourceSpec) -> Result<()> {
    if got == span.hash {
        return Ok(());
    }
    let e = match span.label {
        Label::Blob => Error::malformed(
            "WIM blob",
            span.entry_offset,
            format!("blob {}: its data hashes to {}", hex(&span.hash), hex(&got)),
        ),
        Label::Metadata(n) => Error::malformed(
            "WIM metadata resource",
            span.entry_offset,
            format!("image {n}: its metadata hashes to {}, not to its SHA-1 {}", hex(&got), hex(&span.hash)),
        ),
    };
    Err(e.in_file(part_name(parts, spec)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemSource;

    fn sha(b: &[u8]) -> [u8; 20] {
        Sha1::digest(b).into()
    }

    #[test]
    fn stored_blobs_stream_and_mismatches_are_named() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let src: Arc<dyn ReadAt> = Arc::new(MemSource::new("m.wim", data.clone()));
        let spec = |off: u64, len: u64| ResourceSpec {
            part: 1,
            offset: off,
            size: len,
            uncompressed: len,
            storage: Storage::Stored,
            entry_offset: 7,
        };
        let span = |len: u64, hash| Span { start: 0, len, hash, label: Label::Blob, entry_offset: 7 };
        let tasks = vec![
            Task { spec: spec(0, 10), spans: vec![span(10, sha(&data[..10]))] },
            Task { spec: spec(10, 2_500_000), spans: vec![span(2_500_000, sha(&data[10..2_500_010]))] },
        ];
        let mut got = Vec::new();
        let mut last = (0, 0);
        let mut keep = |_: &Span, b: &[u8]| {
            got.extend_from_slice(b);
            Ok(())
        };
        run(std::slice::from_ref(&src), &tasks, 2, true, &mut keep, &mut |d, t| last = (d, t)).unwrap();
        assert_eq!(got, &data[..2_500_010]);
        assert_eq!(last, (2_500_010, 2_500_010));

        let bad = vec![Task { spec: spec(10, 2_500_000), spans: vec![span(2_500_000, [9; 20])] }];
        let e = run(&[src], &bad, 2, false, &mut |_, _| Ok(()), &mut |_, _| {}).unwrap_err();
        assert!(e.to_string().contains(&hex(&[9; 20])), "{e}");
    }
}
