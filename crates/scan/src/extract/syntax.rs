//! What every pass asks of a node or a line: its text and position, its parent (in constant
//! time), whether it is a string or sits inside a function, the name it declares, and the
//! comments around it.

use std::collections::HashMap;

use tree_sitter::Node;

use crate::lang::{Kinds, Name};

pub(super) fn text<'a>(node: Node, src: &'a str) -> &'a str {
    &src[node.byte_range()]
}

pub(super) fn line_of(node: Node) -> u32 {
    node.start_position().row as u32 + 1
}

pub(super) fn col_of(node: Node) -> u32 {
    node.start_position().column as u32 + 1
}

/// Every named node's parent, found in one walk of the tree.
///
/// tree-sitter's `Node::parent()` walks down from the root and scans each level's children in
/// turn, so it costs the depth times the siblings passed; called for each member of a 20,000-entry
/// block it made `scan` quadratic (a Go `const` block of 20,000 specs took minutes). A lookup
/// here is constant time. Only named nodes are recorded (anonymous nodes are tokens, whose
/// parents the passes never ask for; they fall back to tree-sitter's walk), which halves the
/// map.
pub(super) struct Parents<'t> {
    of: HashMap<usize, Node<'t>>,
}

impl<'t> Parents<'t> {
    pub(super) fn new(root: Node<'t>) -> Self {
        let mut of = HashMap::new();
        let mut cursor = root.walk();
        // Pre-order walk with the cursor: its own stack holds the ancestors, so no recursion
        // and no `parent()` call.
        let mut stack: Vec<Node<'t>> = Vec::new();
        loop {
            let node = cursor.node();
            if node.is_named() {
                if let Some(&parent) = stack.last() {
                    of.insert(node.id(), parent);
                }
            }
            if cursor.goto_first_child() {
                stack.push(node);
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    return Parents { of };
                }
                stack.pop();
            }
        }
    }

    pub(super) fn parent(&self, node: Node<'t>) -> Option<Node<'t>> {
        if node.is_named() {
            self.of.get(&node.id()).copied()
        } else {
            node.parent()
        }
    }
}

/// True when `node` stands inside a function, method or closure ([`Kinds::functions`]).
pub(super) fn inside_function(kinds: &Kinds, parents: &Parents, node: Node) -> bool {
    let mut cur = parents.parent(node);
    while let Some(n) = cur {
        if kinds.functions.contains(&n.kind()) {
            return true;
        }
        cur = parents.parent(n);
    }
    false
}

/// True for string-literal-like nodes ([`Kinds::strings`]).
pub(super) fn is_string(kinds: &Kinds, node: Node) -> bool {
    kinds.strings.contains(&node.kind())
}

/// The text of a string-ish node without quotes, sigils or string prefixes.
pub(super) fn unquote(s: &str) -> String {
    let s = s.trim();
    let s = s.strip_prefix(':').unwrap_or(s);
    // String prefixes (`b"…"`, `r'…'`, `L"…"`) only when a quote follows: a bare identifier
    // such as `LOOP` or `BROADCAST` keeps its first letter.
    let rest = s.trim_start_matches(['b', 'r', 'u', 'f', 'L', 'B', 'R', 'U', 'F']);
    let s = if rest.starts_with(['"', '\'', '`']) {
        rest
    } else {
        s
    };
    let s = s.trim_matches(['"', '\'', '`']);
    s.to_string()
}

/// A plausible mnemonic: starts with a letter, then letters, digits, `_`, `.`; at most 32
/// characters. Letters are any script's (`HÄLT`, `ПУСК`): a name is not dropped for not being
/// ASCII.
pub fn mnemonic_like(s: &str) -> bool {
    !s.is_empty()
        && s.chars().count() <= 32
        && s.starts_with(|c: char| c.is_alphabetic() || c == '_')
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
        && s.chars().any(|c| c.is_alphabetic())
}

/// The declared name of a node, when it has one (enum, class, variable, function, …): where
/// [`Kinds::names`] says, else its `name` field.
pub(super) fn name_of(kinds: &Kinds, node: Node, src: &str) -> Option<String> {
    let kind = node.kind();
    let n = match kinds.names.iter().find(|(k, _)| *k == kind) {
        Some((_, Name::Field(field))) => node.child_by_field_name(field),
        Some((_, Name::Child(of))) => {
            let mut c = node.walk();
            let found = node.named_children(&mut c).find(|k| of.contains(&k.kind()));
            found
        }
        Some((_, Name::Nothing)) => None,
        None => node.child_by_field_name("name"),
    }?;
    let t = unquote(text(n, src));
    mnemonic_like(&t).then_some(t)
}

/// The name of the nearest named ancestor (up to `depth` levels), for naming a group.
pub(super) fn enclosing_name(
    kinds: &Kinds,
    parents: &Parents,
    node: Node,
    src: &str,
    depth: usize,
) -> Option<String> {
    let mut cur = Some(node);
    for _ in 0..depth {
        let n = cur?;
        if let Some(name) = name_of(kinds, n, src) {
            return Some(name);
        }
        cur = parents.parent(n);
    }
    None
}

/// Comment lines directly above `line` (1-based), lower-cased, for context.
pub(super) fn comments_above(lines: &[&str], line: u32, max: usize) -> String {
    let mut out = Vec::new();
    let mut i = line as usize;
    while i >= 2 && out.len() < max {
        let t = lines[i - 2].trim();
        if t.starts_with("//")
            || t.starts_with('#')
            || t.starts_with("/*")
            || t.starts_with('*')
            || t.starts_with("--")
            || t.starts_with("\"\"\"")
            || t.starts_with("///")
        {
            out.push(t.to_ascii_lowercase());
            i -= 1;
        } else if t.starts_with("#[") || t.starts_with('@') {
            // Attributes and decorators sit between a doc comment and its item.
            i -= 1;
        } else {
            break;
        }
    }
    out.join(" ")
}

pub(super) fn comment_text(s: &str) -> Option<String> {
    let idx = ["//", "/*", "#"]
        .iter()
        .filter_map(|m| s.find(m).map(|i| (i, m.len())))
        .min()?;
    let body = s[idx.0 + idx.1..]
        .trim_start_matches(['/', '*', '!', '<'])
        .trim()
        .trim_end_matches("*/")
        .trim();
    (!body.is_empty()).then(|| body.to_string())
}

/// Skips wrapper nodes that add nothing ([`Kinds::wrappers`]: `literal_element`, `argument`,
/// `subscript_designator`, …).
pub(super) fn unwrap<'t>(kinds: &Kinds, node: Node<'t>) -> Node<'t> {
    let mut n = node;
    while kinds.wrappers.contains(&n.kind()) && n.named_child_count() == 1 {
        match n.named_child(0) {
            Some(c) => n = c,
            None => break,
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquote_strips_string_prefixes_only_before_quotes() {
        assert_eq!(unquote("LOOP"), "LOOP");
        assert_eq!(unquote("BROADCAST"), "BROADCAST");
        assert_eq!(unquote("b\"HALT\""), "HALT");
        assert_eq!(unquote("r'NOP'"), "NOP");
        assert_eq!(unquote(":push"), "push");
    }
}
