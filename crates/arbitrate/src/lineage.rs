//! Numbering families: which implementations follow the same opcode numbering.
//!
//! Two tables *agree* on an instruction they both have when they give it a common number. They
//! *deviate* on a shared instruction they number differently, and *clash* on a number both use
//! for instructions that have nothing in common. The agreement score of a pair is
//! `matches / (matches + deviations + clashes)`: 1.0 for identical numberings and for a table
//! that is a pure subset of another, falling with every deviation or clash; a pair with nothing
//! in common has no score.
//!
//! Families are formed around their most complete member: tables are taken from the largest to
//! the smallest (ties by name), and each joins the family whose head it agrees with best,
//! provided the score reaches `min_agreement` (a few deviations are allowed) and the matches
//! cover at least `min_coverage` of the joining table (so a table that merely shares three
//! instructions with a big one is not swallowed by it); otherwise it heads a new family.
//! Comparing with the head, not with any member, keeps families from chaining through small
//! tables that agree with everybody. The result does not depend on input order.

use std::collections::{BTreeSet, HashMap};

use isa_core::{Aliases, Table};

use crate::error::ArbitrateError;

/// How two tables compare, instruction by instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PairAgreement {
    /// Shared instructions with a common number.
    pub matches: usize,
    /// Shared instructions numbered differently.
    pub deviations: usize,
    /// Numbers both use for unrelated instructions.
    pub clashes: usize,
}

impl PairAgreement {
    /// `matches / (matches + deviations + clashes)`, or `None` when the tables share nothing.
    pub fn score(&self) -> Option<f64> {
        let total = self.matches + self.deviations + self.clashes;
        (total > 0).then(|| self.matches as f64 / total as f64)
    }
}

/// Tuning for [`lineages`].
#[derive(Debug, Clone)]
pub struct LineageOptions {
    /// Mnemonic identity.
    pub aliases: Aliases,
    /// Minimum agreement score with the family head (default 0.8).
    pub min_agreement: f64,
    /// Minimum share of the joining table's instructions that must match the head (default 0.5).
    pub min_coverage: f64,
}

impl Default for LineageOptions {
    fn default() -> LineageOptions {
        LineageOptions {
            aliases: Aliases::new(),
            min_agreement: 0.8,
            min_coverage: 0.5,
        }
    }
}

/// One member of a family and how well it follows the family's numbering.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// Implementation name.
    pub implementation: String,
    /// Number of distinct instructions in its table.
    pub instructions: usize,
    /// Its comparison with the family head.
    pub agreement: PairAgreement,
    /// The agreement score with the head (1.0 for the head itself).
    pub score: f64,
}

/// A numbering family.
#[derive(Debug, Clone, PartialEq)]
pub struct Lineage {
    /// The family's name: its most complete member.
    pub name: String,
    /// The head first, then members by descending agreement, then name.
    pub members: Vec<Member>,
}

/// Interned mnemonic keys, shared by the numberings being compared, so comparisons are integer
/// merge-joins instead of string-keyed map lookups.
#[derive(Default)]
pub(crate) struct Interner(HashMap<String, u32>);

impl Interner {
    fn id(&mut self, key: String) -> u32 {
        let next = self.0.len() as u32;
        *self.0.entry(key).or_insert(next)
    }
}

/// A table reduced to what numbering comparison needs: sorted (key, numbers) and
/// (number, keys) lists, each inner list sorted and deduplicated.
pub(crate) struct Numbering {
    by_key: Vec<(u32, Vec<u32>)>,
    by_number: Vec<(u32, Vec<u32>)>,
}

/// Groups sorted pairs `(a, b)` into `(a, [b...])`.
fn group(mut pairs: Vec<(u32, u32)>) -> Vec<(u32, Vec<u32>)> {
    pairs.sort_unstable();
    pairs.dedup();
    let mut out: Vec<(u32, Vec<u32>)> = Vec::new();
    for (a, b) in pairs {
        match out.last_mut() {
            Some((last, bs)) if *last == a => bs.push(b),
            _ => out.push((a, vec![b])),
        }
    }
    out
}

/// True when two sorted lists share an element.
fn intersects(a: &[u32], b: &[u32]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

/// Calls `f` for each pair of entries with equal first components in two sorted lists.
fn join<'a>(
    a: &'a [(u32, Vec<u32>)],
    b: &'a [(u32, Vec<u32>)],
    mut f: impl FnMut(&'a [u32], &'a [u32]),
) {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                f(&a[i].1, &b[j].1);
                i += 1;
                j += 1;
            }
        }
    }
}

impl Numbering {
    pub(crate) fn of(table: &Table, aliases: &Aliases, interner: &mut Interner) -> Numbering {
        let pairs: Vec<(u32, u32)> = table
            .instructions()
            .map(|e| {
                let key = aliases.key(e.mnemonic.as_deref().expect("instructions have names"));
                (interner.id(key), e.opcode)
            })
            .collect();
        let flipped = pairs.iter().map(|&(k, n)| (n, k)).collect();
        Numbering {
            by_key: group(pairs),
            by_number: group(flipped),
        }
    }

    /// Number of distinct instructions.
    fn len(&self) -> usize {
        self.by_key.len()
    }

    fn compare(&self, other: &Numbering) -> PairAgreement {
        let mut out = PairAgreement::default();
        join(&self.by_key, &other.by_key, |mine, theirs| {
            if intersects(mine, theirs) {
                out.matches += 1;
            } else {
                out.deviations += 1;
            }
        });
        join(&self.by_number, &other.by_number, |mine, theirs| {
            if !intersects(mine, theirs) {
                out.clashes += 1;
            }
        });
        out
    }
}

/// Compares two tables' numberings.
pub fn pair_agreement(a: &Table, b: &Table, aliases: &Aliases) -> PairAgreement {
    let mut interner = Interner::default();
    let na = Numbering::of(a, aliases, &mut interner);
    na.compare(&Numbering::of(b, aliases, &mut interner))
}

/// The symmetric agreement matrix of `tables` in the given order: `NaN` where two tables share
/// nothing, 1.0 on the diagonal.
pub fn agreement_matrix(tables: &[&Table], aliases: &Aliases) -> Vec<Vec<f64>> {
    let mut interner = Interner::default();
    let numberings: Vec<Numbering> = tables
        .iter()
        .map(|t| Numbering::of(t, aliases, &mut interner))
        .collect();
    let n = tables.len();
    let mut m = vec![vec![f64::NAN; n]; n];
    for i in 0..n {
        m[i][i] = 1.0;
        for j in i + 1..n {
            let s = numberings[i]
                .compare(&numberings[j])
                .score()
                .unwrap_or(f64::NAN);
            m[i][j] = s;
            m[j][i] = s;
        }
    }
    m
}

/// Groups tables into numbering families (see the module documentation). Every table belongs
/// to exactly one family; a table that follows nobody's numbering is a family of one.
/// Families are listed largest first (members, then head size, then name).
pub fn lineages(
    tables: &[Table],
    options: &LineageOptions,
) -> Result<Vec<Lineage>, ArbitrateError> {
    let mut interner = Interner::default();
    let mut order: Vec<(&Table, Numbering)> = tables
        .iter()
        .map(|t| (t, Numbering::of(t, &options.aliases, &mut interner)))
        .collect();
    order.sort_by(|(a, na), (b, nb)| {
        (std::cmp::Reverse(na.len()), &a.implementation)
            .cmp(&(std::cmp::Reverse(nb.len()), &b.implementation))
    });
    let mut seen = BTreeSet::new();
    for (t, _) in &order {
        if !seen.insert(t.implementation.as_str()) {
            return Err(ArbitrateError::DuplicateImplementation(
                t.implementation.clone(),
            ));
        }
    }
    // Family heads are indices into `order`.
    let mut families: Vec<(usize, Vec<Member>)> = Vec::new();
    for (i, (table, numbering)) in order.iter().enumerate() {
        let size = numbering.len();
        let mut best: Option<(usize, f64, PairAgreement)> = None;
        for (f, (head, _)) in families.iter().enumerate() {
            let agreement = numbering.compare(&order[*head].1);
            let Some(score) = agreement.score() else {
                continue;
            };
            let covered = agreement.matches as f64 >= options.min_coverage * size as f64;
            if score >= options.min_agreement && covered && best.is_none_or(|(_, s, _)| score > s) {
                best = Some((f, score, agreement));
            }
        }
        let member = |agreement: PairAgreement, score: f64| Member {
            implementation: table.implementation.clone(),
            instructions: size,
            agreement,
            score,
        };
        match best {
            Some((f, score, agreement)) => families[f].1.push(member(agreement, score)),
            None => {
                let own = PairAgreement {
                    matches: size,
                    ..PairAgreement::default()
                };
                families.push((i, vec![member(own, 1.0)]));
            }
        }
    }
    let mut out: Vec<Lineage> = families
        .into_iter()
        .map(|(_, mut members)| {
            members[1..].sort_by(|a, b| {
                b.score
                    .total_cmp(&a.score)
                    .then_with(|| a.implementation.cmp(&b.implementation))
            });
            Lineage {
                name: members[0].implementation.clone(),
                members,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (
            std::cmp::Reverse(a.members.len()),
            std::cmp::Reverse(a.members[0].instructions),
            &a.name,
        )
            .cmp(&(
                std::cmp::Reverse(b.members.len()),
                std::cmp::Reverse(b.members[0].instructions),
                &b.name,
            ))
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use isa_core::Entry;

    fn table(name: &str, ops: &[(u32, &str)]) -> Table {
        let mut t = Table::new(name);
        t.entries = ops.iter().map(|(n, m)| Entry::new(*n, m)).collect();
        t
    }

    #[test]
    fn subsets_agree_fully_and_swaps_count_twice() {
        let a = table("a", &[(0, "HALT"), (1, "ADD"), (2, "SUB"), (3, "MUL")]);
        let b = table("b", &[(0, "halt"), (1, "ADD")]);
        assert_eq!(pair_agreement(&a, &b, &Aliases::new()).score(), Some(1.0));
        let c = table("c", &[(0, "HALT"), (2, "ADD"), (1, "SUB"), (3, "MUL")]);
        let p = pair_agreement(&a, &c, &Aliases::new());
        // A swap is two renumbered instructions and two clashing numbers.
        assert_eq!((p.matches, p.deviations, p.clashes), (2, 2, 2));
        let d = table("d", &[(9, "X")]);
        assert_eq!(pair_agreement(&a, &d, &Aliases::new()).score(), None);
    }

    #[test]
    fn clashes_are_numbers_with_unrelated_instructions() {
        let a = table("a", &[(0, "HALT"), (1, "ADD")]);
        let b = table("b", &[(0, "HALT"), (1, "JMP")]);
        let p = pair_agreement(&a, &b, &Aliases::new());
        assert_eq!((p.matches, p.deviations, p.clashes), (1, 0, 1));
    }
}
