//! From a tree-sitter syntax tree to candidate groups of (name, value) items.
//!
//! Every language is reduced to five shapes, so the classifier downstream never looks at a
//! grammar: *bindings* (`NAME = value`: enum members, constants, `#define`s), grouped by their
//! enum or by their scope (module, class, Go `const` block); *maps* (`{0x00: "HALT"}`,
//! `{"HALT": 0x00}`, `0x00 => [...]`, JSON's `"0x00": {"mnemonic": "NOP"}`); *records* (runs
//! of `op("HALT", 0x00, …)`, `{"NOP", 0x00, …}` or `{mnemonic: "HALT", opcode: 0x00}`);
//! *switch cases* whose label is an integer literal (or `op == literal`, in Go tagless
//! switches and Python `if`/`elif` chains) and whose mnemonic is the comment beside it, after
//! the arm's closing brace, in a heading comment that repeats the value, or the enum member the arm yields (`0x01 => Some(Op::Push)`); and
//! Markdown pipe tables. Enum members without written values then take the value the file
//! states elsewhere (trailing `// 0x01` comments, a decoder `match`) rather than a count from
//! zero. Constants that a run of records repeats in one column (operand modes, categories)
//! are dropped from their enum or scope: they describe opcodes. The per-language knowledge is
//! only which node kinds play which part. A Markdown file's [`Declarations`] (format layouts
//! and the opcode encoding it states for all its tables) come from the same tree.
//!
//! One file per pass, run in this order over one tree: `bindings.rs` (enum members and
//! constants), `maps.rs` (maps and runs of records, which also note the constants records use
//! as attributes), `counter.rs` (members numbered by a bumped counter, `HALT: c++`), `xmacro.rs` (C
//! X-macro lists, numbered in order), `switch.rs` (integer-labelled cases), then `implicit.rs` (values for enum
//! members the file does not number); a Markdown file goes through `markdown.rs` alone.
//! `syntax.rs` holds what every pass asks of a node or a line. Which node kinds play which
//! part in each language is read from the language table, `LANGS` in `lang/table.rs`.

mod bindings;
mod counter;
mod implicit;
mod maps;
mod markdown;
mod switch;
mod syntax;
mod xmacro;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use tree_sitter::Node;

use crate::eval::Env;
use crate::lang::{Kinds, Lang, Passes};

pub use markdown::{parse_encoding_decl, parse_layout_text, Declarations};
pub use syntax::mnemonic_like;

use syntax::{comments_above, line_of, text, Parents, Shared};

/// The shape a group was found in; it steers classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    /// Members of an enum (implicit increments apply).
    Enum,
    /// Named constants sharing a scope (module, class, `const` block).
    Consts,
    /// A map literal.
    Map,
    /// A run of records (calls, tuples, struct literals, objects).
    Records,
    /// Integer-labelled switch/match cases named by comments.
    Switch,
    /// A Markdown pipe table.
    Markdown,
}

/// One (name, value) pair found in source.
#[derive(Debug, Clone)]
pub struct RawItem {
    /// The name as spelled in the source.
    pub name: String,
    /// The evaluated value.
    pub value: i64,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// True when the value was written as a hexadecimal literal (opcode tables usually are).
    pub hex: bool,
    /// A format letter when the source gives one beside the item.
    pub format: Option<String>,
    /// True when the value was not written but counted (an enum member without a
    /// discriminant): weaker evidence than an explicit value elsewhere in the file.
    pub implicit: bool,
    /// The instruction's size in bytes when the source states it beside the item (a Markdown
    /// `Size` column).
    pub size: Option<u32>,
    /// A reservation rather than an instruction: the name says so (`RESERVED`, `RSVD`,
    /// `_RESERVED_3`) or the comment on its line does (see [`mark_reservations`]).
    pub reserved: bool,
}

/// A candidate table.
#[derive(Debug, Clone)]
pub struct Group {
    /// The shape.
    pub kind: GroupKind,
    /// Enum, variable, class, function or heading name ("" when none).
    pub symbol: String,
    /// Lower-case text around the group: its header and the comment lines just above it.
    pub context: String,
    /// 1-based line of the group.
    pub line: u32,
    /// The items in source order.
    pub items: Vec<RawItem>,
}

/// What the passes share while reading one file.
struct Ctx<'a, 't> {
    /// The language's node kinds by role.
    kinds: &'static Kinds,
    src: &'a str,
    /// The tree laid out flat: parents, and the order every pass walks in. Borrowed for the
    /// tree's lifetime, not the source's: the state moved in and out of the context with each
    /// piece of a file (see [`Extraction`]) lives as long as the source.
    parents: Shared<'t, 't>,
    /// The group type of each Go `const ( … )` block, by node id (see [`bindings::const_scope`]).
    const_block_types: HashMap<usize, String>,
    lines: Vec<&'a str>,
    env: Env,
    /// By (line, start byte, shape): one node may hold two groups of different shapes (a
    /// module's constants and a run of registration calls at its top level).
    groups: BTreeMap<(u32, usize, u8), Group>,
    /// Constants a run of records uses as a shared attribute (see [`maps::property_columns`]).
    property_refs: BTreeSet<String>,
    /// What a Markdown file declares for all its tables (see [`Declarations`]).
    declared: Declarations,
    /// The id of the tree's root node, and the key groups anchored at it take instead of the
    /// root's own position: a file parsed in pieces has one root per piece, but one module
    /// scope, so its module-level constants (or top-level records) stay one group.
    root_id: usize,
    module_key: (u32, usize),
    /// The binding pass's running state of each scope, by the scope node's byte range (`None`
    /// for the module), carried from piece to piece (see [`bindings::binding_pass`]).
    scope_states: HashMap<Option<(usize, usize)>, bindings::ScopeState>,
}

impl Ctx<'_, '_> {
    fn group(&mut self, key: Node, kind: GroupKind, symbol: String) -> &mut Group {
        let (src, lines) = (self.src, &self.lines);
        let ((line, start), head) = if key.id() == self.root_id {
            // The module's header is the file's first line, whichever piece this root is of.
            let (line, start) = self.module_key;
            ((line, start), src.get(start..).unwrap_or_default())
        } else {
            ((line_of(key), key.start_byte()), text(key, src))
        };
        // The context is made once per group, not once per item added to it.
        self.groups
            .entry((line, start, kind as u8))
            .or_insert_with(|| {
                let header: String = head
                    .lines()
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(120)
                    .collect();
                Group {
                    kind,
                    symbol,
                    context: format!(
                        "{} {}",
                        comments_above(lines, line, 4),
                        header.to_ascii_lowercase()
                    ),
                    line,
                    items: Vec::new(),
                }
            })
    }
}

/// Every candidate group in one parsed file, in source order.
pub fn extract(lang: Lang, tree: &tree_sitter::Tree, src: &str) -> Vec<Group> {
    extract_with_declarations(lang, tree, src).0
}

/// Every candidate group in one parsed file, in source order, and what the file declares for
/// all its tables (Markdown only; other languages declare nothing the scanner reads).
pub fn extract_with_declarations(
    lang: Lang,
    tree: &tree_sitter::Tree,
    src: &str,
) -> (Vec<Group>, Declarations) {
    extract_bounded(lang, tree, src, usize::MAX).unwrap_or_default()
}

/// [`extract_with_declarations`], or `None` without reading the tree when it nests deeper than
/// `max_depth` levels (found by the walk that lays the tree out, so a refused tree costs one
/// walk and a kept one no extra walk).
pub fn extract_bounded(
    lang: Lang,
    tree: &tree_sitter::Tree,
    src: &str,
    max_depth: usize,
) -> Option<(Vec<Group>, Declarations)> {
    let mut file = Extraction::new(lang, src);
    file.add_tree(tree, max_depth)?;
    Some(file.finish())
}

/// One file's extraction over one tree or several: a large file is parsed in pieces (see
/// `chunk.rs`), each piece's tree is read by the per-tree passes and dropped before the next
/// is parsed, so only one piece's tree is held at a time. What the passes learn of the file
/// (constants' values, groups, the constants records use as attributes) carries from piece to
/// piece; the passes that read only groups run once, at the end, over all of them.
pub struct Extraction<'a> {
    lang: Lang,
    src: &'a str,
    lines: Vec<&'a str>,
    env: Env,
    groups: BTreeMap<(u32, usize, u8), Group>,
    property_refs: BTreeSet<String>,
    declared: Declarations,
    /// The first piece's root position: the key of every module-scope group.
    module_key: Option<(u32, usize)>,
    scope_states: HashMap<Option<(usize, usize)>, bindings::ScopeState>,
}

impl<'a> Extraction<'a> {
    /// An extraction of `src`, a file in `lang`, with nothing read yet.
    pub fn new(lang: Lang, src: &'a str) -> Extraction<'a> {
        Extraction {
            lang,
            src,
            lines: src.lines().collect(),
            env: Env::default(),
            groups: BTreeMap::new(),
            property_refs: BTreeSet::new(),
            declared: Declarations::default(),
            module_key: None,
            scope_states: HashMap::new(),
        }
    }

    /// Reads one tree of `src` (the whole file, or a piece of it parsed with included ranges,
    /// so that its positions are the file's own); `None` when it nests deeper than `max_depth`.
    /// Pieces must come in source order.
    pub fn add_tree(&mut self, tree: &tree_sitter::Tree, max_depth: usize) -> Option<()> {
        let root = tree.root_node();
        let spec = self.lang.spec();
        let parents = Parents::new(self.lang, root, max_depth)?;
        if self.lines.is_empty() {
            return Some(());
        }
        let module_key = *self
            .module_key
            .get_or_insert((line_of(root), root.start_byte()));
        let mut ctx = Ctx {
            kinds: spec.kinds,
            src: self.src,
            parents: Shared(&parents),
            const_block_types: HashMap::new(),
            lines: std::mem::take(&mut self.lines),
            env: std::mem::take(&mut self.env),
            groups: std::mem::take(&mut self.groups),
            property_refs: std::mem::take(&mut self.property_refs),
            declared: std::mem::take(&mut self.declared),
            root_id: root.id(),
            module_key,
            scope_states: std::mem::take(&mut self.scope_states),
        };
        if spec.passes == Passes::Markdown {
            // Declarations first: the formats section follows the instruction table it
            // describes.
            ctx.declared = markdown::markdown_declarations(&ctx, root);
            markdown::markdown_pass(&mut ctx, root);
        } else {
            bindings::binding_pass(&mut ctx, root);
            maps::map_and_record_pass(&mut ctx);
            counter::counter_pass(&mut ctx);
            xmacro::xmacro_pass(&mut ctx);
            switch::switch_pass(&mut ctx, root);
        }
        self.lines = ctx.lines;
        self.env = ctx.env;
        self.groups = ctx.groups;
        self.property_refs = ctx.property_refs;
        self.declared = ctx.declared;
        self.scope_states = ctx.scope_states;
        Some(())
    }

    /// Runs the passes that read groups alone and returns every group in source order, with
    /// what the file declares for all its tables.
    pub fn finish(mut self) -> (Vec<Group>, Declarations) {
        if self.lines.is_empty() {
            return (Vec::new(), Declarations::default());
        }
        let spec = self.lang.spec();
        // These passes read no tree; the context only carries the state to them.
        let empty = Parents::empty();
        let mut ctx = Ctx {
            kinds: spec.kinds,
            src: self.src,
            parents: Shared(&empty),
            const_block_types: HashMap::new(),
            lines: std::mem::take(&mut self.lines),
            env: std::mem::take(&mut self.env),
            groups: std::mem::take(&mut self.groups),
            property_refs: std::mem::take(&mut self.property_refs),
            declared: std::mem::take(&mut self.declared),
            root_id: usize::MAX,
            module_key: (0, 0),
            scope_states: HashMap::new(),
        };
        if spec.passes != Passes::Markdown {
            maps::drop_property_constants(&mut ctx);
            implicit::resolve_implicit(&mut ctx);
        }
        mark_reservations(&mut ctx);
        let declared = std::mem::take(&mut ctx.declared);
        (ctx.groups.into_values().collect(), declared)
    }
}

/// Whether a name marks a reserved slot: a word `RESERVED`, `RSVD`, `RSV`, `RESV` or `RES`,
/// alone or followed by a number (`RESERVED`, `_RESERVED_3`, `OP_RSVD_7F`, `RSV7`, `RES_0x7F`;
/// not `RESET` or `RESB`).
pub fn reservation_name(name: &str) -> bool {
    crate::classify::words(name).iter().any(|w| {
        ["RESERVED", "RSVD", "RSV", "RESV", "RES"]
            .iter()
            .any(|base| {
                w.strip_prefix(base).is_some_and(|rest| {
                    rest.is_empty()
                        || (rest.starts_with(|c: char| c.is_ascii_digit())
                            && rest.chars().all(|c| c.is_ascii_hexdigit()))
                })
            })
    })
}

/// Where comments may start on one line, found once for all the items on it.
///
/// A table written on one line puts thousands of items on it, and searching the rest of the
/// line from each item (and counting characters to its column) made marking reservations
/// quadratic: a 256 kB one-line C enum took 38 s.
struct LineMarks {
    /// Byte offset of each character, when the line is not ASCII (else the column is the
    /// byte).
    chars: Option<Vec<usize>>,
    /// Byte offsets, ascending, where a comment marker starts (`//`, `/*`, `#`, `--`, `;`;
    /// in Markdown, `|`).
    marks: Vec<usize>,
}

impl LineMarks {
    fn new(line: &str, markdown: bool) -> LineMarks {
        let chars = (!line.is_ascii()).then(|| line.char_indices().map(|(i, _)| i).collect());
        let bytes = line.as_bytes();
        let marks = (0..bytes.len())
            .filter(|&i| {
                let rest = &bytes[i..];
                if markdown {
                    rest[0] == b'|'
                } else {
                    [&b"//"[..], b"/*", b"#", b"--", b";"]
                        .iter()
                        .any(|m| rest.starts_with(m))
                }
            })
            .collect();
        LineMarks { chars, marks }
    }

    /// The comment on the line after `column` (1-based), if any: from the first marker past
    /// that column (Markdown: the rest of the row past the name's cell).
    fn trailing_comment<'l>(&self, line: &'l str, column: u32) -> Option<&'l str> {
        let c = column.saturating_sub(1) as usize;
        let start = match &self.chars {
            Some(chars) => chars.get(c).copied().unwrap_or(line.len()),
            None => c.min(line.len()),
        };
        let i = self.marks.partition_point(|&m| m < start);
        self.marks.get(i).map(|&m| &line[m..])
    }
}

/// Whether a comment (or, in Markdown, a cell of the rest of the row) begins with "reserved".
fn says_reserved(comment: &str, markdown: bool) -> bool {
    // Only the first eight letters are lower-cased: the rest of a long line is never read.
    let starts = |t: &str| {
        t.trim_start_matches(|c: char| !c.is_alphanumeric())
            .chars()
            .flat_map(char::to_lowercase)
            .take(8)
            .eq("reserved".chars())
    };
    if markdown {
        comment.split('|').any(starts)
    } else {
        starts(comment)
    }
}

/// Marks the items that are reservations, by name ([`reservation_name`]) or by the comment
/// on their line beginning with "reserved" (`0x7F, // reserved`, `# Reserved for v2`; a
/// Markdown row with a cell that begins so). A comment that merely mentions the word
/// (`// 0xFF stays reserved`) marks nothing.
fn mark_reservations(ctx: &mut Ctx) {
    let mut marks: HashMap<(usize, bool), LineMarks> = HashMap::new();
    for g in ctx.groups.values_mut() {
        let markdown = g.kind == GroupKind::Markdown;
        for item in &mut g.items {
            let at = item.line.saturating_sub(1) as usize;
            let by_comment = ctx
                .lines
                .get(at)
                .and_then(|l| {
                    marks
                        .entry((at, markdown))
                        .or_insert_with(|| LineMarks::new(l, markdown))
                        .trailing_comment(l, item.column)
                })
                .is_some_and(|c| says_reserved(c, markdown));
            item.reserved = item.reserved || reservation_name(&item.name) || by_comment;
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod line_marks_tests {
    use super::LineMarks;

    #[test]
    fn the_first_marker_past_the_column_counted_in_characters() {
        let line = "HÄLT = 0x00, // reserved; NOP = 0x01 # end";
        let marks = LineMarks::new(line, false);
        assert_eq!(
            marks.trailing_comment(line, 1),
            Some("// reserved; NOP = 0x01 # end")
        );
        // Column 27 is the N of NOP, counted in characters (Ä is two bytes).
        assert_eq!(marks.trailing_comment(line, 27), Some("# end"));
        assert_eq!(marks.trailing_comment(line, 200), None);
        let row = "| 0x7F | RSV | reserved |";
        let marks = LineMarks::new(row, true);
        assert_eq!(marks.trailing_comment(row, 10), Some("| reserved |"));
    }
}
