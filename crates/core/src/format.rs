//! Instruction formats as byte layouts.
//!
//! A format letter means nothing on its own: across the FLUX ecosystem "D" is three bytes in one
//! scheme and four in another. So the model never compares letters; it resolves each letter to a
//! [`Layout`] — the total size and the sequence of typed fields after the opcode — and compares
//! those. A [`Scheme`] is a named set of letters with layouts; the FLUX unified scheme is built in
//! and is what an undeclared letter means. Resolving a letter and comparing layouts happen in
//! one place only, [`crate::resolve`](mod@crate::resolve).

use std::collections::BTreeMap;
use std::fmt;

/// What an operand field holds. The kind matters for comparison (a register byte and an imm8 are
/// different layouts) and for translation (relative offsets are fixed up when sizes change;
/// a payload length says how many bytes follow the fixed part).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FieldKind {
    /// A register number.
    Register,
    /// An unsigned (or sign-agnostic) immediate.
    Immediate,
    /// A two's-complement signed immediate.
    SignedImmediate,
    /// A signed branch offset relative to the end of the instruction.
    RelativeOffset,
    /// The byte length of a variable payload that follows the fixed part of the instruction.
    PayloadLength,
}

impl FieldKind {
    /// Every kind, in declaration order.
    pub const ALL: [FieldKind; 5] = [
        FieldKind::Register,
        FieldKind::Immediate,
        FieldKind::SignedImmediate,
        FieldKind::RelativeOffset,
        FieldKind::PayloadLength,
    ];

    /// The short name used in files and reports: `reg`, `imm`, `simm`, `rel`, `len`.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Register => "reg",
            FieldKind::Immediate => "imm",
            FieldKind::SignedImmediate => "simm",
            FieldKind::RelativeOffset => "rel",
            FieldKind::PayloadLength => "len",
        }
    }

    /// Parses a kind name, accepting the long spellings people write as well.
    pub fn parse(name: &str) -> Option<FieldKind> {
        Some(match name.to_ascii_lowercase().as_str() {
            "reg" | "register" => FieldKind::Register,
            "imm" | "immediate" | "uimm" | "unsigned" => FieldKind::Immediate,
            "simm" | "signed" | "signed_immediate" | "signed-immediate" => {
                FieldKind::SignedImmediate
            }
            "rel" | "offset" | "branch" | "relative" | "relative_offset" | "relative-offset" => {
                FieldKind::RelativeOffset
            }
            "len" | "length" | "payload_length" | "payload-length" | "payload" => {
                FieldKind::PayloadLength
            }
            _ => return None,
        })
    }
}

impl fmt::Display for FieldKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

crate::named_enum! {
    /// Byte order of multi-byte fields.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
    pub enum Endian {
        /// Least significant byte first (the FLUX default).
        #[default]
        Little => "little",
        /// Most significant byte first.
        Big => "big",
    }
}

/// One operand field of a layout.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Field {
    /// Name as the table gives it (`rd`, `imm16`, …); not part of layout identity.
    pub name: String,
    /// Width in bits (1–64).
    pub bits: u16,
    /// What the field holds.
    pub kind: FieldKind,
}

impl Field {
    /// Convenience constructor.
    pub fn new(name: &str, bits: u16, kind: FieldKind) -> Field {
        Field {
            name: name.to_string(),
            bits,
            kind,
        }
    }
}

/// A byte layout: the opcode occupies the leading bits, the fields follow in order, and a
/// [`FieldKind::PayloadLength`] field makes the instruction variable-length (fixed part plus the
/// payload it counts).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Layout {
    /// Size in bytes of the fixed part, opcode included.
    pub size: u32,
    /// Operand fields after the opcode, in encoding order.
    pub fields: Vec<Field>,
    /// Byte order of multi-byte fields.
    pub endian: Endian,
}

/// Why a layout declaration is impossible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutError(pub String);

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LayoutError {}

impl Layout {
    /// Builds a little-endian layout and validates it.
    pub fn new(size: u32, fields: Vec<Field>) -> Result<Layout, LayoutError> {
        Layout::with_endian(size, fields, Endian::Little)
    }

    /// Builds a layout with an explicit byte order and validates it: the size is 1–65,535 bytes,
    /// each field is 1–64 bits wide, the fields leave at least 8 whole bits for the opcode, and
    /// there is at most one payload-length field.
    pub fn with_endian(
        size: u32,
        fields: Vec<Field>,
        endian: Endian,
    ) -> Result<Layout, LayoutError> {
        if size == 0 || size > 65_535 {
            return Err(LayoutError(format!(
                "size {size} is out of range 1-65535 bytes"
            )));
        }
        let mut total: u64 = 0;
        for field in &fields {
            if field.bits == 0 || field.bits > 64 {
                return Err(LayoutError(format!(
                    "field `{}` has {} bits; a field is 1-64 bits wide",
                    field.name, field.bits
                )));
            }
            total += u64::from(field.bits);
        }
        let available = u64::from(size) * 8;
        if total + 8 > available {
            return Err(LayoutError(format!(
                "fields take {total} bits but a {size}-byte layout has only {} bits after an 8-bit opcode",
                available.saturating_sub(8)
            )));
        }
        if !(available - total).is_multiple_of(8) {
            return Err(LayoutError(format!(
                "fields take {total} bits, which leaves {} bits for the opcode; the opcode must be whole bytes",
                available - total
            )));
        }
        if fields
            .iter()
            .filter(|f| f.kind == FieldKind::PayloadLength)
            .count()
            > 1
        {
            return Err(LayoutError(
                "a layout has at most one payload-length field".into(),
            ));
        }
        Ok(Layout {
            size,
            fields,
            endian,
        })
    }

    /// Width of the opcode in bits (whatever the fields leave of the fixed part).
    pub fn opcode_bits(&self) -> u32 {
        self.size * 8 - self.fields.iter().map(|f| u32::from(f.bits)).sum::<u32>()
    }

    /// True when a payload-length field makes the instruction longer than its fixed part.
    pub fn is_variable(&self) -> bool {
        self.fields
            .iter()
            .any(|f| f.kind == FieldKind::PayloadLength)
    }
}

impl fmt::Display for Layout {
    /// `4 bytes: op8 rd:reg8 imm16:imm16` — readable in one line of a report.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} byte{}: op{}",
            self.size,
            if self.size == 1 { "" } else { "s" },
            self.opcode_bits()
        )?;
        for field in &self.fields {
            write!(f, " {}:{}{}", field.name, field.kind, field.bits)?;
        }
        if self.is_variable() {
            f.write_str(" +payload")?;
        }
        if self.endian == Endian::Big && self.fields.iter().any(|x| x.bits > 8) {
            f.write_str(" (big-endian)")?;
        }
        Ok(())
    }
}

/// A named set of format letters with their layouts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheme {
    /// Short identifier, e.g. `flux-unified`.
    pub name: String,
    /// Letter → layout.
    pub formats: BTreeMap<String, Layout>,
}

fn reg(name: &str) -> Field {
    Field::new(name, 8, FieldKind::Register)
}

fn build(name: &str, defs: Vec<(&str, u32, Vec<Field>)>) -> Scheme {
    let formats = defs
        .into_iter()
        .map(|(letter, size, fields)| {
            let layout = Layout::new(size, fields).expect("built-in layouts are valid");
            (letter.to_string(), layout)
        })
        .collect();
    Scheme {
        name: name.to_string(),
        formats,
    }
}

impl Scheme {
    /// The FLUX unified scheme (flux-spec ENCODING-FORMATS §1, normative): A `[op]`,
    /// B `[op][rd]`, C `[op][imm8]`, D `[op][rd][imm8]`, E `[op][rd][rs1][rs2]`,
    /// F `[op][rd][imm16 LE]`, G `[op][rd][rs1][u16 LE]`. G's u16 is a displacement, a byte
    /// count or a payload length depending on the instruction, so the built-in G is fixed-size;
    /// tables whose G ops carry payloads declare a layout with a `len` field.
    pub fn flux_unified() -> Scheme {
        use FieldKind::*;
        build(
            "flux-unified",
            vec![
                ("A", 1, vec![]),
                ("B", 2, vec![reg("rd")]),
                ("C", 2, vec![Field::new("imm8", 8, Immediate)]),
                ("D", 3, vec![reg("rd"), Field::new("imm8", 8, Immediate)]),
                ("E", 4, vec![reg("rd"), reg("rs1"), reg("rs2")]),
                ("F", 4, vec![reg("rd"), Field::new("imm16", 16, Immediate)]),
                (
                    "G",
                    5,
                    vec![reg("rd"), reg("rs1"), Field::new("imm16", 16, Immediate)],
                ),
            ],
        )
    }

    /// The flux-runtime interpreter scheme ("System A", FORMATS.md §2): A `[op]`, B `[op][reg]`,
    /// C `[op][rd][rs1]`, D `[op][reg][imm16 signed]`, E `[op][rd][rs1][rs2]`,
    /// G `[op][len:u16][data…]`.
    pub fn flux_interpreter() -> Scheme {
        use FieldKind::*;
        build(
            "flux-interpreter",
            vec![
                ("A", 1, vec![]),
                ("B", 2, vec![reg("rd")]),
                ("C", 3, vec![reg("rd"), reg("rs1")]),
                (
                    "D",
                    4,
                    vec![reg("rd"), Field::new("imm16", 16, SignedImmediate)],
                ),
                ("E", 4, vec![reg("rd"), reg("rs1"), reg("rs2")]),
                ("G", 3, vec![Field::new("len", 16, PayloadLength)]),
            ],
        )
    }

    /// The built-in schemes, by name.
    pub fn builtin(name: &str) -> Option<Scheme> {
        match name {
            "flux-unified" | "unified" => Some(Scheme::flux_unified()),
            "flux-interpreter" | "interpreter" | "flux-runtime" => Some(Scheme::flux_interpreter()),
            _ => None,
        }
    }

    /// Names accepted by [`Scheme::builtin`] (canonical spellings).
    pub const BUILTIN_NAMES: [&'static str; 2] = ["flux-unified", "flux-interpreter"];

    /// The layout of a letter, if this scheme defines it.
    pub fn get(&self, letter: &str) -> Option<&Layout> {
        self.formats.get(letter)
    }
}

impl Default for Scheme {
    fn default() -> Scheme {
        Scheme::flux_unified()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unified_sizes_match_the_spec() {
        let s = Scheme::flux_unified();
        let sizes: Vec<(String, u32)> =
            s.formats.iter().map(|(k, v)| (k.clone(), v.size)).collect();
        let want = [
            ("A", 1),
            ("B", 2),
            ("C", 2),
            ("D", 3),
            ("E", 4),
            ("F", 4),
            ("G", 5),
        ];
        assert_eq!(sizes.len(), want.len());
        for ((k, v), (wk, wv)) in sizes.iter().zip(want) {
            assert_eq!((k.as_str(), *v), (wk, wv));
        }
        assert!(s.formats.values().all(|l| l.opcode_bits() == 8));
    }

    #[test]
    fn shape_ignores_names_but_not_kinds() {
        let a = Layout::new(
            3,
            vec![reg("rd"), Field::new("imm", 8, FieldKind::Immediate)],
        )
        .unwrap();
        let b = Layout::new(
            3,
            vec![reg("dst"), Field::new("k", 8, FieldKind::Immediate)],
        )
        .unwrap();
        let c = Layout::new(3, vec![reg("rd"), reg("rs")]).unwrap();
        use crate::resolve::operand_shape;
        assert_eq!(operand_shape(&a), operand_shape(&b));
        assert_ne!(operand_shape(&a), operand_shape(&c));
    }

    #[test]
    fn endianness_matters_only_for_multibyte_fields() {
        let f = vec![reg("rd"), Field::new("imm16", 16, FieldKind::Immediate)];
        let le = Layout::with_endian(4, f.clone(), Endian::Little).unwrap();
        let be = Layout::with_endian(4, f, Endian::Big).unwrap();
        use crate::resolve::operand_shape;
        assert_ne!(operand_shape(&le), operand_shape(&be));
        let r = Layout::with_endian(2, vec![reg("rd")], Endian::Big).unwrap();
        assert_eq!(
            operand_shape(&r),
            operand_shape(&Layout::new(2, vec![reg("rd")]).unwrap())
        );
    }

    #[test]
    fn rejects_impossible_layouts() {
        assert!(Layout::new(0, vec![]).is_err());
        assert!(Layout::new(1, vec![reg("rd")]).is_err());
        assert!(Layout::new(2, vec![Field::new("x", 4, FieldKind::Immediate)]).is_err());
        let len = || Field::new("len", 8, FieldKind::PayloadLength);
        assert!(Layout::new(3, vec![len(), len()]).is_err());
        assert!(Layout::new(3, vec![Field::new("x", 0, FieldKind::Immediate)]).is_err());
        let wide = Layout::new(4, vec![Field::new("x", 16, FieldKind::Immediate)]).unwrap();
        assert_eq!(wide.opcode_bits(), 16);
    }

    #[test]
    fn kind_names_round_trip() {
        for kind in FieldKind::ALL {
            assert_eq!(FieldKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(FieldKind::parse("Register"), Some(FieldKind::Register));
        assert_eq!(FieldKind::parse("bogus"), None);
    }
}
