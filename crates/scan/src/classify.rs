//! Telling opcode tables from other constants, and normalising mnemonics.
//!
//! A group found in source is scored from evidence any VM source carries, not from the FLUX
//! numbering: names (`Op`, `Opcode`, `OP_` prefixes, and the head noun of the enclosing name:
//! `OpcodeCategory` is a category), comments mentioning opcodes or instructions, whether member
//! names look like instruction mnemonics (a vocabulary of verbs every VM has: `ADD`, `JMP`,
//! `PUSH`…), value ranges (opcodes fit a byte or two; flags are powers of two), hexadecimal
//! spelling, uniqueness of values, and register-like names (`R0`…). Flat scopes (module
//! constants, `#define`s, class constants) are split into prefix clusters first, and items in
//! them whose names say size, count, version or limit are dropped.

use crate::extract::{Group, GroupKind, RawItem};

/// The default `--min-confidence`: the threshold between the lowest-scoring true table and the
/// highest-scoring false one, measured on the fixtures and on the shared tables' real sources
/// (true tables score 0.50 and up — an `elif` chain's cases — while the highest non-opcode
/// group scores 0.47, a colour enum; `docs/accuracy.md` has the measurement).
pub const DEFAULT_MIN_CONFIDENCE: f32 = 0.48;

/// Split a name into upper-cased words at `_`, `.`, `-` and lower→upper camel boundaries.
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' || c == '.' || c == '-' || c == ' ' {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let boundary = i > 0
            && c.is_uppercase()
            && (chars[i - 1].is_lowercase()
                || (chars[i - 1].is_uppercase()
                    && chars.get(i + 1).is_some_and(|n| n.is_lowercase())
                    && cur.chars().count() > 1));
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.extend(c.to_uppercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Instruction verbs common to virtual machines. Stems of four or more letters also match as
/// a word prefix (`JUMPIFNOT`, `LOADIMM`); shorter ones only as whole words, optionally with a
/// width suffix or a type-letter prefix (`MOVI16`, `IADD`, `FMUL`; the JVM's `LLOAD`, `DSTORE`,
/// `ALOAD`).
const VOCAB: &[&str] = &[
    "HALT",
    "NOP",
    "MOV",
    "MOVE",
    "MOVI",
    "LOAD",
    "STORE",
    "LD",
    "ST",
    "LDI",
    "STI",
    "JMP",
    "JUMP",
    "JZ",
    "JNZ",
    "JE",
    "JNE",
    "JL",
    "JG",
    "JLE",
    "JGE",
    "JLT",
    "JGT",
    "JEQ",
    "BR",
    "BRANCH",
    "CALL",
    "RET",
    "RETURN",
    "PUSH",
    "POP",
    "DUP",
    "SWAP",
    "OVER",
    "ROT",
    "DROP",
    "ADD",
    "SUB",
    "MUL",
    "DIV",
    "MOD",
    "REM",
    "NEG",
    "INC",
    "DEC",
    "AND",
    "OR",
    "XOR",
    "NOT",
    "SHL",
    "SHR",
    "SAR",
    "CMP",
    "EQ",
    "NE",
    "LT",
    "LE",
    "GT",
    "GE",
    "TEST",
    "SELECT",
    "LOOP",
    "YIELD",
    "BREAK",
    "BRK",
    "TRAP",
    "SYSCALL",
    "PRINT",
    "SEND",
    "RECV",
    "TELL",
    "ASK",
    "BROADCAST",
    "DELEGATE",
    "ALLOC",
    "FREE",
    "MALLOC",
    "COPY",
    "FILL",
    "ABS",
    "MIN",
    "MAX",
    "SQRT",
    "CONST",
    "IRET",
    "WFI",
    "RESET",
    "ENTER",
    "LEAVE",
    "SYN",
    "NEW",
    "GET",
    "SET",
    "READ",
    "WRITE",
    "IN",
    "OUT",
    "CAST",
    "CONV",
    "ASSERT",
    "EMIT",
    "WAIT",
    "SPAWN",
    "EXIT",
    "STOP",
    "INVOKE",
    "PROBE",
    "CONF",
    "EXT",
    "DEBUG_BREAK",
];

fn vocab_word(w: &str) -> bool {
    let core = w.trim_end_matches(|c: char| c.is_ascii_digit());
    let check = |s: &str| {
        VOCAB
            .iter()
            .any(|v| s == *v || (v.len() >= 4 && s.starts_with(v)))
    };
    check(core)
        || check(w)
        || (core.len() > 2 && core.starts_with(['I', 'F', 'V', 'L', 'D', 'A']) && check(&core[1..]))
        || (core.ends_with('I') && core.len() > 2 && check(&core[..core.len() - 1]))
}

/// True when a name reads like an instruction mnemonic.
pub fn looks_like_mnemonic(name: &str) -> bool {
    let ws = words(name);
    !ws.iter().any(|w| DISTRACTOR_WORDS.contains(&w.as_str())) && ws.iter().any(|w| vocab_word(w))
}

/// Words that mark a constant as a size, count, limit, version or flag rather than an opcode
/// when they appear in a multi-word name (`MAX_STACK`, `NUM_REGS`, `HEADER_SIZE`).
const DISTRACTOR_WORDS: &[&str] = &[
    "NUM",
    "COUNT",
    "SIZE",
    "MAX",
    "MIN",
    "LIMIT",
    "VERSION",
    "FLAG",
    "FLAGS",
    "MASK",
    "BITS",
    "SHIFT",
    "DEPTH",
    "LEN",
    "LENGTH",
    "WIDTH",
    "TIMEOUT",
    "MAGIC",
    "DEFAULT",
    "CAPACITY",
    "REGS",
    "REGISTERS",
    "STEPS",
    "CYCLES",
    "BYTES",
    "PORT",
    "MAJOR",
    "MINOR",
    "PATCH",
    "OFFSET",
    "ALIGN",
    "BLOCK",
    "THREADS",
    "FRAMES",
    "ERR",
    "ERROR",
    "STATE",
    "STATUS",
    "LEVEL",
    "TOKEN",
    "TOK",
    "MODE",
    "KIND",
    "COLOR",
    "CATEGORY",
    "CAT",
    "FMT",
    "FORMAT",
    "TYPE",
    "HEADER",
    "STACK",
    "MEMORY",
    "MEM",
    "ROUNDS",
    "SEED",
    "OK",
    "BASE",
    "LABELS",
    "AGENTS",
    "PROGRAM",
    "OPTIMIZE",
];

/// Sentinel members that end an enum rather than name an instruction.
fn is_sentinel(normalized: &str) -> bool {
    let w: Vec<&str> = normalized.split('_').collect();
    matches!(
        normalized,
        "COUNT" | "LAST" | "FIRST" | "NUM" | "TOTAL" | "SENTINEL"
    ) || (w.len() > 1 && matches!(w[w.len() - 1], "COUNT" | "LAST" | "SENTINEL" | "TOTAL"))
        || (w.len() > 1 && w[0] == "NUM")
}

const POSITIVE_SYMBOL: &[&str] = &[
    "OP",
    "OPS",
    "OPCODE",
    "OPCODES",
    "OPC",
    "INSN",
    "INSTR",
    "INSTRUCTION",
    "INSTRUCTIONS",
    "BYTECODE",
    "ISA",
    "MNEMONIC",
    "MNEMONICS",
    "OPCODEDEF",
    "OPCODEINFO",
    "OPINFO",
];
/// The first word every member shares when it speaks of opcodes (`Op` of `OpHalt`, `OpMemLoad`;
/// `OP` of `OP_HALT`), else "": the prefix a cluster of them would have had.
pub fn shared_opcode_head(items: &[RawItem]) -> String {
    let mut head: Option<String> = None;
    for i in items {
        let w = words(&i.name);
        let Some(first) = w
            .first()
            .filter(|f| w.len() > 1 && POSITIVE_SYMBOL.contains(&f.as_str()))
        else {
            return String::new();
        };
        match &head {
            Some(h) if h != first => return String::new(),
            Some(_) => {}
            None => head = Some(first.clone()),
        }
    }
    head.unwrap_or_default()
}

/// Whether a name has a word that speaks of opcodes (`FOR_EACH_OPCODE`, `InsnList`, `OPS`).
pub fn names_opcodes(name: &str) -> bool {
    words(name)
        .iter()
        .any(|w| POSITIVE_SYMBOL.contains(&w.as_str()))
}

const NEGATIVE_SYMBOL: &[&str] = &[
    "OUTCOME",
    "OUTCOMES",
    "RESULT",
    "RESULTS",
    "FAULT",
    "FAULTS",
    "EXCEPTION",
    "EXCEPTIONS",
    "REG",
    "REGS",
    "REGISTER",
    "REGISTERS",
    "REGCLASS",
    "CATEGORY",
    "CATEGORIES",
    "CAT",
    "GROUP",
    "GROUPS",
    "FORMAT",
    "FORMATS",
    "FMT",
    "FLAG",
    "FLAGS",
    "MODE",
    "MODES",
    "KIND",
    "TYPE",
    "TYPES",
    "ERROR",
    "ERRORS",
    "ERR",
    "STATUS",
    "STATE",
    "COLOR",
    "COLORS",
    "LEVEL",
    "SEVERITY",
    "TOKEN",
    "TOK",
    "VERSION",
    "FEATURE",
    "FEATURES",
    "SIZE",
    "SIZES",
    "DIRECTIVES",
    "KEYS",
    "CONFIG",
    "DEFAULTS",
    "OPTIONS",
    "CLASS",
    "EVENT",
    "EVENTS",
    "MESSAGE",
    "PRIORITY",
    "BREAKPOINTS",
    "COLORS",
    "MAP",
    "SIZEMAP",
];

/// The known prefixes stripped from mnemonics (`OP_HALT`, `FLUX_OP_HALT`, `OpHalt`).
const PREFIX_WORDS: &[&str] = &[
    "OP", "OPC", "OPCODE", "FLUX", "INSN", "INSTR", "BC", "VM", "I", "K", "ISA",
];

/// A namespace word of a name prefix: a known prefix word, possibly versioned (`ISA2_`,
/// `VM3_`, `OPV2_`), since VMs that keep several ISA generations side by side tag each
/// generation's constants with its number.
fn is_prefix_word(w: &str) -> bool {
    let u = w.to_ascii_uppercase();
    let base = u.trim_end_matches(|c: char| c.is_ascii_digit());
    // A one-letter base with a number is a value type (`I32_LOAD`, `F64_ADD` in Wasm), not a
    // versioned namespace: only words of two letters or more take a generation number.
    if base.len() < 2 && base.len() < u.len() {
        return false;
    }
    let base = if base.len() < u.len() {
        base.strip_suffix('V')
            .filter(|b| !b.is_empty())
            .unwrap_or(base)
    } else {
        base
    };
    PREFIX_WORDS.contains(&base)
}

/// The comparison mnemonic for a source name: known opcode prefixes stripped, upper-cased.
/// `strip` is the table-wide prefix (in source spelling) shared by all names, when any.
pub fn normalize_mnemonic(name: &str, strip: &str) -> String {
    let mut n = name.strip_prefix(strip).unwrap_or(name);
    if n.is_empty() {
        n = name;
    }
    // Per-name camel prefix: `OpHalt`, `kOpHalt`. A mixed-case `Op` also marks a prefix before
    // an upper-case mnemonic (`OpHALT`, `OpCMP_EQ`): the case change is the word boundary, and
    // no mnemonic is spelled with a lower-case second letter before capitals.
    // `Opcode`/`OpCode` heads the name the same way (`OpcodeI32Load`, Go's typed constants).
    for p in ["kOpcode", "Opcode", "OpCode", "kOp", "Op", "OP", "k"] {
        if let Some(rest) = n.strip_prefix(p) {
            let upper_rest = (p.ends_with("Op") || p.ends_with("code") || p.ends_with("Code"))
                && rest.len() >= 2
                && rest
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            if rest.starts_with(|c: char| c.is_ascii_uppercase())
                && (upper_rest || rest.chars().any(|c| c.is_ascii_lowercase()))
            {
                n = rest;
                break;
            }
        }
    }
    n.trim_matches('_').to_uppercase()
}

/// The prefix shared by all names that should be stripped: `_`-terminated and made of known
/// prefix words (`OP_`, `FLUX_OP_`, `FLUX_`), or a camel `Op`.
pub fn common_prefix(names: &[&str]) -> String {
    if names.len() < 2 {
        return names
            .first()
            .map(|n| known_prefix_of(n))
            .unwrap_or_default();
    }
    let first = names[0];
    let mut len = first.len();
    for n in &names[1..] {
        len = len.min(
            first
                .bytes()
                .zip(n.bytes())
                .take_while(|(a, b)| a == b)
                .count(),
        );
    }
    // Names in other scripts share a lead byte without sharing the character (`Ä`, `Ö`).
    while !first.is_char_boundary(len) {
        len -= 1;
    }
    let shared = &first[..len];
    // Cut back to the last `_` so the prefix ends at a word boundary.
    let cut = match shared.rfind('_') {
        Some(i) => &shared[..=i],
        None => "",
    };
    // The leading namespace words of the shared part: `OP_` of `OP_I32_` (`OP_I32_LOAD`,
    // `OP_I32_STORE`), where `I32` is part of the mnemonics.
    let mut end = 0;
    for w in cut.split_terminator('_') {
        if !is_prefix_word(w) {
            break;
        }
        end += w.len() + 1;
    }
    let cut = &cut[..end];
    if !cut.is_empty() && names.iter().all(|n| n.len() > cut.len()) {
        cut.to_string()
    } else {
        String::new()
    }
}

fn known_prefix_of(name: &str) -> String {
    let mut end = 0;
    for (i, _) in name.match_indices('_') {
        let w = &name[end..i];
        if is_prefix_word(w) && i + 1 < name.len() {
            end = i + 1;
        } else {
            break;
        }
    }
    name[..end].to_string()
}

/// Splits a flat scope into clusters by shared name prefix (two `_`-words, then one, then a
/// camel word), each shared by at least three names; the rest stays together.
pub fn clusters(items: Vec<RawItem>) -> Vec<(String, Vec<RawItem>)> {
    if one_numbering(&items) {
        return vec![(String::new(), items)];
    }
    use std::collections::BTreeMap;
    let seg_prefix = |name: &str, n: usize| -> Option<String> {
        let parts: Vec<&str> = name.split('_').collect();
        (parts.len() > n).then(|| parts[..n].join("_") + "_")
    };
    // The camel head of a name: `Op` of `OpHalt`, and of `OpCMP_EQ` (a camel head before an
    // upper-case snake mnemonic), never of a plain snake name (`max_depth`).
    let camel_prefix = |name: &str| -> Option<String> {
        let head = name.split('_').next().unwrap_or(name);
        if !head.chars().any(|c| c.is_ascii_lowercase())
            || (head.len() < name.len() && !head.starts_with(|c: char| c.is_ascii_uppercase()))
        {
            return None;
        }
        let ws = words(head);
        (ws.len() > 1).then(|| head[..ws[0].len()].to_string())
    };
    let mut assigned: Vec<Option<String>> = vec![None; items.len()];
    let nested = nested_subprefixes(&items);
    // A prefix that is an instruction verb (`PUSH_I8`, `PUSH_I16`, `PUSH_STR`; `JMP_IF`,
    // `JMP_IFNOT`) names a family of mnemonics, not a namespace, when the pool also holds plain
    // one-word mnemonics (`HALT`, `ADD`): the family stays in the pool's table.
    let plain_mnemonics = items
        .iter()
        .filter(|i| !i.name.contains('_') && looks_like_mnemonic(&i.name))
        .count();
    let verb_family = |k: &str| {
        let head = k.split('_').next().unwrap_or("");
        let u = head.to_uppercase();
        plain_mnemonics >= 3 && !is_prefix_word(&u) && vocab_word(&u)
    };
    for level in [2usize, 1, 0] {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        let key = |name: &str| {
            if level == 0 {
                camel_prefix(name)
            } else {
                seg_prefix(name, level)
            }
        };
        for (i, it) in items.iter().enumerate() {
            if assigned[i].is_none() {
                if let Some(k) = key(&it.name) {
                    *counts.entry(k).or_default() += 1;
                }
            }
        }
        for (i, it) in items.iter().enumerate() {
            if assigned[i].is_none() {
                if let Some(k) = key(&it.name) {
                    if counts[&k] >= 3
                        && !(level == 2 && nested.contains(&k))
                        && !(level > 0 && verb_family(&k))
                    {
                        assigned[i] = Some(k);
                    }
                }
            }
        }
    }
    let mut out: BTreeMap<String, Vec<RawItem>> = BTreeMap::new();
    for (it, a) in items.into_iter().zip(assigned) {
        out.entry(a.unwrap_or_default()).or_default().push(it);
    }
    let mut v: Vec<(String, Vec<RawItem>)> = out.into_iter().collect();
    v.sort_by_key(|(_, items)| items.first().map(|i| (i.line, i.column)));
    v
}

/// Whether a flat pool of bare mnemonics is one numbering written in order: at least eight
/// members, values strictly increasing in source order within 16 bits (size and limit names
/// aside), at least half of the
/// names instruction-like, and no namespace prefix (`OP_`) to name the table by. Such a pool
/// (`POP_TOP 1`, `ROT_TWO 2`, … `BINARY_ADD 23`, … `LOAD_CONST 100`) is one table: cutting it by
/// first word (`BINARY_`, `LOAD_`) would split one numbering into families too small to score.
/// Pools of mixed constants break the order (sizes before opcodes, error codes restarting at
/// 0 after them) and are split as before.
fn one_numbering(items: &[RawItem]) -> bool {
    // Sizes and limits written among them (`HEADER_SIZE = 16` above the opcodes) are not part
    // of the order; the flat filter drops them afterwards.
    let ordered: Vec<&RawItem> = items
        .iter()
        .filter(|i| {
            let w = words(&i.name);
            !(w.len() > 1 && w.iter().any(|x| DISTRACTOR_WORDS.contains(&x.as_str())))
        })
        .collect();
    if ordered.len() < 8
        || items
            .iter()
            .any(|i| !(0..=0xFFFF).contains(&i.value) || i.name.contains(char::is_lowercase))
        || ordered.windows(2).any(|w| w[0].value >= w[1].value)
        || items
            .iter()
            .any(|i| is_prefix_word(i.name.split('_').next().unwrap_or("")))
    {
        return false;
    }
    let like = items
        .iter()
        .filter(|i| looks_like_mnemonic(&i.name))
        .count();
    like * 2 >= items.len()
}

/// Two-word prefixes that are words of a one-word prefix's run rather than namespaces of their
/// own: `OP_CMP_EQ` … `OP_CMP_NE` written between `OP_MAX` and `OP_MOV` are opcodes of the
/// `OP_` table whose mnemonics have two words (`CMP_EQ`), not a table `OP_CMP`. A two-word
/// prefix `P_Q_` is nested when at least three one-word members `P_X` are written before its
/// first name and after its last one; a second word that is itself a namespace word
/// (`FLUX_OP_`) never nests, and a block of its own before or after the run (`FLUX_ERR_`
/// after the `FLUX_` constants) does not either.
fn nested_subprefixes(items: &[RawItem]) -> std::collections::BTreeSet<String> {
    use std::collections::BTreeMap;
    // Per one-word prefix: the lines of its one-word members (`OP_HALT`).
    let mut singles: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    // Per two-word prefix: (first line, last line, count).
    let mut pairs: BTreeMap<(&str, &str), (u32, u32, usize)> = BTreeMap::new();
    for it in items {
        let parts: Vec<&str> = it.name.split('_').collect();
        if parts.iter().any(|p| p.is_empty()) {
            continue;
        }
        match parts.len() {
            2 => singles.entry(parts[0]).or_default().push(it.line),
            n if n > 2 => {
                let e = pairs
                    .entry((parts[0], parts[1]))
                    .or_insert((it.line, it.line, 0));
                e.0 = e.0.min(it.line);
                e.1 = e.1.max(it.line);
                e.2 += 1;
            }
            _ => {}
        }
    }
    // Sorted once, so each two-word prefix costs two binary searches, not a pass over the
    // one-word members (many short families under one prefix would make that quadratic).
    for lines in singles.values_mut() {
        lines.sort_unstable();
    }
    let mut out = std::collections::BTreeSet::new();
    for ((p, q), (first, last, count)) in pairs {
        if count < 3 || is_prefix_word(q) {
            continue;
        }
        let Some(lines) = singles.get(p) else {
            continue;
        };
        let before = lines.partition_point(|&l| l < first);
        let after = lines.len() - lines.partition_point(|&l| l <= last);
        if lines.len() >= 3 && before > 0 && after > 0 {
            out.insert(format!("{p}_{q}_"));
        }
    }
    out
}

/// Scores a candidate (already cluster-split) in [0, 1]. `prefix` is the cluster's shared name
/// prefix ("" when none).
pub fn score(group: &Group, prefix: &str, items: &[RawItem]) -> f32 {
    let n = items.len();
    // Three members make a numbering; a Markdown table with an opcode column and a name column
    // says it is one with any number of rows (a section documenting one or two instructions).
    if n == 0 || (n < 3 && group.kind != GroupKind::Markdown) {
        return 0.0;
    }
    let mut s: f32 = 0.3;
    // Symbol: any opcode word is positive; a negative head noun (last word) wins over it.
    let sym_words = words(&group.symbol);
    let prefix_words = words(prefix);
    let sym_pos = sym_words
        .iter()
        .any(|w| POSITIVE_SYMBOL.contains(&w.as_str()))
        || prefix_words
            .iter()
            .any(|w| POSITIVE_SYMBOL.contains(&w.as_str()));
    // Generic trailing nouns do not head the name: `error_codes` is about errors, `op_codes`
    // about opcodes, an "Opcode map" about opcodes (a `MAP` names what it maps only after
    // such a word; alone or after another noun, `config_map`, it stays negative).
    let head_neg = sym_words
        .iter()
        .enumerate()
        .rev()
        .find(|(k, w)| {
            let after_opcode_word = *k > 0 && POSITIVE_SYMBOL.contains(&sym_words[k - 1].as_str());
            !(matches!(
                w.as_str(),
                "CODES" | "CODE" | "TABLE" | "NAMES" | "VALUES" | "IDS"
            ) || (w.as_str() == "MAP" && after_opcode_word))
        })
        .map(|(_, w)| w)
        .is_some_and(|w| NEGATIVE_SYMBOL.contains(&w.as_str()))
        || prefix_words.iter().any(|w| {
            NEGATIVE_SYMBOL.contains(&w.as_str()) || DISTRACTOR_WORDS.contains(&w.as_str())
        });
    if head_neg {
        s -= 0.5;
    } else if sym_pos {
        s += 0.35;
    }
    // Member prefixes: OP_HALT, OpHalt.
    let hinted = items
        .iter()
        .filter(|i| {
            let w = words(&i.name);
            w.len() > 1 && POSITIVE_SYMBOL.contains(&w[0].as_str())
                || (w.len() > 2 && w[0] == "FLUX" && POSITIVE_SYMBOL.contains(&w[1].as_str()))
        })
        .count();
    if hinted * 2 > n && !head_neg {
        s += 0.3;
    }
    // Members numbered only by their order (`enum Phase { Decode, Execute }`, no value
    // written) carry no evidence of an encoding; under a name that does not speak of opcodes
    // they are an ordinary enum unless the members themselves read as instructions.
    if !sym_pos && items.iter().all(|i| i.implicit) {
        s -= 0.15;
    }
    // Members named as outcomes (`ERR_DIV_ZERO`, `FLUX_OK`, `StackOverflowFault`): an error or
    // status table, whatever its header calls the number (`| Code | Name |`).
    let outcomes = items
        .iter()
        .filter(|i| {
            let w = words(&normalize_mnemonic(&i.name, ""));
            w.iter().any(|x| {
                matches!(
                    x.as_str(),
                    "ERR" | "ERROR" | "ERRNO" | "FAULT" | "EXCEPTION" | "STATUS" | "FAILURE"
                )
            }) || matches!(w.as_slice(), [x] if x == "OK" || x == "SUCCESS")
                || (w.len() == 2 && w[1] == "OK")
        })
        .count();
    if outcomes * 2 > n {
        s -= 0.5;
    }
    // Mnemonic-like members.
    let strip = common_prefix(&items.iter().map(|i| i.name.as_str()).collect::<Vec<_>>());
    let vocab = items
        .iter()
        .filter(|i| {
            looks_like_mnemonic(&normalize_mnemonic(&i.name, &strip))
                || looks_like_mnemonic(&i.name)
        })
        .count() as f32
        / n as f32;
    s += 0.5 * vocab;
    // Context comments. A file's opening comment ("the VM's opcode bytes") is the context of
    // every file-scope cluster, the value types beside the opcodes too: it counts for a group
    // only when its own members or names carry some sign of instructions (a Markdown table's
    // context is its own header row).
    let ctx = &group.context;
    if (ctx.contains("opcode") || ctx.contains("instruction") || ctx.contains(" isa"))
        && (vocab > 0.0 || sym_pos || hinted > 0 || group.kind == GroupKind::Markdown)
    {
        s += 0.1;
    }
    // Register names (R0, R1, …) and single letters (format letters) are not instructions.
    let regs = items
        .iter()
        .filter(|i| {
            let u = i.name.to_ascii_uppercase();
            u.len() >= 2 && u.starts_with('R') && u[1..].chars().all(|c| c.is_ascii_digit())
        })
        .count();
    if regs * 2 > n {
        s -= 0.6;
    }
    if items.iter().all(|i| i.name.len() == 1) {
        s -= 0.5;
    }
    // Values: opcodes fit in 16 bits and are mostly unique; flags are powers of two.
    let max = items.iter().map(|i| i.value).max().unwrap_or(0);
    if items.iter().any(|i| i.value < 0) || max > 0xFFFF {
        s -= 0.5;
    }
    let pow2 = items
        .iter()
        .filter(|i| i.value > 0 && (i.value & (i.value - 1)) == 0)
        .count();
    if n >= 4 && pow2 == n && max >= 8 {
        s -= 0.3;
    }
    let mut vals: Vec<i64> = items.iter().map(|i| i.value).collect();
    vals.sort_unstable();
    vals.dedup();
    let dup = 1.0 - vals.len() as f32 / n as f32;
    s -= 0.5 * dup;
    let hex = items.iter().filter(|i| i.hex).count() as f32 / n as f32;
    s += 0.1 * hex;
    if group.kind == GroupKind::Markdown {
        // A table whose header names an opcode column and a name column is a table by intent.
        s += 0.25;
    }
    if n >= 8 {
        s += 0.05;
    }
    s.clamp(0.0, 1.0)
}

/// Drops items of a flat, unhinted pool that name sizes, counts or limits, and values far
/// outside the pool's range (a 65536 among bytes).
pub fn filter_flat(items: Vec<RawItem>) -> Vec<RawItem> {
    let distractor = |i: &RawItem| {
        let w = words(&i.name);
        w.len() > 1 && w.iter().any(|x| DISTRACTOR_WORDS.contains(&x.as_str()))
    };
    let flagged: Vec<bool> = items.iter().map(distractor).collect();
    // A distractor word inside a run of consecutive numbers is a mnemonic that happens to
    // contain it (`CHECK_TYPE = 0x3B` between `UNBOX = 0x3A` and `CHECK_BOUNDS = 0x3C`,
    // `SOLUTION_COUNT` mid-enum): sizes and limits do not continue an opcode numbering on both
    // sides.
    let inside = inside_runs(&items, &flagged);
    let keep: Vec<bool> = (0..items.len()).map(|k| !flagged[k] || inside[k]).collect();
    let kept: Vec<RawItem> = items
        .into_iter()
        .zip(keep)
        .filter_map(|(i, k)| k.then_some(i))
        .collect();
    let small = kept
        .iter()
        .filter(|i| (0..=0xFF).contains(&i.value))
        .count();
    if small * 10 >= kept.len() * 8 {
        kept.into_iter()
            .filter(|i| (0..=0xFF).contains(&i.value))
            .collect()
    } else {
        kept
    }
}

/// For each item, whether it sits inside a run of consecutive values (in source order) with an
/// unflagged item of the same run before it and another after it: `UNBOX = 8`,
/// `CHECK_TYPE = 9`, `THROW_ERROR = 10`, `CALL = 11` puts the middle two inside. Linear: runs
/// are cut where a value is not its predecessor's plus one.
fn inside_runs(items: &[RawItem], flagged: &[bool]) -> Vec<bool> {
    let n = items.len();
    let mut before = vec![false; n];
    let mut after = vec![false; n];
    let mut seen = false;
    for k in 0..n {
        if k > 0 && items[k - 1].value.checked_add(1) != Some(items[k].value) {
            seen = false;
        }
        before[k] = seen;
        seen |= !flagged[k];
    }
    seen = false;
    for k in (0..n).rev() {
        if k + 1 < n && items[k].value.checked_add(1) != Some(items[k + 1].value) {
            seen = false;
        }
        after[k] = seen;
        seen |= !flagged[k];
    }
    (0..n).map(|k| before[k] && after[k]).collect()
}

/// Removes sentinel members (`OP_COUNT`, `NUM_OPCODES`, `LAST`) — unless the numbering goes on
/// past them (`SOLUTION_COUNT = 0x41` between `0x40` and `0x42` is an instruction; a sentinel
/// ends its enum).
pub fn drop_sentinels(items: Vec<RawItem>, strip: &str) -> Vec<RawItem> {
    // A catch-all member (`UNKNOWN(256)`, `Invalid = -1`) is outside the numbering: a value no
    // opcode of the table can take, past one byte when every other member fits one, or
    // negative. `INVALID = 0xFE` inside the byte range is a real instruction in some VMs.
    let catch_all = |n: &str| {
        matches!(
            n,
            "UNKNOWN" | "INVALID" | "UNDEFINED" | "ILLEGAL" | "NONE" | "BAD" | "UNRECOGNIZED"
        )
    };
    let wide = items.iter().filter(|i| i.value > 0xFF).count();
    let sentinel: Vec<bool> = items
        .iter()
        .map(|i| is_sentinel(&normalize_mnemonic(&i.name, strip)))
        .collect();
    let inside = inside_runs(&items, &sentinel);
    let drop: Vec<bool> = items
        .iter()
        .enumerate()
        .map(|(k, i)| {
            let n = normalize_mnemonic(&i.name, strip);
            (sentinel[k] && !inside[k])
                || (catch_all(&n) && (i.value < 0 || (i.value > 0xFF && wide == 1)))
        })
        .collect();
    items
        .into_iter()
        .zip(drop)
        .filter_map(|(i, d)| (!d).then_some(i))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mnemonics_normalise_across_spellings() {
        assert_eq!(normalize_mnemonic("OpHalt", ""), "HALT");
        assert_eq!(normalize_mnemonic("OP_HALT", "OP_"), "HALT");
        assert_eq!(normalize_mnemonic("FLUX_HALT", "FLUX_"), "HALT");
        assert_eq!(normalize_mnemonic("Halt", ""), "HALT");
        assert_eq!(normalize_mnemonic("JumpIfNot", ""), "JUMPIFNOT");
        assert_eq!(normalize_mnemonic("halt", ""), "HALT");
        assert_eq!(normalize_mnemonic("Open", ""), "OPEN");
        assert_eq!(normalize_mnemonic("OpHALT", ""), "HALT");
        assert_eq!(normalize_mnemonic("OpCMP_EQ", ""), "CMP_EQ");
        assert_eq!(normalize_mnemonic("OpMOVI16", ""), "MOVI16");
        assert_eq!(normalize_mnemonic("OPEN", ""), "OPEN");
        assert_eq!(normalize_mnemonic("kOpNOP", ""), "NOP");
        assert_eq!(normalize_mnemonic("OpcodeI32Load", ""), "I32LOAD");
        assert_eq!(normalize_mnemonic("OpCodeHALT", ""), "HALT");
        assert_eq!(normalize_mnemonic("Opcodes", ""), "OPCODES");
        assert_eq!(common_prefix(&["OP_HALT", "OP_NOP", "OP_ADD"]), "OP_");
        assert_eq!(
            common_prefix(&["FLUX_OP_NOP", "FLUX_OP_PUSH_I8"]),
            "FLUX_OP_"
        );
        assert_eq!(common_prefix(&["CONF_ADD", "CONF_SUB", "CONF_MUL"]), "");
        assert_eq!(common_prefix(&["PUSH_I8", "PUSH_I16"]), "");
        assert_eq!(common_prefix(&["OP_I32_LOAD", "OP_I32_STORE"]), "OP_");
        assert_eq!(common_prefix(&["ISA2_HALT", "ISA2_NOP"]), "ISA2_");
    }

    fn item(name: &str, value: i64, line: u32) -> RawItem {
        RawItem {
            name: name.into(),
            value,
            line,
            column: 1,
            hex: true,
            format: None,
            implicit: false,
            size: None,
            reserved: false,
        }
    }

    #[test]
    fn a_two_word_prefix_inside_its_one_word_run_is_nested() {
        let mut items: Vec<RawItem> = ["OP_HALT", "OP_ADD", "OP_CMP_EQ", "OP_CMP_NE", "OP_CMP_LT"]
            .iter()
            .chain(&["OP_JMP", "OP_RET"])
            .enumerate()
            .map(|(k, n)| item(n, k as i64, k as u32 + 1))
            .collect();
        assert!(nested_subprefixes(&items).contains("OP_CMP_"));
        // A namespace word never nests; a block after the run stands alone.
        assert!(nested_subprefixes(&[
            item("FLUX_A", 0, 1),
            item("FLUX_OP_X", 0, 2),
            item("FLUX_OP_Y", 1, 3),
            item("FLUX_OP_Z", 2, 4),
            item("FLUX_B", 0, 5),
            item("FLUX_C", 0, 6),
        ])
        .is_empty());
        items.truncate(5);
        assert!(nested_subprefixes(&items).is_empty());
    }

    #[test]
    fn flagged_members_inside_a_consecutive_run_are_kept() {
        let items: Vec<RawItem> = [("UNBOX", 8), ("CHECK_TYPE", 9), ("ARG_COUNT", 10)]
            .iter()
            .chain(&[("CALL", 11), ("MAX_ARGS", 3)])
            .enumerate()
            .map(|(k, (n, v))| item(n, *v, k as u32))
            .collect();
        let names = |v: Vec<RawItem>| v.into_iter().map(|i| i.name).collect::<Vec<_>>();
        assert_eq!(
            names(filter_flat(items.clone())),
            ["UNBOX", "CHECK_TYPE", "ARG_COUNT", "CALL"]
        );
        // A count that ends the numbering is a sentinel; one the numbering goes on past is not.
        assert_eq!(
            names(drop_sentinels(items[2..].to_vec(), "")),
            ["CALL", "MAX_ARGS"]
        );
        assert_eq!(
            names(drop_sentinels(items[..4].to_vec(), "")),
            ["UNBOX", "CHECK_TYPE", "ARG_COUNT", "CALL"]
        );
        // A catch-all past the byte range goes; inside it, it may be an instruction.
        let catch = vec![
            item("HALT", 0, 1),
            item("PUSH", 1, 2),
            item("UNKNOWN", 256, 3),
        ];
        assert_eq!(names(drop_sentinels(catch, "")), ["HALT", "PUSH"]);
        let evm = vec![
            item("STOP", 0, 1),
            item("ADD", 1, 2),
            item("INVALID", 0xFE, 3),
        ];
        assert_eq!(names(drop_sentinels(evm, "")), ["STOP", "ADD", "INVALID"]);
    }

    #[test]
    fn an_ascending_pool_of_mnemonics_is_one_numbering() {
        let pool = |names: &[(&str, i64)]| -> Vec<RawItem> {
            names
                .iter()
                .enumerate()
                .map(|(k, (n, v))| item(n, *v, k as u32 + 1))
                .collect()
        };
        let ops = [
            ("HEADER_SIZE", 16),
            ("POP_TOP", 1),
            ("ROT_TWO", 2),
            ("NOP", 9),
            ("BINARY_ADD", 23),
            ("BINARY_SUB", 24),
            ("BINARY_MUL", 25),
            ("LOAD_CONST", 100),
            ("LOAD_NAME", 101),
            ("CALL_FUNCTION", 131),
        ];
        assert!(one_numbering(&pool(&ops)));
        assert_eq!(clusters(pool(&ops)).len(), 1);
        // Out of order, or under a namespace prefix, the pool is split as before.
        let mut shuffled = ops;
        shuffled.swap(2, 8);
        assert!(!one_numbering(&pool(&shuffled)));
        let prefixed: Vec<(String, i64)> =
            ops.iter().map(|(n, v)| (format!("OP_{n}"), *v)).collect();
        let prefixed: Vec<(&str, i64)> = prefixed.iter().map(|(n, v)| (n.as_str(), *v)).collect();
        assert!(!one_numbering(&pool(&prefixed)));
    }

    #[test]
    fn words_split_camel_and_snake() {
        assert_eq!(words("JumpIfNot"), ["JUMP", "IF", "NOT"]);
        assert_eq!(words("OP_HALT"), ["OP", "HALT"]);
        assert_eq!(words("OpcodeCategory"), ["OPCODE", "CATEGORY"]);
        assert_eq!(words("IAdd"), ["IADD"]);
    }

    #[test]
    fn vocabulary() {
        for m in [
            "HALT",
            "IADD",
            "MOVI16",
            "JumpIfNot",
            "LOADIMM",
            "CONF_LD",
            "FMUL",
        ] {
            assert!(looks_like_mnemonic(m), "{m}");
        }
        for m in ["INFO", "STACK_SIZE", "NUM_REGS", "ORANGE", "Warning", "R0"] {
            assert!(!looks_like_mnemonic(m), "{m}");
        }
    }
}
