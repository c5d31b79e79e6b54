//! Migration plans: every change an implementation must make to get from one table to another,
//! by instruction identity, with a verdict on its existing bytecode.
//!
//! The steps are exactly the changes of [`isa_core::diff::diff`] — one diff, shared with the
//! rest of the tool — so a plan never disagrees with `diff`. What the plan adds is the bytecode
//! verdict, which comes from compiling the [`Translator`] for the same pair: an instruction
//! counts as translatable only if the translator can actually decode and re-encode it.
//!
//! The two tables may use different schemes for undeclared letters (an interpreter-lettered
//! implementation migrating to a unified-lettered canonical table): the diff resolves each side
//! with its own scheme ([`DiffOptions::new_scheme`]), through the core's one resolve step.

use std::collections::{BTreeMap, BTreeSet};

use isa_core::diff::{diff, Change, ChangeKind, DiffOptions};
use isa_core::{Aliases, Scheme, Table};

use crate::translate::{Outcome, TranslateOptions, Translator};

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
        untranslatable: Vec<(String, String)>,
    },
}

impl BytecodeVerdict {
    /// `unaffected`, `translate` or `partial`.
    pub fn as_str(&self) -> &'static str {
        match self {
            BytecodeVerdict::Unaffected => "unaffected",
            BytecodeVerdict::Translate { .. } => "translate",
            BytecodeVerdict::Partial { .. } => "partial",
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
}

impl Plan {
    /// Number of steps of one kind.
    pub fn count(&self, kind: ChangeKind) -> usize {
        self.steps.iter().filter(|s| s.kind == kind).count()
    }
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
    let bytecode = if breaking.is_empty() {
        BytecodeVerdict::Unaffected
    } else {
        let mut topts = options.translate_options();
        // A declared rename is an alias for translation: the old name finds its new self.
        for (old_name, new_name) in &options.renames {
            // A conflicting alias is already reported by the diff's rename handling; the
            // translation then simply does not follow it.
            let _ = topts.aliases.insert(old_name, new_name);
        }
        let translator = Translator::new(from, to, &topts);
        let mut resized = Vec::new();
        let mut untranslatable = Vec::new();
        for info in translator.coverage() {
            match info.outcome {
                Outcome::Reencoded { same_size: false } => resized.push(info.mnemonic),
                Outcome::Untranslatable(why) => untranslatable.push((info.mnemonic, why)),
                _ => {}
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
    };
    Plan {
        from: from.implementation.clone(),
        to: to.implementation.clone(),
        steps: d.changes,
        unchanged: d.unchanged,
        bytecode,
    }
}
