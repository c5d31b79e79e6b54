V<?php
class Opcode {
    const HALT = 0x00;
    const NOP = 0x01;
    const ADD = 0x20;
    const SUB = 0x21;
    const JMP = 0x43;
}
