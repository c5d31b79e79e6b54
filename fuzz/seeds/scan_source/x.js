Oconst OP = {
  HALT: 0x00,
  NOP: 0x01,
  ADD: 0x20,
  SUB: 0x21,
  JMP: 0x43,
};
module.exports = { OP };
