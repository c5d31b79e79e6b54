//! N-way conflict detection across every table at once.
//!
//! Semantics (the contract the CLI documents):
//! - mnemonics compare by [`Aliases::key`] (upper-cased, then aliased);
//! - reserved and nameless entries take part in nothing;
//! - `number-collision`: at one opcode number, two implementations' *sets* of mnemonics differ;
//! - `mnemonic-divergence`: for one mnemonic, two implementations' *sets* of numbers differ;
//! - `format-mismatch`: for one mnemonic, two implementations' known operand facts contradict,
//!   by the one comparison rule of [`crate::resolve`](mod@crate::resolve) (full layouts by operand shape, sizes by
//!   operand bytes where one side gives only a size), never by letter;
//! - `duplicate-opcode`: one table lists a number in two or more entries;
//! - `encoding-ambiguity`: within one table, an instruction's opcode bytes (from the table's
//!   encoding, see [`crate::resolve`](mod@crate::resolve)) are a strict prefix of another's, or a number cannot be
//!   encoded at all: bytecode for that table cannot be decoded;
//! - `duplicate-mnemonic`: one table lists a mnemonic at two or more numbers;
//! - info: `alias-hint` (near-miss spellings sharing a number) and `unknown-format` (letters
//!   with no layout, which are therefore not compared).
//!
//! There is one conflict per number or per mnemonic listing every implementation involved.
//! Detection is linear in the number of entries: one pass interns mnemonics and buckets entries
//! by number and by mnemonic (a counting sort, so each bucket stays in table order), and each
//! bucket is examined once. Output is sorted and IDs are content hashes, so the order of the
//! input tables never changes the report.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use crate::format::Scheme;
use crate::mnemonic::{near_miss, Aliases};
use crate::resolve::{self, Facts};
use crate::table::{Entry, Location, Table};

pub use crate::diagnostic::Severity;

crate::named_enum! {
    /// The kinds of conflict, in report order within a severity.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum ConflictKind {
        /// One table lists a number twice (critical).
        DuplicateOpcode => "duplicate-opcode",
        /// One instruction's opcode bytes are a prefix of another's, or a number cannot be
        /// encoded under the table's encoding (critical).
        EncodingAmbiguity => "encoding-ambiguity",
        /// A number means different instructions in different implementations (critical).
        NumberCollision => "number-collision",
        /// A mnemonic has different numbers in different implementations (error).
        MnemonicDivergence => "mnemonic-divergence",
        /// A mnemonic has different layouts in different implementations (warning).
        FormatMismatch => "format-mismatch",
        /// One table lists a mnemonic at two numbers (warning).
        DuplicateMnemonic => "duplicate-mnemonic",
        /// Two near-identical spellings share a number: probably one instruction (info).
        AliasHint => "alias-hint",
        /// A table uses format letters with no known layout; those entries are not compared
        /// (info).
        UnknownFormat => "unknown-format",
    }
}

impl ConflictKind {
    /// Short ID prefix.
    fn prefix(self) -> &'static str {
        match self {
            ConflictKind::DuplicateOpcode => "DO",
            ConflictKind::EncodingAmbiguity => "EA",
            ConflictKind::NumberCollision => "NC",
            ConflictKind::MnemonicDivergence => "MD",
            ConflictKind::FormatMismatch => "FM",
            ConflictKind::DuplicateMnemonic => "DM",
            ConflictKind::AliasHint => "AH",
            ConflictKind::UnknownFormat => "UF",
        }
    }

    /// The fixed severity of this kind.
    pub fn severity(self) -> Severity {
        match self {
            ConflictKind::DuplicateOpcode
            | ConflictKind::EncodingAmbiguity
            | ConflictKind::NumberCollision => Severity::Critical,
            ConflictKind::MnemonicDivergence => Severity::Error,
            ConflictKind::FormatMismatch | ConflictKind::DuplicateMnemonic => Severity::Warning,
            ConflictKind::AliasHint | ConflictKind::UnknownFormat => Severity::Info,
        }
    }

    /// One sentence on what the kind means, for SARIF rule descriptions and `--help`.
    pub fn description(self) -> &'static str {
        match self {
            ConflictKind::DuplicateOpcode => "One table lists the same opcode number in more than one entry.",
            ConflictKind::EncodingAmbiguity => "One instruction's opcode bytes are a prefix of another's, or an opcode number cannot be encoded under the table's encoding: its bytecode cannot be decoded.",
            ConflictKind::NumberCollision => "An opcode number means different instructions in different implementations.",
            ConflictKind::MnemonicDivergence => "A mnemonic has different opcode numbers in different implementations.",
            ConflictKind::FormatMismatch => "A mnemonic has different byte layouts in different implementations.",
            ConflictKind::DuplicateMnemonic => "One table lists the same mnemonic at more than one opcode number.",
            ConflictKind::AliasHint => "Near-identical mnemonics share an opcode number; they may be one instruction spelled two ways.",
            ConflictKind::UnknownFormat => "A table uses format letters with no known layout; their layouts are not compared.",
        }
    }
}

/// One implementation's entry as seen in a conflict.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConflictEntry {
    /// Implementation name.
    pub implementation: Arc<str>,
    /// The entry's opcode number.
    pub opcode: u32,
    /// The mnemonic as the source spells it.
    pub mnemonic: Option<String>,
    /// The comparison key (normalised and aliased mnemonic).
    pub key: Option<Arc<str>>,
    /// The format letter.
    pub format: Option<String>,
    /// The resolved layout, rendered, when known.
    pub layout: Option<Arc<str>>,
    /// Where the entry was read.
    pub location: Option<Location>,
}

/// A diagnostic: one primary entry (the first of `entries`) and the others as secondary
/// locations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// Content-derived identifier, e.g. `NC-3f9a2c1b7e10`.
    pub id: String,
    /// What is wrong.
    pub kind: ConflictKind,
    /// How bad (fixed per kind).
    pub severity: Severity,
    /// The opcode number concerned, for per-number kinds.
    pub opcode: Option<u32>,
    /// The mnemonic concerned (comparison key), for per-mnemonic kinds.
    pub mnemonic: Option<String>,
    /// Every implementation involved, sorted.
    pub implementations: Vec<Arc<str>>,
    /// Each implementation's view, sorted by implementation, number, mnemonic.
    pub entries: Vec<ConflictEntry>,
    /// One-line explanation.
    pub message: String,
}

impl Conflict {
    /// This conflict in the one diagnostic shape: the first entry with a location is the
    /// primary location and the others are related ones, each labelled `impl: MNEMONIC = 0xNN`;
    /// the conflict id is the fingerprint.
    pub fn diagnostic(&self) -> crate::Diagnostic {
        let describe = |e: &ConflictEntry| {
            format!(
                "{}: {} = {}",
                e.implementation,
                e.mnemonic.as_deref().unwrap_or("-"),
                hex_opcode(e.opcode)
            )
        };
        let mut located = self
            .entries
            .iter()
            .filter_map(|e| e.location.as_ref().map(|l| (e, l)));
        let primary = located.next();
        let related = located
            .map(|(e, l)| crate::diagnostic::Related {
                location: l.clone(),
                message: Some(describe(e)),
            })
            .collect();
        crate::Diagnostic {
            rule: self.kind.as_str(),
            severity: self.severity,
            message: self.message.clone(),
            location: primary.map(|(_, l)| l.clone()),
            location_message: primary.map(|(e, _)| describe(e)),
            related,
            hint: None,
            fingerprint: Some(crate::diagnostic::Fingerprint {
                key: "isaAuthorityConflictId/v1",
                value: self.id.clone(),
            }),
            properties: vec![(
                "implementations",
                crate::diagnostic::Property::List(
                    self.implementations.iter().map(|s| s.to_string()).collect(),
                ),
            )],
        }
    }
}

/// Counts over a report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Summary {
    /// Tables compared.
    pub tables: usize,
    /// Entries read (all, including reserved and nameless ones).
    pub entries: usize,
    /// Entries that are instructions.
    pub instructions: usize,
    /// Conflicts per severity.
    pub by_severity: BTreeMap<Severity, usize>,
    /// Conflicts per kind.
    pub by_kind: BTreeMap<ConflictKind, usize>,
}

/// The result of [`detect`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// Every conflict, most severe first, then by kind, number and mnemonic.
    pub conflicts: Vec<Conflict>,
    /// Counts.
    pub summary: Summary,
}

impl Report {
    /// The most severe conflict's severity, if any.
    pub fn max_severity(&self) -> Option<Severity> {
        self.conflicts.iter().map(|c| c.severity).max()
    }

    /// Number of conflicts at or above a severity.
    pub fn count_at_least(&self, severity: Severity) -> usize {
        self.conflicts
            .iter()
            .filter(|c| c.severity >= severity)
            .count()
    }

    /// Drops the informational conflicts, and their counts from the summary (`check --no-info`).
    pub fn drop_info(&mut self) {
        self.conflicts.retain(|c| c.severity > Severity::Info);
        self.summary.by_severity.remove(&Severity::Info);
        self.summary
            .by_kind
            .retain(|k, _| k.severity() > Severity::Info);
    }
}

/// What detection needs besides the tables.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Alternative spellings to merge before comparison.
    pub aliases: Aliases,
    /// The scheme that gives undeclared letters their layout (FLUX unified by default).
    pub scheme: Scheme,
    /// Alias hints are computed only among at most this many distinct mnemonics at one number,
    /// keeping the pairwise comparison bounded; 0 disables hints. Default 32.
    pub hint_limit: usize,
}

impl CheckOptions {
    /// Defaults with the given aliases.
    pub fn with_aliases(aliases: Aliases) -> CheckOptions {
        CheckOptions {
            aliases,
            ..CheckOptions::new()
        }
    }

    /// FLUX unified scheme, no aliases, hints on.
    pub fn new() -> CheckOptions {
        CheckOptions {
            aliases: Aliases::new(),
            scheme: Scheme::flux_unified(),
            hint_limit: 32,
        }
    }
}

/// A fast non-cryptographic hasher (the Fx hash used by rustc) for the interning maps: SipHash
/// would dominate detection time on large inputs, and these keys are not attacker-chosen in a
/// way that matters (the worst case is slower detection, not a wrong answer).
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn finish(&self) -> u64 {
        // The multiply only carries low bits upwards, so keys that differ late (OP123 vs OP124)
        // would share their low bits, which pick the bucket. A final avalanche (MurmurHash3's
        // fmix64) spreads every input bit over the whole word.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut buf = [0u8; 8];
            buf[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(buf));
        }
    }
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
}

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// One instruction entry, flattened.
#[derive(Clone, Copy)]
struct Item {
    table: u32, // rank among tables sorted by implementation name
    entry: u32, // index in that table's entries
    key: u32,   // interned mnemonic key
    opcode: u32,
    layout: u32, // index into `Ctx::layouts`, or NO_LAYOUT
}

const NO_LAYOUT: u32 = u32::MAX;

/// Resolved operand facts, computed once per (table, letter or size, opcode width) rather than
/// per entry.
struct LayoutInfo {
    /// Interned operand shape (full layouts only): equal ids exactly for equal shapes.
    shape: Option<u32>,
    /// Interned operand size (bytes, payload flag).
    size: u32,
    /// Rendered for reports.
    text: Arc<str>,
}

/// Buckets `items` by a group id (counting sort: linear and stable, so each bucket keeps table
/// order). Returns (offsets, order): bucket `g` is `order[offsets[g]..offsets[g + 1]]`.
fn buckets(groups: usize, ids: impl Iterator<Item = u32> + Clone) -> (Vec<u32>, Vec<u32>) {
    let mut offsets = vec![0u32; groups + 1];
    for g in ids.clone() {
        offsets[g as usize + 1] += 1;
    }
    for i in 0..groups {
        offsets[i + 1] += offsets[i];
    }
    let mut fill = offsets.clone();
    let mut order = vec![0u32; offsets[groups] as usize];
    for (i, g) in ids.enumerate() {
        order[fill[g as usize] as usize] = i as u32;
        fill[g as usize] += 1;
    }
    (offsets, order)
}

/// Splits a bucket (in table order) into per-table runs.
fn runs<'a>(bucket: &'a [u32], items: &'a [Item]) -> impl Iterator<Item = &'a [u32]> + 'a {
    bucket.chunk_by(move |a, b| items[*a as usize].table == items[*b as usize].table)
}

/// `0x2A` for 8-bit numbers, `0x012A` for 16-bit, wider as needed.
pub fn hex_opcode(opcode: u32) -> String {
    if opcode <= 0xFF {
        format!("0x{opcode:02X}")
    } else if opcode <= 0xFFFF {
        format!("0x{opcode:04X}")
    } else {
        format!("0x{opcode:08X}")
    }
}

struct Ctx<'a> {
    tables: Vec<&'a Table>,
    items: Vec<Item>,
    keys: Vec<Arc<str>>,
    names: Vec<Arc<str>>,
    layouts: Vec<LayoutInfo>,
    hint_limit: usize,
    scheme: Scheme,
}

impl Ctx<'_> {
    fn entry(&self, item: &Item) -> &Entry {
        &self.tables[item.table as usize].entries[item.entry as usize]
    }

    fn shape(&self, item: &Item) -> Option<u32> {
        (item.layout != NO_LAYOUT)
            .then(|| self.layouts[item.layout as usize].shape)
            .flatten()
    }

    fn size(&self, item: &Item) -> Option<u32> {
        (item.layout != NO_LAYOUT).then(|| self.layouts[item.layout as usize].size)
    }

    fn view(&self, index: u32) -> ConflictEntry {
        let item = &self.items[index as usize];
        let entry = self.entry(item);
        ConflictEntry {
            implementation: self.names[item.table as usize].clone(),
            opcode: entry.opcode,
            mnemonic: entry.mnemonic.clone(),
            key: Some(self.keys[item.key as usize].clone()),
            format: entry.format.clone(),
            layout: (item.layout != NO_LAYOUT)
                .then(|| self.layouts[item.layout as usize].text.clone()),
            location: entry.location.clone(),
        }
    }

    /// Views of several items, in [`ConflictEntry`] order. Sorting borrowed keys first and
    /// cloning afterwards keeps the large output cheap to build.
    fn views(&self, indices: impl Iterator<Item = u32>) -> Vec<ConflictEntry> {
        let mut indices: Vec<u32> = indices.collect();
        let sort_key = |i: &u32| {
            let item = &self.items[*i as usize];
            let e = self.entry(item);
            (
                self.name(item),
                e.opcode,
                e.mnemonic.as_deref(),
                &*self.keys[item.key as usize],
                e.format.as_deref(),
                (item.layout != NO_LAYOUT).then(|| &*self.layouts[item.layout as usize].text),
                e.location.as_ref(),
            )
        };
        indices.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
        indices.into_iter().map(|i| self.view(i)).collect()
    }

    fn name(&self, item: &Item) -> &str {
        &self.tables[item.table as usize].implementation
    }
}

/// Groups implementations by the value they hold, for messages:
/// `ADD in 3 implementations (a, b, c); IADD in 1 (d)`.
fn describe_groups(groups: &BTreeMap<String, BTreeSet<&str>>) -> String {
    let mut parts: Vec<(usize, &String, &BTreeSet<&str>)> = groups
        .iter()
        .map(|(value, impls)| (impls.len(), value, impls))
        .collect();
    // Most widespread view first, ties by value, so the message reads "majority, then others".
    parts.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    parts
        .iter()
        .map(|(n, value, impls)| {
            let names: Vec<&str> = impls.iter().take(3).copied().collect();
            let more = if *n > 3 {
                format!(", +{} more", n - 3)
            } else {
                String::new()
            };
            format!(
                "{value} in {} ({}{more})",
                plural(*n, "implementation"),
                names.join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn make_id(
    kind: ConflictKind,
    opcode: Option<u32>,
    mnemonic: Option<&str>,
    entries: &[ConflictEntry],
) -> String {
    use sha2::{Digest, Sha256};
    // Length-prefixed fields fed straight into the hasher: unambiguous, and no per-entry
    // string formatting on what can be millions of entries.
    let mut h = Sha256::new();
    let mut put = |bytes: &[u8]| {
        h.update((bytes.len() as u32).to_le_bytes());
        h.update(bytes);
    };
    put(kind.as_str().as_bytes());
    put(&opcode.map_or([0xFF; 5], |o| {
        let mut b = [0; 5];
        b[1..].copy_from_slice(&o.to_le_bytes());
        b
    }));
    put(mnemonic.unwrap_or("\u{0}").as_bytes());
    for e in entries {
        put(e.implementation.as_bytes());
        put(&e.opcode.to_le_bytes());
        put(e.key.as_deref().unwrap_or("").as_bytes());
        put(e.layout.as_deref().unwrap_or("").as_bytes());
    }
    let digest = crate::hash::hex(&h.finalize()[..6]);
    format!("{}-{digest}", kind.prefix())
}

fn finish(
    kind: ConflictKind,
    opcode: Option<u32>,
    mnemonic: Option<String>,
    entries: Vec<ConflictEntry>,
    message: String,
) -> Conflict {
    debug_assert!(entries.is_sorted(), "views are built in order");
    let implementations: Vec<Arc<str>> = entries
        .iter()
        .map(|e| e.implementation.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let id = make_id(kind, opcode, mnemonic.as_deref(), &entries);
    Conflict {
        id,
        kind,
        severity: kind.severity(),
        opcode,
        mnemonic,
        implementations,
        entries,
        message,
    }
}

/// Finds every conflict among `tables` (see the module documentation for the semantics).
pub fn detect(tables: &[Table], options: &CheckOptions) -> Report {
    // Rank tables by name (ties by their canonical content) so nothing depends on input order.
    let mut sorted: Vec<&Table> = tables.iter().collect();
    sorted.sort_by(|a, b| {
        a.implementation.cmp(&b.implementation).then_with(|| {
            crate::hash::canonical_encoding(a).cmp(&crate::hash::canonical_encoding(b))
        })
    });

    let mut key_ids: FxMap<String, u32> = FxMap::default();
    let mut keys: Vec<Arc<str>> = Vec::new();
    let total: usize = tables.iter().map(|t| t.entries.len()).sum();
    let mut items: Vec<Item> = Vec::with_capacity(total);
    let mut shape_ids: FxMap<String, u32> = FxMap::default();
    let mut size_ids: FxMap<(u32, bool), u32> = FxMap::default();
    let mut layouts: Vec<LayoutInfo> = Vec::new();
    let mut summary = Summary {
        tables: tables.len(),
        ..Summary::default()
    };
    let mut buffer = String::new();
    // Per table: opcode bytes of each item, for the prefix check.
    let mut encoded: Vec<(crate::encoding::OpBytes, usize)> = Vec::new();
    let mut pending: Vec<Pending> = Vec::new();
    for (rank, table) in sorted.iter().enumerate() {
        summary.entries += table.entries.len();
        // Facts are interned once per table and (letter or size, opcode width): a table uses a
        // handful of letters for many entries. The facts themselves come from the one resolve
        // step (`resolve::facts_of`, `resolve::bytes_of`).
        let mut fact_cache: FxMap<(FactSource, usize), u32> = FxMap::default();
        let mut unencodable: Vec<(usize, String)> = Vec::new();
        encoded.clear();
        for (index, entry) in table.entries.iter().enumerate() {
            let Some(mnemonic) = entry.mnemonic.as_deref().filter(|_| !entry.reserved) else {
                continue;
            };
            buffer.clear();
            buffer.extend(mnemonic.trim().chars().map(|c| c.to_ascii_uppercase()));
            let key = options.aliases.resolve_str(&buffer);
            let id = match key_ids.get(key) {
                Some(&id) => id,
                None => {
                    let id = keys.len() as u32;
                    keys.push(Arc::from(key));
                    key_ids.insert(key.to_string(), id);
                    id
                }
            };
            let facts = resolve::facts_of(table, entry, &options.scheme);
            let bytes = resolve::bytes_of(table, entry, facts);
            let source = match facts {
                Facts::Layout(_) => FactSource::Letter(entry.format.as_deref().unwrap_or("")),
                Facts::Size(n) => FactSource::Size(n),
                Facts::Unknown(_) => FactSource::None,
            };
            let op_len = bytes.as_ref().map_or(0, |b| b.len());
            let layout = if source == FactSource::None {
                NO_LAYOUT
            } else {
                *fact_cache.entry((source, op_len)).or_insert_with(|| {
                    let inst = resolve::resolve_entry(
                        table,
                        index,
                        entry,
                        &resolve::ResolveOptions::new(&options.scheme, &options.aliases),
                    );
                    match (inst.fact_key(), inst.layout_text()) {
                        (Some(fact), Some(text)) => {
                            let next = size_ids.len() as u32;
                            let size = *size_ids.entry(fact.size).or_insert(next);
                            let shape = fact.shape.map(|shape| {
                                let next = shape_ids.len() as u32;
                                *shape_ids.entry(shape).or_insert(next)
                            });
                            layouts.push(LayoutInfo {
                                shape,
                                size,
                                text: Arc::from(text),
                            });
                            layouts.len() as u32 - 1
                        }
                        _ => NO_LAYOUT,
                    }
                })
            };
            match bytes {
                Ok(b) => encoded.push((b, items.len())),
                Err(why) => unencodable.push((items.len(), why)),
            }
            items.push(Item {
                table: rank as u32,
                entry: index as u32,
                key: id,
                opcode: entry.opcode,
                layout,
            });
        }
        for (item, why) in unencodable {
            pending.push(Pending::Unencodable(item as u32, why));
        }
        for (short, longer) in resolve::prefix_groups(&mut encoded) {
            pending.push(Pending::Prefix(
                short.into_iter().map(|i| i as u32).collect(),
                longer.into_iter().map(|i| i as u32).collect(),
            ));
        }
    }
    summary.instructions = items.len();

    // Intern opcode numbers into dense group ids, then bucket by number and by mnemonic.
    let mut number_ids: FxMap<u32, u32> = FxMap::default();
    let mut numbers: Vec<u32> = Vec::new();
    let number_of: Vec<u32> = items
        .iter()
        .map(|item| {
            let next = numbers.len() as u32;
            *number_ids.entry(item.opcode).or_insert_with(|| {
                numbers.push(item.opcode);
                next
            })
        })
        .collect();
    let (num_off, num_order) = buckets(numbers.len(), number_of.iter().copied());
    let (key_off, key_order) = buckets(keys.len(), items.iter().map(|i| i.key));

    let sorted_names: Vec<Arc<str>> = sorted
        .iter()
        .map(|t| Arc::from(t.implementation.as_str()))
        .collect();
    let ctx = Ctx {
        tables: sorted,
        items,
        keys,
        names: sorted_names,
        layouts,
        hint_limit: options.hint_limit,
        scheme: options.scheme.clone(),
    };
    let mut scratch = Scratch::default();
    let mut conflicts = Vec::new();

    for g in 0..numbers.len() {
        let bucket = &num_order[num_off[g] as usize..num_off[g + 1] as usize];
        by_number(&ctx, numbers[g], bucket, &mut scratch, &mut conflicts);
    }
    for k in 0..ctx.keys.len() {
        let bucket = &key_order[key_off[k] as usize..key_off[k + 1] as usize];
        by_mnemonic(&ctx, k as u32, bucket, &mut scratch, &mut conflicts);
    }
    unknown_formats(&ctx, &mut conflicts);
    encoding_conflicts(&ctx, pending, &mut conflicts);

    conflicts.sort_by(|a, b| {
        (
            std::cmp::Reverse(a.severity),
            a.kind,
            a.opcode,
            &a.mnemonic,
            &a.id,
        )
            .cmp(&(
                std::cmp::Reverse(b.severity),
                b.kind,
                b.opcode,
                &b.mnemonic,
                &b.id,
            ))
    });
    for c in &conflicts {
        *summary.by_severity.entry(c.severity).or_default() += 1;
        *summary.by_kind.entry(c.kind).or_default() += 1;
    }
    Report { conflicts, summary }
}

/// The conflicts that make one table's bytecode undecodable: `encoding-ambiguity` (prefix
/// bytes, unencodable numbers) and `duplicate-opcode` where the entries at one number are
/// different instructions. Every command that reads or writes bytecode for a table
/// (translate, gen, advertise, propose) refuses such a table with exactly these conflicts, so
/// its explanation is `check`'s.
pub fn undecodable(table: &Table, options: &CheckOptions) -> Vec<Conflict> {
    let options = CheckOptions {
        hint_limit: 0,
        ..options.clone()
    };
    detect(std::slice::from_ref(table), &options)
        .conflicts
        .into_iter()
        .filter(|c| match c.kind {
            ConflictKind::EncodingAmbiguity => true,
            ConflictKind::DuplicateOpcode => c.entries.iter().any(|e| e.key != c.entries[0].key),
            _ => false,
        })
        .collect()
}

/// Per-table value sets of one bucket, stored flat so that examining a bucket allocates nothing
/// once the buffers have grown: `spans[i] = (table, start, end)` indexes sorted, deduplicated
/// values in `values`.
#[derive(Default)]
struct Sets {
    values: Vec<u32>,
    spans: Vec<(u32, u32, u32)>,
}

impl Sets {
    /// Fills with one set per table run of `bucket`, skipping runs where `value` yields nothing.
    fn fill(&mut self, ctx: &Ctx, bucket: &[u32], value: impl Fn(&Item) -> Option<u32>) {
        self.values.clear();
        self.spans.clear();
        for run in runs(bucket, &ctx.items) {
            let start = self.values.len();
            self.values
                .extend(run.iter().filter_map(|&i| value(&ctx.items[i as usize])));
            if self.values.len() == start {
                continue;
            }
            let slice = &mut self.values[start..];
            slice.sort_unstable();
            let mut kept = 1;
            for i in 1..slice.len() {
                if slice[i] != slice[kept - 1] {
                    slice[kept] = slice[i];
                    kept += 1;
                }
            }
            self.values.truncate(start + kept);
            let table = ctx.items[run[0] as usize].table;
            self.spans
                .push((table, start as u32, self.values.len() as u32));
        }
    }

    fn get(&self, i: usize) -> &[u32] {
        let (_, a, b) = self.spans[i];
        &self.values[a as usize..b as usize]
    }

    /// True when at least two tables hold sets and they are not all equal.
    fn differ(&self) -> bool {
        // Almost every set holds one value; comparing those directly avoids a `memcmp` call
        // per table run, which dominated detection on large inputs.
        if self.spans.len() < 2 {
            return false;
        }
        let first = self.get(0);
        (1..self.spans.len()).any(|i| {
            let other = self.get(i);
            match (first, other) {
                ([a], [b]) => a != b,
                _ => first != other,
            }
        })
    }

    /// (table, set) pairs, for building messages on the rare path where sets differ.
    fn owned(&self) -> Vec<(u32, Vec<u32>)> {
        (0..self.spans.len())
            .map(|i| (self.spans[i].0, self.get(i).to_vec()))
            .collect()
    }
}

/// Scratch buffers reused across buckets.
#[derive(Default)]
struct Scratch {
    a: Sets,
    b: Sets,
}

/// Duplicate numbers within a table, collisions across tables, alias hints.
fn by_number(
    ctx: &Ctx,
    opcode: u32,
    bucket: &[u32],
    scratch: &mut Scratch,
    out: &mut Vec<Conflict>,
) {
    let items = &ctx.items;
    for run in runs(bucket, items) {
        let first = &items[run[0] as usize];
        if run.len() > 1 {
            let entries: Vec<ConflictEntry> = ctx.views(run.iter().copied());
            let listed: Vec<String> = entries
                .iter()
                .map(|e| match &e.location {
                    Some(loc) => format!("{} ({loc})", e.mnemonic.as_deref().unwrap_or("?")),
                    None => e.mnemonic.clone().unwrap_or_default(),
                })
                .collect();
            let message = format!(
                "{} lists opcode {} {} times: {}",
                ctx.name(first),
                hex_opcode(opcode),
                run.len(),
                listed.join(", ")
            );
            out.push(finish(
                ConflictKind::DuplicateOpcode,
                Some(opcode),
                None,
                entries,
                message,
            ));
        }
    }
    scratch.a.fill(ctx, bucket, |item| Some(item.key));
    if !scratch.a.differ() {
        return;
    }
    let sets = scratch.a.owned();
    let mut groups: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for (table, set) in &sets {
        let label = set
            .iter()
            .map(|k| &*ctx.keys[*k as usize])
            .collect::<Vec<_>>()
            .join("+");
        groups
            .entry(label)
            .or_default()
            .insert(&ctx.tables[*table as usize].implementation);
    }
    let entries: Vec<ConflictEntry> = ctx.views(bucket.iter().copied());
    let message = format!(
        "opcode {} means different instructions: {}",
        hex_opcode(opcode),
        describe_groups(&groups)
    );
    out.push(finish(
        ConflictKind::NumberCollision,
        Some(opcode),
        None,
        entries,
        message,
    ));

    // Alias hints: near-miss spellings at this number (bounded pairwise comparison).
    let mut distinct: Vec<u32> = sets.iter().flat_map(|(_, s)| s.iter().copied()).collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() > ctx.hint_limit {
        return;
    }
    for (i, &a) in distinct.iter().enumerate() {
        for &b in &distinct[i + 1..] {
            let (ka, kb) = (&ctx.keys[a as usize], &ctx.keys[b as usize]);
            if !near_miss(ka, kb) {
                continue;
            }
            let entries = ctx.views(
                bucket
                    .iter()
                    .copied()
                    .filter(|&i| items[i as usize].key == a || items[i as usize].key == b),
            );
            let message = format!(
                "{ka} and {kb} share opcode {} and look like one instruction spelled two ways; \
                 hint: if they are, add `{kb} = \"{ka}\"` (or the reverse) to an --aliases file",
                hex_opcode(opcode)
            );
            out.push(finish(
                ConflictKind::AliasHint,
                Some(opcode),
                Some(format!("{ka}/{kb}")),
                entries,
                message,
            ));
        }
    }
}

/// Duplicate mnemonics within a table, divergences and format mismatches across tables.
fn by_mnemonic(
    ctx: &Ctx,
    key: u32,
    bucket: &[u32],
    scratch: &mut Scratch,
    out: &mut Vec<Conflict>,
) {
    let items = &ctx.items;
    let name = &ctx.keys[key as usize];
    scratch.a.fill(ctx, bucket, |item| Some(item.opcode));
    for (i, run) in runs(bucket, items).enumerate() {
        let first = &items[run[0] as usize];
        let numbers = scratch.a.get(i);
        if numbers.len() > 1 {
            let entries: Vec<ConflictEntry> = ctx.views(run.iter().copied());
            let listed: Vec<String> = numbers.iter().map(|&n| hex_opcode(n)).collect();
            let message = format!(
                "{} lists {name} at {} numbers: {}",
                ctx.name(first),
                numbers.len(),
                listed.join(", ")
            );
            out.push(finish(
                ConflictKind::DuplicateMnemonic,
                None,
                Some(name.to_string()),
                entries,
                message,
            ));
        }
    }
    let implementation = |t: u32| ctx.tables[t as usize].implementation.as_str();

    if scratch.a.differ() {
        let number_sets = scratch.a.owned();
        let mut groups: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
        for (table, set) in &number_sets {
            let label = set
                .iter()
                .map(|&n| hex_opcode(n))
                .collect::<Vec<_>>()
                .join("+");
            groups
                .entry(label)
                .or_default()
                .insert(implementation(*table));
        }
        let entries: Vec<ConflictEntry> = ctx.views(bucket.iter().copied());
        let message = format!(
            "{name} has different opcode numbers: {}",
            describe_groups(&groups)
        );
        out.push(finish(
            ConflictKind::MnemonicDivergence,
            None,
            Some(name.to_string()),
            entries,
            message,
        ));
    }

    // One comparison rule (resolve::FactKey::differs): operand shapes where both sides have full
    // layouts, operand sizes wherever one side knows only a size.
    scratch.b.fill(ctx, bucket, |item| ctx.shape(item));
    let shapes_differ = scratch.b.differ();
    scratch.b.fill(ctx, bucket, |item| ctx.size(item));
    if shapes_differ || scratch.b.differ() {
        let entries = ctx.views(
            bucket
                .iter()
                .copied()
                .filter(|&i| ctx.size(&items[i as usize]).is_some()),
        );
        let mut groups: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
        for e in &entries {
            if let Some(layout) = &e.layout {
                groups
                    .entry(format!("[{layout}]"))
                    .or_default()
                    .insert(&e.implementation);
            }
        }
        let message = format!("{name} has different layouts: {}", describe_groups(&groups));
        out.push(finish(
            ConflictKind::FormatMismatch,
            None,
            Some(name.to_string()),
            entries,
            message,
        ));
    }
}

/// One info diagnostic per table that uses letters with no layout.
/// Where an entry's operand facts come from, for interning (see `detect`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum FactSource<'a> {
    Letter(&'a str),
    Size(u32),
    None,
}

/// An encoding ambiguity found while indexing, in global item indices.
enum Pending {
    Unencodable(u32, String),
    Prefix(Vec<u32>, Vec<u32>),
}

/// `MOV 0x01 (01)`: an instruction with its number and opcode bytes, for messages.
fn spelled(ctx: &Ctx, index: u32) -> String {
    let item = &ctx.items[index as usize];
    let entry = ctx.entry(item);
    let table = ctx.tables[item.table as usize];
    let name = entry.mnemonic.as_deref().unwrap_or("?");
    let facts = resolve::facts_of(table, entry, &ctx.scheme);
    match resolve::bytes_of(table, entry, facts) {
        Ok(b) => format!("{name} {} (bytes {b})", hex_opcode(entry.opcode)),
        Err(_) => format!("{name} {}", hex_opcode(entry.opcode)),
    }
}

fn encoding_conflicts(ctx: &Ctx, pending: Vec<Pending>, out: &mut Vec<Conflict>) {
    for p in pending {
        match p {
            Pending::Unencodable(index, why) => {
                let item = &ctx.items[index as usize];
                let table = ctx.tables[item.table as usize];
                let entry = ctx.entry(item);
                let message = format!(
                    "{}: {} cannot be encoded under its encoding ({}): {why}",
                    table.implementation,
                    spelled(ctx, index),
                    table.encoding
                );
                out.push(finish(
                    ConflictKind::EncodingAmbiguity,
                    Some(entry.opcode),
                    None,
                    ctx.views(std::iter::once(index)),
                    message,
                ));
            }
            Pending::Prefix(short, longer) => {
                let first = &ctx.items[short[0] as usize];
                let table = ctx.tables[first.table as usize];
                let opcode = ctx.entry(first).opcode;
                const SHOWN: usize = 3;
                let mut listed: Vec<String> = longer
                    .iter()
                    .take(SHOWN)
                    .map(|&i| spelled(ctx, i))
                    .collect();
                if longer.len() > SHOWN {
                    listed.push(format!("+{} more", longer.len() - SHOWN));
                }
                let message = format!(
                    "{}: the opcode bytes of {} are a prefix of {}, so a decoder cannot tell where \
                     the instruction ends; hint: renumber, or declare the leading byte as an escape \
                     (`[encoding] escapes = [...]`) and keep no instruction on it",
                    table.implementation,
                    short
                        .iter()
                        .map(|&i| spelled(ctx, i))
                        .collect::<Vec<_>>()
                        .join(" and "),
                    listed.join(", ")
                );
                out.push(finish(
                    ConflictKind::EncodingAmbiguity,
                    Some(opcode),
                    None,
                    ctx.views(short.iter().chain(&longer).copied()),
                    message,
                ));
            }
        }
    }
}

fn unknown_formats(ctx: &Ctx, out: &mut Vec<Conflict>) {
    let mut per_table: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for (index, item) in ctx.items.iter().enumerate() {
        let entry = ctx.entry(item);
        if entry.format.is_some() && ctx.size(item).is_none() {
            per_table.entry(item.table).or_default().push(index as u32);
        }
    }
    for (table, indices) in per_table {
        let letters: BTreeSet<&str> = indices
            .iter()
            .filter_map(|&i| ctx.entry(&ctx.items[i as usize]).format.as_deref())
            .collect();
        let name = &ctx.tables[table as usize].implementation;
        let message = format!(
            "{name} uses format letter{} {} with no declared or built-in layout ({} entr{}); their layouts are not compared; \
             hint: declare them under `formats`",
            if letters.len() == 1 { "" } else { "s" },
            letters.iter().map(|l| format!("`{l}`")).collect::<Vec<_>>().join(", "),
            indices.len(),
            if indices.len() == 1 { "y" } else { "ies" }
        );
        let entries = ctx.views(indices.iter().copied());
        out.push(finish(
            ConflictKind::UnknownFormat,
            None,
            None,
            entries,
            message,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, entries: &[(u32, &str)]) -> Table {
        Table {
            entries: entries.iter().map(|&(n, m)| Entry::new(n, m)).collect(),
            ..Table::new(name)
        }
    }

    fn names(c: &Conflict) -> Vec<&str> {
        c.implementations.iter().map(|s| &**s).collect()
    }

    fn kinds(report: &Report) -> Vec<ConflictKind> {
        report.conflicts.iter().map(|c| c.kind).collect()
    }

    #[test]
    fn python_and_go_style_collision() {
        let a = table("py", &[(0x00, "NOP"), (0x08, "IADD"), (0x20, "MOV")]);
        let b = table(
            "go",
            &[(0x00, "HALT"), (0x08, "INC"), (0x20, "ADD"), (0x30, "NOP")],
        );
        let r = detect(&[a, b], &CheckOptions::new());
        let collisions: Vec<u32> = r
            .conflicts
            .iter()
            .filter(|c| c.kind == ConflictKind::NumberCollision)
            .filter_map(|c| c.opcode)
            .collect();
        assert_eq!(collisions, vec![0x00, 0x08, 0x20]);
        let div: Vec<&str> = r
            .conflicts
            .iter()
            .filter(|c| c.kind == ConflictKind::MnemonicDivergence)
            .filter_map(|c| c.mnemonic.as_deref())
            .collect();
        assert_eq!(div, vec!["NOP"]);
    }

    #[test]
    fn one_conflict_per_number_lists_everyone() {
        let tables = vec![
            table("a", &[(1, "ADD")]),
            table("b", &[(1, "ADD")]),
            table("c", &[(1, "SUB")]),
        ];
        let r = detect(&tables, &CheckOptions::new());
        let c: Vec<&Conflict> = r
            .conflicts
            .iter()
            .filter(|c| c.kind == ConflictKind::NumberCollision)
            .collect();
        assert_eq!(c.len(), 1);
        assert_eq!(names(c[0]), vec!["a", "b", "c"]);
        assert!(c[0]
            .message
            .starts_with("opcode 0x01 means different instructions: ADD in 2 implementations"));
    }

    #[test]
    fn agreement_is_not_a_conflict_and_case_is_ignored() {
        let r = detect(
            &[table("a", &[(1, "add")]), table("b", &[(1, "ADD")])],
            &CheckOptions::new(),
        );
        assert!(r.conflicts.is_empty());
    }

    #[test]
    fn aliases_merge_spellings() {
        let tables = [table("a", &[(1, "IADD")]), table("b", &[(1, "ADD")])];
        assert_eq!(
            kinds(&detect(&tables, &CheckOptions::new())),
            vec![ConflictKind::NumberCollision]
        );
        let mut aliases = Aliases::new();
        aliases.insert("IADD", "ADD").unwrap();
        assert!(detect(&tables, &CheckOptions::with_aliases(aliases))
            .conflicts
            .is_empty());
    }

    #[test]
    fn reserved_and_nameless_entries_take_no_part() {
        let mut a = table("a", &[(1, "ADD")]);
        let mut r = Entry::new(1, "RESERVED_1");
        r.reserved = true;
        a.entries.push(r);
        a.entries.push(Entry {
            opcode: 1,
            ..Entry::default()
        });
        let b = table("b", &[(1, "ADD")]);
        assert!(detect(&[a, b], &CheckOptions::new()).conflicts.is_empty());
    }

    #[test]
    fn duplicates_inside_one_table() {
        let a = table("a", &[(1, "ADD"), (1, "SUB"), (2, "MUL"), (3, "MUL")]);
        let r = detect(&[a], &CheckOptions::new());
        assert_eq!(
            kinds(&r),
            vec![
                ConflictKind::DuplicateOpcode,
                ConflictKind::DuplicateMnemonic
            ]
        );
        assert_eq!(r.conflicts[0].entries.len(), 2);
        assert_eq!(
            r.conflicts[1].message,
            "a lists MUL at 2 numbers: 0x02, 0x03"
        );
    }

    #[test]
    fn format_mismatch_compares_layouts_not_letters() {
        let mut a = table("a", &[(1, "MOVI")]);
        a.entries[0].format = Some("D".into());
        let mut b = table("b", &[(1, "MOVI")]);
        b.entries[0].format = Some("F".into());
        // c calls its layout "F" but declares it as the unified D layout: same shape, no conflict.
        let mut c = table("c", &[(1, "MOVI")]);
        c.entries[0].format = Some("F".into());
        c.formats
            .insert("F".into(), Scheme::flux_unified().get("D").unwrap().clone());
        let r = detect(&[a.clone(), c.clone()], &CheckOptions::new());
        assert!(r.conflicts.is_empty(), "{:?}", r.conflicts);
        let r = detect(&[a, b, c], &CheckOptions::new());
        assert_eq!(kinds(&r), vec![ConflictKind::FormatMismatch]);
        assert_eq!(names(&r.conflicts[0]), vec!["a", "b", "c"]);
    }

    #[test]
    fn unknown_letters_are_not_compared_but_reported() {
        let mut a = table("a", &[(1, "MOVI")]);
        a.entries[0].format = Some("X(2)".into());
        let mut b = table("b", &[(1, "MOVI")]);
        b.entries[0].format = Some("D".into());
        let r = detect(&[a, b], &CheckOptions::new());
        assert_eq!(kinds(&r), vec![ConflictKind::UnknownFormat]);
    }

    #[test]
    fn alias_hints_for_near_misses() {
        let r = detect(
            &[
                table("a", &[(5, "STRIPCF")]),
                table("b", &[(5, "STRIPCONF")]),
            ],
            &CheckOptions::new(),
        );
        assert_eq!(
            kinds(&r),
            vec![ConflictKind::NumberCollision, ConflictKind::AliasHint]
        );
        assert_eq!(
            r.conflicts[1].mnemonic.as_deref(),
            Some("STRIPCF/STRIPCONF")
        );
    }

    #[test]
    fn ids_are_content_derived_and_order_free() {
        let t = vec![
            table("a", &[(1, "ADD"), (2, "SUB")]),
            table("b", &[(1, "SUB"), (2, "ADD")]),
            table("c", &[(1, "X")]),
        ];
        let r1 = detect(&t, &CheckOptions::new());
        let rev: Vec<Table> = t.iter().rev().cloned().collect();
        let r2 = detect(&rev, &CheckOptions::new());
        assert_eq!(r1, r2);
        assert!(r1.conflicts.iter().all(|c| c.id.len() == 15));
    }

    fn sized(opcode: u32, name: &str, size: u32) -> Entry {
        let mut e = Entry::new(opcode, name);
        e.size_bytes = Some(size);
        e
    }

    #[test]
    fn size_only_entries_take_part_in_format_mismatch() {
        let two = Table {
            entries: vec![sized(1, "ADD", 2)],
            ..Table::new("two")
        };
        let four = Table {
            entries: vec![sized(1, "ADD", 4)],
            ..Table::new("four")
        };
        let lettered = Table {
            entries: vec![Entry::new(1, "ADD").with_format("E")],
            ..Table::new("lettered")
        };
        let r = detect(&[two.clone(), four.clone()], &CheckOptions::new());
        assert_eq!(kinds(&r), vec![ConflictKind::FormatMismatch]);
        assert!(r.conflicts[0].message.contains("2 bytes (size only)"));
        let r = detect(&[four, lettered.clone()], &CheckOptions::new());
        assert!(r.conflicts.is_empty(), "4 bytes and E (4 bytes) agree");
        let r = detect(&[two, lettered], &CheckOptions::new());
        assert_eq!(kinds(&r), vec![ConflictKind::FormatMismatch]);
    }

    #[test]
    fn prefixes_and_unencodable_numbers_are_encoding_ambiguities() {
        let mut t = Table {
            entries: vec![
                Entry::new(0x01, "MOV").with_format("E"),
                Entry::new(0x80, "HALT").with_format("A"),
                sized(0x100, "WIDE", 4),
            ],
            ..Table::new("t")
        };
        let r = detect(std::slice::from_ref(&t), &CheckOptions::new());
        assert_eq!(kinds(&r), vec![ConflictKind::EncodingAmbiguity]);
        assert!(
            r.conflicts[0].message.contains("WIDE 0x0100"),
            "{}",
            r.conflicts[0].message
        );
        assert_eq!(undecodable(&t, &CheckOptions::new()).len(), 1);

        // Two-byte opcodes make it decodable ...
        t.encoding = crate::Encoding::fixed(2, crate::Endian::Big).unwrap();
        assert!(detect(std::slice::from_ref(&t), &CheckOptions::new())
            .conflicts
            .is_empty());
        // ... and an escape page on MOV's byte makes MOV sit on an escape.
        t.encoding = crate::Encoding::escapes([0x01]).unwrap();
        let r = detect(std::slice::from_ref(&t), &CheckOptions::new());
        assert_eq!(kinds(&r), vec![ConflictKind::EncodingAmbiguity]);
        assert!(r.conflicts[0].message.contains("MOV 0x01"));

        // A layout that leaves a 16-bit opcode is big-endian bytes, and prefix-checked.
        let mut w = Table {
            entries: vec![
                Entry::new(0x01, "ONE").with_format("A"),
                Entry::new(0x0102, "TWO").with_format("W"),
            ],
            ..Table::new("w")
        };
        w.formats.insert(
            "W".into(),
            crate::Layout::new(
                3,
                vec![crate::Field::new("x", 8, crate::FieldKind::Immediate)],
            )
            .unwrap(),
        );
        let r = detect(std::slice::from_ref(&w), &CheckOptions::new());
        assert_eq!(kinds(&r), vec![ConflictKind::EncodingAmbiguity]);
        let c = &r.conflicts[0];
        assert!(
            c.message
                .contains("ONE 0x01 (bytes 01) are a prefix of TWO 0x0102 (bytes 01 02)"),
            "{}",
            c.message
        );
        assert_eq!(c.entries.len(), 2);
    }

    #[test]
    fn undecodable_counts_duplicates_only_between_different_instructions() {
        let same = table("same", &[(5, "X"), (5, "x")]);
        assert!(undecodable(&same, &CheckOptions::new()).is_empty());
        let two = table("two", &[(5, "X"), (5, "Y")]);
        let problems = undecodable(&two, &CheckOptions::new());
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].kind, ConflictKind::DuplicateOpcode);
    }
}
