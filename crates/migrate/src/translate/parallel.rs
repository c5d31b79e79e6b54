//! The two-pass mode on several threads: pass 1 as speculative segments stitched into one
//! relocation map, and pass 2 as ranges of the output written at known offsets.
//!
//! Both passes are chains of dependent loads (where an instruction starts depends on the size of
//! the one before), so one thread walks a large program at a few hundred MB/s whatever the
//! memory bandwidth; the only way past that on one program is more walks at once.
//!
//! Pass 1 cuts the input into one segment per thread, at multiples of 64 bytes (whole words of
//! the map's source bits, so each thread owns its words). The first segment is walked from 0;
//! every other from its first byte, as if an instruction started there (a guess), with target
//! offsets counted from 0 in a bit set of its own. The stitch then follows the true walk across
//! each cut: from the first start at or past the cut, it steps instruction by instruction until
//! it reaches a start the guessed walk also visited — from there the two are the same walk — and
//! keeps the segment's work from that start on, shifted to its true target offset; the guesses
//! before it are cleared. Anything unusual — a walk that fails (a decode or mapping error, which
//! on the true walk is the program's error), a stitch that does not meet within a few hundred
//! instructions — gives up, and the one-thread pass 1 runs instead: it alone reports errors, so
//! the parallel pass changes no error and no byte. A guessed walk that fails right away (its
//! guess fell on bytes that are no instruction) starts again one byte further, a few times.
//!
//! Pass 2 needs nothing speculative: pass 1 knows every instruction's target offset, so the
//! input is cut at instruction starts into one range per thread, each written through its own
//! buffer at its known offset in the output ([`Translator::emit_at`]). Errors are reported in
//! stream order: the first range's first.

use std::io;
use std::thread;

use super::two_pass::{EmitError, StartMap};
use super::Translator;

/// Programs smaller than this are translated on one thread: below it, starting threads and
/// stitching cost more than they save.
pub(super) const PARALLEL_MIN: usize = 4 << 20;
/// At most this many threads (more segments, more stitches and more map words to merge; the
/// walks are latency-bound, so a few cores already move the bytes as fast as the kernel writes
/// them).
const MAX_THREADS: usize = 8;
/// Instructions the stitch follows past a cut before giving up on meeting the guessed walk.
const MAX_STITCH: usize = 512;
/// Times a guessed walk that fails starts again one byte further before giving up.
const MAX_RESTARTS: usize = 16;

/// Threads to use: the machine's parallelism, bounded.
pub(super) fn threads() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS))
}

/// The segment length a program of `n` bytes is cut into, one segment per thread; `None`
/// (one thread) for a small program or a one-core machine.
pub(super) fn parts(n: usize) -> Option<usize> {
    let k = threads();
    (k > 1 && n >= PARALLEL_MIN).then(|| n.div_ceil(k).next_multiple_of(64))
}

/// One segment's walk in pass 1.
struct Walk<'a> {
    /// This segment's words of the map's source bits (word `w0` of the whole map first).
    source: &'a mut [u64],
    w0: usize,
    /// Target starts, as offsets from the walk's first start (the true ones for segment 0).
    target: Vec<u64>,
    /// Per block from `w0`: the local target offset of its first start (see [`StartMap`]).
    base: Vec<usize>,
    count: usize,
    /// One past the last start whose size changes (0: none).
    changed_end: usize,
    /// Where the walk stopped: the first start at or past the segment's end (or where it failed).
    stop: usize,
    /// The local target offset at `stop`.
    at: usize,
    failed: bool,
}

impl Walk<'_> {
    /// The walk visited `pos` (an instruction start of its own).
    fn visited(&self, pos: usize) -> bool {
        match (pos / 64).checked_sub(self.w0) {
            Some(j) => self.source.get(j).is_some_and(|w| w >> (pos % 64) & 1 == 1),
            None => false,
        }
    }

    /// Clears the walk's starts before `pos` (guesses the true walk does not share) and
    /// returns how many there were.
    fn clear_before(&mut self, pos: usize) -> usize {
        let last = pos / 64 - self.w0;
        let mut n = 0;
        for (j, w) in self.source[..=last].iter_mut().enumerate() {
            let keep = if j == last { u64::MAX << (pos % 64) } else { 0 };
            n += (*w & !keep).count_ones() as usize;
            *w &= keep;
        }
        n
    }

    /// Forgets a walk that started at `origin` and reached `pos` with target offset `at`
    /// (clearing only the words it wrote: most of a segment's are still zero).
    fn reset(&mut self, origin: usize, pos: usize, at: usize) {
        let (lo, hi) = (
            origin / 64 - self.w0,
            (pos / 64 - self.w0).min(self.source.len() - 1),
        );
        self.source[lo..=hi].fill(0);
        let used = (at / 64 + 1).min(self.target.len());
        self.target[..used].fill(0);
        self.base.clear();
        self.count = 0;
        self.changed_end = 0;
    }
}

/// The position of the `k`-th set bit (from 0) of `bits`.
fn select(bits: &[u64], mut k: usize) -> Option<usize> {
    for (i, &w) in bits.iter().enumerate() {
        let c = w.count_ones() as usize;
        if k < c {
            let mut w = w;
            for _ in 0..k {
                w &= w - 1;
            }
            return Some(i * 64 + w.trailing_zeros() as usize);
        }
        k -= c;
    }
    None
}

/// ORs the bits of `src` from bit `from` on into `dst`, each moved by `delta` bits (every bit
/// moved lands at 0 or later).
fn or_shifted(dst: &mut Vec<u64>, src: &[u64], from: usize, delta: isize) {
    let words = ((src.len() * 64) as isize + delta).max(0) as usize / 64 + 2;
    if dst.len() < words {
        dst.resize(words, 0);
    }
    for (i, &w) in src.iter().enumerate().skip(from / 64) {
        let w = if i == from / 64 {
            w & (u64::MAX << (from % 64))
        } else {
            w
        };
        if w == 0 {
            continue;
        }
        let at = (i * 64) as isize + delta;
        if at < 0 {
            // Only the low, cleared bits of this word would land before 0.
            dst[0] |= w >> at.unsigned_abs();
            continue;
        }
        let at = at as usize;
        dst[at / 64] |= w << (at % 64);
        if at % 64 != 0 {
            dst[at / 64 + 1] |= w >> (64 - at % 64);
        }
    }
}

impl Translator {
    /// Pass 1 ([`Translator::place`]'s answer, the same map and flag) on several threads, in
    /// segments of `segment` bytes; `None` when the walks do not stitch (an error, or walks
    /// that never meet), and the one-thread pass 1 must give the answer.
    pub(super) fn place_parallel(&self, input: &[u8], segment: usize) -> Option<(StartMap, bool)> {
        let n = input.len();
        let segment = segment.next_multiple_of(64).max(64);
        let mut cuts: Vec<usize> = (0..n).step_by(segment).collect();
        cuts.push(n);
        let parts = cuts.len() - 1;
        if parts < 2 {
            return None;
        }
        let words = n / 64 + 1;
        let mut source = vec![0u64; words];
        let mut regions = Vec::with_capacity(parts);
        let mut rest = &mut source[..];
        for k in 0..parts {
            let (w0, w1) = (
                cuts[k] / 64,
                if k + 1 == parts {
                    words
                } else {
                    cuts[k + 1] / 64
                },
            );
            let (region, tail) = rest.split_at_mut(w1 - w0);
            regions.push((w0, region));
            rest = tail;
        }
        let walks: Vec<Walk> = thread::scope(|scope| {
            let mut regions = regions.into_iter();
            let (w0, first) = regions.next().expect("two parts or more");
            let handles: Vec<_> = regions
                .enumerate()
                .map(|(k, (w0, region))| {
                    let (from, to) = (cuts[k + 1], cuts[k + 2]);
                    scope.spawn(move || self.walk(input, region, w0, from, to, true))
                })
                .collect();
            let mut walks = vec![self.walk(input, first, w0, 0, cuts[1], false)];
            for h in handles {
                walks.push(h.join().expect("a pass 1 walk panicked"));
            }
            walks
        });
        let mut walks = walks.into_iter();
        let first = walks.next()?;
        if first.failed {
            return None;
        }
        let (mut target, mut base, mut count) = (first.target, first.base, first.count);
        let mut resized = first.changed_end > 0;
        let (mut p, mut t) = (first.stop, first.at);
        for (k, mut w) in walks.enumerate() {
            if w.failed {
                return None;
            }
            let end = cuts[k + 2];
            // The true walk from `p` until it reaches a start the guessed walk visited, or
            // (in a segment shorter than a few instructions) the end of the segment.
            let mut steps = Vec::new();
            let met = loop {
                if w.visited(p) {
                    break true;
                }
                if p >= end {
                    break false;
                }
                if steps.len() >= MAX_STITCH {
                    return None;
                }
                let (s, d) = self.step(input, p)?;
                steps.push((p, t));
                resized |= s != d;
                p += s;
                t += d;
            };
            let q = p;
            let before = if met {
                w.clear_before(q)
            } else {
                // The true walk crossed the whole segment: none of its guesses is kept.
                w.source.fill(0);
                0
            };
            for &(sp, st) in &steps {
                w.source[sp / 64 - w.w0] |= 1 << (sp % 64);
                if target.len() <= st / 64 {
                    target.resize(st / 64 + 1, 0);
                }
                target[st / 64] |= 1 << (st % 64);
                while base.len() <= sp / 64 {
                    base.push(st);
                }
            }
            count += steps.len();
            if !met {
                continue;
            }
            let local = select(&w.target, before)?;
            while base.len() <= q / 64 {
                base.push(t);
            }
            let delta = t as isize - local as isize;
            let moved = |x: usize| (x as isize + delta) as usize;
            base.extend(w.base.iter().skip(q / 64 + 1 - w.w0).map(|&b| moved(b)));
            or_shifted(&mut target, &w.target, local, delta);
            count += w.count - before;
            resized |= w.changed_end > q;
            p = w.stop;
            t = moved(w.at);
        }
        if p != n {
            return None;
        }
        let mut starts = StartMap {
            len: n,
            total: 0,
            source,
            target,
            base,
            count,
        };
        starts.finish(t);
        Some((starts, resized))
    }

    /// One instruction of the true walk at `pos`: its source and target sizes, `None` when it
    /// does not decode or map (the one-thread pass 1 then reports it).
    fn step(&self, input: &[u8], pos: usize) -> Option<(usize, usize)> {
        let e = self.steps.sizes[usize::from(input[pos])] as usize;
        let (s, t) = (e & 0xFFFF, e >> 16);
        if s != 0 && s <= input.len() - pos {
            return Some((s, t));
        }
        let d = self.decode_at(input, pos).ok()?;
        let (_, len) = self.target_of(input, pos, &d).ok()?;
        Some((d.len, len))
    }

    /// Pass 1's walk of one segment, from `from` until the first start at or past `to`
    /// (`guessed`: `from` may not be an instruction start), stopping at the first instruction
    /// that does not decode or map. The same steps as [`Translator::place`].
    fn walk<'a>(
        &self,
        input: &[u8],
        source: &'a mut [u64],
        w0: usize,
        from: usize,
        to: usize,
        guessed: bool,
    ) -> Walk<'a> {
        let n = input.len();
        let sizes = &*self.steps.sizes;
        let (max_src, max_dst) = (self.steps.max_src, self.steps.max_dst);
        let safe = n.saturating_sub(max_src);
        let mut w = Walk {
            source,
            w0,
            target: Vec::new(),
            base: Vec::with_capacity((to - from) / 64 + 1),
            count: 0,
            changed_end: 0,
            stop: from,
            at: 0,
            failed: false,
        };
        let mut restarts = 0;
        let (mut pos, mut at, mut origin) = (from, 0usize, from);
        while pos < to {
            if pos < safe {
                // As in `place`: one 64-byte block of table steps, its start bits gathered in
                // a register.
                let block = pos / 64;
                while w.base.len() <= block - w0 {
                    w.base.push(at);
                }
                let need = (at + 64 * max_dst) / 64 + 1;
                if w.target.len() < need {
                    let want = need.max(w.target.len() * 2);
                    w.target.resize(want, 0);
                }
                let end = ((block + 1) * 64).min(safe);
                let mut word = 0u64;
                let mut count = 0;
                let target = &mut w.target[..];
                let mut changed_end = w.changed_end;
                while pos < end {
                    let e = sizes[usize::from(input[pos])] as usize;
                    if e == 0 {
                        break;
                    }
                    let (s, t) = (e & 0xFFFF, e >> 16);
                    word |= 1 << (pos % 64);
                    target[at / 64] |= 1 << (at % 64);
                    if s != t {
                        changed_end = pos + 1;
                    }
                    count += 1;
                    at += t;
                    pos += s;
                }
                w.changed_end = changed_end;
                w.source[block - w0] |= word;
                w.count += count;
                if count > 0 {
                    continue;
                }
            }
            match self.step(input, pos) {
                Some((s, t)) => {
                    w.source[pos / 64 - w0] |= 1 << (pos % 64);
                    let word = at / 64;
                    if w.target.len() <= word {
                        let want = (word + 1).max(w.target.len() * 2);
                        w.target.resize(want, 0);
                    }
                    w.target[word] |= 1 << (at % 64);
                    while w.base.len() <= pos / 64 - w0 {
                        w.base.push(at);
                    }
                    w.count += 1;
                    if s != t {
                        w.changed_end = pos + 1;
                    }
                    at += t;
                    pos += s;
                }
                None if guessed && restarts < MAX_RESTARTS => {
                    // The guess fell on bytes that are no instruction (or the program has an
                    // error here, which the stitch will find): a new guess one byte further.
                    restarts += 1;
                    w.reset(origin, pos, at);
                    at = 0;
                    pos += 1;
                    origin = pos;
                }
                None => {
                    w.failed = true;
                    break;
                }
            }
        }
        w.stop = pos;
        w.at = at;
        w
    }

    /// Pass 2 on several threads: the output cut at instruction starts into ranges of about
    /// `segment` source bytes, each written by its own thread through `write_at` at its known
    /// target offset. The same bytes and count as [`Translator::emit`]; the first range's
    /// error first.
    pub(super) fn emit_at<F>(
        &self,
        input: &[u8],
        starts: &StartMap,
        segment: usize,
        write_at: &F,
    ) -> Result<usize, EmitError>
    where
        F: Fn(&[u8], u64) -> io::Result<()> + Sync,
    {
        let n = input.len();
        let mut cuts = vec![(0usize, 0usize)];
        let mut at = segment.max(1);
        while at < n {
            let s = starts.next_start(at);
            if s >= n {
                break;
            }
            let t = starts.target_of(s).expect("a start has a target");
            cuts.push((s, t));
            at = s + segment.max(1);
        }
        cuts.push((n, starts.total));
        let range = |k: usize| {
            let mut offset = cuts[k].1 as u64;
            self.emit_range(input, starts, cuts[k], cuts[k + 1].0, |bytes: &[u8]| {
                write_at(bytes, offset)?;
                offset += bytes.len() as u64;
                Ok(())
            })
        };
        let results: Vec<Result<usize, EmitError>> = thread::scope(|scope| {
            let handles: Vec<_> = (1..cuts.len() - 1)
                .map(|k| scope.spawn(move || range(k)))
                .collect();
            let mut results = vec![range(0)];
            for h in handles {
                results.push(h.join().expect("a pass 2 range panicked"));
            }
            results
        });
        results.into_iter().sum()
    }
}
