//! Writing files out of an image: a file or a whole directory into a destination
//! directory, or one file's bytes to a writer (`extract --to-stdout`).
//!
//! Safety, whatever the image says:
//! - the subtree to extract is walked and checked whole before anything is written:
//!   a damaged directory tree writes nothing;
//! - names were already refused by the tree reader when empty, `.`, `..`, or holding
//!   `/`, `\`, `:` or NUL; names that are not valid UTF-16, or that this system cannot
//!   hold as given (Windows device names, trailing dots), are refused here: nothing is
//!   ever written outside the destination;
//! - files are created new (never through an existing link), under a temporary name in
//!   their final directory; the blob streams into it, and only when its SHA-1 matches
//!   is it given its final name. On a mismatch or a decompression failure the temporary
//!   file is deleted and the error returned (exit 4): bad data is never left as a file;
//! - an existing file is never replaced without `force`; an existing directory is
//!   reused only when it is a real directory, never a link;
//! - reparse points (symbolic links, junctions) and encrypted files are not extracted
//!   (listed as skipped); named data streams are not extracted either (this system's
//!   files have no place for them) and are counted.

use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::image::file_listing::ImageStore;
use crate::image::wim::dentry::Dentry;
use crate::image::wim::tree::{Found, Tree};
use crate::platform::files::{self, Existing};

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Replace existing files (never directories, never anything outside the destination).
    pub force: bool,
}

/// What an extraction did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub files: u64,
    pub directories: u64,
    pub bytes: u64,
    /// Files written as hard links to a file of the same hard link group.
    pub hard_links: u64,
    /// Named data streams not written.
    pub named_streams_skipped: u64,
    /// Image paths not extracted, with the reason.
    pub skipped: Vec<String>,
}

fn filetime(ft: u64) -> Option<SystemTime> {
    const UNIX_EPOCH_FT: u64 = 116_444_736_000_000_000;
    let since = ft.checked_sub(UNIX_EPOCH_FT)?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_nanos(since.checked_mul(100)?))
}

fn io_err(path: &Path, what: &str, e: &std::io::Error) -> Error {
    Error::io(format!("{}: {what}", path.display()), e)
}

fn exists_err(path: &Path, what: &str) -> Error {
    Error::Usage { message: format!("{}: {what} (use --force to replace files)", path.display()) }
}

/// Name the file inside the image in an error about its data: `install.wim: /path: ...`.
fn at_path(e: Error, shown: &str, image_path: &str) -> Error {
    match e {
        Error::InFile { path, source } => Error::InFile { path: format!("{path}: {image_path}"), source },
        other => Error::InFile { path: format!("{shown}: {image_path}"), source: Box::new(other) },
    }
}

/// The name to create for `d`, or why it cannot be created here.
fn os_name(d: &Dentry, image_path: &str) -> Result<String> {
    let refused = |why: &str| Error::Malformed {
        structure: "WIM directory entry",
        offset: d.offset,
        message: format!("refused to extract {image_path:?}: {why}"),
    };
    let name = String::from_utf16(&d.name).map_err(|_| refused("the name is not valid UTF-16"))?;
    if let Some(why) = files::bad_os_name(&name) {
        return Err(refused(why));
    }
    Ok(name)
}

struct Writer<'a> {
    store: &'a dyn ImageStore,
    shown: &'a str,
    opts: Options,
    summary: Summary,
    /// (hard link group, data hash) → the file written first.
    links: HashMap<(u64, [u8; 20]), PathBuf>,
    tmp_counter: u64,
}

impl Writer<'_> {
    fn context(&self, image_path: &str, e: Error) -> Error {
        at_path(e, self.shown, image_path)
    }

    /// Make way for a file at `target`: nothing there, or (with force) a file or link removed.
    fn clear(&self, target: &Path) -> Result<()> {
        match files::existing(target).map_err(|e| io_err(target, "cannot inspect", &e))? {
            Existing::Nothing => Ok(()),
            Existing::Directory => Err(exists_err(target, "exists and is a directory")),
            _ if !self.opts.force => Err(exists_err(target, "exists")),
            _ => std::fs::remove_file(target).map_err(|e| io_err(target, "cannot replace", &e)),
        }
    }

    fn dir(&mut self, target: &Path) -> Result<()> {
        if self.opts.force && matches!(files::existing(target), Ok(Existing::Link | Existing::File)) {
            std::fs::remove_file(target).map_err(|e| io_err(target, "cannot replace", &e))?;
        }
        files::ensure_dir(target).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                exists_err(target, "exists and is not a directory")
            } else {
                io_err(target, "cannot create directory", &e)
            }
        })?;
        self.summary.directories += 1;
        Ok(())
    }

    fn file(&mut self, d: &Dentry, image_path: &str, target: &Path) -> Result<()> {
        self.clear(target)?;
        let data = d.data_hash();
        if let Some(h) = data
            && d.hard_link_group != 0
            && let Some(first) = self.links.get(&(d.hard_link_group, h))
            && std::fs::hard_link(first, target).is_ok()
        {
            self.summary.hard_links += 1;
            self.summary.files += 1;
            return Ok(());
        }
        let parent = target.parent().unwrap_or(Path::new("."));
        self.tmp_counter += 1;
        let tmp = parent.join(format!(".oemgate-{}-{}.tmp", std::process::id(), self.tmp_counter));
        let file = files::create_new_file(&tmp).map_err(|e| io_err(&tmp, "cannot create", &e))?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        let written = match data {
            Some(h) => self.store.read_blob_verified(&h, &mut w).map_err(|e| self.context(image_path, e)),
            None => Ok(0),
        };
        let finished = written.and_then(|n| {
            let file = w.into_inner().map_err(|e| io_err(&tmp, "cannot write", e.error()))?;
            if let Some(t) = filetime(d.last_write_time) {
                let _ = file.set_modified(t);
            }
            Ok(n)
        });
        let n = match finished {
            Ok(n) => n,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
        };
        if let Err(e) = files::publish_no_replace(&tmp, target) {
            let _ = std::fs::remove_file(&tmp);
            return Err(if e.kind() == std::io::ErrorKind::AlreadyExists {
                exists_err(target, "exists")
            } else {
                io_err(target, "cannot create", &e)
            });
        }
        if let Some(h) = data
            && d.hard_link_group != 0
        {
            self.links.entry((d.hard_link_group, h)).or_insert_with(|| target.to_path_buf());
        }
        self.summary.files += 1;
        self.summary.bytes += n;
        Ok(())
    }
}

/// Read and check the whole subtree at `start` (the metadata only, no file data): a
/// damaged tree or a name this system cannot hold is an error before anything is written.
pub fn check(tree: &Tree, start: &Found) -> Result<()> {
    tree.walk(start, &mut |path, d, depth| {
        if depth > 0 || start.path != "/" {
            os_name(d, path)?;
        }
        Ok(())
    })
}

/// Extract `start` (a file, a directory, or the root: its contents) into `dest`, which
/// is created when missing. `shown` names the image in messages.
pub fn to_dir(
    store: &dyn ImageStore,
    shown: &str,
    tree: &Tree,
    start: &Found,
    dest: &Path,
    opts: Options,
) -> Result<Summary> {
    check(tree, start)?;
    std::fs::create_dir_all(dest).map_err(|e| io_err(dest, "cannot create directory", &e))?;
    if !std::fs::metadata(dest).map_err(|e| io_err(dest, "cannot inspect", &e))?.is_dir() {
        return Err(Error::Usage { message: format!("{}: not a directory", dest.display()) });
    }
    let mut w = Writer { store, shown, opts, summary: Summary::default(), links: HashMap::new(), tmp_counter: 0 };
    let is_root = start.path == "/";
    // targets[depth]: where the entry at that depth of the walk goes.
    let mut targets: Vec<PathBuf> = Vec::new();
    let mut skip_below: Option<usize> = None;
    tree.walk(start, &mut |path, d, depth| {
        if let Some(s) = skip_below {
            if depth > s {
                return Ok(());
            }
            skip_below = None;
        }
        targets.truncate(depth);
        let target = if depth == 0 && is_root {
            dest.to_path_buf()
        } else {
            let parent = if depth == 0 { dest } else { &targets[depth - 1] };
            parent.join(os_name(d, path)?)
        };
        let named = d.named_streams().count() as u64;
        w.summary.named_streams_skipped += named;
        if d.is_reparse_point() || d.is_encrypted() {
            let why = if d.is_reparse_point() { "reparse point (link or junction)" } else { "encrypted" };
            w.summary.skipped.push(format!("{path}: {why}"));
            skip_below = Some(depth);
            targets.push(target);
            return Ok(());
        }
        if d.is_directory() {
            if !(depth == 0 && is_root) {
                w.dir(&target)?;
            }
        } else {
            w.file(d, path, &target)?;
        }
        targets.push(target);
        Ok(())
    })?;
    Ok(w.summary)
}

/// Refuse what `--to-stdout` cannot write: directories, reparse points, encrypted files.
pub fn check_plain_file(shown: &str, start: &Found) -> Result<()> {
    let d = &start.dentry;
    if d.is_directory() || d.is_reparse_point() || d.is_encrypted() {
        let what = if d.is_directory() { "a directory" } else { "not a plain file" };
        return Err(Error::Usage {
            message: format!("{shown}: {} is {what}: --to-stdout writes files only", start.path),
        });
    }
    Ok(())
}

/// Write the contents of file `start` to `out`; a directory or reparse point is a
/// usage error. On a SHA-1 mismatch the bytes were already written and the error says
/// so: the caller must discard them.
pub fn to_writer(store: &dyn ImageStore, shown: &str, start: &Found, out: &mut dyn Write) -> Result<u64> {
    check_plain_file(shown, start)?;
    match start.dentry.data_hash() {
        Some(h) => store.read_blob_verified(&h, out).map_err(|e| at_path(e, shown, &start.path)),
        None => Ok(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::wim::dentry::tests::dentry_bytes;
    use crate::image::wim::dentry::{FILE_ATTRIBUTE_ARCHIVE as FILE, FILE_ATTRIBUTE_DIRECTORY as DIR, ZERO_HASH};
    use crate::source::{MemSource, ReadAt};

    /// Blobs by name: the "hash" is the name padded; `bad` ones fail their check after
    /// writing their bytes, as a SHA-1 mismatch does.
    struct Store {
        meta: Vec<u8>,
        blobs: HashMap<[u8; 20], (Vec<u8>, bool)>,
    }
    impl ImageStore for Store {
        fn image_count(&self) -> u32 {
            1
        }
        fn metadata(&self, _: u32) -> Result<Box<dyn ReadAt + '_>> {
            Ok(Box::new(MemSource::new("meta", self.meta.clone())))
        }
        fn blob_size(&self, h: &[u8; 20]) -> Result<u64> {
            Ok(self.blobs[h].0.len() as u64)
        }
        fn read_blob_verified(&self, h: &[u8; 20], sink: &mut dyn Write) -> Result<u64> {
            let (data, bad) = &self.blobs[h];
            sink.write_all(data).unwrap();
            if *bad { Err(Error::malformed("blob", 0, "SHA-1 mismatch")) } else { Ok(data.len() as u64) }
        }
    }

    fn store(bad_blob: bool) -> Store {
        let mut m = vec![8, 0, 0, 0, 0, 0, 0, 0];
        let root = m.len();
        m.extend(dentry_bytes("", DIR, 0, ZERO_HASH, &[]));
        m.extend([0u8; 8]);
        let list = m.len() as u64;
        m[root + 0x10..root + 0x18].copy_from_slice(&list.to_le_bytes());
        let d = m.len();
        m.extend(dentry_bytes("dir", DIR, 0, ZERO_HASH, &[]));
        m.extend(dentry_bytes("good", FILE, 0, [1; 20], &[]));
        m.extend(dentry_bytes("empty", FILE, 0, ZERO_HASH, &[("ads", [1; 20])]));
        m.extend([0u8; 8]);
        let sub = m.len() as u64;
        m[d + 0x10..d + 0x18].copy_from_slice(&sub.to_le_bytes());
        m.extend(dentry_bytes("bad", FILE, 0, [2; 20], &[]));
        m.extend([0u8; 8]);
        let mut blobs = HashMap::new();
        blobs.insert([1; 20], (b"good data".to_vec(), false));
        blobs.insert([2; 20], (b"corrupt".to_vec(), bad_blob));
        Store { meta: m, blobs }
    }

    fn tmpdir(tag: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!("oemgate-extract-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        p
    }

    #[test]
    fn extracts_and_never_leaves_bad_data() {
        let s = store(false);
        let meta = s.metadata(1).unwrap();
        let tree = Tree::open(&*meta).unwrap();
        let root = tree.lookup("/").unwrap().unwrap();
        let dest = tmpdir("ok");
        let sum = to_dir(&s, "t.wim", &tree, &root, &dest, Options::default()).unwrap();
        assert_eq!(std::fs::read(dest.join("good")).unwrap(), b"good data");
        assert_eq!(std::fs::read(dest.join("empty")).unwrap(), b"");
        assert_eq!(std::fs::read(dest.join("dir/bad")).unwrap(), b"corrupt");
        assert_eq!((sum.files, sum.directories, sum.named_streams_skipped), (3, 1, 1));
        // Again: existing files are not replaced without force, and are with it.
        let e = to_dir(&s, "t.wim", &tree, &root, &dest, Options::default()).unwrap_err();
        assert!(matches!(e, Error::Usage { .. }), "{e}");
        to_dir(&s, "t.wim", &tree, &root, &dest, Options { force: true }).unwrap();
        std::fs::remove_dir_all(&dest).unwrap();

        let s = store(true);
        let meta = s.metadata(1).unwrap();
        let tree = Tree::open(&*meta).unwrap();
        let dir = tree.lookup("/DIR").unwrap().unwrap();
        let dest = tmpdir("bad");
        let e = to_dir(&s, "t.wim", &tree, &dir, &dest, Options::default()).unwrap_err();
        assert!(e.to_string().contains("t.wim: /dir/bad"), "{e}");
        // Nothing but the (empty) directory is left: no file, no temporary.
        let left: Vec<_> = std::fs::read_dir(dest.join("dir")).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");
        std::fs::remove_dir_all(&dest).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn never_writes_through_a_link_in_the_destination() {
        let s = store(false);
        let meta = s.metadata(1).unwrap();
        let tree = Tree::open(&*meta).unwrap();
        let root = tree.lookup("/").unwrap().unwrap();
        let dest = tmpdir("link");
        let outside = tmpdir("outside");
        std::fs::create_dir_all(&dest).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, dest.join("dir")).unwrap();
        std::os::unix::fs::symlink(outside.join("good"), dest.join("good")).unwrap();
        assert!(to_dir(&s, "t.wim", &tree, &root, &dest, Options::default()).is_err());
        // Even with force, links are replaced, never followed.
        to_dir(&s, "t.wim", &tree, &root, &dest, Options { force: true }).unwrap();
        assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
        assert!(std::fs::symlink_metadata(dest.join("dir")).unwrap().is_dir());
        std::fs::remove_dir_all(&dest).unwrap();
        std::fs::remove_dir_all(&outside).unwrap();
    }
}
