//! C: a self-contained C99 header — an `enum` with one `OP_` enumerator per instruction, the
//! same list as an X-macro (`ISA_OPCODES(X)`, so a VM can build dispatch tables, name tables or
//! its own enum from it), and `static inline` lookups built from that list.
//!
//! The enum is written out rather than expanded from the X-macro so that source scanners (and
//! people) read the numbers directly. ISO C enumerators are `int`s, so a table with a number
//! above `0x7FFFFFFF` gets one unsigned `#define` per instruction instead of the enum, and every
//! literal of such a number carries the `u` suffix (`-std=c99 -pedantic` accepts nothing else).
//! Opcode bytes (escape pages, fixed widths) are a second X-macro list, `ISA_OPCODE_BYTES(X)`,
//! so the first list keeps its shape.

use super::{hex_even, layout_text, one_line, quote_c, summary, View};

/// Bytes as a C string literal of octal escapes (`"\377\005"`): exact for every byte value,
/// and an octal escape never swallows the next character.
fn bytes_literal(bytes: &[u8]) -> String {
    let mut s = String::from("\"");
    for b in bytes {
        s.push_str(&format!("\\{b:03o}"));
    }
    s.push('"');
    s
}

pub fn emit(v: &View) -> String {
    let p = v.prepared;
    let rows: Vec<_> = v.rows().collect();
    // Only numbers an `int` cannot hold need the suffix; smaller ones keep the enum's spelling.
    let num = |n: u32| {
        if n > 0x7FFF_FFFF {
            format!("{}u", p.hex(n))
        } else {
            p.hex(n)
        }
    };
    let as_macros = rows.iter().any(|(i, _)| i.opcode > 0x7FFF_FFFF);
    let mut o = String::new();
    for line in v.header("c") {
        o.push_str(&format!("// {line}\n"));
    }
    o.push('\n');
    o.push_str("#ifndef ISA_OPCODES_H\n#define ISA_OPCODES_H\n\n");
    o.push_str(&format!(
        "#define ISA_VERSION {}\n",
        quote_c(&v.meta.isa_version)
    ));
    o.push_str(&format!(
        "#define ISA_CONTENT_HASH {}\n",
        quote_c(&v.meta.content_hash)
    ));
    o.push_str(&format!("#define ISA_OPCODE_COUNT {}\n\n", rows.len()));
    o.push_str("// How opcode numbers become bytes in bytecode (ISA_OPCODE_BYTES gives each instruction's).\n");
    o.push_str(&format!(
        "#define ISA_ENCODING {}\n\n",
        quote_c(&p.encoding.to_string())
    ));
    if as_macros {
        o.push_str("// Every instruction, by opcode. Some numbers exceed what an ISO C enumerator (an int)\n");
        o.push_str("// holds, so each instruction is an unsigned macro.\n");
        for (i, id) in &rows {
            o.push_str(&format!(
                "#define {id} {}u // {}\n",
                p.hex(i.opcode),
                summary(i)
            ));
        }
        o.push('\n');
    } else {
        o.push_str("// Every instruction, by opcode.\n");
        o.push_str("enum isa_opcode {\n");
        for (i, id) in &rows {
            o.push_str(&format!(
                "    {id} = {}, // {}\n",
                p.hex(i.opcode),
                summary(i)
            ));
        }
        o.push_str("};\n\n");
    }
    o.push_str("// X-macro list of every instruction, in opcode order:\n");
    o.push_str("//   X(name, opcode, format, size, mnemonic)\n");
    o.push_str(
        "// name: the enumerator without its OP_ prefix; format: a string (\"\" when unknown);\n",
    );
    o.push_str(
        "// size: bytes of the fixed part, opcode included (0 when unknown); mnemonic: a string.\n",
    );
    o.push_str("// Example: #define NAME(n, op, f, s, m) [op] = m,\n");
    o.push_str("//          static const char *const names[256] = { ISA_OPCODES(NAME) };\n");
    o.push_str("#define ISA_OPCODES(X) \\\n");
    for (i, id) in &rows {
        let name = id.strip_prefix("OP_").unwrap_or(id);
        o.push_str(&format!(
            "    X({name}, {}, {}, {}, {}) \\\n",
            num(i.opcode),
            quote_c(i.format.unwrap_or("")),
            i.size.unwrap_or(0),
            quote_c(i.mnemonic)
        ));
    }
    o.push_str("    /* end of ISA_OPCODES */\n\n");
    o.push_str("// X-macro list of every instruction's opcode bytes as they appear in bytecode:\n");
    o.push_str(
        "//   X(name, opcode, length, bytes) -- bytes: a string literal of `length` bytes.\n",
    );
    o.push_str("#define ISA_OPCODE_BYTES(X) \\\n");
    for (i, id) in &rows {
        let name = id.strip_prefix("OP_").unwrap_or(id);
        o.push_str(&format!(
            "    X({name}, {}, {}, {}) \\\n",
            num(i.opcode),
            i.bytes.len(),
            bytes_literal(i.bytes.as_slice())
        ));
    }
    o.push_str("    /* end of ISA_OPCODE_BYTES */\n\n");
    o.push_str("// X-macro list of the escape prefixes (bytes that are never instructions but open a page\n");
    o.push_str("// of longer opcodes): X(prefix).\n");
    o.push_str("#define ISA_ESCAPES(X) \\\n");
    for &e in p.escapes() {
        o.push_str(&format!("    X({}) \\\n", hex_even(e)));
    }
    o.push_str("    /* end of ISA_ESCAPES */\n\n");
    o.push_str("// X-macro list of the numbers that are not instructions: X(opcode, why).\n");
    o.push_str("#define ISA_RESERVED(X) \\\n");
    for s in &p.slots {
        o.push_str(&format!(
            "    X({}, {}) \\\n",
            num(s.opcode),
            quote_c(s.why)
        ));
    }
    o.push_str("    /* end of ISA_RESERVED */\n\n");
    o.push_str("// X-macro list of the format letters the instructions use: X(letter, size), size with the\n");
    o.push_str(
        "// opcode its layout gives (an instruction on an escape page adds its prefix bytes).\n",
    );
    o.push_str("#define ISA_FORMATS(X) \\\n");
    for (letter, layout) in &p.formats {
        if let Some(l) = layout {
            o.push_str(&format!("    X({}, {}) \\\n", quote_c(letter), l.size));
        }
    }
    o.push_str("    /* end of ISA_FORMATS */\n\n");
    for (letter, layout) in &p.formats {
        if let Some(l) = layout {
            o.push_str(&format!(
                "// format {}: {}\n",
                one_line(letter),
                one_line(&layout_text(l))
            ));
        }
    }
    if !p.formats.is_empty() {
        o.push('\n');
    }
    // One `switch` per lookup, its cases expanded from an X-macro list.
    let lookup = |o: &mut String,
                  doc: &str,
                  ret: &str,
                  name: &str,
                  list: &str,
                  value: &str,
                  default: &str| {
        let params = if list == "ISA_OPCODES" {
            "name, opcode, format, size, mnemonic"
        } else {
            "name, opcode, length, bytes"
        };
        o.push_str(&format!("// {doc}\n"));
        o.push_str(&format!(
            "static inline {ret} {name}(unsigned long op)\n{{\n    switch (op) {{\n"
        ));
        o.push_str(&format!(
            "#define ISA_X_({params}) case opcode: return {value};\n"
        ));
        o.push_str(&format!("    {list}(ISA_X_)\n#undef ISA_X_\n"));
        o.push_str(&format!("    default: return {default};\n    }}\n}}\n\n"));
    };
    lookup(
        &mut o,
        "The mnemonic of an opcode, or a null pointer when it is not an instruction.",
        "const char *",
        "isa_opcode_mnemonic",
        "ISA_OPCODES",
        "mnemonic",
        "(const char *)0",
    );
    lookup(
        &mut o,
        "The format letter of an opcode (\"\" when unknown), or a null pointer when it is not an instruction.",
        "const char *",
        "isa_opcode_format",
        "ISA_OPCODES",
        "format",
        "(const char *)0",
    );
    lookup(
        &mut o,
        "Size in bytes of an opcode's fixed part, opcode bytes included; 0 when unknown or not an instruction.",
        "unsigned int",
        "isa_opcode_size",
        "ISA_OPCODES",
        "size",
        "0",
    );
    lookup(
        &mut o,
        "1 when the number is an instruction, else 0.",
        "int",
        "isa_opcode_valid",
        "ISA_OPCODES",
        "1",
        "0",
    );
    lookup(
        &mut o,
        "How many opcode bytes an instruction takes in bytecode; 0 when it is not an instruction.",
        "unsigned int",
        "isa_opcode_length",
        "ISA_OPCODE_BYTES",
        "length",
        "0",
    );
    lookup(
        &mut o,
        "The opcode bytes of an instruction (isa_opcode_length of them), or a null pointer when it is not an instruction.",
        "const unsigned char *",
        "isa_opcode_bytes",
        "ISA_OPCODE_BYTES",
        "(const unsigned char *)bytes",
        "(const unsigned char *)0",
    );
    o.push_str("#endif // ISA_OPCODES_H\n");
    o
}
