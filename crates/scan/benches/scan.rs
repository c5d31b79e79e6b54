//! Scanning throughput on a generated tree of many small source files in several languages,
//! each holding an opcode table and distractor constants (the shape of a VM repository), and
//! on single files with one very long block (the shapes that were quadratic: a chain of Go
//! constants, a large TypeScript enum, a Rust enum whose variants carry doc comments), with
//! tree-sitter's parse alone on the same text as the anchor.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use isa_scan::{scan_paths, ScanOptions};

const FILES: usize = 2_000;

fn make_tree(dir: &std::path::Path) {
    for i in 0..FILES {
        let sub = dir.join(format!("pkg{}", i % 40));
        std::fs::create_dir_all(&sub).unwrap();
        let (name, text) = match i % 5 {
            0 => (
                format!("vm{i}.go"),
                format!(
                    "package vm\nconst (\n\tNumRegs = 16\n\tStackSize = 256\n)\nconst (\n\tOpNop byte = iota\n\tOpPush\n\tOpPop\n\tOpAdd\n\tOpSub\n\tOpJmp\n\tOpHalt = 0x{:02X}\n)\nfunc run() {{}}\n",
                    0x80 + i % 16
                ),
            ),
            1 => (
                format!("ops{i}.py"),
                "from enum import IntEnum\nMAX_STACK = 256\nclass Op(IntEnum):\n    NOP = 0x00\n    PUSH = 0x01\n    POP = 0x02\n    ADD = 0x10\n    SUB = 0x11\n    JMP = 0x20\n    HALT = 0x80\n".to_string(),
            ),
            2 => (
                format!("ops{i}.h"),
                "#define NUM_REGS 16\n#define OP_NOP 0x00\n#define OP_PUSH 0x01\n#define OP_POP 0x02\n#define OP_ADD 0x10\n#define OP_SUB 0x11\n#define OP_HALT 0x80\nint main(void) { return 0; }\n".to_string(),
            ),
            3 => (
                format!("op{i}.ts"),
                "export const MAX = 64;\nexport enum Op {\n  NOP = 0x00,\n  PUSH,\n  POP,\n  ADD = 0x10,\n  SUB,\n  HALT = 0x80,\n}\n".to_string(),
            ),
            _ => (
                format!("op{i}.rs"),
                "pub const STACK: usize = 256;\n#[repr(u8)]\npub enum Op {\n    Nop = 0x00,\n    Push = 0x01,\n    Pop = 0x02,\n    Add = 0x10,\n    Halt = 0x80,\n}\n".to_string(),
            ),
        };
        std::fs::write(sub.join(name), text).unwrap();
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    make_tree(dir.path());
    let paths = vec![dir.path().to_path_buf()];
    let options = ScanOptions::default();
    let found = scan_paths(&paths, &options).tables.len();
    assert_eq!(found, FILES, "every generated file holds one table");
    let mut g = c.benchmark_group("scan");
    g.sample_size(10);
    g.throughput(Throughput::Elements(FILES as u64));
    g.bench_function("tree_2000_files", |b| {
        b.iter(|| scan_paths(&paths, &options))
    });
    g.finish();

    let n = 20_000;
    let long = [
        (
            "go_const_chain",
            "chain.go",
            tree_sitter_go::LANGUAGE,
            format!(
                "package vm\nconst (\n\tOp0 = 0\n{})\n",
                (1..n)
                    .map(|i| format!("\tOp{i} = Op{} + 1\n", i - 1))
                    .collect::<String>()
            ),
        ),
        (
            "ts_enum",
            "big.ts",
            tree_sitter_typescript::LANGUAGE_TYPESCRIPT,
            format!(
                "export enum Opcode {{\n{}}}\n",
                (0..n)
                    .map(|i| format!("  OP{i} = {i},\n"))
                    .collect::<String>()
            ),
        ),
        (
            "rust_enum_with_docs",
            "docs.rs",
            tree_sitter_rust::LANGUAGE,
            format!(
                "#[repr(u8)]\npub enum Op {{\n{}}}\n",
                (0..n)
                    .map(|i| format!(
                        "    /// Op {i}.\n    /// Format A.\n    Op{i} = {},\n",
                        i % 256
                    ))
                    .collect::<String>()
            ),
        ),
    ];
    let mut g = c.benchmark_group("scan_long_block_20000");
    g.sample_size(10);
    for (name, file, language, text) in &long {
        g.throughput(Throughput::Bytes(text.len() as u64));
        let path = std::path::Path::new(file);
        g.bench_function(format!("{name}/scan"), |b| {
            b.iter(|| isa_scan::scan_source(path, text, &options).unwrap())
        });
        let language: tree_sitter::Language = (*language).into();
        g.bench_function(format!("{name}/parse_only"), |b| {
            let mut parser = tree_sitter::Parser::new();
            parser.set_language(&language).unwrap();
            b.iter(|| parser.parse(text, None).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
