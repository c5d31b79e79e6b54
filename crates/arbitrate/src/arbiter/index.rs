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

/// One implementation's placement of one instruction.
#[derive(Debug, Clone)]
pub(super) struct Place {
    pub(super) table: usize,
    /// Sorted, distinct; one number nearly always (inline: a heap vector per place was a
    /// quarter of a million allocations at 1,000 × 256).
    pub(super) numbers: smallvec::SmallVec<[u32; 2]>,
    pub(super) entry: usize,
    /// weight × usage, in thousandths: what moving the instruction costs this implementation.
    pub(super) move_cost: u64,
    /// weight in thousandths: the implementation's vote.
    pub(super) weight: u64,
    /// The operand facts of its (first) entry, from the one resolve step; `None` when nothing
    /// comparable is known (boxed: most places of large inputs know nothing, and places are
    /// moved around while indexing).
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

/// What indexing gathers across tables while [`table_places`] reads each one.
struct Held<'h> {
    /// Numbers reserved by any table (reservations and removed instructions).
    reserved: &'h mut BTreeSet<u32>,
    /// Numbers of removed instructions.
    retired: &'h mut BTreeSet<u32>,
    keys: &'h mut Keys,
}

/// One table's places (table `t`, of weight `weight`), by key id: its live entries merged by
/// key, each with its operand facts, its sorted numbers and its move cost. Its reservations go
/// to `held` in the same pass over its entries, which lie a few hundred bytes apart: a second
/// pass read every entry of every table again.
fn table_places(
    table: &Table,
    t: usize,
    weight: u64,
    options: &Options,
    resolve_options: &ResolveOptions,
    held: &mut Held,
) -> Vec<(usize, Place)> {
    let keys = &mut *held.keys;
    let usage = options.usage.get(&table.implementation);
    // Per table: key id -> position in `mine` (entries of one table merge by key).
    let mut local: FxMap<usize, usize> =
        FxMap::with_capacity_and_hasher(table.entries.len(), Default::default());
    let mut mine: Vec<(usize, Place)> = Vec::with_capacity(table.entries.len());
    type Source<'t> = Result<&'t str, Option<u32>>;
    let mut cache: FxMap<(Source, Option<usize>), Option<std::sync::Arc<Known>>> = FxMap::default();
    let mut buffer = String::new();
    // Removed instructions are reservations, not places.
    for (e, entry) in table.entries.iter().enumerate() {
        if is_reservation(entry) {
            held.reserved.insert(entry.opcode);
            if !entry.reserved {
                held.retired.insert(entry.opcode);
            }
        }
        if !is_live(entry) {
            continue;
        }
        let mnemonic = entry.mnemonic.as_deref().expect("instructions have names");
        let id = keys.id(options.aliases.key_in(mnemonic, &mut buffer));
        let pos = *local.entry(id).or_insert_with(|| {
            // Operand facts from the one resolve step. An entry with nothing known needs
            // no opcode bytes, so it is not resolved further (on large inputs of
            // unencodable numbers, explaining each number dominated indexing).
            let facts = facts_of(table, entry, &options.scheme);
            let known = match facts {
                Facts::Unknown(_) => None,
                _ => {
                    // The facts depend only on the letter (or size) and the opcode width, so
                    // they are resolved and rendered once per table and pair, and shared:
                    // rendering each entry's layout was a tenth of a large arbitration.
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
            mine.push((
                id,
                Place {
                    table: t,
                    numbers: smallvec::SmallVec::new(),
                    entry: e,
                    move_cost: 0,
                    weight,
                    known,
                },
            ));
            mine.len() - 1
        });
        let place = &mut mine[pos].1;
        if !place.numbers.contains(&entry.opcode) {
            place.numbers.push(entry.opcode);
        }
    }
    for (_, place) in &mut mine {
        place.numbers.sort_unstable();
        let uses = match usage {
            Some(counts) => place
                .numbers
                .iter()
                .map(|n| counts.get(n).copied().unwrap_or(0))
                .fold(0u64, u64::saturating_add),
            None => 1,
        };
        place.move_cost = place.weight.saturating_mul(uses);
    }
    mine
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
        // Each table's places, by key id, kept until every key's count is known: then each
        // key's vector is allocated once at its size (grown one place at a time, the vectors
        // of 256 keys shared by 1,000 tables were copied ten times over, a fifth of indexing).
        let mut per_table: Vec<Vec<(usize, Place)>> = Vec::with_capacity(sorted.len());
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
            };
            per_table.push(table_places(
                table,
                t,
                weights[t],
                options,
                &resolve_options,
                &mut held,
            ));
        }
        let mut counts = vec![0usize; keys.keys.len()];
        for &(id, _) in per_table.iter().flatten() {
            counts[id] += 1;
        }
        keys.places_of = counts.into_iter().map(Vec::with_capacity).collect();
        for mine in per_table {
            for (id, place) in mine {
                // Tables are visited in name order, so each key's places stay in table order.
                keys.places_of[id].push(place);
            }
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
        &self.tables[place.table].entries[place.entry]
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
            .filter(|p| p.numbers.contains(&number))
            .map(|p| p.move_cost)
            .fold(0, u64::saturating_add);
        inst.full - savings
    }
}
