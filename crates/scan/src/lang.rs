//! Source languages: detection by file extension and the tree-sitter grammar of each.

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
        Some(match ext.as_str() {
            "py" | "pyi" => Lang::Python,
            "go" => Lang::Go,
            "ts" | "mts" | "cts" => Lang::TypeScript,
            "tsx" => Lang::Tsx,
            "js" | "mjs" | "cjs" | "jsx" => Lang::JavaScript,
            "rs" => Lang::Rust,
            "c" | "h" => Lang::C,
            "cc" | "cpp" | "cxx" | "hpp" | "hh" | "hxx" | "ino" => Lang::Cpp,
            "cu" | "cuh" => Lang::Cuda,
            "java" => Lang::Java,
            "zig" => Lang::Zig,
            "php" => Lang::Php,
            "rb" => Lang::Ruby,
            "md" | "markdown" => Lang::Markdown,
            "json" => Lang::Json,
            _ => return None,
        })
    }

    /// The name written into [`isa_core::Table::language`], matching the shared tables.
    pub fn display_name(self) -> &'static str {
        match self {
            Lang::Python => "Python",
            Lang::Go => "Go",
            Lang::TypeScript | Lang::Tsx => "TypeScript",
            Lang::JavaScript => "JavaScript",
            Lang::Rust => "Rust",
            Lang::C => "C",
            Lang::Cpp => "C++",
            Lang::Cuda => "CUDA C",
            Lang::Java => "Java",
            Lang::Zig => "Zig",
            Lang::Php => "PHP",
            Lang::Ruby => "Ruby",
            Lang::Markdown => "Markdown",
            Lang::Json => "JSON",
        }
    }

    /// The tree-sitter grammar.
    pub fn grammar(self) -> tree_sitter::Language {
        match self {
            Lang::Python => tree_sitter_python::LANGUAGE.into(),
            Lang::Go => tree_sitter_go::LANGUAGE.into(),
            Lang::TypeScript | Lang::JavaScript => {
                tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into()
            }
            Lang::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Lang::Rust => tree_sitter_rust::LANGUAGE.into(),
            Lang::C => tree_sitter_c::LANGUAGE.into(),
            Lang::Cpp | Lang::Cuda => tree_sitter_cpp::LANGUAGE.into(),
            Lang::Java => tree_sitter_java::LANGUAGE.into(),
            Lang::Zig => tree_sitter_zig::LANGUAGE.into(),
            Lang::Php => tree_sitter_php::LANGUAGE_PHP.into(),
            Lang::Ruby => tree_sitter_ruby::LANGUAGE.into(),
            Lang::Markdown => tree_sitter_md::LANGUAGE.into(),
            Lang::Json => tree_sitter_json::LANGUAGE.into(),
        }
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
