//! What every command prints as JSON: one function, so that every JSON output escapes the same
//! characters (see [`isa_io::pretty_json`]).

use serde_json::Value;

/// Pretty JSON with a trailing newline, DEL and C1 controls escaped.
pub fn json(value: &Value) -> String {
    isa_io::pretty_json(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c1_and_del_are_escaped_and_the_value_is_unchanged() {
        let v = serde_json::json!({ "name": "a\u{9b}31mb\u{7f}c\u{1b}d", "é": "ü" });
        let text = json(&v);
        assert!(!text.contains('\u{9b}') && !text.contains('\u{7f}') && !text.contains('\u{1b}'));
        assert!(text.contains("\\u009b") && text.contains("\\u007f") && text.contains("\\u001b"));
        assert!(text.contains("ü"), "other non-ASCII text stays as it is");
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
    }
}
