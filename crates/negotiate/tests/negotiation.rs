//! Negotiation, advertisement building and the handshake, through the public API.

mod common;

use common::{ad, ad_with_notes, group, table, try_ad, unified, v};
use isa_negotiate::wire::{decode_answer, decode_offer, encode_answer, encode_offer};
use isa_negotiate::{
    negotiate, usable_count, Claim, Client, HandshakeError, Reason, Server, Verdict, Version,
};

#[test]
fn highest_common_version_uses_semver_order_not_string_order() {
    let t = unified();
    let a = ad(
        &t,
        vec![v("9.0.0", 9), v("10.0.0", 10), v("2.0.0", 2)],
        vec![],
    );
    let b = ad(&t, vec![v("10.0.0", 10), v("9.0.0", 9)], vec![]);
    let agreed = negotiate(&a, &b);
    assert_eq!(agreed.version.unwrap().version, Version::new(10, 0, 0));
    assert!(agreed.compatible);
    assert!(agreed.reasons.is_empty(), "{:?}", agreed.reasons);
}

#[test]
fn same_label_with_different_hashes_is_never_chosen_and_is_reported() {
    let t = unified();
    let a = ad(&t, vec![v("1.0.0", 1), v("2.0.0", 2)], vec![]);
    let b = ad(&t, vec![v("1.0.0", 1), v("2.0.0", 0xee)], vec![]);
    let agreed = negotiate(&a, &b);
    assert_eq!(
        agreed.version.as_ref().unwrap().version,
        Version::new(1, 0, 0)
    );
    let text: Vec<String> = agreed.reasons.iter().map(|r| r.to_string()).collect();
    assert_eq!(text.len(), 1, "{text:?}");
    assert!(
        text[0].starts_with("version 2.0.0 is defined differently: unified (A) has sha256:020202020202…, unified (B) has sha256:eeeeeeeeeeee…"),
        "{}",
        text[0]
    );

    // With the only shared label mismatched, there is no version at all.
    let c = ad(&t, vec![v("2.0.0", 0xee)], vec![]);
    let agreed = negotiate(&a, &c);
    assert!(!agreed.compatible);
    assert!(agreed.version.is_none());
    assert!(matches!(agreed.reasons[0], Reason::NoCommonVersion { .. }));
    assert!(agreed.reasons[0]
        .to_string()
        .contains("unified (A) offers 1.0.0, 2.0.0; unified (B) offers 2.0.0"));
}

#[test]
fn usable_instructions_need_same_number_name_and_layout() {
    let a = ad(&unified(), vec![v("1.0.0", 1)], vec![]);
    let other = table(
        "other",
        &[
            (0x00, "HALT", Some("A")), // same
            (0x01, "NOP", None),       // no layout declared: assumed
            (0x09, "INC", Some("B")),  // moved
            (0x20, "ADD", Some("G")),  // other layout
            (0x21, "SUB", Some("E")),  // same
            (0x30, "CALL", Some("F")), // only here
        ],
    );
    let b = ad(&other, vec![v("1.0.0", 1)], vec![]);
    let agreed = negotiate(&a, &b);
    let usable: Vec<&str> = agreed
        .usable
        .iter()
        .map(|u| u.mnemonic.as_deref().unwrap())
        .collect();
    assert_eq!(usable, ["HALT", "NOP", "SUB"]);
    assert_eq!(usable_count(&a, &b), 3);
    assert_eq!(agreed.usable[1].verdict, Verdict::LayoutUnknown);
    assert_eq!(agreed.usable[0].verdict, Verdict::Usable);
    assert_eq!(agreed.verdict(0x20, "add"), Some(Verdict::LayoutDiffers));
    assert_eq!(agreed.verdict(0x08, "INC"), None, "at different numbers");
    let text: Vec<String> = agreed.reasons.iter().map(|r| r.to_string()).collect();
    assert_eq!(
        text,
        [
            "INC has a different number: 0x08 vs 0x09",
            "ADD at 0x20 has a different layout: 3 operand bytes vs 4 operand bytes",
            "1 instruction(s) only in unified: MOVI",
            "1 instruction(s) only in other: CALL",
            "1 usable instruction(s) have no known layout or size on at least one side; their layouts are unchecked",
        ]
    );
    assert!(agreed.compatible);
}

#[test]
fn digest_only_advertisements_negotiate_the_same_set() {
    let t = unified();
    let mut a = ad(&t, vec![v("1.0.0", 1)], vec![]);
    let b = ad(
        &table("b", &[(0x20, "ADD", Some("E"))]),
        vec![v("1.0.0", 1)],
        vec![],
    );
    a.mnemonics.clear();
    let mut b2 = b.clone();
    b2.mnemonics.clear();
    assert_eq!(negotiate(&a, &b2).usable.len(), 1);
    assert_eq!(negotiate(&a, &b2).usable[0].mnemonic, None);
    // Without names on either side, reasons name instructions by digest.
    let lonely = negotiate(&a, &b2);
    let only = lonely
        .reasons
        .iter()
        .find(|r| matches!(r, Reason::OnlyIn { .. }));
    assert!(only
        .unwrap()
        .to_string()
        .contains("5 instruction(s) only in unified: #"));
}

#[test]
fn negotiation_is_symmetric() {
    let a = ad(
        &unified(),
        vec![v("1.0.0", 1), v("1.1.0", 3)],
        vec![group("core", &["HALT", "NOP"])],
    );
    let b = ad(
        &table(
            "b",
            &[
                (0x00, "HALT", Some("A")),
                (0x01, "NOP", None),
                (0x22, "MUL", Some("E")),
            ],
        ),
        vec![v("1.1.0", 3), v("1.0.0", 1)],
        vec![group("core", &["HALT", "NOP"])],
    );
    let (ab, ba) = (negotiate(&a, &b), negotiate(&b, &a));
    assert_eq!(ab.version, ba.version);
    assert_eq!(ab.features, ba.features);
    assert_eq!(ab.usable.len(), ba.usable.len());
    assert_eq!(ab.selection().usable_digest, ba.selection().usable_digest);
    assert_eq!(ab.features, ["core"]);
}

#[test]
fn features_are_the_identical_fully_usable_groups_both_claim() {
    let t = unified();
    let groups_a = vec![
        group("base", &["HALT", "NOP"]),
        group("arith", &["ADD", "SUB"]),
        group("moves", &["MOVI"]),
        group("float", &["HALT"]),
    ];
    let other = table(
        "other",
        &[
            (0x00, "HALT", Some("A")),
            (0x01, "NOP", Some("A")),
            (0x20, "ADD", Some("E")),
            (0x21, "SUB", Some("E")),
            (0x40, "MOVI", Some("D")),
        ],
    );
    let groups_b = vec![
        group("base", &["HALT", "NOP"]),
        group("arith", &["ADD"]),  // redefined
        group("moves", &["MOVI"]), // same definition, but MOVI sits elsewhere
        group("extra", &["NOP"]),
    ];
    let a = ad(&t, vec![v("1.0.0", 1)], groups_a);
    let b = ad(&other, vec![v("1.0.0", 1)], groups_b);
    let agreed = negotiate(&a, &b);
    assert_eq!(agreed.features, ["base"]);
    let text: Vec<String> = agreed
        .reasons
        .iter()
        .filter(|r| {
            matches!(
                r,
                Reason::FeatureOnlyIn { .. }
                    | Reason::FeatureRedefined { .. }
                    | Reason::FeatureNotUsable { .. }
            )
        })
        .map(|r| r.to_string())
        .collect();
    assert_eq!(
        text,
        [
            "feature `arith` is defined differently (its frozen definitions differ)",
            "feature `moves`: 1 of its 1 instruction(s) are not usable by both",
            "feature `float` is claimed only by unified",
            "feature `extra` is claimed only by other",
        ]
    );
}

#[test]
fn builder_claims_only_fully_implemented_groups_and_drops_ambiguous_entries() {
    let t = table(
        "t",
        &[
            (0x00, "HALT", Some("A")),
            (0x05, "JMP", Some("F")),
            (0x05, "jmp", Some("D")), // same number and name, two layouts: ambiguous
            (0x06, "ODD", None),
            (0x06, "ODD", Some("B")), // the known layout wins over none
        ],
    );
    let (a, notes) = ad_with_notes(
        &t,
        vec![v("1.0.0", 1)],
        vec![group("ok", &["HALT"]), group("missing", &["HALT", "FADD"])],
    );
    assert_eq!(a.mnemonics, ["HALT", "ODD"]);
    assert!(matches!(a.instructions[1].claim, Claim::Layout { .. }));
    assert_eq!(a.groups.len(), 1);
    assert_eq!(a.groups[0].name, "ok");
    let notes: Vec<String> = notes.iter().map(|n| n.to_string()).collect();
    assert_eq!(
        notes,
        [
            "JMP at 0x05 left out: the table gives it two different layouts",
            "feature group `missing` not claimed: 1 of its 2 instructions are missing (FADD)",
        ]
    );
}

#[test]
fn no_usable_instruction_means_incompatible_even_with_a_common_version() {
    let a = ad(
        &table("a", &[(1, "NOP", Some("A"))]),
        vec![v("1.0.0", 1)],
        vec![],
    );
    let b = ad(
        &table("b", &[(2, "NOP", Some("A"))]),
        vec![v("1.0.0", 1)],
        vec![],
    );
    let agreed = negotiate(&a, &b);
    assert!(!agreed.compatible);
    assert!(agreed.version.is_some());
    assert_eq!(agreed.reasons[0], Reason::NoUsableInstructions);
}

#[test]
fn long_reason_lists_are_summarised() {
    let many: Vec<(u32, String)> = (0..20).map(|i| (i, format!("OP{i}"))).collect();
    let ea: Vec<(u32, &str, Option<&str>)> = many
        .iter()
        .map(|(i, m)| (*i, m.as_str(), Some("A")))
        .collect();
    let eb: Vec<(u32, &str, Option<&str>)> = many
        .iter()
        .map(|(i, m)| (*i + 100, m.as_str(), Some("A")))
        .collect();
    let agreed = negotiate(
        &ad(&table("a", &ea), vec![v("1.0.0", 1)], vec![]),
        &ad(&table("b", &eb), vec![v("1.0.0", 1)], vec![]),
    );
    let moved = agreed
        .reasons
        .iter()
        .filter(|r| matches!(r, Reason::NumberDiffers { .. }))
        .count();
    assert_eq!(moved, isa_negotiate::negotiate::DETAIL_LIMIT);
    assert!(agreed
        .reasons
        .iter()
        .any(|r| r.to_string() == "… and 12 more instructions with different numbers"));
}

// ---------------------------------------------------------------------------------------------
// Handshake

fn pair() -> (
    isa_negotiate::Advertisement<'static>,
    isa_negotiate::Advertisement<'static>,
) {
    let a = ad(
        &unified(),
        vec![v("1.0.0", 1), v("2.0.0", 2), v("3.0.0", 3)],
        vec![group("base", &["HALT", "NOP"])],
    );
    let b = ad(
        &unified(),
        vec![v("1.0.0", 1), v("2.0.0", 2), v("3.0.0", 3)],
        vec![group("base", &["HALT", "NOP"])],
    );
    (a, b)
}

#[test]
fn honest_handshake_agrees_on_both_sides() {
    let (a, b) = pair();
    let client = Client::start(&a, [7; 32]).unwrap();
    let offer = client.offer().to_vec();
    let (server, answer) = Server::answer(&b, [9; 32], &offer).unwrap();
    let (client_view, confirm) = client.finish(&answer).unwrap();
    // The confirm carries exactly the documented transcript hash.
    let sent = isa_negotiate::wire::decode_confirm(&confirm).unwrap();
    assert_eq!(
        sent.transcript,
        isa_negotiate::transcript_hash(&offer, &answer)
    );
    let server_view = server.confirm(&confirm).unwrap();
    assert_eq!(
        client_view.version.as_ref().unwrap().version,
        Version::new(3, 0, 0)
    );
    assert_eq!(client_view.selection(), server_view.selection());
    assert_eq!(server_view.features, ["base"]);
}

/// An attacker in the path removes the client's highest version from the offer.
fn downgraded_offer(offer: &[u8]) -> Vec<u8> {
    let mut o = decode_offer(offer).unwrap().clone();
    o.advertisement.versions.pop();
    encode_offer(&o).unwrap()
}

#[test]
fn downgrade_by_editing_the_offer_is_caught_by_the_client() {
    let (a, b) = pair();
    let client = Client::start(&a, [7; 32]).unwrap();
    let tampered = downgraded_offer(client.offer());
    let (server, answer) = Server::answer(&b, [9; 32], &tampered).unwrap();
    assert_eq!(
        server.pending().version.as_ref().unwrap().version,
        Version::new(2, 0, 0)
    );
    let err = client.finish(&answer).unwrap_err();
    assert!(matches!(err, HandshakeError::OfferAltered { .. }), "{err}");
}

#[test]
fn downgrade_that_also_forges_the_offer_hash_is_caught_by_the_selection_check() {
    let (a, b) = pair();
    let client = Client::start(&a, [7; 32]).unwrap();
    let tampered = downgraded_offer(client.offer());
    let (_server, answer) = Server::answer(&b, [9; 32], &tampered).unwrap();
    let mut forged = decode_answer(&answer).unwrap();
    forged.offer_hash = sha2_of(client.offer());
    let forged = encode_answer(&forged).unwrap();
    let err = client.finish(&forged).unwrap_err();
    assert_eq!(err, HandshakeError::SelectionMismatch { field: "version" });
    assert!(err.to_string().contains("possible downgrade"));
}

#[test]
fn forging_offer_hash_and_selection_is_caught_by_the_server_on_confirm() {
    let (a, b) = pair();
    let client = Client::start(&a, [7; 32]).unwrap();
    let tampered = downgraded_offer(client.offer());
    let (server, answer) = Server::answer(&b, [9; 32], &tampered).unwrap();
    // The attacker makes the answer look right to the client...
    let mut forged = decode_answer(&answer).unwrap();
    forged.offer_hash = sha2_of(client.offer());
    forged.selection = negotiate(&a, &b).selection();
    let forged = encode_answer(&forged).unwrap();
    let (_, confirm) = client.finish(&forged).unwrap();
    // ...but the transcripts differ, so the server refuses.
    assert_eq!(
        server.confirm(&confirm).unwrap_err(),
        HandshakeError::TranscriptMismatch
    );
}

#[test]
fn malformed_handshake_messages_are_errors_naming_the_step() {
    let (a, b) = pair();
    let err = Server::answer(&b, [0; 32], b"junk").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot decode the offer: byte 0"),
        "{err}"
    );
    let client = Client::start(&a, [7; 32]).unwrap();
    let (server, answer) = Server::answer(&b, [9; 32], client.offer()).unwrap();
    // An offer where an answer belongs is the wrong kind.
    let err = Client::start(&a, [7; 32])
        .unwrap()
        .finish(client.offer())
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("expected answer message, found offer"),
        "{err}"
    );
    let (_, _) = client.finish(&answer).unwrap();
    let err = server.confirm(&answer[..12]).unwrap_err();
    assert!(
        err.to_string().starts_with("cannot decode the confirm"),
        "{err}"
    );
}

fn sha2_of(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

#[test]
fn sizes_without_layouts_still_catch_contradictions() {
    use isa_core::Entry;
    let sized = |name: &str, size: u32| {
        let mut t = isa_core::Table::new(name);
        for (op, m) in [(0u32, "HALT"), (0x20, "ADD")] {
            let mut e = Entry::new(op, m);
            e.size_bytes = Some(size);
            t.entries.push(e);
        }
        t
    };
    let u = ad(&unified(), vec![v("1.0.0", 1)], vec![]);
    // HALT is 1 byte (format A) and ADD 4 bytes (format E) in the unified table.
    let four = ad(&sized("four", 4), vec![v("1.0.0", 1)], vec![]);
    let agreed = negotiate(&u, &four);
    let usable: Vec<_> = agreed
        .usable
        .iter()
        .map(|x| x.mnemonic.clone().unwrap())
        .collect();
    assert_eq!(usable, ["ADD"]);
    // A size compares with a layout by operand bytes: checked, not assumed.
    assert_eq!(agreed.usable[0].verdict, Verdict::Usable);
    assert!(agreed.reasons.iter().any(|r| r.to_string()
        == "HALT at 0x00 has a different layout: 0 operand bytes vs 3 operand bytes"));
    // Two size-only tables agreeing on sizes agree on everything they know.
    let both = negotiate(
        &four,
        &ad(&sized("four-too", 4), vec![v("1.0.0", 1)], vec![]),
    );
    assert_eq!(both.usable.len(), 2);
    assert_eq!(both.reasons, []);
}

// ---------------------------------------------------------------------------------------------
// Layout claims follow the core's one comparison rule

/// How a case table states the instruction `X` at `opcode` (plus `HALT` at 0 so that every
/// table has a second, agreed instruction).
#[derive(Clone, Copy)]
enum Says {
    /// A format letter (the table's own `formats` are the case's `own` layouts).
    Letter(&'static str),
    /// Only `size_bytes`.
    Size(u32),
    /// Nothing.
    Nothing,
}

/// A letter the table declares itself: letter, size, fields as (name, bits, kind).
type OwnLetter = (
    &'static str,
    u32,
    &'static [(&'static str, u16, &'static str)],
);

/// One case table: the encoding, the table's own letters, and what it says of `X`.
struct Side {
    escapes: &'static [u32],
    fixed: Option<(u32, isa_core::Endian)>,
    own: &'static [OwnLetter],
    says: Says,
}

const PLAIN: Side = Side {
    escapes: &[],
    fixed: None,
    own: &[],
    says: Says::Nothing,
};

fn side_table(name: &str, opcode: u32, side: &Side) -> isa_core::Table {
    use isa_core::{Encoding, Entry, Field, FieldKind, Layout};
    let mut t = isa_core::Table::new(name);
    if !side.escapes.is_empty() {
        t.encoding = Encoding::escapes(side.escapes.iter().copied()).unwrap();
    }
    if let Some((width, endian)) = side.fixed {
        t.encoding = Encoding::fixed(width, endian).unwrap();
    }
    for &(letter, size, fields) in side.own {
        let fields = fields
            .iter()
            .map(|&(n, bits, kind)| Field::new(n, bits, FieldKind::parse(kind).unwrap()))
            .collect();
        t.formats
            .insert(letter.into(), Layout::new(size, fields).unwrap());
    }
    t.entries.push(Entry::new(0, "HALT").with_format("A"));
    let mut x = Entry::new(opcode, "X");
    match side.says {
        Says::Letter(l) => x.format = Some(l.into()),
        Says::Size(n) => x.size_bytes = Some(n),
        Says::Nothing => {}
    }
    t.entries.push(x);
    t
}

#[test]
fn layout_verdicts_are_the_cores_comparison() {
    use isa_core::Endian;
    use Says::*;
    const ESC: &[u32] = &[0xFF];
    let cases: Vec<(&str, u32, Side, Side, Verdict)> = vec![
        (
            "size-only 2 vs 4 bytes",
            0x10,
            Side {
                says: Size(2),
                ..PLAIN
            },
            Side {
                says: Size(4),
                ..PLAIN
            },
            Verdict::LayoutDiffers,
        ),
        (
            "size-only 4 vs letter E (4 bytes)",
            0x10,
            Side {
                says: Size(4),
                ..PLAIN
            },
            Side {
                says: Letter("E"),
                ..PLAIN
            },
            Verdict::Usable,
        ),
        (
            "own letter Q with E's layout (other field names) vs E",
            0x10,
            Side {
                own: &[(
                    "Q",
                    4,
                    &[("dst", 8, "reg"), ("a", 8, "reg"), ("b", 8, "reg")],
                )],
                says: Letter("Q"),
                ..PLAIN
            },
            Side {
                says: Letter("E"),
                ..PLAIN
            },
            Verdict::Usable,
        ),
        (
            "own D = [op][rd][imm16] vs the built-in D = [op][rd][imm8]",
            0x10,
            Side {
                own: &[("D", 4, &[("rd", 8, "reg"), ("imm16", 16, "imm")])],
                says: Letter("D"),
                ..PLAIN
            },
            Side {
                says: Letter("D"),
                ..PLAIN
            },
            Verdict::LayoutDiffers,
        ),
        (
            "payload layout vs size-only of its fixed size",
            0x10,
            Side {
                own: &[("P", 3, &[("len", 16, "len")])],
                says: Letter("P"),
                ..PLAIN
            },
            Side {
                says: Size(3),
                ..PLAIN
            },
            Verdict::LayoutDiffers,
        ),
        (
            "escape-page E on both sides (ff 05)",
            0xFF05,
            Side {
                escapes: ESC,
                says: Letter("E"),
                ..PLAIN
            },
            Side {
                escapes: ESC,
                says: Letter("E"),
                ..PLAIN
            },
            Verdict::Usable,
        ),
        (
            "escape-page E (2 opcode bytes + 3) vs escape-page size 5",
            0xFF05,
            Side {
                escapes: ESC,
                says: Letter("E"),
                ..PLAIN
            },
            Side {
                escapes: ESC,
                says: Size(5),
                ..PLAIN
            },
            Verdict::Usable,
        ),
        (
            "escape-page E vs escape-page size 4 (the opcode's second byte counted)",
            0xFF05,
            Side {
                escapes: ESC,
                says: Letter("E"),
                ..PLAIN
            },
            Side {
                escapes: ESC,
                says: Size(4),
                ..PLAIN
            },
            Verdict::LayoutDiffers,
        ),
        (
            "an undefined letter vs E",
            0x10,
            Side {
                says: Letter("Z"),
                ..PLAIN
            },
            Side {
                says: Letter("E"),
                ..PLAIN
            },
            Verdict::LayoutUnknown,
        ),
        (
            "nothing vs size-only",
            0x10,
            Side {
                says: Nothing,
                ..PLAIN
            },
            Side {
                says: Size(2),
                ..PLAIN
            },
            Verdict::LayoutUnknown,
        ),
        (
            "0x0105 as 2 little-endian bytes vs on escape page 0x01",
            0x0105,
            Side {
                fixed: Some((2, Endian::Little)),
                says: Letter("E"),
                ..PLAIN
            },
            Side {
                escapes: &[0x01],
                says: Letter("E"),
                ..PLAIN
            },
            Verdict::EncodingDiffers,
        ),
    ];
    let scheme = isa_core::Scheme::flux_unified();
    let aliases = isa_core::Aliases::new();
    for (what, opcode, a, b, want) in cases {
        let (ta, tb) = (side_table("a", opcode, &a), side_table("b", opcode, &b));
        let (ada, adb) = (
            ad(&ta, vec![v("1.0.0", 1)], vec![]),
            ad(&tb, vec![v("1.0.0", 1)], vec![]),
        );
        let agreed = negotiate(&ada, &adb);
        assert_eq!(agreed.verdict(opcode, "X"), Some(want), "{what}");
        assert_eq!(
            negotiate(&adb, &ada).verdict(opcode, "X"),
            Some(want),
            "{what}: symmetric"
        );
        assert_eq!(usable_count(&ada, &adb), agreed.usable.len(), "{what}");
        if want != Verdict::EncodingDiffers {
            assert_eq!(
                agreed.usable.len(),
                1 + usize::from(want.is_usable()),
                "{what}: HALT and maybe X"
            );
        }
        // The verdict on the operands is the core's own on the two resolved instructions.
        let ra = isa_core::resolve(&ta, &isa_core::ResolveOptions::new(&scheme, &aliases));
        let rb = isa_core::resolve(&tb, &isa_core::ResolveOptions::new(&scheme, &aliases));
        let core = isa_core::compare(&ra.instructions[1], &rb.instructions[1]);
        if want != Verdict::EncodingDiffers {
            let expected = match core {
                isa_core::Agreement::Same => Verdict::Usable,
                isa_core::Agreement::Unknown => Verdict::LayoutUnknown,
                isa_core::Agreement::Differs => Verdict::LayoutDiffers,
            };
            assert_eq!(
                want, expected,
                "{what}: the case disagrees with isa_core::compare"
            );
        }
    }
}

#[test]
fn escape_page_records_carry_the_real_opcode_bytes_and_size() {
    let t = side_table(
        "esc",
        0xFF05,
        &Side {
            escapes: &[0xFF],
            says: Says::Letter("E"),
            ..PLAIN
        },
    );
    let a = ad(&t, vec![], vec![]);
    let x = a.instructions[1];
    assert_eq!(x.bytes.to_string(), "ff 05");
    assert_eq!(
        x.size(),
        Some(5),
        "two opcode bytes and three operand bytes"
    );
    let formats: Vec<(&str, &str)> = a
        .formats
        .iter()
        .map(|f| (f.letter.as_ref(), f.shape.as_ref()))
        .collect();
    assert_eq!(formats, [("A", "1B"), ("E", "5B reg8 reg8 reg8")]);
}

#[test]
fn differing_layouts_and_encodings_say_what_each_side_has() {
    let reasons = |a: &Side, b: &Side, opcode: u32| -> Vec<String> {
        let ada = ad(&side_table("a", opcode, a), vec![v("1.0.0", 1)], vec![]);
        let adb = ad(&side_table("b", opcode, b), vec![v("1.0.0", 1)], vec![]);
        negotiate(&ada, &adb)
            .reasons
            .iter()
            .map(|r| r.to_string())
            .collect()
    };
    let payload = Side {
        own: &[("P", 3, &[("len", 16, "len")])],
        says: Says::Letter("P"),
        ..PLAIN
    };
    assert_eq!(
        reasons(
            &payload,
            &Side {
                says: Says::Size(3),
                ..PLAIN
            },
            0x10
        ),
        ["X at 0x10 has a different layout: 2 operand bytes + payload vs 2 operand bytes"]
    );
    let imm16 = Side {
        own: &[("W", 3, &[("imm16", 16, "imm")])],
        says: Says::Letter("W"),
        ..PLAIN
    };
    assert_eq!(
        reasons(&payload, &imm16, 0x10),
        ["X at 0x10 has a different layout: 2 operand bytes + payload vs 2 operand bytes"]
    );
    let rd_imm = Side {
        says: Says::Letter("C"),
        ..PLAIN
    };
    let rd = Side {
        says: Says::Letter("B"),
        ..PLAIN
    };
    assert_eq!(
        reasons(&rd_imm, &rd, 0x10),
        ["X at 0x10 has a different layout: both 1 operand byte, different fields"]
    );
    assert_eq!(
        reasons(
            &Side {
                fixed: Some((2, isa_core::Endian::Little)),
                says: Says::Letter("E"),
                ..PLAIN
            },
            &Side {
                escapes: &[0x01],
                says: Says::Letter("E"),
                ..PLAIN
            },
            0x0105,
        ),
        [
            "no instruction has the same number, name, opcode bytes and layout on both sides",
            // A two-byte encoding writes even HALT differently from a one-byte one.
            "HALT at 0x00 is encoded differently: 00 00 vs 00",
            "X at 0x105 is encoded differently: 05 01 vs 01 05",
        ]
    );
}

#[test]
fn undecodable_tables_are_refused_with_checks_words() {
    // Two instructions at one number.
    let two = table("two", &[(1, "NOP", Some("A")), (1, "HALT", Some("A"))]);
    let err = try_ad(&two, vec![], vec![]).unwrap_err().to_string();
    assert!(
        err.starts_with("table two cannot be decoded unambiguously: "),
        "{err}"
    );
    assert!(err.contains("0x01"), "{err}");
    // An instruction on the escape byte itself is a prefix of the whole page.
    let mut esc = table("esc", &[(0xFF, "EXT", Some("A")), (0xFF05, "X", Some("E"))]);
    esc.encoding = isa_core::Encoding::escapes([0xFF]).unwrap();
    assert!(try_ad(&esc, vec![], vec![]).is_err());
    // The same name twice at one number is one instruction, not a decoding problem.
    let same = table("same", &[(1, "NOP", Some("A")), (1, "nop", None)]);
    assert!(try_ad(&same, vec![], vec![]).is_ok());
}

#[test]
fn advertised_formats_are_the_shapes_the_instructions_use() {
    let a = ad(&unified(), vec![], vec![]);
    let formats: Vec<(&str, &str)> = a
        .formats
        .iter()
        .map(|f| (f.letter.as_ref(), f.shape.as_ref()))
        .collect();
    assert_eq!(
        formats,
        [
            ("A", "1B"),
            ("B", "2B reg8"),
            ("D", "3B reg8 imm8"),
            ("E", "4B reg8 reg8 reg8")
        ]
    );
    let b = ad(&table("b", &[(0, "HALT", Some("A"))]), vec![], vec![]);
    assert_eq!(negotiate(&a, &b).formats, ["1B"]);
}
