//! Bytecode and code out of a table: `translate` and `gen`, and the decodability check both
//! (and `advertise`) run first, also exposed on its own as `require_decodable`.

use isa_core::{Aliases, Scheme};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::errors;
use crate::table::PyTable;

pub(crate) fn require_decodable(
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
pub fn translate<'py>(
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
pub fn gen(
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

/// Raises `UndecodableError` (with `check`'s findings, as `translate`, `gen`, `advertise` and
/// `propose` do) when `table`'s bytecode cannot be decoded unambiguously.
#[pyfunction(name = "require_decodable")]
#[pyo3(signature = (table, role="the table", *, scheme="flux-unified", aliases=None))]
pub fn require_decodable_py(
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
