//! Behaviour of each strategy on small hand-made inputs.

use std::collections::{BTreeMap, BTreeSet};

use isa_arbitrate::{
    arbitrate, check_consistent, cost_of, ArbitrateError, Cost, ManualDecision, Options, Strategy,
};
use isa_core::{
    Agreement, Aliases, CheckOptions, Date, Encoding, Entry, Field, FieldKind, Layout,
    ResolveOptions, Scheme, Table,
};

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

/// The resolve step's view of a canonical table: no prefix relations, nothing unencodable,
/// no two identities on one number.
fn assert_decodable(t: &Table) {
    let scheme = Scheme::flux_unified();
    let aliases = Aliases::new();
    let resolved = isa_core::resolve(t, &ResolveOptions::new(&scheme, &aliases));
    assert_eq!(resolved.ambiguities(), vec![], "{}", t.implementation);
    let undecodable = isa_core::undecodable(t, &CheckOptions::new());
    assert!(undecodable.is_empty(), "{undecodable:?}");
}

fn numbered(name: &str, prefix: &str, numbers: impl Iterator<Item = u32>) -> Table {
    let mut t = Table::new(name);
    t.entries = numbers
        .map(|n| Entry::new(n, &format!("{prefix}{n}")))
        .collect();
    t
}

#[test]
fn overflow_goes_on_escape_pages_behind_the_cheapest_bytes() {
    let ta = numbered("a", "A", 0..=255);
    let tb = numbered("b", "B", 0..=255);
    let out = arbitrate(&[ta, tb], &Options::new(Strategy::Optimal)).unwrap();
    // 512 instructions need two escape bytes (254 + 2 × 256 >= 512). Every byte is claimed
    // alike, so the tie goes to the highest bytes: 0xFF and 0xFE.
    assert_eq!(
        out.canonical.encoding,
        Encoding::escapes([0xFE, 0xFF]).unwrap()
    );
    assert_eq!(out.space_bits, 16);
    assert_eq!(out.canonical.instructions().count(), 512);
    check_consistent(&out.canonical, &Aliases::new(), &BTreeSet::new()).unwrap();
    assert_decodable(&out.canonical);
    let wide: Vec<u32> = out
        .canonical
        .instructions()
        .map(|e| e.opcode)
        .filter(|&n| n > 0xFF)
        .collect();
    assert_eq!(wide.len(), 512 - 254);
    assert!(wide.iter().all(|n| n >> 8 == 0xFE || n >> 8 == 0xFF));
    // One of each pair moves (256), and both of the pairs at the escape bytes (2 more).
    assert_eq!(out.cost, Cost(258_000));
    // An input that declares escape bytes wins the tie for them, even without page numbers.
    let mut declares = Table::new("declares");
    declares.encoding = Encoding::escapes([0x10, 0x20]).unwrap();
    let tables = [
        numbered("a", "A", 0..=255),
        numbered("b", "B", 0..=255),
        declares,
    ];
    let declared = arbitrate(&tables, &Options::new(Strategy::Voting)).unwrap();
    assert_eq!(declared.canonical.encoding.escape_list(), &[0x10, 0x20]);
    assert_decodable(&declared.canonical);
    let halted = out.decisions.iter().find(|d| d.mnemonic == "A255").unwrap();
    assert!(
        halted.rationale.contains("0xFF is an escape prefix")
            && halted.rationale.contains("escape page of 0xF"),
        "{}",
        halted.rationale
    );
}

#[test]
fn escape_bytes_follow_the_cost_model() {
    // 300 instructions; the bytes 0x10 and 0x20 are claimed by one cheap table only, every
    // other byte by the heavy one as well.
    let heavy = numbered("heavy", "H", (0..=255).filter(|n| *n != 0x10 && *n != 0x20));
    let light = numbered(
        "light",
        "L",
        [0x10, 0x20].into_iter().chain(0x30..0x30 + 46),
    );
    let mut o = Options::new(Strategy::Voting);
    o.weights.insert("heavy".into(), 3.0);
    let out = arbitrate(&[heavy.clone(), light.clone()], &o).unwrap();
    assert_eq!(out.canonical.encoding, Encoding::escapes([0x20]).unwrap());
    assert_decodable(&out.canonical);
    // A table declaring an escape page is evidence for that byte: its page numbers are kept
    // where they are, and the byte is preferred over an equally cheap one.
    let mut spec = numbered("spec", "EXT", 0xF000..0xF003);
    spec.encoding = Encoding::escapes([0xF0]).unwrap();
    let out = arbitrate(&[heavy.clone(), light.clone(), spec.clone()], &o).unwrap();
    assert_eq!(out.canonical.encoding.escape_list(), &[0xF0]);
    assert_eq!(number_of(&out.canonical, "EXT61441"), 0xF001);
    assert_decodable(&out.canonical);
    // Pages pay for themselves: even when everything fits one byte, a page carrying more
    // evidence than its escape byte is kept.
    let small = numbered("small", "S", 0..4);
    let out = arbitrate(&[small, spec], &Options::new(Strategy::Voting)).unwrap();
    assert_eq!(out.canonical.encoding.escape_list(), &[0xF0]);
    assert_eq!(out.cost, Cost::ZERO);
    assert_decodable(&out.canonical);
}

#[test]
fn manual_decisions_and_escape_pages() {
    let ta = numbered("a", "A", 0..=255);
    let tb = numbered("b", "B", 0..=255);
    let tables = [ta, tb];
    let decide = |m: &str, n: u32| ManualDecision {
        mnemonic: m.into(),
        opcode: n,
        ..ManualDecision::default()
    };
    // A decision on 0xFF keeps 0xFF from being an escape; one on a page makes its byte one.
    let mut o = Options::new(Strategy::Voting);
    o.decisions = vec![decide("A255", 0xFF), decide("B7", 0x4107)];
    let out = arbitrate(&tables, &o).unwrap();
    let escapes = out.canonical.encoding.escape_list().to_vec();
    assert!(
        escapes.contains(&0x41) && !escapes.contains(&0xFF),
        "{escapes:?}"
    );
    assert_eq!(number_of(&out.canonical, "B7"), 0x4107);
    assert_eq!(number_of(&out.canonical, "A255"), 0xFF);
    assert_decodable(&out.canonical);
    // A decision on any page makes its byte an escape, even a byte every table uses.
    o.decisions = vec![decide("B7", 0x0107)];
    let out = arbitrate(&tables, &o).unwrap();
    assert!(out.canonical.encoding.escape_list().contains(&0x01));
    assert_eq!(number_of(&out.canonical, "B7"), 0x0107);
    assert_decodable(&out.canonical);
    // A page behind a decided instruction's byte, and nested pages, are refused.
    for (decisions, message) in [
        (
            vec![decide("A65", 0x41), decide("B7", 0x4107)],
            "0x4107 is on the escape page of 0x41, but 0x41 is decided for A65",
        ),
        (vec![decide("B7", 0x12_3456)], "nested escape page"),
    ] {
        o.decisions = decisions;
        let err = arbitrate(&tables, &o).unwrap_err();
        assert!(matches!(err, ArbitrateError::BadDecision { .. }), "{err}");
        assert!(err.to_string().contains(message), "{err}");
    }
}

#[test]
fn too_many_instructions_is_an_error_not_a_panic() {
    let big = numbered("big", "X", 0..70_000);
    let err = arbitrate(&[big], &Options::new(Strategy::Voting)).unwrap_err();
    assert!(
        matches!(err, ArbitrateError::TooManyInstructions { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("70000 instructions"), "{err}");
}

/// Entries with a size only (`size_bytes`, opcode included).
fn sized(name: &str, ops: &[(u32, &str, u32)]) -> Table {
    let mut t = Table::new(name);
    t.entries = ops
        .iter()
        .map(|&(n, m, size)| {
            let mut e = Entry::new(n, m);
            e.size_bytes = Some(size);
            e
        })
        .collect();
    t
}

#[test]
fn layout_verdicts_follow_the_one_comparison_rule() {
    let a = sized("a", &[(1, "ADD", 4), (2, "NEG", 2), (3, "NOP", 1)]);
    let mut b = sized("b", &[(1, "ADD", 4), (2, "NEG", 4)]);
    b.entries.push(Entry::new(3, "NOP").with_format("Q")); // a letter nothing defines
    let mut c = table("c", &[]);
    c.entries = vec![
        Entry::new(1, "ADD").with_format("E"), // unified E: 4 bytes, three registers
        Entry::new(5, "NEG").with_format("B"),
    ];
    let out = arbitrate(&[a, b, c], &Options::new(Strategy::Voting)).unwrap();
    let verdict = |m: &str| {
        out.decisions
            .iter()
            .find(|d| d.mnemonic == m)
            .map(|d| (d.layout, d.layout_disagreement(), d.layouts.len()))
    };
    // Size 4 and a full 4-byte layout agree: two variants, no disagreement (ADD is agreed on
    // 0x01 everywhere, so it is no decision at all).
    assert_eq!(verdict("ADD"), None);
    // 2 bytes against 4 bytes, sizes only: a disagreement, with both variants listed.
    let neg = out.decisions.iter().find(|d| d.mnemonic == "NEG").unwrap();
    assert_eq!(neg.layout, Agreement::Differs);
    assert!(
        neg.rationale.contains("layouts disagree"),
        "{}",
        neg.rationale
    );
    let rendered: Vec<&str> = neg.layouts.iter().map(|v| v.layout.as_str()).collect();
    assert!(rendered.contains(&"2 bytes (size only)"), "{rendered:?}");
    assert!(rendered.contains(&"4 bytes (size only)"), "{rendered:?}");
    // Unknown facts contradict nothing.
    assert_eq!(verdict("NOP"), None);

    // The same instructions, made decisions by a conflicting number, report their verdicts.
    let a = sized("a", &[(1, "ADD", 4), (3, "NOP", 1)]);
    let mut b = table("b", &[]);
    b.entries = vec![
        Entry::new(2, "ADD").with_format("E"),
        Entry::new(4, "NOP").with_format("Q"),
    ];
    let out = arbitrate(&[a, b], &Options::new(Strategy::Voting)).unwrap();
    let add = out.decisions.iter().find(|d| d.mnemonic == "ADD").unwrap();
    assert_eq!((add.layout, add.layouts.len()), (Agreement::Same, 2));
    assert!(!add.rationale.contains("layouts disagree"));
    let nop = out.decisions.iter().find(|d| d.mnemonic == "NOP").unwrap();
    assert_eq!((nop.layout, nop.layouts.len()), (Agreement::Unknown, 1));
}

#[test]
fn sizes_and_wide_layouts_are_restated_for_the_canonical_opcode_bytes() {
    // 300 instructions in one table with 3-byte sizes (two operand bytes after a one-byte
    // opcode); those moved to an escape page keep two operand bytes, so their size is 4.
    let ops: Vec<(u32, String)> = (0..300).map(|n| (n % 256, format!("OP{n}"))).collect();
    let mut t = Table::new("t");
    t.entries = ops
        .iter()
        .map(|(n, m)| {
            let mut e = Entry::new(*n, m);
            e.size_bytes = Some(3);
            e
        })
        .collect();
    // A layout that fixes a two-byte opcode (`[op16][imm8]`), on a one-byte number.
    let wide = Layout::new(3, vec![Field::new("imm", 8, FieldKind::Immediate)]).unwrap();
    let mut w = Table::new("w");
    w.formats.insert("W".into(), wide);
    w.entries.push(Entry::new(0x0102, "WIDE").with_format("W"));
    let out = arbitrate(&[t, w], &Options::new(Strategy::Optimal)).unwrap();
    assert_decodable(&out.canonical);
    let scheme = Scheme::flux_unified();
    let aliases = Aliases::new();
    let resolved = isa_core::resolve(&out.canonical, &ResolveOptions::new(&scheme, &aliases));
    for inst in &resolved.instructions {
        let expected = if inst.key == "WIDE" { 1 } else { 2 };
        assert_eq!(inst.operand_bytes(), Some(expected), "{}", inst.key);
        let opcode = inst.opcode_len().unwrap() as u32;
        assert_eq!(inst.size(), Some(opcode + expected), "{}", inst.key);
    }
    assert!(resolved
        .instructions
        .iter()
        .any(|i| i.opcode > 0xFF && i.entry.size_bytes == Some(4)));
    // On a one-byte number the same layout would write WIDE as `00 05`, which HALT's `00`
    // prefixes: the canonical table declares it with a one-byte opcode instead.
    let mut v = Table::new("v");
    v.formats.insert(
        "W".into(),
        Layout::new(3, vec![Field::new("imm", 8, FieldKind::Immediate)]).unwrap(),
    );
    v.entries = vec![
        Entry::new(0x00, "HALT"),
        Entry::new(0x05, "WIDE").with_format("W"),
    ];
    let out = arbitrate(&[v], &Options::new(Strategy::Voting)).unwrap();
    assert_decodable(&out.canonical);
    let e = out
        .canonical
        .entries
        .iter()
        .find(|e| e.opcode == 5)
        .unwrap();
    let layout = &out.canonical.formats[e.format.as_deref().unwrap()];
    assert_eq!((layout.size, layout.fields.len()), (2, 1));
}
