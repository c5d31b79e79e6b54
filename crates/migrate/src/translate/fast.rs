//! The fast path: same-size renumbering at lookup-table speed, walking a large program in
//! several speculative segments at once (see [`Translator::same_size`]).

use super::codec::Decoded;
use super::rules::Rule;
use super::{Stats, Translator};

/// Walks interleaved by the same-size path: enough independent load chains to hide the latency
/// of one (two dependent loads per instruction) behind the others. Eight measured no faster.
pub(super) const CHAINS: usize = 4;
/// Programs shorter than `CHAINS` segments of this many bytes are walked by one chain: cutting
/// them gains little and costs a stitch per segment.
pub(super) const MIN_SEGMENT: usize = 4096;
/// True steps into a segment after which the stitch stops hoping to meet that segment's guessed
/// walk (instructions of one size out of phase never meet) and undoes it in one copy.
const MAX_MISSES: usize = 64;

/// The same-size path's cuts are a multiple of this many bytes from a true instruction start.
const PHASE: usize = 60;

/// What the same-size path has done so far: instructions walked, and those left for the
/// general encoder (encoded last, once no guess can be undone over them).
#[derive(Debug, Default)]
struct Done {
    count: usize,
    slow: Vec<(usize, Decoded)>,
}

/// One speculative walk of the same-size path: it visited `steps` instruction starts in
/// `start..stop`.
#[derive(Debug, Clone, Copy, Default)]
struct Chain {
    start: usize,
    stop: usize,
    steps: usize,
}

/// Where [`Translator::stitch`] left a window.
enum Stitched {
    /// The chains were given up at this true instruction start: cut again from there.
    Restart(usize),
    /// The first instruction start at or past the window's end (or the program's end).
    End(usize),
}

/// The fast-path tables of a [`Translator`] (see its fields).
pub(super) struct FastTables {
    pub(super) fast: Box<[u32; 256]>,
    pub(super) max_fast: usize,
}

/// Builds the fast-path tables of the rules.
pub(super) fn fast_tables(rules: &[Rule]) -> FastTables {
    let mut fast = Box::new([0u32; 256]);
    for rule in rules {
        if let (1, Ok(src), Ok(m)) = (rule.bytes.len(), &rule.src, &rule.map) {
            if m.fast {
                let b = usize::from(rule.bytes.as_slice()[0]);
                fast[b] = ((src.fixed as u32) << 8) | u32::from(m.bytes.as_slice()[0]);
            }
        }
    }
    for (b, e) in fast.iter_mut().enumerate() {
        if *e >> 8 == 0 {
            *e = b as u32;
        }
    }
    let max_fast = fast.iter().map(|e| (e >> 8) as usize).max().unwrap_or(0);
    FastTables { fast, max_fast }
}

impl Translator {
    /// The fast path: every instruction keeps its size, so the output is the input with opcodes
    /// (and, for re-encoded instructions, operands) rewritten in place. `None` means "use the
    /// two-pass mode": a size changed or an error needs the two-pass mode's report. `out` is
    /// cleared first and holds the whole translation when this succeeds.
    ///
    /// Walking the program is a dependent chain — where an instruction starts depends on the size
    /// of the one before — so one walk is bound by load latency (two loads per instruction), not
    /// by bandwidth. Large programs are therefore cut into [`CHAINS`] segments walked at the same
    /// time, each from its segment's first byte as if an instruction started there (see
    /// [`Translator::speculate`]); [`Translator::stitch`] then follows the true instruction
    /// boundaries across the cuts, keeps a segment's work from the first boundary the two walks
    /// share (from there on they are the same walk), and undoes the rest; when they never meet,
    /// the cutting starts again from the true walk's position.
    pub(super) fn same_size(&self, input: &[u8], out: &mut Vec<u8>) -> Option<Stats> {
        let (end, count) = self.same_size_window(input, 0, input.len(), out, None)?;
        debug_assert_eq!(end, input.len(), "one window is the whole program");
        Some(Stats::same_size(input, count))
    }

    /// The same-size path written window by window through `write_at` (each window's bytes at
    /// their offset, in order), so its memory is one window, not a copy of the program:
    /// `Ok(None)` when the path does not apply (see [`Translator::same_size`]), after which the
    /// caller writes the whole translation again from offset 0 — a translation that keeps
    /// every size has the input's length, so it covers every byte written here.
    pub(super) fn same_size_at<F>(
        &self,
        input: &[u8],
        window: usize,
        write_at: &F,
    ) -> std::io::Result<Option<Stats>>
    where
        F: Fn(&[u8], u64) -> std::io::Result<()>,
    {
        let n = input.len();
        let mut out = Vec::with_capacity(window.min(n) + 64);
        let (mut from, mut count) = (0, 0);
        while from < n {
            let to = from.saturating_add(window.max(1));
            let Some((end, c)) = self.same_size_window(input, from, to, &mut out, None) else {
                return Ok(None);
            };
            write_at(&out, from as u64)?;
            count += c;
            from = end;
        }
        Ok(Some(Stats::same_size(input, count)))
    }

    /// The same-size path over the instructions that start in `from..to` (`from` a true
    /// instruction start, `to` clamped to the program), cut every `segment` bytes when given
    /// (tests cut small programs in many places), else into [`CHAINS`] segments of at least
    /// [`MIN_SEGMENT`] bytes. `out` (cleared first) receives the translation of `from..end`,
    /// where `end` is the first instruction start at or past `to`; returns `end` and the
    /// number of instructions, or `None` as [`Translator::same_size`] does.
    pub(super) fn same_size_window(
        &self,
        input: &[u8],
        from: usize,
        to: usize,
        out: &mut Vec<u8>,
        segment: Option<usize>,
    ) -> Option<(usize, usize)> {
        let n = input.len();
        let to = to.min(n);
        // The window's bytes, indexed from `from`: instructions keep their sizes, so the
        // output is the input rewritten in place.
        out.clear();
        out.extend_from_slice(&input[from..to]);
        let base = from;
        // A chain stops before any fast instruction could run past the end, so its steps need
        // no size check; the stitch walks the last few bytes with the check.
        let safe_end = n.saturating_sub(self.max_fast);
        let mut done = Done::default();
        // `at` is a true instruction start with everything before it translated (but for the
        // deferred slow instructions) and everything after it still a copy of the input.
        let mut at = from;
        let end = loop {
            let rest = to - at;
            let segment = segment.unwrap_or(if rest >= CHAINS * MIN_SEGMENT {
                // Cuts a multiple of 60 bytes from a true start are in phase with any run of
                // equal-sized instructions (sizes 1–6) that began in phase with it.
                (rest / CHAINS) / PHASE * PHASE
            } else {
                rest.max(1)
            });
            let mut starts = [to; CHAINS];
            let mut limits = [0; CHAINS];
            for (j, (start, limit)) in starts.iter_mut().zip(&mut limits).enumerate() {
                let lo = at.saturating_add(j.saturating_mul(segment)).min(to);
                let hi = if j + 1 == CHAINS {
                    to
                } else {
                    at.saturating_add((j + 1).saturating_mul(segment)).min(to)
                };
                *start = lo;
                *limit = hi.min(safe_end).max(lo);
            }
            let spec = self.speculate(input, out, base, starts, limits);
            match self.stitch(input, out, base, to, &spec, limits, &mut done)? {
                Stitched::Restart(restart) => at = restart,
                Stitched::End(end) => break end,
            }
        };
        // The last instruction may reach past `to`: its other bytes are the input's (a fast
        // step rewrites only the first), unless it is a slow one, encoded below.
        if end > base + out.len() {
            out.extend_from_slice(&input[base + out.len()..end]);
        }
        for (pos, d) in done.slow {
            let (m, _) = self.target_of(input, pos, &d).ok()?;
            let stop = pos + d.len;
            self.encode(
                &d,
                m,
                &input[pos..stop],
                &mut out[pos - base..stop - base],
                (stop, stop),
                &|_, _, target| Ok(target),
            )
            .ok()?;
        }
        Some((end, done.count))
    }

    /// Walks the [`CHAINS`] segments at once, interleaved so that their load chains overlap.
    /// Chain `j` starts at `starts[j]`, takes fast (renumber-only) steps while its position is
    /// below `limits[j]`, and writes each new opcode byte into `out` (the window from `base`).
    /// Chain 0 starts at a true boundary; the others guess. Returns each chain's `(start, stop,
    /// steps)`: it visited
    /// `steps` positions in `start..stop`, and stopped at `stop` (its limit, or an instruction
    /// it cannot take fast, not written).
    ///
    /// A chain writes only at positions in `starts[j]..limits[j]`, ranges that do not overlap,
    /// and at most once per position, so a write at a position that turns out not to start an
    /// instruction is undone by copying the input byte back.
    fn speculate(
        &self,
        input: &[u8],
        out: &mut [u8],
        base: usize,
        starts: [usize; CHAINS],
        limits: [usize; CHAINS],
    ) -> [Chain; CHAINS] {
        let fast = &*self.fast;
        let mut pos = starts;
        let mut steps = [0usize; CHAINS];
        // All chains together while every one can step. An entry that cannot be taken fast has
        // size 0 and its own byte as the "new opcode", so stepping on it rewrites the byte with
        // itself and stays put; the round then ends the interleaved walk.
        while pos.iter().zip(&limits).all(|(p, l)| p < l) {
            let mut stuck = false;
            for j in 0..CHAINS {
                let p = pos[j];
                let e = fast[usize::from(input[p])];
                let size = (e >> 8) as usize;
                out[p - base] = e as u8;
                stuck |= size == 0;
                steps[j] += usize::from(size != 0);
                pos[j] = p + size;
            }
            if stuck {
                break;
            }
        }
        // Each chain finishes alone (segments end at slightly different rounds).
        let mut chains = [Chain::default(); CHAINS];
        for j in 0..CHAINS {
            let mut p = pos[j];
            while p < limits[j] {
                let e = fast[usize::from(input[p])];
                let size = (e >> 8) as usize;
                if size == 0 {
                    break;
                }
                out[p - base] = e as u8;
                p += size;
                steps[j] += 1;
            }
            chains[j] = Chain {
                start: starts[j],
                stop: p,
                steps: steps[j],
            };
        }
        chains
    }

    /// Follows the true instruction boundaries from the first chain's start to the first
    /// instruction start at or past `to`: over chain 0's work, then instruction by instruction,
    /// and over chain `k`'s work from the first position it shares with the true walk. A
    /// position of chain `k` that the true walk passes is not an instruction start: its byte
    /// is copied back from the input. Instructions that need the general encoder are encoded
    /// at the end, after every guess has been undone, so an undo never overwrites them. `out`
    /// holds the window from `base`.
    #[allow(clippy::too_many_arguments)]
    fn stitch(
        &self,
        input: &[u8],
        out: &mut [u8],
        base: usize,
        to: usize,
        spec: &[Chain; CHAINS],
        limits: [usize; CHAINS],
        done: &mut Done,
    ) -> Option<Stitched> {
        let n = input.len();
        let fast = &*self.fast;
        let size_at = |p: usize| (fast[usize::from(input[p])] >> 8) as usize;
        let mut t = spec[0].stop;
        let mut count = spec[0].steps;
        // The chain being matched against the true walk, its next unresolved position, how many
        // of its positions were undone, and how many true steps have not met it.
        let mut k = 1;
        let mut q = spec.get(1).map_or(to, |c| c.start);
        let mut undone = 0;
        let mut misses = 0;
        loop {
            while k < CHAINS {
                let c = &spec[k];
                while q < t && q < c.stop {
                    out[q - base] = input[q];
                    q += size_at(q);
                    undone += 1;
                }
                if q == t || q >= c.stop {
                    if q == t {
                        // Same position, same walk: chain k's work from here is right.
                        count += c.steps - undone;
                        t = c.stop;
                    }
                    k += 1;
                    q = spec.get(k).map_or(to, |c| c.start);
                    undone = 0;
                    misses = 0;
                    continue;
                }
                if misses > MAX_MISSES {
                    // The walks have not met (e.g. equal sizes, out of phase). Everything from t
                    // on is untouched by the true walk (t < q < limits[k] ≤ later starts): copy
                    // the input back over chain k's rest and the later chains, and start again
                    // from t, a true start, with cuts in phase with it.
                    out[q - base..limits[k] - base].copy_from_slice(&input[q..limits[k]]);
                    for (c, &limit) in spec.iter().zip(&limits).skip(k + 1) {
                        out[c.start - base..limit - base].copy_from_slice(&input[c.start..limit]);
                    }
                    done.count += count;
                    return Some(Stitched::Restart(t));
                }
                break;
            }
            if t >= to {
                break;
            }
            // Before the next chain's segment there is nothing to meet: a plain walk (this is
            // where a segment whose guess was given up, or a short program's tail, is walked).
            let next = spec
                .get(k)
                .map_or(to, |c| c.start)
                .min(n.saturating_sub(self.max_fast));
            let before = t;
            while t < next {
                let e = fast[usize::from(input[t])];
                let size = (e >> 8) as usize;
                if size == 0 {
                    break;
                }
                out[t - base] = e as u8;
                t += size;
                count += 1;
            }
            if t != before {
                // The next chain may start at (or before) where this walk stopped.
                continue;
            }
            let e = fast[usize::from(input[t])];
            let size = (e >> 8) as usize;
            if size != 0 && size <= n - t {
                out[t - base] = e as u8;
                t += size;
            } else {
                let d = self.decode_at(input, t).ok()?;
                let (_, len) = self.target_of(input, t, &d).ok()?;
                if len != d.len {
                    return None;
                }
                done.slow.push((t, d));
                t += len;
            }
            count += 1;
            if t > spec.get(k).map_or(to, |c| c.start) {
                misses += 1;
            }
        }
        done.count += count;
        Some(Stitched::End(t))
    }
}
