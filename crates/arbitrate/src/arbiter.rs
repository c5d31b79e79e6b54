//! The arbiter: manual decisions, agreed numbers, then a strategy's matching.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use isa_core::conflict::hex_opcode;
use isa_core::{Aliases, Entry, Layout, Location, Scheme, Status, Table};
use pathfinding::prelude::{kuhn_munkres, Matrix};

use crate::cost::Cost;
use crate::error::ArbitrateError;

/// How conflicting numbers are resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strategy {
    /// The implementation registered first wins (by `registered` date; undated tables count as
    /// newest; ties by implementation name).
    Oldest,
    /// The number with the most weighted votes wins (weight 1 unless given).
    Voting,
    /// The implementation with the most instructions wins (ties by name).
    Largest,
    /// One table is authoritative; the others only fill instructions it lacks (by voting).
    Spec,
    /// The consistent numbering with the least total weighted renumbering cost.
    Optimal,
}

impl Strategy {
    /// Every strategy.
    pub const ALL: [Strategy; 5] = [
        Strategy::Oldest,
        Strategy::Voting,
        Strategy::Largest,
        Strategy::Spec,
        Strategy::Optimal,
    ];

    /// Lower-case name used on the command line and in decision records.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Oldest => "oldest",
            Strategy::Voting => "voting",
            Strategy::Largest => "largest",
            Strategy::Spec => "spec",
            Strategy::Optimal => "optimal",
        }
    }

    /// Parses a lower-case name.
    pub fn parse(text: &str) -> Option<Strategy> {
        Strategy::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A maintainer's decision that overrides every strategy (recorded with strategy `manual`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ManualDecision {
    /// The mnemonic (compared by alias key, like everywhere else).
    pub mnemonic: String,
    /// The number it gets.
    pub opcode: u32,
    /// Why, in the maintainer's words.
    pub rationale: Option<String>,
    /// Format letter to use instead of the strategy's choice.
    pub format: Option<String>,
    /// Category to use instead of the strategy's choice.
    pub category: Option<String>,
    /// Where the decision was written, for error messages.
    pub location: Option<Location>,
}

/// Everything arbitration needs besides the tables.
#[derive(Debug, Clone)]
pub struct Options {
    /// The strategy for conflicted instructions.
    pub strategy: Strategy,
    /// Implementation weights (voting and optimal cost); 1 when absent.
    pub weights: BTreeMap<String, f64>,
    /// The authoritative table for [`Strategy::Spec`].
    pub spec: Option<String>,
    /// Per-implementation usage counts by opcode number. An implementation listed here uses
    /// exactly these counts (an opcode it does not list was used 0 times); an implementation
    /// not listed counts every instruction once.
    pub usage: BTreeMap<String, BTreeMap<u32, u64>>,
    /// Manual decisions, applied before anything else.
    pub decisions: Vec<ManualDecision>,
    /// Mnemonic aliases (identity of instructions).
    pub aliases: Aliases,
    /// Scheme for format letters a table does not declare.
    pub scheme: Scheme,
    /// Implementation name of the canonical table.
    pub name: String,
}

impl Options {
    /// Defaults: no weights, usage, decisions or aliases; FLUX unified scheme; the canonical
    /// table is called `canonical`.
    pub fn new(strategy: Strategy) -> Options {
        Options {
            strategy,
            weights: BTreeMap::new(),
            spec: None,
            usage: BTreeMap::new(),
            decisions: Vec::new(),
            aliases: Aliases::new(),
            scheme: Scheme::flux_unified(),
            name: "canonical".to_string(),
        }
    }
}

/// One byte layout proposed for an instruction and the implementations proposing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutVariant {
    /// The layout, rendered (`3 bytes: op8 rd:reg8 imm:simm8`).
    pub layout: String,
    /// Implementations using it, sorted.
    pub implementations: Vec<String>,
}

/// Why one instruction got its number (and format).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The instruction (comparison key).
    pub mnemonic: String,
    /// The canonical number.
    pub opcode: u32,
    /// `manual`, or the strategy that decided.
    pub strategy: String,
    /// The implementation whose proposal won, when one did.
    pub winner: Option<String>,
    /// Each implementation's number for the instruction (its lowest, if it lists several).
    pub votes: BTreeMap<String, u32>,
    /// One sentence on why.
    pub rationale: String,
    /// What this choice costs the implementations (weight × usage of every mover).
    pub cost: Cost,
    /// The distinct known layouts proposed; more than one means a layout disagreement.
    pub layouts: Vec<LayoutVariant>,
}

impl Decision {
    /// True when implementations give the instruction different byte layouts.
    pub fn layout_disagreement(&self) -> bool {
        self.layouts.len() > 1
    }
}

/// The result of [`arbitrate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The canonical table: consistent, entries sorted by number, reserved numbers listed as
    /// reserved entries.
    pub canonical: Table,
    /// Every instruction that needed deciding (number conflicts, manual decisions, layout
    /// disagreements), sorted by number.
    pub decisions: Vec<Decision>,
    /// Total renumbering cost over all instructions.
    pub cost: Cost,
    /// Width of the canonical opcode space in bits (8, 16 or 32).
    pub space_bits: u32,
}

/// One implementation's placement of one instruction.
#[derive(Debug, Clone)]
struct Place {
    table: usize,
    numbers: Vec<u32>,
    entry: usize,
    /// weight × usage, in thousandths: what moving the instruction costs this implementation.
    move_cost: u64,
    /// weight in thousandths: the implementation's vote.
    weight: u64,
}

#[derive(Debug, Clone)]
struct Inst {
    key: String,
    places: Vec<Place>,
    full: u64,
}

/// A proposal: instruction `inst` at `number`, made by `voters`.
#[derive(Debug, Clone)]
struct Edge {
    inst: usize,
    number: u32,
    voters: Vec<usize>,
    savings: u64,
    votes: u64,
}

/// The instructions of all tables, indexed once.
struct Index<'a> {
    tables: Vec<&'a Table>,
    insts: Vec<Inst>,
    reserved: BTreeSet<u32>,
    weights: Vec<u64>,
}

fn known(tables: &[&Table]) -> Vec<String> {
    tables.iter().map(|t| t.implementation.clone()).collect()
}

fn check_name(tables: &[&Table], what: &str, name: &str) -> Result<usize, ArbitrateError> {
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
fn is_live(entry: &Entry) -> bool {
    entry.is_instruction() && entry.status != Some(Status::Removed)
}

fn is_reservation(entry: &Entry) -> bool {
    entry.reserved || (entry.is_instruction() && entry.status == Some(Status::Removed))
}

impl<'a> Index<'a> {
    fn build(tables: &'a [Table], options: &Options) -> Result<Index<'a>, ArbitrateError> {
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
        let mut weights = vec![Cost::SCALE; sorted.len()];
        for (name, &w) in &options.weights {
            let t = check_name(&sorted, "a weight", name)?;
            if !w.is_finite() || w < 0.0 {
                return Err(ArbitrateError::BadWeight {
                    name: name.clone(),
                    value: w,
                });
            }
            weights[t] = (w * Cost::SCALE as f64).round() as u64;
        }
        for name in options.usage.keys() {
            check_name(&sorted, "the usage file", name)?;
        }
        if let Some(spec) = &options.spec {
            check_name(&sorted, "--spec", spec)?;
        }

        let mut reserved = BTreeSet::new();
        // Keys are interned through a hash map (first-seen ids) and sorted once at the end:
        // string-keyed ordered maps per entry dominated indexing on large inputs.
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut keys: Vec<String> = Vec::new();
        let mut places_of: Vec<Vec<Place>> = Vec::new();
        for (t, table) in sorted.iter().enumerate() {
            let usage = options.usage.get(&table.implementation);
            // Per table: key id -> position in `mine` (entries of one table merge by key).
            let mut local: HashMap<usize, usize> = HashMap::new();
            let mut mine: Vec<(usize, Place)> = Vec::new();
            for (e, entry) in table.entries.iter().enumerate() {
                if is_reservation(entry) {
                    reserved.insert(entry.opcode);
                }
                if !is_live(entry) {
                    continue;
                }
                let key = options
                    .aliases
                    .key(entry.mnemonic.as_deref().expect("instructions have names"));
                let id = match ids.get(&key) {
                    Some(&id) => id,
                    None => {
                        let id = keys.len();
                        ids.insert(key.clone(), id);
                        keys.push(key);
                        places_of.push(Vec::new());
                        id
                    }
                };
                let pos = *local.entry(id).or_insert_with(|| {
                    mine.push((
                        id,
                        Place {
                            table: t,
                            numbers: Vec::new(),
                            entry: e,
                            move_cost: 0,
                            weight: weights[t],
                        },
                    ));
                    mine.len() - 1
                });
                let place = &mut mine[pos].1;
                if !place.numbers.contains(&entry.opcode) {
                    place.numbers.push(entry.opcode);
                }
            }
            for (id, mut place) in mine {
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
                // Tables are visited in name order, so each key's places stay in table order.
                places_of[id].push(place);
            }
        }
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_unstable_by(|&a, &b| keys[a].cmp(&keys[b]));
        let mut keys: Vec<Option<String>> = keys.into_iter().map(Some).collect();
        let insts = order
            .into_iter()
            .map(|id| {
                let places = std::mem::take(&mut places_of[id]);
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
            .collect();
        Ok(Index {
            tables: sorted,
            insts,
            reserved,
            weights,
        })
    }

    fn entry(&self, place: &Place) -> &Entry {
        &self.tables[place.table].entries[place.entry]
    }

    fn name(&self, table: usize) -> &str {
        &self.tables[table].implementation
    }

    fn key_index(&self, key: &str) -> Option<usize> {
        self.insts
            .binary_search_by(|i| i.key.as_str().cmp(key))
            .ok()
    }

    /// What placing instruction `i` at `number` costs: every implementation that does not
    /// already have it there moves it.
    fn cost(&self, i: usize, number: u32) -> u64 {
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

/// The strategy-specific order of implementations (lower is stronger), for oldest and largest.
fn implementation_ranks(index: &Index, strategy: Strategy) -> Vec<usize> {
    let n = index.tables.len();
    let mut order: Vec<usize> = (0..n).collect();
    match strategy {
        Strategy::Oldest => order.sort_by(|&a, &b| {
            let (ta, tb) = (index.tables[a], index.tables[b]);
            // Undated tables count as the newest: a date is evidence, its absence is not.
            (ta.registered.is_none(), ta.registered, &ta.implementation).cmp(&(
                tb.registered.is_none(),
                tb.registered,
                &tb.implementation,
            ))
        }),
        Strategy::Largest => {
            let sizes: Vec<usize> = index
                .tables
                .iter()
                .map(|t| t.entries.iter().filter(|e| is_live(e)).count())
                .collect();
            order.sort_by(|&a, &b| {
                (std::cmp::Reverse(sizes[a]), &index.tables[a].implementation)
                    .cmp(&(std::cmp::Reverse(sizes[b]), &index.tables[b].implementation))
            });
        }
        _ => {}
    }
    let mut rank = vec![0; n];
    for (r, t) in order.into_iter().enumerate() {
        rank[t] = r;
    }
    rank
}

struct Ctx<'a> {
    index: Index<'a>,
    options: &'a Options,
    spec: Option<usize>,
    rank: Vec<usize>,
}

impl Ctx<'_> {
    /// The greedy sort key of a proposal: lower is decided first.
    fn score(&self, edge: &Edge) -> (u64, u64) {
        let best_rank = || {
            edge.voters
                .iter()
                .map(|&t| self.rank[t])
                .min()
                .unwrap_or(usize::MAX) as u64
        };
        match self.options.strategy {
            Strategy::Oldest | Strategy::Largest => (best_rank(), 0),
            Strategy::Voting | Strategy::Optimal => (u64::MAX - edge.votes, 0),
            Strategy::Spec => {
                let from_spec = self.spec.is_some_and(|s| edge.voters.contains(&s));
                (u64::from(!from_spec), u64::MAX - edge.votes)
            }
        }
    }

    /// The implementation credited with a proposal.
    fn winner(&self, edge: &Edge) -> usize {
        let inst = &self.index.insts[edge.inst];
        match self.options.strategy {
            Strategy::Oldest | Strategy::Largest => *edge
                .voters
                .iter()
                .min_by_key(|&&t| self.rank[t])
                .expect("proposals have voters"),
            Strategy::Spec if self.spec.is_some_and(|s| edge.voters.contains(&s)) => {
                self.spec.expect("checked")
            }
            Strategy::Optimal => {
                // The implementation that would pay most for a move is the one the choice serves.
                let cost = |t: usize| {
                    inst.places
                        .iter()
                        .find(|p| p.table == t)
                        .map_or(0, |p| p.move_cost)
                };
                *edge
                    .voters
                    .iter()
                    .min_by_key(|&&t| (std::cmp::Reverse(cost(t)), t))
                    .expect("proposals have voters")
            }
            _ => *edge
                .voters
                .iter()
                .min_by_key(|&&t| (std::cmp::Reverse(self.index.weights[t]), t))
                .expect("proposals have voters"),
        }
    }
}

fn space_bits_for(max: u32, needed: u64) -> u32 {
    let mut bits = if max <= 0xFF {
        8
    } else if max <= 0xFFFF {
        16
    } else {
        32
    };
    while bits < 32 && needed > 1u64 << bits {
        bits = if bits == 8 { 16 } else { 32 };
    }
    bits
}

/// How an instruction got its number.
#[derive(Debug, Clone)]
enum How {
    Manual(usize),
    Agreed,
    Proposal(Edge),
    Free { taken_by: Vec<(u32, usize)> },
}

/// Decides one consistent canonical table from `tables`.
///
/// Errors only on unusable input (duplicate implementation names, unknown names in options,
/// impossible manual decisions); conflicts themselves never fail arbitration.
pub fn arbitrate(tables: &[Table], options: &Options) -> Result<Outcome, ArbitrateError> {
    let index = Index::build(tables, options)?;
    let spec = match (options.strategy, &options.spec) {
        (Strategy::Spec, None) => return Err(ArbitrateError::SpecMissing),
        (_, Some(name)) => Some(check_name(&index.tables, "--spec", name)?),
        _ => None,
    };
    let rank = implementation_ranks(&index, options.strategy);
    let ctx = Ctx {
        index,
        options,
        spec,
        rank,
    };
    let index = &ctx.index;
    let n_inst = index.insts.len();
    let mut assigned: Vec<Option<(u32, How)>> = vec![None; n_inst];
    let mut taken: HashMap<u32, usize> = HashMap::new();

    // 1. Manual decisions.
    for (d, decision) in options.decisions.iter().enumerate() {
        let bad = |message: String| ArbitrateError::BadDecision {
            mnemonic: decision.mnemonic.clone(),
            message,
            location: decision.location.clone(),
        };
        let key = options.aliases.key(&decision.mnemonic);
        let i = index
            .key_index(&key)
            .ok_or_else(|| bad(format!("no table has an instruction {key}")))?;
        if index.reserved.contains(&decision.opcode) {
            return Err(bad(format!(
                "{} is reserved and is never handed out",
                hex_opcode(decision.opcode)
            )));
        }
        if assigned[i].is_some() {
            return Err(bad(format!("{key} is decided twice")));
        }
        if let Some(&other) = taken.get(&decision.opcode) {
            return Err(bad(format!(
                "{} is already given to {}",
                hex_opcode(decision.opcode),
                index.insts[other].key
            )));
        }
        assigned[i] = Some((decision.opcode, How::Manual(d)));
        taken.insert(decision.opcode, i);
    }

    // Who proposes each number (for the agreed-number test and the proposal graph).
    let mut claims: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, inst) in index.insts.iter().enumerate() {
        let numbers: BTreeSet<u32> = inst
            .places
            .iter()
            .flat_map(|p| p.numbers.iter().copied())
            .collect();
        for n in numbers {
            claims.entry(n).or_default().push(i);
        }
    }

    // 2. Agreed numbers: one number everywhere, claimed by nobody else, not reserved.
    for (i, inst) in index.insts.iter().enumerate() {
        if assigned[i].is_some() {
            continue;
        }
        let first = inst.places[0].numbers[0];
        let agreed = inst.places.iter().all(|p| p.numbers == [first])
            && !index.reserved.contains(&first)
            && !taken.contains_key(&first)
            && claims.get(&first).is_some_and(|c| c.len() == 1);
        if agreed {
            assigned[i] = Some((first, How::Agreed));
            taken.insert(first, i);
        }
    }

    // 3. Proposals for the rest.
    let mut edges: Vec<Edge> = Vec::new();
    for (i, inst) in index.insts.iter().enumerate() {
        if assigned[i].is_some() {
            continue;
        }
        let mut by_number: BTreeMap<u32, Vec<&Place>> = BTreeMap::new();
        for p in &inst.places {
            for &n in &p.numbers {
                by_number.entry(n).or_default().push(p);
            }
        }
        for (number, places) in by_number {
            if index.reserved.contains(&number) || taken.contains_key(&number) {
                continue;
            }
            edges.push(Edge {
                inst: i,
                number,
                voters: places.iter().map(|p| p.table).collect(),
                savings: places
                    .iter()
                    .map(|p| p.move_cost)
                    .fold(0, u64::saturating_add),
                votes: places.iter().map(|p| p.weight).fold(0, u64::saturating_add),
            });
        }
    }
    // Greedy order: strategy score, then mnemonic, then number — never input order.
    // Instruction indices follow mnemonic order, so comparing them is comparing mnemonics.
    edges.sort_by_key(|e| (ctx.score(e), e.inst, e.number));

    let chosen: Vec<Edge> = if options.strategy == Strategy::Optimal {
        optimal_matching(&edges)
    } else {
        greedy_matching(&edges)
    };
    for edge in chosen {
        let (number, inst) = (edge.number, edge.inst);
        taken.insert(number, inst);
        assigned[inst] = Some((number, How::Proposal(edge)));
    }

    // Instructions whose proposals were all taken: first an own proposal that is still free
    // (possible when it saves nothing, e.g. zero usage), else the lowest free number.
    let max_number = index
        .insts
        .iter()
        .flat_map(|i| i.places.iter().flat_map(|p| p.numbers.iter().copied()))
        .chain(index.reserved.iter().copied())
        .chain(options.decisions.iter().map(|d| d.opcode))
        .max()
        .unwrap_or(0);
    let space_bits = space_bits_for(max_number, (n_inst + index.reserved.len()) as u64);
    let limit: u64 = 1u64 << space_bits;
    let mut cursor: u64 = 0;
    let mut by_inst: Vec<Vec<&Edge>> = vec![Vec::new(); n_inst];
    for e in &edges {
        by_inst[e.inst].push(e);
    }
    for i in 0..n_inst {
        if assigned[i].is_some() {
            continue;
        }
        if let Some(edge) = by_inst[i].iter().find(|e| !taken.contains_key(&e.number)) {
            taken.insert(edge.number, i);
            assigned[i] = Some((edge.number, How::Proposal((*edge).clone())));
            continue;
        }
        let taken_by: Vec<(u32, usize)> = by_inst[i]
            .iter()
            .map(|e| (e.number, taken[&e.number]))
            .collect();
        while cursor < limit
            && (taken.contains_key(&(cursor as u32)) || index.reserved.contains(&(cursor as u32)))
        {
            cursor += 1;
        }
        // The space was sized to hold every instruction and reservation, so this holds.
        let number = cursor as u32;
        taken.insert(number, i);
        assigned[i] = Some((number, How::Free { taken_by }));
    }

    build_outcome(&ctx, assigned, space_bits)
}

/// Greedy matching in the given (already ranked) order.
fn greedy_matching(edges: &[Edge]) -> Vec<Edge> {
    let mut used_inst = BTreeSet::new();
    let mut used_number = BTreeSet::new();
    let mut out = Vec::new();
    for e in edges {
        if used_inst.contains(&e.inst) || used_number.contains(&e.number) {
            continue;
        }
        used_inst.insert(e.inst);
        used_number.insert(e.number);
        out.push(e.clone());
    }
    out
}

fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

/// The maximum-savings matching (= minimum total cost), solved exactly per connected
/// component of the proposal graph with Kuhn–Munkres.
fn optimal_matching(edges: &[Edge]) -> Vec<Edge> {
    // Nodes: instructions and numbers, densely renumbered in sorted order.
    let insts: Vec<usize> = edges
        .iter()
        .map(|e| e.inst)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let numbers: Vec<u32> = edges
        .iter()
        .map(|e| e.number)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let inst_pos = |i: usize| insts.binary_search(&i).expect("listed");
    let num_pos = |n: u32| insts.len() + numbers.binary_search(&n).expect("listed");
    let mut parent: Vec<usize> = (0..insts.len() + numbers.len()).collect();
    for e in edges {
        let (a, b) = (
            find(&mut parent, inst_pos(e.inst)),
            find(&mut parent, num_pos(e.number)),
        );
        if a != b {
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut components: BTreeMap<usize, Vec<&Edge>> = BTreeMap::new();
    for e in edges {
        let root = find(&mut parent, inst_pos(e.inst));
        components.entry(root).or_default().push(e);
    }

    let mut out = Vec::new();
    for component in components.values() {
        if component.len() == 1 {
            out.push(component[0].clone());
            continue;
        }
        let rows: Vec<usize> = component
            .iter()
            .map(|e| e.inst)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let cols: Vec<u32> = component
            .iter()
            .map(|e| e.number)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        // Kuhn–Munkres needs no more rows than columns; transpose when instructions outnumber
        // the numbers they propose. A zero in the matrix means "no proposal": such a pairing is
        // read back as "unmatched" and the instruction gets a free number at the same cost.
        let transpose = rows.len() > cols.len();
        let (r, c) = if transpose {
            (cols.len(), rows.len())
        } else {
            (rows.len(), cols.len())
        };
        let mut weights = Matrix::new(r, c, 0i128);
        // Savings dominate; the +1 per real proposal only breaks ties between equally cheap
        // matchings in favour of keeping more implementations' numbers (scaled so that it can
        // never outweigh one thousandth of real savings).
        let scale = r as i128 + 1;
        let mut lookup: HashMap<(usize, usize), &Edge> = HashMap::new();
        for e in component {
            let ri = rows.binary_search(&e.inst).expect("row");
            let ci = cols.binary_search(&e.number).expect("col");
            let (x, y) = if transpose { (ci, ri) } else { (ri, ci) };
            weights[(x, y)] = i128::from(e.savings) * scale + 1;
            lookup.insert((x, y), e);
        }
        let (_, assignment) = kuhn_munkres(&weights);
        for (x, &y) in assignment.iter().enumerate() {
            if let Some(e) = lookup.get(&(x, y)) {
                out.push((*e).clone());
            }
        }
    }
    out
}

/// Picks the entry whose format, category and prose the canonical table copies, following the
/// strategy: the strongest-ranked implementation for oldest/largest, the specification for
/// spec, otherwise a weighted vote over layout shapes.
fn attribute_source<'p>(ctx: &Ctx, inst: &'p Inst) -> (&'p Place, Option<String>) {
    let index = &ctx.index;
    let scheme = &ctx.options.scheme;
    let layout_of =
        |p: &Place| -> Option<&Layout> { index.tables[p.table].layout_of(index.entry(p), scheme) };
    let by_rank = |p: &Place| ctx.rank[p.table];
    let layout_source: &Place = match ctx.options.strategy {
        Strategy::Oldest | Strategy::Largest => inst
            .places
            .iter()
            .filter(|p| layout_of(p).is_some())
            .min_by_key(|p| by_rank(p))
            .unwrap_or_else(|| {
                inst.places
                    .iter()
                    .min_by_key(|p| by_rank(p))
                    .expect("places")
            }),
        Strategy::Spec
            if ctx
                .spec
                .is_some_and(|s| inst.places.iter().any(|p| p.table == s)) =>
        {
            inst.places
                .iter()
                .find(|p| Some(p.table) == ctx.spec)
                .expect("checked")
        }
        _ => {
            let mut groups: BTreeMap<String, (u64, Vec<&Place>)> = BTreeMap::new();
            for p in &inst.places {
                if let Some(l) = layout_of(p) {
                    let g = groups.entry(l.shape_key()).or_default();
                    g.0 += p.weight;
                    g.1.push(p);
                }
            }
            let strongest = |ps: &[&'p Place]| -> &'p Place {
                ps.iter()
                    .min_by_key(|p| (std::cmp::Reverse(p.weight), p.table))
                    .copied()
                    .expect("non-empty")
            };
            match groups
                .values()
                .min_by_key(|(w, ps)| (std::cmp::Reverse(*w), ps[0].table))
            {
                Some((_, ps)) => strongest(ps),
                None => strongest(&inst.places.iter().collect::<Vec<_>>()),
            }
        }
    };
    // Category by the same rule: the layout source's when it has one, else a weighted vote.
    let category = index.entry(layout_source).category.clone().or_else(|| {
        let mut votes: BTreeMap<&str, u64> = BTreeMap::new();
        for p in &inst.places {
            if let Some(c) = index.entry(p).category.as_deref() {
                *votes.entry(c).or_default() += p.weight;
            }
        }
        votes
            .into_iter()
            .min_by_key(|(c, w)| (std::cmp::Reverse(*w), *c))
            .map(|(c, _)| c.to_string())
    });
    (layout_source, category)
}

fn layout_variants(ctx: &Ctx, inst: &Inst) -> Vec<LayoutVariant> {
    let index = &ctx.index;
    let mut groups: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for p in &inst.places {
        if let Some(l) = index.tables[p.table].layout_of(index.entry(p), &ctx.options.scheme) {
            let g = groups
                .entry(l.shape_key())
                .or_insert_with(|| (l.to_string(), Vec::new()));
            g.1.push(index.name(p.table).to_string());
        }
    }
    groups
        .into_values()
        .map(|(layout, implementations)| LayoutVariant {
            layout,
            implementations,
        })
        .collect()
}

fn list(names: &[&str], limit: usize) -> String {
    let mut s = names
        .iter()
        .take(limit)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > limit {
        s.push_str(&format!(" and {} more", names.len() - limit));
    }
    s
}

fn build_outcome(
    ctx: &Ctx,
    assigned: Vec<Option<(u32, How)>>,
    space_bits: u32,
) -> Result<Outcome, ArbitrateError> {
    let index = &ctx.index;
    let options = ctx.options;
    let mut rows: Vec<(u32, usize, How)> = assigned
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            let (n, how) = a.expect("every instruction is assigned");
            (n, i, how)
        })
        .collect();
    rows.sort_by_key(|(n, i, _)| (*n, *i));

    // Letters that resolve through the scheme (or not at all) keep that meaning; a declared
    // layout whose letter would clash is declared under a fresh letter.
    let mut chosen: Vec<(&Place, Option<String>)> = Vec::with_capacity(rows.len());
    let mut locked: BTreeSet<String> = BTreeSet::new();
    for (_, i, _) in &rows {
        let (place, category) = attribute_source(ctx, &index.insts[*i]);
        let entry = index.entry(place);
        if let Some(letter) = &entry.format {
            if !index.tables[place.table].formats.contains_key(letter) {
                locked.insert(letter.clone());
            }
        }
        chosen.push((place, category));
    }
    let mut declared: BTreeMap<String, Layout> = BTreeMap::new();
    let mut rename: HashMap<(usize, String), String> = HashMap::new();
    for (place, _) in &chosen {
        let table = index.tables[place.table];
        let Some(letter) = index.entry(place).format.clone() else {
            continue;
        };
        let Some(layout) = table.formats.get(&letter) else {
            continue;
        };
        if rename.contains_key(&(place.table, letter.clone())) {
            continue;
        }
        let scheme_same = options
            .scheme
            .get(&letter)
            .is_some_and(|l| l.same_shape(layout));
        let fits = |name: &str| match declared.get(name) {
            Some(existing) => existing == layout,
            None => !locked.contains(name) || (name == letter && scheme_same),
        };
        let mut name = letter.clone();
        let mut n = 2;
        while !fits(&name) {
            name = format!("{letter}{n}");
            n += 1;
        }
        // An undeclared scheme letter with the same shape needs no declaration.
        if !(name == letter && scheme_same && locked.contains(&letter)) {
            declared.insert(name.clone(), layout.clone());
        }
        rename.insert((place.table, letter), name);
    }

    let mut canonical = Table::new(&options.name);
    canonical.formats = declared;
    let mut decisions = Vec::new();
    let mut total = Cost::ZERO;
    let reserved: Vec<u32> = index.reserved.iter().copied().collect();
    let mut entries: Vec<Entry> = Vec::new();
    for ((number, i, how), (place, category)) in rows.into_iter().zip(chosen) {
        let inst = &index.insts[i];
        let source = index.entry(place);
        let mut entry = Entry {
            opcode: number,
            mnemonic: Some(inst.key.clone()),
            format: source.format.as_ref().map(|l| {
                rename
                    .get(&(place.table, l.clone()))
                    .cloned()
                    .unwrap_or_else(|| l.clone())
            }),
            category,
            description: source.description.clone(),
            operands: source.operands.clone(),
            size_bytes: source.size_bytes,
            branch: source.branch.clone(),
            ..Entry::default()
        };
        let cost = Cost(index.cost(i, number));
        total += cost;
        let layouts = layout_variants(ctx, inst);
        let layout_note = || {
            if layouts.len() < 2 {
                return String::new();
            }
            let parts: Vec<String> = layouts
                .iter()
                .map(|v| {
                    let names: Vec<&str> = v.implementations.iter().map(String::as_str).collect();
                    format!("{} ({})", v.layout, list(&names, 3))
                })
                .collect();
            format!(
                "; layouts disagree: {}; format taken from {}",
                parts.join(" vs "),
                index.name(place.table)
            )
        };
        let votes: BTreeMap<String, u32> = inst
            .places
            .iter()
            .map(|p| (index.name(p.table).to_string(), p.numbers[0]))
            .collect();
        let have = inst.places.len();
        let movers = |n: u32| -> Vec<&str> {
            inst.places
                .iter()
                .filter(|p| !p.numbers.contains(&n))
                .map(|p| index.name(p.table))
                .collect()
        };
        let moved_note = |n: u32| {
            let m = movers(n);
            if m.is_empty() {
                String::new()
            } else {
                format!("; renumbered in {}", list(&m, 3))
            }
        };
        let (strategy, winner, rationale) = match how {
            How::Agreed => {
                if layouts.len() < 2 {
                    entries.push(entry);
                    continue;
                }
                (
                    options.strategy.as_str().to_string(),
                    None,
                    format!(
                        "all {have} implementations with {} agree on {}{}",
                        inst.key,
                        hex_opcode(number),
                        layout_note()
                    ),
                )
            }
            How::Manual(d) => {
                let decision = &options.decisions[d];
                if decision.format.is_some() {
                    entry.format = decision.format.clone();
                }
                if decision.category.is_some() {
                    entry.category = decision.category.clone();
                }
                let why = decision
                    .rationale
                    .clone()
                    .unwrap_or_else(|| "manual decision".to_string());
                (
                    "manual".to_string(),
                    None,
                    format!("{why}{}{}", moved_note(number), layout_note()),
                )
            }
            How::Proposal(edge) => {
                let winner = ctx.winner(&edge);
                let voters: Vec<&str> = edge.voters.iter().map(|&t| index.name(t)).collect();
                let why = match options.strategy {
                    Strategy::Oldest => match index.tables[winner].registered {
                        Some(d) => format!(
                            "{} is the oldest implementation with it (registered {d})",
                            index.name(winner)
                        ),
                        None => format!(
                            "{} ranks first among the undated implementations (by name)",
                            index.name(winner)
                        ),
                    },
                    Strategy::Largest => format!(
                        "{} is the largest implementation with it ({} instructions)",
                        index.name(winner),
                        index.tables[winner]
                            .entries
                            .iter()
                            .filter(|e| is_live(e))
                            .count()
                    ),
                    Strategy::Voting => format!(
                        "{} of {} weighted votes",
                        Cost(edge.votes),
                        Cost(inst.places.iter().map(|p| p.weight).sum())
                    ),
                    Strategy::Spec if Some(winner) == ctx.spec => {
                        format!("{} is authoritative", index.name(winner))
                    }
                    Strategy::Spec => format!(
                        "not settled by {}; filled by {} of {} weighted votes",
                        options.spec.as_deref().unwrap_or("the spec"),
                        Cost(edge.votes),
                        Cost(inst.places.iter().map(|p| p.weight).sum())
                    ),
                    Strategy::Optimal => {
                        "part of the minimum-cost consistent numbering".to_string()
                    }
                };
                (
                    options.strategy.as_str().to_string(),
                    Some(index.name(winner).to_string()),
                    format!(
                        "kept at {} as in {} ({} of {have}); {why}{}{}",
                        hex_opcode(number),
                        list(&voters, 3),
                        voters.len(),
                        moved_note(number),
                        layout_note()
                    ),
                )
            }
            How::Free { taken_by } => {
                let lost: Vec<String> = taken_by
                    .iter()
                    .map(|(n, j)| format!("{} went to {}", hex_opcode(*n), index.insts[*j].key))
                    .collect();
                let lost: Vec<&str> = lost.iter().map(String::as_str).collect();
                let why = if lost.is_empty() {
                    "every proposed number is reserved or decided manually".to_string()
                } else {
                    format!("every proposed number is taken ({})", list(&lost, 3))
                };
                (
                    options.strategy.as_str().to_string(),
                    None,
                    format!(
                        "{why}; given the lowest free number{}{}",
                        moved_note(number),
                        layout_note()
                    ),
                )
            }
        };
        decisions.push(Decision {
            mnemonic: inst.key.clone(),
            opcode: number,
            strategy,
            winner,
            votes,
            rationale,
            cost,
            layouts,
        });
        entries.push(entry);
    }
    for r in reserved {
        entries.push(Entry {
            opcode: r,
            reserved: true,
            ..Entry::default()
        });
    }
    entries.sort_by_key(|e| (e.opcode, e.reserved));
    canonical.entries = entries;
    Ok(Outcome {
        canonical,
        decisions,
        cost: total,
        space_bits,
    })
}

/// The total renumbering cost `canonical` imposes on `tables` (under the weights and usage of
/// `options`); instructions the canonical table lacks count as moved everywhere.
pub fn cost_of(
    tables: &[Table],
    options: &Options,
    canonical: &Table,
) -> Result<Cost, ArbitrateError> {
    let index = Index::build(tables, options)?;
    let mut numbers: BTreeMap<String, u32> = BTreeMap::new();
    for e in canonical.instructions() {
        numbers.insert(
            options.aliases.key(e.mnemonic.as_deref().expect("named")),
            e.opcode,
        );
    }
    Ok(index
        .insts
        .iter()
        .enumerate()
        .map(|(i, inst)| match numbers.get(&inst.key) {
            Some(&n) => Cost(index.cost(i, n)),
            None => Cost(inst.full),
        })
        .sum())
}

/// Checks that a table is consistent: every number holds at most one entry, every mnemonic
/// (after `aliases`) has one number, and no instruction sits on a number in `reserved`.
pub fn check_consistent(
    table: &Table,
    aliases: &Aliases,
    reserved: &BTreeSet<u32>,
) -> Result<(), String> {
    let mut numbers = BTreeSet::new();
    let mut keys = BTreeSet::new();
    for e in &table.entries {
        if !numbers.insert(e.opcode) {
            return Err(format!("{} is listed twice", hex_opcode(e.opcode)));
        }
        if let Some(m) = e.mnemonic.as_deref().filter(|_| !e.reserved) {
            if !keys.insert(aliases.key(m)) {
                return Err(format!("{m} has two numbers"));
            }
            if reserved.contains(&e.opcode) {
                return Err(format!("{m} is at reserved {}", hex_opcode(e.opcode)));
            }
        }
    }
    Ok(())
}
