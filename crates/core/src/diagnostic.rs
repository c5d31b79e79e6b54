//! One diagnostic shape for everything the tool reports, and the registry of its rule ids.
//!
//! Conflicts between tables (`check`), divergences from the canonical table (`conform`),
//! problems with input files, and problems found in a store (`verify`) are all [`Diagnostic`]s:
//! a rule id from [`rules`], a [`Severity`], a message, a primary location with related ones,
//! and an optional hint. Every output format renders that one shape in one place (the
//! `isa-report` crate: text lines, JSON locations, SARIF results), so a location or a hint is
//! written the same way whoever produced it. The domain types keep their own fields (a
//! conflict's entries, a divergence's numbers) for the JSON contracts, and convert to a
//! diagnostic for everything the contracts have in common.

use std::fmt;

use crate::table::Location;

crate::named_enum! {
    /// How bad a finding is. Ordered: `Info < Warning < Error < Critical`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Severity {
        /// Worth knowing; never breaks anything by itself.
        Info => "info",
        /// Likely to break some bytecode or tooling.
        Warning => "warning",
        /// Bytecode built for one implementation misbehaves on another.
        Error => "error",
        /// The same bytes mean different instructions.
        Critical => "critical",
    }
}

impl Severity {
    /// All severities, most severe first (report order).
    pub const DESCENDING: [Severity; 4] = [
        Severity::Critical,
        Severity::Error,
        Severity::Warning,
        Severity::Info,
    ];
}

crate::named_enum! {
    /// What kind of divergence `conform` reports between an implementation and the canonical
    /// table (the matching itself is in `isa-codegen`'s `conform` module).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum DivergenceKind {
        /// A canonical instruction at another number.
        WrongOpcode => "wrong-opcode",
        /// An instruction the canonical table does not define.
        UnknownInstruction => "unknown-instruction",
        /// An instruction the ISA removed (its number stays reserved).
        RemovedInstruction => "removed-instruction",
        /// Size or operand layout differs from the canonical one.
        LayoutMismatch => "layout-mismatch",
        /// A canonical instruction the implementation's table lacks.
        MissingInstruction => "missing-instruction",
    }
}

impl DivergenceKind {
    /// One sentence describing the kind.
    pub fn description(self) -> &'static str {
        match self {
            DivergenceKind::WrongOpcode => {
                "an instruction is numbered differently from the canonical table"
            }
            DivergenceKind::UnknownInstruction => {
                "an instruction the canonical table does not define"
            }
            DivergenceKind::RemovedInstruction => "an instruction the canonical ISA has removed",
            DivergenceKind::LayoutMismatch => {
                "an instruction's size or operand layout differs from the canonical one"
            }
            DivergenceKind::MissingInstruction => {
                "a canonical instruction the implementation's table lacks"
            }
        }
    }

    /// Default severity: missing instructions are warnings, everything else an error.
    pub fn severity(self) -> Severity {
        match self {
            DivergenceKind::MissingInstruction => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

crate::named_enum! {
    /// Which part of the tool reports a rule.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Family {
        /// Conflicts among tables (`check`).
        Conflict => "conflict",
        /// Divergences from the canonical table (`conform`).
        Divergence => "divergence",
        /// Problems reading an input file.
        Input => "input",
        /// Problems found in a canonical-history store (`verify`).
        Store => "store",
        /// Conformance vectors that did not pass (`conformance`).
        Conformance => "conformance",
    }
}

/// One rule: an id every output format uses, its family, its fixed severity and one sentence
/// on what it means (SARIF rule descriptions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Kebab-case id (`number-collision`, `wrong-opcode`, `input`, `store-integrity`).
    pub id: &'static str,
    /// Who reports it.
    pub family: Family,
    /// Its severity.
    pub severity: Severity,
    /// What it means.
    pub description: &'static str,
}

/// The rule of a bad input file (unreadable, unparseable, or refused by the model's rules).
pub const INPUT_RULE: Rule = Rule {
    id: "input",
    family: Family::Input,
    severity: Severity::Error,
    description: "An input file cannot be read, parsed or accepted.",
};

/// The rule of a store that fails verification (a changed byte, a broken chain, a bad
/// signature, a missing or unexpected file).
pub const STORE_RULE: Rule = Rule {
    id: "store-integrity",
    family: Family::Store,
    severity: Severity::Error,
    description: "A file of the canonical-history store fails verification.",
};

/// The rule of a conformance vector whose final state differs from the expected one.
pub const VECTOR_FAIL_RULE: Rule = Rule {
    id: "vector-fail",
    family: Family::Conformance,
    severity: Severity::Error,
    description: "A conformance vector's final state differs from the expected one.",
};

/// The rule of a conformance vector that could not be read or run.
pub const VECTOR_ERROR_RULE: Rule = Rule {
    id: "vector-error",
    family: Family::Conformance,
    severity: Severity::Error,
    description: "A conformance vector could not be read or run.",
};

/// The rule of a conformance vector not run because it uses an instruction the
/// implementation does not model.
pub const VECTOR_SKIPPED_RULE: Rule = Rule {
    id: "vector-skipped",
    family: Family::Conformance,
    severity: Severity::Info,
    description: "A conformance vector uses an instruction the implementation does not model.",
};

/// The rules of the `conformance` command, in report order.
pub const VECTOR_RULES: [Rule; 3] = [VECTOR_FAIL_RULE, VECTOR_ERROR_RULE, VECTOR_SKIPPED_RULE];

/// Every rule id the tool reports, in report order within each family. Ids are unique across
/// families (a test holds them to it), so a rule id alone says what was found.
pub fn rules() -> impl Iterator<Item = Rule> {
    let conflicts = crate::ConflictKind::ALL.into_iter().map(|k| k.rule());
    let divergences = DivergenceKind::ALL.into_iter().map(|k| k.rule());
    conflicts
        .chain(divergences)
        .chain([INPUT_RULE, STORE_RULE])
        .chain(VECTOR_RULES)
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<Rule> {
    rules().find(|r| r.id == id)
}

impl crate::ConflictKind {
    /// This kind as a rule of the registry.
    pub fn rule(self) -> Rule {
        Rule {
            id: self.as_str(),
            family: Family::Conflict,
            severity: self.severity(),
            description: self.description(),
        }
    }
}

impl DivergenceKind {
    /// This kind as a rule of the registry.
    pub fn rule(self) -> Rule {
        Rule {
            id: self.as_str(),
            family: Family::Divergence,
            severity: self.severity(),
            description: self.description(),
        }
    }
}

/// A location related to a diagnostic's primary one, with what it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    /// Where.
    pub location: Location,
    /// What is there (`canonical entry`, `go-vm: ADD = 0x08`).
    pub message: Option<String>,
}

/// A property a diagnostic carries for machine readers (SARIF `properties`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Property {
    /// One string.
    Text(String),
    /// A list of strings.
    List(Vec<String>),
}

/// A stable identifier of a finding across runs (SARIF `partialFingerprints`): a versioned key
/// and a content-derived value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// The fingerprint's name and version (`isaAuthorityConflictId/v1`).
    pub key: &'static str,
    /// The value (a conflict id, a content hash).
    pub value: String,
}

/// One finding of any part of the tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule id (one of [`rules`]).
    pub rule: &'static str,
    /// How bad.
    pub severity: Severity,
    /// One-line explanation.
    pub message: String,
    /// The primary location, when known.
    pub location: Option<Location>,
    /// What the primary location shows, when that needs saying.
    pub location_message: Option<String>,
    /// Other locations involved.
    pub related: Vec<Related>,
    /// How to fix it, when there is something useful to say.
    pub hint: Option<String>,
    /// A stable identifier, when the finding has one.
    pub fingerprint: Option<Fingerprint>,
    /// Extra facts for machine readers, in a fixed order.
    pub properties: Vec<(&'static str, Property)>,
}

impl Diagnostic {
    /// A diagnostic of `rule` (at the rule's severity) with a message and nothing else.
    pub fn new(rule: Rule, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            rule: rule.id,
            severity: rule.severity,
            message: message.into(),
            location: None,
            location_message: None,
            related: Vec::new(),
            hint: None,
            fingerprint: None,
            properties: Vec::new(),
        }
    }

    /// Sets the primary location.
    pub fn at(mut self, location: Location) -> Diagnostic {
        self.location = Some(location);
        self
    }

    /// Sets the hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    /// The plain form every error message uses: `file:line:col: message`, then the hint on its
    /// own indented line (`  hint: …`). Without a location, just the message. Reports add the
    /// severity and rule id to this (see the `isa-report` crate's text renderer).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(l) = &self.location {
            write!(f, "{l}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_and_found_by_id() {
        let all: Vec<Rule> = rules().collect();
        let mut ids: Vec<&str> = all.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all.len(), "duplicate rule id");
        for r in &all {
            assert_eq!(rule(r.id), Some(*r));
        }
        assert_eq!(all.len(), 8 + 5 + 2 + 3);
    }

    #[test]
    fn the_plain_form_is_location_message_hint() {
        let d = Diagnostic::new(INPUT_RULE, "bad")
            .at(Location::new("a.json", 3, 7))
            .with_hint("fix it");
        assert_eq!(d.to_string(), "a.json:3:7: bad\n  hint: fix it");
        let whole_file =
            Diagnostic::new(INPUT_RULE, "unreadable").at(Location::new("a.json", 0, 0));
        assert_eq!(whole_file.to_string(), "a.json: unreadable");
        assert_eq!(Diagnostic::new(STORE_RULE, "x").to_string(), "x");
    }
}
