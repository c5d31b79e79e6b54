Q#define OP_HALT 0x00
#define OP_NOP  0x01
#define OP_ADD  0x20
#define OP_SUB  0x21
#define OP_JMP  0x43
#define NUM_REGS 16
