//! The semantics file: its lines, the expression language and the compiler to flat code.
//!
//! A file is read line by line. Declarations start in the first column (`machine`, `width`,
//! `registers`, `fregisters`, `memory`, `stack`, `flag`, `var`, `format`, `choice`); an
//! instruction starts in the first column with its mnemonic (`IADD:` or `IADD as RRR:`) and its
//! body runs on over the indented lines that follow. Bodies are statements separated by `;` or
//! line ends; `if EXPR {`, `} else {` and `}` open and close blocks.
//!
//! Expressions are compiled with a shunting-yard pass into postfix code and blocks into
//! conditional jumps, so neither the parser nor the interpreter recurses: nesting lives on
//! explicit stacks, bounded by [`MAX_NESTING`] with an error naming the place.

use std::collections::BTreeMap;
use std::fmt;

/// Deepest nesting of parentheses, brackets, calls and blocks a file may use.
pub const MAX_NESTING: usize = 64;
/// Longest semantics file read (bytes): a file is a few kilobytes; the bound keeps a hostile
/// one from costing memory.
pub const MAX_FILE: usize = 1 << 20;

/// An error in a semantics file, at a line and column (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SemError {
    /// The file name as given.
    pub file: String,
    /// Line, 1-based.
    pub line: u32,
    /// Column (characters), 1-based.
    pub column: u32,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for SemError {}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`, truncating toward zero on integers
    Div,
    /// `%`, the remainder of `/` (sign of the dividend)
    Rem,
    /// `&`
    And,
    /// `|`
    Or,
    /// `^`
    Xor,
    /// `<<`
    Shl,
    /// `>>`, arithmetic
    Shr,
    /// `>>>`, logical at the machine width
    Ushr,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `&&` (both sides are evaluated)
    LAnd,
    /// `||` (both sides are evaluated)
    LOr,
}

impl BinOp {
    fn parse(s: &str) -> Option<(BinOp, u8)> {
        use BinOp::*;
        Some(match s {
            "||" => (LOr, 1),
            "&&" => (LAnd, 2),
            "|" => (Or, 3),
            "^" => (Xor, 4),
            "&" => (And, 5),
            "==" => (Eq, 6),
            "!=" => (Ne, 6),
            "<" => (Lt, 7),
            "<=" => (Le, 7),
            ">" => (Gt, 7),
            ">=" => (Ge, 7),
            "<<" => (Shl, 8),
            ">>" => (Shr, 8),
            ">>>" => (Ushr, 8),
            "+" => (Add, 9),
            "-" => (Sub, 9),
            "*" => (Mul, 10),
            "/" => (Div, 10),
            "%" => (Rem, 10),
            _ => return None,
        })
    }
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    /// `-x`
    Neg,
    /// `!x`: 1 when x is 0, else 0
    Not,
    /// `~x`: bitwise complement
    Compl,
}

/// Built-in functions (fixed arity).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// `s8(x)`, `s16(x)`, `s32(x)`: the low bits as a signed number
    Signed(u8),
    /// `u8(x)`, `u16(x)`, `u32(x)`: the low bits as an unsigned number
    Unsigned(u8),
    /// `min(a, b)`
    Min,
    /// `max(a, b)`
    Max,
    /// `abs(x)`
    Abs,
    /// `clamp(x, lo, hi)`
    Clamp,
    /// `rotl(x, n)` at the machine width
    Rotl,
    /// `rotr(x, n)` at the machine width
    Rotr,
    /// `f32(bits)`: the low 32 bits read as an IEEE single
    F32,
    /// `bits32(x)`: an IEEE single's bits (as a signed 32-bit number)
    Bits32,
    /// `int(x)`: truncates a float
    Int,
    /// `float(x)`: an integer as a float
    Float,
}

impl Func {
    fn parse(name: &str) -> Option<(Func, usize)> {
        Some(match name {
            "s8" => (Func::Signed(8), 1),
            "s16" => (Func::Signed(16), 1),
            "s32" => (Func::Signed(32), 1),
            "u8" => (Func::Unsigned(8), 1),
            "u16" => (Func::Unsigned(16), 1),
            "u32" => (Func::Unsigned(32), 1),
            "min" => (Func::Min, 2),
            "max" => (Func::Max, 2),
            "abs" => (Func::Abs, 1),
            "clamp" => (Func::Clamp, 3),
            "rotl" => (Func::Rotl, 2),
            "rotr" => (Func::Rotr, 2),
            "f32" => (Func::F32, 1),
            "bits32" => (Func::Bits32, 1),
            "int" => (Func::Int, 1),
            "float" => (Func::Float, 1),
            _ => return None,
        })
    }
}

/// Memory and register spaces an index selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Space {
    /// `R[i]`: integer registers
    R,
    /// `F[i]`: float registers
    F,
    /// `M8[a]`: a byte of memory, unsigned
    M8,
    /// `M16[a]`: two bytes little-endian, signed
    M16,
    /// `M32[a]`: four bytes little-endian, signed
    M32,
}

impl Space {
    fn parse(name: &str) -> Option<Space> {
        Some(match name {
            "R" => Space::R,
            "F" => Space::F,
            "M8" => Space::M8,
            "M16" => Space::M16,
            "M32" => Space::M32,
            _ => return None,
        })
    }
}

/// One step of compiled code. Expressions leave values on a value stack; statements take them.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// An integer literal.
    Int(i64),
    /// A float literal.
    Float(f64),
    /// An operand field of the instruction (index into its layout's fields).
    Field(usize),
    /// A `let` local.
    Local(usize),
    /// The byte offset of this instruction.
    Pc,
    /// The byte offset after this instruction.
    Next,
    /// A declared flag (1 or 0).
    Flag(usize),
    /// A declared variable.
    Var(usize),
    /// The number of values on the stack.
    Depth,
    /// The number of return addresses on the call stack.
    CallDepth,
    /// Pops the stack (traps on an empty stack).
    Pop,
    /// Pops the call stack (traps on an empty one).
    PopCall,
    /// Reads a register or memory; the index is on the value stack.
    Read(Space),
    /// A binary operator.
    Bin(BinOp),
    /// A unary operator.
    Un(UnOp),
    /// A built-in function.
    Call(Func),
    /// `let NAME = …`.
    SetLocal(usize),
    /// `R[i] = v` and friends: index, then value, on the value stack.
    Write(Space),
    /// `pc = v`: jump.
    SetPc,
    /// `FLAG = v`.
    SetFlag(usize),
    /// `VAR = v`.
    SetVar(usize),
    /// `push v`.
    Push,
    /// `call v`: pushes the next offset on the call stack and jumps to v.
    CallTo,
    /// `trap NAME` (index into the file's names).
    Trap(usize),
    /// `halt`.
    Halt,
    /// `unsupported "why"` (index into the file's names).
    Unsupported(usize),
    /// Jumps to the code index when the popped value is 0.
    JumpIfZero(usize),
    /// Jumps to the code index.
    Jump(usize),
}

/// A named semantic choice the file makes where sources disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// Short name (`div-zero`, `branch-base`, …).
    pub name: String,
    /// What was chosen and why.
    pub text: String,
    /// Line of the declaration.
    pub line: u32,
}

/// A format a semantics file declares for instructions whose table letter does not say how
/// the interpreter reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatDecl {
    /// Operand fields: name, bits, kind (as the table reader spells kinds).
    pub fields: Vec<(String, u16, isa_core::FieldKind)>,
    /// Line of the declaration.
    pub line: u32,
}

/// One instruction's semantics as written (compiled once the table's layout is known).
#[derive(Debug, Clone, PartialEq)]
pub struct InstrSource {
    /// The mnemonic as written.
    pub mnemonic: String,
    /// `as FORMAT`, when given.
    pub format: Option<String>,
    /// Tokens of the body.
    pub tokens: Vec<Token>,
    /// The body as written (lines joined with ` ⏎ `, comments kept), for reports.
    pub text: String,
    /// Where the header is.
    pub line: u32,
    /// Column of the mnemonic.
    pub column: u32,
}

/// The machine style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Machine {
    /// Registers (and a value stack for PUSH/POP).
    Register,
    /// Operands on a value stack.
    Stack,
}

/// A parsed semantics file, before it is attached to a table.
#[derive(Debug, Clone, PartialEq)]
pub struct SemFile {
    /// The file name as given (for messages).
    pub file: String,
    /// Machine style.
    pub machine: Machine,
    /// Integer width in bits: values written to registers, the stack and variables wrap to it.
    pub width: u32,
    /// Integer registers.
    pub registers: usize,
    /// Float registers.
    pub fregisters: usize,
    /// Memory bytes.
    pub memory: usize,
    /// Deepest value stack (and call stack).
    pub stack: usize,
    /// Flags, in declaration order.
    pub flags: Vec<String>,
    /// Variables and their initial values.
    pub vars: Vec<(String, i64)>,
    /// Declared formats.
    pub formats: BTreeMap<String, FormatDecl>,
    /// Named choices.
    pub choices: Vec<Choice>,
    /// The built-in format scheme for the table's undeclared letters (`scheme NAME`).
    pub scheme: Option<String>,
    /// Instructions, in file order.
    pub instructions: Vec<InstrSource>,
}

/// A token with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// What it is.
    pub kind: Tok,
    /// Line, 1-based.
    pub line: u32,
    /// Column, 1-based.
    pub column: u32,
}

/// Token kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A name.
    Ident(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A quoted string.
    Str(String),
    /// Punctuation and operators.
    Punct(&'static str),
    /// A line end (a statement separator).
    Newline,
}

const PUNCTS: [&str; 27] = [
    ">>>", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "+", "-", "*", "/", "%", "&", "|", "^",
    "<", ">", "=", "!", "~", "(", ")", "[", "]", ",",
];

fn err(file: &str, line: u32, column: u32, message: impl Into<String>) -> SemError {
    SemError {
        file: file.to_string(),
        line,
        column,
        message: message.into(),
    }
}

/// Splits one line (from character column `col0`) into tokens.
fn lex_line(
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

fn parse_count(
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

/// Names a body may use, resolved by the compiler.
pub struct Scope<'a> {
    /// Operand field names of the instruction's layout.
    pub fields: &'a [String],
    /// Declared flags.
    pub flags: &'a [String],
    /// Declared variables.
    pub vars: &'a [(String, i64)],
}

/// Compiled code of one instruction, plus the names its traps use.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Code {
    /// The flat code.
    pub ops: Vec<Op>,
    /// How many locals it uses.
    pub locals: usize,
}

enum Item {
    Bin(BinOp, u8),
    Un(UnOp),
    Paren,
    /// A call or an indexed read: what to emit at the close, how many arguments were seen,
    /// whether an argument has started since the last comma.
    Group {
        emit: Op,
        want: usize,
        args: usize,
        open: &'static str,
        name_line: u32,
        name_col: u32,
    },
}

struct Compiler<'a> {
    file: &'a str,
    scope: &'a Scope<'a>,
    names: &'a mut Vec<String>,
    locals: Vec<String>,
    ops: Vec<Op>,
}

impl Compiler<'_> {
    fn err(&self, t: &Token, message: impl Into<String>) -> SemError {
        err(self.file, t.line, t.column, message)
    }

    fn name(&mut self, s: &str) -> usize {
        match self.names.iter().position(|n| n == s) {
            Some(i) => i,
            None => {
                self.names.push(s.to_string());
                self.names.len() - 1
            }
        }
    }

    /// Compiles one expression starting at `pos`, stopping before the first token at nesting 0
    /// that cannot continue it; returns the position after it.
    fn expr(&mut self, toks: &[Token], mut pos: usize) -> Result<usize, SemError> {
        let mut stack: Vec<Item> = Vec::new();
        let mut want_operand = true;
        let start = pos;
        while let Some(t) = toks.get(pos) {
            match &t.kind {
                Tok::Int(_) | Tok::Float(_) | Tok::Ident(_) if !want_operand => break,
                Tok::Int(v) => {
                    self.ops.push(Op::Int(*v));
                    want_operand = false;
                }
                Tok::Float(v) => {
                    self.ops.push(Op::Float(*v));
                    want_operand = false;
                }
                Tok::Ident(name) => {
                    let next_is = |p: &str| matches!(toks.get(pos + 1), Some(Token { kind: Tok::Punct(q), .. }) if *q == p);
                    if let Some(space) = Space::parse(name).filter(|_| next_is("[")) {
                        if stack.len() >= MAX_NESTING {
                            return Err(
                                self.err(t, format!("nested more than {MAX_NESTING} levels deep"))
                            );
                        }
                        stack.push(Item::Group {
                            emit: Op::Read(space),
                            want: 1,
                            args: 0,
                            open: "[",
                            name_line: t.line,
                            name_col: t.column,
                        });
                        pos += 2;
                        continue;
                    }
                    if let Some((func, arity)) = Func::parse(name).filter(|_| next_is("(")) {
                        if stack.len() >= MAX_NESTING {
                            return Err(
                                self.err(t, format!("nested more than {MAX_NESTING} levels deep"))
                            );
                        }
                        stack.push(Item::Group {
                            emit: Op::Call(func),
                            want: arity,
                            args: 0,
                            open: "(",
                            name_line: t.line,
                            name_col: t.column,
                        });
                        pos += 2;
                        continue;
                    }
                    let op = self.leaf(t, name)?;
                    self.ops.push(op);
                    want_operand = false;
                }
                Tok::Punct(p) => {
                    let p = *p;
                    if want_operand {
                        match p {
                            "-" => stack.push(Item::Un(UnOp::Neg)),
                            "!" => stack.push(Item::Un(UnOp::Not)),
                            "~" => stack.push(Item::Un(UnOp::Compl)),
                            "(" => stack.push(Item::Paren),
                            ")" if matches!(
                                stack.last(),
                                Some(Item::Group {
                                    args: 0,
                                    want: 0,
                                    ..
                                })
                            ) =>
                            {
                                // A call with no arguments: none exist today, but the shape is
                                // accepted so the arity check names the problem.
                                self.close(&mut stack, t, ")")?;
                                want_operand = false;
                            }
                            _ => return Err(self.err(t, format!("expected a value, found `{p}`"))),
                        }
                        if stack.len() > MAX_NESTING {
                            return Err(
                                self.err(t, format!("nested more than {MAX_NESTING} levels deep"))
                            );
                        }
                    } else if let Some((op, prec)) = BinOp::parse(p) {
                        self.reduce(&mut stack, prec);
                        stack.push(Item::Bin(op, prec));
                        want_operand = true;
                    } else if p == ")" || p == "]" {
                        if !stack
                            .iter()
                            .any(|i| matches!(i, Item::Paren | Item::Group { .. }))
                        {
                            break;
                        }
                        self.close(&mut stack, t, p)?;
                    } else if p == "," {
                        self.reduce(&mut stack, 0);
                        match stack.last_mut() {
                            Some(Item::Group {
                                args, open: "(", ..
                            }) => *args += 1,
                            _ => return Err(self.err(t, "`,` outside a function's arguments")),
                        }
                        want_operand = true;
                    } else {
                        break;
                    }
                }
                Tok::Str(_) | Tok::Newline => break,
            }
            pos += 1;
        }
        let here = toks.get(pos).or(toks.last()).cloned().unwrap_or(Token {
            kind: Tok::Newline,
            line: 0,
            column: 0,
        });
        if want_operand {
            return Err(if pos == start {
                self.err(&here, "expected an expression")
            } else {
                self.err(&here, "the expression ends where a value is expected")
            });
        }
        self.reduce(&mut stack, 0);
        if let Some(item) = stack.last() {
            let (line, column, open) = match item {
                Item::Group {
                    name_line,
                    name_col,
                    open,
                    ..
                } => (*name_line, *name_col, *open),
                _ => (here.line, here.column, "("),
            };
            let close = if open == "[" { "]" } else { ")" };
            return Err(err(
                self.file,
                line,
                column,
                format!("`{open}` is not closed by `{close}`"),
            ));
        }
        Ok(pos)
    }

    /// Pops operators of precedence at least `prec` into the output.
    fn reduce(&mut self, stack: &mut Vec<Item>, prec: u8) {
        while let Some(top) = stack.last() {
            match top {
                Item::Un(op) => {
                    self.ops.push(Op::Un(*op));
                    stack.pop();
                }
                Item::Bin(op, p) if *p >= prec.max(1) => {
                    self.ops.push(Op::Bin(*op));
                    stack.pop();
                }
                _ => break,
            }
        }
    }

    fn close(&mut self, stack: &mut Vec<Item>, t: &Token, p: &str) -> Result<(), SemError> {
        self.reduce(stack, 0);
        match stack.pop() {
            Some(Item::Paren) if p == ")" => Ok(()),
            Some(Item::Group {
                emit,
                want,
                args,
                open,
                ..
            }) if (open == "[") == (p == "]") => {
                let got = args + 1;
                if got != want {
                    return Err(self.err(
                        t,
                        format!(
                            "this takes {want} argument{}, not {got}",
                            if want == 1 { "" } else { "s" }
                        ),
                    ));
                }
                self.ops.push(emit);
                // A unary operator before the group applies to its whole value.
                while let Some(Item::Un(op)) = stack.last() {
                    self.ops.push(Op::Un(*op));
                    stack.pop();
                }
                Ok(())
            }
            _ => Err(self.err(t, format!("`{p}` closes nothing"))),
        }
    }

    fn leaf(&mut self, t: &Token, name: &str) -> Result<Op, SemError> {
        if let Some(i) = self.locals.iter().rposition(|l| l == name) {
            return Ok(Op::Local(i));
        }
        if let Some(i) = self.scope.fields.iter().position(|f| f == name) {
            return Ok(Op::Field(i));
        }
        if let Some(i) = self.scope.flags.iter().position(|f| f == name) {
            return Ok(Op::Flag(i));
        }
        if let Some(i) = self.scope.vars.iter().position(|(v, _)| v == name) {
            return Ok(Op::Var(i));
        }
        Ok(match name {
            "pc" => Op::Pc,
            "next" => Op::Next,
            "depth" => Op::Depth,
            "calldepth" => Op::CallDepth,
            "pop" => Op::Pop,
            "popcall" => Op::PopCall,
            _ => {
                let fields = if self.scope.fields.is_empty() {
                    "the instruction has no operand fields".to_string()
                } else {
                    format!("its operand fields are {}", self.scope.fields.join(", "))
                };
                return Err(self.err(
                    t,
                    format!("unknown name `{name}` ({fields}; see docs/semantics.md for the rest)"),
                ));
            }
        })
    }

    fn expect(&self, toks: &[Token], pos: usize, p: &str) -> Result<usize, SemError> {
        match toks.get(pos) {
            Some(Token {
                kind: Tok::Punct(q),
                ..
            }) if *q == p => Ok(pos + 1),
            Some(t) => Err(self.err(t, format!("expected `{p}`"))),
            None => Err(err(self.file, 0, 0, format!("expected `{p}`"))),
        }
    }
}

/// Compiles an instruction's body against its operand fields.
pub fn compile(
    file: &str,
    body: &[Token],
    scope: &Scope,
    names: &mut Vec<String>,
) -> Result<Code, SemError> {
    let mut c = Compiler {
        file,
        scope,
        names,
        locals: Vec::new(),
        ops: Vec::new(),
    };
    // Open blocks: the index of the JumpIfZero (or Jump, after `else`) to patch at `}`, and
    // whether `else` was seen.
    let mut blocks: Vec<(usize, bool, Token)> = Vec::new();
    let mut pos = 0;
    while pos < body.len() {
        let t = &body[pos];
        match &t.kind {
            Tok::Newline | Tok::Punct(";") => {
                pos += 1;
                continue;
            }
            Tok::Punct("}") => {
                let Some((at, _, _)) = blocks.pop() else {
                    return Err(c.err(t, "`}` closes no block"));
                };
                pos += 1;
                // `} else {`: jump over the else branch from the end of the then branch.
                if matches!(body.get(pos), Some(Token { kind: Tok::Ident(w), .. }) if w == "else") {
                    let jump = c.ops.len();
                    c.ops.push(Op::Jump(usize::MAX));
                    let here = c.ops.len();
                    patch(&mut c.ops, at, here);
                    pos = c.expect(body, pos + 1, "{")?;
                    blocks.push((jump, true, t.clone()));
                } else {
                    let here = c.ops.len();
                    patch(&mut c.ops, at, here);
                }
                continue;
            }
            Tok::Ident(word) => {
                let word = word.clone();
                let next_eq = matches!(
                    body.get(pos + 1),
                    Some(Token {
                        kind: Tok::Punct("="),
                        ..
                    })
                );
                match word.as_str() {
                    "if" => {
                        pos = c.expr(body, pos + 1)?;
                        pos = c.expect(body, pos, "{")?;
                        if blocks.len() >= MAX_NESTING {
                            return Err(c.err(
                                t,
                                format!("blocks nested more than {MAX_NESTING} levels deep"),
                            ));
                        }
                        blocks.push((c.ops.len(), false, t.clone()));
                        c.ops.push(Op::JumpIfZero(usize::MAX));
                        // The block's first statement may follow `{` on the same line.
                        continue;
                    }
                    "let" => {
                        let Some(Token {
                            kind: Tok::Ident(name),
                            ..
                        }) = body.get(pos + 1)
                        else {
                            return Err(c.err(t, "write `let NAME = EXPR`"));
                        };
                        let name = name.clone();
                        pos = c.expect(body, pos + 2, "=")?;
                        pos = c.expr(body, pos)?;
                        let slot = c.locals.len();
                        c.locals.push(name);
                        c.ops.push(Op::SetLocal(slot));
                    }
                    "push" => {
                        pos = c.expr(body, pos + 1)?;
                        c.ops.push(Op::Push);
                    }
                    "call" => {
                        pos = c.expr(body, pos + 1)?;
                        c.ops.push(Op::CallTo);
                    }
                    "trap" | "unsupported" => {
                        let mut name = match body.get(pos + 1) {
                            Some(Token {
                                kind: Tok::Ident(n) | Tok::Str(n),
                                ..
                            }) => n.clone(),
                            _ => return Err(c.err(t, format!("write `{word} NAME`"))),
                        };
                        pos += 2;
                        // Trap names may be hyphenated (`stack-underflow`), like the built-in ones.
                        while let (
                            Some(Token {
                                kind: Tok::Punct("-"),
                                ..
                            }),
                            Some(Token {
                                kind: Tok::Ident(more),
                                ..
                            }),
                        ) = (body.get(pos), body.get(pos + 1))
                        {
                            name.push('-');
                            name.push_str(more);
                            pos += 2;
                        }
                        let i = c.name(&name);
                        c.ops.push(if word == "trap" {
                            Op::Trap(i)
                        } else {
                            Op::Unsupported(i)
                        });
                    }
                    "halt" => {
                        c.ops.push(Op::Halt);
                        pos += 1;
                    }
                    "nop" => pos += 1,
                    "pc" if next_eq => {
                        pos = c.expr(body, pos + 2)?;
                        c.ops.push(Op::SetPc);
                    }
                    _ if next_eq => {
                        let op = if let Some(i) = c.locals.iter().rposition(|l| *l == word) {
                            Op::SetLocal(i)
                        } else if let Some(i) = c.scope.flags.iter().position(|f| *f == word) {
                            Op::SetFlag(i)
                        } else if let Some(i) = c.scope.vars.iter().position(|(v, _)| *v == word) {
                            Op::SetVar(i)
                        } else {
                            return Err(c.err(
                                t,
                                format!("`{word}` cannot be assigned: only R[…], F[…], M8/M16/M32[…], pc, flags, vars and `let` locals can"),
                            ));
                        };
                        pos = c.expr(body, pos + 2)?;
                        c.ops.push(op);
                    }
                    _ => {
                        let Some(space) = Space::parse(&word).filter(|_| {
                            matches!(
                                body.get(pos + 1),
                                Some(Token {
                                    kind: Tok::Punct("["),
                                    ..
                                })
                            )
                        }) else {
                            return Err(c.err(
                                t,
                                format!("`{word}` does not start a statement (assignments, let, if, push, call, trap, halt, nop, unsupported)"),
                            ));
                        };
                        pos = c.expr(body, pos + 2)?;
                        pos = c.expect(body, pos, "]")?;
                        pos = c.expect(body, pos, "=")?;
                        pos = c.expr(body, pos)?;
                        c.ops.push(Op::Write(space));
                    }
                }
            }
            _ => return Err(c.err(t, "expected a statement")),
        }
        match body.get(pos) {
            None => {}
            Some(Token {
                kind: Tok::Newline | Tok::Punct(";" | "}"),
                ..
            }) => {}
            Some(t) => {
                return Err(c.err(t, "expected `;` or the end of the line after the statement"))
            }
        }
    }
    if let Some((_, _, t)) = blocks.last() {
        return Err(c.err(t, "this block is not closed by `}`"));
    }
    Ok(Code {
        ops: c.ops,
        locals: c.locals.len(),
    })
}

fn patch(ops: &mut [Op], at: usize, target: usize) {
    match &mut ops[at] {
        Op::JumpIfZero(t) | Op::Jump(t) => *t = target,
        _ => unreachable!("only jumps are patched"),
    }
}
