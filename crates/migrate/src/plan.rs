//! Migration plans: every change an implementation must make to get from one table to another,
//! by instruction identity, with a verdict on its existing bytecode.
//!
//! The steps are exactly the changes of [`isa_core::diff::diff`] — one diff, shared with the
//! rest of the tool — so a plan never disagrees with `diff`. What the plan adds is the bytecode
//! verdict, which comes from compiling the [`Translator`] for the same pair: an instruction
//! counts as translatable only if the translator can actually decode and re-encode it, and
//! bytecode counts as affected when a change breaks it or when the translator would rewrite any
//! instruction's bytes (a new opcode encoding changes bytes without changing a number). Both the
//! diff and the translator read the core's one resolve step and compare operands by its one rule
//! ([`isa_core::compare`]), so "layout changed" in the steps and "re-encoded"/"untranslatable"
//! in the verdict always go together — for size-only entries too. A table that cannot be decoded
//! unambiguously gets the verdict [`BytecodeVerdict::Undecodable`] with `check`'s explanation.
//!
//! The two tables may use different schemes for undeclared letters (an interpreter-lettered
//! implementation migrating to a unified-lettered canonical table): the diff resolves each side
//! with its own scheme ([`DiffOptions::new_scheme`]), and so does the translator.

use std::collections::{BTreeMap, BTreeSet};

use isa_core::diff::{diff, Change, ChangeKind, DiffOptions};
use isa_core::{Aliases, OpBytes, ResolveOptions, Scheme, Status, Table};

use crate::translate::{ErrorKind, Outcome, Side, TranslateOptions, Translator};

/// What a plan needs besides the two tables.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// Alternative spellings merged before matching.
    pub aliases: Aliases,
    /// Scheme for letters the `from` table does not declare.
    pub from_scheme: Scheme,
    /// Scheme for letters the `to` table does not declare.
    pub to_scheme: Scheme,
    /// Declared renames, old mnemonic → new mnemonic.
    pub renames: BTreeMap<String, String>,
}

impl Default for PlanOptions {
    fn default() -> PlanOptions {
        PlanOptions {
            aliases: Aliases::new(),
            from_scheme: Scheme::flux_unified(),
            to_scheme: Scheme::flux_unified(),
            renames: BTreeMap::new(),
        }
    }
}

impl PlanOptions {
    /// The translation options for the same pair.
    pub fn translate_options(&self) -> TranslateOptions {
        TranslateOptions {
            aliases: self.aliases.clone(),
            from_scheme: self.from_scheme.clone(),
            to_scheme: self.to_scheme.clone(),
        }
    }
}

/// What existing bytecode needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BytecodeVerdict {
    /// No change breaks existing bytecode: it runs as it is.
    Unaffected,
    /// Existing bytecode must be translated, and every instruction can be.
    Translate {
        /// Instructions whose size changes (branch offsets around them are recomputed).
        resized: Vec<String>,
    },
    /// Existing bytecode must be translated, but programs using these instructions cannot be
    /// (instruction, reason).
    Partial {
        /// Instructions whose size changes.
        resized: Vec<String>,
        /// Instructions translation cannot carry, with the reason.
        untranslatable: Vec<(String, ErrorKind)>,
    },
    /// Existing bytecode must be translated, but one of the tables cannot be decoded
    /// unambiguously, so no translator can be built for the pair.
    Undecodable {
        /// Which table.
        side: Side,
        /// Its implementation name.
        table: String,
        /// `check`'s messages for the conflicts that make it undecodable.
        problems: Vec<String>,
    },
}

impl BytecodeVerdict {
    /// `unaffected`, `translate` or `partial`.
    pub fn as_str(&self) -> &'static str {
        match self {
            BytecodeVerdict::Unaffected => "unaffected",
            BytecodeVerdict::Translate { .. } => "translate",
            BytecodeVerdict::Partial { .. } => "partial",
            BytecodeVerdict::Undecodable { .. } => "undecodable",
        }
    }

    /// One sentence for people.
    pub fn sentence(&self) -> String {
        match self {
            BytecodeVerdict::Unaffected => {
                "existing bytecode runs unchanged: no change breaks it".to_string()
            }
            BytecodeVerdict::Translate { resized } if resized.is_empty() => {
                "existing bytecode must be translated; every instruction keeps its size, so translation only rewrites opcodes and operands".to_string()
            }
            BytecodeVerdict::Translate { resized } => format!(
                "existing bytecode must be translated; {} instruction{} change size, so branch offsets are recomputed",
                resized.len(),
                if resized.len() == 1 { "" } else { "s" }
            ),
            BytecodeVerdict::Partial { untranslatable, .. } => format!(
                "existing bytecode must be translated, but programs using {} cannot be: {}",
                if untranslatable.len() == 1 { "this instruction" } else { "these instructions" },
                untranslatable
                    .iter()
                    .map(|(m, _)| m.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            BytecodeVerdict::Undecodable {
                side,
                table,
                problems,
            } => format!(
                "existing bytecode cannot be translated: the {} table {table} cannot be decoded unambiguously ({} problem{}; `check` reports the same)",
                side.as_str(),
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            ),
        }
    }

    /// Instructions whose size changes (none for `unaffected` and `undecodable`).
    pub fn resized(&self) -> &[String] {
        match self {
            BytecodeVerdict::Translate { resized } | BytecodeVerdict::Partial { resized, .. } => {
                resized
            }
            BytecodeVerdict::Unaffected | BytecodeVerdict::Undecodable { .. } => &[],
        }
    }
}

/// A migration plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Source implementation.
    pub from: String,
    /// Target implementation.
    pub to: String,
    /// Every change, in the diff's order (kind, then identity).
    pub steps: Vec<Change>,
    /// Instructions present in both with no change.
    pub unchanged: usize,
    /// What existing bytecode needs.
    pub bytecode: BytecodeVerdict,
    /// The opcode encodings (`from`, `to`, as sentences) when they differ.
    pub encoding_change: Option<(String, String)>,
    /// Resolved opcode bytes of the `from` table's instructions, by number.
    pub from_bytes: BTreeMap<u32, OpBytes>,
    /// Resolved opcode bytes of the `to` table's instructions, by number.
    pub to_bytes: BTreeMap<u32, OpBytes>,
}

impl Plan {
    /// Number of steps of one kind.
    pub fn count(&self, kind: ChangeKind) -> usize {
        self.steps.iter().filter(|s| s.kind == kind).count()
    }

    /// The opcode bytes of a `from`-table number where they say more than the number does
    /// (more than one byte: an escape page, a wide or fixed-width opcode).
    pub fn from_bytes_of(&self, number: Option<u32>) -> Option<OpBytes> {
        wide(&self.from_bytes, number)
    }

    /// The opcode bytes of a `to`-table number where they say more than the number does.
    pub fn to_bytes_of(&self, number: Option<u32>) -> Option<OpBytes> {
        wide(&self.to_bytes, number)
    }
}

fn wide(bytes: &BTreeMap<u32, OpBytes>, number: Option<u32>) -> Option<OpBytes> {
    bytes.get(&number?).copied().filter(|b| b.len() > 1)
}

/// Each number's opcode bytes, read from the one resolve step (the first instruction at a
/// number wins; a decodable table gives one number one identity).
fn opcode_bytes(table: &Table, scheme: &Scheme, aliases: &Aliases) -> BTreeMap<u32, OpBytes> {
    let mut out = BTreeMap::new();
    for inst in isa_core::resolve(table, &ResolveOptions::new(scheme, aliases)).instructions {
        if inst.entry.status == Some(Status::Removed) {
            continue;
        }
        if let Ok(bytes) = inst.bytes {
            out.entry(inst.opcode).or_insert(bytes);
        }
    }
    out
}

/// Builds the plan from `from` to `to`.
pub fn plan(from: &Table, to: &Table, options: &PlanOptions) -> Plan {
    let diff_options = DiffOptions {
        aliases: options.aliases.clone(),
        scheme: options.from_scheme.clone(),
        new_scheme: Some(options.to_scheme.clone()),
        renames: options.renames.clone(),
    };
    let d = diff(from, to, &diff_options);
    let breaking: BTreeSet<&str> = d
        .changes
        .iter()
        .filter(|c| c.breaking)
        .map(|c| c.previous.as_deref().unwrap_or(c.mnemonic.as_str()))
        .collect();
    let mut topts = options.translate_options();
    // A declared rename is an alias for translation: the old name finds its new self.
    for (old_name, new_name) in &options.renames {
        // A conflicting alias is already reported by the diff's rename handling; the
        // translation then simply does not follow it.
        let _ = topts.aliases.insert(old_name, new_name);
    }
    let bytecode = match Translator::new(from, to, &topts) {
        Err(undecodable) => {
            // Without a translator only the diff and the encodings say whether bytes change.
            if breaking.is_empty() && from.encoding == to.encoding {
                BytecodeVerdict::Unaffected
            } else {
                BytecodeVerdict::Undecodable {
                    side: undecodable.side,
                    table: undecodable.table,
                    problems: undecodable
                        .problems
                        .into_iter()
                        .map(|c| format!("[{}] {}", c.kind, c.message))
                        .collect(),
                }
            }
        }
        Ok(translator) => {
            let coverage = translator.coverage();
            let rewrites = coverage.iter().any(|info| {
                matches!(
                    info.outcome,
                    Outcome::Renumbered { .. } | Outcome::Reencoded { .. }
                )
            });
            if breaking.is_empty() && !rewrites {
                BytecodeVerdict::Unaffected
            } else {
                let mut resized = Vec::new();
                let mut untranslatable = Vec::new();
                for info in coverage {
                    if info.outcome.same_size() == Some(false) {
                        resized.push(info.mnemonic);
                    } else if let Outcome::Untranslatable(why) = info.outcome {
                        untranslatable.push((info.mnemonic, why));
                    }
                }
                if untranslatable.is_empty() {
                    BytecodeVerdict::Translate { resized }
                } else {
                    BytecodeVerdict::Partial {
                        resized,
                        untranslatable,
                    }
                }
            }
        }
    };
    let encoding_change = (from.encoding != to.encoding)
        .then(|| (from.encoding.to_string(), to.encoding.to_string()));
    Plan {
        from: from.implementation.clone(),
        to: to.implementation.clone(),
        steps: d.changes,
        unchanged: d.unchanged,
        bytecode,
        encoding_change,
        from_bytes: opcode_bytes(from, &options.from_scheme, &options.aliases),
        to_bytes: opcode_bytes(to, &options.to_scheme, &options.aliases),
    }
}
