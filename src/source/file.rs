//! A plain file, opened read-only, read at offsets: positional reads, no shared cursor,
//! so threads reading one image do not wait for each other.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::{ReadAt, check_range};
use crate::error::{Error, Result};

/// Reading a file at an offset without moving a cursor other reads depend on. Implemented
/// for `File` in `crate::platform` (the one place for OS-specific code): `pread` on Unix,
/// `ReadFile` with an offset on Windows.
pub trait PositionalRead {
    /// Read up to `buf.len()` bytes at `offset`; 0 at or past the end of the file.
    fn read_at_offset(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
}

pub struct FileSource {
    path: PathBuf,
    file: File,
    len: u64,
}

impl FileSource {
    /// Open `path` read-only. Directories and unreadable files are errors.
    pub fn open(path: impl AsRef<Path>) -> Result<FileSource> {
        let path = path.as_ref().to_path_buf();
        let shown = path.display().to_string();
        let file = File::open(&path).map_err(|e| Error::io(format!("{shown}: cannot open"), &e))?;
        let meta = file.metadata().map_err(|e| Error::io(format!("{shown}: cannot stat"), &e))?;
        if meta.is_dir() {
            return Err(Error::Io { what: shown, message: "is a directory, not a file".into() });
        }
        Ok(FileSource { path, len: meta.len(), file })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl ReadAt for FileSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        check_range("file", offset, buf.len() as u64, self.len)?;
        let what = || format!("{}: read at offset {offset}", self.path.display());
        let mut done = 0usize;
        while done < buf.len() {
            // `offset + done` lies inside the file: `check_range` passed.
            match self.file.read_at_offset(&mut buf[done..], offset + done as u64) {
                // The file shrank since it was opened.
                Ok(0) => {
                    return Err(Error::Truncated { structure: "file", offset, needed: buf.len() as u64, available: 0 });
                }
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::io(what(), &e)),
            }
        }
        Ok(())
    }

    fn name(&self) -> String {
        self.path.display().to_string()
    }
}

/// The one way to read a whole small file (a policy, a dumped table, a sysfs file):
/// read-only, at most `limit` bytes, also from pipes and devices whose size the metadata
/// does not tell (one byte past the limit is read at most, then refused). Errors name the
/// file: `PATH: cannot open WHAT: ...`, `PATH: cannot read WHAT: ...`, or `PATH: STRUCTURE
/// at offset 0: size N exceeds the limit of LIMIT bytes`.
pub fn read_file_bounded(path: &Path, what: &str, structure: &'static str, limit: u64) -> Result<Vec<u8>> {
    let shown = path.display().to_string();
    let file = File::open(path).map_err(|e| Error::io(format!("{shown}: cannot open {what}"), &e))?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(format!("{shown}: cannot read {what}"), &e))?;
    if bytes.len() as u64 > limit {
        return Err(Error::TooLarge { structure, offset: 0, size: bytes.len() as u64, limit }.in_file(shown));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_at_offsets_from_threads_and_refuses_past_the_end() {
        let dir = std::env::temp_dir().join(format!("oemgate-filesource-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("data");
        let data: Vec<u8> = (0..40_000u32).map(|i| (i ^ (i >> 8)) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let src = FileSource::open(&path).unwrap();
        assert_eq!(src.len(), 40_000);
        std::thread::scope(|s| {
            for t in 0..4usize {
                let (src, data) = (&src, &data);
                s.spawn(move || {
                    for k in 0..300usize {
                        let at = (t * 1009 + k * 7877) % 39_000;
                        let mut buf = vec![0u8; 1 + (k % 1000)];
                        src.read_exact_at(at as u64, &mut buf).unwrap();
                        assert_eq!(buf, data[at..at + buf.len()], "at {at}");
                    }
                });
            }
        });
        let mut buf = [0u8; 8];
        src.read_exact_at(39_992, &mut buf).unwrap();
        assert!(matches!(src.read_exact_at(39_993, &mut buf), Err(Error::Truncated { .. })));
        // A file that shrinks after it was opened: a typed error, not a short read.
        std::fs::write(&path, &data[..100]).unwrap();
        assert!(matches!(src.read_exact_at(1000, &mut buf), Err(Error::Truncated { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
