//! Any bytes as the peer's offer, answer or confirm; decoded advertisements negotiated both ways.
//! The body is in `fuzz/bodies.rs`, shared with the replay test of `fuzz/regressions/handshake/`.
#![no_main]

#[allow(dead_code)]
#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::handshake(data));
