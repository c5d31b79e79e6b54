//! The canonical-declaration commands through the binary: the documented flow and JSON shapes,
//! every exit code and error message, tampering, `declare` killed at random instants, and
//! parallel declares.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::str::contains;
use serde_json::Value;

mod common;
use common::*;

fn bin() -> Command {
    let mut cmd = Command::cargo_bin("isa-authority").unwrap();
    cmd.env_remove("ISA_AUTHORITY_STORE")
        .env_remove("ISA_AUTHORITY_REGISTRY")
        .env_remove("NO_COLOR");
    cmd
}

fn exe() -> PathBuf {
    assert_cmd::cargo::cargo_bin("isa-authority")
}

fn json(out: &[u8]) -> Value {
    serde_json::from_slice(out).unwrap_or_else(|e| {
        panic!("not JSON ({e}): {}", String::from_utf8_lossy(out));
    })
}

/// A table file with `HALT` plus the given (opcode, mnemonic) entries.
fn table(dir: &Path, name: &str, entries: &[(u32, &str)]) -> PathBuf {
    let mut t = Table::new("canonical").op("HALT", 0).format("A");
    for &(op, m) in entries {
        t = t.op(m, op.into()).format("E");
    }
    t.write(dir, name)
}

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    /// Keys for alice, bob and carol, and a store with quorum `quorum`.
    fn new(quorum: usize) -> Fixture {
        let f = Fixture {
            dir: tempfile::tempdir().unwrap(),
        };
        for name in ["alice", "bob", "carol"] {
            bin()
                .args(["keygen", name, "-o"])
                .arg(f.keys())
                .assert()
                .code(0)
                .stdout(contains(format!("{name}.key")));
        }
        let mut cmd = bin();
        cmd.arg("init").arg("--store").arg(f.store());
        for name in ["alice", "bob", "carol"] {
            cmd.arg("--maintainer").arg(format!(
                "{name}={}",
                f.keys().join(format!("{name}.pub")).display()
            ));
        }
        cmd.args(["--quorum", &quorum.to_string()])
            .assert()
            .code(0)
            .stdout(contains(format!("quorum {quorum}")));
        f
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
    fn keys(&self) -> PathBuf {
        self.dir.path().join("keys")
    }
    fn store(&self) -> PathBuf {
        self.dir.path().join("store")
    }
    fn key(&self, name: &str) -> PathBuf {
        self.keys().join(format!("{name}.key"))
    }

    /// Runs a store command with `--store`.
    fn run(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        bin().args(args).arg("--store").arg(self.store()).assert()
    }

    fn propose(&self, table: &Path, version: &str, extra: &[&str]) -> String {
        let mut args = vec!["propose", table.to_str().unwrap(), "--version", version];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--format", "json"]);
        let out = self.run(&args).code(0).get_output().stdout.clone();
        json(&out)["id"].as_str().unwrap().to_string()
    }

    fn approve(&self, id: &str, who: &str) {
        self.run(&["approve", id, "--key", self.key(who).to_str().unwrap()])
            .code(0)
            .stdout(contains(format!("{who} approved")));
    }

    fn declare_with(&self, table: &Path, version: &str, extra: &[&str], who: &[&str]) -> String {
        let id = self.propose(table, version, extra);
        for w in who {
            self.approve(&id, w);
        }
        self.run(&["declare", &id])
            .code(0)
            .stdout(contains("declared"));
        id
    }

    fn log(&self) -> Value {
        json(
            &self
                .run(&["log", "--format", "json"])
                .code(0)
                .get_output()
                .stdout,
        )
    }
}

/// The key files' modes do not depend on the umask: `NAME.pub` is 0644 (readable by whoever runs
/// `init`, writable by nobody else, so no one can swap in their own key) and `NAME.key` 0600.
#[cfg(unix)]
#[test]
fn keygen_modes_do_not_depend_on_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    for umask in ["000", "022", "077"] {
        let out = dir.path().join(format!("umask-{umask}"));
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "umask {umask} && exec \"$0\" keygen alice -o \"$1\""
            ))
            .arg(exe())
            .arg(&out)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "umask {umask}");
        let mode = |name: &str| {
            std::fs::metadata(out.join(name))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode("alice.pub"), 0o644, "alice.pub under umask {umask}");
        assert_eq!(mode("alice.key"), 0o600, "alice.key under umask {umask}");
    }
}

/// `verify --head HASH` is a checkpoint: it passes while the chain still holds HASH (however far
/// the history has grown past it) and fails once records are cut or replaced.
#[test]
fn verify_head_is_a_checkpoint_anywhere_in_the_chain() {
    let f = Fixture::new(1);
    let v1 = table(f.path(), "v1.toml", &[(1, "ADD")]);
    f.declare_with(&v1, "1.0.0", &[], &["alice"]);
    let first = f.log()["versions"][0].clone();
    let (genesis, h1) = (
        first["previous"].as_str().unwrap(),
        first["hash"].as_str().unwrap(),
    );
    // A checkpoint taken before the first declaration is the genesis hash.
    f.run(&["verify", "--head", genesis])
        .code(0)
        .stdout(contains("contains --head at the genesis hash"));
    let v2 = table(f.path(), "v2.toml", &[(1, "ADD"), (2, "SUB")]);
    f.declare_with(&v2, "1.1.0", &[], &["alice"]);
    let v3 = table(f.path(), "v3.toml", &[(1, "ADD"), (2, "SUB"), (3, "MUL")]);
    f.declare_with(&v3, "1.2.0", &[], &["alice"]);
    let log = f.log();
    let h2 = log["versions"][1]["hash"].as_str().unwrap().to_string();
    let h3 = log["head"].as_str().unwrap().to_string();
    // The history grew past the checkpoints: still fine.
    f.run(&["verify", "--head", h1])
        .code(0)
        .stdout(contains("contains --head at version 1.0.0 (record 1)"));
    f.run(&["verify", "--head", &h2])
        .code(0)
        .stdout(contains("version 1.1.0 (record 2)"));
    f.run(&["verify", "--head", &h3]).code(0);
    // The prefix may be left out.
    f.run(&["verify", "--head", &h2[7..]]).code(0);
    f.run(&["verify", "--head", genesis]).code(0);
    // A hash the chain never held fails, naming both ends of the chain.
    let stranger = format!("sha256:{}", "ab".repeat(32));
    f.run(&["verify", "--head", &stranger])
        .code(1)
        .stdout(contains(format!(
            "the history no longer contains --head {stranger}"
        )))
        .stdout(contains(&h3));
    let out = f
        .run(&["verify", "--head", &stranger, "--format", "json"])
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    assert_eq!(v["ok"], false);
    assert_eq!(v["findings"][0]["file"], "history/");
    // Cutting the history short loses the checkpoints past the cut, not those before it.
    let last = f.store().join("history/000003-1.2.0.json");
    std::fs::remove_file(&last).unwrap();
    f.run(&["verify", "--head", &h3])
        .code(1)
        .stdout(contains("no longer contains"));
    f.run(&["verify", "--head", &h2]).code(0);
    // A malformed hash is a usage error.
    f.run(&["verify", "--head", "sha256:xyz"])
        .code(2)
        .stderr(contains("not a record hash"));
}

#[test]
fn tampering_with_any_store_file_fails_verify_naming_it() {
    let f = Fixture::new(2);
    let v1 = table(f.path(), "v1.toml", &[(1, "ADD")]);
    f.declare_with(&v1, "1.0.0", &["--message", "one"], &["alice", "bob"]);
    let v2 = table(f.path(), "v2.toml", &[(1, "ADD"), (2, "SUB")]);
    f.declare_with(&v2, "1.1.0", &[], &["bob", "carol"]);
    let v3 = table(f.path(), "v3.toml", &[(1, "ADD"), (2, "SUB"), (3, "MUL")]);
    let pending = f.propose(&v3, "1.2.0", &[]);
    f.approve(&pending, "carol");
    f.run(&["verify"]).code(0);

    let mut files = Vec::new();
    let mut stack = vec![f.store()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    let mut flipped = 0;
    for file in &files {
        let original = std::fs::read(file).unwrap();
        let rel = file
            .strip_prefix(f.store())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if original.is_empty() {
            // The lock file: any byte in it is a failure.
            std::fs::write(file, b"x").unwrap();
        } else {
            // A few spread offsets per file through the binary (the library tests flip more).
            for offset in [
                0,
                original.len() / 3,
                original.len() / 2,
                original.len() - 2,
            ] {
                let mut bytes = original.clone();
                bytes[offset] ^= 0x01;
                std::fs::write(file, &bytes).unwrap();
                f.run(&["verify"])
                    .code(1)
                    .stdout(contains(format!("FAIL {rel}")))
                    .stdout(contains("verification failed"));
                flipped += 1;
            }
            std::fs::write(file, &original).unwrap();
            continue;
        }
        f.run(&["verify"])
            .code(1)
            .stdout(contains(format!("FAIL {rel}")));
        std::fs::write(file, &original).unwrap();
    }
    assert!(flipped >= 36);
    f.run(&["verify"]).code(0);
    // JSON findings name the file and the record.
    let record = files
        .iter()
        .find(|p| p.to_string_lossy().contains("000002-1.1.0"))
        .unwrap();
    let text = std::fs::read_to_string(record).unwrap();
    std::fs::write(record, text.replacen("\"opcode\": 2", "\"opcode\": 7", 1)).unwrap();
    let out = f
        .run(&["verify", "--format", "json"])
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    assert_eq!(v["ok"], false);
    let finding = &v["findings"][0];
    assert_eq!(finding["file"], "history/000002-1.1.0.json");
    assert_eq!(finding["subject"], "version 1.1.0, record 2");
    assert!(
        finding["message"].as_str().unwrap().contains("table_hash"),
        "{finding}"
    );
}

/// A tiny deterministic generator, seeded from the clock and printed, so a failing run can be
/// reproduced by fixing the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn declare_killed_at_random_instants_leaves_a_valid_store() {
    let f = Fixture::new(1);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("kill-loop seed {seed}");
    let mut rng = Rng(seed);
    let store = isa_history::Store::open(f.store()).unwrap();
    let key = isa_history::KeyPair::parse(
        "alice.key",
        &std::fs::read_to_string(f.key("alice")).unwrap(),
    )
    .unwrap();
    // How long an undisturbed declare takes, to spread the kills over its whole run.
    let prepare = |n: usize| {
        let mut t = isa_core::Table::new("canonical");
        for i in 0..=n as u32 {
            t.entries
                .push(isa_core::Entry::new(i, &format!("OP{i}")).with_format("A"));
        }
        let v = isa_history::semver::Version::new(1, n as u64, 0);
        let id = store
            .propose(t, isa_history::ProposeOptions::new(v))
            .unwrap();
        store.approve(&id, &key).unwrap();
        id
    };
    let start = Instant::now();
    let id = prepare(0);
    bin()
        .args(["declare", &id, "--store"])
        .arg(f.store())
        .assert()
        .code(0);
    let full = start.elapsed().max(Duration::from_millis(5));
    let mut declared = 1usize;
    let mut pending: Option<String> = None;
    let (mut killed_before, mut killed_after) = (0, 0);
    for _ in 0..40 {
        let id = pending.take().unwrap_or_else(|| prepare(declared));
        let mut child = std::process::Command::new(exe())
            .args(["declare", &id, "--store"])
            .arg(f.store())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let delay = Duration::from_micros(rng.next() % (full.as_micros() as u64 * 3 / 2 + 1));
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
        // Whatever instant it died at, the store verifies and holds the old or the new history.
        bin()
            .args(["verify", "--store"])
            .arg(f.store())
            .assert()
            .code(0);
        let n = store.log().unwrap().len();
        assert!(n == declared || n == declared + 1, "{n} vs {declared}");
        if n == declared {
            killed_before += 1;
            pending = Some(id);
        } else {
            killed_after += 1;
            declared = n;
        }
    }
    eprintln!("killed before the commit {killed_before} times, after {killed_after} times");
    // The survivors can still declare.
    let id = pending.unwrap_or_else(|| prepare(declared));
    bin()
        .args(["declare", &id, "--store"])
        .arg(f.store())
        .assert()
        .code(0);
    bin()
        .args(["verify", "--store"])
        .arg(f.store())
        .assert()
        .code(0)
        .stdout(contains("ok:"));
}

#[test]
fn parallel_declares_serialise_without_lost_updates() {
    let f = Fixture::new(1);
    let v1 = table(f.path(), "v1.toml", &[(1, "ADD")]);
    f.declare_with(&v1, "1.0.0", &[], &["alice"]);
    // Six competing proposals on the same head, declared at once by six processes.
    let ids: Vec<String> = (0..6)
        .map(|i| {
            let t = table(
                f.path(),
                &format!("c{i}.toml"),
                &[(1, "ADD"), (10 + i, &format!("C{i}"))],
            );
            let id = f.propose(&t, &format!("1.{}.0", i + 1), &[]);
            f.approve(&id, "alice");
            id
        })
        .collect();
    // Plus the same proposal declared by three processes at once.
    let mut children: Vec<_> = ids
        .iter()
        .chain(std::iter::repeat_n(&ids[0], 2))
        .map(|id| {
            std::process::Command::new(exe())
                .args(["declare", id, "--store"])
                .arg(f.store())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let codes: Vec<i32> = children
        .iter_mut()
        .map(|c| c.wait().unwrap().code().unwrap())
        .collect();
    assert_eq!(codes.iter().filter(|&&c| c == 0).count(), 1, "{codes:?}");
    assert!(codes.iter().all(|&c| c == 0 || c == 1), "{codes:?}");
    let log = f.log();
    assert_eq!(log["versions"].as_array().unwrap().len(), 2);
    f.run(&["verify"]).code(0);
}

/// Moves `rel` out of the store to `outside` and puts a link to it in its place.
#[cfg(unix)]
fn link_out(f: &Fixture, rel: &str, outside: &Path) {
    std::fs::rename(f.store().join(rel), outside).unwrap();
    std::os::unix::fs::symlink(outside, f.store().join(rel)).unwrap();
}

#[cfg(unix)]
fn unlink_out(f: &Fixture, rel: &str, outside: &Path) {
    std::fs::remove_file(f.store().join(rel)).unwrap();
    std::fs::rename(outside, f.store().join(rel)).unwrap();
}

#[cfg(unix)]
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// No store command follows a symbolic link inside the store: each refuses with exit 2, naming
/// the link, and writes or creates nothing where it points; `verify` reports the link (exit 1).
#[cfg(unix)]
#[test]
fn links_in_the_store_are_refused_with_exit_2_and_reported_by_verify() {
    let f = Fixture::new(1);
    let v1 = table(f.path(), "v1.toml", &[(1, "ADD")]);
    f.declare_with(&v1, "1.0.0", &[], &["alice"]);
    let v2 = table(f.path(), "v2.toml", &[(1, "ADD"), (2, "SUB")]);
    let pending = f.propose(&v2, "1.1.0", &[]);
    let v3 = table(f.path(), "v3.toml", &[(1, "ADD"), (2, "SUB"), (3, "MUL")]);
    let outside = f.path().join("outside");
    let alice = f.key("alice");
    let alice = alice.to_str().unwrap();
    let link_error = |rel: &str| format!("{}: is a symbolic link", f.store().join(rel).display());

    link_out(&f, "proposals", &outside);
    let before = listing(&outside);
    f.run(&["propose", v3.to_str().unwrap(), "--version", "1.2.0"])
        .code(2)
        .stderr(contains(link_error("proposals")))
        .stderr(contains("never follow links"));
    assert_eq!(listing(&outside), before, "propose wrote through the link");
    for args in [
        vec!["log"],
        vec!["show", "1.0.0"],
        vec!["diff", "1.0.0", "1.0.0"],
        vec!["declare", &pending],
        vec!["approve", &pending, "--key", alice],
    ] {
        f.run(&args)
            .code(2)
            .stderr(contains(link_error("proposals")));
    }
    f.run(&["verify"])
        .code(1)
        .stdout(contains("FAIL proposals: a symbolic link"))
        .stdout(contains("proposals/ folder belongs"));
    unlink_out(&f, "proposals", &outside);

    link_out(&f, "approvals", &outside);
    let before = listing(&outside);
    f.run(&["approve", &pending, "--key", alice])
        .code(2)
        .stderr(contains(link_error("approvals")));
    assert_eq!(listing(&outside), before, "approve wrote through the link");
    f.run(&["verify"])
        .code(1)
        .stdout(contains("FAIL approvals: a symbolic link"));
    unlink_out(&f, "approvals", &outside);

    // A lock that links to a missing path: nothing creates the path.
    let missing = f.path().join("missing");
    std::fs::remove_file(f.store().join("lock")).unwrap();
    std::os::unix::fs::symlink(&missing, f.store().join("lock")).unwrap();
    f.run(&["propose", v3.to_str().unwrap(), "--version", "1.2.0"])
        .code(2)
        .stderr(contains(link_error("lock")));
    f.run(&["log"]).code(2).stderr(contains(link_error("lock")));
    f.run(&["verify"])
        .code(1)
        .stdout(contains("FAIL lock: a symbolic link"));
    assert!(!missing.exists(), "the lock link's target was created");
    std::fs::remove_file(f.store().join("lock")).unwrap();

    // A record file that is a link (to a faithful copy).
    let record = "history/000001-1.0.0.json";
    link_out(&f, record, &outside);
    f.run(&["show", "1.0.0"])
        .code(2)
        .stderr(contains(link_error(record)));
    f.run(&["verify"])
        .code(1)
        .stdout(contains(format!("FAIL {record}: a symbolic link")));
    unlink_out(&f, record, &outside);

    // authority.json as a link: the store does not open; verify reports it.
    link_out(&f, "authority.json", &outside);
    f.run(&["log"])
        .code(2)
        .stderr(contains(link_error("authority.json")));
    f.run(&["verify"])
        .code(1)
        .stdout(contains("FAIL authority.json: a symbolic link"));
    unlink_out(&f, "authority.json", &outside);

    // Links gone (the next writer recreates the lock): whole again.
    f.run(&["verify"]).code(0);
    f.approve(&pending, "alice");
    f.run(&["declare", &pending]).code(0);
    f.run(&["verify"]).code(0);
}

/// The golden store (built once, by the first build with a frozen encoding) verifies through
/// the binary too, and its versions read back.
#[test]
fn the_golden_store_verifies_through_the_binary() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("../history/tests/golden/store");
    let dir = tempfile::tempdir().unwrap();
    // A copy, so that not even a lock is taken on the checked-in files.
    let mut stack = vec![golden.clone()];
    while let Some(from) = stack.pop() {
        for entry in std::fs::read_dir(&from).unwrap() {
            let path = entry.unwrap().path();
            let to = dir.path().join(path.strip_prefix(&golden).unwrap());
            if path.is_dir() {
                std::fs::create_dir_all(&to).unwrap();
                stack.push(path);
            } else {
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::fs::copy(&path, &to).unwrap();
            }
        }
    }
    let run = |args: &[&str]| bin().args(args).arg("--store").arg(dir.path()).assert();
    run(&["verify"]).code(0).stdout(contains(
        "ok: 3 version(s), 4 proposal(s), 7 approval file(s)",
    ));
    run(&["show", "2.0.0"]).code(0).stdout(contains("NEWOP"));
    run(&["diff", "1.0.0", "2.0.0"])
        .code(0)
        .stdout(contains("renamed"));
}

/// The changes of a `diff --format json` as (kind, mnemonic, previous).
fn changes_of(out: &[u8]) -> Vec<(String, String, Option<String>)> {
    json(out)["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_string(),
                c["mnemonic"].as_str().unwrap().to_string(),
                c["previous"].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn a_proposal_edited_to_rename_onto_a_held_name_is_reported_and_never_declared() {
    let f = Fixture::new(1);
    let v1 = table(f.path(), "v1.toml", &[(1, "A"), (2, "B")]);
    f.declare_with(&v1, "1.0.0", &[], &["alice"]);
    let v2 = table(f.path(), "v2.toml", &[(1, "A"), (2, "C")]);
    let id = f.propose(&v2, "1.1.0", &["--rename", "B=C"]);
    // Edit the proposal into B = A and file it under its new hash, as the store names it.
    let file = |id: &str| {
        f.store().join(format!(
            "proposals/{}.json",
            id.trim_start_matches("sha256:")
        ))
    };
    let text = std::fs::read_to_string(file(&id)).unwrap();
    let edited = text.replacen("\"to\": \"C\"", "\"to\": \"A\"", 1);
    assert_ne!(edited, text);
    std::fs::remove_file(file(&id)).unwrap();
    let edited_id = isa_history::model::content_hash(edited.as_bytes());
    std::fs::write(file(&edited_id), &edited).unwrap();
    f.run(&["verify"]).code(1).stdout(contains(format!(
        "FAIL proposals/{}.json: proposal of 1.1.0: breaks a rule: rename B -> A: \
             A is already a separate instruction of version 1.0.0",
        edited_id.trim_start_matches("sha256:")
    )));
    f.approve(&edited_id, "alice");
    f.run(&["declare", &edited_id])
        .code(1)
        .stderr(contains("rename B -> A"));
    assert_eq!(f.log()["versions"].as_array().unwrap().len(), 1);
}

#[test]
fn a_history_that_renamed_onto_a_held_name_diffs_each_instruction_once() {
    // A store declared before renames were checked: 1.1.0 renames B to A although 1.0.0 holds
    // A, and moves A to B's number. Written record by record, as no current `declare` would.
    let f = Fixture::new(1);
    let v1 = table(f.path(), "v1.toml", &[(1, "A"), (2, "B")]);
    f.declare_with(&v1, "1.0.0", &[], &["alice"]);
    let key = isa_history::KeyPair::parse(
        "alice.key",
        &std::fs::read_to_string(f.key("alice")).unwrap(),
    )
    .unwrap();
    let mut t = isa_core::Table::new("canonical");
    t.entries
        .push(isa_core::Entry::new(0, "HALT").with_format("A"));
    t.entries
        .push(isa_core::Entry::new(2, "A").with_format("E"));
    let proposal = isa_history::Proposal {
        version: isa_history::semver::Version::new(1, 1, 0),
        parent: f.log()["head"].as_str().unwrap().to_string(),
        message: String::new(),
        renames: vec![isa_history::Rename {
            from: "B".into(),
            to: "A".into(),
        }],
        overrides: vec![],
        table: t,
    };
    let id = proposal.id();
    let record = isa_history::Record {
        sequence: 2,
        previous: proposal.parent.clone(),
        approvals: vec![isa_history::Approval {
            proposal: id.clone(),
            maintainer: "alice".into(),
            public_key: key.public().to_hex(),
            signature: key.sign_approval(&id),
        }],
        proposal,
    };
    std::fs::write(f.store().join(record.file_name()), record.to_bytes()).unwrap();

    let diff = |from: &str, to: &str| {
        changes_of(
            &f.run(&["diff", from, to, "--format", "json"])
                .code(0)
                .get_output()
                .stdout,
        )
    };
    let row = |k: &str, m: &str| (k.to_string(), m.to_string(), None);
    // Forward: A moved, B is gone; not also "B renamed to A".
    assert_eq!(
        diff("1.0.0", "1.1.0"),
        vec![row("removed", "B"), row("renumbered", "A")]
    );
    // Backward: the same instructions, mirrored.
    assert_eq!(
        diff("1.1.0", "1.0.0"),
        vec![row("renumbered", "A"), row("added", "B")]
    );
    f.run(&["diff", "1.0.0", "1.1.0"])
        .code(0)
        .stdout(contains("the declared rename B -> A is not followed"));
    // verify names the rule the record breaks.
    f.run(&["verify"]).code(1).stdout(contains(
        "FAIL history/000002-1.1.0.json: version 1.1.0, record 2: breaks a rule: rename B -> A: \
             A is already a separate instruction of version 1.0.0",
    ));
}
