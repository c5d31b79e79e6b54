//! Verified translation: a program and its translation run in lock step, each under its own
//! table's semantics, and must agree after every instruction.
//!
//! Translation maps instruction to instruction, so step *n* of the source and step *n* of the
//! target execute corresponding instructions. After each step the observable state is compared
//! — integer and float registers, flags and variables by name, the stack's depth and top value,
//! and the program counter through the translation's offset map — and the first step where they
//! differ is reported with both instructions. When both stop, the way they stopped, the whole
//! stack and memory are compared once (comparing them at every step would make a long run
//! quadratic).

use serde_json::Value as Json;

use crate::json::apply_init;
use crate::machine::{Semantics, State, Stepper, Stop};

/// Where and how the two runs first differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    /// The step (1-based: the instruction executed last) after which they differ; 0 when the
    /// initial states already differ.
    pub step: u64,
    /// Byte offset of that instruction in the source program, and its mnemonic.
    pub source: (usize, Option<String>),
    /// The same in the target program.
    pub target: (usize, Option<String>),
    /// Every difference found at that step.
    pub differences: Vec<String>,
}

/// A verified run: how many steps both took and how they stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    /// Steps each run executed.
    pub steps: u64,
    /// How the source run stopped (the target stopped the same way).
    pub stop: Stop,
}

fn stop_kind(s: &Stop) -> String {
    match s {
        Stop::Halted => "halted".into(),
        Stop::End => "ran to the end".into(),
        Stop::StepLimit => "reached the step bound".into(),
        Stop::Trap(t) => format!("trapped {}", t.name.split(" (").next().unwrap_or(&t.name)),
        Stop::Unsupported(t) => format!("reached an unsupported instruction ({})", t.name),
    }
}

fn compare_step(a: &Semantics, sa: &State, b: &Semantics, sb: &State, out: &mut Vec<String>) {
    for (i, (x, y)) in sa.gp.iter().zip(&sb.gp).enumerate() {
        if x != y {
            out.push(format!("R{i}: {x} in the source, {y} in the target"));
        }
    }
    for (i, (x, y)) in sa.fp.iter().zip(&sb.fp).enumerate() {
        if x != y && !(x.is_nan() && y.is_nan()) {
            out.push(format!("F{i}: {x} in the source, {y} in the target"));
        }
    }
    for (name, x) in a.file.flags.iter().zip(&sa.flags) {
        if let Some(j) = b.file.flags.iter().position(|f| f == name) {
            if *x != sb.flags[j] {
                out.push(format!(
                    "flag {name}: {x} in the source, {} in the target",
                    sb.flags[j]
                ));
            }
        }
    }
    for ((name, _), x) in a.file.vars.iter().zip(&sa.vars) {
        if let Some(j) = b.file.vars.iter().position(|(f, _)| f == name) {
            if *x != sb.vars[j] {
                out.push(format!(
                    "{name}: {x} in the source, {} in the target",
                    sb.vars[j]
                ));
            }
        }
    }
    if sa.stack.len() != sb.stack.len() {
        out.push(format!(
            "stack depth: {} in the source, {} in the target",
            sa.stack.len(),
            sb.stack.len()
        ));
    } else if sa.stack.last() != sb.stack.last() {
        out.push(format!(
            "top of stack: {:?} in the source, {:?} in the target",
            sa.stack.last(),
            sb.stack.last()
        ));
    }
}

/// Runs `source` under `a` and `target` under `b` in lock step from the same initial state.
/// `map_offset` maps a source byte offset to the target's (the translation's offset map).
pub fn lockstep(
    a: &Semantics,
    source: &[u8],
    b: &Semantics,
    target: &[u8],
    init: Option<&Json>,
    max_steps: u64,
    map_offset: impl Fn(usize) -> Option<usize>,
) -> Result<Result<Agreement, Divergence>, String> {
    let mut sa = a.initial_state();
    let mut sb = b.initial_state();
    if let Some(init) = init {
        apply_init(a, &mut sa, init).map_err(|e| format!("source semantics: {e}"))?;
        apply_init(b, &mut sb, init).map_err(|e| format!("target semantics: {e}"))?;
    }
    let (mut ka, mut kb) = (Stepper::default(), Stepper::default());
    let mut diffs = Vec::new();
    compare_step(a, &sa, b, &sb, &mut diffs);
    if !diffs.is_empty() {
        return Ok(Err(Divergence {
            step: 0,
            source: (0, a.mnemonic_at(source, 0).map(str::to_string)),
            target: (0, b.mnemonic_at(target, 0).map(str::to_string)),
            differences: diffs,
        }));
    }
    loop {
        let (pa, pb) = (sa.pc, sb.pc);
        let (ma, mb) = (
            a.mnemonic_at(source, pa).map(str::to_string),
            b.mnemonic_at(target, pb).map(str::to_string),
        );
        let stop_a = a.step(source, &mut sa, max_steps, &mut ka);
        let stop_b = b.step(target, &mut sb, max_steps, &mut kb);
        let mut diffs = Vec::new();
        match (&stop_a, &stop_b) {
            (None, None) => {
                compare_step(a, &sa, b, &sb, &mut diffs);
                if map_offset(sa.pc) != Some(sb.pc) {
                    diffs.push(format!(
                        "next instruction: byte {} in the source (byte {} in the target), byte {} in the target",
                        sa.pc,
                        map_offset(sa.pc).map_or("none".to_string(), |o| o.to_string()),
                        sb.pc
                    ));
                }
            }
            (Some(x), Some(y)) => {
                if stop_kind(x) != stop_kind(y) {
                    diffs.push(format!(
                        "the source {}, the target {}",
                        stop_kind(x),
                        stop_kind(y)
                    ));
                }
                compare_step(a, &sa, b, &sb, &mut diffs);
                if sa.stack != sb.stack {
                    diffs.push("the stacks differ below the top".into());
                }
                let n = sa.memory.len().min(sb.memory.len());
                if let Some(at) = (0..n).find(|&i| sa.memory[i] != sb.memory[i]) {
                    diffs.push(format!(
                        "memory at {at}: {} in the source, {} in the target",
                        sa.memory[at], sb.memory[at]
                    ));
                }
                if diffs.is_empty() {
                    return Ok(Ok(Agreement {
                        steps: sa.steps,
                        stop: x.clone(),
                    }));
                }
            }
            (Some(x), None) => {
                diffs.push(format!("the source {}, the target goes on", stop_kind(x)))
            }
            (None, Some(y)) => {
                diffs.push(format!("the source goes on, the target {}", stop_kind(y)))
            }
        }
        if !diffs.is_empty() {
            return Ok(Err(Divergence {
                step: sa.steps.max(sb.steps),
                source: (pa, ma),
                target: (pb, mb),
                differences: diffs,
            }));
        }
    }
}

/// How two tables' semantics compare, instruction by instruction (by identity).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SemanticsDiff {
    /// Instructions both define alike.
    pub same: usize,
    /// Instructions both define, differently: (key, body in a, body in b).
    pub differ: Vec<(String, String, String)>,
    /// Instructions only `a` defines.
    pub only_a: Vec<String>,
    /// Instructions only `b` defines.
    pub only_b: Vec<String>,
}

/// Compares two files' semantics by compiled code ([`Semantics::fingerprint`]), so spelling and
/// layout of the source text do not matter, but operand fields, flags and trap names do.
pub fn diff(a: &Semantics, b: &Semantics, aliases: &isa_core::Aliases) -> SemanticsDiff {
    let mut out = SemanticsDiff::default();
    let keys_b: std::collections::BTreeSet<&str> = b.defined().into_iter().collect();
    for key in a.defined() {
        if !keys_b.contains(key) {
            out.only_a.push(key.to_string());
        } else if a.fingerprint(key) == b.fingerprint(key) {
            out.same += 1;
        } else {
            out.differ.push((
                key.to_string(),
                a.body_text(key, aliases).unwrap_or("").to_string(),
                b.body_text(key, aliases).unwrap_or("").to_string(),
            ));
        }
    }
    let keys_a: std::collections::BTreeSet<&str> = a.defined().into_iter().collect();
    out.only_b = keys_b
        .into_iter()
        .filter(|k| !keys_a.contains(k))
        .map(str::to_string)
        .collect();
    out
}
