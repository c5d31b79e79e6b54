//! Property: for random instruction sets and random valid programs, translating A → B → A gives
//! back the identical bytes.
//!
//! Each case draws a set of instructions with random operand roles (registers, unsigned and
//! signed immediates, relative branches, payload lengths), then two random encodings of it — A
//! and B — with independent opcode encodings (one byte with wide opcodes fixed by their layouts,
//! escape pages, nested escape pages, fixed 2–4-byte opcodes in either byte order), opcode
//! numbers, layout opcode widths, field widths (including 4- and 12-bit fields that are not
//! byte-aligned), byte orders and trailing pads. Every table drawn is decodable (the translator
//! would refuse it otherwise).
//! Programs are written in a plain byte-aligned encoding C, which the test encodes by hand, and
//! carried into A by the translator; operand values are drawn from what both A and B can hold,
//! and every branch points at an instruction boundary or the end of the program.

use isa_core::{Encoding, Endian, Entry, Field, FieldKind, Layout, Table};
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

/// How a random table writes its opcodes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Numbering {
    /// One byte per opcode; wide opcodes (led by 0xE0–0xFF) get their width from a layout.
    LayoutWide,
    /// Escape pages 0xFE and 0xFF.
    Escapes,
    /// Escape page 0xFF with the nested page 0xFF01 (x86-style `ff 01 xx`).
    Nested,
    /// Every opcode `width` bytes in a byte order.
    Fixed(u32, Endian),
}

/// The numberings drawn from (the first twice as often; `NUMBERINGS[1..]` lists each once).
const NUMBERINGS: [Numbering; 9] = [
    Numbering::LayoutWide,
    Numbering::LayoutWide,
    Numbering::Escapes,
    Numbering::Nested,
    Numbering::Fixed(2, Endian::Big),
    Numbering::Fixed(2, Endian::Little),
    Numbering::Fixed(3, Endian::Big),
    Numbering::Fixed(4, Endian::Little),
    Numbering::Fixed(4, Endian::Big),
];

impl Numbering {
    fn encoding(self) -> Encoding {
        match self {
            Numbering::LayoutWide => Encoding::default(),
            Numbering::Escapes => Encoding::escapes([0xFE, 0xFF]).unwrap(),
            Numbering::Nested => Encoding::escapes([0xFF, 0xFF01]).unwrap(),
            Numbering::Fixed(width, endian) => Encoding::fixed(width, endian).unwrap(),
        }
    }
}

/// Distinct opcode numbers for `n` instructions, and the opcode width each one's layout
/// declares (1: the encoding decides; more: the layout fixes it, in agreement with the encoding).
/// One-byte opcodes stay below 0xE0 and everything wider is led by 0xE0–0xFF, so no opcode is
/// ever the prefix of another and no instruction sits on an escape.
fn opcodes(rng: &mut Rng, numbering: Numbering, n: usize) -> Vec<(u32, u32)> {
    let mut narrow: Vec<u32> = (0..0xE0).collect();
    let mut used = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    let mut fresh = |rng: &mut Rng, draw: &dyn Fn(&mut Rng) -> u32| loop {
        let op = draw(rng);
        if used.insert(op) {
            return op;
        }
    };
    for _ in 0..n {
        let wide = rng.below(3) == 0;
        let one = |rng: &mut Rng, narrow: &mut Vec<u32>| {
            let i = rng.below(narrow.len() as u64) as usize;
            narrow.swap_remove(i)
        };
        let pair = match numbering {
            Numbering::LayoutWide if wide => (fresh(rng, &|r| 0xE000 + r.below(0x2000) as u32), 2),
            Numbering::Escapes if wide => {
                let op = fresh(rng, &|r| 0xFE00 + r.below(0x200) as u32);
                (op, rng.pick(&[1, 2]))
            }
            Numbering::Nested if wide => {
                let op = fresh(rng, &|r| {
                    if r.below(2) == 0 {
                        0x00FF_0100 + r.below(0x100) as u32
                    } else {
                        0xFF00 + r.pick(&[0u32, 2, 3, 0x40, 0x41, 0x80, 0xFE, 0xFF])
                    }
                });
                (
                    op,
                    if op > 0xFFFF {
                        rng.pick(&[1, 3])
                    } else {
                        rng.pick(&[1, 2])
                    },
                )
            }
            Numbering::Fixed(width, _) => {
                let op = fresh(rng, &|r| {
                    if width == 4 {
                        r.next() as u32
                    } else {
                        r.below(1 << (8 * width)) as u32
                    }
                });
                (op, rng.pick(&[1, width]))
            }
            _ => (one(rng, &mut narrow), 1),
        };
        out.push(pair);
    }
    out
}

struct Case {
    numberings: (Numbering, Numbering),
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
    let (num_a, num_b) = (rng.pick(&NUMBERINGS), rng.pick(&NUMBERINGS));
    let (ops_a, ops_b) = (opcodes(&mut rng, num_a, n), opcodes(&mut rng, num_b, n));
    let mut a = Table::new("a");
    let mut b = Table::new("b");
    let mut c = Table::new("c");
    a.encoding = num_a.encoding();
    b.encoding = num_b.encoding();
    let mut sigs = Vec::new();
    for (i, roles) in sigs_roles.iter().enumerate() {
        let name = format!("OP{i}");
        let letter = format!("L{i}");
        let (la, wa) = encoding(&mut rng, roles, ops_a[i].1);
        let (lb, wb) = encoding(&mut rng, roles, ops_b[i].1);
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
            .push(Entry::new(ops_a[i].0, &name).with_format(&letter));
        b.entries
            .push(Entry::new(ops_b[i].0, &name).with_format(&letter));
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
    Case {
        numberings: (num_a, num_b),
        a,
        b,
        c,
        sigs,
    }
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

/// The translator between two tables of a case (every drawn table is decodable).
fn translator(from: &Table, to: &Table) -> Result<Translator, TestCaseError> {
    Translator::new(from, to, &TranslateOptions::new()).map_err(|e| {
        TestCaseError::fail(format!(
            "{} → {}: {e}",
            from.implementation, to.implementation
        ))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn a_to_b_to_a_is_the_identity(table_seed in any::<u64>(), program_seed in any::<u64>(), len in 0usize..40) {
        let case = build_case(table_seed);
        let c_program = program(&case, program_seed, len);
        let a_program = translator(&case.c, &case.a)?
            .translate(&c_program)
            .map_err(|e| TestCaseError::fail(format!("C→A: {e}")))?
            .bytes;
        let there = translator(&case.a, &case.b)?
            .translate(&a_program)
            .map_err(|e| TestCaseError::fail(format!("A→B ({:?}): {e}", case.numberings)))?;
        prop_assert_eq!(there.stats.instructions, len);
        let back = translator(&case.b, &case.a)?
            .translate(&there.bytes)
            .map_err(|e| TestCaseError::fail(format!("B→A ({:?}): {e}", case.numberings)))?;
        prop_assert_eq!(back.bytes, a_program);
    }

    /// Decoding is total: arbitrary bytes give a translation or an error, never a panic.
    #[test]
    fn arbitrary_bytes_never_panic(table_seed in any::<u64>(), bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let case = build_case(table_seed);
        let t = translator(&case.a, &case.b)?;
        if let Err(e) = t.translate(&bytes) {
            prop_assert!(e.offset < bytes.len());
        }
    }
}

/// The generator reaches the interesting paths: size changes with recomputed branches, wide
/// opcodes and payloads, and every numbering on both sides, with multi-byte opcodes in the
/// programs (otherwise the property above would prove little).
#[test]
fn the_generator_exercises_resizing_branches_and_every_numbering() {
    let (mut resized, mut fixed, mut payload_ops) = (0, 0, 0);
    let mut seen: Vec<(Numbering, usize, usize)> =
        NUMBERINGS[1..].iter().map(|&n| (n, 0, 0)).collect();
    let mut wide_instructions = 0;
    for seed in 1..300u64 {
        let case = build_case(seed);
        let c_program = program(&case, seed, 30);
        let a = translator(&case.c, &case.a)
            .unwrap()
            .translate(&c_program)
            .unwrap();
        let to_b = translator(&case.a, &case.b).unwrap();
        let b = to_b.translate(&a.bytes).unwrap();
        resized += usize::from(!b.stats.same_size);
        fixed += b.stats.branches_fixed;
        payload_ops += case
            .sigs
            .iter()
            .filter(|s| s.iter().any(|r| r.0 == Role::Len))
            .count();
        wide_instructions += to_b
            .decode(&a.bytes)
            .unwrap()
            .iter()
            .filter(|i| i.opcode_bytes.len() > 1)
            .count();
        for entry in seen.iter_mut() {
            entry.1 += usize::from(case.numberings.0 == entry.0);
            entry.2 += usize::from(case.numberings.1 == entry.0);
        }
    }
    assert!(resized > 250, "{resized}");
    assert!(fixed > 1000, "{fixed}");
    assert!(payload_ops > 400, "{payload_ops}");
    assert!(wide_instructions > 4000, "{wide_instructions}");
    for (numbering, as_a, as_b) in seen {
        assert!(as_a >= 10 && as_b >= 10, "{numbering:?}: {as_a} {as_b}");
    }
}
