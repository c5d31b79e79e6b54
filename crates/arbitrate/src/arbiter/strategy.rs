//! Strategy selection: the strategy-specific ranking of implementations, the greedy order of
//! proposals and the implementation credited with a winning proposal.

use super::index::{is_live, Index};
use super::matching::Edge;
use super::{Options, Strategy};

/// The strategy-specific order of implementations (lower is stronger), for oldest and largest.
pub(super) fn implementation_ranks(index: &Index, strategy: Strategy) -> Vec<usize> {
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

pub(super) struct Ctx<'a> {
    pub(super) index: Index<'a>,
    pub(super) options: &'a Options,
    pub(super) spec: Option<usize>,
    pub(super) rank: Vec<usize>,
}

impl Ctx<'_> {
    /// The greedy sort key of a proposal: lower is decided first.
    pub(super) fn score(&self, edge: &Edge) -> (u64, u64) {
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
    pub(super) fn winner(&self, edge: &Edge) -> usize {
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
                // An instruction has one place per table, in table order (`Index::build`):
                // a binary search, where a scan per voter made this quadratic in the number
                // of implementations (a tenth of arbitrating a thousand tables).
                let cost = |t: usize| {
                    inst.places
                        .binary_search_by_key(&t, |p| p.table)
                        .map_or(0, |i| inst.places[i].move_cost)
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
