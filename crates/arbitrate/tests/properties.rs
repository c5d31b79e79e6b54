//! Invariants over random inputs: consistency, decodability (prefix-free opcode bytes, also
//! when the instructions overflow one byte and go on escape pages), order independence,
//! optimality.

use std::collections::{BTreeMap, BTreeSet};

use isa_arbitrate::{arbitrate, check_consistent, cost_of, Options, Outcome, Strategy};
use isa_core::{
    Aliases, CheckOptions, Date, Encoding, Entry, Field, FieldKind, Layout, ResolveOptions, Scheme,
    Table,
};
use proptest::prelude::{any, prop, prop_assert, prop_assert_eq, proptest, ProptestConfig};
use proptest::strategy::Strategy as _;

/// Numbers of the small generator: mostly 0..12, sometimes on the pages of 0x01 and 0xFF (which
/// a table may declare as an escape, or not declare at all).
const NUMBERS: [u32; 15] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0xFF01, 0x0102, 0xFF];

/// Random drifted tables: a small vocabulary over a small number range, so collisions,
/// divergences, duplicates and reservations are frequent; some entries have a size or a layout
/// (one that fixes a two-byte opcode among them), and some tables declare escape pages.
fn tables() -> impl proptest::strategy::Strategy<Value = Vec<Table>> {
    let entry = (
        0usize..NUMBERS.len(),
        0usize..10,
        prop::bool::weighted(0.05),
        0u8..6,
    );
    let table = (
        prop::collection::vec(entry, 0..10),
        prop::option::of(0u8..4),
        prop::bool::weighted(0.2),
    );
    prop::collection::vec(table, 1..6).prop_map(|specs| {
        specs
            .into_iter()
            .enumerate()
            .map(|(i, (entries, year, escapes))| {
                let mut t = Table::new(&format!("impl-{i}"));
                t.registered = year.map(|y| Date::new(2020 + u16::from(y), 1, 1).unwrap());
                if escapes {
                    t.encoding = Encoding::escapes([0xFF]).unwrap();
                }
                t.formats.insert(
                    "W".into(),
                    Layout::new(3, vec![Field::new("imm", 8, FieldKind::Immediate)]).unwrap(),
                );
                t.entries = entries
                    .into_iter()
                    .map(|(n, m, reserved, facts)| {
                        let n = NUMBERS[n];
                        if reserved {
                            return Entry {
                                opcode: n,
                                reserved: true,
                                ..Entry::default()
                            };
                        }
                        let e = Entry::new(n, &format!("OP{m}"));
                        match facts {
                            0 => e.with_format("E"),
                            1 => e.with_format("W"),
                            2 => Entry {
                                size_bytes: Some(2),
                                ..e
                            },
                            _ => e,
                        }
                    })
                    .collect();
                t
            })
            .collect()
    })
}

/// A small deterministic generator (SplitMix64) for the large inputs, so that proptest draws
/// only a seed and sizes and shrinking stays cheap.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n
    }
}

/// `impls` tables over a vocabulary of `vocabulary` instructions (300–1500: more than one
/// byte holds), each instruction with a home number in one byte; each table keeps ~70% of the
/// vocabulary (and every instruction is in at least one table), most at home, some drifted,
/// with a few reserved numbers and sized entries.
fn large(seed: u64, vocabulary: usize, impls: usize) -> Vec<Table> {
    let mut rng = Rng(seed);
    let home: Vec<u32> = (0..vocabulary).map(|_| rng.below(256) as u32).collect();
    (0..impls)
        .map(|i| {
            let mut t = Table::new(&format!("vm-{i}"));
            for (k, &n) in home.iter().enumerate() {
                if k % impls == i || rng.below(100) < 70 {
                    let number = if rng.below(100) < 10 {
                        rng.below(256) as u32
                    } else {
                        n
                    };
                    let mut e = Entry::new(number, &format!("OP{k}"));
                    if rng.below(4) == 0 {
                        e.size_bytes = Some(1 + rng.below(4) as u32);
                    }
                    t.entries.push(e);
                }
            }
            for _ in 0..rng.below(3) {
                t.entries.push(Entry {
                    opcode: rng.below(256) as u32,
                    reserved: true,
                    ..Entry::default()
                });
            }
            t
        })
        .collect()
}

/// Every instruction's opcode bytes are encodable and no byte string is a prefix of another,
/// by the resolve step and by `undecodable`.
fn assert_decodable(out: &Outcome, what: &str) -> Result<(), proptest::test_runner::TestCaseError> {
    let scheme = Scheme::flux_unified();
    let aliases = Aliases::new();
    let resolved = isa_core::resolve(&out.canonical, &ResolveOptions::new(&scheme, &aliases));
    prop_assert_eq!(resolved.ambiguities(), vec![], "{}", what);
    let undecodable = isa_core::undecodable(&out.canonical, &CheckOptions::new());
    prop_assert!(undecodable.is_empty(), "{}: {:?}", what, undecodable);
    Ok(())
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
        .flat_map(|t| {
            t.instructions()
                .map(|e| e.mnemonic.as_deref().unwrap().to_string())
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_result_is_consistent_and_complete(ts in tables(), seed in any::<u64>()) {
        for s in Strategy::ALL {
            let out = arbitrate(&ts, &options(s, &ts, seed)).unwrap();
            check_consistent(&out.canonical, &Aliases::new(), &reserved(&ts)).unwrap();
            assert_decodable(&out, s.as_str())?;
            let got: BTreeSet<String> =
                out.canonical.instructions().map(|e| e.mnemonic.as_deref().unwrap().to_string()).collect();
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
        // uses or reserves, keeps it under every strategy — unless that number became an
        // escape byte or lies on no escape page.
        let mut claims: BTreeMap<u32, BTreeSet<String>> = BTreeMap::new();
        let mut places: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
        for t in &ts {
            for e in t.instructions() {
                let m = e.mnemonic.as_deref().unwrap().to_string();
                claims.entry(e.opcode).or_default().insert(m.clone());
                places.entry(m).or_default().insert(e.opcode);
            }
        }
        let res = reserved(&ts);
        for s in Strategy::ALL {
            let out = arbitrate(&ts, &options(s, &ts, seed)).unwrap();
            let escapes = out.canonical.encoding.escape_list();
            let in_space = |n: u32| {
                if n <= 0xFF {
                    !escapes.contains(&n)
                } else {
                    escapes.contains(&(n >> 8))
                }
            };
            for (m, ns) in &places {
                let n = *ns.iter().next().unwrap();
                if ns.len() == 1 && claims[&n].len() == 1 && !res.contains(&n) && in_space(n) {
                    let got = out.canonical.entries.iter().find(|e| e.mnemonic.as_deref() == Some(m)).unwrap().opcode;
                    prop_assert_eq!(got, n);
                }
            }
        }
    }
}

proptest! {
    // Each case arbitrates up to 1500 instructions five times; a few dozen cases cover the
    // shapes (one to four tables, 300 to 1500 instructions) without slowing the suite.
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn overflowing_one_byte_still_gives_decodable_tables(
        seed in any::<u64>(),
        vocabulary in 300usize..=1500,
        impls in 1usize..=4,
    ) {
        let ts = large(seed, vocabulary, impls);
        let reserved = reserved(&ts);
        let mut costs = Vec::new();
        for s in Strategy::ALL {
            let o = options(s, &ts, seed);
            let out = arbitrate(&ts, &o).unwrap();
            check_consistent(&out.canonical, &Aliases::new(), &reserved).unwrap();
            assert_decodable(&out, s.as_str())?;
            let n = out.canonical.instructions().count();
            prop_assert_eq!(n, keys(&ts).len());
            // Every number is one byte or on an escape page, and no more escape bytes are
            // taken than room needs: with one fewer, even with as many of them as possible
            // on reserved bytes (which cost no room), the instructions would not fit.
            let k = out.canonical.encoding.escape_list().len();
            prop_assert!(n + reserved.len() > 256, "{} instructions fit one byte", n);
            prop_assert!(k >= 1);
            let fewer = k - 1;
            let room = (256 - fewer) + 256 * fewer - reserved.len().saturating_sub(fewer);
            prop_assert!(n > room, "{} escapes for {} ({:?}, {} reserved)", k, n, s, reserved.len());
            prop_assert_eq!(cost_of(&ts, &o, &out.canonical).unwrap(), out.cost);
            costs.push((s, out.cost));
        }
        let optimal = costs.iter().find(|(s, _)| *s == Strategy::Optimal).unwrap().1;
        for (s, c) in &costs {
            prop_assert!(optimal <= *c, "optimal {} > {} {}", optimal, s, c);
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
