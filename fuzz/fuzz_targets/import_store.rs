//! isa-history's store import (`isa_history::export::import_json`) on any text: the reader behind
//! `isa-authority import` and the registry client's `GET /v1/export`.
//! The body is in `fuzz/bodies.rs`, shared with the replay test of `fuzz/regressions/import_store/`.
#![no_main]

#[allow(dead_code)]
#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::import_store(data));
