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
use crate::{inputs, EXIT_OK};

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
    let bytes = isa_io::read_limited(&args.input, isa_io::max_input())
        .with_context(|| format!("{input_name}: cannot read"))?;
    // The library checks the same; after the checks above this cannot fail.
    let translator = Translator::new(&from, &to, &options)?;
    let module = match args.container {
        Container::Raw => false,
        Container::Module => true,
        Container::Auto => looks_like_module(&bytes),
    };
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
    } else if to_stdout {
        let t = translator
            .translate(&bytes)
            .with_context(|| cannot_translate(""))?;
        isa_io::write_output(&args.output, &t.bytes).with_context(cannot_write)?;
        (t.stats, t.bytes.len())
    } else {
        // Raw bytecode into a file: written as it is translated (a size-changing translation
        // needs no second copy of the program in memory), to a temporary file that replaces
        // OUT only when the whole translation succeeded.
        isa_io::atomic_write_with(&args.output, |file| translator.translate_to(&bytes, file))
            .map(|stats| (stats, stats.bytes_out))
            .map_err(|e| match e {
                WriteError::Translate(e) => anyhow::Error::new(*e).context(cannot_translate("")),
                WriteError::Io(e) => anyhow::Error::new(e).context(cannot_write()),
            })?
    };
    let container = if module { "module" } else { "raw" };
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
            pretty(&json!({
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
            }))
        ),
    }
    Ok(EXIT_OK)
}
