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

use super::{Codec, DecompressError, Decompressor};

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
        for len in 1..=max_len as usize {
            left = (left << 1) - count[len] as i64;
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
    } else if offset == 1 {
        let v = dst[pos - 1];
        dst[pos..end].fill(v);
    } else {
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
        // Skip eight bytes at a time while none is 0xE8.
        if let Some(w) = buf.get(i..i + 8) {
            let x = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]) ^ 0xE8E8_E8E8_E8E8_E8E8;
            if (x.wrapping_sub(0x0101_0101_0101_0101) & !x & 0x8080_8080_8080_8080) == 0 {
                i += 8;
                continue;
            }
        }
        if buf[i] != 0xE8 {
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
