//! LZX as WIM uses it: one independently compressed chunk at a time.
//!
//! Written from Microsoft's LZX descriptions (the cabinet LZX format and [MS-PATCH] "LZX
//! DELTA") and the published differences of the WIM variant. In a WIM resource:
//!
//! - every chunk is compressed on its own: the window is the chunk (32 KiB by default; wimlib
//!   writes power-of-two chunk sizes from 32 KiB to 2 MiB), nothing is carried from one chunk
//!   to the next, the recent-offsets queue starts as {1, 1, 1} and the delta-coded codeword
//!   lengths start at zero in every chunk (they persist across the blocks *within* a chunk);
//! - the window order is `max(15, ceil(log2(chunk size)))`; it fixes the number of position
//!   slots of the main code (30, 32, 34, 36, 38, 42, 50 for orders 15..=21: 256 + 8 x slots
//!   main symbols);
//! - there is no stream header (no E8 flag, no translation size): E8 call translation is
//!   always on, with the fixed translation size 12,000,000, undone over each chunk after
//!   decompression with positions counted from the chunk start; a CALL opcode (0xE8) starting
//!   in the last 10 bytes of the chunk is never translated, and chunks of 10 bytes or less not
//!   at all;
//! - a block header is 3 bits of block type and then the block size: one bit 1 means the
//!   default size 32768; a bit 0 is followed by the size in 16 bits, and, when the window
//!   order is 16 or more (chunks above 32 KiB), by 8 more low-order bits (a 24-bit size);
//! - blocks are verbatim (1), aligned-offset (2) or uncompressed (3); matches never cross a
//!   block; an uncompressed block starts on the next 16-bit boundary of the bitstream (1 to
//!   16 bits of padding: 16 when already aligned), holds R0, R1, R2 as 32-bit little-endian
//!   values and the raw bytes, plus one padding byte after an odd-sized block.
//!
//! The bitstream is a sequence of 16-bit little-endian words read from their most significant
//! bit. Codes are canonical Huffman codes; each must be complete, or empty (all lengths 0:
//! then it must not be used). The decoder reads the stream through a 64-bit bit buffer
//! refilled four words at a time, decodes with a primary lookup table plus subtables, and
//! copies matches eight bytes at a time where the ranges allow. Everything is safe code.

use super::codec::{Codec, DecompressError, Decompressor};

/// The largest LZX window, and so the largest chunk: 2 MiB.
pub const MAX_CHUNK_SIZE: usize = 1 << MAX_WINDOW_ORDER;

const MIN_WINDOW_ORDER: u32 = 15;
const MAX_WINDOW_ORDER: u32 = 21;

const NUM_CHARS: usize = 256;
const MIN_MATCH: usize = 2;
const NUM_PRIMARY_LENS: u32 = 7;
const LEN_SYMS: usize = 249;
const PRE_SYMS: usize = 20;
const ALIGNED_SYMS: usize = 8;
const MAX_SLOTS: usize = 50;
const MAIN_MAX_SYMS: usize = NUM_CHARS + 8 * MAX_SLOTS;
/// Position slots from which aligned-offset blocks code the low 3 offset bits separately.
const MIN_ALIGNED_SLOT: usize = 8;
const DEFAULT_BLOCK_SIZE: usize = 32768;
/// The E8 translation size WIM always uses.
const E8_FILE_SIZE: i32 = 12_000_000;

const MAX_MAIN_LEN: u32 = 16;
const MAX_PRE_LEN: u32 = 15;
const MAX_ALIGNED_LEN: u32 = 7;

const MAIN_TB: u32 = 11;
const LEN_TB: u32 = 9;
const PRE_TB: u32 = 6;
const ALIGNED_TB: u32 = 7;

// Table sizes: the root table plus room for subtables. A complete code over n symbols with
// codewords of at most 16 bits needs far less subtable room than this (zlib's `enough`: 678
// entries for the largest main code with an 11-bit root); the builder checks anyway.
const MAIN_TABLE: usize = (1 << MAIN_TB) + 4096;
const LEN_TABLE: usize = (1 << LEN_TB) + 4096;
const PRE_TABLE: usize = (1 << PRE_TB) + 1024;
const ALIGNED_TABLE: usize = 1 << ALIGNED_TB;

/// Extra (verbatim) offset bits per position slot; indexed with `slot & 63`.
const EXTRA_BITS: [u8; 64] = {
    let mut t = [0u8; 64];
    let mut i = 4;
    while i < MAX_SLOTS {
        let e = (i - 2) / 2;
        t[i] = if e > 17 { 17 } else { e as u8 };
        i += 1;
    }
    t
};

/// The match offset of each position slot with all extra bits zero (the format's position
/// base minus 2, the adjustment for the three repeat slots); indexed with `slot & 63`.
const SLOT_BASE: [u32; 64] = {
    let mut t = [0u32; 64];
    let mut base = 0u32;
    let mut i = 0;
    while i < MAX_SLOTS {
        t[i] = base.wrapping_sub(2);
        base += 1 << EXTRA_BITS[i];
        i += 1;
    }
    t
};

/// Number of position slots for a window order (15..=21).
fn num_slots(order: u32) -> usize {
    match order {
        15 => 30,
        16 => 32,
        17 => 34,
        18 => 36,
        19 => 38,
        20 => 42,
        _ => 50,
    }
}

fn err(offset: usize, message: &'static str) -> DecompressError {
    DecompressError { codec: Codec::Lzx, offset, message }
}

// ---------------------------------------------------------------------------------------
// Bit reader

/// Reads the bitstream: 16-bit little-endian words, most significant bit first. `buf` holds
/// the next `n` bits left-justified; the bits below them are zero or the stream's following
/// bits (refills OR whole 8-byte loads, so re-loading bits already there changes nothing).
/// Past the end of the input it reads zero words, and counts them in `pos`: the caller checks
/// `consumed()` against `limit_bits()`.
#[derive(Clone, Copy)]
struct Bits<'a> {
    src: &'a [u8],
    /// Byte position of the next word to load (may run past `src` by the zero words read).
    pos: usize,
    buf: u64,
    n: u32,
}

/// Eight input bytes as four 16-bit words, the first word in the top 16 bits.
#[inline(always)]
fn words_be(b: [u8; 8]) -> u64 {
    let x = u64::from_be_bytes(b);
    ((x & 0x00FF_00FF_00FF_00FF) << 8) | ((x >> 8) & 0x00FF_00FF_00FF_00FF)
}

impl<'a> Bits<'a> {
    fn new(src: &'a [u8], pos: usize) -> Self {
        Bits { src, pos, buf: 0, n: 0 }
    }

    /// Make at least 49 bits available (after this, `n >= 49`).
    #[inline(always)]
    fn refill(&mut self) {
        if self.n <= 48 {
            let w = self.src.get(self.pos..self.pos + 8).and_then(|s| <[u8; 8]>::try_from(s).ok());
            match w {
                Some(b) => {
                    self.buf |= words_be(b) >> self.n;
                    let words = (64 - self.n) >> 4;
                    self.pos += 2 * words as usize;
                    self.n += 16 * words;
                }
                None => *self = self.refill_slow(),
            }
        }
    }

    /// Refill near or past the end of the input, one word at a time (zero words past the
    /// end). Takes and returns the reader by value so that the hot loop's copy of it never
    /// has its address taken and stays in registers.
    #[cold]
    #[inline(never)]
    fn refill_slow(mut self) -> Self {
        while self.n <= 48 {
            let w = match self.src.get(self.pos..self.pos + 2) {
                Some(&[a, b]) => u16::from_le_bytes([a, b]),
                _ => 0,
            };
            self.buf |= (w as u64) << (48 - self.n);
            self.pos += 2;
            self.n += 16;
        }
        self
    }

    /// The next `k` bits (0..=32) without consuming them.
    #[inline(always)]
    fn peek(&self, k: u32) -> u32 {
        ((self.buf >> 1) >> (63 - k)) as u32
    }

    #[inline(always)]
    fn consume(&mut self, k: u32) {
        self.buf <<= k;
        self.n -= k;
    }

    /// Take `k` bits (0..=32); the caller made sure `n >= k`.
    #[inline(always)]
    fn pop(&mut self, k: u32) -> u32 {
        let v = self.peek(k);
        self.consume(k);
        v
    }

    /// Take `k` bits (0..=32), refilling as needed.
    #[inline(always)]
    fn read(&mut self, k: u32) -> u32 {
        if self.n < k {
            self.refill();
        }
        self.pop(k)
    }

    /// Bits consumed since the start of the input.
    fn consumed(&self) -> usize {
        (self.pos * 8).saturating_sub(self.n as usize)
    }

    /// The number of bits the bitstream really has: whole 16-bit words of the input (a
    /// trailing odd byte is not part of the bitstream).
    fn limit_bits(&self) -> usize {
        (self.src.len() & !1) * 8
    }

    fn overrun(&self) -> bool {
        self.consumed() > self.limit_bits()
    }
}

// ---------------------------------------------------------------------------------------
// Huffman decoding tables

/// Entry layout: bits 16..32 the symbol (or the subtable start), bit 15 set for a subtable
/// pointer, bits 0..8 the codeword length (or, in a subtable, the length beyond the root
/// bits; for a pointer, the number of bits indexing the subtable).
const SUBTABLE: u32 = 1 << 15;

struct Table<const TB: u32, const N: usize> {
    t: Box<[u32; N]>,
    /// All codeword lengths were zero: the code has no symbols and must not be used.
    empty: bool,
}

/// Scratch space for building tables (symbols sorted by codeword length).
struct Scratch {
    sorted: [u16; MAIN_MAX_SYMS],
}

impl<const TB: u32, const N: usize> Table<TB, N> {
    fn new() -> Self {
        let t: Box<[u32; N]> = match vec![0u32; N].into_boxed_slice().try_into() {
            Ok(t) => t,
            Err(_) => unreachable!("a vector of N elements converts to [u32; N]"),
        };
        Table { t, empty: true }
    }

    /// Build the table for the canonical code with these codeword lengths (each at most
    /// `max_len`). Fails unless the code is complete or empty.
    fn build(&mut self, lens: &[u8], max_len: u32, scratch: &mut Scratch) -> Result<(), &'static str> {
        let mut count = [0u32; 17];
        for &l in lens {
            match count.get_mut(l as usize) {
                Some(c) if l as u32 <= max_len => *c += 1,
                _ => return Err("codeword length out of range"),
            }
        }
        count[0] = 0;
        // Kraft sum: the lengths must fill the code space exactly (or be all zero).
        let mut left: i64 = 1;
        for &c in &count[1..=max_len as usize] {
            left = (left << 1) - c as i64;
            if left < 0 {
                return Err("over-subscribed Huffman code");
            }
        }
        if left != 0 {
            if left == 1i64 << max_len {
                self.empty = true;
                return Ok(());
            }
            return Err("incomplete Huffman code");
        }
        self.empty = false;

        // Sort symbols by (length, symbol).
        let mut offs = [0u32; 18];
        for len in 1..=max_len as usize {
            offs[len + 1] = offs[len] + count[len];
        }
        for (sym, &l) in lens.iter().enumerate() {
            if l != 0 {
                let o = &mut offs[l as usize];
                if let Some(s) = scratch.sorted.get_mut(*o as usize) {
                    *s = sym as u16;
                }
                *o += 1;
            }
        }

        let t = &mut self.t[..];
        let mut idx = 0usize;
        let mut code: u32 = 0;
        // Codewords that fit the root table: each fills 2^(TB - len) entries.
        for len in 1..=TB.min(max_len) {
            for _ in 0..count[len as usize] {
                let sym = scratch.sorted[idx] as u32;
                idx += 1;
                let start = (code << (TB - len)) as usize;
                let n = 1usize << (TB - len);
                let slot = t.get_mut(start..start + n).ok_or("Huffman table overflow")?;
                slot.fill((sym << 16) | len);
                code += 1;
            }
            code <<= 1;
        }
        if max_len <= TB {
            return Ok(());
        }
        // Longer codewords: a subtable per root prefix, sized to cover all codewords
        // sharing that prefix.
        let mut next_sub = 1usize << TB;
        let mut cur_prefix = u32::MAX;
        let mut sub_start = 0usize;
        let mut sub_bits = 0u32;
        for len in TB + 1..=max_len {
            let mut remaining_here = count[len as usize];
            for _ in 0..count[len as usize] {
                let sym = scratch.sorted[idx] as u32;
                idx += 1;
                let prefix = code >> (len - TB);
                if prefix != cur_prefix {
                    cur_prefix = prefix;
                    sub_bits = len - TB;
                    let mut space: i64 = 1 << sub_bits;
                    loop {
                        let c = if TB + sub_bits == len { remaining_here } else { count[(TB + sub_bits) as usize] };
                        space -= c as i64;
                        if space <= 0 || TB + sub_bits >= max_len {
                            break;
                        }
                        sub_bits += 1;
                        space <<= 1;
                    }
                    sub_start = next_sub;
                    next_sub += 1 << sub_bits;
                    if next_sub > N {
                        return Err("Huffman table overflow");
                    }
                    let root = t.get_mut(prefix as usize).ok_or("Huffman table overflow")?;
                    *root = ((sub_start as u32) << 16) | SUBTABLE | sub_bits;
                }
                let extra = len - TB;
                if extra > sub_bits {
                    return Err("Huffman table overflow");
                }
                let low = code & ((1 << extra) - 1);
                let start = sub_start + ((low as usize) << (sub_bits - extra));
                let n = 1usize << (sub_bits - extra);
                let slot = t.get_mut(start..start + n).ok_or("Huffman table overflow")?;
                slot.fill((sym << 16) | extra);
                code += 1;
                remaining_here -= 1;
            }
            code <<= 1;
        }
        Ok(())
    }

    /// Decode one symbol; the caller made sure at least `max_len` bits are buffered.
    #[inline(always)]
    fn decode(&self, b: &mut Bits) -> u32 {
        let mut e = self.t[(b.buf >> (64 - TB)) as usize & ((1 << TB) - 1)];
        if e & SUBTABLE != 0 {
            b.consume(TB);
            let i = (e >> 16) as usize + b.peek(e & 0xFF) as usize;
            e = self.t.get(i).copied().unwrap_or(0);
        }
        b.consume(e & 0xFF);
        e >> 16
    }
}

// ---------------------------------------------------------------------------------------
// The decompressor

/// An LZX decompressor for the chunks of one resource (chunk size fixed at creation).
pub struct LzxDecompressor {
    max_chunk_size: usize,
    window_order: u32,
    num_main_syms: usize,
    main_lens: [u8; MAIN_MAX_SYMS],
    len_lens: [u8; LEN_SYMS],
    pre_lens: [u8; PRE_SYMS],
    aligned_lens: [u8; ALIGNED_SYMS],
    main: Table<MAIN_TB, MAIN_TABLE>,
    len: Table<LEN_TB, LEN_TABLE>,
    pre: Table<PRE_TB, PRE_TABLE>,
    aligned: Table<ALIGNED_TB, ALIGNED_TABLE>,
    scratch: Scratch,
    recent: [u32; 3],
}

impl LzxDecompressor {
    /// A decompressor for chunks of at most `max_chunk_size` bytes (1..=2 MiB; the window
    /// order follows from it as in WIM: `max(15, ceil(log2(max_chunk_size)))`).
    pub fn new(max_chunk_size: usize) -> Result<Self, DecompressError> {
        if max_chunk_size == 0 || max_chunk_size > MAX_CHUNK_SIZE {
            return Err(err(0, "LZX chunk size must be 1 byte to 2 MiB"));
        }
        let window_order = max_chunk_size.next_power_of_two().trailing_zeros().max(MIN_WINDOW_ORDER);
        Ok(LzxDecompressor {
            max_chunk_size,
            window_order,
            num_main_syms: NUM_CHARS + 8 * num_slots(window_order),
            main_lens: [0; MAIN_MAX_SYMS],
            len_lens: [0; LEN_SYMS],
            pre_lens: [0; PRE_SYMS],
            aligned_lens: [0; ALIGNED_SYMS],
            main: Table::new(),
            len: Table::new(),
            pre: Table::new(),
            aligned: Table::new(),
            scratch: Scratch { sorted: [0; MAIN_MAX_SYMS] },
            recent: [1, 1, 1],
        })
    }

    /// Read a pretree and with it the delta-coded codeword lengths `lens` (updated in place:
    /// each new length is coded relative to the previous one at the same position).
    fn read_lens(
        pre: &mut Table<PRE_TB, PRE_TABLE>,
        pre_lens: &mut [u8; PRE_SYMS],
        scratch: &mut Scratch,
        b: &mut Bits,
        lens: &mut [u8],
    ) -> Result<(), &'static str> {
        for l in pre_lens.iter_mut() {
            *l = b.read(4) as u8;
        }
        pre.build(pre_lens, MAX_PRE_LEN, scratch)?;
        if pre.empty {
            return Err("empty pretree");
        }
        let mut i = 0;
        while i < lens.len() {
            // At most 15 + 1 + 15 bits for one element.
            b.refill();
            let sym = pre.decode(b);
            let (run, value) = match sym {
                0..=16 => (1, (lens[i] + 17 - sym as u8) % 17),
                17 => (4 + b.pop(4) as usize, 0),
                18 => (20 + b.pop(5) as usize, 0),
                _ => {
                    let run = 4 + b.pop(1) as usize;
                    let sym2 = pre.decode(b);
                    if sym2 > 17 {
                        return Err("bad length run in pretree-coded lengths");
                    }
                    (run, (lens[i] + 17 - sym2 as u8) % 17)
                }
            };
            let dst = lens.get_mut(i..i + run).ok_or("codeword length run past the end of the code")?;
            dst.fill(value);
            i += run;
        }
        Ok(())
    }

    /// Decode the literals and matches of one verbatim or aligned-offset block into
    /// `dst[pos..end]`.
    #[inline(never)]
    fn decode_block(
        &mut self,
        b: &mut Bits,
        dst: &mut [u8],
        mut pos: usize,
        end: usize,
        aligned_block: bool,
    ) -> Result<(), &'static str> {
        let main = &self.main;
        let lent = &self.len;
        let aligned = &self.aligned;
        let [mut r0, mut r1, mut r2] = self.recent;
        let mut bits = *b;
        let min_aligned_slot = if aligned_block { MIN_ALIGNED_SLOT } else { usize::MAX };
        let out_len = dst.len();
        if end > out_len {
            return Err("block past the end of the chunk");
        }
        while pos < end {
            // After a refill 49 bits are buffered: enough for three literals of at most 16
            // bits each; a match checks again before its length and offset.
            bits.refill();
            let mut sym = main.decode(&mut bits);
            if sym < NUM_CHARS as u32 {
                dst[pos] = sym as u8;
                pos += 1;
                if pos == end {
                    break;
                }
                sym = main.decode(&mut bits);
                if sym < NUM_CHARS as u32 {
                    dst[pos] = sym as u8;
                    pos += 1;
                    if pos == end {
                        break;
                    }
                    sym = main.decode(&mut bits);
                    if sym < NUM_CHARS as u32 {
                        dst[pos] = sym as u8;
                        pos += 1;
                        continue;
                    }
                }
            }
            let m = sym - NUM_CHARS as u32;
            let mut length = (m & 7) as usize;
            let slot = (m >> 3) as usize & 63;
            if length == NUM_PRIMARY_LENS as usize {
                if lent.empty {
                    return Err("length code used but empty");
                }
                if bits.n < 16 {
                    bits.refill();
                }
                length += lent.decode(&mut bits) as usize;
            }
            length += MIN_MATCH;
            let offset;
            if slot < 3 {
                offset = match slot {
                    0 => r0,
                    1 => {
                        let o = r1;
                        r1 = r0;
                        o
                    }
                    _ => {
                        let o = r2;
                        r2 = r0;
                        o
                    }
                };
            } else {
                if bits.n < 24 {
                    bits.refill();
                }
                let extra = EXTRA_BITS[slot] as u32;
                let v = if slot >= min_aligned_slot {
                    if aligned.empty {
                        return Err("aligned offset code used but empty");
                    }
                    let hi = bits.pop(extra - 3);
                    (hi << 3) | aligned.decode(&mut bits)
                } else {
                    bits.pop(extra)
                };
                offset = SLOT_BASE[slot].wrapping_add(v);
                r2 = r1;
                r1 = r0;
            }
            r0 = offset;
            let offset = offset as usize;
            if offset > pos || offset == 0 {
                return Err("match offset before the start of the chunk");
            }
            if length > end - pos {
                return Err("match past the end of the block");
            }
            copy_match(dst, pos, offset, length);
            pos += length;
        }
        *b = bits;
        self.recent = [r0, r1, r2];
        Ok(())
    }

    fn run(&mut self, src: &[u8], dst: &mut [u8]) -> Result<(), DecompressError> {
        let mut b = Bits::new(src, 0);
        let total = dst.len();
        let mut pos = 0usize;
        let mut may_have_e8 = false;
        self.recent = [1, 1, 1];
        self.main_lens = [0; MAIN_MAX_SYMS];
        self.len_lens = [0; LEN_SYMS];
        while pos < total {
            let at = b.consumed() / 8;
            b.refill();
            let block_type = b.pop(3);
            let size = if b.pop(1) == 1 {
                DEFAULT_BLOCK_SIZE
            } else {
                let mut s = b.pop(16) as usize;
                if self.window_order >= 16 {
                    s = (s << 8) | b.pop(8) as usize;
                }
                s
            };
            if size == 0 || size > total - pos {
                return Err(err(at, "block size is zero or runs past the end of the chunk"));
            }
            match block_type {
                1 | 2 => {
                    let aligned_block = block_type == 2;
                    if aligned_block {
                        for i in 0..ALIGNED_SYMS {
                            self.aligned_lens[i] = b.read(3) as u8;
                        }
                        self.aligned
                            .build(&self.aligned_lens, MAX_ALIGNED_LEN, &mut self.scratch)
                            .map_err(|m| err(at, m))?;
                    }
                    let num_main = self.num_main_syms;
                    let (lit, rest) = self.main_lens.split_at_mut(NUM_CHARS);
                    Self::read_lens(&mut self.pre, &mut self.pre_lens, &mut self.scratch, &mut b, lit)
                        .map_err(|m| err(b.consumed() / 8, m))?;
                    Self::read_lens(
                        &mut self.pre,
                        &mut self.pre_lens,
                        &mut self.scratch,
                        &mut b,
                        &mut rest[..num_main - NUM_CHARS],
                    )
                    .map_err(|m| err(b.consumed() / 8, m))?;
                    Self::read_lens(&mut self.pre, &mut self.pre_lens, &mut self.scratch, &mut b, &mut self.len_lens)
                        .map_err(|m| err(b.consumed() / 8, m))?;
                    self.main
                        .build(&self.main_lens[..num_main], MAX_MAIN_LEN, &mut self.scratch)
                        .map_err(|m| err(at, m))?;
                    if self.main.empty {
                        return Err(err(at, "empty main code"));
                    }
                    self.len.build(&self.len_lens, MAX_MAIN_LEN, &mut self.scratch).map_err(|m| err(at, m))?;
                    if b.overrun() {
                        return Err(err(src.len(), "compressed data ends inside a block header"));
                    }
                    self.decode_block(&mut b, dst, pos, pos + size, aligned_block)
                        .map_err(|m| err(b.consumed() / 8, m))?;
                    if b.overrun() {
                        return Err(err(src.len(), "compressed data ends inside a block"));
                    }
                    may_have_e8 |= self.main_lens[0xE8] != 0;
                }
                3 => {
                    // Skip to the next 16-bit boundary; 16 bits when already on one.
                    let c = b.consumed();
                    let p = (c + 16) / 16 * 2;
                    let hdr = src.get(p..p + 12).ok_or(err(at, "uncompressed block header past the end"))?;
                    let mut r = [0u32; 3];
                    for (i, v) in r.iter_mut().enumerate() {
                        *v = u32::from_le_bytes([hdr[4 * i], hdr[4 * i + 1], hdr[4 * i + 2], hdr[4 * i + 3]]);
                    }
                    if r.contains(&0) {
                        return Err(err(p, "uncompressed block with a zero recent offset"));
                    }
                    self.recent = r;
                    let data = src.get(p + 12..p + 12 + size).ok_or(err(p, "uncompressed block past the end"))?;
                    dst[pos..pos + size].copy_from_slice(data);
                    let mut next = p + 12 + size;
                    if size & 1 == 1 && next < src.len() {
                        next += 1;
                    }
                    b = Bits::new(src, next);
                    may_have_e8 = true;
                }
                _ => return Err(err(at, "invalid block type")),
            }
            pos += size;
        }
        if may_have_e8 {
            e8_untranslate(dst);
        }
        Ok(())
    }
}

/// Copy a match of `length` bytes from `offset` bytes back to `dst[pos..]`. The caller
/// checked `1 <= offset <= pos` and `pos + length <= dst.len()`.
#[inline(always)]
fn copy_match(dst: &mut [u8], pos: usize, offset: usize, length: usize) {
    let end = pos + length;
    let src = pos - offset;
    if offset >= 8 && end + 8 <= dst.len() {
        // Eight bytes at a time: every source word lies wholly before its destination, so
        // it only holds final bytes; the last word may write up to 7 bytes past the match,
        // which later output overwrites.
        let (mut s, mut d) = (src, pos);
        while d < end {
            let w = load8(dst, s);
            store8(dst, d, w);
            s += 8;
            d += 8;
        }
    } else if end + 8 <= dst.len() {
        // Offsets 1..=7: the match repeats the `offset` bytes before it. One word holds
        // that pattern from its start; storing it every `step` bytes (a multiple of the
        // offset) continues the pattern.
        let mut w = [0u8; 8];
        for (j, b) in w.iter_mut().enumerate() {
            *b = dst[src + j % offset];
        }
        let step = 8 - 8 % offset;
        let mut d = pos;
        while d < end {
            store8(dst, d, w);
            d += step;
        }
    } else {
        // Near the end of the output: byte by byte.
        for i in 0..length {
            dst[pos + i] = dst[src + i];
        }
    }
}

/// The eight bytes at `i` (zeros if they are not all inside `b`; callers check first).
#[inline(always)]
fn load8(b: &[u8], i: usize) -> [u8; 8] {
    match b.get(i..i + 8) {
        Some(s) => <[u8; 8]>::try_from(s).unwrap_or([0; 8]),
        None => [0; 8],
    }
}

/// Store eight bytes at `i` (nothing if they do not fit; callers check first).
#[inline(always)]
fn store8(b: &mut [u8], i: usize, w: [u8; 8]) {
    if let Some(d) = b.get_mut(i..i + 8).and_then(|d| <&mut [u8; 8]>::try_from(d).ok()) {
        *d = w;
    }
}

/// Undo the E8 call translation over a whole chunk: a 32-bit value after an 0xE8 byte at
/// position i (i < len - 10) that lies in [-i, 12,000,000) was an absolute target: it becomes
/// relative again (value - i, or value + 12,000,000 for negative values); the four bytes
/// after an 0xE8 are never an opcode themselves.
fn e8_untranslate(buf: &mut [u8]) {
    let n = buf.len();
    if n <= 10 {
        return;
    }
    let limit = n - 10;
    let mut i = 0usize;
    while i < limit {
        // Eight bytes at a time: find the first 0xE8 among them (the lowest flagged byte of
        // the zero-byte test is exact).
        if let Some(w) = buf.get(i..i + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
            let x = u64::from_le_bytes(w) ^ 0xE8E8_E8E8_E8E8_E8E8;
            let m = x.wrapping_sub(0x0101_0101_0101_0101) & !x & 0x8080_8080_8080_8080;
            if m == 0 {
                i += 8;
                continue;
            }
            i += (m.trailing_zeros() / 8) as usize;
            if i >= limit {
                break;
            }
        } else if buf[i] != 0xE8 {
            i += 1;
            continue;
        }
        let Some(t) = buf.get_mut(i + 1..i + 5).and_then(|t| <&mut [u8; 4]>::try_from(t).ok()) else {
            break;
        };
        let v = i32::from_le_bytes(*t);
        let p = i as i32;
        if v >= -p && v < E8_FILE_SIZE {
            let r = if v >= 0 { v - p } else { v + E8_FILE_SIZE };
            *t = r.to_le_bytes();
        }
        i += 5;
    }
}

impl Decompressor for LzxDecompressor {
    fn decompress(&mut self, src: &[u8], dst: &mut [u8]) -> Result<(), DecompressError> {
        if dst.len() > self.max_chunk_size {
            return Err(err(0, "output larger than the chunk size"));
        }
        if dst.is_empty() {
            return Ok(());
        }
        self.run(src, dst)
    }
}

#[cfg(test)]
mod tests {
    //! Hand-made streams from a small test encoder (written from the format description,
    //! independent of the decoder's tables), checked against outputs built by hand.

    use super::*;

    /// Bits MSB-first into 16-bit little-endian words.
    #[derive(Default)]
    struct W {
        out: Vec<u8>,
        acc: u32,
        n: u32,
    }

    impl W {
        fn bits(&mut self, v: u32, k: u32) {
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
        fn flush(&mut self) {
            if self.n > 0 {
                self.bits(0, 16 - self.n);
            }
        }
        /// The padding before an uncompressed block's offsets: 1 to 16 bits.
        fn pad_uncompressed(&mut self) {
            let k = if self.n == 0 { 16 } else { 16 - self.n };
            self.bits(0, k);
        }
        fn finish(mut self) -> Vec<u8> {
            self.flush();
            self.out
        }
    }

    /// Canonical codewords (value, length) for codeword lengths.
    fn canon(lens: &[u8]) -> Vec<(u32, u32)> {
        let mut count = [0u32; 17];
        for &l in lens {
            count[l as usize] += 1;
        }
        count[0] = 0;
        let mut next = [0u32; 18];
        let mut code = 0;
        for bits in 1..=16 {
            code = (code + count[bits - 1]) << 1;
            next[bits] = code;
        }
        lens.iter()
            .map(|&l| {
                if l == 0 {
                    (0, 0)
                } else {
                    let c = next[l as usize];
                    next[l as usize] += 1;
                    (c, l as u32)
                }
            })
            .collect()
    }

    /// A flat complete code over `used` (padded with unused symbols to a power of two).
    fn flat(n: usize, used: &[usize]) -> Vec<u8> {
        let mut syms: Vec<usize> = used.to_vec();
        syms.sort();
        syms.dedup();
        let mut k = syms.len().max(2).next_power_of_two();
        let mut filler = 0;
        while syms.len() < k {
            if !syms.contains(&filler) {
                syms.push(filler);
            }
            filler += 1;
            if filler >= n {
                k = syms.len();
            }
        }
        let bits = k.trailing_zeros() as u8;
        let mut lens = vec![0u8; n];
        for s in syms {
            lens[s] = bits;
        }
        lens
    }

    /// Write codeword lengths `new` (previous `prev`) with a fixed pretree: delta symbols
    /// 0..=14 in 4 bits, 15 and 16 in 5 bits.
    fn write_lens(w: &mut W, prev: &[u8], new: &[u8]) {
        let mut pre = [0u8; PRE_SYMS];
        for (i, l) in pre.iter_mut().enumerate().take(17) {
            *l = if i < 15 { 4 } else { 5 };
        }
        for &l in &pre {
            w.bits(l as u32, 4);
        }
        let codes = canon(&pre);
        for (p, n) in prev.iter().zip(new) {
            let sym = (*p as usize + 17 - *n as usize) % 17;
            w.bits(codes[sym].0, codes[sym].1);
        }
    }

    #[derive(Clone, Copy)]
    enum Tok {
        Lit(u8),
        /// A match: length, position slot, the offset's extra bits, and the offset it means
        /// (for the expected output).
        Match {
            len: usize,
            slot: usize,
            extra: u32,
            dist: usize,
        },
    }

    fn expected(toks: &[Tok]) -> Vec<u8> {
        let mut out = Vec::new();
        for t in toks {
            match *t {
                Tok::Lit(b) => out.push(b),
                Tok::Match { len, dist, .. } => {
                    for _ in 0..len {
                        let b = out[out.len() - dist];
                        out.push(b);
                    }
                }
            }
        }
        out
    }

    fn size_bits(w: &mut W, size: usize, order: u32) {
        if size == DEFAULT_BLOCK_SIZE {
            w.bits(1, 1);
        } else {
            w.bits(0, 1);
            if order >= 16 {
                w.bits((size >> 8) as u32, 16);
                w.bits((size & 0xFF) as u32, 8);
            } else {
                w.bits(size as u32, 16);
            }
        }
    }

    /// One verbatim or aligned block holding `toks` (block size = their output, unless
    /// `size` overrides it); `prev` holds the lengths of the previous block (main, len).
    fn block(w: &mut W, toks: &[Tok], order: u32, aligned: bool, size: Option<usize>, prev: &mut (Vec<u8>, Vec<u8>)) {
        let num_main = NUM_CHARS + 8 * num_slots(order);
        let mut main_used = vec![];
        let mut len_used = vec![];
        for t in toks {
            match *t {
                Tok::Lit(b) => main_used.push(b as usize),
                Tok::Match { len, slot, .. } => {
                    let lh = (len - 2).min(7);
                    main_used.push(256 + slot * 8 + lh);
                    if lh == 7 {
                        len_used.push(len - 9);
                    }
                }
            }
        }
        let main_lens = flat(num_main, &main_used);
        let len_lens = if len_used.is_empty() { vec![0u8; LEN_SYMS] } else { flat(LEN_SYMS, &len_used) };
        let aligned_lens = [3u8; ALIGNED_SYMS];
        w.bits(if aligned { 2 } else { 1 }, 3);
        size_bits(w, size.unwrap_or_else(|| expected(toks).len()), order);
        if aligned {
            for &l in &aligned_lens {
                w.bits(l as u32, 3);
            }
        }
        write_lens(w, &prev.0[..256], &main_lens[..256]);
        write_lens(w, &prev.0[256..num_main], &main_lens[256..]);
        write_lens(w, &prev.1, &len_lens);
        let mc = canon(&main_lens);
        let lc = canon(&len_lens);
        let ac = canon(&aligned_lens);
        for t in toks {
            match *t {
                Tok::Lit(b) => w.bits(mc[b as usize].0, mc[b as usize].1),
                Tok::Match { len, slot, extra, .. } => {
                    let lh = (len - 2).min(7);
                    let s = 256 + slot * 8 + lh;
                    w.bits(mc[s].0, mc[s].1);
                    if lh == 7 {
                        w.bits(lc[len - 9].0, lc[len - 9].1);
                    }
                    let eb = EXTRA_BITS[slot] as u32;
                    if slot >= 3 {
                        if aligned && slot >= MIN_ALIGNED_SLOT {
                            w.bits(extra >> 3, eb - 3);
                            let a = (extra & 7) as usize;
                            w.bits(ac[a].0, ac[a].1);
                        } else {
                            w.bits(extra, eb);
                        }
                    }
                }
            }
        }
        prev.0 = main_lens;
        prev.1 = len_lens;
    }

    fn fresh(order: u32) -> (Vec<u8>, Vec<u8>) {
        (vec![0u8; NUM_CHARS + 8 * num_slots(order)], vec![0u8; LEN_SYMS])
    }

    fn decode(chunk: usize, src: &[u8], n: usize) -> Result<Vec<u8>, DecompressError> {
        let mut d = LzxDecompressor::new(chunk)?;
        let mut out = vec![0u8; n];
        d.decompress(src, &mut out)?;
        Ok(out)
    }

    fn lit(s: &[u8]) -> Vec<Tok> {
        s.iter().map(|&b| Tok::Lit(b)).collect()
    }

    #[test]
    fn window_orders_and_slot_counts() {
        for (chunk, order, slots) in [
            (1, 15, 30),
            (32768, 15, 30),
            (32769, 16, 32),
            (65536, 16, 32),
            (131072, 17, 34),
            (262144, 18, 36),
            (524288, 19, 38),
            (1048576, 20, 42),
            (2097152, 21, 50),
        ] {
            let d = LzxDecompressor::new(chunk).unwrap();
            assert_eq!((d.window_order, d.num_main_syms), (order, 256 + 8 * slots), "chunk {chunk}");
        }
        assert!(LzxDecompressor::new(0).is_err());
        assert!(LzxDecompressor::new(MAX_CHUNK_SIZE + 1).is_err());
        // The last slot of each window reaches offsets up to the window size minus 3.
        for (order, slots) in [(15, 30), (16, 32), (17, 34), (18, 36), (19, 38), (20, 42), (21, 50)] {
            let last = slots - 1;
            assert_eq!(SLOT_BASE[last] + (1 << EXTRA_BITS[last]) - 1, (1 << order) - 3, "order {order}");
            assert!(SLOT_BASE[last] <= (1 << order) - 3);
            assert!(SLOT_BASE[last - 1] + (1 << EXTRA_BITS[last - 1]) - 1 < (1 << order) - 3);
        }
        assert_eq!((SLOT_BASE[3], SLOT_BASE[4], SLOT_BASE[8], SLOT_BASE[30]), (1, 2, 14, 32766));
    }

    #[test]
    fn empty_and_short_inputs() {
        assert_eq!(decode(32768, &[], 0).unwrap(), Vec::<u8>::new());
        for src in [&[][..], &[0][..], &[0xFF][..], &[0, 0][..], &[0x30, 0x00][..]] {
            assert!(decode(32768, src, 1).is_err(), "{src:?}");
            assert!(decode(32768, src, 100).is_err(), "{src:?}");
        }
        // An output larger than the chunk size is refused.
        let mut d = LzxDecompressor::new(4096).unwrap();
        assert!(d.decompress(&[0; 64], &mut [0; 4097]).is_err());
    }

    #[test]
    fn verbatim_block_with_long_match_and_repeat_offset() {
        let mut toks = lit(b"ab");
        // Offset 1 is slot 3 (no extra bits); 257 is the longest match.
        toks.push(Tok::Match { len: 257, slot: 3, extra: 0, dist: 1 });
        toks.push(Tok::Match { len: 2, slot: 0, extra: 0, dist: 1 });
        toks.push(Tok::Lit(b'c'));
        // Offset 4: slot 4 (base 2, 1 extra bit) with extra 1 -> 3? no: base 2 + 1 = 3.
        toks.push(Tok::Match { len: 9, slot: 4, extra: 1, dist: 3 });
        let want = expected(&toks);
        assert_eq!(want.len(), 2 + 257 + 2 + 1 + 9);
        let mut w = W::default();
        block(&mut w, &toks, 15, false, None, &mut fresh(15));
        let src = w.finish();
        assert_eq!(decode(32768, &src, want.len()).unwrap(), want);
        // One byte less or more output than the stream describes fails.
        assert!(decode(32768, &src, want.len() - 1).is_err());
        assert!(decode(32768, &src, want.len() + 1).is_err());
        // Truncated input fails.
        assert!(decode(32768, &src[..src.len() - 2], want.len()).is_err());
    }

    #[test]
    fn repeat_offsets_swap_with_r0() {
        // R0 = 5, R1 = 3 after two explicit matches; slot 1 swaps them; slot 2 (R2 = 1,
        // the initial value) swaps R2 with R0.
        let mut toks = lit(b"0123456789");
        toks.push(Tok::Match { len: 2, slot: 5, extra: 1, dist: 5 }); // base 4 + 1
        toks.push(Tok::Match { len: 2, slot: 4, extra: 1, dist: 3 }); // base 2 + 1
        toks.push(Tok::Match { len: 3, slot: 1, extra: 0, dist: 5 }); // R1
        toks.push(Tok::Match { len: 3, slot: 0, extra: 0, dist: 5 }); // R0
        toks.push(Tok::Match { len: 2, slot: 2, extra: 0, dist: 1 }); // R2: the initial 1
        toks.push(Tok::Match { len: 2, slot: 2, extra: 0, dist: 5 }); // R2 now holds 5
        let want = expected(&toks);
        let mut w = W::default();
        block(&mut w, &toks, 15, false, None, &mut fresh(15));
        assert_eq!(decode(32768, &w.finish(), want.len()).unwrap(), want);
    }

    #[test]
    fn aligned_block_codes_low_offset_bits_separately() {
        let mut toks = lit(b"abcdefghijklmnopqrstuvwxyz");
        // slot 8: base 14, 3 extra bits, all from the aligned code: offset 14 + 5 = 19.
        toks.push(Tok::Match { len: 4, slot: 8, extra: 5, dist: 19 });
        // slot 10: base 30, 4 extra bits: 1 verbatim bit, 3 aligned: 30 + 0b1_011 = 41 > pos.
        toks.extend(lit(b"ABCDEFGHIJKLMNOP"));
        toks.push(Tok::Match { len: 5, slot: 10, extra: 0b1011, dist: 41 });
        // slot 7 (2 extra bits) stays verbatim in an aligned block: base 10 + 3.
        toks.push(Tok::Match { len: 3, slot: 7, extra: 3, dist: 13 });
        let want = expected(&toks);
        let mut w = W::default();
        block(&mut w, &toks, 15, true, None, &mut fresh(15));
        assert_eq!(decode(32768, &w.finish(), want.len()).unwrap(), want);
    }

    #[test]
    fn delta_lengths_persist_across_blocks_and_reset_per_chunk() {
        let t1 = lit(b"hello, ");
        let t2 = lit(b"world");
        let mut prev = fresh(15);
        let mut w = W::default();
        block(&mut w, &t1, 15, false, None, &mut prev);
        block(&mut w, &t2, 15, true, None, &mut prev);
        let src = w.finish();
        let mut d = LzxDecompressor::new(32768).unwrap();
        let mut out = vec![0u8; 12];
        for _ in 0..3 {
            d.decompress(&src, &mut out).unwrap();
            assert_eq!(&out, b"hello, world");
        }
        // The second block coded against zero lengths (as if they did not persist) fails
        // or decodes differently.
        let mut w = W::default();
        block(&mut w, &t1, 15, false, None, &mut fresh(15));
        block(&mut w, &t2, 15, false, None, &mut fresh(15));
        assert_ne!(decode(32768, &w.finish(), 12).ok(), Some(b"hello, world".to_vec()));
    }

    #[test]
    fn match_before_the_start_or_past_the_block_fails() {
        let toks = [Tok::Match { len: 3, slot: 3, extra: 0, dist: 1 }];
        let mut w = W::default();
        block(&mut w, &toks, 15, false, Some(3), &mut fresh(15));
        assert!(decode(32768, &w.finish(), 3).is_err());
        // A repeat offset (initially 1) at position 0.
        let toks = [Tok::Match { len: 2, slot: 0, extra: 0, dist: 1 }];
        let mut w = W::default();
        block(&mut w, &toks, 15, false, Some(2), &mut fresh(15));
        assert!(decode(32768, &w.finish(), 2).is_err());
        // Offset 4 after three bytes.
        let mut toks = lit(b"abc");
        toks.push(Tok::Match { len: 2, slot: 5, extra: 0, dist: 4 });
        let mut w = W::default();
        block(&mut w, &toks, 15, false, Some(5), &mut fresh(15));
        assert!(decode(32768, &w.finish(), 5).is_err());
        // A match running past the end of its block (and of the chunk).
        let mut toks = lit(b"a");
        toks.push(Tok::Match { len: 20, slot: 3, extra: 0, dist: 1 });
        let mut w = W::default();
        block(&mut w, &toks, 15, false, Some(10), &mut fresh(15));
        assert!(decode(32768, &w.finish(), 10).is_err());
        // ... or past the end of its block into the next one.
        let mut w = W::default();
        let mut prev = fresh(15);
        block(&mut w, &toks, 15, false, Some(10), &mut prev);
        block(&mut w, &lit(b"bbbbbbbbbbb"), 15, false, None, &mut prev);
        assert!(decode(32768, &w.finish(), 21).is_err());
        // Offsets at the window limit: the largest offset of slot 29 reaches back 32765.
        let mut toks = vec![Tok::Lit(b'y')];
        toks.push(Tok::Match { len: 257, slot: 3, extra: 0, dist: 1 });
        let mut len = 258;
        while len + 257 <= 32765 {
            toks.push(Tok::Match { len: 257, slot: 0, extra: 0, dist: 1 });
            len += 257;
        }
        while len < 32765 {
            toks.push(Tok::Lit(b'y'));
            len += 1;
        }
        toks.push(Tok::Lit(b'z'));
        // 32766 bytes so far; offset 32765 (slot 29 all ones: 24574 + 8191) reaches byte 1.
        toks.push(Tok::Match { len: 2, slot: 29, extra: 8191, dist: 32765 });
        let want = expected(&toks);
        assert_eq!(want.len(), 32768);
        let mut w = W::default();
        block(&mut w, &toks, 15, false, None, &mut fresh(15));
        assert_eq!(decode(32768, &w.finish(), 32768).unwrap(), want);
    }

    #[test]
    fn over_subscribed_and_incomplete_codes_fail() {
        let mut scratch = Scratch { sorted: [0; MAIN_MAX_SYMS] };
        let mut t: Table<MAIN_TB, MAIN_TABLE> = Table::new();
        let mut lens = [0u8; 300];
        lens[..5].fill(2); // 5/4 of the code space
        assert_eq!(t.build(&lens, 16, &mut scratch), Err("over-subscribed Huffman code"));
        lens[..5].fill(0);
        lens[..3].fill(2); // 3/4
        assert_eq!(t.build(&lens, 16, &mut scratch), Err("incomplete Huffman code"));
        lens[0] = 1; // one symbol of length 1: incomplete too
        lens[1..3].fill(0);
        assert_eq!(t.build(&lens, 16, &mut scratch), Err("incomplete Huffman code"));
        lens[0] = 0;
        assert_eq!(t.build(&lens, 16, &mut scratch), Ok(()));
        assert!(t.empty);
        // Longest codewords: 16 bits, through subtables.
        let mut lens = [0u8; 300];
        for (i, l) in lens.iter_mut().enumerate().take(16) {
            *l = i as u8 + 1;
        }
        lens[16] = 16;
        assert_eq!(t.build(&lens, 16, &mut scratch), Ok(()));
        let codes = canon(&lens);
        for (sym, &(code, len)) in codes.iter().enumerate().take(17) {
            let mut w = W::default();
            w.bits(code, len);
            w.bits(0x5A5A, 16);
            let src = w.finish();
            let mut b = Bits::new(&src, 0);
            b.refill();
            assert_eq!(t.decode(&mut b), sym as u32);
            assert_eq!(b.consumed(), len as usize);
        }

        // In a stream: a main code with three 2-bit codewords is refused.
        let mut w = W::default();
        w.bits(1, 3);
        size_bits(&mut w, 4, 15);
        let mut main = vec![0u8; 256 + 240];
        main[b'a' as usize] = 2;
        main[b'b' as usize] = 2;
        main[b'c' as usize] = 2;
        write_lens(&mut w, &vec![0; 256], &main[..256]);
        write_lens(&mut w, &vec![0; 240], &main[256..]);
        write_lens(&mut w, &vec![0; LEN_SYMS], &vec![0; LEN_SYMS]);
        w.bits(0, 16);
        assert!(decode(32768, &w.finish(), 4).is_err());
    }

    #[test]
    fn uncompressed_blocks_padding_offsets_and_odd_sizes() {
        // At the start of a chunk the stream is aligned: 16 bits of padding.
        let mut w = W::default();
        w.bits(3, 3);
        size_bits(&mut w, 5, 15);
        w.pad_uncompressed();
        for r in [1u32, 2, 3] {
            w.out.extend_from_slice(&r.to_le_bytes());
        }
        w.out.extend_from_slice(b"abcde\0");
        // A second (verbatim) block after the odd block's padding byte, using R1 = 2.
        let mut toks = lit(b"xy");
        toks.push(Tok::Match { len: 3, slot: 1, extra: 0, dist: 2 });
        block(&mut w, &toks, 15, false, None, &mut fresh(15));
        let src = w.finish();
        assert_eq!(decode(32768, &src, 10).unwrap(), b"abcdexyxyx");

        // After a verbatim block whose header ends mid-word: padding to the next boundary.
        let mut w = W::default();
        let mut prev = fresh(15);
        block(&mut w, &lit(b"hello"), 15, false, None, &mut prev);
        w.bits(3, 3);
        size_bits(&mut w, 4, 15);
        assert_ne!(w.n, 0);
        w.pad_uncompressed();
        for r in [7u32, 8, 9] {
            w.out.extend_from_slice(&r.to_le_bytes());
        }
        w.out.extend_from_slice(b"WXYZ");
        block(&mut w, &[Tok::Match { len: 7, slot: 0, extra: 0, dist: 7 }], 15, false, Some(7), &mut prev);
        let src = w.finish();
        assert_eq!(decode(32768, &src, 16).unwrap(), b"helloWXYZlloWXYZ");

        // A zero recent offset is refused; so is a block running past the input.
        let mut w = W::default();
        w.bits(3, 3);
        size_bits(&mut w, 2, 15);
        w.pad_uncompressed();
        for r in [1u32, 0, 3] {
            w.out.extend_from_slice(&r.to_le_bytes());
        }
        w.out.extend_from_slice(b"ab");
        assert!(decode(32768, &w.finish(), 2).is_err());
        let mut w = W::default();
        w.bits(3, 3);
        size_bits(&mut w, 9, 15);
        w.pad_uncompressed();
        w.out.extend_from_slice(&[1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
        w.out.extend_from_slice(b"12345678");
        assert!(decode(32768, &w.finish(), 9).is_err());
        // Block types 0 and 4..=7 are invalid.
        for t in [0, 4, 5, 6, 7] {
            let mut w = W::default();
            w.bits(t, 3);
            size_bits(&mut w, 2, 15);
            w.bits(0, 32);
            assert!(decode(32768, &w.finish(), 2).is_err(), "block type {t}");
        }
    }

    #[test]
    fn block_sizes_default_16_and_24_bit() {
        // Window order 16 and more: 24-bit sizes; the default flag means 32768.
        let data: Vec<u8> = (0..40000u32).map(|i| (i * 7 % 251) as u8).collect();
        for (chunk, sizes) in [(65536, vec![32768, 7232]), (65536, vec![40000]), (32768, vec![32768])] {
            let n: usize = sizes.iter().sum();
            let mut w = W::default();
            let mut at = 0;
            for s in &sizes {
                w.bits(3, 3);
                size_bits(&mut w, *s, if chunk > 32768 { 16 } else { 15 });
                w.pad_uncompressed();
                w.out.extend_from_slice(&[1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
                w.out.extend_from_slice(&data[at..at + s]);
                at += s;
            }
            let src = w.finish();
            let mut want = data[..n].to_vec();
            e8_untranslate(&mut want);
            assert_eq!(decode(chunk, &src, n).unwrap(), want, "{sizes:?}");
        }
        // The same 40000-byte block with a 16-bit size field in a 64 KiB window fails.
        let mut w = W::default();
        w.bits(3, 3);
        w.bits(0, 1);
        w.bits(40000, 16);
        w.pad_uncompressed();
        w.out.extend_from_slice(&[1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
        w.out.extend_from_slice(&data);
        assert!(decode(65536, &w.finish(), 40000).is_err());
    }

    #[test]
    fn e8_translation_limits() {
        fn put(b: &mut [u8], at: usize, v: i32) {
            b[at] = 0xE8;
            b[at + 1..at + 5].copy_from_slice(&v.to_le_bytes());
        }
        let mut b = vec![0u8; 64];
        put(&mut b, 0, 5); // -> 5 - 0
        put(&mut b, 5, 30); // follows the first call's operand: position 5 -> 25
        put(&mut b, 12, -3); // negative, >= -12: -3 + 12,000,000
        put(&mut b, 20, -21); // below -20: unchanged
        put(&mut b, 26, 12_000_000); // not below the translation size: unchanged
        put(&mut b, 32, 11_999_999); // -> 11,999,967
        b[38] = 0xE8; // its operand holds an E8 byte: the operand's E8 is not an opcode
        b[39..43].copy_from_slice(&[0xE8, 0xE8, 1, 0]);
        put(&mut b, 53, 100); // 64 - 11: the last position translated -> 47
        let mut want = b.clone();
        want[1..5].copy_from_slice(&5i32.to_le_bytes());
        want[6..10].copy_from_slice(&25i32.to_le_bytes());
        want[13..17].copy_from_slice(&(12_000_000i32 - 3).to_le_bytes());
        want[33..37].copy_from_slice(&(11_999_999i32 - 32).to_le_bytes());
        want[39..43].copy_from_slice(&((0x0001_E8E8i32) - 38).to_le_bytes());
        want[54..58].copy_from_slice(&47i32.to_le_bytes());
        let mut got = b.clone();
        e8_untranslate(&mut got);
        assert_eq!(got, want);
        // 64 - 10: not translated.
        let mut b = vec![0u8; 64];
        put(&mut b, 54, 100);
        let want = b.clone();
        e8_untranslate(&mut b);
        assert_eq!(b, want);
        // Chunks of 10 bytes or less are never translated; 11 bytes: position 0 only.
        for n in [5, 10] {
            let mut b = vec![0u8; n];
            b[0] = 0xE8;
            let want = b.clone();
            e8_untranslate(&mut b);
            assert_eq!(b, want);
        }
        let mut b = vec![0u8; 11];
        put(&mut b, 0, -0); // zero stays zero at position 0
        b[1] = 9;
        e8_untranslate(&mut b);
        assert_eq!(b[1..5], 9i32.to_le_bytes());
        let mut b = vec![0u8; 11];
        b[1] = 0xE8;
        b[2] = 9;
        e8_untranslate(&mut b);
        assert_eq!(b[2..6], 9i32.to_le_bytes(), "position 1 is past the limit of an 11-byte chunk");
    }

    #[test]
    fn e8_translation_runs_after_decompression() {
        // A literal E8 followed by an absolute target: the output has the relative target.
        let mut toks = lit(b"\x90\x90");
        toks.extend(lit(&[0xE8, 0x10, 0, 0, 0]));
        toks.extend(lit(b"0123456789ab"));
        let mut w = W::default();
        block(&mut w, &toks, 15, false, None, &mut fresh(15));
        let out = decode(32768, &w.finish(), 19).unwrap();
        assert_eq!(&out[2..7], &[0xE8, 0x0E, 0, 0, 0]);
    }
}
