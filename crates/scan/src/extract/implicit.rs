//! Values for enum members the file does not number. Runs after the other passes: an enum
//! whose members are all implicit takes the values of trailing comments (`Push, // 0x01`) or
//! of the decoder elsewhere in the file (a `match` or map that names the members), instead of
//! a count from zero.

use std::collections::BTreeMap;

use super::syntax::comment_text;
use super::{Ctx, GroupKind, RawItem};
use crate::eval::parse_int_literal;

/// The integer a trailing comment starts with (`Push, // 0x01`), unless it opens a range
/// (`// 0x00–0x0F: stack ops` describes a block, not the member).
fn comment_value(line: &str, after_col: usize) -> Option<i64> {
    let body = comment_text(line.get(after_col..)?)?;
    let lit: String = body
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let value = parse_int_literal(&lit)?;
    let rest = body[lit.len()..].trim_start();
    let range = rest.starts_with(['-', '\u{2013}', '\u{2014}', '~']) || rest.starts_with("..");
    (!range).then_some(value)
}

/// An enum whose members have no written values (`enum Op { Push, Pop }`) usually gets its
/// byte values elsewhere: a trailing comment on every member (`Push, // 0x01`), or a decoder
/// in the same file (`0x01 => Some(Op::Push)`, `Op::Push => 0x01`). Counting from zero would
/// then report wrong values, so written evidence replaces the count: comments when every
/// member has one and at least 90% of them are distinct (all of them in an enum of fewer than
/// ten), else the explicit items of other groups when they
/// cover at least 80% of the members (the uncovered rest is dropped, its value unknown).
pub(super) fn resolve_implicit(ctx: &mut Ctx) {
    let mut explicit: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for g in ctx.groups.values() {
        if g.kind == GroupKind::Enum || g.kind == GroupKind::Consts {
            continue;
        }
        for i in g.items.iter().filter(|i| !i.implicit) {
            let vals = explicit.entry(i.name.to_ascii_uppercase()).or_default();
            if !vals.contains(&i.value) {
                vals.push(i.value);
            }
        }
    }
    for g in ctx.groups.values_mut() {
        if g.kind != GroupKind::Enum || g.items.is_empty() || !g.items.iter().all(|i| i.implicit) {
            continue;
        }
        let from_comments: Vec<Option<i64>> = g
            .items
            .iter()
            .map(|i| {
                let line = ctx.lines.get(i.line as usize - 1)?;
                comment_value(line, i.column as usize - 1 + i.name.len())
            })
            .collect();
        let mut distinct: Vec<i64> = from_comments.iter().flatten().copied().collect();
        distinct.sort_unstable();
        distinct.dedup();
        // Every member commented with a value, nearly all distinct: the comments are the
        // numbering. A repeated value (`MULMOD, // 0x08` under `ADDMOD, // 0x08`) is the
        // source's own slip, reported as written so that `check` shows the duplicate, rather
        // than a reason to fall back to counting from zero, which is wrong for every member.
        let all_commented = from_comments.iter().all(Option::is_some);
        if distinct.len() == g.items.len()
            || (all_commented && distinct.len() * 10 >= g.items.len() * 9)
        {
            for (i, v) in g.items.iter_mut().zip(from_comments) {
                i.value = v.unwrap_or(i.value);
                i.hex = true;
                i.implicit = false;
            }
            continue;
        }
        let known = |i: &RawItem| match explicit.get(&i.name.to_ascii_uppercase()) {
            Some(v) if v.len() == 1 => Some(v[0]),
            _ => None,
        };
        let covered = g.items.iter().filter(|i| known(i).is_some()).count();
        if covered * 5 >= g.items.len() * 4 {
            let items = std::mem::take(&mut g.items);
            g.items = items
                .into_iter()
                .filter_map(|mut i| {
                    i.value = known(&i)?;
                    i.hex = true;
                    i.implicit = false;
                    Some(i)
                })
                .collect();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_comment_values_skip_ranges() {
        assert_eq!(comment_value("    Push, // 0x01", 8), Some(1));
        assert_eq!(comment_value("    Push, // 0x01 push a byte", 8), Some(1));
        assert_eq!(
            comment_value("    Stack, // 0x00\u{2013}0x0F: push", 10),
            None
        );
        assert_eq!(comment_value("    Stack, // 0x00-0x0F", 10), None);
        assert_eq!(comment_value("    Stack, // stack ops", 10), None);
    }
}
