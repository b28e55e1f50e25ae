//! XPRESS Huffman decompressor against wimlib: chunks compressed by wimlib's own XPRESS
//! compressor at every chunk size wimlib allows (4 KiB to 64 KiB; it refuses larger ones),
//! decompressed by ours and compared with the original bytes; damaged chunks never panic.

use std::process::{Command, Stdio};

use oemgate::image::decompress::{self, Codec};

use crate::codecs::{check_against_wimlib, check_damaged};
use crate::common::{TempDir, fixture, tool_ok};

/// Every XPRESS chunk size wimlib accepts (`wimlib-imagex capture --chunk-size`).
const CHUNK_SIZES: [usize; 5] = [4096, 8192, 16384, 32768, 65536];

#[test]
fn xpress_decodes_wimlib_chunks_at_every_chunk_size() {
    check_against_wimlib(Codec::Xpress, &CHUNK_SIZES);
}

#[test]
fn xpress_survives_damaged_chunks() {
    for chunk in CHUNK_SIZES {
        check_damaged(Codec::Xpress, chunk);
    }
}

/// Every compressed non-solid resource of an XPRESS WIM (its chunk table walked as the WIM
/// format lays it out), decoded chunk by chunk by ours; each blob's SHA-1 (computed by
/// Python's hashlib) must equal the one wimlib wrote in the blob table. Returns the number
/// of XPRESS-compressed chunks decoded.
fn check_wim_blobs(wim: &[u8]) -> usize {
    let u32_at = |o: usize| u32::from_le_bytes(wim[o..o + 4].try_into().unwrap());
    let u64_at = |o: usize| u64::from_le_bytes(wim[o..o + 8].try_into().unwrap());
    // A resource header: 7-byte stored size, flags, offset, original size.
    let reshdr = |o: usize| (u64_at(o) & ((1 << 56) - 1), wim[o + 7], u64_at(o + 8), u64_at(o + 16));
    assert_eq!(&wim[..8], b"MSWIM\0\0\0", "not a WIM");
    let flags = u32_at(16);
    assert!(flags & 0x2 != 0 && flags & 0x20000 != 0, "not an XPRESS WIM (flags {flags:#x})");
    let chunk_size = u32_at(20) as usize;
    let (table_size, table_flags, table_off, _) = reshdr(48);
    assert_eq!(table_flags & 0x4, 0, "compressed blob table");
    let mut d = decompress::new(Codec::Xpress, chunk_size).expect("decompressor");
    let mut chunk_buf = vec![0u8; chunk_size];
    let (mut blobs, mut hashes, mut chunks) = (Vec::new(), Vec::new(), 0);
    for e in wim[table_off as usize..(table_off + table_size) as usize].chunks_exact(50) {
        let (stored, rflags, off, orig) = {
            let g = |o: usize| u64::from_le_bytes(e[o..o + 8].try_into().unwrap());
            (g(0) & ((1 << 56) - 1), e[7], g(8) as usize, g(16) as usize)
        };
        if rflags & 0x4 == 0 || rflags & 0x10 != 0 || orig == 0 {
            continue; // stored raw, or solid (a different layout)
        }
        let res = &wim[off..off + stored as usize];
        let n = orig.div_ceil(chunk_size);
        let entry = if orig > u32::MAX as usize { 8 } else { 4 };
        let (table, data) = res.split_at((n - 1) * entry);
        let mut starts: Vec<usize> = vec![0];
        for t in table.chunks_exact(entry) {
            let mut b = [0u8; 8];
            b[..entry].copy_from_slice(t);
            starts.push(u64::from_le_bytes(b) as usize);
        }
        starts.push(data.len());
        let mut blob = Vec::with_capacity(orig);
        for i in 0..n {
            let c = &data[starts[i]..starts[i + 1]];
            let ulen = chunk_size.min(orig - i * chunk_size);
            if c.len() == ulen {
                blob.extend_from_slice(c); // stored raw: it did not shrink
            } else {
                d.decompress(c, &mut chunk_buf[..ulen])
                    .unwrap_or_else(|err| panic!("blob at {off}, chunk {i} of {n}: {err}"));
                blob.extend_from_slice(&chunk_buf[..ulen]);
                chunks += 1;
            }
        }
        assert_eq!(blob.len(), orig);
        blobs.push(blob);
        hashes.push(e[30..50].iter().map(|b| format!("{b:02x}")).collect::<String>());
    }
    assert!(!blobs.is_empty(), "no compressed blob found");
    assert_eq!(sha1_all(&blobs), hashes, "decoded blobs do not hash to the blob table's SHA-1s");
    chunks
}

/// SHA-1 of each buffer, by Python's hashlib.
fn sha1_all(bufs: &[Vec<u8>]) -> Vec<String> {
    use std::io::Write;
    let mut child = Command::new("python3")
        .args([
            "-c",
            "import hashlib,struct,sys\nd=sys.stdin.buffer.read();i=0\nwhile i<len(d):\n n,=struct.unpack_from('<Q',d,i);print(hashlib.sha1(d[i+8:i+8+n]).hexdigest());i+=8+n",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut input = Vec::new();
    for b in bufs {
        input.extend((b.len() as u64).to_le_bytes());
        input.extend_from_slice(b);
    }
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_owned).collect()
}

#[test]
fn xpress_decodes_every_chunk_of_the_xpress_fixture() {
    let wim = std::fs::read(fixture("images/xpress.wim")).unwrap();
    assert!(check_wim_blobs(&wim) >= 1);
}

#[test]
fn xpress_decodes_every_chunk_of_wims_captured_by_wimlib() {
    let tmp = TempDir::new("xpress-wim");
    let src = tmp.path().join("src");
    std::fs::create_dir_all(src.join("sub")).unwrap();
    // Machine code, text, zeros, incompressible bytes (stored raw), odd and exact sizes.
    std::fs::copy("/usr/bin/bash", src.join("bash")).expect("copy /usr/bin/bash");
    let text: String = (0..40_000).map(|i| ["licence ", "edition ", "Windows ", "key ", "\r\n"][i * 7 % 5]).collect();
    std::fs::write(src.join("sub/text.txt"), text).unwrap();
    std::fs::write(src.join("zeros"), vec![0u8; 300_000]).unwrap();
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let noise: Vec<u8> = (0..70_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    std::fs::write(src.join("noise"), noise).unwrap();
    std::fs::write(src.join("one"), b"1").unwrap();
    std::fs::write(src.join("exact"), b"abcdefgh".repeat(8192)).unwrap();
    for chunk in CHUNK_SIZES {
        let wim = tmp.path().join(format!("x{chunk}.wim"));
        tool_ok(
            "wimlib-imagex",
            &[
                "capture",
                src.to_str().unwrap(),
                wim.to_str().unwrap(),
                "--compress=XPRESS",
                &format!("--chunk-size={chunk}"),
                "--threads=1",
            ],
        );
        let n = check_wim_blobs(&std::fs::read(&wim).unwrap());
        assert!(n * chunk >= 1_000_000, "chunk size {chunk}: only {n} chunks decoded");
    }
}
