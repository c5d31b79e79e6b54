//! isa-io's JSON table and alias readers on any text; loaded tables go through detect and resolve
//! and must read back as themselves from both writers.
//! The body is in `fuzz/bodies.rs`, shared with the replay test of `fuzz/regressions/read_table_json/`.
#![no_main]

#[allow(dead_code)]
#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::read_table_json(data));
