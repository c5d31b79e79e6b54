//! Plans and guides: steps by identity, the bytecode verdict, the guide's spelling, command
//! line and generated code.

use std::path::PathBuf;

use isa_core::diff::ChangeKind;
use isa_core::{Entry, Scheme, Table};
use isa_migrate::{plan, render_guide, BytecodeVerdict, GuideOptions, PlanOptions};

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
        entry.source_name = Some(format!("Op{}", &name[..1]) + &name[1..].to_lowercase());
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
