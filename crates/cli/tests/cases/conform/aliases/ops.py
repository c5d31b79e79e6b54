from enum import IntEnum


class Opcode(IntEnum):
    HALT = 0x00
    NOP = 0x01
    IADD = 0x20
