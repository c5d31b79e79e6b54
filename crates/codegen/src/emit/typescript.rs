//! TypeScript: a numeric `enum` plus read-only lookup records (`tsc --strict` clean, no
//! imports).

use super::{one_line, quote, summary, View};
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
    o.push_str("  /** Size in bytes, opcode included, of the fixed part, when known. */\n  readonly size?: number;\n");
    o.push_str("  /** True when a variable-length payload follows the fixed part. */\n  readonly variable: boolean;\n");
    o.push_str("}\n\n");
    o.push_str("/** Facts about every instruction, keyed by opcode. */\n");
    o.push_str("export const OPCODE_INFO: Readonly<Record<number, OpcodeInfo>> = {\n");
    for (i, id) in v.rows() {
        let mut fields = vec![format!("mnemonic: {}", q(i.mnemonic))];
        if let Some(f) = i.format {
            fields.push(format!("format: {}", q(f)));
        }
        if let Some(s) = i.size {
            fields.push(format!("size: {s}"));
        }
        fields.push(format!("variable: {}", i.variable));
        o.push_str(&format!("  [Opcode.{id}]: {{ {} }},\n", fields.join(", ")));
    }
    o.push_str("};\n\n");
    o.push_str("/** Size in bytes of each format letter the instructions use. */\n");
    o.push_str("export const FORMAT_SIZES: Readonly<Record<string, number>> = {\n");
    for (letter, layout) in &p.formats {
        if let Some(l) = layout {
            o.push_str(&format!(
                "  {}: {}, // {}\n",
                q(letter),
                l.size,
                one_line(&l.to_string())
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
