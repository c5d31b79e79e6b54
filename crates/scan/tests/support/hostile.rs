//! Hostile source files, generated (never committed): deep nesting of every bracket and block
//! kind, long expression chains, huge flat tables and single lines, unclosed brackets, in
//! every language the scanner reads. Shared by `tests/hostile.rs` (every case must give a
//! clean result or a clear note) and `benches/hostile.rs` (time linear in depth and size).

// The bench uses a subset of what the test uses, and the other way round.
#![allow(dead_code)]

/// What a case must give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Nested past the scanner's depth limit: refused with a note, whatever the parser does.
    TooDeep,
    /// A flat opcode table of this many members, which must be read in full.
    Table(usize),
    /// Anything but a crash or a hang: tables, or a note naming the file.
    Clean,
}

/// One generated file.
pub struct Case {
    /// A name that says what it is, with the extension that picks the language.
    pub name: String,
    /// The text.
    pub text: String,
    /// What the scanner must make of it.
    pub expect: Expect,
}

/// Every language's extension, as the scanner's language table knows them.
pub const EXTENSIONS: &[&str] = &[
    "py", "go", "ts", "tsx", "js", "rs", "c", "cpp", "cu", "java", "zig", "php", "rb", "md", "json",
];

/// `expr` in a statement that is valid at the top level of the language.
pub fn wrap(ext: &str, expr: &str) -> String {
    match ext {
        "py" => format!("x = {expr}\n"),
        "go" => format!("package p\n\nvar x = {expr}\n"),
        "ts" | "tsx" | "js" => format!("const x = {expr};\n"),
        "rs" => format!("const X: i64 = {expr};\n"),
        "c" | "cpp" | "cu" => format!("int x = {expr};\n"),
        "java" => format!("class A {{ static int x = {expr}; }}\n"),
        "zig" => format!("const x = {expr};\n"),
        "php" => format!("<?php\n$x = {expr};\n"),
        "rb" => format!("X = {expr}\n"),
        "md" => format!("# Title\n\n{expr}\n"),
        _ => format!("{{\"x\": {expr}}}\n"),
    }
}

/// `open` repeated `depth` times around `core`, closed again unless `unclosed`.
pub fn nest(open: &str, core: &str, close: &str, depth: usize, unclosed: bool) -> String {
    let mut s = open.repeat(depth);
    s.push_str(core);
    if !unclosed {
        s.push_str(&close.repeat(depth));
    }
    s
}

/// `term` joined by `op`, `n` times.
pub fn chain(term: &str, op: &str, n: usize) -> String {
    vec![term; n].join(op)
}

/// A flat opcode table of `n` members in the language's commonest table idiom, on one line
/// when `one_line`.
pub fn flat_table(ext: &str, n: usize, one_line: bool) -> String {
    let sep = if one_line { " " } else { "\n" };
    let members =
        |f: &dyn Fn(usize) -> String| -> String { (0..n).map(f).collect::<Vec<_>>().join(sep) };
    match ext {
        "py" => format!(
            "OPCODES = {{{sep}{}{sep}}}\n",
            members(&|i| format!("\"OP{i}\": 0x{:X},", i))
        ),
        "go" => format!(
            "package p\n\nconst ({sep}{}{sep})\n",
            members(&|i| format!("OpOp{i} = 0x{:X};", i))
        ),
        "ts" | "tsx" | "js" => format!(
            "export const Opcode = {{{sep}{}{sep}}};\n",
            members(&|i| format!("OP{i}: 0x{:X},", i))
        ),
        "rs" => format!(
            "#[repr(u32)]\npub enum Opcode {{{sep}{}{sep}}}\n",
            members(&|i| format!("Op{i} = 0x{:X},", i))
        ),
        "c" | "cpp" | "cu" => format!(
            "enum opcode {{{sep}{}{sep}}};\n",
            members(&|i| format!("OP_OP{i} = 0x{:X},", i))
        ),
        "java" => format!(
            "class Opcodes {{{sep}{}{sep}}}\n",
            members(&|i| format!("static final int OP{i} = 0x{:X};", i))
        ),
        "zig" => format!(
            "pub const Opcode = enum(u32) {{{sep}{}{sep}}};\n",
            members(&|i| format!("op{i} = 0x{:X},", i))
        ),
        "php" => format!(
            "<?php\nclass Opcodes {{{sep}{}{sep}}}\n",
            members(&|i| format!("const OP{i} = 0x{:X};", i))
        ),
        "rb" => format!(
            "module Opcodes{sep}{}{sep}end\n",
            members(&|i| format!("OP{i} = 0x{:X};", i))
        ),
        "md" => format!(
            "# Opcodes\n\n| Opcode | Mnemonic |\n|---|---|\n{}\n",
            (0..n)
                .map(|i| format!("| 0x{i:X} | OP{i} |"))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        _ => format!(
            "{{\"instructions\": {{{sep}{}{sep}}}}}\n",
            members(&|i| format!(
                "\"0x{i:X}\": {{\"mnemonic\": \"OP{i}\"}}{}",
                if i + 1 < n { "," } else { "" }
            ))
        ),
    }
}

/// Block nesting without brackets, where the language has it: Python and Markdown
/// indentation, Ruby `begin … end`, C preprocessor conditionals, PHP's
/// alternative syntax, Markdown block quotes.
fn blocks(ext: &str, depth: usize) -> Option<String> {
    Some(match ext {
        // One space a level: the text grows with the square of the depth, so the test keeps
        // these shallow.
        "py" => {
            let mut s = String::new();
            for d in 0..depth {
                s.push_str(&" ".repeat(d));
                s.push_str("if x:\n");
            }
            s.push_str(&" ".repeat(depth));
            s.push_str("pass\n");
            s
        }
        "rb" => nest("begin\n", "1\n", "end\n", depth, false),
        "c" | "cpp" | "cu" => nest("#if 1\n", "int x;\n", "#endif\n", depth, false),
        "php" => format!(
            "<?php\n{}",
            nest("if ($x):\n", "$y = 1;\n", "endif;\n", depth, false)
        ),
        "md" => format!("{}text\n", "> ".repeat(depth)),
        _ => return None,
    })
}

/// The whole corpus: every shape in every language it applies to. `depth` is the nesting
/// depth and chain length (the test uses thousands, the limit is 400), `members` the size of
/// the flat tables.
pub fn corpus(depth: usize, members: usize) -> Vec<Case> {
    let mut out = Vec::new();
    let mut push =
        |name: String, text: String, expect: Expect| out.push(Case { name, text, expect });
    for &ext in EXTENSIONS {
        let brackets: &[(&str, &str, &str)] = match ext {
            "md" => &[("[", "x", "]"), ("(", "x", ")")],
            "json" => &[("[", "1", "]"), ("{\"a\":", "1", "}")],
            _ => &[("(", "1", ")"), ("[", "1", "]"), ("{", "1", "}")],
        };
        for (i, (open, core, close)) in brackets.iter().enumerate() {
            // Brackets nested past the limit: refused before parsing.
            push(
                format!("nest{i}_{depth}.{ext}"),
                wrap(ext, &nest(open, core, close, depth, false)),
                Expect::TooDeep,
            );
            push(
                format!("unclosed{i}_{depth}.{ext}"),
                wrap(ext, &nest(open, core, close, depth, true)),
                Expect::TooDeep,
            );
        }
        // A 100,000-deep list: the bracket pre-check refuses it in linear time.
        push(
            format!("list_100000.{ext}"),
            wrap(ext, &nest("[", "1", "]", 100_000, false)),
            Expect::TooDeep,
        );
        if ext != "json" && ext != "md" {
            // Long chains: binary operators (left-nested), unary operators (right-nested,
            // no brackets), string concatenation, member and call chains (one bracket deep,
            // a tree as deep as the chain). The bracket pre-check sees none of them; the
            // depth limit still must.
            let unary = match ext {
                "py" => "not ",
                "rb" => "! ",
                "zig" => "-% ",
                _ => "- ",
            };
            let string = match ext {
                "rs" | "zig" | "go" | "c" | "cpp" | "cu" | "java" => "\"a\"",
                _ => "'a'",
            };
            let concat = match ext {
                "php" => " . ",
                "zig" => " ++ ",
                _ => " + ",
            };
            let member = if ext == "php" { "->f" } else { ".f" };
            let call = if ext == "php" { "->f()" } else { ".f()" };
            let base = if ext == "php" { "$a" } else { "a" };
            push(
                format!("plus_{depth}.{ext}"),
                wrap(ext, &chain(base, " + ", depth)),
                Expect::TooDeep,
            );
            push(
                format!("unary_{depth}.{ext}"),
                wrap(ext, &format!("{}{base}", unary.repeat(depth))),
                Expect::TooDeep,
            );
            push(
                format!("concat_{depth}.{ext}"),
                wrap(ext, &chain(string, concat, depth)),
                Expect::TooDeep,
            );
            push(
                format!("member_{depth}.{ext}"),
                wrap(ext, &format!("{base}{}", member.repeat(depth))),
                Expect::TooDeep,
            );
            push(
                format!("calls_{depth}.{ext}"),
                wrap(ext, &format!("{base}{}", call.repeat(depth))),
                Expect::TooDeep,
            );
        }
        if let Some(text) = blocks(ext, if ext == "py" { depth.min(500) } else { depth }) {
            // Block nesting: refused once parsed (the walk that lays the tree out finds the
            // depth; no bracket betrays it); Markdown's grammar keeps block quotes flat.
            let expect = if ext == "md" {
                Expect::Clean
            } else {
                Expect::TooDeep
            };
            push(format!("blocks_{depth}.{ext}"), text, expect);
        }
        push(
            format!("table_{members}.{ext}"),
            flat_table(ext, members, false),
            Expect::Table(members),
        );
        push(
            format!("line_{members}.{ext}"),
            flat_table(ext, members, true),
            Expect::Table(members),
        );
    }
    out
}
