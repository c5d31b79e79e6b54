//! Rust: a `#[repr(uN)]` enum (the narrowest width that holds every number) with const lookup
//! functions and `TryFrom` from its width and every wider unsigned integer. No dependencies; the
//! file is a module (`mod opcodes;`) and uses only line comments at the top so it can also be
//! `include!`d.

use super::{byte_literals, hex_even, layout_text, one_line, quote, summary, View};
use crate::Lang;

pub fn emit(v: &View) -> String {
    let p = v.prepared;
    let q = |s: &str| quote(s, Lang::Rust);
    let repr = match p.width {
        8 => "u8",
        16 => "u16",
        _ => "u32",
    };
    let rows: Vec<_> = v.rows().collect();
    let mut o = String::new();
    for line in v.header("rust") {
        o.push_str(&format!("// {line}\n"));
    }
    o.push('\n');
    o.push_str("/// The ISA version this table was generated from.\n");
    o.push_str(&format!(
        "pub const ISA_VERSION: &str = {};\n\n",
        q(&v.meta.isa_version)
    ));
    o.push_str("/// The content hash of the canonical table.\n");
    o.push_str(&format!(
        "pub const CONTENT_HASH: &str = {};\n\n",
        q(&v.meta.content_hash)
    ));
    o.push_str("/// How opcode numbers become bytes in bytecode ([`Opcode::bytes`] gives each instruction's).\n");
    o.push_str(&format!(
        "pub const ENCODING: &str = {};\n\n",
        q(&p.encoding.to_string())
    ));
    o.push_str("/// Escape prefixes: bytes that are never instructions but open a page of longer opcodes.\n");
    let esc: Vec<String> = p.escapes().iter().map(|&e| hex_even(e)).collect();
    o.push_str(&format!(
        "pub const ESCAPES: [u32; {}] = [{}];\n\n",
        esc.len(),
        esc.join(", ")
    ));
    o.push_str("/// Every instruction of the ISA; the discriminant is the opcode number.\n");
    o.push_str("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]\n");
    o.push_str(&format!("#[repr({repr})]\n"));
    o.push_str("pub enum Opcode {\n");
    for (i, id) in &rows {
        o.push_str(&format!("    /// {}\n", summary(i)));
        o.push_str(&format!("    {id} = {},\n", p.hex(i.opcode)));
    }
    o.push_str("}\n\n");

    o.push_str("impl Opcode {\n");
    o.push_str("    /// Every instruction, in opcode order.\n");
    o.push_str(&format!(
        "    pub const ALL: [Opcode; {}] = [\n",
        rows.len()
    ));
    for (_, id) in &rows {
        o.push_str(&format!("        Opcode::{id},\n"));
    }
    o.push_str("    ];\n\n");
    o.push_str("    /// Numbers that are not instructions (reserved, removed or unnamed).\n");
    let res: Vec<String> = p.slots.iter().map(|s| p.hex(s.opcode)).collect();
    o.push_str(&format!(
        "    pub const RESERVED: [{repr}; {}] = [{}];\n\n",
        res.len(),
        res.join(", ")
    ));
    o.push_str("    /// The mnemonic as the canonical table spells it.\n");
    o.push_str("    pub const fn mnemonic(self) -> &'static str {\n        match self {\n");
    for (i, id) in &rows {
        o.push_str(&format!("            Opcode::{id} => {},\n", q(i.mnemonic)));
    }
    o.push_str("        }\n    }\n\n");
    o.push_str("    /// The format letter, when the table gives one.\n");
    o.push_str("    pub const fn format(self) -> Option<&'static str> {\n        match self {\n");
    for (i, id) in &rows {
        let f = i
            .format
            .map(|f| format!("Some({})", q(f)))
            .unwrap_or_else(|| "None".into());
        o.push_str(&format!("            Opcode::{id} => {f},\n"));
    }
    o.push_str("        }\n    }\n\n");
    o.push_str("    /// The opcode bytes as they appear in bytecode.\n");
    o.push_str("    pub const fn bytes(self) -> &'static [u8] {\n        match self {\n");
    for (i, id) in &rows {
        o.push_str(&format!(
            "            Opcode::{id} => &[{}],\n",
            byte_literals(i).join(", ")
        ));
    }
    o.push_str("        }\n    }\n\n");
    o.push_str("    /// Size in bytes, opcode bytes included, of the fixed part, when known.\n");
    o.push_str("    pub const fn size(self) -> Option<u32> {\n        match self {\n");
    for (i, id) in &rows {
        let s = i
            .size
            .map(|s| format!("Some({s})"))
            .unwrap_or_else(|| "None".into());
        o.push_str(&format!("            Opcode::{id} => {s},\n"));
    }
    o.push_str("        }\n    }\n\n");
    o.push_str("    /// True when a variable-length payload follows the fixed part.\n");
    o.push_str("    pub const fn is_variable(self) -> bool {\n");
    let var: Vec<String> = rows
        .iter()
        .filter(|(i, _)| i.variable)
        .map(|(_, id)| format!("Opcode::{id}"))
        .collect();
    if var.is_empty() {
        o.push_str("        let _ = self;\n        false\n    }\n\n");
    } else {
        o.push_str(&format!(
            "        matches!(self, {})\n    }}\n\n",
            var.join(" | ")
        ));
    }
    o.push_str("    /// The instruction with this mnemonic (ASCII case-insensitive).\n");
    o.push_str("    pub fn from_mnemonic(mnemonic: &str) -> Option<Opcode> {\n");
    o.push_str("        let wanted = mnemonic.trim();\n");
    o.push_str("        Opcode::ALL\n            .iter()\n            .copied()\n            .find(|op| op.mnemonic().eq_ignore_ascii_case(wanted))\n");
    o.push_str("    }\n}\n\n");

    o.push_str("/// Size in bytes of each format letter the instructions use, with the opcode its layout\n");
    o.push_str("/// gives (an instruction on an escape page adds its prefix bytes; [`Opcode::size`] is exact).\n");
    o.push_str("pub const FORMAT_SIZES: &[(&str, u32)] = &[\n");
    for (letter, layout) in &p.formats {
        if let Some(l) = layout {
            o.push_str(&format!(
                "    ({}, {}), // {}\n",
                q(letter),
                l.size,
                one_line(&layout_text(l))
            ));
        }
    }
    o.push_str("];\n\n");

    o.push_str("/// A number that is not an instruction of the ISA.\n");
    o.push_str("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\n");
    o.push_str("pub struct UnknownOpcode(pub u32);\n\n");
    o.push_str("impl core::fmt::Display for UnknownOpcode {\n");
    o.push_str("    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {\n");
    o.push_str(
        "        write!(f, \"0x{:02X} is not an instruction of ISA {}\", self.0, ISA_VERSION)\n",
    );
    o.push_str("    }\n}\n\n");
    o.push_str("impl std::error::Error for UnknownOpcode {}\n\n");

    o.push_str(&format!("impl TryFrom<{repr}> for Opcode {{\n"));
    o.push_str("    type Error = UnknownOpcode;\n\n");
    o.push_str(&format!(
        "    fn try_from(n: {repr}) -> Result<Opcode, UnknownOpcode> {{\n        match n {{\n"
    ));
    for (i, id) in &rows {
        o.push_str(&format!(
            "            {} => Ok(Opcode::{id}),\n",
            p.hex(i.opcode)
        ));
    }
    o.push_str("            other => Err(UnknownOpcode(u32::from(other))),\n");
    o.push_str("        }\n    }\n}\n\n");
    // Decoders often hold the byte in a wider integer; accept every wider unsigned type too.
    let wider: &[&str] = match repr {
        "u8" => &["u16", "u32"],
        "u16" => &["u32"],
        _ => &[],
    };
    for w in wider {
        o.push_str(&format!("impl TryFrom<{w}> for Opcode {{\n"));
        o.push_str("    type Error = UnknownOpcode;\n\n");
        o.push_str(&format!(
            "    fn try_from(n: {w}) -> Result<Opcode, UnknownOpcode> {{\n"
        ));
        o.push_str(&format!(
            "        let narrow = {repr}::try_from(n).map_err(|_| UnknownOpcode(u32::from(n)))?;\n"
        ));
        o.push_str("        Opcode::try_from(narrow)\n    }\n}\n\n");
    }
    o.push_str(&format!("impl From<Opcode> for {repr} {{\n"));
    o.push_str(&format!(
        "    fn from(op: Opcode) -> {repr} {{\n        op as {repr}\n    }}\n}}\n\n"
    ));
    o.push_str("impl core::fmt::Display for Opcode {\n");
    o.push_str("    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {\n");
    o.push_str("        f.write_str(self.mnemonic())\n    }\n}\n");
    o
}
