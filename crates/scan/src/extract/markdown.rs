//! The Markdown pass: pipe tables with a value column and a name column (`| 0x00 | HALT |`),
//! or only a name column under a heading that states the block's range (`Stack ops
//! (0x10–0x1F)`), each row an item with its format letter and size when the table gives them;
//! and the file's [`Declarations`]: format layouts and the opcode encoding it states for all
//! its tables.

use std::collections::BTreeMap;

use tree_sitter::Node;

use isa_core::{Encoding, Endian, Field, FieldKind, Layout};

use super::syntax::{line_of, mnemonic_like, text};
use super::{Ctx, GroupKind, RawItem};
use crate::eval::parse_int_literal;

/// What a Markdown specification declares for every opcode table in it: the layouts of its
/// format letters and its opcode encoding. `isa-authority gen --lang markdown` writes both, so a
/// scanned specification resolves letters and opcode bytes as the table it was generated from
/// does, not through whatever scheme the reader assumes.
///
/// Only exact declarations count, so prose about formats is never mistaken for one: a pipe
/// table with `Format` and `Layout` columns in which *every* layout parses
/// ([`parse_layout_text`]), and a line ``Encoding: `…` `` whose backticked text is an
/// `[encoding]` declaration ([`parse_encoding_decl`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Declarations {
    /// Format letter → layout.
    pub formats: BTreeMap<String, Layout>,
    /// The opcode encoding, when the file states one.
    pub encoding: Option<Encoding>,
}

/// A layout in the one-line syntax of `Layout`'s `Display` — `4 bytes: op8 rd:reg8 imm16:imm16`,
/// with ` +payload` when a `len` field makes it variable-length and ` (big-endian)` when a
/// multi-byte field is big-endian. `None` unless the text is exactly that and consistent (the
/// `op` width is what the fields leave; `+payload` matches a `len` field).
pub fn parse_layout_text(text: &str) -> Option<Layout> {
    let (head, rest) = text.split_once(':')?;
    let head = head.trim();
    let size: u32 = head
        .strip_suffix("bytes")
        .or_else(|| head.strip_suffix("byte"))?
        .trim()
        .parse()
        .ok()?;
    let mut tokens = rest.split_whitespace();
    let op: u32 = tokens.next()?.strip_prefix("op")?.parse().ok()?;
    let mut fields = Vec::new();
    let mut payload = false;
    let mut endian = Endian::Little;
    for token in tokens {
        match token {
            "+payload" => payload = true,
            "(big-endian)" => endian = Endian::Big,
            _ => {
                let (name, kind_bits) = token.rsplit_once(':')?;
                let digits = kind_bits.find(|c: char| c.is_ascii_digit())?;
                let kind = FieldKind::parse(&kind_bits[..digits])?;
                let bits: u16 = kind_bits[digits..].parse().ok()?;
                fields.push(Field::new(name, bits, kind));
            }
        }
    }
    let layout = Layout::with_endian(size, fields, endian).ok()?;
    (layout.opcode_bits() == op && layout.is_variable() == payload).then_some(layout)
}

/// An `[encoding]` declaration on one line, in the table files' TOML syntax:
/// `escapes = [0xFF, 0x0F38]`, or `opcode_bytes = 2` with an optional `, byte_order = "little"`
/// (big-endian by default, as in table files). `None` unless the text is exactly that and the
/// encoding is valid.
pub fn parse_encoding_decl(text: &str) -> Option<Encoding> {
    let text = text.trim();
    if let Some(rest) = text.strip_prefix("escapes") {
        let list = rest.trim_start().strip_prefix('=')?.trim();
        let inner = list.strip_prefix('[')?.strip_suffix(']')?;
        let escapes = inner
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| parse_int_literal(t).and_then(|n| u32::try_from(n).ok()))
            .collect::<Option<Vec<u32>>>()?;
        return Encoding::escapes(escapes).ok();
    }
    let mut width = None;
    let mut endian = Endian::Big;
    for pair in text.split(',') {
        let (key, value) = pair.split_once('=')?;
        let value = value.trim();
        match key.trim() {
            "opcode_bytes" => width = u32::try_from(parse_int_literal(value)?).ok(),
            "byte_order" => {
                endian = match value.trim_matches('"') {
                    "big" => Endian::Big,
                    "little" => Endian::Little,
                    _ => return None,
                }
            }
            _ => return None,
        }
    }
    Encoding::fixed(width?, endian).ok()
}

/// The ``Encoding: `…` `` line of a Markdown file (a list item or a paragraph; code blocks are
/// skipped): the first one that parses.
fn markdown_encoding(lines: &[&str]) -> Option<Encoding> {
    let mut fenced = false;
    for line in lines {
        let t = line.trim();
        if t.starts_with("```") || t.starts_with("~~~") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let t = t.trim_start_matches(['-', '*', '+']).trim_start();
        let Some(rest) = t
            .get(..9)
            .filter(|h| h.eq_ignore_ascii_case("encoding:"))
            .map(|_| t[9..].trim_start())
        else {
            continue;
        };
        let Some(decl) = rest.strip_prefix('`').and_then(|r| r.split_once('`')) else {
            continue;
        };
        if let Some(encoding) = parse_encoding_decl(decl.0) {
            return Some(encoding);
        }
    }
    None
}

/// A table's body: each row's cleaned cells with their 1-based lines.
type Rows = Vec<Vec<(String, u32)>>;

/// The header and body cells of a pipe table, cleaned.
fn pipe_cells(table: Node, src: &str) -> Option<(Vec<String>, Rows)> {
    fn cells(row: Node, src: &str) -> Vec<(String, u32)> {
        let mut c = row.walk();
        row.named_children(&mut c)
            .filter(|n| n.kind() == "pipe_table_cell")
            .map(|n| (clean_cell(text(n, src)), line_of(n)))
            .collect()
    }
    let mut c = table.walk();
    let rows: Vec<Node> = table.named_children(&mut c).collect();
    let header = rows.iter().find(|r| r.kind() == "pipe_table_header")?;
    let head: Vec<String> = cells(*header, src)
        .into_iter()
        .map(|(t, _)| t.to_ascii_lowercase())
        .collect();
    let body = rows
        .iter()
        .filter(|r| r.kind() == "pipe_table_row")
        .map(|r| cells(*r, src))
        .collect();
    Some((head, body))
}

/// Every pipe table of a Markdown tree, in source order.
fn pipe_tables(root: Node) -> Vec<Node> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.kind() == "pipe_table" {
            out.push(node);
            continue;
        }
        let mut c = node.walk();
        let kids: Vec<Node> = node.named_children(&mut c).collect();
        stack.extend(kids.into_iter().rev());
    }
    out
}

/// The file's declarations (see [`Declarations`]).
pub(super) fn markdown_declarations(ctx: &Ctx, root: Node) -> Declarations {
    let mut formats = BTreeMap::new();
    for table in pipe_tables(root) {
        let Some((head, body)) = pipe_cells(table, ctx.src) else {
            continue;
        };
        let letter_col = head.iter().position(|h| h == "format" || h == "fmt");
        let layout_col = head.iter().position(|h| h == "layout");
        let (Some(lc), Some(yc)) = (letter_col, layout_col) else {
            continue;
        };
        let parsed: Option<Vec<(String, Layout)>> = body
            .iter()
            .map(|row| {
                let letter = row.get(lc).map(|(t, _)| t.replace("\\|", "|"))?;
                let layout = parse_layout_text(&row.get(yc)?.0)?;
                (!letter.is_empty()).then_some((letter, layout))
            })
            .collect();
        for (letter, layout) in parsed.unwrap_or_default() {
            formats.entry(letter).or_insert(layout);
        }
    }
    Declarations {
        formats,
        encoding: markdown_encoding(&ctx.lines),
    }
}

fn clean_cell(s: &str) -> String {
    s.trim()
        .trim_matches(['`', '*', '_', ' '])
        .trim()
        .to_string()
}

/// The mnemonic of a Markdown name cell: the cell itself, or its first word when everything
/// after that word is decoration without letters or digits (`C_ADD 🔒`, `HALT ✓`, `NOP *`).
/// A cell whose later words are text (`COMPRESSED ADD rd, rs1`) describes, it does not name.
fn cell_mnemonic(cell: &str) -> Option<&str> {
    if mnemonic_like(cell) {
        return Some(cell);
    }
    let (first, rest) = cell.split_once(char::is_whitespace)?;
    (mnemonic_like(first) && !rest.chars().any(char::is_alphanumeric)).then_some(first)
}

pub(super) fn markdown_pass(ctx: &mut Ctx, root: Node) {
    let mut stack = vec![(root, String::new())];
    while let Some((node, heading)) = stack.pop() {
        let mut c = node.walk();
        let kids: Vec<Node> = node.named_children(&mut c).collect();
        let mut current = heading.clone();
        let mut next = Vec::new();
        for k in &kids {
            if k.kind() == "atx_heading" || k.kind() == "setext_heading" {
                current = text(*k, ctx.src)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .trim_start_matches('#')
                    .trim()
                    .to_string();
            } else if k.kind() == "pipe_table" {
                if let Some((head, body)) = pipe_cells(*k, ctx.src) {
                    markdown_table(ctx, *k, &current, head, body);
                }
            } else if k.kind() == "html_block" {
                if let Some((head, body)) = html_table(text(*k, ctx.src), line_of(*k)) {
                    markdown_table(ctx, *k, &current, head, body);
                }
            } else if k.kind() == "fenced_code_block" || k.kind() == "indented_code_block" {
                code_block_map(ctx, *k, &current);
            } else {
                next.push((*k, current.clone()));
            }
        }
        stack.extend(next.into_iter().rev());
    }
}

fn markdown_table(ctx: &mut Ctx, table: Node, heading: &str, head: Vec<String>, body: Rows) {
    if body.is_empty() {
        return;
    }
    let col_share = |i: usize, f: &dyn Fn(&str) -> bool| -> f64 {
        let n = body
            .iter()
            .filter(|r| r.get(i).is_some_and(|(t, _)| f(t)))
            .count();
        n as f64 / body.len() as f64
    };
    let value_col = (0..head.len()).find(|&i| {
        let h = &head[i];
        (h.contains("opcode")
            || h.contains("hex")
            || h.contains("code")
            || h == "op"
            || h == "byte"
            || h == "value"
            || h == "#")
            && !h.contains("name")
            && col_share(i, &|t| cell_value(h, t).is_some()) >= 0.5
    });
    let name_col = (0..head.len())
        .filter(|&i| Some(i) != value_col)
        .find(|&i| {
            let h = &head[i];
            (h.contains("mnemonic")
                || h.contains("name")
                || h.contains("instruction")
                || h == "op"
                || h.contains("operation")
                || h.contains("symbol")
                || h == "opcode")
                && col_share(i, &|t| cell_mnemonic(t).is_some()) >= 0.5
        });
    let Some(name_col) = name_col else { return };
    let Some(value_col) = value_col else {
        heading_range_table(ctx, table, heading, &head, &body, name_col);
        return;
    };
    let format_col = (0..head.len()).find(|&i| head[i] == "format" || head[i] == "fmt");
    let size_col = (0..head.len()).find(|&i| head[i] == "size");
    let mut items = Vec::new();
    for row in &body {
        let (Some((vt, vn)), Some((nt, _))) = (row.get(value_col), row.get(name_col)) else {
            continue;
        };
        let (Some(value), Some(name)) = (cell_value(&head[value_col], vt), cell_mnemonic(nt))
        else {
            continue;
        };
        let format = format_col
            .and_then(|i| row.get(i))
            .map(|(t, _)| t.replace("\\|", "|"))
            .filter(|t| {
                (t.len() == 1 && t.chars().all(|c| c.is_ascii_uppercase()))
                    || ctx.declared.formats.contains_key(t)
            });
        // A plain byte count only: `5+N` (a payload) and `-` state no fixed size.
        let size = size_col
            .and_then(|i| row.get(i))
            .filter(|(t, _)| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()))
            .and_then(|(t, _)| t.parse::<u32>().ok())
            .filter(|n| *n > 0);
        items.push(RawItem {
            name: name.to_string(),
            value,
            line: *vn,
            column: 1,
            hex: vt.contains("0x") || vt.contains("0X") || head[value_col].contains("hex"),
            format,
            implicit: false,
            size,
            reserved: false,
        });
    }
    if !items.is_empty() {
        let g = ctx.group(table, GroupKind::Markdown, heading.to_string());
        g.context.push(' ');
        g.context.push_str(&head.join(" "));
        g.items.extend(items);
    }
}

/// The (value, name, 0-based character column) pairs of one line of a plain-text opcode map: the line
/// starts with a hexadecimal literal followed by a name (`0x10      ADD      Arithmetic`), or
/// is a comma-separated list of such pairs (`0x60 TMATMUL, 0x61 TCONV2D, 0x62 TATTN`). A
/// range (`0x04-0x0F Reserved (16)`), a label (`0x00:`), prose (`0x00 is …`: a name must be
/// in capitals, or the word `Reserved`) and code (`0x00, 0x01`) give nothing.
fn code_map_pairs(line: &str) -> Vec<(i64, &str, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for seg in line.split(',') {
        let seg_start = start;
        start += seg.len() + 1;
        let mut toks = seg.split_whitespace();
        let (Some(v), Some(n)) = (toks.next(), toks.next()) else {
            continue;
        };
        let hex = v.len() > 2
            && (v.starts_with("0x") || v.starts_with("0X"))
            && v[2..].chars().all(|c| c.is_ascii_hexdigit());
        let name_ok = mnemonic_like(n)
            && (!n.chars().any(char::is_lowercase) || n.eq_ignore_ascii_case("reserved"));
        if !(hex && name_ok) {
            continue;
        }
        let Some(value) = parse_int_literal(v) else {
            continue;
        };
        let byte = seg_start + seg.find(n).unwrap_or(0);
        out.push((value, n, line[..byte].chars().count()));
    }
    out
}

/// An opcode map written as plain text in a code block (specifications often keep their
/// complete map there, aligned in columns): every line of [`code_map_pairs`] is an item, one
/// table per block. A disassembly listing has the same shape (`0x0004  PUSH 5`), but its
/// values are addresses and its names repeat, so a block whose names are not nearly all
/// distinct, or that holds fewer than three pairs, is not a map.
fn code_block_map(ctx: &mut Ctx, block: Node, heading: &str) {
    let mut c = block.walk();
    let Some(content) = block
        .named_children(&mut c)
        .find(|k| k.kind() == "code_fence_content")
        .or_else(|| (block.kind() == "indented_code_block").then_some(block))
    else {
        return;
    };
    let first_line = line_of(content);
    let mut items = Vec::new();
    for (i, line) in text(content, ctx.src).lines().enumerate() {
        for (value, name, col) in code_map_pairs(line) {
            items.push(RawItem {
                name: name.to_string(),
                value,
                line: first_line + i as u32,
                column: col as u32 + 1,
                hex: true,
                format: None,
                implicit: false,
                size: None,
                reserved: false,
            });
        }
    }
    let names: std::collections::BTreeSet<&str> = items.iter().map(|i| i.name.as_str()).collect();
    if items.len() < 3 || names.len() * 10 < items.len() * 9 {
        return;
    }
    let g = ctx.group(block, GroupKind::Markdown, heading.to_string());
    g.context.push_str(" code map");
    g.items.extend(items);
}

/// A value cell: a number literal, or under a `Hex` header bare hexadecimal digits (`1F`,
/// `0A`: read as decimal, `10` would be ten and `0A` nothing).
fn cell_value(header: &str, cell: &str) -> Option<i64> {
    let t = cell.trim();
    if header.contains("hex")
        && (1..=4).contains(&t.len())
        && t.chars().all(|c| c.is_ascii_hexdigit())
    {
        return i64::from_str_radix(t, 16).ok();
    }
    parse_int_literal(t)
}

/// The header and body rows of an HTML `<table>` written in a Markdown file (GitHub renders
/// them; specifications use them for cells a pipe table cannot hold). Rows are `<tr>`, cells
/// `<th>`/`<td>` with their tags stripped (`<strong>push_i32</strong>` is `push_i32`); the
/// header is the first row of `<th>` cells. One pass over the block, so its cost is linear in
/// its length whatever its nesting; a block with no `<table` or no header gives nothing.
fn html_table(block: &str, first_line: u32) -> Option<(Vec<String>, Rows)> {
    let lower = block.to_ascii_lowercase();
    let start = lower.find("<table")?;
    let end = lower[start..]
        .find("</table")
        .map_or(lower.len(), |i| start + i);
    let mut head: Option<Vec<String>> = None;
    let mut body: Rows = Vec::new();
    // Lines counted incrementally from the block's start.
    let (mut line, mut counted) = (first_line, 0usize);
    let mut at = start;
    while let Some(i) = lower[at..end].find("<tr") {
        let row_start = at + i;
        let row_end = lower[row_start + 3..end]
            .find("<tr")
            .map_or(end, |j| row_start + 3 + j);
        line += block.as_bytes()[counted..row_start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u32;
        counted = row_start;
        let (cells, header) = html_cells(&block[row_start..row_end], &lower[row_start..row_end]);
        if header && head.is_none() {
            head = Some(cells.into_iter().map(|c| c.to_ascii_lowercase()).collect());
        } else if !header && head.as_ref().is_some_and(|h| cells.len() >= h.len()) {
            // A row of fewer cells than the header spans columns (`<td colspan="3">`): a note
            // under the row above, not a row of its own.
            body.push(cells.into_iter().map(|c| (c, line)).collect());
        }
        at = row_end;
    }
    Some((head?, body))
}

/// The next occurrence of a needle at or after a position, remembered: positions only move
/// forward, so each needle's searches cover the text once in all (a row of 100,000 cells with
/// no `<th` would otherwise be searched to its end once per cell).
struct Next<'a> {
    hay: &'a str,
    needle: &'static str,
    found: Option<Option<usize>>,
}

impl<'a> Next<'a> {
    fn new(hay: &'a str, needle: &'static str) -> Next<'a> {
        Next {
            hay,
            needle,
            found: None,
        }
    }

    fn at_or_after(&mut self, pos: usize) -> Option<usize> {
        match self.found {
            Some(None) => return None,
            Some(Some(p)) if p >= pos => return Some(p),
            _ => {}
        }
        let hit = self
            .hay
            .get(pos..)
            .and_then(|h| h.find(self.needle))
            .map(|i| pos + i);
        self.found = Some(hit);
        hit
    }
}

/// The cells of one `<tr>` (text without tags, entities `&amp;` `&lt;` `&gt;` decoded) and
/// whether they are header cells. `lower` is `row` lower-cased (same byte offsets).
fn html_cells(row: &str, lower: &str) -> (Vec<String>, bool) {
    let mut cells = Vec::new();
    let mut header = false;
    let (mut td, mut th) = (Next::new(lower, "<td"), Next::new(lower, "<th"));
    let (mut td_end, mut th_end) = (Next::new(lower, "</td"), Next::new(lower, "</th"));
    let mut gt = Next::new(lower, ">");
    let mut at = 0;
    loop {
        let open = match (td.at_or_after(at), th.at_or_after(at)) {
            (Some(a), Some(b)) => Some((a.min(b), b < a)),
            (Some(a), None) => Some((a, false)),
            (None, Some(b)) => Some((b, true)),
            (None, None) => None,
        };
        let Some((open, is_th)) = open else {
            break;
        };
        let Some(close_tag) = gt.at_or_after(open) else {
            break;
        };
        let content_start = close_tag + 1;
        let close = if is_th {
            th_end.at_or_after(content_start)
        } else {
            td_end.at_or_after(content_start)
        };
        let content_end = [
            close,
            td.at_or_after(content_start),
            th.at_or_after(content_start),
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(row.len());
        header |= is_th;
        cells.push(clean_cell(&strip_tags(&row[content_start..content_end])));
        at = content_end.max(open + 1);
    }
    (cells, header)
}

/// Text with `<…>` tags removed and the three entities a name may need decoded.
fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The one value range a heading announces (`Viewpoint ops (0x70–0x7F, Format E)`): two
/// hexadecimal literals joined by a dash, an en/em dash or `..`. None when the heading names
/// no range or more than one, since rows could then not be placed.
fn heading_range(heading: &str) -> Option<(i64, i64)> {
    let mut found = None;
    for token in heading
        .split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | ',' | ';' | ':'))
    {
        let parts: Vec<&str> = token
            .split(['-', '\u{2013}', '\u{2014}'])
            .flat_map(|p| p.split(".."))
            .collect();
        if parts.len() != 2
            || !parts
                .iter()
                .all(|p| p.to_ascii_lowercase().starts_with("0x"))
        {
            continue;
        }
        let (Some(lo), Some(hi)) = (parse_int_literal(parts[0]), parse_int_literal(parts[1]))
        else {
            continue;
        };
        if lo >= hi || found.is_some() {
            return None;
        }
        found = Some((lo, hi));
    }
    found
}

/// A Markdown table that lists mnemonics without a value column under a heading that gives
/// the block's value range (specifications often document one opcode block per section):
/// row `i` has value `lo + i`. Only taken when every row names a mnemonic and the rows fit
/// the range, so a prose table or a partial listing is never numbered by guesswork.
fn heading_range_table(
    ctx: &mut Ctx,
    table: Node,
    heading: &str,
    head: &[String],
    body: &[Vec<(String, u32)>],
    name_col: usize,
) {
    let Some((lo, hi)) = heading_range(heading) else {
        return;
    };
    if body.len() < 2 || body.len() as i64 > hi - lo + 1 {
        return;
    }
    let mut items = Vec::new();
    for (i, row) in body.iter().enumerate() {
        let Some(name) = row.get(name_col).and_then(|(t, _)| cell_mnemonic(t)) else {
            return;
        };
        items.push(RawItem {
            name: name.to_string(),
            value: lo + i as i64,
            line: row[name_col].1,
            column: 1,
            hex: true,
            format: None,
            implicit: false,
            size: None,
            reserved: false,
        });
    }
    let g = ctx.group(table, GroupKind::Markdown, heading.to_string());
    g.context.push(' ');
    g.context.push_str(&head.join(" "));
    g.items.extend(items);
}

#[cfg(test)]
mod tests {
    use super::super::{extract_with_declarations, Group};
    use super::*;
    use crate::lang::Lang;

    #[test]
    fn heading_range_takes_exactly_one_hex_range() {
        assert_eq!(
            heading_range("8.12 Viewpoint — Babel (0x70\u{2013}0x7F, Format E)"),
            Some((0x70, 0x7F))
        );
        assert_eq!(heading_range("Block 0x10-0x1F"), Some((0x10, 0x1F)));
        assert_eq!(heading_range("Slots [0x20..0x2F]"), Some((0x20, 0x2F)));
        assert_eq!(heading_range("Registers (R0\u{2013}R15)"), None);
        assert_eq!(heading_range("Sections 3-4"), None);
        assert_eq!(heading_range("0x00-0x03 and 0x10-0x13"), None);
        assert_eq!(heading_range("Backwards (0x1F-0x10)"), None);
    }

    #[test]
    fn html_tables_give_header_and_rows() {
        let block = "<table>\n<tr><th>Hex</th><th>Name</th></tr>\n<tr>\n<td>0A</td>\n\
                     <td><strong>push&amp;pop</strong></td>\n</tr>\n\
                     <tr><td></td><td colspan=\"1\">a note</td></tr>\n\
                     <tr><td>1F<td>add</tr>\n</table>";
        let (head, body) = html_table(block, 10).expect("table");
        assert_eq!(head, ["hex", "name"]);
        let cells: Vec<Vec<&str>> = body
            .iter()
            .map(|r| r.iter().map(|(t, _)| t.as_str()).collect())
            .collect();
        // The colspan note has as many cells here (2), so it stays a row; an unclosed `<td>`
        // ends at the next cell.
        assert_eq!(
            cells,
            [
                vec!["0A", "push&pop"],
                vec!["", "a note"],
                vec!["1F", "add"]
            ]
        );
        assert_eq!(body[0][0].1, 12);
        assert_eq!(cell_value("hex", "0A"), Some(10));
        assert_eq!(cell_value("hex", "10"), Some(16));
        assert_eq!(cell_value("opcode", "10"), Some(10));
        assert_eq!(cell_value("hex", "0x1F"), Some(31));
        assert!(html_table("<div>no table</div>", 1).is_none());
        assert!(html_table("<table><tr><td>1</td></tr></table>", 1).is_none());
    }

    #[test]
    fn code_map_lines_give_value_name_pairs() {
        let names = |l: &str| {
            code_map_pairs(l)
                .into_iter()
                .map(|(v, n, c)| (v, n.to_string(), c))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names("0x10      ADD   Arithmetic   Format E"),
            [(0x10, "ADD".into(), 10)]
        );
        assert_eq!(
            names("  0x60 TMUL, 0x61 TADD"),
            [(0x60, "TMUL".into(), 7), (0x61, "TADD".into(), 18)]
        );
        assert_eq!(names("0x7F Reserved"), [(0x7F, "Reserved".into(), 5)]);
        for none in [
            "0x04-0x0F Reserved (16)",
            "0x00: HALT",
            "0x00 is the first opcode",
            "0x00, 0x01, 0x02",
            "HALT 0x00",
        ] {
            assert!(names(none).is_empty(), "{none}");
        }
    }

    fn declared(src: &str) -> (Vec<Group>, Declarations) {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&Lang::Markdown.grammar())
            .expect("grammar");
        let tree = parser.parse(src, None).expect("parse");
        extract_with_declarations(Lang::Markdown, &tree, src)
    }

    #[test]
    fn layout_text_parses_exactly_what_layouts_display() {
        let mut layouts: Vec<Layout> = isa_core::Scheme::flux_unified()
            .formats
            .into_values()
            .chain(isa_core::Scheme::flux_interpreter().formats.into_values())
            .collect();
        layouts.push(
            Layout::with_endian(
                5,
                vec![
                    Field::new("dst", 8, FieldKind::Register),
                    Field::new("off", 16, FieldKind::SignedImmediate),
                ],
                Endian::Big,
            )
            .unwrap(),
        );
        for layout in layouts {
            let text = layout.to_string();
            assert_eq!(parse_layout_text(&text), Some(layout), "{text}");
        }
        // A wide opcode is whatever the fields leave; kinds take their long spellings too.
        assert_eq!(
            parse_layout_text("4 bytes: op16 rd:reg8 rs:reg8")
                .unwrap()
                .opcode_bits(),
            16
        );
        assert!(parse_layout_text("2 bytes: op8 rd:register8").is_some());
        for bad in [
            "4 bytes: op8 rd:reg8",   // op8 is not what one register leaves of four bytes
            "3 bytes: op8 len:len16", // a payload field without `+payload`
            "[op][rd][imm8]",         // FORMATS.md prose
            "4 bytes op8 rd:reg8",    // no colon after the size
            "2 bytes: op8 rd:reg8 junk",
        ] {
            assert_eq!(parse_layout_text(bad), None, "{bad}");
        }
    }

    #[test]
    fn encoding_declarations_parse_like_table_files() {
        assert_eq!(
            parse_encoding_decl("escapes = []"),
            Some(Encoding::default())
        );
        assert_eq!(
            parse_encoding_decl("escapes = [0xFF, 0x0F, 0x0F38]"),
            Some(Encoding::escapes([0xFF, 0x0F, 0x0F38]).unwrap())
        );
        assert_eq!(
            parse_encoding_decl("opcode_bytes = 2"),
            Some(Encoding::fixed(2, Endian::Big).unwrap())
        );
        assert_eq!(
            parse_encoding_decl("opcode_bytes = 2, byte_order = \"little\""),
            Some(Encoding::fixed(2, Endian::Little).unwrap())
        );
        for bad in [
            "escapes = [0x00]",
            "escapes = [0x0F38]",
            "opcode_bytes = 9",
            "byte_order = \"big\"",
            "opcode_bytes = 2, byte_order = \"middle\"",
            "one byte per opcode",
        ] {
            assert_eq!(parse_encoding_decl(bad), None, "{bad}");
        }
    }

    #[test]
    fn markdown_declarations_formats_sizes_and_encoding() {
        let src = "# ISA\n\n```\n- Encoding: `opcode_bytes = 4`\n```\n\n- Encoding: `escapes = [0xFF]` (one-byte opcodes)\n\n## Instructions\n\n| Opcode | Mnemonic | Format | Size |\n|---|---|---|---|\n| 0x00 | HALT | A | 1 |\n| 0x3C | JZ | D2 | - |\n| 0x50 | TELL | G | 3+N |\n| 0xFF05 | VSIZE | - | 4 |\n| 0x51 | ODD | Q2 | 9 |\n\n## Formats\n\n| Format | Size | Layout |\n|---|---|---|\n| D2 | 4 | 4 bytes: op8 reg:reg8 imm16:simm16 |\n| G | 3 | 3 bytes: op8 len:len16 +payload |\n\n## Prose about formats\n\n| Format | Layout |\n|---|---|\n| A | [op] |\n| Q2 | 9 bytes: op8 x:imm64 |\n";
        let (groups, d) = declared(src);
        // The fenced line is an example, not the file's encoding.
        assert_eq!(d.encoding, Some(Encoding::escapes([0xFF]).unwrap()));
        // A table in which one layout is prose declares nothing.
        assert_eq!(d.formats.keys().collect::<Vec<_>>(), ["D2", "G"]);
        let g = groups
            .iter()
            .find(|g| g.symbol == "Instructions")
            .expect("table");
        let facts: Vec<(&str, Option<&str>, Option<u32>)> = g
            .items
            .iter()
            .map(|i| (i.name.as_str(), i.format.as_deref(), i.size))
            .collect();
        assert_eq!(
            facts,
            [
                ("HALT", Some("A"), Some(1)),
                // A letter the file declares is kept even when it is not one capital.
                ("JZ", Some("D2"), None),
                // `3+N` states no fixed size.
                ("TELL", Some("G"), None),
                ("VSIZE", None, Some(4)),
                // An undeclared multi-character cell is not a letter.
                ("ODD", None, Some(9)),
            ]
        );
    }
}
