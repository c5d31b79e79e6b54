//! Translation throughput on 1 MiB programs.
//!
//! * `renumber/mixed`: a pure renumbering of a 256-opcode unified-lettered table, program of
//!   mixed sizes (1–5 bytes, about 3 bytes per instruction) — the fast path.
//! * `renumber/reg3`: the same with only 4-byte register instructions (`ADD rd, rs1, rs2`).
//! * `renumber/out-of-phase`: the worst case for the segmented walk — a 1-byte instruction, then
//!   4-byte ones whose operand bytes are their own opcode, so a walk guessed at a segment cut is
//!   out of phase for good and the stitch walks those segments alone.
//! * `resize/mixed`: a target whose layouts differ in size (two-pass mode with branch fix-ups).
//! * `escape/mixed`: a target with a quarter of the instructions on escape page 0xFF (they grow
//!   by a byte: two-pass mode, opcode bytes from the resolve step).
//! * `fixed16/mixed`: 16-bit big-endian opcodes on both sides, renumbered (every instruction
//!   decoded through the second-byte pages and re-encoded; sizes kept).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use isa_core::{Encoding, Endian, Entry, Scheme, Table};
use isa_migrate::{TranslateOptions, Translator};

const LETTERS: [(&str, usize); 7] = [
    ("A", 1),
    ("B", 2),
    ("C", 2),
    ("D", 3),
    ("E", 4),
    ("F", 4),
    ("G", 5),
];

fn table(name: &str, permute: impl Fn(u32) -> u32, letters: impl Fn(u32) -> &'static str) -> Table {
    let mut t = Table::new(name);
    for op in 0..256u32 {
        let mut e = Entry::new(permute(op), &format!("OP{op}")).with_format(letters(op));
        if op % 37 == 5 && letters(op) == "F" {
            e.details.make_mut().branch = Some("imm16".into());
        }
        t.entries.push(e);
    }
    t
}

fn letter(op: u32) -> &'static str {
    LETTERS[(op as usize * 7 / 256) % 7].0
}

fn program(target: usize, only: Option<u32>) -> Vec<u8> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut out = Vec::with_capacity(target + 8);
    while out.len() < target {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let op = only.unwrap_or((state % 256) as u32);
        let size = LETTERS.iter().find(|l| l.0 == letter(op)).unwrap().1;
        out.push(op as u8);
        for i in 1..size {
            // Small operands (registers 0–15, offsets 0) so every re-encoding fits.
            out.push(if letter(op) == "F" && i > 1 {
                0
            } else {
                (state >> (8 * i)) as u8 & 0x0F
            });
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let a = table("a", |op| op, letter);
    let b = table("b", |op| (op * 167 + 13) % 256, letter);
    let opts = TranslateOptions::new().with_scheme(Scheme::flux_unified());
    let renumber = Translator::new(&a, &b, &opts).unwrap();
    // Resizing target: every D becomes E-shaped… no: every C (2 bytes) becomes D (3 bytes).
    let resized = table(
        "r",
        |op| op,
        |op| if letter(op) == "C" { "D" } else { letter(op) },
    );
    let resize = Translator::new(&a, &resized, &opts).unwrap();
    // A quarter of the target's instructions on escape page 0xFF (none of them at 0xFF).
    let mut paged = table("p", |op| (op * 167 + 13) % 256, letter);
    paged.encoding = Encoding::escapes([0xFF]).unwrap();
    for e in &mut paged.entries {
        if e.opcode % 4 == 0 || e.opcode == 0xFF {
            e.opcode |= 0xFF00;
        }
    }
    let escape = Translator::new(&a, &paged, &opts).unwrap();
    // 16-bit opcodes on both sides: the program is `mixed` with a 0x00 byte before each opcode.
    let mut a16 = a.clone();
    a16.encoding = Encoding::fixed(2, Endian::Big).unwrap();
    let mut b16 = b.clone();
    b16.encoding = Encoding::fixed(2, Endian::Big).unwrap();
    let fixed16 = Translator::new(&a16, &b16, &opts).unwrap();

    let mut group = c.benchmark_group("translate");
    let mixed = program(1 << 20, None);
    let reg3_op = (0..256).find(|&op| letter(op) == "E").unwrap();
    let reg3 = program(1 << 20, Some(reg3_op));
    let mut phase = vec![0u8];
    while phase.len() < 1 << 20 {
        phase.extend_from_slice(&[reg3_op as u8; 4]);
    }
    let mixed16 = Translator::new(&a, &a16, &opts)
        .unwrap()
        .translate(&mixed)
        .unwrap()
        .bytes;
    let mut out = Vec::new();
    for (name, input, t) in [
        ("renumber/mixed", &mixed, &renumber),
        ("renumber/reg3", &reg3, &renumber),
        ("renumber/out-of-phase", &phase, &renumber),
        ("resize/mixed", &mixed, &resize),
        ("escape/mixed", &mixed, &escape),
        ("fixed16/mixed", &mixed16, &fixed16),
    ] {
        // Sanity: the translation succeeds on this input.
        t.translate_into(input, &mut out)
            .expect("benchmark program translates");
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), input, |bench, input| {
            bench.iter(|| t.translate_into(input, &mut out).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
