//! The two-pass mode: size-changing translation, with every instruction's new position recorded
//! in a relocation map ([`StartMap`]) and branch offsets recomputed from it.

use super::{ErrorKind, Stats, TranslateError, Translator};

/// Instruction starts when sizes changed; `None` when offsets are unchanged.
pub(super) type Starts = Option<StartMap>;

/// Where every source instruction starts, and where it starts in the target: the relocation
/// map of a size-changing translation, in memory bounded per 64-byte block of input rather
/// than per instruction.
///
/// One bit per source byte marks the source starts, one bit per target byte the target starts,
/// and each 64-byte block of the source (one word of its bits) records the target offset of
/// its first start. The `k`-th start of a block lands at the `k`-th target start from there —
/// instructions keep their order — so a lookup is a popcount in the source word and a select
/// in the target bits. That is a quarter of a byte per source byte plus an eighth per target
/// byte, against 16 bytes per instruction for a list of `(source, target)` pairs (about 5 bytes
/// per byte of typical bytecode).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct StartMap {
    len: usize,
    total: usize,
    source: Vec<u64>,
    target: Vec<u64>,
    /// Per source block: the target offset of its first start (of the next start, for a block
    /// holding none).
    base: Vec<usize>,
    count: usize,
}

// `new` and `push` are marked `#[inline]` because they are called from `two_pass` below, which
// is inlined into `Translator::run` in another codegen unit: without the hint they stay calls,
// where they were inlined while translation was one file (the two-pass benchmarks measure it).
impl StartMap {
    #[inline]
    fn new(len: usize) -> StartMap {
        StartMap {
            len,
            total: 0,
            source: vec![0; len / 64 + 1],
            target: Vec::new(),
            base: Vec::with_capacity(len / 64 + 1),
            count: 0,
        }
    }

    /// Records an instruction at `source` that starts at `target`; calls come in order.
    #[inline]
    fn push(&mut self, source: usize, target: usize) {
        self.source[source / 64] |= 1 << (source % 64);
        let word = target / 64;
        if word >= self.target.len() {
            // Grown by doubling, like a Vec, so the total cost stays linear.
            let want = (word + 1).max(self.target.len() * 2);
            self.target.resize(want, 0);
        }
        self.target[word] |= 1 << (target % 64);
        while self.base.len() <= source / 64 {
            self.base.push(target);
        }
        self.count += 1;
    }

    fn finish(&mut self, total: usize) {
        self.total = total;
        self.target.truncate(total / 64 + 1);
        self.target.shrink_to_fit();
    }

    /// The target start of the instruction starting at `source`; the target's end for the
    /// source's end; `None` inside an instruction or past the end.
    pub(super) fn target_of(&self, source: usize) -> Option<usize> {
        if source == self.len {
            return Some(self.total);
        }
        if source > self.len {
            return None;
        }
        let word = self.source[source / 64];
        if word & (1 << (source % 64)) == 0 {
            return None;
        }
        // Starts before `source` in its block.
        let mut k = (word & ((1u64 << (source % 64)) - 1)).count_ones();
        let base = *self.base.get(source / 64)?;
        let mut w = base / 64;
        let mut bits = *self.target.get(w)? & (u64::MAX << (base % 64));
        loop {
            let c = bits.count_ones();
            if k < c {
                for _ in 0..k {
                    bits &= bits - 1;
                }
                return Some(w * 64 + bits.trailing_zeros() as usize);
            }
            k -= c;
            w += 1;
            bits = *self.target.get(w)?;
        }
    }
}

impl Translator {
    /// The general path: pass 1 decodes and places every instruction, pass 2 encodes with
    /// branch offsets recomputed.
    pub(super) fn two_pass(
        &self,
        input: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(Stats, Starts), TranslateError> {
        // Pass 1 records only where instructions start (the relocation map, see `StartMap`);
        // pass 2 walks again and decodes again where it needs to, which is cheaper than keeping
        // every decoded instruction of a large program in fresh memory.
        let n = input.len();
        let mut starts = StartMap::new(n);
        // A decode error anywhere wins over a mapping error, whichever comes first in the
        // stream: the first mapping error is held until the whole input has decoded.
        let mut mapping_error = None;
        let (mut pos, mut at) = (0usize, 0usize);
        while pos < n {
            let size = (self.fast[usize::from(input[pos])] >> 8) as usize;
            if size != 0 && size <= n - pos {
                // Renumbered only: it decodes, maps, and keeps its size.
                starts.push(pos, at);
                at += size;
                pos += size;
                continue;
            }
            let d = self.decode_at(input, pos)?;
            if mapping_error.is_none() {
                starts.push(pos, at);
                match self.target_of(input, pos, &d) {
                    Ok((_, len)) => at += len,
                    Err(e) => mapping_error = Some(e),
                }
            }
            pos += d.len;
        }
        if let Some(e) = mapping_error {
            return Err(e);
        }
        let total = at;
        starts.finish(total);
        out.clear();
        out.resize(total, 0);
        let reloc = |field: &str, offset: i128, target: i128| -> Result<i128, ErrorKind> {
            let fail = |why: String| ErrorKind::BranchTarget {
                field: field.to_string(),
                offset,
                target,
                why,
            };
            if target < 0 || target > n as i128 {
                return Err(fail(format!("outside the program (0..={n})")));
            }
            match starts.target_of(target as usize) {
                Some(t) => Ok(t as i128),
                None => Err(fail(
                    "which is inside an instruction, not at its start".into(),
                )),
            }
        };
        let plain = |s: usize| self.plain[usize::from(input[s])];
        let fast_size = |s: usize| (self.fast[usize::from(input[s])] >> 8) as usize;
        let mut fixed = 0;
        let (mut s, mut t) = (0usize, 0usize);
        while s < n {
            if plain(s) {
                // A run of instructions the encoder would write as they are, with new opcodes
                // (see `Mapping::plain`): they keep their sizes (pass 1 checked that each fits),
                // so the run is one copy and then one opcode byte each.
                let mut end = s;
                while end < n && plain(end) {
                    end += fast_size(end);
                }
                out[t..t + (end - s)].copy_from_slice(&input[s..end]);
                let mut q = s;
                while q < end {
                    out[t + (q - s)] = self.fast[usize::from(input[q])] as u8;
                    q += fast_size(q);
                }
                t += end - s;
                s = end;
                continue;
            }
            let d = self.decode_at(input, s)?;
            let (m, len) = self.target_of(input, s, &d)?;
            fixed += self
                .encode(
                    &d,
                    m,
                    &input[s..s + d.len],
                    &mut out[t..t + len],
                    (s + d.len, t + len),
                    &reloc,
                )
                .map_err(|e| self.fail(input, s, Some(&d), e))?;
            s += d.len;
            t += len;
        }
        let stats = Stats {
            instructions: starts.count,
            bytes_in: n,
            bytes_out: total,
            branches_fixed: fixed,
            same_size: false,
        };
        Ok((stats, Some(starts)))
    }
}

#[cfg(test)]
mod start_map_tests {
    use super::StartMap;

    /// The compact map answers every offset exactly as a plain list of `(source, target)` pairs.
    #[test]
    fn agrees_with_a_list_of_pairs() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..300 {
            let len_in = (next() % 2000) as usize;
            let mut pairs = Vec::new();
            let mut map = StartMap::new(len_in);
            let (mut s, mut t) = (0usize, 0usize);
            while s < len_in {
                let size = 1 + (next() % 7) as usize;
                let size = size.min(len_in - s);
                // Output sizes from 1 byte to long payloads, so target runs cross many words.
                let out = match next() % 10 {
                    0 => 200 + (next() % 300) as usize,
                    _ => 1 + (next() % 8) as usize,
                };
                pairs.push((s, t));
                map.push(s, t);
                s += size;
                t += out;
            }
            map.finish(t);
            assert_eq!(map.count, pairs.len());
            for source in 0..=len_in + 2 {
                let want = if source == len_in {
                    Some(t)
                } else {
                    pairs
                        .binary_search_by_key(&source, |&(s, _)| s)
                        .ok()
                        .map(|i| pairs[i].1)
                };
                assert_eq!(map.target_of(source), want, "offset {source}");
            }
        }
    }
}
