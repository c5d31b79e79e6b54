//! The rules: which source instruction becomes which target instruction (matched by identity)
//! and how its operands travel, compiled once per table pair from the resolved tables, and what
//! [`Translator::coverage`] reports about them.

use std::collections::BTreeMap;

use isa_core::resolve;
use isa_core::{compare, Agreement, Entry, OpBytes, Scheme, Status, Table};

use super::codec::{Decoded, Role, Shape};
use super::error::no_layout;
use super::{ErrorKind, TranslateError, TranslateOptions, Translator};

/// How a source instruction becomes a target instruction.
#[derive(Debug, Clone)]
pub(super) struct Mapping {
    pub(super) opcode: u32,
    /// The target's opcode bytes.
    pub(super) bytes: OpBytes,
    pub(super) mnemonic: String,
    pub(super) shape: Shape,
    /// For each target field: the source field it takes its value from (`None`: 0, or the
    /// payload length), and whether the pair is a relative branch (either side says so).
    pub(super) sources: Vec<(Option<usize>, bool)>,
    /// Source fields without a target field: they must be 0.
    pub(super) dropped: Vec<usize>,
    /// The operand facts agree by [`isa_core::compare`]: the operand bytes encode the same
    /// operands the same way, so they travel unchanged (only relative offsets may move).
    pub(super) copies: bool,
    /// `copies` with no relative branch on either side: the operand bytes and any payload are
    /// copied as they are wherever the instruction lands.
    pub(super) raw: bool,
    /// `copies`, one opcode byte on both sides and no payload: only the opcode byte changes,
    /// so the same-size path writes that byte and nothing else.
    pub(super) fast: bool,
    /// `fast` and `raw`: the general encoder would write exactly the source bytes with the new
    /// opcode wherever the instruction lands, so the two-pass mode copies them.
    pub(super) plain: bool,
}

/// One source opcode.
#[derive(Debug, Clone)]
pub(super) struct Rule {
    pub(super) mnemonic: String,
    pub(super) opcode: u32,
    pub(super) bytes: OpBytes,
    pub(super) src: Result<Shape, ErrorKind>,
    pub(super) map: Result<Mapping, ErrorKind>,
}

/// What happens to one source instruction, as reported by [`Translator::coverage`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Same opcode bytes, operands copied: the bytes do not change.
    Unchanged,
    /// Only the opcode bytes change (another number, or another width: moved onto an escape
    /// page, or a wider fixed opcode); the operand bytes are copied. `same_size` is false when
    /// the opcode width changes (branch offsets around it are then recomputed).
    Renumbered {
        /// True when the instruction keeps its size.
        same_size: bool,
    },
    /// The operands are re-encoded field by field (the layouts differ); `same_size` says
    /// whether the instruction keeps its size.
    Reencoded {
        /// True when the instruction keeps its size.
        same_size: bool,
    },
    /// Bytecode using this instruction cannot be translated; the kind says why (its `Display`
    /// is the sentence an error would print).
    Untranslatable(ErrorKind),
}

impl Outcome {
    /// Whether the instruction keeps its size (`None` when it cannot be translated).
    pub fn same_size(&self) -> Option<bool> {
        match self {
            Outcome::Unchanged => Some(true),
            Outcome::Renumbered { same_size } | Outcome::Reencoded { same_size } => {
                Some(*same_size)
            }
            Outcome::Untranslatable(_) => None,
        }
    }

    /// Translation's verdict on the instruction's operand layout, in the terms of
    /// [`isa_core::compare`]: `Same` when its operand bytes are copied (unchanged or
    /// renumbered), `Differs` when they must be re-encoded or cannot be (a size-only side whose
    /// size differs), `Unknown` when one side's layout is unknown. `None` when there is nothing
    /// to compare: the target has no such instruction, or the source gives one number two
    /// layouts.
    pub fn layout_agreement(&self) -> Option<Agreement> {
        match self {
            Outcome::Unchanged | Outcome::Renumbered { .. } => Some(Agreement::Same),
            Outcome::Reencoded { .. } => Some(Agreement::Differs),
            Outcome::Untranslatable(ErrorKind::OpaqueResize { .. }) => Some(Agreement::Differs),
            Outcome::Untranslatable(ErrorKind::NoLayout { .. }) => Some(Agreement::Unknown),
            Outcome::Untranslatable(_) => None,
        }
    }
}

/// One source instruction in [`Translator::coverage`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    /// The source mnemonic as the source table spells it.
    pub mnemonic: String,
    /// Source opcode.
    pub from: u32,
    /// Source opcode bytes.
    pub from_bytes: OpBytes,
    /// Target opcode, when there is a counterpart.
    pub to: Option<u32>,
    /// Target opcode bytes, when there is a counterpart.
    pub to_bytes: Option<OpBytes>,
    /// What translation does with it.
    pub outcome: Outcome,
}

fn present(entry: &Entry) -> bool {
    entry.is_instruction() && entry.status != Some(Status::Removed)
}

/// Target instructions by identity, with their opcode bytes.
type Targets<'t> = BTreeMap<&'t str, (&'t resolve::Instruction<'t>, OpBytes)>;

/// Compiles one rule per source opcode: the source instructions grouped by number and opcode
/// bytes, each matched to the target instruction of the same identity.
pub(super) fn compile(
    from: &Table,
    to: &Table,
    source: &[resolve::Instruction],
    target: &[resolve::Instruction],
    options: &TranslateOptions,
) -> Vec<Rule> {
    // Target instructions by identity; the lowest number wins for duplicates, as in the
    // diff. (A decodable table encodes every instruction, so none is skipped.)
    let mut targets: Targets = BTreeMap::new();
    for t in target.iter().filter(|i| present(i.entry)) {
        let Ok(bytes) = t.bytes else { continue };
        targets
            .entry(t.key.as_str())
            .and_modify(|old| {
                if (t.opcode, &t.entry.format) < (old.0.opcode, &old.0.entry.format) {
                    *old = (t, bytes);
                }
            })
            .or_insert((t, bytes));
    }
    // Source instructions by number and bytes, in table order within each. Equal bytes
    // mean equal numbers, and in a decodable table one identity.
    let mut groups: BTreeMap<(u32, OpBytes), Vec<&resolve::Instruction>> = BTreeMap::new();
    for s in source.iter().filter(|i| present(i.entry)) {
        if let Ok(bytes) = s.bytes {
            groups.entry((s.opcode, bytes)).or_default().push(s);
        }
    }

    let mut rules = Vec::with_capacity(groups.len());
    for (&(opcode, bytes), group) in &groups {
        let inst = group[0];
        let (src, map) = match Translator::source_shape(from, group, &options.from_scheme) {
            Err(e) => (Err(e.clone()), Err(e)),
            Ok((shape, known)) => {
                let map = Translator::mapping(known, &shape, to, &targets, options);
                (Ok(shape), map)
            }
        };
        rules.push(Rule {
            mnemonic: inst.entry.mnemonic_or_empty().to_string(),
            opcode,
            bytes,
            src,
            map,
        });
    }
    rules
}

impl Translator {
    /// The decoding shape of the source instructions at one opcode. A table may list one
    /// instruction twice: what the listings know must agree (a listing that knows nothing
    /// contradicts nothing, as in [`isa_core::compare`]), else the bytes after the opcode are
    /// ambiguous.
    fn source_shape<'g>(
        from: &Table,
        group: &[&'g resolve::Instruction<'g>],
        scheme: &Scheme,
    ) -> Result<(Shape, &'g resolve::Instruction<'g>), ErrorKind> {
        let known: Vec<&resolve::Instruction> = group
            .iter()
            .copied()
            .filter(|i| i.fact_key().is_some())
            .collect();
        let Some(&inst) = known.first() else {
            return Err(no_layout(from, group[0], scheme));
        };
        if known[1..]
            .iter()
            .any(|other| compare(inst, other) == Agreement::Differs)
        {
            let names: Vec<String> = known
                .iter()
                .map(|i| {
                    format!(
                        "{} ({})",
                        i.entry.mnemonic.as_deref().unwrap_or_default(),
                        i.layout_text().unwrap_or_default()
                    )
                })
                .collect();
            return Err(ErrorKind::Ambiguous {
                opcode: inst.opcode,
                table: from.implementation.clone(),
                names: names.join(", "),
            });
        }
        let shape = Shape::of(inst).ok_or_else(|| no_layout(from, inst, scheme))?;
        Ok((shape, inst))
    }

    fn mapping(
        inst: &resolve::Instruction,
        src: &Shape,
        to: &Table,
        targets: &Targets,
        options: &TranslateOptions,
    ) -> Result<Mapping, ErrorKind> {
        let &(target, bytes) =
            targets
                .get(inst.key.as_str())
                .ok_or_else(|| ErrorKind::NoCounterpart {
                    key: inst.key.clone(),
                    table: to.implementation.clone(),
                })?;
        let tmnemonic = target.entry.mnemonic_or_empty().to_string();
        let shape = Shape::of(target).ok_or_else(|| no_layout(to, target, &options.to_scheme))?;
        // The one comparison rule decides whether the operands travel unchanged.
        let copies = compare(inst, target) == Agreement::Same;
        let layouts = inst.layout().is_some() && target.layout().is_some();
        if !copies && !layouts {
            return Err(ErrorKind::OpaqueResize {
                mnemonic: inst.entry.mnemonic_or_empty().to_string(),
                from: src.fixed - src.opcode_len,
                to: shape.fixed - shape.opcode_len,
                payload: src.length.is_some() || shape.length.is_some(),
            });
        }
        let relative = src
            .fields
            .iter()
            .chain(&shape.fields)
            .any(|f| f.role == Role::Relative);
        // A size-only side has no fields to pair, so equal operand bytes are copied even when
        // the other side names a branch.
        let raw = copies && (!layouts || !relative);
        let (sources, dropped) = if raw {
            (Vec::new(), Vec::new())
        } else {
            let mut used = vec![false; src.fields.len()];
            let sources: Vec<(Option<usize>, bool)> = shape
                .fields
                .iter()
                .map(|tf| {
                    let found = src
                        .fields
                        .iter()
                        .enumerate()
                        .find(|(i, sf)| !used[*i] && sf.role.class() == tf.role.class())
                        .map(|(i, _)| i);
                    if let Some(i) = found {
                        used[i] = true;
                    }
                    let relative = tf.role == Role::Relative
                        || found.is_some_and(|i| src.fields[i].role == Role::Relative);
                    (found, relative)
                })
                .collect();
            // A source payload length is dealt with as a payload, not as an operand.
            let dropped = (0..src.fields.len())
                .filter(|&i| !used[i] && src.fields[i].role != Role::Length)
                .collect();
            (sources, dropped)
        };
        let fast = copies && src.opcode_len == 1 && shape.opcode_len == 1 && src.length.is_none();
        Ok(Mapping {
            opcode: target.opcode,
            bytes,
            mnemonic: tmnemonic,
            shape,
            sources,
            dropped,
            copies,
            raw,
            fast,
            plain: fast && raw,
        })
    }

    /// What happens to every source instruction, by source number.
    pub fn coverage(&self) -> Vec<RuleInfo> {
        self.rules
            .iter()
            .map(|r| {
                let (to, to_bytes, outcome) = match (&r.src, &r.map) {
                    (Err(e), _) | (_, Err(e)) => (None, None, Outcome::Untranslatable(e.clone())),
                    (Ok(src), Ok(m)) => {
                        let same_size = src.fixed == m.shape.fixed;
                        let outcome = if m.copies && m.bytes == r.bytes {
                            Outcome::Unchanged
                        } else if m.copies {
                            Outcome::Renumbered { same_size }
                        } else {
                            Outcome::Reencoded { same_size }
                        };
                        (Some(m.opcode), Some(m.bytes), outcome)
                    }
                };
                RuleInfo {
                    mnemonic: r.mnemonic.clone(),
                    from: r.opcode,
                    from_bytes: r.bytes,
                    to,
                    to_bytes,
                    outcome,
                }
            })
            .collect()
    }

    /// The mapping of a decoded instruction and its target length.
    pub(super) fn target_of(
        &self,
        input: &[u8],
        pos: usize,
        d: &Decoded,
    ) -> Result<(&Mapping, usize), TranslateError> {
        let r = &self.rules[d.rule as usize];
        let m = r
            .map
            .as_ref()
            .map_err(|e| self.fail(input, pos, Some(d), e.clone()))?;
        let len = if m.shape.length.is_some() {
            m.shape.fixed + d.payload
        } else if d.payload > 0 {
            return Err(self.fail(
                input,
                pos,
                Some(d),
                ErrorKind::PayloadDropped {
                    len: d.payload,
                    mnemonic: m.mnemonic.clone(),
                    table: self.to.clone(),
                },
            ));
        } else {
            m.shape.fixed
        };
        Ok((m, len))
    }
}
