//! Tests as data: every folder under `tests/cases/` holding a `cmd` file is one case of the
//! binary (see `tests/cases/README.md`). The case runs in a scratch copy of its folder (so no
//! output lands in the repository), with a fixed environment, and must reproduce the blessed
//! bytes in its `expected/` folder: each step's stdout, stderr and exit code, and every file the
//! steps created or changed. `ISA_BLESS=1` rewrites `expected/` from the actual run;
//! `ISA_CASE=SUBSTRING` runs only the cases whose path contains it.
//!
//! * `cmd` — one step per line: the arguments after the binary name, split at spaces; `'…'`
//!   quotes literally, `"…"` with `\n`, `\t`, `\r`, `\e`, `\xHH` (a character up to U+00FF),
//!   `\u{HEX}`, `\"` and `\\` escapes. A final `< FILE` feeds FILE to the step's standard
//!   input (otherwise it is empty). `$SHARED` stands for the shared data folder (`../shared`
//!   beside the repository), `$REPO` for the repository, `$CASE` for the scratch folder and
//!   `$STEPn` for the trimmed stdout of step n (the id a `propose` printed). Blank lines and
//!   lines starting with `#` are skipped.
//! * `env` — optional `NAME=VALUE` lines added to the fixed environment (`NO_COLOR=1`,
//!   `HOME=$CASE`, `TZ=UTC`, `LC_ALL=C`, nothing else).
//! * `reverse` — optional, empty: the case runs a second time with its table arguments (the
//!   `.json`/`.toml`/`.ad` arguments that are not an option's value) in reverse order and must
//!   give the same bytes.
//! * `mask` — optional: one marker per line; a run of at least 16 base64url characters
//!   (letters, digits, `-`, `_`: hex digits included) right after a marker is replaced by
//!   `<masked>` in every output (only random material needs it: `keygen`'s keys, `token new`'s tokens).
//! * `expected/` — written by `ISA_BLESS=1`: `stdout`, `stderr` (absent when empty) and `code`
//!   for a one-step case; `N.stdout`, `N.stderr` per step and one code per line in `code`
//!   otherwise; `files/PATH` for every file created or changed under the scratch folder.
//!
//! Output is normalised only where it is inherently variable: the scratch folder's path reads
//! `$CASE`; `$SHARED` and `$REPO` expand to the links `shared` and `repo` in the scratch folder, so
//! nothing a command derives from a path depends on where the checkout lies. Files named `*.key` are
//! copied with mode 0600 (git keeps no modes; the store refuses a key readable by others).

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

mod common;
use common::Table;

fn cases_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases")
}

fn repo_root() -> PathBuf {
    fs::canonicalize(Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")).unwrap()
}

fn shared_root() -> Option<PathBuf> {
    fs::canonicalize(repo_root().join("../shared")).ok()
}

/// Every folder under `dir` that holds a `cmd` file, sorted.
fn case_dirs(dir: &Path, out: &mut Vec<PathBuf>) {
    if dir.join("cmd").is_file() {
        out.push(dir.to_path_buf());
        return;
    }
    let mut children: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    children.sort();
    for child in children {
        case_dirs(&child, out);
    }
}

/// One step: its arguments and the file feeding its standard input.
struct Step {
    line: String,
    args: Vec<String>,
    stdin: Option<String>,
}

fn unescape(chars: &mut std::iter::Peekable<std::str::Chars>, word: &mut String, line: &str) {
    match chars.next() {
        Some('n') => word.push('\n'),
        Some('t') => word.push('\t'),
        Some('r') => word.push('\r'),
        Some('e') => word.push('\x1b'),
        Some('x') => {
            let hex: String = chars.by_ref().take(2).collect();
            let byte = u8::from_str_radix(&hex, 16)
                .unwrap_or_else(|_| panic!("bad \\x escape in cmd line `{line}`"));
            word.push(char::from(byte));
        }
        Some('u') => {
            assert_eq!(
                chars.next(),
                Some('{'),
                "bad \\u escape in cmd line `{line}`"
            );
            let hex: String = chars.by_ref().take_while(|&c| c != '}').collect();
            let c = u32::from_str_radix(&hex, 16)
                .ok()
                .and_then(char::from_u32)
                .unwrap_or_else(|| panic!("bad \\u escape in cmd line `{line}`"));
            word.push(c);
        }
        Some(c) => word.push(c),
        None => panic!("dangling backslash in cmd line `{line}`"),
    }
}

fn split(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return words;
        }
        let mut word = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                break;
            }
            chars.next();
            match c {
                '\'' => loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => panic!("unclosed ' in cmd line `{line}`"),
                    }
                },
                '"' => loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => unescape(&mut chars, &mut word, line),
                        Some(c) => word.push(c),
                        None => panic!("unclosed \" in cmd line `{line}`"),
                    }
                },
                c => word.push(c),
            }
        }
        words.push(word);
    }
}

fn steps(dir: &Path) -> Vec<Step> {
    let text = fs::read_to_string(dir.join("cmd")).unwrap();
    let steps: Vec<Step> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|line| {
            let mut args = split(line);
            let mut stdin = None;
            if args.len() >= 2 && args[args.len() - 2] == "<" {
                stdin = args.pop();
                args.pop();
            }
            Step {
                line: line.to_string(),
                args,
                stdin,
            }
        })
        .collect();
    assert!(!steps.is_empty(), "{}: empty cmd", dir.display());
    steps
}

/// Arguments that name tables (a `.json` or `.toml` argument that is not an option's value)
/// reversed among their own positions.
fn reversed(args: &[String]) -> Vec<String> {
    let is_table = |i: usize| {
        let a = &args[i];
        (a.ends_with(".json") || a.ends_with(".toml") || a.ends_with(".ad"))
            && !a.starts_with('-')
            && (i == 0 || !args[i - 1].starts_with('-'))
    };
    let positions: Vec<usize> = (0..args.len()).filter(|&i| is_table(i)).collect();
    let mut out = args.to_vec();
    for (&at, &from) in positions.iter().zip(positions.iter().rev()) {
        out[at] = args[from].clone();
    }
    out
}

fn copy_case(from: &Path, to: &Path, top: bool) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if top && name == "expected" {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_case(&entry.path(), &target, false);
        } else {
            fs::copy(entry.path(), &target).unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = if name.to_string_lossy().ends_with(".key") {
                    0o600
                } else {
                    0o644
                };
                fs::set_permissions(&target, fs::Permissions::from_mode(mode)).unwrap();
            }
        }
    }
}

fn snapshot(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            snapshot(root, &path, out);
        } else if kind.is_file() {
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(rel, fs::read(&path).unwrap());
        }
    }
}

/// What a case produced: per step (stdout, stderr, code), and the files created or changed.
#[derive(PartialEq)]
struct Outcome {
    steps: Vec<(Vec<u8>, Vec<u8>, i32)>,
    files: BTreeMap<String, Vec<u8>>,
}

struct Paths {
    repo: PathBuf,
    shared: Option<PathBuf>,
}

impl Paths {
    /// `$REPO` and `$SHARED` become the relative links `repo` and `shared` in the scratch
    /// folder (see [`Paths::link`]), not absolute paths: what a command derives from a path it
    /// was given (a scanned table's name `FILE#SYMBOL`, and the conflict ids hashed from it)
    /// must not depend on where the checkout lies.
    fn substitute(&self, word: &str, scratch: &Path) -> String {
        let word = word.replace("$CASE", &scratch.to_string_lossy());
        word.replace("$SHARED", "shared").replace("$REPO", "repo")
    }

    /// Links `repo` (and `shared`, when present) into the scratch folder. [`snapshot`] does not
    /// follow links, so they never count as files a case wrote.
    fn link(&self, scratch: &Path, case: &Path) {
        let mut links = vec![("repo", &self.repo)];
        if let Some(shared) = &self.shared {
            links.push(("shared", shared));
        }
        for (name, target) in links {
            assert!(
                !case.join(name).exists(),
                "{}: `{name}` is reserved for the link to $REPO/$SHARED",
                case.display()
            );
            #[cfg(unix)]
            std::os::unix::fs::symlink(target, scratch.join(name)).unwrap();
            #[cfg(not(unix))]
            let _ = target;
        }
    }

    fn normalise(&self, bytes: Vec<u8>, scratch: &Path) -> Vec<u8> {
        let Ok(mut text) = String::from_utf8(bytes.clone()) else {
            return bytes;
        };
        let mut pairs = vec![(scratch.to_path_buf(), "$CASE")];
        if let Ok(real) = fs::canonicalize(scratch) {
            pairs.push((real, "$CASE"));
        }
        if let Some(shared) = &self.shared {
            pairs.push((shared.clone(), "$SHARED"));
        }
        pairs.push((self.repo.clone(), "$REPO"));
        for (path, name) in pairs {
            text = text.replace(&*path.to_string_lossy(), name);
        }
        text.into_bytes()
    }
}

fn run_case(dir: &Path, steps: &[Step], reverse: bool, paths: &Paths) -> Outcome {
    let scratch = tempfile::tempdir().unwrap();
    let root = scratch.path();
    copy_case(dir, root, true);
    paths.link(root, dir);
    let mut before = BTreeMap::new();
    snapshot(root, root, &mut before);
    let mut env: Vec<(String, String)> = vec![
        ("NO_COLOR".into(), "1".into()),
        ("HOME".into(), root.to_string_lossy().into_owned()),
        ("TZ".into(), "UTC".into()),
        ("LC_ALL".into(), "C".into()),
    ];
    if let Ok(text) = fs::read_to_string(dir.join("env")) {
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let (name, value) = line.split_once('=').unwrap_or_else(|| {
                panic!("{}: env line `{line}` is not NAME=VALUE", dir.display())
            });
            env.push((name.into(), paths.substitute(value, root)));
        }
    }
    let mut outcome = Outcome {
        steps: Vec::new(),
        files: BTreeMap::new(),
    };
    for step in steps {
        let mut args: Vec<String> = step
            .args
            .iter()
            .map(|a| paths.substitute(&earlier_stdout(a, &outcome.steps), root))
            .collect();
        if reverse {
            args = reversed(&args);
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_isa-authority"))
            .args(&args)
            .current_dir(root)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let input = match &step.stdin {
            Some(file) => fs::read(root.join(file))
                .unwrap_or_else(|e| panic!("{}: stdin file {file}: {e}", dir.display())),
            None => Vec::new(),
        };
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        let code = out
            .status
            .code()
            .unwrap_or_else(|| panic!("{}: `{}` died by a signal", dir.display(), step.line));
        outcome.steps.push((
            paths.normalise(out.stdout, root),
            paths.normalise(out.stderr, root),
            code,
        ));
    }
    let mut after = BTreeMap::new();
    snapshot(root, root, &mut after);
    for (name, bytes) in after {
        if before.get(&name) != Some(&bytes) {
            outcome.files.insert(name, paths.normalise(bytes, root));
        }
    }
    if let Ok(text) = fs::read_to_string(dir.join("mask")) {
        let markers: Vec<String> = text
            .lines()
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect();
        for (stdout, stderr, _) in &mut outcome.steps {
            *stdout = mask(std::mem::take(stdout), &markers);
            *stderr = mask(std::mem::take(stderr), &markers);
        }
        for bytes in outcome.files.values_mut() {
            *bytes = mask(std::mem::take(bytes), &markers);
        }
    }
    outcome
}

/// `$STEPn` replaced by the trimmed stdout of step n (an id `propose` printed, say); the
/// highest numbers first, so that `$STEP12` is not read as `$STEP1` and a 2.
fn earlier_stdout(word: &str, done: &[(Vec<u8>, Vec<u8>, i32)]) -> String {
    let mut word = word.to_string();
    for (i, (stdout, _, _)) in done.iter().enumerate().rev() {
        let name = format!("$STEP{}", i + 1);
        if word.contains(&name) {
            word = word.replace(&name, String::from_utf8_lossy(stdout).trim());
        }
    }
    assert!(
        !word.contains("$STEP"),
        "`{word}` names a step that has not run"
    );
    word
}

/// In text, the run of base64url characters after each marker replaced by `<masked>` (random
/// key material `keygen` prints and writes, the tokens `token new` prints, their hashes).
fn mask(bytes: Vec<u8>, markers: &[String]) -> Vec<u8> {
    let Ok(text) = String::from_utf8(bytes.clone()) else {
        return bytes;
    };
    let mut out = String::new();
    let mut rest = text.as_str();
    'outer: while !rest.is_empty() {
        let next = markers
            .iter()
            .filter_map(|m| rest.find(m.as_str()).map(|at| (at, m.len())))
            .min();
        let Some((at, len)) = next else {
            out.push_str(rest);
            break 'outer;
        };
        out.push_str(&rest[..at + len]);
        rest = &rest[at + len..];
        let hex = rest.len()
            - rest
                .trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                .len();
        // Random material is long; a short word after a marker (`secret: it …`) is text.
        if hex >= 16 {
            out.push_str("<masked>");
            rest = &rest[hex..];
        }
    }
    out.into_bytes()
}

/// The expected files of an outcome, by name under `expected/`.
fn expectations(outcome: &Outcome) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let many = outcome.steps.len() > 1;
    let mut codes = String::new();
    for (i, (stdout, stderr, code)) in outcome.steps.iter().enumerate() {
        let prefix = if many {
            format!("{}.", i + 1)
        } else {
            String::new()
        };
        if !stdout.is_empty() {
            files.insert(format!("{prefix}stdout"), stdout.clone());
        }
        if !stderr.is_empty() {
            files.insert(format!("{prefix}stderr"), stderr.clone());
        }
        codes.push_str(&format!("{code}\n"));
    }
    files.insert("code".into(), codes.into_bytes());
    for (name, bytes) in &outcome.files {
        files.insert(format!("files/{name}"), bytes.clone());
    }
    files
}

fn show(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => format!("<{} bytes, not UTF-8: {:02x?}>", bytes.len(), bytes),
    }
}

fn compare(dir: &Path, actual: &BTreeMap<String, Vec<u8>>, failures: &mut Vec<String>) {
    let expected_dir = dir.join("expected");
    if std::env::var_os("ISA_BLESS").is_some() {
        let mut current = BTreeMap::new();
        if expected_dir.is_dir() {
            snapshot(&expected_dir, &expected_dir, &mut current);
        }
        if current == *actual {
            return;
        }
        let _ = fs::remove_dir_all(&expected_dir);
        for (name, bytes) in actual {
            let path = expected_dir.join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, bytes).unwrap();
        }
        return;
    }
    let mut expected = BTreeMap::new();
    if expected_dir.is_dir() {
        snapshot(&expected_dir, &expected_dir, &mut expected);
    }
    if expected.is_empty() {
        failures.push(format!(
            "{}: no expected/ (run with ISA_BLESS=1 to create it)",
            dir.display()
        ));
        return;
    }
    for (name, bytes) in actual {
        match expected.get(name) {
            Some(want) if want == bytes => {}
            Some(want) => failures.push(format!(
                "{}/expected/{name} differs (ISA_BLESS=1 to accept)\n--- expected\n{}\n--- actual\n{}",
                dir.display(),
                show(want),
                show(bytes)
            )),
            None => failures.push(format!(
                "{}: produced {name} (not expected; ISA_BLESS=1 to accept)\n{}",
                dir.display(),
                show(bytes)
            )),
        }
    }
    for name in expected.keys().filter(|n| !actual.contains_key(*n)) {
        failures.push(format!(
            "{}: expected/{name} was not produced (an empty stream, or a file not written)",
            dir.display()
        ));
    }
}

#[test]
fn cases() {
    let mut dirs = Vec::new();
    case_dirs(&cases_root(), &mut dirs);
    assert!(dirs.len() >= 7, "expected the shipped cases");
    let paths = Paths {
        repo: repo_root(),
        shared: shared_root(),
    };
    let filter = std::env::var("ISA_CASE").ok();
    let mut failures = Vec::new();
    let mut ran = 0;
    for dir in &dirs {
        let name = dir.strip_prefix(cases_root()).unwrap().to_string_lossy();
        if filter.as_ref().is_some_and(|f| !name.contains(f.as_str())) {
            continue;
        }
        let steps = steps(dir);
        let needs_shared = fs::read_to_string(dir.join("cmd"))
            .unwrap()
            .contains("$SHARED")
            || fs::read_to_string(dir.join("env")).is_ok_and(|t| t.contains("$SHARED"));
        if needs_shared && paths.shared.is_none() {
            assert!(
                std::env::var_os("ISA_AUTHORITY_NO_SHARED").is_some(),
                "{name}: ../shared not found beside the repository (set ISA_AUTHORITY_NO_SHARED=1 to skip)"
            );
            continue;
        }
        let outcome = run_case(dir, &steps, false, &paths);
        compare(dir, &expectations(&outcome), &mut failures);
        if dir.join("reverse").exists() && run_case(dir, &steps, true, &paths) != outcome {
            failures.push(format!(
                "{name}: reversing the table arguments changed the output"
            ));
        }
        ran += 1;
    }
    assert!(ran > 0, "no case matched");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The subcommands a `--help` text lists (`  name  description` lines under `Commands:`).
fn listed_commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with(' '))
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect()
}

/// Every command `--help` lists, and every subcommand of those that have them, has a folder of
/// cases here: a new command without tests fails this.
#[test]
fn every_command_has_case_folders() {
    let bin = env!("CARGO_BIN_EXE_isa-authority");
    let help = |args: &[&str]| {
        let out = Command::new(bin).args(args).arg("--help").output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let mut missing = Vec::new();
    let commands = listed_commands(&help(&[]));
    assert!(commands.len() >= 20, "{commands:?}");
    for command in commands {
        let subcommands = listed_commands(&help(&[&command]));
        let folders: Vec<PathBuf> = if subcommands.is_empty() {
            vec![cases_root().join(&command)]
        } else {
            subcommands
                .iter()
                .map(|sub| cases_root().join(&command).join(sub))
                .collect()
        };
        for folder in folders {
            let mut found = Vec::new();
            if folder.is_dir() {
                case_dirs(&folder, &mut found);
            }
            if found.is_empty() {
                missing.push(folder.display().to_string());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "commands without case folders: {missing:?}"
    );
}

#[test]
fn cmd_lines_split_like_a_shell() {
    assert_eq!(
        split(r#"check 'a b.toml' "c\td" e\x "\x1b[31m\u{9b}" < in"#),
        [
            "check",
            "a b.toml",
            "c\td",
            "e\\x",
            "\x1b[31m\u{9b}",
            "<",
            "in"
        ]
    );
    let args: Vec<String> = ["check", "a.json", "--aliases", "x.toml", "b.toml", "c.json"]
        .map(String::from)
        .into();
    assert_eq!(
        mask(
            b"secret: 0123456789abcdef\nsecret: \nsecret: it\npublic".to_vec(),
            &["secret: ".into()]
        ),
        b"secret: <masked>\nsecret: \nsecret: it\npublic"
    );
    let done = vec![(b"sha256:01\n".to_vec(), Vec::new(), 0); 12];
    assert_eq!(
        earlier_stdout("x=$STEP12,$STEP1", &done),
        "x=sha256:01,sha256:01"
    );
    assert_eq!(
        reversed(&args),
        ["check", "c.json", "--aliases", "x.toml", "b.toml", "a.json"]
    );
}

/// The `Table` builder the hand-written tests share (here, so that it runs once).
#[test]
fn the_table_builder_writes_toml_and_json() {
    let t = Table::new("vm")
        .registered("2024-01-01")
        .op("HALT", 0)
        .format("A")
        .op("ADD", 0x20)
        .format("E")
        .category("arith")
        .reserved(0xFE)
        .escapes(&[0xFF])
        .declare_format("P", 3, &[("len", 16, "len")]);
    assert_eq!(
        t.toml(),
        "implementation = \"vm\"\nregistered = 2024-01-01\nopcodes = [\n  { opcode = 0x00, mnemonic = \"HALT\", format = \"A\" },\n  { opcode = 0x20, mnemonic = \"ADD\", format = \"E\", category = \"arith\" },\n  { opcode = 0xfe, reserved = true },\n]\n[encoding]\nescapes = [0xFF]\n[formats.P]\nsize = 3\nfields = [{ name = \"len\", bits = 16, kind = \"len\" }]\n"
    );
    let json: Value = serde_json::from_str(&t.json()).unwrap();
    assert_eq!(json["registered"], "2024-01-01");
    assert_eq!(json["opcodes"][1]["opcode"], 0x20);
    assert_eq!(json["opcodes"][2]["reserved"], true);
    assert_eq!(json["encoding"]["escapes"][0], 0xFF);
    let dir = tempfile::tempdir().unwrap();
    for name in ["t.toml", "t.json"] {
        let table = isa_io::load_table(&t.write(dir.path(), name)).unwrap();
        assert_eq!(table.entries.len(), 3, "{name}");
    }
}

/// Every SARIF log any case blessed (`check`, `conform`, `verify`, `conformance`, …) names
/// only rules of the one registry (`isa_core::diagnostic::rules`), each with the registry's
/// description and level, and every result points at its rule by id and index. A command
/// that wrote its own rule list would drift from the registry and fail here.
#[test]
fn every_blessed_sarif_log_uses_the_rule_registry() {
    let mut dirs = Vec::new();
    case_dirs(&cases_root(), &mut dirs);
    let mut logs = 0;
    let mut families = std::collections::BTreeSet::new();
    for dir in dirs {
        let Ok(entries) = fs::read_dir(dir.join("expected")) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let Ok(text) = fs::read_to_string(&path) else {
                continue;
            };
            let Ok(log) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            if log["version"] != "2.1.0" || !log["runs"].is_array() {
                continue;
            }
            logs += 1;
            let run = &log["runs"][0];
            let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
            for rule in rules {
                let id = rule["id"].as_str().unwrap();
                let known = isa_core::diagnostic::rule(id)
                    .unwrap_or_else(|| panic!("{}: rule {id} is not registered", path.display()));
                families.insert(known.family.as_str());
                assert_eq!(
                    rule["shortDescription"]["text"],
                    known.description,
                    "{}: rule {id}",
                    path.display()
                );
                assert_eq!(
                    rule["properties"]["severity"],
                    known.severity.as_str(),
                    "{}: rule {id}",
                    path.display()
                );
            }
            for result in run["results"].as_array().unwrap() {
                let index = result["ruleIndex"].as_u64().unwrap() as usize;
                assert_eq!(
                    rules[index]["id"],
                    result["ruleId"],
                    "{}: ruleIndex",
                    path.display()
                );
            }
        }
    }
    assert!(logs >= 3, "only {logs} blessed SARIF logs found");
    assert!(
        families.contains("conformance") && families.contains("conflict"),
        "families seen: {families:?}"
    );
}
