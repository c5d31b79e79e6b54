//! The switch pass: cases whose label is an integer literal (`case 0x01:`, `0x01 =>`, or
//! `op == 0x01` in Go tagless switches and Python `if`/`elif` chains), named by the comment
//! beside the label, the comment after the arm's closing brace, a heading comment above that
//! repeats the value, or the enum member the arm yields (`0x01 => Some(Op::Push)`); in Rust
//! also the reverse mapping (`Op::Push => 0x01`). The group is the switch, named after the
//! function holding it.

use tree_sitter::Node;

use super::syntax::{col_of, comment_text, line_of, mnemonic_like, name_of, text, unwrap};
use super::{Ctx, GroupKind, RawItem};
use crate::eval::parse_int_literal;
use crate::lang::{CaseLabel, Kinds};

/// A comment on `line` after byte column `after`, or on the next line when that line is only
/// a comment: the text of a switch case's name.
fn case_comment(lines: &[&str], line: u32, after_col: usize) -> Option<String> {
    let this = lines.get(line as usize - 1)?;
    let tail = this.get(after_col..).unwrap_or("");
    if let Some(c) = comment_text(tail) {
        return Some(c);
    }
    let next = lines.get(line as usize)?.trim();
    if next.starts_with("//") || next.starts_with("/*") || next.starts_with('#') {
        return comment_text(next);
    }
    None
}

/// The mnemonic at the start of a case comment (`HALT`, `IADD — Format E`, `PUSH val`):
/// an upper-case word, since prose comments (`stop here`) are not names.
fn comment_mnemonic(comment: &str) -> Option<String> {
    let word: String = comment
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
        .collect();
    let word = word.trim_end_matches('.');
    (word.len() >= 2 && mnemonic_like(word) && !word.chars().any(|c| c.is_ascii_lowercase()))
        .then(|| word.to_string())
}

/// A format letter mentioned in a comment (`Format E: …`).
fn comment_format(comment: &str) -> Option<String> {
    let lower = comment.to_ascii_lowercase();
    let i = lower.find("format ")?;
    let letter = comment[i + 7..].chars().next()?;
    (letter.is_ascii_uppercase()
        && !comment[i + 8..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric()))
    .then(|| letter.to_string())
}

/// The node holding a case's label, as the language's [`CaseLabel`] says.
fn case_value<'t>(kinds: &Kinds, case: Node<'t>) -> Option<Node<'t>> {
    match kinds.case_label {
        CaseLabel::Pattern { unwrap: true } => case.child_by_field_name("pattern").map(|p| {
            if p.named_child_count() == 1 {
                p.named_child(0).unwrap_or(p)
            } else {
                p
            }
        }),
        CaseLabel::Pattern { unwrap: false } => case.child_by_field_name("pattern"),
        CaseLabel::Condition { match_case } if case.kind() != match_case => {
            case.child_by_field_name("condition")
        }
        CaseLabel::Condition { .. } => case.named_child(0).map(|n| unwrap(kinds, n)),
        CaseLabel::SoleValue => case.child_by_field_name("value").and_then(|v| {
            if v.named_child_count() == 1 {
                v.named_child(0)
            } else {
                None
            }
        }),
        CaseLabel::Value => case
            .child_by_field_name("value")
            .or_else(|| case.named_child(0))
            .map(|n| unwrap(kinds, n)),
    }
}

/// The integer a case label tests: the literal itself (`case 0x01:`), or the literal side of
/// an equality (`case op == 0x01:` in a Go tagless switch).
fn case_literal<'t>(kinds: &Kinds, v: Node<'t>, src: &str) -> Option<(Node<'t>, i64)> {
    if let Some(x) = parse_int_literal(text(v, src)) {
        return Some((v, x));
    }
    if !kinds.comparisons.contains(&v.kind()) {
        return None;
    }
    let mut c = v.walk();
    let kids: Vec<Node> = v.children(&mut c).collect();
    if kids.len() != 3 || text(kids[1], src).trim() != "==" {
        return None;
    }
    [kids[2], kids[0]]
        .into_iter()
        .find_map(|k| parse_int_literal(text(k, src)).map(|x| (k, x)))
}

/// The last segment of a qualified enum path (`Self::Push`, `Op.HALT`, `Opcode::Nop`), when
/// `t` is exactly such a path, possibly wrapped as `Some(…)`/`Ok(…)` or after `return`.
fn path_name(t: &str) -> Option<String> {
    let mut t = t.trim().trim_end_matches([',', ';']).trim();
    t = t.strip_prefix("return ").unwrap_or(t).trim();
    t = t.trim_end_matches([',', ';']).trim();
    for w in ["Some(", "Ok(", "Option::Some("] {
        if let Some(inner) = t.strip_prefix(w).and_then(|r| r.strip_suffix(')')) {
            t = inner.trim();
            break;
        }
    }
    let sep = if t.contains("::") { "::" } else { "." };
    let parts: Vec<&str> = t.split(sep).collect();
    let ident = |p: &str| {
        !p.is_empty()
            && p.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    // `self.halted` is a field, not an enum member.
    (parts.len() >= 2 && parts.iter().all(|p| ident(p)) && !matches!(parts[0], "self" | "this"))
        .then(|| parts[parts.len() - 1].to_string())
        .filter(|n| mnemonic_like(n))
}

/// The single statement or expression a case body consists of, when it is one.
fn case_body_text<'a>(ctx: &Ctx<'a, '_>, case: Node, label_end: usize) -> Option<&'a str> {
    if let Some(v) = case
        .child_by_field_name("value")
        .filter(|_| ctx.kinds.arm_values)
    {
        return Some(text(v, ctx.src));
    }
    let body = ctx.src.get(label_end..case.end_byte())?;
    let body = body
        .trim_start()
        .strip_prefix([':', '{'])
        .unwrap_or(body)
        .trim();
    let body = body.strip_prefix('{').unwrap_or(body).trim();
    let first = body.split([';', '\n']).next()?.trim();
    (!first.is_empty()).then_some(first)
}

pub(super) fn switch_pass(ctx: &mut Ctx, root: Node) {
    let parents = ctx.parents;
    for (at, node) in parents.named() {
        if ctx.kinds.cases.contains(&parents.kind_at(at)) {
            if let Some(item) = case_item(ctx, node) {
                // The group is the switch: the nearest ancestor holding the cases (for an
                // if/elif chain, the `if` that holds the `elif`s).
                let mut sw = if ctx.kinds.switches.contains(&node.kind()) {
                    Some(node)
                } else {
                    ctx.parents.parent(node)
                };
                while let Some(s) = sw {
                    if ctx.kinds.switches.contains(&s.kind()) {
                        break;
                    }
                    sw = ctx.parents.parent(s);
                }
                let sw = sw.or(ctx.parents.parent(node)).unwrap_or(root);
                let func = {
                    let mut f = ctx.parents.parent(sw);
                    while let Some(n) = f {
                        if ctx.kinds.functions.contains(&n.kind()) {
                            break;
                        }
                        f = ctx.parents.parent(n);
                    }
                    f.and_then(|f| name_of(ctx.kinds, f, ctx.src))
                        .unwrap_or_default()
                };
                ctx.group(sw, GroupKind::Switch, func).items.push(item);
            }
        }
    }
}

/// One switch case as an item: an integer label named by the comment beside it
/// (`case 0x01: // NOP`) or by the enum member the body yields (`0x01 => Some(Op::Push)`),
/// or, in Rust, an enum path label whose arm yields an integer (`Op::Push => 0x01`).
fn case_item(ctx: &Ctx, node: Node) -> Option<RawItem> {
    let v = case_value(ctx.kinds, node)?;
    let item = |name: String, lit: Node, value: i64, format: Option<String>| {
        let vt = text(lit, ctx.src);
        RawItem {
            name,
            value,
            line: line_of(lit),
            column: col_of(lit),
            hex: vt.contains("0x") || vt.contains("0X"),
            format,
            implicit: false,
            size: None,
            reserved: false,
        }
    };
    let Some((lit, value)) = case_literal(ctx.kinds, v, ctx.src) else {
        // `Op::Push => 0x01`: the reverse mapping.
        if !ctx.kinds.arm_values {
            return None;
        }
        let name = path_name(text(v, ctx.src))?;
        let body = node.child_by_field_name("value")?;
        let value = parse_int_literal(text(body, ctx.src).trim())?;
        return Some(item(name, body, value, None));
    };
    let end = v.end_position();
    // The comment after the label names the case.
    let after = end.column
        + ctx.lines[end.row]
            .get(end.column..)
            .and_then(|s| s.find([':', '>', '{']).map(|i| i + 1))
            .unwrap_or(0);
    let comment = case_comment(&ctx.lines, end.row as u32 + 1, after).or_else(|| {
        // `0x01 => {\n    self.pop()?;\n} // POP`: the name trails the block's closing brace.
        let close = node.end_position();
        let line = ctx.lines.get(close.row)?;
        (close.row > end.row && line.trim_start().starts_with('}'))
            .then(|| comment_text(line.get(close.column..)?))
            .flatten()
    });
    if let Some(name) = comment.as_deref().and_then(comment_mnemonic) {
        return Some(item(
            name,
            lit,
            value,
            comment.as_deref().and_then(comment_format),
        ));
    }
    if let Some(name) = heading_name(&ctx.lines, line_of(node), value) {
        return Some(item(name, lit, value, None));
    }
    let name = path_name(case_body_text(ctx, node, v.end_byte())?)?;
    Some(item(name, lit, value, None))
}

/// A case introduced by a comment line that names it with its value
/// (`// ── EVOLVE (0x7C) ──` above `case 0x7C: {`): the upper-case word right before the
/// value, when the value in the comment is the case's own.
fn heading_name(lines: &[&str], line: u32, value: i64) -> Option<String> {
    let above = lines.get((line as usize).checked_sub(2)?)?.trim();
    if !(above.starts_with("//") || above.starts_with('#') || above.starts_with("/*")) {
        return None;
    }
    let body = comment_text(above)?;
    let tokens: Vec<&str> = body
        .split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | ',' | ':' | '='))
        .filter(|t| !t.is_empty())
        .collect();
    tokens.windows(2).find_map(|w| {
        (parse_int_literal(w[1]) == Some(value) && w[1].starts_with(|c: char| c.is_ascii_digit()))
            .then(|| comment_mnemonic(w[0]))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_paths_name_cases() {
        assert_eq!(path_name("Some(Self::Push),").as_deref(), Some("Push"));
        assert_eq!(path_name("return Op.HALT;").as_deref(), Some("HALT"));
        assert_eq!(path_name("Opcode::Nop").as_deref(), Some("Nop"));
        assert_eq!(path_name("self.halted"), None);
        assert_eq!(path_name("self.pop()?"), None);
        assert_eq!(path_name("Push"), None);
    }

    #[test]
    fn heading_comment_names_a_case_only_with_its_own_value() {
        let lines = ["  // ── ext: SPLICE (0x5A) ──", "  case 0x5A: {"];
        assert_eq!(heading_name(&lines, 2, 0x5A).as_deref(), Some("SPLICE"));
        assert_eq!(heading_name(&lines, 2, 0x5B), None);
    }
}
