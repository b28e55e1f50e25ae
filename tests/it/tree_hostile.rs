//! Hostile directory trees: wimlib's own test images (from its source package, fetched
//! by tests/setup.sh into tests/cache/wimlib-test-images/) and damage crafted here into
//! the metadata of good images (cycles, `..`, separators, duplicates, names past the
//! buffer, child lists that never end, offsets outside the resource). Each is refused
//! with exit 4 and one line, never a panic or a hang, and nothing is ever written
//! outside the destination.

use std::path::{Path, PathBuf};

use sha1::{Digest, Sha1};

use crate::common::{TempDir, oemgate, root, tool_ok};

/// Everything below `dir`, relative, sorted (files, directories and links alike).
fn everything(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            out.push(e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// `dir` and `extract /` both refuse `image` with exit 4, one line naming `want`, and
/// nothing written at all (not even the destination, inside an empty sandbox).
fn refused(image: &Path, want: &str) {
    let img = image.to_str().unwrap();
    let r = oemgate(["dir", img]);
    assert_eq!(r.code, 4, "{img}: dir: {}", r.stderr);
    assert_eq!(r.stdout, "", "{img}: nothing on stdout");
    assert_eq!(r.stderr.lines().count(), 1, "{img}: one line: {}", r.stderr);
    assert!(r.stderr.contains(want), "{img}: expected {want:?} in {}", r.stderr);
    let sandbox = TempDir::new("hostile");
    let dest = sandbox.path().join("a/b/c/dest");
    let r = oemgate(["extract", img, "/", "--dest-dir", dest.to_str().unwrap()]);
    assert_eq!(r.code, 4, "{img}: extract: {}", r.stderr);
    assert!(r.stderr.contains(want), "{img}: expected {want:?} in {}", r.stderr);
    // The tree is checked whole before anything is written: nothing at all was created.
    assert_eq!(everything(sandbox.path()), Vec::<String>::new(), "{img}: something was written");
}

fn wimlib_images() -> Option<PathBuf> {
    let dir = std::env::var_os("OEMGATE_WIMLIB_TEST_IMAGES")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("tests/cache/wimlib-test-images"));
    if dir.join("cyclic.wim").exists() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("OEMGATE_REQUIRE_WIMLIB_TEST_IMAGES").is_none(),
        "wimlib's test images are required but missing from {}",
        dir.display()
    );
    eprintln!("SKIPPED: wimlib's test images are not in {} (tests/setup.sh fetches them)", dir.display());
    None
}

#[test]
fn wimlib_hostile_images() {
    let Some(dir) = wimlib_images() else { return };
    refused(&dir.join("cyclic.wim"), "a second time");
    refused(&dir.join("dotdot.wim"), "\"..\"");
    refused(&dir.join("duplicate_names.wim"), "two entries named");
    // A blob whose SHA-1 does not match, a blob that does not decompress: `dir` is
    // fine, extracting fails with exit 4 and leaves no file (not even a temporary one).
    for (name, want) in [
        ("corrupted_file_1.wim", ["/file", "22596363b3de40b06f981fb85d82312e8c0ed511", "hashes to"]),
        ("corrupted_file_2.wim", ["/file", "7d45deacdd4deadaf79523aa51a50a3370683f1d", "decompress"]),
    ] {
        let img = dir.join(name);
        let i = img.to_str().unwrap();
        assert_eq!(oemgate(["dir", i]).code, 0);
        let t = TempDir::new("corrupt");
        let r = oemgate(["extract", i, "/", "--dest-dir", t.path().to_str().unwrap()]);
        assert_eq!(r.code, 4, "{name}: {}", r.stderr);
        assert!(want.iter().all(|w| r.stderr.contains(w)), "{name}: {want:?} in {}", r.stderr);
        assert_eq!(everything(t.path()), Vec::<String>::new(), "{name}: bad data left behind");
        let r = oemgate(["extract", i, "/file", "--to-stdout"]);
        assert_eq!(r.code, 4, "{name}: {}", r.stderr);
        assert!(want.iter().all(|w| r.stderr.contains(w)), "{name}: {want:?} in {}", r.stderr);
    }
    // Valid images that must still work: a path longer than MAX_PATH, an empty DACL,
    // old-style Linux xattrs (tagged items inside the dentry).
    for name in ["longpaths.wim", "empty_dacl.wim", "linux_xattrs_old.wim"] {
        let img = dir.join(name);
        let i = img.to_str().unwrap();
        let r = oemgate(["dir", i]);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        assert_eq!(r.stdout, tool_ok("wimlib-imagex", &["dir", i, "1"]), "{name}");
        let t = TempDir::new("valid");
        let r = oemgate(["extract", i, "/", "--dest-dir", t.path().to_str().unwrap()]);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
    }
}

/// An uncompressed image of a small tree, with its metadata resource located, to damage.
struct Crafted {
    _t: TempDir,
    image: PathBuf,
    bytes: Vec<u8>,
    meta_offset: usize,
    meta_len: usize,
    meta_entry: usize,
}

impl Crafted {
    fn new() -> Crafted {
        let t = TempDir::new("crafted");
        let src = t.path().join("src");
        for (p, data) in
            [("top/ab", "x"), ("top/d1", "1"), ("top/d2", "2"), ("top/loop/inner", "in"), ("other/ok.txt", "fine")]
        {
            let f = src.join(p);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, data).unwrap();
        }
        let image = t.path().join("good.wim");
        tool_ok("wimlib-imagex", &["capture", src.to_str().unwrap(), image.to_str().unwrap(), "x", "--compress=none"]);
        let bytes = std::fs::read(&image).unwrap();
        // The blob table (header offset 48: 7-byte size, flags, offset): the entry whose
        // resource has the metadata flag (0x02).
        let le = |b: &[u8]| b.iter().rev().fold(0u64, |a, &x| (a << 8) | u64::from(x)) as usize;
        let (tsize, toff) = (le(&bytes[48..55]), le(&bytes[56..64]));
        let entry = (toff..toff + tsize).step_by(50).find(|&e| bytes[e + 7] & 0x02 != 0).unwrap();
        let (meta_len, meta_offset) = (le(&bytes[entry..entry + 7]), le(&bytes[entry + 8..entry + 16]));
        Crafted { image: t.path().join("bad.wim"), _t: t, bytes, meta_offset, meta_len, meta_entry: entry }
    }

    /// Offset in the file of the dentry named `name` (unique in the tree).
    fn dentry(&self, name: &str) -> usize {
        let mut pat: Vec<u8> = name.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        pat.extend([0, 0]);
        let meta = &self.bytes[self.meta_offset..self.meta_offset + self.meta_len];
        let at = (0..meta.len() - pat.len())
            .find(|&i| meta[i..i + pat.len()] == pat[..] && i >= 102 && meta[i - 2..i] == [(pat.len() - 2) as u8, 0])
            .unwrap_or_else(|| panic!("no dentry named {name}"));
        self.meta_offset + at - 102
    }

    fn subdir(&self, dentry: usize) -> u64 {
        u64::from_le_bytes(self.bytes[dentry + 16..dentry + 24].try_into().unwrap())
    }

    /// Write the damaged image with the metadata's SHA-1 in the blob table updated, so
    /// that only the tree itself is wrong.
    fn write(&mut self) -> &Path {
        let meta = &self.bytes[self.meta_offset..self.meta_offset + self.meta_len];
        let hash: [u8; 20] = Sha1::digest(meta).into();
        let e = self.meta_entry;
        self.bytes[e + 30..e + 50].copy_from_slice(&hash);
        std::fs::write(&self.image, &self.bytes).unwrap();
        &self.image
    }

    fn rename(&mut self, from: &str, to: &[u16]) {
        let d = self.dentry(from);
        for (i, u) in to.iter().enumerate() {
            self.bytes[d + 102 + 2 * i..d + 104 + 2 * i].copy_from_slice(&u.to_le_bytes());
        }
    }
}

fn utf16(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

#[test]
fn crafted_bad_names_are_refused() {
    for (to, want) in [
        (utf16(".."), "\"..\""),
        (utf16("a/"), "path separator"),
        (utf16("a\\"), "path separator"),
        (utf16("a:"), "\":\""),
        (vec![u16::from(b'a'), 0], "NUL"),
        (utf16("d1"), "two entries named \"d1\""), // d2 renamed: a duplicate
    ] {
        let mut c = Crafted::new();
        c.rename(if to == utf16("d1") { "d2" } else { "ab" }, &to);
        refused(c.write(), want);
        // A good path given first does not get written either: all are checked first.
        let sandbox = TempDir::new("hostile-two");
        let dest = sandbox.path().join("dest");
        let r = oemgate(["extract", c.image.to_str().unwrap(), "/other", "/top", "--dest-dir", dest.to_str().unwrap()]);
        assert_eq!(r.code, 4, "{}", r.stderr);
        assert_eq!(everything(sandbox.path()), Vec::<String>::new());
    }
}

#[test]
fn crafted_cycles_and_bad_offsets_are_refused() {
    // top/loop's children become top's children: a cycle.
    let mut c = Crafted::new();
    let (top, lp) = (c.dentry("top"), c.dentry("loop"));
    let to = c.subdir(top);
    c.bytes[lp + 16..lp + 24].copy_from_slice(&to.to_le_bytes());
    refused(c.write(), "a second time");
    // A path away from the damage is still found and extracted: the walk is lazy.
    let img = c.image.clone();
    let r = oemgate(["extract", img.to_str().unwrap(), "/other/ok.txt", "--to-stdout"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "fine"), "{}", r.stderr);

    // A subdir offset outside the resource.
    let mut c = Crafted::new();
    let lp = c.dentry("loop");
    c.bytes[lp + 16..lp + 24].copy_from_slice(&(1u64 << 40).to_le_bytes());
    refused(c.write(), "truncated");

    // A name length past the dentry (and the buffer).
    let mut c = Crafted::new();
    let ab = c.dentry("ab");
    c.bytes[ab + 100..ab + 102].copy_from_slice(&0xFFFEu16.to_le_bytes());
    refused(c.write(), "length");

    // A dentry length past the end of the resource.
    let mut c = Crafted::new();
    let ab = c.dentry("ab");
    c.bytes[ab..ab + 8].copy_from_slice(&(1u64 << 32).to_le_bytes());
    refused(c.write(), "length");

    // A child list that never ends: the end marker after the last entry of the
    // resource becomes a dentry length pointing past the end.
    let mut c = Crafted::new();
    let end = c.meta_offset + c.meta_len - 8;
    assert_eq!(c.bytes[end..end + 8], [0u8; 8], "the resource ends with an end-of-list marker");
    c.bytes[end..end + 8].copy_from_slice(&104u64.to_le_bytes());
    refused(c.write(), "WIM directory entry");

    // Extra stream entries announced but not there.
    let mut c = Crafted::new();
    let inner = c.dentry("inner");
    c.bytes[inner + 96..inner + 98].copy_from_slice(&0xFFFFu16.to_le_bytes());
    refused(c.write(), "stream entry");
}
