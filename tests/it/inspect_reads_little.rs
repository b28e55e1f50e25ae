//! `inspect` reads only the header and the XML data, never the image's file data:
//! proven by counting the bytes read through the library's source wrapper on a
//! WIM (made by wimlib) whose data is megabytes.

use crate::common::*;
use oemgate::source::{CountingSource, FileSource, ReadAt};

#[test]
fn inspect_reads_only_header_and_xml() {
    let t = TempDir::new("count");
    let tree = t.path().join("tree");
    std::fs::create_dir_all(tree.join("Windows/System32")).unwrap();
    // 6 MiB of incompressible data in a few files.
    let mut seed: u64 = 42;
    for n in 0..3 {
        let mut data = vec![0u8; 2 << 20];
        for b in data.iter_mut() {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            *b = (seed >> 33) as u8;
        }
        std::fs::write(tree.join(format!("Windows/System32/data{n}.bin")), data).unwrap();
    }
    let wim = t.path().join("big.wim");
    tool_ok("wimlib-imagex", &["capture", tree.to_str().unwrap(), wim.to_str().unwrap(), "Big", "--compress=none"]);
    let src = CountingSource::new(FileSource::open(&wim).unwrap());
    assert!(src.len() > 6 << 20, "the image holds megabytes of data");
    let rep = oemgate::image::read_image(&src, "big.wim", &mut |_| Ok(None)).unwrap();
    assert_eq!(rep.images.len(), 1);
    let xml_size = rep.header.xml.size;
    let read = src.bytes_read();
    assert!(read < xml_size + 4096, "read {read} bytes for an XML of {xml_size} bytes");
    assert!(read >= xml_size + 208, "must have read header and XML ({read})");
    assert!(src.reads() <= 4, "a handful of reads, got {}", src.reads());
}
