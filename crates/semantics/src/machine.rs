//! Semantics attached to a table, and the reference interpreter that runs them.
//!
//! Attaching reads the table through the core's one resolve step: a semantics file's `as
//! FORMAT` only adds a declared layout to a copy of the table (as the table's own `formats`
//! would), and [`isa_core::resolve`] then gives every instruction its opcode bytes and operand
//! fields. The interpreter decodes with those bytes and fields and executes the compiled code of
//! the instruction's semantics; there is no per-opcode Rust code.

use std::collections::HashMap;
use std::fmt;

use isa_core::resolve::ResolveOptions;
use isa_core::{Aliases, Facts, FieldKind, Layout, Scheme, Table};

use crate::lang::{self, BinOp, Code, Func, Machine, Op, Scope, SemError, SemFile, Space, UnOp};

/// A value: integers and floats (the stack machine keeps floats as bit patterns in integers).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
}

impl Value {
    fn int(self) -> i64 {
        match self {
            Value::Int(v) => v,
            Value::Float(f) => f as i64,
        }
    }
    fn float(self) -> f64 {
        match self {
            Value::Int(v) => v as f64,
            Value::Float(f) => f,
        }
    }
    fn truthy(self) -> bool {
        match self {
            Value::Int(v) => v != 0,
            Value::Float(f) => f != 0.0,
        }
    }
}

/// How an operand field is read.
#[derive(Debug, Clone)]
struct FieldSpec {
    offset: usize,
    bytes: usize,
    signed: bool,
    big: bool,
    payload: bool,
}

/// One decodable instruction.
#[derive(Debug, Clone)]
struct Exec {
    mnemonic: String,
    /// False when the table gives the instruction no layout (and the file no `as FORMAT`).
    known: bool,
    /// Bytes of the fixed part, opcode included.
    fixed: usize,
    fields: Vec<FieldSpec>,
    /// The operand fields' names, for fingerprints.
    field_names: Vec<String>,
    /// `None`: the table lists the instruction but the semantics file does not define it.
    code: Option<Code>,
}

/// A semantics file attached to a table: ready to run programs.
#[derive(Debug, Clone)]
pub struct Semantics {
    /// The file as parsed.
    pub file: SemFile,
    /// The table's implementation name.
    pub table: String,
    /// Names used by `trap` and `unsupported`.
    names: Vec<String>,
    execs: Vec<Exec>,
    /// First opcode byte → candidates (index into `execs`, opcode bytes).
    lookup: Vec<Vec<(usize, Vec<u8>)>>,
    /// Mnemonic key → index into `execs`.
    by_key: HashMap<String, usize>,
}

/// Why a stop happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    /// A `halt`.
    Halted,
    /// The program counter reached the end of the program.
    End,
    /// The step bound was reached.
    StepLimit,
    /// A trap.
    Trap(Trap),
    /// The semantics do not model an instruction reached.
    Unsupported(Trap),
}

/// A trap (or an unsupported instruction) where it happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Trap {
    /// The trap's name (`VMDivisionByZeroError`, `stack-underflow`, …) or why it is unsupported.
    pub name: String,
    /// Byte offset of the instruction.
    pub offset: usize,
    /// Its mnemonic, when decoded.
    pub instruction: Option<String>,
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.name, self.offset)?;
        if let Some(i) = &self.instruction {
            write!(f, " ({i})")?;
        }
        Ok(())
    }
}

/// The machine state.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// Integer registers.
    pub gp: Vec<i64>,
    /// Float registers.
    pub fp: Vec<f64>,
    /// Flags, in the file's order.
    pub flags: Vec<bool>,
    /// Variables, in the file's order.
    pub vars: Vec<i64>,
    /// The value stack, bottom first.
    pub stack: Vec<Value>,
    /// The call stack (return offsets), bottom first.
    pub calls: Vec<i64>,
    /// Memory.
    pub memory: Vec<u8>,
    /// Program counter (byte offset).
    pub pc: usize,
    /// Instructions executed.
    pub steps: u64,
}

/// The outcome of a run: the final state and why it stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Final state.
    pub state: State,
    /// Why it stopped.
    pub stop: Stop,
}

/// Errors of attaching a semantics file to a table.
#[derive(Debug, Clone)]
pub struct AttachErrors(pub Vec<SemError>);

impl fmt::Display for AttachErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for AttachErrors {}

const FORMAT_PREFIX: &str = "semantics:";

impl Semantics {
    /// Attaches a parsed file to a table: every instruction the file defines must be in the
    /// table, every `as FORMAT` declared, every body compile against the instruction's fields,
    /// and the table must decode unambiguously. All errors are collected.
    pub fn attach(
        file: SemFile,
        table: &Table,
        aliases: &Aliases,
    ) -> Result<Semantics, AttachErrors> {
        let mut errors = Vec::new();
        let e = |line: u32, column: u32, message: String| SemError {
            file: file.file.clone(),
            line,
            column,
            message,
        };
        let scheme = file
            .scheme
            .as_deref()
            .and_then(Scheme::builtin)
            .unwrap_or_default();
        let mut table = table.clone();
        let mut sources: HashMap<String, usize> = HashMap::new();
        for (i, src) in file.instructions.iter().enumerate() {
            let key = aliases.key(&src.mnemonic);
            if sources.insert(key.clone(), i).is_some() {
                errors.push(e(
                    src.line,
                    src.column,
                    format!("{} is defined twice", src.mnemonic),
                ));
                continue;
            }
            let listed = table.entries.iter().any(|en| {
                en.is_instruction() && aliases.key(en.mnemonic.as_deref().unwrap_or("")) == key
            });
            if !listed {
                errors.push(e(
                    src.line,
                    src.column,
                    format!(
                        "{} is not an instruction of {}",
                        src.mnemonic, table.implementation
                    ),
                ));
                continue;
            }
            let Some(fname) = &src.format else { continue };
            let Some(decl) = file.formats.get(fname) else {
                errors.push(e(
                    src.line,
                    src.column,
                    format!("format {fname} is not declared (write `format {fname} = …` first)"),
                ));
                continue;
            };
            let fields: Vec<isa_core::Field> = decl
                .fields
                .iter()
                .map(|(n, b, k)| isa_core::Field::new(n, *b, *k))
                .collect();
            let bytes: u32 = fields.iter().map(|f| u32::from(f.bits) / 8).sum();
            let layout = match Layout::new(1 + bytes, fields) {
                Ok(l) => l,
                Err(why) => {
                    errors.push(e(decl.line, 1, format!("format {fname}: {}", why.0)));
                    continue;
                }
            };
            let letter = format!("{FORMAT_PREFIX}{fname}");
            table.formats.insert(letter.clone(), layout);
            for en in &mut table.entries {
                if en.is_instruction() && aliases.key(en.mnemonic.as_deref().unwrap_or("")) == key {
                    en.format = Some(letter.as_str().into());
                }
            }
        }
        let options = ResolveOptions::new(&scheme, aliases);
        let resolved = isa_core::resolve(&table, &options);
        let ambiguities = resolved.ambiguities();
        if !ambiguities.is_empty() {
            errors.push(e(
                1,
                1,
                format!(
                    "{} cannot be decoded unambiguously ({} problem(s); `isa-authority check` names them)",
                    table.implementation,
                    ambiguities.len()
                ),
            ));
        }
        let mut names = Vec::new();
        let mut execs = Vec::new();
        let mut lookup: Vec<Vec<(usize, Vec<u8>)>> = vec![Vec::new(); 256];
        let mut by_key = HashMap::new();
        for inst in &resolved.instructions {
            let Ok(bytes) = &inst.bytes else { continue };
            let op = bytes.as_slice().to_vec();
            let (fixed, fields, field_names) = match inst.facts {
                Facts::Layout(l) => {
                    let mut offset = op.len();
                    let mut specs = Vec::new();
                    let mut fnames = Vec::new();
                    for f in &l.fields {
                        let n = usize::from(f.bits).div_ceil(8);
                        specs.push(FieldSpec {
                            offset,
                            bytes: n,
                            signed: matches!(
                                f.kind,
                                FieldKind::SignedImmediate | FieldKind::RelativeOffset
                            ),
                            big: l.endian == isa_core::Endian::Big,
                            payload: f.kind == FieldKind::PayloadLength,
                        });
                        fnames.push(f.name.clone());
                        offset += n;
                    }
                    (offset, specs, fnames)
                }
                Facts::Size(total) => (total as usize, Vec::new(), Vec::new()),
                // Still looked up, so that reaching it says why it cannot run rather than
                // calling its byte illegal.
                Facts::Unknown(_) => (op.len(), Vec::new(), Vec::new()),
            };
            let known = !matches!(inst.facts, Facts::Unknown(_));
            let code = match sources.get(&inst.key) {
                None => None,
                Some(_) if !known => None,
                Some(&i) => {
                    let src = &file.instructions[i];
                    let scope = Scope {
                        fields: &field_names,
                        flags: &file.flags,
                        vars: &file.vars,
                    };
                    match lang::compile(&file.file, &src.tokens, &scope, &mut names) {
                        Ok(code) => Some(code),
                        Err(err) => {
                            errors.push(err);
                            None
                        }
                    }
                }
            };
            let index = execs.len();
            by_key.insert(inst.key.clone(), index);
            lookup[usize::from(op[0])].push((index, op));
            execs.push(Exec {
                mnemonic: inst.entry.mnemonic_or_empty().to_string(),
                known,
                fixed,
                fields,
                field_names,
                code,
            });
        }
        for src in &file.instructions {
            let key = aliases.key(&src.mnemonic);
            let unknown = by_key.get(&key).is_none_or(|&i| !execs[i].known);
            if unknown
                && table.entries.iter().any(|en| {
                    en.is_instruction() && aliases.key(en.mnemonic.as_deref().unwrap_or("")) == key
                })
            {
                errors.push(e(
                    src.line,
                    src.column,
                    format!(
                        "{} has no layout in {} (no format letter or size the scheme knows): give it one with `{} as FORMAT:`",
                        src.mnemonic, table.implementation, src.mnemonic
                    ),
                ));
            }
        }
        // Longest opcode first, so a longer opcode is tried before a shorter one it extends
        // (the ambiguity check above has refused tables where that would matter).
        for list in &mut lookup {
            list.sort_by_key(|c| std::cmp::Reverse(c.1.len()));
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| (e.line, e.column));
            return Err(AttachErrors(errors));
        }
        Ok(Semantics {
            table: table.implementation.clone(),
            file,
            names,
            execs,
            lookup,
            by_key,
        })
    }

    /// True when the file defines semantics for the instruction (by identity key).
    pub fn defines(&self, key: &str) -> bool {
        self.by_key
            .get(key)
            .is_some_and(|&i| self.execs[i].code.is_some())
    }

    /// Identity keys of every instruction the file defines for this table, sorted.
    pub fn defined(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self
            .by_key
            .iter()
            .filter(|(_, &i)| self.execs[i].code.is_some())
            .map(|(k, _)| k.as_str())
            .collect();
        keys.sort_unstable();
        keys
    }

    /// The body of an instruction as the file writes it, by identity key.
    pub fn body_text(&self, key: &str, aliases: &Aliases) -> Option<&str> {
        self.file
            .instructions
            .iter()
            .find(|i| aliases.key(&i.mnemonic) == key)
            .map(|i| i.text.as_str())
    }

    /// A fresh state: zeroed registers, memory and stacks; variables at their initial values.
    pub fn initial_state(&self) -> State {
        State {
            gp: vec![0; self.file.registers],
            fp: vec![0.0; self.file.fregisters],
            flags: vec![false; self.file.flags.len()],
            vars: self.file.vars.iter().map(|(_, v)| *v).collect(),
            stack: Vec::new(),
            calls: Vec::new(),
            memory: vec![0; self.file.memory],
            pc: 0,
            steps: 0,
        }
    }

    /// Machine style of the file.
    pub fn machine(&self) -> Machine {
        self.file.machine
    }

    fn wrap(&self, v: i64) -> i64 {
        match self.file.width {
            8 => v as i8 as i64,
            16 => v as i16 as i64,
            32 => v as i32 as i64,
            _ => v,
        }
    }

    /// Decodes the instruction at `pc`: its exec index, the field values and its size.
    fn decode(
        &self,
        program: &[u8],
        pc: usize,
        fields: &mut Vec<i64>,
    ) -> Result<(usize, usize), String> {
        let first = program[pc];
        let Some((index, _)) = self.lookup[usize::from(first)]
            .iter()
            .find(|(_, op)| program[pc..].starts_with(op))
        else {
            return Err(format!("illegal-instruction (byte 0x{first:02x})"));
        };
        let exec = &self.execs[*index];
        if pc + exec.fixed > program.len() {
            return Err(format!(
                "truncated-instruction ({} needs {} bytes, {} left)",
                exec.mnemonic,
                exec.fixed,
                program.len() - pc
            ));
        }
        fields.clear();
        let mut size = exec.fixed;
        for f in &exec.fields {
            let raw = &program[pc + f.offset..pc + f.offset + f.bytes];
            let mut v: u64 = 0;
            for (i, b) in raw.iter().enumerate() {
                let shift = if f.big { (f.bytes - 1 - i) * 8 } else { i * 8 };
                v |= u64::from(*b) << shift;
            }
            let bits = f.bytes * 8;
            let value = if f.signed && bits < 64 && v >> (bits - 1) & 1 == 1 {
                (v as i64) - (1i64 << bits)
            } else {
                v as i64
            };
            if f.payload {
                size += value as usize;
            }
            fields.push(value);
        }
        if pc + size > program.len() {
            return Err(format!(
                "truncated-instruction ({} declares a {}-byte payload, {} bytes left)",
                exec.mnemonic,
                size - exec.fixed,
                program.len() - pc - exec.fixed
            ));
        }
        Ok((*index, size))
    }

    /// Runs `program` from `state` for at most `max_steps` instructions.
    pub fn run(&self, program: &[u8], mut state: State, max_steps: u64) -> Outcome {
        let mut stepper = Stepper::default();
        let stop = loop {
            if let Some(stop) = self.step(program, &mut state, max_steps, &mut stepper) {
                break stop;
            }
        };
        Outcome { state, stop }
    }

    /// Executes one instruction (unless the run is over): `None` when the program goes on,
    /// else why it stopped. `stepper` holds scratch space reused between steps.
    pub fn step(
        &self,
        program: &[u8],
        state: &mut State,
        max_steps: u64,
        stepper: &mut Stepper,
    ) -> Option<Stop> {
        let Stepper {
            fields,
            vals,
            locals,
        } = stepper;
        let pc = state.pc;
        if pc >= program.len() {
            return Some(Stop::End);
        }
        if state.steps >= max_steps {
            return Some(Stop::StepLimit);
        }
        let (index, size) = match self.decode(program, pc, fields) {
            Ok(d) => d,
            Err(name) => {
                return Some(Stop::Trap(Trap {
                    name,
                    offset: pc,
                    instruction: None,
                }))
            }
        };
        let exec = &self.execs[index];
        state.steps += 1;
        let trap = |name: String| Trap {
            name,
            offset: pc,
            instruction: Some(exec.mnemonic.clone()),
        };
        let Some(code) = &exec.code else {
            let why = if exec.known {
                format!("no semantics for {} in {}", exec.mnemonic, self.file.file)
            } else {
                format!(
                    "{} has no layout in {} and no semantics",
                    exec.mnemonic, self.table
                )
            };
            return Some(Stop::Unsupported(trap(why)));
        };
        let next = pc + size;
        state.pc = next;
        locals.clear();
        locals.resize(code.locals, Value::Int(0));
        vals.clear();
        match self.exec(code, fields, pc, next, state, vals, locals) {
            Ok(Flow::Next) => None,
            Ok(Flow::Halt) => Some(Stop::Halted),
            Err(Fault::Trap(name)) => Some(Stop::Trap(trap(name))),
            Err(Fault::Unsupported(why)) => Some(Stop::Unsupported(trap(why))),
        }
    }

    /// The mnemonic of the instruction at `pc`, when its bytes decode.
    pub fn mnemonic_at(&self, program: &[u8], pc: usize) -> Option<&str> {
        if pc >= program.len() {
            return None;
        }
        let mut fields = Vec::new();
        let (index, _) = self.decode(program, pc, &mut fields).ok()?;
        Some(&self.execs[index].mnemonic)
    }

    /// A canonical text of an instruction's compiled semantics, by identity key: equal for two
    /// files exactly when the instruction does the same thing to the same operand fields (trap
    /// and field names included, local numbering aside). `None` when undefined.
    pub fn fingerprint(&self, key: &str) -> Option<String> {
        let exec = &self.execs[*self.by_key.get(key)?];
        let code = exec.code.as_ref()?;
        let mut out = String::new();
        for op in &code.ops {
            match op {
                Op::Field(i) => out.push_str(&format!("field:{} ", exec.field_names[*i])),
                Op::Trap(n) => out.push_str(&format!("trap:{} ", self.names[*n])),
                Op::Unsupported(n) => out.push_str(&format!("unsupported:{} ", self.names[*n])),
                Op::Flag(i) | Op::SetFlag(i) => out.push_str(
                    &format!("{op:?}:{} ", self.file.flags[*i]).replace(&format!("({i})"), ""),
                ),
                Op::Var(i) | Op::SetVar(i) => out.push_str(
                    &format!("{op:?}:{} ", self.file.vars[*i].0).replace(&format!("({i})"), ""),
                ),
                other => out.push_str(&format!("{other:?} ")),
            }
        }
        Some(out)
    }

    #[allow(clippy::too_many_arguments)]
    fn exec(
        &self,
        code: &Code,
        fields: &[i64],
        pc: usize,
        next: usize,
        state: &mut State,
        vals: &mut Vec<Value>,
        locals: &mut [Value],
    ) -> Result<Flow, Fault> {
        let trap = |s: &str| Fault::Trap(s.to_string());
        let mut ip = 0;
        let ops = &code.ops;
        macro_rules! pop {
            () => {
                vals.pop().expect("compiled code balances its value stack")
            };
        }
        while ip < ops.len() {
            match &ops[ip] {
                Op::Int(v) => vals.push(Value::Int(*v)),
                Op::Float(v) => vals.push(Value::Float(*v)),
                Op::Field(i) => vals.push(Value::Int(fields[*i])),
                Op::Local(i) => vals.push(locals[*i]),
                Op::Pc => vals.push(Value::Int(pc as i64)),
                Op::Next => vals.push(Value::Int(next as i64)),
                Op::Flag(i) => vals.push(Value::Int(i64::from(state.flags[*i]))),
                Op::Var(i) => vals.push(Value::Int(state.vars[*i])),
                Op::Depth => vals.push(Value::Int(state.stack.len() as i64)),
                Op::CallDepth => vals.push(Value::Int(state.calls.len() as i64)),
                Op::Pop => {
                    let v = state.stack.pop().ok_or_else(|| trap("stack-underflow"))?;
                    vals.push(v);
                }
                Op::PopCall => {
                    let v = state
                        .calls
                        .pop()
                        .ok_or_else(|| trap("call-stack-underflow"))?;
                    vals.push(Value::Int(v));
                }
                Op::Read(space) => {
                    let i = pop!().int();
                    vals.push(self.read(state, *space, i)?);
                }
                Op::Bin(op) => {
                    let b = pop!();
                    let a = pop!();
                    vals.push(self.binary(*op, a, b)?);
                }
                Op::Un(op) => {
                    let a = pop!();
                    vals.push(match (op, a) {
                        (UnOp::Neg, Value::Float(f)) => Value::Float(-f),
                        (UnOp::Neg, Value::Int(v)) => Value::Int(v.wrapping_neg()),
                        (UnOp::Not, a) => Value::Int(i64::from(!a.truthy())),
                        (UnOp::Compl, a) => Value::Int(!a.int()),
                    });
                }
                Op::Call(f) => {
                    let v = self.call(*f, vals);
                    vals.push(v);
                }
                Op::SetLocal(i) => locals[*i] = pop!(),
                Op::Write(space) => {
                    let v = pop!();
                    let i = pop!().int();
                    self.write(state, *space, i, v)?;
                }
                Op::SetPc => {
                    let target = pop!().int();
                    if target < 0 {
                        return Err(Fault::Trap(format!("pc-out-of-range (jump to {target})")));
                    }
                    state.pc = target as usize;
                }
                Op::SetFlag(i) => state.flags[*i] = pop!().truthy(),
                Op::SetVar(i) => state.vars[*i] = self.wrap(pop!().int()),
                Op::Push => {
                    let v = match pop!() {
                        Value::Int(v) => Value::Int(self.wrap(v)),
                        f => f,
                    };
                    if state.stack.len() >= self.file.stack {
                        return Err(trap("stack-overflow"));
                    }
                    state.stack.push(v);
                }
                Op::CallTo => {
                    let target = pop!().int();
                    if state.calls.len() >= self.file.stack {
                        return Err(trap("call-stack-overflow"));
                    }
                    if target < 0 {
                        return Err(Fault::Trap(format!("pc-out-of-range (call to {target})")));
                    }
                    state.calls.push(next as i64);
                    state.pc = target as usize;
                }
                Op::Trap(n) => return Err(Fault::Trap(self.names[*n].clone())),
                Op::Unsupported(n) => return Err(Fault::Unsupported(self.names[*n].clone())),
                Op::Halt => return Ok(Flow::Halt),
                Op::JumpIfZero(t) => {
                    if !pop!().truthy() {
                        ip = *t;
                        continue;
                    }
                }
                Op::Jump(t) => {
                    ip = *t;
                    continue;
                }
            }
            ip += 1;
        }
        Ok(Flow::Next)
    }

    fn read(&self, state: &State, space: Space, i: i64) -> Result<Value, Fault> {
        Ok(match space {
            Space::R => Value::Int(
                *usize::try_from(i)
                    .ok()
                    .and_then(|i| state.gp.get(i))
                    .ok_or_else(|| Fault::Trap(format!("bad-register (R{i})")))?,
            ),
            Space::F => Value::Float(
                *usize::try_from(i)
                    .ok()
                    .and_then(|i| state.fp.get(i))
                    .ok_or_else(|| Fault::Trap(format!("bad-register (F{i})")))?,
            ),
            Space::M8 | Space::M16 | Space::M32 => {
                let n = mem_width(space);
                let bytes = mem_range(&state.memory, i, n)?;
                let mut v: u64 = 0;
                for (k, b) in state.memory[bytes].iter().enumerate() {
                    v |= u64::from(*b) << (8 * k);
                }
                Value::Int(match space {
                    Space::M8 => v as i64,
                    Space::M16 => v as u16 as i16 as i64,
                    _ => v as u32 as i32 as i64,
                })
            }
        })
    }

    fn write(&self, state: &mut State, space: Space, i: i64, v: Value) -> Result<(), Fault> {
        match space {
            Space::R => {
                let w = self.wrap(v.int());
                let slot = usize::try_from(i)
                    .ok()
                    .and_then(|i| state.gp.get_mut(i))
                    .ok_or_else(|| Fault::Trap(format!("bad-register (R{i})")))?;
                *slot = w;
            }
            Space::F => {
                let slot = usize::try_from(i)
                    .ok()
                    .and_then(|i| state.fp.get_mut(i))
                    .ok_or_else(|| Fault::Trap(format!("bad-register (F{i})")))?;
                *slot = v.float();
            }
            Space::M8 | Space::M16 | Space::M32 => {
                let n = mem_width(space);
                let range = mem_range(&state.memory, i, n)?;
                let v = v.int();
                for (k, b) in state.memory[range].iter_mut().enumerate() {
                    *b = (v >> (8 * k)) as u8;
                }
            }
        }
        Ok(())
    }

    fn binary(&self, op: BinOp, a: Value, b: Value) -> Result<Value, Fault> {
        use BinOp::*;
        let float = matches!(a, Value::Float(_)) || matches!(b, Value::Float(_));
        let cmp = |o: std::cmp::Ordering| -> bool {
            match op {
                Eq => o.is_eq(),
                Ne => o.is_ne(),
                Lt => o.is_lt(),
                Le => o.is_le(),
                Gt => o.is_gt(),
                _ => o.is_ge(),
            }
        };
        if float
            && matches!(
                op,
                Add | Sub | Mul | Div | Rem | Eq | Ne | Lt | Le | Gt | Ge
            )
        {
            let (x, y) = (a.float(), b.float());
            return Ok(match op {
                Add => Value::Float(x + y),
                Sub => Value::Float(x - y),
                Mul => Value::Float(x * y),
                Div => Value::Float(x / y),
                Rem => Value::Float(x % y),
                // NaN compares unequal to everything and unordered: only != is true.
                _ => Value::Int(i64::from(match x.partial_cmp(&y) {
                    Some(o) => cmp(o),
                    None => op == Ne,
                })),
            });
        }
        let (x, y) = (a.int(), b.int());
        let w = self.file.width;
        Ok(Value::Int(match op {
            Add => x.wrapping_add(y),
            Sub => x.wrapping_sub(y),
            Mul => x.wrapping_mul(y),
            Div | Rem if y == 0 => return Err(Fault::Trap("division-by-zero".into())),
            Div => x.wrapping_div(y),
            Rem => x.wrapping_rem(y),
            And => x & y,
            Or => x | y,
            Xor => x ^ y,
            // Shift counts are taken modulo the machine width (docs/semantics.md).
            Shl => x.wrapping_shl((y as u32) % w),
            Shr => x.wrapping_shr((y as u32) % w),
            Ushr => (mask(x, w) >> ((y as u32) % w)) as i64,
            LAnd => i64::from(x != 0 && y != 0),
            LOr => i64::from(x != 0 || y != 0),
            Eq | Ne | Lt | Le | Gt | Ge => i64::from(cmp(x.cmp(&y))),
        }))
    }

    fn call(&self, f: Func, vals: &mut Vec<Value>) -> Value {
        let w = self.file.width;
        let mut arg = || vals.pop().expect("compiled code balances its value stack");
        match f {
            Func::Signed(bits) => {
                let v = arg().int();
                let s = 64 - u32::from(bits);
                Value::Int((v << s) >> s)
            }
            Func::Unsigned(bits) => Value::Int(arg().int() & ((1i64 << bits) - 1)),
            Func::Min | Func::Max => {
                let b = arg();
                let a = arg();
                match (a, b) {
                    (Value::Int(x), Value::Int(y)) => {
                        Value::Int(if f == Func::Min { x.min(y) } else { x.max(y) })
                    }
                    _ => Value::Float(if f == Func::Min {
                        a.float().min(b.float())
                    } else {
                        a.float().max(b.float())
                    }),
                }
            }
            Func::Abs => match arg() {
                Value::Int(v) => Value::Int(v.wrapping_abs()),
                Value::Float(v) => Value::Float(v.abs()),
            },
            Func::Clamp => {
                let hi = arg().int();
                let lo = arg().int();
                Value::Int(arg().int().max(lo).min(hi))
            }
            Func::Rotl | Func::Rotr => {
                let n = (arg().int() as u32) % w;
                let x = mask(arg().int(), w);
                let r = if f == Func::Rotl {
                    (x << n) | (x >> ((w - n) % w))
                } else {
                    (x >> n) | (x << ((w - n) % w))
                };
                Value::Int(mask(r as i64, w) as i64)
            }
            Func::F32 => Value::Float(f64::from(f32::from_bits(arg().int() as u32))),
            Func::Bits32 => Value::Int(i64::from((arg().float() as f32).to_bits() as i32)),
            Func::Int => Value::Int(arg().int()),
            Func::Float => Value::Float(arg().float()),
        }
    }
}

fn mask(x: i64, w: u32) -> u64 {
    if w >= 64 {
        x as u64
    } else {
        (x as u64) & ((1u64 << w) - 1)
    }
}

fn mem_width(space: Space) -> usize {
    match space {
        Space::M8 => 1,
        Space::M16 => 2,
        _ => 4,
    }
}

fn mem_range(memory: &[u8], addr: i64, n: usize) -> Result<std::ops::Range<usize>, Fault> {
    match usize::try_from(addr) {
        Ok(a) if a.checked_add(n).is_some_and(|end| end <= memory.len()) => Ok(a..a + n),
        _ => Err(Fault::Trap(format!(
            "memory-out-of-bounds (address {addr})"
        ))),
    }
}

/// Scratch space of [`Semantics::step`], reused from one step to the next.
#[derive(Debug, Default)]
pub struct Stepper {
    fields: Vec<i64>,
    vals: Vec<Value>,
    locals: Vec<Value>,
}

enum Flow {
    Next,
    Halt,
}

enum Fault {
    Trap(String),
    Unsupported(String),
}
