//! Turning command-line paths into tables: files are read by extension, directories are expanded
//! to the table files they hold (sorted, so the order never depends on the file system), and
//! every error of every input is reported before giving up.

use std::fmt;
use std::path::{Path, PathBuf};

use isa_core::Table;
use isa_io::{LoadError, TableFormat};

/// Every input error at once; displays one `file:line:col: message` per line.
#[derive(Debug)]
pub struct InputErrors(pub Vec<LoadError>);

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\nerror: ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputErrors {}

/// Expands directories into the `.json`/`.toml` files directly inside them.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, InputErrors> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = match std::fs::read_dir(path) {
                Ok(rd) => rd
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_file() && TableFormat::from_path(p).is_some())
                    .collect(),
                Err(e) => {
                    errors.push(LoadError::file(
                        &path.display().to_string(),
                        format!("cannot read directory: {e}"),
                    ));
                    continue;
                }
            };
            if found.is_empty() {
                errors.push(LoadError::file(
                    &path.display().to_string(),
                    "directory holds no .json or .toml table files",
                ));
            }
            found.sort();
            out.extend(found);
        } else if !path.exists() {
            errors.push(LoadError::file(
                &path.display().to_string(),
                "no such file or directory",
            ));
        } else {
            out.push(path.clone());
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(InputErrors(errors))
    }
}

/// Loads every table named by `paths` (files or directories).
pub fn load(paths: &[PathBuf]) -> Result<Vec<Table>, InputErrors> {
    let files = expand(paths)?;
    isa_io::load_tables(&files).map_err(InputErrors)
}

/// Loads exactly one table file.
#[allow(dead_code)] // used by subcommands that take a single table
pub fn load_one(path: &Path) -> Result<Table, InputErrors> {
    isa_io::load_table(path).map_err(|e| InputErrors(vec![e]))
}

/// Resolves a command-line argument naming one table: today a table file (.json/.toml); the
/// canonical-history store adds store versions (`1.2.0`) here, so every subcommand that takes
/// "a table or a store version" calls this one function.
#[allow(dead_code)] // used by subcommands that take "a table or a store version"
pub fn resolve_table(arg: &str) -> anyhow::Result<Table> {
    Ok(load_one(Path::new(arg))?)
}
