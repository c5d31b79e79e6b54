//! `isa-authority conformance`: run a vector file through an implementation and compare.
//!
//! Each vector goes to the plugin as one JSON line on its standard input and its final state
//! comes back as one JSON line (docs/conformance.md). One plugin process serves the whole file;
//! a plugin that exits, answers garbage or takes longer than `--timeout` gives that vector an
//! error and is started again for the next. Without `--plugin`, the built-in interpreter
//! answers in process, with the table's semantics. Exit 0 when every vector passes (or is
//! skipped), 1 when any fails or errors, 2 on bad input or a plugin that cannot start.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

use anyhow::{Context, Result};
use isa_semantics::conformance::{
    compare, read_vectors, request, RunReport, Vector, VectorResult, Verdict,
};
use isa_semantics::json::{apply_init, outcome_json};
use isa_semantics::{Semantics, Stop};
use serde_json::Value as Json;

use crate::output::{json as pretty, write_stdout};
use crate::{inputs, EXIT_FAIL, EXIT_OK};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The vectors that did not pass, and a summary.
    Text,
    /// Every vector's verdict (docs/reference/json-contracts.md).
    Json,
    /// SARIF 2.1.0, one result per vector that did not pass.
    Sarif,
}

/// Arguments of `conformance`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The vector file (the register-machine list or the stack-machine file; docs/conformance.md).
    #[arg(long, value_name = "FILE")]
    pub vectors: PathBuf,

    /// The implementation to test: a command run through `sh -c`, speaking the line protocol of
    /// docs/conformance.md. Default: the built-in interpreter.
    #[arg(long, value_name = "CMD")]
    pub plugin: Option<String>,

    /// The table the vectors are numbered in (a file or a store version). Needed by the
    /// built-in interpreter; a plugin receives its implementation name.
    #[arg(long, value_name = "TABLE")]
    pub table: Option<String>,

    /// The semantics file for the built-in interpreter (default: the built-in file for the table).
    #[arg(long, value_name = "FILE")]
    pub semantics: Option<PathBuf>,

    /// Step bound per vector, sent to the plugin and used by the built-in interpreter.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_steps: u64,

    /// Seconds to wait for a plugin's answer to one vector.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub timeout: u64,

    #[command(flatten)]
    pub aliases: crate::args::AliasArg,

    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// What answers a request: the built-in interpreter or a plugin process.
enum Runner {
    Builtin(Box<Semantics>),
    Plugin(Plugin),
}

struct Plugin {
    command: String,
    timeout: Duration,
    live: Option<(Child, ChildStdin, Receiver<std::io::Result<String>>)>,
}

impl Plugin {
    fn start(&mut self) -> Result<()> {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(&self.command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start the plugin `{}`", self.command))?;
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        // A thread reads lines, so that a silent plugin costs a timeout, not a hang. Lines are
        // bounded: an answer is a few hundred bytes, and a plugin writing without newlines must
        // not grow memory without limit.
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut line = Vec::new();
                let read = std::io::Read::take(&mut reader, MAX_LINE as u64 + 1)
                    .read_until(b'\n', &mut line);
                let item = match read {
                    Ok(0) => break,
                    Ok(_) if line.len() > MAX_LINE => Err(std::io::Error::other(format!(
                        "an answer longer than {MAX_LINE} bytes"
                    ))),
                    Ok(_) => Ok(String::from_utf8_lossy(&line).into_owned()),
                    Err(e) => Err(e),
                };
                if tx.send(item).is_err() {
                    break;
                }
            }
        });
        self.live = Some((child, stdin, rx));
        Ok(())
    }

    fn stop(&mut self) {
        if let Some((mut child, stdin, _)) = self.live.take() {
            drop(stdin);
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends one request and waits for one answer line.
    fn ask(&mut self, line: &str) -> Result<Json, String> {
        if self.live.is_none() {
            self.start().map_err(|e| format!("{e:#}"))?;
        }
        let (_, stdin, rx) = self.live.as_mut().expect("started above");
        let sent = stdin
            .write_all(line.as_bytes())
            .and_then(|()| stdin.write_all(b"\n"))
            .and_then(|()| stdin.flush());
        // A plugin that exited makes either the write or the read fail, depending on timing;
        // both are reported alike so that the report does not depend on the race.
        if sent.is_err() {
            self.stop();
            return Err(EXITED.into());
        }
        let answer = match rx.recv_timeout(self.timeout) {
            Ok(Ok(text)) => text,
            Ok(Err(e)) => {
                self.stop();
                return Err(format!("cannot read the plugin's answer: {e}"));
            }
            Err(RecvTimeoutError::Timeout) => {
                self.stop();
                return Err(format!("no answer within {} s", self.timeout.as_secs()));
            }
            Err(RecvTimeoutError::Disconnected) => {
                self.stop();
                return Err(EXITED.into());
            }
        };
        serde_json::from_str(answer.trim())
            .map_err(|e| format!("the answer is not JSON ({e}): {}", truncate(answer.trim())))
    }
}

impl Drop for Plugin {
    fn drop(&mut self) {
        self.stop();
    }
}

const EXITED: &str = "the plugin exited (or closed its input) without answering";

/// Longest answer line read from a plugin.
const MAX_LINE: usize = 1 << 20;

fn truncate(s: &str) -> String {
    if s.chars().count() <= 80 {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(80).collect::<String>())
    }
}

/// Runs one vector.
fn run_one(
    runner: &mut Runner,
    vector: &Vector,
    table: &str,
    machine: &str,
    max_steps: u64,
) -> VectorResult {
    let done = |verdict, reasons| VectorResult {
        index: vector.index,
        name: vector.name.clone(),
        verdict,
        reasons,
    };
    let answer = match runner {
        Runner::Builtin(sem) => {
            let mut state = sem.initial_state();
            if let Err(e) = apply_init(sem, &mut state, &vector.initial) {
                return done(Verdict::Error, vec![format!("initial state: {e}")]);
            }
            let outcome = sem.run(&vector.bytecode, state, max_steps);
            if let Stop::Unsupported(t) = &outcome.stop {
                return done(Verdict::Skipped, vec![t.to_string()]);
            }
            outcome_json(sem, &outcome)
        }
        Runner::Plugin(p) => {
            let line = request(vector, table, machine, max_steps).to_string();
            match p.ask(&line) {
                Ok(a) => a,
                Err(e) => return done(Verdict::Error, vec![e]),
            }
        }
    };
    if answer
        .get("id")
        .is_some_and(|id| id.as_u64() != Some(vector.index as u64))
    {
        return done(
            Verdict::Error,
            vec![format!(
                "the answer's id {} is not {}",
                answer["id"], vector.index
            )],
        );
    }
    if let Some(why) = answer.get("skip") {
        return done(
            Verdict::Skipped,
            vec![why.as_str().map_or_else(|| why.to_string(), str::to_string)],
        );
    }
    if let Some(e) = answer.get("error") {
        return done(
            Verdict::Error,
            vec![format!(
                "the plugin reports: {}",
                e.as_str().map_or_else(|| e.to_string(), str::to_string)
            )],
        );
    }
    let diffs = compare(&vector.expect, &answer);
    if diffs.is_empty() {
        done(Verdict::Pass, Vec::new())
    } else {
        done(Verdict::Fail, diffs)
    }
}

/// Runs `conformance`.
pub fn run(args: Args) -> Result<u8> {
    let aliases = args.aliases.load()?;
    let name = args.vectors.display().to_string();
    let bytes = isa_io::read_limited(&args.vectors, isa_io::max_input())
        .with_context(|| format!("{name}: cannot read"))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!("{name}: not UTF-8 (byte {})", e.utf8_error().valid_up_to())
    })?;
    let (format, vectors) = read_vectors(&text).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let machine = match format {
        isa_semantics::conformance::Format::Register => "register",
        isa_semantics::conformance::Format::Stack => "stack",
    };
    let table = args
        .table
        .as_deref()
        .map(inputs::resolve_table)
        .transpose()?;
    let mut runner = match &args.plugin {
        None => {
            let Some(table) = &table else {
                anyhow::bail!("the built-in interpreter needs the table the vectors are numbered in\nhint: give --table TABLE, or test another implementation with --plugin 'CMD'");
            };
            Runner::Builtin(Box::new(crate::run::load_semantics(
                table,
                args.semantics.as_deref(),
                &aliases,
            )?))
        }
        Some(cmd) => {
            // A plugin that exits early closes the pipe we write requests to; with SIGPIPE at its
            // default (the binary restores it for `| head`), that write would kill this process
            // instead of giving the vector an error. Ignored, the write fails with EPIPE, and a
            // closed standard output is still tolerated by `write_stdout`.
            #[cfg(unix)]
            // SAFETY: changing a signal's disposition has no other effect; no thread of ours
            // relies on SIGPIPE.
            unsafe {
                libc::signal(libc::SIGPIPE, libc::SIG_IGN);
            }
            let mut plugin = Plugin {
                command: cmd.clone(),
                timeout: Duration::from_secs(args.timeout.max(1)),
                live: None,
            };
            // A plugin that cannot even start is bad input (exit 2), not a failing vector.
            plugin.start()?;
            Runner::Plugin(plugin)
        }
    };
    let table_name = table.as_ref().map(|t| t.implementation.clone());
    let mut results = Vec::with_capacity(vectors.len());
    for v in &vectors {
        results.push(match v {
            Ok(v) => run_one(
                &mut runner,
                v,
                table_name.as_deref().unwrap_or(""),
                machine,
                args.max_steps,
            ),
            Err(bad) => VectorResult {
                index: bad.index,
                name: bad.name.clone(),
                verdict: Verdict::Error,
                reasons: vec![format!("cannot read the vector: {}", bad.message)],
            },
        });
    }
    drop(runner);
    let report = RunReport {
        vectors: name,
        table: table_name,
        plugin: args
            .plugin
            .clone()
            .unwrap_or_else(|| "the built-in interpreter".into()),
        results,
    };
    match args.format {
        Format::Text => write_stdout(&isa_report::vectors::text(&report))?,
        Format::Json => write_stdout(&pretty(&isa_report::vectors::json(&report)))?,
        Format::Sarif => write_stdout(&pretty(&isa_report::vectors::sarif(&report)))?,
    }
    let [_, fail, error, _] = report.counts();
    Ok(if fail + error > 0 { EXIT_FAIL } else { EXIT_OK })
}
