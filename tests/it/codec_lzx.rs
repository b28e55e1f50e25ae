//! LZX (WIM variant) against wimlib: chunks compressed by wimlib's own LZX compressor at every
//! chunk size WIM allows (32 KiB to 2 MiB) and at smaller sizes wimlib's codec accepts,
//! decompressed by ours; damaged chunks; hand-made streams decompressed by both.

use crate::codecs::{check_against_wimlib, check_damaged};
use oemgate::image::decompress::Codec;

#[test]
fn lzx_32k_default_chunks_match_wimlib() {
    check_against_wimlib(Codec::Lzx, &[32768]);
}

#[test]
fn lzx_64k_and_128k_chunks_match_wimlib() {
    check_against_wimlib(Codec::Lzx, &[65536, 131072]);
}

#[test]
fn lzx_1m_and_2m_chunks_match_wimlib() {
    check_against_wimlib(Codec::Lzx, &[1048576, 2097152]);
}

/// Below 32 KiB the window order stays 15 (16-bit block sizes); 40000 bytes rounds up to a
/// 64 KiB window (24-bit block sizes, 32 position slots).
#[test]
fn lzx_small_and_odd_chunk_sizes_match_wimlib() {
    check_against_wimlib(Codec::Lzx, &[4096, 16384, 40000]);
}

#[test]
fn lzx_damaged_chunks_never_panic() {
    check_damaged(Codec::Lzx, 32768);
    check_damaged(Codec::Lzx, 65536);
}

/// Bits MSB-first into 16-bit little-endian words (enough for block headers).
struct Bits {
    out: Vec<u8>,
    acc: u32,
    n: u32,
}

impl Bits {
    fn new() -> Self {
        Bits { out: Vec::new(), acc: 0, n: 0 }
    }
    fn put(&mut self, v: u32, k: u32) {
        for i in (0..k).rev() {
            self.acc = (self.acc << 1) | ((v >> i) & 1);
            self.n += 1;
            if self.n == 16 {
                self.out.extend_from_slice(&(self.acc as u16).to_le_bytes());
                self.acc = 0;
                self.n = 0;
            }
        }
    }
    /// An uncompressed block: header, 1 to 16 bits of padding, R0..R2, the bytes, and a
    /// padding byte after an odd size.
    fn uncompressed(&mut self, data: &[u8], big_window: bool) {
        self.put(3, 3);
        if data.len() == 32768 {
            self.put(1, 1);
        } else if big_window {
            self.put(0, 1);
            self.put((data.len() >> 8) as u32, 16);
            self.put((data.len() & 0xFF) as u32, 8);
        } else {
            self.put(0, 1);
            self.put(data.len() as u32, 16);
        }
        let pad = if self.n == 0 { 16 } else { 16 - self.n };
        self.put(0, pad);
        for r in [1u32, 1, 1] {
            self.out.extend_from_slice(&r.to_le_bytes());
        }
        self.out.extend_from_slice(data);
        if data.len() % 2 == 1 {
            self.out.push(0);
        }
    }
}

/// wimlib's decompressor on each (stream, size) for a chunk size (through its C API).
fn wimlib_decompress(chunk: usize, streams: &[(Vec<u8>, usize, bool)]) -> Vec<Option<Vec<u8>>> {
    let dir = std::env::temp_dir().join(format!("oemgate-lzx-{}-{chunk}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("in");
    let mut rec = Vec::new();
    for (s, n, _) in streams {
        rec.extend_from_slice(&(*n as u32).to_le_bytes());
        rec.extend_from_slice(&(s.len() as u32).to_le_bytes());
        rec.extend_from_slice(s);
    }
    std::fs::write(&input, rec).unwrap();
    let script = r#"
import struct, sys
sys.path.insert(0, sys.argv[1])
import wimlib_codec as w
chunk, data = int(sys.argv[2]), open(sys.argv[3], "rb").read()
d, i, out = w.Decompressor("lzx", chunk), 0, open(sys.argv[4], "wb")
while i < len(data):
    n, c = struct.unpack_from("<II", data, i)
    try:
        r = d.decompress(data[i + 8:i + 8 + c], n)
        out.write(struct.pack("<I", 1) + r)
    except ValueError:
        out.write(struct.pack("<I", 0))
    i += 8 + c
"#;
    let output = dir.join("out");
    let tools = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/tools");
    let st = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(tools)
        .arg(chunk.to_string())
        .arg(&input)
        .arg(&output)
        .status()
        .expect("python3 with wimlib (tests/setup.sh)");
    assert!(st.success());
    let b = std::fs::read(&output).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let mut at = 0;
    streams
        .iter()
        .map(|(_, n, _)| {
            let ok = b[at] == 1;
            at += 4;
            if ok {
                at += n;
                Some(b[at - n..at].to_vec())
            } else {
                None
            }
        })
        .collect()
}

/// E8 translation at its limits (the last 10 bytes, short chunks, values at the edges of
/// [-position, 12,000,000), operands holding E8 bytes), through uncompressed blocks so the
/// bytes are exactly what we chose: ours and wimlib's decompressor agree byte for byte.
#[test]
fn lzx_e8_translation_matches_wimlib_on_hand_made_chunks() {
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for chunk in [32768usize, 65536] {
        let big = chunk > 32768;
        let mut streams = Vec::new();
        for n in [1usize, 5, 10, 11, 12, 13, 14, 15, 16, 17, 20, 21, 64, 255, 1000, 4097, 32767, 32768] {
            for variant in 0..4 {
                let mut data: Vec<u8> = (0..n).map(|_| rnd() as u8).collect();
                // Dense E8 bytes, operands near the translation limits.
                for i in 0..n {
                    if rnd() % 6 == 0 {
                        data[i] = 0xE8;
                        if i + 5 <= n {
                            let p = i as i64;
                            let v: i64 = match (variant + i) % 6 {
                                0 => -p,
                                1 => -p - 1,
                                2 => 12_000_000 - 1,
                                3 => 12_000_000,
                                4 => (rnd() % 3_000_000) as i64 - 1_000_000,
                                _ => (rnd() as i32) as i64,
                            };
                            data[i + 1..i + 5].copy_from_slice(&(v as i32).to_le_bytes());
                        }
                    }
                }
                if n >= 11 {
                    data[n - 11] = 0xE8;
                    data[n - 10] = 0xE8;
                }
                let mut b = Bits::new();
                if variant == 3 && n > 2 {
                    // Two blocks, the first of odd size.
                    let cut = if (n / 2) % 2 == 1 { n / 2 } else { n / 2 + 1 };
                    b.uncompressed(&data[..cut], big);
                    b.uncompressed(&data[cut..], big);
                } else {
                    b.uncompressed(&data, big);
                }
                streams.push((b.out, n, variant != 3));
            }
        }
        let theirs = wimlib_decompress(chunk, &streams);
        let mut d = oemgate::image::decompress::new(Codec::Lzx, chunk).unwrap();
        let mut translated = 0;
        for (i, ((s, n, one_block), t)) in streams.iter().zip(&theirs).enumerate() {
            let t = t.as_ref().unwrap_or_else(|| panic!("wimlib refused hand-made stream {i} ({n} bytes)"));
            let mut ours = vec![0u8; *n];
            d.decompress(s, &mut ours).unwrap_or_else(|e| panic!("stream {i} ({n} bytes): {e}"));
            assert!(&ours == t, "chunk {chunk}, stream {i} ({n} bytes): output differs from wimlib's");
            let raw_start = s.len() - n - (n % 2);
            if *one_block && *n > 10 && ours[..] != s[raw_start..raw_start + n] {
                translated += 1;
            }
        }
        assert!(translated > 10, "the E8 cases translated something ({translated})");
    }
}

/// Every LZX-compressed blob of the LZX fixture WIMs (made by wimlib), read through a
/// minimal reader of the header, blob table and chunk tables written here, decompresses
/// chunk by chunk to bytes whose SHA-1 (`sha1sum`) is the one the blob table records.
#[test]
fn lzx_fixture_wims_decompress_to_their_sha1() {
    fn u64le(b: &[u8], at: usize) -> u64 {
        u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
    }
    let mut blobs = 0;
    for name in ["multi.wim", "pro.wim", "data.wim", "server-langs.wim", "install.swm", "install2.swm", "install3.swm"]
    {
        let wim = std::fs::read(crate::common::fixture(&format!("images/{name}"))).unwrap();
        assert_eq!(&wim[..8], b"MSWIM\0\0\0", "{name}");
        // The header's chunk size (0 in some headers means the default, 32768).
        let chunk = match u32::from_le_bytes(wim[20..24].try_into().unwrap()) as usize {
            0 => 32768,
            c => c,
        };
        assert_eq!(chunk, 32768, "{name}");
        let mut d = oemgate::image::decompress::new(Codec::Lzx, chunk).unwrap();
        let table_size = (u64le(&wim, 0x30) & 0x00FF_FFFF_FFFF_FFFF) as usize;
        let table_off = u64le(&wim, 0x38) as usize;
        for e in wim[table_off..table_off + table_size].chunks_exact(50) {
            let size = (u64le(e, 0) & 0x00FF_FFFF_FFFF_FFFF) as usize;
            let flags = e[7];
            let off = u64le(e, 8) as usize;
            let orig = u64le(e, 16) as usize;
            let sha1: String = e[30..50].iter().map(|b| format!("{b:02x}")).collect();
            if flags & 0x04 == 0 || flags & 0x10 != 0 || orig == 0 {
                continue; // uncompressed or solid
            }
            let res = &wim[off..off + size];
            let n = orig.div_ceil(chunk);
            let entry = if orig > u32::MAX as usize { 8 } else { 4 };
            let ct = (n - 1) * entry;
            let mut starts: Vec<usize> = (0..n - 1)
                .map(|i| {
                    let mut v = [0u8; 8];
                    v[..entry].copy_from_slice(&res[i * entry..(i + 1) * entry]);
                    u64::from_le_bytes(v) as usize
                })
                .collect();
            starts.insert(0, 0);
            starts.push(size - ct);
            let mut out = Vec::with_capacity(orig);
            let mut buf = vec![0u8; chunk];
            for i in 0..n {
                let ulen = chunk.min(orig - i * chunk);
                let c = &res[ct + starts[i]..ct + starts[i + 1]];
                if c.len() == ulen {
                    out.extend_from_slice(c); // stored raw
                } else {
                    d.decompress(c, &mut buf[..ulen]).unwrap_or_else(|e| panic!("{name} blob {sha1} chunk {i}: {e}"));
                    out.extend_from_slice(&buf[..ulen]);
                }
            }
            let mut child = std::process::Command::new("sha1sum")
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            std::io::Write::write_all(child.stdin.as_mut().unwrap(), &out).unwrap();
            let got = String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap();
            assert_eq!(&got[..40], sha1, "{name}: blob of {orig} bytes");
            blobs += 1;
        }
    }
    assert!(blobs >= 10, "only {blobs} compressed blobs found");
}
