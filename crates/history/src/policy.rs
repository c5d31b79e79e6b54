//! Lifecycle rules: what a new version may and may not do, given the history before it.
//!
//! The [`Ledger`] is the history folded into the facts the rules need: the last version, and
//! for every number ever declared, the instruction identity it belongs to. Entries may be
//! `proposed`, `stable`, `deprecated` or `removed`; whatever their status, and even after they
//! disappear from later tables, the numbers they held stay theirs. The rules:
//!
//! 1. versions strictly increase by semver precedence;
//! 2. a canonical table gives each number to at most one instruction;
//! 3. a number once declared for an instruction is never handed to another, unless the
//!    proposal carries an explicit override for that number (recorded and signed forever);
//! 4. a rename names an instruction that has been declared, and the old name is gone from the
//!    new table (otherwise the "rename" would be two live instructions).
//!
//! Identity is the normalised mnemonic ([`isa_core::normalize`]) followed through declared
//! renames, the same identity [`isa_core::diff`] uses. Everything here is pure: the store and
//! `verify` feed it records.

use std::collections::{BTreeMap, BTreeSet};

use isa_core::conflict::hex_opcode;
use isa_core::{normalize, Table};
use semver::Version;

use crate::model::Proposal;

/// Who holds a number, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// The instruction identity (normalised mnemonic, renames applied).
    pub key: String,
    /// The version that first declared it at this number.
    pub since: Version,
}

/// The history folded into what the rules need.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    /// The last declared version.
    pub head: Option<Version>,
    /// Number → holder, for every number ever declared for an instruction.
    pub numbers: BTreeMap<u32, Holder>,
    /// Every identity ever declared (renames applied).
    pub identities: BTreeSet<String>,
}

/// The instruction entries that hold numbers: named, non-reserved entries of any status.
fn holders(table: &Table) -> impl Iterator<Item = (u32, String)> + '_ {
    table.instructions().map(|e| {
        (
            e.opcode,
            normalize(e.mnemonic.as_deref().unwrap_or_default()),
        )
    })
}

impl Ledger {
    /// An empty history.
    pub fn new() -> Ledger {
        Ledger::default()
    }

    /// Every rule the proposal breaks, as sentences (empty when it may be declared).
    pub fn check(&self, proposal: &Proposal) -> Vec<String> {
        let mut problems = Vec::new();
        if let Some(head) = &self.head {
            if proposal.version <= *head {
                problems.push(format!(
                    "version {} does not increase on the current version {head}",
                    proposal.version
                ));
            }
        }
        let mut seen: BTreeMap<u32, String> = BTreeMap::new();
        for (opcode, key) in holders(&proposal.table) {
            if let Some(other) = seen.get(&opcode) {
                if *other != key {
                    problems.push(format!(
                        "{} is given to both {other} and {key}; a canonical table gives a number to one instruction",
                        hex_opcode(opcode)
                    ));
                }
                continue;
            }
            seen.insert(opcode, key);
        }
        let renamed = self.renamed(proposal);
        for r in &proposal.renames {
            let (from, to) = (normalize(&r.from), normalize(&r.to));
            if !self.identities.contains(&from) {
                problems.push(format!(
                    "rename {from} -> {to}: no instruction {from} has been declared"
                ));
            }
            if seen.values().any(|k| *k == from) {
                problems.push(format!(
                    "rename {from} -> {to}: {from} is still in the table; a renamed instruction takes its new name"
                ));
            }
        }
        let overridden: BTreeSet<u32> = proposal.overrides.iter().map(|o| o.opcode).collect();
        for (opcode, key) in &seen {
            let Some(holder) = renamed.get(opcode) else {
                continue;
            };
            if holder.key != *key && !overridden.contains(opcode) {
                problems.push(format!(
                    "{} was declared for {} in {}; it cannot be handed to {key} (declared numbers stay reserved, even when removed; \
                     a proposal may reassign it only with an explicit override)",
                    hex_opcode(*opcode),
                    holder.key,
                    holder.since
                ));
            }
        }
        for o in &proposal.overrides {
            if o.reason.trim().is_empty() {
                problems.push(format!(
                    "the override of {} needs a reason",
                    hex_opcode(o.opcode)
                ));
            }
        }
        problems
    }

    /// The number map with the proposal's renames applied.
    fn renamed(&self, proposal: &Proposal) -> BTreeMap<u32, Holder> {
        let mut numbers = self.numbers.clone();
        for r in &proposal.renames {
            let (from, to) = (normalize(&r.from), normalize(&r.to));
            for holder in numbers.values_mut() {
                if holder.key == from {
                    holder.key = to.clone();
                }
            }
        }
        numbers
    }

    /// Folds a declared proposal into the ledger (call after [`Ledger::check`] passed, or when
    /// replaying a verified history).
    pub fn apply(&mut self, proposal: &Proposal) {
        self.numbers = self.renamed(proposal);
        for r in &proposal.renames {
            let (from, to) = (normalize(&r.from), normalize(&r.to));
            self.identities.remove(&from);
            self.identities.insert(to);
        }
        let overridden: BTreeSet<u32> = proposal.overrides.iter().map(|o| o.opcode).collect();
        for (opcode, key) in holders(&proposal.table) {
            self.identities.insert(key.clone());
            let holder = Holder {
                key,
                since: proposal.version.clone(),
            };
            match self.numbers.get(&opcode) {
                None => {
                    self.numbers.insert(opcode, holder);
                }
                Some(old) if old.key != holder.key && overridden.contains(&opcode) => {
                    self.numbers.insert(opcode, holder);
                }
                Some(_) => {}
            }
        }
        self.head = Some(proposal.version.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Override, Rename};
    use isa_core::{Entry, Status};

    fn proposal(version: &str, entries: Vec<Entry>) -> Proposal {
        Proposal {
            version: Version::parse(version).unwrap(),
            parent: String::new(),
            message: String::new(),
            renames: vec![],
            overrides: vec![],
            table: Table {
                entries,
                ..Table::new("canonical")
            },
        }
    }

    fn removed(opcode: u32, name: &str) -> Entry {
        let mut e = Entry::new(opcode, name);
        e.status = Some(Status::Removed);
        e
    }

    #[test]
    fn versions_must_increase() {
        let mut ledger = Ledger::new();
        let v1 = proposal("1.0.0", vec![Entry::new(0, "HALT")]);
        assert!(ledger.check(&v1).is_empty());
        ledger.apply(&v1);
        let same = proposal("1.0.0", vec![Entry::new(0, "HALT")]);
        assert!(ledger.check(&same)[0].contains("does not increase"));
        let older = proposal("0.9.9", vec![Entry::new(0, "HALT")]);
        assert_eq!(ledger.check(&older).len(), 1);
        let pre = proposal("1.0.1-rc.1", vec![Entry::new(0, "HALT")]);
        assert!(ledger.check(&pre).is_empty());
    }

    #[test]
    fn removed_numbers_stay_reserved_unless_overridden() {
        let mut ledger = Ledger::new();
        let v1 = proposal("1.0.0", vec![Entry::new(0, "HALT"), Entry::new(5, "OLD")]);
        ledger.apply(&v1);
        // Marked removed: fine, the number stays OLD's.
        let v2 = proposal("1.1.0", vec![Entry::new(0, "HALT"), removed(5, "OLD")]);
        assert!(ledger.check(&v2).is_empty());
        ledger.apply(&v2);
        // Deleted entirely, then the number handed to another instruction: refused.
        let v3 = proposal("2.0.0", vec![Entry::new(0, "HALT"), Entry::new(5, "NEW")]);
        let problems = ledger.check(&v3);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("0x05 was declared for OLD in 1.0.0"));
        // With a recorded override it passes, and the number then belongs to NEW.
        let mut v3 = v3;
        v3.overrides.push(Override {
            opcode: 5,
            reason: "OLD never shipped".into(),
        });
        assert!(ledger.check(&v3).is_empty());
        ledger.apply(&v3);
        assert_eq!(ledger.numbers[&5].key, "NEW");
        // An override needs a reason.
        let mut v4 = proposal("3.0.0", vec![Entry::new(5, "OTHER")]);
        v4.overrides.push(Override {
            opcode: 5,
            reason: " ".into(),
        });
        assert!(ledger
            .check(&v4)
            .iter()
            .any(|p| p.contains("needs a reason")));
    }

    #[test]
    fn renumbering_keeps_the_old_number_reserved() {
        let mut ledger = Ledger::new();
        ledger.apply(&proposal("1.0.0", vec![Entry::new(1, "ADD")]));
        let moved = proposal("2.0.0", vec![Entry::new(2, "ADD")]);
        assert!(ledger.check(&moved).is_empty());
        ledger.apply(&moved);
        let reuse = proposal("3.0.0", vec![Entry::new(2, "ADD"), Entry::new(1, "SUB")]);
        assert_eq!(ledger.check(&reuse).len(), 1);
    }

    #[test]
    fn renames_carry_numbers_and_must_be_real() {
        let mut ledger = Ledger::new();
        ledger.apply(&proposal("1.0.0", vec![Entry::new(3, "STRIPCF")]));
        let mut renamed = proposal("1.1.0", vec![Entry::new(3, "STRIPCONF")]);
        // Without the declaration this is a reuse of 0x03.
        assert_eq!(ledger.check(&renamed).len(), 1);
        renamed.renames.push(Rename {
            from: "stripcf".into(),
            to: "STRIPCONF".into(),
        });
        assert!(ledger.check(&renamed).is_empty());
        ledger.apply(&renamed);
        assert_eq!(ledger.numbers[&3].key, "STRIPCONF");
        let mut bogus = proposal("1.2.0", vec![Entry::new(3, "STRIPCONF")]);
        bogus.renames.push(Rename {
            from: "NOPE".into(),
            to: "X".into(),
        });
        assert!(ledger.check(&bogus)[0].contains("no instruction NOPE"));
        let mut both = proposal(
            "1.2.0",
            vec![Entry::new(3, "STRIPCONF"), Entry::new(4, "Y")],
        );
        both.renames.push(Rename {
            from: "STRIPCONF".into(),
            to: "Y".into(),
        });
        assert!(ledger
            .check(&both)
            .iter()
            .any(|p| p.contains("still in the table")));
    }

    #[test]
    fn one_number_one_instruction() {
        let ledger = Ledger::new();
        let p = proposal("1.0.0", vec![Entry::new(1, "A"), Entry::new(1, "B")]);
        assert!(ledger.check(&p)[0].contains("both A and B"));
    }
}
