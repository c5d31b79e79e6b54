Rnamespace flux {
enum class Op : uint8_t {
  HALT = 0x00,
  NOP = 0x01,
  ADD = 0x20,
  SUB = 0x21,
  JMP = 0x43,
};
}
