//! isa-scan on any text in any language it reads (the first byte picks the language).
//! The body is in `fuzz/bodies.rs`, shared with the replay test of `fuzz/regressions/scan_source/`.
#![no_main]

#[allow(dead_code)]
#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::scan_source(data));
