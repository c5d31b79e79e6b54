//! Maintainer keys: ed25519 key pairs in small, documented text files.
//!
//! A secret key file (`NAME.key`, mode 0600) and a public key file (`NAME.pub`, mode 0644) are
//! lines of `field: value`, with `#` comments and blank lines ignored:
//!
//! ```text
//! # isa-authority maintainer key. Keep it secret.
//! format: isa-authority-key/v1
//! name: alice
//! algorithm: ed25519
//! secret: <64 lower-case hex digits: the 32-byte ed25519 seed>
//! ```
//!
//! ```text
//! format: isa-authority-public-key/v1
//! name: alice
//! algorithm: ed25519
//! public: <64 lower-case hex digits: the 32-byte ed25519 public key>
//! ```
//!
//! Text rather than PEM/PKCS#8 because these files are read by people in pull requests; the
//! format line makes a future algorithm an additive change. Parsing is strict (unknown fields,
//! duplicates and malformed hex are errors naming the line), so a damaged key never silently
//! becomes another key.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::error::HistoryError;

const SECRET_FORMAT: &str = "isa-authority-key/v1";
const PUBLIC_FORMAT: &str = "isa-authority-public-key/v1";
const ALGORITHM: &str = "ed25519";

/// The domain-separation prefix of every approval signature: a signature made for this purpose
/// can never be replayed as a signature over some other kind of message.
const APPROVAL_CONTEXT: &[u8] = b"isa-authority/approval/v1\0";

/// True when `name` is a valid maintainer name: 1–64 ASCII letters, digits, `_` or `-`, not
/// starting with `-`. Names become file names in the store, so they are kept boring.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A maintainer's public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    /// The name written in the key file.
    pub name: String,
    /// The ed25519 key.
    pub key: VerifyingKey,
}

impl PublicKey {
    /// Lower-case hex of the 32 key bytes (how the store writes keys).
    pub fn to_hex(&self) -> String {
        hex::encode(self.key.as_bytes())
    }

    /// The public key file text.
    pub fn to_file_text(&self) -> String {
        format!(
            "# isa-authority maintainer public key. Give it to whoever runs `isa-authority init`.\n\
             format: {PUBLIC_FORMAT}\nname: {}\nalgorithm: {ALGORITHM}\npublic: {}\n",
            self.name,
            self.to_hex()
        )
    }

    /// Parses a public key file; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<PublicKey, HistoryError> {
        let fields = parse_fields(file, text, PUBLIC_FORMAT, "public")?;
        let bytes = fields.hex32(file, "public")?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| {
            HistoryError::key(
                file,
                fields.line_of("public"),
                "not a valid ed25519 public key",
            )
        })?;
        Ok(PublicKey {
            name: fields.name,
            key,
        })
    }
}

/// A maintainer's key pair.
#[derive(Clone)]
pub struct KeyPair {
    /// The name written in the key file.
    pub name: String,
    key: SigningKey,
}

impl std::fmt::Debug for KeyPair {
    // Never print the secret, even in debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("name", &self.name)
            .field("public", &hex::encode(self.key.verifying_key().as_bytes()))
            .finish_non_exhaustive()
    }
}

impl KeyPair {
    /// A fresh key pair from the operating system's random number generator.
    pub fn generate(name: &str) -> Result<KeyPair, HistoryError> {
        if !valid_name(name) {
            return Err(HistoryError::invalid(format!(
                "invalid maintainer name `{}`: use 1-64 letters, digits, `_` or `-`",
                name.escape_debug()
            )));
        }
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| {
            HistoryError::invalid(format!("the system random number generator failed: {e}"))
        })?;
        Ok(KeyPair::from_seed(name, seed))
    }

    /// A key pair from a 32-byte seed (deterministic; for tests and benchmarks).
    pub fn from_seed(name: &str, seed: [u8; 32]) -> KeyPair {
        KeyPair {
            name: name.to_string(),
            key: SigningKey::from_bytes(&seed),
        }
    }

    /// The public half.
    pub fn public(&self) -> PublicKey {
        PublicKey {
            name: self.name.clone(),
            key: self.key.verifying_key(),
        }
    }

    /// The secret key file text.
    pub fn to_file_text(&self) -> String {
        format!(
            "# isa-authority maintainer key. Keep it secret: it approves ISA versions.\n\
             format: {SECRET_FORMAT}\nname: {}\nalgorithm: {ALGORITHM}\nsecret: {}\n",
            self.name,
            hex::encode(self.key.to_bytes())
        )
    }

    /// Parses a secret key file; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<KeyPair, HistoryError> {
        let fields = parse_fields(file, text, SECRET_FORMAT, "secret")?;
        let seed = fields.hex32(file, "secret")?;
        Ok(KeyPair::from_seed(&fields.name, seed))
    }

    /// Signs an approval of the proposal with this id (`sha256:<hex>`); returns the signature
    /// as lower-case hex.
    pub fn sign_approval(&self, proposal_id: &str) -> String {
        let signature = self.key.sign(&approval_message(proposal_id));
        hex::encode(signature.to_bytes())
    }
}

fn approval_message(proposal_id: &str) -> Vec<u8> {
    let mut message = APPROVAL_CONTEXT.to_vec();
    message.extend_from_slice(proposal_id.as_bytes());
    message
}

/// Checks an approval signature (hex) by `key` over a proposal id. Strict verification: the
/// malleable and small-order forms ed25519 tolerates elsewhere are refused.
pub fn verify_approval(key: &VerifyingKey, proposal_id: &str, signature_hex: &str) -> bool {
    // Lower case only: `hex` also accepts upper case, and a signature must have one spelling
    // or a case flip would be an edit that verification cannot see.
    if signature_hex.bytes().any(|b| b.is_ascii_uppercase()) {
        return false;
    }
    let Ok(bytes) = hex::decode(signature_hex) else {
        return false;
    };
    let Ok(bytes) = <[u8; 64]>::try_from(bytes.as_slice()) else {
        return false;
    };
    let signature = Signature::from_bytes(&bytes);
    key.verify_strict(&approval_message(proposal_id), &signature)
        .is_ok()
}

/// Parses 64 hex digits into a public key (as written in `authority.json`).
pub fn public_key_from_hex(text: &str) -> Option<VerifyingKey> {
    let bytes = decode_hex32(text)?;
    VerifyingKey::from_bytes(&bytes).ok()
}

fn decode_hex32(text: &str) -> Option<[u8; 32]> {
    // Lower case only, so each key has exactly one spelling in the store.
    if text.len() != 64 || text.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let bytes = hex::decode(text).ok()?;
    <[u8; 32]>::try_from(bytes.as_slice()).ok()
}

struct Fields {
    name: String,
    value: String,
    lines: Vec<(String, u32)>,
}

impl Fields {
    fn line_of(&self, field: &str) -> u32 {
        self.lines
            .iter()
            .find(|(f, _)| f == field)
            .map_or(0, |(_, l)| *l)
    }

    fn hex32(&self, file: &str, field: &str) -> Result<[u8; 32], HistoryError> {
        decode_hex32(&self.value).ok_or_else(|| {
            HistoryError::key(
                file,
                self.line_of(field),
                format!("`{field}` must be 64 lower-case hex digits (32 bytes)"),
            )
        })
    }
}

fn parse_fields(
    file: &str,
    text: &str,
    format: &str,
    value_field: &str,
) -> Result<Fields, HistoryError> {
    let mut seen: Vec<(String, String, u32)> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index as u32 + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some((field, value)) = trimmed.split_once(':') else {
            return Err(HistoryError::key(file, line, "expected `field: value`"));
        };
        let (field, value) = (field.trim(), value.trim());
        if !matches!(field, "format" | "name" | "algorithm") && field != value_field {
            let hint = if field == "secret" || field == "public" {
                format!(" (this looks like the other half of a key pair; expected a `{value_field}` field)")
            } else {
                String::new()
            };
            return Err(HistoryError::key(
                file,
                line,
                format!("unknown field `{field}`{hint}"),
            ));
        }
        if seen.iter().any(|(f, _, _)| f == field) {
            return Err(HistoryError::key(
                file,
                line,
                format!("field `{field}` appears twice"),
            ));
        }
        seen.push((field.to_string(), value.to_string(), line));
    }
    let get = |field: &str| seen.iter().find(|(f, _, _)| f == field);
    for field in ["format", "name", "algorithm", value_field] {
        if get(field).is_none() {
            return Err(HistoryError::key(
                file,
                0,
                format!("missing field `{field}`"),
            ));
        }
    }
    let (_, got_format, line) = get("format").expect("checked");
    if got_format != format {
        return Err(HistoryError::key(
            file,
            *line,
            format!("format is `{got_format}`, expected `{format}`"),
        ));
    }
    let (_, algorithm, line) = get("algorithm").expect("checked");
    if algorithm != ALGORITHM {
        return Err(HistoryError::key(
            file,
            *line,
            format!("unsupported algorithm `{algorithm}` (only {ALGORITHM})"),
        ));
    }
    let (_, name, line) = get("name").expect("checked");
    if !valid_name(name) {
        return Err(HistoryError::key(
            file,
            *line,
            format!(
                "invalid maintainer name `{}`: use 1-64 letters, digits, `_` or `-`",
                name.escape_debug()
            ),
        ));
    }
    Ok(Fields {
        name: name.clone(),
        value: get(value_field).expect("checked").1.clone(),
        lines: seen.iter().map(|(f, _, l)| (f.clone(), *l)).collect(),
    })
}

/// Creates a key file with exactly `mode`, never overwriting. The mode is given at creation,
/// so a secret is never readable by others even for an instant, and set again on the open
/// file afterwards, because creation applies the umask: under umask 000 a plain write would
/// leave a world-writable public key that anyone could swap for their own before `init`
/// reads it, and under umask 077 `NAME.pub` would not be readable by the people it is for.
pub fn write_key_file(path: &std::path::Path, text: &str, mode: u32) -> Result<(), HistoryError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    let mut file = options.open(path).map_err(|e| {
        HistoryError::invalid(format!(
            "cannot create {} (an existing key is never overwritten): {e}",
            path.display()
        ))
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(|e| HistoryError::io(path, e))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| HistoryError::io(path, e))
}

/// Reads a secret key file, refusing one that others can read (as ssh does).
pub fn read_secret_file(path: &std::path::Path) -> Result<KeyPair, HistoryError> {
    let cannot_read =
        |e: std::io::Error| HistoryError::invalid(format!("{}: cannot read: {e}", path.display()));
    let meta = std::fs::metadata(path).map_err(cannot_read)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            // Not a malformed key (`Key`): the file is fine, where it lies is not.
            return Err(HistoryError::invalid(format!(
                "{}: permissions {mode:04o} are too open for a secret key\n  hint: chmod 600 {}",
                path.display(),
                path.display()
            )));
        }
    }
    let _ = meta;
    let text = std::fs::read_to_string(path).map_err(cannot_read)?;
    KeyPair::parse(&path.display().to_string(), &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_round_trip_and_sign() {
        let pair = KeyPair::from_seed("alice", [7; 32]);
        let parsed = KeyPair::parse("a.key", &pair.to_file_text()).unwrap();
        assert_eq!(parsed.public(), pair.public());
        let public = PublicKey::parse("a.pub", &pair.public().to_file_text()).unwrap();
        assert_eq!(public, pair.public());
        let sig = parsed.sign_approval("sha256:abc");
        assert!(verify_approval(&public.key, "sha256:abc", &sig));
        assert!(!verify_approval(&public.key, "sha256:abd", &sig));
        let other = KeyPair::from_seed("bob", [8; 32]).public();
        assert!(!verify_approval(&other.key, "sha256:abc", &sig));
        assert!(!verify_approval(&public.key, "sha256:abc", "zz"));
        assert!(!verify_approval(
            &public.key,
            "sha256:abc",
            &sig.to_uppercase()
        ));
    }

    #[test]
    fn parse_errors_name_the_line() {
        let pair = KeyPair::from_seed("alice", [7; 32]);
        let text = pair
            .to_file_text()
            .replace("algorithm: ed25519", "algorithm: rsa");
        let err = KeyPair::parse("a.key", &text).unwrap_err().to_string();
        assert!(err.starts_with("a.key:4:"), "{err}");
        assert!(err.contains("rsa"), "{err}");
        // A public key file is not a secret key file.
        let err = KeyPair::parse("a.pub", &pair.public().to_file_text())
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `public`"), "{err}");
        let err = KeyPair::parse(
            "a.key",
            "format: isa-authority-key/v1\nname: x\nalgorithm: ed25519\nsecret: 00\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("a.key:4:") && err.contains("64 lower-case hex"),
            "{err}"
        );
        assert!(KeyPair::parse("a.key", "garbage").is_err());
    }

    #[test]
    fn names_are_restricted() {
        assert!(valid_name("alice_2-x"));
        assert!(!valid_name(""));
        assert!(!valid_name("-a"));
        assert!(!valid_name("a/b"));
        assert!(!valid_name("a.b"));
        assert!(KeyPair::generate("../x").is_err());
    }
}
