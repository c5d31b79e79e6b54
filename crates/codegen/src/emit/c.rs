//! C: a self-contained C99 header — an `enum` with one `OP_` enumerator per instruction, the
//! same list as an X-macro (`ISA_OPCODES(X)`, so a VM can build dispatch tables, name tables or
//! its own enum from it), and `static inline` lookups built from that list.
//!
//! The enum is written out rather than expanded from the X-macro so that source scanners (and
//! people) read the numbers directly.

use super::{one_line, quote_c, summary, View};

pub fn emit(v: &View) -> String {
    let p = v.prepared;
    let rows: Vec<_> = v.rows().collect();
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
            p.hex(i.opcode),
            quote_c(i.format.unwrap_or("")),
            i.size.unwrap_or(0),
            quote_c(i.mnemonic)
        ));
    }
    o.push_str("    /* end of ISA_OPCODES */\n\n");
    o.push_str("// X-macro list of the numbers that are not instructions: X(opcode, why).\n");
    o.push_str("#define ISA_RESERVED(X) \\\n");
    for s in &p.slots {
        o.push_str(&format!(
            "    X({}, {}) \\\n",
            p.hex(s.opcode),
            quote_c(s.why)
        ));
    }
    o.push_str("    /* end of ISA_RESERVED */\n\n");
    o.push_str("// X-macro list of the format letters the instructions use: X(letter, size).\n");
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
                one_line(&l.to_string())
            ));
        }
    }
    if !p.formats.is_empty() {
        o.push('\n');
    }
    let lookup = |o: &mut String, doc: &str, ret: &str, name: &str, value: &str, default: &str| {
        o.push_str(&format!("// {doc}\n"));
        o.push_str(&format!(
            "static inline {ret} {name}(unsigned long op)\n{{\n    switch (op) {{\n"
        ));
        o.push_str(&format!(
            "#define ISA_X_(name, opcode, format, size, mnemonic) case opcode: return {value};\n"
        ));
        o.push_str("    ISA_OPCODES(ISA_X_)\n#undef ISA_X_\n");
        o.push_str(&format!("    default: return {default};\n    }}\n}}\n\n"));
    };
    lookup(
        &mut o,
        "The mnemonic of an opcode, or a null pointer when it is not an instruction.",
        "const char *",
        "isa_opcode_mnemonic",
        "mnemonic",
        "(const char *)0",
    );
    lookup(
        &mut o,
        "The format letter of an opcode (\"\" when unknown), or a null pointer when it is not an instruction.",
        "const char *",
        "isa_opcode_format",
        "format",
        "(const char *)0",
    );
    lookup(
        &mut o,
        "Size in bytes of an opcode's fixed part, opcode included; 0 when unknown or not an instruction.",
        "unsigned int",
        "isa_opcode_size",
        "size",
        "0",
    );
    lookup(
        &mut o,
        "1 when the number is an instruction, else 0.",
        "int",
        "isa_opcode_valid",
        "1",
        "0",
    );
    o.push_str("#endif // ISA_OPCODES_H\n");
    o
}
