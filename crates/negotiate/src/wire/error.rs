//! What can go wrong: [`DecodeError`] (a [`DecodeErrorKind`] at a byte offset of the outermost
//! message) for bytes that are not one canonical message, and [`EncodeError`] for values that
//! have no encoding.

use crate::model::{limits, InvalidAdvertisement};

use super::{Kind, WIRE_VERSION};

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
