//! isa-semantics' parser and attach step on any text; files that attach run programs made of
//! the input's bytes, bounded in steps.
//! The body is in `fuzz/bodies.rs`, shared with the replay test of `fuzz/regressions/semantics/`.
#![no_main]

#[allow(dead_code)]
#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::semantics(data));
