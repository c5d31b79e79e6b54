//! The file reader: declarations, choices, formats and each instruction's body tokens.

use super::lex::{lex_line, parse_count};
use super::*;

/// Parses a semantics file's text. `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<SemFile, SemError> {
    if text.len() > MAX_FILE {
        return Err(err(
            file,
            1,
            1,
            format!(
                "the file has {} bytes, more than the limit of {MAX_FILE}",
                text.len()
            ),
        ));
    }
    let mut sem = SemFile {
        file: file.to_string(),
        machine: Machine::Register,
        width: 32,
        registers: 16,
        fregisters: 16,
        memory: 65536,
        stack: 4096,
        flags: Vec::new(),
        vars: Vec::new(),
        formats: BTreeMap::new(),
        choices: Vec::new(),
        scheme: None,
        instructions: Vec::new(),
    };
    let mut machine_seen = false;
    for (n, raw) in text.lines().enumerate() {
        let line = n as u32 + 1;
        let trimmed = raw.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if raw.starts_with(char::is_whitespace) {
            let indent = (raw.chars().count() - trimmed.chars().count()) as u32;
            let Some(current) = sem.instructions.last_mut() else {
                return Err(err(
                    file,
                    line,
                    indent + 1,
                    "an indented line continues an instruction, but no instruction starts before it",
                ));
            };
            lex_line(file, trimmed, line, indent + 1, &mut current.tokens)?;
            if !current.text.is_empty() {
                current.text.push_str(" ⏎ ");
            }
            current.text.push_str(trimmed.trim_end());
            continue;
        }
        let word: String = raw
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
            .collect();
        let rest = raw[word.len()..].trim();
        let words: Vec<&str> = rest.split_whitespace().collect();
        let col = word.chars().count() as u32 + 2;
        match word.as_str() {
            "machine" => {
                sem.machine = match words.first().copied() {
                    Some("register") => Machine::Register,
                    Some("stack") => Machine::Stack,
                    _ => return Err(err(file, line, col, "`machine` is `register` or `stack`")),
                };
                machine_seen = true;
            }
            "scheme" => match words.first() {
                Some(name) if isa_core::Scheme::builtin(name).is_some() => {
                    sem.scheme = Some(name.to_string())
                }
                _ => {
                    return Err(err(
                        file,
                        line,
                        col,
                        format!(
                            "`scheme` names a built-in scheme: {}",
                            isa_core::Scheme::BUILTIN_NAMES.join(", ")
                        ),
                    ))
                }
            },
            "width" => {
                let w = parse_count(file, line, col, words.first().copied(), "width", 64)?;
                if ![8, 16, 32, 64].contains(&w) {
                    return Err(err(file, line, col, "`width` is 8, 16, 32 or 64"));
                }
                sem.width = w as u32;
            }
            "registers" => {
                sem.registers =
                    parse_count(file, line, col, words.first().copied(), "registers", 256)?
            }
            "fregisters" => {
                sem.fregisters =
                    parse_count(file, line, col, words.first().copied(), "fregisters", 256)?
            }
            "memory" => {
                sem.memory =
                    parse_count(file, line, col, words.first().copied(), "memory", 1 << 24)?
            }
            "stack" => {
                sem.stack = parse_count(file, line, col, words.first().copied(), "stack", 1 << 20)?
            }
            "flag" => {
                if words.is_empty() {
                    return Err(err(file, line, col, "`flag` needs one or more names"));
                }
                for w in words {
                    sem.flags.push(w.to_string());
                }
            }
            "var" => {
                let (name, value) = rest
                    .split_once('=')
                    .ok_or_else(|| err(file, line, col, "write `var NAME = INTEGER`"))?;
                let value = value
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| err(file, line, col, "write `var NAME = INTEGER`"))?;
                sem.vars.push((name.trim().to_string(), value));
            }
            "format" => {
                let (name, fields) = rest.split_once('=').ok_or_else(|| {
                    err(file, line, col, "write `format NAME = field:kindBITS …`")
                })?;
                let mut decl = FormatDecl {
                    fields: Vec::new(),
                    line,
                };
                for f in fields.split_whitespace() {
                    let parsed = f.split_once(':').and_then(|(fname, spec)| {
                        let digits = spec.trim_start_matches(|c: char| c.is_ascii_alphabetic());
                        let kind = &spec[..spec.len() - digits.len()];
                        let bits = digits.parse::<u16>().ok()?;
                        let kind = isa_core::FieldKind::parse(kind)?;
                        (bits % 8 == 0 && (8..=32).contains(&bits))
                            .then(|| (fname.to_string(), bits, kind))
                    });
                    match parsed {
                        Some(p) => decl.fields.push(p),
                        None => {
                            return Err(err(
                                file,
                                line,
                                col,
                                format!("`{f}` is not a field: write NAME:KINDBITS with a kind (reg, imm, simm, rel, len) and 8, 16, 24 or 32 bits"),
                            ))
                        }
                    }
                }
                sem.formats.insert(name.trim().to_string(), decl);
            }
            "choice" => {
                let (name, text) = rest.split_once(':').ok_or_else(|| {
                    err(
                        file,
                        line,
                        col,
                        "write `choice NAME: what was chosen and why`",
                    )
                })?;
                sem.choices.push(Choice {
                    name: name.trim().to_string(),
                    text: text.trim().to_string(),
                    line,
                });
            }
            "" => {
                return Err(err(
                    file,
                    line,
                    1,
                    "expected a declaration or an instruction's mnemonic",
                ))
            }
            mnemonic => {
                let (head, body) = rest.split_once(':').ok_or_else(|| {
                    err(
                        file,
                        line,
                        col,
                        format!("write `{mnemonic}: …` or `{mnemonic} as FORMAT: …`"),
                    )
                })?;
                let head: Vec<&str> = head.split_whitespace().collect();
                let format = match head.as_slice() {
                    [] => None,
                    ["as", f] => Some(f.to_string()),
                    _ => {
                        return Err(err(
                            file,
                            line,
                            col,
                            format!("write `{mnemonic}: …` or `{mnemonic} as FORMAT: …`"),
                        ))
                    }
                };
                let offset = raw.len() - body.len();
                let body_col = raw[..offset].chars().count() as u32 + 1;
                let mut tokens = Vec::new();
                lex_line(file, body, line, body_col, &mut tokens)?;
                sem.instructions.push(InstrSource {
                    mnemonic: mnemonic.to_string(),
                    format,
                    tokens,
                    text: body.trim().to_string(),
                    line,
                    column: 1,
                });
            }
        }
    }
    if !machine_seen {
        return Err(err(
            file,
            1,
            1,
            "the file must say `machine register` or `machine stack`",
        ));
    }
    Ok(sem)
}
