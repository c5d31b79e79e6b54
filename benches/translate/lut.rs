//! Anchor of the whole-process `translate` benchmark: what the simplest byte-for-byte rewrite of
//! a file costs — read it whole, replace every byte through a 256-entry lookup table, write it
//! out. Usage: `lut IN OUT`.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: lut IN OUT");
        std::process::exit(2);
    }
    let mut bytes = std::fs::read(&args[1]).expect("read IN");
    // The same renumbering the same-size benchmark applies to opcodes, here to every byte.
    let mut table = [0u8; 256];
    for (i, t) in table.iter_mut().enumerate() {
        *t = ((i * 167 + 13) % 256) as u8;
    }
    for b in &mut bytes {
        *b = table[usize::from(*b)];
    }
    std::fs::write(&args[2], &bytes).expect("write OUT");
}
