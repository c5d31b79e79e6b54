//! Readers of the auxiliary files commands take beside tables: manual decisions and usage
//! counts (`arbitrate --decisions/--usage`) and feature groups (`advertise --groups`). Same
//! rules as the table readers: size-limited, located errors (`file:line:col`), every string
//! held to the names or text rule.

use std::collections::BTreeMap;
use std::path::Path;

use isa_arbitrate::ManualDecision;
use isa_core::Location;
use isa_negotiate::GroupDecl;
use serde::Deserialize;

use crate::value::{parse_json, parse_toml, Kind, LineIndex, Node};
use crate::{LoadError, TableFormat};

/// A spanned document and what is needed to point into it.
pub struct Doc {
    file: String,
    text: String,
    index: LineIndex,
    /// Owned: a document outlives nothing but its own text, and these files are small.
    root: Node<'static>,
}

impl Doc {
    /// Reads and parses a JSON or TOML file (by extension; anything else is tried as JSON).
    pub fn read(path: &Path, what: &str) -> Result<Doc, LoadError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| LoadError::file(&file, format!("cannot read {what}: {e}")))?;
        let index = LineIndex::new(&text);
        let root = match TableFormat::from_path(path) {
            Some(TableFormat::Toml) => parse_toml(&file, &text, &index)?.into_owned(),
            _ => parse_json(&file, &text)?.into_owned(),
        };
        Ok(Doc {
            file,
            text,
            index,
            root,
        })
    }

    /// An error at a node.
    pub fn error(&self, span: &std::ops::Range<usize>, message: impl Into<String>) -> LoadError {
        let (line, column) = self.index.locate(&self.text, span.start);
        LoadError {
            file: self.file.clone(),
            line,
            column,
            message: message.into(),
            hint: None,
        }
    }

    fn location(&self, span: &std::ops::Range<usize>) -> Location {
        let (line, column) = self.index.locate(&self.text, span.start);
        Location::new(self.file.clone(), line, column)
    }
}

fn opcode_value(doc: &Doc, node: &Node) -> Result<u32, LoadError> {
    match &node.kind {
        Kind::Int(v) => u32::try_from(*v).map_err(|_| {
            doc.error(
                &node.span,
                format!("opcode {v} is out of range 0-4294967295"),
            )
        }),
        Kind::Str(s) => parse_number(s).ok_or_else(|| {
            doc.error(
                &node.span,
                format!("`{s}` is not an opcode number (42 or 0x2A)"),
            )
        }),
        other => Err(doc.error(
            &node.span,
            format!("an opcode must be a number, found {}", other.describe()),
        )),
    }
}

/// A number as files write it: decimal, or hex with `0x`.
pub fn parse_number(s: &str) -> Option<u32> {
    let s = s.trim();
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

/// A string of a decisions file: text, like every string of a table (names are held to the
/// stricter names rule: no tab either), so a rationale cannot smuggle control characters into
/// the report.
fn string_value(doc: &Doc, node: &Node, key: &str) -> Result<String, LoadError> {
    match &node.kind {
        Kind::Str(s) => {
            let rule = if key == "rationale" || key == "category" {
                isa_core::mnemonic::check_text(s)
            } else {
                isa_core::mnemonic::check_name(s)
            };
            rule.map_err(|e| doc.error(&node.span, format!("`{key}` {e}")))?;
            Ok(s.to_string())
        }
        other => Err(doc.error(
            &node.span,
            format!("`{key}` must be a string, found {}", other.describe()),
        )),
    }
}

/// Reads manual decisions: TOML `[[decision]]` tables (or `decisions = [...]`), or a JSON array
/// or `{"decisions": [...]}`; each with `mnemonic`, `opcode` and optional `rationale`,
/// `format`, `category`.
pub fn load_decisions(path: &Path) -> Result<Vec<ManualDecision>, LoadError> {
    let doc = Doc::read(path, "decisions file")?;
    let items: &[Node] = match &doc.root.kind {
        Kind::Array(items) => items,
        Kind::Object(props) => {
            match props
                .iter()
                .find(|(k, _, _)| k == "decision" || k == "decisions")
            {
                Some((
                    _,
                    _,
                    Node {
                        kind: Kind::Array(items),
                        ..
                    },
                )) => items,
                Some((_, _, node)) => {
                    return Err(doc.error(&node.span, "`decision` must be an array of tables"))
                }
                None if props.is_empty() => &[],
                None => {
                    return Err(doc
                        .error(&doc.root.span, "no `decision` entries found")
                        .with_hint(
                            "write [[decision]] tables with mnemonic = \"ADD\" and opcode = 0x20",
                        ))
                }
            }
        }
        other => {
            return Err(doc.error(
                &doc.root.span,
                format!(
                    "a decisions file must be an array or a table, found {}",
                    other.describe()
                ),
            ))
        }
    };
    let mut out = Vec::new();
    for item in items {
        let Kind::Object(props) = &item.kind else {
            return Err(doc.error(
                &item.span,
                format!("a decision must be a table, found {}", item.kind.describe()),
            ));
        };
        let mut d = ManualDecision {
            location: Some(doc.location(&item.span)),
            ..ManualDecision::default()
        };
        let (mut has_mnemonic, mut has_opcode) = (false, false);
        for (key, _, value) in props {
            match &**key {
                "mnemonic" => {
                    d.mnemonic = string_value(&doc, value, key)?;
                    has_mnemonic = true;
                }
                "opcode" => {
                    d.opcode = opcode_value(&doc, value)?;
                    has_opcode = true;
                }
                "rationale" => d.rationale = Some(string_value(&doc, value, key)?),
                "format" => d.format = Some(string_value(&doc, value, key)?),
                "category" => d.category = Some(string_value(&doc, value, key)?),
                _ => {} // Unknown keys are ignored, like everywhere in the interchange formats.
            }
        }
        if !has_mnemonic || !has_opcode {
            return Err(doc.error(
                &item.span,
                format!(
                    "a decision needs {}",
                    match (has_mnemonic, has_opcode) {
                        (false, false) => "`mnemonic` and `opcode`",
                        (false, _) => "`mnemonic`",
                        _ => "`opcode`",
                    }
                ),
            ));
        }
        out.push(d);
    }
    Ok(out)
}

/// Reads usage counts: `{"implementation": {"0x2A": 120, "43": 7}}` (numbers as decimal or
/// hex keys).
pub fn load_usage(path: &Path) -> Result<BTreeMap<String, BTreeMap<u32, u64>>, LoadError> {
    let doc = Doc::read(path, "usage file")?;
    let Kind::Object(impls) = &doc.root.kind else {
        return Err(doc
            .error(
                &doc.root.span,
                "a usage file must be an object of implementations",
            )
            .with_hint("write {\"my-vm\": {\"0x20\": 1200, \"0x21\": 30}}"));
    };
    let mut out = BTreeMap::new();
    for (name, _, counts) in impls {
        let Kind::Object(pairs) = &counts.kind else {
            return Err(doc.error(
                &counts.span,
                format!("usage of `{name}` must be an object of opcode: count pairs"),
            ));
        };
        let mut map = BTreeMap::new();
        for (key, span, value) in pairs {
            let opcode = parse_number(key).ok_or_else(|| {
                doc.error(
                    span,
                    format!("`{key}` is not an opcode number (42 or 0x2A)"),
                )
            })?;
            let count = match &value.kind {
                Kind::Int(v) => u64::try_from(*v)
                    .ok()
                    .filter(|c| *c <= isa_arbitrate::MAX_USAGE)
                    .ok_or_else(|| {
                        doc.error(
                            &value.span,
                            format!("usage count {v} must be a whole number from 0 to 1000000000"),
                        )
                    })?,
                other => {
                    return Err(doc.error(
                        &value.span,
                        format!(
                            "a usage count must be a whole number, found {}",
                            other.describe()
                        ),
                    ))
                }
            };
            map.insert(opcode, count);
        }
        out.insert(name.to_string(), map);
    }
    Ok(out)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupToml {
    #[serde(default)]
    includes: Vec<String>,
    #[serde(default)]
    mnemonics: Vec<String>,
    #[serde(default)]
    excludes: Vec<String>,
}

/// Reads a feature-group file (TOML: `[name]` with `includes`, `mnemonics`, `excludes`).
pub fn load_groups(path: &Path) -> Result<Vec<GroupDecl>, LoadError> {
    let file = path.display().to_string();
    let bytes = crate::read_limited(path, crate::max_input())
        .map_err(|e| LoadError::file(&file, format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| LoadError::file(&file, format!("not UTF-8 text: {e}")))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
    let map: BTreeMap<String, GroupToml> = toml::from_str(&text).map_err(|e| {
        let (line, column) = match e.span() {
            Some(s) => {
                let index = LineIndex::new(&text);
                index.locate(&text, s.start)
            }
            None => (0, 0),
        };
        LoadError {
            file: file.clone(),
            line,
            column,
            message: e.message().to_string(),
            hint: None,
        }
    })?;
    Ok(map
        .into_iter()
        .map(|(name, g)| GroupDecl {
            name,
            includes: g.includes,
            mnemonics: g.mnemonics,
            excludes: g.excludes,
        })
        .collect())
}
