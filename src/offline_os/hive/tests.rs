//! Hives built cell by cell, to reach the structures hivex does not write
//! (li and ri subkey lists, db big data) and hostile layouts (loops, bad offsets).

use super::*;
use crate::source::MemSource;

/// A hive under construction: cells appended into one growing hive bin.
struct Builder {
    bins: Vec<u8>,
}

impl Builder {
    fn new() -> Builder {
        let mut bins = vec![0u8; hbin::HEADER_SIZE];
        bins[0..4].copy_from_slice(b"hbin");
        Builder { bins }
    }

    /// Append an allocated cell; returns its offset.
    fn cell(&mut self, data: &[u8]) -> u32 {
        let off = self.bins.len() as u32;
        let size = (4 + data.len()).div_ceil(8) * 8;
        self.bins.extend_from_slice(&(-(size as i32)).to_le_bytes());
        self.bins.extend_from_slice(data);
        self.bins.resize(off as usize + size, 0);
        off
    }

    fn nk(&mut self, name: &str, subkeys: u32, list: u32, values: u32, value_list: u32) -> u32 {
        let mut d = vec![0u8; 0x4C];
        d[0..2].copy_from_slice(b"nk");
        d[2..4].copy_from_slice(&0x20u16.to_le_bytes());
        d[0x14..0x18].copy_from_slice(&subkeys.to_le_bytes());
        d[0x1C..0x20].copy_from_slice(&list.to_le_bytes());
        d[0x24..0x28].copy_from_slice(&values.to_le_bytes());
        d[0x28..0x2C].copy_from_slice(&value_list.to_le_bytes());
        d[0x48..0x4A].copy_from_slice(&(name.len() as u16).to_le_bytes());
        d.extend_from_slice(name.as_bytes());
        self.cell(&d)
    }

    fn vk(&mut self, name: &str, ty: u32, size: u32, data_off: u32) -> u32 {
        let mut d = vec![0u8; 0x14];
        d[0..2].copy_from_slice(b"vk");
        d[2..4].copy_from_slice(&(name.len() as u16).to_le_bytes());
        d[4..8].copy_from_slice(&size.to_le_bytes());
        d[8..12].copy_from_slice(&data_off.to_le_bytes());
        d[12..16].copy_from_slice(&ty.to_le_bytes());
        d[0x10..0x12].copy_from_slice(&1u16.to_le_bytes());
        d.extend_from_slice(name.as_bytes());
        self.cell(&d)
    }

    fn list(&mut self, sig: &[u8; 2], offsets: &[u32]) -> u32 {
        let mut d = sig.to_vec();
        d.extend_from_slice(&(offsets.len() as u16).to_le_bytes());
        for o in offsets {
            d.extend_from_slice(&o.to_le_bytes());
            if sig == b"lf" || sig == b"lh" {
                d.extend_from_slice(&[0; 4]);
            }
        }
        self.cell(&d)
    }

    fn offsets(&mut self, offsets: &[u32]) -> u32 {
        let d: Vec<u8> = offsets.iter().flat_map(|o| o.to_le_bytes()).collect();
        self.cell(&d)
    }

    fn finish(mut self, root: u32) -> Vec<u8> {
        let size = self.bins.len().div_ceil(4096) * 4096;
        let free = size - self.bins.len();
        if free >= 8 {
            let at = self.bins.len();
            self.bins.resize(size, 0);
            self.bins[at..at + 4].copy_from_slice(&(free as i32).to_le_bytes());
        }
        self.bins.resize(size, 0);
        self.bins[8..12].copy_from_slice(&(size as u32).to_le_bytes());
        let mut base = vec![0u8; base_block::SIZE];
        base[0..4].copy_from_slice(b"regf");
        base[4..8].copy_from_slice(&1u32.to_le_bytes());
        base[8..12].copy_from_slice(&1u32.to_le_bytes());
        base[20..24].copy_from_slice(&1u32.to_le_bytes());
        base[24..28].copy_from_slice(&5u32.to_le_bytes());
        base[36..40].copy_from_slice(&root.to_le_bytes());
        base[40..44].copy_from_slice(&(size as u32).to_le_bytes());
        let sum = base_block::compute_checksum(&base);
        base[508..512].copy_from_slice(&sum.to_le_bytes());
        base.extend_from_slice(&self.bins);
        base
    }
}

fn open(bytes: Vec<u8>) -> Hive<MemSource> {
    Hive::new(MemSource::new("test", bytes)).unwrap()
}

#[test]
fn reads_li_and_ri_lists_and_big_data() {
    let mut b = Builder::new();
    let a = b.nk("Alpha", 0, u32::MAX, 0, u32::MAX);
    let c = b.nk("Beta", 0, u32::MAX, 0, u32::MAX);
    let d = b.nk("Gamma", 0, u32::MAX, 0, u32::MAX);
    let li1 = b.list(b"li", &[a, c]);
    let li2 = b.list(b"lh", &[d]);
    let ri = b.list(b"ri", &[li1, li2]);
    // A 40000-byte value in three db segments.
    let big: Vec<u8> = (0..40000u32).map(|i| (i % 251) as u8).collect();
    let segs: Vec<u32> = big.chunks(vk::BIG_DATA_THRESHOLD as usize).map(|s| b.cell(s)).collect();
    let seg_list = b.offsets(&segs);
    let mut db = b"db".to_vec();
    db.extend_from_slice(&(segs.len() as u16).to_le_bytes());
    db.extend_from_slice(&seg_list.to_le_bytes());
    let db_off = b.cell(&db);
    let v_big = b.vk("Big", vk::REG_BINARY, 40000, db_off);
    let v_dw = b.vk("Small", vk::REG_DWORD, 4 | 0x8000_0000, 0x1234_5678);
    let vlist = b.offsets(&[v_big, v_dw]);
    let root = b.nk("ROOT", 3, ri, 2, vlist);
    let h = open(b.finish(root));
    let r = h.root().unwrap();
    let names: Vec<String> = h.subkeys(&r).unwrap().into_iter().map(|k| k.name).collect();
    assert_eq!(names, ["Alpha", "Beta", "Gamma"]);
    assert_eq!(h.key("gamma").unwrap().unwrap().name, "Gamma");
    assert_eq!(h.value(&r, "BIG").unwrap().unwrap().bytes, big);
    assert_eq!(h.value(&r, "small").unwrap().unwrap().as_dword(), Some(0x1234_5678));
}

#[test]
fn refuses_hostile_layouts() {
    // An ri that contains itself.
    let mut b = Builder::new();
    let ri_at = b.bins.len() as u32;
    let ri = b.list(b"ri", &[ri_at]);
    assert_eq!(ri, ri_at);
    let root = b.nk("ROOT", 1, ri, 0, u32::MAX);
    let h = open(b.finish(root));
    let e = h.subkeys(&h.root().unwrap()).unwrap_err();
    assert!(e.to_string().contains("ri inside an ri"), "{e}");

    // A subkey count that disagrees with the list.
    let mut b = Builder::new();
    let a = b.nk("A", 0, u32::MAX, 0, u32::MAX);
    let li = b.list(b"li", &[a]);
    let root = b.nk("ROOT", 2, li, 0, u32::MAX);
    let h = open(b.finish(root));
    assert!(h.subkeys(&h.root().unwrap()).unwrap_err().to_string().contains("subkey count"));

    // Offsets outside the bins, unaligned, or at a free cell.
    let mut b = Builder::new();
    let root = b.nk("ROOT", 1, 0x7FFF_FFF8, 1, 3);
    let h = open(b.finish(root));
    let r = h.root().unwrap();
    assert!(matches!(h.subkeys(&r).unwrap_err(), Error::InvalidField { field: "offset", .. }));
    assert!(matches!(h.values(&r).unwrap_err(), Error::InvalidField { field: "offset", .. }));

    // A value claiming more data than its cell holds, and an oversized value.
    let mut b = Builder::new();
    let data = b.cell(b"abcd");
    let v1 = b.vk("Short", vk::REG_BINARY, 64, data);
    let v2 = b.vk("Huge", vk::REG_BINARY, 0x7FFF_FFFF, data);
    let v3 = b.vk("Inline", vk::REG_BINARY, 8 | 0x8000_0000, 0);
    let vl = b.offsets(&[v1, v2, v3]);
    let root = b.nk("ROOT", 0, u32::MAX, 3, vl);
    let h = open(b.finish(root));
    let r = h.root().unwrap();
    assert!(matches!(h.value(&r, "Short").unwrap_err(), Error::Truncated { .. }));
    assert!(matches!(h.value(&r, "Huge").unwrap_err(), Error::TooLarge { .. }));
    assert!(matches!(h.value(&r, "Inline").unwrap_err(), Error::InvalidField { field: "inline data size", .. }));
}

#[test]
fn validates_the_base_block() {
    let mut b = Builder::new();
    let root = b.nk("ROOT", 0, u32::MAX, 0, u32::MAX);
    let good = b.finish(root);
    let mut bad = good.clone();
    bad[0] = b'R';
    assert!(matches!(Hive::new(MemSource::new("t", bad)).err().unwrap(), Error::BadMagic { .. }));
    let mut bad = good.clone();
    bad[100] ^= 1;
    let e = Hive::new(MemSource::new("t", bad)).err().unwrap();
    assert!(matches!(e, Error::InvalidField { field: "checksum", .. }), "{e}");
    let e = Hive::new(MemSource::new("t", good[..good.len() - 4096].to_vec())).err().unwrap();
    assert!(matches!(e, Error::Truncated { .. }), "{e}");
    // A dirty hive is read, and says so.
    let mut dirty = good.clone();
    dirty[8..12].copy_from_slice(&2u32.to_le_bytes());
    let sum = base_block::compute_checksum(&dirty[..512]);
    dirty[508..512].copy_from_slice(&sum.to_le_bytes());
    let h = Hive::new(MemSource::new("t", dirty)).unwrap();
    assert!(h.is_dirty());
}

/// Work amplification (found reviewing the reader for the `hive` fuzz target, whose
/// inputs are too small to reach it): lists naming one 1 MiB cell 65535 times made a
/// single `subkeys` or `values` call on a 1.3 MiB hive copy 64 GiB (seconds per
/// call, minutes for `offline_os::read`). The reads are now budgeted.
#[test]
fn repeated_large_cells_exhaust_the_read_budget() {
    let big = |b: &mut Builder, sig: &[u8; 2]| {
        let mut d = sig.to_vec();
        d.resize((1 << 20) - 8, 0); // lf: count 0; vk: an empty name
        b.cell(&d)
    };
    let budget = |e: Error| {
        assert!(matches!(e, Error::TooLarge { limit: MAX_READ_BYTES, .. }), "{e}");
        assert!(e.to_string().contains("regf cells read"), "{e}");
    };

    // An ri naming the same large, empty lf 65535 times.
    let mut b = Builder::new();
    let lf = big(&mut b, b"lf");
    let ri = b.list(b"ri", &vec![lf; 65535]);
    let root = b.nk("ROOT", 1, ri, 0, u32::MAX);
    let h = open(b.finish(root));
    budget(h.subkeys(&h.root().unwrap()).unwrap_err());
    budget(h.key("Microsoft\\Windows NT\\CurrentVersion").unwrap_err());

    // A value list naming the same large vk 65536 times.
    let mut b = Builder::new();
    let vk = big(&mut b, b"vk");
    let list = b.offsets(&vec![vk; 65536]);
    let root = b.nk("ROOT", 0, u32::MAX, 65536, list);
    let h = open(b.finish(root));
    budget(h.value(&h.root().unwrap(), "EditionID").unwrap_err());
}
