//! Constant-expression evaluation over source text.
//!
//! Opcode values are written as literals in a dozen syntaxes and, now and then, as small
//! expressions (`BASE + 3`, `1 << 4`, `Op.HALT`, `(uint8_t)0x10`, `0x10 as u8`, `iota + 1`).
//! Evaluating the text of the value node with one small Pratt parser keeps that logic in one
//! place for every language instead of one evaluator per grammar. Anything it does not
//! understand (function calls with several arguments, strings, floats) yields `None`, which
//! makes the item unresolvable rather than wrong.

use std::collections::HashMap;

/// Names already defined in a file, for references to earlier constants.
#[derive(Debug, Default, Clone)]
pub struct Env {
    values: HashMap<String, i64>,
}

impl Env {
    /// Records a constant under its own name and, for qualified names, also under the last
    /// path segment, so `Op.HALT`, `Op::HALT` and `HALT` all resolve.
    pub fn define(&mut self, name: &str, value: i64) {
        self.values.insert(name.to_string(), value);
    }

    /// Records `Owner.name` as well as `name`.
    pub fn define_member(&mut self, owner: &str, name: &str, value: i64) {
        if !owner.is_empty() {
            self.values.insert(format!("{owner}.{name}"), value);
        }
        self.values.entry(name.to_string()).or_insert(value);
    }

    fn lookup(&self, path: &str) -> Option<i64> {
        if let Some(v) = self.values.get(path) {
            return Some(*v);
        }
        // `Op::HALT`, `self.HALT`, `Opcode.HALT.value`: try the qualified pair, then the last
        // segment that names something.
        let segs: Vec<&str> = path
            .split(['.', ':'])
            .filter(|s| !s.is_empty() && *s != "value" && *s != "self" && *s != "Self")
            .collect();
        if segs.len() >= 2 {
            let pair = format!("{}.{}", segs[segs.len() - 2], segs[segs.len() - 1]);
            if let Some(v) = self.values.get(&pair) {
                return Some(*v);
            }
        }
        segs.last().and_then(|s| self.values.get(*s)).copied()
    }
}

/// Parses one integer literal in any of the supported spellings: `0x1F`, `0X1f`, `0b101`,
/// `0o17`, C-style octal `017`, `1_000`, `0x10u8`, `16U`, `16UL`, `0x10n`, Ruby `?A` is not
/// supported. Returns `None` for anything else (floats, strings, identifiers).
pub fn parse_int_literal(text: &str) -> Option<i64> {
    let t = text.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    if t.is_empty() {
        return None;
    }
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, t),
    };
    if !t.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let clean: String = t.chars().filter(|c| *c != '_' && *c != '\'').collect();
    let lower = clean.to_ascii_lowercase();
    let (radix, digits) = if let Some(r) = lower.strip_prefix("0x") {
        (16, r)
    } else if let Some(r) = lower.strip_prefix("0b") {
        (2, r)
    } else if let Some(r) = lower.strip_prefix("0o") {
        (8, r)
    } else if lower.len() > 1
        && lower.starts_with('0')
        && lower[1..].starts_with(|c: char| c.is_ascii_digit())
    {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    // Strip type suffixes: Rust `u8`/`i32`/`usize`, C `u`/`l`/`ul`/`ull`, JS BigInt `n`.
    let end = digits
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(digits.len());
    let (num, suffix) = digits.split_at(end);
    if num.is_empty() {
        return None;
    }
    let suffix_ok = suffix.is_empty()
        || matches!(suffix, "u" | "l" | "ul" | "lu" | "ll" | "ull" | "llu" | "n")
        || ((suffix.starts_with('u') || suffix.starts_with('i'))
            && (suffix[1..].chars().all(|c| c.is_ascii_digit()) || &suffix[1..] == "size"));
    if !suffix_ok {
        return None;
    }
    let v = i64::from_str_radix(num, radix).ok()?;
    Some(if neg { -v } else { v })
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(i64),
    Ident(String),
    Op(&'static str),
    LParen,
    RParen,
}

fn tokenize(text: &str) -> Option<Vec<Tok>> {
    let b = text.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let c = b[i] as char;
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(Tok::Num(parse_int_literal(&text[start..i])?));
        } else if c.is_ascii_alphabetic() || c == '_' || c == '$' || c == '@' {
            let start = i;
            // Qualified names stay one token: `Op.HALT`, `Op::HALT`, `self::OP`, `@intFromEnum`.
            while i < b.len()
                && (b[i].is_ascii_alphanumeric()
                    || b[i] == b'_'
                    || b[i] == b'$'
                    || b[i] == b'@'
                    || (b[i] == b'.'
                        && i + 1 < b.len()
                        && (b[i + 1].is_ascii_alphabetic() || b[i + 1] == b'_'))
                    || (b[i] == b':' && i + 1 < b.len() && b[i + 1] == b':')
                    || (b[i] == b':' && i > 0 && b[i - 1] == b':'))
            {
                i += 1;
            }
            out.push(Tok::Ident(text[start..i].to_string()));
        } else {
            let two = text.get(i..i + 2).unwrap_or("");
            let op: &'static str = match two {
                "<<" => "<<",
                ">>" => ">>",
                _ => match c {
                    '+' => "+",
                    '-' => "-",
                    '*' => "*",
                    '/' => "/",
                    '%' => "%",
                    '|' => "|",
                    '&' => "&",
                    '^' => "^",
                    '~' => "~",
                    '(' => {
                        out.push(Tok::LParen);
                        i += 1;
                        continue;
                    }
                    ')' => {
                        out.push(Tok::RParen);
                        i += 1;
                        continue;
                    }
                    _ => return None,
                },
            };
            i += op.len();
            out.push(Tok::Op(op));
        }
    }
    Some(out)
}

/// Type names that appear in casts (`(uint8_t)0x10`, `byte(3)`, `0x10 as u8`) and are skipped.
fn is_type_name(name: &str) -> bool {
    matches!(
        name,
        "u8" | "u16"
            | "u32"
            | "u64"
            | "usize"
            | "i8"
            | "i16"
            | "i32"
            | "i64"
            | "isize"
            | "uint8_t"
            | "uint16_t"
            | "uint32_t"
            | "uint64_t"
            | "int8_t"
            | "int16_t"
            | "int32_t"
            | "int64_t"
            | "int"
            | "unsigned"
            | "char"
            | "short"
            | "long"
            | "byte"
            | "uint"
            | "uint8"
            | "uint16"
            | "uint32"
            | "int8"
            | "int16"
            | "int32"
            | "int64"
            | "number"
            | "const"
            | "size_t"
    )
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    env: &'a Env,
    iota: Option<i64>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn binding_power(op: &str) -> (u8, u8) {
        match op {
            "|" => (1, 2),
            "^" => (3, 4),
            "&" => (5, 6),
            "<<" | ">>" => (7, 8),
            "+" | "-" => (9, 10),
            _ => (11, 12), // * / %
        }
    }

    fn expr(&mut self, min_bp: u8) -> Option<i64> {
        let mut lhs = self.prefix()?;
        while let Some(Tok::Op(op)) = self.peek().cloned() {
            if op == "~" {
                return None;
            }
            let (l, r) = Self::binding_power(op);
            if l < min_bp {
                break;
            }
            self.next();
            let rhs = self.expr(r)?;
            lhs = match op {
                "+" => lhs.checked_add(rhs)?,
                "-" => lhs.checked_sub(rhs)?,
                "*" => lhs.checked_mul(rhs)?,
                "/" => lhs.checked_div(rhs)?,
                "%" => lhs.checked_rem(rhs)?,
                "<<" => lhs.checked_shl(u32::try_from(rhs).ok()?)?,
                ">>" => lhs.checked_shr(u32::try_from(rhs).ok()?)?,
                "|" => lhs | rhs,
                "&" => lhs & rhs,
                "^" => lhs ^ rhs,
                _ => return None,
            };
            // Rust/TS casts after a value: `0x10 as u8`.
            self.skip_as_cast();
        }
        Some(lhs)
    }

    fn skip_as_cast(&mut self) {
        while let Some(Tok::Ident(w)) = self.peek() {
            if w == "as" {
                self.pos += 2;
            } else {
                break;
            }
        }
    }

    fn prefix(&mut self) -> Option<i64> {
        let v = match self.next()? {
            Tok::Num(n) => n,
            Tok::Op("-") => self.prefix()?.checked_neg()?,
            Tok::Op("+") => self.prefix()?,
            Tok::Op("~") => !self.prefix()?,
            Tok::LParen => {
                // A C cast `(uint8_t)x` or a parenthesised expression.
                if let (Some(Tok::Ident(name)), Some(Tok::RParen)) =
                    (self.toks.get(self.pos), self.toks.get(self.pos + 1))
                {
                    if is_type_name(name) {
                        self.pos += 2;
                        return self.prefix();
                    }
                }
                let v = self.expr(0)?;
                if self.next()? != Tok::RParen {
                    return None;
                }
                v
            }
            Tok::Ident(name) => {
                if name == "iota" {
                    self.iota?
                } else if self.peek() == Some(&Tok::LParen) {
                    // `byte(3)`, `Opcode(0x10)`, `@as(u8, 3)` is not supported: a one-argument
                    // conversion call evaluates to its argument.
                    self.next();
                    let v = self.expr(0)?;
                    if self.next()? != Tok::RParen {
                        return None;
                    }
                    v
                } else if name == "true" || name == "false" {
                    return None;
                } else {
                    self.env.lookup(&name)?
                }
            }
            _ => return None,
        };
        self.skip_as_cast();
        Some(v)
    }
}

/// Evaluates an expression against the constants defined so far; `iota` is Go's counter in the
/// current `const` block. `None` when the text is not a constant integer expression.
pub fn eval(text: &str, env: &Env, iota: Option<i64>) -> Option<i64> {
    let text = text.trim().trim_end_matches([';', ',']);
    if let Some(v) = parse_int_literal(text) {
        return Some(v);
    }
    let toks = tokenize(text)?;
    let mut p = Parser {
        toks,
        pos: 0,
        env,
        iota,
    };
    let v = p.expr(0)?;
    if p.pos != p.toks.len() {
        return None;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_in_every_base() {
        for (text, want) in [
            ("0x1F", 31),
            ("0X1f", 31),
            ("0b101", 5),
            ("0o17", 15),
            ("017", 15),
            ("42", 42),
            ("1_000", 1000),
            ("0x10u8", 16),
            ("16U", 16),
            ("16UL", 16),
            ("0x10n", 16),
            ("0", 0),
            ("-3", -3),
        ] {
            assert_eq!(parse_int_literal(text), Some(want), "{text}");
        }
        for bad in ["1.5", "\"3\"", "abc", "0xZZ", "12abc", ""] {
            assert_eq!(parse_int_literal(bad), None, "{bad}");
        }
    }

    #[test]
    fn expressions_references_and_iota() {
        let mut env = Env::default();
        env.define("BASE", 0x40);
        env.define_member("Op", "HALT", 0x80);
        assert_eq!(eval("BASE + 3", &env, None), Some(0x43));
        assert_eq!(eval("1 << 4", &env, None), Some(16));
        assert_eq!(eval("(BASE | 0x01) + 2 * 3", &env, None), Some(0x47));
        assert_eq!(eval("Op.HALT", &env, None), Some(0x80));
        assert_eq!(eval("Op::HALT", &env, None), Some(0x80));
        assert_eq!(eval("Opcode.HALT.value", &env, None), Some(0x80));
        assert_eq!(eval("iota + 0x10", &env, Some(2)), Some(0x12));
        assert_eq!(eval("(uint8_t)0x10", &env, None), Some(0x10));
        assert_eq!(eval("byte(7)", &env, None), Some(7));
        assert_eq!(eval("0x10 as u8", &env, None), Some(0x10));
        assert_eq!(eval("UNKNOWN + 1", &env, None), None);
        assert_eq!(eval("\"HALT\"", &env, None), None);
        assert_eq!(eval("f(1, 2)", &env, None), None);
        assert_eq!(eval("iota", &env, None), None);
    }
}
