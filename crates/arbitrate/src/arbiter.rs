//! The arbiter: manual decisions, the canonical opcode space (one-byte numbers plus escape
//! pages), agreed numbers, then a strategy's matching.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use isa_core::conflict::hex_opcode;
use isa_core::resolve::{bytes_of, facts_of, operand_shape, resolve_entry, FactKey};
use isa_core::{
    Agreement, Aliases, Encoding, Entry, Facts, Layout, Location, ResolveOptions, Scheme, Status,
    Table,
};

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

/// One set of operand facts proposed for an instruction and the implementations proposing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutVariant {
    /// The facts as the resolve step renders them (`3 bytes: op8 rd:reg8 imm:simm8`, or
    /// `4 bytes (size only)`), with each implementation's own opcode width.
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
    /// The verdict over every pair of implementations' operand facts, by the one comparison
    /// rule ([`isa_core::compare`]): `Differs` when any two contradict, `Same` when at least two
    /// implementations know comparable facts and none contradict, `Unknown` otherwise.
    pub layout: Agreement,
    /// The distinct known operand facts proposed (grouped by [`FactKey`]). Several variants
    /// need not disagree: a size-only entry and a full layout of that size are two variants
    /// that agree.
    pub layouts: Vec<LayoutVariant>,
}

impl Decision {
    /// True when implementations give the instruction contradicting operand facts.
    pub fn layout_disagreement(&self) -> bool {
        self.layout == Agreement::Differs
    }
}

/// The result of [`arbitrate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The canonical table: consistent and decodable (prefix-free under its `encoding`),
    /// entries sorted by number, reserved numbers listed as reserved entries.
    pub canonical: Table,
    /// Every instruction that needed deciding (number conflicts, manual decisions, layout
    /// disagreements), sorted by number.
    pub decisions: Vec<Decision>,
    /// Total renumbering cost over all instructions.
    pub cost: Cost,
    /// Width of the canonical opcode numbers in bits: 8 for one-byte opcodes only, 16 when the
    /// canonical table has escape pages (`canonical.encoding` names them).
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
    /// The operand facts of its (first) entry, from the one resolve step; `None` when nothing
    /// comparable is known (boxed: most places of large inputs know nothing, and places are
    /// moved around while indexing).
    known: Option<Box<Known>>,
}

/// What the resolve step knows of one place's operands.
#[derive(Debug, Clone)]
struct Known {
    /// The comparison key.
    key: FactKey,
    /// The facts rendered for reports.
    text: String,
    /// True when the facts are a full layout (not only a size).
    full_layout: bool,
}

impl Place {
    fn facts(&self) -> Option<&FactKey> {
        self.known.as_ref().map(|k| &k.key)
    }
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
    /// Numbers of removed instructions (a subset of `reserved`): never an escape either, since
    /// old bytecode holding them must not start reading as a prefix.
    retired: BTreeSet<u32>,
    /// One-byte escape prefixes the inputs declare in their `encoding`, with how many declare each.
    declared_escapes: BTreeMap<u32, usize>,
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
            if !w.is_finite() || !(0.0..=crate::MAX_WEIGHT).contains(&w) {
                return Err(ArbitrateError::BadWeight {
                    name: name.clone(),
                    value: w,
                });
            }
            weights[t] = (w * Cost::SCALE as f64).round() as u64;
        }
        for (name, counts) in &options.usage {
            check_name(&sorted, "the usage file", name)?;
            if let Some((&opcode, &value)) = counts.iter().find(|(_, &c)| c > crate::MAX_USAGE) {
                return Err(ArbitrateError::BadUsage {
                    name: name.clone(),
                    opcode,
                    value,
                });
            }
        }
        if let Some(spec) = &options.spec {
            check_name(&sorted, "--spec", spec)?;
        }

        let resolve_options = ResolveOptions::new(&options.scheme, &options.aliases);
        let mut reserved = BTreeSet::new();
        let mut retired = BTreeSet::new();
        let mut declared_escapes: BTreeMap<u32, usize> = BTreeMap::new();
        // Keys are interned through a hash map (first-seen ids) and sorted once at the end:
        // string-keyed ordered maps per entry dominated indexing on large inputs.
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut keys: Vec<String> = Vec::new();
        let mut places_of: Vec<Vec<Place>> = Vec::new();
        for (t, table) in sorted.iter().enumerate() {
            for entry in &table.entries {
                if is_reservation(entry) {
                    reserved.insert(entry.opcode);
                    if !entry.reserved {
                        retired.insert(entry.opcode);
                    }
                }
            }
            // A nested escape (0x0F38) is declared together with its leading byte, which is
            // what a one-byte escape choice can follow.
            for &e in table.encoding.escape_list().iter().filter(|&&e| e <= 0xFF) {
                *declared_escapes.entry(e).or_default() += 1;
            }
            let usage = options.usage.get(&table.implementation);
            // Per table: key id -> position in `mine` (entries of one table merge by key).
            let mut local: HashMap<usize, usize> = HashMap::new();
            let mut mine: Vec<(usize, Place)> = Vec::new();
            // Removed instructions are reservations, not places.
            for (e, entry) in table.entries.iter().enumerate() {
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
                    // Operand facts from the one resolve step. An entry with nothing known needs
                    // no opcode bytes, so it is not resolved further (on large inputs of
                    // unencodable numbers, explaining each number dominated indexing).
                    let known = match facts_of(table, entry, &options.scheme) {
                        Facts::Unknown(_) => None,
                        _ => {
                            let inst = resolve_entry(table, e, entry, &resolve_options);
                            inst.fact_key().map(|key| {
                                Box::new(Known {
                                    key,
                                    text: inst.layout_text().unwrap_or_default(),
                                    full_layout: inst.layout().is_some(),
                                })
                            })
                        }
                    };
                    mine.push((
                        id,
                        Place {
                            table: t,
                            numbers: Vec::new(),
                            entry: e,
                            move_cost: 0,
                            weight: weights[t],
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
            retired,
            declared_escapes,
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

/// The canonical opcode space: every one-byte number except the escape bytes, plus the 256
/// numbers `(E << 8) | sub` behind each escape byte `E` (written as the two bytes `E sub`).
#[derive(Debug, Clone, Default)]
struct Space {
    /// One-byte escape prefixes, sorted.
    escapes: Vec<u32>,
}

impl Space {
    fn is_escape(&self, n: u32) -> bool {
        self.escapes.binary_search(&n).is_ok()
    }

    /// True when `n` can be an instruction's number: the `Encoding::escapes` rule for one-byte
    /// escapes.
    fn holds(&self, n: u32) -> bool {
        if n <= 0xFF {
            !self.is_escape(n)
        } else {
            n <= 0xFFFF && self.is_escape(n >> 8)
        }
    }

    /// Every number of the space, ascending: the one-byte numbers, then page by page.
    fn numbers(&self) -> impl Iterator<Item = u32> + '_ {
        (0..=0xFFu32).filter(|&n| !self.is_escape(n)).chain(
            self.escapes
                .iter()
                .flat_map(|&e| (e << 8)..=(e << 8 | 0xFF)),
        )
    }

    /// How many numbers are left for instructions once `reserved` is taken out.
    fn capacity(&self, reserved: &BTreeSet<u32>) -> usize {
        let one_byte = (0..=0xFFu32)
            .filter(|&n| !self.is_escape(n) && !reserved.contains(&n))
            .count();
        let pages: usize = self
            .escapes
            .iter()
            .map(|&e| 256 - reserved.range(e << 8..=(e << 8 | 0xFF)).count())
            .sum();
        one_byte + pages
    }

    fn encoding(&self) -> Encoding {
        Encoding::escapes(self.escapes.iter().copied())
            .expect("escape bytes are 0x01-0xFF, which is always a valid encoding")
    }
}

/// What the evidence says about making byte `b` an escape.
#[derive(Debug, Clone, Copy, Default)]
struct EscapeCost {
    /// Move cost of every implementation that places an instruction at `b`.
    vacate: u64,
    /// How many (implementation, instruction) placements sit at `b`.
    claims: usize,
    /// Move cost of every implementation that places an instruction on `b`'s page.
    gain: u64,
}

/// Chooses the escape bytes (see the crate documentation): the bytes manual decisions need,
/// every byte whose page carries more evidence than the byte itself, and then the cheapest
/// bytes to vacate until every instruction and reservation fits.
fn choose_escapes(
    index: &Index,
    decided: &[(u32, usize)],
    options: &Options,
) -> Result<Space, ArbitrateError> {
    let mut costs = [EscapeCost::default(); 256];
    for inst in &index.insts {
        for p in &inst.places {
            let mut pages: Vec<u32> = Vec::new();
            for &n in &p.numbers {
                if n <= 0xFF {
                    costs[n as usize].vacate = costs[n as usize].vacate.saturating_add(p.move_cost);
                    costs[n as usize].claims += 1;
                } else if n <= 0xFFFF && !pages.contains(&(n >> 8)) {
                    pages.push(n >> 8);
                }
            }
            for page in pages {
                let c = &mut costs[page as usize];
                c.gain = c.gain.saturating_add(p.move_cost);
            }
        }
    }
    // A reserved byte is never an instruction's number anyway, so making it an escape moves
    // nothing: its claims cost nothing to vacate.
    for &n in index.reserved.range(..=0xFF) {
        costs[n as usize].vacate = 0;
        costs[n as usize].claims = 0;
    }
    // Bytes that can never be escapes: 0x00 (0x00xx would read as 0x00), numbers decided for
    // an instruction, and numbers of removed instructions.
    let mut forbidden: BTreeMap<u32, String> = BTreeMap::new();
    forbidden.insert(0, "0x00 cannot be an escape prefix".to_string());
    for &(n, d) in decided {
        if n <= 0xFF {
            forbidden.insert(
                n,
                format!(
                    "{} is decided for {}",
                    hex_opcode(n),
                    options.aliases.key(&options.decisions[d].mnemonic)
                ),
            );
        }
    }
    for &n in index.retired.iter().filter(|&&n| n <= 0xFF) {
        forbidden
            .entry(n)
            .or_insert_with(|| format!("{} is the number of a removed instruction", hex_opcode(n)));
    }
    let mut chosen: BTreeSet<u32> = BTreeSet::new();
    for &(n, d) in decided {
        if n <= 0xFF {
            continue;
        }
        let decision = &options.decisions[d];
        let bad = |message: String| ArbitrateError::BadDecision {
            mnemonic: decision.mnemonic.clone(),
            message,
            location: decision.location.clone(),
        };
        if n > 0xFFFF {
            return Err(bad(format!(
                "{} would need a nested escape page; arbitration gives numbers of one byte or of \
                 one escape byte and a sub-opcode (at most 0xFFFF)",
                hex_opcode(n)
            )));
        }
        if let Some(why) = forbidden.get(&(n >> 8)) {
            return Err(bad(format!(
                "{} is on the escape page of 0x{:02X}, but {why}; an escape byte is never an instruction",
                hex_opcode(n),
                n >> 8
            )));
        }
        chosen.insert(n >> 8);
    }
    // Preference: least net cost (vacating minus what the page keeps), then bytes some input
    // declares as escapes, then reserved bytes (an escape there costs no room, since the
    // byte could hold no instruction anyway, so fewer escapes may do), then fewest claims,
    // then the highest byte (0xFF first, as in FLUX v3's escape prefix).
    let mut candidates: Vec<u32> = (1..=0xFFu32)
        .filter(|b| !forbidden.contains_key(b) && !chosen.contains(b))
        .collect();
    let net = |b: u32| i128::from(costs[b as usize].vacate) - i128::from(costs[b as usize].gain);
    candidates.sort_by_key(|&b| {
        (
            net(b),
            std::cmp::Reverse(index.declared_escapes.get(&b).copied().unwrap_or(0)),
            !index.reserved.contains(&b),
            costs[b as usize].claims,
            std::cmp::Reverse(b),
        )
    });
    chosen.extend(candidates.iter().copied().filter(|&b| net(b) < 0));
    let need = index.insts.len();
    let mut space = Space {
        escapes: chosen.iter().copied().collect(),
    };
    let rest: Vec<u32> = candidates
        .iter()
        .copied()
        .filter(|b| !chosen.contains(b))
        .collect();
    let mut next = rest.into_iter();
    while space.capacity(&index.reserved) < need {
        let Some(b) = next.next() else {
            return Err(ArbitrateError::TooManyInstructions {
                instructions: need,
                capacity: space.capacity(&index.reserved),
            });
        };
        chosen.insert(b);
        space.escapes = chosen.iter().copied().collect();
    }
    Ok(space)
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

/// Why an instruction could not keep one of its own numbers.
#[derive(Debug, Clone)]
enum Lost {
    /// Another instruction got it (instruction index).
    Taken(usize),
    /// Some input reserves it.
    Reserved,
    /// It is an escape byte of the canonical table.
    Escape,
    /// It is on no escape page of the canonical table.
    OffPage,
}

/// How an instruction got its number.
#[derive(Debug, Clone)]
enum How {
    Manual(usize),
    Agreed,
    Proposal(Edge),
    Free { lost: Vec<(u32, Lost)> },
}

/// Decides one consistent, decodable canonical table from `tables`.
///
/// Errors only on unusable input (duplicate implementation names, unknown names in options,
/// impossible manual decisions, more instructions than one-byte opcodes with escape pages can
/// number); conflicts themselves never fail arbitration.
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
    let mut decided: Vec<(u32, usize)> = Vec::new();
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
        decided.push((decision.opcode, d));
    }

    // 2. The space: escape bytes chosen from the evidence, the same for every strategy (so the
    // strategies' costs compare like with like).
    let space = choose_escapes(index, &decided, options)?;

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

    // 3. Agreed numbers: one number everywhere, claimed by nobody else, not reserved, in the space.
    for (i, inst) in index.insts.iter().enumerate() {
        if assigned[i].is_some() {
            continue;
        }
        let first = inst.places[0].numbers[0];
        let agreed = inst.places.iter().all(|p| p.numbers == [first])
            && space.holds(first)
            && !index.reserved.contains(&first)
            && !taken.contains_key(&first)
            && claims.get(&first).is_some_and(|c| c.len() == 1);
        if agreed {
            assigned[i] = Some((first, How::Agreed));
            taken.insert(first, i);
        }
    }

    // 4. Proposals for the rest (numbers outside the space cannot be kept).
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
            if !space.holds(number)
                || index.reserved.contains(&number)
                || taken.contains_key(&number)
            {
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
    // (possible when it saves nothing, e.g. zero usage), else the lowest free number of the
    // space — one-byte numbers first, then the escape pages in order.
    let mut free = space.numbers();
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
        let own: BTreeSet<u32> = index.insts[i]
            .places
            .iter()
            .flat_map(|p| p.numbers.iter().copied())
            .collect();
        let lost: Vec<(u32, Lost)> = own
            .into_iter()
            .map(|n| {
                let why = if let Some(&j) = taken.get(&n) {
                    Lost::Taken(j)
                } else if index.reserved.contains(&n) {
                    Lost::Reserved
                } else if space.is_escape(n) {
                    Lost::Escape
                } else {
                    Lost::OffPage
                };
                (n, why)
            })
            .collect();
        // The space was sized to hold every instruction and reservation, so this finds one.
        let number = free
            .by_ref()
            .find(|n| !taken.contains_key(n) && !index.reserved.contains(n))
            .expect("the space holds every instruction");
        taken.insert(number, i);
        assigned[i] = Some((number, How::Free { lost }));
    }

    let outcome = build_outcome(&ctx, assigned, &space)?;
    // Costs add up saturating; a total at the ceiling means the sum overflowed, and a
    // comparison of strategies on saturated totals would be meaningless.
    if outcome.cost.0 == u64::MAX {
        return Err(ArbitrateError::CostOverflow);
    }
    Ok(outcome)
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

/// The state of one Dijkstra search of [`optimal_matching`] over the columns, reset only where
/// the search touched it (so a search costs what it explores, not the number of columns).
struct Search {
    dist: Vec<i128>,
    pred: Vec<usize>,
    done: Vec<bool>,
    touched: Vec<usize>,
    finished: Vec<usize>,
    heap: std::collections::BinaryHeap<std::cmp::Reverse<(i128, usize)>>,
}

impl Search {
    fn new(columns: usize) -> Search {
        Search {
            dist: vec![i128::MAX; columns],
            pred: vec![usize::MAX; columns],
            done: vec![false; columns],
            touched: Vec::new(),
            finished: Vec::new(),
            heap: std::collections::BinaryHeap::new(),
        }
    }

    /// Relaxes row `r`'s edges `(column, cost, _)`, reached at distance `base`, with the row's
    /// potential `u_r` and the column potentials `v`.
    fn relax(
        &mut self,
        r: usize,
        edges: &[(usize, i128, usize)],
        base: i128,
        u_r: i128,
        v: &[i128],
    ) {
        for &(c, cost, _) in edges {
            if self.done[c] {
                continue;
            }
            let d = base + (cost - u_r - v[c]);
            if d < self.dist[c] {
                if self.dist[c] == i128::MAX {
                    self.touched.push(c);
                }
                self.dist[c] = d;
                self.pred[c] = r;
                self.heap.push(std::cmp::Reverse((d, c)));
            }
        }
    }

    fn reset(&mut self) {
        for &c in &self.touched {
            self.dist[c] = i128::MAX;
            self.pred[c] = usize::MAX;
            self.done[c] = false;
        }
        self.touched.clear();
        self.finished.clear();
        self.heap.clear();
    }
}

/// The maximum-savings matching (= minimum total cost), solved exactly on the sparse proposal
/// graph.
///
/// Each instruction with proposals is a row; its columns are the numbers it proposes plus a
/// private "keep no proposal" column of weight 0 (the instruction then gets a free number, at
/// the same cost as losing its proposals), so every row can always be assigned and the problem
/// is a rectangular assignment. Weights are `savings × scale + 1`: savings dominate, and the +1
/// per kept proposal breaks ties between equally cheap matchings in favour of keeping more
/// implementations' numbers (`scale` exceeds the number of rows, so the +1s can never outweigh
/// one unit of savings).
///
/// The assignment is the Hungarian method in its shortest-augmenting-path form: rows enter one
/// at a time, and Dijkstra over reduced costs (kept non-negative by row and column potentials)
/// finds the cheapest alternating path to a free column. Memory is linear in the proposals —
/// a dense Kuhn–Munkres matrix per connected component needed the square of the component
/// (6.4 GB for a chain of 20,000 instructions, 68.5 GB at 64 × 65,536) — and each search
/// stops at the first free column, which the row's own private column bounds, so searches stay
/// local on real ecosystems.
fn optimal_matching(edges: &[Edge]) -> Vec<Edge> {
    use std::cmp::Reverse;

    let rows: Vec<usize> = edges
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
    let (n_rows, n_numbers) = (rows.len(), numbers.len());
    // Columns: the numbers, then one private column per row.
    let n_cols = n_numbers + n_rows;
    let scale = n_rows as i128 + 1;
    // Costs are negated weights (the search minimises); adjacency per row, sorted by column so
    // that ties resolve the same way on every run.
    let mut adj: Vec<Vec<(usize, i128, usize)>> = vec![Vec::new(); n_rows];
    for (k, e) in edges.iter().enumerate() {
        let r = rows.binary_search(&e.inst).expect("listed");
        let c = numbers.binary_search(&e.number).expect("listed");
        adj[r].push((c, -(i128::from(e.savings) * scale + 1), k));
    }
    for (r, a) in adj.iter_mut().enumerate() {
        a.push((n_numbers + r, 0, usize::MAX));
        a.sort_by_key(|&(c, cost, _)| (c, cost));
        // Two proposals of one instruction for one number cannot happen (edges are per
        // instruction and number), but keep the cheapest if they ever did.
        a.dedup_by_key(|&mut (c, _, _)| c);
    }
    // Potentials: reduced cost cost - u[r] - v[c] is never negative, and zero on matched edges.
    let mut u: Vec<i128> = adj
        .iter()
        .map(|a| a.iter().map(|&(_, cost, _)| cost).min().unwrap_or(0))
        .collect();
    let mut v: Vec<i128> = vec![0; n_cols];
    let mut row_of: Vec<usize> = vec![usize::MAX; n_cols];
    let mut col_of: Vec<usize> = vec![usize::MAX; n_rows];
    let mut search = Search::new(n_cols);
    for source in 0..n_rows {
        search.relax(source, &adj[source], 0, u[source], &v);
        // The row's private column is always free until the row takes it, so a free column is
        // always reached.
        let (sink, total) = loop {
            let Reverse((d, c)) = search.heap.pop().expect("the private column is reachable");
            if search.done[c] || d > search.dist[c] {
                continue;
            }
            search.done[c] = true;
            search.finished.push(c);
            let r = row_of[c];
            if r == usize::MAX {
                break (c, d);
            }
            search.relax(r, &adj[r], d, u[r], &v);
        };
        // Potentials: shift every node the search finished by how much shorter than the
        // augmenting path it was reached; nodes it did not finish keep theirs.
        u[source] += total;
        for &c in &search.finished {
            let slack = total - search.dist[c];
            v[c] -= slack;
            if row_of[c] != usize::MAX {
                u[row_of[c]] += slack;
            }
        }
        // Augment along the predecessors back to the source.
        let mut c = sink;
        loop {
            let r = search.pred[c];
            let previous = col_of[r];
            row_of[c] = r;
            col_of[r] = c;
            if r == source {
                break;
            }
            c = previous;
        }
        search.reset();
    }

    let mut out = Vec::new();
    for (r, &c) in col_of.iter().enumerate() {
        if c < n_numbers {
            let &(_, _, k) = adj[r]
                .iter()
                .find(|&&(col, _, _)| col == c)
                .expect("assigned along an edge");
            out.push(edges[k].clone());
        }
    }
    out
}

/// Picks the entry whose format, category and prose the canonical table copies, following the
/// strategy: the strongest-ranked implementation with the most operand facts (a full layout,
/// else a size) for oldest/largest, the specification for spec, otherwise a weighted vote —
/// first on the operand size every known fact gives, then on the full layouts of that size.
fn attribute_source<'p>(ctx: &Ctx, inst: &'p Inst) -> (&'p Place, Option<String>) {
    let index = &ctx.index;
    let by_rank = |p: &Place| ctx.rank[p.table];
    // 0 for a full layout, 1 for a size, 2 for nothing known.
    let knowledge = |p: &Place| match &p.known {
        Some(k) if k.full_layout => 0,
        Some(_) => 1,
        None => 2,
    };
    let strongest = |ps: &mut dyn Iterator<Item = &'p Place>| -> &'p Place {
        ps.min_by_key(|p| (std::cmp::Reverse(p.weight), p.table))
            .expect("non-empty")
    };
    let layout_source: &Place = match ctx.options.strategy {
        Strategy::Oldest | Strategy::Largest => inst
            .places
            .iter()
            .min_by_key(|p| (knowledge(p), by_rank(p)))
            .expect("places"),
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
            // Sizes first: every known fact votes for its operand size (and whether a payload
            // follows), so a size-only entry supports the full layouts it agrees with.
            let mut sizes: BTreeMap<(u32, bool), (u64, usize)> = BTreeMap::new();
            for p in &inst.places {
                if let Some(k) = p.facts() {
                    let g = sizes.entry(k.size).or_insert((0, p.table));
                    g.0 += p.weight;
                }
            }
            match sizes
                .iter()
                .min_by_key(|(_, (w, first))| (std::cmp::Reverse(*w), *first))
            {
                None => strongest(&mut inst.places.iter()),
                Some((&size, _)) => {
                    let mut shapes: BTreeMap<&str, (u64, usize)> = BTreeMap::new();
                    for p in &inst.places {
                        if let Some(FactKey {
                            size: s,
                            shape: Some(shape),
                        }) = p.facts()
                        {
                            if *s == size {
                                let g = shapes.entry(shape.as_str()).or_insert((0, p.table));
                                g.0 += p.weight;
                            }
                        }
                    }
                    let shape = shapes
                        .iter()
                        .min_by_key(|(_, (w, first))| (std::cmp::Reverse(*w), *first))
                        .map(|(s, _)| *s);
                    strongest(&mut inst.places.iter().filter(|p| {
                        p.facts().is_some_and(|k| {
                            k.size == size && (shape.is_none() || k.shape.as_deref() == shape)
                        })
                    }))
                }
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

/// The distinct known operand facts of an instruction and the verdict over every pair of
/// implementations, by the one comparison rule ([`FactKey::differs`]).
fn layout_verdict(ctx: &Ctx, inst: &Inst) -> (Agreement, Vec<LayoutVariant>) {
    let index = &ctx.index;
    let mut groups: BTreeMap<&FactKey, (String, Vec<String>)> = BTreeMap::new();
    let mut known = 0;
    for p in &inst.places {
        if let Some(k) = &p.known {
            known += 1;
            let g = groups
                .entry(&k.key)
                .or_insert_with(|| (k.text.clone(), Vec::new()));
            g.1.push(index.name(p.table).to_string());
        }
    }
    let keys: Vec<&FactKey> = groups.keys().copied().collect();
    let differs = keys
        .iter()
        .enumerate()
        .any(|(i, a)| keys[i + 1..].iter().any(|b| a.differs(b)));
    let verdict = if differs {
        Agreement::Differs
    } else if known >= 2 {
        Agreement::Same
    } else {
        Agreement::Unknown
    };
    let variants = groups
        .into_values()
        .map(|(layout, implementations)| LayoutVariant {
            layout,
            implementations,
        })
        .collect();
    (verdict, variants)
}

/// Two layouts the canonical table may use interchangeably: the same size and operand shape.
fn interchangeable(a: &Layout, b: &Layout) -> bool {
    a.size == b.size && operand_shape(a) == operand_shape(b)
}

/// What the canonical entry needs for its format letter.
enum Want {
    /// No letter.
    Nothing,
    /// The source's letter, with the meaning the scheme gives it (or none, when nothing
    /// defines it).
    Letter(String),
    /// A layout the canonical table must declare, preferably under `letter`.
    Declare { letter: String, layout: Layout },
}

/// The format and size the canonical entry needs so that it resolves to the source's operand
/// facts with the canonical opcode bytes. A size (`size_bytes`, opcode included) and a layout
/// that fixes a wider opcode than the canonical number has are re-stated for the canonical
/// opcode width; a size whose opcode bytes the source cannot encode says nothing about the
/// operands and is dropped.
fn canonical_facts(ctx: &Ctx, place: &Place, number: u32, probe: &Table) -> (Want, Option<u32>) {
    let index = &ctx.index;
    let table = index.tables[place.table];
    let entry = index.entry(place);
    let source = resolve_entry(
        table,
        place.entry,
        entry,
        &ResolveOptions::new(&ctx.options.scheme, &ctx.options.aliases),
    );
    let bytes = probe
        .encoding
        .encode(number)
        .expect("canonical numbers are in the space");
    let opcode_len = bytes.len() as u32;
    let size = |operands: Option<u32>| {
        entry
            .size_bytes
            .and(operands)
            .map(|operands| operands + opcode_len)
    };
    match (source.facts, &entry.format) {
        (_, None) => (Want::Nothing, size(source.operand_bytes())),
        (Facts::Layout(layout), Some(letter)) => {
            let probe_entry = Entry::new(number, &source.key);
            let fits = bytes_of(probe, &probe_entry, Facts::Layout(layout)) == Ok(bytes);
            let operands = source.operand_bytes();
            let want = if fits && !table.formats.contains_key(letter) {
                Want::Letter(letter.clone())
            } else if fits {
                Want::Declare {
                    letter: letter.clone(),
                    layout: layout.clone(),
                }
            } else {
                let resized = Layout::with_endian(
                    opcode_len + operands.expect("layouts know their operands"),
                    layout.fields.clone(),
                    layout.endian,
                )
                .expect("the same fields after a one- or two-byte opcode");
                Want::Declare {
                    letter: letter.clone(),
                    layout: resized,
                }
            };
            (want, size(operands))
        }
        (_, Some(letter)) => (Want::Letter(letter.clone()), size(source.operand_bytes())),
    }
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
    space: &Space,
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

    let mut canonical = Table::new(&options.name);
    canonical.encoding = space.encoding();

    // Letters that resolve through the scheme (or not at all) keep that meaning; a declared
    // layout whose letter would clash is declared under a fresh letter.
    let mut chosen: Vec<(&Place, Option<String>, Want, Option<u32>)> =
        Vec::with_capacity(rows.len());
    let mut locked: BTreeSet<String> = options
        .decisions
        .iter()
        .filter_map(|d| d.format.clone())
        .collect();
    for (number, i, _) in &rows {
        let (place, category) = attribute_source(ctx, &index.insts[*i]);
        let (want, size) = canonical_facts(ctx, place, *number, &canonical);
        if let Want::Letter(letter) = &want {
            locked.insert(letter.clone());
        }
        chosen.push((place, category, want, size));
    }
    let mut declared: BTreeMap<String, Layout> = BTreeMap::new();
    let mut letters: Vec<Option<String>> = Vec::with_capacity(chosen.len());
    for (_, _, want, _) in &chosen {
        let letter = match want {
            Want::Nothing => None,
            Want::Letter(letter) => Some(letter.clone()),
            Want::Declare { letter, layout } => {
                let scheme_same = options
                    .scheme
                    .get(letter)
                    .is_some_and(|l| interchangeable(l, layout));
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
                // An undeclared scheme letter with the same layout needs no declaration.
                if !(name == *letter && scheme_same && locked.contains(letter)) {
                    declared.insert(name.clone(), layout.clone());
                }
                Some(name)
            }
        };
        letters.push(letter);
    }
    canonical.formats = declared;

    let mut decisions = Vec::new();
    let mut total = Cost::ZERO;
    let reserved: Vec<u32> = index.reserved.iter().copied().collect();
    let mut entries: Vec<Entry> = Vec::new();
    for ((number, i, how), ((place, category, _, size), format)) in
        rows.into_iter().zip(chosen.into_iter().zip(letters))
    {
        let inst = &index.insts[i];
        let source = index.entry(place);
        let mut entry = Entry {
            opcode: number,
            mnemonic: Some(inst.key.clone()),
            format,
            category,
            description: source.description.clone(),
            operands: source.operands.clone(),
            size_bytes: size,
            branch: source.branch.clone(),
            ..Entry::default()
        };
        let cost = Cost(index.cost(i, number));
        total += cost;
        let (layout, layouts) = layout_verdict(ctx, inst);
        let layout_note = || {
            if layout != Agreement::Differs {
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
                if layout != Agreement::Differs {
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
            How::Free { lost } => {
                let lost: Vec<String> = lost
                    .iter()
                    .map(|(n, why)| {
                        let n = hex_opcode(*n);
                        match why {
                            Lost::Taken(j) => format!("{n} went to {}", index.insts[*j].key),
                            Lost::Reserved => format!("{n} is reserved"),
                            Lost::Escape => format!("{n} is an escape prefix"),
                            Lost::OffPage => format!("{n} is on no escape page"),
                        }
                    })
                    .collect();
                let lost: Vec<&str> = lost.iter().map(String::as_str).collect();
                let page = if number > 0xFF {
                    format!(" (on the escape page of 0x{:02X})", number >> 8)
                } else {
                    String::new()
                };
                (
                    options.strategy.as_str().to_string(),
                    None,
                    format!(
                        "no proposed number is free ({}); given the lowest free number{page}{}{}",
                        list(&lost, 3),
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
            layout,
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
        space_bits: if space.escapes.is_empty() { 8 } else { 16 },
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

#[cfg(test)]
mod matching_tests {
    use super::*;

    /// The best (savings, kept proposals) over every matching, by exhaustive search.
    fn brute_force(edges: &[Edge]) -> (u64, usize) {
        fn go(
            edges: &[Edge],
            i: usize,
            insts: &mut BTreeSet<usize>,
            nums: &mut BTreeSet<u32>,
        ) -> (u64, usize) {
            if i == edges.len() {
                return (0, 0);
            }
            let mut best = go(edges, i + 1, insts, nums);
            let e = &edges[i];
            if !insts.contains(&e.inst) && !nums.contains(&e.number) {
                insts.insert(e.inst);
                nums.insert(e.number);
                let (s, k) = go(edges, i + 1, insts, nums);
                insts.remove(&e.inst);
                nums.remove(&e.number);
                best = best.max((s + e.savings, k + 1));
            }
            best
        }
        go(edges, 0, &mut BTreeSet::new(), &mut BTreeSet::new())
    }

    fn score(m: &[Edge]) -> (u64, usize) {
        (m.iter().map(|e| e.savings).sum(), m.len())
    }

    #[test]
    fn sparse_assignment_matches_exhaustive_search() {
        // xorshift: deterministic random bipartite graphs of up to 12 proposals, with savings
        // drawn from a small range so that ties (where the tie-break matters) are common.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..3000 {
            let n_edges = (next() % 13) as usize;
            let n_insts = 1 + (next() % 6) as usize;
            let n_nums = 1 + (next() % 6) as u32;
            let mut seen = BTreeSet::new();
            let mut edges = Vec::new();
            for _ in 0..n_edges {
                let inst = (next() % n_insts as u64) as usize;
                let number = (next() % u64::from(n_nums)) as u32;
                if seen.insert((inst, number)) {
                    edges.push(Edge {
                        inst,
                        number,
                        voters: Vec::new(),
                        savings: next() % 4,
                        votes: 1,
                    });
                }
            }
            let m = optimal_matching(&edges);
            let mut insts = BTreeSet::new();
            let mut nums = BTreeSet::new();
            for e in &m {
                assert!(
                    insts.insert(e.inst) && nums.insert(e.number),
                    "not a matching"
                );
            }
            assert_eq!(score(&m), brute_force(&edges), "{edges:?}");
        }
    }

    #[test]
    fn a_long_chain_is_solved_in_linear_memory() {
        // Instruction i proposes numbers i and i+1, the second saving more: the optimum shifts
        // the whole chain, the case that made the dense matrix quadratic.
        let n = 20_000;
        let edges: Vec<Edge> = (0..n)
            .flat_map(|i| {
                [(i as u32, 1), (i as u32 + 1, 2)].map(|(number, savings)| Edge {
                    inst: i,
                    number,
                    voters: Vec::new(),
                    savings,
                    votes: 1,
                })
            })
            .collect();
        let m = optimal_matching(&edges);
        assert_eq!(score(&m), (2 * n as u64, n));
    }
}
