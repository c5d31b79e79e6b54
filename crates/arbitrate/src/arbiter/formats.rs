//! The canonical entry's sources and formats: which implementation's entry each canonical
//! instruction copies (following the strategy), the verdict on its operand facts, and the format
//! letter and size it needs for its canonical opcode bytes.

use std::collections::{BTreeMap, BTreeSet};

use isa_core::resolve::{bytes_of, operand_shape, resolve_entry, FactKey};
use isa_core::{Agreement, Entry, Facts, Layout, ResolveOptions, Table};

use super::assign::How;
use super::index::{Inst, Place};
use super::strategy::Ctx;
use super::{LayoutVariant, Options, Strategy};

/// Picks the entry whose format, category and prose the canonical table copies, following the
/// strategy: the strongest-ranked implementation with the most operand facts (a full layout,
/// else a size) for oldest/largest, the specification for spec, otherwise a weighted vote —
/// first on the operand size every known fact gives, then on the full layouts of that size.
pub(super) fn attribute_source<'p>(ctx: &Ctx, inst: &'p Inst) -> (&'p Place, Option<String>) {
    let index = &ctx.index;
    let by_rank = |p: &Place| ctx.rank[p.table];
    // 0 for a full layout, 1 for a size, 2 for nothing known.
    let knowledge = |p: &Place| match &p.known {
        Some(k) if k.full_layout => 0,
        Some(_) => 1,
        None => 2,
    };
    let layout_source: &Place = match ctx.options.strategy {
        Strategy::Oldest | Strategy::Largest => inst
            .places
            .iter()
            .min_by_key(|p| (knowledge(p), by_rank(p)))
            .expect("places"),
        Strategy::Spec
            if ctx
                .spec
                .is_some_and(|s| inst.places.iter().any(|p| p.table == s)) =>
        {
            inst.places
                .iter()
                .find(|p| Some(p.table) == ctx.spec)
                .expect("checked")
        }
        _ => voted_source(inst),
    };
    // Category by the same rule: the layout source's when it has one, else a weighted vote.
    let category = index
        .entry(layout_source)
        .category
        .as_deref()
        .map(str::to_string)
        .or_else(|| {
            let mut votes: BTreeMap<&str, u64> = BTreeMap::new();
            for p in &inst.places {
                if let Some(c) = index.entry(p).category.as_deref() {
                    *votes.entry(c).or_default() += p.weight;
                }
            }
            votes
                .into_iter()
                .min_by_key(|(c, w)| (std::cmp::Reverse(*w), *c))
                .map(|(c, _)| c.to_string())
        });
    (layout_source, category)
}

/// The weighted vote of [`attribute_source`]: first on the operand size every known fact
/// gives, then on the full layouts of that size; the strongest voter of the winner.
fn voted_source<'p>(inst: &'p Inst) -> &'p Place {
    let strongest = |ps: &mut dyn Iterator<Item = &'p Place>| -> &'p Place {
        ps.min_by_key(|p| (std::cmp::Reverse(p.weight), p.table))
            .expect("non-empty")
    };
    // Sizes first: every known fact votes for its operand size (and whether a payload
    // follows), so a size-only entry supports the full layouts it agrees with.
    let mut sizes: BTreeMap<(u32, bool), (u64, usize)> = BTreeMap::new();
    for p in &inst.places {
        if let Some(k) = p.facts() {
            let g = sizes.entry(k.size).or_insert((0, p.table));
            g.0 += p.weight;
        }
    }
    match sizes
        .iter()
        .min_by_key(|(_, (w, first))| (std::cmp::Reverse(*w), *first))
    {
        None => strongest(&mut inst.places.iter()),
        Some((&size, _)) => {
            let mut shapes: BTreeMap<&str, (u64, usize)> = BTreeMap::new();
            for p in &inst.places {
                if let Some(FactKey {
                    size: s,
                    shape: Some(shape),
                }) = p.facts()
                {
                    if *s == size {
                        let g = shapes.entry(shape.as_str()).or_insert((0, p.table));
                        g.0 += p.weight;
                    }
                }
            }
            let shape = shapes
                .iter()
                .min_by_key(|(_, (w, first))| (std::cmp::Reverse(*w), *first))
                .map(|(s, _)| *s);
            strongest(&mut inst.places.iter().filter(|p| {
                p.facts().is_some_and(|k| {
                    k.size == size && (shape.is_none() || k.shape.as_deref() == shape)
                })
            }))
        }
    }
}

/// The distinct known operand facts of an instruction and the verdict over every pair of
/// implementations, by the one comparison rule ([`FactKey::differs`]).
pub(super) fn layout_verdict(ctx: &Ctx, inst: &Inst) -> (Agreement, Vec<LayoutVariant>) {
    let index = &ctx.index;
    let mut groups: BTreeMap<&FactKey, (String, Vec<std::sync::Arc<str>>)> = BTreeMap::new();
    let mut known = 0;
    for p in &inst.places {
        if let Some(k) = &p.known {
            known += 1;
            let g = groups
                .entry(&k.key)
                .or_insert_with(|| (k.text.clone(), Vec::new()));
            g.1.push(index.names[p.table].clone());
        }
    }
    let keys: Vec<&FactKey> = groups.keys().copied().collect();
    let differs = keys
        .iter()
        .enumerate()
        .any(|(i, a)| keys[i + 1..].iter().any(|b| a.differs(b)));
    let verdict = if differs {
        Agreement::Differs
    } else if known >= 2 {
        Agreement::Same
    } else {
        Agreement::Unknown
    };
    let variants = groups
        .into_values()
        .map(|(layout, implementations)| LayoutVariant {
            layout,
            implementations,
        })
        .collect();
    (verdict, variants)
}

/// Two layouts the canonical table may use interchangeably: the same size and operand shape.
pub(super) fn interchangeable(a: &Layout, b: &Layout) -> bool {
    a.size == b.size && operand_shape(a) == operand_shape(b)
}

/// What the canonical entry needs for its format letter.
pub(super) enum Want {
    /// No letter.
    Nothing,
    /// The source's letter, with the meaning the scheme gives it (or none, when nothing
    /// defines it).
    Letter(String),
    /// A layout the canonical table must declare, preferably under `letter`.
    Declare { letter: String, layout: Layout },
}

/// The format and size the canonical entry needs so that it resolves to the source's operand
/// facts with the canonical opcode bytes. A size (`size_bytes`, opcode included) and a layout
/// that fixes a wider opcode than the canonical number has are re-stated for the canonical
/// opcode width; a size whose opcode bytes the source cannot encode says nothing about the
/// operands and is dropped.
pub(super) fn canonical_facts(
    ctx: &Ctx,
    place: &Place,
    number: u32,
    probe: &Table,
) -> (Want, Option<u32>) {
    let index = &ctx.index;
    let table = index.tables[place.table];
    let entry = index.entry(place);
    let source = resolve_entry(
        table,
        place.entry as usize,
        entry,
        &ResolveOptions::new(&ctx.options.scheme, &ctx.options.aliases),
    );
    let bytes = probe
        .encoding
        .encode(number)
        .expect("canonical numbers are in the space");
    let opcode_len = bytes.len() as u32;
    let size = |operands: Option<u32>| {
        entry
            .size_bytes
            .and(operands)
            .map(|operands| operands + opcode_len)
    };
    match (source.facts, &entry.format) {
        (_, None) => (Want::Nothing, size(source.operand_bytes())),
        (Facts::Layout(layout), Some(letter)) => {
            let probe_entry = Entry::new(number, &source.key);
            let fits = bytes_of(probe, &probe_entry, Facts::Layout(layout)) == Ok(bytes);
            let operands = source.operand_bytes();
            let want = if fits && !table.formats.contains_key(letter.as_str()) {
                Want::Letter(letter.to_string())
            } else if fits {
                Want::Declare {
                    letter: letter.to_string(),
                    layout: layout.clone(),
                }
            } else {
                let resized = Layout::with_endian(
                    opcode_len + operands.expect("layouts know their operands"),
                    layout.fields.clone(),
                    layout.endian,
                )
                .expect("the same fields after a one- or two-byte opcode");
                Want::Declare {
                    letter: letter.to_string(),
                    layout: resized,
                }
            };
            (want, size(operands))
        }
        (_, Some(letter)) => (
            Want::Letter(letter.to_string()),
            size(source.operand_bytes()),
        ),
    }
}

/// The entry a canonical instruction copies and what it needs: the source place, the category,
/// the format it wants and its `size_bytes`.
pub(super) type Chosen<'p> = (&'p Place, Option<String>, Want, Option<u32>);

/// The source of every row (in row order), and the letters whose meaning is fixed: those
/// manual decisions name and those kept with the meaning the scheme gives them.
pub(super) fn choose_sources<'p>(
    ctx: &'p Ctx,
    rows: &[(u32, usize, How)],
    canonical: &Table,
) -> (Vec<Chosen<'p>>, BTreeSet<String>) {
    let index = &ctx.index;
    let options = ctx.options;
    let mut chosen: Vec<(&Place, Option<String>, Want, Option<u32>)> =
        Vec::with_capacity(rows.len());
    let mut locked: BTreeSet<String> = options
        .decisions
        .iter()
        .filter_map(|d| d.format.clone())
        .collect();
    for (number, i, _) in rows {
        let (place, category) = attribute_source(ctx, &index.insts[*i]);
        let (want, size) = canonical_facts(ctx, place, *number, canonical);
        if let Want::Letter(letter) = &want {
            locked.insert(letter.clone());
        }
        chosen.push((place, category, want, size));
    }
    (chosen, locked)
}

/// The format letter of every row (in row order) and the layouts the canonical table must
/// declare: a declared layout whose letter would clash gets a fresh letter.
pub(super) fn assign_letters(
    options: &Options,
    chosen: &[Chosen],
    locked: &BTreeSet<String>,
) -> (Vec<Option<String>>, BTreeMap<String, Layout>) {
    let mut declared: BTreeMap<String, Layout> = BTreeMap::new();
    let mut letters: Vec<Option<String>> = Vec::with_capacity(chosen.len());
    for (_, _, want, _) in chosen {
        let letter = match want {
            Want::Nothing => None,
            Want::Letter(letter) => Some(letter.clone()),
            Want::Declare { letter, layout } => {
                let scheme_same = options
                    .scheme
                    .get(letter)
                    .is_some_and(|l| interchangeable(l, layout));
                let fits = |name: &str| match declared.get(name) {
                    Some(existing) => existing == layout,
                    None => !locked.contains(name) || (name == letter && scheme_same),
                };
                let mut name = letter.clone();
                let mut n = 2;
                while !fits(&name) {
                    name = format!("{letter}{n}");
                    n += 1;
                }
                // An undeclared scheme letter with the same layout needs no declaration.
                if !(name == *letter && scheme_same && locked.contains(letter)) {
                    declared.insert(name.clone(), layout.clone());
                }
                Some(name)
            }
        };
        letters.push(letter);
    }
    (letters, declared)
}
