//! The bodies of every fuzz target, in one place.
//!
//! Each `fuzz_targets/NAME.rs` is one line that calls `bodies::NAME(data)`, and the workspace test
//! `crates/cli/tests/fuzz_regressions.rs` includes this same file (with `#[path]`) and runs each
//! body over every file in `fuzz/regressions/NAME/`, so an input that once crashed a target is
//! replayed by `cargo test --workspace` on the stable toolchain, with the very code the fuzzer ran.
//!
//! A body returns normally for every input it is given (errors are fine: rejecting bad input is
//! the point); it panics only when a crate panics or breaks a promise this file checks (a table
//! written and read back must equal itself, a translation A→B that succeeds must come back to the
//! input with B→A, an accepted message must re-encode to itself).
//!
//! Inputs whose first byte picks a variant (`scan_source`, `translate_*`, `verify_store`) keep
//! that byte first; [`seed_inputs`] builds the generated seeds in that form.

use std::path::Path;
use std::sync::OnceLock;

use isa_core::{Aliases, CheckOptions, ResolveOptions, Scheme, Table};
use isa_history::model::content_hash;
use isa_history::verify::Snapshot;
use isa_io::TableFormat;
use isa_migrate::{TranslateOptions, Translator};

/// A target's body.
pub type Body = fn(&[u8]);

/// Every target: its name (the folder under `fuzz/seeds` and `fuzz/regressions`) and body.
pub const TARGETS: &[(&str, Body)] = &[
    ("decode_message", decode_message),
    ("handshake", handshake),
    ("json_tree", json_tree),
    ("read_table_json", read_table_json),
    ("read_table_toml", read_table_toml),
    ("scan_source", scan_source),
    ("translate_raw", translate_raw),
    ("translate_module", translate_module),
    ("verify_store", verify_store),
    ("import_store", import_store),
    ("semantics", semantics),
];

// ---------------------------------------------------------------------------------------------
// isa-negotiate

/// Any bytes: the wire decoder returns a message or an error, never panics or hangs; whatever it
/// accepts re-encodes to bytes that decode to the same message, and the JSON encoding of an
/// accepted message reads back to the same message.
pub fn decode_message(data: &[u8]) {
    if let Ok(msg) = isa_negotiate::decode(data) {
        let again = msg.encode().expect("an accepted message re-encodes");
        let back = isa_negotiate::decode(&again).expect("a re-encoded message decodes");
        assert_eq!(back, msg);
        let json = isa_negotiate::json::message_to_json(&msg);
        let from_json = isa_negotiate::json::message_from_json(&json).expect("JSON reads back");
        assert_eq!(from_json, msg);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = isa_negotiate::json::message_from_json(text);
    }
}

fn peer() -> isa_negotiate::Advertisement<'static> {
    let ins = |opcode: u32, m: &str| isa_negotiate::Instruction {
        opcode,
        name: isa_negotiate::name_digest(m),
        bytes: isa_negotiate::OpBytes::new(&[opcode as u8]),
        claim: isa_negotiate::Claim::Layout {
            operand_bytes: 0,
            variable: false,
            shape: isa_negotiate::shape_digest("-"),
        },
    };
    let mut instructions = vec![ins(0, "HALT"), ins(1, "NOP")];
    instructions.sort();
    isa_negotiate::Advertisement {
        implementation: "peer".into(),
        versions: vec![isa_negotiate::VersionClaim {
            version: isa_negotiate::Version::new(1, 0, 0),
            hash: [1; 32],
        }],
        instructions,
        ..isa_negotiate::Advertisement::default()
    }
}

/// Arbitrary bytes fed to each handshake step as the peer's message: every step returns a result
/// or an error, never panics; and any advertisement that decodes negotiates with itself and with
/// a fixed peer without panicking, symmetrically.
pub fn handshake(data: &[u8]) {
    use isa_negotiate::{negotiate, usable_count, Client, Server};
    let me = peer();
    let _ = Server::answer(&me, [2; 32], data);
    if let Ok(client) = Client::start(&me, [3; 32]) {
        let _ = client.finish(data);
    }
    if let Ok(client) = Client::start(&me, [3; 32]) {
        if let Ok((server, answer)) = Server::answer(&me, [4; 32], client.offer()) {
            let _ = client.finish(&answer);
            let _ = server.confirm(data);
        }
    }
    if let Ok(ad) = isa_negotiate::decode_advertisement(data) {
        let ab = negotiate(&ad, &me);
        let ba = negotiate(&me, &ad);
        assert_eq!(ab.version, ba.version);
        assert_eq!(ab.usable.len(), usable_count(&me, &ad));
        let _ = negotiate(&ad, &ad);
    }
}

// ---------------------------------------------------------------------------------------------
// isa-io table readers

/// Any text (invalid UTF-8 replaced) read as a JSON table and as a JSON alias map.
pub fn read_table_json(data: &[u8]) {
    read_table(data, "f.json", TableFormat::Json);
    // The one-pass reader of the common shape never takes a text the general reader (value
    // tree and walker) refuses or reads otherwise.
    let text = String::from_utf8_lossy(data);
    if let Some(fast) = isa_io::read::parse_table_common_shape("f.json", &text) {
        let general = isa_io::read::parse_table_general("f.json", &text, TableFormat::Json)
            .unwrap_or_else(|e| {
                panic!("the fast reader took a table the general one refuses: {e}")
            });
        assert_eq!(fast, general, "the two JSON readers disagree");
    }
}

/// Any text to the JSON tree builder the table readers use (`isa_io::value::build_json`), alone
/// and as `parse_json` uses it: neither panics; the builder never accepts a text serde_json's
/// syntax check refuses (it is the only syntax check a table gets); and whatever the reference
/// tree (jsonc-parser's, which the builder replaced) accepts among texts serde_json accepts,
/// `parse_json` accepts too, as the same tree, spans included.
pub fn json_tree(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if isa_io::value::build_json(&text).is_ok() {
        assert!(
            serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok(),
            "the builder accepted a text serde_json refuses"
        );
    }
    let ours = isa_io::value::parse_json("f.json", &text);
    if text.starts_with('\u{feff}') {
        return; // parse_json skips a byte-order mark, the reference does not
    }
    if let Ok(reference) = isa_io::value::parse_json_reference(&text) {
        if let Ok(tree) = ours {
            assert_eq!(
                tree, reference,
                "the builder's tree differs from the reference"
            );
        }
    }
}

/// Any text (invalid UTF-8 replaced) read as a TOML table and as a TOML alias map.
pub fn read_table_toml(data: &[u8]) {
    read_table(data, "f.toml", TableFormat::Toml);
}

/// A table and its locations cleared, for comparing a table with itself read back.
fn strip(mut t: Table) -> Table {
    t.location = None;
    for e in &mut t.entries {
        e.location = None;
    }
    t
}

/// A fixed second table for two-table detection.
fn reference_table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        isa_io::parse_table(
            "unified-spec.toml",
            include_str!("../examples/tables/unified-spec.toml"),
            TableFormat::Toml,
        )
        .expect("examples/tables/unified-spec.toml loads")
    })
}

fn read_table(data: &[u8], file: &str, format: TableFormat) {
    let text = String::from_utf8_lossy(data);
    let _ = isa_io::parse_aliases(file, &text, format);
    let Ok(table) = isa_io::parse_table(file, &text, format) else {
        return;
    };

    // Everything downstream of a loaded table: one-table and two-table detection, the resolve
    // step and its ambiguities.
    let options = CheckOptions::new();
    let _ = isa_core::detect(std::slice::from_ref(&table), &options);
    let _ = isa_core::detect(&[table.clone(), reference_table().clone()], &options);
    let _ = isa_core::undecodable(&table, &options);
    let scheme = Scheme::flux_unified();
    let aliases = Aliases::new();
    let resolved = isa_core::resolve(&table, &ResolveOptions::new(&scheme, &aliases));
    let _ = resolved.ambiguities();

    // Written in either format, it reads back as itself (locations aside).
    let expected = strip(table);
    let json = isa_io::table_to_json_string(&expected);
    let back = isa_io::parse_table("back.json", &json, TableFormat::Json)
        .unwrap_or_else(|e| panic!("a written JSON table does not read back: {e}\n{json}"));
    assert_eq!(
        strip(back),
        expected,
        "JSON round trip changed the table:\n{json}"
    );
    let toml = isa_io::table_to_toml(&expected);
    let back = isa_io::parse_table("back.toml", &toml, TableFormat::Toml)
        .unwrap_or_else(|e| panic!("a written TOML table does not read back: {e}\n{toml}"));
    assert_eq!(
        strip(back),
        expected,
        "TOML round trip changed the table:\n{toml}"
    );
}

// ---------------------------------------------------------------------------------------------
// isa-scan

/// One extension per language of `crates/scan/src/lang.rs` (the regression test checks that each
/// names a language, and that every language is here).
pub const SCAN_EXTENSIONS: [&str; 15] = [
    "py", "go", "ts", "tsx", "js", "rs", "c", "cpp", "cu", "java", "zig", "php", "rb", "md", "json",
];

/// The first byte picks the language (`SCAN_EXTENSIONS[b % 15]`; `K`..`Y` are 0..14), the rest
/// is the file's text (invalid UTF-8 replaced).
pub fn scan_source(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let ext = SCAN_EXTENSIONS[usize::from(first) % SCAN_EXTENSIONS.len()];
    let path = format!("x.{ext}");
    let text = String::from_utf8_lossy(rest);
    // A parse budget of 1 s, not the default 3: text the grammar's error recovery is slow on
    // stops at the budget (the skip path is exercised all the same), and two scans of such an
    // input in the fuzzer's slower build stay well inside its 10 s hang limit (at 3 s each,
    // one found by a long run took 14 s).
    let whole = isa_scan::ScanOptions {
        parse_timeout: std::time::Duration::from_secs(1),
        ..isa_scan::ScanOptions::default()
    };
    let _ = isa_scan::scan_source(Path::new(&path), &text, &whole);
    // Again in the smallest pieces, so that the piece cutter's lexer and the extractor's
    // joining of pieces see every input too (the default pieces are larger than any input
    // the fuzzer makes).
    let pieces = isa_scan::ScanOptions {
        chunk_bytes: 1,
        ..whole
    };
    let _ = isa_scan::scan_source(Path::new(&path), &text, &pieces);
}

// ---------------------------------------------------------------------------------------------
// isa-migrate

/// Escape pages (`0xFF`): most instructions one byte, three on page `ff`, an 8-bit payload
/// length, 16- and 8-bit branch offsets.
pub const PAGED_TABLE: &str = r#"implementation = "paged"
opcodes = [
  { opcode = 0x00, mnemonic = "HALT", format = "A" },
  { opcode = 0x01, mnemonic = "NOP", format = "A" },
  { opcode = 0x10, mnemonic = "MOV", format = "R" },
  { opcode = 0x11, mnemonic = "ADD", format = "E" },
  { opcode = 0x12, mnemonic = "SUB", format = "E" },
  { opcode = 0x20, mnemonic = "LDI", format = "I" },
  { opcode = 0x30, mnemonic = "JMP", format = "J" },
  { opcode = 0x31, mnemonic = "JZ", format = "Z" },
  { opcode = 0x40, mnemonic = "PUSHS", format = "S" },
  { opcode = 0x50, mnemonic = "BLOB", size_bytes = 4 },
  { opcode = 0x60, mnemonic = "DBG", format = "A" },
  { opcode = 0xFF01, mnemonic = "SYS", format = "C" },
  { opcode = 0xFF02, mnemonic = "CALL", format = "J" },
  { opcode = 0xFF10, mnemonic = "WIDE", format = "E" },
]

[encoding]
escapes = [0xFF]

[formats.A]
size = 1
fields = []

[formats.C]
size = 2
fields = [{ name = "imm8", bits = 8, kind = "imm" }]

[formats.R]
size = 3
fields = [{ name = "rd", bits = 8, kind = "reg" }, { name = "rs", bits = 8, kind = "reg" }]

[formats.E]
size = 4
fields = [{ name = "rd", bits = 8, kind = "reg" }, { name = "rs1", bits = 8, kind = "reg" }, { name = "rs2", bits = 8, kind = "reg" }]

[formats.I]
size = 4
fields = [{ name = "rd", bits = 8, kind = "reg" }, { name = "imm16", bits = 16, kind = "imm" }]

[formats.J]
size = 3
fields = [{ name = "off", bits = 16, kind = "rel" }]

[formats.Z]
size = 3
fields = [{ name = "rd", bits = 8, kind = "reg" }, { name = "off", bits = 8, kind = "rel" }]

[formats.S]
size = 2
fields = [{ name = "len", bits = 8, kind = "len" }]
"#;

/// Payload lengths and branches, one byte per opcode, another numbering: 4-bit registers for
/// MOV, a 32-bit LDI, an 8-bit JMP, a 16-bit JZ and a 16-bit payload length (so sizes change
/// against both other tables and branches are recomputed).
pub const PAYLOAD_TABLE: &str = r#"implementation = "payload"
opcodes = [
  { opcode = 0x7F, mnemonic = "HALT", format = "A" },
  { opcode = 0x00, mnemonic = "NOP", format = "A" },
  { opcode = 0x21, mnemonic = "MOV", format = "R" },
  { opcode = 0x22, mnemonic = "ADD", format = "E" },
  { opcode = 0x23, mnemonic = "SUB", format = "E" },
  { opcode = 0x24, mnemonic = "LDI", format = "I" },
  { opcode = 0x25, mnemonic = "JMP", format = "J" },
  { opcode = 0x26, mnemonic = "JZ", format = "Z" },
  { opcode = 0x27, mnemonic = "PUSHS", format = "S" },
  { opcode = 0x28, mnemonic = "SYS", format = "C" },
  { opcode = 0x29, mnemonic = "CALL", format = "K" },
  { opcode = 0x2A, mnemonic = "WIDE", format = "E" },
  { opcode = 0x2B, mnemonic = "BLOB", size_bytes = 4 },
  { opcode = 0xF0, reserved = true },
]

[formats.A]
size = 1
fields = []

[formats.C]
size = 2
fields = [{ name = "imm8", bits = 8, kind = "imm" }]

[formats.R]
size = 2
fields = [{ name = "rd", bits = 4, kind = "reg" }, { name = "rs", bits = 4, kind = "reg" }]

[formats.E]
size = 4
fields = [{ name = "rd", bits = 8, kind = "reg" }, { name = "rs1", bits = 8, kind = "reg" }, { name = "rs2", bits = 8, kind = "reg" }]

[formats.I]
size = 6
fields = [{ name = "rd", bits = 8, kind = "reg" }, { name = "imm32", bits = 32, kind = "imm" }]

[formats.J]
size = 2
fields = [{ name = "off", bits = 8, kind = "rel" }]

[formats.K]
size = 3
fields = [{ name = "off", bits = 16, kind = "rel" }]

[formats.Z]
size = 4
fields = [{ name = "rd", bits = 8, kind = "reg" }, { name = "off", bits = 16, kind = "rel" }]

[formats.S]
size = 3
fields = [{ name = "len", bits = 16, kind = "len" }]
"#;

/// Fixed two-byte opcodes (little-endian), lower-case spellings, some layouts that leave the
/// opcode 16 bits themselves, a big-endian immediate and a branch named by `branch` on a signed
/// immediate.
pub const WIDE_TABLE: &str = r#"implementation = "wide"
opcodes = [
  { opcode = 0x0000, mnemonic = "halt", format = "A" },
  { opcode = 0x0101, mnemonic = "nop", format = "A" },
  { opcode = 0x0102, mnemonic = "mov", format = "R" },
  { opcode = 0x0203, mnemonic = "add", format = "E" },
  { opcode = 0x0204, mnemonic = "sub", format = "E" },
  { opcode = 0x0305, mnemonic = "ldi", format = "I" },
  { opcode = 0x0406, mnemonic = "jmp", format = "J" },
  { opcode = 0x0407, mnemonic = "jz", format = "Z", branch = "off" },
  { opcode = 0x0508, mnemonic = "pushs", format = "S" },
  { opcode = 0x0609, mnemonic = "sys", format = "C" },
  { opcode = 0x040A, mnemonic = "call", format = "J" },
  { opcode = 0x070B, mnemonic = "wide", format = "E" },
  { opcode = 0x080C, mnemonic = "blob", size_bytes = 5 },
]

[encoding]
opcode_bytes = 2
byte_order = "little"

[formats.A]
size = 2
fields = []

[formats.C]
size = 3
fields = [{ name = "imm8", bits = 8, kind = "imm" }]

[formats.R]
size = 4
fields = [{ name = "rd", bits = 8, kind = "reg" }, { name = "rs", bits = 8, kind = "reg" }]

[formats.E]
size = 5
fields = [{ name = "rd", bits = 8, kind = "reg" }, { name = "rs1", bits = 8, kind = "reg" }, { name = "rs2", bits = 8, kind = "reg" }]

[formats.I]
size = 5
endian = "big"
fields = [{ name = "rd", bits = 8, kind = "reg" }, { name = "imm16", bits = 16, kind = "imm" }]

[formats.J]
size = 4
fields = [{ name = "off", bits = 16, kind = "rel" }]

[formats.Z]
size = 4
fields = [{ name = "rd", bits = 8, kind = "reg" }, { name = "off", bits = 8, kind = "simm" }]

[formats.S]
size = 4
fields = [{ name = "len", bits = 16, kind = "len" }]
"#;

/// The three tables, in the order `PAIRS` names them.
pub fn translate_tables() -> [Table; 3] {
    [
        ("paged.toml", PAGED_TABLE),
        ("payload.toml", PAYLOAD_TABLE),
        ("wide.toml", WIDE_TABLE),
    ]
    .map(|(file, text)| {
        isa_io::parse_table(file, text, TableFormat::Toml)
            .unwrap_or_else(|e| panic!("the fixed table {file} loads: {e}"))
    })
}

/// Translation directions: selector `b % 6` translates from `PAIRS[b % 6].0` to `.1` (indices
/// into [`translate_tables`]); the reverse direction is `b ^ 1`.
pub const PAIRS: [(usize, usize); 6] = [(0, 1), (1, 0), (1, 2), (2, 1), (2, 0), (0, 2)];

/// A translator for every direction of [`PAIRS`], compiled once.
pub fn translators() -> &'static [Translator; 6] {
    static TRANSLATORS: OnceLock<[Translator; 6]> = OnceLock::new();
    TRANSLATORS.get_or_init(|| {
        let tables = translate_tables();
        let options = TranslateOptions::new();
        PAIRS.map(|(a, b)| {
            Translator::new(&tables[a], &tables[b], &options)
                .unwrap_or_else(|e| panic!("the fixed tables compile: {e:?}"))
        })
    })
}

/// The selector byte and the forward and backward translators it picks.
fn pick(data: &[u8]) -> Option<(&'static Translator, &'static Translator, &[u8])> {
    let (&first, rest) = data.split_first()?;
    let index = usize::from(first) % PAIRS.len();
    let all = translators();
    Some((&all[index], &all[index ^ 1], rest))
}

/// The first byte picks the direction (see [`PAIRS`]), the rest is raw bytecode. Decoding and
/// translating never panic; when A→B succeeds, B→A gives back exactly the input (the promise in
/// ARCHITECTURE.md's isa-migrate section), and every error offset is inside the input.
pub fn translate_raw(data: &[u8]) {
    let Some((there, back, code)) = pick(data) else {
        return;
    };
    let _ = there.decode(code);
    // The streaming writer (what the command uses for a file) gives the same bytes, or the
    // same error, as the in-memory translation.
    let mut streamed = Vec::new();
    let written = there.translate_to(code, &mut streamed);
    match (&written, there.translate(code)) {
        (Ok(stats), Ok(t)) => assert!(*stats == t.stats && streamed == t.bytes),
        (Err(isa_migrate::WriteError::Translate(e)), Err(f)) => assert_eq!(**e, f),
        (w, t) => panic!("translate_to gave {w:?}, translate {t:?}"),
    }
    match there.translate(code) {
        Ok(t) => {
            assert_eq!(t.stats.bytes_in, code.len());
            assert_eq!(t.stats.bytes_out, t.bytes.len());
            let again = back.translate(&t.bytes).unwrap_or_else(|e| {
                panic!(
                    "{} → {} succeeded but the way back fails: {e}",
                    there.from_name(),
                    there.to_name()
                )
            });
            assert_eq!(
                again.bytes,
                code,
                "{} → {} → {} does not give back the input",
                there.from_name(),
                there.to_name(),
                there.from_name()
            );
        }
        Err(e) => assert!(
            e.offset < code.len(),
            "error offset {} outside a {}-byte input: {e}",
            e.offset,
            code.len()
        ),
    }
}

/// The first byte picks the direction (see [`PAIRS`]), the rest is a FLUX module file. Never
/// panics; when A→B succeeds, B→A gives back exactly the input file.
pub fn translate_module(data: &[u8]) {
    let Some((there, back, file)) = pick(data) else {
        return;
    };
    if let Ok(t) = isa_migrate::translate_module(there, file) {
        let again = isa_migrate::translate_module(back, &t.bytes).unwrap_or_else(|e| {
            panic!(
                "module {} → {} succeeded but the way back fails: {e}",
                there.from_name(),
                there.to_name()
            )
        });
        assert_eq!(
            again.bytes,
            file,
            "module {} → {} → {} does not give back the input",
            there.from_name(),
            there.to_name(),
            there.from_name()
        );
    }
}

/// A FLUX module (18-byte header, one function per `(entry, size)`, the code).
pub fn flux_module(functions: &[(u32, u32)], code: &[u8]) -> Vec<u8> {
    let code_offset = 18 + 12 * functions.len() as u32;
    let mut out = Vec::new();
    out.extend_from_slice(b"FLUX");
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&(functions.len() as u16).to_le_bytes());
    out.extend_from_slice(&18u32.to_le_bytes());
    out.extend_from_slice(&code_offset.to_le_bytes());
    for (i, &(entry, size)) in functions.iter().enumerate() {
        out.extend_from_slice(&(i as u32).to_le_bytes());
        out.extend_from_slice(&entry.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
    }
    out.extend_from_slice(code);
    out
}

/// A program in the paged table using every instruction (DBG aside), with forward and backward
/// branches and a payload, and its two functions `(entry, size)`.
fn paged_program() -> (Vec<u8>, Vec<(u32, u32)>) {
    #[rustfmt::skip]
    let code: Vec<u8> = vec![
        0x01,                         // 0  NOP
        0x20, 0x01, 0x34, 0x12,       // 1  LDI r1, 0x1234
        0x10, 0x02, 0x01,             // 5  MOV r2, r1
        0x11, 0x03, 0x01, 0x02,       // 8  ADD r3, r1, r2
        0x31, 0x03, 0x08,             // 12 JZ r3, +8 → 23
        0x40, 0x03, b'a', b'b', b'c', // 15 PUSHS "abc"
        0xFF, 0x01, 0x07,             // 20 SYS 7
        0x12, 0x03, 0x03, 0x01,       // 23 SUB r3, r3, r1
        0x50, 0xAA, 0xBB, 0xCC,       // 27 BLOB
        0xFF, 0x10, 0x01, 0x02, 0x03, // 31 WIDE r1, r2, r3
        0xFF, 0x02, 0x03, 0x00,       // 36 CALL +3 → 43
        0x30, 0xDA, 0xFF,             // 40 JMP -38 → 5
        0x00,                         // 43 HALT
    ];
    (code, vec![(0, 23), (23, 21)])
}

// ---------------------------------------------------------------------------------------------
// isa-history

/// A valid store held in memory: two maintainers (quorum 1) with keys from fixed seeds, versions
/// 1.0.0 and 1.1.0 declared, and a pending proposal of 1.2.0 with one approval. Built once from
/// the model; [`isa_history::verify::verify`] finds nothing wrong with it (checked here).
pub fn base_store() -> &'static Snapshot {
    static STORE: OnceLock<Snapshot> = OnceLock::new();
    STORE.get_or_init(|| {
        use isa_core::Entry;
        use isa_history::{Approval, Authority, KeyPair, Maintainer, Proposal, Record};
        let keys = [
            KeyPair::from_seed("alice", [0x11; 32]),
            KeyPair::from_seed("bob", [0x22; 32]),
        ];
        let authority = Authority::new(
            keys.iter()
                .map(|k| Maintainer {
                    name: k.name.clone(),
                    public_key: k.public().to_hex(),
                })
                .collect(),
            1,
        )
        .expect("a valid authority");
        let mut snapshot = Snapshot::new();
        let authority_bytes = authority.to_bytes();
        let mut previous = content_hash(&authority_bytes);
        snapshot.insert("authority.json", authority_bytes);
        snapshot.insert("lock", Vec::new());
        let mut table = Table::new("canonical");
        table.entries = vec![
            Entry::new(0x00, "HALT").with_format("A"),
            Entry::new(0x01, "NOP").with_format("A"),
            Entry::new(0x20, "ADD").with_format("E"),
        ];
        for (n, version) in ["1.0.0", "1.1.0", "1.2.0"].into_iter().enumerate() {
            table
                .entries
                .push(Entry::new(0x30 + n as u32, &format!("EXT{n}")).with_format("B"));
            let proposal = Proposal {
                version: version.parse().expect("semver"),
                parent: previous.clone(),
                message: format!("version {version}"),
                renames: vec![],
                overrides: vec![],
                table: table.clone(),
            };
            let id = proposal.id();
            let key = &keys[n % 2];
            let approval = Approval {
                proposal: id.clone(),
                maintainer: key.name.clone(),
                public_key: key.public().to_hex(),
                signature: key.sign_approval(&id),
            };
            let hex = id.strip_prefix("sha256:").expect("a sha256 id");
            snapshot.insert(format!("proposals/{hex}.json"), proposal.to_bytes());
            snapshot.insert(
                format!("approvals/{hex}.{}.json", approval.maintainer),
                approval.to_bytes(),
            );
            if n == 2 {
                break; // 1.2.0 stays pending
            }
            let record = Record {
                sequence: n as u64 + 1,
                previous: previous.clone(),
                proposal,
                approvals: vec![approval],
            };
            let bytes = record.to_bytes();
            previous = content_hash(&bytes);
            snapshot.insert(record.file_name(), bytes);
        }
        let report = isa_history::verify::verify(&snapshot);
        assert!(
            report.is_ok(),
            "the base store verifies: {:?}",
            report.findings
        );
        snapshot
    })
}

/// Paths `verify_store` can write that the base store does not have.
const NEW_PATHS: [&str; 4] = [
    "history/000003-1.2.0.json",
    "approvals/0000000000000000000000000000000000000000000000000000000000000000.alice.json",
    "proposals/0000000000000000000000000000000000000000000000000000000000000000.json",
    "notes.txt",
];

/// The first byte picks which store file the rest of the input becomes: `b` below the base
/// store's file count replaces its `b`-th file (in path order), other values add one of the
/// `NEW_PATHS`, and `0xFF` reads the path from the input itself (`PATH\nBYTES`). Verification of
/// the modified store never panics.
pub fn verify_store(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let base = base_store();
    let mut snapshot = base.clone();
    let slot = usize::from(first);
    let count = base.files.len();
    let (path, bytes) = if first == 0xFF {
        let cut = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let path = String::from_utf8_lossy(&rest[..cut]).into_owned();
        (path, rest.get(cut + 1..).unwrap_or_default())
    } else if slot < count {
        let path = base.files.keys().nth(slot).expect("in range").clone();
        (path, rest)
    } else {
        (
            NEW_PATHS[(slot - count) % NEW_PATHS.len()].to_string(),
            rest,
        )
    };
    snapshot.insert(path, bytes.to_vec());
    let report = isa_history::verify::verify(&snapshot);
    // An unchanged store verifies; anything else is whatever verify says.
    if snapshot == *base {
        assert!(report.is_ok(), "the unchanged store: {:?}", report.findings);
    }
}

/// Any text as a store export (`isa-authority import`, a registry client's `GET /v1/export`):
/// `import_json` returns a snapshot or an error, never panics; an accepted export exports again
/// to a document that imports to the same snapshot (the bytes of every file survive), and
/// `verify` runs over it.
pub fn import_store(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(snapshot) = isa_history::export::import_json("fuzz.json", text) else {
        return;
    };
    let again = isa_history::export::export_json(&snapshot).expect("an imported store exports");
    let back = isa_history::export::import_json("again.json", &again.to_string())
        .expect("a re-exported store imports");
    assert_eq!(back, snapshot);
    let _ = isa_history::verify::verify(&snapshot);
}

// ---------------------------------------------------------------------------------------------
// Generated seeds

/// The seeds this file can build (the others are files in the repository): `(target, file name,
/// bytes)`. `crates/cli/tests/fuzz_regressions.rs` runs them through their bodies and, with
/// `--ignored write_generated_seeds`, writes them to `fuzz/seeds/<target>/`.
pub fn seed_inputs() -> Vec<(&'static str, String, Vec<u8>)> {
    let mut out = Vec::new();
    let tables = translate_tables();
    // Write the fixed tables themselves as table-reader seeds.
    for t in &tables {
        out.push((
            "read_table_toml",
            format!("{}.toml", t.implementation),
            isa_io::table_to_toml(t).into_bytes(),
        ));
        out.push((
            "read_table_json",
            format!("{}.json", t.implementation),
            isa_io::table_to_json_string(t).into_bytes(),
        ));
    }
    // The paged program, carried into the other two tables; each seed translates from its
    // table to each other one.
    let (code, functions) = paged_program();
    let all = translators();
    let mut programs: [Option<Vec<u8>>; 3] = [Some(code.clone()), None, None];
    for (i, &(a, b)) in PAIRS.iter().enumerate() {
        if a == 0 {
            let t = all[i]
                .translate(&code)
                .expect("the paged program translates");
            programs[b] = Some(t.bytes);
        }
    }
    let module = flux_module(&functions, &code);
    let mut modules: [Option<Vec<u8>>; 3] = [Some(module.clone()), None, None];
    for (i, &(a, b)) in PAIRS.iter().enumerate() {
        if a == 0 {
            let t = isa_migrate::translate_module(&all[i], &module)
                .expect("the paged module translates");
            modules[b] = Some(t.bytes);
        }
    }
    for (i, &(a, b)) in PAIRS.iter().enumerate() {
        let name = format!(
            "{}-to-{}",
            tables[a].implementation, tables[b].implementation
        );
        let mut raw = vec![i as u8];
        raw.extend_from_slice(programs[a].as_deref().expect("every table has the program"));
        out.push(("translate_raw", format!("{name}.bin"), raw));
        let mut file = vec![i as u8];
        file.extend_from_slice(modules[a].as_deref().expect("every table has the module"));
        out.push(("translate_module", format!("{name}.flux"), file));
    }
    // Each file of the base store under the selector that replaces it with itself.
    for (slot, (path, bytes)) in base_store().files.iter().enumerate() {
        let mut input = vec![slot as u8];
        input.extend_from_slice(bytes);
        // `approvals/<64 hex>.alice.json` → `00-approvals-<12 hex>.alice.json`
        let name: Vec<String> = path
            .split('/')
            .map(|part| match part.split_once('.') {
                Some((hex, rest)) if hex.len() == 64 => format!("{}.{rest}", &hex[..12]),
                _ => part.to_string(),
            })
            .collect();
        out.push((
            "verify_store",
            format!("{slot:02}-{}", name.join("-")),
            input,
        ));
    }
    // The base store's export, as the import reader's seed.
    let export = isa_history::export::export_json(base_store()).expect("the base store exports");
    out.push((
        "import_store",
        "base-store.json".to_string(),
        format!("{export:#}").into_bytes(),
    ));
    out
}

// ---------------------------------------------------------------------------------------------
// isa-semantics

/// Any text as a semantics file: parsing and attaching return a value or an error (with a
/// position inside the text), never panic, and never recurse on nesting. A file that attaches
/// (to a table listing every mnemonic it defines, one opcode each, letters cycling through the
/// interpreter scheme) then runs programs made of the input's own bytes, bounded in steps: a run
/// never panics, and a trap's offset lies inside the program.
pub fn semantics(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = match isa_semantics::parse("fuzz.sem", text) {
        Ok(f) => f,
        Err(e) => {
            assert!(e.line as usize <= text.lines().count().max(1), "{e}");
            return;
        }
    };
    let mut table = Table::new("fuzz");
    let letters = ["A", "B", "C", "D", "E", "G"];
    for (i, inst) in file.instructions.iter().enumerate().take(256) {
        let mut e = isa_core::Entry::new(i as u32, &inst.mnemonic);
        e.format = Some(letters[i % letters.len()].into());
        table.entries.push(e);
    }
    let Ok(sem) = isa_semantics::Semantics::attach(file, &table, &Aliases::new()) else {
        return;
    };
    for program in [data, &data[data.len() / 2..]] {
        let out = sem.run(program, sem.initial_state(), 1000);
        if let isa_semantics::Stop::Trap(t) | isa_semantics::Stop::Unsupported(t) = &out.stop {
            assert!(
                t.offset < program.len().max(1),
                "trap offset {} outside the program",
                t.offset
            );
        }
    }
}
