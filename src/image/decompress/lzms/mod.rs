//! LZMS decompressor (WIM resources compressed with LZMS, and solid ESD resources).
//!
//! Microsoft publishes no specification of LZMS. This decoder is written from the public
//! descriptions of the format: the format notes and constants in wimlib's documentation
//! and sources (read for facts only; see `tables.rs` for where each number comes from).
//!
//! A chunk is a series of 16-bit little-endian units read from both ends:
//! - forward, a binary range coder whose adaptive probabilities (`bits::Prob`, one per
//!   context: the last 4, 5 or 6 decisions of the class) decide between literal and
//!   match, LZ and delta match, explicit and repeat offset, and which repeat offset;
//! - backward, Huffman codewords (literals, LZ offset slots, length slots, delta offset
//!   slots, delta powers; each code adaptive, see `huffman.rs`) and extra bits.
//!
//! Items: a literal byte; an LZ match (length, offset); a delta match (length, power,
//! raw offset: each output byte is `out[i - off] + out[i - span] - out[i - off - span]`
//! with `span = 2^power`, `off = raw << power`). Offsets and (power, raw offset) pairs
//! are kept in recent-use queues of 3 usable entries plus one, initialised to 1, 2, 3,
//! 4: a used entry moves to the front, and the front insertion happens one item late,
//! which is handled by reading the repeat slot one further down when the previous item
//! was a match of the same kind. After decoding, the x86 filter is undone (`x86.rs`).

mod bits;
mod huffman;
mod tables;
mod x86;

use super::codec::{Codec, DecompressError, Decompressor};
use bits::{BitReader, Prob, RangeDecoder};
use huffman::AdaptiveCode;
use tables::*;

/// Primary decode table bits per code (speed only, not format).
const LITERAL_TB: u32 = 10;
const LENGTH_TB: u32 = 9;
const OFFSET_TB: u32 = 11;
const POWER_TB: u32 = 7;
const fn table_len(tb: u32, nsyms: usize) -> usize {
    (1 << tb) + (nsyms << (MAX_CODEWORD_LENGTH - tb))
}
type LiteralCode = AdaptiveCode<LITERAL_TB, NUM_LITERAL_SYMS, { table_len(LITERAL_TB, NUM_LITERAL_SYMS) }>;
type LengthCode = AdaptiveCode<LENGTH_TB, NUM_LENGTH_SYMS, { table_len(LENGTH_TB, NUM_LENGTH_SYMS) }>;
type OffsetCode = AdaptiveCode<OFFSET_TB, MAX_NUM_OFFSET_SYMS, { table_len(OFFSET_TB, MAX_NUM_OFFSET_SYMS) }>;
type PowerCode = AdaptiveCode<POWER_TB, NUM_DELTA_POWER_SYMS, { table_len(POWER_TB, NUM_DELTA_POWER_SYMS) }>;

/// The probability entries of every decision class.
struct Probs {
    main: [Prob; NUM_MAIN_PROBS],
    matches: [Prob; NUM_MATCH_PROBS],
    lz: [Prob; NUM_LZ_PROBS],
    lz_rep: [[Prob; NUM_LZ_REP_PROBS]; NUM_REPS - 1],
    delta: [Prob; NUM_DELTA_PROBS],
    delta_rep: [[Prob; NUM_DELTA_REP_PROBS]; NUM_REPS - 1],
}

impl Probs {
    const INITIAL: Probs = Probs {
        main: [Prob::INITIAL; NUM_MAIN_PROBS],
        matches: [Prob::INITIAL; NUM_MATCH_PROBS],
        lz: [Prob::INITIAL; NUM_LZ_PROBS],
        lz_rep: [[Prob::INITIAL; NUM_LZ_REP_PROBS]; NUM_REPS - 1],
        delta: [Prob::INITIAL; NUM_DELTA_PROBS],
        delta_rep: [[Prob::INITIAL; NUM_DELTA_REP_PROBS]; NUM_REPS - 1],
    };
}

pub struct LzmsDecompressor {
    max_chunk_size: usize,
    probs: Box<Probs>,
    literal: Box<LiteralCode>,
    lz_offset: Box<OffsetCode>,
    length: Box<LengthCode>,
    delta_offset: Box<OffsetCode>,
    delta_power: Box<PowerCode>,
    x86_last_use: x86::LastUse,
}

impl LzmsDecompressor {
    /// A decompressor for chunks of at most `max_chunk_size` bytes (the format allows
    /// up to 1 GiB; the tables do not depend on the size).
    pub fn new(max_chunk_size: usize) -> Result<Self, DecompressError> {
        if max_chunk_size > MAX_BUFFER_SIZE {
            return Err(err(0, "chunk size above the LZMS limit of 1 GiB"));
        }
        Ok(LzmsDecompressor {
            max_chunk_size,
            probs: Box::new(Probs::INITIAL),
            literal: LiteralCode::new(LITERAL_CODE_REBUILD_FREQ),
            lz_offset: OffsetCode::new(LZ_OFFSET_CODE_REBUILD_FREQ),
            length: LengthCode::new(LENGTH_CODE_REBUILD_FREQ),
            delta_offset: OffsetCode::new(DELTA_OFFSET_CODE_REBUILD_FREQ),
            delta_power: PowerCode::new(DELTA_POWER_CODE_REBUILD_FREQ),
            x86_last_use: x86::LastUse::new(),
        })
    }
}

fn err(offset: usize, message: &'static str) -> DecompressError {
    DecompressError { codec: Codec::Lzms, offset, message }
}

impl Decompressor for LzmsDecompressor {
    fn decompress(&mut self, src: &[u8], dst: &mut [u8]) -> Result<(), DecompressError> {
        if dst.len() > self.max_chunk_size {
            return Err(err(0, "output larger than the chunk size"));
        }
        if src.len() < 4 {
            return Err(err(0, "compressed chunk shorter than 4 bytes"));
        }
        if src.len() % 2 != 0 {
            return Err(err(src.len() - 1, "compressed chunk of an odd number of bytes"));
        }
        self.decode_items(src, dst)?;
        x86::undo(dst, &mut self.x86_last_use);
        Ok(())
    }
}

impl LzmsDecompressor {
    fn decode_items(&mut self, src: &[u8], dst: &mut [u8]) -> Result<(), DecompressError> {
        let out_len = dst.len();
        *self.probs = Probs::INITIAL;
        let num_offset_slots = num_offset_slots(out_len);
        self.literal.reset(NUM_LITERAL_SYMS);
        self.lz_offset.reset(num_offset_slots);
        self.length.reset(NUM_LENGTH_SYMS);
        self.delta_offset.reset(num_offset_slots);
        self.delta_power.reset(NUM_DELTA_POWER_SYMS);

        let probs = &mut *self.probs;
        let literal = &mut *self.literal;
        let lz_offset = &mut *self.lz_offset;
        let length_code = &mut *self.length;
        let delta_offset = &mut *self.delta_offset;
        let delta_power = &mut *self.delta_power;

        let mut rd = RangeDecoder::new(src);
        let mut br = BitReader::new(src);
        let mut lz_reps: [u32; NUM_REPS + 1] = [1, 2, 3, 4];
        let mut delta_reps: [u64; NUM_REPS + 1] = [1, 2, 3, 4];
        // The previous item: 0 literal, 1 LZ match, 2 delta match.
        let mut prev: usize = 0;
        let (mut main_state, mut match_state, mut lz_state, mut delta_state) = (0u32, 0u32, 0u32, 0u32);
        let mut lz_rep_states = [0u32; NUM_REPS - 1];
        let mut delta_rep_states = [0u32; NUM_REPS - 1];

        let mut pos = 0usize;
        while pos < out_len {
            if rd.bit(src, &mut main_state, &mut probs.main) == 0 {
                let Some(sym) = literal.decode(&mut br, src) else { return Err(err(br.next, "bad literal")) };
                dst[pos] = sym as u8;
                pos += 1;
                prev = 0;
                continue;
            }
            if rd.bit(src, &mut match_state, &mut probs.matches) == 0 {
                // LZ match.
                let offset = if rd.bit(src, &mut lz_state, &mut probs.lz) == 0 {
                    let Some(slot) = lz_offset.decode(&mut br, src).and_then(|s| OFFSET_SLOTS.get(s as usize)) else {
                        return Err(err(br.next, "LZ offset in a chunk too small for matches"));
                    };
                    let offset = slot.base + br.read(src, slot.extra_bits);
                    lz_reps[3] = lz_reps[2];
                    lz_reps[2] = lz_reps[1];
                    lz_reps[1] = lz_reps[0];
                    offset
                } else {
                    // After an LZ match its offset already sits at the front although
                    // it is not yet usable: look one slot further.
                    let d = prev & 1;
                    if rd.bit(src, &mut lz_rep_states[0], &mut probs.lz_rep[0]) == 0 {
                        let offset = lz_reps[d];
                        lz_reps[d] = lz_reps[0];
                        offset
                    } else if rd.bit(src, &mut lz_rep_states[1], &mut probs.lz_rep[1]) == 0 {
                        let offset = lz_reps[1 + d];
                        lz_reps[1 + d] = lz_reps[1];
                        lz_reps[1] = lz_reps[0];
                        offset
                    } else {
                        let offset = lz_reps[2 + d];
                        lz_reps[2 + d] = lz_reps[2];
                        lz_reps[2] = lz_reps[1];
                        lz_reps[1] = lz_reps[0];
                        offset
                    }
                };
                lz_reps[0] = offset;
                prev = 1;
                let Some(length) = decode_length(length_code, &mut br, src) else {
                    return Err(err(br.next, "bad length"));
                };
                let (offset, length) = (offset as usize, length as usize);
                if offset > pos {
                    return Err(err(rd.next, "match offset before the start of the output"));
                }
                if length > out_len - pos {
                    return Err(err(rd.next, "match runs past the end of the output"));
                }
                copy_match(dst, pos, offset, length);
                pos += length;
            } else {
                // Delta match.
                let pair = if rd.bit(src, &mut delta_state, &mut probs.delta) == 0 {
                    let Some(power) = delta_power.decode(&mut br, src) else {
                        return Err(err(br.next, "bad delta power"));
                    };
                    let Some(slot) = delta_offset.decode(&mut br, src).and_then(|s| OFFSET_SLOTS.get(s as usize))
                    else {
                        return Err(err(br.next, "delta offset in a chunk too small for matches"));
                    };
                    let raw = slot.base + br.read(src, slot.extra_bits);
                    delta_reps[3] = delta_reps[2];
                    delta_reps[2] = delta_reps[1];
                    delta_reps[1] = delta_reps[0];
                    ((power as u64) << 32) | raw as u64
                } else {
                    let d = prev >> 1;
                    if rd.bit(src, &mut delta_rep_states[0], &mut probs.delta_rep[0]) == 0 {
                        let pair = delta_reps[d];
                        delta_reps[d] = delta_reps[0];
                        pair
                    } else if rd.bit(src, &mut delta_rep_states[1], &mut probs.delta_rep[1]) == 0 {
                        let pair = delta_reps[1 + d];
                        delta_reps[1 + d] = delta_reps[1];
                        delta_reps[1] = delta_reps[0];
                        pair
                    } else {
                        let pair = delta_reps[2 + d];
                        delta_reps[2 + d] = delta_reps[2];
                        delta_reps[2] = delta_reps[1];
                        delta_reps[1] = delta_reps[0];
                        pair
                    }
                };
                delta_reps[0] = pair;
                prev = 2;
                let Some(length) = decode_length(length_code, &mut br, src) else {
                    return Err(err(br.next, "bad length"));
                };
                // power < 8 (the code has 8 symbols), raw < 2^32: no overflow in u64.
                let power = (pair >> 32) as u32;
                let span = 1u64 << power;
                let offset = (pair & 0xFFFF_FFFF) << power;
                if offset + span > pos as u64 {
                    return Err(err(rd.next, "delta match reaches before the start of the output"));
                }
                let length = length as usize;
                if length > out_len - pos {
                    return Err(err(rd.next, "match runs past the end of the output"));
                }
                copy_delta(dst, pos, offset as usize, span as usize, length);
                pos += length;
            }
        }
        Ok(())
    }
}

#[inline(always)]
fn decode_length(code: &mut LengthCode, br: &mut BitReader, src: &[u8]) -> Option<u32> {
    let slot = LENGTH_SLOTS.get(code.decode(br, src)? as usize)?;
    let mut length = slot.base;
    if slot.extra_bits != 0 {
        length += br.read(src, slot.extra_bits);
    }
    Some(length)
}

/// Copy an LZ match of `length` bytes from `offset` back (1 <= offset <= pos,
/// pos + length <= dst.len(), checked by the caller). The source may overlap the
/// destination; bytes repeat with period `offset`.
#[inline(always)]
fn copy_match(dst: &mut [u8], pos: usize, offset: usize, length: usize) {
    let end = pos + length;
    let mut d = pos;
    if offset >= 8 {
        // 8 bytes at a time: each read ends at or before the write position. The last
        // word may run past `end` (not past `dst`); those bytes are decoded again later.
        while d < end && d + 8 <= dst.len() {
            let s = d - offset;
            let word: [u8; 8] = dst[s..s + 8].try_into().expect("8 bytes");
            dst[d..d + 8].copy_from_slice(&word);
            d += 8;
        }
        while d < end {
            dst[d] = dst[d - offset];
            d += 1;
        }
    } else if offset == 1 {
        let b = dst[pos - 1];
        dst[pos..end].fill(b);
    } else {
        while d < end {
            dst[d] = dst[d - offset];
            d += 1;
        }
    }
}

/// A delta match (offset + span <= pos, pos + length <= dst.len(), checked).
#[inline(never)]
fn copy_delta(dst: &mut [u8], pos: usize, offset: usize, span: usize, length: usize) {
    for d in pos..pos + length {
        dst[d] = dst[d - offset].wrapping_add(dst[d - span]).wrapping_sub(dst[d - offset - span]);
    }
}

#[cfg(test)]
mod tests {
    //! Hand-made chunks from a small test encoder (range coder and backward bit writer
    //! mirroring the decoder) for the edge cases wimlib's compressor never produces.
    //! Agreement with real data is in tests/it/codec_lzms.rs (wimlib's compressor).

    use super::*;

    /// The range encoder with 16-bit digits (carry propagation through pending 0xFFFF
    /// digits), normalising before each bit as the decoder does.
    struct RangeEnc {
        low: u64,
        range: u32,
        cache: Option<u16>,
        pending: usize,
        out: Vec<u16>,
    }

    impl RangeEnc {
        fn shift_low(&mut self) {
            if (self.low as u32) < 0xFFFF_0000 || self.low >> 32 != 0 {
                let carry = (self.low >> 32) as u16;
                if let Some(c) = self.cache {
                    self.out.push(c.wrapping_add(carry));
                }
                for _ in 0..self.pending {
                    self.out.push(0xFFFFu16.wrapping_add(carry));
                }
                self.pending = 0;
                self.cache = Some((self.low >> 16) as u16);
            } else {
                self.pending += 1;
            }
            self.low = (self.low & 0xFFFF) << 16;
        }

        fn encode(&mut self, prob: u32, bit: u32) {
            if self.range & 0xFFFF_0000 == 0 {
                self.range <<= 16;
                self.shift_low();
            }
            let bound = (self.range >> PROBABILITY_BITS) * prob;
            if bit == 0 {
                self.range = bound;
            } else {
                self.low += bound as u64;
                self.range -= bound;
            }
        }
    }

    struct Enc {
        rc: RangeEnc,
        bits: Vec<u16>,
        cur: u32,
        ncur: u32,
        probs: Box<Probs>,
        states: [u32; 8],
        literal: Box<LiteralCode>,
        lz_offset: Box<OffsetCode>,
        length: Box<LengthCode>,
        delta_offset: Box<OffsetCode>,
        delta_power: Box<PowerCode>,
    }

    // Indices into Enc::states.
    const MAIN: usize = 0;
    const MATCH: usize = 1;
    const LZ: usize = 2;
    const LZ_REP: usize = 3;
    const DELTA: usize = 5;
    const DELTA_REP: usize = 6;

    impl Enc {
        fn new(out_len: usize) -> Enc {
            let mut e = Enc {
                rc: RangeEnc { low: 0, range: 0xFFFF_FFFF, cache: None, pending: 0, out: Vec::new() },
                bits: Vec::new(),
                cur: 0,
                ncur: 0,
                probs: Box::new(Probs::INITIAL),
                states: [0; 8],
                literal: LiteralCode::new(LITERAL_CODE_REBUILD_FREQ),
                lz_offset: OffsetCode::new(LZ_OFFSET_CODE_REBUILD_FREQ),
                length: LengthCode::new(LENGTH_CODE_REBUILD_FREQ),
                delta_offset: OffsetCode::new(DELTA_OFFSET_CODE_REBUILD_FREQ),
                delta_power: PowerCode::new(DELTA_POWER_CODE_REBUILD_FREQ),
            };
            let slots = num_offset_slots(out_len);
            e.literal.reset(NUM_LITERAL_SYMS);
            e.lz_offset.reset(slots);
            e.length.reset(NUM_LENGTH_SYMS);
            e.delta_offset.reset(slots);
            e.delta_power.reset(NUM_DELTA_POWER_SYMS);
            e
        }

        fn decision(&mut self, which: usize, bit: u32) {
            let p = &mut *self.probs;
            let (probs, n): (&mut [Prob], u32) = match which {
                MAIN => (&mut p.main, 16),
                MATCH => (&mut p.matches, 32),
                LZ => (&mut p.lz, 64),
                3 | 4 => (&mut p.lz_rep[which - LZ_REP], 64),
                DELTA => (&mut p.delta, 64),
                _ => (&mut p.delta_rep[which - DELTA_REP], 64),
            };
            let state = &mut self.states[which];
            let entry = &mut probs[*state as usize];
            self.rc.encode(entry.get(), bit);
            entry.update(bit);
            *state = ((*state << 1) | bit) & (n - 1);
        }

        fn put_bits(&mut self, value: u32, n: u32) {
            for k in (0..n).rev() {
                self.cur = (self.cur << 1) | ((value >> k) & 1);
                self.ncur += 1;
                if self.ncur == 16 {
                    self.bits.push(self.cur as u16);
                    self.cur = 0;
                    self.ncur = 0;
                }
            }
        }

        fn put_length(&mut self, len: u32) {
            let slot = LENGTH_SLOTS.partition_point(|s| s.base <= len) - 1;
            let (cw, n) = self.length.encode(slot);
            self.put_bits(cw, n);
            self.put_bits(len - LENGTH_SLOTS[slot].base, LENGTH_SLOTS[slot].extra_bits);
        }

        fn literal(&mut self, b: u8) -> &mut Self {
            self.decision(MAIN, 0);
            let (cw, n) = self.literal.encode(b as usize);
            self.put_bits(cw, n);
            self
        }

        fn lz(&mut self, offset: u32, len: u32) -> &mut Self {
            self.decision(MAIN, 1);
            self.decision(MATCH, 0);
            self.decision(LZ, 0);
            let slot = OFFSET_SLOTS.partition_point(|s| s.base <= offset) - 1;
            let (cw, n) = self.lz_offset.encode(slot);
            self.put_bits(cw, n);
            self.put_bits(offset - OFFSET_SLOTS[slot].base, OFFSET_SLOTS[slot].extra_bits);
            self.put_length(len);
            self
        }

        fn rep_bits(&mut self, first: usize, idx: usize) {
            match idx {
                0 => self.decision(first, 0),
                1 => {
                    self.decision(first, 1);
                    self.decision(first + 1, 0)
                }
                _ => {
                    self.decision(first, 1);
                    self.decision(first + 1, 1)
                }
            }
        }

        fn lz_rep(&mut self, idx: usize, len: u32) -> &mut Self {
            self.decision(MAIN, 1);
            self.decision(MATCH, 0);
            self.decision(LZ, 1);
            self.rep_bits(LZ_REP, idx);
            self.put_length(len);
            self
        }

        fn delta(&mut self, power: u32, raw: u32, len: u32) -> &mut Self {
            self.decision(MAIN, 1);
            self.decision(MATCH, 1);
            self.decision(DELTA, 0);
            let (cw, n) = self.delta_power.encode(power as usize);
            self.put_bits(cw, n);
            let slot = OFFSET_SLOTS.partition_point(|s| s.base <= raw) - 1;
            let (cw, n) = self.delta_offset.encode(slot);
            self.put_bits(cw, n);
            self.put_bits(raw - OFFSET_SLOTS[slot].base, OFFSET_SLOTS[slot].extra_bits);
            self.put_length(len);
            self
        }

        fn delta_rep(&mut self, idx: usize, len: u32) -> &mut Self {
            self.decision(MAIN, 1);
            self.decision(MATCH, 1);
            self.decision(DELTA, 1);
            self.rep_bits(DELTA_REP, idx);
            self.put_length(len);
            self
        }

        /// The chunk: range-coded units, then the bit units in reverse order.
        fn finish(&mut self) -> Vec<u8> {
            for _ in 0..5 {
                self.rc.shift_low();
            }
            if self.ncur > 0 {
                self.put_bits(0, 16 - self.ncur);
            }
            let mut out: Vec<u8> = self.rc.out.iter().flat_map(|u| u.to_le_bytes()).collect();
            out.extend(self.bits.iter().rev().flat_map(|u| u.to_le_bytes()));
            out
        }
    }

    fn decode(src: &[u8], out_len: usize) -> Result<Vec<u8>, DecompressError> {
        let mut d = LzmsDecompressor::new(1 << 20).unwrap();
        let mut out = vec![0u8; out_len];
        d.decompress(src, &mut out).map(|()| out)
    }

    /// The expected output of plain bytes after the x86 filter is undone.
    fn filtered(mut data: Vec<u8>) -> Vec<u8> {
        x86::undo(&mut data, &mut x86::LastUse::new());
        data
    }

    #[test]
    fn literals() {
        let text = b"an lzms chunk of literals only";
        let mut e = Enc::new(text.len());
        for &b in text {
            e.literal(b);
        }
        assert_eq!(decode(&e.finish(), text.len()).unwrap(), text);
    }

    #[test]
    fn literals_across_code_rebuilds() {
        // 5000 literals: the literal code is rebuilt 4 times.
        let data: Vec<u8> = (0..5000u32).map(|i| b"abcdefghijklmnopqrstuvwxyz"[(i * i % 26) as usize]).collect();
        let mut e = Enc::new(data.len());
        for &b in &data {
            e.literal(b);
        }
        assert_eq!(decode(&e.finish(), data.len()).unwrap(), filtered(data));
    }

    #[test]
    fn overlapping_matches_at_every_short_offset() {
        for offset in 1..=20u32 {
            let mut want: Vec<u8> = (0..offset).map(|i| b'a' + i as u8).collect();
            let mut e = Enc::new(offset as usize + 100);
            for &b in &want {
                e.literal(b);
            }
            e.lz(offset, 100);
            for i in 0..100 {
                want.push(want[want.len() - offset as usize]);
                let _ = i;
            }
            assert_eq!(decode(&e.finish(), want.len()).unwrap(), filtered(want), "offset {offset}");
        }
    }

    #[test]
    fn match_ending_exactly_at_the_end_and_past_it() {
        let mut e = Enc::new(10);
        e.literal(b'x').literal(b'y').lz(2, 8);
        let chunk = e.finish();
        assert_eq!(decode(&chunk, 10).unwrap(), b"xyxyxyxyxy");
        // The same chunk into a smaller output: the match runs past the end.
        let mut e = Enc::new(9);
        e.literal(b'x').literal(b'y').lz(2, 8);
        let err = decode(&e.finish(), 9).unwrap_err();
        assert_eq!(err.message, "match runs past the end of the output");
    }

    #[test]
    fn match_reaching_before_the_start() {
        let mut e = Enc::new(100);
        e.literal(b'a').lz(2, 3);
        assert_eq!(decode(&e.finish(), 100).unwrap_err().message, "match offset before the start of the output");
        // A repeat match first thing: offset 1 at position 0.
        let mut e = Enc::new(100);
        e.lz_rep(0, 3);
        assert_eq!(decode(&e.finish(), 100).unwrap_err().message, "match offset before the start of the output");
    }

    #[test]
    fn repeat_offsets_use_the_delayed_queue() {
        // Queue starts 1,2,3,4. After an explicit match (offset 5), the next item
        // still sees 1,2,3 (the insertion is one item late): rep 0 = offset 1.
        let mut e = Enc::new(20);
        for &b in b"abcdefgh" {
            e.literal(b);
        }
        e.lz(5, 4); // "defg"
        e.lz_rep(0, 2); // offset 1: "gg"
        e.literal(b'z');
        // The queue is now 1,5,2,3 (1 moved to the front, 5 inserted behind it one item
        // late): rep 1 = offset 5.
        e.lz_rep(1, 3);
        e.lz_rep(0, 2); // prev was LZ: rep 0 reads one further = offset 1
        let out = decode(&e.finish(), 8 + 4 + 2 + 1 + 3 + 2).unwrap();
        let mut want = b"abcdefgh".to_vec();
        for (off, len) in [(5usize, 4usize), (1, 2)] {
            for _ in 0..len {
                want.push(want[want.len() - off]);
            }
        }
        want.push(b'z');
        for (off, len) in [(5usize, 3usize), (1, 2)] {
            for _ in 0..len {
                want.push(want[want.len() - off]);
            }
        }
        assert_eq!(out, filtered(want));
    }

    #[test]
    fn delta_matches() {
        // A rising 16-bit sequence: delta span 2, offset 2 (raw 1 << power 1).
        let mut want: Vec<u8> = Vec::new();
        for v in 0..4u16 {
            want.extend_from_slice(&(v * 3).to_le_bytes());
        }
        let mut e = Enc::new(32);
        for &b in &want.clone() {
            e.literal(b);
        }
        // The explicit pair (power 1, raw 1) is not yet in the queue for the next item:
        // its rep 0 is the initial (power 0, raw 1), span 1 offset 1.
        e.delta(1, 1, 16).delta_rep(0, 8);
        for (span, off, len) in [(2usize, 2usize, 16), (1, 1, 8)] {
            for _ in 0..len {
                let n = want.len();
                let b = want[n - off].wrapping_add(want[n - span]).wrapping_sub(want[n - off - span]);
                want.push(b);
            }
        }
        assert_eq!(decode(&e.finish(), want.len()).unwrap(), filtered(want));
    }

    #[test]
    fn delta_match_reaching_before_the_start() {
        // offset 2 + span 2 = 4 bytes back from position 3.
        let mut e = Enc::new(20);
        e.literal(1).literal(2).literal(3).delta(1, 1, 2);
        assert_eq!(decode(&e.finish(), 20).unwrap_err().message, "delta match reaches before the start of the output");
        // From position 4 it is fine.
        let mut e = Enc::new(6);
        e.literal(1).literal(2).literal(3).literal(4).delta(1, 1, 2);
        assert_eq!(decode(&e.finish(), 6).unwrap(), [1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn lengths_and_offsets_at_their_limits() {
        // The longest length (slot 53, 30 extra bits) runs past any chunk.
        let mut e = Enc::new(1000);
        e.literal(b'a').lz(1, 1_073_809_578);
        assert_eq!(decode(&e.finish(), 1000).unwrap_err().message, "match runs past the end of the output");
        // Length 0x108ab (slot 53 base) exactly filling the output.
        let n = 1 + 0x108ab;
        let mut e = Enc::new(n);
        e.literal(b'a').lz(1, 0x108ab);
        assert_eq!(decode(&e.finish(), n).unwrap(), vec![b'a'; n]);
        // The largest offset of a 70,000-byte chunk's last slot, from its last byte.
        let size = 70_000usize;
        let slots = num_offset_slots(size);
        let last = OFFSET_SLOTS[slots - 1];
        let top = last.base + (1 << last.extra_bits) - 1;
        assert!(top as usize >= size);
        let mut e = Enc::new(size);
        e.literal(b'q').lz(1, size as u32 - 2).lz(top, 1);
        assert_eq!(decode(&e.finish(), size).unwrap_err().message, "match offset before the start of the output");
        // Offset size - 1 from the last position: the first byte.
        let mut e = Enc::new(size);
        e.literal(b'q').literal(b'r').lz(1, size as u32 - 3).lz(size as u32 - 1, 1);
        let out = decode(&e.finish(), size).unwrap();
        assert_eq!(out[size - 1], b'q');
        assert_eq!(out[size - 2], b'r');
    }

    #[test]
    fn explicit_offsets_in_chunks_too_small_for_them() {
        // One byte: no offset slots; an explicit offset cannot be decoded.
        let mut e = Enc::new(300);
        e.literal(b'a').lz(1, 1);
        let chunk = e.finish();
        assert!(decode(&chunk, 300).is_ok());
        assert_eq!(decode(&chunk, 1).unwrap(), b"a");
        let mut e = Enc::new(2);
        e.lz_rep(0, 1);
        assert!(decode(&e.finish(), 1).is_err());
    }

    #[test]
    fn short_odd_oversized_and_empty() {
        let mut d = LzmsDecompressor::new(100).unwrap();
        let mut out = [0u8; 10];
        for src in [&[][..], &[0], &[0, 0], &[0, 0, 0]] {
            assert_eq!(d.decompress(src, &mut out).unwrap_err().message, "compressed chunk shorter than 4 bytes");
        }
        assert!(d.decompress(&[0; 5], &mut out).is_err());
        let mut big = [0u8; 101];
        assert!(d.decompress(&[0; 8], &mut big).is_err());
        // Nothing to produce: fine.
        assert!(d.decompress(&[0; 4], &mut []).is_ok());
        assert!(LzmsDecompressor::new((1 << 30) + 1).is_err());
    }

    #[test]
    fn reuse_after_errors_gives_the_same_output() {
        let text = b"reuse reuse reuse";
        let mut e = Enc::new(text.len());
        for &b in &text[..6] {
            e.literal(b);
        }
        e.lz(6, 11);
        let good = e.finish();
        let mut d = LzmsDecompressor::new(1 << 16).unwrap();
        let mut out = vec![0u8; text.len()];
        d.decompress(&good, &mut out).unwrap();
        assert_eq!(&out, text);
        let garbage: Vec<u8> = (0..200u32).map(|i| (i * 97 + 13) as u8).collect();
        let mut junk = vec![0u8; 5000];
        let _ = d.decompress(&garbage, &mut junk);
        out.fill(0);
        d.decompress(&good, &mut out).unwrap();
        assert_eq!(&out, text);
    }
}
