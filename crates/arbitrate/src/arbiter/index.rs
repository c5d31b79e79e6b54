//! The instructions of all tables, indexed once (sorted by implementation name, the root of
//! order independence), with the cost model: what moving an instruction costs each
//! implementation (weight × usage, in thousandths), and what a number costs an instruction.

use std::collections::{BTreeMap, BTreeSet};

use isa_core::hash::FxMap;
use isa_core::resolve::{bytes_of, facts_of, resolve_entry, FactKey};
use isa_core::{Entry, Facts, ResolveOptions, Status, Table};

use super::Options;
use crate::cost::Cost;
use crate::error::ArbitrateError;

/// One implementation's placement of one instruction (48 bytes: a large arbitration holds one
/// per entry of every table, and each byte of them is memory touched).
#[derive(Debug, Clone)]
pub(super) struct Place {
    pub(super) table: usize,
    pub(super) entry: u32,
    /// The lowest of its numbers; with `more`, see [`Place::numbers`].
    first: u32,
    /// All its numbers, sorted and distinct, when it has more than one (rare: one table giving
    /// an instruction two numbers), so the common place allocates nothing. Boxed, the field
    /// is one pointer wide where a vector is three.
    #[allow(clippy::box_collection)]
    more: Option<Box<Vec<u32>>>,
    /// weight × usage, in thousandths: what moving the instruction costs this implementation.
    pub(super) move_cost: u64,
    /// weight in thousandths: the implementation's vote.
    pub(super) weight: u64,
    /// The operand facts of its (first) entry, from the one resolve step; `None` when nothing
    /// comparable is known (shared: the facts of one letter are the same for every entry).
    pub(super) known: Option<std::sync::Arc<Known>>,
}

/// What the resolve step knows of one place's operands.
#[derive(Debug, Clone)]
pub(super) struct Known {
    /// The comparison key.
    pub(super) key: FactKey,
    /// The facts rendered for reports.
    pub(super) text: String,
    /// True when the facts are a full layout (not only a size).
    pub(super) full_layout: bool,
}

impl Place {
    pub(super) fn facts(&self) -> Option<&FactKey> {
        self.known.as_ref().map(|k| &k.key)
    }

    /// Its numbers: sorted, distinct, at least one.
    pub(super) fn numbers(&self) -> &[u32] {
        match &self.more {
            Some(all) => all,
            None => std::slice::from_ref(&self.first),
        }
    }

    /// Adds a number the table also gives the instruction (kept unsorted until
    /// [`Place::finish`]).
    fn add(&mut self, number: u32) {
        match &mut self.more {
            Some(all) if !all.contains(&number) => all.push(number),
            Some(_) => {}
            None if number != self.first => {
                self.more = Some(Box::new(vec![self.first, number]));
            }
            None => {}
        }
    }

    /// Sorts its numbers and sets its move cost, once its table has been read.
    fn finish(&mut self, usage: Option<&BTreeMap<u32, u64>>) {
        if let Some(all) = &mut self.more {
            all.sort_unstable();
            self.first = all[0];
        }
        let uses = match usage {
            Some(counts) => self
                .numbers()
                .iter()
                .map(|n| counts.get(n).copied().unwrap_or(0))
                .fold(0u64, u64::saturating_add),
            None => 1,
        };
        self.move_cost = self.weight.saturating_mul(uses);
    }
}

#[derive(Debug, Clone)]
pub(super) struct Inst {
    pub(super) key: String,
    pub(super) places: Vec<Place>,
    pub(super) full: u64,
}

/// The instructions of all tables, indexed once.
pub(super) struct Index<'a> {
    pub(super) tables: Vec<&'a Table>,
    /// The tables' implementation names, shared by every decision's votes.
    pub(super) names: Vec<std::sync::Arc<str>>,
    pub(super) insts: Vec<Inst>,
    pub(super) reserved: BTreeSet<u32>,
    /// Numbers of removed instructions (a subset of `reserved`): never an escape either, since
    /// old bytecode holding them must not start reading as a prefix.
    pub(super) retired: BTreeSet<u32>,
    /// One-byte escape prefixes the inputs declare in their `encoding`, with how many declare each.
    pub(super) declared_escapes: BTreeMap<u32, usize>,
    pub(super) weights: Vec<u64>,
}

pub(super) fn known(tables: &[&Table]) -> Vec<String> {
    tables.iter().map(|t| t.implementation.clone()).collect()
}

pub(super) fn check_name(
    tables: &[&Table],
    what: &str,
    name: &str,
) -> Result<usize, ArbitrateError> {
    tables
        .iter()
        .position(|t| t.implementation == name)
        .ok_or_else(|| ArbitrateError::UnknownImplementation {
            what: what.to_string(),
            name: name.to_string(),
            known: known(tables),
        })
}

/// True when an entry takes part in arbitration as an instruction. Removed instructions keep
/// their number reserved forever, so they count as reservations.
pub(super) fn is_live(entry: &Entry) -> bool {
    entry.is_instruction() && entry.status != Some(Status::Removed)
}

pub(super) fn is_reservation(entry: &Entry) -> bool {
    entry.reserved || (entry.is_instruction() && entry.status == Some(Status::Removed))
}

/// The tables sorted by implementation name; no tables, or two with one name, are an error.
fn sorted_tables(tables: &[Table]) -> Result<Vec<&Table>, ArbitrateError> {
    if tables.is_empty() {
        return Err(ArbitrateError::NoTables);
    }
    // Sorting by name first is what makes every later tie-break independent of input order.
    let mut sorted: Vec<&Table> = tables.iter().collect();
    sorted.sort_by(|a, b| a.implementation.cmp(&b.implementation));
    for pair in sorted.windows(2) {
        if pair[0].implementation == pair[1].implementation {
            return Err(ArbitrateError::DuplicateImplementation(
                pair[0].implementation.clone(),
            ));
        }
    }
    Ok(sorted)
}

/// Each (sorted) table's weight in thousandths, after checking the names and values of the
/// weights, the usage counts and the spec.
fn checked_weights(sorted: &[&Table], options: &Options) -> Result<Vec<u64>, ArbitrateError> {
    let mut weights = vec![Cost::SCALE; sorted.len()];
    for (name, &w) in &options.weights {
        let t = check_name(sorted, "a weight", name)?;
        if !w.is_finite() || !(0.0..=crate::MAX_WEIGHT).contains(&w) {
            return Err(ArbitrateError::BadWeight {
                name: name.clone(),
                value: w,
            });
        }
        weights[t] = (w * Cost::SCALE as f64).round() as u64;
    }
    for (name, counts) in &options.usage {
        check_name(sorted, "the usage file", name)?;
        if let Some((&opcode, &value)) = counts.iter().find(|(_, &c)| c > crate::MAX_USAGE) {
            return Err(ArbitrateError::BadUsage {
                name: name.clone(),
                opcode,
                value,
            });
        }
    }
    if let Some(spec) = &options.spec {
        check_name(sorted, "--spec", spec)?;
    }
    Ok(weights)
}

/// The instruction keys of all tables, interned in first-seen order, with each key's places.
#[derive(Default)]
struct Keys {
    ids: FxMap<String, usize>,
    keys: Vec<String>,
    /// Each key's places, filled once every table has been read (see `Index::build`).
    places_of: Vec<Vec<Place>>,
}

impl Keys {
    /// The id of `key`, interned (copied) on first sight only.
    fn id(&mut self, key: &str) -> usize {
        match self.ids.get(key) {
            Some(&id) => id,
            None => {
                let id = self.keys.len();
                self.ids.insert(key.to_string(), id);
                self.keys.push(key.to_string());
                id
            }
        }
    }

    /// The instructions, sorted by key.
    fn into_insts(self) -> Vec<Inst> {
        let Keys {
            keys,
            mut places_of,
            ..
        } = self;
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_unstable_by(|&a, &b| keys[a].cmp(&keys[b]));
        let mut keys: Vec<Option<String>> = keys.into_iter().map(Some).collect();
        order
            .into_iter()
            .map(|id| {
                let places = std::mem::take(&mut places_of[id]);
                debug_assert!(
                    places.windows(2).all(|w| w[0].table < w[1].table),
                    "one place per table, in table order (`Ctx::winner` searches them)"
                );
                let full = places
                    .iter()
                    .map(|p| p.move_cost)
                    .fold(0u64, u64::saturating_add);
                Inst {
                    key: keys[id].take().expect("each key once"),
                    places,
                    full,
                }
            })
            .collect()
    }
}

/// What indexing gathers across tables while [`key_ids`] reads each one.
struct Held<'h> {
    /// Numbers reserved by any table (reservations and removed instructions).
    reserved: &'h mut BTreeSet<u32>,
    /// Numbers of removed instructions.
    retired: &'h mut BTreeSet<u32>,
    keys: &'h mut Keys,
    /// Per key id: how many tables have it, and the last table counted.
    counts: &'h mut Vec<(usize, usize)>,
}

/// No key: the entry is not a live instruction.
const NO_KEY: u32 = u32::MAX;

/// The first pass over table `t`: each entry's key id (interned; [`NO_KEY`] for entries that
/// are not live instructions) appended to `ids`, each key counted once per table, and the
/// table's reservations gathered. Only the counts tell how many places each key will have, so
/// the places are made in a second pass, into vectors of exactly that size (growing them, or
/// keeping every table's places until the end to copy them over, touched twice the memory).
fn key_ids(table: &Table, t: usize, options: &Options, held: &mut Held, ids: &mut Vec<u32>) {
    let mut buffer = String::new();
    for entry in &table.entries {
        if is_reservation(entry) {
            held.reserved.insert(entry.opcode);
            if !entry.reserved {
                held.retired.insert(entry.opcode);
            }
        }
        if !is_live(entry) {
            ids.push(NO_KEY);
            continue;
        }
        let mnemonic = entry.mnemonic.as_deref().expect("instructions have names");
        let id = held.keys.id(options.aliases.key_in(mnemonic, &mut buffer));
        if id == held.counts.len() {
            held.counts.push((0, usize::MAX));
        }
        let count = &mut held.counts[id];
        if count.1 != t {
            *count = (count.0 + 1, t);
        }
        ids.push(u32::try_from(id).expect("fewer than 2^32 keys"));
    }
}

/// The second pass over table `t` (of weight `weight`): its live entries merged by key into
/// places, each with its operand facts, its sorted numbers and its move cost, appended to
/// `places_of` (tables come in order, so a key's place for this table, once made, is the last
/// of its vector). `ids` are the entries' key ids from [`key_ids`]; `touched` is scratch.
#[allow(clippy::too_many_arguments)]
fn table_places(
    table: &Table,
    t: usize,
    weight: u64,
    ids: &[u32],
    options: &Options,
    resolve_options: &ResolveOptions,
    places_of: &mut [Vec<Place>],
    touched: &mut Vec<u32>,
) {
    type Source<'t> = Result<&'t str, Option<u32>>;
    let mut cache: FxMap<(Source, Option<usize>), Option<std::sync::Arc<Known>>> = FxMap::default();
    touched.clear();
    for (e, (entry, &id)) in table.entries.iter().zip(ids).enumerate() {
        if id == NO_KEY {
            continue;
        }
        let places = &mut places_of[id as usize];
        if let Some(place) = places.last_mut().filter(|p| p.table == t) {
            place.add(entry.opcode);
            continue;
        }
        // Operand facts from the one resolve step. An entry with nothing known needs no
        // opcode bytes, so it is not resolved further (on large inputs of unencodable
        // numbers, explaining each number dominated indexing).
        let facts = facts_of(table, entry, &options.scheme);
        let known = match facts {
            Facts::Unknown(_) => None,
            _ => {
                // The facts depend only on the letter (or size) and the opcode width, so they
                // are resolved and rendered once per table and pair, and shared: rendering
                // each entry's layout was a tenth of a large arbitration.
                let source = match facts {
                    Facts::Layout(_) => Ok(entry.format.as_deref().unwrap_or("")),
                    _ => Err(entry.size_bytes),
                };
                let width = bytes_of(table, entry, facts).ok().map(|b| b.len());
                cache
                    .entry((source, width))
                    .or_insert_with(|| {
                        let inst = resolve_entry(table, e, entry, resolve_options);
                        inst.fact_key().map(|key| {
                            std::sync::Arc::new(Known {
                                key,
                                text: inst.layout_text().unwrap_or_default(),
                                full_layout: inst.layout().is_some(),
                            })
                        })
                    })
                    .clone()
            }
        };
        places.push(Place {
            table: t,
            entry: u32::try_from(e).expect("fewer than 2^32 entries in a table"),
            first: entry.opcode,
            more: None,
            move_cost: 0,
            weight,
            known,
        });
        touched.push(id);
    }
    let usage = options.usage.get(&table.implementation);
    for &id in touched.iter() {
        places_of[id as usize]
            .last_mut()
            .expect("made above")
            .finish(usage);
    }
}

impl<'a> Index<'a> {
    pub(super) fn build(
        tables: &'a [Table],
        options: &Options,
    ) -> Result<Index<'a>, ArbitrateError> {
        let sorted = sorted_tables(tables)?;
        let weights = checked_weights(&sorted, options)?;

        let resolve_options = ResolveOptions::new(&options.scheme, &options.aliases);
        let mut reserved = BTreeSet::new();
        let mut retired = BTreeSet::new();
        let mut declared_escapes: BTreeMap<u32, usize> = BTreeMap::new();
        // Keys are interned through a hash map (first-seen ids) and sorted once at the end:
        // string-keyed ordered maps per entry dominated indexing on large inputs.
        let mut keys = Keys::default();
        let mut counts = Vec::new();
        let mut ids: Vec<u32> = Vec::with_capacity(sorted.iter().map(|t| t.entries.len()).sum());
        for (t, table) in sorted.iter().enumerate() {
            // A nested escape (0x0F38) is declared together with its leading byte, which is
            // what a one-byte escape choice can follow.
            for &e in table.encoding.escape_list().iter().filter(|&&e| e <= 0xFF) {
                *declared_escapes.entry(e).or_default() += 1;
            }
            let mut held = Held {
                reserved: &mut reserved,
                retired: &mut retired,
                keys: &mut keys,
                counts: &mut counts,
            };
            key_ids(table, t, options, &mut held, &mut ids);
        }
        keys.places_of = counts
            .into_iter()
            .map(|(n, _)| Vec::with_capacity(n))
            .collect();
        let (mut at, mut touched) = (0, Vec::new());
        for (t, table) in sorted.iter().enumerate() {
            let n = table.entries.len();
            // Tables are visited in name order, so each key's places stay in table order.
            table_places(
                table,
                t,
                weights[t],
                &ids[at..at + n],
                options,
                &resolve_options,
                &mut keys.places_of,
                &mut touched,
            );
            at += n;
        }
        let insts = keys.into_insts();
        let names = sorted
            .iter()
            .map(|t| std::sync::Arc::from(t.implementation.as_str()))
            .collect();
        Ok(Index {
            names,
            tables: sorted,
            insts,
            reserved,
            retired,
            declared_escapes,
            weights,
        })
    }

    pub(super) fn entry(&self, place: &Place) -> &Entry {
        &self.tables[place.table].entries[place.entry as usize]
    }

    pub(super) fn name(&self, table: usize) -> &str {
        &self.tables[table].implementation
    }

    pub(super) fn key_index(&self, key: &str) -> Option<usize> {
        self.insts
            .binary_search_by(|i| i.key.as_str().cmp(key))
            .ok()
    }

    /// What placing instruction `i` at `number` costs: every implementation that does not
    /// already have it there moves it.
    pub(super) fn cost(&self, i: usize, number: u32) -> u64 {
        let inst = &self.insts[i];
        let savings: u64 = inst
            .places
            .iter()
            .filter(|p| p.numbers().contains(&number))
            .map(|p| p.move_cost)
            .fold(0, u64::saturating_add);
        inst.full - savings
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Strategy;
    use isa_core::Entry;

    fn table(name: &str, ops: &[(u32, &str)]) -> Table {
        let mut t = Table::new(name);
        t.entries = ops.iter().map(|&(n, m)| Entry::new(n, m)).collect();
        t
    }

    /// A place stays one pointer short of a cache line's worth: a large arbitration holds one
    /// per entry.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_place_is_48_bytes() {
        assert_eq!(std::mem::size_of::<Place>(), 48);
    }

    #[test]
    fn one_place_per_table_and_key_with_sorted_distinct_numbers_and_their_usage() {
        // Table `b` is listed first but sorts second; `a` gives ADD three numbers, one twice.
        let tables = vec![
            table("b", &[(3, "ADD")]),
            table("a", &[(7, "ADD"), (1, "SUB"), (3, "ADD"), (7, "ADD")]),
        ];
        let mut options = Options::new(Strategy::Optimal);
        options
            .usage
            .insert("a".into(), BTreeMap::from([(3, 10), (7, 5)]));
        let index = Index::build(&tables, &options).unwrap();
        let keys: Vec<&str> = index.insts.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, ["ADD", "SUB"]);
        let add = &index.insts[0].places;
        let seen: Vec<(&str, &[u32], u32, u64)> = add
            .iter()
            .map(|p| (index.name(p.table), p.numbers(), p.entry, p.move_cost))
            .collect();
        assert_eq!(
            seen,
            [
                // Its first entry, both numbers once, weight × the uses of both.
                ("a", &[3, 7][..], 0, Cost::SCALE * 15),
                // No usage counts: one use.
                ("b", &[3][..], 0, Cost::SCALE),
            ]
        );
        assert_eq!(index.insts[0].full, Cost::SCALE * 16);
        let sub = &index.insts[1].places;
        assert_eq!(sub.len(), 1);
        assert_eq!((sub[0].numbers(), sub[0].entry), (&[1][..], 1));
    }
}
