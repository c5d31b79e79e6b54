Upub const Op = enum(u8) {
    halt = 0x00,
    nop = 0x01,
    add = 0x20,
    sub = 0x21,
    jmp = 0x43,
};
