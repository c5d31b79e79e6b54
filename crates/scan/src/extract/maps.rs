//! The map and record pass, one walk over the tree. *Maps* are nodes with three or more
//! key/value children: `{0x00: "HALT"}`, `{"HALT": 0x00}`, `0x00 => [...]`, JSON's
//! `"0x00": {"mnemonic": "NOP"}`, `HALT: { opcode: 0x00 }`. *Records* are runs of three or more
//! record-like children — calls (`op("HALT", 0x00, …)`), tuples, initialiser lists
//! (`{"NOP", 0x00, …}`), struct literals, objects (`{mnemonic: "HALT", opcode: 0x00}`) — each
//! read by keyed fields first, then by its first mnemonic-like string and first integer. A
//! run of records also reveals the constants it repeats in one column (operand modes,
//! categories), which are then dropped from the enums and scopes of the binding pass.

use std::collections::{BTreeMap, BTreeSet};

use tree_sitter::Node;

use super::syntax::{
    col_of, enclosing_name, is_string, line_of, mnemonic_like, text, unquote, unwrap,
};
use super::{Ctx, GroupKind, RawItem};
use crate::eval::{eval, parse_int_literal};
use crate::lang::Kinds;

/// The key and value of a map entry: its `key` and `value` fields, else its two named children
/// other than comments.
fn pair_parts<'t>(kinds: &Kinds, node: Node<'t>) -> Option<(Node<'t>, Node<'t>)> {
    let key = node.child_by_field_name("key");
    let value = node.child_by_field_name("value");
    if let (Some(k), Some(v)) = (key, value) {
        return Some((unwrap(kinds, k), unwrap(kinds, v)));
    }
    let mut c = node.walk();
    let kids: Vec<Node> = node
        .named_children(&mut c)
        .filter(|k| !kinds.comments.contains(&k.kind()))
        .collect();
    if kids.len() == 2 {
        Some((unwrap(kinds, kids[0]), unwrap(kinds, kids[1])))
    } else {
        None
    }
}

/// Fields of a record-like node: (field name, value node) for keyed fields, (None, node) for
/// positional ones.
fn record_fields<'t>(kinds: &Kinds, node: Node<'t>, src: &str) -> Vec<(Option<String>, Node<'t>)> {
    let mut out = Vec::new();
    let mut c = node.walk();
    for child in node.named_children(&mut c) {
        let kind = child.kind();
        if kinds.comments.contains(&kind) {
            continue;
        }
        if kinds.field_lists.contains(&kind) {
            out.extend(record_fields(kinds, child, src));
        } else if kinds.record_keys.contains(&kind) {
            if let Some((k, v)) = pair_parts(kinds, child).or_else(|| {
                Some((
                    child.child_by_field_name("field")?,
                    child.child_by_field_name("value")?,
                ))
            }) {
                out.push((Some(unquote(text(k, src)).to_ascii_lowercase()), v));
            }
        } else if kinds.keyword_arguments.contains(&kind) {
            if let (Some(k), Some(v)) = (
                child.child_by_field_name("name"),
                child.child_by_field_name("value"),
            ) {
                out.push((Some(text(k, src).to_ascii_lowercase()), v));
            }
        } else if !(kinds.identifiers.contains(&kind)
            && out.is_empty()
            && kinds.calls.contains(&node.kind()))
            && child.id()
                != node
                    .child_by_field_name("function")
                    .map(|f| f.id())
                    .unwrap_or(usize::MAX)
            && child.id()
                != node
                    .child_by_field_name("name")
                    .map(|f| f.id())
                    .unwrap_or(usize::MAX)
            && child.id()
                != node
                    .child_by_field_name("type")
                    .map(|f| f.id())
                    .unwrap_or(usize::MAX)
        {
            out.push((None, unwrap(kinds, child)));
        }
    }
    out
}

const NAME_KEYS: [&str; 6] = [
    "mnemonic",
    "name",
    "mnem",
    "op_name",
    "instruction",
    "symbol",
];
const VALUE_KEYS: [&str; 7] = ["opcode", "code", "op", "value", "byte", "hex", "id"];

/// (name, value, format) of a record: keyed fields first, then the first mnemonic-like string
/// and the first integer.
fn record_item(ctx: &Ctx, node: Node) -> Option<(String, i64, bool, Option<String>)> {
    let fields = record_fields(ctx.kinds, node, ctx.src);
    let mut name: Option<String> = None;
    let mut value: Option<(i64, bool)> = None;
    let mut format = None;
    for (key, v) in &fields {
        let t = text(*v, ctx.src);
        match key.as_deref() {
            Some(k) if NAME_KEYS.contains(&k) && is_string(ctx.kinds, *v) => {
                name = Some(unquote(t));
            }
            Some(k) if VALUE_KEYS.contains(&k) => {
                if let Some(x) = eval(t, &ctx.env, None) {
                    value = Some((x, t.contains("0x") || t.contains("0X")));
                } else if is_string(ctx.kinds, *v) {
                    value = string_number(&unquote(t));
                }
            }
            Some("format" | "fmt") if is_string(ctx.kinds, *v) => format = Some(unquote(t)),
            _ => {}
        }
    }
    // `op("NOP", "0x00", …)`: the opcode written as a string after the name.
    let mut string_value = None;
    for (key, v) in &fields {
        if key.is_some() && name.is_some() && value.is_some() {
            break;
        }
        let t = text(*v, ctx.src);
        if is_string(ctx.kinds, *v) {
            let s = unquote(t);
            if name.is_none() && mnemonic_like(&s) && key.is_none() {
                name = Some(s);
            } else if let (true, None, None, Some(x)) =
                (name.is_some(), string_value, key, string_number(&s))
            {
                string_value = Some(x);
            } else if format.is_none()
                && name.is_some()
                && key.is_none()
                && s.len() == 1
                && s.chars().all(|c| c.is_ascii_uppercase())
            {
                format = Some(s);
            }
        } else if value.is_none() && key.is_none() {
            if let Some(x) = eval(t, &ctx.env, None) {
                value = Some((x, t.contains("0x") || t.contains("0X")));
            }
        }
    }
    // Hexadecimal wins: `defineOp('DUP', '0x02', 0)` (the 0 is an arity), `op("NOP", "2",
    // 0x10)` (the "2" a size); otherwise the written integer does.
    let (v, hex) = match (value, string_value) {
        (Some(int), Some(string)) if string.1 && !int.1 => string,
        (int, string) => int.or(string)?,
    };
    Some((name?, v, hex, format))
}

/// A string literal's text that is a plain number, `0x1F` or `31` (no sign, suffix or
/// separator: a version such as `1.2` or a colour such as `#ff0000` is not one), with whether
/// it is hexadecimal.
fn string_number(s: &str) -> Option<(i64, bool)> {
    let s = s.trim();
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        if !h.is_empty() && h.len() <= 8 && h.chars().all(|c| c.is_ascii_hexdigit()) {
            return i64::from_str_radix(h, 16).ok().map(|x| (x, true));
        }
        return None;
    }
    if !s.is_empty() && s.len() <= 9 && s.chars().all(|c| c.is_ascii_digit()) {
        return s.parse().ok().map(|x| (x, false));
    }
    None
}

pub(super) fn map_and_record_pass(ctx: &mut Ctx) {
    let parents = ctx.parents;
    for (at, node) in parents.named() {
        let kids: Vec<Node> = parents.named_children(at);
        // Maps: a node whose children include key/value pairs.
        let pairs: Vec<Node> = kids
            .iter()
            .copied()
            .filter(|k| ctx.kinds.pairs.contains(&k.kind()))
            .collect();
        if pairs.len() >= 3 {
            let symbol =
                enclosing_name(ctx.kinds, &ctx.parents, node, ctx.src, 5).unwrap_or_default();
            let mut items = Vec::new();
            for p in pairs {
                if let Some(item) = map_item(ctx, p) {
                    items.push(item);
                }
            }
            if !items.is_empty() {
                ctx.group(node, GroupKind::Map, symbol).items.extend(items);
            }
        }
        // Records: three or more record-like children.
        let records: Vec<Node> = kids
            .iter()
            .map(|k| unwrap(ctx.kinds, *k))
            .filter(|k| ctx.kinds.records.contains(&k.kind()))
            .collect();
        if records.len() >= 3 {
            // Calls to different functions side by side are different runs
            // (`defineError(…)` lines before the `defineOp(…)` lines): one run per callee,
            // each keyed by its first call. A run of one callee keeps its container as key.
            let callee = |r: &Node| {
                ctx.kinds
                    .calls
                    .contains(&r.kind())
                    .then(|| r.child_by_field_name("function"))
                    .flatten()
                    .map(|f| text(f, ctx.src).to_string())
            };
            let mut runs: Vec<(Option<String>, Vec<Node>)> = Vec::new();
            for r in &records {
                let c = callee(r);
                match runs.iter_mut().find(|(k, _)| *k == c) {
                    Some((_, run)) => run.push(*r),
                    None => runs.push((c, vec![*r])),
                }
            }
            let split = runs.len() > 1 && runs.iter().any(|(c, _)| c.is_some());
            for (_, run) in &runs {
                if run.len() >= 3 {
                    let key = if split { run[0] } else { node };
                    record_run(ctx, node, key, run);
                }
            }
        }
    }
}

/// One run of records under `node` becomes a group keyed by `key` (when it yields three
/// items).
fn record_run(ctx: &mut Ctx, node: Node, key: Node, records: &[Node]) {
    let mut items = Vec::new();
    for r in records {
        if let Some((name, value, hex, format)) = record_item(ctx, *r) {
            items.push(RawItem {
                name,
                value,
                line: line_of(*r),
                column: col_of(*r),
                hex,
                format,
                implicit: false,
                size: None,
                reserved: false,
            });
        }
    }
    if items.len() < 3 {
        return;
    }
    let refs = property_columns(ctx, records);
    ctx.property_refs.extend(refs);
    let symbol = enclosing_name(ctx.kinds, &ctx.parents, node, ctx.src, 6)
        .or_else(|| {
            records[0]
                .child_by_field_name("function")
                .or_else(|| records[0].child_by_field_name("name"))
                .map(|f| text(f, ctx.src).to_string())
        })
        .unwrap_or_default();
    ctx.group(key, GroupKind::Records, symbol)
        .items
        .extend(items);
}

/// The constants a run of records uses as a shared attribute: a column (same key, or same
/// position) holding a reference in at least 80% of the records, with at most half as many
/// distinct references as records (`{"NOP", 0x00, OP_NONE, CAT_CONTROL}` — 247 records, 13
/// operand modes). A column naming each record's own opcode (`Op::Halt`) repeats nothing.
fn property_columns(ctx: &Ctx, records: &[Node]) -> Vec<String> {
    let mut columns: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in records {
        let mut pos = 0;
        for (key, v) in record_fields(ctx.kinds, *r, ctx.src) {
            let column = key.unwrap_or_else(|| {
                pos += 1;
                format!("#{pos}")
            });
            if let Some(name) = reference_name(text(v, ctx.src)) {
                columns.entry(column).or_default().push(name.to_string());
            }
        }
    }
    let mut out = Vec::new();
    for refs in columns.into_values() {
        let distinct: BTreeSet<&String> = refs.iter().collect();
        if refs.len() * 5 >= records.len() * 4 && distinct.len() * 2 <= refs.len() {
            out.extend(distinct.into_iter().cloned());
        }
    }
    out
}

/// The last segment of a plain reference (`OP_RR`, `Format::A`, `Mode.RRR`); `None` for
/// literals, calls, expressions and the boolean/null words.
fn reference_name(t: &str) -> Option<&str> {
    let t = t.trim();
    let ok = t.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '.'));
    let last = t.rsplit([':', '.']).next()?;
    (ok && !last.is_empty()
        && !matches!(
            last,
            "true" | "false" | "True" | "False" | "null" | "None" | "nil" | "NULL"
        ))
    .then_some(last)
}

/// Removes from enums and constant scopes the members that a run of records uses as a shared
/// attribute (operand modes, categories, formats): they describe opcodes, they are not
/// opcodes, however `OP_`-like their names. Three or more such members must be referenced,
/// so one coincidental name does not thin out a real table.
pub(super) fn drop_property_constants(ctx: &mut Ctx) {
    if ctx.property_refs.is_empty() {
        return;
    }
    for g in ctx.groups.values_mut() {
        if g.kind != GroupKind::Enum && g.kind != GroupKind::Consts {
            continue;
        }
        let hits = g
            .items
            .iter()
            .filter(|i| ctx.property_refs.contains(&i.name))
            .count();
        if hits >= 3 {
            g.items.retain(|i| !ctx.property_refs.contains(&i.name));
        }
    }
}

/// Whether a string names an instruction: a mnemonic, or two or three of them joined by `/`
/// (`"I/O"`, `"CALL/RET"`, `"LD/ST"`), as string tables spell combined or paired instructions;
/// identifiers cannot hold a `/`, so only quoted names are read so. Joined names are in
/// capitals: `bin/gannet` is a path.
fn string_mnemonic(s: &str) -> bool {
    if mnemonic_like(s) {
        return true;
    }
    let parts: Vec<&str> = s.split('/').collect();
    !s.chars().any(char::is_lowercase)
        && (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'))
        && parts[0].starts_with(char::is_alphabetic)
        && s.chars().count() <= 32
}

fn map_item(ctx: &Ctx, pair: Node) -> Option<RawItem> {
    let (k, v) = pair_parts(ctx.kinds, pair)?;
    let (kt, vt) = (text(k, ctx.src), text(v, ctx.src));
    let hexy = |t: &str| t.contains("0x") || t.contains("0X");
    let key_is_name = is_string(ctx.kinds, k) || ctx.kinds.key_names.contains(&k.kind());
    // "HALT": 0x00 / HALT: 0x00
    if key_is_name {
        if let Some(value) = eval(vt, &ctx.env, None) {
            let name = unquote(kt);
            // `"건너뛰기": FluxOpcode.JMP`, `"jump": Op.JMP`: a name given to a constant
            // read elsewhere under another name is an alias (a translation, a synonym the
            // assembler accepts), not an instruction of its own; `"halt": Op.HALT` repeats
            // the table and is dropped as a copy later.
            if let Some(target) = reference_name(vt) {
                let same = crate::classify::normalize_mnemonic(&name, "")
                    == crate::classify::normalize_mnemonic(target, "");
                if !same {
                    return None;
                }
            }
            let named = if is_string(ctx.kinds, k) {
                string_mnemonic(&name)
            } else {
                mnemonic_like(&name)
            };
            if named && (is_string(ctx.kinds, k) || ctx.env_lookup_fails(kt)) {
                return Some(RawItem {
                    name,
                    value,
                    line: line_of(k),
                    column: col_of(k),
                    hex: hexy(vt),
                    format: None,
                    implicit: false,
                    size: None,
                    reserved: false,
                });
            }
        }
    }
    // 0x00: "HALT" / Op.HALT: "HALT" / 0x00: ("HALT", 1) / 0x00 => ['NOP', :misc]; a quoted
    // number literal is a number too (`"0x00": {"mnemonic": "NOP"}`): JSON keys are strings.
    let key_value = eval(kt, &ctx.env, None).or_else(|| {
        is_string(ctx.kinds, k)
            .then(|| parse_int_literal(unquote(kt).trim()))
            .flatten()
    });
    if let Some(value) = key_value {
        let name = if is_string(ctx.kinds, v) {
            Some(unquote(vt))
        } else {
            let fields = record_fields(ctx.kinds, v, ctx.src);
            fields
                .iter()
                .find(|(key, n)| {
                    is_string(ctx.kinds, *n)
                        && key.as_deref().is_none_or(|k| NAME_KEYS.contains(&k))
                })
                .map(|(_, n)| unquote(text(*n, ctx.src)))
        }?;
        if string_mnemonic(&name) {
            return Some(RawItem {
                name,
                value,
                line: line_of(k),
                column: col_of(k),
                hex: hexy(kt),
                format: None,
                implicit: false,
                size: None,
                reserved: false,
            });
        }
    }
    // HALT: { opcode: 0x00, format: "A" }
    if key_is_name {
        let rec = Ctx::record_value(ctx, v)?;
        return Some(RawItem {
            name: unquote(kt),
            value: rec.0,
            line: line_of(k),
            column: col_of(k),
            hex: rec.1,
            format: rec.2,
            implicit: false,
            size: None,
            reserved: false,
        });
    }
    None
}

impl Ctx<'_, '_> {
    /// True when `name` is not a defined constant: a bare identifier key then is a name, not a
    /// reference (`{HALT: 0}` in JS, but `{OpNop: "NOP"}` in Go refers to a constant).
    fn env_lookup_fails(&self, name: &str) -> bool {
        eval(name, &self.env, None).is_none()
    }

    fn record_value(ctx: &Ctx, v: Node) -> Option<(i64, bool, Option<String>)> {
        let fields = record_fields(ctx.kinds, v, ctx.src);
        let mut value = None;
        let mut format = None;
        for (key, n) in &fields {
            let t = text(*n, ctx.src);
            match key.as_deref() {
                Some(k) if VALUE_KEYS.contains(&k) => {
                    value = eval(t, &ctx.env, None).map(|x| (x, t.contains("0x")));
                }
                Some("format" | "fmt") if is_string(ctx.kinds, *n) => format = Some(unquote(t)),
                _ => {}
            }
        }
        // `"PUSH": (0x00, 1)`: with no keyed value, a tuple or list whose first element is an
        // integer holds the opcode there (the rest are attributes: operand bytes, cycles).
        if value.is_none() && ctx.kinds.records.contains(&v.kind()) {
            if let Some((None, first)) = fields.first() {
                let t = text(*first, ctx.src);
                if !is_string(ctx.kinds, *first) {
                    value = eval(t, &ctx.env, None).map(|x| (x, t.contains("0x")));
                }
            }
        }
        let (x, hex) = value?;
        Some((x, hex, format))
    }
}

#[cfg(test)]
mod tests {
    use super::string_mnemonic;

    #[test]
    fn joined_names_in_capitals_are_names_paths_are_not() {
        for yes in ["HALT", "LD/ST", "CALL/RET", "I/O", "A/B/C"] {
            assert!(string_mnemonic(yes), "{yes}");
        }
        for no in ["bin/gannet", "1/2", "A//B", "/HALT", "A/B/C/D", "LD/ST!"] {
            assert!(!string_mnemonic(no), "{no}");
        }
    }
}
