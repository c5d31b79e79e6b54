//! Plans and guides: steps by identity, the bytecode verdict, the guide's spelling, command
//! line and generated code — and the agreement between the plan's "layout changed" and
//! translation's coverage, for size-only entries and on real tables.

use std::collections::BTreeMap;
use std::path::PathBuf;

use isa_core::diff::ChangeKind;
use isa_core::{Agreement, Encoding, Endian, Entry, ResolveOptions, Scheme, Table};
use isa_migrate::{
    plan, render_guide, BytecodeVerdict, ErrorKind, GuideOptions, Outcome, PlanOptions,
    TranslateOptions, Translator,
};

fn table(name: &str, entries: Vec<Entry>) -> Table {
    Table {
        entries,
        ..Table::new(name)
    }
}

fn e(opcode: u32, name: &str, letter: &str) -> Entry {
    Entry::new(opcode, name).with_format(letter)
}

fn old() -> Table {
    table(
        "vm",
        vec![
            e(0x00, "HALT", "A"),
            e(0x08, "INC", "B"),
            e(0x18, "MOVI", "D"),
            e(0x30, "OLDOP", "A"),
        ],
    )
}

fn new() -> Table {
    table(
        "canon",
        vec![
            e(0x00, "HALT", "A"),
            e(0x09, "INC", "B"),
            e(0x18, "MOVI", "F"),
            e(0x20, "ADD", "E"),
        ],
    )
}

#[test]
fn steps_are_by_identity() {
    let p = plan(&old(), &new(), &PlanOptions::default());
    let kinds: Vec<(ChangeKind, &str, Option<u32>, Option<u32>)> = p
        .steps
        .iter()
        .map(|s| (s.kind, s.mnemonic.as_str(), s.from, s.to))
        .collect();
    assert_eq!(
        kinds,
        [
            (ChangeKind::Removed, "OLDOP", Some(0x30), None),
            (ChangeKind::Renumbered, "INC", Some(0x08), Some(0x09)),
            (ChangeKind::FormatChanged, "MOVI", Some(0x18), Some(0x18)),
            (ChangeKind::Added, "ADD", None, Some(0x20)),
        ]
    );
    assert_eq!(p.unchanged, 1);
    match &p.bytecode {
        BytecodeVerdict::Partial {
            resized,
            untranslatable,
        } => {
            assert_eq!(resized, &["MOVI".to_string()]);
            assert_eq!(untranslatable.len(), 1);
            assert_eq!(untranslatable[0].0, "OLDOP");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn verdicts_unaffected_and_translate() {
    let mut only_added = old();
    only_added.entries.push(e(0x40, "NEW", "A"));
    let p = plan(&old(), &only_added, &PlanOptions::default());
    assert_eq!(p.bytecode, BytecodeVerdict::Unaffected);
    assert_eq!(p.count(ChangeKind::Added), 1);

    let mut renumbered = old();
    renumbered.entries[1].opcode = 0x0A;
    let p = plan(&old(), &renumbered, &PlanOptions::default());
    assert_eq!(p.bytecode, BytecodeVerdict::Translate { resized: vec![] });
    assert!(p.bytecode.sentence().contains("keeps its size"));
}

#[test]
fn each_side_uses_its_own_scheme() {
    // MOVI is D in both, but D means 4 bytes in the interpreter scheme and 3 in the unified one.
    let a = table("interp", vec![e(0x2B, "MOVI", "D")]);
    let b = table("unif", vec![e(0x2B, "MOVI", "D")]);
    let same = plan(&a, &b, &PlanOptions::default());
    assert!(same.steps.is_empty());
    let opts = PlanOptions {
        from_scheme: Scheme::flux_interpreter(),
        ..PlanOptions::default()
    };
    let p = plan(&a, &b, &opts);
    assert_eq!(p.steps.len(), 1);
    assert_eq!(p.steps[0].kind, ChangeKind::FormatChanged);
    assert!(
        matches!(p.bytecode, BytecodeVerdict::Translate { ref resized } if resized == &["MOVI"])
    );
}

#[test]
fn guide_speaks_the_implementations_spelling() {
    let mut vm = old();
    vm.language = Some("Go".into());
    vm.source_path = Some("pkg/vm/ops.go".into());
    for entry in &mut vm.entries {
        let name = entry.mnemonic.clone().unwrap();
        entry.details.make_mut().source_name =
            Some(format!("Op{}", &name[..1]) + &name[1..].to_lowercase());
    }
    let options = GuideOptions {
        implementation_ref: "tables/vm.json".into(),
        canonical_ref: "1.2.0".into(),
        translate_args: vec!["--aliases".into(), "my aliases.toml".into()],
        ..GuideOptions::default()
    };
    let guide = render_guide(&vm, &new(), &options);
    assert!(guide.starts_with("# Migrating vm to canon\n"));
    assert!(
        guide.contains("**vm** (Go), table in `pkg/vm/ops.go`: 4 instructions"),
        "{guide}"
    );
    assert!(
        guide.contains("| `OpInc` | renumber | `0x08` | `0x09` | `INC` |"),
        "{guide}"
    );
    assert!(
        guide.contains("| `OpOldop` | remove (not in the canonical ISA) | `0x30` | — | — |"),
        "{guide}"
    );
    assert!(
        guide.contains("| — | add | — | `0x20` | `ADD` |"),
        "{guide}"
    );
    assert!(guide.contains(
        "isa-authority translate --from tables/vm.json --to 1.2.0 --aliases 'my aliases.toml' program.bin program.canonical.bin"
    ), "{guide}");
    assert!(guide.contains("- `OLDOP`:"), "{guide}");
    // The new table, in Go, from isa-codegen.
    assert!(guide.contains("```go\n"), "{guide}");
    let meta = isa_codegen::Meta::for_table(&new());
    let go = isa_codegen::generate(isa_codegen::Lang::Go, &new(), &meta).unwrap();
    assert!(guide.contains(&go), "{guide}");
}

#[test]
fn guide_without_a_language_says_so() {
    let guide = render_guide(&old(), &old(), &GuideOptions::default());
    assert!(guide.contains("Nothing to change"));
    assert!(guide.contains("programs run unchanged"));
    assert!(guide.contains("language is not recorded"));
}

#[test]
fn guide_for_a_real_table_is_deterministic() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/flux/tables");
    let python = isa_io::load_table(&dir.join("flux-runtime-python.json")).unwrap();
    let unified = isa_io::load_table(&dir.join("flux-runtime-isa-unified.json")).unwrap();
    let options = GuideOptions {
        plan: PlanOptions {
            from_scheme: Scheme::flux_interpreter(),
            ..PlanOptions::default()
        },
        implementation_ref: "a.json".into(),
        canonical_ref: "b.json".into(),
        ..GuideOptions::default()
    };
    let one = render_guide(&python, &unified, &options);
    let two = render_guide(&python, &unified, &options);
    assert_eq!(one, two);
    assert!(
        one.contains("```python\n") || one.contains("cannot be generated"),
        "{one}"
    );
    assert!(
        one.contains("| `HALT` | renumber | `0x80` | `0x00` |"),
        "{one}"
    );
}

/// ADD as the old and the new table give it, and what the plan and the translator must both say.
struct SizeCase {
    name: &'static str,
    old: Entry,
    new: Entry,
    new_encoding: Encoding,
    /// The plan lists a format change.
    layout_changed: bool,
    outcome: Outcome,
    agreement: Option<Agreement>,
    /// `ADD r1, r2, r3` (4 bytes at 0x20) translated, when it translates.
    bytes: Option<&'static [u8]>,
}

fn sized(opcode: u32, size: u32) -> Entry {
    let mut e = Entry::new(opcode, "ADD");
    e.size_bytes = Some(size);
    e
}

#[test]
fn plan_and_translation_agree_on_size_only_entries() {
    let cases = [
        SizeCase {
            name: "2 bytes vs 4 bytes, sizes only",
            old: sized(0x20, 2),
            new: sized(0x20, 4),
            new_encoding: Encoding::default(),
            layout_changed: true,
            outcome: Outcome::Untranslatable(ErrorKind::OpaqueResize {
                mnemonic: "ADD".into(),
                from: 1,
                to: 3,
                payload: false,
            }),
            agreement: Some(Agreement::Differs),
            bytes: None,
        },
        SizeCase {
            name: "4 bytes, size only, vs letter E (4 bytes)",
            old: sized(0x20, 4),
            new: e(0x21, "ADD", "E"),
            new_encoding: Encoding::default(),
            layout_changed: false,
            outcome: Outcome::Renumbered { same_size: true },
            agreement: Some(Agreement::Same),
            bytes: Some(&[0x21, 1, 2, 3]),
        },
        SizeCase {
            name: "letter E vs letter F (both 4 bytes)",
            old: e(0x20, "ADD", "E"),
            new: e(0x20, "ADD", "F"),
            new_encoding: Encoding::default(),
            layout_changed: true,
            outcome: Outcome::Reencoded { same_size: true },
            agreement: Some(Agreement::Differs),
            bytes: None,
        },
        SizeCase {
            name: "size only vs a letter nothing defines",
            old: sized(0x20, 4),
            new: e(0x21, "ADD", "Q"),
            new_encoding: Encoding::default(),
            layout_changed: false,
            outcome: Outcome::Untranslatable(ErrorKind::NoLayout {
                mnemonic: "ADD".into(),
                table: "new".into(),
                why: "format letter `Q` is declared neither by new nor by the flux-unified scheme, and no size_bytes".into(),
            }),
            agreement: Some(Agreement::Unknown),
            bytes: None,
        },
        SizeCase {
            // Same number, same operand bytes; the 2-byte opcode makes the instruction 5 bytes.
            name: "4 bytes vs 5 bytes under 16-bit opcodes",
            old: sized(0x20, 4),
            new: sized(0x20, 5),
            new_encoding: Encoding::fixed(2, Endian::Big).unwrap(),
            layout_changed: false,
            outcome: Outcome::Renumbered { same_size: false },
            agreement: Some(Agreement::Same),
            bytes: Some(&[0x00, 0x20, 1, 2, 3]),
        },
    ];
    for case in cases {
        let old = table("old", vec![case.old.clone()]);
        let mut new = table("new", vec![case.new.clone()]);
        new.encoding = case.new_encoding.clone();
        let p = plan(&old, &new, &PlanOptions::default());
        assert_eq!(
            p.count(ChangeKind::FormatChanged) == 1,
            case.layout_changed,
            "{}: {:?}",
            case.name,
            p.steps
        );
        let t = Translator::new(&old, &new, &TranslateOptions::new()).unwrap();
        let cov = t.coverage();
        assert_eq!(cov[0].outcome, case.outcome, "{}", case.name);
        assert_eq!(
            cov[0].outcome.layout_agreement(),
            case.agreement,
            "{}",
            case.name
        );
        // The core's one rule says the same.
        let (s, a) = (Scheme::flux_unified(), isa_core::Aliases::new());
        let ro = isa_core::resolve(&old, &ResolveOptions::new(&s, &a));
        let rn = isa_core::resolve(&new, &ResolveOptions::new(&s, &a));
        assert_eq!(
            Some(isa_core::compare(&ro.instructions[0], &rn.instructions[0])),
            case.agreement,
            "{}",
            case.name
        );
        match case.bytes {
            Some(want) => assert_eq!(
                t.translate(&[0x20, 1, 2, 3]).unwrap().bytes,
                want,
                "{}",
                case.name
            ),
            None => assert!(t.translate(&[0x20, 1, 2, 3]).is_err(), "{}", case.name),
        }
        // The verdict follows the same outcome: an instruction translation cannot carry makes
        // it partial, a rewrite makes it a translation.
        match &case.outcome {
            Outcome::Untranslatable(_) => {
                assert_eq!(p.bytecode.as_str(), "partial", "{}", case.name)
            }
            Outcome::Unchanged => assert_eq!(p.bytecode, BytecodeVerdict::Unaffected),
            _ => assert_eq!(p.bytecode.as_str(), "translate", "{}", case.name),
        }
    }
}

#[test]
fn a_new_encoding_alone_makes_bytecode_need_translation() {
    let mut wide = old();
    wide.encoding = Encoding::fixed(2, Endian::Little).unwrap();
    let p = plan(&old(), &wide, &PlanOptions::default());
    assert!(p.steps.is_empty(), "{:?}", p.steps);
    assert_eq!(
        p.encoding_change,
        Some((
            "one byte per opcode".to_string(),
            "2-byte opcodes, little-endian".to_string()
        ))
    );
    match &p.bytecode {
        BytecodeVerdict::Translate { resized } => assert_eq!(resized.len(), 4),
        other => panic!("unexpected {other:?}"),
    }
    let guide = render_guide(&old(), &wide, &GuideOptions::default());
    assert!(
        guide.contains("- Opcode encoding: one byte per opcode → 2-byte opcodes, little-endian."),
        "{guide}"
    );
}

#[test]
fn undecodable_tables_get_their_own_verdict() {
    let mut two = new();
    two.entries.push(e(0x09, "DEC", "B")); // INC is 0x09 too
    let p = plan(&old(), &two, &PlanOptions::default());
    match &p.bytecode {
        BytecodeVerdict::Undecodable {
            side,
            table,
            problems,
        } => {
            assert_eq!(side.as_str(), "target");
            assert_eq!(table, "canon");
            assert_eq!(problems.len(), 1);
            assert!(
                problems[0].starts_with("[duplicate-opcode]"),
                "{problems:?}"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(p.bytecode.sentence().contains("cannot be decoded"));
    let guide = render_guide(&old(), &two, &GuideOptions::default());
    assert!(
        guide.contains("refuses the pair until these are fixed"),
        "{guide}"
    );
    assert!(!guide.contains("isa-authority translate --from"), "{guide}");
    // With nothing breaking and the same encoding, no translation is needed at all.
    let p = plan(&two, &two, &PlanOptions::default());
    assert_eq!(p.bytecode, BytecodeVerdict::Unaffected);
}

#[test]
fn guides_show_the_bytes_of_escape_page_opcodes() {
    let mut paged = new();
    paged.encoding = Encoding::escapes([0xFF]).unwrap();
    paged.entries[1].opcode = 0xFF05; // INC
    let guide = render_guide(&old(), &paged, &GuideOptions::default());
    assert!(
        guide.contains("| `INC` | renumber | `0x08` | `0xFF05` (`ff 05`) | `INC` |"),
        "{guide}"
    );
    let p = plan(&old(), &paged, &PlanOptions::default());
    assert_eq!(p.to_bytes_of(Some(0xFF05)).unwrap().to_string(), "ff 05");
    assert_eq!(p.to_bytes_of(Some(0x00)), None);
    assert!(p.bytecode.resized().contains(&"INC".to_string()));
}

/// On pairs of real tables, for every instruction each side lists once: the plan reports a
/// layout change exactly when translation's coverage says the layouts differ, and coverage says
/// what the core's comparison says.
#[test]
fn plan_and_translation_agree_on_real_tables() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/flux/tables");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    let tables: Vec<Table> = paths
        .iter()
        .map(|p| isa_io::load_table(p).unwrap())
        .collect();
    assert_eq!(tables.len(), 71);
    let scheme = Scheme::flux_unified();
    let aliases = isa_core::Aliases::new();
    let once = |t: &Table| -> BTreeMap<String, usize> {
        let mut count: BTreeMap<String, usize> = BTreeMap::new();
        for e in t.instructions() {
            *count
                .entry(aliases.key(e.mnemonic.as_deref().unwrap()))
                .or_default() += 1;
        }
        count.retain(|_, n| *n == 1);
        count
    };
    let (mut pairs, mut compared, mut differ, mut refused) = (0, 0, 0, 0);
    for i in 0..tables.len() {
        for j in [(i + 1) % tables.len(), (i + 7) % tables.len()] {
            let (a, b) = (&tables[i], &tables[j]);
            let p = plan(a, b, &PlanOptions::default());
            let t = match Translator::new(a, b, &TranslateOptions::new()) {
                Ok(t) => t,
                Err(_) => {
                    refused += 1;
                    assert!(matches!(
                        p.bytecode,
                        BytecodeVerdict::Undecodable { .. } | BytecodeVerdict::Unaffected
                    ));
                    continue;
                }
            };
            pairs += 1;
            let changed: Vec<&str> = p
                .steps
                .iter()
                .filter(|s| s.kind == ChangeKind::FormatChanged)
                .map(|s| s.mnemonic.as_str())
                .collect();
            let ra = isa_core::resolve(a, &ResolveOptions::new(&scheme, &aliases));
            let rb = isa_core::resolve(b, &ResolveOptions::new(&scheme, &aliases));
            let (oa, ob) = (once(a), once(b));
            for info in t.coverage() {
                let key = aliases.key(&info.mnemonic);
                if !oa.contains_key(&key) || !ob.contains_key(&key) {
                    continue;
                }
                let x = ra.instructions.iter().find(|i| i.key == key).unwrap();
                let y = rb.instructions.iter().find(|i| i.key == key).unwrap();
                let agreement = info.outcome.layout_agreement();
                assert_eq!(
                    agreement,
                    Some(isa_core::compare(x, y)),
                    "{} → {}: {key}: {:?}",
                    a.implementation,
                    b.implementation,
                    info.outcome
                );
                assert_eq!(
                    changed.contains(&key.as_str()),
                    agreement == Some(Agreement::Differs),
                    "{} → {}: {key}",
                    a.implementation,
                    b.implementation
                );
                compared += 1;
                differ += usize::from(agreement == Some(Agreement::Differs));
            }
        }
    }
    println!("{pairs} pairs, {refused} refused, {compared} instructions compared, {differ} differ");
    assert!(
        pairs > 100 && compared > 2000 && differ > 300,
        "{pairs} {compared} {differ}"
    );
}
