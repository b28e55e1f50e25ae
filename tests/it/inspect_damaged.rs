//! Damaged images: each is a deliberately broken copy of a good fixture. Every one
//! must give exit code 4, exactly one line on stderr naming the file and the
//! problem, and nothing on stdout. Never a panic.

use std::fs;

use std::path::{Path, PathBuf};

use crate::common::*;

fn copy(tmp: &TempDir, name: &str) -> PathBuf {
    let dst = tmp.path().join(name);
    fs::copy(fixture(&format!("images/{name}")), &dst).unwrap();
    dst
}

/// Overwrite bytes in place (files may be sparse and huge: never read them whole).
fn patch(path: &Path, offset: usize, bytes: &[u8]) {
    use std::io::{Seek, SeekFrom, Write};
    let mut f = fs::OpenOptions::new().write(true).open(path).unwrap();
    f.seek(SeekFrom::Start(offset as u64)).unwrap();
    f.write_all(bytes).unwrap();
}

fn u64_at(b: &[u8], o: usize) -> u64 {
    u64::from_le_bytes(b[o..o + 8].try_into().unwrap())
}

/// Replace `from` by `to` (same length) inside the UTF-16 XML resource.
fn patch_xml(path: &Path, from: &str, to: &str) {
    assert_eq!(from.len(), to.len());
    let mut b = fs::read(path).unwrap();
    let off = u64_at(&b, 72 + 8) as usize;
    let size = (u64_at(&b, 72) & 0x00FF_FFFF_FFFF_FFFF) as usize;
    let enc = |s: &str| s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect::<Vec<u8>>();
    let (f, t) = (enc(from), enc(to));
    let xml = &mut b[off..off + size];
    let pos = xml.windows(f.len()).position(|w| w == f).unwrap_or_else(|| panic!("{from} not in XML"));
    xml[pos..pos + t.len()].copy_from_slice(&t);
    fs::write(path, b).unwrap();
}

/// Exit 4, one line on stderr containing the path and every `words`, nothing on stdout.
fn expect_bad(path: &Path, words: &[&str]) {
    let run = oemgate(["inspect", path.to_str().unwrap()]);
    let ctx = format!("{}: stderr={:?} stdout={:?}", path.display(), run.stderr, run.stdout);
    assert_eq!(run.code, 4, "{ctx}");
    assert!(run.stdout.is_empty(), "{ctx}");
    assert_eq!(run.stderr.lines().count(), 1, "{ctx}");
    assert!(run.stderr.starts_with("oemgate: error: "), "{ctx}");
    assert!(run.stderr.contains(&path.file_name().unwrap().to_string_lossy().to_string()), "{ctx}");
    for w in words {
        assert!(run.stderr.contains(w), "missing {w:?}: {ctx}");
    }
    // JSON mode fails the same way.
    let run = oemgate(["inspect", "--json", path.to_str().unwrap()]);
    assert_eq!(run.code, 4, "{ctx}");
    assert!(run.stdout.is_empty(), "{ctx}");
}

#[test]
fn wrong_magic_and_short_files() {
    let t = TempDir::new("magic");
    let p = copy(&t, "pro.wim");
    patch(&p, 0, b"MSWIX");
    expect_bad(&p, &["not a WIM file", "offset 0", "MSWIX"]);
    let p = t.path().join("empty.wim");
    fs::write(&p, b"").unwrap();
    expect_bad(&p, &["not a WIM file", "empty file"]);
    let p = t.path().join("short.wim");
    fs::write(&p, &fs::read(fixture("images/pro.wim")).unwrap()[..100]).unwrap();
    expect_bad(&p, &["WIM header", "truncated", "needs 208 bytes", "100"]);
}

#[test]
fn header_fields_out_of_range() {
    let t = TempDir::new("hdr");
    let p = copy(&t, "pro.wim");
    patch(&p, 8, &100u32.to_le_bytes());
    expect_bad(&p, &["header size", "expected 208", "found 100"]);
    let p = copy(&t, "pro.wim");
    patch(&p, 12, &0x12345u32.to_le_bytes());
    expect_bad(&p, &["version", "0x12345"]);
    let p = copy(&t, "pro.wim");
    patch(&p, 44, &5u32.to_le_bytes());
    expect_bad(&p, &["image count", "found 5"]);
    let p = copy(&t, "pro.wim");
    patch(&p, 120, &3u32.to_le_bytes());
    expect_bad(&p, &["boot index", "found 3"]);
    let p = copy(&t, "pro.wim");
    patch(&p, 40, &3u16.to_le_bytes());
    expect_bad(&p, &["part number", "part 3 of 1"]);
}

#[test]
fn resources_pointing_past_the_end() {
    let t = TempDir::new("res");
    let p = copy(&t, "pro.wim");
    let len = fs::metadata(&p).unwrap().len();
    patch(&p, 72 + 8, &(len - 10).to_le_bytes());
    expect_bad(&p, &["XML data resource header", "offset 72", "points past the end"]);
    let p = copy(&t, "pro.wim");
    patch(&p, 48 + 8, &u64::MAX.to_le_bytes());
    expect_bad(&p, &["blob table", "points past the end"]);
    let p = copy(&t, "none-check-boot.wim");
    patch(&p, 124 + 8, &(len * 100).to_le_bytes());
    expect_bad(&p, &["integrity", "points past the end"]);
}

#[test]
fn absurd_xml_size_is_refused_before_allocating() {
    let t = TempDir::new("huge");
    let p = copy(&t, "pro.wim");
    // Make the file sparse-large so the range check passes and the size bound must act.
    let f = fs::OpenOptions::new().write(true).open(&p).unwrap();
    f.set_len(3 << 30).unwrap();
    drop(f);
    let size: u64 = 2 << 30;
    let mut rh = size.to_le_bytes();
    rh[7] = 0x02; // flags: metadata
    patch(&p, 72, &rh);
    patch(&p, 72 + 16, &size.to_le_bytes());
    expect_bad(&p, &["XML data", "exceeds the limit"]);
}

#[test]
fn xml_that_is_not_utf16_or_not_well_formed() {
    let t = TempDir::new("xml");
    let p = copy(&t, "pro.wim");
    let b = fs::read(&p).unwrap();
    let off = u64_at(&b, 80) as usize;
    patch(&p, off, b"<WIM><IMAGE INDEX=\"1\"></IMAGE></WIM>\n");
    expect_bad(&p, &["XML data", "UTF-16LE"]);

    let p = copy(&t, "pro.wim");
    patch_xml(&p, "</NAME>", "</NAMX>");
    expect_bad(&p, &["XML data", "not well-formed"]);

    let p = copy(&t, "pro.wim");
    let b = fs::read(&p).unwrap();
    let off = u64_at(&b, 80) as usize;
    patch(&p, off + 10, &[0x00, 0xD8]); // an unpaired high surrogate
    expect_bad(&p, &["XML data", "UTF-16"]);

    let p = copy(&t, "pro.wim");
    let mut rh = fs::read(&p).unwrap()[72..96].to_vec();
    rh[7] |= 0x04; // compressed flag on the XML resource
    patch(&p, 72, &rh);
    expect_bad(&p, &["XML data", "not supported", "compressed"]);
}

#[test]
fn duplicate_missing_and_gapped_indexes() {
    let t = TempDir::new("idx");
    let p = copy(&t, "multi.wim");
    patch_xml(&p, "INDEX=\"2\"", "INDEX=\"1\"");
    expect_bad(&p, &["IMAGE INDEX", "1 twice"]);
    let p = copy(&t, "multi.wim");
    patch_xml(&p, "INDEX=\"2\"", "INDEX=\"x\"");
    expect_bad(&p, &["IMAGE INDEX", "found x"]);
    let p = copy(&t, "multi.wim");
    patch_xml(&p, "INDEX=\"2\"", "INDEX=\"0\"");
    expect_bad(&p, &["IMAGE INDEX", "without gaps"]);
    let p = copy(&t, "pro.wim");
    patch_xml(&p, "INDEX=\"1\"", "IDXEX=\"1\"");
    expect_bad(&p, &["INDEX attribute"]);
}

#[test]
fn bad_integrity_table() {
    let t = TempDir::new("integ");
    let p = copy(&t, "none-check-boot.wim");
    let b = fs::read(&p).unwrap();
    let off = u64_at(&b, 124 + 8) as usize;
    patch(&p, off + 4, &9999u32.to_le_bytes());
    expect_bad(&p, &["integrity table", "table size"]);
}

#[test]
fn split_set_with_missing_or_foreign_part() {
    let t = TempDir::new("swm");
    let p = copy(&t, "install.swm");
    copy(&t, "install3.swm");
    expect_bad(&p, &["split WIM set incomplete", "install2.swm"]);
    // A foreign part: same position, other GUID.
    let p2 = copy(&t, "install2.swm");
    patch(&p2, 24, b"ForeignGUID!....");
    let run = oemgate(["inspect", p.to_str().unwrap()]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stderr.contains("install2.swm") && run.stderr.contains("foreign part"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1);
    // Parts in the wrong order.
    fs::copy(fixture("images/install3.swm"), &p2).unwrap();
    let run = oemgate(["inspect", p.to_str().unwrap()]);
    assert_eq!(run.code, 4);
    assert!(run.stderr.contains("part number: expected 2, found 3"), "{}", run.stderr);
    // A header claiming 65,535 parts: the message names a few, not all (one short line).
    let lone = t.path().join("lone.swm");
    fs::copy(fixture("images/install.swm"), &lone).unwrap();
    patch(&lone, 42, &u16::MAX.to_le_bytes());
    let run = oemgate(["inspect", lone.to_str().unwrap()]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains("65534 of 65535 parts missing: ") && run.stderr.contains("and 65529 more"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.len() < 400, "{} bytes", run.stderr.len());
    // Given a later part instead of the first.
    let run = oemgate(["inspect", fixture("images/install2.swm").to_str().unwrap()]);
    assert_eq!(run.code, 4);
    assert!(run.stderr.contains("give the first part"), "{}", run.stderr);
}

#[test]
fn missing_file_and_directory() {
    let t = TempDir::new("nofile");
    let p = t.path().join("nothere.wim");
    expect_bad(&p, &["cannot open"]);
    let d = t.path().join("dir.wim");
    fs::create_dir(&d).unwrap();
    expect_bad(&d, &["directory"]);
}

#[test]
fn random_damage_never_panics() {
    // Flip bytes all over the header and XML of a good image: any outcome but a crash
    // (exit by signal, or exit 101 from a Rust panic) is fine.
    let t = TempDir::new("fuzz");
    let good = fs::read(fixture("images/multi.wim")).unwrap();
    let xml_off = u64_at(&good, 80) as usize;
    let p = t.path().join("f.wim");
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for round in 0..60 {
        let mut b = good.clone();
        for _ in 0..(1 + round % 5) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let region = if seed % 2 == 0 { 0..208 } else { xml_off..b.len() };
            let at = region.start + (seed as usize >> 8) % (region.end - region.start);
            b[at] = (seed >> 32) as u8;
        }
        fs::write(&p, &b).unwrap();
        let run = oemgate(["inspect", "--json", p.to_str().unwrap()]);
        assert!(run.code == 0 || run.code == 4, "round {round}: exit {} {}", run.code, run.stderr);
        if run.code == 4 {
            assert_eq!(run.stderr.lines().count(), 1, "round {round}: {}", run.stderr);
        }
    }
}
