//! The documentation is tested like code, so it cannot drift from the binary.
//!
//! * `docs/reference/commands.md` is generated from the binary's own `--help` (clap), for every
//!   subcommand and nested subcommand found in the `Commands:` listings. The test renders it and
//!   compares it with the checked-in file; run with `ISA_BLESS=1` (the switch `cases.rs` uses)
//!   to rewrite it after changing an argument or its doc comment.
//! * Every ```` ```console ```` block in `README.md` and `docs/guide.md` runs. A line starting
//!   with `$ ` is a command (a trailing `\` continues it on the next line); the lines after it, up
//!   to the next command, are its expected output (stdout and stderr together). `...` on a line
//!   of its own stands for any number of lines, and `...` inside a line for any text, so output
//!   can be abridged. A command expects exit 0 unless it ends with a comment `# exit N`. A
//!   command with no output lines shown is checked for its exit code only. ```` ```sh ````
//!   blocks (building, installing, the test command itself) are not run.
//!
//!   All blocks of one document run in order in one `bash` (so variables carry over), with the
//!   built binary first on `PATH`, `cargo run --release -- ARGS` standing for `isa-authority
//!   ARGS`, `NO_COLOR=1`, no `ISA_AUTHORITY_STORE`, and the working directory a temporary
//!   stand-in for the checkout holding a copy of `examples/`. Afterwards that stand-in must hold
//!   nothing but `examples/` (unchanged) and the temporary directory `mktemp` used: the
//!   documented sessions leave no key, store or output file in a checkout.
//! * Every relative link in the README, ARCHITECTURE.md and `docs/` names a file that exists
//!   and, for a `#fragment` into a Markdown file, a heading of that file (GitHub's anchors).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn bless() -> bool {
    std::env::var_os("ISA_BLESS").is_some()
}

// ---------------------------------------------------------------------------------------------
// docs/reference/commands.md

fn help(path: &[String]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_isa-authority"))
        .args(path)
        .arg("--help")
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    assert!(out.status.success(), "{path:?} --help failed");
    let text = String::from_utf8(out.stdout).unwrap();
    // Trailing spaces (clap pads some blank lines) would be invisible noise in the file.
    let mut lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    while lines.last() == Some(&"") {
        lines.pop();
    }
    lines.join("\n")
}

/// The `Commands:` listing of a help text: (name, one-line summary), without `help`.
fn subcommands(help: &str) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = Vec::new();
    let mut in_list = false;
    for line in help.lines() {
        if line == "Commands:" {
            in_list = true;
            continue;
        }
        if !in_list {
            continue;
        }
        if line.is_empty() {
            break;
        }
        let rest = line.trim_start();
        let indent = line.len() - rest.len();
        if indent == 2 {
            let (name, summary) = rest.split_once(' ').unwrap_or((rest, ""));
            found.push((name.to_string(), summary.trim().to_string()));
        } else if let Some(last) = found.last_mut() {
            last.1.push(' ');
            last.1.push_str(rest);
        }
    }
    found.retain(|(name, _)| name != "help");
    found
}

/// Every command path, depth first in the order the binary lists them, with its summary and
/// its help text.
fn command_tree(path: Vec<String>, summary: String, out: &mut Vec<(Vec<String>, String, String)>) {
    let text = help(&path);
    let children = subcommands(&text);
    out.push((path.clone(), summary, text));
    for (name, summary) in children {
        let mut child = path.clone();
        child.push(name);
        command_tree(child, summary, out);
    }
}

fn render_commands() -> String {
    let mut tree = Vec::new();
    command_tree(Vec::new(), String::new(), &mut tree);
    let mut md = String::new();
    md.push_str("# Command reference\n\n");
    md.push_str(
        "<!-- Generated from the binary's --help by crates/cli/tests/docs.rs; do not edit.\n     \
         Regenerate: ISA_BLESS=1 cargo test -p isa-authority --test docs -->\n\n",
    );
    md.push_str(
        "Every command's `--help`, exactly as the binary prints it (`isa-authority help COMMAND` \
         shows the same on a terminal). The [guide](../guide.md) explains what each step is \
         for; output shapes are in [JSON contracts](json-contracts.md), inputs in \
         [input formats](input-formats.md), exit codes in [exit codes](exit-codes.md).\n\n",
    );
    md.push_str("| command | what it does |\n| --- | --- |\n");
    for (path, summary, _) in tree.iter().skip(1) {
        let name = path.join(" ");
        md.push_str(&format!(
            "| [`{name}`](#isa-authority-{}) | {summary} |\n",
            path.join("-")
        ));
    }
    for (path, _, text) in &tree {
        let title = if path.is_empty() {
            "isa-authority".to_string()
        } else {
            format!("isa-authority {}", path.join(" "))
        };
        md.push_str(&format!("\n## `{title}`\n\n```text\n{text}\n```\n"));
    }
    md
}

#[test]
fn command_reference_is_generated_from_the_binary() {
    let path = repo_root().join("docs/reference/commands.md");
    let actual = render_commands();
    assert!(
        actual.contains("## `isa-authority migrate plan`"),
        "nested subcommands are listed"
    );
    if bless() {
        fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = fs::read_to_string(&path).unwrap_or_default();
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "docs/reference/commands.md is stale (first difference at line {}); regenerate it \
             with ISA_BLESS=1 cargo test -p isa-authority --test docs\n--- checked in\n{}\n--- \
             from the binary\n{}",
            line + 1,
            expected.lines().nth(line).unwrap_or("(end of file)"),
            actual.lines().nth(line).unwrap_or("(end of file)")
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Runnable examples in README.md and docs/guide.md

#[derive(Debug)]
struct Example {
    /// Where the command starts in the document (1-based), for messages.
    line: usize,
    command: String,
    code: i32,
    /// The expected output lines; `None` when the document shows none.
    output: Option<Vec<String>>,
}

/// The `console` blocks of a Markdown document, as commands with their expectations.
fn examples(markdown: &str) -> Vec<Example> {
    let mut found: Vec<Example> = Vec::new();
    let mut in_console = false;
    let mut continuing = false;
    for (index, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        if !in_console {
            if trimmed == "```console" {
                in_console = true;
            }
            continue;
        }
        if trimmed.starts_with("```") {
            in_console = false;
            continuing = false;
            continue;
        }
        if continuing {
            let last = found.last_mut().unwrap();
            last.command.push('\n');
            last.command.push_str(line);
            continuing = line.ends_with('\\');
            continue;
        }
        if let Some(command) = line.strip_prefix("$ ") {
            continuing = command.ends_with('\\');
            found.push(Example {
                line: index + 1,
                command: command.to_string(),
                code: 0,
                output: None,
            });
        } else if let Some(last) = found.last_mut() {
            last.output
                .get_or_insert_with(Vec::new)
                .push(line.to_string());
        } else {
            panic!(
                "line {}: a console block must start with a `$ ` command",
                index + 1
            );
        }
    }
    for example in &mut found {
        if let Some(at) = example.command.rfind("# exit ") {
            let digits: String = example.command[at + 7..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            example.code = digits.parse().expect("`# exit N` needs a number");
        }
        if let Some(output) = &mut example.output {
            while output.last().is_some_and(|l| l.trim().is_empty()) {
                output.pop();
            }
            if output.is_empty() {
                example.output = None;
            }
        }
    }
    found
}

/// `pattern` with `...` standing for any text.
fn line_matches(pattern: &str, line: &str) -> bool {
    let pattern = pattern.trim_end();
    let line = line.trim_end();
    let parts: Vec<&str> = pattern.split("...").collect();
    if parts.len() == 1 {
        return pattern == line;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !line.starts_with(first) || line.len() < first.len() + last.len() || !line.ends_with(last) {
        return false;
    }
    let mut rest = &line[first.len()..line.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// Whole-output match, with `...` lines standing for any number of lines.
fn output_matches(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first.trim() == "..." => {
            (0..=actual.len()).any(|skip| output_matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => {
            !actual.is_empty()
                && line_matches(first, actual[0])
                && output_matches(rest, &actual[1..])
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = fs::read(&path).unwrap();
                files.push((path.strip_prefix(dir).unwrap().to_path_buf(), bytes));
            }
        }
    }
    files.sort();
    files
}

fn run_document(name: &str) {
    let text = fs::read_to_string(repo_root().join(name)).unwrap();
    let examples = examples(&text);
    assert!(!examples.is_empty(), "{name} has no ```console examples");

    let root = tempfile::tempdir().unwrap();
    let checkout = root.path().join("checkout");
    let results = root.path().join("results");
    let scratch = root.path().join("tmp");
    fs::create_dir_all(&results).unwrap();
    fs::create_dir_all(&scratch).unwrap();
    copy_dir(&repo_root().join("examples"), &checkout.join("examples"));
    let examples_before = snapshot(&checkout.join("examples"));

    let mut script = String::from(
        "cargo() {\n  if [ \"$1\" = run ]; then\n    while [ $# -gt 0 ] && [ \"$1\" != -- ]; do shift; \
         done\n    shift\n    isa-authority \"$@\"\n  else\n    echo \"docs test: only `cargo run \
         ... -- ARGS` is run, not cargo $1\" >&2\n    return 99\n  fi\n}\n",
    );
    for (i, example) in examples.iter().enumerate() {
        script.push_str(&format!(
            "{{\n{}\n}} >'{dir}/{i}.out' 2>&1 </dev/null\necho $? >'{dir}/{i}.code'\n",
            example.command,
            dir = results.display()
        ));
    }
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_isa-authority"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = std::env::join_paths(
        std::iter::once(bin_dir).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let status = Command::new("bash")
        .args(["--noprofile", "--norc", "-c", &script])
        .current_dir(&checkout)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env("TMPDIR", &scratch)
        .env_remove("ISA_AUTHORITY_STORE")
        .env_remove("ISA_AUTHORITY_REGISTRY")
        .env_remove("ISA_AUTHORITY_MAX_INPUT")
        .status()
        .unwrap();
    assert!(status.success(), "{name}: the example script itself failed");

    let mut failures = Vec::new();
    for (i, example) in examples.iter().enumerate() {
        let where_ = format!("{name}:{}: $ {}", example.line, example.command);
        let Ok(code) = fs::read_to_string(results.join(format!("{i}.code"))) else {
            failures.push(format!("{where_}\n  did not run"));
            continue;
        };
        let code: i32 = code.trim().parse().unwrap();
        let output = fs::read_to_string(results.join(format!("{i}.out"))).unwrap();
        if code != example.code {
            failures.push(format!(
                "{where_}\n  exit {code}, the document says {}\n{output}",
                example.code
            ));
            continue;
        }
        if let Some(expected) = &example.output {
            let actual: Vec<&str> = output.lines().collect();
            if !output_matches(expected, &actual) {
                failures.push(format!(
                    "{where_}\n--- the document shows\n{}\n--- the command printed\n{output}",
                    expected.join("\n")
                ));
            }
        }
    }

    // Nothing written into the checkout: only examples/ is there, and it is unchanged.
    let mut left: Vec<String> = fs::read_dir(&checkout)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    if left != ["examples"] || snapshot(&checkout.join("examples")) != examples_before {
        failures.push(format!(
            "{name}: the examples wrote into the checkout (it holds {left:?}); send keys, stores \
             and outputs to a scratch directory"
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn readme_examples_run() {
    run_document("README.md");
}

#[test]
fn guide_examples_run() {
    run_document("docs/guide.md");
}

// ---------------------------------------------------------------------------------------------
// Links between the documents

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The text outside fenced code blocks.
fn prose(markdown: &str) -> String {
    let mut out = String::new();
    let mut fenced = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn markdown_files() -> Vec<PathBuf> {
    let root = repo_root();
    let mut files = vec![root.join("README.md"), root.join("ARCHITECTURE.md")];
    for dir in ["docs", "docs/reference"] {
        for entry in fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn relative_links_resolve() {
    let mut failures = Vec::new();
    for file in markdown_files() {
        let text = prose(&fs::read_to_string(&file).unwrap());
        let mut rest = text.as_str();
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            let Some(end) = rest.find(')') else { break };
            let link = &rest[..end];
            rest = &rest[end..];
            if link.contains("://") || link.starts_with("mailto:") || link.contains(' ') {
                continue;
            }
            let (path, fragment) = link.split_once('#').unwrap_or((link, ""));
            let target = if path.is_empty() {
                file.clone()
            } else {
                file.parent().unwrap().join(path)
            };
            let name = file
                .strip_prefix(repo_root())
                .unwrap()
                .display()
                .to_string();
            if !target.exists() {
                failures.push(format!("{name}: {link}: no such file"));
                continue;
            }
            if fragment.is_empty() || target.extension().is_none_or(|e| e != "md") {
                continue;
            }
            let anchors: Vec<String> = prose(&fs::read_to_string(&target).unwrap())
                .lines()
                .filter(|l| l.starts_with('#'))
                .map(|l| anchor(l.trim_start_matches('#')))
                .collect();
            if !anchors.iter().any(|a| a == fragment) {
                failures.push(format!("{name}: {link}: no such heading"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The README's test command is the one CI runs: `tests/run-all`, which runs the Rust tests
/// and then the Python package's.
#[test]
fn readme_test_command_is_what_ci_runs() {
    let readme = fs::read_to_string(repo_root().join("README.md")).unwrap();
    let ci = fs::read_to_string(repo_root().join(".ci/run")).unwrap();
    let run_all = fs::read_to_string(repo_root().join("tests/run-all")).unwrap();
    assert!(readme.contains("\ntests/run-all\n"));
    assert!(ci.lines().any(|l| l.trim() == "tests/run-all"));
    assert!(run_all
        .lines()
        .any(|l| l.trim() == "cargo test --workspace"));
}

#[test]
fn the_example_matcher() {
    assert!(line_matches(
        "declared 1.0.0 (record sha256:...)",
        "declared 1.0.0 (record sha256:ab)"
    ));
    assert!(line_matches("a...c...e", "abcde"));
    assert!(!line_matches("a...c...e", "abde"));
    assert!(!line_matches("ab...ba", "aba"));
    assert_eq!(
        anchor(" 4. Declare: the signed `canonical` history"),
        "4-declare-the-signed-canonical-history"
    );
    assert_eq!(
        anchor("The shared FLUX data (`../shared`)"),
        "the-shared-flux-data-shared"
    );
    let expected: Vec<String> = ["first", "...", "last"].map(String::from).to_vec();
    assert!(output_matches(&expected, &["first", "x", "y", "last"]));
    assert!(output_matches(&expected, &["first", "last"]));
    assert!(!output_matches(&expected, &["first", "last", "more"]));
    let parsed =
        examples("```console\n$ isa-authority check a \\\n    b  # exit 1\nout\n...\n```\n");
    assert_eq!(parsed.len(), 1);
    assert_eq!(parsed[0].code, 1);
    assert_eq!(parsed[0].output.as_deref().unwrap(), ["out", "..."]);
}
