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

mod compile;
mod lex;
mod parse;

pub use compile::{compile, Code, Scope};
pub use parse::parse;

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
