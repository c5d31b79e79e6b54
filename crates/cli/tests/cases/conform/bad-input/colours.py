from enum import IntEnum


class Opcode(IntEnum):
    RED = 1
    GREEN = 2
    BLUE = 3
    CYAN = 4
