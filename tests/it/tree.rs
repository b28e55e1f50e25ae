//! `dir` and `extract` against wimlib: for images wimlib writes (every compression
//! type and chunk size, solid ESD, split sets, pipable) and for every image fixture,
//! `oemgate dir` prints exactly what `wimlib-imagex dir` prints, and every file
//! `oemgate extract` writes has exactly the bytes `wimlib-imagex extract` writes.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::{TempDir, fixture, image_fixtures, oemgate, tool, tool_ok};

/// Deterministic bytes: compressible text or incompressible noise.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn text(len: usize) -> Vec<u8> {
    b"The quick brown fox jumps over the lazy dog. 0123456789\n".iter().copied().cycle().take(len).collect()
}

/// A tree with the cases the issue lists: empty files, one byte, exactly one chunk,
/// many chunks (compressible and not), hard links, a symbolic link, names differing
/// only in case, non-ASCII names, a path longer than 260 characters, a directory of
/// many files, and (with `big`) 3 MiB of noise so that a split set has several parts.
fn make_tree(root: &Path, big: bool) {
    let w = |rel: &str, data: &[u8]| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    };
    w("empty.txt", b"");
    w("one.bin", b"x");
    w("Windows/System32/exactly-32k.bin", &text(32768));
    w("Windows/System32/kernel32.dll", &noise(200_000, 7));
    w("Windows/System32/config/SOFTWARE", &text(300_000));
    w("Windows/win.ini", b"[fonts]\r\n");
    w("Case/a.txt", b"upper");
    w("case/a.txt", b"lower");
    w("Unicode/Ünïcødé 日本語.txt", "ünïcødé".as_bytes());
    w("with space/file name.txt", b"spaces");
    std::fs::create_dir_all(root.join("empty-dir")).unwrap();
    let mut long = String::new();
    for i in 0..10 {
        long.push_str(&format!("a-rather-long-directory-name-{i:02}/"));
    }
    long.push_str("deep.txt");
    w(&long, b"deep");
    for i in 0..300 {
        w(&format!("many/file{i:04}.txt"), format!("file {i}\n").as_bytes());
    }
    std::fs::hard_link(root.join("Windows/win.ini"), root.join("Windows/win-link.ini")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("win.ini", root.join("Windows/win-symlink.ini")).unwrap();
    if big {
        w("big/noise.bin", &noise(3 << 20, 99));
    }
}

fn capture(tree: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec!["capture", tree.to_str().unwrap(), out.to_str().unwrap(), "test image"];
    args.extend_from_slice(extra);
    tool_ok("wimlib-imagex", &args);
}

/// Regular files below `root` (relative path → bytes), and the directories.
fn files(root: &Path) -> (BTreeMap<String, Vec<u8>>, Vec<String>) {
    let mut files = BTreeMap::new();
    let mut dirs = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let t = e.file_type().unwrap();
            if t.is_dir() {
                dirs.push(rel);
                stack.push(p);
            } else if t.is_file() {
                files.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    dirs.sort();
    (files, dirs)
}

/// `dir` of index 1 equals wimlib's, whole and below one path.
fn check_dir(image: &Path, index: u32) {
    let img = image.to_str().unwrap();
    let ours = oemgate(["dir", img, "--index", &index.to_string()]);
    assert_eq!(ours.code, 0, "{img}: {}", ours.stderr);
    let theirs = tool_ok("wimlib-imagex", &["dir", img, &index.to_string()]);
    assert_eq!(ours.stdout, theirs, "{img} index {index}: dir differs from wimlib-imagex dir");
    assert!(ours.stdout.starts_with("/\n"), "{img}: the root is listed first");
}

/// Extract index 1 whole with both tools; every regular file wimlib writes, oemgate
/// writes with the same bytes, and nothing else (links are not extracted by oemgate).
fn check_extract(image: &Path, index: u32) {
    let img = image.to_str().unwrap();
    let t = TempDir::new("tree-x");
    let ours = t.path().join("ours");
    let theirs = t.path().join("theirs");
    let r = oemgate(["extract", img, "/", "--index", &index.to_string(), "--dest-dir", ours.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{img}: {}", r.stderr);
    let idx = index.to_string();
    let dest = format!("--dest-dir={}", theirs.display());
    let mut args = vec!["extract", img, &idx, "/", &dest, "--no-acls"];
    // A split set: wimlib is told about the other parts.
    let refs = format!("--ref={}", img.replace(".swm", "*.swm"));
    if img.ends_with(".swm") {
        args.push(&refs);
    }
    tool_ok("wimlib-imagex", &args);
    let (of, od) = files(&ours);
    let (tf, td) = files(&theirs);
    assert_eq!(od, td, "{img}: directories differ");
    assert_eq!(of.keys().collect::<Vec<_>>(), tf.keys().collect::<Vec<_>>(), "{img}: file lists differ");
    for (name, bytes) in &tf {
        assert!(of[name] == *bytes, "{img}: {name}: bytes differ from wimlib-imagex extract");
    }
}

struct Variant {
    name: &'static str,
    file: &'static str,
    args: &'static [&'static str],
}

const VARIANTS: &[Variant] = &[
    Variant { name: "none", file: "t.wim", args: &["--compress=none"] },
    Variant { name: "xpress-4k", file: "t.wim", args: &["--compress=XPRESS", "--chunk-size=4096"] },
    Variant { name: "xpress-64k", file: "t.wim", args: &["--compress=XPRESS", "--chunk-size=65536"] },
    Variant { name: "lzx-32k", file: "t.wim", args: &["--compress=LZX"] },
    Variant { name: "lzx-1m", file: "t.wim", args: &["--compress=LZX", "--chunk-size=1048576"] },
    Variant { name: "lzms", file: "t.wim", args: &["--compress=LZMS"] },
    Variant { name: "solid-esd", file: "t.esd", args: &["--solid"] },
    Variant { name: "pipable", file: "t.wim", args: &["--pipable"] },
];

#[test]
fn dir_and_extract_equal_wimlib_for_every_compression() {
    let t = TempDir::new("tree-variants");
    let src = t.path().join("src");
    make_tree(&src, false);
    for v in VARIANTS {
        let img = t.path().join(format!("{}-{}", v.name, v.file));
        capture(&src, &img, v.args);
        check_dir(&img, 1);
        check_extract(&img, 1);
    }
}

#[test]
fn split_sets_with_a_blob_in_every_part() {
    let t = TempDir::new("tree-split");
    let src = t.path().join("src");
    make_tree(&src, true);
    let wim = t.path().join("t.wim");
    capture(&src, &wim, &["--compress=none"]);
    let swm = t.path().join("t.swm");
    tool_ok("wimlib-imagex", &["split", wim.to_str().unwrap(), swm.to_str().unwrap(), "1"]);
    assert!(t.path().join("t3.swm").exists(), "expected at least three parts");
    check_dir(&swm, 1);
    check_extract(&swm, 1);
}

#[test]
fn every_image_fixture_equals_wimlib() {
    for img in image_fixtures() {
        let count: u32 = tool_ok("wimlib-imagex", &["info", img.to_str().unwrap()])
            .lines()
            .find_map(|l| l.strip_prefix("Image Count:").map(|v| v.trim().parse().unwrap()))
            .unwrap();
        for index in [1, count] {
            check_dir(&img, index);
        }
        check_extract(&img, 1);
    }
}

#[test]
fn paths_are_case_insensitive_and_either_slash() {
    let t = TempDir::new("tree-paths");
    let src = t.path().join("src");
    make_tree(&src, false);
    let img = t.path().join("t.wim");
    capture(&src, &img, &["--compress=XPRESS"]);
    let i = img.to_str().unwrap();
    // One file to stdout, by a differently spelled path, equals wimlib's --to-stdout.
    let ours = std::process::Command::new(env!("CARGO_BIN_EXE_oemgate"))
        .args(["extract", i, "\\WINDOWS\\system32\\KERNEL32.DLL", "--to-stdout"])
        .output()
        .unwrap();
    assert_eq!(ours.status.code(), Some(0), "{}", String::from_utf8_lossy(&ours.stderr));
    let theirs = tool("wimlib-imagex", &["extract", i, "1", "/Windows/System32/kernel32.dll", "--to-stdout"]);
    assert!(theirs.status.success());
    assert!(ours.stdout == theirs.stdout && ours.stdout.len() == 200_000);
    // dir below a path, spelled differently, prints the image's own spelling.
    let r = oemgate(["dir", i, "windows/SYSTEM32/config"]);
    assert_eq!(r.stdout, "/Windows/System32/config\n/Windows/System32/config/SOFTWARE\n");
    // Names differing only in case: the exact one is chosen; a case-insensitive
    // spelling matching both is refused as ambiguous (exit 2).
    let r = oemgate(["extract", i, "/case/a.txt", "--to-stdout"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "lower"));
    let r = oemgate(["extract", i, "/CASE/a.txt", "--to-stdout"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("differ only in case"), "{}", r.stderr);
    // A path the image lacks, a bad index, a directory to stdout: usage errors.
    assert_eq!(oemgate(["extract", i, "/nope", "--to-stdout"]).code, 2);
    assert_eq!(oemgate(["dir", i, "/nope"]).code, 2);
    assert_eq!(oemgate(["dir", i, "--index", "2"]).code, 2);
    assert_eq!(oemgate(["extract", i, "/Windows", "--to-stdout"]).code, 2);
    assert_eq!(oemgate(["extract", i, "/Windows"]).code, 2); // neither --dest-dir nor --to-stdout
}

#[test]
fn extract_one_file_and_a_directory_and_never_overwrite() {
    let t = TempDir::new("tree-one");
    let src = t.path().join("src");
    make_tree(&src, false);
    let img = t.path().join("t.wim");
    capture(&src, &img, &["--compress=LZX"]);
    let i = img.to_str().unwrap();
    let dest = t.path().join("out");
    let d = dest.to_str().unwrap();
    let r = oemgate(["extract", i, "/Windows/win.ini", "/many", "--dest-dir", d]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(std::fs::read(dest.join("win.ini")).unwrap(), b"[fonts]\r\n");
    assert_eq!(std::fs::read_dir(dest.join("many")).unwrap().count(), 300);
    // Again: refused without --force (exit 2), nothing changed; done with it.
    std::fs::write(dest.join("win.ini"), b"mine").unwrap();
    let r = oemgate(["extract", i, "/Windows/win.ini", "--dest-dir", d]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(std::fs::read(dest.join("win.ini")).unwrap(), b"mine");
    let r = oemgate(["extract", i, "/Windows/win.ini", "--dest-dir", d, "--force"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(std::fs::read(dest.join("win.ini")).unwrap(), b"[fonts]\r\n");
    // Hard links come out as hard links; the symbolic link is reported, not written.
    let all = t.path().join("all");
    let r = oemgate(["extract", i, "/", "--dest-dir", all.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("/Windows/win-symlink.ini: reparse point"), "{}", r.stderr);
    assert!(!all.join("Windows/win-symlink.ini").exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let a = std::fs::metadata(all.join("Windows/win.ini")).unwrap();
        let b = std::fs::metadata(all.join("Windows/win-link.ini")).unwrap();
        assert_eq!(a.ino(), b.ino());
    }
    // No temporary file is left anywhere.
    let (f, _) = files(&all);
    assert!(f.keys().all(|k| !k.contains(".oemgate-")), "{:?}", f.keys().filter(|k| k.contains(".oemgate")));
}

#[test]
fn dir_json_has_sizes_attributes_and_times() {
    let img = fixture("images/none-check-boot.wim");
    let r = oemgate(["dir", img.to_str().unwrap(), "/Windows", "--index", "1", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["command"], "dir");
    assert_eq!(v["index"], 1);
    let entries = v["entries"].as_array().unwrap();
    let paths: Vec<&str> = entries.iter().map(|e| e["path"].as_str().unwrap()).collect();
    let plain = oemgate(["dir", img.to_str().unwrap(), "/Windows", "--index", "1"]);
    assert_eq!(paths, plain.stdout.lines().collect::<Vec<_>>());
    // Sizes and hashes agree with wimlib's detailed listing.
    let detailed = tool_ok("wimlib-imagex", &["dir", img.to_str().unwrap(), "1", "--path=/Windows", "--detailed"]);
    for e in entries.iter().filter(|e| e["type"] == "file") {
        let size = e["size"].as_u64().unwrap();
        let sha1 = e["sha1"].as_str().map(str::to_string);
        let path = e["path"].as_str().unwrap();
        let norm = |b: &str| b.split_whitespace().collect::<Vec<_>>().join(" ");
        let block = detailed
            .split("\n----")
            .map(norm)
            .find(|b| b.contains(&format!("Full Path = \"{path}\"")))
            .unwrap_or_else(|| panic!("{path} not in wimlib's listing"));
        assert!(block.contains(&format!("Uncompressed size = {size} bytes")), "{path}: {block}");
        if let Some(h) = sha1 {
            assert!(block.contains(&format!("Hash = 0x{h}")), "{path}: {block}");
        }
        assert!(e["last_write_time"].as_str().unwrap().ends_with('Z'));
        assert!(e["attribute_names"].as_array().unwrap().iter().all(|a| a.is_string()));
    }
    assert!(entries.iter().any(|e| e["type"] == "directory" && e["size"] == 0));
}

/// Named data streams, short names and security descriptors, as Windows writes them:
/// an NTFS volume built with NTFS-3G's tools (no mount needed) and captured by wimlib
/// from the volume (wimlib cannot capture named streams from a Linux directory).
#[test]
fn named_streams_from_an_ntfs_volume() {
    let t = TempDir::new("tree-ntfs");
    let vol = t.path().join("vol.img");
    let v = vol.to_str().unwrap();
    std::fs::File::create(&vol).unwrap().set_len(16 << 20).unwrap();
    tool_ok("mkntfs", &["-F", "-f", "-q", v]);
    let put = |name: &str, data: &[u8], stream: Option<&str>| {
        let f = t.path().join("data");
        std::fs::write(&f, data).unwrap();
        let mut args = vec![v, f.to_str().unwrap(), name];
        if let Some(s) = stream {
            args.splice(0..0, ["-N", s]);
        }
        tool_ok("ntfscp", &args);
    };
    put("/Readme Long Name.txt", b"main data", None);
    put("/Readme Long Name.txt", b"alternate data", Some("Zone.Identifier"));
    put("/streams-only.bin", b"", None);
    put("/streams-only.bin", &noise(70_000, 3), Some("big"));
    put("/plain.bin", &text(100_000), None);
    let img = t.path().join("n.wim");
    tool_ok("wimlib-imagex", &["capture", v, img.to_str().unwrap(), "ntfs"]);
    check_dir(&img, 1);
    check_extract(&img, 1);
    let i = img.to_str().unwrap();
    let r = oemgate(["dir", i, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let e = v["entries"].as_array().unwrap().iter().find(|e| e["path"] == "/Readme Long Name.txt").unwrap().clone();
    assert_eq!(e["size"], 9);
    assert_eq!(e["named_streams"][0]["name"], "Zone.Identifier");
    assert_eq!(e["named_streams"][0]["size"], 14);
    let e = v["entries"].as_array().unwrap().iter().find(|e| e["path"] == "/streams-only.bin").unwrap().clone();
    assert_eq!((e["size"].as_u64(), e["named_streams"][0]["size"].as_u64()), (Some(0), Some(70_000)));
    // The unnamed stream is what --to-stdout writes; named streams are counted as skipped.
    let r = oemgate(["extract", i, "/readme long name.TXT", "--to-stdout"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "main data"));
    let out = t.path().join("out");
    let r = oemgate(["extract", i, "/", "--dest-dir", out.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("2 named data stream(s) not extracted"), "{}", r.stderr);
}

/// An image inside an ISO is read in place: `dir` and `extract` give what wimlib gives
/// for the image file 7-Zip takes out of the ISO.
#[test]
fn images_inside_an_iso() {
    let t = TempDir::new("tree-iso");
    for iso in ["udf-bridge.iso", "udf-only.iso", "pycdlib-udf.iso"] {
        let iso = fixture(&format!("iso/{iso}"));
        let out = t.path().join(iso.file_name().unwrap());
        let r = crate::iso_common::sevenzip()
            .args(["x", "-y", &format!("-o{}", out.display()), iso.to_str().unwrap(), "sources/install*"])
            .output()
            .unwrap();
        assert!(r.status.success(), "7-Zip: {}", String::from_utf8_lossy(&r.stderr));
        // A plain WIM, or (udf-only.iso) a split set.
        let wim =
            ["install.wim", "install.swm"].iter().map(|n| out.join("sources").join(n)).find(|p| p.exists()).unwrap();
        let refs = format!("--ref={}", out.join("sources/install*.swm").display());
        let i = iso.to_str().unwrap();
        let ours = oemgate(["dir", i, "--index", "1"]);
        assert_eq!(ours.code, 0, "{i}: {}", ours.stderr);
        assert_eq!(ours.stdout, tool_ok("wimlib-imagex", &["dir", wim.to_str().unwrap(), "1"]), "{i}");
        let file = ours.stdout.lines().rfind(|l| l.contains('.')).unwrap().to_string();
        let ours = std::process::Command::new(env!("CARGO_BIN_EXE_oemgate"))
            .args(["extract", i, &file, "--index", "1", "--to-stdout"])
            .output()
            .unwrap();
        let mut args = vec!["extract", wim.to_str().unwrap(), "1", &file, "--to-stdout"];
        if wim.extension().unwrap() == "swm" {
            args.push(&refs);
        }
        let theirs = tool("wimlib-imagex", &args);
        assert!(ours.status.success() && theirs.status.success(), "{i}: {file}");
        assert!(ours.stdout == theirs.stdout, "{i}: {file}: bytes differ");
    }
}

/// WIMs made by Microsoft's DISM (XPRESS at 4 to 32 KiB chunks, with a named stream and
/// a link): the test data of the `dissect.archive` source package, fetched with pip
/// into tests/cache/ at test time (never committed). `dir` equals wimlib's; every file
/// extracted equals wimlib's bytes; the hashes `dir --json` reports are wimlib's.
#[test]
fn dism_made_images() {
    let cache = crate::common::root().join("tests/cache/dissect-archive");
    if !cache.join("basic32k.wim").exists() {
        let dl = cache.join("dl");
        std::fs::create_dir_all(&dl).unwrap();
        let pip = std::process::Command::new("python3")
            .args(["-m", "pip", "download", "dissect.archive==1.8", "--no-deps", "--no-binary", ":all:", "-d"])
            .arg(&dl)
            .output()
            .expect("python3");
        assert!(pip.status.success(), "pip download dissect.archive: {}", String::from_utf8_lossy(&pip.stderr));
        let tgz = dl.join("dissect_archive-1.8.tar.gz");
        tool_ok(
            "tar",
            &[
                "-xzf",
                tgz.to_str().unwrap(),
                "-C",
                cache.to_str().unwrap(),
                "--strip-components=3",
                "--wildcards",
                "*/tests/_data/basic*.wim.gz",
            ],
        );
        for k in ["4k", "8k", "16k", "32k"] {
            tool_ok("gunzip", &["-f", cache.join(format!("basic{k}.wim.gz")).to_str().unwrap()]);
        }
    }
    for k in ["4k", "8k", "16k", "32k"] {
        let img = cache.join(format!("basic{k}.wim"));
        check_dir(&img, 1);
        check_extract(&img, 1);
        let i = img.to_str().unwrap();
        let v: serde_json::Value = serde_json::from_str(&oemgate(["dir", i, "--json"]).stdout).unwrap();
        let detailed = tool_ok("wimlib-imagex", &["dir", i, "1", "--detailed"]);
        let flat = detailed.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut hashes = 0;
        for e in v["entries"].as_array().unwrap() {
            for h in
                std::iter::once(&e["sha1"]).chain(e["named_streams"].as_array().unwrap().iter().map(|s| &s["sha1"]))
            {
                if let Some(h) = h.as_str() {
                    assert!(flat.contains(&format!("Hash = 0x{h}")), "{i}: {h} not in wimlib's listing");
                    hashes += 1;
                }
            }
        }
        assert!(hashes >= 3, "{i}: {hashes} hashes");
    }
}

/// The lazy walk: finding one path reads the child lists on that path only. Counted on
/// the uncompressed metadata of a 20,000-file LZX image (about 2.6 MB): a lookup reads
/// a few read-ahead windows; a full walk reads the whole resource (so the count works).
#[test]
fn a_lookup_reads_only_the_lists_on_its_path() {
    use oemgate::image::archive::Wim;
    use oemgate::image::wim::tree::Tree;
    use oemgate::source::{CountingSource, ReadAt};
    let t = TempDir::new("tree-lazy");
    let src = t.path().join("src");
    for d in 0..20 {
        let dir = src.join(format!("Windows/WinSxS/component-{d:02}"));
        std::fs::create_dir_all(&dir).unwrap();
        for f in 0..1000 {
            std::fs::write(dir.join(format!("file{f:04}.manifest")), format!("{d} {f}")).unwrap();
        }
    }
    std::fs::create_dir_all(src.join("Windows/System32")).unwrap();
    std::fs::write(src.join("Windows/System32/license.rtf"), b"licence").unwrap();
    let img = t.path().join("lazy.wim");
    capture(&src, &img, &["--compress=LZX"]);
    let wim = Wim::open(&img).unwrap();
    let meta = CountingSource::new(wim.metadata(1).unwrap());
    let len = meta.len();
    assert!(len > 2_000_000, "metadata of {len} bytes");
    let tree = Tree::open(&meta).unwrap();
    let found = tree.lookup("/windows/system32/LICENSE.RTF").unwrap().unwrap();
    assert_eq!(found.path, "/Windows/System32/license.rtf");
    let lookup = meta.bytes_read();
    assert!(lookup < len / 8, "a lookup read {lookup} of {len} bytes");
    let mut n = 0;
    tree.walk(&tree.lookup("/").unwrap().unwrap(), &mut |_, _, _| {
        n += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(n, 1 + 3 + 20 + 20_000 + 1);
    assert!(meta.bytes_read() - lookup > len / 2, "a full walk read {} of {len}", meta.bytes_read() - lookup);
}
