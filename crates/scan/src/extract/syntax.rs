//! What every pass asks of a node or a line: its text and position, its parent (in constant
//! time), whether it is a string or sits inside a function, the name it declares, and the
//! comments around it.

use std::collections::HashMap;

use tree_sitter::Node;

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

pub(super) fn is_function_kind(kind: &str) -> bool {
    kind.contains("function") && !kind.contains("call")
        || kind.contains("method_declaration")
        || kind == "method"
        || kind == "method_definition"
        || kind == "lambda"
        || kind == "closure_expression"
        || kind == "constructor_declaration"
        || kind == "singleton_method"
}

pub(super) fn inside_function(parents: &Parents, node: Node) -> bool {
    let mut cur = parents.parent(node);
    while let Some(n) = cur {
        if is_function_kind(n.kind()) {
            return true;
        }
        cur = parents.parent(n);
    }
    false
}

/// True for string-literal-like nodes (and Ruby symbols, which name things the same way).
pub(super) fn is_stringish(kind: &str) -> bool {
    // A word array (`%w[NOP core .]`) is a record of strings, not a string.
    (kind.contains("string")
        && !kind.contains("content")
        && !kind.contains("fragment")
        && !kind.contains("array"))
        || matches!(
            kind,
            "simple_symbol" | "hash_key_symbol" | "char_literal" | "encapsed_string"
        )
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

/// A plausible mnemonic: starts with a letter, then letters, digits, `_`, `.`; at most 32 long.
pub fn mnemonic_like(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        && s.chars().any(|c| c.is_ascii_alphabetic())
}

/// The declared name of a node, when it has one (enum, class, variable, function, …).
pub(super) fn name_of(node: Node, src: &str) -> Option<String> {
    let n = match node.kind() {
        "type_definition" => node.child_by_field_name("declarator"),
        "assignment" => node.child_by_field_name("left"),
        "variable_declaration" | "const_element" => {
            let mut c = node.walk();
            let found = node
                .named_children(&mut c)
                .find(|k| k.kind() == "identifier" || k.kind() == "name");
            found
        }
        "init_declarator" => node.child_by_field_name("declarator"),
        "preproc_def" => None,
        // A map nested under a key is named by that key (`"instructions": {...}` in JSON,
        // `errors: {...}` in a JS object).
        "pair" => node.child_by_field_name("key"),
        _ => node.child_by_field_name("name"),
    }?;
    let t = unquote(text(n, src));
    mnemonic_like(&t).then_some(t)
}

/// The name of the nearest named ancestor (up to `depth` levels), for naming a group.
pub(super) fn enclosing_name(
    parents: &Parents,
    node: Node,
    src: &str,
    depth: usize,
) -> Option<String> {
    let mut cur = Some(node);
    for _ in 0..depth {
        let n = cur?;
        if let Some(name) = name_of(n, src) {
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

/// Skips wrapper nodes that add nothing (`literal_element`, `argument`, `subscript_designator`).
pub(super) fn unwrap(node: Node) -> Node {
    let mut n = node;
    while matches!(
        n.kind(),
        "literal_element"
            | "argument"
            | "expression_statement"
            | "subscript_designator"
            | "parenthesized_expression"
            | "element"
    ) && n.named_child_count() == 1
    {
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
