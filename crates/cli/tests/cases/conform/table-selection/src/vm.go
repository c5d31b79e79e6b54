package vm

// Opcode is one VM instruction.
type Opcode byte

const (
	OpHalt    Opcode = 0x00
	OpNop     Opcode = 0x01
	OpMovi    Opcode = 0x18
	OpAdd     Opcode = 0x21
	OpSub     Opcode = 0x22
	OpJmp     Opcode = 0x43
	OpFrob    Opcode = 0x99
)
