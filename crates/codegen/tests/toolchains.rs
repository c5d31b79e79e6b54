//! The generated code must compile or import cleanly with each language's own toolchain, and
//! behave: these tests render a deliberately hostile table (keywords, leading digits,
//! punctuation, collisions after sanitising, quotes and comment terminators in descriptions,
//! reserved/removed/nameless numbers, an unknown format, a variable-length format), tables with
//! wide encodings (an escape page, fixed two-, three- and four-byte opcodes, numbers above
//! `0x7FFFFFFF`), and run `gcc`, `rustc`, `python3`, `go` and `tsc`/`node` on the result,
//! checking each instruction's opcode bytes and sizes at run time.
//!
//! A toolchain that is not installed is skipped with a visible `SKIPPED:` line on stderr —
//! unless `ISA_CODEGEN_REQUIRE_TOOLS=1` is set (as `.ci/run` does after installing them), in
//! which case a missing tool fails the test.

use std::path::Path;
use std::process::Command;

use isa_codegen::{generate, render, Lang, Meta, RenameReason};
use isa_core::{Encoding, Endian, Entry, Field, FieldKind, Layout, Status, Table};

fn hostile() -> Table {
    let mut t = Table::new("hostile");
    t.isa_version = Some("1.0 \"beta\" \\ line\nbreak".into());
    t.formats.insert(
        "V".into(),
        Layout::new(3, vec![Field::new("len", 16, FieldKind::PayloadLength)]).unwrap(),
    );
    let mut rsv = Entry::new(0xFE, "RSV");
    rsv.reserved = true;
    let mut old = Entry::new(0x30, "OLD");
    old.status = Some(Status::Removed);
    let nameless = Entry {
        opcode: 0x31,
        ..Entry::default()
    };
    let mut odd_size = Entry::new(0x12, "ODD").with_format("Z");
    odd_size.size_bytes = Some(7);
    let mut described = Entry::new(0x0D, "QUOTE\"D").with_format("A");
    described.details.make_mut().description =
        Some("ends */ a comment,\nbreaks a line \"quotes\" and \\".into());
    let mut deprecated = Entry::new(0x14, "OLDISH").with_format("B");
    deprecated.status = Some(Status::Deprecated);
    t.entries = vec![
        Entry::new(0x00, "HALT").with_format("A"),
        Entry::new(0x01, "2D_SCALE").with_format("E"),
        Entry::new(0x02, "MEM.load").with_format("G"),
        Entry::new(0x03, "MEM_LOAD").with_format("E"),
        Entry::new(0x04, "mem-load").with_format("E"),
        Entry::new(0x05, "SELF").with_format("A"),
        Entry::new(0x06, "class").with_format("A"),
        Entry::new(0x07, "None").with_format("A"),
        Entry::new(0x08, "???").with_format("A"),
        Entry::new(0x09, "COMPRESSED ADD rd, rs1, rs2").with_format("E"),
        Entry::new(0x0A, "Ünïcode op").with_format("A"),
        Entry::new(0x0B, "int").with_format("A"),
        Entry::new(0x0C, "NULL").with_format("A"),
        described,
        Entry::new(0x0E, "name").with_format("A"),
        Entry::new(0x0F, "value").with_format("A"),
        Entry::new(0x10, "_sunder_").with_format("A"),
        Entry::new(0x11, "Some").with_format("A"),
        odd_size,
        Entry::new(0x13, "BLOB").with_format("V"),
        deprecated,
        Entry::new(0x15, "NOFMT"),
        rsv,
        old,
        nameless,
    ];
    t
}

/// Two instructions, the second at `max`, with opcodes of `bytes` bytes (little-endian, so the
/// bytes differ from the number's own spelling).
fn wide(max: u32, bytes: u32) -> Table {
    let mut t = Table::new("wide");
    t.encoding = Encoding::fixed(bytes, Endian::Little).unwrap();
    t.entries = vec![
        Entry::new(0, "HALT").with_format("A"),
        Entry::new(max, "FAR").with_format("B"),
    ];
    t
}

/// A one-byte ISA with an escape page at 0xFF: FLUX v3's shape.
fn escaped() -> Table {
    let mut t = Table::new("escaped");
    t.encoding = Encoding::escapes([0xFF]).unwrap();
    let mut vsize = Entry::new(0xFF07, "VSIZE");
    vsize.size_bytes = Some(4);
    t.entries = vec![
        Entry::new(0x00, "HALT").with_format("A"),
        Entry::new(0x20, "ADD").with_format("E"),
        Entry::new(0xFF05, "VADD").with_format("E"),
        vsize,
    ];
    t
}

/// Four-byte opcodes with numbers no C `int` holds.
fn huge() -> Table {
    let mut t = Table::new("huge");
    t.encoding = Encoding::fixed(4, Endian::Big).unwrap();
    t.entries = vec![
        Entry::new(0x0000_0001, "HALT").with_format("A"),
        Entry::new(0x8000_0001, "ADD").with_format("E"),
        Entry::new(0xFFFF_FFFE, "FAR"),
    ];
    let mut rsv = Entry::new(0xFFFF_FFFF, "RSV");
    rsv.reserved = true;
    t.entries.push(rsv);
    t
}

/// True when the tool runs; otherwise prints a visible skip line (or fails when tools are
/// required).
fn have(tool: &str, version_arg: &str) -> bool {
    let ok = Command::new(tool)
        .arg(version_arg)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var("ISA_CODEGEN_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
            panic!("{tool} is required (ISA_CODEGEN_REQUIRE_TOOLS=1) but not installed");
        }
        // Written to the stderr handle itself, not through `eprintln!`, which the test
        // harness captures and hides for passing tests: a skip must be seen.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: `{tool}` is not installed; this toolchain check did not run"
        );
    }
    ok
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// Instructions the generator emits: not reserved, named, not removed.
fn emitted(table: &Table) -> usize {
    table
        .instructions()
        .filter(|e| e.status != Some(Status::Removed))
        .count()
}

fn code(lang: Lang, table: &Table) -> String {
    generate(lang, table, &Meta::for_table(table)).unwrap()
}

#[test]
fn renames_are_reported_and_deterministic() {
    let t = hostile();
    let g = render(Lang::Rust, &t, &Meta::for_table(&t)).unwrap();
    let find = |m: &str| g.renames.iter().find(|r| r.mnemonic == m).cloned();
    assert_eq!(find("2D_SCALE").unwrap().identifier, "Op2dScale");
    assert_eq!(find("SELF").unwrap().reasons, vec![RenameReason::Keyword]);
    assert!(find("MEM_LOAD")
        .unwrap()
        .reasons
        .contains(&RenameReason::Collision));
    assert_eq!(find("???").unwrap().identifier, "Op08");
    assert!(find("HALT").is_none());
    // The renames are documented in the generated file too.
    assert!(
        g.code.contains("\"SELF\" (0x05) -> Self_ (keyword)"),
        "{}",
        g.code
    );
    let again = render(Lang::Rust, &t, &Meta::for_table(&t)).unwrap();
    assert_eq!(g, again);
}

#[test]
fn c_header_compiles_with_warnings_as_errors_and_the_x_macro_works() {
    if !have("gcc", "--version") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (name, table) in [
        ("hostile", hostile()),
        ("wide", wide(0x1234, 2)),
        ("escaped", escaped()),
        ("huge", huge()),
    ] {
        let sub = dir.path().join(name);
        std::fs::create_dir(&sub).unwrap();
        write(&sub, "opcodes.h", &code(Lang::C, &table));
        run(Command::new("gcc")
            .args(["-Wall", "-Wextra", "-Werror", "-std=c99", "-pedantic"])
            .args(["-fsyntax-only", "-x", "c", "opcodes.h"])
            .current_dir(&sub));
        write(
            &sub,
            "main.c",
            r#"#include <stdio.h>
#include <string.h>
#include "opcodes.h"

#define CHECK(name, op, fmt, size, mn) \
    if (OP_##name != (op)) return 1; \
    if (strcmp(isa_opcode_mnemonic(op), (mn)) != 0) return 2; \
    if (isa_opcode_size(op) != (size)) return 3; \
    if (strcmp(isa_opcode_format(op), (fmt)) != 0) return 4; \
    count++;
#define RESERVED(op, why) if (isa_opcode_valid(op)) return 5; reserved++;
#define BYTES(name, op, len, bytes) \
    if (isa_opcode_length(op) != (len) || sizeof(bytes) != (len) + 1) return 7; \
    if (memcmp(isa_opcode_bytes(op), (bytes), (len)) != 0) return 8; \
    printf(" %s=", #name); \
    for (i = 0; i < (len); i++) printf("%02x", isa_opcode_bytes(op)[i]);
#define ESCAPE(prefix) if (isa_opcode_valid(prefix)) return 9; printf(" escape=%x", prefix);

int main(void)
{
    int count = 0, reserved = 0;
    unsigned int i;
    ISA_OPCODES(CHECK)
    ISA_RESERVED(RESERVED)
    if (count != ISA_OPCODE_COUNT) return 6;
    if (isa_opcode_bytes(0xFFFFFFFFul) != 0 && !isa_opcode_valid(0xFFFFFFFFul)) return 10;
    printf("%d %d %s", count, reserved, ISA_CONTENT_HASH);
    ISA_OPCODE_BYTES(BYTES)
    ISA_ESCAPES(ESCAPE)
    printf(" [%s]\n", ISA_ENCODING);
    return 0;
}
"#,
        );
        run(Command::new("gcc")
            .args([
                "-Wall", "-Wextra", "-Werror", "-std=c99", "main.c", "-o", "main",
            ])
            .current_dir(&sub));
        let out = run(&mut Command::new(sub.join("main")));
        let n = emitted(&table);
        assert!(out.starts_with(&format!("{n} ")), "{out}");
        match name {
            // RSV, the removed OLD and the nameless 0x31 are documented, never instructions.
            "hostile" => {
                assert!(out.starts_with(&format!("{n} 3 sha256:")), "{out}");
                assert!(out.contains(" HALT=00 ") && out.contains(" BLOB=13 "), "{out}");
            }
            "wide" => assert!(out.contains(" FAR=3412 ["), "{out}"),
            "escaped" => assert!(
                out.contains(" ADD=20 VADD=ff05 VSIZE=ff07 escape=ff [one-byte opcodes with escape prefix 0xFF]"),
                "{out}"
            ),
            "huge" => assert!(
                out.contains(" HALT=00000001 ADD=80000001 FAR=fffffffe [4-byte opcodes, big-endian]"),
                "{out}"
            ),
            _ => unreachable!(),
        }
    }
    // ISO C enumerators are ints: numbers above 0x7FFFFFFF become unsigned macros.
    let src = code(Lang::C, &huge());
    assert!(src.contains("#define OP_ADD 0x80000001u"), "{src}");
    assert!(
        src.contains("X(ADD, 0x80000001u, \"E\", 7, \"ADD\")"),
        "{src}"
    );
    assert!(src.contains("X(0xFFFFFFFFu, \"reserved\")"), "{src}");
    assert!(!src.contains("enum isa_opcode"), "{src}");
    assert!(code(Lang::C, &escaped()).contains("    OP_VADD = 0xFF05, "));
}

#[test]
fn rust_module_compiles_without_warnings_and_try_from_round_trips() {
    if !have("rustc", "--version") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (name, table, repr, bytes) in [
        ("hostile", hostile(), "u8", "Opcode::Halt, &[0x00]"),
        (
            "wide16",
            wide(0x1234, 2),
            "u16",
            "Opcode::Far, &[0x34, 0x12]",
        ),
        (
            "wide32",
            wide(0x0012_3456, 3),
            "u32",
            "Opcode::Far, &[0x56, 0x34, 0x12]",
        ),
        ("escaped", escaped(), "u16", "Opcode::Vadd, &[0xFF, 0x05]"),
        (
            "huge",
            huge(),
            "u32",
            "Opcode::Add, &[0x80, 0x00, 0x00, 0x01]",
        ),
    ] {
        let sub = dir.path().join(name);
        std::fs::create_dir(&sub).unwrap();
        let src = code(Lang::Rust, &table);
        assert!(src.contains(&format!("#[repr({repr})]")), "{name}");
        write(&sub, "opcodes.rs", &src);
        // As a library crate every public item is used, so any warning is the generator's.
        run(Command::new("rustc")
            .args(["--edition", "2021", "--crate-type", "lib", "-D", "warnings"])
            .args(["opcodes.rs", "--out-dir", "."])
            .current_dir(&sub));
        write(
            &sub,
            "main.rs",
            &format!(
                r#"#[allow(dead_code)]
mod opcodes;
use opcodes::Opcode;

fn main() {{
    for op in Opcode::ALL {{
        let n = {repr}::from(op);
        assert_eq!(Opcode::try_from(n), Ok(op));
        assert_eq!(Opcode::try_from(u32::from(n)), Ok(op));
        assert_eq!(Opcode::from_mnemonic(op.mnemonic()), Some(op));
    }}
    for n in Opcode::RESERVED {{
        assert!(Opcode::try_from(n).is_err());
    }}
    assert!(Opcode::try_from(0xFFFF_FFFFu32).is_err());
    let (op, bytes): (Opcode, &[u8]) = ({bytes});
    assert_eq!(op.bytes(), bytes);
    for op in Opcode::ALL {{
        // Every opcode's bytes lead its size, and an escape page's bytes start with its escape.
        assert!(op.size().is_none_or(|s| s as usize >= op.bytes().len()));
        if op.bytes().len() > 1 && !opcodes::ESCAPES.is_empty() {{
            assert!(opcodes::ESCAPES.contains(&u32::from(op.bytes()[0])));
        }}
    }}
    println!("{{}} {{}} {{}}", Opcode::ALL.len(), opcodes::CONTENT_HASH, opcodes::ENCODING);
}}
"#
            ),
        );
        run(Command::new("rustc")
            .args([
                "--edition",
                "2021",
                "-D",
                "warnings",
                "main.rs",
                "-o",
                "main",
            ])
            .current_dir(&sub));
        let out = run(&mut Command::new(sub.join("main")));
        assert!(
            out.starts_with(&format!("{} sha256:", emitted(&table))),
            "{out}"
        );
    }
    // Spot checks on the hostile enum: identifiers and facts.
    let src = code(Lang::Rust, &hostile());
    for needle in [
        "    Op2dScale = 0x01,",
        "    MemLoad = 0x02,",
        "    MemLoad0x03 = 0x03,",
        "    MemLoad0x04 = 0x04,",
        "    Self_ = 0x05,",
        "    Some_ = 0x11,",
        "            Opcode::Odd => Some(7),",
        "            Opcode::Blob => Some(3),",
        "            Opcode::Nofmt => None,",
        "matches!(self, Opcode::Blob)",
    ] {
        assert!(src.contains(needle), "missing {needle:?}");
    }
    let src = code(Lang::Rust, &escaped());
    for needle in [
        "pub const ESCAPES: [u32; 1] = [0xFF];",
        "            Opcode::Vadd => &[0xFF, 0x05],",
        "            Opcode::Vadd => Some(5),",
        "            Opcode::Vsize => Some(4),",
    ] {
        assert!(src.contains(needle), "missing {needle:?}");
    }
}

#[test]
fn python_module_imports_and_behaves() {
    if !have("python3", "--version") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "opcodes.py", &code(Lang::Python, &hostile()));
    // A table without reserved or variable-length entries: empty sets must still be sets.
    write(dir.path(), "plain.py", &code(Lang::Python, &wide(0x7F, 1)));
    write(dir.path(), "escaped.py", &code(Lang::Python, &escaped()));
    let script = r#"
import opcodes
from opcodes import Opcode, MNEMONIC, SIZE, FORMAT, RESERVED, VARIABLE, FORMAT_SIZES
assert Opcode(0x00) is Opcode.HALT
assert Opcode.OP_2D_SCALE == 1 and MNEMONIC[Opcode.OP_2D_SCALE] == "2D_SCALE"
assert Opcode.MEM_LOAD == 2 and Opcode.MEM_LOAD_0x03 == 3 and Opcode.MEM_LOAD_0x04 == 4
assert Opcode.NONE_ == 7 and Opcode.CLASS == 6 and Opcode.OP_08 == 8
assert MNEMONIC[Opcode(0x0D)] == 'QUOTE"D'
assert SIZE[Opcode.ODD] == 7 and SIZE[Opcode.NOFMT] is None and FORMAT[Opcode.NOFMT] is None
assert VARIABLE == frozenset({Opcode.BLOB}) and FORMAT_SIZES["V"] == 3
assert RESERVED == frozenset({0x30, 0x31, 0xFE})
for n in RESERVED:
    try:
        Opcode(n)
    except ValueError:
        pass
    else:
        raise AssertionError(n)
assert opcodes.from_mnemonic("mem.load") is Opcode.MEM_LOAD
assert opcodes.ISA_VERSION == '1.0 "beta" \\ line\nbreak'
assert len(Opcode) == len(MNEMONIC) == 22
import plain
assert plain.RESERVED == frozenset() and plain.VARIABLE == frozenset()
assert isinstance(plain.RESERVED, frozenset) and plain.Opcode.FAR == 0x7F
assert all(opcodes.OPCODE_BYTES[op] == bytes([op]) for op in Opcode)
assert opcodes.ESCAPES == frozenset() and opcodes.ENCODING == "one byte per opcode"
import escaped
E = escaped.Opcode
assert escaped.OPCODE_BYTES[E.VADD] == b"\xff\x05" and escaped.OPCODE_BYTES[E.ADD] == b"\x20"
assert escaped.SIZE[E.VADD] == 5 and escaped.SIZE[E.ADD] == 4 and escaped.SIZE[E.VSIZE] == 4
assert escaped.ESCAPES == frozenset({0xFF})
assert escaped.ENCODING == "one-byte opcodes with escape prefix 0xFF"
print("ok", len(Opcode))
"#;
    let out = run(Command::new("python3")
        .args(["-c", script])
        .current_dir(dir.path()));
    assert!(out.contains("ok 22"), "{out}");
}

#[test]
fn go_file_vets_is_gofmt_clean_and_behaves() {
    if !have("go", "version") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = code(Lang::Go, &hostile());
    write(dir.path(), "opcodes.go", &src);
    write(
        dir.path(),
        "go.mod",
        "module example.com/opcodes\n\ngo 1.19\n",
    );
    write(
        dir.path(),
        "opcodes_test.go",
        r#"package opcodes

import "testing"

func TestTable(t *testing.T) {
	if OpHalt.String() != "HALT" || Op2dScale.Mnemonic() != "2D_SCALE" {
		t.Fatal("names")
	}
	if OpMemLoad0x03 != 3 || OpMemLoad0x04 != 4 || Op08 != 8 {
		t.Fatal("collisions")
	}
	for _, n := range Reserved {
		if _, ok := Decode(n); ok {
			t.Fatalf("reserved %d decodes", n)
		}
	}
	if op, ok := Decode(0x13); !ok || op != OpBlob || !op.Variable() || op.Size() != 3 {
		t.Fatal("blob")
	}
	if OpOdd.Size() != 7 || OpNofmt.Size() != 0 || FormatSize("V") != 3 {
		t.Fatal("sizes")
	}
	if Opcode(0xFE).String() != "Opcode(0xfe)" || len(All) != 22 {
		t.Fatal("string")
	}
	for _, op := range All {
		if b := op.Bytes(); len(b) != 1 || b[0] != byte(op) {
			t.Fatalf("bytes of %v: %v", op, b)
		}
	}
	if Opcode(0xFE).Bytes() != nil || len(Escapes) != 0 || Encoding != "one byte per opcode" {
		t.Fatal("encoding")
	}
}
"#,
    );
    // An escape-page table as a second package of the module.
    let sub = dir.path().join("escaped");
    std::fs::create_dir(&sub).unwrap();
    write(&sub, "opcodes.go", &code(Lang::Go, &escaped()));
    write(
        &sub,
        "opcodes_test.go",
        r#"package opcodes

import (
	"bytes"
	"testing"
)

func TestEscapePage(t *testing.T) {
	if !bytes.Equal(OpVadd.Bytes(), []byte{0xff, 0x05}) || !bytes.Equal(OpAdd.Bytes(), []byte{0x20}) {
		t.Fatal("bytes")
	}
	if OpVadd.Size() != 5 || OpAdd.Size() != 4 || OpVsize.Size() != 4 {
		t.Fatal("sizes")
	}
	if len(Escapes) != 1 || Escapes[0] != 0xFF || Encoding != "one-byte opcodes with escape prefix 0xFF" {
		t.Fatal("encoding")
	}
	if _, ok := Decode(0xFF); ok {
		t.Fatal("an escape is not an instruction")
	}
}
"#,
    );
    // No network: the module has no dependencies, and the toolchain must not try to fetch one.
    let go = |args: &[&str]| {
        let mut c = Command::new("go");
        c.args(args)
            .current_dir(dir.path())
            .env("GOFLAGS", "-mod=mod")
            .env("GOPROXY", "off")
            .env("GOTOOLCHAIN", "local")
            .env("GOCACHE", dir.path().join(".gocache"));
        c
    };
    run(&mut go(&["vet", "./..."]));
    run(&mut go(&["test", "./..."]));
    let unformatted = run(Command::new("gofmt")
        .args(["-l", "opcodes.go", "escaped/opcodes.go"])
        .current_dir(dir.path()));
    assert_eq!(
        unformatted.trim(),
        "",
        "gofmt would reformat the generated file"
    );
}

#[test]
fn typescript_compiles_strict_and_runs_under_node() {
    if !have("tsc", "--version") || !have("node", "--version") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "opcodes.ts",
        &code(Lang::TypeScript, &hostile()),
    );
    write(
        dir.path(),
        "escaped.ts",
        &code(Lang::TypeScript, &escaped()),
    );
    write(
        dir.path(),
        "main.ts",
        r#"import { Opcode, OPCODE_INFO, RESERVED, decodeOpcode, FORMAT_SIZES, ISA_VERSION, ESCAPES } from "./opcodes";
import * as escaped from "./escaped";

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(what);
}
check(Opcode.HALT === 0 && Opcode.OP_2D_SCALE === 1, "values");
check(Opcode.MEM_LOAD_0x03 === 3 && Opcode.NONE_ === 7, "renames");
check(OPCODE_INFO[Opcode.MEM_LOAD].mnemonic === "MEM.load", "mnemonic");
check(OPCODE_INFO[Opcode.ODD].size === 7 && OPCODE_INFO[Opcode.NOFMT].size === undefined, "sizes");
check(OPCODE_INFO[Opcode.BLOB].variable && FORMAT_SIZES["V"] === 3, "variable");
check(RESERVED.every((n) => decodeOpcode(n) === undefined), "reserved");
check(decodeOpcode(0x0d) === Opcode.QUOTE_D, "decode");
check(ISA_VERSION === '1.0 "beta" \\ line\nbreak', "version");
check(ESCAPES.length === 0 && OPCODE_INFO[Opcode.BLOB].bytes.join() === "19", "one-byte bytes");
const vadd = escaped.OPCODE_INFO[escaped.Opcode.VADD];
check(vadd.bytes.join() === "255,5" && vadd.size === 5, "escape-page bytes and size");
check(escaped.ESCAPES.join() === "255" && escaped.ENCODING === "one-byte opcodes with escape prefix 0xFF", "encoding");
console.log("ok " + Object.keys(OPCODE_INFO).length);
"#,
    );
    run(Command::new("tsc")
        .args([
            "--strict",
            "--noUnusedLocals",
            "--target",
            "es2017",
            "--module",
            "commonjs",
        ])
        .args(["--outDir", "out", "opcodes.ts", "escaped.ts", "main.ts"])
        .current_dir(dir.path()));
    let out = run(Command::new("node")
        .arg("out/main.js")
        .current_dir(dir.path()));
    assert!(out.contains("ok 22"), "{out}");
}

#[test]
fn markdown_documents_everything() {
    let md = code(Lang::Markdown, &hostile());
    assert!(md.contains("| 0x02 | `02` | MEM.load | G | 5 |"), "{md}");
    assert!(md.contains("| 0x13 | `13` | BLOB | V | 3+N |"));
    assert!(md.contains("| 0x14 | `14` | OLDISH | B | 2 | - | - | deprecated |"));
    assert!(
        md.contains("| V | 3 | 3 bytes: op8 len:len16 +payload |"),
        "{md}"
    );
    assert!(md.contains("- Encoding: `escapes = []` (one byte per opcode)"));
    assert!(md.contains("ends */ a comment, breaks a line \"quotes\" and |"));
    assert!(md.contains("| 0xFE | RSV | reserved |"));
    assert!(md.contains("| 0x30 | OLD | removed |"));
    assert!(md.contains("| 0x31 | - | unnamed |"));
    assert!(md.contains("Format letters without a known layout: Z."));
    // Reserved numbers are documented, never emitted as instructions.
    assert!(!md.contains("| 0xFE | RSV | -"));
    // Wide opcodes: the encoding line, each instruction's bytes, exact sizes.
    let md = code(Lang::Markdown, &escaped());
    assert!(
        md.contains("- Encoding: `escapes = [0xFF]` (one-byte opcodes with escape prefix 0xFF)"),
        "{md}"
    );
    assert!(md.contains("| 0xFF05 | `ff 05` | VADD | E | 5 |"), "{md}");
    assert!(md.contains("| 0xFF07 | `ff 07` | VSIZE | - | 4 |"), "{md}");
    let md = code(Lang::Markdown, &wide(0x1234, 2));
    assert!(
        md.contains("- Encoding: `opcode_bytes = 2, byte_order = \"little\"`"),
        "{md}"
    );
    assert!(md.contains("| 0x1234 | `34 12` | FAR | B | 3 |"), "{md}");
}
