//! An ISO of more than 4 GiB, made at test time as a sparse file: its install.wim is
//! a real small WIM followed by a hole (so its header, resources and XML stay
//! valid), recorded as a multi-extent file (ISO 9660, xorriso) or as several
//! allocation descriptors (UDF, genisoimage). Inspecting it must read < 1 MiB.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use crate::iso_common::*;
use oemgate::image::iso::{self, Iso};
use oemgate::source::{CountingSource, FileSource, ReadAt};

const WIM_SIZE: u64 = 4 * 1024 * 1024 * 1024 + 300 * 1024 * 1024; // 4.3 GiB

/// Run `cmd` and write its standard output to `out` as a sparse file: all-zero
/// MiB blocks become holes. Returns the length written.
fn sparse_output(cmd: &mut Command, out: &Path) -> u64 {
    let mut child =
        cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("spawn ISO writer (run tests/setup.sh)");
    let mut pipe = child.stdout.take().unwrap();
    let mut f = File::create(out).unwrap();
    let mut buf = vec![0u8; 1 << 20];
    let zeros = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let mut filled = 0;
        while filled < buf.len() {
            let n = pipe.read(&mut buf[filled..]).unwrap();
            if n == 0 {
                break;
            }
            filled += n;
        }
        if filled == 0 {
            break;
        }
        if buf[..filled] == zeros[..filled] {
            // (slice equality is a memcmp, fast even in a debug build)
            f.seek(SeekFrom::Current(filled as i64)).unwrap();
        } else {
            f.write_all(&buf[..filled]).unwrap();
        }
        total += filled as u64;
    }
    f.set_len(total).unwrap();
    assert!(child.wait().unwrap().success(), "{cmd:?} failed");
    total
}

/// A media tree whose sources/install.wim is a valid WIM padded with a hole.
fn media_tree(dir: &Path) -> std::path::PathBuf {
    let tree = dir.join("tree");
    std::fs::create_dir_all(tree.join("Windows")).unwrap();
    std::fs::write(tree.join("Windows/a.txt"), b"hello").unwrap();
    let sources = dir.join("m/sources");
    std::fs::create_dir_all(&sources).unwrap();
    let wim = sources.join("install.wim");
    run(Command::new("wimlib-imagex").arg("capture").arg(&tree).arg(&wim).arg("Windows 11 Pro"));
    run(Command::new("wimlib-imagex").arg("info").arg(&wim).args([
        "1",
        "--image-property",
        "WINDOWS/EDITIONID=Professional",
    ]));
    File::options().write(true).open(&wim).unwrap().set_len(WIM_SIZE).unwrap();
    std::fs::write(sources.join("ei.cfg"), b"[Channel]\nVolume\n").unwrap();
    wim
}

fn check(name: &str, writer: &mut Command, min_extents: usize) {
    let tmp = TempDir::new(name);
    let wim = media_tree(tmp.path());
    let iso_path = tmp.path().join("big.iso");
    let t = Instant::now();
    let len = sparse_output(writer.current_dir(tmp.path()), &iso_path);
    eprintln!("{name}: wrote a {len}-byte sparse ISO in {:?}", t.elapsed());
    assert!(len > WIM_SIZE, "{name}: the ISO holds the whole install.wim");
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let on_disk = std::fs::metadata(&iso_path).unwrap().blocks() * 512;
        assert!(on_disk < 64 << 20, "{name}: ISO is not sparse ({on_disk} bytes on disk)");
    }

    // The file as recorded: > 4 GiB, in several extents.
    let src: Arc<dyn ReadAt> = Arc::new(FileSource::open(&iso_path).unwrap());
    let node = Iso::open(src).unwrap().file("sources/install.wim").unwrap().unwrap();
    assert_eq!(node.size, WIM_SIZE, "{name}");
    assert!(node.extents.len() >= min_extents, "{name}: {} extents", node.extents.len());
    let listed = sevenzip_list(&iso_path, None);
    assert!(listed.contains(&("sources/install.wim".to_string(), false, WIM_SIZE)), "{name}: 7z sees {listed:?}");

    // Inspecting it reads little.
    let counting = Arc::new(CountingSource::new(FileSource::open(&iso_path).unwrap()));
    let t = Instant::now();
    let rep = oemgate::image::read_iso(counting.clone(), "big.iso").unwrap();
    let took = t.elapsed();
    eprintln!("{name}: inspect read {} bytes in {} reads, {took:?}", counting.bytes_read(), counting.reads());
    assert!(counting.bytes_read() < 1 << 20, "{name}: read {} bytes", counting.bytes_read());
    assert!(took.as_secs() < 2, "{name}: inspect took {took:?}");
    let direct = oemgate::image::open(&wim).unwrap();
    assert_eq!(rep.images, direct.images, "{name}");
    assert_eq!(rep.header.guid, direct.header.guid);
    let media = rep.media.unwrap();
    assert_eq!(media.image_size, WIM_SIZE);
    assert_eq!(iso::is_vl_media(&media), Some(true));
}

#[test]
fn iso9660_multi_extent_over_4gib_reads_under_1mib() {
    check(
        "iso-big-9660",
        Command::new("xorriso").args([
            "-report_about",
            "SORRY",
            "-as",
            "mkisofs",
            "-iso-level",
            "3",
            "-J",
            "-no-pad",
            "-o",
            "-",
            "m",
        ]),
        2,
    );
}

#[test]
fn udf_over_4gib_reads_under_1mib() {
    // UDF extents are at most 1 GiB - 1 block: a 4.3 GiB file needs at least 5.
    check(
        "iso-big-udf",
        Command::new("genisoimage").args(["-quiet", "-udf", "-allow-limited-size", "-iso-level", "3", "-o", "-", "m"]),
        5,
    );
}
