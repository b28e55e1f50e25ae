//! LZMS's x86 machine-code filter, undone after decompression. The compressor turns
//! the 32-bit relative addresses of some x86/x86-64 instructions into absolute ones
//! (position + displacement) where the data looks like code; the decompressor subtracts
//! the position again.
//!
//! Facts from the public description of the filter (wimlib 1.14.5, `src/lzms_common.c`,
//! `lzms_x86_filter`; constants in `lzms_constants.h`):
//! - chunks of 17 bytes or less are left alone; the first byte is never an opcode, and no
//!   opcode starting in the last 16 bytes is considered;
//! - candidate instructions, with the bytes before the 32-bit field:
//!   `E8` call rel32 (1 byte; trusted only within 511 bytes of the last x86 evidence,
//!   half the usual 1023); `E9` jmp rel32 is skipped whole (5 bytes) and never changed;
//!   `FF 15` call [rip+disp32] (2); `F0 83 05` lock add [rip+disp32] (3);
//!   `48 8D`/`4C 8D` lea with ModR/M & 7 == 5 (3); `48 8B` mov with ModR/M & 7 == 5 and
//!   ModR/M & 0xF0 == 0 (3);
//! - "evidence": the low 16 bits of each (untranslated) target are remembered with the
//!   position of the field's last byte; a target seen again within 65535 bytes marks that
//!   position as x86 code, and fields within the translation distance after it are
//!   translated. Scanning resumes after the 32-bit field.

use super::tables::{X86_ID_WINDOW_SIZE, X86_MAX_TRANSLATION_OFFSET};

/// Table of the bytes that may start a candidate instruction.
const fn opcode_table() -> [bool; 256] {
    let mut t = [false; 256];
    t[0x48] = true;
    t[0x4C] = true;
    t[0xE8] = true;
    t[0xE9] = true;
    t[0xF0] = true;
    t[0xFF] = true;
    t
}
static IS_OPCODE: [bool; 256] = opcode_table();

/// Where each 16-bit target was last seen, kept across chunks without clearing it for
/// each one: positions are stored as `base + position`, and every chunk starts at a
/// base more than the ID window above anything stored before, so entries from earlier
/// chunks are too old to count (as if the table had been cleared: a 64K-entry clear per
/// chunk costs more than the filter itself on small chunks).
pub struct LastUse {
    table: Box<[u32; 65536]>,
    next_base: u32,
}

impl LastUse {
    pub fn new() -> LastUse {
        let table = vec![0u32; 65536].into_boxed_slice().try_into().unwrap_or_else(|_| unreachable!());
        LastUse { table, next_base: FIRST_BASE }
    }

    /// The base for a chunk of `size` (< 2^30) bytes.
    fn start(&mut self, size: usize) -> u32 {
        let span = size as u64 + GAP as u64;
        if self.next_base as u64 + span > u32::MAX as u64 {
            self.table.fill(0);
            self.next_base = FIRST_BASE;
        }
        let base = self.next_base;
        self.next_base += span as u32;
        base
    }
}

/// A fresh entry (0) must look older than the window from any position.
const FIRST_BASE: u32 = X86_ID_WINDOW_SIZE as u32 + 1;
/// Between chunks: stored positions are below `base + size`, so the next base must be
/// at least the window above that.
const GAP: u32 = X86_ID_WINDOW_SIZE as u32 + 1;

/// Undo the filter on a whole decompressed chunk (at most 2^30 bytes).
pub fn undo(data: &mut [u8], last_use: &mut LastUse) {
    let size = data.len();
    if size <= 17 {
        return;
    }
    let base = last_use.start(size);
    let last_use = &mut *last_use.table;
    let mut last_x86: i32 = -X86_MAX_TRANSLATION_OFFSET - 1;
    let tail = size - 16;
    let mut i = 1usize;
    while i < tail {
        // Skip bytes that cannot start a candidate, four at a time where possible.
        while i + 4 <= tail {
            let b = &data[i..i + 4];
            if IS_OPCODE[b[0] as usize]
                || IS_OPCODE[b[1] as usize]
                || IS_OPCODE[b[2] as usize]
                || IS_OPCODE[b[3] as usize]
            {
                break;
            }
            i += 4;
        }
        if i >= tail {
            break;
        }
        let b0 = data[i];
        if !IS_OPCODE[b0 as usize] {
            i += 1;
            continue;
        }
        // i < size - 16, so the instruction and its field (at most i + 7) are inside.
        let (b1, b2) = (data[i + 1], data[i + 2]);
        let (opcode_len, max_offset) = match b0 {
            0xE8 => (1usize, X86_MAX_TRANSLATION_OFFSET >> 1),
            0xE9 => {
                i += 5;
                continue;
            }
            0xFF if b1 == 0x15 => (2, X86_MAX_TRANSLATION_OFFSET),
            0xF0 if b1 == 0x83 && b2 == 0x05 => (3, X86_MAX_TRANSLATION_OFFSET),
            0x48 | 0x4C if b2 & 0x07 == 0x05 && (b1 == 0x8D || (b1 == 0x8B && b0 & 0x04 == 0 && b2 & 0xF0 == 0)) => {
                (3, X86_MAX_TRANSLATION_OFFSET)
            }
            _ => {
                i += 1;
                continue;
            }
        };
        let pos = i as i32;
        let at = i + opcode_len;
        let field: &mut [u8; 4] = (&mut data[at..at + 4]).try_into().expect("4 bytes");
        if pos - last_x86 <= max_offset {
            let v = u32::from_le_bytes(*field).wrapping_sub(pos as u32);
            *field = v.to_le_bytes();
        }
        let target = (pos as u32).wrapping_add(u16::from_le_bytes([field[0], field[1]]) as u32) as u16;
        let end = pos + opcode_len as i32 + 3;
        let seen = &mut last_use[target as usize];
        let stamp = base + end as u32;
        if stamp - *seen <= X86_ID_WINDOW_SIZE as u32 {
            last_x86 = end;
        }
        *seen = stamp;
        i = at + 4;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The forward filter (what a compressor applies), for round trips. It restates the
    /// candidate-instruction classification of `undo` from the filter's description on
    /// purpose instead of sharing it: a round trip through one shared classifier would
    /// agree with itself whatever the classifier said, so only two independent readings
    /// of the description can catch a wrong opcode, length or distance in either.
    fn apply(data: &mut [u8], last_use: &mut [i32; 65536]) {
        let size = data.len();
        if size <= 17 {
            return;
        }
        last_use.fill(-X86_ID_WINDOW_SIZE - 1);
        let mut last_x86: i32 = -X86_MAX_TRANSLATION_OFFSET - 1;
        let mut i = 1usize;
        while i < size - 16 {
            let (b0, b1, b2) = (data[i], data[i + 1], data[i + 2]);
            let (n, max) = match b0 {
                0xE8 => (1usize, X86_MAX_TRANSLATION_OFFSET >> 1),
                0xE9 => {
                    i += 5;
                    continue;
                }
                0xFF if b1 == 0x15 => (2, X86_MAX_TRANSLATION_OFFSET),
                0xF0 if b1 == 0x83 && b2 == 0x05 => (3, X86_MAX_TRANSLATION_OFFSET),
                0x48 | 0x4C if b2 & 7 == 5 && (b1 == 0x8D || (b1 == 0x8B && b0 & 4 == 0 && b2 & 0xF0 == 0)) => {
                    (3, X86_MAX_TRANSLATION_OFFSET)
                }
                _ => {
                    i += 1;
                    continue;
                }
            };
            let pos = i as i32;
            let at = i + n;
            let target = (pos as u32).wrapping_add(u16::from_le_bytes([data[at], data[at + 1]]) as u32) as u16;
            if pos - last_x86 <= max {
                let v = u32::from_le_bytes(data[at..at + 4].try_into().unwrap()).wrapping_add(pos as u32);
                data[at..at + 4].copy_from_slice(&v.to_le_bytes());
            }
            let end = pos + n as i32 + 3;
            if end - last_use[target as usize] <= X86_ID_WINDOW_SIZE {
                last_x86 = end;
            }
            last_use[target as usize] = end;
            i = at + 4;
        }
    }

    #[test]
    fn short_chunks_are_untouched() {
        let mut t = LastUse::new();
        let mut d = [0xE8u8; 17];
        undo(&mut d, &mut t);
        assert_eq!(d, [0xE8; 17]);
    }

    #[test]
    fn calls_to_the_same_target_are_translated_after_the_second() {
        let mut t = Box::new([0i32; 65536]);
        let mut u = LastUse::new();
        // Two calls to absolute target 0x1000 (relative: 0x1000 - position), then a
        // third: the second establishes evidence, the third is translated.
        let mut d = vec![0x90u8; 64];
        for &p in &[2usize, 10, 20] {
            d[p] = 0xE8;
            let rel = 0x1000u32.wrapping_sub(p as u32);
            d[p + 1..p + 5].copy_from_slice(&rel.to_le_bytes());
        }
        let orig = d.clone();
        apply(&mut d, &mut t);
        // The first two keep their relative addresses.
        assert_eq!(d[..20], orig[..20]);
        // The third call now holds its absolute target.
        assert_eq!(u32::from_le_bytes(d[21..25].try_into().unwrap()), 0x1000);
        assert_ne!(d, orig);
        undo(&mut d, &mut u);
        assert_eq!(d, orig);
    }

    #[test]
    fn round_trip_on_pseudo_code() {
        let mut t = Box::new([0i32; 65536]);
        let mut u = LastUse::new();
        let mut seed = 12345u32;
        let mut d: Vec<u8> = (0..100_000)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let r = (seed >> 16) as u8;
                // Plenty of candidate opcodes and repeated small targets.
                match r % 9 {
                    0 => 0xE8,
                    1 => 0x48,
                    2 => 0x8D,
                    3 => 0x05,
                    4 => 0xFF,
                    5 => 0x15,
                    _ => r & 0x0F,
                }
            })
            .collect();
        let orig = d.clone();
        // Several chunks in a row through one table, and a base near the wrap.
        for round in 0..3 {
            if round == 2 {
                u.next_base = u32::MAX - 70_000;
            }
            apply(&mut d, &mut t);
            assert_ne!(d, orig);
            undo(&mut d, &mut u);
            assert_eq!(d, orig, "round {round}");
        }
    }
}
