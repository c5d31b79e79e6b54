//! The three-message handshake: offer, answer, confirm.
//!
//! ```text
//! client                                             server
//!   offer  = {nonce_c, ad_c}                 ──▶
//!                                            ◀──     answer = {nonce_s, H(offer), ad_s, selection}
//!   confirm = {H(transcript)}                ──▶
//! ```
//!
//! The server negotiates from the offer *as it received it* and answers with the hash of those
//! bytes and its selection. The client checks that hash against the offer it sent (a tampered
//! offer is detected here), recomputes the negotiation from its own advertisement and the
//! server's, and checks the selection (a tampered answer, e.g. a forced lower version, is
//! detected here). It then sends the SHA-256 of the whole transcript as it saw it; the server
//! compares it with its own view (a tampered offer or answer is detected on this side too).
//!
//! What this does not do: it authenticates nothing. An attacker who rewrites *every* message
//! consistently — offer, answer hash and confirm — is a full man in the middle; defeating one
//! needs keys (a MAC over the transcript with a shared key, or signatures), which a transport
//! such as TLS provides and this crate deliberately leaves to it. The transcript hash makes
//! in-path edits that do not also forge both later messages visible to both ends.
//!
//! No IO and no randomness: nonces are supplied by the caller, bytes are handed back to it.

use sha2::{Digest, Sha256};

use crate::model::{Advertisement, Hash32};
use crate::negotiate::{negotiate, Agreement};
use crate::wire::{
    answer_bytes, decode_answer, decode_confirm, decode_offer, encode_confirm, offer_bytes,
    Confirm, DecodeError, EncodeError, Selection,
};

/// Why a handshake failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeError {
    /// A message could not be decoded.
    #[error("cannot decode the {step}: {error}")]
    Decode {
        /// `offer`, `answer` or `confirm`.
        step: &'static str,
        /// The decoder's error.
        error: DecodeError,
    },
    /// A message could not be encoded.
    #[error("cannot encode the {step}: {error}")]
    Encode {
        /// Which message.
        step: &'static str,
        /// The encoder's error.
        error: EncodeError,
    },
    /// The server received a different offer from the one the client sent.
    #[error("the offer was altered in transit: the server saw an offer with hash {received}, the client sent {sent}")]
    OfferAltered {
        /// Hash of the offer sent (hex).
        sent: String,
        /// Hash the server reports (hex).
        received: String,
    },
    /// The server's selection is not what negotiation of the two advertisements gives.
    #[error("the answer's selection does not follow from the advertisements ({field} differs): possible downgrade")]
    SelectionMismatch {
        /// The first field that differs.
        field: &'static str,
    },
    /// The client's transcript differs from the server's.
    #[error("transcript hashes differ: the offer or the answer was altered in transit")]
    TranscriptMismatch,
}

/// The transcript hash: SHA-256 over a domain tag, SHA-256(offer bytes) and SHA-256(answer
/// bytes). Hashing the two message hashes (fixed length, so unambiguous) rather than the
/// messages lets each side hash every message exactly once: the offer hash is also what the
/// answer carries.
pub fn transcript_hash(offer: &[u8], answer: &[u8]) -> Hash32 {
    transcript_of(&sha256(offer), &sha256(answer))
}

fn transcript_of(offer_hash: &Hash32, answer_hash: &Hash32) -> Hash32 {
    let mut h = Sha256::new();
    h.update(b"isa-negotiate/transcript/v1\0");
    h.update(offer_hash);
    h.update(answer_hash);
    h.finalize().into()
}

fn sha256(bytes: &[u8]) -> Hash32 {
    Sha256::digest(bytes).into()
}

/// A client that has sent its offer and waits for the answer.
#[derive(Debug, Clone)]
pub struct Client<'c> {
    ad: &'c Advertisement<'c>,
    offer: Vec<u8>,
    offer_hash: Hash32,
}

impl<'c> Client<'c> {
    /// Starts a handshake: encodes the offer (read it with [`Client::offer`] and send it).
    pub fn start(ad: &'c Advertisement<'c>, nonce: Hash32) -> Result<Client<'c>, HandshakeError> {
        let offer = offer_bytes(&nonce, ad).map_err(|error| HandshakeError::Encode {
            step: "offer",
            error,
        })?;
        let offer_hash = sha256(&offer);
        Ok(Client {
            ad,
            offer,
            offer_hash,
        })
    }

    /// The offer bytes to send.
    pub fn offer(&self) -> &[u8] {
        &self.offer
    }

    /// Checks the server's answer and produces the agreement and the confirm bytes to send.
    pub fn finish(self, answer_bytes: &[u8]) -> Result<(Agreement, Vec<u8>), HandshakeError> {
        let answer = decode_answer(answer_bytes).map_err(|error| HandshakeError::Decode {
            step: "answer",
            error,
        })?;
        let sent = self.offer_hash;
        if answer.offer_hash != sent {
            return Err(HandshakeError::OfferAltered {
                sent: isa_core::hash::hex(&sent),
                received: isa_core::hash::hex(&answer.offer_hash),
            });
        }
        let agreement = negotiate(self.ad, &answer.advertisement);
        compare(&agreement.selection(), &answer.selection)?;
        let confirm = encode_confirm(&Confirm {
            transcript: transcript_of(&self.offer_hash, &sha256(answer_bytes)),
        });
        Ok((agreement, confirm))
    }
}

fn compare(expected: &Selection<'_>, got: &Selection<'_>) -> Result<(), HandshakeError> {
    let field = if expected.version != got.version {
        "version"
    } else if expected.compatible != got.compatible {
        "compatible"
    } else if expected.features != got.features {
        "features"
    } else if expected.usable_count != got.usable_count
        || expected.usable_digest != got.usable_digest
    {
        "usable instructions"
    } else {
        return Ok(());
    };
    Err(HandshakeError::SelectionMismatch { field })
}

/// A server that has answered and waits for the confirm.
#[derive(Debug, Clone)]
pub struct Server {
    agreement: Agreement,
    expected: Hash32,
}

impl Server {
    /// Answers an offer: negotiates from the offer as received and returns the pending server
    /// and the answer bytes to send.
    pub fn answer(
        ad: &Advertisement<'_>,
        nonce: Hash32,
        offer_bytes: &[u8],
    ) -> Result<(Server, Vec<u8>), HandshakeError> {
        let offer = decode_offer(offer_bytes).map_err(|error| HandshakeError::Decode {
            step: "offer",
            error,
        })?;
        let agreement = negotiate(&offer.advertisement, ad);
        let offer_hash = sha256(offer_bytes);
        let answer =
            answer_bytes(&nonce, &offer_hash, ad, &agreement.selection()).map_err(|error| {
                HandshakeError::Encode {
                    step: "answer",
                    error,
                }
            })?;
        let expected = transcript_of(&offer_hash, &sha256(&answer));
        Ok((
            Server {
                agreement,
                expected,
            },
            answer,
        ))
    }

    /// The agreement, before confirmation (not yet safe to act on).
    pub fn pending(&self) -> &Agreement {
        &self.agreement
    }

    /// Checks the client's confirm; on success the agreement is final.
    pub fn confirm(self, confirm_bytes: &[u8]) -> Result<Agreement, HandshakeError> {
        let confirm = decode_confirm(confirm_bytes).map_err(|error| HandshakeError::Decode {
            step: "confirm",
            error,
        })?;
        if confirm.transcript != self.expected {
            return Err(HandshakeError::TranscriptMismatch);
        }
        Ok(self.agreement)
    }
}
