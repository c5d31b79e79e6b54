//! isa-history's pure `verify` over a valid in-memory store with one file replaced or added by the
//! input (the first byte picks the file).
//! The body is in `fuzz/bodies.rs`, shared with the replay test of `fuzz/regressions/verify_store/`.
#![no_main]

#[allow(dead_code)]
#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::verify_store(data));
