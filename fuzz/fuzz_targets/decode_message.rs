//! Any bytes: the wire decoder returns a message or an error, never panics or hangs; whatever
//! it accepts re-encodes to bytes that decode to the same message, and the JSON encoding of an
//! accepted message reads back to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(msg) = isa_negotiate::decode(data) {
        let again = msg.encode().expect("an accepted message re-encodes");
        let back = isa_negotiate::decode(&again).expect("a re-encoded message decodes");
        assert_eq!(back, msg);
        let json = isa_negotiate::json::message_to_json(&msg);
        let from_json = isa_negotiate::json::message_from_json(&json).expect("JSON reads back");
        assert_eq!(from_json, msg);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = isa_negotiate::json::message_from_json(text);
    }
});
