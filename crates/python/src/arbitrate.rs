//! `arbitrate`: one canonical table from many, with the conversions of its inputs (manual
//! decisions and usage counts, from files or Python values) and its outcome.

use std::collections::BTreeMap;
use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::errors;
use crate::owned_tables;
use crate::table::PyTable;

/// The result of `arbitrate`: one consistent canonical table and every decision.
#[pyclass(frozen, module = "isa_authority._native", name = "Outcome")]
pub struct PyOutcome {
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
pub fn arbitrate(
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
