//! # isa_authority._native: the Rust core as a Python extension module
//!
//! The Python package `isa_authority` (in `python/isa_authority/`) is a thin layer over this
//! module: every detection, arbitration, diff, hash, negotiation, translation and code
//! generation happens here, in the workspace's crates, and Python only converts data. The
//! functions mirror the CLI subcommands and call the library crates the way the subcommands do
//! (its reports through `isa-report`, the renderers every front end shares), so that a report
//! rendered here is byte for byte what the command prints: `Report::to_json` is `check
//! --format json`, `Outcome::to_json` is `arbitrate --format json`, and so on.
//!
//! Trade-offs: results cross into Python mostly as the CLI's JSON documents (parsed by the
//! Python layer) rather than as one Python class per Rust type. That keeps a single definition
//! of each contract — the CLI's — at the cost of a JSON round trip, which is small next to the
//! work itself. Tables stay native ([`table::PyTable`]) because they are the inputs of
//! everything. Long calls release the GIL (`Python::detach`): they touch no Python object.
//!
//! Layout: one module per area, each holding the classes and functions of its subcommands —
//! `check`, `arbitrate`, `load` (scan and table files), `translate` (translate, gen and the
//! decodability check), `migrate` (diff, migrate plan, version labels), `negotiate`
//! (advertisements), `store`, plus `table` (the native table) and `errors` (the exception
//! classes). This file holds the argument conversions they share, the in-process command line
//! and the one `#[pymodule]` that registers everything under `isa_authority._native`.

mod arbitrate;
mod check;
mod errors;
mod load;
mod migrate;
mod negotiate;
mod store;
mod table;
mod translate;

use std::path::PathBuf;

use isa_core::{Aliases, Scheme};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use table::PyTable;

/// A built-in scheme by name, or `ValueError` naming the choices.
fn scheme(py: Python<'_>, name: &str) -> PyResult<Scheme> {
    Scheme::builtin(name).ok_or_else(|| {
        errors::error(
            py,
            "IsaAuthorityError",
            format!(
                "unknown scheme `{name}` (choose {})",
                Scheme::BUILTIN_NAMES.join(" or ")
            ),
        )
    })
}

/// An alias map from `None`, a path to an alias file (TOML or JSON, as `--aliases`), or a
/// mapping `{alias: canonical}`.
fn aliases(py: Python<'_>, value: Option<&Bound<'_, PyAny>>) -> PyResult<Aliases> {
    let Some(value) = value else {
        return Ok(Aliases::new());
    };
    if value.is_none() {
        return Ok(Aliases::new());
    }
    if let Ok(map) = value.cast::<PyDict>() {
        let mut out = Aliases::new();
        for (k, v) in map.iter() {
            let (alias, canonical): (String, String) = (k.extract()?, v.extract()?);
            out.insert(&alias, &canonical)
                .map_err(|e| errors::error(py, "IsaAuthorityError", format!("aliases: {e}")))?;
        }
        return Ok(out);
    }
    let path: PathBuf = value.extract()?;
    isa_io::load_aliases(&path).map_err(|e| errors::load_error(py, &e))
}

fn owned_tables(tables: &[Bound<'_, PyTable>]) -> Vec<isa_core::Table> {
    tables.iter().map(|t| t.get().inner.clone()).collect()
}

// ---------------------------------------------------------------------------------------------
// the command line

/// Runs the `isa-authority` command line in this process: `argv` is the whole command line,
/// program name first. Returns the exit code. With `restore_sigpipe` (the console script,
/// whose process is nothing but the command) a closed pipe ends the process quietly, as it
/// ends the binary. A panic is reported as the binary reports it, with its exit code 101.
#[pyfunction]
#[pyo3(signature = (argv, *, restore_sigpipe=false))]
fn cli_main(py: Python<'_>, argv: Vec<std::ffi::OsString>, restore_sigpipe: bool) -> u8 {
    if restore_sigpipe {
        isa_authority_cli::restore_sigpipe();
    }
    py.detach(move || std::panic::catch_unwind(move || isa_authority_cli::run(argv)).unwrap_or(101))
}

/// The native half of the `isa_authority` package.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyTable>()?;
    m.add_class::<check::PyReport>()?;
    m.add_class::<arbitrate::PyOutcome>()?;
    m.add_class::<negotiate::PyAdvertisement>()?;
    m.add_class::<store::PyStore>()?;
    m.add_function(wrap_pyfunction!(check::check, m)?)?;
    m.add_function(wrap_pyfunction!(arbitrate::arbitrate, m)?)?;
    m.add_function(wrap_pyfunction!(load::scan, m)?)?;
    m.add_function(wrap_pyfunction!(load::load_table, m)?)?;
    m.add_function(wrap_pyfunction!(load::load_tables, m)?)?;
    m.add_function(wrap_pyfunction!(translate::translate, m)?)?;
    m.add_function(wrap_pyfunction!(translate::gen, m)?)?;
    m.add_function(wrap_pyfunction!(migrate::diff, m)?)?;
    m.add_function(wrap_pyfunction!(migrate::migrate_plan, m)?)?;
    m.add_function(wrap_pyfunction!(migrate::parse_version, m)?)?;
    m.add_function(wrap_pyfunction!(migrate::compare_versions, m)?)?;
    m.add_function(wrap_pyfunction!(negotiate::advertise, m)?)?;
    m.add_function(wrap_pyfunction!(negotiate::negotiate, m)?)?;
    m.add_function(wrap_pyfunction!(negotiate::usable_count, m)?)?;
    m.add_function(wrap_pyfunction!(check::mnemonic_keys, m)?)?;
    m.add_function(wrap_pyfunction!(translate::require_decodable_py, m)?)?;
    m.add_function(wrap_pyfunction!(store::keygen, m)?)?;
    m.add_function(wrap_pyfunction!(cli_main, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
