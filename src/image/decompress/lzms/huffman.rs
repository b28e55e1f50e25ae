//! LZMS's adaptive Huffman codes. Each code starts with every symbol at frequency 1;
//! every decoded symbol adds 1 to its frequency, and after a fixed number of symbols
//! the code is rebuilt from the frequencies, which are then halved (`f / 2 + 1`).
//!
//! Encoder and decoder must build the same code from the same frequencies. The public
//! format notes (wimlib's `lzms_decompress.c`) state the rule: a Huffman code built as
//! by the priority-queue algorithm with frequency ties broken in favour of leaves, in
//! canonical form (shorter codewords first, then by symbol). Concretely, as wimlib's
//! `make_canonical_huffman_code` does it, which decodes Microsoft's data:
//! - symbols sorted by (frequency, symbol);
//! - the tree built with two queues (sorted leaves, internal nodes in creation order),
//!   a leaf taken before an internal node of equal frequency;
//! - codeword lengths counted per tree depth and handed out longest first along that
//!   sorted order (so among equal frequencies the lower symbol gets the longer code);
//! - lengths over 15 bits, which valid LZMS data never produces, folded as wimlib does:
//!   a node deeper than 15 takes the deepest shorter length still available.
//!
//! Decoding is table-driven: a primary table indexed by the next `TB` bits, and for
//! longer codewords subtables indexed by the next `sub_bits` bits after those.

use super::bits::BitReader;
use super::tables::MAX_CODEWORD_LENGTH;

const MAX_LEN: usize = MAX_CODEWORD_LENGTH as usize;
/// A table entry: symbol in the high 16 bits, bits to consume in the low 4.
/// With `SUB` set, the high 16 bits are the start of a subtable instead.
const SUB: u32 = 0x8000;
/// Decodes to no symbol: the code could not be built (fewer than 2 symbols).
const INVALID: u32 = 0xFFFF_0000;
/// Symbols fit in 10 bits beside the frequency in a sort key.
const SYM_BITS: u32 = 10;

/// One adaptive code over at most `NSYMS` symbols, with a `TB`-bit primary table;
/// `TLEN` must be at least `2^TB + NSYMS * 2^(15 - TB)` (primary plus the largest
/// possible set of subtables).
pub struct AdaptiveCode<const TB: u32, const NSYMS: usize, const TLEN: usize> {
    num_syms: usize,
    rebuild_freq: u32,
    until_rebuild: u32,
    sub_bits: u32,
    freqs: [u32; NSYMS],
    lens: [u8; NSYMS],
    table: [u32; TLEN],
    // Scratch space for rebuilding.
    keys: [u32; NSYMS],
    node_freq: [u32; NSYMS],
    node_parent: [u16; NSYMS],
    order: [u16; NSYMS],
}

impl<const TB: u32, const NSYMS: usize, const TLEN: usize> AdaptiveCode<TB, NSYMS, TLEN> {
    const SIZES_OK: () = assert!(
        TB as usize <= MAX_LEN && NSYMS < (1 << SYM_BITS) && TLEN >= (1 << TB) + (NSYMS << (MAX_LEN - TB as usize))
    );

    pub fn new(rebuild_freq: u32) -> Box<Self> {
        #[allow(clippy::let_unit_value)]
        let () = Self::SIZES_OK;
        Box::new(AdaptiveCode {
            num_syms: 0,
            rebuild_freq,
            until_rebuild: rebuild_freq,
            sub_bits: 0,
            freqs: [0; NSYMS],
            lens: [0; NSYMS],
            table: [INVALID; TLEN],
            keys: [0; NSYMS],
            node_freq: [0; NSYMS],
            node_parent: [0; NSYMS],
            order: [0; NSYMS],
        })
    }

    /// Start a chunk: `num_syms` (<= NSYMS) symbols, all at frequency 1.
    pub fn reset(&mut self, num_syms: usize) {
        self.num_syms = num_syms.min(NSYMS);
        self.freqs[..self.num_syms].fill(1);
        self.build();
    }

    /// Decode one symbol and count it; None when the code has no symbols.
    #[inline(always)]
    pub fn decode(&mut self, br: &mut BitReader, src: &[u8]) -> Option<u32> {
        br.ensure(src, MAX_CODEWORD_LENGTH);
        let mut e = self.table[br.peek(TB) as usize];
        if e & SUB != 0 {
            br.consume(TB);
            e = *self.table.get((e >> 16) as usize + br.peek(self.sub_bits) as usize)?;
        }
        br.consume(e & 0xF);
        let sym = e >> 16;
        *self.freqs.get_mut(sym as usize)? += 1;
        self.until_rebuild -= 1;
        if self.until_rebuild == 0 {
            self.rebuild();
        }
        Some(sym)
    }

    #[cold]
    #[inline(never)]
    fn rebuild(&mut self) {
        self.build();
        for f in &mut self.freqs[..self.num_syms] {
            *f = (*f >> 1) + 1;
        }
    }

    /// Build the code from the current frequencies (all nonzero) and its decode table.
    fn build(&mut self) {
        self.until_rebuild = self.rebuild_freq;
        if !self.build_lengths() || !self.build_table() {
            self.table[..1 << TB].fill(INVALID);
            self.sub_bits = 0;
        }
    }

    /// Codeword lengths into `lens`; false when there are fewer than 2 symbols.
    fn build_lengths(&mut self) -> bool {
        let n = self.num_syms;
        if n < 2 {
            return false;
        }
        // Frequencies stay below 2^21 (at most rebuild_freq added between halvings).
        for (s, (k, &f)) in self.keys[..n].iter_mut().zip(&self.freqs[..n]).enumerate() {
            *k = (f << SYM_BITS) | s as u32;
        }
        self.keys[..n].sort_unstable();

        // Two queues: leaves keys[leaf..], internal nodes node_freq[inner..made].
        let (mut leaf, mut inner) = (0usize, 0usize);
        for made in 0..n - 1 {
            let mut sum = 0u32;
            for _ in 0..2 {
                let take_leaf = leaf < n && (inner == made || (self.keys[leaf] >> SYM_BITS) <= self.node_freq[inner]);
                if take_leaf {
                    sum += self.keys[leaf] >> SYM_BITS;
                    leaf += 1;
                } else {
                    sum += self.node_freq[inner];
                    self.node_parent[inner] = made as u16;
                    inner += 1;
                }
            }
            self.node_freq[made] = sum;
        }

        // Depths of the internal nodes (root = n - 2, parents come later), reusing
        // node_freq; then the number of leaves at each depth: the root's two children
        // start as leaves at depth 1, and each further internal node, visited from the
        // root down, replaces a leaf at its depth by two one level deeper.
        let root = n - 2;
        self.node_freq[root] = 0;
        let mut counts = [0u32; MAX_LEN + 1];
        counts[1] = 2;
        for k in (0..root).rev() {
            let depth = self.node_freq[self.node_parent[k] as usize] + 1;
            self.node_freq[k] = depth;
            let mut len = depth as usize;
            if len >= MAX_LEN {
                len = MAX_LEN - 1;
                while len > 1 && counts[len] == 0 {
                    len -= 1;
                }
            }
            if counts[len] == 0 {
                return false;
            }
            counts[len] -= 1;
            counts[len + 1] += 2;
        }

        // Longest codes to the least frequent symbols.
        let mut sorted = self.keys[..n].iter();
        for len in (1..=MAX_LEN).rev() {
            for _ in 0..counts[len] {
                match sorted.next() {
                    Some(&k) => self.lens[(k & ((1 << SYM_BITS) - 1)) as usize] = len as u8,
                    None => return false,
                }
            }
        }
        sorted.next().is_none()
    }

    /// The canonical code's decode table from `lens`; false when the lengths do not
    /// form a complete prefix code.
    fn build_table(&mut self) -> bool {
        let n = self.num_syms;
        let tb = TB as usize;
        // Symbols ordered by (length, symbol).
        let mut counts = [0u16; MAX_LEN + 2];
        for &l in &self.lens[..n] {
            counts[l as usize] += 1;
        }
        let max_len = (1..=MAX_LEN).rev().find(|&l| counts[l] != 0).unwrap_or(0);
        let mut start = [0u16; MAX_LEN + 2];
        for l in 1..=MAX_LEN {
            start[l + 1] = start[l] + counts[l];
        }
        for (s, &l) in self.lens[..n].iter().enumerate() {
            if l != 0 {
                let slot = &mut start[l as usize];
                self.order[*slot as usize] = s as u16;
                *slot += 1;
            }
        }
        let total = (n - counts[0] as usize).min(NSYMS);

        let sub_bits = max_len.saturating_sub(tb);
        self.sub_bits = sub_bits as u32;
        let mut codeword = 0u32;
        let mut prev_len = 0usize;
        let mut cur_prefix = u32::MAX;
        let mut sub_start = 0usize;
        let mut next_sub = 1usize << tb;
        for k in 0..total {
            let s = self.order[k] as usize;
            let len = self.lens[s] as usize;
            if k > 0 {
                codeword += 1;
            }
            codeword <<= len - prev_len;
            prev_len = len;
            if codeword >> len != 0 {
                return false; // over-subscribed
            }
            if len <= tb {
                let first = (codeword as usize) << (tb - len);
                let Some(run) = self.table.get_mut(first..first + (1 << (tb - len))) else { return false };
                run.fill(((s as u32) << 16) | len as u32);
            } else {
                let extra = len - tb;
                let prefix = codeword >> extra;
                if prefix != cur_prefix {
                    cur_prefix = prefix;
                    sub_start = next_sub;
                    next_sub += 1 << sub_bits;
                    if next_sub > TLEN {
                        return false;
                    }
                    self.table[prefix as usize] = ((sub_start as u32) << 16) | SUB;
                }
                let suffix = (codeword as usize) & ((1 << extra) - 1);
                let first = sub_start + (suffix << (sub_bits - extra));
                let Some(run) = self.table.get_mut(first..first + (1 << (sub_bits - extra))) else { return false };
                run.fill(((s as u32) << 16) | extra as u32);
            }
        }
        // Complete: the last codeword is all ones.
        total >= 2 && codeword + 1 == 1 << prev_len
    }

    #[cfg(test)]
    pub fn lens(&self) -> &[u8] {
        &self.lens[..self.num_syms]
    }

    /// The codeword of `sym` (right-aligned) and its length, counting the symbol as
    /// `decode` does: the encoder side, for tests.
    #[cfg(test)]
    pub fn encode(&mut self, sym: usize) -> (u32, u32) {
        let lens = &self.lens[..self.num_syms];
        let mut counts = [0u32; MAX_LEN + 1];
        for &l in lens {
            counts[l as usize] += 1;
        }
        let mut first = [0u32; MAX_LEN + 1];
        for l in 2..=MAX_LEN {
            first[l] = (first[l - 1] + counts[l - 1]) << 1;
        }
        let len = lens[sym] as usize;
        let cw = first[len] + lens[..sym].iter().filter(|&&l| l as usize == len).count() as u32;
        self.freqs[sym] += 1;
        self.until_rebuild -= 1;
        if self.until_rebuild == 0 {
            self.rebuild();
        }
        (cw, len as u32)
    }

    #[cfg(test)]
    pub fn set_freqs(&mut self, freqs: &[u32]) {
        self.num_syms = freqs.len();
        self.freqs[..freqs.len()].copy_from_slice(freqs);
        self.build();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::decompress::lzms::bits::BitReader;

    type Code = AdaptiveCode<4, 16, { 16 + (16 << 11) }>;

    /// Canonical codewords from lengths (test reference).
    fn codewords(lens: &[u8]) -> Vec<u32> {
        let mut next = [0u32; 17];
        let mut counts = [0u32; 17];
        for &l in lens {
            counts[l as usize] += 1;
        }
        counts[0] = 0;
        for l in 1..=16 {
            next[l] = (next[l - 1] + counts[l - 1]) << 1;
        }
        lens.iter()
            .map(|&l| {
                let c = next[l as usize];
                next[l as usize] += 1;
                c
            })
            .collect()
    }

    #[test]
    fn equal_frequencies_give_a_balanced_code() {
        let mut c = Code::new(1000);
        c.reset(8);
        assert_eq!(c.lens(), &[3; 8]);
        c.reset(5);
        // Two leaves are paired first (0,1), then (2,3), then 4 with (0,1):
        // lengths 3,3 for the two least frequent in sorted order, 2 for the rest.
        assert_eq!(c.lens(), &[3, 3, 2, 2, 2]);
    }

    #[test]
    fn ties_favour_leaves_and_lower_symbols_get_longer_codes() {
        let mut c = Code::new(1000);
        // Frequencies 1,1,2: the node (1,1)=2 ties with leaf 2; the leaf goes first.
        c.set_freqs(&[1, 1, 2]);
        assert_eq!(c.lens(), &[2, 2, 1]);
        c.set_freqs(&[5, 1, 1, 1]);
        assert_eq!(c.lens(), &[1, 3, 3, 2]);
        // Fibonacci frequencies give the deepest tree for their total.
        c.set_freqs(&[1, 1, 2, 3, 5, 8]);
        assert_eq!(c.lens(), &[5, 5, 4, 3, 2, 1]);
    }

    #[test]
    fn table_decodes_every_symbol_including_long_codes() {
        let mut c = Code::new(1000);
        // Lengths up to 12 bits with a 4-bit primary table: subtables.
        let freqs: Vec<u32> = (0..13).map(|i| 1u32 << i).collect();
        c.set_freqs(&freqs);
        let lens = c.lens().to_vec();
        assert_eq!(lens.iter().max(), Some(&12));
        let cws = codewords(&lens);
        for sym in 0..13 {
            // Encode one codeword at the top of a 16-bit unit, then decode it.
            let unit = (cws[sym] << (16 - lens[sym])) as u16;
            let src = unit.to_le_bytes();
            let mut br = BitReader::new(&src);
            assert_eq!(c.decode(&mut br, &src), Some(sym as u32), "symbol {sym}");
            c.set_freqs(&freqs);
        }
    }

    #[test]
    fn a_code_with_fewer_than_two_symbols_decodes_nothing() {
        let mut c = Code::new(1000);
        for n in [0, 1] {
            c.reset(n);
            let src = [0u8; 4];
            let mut br = BitReader::new(&src);
            assert_eq!(c.decode(&mut br, &src), None);
        }
    }

    #[test]
    fn rebuild_after_the_set_number_of_symbols_halves_frequencies() {
        let mut c = AdaptiveCode::<4, 16, { 16 + (16 << 11) }>::new(4);
        c.reset(4);
        assert_eq!(c.lens(), &[2, 2, 2, 2]);
        // Four symbols 3 (codeword 11): frequencies 1,1,1,5 -> rebuilt, then 1,1,1,3.
        let src = [0xFF, 0xFF];
        let mut br = BitReader::new(&src);
        for _ in 0..4 {
            assert_eq!(c.decode(&mut br, &src), Some(3));
        }
        assert_eq!(c.lens(), &[3, 3, 2, 1]);
        assert_eq!(&c.freqs[..4], &[1, 1, 1, 3]);
    }
}
