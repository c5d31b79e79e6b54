K﻿class Op(IntEnum):
    HALT = 0
    NOP = 1
