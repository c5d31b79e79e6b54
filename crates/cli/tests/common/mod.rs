//! Helpers shared by the CLI integration tests (each test file is its own crate, so not every
//! helper is used by every file).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// The binary, with no colour and no store chosen by the environment.
pub fn bin() -> Command {
    let mut cmd = Command::cargo_bin("isa-authority").unwrap();
    cmd.env("NO_COLOR", "1")
        .env_remove("ISA_AUTHORITY_STORE")
        .env_remove("ISA_AUTHORITY_REGISTRY");
    cmd
}

/// Writes a file into `dir` and returns its path.
pub fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/flux/tables")
}

/// The 71 real FLUX tables in `../shared/flux/tables`, sorted. The data sits beside the
/// repository (in CI too); without it a test fails, unless `ISA_AUTHORITY_NO_SHARED=1` makes the
/// skip explicit — then this returns `None`.
pub fn shared_tables() -> Option<Vec<PathBuf>> {
    let Ok(entries) = std::fs::read_dir(shared_dir()) else {
        assert!(
            std::env::var_os("ISA_AUTHORITY_NO_SHARED").is_some(),
            "../shared/flux/tables not found beside the repository (set ISA_AUTHORITY_NO_SHARED=1 to skip)"
        );
        return None;
    };
    let mut paths: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    paths.sort();
    Some(paths)
}

/// One shared table by name (`flux-runtime-python`).
pub fn shared(name: &str) -> PathBuf {
    shared_dir().join(format!("{name}.json"))
}

/// A table shipped in `examples/tables`.
pub fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/tables")
        .join(name)
}

/// An opcode table for a test, built in code and written as TOML or JSON:
///
/// ```ignore
/// Table::new("impl").isa_version("1.0.0")
///     .op("HALT", 0x00).format("A")
///     .op("ADD", 0x20).format("E").category("arith")
///     .reserved(0xFE)
///     .escapes(&[0xFF])
///     .write(dir, "impl.toml");
/// ```
///
/// Entry methods (`format`, `size`, `category`, `status`, `branch`, `source_name`, `field`)
/// apply to the entry added last. Values are kept as TOML literals, so `field` takes any (`"\"E\""`,
/// `0xFF20`, `true`); the JSON form converts them. One entry per line, opcodes in hex, in the order
/// given — so a test can name the line an entry is on (the first entry is on line 3 or later,
/// after `implementation` and the header fields).
#[derive(Clone, Debug)]
pub struct Table {
    header: Vec<(String, String)>,
    entries: Vec<Vec<(String, String)>>,
    encoding: Vec<(String, String)>,
    formats: Vec<(String, Vec<(String, String)>)>,
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

impl Table {
    pub fn new(implementation: &str) -> Table {
        Table {
            header: vec![("implementation".into(), toml_string(implementation))],
            entries: Vec::new(),
            encoding: Vec::new(),
            formats: Vec::new(),
        }
    }

    fn head(mut self, key: &str, literal: String) -> Table {
        self.header.push((key.into(), literal));
        self
    }

    pub fn isa_version(self, version: &str) -> Table {
        self.head("isa_version", toml_string(version))
    }

    /// `registered = YYYY-MM-DD` (a TOML date; a string in JSON).
    pub fn registered(self, date: &str) -> Table {
        self.head("registered", date.to_string())
    }

    pub fn language(self, language: &str) -> Table {
        self.head("language", toml_string(language))
    }

    /// A new entry: `{ opcode = OPCODE, mnemonic = "MNEMONIC" }`.
    pub fn op(mut self, mnemonic: &str, opcode: u64) -> Table {
        self.entries.push(vec![
            ("opcode".into(), format!("{opcode:#04x}")),
            ("mnemonic".into(), toml_string(mnemonic)),
        ]);
        self
    }

    /// A new reserved entry: `{ opcode = OPCODE, reserved = true }`.
    pub fn reserved(mut self, opcode: u64) -> Table {
        self.entries.push(vec![
            ("opcode".into(), format!("{opcode:#04x}")),
            ("reserved".into(), "true".into()),
        ]);
        self
    }

    /// Sets `key` of the last entry to a TOML literal (replacing it if present).
    pub fn field(mut self, key: &str, literal: &str) -> Table {
        let entry = self.entries.last_mut().expect("field() before any op()");
        match entry.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = literal.to_string(),
            None => entry.push((key.into(), literal.to_string())),
        }
        self
    }

    pub fn format(self, letter: &str) -> Table {
        self.field("format", &toml_string(letter))
    }

    pub fn size(self, bytes: u32) -> Table {
        self.field("size_bytes", &bytes.to_string())
    }

    pub fn category(self, category: &str) -> Table {
        self.field("category", &toml_string(category))
    }

    pub fn status(self, status: &str) -> Table {
        self.field("status", &toml_string(status))
    }

    pub fn branch(self, operand: &str) -> Table {
        self.field("branch", &toml_string(operand))
    }

    pub fn source_name(self, name: &str) -> Table {
        self.field("source_name", &toml_string(name))
    }

    /// `[encoding] escapes = [...]`.
    pub fn escapes(mut self, bytes: &[u8]) -> Table {
        let list: Vec<String> = bytes.iter().map(|b| format!("0x{b:02X}")).collect();
        self.encoding
            .push(("escapes".into(), format!("[{}]", list.join(", "))));
        self
    }

    /// `[encoding] opcode_bytes = N`.
    pub fn opcode_bytes(mut self, n: u32) -> Table {
        self.encoding.push(("opcode_bytes".into(), n.to_string()));
        self
    }

    /// `[encoding] byte_order = "..."`.
    pub fn byte_order(mut self, order: &str) -> Table {
        self.encoding
            .push(("byte_order".into(), toml_string(order)));
        self
    }

    /// `[formats.NAME]` with a size and (name, bits, kind) fields.
    pub fn declare_format(mut self, name: &str, size: u32, fields: &[(&str, u32, &str)]) -> Table {
        let fields: Vec<String> = fields
            .iter()
            .map(|(n, bits, kind)| {
                format!(
                    "{{ name = {}, bits = {bits}, kind = {} }}",
                    toml_string(n),
                    toml_string(kind)
                )
            })
            .collect();
        self.formats.push((
            name.into(),
            vec![
                ("size".into(), size.to_string()),
                ("fields".into(), format!("[{}]", fields.join(", "))),
            ],
        ));
        self
    }

    /// The table as TOML, one entry per line.
    pub fn toml(&self) -> String {
        let mut out = String::new();
        for (k, v) in &self.header {
            out.push_str(&format!("{k} = {v}\n"));
        }
        out.push_str("opcodes = [\n");
        for entry in &self.entries {
            let fields: Vec<String> = entry.iter().map(|(k, v)| format!("{k} = {v}")).collect();
            out.push_str(&format!("  {{ {} }},\n", fields.join(", ")));
        }
        out.push_str("]\n");
        if !self.encoding.is_empty() {
            out.push_str("[encoding]\n");
            for (k, v) in &self.encoding {
                out.push_str(&format!("{k} = {v}\n"));
            }
        }
        for (name, fields) in &self.formats {
            out.push_str(&format!("[formats.{name}]\n"));
            for (k, v) in fields {
                out.push_str(&format!("{k} = {v}\n"));
            }
        }
        out
    }

    /// The same table as JSON (TOML dates become strings).
    pub fn json(&self) -> String {
        let parsed: toml::Table =
            toml::from_str(&self.toml()).expect("the builder writes valid TOML");
        fn convert(v: toml::Value) -> Value {
            match v {
                toml::Value::String(s) => Value::String(s),
                toml::Value::Integer(i) => Value::from(i),
                toml::Value::Float(f) => Value::from(f),
                toml::Value::Boolean(b) => Value::Bool(b),
                toml::Value::Datetime(d) => Value::String(d.to_string()),
                toml::Value::Array(a) => Value::Array(a.into_iter().map(convert).collect()),
                toml::Value::Table(t) => {
                    let mut object = serde_json::Map::new();
                    for (k, v) in t {
                        object.insert(k, convert(v));
                    }
                    Value::Object(object)
                }
            }
        }
        // Keep the field order of the TOML (`preserve_order` on both sides).
        let mut object = serde_json::Map::new();
        for (k, _) in &self.header {
            object.insert(k.clone(), convert(parsed[k.as_str()].clone()));
        }
        for k in ["opcodes", "encoding", "formats"] {
            if let Some(v) = parsed.get(k) {
                object.insert(k.into(), convert(v.clone()));
            }
        }
        serde_json::to_string_pretty(&Value::Object(object)).unwrap() + "\n"
    }

    /// Writes the table into `dir` as TOML or JSON, by the extension of `name`.
    pub fn write(&self, dir: &Path, name: &str) -> PathBuf {
        let text = if name.ends_with(".json") {
            self.json()
        } else {
            self.toml()
        };
        write(dir, name, text)
    }
}

/// Runs a command that must exit 0 and parses its stdout as JSON.
pub fn json_of(cmd: &mut Command) -> Value {
    let out = cmd.assert().code(0).get_output().stdout.clone();
    serde_json::from_slice(&out).unwrap()
}
