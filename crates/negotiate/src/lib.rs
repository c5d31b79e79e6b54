//! # isa-negotiate: capability advertisements, version negotiation and a handshake
//!
//! Before two implementations of an instruction set exchange bytecode they must agree on what
//! the bytes mean. The model:
//!
//! * An [`Advertisement`] says who an implementation is, which ISA versions it supports — each
//!   with the content hash that defines it, because a version label alone proves nothing — the
//!   feature groups it claims (named, frozen instruction sets with includes/excludes, see
//!   [`groups`]), the formats it decodes, its register count, and its opcode table as fixed-size
//!   records: opcode number, 8-byte name digest, the real opcode bytes, and a [`Claim`] about
//!   the operands taken from the core's resolve step (operand shape digest, or operand byte
//!   count, or nothing). Digests let the peer compute the usable set exactly without either
//!   side sending its mnemonics; mnemonics may travel alongside for readable reports.
//!   [`build`] refuses a table whose bytecode cannot be decoded ([`BuildError`]).
//! * [`negotiate()`] finds the highest common version (semantic-version order) whose hashes
//!   match, the instructions both implement with the same number, name and opcode bytes and
//!   operands that do not contradict by the core's one comparison rule ([`isa_core::compare`]),
//!   and the feature groups both claim identically and can fully use; everything else becomes
//!   a precise [`Reason`]. [`Agreement::verdict`] gives one instruction's [`Verdict`].
//! * [`handshake`] runs offer → answer → confirm; the confirm carries a hash of the whole
//!   transcript so that an altered offer (a downgrade) is detected by both sides.
//! * [`wire`] is the compact, versioned binary encoding (magic, version, tag-length-value
//!   fields, unknown fields skipped) and its total decoder; `json` (feature `json`) is the
//!   same data as JSON.
//!
//! Trade-offs: the crate does no IO and has no clock or RNG (nonces come from the caller), so
//! it embeds in a VM. The decoder borrows strings from the input buffer and allocates only the
//! decoded message's lists, each bounded by the input's length and by [`model::limits`];
//! [`usable_count`] answers "how many instructions can we share?" without allocating at all.
//! A side that knows nothing of an instruction's operands contradicts nothing: the instruction
//! is usable with its layout unchecked, and such matches are counted and reported rather than
//! silently trusted or silently dropped.

#![deny(missing_docs)]

pub mod groups;
pub mod handshake;
#[cfg(feature = "json")]
pub mod json;
pub mod model;
pub mod negotiate;
#[cfg(feature = "json")]
pub mod read;
pub mod wire;

pub use groups::{category_groups, resolve, GroupDecl, GroupDef, GroupError};
pub use handshake::{transcript_hash, Client, HandshakeError, Server};
/// Opcode bytes, as records carry them (re-exported so that embedders need not name isa-core).
pub use isa_core::OpBytes;
pub use model::{
    build, claim_of_table, name_digest, parse_hash, shape_digest, version_from_text, Advertisement,
    BuildError, BuildNote, BuildOptions, Claim, FeatureGroup, FormatClaim, Instruction,
    InvalidAdvertisement, VersionClaim,
};
pub use negotiate::{negotiate, usable_count, Agreement, Reason, Unusable, Usable, Verdict};
pub use semver::Version;
pub use wire::{
    decode, decode_advertisement, encode_advertisement, DecodeError, DecodeErrorKind, EncodeError,
    Kind, Message,
};
