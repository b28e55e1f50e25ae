//! LZMS constants and the offset/length slot tables.
//!
//! There is no Microsoft specification of LZMS. Every number here is a fact taken from
//! the public description of the format in wimlib's documentation and sources (wimlib
//! 1.14.5: `include/wimlib/lzms_constants.h` for the constants, `src/lzms_common.c` for
//! the slot tables, `src/lzms_decompress.c` for the format notes), restated here as data.
//!
//! The slot tables are given as runs of "extra bits" per slot; each slot's base value is
//! 1 plus the sum of `1 << extra_bits` over all earlier slots (this is how the published
//! base tables are built: `lzms_offset_slot_base` starts 1, 2, ..., 9, 0xd, 0x11 and ends
//! 0x065be4a5 with a closing 0x465be4a5; `lzms_length_slot_base` starts 1, 2, ... and ends
//! 0x000108ab with a closing 0x400108ab). The unit tests check these anchors.

/// Number of binary decision contexts (probability entries) per decision class
/// (`LZMS_NUM_*_PROBS`): the state is the last 4, 5 or 6 bits decoded in that class.
pub const NUM_MAIN_PROBS: usize = 16;
pub const NUM_MATCH_PROBS: usize = 32;
pub const NUM_LZ_PROBS: usize = 64;
pub const NUM_LZ_REP_PROBS: usize = 64;
pub const NUM_DELTA_PROBS: usize = 64;
pub const NUM_DELTA_REP_PROBS: usize = 64;

/// Probabilities are n/64 (`LZMS_PROBABILITY_BITS` = 6).
pub const PROBABILITY_BITS: u32 = 6;
pub const PROBABILITY_DENOMINATOR: u32 = 1 << PROBABILITY_BITS;
/// Each probability entry starts as 48 zero bits out of the last 64, the last 64 bits
/// being 0x0000000055555555 (`LZMS_INITIAL_PROBABILITY`, `LZMS_INITIAL_RECENT_BITS`).
pub const INITIAL_PROBABILITY: u32 = 48;
pub const INITIAL_RECENT_BITS: u64 = 0x0000_0000_5555_5555;

/// Recent-offset queues: 3 usable entries plus one for the delayed insertion
/// (`LZMS_NUM_LZ_REPS`, `LZMS_NUM_DELTA_REPS`).
pub const NUM_REPS: usize = 3;

/// Alphabet sizes (`LZMS_NUM_LITERAL_SYMS`, `LZMS_NUM_LENGTH_SYMS`,
/// `LZMS_NUM_DELTA_POWER_SYMS`, `LZMS_MAX_NUM_OFFSET_SYMS`).
pub const NUM_LITERAL_SYMS: usize = 256;
pub const NUM_LENGTH_SYMS: usize = 54;
pub const NUM_DELTA_POWER_SYMS: usize = 8;
pub const MAX_NUM_OFFSET_SYMS: usize = 799;

/// After this many symbols decoded with a code, the code is rebuilt from the symbol
/// frequencies (`LZMS_*_CODE_REBUILD_FREQ`).
pub const LITERAL_CODE_REBUILD_FREQ: u32 = 1024;
pub const LZ_OFFSET_CODE_REBUILD_FREQ: u32 = 1024;
pub const LENGTH_CODE_REBUILD_FREQ: u32 = 512;
pub const DELTA_OFFSET_CODE_REBUILD_FREQ: u32 = 1024;
pub const DELTA_POWER_CODE_REBUILD_FREQ: u32 = 512;

/// Longest Huffman codeword (`LZMS_MAX_CODEWORD_LENGTH`).
pub const MAX_CODEWORD_LENGTH: u32 = 15;

/// x86 filter parameters (`LZMS_X86_ID_WINDOW_SIZE`, `LZMS_X86_MAX_TRANSLATION_OFFSET`).
pub const X86_ID_WINDOW_SIZE: i32 = 65535;
pub const X86_MAX_TRANSLATION_OFFSET: i32 = 1023;

/// The largest buffer the format addresses (`LZMS_MAX_BUFFER_SIZE`, 2^30; Microsoft's
/// own implementation uses at most 2^26).
pub const MAX_BUFFER_SIZE: usize = 1 << 30;

/// Extra offset bits per offset slot, as (extra bits, number of consecutive slots):
/// the run-length form of `lzms_extra_offset_bits[799]`.
const OFFSET_EXTRA_RUNS: [(u8, u16); 21] = [
    (0, 8),
    (2, 9),
    (3, 7),
    (4, 10),
    (5, 15),
    (6, 15),
    (7, 20),
    (8, 20),
    (9, 30),
    (10, 33),
    (11, 40),
    (12, 42),
    (13, 45),
    (14, 60),
    (15, 73),
    (16, 80),
    (17, 85),
    (18, 95),
    (19, 105),
    (20, 6),
    (30, 1),
];

/// Extra length bits per length slot, run-length form of `lzms_extra_length_bits[54]`.
const LENGTH_EXTRA_RUNS: [(u8, u16); 13] =
    [(0, 26), (1, 4), (2, 6), (3, 4), (4, 5), (5, 2), (6, 1), (7, 1), (8, 1), (9, 1), (10, 1), (16, 1), (30, 1)];

/// One slot: its base value and the number of extra bits read after the slot symbol.
#[derive(Clone, Copy)]
pub struct Slot {
    pub base: u32,
    pub extra_bits: u32,
}

const fn expand<const N: usize>(runs: &[(u8, u16)]) -> [Slot; N] {
    let mut out = [Slot { base: 0, extra_bits: 0 }; N];
    let mut base: u64 = 1;
    let mut slot = 0;
    let mut r = 0;
    while r < runs.len() {
        let (bits, count) = runs[r];
        let mut k = 0;
        while k < count {
            out[slot] = Slot { base: base as u32, extra_bits: bits as u32 };
            base += 1u64 << bits;
            slot += 1;
            k += 1;
        }
        r += 1;
    }
    assert!(slot == N);
    out
}

/// Offset slot => (base, extra bits), for LZ offsets and delta raw offsets.
pub static OFFSET_SLOTS: [Slot; MAX_NUM_OFFSET_SYMS] = expand(&OFFSET_EXTRA_RUNS);

/// Length slot => (base, extra bits).
pub static LENGTH_SLOTS: [Slot; NUM_LENGTH_SYMS] = expand(&LENGTH_EXTRA_RUNS);

/// The number of offset slots a chunk of `size` bytes uses: one more than the slot of
/// the largest possible offset, `size - 1` (0 below 2 bytes).
pub fn num_offset_slots(size: usize) -> usize {
    if size < 2 {
        return 0;
    }
    let largest = (size - 1).min(u32::MAX as usize) as u32;
    // The first slot whose base exceeds `largest` is the count.
    OFFSET_SLOTS.partition_point(|s| s.base <= largest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_slots_match_the_published_anchors() {
        // Values of lzms_offset_slot_base at a few slots, and its closing entry.
        let anchors = [
            (0, 0x1),
            (8, 0x9),
            (9, 0xd),
            (10, 0x11),
            (100, 0x20a5),
            (200, 0x1eca5),
            (400, 0x3064a5),
            (600, 0x157e4a5),
            (798, 0x065be4a5),
        ];
        for (slot, base) in anchors {
            assert_eq!(OFFSET_SLOTS[slot].base, base, "slot {slot}");
        }
        let last = OFFSET_SLOTS[798];
        assert_eq!(last.extra_bits, 30);
        assert_eq!(last.base as u64 + (1u64 << last.extra_bits), 0x465be4a5);
        // LZMS_MAX_MATCH_OFFSET = 1180427428 is the closing entry minus one.
        assert_eq!(last.base as u64 + (1u64 << last.extra_bits) - 1, 1_180_427_428);
    }

    #[test]
    fn length_slots_match_the_published_anchors() {
        let anchors = [(0, 1), (25, 0x1a), (26, 0x1b), (27, 0x1d), (31, 0x27), (47, 0xeb), (52, 0x8ab), (53, 0x108ab)];
        for (slot, base) in anchors {
            assert_eq!(LENGTH_SLOTS[slot].base, base, "slot {slot}");
        }
        let last = LENGTH_SLOTS[53];
        assert_eq!(last.extra_bits, 30);
        // LZMS_MAX_MATCH_LENGTH = 1073809578.
        assert_eq!(last.base as u64 + (1u64 << 30) - 1, 1_073_809_578);
    }

    #[test]
    fn offset_slot_counts() {
        assert_eq!(num_offset_slots(0), 0);
        assert_eq!(num_offset_slots(1), 0);
        // Size 2: the largest offset 1 is slot 0.
        assert_eq!(num_offset_slots(2), 1);
        assert_eq!(num_offset_slots(9), 8);
        assert_eq!(num_offset_slots(10), 9);
        // Every offset below the size has a slot below the count.
        for size in [65536usize, 1 << 20, 1 << 26, 1 << 30] {
            let n = num_offset_slots(size);
            assert!((OFFSET_SLOTS[n - 1].base as usize) < size);
            assert!(n == MAX_NUM_OFFSET_SYMS || OFFSET_SLOTS[n].base as usize > size - 1);
        }
    }
}
