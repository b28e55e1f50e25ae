//! Shared helpers for the decompressor tests: test vectors compressed by wimlib's own
//! compressors (fixtures/tools/codec_vectors.py, through wimlib's C API), decompressed by
//! ours and compared byte for byte with the original data.

use std::path::PathBuf;
use std::process::Command;

use oemgate::image::decompress::{self, Codec};

/// One chunk: what wimlib compressed, and the original bytes.
pub struct Vector {
    pub compressed: Vec<u8>,
    pub original: Vec<u8>,
}

fn codec_name(codec: Codec) -> &'static str {
    match codec {
        Codec::Xpress => "xpress",
        Codec::Lzx => "lzx",
        Codec::Lzms => "lzms",
    }
}

/// Vectors for `codec` at `chunk` bytes, made by wimlib (cached under target/).
pub fn vectors(codec: Codec, chunk: usize) -> Vec<Vector> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/codec-vectors");
    std::fs::create_dir_all(&dir).expect("create target/codec-vectors");
    let path = dir.join(format!("{}-{chunk}.vec", codec_name(codec)));
    if !path.is_file() {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/tools/codec_vectors.py");
        let st = Command::new("python3")
            .arg(script)
            .arg(codec_name(codec))
            .arg(chunk.to_string())
            .arg(&path)
            .status()
            .expect("run python3 fixtures/tools/codec_vectors.py (needs wimlib's libwim, tests/setup.sh)");
        assert!(st.success(), "codec_vectors.py {} {chunk} failed", codec_name(codec));
    }
    parse(&std::fs::read(&path).expect("read vectors"))
}

/// Parse the vector file format (u32 LE sizes, compressed, original).
pub fn parse(mut b: &[u8]) -> Vec<Vector> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let ulen = u32::from_le_bytes(b[..4].try_into().unwrap()) as usize;
        let clen = u32::from_le_bytes(b[4..8].try_into().unwrap()) as usize;
        let compressed = b[8..8 + clen].to_vec();
        let original = b[8 + clen..8 + clen + ulen].to_vec();
        b = &b[8 + clen + ulen..];
        out.push(Vector { compressed, original });
    }
    out
}

/// Every vector for `codec` at each chunk size decompresses to its original bytes, with one
/// decompressor reused across all chunks of a size (as a resource reader uses it).
pub fn check_against_wimlib(codec: Codec, chunk_sizes: &[usize]) {
    for &chunk in chunk_sizes {
        let vs = vectors(codec, chunk);
        assert!(vs.len() > 10, "too few vectors for {codec:?} {chunk}");
        let mut d = decompress::new(codec, chunk).expect("make decompressor");
        let mut out = vec![0u8; chunk];
        for (i, v) in vs.iter().enumerate() {
            let dst = &mut out[..v.original.len()];
            d.decompress(&v.compressed, dst)
                .unwrap_or_else(|e| panic!("{codec:?} chunk size {chunk}, vector {i}: {e}"));
            assert!(
                dst == &v.original[..],
                "{codec:?} chunk size {chunk}, vector {i}: output differs from wimlib's input"
            );
        }
    }
}

/// Damaged copies of wimlib's vectors (truncations, bit flips, garbage) never panic, and a
/// too-small or too-large output size is refused or decoded without reading past `src`.
pub fn check_damaged(codec: Codec, chunk: usize) {
    let vs = vectors(codec, chunk);
    let mut d = decompress::new(codec, chunk).expect("make decompressor");
    let mut out = vec![0u8; chunk];
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for v in vs.iter().take(60) {
        let n = v.original.len();
        for cut in [0, 1, v.compressed.len() / 2, v.compressed.len().saturating_sub(1)] {
            let _ = d.decompress(&v.compressed[..cut], &mut out[..n]);
        }
        for _ in 0..20 {
            let mut c = v.compressed.clone();
            let i = (rnd() as usize) % c.len().max(1);
            if let Some(b) = c.get_mut(i) {
                *b ^= 1 << (rnd() % 8);
            }
            let _ = d.decompress(&c, &mut out[..n]);
        }
        let garbage: Vec<u8> = (0..v.compressed.len()).map(|_| rnd() as u8).collect();
        let _ = d.decompress(&garbage, &mut out[..n]);
        // The decompressor still works on good data after all that.
        d.decompress(&v.compressed, &mut out[..n]).expect("good data after damaged data");
        assert!(out[..n] == v.original[..]);
    }
}
