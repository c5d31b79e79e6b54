#!/usr/bin/env python3
"""The anchors of the whole-process benchmarks: the original Python module's conflict detector
and voting arbiter, re-implemented in pure Python the way the original works, run as a whole
process on the same table files as `isa-authority`.

    python3 benches/original.py detect DIR    # prints the number of conflicts
    python3 benches/original.py vote DIR      # detects, then resolves each conflict by votes

Written for this benchmark (the algorithm of python/benches/bench_detect.py's pure-Python part);
no code of the original is copied. Tables are read with the standard library's `json`, as the
original's registry would be fed: a dict per implementation from number to entry.

The detector looks every number up in every table (number collisions) and, for every mnemonic,
searches every table's entries for it (mnemonic divergences, then format mismatches): the
original's linear searches, so its time grows with tables x entries x mnemonics. The voting
arbiter resolves each conflict on its own, as the original did: for a number collision the
mnemonic most implementations give that number wins; for a divergence the number most
implementations give that mnemonic wins (ties: the smaller, for determinism).
"""

import json
import os
import sys


def load(folder):
    impls = {}
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as fh:
            doc = json.load(fh)
        impls[doc["implementation"]] = {
            e["opcode"]: (e["opcode"], e["mnemonic"], e.get("format")) for e in doc["opcodes"]
        }
    return impls


def by_mnemonic(impls, mnemonic):
    found = {}
    for name, table in impls.items():
        for entry in table.values():
            if entry[1] == mnemonic:
                found[name] = entry
                break
    return found


def detect(impls):
    """(kind, key) of every conflict, in the original's order."""
    conflicts = []
    numbers = sorted({op for t in impls.values() for op in t})
    for op in numbers:
        names = {t[op][1] for t in impls.values() if op in t}
        if len(names) > 1:
            conflicts.append(("number", op))
    mnemonics = sorted({e[1] for t in impls.values() for e in t.values()})
    for m in mnemonics:
        if len({e[0] for e in by_mnemonic(impls, m).values()}) > 1:
            conflicts.append(("mnemonic", m))
    for m in mnemonics:
        if len({e[2] for e in by_mnemonic(impls, m).values()}) > 1:
            conflicts.append(("format", m))
    return conflicts


def vote(impls, conflicts):
    """One resolution per conflict: (kind, key, winner)."""
    resolutions = []
    for kind, key in conflicts:
        votes = {}
        if kind == "number":
            for table in impls.values():
                if key in table:
                    votes[table[key][1]] = votes.get(table[key][1], 0) + 1
        else:
            field = 0 if kind == "mnemonic" else 2
            for entry in by_mnemonic(impls, key).values():
                votes[entry[field]] = votes.get(entry[field], 0) + 1
        winner = min(votes, key=lambda v: (-votes[v], str(v)))
        resolutions.append((kind, key, winner))
    return resolutions


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("detect", "vote"):
        sys.exit(__doc__.split("\n\n")[1])
    impls = load(sys.argv[2])
    conflicts = detect(impls)
    if sys.argv[1] == "detect":
        print(f"{len(conflicts)} conflicts")
    else:
        print(f"{len(vote(impls, conflicts))} resolutions of {len(conflicts)} conflicts")


if __name__ == "__main__":
    main()
