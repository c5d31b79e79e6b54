//! # isa-codegen: one canonical table, every implementation's opcode table generated from it
//!
//! Implementations drifted because each kept a hand-written table. This crate renders a
//! canonical [`Table`] as an idiomatic table in the implementation's own language — a Python
//! `IntEnum`, Go typed constants, a TypeScript `enum`, a Rust `#[repr(u8)]` enum with `TryFrom`,
//! a C header that doubles as an X-macro list — or as the human specification table in Markdown
//! ([`generate`], [`Lang`]). Its [`conform`] module is the other half of the loop: it compares an
//! implementation's table (usually scanned from source) with the canonical one and lists every
//! divergence with the source location.
//!
//! The model: a table is first *prepared* once from the core's one resolve step
//! ([`isa_core::resolve()`]) — instructions sorted by opcode, reserved and removed numbers set
//! aside, and for each instruction the opcode bytes its table's [`Encoding`] gives (escape
//! pages, fixed widths) and its size with those real bytes (its format letter resolved through
//! the table's own `formats`, then [`Meta::scheme`], the FLUX unified scheme by default; else
//! its `size_bytes`) — and every emitter reads that one prepared view, so the languages cannot
//! disagree about a fact, nor with `check`, `translate` or `conform`. Every generated file
//! states the encoding and each instruction's opcode bytes in its language's idiom; generated
//! Markdown also lists every letter's full layout, so `isa-scan` reads a specification back
//! with the facts it was generated from.
//! Identifiers come from [`ident`]: mnemonics are free text, so each language has a naming
//! [`ident::Style`], and keyword escapes, leading digits, punctuation and collisions are resolved
//! deterministically and reported as [`Rename`]s.
//!
//! Trade-offs: the output depends only on the table's content and [`Meta`] — never on paths,
//! time or the tool version — so the same ISA version always generates the same bytes and a CI
//! can diff a committed file against a fresh rendering. Generated code uses only each language's
//! standard library. A canonical table must be decodable — the problems
//! [`isa_core::undecodable`] finds (duplicate numbers, opcode bytes that prefix others, numbers
//! the encoding cannot write) are listed in `check`'s own words — and unambiguous as a
//! canonical table (one number per mnemonic, nothing both reserved and assigned); anything else
//! is a [`CodegenError`] listing every problem with its location, never a half-right file. The
//! crate does no IO.

#![deny(missing_docs)]

pub mod conform;
mod emit;
pub mod ident;

use std::collections::BTreeMap;
use std::fmt;

use isa_core::{
    Aliases, CheckOptions, Encoding, Entry, Instruction, Layout, Location, OpBytes, ResolveOptions,
    Scheme, Status, Table,
};

pub use ident::{Rename, RenameReason};

/// A target of [`generate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lang {
    /// A Python module with an `IntEnum` (Python 3.7+, standard library only).
    Python,
    /// A Go package file with typed constants (`go vet`/`gofmt` clean).
    Go,
    /// A TypeScript module with an `enum` (`tsc --strict` clean).
    TypeScript,
    /// A Rust module with a `#[repr(u8)]` (or wider) enum and `TryFrom` impls.
    Rust,
    /// A C header (C99) with an `enum`, an X-macro list and lookup functions.
    C,
    /// The human specification table in Markdown.
    Markdown,
}

impl Lang {
    /// Every target, in a fixed order.
    pub const ALL: [Lang; 6] = [
        Lang::Python,
        Lang::Go,
        Lang::TypeScript,
        Lang::Rust,
        Lang::C,
        Lang::Markdown,
    ];

    /// The name used on the command line: `python`, `go`, `typescript`, `rust`, `c`,
    /// `markdown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Python => "python",
            Lang::Go => "go",
            Lang::TypeScript => "typescript",
            Lang::Rust => "rust",
            Lang::C => "c",
            Lang::Markdown => "markdown",
        }
    }

    /// Parses a name, accepting the usual abbreviations (`py`, `ts`, `rs`, `h`, `md`).
    pub fn parse(name: &str) -> Option<Lang> {
        Some(match name.to_ascii_lowercase().as_str() {
            "python" | "py" => Lang::Python,
            "go" | "golang" => Lang::Go,
            "typescript" | "ts" => Lang::TypeScript,
            "rust" | "rs" => Lang::Rust,
            "c" | "h" => Lang::C,
            "markdown" | "md" => Lang::Markdown,
            _ => return None,
        })
    }

    /// The usual file extension (without the dot).
    pub fn extension(self) -> &'static str {
        match self {
            Lang::Python => "py",
            Lang::Go => "go",
            Lang::TypeScript => "ts",
            Lang::Rust => "rs",
            Lang::C => "h",
            Lang::Markdown => "md",
        }
    }

    /// The target a file name's extension implies (`opcodes.h` → C), if any.
    pub fn from_file_name(name: &str) -> Option<Lang> {
        let ext = name.rsplit_once('.')?.1;
        Some(match ext.to_ascii_lowercase().as_str() {
            "py" | "pyi" => Lang::Python,
            "go" => Lang::Go,
            "ts" | "mts" | "cts" => Lang::TypeScript,
            "rs" => Lang::Rust,
            "h" | "c" => Lang::C,
            "md" | "markdown" => Lang::Markdown,
            _ => return None,
        })
    }

    /// The identifier style of this target's instruction names (Markdown shows mnemonics as
    /// they are and has none).
    pub fn style(self) -> Option<ident::Style> {
        match self {
            Lang::Python | Lang::TypeScript => Some(ident::Style::UpperSnake),
            Lang::Go => Some(ident::Style::GoConst),
            Lang::Rust => Some(ident::Style::UpperCamel),
            Lang::C => Some(ident::Style::CEnum),
            Lang::Markdown => None,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the generated header says about the table, and how to resolve format letters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    /// The ISA version the table is (a store version like `1.2.0`, or the table's own label).
    pub isa_version: String,
    /// The content hash ([`isa_core::hash::table_hash`]) of the table.
    pub content_hash: String,
    /// Scheme for format letters the table does not declare itself.
    pub scheme: Scheme,
}

impl Meta {
    /// The defaults for a table: its `isa_version` (else its implementation name), its content
    /// hash, and the FLUX unified scheme.
    pub fn for_table(table: &Table) -> Meta {
        Meta {
            isa_version: table
                .isa_version
                .clone()
                .unwrap_or_else(|| table.implementation.clone()),
            content_hash: isa_core::hash::table_hash(table),
            scheme: Scheme::flux_unified(),
        }
    }
}

/// One reason a table cannot be generated.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// Where, when known (the entry's location).
    pub location: Option<Location>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(l) => write!(f, "{l}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Why code generation refused a table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodegenError {
    /// The table is not an unambiguous canonical table; every problem is listed.
    #[error("{} is not a usable canonical table:\n{}", .implementation, list(.problems))]
    InvalidTable {
        /// The table's implementation name.
        implementation: String,
        /// Every problem found, in opcode order.
        problems: Vec<Problem>,
    },
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The result of [`render`]: the file and the identifier changes worth telling the user about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// The generated file, UTF-8, `\n` line endings, ending in a newline.
    pub code: String,
    /// Mnemonics that needed more than a case change to become identifiers, in opcode order
    /// (always empty for Markdown).
    pub renames: Vec<Rename>,
}

/// Renders `table` in `lang`: the generated file as one string. The same table and [`Meta`]
/// always give the same bytes. Fails (listing every problem) when the table's bytecode cannot
/// be decoded (`check`'s duplicate-opcode and encoding-ambiguity), when it is ambiguous as a
/// canonical table — one mnemonic at two numbers, one instruction listed twice, a number both
/// reserved and assigned — or when it has no instructions.
///
/// ```
/// use isa_core::{Entry, Table};
/// let mut table = Table::new("demo");
/// table.entries = vec![Entry::new(0, "HALT").with_format("A"), Entry::new(0x20, "ADD").with_format("E")];
/// let meta = isa_codegen::Meta::for_table(&table);
/// let python = isa_codegen::generate(isa_codegen::Lang::Python, &table, &meta).unwrap();
/// assert!(python.contains("class Opcode(IntEnum):"));
/// assert!(python.contains("    ADD = 0x20"));
/// ```
pub fn generate(lang: Lang, table: &Table, meta: &Meta) -> Result<String, CodegenError> {
    render(lang, table, meta).map(|g| g.code)
}

/// Like [`generate`], also returning the identifier [`Rename`]s.
pub fn render(lang: Lang, table: &Table, meta: &Meta) -> Result<Generated, CodegenError> {
    let aliases = Aliases::new();
    let prepared = prepare(table, &meta.scheme, &aliases)?;
    let (idents, renames) = match lang.style() {
        Some(style) => {
            let items: Vec<(u32, &str)> = prepared
                .instructions
                .iter()
                .map(|i| (i.opcode, i.mnemonic))
                .collect();
            ident::assign(&items, style)
        }
        None => (Vec::new(), Vec::new()),
    };
    let view = emit::View {
        prepared: &prepared,
        idents: &idents,
        renames: &renames,
        meta,
    };
    let code = match lang {
        Lang::Python => emit::python::emit(&view),
        Lang::Go => emit::go::emit(&view),
        Lang::TypeScript => emit::typescript::emit(&view),
        Lang::Rust => emit::rust::emit(&view),
        Lang::C => emit::c::emit(&view),
        Lang::Markdown => emit::markdown::emit(&view),
    };
    Ok(Generated { code, renames })
}

/// Checks that a table can serve as a canonical table (the checks [`generate`] makes), with
/// `scheme` giving the letters the table does not declare.
pub fn validate(table: &Table, scheme: &Scheme) -> Result<(), CodegenError> {
    let aliases = Aliases::new();
    prepare(table, scheme, &aliases).map(|_| ())
}

/// One instruction, with everything the emitters need, read from the core's resolve step.
#[derive(Debug, Clone)]
pub(crate) struct Instr<'a> {
    pub opcode: u32,
    pub mnemonic: &'a str,
    pub entry: &'a Entry,
    /// The format letter, when the entry has one.
    pub format: Option<&'a str>,
    /// The opcode bytes as they appear in bytecode.
    pub bytes: OpBytes,
    /// Size in bytes of the fixed part, the real opcode bytes included, when known.
    pub size: Option<u32>,
    /// True when a payload follows the fixed part.
    pub variable: bool,
}

/// A number that is not an instruction but must be documented: reserved, removed or nameless.
#[derive(Debug, Clone)]
pub(crate) struct Slot<'a> {
    pub opcode: u32,
    pub name: Option<&'a str>,
    pub why: &'static str,
}

/// The emitters' shared view of a table.
#[derive(Debug, Clone)]
pub(crate) struct Prepared<'a> {
    pub instructions: Vec<Instr<'a>>,
    pub slots: Vec<Slot<'a>>,
    /// Letters used by instructions, with their resolved layouts (`None` when unknown).
    pub formats: BTreeMap<&'a str, Option<&'a Layout>>,
    /// How opcode numbers become bytes.
    pub encoding: &'a Encoding,
    /// Width in bits of the integer type that holds every opcode *number*: 8, 16 or 32. This
    /// is a property of the numbers (the enum's representation), not of the bytes an opcode
    /// takes in bytecode, which [`Instr::bytes`] gives.
    pub width: u32,
}

impl Prepared<'_> {
    /// Hex digits for an opcode number of this table's width.
    pub fn hex(&self, opcode: u32) -> String {
        let digits = (self.width / 4) as usize;
        format!("0x{opcode:0digits$X}")
    }

    /// The declared escape prefixes (empty for fixed-width and one-byte encodings).
    pub fn escapes(&self) -> &[u32] {
        self.encoding.escape_list()
    }
}

fn location_of(e: &Entry) -> Option<Location> {
    e.location.clone()
}

/// A conflict from `check` as a problem, in `check`'s words (`critical[duplicate-opcode] …`),
/// located at its first entry.
fn problem_of(c: &isa_core::Conflict) -> Problem {
    Problem {
        location: c
            .entries
            .first()
            .and_then(|e| e.location.as_deref().cloned()),
        message: format!("{}[{}] {}", c.severity, c.kind, c.message),
    }
}

fn prepare<'a>(
    table: &'a Table,
    scheme: &'a Scheme,
    aliases: &'a Aliases,
) -> Result<Prepared<'a>, CodegenError> {
    // Whether the bytecode can be decoded at all is `check`'s question, answered once by the
    // core; a generated table must not disagree with `check` about it, so its problems are
    // listed here in `check`'s words. What follows adds only what a *canonical* table needs
    // beyond decodability (one number per mnemonic, nothing both reserved and assigned).
    let options = CheckOptions {
        aliases: aliases.clone(),
        scheme: scheme.clone(),
        hint_limit: 0,
    };
    let mut problems: Vec<Problem> = isa_core::undecodable(table, &options)
        .iter()
        .map(problem_of)
        .collect();
    let check_found = !problems.is_empty();
    let resolved = isa_core::resolve(table, &ResolveOptions::new(scheme, aliases));
    let mut resolved_at: BTreeMap<usize, &Instruction<'a>> = BTreeMap::new();
    for inst in &resolved.instructions {
        resolved_at.insert(inst.index, inst);
    }
    let mut instructions = Vec::new();
    let mut slots = Vec::new();
    for (index, e) in table.entries.iter().enumerate() {
        let removed = e.status == Some(Status::Removed);
        let inst = resolved_at.get(&index).copied();
        match (&e.mnemonic, e.reserved || removed, inst) {
            (Some(m), false, Some(inst)) if !m.trim().is_empty() => match &inst.bytes {
                Ok(bytes) => instructions.push(Instr {
                    opcode: e.opcode,
                    mnemonic: m.as_str(),
                    entry: e,
                    format: e.format.as_deref(),
                    bytes: *bytes,
                    size: inst.size(),
                    variable: inst.is_variable(),
                }),
                // `undecodable` reports every unencodable number; this keeps a table that
                // slipped past it from being generated with bytes nobody can state.
                Err(why) => {
                    if !check_found {
                        problems.push(Problem {
                            location: location_of(e),
                            message: format!("{m} = 0x{:02X} cannot be encoded: {why}", e.opcode),
                        });
                    }
                }
            },
            (name, _, _) => slots.push(Slot {
                opcode: e.opcode,
                name: name.as_deref(),
                why: if e.reserved {
                    "reserved"
                } else if removed {
                    "removed"
                } else {
                    "unnamed"
                },
            }),
        }
    }
    instructions.sort_by(|a, b| (a.opcode, a.mnemonic).cmp(&(b.opcode, b.mnemonic)));
    slots.sort_by(|a, b| (a.opcode, a.name).cmp(&(b.opcode, b.name)));
    // One number documented once, whatever the table repeats.
    slots.dedup_by(|a, b| a.opcode == b.opcode);

    if instructions.is_empty() && problems.is_empty() {
        problems.push(Problem {
            location: table.location.clone(),
            message: "the table has no instructions (every entry is reserved, removed or unnamed)"
                .into(),
        });
    }
    let mut by_number: BTreeMap<u32, Vec<&Instr>> = BTreeMap::new();
    let mut by_name: BTreeMap<String, Vec<&Instr>> = BTreeMap::new();
    for i in &instructions {
        by_number.entry(i.opcode).or_default().push(i);
        by_name.entry(aliases.key(i.mnemonic)).or_default().push(i);
    }
    for (op, group) in &by_number {
        // Different instructions at one number are `undecodable`'s duplicate-opcode; the same
        // instruction listed twice decodes fine but would be emitted twice.
        let key = aliases.key(group[0].mnemonic);
        if group.len() > 1 && group.iter().all(|i| aliases.key(i.mnemonic) == key) {
            let names: Vec<String> = group.iter().map(|i| describe(i)).collect();
            problems.push(Problem {
                location: location_of(group[1].entry),
                message: format!(
                    "opcode 0x{op:02X} lists {key} {} times: {}",
                    group.len(),
                    names.join(", ")
                ),
            });
        }
    }
    for (name, group) in &by_name {
        let mut numbers: Vec<u32> = group.iter().map(|i| i.opcode).collect();
        numbers.dedup();
        if numbers.len() > 1 {
            let places: Vec<String> = group.iter().map(|i| describe(i)).collect();
            problems.push(Problem {
                location: location_of(group[1].entry),
                message: format!(
                    "mnemonic {name} has {} numbers: {}",
                    numbers.len(),
                    places.join(", ")
                ),
            });
        }
    }
    for s in &slots {
        if let Some(group) = by_number.get(&s.opcode) {
            problems.push(Problem {
                location: location_of(group[0].entry),
                message: format!(
                    "opcode 0x{:02X} is {} but also assigned to {}",
                    s.opcode,
                    s.why,
                    describe(group[0])
                ),
            });
        }
    }
    if !problems.is_empty() {
        problems.sort();
        problems.dedup();
        return Err(CodegenError::InvalidTable {
            implementation: table.implementation.clone(),
            problems,
        });
    }
    let mut formats = BTreeMap::new();
    for inst in &resolved.instructions {
        if let Some(letter) = inst.entry.format.as_deref() {
            formats.entry(letter).or_insert(inst.layout());
        }
    }
    // Only letters of emitted instructions are documented.
    formats.retain(|letter, _| instructions.iter().any(|i| i.format == Some(*letter)));
    let max = instructions
        .iter()
        .map(|i| i.opcode)
        .chain(slots.iter().map(|s| s.opcode))
        .max()
        .unwrap_or(0);
    let width = if max <= 0xFF {
        8
    } else if max <= 0xFFFF {
        16
    } else {
        32
    };
    Ok(Prepared {
        instructions,
        slots,
        formats,
        encoding: &table.encoding,
        width,
    })
}

fn describe(i: &Instr) -> String {
    match &i.entry.location {
        Some(l) => format!("{} = 0x{:02X} ({l})", i.mnemonic, i.opcode),
        None => format!("{} = 0x{:02X}", i.mnemonic, i.opcode),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(table: &Table) -> Vec<String> {
        match validate(table, &Scheme::flux_unified()) {
            Err(CodegenError::InvalidTable { problems, .. }) => {
                problems.iter().map(|p| p.to_string()).collect()
            }
            Ok(()) => Vec::new(),
        }
    }

    #[test]
    fn ambiguous_tables_are_refused_with_every_problem() {
        let mut t = Table::new("t");
        let mut rsv = Entry::new(2, "RSV");
        rsv.reserved = true;
        let mut dup = Entry::new(1, "B");
        dup.location = Some(Location::new("t.toml", 4, 3));
        let mut again = Entry::new(5, "D");
        again.location = Some(Location::new("t.toml", 9, 3));
        t.entries = vec![
            Entry::new(1, "A"),
            dup,
            Entry::new(2, "C"),
            rsv,
            Entry::new(3, "a"),
            Entry::new(5, "D"),
            again,
        ];
        let p = problems(&t);
        assert_eq!(p.len(), 4, "{p:?}");
        // Decodability in `check`'s own words: the list `isa_core::undecodable` gives.
        let check = isa_core::undecodable(&t, &CheckOptions::new());
        assert_eq!(check.len(), 1);
        let expected = format!("critical[duplicate-opcode] {}", check[0].message);
        assert!(p.contains(&expected), "{p:?}");
        assert!(
            expected.contains("t lists opcode 0x01 2 times"),
            "{expected}"
        );
        // What a canonical table needs beyond decodability, in codegen's words.
        assert!(p.iter().any(|m| m.contains("mnemonic A has 2 numbers")));
        assert!(p
            .iter()
            .any(|m| m.contains("opcode 0x02 is reserved but also assigned to C")));
        assert!(p
            .iter()
            .any(|m| m.starts_with("t.toml:9:3: opcode 0x05 lists D 2 times")));
    }

    #[test]
    fn undecodable_tables_are_refused_with_checks_explanation() {
        // A number no encoding writes, and opcode bytes that prefix another's.
        let mut t = Table::new("t");
        let mut wide = Entry::new(0x105, "WIDE");
        wide.location = Some(Location::new("t.toml", 3, 3));
        t.entries = vec![Entry::new(0, "HALT"), wide];
        let p = problems(&t);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with(
                "t.toml:3:3: critical[encoding-ambiguity] t: WIDE 0x0105 cannot be encoded"
            ),
            "{p:?}"
        );
        let check = isa_core::undecodable(&t, &CheckOptions::new());
        assert!(p[0].ends_with(&check[0].message), "{p:?}");
        // With an escape page it is fine; an instruction on the escape byte itself is not.
        t.encoding = Encoding::escapes([0x01]).unwrap();
        assert_eq!(problems(&t), Vec::<String>::new());
        t.entries.push(Entry::new(0x01, "ONE"));
        let p = problems(&t);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("critical[encoding-ambiguity]"), "{p:?}");
    }

    #[test]
    fn opcode_bytes_and_sizes_come_from_the_resolve_step() {
        let scheme = Scheme::flux_unified();
        let aliases = Aliases::new();
        let mut t = Table::new("t");
        t.encoding = Encoding::escapes([0xFF]).unwrap();
        let mut sized = Entry::new(0xFF07, "SIZED");
        sized.size_bytes = Some(4);
        t.entries = vec![
            Entry::new(0x20, "ADD").with_format("E"),
            Entry::new(0xFF05, "VADD").with_format("E"),
            sized,
        ];
        let p = prepare(&t, &scheme, &aliases).unwrap();
        let facts: Vec<(String, Option<u32>)> = p
            .instructions
            .iter()
            .map(|i| (i.bytes.to_string(), i.size))
            .collect();
        assert_eq!(
            facts,
            vec![
                ("20".to_string(), Some(4)),
                // Format E's three operand bytes after a two-byte opcode.
                ("ff 05".to_string(), Some(5)),
                // size_bytes is the total, opcode included.
                ("ff 07".to_string(), Some(4)),
            ]
        );
        let resolved = isa_core::resolve(&t, &ResolveOptions::new(&scheme, &aliases));
        for (mine, core) in p.instructions.iter().zip(&resolved.instructions) {
            assert_eq!(Ok(mine.bytes), core.bytes);
            assert_eq!(mine.size, core.size());
        }
    }

    #[test]
    fn a_table_without_instructions_is_refused() {
        let mut t = Table::new("t");
        let mut rsv = Entry::new(2, "RSV");
        rsv.reserved = true;
        t.entries = vec![rsv, Entry::new(3, "  ")];
        assert_eq!(problems(&t).len(), 1);
        assert!(generate(Lang::C, &t, &Meta::for_table(&t)).is_err());
    }

    #[test]
    fn width_follows_the_largest_number() {
        let scheme = Scheme::flux_unified();
        for (max, width) in [(0xFF, 8), (0x100, 16), (0xFFFF, 16), (0x1_0000, 32)] {
            let mut t = Table::new("t");
            t.entries = vec![Entry::new(0, "A"), Entry::new(max, "B")];
            // Numbers above 0xFF need an encoding that writes them.
            t.encoding = Encoding::fixed(4, isa_core::Endian::Big).unwrap();
            let aliases = Aliases::new();
            assert_eq!(
                prepare(&t, &scheme, &aliases).unwrap().width,
                width,
                "{max:#x}"
            );
        }
    }

    #[test]
    fn languages_parse_and_infer_from_file_names() {
        for lang in Lang::ALL {
            assert_eq!(Lang::parse(lang.as_str()), Some(lang));
            let name = format!("opcodes.{}", lang.extension());
            assert_eq!(Lang::from_file_name(&name), Some(lang));
        }
        assert_eq!(Lang::from_file_name("README"), None);
        assert_eq!(Lang::parse("cobol"), None);
    }
}
