//! The one-pass reader of the common JSON shape (`src/fast.rs`) against the general reader
//! (value tree and walker): wherever the first returns a table, the second returns the same
//! table, locations included; and the first does take the shapes it is there for, so that the
//! comparison is not vacuous.

mod common;

use common::shared_tables;
use isa_io::read::{parse_table_common_shape, parse_table_general};
use isa_io::TableFormat;
use proptest::prelude::*;

/// The fast reader's answer, held to the general one's.
fn agree(text: &str) -> bool {
    let general = parse_table_general("t.json", text, TableFormat::Json);
    match parse_table_common_shape("t.json", text) {
        Some(fast) => {
            let general = general.unwrap_or_else(|e| {
                panic!("the fast reader accepted what the general one refuses ({e}):\n{text}")
            });
            assert_eq!(fast, general, "the readers disagree on:\n{text}");
            // Locations too (Entry's equality compares them, but say it).
            for (a, b) in fast.entries.iter().zip(&general.entries) {
                assert_eq!(a.location, b.location);
            }
            assert_eq!(fast.location, general.location);
            true
        }
        None => false,
    }
}

const TYPICAL: &str = r#"{
  "implementation": "vm-a",
  "registered": "2026-01-01",
  "language": "Go",
  "commit": "0123abcd",
  "opcode_count": 3,
  "notes": ["one", {"nested": [1, -2.5e3, true, false, null, "x\"y\\z\/\n"]}, []],
  "opcodes": [
    {"opcode": 0, "mnemonic": "HALT", "format": "A", "category": "control"},
    {"opcode": 1, "mnemonic": "ADD", "format": "E", "category": "arith",
     "operands": ["rd", "rs1", "rs2"], "description": "rd = rs1 + rs2", "size_bytes": 4,
     "implemented": true, "note": null},
    {"opcode": 255, "mnemonic": null, "format": null, "category": null, "reserved": true,
     "operands": "imm8", "source_name": "OP_X", "first_version": 3}
  ]
}"#;

#[test]
fn the_common_shapes_take_the_fast_reader_and_read_as_the_general_one_does() {
    for text in [
        TYPICAL,
        r#"{"implementation":"m","opcodes":[]}"#,
        r#"{"opcodes":[{"opcode":7}],"implementation":"m","registered":null}"#,
        r#"{"implementation":"m","encoding":{"opcode_bytes":2},"opcodes":[{"opcode":513}]}"#,
        r#"{"implementation":"m","encoding":{"byte_order":"little","opcode_bytes":4},"opcodes":[]}"#,
        r#"{"implementation":"m","encoding":{},"opcodes":[]}"#,
        r#"{"implementation":"m","encoding":null,"opcodes":[]}"#,
        " \n{\"implementation\" : \"m\" , \"opcodes\" : [ { \"opcode\" : 1 } ] }\r\n\t",
        "{\"implementation\": \"m\u{e9}\", \"opcodes\": [{\"opcode\": 4294967295, \"mnemonic\": \"\u{3b1}\"}]}",
    ] {
        assert!(agree(text), "the fast reader gave up on:\n{text}");
    }
}

#[test]
fn what_it_does_not_take_it_leaves_to_the_general_reader() {
    for text in [
        // Keys that need the general reader.
        r#"{"implementation":"m","formats":{},"opcodes":[]}"#,
        r#"{"implementation":"m","encoding":{"escapes":[255]},"opcodes":[]}"#,
        r#"{"implementation":"m","encoding":{"opcode_bytes":0},"opcodes":[]}"#,
        r#"{"implementation":"m","encoding":{"opcode_bytes":9},"opcodes":[]}"#,
        r#"{"implementation":"m","encoding":{"opcode_bytes":2,"opcode_bytes":2},"opcodes":[]}"#,
        r#"{"implementation":"m","encoding":{"byte_order":"big"},"opcodes":[]}"#,
        r#"{"implementation":"m","encoding":{"opcode_bytes":2,"byte_order":"middle"},"opcodes":[]}"#,
        r#"{"implementation":"m","encoding":{"opcode_bytes":2,"x":1},"opcodes":[]}"#,
        r#"{"implementation":"m","encoding":{"opcode_bytes":2},"encoding":null,"opcodes":[]}"#,
        r#"{"implementation":"m","encoding":2,"opcodes":[]}"#,
        r#"{"implementation":"m","opcodes":[{"opcode":1,"status":"stable"}]}"#,
        r#"{"implementation":"m","opcodes":[{"opcode":1,"branch":"off"}]}"#,
        // Escapes in what it keeps, and \u anywhere.
        r#"{"implementation":"m\u0041","opcodes":[]}"#,
        r#"{"implementation":"m","opcodes":[{"opcode":1,"mnemonic":"A\"B"}]}"#,
        r#"{"implementation":"m","x":"\ud800","opcodes":[]}"#,
        r#"{"impl\u0065mentation":"m","opcodes":[]}"#,
        // A byte-order mark.
        "\u{feff}{\"implementation\":\"m\",\"opcodes\":[]}",
        // Errors of every kind: the general reader's messages.
        r#"{"implementation":"m","opcodes":[{"opcode":1,"opcode":2}]}"#,
        r#"{"implementation":"m","x":1,"x":2,"opcodes":[]}"#,
        r#"{"implementation":"m","opcodes":[{"opcode":1,"x":1,"x":2}]}"#,
        r#"{"implementation":"m","implementation":"n","opcodes":[]}"#,
        r#"{"implementation":"","opcodes":[]}"#,
        r#"{"implementation":"m"}"#,
        r#"{"opcodes":[]}"#,
        r#"{"implementation":"m","opcodes":[{"mnemonic":"A"}]}"#,
        r#"{"implementation":"m","opcodes":[{"opcode":-1}]}"#,
        r#"{"implementation":"m","opcodes":[{"opcode":1.0}]}"#,
        r#"{"implementation":"m","opcodes":[{"opcode":1e2}]}"#,
        r#"{"implementation":"m","opcodes":[{"opcode":01}]}"#,
        r#"{"implementation":"m","opcodes":[{"opcode":4294967296}]}"#,
        r#"{"implementation":"m","opcodes":[{"opcode":"1"}]}"#,
        r#"{"implementation":"m","opcodes":[{"opcode":1,"mnemonic":"  "}]}"#,
        r#"{"implementation":"m","opcodes":[{"opcode":1,"size_bytes":65536}]}"#,
        r#"{"implementation":"m","opcodes":[{"opcode":1,"reserved":1}]}"#,
        r#"{"implementation":"m","opcodes":[{"opcode":1,"operands":[1]}]}"#,
        r#"{"implementation":"m","registered":"2026-13-01","opcodes":[]}"#,
        r#"{"implementation":"m","registered":20260101,"opcodes":[]}"#,
        "{\"implementation\":\"m\",\"opcodes\":[{\"opcode\":1,\"mnemonic\":\"A\u{85}\"}]}",
        "{\"implementation\":\"m\",\"opcodes\":[{\"opcode\":1,\"category\":\"a\tb\"}]}",
        // Bad JSON.
        r#"{"implementation":"m","opcodes":[],}"#,
        r#"{"implementation":"m","opcodes":[{"opcode":1},]}"#,
        r#"{"implementation":"m","opcodes":[]} x"#,
        r#"{"implementation":"m","x":[1,],"opcodes":[]}"#,
        r#"{"implementation":"m","x":{"a"},"opcodes":[]}"#,
        r#"{"implementation":"m","x":-,"opcodes":[]}"#,
        r#"{"implementation":"m","x":1.,"opcodes":[]}"#,
        r#"{"implementation":"m","x":1e,"opcodes":[]}"#,
        r#"{"implementation":"m","x":tru,"opcodes":[]}"#,
        r#"{"implementation":"m","x":"\q","opcodes":[]}"#,
        r#"{"implementation":"m","opcodes":[{"opcode":1}"#,
        r#"{"implementation":"m","x":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],"opcodes":[]}"#,
    ] {
        assert!(!agree(text), "the fast reader took:\n{text}");
    }
    // Many keys it would ignore, in the table or in an entry: left to the general reader's
    // set-based check for repeats (comparing each with all before it is quadratic). A few are
    // taken.
    let keys = |n: usize| -> String { (0..n).map(|i| format!("\"k{i}\": {i}, ")).collect() };
    for (n, taken) in [(5, true), (40, false)] {
        let top = format!("{{{}\"implementation\": \"m\", \"opcodes\": []}}", keys(n));
        let entry = format!(
            "{{\"implementation\": \"m\", \"opcodes\": [{{{}\"opcode\": 1}}]}}",
            keys(n)
        );
        assert_eq!(agree(&top), taken, "{top}");
        assert_eq!(agree(&entry), taken, "{entry}");
    }
}

/// The real tables: the two readers agree on every one, and the fast reader takes all but the
/// few with sections it leaves to the general one.
#[test]
fn the_shared_tables_read_the_same_either_way() {
    let Some(paths) = shared_tables() else {
        return;
    };
    let mut fast = 0;
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap();
        if agree(&text) {
            fast += 1;
        }
    }
    eprintln!(
        "{fast} of {} shared tables took the fast reader",
        paths.len()
    );
    assert!(
        fast >= 60,
        "only {fast} of {} took the fast reader",
        paths.len()
    );
}

/// A table of the common shape, written with random spacing and optional members.
fn table_text() -> impl Strategy<Value = String> {
    let entry = (
        0u64..300,
        proptest::option::of("[A-Z]{1,6}"),
        proptest::option::of("[A-G]"),
        proptest::option::of(proptest::bool::ANY),
        proptest::option::of(0u64..8),
        proptest::bool::ANY,
    )
        .prop_map(|(op, m, f, reserved, size, extra)| {
            let mut parts = vec![format!("\"opcode\": {op}")];
            if let Some(m) = m {
                parts.push(format!("\"mnemonic\": \"{m}\""));
            }
            if let Some(f) = f {
                parts.push(format!("\"format\": \"{f}\""));
            }
            if let Some(r) = reserved {
                parts.push(format!("\"reserved\": {r}"));
            }
            if let Some(s) = size {
                parts.push(format!("\"size_bytes\": {s}"));
            }
            if extra {
                parts.push("\"note\": [1, {\"a\": null}]".to_string());
            }
            format!("{{{}}}", parts.join(", "))
        });
    let encoding = prop::sample::select(vec![
        "",
        "\"encoding\": null, ",
        "\"encoding\": {\"opcode_bytes\": 2}, ",
        "\"encoding\": {\"opcode_bytes\": 1, \"byte_order\": \"little\"}, ",
    ]);
    (proptest::collection::vec(entry, 0..6), "[ \n]{0,2}", encoding).prop_map(
        |(entries, ws, encoding)| {
            format!(
                "{{{ws}\"implementation\":{ws}\"vm\",{ws}{encoding}\"count\": 2,{ws}\"opcodes\": [{ws}{}{ws}]{ws}}}",
                entries.join(&format!(",{ws}"))
            )
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Tables of the common shape are taken; and with any one byte changed, inserted or
    /// removed, whatever the fast reader still takes, the general reader reads as the same.
    #[test]
    fn mutated_tables_read_the_same_either_way(
        text in table_text(),
        at in any::<prop::sample::Index>(),
        byte in prop::sample::select(b"{}[]:,\"\\ 0123456789-.eE+nultrfasx\n\t\x01".to_vec()),
        how in 0..3u8,
    ) {
        prop_assert!(agree(&text), "the fast reader gave up on:\n{}", text);
        let mut bytes = text.into_bytes();
        let i = at.index(bytes.len() + 1);
        match how {
            0 if i < bytes.len() => bytes[i] = byte,
            1 => bytes.insert(i, byte),
            _ if i < bytes.len() => { bytes.remove(i); }
            _ => bytes.push(byte),
        }
        if let Ok(mutated) = String::from_utf8(bytes) {
            agree(&mutated);
        }
    }
}
