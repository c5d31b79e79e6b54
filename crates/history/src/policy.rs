//! Lifecycle rules: what a new version may and may not do, given the history before it.
//!
//! The [`Ledger`] is the history folded into the facts the rules need: the last version and the
//! identities its table holds, and for every number ever declared, the instruction identity it
//! belongs to. Entries may be `proposed`, `stable`, `deprecated` or `removed`; whatever their
//! status, and even after they disappear from later tables, the numbers they held stay theirs.
//! The rules:
//!
//! 1. versions strictly increase by semver precedence;
//! 2. a canonical table gives each number to at most one instruction;
//! 3. a number once declared for an instruction is never handed to another, unless the
//!    proposal carries an explicit override for that number (recorded and signed forever);
//! 4. a rename names an instruction of the version the proposal extends (its parent: the last
//!    declared version, none before the first), takes a name no other instruction of that
//!    version has, and the old name is gone from the new table; each instruction is renamed
//!    at most once and no two take the same name. Renames are identities: renaming onto a name
//!    the parent holds would make two instructions one, and every later diff, number check and
//!    migration would conflate them.
//!
//! Identity is the normalised mnemonic ([`isa_core::normalize`]: trimmed and upper-cased, that
//! is [`isa_core::Aliases::key`] with no aliases, since the store has no alias map and its
//! verdicts must not depend on one) followed through declared renames, the same identity
//! [`isa_core::diff`] uses. Everything here is pure: the store and `verify` feed it records.

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
    /// The identities of the last declared version's table (any status), each with the lowest
    /// number it holds there: what a rename may rename, and the names it may not take.
    pub current: BTreeMap<String, u32>,
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
        problems.extend(self.rename_problems(proposal, &seen));
        let renamed = self.renamed(proposal);
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

    /// What is wrong with the proposal's renames (rule 4), given the numbers its table assigns.
    fn rename_problems(&self, proposal: &Proposal, table: &BTreeMap<u32, String>) -> Vec<String> {
        let mut problems = Vec::new();
        let parent = match &self.head {
            Some(v) => format!("version {v}"),
            None => "the empty history".to_string(),
        };
        let mut keyed: Vec<(String, String)> = proposal
            .renames
            .iter()
            .map(|r| (normalize(&r.from), normalize(&r.to)))
            .collect();
        keyed.sort();
        keyed.dedup();
        for (from, to) in &keyed {
            if from == to {
                problems.push(format!(
                    "rename {from} -> {to} names one instruction twice (names compare trimmed and upper-cased)\n    \
                     hint: drop the rename; a change of case alone needs none"
                ));
                continue;
            }
            match self.current.get(from) {
                Some(_) => {}
                None if self.head.is_none() => problems.push(format!(
                    "rename {from} -> {to}: no version has been declared yet, so there is no instruction {from} to rename\n    \
                     hint: the first version declares each instruction under its name; drop the rename"
                )),
                None => problems.push(format!(
                    "rename {from} -> {to}: {from} is not an instruction of {parent}, the version this proposal extends, so there is nothing to rename\n    \
                     hint: a rename names an instruction by its name in the current version (`isa-authority show latest` lists them)"
                )),
            }
            if let Some(&at) = self.current.get(to) {
                // Retiring OLD is the alternative only when there is an OLD to retire.
                let (from_at, retire) = match self.current.get(from) {
                    Some(&o) => (
                        format!("; {from} is at {}", hex_opcode(o)),
                        format!("; to retire {from} in favour of {to}, drop the rename and mark {from} removed"),
                    ),
                    None => (String::new(), String::new()),
                };
                problems.push(format!(
                    "rename {from} -> {to}: {to} is already a separate instruction of {parent} (at {}{from_at}); \
                     renaming {from} to it would make two instructions one\n    \
                     hint: give {from} a name no instruction of {parent} has{retire}",
                    hex_opcode(at)
                ));
            }
            if table.values().any(|k| k == from) {
                problems.push(format!(
                    "rename {from} -> {to}: {from} is still in the table; a renamed instruction takes its new name"
                ));
            }
        }
        // Renames must be one-to-one, or the ledger (and every diff) would have to guess which
        // instruction a name means.
        let mut by_from: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        let mut by_to: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (from, to) in keyed.iter().filter(|(f, t)| f != t) {
            by_from.entry(from).or_default().push(to);
            by_to.entry(to).or_default().push(from);
        }
        for (from, tos) in by_from.iter().filter(|(_, v)| v.len() > 1) {
            problems.push(format!(
                "{from} is renamed to each of {}; an instruction takes one new name\n    hint: keep one of the renames",
                tos.join(", ")
            ));
        }
        for (to, froms) in by_to.iter().filter(|(_, v)| v.len() > 1) {
            problems.push(format!(
                "{} are each renamed to {to}; two instructions cannot take one name\n    hint: keep one of the renames",
                froms.join(", ")
            ));
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
        self.current.clear();
        for (opcode, key) in holders(&proposal.table) {
            let lowest = self.current.entry(key.clone()).or_insert(opcode);
            *lowest = (*lowest).min(opcode);
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
        assert!(ledger.check(&bogus)[0].contains(
            "NOPE is not an instruction of version 1.1.0, the version this proposal extends"
        ));
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

    fn rename(from: &str, to: &str) -> Rename {
        Rename {
            from: from.into(),
            to: to.into(),
        }
    }

    #[test]
    fn a_rename_cannot_take_a_name_the_parent_holds() {
        let mut ledger = Ledger::new();
        ledger.apply(&proposal(
            "1.0.0",
            vec![
                Entry::new(0, "HALT"),
                Entry::new(1, "A"),
                Entry::new(2, "B"),
            ],
        ));
        // B = A, with A kept where it was: two instructions would become one.
        let mut merge = proposal("1.1.0", vec![Entry::new(0, "HALT"), Entry::new(1, "A")]);
        merge.renames.push(rename(" b", "a "));
        let problems = ledger.check(&merge);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with(
                "rename B -> A: A is already a separate instruction of version 1.0.0 (at 0x01; B is at 0x02); \
                 renaming B to it would make two instructions one"
            ) && problems[0].contains("hint: give B a name no instruction of version 1.0.0 has"),
            "{problems:?}"
        );
        // The same with A moved onto B's old number (what a diff would have shown as both
        // "A renumbered" and "B renamed to A"): still refused for the rename, whatever else.
        let mut moved = proposal("1.1.0", vec![Entry::new(0, "HALT"), Entry::new(2, "A")]);
        moved.renames.push(rename("B", "A"));
        assert!(ledger
            .check(&moved)
            .iter()
            .any(|p| p.contains("A is already a separate instruction")));
        // A swap is two such renames.
        let mut swap = proposal(
            "1.1.0",
            vec![
                Entry::new(0, "HALT"),
                Entry::new(1, "B"),
                Entry::new(2, "A"),
            ],
        );
        swap.renames = vec![rename("A", "B"), rename("B", "A")];
        assert_eq!(
            ledger
                .check(&swap)
                .iter()
                .filter(|p| p.contains("is already a separate instruction"))
                .count(),
            2
        );
        // Renaming to a vacant name still works, and the number follows the instruction.
        let mut fine = proposal(
            "1.1.0",
            vec![
                Entry::new(0, "HALT"),
                Entry::new(1, "A"),
                Entry::new(2, "C"),
            ],
        );
        fine.renames.push(rename("B", "C"));
        assert!(ledger.check(&fine).is_empty(), "{:?}", ledger.check(&fine));
        ledger.apply(&fine);
        assert_eq!(ledger.numbers[&2].key, "C");
        assert_eq!(ledger.current.get("C"), Some(&2));
        assert!(!ledger.current.contains_key("B"));
    }

    #[test]
    fn a_rename_names_an_instruction_of_the_parent() {
        // Before the first version there is nothing to rename.
        let mut first = proposal("1.0.0", vec![Entry::new(1, "Y")]);
        first.renames.push(rename("X", "Y"));
        assert!(Ledger::new().check(&first)[0]
            .contains("no version has been declared yet, so there is no instruction X to rename"));
        let mut ledger = Ledger::new();
        ledger.apply(&proposal(
            "1.0.0",
            vec![Entry::new(1, "A"), Entry::new(2, "B")],
        ));
        // B is dropped in 2.0.0 (its number stays reserved); 2.1.0 cannot rename it any more.
        ledger.apply(&proposal("2.0.0", vec![Entry::new(1, "A")]));
        let mut late = proposal("2.1.0", vec![Entry::new(1, "A"), Entry::new(2, "C")]);
        late.renames.push(rename("B", "C"));
        let problems = ledger.check(&late);
        assert!(
            problems[0].starts_with("rename B -> C: B is not an instruction of version 2.0.0")
                && problems[0].contains("hint:"),
            "{problems:?}"
        );
        // A change of case is not a rename.
        let mut case = proposal("2.1.0", vec![Entry::new(1, "a")]);
        case.renames.push(rename("A", "a"));
        assert!(ledger.check(&case)[0].contains("names one instruction twice"));
    }

    #[test]
    fn renames_are_one_to_one() {
        let mut ledger = Ledger::new();
        ledger.apply(&proposal(
            "1.0.0",
            vec![Entry::new(1, "A"), Entry::new(2, "B")],
        ));
        let mut onto_one = proposal("1.1.0", vec![Entry::new(1, "C")]);
        onto_one.renames = vec![rename("A", "C"), rename("B", "C")];
        assert!(ledger
            .check(&onto_one)
            .iter()
            .any(|p| p.starts_with("A, B are each renamed to C")));
        let mut split = proposal("1.1.0", vec![Entry::new(1, "C"), Entry::new(2, "B")]);
        split.renames = vec![rename("A", "C"), rename("a", "D")];
        assert!(ledger
            .check(&split)
            .iter()
            .any(|p| p.starts_with("A is renamed to each of C, D")));
    }

    #[test]
    fn one_number_one_instruction() {
        let ledger = Ledger::new();
        let p = proposal("1.0.0", vec![Entry::new(1, "A"), Entry::new(1, "B")]);
        assert!(ledger.check(&p)[0].contains("both A and B"));
    }
}
