//! The X-macro pass (C and C++): opcode lists written once as macro invocations and expanded
//! elsewhere into the enum, the name table and the dispatch —
//!
//! ```c
//! #define FOR_EACH_OPCODE(X) \
//!     X(NOP, 0)              \
//!     X(PUSH, 1)
//! OPCODE(ADD, -1)
//! OPCODE(SUB, -1)
//! ```
//!
//! A `#define LIST(X)` whose body is three or more invocations of one of its parameters, or a
//! run of three or more invocations of one macro at file level, is a list whose members are
//! numbered in order from 0, as the enum that expands it numbers them. The first argument is
//! the name; the other arguments (stack effects, operand counts, flags) are never the opcode,
//! except a column that is a hexadecimal literal in every invocation with no value repeated,
//! which is the list stating its own numbering. Ordinals come from nowhere but the order, so
//! a list counts only when its name (the defined macro, or the invoked one) has an opcode
//! word (`FOR_EACH_OPCODE`, `OPCODE`, `INSN_LIST`): `DECLARE_HANDLER(add)` lines, or a
//! `TYPES(T)` list, are not an instruction set. (A comment is no evidence: "value types, not
//! opcodes" mentions them too.)

use tree_sitter::Node;

use super::syntax::{inside_function, line_of, mnemonic_like, text};
use super::{Ctx, GroupKind, RawItem};
use crate::eval::parse_int_literal;

/// One invocation's arguments, with the line and column it stands at.
type Located<'a> = (Vec<&'a str>, u32, u32);

/// One invocation `NAME(arg, …)` in macro text: the callee, its top-level arguments, and its
/// byte offset in the text.
struct Invocation<'a> {
    callee: &'a str,
    args: Vec<&'a str>,
    at: usize,
}

/// Every top-level invocation in a macro body, in order. Comments, strings and line
/// continuations are skipped; an identifier not followed by `(` is passed over.
fn invocations(body: &str) -> Vec<Invocation<'_>> {
    let b = body.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    while i < b.len() {
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i = body[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 2);
        } else if c == b'/' && b.get(i + 1) == Some(&b'/') {
            i = body[i..].find('\n').map_or(b.len(), |e| i + e);
        } else if c == b'"' || c == b'\'' {
            i = skip_quoted(b, i);
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && ident(b[i]) {
                i += 1;
            }
            let callee = &body[start..i];
            let mut j = i;
            while j < b.len() && (b[j] == b' ' || b[j] == b'\t') {
                j += 1;
            }
            if b.get(j) == Some(&b'(') {
                if let Some((args, end)) = arguments(body, j) {
                    out.push(Invocation {
                        callee,
                        args,
                        at: start,
                    });
                    i = end;
                }
            }
        } else {
            i += 1;
        }
    }
    out
}

/// Past the string or character literal starting at `i`.
fn skip_quoted(b: &[u8], i: usize) -> usize {
    let q = b[i];
    let mut j = i + 1;
    while j < b.len() && b[j] != q && b[j] != b'\n' {
        j += if b[j] == b'\\' { 2 } else { 1 };
    }
    j + 1
}

/// The top-level, comma-separated arguments of the parenthesis at `open`, and the offset past
/// its closing parenthesis.
fn arguments(body: &str, open: usize) -> Option<(Vec<&str>, usize)> {
    let b = body.as_bytes();
    let (mut depth, mut i, mut start) = (0usize, open, open + 1);
    let mut args = Vec::new();
    while i < b.len() {
        match b[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    args.push(body[start..i].trim());
                    return Some((args, i + 1));
                }
            }
            b',' if depth == 1 => {
                args.push(body[start..i].trim());
                start = i + 1;
            }
            b'"' | b'\'' => {
                i = skip_quoted(b, i);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Items of one list of invocations: the name from the first argument, the value from a
/// hexadecimal column with no repeats, else the ordinal. `None` unless at least three
/// invocations name a member.
fn list_items(calls: &[Located]) -> Option<Vec<RawItem>> {
    let named: Vec<&Located> = calls
        .iter()
        .filter(|(args, _, _)| args.first().is_some_and(|a| mnemonic_like(a)))
        .collect();
    if named.len() < 3 || named.len() * 5 < calls.len() * 4 {
        return None;
    }
    let width = named.iter().map(|(a, _, _)| a.len()).min().unwrap_or(0);
    let stated = (1..width).find_map(|col| {
        let vals: Option<Vec<i64>> = named
            .iter()
            .map(|(a, _, _)| {
                let t = a[col];
                (t.starts_with("0x") || t.starts_with("0X"))
                    .then(|| parse_int_literal(t))
                    .flatten()
            })
            .collect();
        let vals = vals?;
        let mut sorted = vals.clone();
        sorted.sort_unstable();
        sorted.dedup();
        (sorted.len() == vals.len()).then_some(vals)
    });
    Some(
        named
            .iter()
            .enumerate()
            .map(|(i, (args, line, column))| RawItem {
                name: args[0].to_string(),
                value: stated.as_ref().map_or(i as i64, |v| v[i]),
                line: *line,
                column: *column,
                hex: stated.is_some(),
                format: None,
                implicit: false,
                size: None,
                reserved: false,
            })
            .collect(),
    )
}

pub(super) fn xmacro_pass(ctx: &mut Ctx) {
    if ctx.kinds.macro_lists.is_empty() {
        return;
    }
    let parents = ctx.parents;
    // A macro definition's subtree is not entered.
    let mut skip_to = 0;
    for (at, node) in parents.named() {
        if at < skip_to {
            continue;
        }
        if ctx.kinds.macro_lists.contains(&parents.kind_at(at)) {
            macro_definition(ctx, node);
            skip_to = parents.subtree_end(at);
            continue;
        }
        file_level_run(ctx, &parents.named_children(at));
    }
}

/// `#define LIST(X) X(A, …) X(B, …) …`.
fn macro_definition(ctx: &mut Ctx, def: Node) {
    let (Some(name), Some(params), Some(body)) = (
        def.child_by_field_name("name"),
        def.child_by_field_name("parameters"),
        def.child_by_field_name("value"),
    ) else {
        return;
    };
    let list = text(name, ctx.src).to_string();
    let mut c = params.walk();
    let params: Vec<&str> = params
        .named_children(&mut c)
        .map(|p| text(p, ctx.src))
        .collect();
    let body_text = text(body, ctx.src);
    let calls: Vec<Invocation> = invocations(body_text)
        .into_iter()
        .filter(|i| params.contains(&i.callee))
        .collect();
    let Some(first) = calls.first() else {
        return;
    };
    // One parameter plays the element: the one the first invocation uses.
    let element = first.callee;
    let start_line = line_of(body);
    let start_col = body.start_position().column as u32;
    let located: Vec<Located> = calls
        .iter()
        .filter(|i| i.callee == element)
        .map(|i| {
            let before = &body_text[..i.at];
            let line = start_line + before.matches('\n').count() as u32;
            let column = match before.rfind('\n') {
                Some(nl) => (i.at - nl) as u32,
                None => start_col + i.at as u32 + 1,
            };
            (i.args.clone(), line, column)
        })
        .collect();
    if !crate::classify::names_opcodes(&list) {
        return;
    }
    if let Some(items) = list_items(&located) {
        ctx.group(def, GroupKind::Enum, list).items.extend(items);
    }
}

/// A run of three or more file-level invocations of one macro (`OPCODE(ADD, -1)` lines).
fn file_level_run(ctx: &mut Ctx, kids: &[Node]) {
    let mut runs: Vec<(String, Node, Vec<Located>)> = Vec::new();
    for k in kids {
        let call = if ctx.kinds.wrappers.contains(&k.kind()) {
            k.named_child(0)
        } else {
            Some(*k)
        };
        let Some(call) = call.filter(|c| ctx.kinds.calls.contains(&c.kind())) else {
            continue;
        };
        if inside_function(ctx.kinds, &ctx.parents, call) {
            continue;
        }
        let Some(inv) = invocations(text(call, ctx.src)).into_iter().next() else {
            continue;
        };
        let callee = inv.callee.to_string();
        let entry = (
            inv.args,
            line_of(call),
            call.start_position().column as u32 + 1,
        );
        match runs.iter_mut().find(|(c, _, _)| *c == callee) {
            Some((_, _, calls)) => calls.push(entry),
            None => runs.push((callee, call, vec![entry])),
        }
    }
    for (callee, first, calls) in runs {
        if !crate::classify::names_opcodes(&callee) {
            continue;
        }
        if let Some(items) = list_items(&calls) {
            ctx.group(first, GroupKind::Enum, callee)
                .items
                .extend(items);
        }
    }
}
