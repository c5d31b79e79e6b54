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
//! A record's claim ([`Claim`](crate::model::Claim)) is 0 unknown (operand bytes and shape
//! digest zero), 1 size only (shape digest zero), 2 full layout, 3 full layout followed by a
//! payload. Anything else — an opcode-byte count outside 1–4, non-zero bytes where zero is
//! required, an undefined claim — is rejected, so every advertisement has exactly one encoding.
//!
//! Wire version 2 replaced version 1's record (opcode, total size, name digest, digest of the
//! whole layout's shape key) when the claim came to follow the core's comparison rule; an old
//! decoder rejects version-2 messages by number, and this one rejects version-1 messages.
//!
//! Totality: every read is bounds-checked through one `Reader` with checked arithmetic, every
//! count is implied by a length already known to fit in the input (so no allocation exceeds the
//! input's size), nesting is one level deep, and every loop consumes input. The decoder
//! borrows strings from the buffer.
//!
//! The module is split by layer: `error` holds the decoding and encoding errors; `primitive`
//! the bounds-checked `Reader` and the `Writer` with the header and
//! field framing every message shares; `advertisement` the instruction record and the
//! advertisement body, read and written side by side so that the one canonical encoding is
//! checked in one place; `handshake` the offer, answer and confirm messages (the protocol that
//! exchanges them is [`crate::handshake`]). This file holds the message kinds, [`Message`] and
//! [`decode`], which dispatch over all of them.

use std::fmt;

use crate::model::Advertisement;

mod advertisement;
mod error;
mod handshake;
mod primitive;

pub use advertisement::{decode_advertisement, encode_advertisement, encode_advertisement_into};
pub use error::{DecodeError, DecodeErrorKind, EncodeError};
pub(crate) use handshake::{answer_bytes, offer_bytes};
pub use handshake::{
    decode_answer, decode_confirm, decode_offer, encode_answer, encode_confirm, encode_offer,
    Answer, Confirm, Offer, Selection,
};

use advertisement::advertisement_body;
use handshake::{answer_body, confirm_body, offer_body};
use primitive::open;

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
