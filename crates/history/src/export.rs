//! The store as one JSON document, for moving it between backends (a folder and PostgreSQL)
//! and for a registry's clients, which verify what they fetch: every object's bytes, exactly,
//! by its path in the store.
//!
//! ```json
//! {"format": "isa-authority-store/1", "files": {"authority.json": "<base64>", "history/000001-1.0.0.json": "<base64>", …}}
//! ```
//!
//! The bytes are base64 (standard alphabet, padded) because hashes and signatures cover
//! them byte for byte, and a JSON string round trip could not promise that for arbitrary bytes.
//! Only regular files are exported; a store with anything else in it (a link, a stray folder)
//! is refused, since such an entry cannot be carried over and `verify` would fail on it anyway.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{json, Map, Value};

use crate::error::HistoryError;
use crate::verify::Snapshot;

/// The `format` tag of an export.
pub const FORMAT: &str = "isa-authority-store/1";

/// The export document of a snapshot (see the module documentation).
pub fn export_json(snapshot: &Snapshot) -> Result<Value, HistoryError> {
    if let Some((path, _)) = snapshot.others.iter().next() {
        return Err(HistoryError::invalid(format!(
            "{path}: not a regular file, so the store cannot be exported (`isa-authority verify` lists it)"
        )));
    }
    let engine = base64::engine::general_purpose::STANDARD;
    let files: Map<String, Value> = snapshot
        .files
        .iter()
        // The folder backend's lock file is how it excludes writers, not part of the store.
        .filter(|(path, _)| path.as_str() != "lock")
        .map(|(path, bytes)| (path.clone(), Value::String(engine.encode(bytes))))
        .collect();
    Ok(json!({ "format": FORMAT, "files": files }))
}

/// Reads an export document back into a snapshot; `file` names it in errors.
pub fn import_json(file: &str, text: &str) -> Result<Snapshot, HistoryError> {
    let bad = |message: String| HistoryError::invalid(format!("{file}: {message}"));
    let value: Value = serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))?;
    let Some(map) = value.as_object() else {
        return Err(bad("expected a JSON object".into()));
    };
    match map.get("format").and_then(Value::as_str) {
        Some(FORMAT) => {}
        Some(other) => {
            return Err(bad(format!(
                "format `{other}` is not {FORMAT} (written by another version of isa-authority?)"
            )))
        }
        None => return Err(bad(format!("no `format` field (expected \"{FORMAT}\")"))),
    }
    let Some(files) = map.get("files").and_then(Value::as_object) else {
        return Err(bad("no `files` object".into()));
    };
    let engine = base64::engine::general_purpose::STANDARD;
    let mut out = BTreeMap::new();
    for (path, value) in files {
        // Paths name objects of the store and nothing else: no absolute paths, no `..`, no
        // empty components — an import never writes outside the store's folders.
        let safe = !path.is_empty()
            && !path.starts_with('/')
            && path
                .split('/')
                .all(|c| !c.is_empty() && c != "." && c != ".." && !c.contains('\\'));
        if !safe {
            return Err(bad(format!("`{path}` is not a path inside a store")));
        }
        let Some(b64) = value.as_str() else {
            return Err(bad(format!("files.{path}: expected a base64 string")));
        };
        let bytes = engine
            .decode(b64)
            .map_err(|e| bad(format!("files.{path}: not base64: {e}")))?;
        out.insert(path.clone(), bytes);
    }
    Ok(Snapshot {
        files: out,
        others: BTreeMap::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_byte() {
        let mut s = Snapshot::new();
        s.insert("authority.json", b"{\n}\n".to_vec());
        s.insert("history/000001-1.0.0.json", vec![0, 255, 10, 13]);
        s.insert("lock", Vec::new());
        let text = serde_json::to_string(&export_json(&s).unwrap()).unwrap();
        let back = import_json("x", &text).unwrap();
        s.files.remove("lock");
        assert_eq!(back, s);
    }

    #[test]
    fn refuses_paths_outside_the_store() {
        for path in ["../x", "/etc/passwd", "a//b", "history/../../x", ""] {
            let text = json!({"format": FORMAT, "files": {path: ""}}).to_string();
            let e = import_json("x", &text).unwrap_err().to_string();
            assert!(e.contains("not a path inside a store"), "{path}: {e}");
        }
        let e = import_json("x", "{\"format\": \"other\", \"files\": {}}").unwrap_err();
        assert!(e.to_string().contains("is not isa-authority-store/1"));
    }
}
