Tpublic final class Opcodes {
    public static final int HALT = 0x00;
    public static final int NOP = 0x01;
    public static final int ADD = 0x20;
    public static final int SUB = 0x21;
    public static final int JMP = 0x43;
}
