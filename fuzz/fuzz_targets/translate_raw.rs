//! isa-migrate's translator on raw bytecode between three fixed tables (the first byte picks the
//! direction); a translation that succeeds must translate back to the input.
//! The body is in `fuzz/bodies.rs`, shared with the replay test of `fuzz/regressions/translate_raw/`.
#![no_main]

#[allow(dead_code)]
#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::translate_raw(data));
