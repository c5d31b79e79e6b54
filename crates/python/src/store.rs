//! The signed on-disk store (`isa_history::Store`), as the store commands use it.
//!
//! Each method does what its subcommand does — the same checks, in the same order, through the
//! same helpers (`read_secret` refuses a key file others can read, `propose` refuses an
//! undecodable table in `check`'s words) — and returns the subcommand's JSON document.

use std::path::{Path, PathBuf};

use isa_history::{Authority, Maintainer, Override, ProposeOptions, PublicKey, Rename, Store};
use isa_report::pretty_json as pretty;
use pyo3::prelude::*;
use serde_json::json;

use crate::errors;
use crate::table::PyTable;

/// A canonical-history store on disk.
#[pyclass(frozen, module = "isa_authority._native", name = "Store")]
pub struct PyStore {
    store: Store,
}

fn semver(py: Python<'_>, text: &str) -> PyResult<isa_history::semver::Version> {
    // As `propose --version`: a leading `v` is allowed.
    isa_history::semver::Version::parse(text.strip_prefix('v').unwrap_or(text)).map_err(|e| {
        errors::error(
            py,
            "StoreError",
            format!("version {text}: not a semver version: {e}"),
        )
    })
}

#[pymethods]
impl PyStore {
    /// Opens the store at `path` (refused when its authority.json does not verify).
    #[staticmethod]
    fn open(py: Python<'_>, path: PathBuf) -> PyResult<PyStore> {
        Store::open(&path)
            .map(|store| PyStore { store })
            .map_err(|e| errors::history_error(py, &e))
    }

    /// Starts a store at `path` with `maintainers` (`(name, public key file)` pairs) and a
    /// quorum, as `init` does.
    #[staticmethod]
    fn init(
        py: Python<'_>,
        path: PathBuf,
        maintainers: Vec<(String, PathBuf)>,
        quorum: usize,
    ) -> PyResult<PyStore> {
        let mut list = Vec::new();
        for (name, file) in &maintainers {
            let shown = file.display().to_string();
            let text = std::fs::read_to_string(file).map_err(|e| {
                errors::error(py, "StoreError", format!("cannot read {shown}: {e}"))
            })?;
            let public =
                PublicKey::parse(&shown, &text).map_err(|e| errors::history_error(py, &e))?;
            if &public.name != name {
                return Err(errors::error(
                    py,
                    "StoreError",
                    format!(
                        "maintainer {name}: {shown} is the key of `{}`, not `{name}`",
                        public.name
                    ),
                ));
            }
            list.push(Maintainer {
                name: name.clone(),
                public_key: public.to_hex(),
            });
        }
        let authority =
            Authority::new(list, quorum).map_err(|e| errors::error(py, "StoreError", &e))?;
        Store::init(&path, &authority)
            .map(|store| PyStore { store })
            .map_err(|e| errors::history_error(py, &e))
    }

    /// The store's directory.
    #[getter]
    fn root(&self) -> PathBuf {
        self.store.root().map(Path::to_path_buf).unwrap_or_default()
    }

    /// Proposes `table` as `version`; returns the proposal id (`sha256:…`). `renames` maps old
    /// to new names, `overrides` numbers to the recorded reason for reusing them.
    #[pyo3(signature = (table, version, *, message="", renames=None, overrides=None))]
    fn propose(
        &self,
        py: Python<'_>,
        table: Bound<'_, PyTable>,
        version: &str,
        message: &str,
        renames: Option<Vec<(String, String)>>,
        overrides: Option<Vec<(u32, String)>>,
    ) -> PyResult<String> {
        let mut options = ProposeOptions::new(semver(py, version)?);
        options.message = message.to_string();
        for (from, to) in renames.unwrap_or_default() {
            options.renames.push(Rename { from, to });
        }
        for (opcode, reason) in overrides.unwrap_or_default() {
            options.overrides.push(Override { opcode, reason });
        }
        let table = table.get().inner.clone();
        // As `propose`: a version whose bytecode cannot be decoded is never declared.
        isa_authority_cli::inputs::require_decodable(
            &table,
            "the proposed table",
            &isa_core::Scheme::flux_unified(),
            &isa_core::Aliases::new(),
        )
        .map_err(|e| errors::anyhow_error(py, "UndecodableError", &e))?;
        py.detach(|| self.store.propose(table, options))
            .map_err(|e| errors::history_error(py, &e))
    }

    /// Signs proposal `id` with the secret key file `key`; returns `approve --format json`.
    fn approve(&self, py: Python<'_>, id: &str, key: PathBuf) -> PyResult<String> {
        let pair =
            isa_history::read_secret_file(&key).map_err(|e| errors::history_error(py, &e))?;
        let approval = py
            .detach(|| self.store.approve(id, &pair))
            .map_err(|e| errors::history_error(py, &e))?;
        let status = self
            .store
            .status(&approval.proposal)
            .map_err(|e| errors::history_error(py, &e))?;
        Ok(pretty(&json!({
            "id": approval.proposal,
            "maintainer": approval.maintainer,
            "approved_by": status.approved_by,
            "missing": status.missing,
        })))
    }

    /// A proposal's approvals: `{"id", "version", "approved_by", "missing", "pending",
    /// "declared"}`.
    fn status(&self, py: Python<'_>, id: &str) -> PyResult<String> {
        let s = self
            .store
            .status(id)
            .map_err(|e| errors::history_error(py, &e))?;
        Ok(pretty(&json!({
            "id": s.id,
            "version": s.proposal.version.to_string(),
            "approved_by": s.approved_by,
            "missing": s.missing,
            "pending": s.pending,
            "declared": s.declared.map(|v| v.to_string()),
        })))
    }

    /// Declares proposal `id` (given a quorum); returns `declare --format json`.
    fn declare(&self, py: Python<'_>, id: &str) -> PyResult<String> {
        let declared = py
            .detach(|| self.store.declare(id))
            .map_err(|e| errors::history_error(py, &e))?;
        Ok(pretty(&isa_report::store::version_json(&declared)))
    }

    /// `log --format json`: every declared version, oldest first, and the head.
    fn log(&self, py: Python<'_>) -> PyResult<String> {
        let history = py
            .detach(|| self.store.log())
            .map_err(|e| errors::history_error(py, &e))?;
        let versions: Vec<_> = history
            .iter()
            .map(isa_report::store::version_json)
            .collect();
        let head = history.last().map(|d| d.hash.clone());
        Ok(pretty(&json!({ "versions": versions, "head": head })))
    }

    /// The table of a declared version (`1.2.0`, `v1.2.0` or `latest`).
    fn show(&self, py: Python<'_>, version: &str) -> PyResult<PyTable> {
        py.detach(|| self.store.show(version))
            .map(|inner| PyTable { inner })
            .map_err(|e| errors::history_error(py, &e))
    }

    /// `diff --format json` between two declared versions (renames followed).
    #[pyo3(signature = (old, new, *, aliases=None))]
    fn diff(
        &self,
        py: Python<'_>,
        old: &str,
        new: &str,
        aliases: Option<Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let aliases = crate::aliases(py, aliases.as_ref())?;
        let d = py
            .detach(|| self.store.diff(old, new, &aliases))
            .map_err(|e| errors::history_error(py, &e))?;
        Ok(pretty(&isa_report::store::diff_json(old, new, &d)))
    }

    /// `verify --format json`: every hash, link and signature recomputed.
    fn verify(&self, py: Python<'_>) -> PyResult<String> {
        let report = py
            .detach(|| self.store.verify())
            .map_err(|e| errors::history_error(py, &e))?;
        Ok(pretty(&isa_report::store::verify_json(&report, None)))
    }
}

/// `keygen NAME -o DIR`: writes NAME.key (mode 0600) and NAME.pub (0644), never overwriting;
/// returns `keygen --format json`.
#[pyfunction]
#[pyo3(signature = (name, out_dir=None))]
pub fn keygen(py: Python<'_>, name: &str, out_dir: Option<PathBuf>) -> PyResult<String> {
    let out_dir = out_dir.unwrap_or_else(|| PathBuf::from("."));
    let fail = |e: anyhow::Error| errors::anyhow_error(py, "StoreError", &e);
    let pair = isa_history::KeyPair::generate(name).map_err(|e| errors::history_error(py, &e))?;
    std::fs::create_dir_all(&out_dir).map_err(|e| {
        errors::error(
            py,
            "StoreError",
            format!("cannot create {}: {e}", out_dir.display()),
        )
    })?;
    let key_path = out_dir.join(format!("{name}.key"));
    let pub_path = out_dir.join(format!("{name}.pub"));
    if pub_path.exists() {
        return Err(errors::error(
            py,
            "StoreError",
            format!(
                "{} already exists (an existing key is never overwritten)",
                pub_path.display()
            ),
        ));
    }
    isa_history::write_key_file(&key_path, &pair.to_file_text(), 0o600)
        .map_err(|e| fail(e.into()))?;
    isa_history::write_key_file(&pub_path, &pair.public().to_file_text(), 0o644)
        .map_err(|e| fail(e.into()))?;
    Ok(pretty(&json!({
        "name": name,
        "key": key_path.display().to_string(),
        "public": pub_path.display().to_string(),
        "public_key": pair.public().to_hex(),
    })))
}
