//! The detection pass: one linear pass interns mnemonics and operand facts and flattens every
//! instruction entry into an [`Item`]; items are bucketed by number and by mnemonic (a counting
//! sort, so each bucket stays in table order); each bucket is handed to the comparisons in
//! `compare`, the per-table decodability findings to `decodable`, and the result is sorted.
//! The shared context ([`Ctx`]) and the one constructor of a [`Conflict`] ([`finish`], with its
//! content-derived id) live here because every part uses them.

use std::cell::OnceCell;
use std::sync::Arc;

use crate::format::Scheme;
use crate::resolve::{self, Facts};
use crate::table::{Entry, Location, Table};

use super::compare::{by_mnemonic, by_number, Scratch};
use super::decodable::{encoding_conflicts, unknown_formats, Pending};
use super::{
    CheckOptions, Conflict, ConflictEntry, ConflictKind, ConflictRef, EntryIds, EntryRef,
    LocationRef, Report, Severity, Summary,
};

pub(super) use crate::hash::FxMap;
use xxhash_rust::xxh3::{xxh3_128, xxh3_64};

/// One instruction entry, flattened.
#[derive(Clone, Copy)]
pub(super) struct Item {
    pub(super) table: u32, // rank among tables sorted by implementation name
    pub(super) entry: u32, // index in that table's entries
    pub(super) key: u32,   // interned mnemonic key
    pub(super) opcode: u32,
    pub(super) layout: u32,   // index into `Ctx::layouts`, or NO_LAYOUT
    pub(super) spelling: u32, // interned mnemonic as written, into `Ctx::strings`
    pub(super) format: u32,   // interned format letter, into `Ctx::strings`, or NO_FORMAT
    // Where the entry was read: its file (into `Ctx::files`, or NO_FILE), line and column,
    // copied here from the entry while it is being read, so that the entry views written
    // later need not read the entries, scattered over every table (that read was a tenth of
    // a large `check`).
    file: u32,
    line: u32,
    column: u32,
}

const NO_FILE: u32 = u32::MAX;

const NO_FORMAT: u32 = u32::MAX;

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
    /// XXH3-64 of `text`, for conflict ids (see [`make_id`]).
    hash: u64,
    /// `text` interned: layouts are made per table, and thousands of them are a few texts
    /// (for [`EntryIds::body`]).
    text_id: u32,
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

/// The fields of an item that a bucket's comparisons read, with its index: copied out of
/// the flat items once per bucket ([`Ctx::gather`]). A bucket's items are scattered over
/// every table, and its comparisons read them in several passes (runs, value sets, order,
/// id): copied, the cache misses are taken once, in one pass of independent loads, and the
/// other passes read a few contiguous kilobytes.
#[derive(Clone, Copy)]
pub(super) struct Local {
    pub(super) index: u32,
    pub(super) table: u32,
    pub(super) key: u32,
    pub(super) opcode: u32,
    pub(super) layout: u32,
}

/// Splits a bucket's locals (in table order) into per-table runs.
pub(super) fn runs(locals: &[Local]) -> impl Iterator<Item = &[Local]> + '_ {
    locals.chunk_by(|a, b| a.table == b.table)
}

pub(super) struct Ctx<'a> {
    pub(super) tables: Vec<&'a Table>,
    pub(super) items: Vec<Item>,
    pub(super) keys: Vec<Arc<str>>,
    names: Vec<Arc<str>>,
    /// Per table (in `tables` order, sorted by name), the rank of its name among the distinct
    /// names: comparing ranks orders as comparing the names does, without a `memcmp` per
    /// comparison (sorting a conflict's entries was a tenth of a large `check`).
    name_rank: Vec<u32>,
    layouts: Vec<LayoutInfo>,
    /// XXH3-64 of each name (in `names` order) and key (in `keys` order), for conflict ids
    /// (layouts carry theirs): hashed once here, so that an id hashes a fixed-width record per
    /// entry instead of copying its strings (see [`make_id`]).
    name_hashes: Vec<u64>,
    key_hashes: Vec<u64>,
    /// Mnemonic spellings and format letters, interned: a large report lists the same few
    /// strings in millions of entry views, and each view then shares them instead of copying.
    strings: Vec<Arc<str>>,
    /// The files entries were read from, interned (borrowed from the entries' locations).
    files: Vec<&'a str>,
    pub(super) hint_limit: usize,
    pub(super) scheme: Scheme,
}

impl Ctx<'_> {
    pub(super) fn entry(&self, item: &Item) -> &Entry {
        &self.tables[item.table as usize].entries[item.entry as usize]
    }

    /// A bucket's items, copied into `out` ([`Local`]).
    pub(super) fn gather(&self, bucket: &[u32], out: &mut Vec<Local>) {
        out.clear();
        out.extend(bucket.iter().map(|&index| {
            let item = &self.items[index as usize];
            Local {
                index,
                table: item.table,
                key: item.key,
                opcode: item.opcode,
                layout: item.layout,
            }
        }));
    }

    /// The operand shape of a layout id (`NO_LAYOUT` has none).
    pub(super) fn shape(&self, layout: u32) -> Option<u32> {
        (layout != NO_LAYOUT)
            .then(|| self.layouts[layout as usize].shape)
            .flatten()
    }

    /// The operand size of a layout id (`NO_LAYOUT` has none).
    pub(super) fn layout_size(&self, layout: u32) -> Option<u32> {
        (layout != NO_LAYOUT).then(|| self.layouts[layout as usize].size)
    }

    /// `locals` in [`ConflictEntry`] order: as they are when their tables' name ranks
    /// strictly increase (a bucket is in table order, so this is when no name holds two of
    /// them: nearly always), and then with the locals themselves for the id; else sorted
    /// ([`Ctx::sorted`]).
    pub(super) fn order<'l>(&self, locals: &'l [Local]) -> (Vec<u32>, Option<&'l [Local]>) {
        let rank = |l: &Local| self.name_rank[l.table as usize];
        if locals.windows(2).all(|w| rank(&w[0]) < rank(&w[1])) {
            (locals.iter().map(|l| l.index).collect(), Some(locals))
        } else {
            (self.sorted(locals.iter().map(|l| l.index)), None)
        }
    }

    /// The item's format letter, from the interned copy (the entry itself is not read).
    pub(super) fn format(&self, item: &Item) -> Option<&str> {
        (item.format != NO_FORMAT).then(|| &*self.strings[item.format as usize])
    }

    /// The owned view of one item; `locations` holds each item's location, made once, when the
    /// item first appears in a conflict, and shared by every later view.
    fn view(&self, index: u32, locations: &[OnceCell<Option<Arc<Location>>>]) -> ConflictEntry {
        let item = &self.items[index as usize];
        let entry = self.entry(item);
        ConflictEntry {
            implementation: self.names[item.table as usize].clone(),
            opcode: item.opcode,
            mnemonic: Some(self.strings[item.spelling as usize].clone()),
            key: Some(self.keys[item.key as usize].clone()),
            format: (item.format != NO_FORMAT).then(|| self.strings[item.format as usize].clone()),
            layout: (item.layout != NO_LAYOUT)
                .then(|| self.layouts[item.layout as usize].text.clone()),
            location: locations[index as usize]
                .get_or_init(|| entry.location.clone().map(Arc::new))
                .clone(),
        }
    }

    /// The view of one item, borrowed: the same fields as [`Ctx::view`] makes, nothing copied.
    pub(super) fn entry_ref(&self, index: u32) -> EntryRef<'_> {
        let item = &self.items[index as usize];
        EntryRef {
            implementation: &self.names[item.table as usize],
            opcode: item.opcode,
            mnemonic: Some(&self.strings[item.spelling as usize]),
            key: Some(&self.keys[item.key as usize]),
            format: self.format(item),
            layout: (item.layout != NO_LAYOUT).then(|| &*self.layouts[item.layout as usize].text),
            location: self.location(item),
        }
    }

    /// Where an item's entry was read, from the copy the item holds (it orders as the
    /// entry's own [`Location`] does).
    fn location(&self, item: &Item) -> Option<LocationRef<'_>> {
        (item.file != NO_FILE).then(|| LocationRef {
            file: self.files[item.file as usize],
            line: item.line,
            column: item.column,
        })
    }

    /// Several items in [`ConflictEntry`] order. The sort keys come from the flat items and
    /// the interned strings (the same values as the entries' own fields); a tie on all of
    /// them — one table listing the same instruction twice — is broken by location.
    pub(super) fn sorted(&self, indices: impl Iterator<Item = u32>) -> Vec<u32> {
        let mut indices: Vec<u32> = indices.collect();
        let sort_key = |i: &u32| {
            let item = &self.items[*i as usize];
            (
                self.name_rank[item.table as usize],
                item.opcode,
                &*self.strings[item.spelling as usize],
                &*self.keys[item.key as usize],
                (item.format != NO_FORMAT).then(|| &*self.strings[item.format as usize]),
                (item.layout != NO_LAYOUT).then(|| &*self.layouts[item.layout as usize].text),
            )
        };
        let location = |i: &u32| self.location(&self.items[*i as usize]);
        // Implementation and number nearly always decide (entries of one conflict come from
        // different tables), so they are compared before the string keys are looked up:
        // building every key in full for each comparison was a fifth of detection.
        let head = |i: &u32| {
            let item = &self.items[*i as usize];
            (self.name_rank[item.table as usize], item.opcode)
        };
        indices.sort_by(|a, b| {
            head(a).cmp(&head(b)).then_with(|| {
                sort_key(a)
                    .cmp(&sort_key(b))
                    .then_with(|| location(a).cmp(&location(b)))
            })
        });
        indices
    }

    /// The rank of table `table`'s name among the distinct names.
    pub(super) fn name_rank(&self, table: u32) -> u32 {
        self.name_rank[table as usize]
    }

    pub(super) fn name(&self, item: &Item) -> &str {
        self.table_name(item.table)
    }

    /// The implementation name of table `table` (in `tables` order).
    pub(super) fn table_name(&self, table: u32) -> &str {
        &self.tables[table as usize].implementation
    }
}

/// Where an entry's operand facts come from, for interning (see `detect`): its format
/// letter (interned, or [`NO_FORMAT`]), its size, or nothing.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum FactSource {
    Letter(u32),
    Size(u32),
    None,
}

/// A map keyed by strings that holds the short ones (at most 15 bytes: nearly every mnemonic
/// and format letter) by their bytes and length packed into an integer ([`pack`]), so that a
/// probe compares two integers where a string key costs a hash over bytes and a `memcmp`
/// call per hit (`memcmp` was 3 % of a 1,000 x 256 `check`'s profile, 1 % after).
struct ShortMap<'a, V> {
    short: FxMap<u128, V>,
    long: FxMap<&'a str, V>,
}

impl<'a, V: Copy> ShortMap<'a, V> {
    fn new() -> ShortMap<'a, V> {
        ShortMap {
            short: FxMap::default(),
            long: FxMap::default(),
        }
    }

    /// The value of `s`, made by `make` on first sight.
    #[inline]
    fn get_or_insert_with(&mut self, s: &'a str, make: impl FnOnce() -> V) -> V {
        match pack(s.as_bytes()) {
            Some(key) => *self.short.entry(key).or_insert_with(make),
            None => *self.long.entry(s).or_insert_with(make),
        }
    }
}

/// A string of at most 15 bytes as one integer, distinct for distinct strings: the bytes in
/// at most two overlapping loads per half (a byte loaded twice is dropped by the shift, or
/// tells nothing the length does not), and the length in the top byte.
#[inline]
fn pack(s: &[u8]) -> Option<u128> {
    let n = s.len();
    let half = |at: usize| u64::from(u32::from_le_bytes(s[at..at + 4].try_into().expect("4")));
    let word = |at: usize| u64::from_le_bytes(s[at..at + 8].try_into().expect("8"));
    let (lo, hi) = match n {
        0 => (0, 0),
        1..=3 => (
            u64::from(s[0]) | u64::from(s[n / 2]) << 8 | u64::from(s[n - 1]) << 16,
            0,
        ),
        4..=7 => (half(0) | half(n - 4) << 32, 0),
        8 => (word(0), 0),
        // The last word's first 16 - n bytes are the first word's last ones: shifted out, the
        // bytes 8..n stay in the low n - 8 (at most 7) bytes.
        9..=15 => (word(0), word(n - 8) >> (8 * (16 - n))),
        _ => return None,
    };
    Some(u128::from(lo) | u128::from(hi | (n as u64) << 56) << 64)
}

fn make_id(
    ctx: &Ctx,
    kind: ConflictKind,
    opcode: Option<u32>,
    mnemonic: Option<&str>,
    items: &[u32],
    locals: Option<&[Local]>,
) -> String {
    // Hashed once with XXH3-128 (the id is a 48-bit fingerprint, which a cryptographic hash
    // makes no stronger; SHA-256 was a tenth of a large `check`): the conflict's fields,
    // length-prefixed, then one fixed-width record per entry of the XXH3-64 of its
    // implementation, its number, and the XXH3-64 of its key and of its layout text. Records
    // of fixed width are a few stores each; copying each entry's strings instead was most of
    // the id's cost.
    let mut bytes: Vec<u8> = Vec::with_capacity(64 + items.len() * RECORD);
    for field in [
        kind.as_str().as_bytes(),
        &opcode.map_or([0xFF; 5], |o| {
            let mut b = [0; 5];
            b[1..].copy_from_slice(&o.to_le_bytes());
            b
        }),
        mnemonic.unwrap_or("\u{0}").as_bytes(),
    ] {
        bytes.extend_from_slice(&(field.len() as u32).to_le_bytes());
        bytes.extend_from_slice(field);
    }
    // An entry without a layout hashes as an empty layout text.
    let no_layout = xxh3_64(b"");
    let mut add = |table: u32, opcode: u32, key: u32, layout: u32| {
        let layout = if layout == NO_LAYOUT {
            no_layout
        } else {
            ctx.layouts[layout as usize].hash
        };
        let mut record = [0u8; RECORD];
        record[0..8].copy_from_slice(&ctx.name_hashes[table as usize].to_le_bytes());
        record[8..12].copy_from_slice(&opcode.to_le_bytes());
        record[12..20].copy_from_slice(&ctx.key_hashes[key as usize].to_le_bytes());
        record[20..28].copy_from_slice(&layout.to_le_bytes());
        bytes.extend_from_slice(&record);
    };
    match locals {
        Some(locals) => {
            debug_assert!(locals.iter().map(|l| l.index).eq(items.iter().copied()));
            for l in locals {
                add(l.table, l.opcode, l.key, l.layout);
            }
        }
        None => {
            for &i in items {
                let item = &ctx.items[i as usize];
                add(item.table, item.opcode, item.key, item.layout);
            }
        }
    }
    let digest = xxh3_128(&bytes).to_be_bytes();
    format!("{}-{}", kind.prefix(), crate::hash::hex(&digest[..6]))
}

/// The bytes of one entry's record in a conflict id (see [`make_id`]).
const RECORD: usize = 28;

/// A conflict found, its entries not yet made: the conflict with empty `entries`, and its
/// items in entry order. A large report holds millions of entry views; made only as they are
/// written (see [`Detection`]), they need not all exist at once.
pub(super) struct Found {
    conflict: Conflict,
    items: Vec<u32>,
}

/// The one constructor of a conflict: `items` in entry order (from [`Ctx::sorted`] or
/// [`Ctx::order`]), and `locals` when [`Ctx::order`] gave them (the same items, copied).
pub(super) fn finish(
    ctx: &Ctx,
    kind: ConflictKind,
    opcode: Option<u32>,
    mnemonic: Option<String>,
    (items, locals): (Vec<u32>, Option<&[Local]>),
    message: String,
) -> Found {
    let id = make_id(ctx, kind, opcode, mnemonic.as_deref(), &items, locals);
    Found {
        conflict: Conflict {
            id,
            kind,
            severity: kind.severity(),
            opcode,
            mnemonic,
            // Like the entries, made from the items when read (see `Entries::implementations`).
            implementations: Vec::new(),
            entries: Vec::new(),
            message,
        },
        items,
    }
}

/// The entries of a [`ConflictRef`]: a report's own, or a detection's items made into
/// borrowed views one at a time.
#[derive(Clone, Copy)]
pub(super) enum Entries<'a> {
    Owned(&'a [ConflictEntry]),
    Items(&'a Ctx<'a>, &'a [u32]),
}

impl<'a> Entries<'a> {
    pub(super) fn len(&self) -> usize {
        match self {
            Entries::Owned(e) => e.len(),
            Entries::Items(_, items) => items.len(),
        }
    }

    pub(super) fn iter(self) -> EntryIter<'a> {
        EntryIter(self, 0)
    }

    pub(super) fn get(self, k: usize) -> Option<EntryRef<'a>> {
        match self {
            Entries::Owned(e) => e.get(k).map(ConflictEntry::as_ref),
            Entries::Items(ctx, items) => items.get(k).map(|&index| ctx.entry_ref(index)),
        }
    }

    /// The items' interned parts ([`EntryIds`]); `None` for a report's own entries.
    pub(super) fn ids(self) -> Option<impl ExactSizeIterator<Item = EntryIds> + 'a> {
        let Entries::Items(ctx, items) = self else {
            return None;
        };
        Some(items.iter().map(move |&index| {
            let item = &ctx.items[index as usize];
            EntryIds {
                implementation: ctx.name_rank(item.table),
                body: [
                    item.spelling,
                    item.format,
                    if item.layout == NO_LAYOUT {
                        NO_LAYOUT
                    } else {
                        ctx.layouts[item.layout as usize].text_id
                    },
                ],
                file: (item.file != NO_FILE).then_some(item.file),
                opcode: item.opcode,
                line: item.line,
                column: item.column,
            }
        }))
    }

    /// The distinct implementations of a detection's items, in order; `owned` is a report's
    /// own list. The items are sorted by implementation first, so each name's items are
    /// adjacent: the names are a dedup away, and made as they are read rather than held per
    /// conflict (at 1,000 x 256, 512,000 shared names and 8 MB).
    pub(super) fn implementations(
        self,
        owned: &'a [Arc<str>],
    ) -> impl Iterator<Item = &'a str> + 'a {
        let (owned, items) = match self {
            Entries::Owned(_) => (owned, None),
            Entries::Items(ctx, items) => (&[][..], Some((ctx, items))),
        };
        // By name rank, not table: two tables of one name (given twice) list it once.
        let names = items.into_iter().flat_map(|(ctx, items)| {
            let rank = |i: &u32| ctx.name_rank(ctx.items[*i as usize].table);
            items
                .chunk_by(move |a, b| rank(a) == rank(b))
                .map(|run| ctx.name(&ctx.items[run[0] as usize]))
        });
        owned.iter().map(|n| &**n).chain(names)
    }
}

/// The iterator of [`Entries`].
pub(super) struct EntryIter<'a>(Entries<'a>, usize);

impl<'a> Iterator for EntryIter<'a> {
    type Item = EntryRef<'a>;

    fn next(&mut self) -> Option<EntryRef<'a>> {
        let next = self.0.get(self.1);
        self.1 += usize::from(next.is_some());
        next
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.0.len() - self.1;
        (left, Some(left))
    }
}

impl ExactSizeIterator for EntryIter<'_> {}

/// Detection's result with the entry views not yet made: [`detect`] makes them all into a
/// [`Report`] ([`Detection::into_report`]); a writer can instead read each conflict's
/// entries as it writes them ([`Detection::conflicts`]), borrowed from the tables, so that a
/// report of millions of views never holds them all (at 1,000 × 256, 512,000 views of 96
/// bytes, each with six reference counts taken).
pub struct Detection<'t> {
    ctx: Ctx<'t>,
    found: Vec<Found>,
    summary: Summary,
}

impl<'t> Detection<'t> {
    /// Finds every conflict among `tables` (see the module documentation for the semantics).
    pub fn run(tables: &'t [Table], options: &CheckOptions) -> Detection<'t> {
        run(tables, options)
    }

    /// The counts ([`Report::summary`]).
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// The number of conflicts.
    pub fn len(&self) -> usize {
        self.found.len()
    }

    /// True when nothing conflicts.
    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    /// The conflicts in [`Report::conflicts`] order, their entries made as they are read.
    pub fn conflicts(&self) -> impl ExactSizeIterator<Item = ConflictRef<'_>> {
        self.found.iter().map(|f| ConflictRef {
            conflict: &f.conflict,
            entries: Entries::Items(&self.ctx, &f.items),
        })
    }

    /// Number of conflicts at or above a severity ([`Report::count_at_least`]).
    pub fn count_at_least(&self, severity: Severity) -> usize {
        self.found
            .iter()
            .filter(|f| f.conflict.severity >= severity)
            .count()
    }

    /// Drops the informational conflicts and their counts ([`Report::drop_info`]).
    pub fn drop_info(&mut self) {
        self.found.retain(|f| f.conflict.severity > Severity::Info);
        self.summary.drop_info();
    }

    /// The report, every entry view made.
    pub fn into_report(self) -> Report {
        let Detection {
            ctx,
            found,
            summary,
        } = self;
        // Made here, not with the context: a writer reading borrowed views needs no such
        // cache, and at 1,000 x 256 it was 4 MB of memory touched (a thousand page faults).
        let locations: Vec<OnceCell<Option<Arc<Location>>>> =
            (0..ctx.items.len()).map(|_| OnceCell::new()).collect();
        let conflicts = found
            .into_iter()
            .map(|f| {
                let mut conflict = f.conflict;
                conflict.implementations = Entries::Items(&ctx, &f.items)
                    .implementations(&[])
                    .map(Arc::from)
                    .collect();
                conflict.entries = f.items.iter().map(|&i| ctx.view(i, &locations)).collect();
                debug_assert!(conflict.entries.is_sorted(), "views are built in order");
                conflict
            })
            .collect();
        Report { conflicts, summary }
    }
}

/// The id of `s` in `strings`, adding it on first sight.
fn intern<'a>(ids: &mut ShortMap<'a, u32>, strings: &mut Vec<Arc<str>>, s: &'a str) -> u32 {
    ids.get_or_insert_with(s, || {
        strings.push(Arc::from(s));
        strings.len() as u32 - 1
    })
}

/// Finds every conflict among `tables` (see the module documentation for the semantics).
pub fn detect(tables: &[Table], options: &CheckOptions) -> Report {
    Detection::run(tables, options).into_report()
}

fn run<'t>(tables: &'t [Table], options: &CheckOptions) -> Detection<'t> {
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
    let mut layout_texts: FxMap<Arc<str>, u32> = FxMap::default();
    let mut string_ids: ShortMap<u32> = ShortMap::new();
    let mut strings: Vec<Arc<str>> = Vec::new();
    // Per spelling: its interned string and its key.
    let mut spellings: ShortMap<(u32, u32)> = ShortMap::new();
    let mut summary = Summary {
        tables: tables.len(),
        ..Summary::default()
    };
    let mut buffer = String::new();
    // Files, interned: every entry of a table loaded from one file shares that file's name
    // (one allocation), so the last one seen is nearly always the one.
    let mut files: Vec<&str> = Vec::new();
    let mut file_ids: FxMap<&str, u32> = FxMap::default();
    let mut last_file: Option<(*const u8, u32)> = None;
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
            // The key is a function of the spelling: normalised and looked up once per
            // distinct spelling, not per entry.
            let (spelling, id) = spellings.get_or_insert_with(mnemonic, || {
                let key = options.aliases.key_in(mnemonic, &mut buffer);
                let id = match key_ids.get(key) {
                    Some(&id) => id,
                    None => {
                        let id = keys.len() as u32;
                        keys.push(Arc::from(key));
                        key_ids.insert(key.to_string(), id);
                        id
                    }
                };
                (intern(&mut string_ids, &mut strings, mnemonic), id)
            });
            let format = entry
                .format
                .as_deref()
                .map_or(NO_FORMAT, |f| intern(&mut string_ids, &mut strings, f));
            let facts = resolve::facts_of(table, entry, &options.scheme);
            let bytes = resolve::bytes_of(table, entry, facts);
            let source = match facts {
                Facts::Layout(_) => FactSource::Letter(format),
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
                            // Interned: a repeated text shares the first one's string.
                            let (text, text_id) = match layout_texts.get_key_value(text.as_str()) {
                                Some((t, &id)) => (Arc::clone(t), id),
                                None => {
                                    let t: Arc<str> = Arc::from(text);
                                    let id = layout_texts.len() as u32;
                                    layout_texts.insert(Arc::clone(&t), id);
                                    (t, id)
                                }
                            };
                            layouts.push(LayoutInfo {
                                shape,
                                size,
                                hash: xxh3_64(text.as_bytes()),
                                text,
                                text_id,
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
                spelling,
                format,
                file: entry.location.as_ref().map_or(NO_FILE, |l| {
                    let file: &str = &l.file;
                    match last_file {
                        Some((at, id)) if std::ptr::eq(at, file.as_ptr()) => id,
                        _ => {
                            let id = *file_ids.entry(file).or_insert_with(|| {
                                files.push(file);
                                files.len() as u32 - 1
                            });
                            last_file = Some((file.as_ptr(), id));
                            id
                        }
                    }
                }),
                line: entry.location.as_ref().map_or(0, |l| l.line),
                column: entry.location.as_ref().map_or(0, |l| l.column),
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
    let name_rank: Vec<u32> = sorted
        .iter()
        .scan((0u32, None::<&str>), |(rank, last), t| {
            if last.is_some_and(|l| l != t.implementation) {
                *rank += 1;
            }
            *last = Some(&t.implementation);
            Some(*rank)
        })
        .collect();
    let ctx = Ctx {
        name_rank,
        tables: sorted,
        strings,
        files,
        items,
        name_hashes: sorted_names.iter().map(|n| xxh3_64(n.as_bytes())).collect(),
        key_hashes: keys.iter().map(|k| xxh3_64(k.as_bytes())).collect(),
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
        let (a, b) = (&a.conflict, &b.conflict);
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
    for f in &conflicts {
        *summary.by_severity.entry(f.conflict.severity).or_default() += 1;
        *summary.by_kind.entry(f.conflict.kind).or_default() += 1;
    }
    Detection {
        ctx,
        found: conflicts,
        summary,
    }
}
