//! `translate` through the binary: raw bytecode and FLUX modules, the JSON summary, every
//! error (exit 2, offset and instruction in the message, OUT neither created nor changed) and
//! the real flux-runtime vectors.

use std::path::{Path, PathBuf};

use predicates::str::contains;

mod common;
use common::*;

/// Two numberings of the same five instructions (unified letters); JMP's imm16 is a branch.
fn tables(dir: &Path) -> (PathBuf, PathBuf) {
    let a = r#"{"implementation": "vm-a", "opcodes": [
      {"opcode": 0, "mnemonic": "HALT", "format": "A"},
      {"opcode": 8, "mnemonic": "INC", "format": "B"},
      {"opcode": 24, "mnemonic": "MOVI", "format": "D"},
      {"opcode": 32, "mnemonic": "ADD", "format": "E"},
      {"opcode": 67, "mnemonic": "JMP", "format": "F", "branch": "imm16"}]}"#;
    let b = r#"{"implementation": "vm-b", "opcodes": [
      {"opcode": 128, "mnemonic": "HALT", "format": "A"},
      {"opcode": 14, "mnemonic": "INC", "format": "B"},
      {"opcode": 43, "mnemonic": "MOVI", "format": "F"},
      {"opcode": 8, "mnemonic": "IADD", "format": "E"},
      {"opcode": 4, "mnemonic": "JMP", "format": "F", "branch": "imm16"}]}"#;
    (
        write(dir, "a.json", a.as_bytes()),
        write(dir, "b.json", b.as_bytes()),
    )
}

fn aliases(dir: &Path) -> PathBuf {
    write(dir, "aliases.toml", b"IADD = \"ADD\"\n")
}

// MOVI R1, 5; JMP +4 (over ADD); ADD R1,R1,R1; HALT
const PROGRAM: [u8; 12] = [24, 1, 5, 67, 0, 4, 0, 32, 1, 1, 1, 0];

#[test]
fn translates_raw_bytecode_and_fixes_branches() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = tables(dir.path());
    let input = write(dir.path(), "in.bin", PROGRAM);
    let out = dir.path().join("out.bin");
    bin()
        .args(["translate", "--from"])
        .arg(&a)
        .arg("--to")
        .arg(&b)
        .arg("--aliases")
        .arg(aliases(dir.path()))
        .args([&input, &out])
        .assert()
        .success()
        .stdout(contains(
            "4 instructions, 12 → 13 bytes, 0 branch offsets fixed",
        ));
    // MOVI grew to F (4 bytes); the JMP after it still skips exactly the ADD.
    assert_eq!(
        std::fs::read(&out).unwrap(),
        [43, 1, 5, 0, 4, 0, 4, 0, 8, 1, 1, 1, 128]
    );
    // And back, byte for byte.
    let back = dir.path().join("back.bin");
    bin()
        .args(["translate", "--format", "json", "--from"])
        .arg(&b)
        .arg("--to")
        .arg(&a)
        .arg("--aliases")
        .arg(aliases(dir.path()))
        .args([&out, &back])
        .assert()
        .success();
    assert_eq!(std::fs::read(&back).unwrap(), PROGRAM);
}

#[test]
fn json_summary() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = tables(dir.path());
    let input = write(dir.path(), "in.bin", [67, 0, 0xFC, 0xFF, 8, 3]);
    let out = dir.path().join("out.bin");
    let output = bin()
        .args(["translate", "--format", "json", "--from"])
        .arg(&a)
        .arg("--to")
        .arg(&b)
        .args([&input, &out])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(v["from"], "vm-a");
    assert_eq!(v["to"], "vm-b");
    assert_eq!(v["container"], "raw");
    assert_eq!(v["instructions"], 2);
    assert_eq!(v["bytes_in"], 6);
    assert_eq!(v["bytes_out"], 6);
    assert_eq!(v["same_size"], true);
    assert_eq!(std::fs::read(&out).unwrap(), [4, 0, 0xFC, 0xFF, 14, 3]);
}

fn fails(args: &[&std::ffi::OsStr], expect: &[&str]) {
    let output = bin().args(args).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let err = String::from_utf8_lossy(&output.stderr);
    for e in expect {
        assert!(err.contains(e), "stderr lacks {e:?}: {err}");
    }
    assert!(output.stdout.is_empty());
}

#[test]
fn bad_bytecode_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = tables(dir.path());
    let al = aliases(dir.path());
    let out = dir.path().join("out.bin");
    let cases: [(&[u8], &[&str]); 4] = [
        (
            &[0, 8, 1, 0x99, 0],
            &[
                "in.bin",
                "byte offset 3 (0x0003)",
                "(99 00)",
                "unknown opcode 0x99",
                "vm-a",
            ],
        ),
        (
            &[0, 32, 1, 2],
            &[
                "byte offset 1",
                "ADD (20 01 02)",
                "truncated instruction: it needs 4 bytes, only 3 remain",
            ],
        ),
        // JMP +1 lands inside the ADD after it, and MOVI's growth moves everything.
        (
            &[24, 1, 5, 67, 0, 1, 0, 32, 1, 1, 1],
            &[
                "byte offset 3",
                "JMP (43 00 01 00)",
                "inside an instruction",
            ],
        ),
        (
            &[24, 1, 5, 0, 24, 1],
            &["byte offset 4", "MOVI (18 01)", "truncated"],
        ),
    ];
    for (bytes, expect) in cases {
        let input = write(dir.path(), "in.bin", bytes);
        let args: Vec<&std::ffi::OsStr> = vec![
            "translate".as_ref(),
            "--from".as_ref(),
            a.as_os_str(),
            "--to".as_ref(),
            b.as_os_str(),
            "--aliases".as_ref(),
            al.as_os_str(),
            input.as_os_str(),
            out.as_os_str(),
        ];
        fails(&args, expect);
        assert!(!out.exists(), "OUT must not be created");
    }
    // An existing OUT is left exactly as it was.
    std::fs::write(&out, b"keep me").unwrap();
    let input = write(dir.path(), "in.bin", [0x99]);
    let args: Vec<&std::ffi::OsStr> = vec![
        "translate".as_ref(),
        "--from".as_ref(),
        a.as_os_str(),
        "--to".as_ref(),
        b.as_os_str(),
        input.as_os_str(),
        out.as_os_str(),
    ];
    fails(&args, &["unknown opcode 0x99"]);
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("out.bin") && n != "out.bin")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn missing_counterpart_and_operands_that_do_not_fit() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = tables(dir.path());
    let out = dir.path().join("out.bin");
    // Without the alias map ADD has no counterpart in vm-b (it spells it IADD).
    let input = write(dir.path(), "in.bin", [0, 32, 1, 2, 3]);
    let args: Vec<&std::ffi::OsStr> = vec![
        "translate".as_ref(),
        "--from".as_ref(),
        a.as_os_str(),
        "--to".as_ref(),
        b.as_os_str(),
        input.as_os_str(),
        out.as_os_str(),
    ];
    fails(
        &args,
        &[
            "byte offset 1",
            "ADD (20 01 02 03)",
            "vm-b has no instruction ADD",
            "--aliases",
        ],
    );
    // vm-b → vm-a: MOVI's imm16 = 300 does not fit vm-a's imm8.
    let input = write(dir.path(), "in.bin", [43, 1, 0x2C, 0x01]);
    let args: Vec<&std::ffi::OsStr> = vec![
        "translate".as_ref(),
        "--from".as_ref(),
        b.as_os_str(),
        "--to".as_ref(),
        a.as_os_str(),
        input.as_os_str(),
        out.as_os_str(),
    ];
    fails(
        &args,
        &[
            "byte offset 0",
            "MOVI (2b 01 2c 01)",
            "`imm16` = 300 does not fit `imm8`",
            "0..=255",
        ],
    );
    assert!(!out.exists());
}

#[test]
fn bad_inputs_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = tables(dir.path());
    let out = dir.path().join("out.bin");
    let missing = dir.path().join("missing.bin");
    let args: Vec<&std::ffi::OsStr> = vec![
        "translate".as_ref(),
        "--from".as_ref(),
        a.as_os_str(),
        "--to".as_ref(),
        b.as_os_str(),
        missing.as_os_str(),
        out.as_os_str(),
    ];
    fails(&args, &["missing.bin: cannot read"]);
    let broken = write(
        dir.path(),
        "broken.json",
        b"{\"implementation\": \"x\", \"opcodes\": [\n  {\"opcode\": }]}",
    );
    let input = write(dir.path(), "in.bin", [0]);
    let args: Vec<&std::ffi::OsStr> = vec![
        "translate".as_ref(),
        "--from".as_ref(),
        broken.as_os_str(),
        "--to".as_ref(),
        b.as_os_str(),
        input.as_os_str(),
        out.as_os_str(),
    ];
    fails(&args, &["broken.json:2:"]);
    let args: Vec<&std::ffi::OsStr> = vec![
        "translate".as_ref(),
        "--scheme".as_ref(),
        "bogus".as_ref(),
        "--from".as_ref(),
        a.as_os_str(),
        "--to".as_ref(),
        b.as_os_str(),
        input.as_os_str(),
        out.as_os_str(),
    ];
    fails(&args, &["bogus"]);
    // An unwritable destination is an error too, and nothing is left behind.
    let nowhere = dir.path().join("no/such/dir/out.bin");
    let args: Vec<&std::ffi::OsStr> = vec![
        "translate".as_ref(),
        "--from".as_ref(),
        a.as_os_str(),
        "--to".as_ref(),
        b.as_os_str(),
        input.as_os_str(),
        nowhere.as_os_str(),
    ];
    fails(&args, &["cannot write"]);
    assert!(!out.exists());
}

/// A flux-runtime module: header, one type, a name pool, two functions, code.
fn module(code: &[u8], functions: &[(u32, u32)]) -> Vec<u8> {
    let types: &[u8] = &[1, 0, 0x04]; // one type: UNIT
    let names: &[u8] = b"main\0f\0";
    let table_len = 12 * functions.len();
    let type_off = 18u32;
    let code_off = (18 + types.len() + names.len() + table_len) as u32;
    let mut out = Vec::new();
    out.extend_from_slice(b"FLUX");
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&(functions.len() as u16).to_le_bytes());
    out.extend_from_slice(&type_off.to_le_bytes());
    out.extend_from_slice(&code_off.to_le_bytes());
    out.extend_from_slice(types);
    out.extend_from_slice(names);
    for (i, &(entry, size)) in functions.iter().enumerate() {
        out.extend_from_slice(&(if i == 0 { 0u32 } else { 5 }).to_le_bytes());
        out.extend_from_slice(&entry.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
    }
    out.extend_from_slice(code);
    out
}

#[test]
fn translates_flux_modules_and_moves_function_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = tables(dir.path());
    // main = PROGRAM (12 bytes), f = MOVI R2, 7; HALT (4 bytes) at code offset 12.
    let mut code = PROGRAM.to_vec();
    code.extend_from_slice(&[24, 2, 7, 0]);
    let input = write(dir.path(), "prog.fluxb", module(&code, &[(0, 12), (12, 4)]));
    let out = dir.path().join("out.fluxb");
    let output = bin()
        .args(["translate", "--format", "json", "--from"])
        .arg(&a)
        .arg("--to")
        .arg(&b)
        .arg("--aliases")
        .arg(aliases(dir.path()))
        .args([&input, &out])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let v: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(v["container"], "module");
    let mut want_code = vec![43, 1, 5, 0, 4, 0, 4, 0, 8, 1, 1, 1, 128];
    want_code.extend_from_slice(&[43, 2, 7, 0, 128]);
    assert_eq!(
        std::fs::read(&out).unwrap(),
        module(&want_code, &[(0, 13), (13, 5)])
    );
    // Forcing raw treats the header as instructions, which do not decode.
    let args: Vec<&std::ffi::OsStr> = vec![
        "translate".as_ref(),
        "--container".as_ref(),
        "raw".as_ref(),
        "--from".as_ref(),
        a.as_os_str(),
        "--to".as_ref(),
        b.as_os_str(),
        input.as_os_str(),
        out.as_os_str(),
    ];
    fails(&args, &["byte offset 0", "unknown opcode 0x46"]);
    // A function boundary inside an instruction, and a malformed header.
    let bad = write(dir.path(), "bad.fluxb", module(&code, &[(0, 12), (13, 3)]));
    let args: Vec<&std::ffi::OsStr> = vec![
        "translate".as_ref(),
        "--container".as_ref(),
        "module".as_ref(),
        "--from".as_ref(),
        a.as_os_str(),
        "--to".as_ref(),
        b.as_os_str(),
        "--aliases".as_ref(),
        aliases(dir.path()).into_os_string().leak(),
        bad.as_os_str(),
        out.as_os_str(),
    ];
    fails(&args, &["function 1's entry", "inside an instruction"]);
    let mut short = module(&code, &[(0, 16)]);
    short.truncate(20);
    let bad = write(dir.path(), "short.fluxb", &short);
    let args: Vec<&std::ffi::OsStr> = vec![
        "translate".as_ref(),
        "--container".as_ref(),
        "module".as_ref(),
        "--from".as_ref(),
        a.as_os_str(),
        "--to".as_ref(),
        b.as_os_str(),
        bad.as_os_str(),
        out.as_os_str(),
    ];
    fails(&args, &["not a valid FLUX module", "code offset"]);
    // Errors inside the code section give file offsets.
    let mut code = PROGRAM.to_vec();
    code.push(0x99);
    let bad = write(dir.path(), "badcode.fluxb", module(&code, &[(0, 13)]));
    let code_off = 18 + 3 + 7 + 12;
    let args: Vec<&std::ffi::OsStr> = vec![
        "translate".as_ref(),
        "--from".as_ref(),
        a.as_os_str(),
        "--to".as_ref(),
        b.as_os_str(),
        "--aliases".as_ref(),
        aliases(dir.path()).into_os_string().leak(),
        bad.as_os_str(),
        out.as_os_str(),
    ];
    let offset = format!("byte offset {}", code_off + 12);
    fails(&args, &[offset.as_str(), "unknown opcode 0x99"]);
}

/// One real vector ("JMP backward creates loop") to another numbering and back.
#[test]
fn a_real_vector_round_trips() {
    if shared_tables().is_none() {
        return; // explicitly skipped with ISA_AUTHORITY_NO_SHARED=1
    }
    let python = shared("flux-runtime-python");
    let dir = tempfile::tempdir().unwrap();
    // The python table with opcodes moved; same interpreter letters.
    let text = std::fs::read_to_string(&python).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["implementation"] = "moved".into();
    for op in json["opcodes"].as_array_mut().unwrap() {
        let n = op["opcode"].as_u64().unwrap();
        op["opcode"] = ((n * 167 + 13) % 256).into();
    }
    let moved = write(dir.path(), "moved.json", json.to_string().as_bytes());
    let program = [43, 0, 0, 0, 43, 0, 0, 0, 43, 1, 0, 0, 4, 0, 248, 255, 128];
    let input = write(dir.path(), "loop.bin", program);
    let (there, back) = (dir.path().join("there.bin"), dir.path().join("back.bin"));
    bin()
        .args(["translate", "--scheme", "flux-interpreter", "--from"])
        .arg(&python)
        .arg("--to")
        .arg(&moved)
        .args([&input, &there])
        .assert()
        .success();
    assert_ne!(std::fs::read(&there).unwrap(), program);
    bin()
        .args(["translate", "--scheme", "flux-interpreter", "--from"])
        .arg(&moved)
        .arg("--to")
        .arg(&python)
        .args([&there, &back])
        .assert()
        .success();
    assert_eq!(std::fs::read(&back).unwrap(), program);
}

/// The source of the encoding cases: MOV 0x05 (E, 4 bytes) and HALT 0x00.
const MOV_HALT: &str = r#"implementation = "src"
opcodes = [
  { opcode = 0x05, mnemonic = "MOV", format = "E" },
  { opcode = 0x00, mnemonic = "HALT", format = "A" },
]
"#;

/// A target with MOV 0x01, HALT 0x80 and WIDE 0x100, and the given `[encoding]` lines.
fn wide_target(encoding: &str) -> String {
    format!(
        r#"implementation = "dst"
opcodes = [
  {{ opcode = 0x01, mnemonic = "MOV", format = "E" }},
  {{ opcode = 0x80, mnemonic = "HALT", format = "A" }},
  {{ opcode = 0x100, mnemonic = "WIDE", size_bytes = 4 }},
]
{encoding}
"#
    )
}

const WIDE64: &str = "[formats.Q]\nsize = 8\nfields = []\n";

/// A pair `translate` must refuse: the tables' text, an input, and what stderr must say (the
/// third snippet is one `check` prints too).
type Refusal = (
    &'static str,
    String,
    String,
    &'static [u8],
    &'static [&'static str],
);

/// Tables `translate` must refuse: exit 2, check's explanation, nothing written.
#[test]
fn undecodable_tables_are_refused_with_checks_explanation() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [Refusal; 4] = [
        (
            "an opcode with no bytes under the target's encoding",
            MOV_HALT.to_string(),
            wide_target(""),
            &[5, 0, 0, 0, 0],
            &[
                "the target table dst cannot be decoded unambiguously",
                "critical[encoding-ambiguity]",
                "WIDE 0x0100",
                "does not fit one opcode byte",
            ],
        ),
        (
            "an instruction on a declared escape",
            MOV_HALT.to_string(),
            wide_target("[encoding]\nescapes = [0x01]"),
            &[5, 0, 0, 0, 0],
            &[
                "the target table dst",
                "encoding-ambiguity",
                "MOV 0x01",
                "0x01 is an escape prefix",
            ],
        ),
        (
            "one number for two instructions",
            MOV_HALT.to_string(),
            "implementation = \"dst\"\nopcodes = [\n  { opcode = 0x05, mnemonic = \"X\", format = \"A\" },\n  { opcode = 0x05, mnemonic = \"Y\", format = \"A\" },\n  { opcode = 0x06, mnemonic = \"MOV\", format = \"E\" },\n  { opcode = 0x07, mnemonic = \"HALT\", format = \"A\" },\n]\n".to_string(),
            &[5, 0, 0, 0, 0],
            &[
                "the target table dst",
                "critical[duplicate-opcode]",
                "opcode 0x05 2 times",
            ],
        ),
        (
            // Today's corruption: `00000000 00000001` became `00000002 00000002`.
            "a 64-bit opcode",
            format!("implementation = \"w1\"\nopcodes = [{{ opcode = 1, mnemonic = \"X\", format = \"Q\" }}]\n{WIDE64}"),
            format!("implementation = \"w2\"\nopcodes = [{{ opcode = 2, mnemonic = \"X\", format = \"Q\" }}]\n{WIDE64}"),
            &[0, 0, 0, 0, 0, 0, 0, 1],
            &[
                "the source table w1 cannot be decoded unambiguously",
                "encoding-ambiguity",
                "8-byte opcode",
                "at most 4 bytes",
            ],
        ),
    ];
    for (name, from, to, input, expect) in cases {
        let from = write(dir.path(), "from.toml", from);
        let to = write(dir.path(), "to.toml", to);
        let input = write(dir.path(), "in.bin", input);
        let out = dir.path().join("out.bin");
        let output = bin()
            .args(["translate", "--from"])
            .arg(&from)
            .arg("--to")
            .arg(&to)
            .args([&input, &out])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{name}: {output:?}");
        let err = String::from_utf8_lossy(&output.stderr);
        for e in expect {
            assert!(err.contains(e), "{name}: stderr lacks {e:?}: {err}");
        }
        assert!(!out.exists(), "{name}: OUT must not be written");
        // `check` says the same of the refused table.
        let refused = if err.contains("the source table") {
            &from
        } else {
            &to
        };
        let check = bin()
            .args(["check", "--fail-on", "never"])
            .arg(refused)
            .output()
            .unwrap();
        let report = String::from_utf8_lossy(&check.stdout);
        assert!(report.contains(expect[2]), "{name}: check says {report}");
    }
}

#[test]
fn two_byte_opcodes_translate_and_decode_back() {
    let dir = tempfile::tempdir().unwrap();
    let from = write(dir.path(), "from.toml", MOV_HALT);
    let to = write(
        dir.path(),
        "to.toml",
        wide_target("[encoding]\nopcode_bytes = 2"),
    );
    let input = write(dir.path(), "in.bin", [5, 0, 0, 0, 0]);
    let (out, back) = (dir.path().join("out.bin"), dir.path().join("back.bin"));
    bin()
        .args(["translate", "--from"])
        .arg(&from)
        .arg("--to")
        .arg(&to)
        .args([&input, &out])
        .assert()
        .success()
        .stdout(contains("2 instructions, 5 → 7 bytes"));
    assert_eq!(std::fs::read(&out).unwrap(), [0, 1, 0, 0, 0, 0, 0x80]);
    bin()
        .args(["translate", "--from"])
        .arg(&to)
        .arg("--to")
        .arg(&from)
        .args([&out, &back])
        .assert()
        .success();
    assert_eq!(std::fs::read(&back).unwrap(), [5, 0, 0, 0, 0]);
}

/// "CHECK_TYPE passes when types match" into a hand-made escape-page table holding every
/// instruction of flux-runtime-python, CHECK_TYPE at 0xFF05: the bytes carry `ff 05` and come
/// back exactly.
#[test]
fn a_real_vector_round_trips_through_escape_pages() {
    if shared_tables().is_none() {
        return; // explicitly skipped with ISA_AUTHORITY_NO_SHARED=1
    }
    let python = shared("flux-runtime-python");
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(&python).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["implementation"] = "paged".into();
    json["encoding"] = serde_json::json!({"escapes": [255]});
    let mut next = 0x10;
    for op in json["opcodes"].as_array_mut().unwrap() {
        let n = op["opcode"].as_u64().unwrap();
        if op["mnemonic"] == "CHECK_TYPE" {
            op["opcode"] = 0xFF05.into();
        } else if n % 2 == 1 {
            op["opcode"] = (0xFF00 | next).into();
            next += 1;
        }
    }
    let paged = write(dir.path(), "paged.json", json.to_string().as_bytes());
    // BOX R0, 0; MOV R0, R0; NOP; CHECK_TYPE R0, 0; HALT.
    let program = [57, 0, 0, 1, 0, 0, 0, 59, 0, 0, 128];
    let input = write(dir.path(), "check_type.bin", program);
    let (there, back) = (dir.path().join("there.bin"), dir.path().join("back.bin"));
    bin()
        .args(["translate", "--scheme", "flux-interpreter", "--from"])
        .arg(&python)
        .arg("--to")
        .arg(&paged)
        .args([&input, &there])
        .assert()
        .success()
        .stdout(contains("5 instructions, 11 → 14 bytes"));
    // Odd numbers move onto the page in table order: MOV (0x01) is the first (ff 10), BOX
    // (0x39) the 29th (ff 2c); CHECK_TYPE sits at ff 05; NOP and HALT stay.
    assert_eq!(
        std::fs::read(&there).unwrap(),
        [0xFF, 0x2C, 0, 0, 0xFF, 0x10, 0, 0, 0, 0xFF, 0x05, 0, 0, 128]
    );
    bin()
        .args(["translate", "--scheme", "flux-interpreter", "--from"])
        .arg(&paged)
        .arg("--to")
        .arg(&python)
        .args([&there, &back])
        .assert()
        .success();
    assert_eq!(std::fs::read(&back).unwrap(), program);
}

/// `-` is standard input for IN and standard output for OUT (the summary then goes to stderr);
/// no file called `-` is ever created.
#[test]
fn dash_means_stdin_and_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let table = example("unified-spec.toml");
    let out = bin()
        .current_dir(dir.path())
        .arg("translate")
        .arg("--from")
        .arg(&table)
        .arg("--to")
        .arg(&table)
        .args(["-", "-"])
        .write_stdin(vec![0u8, 1])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, vec![0u8, 1]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("<stdin> → <stdout>"));
    assert!(!dir.path().join("-").exists());
    // JSON summary and bytecode cannot share stdout.
    bin()
        .current_dir(dir.path())
        .arg("translate")
        .arg("--from")
        .arg(&table)
        .arg("--to")
        .arg(&table)
        .args(["--format", "json", "-", "-"])
        .write_stdin(vec![0u8])
        .assert()
        .code(2);
}
