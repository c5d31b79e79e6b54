//! A small spanned value tree shared by the JSON and TOML readers.
//!
//! Both formats are parsed by their own crates and converted into [`Node`]s that remember the
//! byte range they came from, so the table reader can validate once and point at the exact
//! line and column of any bad value.

use std::borrow::Cow;
use std::ops::Range;

use crate::error::LoadError;

/// The position of the first byte of `bytes` that a JSON string cannot hold as itself: a C0
/// control, `"` or `\\`. Shared by the table reader (where a string ends) and the report writer
/// (whether a string needs escapes). Eight bytes per step (the classic "has a byte less than
/// n" and "has a zero byte" tests): nearly every string and key is short, and a branch per
/// byte was most of the reading of a string.
#[inline]
pub fn json_special(bytes: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    // The top bit of each byte that is special. A borrow can flag a byte above a special
    // one, never below it: the lowest flag is always a real one.
    let special = |w: u64| {
        let control = w.wrapping_sub(LO * 0x20) & !w;
        let quote = w ^ (LO * u64::from(b'"'));
        let slash = w ^ (LO * u64::from(b'\\'));
        let quote = quote.wrapping_sub(LO) & !quote;
        let slash = slash.wrapping_sub(LO) & !slash;
        (control | quote | slash) & HI
    };
    let at = |m: u64| (m.trailing_zeros() / 8) as usize;
    let n = bytes.len();
    let word = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().expect("eight bytes"));
    if n >= 8 {
        let mut i = 0;
        while i + 8 <= n {
            let m = special(word(i));
            if m != 0 {
                return Some(i + at(m));
            }
            i += 8;
        }
        // The last eight bytes, overlapping clean ones: a flag there is past them.
        let m = special(word(n - 8));
        return (m != 0).then(|| n - 8 + at(m));
    }
    if n >= 4 {
        // Two overlapping 4-byte loads make one word in registers (assembling one through
        // memory stalls on store forwarding). A flag in the high half is at byte n - 4 + k.
        let half = |i: usize| u64::from(u32::from_le_bytes(bytes[i..i + 4].try_into().expect("4")));
        let m = special(half(0) | half(n - 4) << 32);
        return (m != 0).then(|| match at(m) {
            k @ 0..4 => k,
            k => n + k - 8,
        });
    }
    bytes
        .iter()
        .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

/// A value with the byte range it was parsed from. Strings and keys borrow from the text they
/// were parsed from wherever they hold no escapes (nearly always), so building the tree of a
/// table allocates a vector per array and object and nothing per key or string.
#[derive(Debug, Clone, PartialEq)]
pub struct Node<'a> {
    /// Byte range in the source text.
    pub span: Range<usize>,
    /// The value.
    pub kind: Kind<'a>,
}

/// An object's members: each key with its span, and the value.
pub type Props<'a> = Vec<(Cow<'a, str>, Range<usize>, Node<'a>)>;

/// The value of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub enum Kind<'a> {
    /// JSON `null` (TOML has none).
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer (wide enough for any JSON or TOML integer literal in practice).
    Int(i128),
    /// A number with a fraction or exponent, or an integer too large for `i128`.
    Float(String),
    /// A string.
    Str(Cow<'a, str>),
    /// A TOML date or date-time, as written.
    Date(String),
    /// An array.
    Array(Vec<Node<'a>>),
    /// An object / table: keys in source order, each with its own span.
    Object(Props<'a>),
}

impl Node<'_> {
    /// The same tree owning all its strings, for a document kept beyond its text. Recursive, but
    /// only to the depth the readers allow (JSON is refused past [`MAX_JSON_DEPTH`], and the
    /// TOML parser bounds its own nesting).
    pub fn into_owned(self) -> Node<'static> {
        let owned = |s: Cow<'_, str>| Cow::Owned(s.into_owned());
        let kind = match self.kind {
            Kind::Null => Kind::Null,
            Kind::Bool(b) => Kind::Bool(b),
            Kind::Int(i) => Kind::Int(i),
            Kind::Float(f) => Kind::Float(f),
            Kind::Str(s) => Kind::Str(owned(s)),
            Kind::Date(d) => Kind::Date(d),
            Kind::Array(items) => Kind::Array(items.into_iter().map(Node::into_owned).collect()),
            Kind::Object(props) => Kind::Object(
                props
                    .into_iter()
                    .map(|(k, span, v)| (owned(k), span, v.into_owned()))
                    .collect(),
            ),
        };
        Node {
            span: self.span,
            kind,
        }
    }
}

impl Kind<'_> {
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

/// Maps byte offsets to 1-based line and column (columns counted in characters), in constant
/// time per lookup after one linear pass: a one-line (minified) file with a million entries must
/// not cost a scan from the line start for every entry's location.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// Characters before each `BLOCK`-byte block of the text (counting every byte that is not a
    /// UTF-8 continuation byte), so a column is two prefix lookups and at most two short counts.
    /// Empty for ASCII text, whose columns are byte differences.
    chars: Vec<usize>,
    /// The text opens with a UTF-8 byte-order mark, which editors do not count as a column.
    bom: bool,
    /// The text is ASCII (as nearly every table is), so a column is a byte difference.
    ascii: bool,
}

/// Block size of [`LineIndex`]'s character prefix sums.
const BLOCK: usize = 256;

fn is_char_start(b: u8) -> bool {
    b & 0xC0 != 0x80
}

impl LineIndex {
    /// Indexes a text.
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        // memchr's vectorised search and the ASCII test are several times faster than a
        // byte loop; this index is built for every table loaded.
        let mut starts = Vec::with_capacity(bytes.len() / 32 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1));
        let ascii = text.is_ascii();
        let mut chars = Vec::new();
        if !ascii {
            chars.reserve(bytes.len() / BLOCK + 2);
            let mut count = 0;
            for block in bytes.chunks(BLOCK) {
                chars.push(count);
                count += block.iter().filter(|&&b| is_char_start(b)).count();
            }
            chars.push(count);
        }
        LineIndex {
            ascii,
            starts,
            chars,
            bom: text.starts_with('\u{feff}'),
        }
    }

    /// Characters in `text[..offset]`.
    fn chars_before(&self, text: &str, offset: usize) -> usize {
        if self.ascii {
            // Every byte is a character: no counting.
            return offset;
        }
        let block = offset / BLOCK;
        let from = block * BLOCK;
        self.chars[block]
            + text.as_bytes()[from..offset]
                .iter()
                .filter(|&&b| is_char_start(b))
                .count()
    }

    /// Line and column of a byte offset.
    pub fn locate(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        self.line_column(text, offset, line)
    }

    /// [`LineIndex::locate`] for offsets asked mostly in increasing order (a table's entries):
    /// `cursor` (start it at 0) remembers the last line found, and the search steps forward
    /// from it over at most a few lines before falling back to the binary search, so a run of
    /// ascending offsets costs constant time each.
    pub fn locate_from(&self, text: &str, offset: usize, cursor: &mut usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        let search = || self.starts.partition_point(|&s| s <= offset) - 1;
        let mut line = (*cursor).min(self.starts.len() - 1);
        if self.starts[line] > offset {
            line = search();
        } else {
            let mut steps = 0;
            while line + 1 < self.starts.len() && self.starts[line + 1] <= offset {
                line += 1;
                steps += 1;
                if steps == 8 {
                    line = search();
                    break;
                }
            }
        }
        *cursor = line;
        self.line_column(text, offset, line)
    }

    fn line_column(&self, text: &str, offset: usize, line: usize) -> (u32, u32) {
        let start = self.starts[line];
        let mut column = self.chars_before(text, offset) - self.chars_before(text, start) + 1;
        if line == 0 && self.bom && offset >= 3 {
            column -= 1;
        }
        (line as u32 + 1, column as u32)
    }
}

/// How deeply arrays and objects may nest in any JSON this tool reads (tables, alias, decision,
/// usage and group files): far beyond any real table (which nests three deep), and low enough
/// that the parsers' recursion stays well inside the stack. Deeper input is an error at the
/// bracket that goes too deep.
pub const MAX_JSON_DEPTH: usize = 128;

/// Refuses JSON nested deeper than [`MAX_JSON_DEPTH`], in one linear pass over the bytes
/// (strings skipped, escapes honoured), before any recursive parser sees the text.
fn check_json_depth(file: &str, text: &str) -> Result<(), LoadError> {
    let bytes = text.as_bytes();
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    let (line, column) = LineIndex::new(text).locate(text, i);
                    return Err(LoadError {
                        file: file.to_string(),
                        line,
                        column,
                        message: format!("JSON nested more than {MAX_JSON_DEPTH} levels deep"),
                        hint: Some("a table nests three levels deep; this is not a table".into()),
                    });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Parses strict JSON into a node tree. Syntax errors carry serde_json's line and column. A
/// leading UTF-8 byte-order mark is accepted (spans still index the text as given).
///
/// One pass builds the tree ([`build_json`]): it accepts exactly the texts serde_json accepts
/// (within [`MAX_JSON_DEPTH`]), which the `json_tree` tests and fuzz target hold it to. Only
/// when it refuses a text are the slower judges run, in the order they always ran — the depth
/// check, then serde_json, whose messages are the ones users see — so every error is worded
/// and placed as before. Until 2026-12-03 those two passes ran over every text first, a sixth
/// of loading a table; until 2026-12 the tree came from jsonc-parser, whose tokens and AST made
/// loading about 35 times slower than the syntax check ([`parse_json_reference`] keeps that
/// path as the reference the builder is tested against).
pub fn parse_json<'a>(file: &str, text: &'a str) -> Result<Node<'a>, LoadError> {
    let (body, shift) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (rest, text.len() - rest.len()),
        None => (text, 0),
    };
    match build_json(body) {
        Ok(mut node) => {
            if shift > 0 {
                shift_spans(&mut node, shift);
            }
            Ok(node)
        }
        Err(built) => Err(explain_json_error(file, body, built)),
    }
}

/// The error for a text the builder refused: the depth check's or serde_json's where they
/// refuse it too (their messages carry line and column), else the builder's own (the builder
/// is stricter than serde_json's syntax check only about lone `\u` surrogates, which no
/// string may hold).
fn explain_json_error(file: &str, body: &str, built: String) -> LoadError {
    if let Err(e) = check_json_depth(file, body) {
        return e;
    }
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(body) {
        let message = e.to_string();
        let message = match message.rfind(" at line ") {
            Some(i) => message[..i].to_string(),
            None => message,
        };
        return LoadError {
            file: file.to_string(),
            line: e.line() as u32,
            column: e.column() as u32,
            message: format!("invalid JSON: {message}"),
            hint: None,
        };
    }
    LoadError::file(file, format!("invalid JSON: {built}"))
}

/// The previous span source, `jsonc-parser`'s AST converted to [`Node`]s: kept only as the
/// reference the fast builder is held to (a property test and the `json_tree` fuzz target
/// compare the two trees, spans included). Not used to read tables.
#[doc(hidden)]
pub fn parse_json_reference(body: &str) -> Result<Node<'static>, String> {
    let options = jsonc_parser::ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
    };
    let parsed = jsonc_parser::parse_to_ast(body, &Default::default(), &options)
        .map_err(|e| e.to_string())?;
    parsed
        .value
        .map(from_jsonc)
        .ok_or_else(|| "the file holds no JSON value".to_string())
}

/// An array or object being built by [`build_json`].
enum Open<'a> {
    Array(usize, Vec<Node<'a>>),
    Object(usize, Props<'a>, Option<(Cow<'a, str>, Range<usize>)>),
}

/// Builds the spanned tree of a strict JSON text in one pass, with an explicit stack (no
/// recursion, whatever the depth) and without the token and AST layers of a general parser:
/// spans are byte offsets, turned into lines and columns only when a message needs them
/// ([`LineIndex`]); a string or key without escapes borrows from the text.
///
/// It accepts exactly what serde_json's syntax check accepts, nested at most
/// [`MAX_JSON_DEPTH`] deep (numbers to the JSON grammar, no control characters in strings),
/// except strings holding a lone `\u` surrogate, which it refuses; it returns an error, never
/// panics, on any other text (the `json_tree` tests and fuzz target hold it to all of that).
/// Its messages are terse (`expected … at byte N`): [`parse_json`] asks the slower judges for
/// the message users see.
pub fn build_json(text: &str) -> Result<Node<'_>, String> {
    let b = text.as_bytes();
    let mut i = skip_ws(b, 0);
    let mut stack: Vec<Open> = Vec::new();
    loop {
        // A value starts at `i`: open a container, or read a scalar.
        let mut done: Node = match b.get(i) {
            Some(&open @ (b'[' | b'{')) => {
                if stack.len() >= MAX_JSON_DEPTH {
                    return Err(at(
                        i,
                        &format!("at most {MAX_JSON_DEPTH} levels of nesting"),
                    ));
                }
                let start = i;
                let j = skip_ws(b, i + 1);
                match (open, b.get(j)) {
                    (b'[', Some(b']')) | (b'{', Some(b'}')) => {
                        i = j + 1;
                        Node {
                            span: start..i,
                            kind: if open == b'[' {
                                Kind::Array(Vec::new())
                            } else {
                                Kind::Object(Vec::new())
                            },
                        }
                    }
                    (b'[', _) => {
                        stack.push(Open::Array(i, Vec::new()));
                        i = j;
                        continue;
                    }
                    _ => {
                        let (key, span, next) = read_key(text, j)?;
                        stack.push(Open::Object(start, Vec::new(), Some((key, span))));
                        i = next;
                        continue;
                    }
                }
            }
            Some(_) => {
                let (node, next) = scalar(text, i)?;
                i = next;
                node
            }
            None => return Err(at(i, "a value")),
        };
        // Hand the finished value to its container; close containers while they end here.
        loop {
            let Some(top) = stack.last_mut() else {
                return if skip_ws(b, i) == b.len() {
                    Ok(done)
                } else {
                    Err(at(skip_ws(b, i), "the end of the text"))
                };
            };
            match top {
                Open::Array(_, items) => items.push(done),
                Open::Object(_, props, key) => {
                    let (k, span) = key.take().ok_or_else(|| at(i, "a key"))?;
                    props.push((k, span, done));
                }
            }
            i = skip_ws(b, i);
            match (b.get(i), &mut *top) {
                (Some(b','), Open::Array(..)) => {
                    i = skip_ws(b, i + 1);
                    break;
                }
                (Some(b','), Open::Object(_, _, key)) => {
                    let (k, span, next) = read_key(text, skip_ws(b, i + 1))?;
                    *key = Some((k, span));
                    i = next;
                    break;
                }
                (Some(b']'), Open::Array(..)) | (Some(b'}'), Open::Object(..)) => {
                    i += 1;
                    done = match stack.pop() {
                        Some(Open::Array(start, items)) => Node {
                            span: start..i,
                            kind: Kind::Array(items),
                        },
                        Some(Open::Object(start, props, _)) => Node {
                            span: start..i,
                            kind: Kind::Object(props),
                        },
                        None => return Err(at(i, "a container")),
                    };
                }
                _ => return Err(at(i, "`,` or the end of the array or object")),
            }
        }
    }
}

fn at(offset: usize, expected: &str) -> String {
    format!("expected {expected} at byte {offset}")
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// An object key at `i`, the `:` after it and the whitespace after that: (key, span, next).
#[inline(always)]
fn read_key(text: &str, i: usize) -> Result<(Cow<'_, str>, Range<usize>, usize), String> {
    let b = text.as_bytes();
    if b.get(i) != Some(&b'"') {
        return Err(at(i, "a key"));
    }
    let (key, end) = string(text, i)?;
    let colon = skip_ws(b, end);
    if b.get(colon) != Some(&b':') {
        return Err(at(colon, "`:`"));
    }
    Ok((key, i..end, skip_ws(b, colon + 1)))
}

/// A string, number, `true`, `false` or `null` at `i`: the node and the offset after it.
///
/// Inlined into the builder, as are [`read_key`], [`string`] (but for its escapes) and
/// [`number`]: returned through memory from calls, each node and key was stored and loaded
/// again two or three times, and building the trees of 1,000 tables of 256 entries took 64 ms
/// against 37 ms inlined.
#[inline(always)]
fn scalar(text: &str, i: usize) -> Result<(Node<'_>, usize), String> {
    let b = text.as_bytes();
    let word = |w: &str, kind: Kind<'static>| {
        if b[i..].starts_with(w.as_bytes()) {
            Ok((
                Node {
                    span: i..i + w.len(),
                    kind,
                },
                i + w.len(),
            ))
        } else {
            Err(at(i, "a value"))
        }
    };
    match b[i] {
        b'"' => {
            let (s, end) = string(text, i)?;
            Ok((
                Node {
                    span: i..end,
                    kind: Kind::Str(s),
                },
                end,
            ))
        }
        b't' => word("true", Kind::Bool(true)),
        b'f' => word("false", Kind::Bool(false)),
        b'n' => word("null", Kind::Null),
        b'-' | b'0'..=b'9' => {
            let (end, integer) = number(b, i)?;
            let raw = &text[i..end];
            let kind = if integer && raw.len() <= 18 {
                // At most 18 characters: the digits fit an i64, summed without the general
                // (128-bit) parser, which was a measurable part of loading a table.
                let digits = raw.strip_prefix('-').unwrap_or(raw);
                let n = digits
                    .bytes()
                    .fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
                Kind::Int(if raw.starts_with('-') { -n } else { n }.into())
            } else {
                match integer.then(|| raw.parse::<i128>().ok()).flatten() {
                    Some(n) => Kind::Int(n),
                    None => Kind::Float(raw.to_string()),
                }
            };
            Ok((Node { span: i..end, kind }, end))
        }
        _ => Err(at(i, "a value")),
    }
}

/// The end of the number at `i`, to JSON's grammar (`-? (0 | [1-9][0-9]*) (. [0-9]+)?
/// ([eE] [+-]? [0-9]+)?`), and whether it is an integer (no fraction, no exponent). What
/// follows it is the caller's to judge: `01` is the number `0` and then a stray `1`.
#[inline(always)]
fn number(b: &[u8], i: usize) -> Result<(usize, bool), String> {
    let digits = |mut j: usize| {
        let from = j;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        (j, j > from)
    };
    let mut j = i + usize::from(b[i] == b'-');
    match b.get(j) {
        Some(b'0') => j += 1,
        Some(b'1'..=b'9') => j = digits(j).0,
        _ => return Err(at(j, "a digit")),
    }
    let mut integer = true;
    if b.get(j) == Some(&b'.') {
        let (end, any) = digits(j + 1);
        if !any {
            return Err(at(j + 1, "a digit after the decimal point"));
        }
        (j, integer) = (end, false);
    }
    if matches!(b.get(j), Some(b'e' | b'E')) {
        j += 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let (end, any) = digits(j);
        if !any {
            return Err(at(j, "a digit in the exponent"));
        }
        (j, integer) = (end, false);
    }
    Ok((j, integer))
}

/// The string whose opening quote is at `i`, unescaped (borrowed from the text when it holds
/// no escape), and the offset after its closing quote. A control character (below U+0020) in
/// a string is an error, as JSON has it.
#[inline(always)]
fn string(text: &str, i: usize) -> Result<(Cow<'_, str>, usize), String> {
    let b = text.as_bytes();
    let body = i + 1;
    let mut j = body;
    while let Some(&c) = b.get(j) {
        match c {
            b'"' => return Ok((Cow::Borrowed(&text[body..j]), j + 1)),
            b'\\' => break,
            0..=0x1F => return Err(at(j, "no control character in a string")),
            _ => j += 1,
        }
    }
    string_escaped(text, body, j)
}

/// The rest of [`string`] from its first backslash at `j`: out of line, as escapes are rare
/// and the common path is inlined into the builder.
#[cold]
#[inline(never)]
fn string_escaped(text: &str, body: usize, mut j: usize) -> Result<(Cow<'_, str>, usize), String> {
    let b = text.as_bytes();
    // Escapes: copy runs between them.
    let mut out = String::with_capacity(j - body + 16);
    let mut run = body;
    loop {
        match b.get(j) {
            None => return Err(at(j, "the end of the string")),
            Some(b'"') => {
                out.push_str(&text[run..j]);
                return Ok((Cow::Owned(out), j + 1));
            }
            Some(b'\\') => {
                out.push_str(&text[run..j]);
                let (c, next) = escape(b, j)?;
                out.push(c);
                j = next;
                run = j;
            }
            Some(0..=0x1F) => return Err(at(j, "no control character in a string")),
            Some(_) => j += 1,
        }
    }
}

/// The escape sequence whose backslash is at `i`: the character and the offset after it. A
/// `\u` pair of surrogates is one character; a lone surrogate is an error.
fn escape(b: &[u8], i: usize) -> Result<(char, usize), String> {
    let simple = match b.get(i + 1) {
        Some(b'"') => '"',
        Some(b'\\') => '\\',
        Some(b'/') => '/',
        Some(b'b') => '\u{8}',
        Some(b'f') => '\u{c}',
        Some(b'n') => '\n',
        Some(b'r') => '\r',
        Some(b't') => '\t',
        Some(b'u') => {
            let high = hex4(b, i + 2)?;
            if (0xD800..0xDC00).contains(&high) {
                if b.get(i + 6) == Some(&b'\\') && b.get(i + 7) == Some(&b'u') {
                    let low = hex4(b, i + 8)?;
                    if (0xDC00..0xE000).contains(&low) {
                        let c = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                        return char::from_u32(c)
                            .map(|c| (c, i + 12))
                            .ok_or_else(|| at(i, "a valid escape"));
                    }
                }
                return Err(at(i, "a low surrogate after a high one"));
            }
            return char::from_u32(high)
                .map(|c| (c, i + 6))
                .ok_or_else(|| at(i, "a valid escape"));
        }
        _ => return Err(at(i, "a valid escape")),
    };
    Ok((simple, i + 2))
}

fn hex4(b: &[u8], i: usize) -> Result<u32, String> {
    let digits = b
        .get(i..i + 4)
        .ok_or_else(|| at(i, "four hexadecimal digits"))?;
    let mut n = 0;
    for &d in digits {
        let v = (d as char)
            .to_digit(16)
            .ok_or_else(|| at(i, "four hexadecimal digits"))?;
        n = n * 16 + v;
    }
    Ok(n)
}

/// Moves every span of a tree by `by` bytes, with an explicit stack (the depth is bounded, but
/// nothing here needs recursion).
fn shift_spans(root: &mut Node<'_>, by: usize) {
    let mut stack: Vec<&mut Node<'_>> = vec![root];
    while let Some(node) = stack.pop() {
        node.span = node.span.start + by..node.span.end + by;
        match &mut node.kind {
            Kind::Array(items) => stack.extend(items.iter_mut()),
            Kind::Object(props) => {
                for (_, key_span, value) in props.iter_mut() {
                    *key_span = key_span.start + by..key_span.end + by;
                    stack.push(value);
                }
            }
            _ => {}
        }
    }
}

fn from_jsonc(value: jsonc_parser::ast::Value<'_>) -> Node<'static> {
    use jsonc_parser::ast::Value as V;
    use jsonc_parser::common::Ranged;
    let (span, kind) = match value {
        V::NullKeyword(n) => (n.range, Kind::Null),
        V::BooleanLit(b) => (b.range, Kind::Bool(b.value)),
        V::StringLit(s) => (s.range, Kind::Str(Cow::Owned(s.value.into_owned()))),
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
                    let key = Cow::Owned(p.name.into_string());
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
pub fn parse_toml<'a>(file: &str, text: &'a str, index: &LineIndex) -> Result<Node<'a>, LoadError> {
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

fn toml_table(table: toml::de::DeTable<'_>) -> Kind<'_> {
    let mut props: Props = table
        .into_iter()
        .map(|(k, v)| {
            let key_span = k.span();
            (k.into_inner(), key_span, toml_value(v))
        })
        .collect();
    // The TOML map is ordered by key; source order reads better in errors and keeps the
    // first-seen rule for duplicate detection meaningful.
    props.sort_by_key(|(_, span, _)| span.start);
    Kind::Object(props)
}

fn toml_value(value: toml::Spanned<toml::de::DeValue<'_>>) -> Node<'_> {
    use toml::de::DeValue as V;
    let span = value.span();
    let kind = match value.into_inner() {
        V::String(s) => Kind::Str(s),
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

    /// The word-wise scan finds what a byte loop finds: every special byte at every position
    /// of every length up to three words, behind clean bytes, high bytes and other specials.
    #[test]
    fn json_special_is_the_first_special_byte() {
        let naive = |s: &[u8]| s.iter().position(|&b| b < 0x20 || b == b'"' || b == b'\\');
        for len in 0..25 {
            for fill in [b'x', 0xC3, 0x80, 0xFF, 0x21, b'"' + 1, b'\\' - 1] {
                let clean = vec![fill; len];
                assert_eq!(json_special(&clean), None, "{len} x {fill:#x}");
                for at in 0..len {
                    for b in 0u8..=0xFF {
                        let mut s = clean.clone();
                        s[at] = b;
                        assert_eq!(json_special(&s), naive(&s), "{b:#x} at {at} of {len}");
                        // A second special byte after the first changes nothing.
                        if at + 1 < len {
                            s[len - 1] = b'"';
                            assert_eq!(json_special(&s), naive(&s), "{b:#x} at {at} of {len}");
                        }
                    }
                }
            }
        }
    }

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
    fn columns_count_characters_in_constant_time() {
        let text = format!("{}é\"x\"\n  ab", "a".repeat(1000));
        let index = LineIndex::new(&text);
        assert_eq!(index.locate(&text, 1000), (1, 1001));
        assert_eq!(index.locate(&text, 1002), (1, 1002), "é is one column");
        let second = text.rfind("ab").unwrap();
        assert_eq!(index.locate(&text, second), (2, 3));
        let bom = "\u{feff}{}";
        assert_eq!(LineIndex::new(bom).locate(bom, 3), (1, 1));
    }

    #[test]
    fn the_cursor_finds_what_the_search_finds() {
        let text = "ab\n\ncdé\n\n\n\n\n\n\n\n\n\n\nxy\nlast";
        let index = LineIndex::new(text);
        let mut cursor = 0;
        // Ascending, a long jump, backwards, past the end.
        let offsets = [0, 1, 3, 4, 6, 8, 9, 23, 24, 25, 2, 5, 27, 100];
        for offset in offsets {
            assert_eq!(
                index.locate_from(text, offset, &mut cursor),
                index.locate(text, offset),
                "offset {offset}"
            );
        }
    }

    #[test]
    fn deep_json_is_refused_and_a_bom_accepted() {
        let deep = format!("{{\"a\": {}{}}}", "[".repeat(200), "]".repeat(200));
        let e = parse_json("d.json", &deep).unwrap_err();
        assert!(e.message.contains("nested more than 128"), "{}", e.message);
        assert_eq!((e.line, e.column), (1, 7 + 127));
        // Brackets inside strings do not count.
        let strings = format!("{{\"a\": \"{}\\\"{}\"}}", "[".repeat(300), "{".repeat(300));
        parse_json("s.json", &strings).unwrap();
        let bom = "\u{feff}{\"a\": 1}";
        let node = parse_json("b.json", bom).unwrap();
        assert_eq!(&bom[node.span.clone()], "{\"a\": 1}");
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
