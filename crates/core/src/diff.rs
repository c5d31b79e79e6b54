//! Identity-based diff between two versions of an instruction set.
//!
//! Instructions are matched by *identity*, never by opcode number: the identity of an entry is
//! its mnemonic's [`Aliases::key`] (trimmed, upper-cased, aliased), and a declared rename
//! (`OLD → NEW`, see [`DiffOptions::renames`]) says that an old identity continues under a new
//! name. Comparing by number — what the original tool did — cannot see an instruction that
//! moved; comparing by identity reports it as [`ChangeKind::Renumbered`].
//!
//! Each identity belongs to one instruction of the diff: it is removed, added, or one side of a
//! single matched pair. Matching by identity comes first, so a declared rename is followed only
//! when it connects an instruction gone from the new table to one the old table did not have,
//! and no other rename claims either name; any other rename (onto a name the old version
//! already holds, say) would report one instruction twice and is not followed, and the
//! changes' details say why.
//!
//! Only instructions take part ([`Entry::is_instruction`]: reservations and nameless numbers
//! are ignored), and an entry whose status is [`Status::Removed`] counts as absent, so marking an
//! instruction removed is reported exactly like deleting it.
//!
//! Each change says whether it breaks *existing bytecode* (`breaking`: bytecode built for the old
//! version misbehaves on a VM of the new one) and whether it breaks *new bytecode on old VMs*
//! (`breaks_forward`). Renumbering and layout changes break both; a removal breaks existing
//! bytecode only; an addition breaks only forward (an old VM does not know the new opcode);
//! renames, deprecations and other status changes break neither, since bytecode carries numbers
//! and operands, not names. The verdicts per [`Compatibility`] mode follow from those flags:
//! backward (new VMs run old bytecode), forward (old VMs run new bytecode), full (both).
//!
//! The result is deterministic: changes are sorted by kind, then identity, whatever the order
//! of entries in either table.

use std::collections::BTreeMap;
use std::fmt;

use crate::conflict::hex_opcode;
use crate::format::Scheme;
use crate::mnemonic::Aliases;
use crate::resolve::{self, FactKey, Facts};
use crate::table::{Entry, Status, Table};

/// What a diff needs besides the two tables.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// Alternative spellings merged before matching.
    pub aliases: Aliases,
    /// The scheme giving undeclared format letters their layout (FLUX unified by default).
    pub scheme: Scheme,
    /// The scheme for the new table's undeclared letters, when it differs from the old one's
    /// (`migrate plan` between two schemes); `None`: `scheme` for both.
    pub new_scheme: Option<Scheme>,
    /// Declared renames, old mnemonic → new mnemonic (any spelling; compared by key). Without a
    /// declaration a vanished name and a new one are a removal and an addition, even at the same
    /// number: deciding that two names are one instruction is a governance decision, not a guess.
    /// A declaration that does not connect a vanished name to a new one is not followed (see the
    /// module documentation).
    pub renames: BTreeMap<String, String>,
}

impl DiffOptions {
    /// FLUX unified scheme, no aliases, no renames.
    pub fn new() -> DiffOptions {
        DiffOptions::default()
    }

    /// Builder: declares that `old` is now called `new`.
    pub fn rename(mut self, old: &str, new: &str) -> DiffOptions {
        self.renames.insert(old.to_string(), new.to_string());
        self
    }
}

crate::named_enum! {
    /// The kinds of change, in report order.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum ChangeKind {
        /// An instruction is gone (deleted or marked `removed`). Breaks existing bytecode.
        Removed => "removed",
        /// An instruction kept its identity but moved to another number. Breaks both ways.
        Renumbered => "renumbered",
        /// An instruction's operand layout changed shape. Breaks both ways.
        FormatChanged => "format-changed",
        /// A new instruction. Breaks only forward compatibility.
        Added => "added",
        /// A declared rename: same instruction, new name. Breaks nothing.
        Renamed => "renamed",
        /// An instruction became `deprecated`. Breaks nothing.
        Deprecated => "deprecated",
        /// Any other lifecycle change (`proposed → stable`, `deprecated → stable`, …). Breaks
        /// nothing.
        StatusChanged => "status-changed",
    }
}

impl ChangeKind {
    /// True when this kind breaks bytecode built for the old version on a VM of the new one.
    pub fn breaks_backward(self) -> bool {
        matches!(
            self,
            ChangeKind::Removed | ChangeKind::Renumbered | ChangeKind::FormatChanged
        )
    }

    /// True when this kind breaks bytecode built for the new version on a VM of the old one.
    pub fn breaks_forward(self) -> bool {
        matches!(
            self,
            ChangeKind::Added | ChangeKind::Renumbered | ChangeKind::FormatChanged
        )
    }
}

/// One change between two versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What happened.
    pub kind: ChangeKind,
    /// The instruction's identity (its key): the new name where it still exists, else the old.
    pub mnemonic: String,
    /// The old name, for [`ChangeKind::Renamed`] (and any change of a renamed instruction).
    pub previous: Option<String>,
    /// Opcode in the old version (`None` for additions).
    pub from: Option<u32>,
    /// Opcode in the new version (`None` for removals).
    pub to: Option<u32>,
    /// True when bytecode built for the old version breaks on the new one.
    pub breaking: bool,
    /// True when bytecode built for the new version breaks on the old one.
    pub breaks_forward: bool,
    /// One human sentence on what changed (layouts, statuses, reused numbers).
    pub detail: String,
}

crate::named_enum! {
    /// The compatibility modes a verdict is given for.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Compatibility {
        /// New VMs run old bytecode.
        Backward => "backward",
        /// Old VMs run new bytecode.
        Forward => "forward",
        /// Both.
        Full => "full",
    }
}

/// The result of [`diff`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diff {
    /// Every change, sorted by kind then identity.
    pub changes: Vec<Change>,
    /// True when new VMs run all old bytecode (no change is `breaking`).
    pub backward: bool,
    /// True when old VMs run all new bytecode (no change `breaks_forward`).
    pub forward: bool,
    /// `backward && forward`.
    pub full: bool,
    /// Instructions present in both versions with no change at all.
    pub unchanged: usize,
}

impl Diff {
    /// The verdict for one mode.
    pub fn is_compatible(&self, mode: Compatibility) -> bool {
        match mode {
            Compatibility::Backward => self.backward,
            Compatibility::Forward => self.forward,
            Compatibility::Full => self.full,
        }
    }

    /// Number of changes that break existing bytecode.
    pub fn breaking_count(&self) -> usize {
        self.changes.iter().filter(|c| c.breaking).count()
    }

    /// Changes of one kind.
    pub fn of_kind(&self, kind: ChangeKind) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(move |c| c.kind == kind)
    }
}

/// One identity's entries in one table, lowest opcode first.
struct Slot<'a> {
    entries: Vec<&'a Entry>,
}

impl Slot<'_> {
    fn primary(&self) -> &Entry {
        self.entries[0]
    }
    fn opcodes(&self) -> Vec<u32> {
        self.entries.iter().map(|e| e.opcode).collect()
    }
}

/// Entries that count as present: instructions not marked removed, grouped by key.
fn group<'a>(table: &'a Table, aliases: &Aliases) -> BTreeMap<String, Slot<'a>> {
    let mut map: BTreeMap<String, Slot<'a>> = BTreeMap::new();
    for e in table.instructions() {
        if e.status == Some(Status::Removed) {
            continue;
        }
        let key = aliases.key(e.mnemonic.as_deref().unwrap_or_default());
        map.entry(key)
            .or_insert_with(|| Slot {
                entries: Vec::new(),
            })
            .entries
            .push(e);
    }
    for slot in map.values_mut() {
        // Sort on every field the comparison reads, so that which duplicate becomes the
        // primary entry never depends on input order.
        slot.entries
            .sort_by_key(|e| (e.opcode, e.format.clone(), e.size_bytes, e.status));
    }
    map
}

/// What a table says about an entry's operands, from the one resolve step
/// ([`crate::resolve`]), with its comparison key and its rendering for change details.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LayoutFacts {
    key: Option<FactKey>,
    text: String,
}

impl LayoutFacts {
    fn of(table: &Table, entry: &Entry, scheme: &Scheme) -> LayoutFacts {
        let aliases = Aliases::new();
        let inst = resolve::resolve_entry(
            table,
            0,
            entry,
            &resolve::ResolveOptions::new(scheme, &aliases),
        );
        let facts = inst.facts;
        let size = inst.size();
        let text = match (facts, size) {
            (Facts::Layout(l), Some(size)) if l.fields.is_empty() => format!("{size}B"),
            (Facts::Layout(l), Some(size)) => {
                format!("{size}B {}", resolve::operand_shape(l))
            }
            (Facts::Layout(l), None) => resolve::operand_shape(l),
            (Facts::Size(size), _) => format!("{size}B (size only)"),
            (Facts::Unknown(Some(letter)), _) => format!("format {letter} (layout unknown)"),
            (Facts::Unknown(None), _) => "no format".to_string(),
        };
        LayoutFacts {
            key: inst.fact_key(),
            text,
        }
    }

    /// True when the facts both sides know contradict each other, by the one comparison rule
    /// ([`FactKey::differs`]). A side that knows nothing (no layout, or a letter nothing
    /// defines) contradicts nothing, so a table that lists only sizes does not show every
    /// instruction as "layout changed".
    fn differ(&self, other: &LayoutFacts) -> bool {
        match (&self.key, &other.key) {
            (Some(a), Some(b)) => a.differs(b),
            _ => false,
        }
    }
}

impl fmt::Display for LayoutFacts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn status_name(entry: &Entry) -> &'static str {
    entry.status.map_or("unspecified", Status::as_str)
}

fn opcodes_text(ops: &[u32]) -> String {
    ops.iter()
        .map(|&o| hex_opcode(o))
        .collect::<Vec<_>>()
        .join(", ")
}

fn change(
    kind: ChangeKind,
    mnemonic: &str,
    previous: Option<&str>,
    from: Option<u32>,
    to: Option<u32>,
    detail: String,
) -> Change {
    Change {
        kind,
        mnemonic: mnemonic.to_string(),
        previous: previous.map(str::to_string),
        from,
        to,
        breaking: kind.breaks_backward(),
        breaks_forward: kind.breaks_forward(),
        detail,
    }
}

/// The declared renames of one diff, by key: those followed, and those that cannot be.
struct Renames {
    /// Old key → new key. Each old and each new key occurs once, and every pair connects an
    /// instruction present only in the old table to one present only in the new table.
    followed: BTreeMap<String, String>,
    /// `(old key, new key, why)` of each declared rename that is not followed, sorted.
    unfollowed: Vec<(String, String, String)>,
}

impl Renames {
    /// Sorts the declared renames into followed and not. Identity matching comes first: an
    /// instruction present in both tables is itself in both, so a rename onto a name the old
    /// table already holds, or away from a name the new table still holds, would report one
    /// instruction twice (once as itself, once as the other's successor) and is not followed.
    /// Nor is a rename with nothing to connect (its old name absent from the old table, or its
    /// new name from the new one), or one sharing its old or new name with another followable
    /// rename: which of the two is meant is not the diff's to guess. Whatever is not followed,
    /// both names are reported on their own (removed, added or matched by identity).
    fn resolve(
        declared: &BTreeMap<String, String>,
        aliases: &Aliases,
        old: &BTreeMap<String, Slot<'_>>,
        new: &BTreeMap<String, Slot<'_>>,
    ) -> Renames {
        let mut pairs: Vec<(String, String)> = declared
            .iter()
            .map(|(o, n)| (aliases.key(o), aliases.key(n)))
            .filter(|(o, n)| o != n)
            .collect();
        pairs.sort();
        pairs.dedup();
        let mut unfollowed = Vec::new();
        let mut candidates = Vec::new();
        for (o, n) in pairs {
            let why = if !old.contains_key(&o) {
                format!("{o} is not an instruction of the old version")
            } else if !new.contains_key(&n) {
                format!("{n} is not an instruction of the new version")
            } else if new.contains_key(&o) {
                format!("{o} is still an instruction of the new version")
            } else if old.contains_key(&n) {
                format!("{n} is already a separate instruction in the old version")
            } else {
                candidates.push((o, n));
                continue;
            };
            unfollowed.push((o, n, why));
        }
        let mut olds: BTreeMap<&str, usize> = BTreeMap::new();
        let mut news: BTreeMap<&str, usize> = BTreeMap::new();
        for (o, n) in &candidates {
            *olds.entry(o).or_default() += 1;
            *news.entry(n).or_default() += 1;
        }
        let mut shared = Vec::new();
        let mut followed = BTreeMap::new();
        for (o, n) in &candidates {
            if olds[o.as_str()] > 1 {
                shared.push((
                    o.clone(),
                    n.clone(),
                    format!("{o} is renamed more than once"),
                ));
            } else if news[n.as_str()] > 1 {
                shared.push((
                    o.clone(),
                    n.clone(),
                    format!("more than one instruction is renamed to {n}"),
                ));
            } else {
                followed.insert(o.clone(), n.clone());
            }
        }
        unfollowed.extend(shared);
        unfollowed.sort();
        Renames {
            followed,
            unfollowed,
        }
    }

    /// Detail suffixes explaining the unfollowed renames `select(old, new)` picks.
    fn notes<'s>(
        &'s self,
        select: impl Fn(&str, &str) -> bool + 's,
    ) -> impl Iterator<Item = String> + 's {
        self.unfollowed
            .iter()
            .filter(move |(o, n, _)| select(o, n))
            .map(|(o, n, why)| format!("; the declared rename {o} -> {n} is not followed: {why}"))
    }
}

/// Compares two versions of an instruction set by instruction identity (see the module docs).
pub fn diff(old: &Table, new: &Table, options: &DiffOptions) -> Diff {
    let aliases = &options.aliases;
    let old_slots = group(old, aliases);
    let new_slots = group(new, aliases);
    let renames = Renames::resolve(&options.renames, aliases, &old_slots, &new_slots);
    // Which old instruction, if any, currently holds each number in the old table (for the
    // "number reused" remark on additions).
    let mut old_by_number: BTreeMap<u32, &str> = BTreeMap::new();
    for (key, slot) in &old_slots {
        for e in &slot.entries {
            old_by_number.entry(e.opcode).or_insert(key);
        }
    }
    let mut new_by_number: BTreeMap<u32, &str> = BTreeMap::new();
    for (key, slot) in &new_slots {
        for e in &slot.entries {
            new_by_number.entry(e.opcode).or_insert(key);
        }
    }

    let mut changes = Vec::new();
    let mut unchanged = 0usize;
    let mut matched_new: Vec<&str> = Vec::new();

    for (old_key, old_slot) in &old_slots {
        // Only renames that pair a vanished instruction with an unclaimed one are followed (see
        // `Renames::resolve`), so no new instruction is matched twice.
        let renamed_to = renames.followed.get(old_key);
        let new_key = renamed_to.map_or(old_key.as_str(), String::as_str);
        let Some(new_slot) = new_slots.get(new_key) else {
            let from = old_slot.primary().opcode;
            let mut detail = format!("{old_key} at {} is gone", opcodes_text(&old_slot.opcodes()));
            if let Some(holder) = new_by_number.get(&from) {
                detail.push_str(&format!("; {} now holds {holder}", hex_opcode(from)));
            }
            for note in renames.notes(|o, _| o == old_key) {
                detail.push_str(&note);
            }
            changes.push(change(
                ChangeKind::Removed,
                old_key,
                None,
                Some(from),
                None,
                detail,
            ));
            continue;
        };
        matched_new.push(new_key);
        let (o, n) = (old_slot.primary(), new_slot.primary());
        let previous = renamed_to.map(|_| old_key.as_str());
        let before = changes.len();
        if let Some(prev) = previous {
            changes.push(change(
                ChangeKind::Renamed,
                new_key,
                Some(prev),
                Some(o.opcode),
                Some(n.opcode),
                format!("{prev} is now called {new_key}"),
            ));
        }
        let (old_ops, new_ops) = (old_slot.opcodes(), new_slot.opcodes());
        if old_ops != new_ops {
            changes.push(change(
                ChangeKind::Renumbered,
                new_key,
                previous,
                Some(o.opcode),
                Some(n.opcode),
                format!(
                    "{new_key} moved from {} to {}",
                    opcodes_text(&old_ops),
                    opcodes_text(&new_ops)
                ),
            ));
        }
        let old_layout = LayoutFacts::of(old, o, &options.scheme);
        let new_layout = LayoutFacts::of(
            new,
            n,
            options.new_scheme.as_ref().unwrap_or(&options.scheme),
        );
        if old_layout.differ(&new_layout) {
            changes.push(change(
                ChangeKind::FormatChanged,
                new_key,
                previous,
                Some(o.opcode),
                Some(n.opcode),
                format!("{new_key} layout changed from {old_layout} to {new_layout}"),
            ));
        }
        if o.status != n.status {
            let kind = if n.status == Some(Status::Deprecated) {
                ChangeKind::Deprecated
            } else {
                ChangeKind::StatusChanged
            };
            changes.push(change(
                kind,
                new_key,
                previous,
                Some(o.opcode),
                Some(n.opcode),
                format!("{new_key} status {} -> {}", status_name(o), status_name(n)),
            ));
        }
        if changes.len() == before {
            unchanged += 1;
        }
    }

    matched_new.sort_unstable();
    for (new_key, new_slot) in &new_slots {
        if matched_new.binary_search(&new_key.as_str()).is_ok() {
            continue;
        }
        let to = new_slot.primary().opcode;
        let mut detail = format!("{new_key} added at {}", opcodes_text(&new_slot.opcodes()));
        let notes: Vec<String> = renames.notes(|_, n| n == new_key).collect();
        if let Some(holder) = old_by_number.get(&to) {
            // A declared but unfollowed rename explains itself below; suggesting to declare one
            // would contradict it.
            if *holder != new_key.as_str() && notes.is_empty() {
                detail.push_str(&format!(
                    "; {} held {holder} before (declare a rename if they are one instruction)",
                    hex_opcode(to)
                ));
            }
        }
        for note in notes {
            detail.push_str(&note);
        }
        changes.push(change(
            ChangeKind::Added,
            new_key,
            None,
            None,
            Some(to),
            detail,
        ));
    }

    changes.sort_by(|a, b| {
        (a.kind, &a.mnemonic, a.from, a.to).cmp(&(b.kind, &b.mnemonic, b.from, b.to))
    });
    let backward = !changes.iter().any(|c| c.breaking);
    let forward = !changes.iter().any(|c| c.breaks_forward);
    Diff {
        changes,
        backward,
        forward,
        full: backward && forward,
        unchanged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{Field, FieldKind, Layout};

    fn table(entries: Vec<Entry>) -> Table {
        Table {
            entries,
            ..Table::new("t")
        }
    }

    fn kinds(d: &Diff) -> Vec<(ChangeKind, &str)> {
        d.changes
            .iter()
            .map(|c| (c.kind, c.mnemonic.as_str()))
            .collect()
    }

    #[test]
    fn identical_tables_are_fully_compatible() {
        let t = table(vec![
            Entry::new(0, "HALT").with_format("A"),
            Entry::new(1, "NOP").with_format("A"),
        ]);
        let d = diff(&t, &t, &DiffOptions::new());
        assert!(d.changes.is_empty());
        assert!(d.backward && d.forward && d.full);
        assert_eq!(d.unchanged, 2);
    }

    #[test]
    fn a_moved_instruction_is_renumbered_not_removed_and_added() {
        let old = table(vec![Entry::new(0, "HALT"), Entry::new(5, "ADD")]);
        let new = table(vec![Entry::new(0, "HALT"), Entry::new(9, "add")]);
        let d = diff(&old, &new, &DiffOptions::new());
        assert_eq!(kinds(&d), vec![(ChangeKind::Renumbered, "ADD")]);
        let c = &d.changes[0];
        assert_eq!((c.from, c.to), (Some(5), Some(9)));
        assert!(c.breaking && c.breaks_forward);
        assert!(!d.backward && !d.forward && !d.full);
    }

    #[test]
    fn additions_break_forward_only_and_removals_backward_only() {
        let old = table(vec![Entry::new(0, "HALT"), Entry::new(1, "OLD")]);
        let added = table(vec![
            Entry::new(0, "HALT"),
            Entry::new(1, "OLD"),
            Entry::new(2, "NEW"),
        ]);
        let d = diff(&old, &added, &DiffOptions::new());
        assert_eq!(kinds(&d), vec![(ChangeKind::Added, "NEW")]);
        assert!(d.backward && !d.forward && !d.full);
        assert!(!d.changes[0].breaking);

        let removed = table(vec![Entry::new(0, "HALT")]);
        let d = diff(&old, &removed, &DiffOptions::new());
        assert_eq!(kinds(&d), vec![(ChangeKind::Removed, "OLD")]);
        assert_eq!((d.changes[0].from, d.changes[0].to), (Some(1), None));
        assert!(!d.backward && d.forward);
    }

    #[test]
    fn status_removed_counts_as_removal() {
        let old = table(vec![Entry::new(1, "OLD")]);
        let mut gone = Entry::new(1, "OLD");
        gone.status = Some(Status::Removed);
        let d = diff(&old, &table(vec![gone]), &DiffOptions::new());
        assert_eq!(kinds(&d), vec![(ChangeKind::Removed, "OLD")]);
    }

    #[test]
    fn renames_need_a_declaration() {
        let old = table(vec![Entry::new(3, "STRIPCF")]);
        let new = table(vec![Entry::new(3, "STRIPCONF")]);
        let undeclared = diff(&old, &new, &DiffOptions::new());
        assert_eq!(
            kinds(&undeclared),
            vec![
                (ChangeKind::Removed, "STRIPCF"),
                (ChangeKind::Added, "STRIPCONF")
            ]
        );
        assert!(undeclared.changes[1].detail.contains("held STRIPCF"));

        let declared = diff(
            &old,
            &new,
            &DiffOptions::new().rename("stripcf", "StripConf"),
        );
        assert_eq!(kinds(&declared), vec![(ChangeKind::Renamed, "STRIPCONF")]);
        assert_eq!(declared.changes[0].previous.as_deref(), Some("STRIPCF"));
        assert!(declared.full, "a rename alone breaks no bytecode");
    }

    #[test]
    fn a_renamed_and_moved_instruction_reports_both() {
        let old = table(vec![Entry::new(3, "A")]);
        let new = table(vec![Entry::new(4, "B")]);
        let d = diff(&old, &new, &DiffOptions::new().rename("A", "B"));
        assert_eq!(
            kinds(&d),
            vec![(ChangeKind::Renumbered, "B"), (ChangeKind::Renamed, "B")]
        );
        assert_eq!(d.changes[0].previous.as_deref(), Some("A"));
    }

    #[test]
    fn a_rename_onto_a_held_name_is_not_followed_in_either_direction() {
        // The old version holds A and B; the new one only A, at B's number, and declares B = A.
        // Following the rename would report A as renumbered and as B's new name at once.
        let old = table(vec![Entry::new(1, "A"), Entry::new(2, "B")]);
        let new = table(vec![Entry::new(2, "A")]);
        let forward = diff(&old, &new, &DiffOptions::new().rename("B", "A"));
        assert_eq!(
            kinds(&forward),
            vec![(ChangeKind::Removed, "B"), (ChangeKind::Renumbered, "A")]
        );
        assert!(
            forward.changes[0].detail.contains(
                "the declared rename B -> A is not followed: A is already a separate instruction in the old version"
            ),
            "{}",
            forward.changes[0].detail
        );
        let reverse = diff(&new, &old, &DiffOptions::new().rename("A", "B"));
        assert_eq!(
            kinds(&reverse),
            vec![(ChangeKind::Renumbered, "A"), (ChangeKind::Added, "B")]
        );
        let added = &reverse.changes[1].detail;
        assert!(
            added.contains("the declared rename A -> B is not followed: A is still an instruction of the new version")
                && !added.contains("declare a rename"),
            "{added}"
        );
    }

    #[test]
    fn renames_that_connect_nothing_or_share_a_name_are_not_followed() {
        let old = table(vec![Entry::new(1, "A"), Entry::new(2, "B")]);
        let new = table(vec![Entry::new(1, "C")]);
        // Two instructions cannot both become C: neither rename is followed.
        let d = diff(
            &old,
            &new,
            &DiffOptions::new().rename("A", "C").rename("B", "C"),
        );
        assert_eq!(
            kinds(&d),
            vec![
                (ChangeKind::Removed, "A"),
                (ChangeKind::Removed, "B"),
                (ChangeKind::Added, "C")
            ]
        );
        assert!(d.changes[2]
            .detail
            .contains("more than one instruction is renamed to C"));
        // Nor can one instruction take two names (two spellings of the old name).
        let two = table(vec![Entry::new(1, "C"), Entry::new(2, "D")]);
        let d = diff(
            &table(vec![Entry::new(1, "A")]),
            &two,
            &DiffOptions::new().rename("A", "C").rename("a", "D"),
        );
        assert_eq!(
            kinds(&d),
            vec![
                (ChangeKind::Removed, "A"),
                (ChangeKind::Added, "C"),
                (ChangeKind::Added, "D")
            ]
        );
        // A rename of an instruction the old version does not have.
        let d = diff(&old, &new, &DiffOptions::new().rename("Z", "C"));
        assert!(d.of_kind(ChangeKind::Added).all(|c| c
            .detail
            .contains("Z is not an instruction of the old version")));
        // A swap is two identities staying themselves.
        let swapped = table(vec![Entry::new(1, "B"), Entry::new(2, "A")]);
        let d = diff(
            &old,
            &swapped,
            &DiffOptions::new().rename("A", "B").rename("B", "A"),
        );
        assert_eq!(
            kinds(&d),
            vec![(ChangeKind::Renumbered, "A"), (ChangeKind::Renumbered, "B")]
        );
        // Unrelated to those, a rename with a unique, vacant target is still followed.
        let d = diff(
            &old,
            &table(vec![Entry::new(1, "A"), Entry::new(2, "E")]),
            &DiffOptions::new().rename("B", "E").rename("Z", "E"),
        );
        assert_eq!(kinds(&d), vec![(ChangeKind::Renamed, "E")]);
    }

    #[test]
    fn layouts_compare_by_shape_not_letter() {
        let old = table(vec![Entry::new(1, "MOVI").with_format("D")]);
        // Same shape under another letter: no change.
        let mut same = table(vec![Entry::new(1, "MOVI").with_format("X")]);
        same.formats.insert(
            "X".into(),
            Layout::new(
                3,
                vec![
                    Field::new("r", 8, FieldKind::Register),
                    Field::new("k", 8, FieldKind::Immediate),
                ],
            )
            .unwrap(),
        );
        assert!(diff(&old, &same, &DiffOptions::new()).changes.is_empty());
        let wider = table(vec![Entry::new(1, "MOVI").with_format("F")]);
        let d = diff(&old, &wider, &DiffOptions::new());
        assert_eq!(kinds(&d), vec![(ChangeKind::FormatChanged, "MOVI")]);
        assert!(d.changes[0].breaking);
        assert!(d.changes[0].detail.contains("3B") && d.changes[0].detail.contains("4B"));
    }

    fn sized(opcode: u32, mnemonic: &str, size: u32) -> Entry {
        let mut e = Entry::new(opcode, mnemonic);
        e.size_bytes = Some(size);
        e
    }

    #[test]
    fn a_size_only_table_is_compared_by_size() {
        // One side gives only sizes (as tables scanned from code often do), the other full
        // layouts: same sizes are no change, in either direction.
        let sizes = table(vec![
            sized(1, "MOVI", 3),
            sized(2, "ADD", 4),
            sized(3, "HALT", 1),
        ]);
        let layouts = table(vec![
            Entry::new(1, "MOVI").with_format("D"),
            Entry::new(2, "ADD").with_format("E"),
            Entry::new(3, "HALT").with_format("A"),
        ]);
        for (a, b) in [(&sizes, &layouts), (&layouts, &sizes)] {
            let d = diff(a, b, &DiffOptions::new());
            assert!(d.changes.is_empty(), "{:?}", kinds(&d));
            assert_eq!(d.unchanged, 3);
        }
        // A size that disagrees with the layout is a change, reported with both facts.
        let grown = table(vec![
            sized(1, "MOVI", 4),
            sized(2, "ADD", 4),
            sized(3, "HALT", 1),
        ]);
        let d = diff(&layouts, &grown, &DiffOptions::new());
        assert_eq!(kinds(&d), vec![(ChangeKind::FormatChanged, "MOVI")]);
        assert!(
            d.changes[0].detail.contains("3B") && d.changes[0].detail.contains("4B (size only)")
        );
        // Sizes against sizes.
        let d = diff(&sizes, &grown, &DiffOptions::new());
        assert_eq!(kinds(&d), vec![(ChangeKind::FormatChanged, "MOVI")]);
    }

    #[test]
    fn an_unknown_layout_contradicts_nothing_it_cannot_be_compared_with() {
        let known = table(vec![
            Entry::new(1, "MOVI").with_format("D"),
            sized(2, "ADD", 4),
        ]);
        // No format at all, or a letter neither the table nor the scheme resolves: nothing is
        // known about the layout, so no change can be claimed.
        let bare = table(vec![Entry::new(1, "MOVI"), Entry::new(2, "ADD")]);
        let odd = table(vec![
            Entry::new(1, "MOVI").with_format("Q"),
            Entry::new(2, "ADD").with_format("Q"),
        ]);
        for other in [&bare, &odd] {
            assert!(diff(&known, other, &DiffOptions::new()).changes.is_empty());
            assert!(diff(other, &known, &DiffOptions::new()).changes.is_empty());
        }
        assert!(diff(&bare, &odd, &DiffOptions::new()).changes.is_empty());
        // Two unresolved letters say nothing about the bytes either: the one comparison rule
        // (which check, arbitrate and translate follow too) claims no change.
        let other_letter = table(vec![
            Entry::new(1, "MOVI").with_format("R"),
            Entry::new(2, "ADD").with_format("Q"),
        ]);
        assert!(diff(&odd, &other_letter, &DiffOptions::new())
            .changes
            .is_empty());
    }

    #[test]
    fn deprecation_and_status_changes_break_nothing() {
        let mut p = Entry::new(1, "X");
        p.status = Some(Status::Proposed);
        let mut s = Entry::new(1, "X");
        s.status = Some(Status::Stable);
        let mut dep = Entry::new(1, "X");
        dep.status = Some(Status::Deprecated);
        let d = diff(
            &table(vec![p]),
            &table(vec![s.clone()]),
            &DiffOptions::new(),
        );
        assert_eq!(kinds(&d), vec![(ChangeKind::StatusChanged, "X")]);
        let d = diff(&table(vec![s]), &table(vec![dep]), &DiffOptions::new());
        assert_eq!(kinds(&d), vec![(ChangeKind::Deprecated, "X")]);
        assert!(d.full);
    }

    #[test]
    fn aliases_merge_identities_and_reservations_are_ignored() {
        let mut aliases = Aliases::new();
        aliases.insert("IADD", "ADD").unwrap();
        let opts = DiffOptions {
            aliases,
            ..DiffOptions::new()
        };
        let mut rsv = Entry::new(7, "RSV");
        rsv.reserved = true;
        let old = table(vec![Entry::new(1, "IADD")]);
        let new = table(vec![Entry::new(1, "ADD"), rsv]);
        assert!(diff(&old, &new, &opts).changes.is_empty());
    }

    #[test]
    fn entry_order_does_not_change_the_result() {
        let old = table(vec![
            Entry::new(0, "A"),
            Entry::new(1, "B"),
            Entry::new(2, "C"),
        ]);
        let new1 = table(vec![
            Entry::new(5, "C"),
            Entry::new(1, "B"),
            Entry::new(6, "D"),
        ]);
        let mut new2 = new1.clone();
        new2.entries.reverse();
        let mut old2 = old.clone();
        old2.entries.reverse();
        let o = DiffOptions::new();
        assert_eq!(diff(&old, &new1, &o), diff(&old2, &new2, &o));
        assert_eq!(
            kinds(&diff(&old, &new1, &o)),
            vec![
                (ChangeKind::Removed, "A"),
                (ChangeKind::Renumbered, "C"),
                (ChangeKind::Added, "D")
            ]
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;
        use proptest::test_runner::TestCaseError;
        use std::collections::BTreeSet;

        fn arb_table() -> impl Strategy<Value = Table> {
            let entry = (0u32..12, 0usize..8, 0usize..3, 0usize..5).prop_map(|(op, m, f, s)| {
                let mut e = Entry::new(op, ["A", "B", "C", "D", "E", "F", "G", "H"][m])
                    .with_format(["A", "E", "F"][f]);
                e.status = [
                    None,
                    Some(Status::Proposed),
                    Some(Status::Stable),
                    Some(Status::Deprecated),
                    Some(Status::Removed),
                ][s];
                e
            });
            proptest::collection::vec(entry, 0..10).prop_map(table)
        }

        const NAMES: [&str; 8] = ["A", "B", "C", "D", "E", "F", "G", "H"];

        /// Declared renames as written: some names in lower case, so that two spellings of one
        /// identity can occur.
        fn arb_renames() -> impl Strategy<Value = Vec<(String, String)>> {
            let name = (0usize..8, any::<bool>()).prop_map(|(i, lower)| {
                if lower {
                    NAMES[i].to_ascii_lowercase()
                } else {
                    NAMES[i].to_string()
                }
            });
            proptest::collection::vec((name.clone(), name), 0..5)
        }

        fn options(pairs: &[(String, String)]) -> DiffOptions {
            DiffOptions {
                renames: pairs.iter().cloned().collect(),
                ..DiffOptions::new()
            }
        }

        fn identities(t: &Table) -> BTreeSet<String> {
            group(t, &Aliases::new()).into_keys().collect()
        }

        /// Which instruction a change is about: (old identity, new identity), a removal having
        /// no new side and an addition no old side.
        type Story = (Option<String>, Option<String>);

        fn story(c: &Change) -> Story {
            match c.kind {
                ChangeKind::Removed => (Some(c.mnemonic.clone()), None),
                ChangeKind::Added => (None, Some(c.mnemonic.clone())),
                _ => (
                    Some(c.previous.clone().unwrap_or_else(|| c.mnemonic.clone())),
                    Some(c.mnemonic.clone()),
                ),
            }
        }

        /// Every identity is about at most one instruction of the diff (one removal, one
        /// addition, or one matched pair, however many kinds of change that pair shows), and
        /// every identity of either table is accounted for exactly once: in a change or among
        /// the unchanged.
        fn each_identity_once(old: &Table, new: &Table, d: &Diff) -> Result<(), TestCaseError> {
            let stories: BTreeSet<Story> = d.changes.iter().map(story).collect();
            let mut about: BTreeMap<&str, &Story> = BTreeMap::new();
            for s in &stories {
                for name in [&s.0, &s.1].into_iter().flatten() {
                    if let Some(other) = about.insert(name, s) {
                        prop_assert!(
                            other == s,
                            "{name} is reported as two instructions: {:?}",
                            d.changes
                        );
                    }
                }
            }
            let olds: BTreeSet<&String> = stories.iter().filter_map(|s| s.0.as_ref()).collect();
            let news: BTreeSet<&String> = stories.iter().filter_map(|s| s.1.as_ref()).collect();
            let (old_ids, new_ids) = (identities(old), identities(new));
            prop_assert!(olds.iter().all(|k| old_ids.contains(*k)));
            prop_assert!(news.iter().all(|k| new_ids.contains(*k)));
            let pairs = stories
                .iter()
                .filter(|s| s.0.is_some() && s.1.is_some())
                .count();
            prop_assert_eq!(old_ids.len(), olds.len() + d.unchanged, "{:?}", d.changes);
            prop_assert_eq!(new_ids.len(), news.len() + d.unchanged, "{:?}", d.changes);
            prop_assert!(pairs <= olds.len().min(news.len()));
            Ok(())
        }

        proptest! {
            #[test]
            fn a_table_equals_itself(t in arb_table()) {
                let d = diff(&t, &t, &DiffOptions::new());
                prop_assert!(d.changes.is_empty());
                prop_assert!(d.full);
            }

            #[test]
            fn entry_order_never_matters(a in arb_table(), b in arb_table(), seed in any::<u64>()) {
                let o = DiffOptions::new();
                let mut a2 = a.clone();
                let mut b2 = b.clone();
                let n = a2.entries.len().max(1) as u64;
                a2.entries.rotate_left((seed % n) as usize);
                b2.entries.reverse();
                prop_assert_eq!(diff(&a, &b, &o), diff(&a2, &b2, &o));
            }

            #[test]
            fn verdicts_follow_the_flags(a in arb_table(), b in arb_table()) {
                let d = diff(&a, &b, &DiffOptions::new());
                prop_assert_eq!(d.backward, d.changes.iter().all(|c| !c.breaking));
                prop_assert_eq!(d.forward, d.changes.iter().all(|c| !c.breaks_forward));
                prop_assert_eq!(d.full, d.backward && d.forward);
                // Every identity is reported at most once per kind.
                let mut seen = std::collections::BTreeSet::new();
                for c in &d.changes {
                    prop_assert!(seen.insert((c.kind, c.mnemonic.clone())));
                }
            }

            #[test]
            fn no_identity_is_reported_twice_in_either_direction(
                a in arb_table(),
                b in arb_table(),
                pairs in arb_renames(),
            ) {
                // Declared renames are a map from the old spelling, so a later pair for the
                // same spelling replaces an earlier one: mirror what is actually declared.
                // Renames to oneself are dropped before reversing: reversed, `D -> D` and
                // `B -> D` would both be keyed by `D` and one would replace the other.
                let declared = options(&pairs).renames;
                let pairs: Vec<(String, String)> = declared.into_iter().collect();
                let reversed: Vec<(String, String)> = pairs
                    .iter()
                    .filter(|(o, n)| Aliases::new().key(o) != Aliases::new().key(n))
                    .map(|(o, n)| (n.clone(), o.clone()))
                    .collect();
                let forward = diff(&a, &b, &options(&pairs));
                let backward = diff(&b, &a, &options(&reversed));
                each_identity_once(&a, &b, &forward)?;
                each_identity_once(&b, &a, &backward)?;
                // When the renames are one-to-one (as written, by key), both directions tell
                // the same story mirrored: what one removes the other adds, pairs swap sides.
                let aliases = Aliases::new();
                let mut keyed: Vec<(String, String)> = pairs
                    .iter()
                    .map(|(o, n)| (aliases.key(o), aliases.key(n)))
                    .filter(|(o, n)| o != n)
                    .collect();
                keyed.sort();
                keyed.dedup();
                let olds: BTreeSet<&String> = keyed.iter().map(|(o, _)| o).collect();
                let news: BTreeSet<&String> = keyed.iter().map(|(_, n)| n).collect();
                if olds.len() == keyed.len() && news.len() == keyed.len() {
                    let there: BTreeSet<Story> = forward.changes.iter().map(story).collect();
                    let back: BTreeSet<Story> = backward
                        .changes
                        .iter()
                        .map(|c| {
                            let (o, n) = story(c);
                            (n, o)
                        })
                        .collect();
                    prop_assert_eq!(there, back);
                    prop_assert_eq!(forward.unchanged, backward.unchanged);
                }
            }
        }
    }

    #[test]
    fn kind_names_round_trip() {
        for k in ChangeKind::ALL {
            assert_eq!(ChangeKind::parse(k.as_str()), Some(k));
        }
        for m in Compatibility::ALL {
            assert_eq!(Compatibility::parse(m.as_str()), Some(m));
        }
    }
}
