//! The layers that give every instruction its number: manual decisions, agreed numbers, the
//! strategy's proposals (matched in `matching.rs`) and, for instructions whose proposals were
//! all taken, the lowest free number of the space.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use isa_core::conflict::hex_opcode;

use super::index::{Index, Place};
use super::matching::Edge;
use super::space::Space;
use super::strategy::Ctx;
use super::Options;
use crate::error::ArbitrateError;

/// Why an instruction could not keep one of its own numbers.
#[derive(Debug, Clone)]
pub(super) enum Lost {
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
pub(super) enum How {
    Manual(usize),
    Agreed,
    Proposal(Edge),
    Free { lost: Vec<(u32, Lost)> },
}

/// Each instruction's number and how it got it, by instruction index (`None`: not yet).
pub(super) type Assigned = Vec<Option<(u32, How)>>;

/// Layer 1: applies the manual decisions; returns the decided `(number, decision index)` pairs.
pub(super) fn apply_decisions(
    index: &Index,
    options: &Options,
    assigned: &mut Assigned,
    taken: &mut HashMap<u32, usize>,
) -> Result<Vec<(u32, usize)>, ArbitrateError> {
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
    Ok(decided)
}

/// Who proposes each number: the instructions any implementation places there.
pub(super) fn claims(index: &Index) -> BTreeMap<u32, Vec<usize>> {
    let mut claims: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, inst) in index.insts.iter().enumerate() {
        let numbers: BTreeSet<u32> = inst
            .places
            .iter()
            .flat_map(|p| p.numbers().iter().copied())
            .collect();
        for n in numbers {
            claims.entry(n).or_default().push(i);
        }
    }
    claims
}

/// Layer 3: an instruction every implementation places at the same single number keeps it when
/// nobody else claims it, no table reserves it and the space holds it.
pub(super) fn assign_agreed(
    index: &Index,
    space: &Space,
    claims: &BTreeMap<u32, Vec<usize>>,
    assigned: &mut Assigned,
    taken: &mut HashMap<u32, usize>,
) {
    for (i, inst) in index.insts.iter().enumerate() {
        if assigned[i].is_some() {
            continue;
        }
        let first = inst.places[0].numbers()[0];
        let agreed = inst.places.iter().all(|p| p.numbers()[..] == [first])
            && space.holds(first)
            && !index.reserved.contains(&first)
            && !taken.contains_key(&first)
            && claims.get(&first).is_some_and(|c| c.len() == 1);
        if agreed {
            assigned[i] = Some((first, How::Agreed));
            taken.insert(first, i);
        }
    }
}

/// Layer 4: the proposals of the instructions still unassigned, at numbers still free and in
/// the space, sorted in the strategy's greedy order.
pub(super) fn proposals(
    ctx: &Ctx,
    space: &Space,
    assigned: &Assigned,
    taken: &HashMap<u32, usize>,
) -> Vec<Edge> {
    let index = &ctx.index;
    let mut edges: Vec<Edge> = Vec::new();
    for (i, inst) in index.insts.iter().enumerate() {
        if assigned[i].is_some() {
            continue;
        }
        let mut by_number: BTreeMap<u32, Vec<&Place>> = BTreeMap::new();
        for p in &inst.places {
            for &n in p.numbers() {
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
    edges
}

/// The instructions whose proposals were all taken get an own proposal that is still free, else
/// the lowest free number of the space.
pub(super) fn assign_free(
    index: &Index,
    space: &Space,
    edges: &[Edge],
    assigned: &mut Assigned,
    taken: &mut HashMap<u32, usize>,
) {
    let n_inst = index.insts.len();
    // Instructions whose proposals were all taken: first an own proposal that is still free
    // (possible when it saves nothing, e.g. zero usage), else the lowest free number of the
    // space — one-byte numbers first, then the escape pages in order.
    let mut free = space.numbers();
    let mut by_inst: Vec<Vec<&Edge>> = vec![Vec::new(); n_inst];
    for e in edges {
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
            .flat_map(|p| p.numbers().iter().copied())
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
}
