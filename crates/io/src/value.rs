//! A small spanned value tree shared by the JSON and TOML readers.
//!
//! Both formats are parsed by their own crates and converted into [`Node`]s that remember the
//! byte range they came from, so the table reader can validate once and point at the exact
//! line and column of any bad value.

use std::ops::Range;

use crate::error::LoadError;

/// A value with the byte range it was parsed from.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Byte range in the source text.
    pub span: Range<usize>,
    /// The value.
    pub kind: Kind,
}

/// The value of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// JSON `null` (TOML has none).
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer (wide enough for any JSON or TOML integer literal in practice).
    Int(i128),
    /// A number with a fraction or exponent, or an integer too large for `i128`.
    Float(String),
    /// A string.
    Str(String),
    /// A TOML date or date-time, as written.
    Date(String),
    /// An array.
    Array(Vec<Node>),
    /// An object / table: keys in source order, each with its own span.
    Object(Vec<(String, Range<usize>, Node)>),
}

impl Kind {
    /// What to call this kind of value in an error message.
    pub fn describe(&self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Int(_) => "an integer",
            Kind::Float(_) => "a non-integer number",
            Kind::Str(_) => "a string",
            Kind::Date(_) => "a date",
            Kind::Array(_) => "an array",
            Kind::Object(_) => "an object",
        }
    }
}

/// Maps byte offsets to 1-based line and column (columns counted in characters).
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes a text.
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    /// Line and column of a byte offset.
    pub fn locate(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let column = text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        (line as u32 + 1, column as u32)
    }
}

/// Parses strict JSON into a node tree. Syntax errors carry serde_json's line and column.
pub fn parse_json(file: &str, text: &str) -> Result<Node, LoadError> {
    // serde_json is the strict judge of syntax (no comments, no trailing commas, no bare words);
    // jsonc-parser, run only on text that passed, provides the spans.
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
        let message = e.to_string();
        let message = match message.rfind(" at line ") {
            Some(i) => message[..i].to_string(),
            None => message,
        };
        return Err(LoadError {
            file: file.to_string(),
            line: e.line() as u32,
            column: e.column() as u32,
            message: format!("invalid JSON: {message}"),
            hint: None,
        });
    }
    let options = jsonc_parser::ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
    };
    let parsed = jsonc_parser::parse_to_ast(text, &Default::default(), &options)
        .map_err(|e| LoadError::file(file, format!("invalid JSON: {e}")))?;
    match parsed.value {
        Some(v) => Ok(from_jsonc(v)),
        None => Err(LoadError::file(file, "the file holds no JSON value")),
    }
}

fn from_jsonc(value: jsonc_parser::ast::Value<'_>) -> Node {
    use jsonc_parser::ast::Value as V;
    use jsonc_parser::common::Ranged;
    let (span, kind) = match value {
        V::NullKeyword(n) => (n.range, Kind::Null),
        V::BooleanLit(b) => (b.range, Kind::Bool(b.value)),
        V::StringLit(s) => (s.range, Kind::Str(s.value.into_owned())),
        V::NumberLit(n) => {
            let kind = match n.value.parse::<i128>() {
                Ok(i) => Kind::Int(i),
                Err(_) => Kind::Float(n.value.to_string()),
            };
            (n.range, kind)
        }
        V::Array(a) => (
            a.range,
            Kind::Array(a.elements.into_iter().map(from_jsonc).collect()),
        ),
        V::Object(o) => {
            let props = o
                .properties
                .into_iter()
                .map(|p| {
                    let key_span = p.name.range();
                    let key = p.name.into_string();
                    (key, key_span.start..key_span.end, from_jsonc(p.value))
                })
                .collect();
            (o.range, Kind::Object(props))
        }
    };
    Node {
        span: span.start..span.end,
        kind,
    }
}

/// Parses a TOML document into a node tree. Syntax errors carry the line and column of the span
/// `toml` reports.
pub fn parse_toml(file: &str, text: &str, index: &LineIndex) -> Result<Node, LoadError> {
    match toml::de::DeTable::parse(text) {
        Ok(table) => {
            let span = table.span();
            Ok(Node {
                span,
                kind: toml_table(table.into_inner()),
            })
        }
        Err(e) => {
            let (line, column) = e.span().map_or((0, 0), |s| index.locate(text, s.start));
            Err(LoadError {
                file: file.to_string(),
                line,
                column,
                message: format!("invalid TOML: {}", e.message().trim()),
                hint: None,
            })
        }
    }
}

fn toml_table(table: toml::de::DeTable<'_>) -> Kind {
    let mut props: Vec<(String, Range<usize>, Node)> = table
        .into_iter()
        .map(|(k, v)| {
            let key_span = k.span();
            (k.into_inner().into_owned(), key_span, toml_value(v))
        })
        .collect();
    // The TOML map is ordered by key; source order reads better in errors and keeps the
    // first-seen rule for duplicate detection meaningful.
    props.sort_by_key(|(_, span, _)| span.start);
    Kind::Object(props)
}

fn toml_value(value: toml::Spanned<toml::de::DeValue<'_>>) -> Node {
    use toml::de::DeValue as V;
    let span = value.span();
    let kind = match value.into_inner() {
        V::String(s) => Kind::Str(s.into_owned()),
        V::Integer(i) => match i128::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => Kind::Int(n),
            Err(_) => Kind::Float(i.as_str().to_string()),
        },
        V::Float(f) => Kind::Float(f.as_str().to_string()),
        V::Boolean(b) => Kind::Bool(b),
        V::Datetime(d) => Kind::Date(d.to_string()),
        V::Array(a) => Kind::Array(a.into_iter().map(toml_value).collect()),
        V::Table(t) => toml_table(t),
    };
    Node { span, kind }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_spans_and_kinds() {
        let text = "{\n  \"a\": [1, -2, 3.5, \"x\", null, true]\n}";
        let node = parse_json("t.json", text).unwrap();
        let Kind::Object(props) = &node.kind else {
            panic!()
        };
        let Kind::Array(items) = &props[0].2.kind else {
            panic!()
        };
        assert_eq!(items[0].kind, Kind::Int(1));
        assert_eq!(items[1].kind, Kind::Int(-2));
        assert!(matches!(items[2].kind, Kind::Float(_)));
        let index = LineIndex::new(text);
        assert_eq!(index.locate(text, items[3].span.start), (2, 21));
    }

    #[test]
    fn json_syntax_errors_have_positions() {
        let e = parse_json("bad.json", "{\n  \"a\": 1,\n}").unwrap_err();
        assert_eq!((e.line, e.file.as_str()), (3, "bad.json"));
        assert!(e.message.starts_with("invalid JSON"), "{}", e.message);
        assert!(parse_json("c.json", "{\"a\": 1 // no\n}").is_err());
    }

    #[test]
    fn toml_hex_and_errors() {
        let text = "a = 0x2A\nb = [1, 2]\n";
        let index = LineIndex::new(text);
        let node = parse_toml("t.toml", text, &index).unwrap();
        let Kind::Object(props) = &node.kind else {
            panic!()
        };
        assert_eq!(props[0].2.kind, Kind::Int(42));
        let bad = "a = 1\na = 2\n";
        let e = parse_toml("t.toml", bad, &LineIndex::new(bad)).unwrap_err();
        assert_eq!(e.line, 2);
    }
}
