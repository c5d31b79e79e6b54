#!/usr/bin/env python3
"""Writes N synthetic opcode tables of S slots each, seeded, for the whole-process benchmarks.

    python3 benches/gen_tables.py OUT_DIR N S [--seed 7]

The drift is bench_detect.py's (python/benches): one base numbering (`OP00000`... at their own
numbers, formats A-G in turn); each implementation keeps ~85% of it, moves ~5% of what it keeps
onto numbers it leaves free, and fills every number still free with instructions of its own
(`VM3_X17`). With 256 slots that is exactly bench_detect.py's ecosystem. A wider space
declares two-byte opcodes, and its base numbers 7/8 of the slots and tables add no
instructions of their own: otherwise 64 tables of 65,536 would hold ~700,000 distinct
instructions, which no canonical opcode space (at most 65,281 numbers with escape pages) can
hold, and `arbitrate` could only refuse them.
Each table is one JSON file (`vm-0000.json`, ...), one entry per line, the way the shared
tables are written. The same arguments always give the same bytes.
"""

import argparse
import json
import os
import random

LETTERS = "ABCDEFG"


def tables(n, slots, seed):
    rng = random.Random(seed)
    width = len(str(slots - 1))
    wide = slots > 256
    size = slots * 7 // 8 if wide else slots
    base = [(i, f"OP{i:0{width}d}", LETTERS[i % 7], f"cat{i % 9}") for i in range(size)]
    for k in range(n):
        kept = [b for b in base if rng.random() < 0.85]
        used = {b[0] for b in kept}
        free = [x for x in range(slots) if x not in used]
        rng.shuffle(free)
        entries = []
        for opcode, mnemonic, letter, category in kept:
            if free and rng.random() < 0.05:
                opcode = free.pop()
            entries.append((opcode, mnemonic, letter, category))
        taken = {e[0] for e in entries}
        own = 0
        for x in range(0 if wide else slots):
            if x not in taken:
                entries.append((x, f"VM{k}_X{own}", LETTERS[x % 7], "ext"))
                own += 1
        entries.sort()
        yield f"vm-{k:04d}", entries


def write(out, n, slots, seed):
    os.makedirs(out, exist_ok=True)
    for name, entries in tables(n, slots, seed):
        lines = [
            "{",
            f'  "implementation": {json.dumps(name)},',
            '  "registered": "2026-01-01",',
        ]
        if slots > 256:
            lines.append('  "encoding": {"opcode_bytes": 2},')
        lines.append('  "opcodes": [')
        rows = [
            "    " + json.dumps({"opcode": o, "mnemonic": m, "format": f, "category": c})
            for o, m, f, c in entries
        ]
        lines.append(",\n".join(rows))
        lines.append("  ]")
        lines.append("}")
        with open(os.path.join(out, f"{name}.json"), "w") as fh:
            fh.write("\n".join(lines) + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out")
    p.add_argument("n", type=int)
    p.add_argument("slots", type=int)
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args()
    write(a.out, a.n, a.slots, a.seed)


if __name__ == "__main__":
    main()
