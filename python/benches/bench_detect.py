#!/usr/bin/env python3
"""Conflict detection: the isa_authority package (Rust core) against a pure-Python detector
written the way the original module works, on the same synthetic tables in the same run.

    python python/benches/bench_detect.py            # 100x256 and 1,000x256
    python python/benches/bench_detect.py --sizes 100

Tables: N implementations of 256 entries each, drifted from one base numbering of 256
instructions (seeded, so every run sees the same tables): each implementation keeps ~85% of
the base, renumbers ~5% of what it keeps onto numbers it leaves free, and fills the rest with
instructions of its own. Three measurements per size:

* pure Python: a dict per implementation (number -> entry), number collisions by looking up
  every number in every table, mnemonic divergences and format mismatches by searching every
  table's entries for each mnemonic — the original's algorithm, written for this benchmark;
* package, original API: ``OpcodeRegistry.register_implementation`` for every table, then
  ``ConflictDetector.find_all_conflicts()`` (conversion of the Python entries included);
* package, ``check(tables)``: detection on tables already built, with the report parsed.

The two detectors do not report the same thing: the package finds every kind (duplicates,
case-insensitive names, layouts compared by meaning), so it reports more. What is compared is
the time to answer "what conflicts are there" for the same input.
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Dict, List, Tuple

import isa_authority as ia
from isa_authority import ConflictDetector, OpcodeEntry, OpcodeRegistry

LETTERS = "ABCDEFG"


def synthetic(n: int, seed: int = 7) -> List[Tuple[str, List[OpcodeEntry]]]:
    rng = random.Random(seed)
    base = [(i, f"OP{i:03d}", LETTERS[i % 7], f"cat{i % 9}") for i in range(256)]
    tables = []
    for k in range(n):
        kept = [b for b in base if rng.random() < 0.85]
        used = {b[0] for b in kept}
        free = [x for x in range(256) if x not in used]
        rng.shuffle(free)
        entries = []
        for opcode, mnemonic, letter, category in kept:
            if free and rng.random() < 0.05:
                opcode = free.pop()
            entries.append(OpcodeEntry(opcode, mnemonic, letter, category))
        taken = {e.opcode for e in entries}
        own = 0
        for x in range(256):
            if x not in taken:
                entries.append(OpcodeEntry(x, f"VM{k}_X{own}", LETTERS[x % 7], "ext"))
                own += 1
        tables.append((f"vm-{k:04d}", entries))
    return tables


def pure_python(tables: List[Tuple[str, List[OpcodeEntry]]]) -> int:
    """The original's algorithm: by-number dicts, lookups per number, linear searches per name."""
    impls: Dict[str, Dict[int, OpcodeEntry]] = {}
    for name, entries in tables:
        impls[name] = {e.opcode: e for e in entries}

    def by_mnemonic(mnemonic: str) -> Dict[str, OpcodeEntry]:
        found = {}
        for name, table in impls.items():
            for entry in table.values():
                if entry.mnemonic == mnemonic:
                    found[name] = entry
                    break
        return found

    conflicts = 0
    numbers = sorted({op for t in impls.values() for op in t})
    for op in numbers:
        names = {t[op].mnemonic for t in impls.values() if op in t}
        if len(names) > 1:
            conflicts += 1
    mnemonics = sorted({e.mnemonic for t in impls.values() for e in t.values()})
    for m in mnemonics:
        if len({e.opcode for e in by_mnemonic(m).values()}) > 1:
            conflicts += 1
    for m in mnemonics:
        if len({e.format for e in by_mnemonic(m).values()}) > 1:
            conflicts += 1
    return conflicts


def package_original_api(tables: List[Tuple[str, List[OpcodeEntry]]]) -> int:
    registry = OpcodeRegistry()
    for name, entries in tables:
        registry.register_implementation(name, entries)
    return len(ConflictDetector(registry).find_all_conflicts())


def package_check(native_tables: List[ia.Table]) -> int:
    return len(ia.check(native_tables).conflicts)


def timed(fn, *args, repeat: int = 3) -> Tuple[float, int]:
    best = float("inf")
    result = 0
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for n in args.sizes:
        tables = synthetic(n)
        native = [
            ia.Table.from_entries(name, [(e.opcode, e.mnemonic, e.format, e.category, e.description) for e in entries])
            for name, entries in tables
        ]
        # The pure-Python detector takes minutes at 1,000 tables: one run is enough there.
        py_time, py_found = timed(pure_python, tables, repeat=1 if n >= 1000 else args.repeat)
        api_time, api_found = timed(package_original_api, tables, repeat=args.repeat)
        check_time, check_found = timed(package_check, native, repeat=args.repeat)
        rows.append((n, py_time, py_found, api_time, api_found, check_time, check_found))
        print(f"{n}x256: pure Python {py_time:.3f} s ({py_found} conflicts); "
              f"package original API {api_time:.3f} s ({api_found}); check() {check_time:.3f} s ({check_found})",
              flush=True)
    print()
    print("| tables | pure Python (original's algorithm) | package: registry + find_all_conflicts | package: check(tables) | speed-up |")
    print("|---|---|---|---|---|")
    for n, py_t, py_f, api_t, api_f, ch_t, ch_f in rows:
        print(f"| {n:,} × 256 | {py_t:.2f} s ({py_f:,} conflicts) | {api_t:.3f} s ({api_f:,} conflicts) "
              f"| {ch_t:.3f} s | {py_t / api_t:.0f}× / {py_t / ch_t:.0f}× |")


if __name__ == "__main__":
    main()
