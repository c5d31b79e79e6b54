//! `check`: conflict detection among tables, and its report as the CLI renders it; also the
//! mnemonic comparison keys detection (and every other command) uses.

use isa_core::{CheckOptions, Report, Severity};
use isa_report::check::FailOn;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::errors;
use crate::owned_tables;
use crate::table::PyTable;

fn fail_on(py: Python<'_>, text: &str) -> PyResult<FailOn> {
    Ok(match text {
        "critical" => FailOn::Critical,
        "error" => FailOn::Error,
        "warning" => FailOn::Warning,
        "info" => FailOn::Info,
        "never" => FailOn::Never,
        other => {
            return Err(errors::error(
                py,
                "IsaAuthorityError",
                format!("fail_on `{other}`: choose critical, error, warning, info or never"),
            ))
        }
    })
}

/// The result of `check`: every conflict among the tables, as the CLI reports them.
#[pyclass(frozen, module = "isa_authority._native", name = "Report")]
pub struct PyReport {
    report: Report,
    fail_on: FailOn,
    failed: bool,
}

#[pymethods]
impl PyReport {
    /// True when a conflict is at or above `fail_on` (the CLI exits 1 then).
    #[getter]
    fn failed(&self) -> bool {
        self.failed
    }

    /// The `check --format json` document, exactly as the CLI prints it (by the same writer,
    /// without the document's tree of values: for 1,000 tables that tree was gigabytes).
    fn to_json(&self) -> String {
        let mut out = Vec::new();
        isa_report::check::write_report_json(&mut out, &self.report, self.fail_on, self.failed)
            .expect("writing to memory does not fail");
        String::from_utf8(out).expect("the document is UTF-8")
    }

    /// The `check` text report (no colour).
    fn to_text(&self) -> String {
        isa_report::check::render_text(&self.report, self.fail_on, self.failed)
    }

    /// The `check --format sarif` document (SARIF 2.1.0), written as the CLI writes it.
    fn to_sarif(&self) -> String {
        let mut out = Vec::new();
        isa_report::check::write_sarif(&mut out, &self.report)
            .expect("writing to memory does not fail");
        String::from_utf8(out).expect("the log is UTF-8")
    }

    fn __len__(&self) -> usize {
        self.report.conflicts.len()
    }

    /// The conflicts as tuples, in report order — the fields of `to_json()`'s conflicts,
    /// built directly (a large report's JSON text costs more than the detection):
    /// `(id, kind, severity, opcode, mnemonic, implementations, entries, message)`, each entry
    /// `(implementation, opcode, mnemonic, format, layout, file, line, column)`.
    fn conflicts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        for c in &self.report.conflicts {
            let entries = PyList::empty(py);
            for e in &c.entries {
                let (file, line, column) = match &e.location {
                    Some(l) => (Some(&*l.file), l.line, l.column),
                    None => (None, 0, 0),
                };
                entries.append((
                    &*e.implementation,
                    e.opcode,
                    e.mnemonic.as_deref(),
                    e.format.as_deref(),
                    e.layout.as_deref(),
                    file,
                    line,
                    column,
                ))?;
            }
            let implementations: Vec<&str> = c.implementations.iter().map(|s| &**s).collect();
            out.append((
                c.id.as_str(),
                c.kind.as_str(),
                c.severity.as_str(),
                c.opcode,
                c.mnemonic.as_deref(),
                implementations,
                entries,
                c.message.as_str(),
            ))?;
        }
        Ok(out)
    }

    /// The report's `summary` object (as in `to_json()`).
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = &self.report.summary;
        let d = PyDict::new(py);
        d.set_item("tables", s.tables)?;
        d.set_item("entries", s.entries)?;
        d.set_item("instructions", s.instructions)?;
        d.set_item("conflicts", self.report.conflicts.len())?;
        let by_severity = PyDict::new(py);
        for sev in Severity::DESCENDING {
            by_severity.set_item(sev.as_str(), s.by_severity.get(&sev).copied().unwrap_or(0))?;
        }
        d.set_item("by_severity", by_severity)?;
        let by_kind = PyDict::new(py);
        for k in isa_core::ConflictKind::ALL {
            by_kind.set_item(k.as_str(), s.by_kind.get(&k).copied().unwrap_or(0))?;
        }
        d.set_item("by_kind", by_kind)?;
        d.set_item("fail_on", self.fail_on.as_str())?;
        d.set_item("failed", self.failed)?;
        Ok(d)
    }
}

/// `isa-authority check`: every conflict among `tables`, N-way.
#[pyfunction]
#[pyo3(signature = (tables, *, aliases=None, scheme="flux-unified", fail_on="error", no_info=false))]
pub fn check(
    py: Python<'_>,
    tables: Vec<Bound<'_, PyTable>>,
    aliases: Option<Bound<'_, PyAny>>,
    scheme: &str,
    fail_on: &str,
    no_info: bool,
) -> PyResult<PyReport> {
    let options = CheckOptions {
        aliases: crate::aliases(py, aliases.as_ref())?,
        scheme: crate::scheme(py, scheme)?,
        ..CheckOptions::new()
    };
    let fail_on = self::fail_on(py, fail_on)?;
    let tables = owned_tables(&tables);
    // The same names twice would make every per-implementation count ambiguous; the CLI's
    // loader refuses them with this error before detection.
    let duplicates = isa_io::read::duplicate_implementations(&tables);
    if !duplicates.is_empty() {
        return Err(errors::load_errors(py, &duplicates, None));
    }
    let report = py.detach(move || {
        let mut report = isa_core::detect(&tables, &options);
        // As `check --no-info`.
        if no_info {
            report.drop_info();
        }
        report
    });
    let failed = fail_on
        .threshold()
        .is_some_and(|t| report.count_at_least(t) > 0);
    Ok(PyReport {
        report,
        fail_on,
        failed,
    })
}

/// The comparison keys of mnemonics (trimmed, upper-cased, aliased: `isa_core::Aliases::key`),
/// which is how every command decides that two entries name one instruction.
#[pyfunction]
#[pyo3(signature = (mnemonics, aliases=None))]
pub fn mnemonic_keys(
    py: Python<'_>,
    mnemonics: Vec<String>,
    aliases: Option<Bound<'_, PyAny>>,
) -> PyResult<Vec<String>> {
    let aliases = crate::aliases(py, aliases.as_ref())?;
    Ok(mnemonics.iter().map(|m| aliases.key(m)).collect())
}
