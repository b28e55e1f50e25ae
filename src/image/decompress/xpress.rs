//! XPRESS Huffman decompressor: the "LZ77+Huffman" format of [MS-XCA] sections 2.1-2.2, as
//! WIM and ESD resources use it for their chunks.
//!
//! The format, as MS-XCA describes it:
//! - A block starts with 256 bytes holding 512 4-bit Huffman code lengths (symbol `2i` in the
//!   low nibble of byte `i`, symbol `2i + 1` in the high nibble; 0 = symbol unused). The code
//!   is canonical: codes are handed out in order of length, then symbol value, and must fill
//!   the code space exactly (an over-subscribed or incomplete code is invalid).
//! - Then the bitstream: 16-bit little-endian words, each read most significant bit first.
//!   The decoder holds 32 bits at the start and reads the next word as soon as fewer than 16
//!   unread bits remain. Symbols 0-255 are literal bytes. A symbol `256 + (l << 4) + m` is a
//!   match: `l` offset bits follow in the bitstream (offset = `1 << l` plus those bits, so
//!   1..=65535), and the length is `m + 3`, except that `m == 15` takes the length from whole
//!   bytes read at the current input position (the position just past the words already
//!   read): one byte `b`, length `b + 18`; if `b == 255`, a u16 (`length - 3`, at least 15);
//!   if that u16 is 0, a u32 (`length - 3`, at least 15).
//! - A block ends once 65536 bytes of output have been written since it started (a match may
//!   run past that point); the next block starts with a new 256-byte table at the current
//!   input position, and matches may reach back into earlier blocks.
//!
//! WIM chunks: wimlib makes XPRESS chunks of 4 KiB to 64 KiB only (it refuses larger chunk
//! sizes in headers and in its compressor and decompressor), so every chunk it writes holds
//! exactly one block. Larger chunks are decoded as MS-XCA describes, one table per 65536
//! output bytes; no WIM writer we know makes them, and they are tested with hand-made data.
//!
//! Where wimlib (which reads past the end of the input as zeros) and MS-XCA (which calls any
//! read past the buffer an error) differ, this decoder takes the strict side for everything
//! that matters: no bit it *uses* and no length byte may lie past the end of `src`. Words the
//! MS-XCA decoder would merely have preloaded (and never used) may be missing.

use super::codec::{Codec, DecompressError, Decompressor, MAX_CHUNK_SIZE};

/// Literals 0-255 and the 256 match headers.
const NUM_SYMBOLS: usize = 512;
/// The packed code lengths at the start of each block.
const LENS_BYTES: usize = NUM_SYMBOLS / 2;
/// The longest code MS-XCA allows (4-bit lengths).
const MAX_CODE_LEN: u32 = 15;
/// Output bytes per Huffman table.
const BLOCK_OUTPUT: usize = 1 << 16;
/// The shortest match.
const MIN_MATCH: usize = 3;

/// Bits resolved by the primary lookup table; longer codes go through a subtable.
const TABLE_BITS: u32 = 11;
/// Primary table (2^11 entries) plus subtables. With a complete code, a subtable of `2^k`
/// entries (`k` = its longest code minus `TABLE_BITS`, at most 4) holds at least `k + 1`
/// codes, so all subtables together hold at most 16/5 entries per long code: at most
/// 3.2 * 512 < 2048 entries.
const TABLE_SIZE: usize = 1 << 12;
/// Entry layout (u16): a symbol entry holds the symbol in bits 4-12 and the number of bits
/// it consumes (1-15) in bits 0-3; a subtable pointer has this flag, the subtable's index
/// bit count minus one in bits 12-13 and its start in bits 0-11.
const SUBTABLE: u16 = 1 << 15;
// The layout above, and the TABLE_SIZE bound, hold for subtables of 2 to 16 entries.
const _: () = assert!(MAX_CODE_LEN - TABLE_BITS <= 4 && TABLE_SIZE >= (1 << TABLE_BITS) + 1639);

/// Decoder for XPRESS Huffman chunks, reused across the chunks of a resource.
pub struct XpressDecompressor {
    max_chunk_size: usize,
    table: Box<[u16; TABLE_SIZE]>,
    /// The used symbols in canonical order, as table entries (symbol << 4 | length).
    sorted: [u16; NUM_SYMBOLS],
}

impl XpressDecompressor {
    /// A decompressor for chunks of at most `max_chunk_size` bytes (up to
    /// [`MAX_CHUNK_SIZE`]; chunks above 64 KiB hold one Huffman table per 64 KiB).
    pub fn new(max_chunk_size: usize) -> Result<Self, DecompressError> {
        if max_chunk_size > MAX_CHUNK_SIZE {
            return Err(err(0, "chunk size above the largest supported"));
        }
        Ok(XpressDecompressor { max_chunk_size, table: Box::new([0; TABLE_SIZE]), sorted: [0; NUM_SYMBOLS] })
    }

    /// Build the decoding table from the 256 bytes of packed code lengths.
    fn build_table(&mut self, packed: &[u8; LENS_BYTES]) -> Result<(), &'static str> {
        let mut count = [0u16; MAX_CODE_LEN as usize + 1];
        for &b in packed {
            count[usize::from(b & 15)] += 1;
            count[usize::from(b >> 4)] += 1;
        }
        // Kraft sum: the lengths must fill the code space exactly.
        let mut left: i32 = 1;
        for &c in &count[1..] {
            left = (left << 1) - i32::from(c);
            if left < 0 {
                return Err("Huffman code lengths over-subscribe the code space");
            }
        }
        if left != 0 {
            return Err("Huffman code lengths leave the code incomplete");
        }
        // Symbols in canonical order (by length, then value), each already in the form of a
        // table entry: symbol << 4 | length.
        let mut offs = [0u16; MAX_CODE_LEN as usize + 2];
        for l in 1..=MAX_CODE_LEN as usize {
            offs[l + 1] = offs[l] + count[l];
        }
        for (i, &b) in packed.iter().enumerate() {
            for (s, l) in [(2 * i as u16, b & 15), (2 * i as u16 + 1, b >> 4)] {
                if l != 0 {
                    let o = &mut offs[usize::from(l)];
                    self.sorted[usize::from(*o)] = (s << 4) | u16::from(l);
                    *o += 1;
                }
            }
        }
        let n = usize::from(offs[MAX_CODE_LEN as usize]);
        let sorted = &self.sorted[..n];
        let table = &mut *self.table;

        // `pos` walks the code space as a 15-bit left-aligned value: a code of length `l`
        // covers 2^(15-l) units, and canonical codes cover consecutive ranges.
        let mut pos: u32 = 0;
        let mut i = 0;
        while let Some(&e) = sorted.get(i) {
            let l = u32::from(e & 15);
            if l > TABLE_BITS {
                break;
            }
            let start = (pos >> (MAX_CODE_LEN - TABLE_BITS)) as usize;
            table[start..start + (1 << (TABLE_BITS - l))].fill(e);
            pos += 1 << (MAX_CODE_LEN - l);
            i += 1;
        }
        // Longer codes: one subtable per TABLE_BITS-bit prefix, sized for its longest code.
        const PREFIX_UNITS: u32 = 1 << (MAX_CODE_LEN - TABLE_BITS);
        let mut sub_next = 1usize << TABLE_BITS;
        while i < n {
            let prefix = pos / PREFIX_UNITS;
            let group_end = (prefix + 1) * PREFIX_UNITS;
            // The codes of this prefix are consecutive; the last one is the longest.
            let mut j = i;
            let mut q = pos;
            let mut max_len = TABLE_BITS;
            while q < group_end {
                let Some(&e) = sorted.get(j) else { return Err("Huffman code table inconsistent") };
                max_len = u32::from(e & 15);
                q += 1 << (MAX_CODE_LEN - max_len);
                j += 1;
            }
            let k = max_len - TABLE_BITS;
            if sub_next + (1 << k) > TABLE_SIZE {
                return Err("Huffman code table inconsistent");
            }
            table[prefix as usize] = SUBTABLE | (((k - 1) as u16) << 12) | sub_next as u16;
            for &e in &sorted[i..j] {
                let l = u32::from(e & 15);
                let first = sub_next + ((pos - prefix * PREFIX_UNITS) >> (MAX_CODE_LEN - max_len)) as usize;
                let cnt = 1usize << (max_len - l);
                table[first..first + cnt].fill((e & !15) | (l - TABLE_BITS) as u16);
                pos += 1 << (MAX_CODE_LEN - l);
            }
            sub_next += 1 << k;
            i = j;
        }
        Ok(())
    }
}

fn err(offset: usize, message: &'static str) -> DecompressError {
    DecompressError { codec: Codec::Xpress, offset, message }
}

/// The bitstream of one block: 16-bit little-endian words read most significant bit first,
/// held in a 64-bit buffer (the next bit is bit 63). Passed by value to the cold paths so
/// that the hot loop keeps it in registers.
#[derive(Clone, Copy)]
struct Bits<'a> {
    src: &'a [u8],
    /// Position just past the last word loaded into `buf` (counting the zero words loaded
    /// past the end of `src`).
    next: usize,
    buf: u64,
    /// Bits in `buf` not yet consumed (at most 63).
    bits: u32,
    /// Zero bits loaded from past the end of `src` since the last byte read: they are the
    /// last `virt` bits of the stream loaded so far, so none was consumed while
    /// `bits >= virt`.
    virt: u32,
}

impl<'a> Bits<'a> {
    fn new(src: &'a [u8], start: usize) -> Self {
        let mut b = Bits { src, next: start, buf: 0, bits: 0, virt: 0 };
        b.refill();
        b
    }

    /// Make 48 to 63 bits available (three symbols of at most 15 bits, or a symbol and its
    /// offset bits). Without a branch on `bits` while 8 input bytes remain: the bits in
    /// `buf` below the counted ones are either zero or the stream's next bits (a load places
    /// whole words but counts only those that fit), so OR-ing the same bits again is harmless.
    #[inline(always)]
    fn refill(&mut self) {
        if self.next + 8 <= self.src.len() {
            let mut b = [0u8; 8];
            b.copy_from_slice(&self.src[self.next..self.next + 8]);
            // Four little-endian words w0..w3 -> w0 in the top 16 bits, w3 in the lowest.
            let w = u64::from_le_bytes(b).rotate_left(32);
            let w = ((w & 0x0000_FFFF_0000_FFFF) << 16) | ((w >> 16) & 0x0000_FFFF_0000_FFFF);
            self.buf |= w >> self.bits;
            let words = (63 - self.bits) >> 4;
            self.next += 2 * words as usize;
            self.bits += 16 * words;
        } else if self.bits < 48 {
            *self = self.refill_slow();
        }
    }

    #[cold]
    #[inline(never)]
    fn refill_slow(mut self) -> Self {
        while self.bits < 48 {
            let w = match self.src.get(self.next..self.next + 2) {
                Some(b) => u16::from_le_bytes([b[0], b[1]]),
                None => {
                    self.virt += 16;
                    0
                }
            };
            self.buf |= u64::from(w) << (48 - self.bits);
            self.bits += 16;
            self.next += 2;
        }
        self
    }

    /// Drop `n` (at most 32, and at most `bits`) bits. `bits` stays at most 63.
    #[inline(always)]
    fn consume(&mut self, n: u32) {
        self.buf <<= n;
        self.bits -= n;
    }

    /// The next `n` (0..=31) bits as a number, consumed.
    #[inline(always)]
    fn take(&mut self, n: u32) -> u32 {
        let v = ((self.buf >> 32) >> (32 - n)) as u32;
        self.consume(n);
        v
    }

    /// Where MS-XCA's decoder stands in the input: it keeps 16 to 31 unread bits after
    /// every step (needs `bits >= 16` and at least one bit consumed), so the words this
    /// buffer holds beyond those are not yet read in its model. Returns that position and
    /// the number of bits it holds.
    #[inline]
    fn ms_position(&self) -> (usize, u32) {
        let extra_words = (self.bits - 16) >> 4;
        (self.next - 2 * extra_words as usize, self.bits - 16 * extra_words)
    }

    /// Read `N` whole bytes at MS-XCA's current input position; the bitstream goes on after
    /// them.
    #[inline]
    fn read_bytes<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (at, keep) = self.ms_position();
        let mut out = [0u8; N];
        out.copy_from_slice(self.src.get(at..at + N)?);
        // Keep only the bits MS-XCA holds (all from real words before `at`); forget the
        // words loaded beyond them, and any stale bits below.
        self.buf &= !(u64::MAX >> keep);
        self.bits = keep;
        self.next = at + N;
        self.virt = 0;
        Some(out)
    }

    /// True when no consumed bit came from past the end of the input.
    fn in_bounds(&self) -> bool {
        self.bits >= self.virt
    }
}

impl XpressDecompressor {
    #[inline(always)]
    fn decode_symbol(&self, br: &mut Bits) -> u32 {
        let mut e = self.table[(br.buf >> (64 - TABLE_BITS)) as usize];
        if e & SUBTABLE != 0 {
            br.consume(TABLE_BITS);
            let k = u32::from((e >> 12) & 3) + 1;
            let idx = usize::from(e & 0xFFF) + (br.buf >> (64 - k)) as usize;
            e = self.table[idx & (TABLE_SIZE - 1)];
        }
        br.consume(u32::from(e & 15));
        u32::from(e >> 4)
    }

    /// Decode one block's symbols into `dst` from `pos` until at least `block_end`;
    /// returns the new output position (past `block_end` when a match runs over it).
    fn decode_block<'a>(
        &self,
        mut br: Bits<'a>,
        dst: &mut [u8],
        mut pos: usize,
        block_end: usize,
    ) -> Result<(usize, Bits<'a>), DecompressError> {
        let block_end = block_end.min(dst.len());
        while pos < block_end {
            // 48 bits hold three symbols of at most 15 bits: up to three literals per refill.
            br.refill();
            let mut sym = self.decode_symbol(&mut br);
            if sym < 256 {
                dst[pos] = sym as u8;
                pos += 1;
                if pos >= block_end {
                    break;
                }
                sym = self.decode_symbol(&mut br);
                if sym < 256 {
                    dst[pos] = sym as u8;
                    pos += 1;
                    if pos >= block_end {
                        break;
                    }
                    sym = self.decode_symbol(&mut br);
                    if sym < 256 {
                        dst[pos] = sym as u8;
                        pos += 1;
                        continue;
                    }
                }
                // A match after literals: MS-XCA's position for length bytes, and the offset
                // bits, need at least 16 bits at hand.
                br.refill();
            }
            let log2_offset = (sym >> 4) & 15;
            let mut len = (sym & 15) as usize;
            if len == 15 {
                (len, br) = read_long_length(br)?;
            }
            let len = len.saturating_add(MIN_MATCH);
            let offset = ((1u32 << log2_offset) | br.take(log2_offset)) as usize;
            if offset > pos {
                return Err(err(br.next, "match offset reaches before the start of the output"));
            }
            if len > dst.len() - pos {
                return Err(err(br.next, "match runs past the end of the output"));
            }
            copy_match(dst, pos, offset, len);
            pos += len;
        }
        Ok((pos, br))
    }
}

/// The length of a match whose header says 15 (`length - 3` of 15 or more), from whole
/// bytes at MS-XCA's input position: a byte, then a u16 if the byte is 255, then a u32 if
/// the u16 is 0. Returns `length - 3`.
#[cold]
#[inline(never)]
fn read_long_length(mut br: Bits) -> Result<(usize, Bits), DecompressError> {
    let [short] = br.read_bytes::<1>().ok_or_else(|| err(br.next, "match length byte past the end"))?;
    if short != 255 {
        return Ok((15 + usize::from(short), br));
    }
    let word = br.read_bytes::<2>().ok_or_else(|| err(br.next, "match length word past the end"))?;
    let mut len = usize::from(u16::from_le_bytes(word));
    if len == 0 {
        let dword = br.read_bytes::<4>().ok_or_else(|| err(br.next, "match length dword past the end"))?;
        len = usize::try_from(u32::from_le_bytes(dword)).unwrap_or(usize::MAX);
    }
    if len < 15 {
        return Err(err(br.next, "match length encoded in too many bytes"));
    }
    Ok((len, br))
}

/// Copy `len` bytes from `offset` bytes back, LZ77-style (the source may overlap the
/// destination, repeating the last `offset` bytes). The caller checked
/// `1 <= offset <= pos` and `pos + len <= dst.len()`.
#[inline(always)]
fn copy_match(dst: &mut [u8], pos: usize, offset: usize, len: usize) {
    let end = pos + len;
    let mut from = pos - offset;
    let mut to = pos;
    if offset >= 16 && end + 16 <= dst.len() {
        // Whole 16-byte blocks, each read from bytes already final (offset >= 16); the last
        // may write up to 15 bytes past `end`, inside `dst`, which later output overwrites.
        loop {
            let mut w = [0u8; 16];
            w.copy_from_slice(&dst[from..from + 16]);
            dst[to..to + 16].copy_from_slice(&w);
            to += 16;
            from += 16;
            if to >= end {
                break;
            }
        }
    } else if offset >= 8 && end + 8 <= dst.len() {
        loop {
            let mut w = [0u8; 8];
            w.copy_from_slice(&dst[from..from + 8]);
            dst[to..to + 8].copy_from_slice(&w);
            to += 8;
            from += 8;
            if to >= end {
                break;
            }
        }
    } else if offset == 1 {
        let b = dst[from];
        dst[to..end].fill(b);
    } else {
        // Short offsets 2..=7, or near the end of the output: one byte at a time.
        while to < end {
            dst[to] = dst[from];
            to += 1;
            from += 1;
        }
    }
}

impl Decompressor for XpressDecompressor {
    fn decompress(&mut self, src: &[u8], dst: &mut [u8]) -> Result<(), DecompressError> {
        if dst.len() > self.max_chunk_size {
            return Err(err(0, "output larger than the chunk size"));
        }
        let mut table_at = 0;
        let mut pos = 0;
        loop {
            let packed: &[u8; LENS_BYTES] = src
                .get(table_at..table_at + LENS_BYTES)
                .and_then(|s| s.try_into().ok())
                .ok_or_else(|| err(table_at, "input ends inside the Huffman code lengths"))?;
            self.build_table(packed).map_err(|m| err(table_at, m))?;
            let mut br;
            (pos, br) = self.decode_block(Bits::new(src, table_at + LENS_BYTES), dst, pos, pos + BLOCK_OUTPUT)?;
            br.refill();
            if !br.in_bounds() {
                return Err(err(src.len(), "bitstream ends before the output is complete"));
            }
            if pos >= dst.len() {
                return Ok(());
            }
            table_at = br.ms_position().0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal MS-XCA LZ77+Huffman writer for hand-made streams: symbols with given code
    /// lengths, whole bytes for long lengths placed where the decoder reads them (after the
    /// words it holds: it reads a word when fewer than 16 unread bits remain).
    struct Enc {
        out: Vec<u8>,
        lens: [u8; NUM_SYMBOLS],
        codes: [u32; NUM_SYMBOLS],
        /// Position of each 16-bit word of the current block's bitstream.
        words: Vec<usize>,
        nbits: usize,
    }

    impl Enc {
        fn new(lens: &[u8; NUM_SYMBOLS]) -> Enc {
            let mut e =
                Enc { out: Vec::new(), lens: [0; NUM_SYMBOLS], codes: [0; NUM_SYMBOLS], words: Vec::new(), nbits: 0 };
            e.block(lens);
            e
        }

        /// Start a block: its table of code lengths, then the first two words.
        fn block(&mut self, lens: &[u8; NUM_SYMBOLS]) {
            for pair in lens.chunks_exact(2) {
                self.out.push(pair[0] | (pair[1] << 4));
            }
            self.lens = *lens;
            // Canonical codes: by length, then symbol.
            let mut count = [0u32; 16];
            for &l in lens {
                count[l as usize] += 1;
            }
            count[0] = 0;
            let mut next = [0u32; 16];
            for l in 1..16 {
                next[l] = (next[l - 1] + count[l - 1]) << 1;
            }
            for (s, &l) in lens.iter().enumerate() {
                if l != 0 {
                    self.codes[s] = next[l as usize];
                    next[l as usize] += 1;
                }
            }
            let at = self.out.len();
            self.words = vec![at, at + 2];
            self.out.extend([0; 4]);
            self.nbits = 0;
        }

        fn bits(&mut self, v: u32, n: u32) {
            for i in (0..n).rev() {
                if self.nbits >= 16 && self.nbits % 16 == 0 {
                    self.words.push(self.out.len());
                    self.out.extend([0, 0]);
                }
                let at = self.words[self.nbits / 16];
                let mut w = u16::from_le_bytes([self.out[at], self.out[at + 1]]);
                w |= (((v >> i) & 1) as u16) << (15 - self.nbits % 16);
                self.out[at..at + 2].copy_from_slice(&w.to_le_bytes());
                self.nbits += 1;
            }
        }

        fn sym(&mut self, s: usize) {
            assert!(self.lens[s] != 0, "symbol {s} has no code");
            self.bits(self.codes[s], u32::from(self.lens[s]));
        }

        fn lits(&mut self, bytes: &[u8]) {
            for &b in bytes {
                self.sym(usize::from(b));
            }
        }

        /// A match; lengths from 18 take bytes: one, or 255 + u16, or 255 + u16 0 + u32.
        fn mat(&mut self, offset: u32, len: u32) {
            let l = len - 3;
            let log2 = 31 - offset.leading_zeros();
            self.sym(256 + ((log2 as usize) << 4) + l.min(15) as usize);
            if l >= 15 {
                if l - 15 < 255 {
                    self.out.push((l - 15) as u8);
                } else if l <= 0xFFFF {
                    self.out.push(255);
                    self.out.extend((l as u16).to_le_bytes());
                } else {
                    self.out.push(255);
                    self.out.extend([0, 0]);
                    self.out.extend(l.to_le_bytes());
                }
            }
            self.bits(offset - (1 << log2), log2);
        }

        fn finish(self) -> Vec<u8> {
            self.out
        }
    }

    /// Every symbol 9 bits: a complete code, symbol `s` coded as `s`.
    fn flat() -> [u8; NUM_SYMBOLS] {
        [9; NUM_SYMBOLS]
    }

    fn decode(max: usize, src: &[u8], n: usize) -> Result<Vec<u8>, DecompressError> {
        let mut d = XpressDecompressor::new(max)?;
        let mut out = vec![0xAA; n];
        d.decompress(src, &mut out)?;
        Ok(out)
    }

    fn fails(src: &[u8], n: usize, why: &str) {
        let e = decode(1 << 20, src, n).expect_err(why);
        assert!(e.message.contains(why), "expected {why:?}, got {e}");
    }

    #[test]
    fn literals_and_matches_round_trip() {
        let mut e = Enc::new(&flat());
        e.lits(b"abc");
        e.mat(3, 9); // abcabcabc
        e.lits(b"Z");
        e.mat(1, 4); // ZZZZ
        let src = e.finish();
        assert_eq!(decode(4096, &src, 17).unwrap(), b"abcabcabcabcZZZZZ");
    }

    #[test]
    fn empty_and_short_inputs_fail() {
        fails(&[], 10, "Huffman code lengths");
        fails(&[0x99; 255], 10, "Huffman code lengths");
        // A valid table and no bitstream at all: nothing to read the symbols from.
        fails(&[0x99; 256], 10, "bitstream ends");
    }

    #[test]
    fn empty_output_needs_only_a_valid_table() {
        assert_eq!(decode(4096, &[0x99; 256], 0).unwrap(), b"");
        fails(&[0; 256], 0, "incomplete");
    }

    #[test]
    fn over_subscribed_and_incomplete_codes_fail() {
        let mut lens = [0u8; NUM_SYMBOLS];
        lens[..3].fill(1);
        let mut src = Enc::new(&flat()).finish();
        for (i, pair) in lens.chunks_exact(2).enumerate() {
            src[i] = pair[0] | (pair[1] << 4);
        }
        fails(&src, 1, "over-subscribe");
        // One symbol of length 1: half the code space unused.
        src[..LENS_BYTES].fill(0);
        src[0] = 1;
        fails(&src, 1, "incomplete");
        // No code at all (wimlib accepts this and decodes zeros; MS-XCA calls it invalid).
        src[..LENS_BYTES].fill(0);
        fails(&src, 1, "incomplete");
        // All 512 symbols at 15 bits: far from complete.
        src[..LENS_BYTES].fill(0xFF);
        fails(&src, 1, "incomplete");
    }

    #[test]
    fn long_codes_use_subtables() {
        // Lengths 1, 2, ..., 14, 15, 15 for 'a'..='p': complete, codes up to 15 bits.
        let mut lens = [0u8; NUM_SYMBOLS];
        for (i, s) in (b'a'..=b'p').enumerate() {
            lens[usize::from(s)] = (i as u8 + 1).min(15);
        }
        let text: Vec<u8> = (0..2000u32).map(|i| b'a' + ((i * 7 + i / 13) % 16) as u8).collect();
        let mut e = Enc::new(&lens);
        e.lits(&text);
        let src = e.finish();
        assert_eq!(decode(4096, &src, text.len()).unwrap(), text);
    }

    #[test]
    fn match_before_the_start_fails() {
        let mut e = Enc::new(&flat());
        e.lits(b"ab");
        e.mat(3, 3);
        fails(&e.finish(), 5, "before the start");
        let mut e = Enc::new(&flat());
        e.mat(1, 3);
        fails(&e.finish(), 3, "before the start");
    }

    #[test]
    fn match_past_the_end_fails() {
        let mut e = Enc::new(&flat());
        e.lits(b"ab");
        e.mat(2, 10);
        let src = e.finish();
        fails(&src, 11, "past the end of the output");
        // The same stream with room for it decodes.
        assert_eq!(decode(4096, &src, 12).unwrap(), b"abababababab");
    }

    #[test]
    fn output_size_is_exact() {
        let mut e = Enc::new(&flat());
        e.lits(b"hello");
        let src = e.finish();
        // Fewer bytes than the stream holds: decoding stops at the output size.
        assert_eq!(decode(4096, &src, 3).unwrap(), b"hel");
        // More: the bitstream runs out (the rest of the words are padding zeros, then
        // past the end).
        assert!(decode(4096, &src, 40).is_err());
    }

    #[test]
    fn offsets_and_lengths_at_their_limits() {
        // Offset 65535 (15 offset bits, all ones) at output position 65535.
        let mut e = Enc::new(&flat());
        e.lits(b"xy");
        e.mat(2, 65533);
        e.mat(65535, 3);
        let out = decode(1 << 17, &e.finish(), 65538).unwrap();
        assert!(out[..65535].chunks(2).all(|c| c == &b"xy"[..c.len()]));
        assert_eq!(&out[65535..], b"xyx");

        // Lengths: 17 (4-bit), 18 and 272 (one byte), 273, 65535 and 65538 (u16), 100000
        // (u32). A match may run past the block's 65536 bytes; the block (and here the
        // chunk) ends with it.
        for len in [3u32, 17, 18, 272, 273, 65535, 65538, 100_000] {
            let mut e = Enc::new(&flat());
            e.lits(b"q");
            e.mat(1, len);
            let mut n = len as usize + 1;
            if n < BLOCK_OUTPUT {
                e.lits(b"!");
                n += 1;
            }
            let out = decode(1 << 17, &e.finish(), n).unwrap_or_else(|e| panic!("length {len}: {e}"));
            assert!(out[..len as usize + 1].iter().all(|&b| b == b'q'), "length {len}");
            assert!(n == len as usize + 1 || out[n - 1] == b'!', "length {len}");
        }
    }

    #[test]
    fn length_bytes_must_be_canonical_and_present() {
        // A u16 length below 15 (a shorter form exists) is invalid.
        let mut e = Enc::new(&flat());
        e.lits(b"q");
        e.sym(256 + 15); // offset bits 0, length from bytes
        e.out.extend([255, 14, 0]);
        fails(&e.finish(), 20, "too many bytes");
        // The length byte itself missing.
        let mut e = Enc::new(&flat());
        e.lits(b"q");
        e.sym(256 + 15);
        let src = e.finish();
        fails(&src, 40, "length byte past the end");
    }

    #[test]
    fn truncated_bitstream_fails() {
        let mut e = Enc::new(&flat());
        let text: Vec<u8> = (0..300u32).map(|i| (i * 31 % 251) as u8).collect();
        e.lits(&text);
        let src = e.finish();
        assert_eq!(decode(4096, &src, 300).unwrap(), text);
        for cut in [src.len() - 4, src.len() - 40, 260, 257] {
            assert!(decode(4096, &src[..cut], 300).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn chunks_above_64k_switch_tables_every_65536_bytes() {
        // Block 1: flat code; a match runs 5 bytes past the block end.
        let mut e = Enc::new(&flat());
        e.lits(b"0123456789");
        e.mat(10, 65531);
        // Block 2 (from 65541): a skewed code, literals and a match back into block 1.
        let mut lens = [0u8; NUM_SYMBOLS];
        lens[usize::from(b'A')] = 1;
        lens[usize::from(b'B')] = 2;
        lens[256 + (15 << 4) + 15] = 3; // offset 2^15.., long length
        lens[256 + 2] = 4; // offset 1, length 5
        lens[256 + (3 << 4)] = 4; // offset 8..15, length 3
        let second_table = e.out.len();
        e.block(&lens);
        e.lits(b"ABBA");
        e.mat(40000, 1000); // copies digits from block 1
        e.mat(1, 5);
        e.mat(9, 3);
        e.lits(&[b'A'; 64524]);
        // Block 3 (from 131077): flat again, 5 literals.
        e.block(&flat());
        e.lits(b"tail!");
        let src = e.finish();
        let n = 65541 + 4 + 1000 + 5 + 3 + 64524 + 5;
        assert_eq!(n, 131077 + 5);
        let out = decode(1 << 18, &src, n).unwrap();
        let digits: Vec<u8> = b"0123456789".iter().copied().cycle().take(65541).collect();
        assert_eq!(&out[..65541], &digits[..]);
        assert_eq!(&out[65541..65545], b"ABBA");
        assert_eq!(&out[65545..66545], &out[65545 - 40000..66545 - 40000]);
        assert_eq!(&out[66545..66550], &[out[66544]; 5]);
        assert_eq!(&out[66550..66553], &out[66541..66544]);
        assert!(out[66553..131077].iter().all(|&b| b == b'A'));
        assert_eq!(&out[131077..], b"tail!");
        // The second table is where MS-XCA's decoder stands after block 1 (just past the
        // words it holds); a stream with a word more or less before it does not decode.
        for shifted in [
            [&src[..second_table], &[0, 0][..], &src[second_table..]].concat(),
            [&src[..second_table - 2], &src[second_table..]].concat(),
        ] {
            assert!(decode(1 << 18, &shifted, n).map_or(true, |o| o != out));
        }
    }

    #[test]
    fn output_larger_than_the_chunk_size_fails() {
        let mut e = Enc::new(&flat());
        e.lits(b"hello");
        let src = e.finish();
        assert!(decode(4, &src, 5).is_err());
        assert!(XpressDecompressor::new(MAX_CHUNK_SIZE + 1).is_err());
    }

    #[test]
    fn reusable_across_chunks() {
        let mut a = Enc::new(&flat());
        a.lits(b"first chunk");
        a.mat(6, 12);
        let a = a.finish();
        let mut lens = [0u8; NUM_SYMBOLS];
        lens[usize::from(b'x')] = 1;
        lens[256 + 15] = 1; // offset 1, length from a byte
        let mut b = Enc::new(&lens);
        b.lits(b"x");
        b.mat(1, 30);
        let b = b.finish();
        let mut d = XpressDecompressor::new(4096).unwrap();
        let mut out = [0u8; 64];
        for _ in 0..3 {
            d.decompress(&a, &mut out[..23]).unwrap();
            assert_eq!(&out[..23], b"first chunk chunk chunk");
            assert!(d.decompress(&a[..200], &mut out[..23]).is_err());
            d.decompress(&b, &mut out[..31]).unwrap();
            assert_eq!(&out[..31], &[b'x'; 31]);
        }
    }
}
