//! Content hashes: a canonical byte encoding of what a table *means*, and SHA-256 over it.
//!
//! The encoding covers the instruction set itself — each entry's number, mnemonic, format
//! letter, category, reservation, size, lifecycle status and branch operand, and every declared
//! layout — and leaves out what does not change bytecode semantics: the implementation name,
//! language, dates, descriptions, operand prose and source locations. Entries are sorted by
//! (opcode, mnemonic), so two tables that list the same instructions in another order hash
//! alike. Every string is length-prefixed and every optional value tagged, so distinct tables
//! never share an encoding.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use sha2::{Digest, Sha256};

use crate::encoding::Encoding;
use crate::format::Layout;
use crate::table::{Entry, Table};

const MAGIC: &[u8] = b"isa-authority/table/v1\0";

struct Writer(Vec<u8>);

impl Writer {
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.0.extend_from_slice(s.as_bytes());
    }
    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.0.push(1);
                self.str(s);
            }
            None => self.0.push(0),
        }
    }
    fn opt_u32(&mut self, v: Option<u32>) {
        match v {
            Some(v) => {
                self.0.push(1);
                self.u32(v);
            }
            None => self.0.push(0),
        }
    }
    fn layout(&mut self, l: &Layout) {
        self.u32(l.size);
        self.str(l.endian.as_str());
        self.u32(l.fields.len() as u32);
        for f in &l.fields {
            self.str(&f.name);
            self.u32(u32::from(f.bits));
            self.str(f.kind.as_str());
        }
    }
}

fn entry_order(a: &&Entry, b: &&Entry) -> std::cmp::Ordering {
    (a.opcode, &a.mnemonic, &a.format).cmp(&(b.opcode, &b.mnemonic, &b.format))
}

/// The canonical encoding of a table's meaning (see the module documentation).
pub fn canonical_encoding(table: &Table) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(64 + table.entries.len() * 32));
    w.0.extend_from_slice(MAGIC);
    w.u32(table.formats.len() as u32);
    for (letter, layout) in &table.formats {
        w.str(letter);
        w.layout(layout);
    }
    let mut entries: Vec<&Entry> = table.entries.iter().collect();
    entries.sort_by(entry_order);
    w.u32(entries.len() as u32);
    for e in entries {
        w.u32(e.opcode);
        w.opt_str(e.mnemonic.as_deref());
        w.opt_str(e.format.as_deref());
        w.opt_str(e.category.as_deref());
        w.0.push(u8::from(e.reserved));
        w.opt_u32(e.size_bytes);
        w.opt_str(e.status.map(|s| s.as_str()));
        w.opt_str(e.branch());
    }
    // Fields added after v1 go into a trailer after the entries, one tagged section each,
    // written only when used, so tables that do not use them keep the hashes they had (and
    // isa-history's frozen copy of this hash agrees). Tag 1: a non-default encoding.
    if !table.encoding.is_default() {
        w.0.push(1);
        match &table.encoding {
            Encoding::Prefixed { escapes } => {
                w.str("escapes");
                w.u32(escapes.len() as u32);
                for e in escapes {
                    w.u32(*e);
                }
            }
            Encoding::Fixed { width, endian } => {
                w.str("fixed");
                w.u32(u32::from(*width));
                w.str(endian.as_str());
            }
        }
    }
    w.0
}

/// Lower-case hex SHA-256 of arbitrary bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// `sha256:<hex>` of the table's canonical encoding: the table's content hash.
pub fn table_hash(table: &Table) -> String {
    format!("sha256:{}", sha256_hex(&canonical_encoding(table)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(entries: Vec<Entry>) -> Table {
        Table {
            entries,
            ..Table::new("x")
        }
    }

    #[test]
    fn order_and_provenance_do_not_change_the_hash() {
        let a = t(vec![Entry::new(0, "HALT"), Entry::new(1, "NOP")]);
        let mut b = t(vec![Entry::new(1, "NOP"), Entry::new(0, "HALT")]);
        b.implementation = "other".into();
        b.entries[0].details.make_mut().description = Some("does nothing".into());
        assert_eq!(table_hash(&a), table_hash(&b));
    }

    #[test]
    fn meaning_changes_the_hash() {
        let a = t(vec![Entry::new(0, "HALT")]);
        let b = t(vec![Entry::new(1, "HALT")]);
        let c = t(vec![Entry::new(0, "HALT").with_format("A")]);
        let mut d = a.clone();
        d.entries[0].reserved = true;
        let mut e = a.clone();
        e.encoding = Encoding::escapes([0xFF]).unwrap();
        let mut f = a.clone();
        f.encoding = Encoding::fixed(2, crate::Endian::Big).unwrap();
        let hashes = [
            table_hash(&a),
            table_hash(&b),
            table_hash(&c),
            table_hash(&d),
            table_hash(&e),
            table_hash(&f),
        ];
        for i in 0..hashes.len() {
            for j in i + 1..hashes.len() {
                assert_ne!(hashes[i], hashes[j]);
            }
        }
        assert!(hashes[0].starts_with("sha256:") && hashes[0].len() == 7 + 64);
    }

    /// Every byte of a key reaches the Fx hash, whatever the key's length (the tail of a
    /// key shorter than a word is read in overlapping loads), and lengths are told apart.
    #[test]
    fn every_byte_of_a_key_is_hashed() {
        let hash = |bytes: &[u8]| {
            let mut h = FxHasher::default();
            h.write(bytes);
            h.finish()
        };
        for len in 0..=24 {
            let key: Vec<u8> = (0..len as u8).map(|i| b'A' + i).collect();
            let base = hash(&key);
            for i in 0..len {
                let mut changed = key.clone();
                changed[i] ^= 0x20;
                assert_ne!(hash(&changed), base, "byte {i} of {len}");
            }
            if len > 0 {
                assert_ne!(hash(&key[..len - 1]), base, "length {len}");
            }
        }
    }
}

/// A fast non-cryptographic hasher (the Fx hash used by rustc) for the interning maps of
/// detection and arbitration: SipHash
/// would dominate detection time on large inputs, and these keys are not attacker-chosen in a
/// way that matters (the worst case is slower detection, not a wrong answer).
#[derive(Default)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    fn finish(&self) -> u64 {
        // The multiply only carries low bits upwards, so keys that differ late (OP123 vs OP124)
        // would share their low bits, which pick the bucket. A final avalanche (MurmurHash3's
        // fmix64) spreads every input bit over the whole word.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            self.add(u64::from_le_bytes(word.try_into().expect("8 bytes")));
        }
        // The tail (most keys are shorter than a word: mnemonics, format letters) read in at
        // most three loads, where copying it into a zeroed word was a call to memcpy per key.
        let tail = words.remainder();
        let n = tail.len();
        if n > 0 {
            let word = if n >= 4 {
                let lo = u32::from_le_bytes(tail[..4].try_into().expect("4 bytes"));
                let hi = u32::from_le_bytes(tail[n - 4..].try_into().expect("4 bytes"));
                u64::from(lo) | u64::from(hi) << 32
            } else {
                u64::from(tail[0]) | u64::from(tail[n / 2]) << 8 | u64::from(tail[n - 1]) << 16
            };
            // The length tells apart tails whose loads overlap alike.
            self.add(word ^ (n as u64) << 56);
        }
    }
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
}

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// A `HashMap` with [`FxHasher`].
pub type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;
