//! The counter pass: members numbered by a counter the source bumps once per member, the
//! JavaScript way of writing an enum without one — `HALT: c++` in an object literal,
//! `const NOP = i++;` or `Op.ADD = i++;` statements. Each member takes the counter's value
//! at that point (`c++` the value before the bump, `++c` the value after), starting from
//! the last `c = N` written before the counter's first use (0 when there is none), and
//! starting over where `c = N` is written again between two bumps. Members
//! of one object, or statements of one block bumping one counter, are one group. Which
//! nodes are bumps is [`Kinds::counters`](crate::lang) (the update-expression kinds).

use std::collections::HashMap;

use tree_sitter::Node;

use super::syntax::{col_of, enclosing_name, line_of, mnemonic_like, text, unquote};
use super::{Ctx, GroupKind, RawItem};
use crate::eval::eval;

/// `c++` → (`c`, postfix), `++c` → (`c`, prefix); anything else (`c--`, `a.b++`) → `None`.
fn bump(t: &str) -> Option<(&str, bool)> {
    let t = t.trim();
    let (name, postfix) = match (t.strip_suffix("++"), t.strip_prefix("++")) {
        (Some(n), _) => (n.trim_end(), true),
        (None, Some(n)) => (n.trim_start(), false),
        _ => return None,
    };
    let ok = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    ok.then_some((name, postfix))
}

/// The counter's start: the value of the last `NAME = N` (not `==`) between bytes `after` and
/// `before`.
fn start_value(ctx: &Ctx, counter: &str, after: usize, before: usize) -> Option<i64> {
    let head = &ctx.src[after..before];
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    let mut end = head.len();
    while let Some(at) = head[..end].rfind(counter) {
        end = at;
        let after = &head[at + counter.len()..];
        let bounded = !head[..at].ends_with(ident) && !after.starts_with(ident);
        let Some(rest) = after.trim_start().strip_prefix('=') else {
            continue;
        };
        if !bounded || rest.starts_with('=') {
            continue;
        }
        let value: String = rest
            .chars()
            .take_while(|c| !matches!(c, ';' | ',' | '\n' | ')' | '}'))
            .collect();
        if let Some(v) = eval(value.trim(), &ctx.env, None) {
            return Some(v);
        }
    }
    None
}

pub(super) fn counter_pass(ctx: &mut Ctx) {
    if ctx.kinds.counters.is_empty() {
        return;
    }
    // Running value of each counter, and the group (key node, symbol) of each
    // (container, counter) pair.
    // Each counter's running value and the byte its last bump ended at.
    let mut values: HashMap<String, (i64, usize)> = HashMap::new();
    let mut runs: HashMap<(usize, String), (Node, String, GroupKind)> = HashMap::new();
    let parents = ctx.parents;
    for (at, node) in parents.named() {
        if !ctx.kinds.counters.contains(&parents.kind_at(at)) {
            continue;
        }
        let Some((counter, postfix)) = bump(text(node, ctx.src)) else {
            continue;
        };
        let Some(parent) = ctx.parents.parent(node) else {
            continue;
        };
        let is = |field: &str| parent.child_by_field_name(field).map(|n| n.id()) == Some(node.id());
        // Which member the bump numbers: a pair's key, a declarator's name, an assignment's
        // left side (its last segment: `Op.ADD` names ADD in `Op`).
        let (name_node, container, owner) = if is("value") {
            let Some(name) = parent
                .child_by_field_name("key")
                .or_else(|| parent.child_by_field_name("name"))
            else {
                continue;
            };
            let container = if parent.child_by_field_name("key").is_some() {
                // The object holding the pair.
                ctx.parents.parent(parent)
            } else {
                // The block holding the declaration holding the declarator.
                ctx.parents
                    .parent(parent)
                    .and_then(|d| ctx.parents.parent(d))
            };
            (name, container, None)
        } else if is("right") {
            let Some(left) = parent.child_by_field_name("left") else {
                continue;
            };
            let statement = ctx.parents.parent(parent);
            let owner = text(left, ctx.src)
                .rsplit_once('.')
                .map(|(o, _)| o.trim().to_string());
            (left, statement.and_then(|s| ctx.parents.parent(s)), owner)
        } else {
            continue;
        };
        let Some(container) = container else {
            continue;
        };
        let spelled = unquote(text(name_node, ctx.src));
        let name = spelled
            .rsplit('.')
            .next()
            .unwrap_or(&spelled)
            .trim()
            .to_string();
        if !mnemonic_like(&name) {
            continue;
        }
        // A counter set again since its last bump starts over (`c = 0;` before each object).
        let (last, since) = values.get(counter).copied().unwrap_or((0, 0));
        let cur = start_value(ctx, counter, since, node.start_byte()).unwrap_or(last);
        let (value, next) = if postfix {
            (cur, cur + 1)
        } else {
            (cur + 1, cur + 1)
        };
        values.insert(counter.to_string(), (next, node.end_byte()));
        let item = RawItem {
            name,
            value,
            line: line_of(name_node),
            column: col_of(name_node),
            hex: false,
            format: None,
            implicit: false,
            size: None,
            reserved: false,
        };
        let (key, symbol, kind) = runs
            .entry((container.id(), counter.to_string()))
            .or_insert_with(|| {
                let in_object = parent.child_by_field_name("key").is_some();
                let key = if in_object { container } else { parent };
                let symbol = if in_object {
                    enclosing_name(ctx.kinds, &ctx.parents, container, ctx.src, 5)
                } else {
                    owner.filter(|o| mnemonic_like(o))
                }
                .unwrap_or_default();
                (key, symbol, GroupKind::Enum)
            })
            .clone();
        ctx.env.define_member(&symbol, &item.name, value);
        ctx.group(key, kind, symbol).items.push(item);
    }
}
