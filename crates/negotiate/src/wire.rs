//! The binary wire format and its total decoder.
//!
//! ```text
//! message = magic "FXNG" | wire-version u8 (= 2) | kind u8 | body-length u32le | body
//! body    = field*                      (fields in any order; unknown tags are skipped)
//! field   = tag u8 | length u32le | payload[length]
//! str8    = length u8 | utf-8 bytes
//! record  = opcode u32le | name digest 8 | opcode-byte count u8 (1-4) | opcode bytes 4
//!           (zero after the count) | claim u8 | operand bytes u16le | shape digest 8
//! ```
//!
//! Message kinds: 1 advertisement, 2 offer, 3 answer, 4 confirm. Advertisement fields: 1 name
//! (raw utf-8), 2 version (str8 label, 32-byte hash; repeated), 3 registers (u16le), 4 format
//! (str8 letter, str8 shape; repeated), 5 instructions (28-byte records), 6 mnemonics (str8 per
//! instruction), 7 group (str8 name, 32-byte definition, u16le member indices; repeated). Offer:
//! 1 nonce, 2 advertisement (a whole nested message). Answer: 1 nonce, 2 offer hash,
//! 3 advertisement, 4 selection (flags u8, [str8 version, hash], usable count u32le, usable
//! digest 32, str8 features…). Confirm: 1 transcript hash.
//!
//! A record's claim ([`Claim`]) is 0 unknown (operand bytes and shape digest zero), 1 size only
//! (shape digest zero), 2 full layout, 3 full layout followed by a payload. Anything else — an
//! opcode-byte count outside 1–4, non-zero bytes where zero is required, an undefined claim — is
//! rejected, so every advertisement has exactly one encoding.
//!
//! Wire version 2 replaced version 1's record (opcode, total size, name digest, digest of the
//! whole layout's shape key) when the claim came to follow the core's comparison rule; an old
//! decoder rejects version-2 messages by number, and this one rejects version-1 messages.
//!
//! Totality: every read is bounds-checked through one `Reader` with checked arithmetic, every
//! count is implied by a length already known to fit in the input (so no allocation exceeds the
//! input's size), nesting is one level deep, and every loop consumes input. The decoder
//! borrows strings from the buffer.

use std::borrow::Cow;
use std::fmt;

use semver::Version;

use isa_core::OpBytes;

use crate::model::{
    limits, Advertisement, Claim, FeatureGroup, FormatClaim, Hash32, Instruction,
    InvalidAdvertisement, VersionClaim,
};

/// The four magic bytes every message starts with.
pub const MAGIC: [u8; 4] = *b"FXNG";
/// The wire-format version this crate writes and reads.
pub const WIRE_VERSION: u8 = 2;
/// Size of the fixed message header.
pub const HEADER_LEN: usize = 10;
/// Size of one instruction record.
pub const RECORD_LEN: usize = 28;

/// The kind of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A capability advertisement on its own (files, registries).
    Advertisement = 1,
    /// Handshake step 1, client → server.
    Offer = 2,
    /// Handshake step 2, server → client.
    Answer = 3,
    /// Handshake step 3, client → server.
    Confirm = 4,
}

impl Kind {
    fn from_u8(b: u8) -> Option<Kind> {
        Some(match b {
            1 => Kind::Advertisement,
            2 => Kind::Offer,
            3 => Kind::Answer,
            4 => Kind::Confirm,
            _ => return None,
        })
    }

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Advertisement => "advertisement",
            Kind::Offer => "offer",
            Kind::Answer => "answer",
            Kind::Confirm => "confirm",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Handshake step 1: the client's advertisement and a fresh nonce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer<'a> {
    /// Client nonce (makes every transcript unique; supplied by the caller, no RNG here).
    pub nonce: Hash32,
    /// The client's advertisement.
    pub advertisement: Advertisement<'a>,
}

/// What the server selected, sent in the answer so the client can check it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selection<'a> {
    /// Whether the two are compatible.
    pub compatible: bool,
    /// The agreed version and its hash.
    pub version: Option<VersionClaim>,
    /// Agreed feature groups, sorted.
    pub features: Vec<Cow<'a, str>>,
    /// Number of usable instructions.
    pub usable_count: u32,
    /// SHA-256 over the usable (opcode, name) records.
    pub usable_digest: Hash32,
}

/// Handshake step 2: the server's advertisement, what it received and what it selected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer<'a> {
    /// Server nonce.
    pub nonce: Hash32,
    /// SHA-256 of the offer bytes as the server received them.
    pub offer_hash: Hash32,
    /// The server's advertisement.
    pub advertisement: Advertisement<'a>,
    /// The server's selection.
    pub selection: Selection<'a>,
}

/// Handshake step 3: the client's hash of the whole transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Confirm {
    /// SHA-256 over offer and answer bytes (see [`crate::handshake::transcript_hash`]).
    pub transcript: Hash32,
}

/// Any message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message<'a> {
    /// A stand-alone advertisement.
    Advertisement(Advertisement<'a>),
    /// An offer.
    Offer(Offer<'a>),
    /// An answer.
    Answer(Answer<'a>),
    /// A confirm.
    Confirm(Confirm),
}

/// What is wrong with a byte string, at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("byte {offset}: {kind}")]
pub struct DecodeError {
    /// Offset from the start of the outermost message.
    pub offset: usize,
    /// What is wrong.
    pub kind: DecodeErrorKind,
}

/// The kinds of decoding failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeErrorKind {
    /// Input ends early.
    #[error("truncated: {what} needs {needed} bytes, {available} remain")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Bytes needed.
        needed: usize,
        /// Bytes left.
        available: usize,
    },
    /// Not an isa-negotiate message.
    #[error("bad magic {0:02x?}; expected \"FXNG\"")]
    BadMagic([u8; 4]),
    /// A wire version this decoder does not know.
    #[error("unsupported wire version {0}; this decoder reads version {WIRE_VERSION}")]
    UnsupportedVersion(u8),
    /// An unknown message kind.
    #[error("unknown message kind {0}")]
    UnknownKind(u8),
    /// A message of another kind than expected.
    #[error("expected {expected} message, found {found}")]
    WrongKind {
        /// Expected kind.
        expected: Kind,
        /// Kind found.
        found: Kind,
    },
    /// Declared size over [`limits::MAX_MESSAGE`].
    #[error("message declares {0} bytes; at most {max} are allowed", max = limits::MAX_MESSAGE)]
    TooLarge(usize),
    /// Bytes after the end of the message.
    #[error("{0} trailing bytes after the message")]
    TrailingBytes(usize),
    /// A field whose payload has bytes left over or the wrong size.
    #[error("field {what} has a bad length {len}")]
    BadLength {
        /// The field.
        what: &'static str,
        /// Its length.
        len: usize,
    },
    /// Text that is not UTF-8.
    #[error("{0} is not valid UTF-8")]
    BadUtf8(&'static str),
    /// A version label that is not a semantic version.
    #[error("version label `{label}` is not a semantic version: {reason}")]
    BadVersion {
        /// The label.
        label: String,
        /// The parser's reason.
        reason: String,
    },
    /// A single-valued field given twice.
    #[error("field {0} appears twice")]
    Duplicate(&'static str),
    /// A required field missing.
    #[error("required field {0} is missing")]
    Missing(&'static str),
    /// A repeated field over its bound.
    #[error("more than {max} {what}")]
    TooMany {
        /// The field.
        what: &'static str,
        /// The bound.
        max: usize,
    },
    /// A flag byte with an undefined value.
    #[error("{what} has undefined value {value}")]
    BadFlag {
        /// The field.
        what: &'static str,
        /// The value.
        value: u8,
    },
    /// An instruction record whose fields are not in their one canonical form.
    #[error("instruction record: {0}")]
    BadRecord(&'static str),
    /// Well-formed bytes that break an advertisement invariant.
    #[error("{0}")]
    Invalid(InvalidAdvertisement),
}

/// Why a value cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// The advertisement breaks an invariant.
    #[error("invalid advertisement: {0}")]
    Invalid(#[from] InvalidAdvertisement),
    /// A string in the selection over [`limits::MAX_STRING`] or too many features.
    #[error("selection cannot be encoded: {0}")]
    Selection(&'static str),
    /// The encoding would exceed [`limits::MAX_MESSAGE`].
    #[error("encoded message would be {0} bytes; at most {max} are allowed", max = limits::MAX_MESSAGE)]
    TooLarge(usize),
}

// ---------------------------------------------------------------------------------------------
// Reading

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Offset of `buf[0]` in the outermost message, for error positions.
    base: usize,
}

type DResult<T> = Result<T, DecodeError>;

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8], base: usize) -> Reader<'a> {
        Reader { buf, pos: 0, base }
    }

    fn offset(&self) -> usize {
        self.base.saturating_add(self.pos)
    }

    fn err(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError {
            offset: self.offset(),
            kind,
        }
    }

    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    fn take(&mut self, n: usize, what: &'static str) -> DResult<&'a [u8]> {
        if n > self.remaining() {
            return Err(self.err(DecodeErrorKind::Truncated {
                what,
                needed: n,
                available: self.remaining(),
            }));
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    fn u8(&mut self, what: &'static str) -> DResult<u8> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &'static str) -> DResult<u16> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self, what: &'static str) -> DResult<u32> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn hash(&mut self, what: &'static str) -> DResult<Hash32> {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.take(32, what)?);
        Ok(out)
    }

    fn utf8(&self, bytes: &'a [u8], at: usize, what: &'static str) -> DResult<&'a str> {
        std::str::from_utf8(bytes).map_err(|_| DecodeError {
            offset: self.base.saturating_add(at),
            kind: DecodeErrorKind::BadUtf8(what),
        })
    }

    fn str8(&mut self, what: &'static str) -> DResult<&'a str> {
        let len = usize::from(self.u8(what)?);
        let at = self.pos;
        let bytes = self.take(len, what)?;
        self.utf8(bytes, at, what)
    }

    /// Reads one field: (tag, reader over its payload).
    fn field(&mut self) -> DResult<(u8, Reader<'a>)> {
        let tag = self.u8("field tag")?;
        let len = self.u32("field length")? as usize;
        let base = self.offset();
        let payload = self.take(len, "field payload")?;
        Ok((tag, Reader::new(payload, base)))
    }

    fn end(&self, what: &'static str) -> DResult<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self.err(DecodeErrorKind::BadLength {
                what,
                len: self.buf.len(),
            }))
        }
    }
}

fn version_label(r: &mut Reader<'_>) -> DResult<Version> {
    let at = r.offset();
    let label = r.str8("version label")?;
    Version::parse(label).map_err(|e| DecodeError {
        offset: at,
        kind: DecodeErrorKind::BadVersion {
            label: label.to_string(),
            reason: e.to_string(),
        },
    })
}

/// Splits a message into its kind and a reader over its body, checking the header.
fn open(bytes: &[u8], base: usize) -> DResult<(Kind, Reader<'_>)> {
    let mut r = Reader::new(bytes, base);
    let magic = r.take(4, "magic")?;
    if magic != MAGIC {
        let mut m = [0u8; 4];
        m.copy_from_slice(magic);
        return Err(DecodeError {
            offset: base,
            kind: DecodeErrorKind::BadMagic(m),
        });
    }
    let version = r.u8("wire version")?;
    if version != WIRE_VERSION {
        return Err(DecodeError {
            offset: base + 4,
            kind: DecodeErrorKind::UnsupportedVersion(version),
        });
    }
    let kind_byte = r.u8("message kind")?;
    let kind = Kind::from_u8(kind_byte).ok_or(DecodeError {
        offset: base + 5,
        kind: DecodeErrorKind::UnknownKind(kind_byte),
    })?;
    let len = r.u32("body length")? as usize;
    if len > limits::MAX_MESSAGE - HEADER_LEN {
        return Err(DecodeError {
            offset: base + 6,
            kind: DecodeErrorKind::TooLarge(len.saturating_add(HEADER_LEN)),
        });
    }
    let body_base = r.offset();
    let body = r.take(len, "message body")?;
    if !r.is_empty() {
        return Err(r.err(DecodeErrorKind::TrailingBytes(r.remaining())));
    }
    Ok((kind, Reader::new(body, body_base)))
}

fn once<T>(slot: &mut Option<T>, value: T, what: &'static str, at: usize) -> DResult<()> {
    if slot.is_some() {
        return Err(DecodeError {
            offset: at,
            kind: DecodeErrorKind::Duplicate(what),
        });
    }
    *slot = Some(value);
    Ok(())
}

fn bounded_push<T>(
    list: &mut Vec<T>,
    item: T,
    max: usize,
    what: &'static str,
    at: usize,
) -> DResult<()> {
    if list.len() >= max {
        return Err(DecodeError {
            offset: at,
            kind: DecodeErrorKind::TooMany { what, max },
        });
    }
    list.push(item);
    Ok(())
}

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

fn advertisement_body<'a>(mut body: Reader<'a>) -> DResult<Advertisement<'a>> {
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

fn nested_advertisement<'a>(f: &mut Reader<'a>) -> DResult<Advertisement<'a>> {
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

fn offer_body<'a>(mut body: Reader<'a>) -> DResult<Offer<'a>> {
    let start = body.offset();
    let mut nonce = None;
    let mut ad = None;
    while !body.is_empty() {
        let at = body.offset();
        let (tag, mut f) = body.field()?;
        match tag {
            1 => {
                let n = f.hash("nonce")?;
                f.end("nonce")?;
                once(&mut nonce, n, "nonce", at)?;
            }
            2 => {
                let a = nested_advertisement(&mut f)?;
                once(&mut ad, a, "advertisement", at)?;
            }
            _ => {}
        }
    }
    let missing = |what| DecodeError {
        offset: start,
        kind: DecodeErrorKind::Missing(what),
    };
    Ok(Offer {
        nonce: nonce.ok_or_else(|| missing("nonce"))?,
        advertisement: ad.ok_or_else(|| missing("advertisement"))?,
    })
}

fn selection<'a>(f: &mut Reader<'a>) -> DResult<Selection<'a>> {
    let flags_at = f.offset();
    let flags = f.u8("selection flags")?;
    if flags & !0b11 != 0 {
        return Err(DecodeError {
            offset: flags_at,
            kind: DecodeErrorKind::BadFlag {
                what: "selection flags",
                value: flags,
            },
        });
    }
    let version = if flags & 0b10 != 0 {
        let version = version_label(f)?;
        let hash = f.hash("selected version hash")?;
        Some(VersionClaim { version, hash })
    } else {
        None
    };
    let usable_count = f.u32("usable count")?;
    let usable_digest = f.hash("usable digest")?;
    let mut features = Vec::new();
    while !f.is_empty() {
        let at = f.offset();
        let name = f.str8("feature")?;
        bounded_push(
            &mut features,
            Cow::Borrowed(name),
            limits::MAX_GROUPS,
            "features",
            at,
        )?;
    }
    Ok(Selection {
        compatible: flags & 1 != 0,
        version,
        features,
        usable_count,
        usable_digest,
    })
}

fn answer_body<'a>(mut body: Reader<'a>) -> DResult<Answer<'a>> {
    let start = body.offset();
    let mut nonce = None;
    let mut offer_hash = None;
    let mut ad = None;
    let mut sel = None;
    while !body.is_empty() {
        let at = body.offset();
        let (tag, mut f) = body.field()?;
        match tag {
            1 => {
                let n = f.hash("nonce")?;
                f.end("nonce")?;
                once(&mut nonce, n, "nonce", at)?;
            }
            2 => {
                let h = f.hash("offer hash")?;
                f.end("offer hash")?;
                once(&mut offer_hash, h, "offer hash", at)?;
            }
            3 => {
                let a = nested_advertisement(&mut f)?;
                once(&mut ad, a, "advertisement", at)?;
            }
            4 => {
                let s = selection(&mut f)?;
                once(&mut sel, s, "selection", at)?;
            }
            _ => {}
        }
    }
    let missing = |what| DecodeError {
        offset: start,
        kind: DecodeErrorKind::Missing(what),
    };
    Ok(Answer {
        nonce: nonce.ok_or_else(|| missing("nonce"))?,
        offer_hash: offer_hash.ok_or_else(|| missing("offer hash"))?,
        advertisement: ad.ok_or_else(|| missing("advertisement"))?,
        selection: sel.ok_or_else(|| missing("selection"))?,
    })
}

fn confirm_body(mut body: Reader<'_>) -> DResult<Confirm> {
    let start = body.offset();
    let mut transcript = None;
    while !body.is_empty() {
        let at = body.offset();
        let (tag, mut f) = body.field()?;
        if tag == 1 {
            let h = f.hash("transcript hash")?;
            f.end("transcript hash")?;
            once(&mut transcript, h, "transcript hash", at)?;
        }
    }
    Ok(Confirm {
        transcript: transcript.ok_or(DecodeError {
            offset: start,
            kind: DecodeErrorKind::Missing("transcript hash"),
        })?,
    })
}

/// Decodes any message. Total: every input yields a message or an error.
pub fn decode(bytes: &[u8]) -> Result<Message<'_>, DecodeError> {
    let (kind, body) = open(bytes, 0)?;
    Ok(match kind {
        Kind::Advertisement => Message::Advertisement(advertisement_body(body)?),
        Kind::Offer => Message::Offer(offer_body(body)?),
        Kind::Answer => Message::Answer(answer_body(body)?),
        Kind::Confirm => Message::Confirm(confirm_body(body)?),
    })
}

fn expect(bytes: &[u8], expected: Kind) -> Result<Reader<'_>, DecodeError> {
    let (kind, body) = open(bytes, 0)?;
    if kind != expected {
        return Err(DecodeError {
            offset: 5,
            kind: DecodeErrorKind::WrongKind {
                expected,
                found: kind,
            },
        });
    }
    Ok(body)
}

/// Decodes a stand-alone advertisement, borrowing its text from `bytes`.
pub fn decode_advertisement(bytes: &[u8]) -> Result<Advertisement<'_>, DecodeError> {
    advertisement_body(expect(bytes, Kind::Advertisement)?)
}

/// Decodes an offer.
pub fn decode_offer(bytes: &[u8]) -> Result<Offer<'_>, DecodeError> {
    offer_body(expect(bytes, Kind::Offer)?)
}

/// Decodes an answer.
pub fn decode_answer(bytes: &[u8]) -> Result<Answer<'_>, DecodeError> {
    answer_body(expect(bytes, Kind::Answer)?)
}

/// Decodes a confirm.
pub fn decode_confirm(bytes: &[u8]) -> Result<Confirm, DecodeError> {
    confirm_body(expect(bytes, Kind::Confirm)?)
}

// ---------------------------------------------------------------------------------------------
// Writing

struct Writer<'o> {
    out: &'o mut Vec<u8>,
}

impl Writer<'_> {
    fn header(&mut self, kind: Kind) -> usize {
        self.out.extend_from_slice(&MAGIC);
        self.out.push(WIRE_VERSION);
        self.out.push(kind as u8);
        let at = self.out.len();
        self.out.extend_from_slice(&[0; 4]);
        at
    }

    fn patch(&mut self, at: usize) {
        let len = (self.out.len() - at - 4) as u32;
        self.out[at..at + 4].copy_from_slice(&len.to_le_bytes());
    }

    fn field(&mut self, tag: u8, body: impl FnOnce(&mut Self)) {
        self.out.push(tag);
        let at = self.out.len();
        self.out.extend_from_slice(&[0; 4]);
        body(self);
        self.patch(at);
    }

    fn str8(&mut self, s: &str) {
        // Callers validate lengths first; the cast cannot truncate.
        self.out.push(s.len() as u8);
        self.out.extend_from_slice(s.as_bytes());
    }
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

fn check_size(out: &[u8], start: usize) -> Result<(), EncodeError> {
    let len = out.len() - start;
    if len > limits::MAX_MESSAGE {
        return Err(EncodeError::TooLarge(len));
    }
    Ok(())
}

fn write_advertisement(w: &mut Writer<'_>, ad: &Advertisement<'_>) {
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
    let mut out = Vec::new();
    encode_advertisement_into(ad, &mut out)?;
    Ok(out)
}

/// The encoding of an offer.
pub fn encode_offer(offer: &Offer<'_>) -> Result<Vec<u8>, EncodeError> {
    offer_bytes(&offer.nonce, &offer.advertisement)
}

/// The encoding of an offer from its parts (no copy of the advertisement).
pub(crate) fn offer_bytes(nonce: &Hash32, ad: &Advertisement<'_>) -> Result<Vec<u8>, EncodeError> {
    ad.validate()?;
    let mut out = Vec::new();
    let mut w = Writer { out: &mut out };
    let at = w.header(Kind::Offer);
    w.field(1, |w| w.out.extend_from_slice(nonce));
    w.field(2, |w| write_advertisement(w, ad));
    w.patch(at);
    check_size(&out, 0)?;
    Ok(out)
}

/// The encoding of an answer.
pub fn encode_answer(answer: &Answer<'_>) -> Result<Vec<u8>, EncodeError> {
    answer_bytes(
        &answer.nonce,
        &answer.offer_hash,
        &answer.advertisement,
        &answer.selection,
    )
}

/// The encoding of an answer from its parts (no copy of the advertisement).
pub(crate) fn answer_bytes(
    nonce: &Hash32,
    offer_hash: &Hash32,
    ad: &Advertisement<'_>,
    sel: &Selection<'_>,
) -> Result<Vec<u8>, EncodeError> {
    ad.validate()?;
    if sel.features.len() > limits::MAX_GROUPS {
        return Err(EncodeError::Selection("too many features"));
    }
    if sel.features.iter().any(|f| f.len() > limits::MAX_STRING) {
        return Err(EncodeError::Selection("feature name too long"));
    }
    if let Some(v) = &sel.version {
        if v.version.to_string().len() > limits::MAX_STRING {
            return Err(EncodeError::Selection("version label too long"));
        }
    }
    let mut out = Vec::new();
    let mut w = Writer { out: &mut out };
    let at = w.header(Kind::Answer);
    w.field(1, |w| w.out.extend_from_slice(nonce));
    w.field(2, |w| w.out.extend_from_slice(offer_hash));
    w.field(3, |w| write_advertisement(w, ad));
    w.field(4, |w| {
        let flags = u8::from(sel.compatible) | (u8::from(sel.version.is_some()) << 1);
        w.out.push(flags);
        if let Some(v) = &sel.version {
            w.str8(&v.version.to_string());
            w.out.extend_from_slice(&v.hash);
        }
        w.out.extend_from_slice(&sel.usable_count.to_le_bytes());
        w.out.extend_from_slice(&sel.usable_digest);
        for f in &sel.features {
            w.str8(f);
        }
    });
    w.patch(at);
    check_size(&out, 0)?;
    Ok(out)
}

/// The encoding of a confirm.
pub fn encode_confirm(confirm: &Confirm) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + 5 + 32);
    let mut w = Writer { out: &mut out };
    let at = w.header(Kind::Confirm);
    w.field(1, |w| w.out.extend_from_slice(&confirm.transcript));
    w.patch(at);
    out
}

impl Message<'_> {
    /// The message's kind.
    pub fn kind(&self) -> Kind {
        match self {
            Message::Advertisement(_) => Kind::Advertisement,
            Message::Offer(_) => Kind::Offer,
            Message::Answer(_) => Kind::Answer,
            Message::Confirm(_) => Kind::Confirm,
        }
    }

    /// The message's encoding.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        match self {
            Message::Advertisement(a) => encode_advertisement(a),
            Message::Offer(o) => encode_offer(o),
            Message::Answer(a) => encode_answer(a),
            Message::Confirm(c) => Ok(encode_confirm(c)),
        }
    }
}
