//! Capability negotiation: the advertisement (built from a table as `advertise` builds it, or
//! read from its binary or JSON encoding), `negotiate` between two, and `usable_count`.

use std::path::PathBuf;

use isa_core::Aliases;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::errors;
use crate::table::PyTable;
use crate::translate::require_decodable;

/// A capability advertisement, as `isa-authority advertise` builds it.
#[pyclass(frozen, module = "isa_authority._native", name = "Advertisement")]
pub struct PyAdvertisement {
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
pub fn advertise(
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
            isa_authority_cli::inputs::store_claims(table, &file, dir, &scheme).map_err(fail)?;
    }
    if claims.is_empty() {
        let (claim, note) = isa_negotiate::claim_of_table(table, &file, isa_version.as_deref())
            .map_err(|e| fail(anyhow::Error::msg(e)))?;
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
pub fn negotiate(
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
pub fn usable_count(a: Bound<'_, PyAdvertisement>, b: Bound<'_, PyAdvertisement>) -> usize {
    isa_negotiate::usable_count(&a.get().ad, &b.get().ad)
}
