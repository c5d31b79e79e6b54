//! Feature groups: named, frozen sets of instructions, declared with includes and excludes in
//! the manner of RFC 9669's conformance groups (`base64` includes `base32`, …).
//!
//! A declaration names other groups to include, mnemonics to add and mnemonics to exclude.
//! Resolution flattens that into a set of normalised mnemonics; the group's identity on the
//! wire is a SHA-256 over its name and that set, so a group is frozen by construction: anyone
//! who redefines `float` produces a different digest, and negotiation reports the two
//! definitions as different instead of trusting the shared name.

use std::collections::{BTreeMap, BTreeSet};

use isa_core::{normalize, Table};
use sha2::{Digest, Sha256};

use crate::model::Hash32;

/// One group as declared (before includes are followed).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupDecl {
    /// The group's name.
    pub name: String,
    /// Groups whose members this one contains.
    pub includes: Vec<String>,
    /// Mnemonics it adds.
    pub mnemonics: Vec<String>,
    /// Mnemonics it removes (after includes and additions).
    pub excludes: Vec<String>,
}

/// A resolved group: a name and its set of normalised member mnemonics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDef {
    /// The group's name.
    pub name: String,
    /// Normalised mnemonics, sorted.
    pub members: BTreeSet<String>,
}

impl GroupDef {
    /// The frozen identity of the definition: SHA-256 over the name and the sorted members,
    /// each length-prefixed so that no two definitions share an encoding.
    pub fn digest(&self) -> Hash32 {
        let mut h = Sha256::new();
        h.update(b"isa-negotiate/group/v1\0");
        let mut put = |s: &str| {
            h.update((s.len() as u32).to_le_bytes());
            h.update(s.as_bytes());
        };
        put(&self.name);
        for m in &self.members {
            put(m);
        }
        h.finalize().into()
    }
}

/// Why a set of declarations cannot be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupError {
    /// Two declarations share a name.
    #[error("feature group `{0}` is declared twice")]
    Duplicate(String),
    /// An include names no declared group.
    #[error("feature group `{group}` includes `{missing}`, which is not declared")]
    UnknownInclude {
        /// The including group.
        group: String,
        /// The missing name.
        missing: String,
    },
    /// Includes form a cycle.
    #[error("feature groups include each other in a cycle: {0}")]
    Cycle(String),
}

/// Resolves declarations into definitions (sorted by name), following includes; collects the
/// first error. Resolution is iterative over a sorted map, so it is deterministic.
pub fn resolve(decls: &[GroupDecl]) -> Result<Vec<GroupDef>, GroupError> {
    let mut by_name: BTreeMap<&str, &GroupDecl> = BTreeMap::new();
    for d in decls {
        if by_name.insert(d.name.as_str(), d).is_some() {
            return Err(GroupError::Duplicate(d.name.clone()));
        }
    }
    let mut done: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for name in by_name.keys() {
        let mut stack = Vec::new();
        resolve_one(name, &by_name, &mut done, &mut stack)?;
    }
    Ok(done
        .into_iter()
        .map(|(name, members)| GroupDef { name, members })
        .collect())
}

fn resolve_one<'d>(
    name: &'d str,
    decls: &BTreeMap<&'d str, &'d GroupDecl>,
    done: &mut BTreeMap<String, BTreeSet<String>>,
    stack: &mut Vec<&'d str>,
) -> Result<(), GroupError> {
    if done.contains_key(name) {
        return Ok(());
    }
    if let Some(pos) = stack.iter().position(|s| *s == name) {
        let mut cycle: Vec<&str> = stack[pos..].to_vec();
        cycle.push(name);
        return Err(GroupError::Cycle(cycle.join(" -> ")));
    }
    let decl = decls[name];
    stack.push(name);
    let mut members = BTreeSet::new();
    for inc in &decl.includes {
        let Some((&key, _)) = decls.get_key_value(inc.as_str()) else {
            return Err(GroupError::UnknownInclude {
                group: name.to_string(),
                missing: inc.clone(),
            });
        };
        resolve_one(key, decls, done, stack)?;
        members.extend(done[key].iter().cloned());
    }
    members.extend(decl.mnemonics.iter().map(|m| normalize(m)));
    for ex in &decl.excludes {
        members.remove(&normalize(ex));
    }
    stack.pop();
    done.insert(name.to_string(), members);
    Ok(())
}

/// The default groups of a table that comes without declarations: one group per category,
/// named `category:<name>`, holding the table's instructions of that category. Such groups
/// are only as frozen as the tables agree; a peer whose `category:arith` differs is told so.
pub fn category_groups(table: &Table) -> Vec<GroupDef> {
    let mut map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in table.instructions() {
        if let (Some(cat), Some(m)) = (e.category.as_deref(), e.mnemonic.as_deref()) {
            let cat = cat.trim().to_ascii_lowercase();
            if !cat.is_empty() {
                map.entry(format!("category:{cat}"))
                    .or_default()
                    .insert(normalize(m));
            }
        }
    }
    map.into_iter()
        .map(|(name, members)| GroupDef { name, members })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decl(name: &str, inc: &[&str], add: &[&str], ex: &[&str]) -> GroupDecl {
        let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect();
        GroupDecl {
            name: name.into(),
            includes: v(inc),
            mnemonics: v(add),
            excludes: v(ex),
        }
    }

    #[test]
    fn includes_and_excludes_resolve_like_conformance_groups() {
        let defs = resolve(&[
            decl("base64", &["base32"], &["add64"], &["legacy"]),
            decl("base32", &[], &["add", "LEGACY", "halt"], &[]),
        ])
        .unwrap();
        assert_eq!(defs[0].name, "base32");
        assert_eq!(
            defs[1].members.iter().collect::<Vec<_>>(),
            ["ADD", "ADD64", "HALT"]
        );
        assert_ne!(defs[0].digest(), defs[1].digest());
    }

    #[test]
    fn cycles_duplicates_and_unknown_includes_are_errors() {
        let cyc = resolve(&[decl("a", &["b"], &[], &[]), decl("b", &["a"], &[], &[])]);
        assert_eq!(cyc, Err(GroupError::Cycle("a -> b -> a".into())));
        let dup = resolve(&[decl("a", &[], &[], &[]), decl("a", &[], &[], &[])]);
        assert_eq!(dup, Err(GroupError::Duplicate("a".into())));
        let unk = resolve(&[decl("a", &["zz"], &[], &[])]);
        assert!(matches!(unk, Err(GroupError::UnknownInclude { .. })));
    }

    #[test]
    fn a_redefinition_changes_the_digest() {
        let one = resolve(&[decl("float", &[], &["fadd"], &[])]).unwrap();
        let two = resolve(&[decl("float", &[], &["fadd", "fsub"], &[])]).unwrap();
        assert_ne!(one[0].digest(), two[0].digest());
        let same = resolve(&[decl("float", &[], &["FADD"], &[])]).unwrap();
        assert_eq!(one[0].digest(), same[0].digest());
    }
}
