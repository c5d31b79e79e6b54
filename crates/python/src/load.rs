//! Getting tables: `scan` of source files, and loading table files as `check` does.

use std::path::PathBuf;

use pyo3::prelude::*;

use crate::errors;
use crate::table::PyTable;

/// `isa-authority scan`: the tables found in source files, and the `scan --format json`
/// document.
#[pyfunction]
#[pyo3(signature = (paths, *, min_confidence=isa_scan::classify::DEFAULT_MIN_CONFIDENCE))]
pub fn scan(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    min_confidence: f32,
) -> PyResult<(String, Vec<PyTable>)> {
    if !(0.0..=1.0).contains(&min_confidence) || min_confidence.is_nan() {
        return Err(errors::error(
            py,
            "IsaAuthorityError",
            format!("min_confidence {min_confidence}: must be between 0 and 1"),
        ));
    }
    for p in &paths {
        if !p.exists() {
            return Err(errors::load_error(
                py,
                &isa_io::LoadError::file(&p.display().to_string(), "no such file or directory"),
            ));
        }
    }
    let options = isa_scan::ScanOptions {
        min_confidence,
        progress: false,
        ..isa_scan::ScanOptions::default()
    };
    let outcome = py.detach(move || isa_scan::scan_paths(&paths, &options));
    let json = isa_report::pretty_json(&isa_report::scan::scan_json(&outcome));
    let tables = outcome
        .tables
        .into_iter()
        .map(|t| PyTable { inner: t.table })
        .collect();
    Ok((json, tables))
}

/// Loads one table file (`.json` or `.toml`).
#[pyfunction]
pub fn load_table(py: Python<'_>, path: PathBuf) -> PyResult<PyTable> {
    py.detach(move || isa_io::load_table(&path))
        .map(|inner| PyTable { inner })
        .map_err(|e| errors::load_error(py, &e))
}

/// Loads tables as `check` does: files, directories of table files, source files (scanned on
/// the fly). Notes about skipped source files go to stderr, as the CLI prints them.
#[pyfunction]
pub fn load_tables(py: Python<'_>, paths: Vec<PathBuf>) -> PyResult<Vec<PyTable>> {
    py.detach(move || isa_authority_cli::inputs::load(&paths))
        .map(|tables| tables.into_iter().map(|inner| PyTable { inner }).collect())
        .map_err(|e| errors::load_errors(py, &e.0, None))
}
