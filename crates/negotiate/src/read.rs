//! Reading an advertisement whatever its form: the binary wire format (it starts with
//! [`MAGIC`]) or its JSON rendering (possibly behind a UTF-8 byte-order mark), told apart by
//! their first bytes. Every front end (the command line, the Python package, the registry
//! service) reads advertisements through [`read_any`], so they accept the same inputs and
//! word their errors alike.

use crate::model::Advertisement;
use crate::wire::{decode_advertisement, DecodeErrorKind, MAGIC, WIRE_VERSION};

/// Parses the bytes of an advertisement, binary or JSON; `file` names it in the error, which
/// is one line (`file: malformed advertisement: …`, with `file:line:col` for JSON), possibly
/// followed by a `hint:` line. The mnemonic digests are not checked here
/// ([`Advertisement::check_mnemonics`] does).
pub fn read_any(bytes: &[u8], file: &str) -> Result<Advertisement<'static>, String> {
    if bytes.starts_with(&MAGIC) {
        return decode_advertisement(bytes)
            .map(Advertisement::into_owned)
            .map_err(|e| match e.kind {
                DecodeErrorKind::UnsupportedVersion(v) if v < WIRE_VERSION => format!(
                    "{file}: malformed advertisement: {e}\nhint: it was written by an older `isa-authority advertise`; run `advertise` again on the table"
                ),
                _ => format!("{file}: malformed advertisement: {e}"),
            });
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text_like = body
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{');
    if text_like {
        let text = std::str::from_utf8(body).map_err(|e| {
            format!(
                "{file}: malformed advertisement: byte {}: not UTF-8",
                e.valid_up_to()
            )
        })?;
        return crate::json::advertisement_from_json(text).map_err(|e| {
            if e.line > 0 {
                format!(
                    "{file}:{}:{}: malformed advertisement: {}",
                    e.line, e.column, e.message
                )
            } else {
                format!("{file}: malformed advertisement: {}", e.message)
            }
        });
    }
    // Neither: let the binary decoder say what is wrong with the first bytes.
    decode_advertisement(bytes)
        .map(Advertisement::into_owned)
        .map_err(|e| format!("{file}: malformed advertisement: {e}\nhint: expected a file written by `isa-authority advertise` (binary, or --format json)"))
}
