//! Large files parsed in pieces (`ScanOptions::chunk_bytes`) give what the whole file gives,
//! including tables larger than a piece, which are cut between their members and parsed
//! behind their own header and closing bracket.
//!
//! The fixtures are small (`recall.rs` cuts them at every top-level place); here the sources
//! are generated at test time, each a table of 4,000 members (well over `chunk::INNER_MIN`)
//! between top-level code, in the shapes whose meaning runs across members: implicit enum
//! values, Go's `iota`, map literals, runs of records.

use std::path::Path;

use isa_scan::{scan_source, ScanOptions};

const MEMBERS: usize = 4000;

/// Top-level code around the table, in the file's language, so that the file is cut both at
/// the top level and inside the table.
fn filler(lang: &str, n: usize) -> String {
    (0..n)
        .map(|i| match lang {
            "py" => format!("def helper_{i}(x):\n    return x + {i}\n\n"),
            "go" => format!("func helper{i}(x int) int {{\n\treturn x + {i}\n}}\n\n"),
            "rs" => format!("fn helper_{i}(x: u32) -> u32 {{\n    x + {i}\n}}\n\n"),
            "js" | "ts" => format!("function helper{i}(x) {{\n  return x + {i};\n}}\n\n"),
            _ => format!("static int helper_{i}(int x) {{\n    return x + {i};\n}}\n\n"),
        })
        .collect()
}

/// (file name, source): a table of [`MEMBERS`] members in one style, with filler around it.
fn cases() -> Vec<(&'static str, String)> {
    let members = |f: &dyn Fn(usize) -> String| (0..MEMBERS).map(f).collect::<String>();
    let wrap =
        |lang: &str, table: String| format!("{}{table}\n{}", filler(lang, 400), filler(lang, 400));
    vec![
        (
            "implicit.c",
            wrap(
                "c",
                format!(
                    "/* Opcodes, numbered in order. */\nenum opcode {{\n{}}};\n",
                    members(&|i| format!("    OP_I{i}, /* (member {i}) */\n"))
                ),
            ),
        ),
        (
            "records.c",
            wrap(
                "c",
                format!(
                    "static const struct op_info OPCODES[] = {{\n{}}};\n",
                    members(&|i| format!("    {{ \"OP_R{i}\", 0x{i:X}, 2 }},\n"))
                ),
            ),
        ),
        (
            "iota.go",
            format!(
                "package vm\n\n{}// Opcode numbers.\nconst (\n\tOP_G0 Opcode = iota\n{})\n\n{}",
                filler("go", 400),
                members(&|i| format!("\tOP_G{} // member {} (of the block)\n", i + 1, i + 1)),
                filler("go", 400)
            ),
        ),
        (
            "explicit.rs",
            wrap(
                "rs",
                format!(
                    "/// The opcodes.\n#[repr(u16)]\npub enum Opcode {{\n{}}}\n",
                    members(&|i| format!("    OpR{i} = 0x{i:X},\n"))
                ),
            ),
        ),
        (
            "map.py",
            wrap(
                "py",
                format!(
                    "OPCODES = {{\n{}}}\n",
                    members(&|i| format!("    0x{i:X}: \"OP_P{i}\",  # (member {i})\n"))
                ),
            ),
        ),
        (
            "object.js",
            wrap(
                "js",
                format!(
                    "const OPCODES = {{\n{}}};\n",
                    members(&|i| format!("  OP_J{i}: 0x{i:X},\n"))
                ),
            ),
        ),
        (
            "enum.ts",
            wrap(
                "ts",
                format!(
                    "export enum Opcode {{\n{}}}\n",
                    members(&|i| format!("  OP_T{i}, // member {i}\n"))
                ),
            ),
        ),
    ]
}

/// Every table with every entry, as one comparable text.
fn render(tables: &[isa_scan::ScannedTable]) -> String {
    let mut out = String::new();
    for t in tables {
        out.push_str(&format!("table {} {:.3}\n", t.symbol, t.confidence));
        for e in &t.table.entries {
            out.push_str(&format!(
                "{} {} {:?}\n",
                e.mnemonic.as_deref().unwrap_or("-"),
                e.opcode,
                e.location.as_ref().map(|l| (l.line, l.column))
            ));
        }
    }
    out
}

#[test]
fn large_tables_cut_inside_read_as_whole_ones() {
    let whole = ScanOptions {
        min_confidence: 0.0,
        chunk_bytes: 0,
        ..ScanOptions::default()
    };
    let cut = ScanOptions {
        chunk_bytes: 16 * 1024,
        ..whole.clone()
    };
    for (name, text) in cases() {
        let path = Path::new(name);
        let cuts = isa_scan::piece_cuts(path, &text, cut.chunk_bytes);
        // Where the table is (from its first member's line to its last's), and whether some
        // cut falls inside it.
        let prefix = ["OP_I", "OP_R", "OP_G", "OpR", "OP_P", "OP_J", "OP_T"]
            .into_iter()
            .find(|p| text.contains(&format!("{p}0")))
            .unwrap();
        let table_span = text.find(&format!("{prefix}0")).unwrap()..text.rfind(prefix).unwrap();
        assert!(
            cuts.len() >= 4 && cuts.iter().any(|c| table_span.contains(c)),
            "{name}: cuts {cuts:?}, table at {table_span:?}"
        );
        let want = scan_source(path, &text, &whole).unwrap();
        let got = scan_source(path, &text, &cut).unwrap();
        // Not vacuous: the whole file's scan holds the table, every member in order.
        let biggest = want
            .iter()
            .map(|t| t.table.entries.len())
            .max()
            .unwrap_or(0);
        assert!(biggest >= MEMBERS, "{name}: largest table {biggest}");
        let (want, got) = (render(&want), render(&got));
        if want != got {
            let at = want
                .lines()
                .zip(got.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            panic!(
                "{name}: in pieces differs from whole at line {at}:\n  whole: {:?}\n  cut:   {:?}",
                want.lines().nth(at),
                got.lines().nth(at)
            );
        }
    }
}

/// A piece's tree is what the scan holds at a time, so the memory it needs is bounded by the
/// piece size, not the file's: checked here as the number of syntax nodes per piece, which is
/// what the peak follows (the peak itself is measured in `benches/` and docs/benchmarks.md).
#[test]
fn no_piece_is_much_larger_than_the_piece_size() {
    let chunk = 16 * 1024;
    for (name, text) in cases() {
        let cuts = isa_scan::piece_cuts(Path::new(name), &text, chunk);
        let mut last = 0;
        for at in cuts.iter().copied().chain([text.len()]) {
            let size = at - last;
            // A piece ends at the first place to cut after `chunk` bytes: a member or an item
            // later, and the filler's items and the table's members are short.
            assert!(
                size < chunk * 2,
                "{name}: a piece of {size} bytes at {last}"
            );
            last = at;
        }
    }
}
