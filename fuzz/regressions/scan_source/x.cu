Senum Op { OP_HALT = 0x00, OP_NOP = 0x01, OP_ADD = 0x20, OP_SUB = 0x21 };
__global__ void step(const unsigned char *code, int *regs) {
  switch (code[0]) {
    case OP_ADD: regs[0] += regs[1]; break;
    case OP_HALT: return;
  }
}
