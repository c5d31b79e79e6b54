//! `isa-authority translate`: rewrite bytecode from one numbering to another.
//!
//! Both tables must be decodable (`check` finds no `encoding-ambiguity` and no number given to
//! two instructions); otherwise the command exits 2 with check's messages and writes nothing.

use std::path::PathBuf;

use anyhow::{Context, Result};
use isa_migrate::module::{looks_like_module, translate_module};
use isa_migrate::{TranslateOptions, Translator, WriteError};
use serde_json::json;

use crate::args::SchemePair;
use crate::output::json as pretty;
use crate::{inputs, EXIT_FAIL, EXIT_OK};

/// Output formats of the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SummaryFormat {
    /// One line for people.
    Text,
    /// A JSON object (docs/reference/json-contracts.md).
    Json,
}

/// What the input file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Container {
    /// A FLUX module when the file starts with a well-formed `FLUX` header, else raw bytecode.
    Auto,
    /// Raw bytecode: the whole file is instructions.
    Raw,
    /// A flux-runtime module file (18-byte `FLUX` header, function table, code).
    Module,
}

/// Arguments of `translate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The numbering the bytecode is in: a table file (.json/.toml) or a store version.
    #[arg(long, value_name = "TABLE")]
    pub from: String,

    /// The numbering to translate to: a table file (.json/.toml) or a store version.
    #[arg(long, value_name = "TABLE")]
    pub to: String,

    /// The bytecode to read.
    #[arg(value_name = "IN")]
    pub input: PathBuf,

    /// Where to write the translation (written atomically; untouched on any error).
    #[arg(value_name = "OUT")]
    pub output: PathBuf,

    #[command(flatten)]
    pub aliases: crate::args::AliasArg,

    #[command(flatten)]
    pub schemes: SchemePair,

    #[command(flatten)]
    pub registry: crate::args::RegistryArg,

    /// What the input file is.
    #[arg(long, value_enum, default_value = "auto")]
    pub container: Container,

    /// Summary format (printed to stdout).
    #[arg(long, value_enum, default_value = "text")]
    pub format: SummaryFormat,

    /// Run the program under the source table's semantics and the translation under the
    /// target's, in lock step, and refuse (exit 1, nothing written) at the first step where they
    /// differ. Raw bytecode only.
    #[arg(long)]
    pub verify: bool,

    /// Semantics of the source table for --verify (default: the built-in file for it).
    #[arg(long, value_name = "FILE", requires = "verify")]
    pub from_semantics: Option<PathBuf>,

    /// Semantics of the target table for --verify (default: the built-in file for it).
    #[arg(long, value_name = "FILE", requires = "verify")]
    pub to_semantics: Option<PathBuf>,

    /// Initial state of both runs for --verify (docs/conformance.md#states).
    #[arg(long, value_name = "STATE.json", requires = "verify")]
    pub verify_init: Option<PathBuf>,

    /// Step bound of both runs for --verify.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub verify_max_steps: u64,
}

/// Runs `translate`.
pub fn run(args: Args) -> Result<u8> {
    let aliases = args.aliases.load()?;
    let registry = args.registry.url();
    let from = inputs::resolve_table_in(&args.from, registry.as_deref())?;
    let to = inputs::resolve_table_in(&args.to, registry.as_deref())?;
    let (from_scheme, to_scheme) = args.schemes.resolve()?;
    // Bytes read with, or written for, a table that cannot be decoded unambiguously would be a
    // guess: refuse it with check's own explanation (exit 2) before reading the input.
    inputs::require_decodable(&from, "the source table", &from_scheme, &aliases)?;
    inputs::require_decodable(&to, "the target table", &to_scheme, &aliases)?;
    let options = TranslateOptions {
        aliases,
        from_scheme,
        to_scheme,
    };
    let input_name = if args.input.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        args.input.display().to_string()
    };
    let to_stdout = args.output.as_os_str() == "-";
    if to_stdout && args.format == SummaryFormat::Json {
        anyhow::bail!(
            "OUT is `-` (the bytecode goes to standard output), so the JSON summary has nowhere to go\nhint: write the bytecode to a file, or use the text summary (printed on stderr)"
        );
    }
    // Bounded before it is read: a translation needs the whole program in memory.
    let bytes = read_program(&args.input, isa_io::max_input())
        .with_context(|| format!("{input_name}: cannot read"))?;
    // The library checks the same; after the checks above this cannot fail.
    let translator = Translator::new(&from, &to, &options)?;
    let module = match args.container {
        Container::Raw => false,
        Container::Module => true,
        Container::Auto => looks_like_module(&bytes),
    };
    if args.verify && module {
        anyhow::bail!("{input_name}: --verify runs raw bytecode, and this is a FLUX module\nhint: pass --container raw to treat the whole file as instructions");
    }
    let mut verified = None;
    let cannot_translate = |what: &str| {
        format!(
            "{input_name}: cannot translate {what}from {} to {}",
            from.implementation, to.implementation
        )
    };
    let cannot_write = || format!("{}: cannot write", args.output.display());
    // Totals of the whole file (a module's stats count its code section alone).
    let (stats, bytes_out) = if module {
        let t = translate_module(&translator, &bytes)
            .with_context(|| cannot_translate("this FLUX module "))?;
        isa_io::write_output(&args.output, &t.bytes).with_context(cannot_write)?;
        (t.stats, t.bytes.len())
    } else if to_stdout || args.verify {
        // --verify runs the whole translation in lock step with the program before anything is
        // written, so it takes the in-memory path.
        let t = translator
            .translate(&bytes)
            .with_context(|| cannot_translate(""))?;
        if args.verify {
            match verify(&args, &from, &to, &options.aliases, &bytes, &t)? {
                Ok(agreement) => verified = Some(agreement),
                Err(message) => {
                    crate::output::print_error(&anyhow::anyhow!("{input_name}: {message}"));
                    return Ok(EXIT_FAIL);
                }
            }
        }
        isa_io::write_output(&args.output, &t.bytes).with_context(cannot_write)?;
        (t.stats, t.bytes.len())
    } else {
        // Raw bytecode into a file: written as it is translated (a size-changing translation
        // needs no second copy of the program in memory), to a temporary file that replaces
        // OUT only when the whole translation succeeded. Where files can be written at an
        // offset, the pieces of a large translation are written by several threads at once.
        #[cfg(unix)]
        let write = |file: &mut std::fs::File| {
            use std::os::unix::fs::FileExt;
            let file = &*file;
            translator.translate_to_at(&bytes, |buf, offset| file.write_all_at(buf, offset))
        };
        #[cfg(not(unix))]
        let write = |file: &mut std::fs::File| translator.translate_to(&bytes, file);
        isa_io::atomic_write_with(&args.output, write)
            .map(|stats| (stats, stats.bytes_out))
            .map_err(|e| match e {
                WriteError::Translate(e) => anyhow::Error::new(*e).context(cannot_translate("")),
                WriteError::Io(e) => anyhow::Error::new(e).context(cannot_write()),
            })?
    };
    let container = if module { "module" } else { "raw" };
    let verified_text = verified.as_ref().map(|a| {
        format!(
            "verified: both runs {} after {} step{}",
            stop_text(&a.stop),
            a.steps,
            if a.steps == 1 { "" } else { "s" }
        )
    });
    if let (Some(text), SummaryFormat::Text) = (&verified_text, args.format) {
        if to_stdout {
            eprintln!("{text}");
        } else {
            println!("{text}");
        }
    }
    match args.format {
        // With the bytecode on stdout, the summary goes to stderr.
        SummaryFormat::Text if to_stdout => eprintln!(
            "{input_name} → <stdout>: {} ({container}, {} → {})",
            stats, from.implementation, to.implementation
        ),
        SummaryFormat::Text => println!(
            "{input_name} → {}: {} ({container}, {} → {})",
            args.output.display(),
            stats,
            from.implementation,
            to.implementation
        ),
        SummaryFormat::Json => print!(
            "{}",
            pretty(&{
                let mut summary = json!({
                    "from": from.implementation,
                    "to": to.implementation,
                    "input": input_name,
                    "output": args.output.display().to_string(),
                    "container": container,
                    "instructions": stats.instructions,
                    "bytes_in": bytes.len(),
                    "bytes_out": bytes_out,
                    "branches_fixed": stats.branches_fixed,
                    "same_size": stats.same_size,
                });
                // Only with --verify, so the contract without it is unchanged.
                if let Some(a) = &verified {
                    summary["verified"] = json!({"steps": a.steps, "stop": stop_text(&a.stop)});
                }
                summary
            })
        ),
    }
    Ok(EXIT_OK)
}

/// The program's bytes: a large regular file mapped, anything else read.
enum Program {
    #[cfg(unix)]
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl std::ops::Deref for Program {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            #[cfg(unix)]
            Program::Mapped(map) => map,
            Program::Read(bytes) => bytes,
        }
    }
}

/// Regular files at least this large are mapped rather than read.
#[cfg(unix)]
const MAP_MIN: u64 = 1 << 20;

/// Reads the program under the same limit and with the same errors as
/// [`isa_io::read_limited`], mapping a large regular file instead of copying it.
///
/// Why a map (and the `memmap2` dependency): reading a 256 MiB program into a fresh `Vec`
/// spent about a tenth of the whole translation's time faulting in and zeroing the vector's
/// pages and copying the file into them; a map shares the page cache's pages. They are
/// mapped as the translation first reads them (the kernel maps 16 pages around each fault),
/// which on a large program happens on every thread of pass 1 at once: populating the whole
/// map first (`MAP_POPULATE`) took 30 ms on one core before any translating, and measured
/// about 25 ms slower end to end (medians of 24 alternated runs; in parts on two cores with
/// `MADV_POPULATE_READ`, slower still). Standard input, pipes, devices and small files are
/// read as before, and so is a file that cannot be mapped, so every error is still
/// `read_limited`'s.
fn read_program(path: &std::path::Path, limit: u64) -> std::io::Result<Program> {
    #[cfg(unix)]
    if path.as_os_str() != "-" {
        let file = std::fs::File::open(path)?;
        let meta = file.metadata()?;
        if meta.is_file() && (MAP_MIN..=limit).contains(&meta.len()) {
            // SAFETY: the map is read while the file is mapped, so the file must not be
            // modified or truncated meanwhile — the same assumption every tool that maps its
            // input makes (ripgrep's default, for one): `translate` reads the program and never
            // writes it (OUT is a new temporary file renamed at the end, even when it names
            // IN), and a program changed by another process while it is being translated
            // could not give a meaningful translation either way. A file truncated under the
            // map makes the process fail with SIGBUS rather than read stale bytes.
            let map = unsafe { memmap2::MmapOptions::new().map(&file) };
            if let Ok(map) = map {
                if map.len() as u64 <= limit {
                    return Ok(Program::Mapped(map));
                }
            }
        }
    }
    isa_io::read_limited(path, limit).map(Program::Read)
}

fn stop_text(stop: &isa_semantics::Stop) -> String {
    use isa_semantics::Stop;
    match stop {
        Stop::Halted => "halted".into(),
        Stop::End => "ran to the end".into(),
        Stop::StepLimit => "reached the step bound".into(),
        Stop::Trap(t) => format!("trapped {}", t.name),
        Stop::Unsupported(t) => format!("stopped at an unsupported instruction ({})", t.name),
    }
}

/// `--verify`: the lock-step run of the program and its translation (beside the translator,
/// not inside it: translation stays as fast without the flag). `Ok(Err(message))` is a refusal.
fn verify(
    args: &Args,
    from: &isa_core::Table,
    to: &isa_core::Table,
    aliases: &isa_core::Aliases,
    source: &[u8],
    translation: &isa_migrate::Translation,
) -> Result<Result<isa_semantics::verify::Agreement, String>> {
    let a = crate::run::load_semantics(from, args.from_semantics.as_deref(), aliases)
        .context("--verify: the source table's semantics")?;
    let b = crate::run::load_semantics(to, args.to_semantics.as_deref(), aliases)
        .context("--verify: the target table's semantics")?;
    let init = args
        .verify_init
        .as_deref()
        .map(crate::run::read_init)
        .transpose()?;
    let result = isa_semantics::verify::lockstep(
        &a,
        source,
        &b,
        &translation.bytes,
        init.as_ref(),
        args.verify_max_steps,
        |o| translation.map_offset(o),
    )
    .map_err(|e| anyhow::anyhow!("--verify: {e}"))?;
    Ok(result.map_err(|d| {
        let name = |(offset, m): &(usize, Option<String>)| match m {
            Some(m) => format!("byte {offset} ({m})"),
            None => format!("byte {offset}"),
        };
        format!(
            "the translation runs differently from the program ({} → {}): after step {}, source {} / target {}: {}\nhint: the two tables' semantics differ for these instructions; nothing was written",
            from.implementation,
            to.implementation,
            d.step,
            name(&d.source),
            name(&d.target),
            d.differences.join("; ")
        )
    }))
}
