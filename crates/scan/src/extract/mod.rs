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

use syntax::{comments_above, line_of, text, Parents};

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
    parents: Parents<'t>,
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
    let root = tree.root_node();
    let spec = lang.spec();
    let mut ctx = Ctx {
        kinds: spec.kinds,
        src,
        parents: Parents::new(root),
        const_block_types: HashMap::new(),
        lines: src.lines().collect(),
        env: Env::default(),
        groups: BTreeMap::new(),
        property_refs: BTreeSet::new(),
        declared: Declarations::default(),
    };
    if ctx.lines.is_empty() {
        return (Vec::new(), Declarations::default());
    }
    if spec.passes == Passes::Markdown {
        // Declarations first: the formats section follows the instruction table it describes.
        ctx.declared = markdown::markdown_declarations(&ctx, root);
        markdown::markdown_pass(&mut ctx, root);
    } else {
        bindings::binding_pass(&mut ctx, root);
        maps::map_and_record_pass(&mut ctx, root);
        counter::counter_pass(&mut ctx, root);
        xmacro::xmacro_pass(&mut ctx, root);
        switch::switch_pass(&mut ctx, root);
        maps::drop_property_constants(&mut ctx);
        implicit::resolve_implicit(&mut ctx);
    }
    let declared = std::mem::take(&mut ctx.declared);
    (ctx.groups.into_values().collect(), declared)
}

#[cfg(test)]
mod tests;
