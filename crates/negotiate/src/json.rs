//! The JSON encoding (feature `json`): the same messages as the wire format, for people and
//! tools that prefer text. Digests are lower-case hex; hashes are `sha256:<hex>`; opcode bytes
//! are hex bytes separated by spaces (`"ff 05"`). An instruction's claim is `operands` (operand
//! bytes of the fixed part) and `shape` (the operand-shape digest): both `null` when nothing is
//! known, `shape` `null` for a size only, `"payload": true` for a layout followed by a payload.
//! Unknown object keys are ignored, like unknown wire fields.
//!
//! ```json
//! {"format": "isa-negotiate/advertisement/v2", "implementation": "vm", "registers": 16,
//!  "versions": [{"version": "2.0.0", "hash": "sha256:…"}],
//!  "formats": [{"letter": "E", "shape": "4B reg8 reg8 reg8"}],
//!  "instructions": [{"opcode": 32, "bytes": "20", "name": "…16 hex…", "operands": 3,
//!                    "shape": "…16 hex…", "mnemonic": "ADD"}],
//!  "groups": [{"name": "core", "definition": "sha256:…", "members": [0, 1]}]}
//! ```
//!
//! Version 2 of the advertisement format (wire version 2) replaced version 1's `size` and
//! layout-shape digest with the claim above; a version-1 document is rejected by its `format`.
//!
//! Handshake messages wrap the same advertisement object: `{"format":
//! "isa-negotiate/offer/v1", "nonce", "advertisement"}`, `{"format": "isa-negotiate/answer/v1",
//! "nonce", "offer_hash", "advertisement", "selection": {"compatible", "version", "hash",
//! "features", "usable_count", "usable_digest"}}`, `{"format": "isa-negotiate/confirm/v1",
//! "transcript"}`.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use isa_core::OpBytes;

use crate::model::{
    parse_hash, Advertisement, Claim, Digest8, FeatureGroup, FormatClaim, Hash32, Instruction,
    VersionClaim,
};
use crate::wire::{Answer, Confirm, Message, Offer, Selection};

/// The `format` tag of each JSON message.
pub const AD_FORMAT: &str = "isa-negotiate/advertisement/v2";
const OFFER_FORMAT: &str = "isa-negotiate/offer/v1";
const ANSWER_FORMAT: &str = "isa-negotiate/answer/v1";
const CONFIRM_FORMAT: &str = "isa-negotiate/confirm/v1";

/// A JSON message that cannot be read, with its 1-based line and column when known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if *line > 0 { format!("line {line}, column {column}: ") } else { String::new() })]
pub struct JsonError {
    /// 1-based line (0 when the error is about meaning, not syntax).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl JsonError {
    fn meaning(message: impl Into<String>) -> JsonError {
        JsonError {
            line: 0,
            column: 0,
            message: message.into(),
        }
    }
}

impl From<serde_json::Error> for JsonError {
    fn from(e: serde_json::Error) -> JsonError {
        JsonError {
            line: e.line(),
            column: e.column(),
            message: e
                .to_string()
                .split(" at line ")
                .next()
                .unwrap_or("")
                .to_string(),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct VersionJson {
    version: String,
    hash: String,
}

#[derive(Serialize, Deserialize)]
struct FormatJson {
    letter: String,
    shape: String,
}

#[derive(Serialize, Deserialize)]
struct InstructionJson {
    opcode: u32,
    bytes: String,
    name: String,
    operands: Option<u16>,
    shape: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    payload: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mnemonic: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct GroupJson {
    name: String,
    definition: String,
    members: Vec<u16>,
}

#[derive(Serialize, Deserialize)]
struct AdJson {
    format: String,
    implementation: String,
    #[serde(default)]
    registers: u16,
    #[serde(default)]
    versions: Vec<VersionJson>,
    #[serde(default)]
    formats: Vec<FormatJson>,
    instructions: Vec<InstructionJson>,
    #[serde(default)]
    groups: Vec<GroupJson>,
}

#[derive(Serialize, Deserialize)]
struct SelectionJson {
    compatible: bool,
    version: Option<String>,
    hash: Option<String>,
    features: Vec<String>,
    usable_count: u32,
    usable_digest: String,
}

#[derive(Serialize, Deserialize)]
struct MessageJson {
    format: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nonce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    offer_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    advertisement: Option<AdJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    selection: Option<SelectionJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    transcript: Option<String>,
}

fn hex(b: &[u8]) -> String {
    isa_core::hash::hex(b)
}

fn sha(b: &Hash32) -> String {
    format!("sha256:{}", hex(b))
}

fn digest8(text: &str, what: &str) -> Result<Digest8, JsonError> {
    let bad = || JsonError::meaning(format!("{what} `{text}` is not 16 hex digits"));
    if text.len() != 16 {
        return Err(bad());
    }
    let mut out = [0u8; 8];
    for (i, chunk) in text.as_bytes().chunks(2).enumerate() {
        let s = std::str::from_utf8(chunk).map_err(|_| bad())?;
        out[i] = u8::from_str_radix(s, 16).map_err(|_| bad())?;
    }
    Ok(out)
}

fn op_bytes(text: &str) -> Result<OpBytes, JsonError> {
    let bad = || JsonError::meaning(format!("opcode bytes `{text}` are not 1-4 hex bytes"));
    let mut out = Vec::with_capacity(4);
    for part in text.split(' ') {
        if part.len() != 2 || out.len() == 4 {
            return Err(bad());
        }
        out.push(u8::from_str_radix(part, 16).map_err(|_| bad())?);
    }
    Ok(OpBytes::new(&out))
}

fn claim_to(claim: &Claim) -> (Option<u16>, Option<String>, bool) {
    match *claim {
        Claim::Unknown => (None, None, false),
        Claim::Size { operand_bytes } => (Some(operand_bytes), None, false),
        Claim::Layout {
            operand_bytes,
            variable,
            shape,
        } => (Some(operand_bytes), Some(hex(&shape)), variable),
    }
}

fn claim_from(i: &InstructionJson) -> Result<Claim, JsonError> {
    let at = || format!("instruction {:#04x}", i.opcode);
    match (i.operands, &i.shape) {
        (Some(operand_bytes), Some(shape)) => Ok(Claim::Layout {
            operand_bytes,
            variable: i.payload,
            shape: digest8(shape, "shape digest")?,
        }),
        (_, _) if i.payload => Err(JsonError::meaning(format!(
            "{}: `payload` needs `operands` and `shape`",
            at()
        ))),
        (Some(operand_bytes), None) => Ok(Claim::Size { operand_bytes }),
        (None, None) => Ok(Claim::Unknown),
        (None, Some(_)) => Err(JsonError::meaning(format!(
            "{}: a `shape` needs `operands`",
            at()
        ))),
    }
}

fn hash(text: &str, what: &str) -> Result<Hash32, JsonError> {
    parse_hash(text).ok_or_else(|| JsonError::meaning(format!("{what} `{text}` is not a SHA-256")))
}

fn version(text: &str) -> Result<semver::Version, JsonError> {
    semver::Version::parse(text).map_err(|e| {
        JsonError::meaning(format!(
            "version label `{text}` is not a semantic version: {e}"
        ))
    })
}

fn ad_to(ad: &Advertisement<'_>) -> AdJson {
    AdJson {
        format: AD_FORMAT.into(),
        implementation: ad.implementation.to_string(),
        registers: ad.registers,
        versions: ad
            .versions
            .iter()
            .map(|v| VersionJson {
                version: v.version.to_string(),
                hash: sha(&v.hash),
            })
            .collect(),
        formats: ad
            .formats
            .iter()
            .map(|f| FormatJson {
                letter: f.letter.to_string(),
                shape: f.shape.to_string(),
            })
            .collect(),
        instructions: ad
            .instructions
            .iter()
            .enumerate()
            .map(|(i, ins)| {
                let (operands, shape, payload) = claim_to(&ins.claim);
                InstructionJson {
                    opcode: ins.opcode,
                    bytes: ins.bytes.to_string(),
                    name: hex(&ins.name),
                    operands,
                    shape,
                    payload,
                    mnemonic: ad.mnemonic(i).map(str::to_string),
                }
            })
            .collect(),
        groups: ad
            .groups
            .iter()
            .map(|g| GroupJson {
                name: g.name.to_string(),
                definition: sha(&g.definition),
                members: g.members.clone(),
            })
            .collect(),
    }
}

fn ad_from(j: AdJson) -> Result<Advertisement<'static>, JsonError> {
    if j.format != AD_FORMAT {
        return Err(JsonError::meaning(format!(
            "format is `{}`, expected `{AD_FORMAT}`",
            j.format
        )));
    }
    let mut instructions = Vec::with_capacity(j.instructions.len());
    let mut mnemonics = Vec::new();
    let with_names = j
        .instructions
        .iter()
        .filter(|i| i.mnemonic.is_some())
        .count();
    if with_names != 0 && with_names != j.instructions.len() {
        return Err(JsonError::meaning(
            "either every instruction has a mnemonic or none has",
        ));
    }
    for i in j.instructions {
        instructions.push(Instruction {
            opcode: i.opcode,
            name: digest8(&i.name, "name digest")?,
            bytes: op_bytes(&i.bytes)?,
            claim: claim_from(&i)?,
        });
        if let Some(m) = i.mnemonic {
            mnemonics.push(Cow::Owned(m));
        }
    }
    let ad = Advertisement {
        implementation: Cow::Owned(j.implementation),
        versions: j
            .versions
            .into_iter()
            .map(|v| {
                Ok(VersionClaim {
                    version: version(&v.version)?,
                    hash: hash(&v.hash, "version hash")?,
                })
            })
            .collect::<Result<_, JsonError>>()?,
        registers: j.registers,
        formats: j
            .formats
            .into_iter()
            .map(|f| FormatClaim {
                letter: Cow::Owned(f.letter),
                shape: Cow::Owned(f.shape),
            })
            .collect(),
        instructions,
        mnemonics,
        groups: j
            .groups
            .into_iter()
            .map(|g| {
                Ok(FeatureGroup {
                    definition: hash(&g.definition, "feature group definition")?,
                    name: Cow::Owned(g.name),
                    members: g.members,
                })
            })
            .collect::<Result<_, JsonError>>()?,
    };
    ad.validate()
        .map_err(|e| JsonError::meaning(e.to_string()))?;
    Ok(ad)
}

/// The JSON text of an advertisement (pretty-printed, stable key order).
pub fn advertisement_to_json(ad: &Advertisement<'_>) -> String {
    serde_json::to_string_pretty(&ad_to(ad)).expect("plain data serialises")
}

/// Reads an advertisement from JSON text, checking every invariant the wire decoder checks.
pub fn advertisement_from_json(text: &str) -> Result<Advertisement<'static>, JsonError> {
    ad_from(serde_json::from_str(text)?)
}

/// The JSON text of any message.
pub fn message_to_json(msg: &Message<'_>) -> String {
    let empty = MessageJson {
        format: String::new(),
        nonce: None,
        offer_hash: None,
        advertisement: None,
        selection: None,
        transcript: None,
    };
    let j = match msg {
        Message::Advertisement(ad) => {
            return advertisement_to_json(ad);
        }
        Message::Offer(o) => MessageJson {
            format: OFFER_FORMAT.into(),
            nonce: Some(hex(&o.nonce)),
            advertisement: Some(ad_to(&o.advertisement)),
            ..empty
        },
        Message::Answer(a) => MessageJson {
            format: ANSWER_FORMAT.into(),
            nonce: Some(hex(&a.nonce)),
            offer_hash: Some(sha(&a.offer_hash)),
            advertisement: Some(ad_to(&a.advertisement)),
            selection: Some(SelectionJson {
                compatible: a.selection.compatible,
                version: a.selection.version.as_ref().map(|v| v.version.to_string()),
                hash: a.selection.version.as_ref().map(|v| sha(&v.hash)),
                features: a.selection.features.iter().map(|f| f.to_string()).collect(),
                usable_count: a.selection.usable_count,
                usable_digest: sha(&a.selection.usable_digest),
            }),
            ..empty
        },
        Message::Confirm(c) => MessageJson {
            format: CONFIRM_FORMAT.into(),
            transcript: Some(sha(&c.transcript)),
            ..empty
        },
    };
    serde_json::to_string_pretty(&j).expect("plain data serialises")
}

fn required<T>(v: Option<T>, what: &str) -> Result<T, JsonError> {
    v.ok_or_else(|| JsonError::meaning(format!("required field `{what}` is missing")))
}

/// Reads any message from JSON text.
pub fn message_from_json(text: &str) -> Result<Message<'static>, JsonError> {
    let value: serde_json::Value = serde_json::from_str(text)?;
    let format = value.get("format").and_then(|f| f.as_str()).unwrap_or("");
    if format == AD_FORMAT {
        return Ok(Message::Advertisement(ad_from(serde_json::from_value(
            value,
        )?)?));
    }
    let j: MessageJson = serde_json::from_value(value)?;
    let nonce =
        |n: Option<String>| -> Result<Hash32, JsonError> { hash(&required(n, "nonce")?, "nonce") };
    Ok(match j.format.as_str() {
        OFFER_FORMAT => Message::Offer(Offer {
            nonce: nonce(j.nonce)?,
            advertisement: ad_from(required(j.advertisement, "advertisement")?)?,
        }),
        ANSWER_FORMAT => {
            let s = required(j.selection, "selection")?;
            let version = match (s.version, s.hash) {
                (Some(v), Some(h)) => Some(VersionClaim {
                    version: version(&v)?,
                    hash: hash(&h, "selected version hash")?,
                }),
                (None, None) => None,
                _ => {
                    return Err(JsonError::meaning(
                        "selection has a version without a hash or a hash without a version",
                    ))
                }
            };
            Message::Answer(Answer {
                nonce: nonce(j.nonce)?,
                offer_hash: hash(&required(j.offer_hash, "offer_hash")?, "offer hash")?,
                advertisement: ad_from(required(j.advertisement, "advertisement")?)?,
                selection: Selection {
                    compatible: s.compatible,
                    version,
                    features: s.features.into_iter().map(Cow::Owned).collect(),
                    usable_count: s.usable_count,
                    usable_digest: hash(&s.usable_digest, "usable digest")?,
                },
            })
        }
        CONFIRM_FORMAT => Message::Confirm(Confirm {
            transcript: hash(&required(j.transcript, "transcript")?, "transcript hash")?,
        }),
        other => {
            return Err(JsonError::meaning(format!(
                "unknown message format `{other}`"
            )))
        }
    })
}
