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
    /// The tree laid out flat: parents, and the order every pass walks in.
    parents: Shared<'a, 't>,
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
}

impl Ctx<'_, '_> {
    fn group(&mut self, key: Node, kind: GroupKind, symbol: String) -> &mut Group {
        let line = line_of(key);
        let context = {
            let header: String = text(key, self.src)
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(120)
                .collect();
            format!(
                "{} {}",
                comments_above(&self.lines, line, 4),
                header.to_ascii_lowercase()
            )
        };
        self.groups
            .entry((line, key.start_byte(), kind as u8))
            .or_insert_with(|| Group {
                kind,
                symbol,
                context,
                line,
                items: Vec::new(),
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
    let root = tree.root_node();
    let spec = lang.spec();
    let parents = Parents::new(lang, root, max_depth)?;
    let mut ctx = Ctx {
        kinds: spec.kinds,
        src,
        parents: Shared(&parents),
        const_block_types: HashMap::new(),
        lines: src.lines().collect(),
        env: Env::default(),
        groups: BTreeMap::new(),
        property_refs: BTreeSet::new(),
        declared: Declarations::default(),
    };
    if ctx.lines.is_empty() {
        return Some((Vec::new(), Declarations::default()));
    }
    if spec.passes == Passes::Markdown {
        // Declarations first: the formats section follows the instruction table it describes.
        ctx.declared = markdown::markdown_declarations(&ctx, root);
        markdown::markdown_pass(&mut ctx, root);
    } else {
        bindings::binding_pass(&mut ctx, root);
        maps::map_and_record_pass(&mut ctx);
        counter::counter_pass(&mut ctx);
        xmacro::xmacro_pass(&mut ctx);
        switch::switch_pass(&mut ctx, root);
        maps::drop_property_constants(&mut ctx);
        implicit::resolve_implicit(&mut ctx);
    }
    mark_reservations(&mut ctx);
    let declared = std::mem::take(&mut ctx.declared);
    Some((ctx.groups.into_values().collect(), declared))
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

/// The comment on a source line after `column` (1-based), if any: from the first `//`, `/*`,
/// `#`, `--` or `;` past that column (Markdown: the rest of the row).
fn trailing_comment(line: &str, column: u32, markdown: bool) -> Option<&str> {
    let start = line
        .char_indices()
        .nth(column.saturating_sub(1) as usize)
        .map_or(line.len(), |(i, _)| i);
    let rest = &line[start..];
    if markdown {
        // Past the name's cell.
        return rest.find('|').map(|i| &rest[i..]);
    }
    ["//", "/*", "#", "--", ";"]
        .iter()
        .filter_map(|m| rest.find(m))
        .min()
        .map(|i| &rest[i..])
}

/// Whether a comment (or, in Markdown, a cell of the rest of the row) begins with "reserved".
fn says_reserved(comment: &str, markdown: bool) -> bool {
    let starts = |t: &str| {
        t.trim_start_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase()
            .starts_with("reserved")
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
    for g in ctx.groups.values_mut() {
        let markdown = g.kind == GroupKind::Markdown;
        for item in &mut g.items {
            let by_comment = ctx
                .lines
                .get(item.line.saturating_sub(1) as usize)
                .and_then(|l| trailing_comment(l, item.column, markdown))
                .is_some_and(|c| says_reserved(c, markdown));
            item.reserved = item.reserved || reservation_name(&item.name) || by_comment;
        }
    }
}

#[cfg(test)]
mod tests;
