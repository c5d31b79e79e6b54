//! Comparing versions of a table: the identity `diff`, the `migrate plan`, and version labels
//! (parsed and compared as `advertise` and the store read them).

use std::collections::BTreeMap;

use pyo3::prelude::*;

use crate::errors;
use crate::table::PyTable;

fn renames_map(renames: Option<BTreeMap<String, String>>) -> BTreeMap<String, String> {
    renames.unwrap_or_default()
}

/// The identity diff of two tables (`isa_core::diff`), as the `diff --format json` document.
#[pyfunction]
#[pyo3(signature = (old, new, *, renames=None, aliases=None, scheme="flux-unified", new_scheme=None))]
pub fn diff(
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
pub fn migrate_plan(
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
pub fn parse_version(text: &str) -> Option<String> {
    isa_negotiate::version_from_text(text).map(|v| v.to_string())
}

/// Compares two version labels by semantic-version precedence: -1, 0 or 1. A bare integer
/// (`2`) counts as a major version here, since a label given alone names a version.
#[pyfunction]
pub fn compare_versions(py: Python<'_>, a: &str, b: &str) -> PyResult<i32> {
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
