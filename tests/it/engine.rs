//! The image engine (blob table, resources, solid resources, split sets) and `verify`,
//! against wimlib: images are built with `wimlib-imagex` at test time in every layout
//! it writes; our blob table must list what `wimlib-imagex info --blobs` lists, every
//! blob read through the engine must hash to its SHA-1, and `oemgate verify` must
//! agree with `wimlib-imagex verify`. Damaged copies must give exit 4 and one line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use oemgate::image::archive::Wim;
use oemgate::image::wim::blob_table::{Location, hex};
use oemgate::image::wim::resource::Storage;
use oemgate::source::ReadAt;
use sha1::{Digest, Sha1};

use crate::common::*;

/// Deterministic bytes: `random` ones do not compress, the others do.
fn bytes(len: usize, seed: u64, random: bool) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let words = [&b"install "[..], b"windows ", b"image ", b"chunk ", b"resource ", b"blob\r\n", b"solid "];
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if random {
            out.extend_from_slice(&x.to_le_bytes());
        } else {
            out.extend_from_slice(words[(x % words.len() as u64) as usize]);
            if x % 5 == 0 {
                out.extend_from_slice(format!("{}", x % 1000).as_bytes());
            }
        }
    }
    out.truncate(len);
    out
}

/// A small tree covering the cases: empty and one-byte files, files of exactly one
/// chunk at each chunk size, many chunks, incompressible data, half and half,
/// duplicates (one blob), a file larger than 2 MiB.
fn make_tree(root: &Path) {
    let files: &[(&str, Vec<u8>)] = &[
        ("empty.txt", Vec::new()),
        ("one.bin", vec![0x5a]),
        ("small.txt", bytes(100, 1, false)),
        ("copy/of/small.txt", bytes(100, 1, false)),
        ("chunk4k.txt", bytes(4096, 2, false)),
        ("chunk32k.txt", bytes(32768, 3, false)),
        ("chunk64k.txt", bytes(65536, 4, false)),
        ("many.txt", bytes(700 * 1024 + 123, 5, false)),
        ("random.bin", bytes(150 * 1024 + 7, 6, true)),
        ("mixed.bin", [bytes(40_000, 7, true), bytes(60_000, 8, false)].concat()),
        ("big/large.txt", bytes(2 * 1024 * 1024 + 333, 9, false)),
        ("deep/a/b/c/d/e/f/g.txt", bytes(5000, 10, false)),
    ];
    for (name, data) in files {
        let p = root.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }
}

/// Capture the test tree into `dir/name.wim` with `args`.
fn capture(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let tree = dir.join(format!("{name}-tree"));
    make_tree(&tree);
    let wim = dir.join(format!("{name}.wim"));
    let mut a = vec!["capture", tree.to_str().unwrap(), wim.to_str().unwrap(), "Test"];
    a.extend_from_slice(args);
    tool_ok("wimlib-imagex", &a);
    wim
}

/// One blob as `wimlib-imagex info --blobs` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct WimlibBlob {
    size: u64,
    metadata: bool,
    solid: bool,
    /// Offset in the file (non-solid) or in the solid resource's data.
    offset: u64,
    part: u16,
}

fn wimlib_blobs(path: &Path) -> Vec<(String, WimlibBlob)> {
    let text = tool_ok("wimlib-imagex", &["info", path.to_str().unwrap(), "--blobs"]);
    let mut out = Vec::new();
    for block in text.split("\n\n") {
        let kv: BTreeMap<&str, &str> =
            block.lines().filter_map(|l| l.split_once(" = ")).map(|(k, v)| (k.trim(), v.trim())).collect();
        let Some(hash) = kv.get("Hash") else { continue };
        let num = |k: &str| kv.get(k).map(|v| v.split_whitespace().next().unwrap().parse::<u64>().unwrap());
        let flags = kv.get("Flags").copied().unwrap_or("");
        let solid = kv.contains_key("Solid resource");
        out.push((
            hash.trim_start_matches("0x").to_string(),
            WimlibBlob {
                size: num("Uncompressed size").unwrap(),
                metadata: flags.contains("METADATA"),
                solid,
                offset: if solid { num("Solid offset").unwrap() } else { num("Offset in WIM").unwrap() },
                part: num("Part Number").unwrap() as u16,
            },
        ));
    }
    out
}

fn sha1(b: &[u8]) -> [u8; 20] {
    Sha1::digest(b).into()
}

/// Read a source whole, in pieces of an odd size.
fn read_all(src: &dyn ReadAt) -> Vec<u8> {
    let mut out = vec![0u8; src.len() as usize];
    let mut pos = 0usize;
    while pos < out.len() {
        let n = 7777.min(out.len() - pos);
        src.read_exact_at(pos as u64, &mut out[pos..pos + n]).unwrap();
        pos += n;
    }
    out
}

/// The engine's view of `path` against wimlib's: same blobs (hash, size, location),
/// same metadata resources in order; every blob and metadata resource read through
/// `blob()`/`metadata()` (random access) and `read_blob_verified()` (streamed) hashes
/// to its SHA-1; `oemgate verify` and `wimlib-imagex verify` both pass.
fn check_image(path: &Path, parts: &[PathBuf]) {
    let ctx = path.display().to_string();
    let wim = Wim::open(path).unwrap_or_else(|e| panic!("{ctx}: {e}"));
    let table = wim.blob_table();

    let mut theirs = Vec::new();
    for p in parts {
        theirs.extend(wimlib_blobs(p));
    }
    let their_meta: Vec<&(String, WimlibBlob)> = theirs.iter().filter(|(_, b)| b.metadata).collect();
    assert_eq!(their_meta.len(), table.metadata.len(), "{ctx}: metadata resources");
    for (i, (h, b)) in their_meta.iter().enumerate() {
        let ours = &table.metadata[i];
        assert_eq!(hex(&ours.hash), *h, "{ctx}: metadata {i}");
        assert_eq!(ours.size, b.size, "{ctx}: metadata {i} size");
        let view = wim.metadata(i as u32 + 1).unwrap();
        assert_eq!(view.len(), b.size);
        assert_eq!(sha1(&read_all(&view)), ours.hash, "{ctx}: metadata {i} hashes to its SHA-1");
    }
    let their_blobs: BTreeMap<&String, &WimlibBlob> =
        theirs.iter().filter(|(_, b)| !b.metadata).map(|(h, b)| (h, b)).collect();
    assert_eq!(their_blobs.len(), table.blobs.len(), "{ctx}: number of blobs");
    for blob in &table.blobs {
        let h = hex(&blob.hash);
        let b = their_blobs.get(&h).unwrap_or_else(|| panic!("{ctx}: blob {h} unknown to wimlib"));
        assert_eq!(blob.size, b.size, "{ctx}: blob {h} size");
        assert_eq!(blob.part, b.part, "{ctx}: blob {h} part");
        match blob.location {
            Location::Resource(spec) => {
                assert!(!b.solid, "{ctx}: {h}");
                assert_eq!(spec.offset, b.offset, "{ctx}: blob {h} offset");
            }
            Location::Solid { offset, .. } => {
                assert!(b.solid, "{ctx}: {h}");
                assert_eq!(offset, b.offset, "{ctx}: blob {h} offset in its solid resource");
            }
        }
        let view = wim.blob(&blob.hash).unwrap();
        let data = read_all(&view);
        assert_eq!(sha1(&data), blob.hash, "{ctx}: blob {h} read at random hashes to its SHA-1");
        if data.len() > 10 {
            let mut mid = vec![0u8; data.len() / 3];
            view.read_exact_at(data.len() as u64 / 2, &mut mid[..data.len() / 3 - 1]).unwrap();
            let n = data.len() / 3 - 1;
            assert_eq!(&mid[..n], &data[data.len() / 2..data.len() / 2 + n], "{ctx}: {h} middle");
        }
        let mut streamed = Vec::new();
        let n = wim.read_blob_verified(&blob.hash, &mut streamed).unwrap();
        assert_eq!(n, blob.size);
        assert!(streamed == data, "{ctx}: blob {h}: streamed and random reads differ");
    }
    let run = oemgate(["verify", path.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{ctx}: {}", run.stderr);
    assert!(run.stdout.contains("OK"), "{ctx}: {}", run.stdout);
    let mut args = vec!["verify".to_string(), path.display().to_string()];
    args.extend(parts.iter().skip(1).map(|p| format!("--ref={}", p.display())));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = tool("wimlib-imagex", &args);
    assert!(out.status.success(), "{ctx}: wimlib-imagex verify disagrees: {}", String::from_utf8_lossy(&out.stderr));
}

fn check_config(name: &str, args: &[&str]) {
    let dir = TempDir::new(&format!("engine-{name}"));
    let wim = capture(dir.path(), name, args);
    check_image(&wim, std::slice::from_ref(&wim));
}

#[test]
fn uncompressed() {
    check_config("none", &["--compress=none"]);
}

#[test]
fn uncompressed_with_integrity_table() {
    check_config("check", &["--compress=none", "--check"]);
}

#[test]
fn xpress_every_chunk_size() {
    for cs in ["4K", "8K", "16K", "32K", "64K"] {
        check_config(&format!("xpress{cs}"), &["--compress=XPRESS", &format!("--chunk-size={cs}")]);
    }
}

#[test]
fn lzx_32k_and_2m_chunks() {
    check_config("lzx32k", &["--compress=LZX"]);
    check_config("lzx2m", &["--compress=LZX", "--chunk-size=2M"]);
}

#[test]
fn lzms_non_solid() {
    check_config("lzms", &["--compress=LZMS"]);
}

#[test]
fn solid_lzms_esd() {
    check_config("solid", &["--solid"]);
    check_config("solid-small-chunks", &["--solid", "--solid-chunk-size=256K"]);
}

#[test]
fn solid_with_other_codecs() {
    check_config("solid-xpress", &["--solid", "--solid-compress=XPRESS", "--solid-chunk-size=64K"]);
    check_config("solid-lzx", &["--solid", "--solid-compress=LZX", "--solid-chunk-size=1M"]);
}

#[test]
fn pipable() {
    check_config("pipable", &["--pipable"]);
    check_config("pipable-none", &["--pipable", "--compress=none"]);
}

#[test]
fn split_set_with_blobs_in_every_part() {
    let dir = TempDir::new("engine-split");
    // Parts of 1 MB: blobs of 400 KB make sure that every part holds some (part 1
    // holds the metadata resource, and blobs when they fit).
    let tree = dir.path().join("whole-tree");
    for i in 0..6u64 {
        std::fs::create_dir_all(&tree).unwrap();
        std::fs::write(tree.join(format!("part{i}.bin")), bytes(400_000, 100 + i, true)).unwrap();
    }
    let wim = capture(dir.path(), "whole", &["--compress=none"]);
    let first = dir.path().join("set.swm");
    tool_ok("wimlib-imagex", &["split", wim.to_str().unwrap(), first.to_str().unwrap(), "1"]);
    let mut parts = vec![first.clone()];
    for n in 2.. {
        let p = dir.path().join(format!("set{n}.swm"));
        if !p.exists() {
            break;
        }
        parts.push(p);
    }
    assert!(parts.len() >= 3, "expected a set of several parts, got {}", parts.len());
    let w = Wim::open(&first).unwrap();
    assert_eq!(w.blob_table().metadata[0].part, 1);
    for n in 2..=parts.len() as u16 {
        let parts_seen: Vec<u16> = w.blob_table().blobs.iter().map(|b| b.part).collect();
        assert!(parts_seen.contains(&n), "no blob in part {n}: {parts_seen:?} {:?}", w.blob_table().notes);
    }
    check_image(&first, &parts);
}

#[test]
fn verify_passes_on_every_image_fixture() {
    for f in image_fixtures() {
        let ctx = f.display().to_string();
        let mut args = vec!["verify".to_string(), f.display().to_string()];
        if f.extension().is_some_and(|e| e == "swm") {
            let glob = f.with_file_name(format!("{}*.swm", f.file_stem().unwrap().to_string_lossy()));
            args.push(format!("--ref={}", glob.display()));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = tool("wimlib-imagex", &args);
        assert!(out.status.success(), "{ctx}: wimlib-imagex verify fails: {}", String::from_utf8_lossy(&out.stderr));
        let run = oemgate(["verify", f.to_str().unwrap(), "--json"]);
        assert_eq!(run.code, 0, "{ctx}: {}", run.stderr);
        let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(v["result"], "ok");
        let images = tool_ok("wimlib-imagex", &["info", f.to_str().unwrap()]);
        let count = images.lines().find(|l| l.starts_with("Image Count:")).unwrap();
        assert_eq!(v["metadata_resources"].to_string(), count.split(':').nth(1).unwrap().trim(), "{ctx}");
    }
}

/// Flip one byte of a copy of `wim` at `at`; `oemgate verify` must exit 4 with one
/// line that contains `needle`.
fn flipped(wim: &Path, at: u64, needle: &str) -> String {
    let mut data = std::fs::read(wim).unwrap();
    data[at as usize] ^= 0x40;
    let bad = wim.with_extension("bad.wim");
    std::fs::write(&bad, &data).unwrap();
    let run = oemgate(["verify", bad.to_str().unwrap()]);
    assert_eq!(run.code, 4, "flip at {at}: {} {}", run.stdout, run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
    assert!(run.stderr.contains(needle), "flip at {at}: expected {needle:?} in {}", run.stderr);
    run.stderr
}

#[test]
fn a_flipped_byte_names_the_blob_or_the_chunk() {
    let dir = TempDir::new("engine-flip");
    let wim = capture(dir.path(), "none", &["--compress=none"]);
    let w = Wim::open(&wim).unwrap();
    for blob in &w.blob_table().blobs {
        let Location::Resource(spec) = blob.location else { panic!() };
        flipped(&wim, spec.offset + spec.size / 2, &hex(&blob.hash));
    }
    // The metadata resource.
    let Location::Resource(spec) = w.blob_table().metadata[0].location else { panic!() };
    flipped(&wim, spec.offset + spec.size / 2, "metadata");

    // With an integrity table, the table's chunk is named first, with its offset.
    let wim = capture(dir.path(), "check", &["--compress=none", "--check"]);
    let w = Wim::open(&wim).unwrap();
    let blob = w.blob_table().blobs.iter().max_by_key(|b| b.size).unwrap();
    let Location::Resource(spec) = blob.location else { panic!() };
    let e = flipped(&wim, spec.offset + 5, "integrity table at offset 208: chunk 0");
    assert!(e.contains("hashes to"), "{e}");
}

#[test]
fn a_flipped_byte_in_compressed_data_is_caught() {
    let dir = TempDir::new("engine-flipc");
    for (name, args) in [("xpress", &["--compress=XPRESS"][..]), ("lzx", &["--compress=LZX"]), ("solid", &["--solid"])]
    {
        let wim = capture(dir.path(), name, args);
        let w = Wim::open(&wim).unwrap();
        let blob = w.blob_table().blobs.iter().find(|b| b.size == 65536).unwrap();
        let (res, _) = w.resource_of(blob).unwrap();
        let table = res.table().unwrap();
        let c = table.chunk(table.len() / 2).unwrap();
        let e = flipped(&wim, c.offset + u64::from(c.csize) / 2, "");
        assert!(e.contains("blob") || e.contains("chunk"), "{e}");
    }
}

/// A copy of `wim` with `edit` applied; `oemgate verify` must exit 4, one line,
/// containing `needle`, and the library must not panic either.
fn damaged(wim: &Path, tag: &str, edit: impl FnOnce(&mut Vec<u8>), needle: &str) {
    let mut data = std::fs::read(wim).unwrap();
    edit(&mut data);
    let bad = wim.with_extension(format!("{tag}.wim"));
    std::fs::write(&bad, &data).unwrap();
    let run = oemgate(["verify", bad.to_str().unwrap()]);
    assert_eq!(run.code, 4, "{tag}: {} {}", run.stdout, run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{tag}: {}", run.stderr);
    assert!(run.stderr.contains(needle), "{tag}: expected {needle:?} in {}", run.stderr);
}

fn put32(d: &mut [u8], at: u64, v: u32) {
    d[at as usize..at as usize + 4].copy_from_slice(&v.to_le_bytes());
}

#[test]
fn damaged_chunk_tables_are_refused_with_their_offset() {
    let dir = TempDir::new("engine-chunks");
    let wim = capture(dir.path(), "x", &["--compress=XPRESS", "--chunk-size=4K"]);
    let w = Wim::open(&wim).unwrap();
    let blob = w.blob_table().blobs.iter().find(|b| b.size > 100_000 && b.size < 1_000_000).unwrap();
    let Location::Resource(spec) = blob.location else { panic!() };
    assert!(matches!(spec.storage, Storage::Chunked { chunk_size: 4096, .. }));
    let t = spec.offset; // entries of 4 bytes: offsets of chunks 1, 2, ...
    damaged(&wim, "oob", |d| put32(d, t + 8, 0x7fff_ffff), &format!("chunk table at offset {}", t + 8));
    damaged(
        &wim,
        "decreasing",
        |d| {
            let v = u32::from_le_bytes(d[t as usize + 4..t as usize + 8].try_into().unwrap());
            put32(d, t + 8, v - 1)
        },
        "increasing",
    );
    damaged(&wim, "toolarge", |d| put32(d, t, 4097), "compressed chunk size");
    // A blob table entry pointing past the end of the file.
    let entry = blob.entry_offset;
    damaged(
        &wim,
        "entry",
        |d| d[entry as usize + 8..entry as usize + 16].copy_from_slice(&(u64::MAX - 10).to_le_bytes()),
        "",
    );
    // Garbage in place of a compressed chunk: exit 4, never a panic.
    let (res, _) = w.resource_of(blob).unwrap();
    let c = res.table().unwrap().chunk(3).unwrap();
    damaged(
        &wim,
        "garbage",
        |d| {
            for (i, b) in d[c.offset as usize..(c.offset + u64::from(c.csize)) as usize].iter_mut().enumerate() {
                *b = (i as u8).wrapping_mul(151) ^ 0xa5;
            }
        },
        "",
    );
}

#[test]
fn a_blob_missing_from_the_table_is_not_found() {
    let dir = TempDir::new("engine-missing");
    let wim = capture(dir.path(), "n", &["--compress=none"]);
    let w = Wim::open(&wim).unwrap();
    let blob = w.blob_table().blobs[0];
    // Zero the entry's hash: wimlib and we then skip it, so the table lacks the blob.
    let mut data = std::fs::read(&wim).unwrap();
    let at = blob.entry_offset as usize + 30;
    data[at..at + 20].fill(0);
    let bad = dir.path().join("missing.wim");
    std::fs::write(&bad, &data).unwrap();
    let w = Wim::open(&bad).unwrap();
    let e = w.blob(&blob.hash).err().expect("missing blob");
    assert!(e.to_string().contains("not in the blob table"), "{e}");
    let mut sink = Vec::new();
    assert!(w.read_blob_verified(&blob.hash, &mut sink).is_err());
    assert!(sink.is_empty());
    assert_eq!(w.blob(&[0; 20]).unwrap().len(), 0, "the zero hash is the empty blob");
}

#[test]
fn absurd_sizes_are_refused_before_allocating() {
    let dir = TempDir::new("engine-absurd");
    let wim = capture(dir.path(), "n", &["--compress=none"]);
    let data = std::fs::read(&wim).unwrap();
    // Blob table claiming 2^50 bytes.
    let mut d = data.clone();
    d[48..55].copy_from_slice(&(1u64 << 50).to_le_bytes()[..7]);
    d[64..72].copy_from_slice(&(1u64 << 50).to_le_bytes());
    let bad = dir.path().join("huge-table.wim");
    std::fs::write(&bad, &d).unwrap();
    let run = oemgate(["verify", bad.to_str().unwrap()]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1);
}

/// WIMs made by Microsoft's DISM (XPRESS, chunk sizes 4K to 32K), shipped as test
/// data in the `dissect.archive` source package: fetched at test time with pip.
#[test]
fn dism_made_wims() {
    let cache = root().join("target").join("test-cache").join("dissect-archive");
    std::fs::create_dir_all(&cache).unwrap();
    let have = |ext: &str| {
        std::fs::read_dir(&cache).unwrap().filter_map(|e| e.ok()).map(|e| e.path()).find(|p| {
            p.file_name().unwrap().to_string_lossy().starts_with("dissect_archive")
                && p.to_string_lossy().ends_with(ext)
        })
    };
    if have(".tar.gz").is_none() {
        let out = std::process::Command::new("pip")
            .args(["download", "--no-deps", "--no-binary", ":all:", "dissect.archive", "-d"])
            .arg(&cache)
            .output();
        match out {
            Ok(o) if o.status.success() => {}
            Ok(o) => {
                eprintln!(
                    "SKIPPED dism_made_wims: pip cannot fetch dissect.archive: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
                return;
            }
            Err(e) => {
                eprintln!("SKIPPED dism_made_wims: pip cannot be run: {e}");
                return;
            }
        }
    }
    let tarball = have(".tar.gz").expect("dissect.archive source distribution");
    let unpacked = cache.join("unpacked");
    let _ = std::fs::remove_dir_all(&unpacked);
    std::fs::create_dir_all(&unpacked).unwrap();
    tool_ok("tar", &["xzf", tarball.to_str().unwrap(), "-C", unpacked.to_str().unwrap(), "--wildcards", "*.wim.gz"]);
    let mut wims = Vec::new();
    for e in walk(&unpacked) {
        if e.to_string_lossy().ends_with(".wim.gz") {
            tool_ok("gunzip", &["-f", e.to_str().unwrap()]);
            wims.push(e.with_extension(""));
        }
    }
    assert!(wims.len() >= 4, "expected the DISM WIMs in {}", tarball.display());
    wims.sort();
    for wim in &wims {
        check_image(wim, std::slice::from_ref(wim));
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()) {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The parallel stream and the random-access reader agree on every thread count.
#[test]
fn thread_counts_agree() {
    let dir = TempDir::new("engine-threads");
    // 2 MiB of LZX in 32 KiB chunks: streamed in units over the worker threads.
    let wim = capture(dir.path(), "n", &["--compress=LZX"]);
    let mut w = Wim::open(&wim).unwrap();
    let blob = *w.blob_table().blobs.iter().max_by_key(|b| b.size).unwrap();
    let mut outs = Vec::new();
    for t in [1, 2, 5] {
        w.set_threads(t);
        let mut v = Vec::new();
        w.read_blob_verified(&blob.hash, &mut v).unwrap();
        outs.push(v);
    }
    assert!(outs.windows(2).all(|p| p[0] == p[1]));
    let src: Arc<dyn ReadAt> = Arc::new(w.blob(&blob.hash).unwrap());
    assert_eq!(read_all(&*src), outs[0]);
}
