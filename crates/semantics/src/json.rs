//! The machine state as JSON: the `--init` file of `run`, its `--format json` output and the
//! state objects of the conformance protocol (docs/conformance.md).
//!
//! ```json
//! {"gp": {"R1": 10}, "fp": {"F1": 1.5}, "flags": {"zero": true}, "vars": {"conf": 1000},
//!  "stack": [1, 2], "memory": {"256": [1, 2, 3]}}
//! ```
//!
//! Every key is optional in an initial state; registers and memory not named are zero. A final
//! state adds `stop` (`halted`, `end`, `step-limit`, `trap`, `unsupported`), `halted`, `trap`
//! (`null` or `{"name", "offset", "instruction"}`), `steps` and `pc`, and lists every register.

use serde_json::{json, Map, Value as Json};

use crate::machine::{Outcome, Semantics, State, Stop, Value};

fn number(v: Value) -> Json {
    match v {
        Value::Int(i) => json!(i),
        Value::Float(f) => {
            serde_json::Number::from_f64(f).map_or_else(|| json!(f.to_string()), Json::Number)
        }
    }
}

fn float(f: f64) -> Json {
    serde_json::Number::from_f64(f).map_or_else(|| json!(f.to_string()), Json::Number)
}

/// The final state of a run as JSON (the object `run --format json` prints and a conformance
/// plugin answers with).
pub fn outcome_json(sem: &Semantics, outcome: &Outcome) -> Json {
    let s = &outcome.state;
    let mut out = Map::new();
    let (stop, trap) = match &outcome.stop {
        Stop::Halted => ("halted", Json::Null),
        Stop::End => ("end", Json::Null),
        Stop::StepLimit => ("step-limit", Json::Null),
        Stop::Trap(t) | Stop::Unsupported(t) => (
            if matches!(outcome.stop, Stop::Trap(_)) {
                "trap"
            } else {
                "unsupported"
            },
            json!({"name": t.name, "offset": t.offset, "instruction": t.instruction}),
        ),
    };
    out.insert("stop".into(), json!(stop));
    out.insert("halted".into(), json!(outcome.stop == Stop::Halted));
    out.insert("trap".into(), trap);
    out.insert("steps".into(), json!(s.steps));
    out.insert("pc".into(), json!(s.pc));
    if !s.gp.is_empty() {
        let gp: Map<String, Json> =
            s.gp.iter()
                .enumerate()
                .map(|(i, v)| (format!("R{i}"), json!(v)))
                .collect();
        out.insert("gp".into(), Json::Object(gp));
    }
    if !s.fp.is_empty() {
        let fp: Map<String, Json> =
            s.fp.iter()
                .enumerate()
                .map(|(i, v)| (format!("F{i}"), float(*v)))
                .collect();
        out.insert("fp".into(), Json::Object(fp));
    }
    let flags: Map<String, Json> = sem
        .file
        .flags
        .iter()
        .zip(&s.flags)
        .map(|(n, v)| (n.clone(), json!(v)))
        .collect();
    out.insert("flags".into(), Json::Object(flags));
    if !sem.file.vars.is_empty() {
        let vars: Map<String, Json> = sem
            .file
            .vars
            .iter()
            .zip(&s.vars)
            .map(|((n, _), v)| (n.clone(), json!(v)))
            .collect();
        out.insert("vars".into(), Json::Object(vars));
    }
    out.insert(
        "stack".into(),
        Json::Array(s.stack.iter().map(|v| number(*v)).collect()),
    );
    Json::Object(out)
}

fn index(name: &str, prefix: char, count: usize, what: &str) -> Result<usize, String> {
    name.strip_prefix(prefix)
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|i| *i < count)
        .ok_or_else(|| {
            if count == 0 {
                format!("{what}.{name}: this machine has no {what} registers")
            } else {
                format!(
                    "{what}.{name}: not a register (this machine has {prefix}0–{prefix}{})",
                    count - 1
                )
            }
        })
}

fn object<'a>(v: &'a Json, what: &str) -> Result<&'a Map<String, Json>, String> {
    v.as_object()
        .ok_or_else(|| format!("{what}: expected an object"))
}

fn int(v: &Json, what: &str) -> Result<i64, String> {
    v.as_i64()
        .or_else(|| v.as_u64().map(|u| u as i64))
        .ok_or_else(|| format!("{what}: expected an integer, found {v}"))
}

/// Applies an initial state (see the module documentation) to `state`. Errors name the key.
pub fn apply_init(sem: &Semantics, state: &mut State, init: &Json) -> Result<(), String> {
    let top = object(init, "the initial state")?;
    for (key, value) in top {
        match key.as_str() {
            "gp" => {
                for (name, v) in object(value, "gp")? {
                    let i = index(name, 'R', state.gp.len(), "gp")?;
                    state.gp[i] = int(v, &format!("gp.{name}"))?;
                }
            }
            "fp" => {
                for (name, v) in object(value, "fp")? {
                    let i = index(name, 'F', state.fp.len(), "fp")?;
                    state.fp[i] = v
                        .as_f64()
                        .ok_or_else(|| format!("fp.{name}: expected a number"))?;
                }
            }
            "flags" => {
                for (name, v) in object(value, "flags")? {
                    let i = sem
                        .file
                        .flags
                        .iter()
                        .position(|f| f == name)
                        .ok_or_else(|| {
                            format!(
                                "flags.{name}: not a flag of this machine ({})",
                                sem.file.flags.join(", ")
                            )
                        })?;
                    state.flags[i] = v
                        .as_bool()
                        .ok_or_else(|| format!("flags.{name}: expected true or false"))?;
                }
            }
            "vars" => {
                for (name, v) in object(value, "vars")? {
                    let i = sem
                        .file
                        .vars
                        .iter()
                        .position(|(f, _)| f == name)
                        .ok_or_else(|| format!("vars.{name}: not a variable of this machine"))?;
                    state.vars[i] = int(v, &format!("vars.{name}"))?;
                }
            }
            "stack" => {
                let items = value.as_array().ok_or("stack: expected an array")?;
                if items.len() > sem.file.stack {
                    return Err(format!(
                        "stack: {} values, more than the machine's {}",
                        items.len(),
                        sem.file.stack
                    ));
                }
                state.stack.clear();
                for (i, v) in items.iter().enumerate() {
                    state.stack.push(if let Some(n) = v.as_i64() {
                        Value::Int(n)
                    } else if let Some(f) = v.as_f64() {
                        Value::Float(f)
                    } else {
                        return Err(format!("stack[{i}]: expected a number"));
                    });
                }
            }
            "memory" => {
                for (addr, bytes) in object(value, "memory")? {
                    let a: usize = addr
                        .parse()
                        .map_err(|_| format!("memory.{addr}: the key is a decimal address"))?;
                    let bytes = bytes
                        .as_array()
                        .ok_or_else(|| format!("memory.{addr}: expected an array of bytes"))?;
                    if a.checked_add(bytes.len())
                        .is_none_or(|end| end > state.memory.len())
                    {
                        return Err(format!(
                            "memory.{addr}: beyond the machine's {} bytes",
                            state.memory.len()
                        ));
                    }
                    for (k, b) in bytes.iter().enumerate() {
                        let b = b
                            .as_u64()
                            .filter(|b| *b < 256)
                            .ok_or_else(|| format!("memory.{addr}[{k}]: expected a byte"))?;
                        state.memory[a + k] = b as u8;
                    }
                }
            }
            other => {
                return Err(format!(
                    "`{other}` is not part of a state (gp, fp, flags, vars, stack, memory)"
                ))
            }
        }
    }
    Ok(())
}
