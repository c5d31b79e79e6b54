//! Source languages: one table, `LANGS` (in `lang/table.rs`), says for each language which
//! file extensions it owns, which tree-sitter grammar parses it, the name written into tables,
//! and which node kinds of that grammar play which part in extraction. [`Lang`]'s methods and
//! the passes under `extract/` read the table; nothing else matches on a language.

use std::path::Path;

mod table;

pub(crate) use table::LANGS;

/// A language the scanner reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lang {
    /// Python (`.py`, `.pyi`).
    Python,
    /// Go.
    Go,
    /// TypeScript (also AssemblyScript, which uses the `.ts` extension).
    TypeScript,
    /// TSX.
    Tsx,
    /// JavaScript (`.js`, `.mjs`, `.cjs`, `.jsx`), parsed with the TypeScript grammar, which
    /// accepts plain JavaScript.
    JavaScript,
    /// Rust.
    Rust,
    /// C (and C headers).
    C,
    /// C++ (and `.hpp`, `.hh`, …).
    Cpp,
    /// CUDA (`.cu`, `.cuh`), parsed with the C++ grammar: kernels are C++ with a few qualifiers.
    Cuda,
    /// Java.
    Java,
    /// Zig.
    Zig,
    /// PHP.
    Php,
    /// Ruby.
    Ruby,
    /// Markdown (pipe tables).
    Markdown,
    /// JSON data files (`.json`): an opcode map or record list kept as data.
    Json,
}

impl Lang {
    /// The language of a path, from its extension; `None` for files the scanner does not read.
    pub fn from_path(path: &Path) -> Option<Lang> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        LANGS
            .iter()
            .find(|spec| spec.extensions.contains(&ext.as_str()))
            .map(|spec| spec.lang)
    }

    /// The name written into [`isa_core::Table::language`], matching the shared tables.
    pub fn display_name(self) -> &'static str {
        self.spec().name
    }

    /// The tree-sitter grammar.
    pub fn grammar(self) -> tree_sitter::Language {
        (self.spec().grammar)()
    }

    /// This language's row of [`LANGS`].
    pub(crate) fn spec(self) -> &'static LangSpec {
        // `LANGS` lists the languages in declaration order (a test holds it to that).
        &LANGS[self as usize]
    }

    /// Every language, for building parsers up front.
    pub const ALL: [Lang; 15] = [
        Lang::Python,
        Lang::Go,
        Lang::TypeScript,
        Lang::Tsx,
        Lang::JavaScript,
        Lang::Rust,
        Lang::C,
        Lang::Cpp,
        Lang::Cuda,
        Lang::Java,
        Lang::Zig,
        Lang::Php,
        Lang::Ruby,
        Lang::Markdown,
        Lang::Json,
    ];
}

/// What the scanner knows of one language.
#[derive(Debug)]
pub(crate) struct LangSpec {
    /// The language.
    pub(crate) lang: Lang,
    /// File extensions, lower-case, without the dot.
    pub(crate) extensions: &'static [&'static str],
    /// The name written into [`isa_core::Table::language`].
    pub(crate) name: &'static str,
    /// The tree-sitter grammar.
    pub(crate) grammar: fn() -> tree_sitter::Language,
    /// Which extraction passes read its trees.
    pub(crate) passes: Passes,
    /// Which node kinds play which part.
    pub(crate) kinds: &'static Kinds,
}

/// The extraction passes a language's trees go through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Passes {
    /// Source code: bindings, maps and records, switch cases, then implicit enum values.
    Code,
    /// Markdown: pipe tables and the file's declarations.
    Markdown,
}

/// The node kinds of one grammar by the part they play. Each list holds exactly the kinds of
/// its grammar that play the part, so a kind that only another grammar has is never listed.
#[derive(Debug)]
pub(crate) struct Kinds {
    /// Nodes that bind a name to a value (enum members, constants), and how each is read.
    pub(crate) bindings: &'static [(&'static str, Bind)],
    /// A constant without a value repeats the previous expression with the next `iota`, and
    /// is never an implicit (counted) value: Go's `const ( … )` blocks.
    pub(crate) repeats_previous_value: bool,
    /// Key/value entries of a map literal.
    pub(crate) pairs: &'static [&'static str],
    /// Switch cases (or the equivalent: match arms, `when` clauses, `if`/`elif` tests).
    pub(crate) cases: &'static [&'static str],
    /// Where a case's label is.
    pub(crate) case_label: CaseLabel,
    /// Match arms have a `value` field holding what the arm yields (`0x01 => Some(Op::Push)`),
    /// which also makes the reverse mapping readable (`Op::Push => 0x01`): Rust.
    pub(crate) arm_values: bool,
    /// Functions, methods, closures and their signatures and types: a constant inside one is
    /// a local, and a switch is named after the nearest one around it.
    pub(crate) functions: &'static [&'static str],
    /// String literals (and Ruby symbols, which name things the same way).
    pub(crate) strings: &'static [&'static str],
    /// Plain identifiers.
    pub(crate) identifiers: &'static [&'static str],
    /// Calls: an identifier that comes first among a call's children is the callee (Ruby's
    /// receiver), not a field of the record.
    pub(crate) calls: &'static [&'static str],
    /// Bare words that can name a map key (`{HALT: 0}`).
    pub(crate) key_names: &'static [&'static str],
    /// Nodes whose declared name is not in a `name` field, and where it is instead. (A map
    /// nested under a key is named by that key: `"instructions": {...}` in JSON, `errors:
    /// {...}` in a JS object.)
    pub(crate) names: &'static [(&'static str, Name)],
    /// Scopes that group the plain constants in them (modules, classes, namespaces, structs).
    pub(crate) scopes: &'static [&'static str],
    /// Constant blocks that are a group of their own, wherever they stand (Go's
    /// `const ( … )`: `iota` restarts there), unless directly in one of [`Kinds::class_bodies`].
    pub(crate) const_blocks: &'static [&'static str],
    /// Class bodies, whose constant declarations group by the class (PHP).
    pub(crate) class_bodies: &'static [&'static str],
    /// Macro bodies, which run to the end of the line, trailing comment included
    /// (`#define OP_CALL 0x40 // CALL addr`): the comment is cut off before the value is read.
    pub(crate) macro_values: &'static [&'static str],
    /// Record-like nodes (calls, tuples, lists, struct literals, initialiser lists, objects):
    /// a run of three or more is a group of records.
    pub(crate) records: &'static [&'static str],
    /// Argument and field lists, whose children are the fields of the record holding them.
    pub(crate) field_lists: &'static [&'static str],
    /// Keyed fields of a record (`key: value`, `.field = value`, map entries).
    pub(crate) record_keys: &'static [&'static str],
    /// Keyword arguments (`op(name="HALT", code=0)`).
    pub(crate) keyword_arguments: &'static [&'static str],
    /// Comments, which are never a field of a record or a part of a map entry.
    pub(crate) comments: &'static [&'static str],
    /// Wrappers that add nothing around their one child (`literal_element`, `argument`,
    /// `subscript_designator`, parentheses).
    pub(crate) wrappers: &'static [&'static str],
    /// Nodes that hold cases: a case belongs to the nearest one above it, and a case that is
    /// one itself (Python's `if` holding its `elif`s) is its own group.
    pub(crate) switches: &'static [&'static str],
    /// Binary expressions, in which a case label `op == 0x01` is looked for.
    pub(crate) comparisons: &'static [&'static str],
    /// `c++` / `++c`: a counter bumped once per member (`HALT: c++`, `const NOP = i++`), whose
    /// members take ordinal values from the counter's start.
    pub(crate) counters: &'static [&'static str],
    /// Function-like macro definitions, whose body may be an X-macro list
    /// (`#define OPS(X) X(NOP) X(ADD)`); file-level runs of one macro's invocations are read
    /// as such a list too where this is not empty.
    pub(crate) macro_lists: &'static [&'static str],
}

/// Where a node's declared name is, for the kinds in [`Kinds::names`] (any other node's name
/// is its `name` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Name {
    /// In this field.
    Field(&'static str),
    /// The first named child of one of these kinds.
    Child(&'static [&'static str]),
    /// The node names nothing (a `#define`'s name is the constant's, not a scope's).
    Nothing,
}

/// How a binding node is read (the binding pass, `extract/bindings.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bind {
    /// A node with `name` and `value` fields; the value is optional unless `value_required`.
    /// An enum member of its parent when `member`.
    Fields {
        /// The parent node is the enum.
        member: bool,
        /// Without a `value` the node binds nothing (`#define GUARD`).
        value_required: bool,
    },
    /// A member that is its own name, without a value, when its parent is of kind `body`.
    BareMember {
        /// The enum body's kind.
        body: &'static str,
    },
    /// `left = right` whose `left` is of kind `left`; with `enum_class`, an assignment in the
    /// body of a class deriving from `Enum` or `Flag` is a member of that enum (Python).
    Assignment {
        /// The kind the left side must have.
        left: &'static str,
        /// How an enum class body looks, in a language whose classes can be enums.
        enum_class: Option<EnumClass>,
    },
    /// A declarator under a `const` declaration (its parent's text says `const`), unless its
    /// value is of one of the `skip` kinds: TypeScript and JavaScript.
    ConstDeclarator {
        /// Objects, arrays and calls: maps or records, handled elsewhere.
        skip: &'static [&'static str],
    },
    /// A declarator whose `declarator` is of kind `name` under a `const`/`constexpr`
    /// declaration: C and C++.
    ConstInitDeclarator {
        /// The kind of a plain name (not a pointer or array declarator).
        name: &'static str,
    },
    /// A `variable_declarator` of a `constant` declaration, or of a `field` declaration whose
    /// modifiers say `final`: Java.
    FinalField {
        /// A class's field declaration.
        field: &'static str,
        /// An interface's constant declaration.
        constant: &'static str,
    },
    /// An enum constant whose first argument is its value (`HALT(0x00)`): Java.
    EnumConstant,
    /// A `const`/`var` declaration: its first child of kind `name` is the name, its last child
    /// that is neither the name nor the type the value, unless that is of one of the `nested`
    /// kinds: Zig.
    Declaration {
        /// The kind of the declared name.
        name: &'static str,
        /// Declarations a value can be (`const Op = enum(u8) { … }`): not constants.
        nested: &'static [&'static str],
    },
    /// A field of a `container` (an enum), with its value after the name: Zig.
    ContainerField {
        /// The enum container's kind.
        container: &'static str,
    },
    /// The first two named children are the name and the value: PHP `const_element`.
    Positional,
}

/// The shape of a class body whose assignments are enum members (Python: a `class_definition`
/// whose `block` holds `expression_statement`s, each holding one assignment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EnumClass {
    /// The class.
    pub(crate) class: &'static str,
    /// The class body.
    pub(crate) body: &'static str,
    /// The statement around an assignment in the body.
    pub(crate) statement: &'static str,
}

/// Where a switch case's label is (the switch pass, `extract/switch.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CaseLabel {
    /// The `value` field, else the first named child, without wrapper nodes.
    Value,
    /// The `value` field when it holds exactly one expression (`case 0x01:`, not
    /// `case 0x01, 0x02:`): Go.
    SoleValue,
    /// The `pattern` field; with `unwrap`, its only named child when it has exactly one
    /// (Rust's `match_pattern` around the literal).
    Pattern {
        /// Look through a pattern node that wraps one child.
        unwrap: bool,
    },
    /// The `condition` field of an `if`/`elif`, or the first named child (without wrappers)
    /// of a `match` statement's case (`match_case`): Python.
    Condition {
        /// The kind of a `match` statement's case.
        match_case: &'static str,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lists_every_language_once_in_declaration_order() {
        assert_eq!(LANGS.len(), Lang::ALL.len());
        for (i, (spec, lang)) in LANGS.iter().zip(Lang::ALL).enumerate() {
            assert_eq!(spec.lang, lang);
            assert_eq!(lang as usize, i, "{lang:?}");
        }
        let mut exts: Vec<&str> = LANGS
            .iter()
            .flat_map(|s| s.extensions.iter().copied())
            .collect();
        let n = exts.len();
        exts.sort_unstable();
        exts.dedup();
        assert_eq!(exts.len(), n, "an extension belongs to one language");
        for ext in exts {
            assert_eq!(ext, ext.to_ascii_lowercase());
            let lang = Lang::from_path(Path::new(&format!("x.{}", ext.to_ascii_uppercase())));
            assert!(
                lang.is_some_and(|l| l.spec().extensions.contains(&ext)),
                "{ext}"
            );
        }
    }

    /// Every kind the table names is one its grammar produces, so a misspelt kind or one a
    /// grammar upgrade renamed fails here rather than silently matching nothing.
    #[test]
    fn every_kind_in_the_table_is_in_its_grammar() {
        for spec in LANGS {
            let grammar = (spec.grammar)();
            let k = spec.kinds;
            let mut kinds: Vec<&str> = Vec::new();
            for (kind, bind) in k.bindings {
                kinds.push(kind);
                match bind {
                    Bind::BareMember { body } => kinds.push(body),
                    Bind::Assignment { left, enum_class } => {
                        kinds.push(left);
                        if let Some(e) = enum_class {
                            kinds.extend([e.class, e.body, e.statement]);
                        }
                    }
                    Bind::ConstDeclarator { skip } => kinds.extend(*skip),
                    Bind::ConstInitDeclarator { name } => kinds.push(name),
                    Bind::FinalField { field, constant } => kinds.extend([*field, *constant]),
                    Bind::Declaration { name, nested } => {
                        kinds.push(name);
                        kinds.extend(*nested);
                    }
                    Bind::ContainerField { container } => kinds.push(container),
                    Bind::Fields { .. } | Bind::EnumConstant | Bind::Positional => {}
                }
            }
            kinds.extend(k.pairs);
            kinds.extend(k.cases);
            if let CaseLabel::Condition { match_case } = k.case_label {
                kinds.push(match_case);
            }
            for (kind, name) in k.names {
                kinds.push(kind);
                if let Name::Child(of) = name {
                    kinds.extend(*of);
                }
            }
            for list in [
                k.functions,
                k.strings,
                k.identifiers,
                k.calls,
                k.key_names,
                k.scopes,
                k.const_blocks,
                k.class_bodies,
                k.macro_values,
                k.records,
                k.field_lists,
                k.record_keys,
                k.keyword_arguments,
                k.comments,
                k.wrappers,
                k.switches,
                k.comparisons,
                k.counters,
                k.macro_lists,
            ] {
                kinds.extend(list);
            }
            for kind in kinds {
                let known = grammar.id_for_node_kind(kind, true) != 0
                    || grammar.id_for_node_kind(kind, false) != 0;
                assert!(known, "{:?}: no node kind {kind:?}", spec.lang);
            }
        }
    }
}
