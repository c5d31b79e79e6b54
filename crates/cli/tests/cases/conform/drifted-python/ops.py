from enum import IntEnum


class Op(IntEnum):
    HALT = 0x00
    NOP = 0x01
    MOVI = 0x18
    ADD = 0x20
    SUB = 0x21
    MUL = 0x22
    MEM_LOAD = 0x23
    JZ = 0x3D
    JMP = 0x40
    C_THRESH = 0x69
    RSV = 0xFE
