//! The lexer: one line of a semantics file into tokens, and the numbers of declarations.

use super::*;

/// Splits one line (from character column `col0`) into tokens.
pub(super) fn lex_line(
    file: &str,
    text: &str,
    line: u32,
    col0: u32,
    out: &mut Vec<Token>,
) -> Result<(), SemError> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = col0 + i as u32;
        if c == '#' {
            break;
        }
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == ';' || c == '{' || c == '}' || c == ':' || c == '?' {
            let p = match c {
                ';' => ";",
                '{' => "{",
                '}' => "}",
                ':' => ":",
                _ => "?",
            };
            out.push(Token {
                kind: Tok::Punct(p),
                line,
                column,
            });
            i += 1;
            continue;
        }
        if c == '"' {
            let start = i;
            i += 1;
            let mut s = String::new();
            while i < chars.len() && chars[i] != '"' {
                s.push(chars[i]);
                i += 1;
            }
            if i == chars.len() {
                return Err(err(file, line, col0 + start as u32, "unterminated string"));
            }
            i += 1;
            out.push(Token {
                kind: Tok::Str(s),
                line,
                column,
            });
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let digits = word.replace('_', "");
            let kind = if let Some(hex) = digits
                .strip_prefix("0x")
                .or_else(|| digits.strip_prefix("0X"))
            {
                u64::from_str_radix(hex, 16)
                    .ok()
                    .map(|v| Tok::Int(v as i64))
            } else if digits.contains('.') || digits.contains('e') {
                digits.parse::<f64>().ok().map(Tok::Float)
            } else {
                digits.parse::<i64>().ok().map(Tok::Int)
            };
            match kind {
                Some(kind) => out.push(Token { kind, line, column }),
                None => return Err(err(file, line, column, format!("`{word}` is not a number"))),
            }
            continue;
        }
        if c.is_alphabetic() || c == '_' || c == '.' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            out.push(Token {
                kind: Tok::Ident(chars[start..i].iter().collect()),
                line,
                column,
            });
            continue;
        }
        let rest: String = chars[i..chars.len().min(i + 3)].iter().collect();
        match PUNCTS.iter().find(|p| rest.starts_with(*p)) {
            Some(p) => {
                out.push(Token {
                    kind: Tok::Punct(p),
                    line,
                    column,
                });
                i += p.len();
            }
            None => {
                return Err(err(
                    file,
                    line,
                    column,
                    format!("unexpected character `{}`", c.escape_default()),
                ))
            }
        }
    }
    out.push(Token {
        kind: Tok::Newline,
        line,
        column: col0 + chars.len() as u32,
    });
    Ok(())
}

pub(super) fn parse_count(
    file: &str,
    line: u32,
    col: u32,
    word: Option<&str>,
    what: &str,
    max: usize,
) -> Result<usize, SemError> {
    let n = word
        .and_then(|w| w.replace('_', "").parse::<usize>().ok())
        .ok_or_else(|| err(file, line, col, format!("`{what}` needs a number")))?;
    if n > max {
        return Err(err(
            file,
            line,
            col,
            format!("`{what} {n}` is more than the limit of {max}"),
        ));
    }
    Ok(n)
}
