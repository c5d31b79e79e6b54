//! Whether one table's bytecode can be encoded and decoded: the `encoding-ambiguity` findings
//! (opcode bytes that are a prefix of another's, numbers the encoding cannot express), the
//! `unknown-format` notes (letters with no layout, which therefore take part in no comparison),
//! and [`undecodable`], the subset of `check`'s conflicts that make every bytecode command
//! refuse a table.

use std::collections::BTreeMap;
use std::collections::BTreeSet;

use crate::resolve;
use crate::table::Table;

use super::detect::{detect, finish, Ctx, Found};
use super::{hex_opcode, CheckOptions, Conflict, ConflictKind};

/// The conflicts that make one table's bytecode undecodable: `encoding-ambiguity` (prefix
/// bytes, unencodable numbers) and `duplicate-opcode` where the entries at one number are
/// different instructions. Every command that reads or writes bytecode for a table
/// (translate, gen, advertise, propose) refuses such a table with exactly these conflicts, so
/// its explanation is `check`'s.
pub fn undecodable(table: &Table, options: &CheckOptions) -> Vec<Conflict> {
    let options = CheckOptions {
        hint_limit: 0,
        ..options.clone()
    };
    detect(std::slice::from_ref(table), &options)
        .conflicts
        .into_iter()
        .filter(|c| match c.kind {
            ConflictKind::EncodingAmbiguity => true,
            ConflictKind::DuplicateOpcode => c.entries.iter().any(|e| e.key != c.entries[0].key),
            _ => false,
        })
        .collect()
}

/// An encoding ambiguity found while indexing, in global item indices.
pub(super) enum Pending {
    /// An item whose number cannot be encoded, and why.
    Unencodable(u32, String),
    /// Items whose opcode bytes are a prefix of the longer items' bytes.
    Prefix(Vec<u32>, Vec<u32>),
}

/// `MOV 0x01 (01)`: an instruction with its number and opcode bytes, for messages.
fn spelled(ctx: &Ctx, index: u32) -> String {
    let item = &ctx.items[index as usize];
    let entry = ctx.entry(item);
    let table = ctx.tables[item.table as usize];
    let name = entry.mnemonic.as_deref().unwrap_or("?");
    let facts = resolve::facts_of(table, entry, &ctx.scheme);
    match resolve::bytes_of(table, entry, facts) {
        Ok(b) => format!("{name} {} (bytes {b})", hex_opcode(entry.opcode)),
        Err(_) => format!("{name} {}", hex_opcode(entry.opcode)),
    }
}

pub(super) fn encoding_conflicts(ctx: &Ctx, pending: Vec<Pending>, out: &mut Vec<Found>) {
    for p in pending {
        match p {
            Pending::Unencodable(index, why) => {
                let item = &ctx.items[index as usize];
                let table = ctx.tables[item.table as usize];
                let entry = ctx.entry(item);
                let message = format!(
                    "{}: {} cannot be encoded under its encoding ({}): {why}",
                    table.implementation,
                    spelled(ctx, index),
                    table.encoding
                );
                out.push(finish(
                    ctx,
                    ConflictKind::EncodingAmbiguity,
                    Some(entry.opcode),
                    None,
                    (ctx.sorted(std::iter::once(index)), None),
                    message,
                ));
            }
            Pending::Prefix(short, longer) => {
                let first = &ctx.items[short[0] as usize];
                let table = ctx.tables[first.table as usize];
                let opcode = ctx.entry(first).opcode;
                const SHOWN: usize = 3;
                let mut listed: Vec<String> = longer
                    .iter()
                    .take(SHOWN)
                    .map(|&i| spelled(ctx, i))
                    .collect();
                if longer.len() > SHOWN {
                    listed.push(format!("+{} more", longer.len() - SHOWN));
                }
                let message = format!(
                    "{}: the opcode bytes of {} are a prefix of {}, so a decoder cannot tell where \
                     the instruction ends; hint: renumber, or declare the leading byte as an escape \
                     (`[encoding] escapes = [...]`) and keep no instruction on it",
                    table.implementation,
                    short
                        .iter()
                        .map(|&i| spelled(ctx, i))
                        .collect::<Vec<_>>()
                        .join(" and "),
                    listed.join(", ")
                );
                out.push(finish(
                    ctx,
                    ConflictKind::EncodingAmbiguity,
                    Some(opcode),
                    None,
                    (ctx.sorted(short.iter().chain(&longer).copied()), None),
                    message,
                ));
            }
        }
    }
}

/// One info diagnostic per table that uses letters with no layout.
pub(super) fn unknown_formats(ctx: &Ctx, out: &mut Vec<Found>) {
    let mut per_table: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    // From the items alone: reading each entry, scattered over every table, to ask whether it
    // has a letter was a cache miss per instruction.
    for (index, item) in ctx.items.iter().enumerate() {
        if ctx.format(item).is_some() && ctx.layout_size(item.layout).is_none() {
            per_table.entry(item.table).or_default().push(index as u32);
        }
    }
    for (table, indices) in per_table {
        let letters: BTreeSet<&str> = indices
            .iter()
            .filter_map(|&i| ctx.format(&ctx.items[i as usize]))
            .collect();
        let name = &ctx.tables[table as usize].implementation;
        let message = format!(
            "{name} uses format letter{} {} with no declared or built-in layout ({} entr{}); their layouts are not compared; \
             hint: declare them under `formats`",
            if letters.len() == 1 { "" } else { "s" },
            letters.iter().map(|l| format!("`{l}`")).collect::<Vec<_>>().join(", "),
            indices.len(),
            if indices.len() == 1 { "y" } else { "ies" }
        );
        let entries = ctx.sorted(indices.iter().copied());
        out.push(finish(
            ctx,
            ConflictKind::UnknownFormat,
            None,
            None,
            (entries, None),
            message,
        ));
    }
}
