//! Source languages: one table, [`LANGS`], says for each language which file extensions it
//! owns, which tree-sitter grammar parses it, the name written into tables, and which node
//! kinds of that grammar play which part in extraction ([`Kinds`]). [`Lang`]'s methods and the
//! passes under `extract/` read the table; nothing else matches on a language.

use std::path::Path;

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

/// The node kinds of one grammar by the part they play, for the passes that differ between
/// languages. (Kinds that mean the same wherever they occur — function definitions, string
/// literals, record-like nodes — are recognised in `extract/syntax.rs` and `extract/maps.rs`.)
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
        /// Python's `class Op(Enum):` bodies hold enum members.
        enum_class: bool,
    },
    /// A `variable_declarator` under a `const` declaration, unless its value is an object,
    /// array or call (those are maps or records): TypeScript and JavaScript.
    ConstDeclarator,
    /// An `init_declarator` of a plain identifier under a `const`/`constexpr` declaration: C
    /// and C++.
    ConstInitDeclarator,
    /// A `variable_declarator` of a `constant_declaration`, or of a `final` field: Java.
    FinalField,
    /// An enum constant whose first argument is its value (`HALT(0x00)`): Java.
    EnumConstant,
    /// A `const`/`var` declaration whose last child that is neither the name nor the type
    /// is the value: Zig.
    Declaration,
    /// A field of an `enum_declaration` container, with its value after the name: Zig.
    ContainerField,
    /// The first two named children are the name and the value: PHP `const_element`.
    Positional,
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
    /// of a `match` statement's `case_clause`: Python.
    Condition,
}

const PYTHON: Kinds = Kinds {
    bindings: &[(
        "assignment",
        Bind::Assignment {
            left: "identifier",
            enum_class: true,
        },
    )],
    repeats_previous_value: false,
    pairs: &["pair"],
    // `if op == 0x80:  # HALT` / `elif op == 0x01:  # NOP`: the dispatch chain of a
    // language that had no switch.
    cases: &["case_clause", "if_statement", "elif_clause"],
    case_label: CaseLabel::Condition,
    arm_values: false,
};

const GO: Kinds = Kinds {
    bindings: &[(
        "const_spec",
        Bind::Fields {
            member: false,
            value_required: false,
        },
    )],
    repeats_previous_value: true,
    pairs: &["keyed_element"],
    cases: &["expression_case"],
    case_label: CaseLabel::SoleValue,
    arm_values: false,
};

/// TypeScript, TSX and JavaScript (all read with the TypeScript grammars).
const TYPESCRIPT: Kinds = Kinds {
    bindings: &[
        (
            "enum_assignment",
            Bind::Fields {
                member: true,
                value_required: false,
            },
        ),
        (
            "property_identifier",
            Bind::BareMember { body: "enum_body" },
        ),
        ("variable_declarator", Bind::ConstDeclarator),
    ],
    repeats_previous_value: false,
    pairs: &["pair"],
    cases: &["switch_case"],
    case_label: CaseLabel::Value,
    arm_values: false,
};

const RUST: Kinds = Kinds {
    bindings: &[
        (
            "enum_variant",
            Bind::Fields {
                member: true,
                value_required: false,
            },
        ),
        (
            "const_item",
            Bind::Fields {
                member: false,
                value_required: false,
            },
        ),
        (
            "static_item",
            Bind::Fields {
                member: false,
                value_required: false,
            },
        ),
    ],
    repeats_previous_value: false,
    pairs: &[],
    cases: &["match_arm"],
    case_label: CaseLabel::Pattern { unwrap: true },
    arm_values: true,
};

/// C, C++ and CUDA (C++ grammar).
const C: Kinds = Kinds {
    bindings: &[
        (
            "enumerator",
            Bind::Fields {
                member: true,
                value_required: false,
            },
        ),
        (
            "preproc_def",
            Bind::Fields {
                member: false,
                value_required: true,
            },
        ),
        ("init_declarator", Bind::ConstInitDeclarator),
    ],
    repeats_previous_value: false,
    pairs: &["initializer_pair"],
    cases: &["case_statement"],
    case_label: CaseLabel::Value,
    arm_values: false,
};

const JAVA: Kinds = Kinds {
    bindings: &[
        ("variable_declarator", Bind::FinalField),
        ("enum_constant", Bind::EnumConstant),
    ],
    repeats_previous_value: false,
    pairs: &[],
    cases: &["switch_label"],
    case_label: CaseLabel::Value,
    arm_values: false,
};

const ZIG: Kinds = Kinds {
    bindings: &[
        ("variable_declaration", Bind::Declaration),
        ("container_field", Bind::ContainerField),
    ],
    repeats_previous_value: false,
    pairs: &[],
    cases: &["switch_case"],
    case_label: CaseLabel::Value,
    arm_values: false,
};

const PHP: Kinds = Kinds {
    bindings: &[("const_element", Bind::Positional)],
    repeats_previous_value: false,
    pairs: &["array_element_initializer"],
    cases: &["case_statement"],
    case_label: CaseLabel::Value,
    arm_values: false,
};

const RUBY: Kinds = Kinds {
    bindings: &[(
        "assignment",
        Bind::Assignment {
            left: "constant",
            enum_class: false,
        },
    )],
    repeats_previous_value: false,
    pairs: &["pair"],
    cases: &["when"],
    case_label: CaseLabel::Pattern { unwrap: false },
    arm_values: false,
};

/// Markdown goes through its own pass, which knows its grammar's few kinds.
const MARKDOWN: Kinds = Kinds {
    bindings: &[],
    repeats_previous_value: false,
    pairs: &[],
    cases: &[],
    case_label: CaseLabel::Value,
    arm_values: false,
};

/// JSON has no bindings or switches, only maps (`pair`) and records (arrays, objects).
const JSON: Kinds = Kinds {
    bindings: &[],
    repeats_previous_value: false,
    pairs: &["pair"],
    cases: &[],
    case_label: CaseLabel::Value,
    arm_values: false,
};

/// Every language the scanner reads, in [`Lang`]'s declaration order.
pub(crate) static LANGS: &[LangSpec] = &[
    LangSpec {
        lang: Lang::Python,
        extensions: &["py", "pyi"],
        name: "Python",
        grammar: || tree_sitter_python::LANGUAGE.into(),
        passes: Passes::Code,
        kinds: &PYTHON,
    },
    LangSpec {
        lang: Lang::Go,
        extensions: &["go"],
        name: "Go",
        grammar: || tree_sitter_go::LANGUAGE.into(),
        passes: Passes::Code,
        kinds: &GO,
    },
    LangSpec {
        lang: Lang::TypeScript,
        extensions: &["ts", "mts", "cts"],
        name: "TypeScript",
        grammar: || tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        passes: Passes::Code,
        kinds: &TYPESCRIPT,
    },
    LangSpec {
        lang: Lang::Tsx,
        extensions: &["tsx"],
        name: "TypeScript",
        grammar: || tree_sitter_typescript::LANGUAGE_TSX.into(),
        passes: Passes::Code,
        kinds: &TYPESCRIPT,
    },
    LangSpec {
        lang: Lang::JavaScript,
        extensions: &["js", "mjs", "cjs", "jsx"],
        name: "JavaScript",
        // The TypeScript grammar accepts plain JavaScript.
        grammar: || tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        passes: Passes::Code,
        kinds: &TYPESCRIPT,
    },
    LangSpec {
        lang: Lang::Rust,
        extensions: &["rs"],
        name: "Rust",
        grammar: || tree_sitter_rust::LANGUAGE.into(),
        passes: Passes::Code,
        kinds: &RUST,
    },
    LangSpec {
        lang: Lang::C,
        extensions: &["c", "h"],
        name: "C",
        grammar: || tree_sitter_c::LANGUAGE.into(),
        passes: Passes::Code,
        kinds: &C,
    },
    LangSpec {
        lang: Lang::Cpp,
        extensions: &["cc", "cpp", "cxx", "hpp", "hh", "hxx", "ino"],
        name: "C++",
        grammar: || tree_sitter_cpp::LANGUAGE.into(),
        passes: Passes::Code,
        kinds: &C,
    },
    LangSpec {
        lang: Lang::Cuda,
        extensions: &["cu", "cuh"],
        name: "CUDA C",
        // Kernels are C++ with a few qualifiers.
        grammar: || tree_sitter_cpp::LANGUAGE.into(),
        passes: Passes::Code,
        kinds: &C,
    },
    LangSpec {
        lang: Lang::Java,
        extensions: &["java"],
        name: "Java",
        grammar: || tree_sitter_java::LANGUAGE.into(),
        passes: Passes::Code,
        kinds: &JAVA,
    },
    LangSpec {
        lang: Lang::Zig,
        extensions: &["zig"],
        name: "Zig",
        grammar: || tree_sitter_zig::LANGUAGE.into(),
        passes: Passes::Code,
        kinds: &ZIG,
    },
    LangSpec {
        lang: Lang::Php,
        extensions: &["php"],
        name: "PHP",
        grammar: || tree_sitter_php::LANGUAGE_PHP.into(),
        passes: Passes::Code,
        kinds: &PHP,
    },
    LangSpec {
        lang: Lang::Ruby,
        extensions: &["rb"],
        name: "Ruby",
        grammar: || tree_sitter_ruby::LANGUAGE.into(),
        passes: Passes::Code,
        kinds: &RUBY,
    },
    LangSpec {
        lang: Lang::Markdown,
        extensions: &["md", "markdown"],
        name: "Markdown",
        grammar: || tree_sitter_md::LANGUAGE.into(),
        passes: Passes::Markdown,
        kinds: &MARKDOWN,
    },
    LangSpec {
        lang: Lang::Json,
        extensions: &["json"],
        name: "JSON",
        grammar: || tree_sitter_json::LANGUAGE.into(),
        passes: Passes::Code,
        kinds: &JSON,
    },
];

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
                    Bind::Assignment { left, .. } => kinds.push(left),
                    _ => {}
                }
            }
            kinds.extend(k.pairs);
            kinds.extend(k.cases);
            for kind in kinds {
                let known = grammar.id_for_node_kind(kind, true) != 0
                    || grammar.id_for_node_kind(kind, false) != 0;
                assert!(known, "{:?}: no node kind {kind:?}", spec.lang);
            }
        }
    }
}
