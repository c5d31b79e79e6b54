//! The compiler: an instruction's body tokens into flat postfix code (shunting-yard for
//! expressions, conditional jumps for blocks), with nesting on explicit stacks.

use super::*;

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
            // At the end of the body: point just after its last token.
            None => {
                let (line, column) = toks.last().map_or((0, 0), |t| (t.line, t.column + 1));
                Err(err(
                    self.file,
                    line,
                    column,
                    format!("expected `{p}` at the end of the line"),
                ))
            }
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
