//! Reading and writing operand fields inside an instruction's fixed part.
//!
//! The model says a layout is "the opcode in the leading bits, then the fields in order". This
//! module fixes the one bit order that sentence leaves open, so that every consumer agrees:
//!
//! * The fixed part is a bit string read byte by byte, most significant bit of each byte first.
//!   The opcode is its leading whole bytes, exactly as the core's resolve step gives them
//!   ([`isa_core::OpBytes`]: `ff 41` on an escape page, or a fixed-width opcode in its byte
//!   order); the fields start at the first bit after them. This module never reads or writes
//!   opcodes itself.
//! * A field that starts on a byte boundary and is a whole number of bytes wide is stored in the
//!   layout's byte order (little-endian by default, the FLUX convention).
//! * Any other field (a nibble, a 12-bit field) is read most-significant-bit first from the bit
//!   string, so `[rd:4][imm4:4]` puts `rd` in the high nibble, as the FLUX drafts draw it.

use isa_core::Endian;

/// Where a field sits, in bits from the start of the instruction, and how it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Placement {
    /// Offset of the field's first bit from the start of the instruction.
    pub offset: u32,
    /// Width in bits (1–64).
    pub bits: u16,
    /// Byte order, used only for byte-aligned multi-byte fields.
    pub endian: Endian,
}

impl Placement {
    fn byte_aligned(&self) -> bool {
        // Bit masks rather than `%`: whole bytes on both ends.
        self.offset & 7 == 0 && self.bits & 7 == 0
    }
}

/// Reads a field's raw bits. `bytes` must cover the field (the caller checked the size).
pub(crate) fn read(bytes: &[u8], p: Placement) -> u64 {
    if p.byte_aligned() {
        let start = (p.offset / 8) as usize;
        let n = usize::from(p.bits / 8);
        let slice = &bytes[start..start + n];
        let mut v = 0u64;
        match p.endian {
            Endian::Little => {
                for &b in slice.iter().rev() {
                    v = (v << 8) | u64::from(b);
                }
            }
            Endian::Big => {
                for &b in slice {
                    v = (v << 8) | u64::from(b);
                }
            }
        }
        return v;
    }
    let mut v = 0u64;
    for i in 0..u32::from(p.bits) {
        let bit = p.offset + i;
        let byte = bytes[(bit / 8) as usize];
        v = (v << 1) | u64::from((byte >> (7 - bit % 8)) & 1);
    }
    v
}

/// Writes a field's raw bits (the low `bits` bits of `value`; the caller checked the range).
pub(crate) fn write(bytes: &mut [u8], p: Placement, value: u64) {
    if p.byte_aligned() {
        let start = (p.offset / 8) as usize;
        let n = usize::from(p.bits / 8);
        let slice = &mut bytes[start..start + n];
        for (i, b) in slice.iter_mut().enumerate() {
            let shift = match p.endian {
                Endian::Little => 8 * i,
                Endian::Big => 8 * (n - 1 - i),
            };
            *b = (value >> shift) as u8;
        }
        return;
    }
    let bits = u32::from(p.bits);
    for i in 0..bits {
        let bit = p.offset + i;
        let mask = 1u8 << (7 - bit % 8);
        let byte = &mut bytes[(bit / 8) as usize];
        if (value >> (bits - 1 - i)) & 1 == 1 {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(offset: u32, bits: u16, endian: Endian) -> Placement {
        Placement {
            offset,
            bits,
            endian,
        }
    }

    #[test]
    fn byte_fields_follow_the_layout_byte_order() {
        let bytes = [0x40, 0x01, 0x34, 0x12];
        assert_eq!(read(&bytes, at(16, 16, Endian::Little)), 0x1234);
        assert_eq!(read(&bytes, at(16, 16, Endian::Big)), 0x3412);
        let mut out = [0u8; 4];
        write(&mut out, at(16, 16, Endian::Little), 0x1234);
        assert_eq!(out, [0, 0, 0x34, 0x12]);
        write(&mut out, at(16, 16, Endian::Big), 0x1234);
        assert_eq!(out, [0, 0, 0x12, 0x34]);
    }

    #[test]
    fn sub_byte_fields_are_msb_first() {
        // FF A0 [rd:4][imm4:4]: rd = 5, imm = 0xC.
        let bytes = [0xFF, 0xA0, 0x5C];
        assert_eq!(read(&bytes, at(16, 4, Endian::Little)), 5);
        assert_eq!(read(&bytes, at(20, 4, Endian::Little)), 0xC);
        let mut out = [0xFF, 0xA0, 0x00];
        write(&mut out, at(16, 4, Endian::Little), 5);
        write(&mut out, at(20, 4, Endian::Little), 0xC);
        assert_eq!(out, bytes);
        // A 12-bit field spanning bytes, and overwriting clears old bits.
        let mut wide = [0xFFu8; 3];
        write(&mut wide, at(8, 12, Endian::Little), 0xABC);
        assert_eq!(read(&wide, at(8, 12, Endian::Little)), 0xABC);
        assert_eq!(wide, [0xFF, 0xAB, 0xCF]);
    }
}
