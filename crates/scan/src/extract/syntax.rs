//! What every pass asks of a node or a line: its text and position, its parent (from the
//! flat layout of the tree, [`Parents`]), whether it is a string or sits inside a function, the
//! name it declares, and the comments around it.

use tree_sitter::Node;

use std::sync::OnceLock;

use crate::lang::{Kinds, Lang, Name};

pub(super) fn text<'a>(node: Node, src: &'a str) -> &'a str {
    &src[node.byte_range()]
}

pub(super) fn line_of(node: Node) -> u32 {
    node.start_position().row as u32 + 1
}

pub(super) fn col_of(node: Node) -> u32 {
    node.start_position().column as u32 + 1
}

/// The syntax tree laid out flat, in one cursor walk: every visible node in pre-order, with
/// its parent and where its subtree ends.
///
/// Every pass walks the whole tree, and walking it with tree-sitter is dear: a cursor step
/// (`goto_next_sibling`) costs about as much as parsing the token, `Node::walk()` allocates a
/// cursor, and `Node::parent()` walks down from the root past every earlier sibling (which
/// made a 20,000-member Go `const` block take minutes). With five passes, each collecting every
/// node's children into a fresh vector, walking cost more than parsing. Here the tree is walked
/// once; the passes then step through plain arrays (children are the indices between a node
/// and the end of its subtree, skipping grandchildren by their subtree ends), and a parent is
/// found by binary search on the start byte, in logarithmic time. 40 bytes a node, less than
/// the map of parents it replaces (which, with the passes' own lists of nodes, took three
/// times as much).
pub(super) struct Parents<'t> {
    /// Every node the cursor visits (named or not), in pre-order, so start bytes never
    /// decrease.
    nodes: Vec<Node<'t>>,
    /// For each node, the index one past the last node of its subtree.
    end: Vec<u32>,
    /// For each node, its parent's index (`NONE` for the root).
    parent: Vec<u32>,
    /// For each node, its kind id (see [`Parents::kind_at`]).
    kind: Vec<u16>,
    /// For each node, whether it is named.
    named: Vec<bool>,
    /// The language's kind names by id.
    names: &'static [&'static str],
}

/// Each language's node kind names, by kind id, made once per process.
///
/// `Node::kind()` measures the C string tree-sitter returns and checks it is UTF-8 on every
/// call; the passes ask every node its kind several times, which cost a tenth of a scan.
fn kind_names(lang: Lang) -> &'static [&'static str] {
    static NAMES: OnceLock<Vec<Vec<&'static str>>> = OnceLock::new();
    &NAMES.get_or_init(|| {
        Lang::ALL
            .iter()
            .map(|l| {
                let g = l.grammar();
                (0..g.node_kind_count())
                    .map(|id| u16::try_from(id).ok().and_then(|id| g.node_kind_for_id(id)))
                    .map(Option::unwrap_or_default)
                    .collect()
            })
            .collect()
    })[lang as usize]
}

const NONE: u32 = u32::MAX;

/// The one [`Parents`] of a file as the passes hold it: a copy of the handle lets a pass walk
/// the layout while it adds groups to the context that holds it.
#[derive(Clone, Copy)]
pub(super) struct Shared<'a, 't>(pub(super) &'a Parents<'t>);

impl<'t> std::ops::Deref for Shared<'_, 't> {
    type Target = Parents<'t>;
    fn deref(&self) -> &Parents<'t> {
        self.0
    }
}

impl<'t> Parents<'t> {
    /// The layout of no tree, for the passes that read groups alone.
    pub(super) fn empty() -> Parents<'t> {
        Parents {
            nodes: Vec::new(),
            end: Vec::new(),
            parent: Vec::new(),
            kind: Vec::new(),
            named: Vec::new(),
            names: &[],
        }
    }

    /// Lays the tree out, or `None` when it nests deeper than `max_depth` (the walk stops
    /// there: nothing is spent on a tree that is then refused).
    pub(super) fn new(lang: Lang, root: Node<'t>, max_depth: usize) -> Option<Self> {
        let count = root.descendant_count();
        let mut nodes = Vec::with_capacity(count);
        let mut end = Vec::with_capacity(count);
        let mut parent = Vec::with_capacity(count);
        let mut kind = Vec::with_capacity(count);
        let mut named = Vec::with_capacity(count);
        // Indices of the open ancestors: the cursor's own stack, mirrored (no recursion).
        let mut open: Vec<u32> = Vec::new();
        let mut cursor = root.walk();
        loop {
            let at = nodes.len() as u32;
            let node = cursor.node();
            kind.push(node.kind_id());
            named.push(node.is_named());
            nodes.push(node);
            end.push(at + 1);
            parent.push(open.last().copied().unwrap_or(NONE));
            if cursor.goto_first_child() {
                open.push(at);
                if open.len() > max_depth {
                    return None;
                }
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    return Some(Parents {
                        nodes,
                        end,
                        parent,
                        kind,
                        named,
                        names: kind_names(lang),
                    });
                }
                if let Some(closed) = open.pop() {
                    end[closed as usize] = nodes.len() as u32;
                }
            }
        }
    }

    /// Where `node` sits in [`Parents::nodes`]: the run of nodes starting at its byte (its
    /// ancestors and descendants that start there, a handful) is searched for its id.
    fn position(&self, node: Node<'t>) -> Option<usize> {
        let start = node.start_byte();
        let first = self.nodes.partition_point(|n| n.start_byte() < start);
        self.nodes[first..]
            .iter()
            .take_while(|n| n.start_byte() == start)
            .position(|n| n.id() == node.id())
            .map(|i| first + i)
    }

    /// The parent of a node of this tree.
    pub(super) fn parent(&self, node: Node<'t>) -> Option<Node<'t>> {
        match self.position(node) {
            Some(i) => {
                let p = self.parent[i];
                (p != NONE).then(|| self.nodes[p as usize])
            }
            // Every node the passes hold comes from this tree; tree-sitter's own walk is the
            // fallback, never the path.
            None => node.parent(),
        }
    }

    /// The kind of the node at `at`: `Node::kind()` without its cost.
    pub(super) fn kind_at(&self, at: usize) -> &'static str {
        match self.names.get(self.kind[at] as usize) {
            Some(name) => name,
            // The error symbols lie outside the table.
            None => self.nodes[at].kind(),
        }
    }

    /// Every node by index, with its parent, in pre-order (the children of each node left to
    /// right): what a walk pushing each node's `children()` visits.
    pub(super) fn all(&self) -> impl Iterator<Item = (usize, Node<'t>, Option<Node<'t>>)> + '_ {
        self.nodes
            .iter()
            .zip(&self.parent)
            .enumerate()
            .map(|(at, (n, &p))| {
                let parent = (p != NONE).then(|| self.nodes[p as usize]);
                (at, *n, parent)
            })
    }

    /// The root and every named node whose ancestors below the root are all named, in
    /// pre-order, by index: what a walk pushing each node's `named_children()` visits (the
    /// subtree of an anonymous node is never entered). A pass that prunes a subtree skips
    /// indices below [`Parents::subtree_end`].
    pub(super) fn named(&self) -> impl Iterator<Item = (usize, Node<'t>)> + '_ {
        let mut i = 0usize;
        std::iter::from_fn(move || {
            let n = *self.nodes.get(i)?;
            let at = i;
            i += 1;
            // An anonymous node is not entered: step past it and its subtree (the root is
            // always visited, whatever it is).
            while let Some(&named) = self.named.get(i) {
                if named {
                    break;
                }
                i = self.end[i] as usize;
            }
            Some((at, n))
        })
    }

    /// One past the last index of the subtree of the node at `at`.
    pub(super) fn subtree_end(&self, at: usize) -> usize {
        self.end[at] as usize
    }

    /// The named children of the node at `at`, left to right (`Node::named_children` without
    /// a cursor).
    pub(super) fn named_children(&self, at: usize) -> Vec<Node<'t>> {
        let mut out = Vec::new();
        let mut c = at + 1;
        let end = self.end[at] as usize;
        while c < end {
            if self.named[c] {
                out.push(self.nodes[c]);
            }
            c = self.end[c] as usize;
        }
        out
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
