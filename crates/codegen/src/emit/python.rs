//! Python: an `IntEnum` plus lookup dictionaries, standard library only (3.7+).

use super::{hex_even, layout_text, one_line, quote, summary, View};
use crate::Lang;

/// A frozenset literal; `frozenset({})` would read as a set built from an empty dict.
fn set(items: &[String]) -> String {
    if items.is_empty() {
        "frozenset()".into()
    } else {
        format!("frozenset({{{}}})", items.join(", "))
    }
}

pub fn emit(v: &View) -> String {
    let p = v.prepared;
    let q = |s: &str| quote(s, Lang::Python);
    let mut o = String::new();
    for line in v.header("python") {
        o.push_str(&format!("# {line}\n"));
    }
    o.push_str(
        "\"\"\"Opcode table generated from the canonical ISA (version and hash above).\"\"\"\n\n",
    );
    o.push_str("from enum import IntEnum\n");
    o.push_str("from typing import Dict, FrozenSet, Optional\n\n");
    o.push_str(&format!("ISA_VERSION = {}\n", q(&v.meta.isa_version)));
    o.push_str(&format!("CONTENT_HASH = {}\n\n", q(&v.meta.content_hash)));
    o.push_str(
        "# How opcode numbers become bytes in bytecode (OPCODE_BYTES gives each instruction's).\n",
    );
    o.push_str(&format!("ENCODING = {}\n\n", q(&p.encoding.to_string())));
    o.push_str(
        "# Escape prefixes: bytes that are never instructions but open a page of longer opcodes.\n",
    );
    let esc: Vec<String> = p.escapes().iter().map(|&e| hex_even(e)).collect();
    o.push_str(&format!("ESCAPES: FrozenSet[int] = {}\n\n\n", set(&esc)));
    o.push_str("class Opcode(IntEnum):\n");
    o.push_str("    \"\"\"Every instruction of the ISA; `Opcode(byte)` raises ValueError for any other number.\"\"\"\n\n");
    for (i, id) in v.rows() {
        o.push_str(&format!(
            "    {id} = {}  # {}\n",
            p.hex(i.opcode),
            summary(i)
        ));
    }
    o.push_str("\n\n");
    o.push_str("# Mnemonic of each instruction, as the canonical table spells it.\n");
    o.push_str("MNEMONIC: Dict[Opcode, str] = {\n");
    for (i, id) in v.rows() {
        o.push_str(&format!("    Opcode.{id}: {},\n", q(i.mnemonic)));
    }
    o.push_str("}\n\n");
    o.push_str("# Format letter of each instruction (None when the table gives none).\n");
    o.push_str("FORMAT: Dict[Opcode, Optional[str]] = {\n");
    for (i, id) in v.rows() {
        let f = i.format.map(q).unwrap_or_else(|| "None".into());
        o.push_str(&format!("    Opcode.{id}: {f},\n"));
    }
    o.push_str("}\n\n");
    o.push_str("# Opcode bytes of each instruction, as they appear in bytecode.\n");
    o.push_str("OPCODE_BYTES: Dict[Opcode, bytes] = {\n");
    for (i, id) in v.rows() {
        let escaped: String = i
            .bytes
            .as_slice()
            .iter()
            .map(|b| format!("\\x{b:02x}"))
            .collect();
        o.push_str(&format!("    Opcode.{id}: b\"{escaped}\",\n"));
    }
    o.push_str("}\n\n");
    o.push_str("# Size in bytes, opcode bytes included, of the fixed part (None when unknown).\n");
    o.push_str("SIZE: Dict[Opcode, Optional[int]] = {\n");
    for (i, id) in v.rows() {
        let s = i
            .size
            .map(|s| s.to_string())
            .unwrap_or_else(|| "None".into());
        o.push_str(&format!("    Opcode.{id}: {s},\n"));
    }
    o.push_str("}\n\n");
    o.push_str("# Instructions followed by a variable-length payload.\n");
    let var: Vec<String> = v
        .rows()
        .filter(|(i, _)| i.variable)
        .map(|(_, id)| format!("Opcode.{id}"))
        .collect();
    o.push_str(&format!("VARIABLE: FrozenSet[Opcode] = {}\n\n", set(&var)));
    o.push_str(
        "# Size in bytes of each format letter the instructions use, with the opcode its layout\n",
    );
    o.push_str(
        "# gives (an instruction on an escape page adds its prefix bytes; SIZE is exact).\n",
    );
    o.push_str("FORMAT_SIZES: Dict[str, int] = {\n");
    for (letter, layout) in &p.formats {
        if let Some(l) = layout {
            o.push_str(&format!(
                "    {}: {},  # {}\n",
                q(letter),
                l.size,
                one_line(&layout_text(l))
            ));
        }
    }
    o.push_str("}\n\n");
    o.push_str("# Numbers that are not instructions (reserved, removed or unnamed).\n");
    let res: Vec<String> = p.slots.iter().map(|s| p.hex(s.opcode)).collect();
    o.push_str(&format!("RESERVED: FrozenSet[int] = {}\n\n\n", set(&res)));
    o.push_str("def from_mnemonic(mnemonic: str) -> Optional[Opcode]:\n");
    o.push_str("    \"\"\"The instruction with this mnemonic (case-insensitive), or None.\"\"\"\n");
    o.push_str("    wanted = mnemonic.strip().upper()\n");
    o.push_str("    for op, name in MNEMONIC.items():\n");
    o.push_str("        if name.upper() == wanted:\n");
    o.push_str("            return op\n");
    o.push_str("    return None\n");
    o
}
