//! A plain file, opened read-only.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::{ReadAt, check_range};
use crate::error::{Error, Result};

pub struct FileSource {
    path: PathBuf,
    file: Mutex<File>,
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
        Ok(FileSource { path, len: meta.len(), file: Mutex::new(file) })
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
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        let what = || format!("{}: read at offset {offset}", self.path.display());
        file.seek(SeekFrom::Start(offset)).map_err(|e| Error::io(what(), &e))?;
        file.read_exact(buf).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                Error::Truncated { structure: "file", offset, needed: buf.len() as u64, available: 0 }
            } else {
                Error::io(what(), &e)
            }
        })
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
