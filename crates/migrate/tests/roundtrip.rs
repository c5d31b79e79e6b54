//! Property: for random instruction sets and random valid programs, translating A → B → A gives
//! back the identical bytes.
//!
//! Each case draws a set of instructions with random operand roles (registers, unsigned and
//! signed immediates, relative branches, payload lengths), then two random encodings of it — A
//! and B — with independent opcode numbers, opcode widths (1 or 2 bytes), field widths
//! (including 4- and 12-bit fields that are not byte-aligned), byte orders and trailing pads.
//! Programs are written in a plain byte-aligned encoding C, which the test encodes by hand, and
//! carried into A by the translator; operand values are drawn from what both A and B can hold,
//! and every branch points at an instruction boundary or the end of the program.

use isa_core::{Endian, Entry, Field, FieldKind, Layout, Table};
use isa_migrate::{TranslateOptions, Translator};
use proptest::prelude::*;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Role {
    Reg,
    Unsigned,
    Signed,
    Rel,
    Len,
}

impl Role {
    fn kind(self) -> FieldKind {
        match self {
            Role::Reg => FieldKind::Register,
            Role::Unsigned => FieldKind::Immediate,
            Role::Signed => FieldKind::SignedImmediate,
            Role::Rel => FieldKind::RelativeOffset,
            Role::Len => FieldKind::PayloadLength,
        }
    }
}

/// Random widths for a signature; returns the layout and the per-role widths used.
fn encoding(rng: &mut Rng, roles: &[Role], opcode_bytes: u32) -> (Layout, Vec<u16>) {
    let mut fields = Vec::new();
    let mut widths = Vec::new();
    for (i, &role) in roles.iter().enumerate() {
        let bits = match role {
            Role::Reg => rng.pick(&[4u16, 8]),
            Role::Unsigned => rng.pick(&[4u16, 8, 16]),
            Role::Signed => rng.pick(&[8u16, 16]),
            Role::Rel => rng.pick(&[12u16, 16]),
            Role::Len => rng.pick(&[8u16, 16]),
        };
        widths.push(bits);
        fields.push(Field::new(&format!("f{i}"), bits, role.kind()));
    }
    let total: u32 = widths.iter().map(|&b| u32::from(b)).sum();
    if total & 7 != 0 {
        fields.push(Field::new("pad", 4, FieldKind::Immediate));
    }
    let total = total.div_ceil(8) * 8;
    let endian = if rng.below(2) == 0 {
        Endian::Little
    } else {
        Endian::Big
    };
    let layout = Layout::with_endian(opcode_bytes + total / 8, fields, endian).unwrap();
    (layout, widths)
}

/// Distinct opcodes: one-byte opcodes below 0xE0, two-byte opcodes led by 0xE0–0xFF, so no
/// one-byte opcode is ever the prefix of a two-byte one.
fn opcodes(rng: &mut Rng, wide: &[bool]) -> Vec<u32> {
    let mut narrow: Vec<u32> = (0..0xE0).collect();
    let mut out = Vec::new();
    let mut used_wide = std::collections::BTreeSet::new();
    for &w in wide {
        if w {
            loop {
                let op = 0xE000 + rng.below(0x2000) as u32;
                if used_wide.insert(op) {
                    out.push(op);
                    break;
                }
            }
        } else {
            let i = rng.below(narrow.len() as u64) as usize;
            out.push(narrow.swap_remove(i));
        }
    }
    out
}

struct Case {
    a: Table,
    b: Table,
    c: Table,
    /// Per instruction: roles, and the value range both A and B can hold for each role.
    sigs: Vec<Vec<(Role, i64, i64)>>,
}

fn range(role: Role, bits: u16) -> (i64, i64) {
    match role {
        Role::Signed | Role::Rel => (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1),
        _ => (0, (1i64 << bits) - 1),
    }
}

fn build_case(seed: u64) -> Case {
    let mut rng = Rng(seed | 1);
    let n = 4 + rng.below(12) as usize;
    let mut sigs_roles = Vec::new();
    for _ in 0..n {
        let count = rng.below(4) as usize;
        let mut roles = Vec::new();
        for _ in 0..count {
            let role = rng.pick(&[
                Role::Reg,
                Role::Reg,
                Role::Unsigned,
                Role::Signed,
                Role::Rel,
                Role::Len,
            ]);
            // At most one payload length and one branch per instruction.
            if (role == Role::Len || role == Role::Rel) && roles.contains(&role) {
                continue;
            }
            roles.push(role);
        }
        sigs_roles.push(roles);
    }
    let wide_a: Vec<bool> = (0..n).map(|_| rng.below(4) == 0).collect();
    let wide_b: Vec<bool> = (0..n).map(|_| rng.below(4) == 0).collect();
    let (ops_a, ops_b) = (opcodes(&mut rng, &wide_a), opcodes(&mut rng, &wide_b));
    let mut a = Table::new("a");
    let mut b = Table::new("b");
    let mut c = Table::new("c");
    let mut sigs = Vec::new();
    for (i, roles) in sigs_roles.iter().enumerate() {
        let name = format!("OP{i}");
        let letter = format!("L{i}");
        let (la, wa) = encoding(&mut rng, roles, if wide_a[i] { 2 } else { 1 });
        let (lb, wb) = encoding(&mut rng, roles, if wide_b[i] { 2 } else { 1 });
        // C: byte-aligned little-endian, wide enough for anything A and B hold.
        let cfields: Vec<Field> = roles
            .iter()
            .enumerate()
            .map(|(j, &r)| {
                let bits = match r {
                    Role::Reg => 8,
                    Role::Len => 16,
                    _ => 32,
                };
                Field::new(&format!("f{j}"), bits, r.kind())
            })
            .collect();
        let csize = 1 + cfields.iter().map(|f| u32::from(f.bits) / 8).sum::<u32>();
        let lc = Layout::new(csize, cfields).unwrap();
        a.formats.insert(letter.clone(), la);
        b.formats.insert(letter.clone(), lb);
        c.formats.insert(letter.clone(), lc);
        a.entries
            .push(Entry::new(ops_a[i], &name).with_format(&letter));
        b.entries
            .push(Entry::new(ops_b[i], &name).with_format(&letter));
        c.entries
            .push(Entry::new(i as u32, &name).with_format(&letter));
        sigs.push(
            roles
                .iter()
                .zip(wa.iter().zip(&wb))
                .map(|(&r, (&x, &y))| {
                    let (ra, rb) = (range(r, x), range(r, y));
                    (r, ra.0.max(rb.0), ra.1.min(rb.1))
                })
                .collect(),
        );
    }
    Case { a, b, c, sigs }
}

/// A random valid program in encoding C.
fn program(case: &Case, seed: u64, len: usize) -> Vec<u8> {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    // First the instructions and their payload lengths, so positions are known.
    let picks: Vec<(usize, usize)> = (0..len)
        .map(|_| {
            let i = rng.below(case.sigs.len() as u64) as usize;
            let has_len = case.sigs[i].iter().any(|s| s.0 == Role::Len);
            (i, if has_len { rng.below(5) as usize } else { 0 })
        })
        .collect();
    let size = |i: usize| -> usize {
        1 + case.sigs[i]
            .iter()
            .map(|s| match s.0 {
                Role::Reg => 1,
                Role::Len => 2,
                _ => 4,
            })
            .sum::<usize>()
    };
    let mut starts = Vec::new();
    let mut at = 0;
    for &(i, payload) in &picks {
        starts.push(at);
        at += size(i) + payload;
    }
    starts.push(at);
    let mut out = Vec::new();
    for (k, &(i, payload)) in picks.iter().enumerate() {
        out.push(i as u8);
        let end = starts[k + 1] as i64;
        for &(role, lo, hi) in &case.sigs[i] {
            match role {
                Role::Reg => out.push((lo + rng.below((hi - lo + 1) as u64) as i64) as u8),
                Role::Len => out.extend_from_slice(&(payload as u16).to_le_bytes()),
                Role::Rel => {
                    let target = starts[rng.below(starts.len() as u64) as usize] as i64;
                    out.extend_from_slice(&((target - end) as i32).to_le_bytes());
                }
                _ => {
                    let v = lo + rng.below((hi - lo + 1) as u64) as i64;
                    out.extend_from_slice(&(v as i32).to_le_bytes());
                }
            }
        }
        for _ in 0..payload {
            out.push(rng.next() as u8);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn a_to_b_to_a_is_the_identity(table_seed in any::<u64>(), program_seed in any::<u64>(), len in 0usize..40) {
        let case = build_case(table_seed);
        let opts = TranslateOptions::new();
        let c_program = program(&case, program_seed, len);
        let a_program = Translator::new(&case.c, &case.a, &opts)
            .translate(&c_program)
            .map_err(|e| TestCaseError::fail(format!("C→A: {e}")))?
            .bytes;
        let there = Translator::new(&case.a, &case.b, &opts)
            .translate(&a_program)
            .map_err(|e| TestCaseError::fail(format!("A→B: {e}")))?;
        prop_assert_eq!(there.stats.instructions, len);
        let back = Translator::new(&case.b, &case.a, &opts)
            .translate(&there.bytes)
            .map_err(|e| TestCaseError::fail(format!("B→A: {e}")))?;
        prop_assert_eq!(back.bytes, a_program);
    }

    /// Decoding is total: arbitrary bytes give a translation or an error, never a panic.
    #[test]
    fn arbitrary_bytes_never_panic(table_seed in any::<u64>(), bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let case = build_case(table_seed);
        let t = Translator::new(&case.a, &case.b, &TranslateOptions::new());
        if let Err(e) = t.translate(&bytes) {
            prop_assert!(e.offset < bytes.len());
        }
    }
}

/// The generator reaches the interesting paths: size changes with recomputed branches, wide
/// opcodes and payloads (otherwise the property above would prove little).
#[test]
fn the_generator_exercises_resizing_and_branches() {
    let (mut resized, mut fixed, mut payload_ops) = (0, 0, 0);
    for seed in 1..200u64 {
        let case = build_case(seed);
        let opts = TranslateOptions::new();
        let c_program = program(&case, seed, 30);
        let a = Translator::new(&case.c, &case.a, &opts)
            .translate(&c_program)
            .unwrap();
        let b = Translator::new(&case.a, &case.b, &opts)
            .translate(&a.bytes)
            .unwrap();
        resized += usize::from(!b.stats.same_size);
        fixed += b.stats.branches_fixed;
        payload_ops += case
            .sigs
            .iter()
            .filter(|s| s.iter().any(|r| r.0 == Role::Len))
            .count();
    }
    assert!(resized > 100, "{resized}");
    assert!(fixed > 100, "{fixed}");
    assert!(payload_ops > 50, "{payload_ops}");
}
