//! JSON written as it is produced, byte-identical to [`crate::pretty_json`] of the same
//! document: serde_json's pretty printer over any [`Serialize`] (so a report is serialised
//! straight from the model, without first building a `serde_json::Value` tree of it — for a
//! large `check` report that tree was half the run time and most of the memory), through a
//! writer that escapes DEL and the C1 controls as [`crate::pretty_json`] does.

use std::io::{self, Write};

use serde::Serialize;

/// Writes `value` as pretty JSON with a trailing newline, DEL and C1 controls escaped: the
/// bytes `pretty_json(&serde_json::to_value(value))` would give.
pub fn write_pretty<W: Write, T: Serialize + ?Sized>(out: W, value: &T) -> io::Result<()> {
    let escaped = EscapeC1 {
        inner: out,
        pending_c2: false,
    };
    // serde_json writes a few bytes at a time (a brace, an indent, a key); the buffer in front
    // of the escaper hands it 64 KiB blocks, which it scans with memchr and passes on whole.
    let mut buffered = io::BufWriter::with_capacity(1 << 16, escaped);
    let mut serializer = serde_json::Serializer::pretty(&mut buffered);
    value.serialize(&mut serializer).map_err(io::Error::other)?;
    buffered.write_all(b"\n")?;
    buffered
        .into_inner()
        .map_err(io::IntoInnerError::into_error)?
        .finish()
}

/// The pretty JSON of `value` as a string (see [`write_pretty`]).
pub fn to_pretty_string<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::new();
    write_pretty(&mut out, value).expect("writing to memory does not fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Replaces U+007F (`7F`) and U+0080–U+009F (`C2 80`–`C2 9F` in UTF-8) by `\u00XX`. serde_json
/// writes such characters raw, and only inside strings, where the escape means the same.
struct EscapeC1<W: Write> {
    inner: W,
    /// The last byte written was a `C2` that was held back: whether it starts a C1 control
    /// depends on the next byte.
    pending_c2: bool,
}

impl<W: Write> EscapeC1<W> {
    fn finish(mut self) -> io::Result<()> {
        if self.pending_c2 {
            self.inner.write_all(&[0xC2])?;
        }
        self.inner.flush()
    }
}

impl<W: Write> Write for EscapeC1<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut start = 0;
        let mut i = 0;
        if self.pending_c2 {
            self.pending_c2 = false;
            match buf.first() {
                Some(&b @ 0x80..=0x9F) => {
                    write!(self.inner, "\\u{:04x}", u32::from(b))?;
                    start = 1;
                    i = 1;
                }
                Some(_) => self.inner.write_all(&[0xC2])?,
                None => {
                    self.pending_c2 = true;
                    return Ok(0);
                }
            }
        }
        while i < buf.len() {
            // Nothing to do between the bytes that can start a control.
            match memchr::memchr2(0x7F, 0xC2, &buf[i..]) {
                Some(at) => i += at,
                None => break,
            }
            match buf[i] {
                0x7F => {
                    self.inner.write_all(&buf[start..i])?;
                    self.inner.write_all(b"\\u007f")?;
                    i += 1;
                    start = i;
                }
                0xC2 if i + 1 == buf.len() => {
                    self.inner.write_all(&buf[start..i])?;
                    self.pending_c2 = true;
                    return Ok(buf.len());
                }
                0xC2 if (0x80..=0x9F).contains(&buf[i + 1]) => {
                    self.inner.write_all(&buf[start..i])?;
                    write!(self.inner, "\\u{:04x}", u32::from(buf[i + 1]))?;
                    i += 2;
                    start = i;
                }
                _ => i += 1,
            }
        }
        self.inner.write_all(&buf[start..])?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_same_bytes_as_pretty_json() {
        let v = json!({
            "a": [1, {"b": "x\u{9b}y\u{7f}z\u{1b}", "c": []}, {}],
            "é": "ü\u{80}\u{9f}\u{a0}",
            "n": null,
        });
        assert_eq!(to_pretty_string(&v), crate::pretty_json(&v));
    }

    #[test]
    fn a_c1_control_split_across_writes_is_escaped() {
        let mut out = Vec::new();
        let mut w = EscapeC1 {
            inner: &mut out,
            pending_c2: false,
        };
        w.write_all(b"a\xC2").unwrap();
        w.write_all(b"\x9Bb\xC2").unwrap();
        w.write_all(b"\xA9").unwrap();
        w.finish().unwrap();
        assert_eq!(out, b"a\\u009bb\xC2\xA9");
    }
}
