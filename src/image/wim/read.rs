//! Reading resources: [`Resource`] reads any range of a resource's uncompressed bytes,
//! decompressing only the chunks that hold it and keeping the last few in a small
//! cache; [`ResourceView`] is a window of one (a blob, a metadata resource) as a
//! [`ReadAt`] source.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use super::chunk_table::{Chunk, ChunkTable};
use super::resource::{ResourceSpec, Storage};
use crate::error::{Error, Result};
use crate::image::decompress::{self, Codec, Decompressor};
use crate::source::{ReadAt, check_range};

/// Decoded chunks kept per resource: about this many bytes (at least one chunk).
const CACHE_BYTES: usize = 16 * 1024 * 1024;

/// One resource of a WIM part, ready to read.
pub struct Resource {
    src: Arc<dyn ReadAt>,
    spec: ResourceSpec,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    table: Option<Arc<ChunkTable>>,
    decompressor: Option<Box<dyn Decompressor>>,
    cache: VecDeque<(u64, Arc<Vec<u8>>)>,
    cbuf: Vec<u8>,
}

impl Resource {
    /// A resource of `src` (the part's file). The range must lie inside the file.
    pub fn new(src: Arc<dyn ReadAt>, spec: ResourceSpec) -> Result<Resource> {
        check_range("WIM resource", spec.offset, spec.size, src.len()).map_err(|_| {
            Error::invalid(
                "WIM resource",
                spec.entry_offset,
                "resource range",
                format!("within the file's {} bytes", src.len()),
                format!("offset {} + size {} points past the end", spec.offset, spec.size),
            )
        })?;
        Ok(Resource { src, spec, state: Mutex::new(State::default()) })
    }

    pub fn spec(&self) -> &ResourceSpec {
        &self.spec
    }

    pub fn source(&self) -> &Arc<dyn ReadAt> {
        &self.src
    }

    /// The chunk table (read and checked on first use).
    pub fn table(&self) -> Result<Arc<ChunkTable>> {
        let mut st = self.lock();
        self.table_locked(&mut st)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn table_locked(&self, st: &mut State) -> Result<Arc<ChunkTable>> {
        if let Some(t) = &st.table {
            return Ok(t.clone());
        }
        let t = Arc::new(ChunkTable::read(&*self.src, &self.spec)?);
        st.table = Some(t.clone());
        Ok(t)
    }

    /// Fill `buf` with the uncompressed bytes at `offset`.
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        check_range("WIM resource data", offset, buf.len() as u64, self.spec.uncompressed)?;
        if buf.is_empty() {
            return Ok(());
        }
        if self.spec.storage == Storage::Stored {
            return self.src.read_exact_at(self.spec.offset + offset, buf);
        }
        let mut st = self.lock();
        let table = self.table_locked(&mut st)?;
        let cs = u64::from(table.chunk_size());
        let mut done = 0usize;
        while done < buf.len() {
            let pos = offset + done as u64;
            let i = pos / cs;
            let data = self.chunk_locked(&mut st, &table, i)?;
            let within = (pos - i * cs) as usize;
            let avail = data.get(within..).unwrap_or(&[]);
            if avail.is_empty() {
                return Err(Error::malformed("WIM resource", self.spec.offset, "chunk shorter than its size"));
            }
            let take = avail.len().min(buf.len() - done);
            buf[done..done + take].copy_from_slice(&avail[..take]);
            done += take;
        }
        Ok(())
    }

    fn chunk_locked(&self, st: &mut State, table: &ChunkTable, i: u64) -> Result<Arc<Vec<u8>>> {
        if let Some(pos) = st.cache.iter().position(|(n, _)| *n == i) {
            let hit = st.cache.remove(pos).unwrap_or_else(|| (i, Arc::new(Vec::new())));
            let data = hit.1.clone();
            st.cache.push_front(hit);
            return Ok(data);
        }
        let chunk = table
            .chunk(i)
            .ok_or_else(|| Error::malformed("WIM chunk table", self.spec.offset, format!("no chunk {i}")))?;
        let mut out = vec![0u8; chunk.usize as usize];
        if chunk.is_raw() {
            self.src.read_exact_at(chunk.offset, &mut out)?;
        } else {
            let mut cbuf = std::mem::take(&mut st.cbuf);
            cbuf.resize(chunk.csize as usize, 0);
            self.src.read_exact_at(chunk.offset, &mut cbuf)?;
            if st.decompressor.is_none() {
                st.decompressor = Some(new_decompressor(&self.spec)?);
            }
            let d = st.decompressor.as_mut().ok_or_else(|| Error::malformed("WIM resource", 0, "no decompressor"))?;
            let r = decode(d.as_mut(), codec_of(&self.spec), &chunk, &cbuf, &mut out);
            st.cbuf = cbuf;
            r?;
        }
        let data = Arc::new(out);
        let cap = (CACHE_BYTES / table.chunk_size().max(1) as usize).clamp(1, 64);
        while st.cache.len() >= cap {
            st.cache.pop_back();
        }
        st.cache.push_front((i, data.clone()));
        Ok(data)
    }
}

/// The codec of a chunked or solid resource (`None` for stored data or a solid
/// resource that declares no compression).
pub fn codec_of(spec: &ResourceSpec) -> Option<Codec> {
    match spec.storage {
        Storage::Stored => None,
        Storage::Chunked { codec, .. } => Some(codec),
        Storage::Solid { codec, .. } => codec,
    }
}

/// The name wimlib and DISM use for a codec.
pub fn codec_name(c: Codec) -> &'static str {
    match c {
        Codec::Xpress => "XPRESS",
        Codec::Lzx => "LZX",
        Codec::Lzms => "LZMS",
    }
}

/// A decompressor for the chunks of `spec`.
pub fn new_decompressor(spec: &ResourceSpec) -> Result<Box<dyn Decompressor>> {
    let (Some(codec), Some(cs)) = (codec_of(spec), spec.chunk_size()) else {
        return Err(Error::malformed(
            "WIM compressed chunk",
            spec.offset,
            "a compressed chunk in a resource that declares no compression",
        ));
    };
    decompress::new(codec, cs as usize).map_err(|e| Error::Unsupported {
        structure: "WIM resource",
        offset: spec.entry_offset,
        message: format!("{} with chunks of {cs} bytes: {}", codec_name(codec), e.message),
    })
}

/// Decompress one chunk (`cdata` its `chunk.csize` compressed bytes) into `out`
/// (`chunk.usize` bytes); raw chunks are copied.
pub fn decode(
    d: &mut dyn Decompressor,
    codec: Option<Codec>,
    chunk: &Chunk,
    cdata: &[u8],
    out: &mut [u8],
) -> Result<()> {
    if chunk.is_raw() {
        if cdata.len() != out.len() {
            return Err(Error::malformed("WIM chunk", chunk.offset, "raw chunk of the wrong size"));
        }
        out.copy_from_slice(cdata);
        return Ok(());
    }
    if codec.is_none() {
        return Err(Error::malformed(
            "WIM compressed chunk",
            chunk.offset,
            "a compressed chunk in a resource that declares no compression",
        ));
    }
    d.decompress(cdata, out).map_err(|e| {
        Error::malformed(
            "WIM compressed chunk",
            chunk.offset,
            format!(
                "{} bytes of {} data do not decompress to {} bytes: {} (at byte {} of the chunk)",
                chunk.csize,
                codec_name(e.codec),
                chunk.usize,
                e.message,
                e.offset
            ),
        )
    })
}

/// A window of a resource's uncompressed bytes (a blob, or a whole metadata resource)
/// as a random-access source: reading a range decompresses only the chunks holding it.
#[derive(Clone)]
pub struct ResourceView {
    res: Option<Arc<Resource>>,
    start: u64,
    len: u64,
    name: String,
}

impl ResourceView {
    pub(crate) fn new(res: Arc<Resource>, start: u64, len: u64, name: String) -> Result<ResourceView> {
        check_range("WIM resource data", start, len, res.spec().uncompressed).map_err(|_| {
            Error::invalid(
                "WIM blob",
                res.spec().entry_offset,
                "range",
                format!("within the {} uncompressed bytes of its resource", res.spec().uncompressed),
                format!("{len} bytes at {start}"),
            )
        })?;
        Ok(ResourceView { res: Some(res), start, len, name })
    }

    /// A view of no bytes (the empty blob, whose hash is all zeros).
    pub fn empty(name: String) -> ResourceView {
        ResourceView { res: None, start: 0, len: 0, name }
    }

    /// The resource the view reads from (`None` for the empty view).
    pub fn resource(&self) -> Option<&Arc<Resource>> {
        self.res.as_ref()
    }

    /// Where the view starts in its resource's uncompressed data.
    pub fn start(&self) -> u64 {
        self.start
    }
}

impl ReadAt for ResourceView {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        check_range("WIM resource data", offset, buf.len() as u64, self.len)?;
        match &self.res {
            Some(r) => r.read_at(self.start + offset, buf),
            None => Ok(()),
        }
    }

    fn name(&self) -> String {
        self.name.clone()
    }
}
