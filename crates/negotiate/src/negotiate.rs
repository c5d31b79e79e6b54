//! Negotiation: what two advertisements have in common, and precisely why the rest is not.
//!
//! * **Version** — the highest version (semantic-version order, never string order) that both
//!   claim *with the same content hash*. The same label with different hashes is two different
//!   ISAs wearing one name: it is never chosen, and it is reported.
//! * **Instructions** — those both implement with the same number, name and opcode bytes whose
//!   operand claims do not contradict by the core's one comparison rule ([`Claim::compare`],
//!   which is [`isa_core::compare`] on the digest form): operand shapes when both sides know a
//!   full layout, operand byte counts when one knows only a size (a fixed size contradicts a
//!   payload). A side that knows nothing contradicts nothing, so the instruction is usable with
//!   its layout unchecked; such matches are counted and reported. Every instruction both list
//!   at the same number under the same name gets a [`Verdict`] ([`Agreement::verdict`]). Both
//!   lists are sorted by (opcode, name digest), so the intersection is one linear merge;
//!   [`usable_count`] does it without allocating.
//! * **Features** — groups both claim with the same frozen definition digest and whose member
//!   instructions are all usable.
//!
//! The result is symmetric up to naming: `negotiate(a, b)` and `negotiate(b, a)` agree on the
//! version, features and usable set.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use semver::Version;
use sha2::{Digest, Sha256};

use isa_core::OpBytes;

use crate::model::{name_digest, Advertisement, Claim, Digest8, Hash32, Instruction, VersionClaim};
use crate::wire::Selection;

/// How many individual instructions each kind of reason lists before summarising.
pub const DETAIL_LIMIT: usize = 8;

isa_core::named_enum! {
    /// What negotiation concludes about one instruction both sides list at the same number under
    /// the same name.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Verdict {
        /// Usable: both sides know the operands and they agree ([`isa_core::Agreement::Same`]).
        Usable => "usable",
        /// Usable with the layout unchecked: a side knows nothing of the operands
        /// ([`isa_core::Agreement::Unknown`]).
        LayoutUnknown => "layout-unknown",
        /// Not usable: the operands contradict ([`isa_core::Agreement::Differs`]).
        LayoutDiffers => "layout-differs",
        /// Not usable: the two sides write the number as different opcode bytes.
        EncodingDiffers => "encoding-differs",
}
}

impl Verdict {
    /// The verdict for two records of the same instruction (symmetric).
    pub fn of(a: &Instruction, b: &Instruction) -> Verdict {
        // The comparison rule leaves opcode widths out because within one table they follow
        // from the number; across two VMs the same number can still be written differently
        // (a 2-byte little-endian ISA and an escape page), and then the bytecode disagrees.
        if a.bytes != b.bytes {
            return Verdict::EncodingDiffers;
        }
        match a.claim.compare(&b.claim) {
            isa_core::Agreement::Same => Verdict::Usable,
            isa_core::Agreement::Unknown => Verdict::LayoutUnknown,
            isa_core::Agreement::Differs => Verdict::LayoutDiffers,
        }
    }

    /// Whether both sides can use the instruction.
    pub fn is_usable(self) -> bool {
        matches!(self, Verdict::Usable | Verdict::LayoutUnknown)
    }
}

/// One usable instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usable {
    /// Its number.
    pub opcode: u32,
    /// Its name digest.
    pub name: Digest8,
    /// Its mnemonic, when either side sent mnemonics.
    pub mnemonic: Option<String>,
    /// [`Verdict::Usable`], or [`Verdict::LayoutUnknown`] when a side knows nothing of the
    /// operands and the layout is unchecked.
    pub verdict: Verdict,
}

/// An instruction both sides list at the same number under the same name but cannot share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unusable {
    /// Its number.
    pub opcode: u32,
    /// Its name digest.
    pub name: Digest8,
    /// Its mnemonic, when either side sent mnemonics.
    pub mnemonic: Option<String>,
    /// [`Verdict::LayoutDiffers`] or [`Verdict::EncodingDiffers`].
    pub verdict: Verdict,
}

/// Why something was not agreed. Each variant renders as one precise sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// No version is claimed by both with equal hashes.
    NoCommonVersion {
        /// First implementation and its versions.
        a: (String, Vec<Version>),
        /// Second implementation and its versions.
        b: (String, Vec<Version>),
    },
    /// The same label with different content hashes.
    VersionHashMismatch {
        /// The label.
        version: Version,
        /// First implementation and its hash.
        a: (String, Hash32),
        /// Second implementation and its hash.
        b: (String, Hash32),
    },
    /// No instruction is usable by both.
    NoUsableInstructions,
    /// An instruction both name, at different numbers.
    NumberDiffers {
        /// Mnemonic (or `#digest`).
        mnemonic: String,
        /// Numbers on the first side.
        a: Vec<u32>,
        /// Numbers on the second side.
        b: Vec<u32>,
    },
    /// An instruction at the same number whose operands contradict.
    LayoutDiffers {
        /// Mnemonic (or `#digest`).
        mnemonic: String,
        /// The number.
        opcode: u32,
        /// The first side's claim.
        a: Claim,
        /// The second side's claim.
        b: Claim,
    },
    /// An instruction at the same number written as different opcode bytes.
    EncodingDiffers {
        /// Mnemonic (or `#digest`).
        mnemonic: String,
        /// The number.
        opcode: u32,
        /// The first side's opcode bytes.
        a: OpBytes,
        /// The second side's opcode bytes.
        b: OpBytes,
    },
    /// Instructions only one side implements.
    OnlyIn {
        /// The implementation that has them.
        side: String,
        /// How many.
        count: usize,
        /// Up to [`DETAIL_LIMIT`] of them.
        examples: Vec<String>,
    },
    /// More reasons of one kind than were listed.
    More {
        /// What kind.
        what: &'static str,
        /// How many were not listed.
        count: usize,
    },
    /// Usable instructions whose layouts are unchecked because a side knows nothing of them.
    UncheckedLayouts {
        /// How many.
        count: usize,
    },
    /// Feature groups only one side claims.
    FeatureOnlyIn {
        /// The groups, sorted.
        features: Vec<String>,
        /// The side that claims them.
        side: String,
    },
    /// A feature group both claim with different definitions.
    FeatureRedefined {
        /// The group.
        feature: String,
    },
    /// A feature group both claim identically, some of whose members are not usable.
    FeatureNotUsable {
        /// The group.
        feature: String,
        /// Members not usable.
        unusable: usize,
        /// Members in all.
        members: usize,
    },
    /// The register counts differ: code may use only the smaller file.
    RegistersDiffer {
        /// First side's count.
        a: u16,
        /// Second side's count.
        b: u16,
    },
}

fn short(h: &Hash32) -> String {
    format!("sha256:{}…", isa_core::hash::hex(&h[..6]))
}

fn versions(v: &[Version]) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Operand bytes as a report gives them: `3 operand bytes`, `2 operand bytes + payload`.
fn operands((bytes, variable): (u16, bool)) -> String {
    format!(
        "{bytes} operand byte{}{}",
        if bytes == 1 { "" } else { "s" },
        if variable { " + payload" } else { "" }
    )
}

fn opcodes(v: &[u32]) -> String {
    v.iter()
        .map(|o| format!("{o:#04x}"))
        .collect::<Vec<_>>()
        .join("/")
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::NoCommonVersion { a, b } => write!(
                f,
                "no common ISA version with matching hashes: {} offers {}; {} offers {}",
                a.0,
                versions(&a.1),
                b.0,
                versions(&b.1)
            ),
            Reason::VersionHashMismatch { version, a, b } => write!(
                f,
                "version {version} is defined differently: {} has {}, {} has {}",
                a.0,
                short(&a.1),
                b.0,
                short(&b.1)
            ),
            Reason::NoUsableInstructions => {
                f.write_str("no instruction has the same number, name, opcode bytes and layout on both sides")
            }
            Reason::NumberDiffers { mnemonic, a, b } => write!(
                f,
                "{mnemonic} has a different number: {} vs {}",
                opcodes(a),
                opcodes(b)
            ),
            Reason::LayoutDiffers {
                mnemonic,
                opcode,
                a,
                b,
            } => {
                write!(f, "{mnemonic} at {opcode:#04x} has a different layout: ")?;
                match (a.operands(), b.operands()) {
                    (Some(x), Some(y)) if x == y => {
                        write!(f, "both {}, different fields", operands(x))
                    }
                    (Some(x), Some(y)) => write!(f, "{} vs {}", operands(x), operands(y)),
                    // `compare` never says Differs when a side knows nothing.
                    _ => f.write_str("unknown"),
                }
            }
            Reason::EncodingDiffers {
                mnemonic,
                opcode,
                a,
                b,
            } => write!(
                f,
                "{mnemonic} at {opcode:#04x} is encoded differently: {a} vs {b}"
            ),
            Reason::OnlyIn {
                side,
                count,
                examples,
            } => {
                write!(f, "{count} instruction(s) only in {side}")?;
                if !examples.is_empty() {
                    write!(f, ": {}", examples.join(", "))?;
                    if *count > examples.len() {
                        write!(f, ", …")?;
                    }
                }
                Ok(())
            }
            Reason::More { what, count } => write!(f, "… and {count} more {what}"),
            Reason::UncheckedLayouts { count } => write!(
                f,
                "{count} usable instruction(s) have no known layout or size on at least one side; their layouts are unchecked"
            ),
            Reason::FeatureOnlyIn { features, side } => {
                let list: Vec<String> = features.iter().map(|g| format!("`{g}`")).collect();
                let (noun, verb) = if features.len() == 1 {
                    ("feature", "is")
                } else {
                    ("features", "are")
                };
                write!(f, "{noun} {} {verb} claimed only by {side}", list.join(", "))
            }
            Reason::FeatureRedefined { feature } => write!(
                f,
                "feature `{feature}` is defined differently (its frozen definitions differ)"
            ),
            Reason::FeatureNotUsable {
                feature,
                unusable,
                members,
            } => write!(
                f,
                "feature `{feature}`: {unusable} of its {members} instruction(s) are not usable by both"
            ),
            Reason::RegistersDiffer { a, b } => write!(
                f,
                "register counts differ ({a} vs {b}): code may use only {}",
                a.min(b)
            ),
        }
    }
}

/// The outcome of a negotiation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    /// A common version exists and at least one instruction is usable.
    pub compatible: bool,
    /// The highest common version with matching hashes.
    pub version: Option<VersionClaim>,
    /// Agreed feature groups, sorted.
    pub features: Vec<String>,
    /// Usable instructions, sorted by (opcode, name digest).
    pub usable: Vec<Usable>,
    /// Instructions both list at the same number under the same name that cannot be shared,
    /// sorted by (opcode, name digest).
    pub unusable: Vec<Unusable>,
    /// Registers both have (the smaller stated count; 0 when neither states one).
    pub registers: u16,
    /// Format shapes both decode, sorted.
    pub formats: Vec<String>,
    /// Why anything was not agreed, in a fixed order.
    pub reasons: Vec<Reason>,
}

/// Walks both sorted instruction lists once, calling `on` for every pair with equal keys and
/// `only` for every record present on one side only. No allocation.
fn merge(
    a: &[Instruction],
    b: &[Instruction],
    mut on: impl FnMut(usize, usize),
    mut only: impl FnMut(bool, usize),
) {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].key().cmp(&b[j].key()) {
            Ordering::Less => {
                only(true, i);
                i += 1;
            }
            Ordering::Greater => {
                only(false, j);
                j += 1;
            }
            Ordering::Equal => {
                on(i, j);
                i += 1;
                j += 1;
            }
        }
    }
    (i..a.len()).for_each(|i| only(true, i));
    (j..b.len()).for_each(|j| only(false, j));
}

/// The number of instructions both can use, without allocating (see the module docs).
pub fn usable_count(a: &Advertisement<'_>, b: &Advertisement<'_>) -> usize {
    let mut n = 0;
    merge(
        &a.instructions,
        &b.instructions,
        |i, j| {
            if Verdict::of(&a.instructions[i], &b.instructions[j]).is_usable() {
                n += 1;
            }
        },
        |_, _| {},
    );
    n
}

/// SHA-256 over the usable (opcode, name digest) records, in order.
pub fn usable_digest(usable: &[Usable]) -> Hash32 {
    let mut h = Sha256::new();
    h.update(b"isa-negotiate/usable/v1\0");
    for u in usable {
        h.update(u.opcode.to_le_bytes());
        h.update(u.name);
    }
    h.finalize().into()
}

/// Where an instruction without a partner sits on each side, and what it is called.
type Unmatched<'m> = (Vec<u32>, Vec<u32>, Option<&'m str>);

/// How reports name an instruction: its mnemonic when either side sent one (the merge knows
/// the record on each side, so no lookup table is needed), else `#<name digest>`.
fn display_name(mnemonic: Option<&str>, name: &Digest8) -> String {
    match mnemonic {
        Some(m) => m.to_string(),
        None => format!("#{}", isa_core::hash::hex(name)),
    }
}

fn push_limited(reasons: &mut Vec<Reason>, mut items: Vec<Reason>, what: &'static str) {
    let more = items.len().saturating_sub(DETAIL_LIMIT);
    items.truncate(DETAIL_LIMIT);
    reasons.extend(items);
    if more > 0 {
        reasons.push(Reason::More { what, count: more });
    }
}

/// Negotiates between two advertisements (see the module docs). `a` is the side that speaks
/// first (the client in a handshake); its name comes first in reasons.
pub fn negotiate(a: &Advertisement<'_>, b: &Advertisement<'_>) -> Agreement {
    let (an, bn) = (a.implementation.to_string(), b.implementation.to_string());
    let same_names = an == bn;
    let (an, bn) = if same_names {
        (format!("{an} (A)"), format!("{bn} (B)"))
    } else {
        (an, bn)
    };
    let mut reasons = Vec::new();

    // Versions: both lists are sorted, so the mismatches come out in version order.
    let mut chosen: Option<&VersionClaim> = None;
    for va in &a.versions {
        if let Some(vb) = b.versions.iter().find(|vb| vb.version == va.version) {
            if vb.hash == va.hash {
                // `a.versions` is ascending, so the last match is the highest.
                chosen = Some(va);
            } else {
                reasons.push(Reason::VersionHashMismatch {
                    version: va.version.clone(),
                    a: (an.clone(), va.hash),
                    b: (bn.clone(), vb.hash),
                });
            }
        }
    }
    if chosen.is_none() {
        reasons.insert(
            0,
            Reason::NoCommonVersion {
                a: (
                    an.clone(),
                    a.versions.iter().map(|v| v.version.clone()).collect(),
                ),
                b: (
                    bn.clone(),
                    b.versions.iter().map(|v| v.version.clone()).collect(),
                ),
            },
        );
    }

    // Instructions.
    let mut usable = Vec::new();
    let mut usable_a = vec![false; a.instructions.len()];
    let mut usable_b = vec![false; b.instructions.len()];
    let mut unusable = Vec::new();
    let mut layout = Vec::new();
    let mut encoding = Vec::new();
    // Name digest -> (numbers in a, numbers in b, a mnemonic from either side).
    let mut unmatched: BTreeMap<Digest8, Unmatched<'_>> = BTreeMap::new();
    let mut assumed = 0;
    merge(
        &a.instructions,
        &b.instructions,
        |i, j| {
            let (x, y) = (&a.instructions[i], &b.instructions[j]);
            let verdict = Verdict::of(x, y);
            let mnemonic = a.mnemonic(i).or_else(|| b.mnemonic(j));
            if verdict.is_usable() {
                usable_a[i] = true;
                usable_b[j] = true;
                assumed += usize::from(verdict == Verdict::LayoutUnknown);
                usable.push(Usable {
                    opcode: x.opcode,
                    name: x.name,
                    mnemonic: mnemonic.map(str::to_string),
                    verdict,
                });
                return;
            }
            unusable.push(Unusable {
                opcode: x.opcode,
                name: x.name,
                mnemonic: mnemonic.map(str::to_string),
                verdict,
            });
            let mnemonic = display_name(mnemonic, &x.name);
            if verdict == Verdict::EncodingDiffers {
                encoding.push(Reason::EncodingDiffers {
                    mnemonic,
                    opcode: x.opcode,
                    a: x.bytes,
                    b: y.bytes,
                });
            } else {
                layout.push(Reason::LayoutDiffers {
                    mnemonic,
                    opcode: x.opcode,
                    a: x.claim,
                    b: y.claim,
                });
            }
        },
        |in_a, k| {
            let side = if in_a { a } else { b };
            let ins = &side.instructions[k];
            let slot = unmatched.entry(ins.name).or_default();
            slot.2 = slot.2.or(side.mnemonic(k));
            if in_a {
                slot.0.push(ins.opcode);
            } else {
                slot.1.push(ins.opcode);
            }
        },
    );
    // Reasons list instructions in opcode order (then name), which reads like the tables.
    let mut moved = Vec::new();
    let (mut only_a, mut only_b) = (Vec::new(), Vec::new());
    for (name, (oa, ob, mnemonic)) in &unmatched {
        let first = oa.iter().chain(ob).min().copied().unwrap_or(0);
        match (oa.is_empty(), ob.is_empty()) {
            (false, false) => moved.push((
                first,
                Reason::NumberDiffers {
                    mnemonic: display_name(*mnemonic, name),
                    a: oa.clone(),
                    b: ob.clone(),
                },
            )),
            (false, true) => only_a.push((first, display_name(*mnemonic, name))),
            (true, false) => only_b.push((first, display_name(*mnemonic, name))),
            (true, true) => {}
        }
    }
    moved.sort_by_cached_key(|x| (x.0, x.1.to_string()));
    only_a.sort();
    only_b.sort();
    let moved: Vec<Reason> = moved.into_iter().map(|(_, r)| r).collect();
    let only_a: Vec<String> = only_a.into_iter().map(|(_, n)| n).collect();
    let only_b: Vec<String> = only_b.into_iter().map(|(_, n)| n).collect();
    if usable.is_empty() {
        reasons.push(Reason::NoUsableInstructions);
    }
    push_limited(&mut reasons, moved, "instructions with different numbers");
    push_limited(&mut reasons, layout, "instructions with different layouts");
    push_limited(
        &mut reasons,
        encoding,
        "instructions with different opcode bytes",
    );
    for (side, mut names) in [(&an, only_a), (&bn, only_b)] {
        if !names.is_empty() {
            let count = names.len();
            names.truncate(DETAIL_LIMIT);
            reasons.push(Reason::OnlyIn {
                side: side.clone(),
                count,
                examples: names,
            });
        }
    }
    if assumed > 0 {
        reasons.push(Reason::UncheckedLayouts { count: assumed });
    }

    // Features: both lists are sorted by name, so walk them together.
    let mut features = Vec::new();
    let (mut only_fa, mut only_fb) = (Vec::new(), Vec::new());
    let mut feature_reasons = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.groups.len() || j < b.groups.len() {
        let ord = match (a.groups.get(i), b.groups.get(j)) {
            (Some(x), Some(y)) => x.name.cmp(&y.name),
            (Some(_), None) => Ordering::Less,
            _ => Ordering::Greater,
        };
        match ord {
            Ordering::Less => {
                only_fa.push(a.groups[i].name.to_string());
                i += 1;
            }
            Ordering::Greater => {
                only_fb.push(b.groups[j].name.to_string());
                j += 1;
            }
            Ordering::Equal => {
                let (x, y) = (&a.groups[i], &b.groups[j]);
                if x.definition != y.definition {
                    feature_reasons.push(Reason::FeatureRedefined {
                        feature: x.name.to_string(),
                    });
                } else {
                    let bad_a = x
                        .members
                        .iter()
                        .filter(|&&m| !usable_a[usize::from(m)])
                        .count();
                    let bad_b = y
                        .members
                        .iter()
                        .filter(|&&m| !usable_b[usize::from(m)])
                        .count();
                    if bad_a == 0 && bad_b == 0 {
                        features.push(x.name.to_string());
                    } else {
                        feature_reasons.push(Reason::FeatureNotUsable {
                            feature: x.name.to_string(),
                            unusable: bad_a.max(bad_b),
                            members: x.members.len().max(y.members.len()),
                        });
                    }
                }
                i += 1;
                j += 1;
            }
        }
    }

    reasons.extend(feature_reasons);
    for (side, list) in [(&an, only_fa), (&bn, only_fb)] {
        if !list.is_empty() {
            reasons.push(Reason::FeatureOnlyIn {
                features: list,
                side: side.clone(),
            });
        }
    }

    // Zero registers means "not stated": it neither limits the other side nor counts as a
    // difference.
    let registers = match (a.registers, b.registers) {
        (0, n) | (n, 0) => n,
        (x, y) => x.min(y),
    };
    if a.registers != 0 && b.registers != 0 && a.registers != b.registers {
        reasons.push(Reason::RegistersDiffer {
            a: a.registers,
            b: b.registers,
        });
    }
    let mut formats: Vec<String> = a
        .formats
        .iter()
        .filter(|fa| b.formats.iter().any(|fb| fb.shape == fa.shape))
        .map(|f| f.shape.to_string())
        .collect();
    formats.sort();
    formats.dedup();

    Agreement {
        compatible: chosen.is_some() && !usable.is_empty(),
        version: chosen.cloned(),
        features,
        usable,
        unusable,
        registers,
        formats,
        reasons,
    }
}

impl Agreement {
    /// The verdict on the instruction `mnemonic` at `opcode`, when both sides list it there
    /// (`None`: one side lacks it, or has it at another number).
    pub fn verdict(&self, opcode: u32, mnemonic: &str) -> Option<Verdict> {
        let key = (opcode, name_digest(mnemonic));
        if let Ok(i) = self
            .usable
            .binary_search_by(|u| (u.opcode, u.name).cmp(&key))
        {
            return Some(self.usable[i].verdict);
        }
        self.unusable
            .binary_search_by(|u| (u.opcode, u.name).cmp(&key))
            .ok()
            .map(|i| self.unusable[i].verdict)
    }

    /// The selection a server sends in its answer, which the client recomputes and compares.
    pub fn selection(&self) -> Selection<'static> {
        Selection {
            compatible: self.compatible,
            version: self.version.clone(),
            features: self
                .features
                .iter()
                .map(|f| std::borrow::Cow::Owned(f.clone()))
                .collect(),
            usable_count: u32::try_from(self.usable.len()).unwrap_or(u32::MAX),
            usable_digest: usable_digest(&self.usable),
        }
    }
}
