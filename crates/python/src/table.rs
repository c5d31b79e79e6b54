//! `Table`: one implementation's opcode table, held natively (an `isa_core::Table`).
//!
//! Tables are the input of every operation, so they stay on the Rust side: a table loaded from
//! a file keeps each entry's location, and one built from Python values is checked by the same
//! rules the file readers apply to those values, so that nothing a file could not hold gets in.

use isa_core::{Entry, EntryText, Location, Table};
use isa_io::{LoadError, TableFormat};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::errors;

/// One implementation's opcode table (immutable).
#[pyclass(frozen, module = "isa_authority._native", name = "Table")]
pub struct PyTable {
    pub inner: Table,
}

/// The fields of one entry as the Python side passes them:
/// `(opcode, mnemonic, format, category, description)`.
type EntryTuple<'py> = (
    Bound<'py, PyAny>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|s| !s.is_empty())
}

impl PyTable {
    fn parse(py: Python<'_>, text: &str, file: &str, format: TableFormat) -> PyResult<PyTable> {
        isa_io::parse_table(file, text, format)
            .map(|inner| PyTable { inner })
            .map_err(|e| errors::load_error(py, &e))
    }
}

#[pymethods]
impl PyTable {
    /// Parses interchange JSON text; `file` names it in errors and locations.
    #[staticmethod]
    #[pyo3(signature = (text, file="<json>"))]
    fn from_json(py: Python<'_>, text: &str, file: &str) -> PyResult<PyTable> {
        PyTable::parse(py, text, file, TableFormat::Json)
    }

    /// Parses TOML table text; `file` names it in errors and locations.
    #[staticmethod]
    #[pyo3(signature = (text, file="<toml>"))]
    fn from_toml(py: Python<'_>, text: &str, file: &str) -> PyResult<PyTable> {
        PyTable::parse(py, text, file, TableFormat::Toml)
    }

    /// Builds a table from `(opcode, mnemonic, format, category, description)` tuples, in
    /// order. Every entry is located at `file` (default: the implementation name), line = its
    /// 1-based position in the list, so conflicts point back at the entry. Empty strings mean
    /// "not given" for format, category and description; an empty mnemonic is an error, as in
    /// a table file. Duplicates are kept: detecting them is `check`'s job.
    #[staticmethod]
    #[pyo3(signature = (implementation, entries, *, language=None, isa_version=None, registered=None, file=None))]
    fn from_entries(
        py: Python<'_>,
        implementation: &str,
        entries: Vec<EntryTuple<'_>>,
        language: Option<String>,
        isa_version: Option<String>,
        registered: Option<&str>,
        file: Option<String>,
    ) -> PyResult<PyTable> {
        let file = file.unwrap_or_else(|| implementation.to_string());
        let fail = |line: usize, message: String| {
            errors::load_error(
                py,
                &LoadError {
                    file: file.clone(),
                    line: u32::try_from(line).unwrap_or(u32::MAX),
                    column: 0,
                    message,
                    hint: None,
                },
            )
        };
        if implementation.trim().is_empty() {
            return Err(fail(0, "`implementation` is empty".into()));
        }
        isa_core::mnemonic::check_name(implementation)
            .map_err(|e| fail(0, format!("`implementation` {e}")))?;
        let mut table = Table::new(implementation);
        table.language = non_empty(language);
        table.isa_version = non_empty(isa_version);
        if let Some(date) = registered {
            table.registered = Some(
                isa_core::Date::parse(date)
                    .map_err(|e| fail(0, format!("`registered` {date:?}: {e}")))?,
            );
        }
        table.entries.reserve(entries.len());
        for (index, (opcode, mnemonic, format, category, description)) in
            entries.into_iter().enumerate()
        {
            let line = index + 1;
            let what = format!("opcodes[{index}]");
            let opcode = match opcode.extract::<i128>() {
                Ok(n) if (0..=i128::from(u32::MAX)).contains(&n) => n as u32,
                Ok(n) => {
                    return Err(fail(
                        line,
                        format!("`opcode` of {what} is {n}, outside 0-4294967295"),
                    ))
                }
                Err(_) => {
                    return Err(fail(
                        line,
                        format!(
                            "`opcode` of {what} must be an integer, found {}",
                            opcode
                                .get_type()
                                .name()
                                .map(|n| n.to_string())
                                .unwrap_or_else(|_| "?".into())
                        ),
                    ))
                }
            };
            if let Some(m) = &mnemonic {
                if m.trim().is_empty() {
                    return Err(fail(line, format!("`mnemonic` of {what} is empty")));
                }
                isa_core::mnemonic::check_name(m)
                    .map_err(|e| fail(line, format!("`mnemonic` of {what} {e}")))?;
            }
            let format = non_empty(format);
            if let Some(f) = &format {
                isa_core::mnemonic::check_name(f)
                    .map_err(|e| fail(line, format!("`format` of {what} {e}")))?;
            }
            table.entries.push(Entry {
                opcode,
                mnemonic: mnemonic.map(Into::into),
                format: format.map(Into::into),
                category: non_empty(category).map(Into::into),
                location: Some(Location::new(file.clone(), line as u32, 0)),
                details: EntryText {
                    description: non_empty(description),
                    ..EntryText::default()
                }
                .into(),
                ..Entry::default()
            });
        }
        table.location = Some(Location::new(file.clone(), 0, 0));
        Ok(PyTable { inner: table })
    }

    /// The implementation name.
    #[getter]
    fn implementation(&self) -> String {
        self.inner.implementation.clone()
    }

    /// The source language, when known.
    #[getter]
    fn language(&self) -> Option<String> {
        self.inner.language.clone()
    }

    /// What the table calls its ISA version (free text).
    #[getter]
    fn isa_version(&self) -> Option<String> {
        self.inner.isa_version.clone()
    }

    /// The registration date (`YYYY-MM-DD`), used by the `oldest` strategy.
    #[getter]
    fn registered(&self) -> Option<String> {
        self.inner.registered.map(|d| d.to_string())
    }

    /// The file the table was read from, when it was read from one.
    #[getter]
    fn file(&self) -> Option<String> {
        self.inner.location.as_ref().map(|l| l.file.to_string())
    }

    /// The entries, in order, as dictionaries (the interchange keys, plus `file`, `line` and
    /// `column` of the entry's location, `None` when unknown).
    fn entries<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for e in &self.inner.entries {
            let d = PyDict::new(py);
            d.set_item("opcode", e.opcode)?;
            d.set_item("mnemonic", e.mnemonic.as_deref())?;
            d.set_item("format", e.format.as_deref())?;
            d.set_item("category", e.category.as_deref())?;
            d.set_item("description", e.description())?;
            d.set_item("operands", e.operands())?;
            d.set_item("reserved", e.reserved)?;
            d.set_item("size_bytes", e.size_bytes)?;
            d.set_item("status", e.status.map(|s| s.as_str()))?;
            d.set_item("branch", e.branch())?;
            d.set_item("source_name", e.source_name())?;
            d.set_item("file", e.location.as_ref().map(|l| &*l.file))?;
            d.set_item("line", e.location.as_ref().map(|l| l.line))?;
            d.set_item("column", e.location.as_ref().map(|l| l.column))?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// The number of instructions (entries that are neither reserved nor nameless).
    fn instruction_count(&self) -> usize {
        self.inner.instructions().count()
    }

    /// The content hash of what the table means (`sha256:…`, `isa_core::hash::table_hash`):
    /// names, dates and descriptions do not count; entry order does not either.
    fn content_hash(&self) -> String {
        isa_core::hash::table_hash(&self.inner)
    }

    /// The interchange JSON (what `show --format json` and `arbitrate -o x.json` write).
    fn to_json(&self) -> String {
        isa_io::table_to_json_string(&self.inner)
    }

    /// The TOML form (what `show` and `arbitrate -o x.toml` write).
    fn to_toml(&self) -> String {
        isa_io::table_to_toml(&self.inner)
    }

    /// Writes the table to `path` atomically, TOML or JSON by extension.
    fn write(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        isa_io::write_table(&path, &self.inner).map_err(|e| errors::load_error(py, &e))
    }

    /// A copy under another implementation name.
    fn renamed(&self, py: Python<'_>, implementation: &str) -> PyResult<PyTable> {
        if implementation.trim().is_empty() {
            return Err(errors::error(
                py,
                "IsaAuthorityError",
                "`implementation` is empty",
            ));
        }
        isa_core::mnemonic::check_name(implementation)
            .map_err(|e| errors::error(py, "IsaAuthorityError", format!("`implementation` {e}")))?;
        let mut inner = self.inner.clone();
        inner.implementation = implementation.to_string();
        Ok(PyTable { inner })
    }

    fn __len__(&self) -> usize {
        self.inner.entries.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "<Table {:?}: {} entries, {} instructions>",
            self.inner.implementation,
            self.inner.entries.len(),
            self.inner.instructions().count()
        )
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        match other.cast::<PyTable>() {
            Ok(o) => o.get().inner == self.inner,
            Err(_) => false,
        }
    }

    fn __hash__(&self) -> u64 {
        // Tables are immutable, so equal tables must hash alike: the content hash covers the
        // meaning, and the name tells otherwise identical tables of two implementations apart.
        let text = format!(
            "{}\0{}",
            self.inner.implementation,
            isa_core::hash::table_hash(&self.inner)
        );
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in text.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        h
    }
}
