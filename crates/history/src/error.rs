//! The one error type of the history crate.

use std::path::PathBuf;

/// Everything that can go wrong with a store. [`HistoryError::Refused`] is special: the input
/// was understood, but the governance rules say no (missing approvals, a reused number, a
/// version that does not increase, a stale proposal), or the store fails verification where it
/// matters (an `authority.json` that does not verify). Front ends report it as a verdict rather
/// than as bad input.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// A file could not be read or written.
    // Not `#[source]`: the message already ends with the OS error, and a chained source would
    // print it twice in `{:#}` (anyhow's alternate form, which the CLI uses).
    #[error("{}: {error}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        error: std::io::Error,
    },
    /// A key file is malformed. Displays as `file:line: message`.
    #[error("{file}{}: {message}", if *line > 0 { format!(":{line}") } else { String::new() })]
    Key {
        /// The key file.
        file: String,
        /// 1-based line, 0 when the problem concerns the whole file.
        line: u32,
        /// What is wrong.
        message: String,
    },
    /// An entry of the store is a symbolic link. Store commands never follow one: a link could
    /// send writes outside the store, or make `verify` check files that are not in it.
    #[error("{}: is a symbolic link, and store commands never follow links inside a store\n  hint: replace it with the file or folder itself (`isa-authority verify` lists every link in the store)", .0.display())]
    Symlink(PathBuf),
    /// A store file is damaged: run `verify` for the full list.
    #[error("{file}: {message}\n  hint: `isa-authority verify` lists every problem in the store")]
    Corrupt {
        /// The store file, relative to the store root.
        file: String,
        /// What is wrong with it.
        message: String,
    },
    /// The directory holds no store.
    #[error("no store at {} (no authority.json)\n  hint: create one with `isa-authority init`, or point --store / ISA_AUTHORITY_STORE at it", .0.display())]
    NotAStore(PathBuf),
    /// `init` on a directory that already holds a store.
    #[error("a store already exists at {}", .0.display())]
    AlreadyExists(PathBuf),
    /// No proposal matches an id (or the id prefix is ambiguous).
    #[error("{0}")]
    UnknownProposal(String),
    /// No declared version matches.
    #[error("{0}")]
    UnknownVersion(String),
    /// An argument is invalid (bad name, bad quorum, bad version syntax, …).
    #[error("{0}")]
    Invalid(String),
    /// A storage backend other than the folder failed (a database that cannot be reached, a
    /// query that fails); the message says which and why.
    #[error("{0}")]
    Storage(String),
    /// The governance rules refuse the operation, or the store fails verification in a way
    /// that nothing may be built on (its `authority.json` does not verify; `declare` on any
    /// damaged store); the message says what is missing or wrong.
    #[error("{0}")]
    Refused(String),
}

impl HistoryError {
    pub(crate) fn io(path: impl Into<PathBuf>, error: std::io::Error) -> HistoryError {
        HistoryError::Io {
            path: path.into(),
            error,
        }
    }

    pub(crate) fn key(file: &str, line: u32, message: impl Into<String>) -> HistoryError {
        HistoryError::Key {
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> HistoryError {
        HistoryError::Invalid(message.into())
    }

    pub(crate) fn corrupt(file: &str, message: impl Into<String>) -> HistoryError {
        HistoryError::Corrupt {
            file: file.to_string(),
            message: message.into(),
        }
    }

    /// True for a refusal: a governance verdict, or a store that fails verification where
    /// nothing may be built on it (as opposed to bad input, or a file that cannot be read).
    pub fn is_refusal(&self) -> bool {
        matches!(self, HistoryError::Refused(_))
    }
}
