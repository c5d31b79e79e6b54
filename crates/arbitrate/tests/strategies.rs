//! Behaviour of each strategy on small hand-made inputs.

use std::collections::{BTreeMap, BTreeSet};

use isa_arbitrate::{
    arbitrate, check_consistent, cost_of, ArbitrateError, Cost, ManualDecision, Options, Strategy,
};
use isa_core::{Aliases, Date, Entry, Field, FieldKind, Layout, Table};

fn table(name: &str, ops: &[(u32, &str)]) -> Table {
    let mut t = Table::new(name);
    t.entries = ops.iter().map(|(n, m)| Entry::new(*n, m)).collect();
    t
}

fn number_of(t: &Table, mnemonic: &str) -> u32 {
    t.entries
        .iter()
        .find(|e| e.mnemonic.as_deref() == Some(mnemonic))
        .unwrap_or_else(|| panic!("{mnemonic} missing"))
        .opcode
}

/// a and b agree; c moves ADD and SUB around.
fn trio() -> Vec<Table> {
    vec![
        table("a", &[(0, "HALT"), (1, "ADD"), (2, "SUB")]),
        table("b", &[(0, "HALT"), (1, "ADD"), (2, "SUB"), (3, "MUL")]),
        table("c", &[(0, "HALT"), (2, "ADD"), (1, "SUB")]),
    ]
}

#[test]
fn voting_follows_the_majority_and_weights_can_overturn_it() {
    let out = arbitrate(&trio(), &Options::new(Strategy::Voting)).unwrap();
    assert_eq!(number_of(&out.canonical, "ADD"), 1);
    assert_eq!(number_of(&out.canonical, "SUB"), 2);
    assert_eq!(out.cost, Cost(2000), "c moves ADD and SUB");
    let mut o = Options::new(Strategy::Voting);
    o.weights.insert("c".into(), 5.0);
    let out = arbitrate(&trio(), &o).unwrap();
    assert_eq!(number_of(&out.canonical, "ADD"), 2);
    assert_eq!(out.cost, Cost(4000), "a and b move ADD and SUB");
}

#[test]
fn agreed_instructions_are_not_decisions() {
    let out = arbitrate(&trio(), &Options::new(Strategy::Voting)).unwrap();
    let decided: BTreeSet<&str> = out.decisions.iter().map(|d| d.mnemonic.as_str()).collect();
    assert_eq!(decided, BTreeSet::from(["ADD", "SUB"]));
    assert_eq!(number_of(&out.canonical, "HALT"), 0);
    assert_eq!(number_of(&out.canonical, "MUL"), 3);
}

#[test]
fn oldest_uses_registration_dates_then_names() {
    let mut tables = trio();
    tables[2].registered = Some(Date::new(2020, 1, 1).unwrap());
    tables[0].registered = Some(Date::new(2024, 1, 1).unwrap());
    let out = arbitrate(&tables, &Options::new(Strategy::Oldest)).unwrap();
    assert_eq!(number_of(&out.canonical, "ADD"), 2, "c is the oldest");
    let add = out.decisions.iter().find(|d| d.mnemonic == "ADD").unwrap();
    assert_eq!(add.winner.as_deref(), Some("c"));
    assert!(
        add.rationale.contains("registered 2020-01-01"),
        "{}",
        add.rationale
    );
    // Without dates, names decide: a before b before c.
    let out = arbitrate(&trio(), &Options::new(Strategy::Oldest)).unwrap();
    assert_eq!(number_of(&out.canonical, "ADD"), 1);
}

#[test]
fn largest_prefers_the_biggest_table() {
    let tables = vec![
        table("small", &[(0, "ADD")]),
        table("big", &[(1, "ADD"), (2, "SUB"), (3, "MUL")]),
    ];
    let out = arbitrate(&tables, &Options::new(Strategy::Largest)).unwrap();
    assert_eq!(number_of(&out.canonical, "ADD"), 1);
    assert_eq!(out.decisions[0].winner.as_deref(), Some("big"));
}

#[test]
fn spec_is_authoritative_and_others_fill_only_gaps() {
    let tables = vec![
        table("spec", &[(0, "HALT"), (1, "SUB")]),
        table("x", &[(0, "HALT"), (1, "ADD"), (2, "SUB")]),
        table("y", &[(1, "ADD"), (2, "SUB")]),
    ];
    let mut o = Options::new(Strategy::Spec);
    o.spec = Some("spec".into());
    let out = arbitrate(&tables, &o).unwrap();
    assert_eq!(
        number_of(&out.canonical, "SUB"),
        1,
        "the spec wins over two votes"
    );
    assert_ne!(
        number_of(&out.canonical, "ADD"),
        1,
        "ADD cannot take the spec's number"
    );
    let add = out.decisions.iter().find(|d| d.mnemonic == "ADD").unwrap();
    assert_eq!(add.strategy, "spec");
    // Missing --spec is an error, not a silent fallback.
    assert_eq!(
        arbitrate(&tables, &Options::new(Strategy::Spec)).unwrap_err(),
        ArbitrateError::SpecMissing
    );
    let mut bad = Options::new(Strategy::Spec);
    bad.spec = Some("nope".into());
    assert!(matches!(
        arbitrate(&tables, &bad),
        Err(ArbitrateError::UnknownImplementation { .. })
    ));
}

#[test]
fn optimal_uses_usage_counts() {
    // a uses ADD heavily at 1, b and c barely at 2: optimal keeps a's number; voting does not.
    let tables = vec![
        table("a", &[(1, "ADD"), (2, "SUB")]),
        table("b", &[(2, "ADD"), (1, "SUB")]),
        table("c", &[(2, "ADD"), (1, "SUB")]),
    ];
    let mut o = Options::new(Strategy::Optimal);
    o.usage
        .insert("a".into(), BTreeMap::from([(1, 100), (2, 100)]));
    o.usage.insert("b".into(), BTreeMap::from([(2, 1), (1, 1)]));
    o.usage.insert("c".into(), BTreeMap::from([(2, 1), (1, 1)]));
    let opt = arbitrate(&tables, &o).unwrap();
    assert_eq!(number_of(&opt.canonical, "ADD"), 1);
    assert_eq!(opt.cost, Cost(4000));
    o.strategy = Strategy::Voting;
    let vote = arbitrate(&tables, &o).unwrap();
    assert_eq!(number_of(&vote.canonical, "ADD"), 2);
    assert_eq!(vote.cost, Cost(200_000));
    assert_eq!(cost_of(&tables, &o, &vote.canonical).unwrap(), vote.cost);
}

#[test]
fn optimal_beats_greedy_where_greedy_is_myopic() {
    // Voting settles the tie at 1 (three votes each) for X, pushing Y to 5: cost 2 + 3.
    // Optimal moves X to 2 instead and keeps Y at 1: cost 3 + 1.
    let tables = vec![
        table("a", &[(1, "X"), (5, "Y")]),
        table("b", &[(1, "X"), (1, "Y")]),
        table("c", &[(2, "X"), (1, "Y")]),
        table("d", &[(2, "X"), (1, "Y")]),
        table("e", &[(1, "X")]),
    ];
    let opt = arbitrate(&tables, &Options::new(Strategy::Optimal)).unwrap();
    let vote = arbitrate(&tables, &Options::new(Strategy::Voting)).unwrap();
    assert!(opt.cost < vote.cost, "{} vs {}", opt.cost, vote.cost);
    assert_eq!(number_of(&opt.canonical, "Y"), 1);
    assert_eq!(number_of(&opt.canonical, "X"), 2);
}

#[test]
fn reserved_numbers_are_never_handed_out() {
    let mut r = table("r", &[(0, "HALT")]);
    r.entries.push(Entry {
        opcode: 1,
        reserved: true,
        ..Entry::default()
    });
    let tables = vec![r, table("x", &[(1, "ADD"), (0, "HALT")])];
    for s in Strategy::ALL {
        let mut o = Options::new(s);
        o.spec = Some("x".into());
        let out = arbitrate(&tables, &o).unwrap();
        assert_ne!(number_of(&out.canonical, "ADD"), 1, "{s}");
        let reserved: Vec<u32> = out
            .canonical
            .entries
            .iter()
            .filter(|e| e.reserved)
            .map(|e| e.opcode)
            .collect();
        assert_eq!(reserved, vec![1]);
    }
    let mut o = Options::new(Strategy::Voting);
    o.decisions.push(ManualDecision {
        mnemonic: "add".into(),
        opcode: 1,
        ..ManualDecision::default()
    });
    let err = arbitrate(&tables, &o).unwrap_err();
    assert!(err.to_string().contains("reserved"), "{err}");
}

#[test]
fn manual_decisions_override_and_are_recorded() {
    let mut o = Options::new(Strategy::Voting);
    o.decisions.push(ManualDecision {
        mnemonic: "sub".into(),
        opcode: 7,
        rationale: Some("board ruling 12".into()),
        category: Some("arith".into()),
        ..ManualDecision::default()
    });
    let out = arbitrate(&trio(), &o).unwrap();
    assert_eq!(number_of(&out.canonical, "SUB"), 7);
    let sub = out.decisions.iter().find(|d| d.mnemonic == "SUB").unwrap();
    assert_eq!(sub.strategy, "manual");
    assert!(sub.rationale.starts_with("board ruling 12"));
    assert_eq!(sub.cost, Cost(3000));
    let e = out
        .canonical
        .entries
        .iter()
        .find(|e| e.opcode == 7)
        .unwrap();
    assert_eq!(e.category.as_deref(), Some("arith"));
    // Unknown mnemonics, double numbers and double decisions are refused.
    for (m, n) in [("NOPE", 9), ("ADD", 7)] {
        let mut bad = o.clone();
        bad.decisions.push(ManualDecision {
            mnemonic: m.into(),
            opcode: n,
            ..ManualDecision::default()
        });
        assert!(matches!(
            arbitrate(&trio(), &bad),
            Err(ArbitrateError::BadDecision { .. })
        ));
    }
}

#[test]
fn aliases_identify_instructions() {
    let tables = vec![table("a", &[(1, "IADD")]), table("b", &[(2, "ADD")])];
    let mut o = Options::new(Strategy::Voting);
    o.aliases.insert("IADD", "ADD").unwrap();
    let out = arbitrate(&tables, &o).unwrap();
    assert_eq!(out.canonical.instructions().count(), 1);
    assert_eq!(out.decisions[0].votes.len(), 2);
}

#[test]
fn layout_disagreements_are_reported_and_formats_follow_the_strategy() {
    let mut a = table("a", &[]);
    a.entries.push(Entry::new(0x18, "MOVI").with_format("D"));
    let mut b = table("b", &[]);
    b.formats.insert(
        "D".into(),
        Layout::new(
            4,
            vec![
                Field::new("rd", 8, FieldKind::Register),
                Field::new("imm", 16, FieldKind::SignedImmediate),
            ],
        )
        .unwrap(),
    );
    b.entries.push(Entry::new(0x18, "MOVI").with_format("D"));
    let mut c = table("c", &[]);
    c.formats = b.formats.clone();
    c.entries.push(Entry::new(0x18, "MOVI").with_format("D"));
    let out = arbitrate(&[a, b, c], &Options::new(Strategy::Voting)).unwrap();
    let d = &out.decisions[0];
    assert!(d.layout_disagreement());
    assert!(d.rationale.contains("layouts disagree"), "{}", d.rationale);
    // b and c outvote a: the canonical table declares their 4-byte D (no canonical entry uses
    // the unified D, so the letter is free to declare).
    let e = &out.canonical.entries[0];
    let letter = e.format.as_deref().unwrap();
    assert_eq!(out.canonical.formats[letter].size, 4);
    assert_eq!(letter, "D");
}

#[test]
fn every_strategy_gives_a_consistent_table() {
    for s in Strategy::ALL {
        let mut o = Options::new(s);
        o.spec = Some("c".into());
        let out = arbitrate(&trio(), &o).unwrap();
        check_consistent(&out.canonical, &Aliases::new(), &BTreeSet::new()).unwrap();
        assert_eq!(out.canonical.instructions().count(), 4, "{s}");
    }
}

#[test]
fn bad_inputs_are_refused() {
    assert_eq!(
        arbitrate(&[], &Options::new(Strategy::Voting)).unwrap_err(),
        ArbitrateError::NoTables
    );
    let dup = vec![table("a", &[(0, "X")]), table("a", &[(1, "X")])];
    assert!(matches!(
        arbitrate(&dup, &Options::new(Strategy::Voting)),
        Err(ArbitrateError::DuplicateImplementation(_))
    ));
    let mut o = Options::new(Strategy::Voting);
    o.weights.insert("a".into(), -1.0);
    assert!(matches!(
        arbitrate(&trio(), &o),
        Err(ArbitrateError::BadWeight { .. })
    ));
    let mut o = Options::new(Strategy::Voting);
    o.usage.insert("ghost".into(), BTreeMap::new());
    assert!(matches!(
        arbitrate(&trio(), &o),
        Err(ArbitrateError::UnknownImplementation { .. })
    ));
}

#[test]
fn overflowing_an_8_bit_space_widens_it() {
    let a: Vec<(u32, String)> = (0..=255).map(|n| (n, format!("A{n}"))).collect();
    let b: Vec<(u32, String)> = (0..=255).map(|n| (n, format!("B{n}"))).collect();
    let ta = table(
        "a",
        &a.iter().map(|(n, m)| (*n, m.as_str())).collect::<Vec<_>>(),
    );
    let tb = table(
        "b",
        &b.iter().map(|(n, m)| (*n, m.as_str())).collect::<Vec<_>>(),
    );
    let out = arbitrate(&[ta, tb], &Options::new(Strategy::Optimal)).unwrap();
    assert_eq!(out.space_bits, 16);
    assert_eq!(out.canonical.instructions().count(), 512);
    check_consistent(&out.canonical, &Aliases::new(), &BTreeSet::new()).unwrap();
    assert_eq!(out.cost, Cost(256_000));
}
