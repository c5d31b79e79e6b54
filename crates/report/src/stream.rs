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

/// A pretty-JSON writer for documents too large for serde's serializer to be quick on (a
/// `check` report of 1,000 tables is 176 MB): the caller writes the structure with
/// [`Pretty::key`], [`Pretty::open`] and friends, and the bytes are those of serde_json's
/// `PrettyFormatter` (two-space indent, `"key": value`, `[]` and `{}` when empty). Every value
/// is appended to one buffer, handed to the C1 escaper in blocks, so a string is one scan and
/// one copy where serde_json's pretty printer made a call per indent, key and colon.
pub struct Pretty<W: Write> {
    buf: Vec<u8>,
    out: EscapeC1<W>,
    /// Per open container: whether it has a member yet (decides the `,` and the closing line).
    open: Vec<bool>,
}

/// How full the buffer gets before it is handed on.
const BLOCK: usize = 1 << 16;

impl<W: Write> Pretty<W> {
    /// A writer to `out` (DEL and C1 controls escaped as [`crate::pretty_json`] does).
    pub fn new(out: W) -> Pretty<W> {
        Pretty {
            buf: Vec::with_capacity(BLOCK + 4096),
            out: EscapeC1 {
                inner: out,
                pending_c2: false,
            },
            open: Vec::new(),
        }
    }

    fn newline_indent(&mut self) {
        // One copy from a line of spaces rather than a push per level.
        const SPACES: &[u8; 64] =
            b"                                                                ";
        self.buf.push(b'\n');
        let mut width = 2 * self.open.len();
        while width > 0 {
            let n = width.min(SPACES.len());
            put(&mut self.buf, &SPACES[..n]);
            width -= n;
        }
    }

    /// Starts a member of the innermost container: the separator and indent before it.
    fn member(&mut self) {
        if let Some(has) = self.open.last_mut() {
            if std::mem::replace(has, true) {
                self.buf.push(b',');
            }
            self.newline_indent();
        }
    }

    /// Starts an object member: `"key": `, after which exactly one value follows.
    pub fn key(&mut self, key: &str) {
        self.member();
        escape_str(&mut self.buf, key);
        self.buf.extend_from_slice(b": ");
    }

    /// Starts an object member whose key is a literal that needs no escape, given already
    /// quoted and followed by `": "` (write it with [`key!`]): one copy of a length known at
    /// compile time. [`Pretty::key`] tests and copies each key as a string of unknown length,
    /// and a large report writes ten keys per entry.
    pub fn key_quoted(&mut self, quoted: &'static str) {
        debug_assert!(
            quoted.len() >= 4
                && quoted.starts_with('"')
                && quoted.ends_with("\": ")
                && !needs_escape(&quoted.as_bytes()[1..quoted.len() - 3]),
            "{quoted:?} is not a quoted plain key"
        );
        self.member();
        put(&mut self.buf, quoted.as_bytes());
    }

    /// An array element's position: call before writing a value inside an array.
    pub fn element(&mut self) {
        self.member();
    }

    /// An array element whose bytes begin with the line break and indent [`Pretty::element`]
    /// writes ([`Pretty::line_start`]): the `,` before it, then `bytes`, which must make one
    /// complete value after that line start.
    pub fn element_with_line(&mut self, bytes: &[u8]) {
        debug_assert!(bytes.starts_with(&self.line_start(0)));
        if let Some(has) = self.open.last_mut() {
            if std::mem::replace(has, true) {
                self.buf.push(b',');
            }
        }
        put(&mut self.buf, bytes);
    }

    /// The line break and indent `levels` below the current depth.
    pub fn line_start(&self, levels: usize) -> Vec<u8> {
        let mut out = vec![b'\n'];
        out.resize(1 + 2 * (self.open.len() + levels), b' ');
        out
    }

    /// Opens an object (`{`) or array (`[`) as the value at the current position.
    pub fn open(&mut self, bracket: u8) {
        self.buf.push(bracket);
        self.open.push(false);
    }

    /// Closes the innermost container with `}` or `]`.
    pub fn close(&mut self, bracket: u8) -> io::Result<()> {
        if self.open.pop() == Some(true) {
            self.newline_indent();
        }
        self.buf.push(bracket);
        self.spill()
    }

    /// The number of open containers.
    pub fn depth(&self) -> usize {
        self.open.len()
    }

    /// The buffer values are appended to, for writers of fragments laid out with
    /// [`Pretty::member_prefix`] (call [`Pretty::spill`] after the value).
    pub(crate) fn buf(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }

    /// A string value.
    pub fn str(&mut self, s: &str) {
        escape_str(&mut self.buf, s);
    }

    /// A string or `null`.
    pub fn opt_str(&mut self, s: Option<&str>) {
        opt_str(&mut self.buf, s);
    }

    /// An unsigned number.
    pub fn uint(&mut self, n: u64) {
        put(&mut self.buf, itoa::Buffer::new().format(n).as_bytes());
    }

    /// A number or `null`.
    pub fn opt_uint(&mut self, n: Option<u64>) {
        match n {
            Some(n) => self.uint(n),
            None => self.buf.extend_from_slice(b"null"),
        }
    }

    /// A value serialised by serde_json's pretty printer at the current depth (for the small
    /// parts of a document, such as a summary).
    pub fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> io::Result<()> {
        let text = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
        // JSON text has no raw newline inside a string, so every newline is a line break,
        // and each line after the first is indented to this depth.
        let mut lines = text.split(|&b| b == b'\n');
        if let Some(first) = lines.next() {
            self.buf.extend_from_slice(first);
        }
        for line in lines {
            self.newline_indent();
            self.buf.extend_from_slice(line);
        }
        self.spill()
    }

    /// The bytes that start a member `levels` below the current depth: `,` (unless `first`),
    /// a newline and the indent, then `"key": ` — for a writer that lays out many objects of
    /// one shape at one depth from such fragments ([`Pretty::raw`]) instead of a call per key.
    pub fn member_prefix(&self, levels: usize, first: bool, key: &str) -> Vec<u8> {
        let mut out = Vec::new();
        if !first {
            out.push(b',');
        }
        out.push(b'\n');
        out.resize(out.len() + 2 * (self.open.len() + levels), b' ');
        escape_str(&mut out, key);
        out.extend_from_slice(b": ");
        out
    }

    /// The newline and indent `levels` below the current depth, then `bracket`: the end of a
    /// container laid out with [`Pretty::member_prefix`].
    pub fn close_suffix(&self, levels: usize, bracket: u8) -> Vec<u8> {
        let mut out = self.line_start(levels);
        out.push(bracket);
        out
    }

    /// Appends bytes as written: fragments from [`Pretty::member_prefix`] and
    /// [`Pretty::close_suffix`] between values, which together must make one complete value
    /// at the current position (the writer keeps no state for what they open and close).
    pub fn raw(&mut self, bytes: &[u8]) {
        put(&mut self.buf, bytes);
    }

    /// Hands a full buffer on: call after a value written with [`Pretty::raw`].
    pub fn spill(&mut self) -> io::Result<()> {
        if self.buf.len() >= BLOCK {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Writes the rest and the trailing newline, and flushes.
    pub fn finish(mut self) -> io::Result<()> {
        debug_assert!(self.open.is_empty(), "every container is closed");
        self.buf.push(b'\n');
        self.out.write_all(&self.buf)?;
        self.out.finish()
    }
}

/// Appends `bytes` to `buf`. A large report is tens of millions of short pieces (indents, keys,
/// names, numbers), and `extend_from_slice` of a length unknown at compile time is a call to
/// `memcpy` each. Up to 32 bytes are copied here inline instead, as two overlapping moves of a
/// fixed width (the way `memcpy` itself copies short lengths), longer ones by
/// `extend_from_slice`: `check --format json` at 1,000 x 256 took 3-4 % less CPU (median of 25
/// alternated runs, 0.238 -> 0.230 s).
#[inline(always)]
fn put(buf: &mut Vec<u8>, bytes: &[u8]) {
    let n = bytes.len();
    if n > 32 {
        buf.extend_from_slice(bytes);
        return;
    }
    buf.reserve(32);
    let len = buf.len();
    let src = bytes.as_ptr();
    // SAFETY: `reserve` made room for 32 bytes after `len`, and every write below stays within
    // `len..len + n` (n <= 32); every read stays within `bytes`; `bytes` cannot alias `buf`'s
    // spare capacity (it is borrowed while `buf` is borrowed mutably). The first `n` spare
    // bytes are all written before `set_len` covers them.
    unsafe {
        let dst = buf.as_mut_ptr().add(len);
        if n >= 16 {
            std::ptr::copy_nonoverlapping(src, dst, 16);
            std::ptr::copy_nonoverlapping(src.add(n - 16), dst.add(n - 16), 16);
        } else if n >= 8 {
            std::ptr::copy_nonoverlapping(src, dst, 8);
            std::ptr::copy_nonoverlapping(src.add(n - 8), dst.add(n - 8), 8);
        } else if n >= 4 {
            std::ptr::copy_nonoverlapping(src, dst, 4);
            std::ptr::copy_nonoverlapping(src.add(n - 4), dst.add(n - 4), 4);
        } else if n > 0 {
            *dst = *src;
            *dst.add(n / 2) = *src.add(n / 2);
            *dst.add(n - 1) = *src.add(n - 1);
        }
        buf.set_len(len + n);
    }
}

/// `key!(w, "name")`: [`Pretty::key_quoted`] with the key quoted at compile time; the same
/// bytes as `w.key("name")`.
macro_rules! key {
    ($w:expr, $key:literal) => {
        $w.key_quoted(concat!("\"", $key, "\": "))
    };
}
pub(crate) use key;

/// Whether any byte of `bytes` is a C0 control, `"` or `\\` ([`isa_io::value::json_special`]).
fn needs_escape(bytes: &[u8]) -> bool {
    isa_io::value::json_special(bytes).is_some()
}

/// Appends `s` as a JSON string ([`escape_str`]) or `null`.
pub(crate) fn opt_str(buf: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => escape_str(buf, s),
        None => buf.extend_from_slice(b"null"),
    }
}

/// Appends `s` as a JSON string, escaped exactly as serde_json escapes it: `\"`, `\\`, the
/// short forms `\b \t \n \f \r`, and `\u00xx` (lowercase hex) for the other C0 controls.
pub(crate) fn escape_str(buf: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    // Nearly every string needs no escape: tested eight bytes at a time, then one copy,
    // instead of a branch per byte.
    if !needs_escape(bytes) {
        buf.reserve(bytes.len() + 2);
        buf.push(b'"');
        put(buf, bytes);
        buf.push(b'"');
        return;
    }
    buf.push(b'"');
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            0x09 => b't',
            0x0A => b'n',
            0x0C => b'f',
            0x0D => b'r',
            0x00..=0x1F => b'u',
            _ => continue,
        };
        buf.extend_from_slice(&bytes[start..i]);
        buf.push(b'\\');
        buf.push(short);
        if short == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            buf.extend_from_slice(&[
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xF)],
            ]);
        }
        start = i + 1;
    }
    buf.extend_from_slice(&bytes[start..]);
    buf.push(b'"');
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

    /// The hand-driven writer gives serde_json's bytes for the same structure: nesting, empty
    /// containers, nulls, numbers and every character class of the escaper.
    #[test]
    fn the_hand_driven_writer_is_serde_json_pretty() {
        let strings = [
            "",
            "plain",
            "q\"b\\s/",
            "\u{0}\u{1}\u{8}\t\n\u{b}\u{c}\r\u{1f} ",
            "x\u{9b}y\u{7f}z\u{1b}",
            "ü\u{80}\u{9f}\u{a0}€𝄞",
        ];
        let expected = json!({
            "strings": strings,
            "empty": [],
            "nested": [{"n": 0, "m": null, "o": {}}, {"big": u64::MAX, "s": null}],
            "summary": {"a": [1, 2], "b": {"c": true}},
        });
        let mut out = Vec::new();
        let mut w = Pretty::new(&mut out);
        w.open(b'{');
        w.key("strings");
        w.open(b'[');
        for s in strings {
            w.element();
            w.str(s);
        }
        w.close(b']').unwrap();
        w.key("empty");
        w.open(b'[');
        w.close(b']').unwrap();
        w.key("nested");
        w.open(b'[');
        w.element();
        w.open(b'{');
        w.key("n");
        w.opt_uint(Some(0));
        w.key("m");
        w.opt_str(None);
        w.key("o");
        w.open(b'{');
        w.close(b'}').unwrap();
        w.close(b'}').unwrap();
        w.element();
        w.open(b'{');
        w.key("big");
        w.uint(u64::MAX);
        w.key("s");
        w.opt_uint(None);
        w.close(b'}').unwrap();
        w.close(b']').unwrap();
        w.key("summary");
        w.value(&json!({"a": [1, 2], "b": {"c": true}})).unwrap();
        w.close(b'}').unwrap();
        w.finish().unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            crate::pretty_json(&expected)
        );
    }

    /// The inline copy appends exactly the bytes at every length and every starting fill,
    /// whether or not the buffer has to grow first.
    #[test]
    fn the_inline_copy_appends_exactly_the_bytes() {
        let source: Vec<u8> = (0..40u8)
            .map(|b| b.wrapping_mul(37).wrapping_add(1))
            .collect();
        for before in [0usize, 1, 7, 31, 33] {
            for n in 0..=source.len() {
                for capacity in [0, before + n, before + 64] {
                    let mut buf = Vec::with_capacity(capacity);
                    buf.extend(std::iter::repeat_n(0xEE, before));
                    put(&mut buf, &source[..n]);
                    let mut expected = vec![0xEE; before];
                    expected.extend_from_slice(&source[..n]);
                    assert_eq!(buf, expected, "{n} bytes after {before}");
                }
            }
        }
    }

    #[test]
    fn the_word_test_finds_every_special_byte_at_every_position() {
        for len in 0..20 {
            for at in 0..len {
                for b in 0u8..=0xFF {
                    let mut s = vec![b'x'; len];
                    s[at] = b;
                    let expected = b < 0x20 || b == b'"' || b == b'\\';
                    assert_eq!(needs_escape(&s), expected, "byte {b:#x} at {at} of {len}");
                }
            }
            assert!(
                !needs_escape(&vec![0xC3; len]),
                "no false positive on high bytes"
            );
        }
    }

    #[test]
    fn every_character_escapes_as_serde_json_escapes_it() {
        for c in (0u32..0x3000)
            .chain([0xFEFF, 0x1F600])
            .filter_map(char::from_u32)
        {
            let s = format!("a{c}b");
            let mut buf = Vec::new();
            escape_str(&mut buf, &s);
            assert_eq!(
                buf,
                serde_json::to_vec(&s).unwrap(),
                "U+{:04X}",
                u32::from(c)
            );
        }
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
