//! A split-set header inside an ISO makes the reader look up one part name per part
//! (up to 65535) in `sources/`; each lookup must not scan the whole directory.

use std::sync::Arc;
use std::time::{Duration, Instant};

use oemgate::source::MemSource;

const BLOCK: usize = 2048;

/// One ISO 9660 directory record (ECMA-119 9.1).
fn record(name: &[u8], extent: u32, size: u32, dir: bool) -> Vec<u8> {
    let len = (33 + name.len()).div_ceil(2) * 2;
    let mut r = vec![0u8; len];
    r[0] = len as u8;
    r[2..6].copy_from_slice(&extent.to_le_bytes());
    r[6..10].copy_from_slice(&extent.to_be_bytes());
    r[10..14].copy_from_slice(&size.to_le_bytes());
    r[14..18].copy_from_slice(&size.to_be_bytes());
    r[25] = if dir { 2 } else { 0 };
    r[28] = 1; // volume sequence number
    r[32] = name.len() as u8;
    r[33..33 + name.len()].copy_from_slice(name);
    r
}

/// Directory bytes: records packed into blocks, never crossing a block boundary.
fn directory(records: &[Vec<u8>]) -> Vec<u8> {
    let mut d = Vec::new();
    for r in records {
        if d.len() % BLOCK + r.len() > BLOCK {
            d.resize(d.len().div_ceil(BLOCK) * BLOCK, 0);
        }
        d.extend_from_slice(r);
    }
    d.resize(d.len().div_ceil(BLOCK) * BLOCK, 0);
    d
}

/// A plain ISO 9660 image: `SOURCES/INSTALL.WIM` plus `extra` empty files in `SOURCES`.
fn iso_with(wim: &[u8], extra: usize) -> Vec<u8> {
    let root_at = 18u32;
    let sources_at = 19u32;
    let mut names: Vec<Vec<u8>> = (0..extra).map(|i| format!("F{i:06}.DAT;1").into_bytes()).collect();
    names.push(b"INSTALL.WIM;1".to_vec());
    // Size the sources directory first (the WIM goes after it).
    let probe: Vec<Vec<u8>> = names.iter().map(|n| record(n, 0, 0, false)).collect();
    let sources_len = directory(&[vec![record(&[0], 0, 0, true), record(&[1], 0, 0, true)], probe].concat()).len();
    let wim_at = sources_at + (sources_len / BLOCK) as u32;
    let mut files = vec![record(&[0], sources_at, sources_len as u32, true), record(&[1], root_at, BLOCK as u32, true)];
    for n in &names {
        let is_wim = n.starts_with(b"INSTALL");
        files.push(record(n, if is_wim { wim_at } else { 0 }, if is_wim { wim.len() as u32 } else { 0 }, false));
    }
    let sources = directory(&files);
    let root = directory(&[
        record(&[0], root_at, BLOCK as u32, true),
        record(&[1], root_at, BLOCK as u32, true),
        record(b"SOURCES", sources_at, sources_len as u32, true),
    ]);
    let mut img = vec![0u8; 16 * BLOCK];
    let mut pvd = vec![0u8; BLOCK];
    pvd[0] = 1;
    pvd[1..6].copy_from_slice(b"CD001");
    pvd[6] = 1;
    pvd[128..130].copy_from_slice(&(BLOCK as u16).to_le_bytes());
    pvd[130..132].copy_from_slice(&(BLOCK as u16).to_be_bytes());
    pvd[156..190].copy_from_slice(&record(&[0], root_at, BLOCK as u32, true));
    img.extend_from_slice(&pvd);
    let mut term = vec![0u8; BLOCK];
    term[0] = 255;
    term[1..6].copy_from_slice(b"CD001");
    term[6] = 1;
    img.extend_from_slice(&term);
    img.extend_from_slice(&root);
    img.extend_from_slice(&sources);
    img.extend_from_slice(wim);
    img.resize(img.len().div_ceil(BLOCK) * BLOCK, 0);
    img
}

#[test]
fn split_set_of_65535_parts_in_a_large_directory_is_answered_quickly() {
    let mut wim = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/images/pro.wim")).unwrap();
    // Part 1 of 65535: the reader looks for install2.wim ... install65535.wim.
    wim[40..42].copy_from_slice(&1u16.to_le_bytes());
    wim[42..44].copy_from_slice(&u16::MAX.to_le_bytes());
    let img = iso_with(&wim, 20_000);
    let t = Instant::now();
    let e = oemgate::image::read_iso(Arc::new(MemSource::new("t.iso", img)), "t.iso").unwrap_err();
    let took = t.elapsed();
    assert!(e.to_string().contains("split WIM set incomplete: 65534 of 65535 parts missing"));
    assert!(took < Duration::from_secs(30), "65534 lookups took {took:?}");
}
