//! isa-negotiate's wire decoder on any bytes; accepted messages re-encode and round-trip through JSON.
//! The body is in `fuzz/bodies.rs`, shared with the replay test of `fuzz/regressions/decode_message/`.
#![no_main]

#[allow(dead_code)]
#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::decode_message(data));
