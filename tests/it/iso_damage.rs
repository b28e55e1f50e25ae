//! Damaged ISOs: every one gives one clear line on stderr and exit code 4, quickly;
//! never a panic, a hang or a guess. Damage is applied to copies of the fixtures.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::iso_common::*;
use oemgate::image::iso::{self, Iso};
use oemgate::source::{MemSource, ReadAt};

const SECTOR: usize = 2048;

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

/// ECMA-167 CRC (CRC-16/CCITT, init 0), written out here rather than taken from the crate.
fn crc16(data: &[u8]) -> u16 {
    let mut crc = 0u16;
    for &b in data {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 { (crc << 1) ^ 0x1021 } else { crc << 1 };
        }
    }
    crc
}

/// Recompute the CRC and checksum of the UDF descriptor tag at `at`, so that only
/// the damage we mean is seen.
fn retag(d: &mut [u8], at: usize) {
    let crc_len = usize::from(u16::from_le_bytes([d[at + 10], d[at + 11]]));
    let crc = crc16(&d[at + 16..at + 16 + crc_len]);
    d[at + 8..at + 10].copy_from_slice(&crc.to_le_bytes());
    d[at + 4] = 0;
    d[at + 4] = d[at..at + 16].iter().fold(0u8, |s, b| s.wrapping_add(*b));
}

fn put32(d: &mut [u8], at: usize, v: u32) {
    d[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn find(d: &[u8], needle: &[u8]) -> usize {
    d.windows(needle.len()).position(|w| w == needle).unwrap_or_else(|| panic!("{needle:?} not found"))
}

/// Absolute offset of a UDF FID named `name` (8-bit compressed, no implementation use).
fn udf_fid(d: &[u8], name: &str) -> usize {
    let mut needle = vec![8u8];
    needle.extend(name.as_bytes());
    let mut from = 0;
    loop {
        let pos = from + find(&d[from..], &needle);
        let s = pos - 38;
        if d[s..s + 2] == [1, 1] && usize::from(d[s + 19]) == needle.len() {
            return s;
        }
        from = pos + 1;
    }
}

fn node(d: &[u8], path: &str) -> iso::Node {
    let src: Arc<dyn ReadAt> = Arc::new(MemSource::new("m", d.to_vec()));
    Iso::open(src).unwrap().lookup(path).unwrap().unwrap()
}

/// Run `oemgate inspect` on `data`; return (exit code, stderr).
fn inspect_bytes(data: &[u8]) -> (Option<i32>, String) {
    let tmp = TempDir::new("iso-bad");
    let p = tmp.path().join("bad.iso");
    std::fs::write(&p, data).unwrap();
    let t = Instant::now();
    let out = oemgate(&["inspect", p.to_str().unwrap()]);
    assert!(t.elapsed() < Duration::from_secs(5), "took {:?}", t.elapsed());
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn assert_fails(what: &str, data: &[u8], expect: &str) {
    let (code, err) = inspect_bytes(data);
    eprintln!("{what}: {err}");
    assert_eq!(code, Some(4), "{what}: exit code; stderr {err}");
    assert_eq!(err.lines().count(), 1, "{what}: one line: {err}");
    assert!(err.starts_with("oemgate: error: "), "{what}: {err}");
    assert!(err.contains(expect), "{what}: expected {expect:?} in {err}");
}

#[test]
fn no_image_in_iso() {
    assert_fails(
        "no install.*",
        &bytes("no-image.iso"),
        "no Windows image found in ISO: looked for sources/install.wim, sources/install.esd, sources/install.swm",
    );
}

#[test]
fn truncated_isos() {
    for (name, image) in [("udf-only.iso", "sources/install.swm"), ("udf-bridge.iso", "sources/install.wim")] {
        let d = bytes(name);
        assert_fails("cut before the UDF anchor", &d[..200 * SECTOR], "truncated");
        let wim = node(&d, image).extents[0].offset;
        assert_fails("cut inside the image data", &d[..wim as usize + 100], "UDF file extent");
    }
    let d = bytes("joliet.iso");
    assert_fails("cut in the volume descriptors", &d[..16 * SECTOR + 100], "truncated");
    let esd = node(&d, "sources/install.esd").extents[0].offset as usize;
    assert_fails("cut inside install.esd", &d[..esd + 1000], "inside the");
    assert_fails("empty file", &[], "");
}

#[test]
fn descriptors_pointing_outside_the_file() {
    let mut d = bytes("udf-only.iso");
    let avdp = 256 * SECTOR;
    put32(&mut d, avdp + 20, 0x7FFF_FF00); // main sequence location
    put32(&mut d, avdp + 28, 0x7FFF_FF00); // reserve sequence location
    retag(&mut d, avdp);
    assert_fails("volume descriptor sequences beyond the end", &d, "UDF volume descriptor sequence");

    let mut d = bytes("udf-bridge.iso");
    let fe = node(&d, "sources/install.wim").id as usize;
    put32(&mut d, fe + 176, 0x0000_0800); // first short AD: 2048 bytes...
    put32(&mut d, fe + 180, 0x00FF_FFFF); // ...at a block far past the partition
    retag(&mut d, fe);
    assert_fails("allocation descriptor outside the partition", &d, "logical block");

    let mut d = bytes("joliet.iso");
    let svd = (16..32).find(|s| d[s * SECTOR] == 2).unwrap() * SECTOR;
    put32(&mut d, svd + 156 + 2, 0x00FF_FFFF); // Joliet root directory location
    assert_fails("root directory beyond the end", &d, "ISO 9660 root directory");
}

#[test]
fn absurd_extent_lengths() {
    // UDF: a file entry claiming 2^62 bytes, covered by one small extent.
    let mut d = bytes("udf-bridge.iso");
    let fe = node(&d, "sources/install.wim").id as usize;
    d[fe + 56..fe + 64].copy_from_slice(&(1u64 << 62).to_le_bytes());
    retag(&mut d, fe);
    assert_fails("UDF information length 2^62", &d, "allocation descriptors cover");

    // UDF: one extent of 1 GiB inside a 1 MiB ISO.
    let mut d = bytes("udf-only.iso");
    let fe = node(&d, "sources/install.swm").id as usize;
    d[fe + 56..fe + 64].copy_from_slice(&(0x3FFF_F800u64).to_le_bytes());
    put32(&mut d, fe + 176, 0x3FFF_F800);
    retag(&mut d, fe);
    assert_fails("UDF extent of 1 GiB", &d, "extent length");

    // ISO 9660: install.esd's record claims 4 GiB - 1.
    let mut d = bytes("joliet.iso");
    let name: Vec<u8> = "install.esd".encode_utf16().flat_map(u16::to_be_bytes).collect();
    let mut from = 0;
    let mut patched = 0;
    while let Some(pos) = d[from..].windows(name.len()).position(|w| w == name.as_slice()) {
        let rec = from + pos - 33;
        d[rec + 10..rec + 14].copy_from_slice(&u32::MAX.to_le_bytes());
        d[rec + 14..rec + 18].copy_from_slice(&u32::MAX.to_be_bytes());
        patched += 1;
        from += pos + 1;
    }
    assert_eq!(patched, 1, "one Joliet record for install.esd");
    assert_fails("ISO 9660 data length 4 GiB", &d, "inside the");

    // ISO 9660: install.esd flagged multi-extent with no final record.
    let mut d = bytes("joliet.iso");
    let rec = find(&d, &name) - 33;
    d[rec + 25] |= 0x80;
    assert_fails("multi-extent without a final record", &d, "multi-extent");
}

#[test]
fn directory_loops_are_bounded() {
    // UDF: "sources" points back at the root directory (the ICB of the root's parent FID).
    let mut d = bytes("udf-only.iso");
    let s = udf_fid(&d, "sources");
    let parent = (s / SECTOR) * SECTOR; // first FID of the root directory: its parent (itself)
    assert_eq!(d[parent + 18] & 0x08, 0x08, "parent FID first");
    let root_icb: Vec<u8> = d[parent + 20..parent + 36].to_vec();
    d[s + 20..s + 36].copy_from_slice(&root_icb);
    retag(&mut d, s);
    assert_fails("UDF sources -> root", &d, "no Windows image found");
    let src: Arc<dyn ReadAt> = Arc::new(MemSource::new("m", d));
    let err = Iso::open(src).unwrap().list().unwrap_err().to_string();
    assert!(err.contains("directory loop at sources"), "{err}");

    // UDF: efi/boot points back at efi; inspecting still works, listing reports the loop.
    let mut d = bytes("udf-bridge.iso");
    let efi = udf_fid(&d, "efi");
    let boot_in_efi = {
        let efi_dir = node(&d, "efi");
        let at = efi_dir.extents[0].offset as usize;
        at + find(&d[at..at + efi_dir.size as usize], b"\x08boot") - 38
    };
    let efi_icb: Vec<u8> = d[efi + 20..efi + 36].to_vec();
    d[boot_in_efi + 20..boot_in_efi + 36].copy_from_slice(&efi_icb);
    retag(&mut d, boot_in_efi);
    let (code, err) = inspect_bytes(&d);
    assert_eq!(code, Some(0), "{err}");
    let src: Arc<dyn ReadAt> = Arc::new(MemSource::new("m", d.clone()));
    let iso = Iso::open(src).unwrap();
    assert!(iso.file("efi/boot/bootx64.efi").unwrap().is_none());
    assert!(iso.list().unwrap_err().to_string().contains("directory loop at efi/boot"));

    // ISO 9660: "sources" record points at the root directory.
    let mut d = bytes("joliet.iso");
    let svd = (16..32).find(|s| d[s * SECTOR] == 2).unwrap() * SECTOR;
    let root: Vec<u8> = d[svd + 156 + 2..svd + 156 + 18].to_vec();
    let name: Vec<u8> = "sources".encode_utf16().flat_map(u16::to_be_bytes).collect();
    let rec = find(&d, &name) - 33;
    assert_eq!(d[rec + 32] as usize, name.len());
    d[rec + 2..rec + 18].copy_from_slice(&root);
    assert_fails("ISO 9660 sources -> root", &d, "no Windows image found");
    let src: Arc<dyn ReadAt> = Arc::new(MemSource::new("m", d));
    assert!(Iso::open(src).unwrap().list().unwrap_err().to_string().contains("directory loop"));
}

#[test]
fn bad_udf_tags_are_refused() {
    let mut d = bytes("udf-only.iso");
    let fe = node(&d, "sources/install.swm").id as usize;
    d[fe + 60] ^= 0x01; // body changed, CRC not updated
    assert_fails("file entry CRC", &d, "descriptor CRC");
    let mut d = bytes("udf-only.iso");
    put32(&mut d, fe + 12, 7); // tag location
    retag(&mut d, fe);
    assert_fails("file entry tag location", &d, "tag location");
}

/// Random damage in the metadata area of every fixture: any answer is fine, a
/// panic or a slow one is not. `OEMGATE_FUZZ_ITERS` (default 150 per fixture) and
/// `OEMGATE_FUZZ_SEED` run it longer or differently.
#[test]
fn random_damage_never_panics() {
    let iters: usize = std::env::var("OEMGATE_FUZZ_ITERS").ok().and_then(|v| v.parse().ok()).unwrap_or(150);
    let seed0: u64 =
        std::env::var("OEMGATE_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x2545_F491_4F6C_DD1D);
    let mut seed = seed0.max(1);
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut errors = 0;
    for name in ["udf-bridge.iso", "joliet.iso", "udf-only.iso", "pycdlib-udf.iso", "no-image.iso"] {
        let orig = bytes(name);
        let meta = orig.len().min(320 * SECTOR);
        for _ in 0..iters {
            let mut d = orig.clone();
            for _ in 0..1 + next() % 6 {
                let at = 16 * SECTOR + (next() as usize) % (meta - 16 * SECTOR);
                d[at] = next() as u8;
            }
            let t = Instant::now();
            let src: Arc<dyn ReadAt> = Arc::new(MemSource::new("m", d));
            if oemgate::image::read_iso(src.clone(), "m").is_err() {
                errors += 1;
            }
            if let Ok(i) = Iso::open(src) {
                let _ = i.list();
            }
            assert!(t.elapsed() < Duration::from_secs(2), "{name}: slow on damaged input");
        }
    }
    assert!(errors > 0, "the damage was never noticed");
}

/// A file whose allocation descriptors continue in an allocation extent descriptor
/// that continues in itself.
#[test]
fn allocation_extent_loop_is_refused() {
    let mut d = bytes("udf-bridge.iso");
    let n = node(&d, "sources/ei.cfg");
    let fe = n.id as usize;
    let fe_lb = u32::from_le_bytes(d[fe + 12..fe + 16].try_into().unwrap()) as usize;
    let part_start = fe - fe_lb * SECTOR;
    let aed = n.extents[0].offset as usize; // the file's data block becomes the AED
    let aed_lb = ((aed - part_start) / SECTOR) as u32;
    d[aed..aed + SECTOR].fill(0);
    d[aed..aed + 2].copy_from_slice(&258u16.to_le_bytes());
    put32(&mut d, aed + 12, aed_lb);
    put32(&mut d, aed + 20, 8); // L_AD: one short AD
    put32(&mut d, aed + 24, (3 << 30) | SECTOR as u32); // "next extent of ADs"...
    put32(&mut d, aed + 28, aed_lb); // ...is this same block
    d[aed + 10..aed + 12].copy_from_slice(&16u16.to_le_bytes()); // CRC over L_AD, prev, ADs
    retag(&mut d, aed);
    let l_ea = u32::from_le_bytes(d[fe + 168..fe + 172].try_into().unwrap()) as usize;
    put32(&mut d, fe + 176 + l_ea, (3 << 30) | SECTOR as u32);
    put32(&mut d, fe + 180 + l_ea, aed_lb);
    retag(&mut d, fe);
    let src: Arc<dyn ReadAt> = Arc::new(MemSource::new("m", d.clone()));
    let err = Iso::open(src.clone()).unwrap().file("sources/ei.cfg").unwrap_err().to_string();
    assert!(err.contains("allocation extent chain loops"), "{err}");
    // For inspect, an unreadable ei.cfg is a warning and an unknown channel, never a guess.
    let m = oemgate::image::read_iso(src, "m").unwrap().media.unwrap();
    assert!(m.ei_cfg.is_none());
    assert_eq!(iso::is_vl_media(&m), None);
    let warnings: Vec<String> = m.warnings.iter().map(oemgate::report::inspect::media_warning).collect();
    assert!(warnings.iter().any(|w| w.contains("sources/ei.cfg") && w.contains("loops")), "{warnings:?}");
}

/// Dual-architecture media (x64/sources, x86/sources): the image of this machine's
/// architecture is read and every install image is listed (issue 14; before, they were
/// only named in a not-found message).
#[test]
fn dual_architecture_media_are_read_and_listed() {
    let tmp = TempDir::new("iso-dual");
    let m = tmp.path().join("m");
    sevenzip_extract(&fixture("udf-bridge.iso"), &m.join("x64"), &["sources/install.wim"]);
    sevenzip_extract(&fixture("joliet.iso"), &m.join("x86"), &["sources/install.esd"]);
    let iso = tmp.path().join("dual.iso");
    run(std::process::Command::new("xorriso")
        .args(["-report_about", "SORRY", "-as", "mkisofs", "-J", "-no-pad", "-o"])
        .arg(&iso)
        .arg(&m));
    let out = oemgate(&["inspect", iso.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        j["media"]["install_images"],
        serde_json::json!([
            {"path": "x64/sources/install.wim", "arch": "x64"},
            {"path": "x86/sources/install.esd", "arch": "x86"}
        ])
    );
    let expect = if cfg!(target_arch = "x86") { "x86/sources/install.esd" } else { "x64/sources/install.wim" };
    assert_eq!(j["media"]["image"], expect);
}

/// Replace the UDF logical volume's partition map with a metadata-partition map
/// (UDF 2.50+), which this reader does not support, in the main and the reserve
/// volume descriptor sequences.
fn udf_metadata_map(d: &mut [u8]) {
    let avdp = 256 * SECTOR;
    for field in [20, 28] {
        let vds = u32::from_le_bytes(d[avdp + field..avdp + field + 4].try_into().unwrap()) as usize;
        udf_metadata_map_at(d, vds);
    }
}

fn udf_metadata_map_at(d: &mut [u8], vds: usize) {
    let lvd = (vds..vds + 16).map(|s| s * SECTOR).find(|&o| d[o..o + 2] == 6u16.to_le_bytes()).expect("LVD");
    put32(d, lvd + 264, 64); // map table length
    put32(d, lvd + 268, 1); // one map
    let map = lvd + 440;
    d[map..map + 64].fill(0);
    d[map] = 2;
    d[map + 1] = 64;
    d[map + 5..map + 28].copy_from_slice(b"*UDF Metadata Partition");
    d[lvd + 10..lvd + 12].copy_from_slice(&((440 + 64 - 16) as u16).to_le_bytes());
    retag(d, lvd);
}

#[test]
fn unsupported_udf_falls_back_to_the_iso9660_side() {
    // A bridge image: the Joliet side holds the same files.
    let mut d = bytes("udf-bridge.iso");
    udf_metadata_map(&mut d);
    let src: Arc<dyn ReadAt> = Arc::new(MemSource::new("m", d));
    let rep = oemgate::image::read_iso(src, "m").unwrap();
    let good = oemgate::image::read_iso(Arc::new(MemSource::new("m", bytes("udf-bridge.iso"))), "m").unwrap();
    assert_eq!(rep.images, good.images);
    let m = rep.media.unwrap();
    assert_eq!(m.filesystem, "ISO 9660 + Joliet");
    let warnings: Vec<String> = m.warnings.iter().map(oemgate::report::inspect::media_warning).collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("the UDF file system was not read: ") && w.contains("*UDF Metadata Partition")),
        "{warnings:?}"
    );
    assert!(matches!(
        &m.warnings[0],
        iso::media::MediaWarning::UdfNotRead { error: oemgate::Error::Unsupported { .. } }
    ));

    // Microsoft-style: the ISO 9660 side is a README stub, so the reason is in the error.
    let mut d = bytes("udf-only.iso");
    udf_metadata_map(&mut d);
    assert_fails(
        "UDF-only with a metadata partition",
        &d,
        "sources/install.swm; the UDF file system was not read: UDF logical volume descriptor at offset 72120: not supported: \
         partition map 0 of type 2 \"*UDF Metadata Partition\" (only physical partitions); the ISO 9660 side was read instead",
    );

    // No ISO 9660 side at all (mkudffs, UDF 2.50 with a virtual allocation table).
    let tmp = TempDir::new("iso-vat");
    let img = tmp.path().join("vat.img");
    std::fs::File::create(&img).unwrap().set_len(8 << 20).unwrap();
    run(mkudffs().args(["--media-type=cdr", "--udfrev=0x0250"]).arg(&img));
    assert_fails(
        "VAT",
        &std::fs::read(&img).unwrap(),
        "not supported: partition map 1 of type 2 \"*UDF Virtual Partition\"",
    );
}
