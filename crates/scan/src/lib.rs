//! # isa-scan: opcode tables straight from VM source code
//!
//! No VM maintainer keeps a second copy of their opcode table by hand; the table lives in
//! source. This crate reads it there. Each file is parsed with a real tree-sitter grammar
//! (Python, Go, TypeScript/JavaScript, Rust, C, C++/CUDA, Java, Zig, PHP, Ruby, Markdown, and
//! JSON for opcode maps kept as data), and the syntax tree is reduced to language-neutral *candidate groups* of (name, value, line)
//! items — enum members, constants of one scope, map literals, runs of records, integer-labelled
//! switch cases named by comments, Markdown pipe tables (with an opcode column, or names alone
//! numbered from a heading's single range such as `(0x70–0x7F)`) ([`extract`]). A Markdown file
//! may also declare its format layouts (a `Format | … | Layout` table) and its opcode encoding
//! (a line ``Encoding: `escapes = [0xFF]` ``), as `isa-authority gen --lang markdown` writes
//! them; every table of that file then carries those `formats` and that `encoding`, and a
//! `Size` column gives `size_bytes`, so a scanned specification resolves as its source does. Values are evaluated by
//! one small constant-expression evaluator ([`eval`]): literals in every base, `iota`, implicit
//! increments, `BASE + 3`, `1 << 4` and references to earlier constants.
//!
//! A classifier ([`classify`]) then scores each group from names, enclosing names, comments,
//! value ranges, uniqueness and mnemonic vocabulary, and keeps those at or above
//! [`ScanOptions::min_confidence`]. Mnemonics are normalised (`OpHalt`, `OP_HALT`,
//! `FLUX_HALT`, `Halt` → `HALT`) with the source spelling kept in `Entry::source_name`.
//!
//! Trade-offs: the scanner never executes code, so tables computed at run time (loops,
//! generated code) are invisible; comments name switch cases only when they start with an
//! upper-case mnemonic; an enum without written values is numbered from comments or a decoder
//! in the same file when those cover it, else counted from zero as its language does (a value
//! assigned in another file is not seen); a table that repeats a subset of another table of the same file (a
//! name map built from an enum) is dropped as a duplicate. Results are deterministic: files
//! are sorted, groups are in source order, names come from paths and symbols.
//!
//! How a scan runs: [`source_files`] walks the given paths (directories recursively, respecting
//! `.gitignore`, with the `ignore` crate) and sorts them; `lang` maps each extension to its
//! grammar; files are scanned in parallel on a `rayon` pool of large-stack threads, one
//! tree-sitter parser per thread; each
//! file's groups are classified, a table that repeats another of the same file is dropped, and
//! each kept group becomes a [`isa_core::Table`] named `FILE#SYMBOL`. Input never makes the scanner
//! panic: a file that is unreadable, binary, not UTF-8, larger than 4 MiB, unparseable or nested
//! too deeply becomes a [`ScanNote`] instead. The CLI's shared table loader calls this crate
//! for every source file it is given (anything but `.json` and `.toml`), which is how `check`
//! and `conform` read source.

#![deny(missing_docs)]

mod chunk;
pub mod classify;
pub mod eval;
pub mod extract;
pub mod lang;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use isa_core::{Entry, EntryText, Location, Table};
use rayon::prelude::*;

pub use lang::Lang;

/// Settings of a scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Groups scoring below this (0–1) are not reported as tables.
    pub min_confidence: f32,
    /// Show a progress bar on stderr while walking directories (hidden when stderr is not a
    /// terminal).
    pub progress: bool,
    /// Files larger than this many bytes are skipped with a note (generated blobs, bundles).
    pub max_file_bytes: u64,
    /// CPU time one file's parse may take before the file is skipped with a note.
    ///
    /// tree-sitter parses real code at several MB/s, but its error recovery on text that is not
    /// the language it expects (a C header saved as `.java`) is super-linear: 100,000 such
    /// lines take minutes. The budget is the parsing thread's own CPU time, so a busy machine
    /// does not skip files a quiet one reads; the default, 3 s, is about ten times what the
    /// largest default-sized file (4 MiB) needs.
    pub parse_timeout: std::time::Duration,
    /// Files larger than this many bytes are parsed in pieces of about this size, cut
    /// between top-level items or between the members of an item over 64 KiB (see
    /// `chunk.rs`), so that only one piece's syntax tree is held at a time: a whole tree takes
    /// 15–27 times its file. 0 parses every file whole.
    pub chunk_bytes: usize,
}

/// The default [`ScanOptions::chunk_bytes`]. A piece's tree with the scan's layout of it takes
/// 40–110 times the piece (dense tables of short tokens are the most), so at 64 KiB a piece
/// costs 3–7 MB whatever the file's size, and real generated files of 1.4–4 MB stay within
/// 4–16 times their size, most of it the process's own 8 MB (docs/benchmarks.md). Hand-written
/// opcode tables are smaller than a piece (the largest of the shared tables' sources is 78 kB),
/// and cutting changes nothing found: every fixture cut at every place reads the same.
pub const DEFAULT_CHUNK_BYTES: usize = 64 * 1024;

impl Default for ScanOptions {
    fn default() -> ScanOptions {
        ScanOptions {
            min_confidence: classify::DEFAULT_MIN_CONFIDENCE,
            progress: false,
            max_file_bytes: 4 * 1024 * 1024,
            parse_timeout: std::time::Duration::from_secs(3),
            chunk_bytes: DEFAULT_CHUNK_BYTES,
        }
    }
}

/// One opcode table found in a source file.
#[derive(Debug, Clone, PartialEq)]
pub struct ScannedTable {
    /// The table: `implementation` is `FILE#SYMBOL`, `language` and `source_path` are set,
    /// every entry has a normalised mnemonic, its `source_name` and its `location`.
    pub table: Table,
    /// The symbol the table was found under (enum, variable, function or heading name; a
    /// `@LINE` suffix when the file holds several groups under one name).
    pub symbol: String,
    /// Classifier confidence in [0, 1].
    pub confidence: f32,
}

/// A file that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ScanNote {
    /// The file.
    pub path: PathBuf,
    /// What happened (`binary file`, `not UTF-8`, `unparseable`, …).
    pub message: String,
    /// The file (or folder) could not be read at all, or its text is not UTF-8: what it holds
    /// is unknown, so a gate such as `conform` must not pass over it. A file skipped for what
    /// it is (binary, over the size limit, unparseable) is not unreadable.
    pub unreadable: bool,
}

/// Everything a scan found.
#[derive(Debug, Clone, Default)]
pub struct ScanOutcome {
    /// Tables, ordered by file then position in the file.
    pub tables: Vec<ScannedTable>,
    /// Skipped files, ordered by path.
    pub notes: Vec<ScanNote>,
}

/// Why one file could not be scanned.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScanError {
    /// The syntax tree nests deeper than [`MAX_SCAN_DEPTH`].
    #[error(
        "{path}: nested more than {limit} levels deep; no opcode table is, so the file is skipped"
    )]
    TooDeep {
        /// The file.
        path: String,
        /// The limit.
        limit: usize,
    },
    /// The extension names no language the scanner reads.
    #[error("{path}: not a source file the scanner reads (unknown extension)")]
    UnknownLanguage {
        /// The file.
        path: String,
    },
    /// The text contains NUL bytes: a binary file.
    #[error("{path}: binary file (NUL byte at offset {offset})")]
    Binary {
        /// The file.
        path: String,
        /// Byte offset of the first NUL.
        offset: usize,
    },
    /// Parsing took longer than [`ScanOptions::parse_timeout`].
    #[error(
        "{path}: the {language} parser gave up after {seconds} s of CPU time (its error recovery \
         on this text is slow: is it {language}?); --parse-timeout waits longer"
    )]
    ParseTimeout {
        /// The file.
        path: String,
        /// The language tried.
        language: &'static str,
        /// The budget, as the CLI prints it (`3`, `0.5`).
        seconds: String,
    },
    /// The grammar could not be loaded or the parser gave up.
    #[error("{path}: cannot parse as {language}")]
    Unparseable {
        /// The file.
        path: String,
        /// The language tried.
        language: &'static str,
    },
}

fn path_string(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// Scans one file held in memory. The language comes from the extension.
pub fn scan_source(
    path: &Path,
    text: &str,
    options: &ScanOptions,
) -> Result<Vec<ScannedTable>, ScanError> {
    let lang = Lang::from_path(path).ok_or_else(|| ScanError::UnknownLanguage {
        path: path_string(path),
    })?;
    if let Some(offset) = text.find('\0') {
        return Err(ScanError::Binary {
            path: path_string(path),
            offset,
        });
    }
    let mut parser = tree_sitter::Parser::new();
    parse_and_build(&mut parser, lang, path, text, options, Stack::Spawn)
}

fn parse_and_build(
    parser: &mut tree_sitter::Parser,
    lang: Lang,
    path: &Path,
    text: &str,
    options: &ScanOptions,
    stack: Stack,
) -> Result<Vec<ScannedTable>, ScanError> {
    // Brackets nested past the limit are refused before parsing: the grammars' error recovery
    // on thousands of unclosed brackets is slow, and no opcode table nests like that.
    if bracket_depth(text, MAX_SCAN_DEPTH) > MAX_SCAN_DEPTH {
        return Err(ScanError::TooDeep {
            path: path_string(path),
            limit: MAX_SCAN_DEPTH,
        });
    }
    let failed = || ScanError::Unparseable {
        path: path_string(path),
        language: lang.display_name(),
    };
    match stack {
        // A panic is a bug, but it must cost one file, not the scan: the file becomes a note,
        // and the parser, whose state is unknown, is replaced.
        Stack::Large => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            parse_on_this_thread(parser, lang, path, text, options)
        }))
        .unwrap_or_else(|_| {
            *parser = tree_sitter::Parser::new();
            Err(failed())
        }),
        // Parsing recurses in the grammars' C code on deeply nested expressions that are not
        // brackets (a chain of 90,000 unary minuses), so it runs on a thread with a large
        // stack; the stack is reserved, not committed, so it costs nothing until used.
        Stack::Spawn => std::thread::scope(|scope| {
            std::thread::Builder::new()
                .name("isa-scan-parse".into())
                .stack_size(PARSE_STACK)
                .spawn_scoped(scope, || {
                    parse_on_this_thread(parser, lang, path, text, options)
                })
                .map_err(|_| failed())?
                .join()
                .unwrap_or_else(|_| Err(failed()))
        }),
    }
}

/// Whether the calling thread already has a [`PARSE_STACK`]-sized stack.
#[derive(Clone, Copy)]
enum Stack {
    /// It does: a thread of the scan's own pool ([`scan_paths`]).
    Large,
    /// It may not: parse on a thread spawned for the file.
    Spawn,
}

/// Stack of the thread each file is parsed on (see [`parse_and_build`]).
const PARSE_STACK: usize = 512 << 20;

/// The deepest nesting of `(`, `[` and `{` in a text (strings and comments included: an upper
/// bound), stopping once it passes `limit`. Linear, no allocation.
fn bracket_depth(text: &str, limit: usize) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    max = depth;
                    if max > limit {
                        return max;
                    }
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn parse_on_this_thread(
    parser: &mut tree_sitter::Parser,
    lang: Lang,
    path: &Path,
    text: &str,
    options: &ScanOptions,
) -> Result<Vec<ScannedTable>, ScanError> {
    let unparseable = || ScanError::Unparseable {
        path: path_string(path),
        language: lang.display_name(),
    };
    parser
        .set_language(&lang.grammar())
        .map_err(|_| unparseable())?;
    let too_deep = || ScanError::TooDeep {
        path: path_string(path),
        limit: MAX_SCAN_DEPTH,
    };
    // tree-sitter calls this every hundred or so parser operations; returning true stops it.
    // The budget is the whole file's, over all its pieces.
    let start = thread_cpu_time();
    let budget = options.parse_timeout;
    let mut over_budget = false;
    let mut progress = |_: &tree_sitter::ParseState| {
        over_budget = thread_cpu_time().saturating_sub(start) > budget;
        over_budget
    };
    let bytes = text.as_bytes();
    let pieces = match options.chunk_bytes {
        0 => Vec::new(),
        n => chunk::pieces(lang, text, n),
    };
    // PHP is read as text until `<?php`: a later piece is parsed behind the file's opening
    // tag, or it would be read as HTML.
    let open_tag = (lang == Lang::Php && !pieces.is_empty())
        .then(|| text.find("<?php"))
        .flatten()
        .map(|at| at..at + 5);
    let pieces: Vec<Option<Vec<tree_sitter::Range>>> = if pieces.is_empty() {
        vec![None]
    } else {
        let points = Points::new(text);
        pieces
            .into_iter()
            .map(|piece| {
                let first = piece.first().map_or(0, |r| r.start);
                let tag = open_tag.clone().filter(|tag| tag.end <= first);
                Some(
                    tag.into_iter()
                        .chain(piece)
                        .map(|r| points.range(r))
                        .collect(),
                )
            })
            .collect()
    };
    let mut file = extract::Extraction::new(lang, text);
    let mut outcome = Ok(());
    for ranges in &pieces {
        if let Some(ranges) = ranges {
            if parser.set_included_ranges(ranges).is_err() {
                outcome = Err(unparseable());
                break;
            }
        }
        let tree = parser.parse_with_options(
            &mut |i, _| bytes.get(i..).unwrap_or_default(),
            None,
            Some(tree_sitter::ParseOptions::new().progress_callback(&mut progress)),
        );
        // A cancelled parse leaves state behind that the next parse would resume from.
        parser.reset();
        let Some(tree) = tree else {
            outcome = Err(if over_budget {
                ScanError::ParseTimeout {
                    path: path_string(path),
                    language: lang.display_name(),
                    seconds: budget.as_secs_f64().to_string(),
                }
            } else {
                unparseable()
            });
            break;
        };
        // The extractor and the constant evaluator walk up and down the tree; bounding the
        // depth first (the walk that lays the tree out stops past the limit) keeps them far
        // from the stack's limit and their walks up the tree short.
        if file.add_tree(&tree, MAX_SCAN_DEPTH).is_none() {
            outcome = Err(too_deep());
            break;
        }
    }
    // The parser is reused for the next file, which is read whole unless it is cut too.
    if pieces.iter().any(Option::is_some) {
        parser.set_included_ranges(&[]).ok();
    }
    outcome?;
    let (groups, declared) = file.finish();
    Ok(build_tables(lang, path, groups, &declared, options))
}

/// Rows and columns of byte offsets, for tree-sitter's ranges: the start of every line, found
/// once, and a binary search per offset.
struct Points(Vec<usize>);

impl Points {
    fn new(text: &str) -> Points {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, c)| *c == b'\n')
                .map(|(i, _)| i + 1),
        );
        Points(starts)
    }

    fn point(&self, at: usize) -> tree_sitter::Point {
        let row = self.0.partition_point(|s| *s <= at).saturating_sub(1);
        tree_sitter::Point::new(row, at - self.0[row])
    }

    fn range(&self, r: std::ops::Range<usize>) -> tree_sitter::Range {
        tree_sitter::Range {
            start_byte: r.start,
            end_byte: r.end,
            start_point: self.point(r.start),
            end_point: self.point(r.end),
        }
    }
}

/// Where [`scan_source`] cuts a file of this path's language into pieces of at least
/// `piece_bytes` (byte offsets of line starts; empty when it parses the file whole). For tests
/// and for seeing why a large file is read the way it is.
pub fn piece_cuts(path: &Path, text: &str, piece_bytes: usize) -> Vec<usize> {
    match (Lang::from_path(path), piece_bytes) {
        (Some(lang), 1..) => chunk::cuts(lang, text, piece_bytes),
        _ => Vec::new(),
    }
}

/// CPU time used by the calling thread so far.
fn thread_cpu_time() -> std::time::Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    std::time::Duration::new(
        t.tv_sec.max(0) as u64,
        t.tv_nsec.clamp(0, 999_999_999) as u32,
    )
}

/// How deeply a source file's syntax tree may nest before `scan` skips the file (with a note):
/// real opcode tables sit a handful of levels deep, and generated or hostile files nested
/// thousands deep would otherwise cost time quadratic in the depth.
pub const MAX_SCAN_DEPTH: usize = 400;

fn build_tables(
    lang: Lang,
    path: &Path,
    groups: Vec<extract::Group>,
    declared: &extract::Declarations,
    options: &ScanOptions,
) -> Vec<ScannedTable> {
    use classify::*;
    use extract::GroupKind;
    let file = path_string(path);
    let mut found: Vec<(String, f32, u32, Vec<Entry>)> = Vec::new();
    for group in groups {
        // A class or namespace named for opcodes (`class Op:`, `class Opcodes`) is one table
        // whatever its members' prefixes: `PUSH_I8` … `JMP_IF` split by prefix would be one
        // table cut into many.
        let parts = if group.kind == GroupKind::Consts && !names_opcodes(&group.symbol) {
            clusters(group.items.clone())
        } else if group.kind == GroupKind::Consts {
            // Unsplit, but the members' shared opcode head (`Op` of `OpHalt`, `OpMemLoad`)
            // still marks them as opcodes, as a cluster's prefix would.
            vec![(shared_opcode_head(&group.items), group.items.clone())]
        } else {
            vec![(String::new(), group.items.clone())]
        };
        for (prefix, items) in parts {
            let hinted = words(&prefix)
                .iter()
                .any(|w| matches!(w.as_str(), "OP" | "OPCODE" | "OPC" | "INSN" | "INSTR"));
            let items = if group.kind == GroupKind::Consts && !hinted {
                filter_flat(items)
            } else {
                items
            };
            let strip = common_prefix(&items.iter().map(|i| i.name.as_str()).collect::<Vec<_>>());
            let items = drop_sentinels(items, &strip);
            let confidence = score(&group, &prefix, &items);
            if confidence < options.min_confidence || items.is_empty() {
                continue;
            }
            // A document names instructions as its readers write them: a shared `FLUX_` in a
            // specification's table is part of the mnemonic, while in code it is the
            // language's namespace.
            let strip = if group.kind == GroupKind::Markdown {
                String::new()
            } else {
                common_prefix(&items.iter().map(|i| i.name.as_str()).collect::<Vec<_>>())
            };
            let entries: Vec<Entry> = items
                .iter()
                .filter_map(|i| {
                    let opcode = u32::try_from(i.value).ok()?;
                    // Names are text (isa_core::mnemonic::check_name): a string table holding
                    // control characters names no instruction, and such bytes must never reach
                    // a report or generated code.
                    isa_core::mnemonic::check_name(&i.name).ok()?;
                    if let Some(f) = &i.format {
                        isa_core::mnemonic::check_name(f).ok()?;
                    }
                    let mnemonic = normalize_mnemonic(&i.name, &strip);
                    Some(Entry {
                        opcode,
                        mnemonic: Some(mnemonic.into()),
                        format: i.format.as_deref().map(Into::into),
                        size_bytes: i.size,
                        reserved: i.reserved,
                        details: EntryText {
                            source_name: Some(i.name.clone()),
                            ..EntryText::default()
                        }
                        .into(),
                        location: Some(Location::new(file.clone(), i.line, i.column)),
                        ..Entry::default()
                    })
                })
                .collect();
            let mut symbol = group.symbol.clone();
            if symbol.is_empty() {
                symbol = match group.kind {
                    GroupKind::Switch => "switch".into(),
                    GroupKind::Markdown => "table".into(),
                    _ => "constants".into(),
                };
            }
            if !prefix.is_empty() && group.symbol.is_empty() {
                // An unnamed flat scope split by prefix: the prefix names the table (`OP`).
                symbol = prefix.trim_end_matches('_').to_string();
            }
            found.push((symbol, confidence, group.line, entries));
        }
    }
    // A table whose (mnemonic, value) pairs all appear in an earlier or larger table of the
    // same file is a derived copy (a name map built from the enum): keep the fuller one.
    let keys: Vec<std::collections::BTreeSet<(String, u32)>> = found
        .iter()
        .map(|(_, _, _, e)| {
            e.iter()
                .map(|x| {
                    (
                        x.mnemonic.as_deref().unwrap_or_default().to_string(),
                        x.opcode,
                    )
                })
                .collect()
        })
        .collect();
    let mut keep = vec![true; found.len()];
    for i in 0..found.len() {
        for j in 0..found.len() {
            if i != j
                && keep[j]
                && keys[i].is_subset(&keys[j])
                && (keys[i].len() < keys[j].len() || j < i)
            {
                keep[i] = false;
                break;
            }
        }
    }
    // A small table keyed by the members of a larger table of the same file but giving them
    // other values is a property of those opcodes (operand count, stack effect, size), not a
    // numbering: `Op::Push => 0` in `fn stack_inputs` beside `enum Op { Push = 0x32 }`.
    let values: Vec<BTreeMap<&str, u32>> = found
        .iter()
        .map(|(_, _, _, e)| {
            e.iter()
                .filter_map(|x| Some((x.mnemonic.as_deref()?, x.opcode)))
                .collect()
        })
        .collect();
    for i in 0..found.len() {
        if !keep[i] {
            continue;
        }
        let property_of = (0..found.len()).any(|j| {
            if i == j || !keep[j] || values[i].len() * 2 > values[j].len() {
                return false;
            }
            let shared: Vec<(&u32, &u32)> = values[i]
                .iter()
                .filter_map(|(m, v)| Some((v, values[j].get(m)?)))
                .collect();
            let agree = shared.iter().filter(|(a, b)| a == b).count();
            shared.len() * 5 >= values[i].len() * 4 && agree * 2 < shared.len()
        });
        if property_of {
            keep[i] = false;
        }
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (sym, ..) in found.iter().zip(&keep).filter(|(_, k)| **k).map(|(f, _)| f) {
        *seen.entry(sym.clone()).or_default() += 1;
    }
    found
        .into_iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|((symbol, confidence, line, entries), _)| {
            let symbol = if seen[&symbol] > 1 {
                format!("{symbol}@{line}")
            } else {
                symbol
            };
            let mut table = Table::new(&format!("{file}#{symbol}"));
            table.language = Some(lang.display_name().to_string());
            table.source_path = Some(file.clone());
            table.location = Some(Location::new(file.clone(), line, 0));
            table.entries = entries;
            // A file's declarations hold for every table in it.
            table.formats = declared.formats.clone();
            table.encoding = declared.encoding.clone().unwrap_or_default();
            ScannedTable {
                table,
                symbol,
                confidence: (confidence * 100.0).round() / 100.0,
            }
        })
        .collect()
}

/// Files under `paths` that the scanner reads: files as given (any extension, so the caller
/// hears about unreadable ones), directories walked respecting `.gitignore`, sorted.
pub fn source_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<ScanNote>) {
    let mut files = Vec::new();
    let mut notes = Vec::new();
    for p in paths {
        if p.is_dir() {
            let walker = ignore::WalkBuilder::new(p)
                .hidden(true)
                .git_ignore(true)
                .require_git(false)
                .sort_by_file_path(|a, b| a.cmp(b))
                .build();
            for entry in walker {
                match entry {
                    Ok(e) => {
                        if e.file_type().is_some_and(|t| t.is_file())
                            && Lang::from_path(e.path()).is_some()
                        {
                            files.push(e.into_path());
                        }
                    }
                    Err(err) => notes.push(ScanNote {
                        path: p.clone(),
                        message: format!("cannot walk: {err}"),
                        unreadable: true,
                    }),
                }
            }
        } else {
            files.push(p.clone());
        }
    }
    files.sort();
    files.dedup();
    (files, notes)
}

fn scan_file(
    parser: &mut tree_sitter::Parser,
    path: &Path,
    options: &ScanOptions,
    stack: Stack,
) -> Result<Vec<ScannedTable>, ScanNote> {
    let note = |message: String| ScanNote {
        path: path.to_path_buf(),
        message,
        unreadable: false,
    };
    let unreadable = |message: String| ScanNote {
        unreadable: true,
        ..note(message)
    };
    let lang = Lang::from_path(path)
        .ok_or_else(|| note("skipped: not a source file the scanner reads".into()))?;
    let meta = std::fs::metadata(path).map_err(|e| unreadable(format!("cannot read: {e}")))?;
    if meta.len() > options.max_file_bytes {
        return Err(note(format!(
            "skipped: {} bytes, over the {}-byte limit",
            meta.len(),
            options.max_file_bytes
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| unreadable(format!("cannot read: {e}")))?;
    if let Some(offset) = bytes.iter().position(|b| *b == 0) {
        return Err(note(format!(
            "skipped: binary file (NUL byte at offset {offset})"
        )));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        unreadable(format!(
            "skipped: not UTF-8 (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    parse_and_build(parser, lang, path, &text, options, stack)
        .map_err(|e| note(format!("skipped: {e}")))
}

/// Scans files and directories (walked respecting `.gitignore`), in parallel. Files that cannot
/// be read, are binary, not UTF-8 or unparseable become notes; nothing here panics on input.
pub fn scan_paths(paths: &[PathBuf], options: &ScanOptions) -> ScanOutcome {
    let (files, mut notes) = source_files(paths);
    let bar = if options.progress && files.len() > 1 {
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(files.len() as u64),
            indicatif::ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} scanning {pos}/{len} files [{bar:30}] {per_sec}",
        ) {
            bar.set_style(style);
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let scan_all = |stack: Stack| -> Vec<Result<Vec<ScannedTable>, ScanNote>> {
        files
            .par_iter()
            .map_init(tree_sitter::Parser::new, |parser, f| {
                let r = scan_file(parser, f, options, stack);
                bar.inc(1);
                r
            })
            .collect()
    };
    // Files are parsed on a pool whose threads have the parser's large stack, made once per
    // scan: a thread spawned per file (the single-file path) costs a 512 MiB mapping and its
    // unmapping for every file, which on 2,000 small files took longer than extraction.
    let pool = (files.len() > 1)
        .then(|| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(rayon::current_num_threads().min(files.len()))
                .thread_name(|i| format!("isa-scan-{i}"))
                .stack_size(PARSE_STACK)
                .build()
                .ok()
        })
        .flatten();
    let results = match &pool {
        Some(pool) => pool.install(|| scan_all(Stack::Large)),
        None => scan_all(Stack::Spawn),
    };
    bar.finish_and_clear();
    let mut tables = Vec::new();
    for r in results {
        match r {
            Ok(t) => tables.extend(t),
            Err(n) => notes.push(n),
        }
    }
    notes.sort();
    ScanOutcome { tables, notes }
}
