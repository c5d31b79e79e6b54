//! The two-pass mode on several threads: pass 1 as speculative segments stitched into one
//! relocation map, and pass 2 as ranges of the output written at known offsets.
//!
//! Both passes are chains of dependent loads (where an instruction starts depends on the size of
//! the one before), so one thread walks a large program at a few hundred MB/s whatever the
//! memory bandwidth; the only way past that on one program is more walks at once: on more
//! cores, and two per thread, interleaved, so that one chain's loads wait while the other's
//! run ([`Translator::walk_pair`], [`Translator::emit_pair`]).
//!
//! Pass 1 cuts the input into two segments per thread, at multiples of 64 bytes (whole words of
//! the map's source bits, so each walk owns its words). The first segment is walked from 0;
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
//! input is cut at instruction starts into two ranges per thread, each written through its own
//! buffer at its known offset in the output ([`Translator::emit_at`]). Errors are reported in
//! stream order: the first range's first.

use std::io;
use std::thread;

use super::two_pass::{select64, EmitError, StartMap};
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
/// Table steps of two walks taken together between checks of the target bits' room.
const BATCH: usize = 64;

/// Threads to use: the machine's parallelism, bounded.
pub(super) fn threads() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS))
}

/// The length of the segments (pass 1) and ranges (pass 2) a program of `n` bytes is cut
/// into: two per thread, since each thread walks two at once (see [`Translator::walk_pair`]
/// and [`Translator::emit_pair`]), and two even on one core; `None` (one walk) for a small
/// program.
pub(super) fn parts(n: usize) -> Option<usize> {
    let k = threads();
    (n >= PARALLEL_MIN).then(|| n.div_ceil(2 * k).next_multiple_of(64))
}

/// One segment's walk in pass 1.
struct Walk<'a> {
    /// This segment's words of the map's source bits (word `w0` of the whole map first).
    source: &'a mut [u64],
    w0: usize,
    /// Target starts, as offsets from the walk's first start (the true ones for segment 0).
    target: Vec<u64>,
    count: usize,
    /// One past the last start whose size changes (0: none).
    changed_end: usize,
    /// Where the walk is; when it is done, the first start at or past `end` (or where it
    /// failed).
    pos: usize,
    /// The local target offset at `pos`.
    at: usize,
    /// The segment's end.
    end: usize,
    /// Where the kept walk started (the segment's start, or past a guess that failed).
    origin: usize,
    /// `origin` may not be an instruction start.
    guessed: bool,
    restarts: usize,
    failed: bool,
}

impl<'a> Walk<'a> {
    fn new(source: &'a mut [u64], w0: usize, from: usize, end: usize, guessed: bool) -> Walk<'a> {
        Walk {
            source,
            w0,
            target: Vec::new(),
            count: 0,
            changed_end: 0,
            pos: from,
            at: 0,
            end,
            origin: from,
            guessed,
            restarts: 0,
            failed: false,
        }
    }

    fn live(&self) -> bool {
        self.pos < self.end && !self.failed
    }

    /// Makes the target bits cover `more` bits past `at` (grown by doubling).
    fn reserve(&mut self, more: usize) {
        let need = (self.at + more) / 64 + 1;
        if self.target.len() < need {
            let want = need.max(self.target.len() * 2);
            self.target.resize(want, 0);
        }
    }

    /// Records a start at `pos` of an instruction of sizes `s` → `t`, and steps over it.
    fn record(&mut self, s: usize, t: usize) {
        self.reserve(1);
        let (pos, at) = (self.pos, self.at);
        self.source[pos / 64 - self.w0] |= 1 << (pos % 64);
        self.target[at / 64] |= 1 << (at % 64);
        self.count += 1;
        if s != t {
            self.changed_end = pos + 1;
        }
        self.at += t;
        self.pos += s;
    }

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

    /// Forgets the walk so far and guesses again one byte past where it failed (clearing only
    /// the words it wrote: most of a segment's are still zero).
    fn restart(&mut self) {
        let (lo, hi) = (
            self.origin / 64 - self.w0,
            (self.pos / 64 - self.w0).min(self.source.len() - 1),
        );
        self.source[lo..=hi].fill(0);
        let used = (self.at / 64 + 1).min(self.target.len());
        self.target[..used].fill(0);
        self.count = 0;
        self.changed_end = 0;
        self.restarts += 1;
        self.at = 0;
        self.pos += 1;
        self.origin = self.pos;
    }
}

/// Where [`bases`] starts on a run of blocks: the run's first block, the source starts before
/// it, and a target word with the target starts before that word (at or before the word of the
/// run's first target start).
#[derive(Debug, Clone, Copy)]
struct BaseFrom {
    block: usize,
    before: usize,
    tw: usize,
    seen: usize,
}

/// The bases (see [`StartMap`]: per block, the target offset of its first start, or of the
/// next start for a block holding none) of the blocks from `from.block` on, one per element of
/// `out`, from the merged map's two bit sets. Computed once the map is whole, on every thread
/// at once (each from a stitch, where the walks give `from` exactly), rather than per walk and
/// then copied, shifted, into the merged map: those copies were 54 MB of the peak of a
/// 256 MiB translation (441 -> 387 MB) and part of the serial merge.
fn bases(source: &[u64], target: &[u64], from: BaseFrom, out: &mut [usize]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("popcnt") {
        // SAFETY: the CPU has the instruction the function is compiled to use.
        unsafe { bases_popcnt(source, target, from, out) };
        return;
    }
    bases_body(source, target, from, out);
}

/// [`bases`] compiled with the `popcnt` instruction, which the x86-64 baseline lacks: its
/// loop is popcounts and selects, and on a 256 MiB program it took 42 ms with software
/// popcounts against 25 ms with the instruction (chosen at run time, so the binary still
/// runs on any x86-64).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
unsafe fn bases_popcnt(source: &[u64], target: &[u64], from: BaseFrom, out: &mut [usize]) {
    bases_body(source, target, from, out);
}

#[inline(always)]
fn bases_body(source: &[u64], target: &[u64], from: BaseFrom, out: &mut [usize]) {
    // Starts before the current block, and target bits before word `tw`.
    let BaseFrom {
        block,
        mut before,
        mut tw,
        mut seen,
    } = from;
    for (&w, slot) in source[block..].iter().zip(out) {
        // The `before`-th target start (from 0) is the first start of this block or after.
        while let Some(&t) = target.get(tw) {
            let c = t.count_ones() as usize;
            if seen + c > before {
                break;
            }
            seen += c;
            tw += 1;
        }
        let bits = target.get(tw).copied().unwrap_or(0);
        *slot = tw * 64 + select64(bits, (before - seen) as u32) as usize;
        before += w.count_ones() as usize;
    }
}

/// Every block's base up to the last block with a start, in runs from `froms` (the first at
/// block 0, in block order), the runs shared among the threads.
fn all_bases(source: &[u64], target: &[u64], froms: &[BaseFrom]) -> Vec<usize> {
    let last = source.iter().rposition(|&w| w != 0).map_or(0, |j| j + 1);
    let froms: Vec<BaseFrom> = froms.iter().copied().filter(|f| f.block < last).collect();
    let mut base = vec![0usize; last];
    // The runs, each with its slice of `base`, dealt to the threads in contiguous groups.
    let mut runs = Vec::with_capacity(froms.len());
    let mut rest = &mut base[..];
    for (i, f) in froms.iter().enumerate() {
        let end = froms.get(i + 1).map_or(last, |g| g.block);
        let (run, tail) = rest.split_at_mut(end - f.block);
        runs.push((*f, run));
        rest = tail;
    }
    let per = runs.len().div_ceil(threads().max(1)).max(1);
    thread::scope(|scope| {
        let mut groups = runs.chunks_mut(per);
        let first = groups.next();
        for group in groups {
            scope.spawn(move || {
                for (f, run) in group.iter_mut() {
                    bases(source, target, *f, run);
                }
            });
        }
        for (f, run) in first.into_iter().flatten() {
            bases(source, target, *f, run);
        }
    });
    base
}

/// The position of the `k`-th set bit (from 0) of `bits`.
fn select(bits: &[u64], mut k: usize) -> Option<usize> {
    for (i, &w) in bits.iter().enumerate() {
        let c = w.count_ones() as usize;
        if k < c {
            return Some(i * 64 + select64(w, k as u32) as usize);
        }
        k -= c;
    }
    None
}

/// The words of `bits` up to its last set bit.
fn used_words(bits: &[u64]) -> usize {
    bits.iter().rposition(|&w| w != 0).map_or(0, |i| i + 1)
}

/// ORs the bits of `src` from bit `from` on into `dst`, each moved by `delta` bits (every bit
/// moved lands at 0 or later).
fn or_shifted(dst: &mut Vec<u64>, src: &[u64], from: usize, delta: isize) {
    // Up to `src`'s last set bit, not its length: a walk's bits are grown by doubling, and
    // sizing `dst` by their zero tail would grow the merged map past its need.
    let src = &src[..used_words(src)];
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
        if !at.is_multiple_of(64) {
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
        let mut walks: Vec<Walk> = regions
            .into_iter()
            .enumerate()
            .map(|(k, (w0, region))| {
                let mut walk = Walk::new(region, w0, cuts[k], cuts[k + 1], k > 0);
                // The first walk's bits become the merged map's (see the merge below).
                let extent = if k == 0 { n } else { cuts[k + 1] - cuts[k] };
                walk.target = vec![0; self.target_words_bound(extent)];
                walk
            })
            .collect();
        // Two walks to a thread, interleaved (see `walk_pair`).
        thread::scope(|scope| {
            let mut pairs = walks.chunks_mut(2);
            let first = pairs.next().expect("two parts or more");
            let handles: Vec<_> = pairs
                .map(|pair| scope.spawn(move || self.walk_pair(input, pair)))
                .collect();
            self.walk_pair(input, first);
            for h in handles {
                h.join().expect("a pass 1 walk panicked");
            }
        });
        // The merged target bits are the first walk's, which was given room for the whole
        // program's (zeroed, so untouched pages cost nothing): the others are ORed in at their
        // offsets, and nothing is copied twice. (Grown by doubling, as it once was, the
        // reallocations held the old and the new vectors at once and set the peak.)
        let mut walks = walks.into_iter();
        let first = walks.next()?;
        if first.failed {
            return None;
        }
        // Kept at its full, zeroed length: the ORs below then write each page once (truncated
        // to its used words and grown again, each page past them was zero-filled first).
        let mut target = first.target;
        // Where the bases of each stitched walk's blocks start being computed (see `bases`).
        let mut froms = vec![BaseFrom {
            block: 0,
            before: 0,
            tw: 0,
            seen: 0,
        }];
        let mut count = first.count;
        let mut resized = first.changed_end > 0;
        let (mut p, mut t) = (first.pos, first.at);
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
            }
            count += steps.len();
            if !met {
                continue;
            }
            let local = select(&w.target, before)?;
            // `q` is the `count`-th start and lands at `t`: the bases from the next block on
            // can start from there, the target starts before `t`'s word counted back from it.
            let tw = t / 64;
            let below = target.get(tw).map_or(0, |&b| b & ((1u64 << (t % 64)) - 1));
            froms.push(BaseFrom {
                block: q / 64 + 1,
                before: count + (w.source[q / 64 - w.w0] >> (q % 64)).count_ones() as usize,
                tw,
                seen: count - below.count_ones() as usize,
            });
            let delta = t as isize - local as isize;
            let moved = |x: usize| (x as isize + delta) as usize;
            or_shifted(&mut target, &w.target, local, delta);
            count += w.count - before;
            resized |= w.changed_end > q;
            p = w.pos;
            t = moved(w.at);
        }
        if p != n {
            return None;
        }
        let base = all_bases(&source, &target, &froms);
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

    /// Words of target bits a walk over `len` bytes needs when every instruction grows by the
    /// largest ratio of the size table (instructions outside it may need more: the walk then
    /// grows its bits as before). Allocated zeroed up front, the pages a walk never reaches are
    /// never touched, where bits grown by doubling were zero-filled up to twice the need.
    pub(super) fn target_words_bound(&self, len: usize) -> usize {
        let (grow, from) = self
            .steps
            .sizes
            .iter()
            .map(|&e| ((e >> 16) as usize, (e & 0xFFFF) as usize))
            .filter(|&(_, s)| s != 0)
            .fold(
                (1, 1),
                |(t0, s0), (t, s)| if t * s0 > t0 * s { (t, s) } else { (t0, s0) },
            );
        // At most four times the segment: the table is the user's, and a bound from an extreme
        // ratio (a one-byte instruction becoming a long one) would reserve more address space
        // than the machine has; a walk that outgrows the bound grows its bits as before.
        len.saturating_mul(grow.min(4 * from)) / from / 64 + 2
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

    /// Pass 1's walks of one or two segments, each from its start until the first start at or
    /// past its end, stopping when one fails (the whole pass then gives up). Two walks at once:
    /// each is a chain of dependent loads (the next start needs this instruction's size), so
    /// one thread steps two chains in the time of one. Table steps run in batches, both walks
    /// together; anything else (and a walk whose partner is done) one step at a time.
    fn walk_pair(&self, input: &[u8], walks: &mut [Walk]) {
        let sizes = &*self.steps.sizes;
        let safe = input.len().saturating_sub(self.steps.max_src);
        let table_step = |w: &Walk| w.pos < safe && sizes[usize::from(input[w.pos])] != 0;
        loop {
            if walks.iter().any(|w| w.failed) {
                return;
            }
            match walks {
                [a, b] if a.live() && b.live() => {
                    self.batch(input, a, b, safe);
                    for w in [a, b] {
                        if w.live() && !table_step(w) {
                            self.advance(input, w);
                        }
                    }
                }
                _ => match walks.iter_mut().find(|w| w.live()) {
                    Some(w) => self.advance(input, w),
                    None => break,
                },
            }
        }
    }

    /// Up to [`BATCH`] table steps of each of two walks, interleaved, until one of them meets
    /// an instruction that is no table step (or its segment's end).
    fn batch(&self, input: &[u8], a: &mut Walk, b: &mut Walk, safe: usize) {
        let sizes = &*self.steps.sizes;
        let more = BATCH * self.steps.max_dst;
        a.reserve(more);
        b.reserve(more);
        // Locals, so that the loop keeps them in registers.
        let (la, lb) = (a.end.min(safe), b.end.min(safe));
        let (mut pa, mut ta, mut xa) = (a.pos, a.at, a.changed_end);
        let (mut pb, mut tb, mut xb) = (b.pos, b.at, b.changed_end);
        let (sa, ga, wa) = (&mut *a.source, &mut a.target[..], a.w0 * 64);
        let (sb, gb, wb) = (&mut *b.source, &mut b.target[..], b.w0 * 64);
        let mut steps = 0;
        while steps < BATCH && pa < la && pb < lb {
            let ea = sizes[usize::from(input[pa])] as usize;
            let eb = sizes[usize::from(input[pb])] as usize;
            if ea == 0 || eb == 0 {
                break;
            }
            let (s, t) = (ea & 0xFFFF, ea >> 16);
            sa[(pa - wa) / 64] |= 1 << (pa % 64);
            ga[ta / 64] |= 1 << (ta % 64);
            if s != t {
                xa = pa + 1;
            }
            ta += t;
            pa += s;
            let (s, t) = (eb & 0xFFFF, eb >> 16);
            sb[(pb - wb) / 64] |= 1 << (pb % 64);
            gb[tb / 64] |= 1 << (tb % 64);
            if s != t {
                xb = pb + 1;
            }
            tb += t;
            pb += s;
            steps += 1;
        }
        (a.pos, a.at, a.changed_end, a.count) = (pa, ta, xa, a.count + steps);
        (b.pos, b.at, b.changed_end, b.count) = (pb, tb, xb, b.count + steps);
    }

    /// One step of a walk: the instruction at its position recorded, or (a guess that fell on
    /// bytes that are no instruction) a new guess one byte further, or the walk failed.
    fn advance(&self, input: &[u8], w: &mut Walk) {
        match self.step(input, w.pos) {
            Some((s, t)) => w.record(s, t),
            // The guess fell on bytes that are no instruction (or the program has an error
            // here, which the stitch will find).
            None if w.guessed && w.restarts < MAX_RESTARTS => w.restart(),
            None => w.failed = true,
        }
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
        // The writer of range `k`: its bytes in order from its target offset.
        let out = |k: usize| {
            let mut offset = cuts[k].1 as u64;
            move |bytes: &[u8]| {
                write_at(bytes, offset)?;
                offset += bytes.len() as u64;
                Ok(())
            }
        };
        let range = |k: usize| (cuts[k], cuts[k + 1].0, out(k));
        // Two ranges to a thread, interleaved (see `emit_pair`).
        let pair = |k: usize| -> Vec<Result<usize, EmitError>> {
            if k + 2 < cuts.len() {
                self.emit_pair(input, starts, range(k), range(k + 1)).into()
            } else {
                let (from, to, out) = range(k);
                vec![self.emit_range(input, starts, from, to, out)]
            }
        };
        let ranges = cuts.len() - 1;
        let results: Vec<Result<usize, EmitError>> = thread::scope(|scope| {
            let handles: Vec<_> = (2..ranges)
                .step_by(2)
                .map(|k| scope.spawn(move || pair(k)))
                .collect();
            let mut results = pair(0);
            for h in handles {
                results.extend(h.join().expect("a pass 2 range panicked"));
            }
            results
        });
        results.into_iter().sum()
    }
}
