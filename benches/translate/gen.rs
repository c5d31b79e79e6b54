//! Writes the whole-process `translate` benchmark's inputs into a folder (never into the
//! repository): three tables and one program.
//!
//! * `a.json` — 256 one-byte opcodes `OP0`…`OP255`, FLUX unified letters A–G by number (sizes
//!   1–5, about 3 bytes per instruction); nine F instructions are relative branches
//!   (`branch = "imm16"`).
//! * `b.json` — the same instructions renumbered (`op * 167 + 13 mod 256`): same-size.
//! * `r.json` — renumbered the same way, and every C instruction (2 bytes, `imm8`) becomes a D
//!   (3 bytes, `rd, imm8`): size-changing, so every branch offset across a C is recomputed.
//! * `program.bin` — SIZE bytes of random instructions in `a`'s numbering; each branch points at
//!   a real instruction start (or the end) up to 5,000 instructions away, either direction.
//!
//! Usage: `gen DIR SIZE [SEED]`. Deterministic for a given SIZE and SEED.

use std::io::Write;

const SIZES: [usize; 7] = [1, 2, 2, 3, 4, 4, 5];
const LETTERS: [&str; 7] = ["A", "B", "C", "D", "E", "F", "G"];

fn letter(op: usize) -> usize {
    (op * 7 / 256) % 7
}

fn is_branch(op: usize) -> bool {
    letter(op) == 5 && op % 4 == 0
}

fn table(name: &str, permute: impl Fn(usize) -> usize, letters: impl Fn(usize) -> usize) -> String {
    let mut s = format!("{{\n  \"implementation\": \"{name}\",\n  \"opcodes\": [\n");
    for op in 0..256 {
        let branch = if is_branch(op) { ", \"branch\": \"imm16\"" } else { "" };
        s += &format!(
            "    {{\"opcode\": {}, \"mnemonic\": \"OP{op}\", \"format\": \"{}\"{branch}}}{}\n",
            permute(op),
            LETTERS[letters(op)],
            if op == 255 { "" } else { "," }
        );
    }
    s + "  ]\n}\n"
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: gen DIR SIZE [SEED]");
        std::process::exit(2);
    }
    let dir = std::path::Path::new(&args[1]);
    let size: usize = args[2].parse().expect("SIZE is a number of bytes");
    let mut state: u64 = args.get(3).map_or(0x2545_F491_4F6C_DD1D, |s| s.parse().unwrap()) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    std::fs::create_dir_all(dir).unwrap();
    let renumber = |op: usize| (op * 167 + 13) % 256;
    std::fs::write(dir.join("a.json"), table("a", |op| op, letter)).unwrap();
    std::fs::write(dir.join("b.json"), table("b", renumber, letter)).unwrap();
    let grow = |op: usize| if letter(op) == 2 { 3 } else { letter(op) };
    std::fs::write(dir.join("r.json"), table("r", renumber, grow)).unwrap();

    // Instructions first (an instruction of the last size may end up to 4 bytes short of
    // SIZE: the program ends at an instruction boundary), branch offsets second.
    let mut program = Vec::with_capacity(size + 8);
    let mut starts: Vec<u32> = Vec::with_capacity(size / 2);
    let mut branches: Vec<u32> = Vec::new();
    while program.len() < size {
        let r = next();
        let op = (r % 256) as usize;
        let len = SIZES[letter(op)];
        if program.len() + len > size {
            break;
        }
        starts.push(program.len() as u32);
        if is_branch(op) {
            branches.push(starts.len() as u32 - 1);
        }
        program.push(op as u8);
        for i in 1..len {
            // Registers and immediates 0–15, so every re-encoding fits.
            program.push((r >> (8 + 4 * i)) as u8 & 0x0F);
        }
    }
    let count = starts.len() as i64;
    starts.push(program.len() as u32);
    for &i in &branches {
        let i = i as i64;
        let j = (i + (next() % 10_001) as i64 - 5_000).clamp(0, count);
        let at = starts[i as usize] as usize;
        let end = at + 4;
        let offset = starts[j as usize] as i64 - end as i64;
        let offset = i16::try_from(offset).expect("5,000 instructions of ≤ 5 bytes fit imm16");
        program[at + 2..at + 4].copy_from_slice(&offset.to_le_bytes());
    }
    std::fs::File::create(dir.join("program.bin"))
        .unwrap()
        .write_all(&program)
        .unwrap();
    println!(
        "{}: {} bytes, {} instructions, {} branches",
        dir.join("program.bin").display(),
        program.len(),
        count,
        branches.len()
    );
}
