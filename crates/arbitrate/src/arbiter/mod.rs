//! The arbiter: manual decisions, the canonical opcode space (one-byte numbers plus escape
//! pages), agreed numbers, then a strategy's matching.
//!
//! The parts, in the order arbitration uses them: `index.rs` indexes every table once, with the
//! cost model (each implementation's move cost per instruction, and what a number costs an
//! instruction); `space.rs` places the escape pages; `strategy.rs` ranks implementations and
//! proposals for the chosen [`Strategy`]; `assign.rs` gives every instruction its number, layer
//! by layer; `matching.rs` holds the greedy and the optimal matching; `formats.rs` picks the
//! entry each canonical instruction copies and its format letter; `outcome.rs` assembles the
//! canonical table and the decision records.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use isa_core::conflict::hex_opcode;
use isa_core::{Agreement, Aliases, Location, Scheme, Table};

use crate::cost::Cost;
use crate::error::ArbitrateError;

mod assign;
mod formats;
mod index;
mod matching;
mod outcome;
mod space;
mod strategy;

use assign::How;
use index::{check_name, Index};
use matching::{greedy_matching, optimal_matching, Edge};
use outcome::build_outcome;
use space::choose_escapes;
use strategy::{implementation_ranks, Ctx};

isa_core::named_enum! {
    /// How conflicting numbers are resolved (`ALL` is the order `--help` lists them in).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Strategy {
        /// The implementation registered first wins (by `registered` date; undated tables
        /// count as newest; ties by implementation name).
        Oldest => "oldest",
        /// The number with the most weighted votes wins (weight 1 unless given).
        Voting => "voting",
        /// The implementation with the most instructions wins (ties by name).
        Largest => "largest",
        /// One table is authoritative; the others only fill instructions it lacks (by voting).
        Spec => "spec",
        /// The consistent numbering with the least total weighted renumbering cost.
        Optimal => "optimal",
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
    /// Implementations using it, sorted. The names are shared with the index, as
    /// [`Decision::votes`]' are (a copy per variant was 8 MB at 1,000 × 256).
    pub implementations: Vec<std::sync::Arc<str>>,
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
    /// Each implementation's number for the instruction (its lowest, if it lists several), in
    /// implementation name order, one per implementation that has it. The names are shared
    /// with the index: a thousand implementations voting on every instruction were a quarter
    /// of a million name copies.
    pub votes: Vec<(std::sync::Arc<str>, u32)>,
    /// One sentence on why.
    pub rationale: String,
    /// What this choice costs the implementations (weight × usage of every mover).
    pub cost: Cost,
    /// The verdict over every pair of implementations' operand facts, by the one comparison
    /// rule ([`isa_core::compare`]): `Differs` when any two contradict, `Same` when at least two
    /// implementations know comparable facts and none contradict, `Unknown` otherwise.
    pub layout: Agreement,
    /// The distinct known operand facts proposed (grouped by
    /// [`FactKey`](isa_core::resolve::FactKey)). Several variants need not disagree: a size-only
    /// entry and a full layout of that size are two variants that agree.
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
    let decided = assign::apply_decisions(index, options, &mut assigned, &mut taken)?;

    // 2. The space: escape bytes chosen from the evidence, the same for every strategy (so the
    // strategies' costs compare like with like).
    let space = choose_escapes(index, &decided, options)?;

    // Who proposes each number (for the agreed-number test and the proposal graph).
    let claims = assign::claims(index);

    // 3. Agreed numbers: one number everywhere, claimed by nobody else, not reserved, in the space.
    assign::assign_agreed(index, &space, &claims, &mut assigned, &mut taken);

    // 4. Proposals for the rest (numbers outside the space cannot be kept), in greedy order.
    let edges = assign::proposals(&ctx, &space, &assigned, &taken);

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

    // Instructions whose proposals were all taken: an own proposal still free, else the lowest
    // free number of the space.
    assign::assign_free(index, &space, &edges, &mut assigned, &mut taken);

    let outcome = build_outcome(&ctx, assigned, &space)?;
    // Costs add up saturating; a total at the ceiling means the sum overflowed, and a
    // comparison of strategies on saturated totals would be meaningless.
    if outcome.cost.0 == u64::MAX {
        return Err(ArbitrateError::CostOverflow);
    }
    Ok(outcome)
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
