//! The two-pass mode: size-changing translation, with every instruction's new position recorded
//! in a relocation map ([`StartMap`]) by pass 1 and the output written in order by pass 2, with
//! branch offsets recomputed from the map. Pass 2 streams: it fills a fixed buffer and hands it
//! to a writer, so a translation written to a file needs the input, the map (a quarter of a
//! byte per input byte and an eighth per output byte) and a constant.

use std::io::Write;

use super::parallel;
use super::steps::{Template, PLAIN, SMALL, TEMPLATE, ZERO};
use super::{ErrorKind, TranslateError, Translator};

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
    pub(super) len: usize,
    pub(super) total: usize,
    pub(super) source: Vec<u64>,
    pub(super) target: Vec<u64>,
    /// Per source block: the target offset of its first start (of the next start, for a block
    /// holding none).
    pub(super) base: Vec<usize>,
    pub(super) count: usize,
}

// `new` and `push` are marked `#[inline]` because they are called from `two_pass` below, which
// is inlined into `Translator::run` in another codegen unit: without the hint they stay calls,
// where they were inlined while translation was one file (the two-pass benchmarks measure it).
impl StartMap {
    #[inline]
    pub(super) fn new(len: usize) -> StartMap {
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
    pub(super) fn push(&mut self, source: usize, target: usize) {
        self.source[source / 64] |= 1 << (source % 64);
        self.reserve_target(target);
        self.target[target / 64] |= 1 << (target % 64);
        while self.base.len() <= source / 64 {
            self.base.push(target);
        }
        self.count += 1;
    }

    /// Makes the target bits cover offset `at` (grown by doubling, so the total cost stays
    /// linear).
    #[inline]
    fn reserve_target(&mut self, at: usize) {
        let word = at / 64;
        if word >= self.target.len() {
            let want = (word + 1).max(self.target.len() * 2);
            self.target.resize(want, 0);
        }
    }

    /// Instructions recorded.
    pub(super) fn count(&self) -> usize {
        self.count
    }

    pub(super) fn finish(&mut self, total: usize) {
        self.total = total;
        // Exactly the words up to `total`, however far pass 1 reserved ahead.
        self.target.resize(total / 64 + 1, 0);
        self.target.shrink_to_fit();
    }

    /// The first instruction start at or after `source` (the source's end when there is none).
    pub(super) fn next_start(&self, source: usize) -> usize {
        if source >= self.len {
            return self.len;
        }
        let mut w = source / 64;
        let mut bits = self.source[w] & (u64::MAX << (source % 64));
        while bits == 0 {
            w += 1;
            match self.source.get(w) {
                Some(&b) => bits = b,
                None => return self.len,
            }
        }
        (w * 64 + bits.trailing_zeros() as usize).min(self.len)
    }

    /// Asks for the words that lookups near `source` (landing near `target`) will read, a
    /// distance ahead ([`AHEAD`]). Pass 2 writes in order and looks up each branch's target,
    /// which lands anywhere within reach of the branch: without this, every 64-byte line of
    /// the three arrays was first read by such a lookup, a miss to memory on each (a sixth
    /// of the size-changing `translate`'s CPU). Called per branch, the lines ahead are asked
    /// for before any lookup needs them.
    #[inline]
    pub(super) fn prefetch(&self, source: usize, target: usize) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let (s, t) = ((source + AHEAD) / 64, (target + AHEAD) / 64);
            if let (Some(a), Some(b), Some(c)) =
                (self.source.get(s), self.base.get(s), self.target.get(t))
            {
                for word in [
                    a as *const u64,
                    b as *const usize as *const u64,
                    c as *const u64,
                ] {
                    // SAFETY: SSE is part of every x86_64 target, and a prefetch reads
                    // nothing (it is a hint; the pointers are into live vectors anyway).
                    unsafe { _mm_prefetch::<_MM_HINT_T0>(word.cast()) };
                }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (source, target);
    }

    /// The target start of the instruction starting at `source`; the target's end for the
    /// source's end; `None` inside an instruction or past the end.
    #[inline]
    pub(super) fn target_of(&self, source: usize) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU has the instruction the function is compiled to use.
            return unsafe { self.target_of_popcnt(source) };
        }
        self.target_of_body(source)
    }

    /// [`StartMap::target_of`] compiled with the `popcnt` instruction, which the x86-64
    /// baseline lacks: a lookup is up to six popcounts (the source word, the target words, the
    /// select's halvings), each a dozen instructions in software. Pass 2 looks up every
    /// branch, and the lookups were a tenth of a size-changing translation's CPU.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    unsafe fn target_of_popcnt(&self, source: usize) -> Option<usize> {
        self.target_of_body(source)
    }

    #[inline(always)]
    fn target_of_body(&self, source: usize) -> Option<usize> {
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
                return Some(w * 64 + select64(bits, k) as usize);
            }
            k -= c;
            w += 1;
            bits = *self.target.get(w)?;
        }
    }
}

/// How far ahead of pass 2's position [`StartMap::prefetch`] asks for the map.
const AHEAD: usize = 16 << 10;

/// `SELECT_IN_BYTE[k][b]`: the position of the `k`-th set bit (from 0) of byte `b` (8 when
/// there is none).
static SELECT_IN_BYTE: [[u8; 256]; 8] = {
    let mut table = [[8u8; 256]; 8];
    let mut b = 0;
    while b < 256 {
        let (mut k, mut i) = (0, 0);
        while i < 8 {
            if b >> i & 1 == 1 {
                table[k][b] = i as u8;
                k += 1;
            }
            i += 1;
        }
        b += 1;
    }
    table
};

/// The position of the `k`-th set bit (from 0) of `w`, for `k < w.count_ones()`: three
/// halvings and a table, with no loop over the bits (clearing `k` bits one by one, with a
/// mispredicted exit each time, was most of a relocation lookup).
#[inline(always)]
pub(super) fn select64(w: u64, k: u32) -> u32 {
    let (mut w, mut k, mut at) = (w, k, 0u32);
    for half in [32u32, 16, 8] {
        let low = (w & ((1u64 << half) - 1)).count_ones();
        // Selects rather than branches: which half holds the bit is data, not a pattern.
        let skip = k >= low;
        let shift = if skip { half } else { 0 };
        k -= if skip { low } else { 0 };
        w >>= shift;
        at += shift;
    }
    at + u32::from(SELECT_IN_BYTE[k as usize & 7][(w & 0xFF) as usize])
}

/// Bytes pass 2 gathers before handing them to the writer: large enough that a write costs
/// little per byte, small enough to stay in cache.
const CHUNK: usize = 256 * 1024;
/// Room kept past [`CHUNK`] so that a short instruction is written as one fixed 8-byte move
/// whatever its size (the bytes past its end are overwritten by the next one).
const SLACK: usize = 64;

/// Where pass 2 fails: the translation (the general code's error) or the writer.
#[derive(Debug)]
pub(super) enum EmitError {
    Translate(TranslateError),
    Io(std::io::Error),
}

impl From<TranslateError> for EmitError {
    fn from(e: TranslateError) -> EmitError {
        EmitError::Translate(e)
    }
}

/// Pass 2's output buffer: filled at `at`, handed to `out` when full.
struct Sink<O: FnMut(&[u8]) -> std::io::Result<()>> {
    buf: Vec<u8>,
    at: usize,
    out: O,
}

impl<O: FnMut(&[u8]) -> std::io::Result<()>> Sink<O> {
    /// Makes room for `len` more bytes (plus the slack) at `at`.
    #[inline]
    fn room(&mut self, len: usize) -> Result<(), EmitError> {
        if self.at + len + SLACK > self.buf.len() {
            self.flush()?;
            if len + SLACK > self.buf.len() {
                // One instruction larger than a chunk (a long payload): a buffer its size,
                // bounded by the input's.
                self.buf.resize(len + SLACK, 0);
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), EmitError> {
        (self.out)(&self.buf[..self.at]).map_err(EmitError::Io)?;
        self.at = 0;
        Ok(())
    }
}

/// One range of pass 2 being written: where it is in the source (`s`, up to `to`) and in the
/// target (`t`, bytes written so far, flushed or not), its buffer and the offsets it fixed.
struct Range<O: FnMut(&[u8]) -> std::io::Result<()>> {
    s: usize,
    t: usize,
    to: usize,
    sink: Sink<O>,
    fixed: usize,
}

impl<O: FnMut(&[u8]) -> std::io::Result<()>> Range<O> {
    fn new(from: (usize, usize), to: usize, out: O) -> Range<O> {
        Range {
            s: from.0,
            t: from.1,
            to,
            sink: Sink {
                buf: vec![0; CHUNK + SLACK],
                at: 0,
                out,
            },
            fixed: 0,
        }
    }
}

/// The general encoder's relocation: the target offset of the source offset `target` a
/// branch points at, or why it has none.
fn relocate(
    n: usize,
    starts: &StartMap,
    field: &str,
    offset: i128,
    target: i128,
) -> Result<i128, ErrorKind> {
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
}

impl Translator {
    /// Pass 1: every instruction's place in the target, recorded in the relocation map, and
    /// whether any instruction changes size. Decode errors anywhere win over mapping errors,
    /// whichever comes first in the stream. A large program is walked on several threads
    /// ([`Translator::place_parallel`]), with this one thread's walk as the fallback.
    pub(super) fn place(&self, input: &[u8]) -> Result<(StartMap, bool), TranslateError> {
        self.place_in(input, parallel::parts(input.len(), parallel::WALKS))
    }

    /// [`Translator::place`] cut every `segment` bytes when given (tests cut small programs
    /// in many places), else on one thread.
    pub(super) fn place_in(
        &self,
        input: &[u8],
        segment: Option<usize>,
    ) -> Result<(StartMap, bool), TranslateError> {
        if let Some(found) = segment.and_then(|s| self.place_parallel(input, s)) {
            return Ok(found);
        }
        self.place_seq(input)
    }

    /// Pass 1 on one thread: the reference, and what reports every error.
    pub(super) fn place_seq(&self, input: &[u8]) -> Result<(StartMap, bool), TranslateError> {
        let n = input.len();
        let sizes = &*self.steps.sizes;
        let (max_src, max_dst) = (self.steps.max_src, self.steps.max_dst);
        // Below `safe`, a step from the table stays inside the input.
        let safe = n.saturating_sub(max_src);
        let mut starts = StartMap::new(n);
        // A decode error anywhere wins over a mapping error, whichever comes first in the
        // stream: the first mapping error is held until the whole input has decoded.
        let mut mapping_error = None;
        let (mut pos, mut at) = (0usize, 0usize);
        let mut resized = false;
        while pos < n {
            if pos < safe && mapping_error.is_none() {
                // One 64-byte block of table steps (one-byte opcodes without payload that map:
                // they decode, and their target size is known from their first byte), with the
                // block's start bits gathered in a register rather than set one by one.
                let block = pos / 64;
                while starts.base.len() <= block {
                    starts.base.push(at);
                }
                starts.reserve_target(at + 64 * max_dst);
                let end = ((block + 1) * 64).min(safe);
                let mut word = 0u64;
                let mut count = 0;
                // Locals, so that the loop keeps them in registers.
                let target = &mut starts.target[..];
                let mut changed = false;
                while pos < end {
                    let e = sizes[usize::from(input[pos])] as usize;
                    if e == 0 {
                        break;
                    }
                    let (s, t) = (e & 0xFFFF, e >> 16);
                    word |= 1 << (pos % 64);
                    target[at / 64] |= 1 << (at % 64);
                    changed |= s != t;
                    count += 1;
                    at += t;
                    pos += s;
                }
                resized |= changed;
                starts.source[block] |= word;
                starts.count += count;
                if count > 0 {
                    continue;
                }
            }
            let e = sizes[usize::from(input[pos])] as usize;
            let (s, t) = (e & 0xFFFF, e >> 16);
            if s != 0 && s <= n - pos {
                starts.push(pos, at);
                resized |= s != t;
                at += t;
                pos += s;
                continue;
            }
            let d = self.decode_at(input, pos)?;
            if mapping_error.is_none() {
                starts.push(pos, at);
                match self.target_of(input, pos, &d) {
                    Ok((_, len)) => {
                        resized |= len != d.len;
                        at += len;
                    }
                    Err(e) => mapping_error = Some(e),
                }
            }
            pos += d.len;
        }
        if let Some(e) = mapping_error {
            return Err(e);
        }
        starts.finish(at);
        Ok((starts, resized))
    }

    /// Pass 2: writes the translation to `out` in order, with every branch offset recomputed
    /// from `starts` (pass 1's map of this input); returns the number of offsets that changed.
    /// Only encode errors are left at this point, and they are reported in stream order.
    pub(super) fn emit<W: Write>(
        &self,
        input: &[u8],
        starts: &StartMap,
        out: &mut W,
    ) -> Result<usize, EmitError> {
        let fixed = self.emit_range(input, starts, (0, 0), input.len(), |b| out.write_all(b))?;
        out.flush().map_err(EmitError::Io)?;
        Ok(fixed)
    }

    /// Pass 2 over the instructions from source offset `from.0` (an instruction start, which
    /// lands at target offset `from.1`) up to the first instruction start at or past `to`
    /// (also one, or the end), with the output handed in order to `out`. The whole output is
    /// one range; [`Translator::emit_at`](super::parallel) writes several at once.
    pub(super) fn emit_range<O: FnMut(&[u8]) -> std::io::Result<()>>(
        &self,
        input: &[u8],
        starts: &StartMap,
        from: (usize, usize),
        to: usize,
        out: O,
    ) -> Result<usize, EmitError> {
        let reloc = |field: &str, offset: i128, target: i128| {
            relocate(input.len(), starts, field, offset, target)
        };
        let mut r = Range::new(from, to, out);
        self.finish_range(input, starts, &reloc, &mut r)
    }

    /// The rest of a range, on its own.
    fn finish_range<O: FnMut(&[u8]) -> std::io::Result<()>>(
        &self,
        input: &[u8],
        starts: &StartMap,
        reloc: &dyn Fn(&str, i128, i128) -> Result<i128, ErrorKind>,
        r: &mut Range<O>,
    ) -> Result<usize, EmitError> {
        while r.s < r.to {
            self.run_short(input, starts, r);
            if r.s < r.to {
                self.one(input, starts, reloc, r)?;
            }
        }
        r.sink.flush()?;
        Ok(r.fixed)
    }

    /// The common case, in a loop of its own: short instructions, written as word moves while
    /// the buffer has room, their branch offsets (if any) recomputed in place. Kept apart from
    /// the rest of pass 2 so that its positions stay in registers.
    ///
    /// Where each instruction starts is read from pass 1's map (the next set bit of its source
    /// starts), not from the size of the one before: the steps are then independent of each
    /// other, and the core overlaps several at once. (Found from the sizes, each step waited
    /// for an input load and a table load before the next could begin, and two ranges were
    /// interleaved to hide it, at the cost of their state spilled to the stack.)
    #[inline]
    fn run_short<O: FnMut(&[u8]) -> std::io::Result<()>>(
        &self,
        input: &[u8],
        starts: &StartMap,
        r: &mut Range<O>,
    ) {
        let small = &*self.steps.small;
        let (buf, o0, mut s) = (&mut r.sink.buf[..], r.sink.at, r.s);
        let mut o = o0;
        let room = buf.len() - SLACK - SMALL;
        let safe = r.to.min(input.len().saturating_sub(SMALL - 1));
        if s < safe && o <= room {
            // The bytes a step at `s < safe` reads and the bytes a step at `o <= room` writes,
            // as slices whose lengths say so: the compiler then drops the read's bounds check,
            // and the write's is the test for a full buffer (`safe` is at most the input's
            // length less `SMALL - 1`, and at least 1 here).
            let (window, out) = (&input[..safe + SMALL - 1], &mut buf[..room + SMALL]);
            let source = &starts.source[..];
            let mut word = s / 64;
            // The starts from `s` on (`s` is one).
            let mut bits = source[word] & (u64::MAX << (s % 64));
            let mut expect = s;
            'steps: loop {
                while bits == 0 {
                    word += 1;
                    match source.get(word) {
                        Some(&b) => bits = b,
                        None => {
                            s = starts.len;
                            break 'steps;
                        }
                    }
                }
                s = word * 64 + bits.trailing_zeros() as usize;
                // The map's next start is where the instruction before ends.
                debug_assert_eq!(s, expect, "the map's start against the size before it");
                if s >= safe {
                    break;
                }
                let w = u64::from_le_bytes(window[s..s + SMALL].try_into().expect("8 bytes"));
                let e = &small[(w & 0xFF) as usize];
                let Some((rot, mask)) = e.words else { break };
                if e.src_len == 0 || w & e.zmask != 0 {
                    break;
                }
                let v = u64::from_le_bytes(e.konst)
                    | w.rotate_left(rot[0]) & mask[0]
                    | w.rotate_left(rot[1]) & mask[1];
                // Full (`o > room`): the general step flushes the buffer.
                let Some(dst) = out.get_mut(o..).and_then(|d| d.first_chunk_mut::<SMALL>()) else {
                    break;
                };
                *dst = v.to_le_bytes();
                let dl = usize::from(e.dst_len);
                if e.branch {
                    // Its offsets recomputed in place (leaving the loop for each branch, one
                    // instruction in thirty in a typical program, cost more than the lookups).
                    // One that does not land or fit is left to the general step, which reports
                    // it.
                    let (sl, t) = (usize::from(e.src_len), r.t + (o - o0));
                    let b = (w & 0xFF) as usize;
                    match self.small_branches(b, input, (s, sl), t, &mut out[o..o + dl], starts) {
                        Some(k) => r.fixed += k,
                        None => break,
                    }
                }
                o += dl;
                expect = s + usize::from(e.src_len);
                bits &= bits - 1;
            }
        }
        // The target offset moves with the buffer's.
        (r.sink.at, r.s, r.t) = (o, s, r.t + (o - o0));
    }

    /// One instruction of pass 2 at `r.s`, by whichever of the step tables and the general
    /// encoder applies.
    fn one<O: FnMut(&[u8]) -> std::io::Result<()>>(
        &self,
        input: &[u8],
        starts: &StartMap,
        reloc: &dyn Fn(&str, i128, i128) -> Result<i128, ErrorKind>,
        r: &mut Range<O>,
    ) -> Result<(), EmitError> {
        let n = input.len();
        let kinds = &*self.steps.kinds;
        let small = &*self.steps.small;
        let sizes = &*self.steps.sizes;
        let (s, t) = (r.s, r.t);
        let (sink, fixed) = (&mut r.sink, &mut r.fixed);
        let b = usize::from(input[s]);
        let e = &small[b];
        if e.src_len != 0 && n - s >= SMALL {
            let w = u64::from_le_bytes(input[s..s + SMALL].try_into().expect("8 bytes"));
            if w & e.zmask == 0 {
                sink.room(SMALL)?;
                let o = sink.at;
                let dst = &mut sink.buf[o..o + SMALL];
                match e.words {
                    Some((rot, mask)) => {
                        let konst = u64::from_le_bytes(e.konst);
                        let v = konst
                            | w.rotate_left(rot[0]) & mask[0]
                            | w.rotate_left(rot[1]) & mask[1];
                        dst.copy_from_slice(&v.to_le_bytes());
                    }
                    None => {
                        let mut window = [0u8; 2 * SMALL];
                        window[..SMALL].copy_from_slice(&w.to_le_bytes());
                        window[SMALL..].copy_from_slice(&e.konst);
                        for (d, &i) in dst.iter_mut().zip(&e.map) {
                            *d = window[usize::from(i) & (2 * SMALL - 1)];
                        }
                    }
                }
                let (sl, dl) = (usize::from(e.src_len), usize::from(e.dst_len));
                // A branch that does not land or fit falls through to the general
                // encoder below, which reports it.
                let landed = !e.branch
                    || self
                        .small_branches(b, input, (s, sl), t, &mut dst[..dl], starts)
                        .map(|k| *fixed += k)
                        .is_some();
                if landed {
                    sink.at += dl;
                    (r.s, r.t) = (s + sl, t + dl);
                    return Ok(());
                }
            }
        }
        let kind = kinds[b];
        if kind == PLAIN {
            // The general encoder would write the source bytes with the new opcode byte.
            let size = sizes[b] as usize & 0xFFFF;
            if size <= n - s {
                sink.room(size)?;
                let o = sink.at;
                sink.buf[o..o + size].copy_from_slice(&input[s..s + size]);
                sink.buf[o] = self.fast[b] as u8;
                sink.at += size;
                (r.s, r.t) = (s + size, t + size);
                return Ok(());
            }
        } else if kind == TEMPLATE {
            let tp = self.steps.templates[b]
                .as_ref()
                .expect("a template byte has one");
            if tp.src_len <= n - s {
                let src = &input[s..s + tp.src_len];
                if tp.must_be_zero.iter().all(|&i| src[usize::from(i)] == 0) {
                    sink.room(tp.dst_len)?;
                    let o = sink.at;
                    let dst = &mut sink.buf[o..o + tp.dst_len];
                    let h = tp.head.len();
                    dst[..h].copy_from_slice(&tp.head);
                    for (d, &i) in dst[h..].iter_mut().zip(&tp.bytes) {
                        *d = if i == ZERO { 0 } else { src[usize::from(i)] };
                    }
                    let ends = (s + tp.src_len, t + tp.dst_len);
                    // `None`: a branch that does not land or fit; the general encoder
                    // below reports it.
                    if let Some(k) = self.branches(tp, src, dst, ends, starts) {
                        *fixed += k;
                        sink.at += tp.dst_len;
                        (r.s, r.t) = (s + tp.src_len, t + tp.dst_len);
                        return Ok(());
                    }
                }
            }
        }
        let d = self.decode_at(input, s)?;
        let (m, len) = self.target_of(input, s, &d)?;
        sink.room(len)?;
        let o = sink.at;
        *fixed += self
            .encode(
                &d,
                m,
                &input[s..s + d.len],
                &mut sink.buf[o..o + len],
                (s + d.len, t + len),
                reloc,
            )
            .map_err(|e| self.fail(input, s, Some(&d), e))?;
        sink.at += len;
        (r.s, r.t) = (s + d.len, t + len);
        Ok(())
    }

    /// The branches of the short instruction with opcode byte `b` at source `s` (`sl` bytes),
    /// written as `dst` at target `t`, recomputed in `dst` ([`Translator::branches`] with its
    /// template).
    #[inline]
    fn small_branches(
        &self,
        b: usize,
        input: &[u8],
        (s, sl): (usize, usize),
        t: usize,
        dst: &mut [u8],
        starts: &StartMap,
    ) -> Option<usize> {
        let tp = self.steps.templates[b]
            .as_ref()
            .expect("a branch step has a template");
        let ends = (s + sl, t + dst.len());
        self.branches(tp, &input[s..s + sl], dst, ends, starts)
    }

    /// A template's branches recomputed into `dst`: the number of offsets that changed, or
    /// `None` when one does not land on an instruction or does not fit (the general encoder
    /// then reports it).
    #[inline]
    fn branches(
        &self,
        tp: &Template,
        src: &[u8],
        dst: &mut [u8],
        ends: (usize, usize),
        starts: &StartMap,
    ) -> Option<usize> {
        starts.prefetch(ends.0, ends.1);
        let mut fixed = 0;
        for (sf, tf) in &tp.branches {
            let value = sf.value(src, true);
            let target = ends.0 as i128 + value;
            if target < 0 {
                return None;
            }
            let new = starts.target_of(usize::try_from(target).ok()?)? as i128 - ends.1 as i128;
            let (min, max) = tf.range(true);
            if new < min || new > max {
                return None;
            }
            fixed += usize::from(new != value);
            tf.put(dst, new);
        }
        Some(fixed)
    }
}

#[cfg(test)]
mod start_map_tests {
    use super::super::tests::xorshift;
    use super::{select64, StartMap};

    #[test]
    fn select_finds_every_set_bit() {
        let mut next = xorshift(0x9E37_79B9_7F4A_7C15);
        for i in 0..20_000 {
            let x = next();
            // Sparse and dense words too.
            let w = match i % 3 {
                0 => x,
                1 => x & x.rotate_left(17) & x.rotate_left(29),
                _ => x | x.rotate_left(11),
            };
            let ones: Vec<u32> = (0..64).filter(|&b| w >> b & 1 == 1).collect();
            for (k, &b) in ones.iter().enumerate() {
                assert_eq!(select64(w, k as u32), b, "{w:#x} {k}");
            }
        }
        assert_eq!(select64(u64::MAX, 63), 63);
        assert_eq!(select64(1 << 63, 0), 63);
    }

    /// The compact map answers every offset exactly as a plain list of `(source, target)` pairs.
    #[test]
    fn agrees_with_a_list_of_pairs() {
        let mut next = xorshift(0x2545_F491_4F6C_DD1D);
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
