//! Conformance vectors: the two shared vector formats read into one shape, the request a
//! plugin receives, and the comparison of its answer with the vector's expectation.
//!
//! Formats read (both from FLUX):
//!
//! - the register-machine list (`flux-runtime-python-vectors.json`): an array of objects with
//!   `name`, `bytecode` (bytes), `initial_gp`/`initial_fp`, `expected_halted`, `expected_error`,
//!   `expected_gp`, `expected_fp`, `expected_flags` (`flag_zero`, `flag_sign`: the flags
//!   `zero` and `sign`);
//! - the stack-machine file (`flux-conformance-stack-vectors-v2.1.json`): an object whose
//!   `vectors` have `name`, `bytecode_hex`, `initial_stack`, `expected_stack`,
//!   `expected_flags` (`-1`: not checked) and `allow_float_epsilon`.
//!
//! The comparison checks only what a vector states. Integers are equal when they are equal as
//! numbers or as 32-bit patterns (a VM may print `0xC0400000` as 3225419776 or as −1069547520);
//! a trap fails a vector that states `expected_halted` or `expected_error` (the register
//! vectors) unless it is the expected error; the stack vectors state neither, and record an
//! error only as the stack left behind, so there the stack decides. Floats are equal exactly, or within a relative 1e-6 where the vector allows an epsilon (and
//! then a stack integer is also read as the bits of an IEEE single). A stack is listed bottom
//! first; when it differs but matches read top first, the failure says so.

use serde_json::{json, Map, Value as Json};

/// What a vector expects of the final state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Expect {
    /// `expected_halted`.
    pub halted: Option<bool>,
    /// `expected_error`: the trap's name.
    pub error: Option<String>,
    /// Expected integer registers.
    pub gp: Map<String, Json>,
    /// Expected float registers.
    pub fp: Map<String, Json>,
    /// Expected flags (names without the `flag_` prefix).
    pub flags: Map<String, Json>,
    /// The whole expected stack, bottom first.
    pub stack: Option<Vec<Json>>,
    /// Whether floats may differ by an epsilon.
    pub epsilon: bool,
}

/// One vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Vector {
    /// Its name (unique within a file is not promised; the position is kept too).
    pub name: String,
    /// Its position in the file, 0-based.
    pub index: usize,
    /// The program.
    pub bytecode: Vec<u8>,
    /// The initial state (docs/conformance.md).
    pub initial: Json,
    /// The expectation.
    pub expect: Expect,
}

/// The two vector formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The register-machine list.
    Register,
    /// The stack-machine file.
    Stack,
}

/// Reads one vector of a format.
type ReadOne = fn(usize, &Json) -> Result<Vector, String>;

/// A vector that cannot be read: the runner reports it as an error and goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadVector {
    /// Its position in the file, 0-based.
    pub index: usize,
    /// Its name, when it has one.
    pub name: String,
    /// What is wrong.
    pub message: String,
}

/// Reads a vector file's JSON text. A file that is not one of the two formats is an error; a
/// vector that is malformed is a [`BadVector`] in its place, naming its position and key.
pub fn read_vectors(text: &str) -> Result<(Format, Vec<Result<Vector, BadVector>>), String> {
    let doc: Json = serde_json::from_str(text)
        .map_err(|e| format!("line {}, column {}: not JSON: {e}", e.line(), e.column()))?;
    let (format, list, read): (Format, &Vec<Json>, ReadOne) = if let Some(list) = doc.as_array() {
        (Format::Register, list, register_vector)
    } else if let Some(list) = doc.get("vectors").and_then(Json::as_array) {
        (Format::Stack, list, stack_vector)
    } else {
        return Err("expected a list of register-machine vectors or an object with `vectors` (docs/conformance.md)".into());
    };
    let out = list
        .iter()
        .enumerate()
        .map(|(i, v)| {
            read(i, v).map_err(|message| BadVector {
                index: i,
                name: v
                    .get("name")
                    .and_then(Json::as_str)
                    .unwrap_or("")
                    .to_string(),
                message,
            })
        })
        .collect();
    Ok((format, out))
}

fn name_of(v: &Json) -> Result<String, String> {
    v.get("name")
        .and_then(Json::as_str)
        .map(str::to_string)
        .ok_or_else(|| "`name` is missing or not a string".to_string())
}

fn map_of(v: &Json, key: &str) -> Result<Map<String, Json>, String> {
    match v.get(key) {
        None | Some(Json::Null) => Ok(Map::new()),
        Some(Json::Object(m)) => Ok(m.clone()),
        Some(_) => Err(format!("`{key}` is not an object")),
    }
}

fn register_vector(index: usize, v: &Json) -> Result<Vector, String> {
    let name = name_of(v)?;
    let bytes = v
        .get("bytecode")
        .and_then(Json::as_array)
        .ok_or("`bytecode` is missing or not a list of bytes")?;
    let mut bytecode = Vec::with_capacity(bytes.len());
    for (k, b) in bytes.iter().enumerate() {
        let b = b
            .as_u64()
            .filter(|b| *b < 256)
            .ok_or_else(|| format!("bytecode[{k}] is not a byte"))?;
        bytecode.push(b as u8);
    }
    let mut initial = Map::new();
    for (from, to) in [("initial_gp", "gp"), ("initial_fp", "fp")] {
        let m = map_of(v, from)?;
        if !m.is_empty() {
            initial.insert(to.into(), Json::Object(m));
        }
    }
    let flags = map_of(v, "expected_flags")?
        .into_iter()
        .map(|(k, x)| (k.strip_prefix("flag_").unwrap_or(&k).to_string(), x))
        .collect();
    let expect = Expect {
        halted: v.get("expected_halted").and_then(Json::as_bool),
        error: v
            .get("expected_error")
            .and_then(Json::as_str)
            .map(str::to_string),
        gp: map_of(v, "expected_gp")?,
        fp: map_of(v, "expected_fp")?,
        flags,
        stack: None,
        epsilon: false,
    };
    Ok(Vector {
        name,
        index,
        bytecode,
        initial: Json::Object(initial),
        expect,
    })
}

fn stack_vector(index: usize, v: &Json) -> Result<Vector, String> {
    let name = name_of(v)?;
    let hex = v
        .get("bytecode_hex")
        .and_then(Json::as_str)
        .ok_or("`bytecode_hex` is missing or not a string")?;
    let bytecode = parse_hex(hex).map_err(|e| format!("bytecode_hex: {e}"))?;
    let list = |key: &str| -> Result<Vec<Json>, String> {
        match v.get(key) {
            None | Some(Json::Null) => Ok(Vec::new()),
            Some(Json::Array(a)) => Ok(a.clone()),
            Some(_) => Err(format!("`{key}` is not a list")),
        }
    };
    let initial = list("initial_stack")?;
    let expect = Expect {
        stack: Some(list("expected_stack")?),
        epsilon: v
            .get("allow_float_epsilon")
            .and_then(Json::as_bool)
            .unwrap_or(false),
        ..Expect::default()
    };
    Ok(Vector {
        name,
        index,
        bytecode,
        initial: json!({ "stack": initial }),
        expect,
    })
}

/// Hex text (whitespace allowed between bytes) to bytes; errors give the character offset.
pub fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<(usize, u8)> = text
        .char_indices()
        .filter(|(_, c)| !c.is_whitespace())
        .map(|(i, c)| {
            c.to_digit(16).map(|d| (i, d as u8)).ok_or_else(|| {
                format!(
                    "character {} (`{}`) is not a hex digit",
                    i + 1,
                    c.escape_default()
                )
            })
        })
        .collect::<Result<_, _>>()?;
    if digits.len() % 2 == 1 {
        return Err(format!("an odd number of hex digits ({})", digits.len()));
    }
    Ok(digits.chunks(2).map(|p| p[0].1 << 4 | p[1].1).collect())
}

/// Lower-case hex of bytes.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The request line a plugin receives for a vector (docs/conformance.md).
pub fn request(vector: &Vector, table: &str, machine: &str, max_steps: u64) -> Json {
    json!({
        "id": vector.index,
        "name": vector.name,
        "table": table,
        "machine": machine,
        "bytecode": to_hex(&vector.bytecode),
        "initial": vector.initial,
        "max_steps": max_steps,
    })
}

fn ints_equal(a: &Json, b: &Json) -> Option<bool> {
    let x = a.as_i64().or_else(|| a.as_u64().map(|u| u as i64))?;
    let y = b.as_i64().or_else(|| b.as_u64().map(|u| u as i64))?;
    Some(
        x == y
            || (x as u32 == y as u32
                && (x >> 32 == 0 || x >> 32 == -1)
                && (y >> 32 == 0 || y >> 32 == -1)),
    )
}

fn floats_close(x: f64, y: f64, epsilon: bool) -> bool {
    if x.is_nan() && y.is_nan() {
        return true;
    }
    if !epsilon {
        return x == y;
    }
    x == y || (x - y).abs() <= 1e-6 * x.abs().max(y.abs()).max(1.0)
}

/// True when an actual value matches an expected one (see the module documentation).
pub fn values_match(expected: &Json, actual: &Json, epsilon: bool) -> bool {
    if let Some(eq) = ints_equal(expected, actual) {
        if eq {
            return true;
        }
        if epsilon {
            let bits = |v: &Json| f64::from(f32::from_bits(v.as_i64().unwrap_or(0) as u32));
            return floats_close(bits(expected), bits(actual), true);
        }
        return false;
    }
    match (expected.as_f64(), actual.as_f64()) {
        (Some(x), Some(y)) => {
            if floats_close(x, y, epsilon) {
                return true;
            }
            // A float expected where the machine keeps a single's bits in an integer.
            if epsilon && actual.is_i64() {
                return floats_close(
                    x,
                    f64::from(f32::from_bits(actual.as_i64().unwrap_or(0) as u32)),
                    true,
                );
            }
            false
        }
        _ => expected == actual,
    }
}

/// Compares a final state (a plugin's answer) with an expectation: the list of differences,
/// empty when the vector passes.
pub fn compare(expect: &Expect, actual: &Json) -> Vec<String> {
    let mut out = Vec::new();
    let trap = actual.get("trap").filter(|t| !t.is_null());
    let trap_name = trap
        .and_then(|t| t.get("name"))
        .and_then(Json::as_str)
        .map(|n| n.split(" (").next().unwrap_or(n).to_string());
    let trap_text = || {
        let t = trap.cloned().unwrap_or(Json::Null);
        let mut s = t
            .get("name")
            .and_then(Json::as_str)
            .unwrap_or("?")
            .to_string();
        if let Some(o) = t.get("offset").and_then(Json::as_u64) {
            s.push_str(&format!(" at byte {o}"));
        }
        if let Some(i) = t.get("instruction").and_then(Json::as_str) {
            s.push_str(&format!(" ({i})"));
        }
        s
    };
    match (&expect.error, &trap_name) {
        (Some(e), Some(n)) if e == n => {}
        (Some(e), Some(_)) => out.push(format!(
            "expected the error {e}, got the trap {}",
            trap_text()
        )),
        (Some(e), None) => out.push(format!("expected the error {e}, but nothing trapped")),
        // The stack vectors state no error and no halt: an error shows only in the stack they
        // expect, so a trap is compared through the stack there.
        (None, Some(_)) if expect.halted.is_some() => out.push(format!("trapped: {}", trap_text())),
        (None, Some(_)) => {}
        (None, None) => {}
    }
    if let Some(h) = expect.halted {
        let got = actual
            .get("halted")
            .and_then(Json::as_bool)
            .unwrap_or(false);
        if got != h && !(expect.error.is_some() && trap_name.is_some()) {
            let stop = actual.get("stop").and_then(Json::as_str).unwrap_or("?");
            out.push(format!(
                "expected halted = {h}, got {got} (stopped: {stop})"
            ));
        }
    }
    for (space, expected) in [
        ("gp", &expect.gp),
        ("fp", &expect.fp),
        ("flags", &expect.flags),
    ] {
        for (name, want) in expected {
            match actual.get(space).and_then(|m| m.get(name)) {
                Some(got) if values_match(want, got, expect.epsilon) => {}
                Some(got) => out.push(format!("{name}: expected {want}, got {got}")),
                None => out.push(format!(
                    "{name}: expected {want}, the answer has no {space}.{name}"
                )),
            }
        }
    }
    if let Some(want) = &expect.stack {
        match actual.get("stack").and_then(Json::as_array) {
            Some(got) => {
                let same = |a: &[Json], b: &[Json]| {
                    a.len() == b.len()
                        && a.iter()
                            .zip(b)
                            .all(|(x, y)| values_match(x, y, expect.epsilon))
                };
                if !same(want, got) {
                    let reversed: Vec<Json> = got.iter().rev().cloned().collect();
                    let note = if got.len() > 1 && same(want, &reversed) {
                        " (it matches read top first)"
                    } else {
                        ""
                    };
                    out.push(format!(
                        "stack: expected {}, got {}{note}",
                        Json::Array(want.clone()),
                        Json::Array(got.clone())
                    ));
                }
            }
            None => out.push("stack: the answer has no stack".into()),
        }
    }
    out
}

/// The verdict on one vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// The final state matches every expectation.
    Pass,
    /// It differs.
    Fail,
    /// The vector could not be read, or the plugin gave no usable answer.
    Error,
    /// The plugin (or the built-in semantics) does not model an instruction the vector uses.
    Skipped,
}

impl Verdict {
    /// The name used in reports: `pass`, `fail`, `error`, `skipped`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
            Verdict::Skipped => "skipped",
        }
    }
}

/// The result of one vector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VectorResult {
    /// Position in the file, 0-based.
    pub index: usize,
    /// Name.
    pub name: String,
    /// Verdict.
    pub verdict: Verdict,
    /// Why (differences, the error, the reason for skipping); empty for a pass.
    pub reasons: Vec<String>,
}

/// A whole conformance run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunReport {
    /// The vector file as given.
    pub vectors: String,
    /// The table's implementation name, when a table was given.
    pub table: Option<String>,
    /// The plugin command, or `built-in`.
    pub plugin: String,
    /// One result per vector, in file order.
    pub results: Vec<VectorResult>,
}

impl RunReport {
    /// Counts of pass, fail, error and skipped.
    pub fn counts(&self) -> [usize; 4] {
        let mut c = [0; 4];
        for r in &self.results {
            c[r.verdict as usize] += 1;
        }
        c
    }
}
