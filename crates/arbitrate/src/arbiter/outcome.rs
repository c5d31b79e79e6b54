//! Outcome assembly: the canonical table (entries in number order, declared formats, reserved
//! numbers) and a decision record, with its rationale, for every instruction that needed
//! deciding.

use isa_core::conflict::hex_opcode;
use isa_core::{Agreement, Entry, EntryText, Table};

use super::assign::{Assigned, How, Lost};
use super::formats::{assign_letters, choose_sources, layout_verdict, Chosen};
use super::index::{is_live, Inst, Place};
use super::matching::Edge;
use super::space::Space;
use super::strategy::Ctx;
use super::{Decision, LayoutVariant, ManualDecision, Outcome, Strategy};
use crate::cost::Cost;
use crate::error::ArbitrateError;

/// One row of the canonical table: the number, the instruction index and how it got the number.
type Row = (u32, usize, How);

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

/// Assembles the outcome from every instruction's number: the canonical table, the decisions
/// and the total cost.
pub(super) fn build_outcome(
    ctx: &Ctx,
    assigned: Assigned,
    space: &Space,
) -> Result<Outcome, ArbitrateError> {
    let index = &ctx.index;
    let options = ctx.options;
    let rows = sorted_rows(assigned);

    let mut canonical = Table::new(&options.name);
    canonical.encoding = space.encoding();

    // Letters that resolve through the scheme (or not at all) keep that meaning; a declared
    // layout whose letter would clash is declared under a fresh letter.
    let (chosen, locked) = choose_sources(ctx, &rows, &canonical);
    let (letters, declared) = assign_letters(options, &chosen, &locked);
    canonical.formats = declared;

    let mut decisions = Vec::new();
    let mut total = Cost::ZERO;
    let reserved: Vec<u32> = index.reserved.iter().copied().collect();
    let mut entries: Vec<Entry> = Vec::new();
    for (row, (chosen, format)) in rows.into_iter().zip(chosen.into_iter().zip(letters)) {
        let cost = Cost(index.cost(row.1, row.0));
        total += cost;
        let (entry, decision) = canonical_row(ctx, row, chosen, format, cost);
        decisions.extend(decision);
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

/// Every instruction's row, sorted by number (then instruction index).
fn sorted_rows(assigned: Assigned) -> Vec<Row> {
    let mut rows: Vec<(u32, usize, How)> = assigned
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            let (n, how) = a.expect("every instruction is assigned");
            (n, i, how)
        })
        .collect();
    rows.sort_by_key(|(n, i, _)| (*n, *i));
    rows
}

/// The canonical entry of one row and, when the instruction needed deciding (anything but an
/// agreed number with agreeing layouts), its decision record.
fn canonical_row(
    ctx: &Ctx,
    (number, i, how): Row,
    (place, category, _, size): Chosen,
    format: Option<String>,
    cost: Cost,
) -> (Entry, Option<Decision>) {
    let index = &ctx.index;
    let inst = &index.insts[i];
    let source = index.entry(place);
    let mut entry = Entry {
        opcode: number,
        mnemonic: Some(inst.key.as_str().into()),
        format: format.map(Into::into),
        category: category.map(Into::into),
        size_bytes: size,
        // The source's spelling stays with the source: the canonical entry has its own name.
        details: EntryText {
            source_name: None,
            ..source.details.get().clone()
        }
        .into(),
        ..Entry::default()
    };
    if let How::Manual(d) = &how {
        apply_manual(&mut entry, &ctx.options.decisions[*d]);
    }
    let (layout, layouts) = layout_verdict(ctx, inst);
    let notes = Notes {
        ctx,
        inst,
        place,
        layout,
        layouts: &layouts,
    };
    let Some(why) = rationale(&notes, number, how) else {
        return (entry, None);
    };
    // Places are in table order, which is name order (`Index::build`).
    let votes = inst
        .places
        .iter()
        .map(|p| (index.names[p.table].clone(), p.numbers()[0]))
        .collect();
    let decision = Decision {
        mnemonic: inst.key.clone(),
        opcode: number,
        strategy: why.strategy,
        winner: why.winner,
        votes,
        rationale: why.rationale,
        cost,
        layout,
        layouts,
    };
    (entry, Some(decision))
}

/// A manual decision's format and category replace the strategy's choice.
fn apply_manual(entry: &mut Entry, decision: &ManualDecision) {
    if decision.format.is_some() {
        entry.format = decision.format.as_deref().map(Into::into);
    }
    if decision.category.is_some() {
        entry.category = decision.category.as_deref().map(Into::into);
    }
}

/// The strategy, winner and rationale of a decision record.
struct Why {
    strategy: String,
    winner: Option<String>,
    rationale: String,
}

/// What a rationale says about one instruction besides how it got its number: the
/// implementations that renumber it, and a layout disagreement.
struct Notes<'a> {
    ctx: &'a Ctx<'a>,
    inst: &'a Inst,
    /// The place the canonical entry copies (its format is the one taken).
    place: &'a Place,
    layout: Agreement,
    layouts: &'a [LayoutVariant],
}

impl Notes<'_> {
    /// `; layouts disagree: …` when the implementations' operand facts contradict, else empty.
    fn layout(&self) -> String {
        let index = &self.ctx.index;
        if self.layout != Agreement::Differs {
            return String::new();
        }
        let parts: Vec<String> = self
            .layouts
            .iter()
            .map(|v| {
                let names: Vec<&str> = v.implementations.iter().map(|n| &**n).collect();
                format!("{} ({})", v.layout, list(&names, 3))
            })
            .collect();
        format!(
            "; layouts disagree: {}; format taken from {}",
            parts.join(" vs "),
            index.name(self.place.table)
        )
    }

    /// `; renumbered in …` naming the implementations that do not have the instruction at `n`,
    /// else empty.
    fn moved(&self, n: u32) -> String {
        let index = &self.ctx.index;
        let m: Vec<&str> = self
            .inst
            .places
            .iter()
            .filter(|p| !p.numbers().contains(&n))
            .map(|p| index.name(p.table))
            .collect();
        if m.is_empty() {
            String::new()
        } else {
            format!("; renumbered in {}", list(&m, 3))
        }
    }
}

/// Why the instruction got `number`; `None` for an agreed number with agreeing layouts, which
/// needs no decision record.
fn rationale(notes: &Notes, number: u32, how: How) -> Option<Why> {
    let options = notes.ctx.options;
    let have = notes.inst.places.len();
    let why = match how {
        How::Agreed => {
            if notes.layout != Agreement::Differs {
                return None;
            }
            Why {
                strategy: options.strategy.as_str().to_string(),
                winner: None,
                rationale: format!(
                    "all {have} implementations with {} agree on {}{}",
                    notes.inst.key,
                    hex_opcode(number),
                    notes.layout()
                ),
            }
        }
        How::Manual(d) => {
            let decision = &options.decisions[d];
            let why = decision
                .rationale
                .clone()
                .unwrap_or_else(|| "manual decision".to_string());
            Why {
                strategy: "manual".to_string(),
                winner: None,
                rationale: format!("{why}{}{}", notes.moved(number), notes.layout()),
            }
        }
        How::Proposal(edge) => proposal_rationale(notes, number, &edge),
        How::Free { lost } => free_rationale(notes, number, &lost),
    };
    Some(why)
}

/// The rationale of a proposal the strategy kept.
fn proposal_rationale(notes: &Notes, number: u32, edge: &Edge) -> Why {
    let ctx = notes.ctx;
    let index = &ctx.index;
    let have = notes.inst.places.len();
    let winner = ctx.winner(edge);
    let voters: Vec<&str> = edge.voters.iter().map(|&t| index.name(t)).collect();
    let why = strategy_reason(ctx, notes.inst, edge, winner);
    Why {
        strategy: ctx.options.strategy.as_str().to_string(),
        winner: Some(index.name(winner).to_string()),
        rationale: format!(
            "kept at {} as in {} ({} of {have}); {why}{}{}",
            hex_opcode(number),
            list(&voters, 3),
            voters.len(),
            notes.moved(number),
            notes.layout()
        ),
    }
}

/// Why the strategy preferred `winner`'s proposal `edge` for `inst`.
fn strategy_reason(ctx: &Ctx, inst: &Inst, edge: &Edge, winner: usize) -> String {
    let index = &ctx.index;
    let options = ctx.options;
    match options.strategy {
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
        Strategy::Optimal => "part of the minimum-cost consistent numbering".to_string(),
    }
}

/// The rationale of an instruction given the lowest free number: why each of its own numbers
/// was lost.
fn free_rationale(notes: &Notes, number: u32, lost: &[(u32, Lost)]) -> Why {
    let index = &notes.ctx.index;
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
    Why {
        strategy: notes.ctx.options.strategy.as_str().to_string(),
        winner: None,
        rationale: format!(
            "no proposed number is free ({}); given the lowest free number{page}{}{}",
            list(&lost, 3),
            notes.moved(number),
            notes.layout()
        ),
    }
}
