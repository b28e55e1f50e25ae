//! Benchmark harness (not shipped): decompress every chunk of a vector file (made by
//! fixtures/tools/codec_vectors.py from wimlib's compressors) REPS times with oemgate's
//! decompressor, one thread, and print the throughput. bench/codec.sh runs it beside
//! wimlib's own decompressor on the same file.
//!
//!     codec_bench CODEC CHUNK_SIZE VECTORS REPS

use std::time::Instant;

use oemgate::image::decompress::{self, Codec};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        eprintln!("usage: codec_bench CODEC CHUNK_SIZE VECTORS REPS");
        std::process::exit(2);
    }
    let codec = match args[1].as_str() {
        "xpress" => Codec::Xpress,
        "lzx" => Codec::Lzx,
        "lzms" => Codec::Lzms,
        other => panic!("unknown codec {other}"),
    };
    let chunk: usize = args[2].parse().expect("chunk size");
    let data = std::fs::read(&args[3]).expect("read vectors");
    let reps: usize = args[4].parse().expect("reps");
    let mut chunks = Vec::new();
    let mut b = &data[..];
    while b.len() >= 8 {
        let ulen = u32::from_le_bytes(b[..4].try_into().unwrap()) as usize;
        let clen = u32::from_le_bytes(b[4..8].try_into().unwrap()) as usize;
        chunks.push((&b[8..8 + clen], &b[8 + clen..8 + clen + ulen]));
        b = &b[8 + clen + ulen..];
    }
    let mut d = decompress::new(codec, chunk).expect("decompressor");
    let mut out = vec![0u8; chunk];
    let total: usize = chunks.iter().map(|c| c.1.len()).sum();
    // Check once, then time.
    for (c, o) in &chunks {
        d.decompress(c, &mut out[..o.len()]).expect("decompress");
        assert!(&out[..o.len()] == *o, "output differs");
    }
    let t = Instant::now();
    for _ in 0..reps {
        for (c, o) in &chunks {
            d.decompress(c, &mut out[..o.len()]).expect("decompress");
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!("{:.1}", (total * reps) as f64 / secs / 1e6);
}
