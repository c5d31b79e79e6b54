//! Invariants over random inputs: consistency, order independence, optimality.

use std::collections::{BTreeMap, BTreeSet};

use isa_arbitrate::{arbitrate, check_consistent, cost_of, Options, Strategy};
use isa_core::{Aliases, Date, Entry, Table};
use proptest::prelude::{any, prop, prop_assert, prop_assert_eq, proptest, ProptestConfig};
use proptest::strategy::Strategy as _;

/// Random drifted tables: a small vocabulary over a small number range, so collisions,
/// divergences, duplicates and reservations are frequent.
fn tables() -> impl proptest::strategy::Strategy<Value = Vec<Table>> {
    let entry = (0u32..12, 0usize..10, prop::bool::weighted(0.05));
    let table = (
        prop::collection::vec(entry, 0..10),
        prop::option::of(0u8..4),
    );
    prop::collection::vec(table, 1..6).prop_map(|specs| {
        specs
            .into_iter()
            .enumerate()
            .map(|(i, (entries, year))| {
                let mut t = Table::new(&format!("impl-{i}"));
                t.registered = year.map(|y| Date::new(2020 + u16::from(y), 1, 1).unwrap());
                t.entries = entries
                    .into_iter()
                    .map(|(n, m, reserved)| {
                        if reserved {
                            Entry {
                                opcode: n,
                                reserved: true,
                                ..Entry::default()
                            }
                        } else {
                            Entry::new(n, &format!("OP{m}"))
                        }
                    })
                    .collect();
                t
            })
            .collect()
    })
}

fn options(strategy: Strategy, tables: &[Table], usage_seed: u64) -> Options {
    let mut o = Options::new(strategy);
    o.spec = tables.first().map(|t| t.implementation.clone());
    // Deterministic pseudo-random weights and usage so the properties also cover them.
    for (i, t) in tables.iter().enumerate() {
        o.weights.insert(
            t.implementation.clone(),
            ((usage_seed >> i) % 3) as f64 + 0.5,
        );
        if (usage_seed >> (i + 7)) & 1 == 1 {
            let counts: BTreeMap<u32, u64> = t
                .entries
                .iter()
                .map(|e| (e.opcode, (usage_seed.rotate_left(e.opcode) % 7)))
                .collect();
            o.usage.insert(t.implementation.clone(), counts);
        }
    }
    o
}

fn reserved(tables: &[Table]) -> BTreeSet<u32> {
    tables
        .iter()
        .flat_map(|t| t.entries.iter().filter(|e| e.reserved).map(|e| e.opcode))
        .collect()
}

fn keys(tables: &[Table]) -> BTreeSet<String> {
    tables
        .iter()
        .flat_map(|t| t.instructions().map(|e| e.mnemonic.clone().unwrap()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_result_is_consistent_and_complete(ts in tables(), seed in any::<u64>()) {
        for s in Strategy::ALL {
            let out = arbitrate(&ts, &options(s, &ts, seed)).unwrap();
            check_consistent(&out.canonical, &Aliases::new(), &reserved(&ts)).unwrap();
            let got: BTreeSet<String> =
                out.canonical.instructions().map(|e| e.mnemonic.clone().unwrap()).collect();
            prop_assert_eq!(&got, &keys(&ts));
            let recomputed = cost_of(&ts, &options(s, &ts, seed), &out.canonical).unwrap();
            prop_assert_eq!(recomputed, out.cost);
        }
    }

    #[test]
    fn input_order_never_changes_the_result(ts in tables(), seed in any::<u64>(), rot in 0usize..6) {
        let mut rotated = ts.clone();
        let k = rot % rotated.len();
        rotated.rotate_left(k);
        rotated.reverse();
        for s in Strategy::ALL {
            let a = arbitrate(&ts, &options(s, &ts, seed)).unwrap();
            let b = arbitrate(&rotated, &options(s, &ts, seed)).unwrap();
            prop_assert_eq!(a, b);
        }
    }

    #[test]
    fn optimal_costs_no_more_than_any_other_strategy(ts in tables(), seed in any::<u64>()) {
        let best = arbitrate(&ts, &options(Strategy::Optimal, &ts, seed)).unwrap().cost;
        for s in [Strategy::Oldest, Strategy::Voting, Strategy::Largest, Strategy::Spec] {
            let other = arbitrate(&ts, &options(s, &ts, seed)).unwrap().cost;
            prop_assert!(best <= other, "optimal {} > {} {}", best, s, other);
        }
    }

    #[test]
    fn agreed_numbers_are_kept(ts in tables(), seed in any::<u64>()) {
        // An instruction every table places at the same single number, on a number nobody else
        // uses or reserves, keeps it under every strategy.
        let mut claims: BTreeMap<u32, BTreeSet<String>> = BTreeMap::new();
        let mut places: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
        for t in &ts {
            for e in t.instructions() {
                let m = e.mnemonic.clone().unwrap();
                claims.entry(e.opcode).or_default().insert(m.clone());
                places.entry(m).or_default().insert(e.opcode);
            }
        }
        let res = reserved(&ts);
        for s in Strategy::ALL {
            let out = arbitrate(&ts, &options(s, &ts, seed)).unwrap();
            for (m, ns) in &places {
                let n = *ns.iter().next().unwrap();
                if ns.len() == 1 && claims[&n].len() == 1 && !res.contains(&n) {
                    let got = out.canonical.entries.iter().find(|e| e.mnemonic.as_deref() == Some(m)).unwrap().opcode;
                    prop_assert_eq!(got, n);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_table_is_in_exactly_one_lineage_whatever_the_order(ts in tables(), rot in 0usize..6) {
        use isa_arbitrate::{lineages, LineageOptions};
        let a = lineages(&ts, &LineageOptions::default()).unwrap();
        let mut members: Vec<String> = a
            .iter()
            .flat_map(|l| l.members.iter().map(|m| m.implementation.clone()))
            .collect();
        members.sort();
        let mut names: Vec<String> = ts.iter().map(|t| t.implementation.clone()).collect();
        names.sort();
        prop_assert_eq!(members, names);
        for l in &a {
            prop_assert_eq!(&l.name, &l.members[0].implementation);
            prop_assert!(l.members.iter().all(|m| m.score >= 0.8 || m.implementation == l.name));
        }
        let mut shuffled = ts.clone();
        let k = rot % shuffled.len();
        shuffled.rotate_left(k);
        shuffled.reverse();
        prop_assert_eq!(a, lineages(&shuffled, &LineageOptions::default()).unwrap());
    }
}
