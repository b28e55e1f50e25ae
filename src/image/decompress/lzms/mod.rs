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

use super::{Codec, DecompressError, Decompressor};
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
