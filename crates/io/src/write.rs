//! Writing tables: the JSON interchange shape and the TOML format, both loadable by the readers.
//! Output is deterministic: keys in a fixed order, entries in the table's order.

use std::path::Path;

use isa_core::{Encoding, Layout, Table};
use serde_json::{json, Map, Value};

use crate::error::LoadError;
use crate::fsutil::atomic_write;
use crate::read::TableFormat;

/// The `encoding` section of a table, `None` for the default (one byte per opcode), which files
/// leave out.
fn encoding_json(encoding: &Encoding) -> Option<Value> {
    match encoding {
        _ if encoding.is_default() => None,
        Encoding::Prefixed { escapes } => Some(json!({ "escapes": escapes })),
        Encoding::Fixed { width, endian } => {
            Some(json!({ "opcode_bytes": width, "byte_order": endian.as_str() }))
        }
    }
}

fn layout_json(layout: &Layout) -> Value {
    let mut m = Map::new();
    m.insert("size".into(), json!(layout.size));
    if layout.endian != isa_core::Endian::Little {
        m.insert("endian".into(), json!(layout.endian.as_str()));
    }
    let fields: Vec<Value> = layout
        .fields
        .iter()
        .map(|f| json!({"name": f.name, "bits": f.bits, "kind": f.kind.as_str()}))
        .collect();
    m.insert("fields".into(), Value::Array(fields));
    Value::Object(m)
}

/// The interchange JSON of a table. Optional fields are omitted when absent, except each
/// entry's `mnemonic`, `format` and `category`, which the interchange shape always carries.
pub fn table_to_json(table: &Table) -> Value {
    let mut m = Map::new();
    m.insert("implementation".into(), json!(table.implementation));
    let mut opt = |key: &str, value: &Option<String>| {
        if let Some(v) = value {
            m.insert(key.into(), json!(v));
        }
    };
    opt("language", &table.language);
    opt("isa_version", &table.isa_version);
    opt("registered", &table.registered.map(|d| d.to_string()));
    opt("source_repo", &table.source_repo);
    opt("source_path", &table.source_path);
    if !table.formats.is_empty() {
        let formats: Map<String, Value> = table
            .formats
            .iter()
            .map(|(k, l)| (k.clone(), layout_json(l)))
            .collect();
        m.insert("formats".into(), Value::Object(formats));
    }
    if let Some(e) = encoding_json(&table.encoding) {
        m.insert("encoding".into(), e);
    }
    let entries: Vec<Value> = table
        .entries
        .iter()
        .map(|e| {
            let mut o = Map::new();
            o.insert("opcode".into(), json!(e.opcode));
            o.insert("mnemonic".into(), json!(e.mnemonic));
            o.insert("format".into(), json!(e.format));
            o.insert("category".into(), json!(e.category));
            if let Some(d) = e.description() {
                o.insert("description".into(), json!(d));
            }
            if let Some(d) = e.operands() {
                o.insert("operands".into(), json!(d));
            }
            if e.reserved {
                o.insert("reserved".into(), json!(true));
            }
            if let Some(s) = e.size_bytes {
                o.insert("size_bytes".into(), json!(s));
            }
            if let Some(s) = e.status {
                o.insert("status".into(), json!(s.as_str()));
            }
            if let Some(b) = e.branch() {
                o.insert("branch".into(), json!(b));
            }
            if let Some(n) = e.source_name() {
                o.insert("source_name".into(), json!(n));
            }
            Value::Object(o)
        })
        .collect();
    m.insert("opcodes".into(), Value::Array(entries));
    Value::Object(m)
}

/// Pretty interchange JSON with a trailing newline.
pub fn table_to_json_string(table: &Table) -> String {
    pretty_json(&table_to_json(table))
}

/// Pretty JSON with a trailing newline, with DEL and the C1 controls (U+007F–U+009F) written as
/// `\u` escapes: what every JSON output of the project is written with.
///
/// serde_json escapes only U+0000–U+001F, but a terminal acts on C1 codes too (U+009B is a
/// one-character CSI). Such a character can only sit inside a JSON string, where `\u009b` means
/// the same thing, so the document a program reads is unchanged.
pub fn pretty_json(value: &Value) -> String {
    let mut s = serde_json::to_string_pretty(value).expect("JSON values always serialise");
    s.push('\n');
    let raw = |c: char| ('\u{7f}'..='\u{9f}').contains(&c);
    if s.chars().any(raw) {
        let mut out = String::with_capacity(s.len() + 32);
        for c in s.chars() {
            if raw(c) {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            } else {
                out.push(c);
            }
        }
        s = out;
    }
    s
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The TOML form of a table: header keys, `[formats.X]` sections, then one inline table per
/// entry with hex opcode numbers.
pub fn table_to_toml(table: &Table) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "implementation = {}\n",
        toml_str(&table.implementation)
    ));
    for (key, value) in [
        ("language", &table.language),
        ("isa_version", &table.isa_version),
        ("source_repo", &table.source_repo),
        ("source_path", &table.source_path),
    ] {
        if let Some(v) = value {
            out.push_str(&format!("{key} = {}\n", toml_str(v)));
        }
    }
    if let Some(d) = table.registered {
        out.push_str(&format!("registered = {d}\n"));
    }
    let width = if table.entries.iter().any(|e| e.opcode > 0xFFFF) {
        8
    } else if table.entries.iter().any(|e| e.opcode > 0xFF) {
        4
    } else {
        2
    };
    out.push_str("\nopcodes = [\n");
    for e in &table.entries {
        let mut parts = vec![format!("opcode = 0x{:0width$X}", e.opcode)];
        if let Some(m) = &e.mnemonic {
            parts.push(format!("mnemonic = {}", toml_str(m)));
        }
        for (key, value) in [
            ("format", e.format.as_deref()),
            ("category", e.category.as_deref()),
            ("description", e.description()),
            ("operands", e.operands()),
            ("branch", e.branch()),
            ("source_name", e.source_name()),
        ] {
            if let Some(v) = value {
                parts.push(format!("{key} = {}", toml_str(v)));
            }
        }
        if e.reserved {
            parts.push("reserved = true".into());
        }
        if let Some(s) = e.size_bytes {
            parts.push(format!("size_bytes = {s}"));
        }
        if let Some(s) = e.status {
            parts.push(format!("status = \"{s}\""));
        }
        out.push_str(&format!("  {{ {} }},\n", parts.join(", ")));
    }
    out.push_str("]\n");
    // Sections come after the `opcodes` array: keys after a section header would belong to it.
    match &table.encoding {
        e if e.is_default() => {}
        Encoding::Prefixed { escapes } => {
            let list: Vec<String> = escapes
                .iter()
                .map(|&e| {
                    if e > 0xFF {
                        format!("0x{e:04X}")
                    } else {
                        format!("0x{e:02X}")
                    }
                })
                .collect();
            out.push_str(&format!("\n[encoding]\nescapes = [{}]\n", list.join(", ")));
        }
        Encoding::Fixed { width, endian } => out.push_str(&format!(
            "\n[encoding]\nopcode_bytes = {width}\nbyte_order = \"{}\"\n",
            endian.as_str()
        )),
    }
    for (letter, layout) in &table.formats {
        out.push_str(&format!(
            "\n[formats.{}]\nsize = {}\n",
            toml_key(letter),
            layout.size
        ));
        if layout.endian != isa_core::Endian::Little {
            out.push_str(&format!("endian = \"{}\"\n", layout.endian.as_str()));
        }
        let fields: Vec<String> = layout
            .fields
            .iter()
            .map(|f| {
                format!(
                    "{{ name = {}, bits = {}, kind = \"{}\" }}",
                    toml_str(&f.name),
                    f.bits,
                    f.kind
                )
            })
            .collect();
        out.push_str(&format!("fields = [{}]\n", fields.join(", ")));
    }
    out
}

fn toml_key(key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        key.to_string()
    } else {
        toml_str(key)
    }
}

/// Writes a table atomically, as JSON or TOML by the path's extension.
pub fn write_table(path: &Path, table: &Table) -> Result<(), LoadError> {
    let file = path.display().to_string();
    let text = match TableFormat::from_path(path) {
        Some(TableFormat::Json) => table_to_json_string(table),
        Some(TableFormat::Toml) => table_to_toml(table),
        None => {
            return Err(LoadError::file(
                &file,
                "cannot tell the output format: use a .json or .toml extension",
            ))
        }
    };
    atomic_write(path, text.as_bytes())
        .map_err(|e| LoadError::file(&file, format!("cannot write: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::parse_table;
    use isa_core::{Date, Entry, Field, FieldKind, Status};

    fn sample() -> Table {
        let mut t = Table::new("vm \"quoted\"");
        t.language = Some("Rust".into());
        t.registered = Some(Date::new(2026, 5, 1).unwrap());
        t.formats.insert(
            "Q".into(),
            Layout::with_endian(
                4,
                vec![
                    Field::new("rd", 8, FieldKind::Register),
                    Field::new("off", 16, FieldKind::RelativeOffset),
                ],
                isa_core::Endian::Big,
            )
            .unwrap(),
        );
        let mut j = Entry::new(0x1234, "JZ").with_format("Q");
        j.details.make_mut().branch = Some("off".into());
        j.status = Some(Status::Deprecated);
        j.details.make_mut().description = Some("jump if zero".into());
        j.details.make_mut().source_name = Some("OpJz".into());
        let mut r = Entry {
            opcode: 7,
            reserved: true,
            ..Entry::default()
        };
        r.size_bytes = Some(2);
        t.entries = vec![Entry::new(0, "HALT").with_format("A"), j, r];
        t
    }

    fn strip(mut t: Table) -> Table {
        t.location = None;
        for e in &mut t.entries {
            e.location = None;
        }
        t
    }

    #[test]
    fn json_round_trip() {
        let t = sample();
        let back = parse_table("x.json", &table_to_json_string(&t), TableFormat::Json).unwrap();
        assert_eq!(strip(back), t);
    }

    #[test]
    fn toml_round_trip() {
        let t = sample();
        let text = table_to_toml(&t);
        let back = parse_table("x.toml", &text, TableFormat::Toml)
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(strip(back), t);
        assert!(text.contains("opcode = 0x1234"));
    }

    #[test]
    fn encodings_round_trip_in_both_formats() {
        for encoding in [
            isa_core::Encoding::escapes([0xFF, 0xFE]).unwrap(),
            isa_core::Encoding::escapes([0x0F, 0x0F38]).unwrap(),
            isa_core::Encoding::fixed(2, isa_core::Endian::Little).unwrap(),
            isa_core::Encoding::fixed(3, isa_core::Endian::Big).unwrap(),
        ] {
            let mut t = sample();
            t.encoding = encoding;
            let json = table_to_json_string(&t);
            let back = parse_table("x.json", &json, TableFormat::Json).unwrap();
            assert_eq!(strip(back), t, "{json}");
            let text = table_to_toml(&t);
            let back = parse_table("x.toml", &text, TableFormat::Toml)
                .unwrap_or_else(|e| panic!("{e}\n{text}"));
            assert_eq!(strip(back), t, "{text}");
        }
        // The default is left out, so files written before encodings existed stay byte-identical.
        assert!(!table_to_json_string(&sample()).contains("encoding"));
        assert!(!table_to_toml(&sample()).contains("encoding"));
    }
}
