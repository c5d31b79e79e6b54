const std = @import("std");

pub const max_steps: usize = 1_000_000;
pub const num_registers = 16;

pub const Op = enum(u8) {
    mov = 0x01,
    jnz = 0x06,
    jmp = 0x07,
    iadd = 0x08,
    isub = 0x09,
    imul = 0x0A,
    idiv = 0x0B,
    inc = 0x0E,
    dec = 0x0F,
    push = 0x10,
    pop,
    cmp = 0x2D,
    movi = 0x2B,
    halt = 0x80,
    _,
};

pub const LogLevel = enum { debug, info, warn, err };

pub const Color = enum(u8) {
    red = 1,
    green = 2,
    blue = 4,
};

pub fn step(code: []const u8, pc: *usize) bool {
    const op: Op = @enumFromInt(code[pc.*]);
    switch (op) {
        .halt => return false,
        else => {
            pc.* += 1;
            return true;
        },
    }
}
