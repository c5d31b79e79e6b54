//! The primitives every message is built from: the one bounds-checked [`Reader`] (fixed-width
//! little-endian integers, hashes, length-prefixed UTF-8, tag-length-value fields), the message
//! header check ([`open`], [`expect`]), the single-value and bounded-list guards of field
//! decoding, and the [`Writer`] that emits headers and fields with their lengths patched in.

use semver::Version;

use crate::model::{limits, Hash32};

use super::{DecodeError, DecodeErrorKind, EncodeError, Kind, HEADER_LEN, MAGIC, WIRE_VERSION};

// ---------------------------------------------------------------------------------------------
// Reading

pub(super) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Offset of `buf[0]` in the outermost message, for error positions.
    base: usize,
}

pub(super) type DResult<T> = Result<T, DecodeError>;

impl<'a> Reader<'a> {
    pub(super) fn new(buf: &'a [u8], base: usize) -> Reader<'a> {
        Reader { buf, pos: 0, base }
    }

    pub(super) fn offset(&self) -> usize {
        self.base.saturating_add(self.pos)
    }

    pub(super) fn err(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError {
            offset: self.offset(),
            kind,
        }
    }

    pub(super) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub(super) fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    pub(super) fn take(&mut self, n: usize, what: &'static str) -> DResult<&'a [u8]> {
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

    pub(super) fn u8(&mut self, what: &'static str) -> DResult<u8> {
        Ok(self.take(1, what)?[0])
    }

    pub(super) fn u16(&mut self, what: &'static str) -> DResult<u16> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    pub(super) fn u32(&mut self, what: &'static str) -> DResult<u32> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(super) fn hash(&mut self, what: &'static str) -> DResult<Hash32> {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.take(32, what)?);
        Ok(out)
    }

    pub(super) fn utf8(&self, bytes: &'a [u8], at: usize, what: &'static str) -> DResult<&'a str> {
        std::str::from_utf8(bytes).map_err(|_| DecodeError {
            offset: self.base.saturating_add(at),
            kind: DecodeErrorKind::BadUtf8(what),
        })
    }

    pub(super) fn str8(&mut self, what: &'static str) -> DResult<&'a str> {
        let len = usize::from(self.u8(what)?);
        let at = self.pos;
        let bytes = self.take(len, what)?;
        self.utf8(bytes, at, what)
    }

    /// Reads one field: (tag, reader over its payload).
    pub(super) fn field(&mut self) -> DResult<(u8, Reader<'a>)> {
        let tag = self.u8("field tag")?;
        let len = self.u32("field length")? as usize;
        let base = self.offset();
        let payload = self.take(len, "field payload")?;
        Ok((tag, Reader::new(payload, base)))
    }

    pub(super) fn end(&self, what: &'static str) -> DResult<()> {
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

pub(super) fn version_label(r: &mut Reader<'_>) -> DResult<Version> {
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
pub(super) fn open(bytes: &[u8], base: usize) -> DResult<(Kind, Reader<'_>)> {
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

pub(super) fn once<T>(
    slot: &mut Option<T>,
    value: T,
    what: &'static str,
    at: usize,
) -> DResult<()> {
    if slot.is_some() {
        return Err(DecodeError {
            offset: at,
            kind: DecodeErrorKind::Duplicate(what),
        });
    }
    *slot = Some(value);
    Ok(())
}

pub(super) fn bounded_push<T>(
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

pub(super) fn expect(bytes: &[u8], expected: Kind) -> Result<Reader<'_>, DecodeError> {
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

// ---------------------------------------------------------------------------------------------
// Writing

pub(super) struct Writer<'o> {
    pub(super) out: &'o mut Vec<u8>,
}

impl Writer<'_> {
    pub(super) fn header(&mut self, kind: Kind) -> usize {
        self.out.extend_from_slice(&MAGIC);
        self.out.push(WIRE_VERSION);
        self.out.push(kind as u8);
        let at = self.out.len();
        self.out.extend_from_slice(&[0; 4]);
        at
    }

    pub(super) fn patch(&mut self, at: usize) {
        let len = (self.out.len() - at - 4) as u32;
        self.out[at..at + 4].copy_from_slice(&len.to_le_bytes());
    }

    pub(super) fn field(&mut self, tag: u8, body: impl FnOnce(&mut Self)) {
        self.out.push(tag);
        let at = self.out.len();
        self.out.extend_from_slice(&[0; 4]);
        body(self);
        self.patch(at);
    }

    pub(super) fn str8(&mut self, s: &str) {
        // Callers validate lengths first; the cast cannot truncate.
        self.out.push(s.len() as u8);
        self.out.extend_from_slice(s.as_bytes());
    }
}

pub(super) fn check_size(out: &[u8], start: usize) -> Result<(), EncodeError> {
    let len = out.len() - start;
    if len > limits::MAX_MESSAGE {
        return Err(EncodeError::TooLarge(len));
    }
    Ok(())
}
