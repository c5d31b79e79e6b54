//! # isa-report: everything isa-authority prints, rendered in one place
//!
//! The libraries compute; this crate writes. Each command's report — the text a person reads,
//! the JSON contract a pipeline parses (docs/reference/json-contracts.md), SARIF for
//! code-scanning views — is a function of library types here, and every front end renders
//! through it: the command line, the Python package and the HTTP service give the same bytes
//! for the same result.
//!
//! - [`diagnostic`]: the one renderer per format of [`isa_core::Diagnostic`] (text line, JSON
//!   location, SARIF), which `check`, `conform` and `verify` report through;
//! - one module per command family for its own contract ([`check`], [`conform`], [`store`],
//!   [`arbitrate`], [`migrate`], [`negotiate`], [`scan`], [`lineage`], [`vectors`] for
//!   `conformance`);
//! - [`style`]: colour (decided once per invocation) and the escaping of control characters
//!   quoted from input files.
//!
//! JSON goes through [`isa_io::pretty_json`] (re-exported as [`pretty_json`]), which escapes
//! DEL and C1 controls as well as what JSON requires.

#![deny(missing_docs)]

pub mod arbitrate;
pub mod check;
pub mod conform;
pub mod diagnostic;
pub mod lineage;
pub mod map;
pub mod migrate;
pub mod negotiate;
pub mod scan;
pub mod store;
pub mod stream;
pub mod style;
pub mod vectors;

pub use isa_io::pretty_json;
