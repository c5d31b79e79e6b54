//! The error type of every reader: what went wrong, and exactly where.

use std::fmt;

/// A problem with an input file. Displays as `file:line:column: message` followed by an
/// optional `hint:` line, the shape editors and CI logs recognise.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LoadError {
    /// The file as the user named it.
    pub file: String,
    /// 1-based line, 0 when the error concerns the whole file.
    pub line: u32,
    /// 1-based column (in characters), 0 when unknown.
    pub column: u32,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is something useful to say.
    pub hint: Option<String>,
}

impl LoadError {
    /// An error about a whole file (unreadable, unknown extension, …).
    pub fn file(file: &str, message: impl Into<String>) -> LoadError {
        LoadError {
            file: file.to_string(),
            line: 0,
            column: 0,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> LoadError {
        self.hint = Some(hint.into());
        self
    }
}

impl LoadError {
    /// This error in the one diagnostic shape (rule `input`, severity error).
    pub fn diagnostic(&self) -> isa_core::Diagnostic {
        isa_core::Diagnostic {
            location: Some(isa_core::Location::new(&self.file, self.line, self.column)),
            hint: self.hint.clone(),
            ..isa_core::Diagnostic::new(isa_core::diagnostic::INPUT_RULE, &self.message)
        }
    }
}

impl fmt::Display for LoadError {
    /// The diagnostic's plain form: `file:line:column: message`, then `  hint: …`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.diagnostic(), f)
    }
}
