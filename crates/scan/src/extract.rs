//! From a tree-sitter syntax tree to candidate groups of (name, value) items.
//!
//! Every language is reduced to five shapes, so the classifier downstream never looks at a
//! grammar: *bindings* (`NAME = value`: enum members, constants, `#define`s), grouped by their
//! enum or by their scope (module, class, Go `const` block); *maps* (`{0x00: "HALT"}`,
//! `{"HALT": 0x00}`, `0x00 => [...]`, JSON's `"0x00": {"mnemonic": "NOP"}`); *records* (runs of `op("HALT", 0x00, …)`, `{"NOP", 0x00,
//! …}` or `{mnemonic: "HALT", opcode: 0x00}`); *switch cases* whose label is an integer literal
//! (or `op == literal`, in Go tagless switches and Python `if`/`elif` chains) and whose
//! mnemonic is the comment beside it, after the arm's closing brace, in a heading comment that
//! repeats the value, or the enum member the arm yields (`0x01 => Some(Op::Push)`); and
//! Markdown pipe tables. Enum members without written values then take the value the file
//! states elsewhere (trailing `// 0x01` comments, a decoder `match`) rather than a count from
//! zero. Constants that a run of records repeats in one column (operand modes, categories)
//! are dropped from their enum or scope: they describe opcodes. The per-language knowledge is
//! only which node kinds play which part. A Markdown file's [`Declarations`] (format layouts
//! and the opcode encoding it states for all its tables) come from the same tree.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use tree_sitter::Node;

use isa_core::{Encoding, Endian, Field, FieldKind, Layout};

use crate::eval::{eval, parse_int_literal, Env};
use crate::lang::Lang;

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

fn text<'a>(node: Node, src: &'a str) -> &'a str {
    &src[node.byte_range()]
}

fn line_of(node: Node) -> u32 {
    node.start_position().row as u32 + 1
}

fn col_of(node: Node) -> u32 {
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
struct Parents<'t> {
    of: HashMap<usize, Node<'t>>,
}

impl<'t> Parents<'t> {
    fn new(root: Node<'t>) -> Self {
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

    fn parent(&self, node: Node<'t>) -> Option<Node<'t>> {
        if node.is_named() {
            self.of.get(&node.id()).copied()
        } else {
            node.parent()
        }
    }
}

fn is_function_kind(kind: &str) -> bool {
    kind.contains("function") && !kind.contains("call")
        || kind.contains("method_declaration")
        || kind == "method"
        || kind == "method_definition"
        || kind == "lambda"
        || kind == "closure_expression"
        || kind == "constructor_declaration"
        || kind == "singleton_method"
}

fn inside_function(parents: &Parents, node: Node) -> bool {
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
fn is_stringish(kind: &str) -> bool {
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
fn unquote(s: &str) -> String {
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
fn name_of(node: Node, src: &str) -> Option<String> {
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
fn enclosing_name(parents: &Parents, node: Node, src: &str, depth: usize) -> Option<String> {
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
fn comments_above(lines: &[&str], line: u32, max: usize) -> String {
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

/// A comment on `line` after byte column `after`, or on the next line when that line is only
/// a comment: the text of a switch case's name.
fn case_comment(lines: &[&str], line: u32, after_col: usize) -> Option<String> {
    let this = lines.get(line as usize - 1)?;
    let tail = this.get(after_col..).unwrap_or("");
    if let Some(c) = comment_text(tail) {
        return Some(c);
    }
    let next = lines.get(line as usize)?.trim();
    if next.starts_with("//") || next.starts_with("/*") || next.starts_with('#') {
        return comment_text(next);
    }
    None
}

fn comment_text(s: &str) -> Option<String> {
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

/// The mnemonic at the start of a case comment (`HALT`, `IADD — Format E`, `PUSH val`):
/// an upper-case word, since prose comments (`stop here`) are not names.
fn comment_mnemonic(comment: &str) -> Option<String> {
    let word: String = comment
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
        .collect();
    let word = word.trim_end_matches('.');
    (word.len() >= 2 && mnemonic_like(word) && !word.chars().any(|c| c.is_ascii_lowercase()))
        .then(|| word.to_string())
}

/// A format letter mentioned in a comment (`Format E: …`).
fn comment_format(comment: &str) -> Option<String> {
    let lower = comment.to_ascii_lowercase();
    let i = lower.find("format ")?;
    let letter = comment[i + 7..].chars().next()?;
    (letter.is_ascii_uppercase()
        && !comment[i + 8..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric()))
    .then(|| letter.to_string())
}

struct Ctx<'a, 't> {
    lang: Lang,
    src: &'a str,
    parents: Parents<'t>,
    /// The group type of each Go `const ( … )` block, by node id (see [`const_scope`]).
    const_block_types: HashMap<usize, String>,
    lines: Vec<&'a str>,
    env: Env,
    groups: BTreeMap<(u32, usize), Group>,
    /// Constants a run of records uses as a shared attribute (see [`property_columns`]).
    property_refs: BTreeSet<String>,
    /// What a Markdown file declares for all its tables (see [`Declarations`]).
    declared: Declarations,
}

/// What a Markdown specification declares for every opcode table in it: the layouts of its
/// format letters and its opcode encoding. `isa-authority gen --lang markdown` writes both, so a
/// scanned specification resolves letters and opcode bytes as the table it was generated from
/// does, not through whatever scheme the reader assumes.
///
/// Only exact declarations count, so prose about formats is never mistaken for one: a pipe
/// table with `Format` and `Layout` columns in which *every* layout parses
/// ([`parse_layout_text`]), and a line ``Encoding: `…` `` whose backticked text is an
/// `[encoding]` declaration ([`parse_encoding_decl`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Declarations {
    /// Format letter → layout.
    pub formats: BTreeMap<String, Layout>,
    /// The opcode encoding, when the file states one.
    pub encoding: Option<Encoding>,
}

/// A layout in the one-line syntax of `Layout`'s `Display` — `4 bytes: op8 rd:reg8 imm16:imm16`,
/// with ` +payload` when a `len` field makes it variable-length and ` (big-endian)` when a
/// multi-byte field is big-endian. `None` unless the text is exactly that and consistent (the
/// `op` width is what the fields leave; `+payload` matches a `len` field).
pub fn parse_layout_text(text: &str) -> Option<Layout> {
    let (head, rest) = text.split_once(':')?;
    let head = head.trim();
    let size: u32 = head
        .strip_suffix("bytes")
        .or_else(|| head.strip_suffix("byte"))?
        .trim()
        .parse()
        .ok()?;
    let mut tokens = rest.split_whitespace();
    let op: u32 = tokens.next()?.strip_prefix("op")?.parse().ok()?;
    let mut fields = Vec::new();
    let mut payload = false;
    let mut endian = Endian::Little;
    for token in tokens {
        match token {
            "+payload" => payload = true,
            "(big-endian)" => endian = Endian::Big,
            _ => {
                let (name, kind_bits) = token.rsplit_once(':')?;
                let digits = kind_bits.find(|c: char| c.is_ascii_digit())?;
                let kind = FieldKind::parse(&kind_bits[..digits])?;
                let bits: u16 = kind_bits[digits..].parse().ok()?;
                fields.push(Field::new(name, bits, kind));
            }
        }
    }
    let layout = Layout::with_endian(size, fields, endian).ok()?;
    (layout.opcode_bits() == op && layout.is_variable() == payload).then_some(layout)
}

/// An `[encoding]` declaration on one line, in the table files' TOML syntax:
/// `escapes = [0xFF, 0x0F38]`, or `opcode_bytes = 2` with an optional `, byte_order = "little"`
/// (big-endian by default, as in table files). `None` unless the text is exactly that and the
/// encoding is valid.
pub fn parse_encoding_decl(text: &str) -> Option<Encoding> {
    let text = text.trim();
    if let Some(rest) = text.strip_prefix("escapes") {
        let list = rest.trim_start().strip_prefix('=')?.trim();
        let inner = list.strip_prefix('[')?.strip_suffix(']')?;
        let escapes = inner
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| parse_int_literal(t).and_then(|n| u32::try_from(n).ok()))
            .collect::<Option<Vec<u32>>>()?;
        return Encoding::escapes(escapes).ok();
    }
    let mut width = None;
    let mut endian = Endian::Big;
    for pair in text.split(',') {
        let (key, value) = pair.split_once('=')?;
        let value = value.trim();
        match key.trim() {
            "opcode_bytes" => width = u32::try_from(parse_int_literal(value)?).ok(),
            "byte_order" => {
                endian = match value.trim_matches('"') {
                    "big" => Endian::Big,
                    "little" => Endian::Little,
                    _ => return None,
                }
            }
            _ => return None,
        }
    }
    Encoding::fixed(width?, endian).ok()
}

/// The ``Encoding: `…` `` line of a Markdown file (a list item or a paragraph; code blocks are
/// skipped): the first one that parses.
fn markdown_encoding(lines: &[&str]) -> Option<Encoding> {
    let mut fenced = false;
    for line in lines {
        let t = line.trim();
        if t.starts_with("```") || t.starts_with("~~~") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let t = t.trim_start_matches(['-', '*', '+']).trim_start();
        let Some(rest) = t
            .get(..9)
            .filter(|h| h.eq_ignore_ascii_case("encoding:"))
            .map(|_| t[9..].trim_start())
        else {
            continue;
        };
        let Some(decl) = rest.strip_prefix('`').and_then(|r| r.split_once('`')) else {
            continue;
        };
        if let Some(encoding) = parse_encoding_decl(decl.0) {
            return Some(encoding);
        }
    }
    None
}

/// A pipe table's body: each row's cleaned cells with their nodes.
type Rows<'t> = Vec<Vec<(String, Node<'t>)>>;

/// The header and body cells of a pipe table, cleaned.
fn pipe_cells<'t>(table: Node<'t>, src: &str) -> Option<(Vec<String>, Rows<'t>)> {
    fn cells<'t>(row: Node<'t>, src: &str) -> Vec<(String, Node<'t>)> {
        let mut c = row.walk();
        row.named_children(&mut c)
            .filter(|n| n.kind() == "pipe_table_cell")
            .map(|n| (clean_cell(text(n, src)), n))
            .collect()
    }
    let mut c = table.walk();
    let rows: Vec<Node> = table.named_children(&mut c).collect();
    let header = rows.iter().find(|r| r.kind() == "pipe_table_header")?;
    let head: Vec<String> = cells(*header, src)
        .into_iter()
        .map(|(t, _)| t.to_ascii_lowercase())
        .collect();
    let body = rows
        .iter()
        .filter(|r| r.kind() == "pipe_table_row")
        .map(|r| cells(*r, src))
        .collect();
    Some((head, body))
}

/// Every pipe table of a Markdown tree, in source order.
fn pipe_tables(root: Node) -> Vec<Node> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.kind() == "pipe_table" {
            out.push(node);
            continue;
        }
        let mut c = node.walk();
        let kids: Vec<Node> = node.named_children(&mut c).collect();
        stack.extend(kids.into_iter().rev());
    }
    out
}

/// The file's declarations (see [`Declarations`]).
fn markdown_declarations(ctx: &Ctx, root: Node) -> Declarations {
    let mut formats = BTreeMap::new();
    for table in pipe_tables(root) {
        let Some((head, body)) = pipe_cells(table, ctx.src) else {
            continue;
        };
        let letter_col = head.iter().position(|h| h == "format" || h == "fmt");
        let layout_col = head.iter().position(|h| h == "layout");
        let (Some(lc), Some(yc)) = (letter_col, layout_col) else {
            continue;
        };
        let parsed: Option<Vec<(String, Layout)>> = body
            .iter()
            .map(|row| {
                let letter = row.get(lc).map(|(t, _)| t.replace("\\|", "|"))?;
                let layout = parse_layout_text(&row.get(yc)?.0)?;
                (!letter.is_empty()).then_some((letter, layout))
            })
            .collect();
        for (letter, layout) in parsed.unwrap_or_default() {
            formats.entry(letter).or_insert(layout);
        }
    }
    Declarations {
        formats,
        encoding: markdown_encoding(&ctx.lines),
    }
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
            .entry((line, key.start_byte()))
            .or_insert_with(|| Group {
                kind,
                symbol,
                context,
                line,
                items: Vec::new(),
            })
    }
}

/// A binding: a named value (or a member with an implicit value).
struct Binding<'t> {
    name: Node<'t>,
    value: Option<Node<'t>>,
    /// The enum container for enum members; `None` for plain constants.
    enum_container: Option<Node<'t>>,
}

/// `parent` is `node`'s parent, which the caller's walk knows (for anonymous nodes the parent
/// index would have to fall back to tree-sitter's slow walk).
fn binding<'t>(
    lang: Lang,
    parents: &Parents<'t>,
    node: Node<'t>,
    parent: Option<Node<'t>>,
    src: &str,
) -> Option<Binding<'t>> {
    let kind = node.kind();
    let field = |f: &str| node.child_by_field_name(f);
    let parent_kind = parent.map(|p| p.kind()).unwrap_or("");
    let b = match (lang, kind) {
        (Lang::Python, "assignment") => {
            let left = field("left")?;
            if left.kind() != "identifier" {
                return None;
            }
            let value = field("right")?;
            // Members of an Enum subclass are enum members (auto() increments).
            let class = parent
                .and_then(|p| parents.parent(p))
                .and_then(|b| parents.parent(b))
                .filter(|c| c.kind() == "class_definition");
            let is_enum = class.is_some_and(|c| {
                c.child_by_field_name("superclasses")
                    .is_some_and(|s| text(s, src).contains("Enum") || text(s, src).contains("Flag"))
            });
            let in_class_body = parent.is_some_and(|p| p.kind() == "expression_statement")
                && parent
                    .and_then(|p| parents.parent(p))
                    .is_some_and(|b| b.kind() == "block")
                && class.is_some();
            Binding {
                name: left,
                value: Some(value),
                enum_container: (is_enum && in_class_body)
                    .then(|| parent.and_then(|p| parents.parent(p)))
                    .flatten(),
            }
        }
        (Lang::Go, "const_spec") => Binding {
            name: field("name")?,
            value: field("value"),
            enum_container: None,
        },
        (Lang::TypeScript | Lang::Tsx | Lang::JavaScript, "enum_assignment") => Binding {
            name: field("name")?,
            value: field("value"),
            enum_container: parent,
        },
        (Lang::TypeScript | Lang::Tsx | Lang::JavaScript, "property_identifier")
            if parent_kind == "enum_body" =>
        {
            Binding {
                name: node,
                value: None,
                enum_container: parent,
            }
        }
        (Lang::TypeScript | Lang::Tsx | Lang::JavaScript, "variable_declarator") => {
            let decl = parent?;
            if !text(decl, src).trim_start().starts_with("const")
                && !text(decl, src).contains("const ")
            {
                return None;
            }
            let value = field("value")?;
            if matches!(
                value.kind(),
                "object" | "array" | "call_expression" | "as_expression"
            ) && !value.kind().contains("number")
            {
                // Objects and arrays are maps or records, handled elsewhere.
                if value.kind() != "as_expression" {
                    return None;
                }
            }
            Binding {
                name: field("name")?,
                value: Some(value),
                enum_container: None,
            }
        }
        (Lang::Rust, "enum_variant") => Binding {
            name: field("name")?,
            value: field("value"),
            enum_container: parent,
        },
        (Lang::Rust, "const_item" | "static_item") => Binding {
            name: field("name")?,
            value: field("value"),
            enum_container: None,
        },
        (Lang::C | Lang::Cpp | Lang::Cuda, "enumerator") => Binding {
            name: field("name")?,
            value: field("value"),
            enum_container: parent,
        },
        (Lang::C | Lang::Cpp | Lang::Cuda, "preproc_def") => Binding {
            name: field("name")?,
            value: Some(field("value")?),
            enum_container: None,
        },
        (Lang::C | Lang::Cpp | Lang::Cuda, "init_declarator") => {
            let decl = parent?;
            let t = text(decl, src);
            if !(t.contains("const") || t.contains("constexpr")) {
                return None;
            }
            let name = field("declarator")?;
            if name.kind() != "identifier" {
                return None;
            }
            Binding {
                name,
                value: Some(field("value")?),
                enum_container: None,
            }
        }
        (Lang::Java, "variable_declarator") => {
            let decl = parent?;
            if !matches!(decl.kind(), "field_declaration" | "constant_declaration") {
                return None;
            }
            let mods = text(decl, src);
            if decl.kind() == "field_declaration" && !mods.contains("final") {
                return None;
            }
            Binding {
                name: field("name")?,
                value: Some(field("value")?),
                enum_container: None,
            }
        }
        (Lang::Java, "enum_constant") => {
            let value = field("arguments").and_then(|a| a.named_child(0));
            Binding {
                name: field("name")?,
                value,
                enum_container: parent,
            }
        }
        (Lang::Zig, "variable_declaration") => {
            let mut c = node.walk();
            let kids: Vec<Node> = node.named_children(&mut c).collect();
            let name = *kids.iter().find(|k| k.kind() == "identifier")?;
            let value = kids
                .iter()
                .rev()
                .find(|k| {
                    k.id() != name.id()
                        && node.child_by_field_name("type").map(|t| t.id()) != Some(k.id())
                })
                .copied()?;
            if value.kind().contains("declaration") {
                return None;
            }
            Binding {
                name,
                value: Some(value),
                enum_container: None,
            }
        }
        (Lang::Zig, "container_field") => {
            let container = parent?;
            if container.kind() != "enum_declaration" {
                return None;
            }
            let name = field("name")?;
            let mut c = node.walk();
            let value = node.named_children(&mut c).find(|k| {
                k.id() != name.id()
                    && node.child_by_field_name("type").map(|t| t.id()) != Some(k.id())
            });
            Binding {
                name,
                value,
                enum_container: Some(container),
            }
        }
        (Lang::Php, "const_element") => {
            let mut c = node.walk();
            let kids: Vec<Node> = node.named_children(&mut c).collect();
            let name = *kids.first()?;
            let value = *kids.get(1)?;
            Binding {
                name,
                value: Some(value),
                enum_container: None,
            }
        }
        (Lang::Ruby, "assignment") => {
            let left = field("left")?;
            if left.kind() != "constant" {
                return None;
            }
            Binding {
                name: left,
                value: Some(field("right")?),
                enum_container: None,
            }
        }
        _ => return None,
    };
    Some(b)
}

/// The scope node and name that plain constants are grouped by.
///
/// A Go block's type is looked up once per block (`block_types`): finding it scans the block's
/// specs, and doing that for every spec was quadratic in the block's length.
fn const_scope<'t>(
    parents: &Parents<'t>,
    block_types: &mut HashMap<usize, String>,
    node: Node<'t>,
    src: &str,
) -> (Option<Node<'t>>, String) {
    let mut cur = parents.parent(node);
    while let Some(n) = cur {
        match n.kind() {
            "const_declaration"
                if parents
                    .parent(n)
                    .is_some_and(|p| p.kind() != "declaration_list") =>
            {
                // A Go `const ( … )` block: its own group (iota restarts there), named after
                // the declared type of its first typed spec (`OpNop Opcode = iota`).
                let ty = block_types.entry(n.id()).or_insert_with(|| {
                    let mut c = n.walk();
                    let found = n
                        .named_children(&mut c)
                        .find_map(|s| s.child_by_field_name("type"))
                        .map(|t| text(t, src).to_string())
                        .unwrap_or_default();
                    found
                });
                return (Some(n), ty.clone());
            }
            "class_definition"
            | "class_declaration"
            | "interface_declaration"
            | "module"
            | "class"
            | "mod_item"
            | "impl_item"
            | "trait_item"
            | "namespace_definition"
            | "class_specifier"
            | "struct_specifier"
            | "enum_declaration"
            | "object" => {
                let name = name_of(n, src)
                    .or_else(|| {
                        n.child_by_field_name("type")
                            .map(|t| text(t, src).to_string())
                    })
                    .unwrap_or_default();
                return (Some(n), name);
            }
            _ => {}
        }
        cur = parents.parent(n);
    }
    (None, String::new())
}

fn binding_pass(ctx: &mut Ctx, root: Node) {
    // Per-group running state: previous value (implicit increments), Go iota index and the
    // last explicit expression (Go repeats it for specs without a value).
    let mut state: BTreeMap<usize, (Option<i64>, i64, Option<String>)> = BTreeMap::new();
    let mut stack = vec![(root, None)];
    let mut order = Vec::new();
    // Pre-order, children left to right: source order, so earlier constants are defined
    // before later ones refer to them.
    while let Some((n, parent)) = stack.pop() {
        order.push((n, parent));
        let mut c = n.walk();
        let kids: Vec<Node> = n.children(&mut c).collect();
        stack.extend(kids.into_iter().rev().map(|k| (k, Some(n))));
    }
    let mut enum_names: HashMap<usize, String> = HashMap::new();
    for (node, parent) in order {
        let Some(b) = binding(ctx.lang, &ctx.parents, node, parent, ctx.src) else {
            continue;
        };
        if inside_function(&ctx.parents, node) {
            continue;
        }
        let name = text(b.name, ctx.src).trim().to_string();
        if !mnemonic_like(&name) || name == "_" {
            continue;
        }
        let (group_node, symbol, kind) = match b.enum_container {
            Some(c) => {
                // Once per container: naming it asks the container for a field, which scans
                // all its members (quadratic over a 100,000-member enum).
                let sym = match enum_names.get(&c.id()) {
                    Some(sym) => sym.clone(),
                    None => {
                        let sym = enclosing_name(&ctx.parents, c, ctx.src, 4).unwrap_or_default();
                        enum_names.insert(c.id(), sym.clone());
                        sym
                    }
                };
                (Some(c), sym, GroupKind::Enum)
            }
            None => {
                let (scope, sym) =
                    const_scope(&ctx.parents, &mut ctx.const_block_types, node, ctx.src);
                (scope, sym, GroupKind::Consts)
            }
        };
        let key = group_node.map(|g| g.id()).unwrap_or(0);
        let st = state.entry(key).or_insert((None, -1, None));
        st.1 += 1;
        let iota = st.1;
        let value_text = b.value.map(|v| {
            let t = text(v, ctx.src);
            // A macro body keeps its trailing comment (`#define OP_CALL 0x40 // CALL addr`).
            let t = if v.kind() == "preproc_arg" {
                t.find("//")
                    .into_iter()
                    .chain(t.find("/*"))
                    .min()
                    .map_or(t, |i| &t[..i])
            } else {
                t
            };
            t.trim().to_string()
        });
        let is_auto = value_text
            .as_deref()
            .is_some_and(|t| t.starts_with("auto("));
        let value = match value_text.as_deref() {
            Some(t) if !is_auto => {
                st.2 = Some(t.to_string());
                eval(t, &ctx.env, Some(iota))
            }
            _ if ctx.lang == Lang::Go => {
                st.2.as_deref().and_then(|t| eval(t, &ctx.env, Some(iota)))
            }
            _ if kind == GroupKind::Enum || is_auto => {
                // Implicit increment: previous + 1; the first member is 0 (1 for Python auto()).
                Some(match st.0 {
                    Some(p) => p + 1,
                    None if is_auto => 1,
                    None => 0,
                })
            }
            _ => None,
        };
        let Some(value) = value else {
            continue;
        };
        let implicit =
            ctx.lang != Lang::Go && (is_auto || (value_text.is_none() && kind == GroupKind::Enum));
        st.0 = Some(value);
        ctx.env.define_member(&symbol, &name, value);
        let hex = value_text
            .as_deref()
            .map(|t| t.contains("0x") || t.contains("0X"))
            .unwrap_or(false);
        let item = RawItem {
            name,
            value,
            line: line_of(b.name),
            column: col_of(b.name),
            hex,
            format: None,
            implicit,
            size: None,
        };
        let anchor = group_node.unwrap_or(root);
        ctx.group(anchor, kind, symbol).items.push(item);
    }
}

fn pair_parts<'t>(node: Node<'t>) -> Option<(Node<'t>, Node<'t>)> {
    let key = node.child_by_field_name("key");
    let value = node.child_by_field_name("value");
    if let (Some(k), Some(v)) = (key, value) {
        return Some((unwrap(k), unwrap(v)));
    }
    let mut c = node.walk();
    let kids: Vec<Node> = node
        .named_children(&mut c)
        .filter(|k| k.kind() != "comment")
        .collect();
    if kids.len() == 2 {
        Some((unwrap(kids[0]), unwrap(kids[1])))
    } else {
        None
    }
}

/// Skips wrapper nodes that add nothing (`literal_element`, `argument`, `subscript_designator`).
fn unwrap(node: Node) -> Node {
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

fn is_pair_kind(lang: Lang, kind: &str) -> bool {
    match lang {
        Lang::Go => kind == "keyed_element",
        Lang::Php => kind == "array_element_initializer",
        Lang::C | Lang::Cpp | Lang::Cuda => kind == "initializer_pair",
        Lang::Rust | Lang::Java | Lang::Zig | Lang::Markdown => false,
        _ => kind == "pair",
    }
}

/// Fields of a record-like node: (field name, value node) for keyed fields, (None, node) for
/// positional ones.
fn record_fields<'t>(lang: Lang, node: Node<'t>, src: &str) -> Vec<(Option<String>, Node<'t>)> {
    let mut out = Vec::new();
    let mut c = node.walk();
    for child in node.named_children(&mut c) {
        let kind = child.kind();
        if kind == "comment" {
            continue;
        }
        if matches!(
            kind,
            "argument_list" | "arguments" | "field_initializer_list" | "literal_value"
        ) {
            out.extend(record_fields(lang, child, src));
        } else if is_pair_kind(lang, kind) || kind == "field_initializer" || kind == "pair" {
            if let Some((k, v)) = pair_parts(child).or_else(|| {
                Some((
                    child.child_by_field_name("field")?,
                    child.child_by_field_name("value")?,
                ))
            }) {
                out.push((Some(unquote(text(k, src)).to_ascii_lowercase()), v));
            }
        } else if kind == "keyword_argument" {
            if let (Some(k), Some(v)) = (
                child.child_by_field_name("name"),
                child.child_by_field_name("value"),
            ) {
                out.push((Some(text(k, src).to_ascii_lowercase()), v));
            }
        } else if !matches!(kind, "identifier" if out.is_empty() && node.kind().contains("call"))
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
            out.push((None, unwrap(child)));
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
    let fields = record_fields(ctx.lang, node, ctx.src);
    let mut name: Option<String> = None;
    let mut value: Option<(i64, bool)> = None;
    let mut format = None;
    for (key, v) in &fields {
        let t = text(*v, ctx.src);
        match key.as_deref() {
            Some(k) if NAME_KEYS.contains(&k) && is_stringish(v.kind()) => {
                name = Some(unquote(t));
            }
            Some(k) if VALUE_KEYS.contains(&k) => {
                if let Some(x) = eval(t, &ctx.env, None) {
                    value = Some((x, t.contains("0x") || t.contains("0X")));
                }
            }
            Some("format" | "fmt") if is_stringish(v.kind()) => format = Some(unquote(t)),
            _ => {}
        }
    }
    for (key, v) in &fields {
        if key.is_some() && name.is_some() && value.is_some() {
            break;
        }
        let t = text(*v, ctx.src);
        if is_stringish(v.kind()) {
            let s = unquote(t);
            if name.is_none() && mnemonic_like(&s) && key.is_none() {
                name = Some(s);
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
    let (v, hex) = value?;
    Some((name?, v, hex, format))
}

fn is_record_kind(kind: &str) -> bool {
    matches!(
        kind,
        "call"
            | "tuple"
            | "list"
            | "dictionary"
            | "object"
            | "array"
            | "call_expression"
            | "struct_expression"
            | "tuple_expression"
            | "array_expression"
            | "initializer_list"
            | "composite_literal"
            | "literal_value"
            | "object_creation_expression"
            | "array_initializer"
            | "hash"
            | "string_array"
            | "array_creation_expression"
            | "function_call_expression"
    )
}

fn map_and_record_pass(ctx: &mut Ctx, root: Node) {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        let mut c = node.walk();
        let kids: Vec<Node> = node.named_children(&mut c).collect();
        // Maps: a node whose children include key/value pairs.
        let pairs: Vec<Node> = kids
            .iter()
            .copied()
            .filter(|k| is_pair_kind(ctx.lang, k.kind()))
            .collect();
        if pairs.len() >= 3 {
            let symbol = enclosing_name(&ctx.parents, node, ctx.src, 5).unwrap_or_default();
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
            .map(|k| unwrap(*k))
            .filter(|k| is_record_kind(k.kind()))
            .collect();
        if records.len() >= 3 {
            let mut items = Vec::new();
            for r in &records {
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
                    });
                }
            }
            if items.len() >= 3 {
                let refs = property_columns(ctx, &records);
                ctx.property_refs.extend(refs);
                let symbol = enclosing_name(&ctx.parents, node, ctx.src, 6)
                    .or_else(|| {
                        records[0]
                            .child_by_field_name("function")
                            .or_else(|| records[0].child_by_field_name("name"))
                            .map(|f| text(f, ctx.src).to_string())
                    })
                    .unwrap_or_default();
                ctx.group(node, GroupKind::Records, symbol)
                    .items
                    .extend(items);
            }
        }
        stack.extend(kids.into_iter().rev());
    }
}

/// The constants a run of records uses as a shared attribute: a column (same key, or same
/// position) holding a reference in at least 80% of the records, with at most half as many
/// distinct references as records (`{"NOP", 0x00, OP_NONE, CAT_CONTROL}` — 247 records, 13
/// operand modes). A column naming each record's own opcode (`Op::Halt`) repeats nothing.
fn property_columns(ctx: &Ctx, records: &[Node]) -> Vec<String> {
    let mut columns: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in records {
        let mut pos = 0;
        for (key, v) in record_fields(ctx.lang, *r, ctx.src) {
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
fn drop_property_constants(ctx: &mut Ctx) {
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

fn map_item(ctx: &Ctx, pair: Node) -> Option<RawItem> {
    let (k, v) = pair_parts(pair)?;
    let (kt, vt) = (text(k, ctx.src), text(v, ctx.src));
    let hexy = |t: &str| t.contains("0x") || t.contains("0X");
    let key_is_name = is_stringish(k.kind())
        || matches!(
            k.kind(),
            "property_identifier" | "identifier" | "field_identifier"
        );
    // "HALT": 0x00 / HALT: 0x00
    if key_is_name {
        if let Some(value) = eval(vt, &ctx.env, None) {
            let name = unquote(kt);
            if mnemonic_like(&name) && (is_stringish(k.kind()) || ctx.env_lookup_fails(kt)) {
                return Some(RawItem {
                    name,
                    value,
                    line: line_of(k),
                    column: col_of(k),
                    hex: hexy(vt),
                    format: None,
                    implicit: false,
                    size: None,
                });
            }
        }
    }
    // 0x00: "HALT" / Op.HALT: "HALT" / 0x00: ("HALT", 1) / 0x00 => ['NOP', :misc]; a quoted
    // number literal is a number too (`"0x00": {"mnemonic": "NOP"}`): JSON keys are strings.
    let key_value = eval(kt, &ctx.env, None).or_else(|| {
        is_stringish(k.kind())
            .then(|| parse_int_literal(unquote(kt).trim()))
            .flatten()
    });
    if let Some(value) = key_value {
        let name = if is_stringish(v.kind()) {
            Some(unquote(vt))
        } else {
            let fields = record_fields(ctx.lang, v, ctx.src);
            fields
                .iter()
                .find(|(key, n)| {
                    is_stringish(n.kind()) && key.as_deref().is_none_or(|k| NAME_KEYS.contains(&k))
                })
                .map(|(_, n)| unquote(text(*n, ctx.src)))
        }?;
        if mnemonic_like(&name) {
            return Some(RawItem {
                name,
                value,
                line: line_of(k),
                column: col_of(k),
                hex: hexy(kt),
                format: None,
                implicit: false,
                size: None,
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
        let fields = record_fields(ctx.lang, v, ctx.src);
        let mut value = None;
        let mut format = None;
        for (key, n) in &fields {
            let t = text(*n, ctx.src);
            match key.as_deref() {
                Some(k) if VALUE_KEYS.contains(&k) => {
                    value = eval(t, &ctx.env, None).map(|x| (x, t.contains("0x")));
                }
                Some("format" | "fmt") if is_stringish(n.kind()) => format = Some(unquote(t)),
                _ => {}
            }
        }
        let (x, hex) = value?;
        Some((x, hex, format))
    }
}

fn is_case_kind(lang: Lang, kind: &str) -> bool {
    match lang {
        Lang::Go => kind == "expression_case",
        Lang::TypeScript | Lang::Tsx | Lang::JavaScript => kind == "switch_case",
        Lang::C | Lang::Cpp | Lang::Cuda | Lang::Php => kind == "case_statement",
        Lang::Java => kind == "switch_label",
        Lang::Rust => kind == "match_arm",
        Lang::Zig => kind == "switch_case",
        Lang::Ruby => kind == "when",
        // `if op == 0x80:  # HALT` / `elif op == 0x01:  # NOP`: the dispatch chain of a
        // language that had no switch.
        Lang::Python => matches!(kind, "case_clause" | "if_statement" | "elif_clause"),
        Lang::Markdown | Lang::Json => false,
    }
}

fn case_value(lang: Lang, case: Node) -> Option<Node> {
    match lang {
        Lang::Rust => case.child_by_field_name("pattern").map(|p| {
            if p.named_child_count() == 1 {
                p.named_child(0).unwrap_or(p)
            } else {
                p
            }
        }),
        Lang::Ruby => case.child_by_field_name("pattern"),
        Lang::Python if case.kind() != "case_clause" => case.child_by_field_name("condition"),
        Lang::Python => case.named_child(0).map(unwrap),
        Lang::Go => case.child_by_field_name("value").and_then(|v| {
            if v.named_child_count() == 1 {
                v.named_child(0)
            } else {
                None
            }
        }),
        _ => case
            .child_by_field_name("value")
            .or_else(|| case.named_child(0))
            .map(unwrap),
    }
}

/// The integer a case label tests: the literal itself (`case 0x01:`), or the literal side of
/// an equality (`case op == 0x01:` in a Go tagless switch).
fn case_literal<'t>(v: Node<'t>, src: &str) -> Option<(Node<'t>, i64)> {
    if let Some(x) = parse_int_literal(text(v, src)) {
        return Some((v, x));
    }
    if !(v.kind().contains("binary") || v.kind() == "comparison_operator") {
        return None;
    }
    let mut c = v.walk();
    let kids: Vec<Node> = v.children(&mut c).collect();
    if kids.len() != 3 || text(kids[1], src).trim() != "==" {
        return None;
    }
    [kids[2], kids[0]]
        .into_iter()
        .find_map(|k| parse_int_literal(text(k, src)).map(|x| (k, x)))
}

/// The last segment of a qualified enum path (`Self::Push`, `Op.HALT`, `Opcode::Nop`), when
/// `t` is exactly such a path, possibly wrapped as `Some(…)`/`Ok(…)` or after `return`.
fn path_name(t: &str) -> Option<String> {
    let mut t = t.trim().trim_end_matches([',', ';']).trim();
    t = t.strip_prefix("return ").unwrap_or(t).trim();
    t = t.trim_end_matches([',', ';']).trim();
    for w in ["Some(", "Ok(", "Option::Some("] {
        if let Some(inner) = t.strip_prefix(w).and_then(|r| r.strip_suffix(')')) {
            t = inner.trim();
            break;
        }
    }
    let sep = if t.contains("::") { "::" } else { "." };
    let parts: Vec<&str> = t.split(sep).collect();
    let ident = |p: &str| {
        !p.is_empty()
            && p.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    // `self.halted` is a field, not an enum member.
    (parts.len() >= 2 && parts.iter().all(|p| ident(p)) && !matches!(parts[0], "self" | "this"))
        .then(|| parts[parts.len() - 1].to_string())
        .filter(|n| mnemonic_like(n))
}

/// The single statement or expression a case body consists of, when it is one.
fn case_body_text<'a>(ctx: &Ctx<'a, '_>, case: Node, label_end: usize) -> Option<&'a str> {
    if let Some(v) = case
        .child_by_field_name("value")
        .filter(|_| ctx.lang == Lang::Rust)
    {
        return Some(text(v, ctx.src));
    }
    let body = ctx.src.get(label_end..case.end_byte())?;
    let body = body
        .trim_start()
        .strip_prefix([':', '{'])
        .unwrap_or(body)
        .trim();
    let body = body.strip_prefix('{').unwrap_or(body).trim();
    let first = body.split([';', '\n']).next()?.trim();
    (!first.is_empty()).then_some(first)
}

fn switch_pass(ctx: &mut Ctx, root: Node) {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        let mut c = node.walk();
        let kids: Vec<Node> = node.named_children(&mut c).collect();
        if is_case_kind(ctx.lang, node.kind()) {
            if let Some(item) = case_item(ctx, node) {
                // The group is the switch: the nearest ancestor holding the cases (for an
                // if/elif chain, the `if` that holds the `elif`s).
                let mut sw = match node.kind() {
                    "if_statement" => Some(node),
                    _ => ctx.parents.parent(node),
                };
                while let Some(s) = sw {
                    if matches!(
                        s.kind(),
                        "switch_statement"
                            | "if_statement"
                            | "switch_expression"
                            | "expression_switch_statement"
                            | "match_expression"
                            | "match_statement"
                            | "case"
                    ) {
                        break;
                    }
                    sw = ctx.parents.parent(s);
                }
                let sw = sw.or(ctx.parents.parent(node)).unwrap_or(root);
                let func = {
                    let mut f = ctx.parents.parent(sw);
                    while let Some(n) = f {
                        if is_function_kind(n.kind()) {
                            break;
                        }
                        f = ctx.parents.parent(n);
                    }
                    f.and_then(|f| name_of(f, ctx.src)).unwrap_or_default()
                };
                ctx.group(sw, GroupKind::Switch, func).items.push(item);
            }
        }
        stack.extend(kids.into_iter().rev());
    }
}

/// One switch case as an item: an integer label named by the comment beside it
/// (`case 0x01: // NOP`) or by the enum member the body yields (`0x01 => Some(Op::Push)`),
/// or, in Rust, an enum path label whose arm yields an integer (`Op::Push => 0x01`).
fn case_item(ctx: &Ctx, node: Node) -> Option<RawItem> {
    let v = case_value(ctx.lang, node)?;
    let item = |name: String, lit: Node, value: i64, format: Option<String>| {
        let vt = text(lit, ctx.src);
        RawItem {
            name,
            value,
            line: line_of(lit),
            column: col_of(lit),
            hex: vt.contains("0x") || vt.contains("0X"),
            format,
            implicit: false,
            size: None,
        }
    };
    let Some((lit, value)) = case_literal(v, ctx.src) else {
        // `Op::Push => 0x01`: the reverse mapping.
        if ctx.lang != Lang::Rust {
            return None;
        }
        let name = path_name(text(v, ctx.src))?;
        let body = node.child_by_field_name("value")?;
        let value = parse_int_literal(text(body, ctx.src).trim())?;
        return Some(item(name, body, value, None));
    };
    let end = v.end_position();
    // The comment after the label names the case.
    let after = end.column
        + ctx.lines[end.row]
            .get(end.column..)
            .and_then(|s| s.find([':', '>', '{']).map(|i| i + 1))
            .unwrap_or(0);
    let comment = case_comment(&ctx.lines, end.row as u32 + 1, after).or_else(|| {
        // `0x01 => {\n    self.pop()?;\n} // POP`: the name trails the block's closing brace.
        let close = node.end_position();
        let line = ctx.lines.get(close.row)?;
        (close.row > end.row && line.trim_start().starts_with('}'))
            .then(|| comment_text(line.get(close.column..)?))
            .flatten()
    });
    if let Some(name) = comment.as_deref().and_then(comment_mnemonic) {
        return Some(item(
            name,
            lit,
            value,
            comment.as_deref().and_then(comment_format),
        ));
    }
    if let Some(name) = heading_name(&ctx.lines, line_of(node), value) {
        return Some(item(name, lit, value, None));
    }
    let name = path_name(case_body_text(ctx, node, v.end_byte())?)?;
    Some(item(name, lit, value, None))
}

/// A case introduced by a comment line that names it with its value
/// (`// ── EVOLVE (0x7C) ──` above `case 0x7C: {`): the upper-case word right before the
/// value, when the value in the comment is the case's own.
fn heading_name(lines: &[&str], line: u32, value: i64) -> Option<String> {
    let above = lines.get((line as usize).checked_sub(2)?)?.trim();
    if !(above.starts_with("//") || above.starts_with('#') || above.starts_with("/*")) {
        return None;
    }
    let body = comment_text(above)?;
    let tokens: Vec<&str> = body
        .split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | ',' | ':' | '='))
        .filter(|t| !t.is_empty())
        .collect();
    tokens.windows(2).find_map(|w| {
        (parse_int_literal(w[1]) == Some(value) && w[1].starts_with(|c: char| c.is_ascii_digit()))
            .then(|| comment_mnemonic(w[0]))
            .flatten()
    })
}

fn clean_cell(s: &str) -> String {
    s.trim()
        .trim_matches(['`', '*', '_', ' '])
        .trim()
        .to_string()
}

/// The mnemonic of a Markdown name cell: the cell itself, or its first word when everything
/// after that word is decoration without letters or digits (`C_ADD 🔒`, `HALT ✓`, `NOP *`).
/// A cell whose later words are text (`COMPRESSED ADD rd, rs1`) describes, it does not name.
fn cell_mnemonic(cell: &str) -> Option<&str> {
    if mnemonic_like(cell) {
        return Some(cell);
    }
    let (first, rest) = cell.split_once(char::is_whitespace)?;
    (mnemonic_like(first) && !rest.chars().any(char::is_alphanumeric)).then_some(first)
}

fn markdown_pass(ctx: &mut Ctx, root: Node) {
    let mut stack = vec![(root, String::new())];
    while let Some((node, heading)) = stack.pop() {
        let mut c = node.walk();
        let kids: Vec<Node> = node.named_children(&mut c).collect();
        let mut current = heading.clone();
        let mut next = Vec::new();
        for k in &kids {
            if k.kind() == "atx_heading" || k.kind() == "setext_heading" {
                current = text(*k, ctx.src)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .trim_start_matches('#')
                    .trim()
                    .to_string();
            } else if k.kind() == "pipe_table" {
                markdown_table(ctx, *k, &current);
            } else {
                next.push((*k, current.clone()));
            }
        }
        stack.extend(next.into_iter().rev());
    }
}

fn markdown_table(ctx: &mut Ctx, table: Node, heading: &str) {
    let Some((head, body)) = pipe_cells(table, ctx.src) else {
        return;
    };
    if body.is_empty() {
        return;
    }
    let col_share = |i: usize, f: &dyn Fn(&str) -> bool| -> f64 {
        let n = body
            .iter()
            .filter(|r| r.get(i).is_some_and(|(t, _)| f(t)))
            .count();
        n as f64 / body.len() as f64
    };
    let value_col = (0..head.len()).find(|&i| {
        let h = &head[i];
        (h.contains("opcode")
            || h.contains("hex")
            || h.contains("code")
            || h == "op"
            || h == "byte"
            || h == "value"
            || h == "#")
            && !h.contains("name")
            && col_share(i, &|t| parse_int_literal(t).is_some()) >= 0.5
    });
    let name_col = (0..head.len())
        .filter(|&i| Some(i) != value_col)
        .find(|&i| {
            let h = &head[i];
            (h.contains("mnemonic")
                || h.contains("name")
                || h.contains("instruction")
                || h == "op"
                || h.contains("operation")
                || h.contains("symbol")
                || h == "opcode")
                && col_share(i, &|t| cell_mnemonic(t).is_some()) >= 0.5
        });
    let Some(name_col) = name_col else { return };
    let Some(value_col) = value_col else {
        heading_range_table(ctx, table, heading, &head, &body, name_col);
        return;
    };
    let format_col = (0..head.len()).find(|&i| head[i] == "format" || head[i] == "fmt");
    let size_col = (0..head.len()).find(|&i| head[i] == "size");
    let mut items = Vec::new();
    for row in &body {
        let (Some((vt, vn)), Some((nt, _))) = (row.get(value_col), row.get(name_col)) else {
            continue;
        };
        let (Some(value), Some(name)) = (parse_int_literal(vt), cell_mnemonic(nt)) else {
            continue;
        };
        let format = format_col
            .and_then(|i| row.get(i))
            .map(|(t, _)| t.replace("\\|", "|"))
            .filter(|t| {
                (t.len() == 1 && t.chars().all(|c| c.is_ascii_uppercase()))
                    || ctx.declared.formats.contains_key(t)
            });
        // A plain byte count only: `5+N` (a payload) and `-` state no fixed size.
        let size = size_col
            .and_then(|i| row.get(i))
            .filter(|(t, _)| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()))
            .and_then(|(t, _)| t.parse::<u32>().ok())
            .filter(|n| *n > 0);
        items.push(RawItem {
            name: name.to_string(),
            value,
            line: line_of(*vn),
            column: 1,
            hex: vt.contains("0x") || vt.contains("0X"),
            format,
            implicit: false,
            size,
        });
    }
    if !items.is_empty() {
        let g = ctx.group(table, GroupKind::Markdown, heading.to_string());
        g.context.push(' ');
        g.context.push_str(&head.join(" "));
        g.items.extend(items);
    }
}

/// The one value range a heading announces (`Viewpoint ops (0x70–0x7F, Format E)`): two
/// hexadecimal literals joined by a dash, an en/em dash or `..`. None when the heading names
/// no range or more than one, since rows could then not be placed.
fn heading_range(heading: &str) -> Option<(i64, i64)> {
    let mut found = None;
    for token in heading
        .split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | ',' | ';' | ':'))
    {
        let parts: Vec<&str> = token
            .split(['-', '\u{2013}', '\u{2014}'])
            .flat_map(|p| p.split(".."))
            .collect();
        if parts.len() != 2
            || !parts
                .iter()
                .all(|p| p.to_ascii_lowercase().starts_with("0x"))
        {
            continue;
        }
        let (Some(lo), Some(hi)) = (parse_int_literal(parts[0]), parse_int_literal(parts[1]))
        else {
            continue;
        };
        if lo >= hi || found.is_some() {
            return None;
        }
        found = Some((lo, hi));
    }
    found
}

/// A Markdown table that lists mnemonics without a value column under a heading that gives
/// the block's value range (specifications often document one opcode block per section):
/// row `i` has value `lo + i`. Only taken when every row names a mnemonic and the rows fit
/// the range, so a prose table or a partial listing is never numbered by guesswork.
fn heading_range_table(
    ctx: &mut Ctx,
    table: Node,
    heading: &str,
    head: &[String],
    body: &[Vec<(String, Node)>],
    name_col: usize,
) {
    let Some((lo, hi)) = heading_range(heading) else {
        return;
    };
    if body.len() < 2 || body.len() as i64 > hi - lo + 1 {
        return;
    }
    let mut items = Vec::new();
    for (i, row) in body.iter().enumerate() {
        let Some(name) = row.get(name_col).and_then(|(t, _)| cell_mnemonic(t)) else {
            return;
        };
        items.push(RawItem {
            name: name.to_string(),
            value: lo + i as i64,
            line: line_of(row[name_col].1),
            column: 1,
            hex: true,
            format: None,
            implicit: false,
            size: None,
        });
    }
    let g = ctx.group(table, GroupKind::Markdown, heading.to_string());
    g.context.push(' ');
    g.context.push_str(&head.join(" "));
    g.items.extend(items);
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
    let mut ctx = Ctx {
        lang,
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
    if lang == Lang::Markdown {
        // Declarations first: the formats section follows the instruction table it describes.
        ctx.declared = markdown_declarations(&ctx, root);
        markdown_pass(&mut ctx, root);
    } else {
        binding_pass(&mut ctx, root);
        map_and_record_pass(&mut ctx, root);
        switch_pass(&mut ctx, root);
        drop_property_constants(&mut ctx);
        resolve_implicit(&mut ctx);
    }
    let declared = std::mem::take(&mut ctx.declared);
    (ctx.groups.into_values().collect(), declared)
}

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
/// member has one and they are distinct, else the explicit items of other groups when they
/// cover at least 80% of the members (the uncovered rest is dropped, its value unknown).
fn resolve_implicit(ctx: &mut Ctx) {
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
        if distinct.len() == g.items.len() {
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

    fn groups(path: &str, src: &str) -> Vec<Group> {
        let lang = Lang::from_path(std::path::Path::new(path)).expect("known extension");
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&lang.grammar()).expect("grammar");
        let tree = parser.parse(src, None).expect("parse");
        extract(lang, &tree, src)
    }

    fn pairs(g: &Group) -> Vec<(String, i64)> {
        g.items.iter().map(|i| (i.name.clone(), i.value)).collect()
    }

    #[test]
    fn heading_range_takes_exactly_one_hex_range() {
        assert_eq!(
            heading_range("8.12 Viewpoint — Babel (0x70\u{2013}0x7F, Format E)"),
            Some((0x70, 0x7F))
        );
        assert_eq!(heading_range("Block 0x10-0x1F"), Some((0x10, 0x1F)));
        assert_eq!(heading_range("Slots [0x20..0x2F]"), Some((0x20, 0x2F)));
        assert_eq!(heading_range("Registers (R0\u{2013}R15)"), None);
        assert_eq!(heading_range("Sections 3-4"), None);
        assert_eq!(heading_range("0x00-0x03 and 0x10-0x13"), None);
        assert_eq!(heading_range("Backwards (0x1F-0x10)"), None);
    }

    #[test]
    fn unquote_strips_string_prefixes_only_before_quotes() {
        assert_eq!(unquote("LOOP"), "LOOP");
        assert_eq!(unquote("BROADCAST"), "BROADCAST");
        assert_eq!(unquote("b\"HALT\""), "HALT");
        assert_eq!(unquote("r'NOP'"), "NOP");
        assert_eq!(unquote(":push"), "push");
    }

    #[test]
    fn enum_paths_name_cases() {
        assert_eq!(path_name("Some(Self::Push),").as_deref(), Some("Push"));
        assert_eq!(path_name("return Op.HALT;").as_deref(), Some("HALT"));
        assert_eq!(path_name("Opcode::Nop").as_deref(), Some("Nop"));
        assert_eq!(path_name("self.halted"), None);
        assert_eq!(path_name("self.pop()?"), None);
        assert_eq!(path_name("Push"), None);
    }

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

    #[test]
    fn go_tagless_switch_cases_are_read() {
        let src = "package p\nfunc f(op byte) {\n\tswitch {\n\tcase op == 0x01: // NOP\n\tcase 0x02 == op: // HALT\n\tcase op > 0x03: // JUNK\n\t}\n}\n";
        let gs = groups("x.go", src);
        let sw: Vec<_> = gs.iter().filter(|g| g.kind == GroupKind::Switch).collect();
        assert_eq!(sw.len(), 1);
        assert_eq!(
            pairs(sw[0]),
            vec![("NOP".to_string(), 1), ("HALT".to_string(), 2)]
        );
    }

    #[test]
    fn implicit_enum_takes_values_from_decoder() {
        let src = "enum Op { Nop, Load, Halt }\nfn d(b: u8) -> Option<Op> { match b { 0x10 => Some(Op::Nop), 0x20 => Some(Op::Load), 0x30 => Some(Op::Halt), _ => None } }\n";
        let gs = groups("x.rs", src);
        let e = gs.iter().find(|g| g.kind == GroupKind::Enum).expect("enum");
        assert_eq!(
            pairs(e),
            vec![
                ("Nop".to_string(), 0x10),
                ("Load".to_string(), 0x20),
                ("Halt".to_string(), 0x30)
            ]
        );
        assert!(e.items.iter().all(|i| !i.implicit));
    }

    #[test]
    fn implicit_enum_without_evidence_keeps_its_count() {
        let src = "enum Op { Nop, Load, Halt }\n";
        let gs = groups("x.rs", src);
        let e = gs.iter().find(|g| g.kind == GroupKind::Enum).expect("enum");
        assert_eq!(
            e.items.iter().map(|i| i.value).collect::<Vec<_>>(),
            [0, 1, 2]
        );
        assert!(e.items.iter().all(|i| i.implicit));
    }

    #[test]
    fn heading_comment_names_a_case_only_with_its_own_value() {
        let lines = ["  // ── ext: SPLICE (0x5A) ──", "  case 0x5A: {"];
        assert_eq!(heading_name(&lines, 2, 0x5A).as_deref(), Some("SPLICE"));
        assert_eq!(heading_name(&lines, 2, 0x5B), None);
    }

    fn declared(src: &str) -> (Vec<Group>, Declarations) {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&Lang::Markdown.grammar())
            .expect("grammar");
        let tree = parser.parse(src, None).expect("parse");
        extract_with_declarations(Lang::Markdown, &tree, src)
    }

    #[test]
    fn layout_text_parses_exactly_what_layouts_display() {
        let mut layouts: Vec<Layout> = isa_core::Scheme::flux_unified()
            .formats
            .into_values()
            .chain(isa_core::Scheme::flux_interpreter().formats.into_values())
            .collect();
        layouts.push(
            Layout::with_endian(
                5,
                vec![
                    Field::new("dst", 8, FieldKind::Register),
                    Field::new("off", 16, FieldKind::SignedImmediate),
                ],
                Endian::Big,
            )
            .unwrap(),
        );
        for layout in layouts {
            let text = layout.to_string();
            assert_eq!(parse_layout_text(&text), Some(layout), "{text}");
        }
        // A wide opcode is whatever the fields leave; kinds take their long spellings too.
        assert_eq!(
            parse_layout_text("4 bytes: op16 rd:reg8 rs:reg8")
                .unwrap()
                .opcode_bits(),
            16
        );
        assert!(parse_layout_text("2 bytes: op8 rd:register8").is_some());
        for bad in [
            "4 bytes: op8 rd:reg8",   // op8 is not what one register leaves of four bytes
            "3 bytes: op8 len:len16", // a payload field without `+payload`
            "[op][rd][imm8]",         // FORMATS.md prose
            "4 bytes op8 rd:reg8",    // no colon after the size
            "2 bytes: op8 rd:reg8 junk",
        ] {
            assert_eq!(parse_layout_text(bad), None, "{bad}");
        }
    }

    #[test]
    fn encoding_declarations_parse_like_table_files() {
        assert_eq!(
            parse_encoding_decl("escapes = []"),
            Some(Encoding::default())
        );
        assert_eq!(
            parse_encoding_decl("escapes = [0xFF, 0x0F, 0x0F38]"),
            Some(Encoding::escapes([0xFF, 0x0F, 0x0F38]).unwrap())
        );
        assert_eq!(
            parse_encoding_decl("opcode_bytes = 2"),
            Some(Encoding::fixed(2, Endian::Big).unwrap())
        );
        assert_eq!(
            parse_encoding_decl("opcode_bytes = 2, byte_order = \"little\""),
            Some(Encoding::fixed(2, Endian::Little).unwrap())
        );
        for bad in [
            "escapes = [0x00]",
            "escapes = [0x0F38]",
            "opcode_bytes = 9",
            "byte_order = \"big\"",
            "opcode_bytes = 2, byte_order = \"middle\"",
            "one byte per opcode",
        ] {
            assert_eq!(parse_encoding_decl(bad), None, "{bad}");
        }
    }

    #[test]
    fn markdown_declarations_formats_sizes_and_encoding() {
        let src = "# ISA\n\n```\n- Encoding: `opcode_bytes = 4`\n```\n\n- Encoding: `escapes = [0xFF]` (one-byte opcodes)\n\n## Instructions\n\n| Opcode | Mnemonic | Format | Size |\n|---|---|---|---|\n| 0x00 | HALT | A | 1 |\n| 0x3C | JZ | D2 | - |\n| 0x50 | TELL | G | 3+N |\n| 0xFF05 | VSIZE | - | 4 |\n| 0x51 | ODD | Q2 | 9 |\n\n## Formats\n\n| Format | Size | Layout |\n|---|---|---|\n| D2 | 4 | 4 bytes: op8 reg:reg8 imm16:simm16 |\n| G | 3 | 3 bytes: op8 len:len16 +payload |\n\n## Prose about formats\n\n| Format | Layout |\n|---|---|\n| A | [op] |\n| Q2 | 9 bytes: op8 x:imm64 |\n";
        let (groups, d) = declared(src);
        // The fenced line is an example, not the file's encoding.
        assert_eq!(d.encoding, Some(Encoding::escapes([0xFF]).unwrap()));
        // A table in which one layout is prose declares nothing.
        assert_eq!(d.formats.keys().collect::<Vec<_>>(), ["D2", "G"]);
        let g = groups
            .iter()
            .find(|g| g.symbol == "Instructions")
            .expect("table");
        let facts: Vec<(&str, Option<&str>, Option<u32>)> = g
            .items
            .iter()
            .map(|i| (i.name.as_str(), i.format.as_deref(), i.size))
            .collect();
        assert_eq!(
            facts,
            [
                ("HALT", Some("A"), Some(1)),
                // A letter the file declares is kept even when it is not one capital.
                ("JZ", Some("D2"), None),
                // `3+N` states no fixed size.
                ("TELL", Some("G"), None),
                ("VSIZE", None, Some(4)),
                // An undeclared multi-character cell is not a letter.
                ("ODD", None, Some(9)),
            ]
        );
    }
}
