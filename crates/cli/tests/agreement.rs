//! The agreement suite: one answer from every command.
//!
//! Each folder under `tests/agreement/` holds two tables, `a.toml` and `b.toml`, and
//! `expected.toml` with the verdict on named instructions between them (see the folder's
//! README): their operand layout (`same`, `differs`, `unknown`) and their number (`same`,
//! `differs`), and optionally a table that bytecode-facing commands must refuse. The test runs
//! every command that forms a view of those facts and asserts that each view is the expected
//! verdict. A view that cannot tell "same" from "unknown" (a command that reports only
//! contradictions) is held to "differs or not". All failures of all cases are collected and
//! reported together.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::bin;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Same,
    Differs,
    Unknown,
    /// The view reports only contradictions: it says "not differs".
    NotDiffers,
}

impl Verdict {
    fn parse(text: &str) -> Verdict {
        match text {
            "same" => Verdict::Same,
            "differs" => Verdict::Differs,
            "unknown" => Verdict::Unknown,
            other => panic!("unknown verdict `{other}` (same, differs or unknown)"),
        }
    }

    /// True when a view's verdict is consistent with the expected one.
    fn agrees_with(self, expected: Verdict) -> bool {
        match self {
            Verdict::NotDiffers => expected != Verdict::Differs,
            v => v == expected,
        }
    }
}

struct Case {
    name: String,
    dir: PathBuf,
    layout: BTreeMap<String, Verdict>,
    number: BTreeMap<String, Verdict>,
    refuse: Option<String>,
}

fn cases() -> Vec<Case> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/agreement");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let text = fs::read_to_string(dir.join("expected.toml")).unwrap();
            let value: toml::Table = toml::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", dir.join("expected.toml").display()));
            let section = |name: &str| -> BTreeMap<String, Verdict> {
                value
                    .get(name)
                    .and_then(|v| v.as_table())
                    .map(|t| {
                        t.iter()
                            .map(|(k, v)| (k.clone(), Verdict::parse(v.as_str().unwrap())))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let refuse = value
                .get("refuse")
                .and_then(|r| r.get("table"))
                .and_then(|t| t.as_str())
                .map(String::from);
            Case {
                name: dir.file_name().unwrap().to_string_lossy().into_owned(),
                layout: section("layout"),
                number: section("number"),
                refuse,
                dir,
            }
        })
        .collect()
}

impl Case {
    fn table(&self, side: &str) -> PathBuf {
        self.dir.join(format!("{side}.toml"))
    }
}

/// Runs a command; returns (exit code, stdout, stderr).
fn run(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = bin().current_dir(dir).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(text: &str, what: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {text}"))
}

/// A view: for each named instruction, a verdict (missing = the view has no opinion).
type View = BTreeMap<String, Verdict>;

/// A view from a list of findings (conflicts, steps, divergences): an instruction named by a
/// finding of `kind` differs; any other named instruction does not.
fn findings_view(names: &BTreeMap<String, Verdict>, findings: &[Value], kind: &str) -> View {
    names
        .keys()
        .map(|n| {
            let named = findings
                .iter()
                .any(|f| f["kind"] == kind && f["mnemonic"].as_str() == Some(n));
            let v = if named {
                Verdict::Differs
            } else {
                Verdict::NotDiffers
            };
            (n.clone(), v)
        })
        .collect()
}

/// `check`: `format-mismatch` and `mnemonic-divergence` name the contradictions.
fn check_view(case: &Case) -> (View, View) {
    let (_, out, _) = run(
        &["check", "--format", "json", "a.toml", "b.toml"],
        &case.dir,
    );
    let report = json(&out, "check");
    let conflicts = report["conflicts"].as_array().cloned().unwrap_or_default();
    (
        findings_view(&case.layout, &conflicts, "format-mismatch"),
        findings_view(&case.number, &conflicts, "mnemonic-divergence"),
    )
}

/// `arbitrate --strategy voting`: each decision says whether its instruction's layouts
/// contradict (`.decisions[].layout`: `same`, `differs`, `unknown`); an instruction with one
/// agreed number and no contradiction may have no decision at all.
fn arbitrate_view(case: &Case) -> (View, View) {
    let (code, out, err) = run(
        &[
            "arbitrate",
            "--strategy",
            "voting",
            "--format",
            "json",
            "a.toml",
            "b.toml",
        ],
        &case.dir,
    );
    assert_eq!(code, 0, "arbitrate: {err}");
    let report = json(&out, "arbitrate");
    let decisions = report["decisions"].as_array().cloned().unwrap_or_default();
    let layout = case
        .layout
        .keys()
        .map(|n| {
            let v = match decisions
                .iter()
                .find(|d| d["mnemonic"].as_str() == Some(n))
                .and_then(|d| d["layout"].as_str())
            {
                Some("same") => Verdict::Same,
                Some("differs") => Verdict::Differs,
                Some("unknown") => Verdict::Unknown,
                _ => Verdict::NotDiffers,
            };
            (n.clone(), v)
        })
        .collect();
    (layout, View::new())
}

/// `map`, against its default reference (the voting arbitration): a cell whose number is not
/// the reference's says so in its title (`0x04 SUB (arbitrated has it at 0x03)`), so an
/// instruction drawn that way in any grid has differing numbers.
fn map_view(case: &Case, tmp: &Path) -> (View, View) {
    let svg = tmp.join(format!("{}-map.svg", case.name));
    let (code, _, err) = run(
        &["map", "a.toml", "b.toml", "-o", svg.to_str().unwrap()],
        &case.dir,
    );
    assert_eq!(code, 0, "map: {err}");
    let text = fs::read_to_string(&svg).unwrap();
    let titles: Vec<&str> = text
        .split("<title>")
        .skip(1)
        .filter_map(|t| t.split("</title>").next())
        .collect();
    let mut number = View::new();
    for name in case.number.keys() {
        let mut seen = false;
        let mut elsewhere = false;
        for t in &titles {
            let Some(rest) = t.strip_prefix("0x").and_then(|r| r.split_once(' ')) else {
                continue;
            };
            let (cell_name, note) = match rest.1.split_once(" (") {
                Some((n, note)) => (n, Some(note)),
                None => (rest.1, None),
            };
            if cell_name == name {
                seen = true;
                elsewhere |= note.is_some_and(|n| n.contains("has it at"));
            }
        }
        if seen {
            let v = if elsewhere {
                Verdict::Differs
            } else {
                Verdict::Same
            };
            number.insert(name.clone(), v);
        }
    }
    (View::new(), number)
}

/// `migrate plan a b`: `format-changed` and `renumbered` steps.
fn plan_view(case: &Case) -> (View, View) {
    let (code, out, err) = run(
        &["migrate", "plan", "--format", "json", "a.toml", "b.toml"],
        &case.dir,
    );
    assert!(code == 0 || code == 1, "migrate plan exit {code}: {err}");
    let plan = json(&out, "migrate plan");
    let steps = plan["steps"].as_array().cloned().unwrap_or_default();
    (
        findings_view(&case.layout, &steps, "format-changed"),
        findings_view(&case.number, &steps, "renumbered"),
    )
}

/// `conform b --against a`: `layout-mismatch` and `wrong-opcode` divergences.
fn conform_view(case: &Case) -> (View, View) {
    let (code, out, err) = run(
        &[
            "conform",
            "--format",
            "json",
            "b.toml",
            "--against",
            "a.toml",
        ],
        &case.dir,
    );
    assert!(code == 0 || code == 1, "conform exit {code}: {err}");
    let report = json(&out, "conform");
    let divergences = report["divergences"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    (
        findings_view(&case.layout, &divergences, "layout-mismatch"),
        findings_view(&case.number, &divergences, "wrong-opcode"),
    )
}

/// `translate --from a --to b` on a one-instruction program per named instruction (its opcode
/// bytes from a's resolved instruction, zero operands): the operand bytes kept exactly means
/// the same layout; a refusal for want of a layout is "unknown"; a change or any other refusal
/// is "differs". The number view compares the opcode bytes.
fn translate_view(case: &Case, tmp: &Path) -> (View, View) {
    let a = isa_io::load_table(&case.table("a")).unwrap();
    let b = isa_io::load_table(&case.table("b")).unwrap();
    let scheme = isa_core::Scheme::flux_unified();
    let aliases = isa_core::Aliases::new();
    let opts = isa_core::ResolveOptions::new(&scheme, &aliases);
    let ra = isa_core::resolve(&a, &opts);
    let rb = isa_core::resolve(&b, &opts);
    let mut layout = View::new();
    let mut number = View::new();
    let names: Vec<&String> = case.layout.keys().chain(case.number.keys()).collect();
    for name in names {
        let Some(src) = ra.instructions.iter().find(|i| &i.key == name) else {
            continue;
        };
        let (Ok(bytes), Some(operands)) = (&src.bytes, src.operand_bytes()) else {
            // Without a's bytes and size no program can be written: translate cannot decode it.
            layout.insert(name.clone(), Verdict::Unknown);
            continue;
        };
        // Operand bytes of 0x01, not zeros: a zero operand fits any field of any layout, so
        // an all-zero program could not show a difference. A payload length read from those
        // bytes is followed by that many payload bytes.
        let mut program = bytes.as_slice().to_vec();
        program.resize(program.len() + operands as usize, 1);
        if let Some(layout) = src.layout() {
            let mut bit = 0u32;
            for f in &layout.fields {
                if f.kind == isa_core::FieldKind::PayloadLength
                    && bit.is_multiple_of(8)
                    && f.bits.is_multiple_of(8)
                {
                    let len: u64 = (0..f.bits / 8).fold(0, |v, i| v | (1u64 << (8 * i)));
                    program.resize(program.len() + len as usize, 0xAA);
                }
                bit += u32::from(f.bits);
            }
        }
        let input = tmp.join(format!("{}-{name}.bin", case.name));
        let output = tmp.join(format!("{}-{name}.out", case.name));
        fs::write(&input, &program).unwrap();
        let (code, _, err) = run(
            &[
                "translate",
                "--from",
                case.table("a").to_str().unwrap(),
                "--to",
                case.table("b").to_str().unwrap(),
                input.to_str().unwrap(),
                output.to_str().unwrap(),
            ],
            &case.dir,
        );
        if code != 0 {
            let v = if err.contains("no known layout") {
                Verdict::Unknown
            } else {
                Verdict::Differs
            };
            layout.insert(name.clone(), v);
            continue;
        }
        let out = fs::read(&output).unwrap();
        let target = rb.instructions.iter().find(|i| &i.key == name).unwrap();
        let op_len = target.opcode_len().unwrap();
        let same_operands = out.get(op_len..) == Some(&program[bytes.len()..]);
        layout.insert(
            name.clone(),
            if same_operands {
                Verdict::Same
            } else {
                Verdict::Differs
            },
        );
        number.insert(
            name.clone(),
            if out[..op_len] == *bytes.as_slice() {
                Verdict::Same
            } else {
                Verdict::Differs
            },
        );
    }
    layout.retain(|k, _| case.layout.contains_key(k));
    number.retain(|k, _| case.number.contains_key(k));
    (layout, number)
}

/// `advertise` both tables, then `negotiate`: each instruction both sides hold at one number
/// gets a verdict (`usable`, `layout-unknown`, `layout-differs`, `encoding-differs`); an
/// instruction both hold at different numbers is not in the list, so its numbers differ.
fn negotiate_view(case: &Case, tmp: &Path) -> (View, View) {
    let mut ads = Vec::new();
    for side in ["a", "b"] {
        let ad = tmp.join(format!("{}-{side}.ad", case.name));
        let (code, _, err) = run(
            &[
                "advertise",
                case.table(side).to_str().unwrap(),
                "-o",
                ad.to_str().unwrap(),
            ],
            &case.dir,
        );
        assert_eq!(code, 0, "advertise {side}: {err}");
        ads.push(ad);
    }
    let (code, out, err) = run(
        &[
            "negotiate",
            "--format",
            "json",
            ads[0].to_str().unwrap(),
            ads[1].to_str().unwrap(),
        ],
        &case.dir,
    );
    assert!(code == 0 || code == 1, "negotiate exit {code}: {err}");
    let report = json(&out, "negotiate");
    let instructions = report["instructions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let verdict = |name: &str| {
        instructions
            .iter()
            .find(|i| i["mnemonic"].as_str() == Some(name))
            .and_then(|i| i["verdict"].as_str().map(String::from))
    };
    let layout = case
        .layout
        .keys()
        .filter_map(|n| {
            let v = match verdict(n)?.as_str() {
                "usable" => Verdict::Same,
                "layout-unknown" => Verdict::Unknown,
                _ => Verdict::Differs,
            };
            Some((n.clone(), v))
        })
        .collect();
    let number = case
        .number
        .keys()
        .map(|n| {
            let v = if verdict(n).is_some() {
                Verdict::Same
            } else {
                Verdict::Differs
            };
            (n.clone(), v)
        })
        .collect();
    (layout, number)
}

/// Bytecode-facing commands given the refused table: each must exit 2 and say why in check's
/// words (`encoding-ambiguity` or `duplicate-opcode`).
fn refusals(case: &Case, table: &str, tmp: &Path) -> Vec<String> {
    let path = case.table(table);
    let path = path.to_str().unwrap();
    let other = case.table(if table == "a" { "b" } else { "a" });
    let other = other.to_str().unwrap();
    let input = tmp.join(format!("{}-refuse.bin", case.name));
    fs::write(&input, [0u8]).unwrap();
    let output = tmp.join(format!("{}-refuse.out", case.name));
    let commands: Vec<(&str, Vec<&str>)> = vec![
        (
            "translate (into)",
            vec![
                "translate",
                "--from",
                other,
                "--to",
                path,
                input.to_str().unwrap(),
                output.to_str().unwrap(),
            ],
        ),
        (
            "translate (from)",
            vec![
                "translate",
                "--from",
                path,
                "--to",
                other,
                input.to_str().unwrap(),
                output.to_str().unwrap(),
            ],
        ),
        ("gen", vec!["gen", "--lang", "python", path]),
        ("advertise", vec!["advertise", path]),
    ];
    let store = tmp.join(format!("{}-store", case.name));
    let keys = tmp.join(format!("{}-keys", case.name));
    let (code, _, err) = run(
        &["keygen", "alice", "--out-dir", keys.to_str().unwrap()],
        &case.dir,
    );
    assert_eq!(code, 0, "keygen: {err}");
    let maintainer = format!("alice={}", keys.join("alice.pub").display());
    let (code, _, err) = run(
        &[
            "init",
            "--store",
            store.to_str().unwrap(),
            "--maintainer",
            &maintainer,
            "--quorum",
            "1",
        ],
        &case.dir,
    );
    assert_eq!(code, 0, "init: {err}");
    let mut commands = commands;
    commands.push((
        "propose",
        vec![
            "propose",
            "--store",
            store.to_str().unwrap(),
            "--version",
            "1.0.0",
            path,
        ],
    ));
    let mut failures = Vec::new();
    let (_, out, _) = run(&["check", "--format", "json", path], &case.dir);
    let report = json(&out, "check");
    if !report["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["kind"] == "encoding-ambiguity" || c["kind"] == "duplicate-opcode")
    {
        failures.push(format!(
            "{}: check reports nothing that makes {table}.toml undecodable",
            case.name
        ));
    }
    for (what, args) in commands {
        let (code, _, err) = run(&args, &case.dir);
        if code != 2 || !(err.contains("encoding-ambiguity") || err.contains("duplicate-opcode")) {
            failures.push(format!(
                "{}: {what} must refuse {table}.toml with exit 2 and check's explanation; got exit {code}: {err}",
                case.name
            ));
        }
    }
    failures
}

fn compare_view(
    compared: &mut BTreeMap<String, usize>,
    failures: &mut Vec<String>,
    case: &Case,
    command: &str,
    fact: &str,
    expected: &BTreeMap<String, Verdict>,
    view: &View,
) {
    for (name, want) in expected {
        if view.contains_key(name) {
            *compared.entry(command.to_string()).or_default() += 1;
        }
        match view.get(name) {
            Some(got) if got.agrees_with(*want) => {}
            Some(got) => failures.push(format!(
                "{}: {command} says the {fact} of {name} is {got:?}; expected {want:?}",
                case.name
            )),
            None => {}
        }
    }
}

#[test]
fn every_command_gives_one_answer() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = cases();
    assert!(cases.len() >= 8, "the suite has {} cases", cases.len());
    let mut failures = Vec::new();
    let mut compared: BTreeMap<String, usize> = BTreeMap::new();
    for case in &cases {
        let mut views: Vec<(&str, (View, View))> = vec![
            ("check", check_view(case)),
            ("arbitrate", arbitrate_view(case)),
            ("map", map_view(case, tmp.path())),
            ("migrate plan", plan_view(case)),
            ("conform", conform_view(case)),
        ];
        // A table that must be refused is not translated or advertised (see `refusals`).
        if case.refuse.is_none() {
            views.push(("translate", translate_view(case, tmp.path())));
            views.push(("negotiate", negotiate_view(case, tmp.path())));
        }
        for (command, (layout, number)) in &views {
            compare_view(
                &mut compared,
                &mut failures,
                case,
                command,
                "layout",
                &case.layout,
                layout,
            );
            compare_view(
                &mut compared,
                &mut failures,
                case,
                command,
                "number",
                &case.number,
                number,
            );
        }
        if let Some(table) = &case.refuse {
            failures.extend(refusals(case, table, tmp.path()));
        }
    }
    // Every command must actually have given verdicts: a view that silently found nothing
    // would agree with everything.
    for command in [
        "check",
        "arbitrate",
        "map",
        "migrate plan",
        "conform",
        "translate",
        "negotiate",
    ] {
        let n = compared.get(command).copied().unwrap_or(0);
        if n < 5 {
            failures.push(format!("{command} gave only {n} verdicts over the suite"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
