Nexport const OPCODES = { HALT: 0x00, NOP: 0x01, ADD: 0x20, SUB: 0x21 } as const;
export function Row(props: { op: number }) {
  return <td>{props.op}</td>;
}
