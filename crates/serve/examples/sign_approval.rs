//! Signs an approval of a proposal with a maintainer's secret key file and prints the body of
//! `POST /v1/proposals/{id}/approvals`, for scripts that drive a registry over HTTP (the
//! tests under tests/serve/):
//!
//! ```text
//! cargo run -p isa-serve --example sign_approval -- keys/alice.key sha256:…
//! {"public_key":"…","signature":"…"}
//! ```
//!
//! The signature is made here, on the client: the server never sees the private key.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [key_file, proposal] = args.as_slice() else {
        eprintln!("usage: sign_approval KEYFILE PROPOSAL_ID");
        return ExitCode::from(2);
    };
    let key = match isa_history::read_secret_file(std::path::Path::new(key_file)) {
        Ok(key) => key,
        Err(e) => {
            eprintln!("sign_approval: {e}");
            return ExitCode::FAILURE;
        }
    };
    let body = serde_json::json!({
        "public_key": key.public().to_hex(),
        "signature": key.sign_approval(proposal),
    });
    println!("{body}");
    ExitCode::SUCCESS
}
