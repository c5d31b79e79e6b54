//! `isa-authority negotiate`: what two advertisements have in common, and why not the rest.
//!
//! Reads binary or JSON advertisements (told apart by the wire magic), runs
//! `isa_negotiate::negotiate`, and reports. Exit 0 when compatible, 1 when not, 2 when an
//! advertisement is malformed (the error names the file and the byte offset or line). The JSON
//! report lists the verdict on every instruction both sides have at the same number under the
//! same name (`usable`, `layout-unknown`, `layout-differs`, `encoding-differs`).

use std::path::PathBuf;

use anyhow::Result;
use isa_negotiate::negotiate;

use crate::{EXIT_FAIL, EXIT_OK};
use isa_report::negotiate::{agreement_json, text_report};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutFormat {
    /// A readable report.
    Text,
    /// `{"compatible", "version", "features", "usable_opcodes", "instructions", "reasons"}`.
    Json,
}

/// Arguments of `negotiate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The first advertisement (the side that speaks first).
    #[arg(value_name = "AD_A")]
    pub a: PathBuf,

    /// The second advertisement.
    #[arg(value_name = "AD_B")]
    pub b: PathBuf,

    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutFormat,
}

/// Runs `negotiate`.
pub fn run(args: Args) -> Result<u8> {
    let a = crate::inputs::read_ad(&args.a)?;
    let b = crate::inputs::read_ad(&args.b)?;
    let agreed = negotiate(&a, &b);
    match args.format {
        OutFormat::Json => print!("{}", crate::output::json(&agreement_json(&agreed))),
        OutFormat::Text => print!("{}", text_report(&a, &b, &agreed)),
    }
    Ok(if agreed.compatible {
        EXIT_OK
    } else {
        EXIT_FAIL
    })
}
