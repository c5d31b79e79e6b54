#!/usr/bin/env python3
"""Bounded mutation testing of the isa-authority CLI, driven the way a user drives it.

What it does
------------
Four generators build hostile inputs from real data:

  tables    opcode tables (.json and .toml) mutated from the real FLUX tables
            (../shared/flux/tables beside the repository, or --tables-dir) and the repository's examples:
            byte-level mutations (flip, insert, delete, duplicate a range, truncate),
            plausible ones that keep the table loadable (consistent layouts, escape pages and
            wide opcodes, permuted numbers, awkward but legal names) and hostile ones (nesting
            1k-100k levels deep in values and in ignored keys, huge and
            negative numbers, 65,536+ character strings, NUL/ESC/newline in names, BOMs,
            minified or indented text, duplicated keys, wrong types, huge arrays, random
            `encoding` and `formats` sections, ...).
  sources   files for `scan` in every language it reads (Python, Go, TypeScript, Rust, C, Java,
            Zig, PHP, Ruby, Markdown, plus C++/CUDA/JSON): small opcode-table programs and the
            scanner's fixtures, mutated; deep nesting, long and overflowing constant
            expressions, long names, control characters, random bytes.
  bytecode  inputs for `translate` between a few real table pairs: random bytes, mutated real
            vectors (flux-runtime-python-vectors.json, those that translate), programs built
            from the source table's own instructions, large programs that take the parallel
            walker's path, and FLUX module containers with mutated headers and function tables
            (crates/migrate/src/module.rs).
  aux       alias maps, `arbitrate --decisions` / `--usage` files, capability advertisements
            (binary and JSON) for `negotiate`/`matrix`, `advertise --groups` files and public key
            files for `init`.

Each input is handed to the release binary through the commands a user would run: check
(text/json/sarif), scan, arbitrate, lineage, map, gen --lang each, conform, translate,
advertise and negotiate, migrate plan/guide, and propose into a fresh store (made with keygen
and init) followed, when it succeeds, by approve, declare, verify, show and gen from the
declared version. Files every case shares (an alias map, derived tables for translate, base
advertisements, the template store and keys) are made once in OUT/setup.

Every run has a timeout and is classified:

  ok           exit 0, 1 or 2 and no panic text
  panic        exit 101, or "panicked at" on stderr
  crash        killed by a signal (abort from a stack overflow or a failed allocation, SIGSEGV,
               ...) or an exit code other than 0/1/2/101
  timeout      killed after using --timeout seconds of CPU (or three times that of wall-clock
               time); measuring CPU keeps the verdict independent of the machine's load, and
               runs that finish but took longer than --timeout on the wall clock are listed
               as "slow" in the summary, not as findings
  raw-control  stdout or stderr carries a raw control character (NUL, ESC, other C0/C1 codes,
               DEL, a lone CR) that the run's input files contained, i.e. input text echoed
               without escaping

A run with any finding counts as failed. Every finding's inputs are written to
OUT/findings/<id>/ (the files, case.json, stdout/stderr, and repro.sh which re-runs it), and
OUT/summary.json holds the totals, the findings grouped by command and cause, and the slow
runs. With --minimize (or later, --minimize-existing on the same --out), one representative per
group is shrunk (delta debugging on its main input, keeping the same cause) into
OUT/minimized/<group>/.

The run is deterministic for a given --seed: case i of a generator always gets the same input,
whatever --jobs is (only a run that needs about --timeout seconds of CPU may land on either
side of the limit). It is bounded by --count-* (cases per generator) and --budget-seconds (no
new case starts after the budget; the summary says how many were skipped).

The last line printed is exactly "N passed, M failed" (N runs without findings, M runs with
findings). Exit status: 0 no findings, 1 findings (or an error in this script, listed as a
harness error), 2 bad usage (for example, no binary).

How to run
----------
  cargo build --release -p isa-authority
  python3 tests/mutate/mutate.py        # CI defaults: 1,300 cases, 40-60 s on 2 cores (cap: 90 s)
  python3 tests/mutate/mutate.py --seed 7 --jobs 2 --out /tmp/mut --timeout 2 \\
      --count-tables 20000 --count-sources 5000 --count-bytecode 20000 --count-aux 3000 \\
      --budget-seconds 3000 --max-saved-per-group 25       # the issue's scale: ~50 min here
  python3 tests/mutate/mutate.py --out /tmp/mut --minimize-existing --minimize-seconds 20

Python 3.11+ standard library only (tomllib reads the TOML seeds).
"""

from __future__ import annotations

import argparse
import copy
import datetime
import json
import os
import random
import re
import shlex
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The shared FLUX data sits beside the repository (../shared/flux), in CI as on a checkout.
DEFAULT_SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "flux"

# --------------------------------------------------------------------------------------------
# Values that serialise specially (nesting far beyond what a recursive serialiser could build,
# verbatim text, objects with repeated keys).
# --------------------------------------------------------------------------------------------


class Raw:
    """Text written verbatim (one spelling for JSON, optionally another for TOML)."""

    def __init__(self, json_text: str, toml_text: str | None = None):
        self.json = json_text
        self.toml = json_text if toml_text is None else toml_text


class Deep:
    """`depth` levels of nested arrays or objects around a scalar, written without recursion."""

    def __init__(self, depth: int, kind: str):
        self.depth, self.kind = depth, kind

    def json(self) -> str:
        d = self.depth
        if self.kind == "array":
            return "[" * d + "]" * d
        return '{"a":' * d + "1" + "}" * d

    def toml(self) -> str:
        d = self.depth
        if self.kind == "array":
            return "[" * d + "]" * d
        return "{a = " * d + "1" + "}" * d


class Pairs:
    """An object as a list of (key, value) pairs, so a key may repeat."""

    def __init__(self, items: list):
        self.items = items


def _items(obj):
    return obj.items if isinstance(obj, Pairs) else list(obj.items())


# ---------------------------------------------------------------- JSON writer


def to_json(value, indent=None, ensure_ascii=False) -> str:
    out: list[str] = []
    _json(value, out, indent, 0, ensure_ascii)
    return "".join(out)


class _Special(Exception):
    pass


def _plain(o):
    if isinstance(o, (datetime.date, datetime.datetime, datetime.time)):
        return o.isoformat()
    raise _Special


def _json(v, out, indent, level, asc):
    if isinstance(v, (dict, list)):
        # fast path: a subtree without Raw/Deep/Pairs nodes is json.dumps' job
        try:
            text = json.dumps(v, indent=indent, ensure_ascii=asc, default=_plain,
                              separators=(",", ": ") if indent is not None else (",", ":"))
        except (_Special, TypeError, ValueError):
            pass
        else:
            out.append(text.replace("\n", "\n" + indent * level) if indent is not None and level else text)
            return
    if isinstance(v, Raw):
        out.append(v.json)
    elif isinstance(v, Deep):
        out.append(v.json())
    elif isinstance(v, (dict, Pairs)):
        items = _items(v)
        if not items:
            out.append("{}")
            return
        out.append("{")
        for i, (k, x) in enumerate(items):
            if i:
                out.append(",")
            if indent is not None:
                out.append("\n" + indent * (level + 1))
            out.append(json.dumps(str(k), ensure_ascii=asc))
            out.append(": " if indent is not None else ":")
            _json(x, out, indent, level + 1, asc)
        if indent is not None:
            out.append("\n" + indent * level)
        out.append("}")
    elif isinstance(v, (list, tuple)):
        if not v:
            out.append("[]")
            return
        out.append("[")
        for i, x in enumerate(v):
            if i:
                out.append(",")
            if indent is not None:
                out.append("\n" + indent * (level + 1))
            _json(x, out, indent, level + 1, asc)
        if indent is not None:
            out.append("\n" + indent * level)
        out.append("]")
    elif isinstance(v, (datetime.date, datetime.datetime, datetime.time)):
        out.append(json.dumps(v.isoformat()))
    elif isinstance(v, float):
        out.append(json.dumps(v))  # NaN/Infinity are not JSON: that is the point
    else:
        out.append(json.dumps(v, ensure_ascii=asc))


# ---------------------------------------------------------------- TOML writer

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


_TOML_ESC = {i: "\\u%04X" % i for i in list(range(0x20)) + [0x7F]}
_TOML_ESC.update({ord('"'): '\\"', ord("\\"): "\\\\", ord("\n"): "\\n", ord("\t"): "\\t"})
_SURROGATE = re.compile("[\ud800-\udfff]")


def toml_str(s: str) -> str:
    """A TOML basic string (controls as \\uXXXX; lone surrogates, which TOML cannot hold, as U+FFFD)."""
    s = s.translate(_TOML_ESC)
    if _SURROGATE.search(s):
        s = _SURROGATE.sub("\\\\uFFFD", s)
    return '"' + s + '"'


def toml_key(k) -> str:
    k = str(k)
    return k if _BARE_KEY.fullmatch(k) else toml_str(k)


def toml_inline(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, Raw):
        return v.toml
    if isinstance(v, Deep):
        return v.toml()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v != v:
            return "nan"
        if v in (float("inf"), float("-inf")):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return toml_str(v)
    if isinstance(v, (datetime.date, datetime.datetime, datetime.time)):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        parts = [p for p in (toml_inline(x) for x in v) if p is not None]
        return "[" + ", ".join(parts) + "]"
    if isinstance(v, (dict, Pairs)):
        parts = []
        for k, x in _items(v):
            t = toml_inline(x)
            if t is not None:
                parts.append(f"{toml_key(k)} = {t}")
        return "{ " + ", ".join(parts) + " }" if parts else "{}"
    return toml_str(str(v))


def to_toml(doc, style: str = "inline") -> str:
    """A table document as TOML. style: "inline" (opcodes = [ {...}, ]), "aot" ([[opcodes]])
    or "sections" (nested tables as [a.b] sections)."""
    if not isinstance(doc, (dict, Pairs)):
        return f"value = {toml_inline(doc)}\n"
    lines: list[str] = []
    tables = []
    for k, v in _items(doc):
        if isinstance(v, (dict, Pairs)) and style != "inline":
            tables.append((k, v))
        elif (
            style != "inline"
            and isinstance(v, list)
            and v
            and all(isinstance(e, (dict, Pairs)) for e in v)
        ):
            tables.append((k, v))
        elif k == "opcodes" and isinstance(v, list) and len(v) > 0:
            parts = [toml_inline(e) for e in v]
            lines.append("opcodes = [")
            lines.extend("  " + (p if p is not None else '"null"') + "," for p in parts)
            lines.append("]")
        else:
            t = toml_inline(v)
            if t is not None:
                lines.append(f"{toml_key(k)} = {t}")
    for k, v in tables:
        if isinstance(v, list):
            for e in v:
                lines.append("")
                lines.append(f"[[{toml_key(k)}]]")
                for ek, ev in _items(e):
                    t = toml_inline(ev)
                    if t is not None:
                        lines.append(f"{toml_key(ek)} = {t}")
        else:
            _toml_section(lines, [toml_key(k)], v)
    return "\n".join(lines) + "\n"


def _toml_section(lines, path, v):
    lines.append("")
    lines.append("[" + ".".join(path) + "]")
    sub = []
    for k, x in _items(v):
        if isinstance(x, (dict, Pairs)):
            sub.append((k, x))
            continue
        t = toml_inline(x)
        if t is not None:
            lines.append(f"{toml_key(k)} = {t}")
    for k, x in sub:
        _toml_section(lines, path + [toml_key(k)], x)


# --------------------------------------------------------------------------------------------
# Primitive mutations
# --------------------------------------------------------------------------------------------

INTERESTING_BYTES = [
    b"\x00", b"\x1b", b"\x1b[31m", b"\r", b"\n", b'"', b"'", b"\\", b"[", b"]", b"{", b"}",
    b"=", b",", b":", b"#", b"\xff", b"\xfe", b"\xc0\x80", b"\xef\xbb\xbf", b"\xe2\x80\xae",
    b"\xc2\x9b", b"\x7f", b"0x", b"-", b"9" * 30, b"\t", b"/*", b"*/", b"//", b"\"\"\"",
]


def mutate_bytes(rng: random.Random, data: bytes, rounds: int | None = None) -> tuple[bytes, list[str]]:
    """Byte-level mutations: flip, insert, delete, duplicate a range, truncate, overwrite."""
    b = bytearray(data)
    done = []
    for _ in range(rounds or rng.randint(1, 4)):
        op = rng.choice(["flip", "flip", "insert", "insert", "delete", "dup", "truncate", "set"])
        n = len(b)
        if op == "flip" and n:
            i = rng.randrange(n)
            # mostly low-bit flips, which keep ASCII text ASCII (so the parser gets further)
            b[i] ^= 1 << rng.randrange(7) if rng.random() < 0.8 else rng.randrange(1, 256)
        elif op == "insert":
            i = rng.randint(0, n)
            ins = rng.choice(INTERESTING_BYTES) if rng.random() < 0.6 else rng.randbytes(rng.randint(1, 16))
            b[i:i] = ins
        elif op == "delete" and n:
            i = rng.randrange(n)
            ln = rng.randint(1, max(1, min(n - i, max(1, n // 4))))
            del b[i : i + ln]
        elif op == "dup" and n:
            i = rng.randrange(n)
            ln = rng.randint(1, max(1, min(n - i, 256)))
            times = rng.choice([1, 1, 2, 10, 100, 1000])
            j = rng.randint(0, n)
            b[j:j] = bytes(b[i : i + ln]) * times
        elif op == "truncate" and n:
            del b[rng.randrange(n) :]
        elif op == "set" and n:
            i = rng.randrange(n)
            b[i] = rng.choice([0, 0x1B, 0x7F, 0x80, 0xFF, 0x22, 0x5C, 0x0A, 0x0D])
        else:
            continue
        done.append(op)
    return bytes(b), done


def log_depth(rng: random.Random, lo=1000, hi=100_000) -> int:
    """A depth log-uniformly between lo and hi."""
    return int(round(lo * (hi / lo) ** rng.random()))


HUGE_INTS = [
    2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**32 + 1, 2**53 + 1, 2**63 - 1, 2**63, 2**64 - 1,
    2**64, 2**64 + 1, 2**128, -1, -2, -255, -256, -(2**31), -(2**63), -(2**63) - 1, -(2**64),
    0, 255, 256, 257, 65535, 65536, 0xFFFF_FFFF, 10**30,
]
ODD_NUMBERS = [1.5, -0.0, 1e308, -1e308, 1e-320, 255.0, 3.0e9, float("nan"), float("inf")]


def huge_number(rng: random.Random):
    r = rng.random()
    if r < 0.65:
        return rng.choice(HUGE_INTS)
    if r < 0.85:
        return rng.choice(ODD_NUMBERS)
    digits = rng.choice([20, 40, 400, 5000, 100_000])
    return Raw(rng.choice(["", "-"]) + "9" * digits)


def long_string(rng: random.Random) -> str:
    n = rng.choice([65_536, 65_537, 70_000, 100_000, 300_000])
    kind = rng.choice(["ascii", "upper", "unicode", "combining", "rtl", "emoji", "digits"])
    if kind == "ascii":
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz_") for _ in range(64)) * (n // 64 + 1)
    if kind == "upper":
        return "A" * n
    if kind == "unicode":
        return "\u00e9\u4e2d" * (n // 2)
    if kind == "combining":
        return "A" + "\u0301" * n
    if kind == "rtl":
        return ("\u202eDDA" + "x" * 61) * (n // 64 + 1)
    if kind == "emoji":
        return "\U0001F600" * n
    return "9" * n


CONTROL_CHARS = ["\x00", "\x1b", "\n", "\r", "\x07", "\x08", "\x7f", "\x9b", "\x1b[2J", "\x1b]0;x\x07", "\u2028", "\x0c", "\x0b"]


def control_string(rng: random.Random, base: str = "ADD") -> str:
    s = list(base or "X")
    for _ in range(rng.randint(1, 3)):
        s.insert(rng.randint(0, len(s)), rng.choice(CONTROL_CHARS))
    return "".join(s)


def wrong_type(rng: random.Random):
    choices = [
        "0x18", "24", "", "HALT", True, False, None, [], [1, 2], {}, {"opcode": 1}, 1.5, -1,
        [[["x"]]], {"a": {"b": {}}}, 0, "null", "true", "\x00",
    ]
    v = rng.choice(choices)
    return copy.deepcopy(v)


# --------------------------------------------------------------------------------------------
# Seeds
# --------------------------------------------------------------------------------------------


@dataclass
class TableSeed:
    name: str
    fmt: str  # "json" or "toml"
    text: bytes
    data: dict


@dataclass
class Seeds:
    tables: list[TableSeed]
    real: list[Path]  # real table files (absolute), used as partners
    real_by_name: dict[str, Path]
    vectors: list[bytes]  # flux-runtime-python vectors (the stack-VM vectors decode with neither stack table)
    sources: list[tuple[str, bytes]]  # (relative name, contents) of scanner fixtures


def load_seeds(shared: Path) -> Seeds:
    tables: list[TableSeed] = []
    real: list[Path] = []
    tdir = shared / "tables"
    if tdir.is_dir():
        for p in sorted(tdir.glob("*.json")):
            text = p.read_bytes()
            try:
                data = json.loads(text)
            except ValueError:
                continue
            tables.append(TableSeed(p.stem, "json", text, data))
            real.append(p)
    extra = sorted((REPO / "examples" / "tables").glob("*")) + sorted(
        (REPO / "crates" / "cli" / "tests").glob("[ac]*/*/*.[jt][so][om]*")
    )
    for p in extra:
        if p.suffix not in (".json", ".toml") or p.name.startswith("expected"):
            continue
        text = p.read_bytes()
        try:
            data = json.loads(text) if p.suffix == ".json" else tomllib.loads(text.decode())
        except (ValueError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue
        if isinstance(data, dict) and "opcodes" in data:
            tables.append(TableSeed(p.stem, p.suffix[1:], text, data))
    if not tables:
        raise SystemExit("mutate.py: no seed tables found (looked in %s and examples/)" % tdir)
    vectors: list[bytes] = []
    vp = shared / "vectors" / "flux-runtime-python-vectors.json"
    if vp.is_file():
        for v in json.loads(vp.read_text()):
            vectors.append(bytes(b & 0xFF for b in v.get("bytecode", [])))
    if not vectors:
        vectors = [bytes([0x2B, 1, 0x10, 0, 0x80])]
    sources = []
    fx = REPO / "crates" / "scan" / "tests" / "fixtures"
    for p in sorted(fx.rglob("*")):
        if p.is_file() and not p.name.endswith(".expected"):
            sources.append((str(p.relative_to(fx)), p.read_bytes()))
    return Seeds(tables, real, {p.stem: p for p in real}, vectors, sources)


# --------------------------------------------------------------------------------------------
# Cases and runs
# --------------------------------------------------------------------------------------------


@dataclass
class Run:
    """One invocation. argv[0] is the subcommand; '{ID}' in an argument is replaced by what an
    earlier run captured. `label` names the run in reports (e.g. "check --format sarif")."""

    argv: list[str]
    label: str
    capture: bool = False  # this run's stdout (stripped) becomes {ID}
    only_if_ok: bool = True  # in a chain, skip when the previous run did not exit 0


@dataclass
class Case:
    gen: str
    index: int
    files: dict[str, bytes]  # relative path -> contents (the generated inputs)
    primary: str  # the mutated input, for minimisation
    runs: list[Run]
    note: str = ""
    chain: bool = False  # runs after the first depend on it (propose -> approve -> ...)
    store: bool = False  # copy the template store and keys into the case directory
    dirs: list[str] = field(default_factory=list)  # empty directories to create


@dataclass
class Context:
    """Things generators need besides the seeds: files made during setup."""

    seeds: Seeds
    setup: Path
    pairs: list[tuple[str, str, list[str], str]]  # (from, to, extra args, "python" when the vectors fit)
    ads: list[str]  # base advertisements (absolute paths)
    aliases: str
    programs: dict[str, list[bytes]] = field(default_factory=dict)  # table -> vectors that translate
    specs: dict[str, list[tuple[bytes, int]]] = field(default_factory=dict)  # table -> instructions


LANGS = ["python", "go", "typescript", "rust", "c", "markdown"]
FORMATS3 = ["text", "json", "sarif"]
SEVERITIES = ["critical", "error", "warning", "info", "never"]
STRATEGIES = ["optimal", "voting", "oldest", "largest", "spec"]


# --------------------------------------------------------------------------------------------
# Generator 1: tables
# --------------------------------------------------------------------------------------------

ENTRY_KEYS = ["opcode", "mnemonic", "format", "category", "description", "operands", "reserved",
              "size_bytes", "status", "branch", "source_name"]
TOP_KEYS = ["implementation", "language", "isa_version", "registered", "opcodes", "formats",
            "encoding", "notes"]
IGNORED_KEYS = ["notes", "source_repo", "x_extra", "commit", "metadata"]


def _entries(doc) -> list:
    ops = doc.get("opcodes") if isinstance(doc, dict) else None
    return ops if isinstance(ops, list) else []


def _dict_entries(doc) -> list[dict]:
    return [e for e in _entries(doc) if isinstance(e, dict)]


def m_deep(rng, doc):
    depth = log_depth(rng)
    node = Deep(depth, rng.choice(["array", "object"]))
    where = rng.random()
    ents = _dict_entries(doc)
    if where < 0.35:
        k = rng.choice(IGNORED_KEYS)
        doc[k] = node
        return f"deep {node.kind} x{depth} in ignored top-level key {k}"
    if where < 0.6 and ents:
        e = rng.choice(ents)
        k = rng.choice(["notes", "x_meta", "operands", "description"])
        e[k] = node
        return f"deep {node.kind} x{depth} in entry key {k}"
    if where < 0.85 and ents:
        e = rng.choice(ents)
        k = rng.choice(["opcode", "mnemonic", "format", "size_bytes", "reserved", "status"])
        e[k] = node
        return f"deep {node.kind} x{depth} as entry value {k}"
    k = rng.choice(["opcodes", "formats", "encoding", "implementation", "registered"])
    doc[k] = node
    return f"deep {node.kind} x{depth} as top-level {k}"


def m_huge_number(rng, doc):
    ents = _dict_entries(doc)
    n = huge_number(rng)
    r = rng.random()
    if ents and r < 0.6:
        e = rng.choice(ents)
        k = rng.choice(["opcode", "opcode", "size_bytes", "opcode"])
        e[k] = n
        return f"huge number in entry {k}"
    if r < 0.8:
        doc.setdefault("encoding", {})
        enc = doc["encoding"] if isinstance(doc["encoding"], dict) else {}
        doc["encoding"] = enc
        k = rng.choice(["escapes", "opcode_bytes"])
        enc[k] = [n] if k == "escapes" else n
        return f"huge number in encoding.{k}"
    fmts = doc.get("formats")
    if not isinstance(fmts, dict):
        fmts = doc["formats"] = {}
    fmts["Z"] = {"size": n if rng.random() < 0.5 else 4,
                 "fields": [{"name": "x", "bits": n if rng.random() < 0.7 else 8, "kind": "imm"}]}
    for e in ents[: rng.randint(0, 5)]:
        e["format"] = "Z"
    return "huge number in a format"


def m_long_string(rng, doc):
    s = long_string(rng)
    ents = _dict_entries(doc)
    if ents and rng.random() < 0.7:
        e = rng.choice(ents)
        k = rng.choice(["mnemonic", "mnemonic", "format", "category", "description", "source_name",
                        "status", "branch", "operands"])
        e[k] = s
        return f"long string ({len(s)}) in entry {k}"
    k = rng.choice(["implementation", "language", "isa_version", "registered", "notes"])
    doc[k] = s
    return f"long string ({len(s)}) in {k}"


def m_control(rng, doc):
    ents = _dict_entries(doc)
    raw = rng.random() < 0.25  # unescaped in the file text (invalid JSON, verbatim TOML)
    if ents and rng.random() < 0.75:
        e = rng.choice(ents)
        k = rng.choice(["mnemonic", "mnemonic", "format", "category", "description", "source_name",
                        "branch", "status"])
        base = e.get(k) if isinstance(e.get(k), str) else "ADD"
        s = control_string(rng, base)
        e[k] = Raw(json.dumps(s, ensure_ascii=False).replace("\\u001b", "\x1b").replace("\\u0000", "\x00"),
                   '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"') if raw else s
        return f"control characters in entry {k}" + (" (raw)" if raw else "")
    k = rng.choice(["implementation", "implementation", "language", "isa_version", "notes"])
    base = doc.get(k) if isinstance(doc.get(k), str) else "vm"
    s = control_string(rng, base)
    doc[k] = Raw('"' + s + '"', '"' + s + '"') if raw else s
    if k == "implementation" or rng.random() < 0.3:
        fmts = doc.get("formats")
        if isinstance(fmts, dict) and rng.random() < 0.5:
            fmts[control_string(rng, "Q")] = {"size": 2, "fields": [{"name": control_string(rng, "rd"), "bits": 8, "kind": "reg"}]}
    return f"control characters in {k}" + (" (raw)" if raw else "")


def m_duplicate_keys(rng, doc):
    ents = _dict_entries(doc)
    if ents and rng.random() < 0.7:
        i = rng.randrange(len(doc["opcodes"]))
        e = doc["opcodes"][i]
        if not isinstance(e, dict):
            return "no-op"
        items = list(e.items())
        k = rng.choice(["opcode", "mnemonic", "format", "reserved"])
        items.append((k, rng.choice([e.get(k, 1), 7, "NOP", None, True])))
        rng.shuffle(items)
        doc["opcodes"][i] = Pairs(items)
        return f"duplicated key {k} in an entry"
    items = list(doc.items())
    k = rng.choice(["implementation", "opcodes", "formats", "encoding"])
    items.append((k, copy.deepcopy(doc.get(k, "dup"))))
    doc.clear()
    doc["__pairs__"] = Pairs(items)
    return f"duplicated top-level key {k}"


def m_wrong_type(rng, doc):
    ents = _dict_entries(doc)
    r = rng.random()
    if ents and r < 0.6:
        e = rng.choice(ents)
        k = rng.choice(ENTRY_KEYS)
        e[k] = wrong_type(rng)
        return f"wrong type for entry {k}"
    if r < 0.75 and _entries(doc):
        i = rng.randrange(len(doc["opcodes"]))
        doc["opcodes"][i] = wrong_type(rng)
        return "an entry of the wrong type"
    k = rng.choice(TOP_KEYS)
    doc[k] = wrong_type(rng)
    return f"wrong type for top-level {k}"


def m_huge_array(rng, doc):
    n = rng.choice([1000, 5000, 20_000, 65_536, 65_537, 100_000, 200_000])
    kind = rng.choice(["repeat", "distinct", "wide", "random", "notes", "escapes", "fields"])
    ents = _dict_entries(doc) or [{"opcode": 0, "mnemonic": "NOP", "format": "A"}]
    if kind == "repeat":
        doc["opcodes"] = [dict(ents[i % len(ents)]) for i in range(n)]
    elif kind == "distinct":
        doc["opcodes"] = [{"opcode": i, "mnemonic": f"OP{i}", "format": rng.choice("ABCDEFG")} for i in range(n)]
        if rng.random() < 0.6:
            doc["encoding"] = {"opcode_bytes": rng.choice([2, 3, 4]), "byte_order": rng.choice(["big", "little"])}
    elif kind == "wide":
        doc["encoding"] = {"escapes": [0xFF]}
        doc["opcodes"] = [{"opcode": 0xFF00 | (i & 0xFF), "mnemonic": f"W{i}"} for i in range(min(n, 70_000))]
    elif kind == "random":
        bits = rng.choice([8, 16, 32])
        doc["opcodes"] = [{"opcode": rng.getrandbits(bits), "mnemonic": "M%X" % rng.getrandbits(rng.choice([4, 12, 24]))}
                          for _ in range(n)]
    elif kind == "notes":
        doc["notes"] = ["note %d" % i for i in range(n)]
    elif kind == "escapes":
        doc["encoding"] = {"escapes": [rng.randrange(1 << rng.choice([8, 16, 24])) for _ in range(min(n, 20_000))]}
    else:
        doc["formats"] = {"F": {"size": rng.choice([4, 1000, 65_536]),
                                "fields": [{"name": f"f{i}", "bits": rng.choice([1, 8, 0]), "kind": "imm"} for i in range(min(n, 20_000))]}}
        for e in ents[:20]:
            e["format"] = "F"
    return f"huge array ({kind}, {n})"


def random_escapes(rng) -> list:
    out = []
    for _ in range(rng.randint(0, 6)):
        w = rng.choice([1, 1, 2, 2, 3, 4, 5])
        hi = rng.choice([0x0F, 0xFF, 0xFE, 0x00, rng.randrange(256)])
        v = hi
        for _ in range(w - 1):
            v = (v << 8) | rng.choice([0x38, 0x3A, 0x00, 0xFF, rng.randrange(256)])
        out.append(v)
    if out and rng.random() < 0.3:
        out.append(rng.choice(out))
    if rng.random() < 0.1:
        out.append(huge_number(rng))
    return out


def m_encoding(rng, doc):
    enc: dict = {}
    r = rng.random()
    if r < 0.45:
        enc["escapes"] = random_escapes(rng)
    elif r < 0.8:
        enc["opcode_bytes"] = rng.choice([0, 1, 2, 3, 4, 5, 8, 255, -1, 2**32])
        if rng.random() < 0.7:
            enc["byte_order"] = rng.choice(["big", "little", "middle", "", "BIG", 1, None])
    else:
        enc["escapes"] = random_escapes(rng)
        enc["opcode_bytes"] = rng.choice([1, 2])
    if rng.random() < 0.15:
        enc[rng.choice(["escape", "opcode_byte", "bytes", "x"])] = 1
    doc["encoding"] = enc
    esc = [e for e in enc.get("escapes", []) if isinstance(e, int) and 0 <= e < 1 << 32]
    for e in _dict_entries(doc):
        if rng.random() < 0.3:
            if esc and rng.random() < 0.7:
                e["opcode"] = (rng.choice(esc) << 8) | rng.randrange(256)
            else:
                e["opcode"] = rng.randrange(1 << rng.choice([8, 9, 16, 24, 32]))
    return f"encoding {json.dumps(enc, default=str)[:80]}"


FIELD_KINDS = ["reg", "imm", "simm", "rel", "len"]


def random_layout(rng) -> dict:
    fields = []
    for i in range(rng.choice([0, 1, 2, 3, 3, 4, 8, 40])):
        f = {"name": rng.choice(["rd", "rs1", "rs2", "imm", "off", "len", f"f{i}", "", "rd"]),
             "bits": rng.choice([1, 4, 7, 8, 8, 8, 12, 16, 16, 24, 31, 32, 33, 64, 0, -8, 256]),
             "kind": rng.choice(FIELD_KINDS + ["bogus", ""]) if rng.random() < 0.95 else 3}
        if rng.random() < 0.05:
            del f[rng.choice(list(f))]
        fields.append(f)
    lay = {"size": rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 16, 255, 256, 65_536, -1, 2**32]) if rng.random() < 0.9 else "4",
           "fields": fields}
    if rng.random() < 0.3:
        lay["endian"] = rng.choice(["little", "big", "middle", 0])
    if rng.random() < 0.05:
        lay["extra"] = True
    return lay


def m_formats(rng, doc):
    fmts: dict = {}
    for _ in range(rng.randint(1, 6)):
        letter = rng.choice(["A", "B", "C", "D", "E", "F", "G", "J", "X", "D2", "X(2)", "", "ab", "\u00c9", "*/"])
        fmts[letter] = random_layout(rng)
    doc["formats"] = fmts
    for e in _dict_entries(doc):
        if rng.random() < 0.4:
            e["format"] = rng.choice(list(fmts))
            if rng.random() < 0.3:
                f = rng.choice(fmts[e["format"]].get("fields") or [{"name": "nope"}])
                e["branch"] = f.get("name", "off") if isinstance(f, dict) else "off"
    return f"formats {sorted(fmts)}"


def m_renumber(rng, doc):
    ents = _dict_entries(doc)
    if not ents:
        return "no-op"
    kind = rng.choice(["shuffle", "same", "wide", "null-names", "reserved", "status", "size", "dup-entry", "drop-key"])
    if kind == "shuffle":
        nums = [e.get("opcode") for e in ents]
        rng.shuffle(nums)
        for e, n in zip(ents, nums):
            e["opcode"] = n
    elif kind == "same":
        v = rng.randrange(256)
        for e in rng.sample(ents, min(len(ents), rng.randint(2, 20))):
            e["opcode"] = v
    elif kind == "wide":
        for e in rng.sample(ents, min(len(ents), rng.randint(1, 10))):
            e["opcode"] = rng.choice([0x100, 0xFF05, 0x0F38, 0x10000, 0xFFFFFFFF, 0x1_0000_0000])
    elif kind == "null-names":
        for e in rng.sample(ents, min(len(ents), rng.randint(1, 10))):
            e["mnemonic"] = rng.choice([None, "", " ", "nop", "N O P", "ADD"])
    elif kind == "reserved":
        for e in rng.sample(ents, min(len(ents), rng.randint(1, 10))):
            e["reserved"] = rng.choice([True, False, "yes", 1])
    elif kind == "status":
        for e in rng.sample(ents, min(len(ents), rng.randint(1, 10))):
            e["status"] = rng.choice(["proposed", "stable", "deprecated", "removed", "gone", ""])
    elif kind == "size":
        for e in rng.sample(ents, min(len(ents), rng.randint(1, 10))):
            e["size_bytes"] = rng.choice([0, 1, 2, 3, 4, 5, 255, 256, -1, 2**32])
            if rng.random() < 0.5:
                e.pop("format", None)
    elif kind == "dup-entry":
        e = rng.choice(ents)
        doc["opcodes"].extend(copy.deepcopy(e) for _ in range(rng.randint(1, 5)))
    else:
        e = rng.choice(ents)
        e.pop(rng.choice(["opcode", "mnemonic", "format"]), None)
    return f"renumber ({kind})"


def m_top(rng, doc):
    kind = rng.choice(["no-opcodes", "empty-opcodes", "no-impl", "registered", "empty-doc", "opcodes-object"])
    if kind == "no-opcodes":
        doc.pop("opcodes", None)
    elif kind == "empty-opcodes":
        doc["opcodes"] = []
    elif kind == "no-impl":
        doc.pop("implementation", None)
    elif kind == "registered":
        doc["registered"] = rng.choice(["2026-02-30", "0000-00-00", "99999-01-01", "2026-13-01", "yesterday",
                                        "2026-01-01T00:00:00Z", datetime.date(1, 1, 1), datetime.date(9999, 12, 31),
                                        "-2026-01-01", 20260101])
    elif kind == "empty-doc":
        doc.clear()
    else:
        doc["opcodes"] = {str(i): e for i, e in enumerate(_entries(doc)[:50])}
    return f"top-level ({kind})"


# Plausible mutations keep a table loadable (valid types, one number per entry, consistent
# layouts), so the commands get past the reader into arbitration, code generation, encoding
# and translation.

UNIFIED_SIZES = {"A": 1, "B": 2, "C": 2, "D": 3, "E": 4, "F": 4, "G": 5}
INTERP_SIZES = {"A": 1, "B": 2, "C": 3, "D": 4, "E": 4}


def valid_layout(rng) -> dict:
    """A layout whose fields fit its size (opcode takes the rest, at least 8 bits)."""
    fields = []
    names = iter(["rd", "rs1", "rs2", "imm", "off", "len", "x", "y", "z", "w"])
    for _ in range(rng.randint(0, 4)):
        kind = rng.choice(["reg", "reg", "imm", "simm", "rel", "len"])
        bits = rng.choice([8, 8, 16, 16, 24, 32]) if kind != "reg" else rng.choice([8, 8, 4])
        fields.append({"name": next(names), "bits": bits, "kind": kind})
    if sum(f["bits"] for f in fields) % 8:
        fields.append({"name": "pad", "bits": 4, "kind": "imm"})
    op_bits = rng.choice([8, 8, 8, 16])
    lay = {"size": (op_bits + sum(f["bits"] for f in fields)) // 8, "fields": fields}
    if rng.random() < 0.3:
        lay["endian"] = rng.choice(["little", "big"])
    return lay


def p_layouts(rng, doc):
    fmts = doc.get("formats") if isinstance(doc.get("formats"), dict) else {}
    letters = rng.sample(["A", "B", "C", "D", "E", "F", "G", "J", "K", "X", "D2", "R"], rng.randint(1, 4))
    for letter in letters:
        fmts[letter] = valid_layout(rng)
    doc["formats"] = fmts
    for e in _dict_entries(doc):
        if rng.random() < 0.4:
            e["format"] = rng.choice(letters)
            rel = [f["name"] for f in fmts[e["format"]]["fields"] if f["kind"] == "rel"]
            if rel and rng.random() < 0.7:
                e["branch"] = rel[0]
    return f"valid layouts {letters}"


def _unique_numbers(doc) -> None:
    """Drops entries whose number repeats (keeps the first)."""
    seen, keep = set(), []
    for e in _entries(doc):
        n = e.get("opcode") if isinstance(e, dict) else None
        if n in seen:
            continue
        seen.add(n)
        keep.append(e)
    doc["opcodes"] = keep


def p_encoding(rng, doc):
    ents = _dict_entries(doc)
    kind = rng.choice(["escape-page", "nested-escapes", "two-bytes", "four-bytes-little"])
    if kind == "escape-page":
        esc = rng.choice([0xFF, 0xFE, 0x0F, 0xF0])
        doc["encoding"] = {"escapes": [esc]}
        for e in ents:
            if e.get("opcode") == esc:
                e["opcode"] = esc << 8
            elif rng.random() < 0.3 and isinstance(e.get("opcode"), int):
                e["opcode"] = (esc << 8) | rng.randrange(256)
    elif kind == "nested-escapes":
        doc["encoding"] = {"escapes": [0x0F, 0x0F38, 0x0F3A]}
        for e in ents:
            if e.get("opcode") == 0x0F:
                e["opcode"] = 0x0F00
            elif rng.random() < 0.3:
                e["opcode"] = rng.choice([0x0F38, 0x0F3A]) << 8 | rng.randrange(256)
    elif kind == "two-bytes":
        doc["encoding"] = {"opcode_bytes": 2, "byte_order": rng.choice(["big", "little"])}
        for e in ents:
            if rng.random() < 0.3:
                e["opcode"] = rng.randrange(65536)
    else:
        doc["encoding"] = {"opcode_bytes": 4, "byte_order": "little"}
        for e in ents:
            if rng.random() < 0.3:
                e["opcode"] = rng.randrange(1 << 32)
    _unique_numbers(doc)
    return f"valid encoding ({kind})"


def p_permute(rng, doc):
    ents = [e for e in _dict_entries(doc) if isinstance(e.get("opcode"), int)]
    nums = [e["opcode"] for e in ents]
    kind = rng.choice(["shuffle", "swap", "shift", "drop", "add"])
    if kind == "shuffle":
        rng.shuffle(nums)
    elif kind == "swap" and len(nums) > 1:
        i, j = rng.sample(range(len(nums)), 2)
        nums[i], nums[j] = nums[j], nums[i]
    elif kind == "shift":
        free = sorted(set(range(256)) - set(nums))
        for i in range(len(nums)):
            if free and rng.random() < 0.2:
                nums[i] = free.pop(rng.randrange(len(free)))
    elif kind == "drop" and ents:
        for e in rng.sample(ents, min(len(ents), rng.randint(1, max(1, len(ents) // 2)))):
            doc["opcodes"].remove(e)
        return "plausible (drop entries)"
    elif kind == "add":
        free = sorted(set(range(256)) - set(nums))
        for _ in range(min(len(free), rng.randint(1, 20))):
            n = free.pop(rng.randrange(len(free)))
            doc.setdefault("opcodes", []).append({"opcode": n, "mnemonic": rng.choice(MNEMONIC_POOL) + str(n),
                                                   "format": rng.choice("ABCDEFG")})
        return "plausible (add entries)"
    for e, n in zip(ents, nums):
        e["opcode"] = n
    return f"plausible ({kind} numbers)"


MNEMONIC_POOL = ["ADD", "IADD", "MEM.load", "2D_SCALE", "SELF", "class", "fn", "return", "select", "type",
                 "NULL", "None", "Op", "_", "__init__", "a-b", "x y", "MEM_LOAD", "MemLoad", "OpMemLoad",
                 "\u00c9T\u00c9", "ÉTÉ", "中文", "Á", "İ", "ſ", "ﬁ", "*/",
                 "/*", '"', "'", "\\", "${x}", "#{x}", "`x`", "<script>", "%s", "{}", "0x10", "u8", "ALL", "RESERVED",
                 "Opcode", "String", "Display", "from", "import", "package", "enum", "static", "volatile"]


def p_names(rng, doc):
    ents = _dict_entries(doc)
    kind = rng.choice(["pool", "pool", "long", "case", "collide", "text"])
    for e in rng.sample(ents, min(len(ents), rng.randint(1, 12))):
        if kind == "pool":
            e["mnemonic"] = rng.choice(MNEMONIC_POOL)
        elif kind == "long":
            e["mnemonic"] = "M" * rng.choice([256, 4096, 65_536, 70_000])
        elif kind == "case":
            m = e.get("mnemonic")
            if isinstance(m, str):
                e["mnemonic"] = m.swapcase()
        elif kind == "collide":
            e["mnemonic"] = rng.choice(["MEM_LOAD", "MEM.load", "MemLoad", "mem-load", "MEM LOAD"])
        else:
            k = rng.choice(["description", "category", "operands", "source_name"])
            e[k] = rng.choice(["*/ int x; /*", '"; drop table; --', "\\\"", "${{7*7}}", "\u2028\u2029",
                               " ", "line one\nline two", "x" * 70_000, "‮evil", "`rm -rf`", "</script>"])
    return f"plausible names ({kind})"


def p_meta(rng, doc):
    kind = rng.choice(["isa_version", "registered", "language", "implementation", "status", "size_bytes"])
    if kind == "isa_version":
        doc["isa_version"] = rng.choice(["FLUX ISA v2.0", "v999999999999999999999.0", "1.2.3-rc.1+build.5", "v0",
                                         "2.0 and 3.0", "247 opcodes", "", "v1.2.3.4.5", "v01.02", "1.0.0-é",
                                         "18446744073709551616.0.0", "v" + "9" * 300])
    elif kind == "registered":
        doc["registered"] = rng.choice(["2026-02-03", "1970-01-01", "9999-12-31", "2000-02-29", "0001-01-01"])
    elif kind == "language":
        doc["language"] = rng.choice(["Go", "Rust", "C", "C++", "CUDA", "Python", "TypeScript", "Zig", "Klingon", ""])
    elif kind == "implementation":
        doc["implementation"] = rng.choice(["canonical", "a", "x" * 300, "has space", "é", "../../etc", "-", "--help",
                                            "CON", "a/b", "."])
    elif kind == "status":
        for e in rng.sample(_dict_entries(doc), min(len(_dict_entries(doc)), rng.randint(1, 10))):
            if rng.random() < 0.5:
                e["status"] = rng.choice(["proposed", "stable", "deprecated", "removed"])
            else:
                e["reserved"] = True
                if rng.random() < 0.5:
                    e.pop("mnemonic", None)
    else:
        for e in rng.sample(_dict_entries(doc), min(len(_dict_entries(doc)), rng.randint(1, 10))):
            e["size_bytes"] = rng.randint(1, 16)
            if rng.random() < 0.6:
                e.pop("format", None)
    return f"plausible ({kind})"


PLAUSIBLE = [(p_layouts, 3), (p_encoding, 2), (p_permute, 3), (p_names, 3), (p_meta, 2)]

STRUCTURAL = [
    (m_deep, 3), (m_huge_number, 3), (m_long_string, 2), (m_control, 4), (m_duplicate_keys, 2),
    (m_wrong_type, 3), (m_huge_array, 1), (m_encoding, 3), (m_formats, 4), (m_renumber, 4), (m_top, 1),
]


def weighted(rng, items):
    total = sum(w for _, w in items)
    r = rng.random() * total
    for it, w in items:
        r -= w
        if r < 0:
            return it
    return items[-1][0]


def serialize_table(rng, doc, fmt: str) -> tuple[bytes, str]:
    """Write a (mutated) document as JSON or TOML, in a random style."""
    if isinstance(doc, dict) and "__pairs__" in doc:
        doc = Pairs(doc["__pairs__"].items + [(k, v) for k, v in doc.items() if k != "__pairs__"])
    if fmt == "json":
        style = rng.choice(["indent2", "indent1", "minified", "tabs", "crlf"])
        indent = {"indent2": "  ", "indent1": " ", "minified": None, "tabs": "\t", "crlf": "  "}[style]
        text = to_json(doc, indent=indent, ensure_ascii=rng.random() < 0.3)
        if style == "crlf":
            text = text.replace("\n", "\r\n")
    else:
        style = rng.choice(["inline", "aot", "sections"])
        text = to_toml(doc, style)
    return text.encode("utf-8", "surrogatepass"), f"{fmt}/{style}"


def add_bom(rng, data: bytes) -> tuple[bytes, str]:
    kind = rng.choice(["utf8", "utf8", "double", "utf16le", "utf16be", "middle"])
    if kind == "utf8":
        return b"\xef\xbb\xbf" + data, "UTF-8 BOM"
    if kind == "double":
        return b"\xef\xbb\xbf\xef\xbb\xbf" + data, "two UTF-8 BOMs"
    if kind == "utf16le":
        return b"\xff\xfe" + data.decode("utf-8", "replace").encode("utf-16-le"), "UTF-16LE with BOM"
    if kind == "utf16be":
        return b"\xfe\xff" + data.decode("utf-8", "replace").encode("utf-16-be"), "UTF-16BE with BOM"
    i = rng.randint(0, len(data))
    return data[:i] + b"\xef\xbb\xbf" + data[i:], "BOM in the middle"


def make_table(rng: random.Random, seeds: Seeds) -> tuple[bytes, str, str, dict | None]:
    """One mutated table: (bytes, extension, description, the document before serialising)."""
    seed = rng.choice(seeds.tables)
    doc = copy.deepcopy(seed.data)
    fmt = seed.fmt if rng.random() < 0.5 else rng.choice(["json", "toml"])
    notes = [f"seed {seed.name}.{seed.fmt}"]
    r = rng.random()
    if r < 0.25:
        # byte level, on the original text or a re-serialisation
        if fmt == seed.fmt and rng.random() < 0.6:
            text = seed.text
        else:
            text, style = serialize_table(rng, doc, fmt)
            notes.append(style)
        text, ops = mutate_bytes(rng, text)
        notes.append("bytes: " + ",".join(ops))
    elif r < 0.6:
        # plausible: the table stays loadable
        for _ in range(rng.choice([1, 1, 2, 2, 3])):
            if not isinstance(doc, dict):
                break
            notes.append(weighted(rng, PLAUSIBLE)(rng, doc))
        if rng.random() < 0.2 and isinstance(doc, dict):
            notes.append(weighted(rng, STRUCTURAL)(rng, doc))
        text, style = serialize_table(rng, doc, fmt)
        notes.append(style)
    else:
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
            mut = weighted(rng, STRUCTURAL)
            if not isinstance(doc, dict):
                break
            notes.append(mut(rng, doc))
        text, style = serialize_table(rng, doc, fmt)
        notes.append(style)
        if rng.random() < 0.08:
            text, ops = mutate_bytes(rng, text, 1)
            notes.append("bytes: " + ",".join(ops))
    if rng.random() < 0.07:
        text, what = add_bom(rng, text)
        notes.append(what)
    ext = fmt if rng.random() < 0.95 else {"json": "toml", "toml": "json"}[fmt]
    return text, ext, "; ".join(notes), doc


def instruction_specs(doc, scheme: str = "flux-unified") -> list[tuple[bytes, int]]:
    """(opcode bytes, operand bytes) of each instruction of a table, as far as this script can
    tell: declared layouts first, then the scheme's letters, then size_bytes. Approximate on
    purpose; the binary is the judge."""
    if not isinstance(doc, dict):
        return []
    letters = UNIFIED_SIZES if scheme == "flux-unified" else INTERP_SIZES
    fmts = doc.get("formats") if isinstance(doc.get("formats"), dict) else {}
    enc = doc.get("encoding") if isinstance(doc.get("encoding"), dict) else {}
    width = enc.get("opcode_bytes") if isinstance(enc.get("opcode_bytes"), int) and 0 < enc.get("opcode_bytes") <= 4 else None
    little = enc.get("byte_order") == "little"
    out = []
    for e in _dict_entries(doc):
        op, fmt = e.get("opcode"), e.get("format")
        if not isinstance(op, int) or isinstance(op, bool) or not 0 <= op < 1 << 32 or e.get("reserved") is True:
            continue
        lay = fmts.get(fmt) if isinstance(fmt, str) else None
        if isinstance(lay, dict) and isinstance(lay.get("size"), int) and isinstance(lay.get("fields"), list):
            bits = sum(f.get("bits", 0) for f in lay["fields"] if isinstance(f, dict) and isinstance(f.get("bits"), int))
            operands = max(0, bits // 8)
        elif isinstance(fmt, str) and fmt in letters:
            operands = letters[fmt] - 1
        elif isinstance(e.get("size_bytes"), int) and 0 < e["size_bytes"] <= 64:
            operands = e["size_bytes"] - 1
        else:
            continue
        if not 0 <= operands <= 64:  # a hostile layout (bits = 2**64, ...) is no program's
            continue
        w = width or max(1, (op.bit_length() + 7) // 8)
        try:
            ob = op.to_bytes(w, "little" if little else "big")
        except OverflowError:
            continue
        out.append((ob, operands))
    return out


def program_for(rng, specs: list[tuple[bytes, int]], n: int | None = None) -> tuple[bytes, list[int]]:
    """A program of the table's own instructions with random operands, and where each starts."""
    if not specs:
        return rng.randbytes(rng.randint(0, 64)), []
    out, starts = bytearray(), []
    for ob, k in rng.choices(specs, k=n or rng.randint(1, 60)):
        starts.append(len(out))
        out += ob
        if k:
            out += bytes(rng.choices(OPERAND_BYTES, k=k))
    return bytes(out), starts


# operand bytes: edge values often, anything sometimes
OPERAND_BYTES = [0, 0, 0, 1, 2, 0x7F, 0x80, 0xFF] + list(range(256))


def permuted_copy(rng, doc) -> dict:
    """The same table under another name with its numbers permuted: a translation target that
    holds every instruction, sometimes with one layout resized."""
    other = copy.deepcopy(doc)
    other["implementation"] = "permuted"
    ents = [e for e in _dict_entries(other) if isinstance(e.get("opcode"), int)]
    nums = [e["opcode"] for e in ents]
    rng.shuffle(nums)
    for e, n in zip(ents, nums):
        e["opcode"] = n
    if rng.random() < 0.3:
        fmts = other.get("formats") if isinstance(other.get("formats"), dict) else {}
        fmts[rng.choice("ABCDE")] = valid_layout(rng)
        other["formats"] = fmts
    return other


def table_runs(rng: random.Random, ctx: Context, path: str) -> tuple[list[Run], bool, bool]:
    """The commands a user would run on one table. Returns (runs, chain, needs store)."""
    partner = str(rng.choice(ctx.seeds.real)) if ctx.seeds.real else str(REPO / "examples/tables")
    r = rng.random()
    if r < 0.22:
        fmt = rng.choice(FORMATS3)
        argv = ["check", path, "--format", fmt]
        if rng.random() < 0.4:
            argv.insert(2, partner)
        if rng.random() < 0.3:
            argv += ["--fail-on", rng.choice(SEVERITIES)]
        if rng.random() < 0.2:
            argv += ["--no-info"]
        if rng.random() < 0.15:
            argv += ["--aliases", ctx.aliases]
        return [Run(argv, f"check --format {fmt}")], False, False
    if r < 0.32:
        strat = rng.choice(STRATEGIES)
        argv = ["arbitrate", path, partner, "--strategy", strat]
        if strat == "spec":
            argv += ["--spec", Path(partner).stem]
        if rng.random() < 0.5:
            argv += ["--format", "json"]
        if rng.random() < 0.4:
            argv += ["-o", rng.choice(["canon.toml", "canon.json"])]
        return [Run(argv, "arbitrate")], False, False
    if r < 0.36:
        argv = ["lineage", path, partner] + (["--format", "json"] if rng.random() < 0.5 else [])
        return [Run(argv, "lineage")], False, False
    if r < 0.40:
        out = rng.choice(["map.svg", "map.html"])
        argv = ["map", path, partner, "-o", out]
        if rng.random() < 0.4:
            argv += ["--against", partner]
        return [Run(argv, "map")], False, False
    if r < 0.55:
        lang = rng.choice(LANGS)
        argv = ["gen", "--lang", lang, path]
        if rng.random() < 0.3:
            argv += ["--scheme", rng.choice(["flux-unified", "flux-interpreter"])]
        return [Run(argv, f"gen --lang {lang}")], False, False
    if r < 0.62:
        fmt = rng.choice(FORMATS3)
        if rng.random() < 0.5:
            argv = ["conform", partner, "--against", path, "--format", fmt]
        else:
            argv = ["conform", path, "--against", partner, "--format", fmt]
        return [Run(argv, f"conform --format {fmt}")], False, False
    if r < 0.70:
        if rng.random() < 0.5:
            argv = ["advertise", path, "-o", "ad.bin"]
        else:
            argv = ["advertise", path, "--format", "json"]
        if rng.random() < 0.2:
            argv += ["--digest-only"]
        runs = [Run(argv, "advertise")]
        if "ad.bin" in argv:
            runs.append(Run(["negotiate", "ad.bin", rng.choice(ctx.ads), "--format", rng.choice(["text", "json"])], "negotiate"))
            return runs, True, False
        return runs, False, False
    if r < 0.78:
        sub = rng.choice(["plan", "plan", "guide"])
        if sub == "plan":
            a, b = (path, partner) if rng.random() < 0.5 else (partner, path)
            argv = ["migrate", "plan", a, b] + (["--format", "json"] if rng.random() < 0.5 else [])
        else:
            argv = ["migrate", "guide", path, "--to", partner]
        return [Run(argv, f"migrate {sub}")], False, False
    if r < 0.86:
        # into (or out of) a permuted copy of the same table, with a program in its own numbering
        a, b = (path, "permuted.json") if rng.random() < 0.7 else ("permuted.json", path)
        argv = ["translate", "--from", a, "--to", b, "prog.bin", "out.bin"]
        if rng.random() < 0.3:
            argv += ["--scheme", rng.choice(["flux-unified", "flux-interpreter"])]
        if rng.random() < 0.3:
            argv += ["--format", "json"]
        return [Run(argv, "translate")], False, False
    # propose into a fresh store, then the rest of the declaration workflow
    runs = [
        Run(["propose", path, "--version", rng.choice(["1.0.0", "0.0.1", "1.0.0-rc.1"]), "--message", "mutated"], "propose", capture=True),
        Run(["approve", "{ID}", "--key", "keys/alice.key"], "approve"),
        Run(["declare", "{ID}"], "declare"),
        Run(["verify"], "verify"),
        Run(["show", "latest", "--format", "json"], "show"),
        Run(["gen", "--lang", rng.choice(LANGS), "latest"], "gen (store version)"),
    ]
    return runs, True, True


def gen_table_case(rng: random.Random, ctx: Context, index: int) -> Case:
    text, ext, note, doc = make_table(rng, ctx.seeds)
    name = f"table.{ext}"
    runs, chain, store = table_runs(rng, ctx, name)
    files = {name: text}
    if any("prog.bin" in r.argv for r in runs):
        scheme = "flux-interpreter" if "flux-interpreter" in runs[0].argv else "flux-unified"
        files["permuted.json"] = to_json(permuted_copy(rng, doc) if isinstance(doc, dict) else {}).encode("utf-8", "surrogatepass")
        prog, _ = program_for(rng, instruction_specs(doc, scheme))
        if rng.random() < 0.2:
            prog = mutate_bytes(rng, prog, 1)[0]
        files["prog.bin"] = prog
    return Case("tables", index, files, name, runs, note, chain=chain, store=store)


# --------------------------------------------------------------------------------------------
# Generator 2: source files for scan
# --------------------------------------------------------------------------------------------

SRC_EXT = {
    "python": ".py", "go": ".go", "typescript": ".ts", "javascript": ".js", "rust": ".rs", "c": ".h",
    "cpp": ".hpp", "cuda": ".cu", "java": ".java", "zig": ".zig", "php": ".php", "ruby": ".rb",
    "markdown": ".md", "json": ".json",
}
MNEMONICS = ["HALT", "NOP", "MOV", "MOVI", "ADD", "SUB", "MUL", "DIV", "JMP", "JZ", "JNZ", "CALL",
             "RET", "PUSH", "POP", "LOAD", "STORE", "CMP", "INC", "DEC", "AND", "OR", "XOR", "SHL",
             "SHR", "NOT", "NEG", "PRINT", "YIELD", "SEND", "RECV", "SYNC"]


def random_ops(rng) -> list[tuple[str, int]]:
    n = rng.randint(3, 24)
    names = rng.sample(MNEMONICS, min(n, len(MNEMONICS)))
    start = rng.choice([0, 0, 0x10, 0x20, 0x80])
    vals = list(range(start, start + len(names))) if rng.random() < 0.7 else sorted(rng.sample(range(256), len(names)))
    return list(zip(names, vals))


def camel(name: str) -> str:
    return name[:1] + name[1:].lower()


def program(rng, lang: str, ops: list[tuple[str, int]], value=None) -> str:
    """A small opcode-table program. `value(i, v)` spells a value (a literal, or an expression)."""
    val = value or (lambda i, v: rng.choice([f"0x{v:02X}", f"0x{v:02x}", str(v)]))
    L = []
    style = rng.random()
    if lang == "python":
        if style < 0.5:
            L.append("from enum import IntEnum\n\n\nclass Op(IntEnum):\n    \"\"\"Opcodes.\"\"\"")
            L += [f"    {n} = {val(i, v)}" for i, (n, v) in enumerate(ops)]
        elif style < 0.8:
            L.append("OPCODES = {")
            L += [f"    {val(i, v)}: \"{n}\"," for i, (n, v) in enumerate(ops)]
            L.append("}")
        else:
            L.append("def step(vm, op):")
            for i, (n, v) in enumerate(ops):
                L.append(f"    {'if' if i == 0 else 'elif'} op == {val(i, v)}:  # {n}\n        vm.{n.lower()}()")
    elif lang == "go":
        if style < 0.5:
            L.append("package vm\n\nconst (")
            L += [f"\tOp{camel(n)} byte = {val(i, v)}" for i, (n, v) in enumerate(ops)]
            L.append(")")
        elif style < 0.75:
            L.append("package vm\n\nconst (\n\tOpHalt = iota")
            L += [f"\tOp{camel(n)}" for n, _ in ops[1:]]
            L.append(")")
        else:
            L.append("package vm\n\nfunc (v *VM) Step(op byte) {\n\tswitch op {")
            for i, (n, v) in enumerate(ops):
                L.append(f"\tcase {val(i, v)}: // {n}\n\t\tv.pc++")
            L.append("\t}\n}")
    elif lang in ("typescript", "javascript"):
        if style < 0.5 and lang == "typescript":
            L.append("export enum Opcode {")
            L += [f"  {n} = {val(i, v)}," for i, (n, v) in enumerate(ops)]
            L.append("}")
        elif style < 0.8:
            L.append("export const OPCODES = {")
            L += [f"  {n}: {val(i, v)}," for i, (n, v) in enumerate(ops)]
            L.append("};")
        else:
            L.append("export const TABLE = [")
            L += [f"  {{ mnemonic: \"{n}\", opcode: {val(i, v)} }}," for i, (n, v) in enumerate(ops)]
            L.append("];")
    elif lang == "rust":
        if style < 0.6:
            L.append("#[repr(u8)]\n#[derive(Clone, Copy)]\npub enum Op {")
            L += [f"    {camel(n)} = {val(i, v)}," for i, (n, v) in enumerate(ops)]
            L.append("}")
        else:
            L.append("pub fn decode(b: u8) -> Option<Op> {\n    match b {")
            L += [f"        {val(i, v)} => Some(Op::{camel(n)})," for i, (n, v) in enumerate(ops)]
            L.append("        _ => None,\n    }\n}")
    elif lang in ("c", "cpp", "cuda"):
        if style < 0.4:
            L.append("#ifndef OPCODES_H\n#define OPCODES_H")
            L += [f"#define OP_{n} {val(i, v)}" for i, (n, v) in enumerate(ops)]
            L.append("#endif")
        elif style < 0.7:
            L.append("typedef enum {")
            L += [f"    OP_{n} = {val(i, v)}," for i, (n, v) in enumerate(ops)]
            L.append("} opcode_t;")
        else:
            L.append("void step(vm_t *vm, unsigned char op) {\n    switch (op) {")
            for i, (n, v) in enumerate(ops):
                L.append(f"    case {val(i, v)}: /* {n} */ vm->pc++; break;")
            L.append("    }\n}")
    elif lang == "java":
        L.append("public final class Opcodes {")
        L += [f"    public static final int {n} = {val(i, v)};" for i, (n, v) in enumerate(ops)]
        L.append("}")
    elif lang == "zig":
        L.append("pub const Op = enum(u8) {")
        L += [f"    {n.lower()} = {val(i, v)}," for i, (n, v) in enumerate(ops)]
        L.append("};")
    elif lang == "php":
        L.append("<?php\nclass Opcodes {")
        L += [f"    const {n} = {val(i, v)};" for i, (n, v) in enumerate(ops)]
        L.append("}")
    elif lang == "ruby":
        if style < 0.5:
            L.append("module Opcodes")
            L += [f"  {n} = {val(i, v)}" for i, (n, v) in enumerate(ops)]
            L.append("end")
        else:
            L.append("OPCODES = {")
            L += [f"  {val(i, v)} => :{n.lower()}," for i, (n, v) in enumerate(ops)]
            L.append("}")
    elif lang == "markdown":
        if style < 0.7:
            L.append("# Opcodes\n\n| Opcode | Mnemonic | Format |\n|---|---|---|")
            L += [f"| {val(i, v)} | {n} | A |" for i, (n, v) in enumerate(ops)]
        else:
            L.append(f"### Core ops (0x{ops[0][1]:02X}\u20130x{ops[0][1] + 15:02X})\n\n| Mnemonic | Description |\n|---|---|")
            L += [f"| {n} | does {n.lower()} |" for n, _ in ops]
    elif lang == "json":
        L.append("{")
        L.append(",\n".join(f'  "0x{v:02X}": {{"mnemonic": "{n}"}}' for n, v in ops))
        L.append("}")
    return "\n".join(L) + "\n"


EDGE_VALUES = ["0", "1", "255", "256", "0xFF", "0xFFFFFFFF", "0x7FFFFFFFFFFFFFFF", "0xFFFFFFFFFFFFFFFF",
               "0x1FFFFFFFFFFFFFFFFFFFF", "18446744073709551616", "-1", "-9223372036854775808",
               "99999999999999999999999999", "0b" + "1" * 70, "0o777777777777777777777777", "0x", "0b2",
               "1_000", "0x_FF", "1e3", "1.5", "'A'", "true", "nil", "iota"]
EDGE_OPS = ["+", "-", "*", "/", "%", "<<", ">>", "|", "&", "^"]


def edge_expr(rng, depth=0) -> str:
    if depth > 3 or rng.random() < 0.35:
        return rng.choice(EDGE_VALUES)
    r = rng.random()
    if r < 0.15:
        return f"~{edge_expr(rng, depth + 1)}" if rng.random() < 0.5 else f"-{edge_expr(rng, depth + 1)}"
    if r < 0.25:
        return f"({edge_expr(rng, depth + 1)})"
    return f"{edge_expr(rng, depth + 1)} {rng.choice(EDGE_OPS)} {edge_expr(rng, depth + 1)}"


def deep_source(rng, lang: str, ops) -> tuple[str, str]:
    # log-uniform from 100 to 100,000 levels: the small ones reach further, the large ones are
    # what a parser's recursion meets
    d = log_depth(rng, 100, 100_000)
    kind = rng.choice(["parens", "braces", "arrays", "unary"])
    if lang == "python" and kind == "braces":
        d = min(d, 3000)  # indentation makes the file quadratic
        body = "".join("    " * i + "if x:\n" for i in range(d)) + "    " * d + "pass\n"
        return program(rng, lang, ops) + "def f(x):\n" + "".join("    " + line + "\n" for line in body.splitlines()), f"python blocks x{d}"
    if lang == "markdown":
        k = rng.choice(["quote", "list", "table-in-quote"])
        if k == "quote":
            return ">" * d + " | 0x00 | HALT |\n" + program(rng, lang, ops), f"markdown quotes x{d}"
        if k == "list":
            d = min(d, 5000)
            return "".join("  " * i + "- x\n" for i in range(d)) + program(rng, lang, ops), f"markdown list x{d}"
        return program(rng, lang, ops).replace("\n", "\n" + "> " * min(d, 3000)), f"markdown quoted table x{min(d, 3000)}"
    expr = {"parens": "(" * d + "1" + ")" * d,
            "braces": "{" * d + "}" * d,
            "arrays": "[" * d + "]" * d,
            "unary": "-" * d + "1" if lang not in ("c", "cpp", "cuda", "java", "php") else "- " * d + "1"}[kind]

    def val(i, v):
        return expr if i == len(ops) // 2 else f"0x{v:02X}"

    if kind in ("braces", "arrays") and lang in ("c", "cpp", "cuda", "go", "rust", "java", "zig", "typescript", "javascript", "php"):
        block = {"braces": "{" * d + "}" * d, "arrays": "[" * d + "]" * d}[kind]
        tail = {"c": f"void f(void) {block}\n", "cpp": f"void f() {block}\n", "cuda": f"void f() {block}\n",
                "go": f"func f() {block}\n", "rust": f"fn f() {block}\n", "java": f"class Z {{ void f() {block} }}\n",
                "zig": f"fn f() void {block}\n", "typescript": f"const z = {block};\n",
                "javascript": f"const z = {block};\n", "php": f"$z = {block};\n"}[lang]
        return program(rng, lang, ops) + tail, f"{lang} nested {kind} x{d}"
    return program(rng, lang, ops, val), f"{lang} nested {kind} x{d} in a value"


def long_expr_source(rng, lang: str, ops) -> tuple[str, str]:
    kind = rng.choice(["sum", "chain", "shift", "edge", "many", "longname"])
    if kind == "sum":
        n = rng.choice([100, 1000, 3000, 10_000, 100_000])
        op = rng.choice(["+", "+", "*", "<<", "|", "-"])
        expr = f" {op} ".join(["1"] * n)
        return program(rng, lang, ops, lambda i, v: expr if i == 1 else f"0x{v:02X}"), f"{lang} expression of {n} terms ({op})"
    if kind == "chain":
        n = rng.choice([100, 1000, 5000, 20_000, 60_000])
        if lang == "python":
            body = "BASE = 0\n" + "".join(f"OP_{i} = OP_{i - 1} + 1\n" if i else "OP_0 = BASE\n" for i in range(n))
        elif lang == "go":
            body = "package vm\nconst (\n" + "".join(f"\tOp{i} = Op{i - 1} + 1\n" if i else "\tOp0 = 0\n" for i in range(n)) + ")\n"
        elif lang in ("c", "cpp", "cuda"):
            body = "".join(f"#define OP_{i} (OP_{i - 1} + 1)\n" if i else "#define OP_0 0\n" for i in range(n))
        elif lang == "rust":
            body = "".join(f"pub const OP_{i}: u8 = OP_{i - 1} + 1;\n" if i else "pub const OP_0: u8 = 0;\n" for i in range(n))
        elif lang == "typescript":
            body = "export enum Op {\n" + "".join(f"  OP_{i} = OP_{i - 1} + 1,\n" if i else "  OP_0 = 0,\n" for i in range(n)) + "}\n"
        else:
            return long_expr_source(rng, "python" if lang in ("ruby", "markdown", "json") else "c", ops)
        return body, f"{lang} chain of {n} constants"
    if kind == "shift":
        n = rng.choice([8, 64, 65, 200, 5000])
        expr = " << ".join(["1"] * 2) if n < 10 else "1 << " + str(n)
        return program(rng, lang, ops, lambda i, v: expr if i % 3 == 0 else f"(1 << {n}) >> {n}"), f"{lang} shifts by {n}"
    if kind == "edge":
        return program(rng, lang, ops, lambda i, v: edge_expr(rng) if rng.random() < 0.6 else f"0x{v:02X}"), f"{lang} edge-value expressions"
    if kind == "many":
        n = rng.choice([300, 70_000, 100_000])
        names = [(f"OP{i}", i) for i in range(n)]
        return program(rng, lang, names, lambda i, v: str(v)), f"{lang} {n} members"
    s = long_string(rng)
    ident = "".join(c for c in s if c.isalnum() or c == "_")[:200_000] or "A" * 70_000
    return program(rng, lang, [(ident, 1)] + ops), f"{lang} identifier of {len(ident)} characters"


def mutate_lines(rng, text: str) -> tuple[str, str]:
    lines = text.split("\n")
    if not lines:
        return text, "lines: none"
    kind = rng.choice(["dup", "delete", "swap", "repeat", "numbers", "controls", "crlf"])
    if kind == "dup":
        i = rng.randrange(len(lines))
        lines[i:i] = [lines[i]] * rng.randint(1, 5)
    elif kind == "delete":
        i = rng.randrange(len(lines))
        del lines[i : i + rng.randint(1, 3)]
    elif kind == "swap" and len(lines) > 1:
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == "repeat":
        i = rng.randrange(len(lines))
        lines[i:i] = [lines[i]] * rng.choice([1000, 10_000, 50_000])
    elif kind == "numbers":
        t = "\n".join(lines)
        t = re.sub(r"0x[0-9A-Fa-f]+|\b\d+\b", lambda m: rng.choice(EDGE_VALUES) if rng.random() < 0.4 else m.group(0), t)
        return t, "lines: numbers replaced"
    elif kind == "controls":
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(lines))
            ln = lines[i]
            j = rng.randint(0, len(ln))
            lines[i] = ln[:j] + rng.choice(CONTROL_CHARS) + ln[j:]
    elif kind == "crlf":
        return "\r\n".join(lines), "lines: CRLF"
    return "\n".join(lines), f"lines: {kind}"


def gen_source_case(rng: random.Random, ctx: Context, index: int) -> Case:
    langs = ["python", "go", "typescript", "rust", "c", "java", "zig", "php", "ruby", "markdown",
             "javascript", "cpp", "cuda", "json"]
    weights = [10, 10, 10, 10, 10, 8, 8, 8, 8, 10, 3, 3, 3, 3]
    lang = rng.choices(langs, weights)[0]
    ops = random_ops(rng)
    r = rng.random()
    notes = []
    ext = SRC_EXT[lang]
    if r < 0.2 and ctx.seeds.sources:
        name, data = rng.choice(ctx.seeds.sources)
        ext = Path(name).suffix or ext
        notes.append(f"fixture {name}")
        text = data
        if rng.random() < 0.5:
            text, ops_done = mutate_bytes(rng, text)
            notes.append("bytes: " + ",".join(ops_done))
        else:
            t, what = mutate_lines(rng, text.decode("utf-8", "replace"))
            text = t.encode("utf-8", "surrogatepass")
            notes.append(what)
    elif r < 0.35:
        t = program(rng, lang, ops)
        t, what = mutate_lines(rng, t)
        text = t.encode("utf-8", "surrogatepass")
        notes.append(f"{lang} program; {what}")
    elif r < 0.5:
        t, what = deep_source(rng, lang, ops)
        text = t.encode()
        notes.append(what)
    elif r < 0.7:
        t, what = long_expr_source(rng, lang, ops)
        text = t.encode("utf-8", "surrogatepass")
        notes.append(what)
    elif r < 0.85:
        text, done = mutate_bytes(rng, program(rng, lang, ops).encode())
        notes.append(f"{lang} program; bytes: " + ",".join(done))
    elif r < 0.93:
        n = rng.choice([0, 1, 16, 1000, 100_000])
        text = rng.randbytes(n)
        if rng.random() < 0.5:
            text = program(rng, lang, ops).encode() + text
        notes.append(f"{lang}: {n} random bytes")
    else:
        t = program(rng, lang, ops)
        kind = rng.choice(["bom", "huge", "nul"])
        if kind == "bom":
            text = b"\xef\xbb\xbf" + t.encode()
        elif kind == "huge":
            text = (t * (4 * 1024 * 1024 // max(1, len(t)) + 2)).encode()[: 4 * 1024 * 1024 + rng.choice([-1, 0, 1, 100])]
        else:
            text = t.replace("\n", "\x00\n", 3).encode()
        notes.append(f"{lang} program; {kind}")
    fname = f"src/opcodes{ext}"
    files = {fname: text}
    if rng.random() < 0.1:  # a second file in the tree
        l2 = rng.choice(langs)
        files[f"src/more{SRC_EXT[l2]}"] = program(rng, l2, random_ops(rng)).encode()
    target = fname if rng.random() < 0.75 else "src"
    partner = str(rng.choice(ctx.seeds.real)) if ctx.seeds.real else str(REPO / "examples/tables/unified-spec.toml")
    c = rng.random()
    if c < 0.5:
        fmt = rng.choice(["text", "json"])
        argv = ["scan", target, "--format", fmt]
        if rng.random() < 0.3:
            argv += ["--min-confidence", rng.choice(["0", "0.5", "1", "0.99"])]
        if rng.random() < 0.25:
            argv += ["-o", "scanned"]
        runs = [Run(argv, f"scan --format {fmt}")]
        if "-o" in argv and rng.random() < 0.5:
            runs.append(Run(["check", "scanned", "--format", rng.choice(FORMATS3)], "check (scanned tables)", only_if_ok=True))
            return Case("sources", index, files, fname, runs, "; ".join(notes), chain=True)
    elif c < 0.75:
        fmt = rng.choice(FORMATS3)
        argv = ["check", fname, "--format", fmt]
        if rng.random() < 0.3:
            argv.insert(2, partner)
        runs = [Run(argv, f"check --format {fmt} (source)")]
    else:
        fmt = rng.choice(FORMATS3)
        argv = ["conform", target, "--against", partner, "--format", fmt]
        if rng.random() < 0.2:
            argv += ["--min-confidence", "0"]
        runs = [Run(argv, f"conform --format {fmt}")]
    return Case("sources", index, files, fname, runs, "; ".join(notes))


# --------------------------------------------------------------------------------------------
# Generator 3: bytecode for translate
# --------------------------------------------------------------------------------------------


def build_module(rng, code: bytes, starts: list[int]) -> bytes:
    """A well-formed FLUX module around `code` (functions start at instruction boundaries)."""
    nfunc = rng.randint(0, min(6, max(1, len(starts))))
    type_table = rng.randbytes(rng.choice([0, 0, 4, 16]))
    names = b"".join(f"f{i}\x00".encode() for i in range(nfunc))
    chosen = sorted(rng.sample(starts, min(nfunc, len(starts)))) if starts else []
    while len(chosen) < nfunc:
        chosen.append(0)
    funcs = []
    name_off = 0
    for i, s in enumerate(chosen):
        end = chosen[i + 1] if i + 1 < len(chosen) and chosen[i + 1] >= s else len(code)
        funcs.append(struct.pack("<III", name_off, s, max(0, end - s)))
        name_off += len(f"f{i}\x00")
    code_off = 18 + len(type_table) + len(names) + 12 * nfunc
    header = struct.pack("<4sHHHII", b"FLUX", 1, 0, nfunc, 18, code_off)
    return header + type_table + names + b"".join(funcs) + code


def mutate_module(rng, mod: bytes) -> tuple[bytes, str]:
    b = bytearray(mod)
    kind = rng.choice(["count", "code_off", "type_off", "entry", "size", "magic", "truncate", "bytes"])
    if kind == "count":
        struct.pack_into("<H", b, 8, rng.choice([0, 1, 2, 7, 255, 65535, struct.unpack_from("<H", b, 8)[0] + 1]))
    elif kind == "code_off":
        struct.pack_into("<I", b, 14, rng.choice([0, 17, 18, len(b), len(b) + 1, 0xFFFFFFFF, 0x7FFFFFFF, len(b) - 1]))
    elif kind == "type_off":
        struct.pack_into("<I", b, 10, rng.choice([0, len(b), 0xFFFFFFFF]))
    elif kind in ("entry", "size"):
        nfunc = struct.unpack_from("<H", b, 8)[0]
        code_off = struct.unpack_from("<I", b, 14)[0]
        if nfunc and code_off <= len(b):
            i = rng.randrange(nfunc)
            at = code_off - 12 * (nfunc - i) + (4 if kind == "entry" else 8)
            if 0 <= at <= len(b) - 4:
                cur = struct.unpack_from("<I", b, at)[0]
                struct.pack_into("<I", b, at, rng.choice([0, 1, cur + 1, cur - 1 & 0xFFFFFFFF, 0xFFFFFFFF, 0x80000000, len(b)]))
    elif kind == "magic":
        b[rng.randrange(4)] ^= 0x20
    elif kind == "truncate":
        del b[rng.randint(0, len(b)) :]
    else:
        return mutate_bytes(rng, bytes(b))[0], "module; bytes"
    return bytes(b), f"module; {kind}"


def gen_bytecode_case(rng: random.Random, ctx: Context, index: int) -> Case:
    src, dst, extra, _ = rng.choice(ctx.pairs)
    swapped = rng.random() < 0.3
    if swapped:
        src, dst = dst, src
    # programs in the source numbering: the real vectors that translate (found during setup),
    # else programs made of the source table's own instructions
    pool = ctx.programs.get(src) or []
    specs = ctx.specs.get(src) or []
    r = rng.random()
    notes = [f"{Path(src).stem} -> {Path(dst).stem}"]
    starts: list[int] = []

    def concat(k):
        if not pool:
            data, st = program_for(rng, specs, 4 * k)
            starts.extend(st)
            return data
        out = bytearray()
        for _ in range(k):
            if pool and rng.random() < 0.85:
                v = rng.choice(pool)
                starts.append(len(out))
            else:
                v, st = program_for(rng, specs, rng.randint(1, 8))
                starts.extend(len(out) + x for x in st)
            out += v
        return bytes(out)

    if r < 0.1:
        n = rng.choice([0, 1, 2, 3, 8, 64, 1000, 20_000, 70_000])
        data = rng.randbytes(n)
        notes.append(f"{n} random bytes")
    elif r < 0.5:
        data = concat(rng.randint(1, 20))
        data, ops = mutate_bytes(rng, data, rng.choice([0, 0, 1, 1, 2]))
        notes.append("vectors; bytes: " + ",".join(ops))
    elif r < 0.62:
        k = rng.choice([200, 800, 3000, 20_000, 100_000])
        data = concat(k)
        data, ops = mutate_bytes(rng, data, rng.choice([0, 1, 2]))
        notes.append(f"{k} vectors ({len(data)} bytes); bytes: " + ",".join(ops))
    elif r < 0.7:
        data, _ = program_for(rng, specs, rng.choice([1, 10, 100, 3000, 20_000]))
        notes.append("the source table's instructions with random operands")
    else:
        code = concat(rng.randint(1, 12))
        data = build_module(rng, code, starts)
        if rng.random() < 0.6:
            data, what = mutate_module(rng, data)
            notes.append(what)
        else:
            notes.append("module")
        if rng.random() < 0.2:
            data, ops = mutate_bytes(rng, data, 1)
            notes.append("bytes: " + ",".join(ops))
    # the pair's scheme/alias options follow the pair, in whichever direction
    argv = ["translate", "--from", src, "--to", dst] + _pair_options(extra, swapped=swapped)
    if rng.random() < 0.4:
        argv += ["--container", rng.choice(["auto", "raw", "module"])]
    if rng.random() < 0.5:
        argv += ["--format", "json"]
    out = "out.bin"
    files = {"in.bin": data}
    if rng.random() < 0.05:
        out = "missing-dir/out.bin"
    elif rng.random() < 0.05:
        files["out.bin"] = b"previous contents\n"
    argv += ["in.bin", out]
    return Case("bytecode", index, files, "in.bin", [Run(argv, "translate")], "; ".join(notes))


def from_scheme(opts: list[str]) -> str:
    """The scheme translate applies to the --from table under these options."""
    scheme = "flux-unified"
    for flag, value in zip(opts, opts[1:]):
        if flag == "--scheme" and scheme == "flux-unified":
            scheme = value
        elif flag == "--from-scheme":
            return value
    return scheme


def _pair_options(extra: list[str], swapped: bool) -> list[str]:
    out = list(extra)
    if swapped:
        for i, a in enumerate(out):
            if a == "--from-scheme":
                out[i] = "--to-scheme"
            elif a == "--to-scheme":
                out[i] = "--from-scheme"
    return out


# --------------------------------------------------------------------------------------------
# Generator 4: alias maps, decisions, usage, advertisements, groups, public keys
# --------------------------------------------------------------------------------------------


def mnemonics_of(path: Path) -> list[str]:
    try:
        d = json.loads(path.read_text())
        return [e["mnemonic"] for e in d.get("opcodes", []) if isinstance(e.get("mnemonic"), str)]
    except (OSError, ValueError, KeyError, AttributeError):
        return MNEMONICS


def aux_text(rng, obj, fmt) -> bytes:
    if fmt == "json":
        t = to_json(obj, indent=rng.choice([None, "  "]))
    else:
        t = to_toml(obj, rng.choice(["inline", "sections"]))
    b = t.encode("utf-8", "surrogatepass")
    if rng.random() < 0.15:
        b = mutate_bytes(rng, b)[0]
    if rng.random() < 0.05:
        b = b"\xef\xbb\xbf" + b
    return b


def gen_aliases(rng, names) -> tuple[object, str]:
    kind = rng.choice(["valid", "chain", "cycle", "contradiction", "huge", "deep", "wrong-type", "control", "long", "section", "empty-key"])
    m: dict = {}
    if kind in ("valid", "section"):
        for _ in range(rng.randint(1, 10)):
            m["I" + rng.choice(names)] = rng.choice(names)
    elif kind == "chain":
        n = rng.choice([10, 1000, 50_000])
        for i in range(n):
            m[f"A{i}"] = f"A{i + 1}"
        m[f"A{n}"] = rng.choice(names)
    elif kind == "cycle":
        n = rng.choice([1, 2, 3, 1000, 50_000])
        for i in range(n):
            m[f"C{i}"] = f"C{(i + 1) % n}"
    elif kind == "contradiction":
        a = rng.choice(names)
        m = Pairs([(a, "X"), (a, "Y"), ("x" + a, a)])
    elif kind == "huge":
        for i in range(rng.choice([10_000, 100_000])):
            m[f"N{i}"] = rng.choice(names)
    elif kind == "deep":
        m = {"IADD": Deep(log_depth(rng), rng.choice(["array", "object"]))}
    elif kind == "wrong-type":
        m = {"IADD": wrong_type(rng)}
    elif kind == "control":
        m = {control_string(rng, "IADD"): control_string(rng, "ADD")}
    elif kind == "long":
        m = {long_string(rng): "ADD", "ISUB": long_string(rng)}
    else:
        m = {"": "ADD", "ADD": "", " ": " "}
    if kind == "section":
        m = {"aliases": m}
    return m, f"aliases ({kind})"


def gen_decisions(rng, names) -> tuple[object, str]:
    kind = rng.choice(["valid", "numbers", "unknown", "duplicate", "wrong-type", "huge", "deep", "control"])
    decs = []
    for _ in range(rng.randint(1, 6)):
        d = {"mnemonic": rng.choice(names), "opcode": rng.randrange(256)}
        if rng.random() < 0.4:
            d["rationale"] = "board ruling"
        if rng.random() < 0.2:
            d["format"] = rng.choice(["A", "E", "Z", ""])
        if rng.random() < 0.2:
            d["category"] = "x"
        decs.append(d)
    if kind == "numbers":
        for d in decs:
            d["opcode"] = rng.choice([huge_number(rng), "0x18", "0x", "0xZZ", "-1", "1e3", "0x1_0", " 24", "0X18", "0b11"])
    elif kind == "unknown":
        decs[0]["mnemonic"] = rng.choice(["NO_SUCH_OP", "", "add", long_string(rng)])
    elif kind == "duplicate":
        decs.append(dict(decs[0]))
        decs.append({"mnemonic": "OTHER" + decs[0]["mnemonic"], "opcode": decs[0]["opcode"]})
    elif kind == "wrong-type":
        k = rng.choice(["mnemonic", "opcode", "format", "category", "rationale"])
        decs[0][k] = wrong_type(rng)
    elif kind == "huge":
        decs = [{"mnemonic": f"M{i}", "opcode": i} for i in range(rng.choice([10_000, 70_000]))]
    elif kind == "deep":
        decs[0]["rationale"] = Deep(log_depth(rng), rng.choice(["array", "object"]))
    elif kind == "control":
        decs[0]["rationale"] = control_string(rng, "why")
        decs[0]["mnemonic"] = control_string(rng, decs[0]["mnemonic"])
    shape = rng.choice(["toml", "json-list", "json-object"])
    if shape == "toml":
        return {"decision": decs}, f"decisions ({kind}, toml)"
    if shape == "json-list":
        return decs, f"decisions ({kind}, json list)"
    return {"decisions": decs}, f"decisions ({kind}, json object)"


def gen_usage(rng, impls, names) -> tuple[object, str]:
    kind = rng.choice(["valid", "counts", "keys", "unknown-impl", "wrong-type", "huge", "deep"])
    u: dict = {}
    for impl in rng.sample(impls, min(len(impls), rng.randint(1, 3))):
        u[impl] = {f"0x{rng.randrange(256):02X}": rng.randint(0, 5000) for _ in range(rng.randint(1, 20))}
    first = next(iter(u))
    if kind == "counts":
        for k in list(u[first])[:5]:
            u[first][k] = rng.choice([huge_number(rng), -5, 1.5, 1e308, "12", None, True])
    elif kind == "keys":
        u[first][rng.choice(["0xZZ", "-1", "1e3", "0x1_0", "", "0x100000000", "99999999999999999999", " 1", "0x"])] = 1
    elif kind == "unknown-impl":
        u[rng.choice(["nobody", "", control_string(rng, "impl")])] = {"0x00": 1}
    elif kind == "wrong-type":
        u[first] = wrong_type(rng)
    elif kind == "huge":
        u[first] = {str(i): i for i in range(rng.choice([10_000, 70_000]))}
    elif kind == "deep":
        u[first] = Deep(log_depth(rng), rng.choice(["array", "object"]))
    return u, f"usage ({kind})"


def gen_groups(rng, names) -> tuple[object, str]:
    kind = rng.choice(["valid", "cycle", "chain", "unknown", "wrong-type", "huge", "control"])
    g: dict = {"base": {"mnemonics": rng.sample(names, min(3, len(names)))}}
    if kind == "valid":
        g["arith"] = {"includes": ["base"], "mnemonics": rng.sample(names, min(3, len(names))), "excludes": [names[0]]}
    elif kind == "cycle":
        g["a"] = {"includes": ["b"]}
        g["b"] = {"includes": ["a"]}
        g["c"] = {"includes": ["c"]}
    elif kind == "chain":
        n = rng.choice([100, 1000, 10_000])
        for i in range(n):
            g[f"g{i}"] = {"includes": [f"g{i + 1}" if i + 1 < n else "base"]}
    elif kind == "unknown":
        g["x"] = {"includes": ["nope"], "mnemonics": ["NO_SUCH"], "excludes": ["ALSO_NOT"]}
    elif kind == "wrong-type":
        g["x"] = wrong_type(rng) if rng.random() < 0.5 else {"mnemonics": wrong_type(rng)}
    elif kind == "huge":
        for i in range(rng.choice([300, 5000])):
            g[f"h{i}"] = {"mnemonics": rng.sample(names, min(5, len(names)))}
    else:
        g[control_string(rng, "grp")] = {"mnemonics": [control_string(rng, names[0])]}
    return g, f"groups ({kind})"


def mutate_ad_binary(rng, ad: bytes) -> tuple[bytes, str]:
    """Mutate an FXNG message: header fields, TLV lengths, duplicated or dropped fields."""
    if len(ad) < 10 or rng.random() < 0.35:
        return mutate_bytes(rng, ad)[0], "advertisement; bytes"
    head, body = bytearray(ad[:10]), ad[10:]
    fields = []
    i = 0
    while i + 5 <= len(body):
        tag = body[i]
        ln = struct.unpack_from("<I", body, i + 1)[0]
        fields.append([tag, body[i + 5 : i + 5 + ln]])
        i += 5 + ln
    kind = rng.choice(["length", "dup", "drop", "unknown-tag", "swap", "payload", "header", "body-len"])
    if kind == "dup" and fields:
        fields.insert(rng.randrange(len(fields) + 1), list(rng.choice(fields)))
    elif kind == "drop" and fields:
        del fields[rng.randrange(len(fields))]
    elif kind == "unknown-tag":
        fields.insert(rng.randrange(len(fields) + 1), [rng.randrange(8, 256), rng.randbytes(rng.randint(0, 40))])
    elif kind == "swap" and len(fields) > 1:
        rng.shuffle(fields)
    elif kind == "payload" and fields:
        f = rng.choice(fields)
        f[1] = mutate_bytes(rng, f[1])[0]
    elif kind == "header":
        head[rng.choice([4, 5])] = rng.choice([0, 1, 2, 3, 4, 5, 9, 255])
    out = b"".join(bytes([t]) + struct.pack("<I", len(p)) + p for t, p in fields)
    if kind == "length" and fields:
        # lie about one field's length
        j = rng.randrange(len(fields))
        pre = b"".join(bytes([t]) + struct.pack("<I", len(p)) + p for t, p in fields[:j])
        t, p = fields[j]
        lie = rng.choice([0, len(p) - 1, len(p) + 1, 0xFFFFFFFF, 0x7FFFFFFF])
        out = pre + bytes([t]) + struct.pack("<I", lie & 0xFFFFFFFF) + p + b"".join(
            bytes([t2]) + struct.pack("<I", len(p2)) + p2 for t2, p2 in fields[j + 1 :])
    struct.pack_into("<I", head, 6, len(out))
    if kind == "body-len":
        struct.pack_into("<I", head, 6, rng.choice([0, len(out) - 1, len(out) + 1, 1 << 20, (1 << 20) + 1, 0xFFFFFFFF]))
    return bytes(head) + out, f"advertisement; {kind}"


def mutate_ad_json(rng, text: bytes) -> tuple[bytes, str]:
    try:
        doc = json.loads(text)
    except ValueError:
        return mutate_bytes(rng, text)[0], "json advertisement; bytes"
    if rng.random() < 0.3 or not isinstance(doc, dict):
        return mutate_bytes(rng, text)[0], "json advertisement; bytes"
    keys = list(doc)
    k = rng.choice(keys) if keys else "x"
    kind = rng.choice(["wrong-type", "deep", "huge", "control", "drop", "inner"])
    if kind == "wrong-type":
        doc[k] = wrong_type(rng)
    elif kind == "deep":
        doc[k] = Deep(log_depth(rng), rng.choice(["array", "object"]))
    elif kind == "huge":
        doc[k] = huge_number(rng) if rng.random() < 0.5 else long_string(rng)
    elif kind == "control":
        doc[k] = control_string(rng, str(doc.get(k))[:20])
    elif kind == "drop":
        doc.pop(k, None)
    else:
        v = doc.get(k)
        if isinstance(v, list) and v:
            j = rng.randrange(len(v))
            if isinstance(v[j], dict) and v[j]:
                kk = rng.choice(list(v[j]))
                v[j][kk] = rng.choice([huge_number(rng), wrong_type(rng), control_string(rng, "x"), "", "0" * 70])
            elif rng.random() < 0.5:
                v.extend(copy.deepcopy(v) * rng.choice([1, 100, 300]))
        else:
            doc[k] = rng.choice([huge_number(rng), wrong_type(rng)])
    return to_json(doc, indent=rng.choice([None, " "])).encode("utf-8", "surrogatepass"), f"json advertisement; {kind} {k}"


def gen_aux_case(rng: random.Random, ctx: Context, index: int) -> Case:
    real = ctx.seeds.real or [REPO / "examples/tables/greenhorn-go.json"]
    a, b = rng.sample(real, 2) if len(real) > 1 else (real[0], real[0])
    names = mnemonics_of(a)[:80] + mnemonics_of(b)[:40] or MNEMONICS
    kind = rng.choices(["aliases", "decisions", "usage", "advertisement", "groups", "pubkey", "weights"],
                       [3, 3, 3, 4, 2, 1, 1])[0]
    if kind == "aliases":
        fmt = rng.choice(["json", "toml"])
        obj, note = gen_aliases(rng, names)
        name = f"aliases.{fmt}"
        files = {name: aux_text(rng, obj, fmt)}
        c = rng.random()
        if c < 0.35:
            argv, label = ["check", str(a), str(b), "--aliases", name, "--format", rng.choice(FORMATS3)], "check --aliases"
        elif c < 0.6:
            argv, label = ["arbitrate", str(a), str(b), "--aliases", name], "arbitrate --aliases"
        elif c < 0.75:
            pair = ctx.pairs[min(2, len(ctx.pairs) - 1)]
            files["in.bin"] = rng.choice(ctx.seeds.vectors)
            argv, label = ["translate", "--from", pair[0], "--to", pair[1]] + [x for x in pair[2] if x != "--aliases" and x != ctx.aliases] + ["--aliases", name, "in.bin", "out.bin"], "translate --aliases"
        elif c < 0.9:
            argv, label = ["migrate", "plan", str(a), str(b), "--aliases", name], "migrate plan --aliases"
        else:
            argv, label = ["conform", str(a), "--against", str(b), "--aliases", name], "conform --aliases"
        return Case("aux", index, files, name, [Run(argv, label)], note)
    if kind == "decisions":
        obj, note = gen_decisions(rng, names)
        fmt = "toml" if "toml" in note else "json"
        name = f"decisions.{fmt}"
        strat = rng.choice(STRATEGIES)
        argv = ["arbitrate", str(a), str(b), "--decisions", name, "--strategy", strat]
        if strat == "spec":
            argv += ["--spec", a.stem]
        if rng.random() < 0.5:
            argv += ["--format", "json"]
        return Case("aux", index, {name: aux_text(rng, obj, fmt)}, name, [Run(argv, "arbitrate --decisions")], note)
    if kind == "usage":
        obj, note = gen_usage(rng, [a.stem, b.stem], names)
        argv = ["arbitrate", str(a), str(b), "--usage", "usage.json", "--strategy", rng.choice(["optimal", "optimal", "voting"])]
        return Case("aux", index, {"usage.json": aux_text(rng, obj, "json")}, "usage.json", [Run(argv, "arbitrate --usage")], note)
    if kind == "weights":
        w = rng.choice(["NaN", "inf", "-1", "1e308", "", "0", "1e-320", "abc", "=", "1=2", "99999999999999999999"])
        who = rng.choice([a.stem, "", "nobody", control_string(rng, a.stem)])
        argv = ["arbitrate", str(a), str(b), "--weight", f"{who}={w}", "--strategy", rng.choice(["optimal", "voting"])]
        return Case("aux", index, {"note.txt": (who + w).encode("utf-8", "surrogatepass")}, "note.txt", [Run(argv, "arbitrate --weight")], f"weight {who!r}={w!r}")
    if kind == "advertisement":
        base = Path(rng.choice(ctx.ads))
        data = base.read_bytes()
        if base.suffix == ".json":
            data, note = mutate_ad_json(rng, data)
            name = "ad.json" if rng.random() < 0.9 else "ad.bin"
        else:
            data, note = mutate_ad_binary(rng, data)
            name = "ad.bin"
        other = rng.choice(ctx.ads)
        if rng.random() < 0.8:
            args = [name, other] if rng.random() < 0.5 else [other, name]
            runs = [Run(["negotiate", *args, "--format", rng.choice(["text", "json"])], "negotiate")]
        else:
            runs = [Run(["matrix", name, *rng.sample(ctx.ads, min(2, len(ctx.ads))), "--format", rng.choice(["text", "json"])], "matrix")]
        return Case("aux", index, {name: data}, name, runs, note)
    if kind == "groups":
        obj, note = gen_groups(rng, names)
        argv = ["advertise", str(a), "--groups", "groups.toml", "--format", "json"]
        return Case("aux", index, {"groups.toml": aux_text(rng, obj, "toml")}, "groups.toml", [Run(argv, "advertise --groups")], note)
    # a public key file for init
    pub = (ctx.setup / "keys" / "alice.pub").read_bytes()
    r = rng.random()
    if r < 0.5:
        pub = mutate_bytes(rng, pub)[0]
        note = "public key; bytes"
    else:
        lines = pub.decode().splitlines()
        i = rng.randrange(len(lines))
        lines[i] = rng.choice([lines[i] + "00", lines[i][:-2], control_string(rng, lines[i]), "", lines[i] * 1000, "public: " + "g" * 64])
        pub = ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")
        note = f"public key; line {i}"
    quorum = rng.choice(["1", "0", "2", "-1", "99999999999999999999"])
    maint = rng.choice(["alice", "bob", "", control_string(rng, "eve"), "a" * 300])
    runs = [Run(["init", "--store", "fresh", "--maintainer", f"{maint}=k.pub", "--quorum", quorum], "init"),
            Run(["verify", "--store", "fresh"], "verify")]
    return Case("aux", index, {"k.pub": pub}, "k.pub", runs, note, chain=True)


GENERATORS = {
    "tables": gen_table_case,
    "sources": gen_source_case,
    "bytecode": gen_bytecode_case,
    "aux": gen_aux_case,
}

# --------------------------------------------------------------------------------------------
# Execution and classification
# --------------------------------------------------------------------------------------------

# Control bytes that must never reach a terminal raw: C0 except TAB and LF, DEL, and C1 as UTF-8.
_C0 = set(range(0x00, 0x20)) - {0x09, 0x0A}
_C1 = [bytes([0xC2, c]) for c in range(0x80, 0xA0)]
_CHAR_NAMES = {0x00: "NUL", 0x1B: "ESC", 0x0D: "CR", 0x07: "BEL", 0x08: "BS", 0x7F: "DEL", 0x0C: "FF", 0x0B: "VT"}


_KEEP = bytes(sorted(set(range(256)) - _C0 - {0x7F}))
# Escapes that spell a control character inside a JSON/TOML string or a source literal:
# \u001b, \u{1b}, \x1b, \U0000001B, \e, \0, \a, \b, \f, \v, \r.
_ESCAPED = re.compile(rb"\\(?:u00([0-9A-Fa-f]{2})|u\{0*([0-9A-Fa-f]{1,2})\}|x([0-9A-Fa-f]{2})|U000000([0-9A-Fa-f]{2})|([eabfvr0]))")
_NAMED = {b"e": 0x1B, b"0": 0x00, b"a": 0x07, b"b": 0x08, b"f": 0x0C, b"v": 0x0B, b"r": 0x0D}


def control_set(data: bytes) -> set:
    """The dangerous control characters an input holds, raw or escaped (ints for C0 and DEL,
    two-byte UTF-8 sequences for C1)."""
    found: set = set(data.translate(None, _KEEP))
    if b"\xc2" in data:
        found |= {c for c in _C1 if c in data}
    if b"\\" in data:
        for m in _ESCAPED.finditer(data):
            hx = m.group(1) or m.group(2) or m.group(3) or m.group(4)
            v = int(hx, 16) if hx else _NAMED[m.group(5)]
            if v in _C0 or v == 0x7F:
                found.add(v)
            elif 0x80 <= v < 0xA0:
                found.add(bytes([0xC2, v]))
    return found


def echoed_controls(inp: set, out: bytes) -> list[str]:
    if not inp or not out:
        return []
    hits = []
    for c in inp:
        if isinstance(c, int):
            if c == 0x0D:
                if re.search(rb"\r(?!\n)", out):
                    hits.append("CR")
            elif bytes([c]) in out:
                hits.append(_CHAR_NAMES.get(c, f"0x{c:02X}"))
        elif c in out:
            hits.append(f"U+{c[1]:04X}")
    return sorted(hits)


_PANIC = re.compile(r"panicked at ([^\n]*?):(\d+):(\d+):\n([^\n]*)")


@dataclass
class Result:
    label: str
    argv: list[str]
    code: int | None
    duration: float
    stdout: bytes
    stderr: bytes
    outcome: str = "ok"  # ok | panic | crash | timeout | raw-control
    cause: str = ""
    location: str = ""
    message: str = ""
    raw_control: list[str] = field(default_factory=list)
    slow: bool = False  # finished, but took longer than the timeout in wall-clock time
    cpu: float = 0.0  # CPU seconds used before a kill

    @property
    def finding(self) -> bool:
        return self.outcome != "ok" or bool(self.raw_control)

    @property
    def command(self) -> str:
        a = self.argv
        return " ".join(a[:2]) if a and a[0] == "migrate" else (a[0] if a else "?")

    def signature(self) -> tuple:
        if self.outcome == "panic":
            return ("panic", self.command, self.location)
        if self.outcome in ("crash", "timeout"):
            return (self.outcome, self.command, self.cause)
        return ("raw-control", self.command, self.cause)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process, from /proc (0 when unavailable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def execute(binary: str, argv: list[str], cwd: Path, timeout: float, env: dict) -> tuple[int | None, float, bytes, bytes, float]:
    """Runs the binary in its own session (so a kill reaches everything it started); the memory
    limit is inherited from this process (see limit_memory).

    The timeout is measured in CPU time, so a verdict does not depend on how busy the machine
    is: the run is killed once it has used `timeout` seconds of CPU, or after three times
    `timeout` of wall-clock time whatever it used. Returns (exit code or None when killed,
    wall seconds, stdout, stderr, CPU seconds at the kill)."""
    t0 = time.monotonic()
    p = subprocess.Popen([binary, *argv], cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env, start_new_session=True)
    chunks: dict[str, bytes] = {}

    def drain(name, pipe):
        chunks[name] = pipe.read()
        pipe.close()

    readers = [threading.Thread(target=drain, args=(n, f), daemon=True) for n, f in (("out", p.stdout), ("err", p.stderr))]
    for t in readers:
        t.start()
    killed, cpu = False, 0.0
    while True:
        try:
            p.wait(timeout=0.25)
            break
        except subprocess.TimeoutExpired:
            cpu = cpu_seconds(p.pid)
            if cpu >= timeout or time.monotonic() - t0 >= 3 * timeout:
                killed = True
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()
                break
    for t in readers:
        t.join()
    return (None if killed else p.returncode), time.monotonic() - t0, chunks.get("out", b""), chunks.get("err", b""), cpu


def limit_memory(mb: int) -> None:
    """Caps the address space of this process, and so of every run it starts (children inherit
    the limit): a run that allocates without bound fails instead of swapping the machine."""
    if mb <= 0:
        return
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    want = mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    resource.setrlimit(resource.RLIMIT_AS, (want, hard))


def input_kind(case: Case) -> str:
    """What a case's input was made of, without the seed file and the text style."""
    parts = [p for p in case.note.split("; ") if not p.startswith("seed ") and not re.match(r"(json|toml)/", p)]
    return "; ".join(parts) or "(unmutated seed)"


def magnitudes(note: str) -> str:
    """A case description with its numbers rounded to powers of ten, for grouping inputs."""
    return re.sub(r"\d+", lambda m: "1e%d" % (len(m.group()) - 1) if len(m.group()) > 2 else m.group(), note)


def normalise(msg: str) -> str:
    msg = re.sub(r"0x[0-9a-fA-F]+", "0x#", msg)
    msg = re.sub(r"\d+", "#", msg)
    return msg[:160]


def classify(res: Result, inputs: set) -> None:
    err = res.stderr.decode("utf-8", "replace")
    m = _PANIC.search(err)
    if res.code is None:
        res.outcome, res.cause = "timeout", "timeout"
        res.message = f"killed after {res.duration:.1f} s ({res.cpu:.1f} s of CPU)"
    elif res.code == 101 or m:
        res.outcome = "panic"
        if m:
            res.location = f"{m.group(1)}:{m.group(2)}"
            res.message = m.group(4).strip()[:400]
            res.cause = f"{res.location}: {normalise(res.message)}"
        else:
            res.cause = res.location = "exit 101 without panic text"
    elif res.code < 0 or res.code not in (0, 1, 2):
        sig = -res.code if res.code < 0 else None
        name = signal.Signals(sig).name if sig and sig in signal.Signals._value2member_map_ else (f"signal {sig}" if sig else f"exit {res.code}")
        if "overflowed its stack" in err:
            why = "stack overflow"
        elif "memory allocation of" in err:
            why = "allocation failure (memory limit)"
        else:
            why = normalise(err.strip().splitlines()[-1]) if err.strip() else "no stderr"
        shell = f" ({128 + sig})" if sig else ""
        res.outcome, res.cause = "crash", f"{name}{shell}: {why}"
    res.raw_control = [f"stdout:{c}" for c in echoed_controls(inputs, res.stdout)] + [
        f"stderr:{c}" for c in echoed_controls(inputs, res.stderr)]
    if res.outcome == "ok" and res.raw_control:
        res.outcome = "raw-control"
        name = "stderr" if any(c.startswith("stderr") for c in res.raw_control) else "stdout"
        res.cause = f"{name}: " + message_site(res.stderr if name == "stderr" else res.stdout)
        res.message = ", ".join(res.raw_control)


_CTRL_RUN = re.compile(r"\S*[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]\S*")


def message_site(stream: bytes) -> str:
    """The first output line holding a raw control character, with the echoed text blanked
    out, so one message template is one group ("error: X:#:#: manual decision for …")."""
    lines = stream.decode("utf-8", "replace").split("\n")
    for i, line in enumerate(lines):
        if _CTRL_RUN.search(line) or "\r" in line:
            # an echoed newline splits a message: start from the line that opens it
            j = i
            while j > 0 and i - j < 5 and not re.match(r"(error|note|warning|hint):", lines[j]):
                j -= 1
            if not re.match(r"(error|note|warning|hint):", lines[j]):
                j = i
            line = " ".join(lines[j : i + 1])
            line = re.sub(r"`[^`]*`", "`…`", line)
            line = _CTRL_RUN.sub("…", line)
            line = re.sub(r"^(error|note|warning): [^:\s]+:(\d+:\d+:)?", r"\1: <file>:", line)
            line = re.sub(r"\b[A-Z][A-Z0-9_]+\b", "…", line)  # echoed mnemonics and names
            line = re.sub(r"\s+", " ", line.replace("`", ""))
            line = line[: line.index("…") + 1] if "…" in line else line  # the message up to the echo
            return normalise(line.strip())[:120] or "(blank line)"
    return "(control characters across lines)"


# --------------------------------------------------------------------------------------------
# The runner
# --------------------------------------------------------------------------------------------


class Runner:
    def __init__(self, args, ctx: Context, scratch: Path):
        self.args = args
        self.ctx = ctx
        self.scratch = scratch
        self.binary = str(Path(args.binary).resolve())
        self.lock = threading.Lock()
        self.passed = 0
        self.failed = 0
        self.outcomes: dict[str, int] = {}
        self.by_command: dict[str, dict[str, int]] = {}
        self.by_gen: dict[str, dict[str, int]] = {g: {"cases": 0, "runs": 0, "findings": 0} for g in GENERATORS}
        self.groups: dict[tuple, dict] = {}
        self.slow: list[dict] = []
        self.slowest: list[tuple] = []
        self.harness: dict[str, dict[str, float]] = {}  # seconds per generator and phase
        self.saved = 0
        self.finding_no = 0
        self.env = dict(os.environ, NO_COLOR="1", RUST_BACKTRACE="0")
        self.env.pop("ISA_AUTHORITY_STORE", None)

    # -- one case ------------------------------------------------------------------------------
    def materialise(self, case: Case, where: Path) -> None:
        where.mkdir(parents=True, exist_ok=True)
        if case.store:
            shutil.copytree(self.ctx.setup / "store", where / ".isa-authority", symlinks=True)
            shutil.copytree(self.ctx.setup / "keys", where / "keys", symlinks=True)
            os.chmod(where / "keys" / "alice.key", 0o600)
        for rel, data in case.files.items():
            p = where / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        for d in case.dirs:
            (where / d).mkdir(parents=True, exist_ok=True)

    def run_case(self, case: Case, where: Path, timeout: float) -> list[Result]:
        inputs: set = set()
        for data in case.files.values():
            inputs |= control_set(data)
        env = dict(self.env, ISA_AUTHORITY_STORE=str(where / ".isa-authority"))
        captured = ""
        results = []
        for i, run in enumerate(case.runs):
            if case.chain and i > 0 and run.only_if_ok and (not results or results[-1].code != 0):
                break
            # an argument cannot hold NUL (the OS cuts it there); pass what a shell would
            argv = [a.replace("{ID}", captured).replace("\x00", "") for a in run.argv]
            code, dur, out, err, cpu = execute(self.binary, argv, where, timeout, env)
            res = Result(run.label, argv, code, dur, out, err)
            res.cpu = cpu
            res.slow = code is not None and dur > timeout  # finished, but took long on a busy machine
            classify(res, inputs)
            if run.capture:
                captured = out.decode("utf-8", "replace").strip()
            results.append(res)
        return results

    def do_case(self, gen: str, index: int) -> None:
        t0 = time.monotonic()
        rng = random.Random(f"{self.args.seed}:{gen}:{index}")
        case = GENERATORS[gen](rng, self.ctx, index)
        where = self.scratch / f"{gen}-{index}"
        t1 = time.monotonic()
        try:
            self.materialise(case, where)
            t2 = time.monotonic()
            results = self.run_case(case, where, self.args.timeout)
            t3 = time.monotonic()
            self.record(case, results)
        finally:
            shutil.rmtree(where, ignore_errors=True)
        t4 = time.monotonic()
        with self.lock:
            h = self.harness.setdefault(gen, {"generate": 0.0, "write": 0.0, "run": 0.0, "record": 0.0})
            for k, v in (("generate", t1 - t0), ("write", t2 - t1), ("run", t3 - t2), ("record", t4 - t3)):
                h[k] = round(h[k] + v, 3)

    # -- bookkeeping ---------------------------------------------------------------------------
    def record(self, case: Case, results: list[Result]) -> None:
        with self.lock:
            g = self.by_gen[case.gen]
            g["cases"] += 1
            for n, res in enumerate(results):
                g["runs"] += 1
                c = self.by_command.setdefault(res.command, {"runs": 0, "findings": 0, "seconds": 0.0, "exits": {}})
                c["runs"] += 1
                ex = "timeout" if res.code is None else str(res.code)
                c["exits"][ex] = c["exits"].get(ex, 0) + 1
                c["seconds"] = round(c["seconds"] + res.duration, 3)
                self.outcomes[res.outcome] = self.outcomes.get(res.outcome, 0) + 1
                self.slowest.append((res.duration, f"{case.gen}-{case.index}", res.label, case.note[:160]))
                if len(self.slowest) > 200:
                    self.slowest = sorted(self.slowest, reverse=True)[:20]
                if res.slow:
                    self.slow.append({"case": f"{case.gen}-{case.index}", "command": res.label, "seconds": round(res.duration, 2), "note": case.note})
                if not res.finding:
                    self.passed += 1
                    continue
                self.failed += 1
                g["findings"] += 1
                c["findings"] += 1
                self.finding_no += 1
                fid = f"{self.finding_no:05d}-{case.gen}-{case.index}-{n}"
                sig = res.signature()
                grp = self.groups.setdefault(sig, {"kind": sig[0], "command": sig[1], "cause": res.cause or sig[2],
                                                   "location": res.location, "message": res.message,
                                                   "raw_control": res.raw_control, "count": 0, "generators": {},
                                                   "examples": [], "first": None})
                grp["count"] += 1
                kind = magnitudes(input_kind(case))[:120]
                grp.setdefault("inputs", {})
                grp["inputs"][kind] = grp["inputs"].get(kind, 0) + 1
                grp["generators"][case.gen] = grp["generators"].get(case.gen, 0) + 1
                save = self.args.max_saved_per_group <= 0 or len(grp["examples"]) < self.args.max_saved_per_group
                if save:
                    grp["examples"].append(fid)
                    if grp["first"] is None:
                        grp["first"] = fid
                    self.save_finding(fid, case, results, n)

    def save_finding(self, fid: str, case: Case, results: list[Result], n: int) -> None:
        d = Path(self.args.out) / "findings" / fid
        self.materialise(case, d)
        res = results[n]
        (d / "stdout.txt").write_bytes(res.stdout[: 1 << 20])
        (d / "stderr.txt").write_bytes(res.stderr[: 1 << 20])
        meta = {
            "generator": case.gen, "index": case.index, "seed": self.args.seed, "note": case.note,
            "primary": case.primary, "files": sorted(case.files), "store": case.store, "chain": case.chain,
            "runs": [{"argv": r.argv, "label": r.label, "capture": r.capture} for r in case.runs],
            "failing_run": n,
            "results": [{"argv": r.argv, "exit": r.code, "seconds": round(r.duration, 3), "outcome": r.outcome,
                         "cause": r.cause, "message": r.message, "raw_control": r.raw_control} for r in results],
        }
        (d / "case.json").write_text(json.dumps(meta, indent=2, ensure_ascii=True) + "\n")
        (d / "repro.sh").write_text(repro_script(self.binary, case, n))
        os.chmod(d / "repro.sh", 0o755)
        self.saved += 1

    def summary(self, wall: float, started: str, skipped: dict, exhausted: bool) -> dict:
        groups = []
        for sig, g in sorted(self.groups.items(), key=lambda kv: (-kv[1]["count"], kv[0])):
            groups.append(dict(g, key=" | ".join(sig)))
        return {
            "binary": self.binary, "seed": self.args.seed, "started": started, "wall_seconds": round(wall, 1),
            "jobs": self.args.jobs, "timeout_seconds": self.args.timeout, "budget_seconds": self.args.budget_seconds,
            "budget_exhausted": exhausted, "skipped_cases": skipped, "generators": self.by_gen,
            "runs": self.passed + self.failed, "passed": self.passed, "failed": self.failed,
            "outcomes": self.outcomes, "by_command": dict(sorted(self.by_command.items())),
            "groups": groups, "slow": self.slow, "saved_findings": self.saved,
            "harness_seconds": self.harness,
            "slowest_runs": [{"seconds": round(d, 2), "case": c, "command": l, "note": n}
                             for d, c, l, n in sorted(self.slowest, reverse=True)[:20]],
        }


def repro_script(binary: str, case: Case, upto: int) -> str:
    lines = ["#!/bin/sh", "# Re-runs this finding. Usage: ./repro.sh [BINARY]",
             f"# {case.gen} case {case.index}: {case.note}".replace("\n", " ")[:2000],
             'cd "$(dirname "$0")" || exit 2', f"BIN=${{1:-{shlex.quote(binary)}}}",
             'export NO_COLOR=1 ISA_AUTHORITY_STORE="$PWD/.isa-authority"']
    if case.store:
        lines.append("# The store and keys are the state before the first run; run this in a copy to repeat it.")
    for i, run in enumerate(case.runs[: upto + 1]):
        args = " ".join('"$ID"' if a == "{ID}" else shlex.quote(a) for a in run.argv)
        if run.capture:
            lines.append(f'ID=$("$BIN" {args})')
        else:
            lines.append(f'"$BIN" {args}' + ("" if i == upto else " >/dev/null"))
    lines.append('echo "exit: $?" >&2')
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# Setup: a template store, derived tables for translate, base advertisements
# --------------------------------------------------------------------------------------------

JUMPS = ["JMP", "JZ", "JNZ", "JE", "JNE", "JL", "JGE", "JG", "JLE", "CALL"]


def setup(binary: str, seeds: Seeds, where: Path, env: dict, jobs: int = 2) -> Context:
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True, exist_ok=True)

    def must(argv, cwd=where):
        p = subprocess.run([binary, *argv], cwd=cwd, capture_output=True, env=env, timeout=60)
        if p.returncode != 0:
            raise SystemExit(f"mutate.py: setup step failed: isa-authority {' '.join(argv)}\n{p.stderr.decode(errors='replace')}")
        return p.stdout

    must(["keygen", "alice", "-o", "keys"])
    must(["init", "--store", "store", "--maintainer", "alice=keys/alice.pub", "--quorum", "1"])
    aliases = where / "aliases.toml"
    aliases.write_text('IADD = "ADD"\nISUB = "SUB"\nIMUL = "MUL"\nIDIV = "DIV"\n')

    pairs: list[tuple[str, str, list[str], str]] = []
    py = seeds.real_by_name.get("flux-runtime-python")
    if py:
        t = json.loads(py.read_text())
        for e in t["opcodes"]:
            if e.get("mnemonic") in JUMPS:
                e["branch"] = "imm16"
        (where / "python.json").write_text(json.dumps(t))
        ren = copy.deepcopy(t)
        ren["implementation"] = "renumbered"
        for e in ren["opcodes"]:
            e["opcode"] = (e["opcode"] * 167 + 13) % 256
        (where / "renumbered.json").write_text(json.dumps(ren))
        res = copy.deepcopy(ren)
        res["implementation"] = "resized"
        res["formats"] = {"A": {"size": 2, "fields": [{"name": "pad", "bits": 8, "kind": "imm"}]},
                          "D": {"size": 5, "fields": [{"name": "rd", "bits": 8, "kind": "reg"},
                                                      {"name": "imm16", "bits": 16, "kind": "simm"}]}}
        for e in res["opcodes"]:
            if e.get("format") == "D":
                e["opcode"] |= 0xD100
        (where / "resized.json").write_text(json.dumps(res))
        interp = ["--scheme", "flux-interpreter"]
        pairs += [
            (str(where / "python.json"), str(where / "renumbered.json"), interp, "python"),
            (str(where / "python.json"), str(where / "resized.json"), interp, "python"),
            (str(py), str(seeds.real_by_name.get("flux-runtime-wasm-ts", py)),
             ["--from-scheme", "flux-interpreter", "--to-scheme", "flux-unified", "--aliases", str(aliases)], "python"),
        ]
    # these pairs get programs built from their own instructions (the vectors are in another
    # numbering, and the stack-VM vectors do not decode with either stack table)
    for a, b, which in [("flux-conformance-reference-vm", "lucineer-conformance-runner-c", "none"),
                        ("flux-runtime-isa-unified", "flux-spec-opcodes-md", "none"),
                        ("greenhorn-go-pkg-vm", "flux-runtime-isa-unified", "none")]:
        if a in seeds.real_by_name and b in seeds.real_by_name:
            pairs.append((str(seeds.real_by_name[a]), str(seeds.real_by_name[b]), [], which))
    esc = REPO / "crates/cli/tests/agreement/escape-pages"
    if (esc / "a.toml").is_file():
        pairs.append((str(esc / "a.toml"), str(esc / "b.toml"), [], "none"))
    if not pairs:
        ex = REPO / "examples/tables"
        pairs.append((str(ex / "unified-spec.toml"), str(ex / "greenhorn-go.json"), [], "none"))
    # keep the pairs whose tables translate at all (an empty program)
    (where / "empty.bin").write_bytes(b"")
    good = []
    for p in pairs:
        r = subprocess.run([binary, "translate", "--from", p[0], "--to", p[1], *p[2], "empty.bin", "empty.out"],
                           cwd=where, capture_output=True, env=env, timeout=60)
        if r.returncode == 0:
            good.append(p)
    if not good:
        raise SystemExit("mutate.py: no translate pair works in setup")
    # which real vectors translate, per pair (so mutations start from programs that work)
    programs: dict[str, list[bytes]] = {}
    specs: dict[str, list[tuple[bytes, int]]] = {}
    for p in good:
        for side, other, opts in ((p[0], p[1], p[2]), (p[1], p[0], _pair_options(p[2], True))):
            if side not in specs:
                try:
                    doc = json.loads(Path(side).read_text()) if side.endswith(".json") else tomllib.loads(Path(side).read_text())
                except (OSError, ValueError, tomllib.TOMLDecodeError):
                    doc = {}
                specs[side] = instruction_specs(doc, from_scheme(opts))
        if p[0] in programs or p[3] != "python":
            continue

        def translates(nv, p=p):
            n, v = nv
            (where / f"v{n}.bin").write_bytes(v)
            r = subprocess.run([binary, "translate", "--from", p[0], "--to", p[1], *p[2], f"v{n}.bin", f"v{n}.out"],
                               cwd=where, capture_output=True, env=env, timeout=60)
            return r.returncode == 0

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            oks = list(pool.map(translates, enumerate(seeds.vectors)))
        programs[p[0]] = [v for v, ok in zip(seeds.vectors, oks) if ok]

    ads = []
    for name in ["flux-runtime-isa-unified", "flux-spec-opcodes-md", "flux-runtime-python", "greenhorn-go-pkg-vm"]:
        src = seeds.real_by_name.get(name)
        if not src:
            continue
        must(["advertise", str(src), "-o", f"{name}.ad"])
        (where / f"{name}.json").write_bytes(must(["advertise", str(src), "--format", "json"]))
        ads += [str(where / f"{name}.ad"), str(where / f"{name}.json")]
    if not ads:
        t = str(REPO / "examples/tables/unified-spec.toml")
        must(["advertise", t, "-o", "unified.ad"])
        ads.append(str(where / "unified.ad"))
    return Context(seeds, where, good, ads, str(aliases), programs, specs)


# --------------------------------------------------------------------------------------------
# Minimisation
# --------------------------------------------------------------------------------------------


def minimise(runner: Runner, finding_dir: Path, target: Path, seconds: float) -> dict:
    """Shrink the finding's primary input while the failing run keeps the same signature."""
    meta = json.loads((finding_dir / "case.json").read_text())
    primary = meta["primary"]
    files = {rel: (finding_dir / rel).read_bytes() for rel in meta["files"]}
    runs = [Run(r["argv"], r["label"], r.get("capture", False)) for r in meta["runs"][: meta["failing_run"] + 1]]
    case = Case(meta["generator"], meta["index"], files, primary, runs, meta["note"], chain=meta["chain"], store=meta["store"])
    probe_dir = runner.scratch / f"min-{finding_dir.name}"

    def signature_of(data: bytes):
        c = copy.copy(case)
        c.files = dict(files, **{primary: data})
        shutil.rmtree(probe_dir, ignore_errors=True)
        runner.materialise(c, probe_dir)
        res = runner.run_case(c, probe_dir, runner.args.timeout)
        shutil.rmtree(probe_dir, ignore_errors=True)
        if len(res) != len(runs):
            return None
        return res[-1].signature() if res[-1].finding else None

    data = files[primary]
    want = signature_of(data)
    tries = 1
    deadline = time.monotonic() + seconds
    if want is not None and want[0] != "timeout":
        for unit in ("lines", "bytes"):
            chunks = data.split(b"\n") if unit == "lines" else [bytes([x]) for x in data] if len(data) < 4096 else None
            if chunks is None:
                # large single-line inputs: remove byte ranges by halving
                size = len(data) // 2
                while size >= 1 and time.monotonic() < deadline:
                    i, progressed = 0, False
                    while i < len(data) and time.monotonic() < deadline:
                        cand = data[:i] + data[i + size :]
                        tries += 1
                        if signature_of(cand) == want:
                            data, progressed = cand, True
                        else:
                            i += size
                    if not progressed:
                        size //= 2
                chunks = [bytes([x]) for x in data] if len(data) < 4096 else None
                if chunks is None:
                    continue
            joiner = b"\n" if unit == "lines" else b""
            n = 2
            while len(chunks) >= 2 and time.monotonic() < deadline:
                step = max(1, len(chunks) // n)
                reduced = False
                for i in range(0, len(chunks), step):
                    cand = chunks[:i] + chunks[i + step :]
                    tries += 1
                    if signature_of(joiner.join(cand)) == want:
                        chunks, reduced = cand, True
                        n = max(n - 1, 2)
                        break
                    if time.monotonic() > deadline:
                        break
                if not reduced:
                    if step == 1:
                        break
                    n = min(len(chunks), n * 2)
            data = joiner.join(chunks)
    target.mkdir(parents=True, exist_ok=True)
    case.files = dict(files, **{primary: data})
    runner.materialise(case, target)
    (target / "repro.sh").write_text(repro_script(runner.binary, case, len(runs) - 1))
    os.chmod(target / "repro.sh", 0o755)
    final = None
    probe = runner.scratch / f"min-final-{finding_dir.name}"
    runner.materialise(case, probe)
    res = runner.run_case(case, probe, runner.args.timeout)
    shutil.rmtree(probe, ignore_errors=True)
    if res:
        final = res[-1]
        (target / "stderr.txt").write_bytes(final.stderr[: 1 << 16])
        (target / "stdout.txt").write_bytes(final.stdout[: 1 << 16])
    info = {"from": str(finding_dir), "primary": primary, "bytes_before": len(files[primary]), "bytes_after": len(data),
            "tries": tries, "reproduces": bool(final and final.signature() == want and want is not None),
            "signature": list(want) if want else None, "note": meta["note"]}
    (target / "minimized.json").write_text(json.dumps(info, indent=2) + "\n")
    return info


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------


def slug(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", s).strip("-")[:80] or "x"


def minimise_groups(runner: Runner, summ: dict, out: Path, seconds: float, quiet: bool) -> None:
    """Shrinks the first saved finding of every group into OUT/minimized/<group>/."""
    shutil.rmtree(out / "minimized", ignore_errors=True)
    used: set[str] = set()
    for g in summ["groups"]:
        if not g.get("first"):
            continue
        name = base = slug(f"{g['command']}-{g['kind']}-{g['location'] or g['cause']}")
        n = 2
        while name in used:
            name, n = f"{base}-{n}", n + 1
        used.add(name)
        target = out / "minimized" / name
        info = minimise(runner, out / "findings" / g["first"], target, seconds)
        g["minimized"] = str(target)
        g["minimized_bytes"] = info["bytes_after"]
        g["minimized_reproduces"] = info["reproduces"]
        if not quiet:
            print(f"  minimised {name}: {info['bytes_before']} -> {info['bytes_after']} bytes "
                  f"({'reproduces' if info['reproduces'] else 'DOES NOT reproduce'})", file=sys.stderr)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="See the module docstring and tests/mutate/README.md for details.")
    ap.add_argument("binary", nargs="?", default=str(REPO / "target/release/isa-authority"),
                    help="the isa-authority binary (default: target/release/isa-authority)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1); the same seed gives the same inputs")
    ap.add_argument("--count", type=int, default=None, help="cases per generator (overrides the per-generator defaults)")
    ap.add_argument("--count-tables", type=int, default=None, help="table cases (default 400)")
    ap.add_argument("--count-sources", type=int, default=None, help="source-file cases (default 100)")
    ap.add_argument("--count-bytecode", type=int, default=None, help="bytecode cases (default 600)")
    ap.add_argument("--count-aux", type=int, default=None, help="alias/decision/usage/advertisement cases (default 200)")
    ap.add_argument("--budget-seconds", type=float, default=90, help="start no case after this many seconds (default 90)")
    ap.add_argument("--timeout", type=float, default=10,
                    help="CPU seconds per run (default 10); wall-clock limit three times that")
    ap.add_argument("--jobs", type=int, default=2, help="runs in parallel (default 2)")
    ap.add_argument("--memory-mb", type=int, default=4096, help="address-space limit per run, 0 for none (default 4096)")
    ap.add_argument("--out", default=None, help="output folder (default: mutate-out under the system temp directory)")
    ap.add_argument("--tables-dir", default=None, help="folder holding tables/ and vectors/ (default ../shared/flux beside the repository)")
    ap.add_argument("--max-saved-per-group", type=int, default=0, help="save at most this many findings per group (0: all)")
    ap.add_argument("--minimize", action="store_true", help="shrink one finding per group into OUT/minimized/")
    ap.add_argument("--minimize-seconds", type=float, default=90, help="time per group for --minimize (default 90)")
    ap.add_argument("--minimize-existing", action="store_true",
                    help="run nothing new: minimise the groups of an earlier run's OUT/summary.json")
    ap.add_argument("--only", choices=sorted(GENERATORS), action="append", help="run only this generator (repeatable)")
    ap.add_argument("--quiet", action="store_true", help="no progress lines")
    args = ap.parse_args(argv)

    if not (os.path.isfile(args.binary) and os.access(args.binary, os.X_OK)):
        print(f"mutate.py: no executable binary at {args.binary} (build it with cargo build --release -p isa-authority)", file=sys.stderr)
        return 2
    defaults = {"tables": 400, "sources": 100, "bytecode": 600, "aux": 200}
    counts = {}
    for g in GENERATORS:
        v = getattr(args, f"count_{g}")
        counts[g] = v if v is not None else (args.count if args.count is not None else defaults[g])
        if args.only and g not in args.only:
            counts[g] = 0
    out = Path(args.out or Path(tempfile.gettempdir()) / "mutate-out")
    if args.minimize_existing and not (out / "summary.json").is_file():
        print(f"mutate.py: --minimize-existing needs {out / 'summary.json'} from an earlier run", file=sys.stderr)
        return 2
    if out.exists() and not args.minimize_existing:
        shutil.rmtree(out / "findings", ignore_errors=True)
        shutil.rmtree(out / "minimized", ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    args.out = str(out)
    shared = Path(args.tables_dir) if args.tables_dir else DEFAULT_SHARED
    seeds = load_seeds(shared)
    limit_memory(args.memory_mb)
    scratch = Path(tempfile.mkdtemp(prefix="isa-mutate-"))
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    t0 = time.monotonic()
    try:
        env = dict(os.environ, NO_COLOR="1", RUST_BACKTRACE="0")
        env.pop("ISA_AUTHORITY_STORE", None)
        # the setup files (aliases, derived tables, advertisements, the template store) live in
        # OUT/setup, so the saved findings that name them stay reproducible
        ctx = setup(str(Path(args.binary).resolve()), seeds, out / "setup", env, args.jobs)
        runner = Runner(args, ctx, scratch)
        if args.minimize_existing:
            summ = json.loads((out / "summary.json").read_text())
            t1 = time.monotonic()
            minimise_groups(runner, summ, out, args.minimize_seconds, args.quiet)
            summ["minimize_seconds"] = round(time.monotonic() - t1, 1)
            (out / "summary.json").write_text(json.dumps(summ, indent=2, ensure_ascii=True) + "\n")
            print(f"{summ['passed']} passed, {summ['failed']} failed")
            return 1 if summ["failed"] else 0
        # interleave the generators in proportion to their counts, so a budget cut leaves each
        # of them the same share of its cases
        order = list(GENERATORS)
        schedule = sorted(((g, i) for g in GENERATORS for i in range(counts[g])),
                          key=lambda gi: ((gi[1] + 0.5) / counts[gi[0]], order.index(gi[0])))
        if not args.quiet:
            print(f"mutate.py: seed {args.seed}, {len(seeds.tables)} seed tables, {len(seeds.sources)} source fixtures, "
                  f"{len(seeds.vectors)} vectors, {len(ctx.pairs)} translate pairs; "
                  f"cases: {counts}; jobs {args.jobs}; out {out}", file=sys.stderr)
        exhausted = False
        done_cases = 0
        next_report = time.monotonic() + 15
        errors: list[str] = []
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            pending = set()
            it = iter(schedule)
            while True:
                while len(pending) < args.jobs * 2 and not exhausted:
                    if time.monotonic() - t0 > args.budget_seconds:
                        exhausted = True
                        break
                    try:
                        g, i = next(it)
                    except StopIteration:
                        break
                    fut = pool.submit(runner.do_case, g, i)
                    fut.tag = (g, i)
                    pending.add(fut)
                if not pending:
                    break
                finished, pending = wait(pending, timeout=1, return_when=FIRST_COMPLETED)
                for f in finished:
                    done_cases += 1
                    if f.exception() is not None:
                        errors.append(f"{f.tag}: {f.exception()!r}")
                if not args.quiet and time.monotonic() > next_report:
                    next_report = time.monotonic() + 15
                    print(f"  {time.monotonic() - t0:6.0f}s  {done_cases}/{len(schedule)} cases, "
                          f"{runner.passed + runner.failed} runs, {runner.failed} with findings", file=sys.stderr)
        skipped = {g: counts[g] - runner.by_gen[g]["cases"] for g in GENERATORS}
        if errors:
            print("mutate.py: generator or harness errors (a bug in this script):", file=sys.stderr)
            for e in errors[:20]:
                print("  " + e, file=sys.stderr)
        wall = time.monotonic() - t0
        summ = runner.summary(wall, started, skipped, exhausted)
        summ["harness_errors"] = errors
        if args.minimize:
            minimise_groups(runner, summ, out, args.minimize_seconds, args.quiet)
            summ["minimize_seconds"] = round(time.monotonic() - t0 - wall, 1)
        (out / "summary.json").write_text(json.dumps(summ, indent=2, ensure_ascii=True) + "\n")
        if not args.quiet:
            print(f"mutate.py: {sum(v['cases'] for v in runner.by_gen.values())} cases in {wall:.0f} s"
                  + (" (budget reached)" if exhausted else "") + f"; summary: {out / 'summary.json'}", file=sys.stderr)
            for g in summ["groups"]:
                print(f"  {g['count']:6d}  {g['kind']:<11} {g['command']:<14} {g['cause'][:110]}", file=sys.stderr)
        print(f"{runner.passed} passed, {runner.failed} failed")
        return 1 if runner.failed or errors else 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
