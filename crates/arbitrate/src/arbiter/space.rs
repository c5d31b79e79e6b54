//! Escape-page placement: the canonical opcode space, and the choice of its escape bytes from
//! the evidence (see the crate documentation).

use std::collections::{BTreeMap, BTreeSet};

use isa_core::conflict::hex_opcode;
use isa_core::Encoding;

use super::index::Index;
use super::Options;
use crate::error::ArbitrateError;

/// The canonical opcode space: every one-byte number except the escape bytes, plus the 256
/// numbers `(E << 8) | sub` behind each escape byte `E` (written as the two bytes `E sub`).
#[derive(Debug, Clone, Default)]
pub(super) struct Space {
    /// One-byte escape prefixes, sorted.
    pub(super) escapes: Vec<u32>,
}

impl Space {
    pub(super) fn is_escape(&self, n: u32) -> bool {
        self.escapes.binary_search(&n).is_ok()
    }

    /// True when `n` can be an instruction's number: the `Encoding::escapes` rule for one-byte
    /// escapes.
    pub(super) fn holds(&self, n: u32) -> bool {
        if n <= 0xFF {
            !self.is_escape(n)
        } else {
            n <= 0xFFFF && self.is_escape(n >> 8)
        }
    }

    /// Every number of the space, ascending: the one-byte numbers, then page by page.
    pub(super) fn numbers(&self) -> impl Iterator<Item = u32> + '_ {
        (0..=0xFFu32).filter(|&n| !self.is_escape(n)).chain(
            self.escapes
                .iter()
                .flat_map(|&e| (e << 8)..=(e << 8 | 0xFF)),
        )
    }

    /// How many numbers are left for instructions once `reserved` is taken out.
    pub(super) fn capacity(&self, reserved: &BTreeSet<u32>) -> usize {
        let one_byte = (0..=0xFFu32)
            .filter(|&n| !self.is_escape(n) && !reserved.contains(&n))
            .count();
        let pages: usize = self
            .escapes
            .iter()
            .map(|&e| 256 - reserved.range(e << 8..=(e << 8 | 0xFF)).count())
            .sum();
        one_byte + pages
    }

    pub(super) fn encoding(&self) -> Encoding {
        Encoding::escapes(self.escapes.iter().copied())
            .expect("escape bytes are 0x01-0xFF, which is always a valid encoding")
    }
}

/// What the evidence says about making byte `b` an escape.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct EscapeCost {
    /// Move cost of every implementation that places an instruction at `b`.
    pub(super) vacate: u64,
    /// How many (implementation, instruction) placements sit at `b`.
    pub(super) claims: usize,
    /// Move cost of every implementation that places an instruction on `b`'s page.
    pub(super) gain: u64,
}

/// Chooses the escape bytes (see the crate documentation): the bytes manual decisions need,
/// every byte whose page carries more evidence than the byte itself, and then the cheapest
/// bytes to vacate until every instruction and reservation fits.
pub(super) fn choose_escapes(
    index: &Index,
    decided: &[(u32, usize)],
    options: &Options,
) -> Result<Space, ArbitrateError> {
    let costs = escape_costs(index);
    let forbidden = forbidden_escapes(index, decided, options);
    let mut chosen = decided_escapes(decided, options, &forbidden)?;
    // Preference: least net cost (vacating minus what the page keeps), then bytes some input
    // declares as escapes, then reserved bytes (an escape there costs no room, since the
    // byte could hold no instruction anyway, so fewer escapes may do), then fewest claims,
    // then the highest byte (0xFF first, as in FLUX v3's escape prefix).
    let mut candidates: Vec<u32> = (1..=0xFFu32)
        .filter(|b| !forbidden.contains_key(b) && !chosen.contains(b))
        .collect();
    let net = |b: u32| i128::from(costs[b as usize].vacate) - i128::from(costs[b as usize].gain);
    candidates.sort_by_key(|&b| {
        (
            net(b),
            std::cmp::Reverse(index.declared_escapes.get(&b).copied().unwrap_or(0)),
            !index.reserved.contains(&b),
            costs[b as usize].claims,
            std::cmp::Reverse(b),
        )
    });
    chosen.extend(candidates.iter().copied().filter(|&b| net(b) < 0));
    let need = index.insts.len();
    let mut space = Space {
        escapes: chosen.iter().copied().collect(),
    };
    let rest: Vec<u32> = candidates
        .iter()
        .copied()
        .filter(|b| !chosen.contains(b))
        .collect();
    let mut next = rest.into_iter();
    while space.capacity(&index.reserved) < need {
        let Some(b) = next.next() else {
            return Err(ArbitrateError::TooManyInstructions {
                instructions: need,
                capacity: space.capacity(&index.reserved),
            });
        };
        chosen.insert(b);
        space.escapes = chosen.iter().copied().collect();
    }
    Ok(space)
}

/// What the evidence says about making each byte an escape.
fn escape_costs(index: &Index) -> [EscapeCost; 256] {
    let mut costs = [EscapeCost::default(); 256];
    for inst in &index.insts {
        for p in &inst.places {
            let mut pages: Vec<u32> = Vec::new();
            for &n in p.numbers() {
                if n <= 0xFF {
                    costs[n as usize].vacate = costs[n as usize].vacate.saturating_add(p.move_cost);
                    costs[n as usize].claims += 1;
                } else if n <= 0xFFFF && !pages.contains(&(n >> 8)) {
                    pages.push(n >> 8);
                }
            }
            for page in pages {
                let c = &mut costs[page as usize];
                c.gain = c.gain.saturating_add(p.move_cost);
            }
        }
    }
    // A reserved byte is never an instruction's number anyway, so making it an escape moves
    // nothing: its claims cost nothing to vacate.
    for &n in index.reserved.range(..=0xFF) {
        costs[n as usize].vacate = 0;
        costs[n as usize].claims = 0;
    }
    costs
}

/// The bytes that can never be escapes, with why.
fn forbidden_escapes(
    index: &Index,
    decided: &[(u32, usize)],
    options: &Options,
) -> BTreeMap<u32, String> {
    // Bytes that can never be escapes: 0x00 (0x00xx would read as 0x00), numbers decided for
    // an instruction, and numbers of removed instructions.
    let mut forbidden: BTreeMap<u32, String> = BTreeMap::new();
    forbidden.insert(0, "0x00 cannot be an escape prefix".to_string());
    for &(n, d) in decided {
        if n <= 0xFF {
            forbidden.insert(
                n,
                format!(
                    "{} is decided for {}",
                    hex_opcode(n),
                    options.aliases.key(&options.decisions[d].mnemonic)
                ),
            );
        }
    }
    for &n in index.retired.iter().filter(|&&n| n <= 0xFF) {
        forbidden
            .entry(n)
            .or_insert_with(|| format!("{} is the number of a removed instruction", hex_opcode(n)));
    }
    forbidden
}

/// The escape bytes manual decisions on a page (`0xFF05`) need; a decision above `0xFFFF`, or on
/// the page of a forbidden byte, is an error.
fn decided_escapes(
    decided: &[(u32, usize)],
    options: &Options,
    forbidden: &BTreeMap<u32, String>,
) -> Result<BTreeSet<u32>, ArbitrateError> {
    let mut chosen: BTreeSet<u32> = BTreeSet::new();
    for &(n, d) in decided {
        if n <= 0xFF {
            continue;
        }
        let decision = &options.decisions[d];
        let bad = |message: String| ArbitrateError::BadDecision {
            mnemonic: decision.mnemonic.clone(),
            message,
            location: decision.location.clone(),
        };
        if n > 0xFFFF {
            return Err(bad(format!(
                "{} would need a nested escape page; arbitration gives numbers of one byte or of \
                 one escape byte and a sub-opcode (at most 0xFFFF)",
                hex_opcode(n)
            )));
        }
        if let Some(why) = forbidden.get(&(n >> 8)) {
            return Err(bad(format!(
                "{} is on the escape page of 0x{:02X}, but {why}; an escape byte is never an instruction",
                hex_opcode(n),
                n >> 8
            )));
        }
        chosen.insert(n >> 8);
    }
    Ok(chosen)
}
