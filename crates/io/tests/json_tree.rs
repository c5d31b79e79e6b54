//! The fast JSON tree builder (`value::build_json`) against the reference it replaced
//! (jsonc-parser's AST, `value::parse_json_reference`): on every valid JSON text the two trees
//! are equal, spans included; on every text at all, `parse_json` (the builder, with serde_json
//! and the depth check asked only for the message of a refused text) fails exactly when
//! serde_json or the reference does, and the builder alone never accepts what serde_json
//! refuses: it is the only syntax check a table's text gets.

use isa_io::value::{build_json, parse_json, parse_json_reference};
use proptest::prelude::*;
use serde_json::{Map, Value};

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e300f64..1e300).prop_map(Value::from),
        // Any characters, controls and non-BMP ones included: serde_json escapes what it must,
        // so escapes and surrogate pairs are exercised.
        any::<String>().prop_map(Value::String),
        "[a-z\"\\\\/\u{7f}\u{1F600}é]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("[a-z\"é]{0,4}", inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Text of a value, compact or indented, with extra blanks around the punctuation.
fn render(v: &Value, style: u8) -> String {
    match style % 3 {
        0 => serde_json::to_string(v).unwrap(),
        1 => serde_json::to_string_pretty(v).unwrap(),
        _ => serde_json::to_string(v)
            .unwrap()
            .replace(",\"", " ,\r\n\t\"")
            .replace("[", " [ "),
    }
}

/// What a mutation puts in place of a deleted character: JSON punctuation, number characters
/// (signs, points, exponents, leading zeros) and control characters, where a lax builder would
/// accept what serde_json refuses.
const MUTATION: &str = "[ ,:\\[\\]{}\"\\\\0-9a-z.+\\-E\u{0}-\u{1f}]{0,2}";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn builder_agrees_with_the_reference(v in value(), style in any::<u8>()) {
        let text = render(&v, style);
        prop_assume!(serde_json::from_str::<Value>(&text).is_ok());
        let reference = parse_json_reference(&text);
        prop_assert!(reference.is_ok(), "reference refused {text:?}: {reference:?}");
        prop_assert_eq!(build_json(&text), reference, "{}", text);
    }

    #[test]
    fn errors_on_the_same_inputs(v in value(), cut in any::<usize>(), insert in MUTATION) {
        let text = render(&v, 1);
        let mut at = cut % (text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        // Delete a character there and put up to two bytes of JSON punctuation in its place.
        let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
        let mutated = format!("{}{insert}{}", &text[..at], &text[end..]);
        let ours = parse_json("t.json", &mutated);
        let theirs = serde_json::from_str::<serde::de::IgnoredAny>(&mutated)
            .map_err(|e| e.to_string())
            .and_then(|_| parse_json_reference(&mutated));
        prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}: {:?} / {:?}", mutated, ours, theirs);
        let serde_accepts = serde_json::from_str::<serde::de::IgnoredAny>(&mutated).is_ok();
        prop_assert!(
            build_json(&mutated).is_err() || serde_accepts,
            "the builder accepted what serde_json refuses: {:?}", mutated
        );
        if let (Ok(a), Ok(b)) = (ours, theirs) {
            prop_assert_eq!(a, b);
        }
    }
}

#[test]
fn escapes_and_spans() {
    let text =
        r#" {"a\u00e9": ["x\n\"\\\/", -0, 1.5e3, 12345678901234567890123, true, null, {}, []]} "#;
    let node = build_json(text).unwrap();
    assert_eq!(Ok(node.clone()), parse_json_reference(text));
    assert_eq!(&text[node.span.clone()], text.trim());
}

/// A character outside the Basic Multilingual Plane written as a `\u` surrogate pair is valid
/// JSON (serde_json accepts it), but jsonc-parser refused it ("not a valid UTF8 character"),
/// so such a table could not be read. The builder decodes the pair.
#[test]
fn surrogate_pairs_are_one_character() {
    let text = r#"["\ud83d\ude00x"]"#;
    assert!(parse_json_reference(text).is_err());
    let node = parse_json("t.json", text).unwrap();
    let isa_io::value::Kind::Array(items) = node.kind else {
        panic!("{node:?}")
    };
    assert_eq!(items[0].kind, isa_io::value::Kind::Str("\u{1F600}x".into()));
}

#[test]
fn the_builder_refuses_what_is_not_json_without_panicking() {
    for bad in [
        "",
        "[",
        "{",
        "{\"a\"",
        "{\"a\" 1}",
        "[1 2]",
        "[1,",
        "\"\\ud800\"",
        "\"\\u12\"",
        "\"\\q\"",
        "tru",
        "[1]]",
        "{\"a\":1,}x",
        "\"abc",
        "}",
        "-",
        // Numbers outside JSON's grammar, which serde_json refuses.
        "01",
        "[-01]",
        "1.",
        "[.5]",
        "[1e]",
        "[1e+]",
        "+1",
        "[1.e3]",
        "-x",
        // Control characters are escaped in JSON strings, never raw.
        "\"a\u{1}b\"",
        "[\"\t\"]",
        "{\"a\nb\": 1}",
        "\"\\n\u{0}\"",
    ] {
        assert!(
            build_json(bad).is_err() || parse_json("t.json", bad).is_err(),
            "{bad:?}"
        );
        assert!(parse_json("t.json", bad).is_err(), "{bad:?}");
    }
}

/// The numbers JSON's grammar allows, as serde_json reads them.
#[test]
fn numbers_to_the_grammar() {
    for good in [
        "0",
        "-0",
        "10",
        "-1.5",
        "1e5",
        "1E+5",
        "2.5e-3",
        "0.0",
        "123456789012345678901234567890",
    ] {
        assert!(
            serde_json::from_str::<serde::de::IgnoredAny>(good).is_ok(),
            "{good}"
        );
        let node = build_json(good).unwrap_or_else(|e| panic!("{good}: {e}"));
        assert_eq!(node.span, 0..good.len(), "{good}");
    }
    assert_eq!(build_json("-0").unwrap().kind, isa_io::value::Kind::Int(0));
    // Integers of up to 18 characters take the short path, longer ones the general parser.
    for n in [
        "999999999999999999",
        "-99999999999999999",
        "-999999999999999999",
        "9223372036854775807",
        "-9223372036854775809",
        "170141183460469231731687303715884105727",
    ] {
        assert_eq!(
            build_json(n).unwrap().kind,
            isa_io::value::Kind::Int(n.parse().unwrap()),
            "{n}"
        );
    }
    assert!(matches!(
        build_json("1e5").unwrap().kind,
        isa_io::value::Kind::Float(_)
    ));
}

/// Nesting: 128 levels read, 129 are refused with the depth check's message at the bracket
/// that goes too deep, even where serde_json would report something else first.
#[test]
fn nesting_limit_and_its_message() {
    let ok = format!("{}{}", "[".repeat(128), "]".repeat(128));
    assert!(parse_json("t.json", &ok).is_ok());
    let deep = format!("{}{}", "[".repeat(129), "]".repeat(129));
    assert!(build_json(&deep).is_err());
    let e = parse_json("t.json", &deep).unwrap_err();
    assert!(e.message.contains("nested more than 128"), "{}", e.message);
    assert_eq!((e.line, e.column), (1, 129));
    // A syntax error after the deep bracket: the depth check, which reads the whole text
    // first, still speaks.
    let deep_then_bad = format!("{}{}x", "[".repeat(129), "]".repeat(129));
    let e = parse_json("t.json", &deep_then_bad).unwrap_err();
    assert!(e.message.contains("nested more than 128"), "{}", e.message);
    // Otherwise serde_json's message and position.
    let e = parse_json("t.json", "{\n  \"a\": 01\n}").unwrap_err();
    assert!(e.message.starts_with("invalid JSON: "), "{}", e.message);
    assert_eq!(e.line, 2, "{e:?}");
}

/// Strings and keys without escapes borrow from the text; escaped ones are decoded.
#[test]
fn plain_strings_borrow() {
    use std::borrow::Cow;
    let node = build_json(r#"{"k": ["plain", "esc\n"]}"#).unwrap();
    let isa_io::value::Kind::Object(props) = node.kind else {
        panic!("{node:?}")
    };
    assert!(matches!(props[0].0, Cow::Borrowed("k")));
    let isa_io::value::Kind::Array(items) = &props[0].2.kind else {
        panic!("{props:?}")
    };
    assert!(matches!(
        items[0].kind,
        isa_io::value::Kind::Str(Cow::Borrowed("plain"))
    ));
    assert!(matches!(&items[1].kind, isa_io::value::Kind::Str(Cow::Owned(s)) if s == "esc\n"));
}
