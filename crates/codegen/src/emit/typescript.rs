//! TypeScript: a numeric `enum` plus read-only lookup records (`tsc --strict` clean, no
//! imports).

use super::{byte_literals, hex_even, layout_text, one_line, quote, summary, View};
use crate::Lang;

/// Free text inside a `/** */` comment cannot contain the closing `*/`.
fn doc(text: &str) -> String {
    text.replace("*/", "*\\/")
}

pub fn emit(v: &View) -> String {
    let p = v.prepared;
    let q = |s: &str| quote(s, Lang::TypeScript);
    let mut o = String::new();
    for line in v.header("typescript") {
        o.push_str(&format!("// {line}\n"));
    }
    o.push('\n');
    o.push_str("/** The ISA version this table was generated from. */\n");
    o.push_str(&format!(
        "export const ISA_VERSION = {};\n\n",
        q(&v.meta.isa_version)
    ));
    o.push_str("/** The content hash of the canonical table. */\n");
    o.push_str(&format!(
        "export const CONTENT_HASH = {};\n\n",
        q(&v.meta.content_hash)
    ));
    o.push_str("/** How opcode numbers become bytes in bytecode (`OPCODE_INFO[op].bytes` gives each instruction's). */\n");
    o.push_str(&format!(
        "export const ENCODING = {};\n\n",
        q(&p.encoding.to_string())
    ));
    o.push_str("/** Escape prefixes: bytes that are never instructions but open a page of longer opcodes. */\n");
    let esc: Vec<String> = p.escapes().iter().map(|&e| hex_even(e)).collect();
    o.push_str(&format!(
        "export const ESCAPES: readonly number[] = [{}];\n\n",
        esc.join(", ")
    ));
    o.push_str("/** Every instruction of the ISA, by opcode. */\n");
    o.push_str("export enum Opcode {\n");
    for (i, id) in v.rows() {
        o.push_str(&format!("  /** {} */\n", doc(&summary(i))));
        o.push_str(&format!("  {id} = {},\n", p.hex(i.opcode)));
    }
    o.push_str("}\n\n");
    o.push_str("/** What the canonical table says about one instruction. */\n");
    o.push_str("export interface OpcodeInfo {\n");
    o.push_str(
        "  /** The mnemonic as the canonical table spells it. */\n  readonly mnemonic: string;\n",
    );
    o.push_str(
        "  /** The format letter, when the table gives one. */\n  readonly format?: string;\n",
    );
    o.push_str("  /** The opcode bytes as they appear in bytecode. */\n  readonly bytes: readonly number[];\n");
    o.push_str("  /** Size in bytes, opcode bytes included, of the fixed part, when known. */\n  readonly size?: number;\n");
    o.push_str("  /** True when a variable-length payload follows the fixed part. */\n  readonly variable: boolean;\n");
    o.push_str("}\n\n");
    o.push_str("/** Facts about every instruction, keyed by opcode. */\n");
    o.push_str("export const OPCODE_INFO: Readonly<Record<number, OpcodeInfo>> = {\n");
    for (i, id) in v.rows() {
        let mut fields = vec![format!("mnemonic: {}", q(i.mnemonic))];
        if let Some(f) = i.format {
            fields.push(format!("format: {}", q(f)));
        }
        fields.push(format!("bytes: [{}]", byte_literals(i).join(", ")));
        if let Some(s) = i.size {
            fields.push(format!("size: {s}"));
        }
        fields.push(format!("variable: {}", i.variable));
        o.push_str(&format!("  [Opcode.{id}]: {{ {} }},\n", fields.join(", ")));
    }
    o.push_str("};\n\n");
    o.push_str("/** Size in bytes of each format letter the instructions use, with the opcode its layout gives (an instruction on an escape page adds its prefix bytes; `OPCODE_INFO[op].size` is exact). */\n");
    o.push_str("export const FORMAT_SIZES: Readonly<Record<string, number>> = {\n");
    for (letter, layout) in &p.formats {
        if let Some(l) = layout {
            o.push_str(&format!(
                "  {}: {}, // {}\n",
                q(letter),
                l.size,
                one_line(&layout_text(l))
            ));
        }
    }
    o.push_str("};\n\n");
    o.push_str("/** Numbers that are not instructions (reserved, removed or unnamed). */\n");
    let res: Vec<String> = p.slots.iter().map(|s| p.hex(s.opcode)).collect();
    o.push_str(&format!(
        "export const RESERVED: readonly number[] = [{}];\n\n",
        res.join(", ")
    ));
    o.push_str(
        "/** The instruction numbered `n`, or `undefined` when `n` is not an instruction. */\n",
    );
    o.push_str("export function decodeOpcode(n: number): Opcode | undefined {\n");
    o.push_str("  return Object.prototype.hasOwnProperty.call(OPCODE_INFO, n) ? (n as Opcode) : undefined;\n");
    o.push_str("}\n");
    o
}
