//! Where a large source file may be cut into pieces that parse on their own.
//!
//! tree-sitter's tree of a file takes 15–27 times the file's size, and the scan's flat layout
//! of it (`extract/syntax.rs`) about half as much again; a 4 MB file took 96–162 MB. A file
//! larger than [`ScanOptions::chunk_bytes`](crate::ScanOptions::chunk_bytes) is therefore
//! parsed in pieces, each with tree-sitter's included ranges (so that every node keeps the
//! file's own byte offsets, lines and columns), and each piece's tree is read and dropped
//! before the next is parsed.
//!
//! A piece boundary must fall between two top-level items, or both pieces parse with errors
//! around it. This module finds such places with a light lexer, without a grammar: a line
//! that starts in column 0 with a word (or a decorator, attribute or comment), after a blank
//! line, outside every bracket, string, block comment and (in C) `#if` block, and not a
//! continuation of the statement before it (`else`, `except`, `end`, …). A run of top-level
//! constants cut in two stays one group (the extractor keys module-scope groups by the file,
//! not by the piece).
//!
//! One item can itself be most of a file (a generated parser's tables, an API's constants).
//! An item larger than [`INNER_MIN`] whose opening bracket is on the line that starts it is
//! cut between its members: where the line before ended a member (`,` or `;`, or any line of
//! a Go `const (` block) and the next line starts one. Each such piece is parsed as the item's
//! header line, its run of members and the item's closing bracket, all at their own offsets,
//! so that it parses as the same item with fewer members; the extractor joins the pieces'
//! members back into one table. A file with no place to cut is parsed whole.

use crate::lang::Lang;

/// How a language writes what the lexer must step over.
#[derive(Clone, Copy)]
struct Syntax {
    /// `//` starts a line comment.
    slash_comments: bool,
    /// `#` starts a line comment.
    hash_comments: bool,
    /// `/* … */` comments.
    block_comments: bool,
    /// `'` quotes a string (Python, JavaScript, Ruby, PHP), rather than a character literal
    /// or a lifetime (C, Rust, Go, Java, Zig).
    single_quote_strings: bool,
    /// `"""` and `'''` quote strings across lines (Python).
    triple_quotes: bool,
    /// `` ` `` quotes a string across lines (Go, JavaScript, TypeScript).
    backticks: bool,
    /// Rust raw strings, `r"…"` and `r#"…"#`.
    raw_strings: bool,
    /// A newline ends an unclosed `"`/`'` string (the language has no multi-line strings of
    /// that kind; an unclosed quote is then an error that must not swallow the rest).
    newline_ends_string: bool,
    /// `#if`/`#ifdef`/`#ifndef` … `#endif` blocks (the C preprocessor).
    preprocessor: bool,
}

fn syntax(lang: Lang) -> Option<Syntax> {
    let c_like = Syntax {
        slash_comments: true,
        hash_comments: false,
        block_comments: true,
        single_quote_strings: false,
        triple_quotes: false,
        backticks: false,
        raw_strings: false,
        newline_ends_string: true,
        preprocessor: false,
    };
    Some(match lang {
        Lang::C | Lang::Cpp | Lang::Cuda => Syntax {
            preprocessor: true,
            ..c_like
        },
        Lang::Java => c_like,
        Lang::Go => Syntax {
            backticks: true,
            ..c_like
        },
        Lang::Rust => Syntax {
            raw_strings: true,
            newline_ends_string: false,
            ..c_like
        },
        Lang::Zig => Syntax {
            block_comments: false,
            ..c_like
        },
        Lang::JavaScript | Lang::TypeScript | Lang::Tsx => Syntax {
            single_quote_strings: true,
            backticks: true,
            ..c_like
        },
        Lang::Php => Syntax {
            hash_comments: true,
            single_quote_strings: true,
            newline_ends_string: false,
            ..c_like
        },
        Lang::Python => Syntax {
            slash_comments: false,
            hash_comments: true,
            block_comments: false,
            single_quote_strings: true,
            triple_quotes: true,
            ..c_like
        },
        Lang::Ruby => Syntax {
            slash_comments: false,
            hash_comments: true,
            block_comments: false,
            single_quote_strings: true,
            newline_ends_string: false,
            ..c_like
        },
        // One Markdown table can be the whole file, and a JSON file is one value: neither has
        // a top level to cut at.
        Lang::Markdown | Lang::Json => return None,
    })
}

/// Words that continue the statement before them when they start a line in column 0.
const CONTINUATIONS: &[&str] = &[
    "else", "elif", "elsif", "except", "finally", "end", "rescue", "ensure", "when", "catch",
    "then", "do", "in", "and", "or", "not", "is",
];

/// Items larger than this (and than two pieces) are cut inside, between the members of their
/// outermost bracket (see [`pieces`]); smaller ones are always parsed whole. Far above any
/// opcode table written by hand, so that only generated tables are cut inside.
pub const INNER_MIN: usize = 64 * 1024;

/// The fewest members a piece of an item cut inside holds (see [`find_cuts`]).
const MIN_MEMBERS: usize = 16;

/// One piece of a file: the byte ranges parsed together, in order. A piece cut out of the
/// middle of a large item starts with the item's header (`static const T table[] = {`) and
/// ends with its closing bracket, each at its own place in the file, so that the piece parses
/// as the same item with fewer members.
pub type Piece = Vec<std::ops::Range<usize>>;

/// A place to cut: where the next piece starts, and the item it starts inside (if any).
struct Cut {
    at: usize,
    inside: Option<usize>,
}

/// An item cut inside: its header (from its line's start to just past its opening bracket)
/// and its closer (the closing bracket and a `;` right after it).
struct Inner {
    header: std::ops::Range<usize>,
    closer: std::ops::Range<usize>,
}

/// The bracket that opened the top-level item the lexer is in.
struct Open {
    /// The opening bracket.
    at: usize,
    /// Its line's start, and whether that line starts the item (column 0, a word): only then
    /// is the header that line alone.
    line_start: usize,
    header_ok: bool,
    /// Line starts between its members, where it may be cut.
    candidates: Vec<usize>,
}

/// The pieces `text` is parsed in, each at least `chunk` bytes (empty when the file is parsed
/// whole: no larger than `chunk`, a language without a top level, or no place qualifies).
/// Linear in the text, one pass.
pub fn pieces(lang: Lang, text: &str, chunk: usize) -> Vec<Piece> {
    let (cuts, inner) = find_cuts(lang, text, chunk);
    if cuts.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(cuts.len() + 1);
    let mut from = Cut {
        at: 0,
        inside: None,
    };
    for cut in cuts.into_iter().chain([Cut {
        at: text.len(),
        inside: None,
    }]) {
        let mut piece = Vec::with_capacity(3);
        if let Some(item) = from.inside {
            piece.push(inner[item].header.clone());
        }
        piece.push(from.at..cut.at);
        if let Some(item) = cut.inside {
            piece.push(inner[item].closer.clone());
        }
        out.push(piece);
        from = cut;
    }
    out
}

/// Where each piece after the first starts (see [`pieces`]).
pub fn cuts(lang: Lang, text: &str, chunk: usize) -> Vec<usize> {
    find_cuts(lang, text, chunk)
        .0
        .into_iter()
        .map(|c| c.at)
        .collect()
}

fn find_cuts(lang: Lang, text: &str, chunk: usize) -> (Vec<Cut>, Vec<Inner>) {
    let (mut out, mut inner) = (Vec::new(), Vec::new());
    let Some(syn) = syntax(lang) else {
        return (out, inner);
    };
    let chunk = chunk.max(1);
    if text.len() <= chunk {
        return (out, inner);
    }
    let inner_min = INNER_MIN.max(chunk.saturating_mul(2));
    let b = text.as_bytes();
    let mut last_cut = 0usize;
    let mut depth = 0usize;
    let mut pp_depth = 0usize;
    // Whether the current line holds nothing but blanks so far, and its last byte of code
    // (comments and blanks aside).
    let mut line_blank = true;
    let mut line_last = 0u8;
    // Whether the current line starts a top-level item in column 0.
    let mut line_item = starts_item(b, syn);
    let mut line_start = 0usize;
    let mut open: Option<Open> = None;
    let mut i = 0usize;
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            let (prev_blank, prev_last) = (line_blank, line_last);
            line_blank = true;
            line_last = 0;
            i += 1;
            line_start = i;
            line_item = depth == 0 && pp_depth == 0 && starts_item(&b[i..], syn);
            if i < b.len()
                && line_item
                && prev_blank
                && i - last_cut >= chunk
                && b.len() - i >= chunk / 4
            {
                out.push(Cut {
                    at: i,
                    inside: None,
                });
                last_cut = i;
            }
            if let Some(o) = open.as_mut().filter(|o| o.header_ok && depth == 1) {
                // Between two members: the line before ended one (`,`, `;`, or, in a Go
                // `const (` block, any line) and this one starts the next.
                let go_block = lang == Lang::Go && b[o.at] == b'(';
                if pp_depth == 0
                    && (matches!(prev_last, b',' | b';') || (go_block && prev_last != 0))
                    && starts_member(&b[i..])
                {
                    o.candidates.push(i);
                }
            }
            continue;
        }
        let blank = matches!(c, b' ' | b'\t' | b'\r');
        if !blank {
            line_blank = false;
        }
        // At a line's first non-blank byte: the preprocessor's conditional blocks.
        if syn.preprocessor && c == b'#' && at_line_start(b, i) {
            let rest = &b[i + 1..];
            let word = directive(rest);
            if word.starts_with(b"if") {
                pp_depth += 1;
            } else if word == b"endif" {
                pp_depth = pp_depth.saturating_sub(1);
            }
            // A directive is one (possibly continued) line; `#include <a(b>` must not count.
            i = end_of_directive(b, i);
            continue;
        }
        let mut code = !blank;
        let next = match c {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth == 1 {
                    open = Some(Open {
                        at: i,
                        line_start,
                        header_ok: line_item && pp_depth == 0,
                        candidates: Vec::new(),
                    });
                }
                i + 1
            }
            b')' | b']' | b'}' => {
                if depth == 1 {
                    if let Some(o) = open.take() {
                        if o.header_ok && i - o.at > inner_min && !o.candidates.is_empty() {
                            let closer_end = if b.get(i + 1) == Some(&b';') {
                                i + 2
                            } else {
                                i + 1
                            };
                            let item = inner.len();
                            inner.push(Inner {
                                header: o.line_start..o.at + 1,
                                closer: i..closer_end,
                            });
                            // Every piece of the item holds at least MIN_MEMBERS members,
                            // so that what needs several members side by side (a map of
                            // three pairs, a run of three records) is there in each piece.
                            let n = o.candidates.len();
                            let mut since = 0;
                            for (k, at) in o.candidates.into_iter().enumerate() {
                                since += 1;
                                if since >= MIN_MEMBERS
                                    && n - k >= MIN_MEMBERS
                                    && at - last_cut >= chunk
                                    && i - at >= chunk / 4
                                {
                                    out.push(Cut {
                                        at,
                                        inside: Some(item),
                                    });
                                    last_cut = at;
                                    since = 0;
                                }
                            }
                        }
                    }
                }
                depth = depth.saturating_sub(1);
                i + 1
            }
            b'/' if syn.slash_comments && b.get(i + 1) == Some(&b'/') => {
                code = false;
                line_end(b, i)
            }
            b'/' if syn.block_comments && b.get(i + 1) == Some(&b'*') => {
                code = false;
                find(b, i + 2, b"*/").map_or(b.len(), |e| e + 2)
            }
            b'#' if syn.hash_comments => {
                code = false;
                line_end(b, i)
            }
            b'"' | b'\'' if syn.triple_quotes && b[i..].starts_with(&[c, c, c]) => {
                find_escaped(b, i + 3, &[c, c, c]).map_or(b.len(), |e| e + 3)
            }
            b'r' if syn.raw_strings && raw_string_start(b, i).is_some() => {
                let (hashes, body) = raw_string_start(b, i).unwrap_or((0, i + 1));
                let mut close = vec![b'"'];
                close.extend(std::iter::repeat_n(b'#', hashes));
                find(b, body, &close).map_or(b.len(), |e| e + close.len())
            }
            b'`' if syn.backticks => find_escaped(b, i + 1, b"`").map_or(b.len(), |e| e + 1),
            b'"' => quoted(b, i, b'"', syn.newline_ends_string),
            b'\'' if syn.single_quote_strings => quoted(b, i, b'\'', syn.newline_ends_string),
            b'\'' => char_literal(b, i),
            _ => i + 1,
        };
        if code {
            line_last = b[next - 1];
        }
        // A multi-line string or comment is stepped over whole, its newlines with it: the line
        // it ends on is not a line start the lexer examines.
        i = next;
    }
    (out, inner)
}

/// Whether a line inside a bracket starts a member: its first non-blank byte starts a name,
/// a number, a string or a nested bracket (not a closing bracket, an operator or a
/// continuation word).
fn starts_member(line: &[u8]) -> bool {
    let start = line
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t' | b'\r'))
        .unwrap_or(line.len());
    let line = &line[start..];
    let Some(&first) = line.first() else {
        return false;
    };
    if first.is_ascii_alphabetic() || first == b'_' {
        let word = &line[..line
            .iter()
            .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
            .unwrap_or(line.len())];
        return !CONTINUATIONS.iter().any(|w| w.as_bytes() == word);
    }
    first.is_ascii_digit() || matches!(first, b'"' | b'\'' | b'[' | b'{' | b'(' | b'-')
}

/// Whether a line (starting at column 0) begins a top-level item: a word that does not
/// continue the statement before, a decorator or attribute, or a comment.
fn starts_item(line: &[u8], syn: Syntax) -> bool {
    let Some(&first) = line.first() else {
        return false;
    };
    if first.is_ascii_alphabetic() || first == b'_' {
        let word: &[u8] = &line[..line
            .iter()
            .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
            .unwrap_or(line.len())];
        return !CONTINUATIONS.iter().any(|w| w.as_bytes() == word);
    }
    match first {
        b'@' => true,
        b'#' if syn.hash_comments => true,
        // `#[attr]` in Rust, a directive in C (but not one that closes a block).
        b'#' if syn.preprocessor => {
            let w = directive(&line[1..]);
            !(w == b"endif" || w == b"else" || w.starts_with(b"elif"))
        }
        b'#' => line.get(1) == Some(&b'['),
        b'/' => matches!(line.get(1), Some(b'/' | b'*')),
        _ => false,
    }
}

/// Whether only blanks precede byte `i` on its line.
fn at_line_start(b: &[u8], i: usize) -> bool {
    b[..i]
        .iter()
        .rev()
        .take_while(|c| **c != b'\n')
        .all(|c| *c == b' ' || *c == b'\t')
}

/// The directive word after a `#` (`if`, `ifdef`, `endif`), blanks skipped.
fn directive(rest: &[u8]) -> &[u8] {
    let start = rest
        .iter()
        .position(|c| *c != b' ' && *c != b'\t')
        .unwrap_or(rest.len());
    let rest = &rest[start..];
    let end = rest
        .iter()
        .position(|c| !c.is_ascii_alphabetic())
        .unwrap_or(rest.len());
    &rest[..end]
}

/// The newline ending a directive that starts at `i` (lines ended by `\` continue it).
fn end_of_directive(b: &[u8], mut i: usize) -> usize {
    loop {
        let e = line_end(b, i);
        if e > 0 && e < b.len() && matches!(b[..e].trim_ascii_end().last(), Some(b'\\')) {
            i = e + 1;
            continue;
        }
        return e;
    }
}

/// The index of the newline ending the line that holds `i` (or the text's end).
fn line_end(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|c| *c == b'\n')
        .map_or(b.len(), |p| i + p)
}

/// The first index at or after `from` where `pat` starts.
fn find(b: &[u8], from: usize, pat: &[u8]) -> Option<usize> {
    if from > b.len() {
        return None;
    }
    b[from..]
        .windows(pat.len())
        .position(|w| w == pat)
        .map(|p| from + p)
}

/// [`find`], skipping what a backslash escapes.
fn find_escaped(b: &[u8], from: usize, pat: &[u8]) -> Option<usize> {
    let mut i = from;
    while i < b.len() {
        if b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i..].starts_with(pat) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Past a `"`/`'` string starting at `i` (an unclosed one ends at the newline when the
/// language has no multi-line strings of that kind).
fn quoted(b: &[u8], i: usize, q: u8, newline_ends: bool) -> usize {
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            c if c == q => return j + 1,
            b'\n' if newline_ends => return j,
            _ => j += 1,
        }
    }
    b.len()
}

/// Past a character literal at `i` (`'a'`, `'\n'`, `'\u{1F600}'`, `'é'`), or one byte for a
/// quote that starts none (a Rust lifetime, `'a`).
fn char_literal(b: &[u8], i: usize) -> usize {
    if b.get(i + 1) == Some(&b'\\') {
        // An escape: the closing quote comes within a dozen bytes, on the same line.
        let end = (i + 14).min(b.len());
        if let Some(p) = b[i + 2..end]
            .iter()
            .position(|c| *c == b'\'' || *c == b'\n')
        {
            if b[i + 2 + p] == b'\'' {
                return i + 3 + p;
            }
        }
        return i + 1;
    }
    // One character, up to four bytes of UTF-8, then the closing quote.
    for len in 1..=4 {
        if b.get(i + 1 + len) == Some(&b'\'')
            && b.get(i + 1) != Some(&b'\n')
            && std::str::from_utf8(&b[i + 1..i + 1 + len]).is_ok()
        {
            return i + 2 + len;
        }
    }
    i + 1
}

/// At a Rust raw string (`r"`, `r#"`, `br"` is read from its `r`): the number of `#`s and the
/// index just past the opening quote. An `r` inside an identifier (`for"`?) starts none.
fn raw_string_start(b: &[u8], i: usize) -> Option<(usize, usize)> {
    if i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_') && b[i - 1] != b'b' {
        return None;
    }
    if i > 1 && b[i - 1] == b'b' && (b[i - 2].is_ascii_alphanumeric() || b[i - 2] == b'_') {
        return None;
    }
    let hashes = b[i + 1..].iter().take_while(|c| **c == b'#').count();
    (b.get(i + 1 + hashes) == Some(&b'"')).then_some((hashes, i + 2 + hashes))
}

#[cfg(test)]
mod tests {
    use super::cuts;
    use crate::lang::Lang;

    /// The line each cut starts.
    fn cut_lines(lang: Lang, text: &str, chunk: usize) -> Vec<&str> {
        cuts(lang, text, chunk)
            .into_iter()
            .map(|at| text[at..].lines().next().unwrap_or(""))
            .collect()
    }

    #[test]
    fn cuts_fall_between_top_level_items_only() {
        let src = "package x\n\nconst (\n\tA = 1\n\n\tB = 2\n)\n\nfunc f() {\n\n}\n\nvar s = `\n\nfunc g() {}\n`\n\n// doc\nfunc h() {}\n";
        assert_eq!(
            cut_lines(Lang::Go, src, 1),
            ["const (", "func f() {", "var s = `", "// doc"]
        );
    }

    #[test]
    fn strings_comments_and_continuations_are_stepped_over() {
        let py = "X = '('\n\nY = \"\"\"\n\nZ = 1\n\"\"\"\n\nif a:\n    pass\n\nelse:\n    pass\n\n# c\nW = 2\n";
        assert_eq!(
            cut_lines(Lang::Python, py, 1),
            ["Y = \"\"\"", "if a:", "# c"]
        );
        let c = "/* (\n\nint a; */\n\n#if X\n\nint b;\n\n#endif\n\nint c = '(';\n\nint d;\n";
        assert_eq!(
            cut_lines(Lang::C, c, 1),
            ["#if X", "int c = '(';", "int d;"]
        );
        let rs =
            "fn f<'a>(x: &'a str) {\n\n}\n\nconst S: &str = r#\"\n\nfn g() {}\n\"#;\n\nfn h() {}\n";
        assert_eq!(
            cut_lines(Lang::Rust, rs, 1),
            ["const S: &str = r#\"", "fn h() {}"]
        );
    }

    #[test]
    fn pieces_are_at_least_the_chunk_size_and_small_files_are_whole() {
        let src: String = (0..100).map(|i| format!("X{i} = {i}\n\n")).collect();
        assert!(cuts(Lang::Python, &src, src.len()).is_empty());
        let at = cuts(Lang::Python, &src, 100);
        assert!(!at.is_empty());
        let mut last = 0;
        for a in &at {
            assert!(a - last >= 100, "{at:?}");
            last = *a;
        }
        assert!(src.len() - last >= 25);
        assert!(cuts(Lang::Markdown, &src, 1).is_empty());
    }
}
