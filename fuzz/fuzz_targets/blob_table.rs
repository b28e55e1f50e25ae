//! The blob table (50-byte entries, solid runs, metadata), the chunk table in its
//! three layouts and the 16-byte solid resource header, on raw bytes.
//!
//! Input: byte 0 picks the WIM version (bit 0: solid), the compression (bits 1-2) and
//! the part number (bits 3-4); byte 1 the image count; the rest is the blob table.
//! Solid resource headers are read from the input itself at the entry's offset
//! (modulo its length), so they are fuzzed too. The same bytes are then parsed as a
//! chunk table with sizes taken from the first bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oemgate::image::wim::blob_table::BlobTable;
use oemgate::image::wim::chunk_table::{ChunkTable, Geometry, Layout};
use oemgate::image::wim::header::{self, Header};
use oemgate::image::wim::resource::ResourceHeader;
use oemgate::image::wim::solid::SolidHeader;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let (p, table) = (data[0], &data[2..]);
    let compression = [0, header::FLAG_COMPRESS_XPRESS, header::FLAG_COMPRESS_LZX, header::FLAG_COMPRESS_LZMS]
        [usize::from((p >> 1) & 3)];
    let empty = ResourceHeader { size: 0, flags: 0, offset: 0, original_size: 0 };
    let h = Header {
        magic: "MSWIM".into(),
        pipable: p & 0x80 != 0,
        header_size: 208,
        version: if p & 1 != 0 { header::VERSION_SOLID } else { header::VERSION_DEFAULT },
        flags: if compression != 0 { header::FLAG_COMPRESSION | compression } else { 0 },
        chunk_size: 1 << (12 + (p >> 5 & 3)),
        guid: String::new(),
        part_number: u16::from((p >> 3) & 3).max(1),
        total_parts: 3,
        image_count: u32::from(data[1]),
        blob_table: empty,
        xml: empty,
        boot_metadata: empty,
        boot_index: 0,
        integrity: empty,
    };
    let solid = |offset: u64| {
        let mut b = [0u8; 16];
        for (i, x) in b.iter_mut().enumerate() {
            *x = data[(offset as usize).wrapping_add(i) % data.len()];
        }
        SolidHeader::parse(&b, offset)
    };
    let mut bt = BlobTable::default();
    let _ = bt.add_entries(table, 208, &h, &solid);
    for b in &bt.blobs {
        let _ = bt.get(&b.hash);
    }

    // Chunk tables: sizes from the first 12 bytes, table bytes as the geometry wants.
    if data.len() >= 12 {
        let layout = [Layout::Normal, Layout::Pipable, Layout::Solid][usize::from(data[0] % 3)];
        let chunk_size = 1u32 << (9 + u32::from(data[1] % 18));
        let uncompressed = u64::from(u32::from_le_bytes([data[2], data[3], data[4], data[5]])) << (data[6] % 4 * 4);
        let size = u64::from(u32::from_le_bytes([data[7], data[8], data[9], data[10]]));
        if let Ok(g) = Geometry::new(layout, 100, size, uncompressed, chunk_size) {
            let rest = &data[11..];
            let n = (g.table_bytes as usize).min(rest.len());
            if let Ok(t) = ChunkTable::parse(layout, &rest[..n], 100, size, uncompressed, chunk_size) {
                for i in 0..t.len().min(64) {
                    let c = t.chunk(i).expect("chunk inside the table");
                    assert!(c.csize >= 1 && c.csize <= c.usize && c.usize <= chunk_size);
                    assert!(c.offset >= 100 && c.offset + u64::from(c.csize) <= 100 + size);
                }
            }
        }
    }
});
