P#[repr(u8)]
pub enum Op {
    Halt = 0x00,
    Nop = 0x01,
    Add = 0x20,
    Sub = 0x21,
    Jmp = 0x43,
}

pub const REGISTERS: usize = 16;
