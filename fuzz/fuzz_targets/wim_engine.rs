//! The whole engine over an image in memory: header, XML, blob table, then `verify`
//! (integrity table, every metadata resource and blob read, decompressed and hashed)
//! and random-access reads of the first image's metadata and of each blob.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use oemgate::image;
use oemgate::image::{archive::Wim, wim::verify};
use oemgate::source::{MemSource, ReadAt};

fuzz_target!(|data: &[u8]| {
    let src: Arc<dyn ReadAt> = Arc::new(MemSource::new("fuzz", data.to_vec()));
    let Ok(report) = image::read_image(&*src, "fuzz", &mut |_| Ok(None)) else { return };
    let Ok(mut wim) = Wim::from_sources(report, vec![src]) else { return };
    wim.set_threads(1);
    let _ = verify::verify(&wim, None, &mut |_, _, _| {});
    let mut buf = [0u8; 4096];
    if let Ok(m) = wim.metadata(1) {
        let n = (m.len() as usize).min(buf.len());
        let _ = m.read_exact_at(0, &mut buf[..n]);
    }
    let hashes: Vec<[u8; 20]> = wim.blob_table().blobs.iter().take(16).map(|b| b.hash).collect();
    for h in hashes {
        if let Ok(v) = wim.blob(&h) {
            let n = (v.len() as usize).min(buf.len());
            let _ = v.read_exact_at(v.len() - n as u64, &mut buf[..n]);
        }
        let _ = wim.read_blob_verified(&h, &mut std::io::sink());
    }
});
