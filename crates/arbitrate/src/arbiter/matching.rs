//! The matchings of proposals to numbers: greedy in a strategy's order, and the optimal one (the
//! maximum-savings matching, solved exactly as a sparse assignment).

use std::collections::BTreeSet;

/// A proposal: instruction `inst` at `number`, made by `voters`.
#[derive(Debug, Clone)]
pub(super) struct Edge {
    pub(super) inst: usize,
    pub(super) number: u32,
    pub(super) voters: Vec<usize>,
    pub(super) savings: u64,
    pub(super) votes: u64,
}

/// Greedy matching in the given (already ranked) order.
pub(super) fn greedy_matching(edges: &[Edge]) -> Vec<Edge> {
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
pub(super) fn optimal_matching(edges: &[Edge]) -> Vec<Edge> {
    use std::cmp::Reverse;

    let (n_numbers, adj) = assignment_graph(edges);
    let n_rows = adj.len();
    // Columns: the numbers, then one private column per row.
    let n_cols = n_numbers + n_rows;
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

/// One assignment row's edges: `(column, cost, edge index)`.
type RowEdges = Vec<(usize, i128, usize)>;

/// The rows of the assignment [`optimal_matching`] solves: per instruction with proposals (in
/// instruction order), its edges `(column, cost, edge index)` — the proposed numbers' columns,
/// then the row's private column `n_numbers + row` of cost 0 — and the number of number columns.
fn assignment_graph(edges: &[Edge]) -> (usize, Vec<RowEdges>) {
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
    (n_numbers, adj)
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
