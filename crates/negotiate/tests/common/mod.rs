//! Helpers shared by the integration tests: small tables and advertisements built from them.

#![allow(dead_code)]

use isa_core::{Entry, Scheme, Table};
use isa_negotiate::{build, BuildOptions, GroupDef, Version, VersionClaim};
use isa_negotiate::{Advertisement, BuildError, BuildNote};

/// A table from `(opcode, mnemonic, format letter)` triples.
pub fn table(name: &str, entries: &[(u32, &str, Option<&str>)]) -> Table {
    let mut t = Table::new(name);
    for &(op, m, f) in entries {
        let mut e = Entry::new(op, m);
        e.format = f.map(Into::into);
        t.entries.push(e);
    }
    t
}

/// A version claim with a hash made of one repeated byte.
pub fn v(label: &str, hash_byte: u8) -> VersionClaim {
    VersionClaim {
        version: Version::parse(label).unwrap(),
        hash: [hash_byte; 32],
    }
}

/// A resolved group definition.
pub fn group(name: &str, members: &[&str]) -> GroupDef {
    GroupDef {
        name: name.into(),
        members: members.iter().map(|m| m.to_ascii_uppercase()).collect(),
    }
}

/// Builds an advertisement (with mnemonics) and its notes, or says why the table is refused.
pub fn try_ad(
    t: &Table,
    versions: Vec<VersionClaim>,
    groups: Vec<GroupDef>,
) -> Result<(Advertisement<'static>, Vec<BuildNote>), BuildError> {
    let scheme = Scheme::flux_unified();
    build(
        t,
        &BuildOptions {
            scheme: &scheme,
            versions,
            registers: 16,
            groups,
            mnemonics: true,
        },
    )
}

/// Builds an advertisement (with mnemonics) and its notes from a decodable table.
pub fn ad_with_notes(
    t: &Table,
    versions: Vec<VersionClaim>,
    groups: Vec<GroupDef>,
) -> (Advertisement<'static>, Vec<BuildNote>) {
    try_ad(t, versions, groups).expect("test table is decodable")
}

/// Builds an advertisement (with mnemonics).
pub fn ad(t: &Table, versions: Vec<VersionClaim>, groups: Vec<GroupDef>) -> Advertisement<'static> {
    ad_with_notes(t, versions, groups).0
}

/// A small table in the FLUX unified numbering.
pub fn unified() -> Table {
    table(
        "unified",
        &[
            (0x00, "HALT", Some("A")),
            (0x01, "NOP", Some("A")),
            (0x08, "INC", Some("B")),
            (0x20, "ADD", Some("E")),
            (0x21, "SUB", Some("E")),
            (0x18, "MOVI", Some("D")),
        ],
    )
}
