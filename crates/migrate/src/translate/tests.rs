//! The same-size path cut into speculative chains must agree with one plain walk, byte for
//! byte and in when it gives up, wherever the cuts fall.

use super::fast::{CHAINS, MIN_SEGMENT};
use super::two_pass::StartMap;
use super::*;
use isa_core::{Entry, Field, FieldKind, Layout, Table};
use proptest::prelude::*;

/// Source and target tables with every kind of instruction the walk meets: renumbered ones
/// of sizes 1–5, a re-encoded one of the same size, a payload, a size-only (opaque) one, a
/// two-byte opcode, one the target lacks, one that grows, and unknown numbers.
fn tables() -> (Table, Table) {
    let letters = ["A", "B", "C", "D", "E", "F", "G"];
    let mut a = Table::new("a");
    let mut b = Table::new("b");
    for op in 0..0x40u32 {
        let letter = letters[op as usize % letters.len()];
        a.entries
            .push(Entry::new(op, &format!("OP{op}")).with_format(letter));
        b.entries
            .push(Entry::new((op * 7 + 3) % 0x40, &format!("OP{op}")).with_format(letter));
    }
    let payload = Layout::new(2, vec![Field::new("len", 8, FieldKind::PayloadLength)]).unwrap();
    let wide = Layout::new(3, vec![Field::new("rd", 8, FieldKind::Register)]).unwrap();
    for t in [&mut a, &mut b] {
        t.formats.insert("P".into(), payload.clone());
        t.formats.insert("W".into(), wide.clone());
    }
    // D (`rd, imm8`) becomes `rd, rs1 = 0, imm8`: the operand bytes move in two runs.
    let split = Layout::new(
        4,
        vec![
            Field::new("rd", 8, FieldKind::Register),
            Field::new("rs1", 8, FieldKind::Register),
            Field::new("imm8", 8, FieldKind::Immediate),
        ],
    )
    .unwrap();
    b.formats.insert("S".into(), split);
    let mut jmp = Entry::new(0x46, "JMP").with_format("F");
    jmp.details.make_mut().branch = Some("imm16".into());
    let mut opaque = Entry::new(0x42, "OPAQUE");
    opaque.size_bytes = Some(3);
    a.entries.extend([
        Entry::new(0x40, "REENC").with_format("F"),
        Entry::new(0x41, "PAY").with_format("P"),
        opaque.clone(),
        Entry::new(0x43, "TOIMM").with_format("B"),
        Entry::new(0xFF01, "WIDE").with_format("W"),
        Entry::new(0x44, "GONE").with_format("B"),
        Entry::new(0x45, "GROWS").with_format("D"),
        Entry::new(0xFE, "SPLIT").with_format("D"),
        jmp.clone(),
    ]);
    jmp.opcode = 0x56;
    opaque.opcode = 0x52;
    b.entries.extend([
        Entry::new(0x50, "REENC").with_format("E"),
        Entry::new(0x51, "PAY").with_format("P"),
        opaque,
        Entry::new(0x53, "TOIMM").with_format("C"),
        Entry::new(0xFF02, "WIDE").with_format("W"),
        Entry::new(0x55, "GROWS").with_format("F"),
        Entry::new(0x5F, "SPLIT").with_format("S"),
        jmp,
    ]);
    (a, b)
}

fn translator() -> Translator {
    let (a, b) = tables();
    Translator::new(&a, &b, &TranslateOptions::new()).unwrap()
}

/// The same pair with a fifth of the target's instructions moved onto escape page 0xFE,
/// so renumbered instructions grow a byte (and the two-pass mode relocates around them).
fn paged_translator() -> Translator {
    let (a, mut b) = tables();
    b.encoding = isa_core::Encoding::escapes([0xFE]).unwrap();
    for e in &mut b.entries {
        if e.opcode < 0x40 && e.opcode % 5 == 0 {
            e.opcode |= 0xFE00;
        }
    }
    Translator::new(&a, &b, &TranslateOptions::new()).unwrap()
}

/// The single walk this path replaced, kept as the oracle.
fn plain_walk(t: &Translator, input: &[u8], out: &mut [u8]) -> Option<Stats> {
    let n = input.len();
    let (mut pos, mut count) = (0, 0);
    while pos < n {
        let e = t.fast[usize::from(input[pos])];
        let size = (e >> 8) as usize;
        if size != 0 && size <= n - pos {
            out[pos] = e as u8;
            pos += size;
            count += 1;
            continue;
        }
        let d = t.decode_at(input, pos).ok()?;
        let (m, len) = t.target_of(input, pos, &d).ok()?;
        if len != d.len {
            return None;
        }
        let end = pos + len;
        t.encode(
            &d,
            m,
            &input[pos..end],
            &mut out[pos..end],
            (end, end),
            &|_, _, target| Ok(target),
        )
        .ok()?;
        pos = end;
        count += 1;
    }
    Some(Stats {
        instructions: count,
        bytes_in: n,
        bytes_out: n,
        branches_fixed: 0,
        same_size: true,
    })
}

/// A xorshift64 generator from `seed` (any value; 0 is made odd): the translation tests'
/// deterministic source of programs and bit patterns.
pub(super) fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed | 1;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

/// A program of mostly renumbered instructions; `spice` (0–5) mixes in the slower kinds: at
/// 1–3 ones that keep their size, at 4 also a growing one and branches (so the two-pass
/// mode runs), at 5 also failing ones (non-zero dropped operands, missing, unknown).
fn program(seed: u64, len: usize, spice: u8) -> Vec<u8> {
    let mut next = xorshift(seed);
    let sizes = [1usize, 2, 2, 3, 4, 4, 5];
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        let r = next();
        let special = spice > 0 && r % 64 < u64::from(spice) * 2;
        if !special {
            let op = (r >> 8) % 0x40;
            out.push(op as u8);
            for i in 1..sizes[op as usize % 7] {
                out.push((r >> (16 + 4 * i)) as u8);
            }
            continue;
        }
        let kinds = [4, 4, 4, 4, 6, 9][usize::from(spice)];
        match (r >> 8) % kinds {
            // REENC with imm16 = 0 (else the dropped operand fails).
            0 => out.extend_from_slice(&[0x40, (r >> 20) as u8, 0, 0]),
            1 => {
                let n = (r >> 20) as u8 % 6;
                out.extend_from_slice(&[0x41, n]);
                out.extend((0..n).map(|i| i.wrapping_mul(37)));
            }
            2 => out.extend_from_slice(&[0x42, (r >> 20) as u8, (r >> 28) as u8]),
            3 => out.extend_from_slice(&[0xFF, 0x01, (r >> 20) as u8]),
            4 => out.extend_from_slice(&[0x45, 1, 2]),
            // JMP over a growing instruction, or (at 5) anywhere near.
            5 if spice < 5 => out.extend_from_slice(&[0x46, 0, 3, 0, 0x45, 1, 2]),
            5 => out.extend_from_slice(&[0x46, 0, (r >> 20) as u8 % 8, 0]),
            6 => out.extend_from_slice(&[0x43, (r >> 20) as u8 & 1]),
            7 => out.extend_from_slice(&[0x44, 0]),
            _ => out.push(0x47 + (r >> 20) as u8 % 0xB0),
        }
    }
    out
}

/// Same result as the plain walk, cut every `segment` bytes (`None`: as in production) and
/// translated in windows of `window` bytes (`None`: one window, as in memory); the output
/// bytes only matter when the path succeeds (else the two-pass mode rewrites them).
fn agrees(
    t: &Translator,
    input: &[u8],
    segment: Option<usize>,
    window: Option<usize>,
) -> Result<(), String> {
    let mut want = input.to_vec();
    let expected = plain_walk(t, input, &mut want);
    // Window after window, as `same_size_at` writes them: each must end at the first
    // instruction start at or past its end and hold exactly the bytes up to there.
    let window = window.unwrap_or(input.len()).max(1);
    let (mut got, mut buf) = (Vec::new(), Vec::new());
    let (mut from, mut count) = (0, 0);
    let mut actual = Some(());
    while from < input.len() {
        let to = from + window;
        let Some((end, c)) = t.same_size_window(input, from, to, &mut buf, segment) else {
            actual = None;
            break;
        };
        if end < to.min(input.len()) || buf.len() != end - from {
            return Err(format!(
                "window {from}..{to}: ends at {end} with {} bytes",
                buf.len()
            ));
        }
        got.extend_from_slice(&buf);
        (count, from) = (count + c, end);
    }
    let actual = actual.map(|()| Stats::same_size(input, count));
    if actual != expected {
        return Err(format!(
            "segment {segment:?}, window {window:?}: {actual:?}, plain walk {expected:?}"
        ));
    }
    if expected.is_some() && got != want {
        let at = got
            .iter()
            .zip(&want)
            .position(|(x, y)| x != y)
            .unwrap_or(got.len());
        return Err(format!(
            "segment {segment:?}, window {window:?}: bytes differ from offset {at}"
        ));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn chains_agree_with_one_walk(
        seed in any::<u64>(),
        len in 0usize..3000,
        spice in 0u8..6,
        segment in 1usize..400,
        window in 1usize..1200,
    ) {
        let input = program(seed, len, spice);
        for t in [translator(), paged_translator()] {
            prop_assert_eq!(agrees(&t, &input, Some(segment), None), Ok(()));
            prop_assert_eq!(agrees(&t, &input, None, None), Ok(()));
            prop_assert_eq!(agrees(&t, &input, Some(segment), Some(window)), Ok(()));
            prop_assert_eq!(agrees(&t, &input, None, Some(window)), Ok(()));
        }
    }

    #[test]
    fn chains_agree_on_arbitrary_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
        segment in 1usize..200,
    ) {
        prop_assert_eq!(agrees(&translator(), &bytes, Some(segment), None), Ok(()));
    }
}

/// The first-byte table of [`Mapping::plain`](super::rules::Mapping::plain) rules, as the
/// previous two-pass mode built it.
fn old_plain(t: &Translator) -> [bool; 256] {
    let mut plain = [false; 256];
    for rule in &t.rules {
        if let (1, Ok(m)) = (rule.bytes.len(), &rule.map) {
            plain[usize::from(rule.bytes.as_slice()[0])] = m.plain;
        }
    }
    plain
}

/// The two-pass mode as it was before it streamed (pass 2 into one buffer of the output's
/// size), kept as the oracle of the streaming one: the same bytes, totals and errors.
fn old_two_pass(
    t: &Translator,
    input: &[u8],
    out: &mut Vec<u8>,
) -> Result<(Stats, Option<StartMap>), TranslateError> {
    let plain_table = old_plain(t);
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
        let size = (t.fast[usize::from(input[pos])] >> 8) as usize;
        if size != 0 && size <= n - pos {
            // Renumbered only: it decodes, maps, and keeps its size.
            starts.push(pos, at);
            at += size;
            pos += size;
            continue;
        }
        let d = t.decode_at(input, pos)?;
        if mapping_error.is_none() {
            starts.push(pos, at);
            match t.target_of(input, pos, &d) {
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
    let plain = |s: usize| plain_table[usize::from(input[s])];
    let fast_size = |s: usize| (t.fast[usize::from(input[s])] >> 8) as usize;
    let mut fixed = 0;
    let (mut s, mut o) = (0usize, 0usize);
    while s < n {
        if plain(s) {
            // A run of instructions the encoder would write as they are, with new opcodes
            // (see `Mapping::plain`): they keep their sizes (pass 1 checked that each fits),
            // so the run is one copy and then one opcode byte each.
            let mut end = s;
            while end < n && plain(end) {
                end += fast_size(end);
            }
            out[o..o + (end - s)].copy_from_slice(&input[s..end]);
            let mut q = s;
            while q < end {
                out[o + (q - s)] = t.fast[usize::from(input[q])] as u8;
                q += fast_size(q);
            }
            o += end - s;
            s = end;
            continue;
        }
        let d = t.decode_at(input, s)?;
        let (m, len) = t.target_of(input, s, &d)?;
        fixed += t
            .encode(
                &d,
                m,
                &input[s..s + d.len],
                &mut out[o..o + len],
                (s + d.len, o + len),
                &reloc,
            )
            .map_err(|e| t.fail(input, s, Some(&d), e))?;
        s += d.len;
        o += len;
    }
    let stats = Stats {
        instructions: starts.count(),
        bytes_in: n,
        bytes_out: total,
        branches_fixed: fixed,
        same_size: false,
    };
    Ok((stats, Some(starts)))
}

/// The same translator with every shortcut off: no fast steps, no plain copies — every
/// instruction decoded, mapped and encoded by the general code.
fn general_only(t: &Translator) -> Translator {
    let mut g = t.clone();
    for (b, e) in g.fast.iter_mut().enumerate() {
        *e = b as u32;
    }
    g.steps.sizes = Box::new([0; 256]);
    g.steps.kinds = Box::new([steps::GENERAL; 256]);
    g.max_fast = 0;
    g
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Both modes, shortcuts and all, give what the general encoder gives: the same bytes
    /// and totals, or the same error.
    #[test]
    fn shortcuts_change_nothing(seed in any::<u64>(), len in 0usize..3000, spice in 0u8..6) {
        let input = program(seed, len, spice);
        for t in [translator(), paged_translator()] {
            let fast = t.translate(&input);
            let general = general_only(&t).translate(&input);
            prop_assert_eq!(&fast, &general);
        }
    }
}

#[test]
fn the_paged_target_widens_opcodes() {
    let t = paged_translator();
    let input = program(7, 2000, 0);
    let out = t.translate(&input).unwrap();
    assert!(out.stats.bytes_out > out.stats.bytes_in);
    let general = general_only(&t).translate(&input).unwrap();
    assert_eq!(out, general);
}

#[test]
fn the_generator_reaches_both_modes() {
    let t = translator();
    let (mut same, mut resized, mut branches, mut failed) = (0, 0, 0, 0);
    for seed in 1..100 {
        match t.translate(&program(seed, 2000, 4 + (seed % 2) as u8)) {
            Ok(r) if r.stats.same_size => same += 1,
            Ok(r) => {
                resized += 1;
                branches += r.stats.branches_fixed;
            }
            Err(_) => failed += 1,
        }
    }
    assert!(
        resized > 20 && branches > 20 && failed > 20,
        "{same} {resized} {branches} {failed}"
    );
}

#[test]
fn a_decode_error_wins_over_an_earlier_mapping_error() {
    // GONE (no counterpart) at 0, then an unknown opcode at 2: the decode error is
    // reported, as it was before pass 1 held mapping errors back.
    let t = translator();
    let err = t.translate(&[0x44, 0, 0xEE]).unwrap_err();
    assert_eq!(err.offset, 2);
    assert!(matches!(
        err.kind,
        ErrorKind::UnknownOpcode { opcode: 0xEE, .. }
    ));
    let err = t.translate(&[0x44, 0, 0x00]).unwrap_err();
    assert_eq!(err.offset, 0);
    assert!(matches!(err.kind, ErrorKind::NoCounterpart { .. }));
}

#[test]
fn walks_that_never_meet_are_undone() {
    // 4-byte instructions after one 1-byte instruction: a guess at a multiple of 4 is out
    // of phase forever, so the stitch gives up on it after MAX_MISSES steps.
    let t = translator();
    // Operands equal to the opcode make every byte look like the start of a 4-byte
    // instruction, so the guessed walk never drifts into phase.
    let e_op = 4u8; // letter E
    let mut input = vec![0u8]; // letter A
    while input.len() < 40_000 {
        input.extend_from_slice(&[e_op; 4]);
    }
    for segment in [40, 4_000, 4_001, 4_002, 4_003, 10_000] {
        assert_eq!(agrees(&t, &input, Some(segment), None), Ok(()));
    }
    assert_eq!(agrees(&t, &input, None, None), Ok(()));
    // And through the public entry point, against the two-pass mode.
    let fast = t.translate(&input).unwrap();
    let mut slow = Vec::new();
    old_two_pass(&t, &input, &mut slow).unwrap();
    assert_eq!(fast.bytes, slow);
    assert_eq!(fast.stats.instructions, 1 + (input.len() - 1) / 4);
}

#[test]
fn large_programs_match_the_two_pass_mode() {
    let t = translator();
    for (seed, spice) in [(1, 0), (2, 1), (3, 3)] {
        let input = program(seed, 100_000, spice);
        assert!(input.len() >= CHAINS * MIN_SEGMENT);
        let fast = t.translate(&input).unwrap();
        assert!(fast.stats.same_size);
        let mut slow = Vec::new();
        let (stats, _) = old_two_pass(&t, &input, &mut slow).unwrap();
        assert_eq!(fast.bytes, slow, "seed {seed}");
        assert_eq!(fast.stats.instructions, stats.instructions);
    }
    // An unknown opcode deep in the last segment is reported where it is.
    let mut input = program(4, 100_000, 0);
    let at = t.decode(&input).unwrap()[20_000].offset;
    input[at] = 0xEE;
    let err = t.translate(&input).unwrap_err();
    assert_eq!(err.offset, at);
    assert!(matches!(
        err.kind,
        ErrorKind::UnknownOpcode { opcode: 0xEE, .. }
    ));
}

/// The whole translation as it was before pass 2 streamed: the same-size path first, then the
/// previous two-pass mode.
fn old_translate(t: &Translator, input: &[u8]) -> Result<Translation, TranslateError> {
    let mut bytes = input.to_vec();
    if let Some(stats) = t.same_size(input, &mut bytes) {
        return Ok(Translation {
            bytes,
            stats,
            starts: None,
        });
    }
    let (stats, starts) = old_two_pass(t, input, &mut bytes)?;
    Ok(Translation {
        bytes,
        stats,
        starts,
    })
}

/// A program of `count` instructions of every kind `program` makes, where JMPs (F, `imm16` a
/// branch) point at random instruction starts up to 1,000 instructions before or after them, so their targets move
/// when the instructions between grow; with `bad`, one in eight points inside an instruction
/// or outside the program instead.
fn program_with_branches(seed: u64, count: usize, bad: bool) -> Vec<u8> {
    let mut next = xorshift(seed);
    let mut starts = Vec::with_capacity(count + 1);
    let mut jumps = Vec::new();
    let mut out = Vec::new();
    for _ in 0..count {
        starts.push(out.len());
        let r = next();
        match r % 8 {
            0 | 1 => {
                jumps.push((starts.len() - 1, out.len()));
                out.extend_from_slice(&[0x46, (r >> 8) as u8 & 0x0F, 0, 0]);
            }
            // GROWS (D → F) and TOIMM (B → C, rd must be 0).
            2 => out.extend_from_slice(&[0x45, (r >> 8) as u8, (r >> 16) as u8]),
            3 => out.extend_from_slice(&[0x43, 0]),
            4 if r >> 8 & 7 == 2 => out.extend_from_slice(&[0xFE, (r >> 16) as u8, 0x5A]),
            // A payload and a two-byte opcode (general code in both passes).
            4 if r >> 8 & 7 == 0 => out.extend_from_slice(&[0x41, 2, 7, 9]),
            4 if r >> 8 & 7 == 1 => out.extend_from_slice(&[0xFF, 0x01, (r >> 16) as u8]),
            _ => {
                let op = (r >> 24) % 0x40;
                out.push(op as u8);
                for i in 1..[1usize, 2, 2, 3, 4, 4, 5][op as usize % 7] {
                    out.push((r >> (32 + 4 * i)) as u8);
                }
            }
        }
    }
    starts.push(out.len());
    for &(i, at) in &jumps {
        let r = next();
        // Up to 1,000 instructions either way, so that the offsets fit after growing.
        let j = (i + (r % 2001) as usize).saturating_sub(1000).min(count);
        let mut target = starts[j] as i64;
        if bad && r >> 32 & 7 == 0 {
            target += if r >> 40 & 1 == 0 {
                1
            } else {
                out.len() as i64
            };
        }
        let offset = target - (at as i64 + 4);
        if let Ok(offset) = i16::try_from(offset) {
            out[at + 2..at + 4].copy_from_slice(&offset.to_le_bytes());
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The streaming two-pass mode gives what the previous one gave — bytes, totals, the map
    /// of offsets and errors — on programs whose branches cross growing instructions, and
    /// `translate_to` writes the same bytes.
    #[test]
    fn streaming_matches_the_previous_two_pass(
        seed in any::<u64>(),
        count in 0usize..1500,
        bad in any::<bool>(),
    ) {
        let input = program_with_branches(seed, count, bad);
        for t in [translator(), paged_translator()] {
            let new = t.translate(&input);
            let old = old_translate(&t, &input);
            prop_assert_eq!(&new, &old);
            let mut written = Vec::new();
            match (t.translate_to(&input, &mut written), &old) {
                (Ok(stats), Ok(old)) => {
                    prop_assert_eq!(stats, old.stats);
                    prop_assert_eq!(&written, &old.bytes);
                }
                (Err(WriteError::Translate(e)), Err(old)) => prop_assert_eq!(&*e, old),
                (got, want) => prop_assert!(false, "{got:?} against {want:?}"),
            }
        }
    }

    /// The same on the generator of the other tests (every instruction kind, failing ones at
    /// spice 5) and on arbitrary bytes.
    #[test]
    fn streaming_matches_on_other_programs(
        seed in any::<u64>(),
        len in 0usize..3000,
        spice in 0u8..6,
        bytes in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        for input in [program(seed, len, spice), bytes] {
            for t in [translator(), paged_translator()] {
                prop_assert_eq!(t.translate(&input), old_translate(&t, &input));
            }
        }
    }
}

#[test]
fn the_branch_generator_moves_targets_and_fails_some() {
    let t = translator();
    let (mut moved, mut failed) = (0, 0);
    for seed in 1..60 {
        match t.translate(&program_with_branches(seed, 800, seed % 2 == 0)) {
            Ok(r) => {
                assert!(!r.stats.same_size);
                moved += r.stats.branches_fixed;
            }
            Err(e) => {
                assert!(matches!(e.kind, ErrorKind::BranchTarget { .. }), "{e}");
                failed += 1;
            }
        }
    }
    assert!(moved > 1000 && failed > 10, "{moved} {failed}");
}

/// A writer that accepts `left` bytes, then fails.
struct FailAfter {
    left: usize,
}

impl std::io::Write for FailAfter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.len() > self.left {
            return Err(std::io::Error::other("disk full"));
        }
        self.left -= buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_failing_writer_is_reported_as_such() {
    // Large enough for pass 2 to hand over several chunks.
    let t = translator();
    let input = program_with_branches(5, 400_000, false);
    let whole = t.translate(&input).unwrap();
    assert!(whole.bytes.len() > 1 << 20);
    let err = t
        .translate_to(&input, &mut FailAfter { left: 600_000 })
        .unwrap_err();
    assert!(matches!(err, WriteError::Io(_)), "{err}");
    let mut all = Vec::new();
    assert_eq!(t.translate_to(&input, &mut all).unwrap(), whole.stats);
    assert_eq!(all, whole.bytes);
}

/// What a destination written at offsets received: the bytes, and how many times each was
/// written (every byte exactly once, whatever the order of the pieces).
#[derive(Default)]
struct Positioned {
    bytes: Vec<u8>,
    writes: Vec<u8>,
}

impl Positioned {
    fn write(&mut self, buf: &[u8], offset: u64) {
        let (lo, hi) = (offset as usize, offset as usize + buf.len());
        if self.bytes.len() < hi {
            self.bytes.resize(hi, 0);
            self.writes.resize(hi, 0);
        }
        self.bytes[lo..hi].copy_from_slice(buf);
        for w in &mut self.writes[lo..hi] {
            *w += 1;
        }
    }
}

/// Both passes cut every `segment` bytes give what one thread gives: pass 1 the same map,
/// flag and error; `translate_to_at` (a same-size translation in windows of `segment` bytes)
/// the same bytes (each written once), totals and error.
fn parallel_agrees(t: &Translator, input: &[u8], segment: usize) -> Result<(), String> {
    let one = t.place_seq(input);
    let cut = t.place_in(input, Some(segment));
    if cut != one {
        return Err(format!(
            "pass 1 cut every {segment}: {cut:?}, one thread {one:?}"
        ));
    }
    let want = t.translate(input);
    let out = std::sync::Mutex::new(Positioned::default());
    let got = t.translate_to_at_in(
        input,
        (Some(segment), Some(segment), segment),
        &|buf: &[u8], offset: u64| {
            out.lock().unwrap().write(buf, offset);
            Ok(())
        },
    );
    let out = out.into_inner().unwrap();
    match (got, &want) {
        (Ok(stats), Ok(want)) => {
            if stats != want.stats || out.bytes != want.bytes {
                return Err(format!(
                    "segment {segment}: {stats:?} against {:?}, bytes equal: {}",
                    want.stats,
                    out.bytes == want.bytes
                ));
            }
            if out.writes.iter().any(|&w| w != 1) {
                return Err(format!(
                    "segment {segment}: a byte not written exactly once"
                ));
            }
        }
        (Err(WriteError::Translate(e)), Err(want)) if *e == *want => {}
        (got, want) => return Err(format!("segment {segment}: {got:?} against {want:?}")),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The passes on several threads, with cuts in every position (most in the middle of an
    /// instruction), change nothing: on programs whose branches cross growing instructions,
    /// on every instruction kind (failing ones at spice 5) and on arbitrary bytes.
    #[test]
    fn parallel_passes_match_one_thread(
        seed in any::<u64>(),
        count in 0usize..1500,
        bad in any::<bool>(),
        len in 0usize..3000,
        spice in 0u8..6,
        bytes in proptest::collection::vec(any::<u8>(), 0..300),
        segment in 1usize..1200,
    ) {
        let inputs = [program_with_branches(seed, count, bad), program(seed, len, spice), bytes];
        for input in &inputs {
            for t in [translator(), paged_translator()] {
                prop_assert_eq!(parallel_agrees(&t, input, segment), Ok(()));
            }
        }
    }
}

#[test]
fn the_parallel_pass_1_usually_stitches() {
    // Valid programs: the stitched walks must give the answer themselves (not by falling back
    // to one thread) almost always, or the parallel pass would be only a cost.
    let t = translator();
    let (mut stitched, mut tried) = (0, 0);
    for seed in 1..40 {
        let input = program_with_branches(seed, 20_000, false);
        for segment in [64, 1000, 4096, 20_000] {
            tried += 1;
            let r = t.place_parallel(&input, segment);
            if let Some(found) = r {
                assert_eq!(
                    Ok(found),
                    t.place_seq(&input),
                    "seed {seed}, segment {segment}"
                );
                stitched += 1;
            }
        }
    }
    assert!(stitched * 10 >= tried * 9, "{stitched} of {tried}");
}

#[test]
fn parallel_walks_that_never_meet_fall_back() {
    // As in `walks_that_never_meet_are_undone`, with a growing instruction so that the
    // two-pass mode runs: every guessed walk is out of phase with the true one for ever.
    let t = translator();
    let mut input = vec![0x45, 1, 2]; // GROWS
    while input.len() < 40_000 {
        input.extend_from_slice(&[4u8; 4]);
    }
    assert_eq!(t.place_parallel(&input, 4096), None);
    for segment in [64, 4096, 10_000] {
        assert_eq!(parallel_agrees(&t, &input, segment), Ok(()));
    }
}

#[test]
fn the_stitched_map_is_allocated_once() {
    // The merged map is sized before the merge: its bases hold no more room than one per block
    // of the input. Grown from the first segment's by doubling (as it was), three segments
    // ended with room for a third more, and the reallocations on the way set the peak of a
    // large translation.
    let t = translator();
    let input = program_with_branches(3, 60_000, false);
    let segment = input.len().div_ceil(3);
    let (map, _) = t.place_parallel(&input, segment).expect("the walks stitch");
    assert_eq!(Ok((map.clone(), true)), t.place_seq(&input));
    assert!(
        map.base.capacity() <= input.len() / 64 + 1,
        "bases: room for {} against {} blocks",
        map.base.capacity(),
        input.len() / 64 + 1
    );
}

#[test]
fn a_walks_target_bits_are_bounded_before_it_starts() {
    // The parallel pass 1 allocates each walk's target bits once, zeroed, from the size table's
    // largest growth: the bound must hold for any program whose instructions the table knows,
    // even one made only of growing instructions, and is not looser than that growth.
    let t = translator();
    let mut grows = Vec::new();
    while grows.len() < 30_000 {
        grows.extend_from_slice(&[0x45, 1, 2]); // GROWS
    }
    let mut inputs = vec![grows];
    inputs.extend((1..6).map(|seed| program_with_branches(seed, 10_000, false)));
    for input in &inputs {
        let (map, _) = t.place_seq(input).expect("a valid program");
        let bound = t.target_words_bound(input.len());
        assert!(
            map.total / 64 < bound,
            "{} bits, bound {bound} words",
            map.total
        );
    }
    assert!(t.target_words_bound(64_000) <= 64_000 * 2 / 64 + 2);
}

#[test]
fn an_extreme_growth_ratio_does_not_size_the_walks() {
    // A table that turns a two-byte instruction into a 40-byte one must not have the parallel
    // pass reserve twenty times the program in bits up front (a table is the user's: the ratio
    // could be thousands): the bound stops at four times the segment, and walks that outgrow it
    // grow their bits and still agree with the one-thread pass.
    let mut a = Table::new("a");
    a.entries.push(Entry::new(0x01, "LONG").with_format("B"));
    let mut b = Table::new("b");
    // 40 bytes: the opcode byte, `rd`, and 38 bytes of immediates the source does not have
    // (written as 0).
    let mut fields = vec![Field::new("rd", 8, FieldKind::Register)];
    fields.extend((0..19).map(|i| Field::new(&format!("k{i}"), 16, FieldKind::Immediate)));
    let long = Layout::new(40, fields).unwrap();
    b.formats.insert("L".into(), long);
    b.entries.push(Entry::new(0x02, "LONG").with_format("L"));
    let t = Translator::new(&a, &b, &TranslateOptions::new()).unwrap();
    assert_eq!(t.target_words_bound(64_000), 64_000 * 4 / 64 + 2);
    let input: Vec<u8> = (0..20_000u32)
        .flat_map(|i| [0x01, (i % 16) as u8])
        .collect();
    for segment in [64, 4096, 10_000] {
        assert_eq!(parallel_agrees(&t, &input, segment), Ok(()));
    }
}
