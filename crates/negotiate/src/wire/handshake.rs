//! The three handshake messages on the wire — offer, answer (with the server's selection) and
//! confirm — as types, decoders and encoders. The protocol that exchanges them, and the
//! transcript hash the confirm carries, are in [`crate::handshake`].

use std::borrow::Cow;

use crate::model::{limits, Advertisement, Hash32, VersionClaim};

use super::advertisement::{nested_advertisement, write_advertisement};
use super::primitive::{
    bounded_push, check_size, expect, once, version_label, DResult, Reader, Writer,
};
use super::{DecodeError, DecodeErrorKind, EncodeError, Kind, HEADER_LEN};

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

pub(super) fn offer_body<'a>(mut body: Reader<'a>) -> DResult<Offer<'a>> {
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

pub(super) fn selection<'a>(f: &mut Reader<'a>) -> DResult<Selection<'a>> {
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

pub(super) fn answer_body<'a>(mut body: Reader<'a>) -> DResult<Answer<'a>> {
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

pub(super) fn confirm_body(mut body: Reader<'_>) -> DResult<Confirm> {
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
