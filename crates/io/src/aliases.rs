//! Alias maps: `IADD = "ADD"` lines in a TOML file (top level or under `[aliases]`), or a JSON
//! object of the same shape.

use std::path::Path;

use isa_core::Aliases;

use crate::error::LoadError;
use crate::read::TableFormat;
use crate::value::{parse_json, parse_toml, Kind, LineIndex, Node};

/// Reads an alias file.
pub fn load_aliases(path: &Path) -> Result<Aliases, LoadError> {
    let file = path.display().to_string();
    let bytes = crate::fsutil::read_limited(path, crate::fsutil::max_input())
        .map_err(|e| LoadError::file(&file, format!("cannot read alias file: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        LoadError::file(
            &file,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    let format = TableFormat::from_path(path).unwrap_or(TableFormat::Toml);
    parse_aliases(&file, &text, format)
}

/// Parses alias text.
pub fn parse_aliases(file: &str, text: &str, format: TableFormat) -> Result<Aliases, LoadError> {
    let index = LineIndex::new(text);
    let root = match format {
        TableFormat::Json => parse_json(file, text)?,
        TableFormat::Toml => parse_toml(file, text, &index)?,
    };
    let at = |node_span: &std::ops::Range<usize>, message: String| {
        let (line, column) = index.locate(text, node_span.start);
        LoadError {
            file: file.to_string(),
            line,
            column,
            message,
            hint: None,
        }
    };
    let Kind::Object(mut props) = root.kind else {
        return Err(at(
            &root.span,
            "an alias file must be a table of `ALIAS = \"CANONICAL\"` pairs".into(),
        ));
    };
    if props.len() == 1 && props[0].0 == "aliases" {
        if let Node {
            kind: Kind::Object(inner),
            ..
        } = props.remove(0).2
        {
            props = inner;
        } else {
            return Err(at(&root.span, "`aliases` must be a table".into()));
        }
    }
    let mut aliases = Aliases::new();
    for (alias, span, value) in props {
        match value.kind {
            Kind::Str(canonical) => {
                // Both sides are mnemonics, held to the names rule.
                isa_core::mnemonic::check_name(&alias)
                    .map_err(|e| at(&span, format!("alias {e}")))?;
                isa_core::mnemonic::check_name(&canonical)
                    .map_err(|e| at(&value.span, format!("the target of alias `{alias}` {e}")))?;
                aliases
                    .insert(&alias, &canonical)
                    .map_err(|e| at(&span, e))?
            }
            other => {
                return Err(at(
                    &value.span,
                    format!(
                        "alias `{alias}` must map to a mnemonic string, found {}",
                        other.describe()
                    ),
                )
                .with_hint("write `IADD = \"ADD\"`"))
            }
        }
    }
    Ok(aliases)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_on_both_sides() {
        for text in [r#"{"I\u001bADD": "ADD"}"#, r#"{"IADD": "A\u009bDD"}"#] {
            let e = parse_aliases("a.json", text, TableFormat::Json).unwrap_err();
            assert!(e.message.contains("control character"), "{}", e.message);
            assert_eq!(e.line, 1);
        }
    }

    #[test]
    fn toml_and_json_aliases() {
        let a = parse_aliases(
            "a.toml",
            "IADD = \"ADD\"\nisub = \"sub\"\n",
            TableFormat::Toml,
        )
        .unwrap();
        assert_eq!(a.key("iadd"), "ADD");
        assert_eq!(a.key("ISUB"), "SUB");
        let b = parse_aliases("a.toml", "[aliases]\nIADD = \"ADD\"\n", TableFormat::Toml).unwrap();
        assert_eq!(b.key("IADD"), "ADD");
        let c = parse_aliases("a.json", "{\"IADD\": \"ADD\"}", TableFormat::Json).unwrap();
        assert_eq!(c.key("IADD"), "ADD");
    }

    #[test]
    fn bad_aliases_are_located() {
        let e = parse_aliases("a.toml", "A = \"B\"\nB = \"A\"\n", TableFormat::Toml).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("cycle"));
        let e = parse_aliases("a.toml", "A = 3\n", TableFormat::Toml).unwrap_err();
        assert!(e.message.contains("must map to a mnemonic"));
    }
}
