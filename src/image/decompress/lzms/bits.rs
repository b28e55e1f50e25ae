//! The two bitstreams of an LZMS chunk, both made of 16-bit little-endian units: a
//! binary range decoder reading forward from the start, and a plain bit reader reading
//! backward from the end (Huffman codewords and extra bits). In both, the first bit of a
//! unit is its high-order bit. Past its end, each stream yields zero bits (what the
//! public LZMS descriptions specify: a decoder may normalise or refill beyond the data).

use super::tables::{INITIAL_PROBABILITY, INITIAL_RECENT_BITS, PROBABILITY_BITS, PROBABILITY_DENOMINATOR};

/// An adaptive probability: the number of 0 bits among the last 64 bits decoded with
/// this entry, and those 64 bits (newest in the low bit).
#[derive(Clone, Copy)]
pub struct Prob {
    zeros: u32,
    recent: u64,
}

impl Prob {
    pub const INITIAL: Prob = Prob { zeros: INITIAL_PROBABILITY, recent: INITIAL_RECENT_BITS };

    /// The probability of a 0 bit, out of 64, kept within 1..=63.
    #[inline(always)]
    pub fn get(&self) -> u32 {
        self.zeros.clamp(1, PROBABILITY_DENOMINATOR - 1)
    }

    /// Shift `bit` into the window; the bit leaving it (bit 63) no longer counts.
    #[inline(always)]
    pub fn update(&mut self, bit: u32) {
        let leaving_zero = (!self.recent >> 63) as u32;
        // zeros + (bit leaving was 0 ? -1 : 0) + (new bit is 0 ? 1 : 0), in 0..=64.
        self.zeros = self.zeros + (bit ^ 1) - leaving_zero;
        self.recent = (self.recent << 1) | bit as u64;
    }
}

/// The forward range decoder.
pub struct RangeDecoder {
    range: u32,
    code: u32,
    /// Byte position of the next 16-bit unit.
    pub next: usize,
}

#[inline(always)]
fn le16(src: &[u8], at: usize) -> u32 {
    match src.get(at..at + 2) {
        Some(b) => u16::from_le_bytes([b[0], b[1]]) as u32,
        None => 0,
    }
}

impl RangeDecoder {
    /// Start on `src` (at least 4 bytes, checked by the caller): the code is the first
    /// 32 bits, the range all ones.
    pub fn new(src: &[u8]) -> RangeDecoder {
        RangeDecoder { range: 0xFFFF_FFFF, code: (le16(src, 0) << 16) | le16(src, 2), next: 4 }
    }

    /// Decode one bit with the entry `probs[*state]`, then shift the bit into `state`
    /// (keeping its low `log2(N)` bits) and into the entry.
    #[inline(always)]
    pub fn bit<const N: usize>(&mut self, src: &[u8], state: &mut u32, probs: &mut [Prob; N]) -> u32 {
        let entry = &mut probs[*state as usize & (N - 1)];
        let prob = entry.get();
        // Keep the range above 16 bits: shift in the next unit (zeros past the end).
        if self.range & 0xFFFF_0000 == 0 {
            self.range <<= 16;
            self.code = (self.code << 16) | le16(src, self.next);
            if self.next < src.len() {
                self.next += 2;
            }
        }
        let bound = (self.range >> PROBABILITY_BITS) * prob;
        let bit = if self.code < bound {
            self.range = bound;
            0
        } else {
            self.range -= bound;
            self.code -= bound;
            1
        };
        entry.update(bit);
        *state = ((*state << 1) | bit) & (N as u32 - 1);
        bit
    }
}

/// The backward bit reader: 16-bit units from the end of the chunk towards its start,
/// each unit's bits high to low. Bits are kept left-aligned in a 64-bit buffer.
pub struct BitReader {
    buf: u64,
    /// Valid bits at the top of `buf`. Bits below them are either zero or the stream's
    /// own next bits (a refill may load more than it counts), so OR-ing them in again
    /// is harmless.
    left: u32,
    /// Byte position one past the next unit to read (moves towards 0).
    pub next: usize,
}

impl BitReader {
    pub fn new(src: &[u8]) -> BitReader {
        BitReader { buf: 0, left: 0, next: src.len() & !1 }
    }

    /// Make at least `n` (<= 48) bits available.
    #[inline(always)]
    pub fn ensure(&mut self, src: &[u8], n: u32) {
        if self.left < n {
            self.refill(src);
        }
    }

    #[inline(always)]
    fn refill(&mut self, src: &[u8]) {
        if self.next >= 8 {
            if let Some(b) = src.get(self.next - 8..self.next) {
                // Read as one little-endian u64, the 4 units before `next` are the
                // stream's next 64 bits, high to low.
                let v = u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
                let units = (64 - self.left) / 16;
                self.buf |= v >> self.left;
                self.next -= units as usize * 2;
                self.left += units * 16;
                return;
            }
        }
        self.refill_slow(src);
    }

    #[cold]
    fn refill_slow(&mut self, src: &[u8]) {
        while self.left <= 48 {
            let unit = if self.next >= 2 {
                self.next -= 2;
                le16(src, self.next) as u64
            } else {
                0
            };
            self.buf |= unit << (48 - self.left);
            self.left += 16;
        }
    }

    /// The next `n` (<= 32, after `ensure(n)`) bits without consuming them.
    #[inline(always)]
    pub fn peek(&self, n: u32) -> u32 {
        ((self.buf >> 1) >> (63 - n)) as u32
    }

    #[inline(always)]
    pub fn consume(&mut self, n: u32) {
        self.buf <<= n;
        self.left -= n;
    }

    /// Read `n` (<= 32) bits.
    #[inline(always)]
    pub fn read(&mut self, src: &[u8], n: u32) -> u32 {
        self.ensure(src, n);
        let v = self.peek(n);
        self.consume(n);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probability_window() {
        let mut p = Prob::INITIAL;
        assert_eq!(p.get(), 48);
        // 64 one bits: no zeros left; used as 1/64.
        for _ in 0..64 {
            p.update(1);
        }
        assert_eq!(p.zeros, 0);
        assert_eq!(p.get(), 1);
        for _ in 0..64 {
            p.update(0);
        }
        assert_eq!(p.zeros, 64);
        assert_eq!(p.get(), 63);
        p.update(1);
        assert_eq!(p.zeros, 63);
    }

    #[test]
    fn backward_reader_reads_units_from_the_end_high_bits_first() {
        // Units (LE): 0x1234 0x5678 0x9abc 0xdef0 0x0f0f; read from the last one.
        let src = [0x34, 0x12, 0x78, 0x56, 0xbc, 0x9a, 0xf0, 0xde, 0x0f, 0x0f];
        let mut r = BitReader::new(&src);
        assert_eq!(r.read(&src, 16), 0x0f0f);
        assert_eq!(r.read(&src, 4), 0xd);
        assert_eq!(r.read(&src, 12), 0xef0);
        assert_eq!(r.read(&src, 32), 0x9abc_5678);
        assert_eq!(r.read(&src, 16), 0x1234);
        // Past the start: zeros.
        assert_eq!(r.read(&src, 32), 0);
        assert_eq!(r.read(&src, 0), 0);
    }

    #[test]
    fn backward_reader_fast_and_slow_paths_agree() {
        let src: Vec<u8> = (0..64u32).map(|i| (i * 37 + 11) as u8).collect();
        // Reference: the bit string, unit by unit from the end.
        let mut bits = Vec::new();
        for u in (0..32).rev() {
            let v = u16::from_le_bytes([src[2 * u], src[2 * u + 1]]);
            for b in (0..16).rev() {
                bits.push((v >> b) & 1);
            }
        }
        for step in 1..=32u32 {
            let mut r = BitReader::new(&src);
            let mut at = 0usize;
            while at + step as usize <= bits.len() + 40 {
                let got = r.read(&src, step);
                let mut want = 0u32;
                for k in 0..step as usize {
                    want = (want << 1) | bits.get(at + k).copied().unwrap_or(0) as u32;
                }
                assert_eq!(got, want, "step {step} at {at}");
                at += step as usize;
            }
        }
    }
}
