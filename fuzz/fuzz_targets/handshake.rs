//! Arbitrary bytes fed to each handshake step as the peer's message: every step returns a
//! result or an error, never panics; and any advertisement that decodes negotiates with itself
//! and with a fixed peer without panicking, symmetrically.
#![no_main]

use isa_negotiate::{negotiate, usable_count, Advertisement, Client, Server};
use libfuzzer_sys::fuzz_target;

fn peer() -> Advertisement<'static> {
    let ins = |opcode: u32, m: &str| isa_negotiate::Instruction {
        opcode,
        name: isa_negotiate::name_digest(m),
        bytes: isa_negotiate::OpBytes::new(&[opcode as u8]),
        claim: isa_negotiate::Claim::Layout {
            operand_bytes: 0,
            variable: false,
            shape: isa_negotiate::shape_digest("-"),
        },
    };
    let mut instructions = vec![ins(0, "HALT"), ins(1, "NOP")];
    instructions.sort();
    Advertisement {
        implementation: "peer".into(),
        versions: vec![isa_negotiate::VersionClaim {
            version: isa_negotiate::Version::new(1, 0, 0),
            hash: [1; 32],
        }],
        instructions,
        ..Advertisement::default()
    }
}

fuzz_target!(|data: &[u8]| {
    let me = peer();
    let _ = Server::answer(&me, [2; 32], data);
    if let Ok(client) = Client::start(&me, [3; 32]) {
        let _ = client.finish(data);
    }
    if let Ok(client) = Client::start(&me, [3; 32]) {
        if let Ok((server, answer)) = Server::answer(&me, [4; 32], client.offer()) {
            let _ = client.finish(&answer);
            let _ = server.confirm(data);
        }
    }
    if let Ok(ad) = isa_negotiate::decode_advertisement(data) {
        let ab = negotiate(&ad, &me);
        let ba = negotiate(&me, &ad);
        assert_eq!(ab.version, ba.version);
        assert_eq!(ab.usable.len(), usable_count(&me, &ad));
        let _ = negotiate(&ad, &ad);
    }
});
