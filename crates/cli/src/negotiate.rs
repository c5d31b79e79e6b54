//! `isa-authority negotiate`: what two advertisements have in common, and why not the rest.
//!
//! Reads binary or JSON advertisements (told apart by the wire magic), runs
//! `isa_negotiate::negotiate`, and reports. Exit 0 when compatible, 1 when not, 2 when an
//! advertisement is malformed (the error names the file and the byte offset or line). The JSON
//! report lists the verdict on every instruction both sides have at the same number under the
//! same name (`usable`, `layout-unknown`, `layout-differs`, `encoding-differs`).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use isa_negotiate::wire::{MAGIC, WIRE_VERSION};
use isa_negotiate::{negotiate, Advertisement, Agreement, DecodeErrorKind};
use serde_json::json;

use crate::style::{paint, Style};
use crate::{EXIT_FAIL, EXIT_OK};

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

/// Reads one advertisement file, binary (starts with the wire magic) or JSON, and checks that
/// its mnemonics match their digests (reports name instructions by them).
pub fn read_ad(path: &Path) -> Result<Advertisement<'static>> {
    let ad = read_unchecked(path)?;
    ad.check_mnemonics()
        .map_err(|e| anyhow!("{}: malformed advertisement: {e}", path.display()))?;
    Ok(ad)
}

fn read_unchecked(path: &Path) -> Result<Advertisement<'static>> {
    let file = path.display();
    let bytes = isa_io::read_limited(path, isa_io::max_input())
        .with_context(|| format!("{file}: cannot read"))?;
    parse_unchecked(&bytes, &file.to_string())
}

/// Parses the bytes of an advertisement, binary or JSON, as [`read_ad`] does a file (without the
/// mnemonic check); `file` names it in errors. Public for the Python bindings, which read
/// advertisements from memory.
pub fn parse_unchecked(bytes: &[u8], file: &str) -> Result<Advertisement<'static>> {
    if bytes.starts_with(&MAGIC) {
        return isa_negotiate::decode_advertisement(bytes)
            .map(Advertisement::into_owned)
            .map_err(|e| match e.kind {
                DecodeErrorKind::UnsupportedVersion(v) if v < WIRE_VERSION => anyhow!(
                    "{file}: malformed advertisement: {e}\nhint: it was written by an older `isa-authority advertise`; run `advertise` again on the table"
                ),
                _ => anyhow!("{file}: malformed advertisement: {e}"),
            });
    }
    // JSON, possibly behind a UTF-8 byte-order mark (which editors add).
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text_like = body
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{');
    if text_like {
        let text = std::str::from_utf8(body).map_err(|e| {
            anyhow!(
                "{file}: malformed advertisement: byte {}: not UTF-8",
                e.valid_up_to()
            )
        })?;
        return isa_negotiate::json::advertisement_from_json(text).map_err(|e| {
            if e.line > 0 {
                anyhow!(
                    "{file}:{}:{}: malformed advertisement: {}",
                    e.line,
                    e.column,
                    e.message
                )
            } else {
                anyhow!("{file}: malformed advertisement: {}", e.message)
            }
        });
    }
    // Neither: let the binary decoder say what is wrong with the first bytes.
    isa_negotiate::decode_advertisement(bytes)
        .map(Advertisement::into_owned)
        .map_err(|e| anyhow!("{file}: malformed advertisement: {e}\nhint: expected a file written by `isa-authority advertise` (binary, or --format json)"))
}

/// The JSON contract of one negotiation. `instructions` holds, for every instruction both
/// sides list at the same number under the same name, `{"opcode", "mnemonic", "verdict"}`, in
/// (opcode, name digest) order; `mnemonic` is `null` when neither side sent mnemonics.
pub fn agreement_json(agreed: &Agreement) -> serde_json::Value {
    let mut instructions: Vec<_> = agreed
        .usable
        .iter()
        .map(|u| (u.opcode, u.name, &u.mnemonic, u.verdict))
        .chain(
            agreed
                .unusable
                .iter()
                .map(|u| (u.opcode, u.name, &u.mnemonic, u.verdict)),
        )
        .collect();
    instructions.sort_by_key(|&(opcode, name, _, _)| (opcode, name));
    json!({
        "compatible": agreed.compatible,
        "version": agreed.version.as_ref().map(|v| v.version.to_string()),
        "features": agreed.features,
        "usable_opcodes": agreed.usable.len(),
        "instructions": instructions
            .iter()
            .map(|(opcode, _, mnemonic, verdict)| json!({
                "opcode": opcode,
                "mnemonic": mnemonic,
                "verdict": verdict.as_str(),
            }))
            .collect::<Vec<_>>(),
        "reasons": agreed.reasons.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
    })
}

pub fn text_report(a: &Advertisement<'_>, b: &Advertisement<'_>, agreed: &Agreement) -> String {
    let mut s = String::new();
    let verdict = if agreed.compatible {
        paint(Style::Good, "compatible")
    } else {
        paint(Style::Error, "incompatible")
    };
    s.push_str(&format!(
        "{} ↔ {}: {verdict}\n",
        paint(Style::Bold, &a.implementation),
        paint(Style::Bold, &b.implementation)
    ));
    let version = match &agreed.version {
        Some(v) => format!("{} ({})", v.version, v.hash_hex()),
        None => "none".into(),
    };
    s.push_str(&format!("  version    {version}\n"));
    let features = if agreed.features.is_empty() {
        "none".into()
    } else {
        agreed.features.join(", ")
    };
    s.push_str(&format!("  features   {features}\n"));
    let unchecked = agreed
        .usable
        .iter()
        .filter(|u| u.verdict == isa_negotiate::Verdict::LayoutUnknown)
        .count();
    s.push_str(&format!(
        "  usable     {} of {} / {} instructions",
        agreed.usable.len(),
        a.instructions.len(),
        b.instructions.len()
    ));
    if unchecked > 0 {
        s.push_str(&format!(" ({unchecked} with layout unchecked)"));
    }
    s.push('\n');
    if agreed.registers > 0 {
        s.push_str(&format!("  registers  {}\n", agreed.registers));
    }
    if !agreed.formats.is_empty() {
        s.push_str(&format!("  formats    {}\n", agreed.formats.join(" | ")));
    }
    if !agreed.reasons.is_empty() {
        s.push_str("  reasons:\n");
        for r in &agreed.reasons {
            s.push_str(&format!("    {} {r}\n", paint(Style::Dim, "-")));
        }
    }
    s
}

/// Runs `negotiate`.
pub fn run(args: Args) -> Result<u8> {
    let a = read_ad(&args.a)?;
    let b = read_ad(&args.b)?;
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
