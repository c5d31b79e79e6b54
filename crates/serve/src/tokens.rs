//! Bearer tokens for the write endpoints.
//!
//! A token file holds one line per client: `NAME sha256:<64 hex digits>`, the SHA-256 of the
//! token; `#` starts a comment. The token itself is printed once, by `isa-authority token new`,
//! and never stored, so a leaked token file grants nothing. A token is `isa_` followed by 43
//! base64url characters (32 random bytes from the operating system). Presented tokens are
//! hashed and compared with every entry in constant time.

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The prefix of every token (it makes a leaked token easy to recognise in logs and scanners).
pub const PREFIX: &str = "isa_";

/// A token file that cannot be read or written; displays as `file[:line]: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError {
    /// The token file.
    pub file: PathBuf,
    /// 1-based line, 0 for the whole file.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for TokenError {}

/// The accepted tokens: names and hashes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tokens {
    entries: Vec<(String, [u8; 32])>,
}

fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Equality whose time does not depend on where the first difference is.
fn same(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

impl Tokens {
    /// Parses a token file's text; `file` names it in errors.
    pub fn parse(file: &Path, text: &str) -> Result<Tokens, TokenError> {
        let err = |line: usize, message: String| TokenError {
            file: file.to_path_buf(),
            line,
            message,
        };
        let mut entries: Vec<(String, [u8; 32])> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let mut parts = line.split_whitespace();
            let (Some(name), Some(digest), None) = (parts.next(), parts.next(), parts.next())
            else {
                return Err(err(
                    i + 1,
                    "expected `NAME sha256:<64 hex digits>`".to_string(),
                ));
            };
            if !valid_name(name) {
                return Err(err(
                    i + 1,
                    format!("`{name}` is not a token name (letters, digits, `-`, `_`, `.`)"),
                ));
            }
            let bytes = digest
                .strip_prefix("sha256:")
                .and_then(|h| hex::decode(h).ok())
                .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok());
            let Some(bytes) = bytes else {
                return Err(err(
                    i + 1,
                    format!("`{digest}` is not sha256:<64 hex digits>"),
                ));
            };
            if entries.iter().any(|(n, _)| n == name) {
                return Err(err(i + 1, format!("the name `{name}` appears twice")));
            }
            entries.push((name.to_string(), bytes));
        }
        Ok(Tokens { entries })
    }

    /// Reads a token file.
    pub fn load(file: &Path) -> Result<Tokens, TokenError> {
        let text = std::fs::read_to_string(file).map_err(|e| TokenError {
            file: file.to_path_buf(),
            line: 0,
            message: format!("cannot read: {e}"),
        })?;
        Tokens::parse(file, &text)
    }

    /// The name of the client a presented token belongs to, if any.
    pub fn check(&self, presented: &str) -> Option<&str> {
        let h = hash(presented);
        // Every entry is compared, so the time does not tell which one matched.
        let mut found = None;
        for (name, digest) in &self.entries {
            if same(&h, digest) {
                found = Some(name.as_str());
            }
        }
        found
    }

    /// How many tokens are accepted.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no token is accepted.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Creates a token for `name`, adds its hash to the token file (created, mode 0600, when
/// missing; replaced atomically otherwise) and returns the token, which is not stored anywhere.
/// Refuses a name the file already has.
pub fn new_token(file: &Path, name: &str) -> Result<String, TokenError> {
    let err = |message: String| TokenError {
        file: file.to_path_buf(),
        line: 0,
        message,
    };
    if !valid_name(name) {
        return Err(err(format!(
            "`{name}` is not a token name (1 to 64 letters, digits, `-`, `_`, `.`)"
        )));
    }
    let existing = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(err(format!("cannot read: {e}"))),
    };
    let tokens = Tokens::parse(file, &existing)?;
    if tokens.entries.iter().any(|(n, _)| n == name) {
        return Err(err(format!(
            "a token named `{name}` exists already (remove its line to revoke it first)"
        )));
    }
    let mut random = [0u8; 32];
    getrandom::fill(&mut random)
        .map_err(|e| err(format!("the system random number generator failed: {e}")))?;
    let token = format!(
        "{PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random)
    );
    let mut text = existing;
    if text.is_empty() {
        text.push_str("# isa-authority serve --tokens: NAME sha256:<hash of the token>\n");
    } else if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&format!("{name} sha256:{}\n", hex::encode(hash(&token))));
    write_private(file, text.as_bytes()).map_err(|e| err(format!("cannot write: {e}")))?;
    Ok(token)
}

/// Writes a file readable only by its owner, atomically (temporary file, fsync, rename).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "tokens".into());
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let result = (|| {
        let mut f = options.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        isa_io::fsutil::sync_dir(&dir)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_token_is_accepted_and_only_its_hash_is_stored() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("tokens");
        let a = new_token(&file, "ci").unwrap();
        let b = new_token(&file, "alice").unwrap();
        assert!(a.starts_with(PREFIX) && a.len() == PREFIX.len() + 43);
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            !text.contains(&a[PREFIX.len()..]),
            "the token itself is never stored"
        );
        let tokens = Tokens::load(&file).unwrap();
        assert_eq!(tokens.check(&a), Some("ci"));
        assert_eq!(tokens.check(&b), Some("alice"));
        assert_eq!(tokens.check("isa_wrong"), None);
        assert!(new_token(&file, "ci")
            .unwrap_err()
            .message
            .contains("exists already"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn malformed_lines_are_named_by_line() {
        let e = Tokens::parse(Path::new("t"), "# c\nci sha256:zz\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "t:2: `sha256:zz` is not sha256:<64 hex digits>"
        );
        let e = Tokens::parse(Path::new("t"), "only-a-name\n").unwrap_err();
        assert_eq!(e.line, 1);
    }
}
