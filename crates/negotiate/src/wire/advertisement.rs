//! The advertisement on the wire: the fixed-size instruction record (read only in its canonical
//! form, written only in it) and the advertisement body's fields, decoded and encoded here side
//! by side.

use std::borrow::Cow;

use isa_core::OpBytes;

use crate::model::{
    limits, Advertisement, Claim, FeatureGroup, FormatClaim, Instruction, VersionClaim,
};

use super::primitive::{
    bounded_push, check_size, expect, once, open, version_label, DResult, Reader, Writer,
};
use super::{DecodeError, DecodeErrorKind, EncodeError, Kind, RECORD_LEN};

/// Reads one instruction record, accepting only its canonical form (see the module docs).
fn record(r: &mut Reader<'_>) -> DResult<Instruction> {
    let at = r.offset();
    // One bounds check for the whole record; the fields are then at fixed positions.
    let Some(rec) = r
        .take(RECORD_LEN, "instruction record")?
        .first_chunk::<RECORD_LEN>()
    else {
        return Err(r.err(DecodeErrorKind::BadLength {
            what: "instruction record",
            len: RECORD_LEN,
        }));
    };
    let opcode = u32::from_le_bytes([rec[0], rec[1], rec[2], rec[3]]);
    let mut name = [0u8; 8];
    name.copy_from_slice(&rec[4..12]);
    let count = usize::from(rec[12]);
    let raw = &rec[13..17];
    let bad = |offset: usize, what| DecodeError {
        offset: at + offset,
        kind: DecodeErrorKind::BadRecord(what),
    };
    if !(1..=4).contains(&count) {
        return Err(bad(12, "the opcode-byte count is not 1-4"));
    }
    if raw[count..].iter().any(|&b| b != 0) {
        return Err(bad(13, "opcode bytes past the count are not zero"));
    }
    let bytes = OpBytes::new(&raw[..count]);
    let kind = rec[17];
    let operand_bytes = u16::from_le_bytes([rec[18], rec[19]]);
    let mut shape = [0u8; 8];
    shape.copy_from_slice(&rec[20..28]);
    let claim = match kind {
        0 if operand_bytes != 0 || shape != [0; 8] => {
            return Err(bad(
                17,
                "an unknown claim has operand bytes or a shape digest",
            ))
        }
        0 => Claim::Unknown,
        1 if shape != [0; 8] => return Err(bad(17, "a size-only claim has a shape digest")),
        1 => Claim::Size { operand_bytes },
        2 | 3 => Claim::Layout {
            operand_bytes,
            variable: kind == 3,
            shape,
        },
        value => {
            return Err(DecodeError {
                offset: at + 17,
                kind: DecodeErrorKind::BadFlag {
                    what: "operand claim",
                    value,
                },
            })
        }
    };
    Ok(Instruction {
        opcode,
        name,
        bytes,
        claim,
    })
}

pub(super) fn advertisement_body<'a>(mut body: Reader<'a>) -> DResult<Advertisement<'a>> {
    let start = body.offset();
    let mut name: Option<&'a str> = None;
    let mut registers: Option<u16> = None;
    let mut instructions: Option<Vec<Instruction>> = None;
    let mut mnemonics: Option<Vec<Cow<'a, str>>> = None;
    let mut versions = Vec::new();
    let mut formats = Vec::new();
    let mut groups = Vec::new();
    while !body.is_empty() {
        let at = body.offset();
        let (tag, mut f) = body.field()?;
        match tag {
            1 => {
                let bytes = f.take(f.remaining(), "implementation name")?;
                if bytes.len() > limits::MAX_STRING {
                    return Err(DecodeError {
                        offset: at,
                        kind: DecodeErrorKind::BadLength {
                            what: "implementation name",
                            len: bytes.len(),
                        },
                    });
                }
                let s = f.utf8(bytes, 0, "implementation name")?;
                once(&mut name, s, "implementation name", at)?;
            }
            2 => {
                let version = version_label(&mut f)?;
                let hash = f.hash("version hash")?;
                f.end("version")?;
                bounded_push(
                    &mut versions,
                    VersionClaim { version, hash },
                    limits::MAX_VERSIONS,
                    "versions",
                    at,
                )?;
            }
            3 => {
                let n = f.u16("registers")?;
                f.end("registers")?;
                once(&mut registers, n, "registers", at)?;
            }
            4 => {
                let letter = f.str8("format letter")?;
                let shape = f.str8("format shape")?;
                f.end("format")?;
                let claim = FormatClaim {
                    letter: Cow::Borrowed(letter),
                    shape: Cow::Borrowed(shape),
                };
                bounded_push(&mut formats, claim, limits::MAX_FORMATS, "formats", at)?;
            }
            5 => {
                if f.remaining() % RECORD_LEN != 0 {
                    return Err(f.err(DecodeErrorKind::BadLength {
                        what: "instructions",
                        len: f.remaining(),
                    }));
                }
                let count = f.remaining() / RECORD_LEN;
                if count > limits::MAX_INSTRUCTIONS {
                    return Err(f.err(DecodeErrorKind::TooMany {
                        what: "instructions",
                        max: limits::MAX_INSTRUCTIONS,
                    }));
                }
                // The count is implied by a payload already in memory: allocation is bounded.
                let mut list = Vec::with_capacity(count);
                while !f.is_empty() {
                    list.push(record(&mut f)?);
                }
                once(&mut instructions, list, "instructions", at)?;
            }
            6 => {
                let mut list = Vec::new();
                while !f.is_empty() {
                    if list.len() >= limits::MAX_INSTRUCTIONS {
                        return Err(f.err(DecodeErrorKind::TooMany {
                            what: "mnemonics",
                            max: limits::MAX_INSTRUCTIONS,
                        }));
                    }
                    list.push(Cow::Borrowed(f.str8("mnemonic")?));
                }
                once(&mut mnemonics, list, "mnemonics", at)?;
            }
            7 => {
                let gname = f.str8("feature group name")?;
                let definition = f.hash("feature group definition")?;
                if f.remaining() % 2 != 0 {
                    return Err(f.err(DecodeErrorKind::BadLength {
                        what: "feature group members",
                        len: f.remaining(),
                    }));
                }
                let mut members = Vec::with_capacity(f.remaining() / 2);
                while !f.is_empty() {
                    members.push(f.u16("feature group member")?);
                }
                let group = FeatureGroup {
                    name: Cow::Borrowed(gname),
                    definition,
                    members,
                };
                bounded_push(&mut groups, group, limits::MAX_GROUPS, "feature groups", at)?;
            }
            // Unknown fields are skipped: a newer writer may add fields an older reader ignores.
            _ => {}
        }
    }
    let ad = Advertisement {
        implementation: Cow::Borrowed(name.ok_or(DecodeError {
            offset: start,
            kind: DecodeErrorKind::Missing("implementation name"),
        })?),
        versions,
        registers: registers.unwrap_or(0),
        formats,
        instructions: instructions.ok_or(DecodeError {
            offset: start,
            kind: DecodeErrorKind::Missing("instructions"),
        })?,
        mnemonics: mnemonics.unwrap_or_default(),
        groups,
    };
    ad.validate().map_err(|e| DecodeError {
        offset: start,
        kind: DecodeErrorKind::Invalid(e),
    })?;
    Ok(ad)
}

pub(super) fn nested_advertisement<'a>(f: &mut Reader<'a>) -> DResult<Advertisement<'a>> {
    let base = f.offset();
    let bytes = f.take(f.remaining(), "advertisement")?;
    let (kind, body) = open(bytes, base)?;
    if kind != Kind::Advertisement {
        return Err(DecodeError {
            offset: base + 5,
            kind: DecodeErrorKind::WrongKind {
                expected: Kind::Advertisement,
                found: kind,
            },
        });
    }
    advertisement_body(body)
}

/// Decodes a stand-alone advertisement, borrowing its text from `bytes`.
pub fn decode_advertisement(bytes: &[u8]) -> Result<Advertisement<'_>, DecodeError> {
    advertisement_body(expect(bytes, Kind::Advertisement)?)
}

impl Writer<'_> {
    /// Writes one instruction record in its canonical form (see the module docs).
    fn record(&mut self, i: &Instruction) {
        let mut rec = [0u8; RECORD_LEN];
        rec[0..4].copy_from_slice(&i.opcode.to_le_bytes());
        rec[4..12].copy_from_slice(&i.name);
        // OpBytes holds 1-4 bytes, so the count fits in a byte and the bytes in the 4 slots;
        // the unused slots stay zero.
        rec[12] = i.bytes.len() as u8;
        rec[13..13 + i.bytes.len()].copy_from_slice(i.bytes.as_slice());
        let (kind, operands, shape) = match i.claim {
            Claim::Unknown => (0u8, 0u16, [0u8; 8]),
            Claim::Size { operand_bytes } => (1, operand_bytes, [0; 8]),
            Claim::Layout {
                operand_bytes,
                variable,
                shape,
            } => (2 + u8::from(variable), operand_bytes, shape),
        };
        rec[17] = kind;
        rec[18..20].copy_from_slice(&operands.to_le_bytes());
        rec[20..28].copy_from_slice(&shape);
        self.out.extend_from_slice(&rec);
    }
}

pub(super) fn write_advertisement(w: &mut Writer<'_>, ad: &Advertisement<'_>) {
    let at = w.header(Kind::Advertisement);
    w.field(1, |w| w.out.extend_from_slice(ad.implementation.as_bytes()));
    for v in &ad.versions {
        w.field(2, |w| {
            w.str8(&v.version.to_string());
            w.out.extend_from_slice(&v.hash);
        });
    }
    w.field(3, |w| w.out.extend_from_slice(&ad.registers.to_le_bytes()));
    for f in &ad.formats {
        w.field(4, |w| {
            w.str8(&f.letter);
            w.str8(&f.shape);
        });
    }
    w.field(5, |w| {
        w.out.reserve(ad.instructions.len() * RECORD_LEN);
        for i in &ad.instructions {
            w.record(i);
        }
    });
    if !ad.mnemonics.is_empty() {
        w.field(6, |w| {
            for m in &ad.mnemonics {
                w.str8(m);
            }
        });
    }
    for g in &ad.groups {
        w.field(7, |w| {
            w.str8(&g.name);
            w.out.extend_from_slice(&g.definition);
            for m in &g.members {
                w.out.extend_from_slice(&m.to_le_bytes());
            }
        });
    }
    w.patch(at);
}

/// Appends the encoding of a stand-alone advertisement to `out` (validating it first).
pub fn encode_advertisement_into(
    ad: &Advertisement<'_>,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    ad.validate()?;
    let start = out.len();
    write_advertisement(&mut Writer { out }, ad);
    check_size(out, start).inspect_err(|_| out.truncate(start))
}

/// The encoding of a stand-alone advertisement.
pub fn encode_advertisement(ad: &Advertisement<'_>) -> Result<Vec<u8>, EncodeError> {
    // The records and mnemonics are nearly all of it: one allocation instead of a dozen
    // doublings, each copying what was written so far.
    let mnemonics: usize = ad.mnemonics.iter().map(|m| m.len() + 1).sum();
    let mut out = Vec::with_capacity(256 + ad.instructions.len() * RECORD_LEN + mnemonics);
    encode_advertisement_into(ad, &mut out)?;
    Ok(out)
}
