//! Rust errors as the package's Python exceptions.
//!
//! The exception classes are defined in Python (`isa_authority/errors.py`), where they carry
//! docstrings and typed attributes; this module only instantiates them. Every exception carries
//! the Rust message unchanged (the same words the CLI prints after `error:`), plus the
//! structured parts a program needs: file, line and column for input errors, the byte offset for
//! translation errors, and so on.

use isa_io::LoadError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// Instantiates `isa_authority.errors.<class>(message, **attrs)` as a `PyErr`. Falls back to
/// `RuntimeError` if the Python side is missing (the native module used outside its package).
pub fn raise(py: Python<'_>, class: &str, message: &str, attrs: &[(&str, Py<PyAny>)]) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let module = py.import("isa_authority.errors")?;
        let kwargs = PyDict::new(py);
        for (key, value) in attrs {
            kwargs.set_item(*key, value.bind(py))?;
        }
        let instance = module.getattr(class)?.call((message,), Some(&kwargs))?;
        Ok(PyErr::from_value(instance))
    };
    build().unwrap_or_else(|e| e)
}

fn obj<'py, T: IntoPyObject<'py>>(py: Python<'py>, value: T) -> Py<PyAny> {
    use pyo3::BoundObject;
    match value.into_pyobject(py) {
        Ok(v) => v.into_any().unbind(),
        Err(_) => py.None(),
    }
}

fn load_error_attrs(py: Python<'_>, e: &LoadError) -> Vec<(&'static str, Py<PyAny>)> {
    vec![
        ("file", obj(py, e.file.as_str())),
        ("line", obj(py, e.line)),
        ("column", obj(py, e.column)),
        ("hint", obj(py, e.hint.as_deref())),
        ("detail", obj(py, e.message.as_str())),
    ]
}

/// One input error as `LoadError` (message `file:line:column: what`, as the CLI prints it).
pub fn load_error(py: Python<'_>, e: &LoadError) -> PyErr {
    load_errors(py, std::slice::from_ref(e), None)
}

/// Every input error at once: the exception describes the first (its attributes) and lists all
/// of them in `errors`, one `LoadError` each; its message is the CLI's, one error per line,
/// unless `message` gives the whole text (an error with context around the input errors).
pub fn load_errors(py: Python<'_>, errors: &[LoadError], message: Option<&str>) -> PyErr {
    let Some(first) = errors.first() else {
        return raise(py, "LoadError", message.unwrap_or("no input"), &[]);
    };
    let text = match message {
        Some(m) => m.to_string(),
        None => isa_authority_cli::inputs::InputErrors(errors.to_vec()).to_string(),
    };
    let each = PyList::empty(py);
    for e in errors {
        let err = raise(py, "LoadError", &e.to_string(), &load_error_attrs(py, e));
        let _ = each.append(err.value(py));
    }
    let mut attrs = load_error_attrs(py, first);
    attrs.push(("errors", each.into_any().unbind()));
    raise(py, "LoadError", &text, &attrs)
}

/// An `anyhow` error from the CLI's helpers, with the CLI's full message (`{e:#}`: context and
/// causes). Input errors and store errors inside it keep their class and attributes; anything
/// else becomes `class`.
pub fn anyhow_error(py: Python<'_>, class: &str, e: &anyhow::Error) -> PyErr {
    let message = format!("{e:#}");
    for cause in e.chain() {
        if let Some(inputs) = cause.downcast_ref::<isa_authority_cli::inputs::InputErrors>() {
            return load_errors(py, &inputs.0, Some(&message));
        }
        if let Some(load) = cause.downcast_ref::<LoadError>() {
            return load_errors(py, std::slice::from_ref(load), Some(&message));
        }
        if let Some(history) = cause.downcast_ref::<isa_history::HistoryError>() {
            return history_error_with(py, history, &message);
        }
    }
    raise(py, class, &message, &[])
}

/// A store error: `StoreRefusal` for a governance verdict (the CLI's exit 1), `LoadError` for a
/// malformed key file (with its file and line), `StoreError` otherwise.
pub fn history_error(py: Python<'_>, e: &isa_history::HistoryError) -> PyErr {
    history_error_with(py, e, &e.to_string())
}

fn history_error_with(py: Python<'_>, e: &isa_history::HistoryError, message: &str) -> PyErr {
    use isa_history::HistoryError as H;
    match e {
        H::Refused(_) => raise(py, "StoreRefusal", message, &[]),
        H::Key {
            file,
            line,
            message: what,
        } => raise(
            py,
            "LoadError",
            message,
            &[
                ("file", obj(py, file.as_str())),
                ("line", obj(py, *line)),
                ("column", obj(py, 0u32)),
                ("detail", obj(py, what.as_str())),
            ],
        ),
        H::Io { path, .. } | H::NotAStore(path) | H::Symlink(path) | H::AlreadyExists(path) => {
            raise(
                py,
                "StoreError",
                message,
                &[("path", obj(py, path.display().to_string()))],
            )
        }
        H::Corrupt { file, .. } => raise(
            py,
            "StoreError",
            message,
            &[("path", obj(py, file.as_str()))],
        ),
        _ => raise(py, "StoreError", message, &[]),
    }
}

/// A plain message as `class`.
pub fn error(py: Python<'_>, class: &str, message: impl AsRef<str>) -> PyErr {
    raise(py, class, message.as_ref(), &[])
}

/// A translation error with its byte offset.
pub fn translate_error(py: Python<'_>, message: &str, offset: Option<usize>) -> PyErr {
    raise(
        py,
        "TranslationError",
        message,
        &[("offset", obj(py, offset))],
    )
}
