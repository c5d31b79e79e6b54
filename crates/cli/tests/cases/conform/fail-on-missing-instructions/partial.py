from enum import IntEnum


class Opcode(IntEnum):
    HALT = 0x00
    NOP = 0x01
    ADD = 0x20
