//! The size-changing path's per-first-byte tables: how far pass 1 steps over an instruction it
//! need not decode, and how pass 2 writes it without the general encoder.
//!
//! Both are compiled from the [rules](super::rules) for source instructions with a one-byte
//! opcode and no payload (everything else is decoded and encoded by the general code), and both
//! are only shortcuts: pass 2 falls back to the general encoder for an instruction whenever the
//! shortcut cannot say it would write the same bytes (a non-zero dropped operand, a branch that
//! does not land, an offset that does not fit), so errors are always the general code's.

use super::codec::{CField, Role, Shape};
use super::rules::{Mapping, Rule};

/// Pass 2's kind of a first byte: decode and encode in general.
pub(super) const GENERAL: u8 = 0;
/// Pass 2's kind: copy the instruction, write the new opcode byte ([`Mapping::plain`]).
pub(super) const PLAIN: u8 = 1;
/// Pass 2's kind: write it from its [`Template`].
pub(super) const TEMPLATE: u8 = 2;

/// A byte of a template's output that is zero (no source byte).
pub(super) const ZERO: u16 = u16::MAX;

/// How pass 2 writes one instruction without the general encoder: the target opcode bytes,
/// then each output byte either a source byte or zero, then the relative branches recomputed.
#[derive(Debug, Clone)]
pub(super) struct Template {
    /// Source size.
    pub(super) src_len: usize,
    /// Target size.
    pub(super) dst_len: usize,
    /// Target opcode bytes.
    pub(super) head: Vec<u8>,
    /// For each byte after the opcode bytes: the source byte it copies, or [`ZERO`].
    pub(super) bytes: Vec<u16>,
    /// Source bytes of dropped operands: all must be zero, else the general encoder reports it.
    pub(super) must_be_zero: Vec<u16>,
    /// Relative branches: the source field and the target field it is recomputed into.
    pub(super) branches: Vec<(CField, CField)>,
}

/// The widest instruction pass 2 writes as a [`Small`] step: both sizes at most this many bytes.
pub(super) const SMALL: usize = 8;

/// Pass 2's step for a short instruction, one for every [`PLAIN`] or [`TEMPLATE`] byte whose
/// sizes are at most [`SMALL`]: the output's first [`SMALL`] bytes are picked from the input's
/// next [`SMALL`] bytes followed by `konst` — one table-driven move with no branch on the kind
/// of instruction (which, in real bytecode, changes from one instruction to the next and would
/// be mispredicted).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Small {
    /// Source size; 0 when this byte has no small step.
    pub(super) src_len: u8,
    /// Target size.
    pub(super) dst_len: u8,
    /// Output byte `i` is byte `map[i]` of `input[s..s + 8] ++ konst` (so `map[i] < 16`).
    pub(super) map: [u8; SMALL],
    /// The opcode bytes and zeros the output takes.
    pub(super) konst: [u8; SMALL],
    /// Bytes of the source window that must be zero (dropped operands), as a little-endian
    /// mask; a non-zero one sends the instruction to the general encoder, which reports it.
    pub(super) zmask: u64,
    /// The instruction has relative branches: recompute them from its [`Template`].
    pub(super) branch: bool,
    /// The same move as word operations, when `map` copies at most two runs of bytes: with
    /// `w` the source window as a little-endian word, the output word is
    /// `konst | w.rotate_left(rot[0]) & mask[0] | w.rotate_left(rot[1]) & mask[1]`.
    pub(super) words: Option<([u32; 2], [u64; 2])>,
}

impl Small {
    fn of(t: &Template) -> Option<Small> {
        if t.src_len > SMALL || t.dst_len > SMALL {
            return None;
        }
        let mut small = Small {
            src_len: t.src_len as u8,
            dst_len: t.dst_len as u8,
            branch: !t.branches.is_empty(),
            ..Small::default()
        };
        let h = t.head.len();
        for i in 0..SMALL {
            let source = if i < h {
                ZERO
            } else {
                t.bytes.get(i - h).copied().unwrap_or(ZERO)
            };
            if source == ZERO {
                small.map[i] = (SMALL + i) as u8;
                small.konst[i] = t.head.get(i).copied().unwrap_or(0);
            } else {
                small.map[i] = source as u8;
            }
        }
        for &z in &t.must_be_zero {
            small.zmask |= 0xFF << (8 * z);
        }
        // Runs of output bytes copied from consecutive source bytes: each is one rotation
        // (by the distance it moves, modulo the word) and one mask.
        let mut runs: Vec<(u32, u64)> = Vec::new();
        for i in 0..SMALL {
            let j = usize::from(small.map[i]);
            if j >= SMALL {
                continue;
            }
            let rot = (8 * (i + SMALL - j) % 64) as u32;
            match runs.last_mut() {
                Some((r, mask)) if *r == rot => *mask |= 0xFF << (8 * i),
                _ => runs.push((rot, 0xFF << (8 * i))),
            }
        }
        if runs.len() <= 2 {
            let mut rot = [0; 2];
            let mut mask = [0; 2];
            for (k, (r, m)) in runs.into_iter().enumerate() {
                rot[k] = r;
                mask[k] = m;
            }
            small.words = Some((rot, mask));
        }
        Some(small)
    }
}

/// The tables of [`steps`].
#[derive(Debug, Clone)]
pub(super) struct Steps {
    /// First byte → its [`Small`] step (`src_len` 0: none).
    pub(super) small: Box<[Small; 256]>,
    /// First byte → `source size | target size << 16` for an instruction pass 1 places without
    /// decoding; 0 when it must decode.
    pub(super) sizes: Box<[u32; 256]>,
    /// First byte → [`GENERAL`], [`PLAIN`] or [`TEMPLATE`].
    pub(super) kinds: Box<[u8; 256]>,
    /// First byte → its template, for [`TEMPLATE`] bytes.
    pub(super) templates: Vec<Option<Template>>,
    /// Some rule changes an instruction's size: a program may need the two-pass mode.
    pub(super) may_resize: bool,
    /// Largest source and target sizes in `sizes`.
    pub(super) max_src: usize,
    pub(super) max_dst: usize,
}

/// Byte range of a byte-aligned, whole-byte field; `None` for any other.
fn byte_span(f: &CField) -> Option<(usize, usize)> {
    (f.place.offset.is_multiple_of(8) && f.place.bits.is_multiple_of(8))
        .then(|| ((f.place.offset / 8) as usize, usize::from(f.place.bits / 8)))
}

/// The template of a rule's mapping, when the general encoder's work on it is byte copies,
/// zeros and recomputed branches (see [`Translator::encode`](super::Translator)).
fn template(src: &Shape, m: &Mapping) -> Option<Template> {
    let t = &m.shape;
    let head = m.bytes.as_slice().to_vec();
    let mut bytes = vec![ZERO; t.fixed - t.opcode_len];
    let mut branches = Vec::new();
    let mut must_be_zero = Vec::new();
    let out = |b: usize| b - t.opcode_len;
    if m.raw {
        // Equal operand facts: the operand bytes travel as they are.
        if src.fixed - src.opcode_len != bytes.len() {
            return None;
        }
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (src.opcode_len + i) as u16;
        }
    } else {
        for &i in &m.dropped {
            let (at, len) = byte_span(&src.fields[i])?;
            must_be_zero.extend((at..at + len).map(|b| b as u16));
        }
        for (tf, &(source, relative)) in t.fields.iter().zip(&m.sources) {
            let (to, len) = byte_span(tf)?;
            let sf = source.map(|i| &src.fields[i]);
            match sf {
                // A length field of an instruction without payload is 0; an unpaired field is 0.
                _ if tf.role == Role::Length => {}
                None => {}
                Some(sf) if relative => branches.push((sf.clone(), tf.clone())),
                Some(sf) => {
                    // Same width, same byte order and same signedness: every value fits and the
                    // raw bits are the same, so the bytes are copied.
                    let (from, slen) = byte_span(sf)?;
                    let same_order = len == 1 || sf.place.endian == tf.place.endian;
                    if slen != len || !same_order || sf.role.signed() != tf.role.signed() {
                        return None;
                    }
                    for k in 0..len {
                        bytes[out(to + k)] = (from + k) as u16;
                    }
                }
            }
        }
    }
    Some(Template {
        src_len: src.fixed,
        dst_len: t.fixed,
        head,
        bytes,
        must_be_zero,
        branches,
    })
}

/// Builds the tables of the rules.
pub(super) fn steps(rules: &[Rule]) -> Steps {
    let mut sizes = Box::new([0u32; 256]);
    let mut kinds = Box::new([GENERAL; 256]);
    let mut templates = vec![None; 256];
    let mut small = Box::new([Small::default(); 256]);
    let mut may_resize = false;
    for rule in rules {
        let (Ok(src), Ok(m)) = (&rule.src, &rule.map) else {
            continue;
        };
        // A payload keeps its length; only the fixed parts can differ.
        may_resize |= src.fixed != m.shape.fixed;
        if rule.bytes.len() != 1 || src.length.is_some() {
            continue;
        }
        let (s, d) = (src.fixed, m.shape.fixed);
        if s > 0xFFFF || d > 0xFFFF {
            continue;
        }
        let b = usize::from(rule.bytes.as_slice()[0]);
        sizes[b] = (s | d << 16) as u32;
        if m.plain {
            kinds[b] = PLAIN;
            // Its template is the identity with the new opcode byte.
            let identity = Template {
                src_len: s,
                dst_len: d,
                head: m.bytes.as_slice().to_vec(),
                bytes: (1..s as u16).collect(),
                must_be_zero: Vec::new(),
                branches: Vec::new(),
            };
            small[b] = Small::of(&identity).unwrap_or_default();
        } else if let Some(t) = template(src, m) {
            kinds[b] = TEMPLATE;
            small[b] = Small::of(&t).unwrap_or_default();
            templates[b] = Some(t);
        }
    }
    let max_src = sizes
        .iter()
        .map(|&e| e as usize & 0xFFFF)
        .max()
        .unwrap_or(0);
    let max_dst = sizes.iter().map(|&e| e as usize >> 16).max().unwrap_or(0);
    Steps {
        max_src,
        max_dst,
        small,
        sizes,
        kinds,
        templates,
        may_resize,
    }
}
