#!/usr/bin/env python3
"""Writes N synthetic opcode tables of S slots each, seeded, for the whole-process benchmarks.

    python3 benches/gen_tables.py OUT_DIR N S [--seed 7] [--drift swap|own]

Two ecosystems, from one base numbering (`OP00000`... at their own numbers, formats A-G in
turn, categories cat0-cat8):

* `--drift swap` (the default): every implementation implements the whole base and renumbers
  about 1 in 16 of its instructions by swapping pairs of numbers, so every table holds the same
  mnemonics at mostly the same numbers. These are the tables issue 17 measured the original on:
  its detector takes 0.13 / 0.54 / 6.2 s here at 2 / 100 / 1,000 x 256 (the issue: 0.14 / 0.61
  / 9.8 s), 23.6 s at 2 x 16,384 (the issue: 20.1 s), and the 1,000 x 256 JSON report of
  `check` is 176 MB (the issue: 182 MB).
* `--drift own`: python/benches/bench_detect.py's drift. Each implementation keeps ~85% of the
  base, moves ~5% of what it keeps onto numbers it leaves free, and fills every number still
  free with instructions of its own (`VM3_X17`), so at 1,000 x 256 there are ~38,000
  mnemonics that one table alone knows, each of which the original's linear search by mnemonic
  walks every table for: its detector then takes minutes, not seconds, and ratios against it
  flatter isa-authority.

A wider space (S > 256) declares two-byte opcodes and its base numbers 7/8 of the slots (and
`own` adds no instructions of its own there): otherwise 64 tables of 65,536 would hold up to
~700,000 distinct instructions, which no canonical opcode space (at most 65,281 numbers with
escape pages) can hold, and `arbitrate` could only refuse them.
Each table is one JSON file (`vm-0000.json`, ...), one entry per line, the way the shared
tables are written. The same arguments always give the same bytes.
"""

import argparse
import json
import os
import random

LETTERS = "ABCDEFG"


def tables(n, slots, seed, drift="swap"):
    rng = random.Random(seed)
    width = len(str(slots - 1))
    wide = slots > 256
    size = slots * 7 // 8 if wide else slots
    base = [(i, f"OP{i:0{width}d}", LETTERS[i % 7], f"cat{i % 9}") for i in range(size)]
    if drift == "swap":
        yield from swapped(n, base, rng)
        return
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


def swapped(n, base, rng):
    """`--drift swap`: the whole base, with about 1 in 16 instructions swapping numbers in
    pairs."""
    for k in range(n):
        numbers = [b[0] for b in base]
        moved = [i for i in range(len(base)) if rng.random() < 1 / 16]
        rng.shuffle(moved)
        for a, b in zip(moved[::2], moved[1::2]):
            numbers[a], numbers[b] = numbers[b], numbers[a]
        entries = sorted((numbers[i], m, f, c) for i, (_, m, f, c) in enumerate(base))
        yield f"vm-{k:04d}", entries


def write(out, n, slots, seed, drift="swap"):
    os.makedirs(out, exist_ok=True)
    for name, entries in tables(n, slots, seed, drift):
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
    p.add_argument("--drift", choices=["swap", "own"], default="swap",
                   help="swap: every table renumbers a few shared instructions (issue 17's "
                        "tables); own: bench_detect.py's drift with instructions of their own")
    a = p.parse_args()
    write(a.out, a.n, a.slots, a.seed, a.drift)


if __name__ == "__main__":
    main()
