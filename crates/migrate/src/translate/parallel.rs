//! The two-pass mode on several threads: pass 1 as speculative segments stitched into one
//! relocation map, and pass 2 as ranges of the output written at known offsets.
//!
//! Pass 1 is a chain of dependent loads (where an instruction starts depends on the size of the
//! one before), so one thread walks a large program at a few hundred MB/s whatever the memory
//! bandwidth; the only way past that on one program is more walks at once: on more cores, and
//! several per thread, interleaved, so that one chain's loads wait while the others' run
//! ([`Translator::walk_group`]). Pass 2 reads every start from pass 1's map instead, so its
//! steps do not wait on each other, and one range per thread keeps a core busy.
//!
//! Pass 1 cuts the input into four segments per thread, at multiples of 64 bytes (whole words of
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
//! input is cut at instruction starts into one range per thread, each written through its own
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
/// Table steps of the walks taken together between checks of the target bits' room.
const BATCH: usize = 64;

/// Threads to use: the machine's parallelism, bounded.
pub(super) fn threads() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS))
}

/// Pass 1's segments walked together by one thread (see [`Translator::walk_group`]). Four,
/// not two: a step of pass 1 is a few operations, so four chains still fit the core's
/// registers and issue width (the walks of a 256 MiB program took 155 ms with two per thread
/// and 126 ms with four, on two cores; three per thread measured between).
pub(super) const WALKS: usize = 4;
/// Pass 2's ranges per thread: one. Its steps take each start from pass 1's map, so they do
/// not wait on each other and need no second range to interleave with (found from the sizes,
/// as pass 1 must, two ranges per thread were interleaved, their state spilled to the stack;
/// three or four were slower still).
pub(super) const RANGES: usize = 1;

/// The length of the segments (pass 1, `per_thread` = [`WALKS`]) or ranges (pass 2,
/// [`RANGES`]) a program of `n` bytes is cut into, so that each thread has `per_thread` of
/// them (even on one core); `None` (one walk) for a small program.
pub(super) fn parts(n: usize, per_thread: usize) -> Option<usize> {
    let k = threads();
    (n >= PARALLEL_MIN).then(|| n.div_ceil(per_thread * k).next_multiple_of(64))
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

/// The `N` live walks of `walks` (which has exactly `N`), in order.
fn live_walks<'w, 'a, const N: usize>(walks: &'w mut [Walk<'a>]) -> [&'w mut Walk<'a>; N] {
    let mut live = walks.iter_mut().filter(|w| w.live());
    std::array::from_fn(|_| live.next().expect("the caller counted N live walks"))
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
/// moved lands at 0 or later). `dst` holds the words from word `lo` on; a word that falls
/// outside it (at the edges of a slice shared out among threads) is pushed to `spill`.
fn or_shifted(
    dst: &mut [u64],
    lo: usize,
    src: &[u64],
    from: usize,
    delta: isize,
    spill: &mut Vec<(usize, u64)>,
) {
    // Up to `src`'s last set bit, not its length: a walk's bits are grown by doubling.
    let src = &src[..used_words(src)];
    let mut or = |i: usize, w: u64| match i.checked_sub(lo).and_then(|j| dst.get_mut(j)) {
        Some(d) => *d |= w,
        None => spill.push((i, w)),
    };
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
            or(0, w >> at.unsigned_abs());
            continue;
        }
        let at = at as usize;
        or(at / 64, w << (at % 64));
        if !at.is_multiple_of(64) {
            or(at / 64 + 1, w >> (64 - at % 64));
        }
    }
}

/// One move of [`or_all_shifted`]: bits, the first bit moved, and by how many bits.
type Move = (Vec<u64>, usize, isize);

/// The words a destination needs to hold every set bit of `bits` moved by `delta`.
fn shifted_words(bits: &[u64], delta: isize) -> usize {
    ((used_words(bits) * 64) as isize + delta).max(0) as usize / 64 + 2
}

/// Every `(bits, from, delta)` of `moves` ORed into `dst` as [`or_shifted`] does, the moves in
/// order and each on a slice of `dst` of its own (from the word where its first moved bit
/// lands to the next move's), shared out among the threads; the few words at the slices'
/// edges are ORed in after. (One thread doing it all was a tenth of pass 1.)
fn or_all_shifted(dst: &mut Vec<u64>, moves: &[Move]) {
    let need = moves
        .iter()
        .map(|(bits, _, delta)| shifted_words(bits, *delta))
        .max()
        .unwrap_or(0);
    if dst.len() < need {
        dst.resize(need, 0);
    }
    let starts: Vec<usize> = moves
        .iter()
        .map(|&(_, from, delta)| ((from as isize + delta).max(0) as usize / 64).min(need))
        .collect();
    // Each move's slice of `dst`, in order (the moves land in increasing order).
    let mut jobs = Vec::with_capacity(moves.len());
    let (mut rest, mut lo) = (&mut dst[..], 0usize);
    for (k, m) in moves.iter().enumerate() {
        let begin = starts[k].max(lo);
        let end = starts.get(k + 1).map_or(rest.len() + lo, |&e| e.max(begin));
        let (_, tail) = rest.split_at_mut(begin - lo);
        let (mine, tail) = tail.split_at_mut(end - begin);
        jobs.push((m, begin, mine));
        (rest, lo) = (tail, end);
    }
    let per = jobs.len().div_ceil(threads().max(1)).max(1);
    let spills: Vec<Vec<(usize, u64)>> = thread::scope(|scope| {
        let mut groups = jobs.chunks_mut(per);
        let first = groups.next();
        let run = |group: &mut [(&Move, usize, &mut [u64])]| {
            let mut spill = Vec::new();
            for ((bits, from, delta), lo, mine) in group.iter_mut() {
                or_shifted(mine, *lo, bits, *from, *delta, &mut spill);
            }
            spill
        };
        let handles: Vec<_> = groups.map(|g| scope.spawn(move || run(g))).collect();
        let mut spills = vec![first.map_or_else(Vec::new, run)];
        spills.extend(
            handles
                .into_iter()
                .map(|h| h.join().expect("an OR of map bits panicked")),
        );
        spills
    });
    for (i, w) in spills.into_iter().flatten() {
        dst[i] |= w;
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
        // Several walks to a thread, interleaved (see `walk_group`).
        thread::scope(|scope| {
            let mut groups = walks.chunks_mut(WALKS);
            let first = groups.next().expect("two parts or more");
            let handles: Vec<_> = groups
                .map(|group| scope.spawn(move || self.walk_group(input, group)))
                .collect();
            self.walk_group(input, first);
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
        // Each kept walk's target bits, where its kept part starts in them, and its shift: ORed
        // into the merged bits once every stitch is known, on every thread at once.
        let mut moves = Vec::with_capacity(parts - 1);
        // Per stitched walk: where its bases start and the target offset of its first kept
        // start (`seen` is counted once the merged bits are whole).
        let mut stitched = Vec::with_capacity(parts - 1);
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
            // can start from there.
            stitched.push((
                BaseFrom {
                    block: q / 64 + 1,
                    before: count + (w.source[q / 64 - w.w0] >> (q % 64)).count_ones() as usize,
                    tw: t / 64,
                    seen: count,
                },
                t,
            ));
            let delta = t as isize - local as isize;
            count += w.count - before;
            resized |= w.changed_end > q;
            p = w.pos;
            t = (w.at as isize + delta) as usize;
            moves.push((w.target, local, delta));
        }
        or_all_shifted(&mut target, &moves);
        drop(moves);
        // The target starts before `t`'s word, counted back from the `count`-th start.
        froms.extend(stitched.into_iter().map(|(mut from, t)| {
            let below = target
                .get(from.tw)
                .map_or(0, |&b| b & ((1u64 << (t % 64)) - 1));
            from.seen -= below.count_ones() as usize;
            from
        }));
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

    /// Pass 1's walks of up to [`WALKS`] segments, each from its start until the first start
    /// at or past its end, stopping when one fails (the whole pass then gives up). The walks
    /// run together: each is a chain of dependent loads (the next start needs this
    /// instruction's size), so one thread steps several chains in the time of one. Table
    /// steps run in batches of every live walk together; anything else one step at a time.
    fn walk_group(&self, input: &[u8], walks: &mut [Walk]) {
        let sizes = &*self.steps.sizes;
        let safe = input.len().saturating_sub(self.steps.max_src);
        let table_step = |w: &Walk| w.pos < safe && sizes[usize::from(input[w.pos])] != 0;
        loop {
            if walks.iter().any(|w| w.failed) {
                return;
            }
            match walks.iter().filter(|w| w.live()).count() {
                0 => break,
                1 => self.batch(input, live_walks::<1>(walks), safe),
                2 => self.batch(input, live_walks::<2>(walks), safe),
                3 => self.batch(input, live_walks::<3>(walks), safe),
                _ => self.batch(input, live_walks::<4>(walks), safe),
            }
            // The walks that stopped the batch take their step one at a time.
            for w in walks.iter_mut() {
                if w.live() && !table_step(w) {
                    self.advance(input, w);
                }
            }
        }
    }

    /// Up to [`BATCH`] table steps of each of `N` walks, interleaved, until one of them meets
    /// an instruction that is no table step (or its segment's end). The walks' state is copied
    /// into arrays of locals for the loop, so that it stays in registers as far as they go.
    fn batch<const N: usize>(&self, input: &[u8], mut walks: [&mut Walk; N], safe: usize) {
        let sizes = &*self.steps.sizes;
        let more = BATCH * self.steps.max_dst;
        for w in walks.iter_mut() {
            w.reserve(more);
        }
        let limit: [usize; N] = std::array::from_fn(|k| walks[k].end.min(safe));
        let first: [usize; N] = std::array::from_fn(|k| walks[k].w0 * 64);
        let mut pos: [usize; N] = std::array::from_fn(|k| walks[k].pos);
        let mut at: [usize; N] = std::array::from_fn(|k| walks[k].at);
        let mut changed: [usize; N] = std::array::from_fn(|k| walks[k].changed_end);
        let mut steps = 0;
        {
            let bits = walks
                .each_mut()
                .map(|w| (&mut *w.source, &mut w.target[..]));
            while steps < BATCH && (0..N).all(|k| pos[k] < limit[k]) {
                let e: [usize; N] =
                    std::array::from_fn(|k| sizes[usize::from(input[pos[k]])] as usize);
                if e.contains(&0) {
                    break;
                }
                for k in 0..N {
                    let (s, t) = (e[k] & 0xFFFF, e[k] >> 16);
                    let (p, a) = (pos[k], at[k]);
                    bits[k].0[(p - first[k]) / 64] |= 1 << (p % 64);
                    bits[k].1[a / 64] |= 1 << (a % 64);
                    if s != t {
                        changed[k] = p + 1;
                    }
                    at[k] = a + t;
                    pos[k] = p + s;
                }
                steps += 1;
            }
        }
        for (k, w) in walks.into_iter().enumerate() {
            (w.pos, w.at, w.changed_end) = (pos[k], at[k], changed[k]);
            w.count += steps;
        }
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
        let ranges = cuts.len() - 1;
        // Contiguous runs of ranges, one run to a thread, each range written in turn.
        let per = ranges.div_ceil(threads().max(1)).max(1);
        let run = |first: usize| -> Vec<Result<usize, EmitError>> {
            let mut results = Vec::with_capacity(per);
            for k in first..(first + per).min(ranges) {
                let (from, to, out) = (cuts[k], cuts[k + 1].0, out(k));
                let result = self.emit_range(input, starts, from, to, out);
                let failed = result.is_err();
                results.push(result);
                // A later range's error could only come later in the stream.
                if failed {
                    break;
                }
            }
            results
        };
        let results: Vec<Result<usize, EmitError>> = thread::scope(|scope| {
            let handles: Vec<_> = (per..ranges)
                .step_by(per)
                .map(|k| scope.spawn(move || run(k)))
                .collect();
            let mut results = run(0);
            for h in handles {
                results.extend(h.join().expect("a pass 2 range panicked"));
            }
            results
        });
        results.into_iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::xorshift;
    use super::or_all_shifted;

    /// The ORs shared out among threads set exactly the bits one loop over the moves sets,
    /// whether the moves land in order, overlap, or shift bits below word 0's edge.
    #[test]
    fn shared_ors_match_one_loop() {
        let mut next = xorshift(0x9E37_79B9_7F4A_7C15);
        for round in 0..300 {
            let mut dst: Vec<u64> = (0..(next() % 40) as usize)
                .map(|_| next() & next())
                .collect();
            let mut want = dst.clone();
            let mut moves = Vec::new();
            let mut land = (next() % 100) as isize;
            for _ in 0..(next() % 9) {
                let bits: Vec<u64> = (0..(next() % 30) as usize).map(|_| next()).collect();
                let from = (next() % (bits.len() as u64 * 64 + 1)) as usize;
                // Mostly in order, as the stitch gives them; every fourth round anywhere.
                let delta = if round % 4 == 0 {
                    (next() % 3000) as isize - from as isize
                } else {
                    land - from as isize
                };
                land += (bits.len() * 64 - from.min(bits.len() * 64)) as isize;
                moves.push((bits, from, delta));
            }
            for (bits, from, delta) in &moves {
                for b in *from..bits.len() * 64 {
                    if bits[b / 64] >> (b % 64) & 1 == 1 {
                        let at = (b as isize + delta) as usize;
                        if want.len() <= at / 64 {
                            want.resize(at / 64 + 1, 0);
                        }
                        want[at / 64] |= 1 << (at % 64);
                    }
                }
            }
            or_all_shifted(&mut dst, &moves);
            let used = |v: &[u64]| v.iter().rposition(|&w| w != 0).map_or(0, |i| i + 1);
            assert_eq!(dst[..used(&dst)], want[..used(&want)], "round {round}");
        }
    }
}
