//! The binary codec: round trips, borrowing, forward compatibility, precise errors, and (with
//! proptest) totality on arbitrary and mutated input.

mod common;

use std::borrow::Cow;

use common::{ad, group, table, unified, v};
use isa_core::{Entry, Table};
use isa_negotiate::model::limits;
use isa_negotiate::wire::{
    decode_advertisement, decode_confirm, encode_confirm, Confirm, HEADER_LEN, MAGIC, RECORD_LEN,
    WIRE_VERSION,
};
use isa_negotiate::{
    decode, encode_advertisement, DecodeErrorKind, EncodeError, GroupDef, InvalidAdvertisement,
    Message,
};
use proptest::prelude::*;

fn sample() -> isa_negotiate::Advertisement<'static> {
    ad(
        &unified(),
        vec![v("1.0.0", 1), v("2.1.0-rc.1", 2)],
        vec![group("base", &["HALT", "NOP"])],
    )
}

/// Appends a raw field to an encoded message and fixes up the body length.
fn append_field(msg: &mut Vec<u8>, tag: u8, payload: &[u8]) {
    msg.push(tag);
    msg.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    msg.extend_from_slice(payload);
    let body = (msg.len() - HEADER_LEN) as u32;
    msg[6..10].copy_from_slice(&body.to_le_bytes());
}

/// One raw instruction record (see the `wire` module docs): opcode, name digest of `X`, the
/// opcode-byte count and bytes (zero-padded), claim, operand bytes, shape digest.
fn record(opcode: u32, bytes: &[u8], claim: u8, operands: u16, shape: [u8; 8]) -> Vec<u8> {
    let mut r = opcode.to_le_bytes().to_vec();
    r.extend_from_slice(&isa_negotiate::name_digest("X"));
    r.push(bytes.len() as u8);
    let mut raw = [0u8; 4];
    raw[..bytes.len().min(4)].copy_from_slice(&bytes[..bytes.len().min(4)]);
    r.extend_from_slice(&raw);
    r.push(claim);
    r.extend_from_slice(&operands.to_le_bytes());
    r.extend_from_slice(&shape);
    assert_eq!(r.len(), RECORD_LEN);
    r
}

/// A message holding one advertisement named `vm` whose instruction field is `records`.
fn with_records(records: &[u8]) -> Vec<u8> {
    let mut m = MAGIC.to_vec();
    m.push(WIRE_VERSION);
    m.push(1);
    m.extend_from_slice(&[0; 4]);
    append_field(&mut m, 1, b"vm");
    append_field(&mut m, 5, records);
    m
}

#[test]
fn records_carry_opcode_bytes_and_the_claim() {
    use isa_negotiate::Claim;
    let mut t = table("vm", &[(0xFF05, "X", Some("E")), (0x10, "P", Some("Z"))]);
    t.encoding = isa_core::Encoding::escapes([0xFF]).unwrap();
    let mut sized = Entry::new(0x11, "S");
    sized.size_bytes = Some(2);
    t.entries.push(sized);
    let mut a = ad(&t, vec![], vec![]);
    a.mnemonics.clear();
    a.groups.clear();
    let shape = isa_negotiate::shape_digest("reg8 reg8 reg8");
    assert_eq!(
        a.instructions.iter().map(|i| i.claim).collect::<Vec<_>>(),
        [
            Claim::Unknown,
            Claim::Size { operand_bytes: 1 },
            Claim::Layout {
                operand_bytes: 3,
                variable: false,
                shape
            },
        ]
    );
    let bytes = encode_advertisement(&a).unwrap();
    let at = bytes
        .windows(4)
        .position(|w| w == 0xFF05u32.to_le_bytes())
        .unwrap();
    let mut want = 0xFF05u32.to_le_bytes().to_vec();
    want.extend_from_slice(&isa_negotiate::name_digest("X"));
    want.extend_from_slice(&[2, 0xff, 0x05, 0, 0]); // two opcode bytes, zero-padded
    want.extend_from_slice(&[2, 3, 0]); // a full layout, three operand bytes
    want.extend_from_slice(&shape);
    assert_eq!(&bytes[at..at + RECORD_LEN], &want[..]);
    assert_eq!(decode_advertisement(&bytes).unwrap(), a);
}

#[test]
fn non_canonical_records_are_rejected() {
    let shape = [7u8; 8];
    let base = HEADER_LEN + 5 + 2 + 5; // name field, then the instructions field's header
    let cases: Vec<(Vec<u8>, usize, &str)> = vec![
        (
            record(1, &[], 0, 0, [0; 8]),
            12,
            "the opcode-byte count is not 1-4",
        ),
        (
            record(1, &[1, 2, 3, 4, 5], 0, 0, [0; 8]),
            12,
            "the opcode-byte count is not 1-4",
        ),
        (
            {
                let mut r = record(1, &[1], 0, 0, [0; 8]);
                r[14] = 9; // a byte past the count
                r
            },
            13,
            "opcode bytes past the count are not zero",
        ),
        (
            record(1, &[1], 0, 3, [0; 8]),
            17,
            "an unknown claim has operand bytes or a shape digest",
        ),
        (
            record(1, &[1], 0, 0, shape),
            17,
            "an unknown claim has operand bytes or a shape digest",
        ),
        (
            record(1, &[1], 1, 2, shape),
            17,
            "a size-only claim has a shape digest",
        ),
        (
            record(1, &[1], 4, 2, shape),
            17,
            "operand claim has undefined value 4",
        ),
    ];
    for (rec, offset, want) in cases {
        let err = decode(&with_records(&rec)).unwrap_err();
        assert_eq!(err.offset, base + offset, "{want}");
        assert!(
            err.to_string().ends_with(want),
            "{err} should end with {want:?}"
        );
    }
    // The canonical forms of the same claims decode.
    for rec in [
        record(1, &[1], 0, 0, [0; 8]),
        record(1, &[1], 1, 2, [0; 8]),
        record(1, &[0xff, 1], 2, 2, shape),
        record(1, &[0, 0, 0, 1], 3, 2, shape),
    ] {
        decode(&with_records(&rec)).unwrap();
    }
}

#[test]
fn round_trip_borrows_text_from_the_buffer() {
    let a = sample();
    let bytes = encode_advertisement(&a).unwrap();
    assert_eq!(&bytes[..4], &MAGIC);
    let back = decode_advertisement(&bytes).unwrap();
    assert_eq!(back, a);
    assert!(matches!(back.implementation, Cow::Borrowed(_)));
    assert!(back.mnemonics.iter().all(|m| matches!(m, Cow::Borrowed(_))));
    // Deterministic: the same advertisement always encodes to the same bytes.
    assert_eq!(encode_advertisement(&back).unwrap(), bytes);
    assert_eq!(back.into_owned(), a);
}

#[test]
fn unknown_fields_are_skipped() {
    let a = sample();
    let mut bytes = encode_advertisement(&a).unwrap();
    append_field(&mut bytes, 200, b"from a newer writer");
    append_field(&mut bytes, 8, &[]);
    assert_eq!(decode_advertisement(&bytes).unwrap(), a);
}

#[test]
fn header_errors_name_the_byte() {
    let good = encode_advertisement(&sample()).unwrap();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"NOPE".to_vec(), "byte 0: bad magic"),
        (vec![], "byte 0: truncated: magic needs 4 bytes, 0 remain"),
        (
            // Version 1 records meant something else: they are rejected by number.
            [&MAGIC[..], &[1]].concat(),
            "byte 4: unsupported wire version 1; this decoder reads version 2",
        ),
        (
            [&MAGIC[..], &[3]].concat(),
            "byte 4: unsupported wire version 3; this decoder reads version 2",
        ),
        (
            [&MAGIC[..], &[WIRE_VERSION, 9]].concat(),
            "byte 5: unknown message kind 9",
        ),
        (
            [&MAGIC[..], &[WIRE_VERSION, 1], &u32::MAX.to_le_bytes()].concat(),
            "byte 6: message declares 4294967305 bytes; at most 1048576 are allowed",
        ),
        (
            good[..good.len() - 1].to_vec(),
            "byte 10: truncated: message body needs",
        ),
        (
            [&good[..], &[0]].concat(),
            "trailing bytes after the message",
        ),
    ];
    for (bytes, want) in cases {
        let err = decode(&bytes).unwrap_err().to_string();
        assert!(err.contains(want), "{err:?} should contain {want:?}");
    }
}

#[test]
fn body_errors_are_precise() {
    let header = |kind: u8, body: &[u8]| {
        let mut m = MAGIC.to_vec();
        m.push(WIRE_VERSION);
        m.push(kind);
        m.extend_from_slice(&(body.len() as u32).to_le_bytes());
        m.extend_from_slice(body);
        m
    };
    let field = |tag: u8, p: &[u8]| {
        let mut f = vec![tag];
        f.extend_from_slice(&(p.len() as u32).to_le_bytes());
        f.extend_from_slice(p);
        f
    };
    let name = field(1, b"vm");
    let ins = field(5, &[]);
    // Missing instructions.
    let err = decode(&header(1, &name)).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::Missing("instructions"));
    assert_eq!(err.offset, 10);
    // Duplicate name.
    let err = decode(&header(
        1,
        &[name.clone(), name.clone(), ins.clone()].concat(),
    ))
    .unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::Duplicate("implementation name"));
    assert_eq!(err.offset, 10 + name.len());
    // Bad UTF-8 in the name.
    let err = decode(&header(1, &[field(1, &[0xff]), ins.clone()].concat())).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::BadUtf8("implementation name"));
    // A record list that is not a multiple of the record size.
    let err = decode(&header(1, &[name.clone(), field(5, &[0; 19])].concat())).unwrap_err();
    assert!(matches!(
        err.kind,
        DecodeErrorKind::BadLength {
            what: "instructions",
            len: 19
        }
    ));
    // A version label that is not semver ("10.0" is a string-order trap).
    let mut vp = vec![4];
    vp.extend_from_slice(b"10.0");
    vp.extend_from_slice(&[0; 32]);
    let err = decode(&header(
        1,
        &[name.clone(), ins.clone(), field(2, &vp)].concat(),
    ))
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("version label `10.0` is not a semantic version"),
        "{err}"
    );
    // Instructions out of order violate an invariant.
    let mut recs = Vec::new();
    for op in [2u32, 1] {
        recs.extend_from_slice(&record(op, &[op as u8], 0, 0, [0; 8]));
    }
    let err = decode(&header(1, &[name.clone(), field(5, &recs)].concat())).unwrap_err();
    assert_eq!(
        err.kind,
        DecodeErrorKind::Invalid(InvalidAdvertisement::NotAscending {
            what: "instructions",
            index: 1
        })
    );
    // A group member past the instruction list.
    let mut gp = vec![1, b'g'];
    gp.extend_from_slice(&[0; 32]);
    gp.extend_from_slice(&3u16.to_le_bytes());
    let err = decode(&header(1, &[name, ins, field(7, &gp)].concat())).unwrap_err();
    assert!(
        err.to_string()
            .contains("feature group `g` names instruction 3, but there are only 0"),
        "{err}"
    );
}

#[test]
fn too_many_repeated_fields_are_rejected() {
    let mut bytes = encode_advertisement(&ad(&unified(), vec![], vec![])).unwrap();
    let mut vp = vec![5];
    vp.extend_from_slice(b"1.0.0");
    vp.extend_from_slice(&[0; 32]);
    for _ in 0..=limits::MAX_VERSIONS {
        append_field(&mut bytes, 2, &vp);
    }
    let err = decode(&bytes).unwrap_err();
    assert_eq!(
        err.kind,
        DecodeErrorKind::TooMany {
            what: "versions",
            max: limits::MAX_VERSIONS
        }
    );
}

#[test]
fn encoder_refuses_what_the_decoder_would_refuse() {
    let mut a = sample();
    a.implementation = Cow::Owned("x".repeat(300));
    assert!(matches!(
        encode_advertisement(&a),
        Err(EncodeError::Invalid(
            InvalidAdvertisement::StringTooLong { .. }
        ))
    ));
    let mut b = sample();
    b.instructions.swap(0, 1);
    assert!(encode_advertisement(&b).is_err());
}

/// Names are text on the wire too: a peer's name or feature group with a control character is
/// refused by the decoders (binary and JSON), since reports print them.
#[test]
fn control_characters_in_names_are_refused() {
    let mut a = sample();
    a.implementation = Cow::Owned("vm\u{1b}]0;pwned\u{7}".into());
    assert!(matches!(
        encode_advertisement(&a),
        Err(EncodeError::Invalid(
            InvalidAdvertisement::ControlCharacter {
                what: "implementation name",
                at: 2,
                code: 0x1b
            }
        ))
    ));
    // Smuggled past the encoder by editing the bytes: the decoder refuses it too.
    let good = encode_advertisement(&sample()).unwrap();
    let name = sample().implementation.to_string();
    let at = good
        .windows(name.len())
        .position(|w| w == name.as_bytes())
        .expect("the name is in the encoding");
    let mut bad = good.clone();
    bad[at] = 0x1b;
    let err = decode(&bad).unwrap_err();
    assert!(
        err.to_string().contains("control character U+001B"),
        "{err}"
    );
    // JSON advertisements go through the same check.
    let json = isa_negotiate::json::advertisement_to_json(&sample());
    let bad = json.replacen(&name, &format!("{name}\\u009b"), 1);
    assert!(isa_negotiate::json::message_from_json(&bad).is_err());
}

#[test]
fn confirm_round_trips_and_kinds_are_checked() {
    let c = Confirm {
        transcript: [5; 32],
    };
    let bytes = encode_confirm(&c);
    assert_eq!(decode_confirm(&bytes).unwrap(), c);
    assert_eq!(decode(&bytes).unwrap(), Message::Confirm(c));
    let err = decode_advertisement(&bytes).unwrap_err();
    assert_eq!(
        err.to_string(),
        "byte 5: expected advertisement message, found confirm"
    );
}

#[test]
fn real_tables_round_trip() {
    let dir = format!("{}/../../../shared/flux/tables", env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    let mut refused = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let Ok(t) = isa_io::load_table(&path) else {
            continue;
        };
        let groups = isa_negotiate::category_groups(&t);
        let Ok((a, _)) = common::try_ad(&t, vec![v("1.0.0", 1)], groups) else {
            refused.push(t.implementation.clone());
            continue;
        };
        let bytes = encode_advertisement(&a).unwrap();
        assert_eq!(
            decode_advertisement(&bytes).unwrap(),
            a,
            "{}",
            path.display()
        );
        n += 1;
    }
    assert!(n > 60, "only {n} tables loaded");
    // Three real tables list two instructions at one number; they cannot be advertised.
    refused.sort();
    assert_eq!(
        refused,
        [
            "flux-isa-v3-edge-c",
            "flux-research-isa-v3-spec",
            "flux-spec-signal-md"
        ]
    );
}

#[cfg(feature = "json")]
#[test]
fn json_round_trips_every_message_kind() {
    use isa_negotiate::json::{
        advertisement_from_json, advertisement_to_json, message_from_json, message_to_json,
    };
    use isa_negotiate::{Client, Server};
    let a = sample();
    let text = advertisement_to_json(&a);
    assert_eq!(advertisement_from_json(&text).unwrap(), a);
    let client = Client::start(&a, [3; 32]).unwrap();
    let (server, answer) = Server::answer(&a, [4; 32], client.offer()).unwrap();
    let (_, confirm) = client.clone().finish(&answer).unwrap();
    server.confirm(&confirm).unwrap();
    for bytes in [client.offer(), &answer[..], &confirm[..]] {
        let msg = decode(bytes).unwrap();
        let back = message_from_json(&message_to_json(&msg)).unwrap();
        assert_eq!(back, msg);
    }
    // Each claim has one spelling; the others are errors naming the instruction.
    let one = |fields: &str| {
        format!(
            r#"{{"format": "isa-negotiate/advertisement/v2", "implementation": "vm",
                "instructions": [{{"opcode": 1, "name": "{}", {fields}}}]}}"#,
            isa_core::hash::hex(&isa_negotiate::name_digest("X"))
        )
    };
    let claim =
        |fields: &str| advertisement_from_json(&one(fields)).map(|a| a.instructions[0].claim);
    let shape = "\"shape\": \"0707070707070707\"";
    assert_eq!(
        claim(r#""bytes": "ff 05", "operands": null, "shape": null"#),
        Ok(isa_negotiate::Claim::Unknown)
    );
    assert_eq!(
        claim(&format!(
            r#""bytes": "01", "operands": 2, {shape}, "payload": true"#
        )),
        Ok(isa_negotiate::Claim::Layout {
            operand_bytes: 2,
            variable: true,
            shape: [7; 8]
        })
    );
    for (fields, want) in [
        (
            format!(r#""bytes": "01", "operands": null, {shape}"#),
            "instruction 0x01: a `shape` needs `operands`",
        ),
        (
            r#""bytes": "01", "operands": 2, "shape": null, "payload": true"#.to_string(),
            "instruction 0x01: `payload` needs `operands` and `shape`",
        ),
        (
            r#""bytes": "01 02 03 04 05", "operands": null, "shape": null"#.to_string(),
            "opcode bytes `01 02 03 04 05` are not 1-4 hex bytes",
        ),
        (
            r#""bytes": "", "operands": null, "shape": null"#.to_string(),
            "opcode bytes `` are not 1-4 hex bytes",
        ),
    ] {
        assert_eq!(claim(&fields).unwrap_err().to_string(), want);
    }
    let old = advertisement_from_json(&text.replace("advertisement/v2", "advertisement/v1"));
    assert_eq!(
        old.unwrap_err().to_string(),
        "format is `isa-negotiate/advertisement/v1`, expected `isa-negotiate/advertisement/v2`"
    );
    let err = advertisement_from_json("{\n \"format\": 3}").unwrap_err();
    assert_eq!(err.line, 2);
    let err = advertisement_from_json(&text.replace("1.0.0", "1.0")).unwrap_err();
    assert!(
        err.to_string().contains("`1.0` is not a semantic version"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// Properties

const MNEMONICS: [&str; 12] = [
    "HALT", "NOP", "ADD", "SUB", "MUL", "JMP", "JZ", "CALL", "RET", "PUSH", "POP", "MOVI",
];
const LETTERS: [Option<&str>; 10] = [
    None,
    Some("A"),
    Some("B"),
    Some("C"),
    Some("D"),
    Some("E"),
    Some("F"),
    Some("G"),
    Some("Z"),
    Some("P"),
];

/// Random decodable tables: one mnemonic per number (a second name at a number would make the
/// table undecodable, which `build` refuses), letters known, unknown and declared by the table
/// (`P`, a payload layout), sizes only, and — when the table has an escape page — wide numbers.
fn arb_table() -> impl Strategy<Value = Table> {
    (
        "[a-z][a-z0-9-]{0,20}",
        any::<bool>(),
        prop::collection::vec(
            (0u32..48, 0usize..12, 0usize..10, 0u32..6, any::<bool>()),
            0..40,
        ),
    )
        .prop_map(|(name, escapes, entries)| {
            let mut t = Table::new(&name);
            if escapes {
                t.encoding = isa_core::Encoding::escapes([0xFF]).unwrap();
            }
            let payload = isa_core::Field::new("len", 16, isa_core::FieldKind::PayloadLength);
            t.formats
                .insert("P".into(), isa_core::Layout::new(3, vec![payload]).unwrap());
            let mut named = std::collections::BTreeMap::new();
            for (op, m, f, size, page) in entries {
                let op = if escapes && page { 0xFF00 | op } else { op };
                if *named.entry(op).or_insert(m) != m {
                    continue;
                }
                let mut e = Entry::new(op, MNEMONICS[m]);
                e.format = LETTERS[f].map(Into::into);
                e.size_bytes = (size > 0).then_some(size + u32::from(op > 0xFF));
                t.entries.push(e);
            }
            t
        })
}

fn arb_ad() -> impl Strategy<Value = isa_negotiate::Advertisement<'static>> {
    (
        arb_table(),
        prop::collection::btree_map((0u64..4, 0u64..12, 0u64..3), any::<u8>(), 0..6),
        prop::collection::vec((0usize..12, 0usize..12), 0..4),
        any::<bool>(),
    )
        .prop_map(|(t, versions, groups, names)| {
            let versions = versions
                .into_iter()
                .map(|((a, b, c), h)| isa_negotiate::VersionClaim {
                    version: isa_negotiate::Version::new(a, b, c),
                    hash: [h; 32],
                })
                .collect();
            let groups: Vec<GroupDef> = groups
                .into_iter()
                .enumerate()
                .map(|(i, (x, y))| group(&format!("g{i}"), &[MNEMONICS[x], MNEMONICS[y]]))
                .collect();
            let mut a = ad(&t, versions, groups);
            if !names {
                a.mnemonics.clear();
            }
            a
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode(&bytes);
    }

    #[test]
    fn arbitrary_bodies_behind_a_valid_header_never_panic(
        kind in 1u8..=4,
        body in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        let mut m = MAGIC.to_vec();
        m.push(WIRE_VERSION);
        m.push(kind);
        m.extend_from_slice(&(body.len() as u32).to_le_bytes());
        m.extend_from_slice(&body);
        let _ = decode(&m);
    }

    #[test]
    fn encode_decode_round_trips(a in arb_ad()) {
        let bytes = encode_advertisement(&a).unwrap();
        prop_assert_eq!(&decode_advertisement(&bytes).unwrap(), &a);
        let text = isa_negotiate::json::advertisement_to_json(&a);
        prop_assert_eq!(isa_negotiate::json::advertisement_from_json(&text).unwrap(), a);
    }

    #[test]
    fn mutated_messages_never_panic_and_what_decodes_reencodes(
        a in arb_ad(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        let mut bytes = encode_advertisement(&a).unwrap();
        for (at, byte, op) in edits {
            if bytes.is_empty() { break; }
            let i = at.index(bytes.len());
            match op {
                0 => bytes[i] = byte,
                1 => { bytes.insert(i, byte); }
                _ => { bytes.truncate(i); }
            }
        }
        if let Ok(msg) = decode(&bytes) {
            // Anything the decoder accepts is a valid message that encodes and decodes again.
            let again = msg.encode().unwrap();
            prop_assert_eq!(decode(&again).unwrap(), msg);
        }
    }

    /// Negotiation reaches the core's verdict on every instruction both tables list at one
    /// number: different opcode bytes, else exactly what `isa_core::compare` says.
    #[test]
    fn verdicts_are_isa_core_compare(ta in arb_table(), tb in arb_table()) {
        use isa_negotiate::Verdict;
        // One entry per number, so each record comes from exactly one resolved instruction.
        let first = |t: &Table| {
            let mut seen = std::collections::BTreeSet::new();
            let mut t = t.clone();
            t.entries.retain(|e| seen.insert(e.opcode));
            t
        };
        let (ta, tb) = (first(&ta), first(&tb));
        let agreed = isa_negotiate::negotiate(&ad(&ta, vec![], vec![]), &ad(&tb, vec![], vec![]));
        let scheme = isa_core::Scheme::flux_unified();
        let aliases = isa_core::Aliases::new();
        let options = isa_core::ResolveOptions::new(&scheme, &aliases);
        let (ra, rb) = (isa_core::resolve(&ta, &options), isa_core::resolve(&tb, &options));
        for x in &ra.instructions {
            for y in rb.instructions.iter().filter(|y| y.opcode == x.opcode && y.key == x.key) {
                let want = if x.bytes != y.bytes {
                    Verdict::EncodingDiffers
                } else {
                    match isa_core::compare(x, y) {
                        isa_core::Agreement::Same => Verdict::Usable,
                        isa_core::Agreement::Unknown => Verdict::LayoutUnknown,
                        isa_core::Agreement::Differs => Verdict::LayoutDiffers,
                    }
                };
                prop_assert_eq!(agreed.verdict(x.opcode, &x.key), Some(want));
            }
        }
    }

    #[test]
    fn negotiation_is_symmetric_and_usable_count_agrees(a in arb_ad(), b in arb_ad()) {
        let ab = isa_negotiate::negotiate(&a, &b);
        let ba = isa_negotiate::negotiate(&b, &a);
        prop_assert_eq!(&ab.version, &ba.version);
        prop_assert_eq!(&ab.features, &ba.features);
        prop_assert_eq!(ab.selection().usable_digest, ba.selection().usable_digest);
        prop_assert_eq!(ab.usable.len(), isa_negotiate::usable_count(&a, &b));
    }
}

#[test]
fn table_helper_builds_what_it_says() {
    // Guards the helpers the properties rely on.
    let t = table("x", &[(1, "add", Some("E"))]);
    assert_eq!(ad(&t, vec![], vec![]).mnemonics, ["ADD"]);
}

#[test]
fn mnemonics_that_lie_about_their_digest_are_caught_on_request() {
    let a = sample();
    let mut bytes = encode_advertisement(&a).unwrap();
    // Rename HALT to HACK in the mnemonic field: structure intact, digest no longer matches.
    let at = bytes.windows(4).rposition(|w| w == b"HALT").unwrap();
    bytes[at..at + 4].copy_from_slice(b"HACK");
    let lied = decode_advertisement(&bytes).unwrap();
    assert_eq!(a.check_mnemonics(), Ok(()));
    assert_eq!(
        lied.check_mnemonics().unwrap_err().to_string(),
        "mnemonic `HACK` does not match the name digest of instruction 0"
    );
}

fn mutate(bytes: &mut Vec<u8>, edits: &[(prop::sample::Index, u8, u8)]) {
    for (at, byte, op) in edits {
        if bytes.is_empty() {
            break;
        }
        let i = at.index(bytes.len());
        match op {
            0 => bytes[i] = *byte,
            1 => bytes.insert(i, *byte),
            _ => bytes.truncate(i),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever an attacker does to the offer in transit, if the server still accepts it the
    /// client refuses the answer, and the server refuses the confirm of the original transcript.
    #[test]
    fn any_altered_offer_is_detected_by_both_sides(
        a in arb_ad(),
        b in arb_ad(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6),
    ) {
        use isa_negotiate::{Client, Server, HandshakeError};
        let client = Client::start(&a, [1; 32]).unwrap();
        let mut offer = client.offer().to_vec();
        mutate(&mut offer, &edits);
        prop_assume!(offer != client.offer());
        if let Ok((server, answer)) = Server::answer(&b, [2; 32], &offer) {
            let err = client.clone().finish(&answer).unwrap_err();
            let is_offer_altered = matches!(err, HandshakeError::OfferAltered { .. });
            prop_assert!(is_offer_altered);
            // Even a confirm computed over the untampered transcript does not satisfy it.
            let honest = isa_negotiate::transcript_hash(client.offer(), &answer);
            let confirm = isa_negotiate::wire::encode_confirm(&Confirm { transcript: honest });
            prop_assert_eq!(server.confirm(&confirm).unwrap_err(), HandshakeError::TranscriptMismatch);
        }
    }

    /// Mutated answers and confirms never panic either side.
    #[test]
    fn mutated_answers_and_confirms_never_panic(
        a in arb_ad(),
        b in arb_ad(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6),
    ) {
        use isa_negotiate::{Client, Server};
        let client = Client::start(&a, [1; 32]).unwrap();
        let (server, mut answer) = Server::answer(&b, [2; 32], client.offer()).unwrap();
        let (_, mut confirm) = client.clone().finish(&answer).unwrap();
        mutate(&mut answer, &edits);
        mutate(&mut confirm, &edits);
        let _ = client.finish(&answer);
        let _ = server.confirm(&confirm);
    }
}
