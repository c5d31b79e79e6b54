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

mod errors;
mod store;
mod table;

use std::collections::BTreeMap;
use std::path::PathBuf;

use isa_core::{Aliases, CheckOptions, Report, Scheme, Severity};
use isa_report::check::FailOn;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

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

// ---------------------------------------------------------------------------------------------
// check

/// The result of `check`: every conflict among the tables, as the CLI reports them.
#[pyclass(frozen, module = "isa_authority._native", name = "Report")]
struct PyReport {
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

    /// The `check --format json` document, exactly as the CLI prints it.
    fn to_json(&self) -> String {
        isa_report::pretty_json(&isa_report::check::report_json(
            &self.report,
            self.fail_on,
            self.failed,
        ))
    }

    /// The `check` text report (no colour).
    fn to_text(&self) -> String {
        isa_report::check::render_text(&self.report, self.fail_on, self.failed)
    }

    /// The `check --format sarif` document (SARIF 2.1.0).
    fn to_sarif(&self) -> String {
        isa_report::pretty_json(&isa_report::check::sarif(&self.report))
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
                    Some(l) => (Some(l.file.as_str()), l.line, l.column),
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
fn check(
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
    let fail_on = crate::fail_on(py, fail_on)?;
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

// ---------------------------------------------------------------------------------------------
// arbitrate

/// The result of `arbitrate`: one consistent canonical table and every decision.
#[pyclass(frozen, module = "isa_authority._native", name = "Outcome")]
struct PyOutcome {
    outcome: isa_arbitrate::Outcome,
    strategy: isa_arbitrate::Strategy,
    tables: usize,
    canonical: Py<PyTable>,
}

#[pymethods]
impl PyOutcome {
    /// The canonical table.
    #[getter]
    fn canonical(&self, py: Python<'_>) -> Py<PyTable> {
        self.canonical.clone_ref(py)
    }

    /// The total renumbering cost.
    #[getter]
    fn cost(&self) -> f64 {
        self.outcome.cost.as_f64()
    }

    /// The `arbitrate --format json` document, exactly as the CLI prints it.
    fn to_json(&self) -> String {
        isa_report::pretty_json(&isa_report::arbitrate::outcome_json(&self.outcome))
    }

    /// The `arbitrate` text report (no colour).
    fn to_text(&self) -> String {
        isa_report::arbitrate::render_text(&self.outcome, self.strategy, self.tables)
    }
}

fn opcode_key(py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<u32> {
    if let Ok(n) = key.extract::<u32>() {
        return Ok(n);
    }
    let text: String = key.extract()?;
    isa_io::parse_number(&text).ok_or_else(|| {
        errors::error(
            py,
            "IsaAuthorityError",
            format!("`{text}` is not an opcode number (42 or 0x2A)"),
        )
    })
}

fn manual_decisions(
    py: Python<'_>,
    value: &Bound<'_, PyAny>,
) -> PyResult<Vec<isa_arbitrate::ManualDecision>> {
    if let Ok(path) = value.extract::<PathBuf>() {
        if !value.is_instance_of::<PyList>() {
            return isa_io::load_decisions(&path).map_err(|e| errors::load_error(py, &e));
        }
    }
    let mut out = Vec::new();
    for item in value.try_iter()? {
        let item = item?;
        let get = |key: &str| -> PyResult<Option<Bound<'_, PyAny>>> {
            match item.get_item(key) {
                Ok(v) if !v.is_none() => Ok(Some(v)),
                Ok(_) => Ok(None),
                Err(e) if e.is_instance_of::<pyo3::exceptions::PyKeyError>(py) => Ok(None),
                Err(e) => Err(e),
            }
        };
        let mnemonic: String = match get("mnemonic")? {
            Some(m) => m.extract()?,
            None => {
                return Err(errors::error(
                    py,
                    "IsaAuthorityError",
                    "a decision needs `mnemonic`",
                ))
            }
        };
        let opcode = match get("opcode")? {
            Some(o) => opcode_key(py, &o)?,
            None => {
                return Err(errors::error(
                    py,
                    "IsaAuthorityError",
                    "a decision needs `opcode`",
                ))
            }
        };
        let text =
            |key: &str| -> PyResult<Option<String>> { get(key)?.map(|v| v.extract()).transpose() };
        out.push(isa_arbitrate::ManualDecision {
            mnemonic,
            opcode,
            rationale: text("rationale")?,
            format: text("format")?,
            category: text("category")?,
            location: None,
        });
    }
    Ok(out)
}

type Usage = BTreeMap<String, BTreeMap<u32, u64>>;

fn usage_counts(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Usage> {
    if let Ok(map) = value.cast::<PyDict>() {
        let mut out = BTreeMap::new();
        for (name, counts) in map.iter() {
            let name: String = name.extract()?;
            let counts = counts.cast::<PyDict>()?;
            let mut inner = BTreeMap::new();
            for (op, count) in counts.iter() {
                inner.insert(opcode_key(py, &op)?, count.extract::<u64>()?);
            }
            out.insert(name, inner);
        }
        return Ok(out);
    }
    let path: PathBuf = value.extract()?;
    isa_io::load_usage(&path).map_err(|e| errors::load_error(py, &e))
}

/// `isa-authority arbitrate`: one consistent canonical table from `tables`.
#[pyfunction]
#[pyo3(signature = (tables, strategy="optimal", *, weights=None, spec=None, decisions=None, usage=None, aliases=None, scheme="flux-unified", name="canonical"))]
#[allow(clippy::too_many_arguments)] // the CLI's options, one keyword each
fn arbitrate(
    py: Python<'_>,
    tables: Vec<Bound<'_, PyTable>>,
    strategy: &str,
    weights: Option<BTreeMap<String, f64>>,
    spec: Option<String>,
    decisions: Option<Bound<'_, PyAny>>,
    usage: Option<Bound<'_, PyAny>>,
    aliases: Option<Bound<'_, PyAny>>,
    scheme: &str,
    name: &str,
) -> PyResult<PyOutcome> {
    let strategy = isa_arbitrate::Strategy::parse(strategy).ok_or_else(|| {
        errors::error(
            py,
            "ArbitrationError",
            format!(
                "unknown strategy `{strategy}` (choose oldest, voting, largest, spec or optimal)"
            ),
        )
    })?;
    let mut options = isa_arbitrate::Options::new(strategy);
    options.aliases = crate::aliases(py, aliases.as_ref())?;
    options.scheme = crate::scheme(py, scheme)?;
    options.spec = spec;
    options.name = name.to_string();
    options.weights = weights.unwrap_or_default();
    if let Some(d) = &decisions {
        options.decisions = manual_decisions(py, d)?;
    }
    if let Some(u) = &usage {
        options.usage = usage_counts(py, u)?;
    }
    let count = tables.len();
    let tables = owned_tables(&tables);
    let outcome = py
        .detach(move || isa_arbitrate::arbitrate(&tables, &options))
        .map_err(|e| errors::error(py, "ArbitrationError", e.to_string()))?;
    let canonical = Py::new(
        py,
        PyTable {
            inner: outcome.canonical.clone(),
        },
    )?;
    Ok(PyOutcome {
        outcome,
        strategy,
        tables: count,
        canonical,
    })
}

// ---------------------------------------------------------------------------------------------
// scan, load

/// `isa-authority scan`: the tables found in source files, and the `scan --format json`
/// document.
#[pyfunction]
#[pyo3(signature = (paths, *, min_confidence=0.5))]
fn scan(
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
fn load_table(py: Python<'_>, path: PathBuf) -> PyResult<PyTable> {
    py.detach(move || isa_io::load_table(&path))
        .map(|inner| PyTable { inner })
        .map_err(|e| errors::load_error(py, &e))
}

/// Loads tables as `check` does: files, directories of table files, source files (scanned on
/// the fly). Notes about skipped source files go to stderr, as the CLI prints them.
#[pyfunction]
fn load_tables(py: Python<'_>, paths: Vec<PathBuf>) -> PyResult<Vec<PyTable>> {
    py.detach(move || isa_authority_cli::inputs::load(&paths))
        .map(|tables| tables.into_iter().map(|inner| PyTable { inner }).collect())
        .map_err(|e| errors::load_errors(py, &e.0, None))
}

// ---------------------------------------------------------------------------------------------
// translate, gen

fn require_decodable(
    py: Python<'_>,
    table: &isa_core::Table,
    role: &str,
    scheme: &Scheme,
    aliases: &Aliases,
) -> PyResult<()> {
    isa_authority_cli::inputs::require_decodable(table, role, scheme, aliases)
        .map_err(|e| errors::anyhow_error(py, "UndecodableError", &e))
}

/// `isa-authority translate`: `data` rewritten from `source`'s numbering to `target`'s.
/// Returns the bytes and the summary the CLI prints with `--format json` (without file names).
#[pyfunction]
#[pyo3(signature = (data, source, target, *, aliases=None, scheme="flux-unified", from_scheme=None, to_scheme=None, container="auto"))]
#[allow(clippy::too_many_arguments)] // the CLI's options, one keyword each
fn translate<'py>(
    py: Python<'py>,
    data: &[u8],
    source: Bound<'py, PyTable>,
    target: Bound<'py, PyTable>,
    aliases: Option<Bound<'py, PyAny>>,
    scheme: &str,
    from_scheme: Option<&str>,
    to_scheme: Option<&str>,
    container: &str,
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyDict>)> {
    let aliases = crate::aliases(py, aliases.as_ref())?;
    let from = &source.get().inner;
    let to = &target.get().inner;
    let from_scheme = crate::scheme(py, from_scheme.unwrap_or(scheme))?;
    let to_scheme = crate::scheme(py, to_scheme.unwrap_or(scheme))?;
    require_decodable(py, from, "the source table", &from_scheme, &aliases)?;
    require_decodable(py, to, "the target table", &to_scheme, &aliases)?;
    let module = match container {
        "raw" => false,
        "module" => true,
        "auto" => isa_migrate::module::looks_like_module(data),
        other => {
            return Err(errors::error(
                py,
                "IsaAuthorityError",
                format!("container `{other}`: choose auto, raw or module"),
            ))
        }
    };
    let options = isa_migrate::TranslateOptions {
        aliases,
        from_scheme,
        to_scheme,
    };
    let translator = isa_migrate::Translator::new(from, to, &options)
        .map_err(|e| errors::error(py, "UndecodableError", e.to_string()))?;
    let result = py.detach(|| {
        if module {
            isa_migrate::translate_module(&translator, data)
                .map(|t| (t.bytes, t.stats))
                .map_err(|e| {
                    (
                        format!(
                            "cannot translate this FLUX module from {} to {}: {e}",
                            from.implementation, to.implementation
                        ),
                        None,
                    )
                })
        } else {
            translator
                .translate(data)
                .map(|t| (t.bytes, t.stats))
                .map_err(|e| {
                    (
                        format!(
                            "cannot translate from {} to {}: {e}",
                            from.implementation, to.implementation
                        ),
                        Some(e.offset),
                    )
                })
        }
    });
    let (bytes, stats) = result.map_err(|(m, offset)| errors::translate_error(py, &m, offset))?;
    let summary = PyDict::new(py);
    summary.set_item("from", &from.implementation)?;
    summary.set_item("to", &to.implementation)?;
    summary.set_item("container", if module { "module" } else { "raw" })?;
    summary.set_item("instructions", stats.instructions)?;
    summary.set_item("bytes_in", data.len())?;
    summary.set_item("bytes_out", bytes.len())?;
    summary.set_item("branches_fixed", stats.branches_fixed)?;
    summary.set_item("same_size", stats.same_size)?;
    Ok((PyBytes::new(py, &bytes), summary))
}

/// `isa-authority gen`: the table as code. Returns the file and the identifier renames.
#[pyfunction]
#[pyo3(signature = (table, lang, *, isa_version=None, scheme="flux-unified"))]
fn gen(
    py: Python<'_>,
    table: Bound<'_, PyTable>,
    lang: &str,
    isa_version: Option<String>,
    scheme: &str,
) -> PyResult<(String, Vec<String>)> {
    let lang_value = isa_codegen::Lang::parse(lang).ok_or_else(|| {
        errors::error(
            py,
            "CodegenError",
            format!(
                "unknown language `{lang}` (choose python, go, typescript, rust, c or markdown)"
            ),
        )
    })?;
    let table = &table.get().inner;
    let mut meta = isa_codegen::Meta::for_table(table);
    if let Some(v) = isa_version {
        meta.isa_version = v;
    }
    meta.scheme = crate::scheme(py, scheme)?;
    require_decodable(py, table, "the table", &meta.scheme, &Aliases::new())?;
    let generated = py
        .detach(|| isa_codegen::render(lang_value, table, &meta))
        .map_err(|e| {
            errors::error(
                py,
                "CodegenError",
                format!("cannot generate a {lang_value} table: {e}"),
            )
        })?;
    let renames = generated.renames.iter().map(|r| r.to_string()).collect();
    Ok((generated.code, renames))
}

// ---------------------------------------------------------------------------------------------
// diff, migrate plan, versions, hashes

fn renames_map(renames: Option<BTreeMap<String, String>>) -> BTreeMap<String, String> {
    renames.unwrap_or_default()
}

/// The identity diff of two tables (`isa_core::diff`), as the `diff --format json` document.
#[pyfunction]
#[pyo3(signature = (old, new, *, renames=None, aliases=None, scheme="flux-unified", new_scheme=None))]
fn diff(
    py: Python<'_>,
    old: Bound<'_, PyTable>,
    new: Bound<'_, PyTable>,
    renames: Option<BTreeMap<String, String>>,
    aliases: Option<Bound<'_, PyAny>>,
    scheme: &str,
    new_scheme: Option<&str>,
) -> PyResult<String> {
    let options = isa_core::diff::DiffOptions {
        aliases: crate::aliases(py, aliases.as_ref())?,
        scheme: crate::scheme(py, scheme)?,
        new_scheme: new_scheme.map(|s| crate::scheme(py, s)).transpose()?,
        renames: renames_map(renames),
    };
    let (a, b) = (&old.get().inner, &new.get().inner);
    let d = py.detach(|| isa_core::diff::diff(a, b, &options));
    Ok(isa_report::pretty_json(&isa_report::store::diff_json(
        &a.implementation,
        &b.implementation,
        &d,
    )))
}

/// `isa-authority migrate plan`: the plan from `old` to `new` as its JSON document.
#[pyfunction]
#[pyo3(signature = (old, new, *, renames=None, aliases=None, scheme="flux-unified", from_scheme=None, to_scheme=None))]
#[allow(clippy::too_many_arguments)] // the CLI's options, one keyword each
fn migrate_plan(
    py: Python<'_>,
    old: Bound<'_, PyTable>,
    new: Bound<'_, PyTable>,
    renames: Option<BTreeMap<String, String>>,
    aliases: Option<Bound<'_, PyAny>>,
    scheme: &str,
    from_scheme: Option<&str>,
    to_scheme: Option<&str>,
) -> PyResult<String> {
    let options = isa_migrate::PlanOptions {
        aliases: crate::aliases(py, aliases.as_ref())?,
        from_scheme: crate::scheme(py, from_scheme.unwrap_or(scheme))?,
        to_scheme: crate::scheme(py, to_scheme.unwrap_or(scheme))?,
        renames: renames_map(renames),
    };
    let (a, b) = (&old.get().inner, &new.get().inner);
    let plan = py.detach(|| isa_migrate::plan(a, b, &options));
    Ok(isa_report::pretty_json(&isa_report::migrate::plan_json(
        &plan,
    )))
}

/// The semantic version in a label, by the rule `advertise` reads a table's `isa_version`
/// with (`v1.0` → 1.0.0, `2` is not one but `v2` is, `FLUX ISA v2.0` → 2.0.0), or `None`.
#[pyfunction]
fn parse_version(text: &str) -> Option<String> {
    isa_negotiate::version_from_text(text).map(|v| v.to_string())
}

/// Compares two version labels by semantic-version precedence: -1, 0 or 1. A bare integer
/// (`2`) counts as a major version here, since a label given alone names a version.
#[pyfunction]
fn compare_versions(py: Python<'_>, a: &str, b: &str) -> PyResult<i32> {
    let parse = |text: &str| {
        isa_negotiate::version_from_text(text)
            .or_else(|| {
                text.trim()
                    .parse::<u64>()
                    .ok()
                    .map(|major| isa_negotiate::Version::new(major, 0, 0))
            })
            .ok_or_else(|| {
                errors::error(
                    py,
                    "IsaAuthorityError",
                    format!("`{text}` is not a version label (write 1.2.0, v1.2 or v1)"),
                )
            })
    };
    let (a, b) = (parse(a)?, parse(b)?);
    Ok(match a.cmp_precedence(&b) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    })
}

// ---------------------------------------------------------------------------------------------
// advertise, negotiate

/// A capability advertisement, as `isa-authority advertise` builds it.
#[pyclass(frozen, module = "isa_authority._native", name = "Advertisement")]
struct PyAdvertisement {
    ad: isa_negotiate::Advertisement<'static>,
    notes: Vec<String>,
}

#[pymethods]
impl PyAdvertisement {
    /// Reads an advertisement (binary or JSON, as `negotiate` reads its files); `name` labels
    /// it in errors.
    #[staticmethod]
    #[pyo3(signature = (data, name="<advertisement>"))]
    fn from_bytes(py: Python<'_>, data: &[u8], name: &str) -> PyResult<PyAdvertisement> {
        let ad = isa_authority_cli::inputs::parse_unchecked(data, name)
            .map_err(|e| errors::anyhow_error(py, "AdvertisementError", &e))?;
        ad.check_mnemonics().map_err(|e| {
            errors::error(
                py,
                "AdvertisementError",
                format!("{name}: malformed advertisement: {e}"),
            )
        })?;
        Ok(PyAdvertisement {
            ad,
            notes: Vec::new(),
        })
    }

    /// The binary wire encoding (`advertise --format binary`).
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = isa_negotiate::encode_advertisement(&self.ad)
            .map_err(|e| errors::error(py, "AdvertisementError", format!("cannot encode: {e}")))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// The JSON encoding (`advertise --format json`).
    fn to_json(&self) -> String {
        let mut text = isa_negotiate::json::advertisement_to_json(&self.ad);
        text.push('\n');
        text
    }

    /// Implementation name.
    #[getter]
    fn implementation(&self) -> String {
        self.ad.implementation.to_string()
    }

    /// Claimed versions: `(label, "sha256:…")`, ascending.
    #[getter]
    fn versions(&self) -> Vec<(String, String)> {
        self.ad
            .versions
            .iter()
            .map(|v| (v.version.to_string(), v.hash_hex()))
            .collect()
    }

    /// Format letters the implementation decodes.
    #[getter]
    fn formats(&self) -> Vec<String> {
        let mut letters: Vec<String> = self
            .ad
            .formats
            .iter()
            .map(|f| f.letter.to_string())
            .collect();
        letters.dedup();
        letters
    }

    /// Feature groups claimed (`category:arith`, or the names of a groups file).
    #[getter]
    fn features(&self) -> Vec<String> {
        self.ad.groups.iter().map(|g| g.name.to_string()).collect()
    }

    /// Register count (0: not stated).
    #[getter]
    fn registers(&self) -> u16 {
        self.ad.registers
    }

    /// Notes from building it (no version label in the table, groups not claimed, …).
    #[getter]
    fn notes(&self) -> Vec<String> {
        self.notes.clone()
    }

    fn __len__(&self) -> usize {
        self.ad.instructions.len()
    }
}

/// `isa-authority advertise`: the advertisement of `table`.
#[pyfunction]
#[pyo3(signature = (table, *, isa_version=None, groups=None, registers=0, digest_only=false, scheme="flux-unified", store=None))]
#[allow(clippy::too_many_arguments)] // the CLI's options, one keyword each
fn advertise(
    py: Python<'_>,
    table: Bound<'_, PyTable>,
    isa_version: Option<String>,
    groups: Option<PathBuf>,
    registers: u16,
    digest_only: bool,
    scheme: &str,
    store: Option<PathBuf>,
) -> PyResult<PyAdvertisement> {
    let table = &table.get().inner;
    let file = table.implementation.clone();
    let scheme = crate::scheme(py, scheme)?;
    let fail = |e: anyhow::Error| errors::anyhow_error(py, "AdvertisementError", &e);
    // As `advertise`: the advertisement's identities are normalised mnemonics, no alias map.
    require_decodable(py, table, "the table", &scheme, &Aliases::new())?;
    let mut notes = Vec::new();
    let mut claims = Vec::new();
    if let Some(dir) = &store {
        claims =
            isa_authority_cli::advertise::store_claims(table, &file, dir, &scheme).map_err(fail)?;
    }
    if claims.is_empty() {
        let (claim, note) =
            isa_authority_cli::advertise::bare_claim_quiet(table, &file, isa_version.as_deref())
                .map_err(fail)?;
        notes.extend(note);
        claims.push(claim);
    }
    let groups = match &groups {
        Some(path) => {
            let decls = isa_io::load_groups(path).map_err(|e| fail(anyhow::Error::new(e)))?;
            isa_negotiate::resolve(&decls).map_err(|e| {
                errors::error(py, "AdvertisementError", format!("{}: {e}", path.display()))
            })?
        }
        None => isa_negotiate::category_groups(table),
    };
    let (ad, built_notes) = isa_negotiate::build(
        table,
        &isa_negotiate::BuildOptions {
            scheme: &scheme,
            versions: claims,
            registers,
            groups,
            mnemonics: !digest_only,
        },
    )
    .map_err(|e| {
        errors::error(
            py,
            "AdvertisementError",
            format!("{file}: cannot advertise: {e}"),
        )
    })?;
    notes.extend(built_notes.iter().map(|n| format!("{file}: {n}")));
    Ok(PyAdvertisement {
        ad: ad.into_owned(),
        notes,
    })
}

/// `isa-authority negotiate`: `(compatible, json, text)`, the JSON and text as the CLI prints
/// them.
#[pyfunction]
fn negotiate(
    py: Python<'_>,
    a: Bound<'_, PyAdvertisement>,
    b: Bound<'_, PyAdvertisement>,
) -> PyResult<(bool, String, String)> {
    let (a, b) = (&a.get().ad, &b.get().ad);
    let agreed = py.detach(|| isa_negotiate::negotiate(a, b));
    let json = isa_report::pretty_json(&isa_report::negotiate::agreement_json(&agreed));
    let text = isa_report::negotiate::text_report(a, b, &agreed);
    Ok((agreed.compatible, json, text))
}

/// How many instructions two advertisements can share (same number, name, bytes, operands).
#[pyfunction]
fn usable_count(a: Bound<'_, PyAdvertisement>, b: Bound<'_, PyAdvertisement>) -> usize {
    isa_negotiate::usable_count(&a.get().ad, &b.get().ad)
}

/// The comparison keys of mnemonics (trimmed, upper-cased, aliased: `isa_core::Aliases::key`),
/// which is how every command decides that two entries name one instruction.
#[pyfunction]
#[pyo3(signature = (mnemonics, aliases=None))]
fn mnemonic_keys(
    py: Python<'_>,
    mnemonics: Vec<String>,
    aliases: Option<Bound<'_, PyAny>>,
) -> PyResult<Vec<String>> {
    let aliases = crate::aliases(py, aliases.as_ref())?;
    Ok(mnemonics.iter().map(|m| aliases.key(m)).collect())
}

/// Raises `UndecodableError` (with `check`'s findings, as `translate`, `gen`, `advertise` and
/// `propose` do) when `table`'s bytecode cannot be decoded unambiguously.
#[pyfunction(name = "require_decodable")]
#[pyo3(signature = (table, role="the table", *, scheme="flux-unified", aliases=None))]
fn require_decodable_py(
    py: Python<'_>,
    table: Bound<'_, PyTable>,
    role: &str,
    scheme: &str,
    aliases: Option<Bound<'_, PyAny>>,
) -> PyResult<()> {
    let aliases = crate::aliases(py, aliases.as_ref())?;
    let scheme = crate::scheme(py, scheme)?;
    require_decodable(py, &table.get().inner, role, &scheme, &aliases)
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
    m.add_class::<PyReport>()?;
    m.add_class::<PyOutcome>()?;
    m.add_class::<PyAdvertisement>()?;
    m.add_class::<store::PyStore>()?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(arbitrate, m)?)?;
    m.add_function(wrap_pyfunction!(scan, m)?)?;
    m.add_function(wrap_pyfunction!(load_table, m)?)?;
    m.add_function(wrap_pyfunction!(load_tables, m)?)?;
    m.add_function(wrap_pyfunction!(translate, m)?)?;
    m.add_function(wrap_pyfunction!(gen, m)?)?;
    m.add_function(wrap_pyfunction!(diff, m)?)?;
    m.add_function(wrap_pyfunction!(migrate_plan, m)?)?;
    m.add_function(wrap_pyfunction!(parse_version, m)?)?;
    m.add_function(wrap_pyfunction!(compare_versions, m)?)?;
    m.add_function(wrap_pyfunction!(advertise, m)?)?;
    m.add_function(wrap_pyfunction!(negotiate, m)?)?;
    m.add_function(wrap_pyfunction!(usable_count, m)?)?;
    m.add_function(wrap_pyfunction!(mnemonic_keys, m)?)?;
    m.add_function(wrap_pyfunction!(require_decodable_py, m)?)?;
    m.add_function(wrap_pyfunction!(store::keygen, m)?)?;
    m.add_function(wrap_pyfunction!(cli_main, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
