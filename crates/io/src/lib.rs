//! # isa-io: opcode tables on disk
//!
//! Reads the two table formats — the JSON interchange shape used across the FLUX ecosystem and a
//! TOML format for people to write — into [`isa_core::Table`], and writes tables back out.
//! Both readers go through one spanned value tree ([`value::Node`]), so a single walker gives
//! the same checks and the same diagnostics for both: every error names the file, the 1-based
//! line and column, what was expected, and where useful a `hint:`. Every entry keeps the line it
//! was read from, which is what conflict reports point at.
//!
//! JSON is read by a one-pass spanned builder ([`value::build_json`]) that accepts exactly the
//! strict JSON `serde_json` accepts; a text it refuses is handed to `serde_json` for the message
//! (with its line and column). TOML spans come from `toml`'s spanned document parser.
//!
//! The common JSON shape (a name, a date, entries of number, mnemonic, format, category,
//! operands and description, any other keys ignored: 67 of the 71 real tables) is first offered
//! to a reader that makes the table in one pass without the tree (`fast.rs`); it gives up on
//! anything else, errors included, so every message still comes from the walker above, and
//! tests and a fuzz target hold its tables to the walker's.
//!
//! [`fsutil::atomic_write`] is the one way this project writes a file that matters: temporary
//! file, fsync, rename, fsync of the directory, so a crash leaves the old or the new file and
//! never half of one.

#![deny(missing_docs)]

pub mod aliases;
pub mod aux_files;
pub mod error;
mod fast;
pub mod fsutil;
pub mod read;
pub mod value;
pub mod write;

pub use aliases::{load_aliases, parse_aliases};
pub use aux_files::{load_decisions, load_groups, load_usage, parse_number};
pub use error::LoadError;
pub use fsutil::{atomic_write, atomic_write_with, max_input, read_limited, write_output};
pub use read::{load_table, load_tables, parse_table, TableFormat};
pub use write::{pretty_json, table_to_json, table_to_json_string, table_to_toml, write_table};
