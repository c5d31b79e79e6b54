#!/usr/bin/env python3
"""Raw recall and precision of `isa-authority scan` on the real sources of the shared tables.

    score.py SOURCES [--names-reserved]

SOURCES holds one folder per table of ../shared/flux/tables, named like the table (without
`.json`), holding that table's `source_path` file at the table's `commit` (this script fetches
nothing: put the files there yourself; tables without a folder are skipped). Every file is
scanned with the binary in $BIN (default: target/debug/isa-authority) and its entries compared,
as (normalised mnemonic, opcode) pairs, with the union of the reference tables citing that file.
Reference entries without a mnemonic or marked reserved are not expected, and scanned entries
marked reserved are not counted. `--names-reserved` also treats reference entries named like
reservations (RESERVED_1E, RSVD) as reservations: some reference tables list those slots as
instructions and others leave them out.
"""
import glob
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get("BIN", os.path.join(REPO, "target/debug/isa-authority"))
TABLES = os.path.join(REPO, "..", "shared", "flux", "tables")
RES = re.compile(r"(^|_)(RESERVED|RSVD|RSV|RESV|RES)([0-9][0-9A-F]*)?($|_)")


def norm(m):
    return re.sub(r"[^\w.]", "", m.upper())


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        sys.exit(__doc__)
    sources, names_reserved = args[0], "--names-reserved" in sys.argv
    want, got = {}, {}
    for f in sorted(glob.glob(os.path.join(TABLES, "*.json"))):
        name = os.path.basename(f)[:-5]
        folder = os.path.join(sources, name)
        if not os.path.isdir(folder):
            continue
        d = json.load(open(f))
        key = (d["source_repo"], d["source_path"])
        w = want.setdefault(key, set())
        for o in d["opcodes"]:
            if o.get("mnemonic") is None or o.get("opcode") is None or o.get("reserved"):
                continue
            if names_reserved and RES.search(o["mnemonic"].upper()):
                continue
            w.add((norm(o["mnemonic"]), o["opcode"]))
        if key in got:
            continue
        src = os.path.join(folder, os.path.basename(d["source_path"]))
        r = subprocess.run([BIN, "scan", "--format", "json", src], capture_output=True, text=True)
        out = json.loads(r.stdout) if r.stdout.strip() else {"tables": []}
        got[key] = {
            (norm(e["mnemonic"]), e["opcode"])
            for t in out["tables"]
            for e in t["opcodes"]
            if e.get("mnemonic") is not None and not e.get("reserved")
        }
    tw = tg = th = exact = 0
    for key in sorted(want):
        w, g = want[key], got[key]
        h = len(w & g)
        tw, tg, th, exact = tw + len(w), tg + len(g), th + h, exact + (w == g)
        print(f"{h:4}/{len(w):4} found {len(g):4}  {key[0]}:{key[1]}")
    print(
        f"files {len(want)} exact {exact}; expected {tw} found {tg} hits {th}; "
        f"recall {th / max(tw, 1):.3f} precision {th / max(tg, 1):.3f}"
    )


if __name__ == "__main__":
    main()
