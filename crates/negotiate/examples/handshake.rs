//! A complete in-process handshake between two small implementations, the way a VM would embed
//! it: build advertisements, exchange offer → answer → confirm as byte buffers, act on the
//! agreement. With a directory argument it also writes the four messages there (the fuzz
//! targets' seed corpus is made this way).
//!
//! ```text
//! cargo run -p isa-negotiate --example handshake [OUT_DIR]
//! ```

use isa_core::{Entry, Scheme, Table};
use isa_negotiate::{
    build, encode_advertisement, BuildOptions, Client, GroupDef, Server, Version, VersionClaim,
};

fn table(name: &str, entries: &[(u32, &str, &str)]) -> Table {
    let mut t = Table::new(name);
    for &(op, m, f) in entries {
        t.entries.push(Entry::new(op, m).with_format(f));
    }
    t
}

fn main() {
    let scheme = Scheme::flux_unified();
    let base = GroupDef {
        name: "base".into(),
        members: ["HALT", "NOP"].iter().map(|s| s.to_string()).collect(),
    };
    let advertise = |t: &Table, versions: &[(u64, u8)]| {
        build(
            t,
            &BuildOptions {
                scheme: &scheme,
                versions: versions
                    .iter()
                    .map(|&(major, h)| VersionClaim {
                        version: Version::new(major, 0, 0),
                        hash: [h; 32],
                    })
                    .collect(),
                registers: 16,
                groups: vec![base.clone()],
                mnemonics: true,
            },
        )
        .expect("the example tables are decodable")
        .0
    };
    let client_ad = advertise(
        &table(
            "client-vm",
            &[(0, "HALT", "A"), (1, "NOP", "A"), (0x20, "ADD", "E")],
        ),
        &[(1, 1), (2, 2)],
    );
    let server_ad = advertise(
        &table(
            "server-vm",
            &[(0, "HALT", "A"), (1, "NOP", "A"), (0x21, "ADD", "E")],
        ),
        &[(1, 1), (2, 2), (3, 3)],
    );

    let client = Client::start(&client_ad, [0x11; 32]).expect("offer encodes");
    let offer = client.offer().to_vec();
    let (server, answer) = Server::answer(&server_ad, [0x22; 32], &offer).expect("answer");
    let (agreed, confirm) = client.finish(&answer).expect("answer checks out");
    let confirmed = server.confirm(&confirm).expect("transcripts match");
    assert_eq!(agreed.selection(), confirmed.selection());

    println!(
        "agreed on {} with {} usable instruction(s), features {:?}",
        agreed
            .version
            .as_ref()
            .map_or("nothing".into(), |v| v.version.to_string()),
        agreed.usable.len(),
        agreed.features
    );
    for r in &agreed.reasons {
        println!("  - {r}");
    }
    println!(
        "message sizes: offer {} B, answer {} B, confirm {} B",
        offer.len(),
        answer.len(),
        confirm.len()
    );

    if let Some(dir) = std::env::args_os().nth(1) {
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).expect("create output directory");
        let ad = encode_advertisement(&client_ad).expect("advertisement encodes");
        for (name, bytes) in [
            ("advertisement.bin", &ad),
            ("offer.bin", &offer),
            ("answer.bin", &answer),
            ("confirm.bin", &confirm),
        ] {
            std::fs::write(dir.join(name), bytes).expect("write message");
        }
    }
}
