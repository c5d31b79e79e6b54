#!/usr/bin/env node
// A conformance plugin that is a VM of its own (docs/conformance.md): a tiny interpreter for six
// instructions of the flux-runtime-python numbering, written from the semantics file, not from
// isa-authority's code. It answers `skip` for any other opcode, so that a partial VM can still
// be tested on the whole vector file:
//
//   isa-authority conformance --vectors flux-runtime-python-vectors.json --plugin 'node tiny_vm.js'
const readline = require("readline");
const wrap = (v) => v | 0; // 32-bit registers
function run(req) {
  const code = Buffer.from(req.bytecode, "hex");
  const gp = new Array(16).fill(0), flags = { zero: false, sign: false };
  for (const [r, v] of Object.entries((req.initial || {}).gp || {})) gp[+r.slice(1)] = v;
  let pc = 0, steps = 0;
  const arith = { 0x08: (a, b) => a + b, 0x09: (a, b) => a - b, 0x0a: (a, b) => Math.imul(a, b) };
  while (pc < code.length) {
    if (steps++ >= req.max_steps) return { stop: "step-limit", halted: false, trap: null, gp, flags };
    const op = code[pc];
    if (op === 0x80) return { stop: "halted", halted: true, trap: null, gp, flags }; // HALT
    if (op === 0x00) { pc += 1; continue; } // NOP
    if (pc + 4 > code.length) return { skip: "truncated instruction" };
    const [rd, a, b] = [code[pc + 1], code[pc + 2], code[pc + 3]];
    if (op === 0x2b) gp[rd] = code.readInt16LE(pc + 2); // MOVI rd, imm16
    else if (arith[op]) {
      gp[rd] = wrap(arith[op](gp[a], gp[b])); // IADD / ISUB / IMUL rd, rs1, rs2
      flags.zero = gp[rd] === 0; flags.sign = gp[rd] < 0;
    } else return { skip: `opcode 0x${op.toString(16)} is not implemented` };
    pc += 4;
  }
  return { stop: "end", halted: false, trap: null, gp, flags };
}
const rl = readline.createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const req = JSON.parse(line);
  const out = run(req);
  if (out.gp) out.gp = Object.fromEntries(out.gp.map((v, i) => [`R${i}`, v]));
  console.log(JSON.stringify({ id: req.id, ...out }));
});
