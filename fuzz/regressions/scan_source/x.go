Lpackage vm

const (
	OpHalt byte = iota
	OpNop
	OpAdd
	OpSub
	OpJmp
)

const NumRegisters = 16
