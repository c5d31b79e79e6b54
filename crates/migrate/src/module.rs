//! FLUX module files: the flux-runtime container around bytecode.
//!
//! Layout (flux-runtime `encoder.py`/`decoder.py`, FORMATS.md §8): an 18-byte little-endian
//! header `<4sHHHII>` — magic `FLUX`, version u16, flags u16, function count u16, type-table
//! offset u32, code offset u32 — then the type table, the name pool, the function table
//! (12-byte entries `name_off, entry_off, code_size`, u32 each, placed immediately before the
//! code) and the code, which runs to the end of the file. Entry offsets are relative to the
//! code section.
//!
//! Translation keeps everything before the code byte for byte, translates the code section as
//! one stream (so branches between functions are fixed like any other), and moves each
//! function's entry offset and size with the instructions. A function boundary that falls inside
//! an instruction is an error: the module was not decoded the way its author encoded it.

use crate::translate::{Stats, TranslateError, Translator};

/// The module magic.
pub const MAGIC: [u8; 4] = *b"FLUX";
/// Size of the module header in bytes.
pub const HEADER_SIZE: usize = 18;
/// Size of one function-table entry in bytes.
pub const FUNCTION_ENTRY_SIZE: usize = 12;

/// The fields of a module header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModuleHeader {
    /// Format version (1 in flux-runtime).
    pub version: u16,
    /// Flags, carried unchanged.
    pub flags: u16,
    /// Number of functions.
    pub functions: u16,
    /// Byte offset of the type table.
    pub type_offset: u32,
    /// Byte offset of the code section.
    pub code_offset: u32,
}

/// A function-table entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Function {
    name: u32,
    entry: u32,
    size: u32,
}

/// Why a module cannot be translated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModuleError {
    /// The header or the function table is malformed.
    #[error("byte offset {offset}: not a valid FLUX module: {message}")]
    Malformed {
        /// Where the problem is.
        offset: usize,
        /// What is wrong.
        message: String,
    },
    /// A function boundary falls inside an instruction.
    #[error("byte offset {offset}: function {index}'s {what} (code offset {code_offset}) is inside an instruction")]
    Function {
        /// Byte offset of the function-table entry.
        offset: usize,
        /// Function index.
        index: usize,
        /// `entry` or `end`.
        what: &'static str,
        /// The code-relative offset.
        code_offset: u32,
    },
    /// The code section does not translate; offsets are file offsets.
    #[error(transparent)]
    Code(#[from] TranslateError),
}

/// A translated module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleTranslation {
    /// The whole translated file.
    pub bytes: Vec<u8>,
    /// Totals for the code section (file sizes are `bytes.len()` and the input length).
    pub stats: Stats,
    /// The (unchanged) header.
    pub header: ModuleHeader,
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn malformed(offset: usize, message: impl Into<String>) -> ModuleError {
    ModuleError::Malformed {
        offset,
        message: message.into(),
    }
}

/// Parses and checks the header and function table: magic, section offsets inside the file,
/// function entries inside the code section.
fn parse(bytes: &[u8]) -> Result<(ModuleHeader, Vec<Function>), ModuleError> {
    if bytes.len() < HEADER_SIZE {
        return Err(malformed(
            0,
            format!(
                "{} bytes is too short for the {HEADER_SIZE}-byte header",
                bytes.len()
            ),
        ));
    }
    if bytes[..4] != MAGIC {
        return Err(malformed(
            0,
            "the file does not start with the magic `FLUX`",
        ));
    }
    let header = ModuleHeader {
        version: u16_at(bytes, 4),
        flags: u16_at(bytes, 6),
        functions: u16_at(bytes, 8),
        type_offset: u32_at(bytes, 10),
        code_offset: u32_at(bytes, 14),
    };
    let code = header.code_offset as usize;
    if code > bytes.len() || code < HEADER_SIZE {
        return Err(malformed(
            14,
            format!(
                "code offset {code} is outside the file ({HEADER_SIZE}..={})",
                bytes.len()
            ),
        ));
    }
    let table_size = usize::from(header.functions) * FUNCTION_ENTRY_SIZE;
    if code < HEADER_SIZE + table_size {
        return Err(malformed(
            8,
            format!(
                "{} functions need a {table_size}-byte table before the code at {code}",
                header.functions
            ),
        ));
    }
    let table = code - table_size;
    let code_len = (bytes.len() - code) as u64;
    let mut functions = Vec::with_capacity(usize::from(header.functions));
    for i in 0..usize::from(header.functions) {
        let at = table + i * FUNCTION_ENTRY_SIZE;
        let f = Function {
            name: u32_at(bytes, at),
            entry: u32_at(bytes, at + 4),
            size: u32_at(bytes, at + 8),
        };
        if u64::from(f.entry) + u64::from(f.size) > code_len {
            return Err(malformed(
                at,
                format!(
                    "function {i} spans code bytes {}..{} but the code section has {code_len}",
                    f.entry,
                    u64::from(f.entry) + u64::from(f.size)
                ),
            ));
        }
        functions.push(f);
    }
    Ok((header, functions))
}

/// True when `bytes` is a well-formed module container (magic, offsets and function table
/// consistent) — what `--container auto` uses to tell a module from raw bytecode.
pub fn looks_like_module(bytes: &[u8]) -> bool {
    parse(bytes).is_ok()
}

/// Translates a FLUX module (see the module docs).
pub fn translate_module(
    translator: &Translator,
    bytes: &[u8],
) -> Result<ModuleTranslation, ModuleError> {
    let (header, functions) = parse(bytes)?;
    let code = header.code_offset as usize;
    let translation = translator
        .translate(&bytes[code..])
        .map_err(|e| e.shifted(code))?;
    let mut out = Vec::with_capacity(code + translation.bytes.len());
    out.extend_from_slice(&bytes[..code]);
    let table = code - functions.len() * FUNCTION_ENTRY_SIZE;
    for (i, f) in functions.iter().enumerate() {
        let at = table + i * FUNCTION_ENTRY_SIZE;
        let boundary = |what: &'static str, offset: u32| {
            translation
                .map_offset(offset as usize)
                .ok_or(ModuleError::Function {
                    offset: at,
                    index: i,
                    what,
                    code_offset: offset,
                })
        };
        let start = boundary("entry", f.entry)?;
        let end = boundary("end", f.entry + f.size)?;
        out[at..at + 4].copy_from_slice(&f.name.to_le_bytes());
        out[at + 4..at + 8].copy_from_slice(&(start as u32).to_le_bytes());
        out[at + 8..at + 12].copy_from_slice(&((end - start) as u32).to_le_bytes());
    }
    out.extend_from_slice(&translation.bytes);
    Ok(ModuleTranslation {
        bytes: out,
        stats: translation.stats,
        header,
    })
}
