//! isa-io's JSON tree builder on any text, held to the jsonc-parser tree it replaced.
//! The body is in `fuzz/bodies.rs`, shared with the replay test of `fuzz/regressions/json_tree/`.
#![no_main]

#[allow(dead_code)]
#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::json_tree(data));
