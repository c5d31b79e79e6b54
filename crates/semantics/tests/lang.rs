//! The semantics language: errors name file:line:col, nesting is bounded without recursion, and
//! a small machine built from a table runs as its semantics say.

use isa_core::{Aliases, Entry, Table};
use isa_semantics::json::outcome_json;
use isa_semantics::{parse, Semantics, Stop, MAX_NESTING};

fn table() -> Table {
    let mut t = Table::new("tiny");
    for (n, m, f) in [
        (0, "HALT", "A"),
        (1, "MOVI", "D"),
        (2, "ADD", "E"),
        (3, "JMP", "D"),
        (4, "DIV", "E"),
    ] {
        t.entries.push(Entry::new(n, m).with_format(f));
    }
    t
}

const HEAD: &str = "machine register\nscheme flux-interpreter\nflag zero\n";

fn attach(body: &str) -> Result<Semantics, String> {
    let file = parse("t.sem", &format!("{HEAD}{body}")).map_err(|e| e.to_string())?;
    Semantics::attach(file, &table(), &Aliases::new()).map_err(|e| e.to_string())
}

#[test]
fn unknown_names_are_reported_at_their_column() {
    let e = attach("ADD: R[rd] = R[rs1] + R[rs3]\n").unwrap_err();
    assert!(e.starts_with("t.sem:4:25: unknown name `rs3`"), "{e}");
}

#[test]
fn a_mnemonic_the_table_lacks_is_an_error() {
    let e = attach("MUL: nop\n").unwrap_err();
    assert_eq!(e, "t.sem:4:1: MUL is not an instruction of tiny");
}

#[test]
fn unclosed_blocks_and_groups_are_named() {
    let e = attach("ADD:\n    if R[rd] == 0 {\n    nop\n").unwrap_err();
    assert!(e.starts_with("t.sem:5:5: this block is not closed"), "{e}");
    let e = attach("ADD: R[rd] = min(R[rs1], 2\n").unwrap_err();
    assert!(e.contains("is not closed by `)`"), "{e}");
    let e = attach("ADD: R[rd] = min(R[rs1])\n").unwrap_err();
    assert!(e.contains("this takes 2 arguments, not 1"), "{e}");
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!(
        "ADD: R[rd] = {}1{}\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let e = attach(&deep).unwrap_err();
    assert!(
        e.contains(&format!("nested more than {MAX_NESTING} levels deep")),
        "{e}"
    );
    let ok = format!(
        "ADD: R[rd] = {}1{}\n",
        "(".repeat(MAX_NESTING - 1),
        ")".repeat(MAX_NESTING - 1)
    );
    attach(&ok).unwrap();
}

#[test]
fn a_program_runs_as_its_semantics_say() {
    let sem = attach(
        "HALT: halt\nMOVI: R[rd] = imm16\nADD: R[rd] = R[rs1] + R[rs2]; zero = R[rd] == 0\nJMP: pc = next + imm16\nDIV:\n    if R[rs2] == 0 { trap DivZero } else { R[rd] = R[rs1] / R[rs2] }\n",
    )
    .unwrap();
    // MOVI R1, -7; MOVI R2, 7; ADD R3, R1, R2; JMP +1 (over a stray byte); HALT
    let program = [
        1, 1, 0xf9, 0xff, 1, 2, 7, 0, 2, 3, 1, 2, 3, 0, 1, 0, 0xee, 0,
    ];
    let out = sem.run(&program, sem.initial_state(), 100);
    assert_eq!(out.stop, Stop::Halted);
    assert_eq!(&out.state.gp[1..4], &[-7, 7, 0]);
    assert_eq!(out.state.flags, vec![true]);
    let json = outcome_json(&sem, &out);
    assert_eq!(json["stop"], "halted");
    assert_eq!(json["steps"], 5);
    // DIV R3, R1, R0 (R0 = 0) traps, at its byte offset, by name.
    let out = sem.run(&[4, 3, 1, 0], sem.initial_state(), 100);
    match out.stop {
        Stop::Trap(t) => assert_eq!(t.to_string(), "DivZero at byte 0 (DIV)"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn steps_are_bounded_and_bad_bytes_trap() {
    let sem = attach("JMP: pc = next + imm16\n").unwrap();
    let out = sem.run(&[3, 0, 0xfc, 0xff], sem.initial_state(), 1000);
    assert_eq!(out.stop, Stop::StepLimit);
    assert_eq!(out.state.steps, 1000);
    let out = sem.run(&[9], sem.initial_state(), 10);
    assert!(
        matches!(&out.stop, Stop::Trap(t) if t.name.starts_with("illegal-instruction") && t.offset == 0)
    );
    let out = sem.run(&[3, 0], sem.initial_state(), 10);
    assert!(matches!(&out.stop, Stop::Trap(t) if t.name.starts_with("truncated-instruction")));
    // An instruction the table lists without semantics stops the run as unsupported.
    let out = sem.run(&[0], sem.initial_state(), 10);
    assert!(matches!(&out.stop, Stop::Unsupported(t) if t.instruction.as_deref() == Some("HALT")));
}
