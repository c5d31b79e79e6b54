//! The comparisons inside one bucket: at one opcode number (`duplicate-opcode` within a table,
//! `number-collision` across tables, `alias-hint`) and for one mnemonic (`duplicate-mnemonic`,
//! `mnemonic-divergence`, `format-mismatch`), with the flat per-table value sets that keep them
//! allocation-free on the common path and the message helpers they share.

use std::collections::BTreeMap;

use crate::mnemonic::near_miss;

use super::detect::{finish, runs, Ctx, Found, FxMap, Local};
use super::{hex_opcode, ConflictKind};

/// Per-table value sets of one bucket, stored flat so that examining a bucket allocates nothing
/// once the buffers have grown: `spans[i] = (table, start, end)` indexes sorted, deduplicated
/// values in `values`.
#[derive(Default)]
struct Sets {
    values: Vec<u32>,
    spans: Vec<(u32, u32, u32)>,
}

impl Sets {
    /// Fills with one set per table run of a bucket's `locals`, skipping runs where `value`
    /// yields nothing.
    fn fill(&mut self, locals: &[Local], value: impl Fn(&Local) -> Option<u32>) {
        self.values.clear();
        self.spans.clear();
        for run in runs(locals) {
            let start = self.values.len();
            self.values.extend(run.iter().filter_map(&value));
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
            self.spans
                .push((run[0].table, start as u32, self.values.len() as u32));
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

    /// (table, set) pairs, borrowed, for building messages where sets differ (a copy of each
    /// table's set was an allocation per table of every large conflict).
    fn sets(&self) -> impl Iterator<Item = (u32, &[u32])> + '_ {
        (0..self.spans.len()).map(|i| (self.spans[i].0, self.get(i)))
    }
}

/// Scratch buffers reused across buckets.
#[derive(Default)]
pub(super) struct Scratch {
    a: Sets,
    b: Sets,
    /// The bucket's items ([`Ctx::gather`]).
    locals: Vec<Local>,
}

/// Duplicate numbers within a table, collisions across tables, alias hints.
pub(super) fn by_number(
    ctx: &Ctx,
    opcode: u32,
    bucket: &[u32],
    scratch: &mut Scratch,
    out: &mut Vec<Found>,
) {
    ctx.gather(bucket, &mut scratch.locals);
    let locals = &scratch.locals;
    for run in runs(locals) {
        if run.len() > 1 {
            let entries = ctx.sorted(run.iter().map(|l| l.index));
            let listed: Vec<String> = entries
                .iter()
                .map(|&i| ctx.entry_ref(i))
                .map(|e| match e.location {
                    Some(loc) => format!("{} ({loc})", e.mnemonic.unwrap_or("?")),
                    None => e.mnemonic.unwrap_or_default().to_string(),
                })
                .collect();
            let message = format!(
                "{} lists opcode {} {} times: {}",
                ctx.table_name(run[0].table),
                hex_opcode(opcode),
                run.len(),
                listed.join(", ")
            );
            out.push(finish(
                ctx,
                ConflictKind::DuplicateOpcode,
                Some(opcode),
                None,
                (entries, None),
                message,
            ));
        }
    }
    scratch.a.fill(locals, |l| Some(l.key));
    if !scratch.a.differ() {
        return;
    }
    let key_sets = &scratch.a;
    let groups = group_by_set(ctx, key_sets.sets(), |set| {
        set.iter()
            .map(|k| &*ctx.keys[*k as usize])
            .collect::<Vec<_>>()
            .join("+")
    });
    let message = format!(
        "opcode {} means different instructions: {}",
        hex_opcode(opcode),
        describe_groups(&groups)
    );
    out.push(finish(
        ctx,
        ConflictKind::NumberCollision,
        Some(opcode),
        None,
        ctx.order(locals),
        message,
    ));

    // Alias hints: near-miss spellings at this number (bounded pairwise comparison).
    let mut distinct: Vec<u32> = key_sets.values.clone();
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
            let entries = ctx.sorted(
                locals
                    .iter()
                    .filter(|l| l.key == a || l.key == b)
                    .map(|l| l.index),
            );
            let message = format!(
                "{ka} and {kb} share opcode {} and look like one instruction spelled two ways; \
                 hint: if they are, add `{kb} = \"{ka}\"` (or the reverse) to an --aliases file",
                hex_opcode(opcode)
            );
            out.push(finish(
                ctx,
                ConflictKind::AliasHint,
                Some(opcode),
                Some(format!("{ka}/{kb}")),
                (entries, None),
                message,
            ));
        }
    }
}

/// Duplicate mnemonics within a table, divergences and format mismatches across tables.
pub(super) fn by_mnemonic(
    ctx: &Ctx,
    key: u32,
    bucket: &[u32],
    scratch: &mut Scratch,
    out: &mut Vec<Found>,
) {
    let name = &ctx.keys[key as usize];
    ctx.gather(bucket, &mut scratch.locals);
    let locals = &scratch.locals;
    scratch.a.fill(locals, |l| Some(l.opcode));
    for (i, run) in runs(locals).enumerate() {
        let numbers = scratch.a.get(i);
        if numbers.len() > 1 {
            let entries = ctx.sorted(run.iter().map(|l| l.index));
            let listed: Vec<String> = numbers.iter().map(|&n| hex_opcode(n)).collect();
            let message = format!(
                "{} lists {name} at {} numbers: {}",
                ctx.table_name(run[0].table),
                numbers.len(),
                listed.join(", ")
            );
            out.push(finish(
                ctx,
                ConflictKind::DuplicateMnemonic,
                None,
                Some(name.to_string()),
                (entries, None),
                message,
            ));
        }
    }
    if scratch.a.differ() {
        let groups = group_by_set(ctx, scratch.a.sets(), |set| {
            set.iter()
                .map(|&n| hex_opcode(n))
                .collect::<Vec<_>>()
                .join("+")
        });
        let message = format!(
            "{name} has different opcode numbers: {}",
            describe_groups(&groups)
        );
        out.push(finish(
            ctx,
            ConflictKind::MnemonicDivergence,
            None,
            Some(name.to_string()),
            ctx.order(locals),
            message,
        ));
    }

    // One comparison rule (resolve::FactKey::differs): operand shapes where both sides have full
    // layouts, operand sizes wherever one side knows only a size.
    scratch.b.fill(locals, |l| ctx.shape(l.layout));
    let shapes_differ = scratch.b.differ();
    scratch.b.fill(locals, |l| ctx.layout_size(l.layout));
    if shapes_differ || scratch.b.differ() {
        let entries = ctx.sorted(
            locals
                .iter()
                .filter(|l| ctx.layout_size(l.layout).is_some())
                .map(|l| l.index),
        );
        // The entries are in name order, so each layout's names arrive sorted, repeats adjacent.
        let mut groups = Groups::new();
        for e in entries.iter().map(|&i| ctx.entry_ref(i)) {
            if let Some(layout) = e.layout {
                let names = groups.entry(format!("[{layout}]")).or_default();
                if names.last() != Some(&e.implementation) {
                    names.push(e.implementation);
                }
            }
        }
        let message = format!("{name} has different layouts: {}", describe_groups(&groups));
        out.push(finish(
            ctx,
            ConflictKind::FormatMismatch,
            None,
            Some(name.to_string()),
            (entries, None),
            message,
        ));
    }
}

/// The implementations holding each set of values, keyed by the set's label: what a map from
/// label to implementations filled table by table holds, built with one label and one name
/// list per distinct set rather than a label string and a name-set insertion per table (at
/// 1,000 tables that was a tenth of `check`). `sets` are in table order, which is name order,
/// so each list comes out sorted; equal names (of tables given twice) have equal ranks, which
/// are compared instead of the names.
fn group_by_set<'c, 's>(
    ctx: &Ctx<'c>,
    sets: impl Iterator<Item = (u32, &'s [u32])>,
    label: impl Fn(&[u32]) -> String,
) -> Groups<'c> {
    // Sets of one value (nearly all) are found by that value, the others by their slice: a
    // slice key costs a `memcmp` call per probe, and a large conflict probes once per table.
    let mut single: FxMap<u32, usize> = FxMap::default();
    let mut index: FxMap<&'s [u32], usize> = FxMap::default();
    // Per distinct set: the names, and the rank of the last one.
    let mut distinct: Vec<(&[u32], Vec<&'c str>, u32)> = Vec::new();
    for (table, set) in sets {
        let name = ctx.tables[table as usize].implementation.as_str();
        let rank = ctx.name_rank(table);
        let next = distinct.len();
        let g = match set {
            [value] => *single.entry(*value).or_insert(next),
            _ => *index.entry(set).or_insert(next),
        };
        if g == next {
            distinct.push((set, Vec::new(), u32::MAX));
        }
        let (_, names, last) = &mut distinct[g];
        if *last != rank {
            names.push(name);
            *last = rank;
        }
    }
    let mut groups = Groups::new();
    for (set, names, _) in distinct {
        match groups.entry(label(set)) {
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(names);
            }
            // Two sets with one label (rare): their lists merged, in order, once each.
            std::collections::btree_map::Entry::Occupied(mut o) => {
                let merged = o.get_mut();
                merged.extend(names);
                merged.sort_unstable();
                merged.dedup();
            }
        }
    }
    groups
}

/// Each value's label with the names of the implementations holding it, sorted and distinct.
type Groups<'c> = BTreeMap<String, Vec<&'c str>>;

/// "value in N implementations (a, b, c, +k more); …", the most widespread value first.
/// Written into one string: a `format!` per part, a name list and a join per group were half a
/// large conflict's message cost, and a conflict over 1,000 tables has dozens of groups.
fn describe_groups(groups: &Groups) -> String {
    use std::fmt::Write;
    let mut parts: Vec<(usize, &String, &Vec<&str>)> = groups
        .iter()
        .map(|(value, impls)| (impls.len(), value, impls))
        .collect();
    // Most widespread view first, ties by value, so the message reads "majority, then others".
    parts.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let mut out = String::new();
    for (i, (n, value, impls)) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        let noun = if *n == 1 {
            "implementation"
        } else {
            "implementations"
        };
        // Writing into a String cannot fail.
        let _ = write!(out, "{value} in {n} {noun} (");
        for (j, name) in impls.iter().take(3).enumerate() {
            if j > 0 {
                out.push_str(", ");
            }
            out.push_str(name);
        }
        if *n > 3 {
            let _ = write!(out, ", +{} more", n - 3);
        }
        out.push(')');
    }
    out
}
