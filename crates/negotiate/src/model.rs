//! The capability advertisement: what one implementation tells a peer about itself.
//!
//! Strings are [`Cow`]s so that an advertisement decoded from a wire buffer borrows its text
//! from that buffer (no copy), while one built from a table owns it. Instructions are fixed-size
//! digest records, so a peer can compute the usable set without either side sending mnemonic
//! text; mnemonics travel optionally, for readable reports.
//!
//! [`build`] reads the table through the core's one resolve step ([`isa_core::resolve()`]): each
//! record carries the instruction's real opcode bytes (an escape-page instruction is `ff 05`, two
//! bytes) and a [`Claim`] holding exactly what the core's comparison key
//! ([`isa_core::Instruction::fact_key`]) knows — the operand shape when a full layout is known,
//! the operand byte count otherwise, nothing when the instruction is unknown. [`Claim::compare`]
//! is the core's one comparison rule ([`isa_core::compare`]) applied to that digest form, so a
//! peer reaches the verdict the core would reach without seeing the other table.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use isa_core::resolve::FactKey;
use isa_core::{normalize, Aliases, CheckOptions, OpBytes, ResolveOptions, Scheme, Table};
use semver::Version;
use sha2::{Digest, Sha256};

use crate::groups::GroupDef;

/// Upper bounds every advertisement respects, checked by [`Advertisement::validate`], by the
/// encoder and by the decoder: they keep decoding bounded whatever the input.
pub mod limits {
    /// Largest encoded message, header included (1 MiB).
    pub const MAX_MESSAGE: usize = 1 << 20;
    /// Longest string (implementation name, version label, mnemonic, group name, format).
    pub const MAX_STRING: usize = 255;
    /// Most ISA versions one advertisement may claim.
    pub const MAX_VERSIONS: usize = 64;
    /// Most format claims.
    pub const MAX_FORMATS: usize = 64;
    /// Most instructions (member indices are 16-bit).
    pub const MAX_INSTRUCTIONS: usize = 65_535;
    /// Most feature groups.
    pub const MAX_GROUPS: usize = 256;
}

/// An 8-byte digest of a normalised mnemonic or of an operand shape.
pub type Digest8 = [u8; 8];

/// A SHA-256 digest.
pub type Hash32 = [u8; 32];

fn digest8(domain: &[u8], text: &str) -> Digest8 {
    let mut h = Sha256::new();
    h.update(domain);
    h.update(text.as_bytes());
    let full = h.finalize();
    let mut out = [0u8; 8];
    out.copy_from_slice(&full[..8]);
    out
}

/// The name digest of a mnemonic: 8 bytes of SHA-256 over its normalised (upper-cased) form.
pub fn name_digest(mnemonic: &str) -> Digest8 {
    digest8(b"isa-negotiate/name\0", &normalize(mnemonic))
}

/// The shape digest of an operand shape as the core's comparison key spells it
/// ([`isa_core::resolve::operand_shape`]: field widths and kinds, byte order where a field spans
/// bytes). The domain differs from wire version 1's digest of the whole layout's shape key, so
/// the two can never be mistaken for each other.
pub fn shape_digest(operand_shape: &str) -> Digest8 {
    digest8(b"isa-negotiate/operand-shape\0", operand_shape)
}

/// One ISA version the implementation supports, with the content hash that defines it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionClaim {
    /// The version label (semantic version).
    pub version: Version,
    /// SHA-256 of the version's canonical content (store record or bare table hash).
    pub hash: Hash32,
}

impl VersionClaim {
    /// A claim from a version and a `sha256:<hex>` (or bare hex) content hash.
    pub fn from_hex(version: Version, hash: &str) -> Option<VersionClaim> {
        Some(VersionClaim {
            version,
            hash: parse_hash(hash)?,
        })
    }

    /// `sha256:<hex>` of the hash.
    pub fn hash_hex(&self) -> String {
        format!("sha256:{}", isa_core::hash::hex(&self.hash))
    }
}

/// Parses `sha256:<64 hex>` or bare 64-digit hex into bytes.
pub fn parse_hash(text: &str) -> Option<Hash32> {
    let hex = text.strip_prefix("sha256:").unwrap_or(text);
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, chunk) in hex.as_bytes().chunks(2).enumerate() {
        let s = std::str::from_utf8(chunk).ok()?;
        out[i] = u8::from_str_radix(s, 16).ok()?;
    }
    Some(out)
}

/// A format the implementation decodes: its letter and its name-free shape.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FormatClaim<'a> {
    /// The letter as the implementation spells it.
    pub letter: Cow<'a, str>,
    /// The instruction's real size (opcode bytes included) and operand shape, `4B reg8 reg8
    /// reg8` (`1B` for no operands); letters mean nothing across tables.
    pub shape: Cow<'a, str>,
}

/// What an advertisement says about one instruction's operands (everything after the opcode
/// bytes): the digest form of the core's comparison key, [`isa_core::resolve::FactKey`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Claim {
    /// Nothing is known: the table gives a letter that nothing defines, or no letter and no size.
    Unknown,
    /// Only the size (`size_bytes`): the operand byte count of a fixed-length instruction.
    Size {
        /// Operand bytes (the size minus the opcode bytes).
        operand_bytes: u16,
    },
    /// A full layout.
    Layout {
        /// Operand bytes of the fixed part.
        operand_bytes: u16,
        /// Whether a payload follows the fixed part (the layout has a payload-length field).
        variable: bool,
        /// [`shape_digest`] of the operand shape.
        shape: Digest8,
    },
}

impl Claim {
    /// The claim that carries the core's comparison key (no key: [`Claim::Unknown`]); `None`
    /// when the operand byte count does not fit the record's 16 bits.
    fn from_fact_key(key: Option<FactKey>) -> Option<Claim> {
        let Some(key) = key else {
            return Some(Claim::Unknown);
        };
        let (bytes, variable) = key.size;
        let operand_bytes = u16::try_from(bytes).ok()?;
        Some(match key.shape {
            Some(shape) => Claim::Layout {
                operand_bytes,
                variable,
                shape: shape_digest(&shape),
            },
            // A size-only key is always fixed-length (the core never marks it variable).
            None => Claim::Size { operand_bytes },
        })
    }

    /// Operand bytes of the fixed part and whether a payload follows, when known.
    pub fn operands(&self) -> Option<(u16, bool)> {
        match *self {
            Claim::Unknown => None,
            Claim::Size { operand_bytes } => Some((operand_bytes, false)),
            Claim::Layout {
                operand_bytes,
                variable,
                ..
            } => Some((operand_bytes, variable)),
        }
    }

    /// The core's one comparison rule ([`isa_core::compare`], [`FactKey::differs`]) on two
    /// claims: operand shapes when both are full layouts, else operand byte counts (a fixed size
    /// contradicts a payload); `Unknown` when either side knows nothing. A property test holds
    /// this equal to `isa_core::compare` on the instructions the claims were built from.
    pub fn compare(&self, other: &Claim) -> isa_core::Agreement {
        use isa_core::Agreement::{Differs, Same, Unknown};
        let same = match (self, other) {
            (Claim::Unknown, _) | (_, Claim::Unknown) => return Unknown,
            (Claim::Layout { shape: a, .. }, Claim::Layout { shape: b, .. }) => a == b,
            _ => self.operands() == other.operands(),
        };
        if same {
            Same
        } else {
            Differs
        }
    }
}

/// One instruction as a fixed-size record: number, name digest, opcode bytes and operand claim.
///
/// Two implementations can both use an instruction when they agree on its number, its name and
/// its opcode bytes, and their claims do not contradict each other ([`Claim::compare`] is not
/// `Differs`); when either side knows nothing of the operands the layout is unchecked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instruction {
    /// The opcode number.
    pub opcode: u32,
    /// [`name_digest`] of the mnemonic.
    pub name: Digest8,
    /// The opcode bytes as they appear in bytecode (from the table's encoding).
    pub bytes: OpBytes,
    /// What is known of the operands.
    pub claim: Claim,
}

impl Instruction {
    /// The sort and identity key of a record within one advertisement.
    pub fn key(&self) -> (u32, Digest8) {
        (self.opcode, self.name)
    }

    /// Size in bytes of the fixed part, opcode bytes included, when the operands are known.
    pub fn size(&self) -> Option<u32> {
        let (operands, _) = self.claim.operands()?;
        Some(self.bytes.len() as u32 + u32::from(operands))
    }
}

/// A feature group the implementation claims: a named, frozen set of instructions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureGroup<'a> {
    /// The group's name (`core`, `float`, `a2a`, …).
    pub name: Cow<'a, str>,
    /// SHA-256 over the group's resolved member names: equal digests mean equal definitions.
    pub definition: Hash32,
    /// Indices into the advertisement's instruction list, strictly ascending.
    pub members: Vec<u16>,
}

/// A capability advertisement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Advertisement<'a> {
    /// Implementation name.
    pub implementation: Cow<'a, str>,
    /// Supported ISA versions, strictly ascending by semantic-version order.
    pub versions: Vec<VersionClaim>,
    /// Number of registers the implementation has; 0 when it does not say.
    pub registers: u16,
    /// Formats it decodes, sorted, no duplicates.
    pub formats: Vec<FormatClaim<'a>>,
    /// Instructions, strictly ascending by (opcode, name digest).
    pub instructions: Vec<Instruction>,
    /// Mnemonics parallel to `instructions`, or empty when only digests are advertised.
    pub mnemonics: Vec<Cow<'a, str>>,
    /// Feature groups, strictly ascending by name.
    pub groups: Vec<FeatureGroup<'a>>,
}

/// Why an advertisement breaks its invariants.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidAdvertisement {
    /// A string longer than [`limits::MAX_STRING`] bytes.
    #[error("{what} is {len} bytes long; at most {max} are allowed", max = limits::MAX_STRING)]
    StringTooLong {
        /// Which string.
        what: &'static str,
        /// Its length.
        len: usize,
    },
    /// A string holding a control character (names are text).
    #[error("{what} contains the control character U+{code:04X} at byte {at}; names are text")]
    ControlCharacter {
        /// Which string.
        what: &'static str,
        /// Byte position in the string.
        at: usize,
        /// The character.
        code: u32,
    },
    /// A list over its bound.
    #[error("{len} {what}; at most {max} are allowed")]
    TooMany {
        /// Which list.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The bound.
        max: usize,
    },
    /// A list out of order or with duplicates.
    #[error("{what} are not strictly ascending (duplicate or out of order at position {index})")]
    NotAscending {
        /// Which list.
        what: &'static str,
        /// Position of the offending item.
        index: usize,
    },
    /// Mnemonics present but not one per instruction.
    #[error("{mnemonics} mnemonics for {instructions} instructions")]
    MnemonicCount {
        /// Mnemonics given.
        mnemonics: usize,
        /// Instructions given.
        instructions: usize,
    },
    /// A mnemonic whose digest is not the instruction's name digest.
    #[error("mnemonic `{mnemonic}` does not match the name digest of instruction {index}")]
    MnemonicMismatch {
        /// Position.
        index: usize,
        /// The mnemonic.
        mnemonic: String,
    },
    /// A group member index past the instruction list.
    #[error("feature group `{group}` names instruction {index}, but there are only {count}")]
    MemberOutOfRange {
        /// The group.
        group: String,
        /// The index.
        index: u16,
        /// Instruction count.
        count: usize,
    },
}

fn check_str(what: &'static str, s: &str) -> Result<(), InvalidAdvertisement> {
    if s.len() > limits::MAX_STRING {
        return Err(InvalidAdvertisement::StringTooLong { what, len: s.len() });
    }
    // The names rule of isa-core: names are text. A peer's advertisement is printed in
    // reports, so a control character in it is refused here, where every decoder passes.
    // Printable ASCII (nearly every name) has none; checking bytes first skips decoding each
    // character, which was a fifth of encoding an advertisement.
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Ok(());
    }
    if let Some((at, c)) = s.char_indices().find(|(_, c)| c.is_control()) {
        return Err(InvalidAdvertisement::ControlCharacter {
            what,
            at,
            code: u32::from(c),
        });
    }
    Ok(())
}

fn check_len(what: &'static str, len: usize, max: usize) -> Result<(), InvalidAdvertisement> {
    if len > max {
        return Err(InvalidAdvertisement::TooMany { what, len, max });
    }
    Ok(())
}

/// Strictly ascending by `less`, which compares in place (a key function returning owned keys
/// cloned two values per pair).
fn check_ascending<T>(
    what: &'static str,
    items: &[T],
    less: impl Fn(&T, &T) -> bool,
) -> Result<(), InvalidAdvertisement> {
    for (i, w) in items.windows(2).enumerate() {
        if !less(&w[0], &w[1]) {
            return Err(InvalidAdvertisement::NotAscending { what, index: i + 1 });
        }
    }
    Ok(())
}

impl<'a> Advertisement<'a> {
    /// Checks every invariant the wire format relies on: bounds, ordering (which makes merges
    /// linear and encodings canonical), one mnemonic per instruction when any are sent, and
    /// group member ranges. It does not hash the mnemonics (see
    /// [`Advertisement::check_mnemonics`]): they only label reports, and hashing each one would
    /// triple the cost of decoding.
    pub fn validate(&self) -> Result<(), InvalidAdvertisement> {
        check_str("implementation name", &self.implementation)?;
        check_len("versions", self.versions.len(), limits::MAX_VERSIONS)?;
        for v in &self.versions {
            check_str("version label", &v.version.to_string())?;
        }
        check_ascending("versions", &self.versions, |a, b| a.version < b.version)?;
        check_len("formats", self.formats.len(), limits::MAX_FORMATS)?;
        for f in &self.formats {
            check_str("format letter", &f.letter)?;
            check_str("format shape", &f.shape)?;
        }
        check_ascending("formats", &self.formats, |a, b| a < b)?;
        check_len(
            "instructions",
            self.instructions.len(),
            limits::MAX_INSTRUCTIONS,
        )?;
        check_ascending("instructions", &self.instructions, |a, b| a.key() < b.key())?;
        if !self.mnemonics.is_empty() {
            if self.mnemonics.len() != self.instructions.len() {
                return Err(InvalidAdvertisement::MnemonicCount {
                    mnemonics: self.mnemonics.len(),
                    instructions: self.instructions.len(),
                });
            }
            for m in &self.mnemonics {
                check_str("mnemonic", m)?;
            }
        }
        check_len("feature groups", self.groups.len(), limits::MAX_GROUPS)?;
        check_ascending("feature groups", &self.groups, |a, b| a.name < b.name)?;
        for g in &self.groups {
            check_str("feature group name", &g.name)?;
            check_ascending("feature group members", &g.members, |a, b| a < b)?;
            if let Some(&bad) = g
                .members
                .iter()
                .find(|&&m| usize::from(m) >= self.instructions.len())
            {
                return Err(InvalidAdvertisement::MemberOutOfRange {
                    group: g.name.to_string(),
                    index: bad,
                    count: self.instructions.len(),
                });
            }
        }
        Ok(())
    }

    /// Checks that every mnemonic is the one its instruction's name digest was made from, so
    /// that reports naming instructions by these mnemonics cannot be misled by a peer.
    pub fn check_mnemonics(&self) -> Result<(), InvalidAdvertisement> {
        for (i, (m, ins)) in self.mnemonics.iter().zip(&self.instructions).enumerate() {
            if name_digest(m) != ins.name {
                return Err(InvalidAdvertisement::MnemonicMismatch {
                    index: i,
                    mnemonic: m.to_string(),
                });
            }
        }
        Ok(())
    }

    /// The mnemonic of instruction `index`, when the advertisement carries mnemonics.
    pub fn mnemonic(&self, index: usize) -> Option<&str> {
        self.mnemonics.get(index).map(|m| m.as_ref())
    }

    /// A copy that owns all its text (detached from the buffer it was decoded from).
    pub fn into_owned(self) -> Advertisement<'static> {
        let own = |c: Cow<'a, str>| Cow::Owned(c.into_owned());
        Advertisement {
            implementation: own(self.implementation),
            versions: self.versions,
            registers: self.registers,
            formats: self
                .formats
                .into_iter()
                .map(|f| FormatClaim {
                    letter: own(f.letter),
                    shape: own(f.shape),
                })
                .collect(),
            instructions: self.instructions,
            mnemonics: self.mnemonics.into_iter().map(own).collect(),
            groups: self
                .groups
                .into_iter()
                .map(|g| FeatureGroup {
                    name: own(g.name),
                    definition: g.definition,
                    members: g.members,
                })
                .collect(),
        }
    }
}

/// Something the builder left out of an advertisement, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildNote(pub String);

impl std::fmt::Display for BuildNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How to build an advertisement from a table.
#[derive(Debug, Clone)]
pub struct BuildOptions<'s> {
    /// The scheme that resolves format letters the table does not declare.
    pub scheme: &'s Scheme,
    /// Versions to claim (sorted and de-duplicated by the builder).
    pub versions: Vec<VersionClaim>,
    /// Register count to advertise.
    pub registers: u16,
    /// Feature-group definitions; the implementation claims those it fully implements.
    pub groups: Vec<GroupDef>,
    /// Whether to send mnemonic text alongside the digests.
    pub mnemonics: bool,
}

/// Why a table cannot be advertised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// The table's bytecode cannot be decoded unambiguously ([`isa_core::undecodable`]), so no
    /// peer could rely on what it advertises. Each problem is `check`'s own message.
    #[error("table {implementation} cannot be decoded unambiguously: {}", problems.join("; "))]
    Undecodable {
        /// The table's implementation name.
        implementation: String,
        /// `check`'s message for each conflict that makes it undecodable.
        problems: Vec<String>,
    },
}

/// Builds an advertisement from a table, reading every instruction through the core's resolve
/// step. Refuses a table whose bytecode cannot be decoded ([`BuildError::Undecodable`]). An
/// instruction the table lists twice (same number and name) with contradicting operands or
/// opcode bytes is left out (it is ambiguous), as are groups whose members the table does not
/// all implement; each omission yields a note.
///
/// Identity is the normalised mnemonic (no alias map): that is what the name digest carries.
pub fn build(
    table: &Table,
    options: &BuildOptions<'_>,
) -> Result<(Advertisement<'static>, Vec<BuildNote>), BuildError> {
    let aliases = Aliases::new();
    let check = CheckOptions {
        aliases: aliases.clone(),
        scheme: options.scheme.clone(),
        hint_limit: 0,
    };
    let problems = isa_core::undecodable(table, &check);
    if !problems.is_empty() {
        return Err(BuildError::Undecodable {
            implementation: table.implementation.clone(),
            problems: problems.into_iter().map(|c| c.message).collect(),
        });
    }
    let resolved = isa_core::resolve(table, &ResolveOptions::new(options.scheme, &aliases));

    let mut notes = Vec::new();
    // (opcode, name digest) -> (mnemonic, opcode bytes, claim)
    let mut records: BTreeMap<(u32, Digest8), (String, OpBytes, Claim)> = BTreeMap::new();
    let mut ambiguous: BTreeSet<(u32, Digest8)> = BTreeSet::new();
    for inst in &resolved.instructions {
        // With no alias map the identity key is the normalised mnemonic.
        let mnemonic = &inst.key;
        if mnemonic.len() > limits::MAX_STRING {
            notes.push(BuildNote(format!(
                "instruction at {:#04x} left out: its mnemonic is longer than {} bytes",
                inst.opcode,
                limits::MAX_STRING
            )));
            continue;
        }
        // `undecodable` is empty, so every number has its bytes; the check stays for safety.
        let Ok(bytes) = inst.bytes else {
            continue;
        };
        let Some(claim) = Claim::from_fact_key(inst.fact_key()) else {
            notes.push(BuildNote(format!(
                "{mnemonic} at {:#04x} left out: its operands take more than {} bytes",
                inst.opcode,
                u16::MAX
            )));
            continue;
        };
        let key = (inst.opcode, name_digest(mnemonic));
        match records.get_mut(&key) {
            None => {
                records.insert(key, (mnemonic.clone(), bytes, claim));
            }
            Some((_, old_bytes, old)) => {
                if *old_bytes != bytes || old.compare(&claim) == isa_core::Agreement::Differs {
                    ambiguous.insert(key);
                } else if rank(&claim) > rank(old) {
                    // The statements agree; keep the one that says more.
                    *old = claim;
                }
            }
        }
    }
    for key in &ambiguous {
        if let Some((m, _, _)) = records.remove(key) {
            notes.push(BuildNote(format!(
                "{m} at {:#04x} left out: the table gives it two different layouts",
                key.0
            )));
        }
    }
    if records.len() > limits::MAX_INSTRUCTIONS {
        notes.push(BuildNote(format!(
            "only the first {} of {} instructions are advertised",
            limits::MAX_INSTRUCTIONS,
            records.len()
        )));
    }
    let records: Vec<_> = records.into_iter().take(limits::MAX_INSTRUCTIONS).collect();
    let instructions: Vec<Instruction> = records
        .iter()
        .map(|((opcode, name), (_, bytes, claim))| Instruction {
            opcode: *opcode,
            name: *name,
            bytes: *bytes,
            claim: *claim,
        })
        .collect();
    let mnemonics: Vec<Cow<'static, str>> = if options.mnemonics {
        records
            .iter()
            .map(|(_, (m, _, _))| Cow::Owned(m.clone()))
            .collect()
    } else {
        Vec::new()
    };

    // The formats it decodes are the ones its instructions use, with each instruction's real
    // size (its opcode bytes included) and operand shape, as resolved.
    let mut formats: BTreeSet<(String, String)> = BTreeSet::new();
    for inst in &resolved.instructions {
        if let (Some(letter), Some(layout), Some(size)) =
            (inst.entry.format.as_deref(), inst.layout(), inst.size())
        {
            if letter.len() <= limits::MAX_STRING {
                let shape = if layout.fields.is_empty() {
                    format!("{size}B")
                } else {
                    format!("{size}B {}", isa_core::resolve::operand_shape(layout))
                };
                formats.insert((letter.to_string(), shape));
            }
        }
    }
    let formats: Vec<FormatClaim<'static>> = formats
        .into_iter()
        .take(limits::MAX_FORMATS)
        .map(|(letter, shape)| FormatClaim {
            letter: Cow::Owned(letter),
            shape: Cow::Owned(shape),
        })
        .collect();

    let mut versions = options.versions.clone();
    versions.sort_by(|a, b| a.version.cmp(&b.version));
    versions.dedup_by(|b, a| {
        if a.version == b.version {
            if a.hash != b.hash {
                notes.push(BuildNote(format!(
                    "version {} given twice with different hashes; the first is kept",
                    a.version
                )));
            }
            true
        } else {
            false
        }
    });
    versions.truncate(limits::MAX_VERSIONS);

    let mut groups = Vec::new();
    let by_name: BTreeMap<Digest8, Vec<u16>> =
        instructions
            .iter()
            .enumerate()
            .fold(BTreeMap::new(), |mut map, (i, ins)| {
                // Indices fit: the instruction list is capped at u16::MAX entries.
                map.entry(ins.name).or_default().push(i as u16);
                map
            });
    let mut defs = options.groups.clone();
    defs.sort_by(|a, b| a.name.cmp(&b.name));
    defs.dedup_by(|b, a| a.name == b.name);
    for def in defs {
        if def.name.len() > limits::MAX_STRING {
            continue;
        }
        let mut members = Vec::new();
        let mut missing = Vec::new();
        for m in &def.members {
            match by_name.get(&name_digest(m)) {
                Some(idx) => members.extend_from_slice(idx),
                None => missing.push(m.as_str()),
            }
        }
        if !missing.is_empty() {
            notes.push(BuildNote(format!(
                "feature group `{}` not claimed: {} of its {} instructions are missing ({})",
                def.name,
                missing.len(),
                def.members.len(),
                preview(&missing)
            )));
            continue;
        }
        members.sort_unstable();
        members.dedup();
        groups.push(FeatureGroup {
            name: Cow::Owned(def.name.clone()),
            definition: def.digest(),
            members,
        });
    }
    groups.truncate(limits::MAX_GROUPS);

    let ad = Advertisement {
        implementation: Cow::Owned(truncate(&table.implementation)),
        versions,
        registers: options.registers,
        formats,
        instructions,
        mnemonics,
        groups,
    };
    debug_assert_eq!(ad.validate(), Ok(()));
    debug_assert_eq!(ad.check_mnemonics(), Ok(()));
    Ok((ad, notes))
}

/// How much a claim says: a layout more than a size, a size more than nothing.
fn rank(claim: &Claim) -> u8 {
    match claim {
        Claim::Unknown => 0,
        Claim::Size { .. } => 1,
        Claim::Layout { .. } => 2,
    }
}

fn preview(items: &[&str]) -> String {
    let mut s = items.iter().take(5).copied().collect::<Vec<_>>().join(", ");
    if items.len() > 5 {
        s.push_str(&format!(", … {} more", items.len() - 5));
    }
    s
}

fn truncate(s: &str) -> String {
    if s.len() <= limits::MAX_STRING {
        return s.to_string();
    }
    let mut end = limits::MAX_STRING;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// A semantic version from free text: the whole text when it is one (`v` allowed), else the
/// first `vN[.N[.N]]` or `N.N[.N]` token, padded with zeros. Bare numbers (`247 opcodes`) and
/// ranges (`1-7`) are not versions.
pub fn version_from_text(text: &str) -> Option<Version> {
    let t = text.trim();
    let bare = t.strip_prefix(['v', 'V']).unwrap_or(t);
    if let Ok(v) = Version::parse(bare) {
        return Some(v);
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let boundary = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        let prefixed = boundary
            && (bytes[i] == b'v' || bytes[i] == b'V')
            && bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
        let start = if prefixed { i + 1 } else { i };
        if boundary && bytes[start].is_ascii_digit() {
            let mut end = start;
            let mut parts = 1;
            while end < bytes.len() {
                if bytes[end].is_ascii_digit() {
                    end += 1;
                } else if bytes[end] == b'.'
                    && parts < 3
                    && bytes.get(end + 1).is_some_and(u8::is_ascii_digit)
                {
                    parts += 1;
                    end += 1;
                } else {
                    break;
                }
            }
            let ends_word = end == bytes.len() || !bytes[end].is_ascii_alphanumeric();
            if ends_word && (prefixed || parts > 1) {
                let nums: Vec<u64> = text[start..end]
                    .split('.')
                    .map(|n| n.parse().ok())
                    .collect::<Option<_>>()?;
                return Some(Version::new(
                    nums[0],
                    nums.get(1).copied().unwrap_or(0),
                    nums.get(2).copied().unwrap_or(0),
                ));
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    None
}

/// The one version a table claims on its own: `label` (`--isa-version`) when given, else the
/// version in its `isa_version` text ([`version_from_text`]), else 0.0.0 with a note saying
/// so; and the table's own content hash. The note is returned, not printed: each front end
/// reports notes its own way. `file` names the table in the note.
pub fn claim_of_table(
    table: &Table,
    file: &str,
    label: Option<&str>,
) -> Result<(VersionClaim, Option<String>), String> {
    let mut note = None;
    let label = match label {
        Some(text) => Version::parse(text.trim_start_matches(['v', 'V']))
            .map_err(|e| format!("--isa-version `{text}` is not a semantic version: {e}"))?,
        None => match table.isa_version.as_deref().and_then(version_from_text) {
            Some(v) => v,
            None => {
                note = Some(format!(
                    "{file}: no ISA version in the table ({}); claiming 0.0.0 (pass --isa-version to set one)",
                    table
                        .isa_version
                        .as_deref()
                        .map_or("absent".to_string(), |t| format!("`{t}`"))
                ));
                Version::new(0, 0, 0)
            }
        },
    };
    let hash = isa_core::hash::table_hash(table);
    let claim = VersionClaim::from_hex(label, &hash)
        .ok_or_else(|| "table hash is not a SHA-256".to_string())?;
    Ok((claim, note))
}

#[cfg(test)]
mod tests {

    #[test]
    fn control_characters_are_refused_in_ascii_and_beyond() {
        for ok in ["ADD", "v1.2-rc", "HÄLT", "名前", " ~"] {
            assert_eq!(super::check_str("mnemonic", ok), Ok(()), "{ok:?}");
        }
        for (bad, at, code) in [
            ("A\nB", 1, 0x0a),
            ("\u{7f}", 0, 0x7f),
            ("é\u{85}", 2, 0x85),
            ("\0", 0, 0),
        ] {
            assert_eq!(
                super::check_str("mnemonic", bad),
                Err(super::InvalidAdvertisement::ControlCharacter {
                    what: "mnemonic",
                    at,
                    code
                }),
                "{bad:?}"
            );
        }
    }
    #[test]
    fn versions_come_from_free_text() {
        let v = |s: &str| super::version_from_text(s).map(|v| v.to_string());
        assert_eq!(v("2.0.0").as_deref(), Some("2.0.0"));
        assert_eq!(v("v1.2.3-rc.1").as_deref(), Some("1.2.3-rc.1"));
        assert_eq!(v("FLUX ISA v2.0 2.0.0").as_deref(), Some("2.0.0"));
        assert_eq!(
            v("Edge ISA v3 (variable width 1-3 bytes)").as_deref(),
            Some("3.0.0")
        );
        assert_eq!(
            v("conformance vectors v2.1 reference VM").as_deref(),
            Some("2.1.0")
        );
        assert_eq!(v("'FLUX Unified ISA: 247 opcodes'"), None);
        assert_eq!(v("bytecode versions 1-7"), None);
        assert_eq!(v("mixes 0x7C numbering"), None);
        assert_eq!(
            v("FLUX-ISA-SPEC-v3.0 'Canonical'").as_deref(),
            Some("3.0.0")
        );
    }
}
