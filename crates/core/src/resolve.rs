//! The one resolve step: a [`Table`] becomes resolved [`Instruction`]s.
//!
//! Everything a command needs to know about an instruction — its identity, its opcode bytes and
//! what is known of its operands — is computed here and nowhere else. Conflict detection, diff,
//! arbitration, translation, code generation, conformance, negotiation and the maps all read
//! these values, so they cannot disagree about the same instruction.
//!
//! - **Identity**: the mnemonic's [`Aliases::key`] (trimmed, upper-cased, aliased).
//! - **Opcode bytes**: the table's [`Encoding`](crate::Encoding) applied to the number — or,
//!   where the instruction's declared layout leaves more than 8 bits of its fixed part to the
//!   opcode, the number big-endian in that many bytes. A number that cannot be written is an
//!   error carried on the instruction (and reported by `check` as `encoding-ambiguity`).
//! - **Operand facts** ([`Facts`]), from most to least: a full layout (the letter resolved
//!   through the table's own `formats`, then the scheme), only a byte size (`size_bytes`, the
//!   total including the opcode), or nothing (a letter nothing defines, or no letter at all).
//!
//! One comparison rule serves every consumer ([`compare`]): compare what both sides know —
//! operand fields (widths, kinds, byte order where a field spans bytes; names never matter)
//! when both have full layouts, operand byte counts when one side knows only a size — and
//! report a difference only where known facts contradict. A size-only entry describes a
//! fixed-length instruction, so it contradicts a variable-length (payload) layout. Opcode
//! widths are not part of the comparison: they follow from the number, which is compared by
//! the number rules.

use crate::encoding::OpBytes;
use crate::format::{Endian, FieldKind, Layout, Scheme};
use crate::mnemonic::Aliases;
use crate::table::{Entry, Table};

/// What resolving needs besides the table.
#[derive(Debug, Clone, Copy)]
pub struct ResolveOptions<'a> {
    /// The scheme that gives undeclared letters their layout.
    pub scheme: &'a Scheme,
    /// Alternative spellings merged into one identity.
    pub aliases: &'a Aliases,
}

impl<'a> ResolveOptions<'a> {
    /// Options from a scheme and an alias map.
    pub fn new(scheme: &'a Scheme, aliases: &'a Aliases) -> ResolveOptions<'a> {
        ResolveOptions { scheme, aliases }
    }
}

/// What is known of an instruction's operands (everything after the opcode bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facts<'t> {
    /// A full layout: its fields are the operands.
    Layout(&'t Layout),
    /// Only the total size in bytes (opcode included), as `size_bytes` gives it.
    Size(u32),
    /// Nothing: a letter that neither the table nor the scheme defines, or no letter and no size.
    Unknown(Option<&'t str>),
}

/// A comparison key for operand facts; two instructions' facts contradict exactly when
/// [`FactKey::differs`] says so. Detection interns these to stay linear.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FactKey {
    /// Operand bytes of the fixed part, and whether a payload follows it.
    pub size: (u32, bool),
    /// The operand shape (field widths and kinds, byte order when it matters), for full layouts.
    pub shape: Option<String>,
}

impl FactKey {
    /// True when the facts contradict: different operand shapes where both are full layouts,
    /// else different operand sizes (or a fixed size facing a payload).
    pub fn differs(&self, other: &FactKey) -> bool {
        match (&self.shape, &other.shape) {
            (Some(a), Some(b)) => a != b,
            _ => self.size != other.size,
        }
    }
}

crate::named_enum! {
    /// The verdict of comparing two instructions' operand facts.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Agreement {
        /// Every fact both sides know agrees.
        Same => "same",
        /// Known facts contradict.
        Differs => "differs",
        /// One side knows nothing comparable (or its opcode cannot be encoded).
        Unknown => "unknown",
    }
}

/// One resolved instruction of a table.
#[derive(Debug, Clone)]
pub struct Instruction<'t> {
    /// Index of the entry in the table's `entries`.
    pub index: usize,
    /// The entry itself.
    pub entry: &'t Entry,
    /// Identity: the mnemonic's alias key.
    pub key: String,
    /// The opcode number.
    pub opcode: u32,
    /// The opcode bytes, or why the number cannot be written.
    pub bytes: Result<OpBytes, String>,
    /// What is known of the operands.
    pub facts: Facts<'t>,
}

/// The operand shape of a layout: field widths and kinds, and the byte order where a field
/// spans bytes. Equal exactly for layouts whose operands encode alike.
pub fn operand_shape(layout: &Layout) -> String {
    let mut key = String::new();
    for field in &layout.fields {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(field.kind.as_str());
        key.push_str(&field.bits.to_string());
    }
    if key.is_empty() {
        key.push('-');
    }
    if layout.fields.iter().any(|f| f.bits > 8) && layout.endian == Endian::Big {
        key.push_str(" be");
    }
    key
}

/// Operand bytes of a layout's fixed part (its fields; the rest is opcode).
fn field_bytes(layout: &Layout) -> u32 {
    layout.fields.iter().map(|f| u32::from(f.bits)).sum::<u32>() / 8
}

impl<'t> Instruction<'t> {
    /// Opcode width in bytes, when the number can be encoded.
    pub fn opcode_len(&self) -> Option<usize> {
        self.bytes.as_ref().ok().map(OpBytes::len)
    }

    /// The full layout, when known.
    pub fn layout(&self) -> Option<&'t Layout> {
        match self.facts {
            Facts::Layout(l) => Some(l),
            _ => None,
        }
    }

    /// Operand bytes of the fixed part, when known (and the opcode encodable).
    pub fn operand_bytes(&self) -> Option<u32> {
        match self.facts {
            Facts::Layout(l) => Some(field_bytes(l)),
            Facts::Size(total) => {
                let op = self.opcode_len()? as u32;
                total.checked_sub(op)
            }
            Facts::Unknown(_) => None,
        }
    }

    /// Size in bytes of the fixed part, opcode included, when known.
    pub fn size(&self) -> Option<u32> {
        Some(self.opcode_len()? as u32 + self.operand_bytes()?)
    }

    /// True when a payload follows the fixed part.
    pub fn is_variable(&self) -> bool {
        self.layout().is_some_and(Layout::is_variable)
    }

    /// The comparison key of the operand facts (`None`: nothing comparable is known).
    pub fn fact_key(&self) -> Option<FactKey> {
        match self.facts {
            Facts::Layout(l) => Some(FactKey {
                size: (field_bytes(l), l.is_variable()),
                shape: Some(operand_shape(l)),
            }),
            Facts::Size(_) => Some(FactKey {
                size: (self.operand_bytes()?, false),
                shape: None,
            }),
            Facts::Unknown(_) => None,
        }
    }

    /// The resolved layout for reports: `4 bytes: op8 rd:reg8 rs1:reg8 rs2:reg8`, with the
    /// opcode width this instruction really has; `4 bytes (size only)` for a size.
    pub fn layout_text(&self) -> Option<String> {
        match self.facts {
            Facts::Layout(l) => {
                let op = self.opcode_len().map_or(l.opcode_bits(), |n| n as u32 * 8);
                let size = op / 8 + field_bytes(l);
                let mut s = format!("{size} byte{}: op{op}", if size == 1 { "" } else { "s" });
                for field in &l.fields {
                    s.push_str(&format!(" {}:{}{}", field.name, field.kind, field.bits));
                }
                if l.is_variable() {
                    s.push_str(" +payload");
                }
                if l.endian == Endian::Big && l.fields.iter().any(|x| x.bits > 8) {
                    s.push_str(" (big-endian)");
                }
                Some(s)
            }
            Facts::Size(total) => Some(format!(
                "{total} byte{} (size only)",
                if total == 1 { "" } else { "s" }
            )),
            Facts::Unknown(_) => None,
        }
    }

    /// The field named as a relative branch, or of kind `rel`: whether the instruction branches.
    pub fn branches(&self) -> bool {
        self.entry.branch().is_some()
            || self
                .layout()
                .is_some_and(|l| l.fields.iter().any(|f| f.kind == FieldKind::RelativeOffset))
    }
}

/// Compares two instructions' operand facts by the one rule (see the module documentation).
pub fn compare(a: &Instruction, b: &Instruction) -> Agreement {
    match (a.fact_key(), b.fact_key()) {
        (Some(x), Some(y)) if x.differs(&y) => Agreement::Differs,
        (Some(_), Some(_)) => Agreement::Same,
        _ => Agreement::Unknown,
    }
}

/// What a table knows of an entry's operands: its letter through the table's own `formats`,
/// then the scheme; else its `size_bytes`; else nothing.
pub fn facts_of<'t>(table: &'t Table, entry: &'t Entry, scheme: &'t Scheme) -> Facts<'t> {
    let layout = entry
        .format
        .as_deref()
        .and_then(|letter| table.formats.get(letter).or_else(|| scheme.get(letter)));
    match (layout, entry.size_bytes) {
        (Some(l), _) => Facts::Layout(l),
        (None, Some(size)) => Facts::Size(size),
        (None, None) => Facts::Unknown(entry.format.as_deref()),
    }
}

/// The opcode bytes of an entry with the given facts (see the module documentation).
pub fn bytes_of(table: &Table, entry: &Entry, facts: Facts) -> Result<OpBytes, String> {
    let bytes = match facts {
        Facts::Layout(l) if l.opcode_bits() > 8 => table
            .encoding
            .encode_width(entry.opcode, l.opcode_bits() / 8),
        _ => table.encoding.encode(entry.opcode),
    };
    match (bytes, facts) {
        (Ok(b), Facts::Size(total)) if (total as usize) < b.len() => Err(format!(
            "its size_bytes = {total} is smaller than its {} opcode bytes ({b})",
            b.len()
        )),
        (b, _) => b,
    }
}

/// Resolves one entry (which must be an instruction: named and not reserved).
pub fn resolve_entry<'t>(
    table: &'t Table,
    index: usize,
    entry: &'t Entry,
    options: &ResolveOptions<'t>,
) -> Instruction<'t> {
    let facts = facts_of(table, entry, options.scheme);
    Instruction {
        index,
        entry,
        key: options.aliases.key(entry.mnemonic.as_deref().unwrap_or("")),
        opcode: entry.opcode,
        bytes: bytes_of(table, entry, facts),
        facts,
    }
}

/// Groups byte strings that are strict prefixes of others: sorts `encoded` (bytes, id) and
/// returns, per group of equal bytes that prefixes later groups, (ids with those bytes, ids of
/// every longer string starting with them). Linear after the sort: opcodes are at most four
/// bytes, so each string has at most three proper prefixes to be listed under.
pub fn prefix_groups(encoded: &mut [(OpBytes, usize)]) -> Vec<(Vec<usize>, Vec<usize>)> {
    encoded.sort_unstable();
    let groups: Vec<&[(OpBytes, usize)]> = encoded.chunk_by(|a, b| a.0 == b.0).collect();
    let mut out = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        let bytes = group[0].0;
        let mut longer = Vec::new();
        for next in &groups[g + 1..] {
            if !bytes.is_prefix_of(&next[0].0) {
                break;
            }
            longer.extend(next.iter().map(|&(_, i)| i));
        }
        if !longer.is_empty() {
            out.push((group.iter().map(|&(_, i)| i).collect(), longer));
        }
    }
    out
}

/// A table with every instruction resolved.
#[derive(Debug, Clone)]
pub struct Resolved<'t> {
    /// The table.
    pub table: &'t Table,
    /// Its instructions (named, not reserved; removed ones included), in entry order.
    pub instructions: Vec<Instruction<'t>>,
}

/// Resolves every instruction of a table (see the module documentation).
pub fn resolve<'t>(table: &'t Table, options: &ResolveOptions<'t>) -> Resolved<'t> {
    let instructions = table
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.is_instruction())
        .map(|(i, e)| resolve_entry(table, i, e, options))
        .collect();
    Resolved {
        table,
        instructions,
    }
}

/// Why a table's bytecode cannot be decoded unambiguously.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ambiguity {
    /// The opcode bytes of `short` (indices into [`Resolved::instructions`], all with the same
    /// bytes) are a strict prefix of those of each of `longer`.
    Prefix {
        /// Instructions with the shorter bytes.
        short: Vec<usize>,
        /// Instructions whose bytes start with them.
        longer: Vec<usize>,
    },
    /// An instruction's number cannot be written under the table's encoding.
    Unencodable {
        /// Index into [`Resolved::instructions`].
        instruction: usize,
        /// Why.
        why: String,
    },
}

impl Resolved<'_> {
    /// Every way the table's bytecode is not prefix-free, in byte order: numbers that cannot be
    /// encoded, and opcode bytes that are a strict prefix of another instruction's. (Equal bytes
    /// come only from equal numbers, which `duplicate-opcode` reports.) Linear after one sort:
    /// opcodes are at most four bytes, so each byte string has at most three proper prefixes.
    pub fn ambiguities(&self) -> Vec<Ambiguity> {
        let mut out = Vec::new();
        let mut encoded: Vec<(OpBytes, usize)> = Vec::with_capacity(self.instructions.len());
        for (i, inst) in self.instructions.iter().enumerate() {
            match &inst.bytes {
                Ok(b) => encoded.push((*b, i)),
                Err(why) => out.push(Ambiguity::Unencodable {
                    instruction: i,
                    why: why.clone(),
                }),
            }
        }
        for (short, longer) in prefix_groups(&mut encoded) {
            out.push(Ambiguity::Prefix { short, longer });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::Encoding;
    use crate::format::Field;

    fn opts() -> (Scheme, Aliases) {
        (Scheme::flux_unified(), Aliases::new())
    }

    fn sized(opcode: u32, name: &str, size: u32) -> Entry {
        let mut e = Entry::new(opcode, name);
        e.size_bytes = Some(size);
        e
    }

    #[test]
    fn declared_letters_override_the_scheme() {
        let (s, _) = opts();
        let mut t = Table::new("x");
        let own = Layout::new(
            4,
            vec![
                Field::new("rd", 8, FieldKind::Register),
                Field::new("imm", 16, FieldKind::SignedImmediate),
            ],
        )
        .unwrap();
        t.formats.insert("D".into(), own.clone());
        let d = Entry::new(1, "MOVI").with_format("D");
        let e = Entry::new(2, "ADD").with_format("E");
        assert_eq!(facts_of(&t, &d, &s), Facts::Layout(&own));
        assert!(matches!(facts_of(&t, &e, &s), Facts::Layout(l) if l.size == 4));
    }

    #[test]
    fn letters_sizes_and_nothing() {
        let (s, a) = opts();
        let mut t = Table::new("t");
        t.entries = vec![
            Entry::new(1, "add").with_format("E"),
            sized(2, "SUB", 4),
            Entry::new(3, "ODD").with_format("Z"),
            Entry::new(4, "NOP"),
        ];
        let r = resolve(&t, &ResolveOptions::new(&s, &a));
        assert_eq!(r.instructions[0].key, "ADD");
        assert_eq!(r.instructions[0].size(), Some(4));
        assert_eq!(r.instructions[1].size(), Some(4));
        assert_eq!(r.instructions[1].operand_bytes(), Some(3));
        assert_eq!(r.instructions[2].facts, Facts::Unknown(Some("Z")));
        assert_eq!(r.instructions[3].facts, Facts::Unknown(None));
        assert_eq!(
            compare(&r.instructions[0], &r.instructions[1]),
            Agreement::Same
        );
        assert_eq!(
            compare(&r.instructions[0], &r.instructions[2]),
            Agreement::Unknown
        );
        assert_eq!(
            r.instructions[1].layout_text().as_deref(),
            Some("4 bytes (size only)")
        );
        assert_eq!(
            r.instructions[0].layout_text().as_deref(),
            Some("4 bytes: op8 rd:reg8 rs1:reg8 rs2:reg8")
        );
    }

    #[test]
    fn sizes_contradict_and_payloads_are_not_fixed() {
        let (s, a) = opts();
        let mut t = Table::new("t");
        let payload =
            Layout::new(3, vec![Field::new("len", 16, FieldKind::PayloadLength)]).unwrap();
        let fixed = Layout::new(3, vec![Field::new("imm", 16, FieldKind::Immediate)]).unwrap();
        t.formats.insert("P".into(), payload);
        t.formats.insert("Q".into(), fixed);
        t.entries = vec![
            sized(1, "A", 2),
            sized(2, "B", 4),
            Entry::new(3, "C").with_format("P"),
            sized(4, "D", 3),
            Entry::new(5, "E").with_format("Q"),
        ];
        let r = resolve(&t, &ResolveOptions::new(&s, &a));
        let i = &r.instructions;
        assert_eq!(compare(&i[0], &i[1]), Agreement::Differs);
        assert_eq!(
            compare(&i[2], &i[3]),
            Agreement::Differs,
            "payload vs fixed size"
        );
        assert_eq!(compare(&i[3], &i[4]), Agreement::Same);
        assert_eq!(compare(&i[2], &i[4]), Agreement::Differs, "len16 vs imm16");
    }

    #[test]
    fn wide_numbers_need_an_encoding() {
        let (s, a) = opts();
        let mut t = Table::new("t");
        t.entries = vec![
            Entry::new(0x01, "MOV").with_format("E"),
            Entry::new(0x80, "HALT").with_format("A"),
            sized(0x100, "WIDE", 4),
        ];
        let r = resolve(&t, &ResolveOptions::new(&s, &a));
        let amb = r.ambiguities();
        assert!(matches!(
            &amb[..],
            [Ambiguity::Unencodable { instruction: 2, .. }]
        ));

        t.encoding = Encoding::fixed(2, Endian::Big).unwrap();
        let r = resolve(&t, &ResolveOptions::new(&s, &a));
        assert!(r.ambiguities().is_empty());
        assert_eq!(r.instructions[0].size(), Some(5));
        assert_eq!(r.instructions[2].operand_bytes(), Some(2));

        t.encoding = Encoding::escapes([0x01]).unwrap();
        let r = resolve(&t, &ResolveOptions::new(&s, &a));
        // MOV sits on the escape byte itself.
        assert!(matches!(
            &r.ambiguities()[..],
            [Ambiguity::Unencodable { instruction: 0, .. }]
        ));
    }

    #[test]
    fn declared_wide_opcodes_are_checked_for_prefixes() {
        let (s, a) = opts();
        let mut t = Table::new("t");
        let wide = Layout::new(3, vec![Field::new("x", 8, FieldKind::Immediate)]).unwrap();
        t.formats.insert("W".into(), wide);
        t.entries = vec![
            Entry::new(0x01, "ONE").with_format("A"),
            Entry::new(0x0102, "TWO").with_format("W"),
            Entry::new(0x0103, "THREE").with_format("W"),
            Entry::new(0x02, "OK").with_format("A"),
        ];
        let r = resolve(&t, &ResolveOptions::new(&s, &a));
        assert_eq!(
            r.instructions[1].bytes.as_ref().unwrap().to_string(),
            "01 02"
        );
        assert_eq!(
            r.ambiguities(),
            vec![Ambiguity::Prefix {
                short: vec![0],
                longer: vec![1, 2]
            }]
        );
    }

    #[test]
    fn a_size_smaller_than_the_opcode_is_unencodable() {
        let (s, a) = opts();
        let mut t = Table::new("t");
        t.encoding = Encoding::fixed(2, Endian::Big).unwrap();
        t.entries = vec![sized(1, "X", 1)];
        let r = resolve(&t, &ResolveOptions::new(&s, &a));
        assert!(r.instructions[0].bytes.is_err());
    }
}
