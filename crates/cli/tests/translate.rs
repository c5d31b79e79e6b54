//! `translate` on the real flux-runtime vectors, through tables derived from the shared data
//! (the rest of `translate` — raw bytecode, modules, every error — is in `cases/translate/`).

use predicates::prelude::*;
use predicates::str::contains;

mod common;
use common::*;

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

/// A size-changing translation that fails after pass 2 has already handed more than one buffer
/// to the output's temporary file: OUT keeps its old bytes, no temporary file is left, and the
/// error names the byte offset.
#[test]
fn a_late_failure_leaves_the_output_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "a.json",
        br#"{"implementation": "vm-a", "opcodes": [
            {"opcode": 24, "mnemonic": "MOVI", "format": "D"},
            {"opcode": 67, "mnemonic": "JMP", "format": "F", "branch": "imm16"}]}"#,
    );
    let b = write(
        dir.path(),
        "b.json",
        br#"{"implementation": "vm-b", "opcodes": [
            {"opcode": 43, "mnemonic": "MOVI", "format": "F"},
            {"opcode": 4, "mnemonic": "JMP", "format": "F", "branch": "imm16"}]}"#,
    );
    // 200,000 MOVIs grow from 3 to 4 bytes (800 KB of output), then a JMP into the middle of
    // the last MOVI.
    let mut program = [0x18u8, 1, 5].repeat(200_000);
    let jmp = program.len();
    program.extend_from_slice(&[0x43, 0, 0xFA, 0xFF]);
    fails_leaving_out_untouched(dir.path(), &a, &b, &program)
        .stderr(contains(format!("byte offset {jmp} ")).and(contains("inside an instruction")));
}

/// Translates `program` (as big.bin in `dir`, beside the tables `a` and `b` and nothing else)
/// into an existing keep.bin and expects exit 2 with keep.bin's old bytes intact and no
/// temporary file left; the assertion, for the caller to check the message.
fn fails_leaving_out_untouched(
    dir: &std::path::Path,
    a: &std::path::Path,
    b: &std::path::Path,
    program: &[u8],
) -> assert_cmd::assert::Assert {
    let input = write(dir, "big.bin", program);
    let keep = write(dir, "keep.bin", b"old bytes");
    let assert = bin()
        .args(["translate", "--from"])
        .arg(a)
        .arg("--to")
        .arg(b)
        .args([&input, &keep])
        .assert()
        .code(2);
    assert_eq!(std::fs::read(&keep).unwrap(), b"old bytes");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["a.json", "b.json", "big.bin", "keep.bin"]);
    assert
}

/// The two tables of the same-size tests: MOVI and HALT move, every size is kept.
fn same_size_tables(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let a = write(
        dir,
        "a.json",
        br#"{"implementation": "vm-a", "opcodes": [
            {"opcode": 24, "mnemonic": "MOVI", "format": "D"},
            {"opcode": 0, "mnemonic": "HALT", "format": "A"}]}"#,
    );
    let b = write(
        dir,
        "b.json",
        br#"{"implementation": "vm-b", "opcodes": [
            {"opcode": 43, "mnemonic": "MOVI", "format": "D"},
            {"opcode": 7, "mnemonic": "HALT", "format": "A"}]}"#,
    );
    (a, b)
}

/// A same-size translation of several MiB is written to its file a window (1 MiB) at a time:
/// the file holds exactly what the in-memory path prints, including the instructions that
/// straddle a window's end (3-byte MOVIs do not divide 1 MiB).
#[test]
fn a_same_size_translation_written_in_windows_is_the_whole_translation() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = same_size_tables(dir.path());
    // The program and, built beside it, its translation: opcodes renumbered, operands kept.
    let (mut program, mut expected) = (Vec::new(), Vec::new());
    for i in 0..1_200_000u32 {
        let operands = [(i % 7) as u8, (i >> 8) as u8];
        program.extend_from_slice(&[0x18, operands[0], operands[1]]);
        expected.extend_from_slice(&[43, operands[0], operands[1]]);
        if i % 1000 == 999 {
            program.push(0x00);
            expected.push(7);
        }
    }
    assert!(program.len() > 3 << 20);
    let input = write(dir.path(), "big.bin", &program);
    let out = dir.path().join("out.bin");
    bin()
        .args(["translate", "--from"])
        .arg(&a)
        .arg("--to")
        .arg(&b)
        .args([&input, &out])
        .assert()
        .success();
    let printed = bin()
        .args(["translate", "--from"])
        .arg(&a)
        .arg("--to")
        .arg(&b)
        .arg(&input)
        .arg("-")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let written = std::fs::read(&out).unwrap();
    let first_difference = |got: &[u8]| got.iter().zip(&expected).position(|(x, y)| x != y);
    assert_eq!(written.len(), expected.len());
    assert_eq!(first_difference(&written), None, "the file");
    assert_eq!(printed.len(), expected.len());
    assert_eq!(first_difference(&printed), None, "the printed translation");
}

/// A same-size translation that fails in a late window, after earlier windows were written to
/// the temporary file: OUT keeps its old bytes, no temporary file is left, and the error
/// names the byte offset.
#[test]
fn a_same_size_failure_in_a_late_window_leaves_the_output_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = same_size_tables(dir.path());
    let mut program = [0x18u8, 1, 5].repeat(1_000_000);
    let bad = program.len();
    program.push(0xEE);
    fails_leaving_out_untouched(dir.path(), &a, &b, &program)
        .stderr(contains(format!("byte offset {bad} ")));
}
