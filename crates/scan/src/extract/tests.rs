//! Whole-file tests: source snippets through [`super::extract`], where several passes meet.

use super::*;

fn groups(path: &str, src: &str) -> Vec<Group> {
    let lang = Lang::from_path(std::path::Path::new(path)).expect("known extension");
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&lang.grammar()).expect("grammar");
    let tree = parser.parse(src, None).expect("parse");
    extract(lang, &tree, src)
}

fn pairs(g: &Group) -> Vec<(String, i64)> {
    g.items.iter().map(|i| (i.name.clone(), i.value)).collect()
}

#[test]
fn go_tagless_switch_cases_are_read() {
    let src = "package p\nfunc f(op byte) {\n\tswitch {\n\tcase op == 0x01: // NOP\n\tcase 0x02 == op: // HALT\n\tcase op > 0x03: // JUNK\n\t}\n}\n";
    let gs = groups("x.go", src);
    let sw: Vec<_> = gs.iter().filter(|g| g.kind == GroupKind::Switch).collect();
    assert_eq!(sw.len(), 1);
    assert_eq!(
        pairs(sw[0]),
        vec![("NOP".to_string(), 1), ("HALT".to_string(), 2)]
    );
}

#[test]
fn implicit_enum_takes_values_from_decoder() {
    let src = "enum Op { Nop, Load, Halt }\nfn d(b: u8) -> Option<Op> { match b { 0x10 => Some(Op::Nop), 0x20 => Some(Op::Load), 0x30 => Some(Op::Halt), _ => None } }\n";
    let gs = groups("x.rs", src);
    let e = gs.iter().find(|g| g.kind == GroupKind::Enum).expect("enum");
    assert_eq!(
        pairs(e),
        vec![
            ("Nop".to_string(), 0x10),
            ("Load".to_string(), 0x20),
            ("Halt".to_string(), 0x30)
        ]
    );
    assert!(e.items.iter().all(|i| !i.implicit));
}

#[test]
fn implicit_enum_without_evidence_keeps_its_count() {
    let src = "enum Op { Nop, Load, Halt }\n";
    let gs = groups("x.rs", src);
    let e = gs.iter().find(|g| g.kind == GroupKind::Enum).expect("enum");
    assert_eq!(
        e.items.iter().map(|i| i.value).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    assert!(e.items.iter().all(|i| i.implicit));
}

#[test]
fn xmacro_lists_are_ordinal_unless_a_hex_column_numbers_them() {
    // Stack effects (second argument) are never the value: members count from 0.
    let src = "#define OPCODES(X) X(NOP, 0) X(PUSH, 1) X(ADD, -1) X(RET, 0)\n";
    let gs = groups("x.h", src);
    let e = gs.iter().find(|g| g.kind == GroupKind::Enum).expect("list");
    assert_eq!(
        e.items.iter().map(|i| i.value).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    // A hexadecimal column without repeats is the list's own numbering.
    let src = "#define OPCODE_LIST(V) V(Nop, 0x10, 0) V(Add, 0x11, -1) V(Ret, 0x20, 0)\n";
    let gs = groups("x.h", src);
    let e = gs.iter().find(|g| g.kind == GroupKind::Enum).expect("list");
    assert_eq!(pairs(e)[2], ("Ret".to_string(), 0x20));
    // A list whose name says nothing of opcodes is no table.
    let src = "#define TYPES(T) T(NIL) T(BOOL) T(NUM) T(STR)\n";
    assert!(groups("x.h", src).iter().all(|g| g.kind != GroupKind::Enum));
}

#[test]
fn reservations_are_marked_by_name_or_by_a_comment_that_says_so() {
    for name in [
        "RESERVED",
        "_RESERVED_3",
        "OP_RSVD_7F",
        "RSV7",
        "RES_0x7F",
        "kReserved",
    ] {
        assert!(reservation_name(name), "{name}");
    }
    for name in ["RESET", "RESB", "RESUME", "RET", "PRESERVE", "OP_RESULT"] {
        assert!(!reservation_name(name), "{name}");
    }
    let src = "enum Op {\n  NOP = 0,\n  SPARE = 1, // reserved for MUL\n  HALT = 2, // 0x03 stays reserved\n  ADD = 4,\n};\n";
    let gs = groups("x.c", src);
    let e = gs.iter().find(|g| g.kind == GroupKind::Enum).expect("enum");
    let flags: Vec<(&str, bool)> = e
        .items
        .iter()
        .map(|i| (i.name.as_str(), i.reserved))
        .collect();
    assert_eq!(
        flags,
        [
            ("NOP", false),
            ("SPARE", true),
            ("HALT", false),
            ("ADD", false)
        ]
    );
}

#[test]
fn a_counter_set_again_starts_over_and_hex_beats_decimal_between_string_and_integer() {
    let src = "let c = 0;\nconst A = { NOP: c++, PUSH: c++, POP: c++ };\nc = 0x10;\nconst B = { ADD: c++, SUB: c++, MUL: c++ };\n";
    let gs = groups("x.js", src);
    let values: Vec<Vec<i64>> = gs
        .iter()
        .filter(|g| g.kind == GroupKind::Enum)
        .map(|g| g.items.iter().map(|i| i.value).collect())
        .collect();
    assert_eq!(values, [vec![0, 1, 2], vec![0x10, 0x11, 0x12]]);
    // Between a numeric string and a written integer, the hexadecimal one is the value.
    let src = "const T = [op(\"NOP\", \"2\", 0x10), op(\"ADD\", \"3\", 0x11), op(\"SUB\", \"3\", 0x12)];\n";
    let gs = groups("x.js", src);
    let r = gs
        .iter()
        .find(|g| g.kind == GroupKind::Records)
        .expect("records");
    assert_eq!(
        r.items.iter().map(|i| i.value).collect::<Vec<_>>(),
        [0x10, 0x11, 0x12]
    );
    let src =
        "defineOp('NOP', '0x20', 0);\ndefineOp('ADD', '0x21', 2);\ndefineOp('SUB', '0x22', 2);\n";
    let gs = groups("x.js", src);
    let r = gs
        .iter()
        .find(|g| g.kind == GroupKind::Records)
        .expect("records");
    assert_eq!(
        r.items.iter().map(|i| i.value).collect::<Vec<_>>(),
        [0x20, 0x21, 0x22]
    );
}
