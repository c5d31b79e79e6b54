//! Opcode encodings: how a table's opcode numbers become the leading bytes of an instruction.
//!
//! A number alone does not say how it is written: `0x100` is two bytes in a 16-bit ISA, an
//! escape prefix plus a sub-opcode in an escape-page ISA (FLUX v3's `0xFF` + sub-opcode byte,
//! x86's `0x0F`), and nothing at all in a one-byte ISA. So every [`Table`](crate::Table) carries
//! an [`Encoding`], and the resolve step ([`crate::resolve`](mod@crate::resolve)) turns each instruction's number into
//! [`OpBytes`] exactly once; everything that reads or writes bytecode reads those bytes.
//!
//! Two encodings cover the ecosystems this tool serves:
//!
//! - [`Encoding::Prefixed`] (the default, with no escapes): numbers `0x00`–`0xFF` are one byte.
//!   A number above `0xFF` is written as its big-endian bytes (without leading zeros), and is
//!   encodable only when everything before its last byte is a declared *escape prefix*: with
//!   `escapes = [0xFF]`, `0xFF05` is `FF 05`. Escapes may nest (`escapes = [0x0F, 0x0F38]` gives
//!   x86-style `0F 38 xx`); an escape's own leading bytes must be an escape too. An escape is
//!   never an instruction itself, since it is a prefix of every instruction on its page.
//! - [`Encoding::Fixed`]: every opcode is exactly `width` bytes (1–4) in a stated byte order.
//!
//! Sub-opcodes are whole bytes; LEB128 sub-opcodes (WebAssembly's prefixed instructions above
//! 127) are not modelled.

use std::fmt;

use crate::format::Endian;

/// The leading opcode bytes of one instruction (1–4 bytes, inline so resolving allocates nothing).
/// Ordered lexicographically, as byte strings, so a sorted list puts every string right after
/// its prefixes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct OpBytes {
    len: u8,
    bytes: [u8; 4],
}

impl OpBytes {
    /// Opcode bytes from a slice of 1–4 bytes.
    ///
    /// # Panics
    /// When the slice is empty or longer than four bytes (a programming error: every encoder in
    /// this module produces 1–4 bytes).
    pub fn new(bytes: &[u8]) -> OpBytes {
        assert!((1..=4).contains(&bytes.len()), "opcode bytes are 1-4 bytes");
        let mut b = [0u8; 4];
        b[..bytes.len()].copy_from_slice(bytes);
        OpBytes {
            len: bytes.len() as u8,
            bytes: b,
        }
    }

    /// The bytes, in stream order.
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// How many bytes the opcode takes.
    #[allow(clippy::len_without_is_empty)] // never empty
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// True when `self` is a strict prefix of `other` or equal to it: the two cannot both be
    /// decoded from one byte stream.
    pub fn is_prefix_of(&self, other: &OpBytes) -> bool {
        // The first `len` bytes of the big-endian words (`len` is 1-4, so the shift is 0-24).
        let mask = u32::MAX << (32 - 8 * u32::from(self.len));
        self.len <= other.len && other.word() & mask == self.word()
    }

    /// The bytes as one big-endian word, zero past `len` (the one constructor zero-fills).
    fn word(&self) -> u32 {
        u32::from_be_bytes(self.bytes)
    }
}

impl Ord for OpBytes {
    /// Lexicographic order of the byte strings, from the zero-padded words and the lengths.
    /// Where the words first differ within both strings, so do the strings; where they first
    /// differ past the end of one, that one is a prefix of the other and has a padding zero
    /// below the other's byte there; equal words mean the shorter string is a prefix of the
    /// longer. Integer compares: the `memcmp` call per comparison of the slice order showed in
    /// profiles of large `check` runs (each table's opcodes are sorted for the prefix check).
    fn cmp(&self, other: &OpBytes) -> std::cmp::Ordering {
        (self.word(), self.len).cmp(&(other.word(), other.len))
    }
}

impl PartialOrd for OpBytes {
    fn partial_cmp(&self, other: &OpBytes) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Debug for OpBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OpBytes({self})")
    }
}

impl fmt::Display for OpBytes {
    /// Hex bytes separated by spaces: `ff 05`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.as_slice().iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// How a table's opcode numbers become bytes (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// One byte for `0x00`–`0xFF`; wider numbers only on declared escape pages.
    Prefixed {
        /// Escape prefixes as numbers (`0xFF`, or `0x0F38` for a two-byte prefix), sorted and
        /// without duplicates.
        escapes: Vec<u32>,
    },
    /// Every opcode is `width` bytes in the given byte order.
    Fixed {
        /// Opcode width in bytes (1–4).
        width: u8,
        /// Byte order of the opcode.
        endian: Endian,
    },
}

impl Default for Encoding {
    fn default() -> Encoding {
        Encoding::Prefixed {
            escapes: Vec::new(),
        }
    }
}

/// Why an encoding declaration is impossible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodingError(pub String);

impl fmt::Display for EncodingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EncodingError {}

/// The big-endian bytes of a number without leading zeros (at least one byte).
fn minimal_be(n: u32) -> OpBytes {
    let all = n.to_be_bytes();
    let skip = (n.leading_zeros() / 8).min(3) as usize;
    OpBytes::new(&all[skip..])
}

/// `0xFF`, `0x0F38`: a number written with an even count of hex digits.
fn hex_number(n: u32) -> String {
    let bytes = minimal_be(n);
    let mut s = String::from("0x");
    for b in bytes.as_slice() {
        s.push_str(&format!("{b:02X}"));
    }
    s
}

impl Encoding {
    /// An escape-prefix encoding, validated: escapes are non-zero, and a multi-byte escape's
    /// leading bytes are themselves an escape.
    pub fn escapes(escapes: impl IntoIterator<Item = u32>) -> Result<Encoding, EncodingError> {
        let mut list: Vec<u32> = escapes.into_iter().collect();
        list.sort_unstable();
        list.dedup();
        for &e in &list {
            if e == 0 {
                return Err(EncodingError(
                    "0x00 cannot be an escape prefix: 0x00xx would read as the one-byte 0x00"
                        .into(),
                ));
            }
            if e > 0x00FF_FFFF {
                return Err(EncodingError(format!(
                    "escape prefix {} leaves no byte for a sub-opcode (opcodes are at most 4 bytes)",
                    hex_number(e)
                )));
            }
            if e > 0xFF && list.binary_search(&(e >> 8)).is_err() {
                return Err(EncodingError(format!(
                    "escape prefix {} needs its leading bytes {} declared as an escape too",
                    hex_number(e),
                    hex_number(e >> 8)
                )));
            }
        }
        Ok(Encoding::Prefixed { escapes: list })
    }

    /// A fixed-width encoding, validated: 1–4 bytes.
    pub fn fixed(width: u32, endian: Endian) -> Result<Encoding, EncodingError> {
        if !(1..=4).contains(&width) {
            return Err(EncodingError(format!(
                "opcode_bytes = {width} is out of range 1-4"
            )));
        }
        Ok(Encoding::Fixed {
            width: width as u8,
            endian,
        })
    }

    /// True for the default (one byte per opcode, no escapes), which files need not mention.
    pub fn is_default(&self) -> bool {
        *self == Encoding::default()
    }

    /// The declared escape prefixes (empty for fixed-width encodings).
    pub fn escape_list(&self) -> &[u32] {
        match self {
            Encoding::Prefixed { escapes } => escapes,
            Encoding::Fixed { .. } => &[],
        }
    }

    /// The opcode bytes of a number, or why it cannot be written under this encoding.
    pub fn encode(&self, number: u32) -> Result<OpBytes, String> {
        match self {
            Encoding::Prefixed { escapes } => {
                if escapes.binary_search(&number).is_ok() {
                    return Err(format!(
                        "{} is an escape prefix of this table's encoding, so no instruction can have it",
                        hex_number(number)
                    ));
                }
                if number <= 0xFF {
                    return Ok(OpBytes::new(&[number as u8]));
                }
                let prefix = number >> 8;
                if escapes.binary_search(&prefix).is_ok() {
                    return Ok(minimal_be(number));
                }
                Err(if escapes.is_empty() {
                    let hint = if number <= 0xFFFF {
                        format!(
                            "declare `[encoding] escapes = [0x{prefix:02X}]` (an escape page) or `opcode_bytes = 2`"
                        )
                    } else {
                        format!(
                            "declare `[encoding] opcode_bytes = {}`",
                            minimal_be(number).len()
                        )
                    };
                    format!(
                        "{} does not fit one opcode byte and the table declares no wider encoding; hint: {hint}",
                        crate::conflict::hex_opcode(number),
                    )
                } else {
                    format!(
                        "{} is on no escape page: its leading bytes {} are not an escape prefix ({} declared)",
                        crate::conflict::hex_opcode(number),
                        hex_number(prefix),
                        escapes
                            .iter()
                            .map(|&e| hex_number(e))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
            }
            Encoding::Fixed { width, endian } => {
                let width = usize::from(*width);
                if width < 4 && number >> (8 * width) != 0 {
                    return Err(format!(
                        "{} does not fit the table's {width}-byte opcodes",
                        crate::conflict::hex_opcode(number)
                    ));
                }
                let bytes = match endian {
                    Endian::Big => number.to_be_bytes(),
                    Endian::Little => number.to_le_bytes(),
                };
                Ok(OpBytes::new(match endian {
                    Endian::Big => &bytes[4 - width..],
                    Endian::Little => &bytes[..width],
                }))
            }
        }
    }

    /// The opcode bytes of a number whose layout fixes the opcode at `width` bytes (a declared
    /// layout whose fields leave more than 8 bits of the fixed part): the number big-endian in
    /// exactly that many bytes, the convention of every prefix encoding.
    pub fn encode_width(&self, number: u32, width: u32) -> Result<OpBytes, String> {
        if width > 4 {
            return Err(format!(
                "its layout leaves a {width}-byte opcode; opcodes are at most 4 bytes"
            ));
        }
        if let Encoding::Fixed { width: w, .. } = self {
            if u32::from(*w) != width {
                return Err(format!(
                    "its layout leaves a {width}-byte opcode but the table's opcodes are {w} bytes"
                ));
            }
            return self.encode(number);
        }
        if width < 4 && number >> (8 * width) != 0 {
            return Err(format!(
                "{} does not fit the {width}-byte opcode its layout leaves",
                crate::conflict::hex_opcode(number)
            ));
        }
        Ok(OpBytes::new(&number.to_be_bytes()[4 - width as usize..]))
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Encoding::Prefixed { escapes } if escapes.is_empty() => {
                f.write_str("one byte per opcode")
            }
            Encoding::Prefixed { escapes } => write!(
                f,
                "one-byte opcodes with escape prefix{} {}",
                if escapes.len() == 1 { "" } else { "es" },
                escapes
                    .iter()
                    .map(|&e| hex_number(e))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Encoding::Fixed { width, endian } => {
                write!(f, "{width}-byte opcodes, {}-endian", endian.as_str())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(r: Result<OpBytes, String>) -> String {
        r.map(|b| b.to_string())
            .unwrap_or_else(|e| format!("error: {e}"))
    }

    /// The word order and prefix test are those of the byte strings, on every string of 1-4
    /// bytes drawn from the bytes where padding could mislead (zero, one, 0x7F, 0xFF).
    #[test]
    fn opcode_bytes_order_and_prefixes_are_those_of_the_strings() {
        let alphabet = [0x00u8, 0x01, 0x7F, 0xFF];
        let mut all: Vec<Vec<u8>> = vec![Vec::new()];
        let mut strings = Vec::new();
        for _ in 0..4 {
            all = all
                .iter()
                .flat_map(|s| alphabet.iter().map(move |&b| [s.as_slice(), &[b]].concat()))
                .collect();
            strings.extend(all.iter().cloned());
        }
        for a in &strings {
            for b in &strings {
                let (x, y) = (OpBytes::new(a), OpBytes::new(b));
                assert_eq!(x.cmp(&y), a.cmp(b), "{a:?} vs {b:?}");
                assert_eq!(x == y, a == b, "{a:?} vs {b:?}");
                assert_eq!(x.is_prefix_of(&y), b.starts_with(a), "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn default_is_one_byte() {
        let e = Encoding::default();
        assert_eq!(hex(e.encode(0x05)), "05");
        assert_eq!(hex(e.encode(0xFF)), "ff");
        assert!(e
            .encode(0x100)
            .unwrap_err()
            .contains("declares no wider encoding"));
    }

    #[test]
    fn escape_pages() {
        let e = Encoding::escapes([0xFF]).unwrap();
        assert_eq!(hex(e.encode(0xFF05)), "ff 05");
        assert_eq!(hex(e.encode(0xFF00)), "ff 00");
        assert!(e.encode(0xFF).unwrap_err().contains("escape prefix"));
        assert!(e.encode(0xFE05).unwrap_err().contains("on no escape page"));
        let x86 = Encoding::escapes([0x0F, 0x0F38]).unwrap();
        assert_eq!(hex(x86.encode(0x0F3801)), "0f 38 01");
        assert_eq!(hex(x86.encode(0x0F05)), "0f 05");
        assert!(x86.encode(0x0F38).is_err());
        assert!(Encoding::escapes([0x0F38]).is_err());
        assert!(Encoding::escapes([0]).is_err());
    }

    #[test]
    fn fixed_widths() {
        let be = Encoding::fixed(2, Endian::Big).unwrap();
        let le = Encoding::fixed(2, Endian::Little).unwrap();
        assert_eq!(hex(be.encode(0x0105)), "01 05");
        assert_eq!(hex(le.encode(0x0105)), "05 01");
        assert_eq!(hex(be.encode(0x05)), "00 05");
        assert!(be.encode(0x1_0000).is_err());
        assert_eq!(
            hex(Encoding::fixed(4, Endian::Big).unwrap().encode(u32::MAX)),
            "ff ff ff ff"
        );
        assert!(Encoding::fixed(0, Endian::Big).is_err());
        assert!(Encoding::fixed(5, Endian::Big).is_err());
    }

    #[test]
    fn layout_widths() {
        let e = Encoding::default();
        assert_eq!(hex(e.encode_width(0x05, 2)), "00 05");
        assert!(e.encode_width(0x1_0000, 2).is_err());
        assert!(e.encode_width(1, 8).unwrap_err().contains("at most 4"));
        let f = Encoding::fixed(2, Endian::Little).unwrap();
        assert!(f.encode_width(1, 3).is_err());
    }

    #[test]
    fn prefixes() {
        let a = OpBytes::new(&[1]);
        let b = OpBytes::new(&[1, 0]);
        assert!(a.is_prefix_of(&b));
        assert!(a.is_prefix_of(&a));
        assert!(!b.is_prefix_of(&a));
        assert!(!OpBytes::new(&[2]).is_prefix_of(&b));
    }
}
