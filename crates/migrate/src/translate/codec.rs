//! Decoding and encoding: the compiled operand layouts ([`Shape`], its fields' roles and
//! placements), the decoding tables over the source table's actual opcode bytes, and reading and
//! writing one instruction.

use isa_core::resolve::{self, Facts};
use isa_core::{Encoding, Endian, FieldKind, OpBytes};

use super::rules::{Mapping, Rule};
use super::{ErrorKind, Instruction, TranslateError, Translator};
use crate::bits::{self, Placement};

/// The role a field plays in translation (its kind, with `branch` applied).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Register,
    Unsigned,
    Signed,
    Relative,
    Length,
}

impl Role {
    pub(super) fn of(kind: FieldKind, is_branch: bool) -> Role {
        if is_branch {
            return Role::Relative;
        }
        match kind {
            FieldKind::Register => Role::Register,
            FieldKind::Immediate => Role::Unsigned,
            FieldKind::SignedImmediate => Role::Signed,
            FieldKind::RelativeOffset => Role::Relative,
            FieldKind::PayloadLength => Role::Length,
        }
    }

    /// Fields pair with fields of the same class.
    pub(super) fn class(self) -> u8 {
        match self {
            Role::Register => 0,
            Role::Unsigned | Role::Signed | Role::Relative => 1,
            Role::Length => 2,
        }
    }

    pub(super) fn signed(self) -> bool {
        matches!(self, Role::Signed | Role::Relative)
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Role::Register => "register",
            Role::Unsigned => "unsigned",
            Role::Signed => "signed",
            Role::Relative => "relative offset",
            Role::Length => "payload length",
        }
    }
}

/// One field of a compiled layout.
#[derive(Debug, Clone)]
pub(super) struct CField {
    pub(super) name: String,
    pub(super) place: Placement,
    pub(super) role: Role,
}

impl CField {
    pub(super) fn range(&self, signed: bool) -> (i128, i128) {
        let bits = u32::from(self.place.bits);
        if signed {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        } else {
            (0, (1i128 << bits) - 1)
        }
    }

    pub(super) fn value(&self, instr: &[u8], signed: bool) -> i128 {
        let raw = bits::read(instr, self.place);
        let bits = u32::from(self.place.bits);
        if signed && bits < 64 && raw >> (bits - 1) & 1 == 1 {
            i128::from(raw) - (1i128 << bits)
        } else if signed && bits == 64 {
            i128::from(raw as i64)
        } else {
            i128::from(raw)
        }
    }

    pub(super) fn put(&self, instr: &mut [u8], value: i128) {
        // The caller checked the range; masking turns a negative number into its two's complement.
        let bits = u32::from(self.place.bits);
        let mask: u128 = if bits == 64 {
            u128::from(u64::MAX)
        } else {
            (1u128 << bits) - 1
        };
        bits::write(instr, self.place, (value as u128 & mask) as u64);
    }
}

/// A resolved instruction's operands, compiled for decoding and encoding.
#[derive(Debug, Clone)]
pub(super) struct Shape {
    /// Size of the fixed part in bytes, opcode bytes included (the resolved size).
    pub(super) fixed: usize,
    /// Length of the opcode bytes.
    pub(super) opcode_len: usize,
    /// The layout's fields, placed after the opcode bytes (none for a size-only entry, whose
    /// operand bytes are opaque).
    pub(super) fields: Vec<CField>,
    /// Index of the payload-length field.
    pub(super) length: Option<usize>,
}

impl Shape {
    /// The shape of a resolved instruction; `None` when nothing is known of its operands (or
    /// its number cannot be encoded, which a decodable table rules out).
    pub(super) fn of(inst: &resolve::Instruction) -> Option<Shape> {
        let opcode_len = inst.opcode_len()?;
        let fixed = inst.size()? as usize;
        let mut fields = Vec::new();
        if let Facts::Layout(layout) = inst.facts {
            // The fields follow the real opcode bytes, whatever width the layout's own size
            // leaves for the opcode: resolve sizes the instruction as opcode bytes + fields.
            let mut offset = 8 * opcode_len as u32;
            let branch = inst.entry.branch();
            for f in &layout.fields {
                fields.push(CField {
                    name: f.name.clone(),
                    place: Placement {
                        offset,
                        bits: f.bits,
                        endian: layout.endian,
                    },
                    role: Role::of(f.kind, branch == Some(f.name.as_str())),
                });
                offset += u32::from(f.bits);
            }
        }
        let length = fields.iter().position(|f| f.role == Role::Length);
        Some(Shape {
            fixed,
            opcode_len,
            fields,
            length,
        })
    }
}

/// Decoding-table entries below `PAGE` are rule indices.
pub(super) const PAGE: u32 = 1 << 31;
/// No opcode starts with these bytes.
pub(super) const NONE: u32 = u32::MAX;
/// Longer opcodes start with these two bytes: look them up in `long`.
pub(super) const SEARCH: u32 = u32::MAX - 1;

/// A decoded instruction inside the translator: rule, total length, payload length.
#[derive(Debug, Clone, Copy)]
pub(super) struct Decoded {
    pub(super) rule: u32,
    pub(super) len: usize,
    pub(super) payload: usize,
}

/// The source decoding tables of a [`Translator`] (see its fields).
pub(super) struct DecodingTables {
    pub(super) first: Box<[u32; 256]>,
    pub(super) pages: Vec<[u32; 256]>,
    pub(super) long: Vec<(OpBytes, u32)>,
}

/// Builds the decoding tables of the rules' opcode bytes.
pub(super) fn decoding_tables(rules: &[Rule]) -> DecodingTables {
    // Decoding tables over the actual opcode bytes. The source is prefix-free (checked by
    // `Translator::new`), so a byte that begins a longer opcode is never an opcode itself.
    let mut first = Box::new([NONE; 256]);
    let mut pages: Vec<[u32; 256]> = Vec::new();
    let mut long = Vec::new();
    for (index, rule) in rules.iter().enumerate() {
        let index = index as u32;
        let b = rule.bytes.as_slice();
        let lead = usize::from(b[0]);
        if b.len() == 1 {
            first[lead] = index;
            continue;
        }
        let page = if first[lead] != NONE && first[lead] & PAGE != 0 {
            (first[lead] & !PAGE) as usize
        } else {
            pages.push([NONE; 256]);
            first[lead] = PAGE | (pages.len() - 1) as u32;
            pages.len() - 1
        };
        if b.len() == 2 {
            pages[page][usize::from(b[1])] = index;
        } else {
            pages[page][usize::from(b[1])] = SEARCH;
            long.push((rule.bytes, index));
        }
    }
    long.sort_unstable();
    DecodingTables { first, pages, long }
}

/// The bytes of each escape prefix of `encoding`.
pub(super) fn escape_bytes(encoding: &Encoding) -> Vec<OpBytes> {
    // An escape's bytes are those of any instruction number on its page without the last
    // byte; the core's encoder says what they are (a sub-opcode that is itself a nested
    // escape has no bytes, so the first one that encodes is taken).
    encoding
        .escape_list()
        .iter()
        .filter_map(|&e| (0..=0xFF).find_map(|sub| encoding.encode(e << 8 | sub).ok()))
        .map(|b| OpBytes::new(&b.as_slice()[..b.len() - 1]))
        .collect()
}

impl Translator {
    /// The rule whose opcode bytes begin `rest` (non-empty), or [`NONE`].
    pub(super) fn lookup(&self, rest: &[u8]) -> u32 {
        let e = self.first[usize::from(rest[0])];
        if e < PAGE {
            return e;
        }
        if e == NONE || rest.len() < 2 {
            return NONE;
        }
        let e = self.pages[(e & !PAGE) as usize][usize::from(rest[1])];
        if e != SEARCH {
            return e;
        }
        // Prefix-free: at most one length matches.
        for n in 3..=rest.len().min(4) {
            let key = OpBytes::new(&rest[..n]);
            if let Ok(i) = self.long.binary_search_by(|(b, _)| b.cmp(&key)) {
                return self.long[i].1;
            }
        }
        NONE
    }

    /// True when `prefix` begins some source opcode without being one, or is an escape prefix.
    pub(super) fn begins_opcode(&self, prefix: &[u8]) -> bool {
        let p = OpBytes::new(prefix);
        if self.escapes.contains(&p) {
            return true;
        }
        let e = self.first[usize::from(prefix[0])];
        match prefix.len() {
            1 => e != NONE && e & PAGE != 0,
            2 => {
                e != NONE
                    && e & PAGE != 0
                    && self.pages[(e & !PAGE) as usize][usize::from(prefix[1])] == SEARCH
            }
            _ => {
                let i = self.long.partition_point(|(b, _)| *b < p);
                self.long
                    .get(i)
                    .is_some_and(|(b, _)| b.len() > p.len() && p.is_prefix_of(b))
            }
        }
    }

    /// Why no opcode matches at the start of `rest`: the bytes a decoder takes for the opcode
    /// (the source table's width under a fixed encoding; else the longest run that begins some
    /// opcode or is an escape prefix, plus one byte) are no instruction — or the input ends
    /// inside them.
    pub(super) fn no_opcode(&self, rest: &[u8]) -> ErrorKind {
        let width = match &self.encoding {
            Encoding::Fixed { width, .. } => usize::from(*width),
            Encoding::Prefixed { .. } => {
                let mut k = 0;
                while k < 3 && k < rest.len() && self.begins_opcode(&rest[..=k]) {
                    k += 1;
                }
                k + 1
            }
        };
        if width > rest.len() {
            return ErrorKind::Truncated {
                needed: width,
                available: rest.len(),
            };
        }
        let bytes = &rest[..width];
        let opcode = match &self.encoding {
            Encoding::Fixed {
                endian: Endian::Little,
                ..
            } => bytes
                .iter()
                .rev()
                .fold(0u32, |v, &b| (v << 8) | u32::from(b)),
            _ => bytes.iter().fold(0u32, |v, &b| (v << 8) | u32::from(b)),
        };
        ErrorKind::UnknownOpcode {
            opcode,
            table: self.from.clone(),
        }
    }

    /// Decodes the instruction at `pos`: its rule and length (payload included).
    pub(super) fn decode_at(&self, input: &[u8], pos: usize) -> Result<Decoded, TranslateError> {
        let rest = &input[pos..];
        let rule = self.lookup(rest);
        if rule == NONE {
            return Err(self.fail(input, pos, None, self.no_opcode(rest)));
        }
        let r = &self.rules[rule as usize];
        let shape = match &r.src {
            Ok(s) => s,
            Err(e) => {
                let d = Decoded {
                    rule,
                    len: r.bytes.len(),
                    payload: 0,
                };
                return Err(self.fail(input, pos, Some(&d), e.clone()));
            }
        };
        let truncated = |needed: usize| {
            let d = Decoded {
                rule,
                len: rest.len(),
                payload: 0,
            };
            self.fail(
                input,
                pos,
                Some(&d),
                ErrorKind::Truncated {
                    needed,
                    available: rest.len(),
                },
            )
        };
        if shape.fixed > rest.len() {
            return Err(truncated(shape.fixed));
        }
        let payload = match shape.length {
            Some(i) => {
                let len = bits::read(rest, shape.fields[i].place) as usize;
                if shape.fixed + len > rest.len() {
                    return Err(truncated(shape.fixed + len));
                }
                len
            }
            None => 0,
        };
        Ok(Decoded {
            rule,
            len: shape.fixed + payload,
            payload,
        })
    }

    /// Encodes one instruction into `dst` (exactly its target length). `reloc` maps a source
    /// byte address to a target byte address; returns the number of offsets that changed.
    pub(super) fn encode(
        &self,
        d: &Decoded,
        m: &Mapping,
        src: &[u8],
        dst: &mut [u8],
        ends: (usize, usize),
        reloc: &dyn Fn(&str, i128, i128) -> Result<i128, ErrorKind>,
    ) -> Result<usize, ErrorKind> {
        let shape = self.rules[d.rule as usize]
            .src
            .as_ref()
            .expect("decoded instructions have a shape");
        let t = &m.shape;
        dst[..t.fixed].fill(0);
        dst[..t.opcode_len].copy_from_slice(m.bytes.as_slice());
        if m.raw {
            // Equal operand facts: the operand bytes (and payload) are the same on both sides.
            dst[t.opcode_len..t.fixed + d.payload]
                .copy_from_slice(&src[shape.opcode_len..shape.fixed + d.payload]);
            return Ok(0);
        }
        for &i in &m.dropped {
            let sf = &shape.fields[i];
            let value = sf.value(src, sf.role.signed());
            if value != 0 {
                return Err(ErrorKind::DroppedOperand {
                    field: sf.name.clone(),
                    value,
                    mnemonic: m.mnemonic.clone(),
                    table: self.to.clone(),
                });
            }
        }
        let mut fixed = 0;
        for (tf, &(source, relative)) in t.fields.iter().zip(&m.sources) {
            let sf = source.map(|i| &shape.fields[i]);
            // A branch on either side makes both fields a signed offset.
            let signed = relative || tf.role.signed();
            let mut value = match sf {
                _ if tf.role == Role::Length => d.payload as i128,
                Some(sf) => sf.value(src, relative || sf.role.signed()),
                None => 0,
            };
            let name = sf.map_or(tf.name.as_str(), |s| s.name.as_str());
            if relative && sf.is_some() {
                let target = ends.0 as i128 + value;
                let new = reloc(name, value, target)? - ends.1 as i128;
                if new != value {
                    fixed += 1;
                }
                value = new;
            }
            let (min, max) = tf.range(signed);
            if value < min || value > max {
                return Err(ErrorKind::DoesNotFit {
                    field: name.to_string(),
                    value,
                    target_field: tf.name.clone(),
                    mnemonic: m.mnemonic.clone(),
                    table: self.to.clone(),
                    bits: tf.place.bits,
                    role: if relative {
                        Role::Relative.name()
                    } else {
                        tf.role.name()
                    },
                    min,
                    max,
                });
            }
            tf.put(dst, value);
        }
        if d.payload > 0 {
            dst[t.fixed..t.fixed + d.payload]
                .copy_from_slice(&src[shape.fixed..shape.fixed + d.payload]);
        }
        Ok(fixed)
    }

    /// Decodes a program with the source table, without translating it.
    pub fn decode(&self, input: &[u8]) -> Result<Vec<Instruction>, TranslateError> {
        let mut out = Vec::new();
        let mut pos = 0;
        while pos < input.len() {
            let d = self.decode_at(input, pos)?;
            let r = &self.rules[d.rule as usize];
            out.push(Instruction {
                offset: pos,
                len: d.len,
                opcode: r.opcode,
                opcode_bytes: r.bytes,
                mnemonic: r.mnemonic.clone(),
            });
            pos += d.len;
        }
        Ok(out)
    }
}
