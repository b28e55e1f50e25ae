//! The directory tree of one image, read lazily from its uncompressed metadata
//! resource (any `ReadAt`; for a compressed resource, one that decompresses only the
//! chunks a read touches).
//!
//! The resource is the security data, then the root dentry, then child lists: a
//! directory's `subdir_offset` points at its first child, siblings follow one another,
//! and a length of 8 or less ends the list. Finding one path reads only the child
//! lists of the directories on that path; listing or extracting a subtree reads the
//! lists below it.
//!
//! Hostile input is refused, never worked around (wimlib warns and skips some of
//! these; oemgate fails closed, exit code 4):
//! - names that are empty, `.` or `..`, or hold `/`, `\`, `:` or NUL;
//! - two entries of one directory with exactly the same name (names differing only in
//!   case are allowed, as NTFS directories with per-directory case sensitivity and
//!   wimlib allow them; a case-insensitive lookup that matches several of them and
//!   none exactly is an ambiguity, reported as a usage error);
//! - a child list that reaches past the resource without its end marker;
//! - cycles and shared child lists: a walk remembers every child-list offset it has
//!   read and every dentry offset, and refuses one seen before, so no input makes it
//!   loop or read the same entries twice (the number of entries and the bytes of their
//!   names are bounded by the resource's size);
//! - trees deeper than 16,384 levels (Windows paths are at most 32,767 characters).

use std::collections::HashSet;
use std::sync::Mutex;

use super::dentry::{self, Dentry};
use super::security::{self, SecurityData};
use crate::error::{Error, Result};
use crate::source::ReadAt;

const S: &str = "WIM directory tree";

/// The deepest directory nesting accepted.
pub const MAX_DEPTH: usize = 16_384;

/// One image's directory tree over its metadata resource.
pub struct Tree<'a> {
    src: ReadAhead<'a>,
    pub security: SecurityData,
    pub root: Dentry,
}

/// Bytes read ahead of a child list: a dentry takes several small reads, and a child
/// list is contiguous, so reads are served from a window of the resource.
const WINDOW: u64 = 64 * 1024;

struct ReadAhead<'a> {
    src: &'a dyn ReadAt,
    /// (start offset, bytes) of the window.
    window: Mutex<(u64, Vec<u8>)>,
}

impl ReadAt for ReadAhead<'_> {
    fn len(&self) -> u64 {
        self.src.len()
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        let want = buf.len() as u64;
        crate::source::check_range(S, offset, want, self.src.len())?;
        if want > WINDOW / 2 {
            return self.src.read_exact_at(offset, buf);
        }
        let mut w = self.window.lock().unwrap_or_else(|p| p.into_inner());
        let (start, ref mut bytes) = *w;
        let inside = offset >= start && offset + want <= start + bytes.len() as u64;
        if !inside {
            let n = WINDOW.min(self.src.len() - offset);
            bytes.resize(n as usize, 0);
            if let Err(e) = self.src.read_exact_at(offset, bytes) {
                bytes.clear();
                return Err(e);
            }
            w.0 = offset;
        }
        let (start, bytes) = &*w;
        let at = (offset - start) as usize;
        buf.copy_from_slice(&bytes[at..at + buf.len()]);
        Ok(())
    }
    fn name(&self) -> String {
        self.src.name()
    }
}

/// A dentry found by path, with its full path in the image's own spelling.
#[derive(Debug, Clone)]
pub struct Found {
    /// Absolute, `/`-separated; `/` for the root.
    pub path: String,
    pub dentry: Dentry,
}

/// Join a directory path and a child name: `/` + `a` → `/a`, `/a` + `b` → `/a/b`.
pub fn join(dir: &str, name: &str) -> String {
    if dir == "/" { format!("/{name}") } else { format!("{dir}/{name}") }
}

impl<'a> Tree<'a> {
    /// Read the security data and the root dentry.
    pub fn open(src: &'a dyn ReadAt) -> Result<Tree<'a>> {
        let src = ReadAhead { src, window: Mutex::new((0, Vec::new())) };
        let security = security::read(&src)?;
        let at = security.root_offset();
        let root = Dentry::read(&src, at)?
            .ok_or_else(|| Error::malformed(S, at, "no root directory entry (the image holds no files)"))?;
        if !root.is_directory() {
            return Err(Error::invalid(
                S,
                at + 8,
                "root attributes",
                "a directory",
                format!("0x{:08x}", root.attributes),
            ));
        }
        Ok(Tree { src, security, root })
    }

    /// The entries of directory `dir`, validated and in listing order (case-insensitive,
    /// then case-sensitive). Files have no entries (a subdir offset on a file is ignored).
    pub fn children(&self, dir: &Dentry) -> Result<Vec<Dentry>> {
        if !dir.is_directory() || dir.subdir_offset == 0 {
            return Ok(Vec::new());
        }
        let mut at = dir.subdir_offset;
        let mut out = Vec::new();
        while let Some(d) = Dentry::read(&self.src, at)? {
            if let Some(why) = dentry::bad_name(&d.name) {
                return Err(Error::Malformed {
                    structure: S,
                    offset: d.offset,
                    message: format!("refused: {why} ({:?})", d.name_lossy()),
                });
            }
            // `next_offset` > `at`: every dentry is at least 104 bytes long.
            at = d.next_offset;
            out.push(d);
        }
        out.sort_by(|a, b| dentry::collate(&a.name, &b.name));
        for pair in out.windows(2) {
            if pair[0].name == pair[1].name {
                return Err(Error::Malformed {
                    structure: S,
                    offset: pair[1].offset,
                    message: format!(
                        "refused: two entries named {:?} in one directory (the first at offset {})",
                        pair[1].name_lossy(),
                        pair[0].offset
                    ),
                });
            }
        }
        Ok(out)
    }

    /// Find `path` (absolute or relative to the root; `/` or `\` separated; matched
    /// case-insensitively, an exact match preferred). Reads only the child lists of the
    /// directories on the path. `Ok(None)` when it does not exist.
    pub fn lookup(&self, path: &str) -> Result<Option<Found>> {
        let mut cur = Found { path: "/".into(), dentry: self.root.clone() };
        for (depth, comp) in path.split(['/', '\\']).filter(|c| !c.is_empty()).enumerate() {
            if depth >= MAX_DEPTH {
                return Ok(None);
            }
            if !cur.dentry.is_directory() {
                return Ok(None);
            }
            let want: Vec<u16> = comp.encode_utf16().collect();
            let kids = self.children(&cur.dentry)?;
            let next = match kids.iter().find(|d| d.name == want) {
                Some(d) => d.clone(),
                None => {
                    let mut ci = kids.iter().filter(|d| dentry::eq_ignore_case(&d.name, &want));
                    match (ci.next(), ci.next()) {
                        (None, _) => return Ok(None),
                        (Some(d), None) => d.clone(),
                        (Some(a), Some(b)) => {
                            return Err(Error::Usage {
                                message: format!(
                                    "{:?} matches both {:?} and {:?} in {}, which differ only in case: give the exact name",
                                    comp,
                                    a.name_lossy(),
                                    b.name_lossy(),
                                    cur.path
                                ),
                            });
                        }
                    }
                }
            };
            cur = Found { path: join(&cur.path, &next.name_lossy()), dentry: next };
        }
        Ok(Some(cur))
    }

    /// Visit `start` and everything below it, depth first, each directory's entries in
    /// listing order; `visit(path, dentry, depth)` with `depth` 0 for `start`.
    pub fn walk(&self, start: &Found, visit: &mut dyn FnMut(&str, &Dentry, usize) -> Result<()>) -> Result<()> {
        // Every dentry read is remembered: one reached twice (from shared or cyclic
        // child lists) is refused, so the walk reads each stored entry at most once.
        let mut dentries: HashSet<u64> = HashSet::new();
        dentries.insert(start.dentry.offset);
        let mut seen: HashSet<u64> = HashSet::new();
        visit(&start.path, &start.dentry, 0)?;
        // Each frame: the remaining entries of one directory (reversed, popped from the
        // end) and the length of `path` before that directory's name was appended.
        let mut path = start.path.clone();
        let mut stack: Vec<(Vec<Dentry>, usize)> = Vec::new();
        let mut enter = |dir: &Dentry, stack: &mut Vec<(Vec<Dentry>, usize)>, path_len: usize| -> Result<()> {
            if !dir.is_directory() || dir.subdir_offset == 0 {
                return Ok(());
            }
            if stack.len() >= MAX_DEPTH {
                return Err(Error::malformed(
                    S,
                    dir.offset,
                    format!("directories nested deeper than {MAX_DEPTH} levels"),
                ));
            }
            let mut kids = self.children(dir)?;
            if kids.is_empty() {
                // An empty list (an end marker) may be shared harmlessly by empty directories.
                stack.push((kids, path_len));
                return Ok(());
            }
            if !seen.insert(dir.subdir_offset) {
                return Err(Error::Malformed {
                    structure: S,
                    offset: dir.offset + 0x10,
                    message: format!(
                        "refused: the child list at offset {} is reached a second time (a cycle or shared entries)",
                        dir.subdir_offset
                    ),
                });
            }
            for k in &kids {
                if !dentries.insert(k.offset) {
                    return Err(Error::Malformed {
                        structure: S,
                        offset: k.offset,
                        message: format!(
                            "refused: the entry {:?} is reached a second time (entries shared between directories)",
                            k.name_lossy()
                        ),
                    });
                }
            }
            kids.reverse();
            stack.push((kids, path_len));
            Ok(())
        };
        enter(&start.dentry, &mut stack, path.len())?;
        while let Some((kids, _)) = stack.last_mut() {
            let Some(d) = kids.pop() else {
                let (_, len) = stack.pop().expect("non-empty");
                path.truncate(len);
                continue;
            };
            let before = path.len();
            if path != "/" {
                path.push('/');
            }
            path.push_str(&d.name_lossy());
            visit(&path, &d, stack.len())?;
            if d.is_directory() && d.subdir_offset != 0 {
                enter(&d, &mut stack, before)?;
                // The path stays extended while the directory's entries are visited.
            } else {
                path.truncate(before);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::wim::dentry::tests::dentry_bytes;
    use crate::image::wim::dentry::{FILE_ATTRIBUTE_ARCHIVE as FILE, FILE_ATTRIBUTE_DIRECTORY as DIR, ZERO_HASH};
    use crate::source::MemSource;

    /// A metadata resource builder: entries are appended; offsets are returned so that
    /// subdir offsets can be patched.
    struct Meta(Vec<u8>);
    impl Meta {
        fn new() -> Meta {
            let mut b = Vec::new();
            b.extend_from_slice(&8u32.to_le_bytes());
            b.extend_from_slice(&0u32.to_le_bytes());
            Meta(b)
        }
        fn push(&mut self, bytes: Vec<u8>) -> u64 {
            let at = self.0.len() as u64;
            self.0.extend_from_slice(&bytes);
            at
        }
        fn end(&mut self) {
            self.0.extend_from_slice(&[0u8; 8]);
        }
        fn set_subdir(&mut self, dentry_at: u64, subdir: u64) {
            let at = dentry_at as usize + 0x10;
            self.0[at..at + 8].copy_from_slice(&subdir.to_le_bytes());
        }
        fn src(&self) -> MemSource {
            MemSource::new("meta", self.0.clone())
        }
    }

    /// / { a/ { x }, B, b }
    fn sample() -> Meta {
        let mut m = Meta::new();
        let root = m.push(dentry_bytes("", DIR, 0, ZERO_HASH, &[]));
        m.end();
        let list = m.0.len() as u64;
        m.set_subdir(root, list);
        let b_upper = m.push(dentry_bytes("B", FILE, 0, [1; 20], &[]));
        let a = m.push(dentry_bytes("a", DIR, 0, ZERO_HASH, &[]));
        m.push(dentry_bytes("b", FILE, 0, [2; 20], &[]));
        m.end();
        let _ = b_upper;
        let alist = m.0.len() as u64;
        m.set_subdir(a, alist);
        m.push(dentry_bytes("x", FILE, 0, ZERO_HASH, &[]));
        m.end();
        m
    }

    fn listing(src: &MemSource, path: &str) -> Result<Vec<String>> {
        let t = Tree::open(src)?;
        let start = t.lookup(path)?.expect("path exists");
        let mut v = Vec::new();
        t.walk(&start, &mut |p, _, _| {
            v.push(p.to_string());
            Ok(())
        })?;
        Ok(v)
    }

    #[test]
    fn walks_in_listing_order_and_looks_up_case_insensitively() {
        let m = sample();
        assert_eq!(listing(&m.src(), "/").unwrap(), ["/", "/a", "/a/x", "/B", "/b"]);
        assert_eq!(listing(&m.src(), "\\A").unwrap(), ["/a", "/a/x"]);
        let src = m.src();
        let t = Tree::open(&src).unwrap();
        // Exact match wins; two case-insensitive matches without an exact one is ambiguous.
        assert_eq!(t.lookup("/b").unwrap().unwrap().dentry.data_hash(), Some([2; 20]));
        assert_eq!(t.lookup("/B").unwrap().unwrap().dentry.data_hash(), Some([1; 20]));
        assert!(t.lookup("/A/X").unwrap().is_some());
        assert!(t.lookup("/a/x/y").unwrap().is_none());
        assert!(t.lookup("/nothing").unwrap().is_none());
        let mut m2 = Meta::new();
        let root = m2.push(dentry_bytes("", DIR, 0, ZERO_HASH, &[]));
        m2.end();
        let l = m2.0.len() as u64;
        m2.set_subdir(root, l);
        m2.push(dentry_bytes("Ab", FILE, 0, ZERO_HASH, &[]));
        m2.push(dentry_bytes("aB", FILE, 0, ZERO_HASH, &[]));
        m2.end();
        let src2 = m2.src();
        let t2 = Tree::open(&src2).unwrap();
        assert!(matches!(t2.lookup("/ab"), Err(Error::Usage { .. })));
        assert!(t2.lookup("/aB").unwrap().is_some());
    }

    #[test]
    fn empty_directories_may_share_an_end_marker() {
        let mut m = Meta::new();
        let root = m.push(dentry_bytes("", DIR, 0, ZERO_HASH, &[]));
        m.end();
        let l = m.0.len() as u64;
        m.set_subdir(root, l);
        let e1 = m.push(dentry_bytes("e1", DIR, 0, ZERO_HASH, &[]));
        let e2 = m.push(dentry_bytes("e2", DIR, 0, ZERO_HASH, &[]));
        m.push(dentry_bytes("f", FILE, 0, ZERO_HASH, &[]));
        m.end();
        let end = m.0.len() as u64;
        m.end();
        m.set_subdir(e1, end);
        m.set_subdir(e2, end);
        assert_eq!(listing(&m.src(), "/").unwrap(), ["/", "/e1", "/e2", "/f"]);
    }

    #[test]
    fn refuses_a_cycle() {
        let mut m = sample();
        // a/x becomes a directory whose children are the root's list.
        let x_at = m.0.len() as u64 - 8 - dentry_bytes("x", FILE, 0, ZERO_HASH, &[]).len() as u64;
        let root_list = u64::from_le_bytes(m.0[8 + 0x10..8 + 0x18].try_into().unwrap());
        m.0[x_at as usize + 8..x_at as usize + 12].copy_from_slice(&DIR.to_le_bytes());
        m.set_subdir(x_at, root_list);
        let e = listing(&m.src(), "/").unwrap_err().to_string();
        assert!(e.contains("second time"), "{e}");
    }

    #[test]
    fn refuses_bad_names_and_duplicates() {
        for (names, want) in
            [(vec![".."], "\"..\""), (vec!["a/b"], "separator"), (vec!["a:b"], ":"), (vec!["x", "x"], "two entries")]
        {
            let mut m = Meta::new();
            let root = m.push(dentry_bytes("", DIR, 0, ZERO_HASH, &[]));
            m.end();
            let l = m.0.len() as u64;
            m.set_subdir(root, l);
            for n in names {
                m.push(dentry_bytes(n, FILE, 0, ZERO_HASH, &[]));
            }
            m.end();
            let e = listing(&m.src(), "/").unwrap_err().to_string();
            assert!(e.contains(want), "{e}");
            // A lookup through that directory is refused too.
            assert!(Tree::open(&m.src()).unwrap().lookup("/y").is_err());
        }
    }

    #[test]
    fn refuses_lists_without_end_and_offsets_outside() {
        let mut m = sample();
        m.0.truncate(m.0.len() - 8); // a/'s list loses its end marker
        assert!(listing(&m.src(), "/").is_err());
        let mut m = sample();
        m.set_subdir(8, 1 << 40);
        assert!(listing(&m.src(), "/").is_err());
        // The root's list points at the root itself: an empty name.
        let mut m = sample();
        m.set_subdir(8, 8);
        assert!(listing(&m.src(), "/").is_err());
    }

    #[test]
    fn refuses_shared_lists() {
        // Two directories pointing into one list: entries read twice.
        let mut m = Meta::new();
        let root = m.push(dentry_bytes("", DIR, 0, ZERO_HASH, &[]));
        m.end();
        let l = m.0.len() as u64;
        m.set_subdir(root, l);
        let d1 = m.push(dentry_bytes("d1", DIR, 0, ZERO_HASH, &[]));
        let d2 = m.push(dentry_bytes("d2", DIR, 0, ZERO_HASH, &[]));
        m.end();
        let l2 = m.0.len() as u64;
        let f = m.push(dentry_bytes("f1", FILE, 0, ZERO_HASH, &[]));
        m.push(dentry_bytes("f2", FILE, 0, ZERO_HASH, &[]));
        m.end();
        m.set_subdir(d1, l2);
        m.set_subdir(d2, f);
        let e = listing(&m.src(), "/").unwrap_err().to_string();
        assert!(e.contains("second time"), "{e}");
    }
}
